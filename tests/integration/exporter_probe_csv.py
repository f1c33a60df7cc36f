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
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXPORTER = os.path.join(ROOT, os.environ.get("O", "build"), "locust_exporter")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "probe", "stats_requests.json")
RESULTS = {"passed": 0, "failed": 0}
PROCS = []


def check(cond, what):
    RESULTS["passed" if cond else "failed"] += 1
    print(("ok   " if cond else "FAIL ") + what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def samples(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
    return out


def serve_json(body):
    """A Locust stand-in answering /stats/requests with body."""

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = 200 if self.path == "/stats/requests" else 404
            data = body if code == 200 else b"not found"
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def start_exporter(*args):
    port = free_port()
    p = subprocess.Popen([EXPORTER, "--web.listen-address=127.0.0.1:%d" % port, *args],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    PROCS.append(p)
    for _ in range(100):
        try:
            if get("http://127.0.0.1:%d/-/healthy" % port, 1)[0] == 200:
                return p, "http://127.0.0.1:%d" % port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("exporter did not start")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_probe(body):
    a, b = serve_json(body), serve_json(body)
    ua = "http://127.0.0.1:%d" % a.server_address[1]
    ub = "http://127.0.0.1:%d" % b.server_address[1]
    p, ex = start_exporter("--locust.uri=" + ua)
    code, text = get(ex + "/probe?target=" + urllib.request.quote(ua, safe=""))
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

    p, ex = start_exporter("--locust.uri=" + ua, r"--probe.allowed-targets=http://127\.0\.0\.1:[0-9]+")
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
    import csv
    users = None
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["Name"] == "Aggregated":
                users = float(r["User Count"])
    return users


def read_csv_counts(path):
    import csv
    with open(path, newline="") as f:
        return {(r["Type"], r["Name"]): int(r["Request Count"]) for r in csv.DictReader(f)}


def test_csv(tmp):
    target = serve_json(b"{}")  # "/" answers 404 too: both tasks hit it, failures counted
    host = "http://127.0.0.1:%d" % target.server_address[1]
    lf = os.path.join(tmp, "locustfile.py")
    with open(lf, "w") as f:
        f.write(LOCUSTFILE)
    prefix = os.path.join(tmp, "run")
    p, ex = start_exporter("--locust.uri=file://" + prefix, "--locust.csv-max-age=12s")
    s = samples(get(ex + "/metrics")[1])
    check(s.get("locust_up") == 0 and s.get('locust_exporter_scrape_errors_total{reason="stale"}') == 1,
          "missing CSV files: locust_up 0, reason stale")
    loc = subprocess.Popen([os.path.join(ROOT, "tools", "locust"), "-f", lf, "--headless", "-u", "3", "-r", "3",
                            "-t", "10s", "--csv", prefix, "--csv-full-history", "--host", host,
                            "--only-summary"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    PROCS.append(loc)
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
    tmp = tempfile.mkdtemp(prefix="le-probe-")
    try:
        with open(FIXTURE, "rb") as f:
            body = f.read()
        test_probe(body)
        test_csv(tmp)
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
