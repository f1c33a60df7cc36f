#!/usr/bin/python3
"""Exporter benchmark (issue 6): locust_exporter against a static Locust
stand-in serving generated payloads of 5..10000 endpoints, beside the floors
measured in the same run (fetching the stand-in's JSON directly; jansson
decoding the same payload in-process).  Prints figures; never fails on
timing.  Exits non-zero only when something does not work at all.

Environment: O (build dir), BENCH_QUICK=1 (short run), BENCH_SIZES
("5 100 500 2000 10000"), BENCH_RUNS (fresh exporter runs per size whose
median is reported; 3, quick 1), BENCH_EXPORTER_FLAGS (extra exporter
flags, e.g. "--web.max-threads=8")."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (BIN, QUICK, free_port, machine, median, pinned, proc_status,  # noqa: E402
                    run, run_kv, start, stop, stop_all, table, tool, wait_http)

SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "5 100 500 2000 10000").split()]
RUNS = int(os.environ.get("BENCH_RUNS", "1" if QUICK else "3"))  # 1 at 10000 endpoints
MIN_SCRAPES = 100 if QUICK else 500
SECONDS = 0.5 if QUICK else 2.0
# The Go exporter (containersol/locust_exporter v0.5.2) measured on this
# machine kind (shared/GO-REFERENCE.md: 2 vCPU, loopback, a Locust stand-in,
# keep-alive scrapes with Accept-Encoding: gzip); its toolchain and sources
# are not here, so its figures are quoted, as (low, high) over its runs.
GO_CPU = {5: (1.47, 1.70), 2000: (84.0, 90.0)}        # ms per scrape
GO_RSS = {5: (15.7, 16.5), 2000: (34.9, 37.5)}        # MB after the scrapes
EXPORTER_CPU, CLIENT_CPU = 1, 0
# As the container images run it: GnuTLS (linked by libcurl's librtmp, a
# protocol the exporter never speaks) skips its load-time setup, 0.7 MB.
EXPORTER_ENV = dict(os.environ, GNUTLS_NO_IMPLICIT_INIT="1")


def go_cpu(n):
    """(low, high) ms: linear through the 5- and 2000-endpoint figures
    (500 is interpolated, 10000 extrapolated)."""
    return tuple(GO_CPU[5][i] + (n - 5) * (GO_CPU[2000][i] - GO_CPU[5][i]) / (2000 - 5) for i in (0, 1))


def limits(n):
    """Default flags up to 2000 endpoints; beyond, the page (~2 KiB per
    endpoint) outgrows --web.max-response-size's 16 MiB, and the limits are
    raised as docs/configuration.md shows for a large test."""
    extra = os.environ.get("BENCH_EXPORTER_FLAGS", "").split()
    if n <= 2000:
        return extra
    return extra + ["--web.max-response-size=64MiB", "--locust.max-decoded-size=96MiB",
            "--locust.max-response-size=32MiB", "--locust.max-rows=30000"]


def driver(url, *extra, pid=None, n=MIN_SCRAPES, seconds=SECONDS):
    argv = [tool("bench-driver"), url, "--min", str(n), "--seconds", str(seconds)]
    if pid:
        argv += ["--pid", str(pid)]
    return run_kv(pinned(argv + list(extra), CLIENT_CPU))


def exporter_run(standin_port, n):
    """One fresh exporter: idle memory, >= MIN_SCRAPES plain scrapes, then
    gzip scrapes (as many up to 2000 endpoints, so that 2000 sees >= 1000
    scrapes in all; 100 above, to bound the run time), memory after; then
    gzip scrapes on a new connection each (civetweb closes an idle
    connection after 500 ms, so Prometheus scraping every 15 s reconnects
    every time), and memory after those."""
    port = free_port()
    log = open(os.path.join(BIN, "bench", f"exporter-{n}.log"), "w")
    p = start(pinned([tool("locust_exporter"), f"--locust.uri=http://127.0.0.1:{standin_port}/{n}",
                      f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"] + limits(n), EXPORTER_CPU),
              stdout=log, stderr=log, env=EXPORTER_ENV)
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_http(base + "/-/healthy"):
            raise RuntimeError("exporter did not start; see " + log.name)
        idle = proc_status(p.pid)
        plain = driver(base + "/metrics", "--expect", "locust_up 1", pid=p.pid)
        gz = driver(base + "/metrics", "--gzip", pid=p.pid, n=MIN_SCRAPES if n <= 2000 else 100)
        after = proc_status(p.pid)
        fresh = driver(base + "/metrics", "--gzip", "--fresh", pid=p.pid, n=MIN_SCRAPES if n <= 500 else 100)
        after_fresh = proc_status(p.pid)
        return {"idle_rss": idle["VmRSS"], "idle_anon": idle["RssAnon"],
                "rss": after["VmRSS"], "anon": after["RssAnon"], "hwm": after["VmHWM"],
                "threads": after["Threads"], "scrapes": plain["scrapes"] + gz["scrapes"] + 6,
                "cpu": plain["cpu_ms"], "cpu_gz": gz["cpu_ms"], "cpu_gz_new": fresh["cpu_ms"],
                "rss_new": after_fresh["VmRSS"], "anon_new": after_fresh["RssAnon"],
                "p50": plain["median_ms"], "p99": plain["p99_ms"], "bytes": plain["bytes"],
                "p50_gz": gz["median_ms"], "p99_gz": gz["p99_ms"], "bytes_gz": gz["bytes"]}
    finally:
        stop(p)
        log.close()


def measure(standin_port, n):
    inproc = run_kv(pinned([tool("bench-inproc"), str(n), "--seconds", "0.3" if QUICK else "1"], EXPORTER_CPU))
    direct = driver(f"http://127.0.0.1:{standin_port}/{n}/stats/requests")
    runs = [exporter_run(standin_port, n) for _ in range(RUNS if n < 10000 else 1)]
    r = {k: median([x[k] for x in runs]) for k in runs[0]}
    r.update(n=n, decode=inproc["decode_ms"], parse=inproc["parse_ms"], render=inproc["render_ms"],
             gzip=inproc["gzip_ms"], json_bytes=inproc["json_bytes"], direct_p50=direct["median_ms"],
             direct_p99=direct["p99_ms"], go=go_cpu(n), runs=RUNS)
    print(f"  {n:>5} endpoints: {r['cpu']:.3f} ms CPU/scrape, median {r['p50']:.3f} ms "
          f"(direct fetch {r['direct_p50']:.3f} ms), RSS {r['rss']} KiB", flush=True)
    return r


def fmt(x, d=3):
    return f"{x:.{d}f}"


def report(res):
    print("\nExporter cost per scrape (CPU = utime+stime from /proc/PID/stat, median of "
          f"{RUNS} run(s) (1 at 10000 endpoints) of >= {MIN_SCRAPES} scrapes; gz = with Accept-Encoding: gzip; "
          "gz new conn = the same on a new connection per scrape, as Prometheus scraping every 15 s does):")
    print(table(
        ["endpoints", "JSON KiB", "CPU ms", "CPU gz ms", "gz new conn ms", "jansson ms", "gz/jansson",
         "Go gz ms*", "Go/gz", "us/endpoint"],
        [[r["n"], fmt(r["json_bytes"] / 1024, 0), fmt(r["cpu"]), fmt(r["cpu_gz"]), fmt(r["cpu_gz_new"]), fmt(r["decode"]),
          fmt(r["cpu_gz"] / r["decode"], 2), "%.1f-%.1f" % r["go"],
          "%.1f-%.1f" % (r["go"][0] / r["cpu_gz"], r["go"][1] / r["cpu_gz"]),
          fmt(1000 * r["cpu"] / r["n"], 2)] for r in res]))
    print("\nScrape latency (ms) and bytes on the wire (headers + body):")
    print(table(
        ["endpoints", "direct p50", "direct p99", "p50", "p99", "p50/direct", "gz p50", "gz p99",
         "bytes", "gz bytes", "shrink"],
        [[r["n"], fmt(r["direct_p50"]), fmt(r["direct_p99"]), fmt(r["p50"]), fmt(r["p99"]),
          fmt(r["p50"] / r["direct_p50"], 2), fmt(r["p50_gz"]), fmt(r["p99_gz"]), int(r["bytes"]),
          int(r["bytes_gz"]), fmt(r["bytes"] / r["bytes_gz"], 1) + "x"] for r in res]))
    print("\nMemory (KiB; RSS = VmRSS, private = RssAnon, i.e. without shared-library pages; "
          "'new conns' = after the further scrapes on a new connection each):")
    print(table(
        ["endpoints", "idle RSS", "idle private", "RSS after", "private after", "peak RSS", "scrapes",
         "RSS new conns", "private new conns"],
        [[r["n"], int(r["idle_rss"]), int(r["idle_anon"]), int(r["rss"]), int(r["anon"]), int(r["hwm"]),
          int(r["scrapes"]), int(r["rss_new"]), int(r["anon_new"])] for r in res]))
    print("\nIn-process stages (ms, median): decode = jansson's json_loadb + json_decref alone (the floor of "
          "the chosen library), parse = the exporter's decode (json_loadb into memory it keeps, then the walk "
          "into the model), render = text exposition, gzip = libdeflate level 1:")
    print(table(["endpoints", "decode", "parse", "render", "gzip"],
                [[r["n"], fmt(r["decode"]), fmt(r["parse"]), fmt(r["render"]), fmt(r["gzip"])] for r in res]))
    if len(res) > 1:
        a, b = res[0], res[-1]
        print(f"\nLinearity: marginal CPU per endpoint {1000 * (b['cpu'] - a['cpu']) / (b['n'] - a['n']):.2f} us "
              f"between {a['n']} and {b['n']} endpoints; per-size figures in the us/endpoint column.")
    print("\n* Go: containersol/locust_exporter v0.5.2 measured on this machine kind (shared/GO-REFERENCE.md: "
          "keep-alive scrapes with gzip; low-high over its runs), linearly interpolated between its 5- and "
          "2000-endpoint figures; 10000 is extrapolated.  The exporter runs with GNUTLS_NO_IMPLICIT_INIT=1, "
          "as its container image does.")
    targets(res)


def targets(res):
    """Issue 10's targets, each a ratio against the Go exporter's figures:
    met when ours is within the ratio of Go's best (lowest) run, 'met vs
    mid' when only within the ratio of the middle of its range."""
    by = {r["n"]: r for r in res}
    rows = []

    def add(what, got, go, ratio, unit):
        lo, hi = go
        goal_lo, goal_mid = lo * ratio, (lo + hi) / 2 * ratio
        verdict = "met" if got <= goal_lo else "met vs mid" if got <= goal_mid else "MISSED"
        rows.append([what, f"{got:.3f} {unit}", f"<= {goal_lo:.3f}-{goal_mid:.3f} {unit} (Go x {ratio:.2f})",
                     f"{got / lo:.3f}-{got / ((lo + hi) / 2):.3f}", verdict])
    for n, cpu_ratio in ((5, 1 / 10), (500, 1 / 3), (2000, 1 / 2)):
        if n not in by:
            continue
        r = by[n]
        add(f"CPU/scrape at {n}, gzip, kept alive", r["cpu_gz"], go_cpu(n), cpu_ratio, "ms")
        add(f"CPU/scrape at {n}, gzip, new connections", r["cpu_gz_new"], go_cpu(n), cpu_ratio, "ms")
    for n, rss_ratio in ((5, 3 / 4), (2000, 1 / 2)):
        if n in by:
            r = by[n]
            add(f"RSS at {n} after {int(r['scrapes'])} scrapes", r["rss"] * 1024 / 1e6, GO_RSS[n], rss_ratio, "MB")
    print("\nTargets (issue 10; ratios against the Go exporter, informational, never a failure):")
    print(table(["target", "measured", "goal", "ours / Go", ""], rows))


def main():
    os.makedirs(os.path.join(BIN, "bench"), exist_ok=True)
    print(f"== exporter benchmark ({'quick' if QUICK else 'full'}): {machine()}")
    print(f"   exporter pinned to CPU {EXPORTER_CPU}, stand-in and client to CPU {CLIENT_CPU}")
    sp = start(pinned([tool("bench-standin")] + [str(n) for n in SIZES], CLIENT_CPU),
               stdout=__import__("subprocess").PIPE, text=True)
    try:
        port = int(sp.stdout.readline())
        res = [measure(port, n) for n in SIZES]
    finally:
        stop_all()
    report(res)
    with open(os.path.join(BIN, "bench", "exporter.json"), "w") as f:
        json.dump({"machine": machine(), "quick": QUICK, "results": res}, f, indent=1)
    return 0


if __name__ == "__main__":
    run(main, "bench-exporter")
