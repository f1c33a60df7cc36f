#!/usr/bin/python3
"""Clients that hold connections (issue 11): the exporter and the demo app
keep answering.  Usage: test_connections.py exporter|demo

With default flags, while 512 connections are held open to the server
(256 that send nothing, 256 that sent half a request header, each opened
again as soon as the server closes it), every request on a new connection
answers within 1 s; with 2000 more held (1000 + 1000) the server stays up,
and a request made once they close answers within 1 s of their closing.

exporter: against a REAL Locust 2.12 (tools/locust, an idle user class),
every scrape is a 200 with locust_up 1.  Then the flags: a half header is
dropped after --web.request-timeout; --web.allowed-networks refuses a
client outside the list before it reaches a worker (one log line for many
refusals) and serves one inside; a bad list exits 2 with one line.

demo: requests to / against the demo app (1100 workers).

Bounded: ~25 s (exporter) and ~15 s (demo); 127.0.0.1 only; the holder
runs in one thread and every wait has a deadline.
"""
import os
import sys
import tempfile
import time

from hcommon import (LOCUST, PYTHON, ROOT, Exporter, check, finish, free_port, run_exporter_once,
                     samples, spawn, stop, wait_port)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import holdconn  # noqa: E402
from testkit import DEMO_APP, http  # noqa: E402

HELD_IDLE, HELD_HALF = 256, 256
MORE_IDLE, MORE_HALF = 1000, 1000
ANSWER_WITHIN = 1.0   # seconds, the property under test
REQUESTS = 10         # requests while the 512 are held


def timed_get(url, timeout=5.0):
    """(status or the error, seconds, body) of one GET on a new connection."""
    t0 = time.monotonic()
    try:
        status, _, body = http(url, timeout=timeout)
    except OSError as e:
        return "%s: %s" % (type(e).__name__, e), time.monotonic() - t0, b""
    return status, time.monotonic() - t0, body


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def hold_and_ask(what, proc, port, url, good):
    """The property, on a server already up; good(status, body) says whether
    an answer is a normal one."""
    if holdconn.raise_nofile(HELD_IDLE + HELD_HALF + MORE_IDLE + MORE_HALF + 200) < 2800:
        check(False, "%s: RLIMIT_NOFILE allows holding %d connections" % (what, 2712))
        return
    h = holdconn.Holder(port, reconnect=True)
    try:
        h.add(idle=HELD_IDLE, half=HELD_HALF)
        h.start(max_seconds=60)
        check(h.wait_connected(), "%s: 512 connections held (%d idle, %d half a header)"
              % (what, HELD_IDLE, HELD_HALF))
        times, bad = [], []
        for _ in range(REQUESTS):
            status, secs, body = timed_get(url)
            times.append(secs)
            if not good(status, body) or secs > ANSWER_WITHIN:
                bad.append((status, round(secs, 2)))
            time.sleep(0.25)
        held = h.count()
        print("     %s, 512 held: %s s; the server closed %d half-header and %d idle connections "
              "(each opened again); RSS %d KiB" % (what, " ".join("%.2f" % t for t in times),
                                                   h.closed_by_server["half"], h.closed_by_server["idle"],
                                                   rss_kib(proc.pid)), flush=True)
        check(not bad and held >= HELD_IDLE + HELD_HALF - 8,
              "%s: %d requests on new connections answered within %.0f s while 512 are held"
              % (what, REQUESTS, ANSWER_WITHIN), "bad: %s, held at the end: %d" % (bad, held))
        check(h.closed_by_server["half"] >= HELD_HALF,
              "%s: connections stuck in their header are dropped (request timeout)" % what,
              h.closed_by_server)

        h.add(idle=MORE_IDLE, half=MORE_HALF)
        check(h.wait_connected(), "%s: 2000 more connections held" % what)
        time.sleep(1.5)
        during = [timed_get(url, timeout=2.0) for _ in range(2)]
        print("     %s, %d held: %s; RSS %d KiB" % (what, h.count(), ", ".join(
            "%s in %.2f s" % (s if isinstance(s, int) else "no answer", t) for s, t, _ in during),
            rss_kib(proc.pid)), flush=True)
        check(proc.poll() is None, "%s: stays up with %d connections held" % (what, h.count()))
    finally:
        h.close_all()
    closed_at = time.monotonic()
    status, secs, body = timed_get(url, timeout=ANSWER_WITHIN + 1)
    after = time.monotonic() - closed_at
    check(good(status, body) and after <= ANSWER_WITHIN,
          "%s: answers normally within %.0f s of the held connections closing" % (what, ANSWER_WITHIN),
          "%s after %.2f s" % (status, after))


def locust_up(status, body):
    return status == 200 and samples(body.decode(errors="replace")).get("locust_up") == 1.0


