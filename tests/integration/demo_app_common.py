"""Helpers for the demo-app integration tests: start the real binary on
127.0.0.1 with port 0 (it logs the port it bound), HTTP calls, /metrics
parsing and a small pass/fail tally.  Only PIDs started here are killed."""
import atexit
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("O", "build")
BINARY = os.path.join(ROOT, BUILD, "demo-app")
STARTED = []


def _cleanup():
    for proc in STARTED:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


atexit.register(_cleanup)


class App:
    """One demo-app process; its log goes to a temporary file."""

    def __init__(self, *args, env=None):
        self.log = tempfile.NamedTemporaryFile(prefix="demo-app-test-", suffix=".log")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [BINARY, "--listen=127.0.0.1:0", *args],
            stdout=self.log, stderr=subprocess.STDOUT, env=full_env)
        STARTED.append(self.proc)
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            match = re.search(rb"\(port (\d+)\)", open(self.log.name, "rb").read())
            if match:
                return int(match.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError("demo-app exited: " + self.logtext())
            time.sleep(0.05)
        raise RuntimeError("demo-app did not report its port: " + self.logtext())

    def logtext(self):
        return open(self.log.name, "rb").read().decode(errors="replace")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, timeout=30):
        """(status, headers dict, body bytes, seconds)"""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        start = time.monotonic()
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, dict(resp.getheaders()), body, time.monotonic() - start
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def scenario(self, name, on):
        status, _, body, _ = self.request("POST", f"/admin/scenarios/{name}?state={'on' if on else 'off'}")
        if status != 200:
            raise RuntimeError(f"toggle {name}: {status} {body!r}")

    def metrics_text(self):
        status, _, body, _ = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics: {status}")
        return body.decode()

    def metrics(self):
        return parse_metrics(self.metrics_text())

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send sig and return the exit code (None if it did not exit)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$")


def parse_metrics(text):
    """{'name{labels}': value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        if match:
            out[match.group(1)] = float(match.group(2))
    return out


def parallel(fn, count, timeout=60):
    """Run fn(i) in `count` threads at once; results in order."""
    import threading
    results = [None] * count
    barrier = threading.Barrier(count, timeout=timeout)

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # recorded, asserted by the caller
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


class Tally:
    """Named checks; prints `N passed, N failed` and exits non-zero on failure."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, fn, *args):
        name = fn.__name__
        start = time.monotonic()
        try:
            fn(*args)
        except Exception as exc:  # a failed check, reported, not fatal
            self.failed += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {name} ({time.monotonic() - start:.1f}s)", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def check(cond, message):
    if not cond:
        raise AssertionError(message)
