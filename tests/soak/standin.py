"""Locust stand-ins and exporter helpers for the QA smoke and soak tests.

Healthy: an HTTP/1.1 server on 127.0.0.1 answering GET /stats/requests
         with whatever `variant` (status, content type, body) is current.
Hung:    accepts TCP connections and never answers (closes them when the
         peer does).
Exporter: starts $O/locust_exporter (optionally under a wrapper such as
         valgrind) on a free loopback port and waits until it serves.
Everything binds 127.0.0.1, every wait is bounded, and only processes
started here are signalled.
"""
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.path.join(ROOT, os.environ.get("O", "build"))

# No proxy for loopback, whatever the environment says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write (no Nagle stall)
    disable_nagle_algorithm = True

    def do_GET(self):
        status, ctype, body = self.server.owner.variant
        self.server.owner.requests += 1
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Healthy:
    def __init__(self, body=b"{}"):
        self.variant = (200, "application/json", body)
        self.requests = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def uri(self):
        return "http://127.0.0.1:%d" % self.port

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Hung:
    """Accepts and never answers; counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def uri(self):
        return "http://127.0.0.1:%d" % self.port

    def _loop(self):
        while not self.stop:
            for key, _ in self.sel.select(timeout=0.2):
                if key.fileobj is self.sock:
                    try:
                        conn, _ = self.sock.accept()
                    except BlockingIOError:
                        continue
                    self.accepted += 1
                    conn.setblocking(False)
                    self.sel.register(conn, selectors.EVENT_READ)
                    continue
                try:
                    data = key.fileobj.recv(65536)  # request bytes: ignored
                except (BlockingIOError, ConnectionError):
                    data = b"x"
                if not data:  # the peer gave up: close our side too
                    self.sel.unregister(key.fileobj)
                    key.fileobj.close()

    def close(self):
        self.stop = True
        self.thread.join(5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


def http_get(url, timeout=30, headers=None):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Exporter:
    def __init__(self, locust_uri, args=(), wrapper=(), log_path=None, ready_s=60):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = log_path or os.path.join(O, "qa-exporter-%d.log" % self.port)
        self.log = open(self.log_path, "wb")
        cmd = list(wrapper) + [os.path.join(O, "locust_exporter"),
                               "--locust.uri=" + locust_uri,
                               "--web.listen-address=127.0.0.1:%d" % self.port] + list(args)
        env = dict(os.environ, NO_PROXY="*", no_proxy="*")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + ready_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("exporter exited with %s:\n%s" % (self.proc.returncode, self.output()))
            try:
                if http_get(self.url + "/-/healthy", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("exporter did not serve within %ss:\n%s" % (ready_s, self.output()))

    @property
    def pid(self):
        return self.proc.pid

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, timeout=120):
        """SIGTERM, wait; the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self.log.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Checks:
    """Counts named checks; `summary()` prints `N passed, N failed`."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s %s" % (what, detail), flush=True)
        return ok

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed or not self.passed else 0
