#!/usr/bin/python3
"""locust_exporter against a REAL Locust (Debian's python3-locust via
tools/locust): a master with 2 workers (--autostart -u 4 -r 4) drives a
small target on 127.0.0.1; the exporter is attached to the master.

Asserts: 2 workers seen; the exporter's values agree with Locust's own
/stats/requests read just before or just after the scrape (Locust caches
2 s); both metric sets present; errors unescaped in the native set;
`promtool check metrics` accepts the output (exit 0 without the compat set,
only the compat set's known lint with it); /stats/reset makes the counters
drop; /stop gives state stopped and locust_running 0.
"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from exporter_common import scrape, start_exporter  # noqa: E402
from testkit import (LOCUST, PYTHON, Results, cleanup, free_port, http, install_cleanup,  # noqa: E402
                     parse_exposition, promtool_check, series, spawn, value, wait_http)

R = Results()

TARGET = r'''
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path.startswith("/missing"):
            body, code = b"not here", 404
        else:
            body, code = b'{"ok": true}', 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
s.serve_forever()
'''

LOCUSTFILE = r'''
from locust import HttpUser, task, constant
class U(HttpUser):
    wait_time = constant(0.05)
    @task(3)
    def index(self):
        self.client.get("/")
    @task(2)
    def item(self):
        self.client.get("/items?id=1", name='/items?id=<id>&x="y"')
    @task(1)
    def missing(self):
        self.client.get("/missing")
'''


def locust_stats(web):
    status, _, body = http(web + "/stats/requests", timeout=10)
    if status != 200:
        raise RuntimeError("Locust /stats/requests: %s" % status)
    return json.loads(body)


def view_of_locust(d):
    rows = {(r["method"] or "", r["name"]): r["num_requests"] for r in d["stats"][:-1]}
    return {"rows": rows, "users": d["user_count"], "workers": len(d.get("workers", [])),
            "state": d["state"], "total": d["stats"][-1]["num_requests"]}


def view_of_exporter(s):
    rows = {(l["method"], l["name"]): v for l, v in series(s, "locust_requests_total")}
    state = [l["state"] for l, v in series(s, "locust_state") if v == 1.0]
    return {"rows": rows, "users": value(s, "locust_users"),
            "workers": value(s, "locust_workers_count"), "state": state[0] if state else None,
            "total": value(s, "locust_aggregate_requests_total")}


def compat_rows(s):
    return {(l["method"], l["name"]): v for l, v in series(s, "locust_requests_num_requests")}


def poll_exporter(base, cond, what, deadline_s=60.0):
    end = time.monotonic() + deadline_s
    s = None
    while time.monotonic() < end:
        status, text, _ = scrape(base)
        if status == 200:
            s, _ = parse_exposition(text)
            if cond(s):
                return s, text
        time.sleep(0.5)
    print("     (%s: not reached within %.0fs)" % (what, deadline_s))
    return s, None


def main():
    install_cleanup()
    tmp = tempfile.mkdtemp(prefix="le_locust_")
    logs = {}
    try:
        with open(os.path.join(tmp, "locustfile.py"), "w") as f:
            f.write(LOCUSTFILE)
        tport, wport, mport = free_port(), free_port(), free_port()
        logs["target"] = open(os.path.join(tmp, "target.log"), "w")
        target = spawn([PYTHON, "-c", TARGET, str(tport)], stderr=logs["target"])
        wait_http("http://127.0.0.1:%d/" % tport, proc=target)

        locust = [PYTHON, LOCUST, "-f", os.path.join(tmp, "locustfile.py")]
        logs["master"] = open(os.path.join(tmp, "master.log"), "w")
        master = spawn(locust + ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(mport),
                                 "--web-host", "127.0.0.1", "--web-port", str(wport),
                                 "-H", "http://127.0.0.1:%d" % tport, "--autostart", "-u", "4", "-r", "4",
                                 "--expect-workers", "2", "--expect-workers-max-wait", "60"],
                       stderr=logs["master"], stdout=logs["master"])
        web = "http://127.0.0.1:%d" % wport
        for i in range(2):
            logs["worker%d" % i] = open(os.path.join(tmp, "worker%d.log" % i), "w")
            spawn(locust + ["--worker", "--master-host", "127.0.0.1", "--master-port", str(mport)],
                  stderr=logs["worker%d" % i], stdout=logs["worker%d" % i])
        wait_http(web + "/", deadline_s=30, proc=master)

        exp, base = start_exporter(web, "--locust.timeout=5s")
        exp2, base2 = start_exporter(web, "--locust.timeout=5s", "--no-collector.compat")

        def running_with_2(s):
            return (value(s, "locust_up") == 1.0 and value(s, "locust_workers", state="running") == 2.0
                    and value(s, "locust_running") == 2.0 and value(s, "locust_users") == 4.0
                    and any(v > 0 for l, v in series(s, "locust_requests_total"))
                    and len(series(s, "locust_requests_total")) == 3)
        s, text = poll_exporter(base, running_with_2, "2 workers running, 4 users, 3 endpoints")
        if not R.check(text is not None, "2 workers running, 4 users, 3 endpoints"):
            return R.finish()
        R.check(value(s, "locust_workers_count") == 2.0 and value(s, "locust_workers_running_count") == 2.0,
                "compat: locust_workers_count 2, running 2")
        R.check(len(series(s, "locust_worker_detail")) == 2, "compat: 2 locust_worker_detail series")
        R.check(len(series(s, "locust_worker_users")) == 2, "native: 2 locust_worker_users series")

        # Agreement with Locust's own JSON read around the scrape.
        agreed, last = False, None
        for attempt in range(4):
            before = view_of_locust(locust_stats(web))
            status, text, _ = scrape(base)
            after = view_of_locust(locust_stats(web))
            s, meta = parse_exposition(text)
            mine = view_of_exporter(s)
            last = (before, mine, after)
            if mine in (before, after):
                agreed = True
                break
        R.check(agreed, "exporter values equal Locust's JSON read before or after the scrape", last)
        src = before if mine == before else after
        R.check(compat_rows(s) == {**src["rows"], ("", "Aggregated"): src["total"]},
                "compat per-request values agree, Aggregated row as {method=\"\",name=\"Aggregated\"}")
        R.check(("GET", '/items?id=<id>&x="y"') in mine["rows"], "odd endpoint name round-trips")

        # Both metric sets.
        for fam in ("locust_up", "locust_running", "locust_requests_num_requests", "locust_requests_fail_ratio",
                    "locust_total_scrapes", "locustexporter_build_info", "locust_requests_total",
                    "locust_request_duration_seconds", "locust_state", "locust_errors_total",
                    "locust_exporter_scrape_errors_total", "process_cpu_seconds_total"):
            R.check(fam in meta, "family %s present" % fam)
        errs = series(s, "locust_errors_total")
        R.check(any(l["name"] == "/missing" and "404" in l["error"] and "&#x27;" not in l["error"]
                    and not l["error"].startswith(("'", '"')) for l, v in errs),
                "native error text unescaped (no HTML entities, no extra repr)", errs)
        cerrs = series(s, "locust_errors")
        R.check(any("&#x27;" in l["error"] for l, v in cerrs), "compat error text raw, as Locust sends it", cerrs)

        # promtool.
        rc, out = promtool_check(text)
        lint = [ln for ln in out.splitlines() if ln.strip()]
        allowed = [ln for ln in lint if allowed_compat_lint(ln)]
        R.check(rc == 3 and lint == allowed and len(allowed) == 6,
                "promtool (compat on): exactly the known compat lint", out)
        _, text2, _ = scrape(base2)
        rc, out = promtool_check(text2)
        R.check(rc == 0, "promtool (--no-collector.compat): exit 0", out)

        # Reset: counters drop.  Let them grow well beyond what ~2 s of load
        # adds (Locust's cache), so the first post-reset body is lower.
        s, _ = poll_exporter(base, lambda s: (value(s, "locust_aggregate_requests_total") or 0) >= 400,
                             "aggregate reaches 400 requests before the reset", 60)
        total_before = value(s, "locust_aggregate_requests_total") if s else 0
        R.check(total_before >= 400, "aggregate reaches 400 requests before the reset", total_before)
        status, _, body = http(web + "/stats/reset")
        R.check(status == 200, "GET /stats/reset answers 200", (status, body[:200]))
        seen = []

        def dropped(s):
            v = value(s, "locust_aggregate_requests_total")
            seen.append(v)
            return v is not None and v < total_before
        _, t = poll_exporter(base, dropped, "after /stats/reset the request counters drop", 20)
        R.check(t is not None, "after /stats/reset the request counters drop", (total_before, seen))

        # Stop: state stopped, locust_running 0.
        http(web + "/stop")
        s, t = poll_exporter(base, lambda s: value(s, "locust_running") == 0.0
                             and value(s, "locust_state", state="stopped") == 1.0,
                             "after /stop: locust_running 0, state stopped", 20)
        R.check(t is not None, "after /stop: locust_running 0, state stopped")
        if t is not None:
            R.check(value(s, "locust_up") == 1.0 and series(s, "locust_requests_total"),
                    "after /stop: still up, series kept")
    finally:
        cleanup()
        if R.failed:
            for name, f in logs.items():
                f.flush()
                with open(f.name) as r:
                    tail = r.read()[-1500:]
                print("--- %s log tail:\n%s" % (name, tail))
        for f in logs.values():
            f.close()
    return R.finish()


def allowed_compat_lint(line):
    """promtool lint messages the Go exporter's names produce by design."""
    name = line.split(" ")[0]
    return ((name == "locust_total_scrapes" and 'should have "_total" suffix' in line)
            or (name.endswith("_count") and 'should not have "_count" suffix' in line)
            or (name == "locust_requests_current_fail_per_sec" and "abbreviated units" in line))


if __name__ == "__main__":
    sys.exit(main())
