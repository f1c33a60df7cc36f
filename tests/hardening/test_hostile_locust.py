#!/usr/bin/python3
"""A hostile or broken Locust cannot blow the exporter's memory (issue 11).

One exporter with default flags scrapes a fake Locust whose answer changes
shape round after round: every shape a bad actor (or a broken proxy) can
send within --locust.max-response-size (8 MiB): a quarter of a million
minimal rows, empty objects, one object of 300k keys, thousands of rows
with long distinct names, 10000 error rows with long texts, nesting past
jansson's depth, an answer over the size limit, and a big but honest
answer (5000 endpoints) that must still come through.  Each round four
clients scrape at once.  Checks, per round:

- every scrape is answered 200 with valid text: the data (locust_up 1) or
  locust_up 0 with the failure counted under its reason (too_large for the
  ones beyond a limit, parse for the malformed one);
- the exporter's peak RSS (VmHWM) stays under 64 MiB;
- and at the end a normal answer reads locust_up 1 again.

Bounded: ten rounds of four scrapes, ~30 s.  127.0.0.1 only.
"""
import json
import os
import tempfile
import threading

from hcommon import FIXTURE, Exporter, check, finish, samples, serve
from testkit import http

MIB = 1024 * 1024
PEAK_LIMIT_KIB = 64 * 1024
HEAD = b'{"state": "running", "user_count": 10, "fail_ratio": 0.0, "total_rps": 1.0, "stats": ['
TAIL = b'{"method": null, "name": "Aggregated", "num_requests": 1, "num_failures": 0}]}'
CAP = 8 * MIB - 64  # just under the default --locust.max-response-size


def fill(row, limit=CAP, head=HEAD, tail=TAIL):
    """head + as many row(i) + b',' as fit under limit + tail."""
    parts, size, i = [head], len(head) + len(tail), 0
    while True:
        r = row(i) + b","
        if size + len(r) > limit:
            break
        parts.append(r)
        size += len(r)
        i += 1
    parts.append(tail)
    return b"".join(parts)


def full_row(i, name):
    return json.dumps({
        "method": "GET", "name": name, "num_requests": 1000 + i, "num_failures": i % 7,
        "avg_response_time": 12.5, "min_response_time": 1, "max_response_time": 900,
        "median_response_time": 11, "current_rps": 3.5, "current_fail_per_sec": 0.1,
        "avg_content_length": 512, "total_rps": 3.4, "total_fail_per_sec": 0.1,
        "response_time_percentile_0.5": 11, "response_time_percentile_0.9": 40,
        "response_time_percentile_0.95": 60, "response_time_percentile_0.99": 200,
        "response_time_percentile_0.999": 600, "response_time_percentile_1.0": 900,
    }).encode()


def shapes():
    """(name, body, expected reason or None for locust_up 1)."""
    yield "minimal rows (~240k)", fill(lambda i: b'{"name": "/%d", "num_requests": 1}' % i), "too_large"
    yield "empty objects", fill(lambda i: b"{}"), "too_large"
    keys = fill(lambda i: b'"k%d": %d' % (i, i), head=HEAD + b'{"name": "/", "num_requests": 1, ',
                tail=b'"z": 0}, ' + TAIL)
    yield "one object of 300k+ keys", keys, "too_large"
    yield "long distinct names", fill(lambda i: full_row(i, "/%d/" % i + "n" * 2000)), "too_large"
    errs = fill(lambda i: json.dumps({"method": "POST", "name": "/e/%d" % (i % 50), "occurrences": i,
                                      "error": "E%d " % i + "x" * 700}).encode(),
                head=HEAD + TAIL[:-1] + b', "errors": [', tail=b'{"method": "GET", "name": "/", '
                b'"error": "last", "occurrences": 1}]}')
    yield "10000+ error rows", errs, "too_large"
    yield "nesting past jansson's depth", HEAD + b"[" * 5000 + b"]" * 5000 + b", " + TAIL, "parse"
    yield "over --locust.max-response-size", fill(lambda i: b"0", limit=9 * MIB), "too_large"
    rows = b",".join(full_row(i, "/api/items/%d" % i) for i in range(5000))
    yield "5000 honest endpoints", HEAD + rows + b"," + TAIL, None


class Fake:
    def __init__(self):
        self.body = b"{}"
        self.srv = serve(lambda req: (200, {"Content-Type": "application/json"}, self.body))