def start_locust(tmp):
    port = free_port()
    log = open(os.path.join(tmp, "locust.log"), "wb")
    p = spawn([PYTHON, LOCUST, "-f", os.path.join(ROOT, "tests", "hardening", "locustfile_idle.py"),
               "--web-host", "127.0.0.1", "--web-port", str(port),
               "--autostart", "-u", "3", "-r", "3", "--loglevel", "WARNING"],
              stdout=log, stderr=log, cwd=tmp)
    return p, port


def exporter_request_timeout():
    """--web.request-timeout: half a header is dropped after it, not 30 s."""
    ex = Exporter("--locust.uri=http://127.0.0.1:9", "--web.request-timeout=200ms")
    h = holdconn.Holder(ex.port)
    h.add(half=1)
    h.start(max_seconds=10)
    t0 = time.monotonic()
    while h.closed_by_server["half"] == 0 and time.monotonic() - t0 < 5:
        time.sleep(0.02)
    secs = time.monotonic() - t0
    h.close_all()
    check(h.closed_by_server["half"] == 1 and 0.15 <= secs <= 1.5,
          "--web.request-timeout=200ms: half a header is dropped after ~0.2 s (%.2f s)" % secs)
    ex.stop()


def exporter_allowlist():
    """--web.allowed-networks: outside the list no answer (closed at
    accept), many refusals make one log line; inside, served; bad: exit 2."""
    ex = Exporter("--locust.uri=http://127.0.0.1:9", "--web.allowed-networks=10.0.0.0/8, 192.168.0.0/16")
    results = [timed_get("http://127.0.0.1:%d/-/healthy" % ex.port, timeout=2.0) for _ in range(20)]
    refused = [r for r in results if not isinstance(r[0], int) and r[1] < 1.0]
    check(len(refused) == 20, "--web.allowed-networks without 127.0.0.1: 20 connections closed unanswered",
          results[:3])
    check(ex.alive() and ex.log().count("from outside --web.allowed-networks") == 1,
          "--web.allowed-networks: 20 refusals, one log line", ex.log()[-600:])
    ex.stop()
    ex = Exporter("--locust.uri=http://127.0.0.1:9", "--web.allowed-networks=10.0.0.0/8,127.0.0.0/8")
    status, _, _ = timed_get("http://127.0.0.1:%d/-/healthy" % ex.port)
    check(status == 200, "--web.allowed-networks with 127.0.0.0/8: served", status)
    ex.stop()
    rc, _, err = run_exporter_once("--web.allowed-networks=10.0.0.0/40")
    check(rc == 2 and err.count("\n") == 1 and "10.0.0.0/40" in err,
          "--web.allowed-networks=10.0.0.0/40: exit 2, one line", (rc, err))


def exporter():
    with tempfile.TemporaryDirectory(prefix="le-connections-") as tmp:
        locust, lport = start_locust(tmp)
        up = wait_port(lport, locust, timeout=60)
        check(up, "Locust 2.12 web UI up on port %d" % lport)
        if not up:
            finish()
        ex = Exporter("--locust.uri=http://127.0.0.1:%d" % lport, "--log.level=warn")
        url = "http://127.0.0.1:%d/metrics" % ex.port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not locust_up(*timed_get(url)[::2]):
            time.sleep(0.2)
        check(locust_up(*timed_get(url)[::2]), "exporter (default flags) scrapes Locust: locust_up 1")
        hold_and_ask("exporter", ex.proc, ex.port, url, locust_up)
        check(ex.alive(), "exporter still running")
        check(ex.stop() == 0, "exporter exits 0 on SIGTERM")
        stop(locust)
    exporter_request_timeout()
    exporter_allowlist()


def demo():
    port = free_port()
    log = tempfile.TemporaryFile(prefix="demo-app-connections-")
    app = spawn([DEMO_APP, "--listen=127.0.0.1:%d" % port, "--log-level=warn"], stdout=log, stderr=log)
    check(wait_port(port, app, timeout=30), "demo app (default flags) up")
    # listening comes before all 1100 workers exist: one answer first
    check(timed_get("http://127.0.0.1:%d/healthz" % port, timeout=20)[0] == 200, "demo app answers")
    hold_and_ask("demo app", app, port, "http://127.0.0.1:%d/" % port,
                 lambda status, body: status == 200 and body.startswith(b"Hello from Demo App"))
    check(stop(app, wait=20) == 0, "demo app exits 0 on SIGTERM")


if __name__ == "__main__":
    if sys.argv[1:] == ["exporter"]:
        exporter()
    elif sys.argv[1:] == ["demo"]:
        demo()
    else:
        sys.exit("usage: test_connections.py exporter|demo")
    finish()
