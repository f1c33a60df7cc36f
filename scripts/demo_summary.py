#!/usr/bin/python3
"""Print the summary of a `make demo DURATION=N` run from Prometheus.

    demo_summary.py PROMETHEUS_URL RANGE      (RANGE like 60s: the test length)

Client side (Locust through the exporter): requests, failures, users,
per-endpoint latency; server side (the demo app's histograms): p95 per
route; the SLO verdicts of the SLO dashboard (its own queries, so the
summary and the dashboard agree), the demo app's scenarios that were on,
the alerts that fired and those still pending (a run shorter than an
alert's `for:` ends before it fires).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from promq import Prom, PromError, panel_queries, substitute  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fmt_s(v):
    return "-" if v is None else "%.0f ms" % (v * 1000)


def by(prom, expr, *labels):
    out = {}
    for r in prom.instant(expr):
        v = float(r["value"][1])
        out[tuple(r["metric"].get(lb, "") for lb in labels)] = None if v != v else v
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    prom, rng = Prom(sys.argv[1]), sys.argv[2]
    # Window: the test length plus the tail after Locust stopped.
    w = "%ds" % (int(rng.rstrip("s")) + 30)
    s = prom.scalar
    req = s("sum(locust_aggregate_requests_total)", 0)
    fail = s("sum(locust_aggregate_request_failures_total)", 0)
    print("\n=== load test summary (%s) ===" % rng)
    print("requests %d, failures %d (%.1f%%), peak users %d, peak rate %.1f req/s" % (
        req, fail, 100.0 * fail / req if req else 0,
        s("max(max_over_time(locust_users[%s]))" % w, 0),
        s("max(max_over_time(locust_current_requests_per_second[%s]))" % w, 0)))
    print("worst p95 of Locust's window: %s" % fmt_s(
        s('max(max_over_time(locust_current_response_time_seconds{quantile="0.95"}[%s]))' % w)))

    n = by(prom, "sum by (method, name) (locust_requests_total)", "method", "name")
    f = by(prom, "sum by (method, name) (locust_request_failures_total)", "method", "name")
    avg = by(prom, "sum by (method, name) (locust_request_duration_seconds_sum) / "
             "sum by (method, name) (locust_request_duration_seconds_count)", "method", "name")
    p50 = by(prom, 'max by (method, name) (locust_request_duration_seconds{quantile="0.5"})',
             "method", "name")
    p99 = by(prom, 'max by (method, name) (locust_request_duration_seconds{quantile="0.99"})',
             "method", "name")
    srv = by(prom, "histogram_quantile(0.95, sum by (route, le) "
             "(increase(http_request_duration_seconds_bucket[%s])))" % w, "route")
    print("\n%-6s %-12s %9s %9s %9s %9s %9s %12s" % (
        "method", "name", "requests", "failures", "avg", "p50", "p99", "server p95"))
    for key in sorted(n):
        print("%-6s %-12s %9d %9d %9s %9s %9s %12s" % (
            key[0], key[1][:12], n[key], f.get(key, 0), fmt_s(avg.get(key)),
            fmt_s(p50.get(key)), fmt_s(p99.get(key)), fmt_s(srv.get((key[1],)))))

    # SLO verdicts: the stat panels of the SLO dashboard (A = verdict, B = actual, C = target).
    with open(os.path.join(ROOT, "grafana", "dashboards", "slo.json"), encoding="utf-8") as fh:
        slo = json.load(fh)
    vals = {"job": ".*", "instance": ".*", "app_job": ".*"}
    builtins = {"__range": w, "__rate_interval": "1m", "__interval": "15s"}
    print("\nSLO (grafana/dashboards/slo.json):")
    verdicts = {}
    for title, panel, t in panel_queries(slo):
        if panel["type"] == "stat" and t["legendFormat"] in ("verdict", "actual", "target"):
            res = prom.instant(substitute(t["expr"], vals, builtins))
            v = float(res[0]["value"][1]) if res else None
            verdicts.setdefault(title, {})[t["legendFormat"]] = None if v != v else v
    failed = 0
    for title, d in verdicts.items():
        word = {1.0: "PASS", 0.0: "FAIL"}.get(d.get("verdict"), "n/a ")
        failed += word == "FAIL"
        print("  %s  %-24s actual %-10s target %s" % (
            word, title, "-" if d.get("actual") is None else "%.4g" % d["actual"],
            "-" if d.get("target") is None else "%.4g" % d["target"]))
    on = by(prom, "max by (scenario) (max_over_time(demo_scenario_enabled[%s])) == 1" % w,
            "scenario")
    print("\ndemo app scenarios on: %s" % (", ".join(sorted(k[0] for k in on)) or "none"))
    fired = by(prom, 'count by (alertname) (max_over_time(ALERTS{alertstate="firing"}[%s]))' % w,
               "alertname")
    pending = by(prom, 'count by (alertname) (max_over_time(ALERTS{alertstate="pending"}[%s]))'
                 % w, "alertname")
    print("alerts fired: %s" % (", ".join(sorted(k[0] for k in fired)) or "none"))
    print("alerts pending, not (yet) fired: %s" % (
        ", ".join(sorted(k[0] for k in pending if k not in fired)) or "none"))
    print("SLO: %d of %d failed" % (failed, len(verdicts)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PromError as e:
        print("summary: Prometheus query failed: %s" % e, file=sys.stderr)
        sys.exit(1)
