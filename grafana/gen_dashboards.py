#!/usr/bin/python3
"""Generate the provisioned Grafana dashboards (grafana/dashboards/*.json).

The JSON files are committed (Grafana provisions and users import them as
they are); this script is their source, so the three dashboards share one
style: the same variables, annotations, units and panel defaults.  It also
writes the panel reference between the markers in docs/dashboards.md.

    grafana/gen_dashboards.py           rewrite the JSON files and the doc
    grafana/gen_dashboards.py --check   exit 1 if any of them is out of date

Panels are built on the exporter's native metrics (locust_*), the demo
app's histograms and the recording rules in prometheus/rules/.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "grafana", "dashboards")
DOC = os.path.join(ROOT, "docs", "dashboards.md")
DOC_BEGIN = "<!-- BEGIN generated panel reference (grafana/gen_dashboards.py) -->"
DOC_END = "<!-- END generated panel reference -->"

DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
TAGS = ["locust-exporter"]

# Label selectors the panels share.
LOC = 'job=~"$job", instance=~"$instance"'
EP = LOC + ', name=~"$name"'
APP = 'job=~"$app_job"'
SRV = 'job=~"$job", instance=~"$instance"'
RT = SRV + ', route=~"$route"'


# ---------------------------------------------------------------- targets
def T(expr, legend="", instant=False, fmt=None, interval=None):
    t = {"datasource": DS, "editorMode": "code", "expr": expr,
         "legendFormat": legend or "__auto", "range": not instant,
         "instant": instant}
    if fmt:
        t["format"] = fmt
    if interval:
        t["interval"] = interval
    return t


def _refs(targets):
    for i, t in enumerate(targets):
        t["refId"] = chr(ord("A") + i)
    return targets


# ----------------------------------------------------------------- panels
def _panel(kind, title, desc, targets, unit, w, h, **extra):
    p = {"type": kind, "title": title, "description": desc, "datasource": DS,
         "targets": _refs(targets), "gridPos": {"w": w, "h": h},
         "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}}
    p.update(extra)
    return p


def steps(*pairs):
    """Threshold steps: steps("green", (0.5, "red")): base colour then (value, colour)."""
    out = [{"color": pairs[0], "value": None}]
    out += [{"color": c, "value": v} for v, c in pairs[1:]]
    return {"mode": "absolute", "steps": out}


def timeseries(title, desc, targets, unit, w=12, h=8, stack=False, bars=False,
               min0=True, overrides=None, thresholds=None):
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1,
              "fillOpacity": 60 if bars else 12, "gradientMode": "opacity",
              "showPoints": "never", "spanNulls": False,
              "axisSoftMin": 0 if min0 else None,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"},
              "thresholdsStyle": {"mode": "dashed" if thresholds else "off"}}
    custom = {k: v for k, v in custom.items() if v is not None}
    p = _panel("timeseries", title, desc, targets, unit, w, h, options={
        "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                   "calcs": ["mean", "max", "lastNotNull"]},
        "tooltip": {"mode": "multi", "sort": "desc"}})
    p["fieldConfig"]["defaults"].update({"custom": custom,
                                         "color": {"mode": "palette-classic"}})
    if thresholds:
        p["fieldConfig"]["defaults"]["thresholds"] = thresholds
    if overrides:
        p["fieldConfig"]["overrides"] = overrides
    return p


def stat(title, desc, targets, unit, w=3, h=4, thresholds=None, mappings=None,
         text="auto", graph=True, decimals=None, color="value", overrides=None):
    p = _panel("stat", title, desc, targets, unit, w, h, options={
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": color, "graphMode": "area" if graph else "none",
        "justifyMode": "auto", "orientation": "auto", "textMode": text,
        "wideLayout": True, "showPercentChange": False})
    d = p["fieldConfig"]["defaults"]
    d["color"] = {"mode": "thresholds"}
    d["thresholds"] = thresholds or steps("green")
    if mappings:
        d["mappings"] = mappings
    if decimals is not None:
        d["decimals"] = decimals
    if overrides:
        p["fieldConfig"]["overrides"] = overrides
    return p


def table(title, desc, targets, unit, w=24, h=8, rename=None, units=None, sort=None):
    """Instant queries merged into one row per label set; rename maps 'Value #A' -> column."""
    for t in targets:
        t.update({"instant": True, "range": False, "format": "table"})
    p = _panel("table", title, desc, targets, unit, w, h, options={
        "showHeader": True, "cellHeight": "sm",
        "footer": {"show": False, "reducer": ["sum"], "fields": ""},
        "sortBy": [{"displayName": sort, "desc": True}] if sort else []})
    p["transformations"] = [
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {"excludeByName": {"Time": True},
                                       "renameByName": rename or {}}}]
    p["fieldConfig"]["defaults"]["custom"] = {"align": "auto", "cellOptions": {"type": "auto"},
                                              "filterable": True}
    p["fieldConfig"]["overrides"] = [
        {"matcher": {"id": "byName", "options": col},
         "properties": [{"id": "unit", "value": u}]} for col, u in (units or {}).items()]
    return p


def heatmap(title, desc, expr, unit, w=24, h=9):
    p = _panel("heatmap", title, desc, [T(expr, "{{le}}", fmt="heatmap")], unit, w, h, options={
        "calculate": False, "cellGap": 1, "yAxis": {"axisPlacement": "left", "unit": unit},
        "rowsFrame": {"layout": "auto"},
        "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64, "exponent": 0.5,
                  "fill": "dark-orange", "reverse": False, "scale": "exponential"},
        "cellValues": {"unit": "reqps"}, "filterValues": {"le": 1e-9},
        "legend": {"show": True}, "tooltip": {"mode": "single", "yHistogram": True,
                                              "showColorScale": False},
        "exemplars": {"color": "rgba(255,0,255,0.7)"}})
    p["fieldConfig"]["defaults"]["custom"] = {"scaleDistribution": {"type": "linear"},
                                              "hideFrom": {"legend": False, "tooltip": False,
                                                           "viz": False}}
    return p


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [],
            "gridPos": {"w": 24, "h": 1}}


def layout(items):
    """Place panels left to right, wrapping at 24 columns; number them."""
    x = y = rowh = 0
    for i, p in enumerate(items, 1):
        g = p["gridPos"]
        if p["type"] == "row" or x + g["w"] > 24:
            y, x, rowh = y + rowh, 0, 0
        g["x"], g["y"] = x, y
        p["id"] = i
        x += g["w"]
        rowh = max(rowh, g["h"])
        if p["type"] == "row":
            y, x, rowh = y + 1, 0, 0
    return items


# -------------------------------------------------------------- variables
def v_datasource():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {"text": "Prometheus", "value": "prometheus"},
            "hide": 0, "refresh": 1, "regex": "", "includeAll": False, "multi": False,
            "options": [], "skipUrlSync": False}


def v_query(name, label, query, multi=False, all_=False, regex="", sort=1, current=None):
    cur = current or ({"text": ["All"], "value": ["$__all"]} if all_ else {})
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "definition": query, "query": {"query": query, "refId": "StandardVariableQuery"},
         "refresh": 2, "regex": regex, "sort": sort, "multi": multi, "includeAll": all_,
         "current": cur, "hide": 0, "options": [], "skipUrlSync": False}
    if all_:
        v["allValue"] = ".*"
    return v


def v_locust():
    return [v_query("job", "Exporter job", "label_values(locust_up, job)",
                    current={"text": "locust-exporter", "value": "locust-exporter"}),
            v_query("instance", "Exporter", 'label_values(locust_up{job=~"$job"}, instance)',
                    multi=True, all_=True)]


def v_app(name="app_job", label="Server job"):
    return v_query(name, label, "label_values(http_request_duration_seconds_count, job)",
                   multi=True, all_=True)


# ------------------------------------------------------------ annotations
def annotations(selector=LOC):
    return {"list": [
        {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
         "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
         "name": "Annotations & Alerts", "type": "dashboard"},
        {"name": "Test running", "datasource": DS, "enable": True, "hide": False,
         "iconColor": "rgba(115, 191, 105, 0.25)", "step": "10s",
         "expr": 'max by (instance) (locust_state{%s, state=~"spawning|running"}) == 1' % selector,
         "titleFormat": "Load test running", "textFormat": "Locust {{instance}}",
         "tagKeys": "instance", "useValueForTime": False},
        {"name": "Test run start", "datasource": DS, "enable": True, "hide": False,
         "iconColor": "#5794F2", "step": "1m",
         "expr": "max by (instance) (locust_run_start_time_seconds{%s} > 0) * 1000" % selector,
         "titleFormat": "Load test started", "textFormat": "Locust {{instance}}",
         "tagKeys": "instance", "useValueForTime": True},
    ]}


def dashboard(uid, title, desc, variables, panels, selector=LOC):
    return {
        "uid": uid, "title": title, "description": desc, "tags": TAGS,
        "id": None, "version": 1, "schemaVersion": SCHEMA_VERSION, "editable": True,
        "graphTooltip": 1, "timezone": "browser", "fiscalYearStartMonth": 0,
        "liveNow": False, "weekStart": "", "refresh": "10s",
        "time": {"from": "now-30m", "to": "now"},
        "timepicker": {"refresh_intervals": ["5s", "10s", "30s", "1m", "5m"]},
        "templating": {"list": variables},
        "annotations": annotations(selector),
        "links": [{"title": "Dashboards", "type": "dashboards", "tags": TAGS, "asDropdown": True,
                   "includeVars": True, "keepTime": True, "icon": "external link",
                   "targetBlank": False, "tooltip": "", "url": ""}],
        "panels": layout(panels),
    }


UPDOWN = [{"type": "value", "options": {"0": {"text": "DOWN", "color": "red", "index": 0},
                                        "1": {"text": "UP", "color": "green", "index": 1}}}]
ONOFF = [{"type": "value", "options": {"0": {"text": "off", "color": "text", "index": 0},
                                       "1": {"text": "ON", "color": "orange", "index": 1}}}]
PASSFAIL = [{"type": "value", "options": {"0": {"text": "FAIL", "color": "red", "index": 0},
                                          "1": {"text": "PASS", "color": "green", "index": 1}}}]


def ratio(metric, sel_num, sel_den, by=None, window="$__rate_interval"):
    """rate(num)/rate(den), where a missing numerator series counts as 0 (not as no data)."""
    den = rate(metric, sel_den, by, window)
    return "(\n  %s\n  or %s * 0\n)\n/ %s" % (rate(metric, sel_num, by, window), den, den)


def increase_ratio(metric, sel_num, sel_den):
    """The same over the dashboard's time range (acceptance panels)."""
    num = "sum(increase(%s{%s}[$__range]))" % (metric, sel_num)
    den = "sum(increase(%s{%s}[$__range]))" % (metric, sel_den)
    return "(%s or %s * 0)\n  / %s" % (num, den, den)


