"""Exporter-specific helpers of the integration and fault tests, on top of
tests/testkit.py (processes, HTTP, exposition parsing, the tally): start
the exporter and the fake Locust (tests/fakes/fake_locust.py), scrape
/metrics (gzip-aware, timed).  Processes started here are stopped by
testkit.cleanup().
"""
import gzip
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import EXPORTER, PYTHON, ROOT, free_port, http, spawn, wait_http  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "locust")


# EXPORTER_WRAPPER="valgrind ..." runs every exporter started here under it
# (check-valgrind); wrapper_verdict() then asks that each exited 0.
WRAPPER = shlex.split(os.environ.get("EXPORTER_WRAPPER", ""))
_wrapped = []


def wrapper_verdict(check):
    """Under EXPORTER_WRAPPER: one check per exporter, exit status 0 (valgrind
    turns errors and definite/indirect leaks into a non-zero status)."""
    for p in _wrapped:
        check(p.poll() == 0, "%s: exporter %d exits 0" % (WRAPPER[0], p.pid), "exit %s" % p.poll())


def start_exporter(uri, *flags, port=None):
    port = port or free_port()
    p = spawn(WRAPPER + [EXPORTER, "--locust.uri=" + uri, "--web.listen-address=127.0.0.1:%d" % port,
               "--log.level=error"] + list(flags))
    wait_http("http://127.0.0.1:%d/-/healthy" % port, proc=p)
    if WRAPPER:
        _wrapped.append(p)
    return p, "http://127.0.0.1:%d" % port


def start_fake(fixture=None, port=None):
    argv = [PYTHON, os.path.join(ROOT, "tests", "fakes", "fake_locust.py")]
    if port:
        argv += ["--port", str(port)]
    if fixture:
        argv += ["--fixture", fixture]
    p = spawn(argv, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    if not line.startswith("PORT "):
        raise RuntimeError("fake_locust did not start: %r" % line)
    return p, "http://127.0.0.1:%d" % int(line.split()[1])


def scrape(base, path="/metrics", timeout=30.0, headers=None):
    t0 = time.monotonic()
    status, hdrs, body = http(base + path, timeout=timeout, headers=headers)
    elapsed = time.monotonic() - t0
    if hdrs.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, body.decode("utf-8"), elapsed
