#!/usr/bin/python3
"""End-to-end assertions against a running stack's Prometheus.

    check_stack.py PROMETHEUS_URL

Run by tests/e2e/stack_test.sh once the native stack (scripts/demo.sh) has
scraped a real Locust run for a while.  Asserts, through the Prometheus HTTP
API:
  - every scrape target (exporter, demo app, Prometheus) is up;
  - every template variable of every dashboard resolves to options;
  - every panel query and annotation query of every dashboard succeeds, with
    the variables substituted the way Grafana would;
  - every panel of the Locust and demo app dashboards returns data, and so do
    their test-run annotations;
  - queries written for the Go exporter (containersol/locust_exporter) keep
    working on the compat set: the Aggregated row selected by {method=""} or
    name="Aggregated", endpoints by {method=~".+"}, worker counts, errors;
  - every recording rule of prometheus/rules/ produces series, every rule
    evaluates without error, and the failure-ratio alert is pending or firing
    (the demo profile's /contact 404s).
Ends with `N passed, N failed`; exits 1 on any failure.
"""
import glob
import json
import os
import re
import sys
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import ROOT, Results  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from promq import (Prom, PromError, annotation_queries, panel_queries,  # noqa: E402
                   resolve_variables, substitute)

# Dashboards whose every panel must show data on the demo stack.
MUST_HAVE_DATA = {"locust-load-test", "demo-app-server"}
# What Grafana would put in for a ~1 min time range with a 1 s scrape interval.
BUILTINS = {"__rate_interval": "10s", "__interval": "2s", "__range": "1m",
            "__range_s": "60", "__interval_ms": "2000"}
UNRESOLVED = re.compile(r"\$\{?[A-Za-z_]\w*|\[\[\w+\]\]")

R = Results(quiet=True, limit=None)
check = R.check


def check_targets(prom):
    active = prom.get("targets", {"state": "active"})["activeTargets"]
    jobs = {t["labels"]["job"]: t for t in active}
    for job in ("locust-exporter", "demo-app", "prometheus"):
        t = jobs.get(job)
        check(t is not None and t["health"] == "up", "target %s up" % job,
              t["lastError"] if t else "no such target")


def run_query(prom, expr, instant, now):
    if instant:
        return prom.instant(expr, now)
    return prom.range(expr, now - 60, now, 2)


def check_dashboard(prom, path, now):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    uid = d["uid"]
    values, problems = resolve_variables(prom, d, BUILTINS)
    for p in problems:
        check(False, "%s: %s" % (uid, p))
    check(not problems, "%s: all variables resolve" % uid)
    need_data = uid in MUST_HAVE_DATA
    panels = {}
    for title, panel, t in panel_queries(d):
        expr = substitute(t["expr"], values, BUILTINS)
        what = "%s / %s / %s" % (uid, title, t.get("refId"))
        if not check(not UNRESOLVED.search(expr), what + " variables substituted", expr):
            continue
        try:
            res = run_query(prom, expr, t.get("instant", False), now)
        except PromError as e:
            check(False, what + " query succeeds", "%s\n  %s" % (e, expr))
            continue
        check(True, what)
        got = panels.setdefault(panel["id"], [title, False])
        got[1] = got[1] or bool(res)
    if need_data:
        for title, got in panels.values():
            check(got, "%s / %s returns data" % (uid, title))
    for name, a in annotation_queries(d):
        expr = substitute(a["expr"], values, BUILTINS)
        try:
            res = prom.range(expr, now - 60, now, 2)
        except PromError as e:
            check(False, "%s annotation %s succeeds" % (uid, name), str(e))
            continue
        check(bool(res) or not need_data, "%s annotation %s returns data" % (uid, name), expr)


def check_go_exporter_queries(prom):
    """What dashboards and alerts built for the Go exporter query."""
    def one(expr):
        res = prom.instant(expr)
        return float(res[0]["value"][1]) if len(res) == 1 else None

    def series(expr):
        return [r["metric"] for r in prom.instant(expr)]

    check(one("locust_up") == 1, "compat: locust_up 1")
    check(one("locust_running") in (1, 2), "compat: locust_running 1 or 2 while the test runs")
    check((one("locust_users") or 0) > 0, "compat: locust_users")
    check(one("locust_workers_count") == 2 and one("locust_workers_running_count") == 2,
          "compat: 2 workers, 2 running")
    check(len(series("locust_worker_detail")) == 2, "compat: locust_worker_detail per worker")
    endpoints = series('locust_requests_current_rps{method=~".+"}')
    check(len(endpoints) >= 4 and all(m["name"] != "Aggregated" for m in endpoints),
          'compat: {method=~".+"} selects the endpoints only', str(endpoints))
    agg = series('locust_requests_num_requests{method=""}')
    check([m.get("name") for m in agg] == ["Aggregated"], 'compat: {method=""} is the Aggregated row',
          str(agg))
    # one expression, so both sides come from the same scrape
    diff = one('sum(locust_requests_num_requests{name="Aggregated"})'
               ' - sum(locust_requests_num_requests{method=~".+"})')
    check(diff == 0, "compat: Aggregated equals the sum of the endpoints", str(diff))
    check(one("locust_requests_current_response_time_percentile_95") is not None,
          "compat: window p95 (0 in the Go exporter on Locust >= 2.15)")
    check((one("locust_requests_fail_ratio") or 0) > 0, "compat: fail ratio (the /contact 404s)")
    check(len(series('locust_errors{name="/contact"}')) == 1, "compat: locust_errors for /contact")
    check(one("locustexporter_build_info") == 1, "compat: locustexporter_build_info")


def check_recording_rules(prom):
    for path in sorted(glob.glob(os.path.join(ROOT, "prometheus", "rules", "*.yml"))):
        with open(path, encoding="utf-8") as f:
            groups = yaml.safe_load(f)["groups"]
        seen = set()
        for g in groups:
            for r in g["rules"]:
                name = r.get("record")
                if not name or name in seen:
                    continue
                seen.add(name)
                try:
                    res = prom.instant(name)
                except PromError as e:
                    check(False, "recording rule %s" % name, str(e))
                    continue
                check(bool(res), "recording rule %s produces series" % name)


def check_rules_health(prom):
    """Every recording and alerting rule evaluates without error, and the
    failure-ratio alert is on its way: DemoUser's /contact requests are 404s
    (a quarter of the load), far over the 1% SLO."""
    for g in prom.get("rules", {})["groups"]:
        for r in g["rules"]:
            check(r.get("health") in ("ok", "unknown") and not r.get("lastError"),
                  "rule %s evaluates" % (r.get("name")), r.get("lastError", ""))
    res = prom.instant('ALERTS{alertname="LoadTestFailureRatioHigh"}')
    check(bool(res), "LoadTestFailureRatioHigh pending or firing for the DemoUser profile")


def main():
    if len(sys.argv) != 2:
        print("usage: check_stack.py PROMETHEUS_URL", file=sys.stderr)
        return 2
    prom = Prom(sys.argv[1])
    now = time.time()
    check_targets(prom)
    boards = sorted(glob.glob(os.path.join(ROOT, "grafana", "dashboards", "*.json")))
    check(len(boards) >= 3, "three dashboards present")
    for path in boards:
        check_dashboard(prom, path, now)
    check_go_exporter_queries(prom)
    check_recording_rules(prom)
    check_rules_health(prom)
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