def rate(metric, sel, by=None, window="$__rate_interval"):
    inner = "rate(%s{%s}[%s])" % (metric, sel, window)
    return "sum by (%s) (%s)" % (by, inner) if by else "sum(%s)" % inner


# ====================================================== 1. Locust load test
def locust_dashboard():
    avg_ep = ("%s\n  / %s" % (rate("locust_request_duration_seconds_sum", EP, "method, name"),
                              rate("locust_request_duration_seconds_count", EP, "method, name")))
    client_avg = ("%s\n  / %s" % (rate("locust_request_duration_seconds_sum", EP, "name"),
                                  rate("locust_request_duration_seconds_count", EP, "name")))
    server_avg = ('label_replace(\n  %s\n  / %s,\n  "name", "$1", "route", "(.*)")'
                  % (rate("http_request_duration_seconds_sum", APP + ', route=~"$name"', "route"),
                     rate("http_request_duration_seconds_count", APP + ', route=~"$name"', "route")))
    panels = [
        row("Performance overview"),
        stat("State", "Current Locust state (ready, spawning, running, stopped, ...).",
             [T('max by (state) (locust_state{%s}) == 1' % LOC, "{{state}}")], "none",
             text="name", graph=False, color="background",
             thresholds=steps("blue")),
        stat("Users", "Simulated users Locust is running now.",
             [T("sum(locust_users{%s})" % LOC, "users")], "short", thresholds=steps("blue")),
        stat("Workers", "Locust workers by state (master only); missing workers turn red.",
             [T('sum(locust_workers{%s, state="running"})' % LOC, "running"),
              T('sum(locust_workers{%s, state="missing"})' % LOC, "missing")], "short",
             text="value_and_name", graph=False,
             overrides=[{"matcher": {"id": "byName", "options": "missing"},
                         "properties": [{"id": "thresholds", "value": steps("green", (1, "red"))}]}]),
        stat("Request rate", "Requests per second over Locust's current ~10 s window.",
             [T("sum(locust_current_requests_per_second{%s})" % LOC, "req/s")], "reqps",
             thresholds=steps("blue")),
        stat("Failure ratio", "Failed / total requests since the test run started "
             "(Locust's fail_ratio). Red above 5%.",
             [T("max(locust_fail_ratio{%s})" % LOC, "failures")], "percentunit",
             thresholds=steps("green", (0.01, "orange"), (0.05, "red")), decimals=2),
        stat("p95 latency", "95th percentile response time over Locust's current window "
             "(all requests). Red above 1 s.",
             [T('max(locust_current_response_time_seconds{%s, quantile="0.95"})' % LOC, "p95")],
             "s", thresholds=steps("green", (0.5, "orange"), (1, "red"))),
        stat("Exporter", "Is Prometheus able to scrape the exporter (up)?",
             [T("min(up{%s})" % LOC, "exporter")], "none", mappings=UPDOWN, graph=False,
             color="background", thresholds=steps("red", (1, "green"))),
        stat("Locust", "Can the exporter read Locust's stats (locust_up)?",
             [T("min(locust_up{%s})" % LOC, "locust")], "none", mappings=UPDOWN, graph=False,
             color="background", thresholds=steps("red", (1, "green"))),

        timeseries("Users and workers", "Users Locust runs, and its workers by state: the load "
                   "shape of the test.",
                   [T("sum(locust_users{%s})" % LOC, "users"),
                    T("sum by (state) (locust_workers{%s})" % LOC, "workers {{state}}")],
                   "short", w=8),
        timeseries("Request and failure rate", "Requests and failures per second, from the "
                   "counters (rate over the scrape window).",
                   [T(rate("locust_aggregate_requests_total", LOC), "requests/s"),
                    T(rate("locust_aggregate_request_failures_total", LOC), "failures/s")],
                   "reqps", w=8,
                   overrides=[{"matcher": {"id": "byName", "options": "failures/s"},
                               "properties": [{"id": "color", "value": {"mode": "fixed",
                                                                        "fixedColor": "red"}}]}]),
        timeseries("Latency (all requests)", "Locust's window percentiles of all requests, and "
                   "the true average from the summary's _sum/_count.",
                   [T("max by (quantile) (locust_current_response_time_seconds{%s})" % LOC,
                      "p{{quantile}} (window)"),
                    T("%s\n  / %s" % (rate("locust_aggregate_request_duration_seconds_sum", LOC),
                                      rate("locust_aggregate_request_duration_seconds_count", LOC)),
                      "average")], "s", w=8),

        row("Per request"),
        timeseries("Requests per second by endpoint", "Which endpoints get the load.",
                   [T(rate("locust_requests_total", EP, "method, name"), "{{method}} {{name}}")],
                   "reqps"),
        timeseries("Failures per second by endpoint", "Which endpoints fail, and when.",
                   [T(rate("locust_request_failures_total", EP, "method, name"),
                      "{{method}} {{name}}")], "reqps"),
        timeseries("Latency p$quantile by endpoint", "The chosen latency statistic (variable "
                   "'quantile') per endpoint, as Locust computes it since the run started.",
                   [T('max by (method, name) (locust_request_duration_seconds{%s, quantile="$quantile"})'
                      % EP, "{{method}} {{name}}")], "s"),
        timeseries("Average latency by endpoint", "rate(_sum)/rate(_count) of the latency "
                   "summary: the true average over the scrape window.",
                   [T(avg_ep, "{{method}} {{name}}")], "s"),
        timeseries("Failure ratio by endpoint", "Share of each endpoint's requests that failed "
                   "over the scrape window.",
                   [T("%s\n  / %s" % (rate("locust_request_failures_total", EP, "method, name"),
                                      rate("locust_requests_total", EP, "method, name")),
                      "{{method}} {{name}}")], "percentunit"),
        timeseries("Response bytes per second by endpoint", "Received content volume per "
                   "endpoint (avg content length x requests).",
                   [T(rate("locust_response_content_bytes_total", EP, "method, name"),
                      "{{method}} {{name}}")], "Bps"),
        table("Endpoints", "One row per endpoint: totals, failure ratio, rate and latency "
              "statistics (Locust's numbers since the run started).",
              [T("sum by (method, name) (locust_requests_total{%s})" % EP),
               T("sum by (method, name) (locust_request_failures_total{%s})" % EP),
               T("sum by (method, name) (locust_request_failures_total{%s})\n  / "
                 "sum by (method, name) (locust_requests_total{%s})" % (EP, EP)),
               T("sum by (method, name) (locust_requests_per_second{%s})" % EP),
               T("sum by (method, name) (locust_request_duration_seconds_sum{%s})\n  / "
                 "sum by (method, name) (locust_request_duration_seconds_count{%s})" % (EP, EP)),
               T('max by (method, name) (locust_request_duration_seconds{%s, quantile="0.5"})' % EP),
               T('max by (method, name) (locust_request_duration_seconds{%s, quantile="$quantile"})' % EP),
               T('max by (method, name) (locust_request_duration_seconds{%s, quantile="1"})' % EP)],
              "short", h=9, sort="Requests",
              rename={"method": "Method", "name": "Name", "Value #A": "Requests",
                      "Value #B": "Failures", "Value #C": "Failure ratio", "Value #D": "Req/s",
                      "Value #E": "Average", "Value #F": "p50", "Value #G": "Selected quantile",
                      "Value #H": "Max"},
              units={"Failure ratio": "percentunit", "Req/s": "reqps", "Average": "s",
                     "p50": "s", "Selected quantile": "s", "Max": "s"}),
        table("Errors", "Every distinct error Locust recorded, by endpoint, with its count.",
              [T("sum by (method, name, error) (locust_errors_total{%s})" % EP)], "short", h=7,
              sort="Occurrences",
              rename={"method": "Method", "name": "Name", "error": "Error",
                      "Value": "Occurrences"}),

        row("Client side vs server side (same route)"),
        timeseries("Average latency: Locust (client) vs demo app (server)",
                   "For each route, the latency Locust measured and the latency the server "
                   "measured for itself. The gap is time outside the handler: queueing for a "
                   "worker thread, the network, the client.",
                   [T(client_avg, "client {{name}}"), T(server_avg, "server {{name}}")], "s"),
        timeseries("Client minus server latency (queueing)",
                   "Client-side average minus server-side average per route: grows when the "
                   "server runs out of worker threads or connections queue.",
                   [T("(%s)\n- on (name)\n(%s)" % (client_avg, server_avg), "{{name}}")], "s"),

        row("Workers"),
        timeseries("Users per worker", "How the master spread the users over its workers.",
                   [T("sum by (worker) (locust_worker_users{%s})" % LOC, "{{worker}}")],
                   "short", w=8, stack=True),
        timeseries("Worker CPU", "CPU use of each worker: a worker near 100% skews latency "
                   "(Locust warns at 90%).",
                   [T("max by (worker) (locust_worker_cpu_usage_ratio{%s})" % LOC, "{{worker}}")],
                   "percentunit", w=8, thresholds=steps("green", (0.9, "red"))),
        timeseries("Worker memory", "Memory of each worker process.",
                   [T("max by (worker) (locust_worker_memory_bytes{%s})" % LOC, "{{worker}}")],
                   "bytes", w=8),

        row("Exporter health"),
        timeseries("Scrapes and scrape errors", "Scrapes of Locust per second, and failed "
                   "ones by reason (timeout, HTTP status, parse, auth, ...).",
                   [T(rate("locust_exporter_scrapes_total", LOC), "scrapes/s"),
                    T(rate("locust_exporter_scrape_errors_total", LOC, "reason"),
                      "errors {{reason}}")], "reqps", w=8),
        timeseries("Scrape duration", "Time the exporter needed to fetch and convert Locust's "
                   "stats on each scrape.",
                   [T("max by (instance) (locust_exporter_scrape_duration_seconds{%s})" % LOC,
                      "{{instance}}")], "s", w=8),
        timeseries("Exporter memory and CPU", "Resident memory and CPU of the exporter process.",
                   [T("sum by (instance) (process_resident_memory_bytes{%s})" % LOC,
                      "memory {{instance}}"),
                    T("sum by (instance) (rate(process_cpu_seconds_total{%s}[$__rate_interval]))"
                      % LOC, "cpu {{instance}}")], "bytes", w=8,
                   overrides=[{"matcher": {"id": "byRegexp", "options": "cpu.*"},
                               "properties": [{"id": "unit", "value": "percentunit"},
                                              {"id": "custom.axisPlacement", "value": "right"}]}]),
    ]
    variables = [v_datasource()] + v_locust() + [
        v_query("name", "Endpoint",
                'label_values(locust_requests_total{job=~"$job", instance=~"$instance"}, name)',
                multi=True, all_=True),
        v_query("quantile", "Latency statistic",
                'label_values(locust_request_duration_seconds{job=~"$job", instance=~"$instance"}, quantile)',
                regex="/^0\\.\\d+$/", sort=4, current={"text": "0.95", "value": "0.95"}),
        v_app(),
    ]
    return dashboard("locust-load-test", "Locust load test",
                     "Client-side view of a Locust load test through locust_exporter: "
                     "overview, per-request statistics, errors, workers, exporter health.",
                     variables, panels)


