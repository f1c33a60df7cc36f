#!/usr/bin/python3
"""Clients that hold connections (issue 11): the figures behind
docs/security.md and docs/demo-app.md.  Prints tables; never fails on
timing.  Exits non-zero only when something does not work at all.

1. Idle RSS of the exporter against --web.max-threads (smaps_rollup Rss):
   at start, and after 620 gzip scrapes each on a new connection (so that
   every worker has served), with Locust (the bench stand-in, 5 endpoints) up and
   down; median of BENCH_RUNS fresh exporters.
2. Scrapes on new connections while clients hold 256 silent connections and
   256 with half a request header, each reopened as soon as the server
   closes it: how many of 8 answer within 1 s, and the slowest, for a few
   --web.max-threads / --web.request-timeout pairs; then the demo app with
   512 and 2512 held.

Environment: O (build dir), BENCH_QUICK=1 (one run, fewer settings),
BENCH_RUNS (default 3, quick 1)."""
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "tests")]
from common import (QUICK, free_port, machine, median, run, start, stop, stop_all, table,  # noqa: E402
                    tool, wait_http)
import holdconn  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "1" if QUICK else "3"))
THREADS = [8, 136] if QUICK else [8, 64, 128, 136, 160, 256]
HOLD = [(8, "500ms"), (136, "500ms")] if QUICK else \
    [(8, "500ms"), (64, "500ms"), (128, "500ms"), (136, "500ms"), (136, "1s"), (160, "500ms")]
SCRAPES = 620
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def get(url, timeout=10.0):
    """(answered, seconds) of one GET on a new connection, gzip accepted (as
    Prometheus asks)."""
    t0 = time.monotonic()
    try:
        with OPENER.open(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"}),
                         timeout=timeout) as r:
            r.read()
            ok = r.status == 200
    except OSError:
        ok = False
    return ok, time.monotonic() - t0


def rss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1])
    return -1


def exporter(uri, *flags):
    port = free_port()
    p = start([tool("locust_exporter"), f"--locust.uri={uri}", f"--web.listen-address=127.0.0.1:{port}",
               "--log.level=error", *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_http(f"http://127.0.0.1:{port}/-/healthy"):
        raise RuntimeError("the exporter did not start")
    return p, f"http://127.0.0.1:{port}"


def idle_rss(uri, threads):
    """(start, served) RSS in KiB, medians."""
    starts, served = [], []
    for _ in range(RUNS):
        p, base = exporter(uri, f"--web.max-threads={threads}")
        time.sleep(1.0)
        starts.append(rss_kib(p.pid))
        for _ in range(SCRAPES):
            get(base + "/metrics")
        time.sleep(0.3)
        served.append(rss_kib(p.pid))
        stop(p)
    return median(starts), median(served)


def held(port, url, idle, half, n=8):
    """(answered within 1 s, slowest seconds) of n GETs while idle + half held."""
    h = holdconn.Holder(port, reconnect=True)
    try:
        h.add(idle=idle, half=half)
        h.start(max_seconds=120)
        h.wait_connected(30)
        time.sleep(0.5)
        res = []
        for _ in range(n):
            res.append(get(url))
            time.sleep(0.2)
    finally:
        h.close_all()
    return sum(1 for ok, t in res if ok and t <= 1.0), max(t for _, t in res)


def main():
    print(f"== connections benchmark ({'quick' if QUICK else 'full'}): {machine()}")
    holdconn.raise_nofile(6000)
    sp = start([tool("bench-standin"), "5"], stdout=subprocess.PIPE, text=True)
    try:
        up = f"http://127.0.0.1:{int(sp.stdout.readline())}/5"
        down = f"http://127.0.0.1:{free_port()}"
        rows = []
        for t in THREADS:
            a, b = idle_rss(up, t)
            _, c = idle_rss(down, t)
            rows.append([t, f"{a / 1024:.1f}", f"{b / 1024:.1f}", f"{c / 1024:.1f}"])
        print(f"\nExporter idle RSS (MiB; median of {RUNS}; served = after {SCRAPES} scrapes, "
              "each on a new connection):")
        print(table(["--web.max-threads", "at start", "served, Locust up", "served, Locust down"], rows))

        rows = []
        for t, timeout in HOLD:
            p, base = exporter(up, f"--web.max-threads={t}", f"--web.request-timeout={timeout}")
            ok, slowest = held(int(base.rsplit(":", 1)[1]), base + "/metrics", 256, 256)
            stop(p)
            rows.append([t, timeout, f"{ok} of 8", f"{slowest:.2f}"])
        print("\nScrapes on new connections while 256 silent + 256 half-header connections are held:")
        print(table(["--web.max-threads", "--web.request-timeout", "within 1 s", "slowest s"], rows))

        port = free_port()
        app = start([tool("demo-app"), f"--listen=127.0.0.1:{port}", "--log-level=error"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        if not wait_http(url, timeout=30):
            raise RuntimeError("the demo app did not start")
        rows = []
        for idle, half in ((256, 256), (1256, 1256)):
            ok, slowest = held(port, url, idle, half)
            rows.append([idle + half, f"{ok} of 8", f"{slowest:.2f}", f"{rss_kib(app.pid) / 1024:.1f}"])
        stop(app)
        print("\nDemo app (1100 workers), requests to / while half the held connections are silent "
              "and half stuck in their header:")
        print(table(["held", "within 1 s", "slowest s", "RSS after, MiB"], rows))
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    run(main, "bench-connections")
