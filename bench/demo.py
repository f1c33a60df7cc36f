#!/usr/bin/python3
"""Demo app benchmark (issue 6): wrk against the demo app's `/` beside
Debian's civetweb serving a static file with the same body, in the same
run, and the demo app with --keep-alive beside civetweb with keep-alive; `/about` and `/products` latency medians against their band midpoints
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

DURATION = 3 if QUICK else 6
RUNS = 1 if QUICK else 5
BANDS = {"/about": (100, 300), "/products": (200, 500)}
OPTIONS_RE = re.compile(r'msg="civetweb options: ([^"]*)"')


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


def demo_options(log_path, timeout=10.0):
    """The civetweb options the demo app started with (its debug log line)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(log_path) as f:
            m = OPTIONS_RE.search(f.read())
        if m:
            return dict(kv.split("=", 1) for kv in m.group(1).split())
        time.sleep(0.05)
    raise RuntimeError("demo-app did not log its civetweb options; see " + log_path)


def start_demo(*args, log_name="demo-app.log"):
    """The demo app (with args), its port and its civetweb options (debug
    logging adds no per-request line: the app logs per request only at
    warn and above)."""
    port = free_port()
    path = os.path.join(tool("bench"), log_name)
    log = open(path, "w")
    p = start([tool("demo-app"), f"--listen=127.0.0.1:{port}", "--seed=1", "--log-level=debug", *args],
              stdout=log, stderr=log)
    if not wait_http(f"http://127.0.0.1:{port}/healthz"):
        raise RuntimeError("demo-app did not start; see " + path)
    return p, port, demo_options(path)


def start_civetweb(docroot, options, **override):
    """Debian's civetweb serving docroot/index.txt with the demo app's
    options (every one but the port), then `override`."""
    port = free_port()
    opts = dict(options, **override)
    opts.pop("listening_ports", None)
    argv = ["civetweb", "-document_root", docroot, "-listening_ports", f"127.0.0.1:{port}",
            "-index_files", "index.txt"]
    for k, v in opts.items():
        argv += [f"-{k}", v]
    p = start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_http(f"http://127.0.0.1:{port}/index.txt"):
        raise RuntimeError("civetweb did not start: " + " ".join(argv))
    return p, port


def spread(xs, fmt="{:.0f}"):
    return f"{fmt.format(min(xs))}-{fmt.format(max(xs))}" if len(xs) > 1 else "-"


def throughput(targets):
    """Interleaved wrk runs: round r, for 64 then 256 connections, runs
    each target once, starting with a different one each round, so slow
    phases of the shared machine hit every target alike.  Returns
    {(name, conns): [wrk result per round]}."""
    for _, url in targets:  # warm-up: first connections, page cache
        wrk(url, 64, 1)
    out = {}
    for r in range(RUNS):
        for conns in (64, 256):
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for name, url in order:
                out.setdefault((name, conns), []).append(wrk(url, conns))
    return out


def throughput_table(res, names, base):
    rows = []
    for conns in (64, 256):
        demo = res[(base, conns)]
        for name in names:
            xs = res[(name, conns)]
            rps = [x["rps"] for x in xs]
            row = [conns, name, f"{median(rps):.0f}", spread(rps), f"{median([x['p50'] for x in xs]):.2f}",
                   f"{median([x['p99'] for x in xs]):.1f}", sum(x["errors"] for x in xs)]
            if name == base:
                row += ["", ""]
            else:
                ratios = [100 * d["rps"] / c["rps"] for d, c in zip(demo, xs)]
                row += [f"{median(ratios):.0f}%", spread(ratios, "{:.0f}%")]
            rows.append(row)
    return table(["conns", "server", "req/s", "min-max", "p50 ms", "p99 ms", "errors",
                  "demo/this", "min-max"], rows)