# =================================================== 2. Demo app (server side)
def scenario_row(key, title, desc, panels):
    return [row("Scenario: " + title),
            stat("%s enabled" % title, desc,
                 [T('max(demo_scenario_enabled{%s, scenario="%s"})' % (SRV, key), key)],
                 "none", w=4, h=8, mappings=ONOFF, graph=False, color="background",
                 thresholds=steps("transparent", (1, "orange")))] + panels


def demo_dashboard():
    hq = ("histogram_quantile(%s, sum by (le%s) (rate(http_request_duration_seconds_bucket{%s}"
          "[$__rate_interval])))")
    panels = [
        row("Overview"),
        stat("Request rate", "Requests per second the server answered.",
             [T(rate("http_requests_total", SRV), "req/s")], "reqps", w=4,
             thresholds=steps("blue")),
        stat("5xx ratio", "Share of answers with a 5xx status (server errors). Red above 1%.",
             [T(ratio("http_requests_total", SRV + ', code=~"5.."', SRV), "5xx")], "percentunit",
             w=4, thresholds=steps("green", (0.01, "red")), decimals=2),
        stat("p95 latency", "95th percentile server-side latency of all routes, from the "
             "histogram.", [T(hq % ("0.95", "", SRV), "p95")], "s", w=4,
             thresholds=steps("green", (0.5, "orange"), (1, "red"))),
        stat("In flight", "Requests being handled right now.",
             [T("sum(http_requests_in_flight{%s})" % SRV, "in flight")], "short", w=4,
             thresholds=steps("blue")),
        stat("Busy worker threads", "Share of the server's worker threads busy now.",
             [T("sum(demo_worker_threads_busy{%s}) / sum(demo_worker_threads{%s})" % (SRV, SRV),
                "busy")], "percentunit", w=4,
             thresholds=steps("green", (0.7, "orange"), (0.9, "red"))),
        stat("Resident memory", "Resident memory of the demo app.",
             [T("sum(process_resident_memory_bytes{%s})" % SRV, "rss")], "bytes", w=4,
             thresholds=steps("blue")),
        stat("Scenarios", "Which fault scenarios are switched on.",
             [T("max by (scenario) (demo_scenario_enabled{%s})" % SRV, "{{scenario}}")], "none",
             w=24, h=3, mappings=ONOFF, text="value_and_name", graph=False, color="background",
             thresholds=steps("transparent", (1, "orange"))),

        row("RED per route"),
        timeseries("Requests per second by route and status", "Rate of answers per route and "
                   "HTTP status code.",
                   [T(rate("http_requests_total", RT, "route, code"), "{{route}} {{code}}")],
                   "reqps"),
        timeseries("Error ratio by route", "Share of each route's answers with a 4xx or 5xx "
                   "status (/contact answers 404 by design).",
                   [T(ratio("http_requests_total", RT + ', code=~"[45].."', RT, "route"),
                      "{{route}}")],
                   "percentunit"),
        timeseries("Latency p50 / p95 / p99 by route", "Server-side latency percentiles per "
                   "route from the histogram buckets.",
                   [T(hq % ("0.5", ", route", RT), "p50 {{route}}"),
                    T(hq % ("0.95", ", route", RT), "p95 {{route}}"),
                    T(hq % ("0.99", ", route", RT), "p99 {{route}}")], "s"),
        timeseries("Average latency by route", "rate(_sum)/rate(_count): the true average per "
                   "route.",
                   [T("%s\n  / %s" % (rate("http_request_duration_seconds_sum", RT, "route"),
                                      rate("http_request_duration_seconds_count", RT, "route")),
                      "{{route}}")], "s"),
        heatmap("Latency distribution (heatmap)", "Requests per second in each latency bucket "
                "over time: bimodal bands show spikes, a band moving up shows saturation.",
                "sum by (le) (rate(http_request_duration_seconds_bucket{%s}[$__rate_interval]))"
                % RT, "s"),
        timeseries("Concurrency", "Requests in flight against worker threads and busy threads: "
                   "when busy reaches the thread count, requests queue.",
                   [T("sum(http_requests_in_flight{%s})" % SRV, "in flight"),
                    T("sum(demo_worker_threads_busy{%s})" % SRV, "busy threads"),
                    T("sum(demo_worker_threads{%s})" % SRV, "worker threads")], "short", w=24),

        row("Process"),
        timeseries("CPU", "CPU seconds used per second (1 = one core).",
                   [T("sum by (instance) (rate(process_cpu_seconds_total{%s}[$__rate_interval]))"
                      % SRV, "{{instance}}")], "percentunit", w=6),
        timeseries("Memory", "Resident and virtual memory.",
                   [T("sum by (instance) (process_resident_memory_bytes{%s})" % SRV,
                      "resident {{instance}}"),
                    T("sum by (instance) (process_virtual_memory_bytes{%s})" % SRV,
                      "virtual {{instance}}")], "bytes", w=6),
        timeseries("Open file descriptors", "Open descriptors against the limit (sockets count).",
                   [T("sum by (instance) (process_open_fds{%s})" % SRV, "open {{instance}}"),
                    T("sum by (instance) (process_max_fds{%s})" % SRV, "max {{instance}}")],
                   "short", w=6),
        timeseries("Threads", "OS threads of the process.",
                   [T("sum by (instance) (process_threads{%s})" % SRV, "{{instance}}")],
                   "short", w=6),
    ]
    panels += scenario_row("latency_spikes", "latency spikes",
                           "Random requests stall: the tail (p99) leaves the median behind.", [
        timeseries("Requests over 1 s (share, 5 min)", "Share of the app's requests (not "
                   "/metrics, /healthz) slower than 1 s over 5 minutes (recording rule): what "
                   "DemoAppSlowRequests reads; the dashed line is its target (1%).",
                   [T("max by (instance) (job_instance:http_requests_slow:ratio_rate5m{%s})"
                      % SRV, "{{instance}}")],
                   "percentunit", w=6, h=8, thresholds=steps("green", (0.01, "red"))),
        timeseries("Tail vs median (all routes)", "p99 against p50: spikes widen the gap.",
                   [T(hq % ("0.5", "", SRV), "p50"), T(hq % ("0.99", "", SRV), "p99")], "s",
                   w=7, h=8),
        timeseries("Latency spikes per second", "Spikes the scenario injected per second "
                   "(its own counter: the truth to compare the alert with).",
                   [T(rate("demo_latency_spikes_total", SRV), "spikes/s")], "reqps", w=7, h=8)])
    panels += scenario_row("memory_leak", "memory leak",
                           "The app keeps memory on every request (bounded).", [
        timeseries("Resident memory above its 10-min minimum", "RSS minus its lowest value of "
                   "the last 10 minutes (recording rule): a warm-up stays below the dashed "
                   "line (64 MiB), a leak crosses it; one half of DemoAppMemoryLeak.",
                   [T("max by (instance) (job_instance:process_resident_memory_bytes:above_min10m{%s})"
                      % SRV, "{{instance}}")],
                   "bytes", w=6, h=8, thresholds=steps("green", (67108864, "red"))),
        timeseries("Resident memory growth", "RSS trend (deriv over 2 min, recording rule): "
                   "still growing above the dashed line (128 KiB/s) is the other half of "
                   "DemoAppMemoryLeak.",
                   [T("max by (instance) (job_instance:process_resident_memory_bytes:deriv2m{%s})"
                      % SRV, "{{instance}}")],
                   "Bps", w=7, h=8, min0=False, thresholds=steps("green", (131072, "red"))),
        timeseries("Leaked bytes", "Memory the scenario has leaked so far (its own gauge: "
                   "the truth to compare the alert with).",
                   [T("sum(demo_leaked_bytes{%s})" % SRV, "leaked")], "bytes", w=7, h=8)])
    panels += scenario_row("slow_db", "slow database",
                           "An N+1 query pattern without index: many statements per request.", [
        timeseries("SQL statements per request by route", "Average statements one request "
                   "of each database route ran over a minute (recording rule): 1 for a JOIN, "
                   "41 for the N+1 pattern; DemoAppNPlusOneQueries fires above the dashed "
                   "line (10).",
                   [T("max by (route) (route:demo_db_statements_per_request:avg_rate1m{%s})"
                      % SRV, "{{route}}")],
                   "short", w=6, h=8, thresholds=steps("green", (10, "red"))),
        timeseries("Queries per second", "Database queries the app runs.",
                   [T(rate("demo_db_queries_total", SRV), "queries/s")], "reqps", w=7, h=8),
        timeseries("Query duration p50 / p95", "Database query latency from its histogram.",
                   [T("histogram_quantile(0.5, sum by (le) (rate(demo_db_query_duration_seconds_bucket{%s}[$__rate_interval])))" % SRV, "p50"),
                    T("histogram_quantile(0.95, sum by (le) (rate(demo_db_query_duration_seconds_bucket{%s}[$__rate_interval])))" % SRV, "p95")],
                   "s", w=7, h=8)])
    panels += scenario_row("poor_cache", "poor caching",
                           "The cache stops holding entries: misses go to the database.", [
        timeseries("Cache hit ratio", "Hits / lookups over the scrape window.",
                   [T(ratio("demo_cache_requests_total", SRV + ', result="hit"', SRV),
                      "hit ratio")],
                   "percentunit", w=10, h=8, thresholds=steps("red", (0.5, "green"))),
        timeseries("Cache hits and misses", "Lookups per second by result.",
                   [T(rate("demo_cache_requests_total", SRV, "result"), "{{result}}")], "reqps",
                   w=10, h=8, stack=True)])
    panels += scenario_row("pool_exhaustion", "pool exhaustion",
                           "The connection pool is too small for the load: requests wait, "
                           "then time out.", [
        timeseries("Pool in use", "Connections in use against the pool size.",
                   [T("sum(demo_pool_in_use{%s})" % SRV, "in use"),
                    T("sum(demo_pool_size{%s})" % SRV, "size")], "short", w=10, h=8),
        timeseries("Pool wait p95 and timeouts", "How long requests wait for a connection "
                   "(p95), and how many give up per second.",
                   [T("histogram_quantile(0.95, sum by (le) (rate(demo_pool_wait_seconds_bucket{%s}[$__rate_interval])))" % SRV, "wait p95"),
                    T(rate("demo_pool_timeouts_total", SRV), "timeouts/s")], "s", w=10, h=8,
                   overrides=[{"matcher": {"id": "byName", "options": "timeouts/s"},
                               "properties": [{"id": "unit", "value": "reqps"},
                                              {"id": "custom.axisPlacement", "value": "right"}]}])])
    variables = [v_datasource(),
                 v_query("job", "Job", "label_values(http_request_duration_seconds_count, job)",
                         current={"text": "demo-app", "value": "demo-app"}),
                 v_query("instance", "Instance",
                         'label_values(http_request_duration_seconds_count{job=~"$job"}, instance)',
                         multi=True, all_=True),
                 v_query("route", "Route",
                         'label_values(http_requests_total{job=~"$job", instance=~"$instance"}, route)',
                         multi=True, all_=True)]
    return dashboard("demo-app-server", "Demo app (server side)",
                     "Server-side view of the demo app under load: RED per route from its "
                     "histograms, process resources, and one row per fault scenario.",
                     variables, panels, selector='job=~".+"')


