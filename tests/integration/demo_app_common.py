"""Helpers for the demo-app integration tests: start the real binary on
127.0.0.1 with port 0 (it logs the port it bound), HTTP calls, /metrics as
a {series: value} dict, and parallel requests.  Processes, HTTP, sample
parsing and the pass/fail tally come from tests/testkit.py; only PIDs
started here are signalled."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import DEMO_APP, http, install_cleanup, samples, spawn, stop  # noqa: E402

BINARY = DEMO_APP
install_cleanup()


class App:
    """One demo-app process; its log goes to a temporary file."""

    def __init__(self, *args, env=None):
        self.log = tempfile.NamedTemporaryFile(prefix="demo-app-test-", suffix=".log")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = spawn([BINARY, "--listen=127.0.0.1:0", *args],
                          stdout=self.log, stderr=subprocess.STDOUT, env=full_env)
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
        start = time.monotonic()
        status, headers, body = http(self.url + path, timeout=timeout, method=method)
        return status, headers, body, time.monotonic() - start

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
        return samples(self.metrics_text())

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send sig and return the exit code (None if it did not exit in time)."""
        return stop(self.proc, sig, wait=timeout)


def parallel(fn, count, timeout=60):
    """Run fn(i) in `count` threads at once; results in order."""
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
