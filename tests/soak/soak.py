#!/usr/bin/python3
"""Soak / concurrency test of $O/locust_exporter (issue 5, "Proof").

Two scenarios, each with its own exporter (--locust.timeout=1s, default
worker threads) and 50 concurrent scrapers (tests/soak/soak_driver.c):
  hung     a Locust that accepts and never answers: SOAK_HUNG_TOTAL scrapes
           (default 2000, spread over the 50 threads; each fetch waits the
           full 1 s timeout, concurrent scrapes share it);
  healthy  a Locust serving a real 2.12.1 master payload: SOAK_HEALTHY_TOTAL
           scrapes (default 50 x 2000 = 100000);
  large    a Locust with 1200 endpoints (the text is ~2.5 MB, above the size
           the exporter keeps buffers between scrapes, so every scrape
           allocates and frees them while the 50 scrapers share results):
           SOAK_LARGE_TOTAL scrapes (default 3000), each checked for the
           last endpoint's series (the whole text, not a torn one).
Asserted for each: every scrape HTTP 200 with the right locust_up (and no
per-request series when down); after the run the exporter's threads
(/proc/PID/task), open fds (/proc/PID/fd and its own process_open_fds) come
back to the baseline measured after a warm-up; RSS at the end is within
max(+20%, +2 MiB) of the warm-up value (reported, not asserted, for
sanitizer builds, whose allocator quarantine grows by design); the
exporter's own counters agree (scrape errors by reason "timeout" when hung,
none when healthy).  Timing is printed, never asserted.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from standin import Exporter, Healthy, Hung  # noqa: E402
from testkit import BUILD, ROOT, Results, http, install_cleanup  # noqa: E402

THREADS = int(os.environ.get("SOAK_THREADS", "50"))
HUNG_TOTAL = int(os.environ.get("SOAK_HUNG_TOTAL", "2000"))
HEALTHY_TOTAL = int(os.environ.get("SOAK_HEALTHY_TOTAL", str(50 * 2000)))
LARGE_TOTAL = int(os.environ.get("SOAK_LARGE_TOTAL", "3000"))
LARGE_ENDPOINTS = 1200
DEADLINE_S = int(os.environ.get("SOAK_DEADLINE_S", "150"))
SETTLE_S = 20
MIB = 1 << 20
PAYLOAD = os.path.join(ROOT, "tests/fuzz/corpus/seed-2.12.1-master_stats_requests.json")


def sanitized():
    """True when the exporter binary carries ASan (its RSS is not flat by design)."""
    with open(os.path.join(BUILD, "locust_exporter"), "rb") as f:
        return b"__asan_init" in f.read()


def proc_counts(pid):
    tasks = len(os.listdir("/proc/%d/task" % pid))
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return tasks, fds, rss


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def scrape_text(exp):
    status, _, body = http(exp.url + "/metrics", timeout=30)
    return body.decode("utf-8", "replace") if status == 200 else ""


def drive(exp, total, expect, reject, label):
    cmd = [os.path.join(BUILD, "tests", "soak_driver"), exp.url + "/metrics", str(THREADS), str(total),
           str(DEADLINE_S), expect] + ([reject] if reject else [])
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=DEADLINE_S + 30)
    out = p.stdout.decode("utf-8", "replace").strip()
    print("  %s: %s [%.1fs]" % (label, out.splitlines()[-1] if out else "(no output)", time.monotonic() - t0),
          flush=True)
    return p.returncode == 0, out


def settle(exp, base):
    """Poll until threads and fds are back to the baseline (bounded)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        tasks, fds, rss = proc_counts(exp.pid)
        if (tasks <= base[0] and fds <= base[1]) or time.monotonic() > deadline:
            return tasks, fds, rss
        time.sleep(0.2)


def quiesce(pid):
    """Counts once threads and fds read the same twice in a row (bounded)."""
    last = None
    deadline = time.monotonic() + SETTLE_S
    while True:
        now = proc_counts(pid)
        if (last and now[:2] == last[:2]) or time.monotonic() > deadline:
            return now
        last = now
        time.sleep(0.5)