# ====================================================== 3. SLO / acceptance
def slo_panel(title, desc, actual, target, unit, le=True):
    # `> -1` drops NaN (nothing measured): no verdict rather than a false FAIL
    verdict = "((%s) > -1)\n  %s bool on () %s" % (actual, "<=" if le else ">=", target)
    return stat(title, desc, [T(verdict, "verdict"), T(actual, "actual"), T(target, "target")],
                unit, w=6, h=5, text="value_and_name", graph=False, color="background",
                thresholds=steps("transparent"),
                overrides=[{"matcher": {"id": "byFrameRefID", "options": "A"},
                            "properties": [{"id": "mappings", "value": PASSFAIL},
                                           {"id": "unit", "value": "none"},
                                           {"id": "thresholds",
                                            "value": steps("red", (1, "green"))}]}])


def slo_dashboard():
    hq = "histogram_quantile(0.95, sum by (le) (increase(%s{%s}[$__range])))"
    panels = [
        row("Acceptance over the selected time range"),
        slo_panel("Client p95 latency", "Worst 95th percentile of Locust's window over the "
                  "range, against slo:request_latency_p95_seconds:target.",
                  'max(max_over_time(locust_current_response_time_seconds{%s, quantile="0.95"}[$__range]))' % LOC,
                  "slo:request_latency_p95_seconds:target", "s"),
        slo_panel("Client failure ratio", "Failed / sent requests over the range, against "
                  "slo:request_failure_ratio:target.",
                  "sum(increase(locust_aggregate_request_failures_total{%s}[$__range]))\n"
                  "  / sum(increase(locust_aggregate_requests_total{%s}[$__range]))" % (LOC, LOC),
                  "slo:request_failure_ratio:target", "percentunit"),
        slo_panel("Server p95 latency", "95th percentile of the demo app's latency histogram "
                  "over the range, against slo:request_latency_p95_seconds:target.",
                  hq % ("http_request_duration_seconds_bucket", APP),
                  "slo:request_latency_p95_seconds:target", "s"),
        slo_panel("Server 5xx ratio", "5xx answers / all answers over the range, against "
                  "slo:server_error_ratio:target.",
                  increase_ratio("http_requests_total", APP + ', code=~"5.."', APP),
                  "slo:server_error_ratio:target", "percentunit"),
        slo_panel("Cache hit ratio", "Cache hits / lookups over the range, against "
                  "slo:cache_hit_ratio:target (higher is better).",
                  increase_ratio("demo_cache_requests_total", APP + ', result="hit"', APP),
                  "slo:cache_hit_ratio:target", "percentunit", le=False),
        slo_panel("Database p95 query time", "95th percentile database query duration over "
                  "the range, against slo:db_query_p95_seconds:target.",
                  hq % ("demo_db_query_duration_seconds_bucket", APP),
                  "slo:db_query_p95_seconds:target", "s"),
        slo_panel("Pool wait p95", "95th percentile wait for a pooled connection over the "
                  "range, against slo:pool_wait_p95_seconds:target.",
                  hq % ("demo_pool_wait_seconds_bucket", APP),
                  "slo:pool_wait_p95_seconds:target", "s"),
        stat("Alerts firing", "Prometheus alerts firing now (any severity).",
             [T('count(ALERTS{alertstate="firing"}) or vector(0)', "firing")], "none", w=6, h=5,
             graph=False, color="background", thresholds=steps("green", (1, "red"))),

        row("Alerts"),
        table("Firing and pending alerts", "Every Prometheus alert that is pending or firing "
              "now, with its severity.",
              [T('ALERTS{alertstate=~"firing|pending"}')], "none", h=7,
              rename={"Value": "Active"}),
        timeseries("Firing alerts over time", "Which alerts fired during the test.",
                   [T('count by (alertname) (ALERTS{alertstate="firing"})', "{{alertname}}")],
                   "short", w=24, h=7, bars=True, stack=True),

        row("Trends against the targets"),
        timeseries("Client p95 latency vs target", "Locust's window p95 over time; the "
                   "dashed line is the target.",
                   [T('max(locust_current_response_time_seconds{%s, quantile="0.95"})' % LOC, "p95"),
                    T("max(slo:request_latency_p95_seconds:target)", "target")], "s"),
        timeseries("Client failure ratio vs target", "One-minute failure ratio (recording "
                   "rule) over time, and the target.",
                   [T("max(job_instance:locust_request_failures:ratio_rate1m{%s})" % LOC,
                      "failure ratio"),
                    T("max(slo:request_failure_ratio:target)", "target")], "percentunit"),
        timeseries("Server p95 latency by route vs target", "One-minute server-side p95 per "
                   "route (recording rule), and the target.",
                   [T('max by (route) (route:http_request_duration_seconds:histogram_quantile1m{%s, quantile="0.95"})' % APP,
                      "{{route}}"),
                    T("max(slo:request_latency_p95_seconds:target)", "target")], "s"),
        timeseries("Cache hit ratio vs target", "One-minute cache hit ratio (recording rule), "
                   "and the target.",
                   [T("max(job_instance:demo_cache_hit:ratio_rate1m{%s})" % APP, "hit ratio"),
                    T("max(slo:cache_hit_ratio:target)", "target")], "percentunit"),
    ]
    variables = [v_datasource()] + v_locust() + [v_app()]
    return dashboard("locust-slo", "Load test SLO / acceptance",
                     "Pass/fail of the load test against the SLO targets recorded in "
                     "prometheus/rules/slo.yml, and the alerts that fired.",
                     variables, panels)


