#!/usr/bin/python3
"""Static checks of the Grafana dashboards and provisioning files.

    grafana/lint_dashboards.py

For every grafana/dashboards/*.json: stable unique uid, schemaVersion >= 39,
only current panel types (no graph/singlestat/old table), the `datasource`,
`job` and `instance` variables, every panel and query on the ${datasource}
variable, a unit and a description on every panel, unique panel ids, panels
inside the 24-column grid and not overlapping, test-run annotations on
locust_run_start_time_seconds / locust_state.  The provisioning files must
point at the datasource uid the dashboards default to and at the dashboards
directory.  Ends with `N passed, N failed`.
"""
import glob
import json
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED_UIDS = {"locust-load-test", "demo-app-server", "locust-slo"}
MODERN = {"timeseries", "stat", "table", "heatmap", "row", "bargauge", "gauge", "text",
          "piechart", "alertlist", "state-timeline", "barchart"}
DS_VAR = {"type": "prometheus", "uid": "${datasource}"}

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)
    return ok


def all_panels(d):
    for p in d.get("panels", []):
        yield p
        yield from p.get("panels", [])


def lint(path, uids):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    uid = d.get("uid")
    check(uid in EXPECTED_UIDS and uid not in uids, "%s: stable unique uid (%s)" % (name, uid))
    uids.add(uid)
    check(d.get("schemaVersion", 0) >= 39, "%s: schemaVersion >= 39" % name)
    check(d.get("id") is None, "%s: no instance-specific id" % name)
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    for var in ("datasource", "job", "instance"):
        check(var in variables, "%s: variable %s" % (name, var))
    ds = variables.get("datasource", {})
    check(ds.get("type") == "datasource" and ds.get("query") == "prometheus"
          and ds.get("current", {}).get("value") == "prometheus",
          "%s: datasource variable defaults to uid prometheus" % name)
    for v in variables.values():
        if v["type"] == "query":
            check(v.get("datasource") == DS_VAR, "%s: variable %s on ${datasource}" % (name, v["name"]))
    ann = [a.get("expr", "") for a in d.get("annotations", {}).get("list", [])]
    check(any("locust_run_start_time_seconds" in a for a in ann)
          and any("locust_state" in a for a in ann), "%s: test-run annotations" % name)
    ids, cells = set(), {}
    for p in all_panels(d):
        title = "%s / %s" % (name, p.get("title"))
        check(p.get("type") in MODERN, "%s: modern panel type (%s)" % (title, p.get("type")))
        check(p.get("id") not in ids, "%s: unique id" % title)
        ids.add(p.get("id"))
        g = p.get("gridPos", {})
        check(g.get("x", -1) >= 0 and g.get("w", 0) > 0 and g["x"] + g["w"] <= 24,
              "%s: inside the 24-column grid" % title)
        overlap = [(x, y) for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0))
                   for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)) if (x, y) in cells]
        check(not overlap, "%s: does not overlap %s" % (title, cells.get(overlap[0]) if overlap else ""))
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                cells[(x, y)] = p.get("title")
        if p.get("type") == "row":
            continue
        check(bool(p.get("description")), "%s: description" % title)
        check(bool(p.get("fieldConfig", {}).get("defaults", {}).get("unit")), "%s: unit" % title)
        check(p.get("datasource") == DS_VAR, "%s: panel on ${datasource}" % title)
        targets = p.get("targets", [])
        check(bool(targets), "%s: has queries" % title)
        refs = [t.get("refId") for t in targets]
        check(len(set(refs)) == len(refs) and all(refs), "%s: unique refIds" % title)
        for t in targets:
            check(t.get("datasource") == DS_VAR and bool(t.get("expr")),
                  "%s / %s: query on ${datasource}" % (title, t.get("refId")))


def lint_provisioning():
    with open(os.path.join(ROOT, "grafana/provisioning/datasources/prometheus.yml")) as f:
        ds = yaml.safe_load(f)["datasources"]
    check(any(d.get("uid") == "prometheus" and d.get("type") == "prometheus" for d in ds),
          "provisioned datasource has uid prometheus")
    with open(os.path.join(ROOT, "grafana/provisioning/dashboards/locust-exporter.yml")) as f:
        prov = yaml.safe_load(f)["providers"]
    check(any(p.get("type") == "file" and p.get("options", {}).get("path") ==
              "/var/lib/grafana/dashboards" for p in prov),
          "dashboard provider loads /var/lib/grafana/dashboards")


def main():
    uids = set()
    paths = sorted(glob.glob(os.path.join(ROOT, "grafana", "dashboards", "*.json")))
    check(len(paths) == len(EXPECTED_UIDS), "one file per expected dashboard")
    for path in paths:
        lint(path, uids)
    check(uids == EXPECTED_UIDS, "all expected dashboards present")
    lint_provisioning()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