def large_payload(n):
    """A Locust 2.x stats document with n endpoints and the aggregate row."""
    rows = []
    for i in range(n + 1):
        rows.append({"method": None if i == n else "GET", "name": "Aggregated" if i == n else "/big/%d" % i,
                     "num_requests": 1000 + i, "num_failures": i % 7, "avg_response_time": 12.345678901234567 + i,
                     "min_response_time": 1, "max_response_time": 300.5, "median_response_time": 12,
                     "current_rps": 3.3333333333333335, "current_fail_per_sec": 0.1, "avg_content_length": 512.25,
                     "response_time_percentile_0.95": 40, "response_time_percentile_0.99": 90})
    return json.dumps({"stats": rows, "errors": [], "state": "running", "user_count": 50, "total_rps": 300.5,
                       "fail_ratio": 0.01, "current_response_time_percentiles": {
                           "response_time_percentile_0.5": 12, "response_time_percentile_0.95": 40}}).encode()


def scenario(c, name, locust, total, up, check_rss, expect=None):
    print("%s: %d scrapes over %d threads against %s" % (name, total, THREADS, locust.uri), flush=True)
    exp = Exporter(locust.uri, args=["--locust.timeout=1s", "--web.max-threads=64", "--log.level=error"])
    try:
        expect = expect or "\nlocust_up %d\n" % up
        reject = None if up else "\nlocust_requests_num_requests"
        warm = max(THREADS * 2, total // 20)
        ok, out = drive(exp, warm, expect, reject, "warm-up")
        c.check(ok, name + ": warm-up scrapes", out)
        base = quiesce(exp.pid)
        base_fds_metric = metric(scrape_text(exp), "process_open_fds")
        scrapes0 = metric(scrape_text(exp), "locust_exporter_scrapes_total") or 0
        ok, out = drive(exp, total, expect, reject, "soak")
        c.check(ok, name + ": every scrape HTTP 200 with locust_up %d" % up, out)
        tasks, fds, rss = settle(exp, base)
        print("  threads %d -> %d, fds %d -> %d, RSS %.1f -> %.1f MiB" %
              (base[0], tasks, base[1], fds, base[2] / MIB, rss / MIB), flush=True)
        c.check(tasks <= base[0], name + ": no thread leak", "%d threads, baseline %d" % (tasks, base[0]))
        c.check(fds <= base[1], name + ": no fd leak", "%d fds, baseline %d" % (fds, base[1]))
        text = scrape_text(exp)
        fds_metric = metric(text, "process_open_fds")
        c.check(fds_metric is not None and base_fds_metric is not None and fds_metric <= base_fds_metric,
                name + ": process_open_fds back to baseline", "%s vs %s" % (fds_metric, base_fds_metric))
        bound = max(base[2] * 1.2, base[2] + 2 * MIB)
        if check_rss:
            c.check(rss <= bound, name + ": RSS flat", "%.1f MiB > bound %.1f MiB" % (rss / MIB, bound / MIB))
        else:
            print("  (sanitizer build: RSS reported, not asserted)")
        scrapes = metric(text, "locust_exporter_scrapes_total") or 0
        timeouts = metric(text, 'locust_exporter_scrape_errors_total{reason="timeout"}') or 0
        c.check(scrapes > scrapes0, name + ": exporter counted its Locust scrapes", "%s -> %s" % (scrapes0, scrapes))
        if up:
            errors = sum(float(v) for v in re.findall(r"^locust_exporter_scrape_errors_total\{[^}]*\} (\S+)$",
                                                      text, re.M))
            c.check(errors == 0, name + ": no scrape errors counted", str(errors))
        else:
            c.check(timeouts >= 1, name + ": timeouts counted", str(timeouts))
    finally:
        rc = exp.stop(timeout=30)
    c.check(rc == 0, name + ": exporter exits 0 on SIGTERM", str(rc))
    if c.failed:
        print("--- exporter output (tail) ---\n" + exp.output()[-3000:])


def main():
    install_cleanup()
    c = Results(quiet=True, limit=None)
    check_rss = not sanitized()
    hung = Hung()
    try:
        scenario(c, "hung", hung, HUNG_TOTAL, 0, check_rss)
    finally:
        hung.close()
    with open(PAYLOAD, "rb") as f:
        healthy = Healthy(f.read())
    try:
        scenario(c, "healthy", healthy, HEALTHY_TOTAL, 1, check_rss)
    finally:
        healthy.close()
    large = Healthy(large_payload(LARGE_ENDPOINTS))
    try:
        scenario(c, "large", large, LARGE_TOTAL, 1, check_rss,
                 expect='name="/big/%d"} ' % (LARGE_ENDPOINTS - 1))
    finally:
        large.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