# ================================================================= output
DASHBOARDS = [("locust-load-test.json", locust_dashboard),
              ("demo-app.json", demo_dashboard),
              ("slo.json", slo_dashboard)]


def render_doc_section(boards):
    out = [DOC_BEGIN, ""]
    for fname, d in boards:
        out += ["### %s (`%s`, uid `%s`)" % (d["title"], "grafana/dashboards/" + fname, d["uid"]),
                "", d["description"], "",
                "Variables: " + ", ".join("`%s`" % v["name"] for v in d["templating"]["list"]),
                "", "| Panel | What it answers | Unit |", "|---|---|---|"]
        for p in d["panels"]:
            if p["type"] == "row":
                out.append("| **%s** | | |" % p["title"])
            else:
                out.append("| %s | %s | `%s` |" % (p["title"], p["description"],
                                                   p["fieldConfig"]["defaults"]["unit"]))
        out.append("")
    out.append(DOC_END)
    return "\n".join(out)


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    boards = [(f, build()) for f, build in DASHBOARDS]
    for fname, d in boards:
        text = json.dumps(d, indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(OUT, fname)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    if os.path.exists(DOC):
        doc = open(DOC, encoding="utf-8").read()
        a, b = doc.find(DOC_BEGIN), doc.find(DOC_END)
        if a >= 0 and b > a:
            new = doc[:a] + render_doc_section(boards) + doc[b + len(DOC_END):]
            if new != doc:
                stale.append(DOC)
                if not check:
                    with open(DOC, "w", encoding="utf-8") as f:
                        f.write(new)
    for p in stale:
        print(("out of date: " if check else "wrote ") + os.path.relpath(p, ROOT))
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