def rss_kib(pid):
    """Resident KiB from smaps_rollup: exact (VmRSS in /proc/PID/status is
    summed lazily from per-thread counters, stale with 1100 threads)."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1])
    return 0


def idle_connections(pid, port, n=1000):
    """RSS (KiB) with n idle connections (connected, nothing sent)."""
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        return rss_kib(pid), len(socks)
    finally:
        for s in socks:
            s.close()


def sample_rss_during(pid, url, conns, seconds):
    """The demo app's peak RSS while wrk runs."""
    p = subprocess.Popen(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", url],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        peak = max(peak, rss_kib(pid))
        time.sleep(0.2)
    return peak


def memory_table():
    """A fresh demo app (no traffic before): RSS idle, with 1000 idle
    connections, at the peak of 1000 busy ones, and after."""
    demo, port, _ = start_demo(log_name="demo-app-memory.log")
    try:
        time.sleep(0.5)
        before = rss_kib(demo.pid)
        threads = proc_status(demo.pid)["Threads"]
        idle, n = idle_connections(demo.pid, port)
        peak = sample_rss_during(demo.pid, f"http://127.0.0.1:{port}/about", 1000, 5 if QUICK else 10)
        time.sleep(1)
        after = rss_kib(demo.pid)
    finally:
        stop(demo)
    print("\nDemo app memory (RSS from smaps_rollup, a fresh process):")
    print(f"   {threads} threads (civetweb starts its whole pool at once; each worker's stack and "
          "buffers become resident as it first serves)")
    print(table(["state", "KiB", "per connection"],
                [["no connection yet", before, ""],
                 [f"{n} idle connections", idle, f"{(idle - before) / n:.1f} KiB"],
                 ["peak, 1000 connections under wrk (/about)", peak, f"{(peak - before) / 1000:.1f} KiB"],
                 ["after, no connection", after, ""]]))


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    os.makedirs(tool("bench"), exist_ok=True)
    print(f"== demo app benchmark ({'quick' if QUICK else 'full'}): {machine()}")
    docroot = tempfile.mkdtemp(prefix="le-bench-")
    try:
        demo, dport, options = start_demo()
        body = urllib.request.urlopen(f"http://127.0.0.1:{dport}/").read()
        with open(os.path.join(docroot, "index.txt"), "wb") as f:
            f.write(body)
        same, sport = start_civetweb(docroot, options)
        demo_ka, dkport, ka_options = start_demo("--keep-alive", log_name="demo-app-keep-alive.log")
        # the keep-alive demo app's options: enable_keep_alive=yes and its idle timeout
        ka, kport = start_civetweb(docroot, ka_options)
        shown = " ".join(f"{k}={v}" for k, v in options.items() if k != "listening_ports")
        ka_extra = " ".join(f"{k}={v}" for k, v in ka_options.items() if options.get(k) != v
                            and k != "listening_ports")
        print(f"   wrk -t2, {DURATION} s per run, {RUNS} interleaved round(s), median (min-max over rounds)")
        print(f"   demo app's civetweb options: {shown}")
        print("   'civetweb': Debian's civetweb with exactly these options, serving the body from a file;")
        print(f"   'civetweb keep-alive': the same but {ka_extra}")
        print("   (its best case; by default the demo app closes every connection, as the Flask")
        print("   development server); 'demo app keep-alive': the demo app with --keep-alive, whose")
        print("   options are exactly civetweb keep-alive's")
        base, ref, refka, baseka = "demo app", "civetweb", "civetweb keep-alive", "demo app keep-alive"
        res = throughput([(base, f"http://127.0.0.1:{dport}/"), (ref, f"http://127.0.0.1:{sport}/index.txt"),
                          (refka, f"http://127.0.0.1:{kport}/index.txt"),
                          (baseka, f"http://127.0.0.1:{dkport}/")])
        print(f"\n`/` ({len(body)}-byte body); demo/this = median of the per-round ratios:")
        print(throughput_table(res, [base, ref, refka], base))
        print("\nWith keep-alive on both sides:")
        print(throughput_table(res, [baseka, refka], baseka))
        for conns in (64, 256):
            for b, r, what in ((base, ref, "demo app / civetweb (same options)"),
                               (baseka, refka, "demo app keep-alive / civetweb keep-alive")):
                ratio = median([d["rps"] / c["rps"] for d, c in zip(res[(b, conns)], res[(r, conns)])])
                print(f"   {conns} connections: {what} = {100 * ratio:.0f}%: "
                      f"target >= 80% {'met' if ratio >= 0.8 else 'MISSED'}")
        stop(same)
        stop(ka)
        stop(demo_ka)

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

        stop(demo)
        memory_table()
    finally:
        stop_all()
        shutil.rmtree(docroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    run(main, "bench-demo")