def scrape_all(url, n=4):
    """n concurrent scrapes: [(status, text)] (status 0 on a transport error)."""
    out = [None] * n

    def one(i):
        try:
            st, _, body = http(url, timeout=30)
            out[i] = (st, body.decode(errors="replace"))
        except OSError as e:
            out[i] = (0, str(e))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return [o or (0, "no answer") for o in out]


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def sanitized(path):
    """ASan builds (make check SANITIZE=1) map gigabytes of shadow memory."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def main():
    fake = Fake()
    exp = Exporter("--locust.uri=" + fake.srv.url, "--log.level=warn")
    check(exp.ready, "exporter started with default flags", exp.log())
    url = "http://127.0.0.1:%d/metrics" % exp.port
    bound = not sanitized(exp.args[0])
    reasons_before = {}
    for name, body, want in shapes():
        fake.body = body
        answers = scrape_all(url)
        ok = all(st == 200 for st, _ in answers)
        check(ok, "%s (%.1f MiB): every scrape answered 200" % (name, len(body) / MIB),
              [a[1][:300] for a in answers if a[0] != 200])
        if not ok:
            continue
        s = samples(answers[-1][1])
        up = s.get("locust_up")
        check(up == (1.0 if want is None else 0.0), "%s: locust_up %s" % (name, 1 if want is None else 0),
              "locust_up %s" % up)
        if want:
            key = 'locust_exporter_scrape_errors_total{reason="%s"}' % want
            check(s.get(key, 0) > reasons_before.get(key, 0), "%s: counted as %s" % (name, want),
                  {k: v for k, v in s.items() if "scrape_errors_total" in k})
            check("locust_requests_total{" not in answers[-1][1],
                  "%s: no per-request series on a failed scrape" % name)
        else:
            check(s.get('locust_requests_total{method="GET",name="/api/items/4999"}') == 5999,
                  "%s: every endpoint rendered" % name)
        reasons_before = s
        hwm = status_kib(exp.proc.pid, "VmHWM")
        print("     peak RSS after '%s': %.1f MiB (RSS now %.1f MiB)"
              % (name, hwm / 1024, status_kib(exp.proc.pid, "VmRSS") / 1024), flush=True)
        if bound:
            check(0 < hwm <= PEAK_LIMIT_KIB, "%s: peak RSS <= 64 MiB" % name, "%d KiB" % hwm)
    with open(FIXTURE, "rb") as f:
        fake.body = f.read()
    st, _, body = http(url, timeout=30)
    check(st == 200 and samples(body.decode()).get("locust_up") == 1.0,
          "a normal answer afterwards: locust_up 1", body[:300])
    check(exp.alive(), "exporter still running", exp.log()[-2000:])
    exp.stop()
    csv_rows()
    finish()


CSV_HEAD = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
            "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
            "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n")


def csv_rows():
    """Headless Locust's CSV files count against --locust.max-rows too."""
    with tempfile.TemporaryDirectory(prefix="le-hostile-") as tmp:
        prefix = os.path.join(tmp, "run")
        with open(prefix + "_stats.csv", "w") as f:
            f.write(CSV_HEAD)
            for i in range(10001):
                f.write("GET,/r/%d,1,0,1,1,1,1,1,0.1,0,1,1,1,1,1,1,1,1,1,1,1\n" % i)
            f.write(",Aggregated,10001,0,1,1,1,1,1,0.1,0,1,1,1,1,1,1,1,1,1,1,1\n")
        # 10001 rows of 11 percentiles render ~17 MB: past the rows limit,
        # the text limit would refuse them too.
        for flags, up in (((), 0.0), (("--locust.max-rows=20000", "--web.max-response-size=64MiB"), 1.0)):
            exp = Exporter("--locust.uri=file://" + prefix, "--log.level=warn", *flags)
            st, _, body = http("http://127.0.0.1:%d/metrics" % exp.port, timeout=30)
            s = samples(body.decode()) if st == 200 else {}
            what = "CSV source, 10001 rows%s: locust_up %d" % (" with " + " ".join(flags) if flags else "", up)
            check(s.get("locust_up") == up, what, body[:300])
            if not up:
                check(s.get('locust_exporter_scrape_errors_total{reason="too_large"}') == 1,
                      "CSV source, 10001 rows: counted as too_large")
                check("--locust.max-rows" in exp.log(), "CSV source: the log names --locust.max-rows",
                      exp.log()[-500:])
            exp.stop()


if __name__ == "__main__":
    main()
