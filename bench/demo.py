#!/usr/bin/python3
"""Demo app benchmark (issue 6): wrk against the demo app's `/` beside
Debian's civetweb serving a static file with the same body, in the same
run; `/about` and `/products` latency medians against their band midpoints
with 1000 connections; memory per idle connection and at 1000 connections.
Prints figures; never fails on timing.

Environment: O (build dir), BENCH_QUICK=1 (shorter wrk runs)."""
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (QUICK, free_port, machine, median, proc_status, start, stop,  # noqa: E402
                    run, stop_all, table, tool, wait_http)

DURATION = 3 if QUICK else 10
RUNS = 1 if QUICK else 3
THREADS = 1100  # the demo app's default worker threads; civetweb gets the same
BANDS = {"/about": (100, 300), "/products": (200, 500)}


def wrk(url, conns, seconds=DURATION):
    """req/s, p50 ms, p99 ms, errors of one wrk run (2 threads)."""
    r = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "10s", url],
                       capture_output=True, text=True, timeout=seconds + 60)
    if r.returncode != 0:
        raise RuntimeError(f"wrk failed: {r.stderr.strip()}")
    out = r.stdout

    def ms(label):
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errs = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%"), "errors": errs + (int(non2xx.group(1)) if non2xx else 0)}


def start_demo():
    port = free_port()
    log = open(os.path.join(tool("bench"), "demo-app.log"), "w")
    p = start([tool("demo-app"), f"--listen=127.0.0.1:{port}", "--seed=1", "--log-level=warn"],
              stdout=log, stderr=log)
    if not wait_http(f"http://127.0.0.1:{port}/healthz"):
        raise RuntimeError("demo-app did not start; see " + log.name)
    return p, port


def start_civetweb(docroot, body):
    with open(os.path.join(docroot, "index.txt"), "wb") as f:
        f.write(body)
    port = free_port()
    p = start(["civetweb", "-document_root", docroot, "-listening_ports", f"127.0.0.1:{port}",
               "-num_threads", str(THREADS), "-enable_keep_alive", "yes", "-tcp_nodelay", "1",
               "-index_files", "index.txt"],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_http(f"http://127.0.0.1:{port}/index.txt"):
        raise RuntimeError("civetweb did not start")
    return p, port


def idle_connections(pid, port, n=1000):
    """RSS (KiB) before and with n idle connections (connected, nothing sent)."""
    before = proc_status(pid)["VmRSS"]
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.3)
        during = proc_status(pid)
    finally:
        for s in socks:
            s.close()
    return before, during["VmRSS"], len(socks)


def sample_rss_during(pid, url, conns, seconds):
    """wrk figures plus the demo app's peak VmRSS while it runs."""
    p = subprocess.Popen(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", url],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        peak = max(peak, proc_status(pid)["VmRSS"])
        time.sleep(0.1)
    return peak


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    os.makedirs(tool("bench"), exist_ok=True)
    print(f"== demo app benchmark ({'quick' if QUICK else 'full'}): {machine()}")
    print(f"   wrk 2 threads, {DURATION} s per run, median of {RUNS} run(s); "
          f"both servers with {THREADS} worker threads, civetweb with tcp_nodelay=1 (else Nagle "
          "holds its body ~40 ms)")
    docroot = tempfile.mkdtemp(prefix="le-bench-")
    try:
        demo, dport = start_demo()
        body = urllib.request.urlopen(f"http://127.0.0.1:{dport}/").read()
        civ, cport = start_civetweb(docroot, body)
        rows = []
        for conns in (64, 256):
            d = [wrk(f"http://127.0.0.1:{dport}/", conns) for _ in range(RUNS)]
            c = [wrk(f"http://127.0.0.1:{cport}/index.txt", conns) for _ in range(RUNS)]
            dr, cr = median([x["rps"] for x in d]), median([x["rps"] for x in c])
            rows.append([conns, f"{dr:.0f}", f"{median([x['p50'] for x in d]):.3f}",
                         f"{median([x['p99'] for x in d]):.3f}", f"{cr:.0f}",
                         f"{median([x['p50'] for x in c]):.3f}", f"{median([x['p99'] for x in c]):.3f}",
                         f"{100 * dr / cr:.0f}%", "met" if dr >= 0.8 * cr else "MISSED",
                         sum(x["errors"] for x in d)])
        print(f"\n`/` ({len(body)}-byte body) vs Debian civetweb serving the same body from a file:")
        print(table(["conns", "demo req/s", "p50 ms", "p99 ms", "civetweb req/s", "p50 ms", "p99 ms",
                     "demo/static", ">= 80%", "errors"], rows))
        stop(civ)

        lat = []
        secs = 10 if QUICK else 20
        for path, (lo, hi) in BANDS.items():
            w = wrk(f"http://127.0.0.1:{dport}{path}", 1000, secs)
            mid = (lo + hi) / 2
            dev = 100 * (w["p50"] - mid) / mid
            lat.append([path, f"{lo}-{hi}", f"{mid:.0f}", f"{w['p50']:.1f}", f"{dev:+.1f}%",
                        "met" if abs(dev) <= 5 else "MISSED", f"{w['p99']:.1f}", f"{w['rps']:.0f}", w["errors"]])
        print(f"\nLatency fidelity with 1000 connections (wrk -t2 -c1000 -d{secs}s):")
        print(table(["route", "band ms", "midpoint", "median ms", "deviation", "within 5%", "p99 ms",
                     "req/s", "errors"], lat))

        before, during, n = idle_connections(demo.pid, dport)
        peak = sample_rss_during(demo.pid, f"http://127.0.0.1:{dport}/about", 1000, 5 if QUICK else 10)
        print("\nDemo app memory (VmRSS):")
        threads = proc_status(demo.pid)["Threads"]
        print(f"   {threads} threads; at start {before / threads:.1f} KiB of RSS per thread "
              "(civetweb allocates each worker's buffers when it starts the pool)")
        print(table(["state", "KiB", "per connection"],
                    [["no connections", before, ""],
                     [f"{n} idle connections", during, f"{(during - before) / n:.1f} KiB"],
                     ["1000 connections under wrk (/about)", peak, f"{(peak - before) / 1000:.1f} KiB"]]))
    finally:
        stop_all()
        shutil.rmtree(docroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    run(main, "bench-demo")
