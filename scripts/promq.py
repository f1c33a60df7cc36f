"""Prometheus HTTP API client and Grafana dashboard query expansion.

Shared by scripts/demo_summary.py (the `make demo DURATION=N` summary) and
tests/e2e/check_stack.py (the end-to-end test): both run the dashboards'
queries against a real Prometheus, the way Grafana would.  Standard library
only; traffic goes to the URL given (127.0.0.1 in this project).
"""
import json
import re
import urllib.error
import urllib.parse
import urllib.request


class PromError(Exception):
    pass


class Prom:
    def __init__(self, url, timeout=10):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, path, params):
        """GET /api/v1/<path>; returns `data` or raises PromError with Prometheus' error."""
        q = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen("%s/api/v1/%s?%s" % (self.url, path, q),
                                        timeout=self.timeout) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            try:
                body = json.load(e)
            except ValueError:
                raise PromError("HTTP %d" % e.code) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise PromError(str(e)) from None
        if body.get("status") != "success":
            raise PromError("%s: %s" % (body.get("errorType"), body.get("error")))
        return body["data"]

    def instant(self, expr, time=None):
        params = {"query": expr}
        if time is not None:
            params["time"] = time
        return self.get("query", params)["result"]

    def range(self, expr, start, end, step):
        return self.get("query_range", {"query": expr, "start": start, "end": end,
                                        "step": step})["result"]

    def scalar(self, expr, default=None):
        """The single value of an instant query returning one series, else default."""
        res = self.instant(expr)
        if len(res) != 1:
            return default
        v = float(res[0]["value"][1])
        return default if v != v else v  # NaN

    def label_values(self, label, match=None):
        params = {"match[]": [match]} if match else {}
        return self.get("label/%s/values" % urllib.parse.quote(label), params)


# ----------------------------------------------------------- Grafana side
LABEL_VALUES = re.compile(r"^\s*label_values\((?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$",
                          re.S)


def substitute(expr, values, builtins):
    """Replace $var, ${var} and [[var]] like Grafana does for the Prometheus datasource.

    values: variable name -> list of chosen values (multi) or a single string;
    builtins: e.g. {"__rate_interval": "10s", "__interval": "2s", "__range": "1m"}.
    Multi values become a regex alternation (a|b), the Prometheus datasource's format.
    """
    allv = dict(builtins)
    for k, v in values.items():
        if isinstance(v, (list, tuple)):
            v = v[0] if len(v) == 1 else "(" + "|".join(re.escape(x) for x in v) + ")"
        allv[k] = v

    def rep(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return allv[name] if name in allv else m.group(0)
    # longest names first through the regex alternation of word characters
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", rep, expr)


def resolve_variables(prom, dashboard, builtins):
    """Resolve the dashboard's template variables in order, as Grafana's defaults would.

    Returns (values, problems): query variables run their label_values() query;
    the current value is kept when it is among the options, else the first
    option is taken; `All` selects the allValue (or every option).
    """
    values, problems = {}, []
    for v in dashboard.get("templating", {}).get("list", []):
        name = v["name"]
        if v["type"] == "datasource":
            values[name] = "prometheus"
            continue
        if v["type"] == "custom":
            opts = [o.strip() for o in v.get("query", "").split(",") if o.strip()]
        elif v["type"] == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = LABEL_VALUES.match(substitute(q, values, builtins))
            if not m:
                problems.append("variable %s: unsupported query %r" % (name, q))
                continue
            try:
                opts = prom.label_values(m.group(2), m.group(1))
            except PromError as e:
                problems.append("variable %s: %s" % (name, e))
                continue
            regex = v.get("regex") or ""
            if regex.startswith("/") and regex.rfind("/") > 0:
                r = re.compile(regex[1:regex.rfind("/")])
                opts = [o for o in opts if r.search(o)]
            if v.get("sort") in (3, 4):
                def num(o):
                    try:
                        return float(o)
                    except ValueError:
                        return float("inf")
                opts.sort(key=num, reverse=v["sort"] == 4)
            elif v.get("sort") in (1, 2):
                opts.sort(reverse=v["sort"] == 2)
        else:
            continue
        if not opts:
            problems.append("variable %s: no options" % name)
            values[name] = "^$"
            continue
        cur = v.get("current", {}).get("value")
        cur = cur if isinstance(cur, list) else [cur] if cur else []
        if v.get("includeAll") and (not cur or "$__all" in cur):
            values[name] = v.get("allValue") or opts
        else:
            chosen = [c for c in cur if c in opts]
            values[name] = chosen if chosen else [opts[0]]
    return values, problems


def panel_queries(dashboard):
    """(panel title, panel, target) for every query target of every panel, rows included."""
    def walk(panels):
        for p in panels:
            yield p
            yield from walk(p.get("panels", []))
    for p in walk(dashboard.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield p.get("title", "?"), p, t


def annotation_queries(dashboard):
    for a in dashboard.get("annotations", {}).get("list", []):
        if a.get("expr"):
            yield a["name"], a
