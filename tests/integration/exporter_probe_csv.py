#!/usr/bin/python3
"""Exporter: /probe multi-target mode and the headless CSV source.

- /probe?target=: allowlist by default (only --locust.uri's origin), with a
  regex, 400 without a target, 403 for others, no process_* in probe output.
- file:///PREFIX: a REAL headless Locust run (Locust 2.12 flushes its CSV
  files only every 10 s, so the staleness limit here is 12 s) (--headless --csv PREFIX
  --csv-full-history) read through the exporter; values agree with the CSV
  Locust wrote; locust_up 0 (reason stale) once the files stop changing,
  and when they are missing.
Runs on 127.0.0.1 only; every wait is bounded.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from exporter_common import start_exporter  # noqa: E402
from testkit import (LOCUST, ROOT, Results, cleanup, free_port, http, install_cleanup,  # noqa: E402
                     samples, serve, spawn, stop)

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "probe", "stats_requests.json")
R = Results()
check = R.check


def get(url, timeout=10):
    """(status, body text) of a GET."""
    status, _, body = http(url, timeout=timeout)
    return status, body.decode()


def serve_json(body):
    """A Locust stand-in answering /stats/requests with body."""
    def answer(req):
        code = 200 if req.path == "/stats/requests" else 404
        return code, {"Content-Type": "application/json"}, body if code == 200 else b"not found"
    return serve(answer)


def test_probe(body):
    a, b = serve_json(body), serve_json(body)
    ua = "http://127.0.0.1:%d" % a.server_address[1]
    ub = "http://127.0.0.1:%d" % b.server_address[1]
    p, ex = start_exporter(ua)
    code, text = get(ex + "/probe?target=" + urllib.parse.quote(ua, safe=""))
    s = samples(text)
    check(code == 200 and s.get("locust_up") == 1, "probe of --locust.uri's origin works")
    check(s.get('locust_requests_total{method="GET",name="/"}') == 104, "probe output carries the target's data")
    check(not any(k.startswith("process_") for k in s), "probe output has no process_* metrics")
    code, _ = get(ex + "/probe?target=" + ub)
    check(code == 403, "another origin is refused by default (403)")
    code, _ = get(ex + "/probe?target=file:///etc/passwd")
    check(code == 403, "file:// targets are refused by default")
    code, _ = get(ex + "/probe")
    check(code == 400, "missing target is a 400")
    code, _ = get(ex + "/probe?target=http://127.0.0.1:1")
    check(code == 403, "a port other than the origin's is refused")
    stop(p)

    p, ex = start_exporter(ua, r"--probe.allowed-targets=http://127\.0\.0\.1:[0-9]+")
    code, text = get(ex + "/probe?target=" + ub)
    check(code == 200 and samples(text).get("locust_up") == 1, "regex allowlist admits a second master")
    dead = "http://127.0.0.1:%d" % free_port()
    code, text = get(ex + "/probe?target=" + dead)
    s = samples(text)
    check(code == 200 and s.get("locust_up") == 0 and s.get(
        'locust_exporter_scrape_errors_total{reason="connect"}') == 1,
        "unreachable probed target: locust_up 0, reason connect")
    check(not any(k.startswith("locust_requests_total") for k in s), "no per-request series when down")
    for i in range(20):  # more targets than the cache holds: evictions stay correct
        get(ex + "/probe?target=http://127.0.0.1:%d" % (20000 + i), 5)
    code, text = get(ex + "/probe?target=" + ua)
    check(code == 200 and samples(text).get("locust_up") == 1, "probe still right after cache evictions")
    code, _ = get(ex + "/probe?target=http://127.0.0.2:80")
    check(code == 403, "regex is anchored: other hosts refused")
    stop(p)
    a.shutdown()
    b.shutdown()


LOCUSTFILE = """
from locust import HttpUser, task, constant
class U(HttpUser):
    wait_time = constant(0.2)
    @task(3)
    def ok(self):
        self.client.get("/")
    @task
    def missing(self):
        self.client.get("/missing")
"""


def last_history_users(path):
    users = None
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["Name"] == "Aggregated":
                users = float(r["User Count"])
    return users


def read_csv_counts(path):
    with open(path, newline="") as f:
        return {(r["Type"], r["Name"]): int(r["Request Count"]) for r in csv.DictReader(f)}


def test_csv(tmp):
    target = serve_json(b"{}")  # "/" answers 404 too: both tasks hit it, failures counted
    host = "http://127.0.0.1:%d" % target.server_address[1]
    lf = os.path.join(tmp, "locustfile.py")
    with open(lf, "w") as f:
        f.write(LOCUSTFILE)
    prefix = os.path.join(tmp, "run")
    p, ex = start_exporter("file://" + prefix, "--locust.csv-max-age=12s")
    s = samples(get(ex + "/metrics")[1])
    check(s.get("locust_up") == 0 and s.get('locust_exporter_scrape_errors_total{reason="stale"}') == 1,
          "missing CSV files: locust_up 0, reason stale")
    loc = spawn([LOCUST, "-f", lf, "--headless", "-u", "3", "-r", "3", "-t", "10s", "--csv", prefix,
                 "--csv-full-history", "--host", host, "--only-summary"], cwd=tmp)
    up = None
    deadline = time.time() + 25
    while time.time() < deadline:
        s = samples(get(ex + "/metrics")[1])
        if s.get("locust_up") == 1 and s.get('locust_requests_total{method="GET",name="/missing"}', 0) > 5:
            up = s
            break
        time.sleep(0.5)
    check(up is not None, "a real headless Locust run is read from its CSV files")
    if up:
        counts = read_csv_counts(prefix + "_stats.csv")
        got = up.get('locust_requests_total{method="GET",name="/"}', -1)
        check(0 < got <= counts.get(("GET", "/"), 0), "request counts agree with the CSV (%s <= %s)"
              % (got, counts.get(("GET", "/"))))
        check(up.get('locust_aggregate_requests_total', 0) >= got, "aggregate row read")
        check(any(k.startswith("locust_errors_total{") for k in up), "failures CSV read into errors_total")
        users = last_history_users(prefix + "_stats_history.csv")
        check(users is not None and up.get("locust_users") in (users, 3),
              "user count read from the --csv-full-history file (%s, file says %s)" % (up.get("locust_users"), users))
        check('locust_requests_num_requests{method="",name="Aggregated"}' in up, "compat set from CSV too")
    try:
        loc.wait(30)
    except subprocess.TimeoutExpired:
        loc.kill()
    check(loc.returncode is not None, "headless Locust finished its run")
    deadline = time.time() + 25
    stale = False
    while time.time() < deadline and not stale:
        s = samples(get(ex + "/metrics")[1])
        stale = s.get("locust_up") == 0
        time.sleep(0.5)
    check(stale, "after the run the files go stale: locust_up 0")
    check(not any(k.startswith("locust_requests_total") for k in s), "no stale per-request series")
    stop(p)
    target.shutdown()


def main():
    install_cleanup()
    tmp = tempfile.mkdtemp(prefix="le-probe-")
    try:
        with open(FIXTURE, "rb") as f:
            body = f.read()
        test_probe(body)
        test_csv(tmp)
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
