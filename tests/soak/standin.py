"""Locust stand-ins and exporter helpers for the QA smoke and soak tests.

Healthy: an HTTP/1.1 server on 127.0.0.1 answering GET /stats/requests
         with whatever `variant` (status, content type, body) is current.
Hung:    accepts TCP connections and never answers (closes them when the
         peer does).
Exporter: starts $O/locust_exporter (optionally under a wrapper such as
         valgrind) on a free loopback port and waits until it serves.
Ports, processes and the HTTP server come from tests/testkit.py.
Everything binds 127.0.0.1, every wait is bounded, and only processes
started here are signalled.
"""
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import BUILD, free_port, serve, spawn, stop, wait_http  # noqa: E402


class Healthy:
    def __init__(self, body=b"{}"):
        self.variant = (200, "application/json", body)
        self.requests = 0
        self.httpd = serve(self._answer)
        self.port = self.httpd.port

    def _answer(self, req):
        status, ctype, body = self.variant
        self.requests += 1
        return status, {"Content-Type": ctype}, body

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


class Exporter:
    def __init__(self, locust_uri, args=(), wrapper=(), log_path=None, ready_s=60):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = log_path or os.path.join(BUILD, "qa-exporter-%d.log" % self.port)
        self.log = open(self.log_path, "wb")
        cmd = list(wrapper) + [os.path.join(BUILD, "locust_exporter"),
                               "--locust.uri=" + locust_uri,
                               "--web.listen-address=127.0.0.1:%d" % self.port] + list(args)
        env = dict(os.environ, NO_PROXY="*", no_proxy="*")
        self.proc = spawn(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_http(self.url + "/-/healthy", deadline_s=ready_s, proc=self.proc)
        except RuntimeError as e:
            self.kill()
            raise RuntimeError("exporter did not serve (%s):\n%s" % (e, self.output()))

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
        try:
            return stop(self.proc, wait=timeout)
        finally:
            self.log.close()

    def kill(self):
        stop(self.proc, signal.SIGKILL, wait=10)
