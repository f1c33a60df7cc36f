#!/usr/bin/python3
"""OpenMetrics by content negotiation, in both programs (check-openmetrics).

1. The exporter against the fake Locust, every fixture under
   tests/fixtures/locust/ (and a Locust that answers 503), with and without
   the compat set, and /probe: asked for OpenMetrics the way Prometheus
   asks, the answer has the OpenMetrics content type, gzip works, the
   reference parser (Debian's python3-prometheus-client,
   prometheus_client.openmetrics.parser) accepts it, "# EOF" is last, and
   it holds exactly the series of the 0.0.4 answer with the same values
   (self and process metrics: names only).  Counter families, unknown for
   the counters that cannot be OpenMetrics counters, and units are checked
   by name.  Accept headers with q-values choose as documented; the
   basic-auth counter appended for /metrics comes before "# EOF".
2. The demo app's /metrics (histograms) the same way.
3. A real Prometheus (2.42, which asks for OpenMetrics first) scrapes the
   exporter (endpoint names with quotes, backslashes, '#', newlines and
   UTF-8) and the demo app: both targets up, the target metadata carries
   OpenMetrics units (only the OpenMetrics parser reads them, so it was
   used), and the series Prometheus stored are the series of the 0.0.4
   text, with the same values for Locust's numbers.
"""
import glob
import gzip
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, ".."), os.path.join(HERE, "..", "hardening")]
from exporter_common import FIXTURES, start_exporter, start_fake  # noqa: E402
from testkit import (DEMO_APP, Results, cleanup, free_port, http, install_cleanup,  # noqa: E402
                     parse_exposition, spawn, wait_http)
from prometheus_client.openmetrics.parser import text_string_to_metric_families  # noqa: E402

R = Results()
PROM_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
               "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Samples whose values move between two scrapes: compared by name and labels
# only (the demo app counts each /metrics request after answering it).
MOVING = ("locust_exporter_", "locust_total_scrapes", "process_", "http_requests_in_flight",
          "demo_worker_threads_busy")


def moving(key):
    return key[0].startswith(MOVING) or ("route", "/metrics") in key[1]


def get(url, accept=None, gz=False, auth=None):
    headers = {}
    if accept:
        headers["Accept"] = accept
    if gz:
        headers["Accept-Encoding"] = "gzip"
    if auth:
        headers["Authorization"] = auth
    status, hdrs, body = http(url, headers=headers)
    if hdrs.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, hdrs, body.decode("utf-8")


def om_samples(text):
    """The reference parser's families and every sample as (name, labels, value)."""
    fams = list(text_string_to_metric_families(text))
    return fams, [(s.name, s.labels, s.value) for f in fams for s in f.samples]


def keyed(samples):
    return {(n, tuple(sorted(l.items()))): v for n, l, v in samples}


def same_series(om, text, what):
    """The OpenMetrics answer holds the 0.0.4 answer's series; Locust values equal."""
    a, b = keyed(om), keyed(text)
    R.check(set(a) == set(b), what + ": the same series as text 0.0.4",
            "only OM: %s; only text: %s" % (sorted(set(a) - set(b))[:5], sorted(set(b) - set(a))[:5]))
    diff = [(k, a[k], b[k]) for k in set(a) & set(b)
            if not moving(k) and not (a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]))]
    R.check(not diff, what + ": the same values", diff[:5])


def check_om_answer(url, what, accept=PROM_ACCEPT, auth=None):
    """Scrape url as Prometheus does (OpenMetrics, gzip) and as text; compare."""
    status, hdrs, om = get(url, accept, gz=True, auth=auth)
    R.check(status == 200 and hdrs.get("Content-Type") == OM_TYPE and hdrs.get("Content-Encoding") == "gzip",
            what + ": 200, OpenMetrics content type, gzip", (status, hdrs))
    try:
        fams, oms = om_samples(om)
    except ValueError as e:
        R.check(False, what + ": the reference OpenMetrics parser accepts it", e)
        return None, None
    R.check(om.endswith("\n# EOF\n") and om.count("# EOF") == 1, what + ": '# EOF' last, once", om[-200:])
    status, hdrs, text = get(url, auth=auth)
    R.check(hdrs.get("Content-Type") == TEXT_TYPE, what + ": no Accept: text 0.0.4", hdrs.get("Content-Type"))
    samples, _ = parse_exposition(text)
    same_series(oms, samples, what)
    return {f.name: f for f in fams}, om


def check_types(fams, compat, what):
    want = {"locust_requests": ("counter", ""), "locust_exporter_scrape_errors": ("counter", ""),
            "locust_request_duration_seconds": ("summary", "seconds"), "locust_up": ("gauge", ""),
            "locust_fail_ratio": ("gauge", "ratio"), "process_cpu_seconds": ("counter", "seconds")}
    if compat:
        want.update({"locust_total_scrapes": ("unknown", ""), "locust_errors_total": ("unknown", ""),
                     "locust_errors": ("gauge", ""), "locust_requests_fail_ratio": ("gauge", "ratio")})
    else:
        want["locust_errors"] = ("counter", "")
    got = {n: (fams[n].type, fams[n].unit) if n in fams else None for n in want}
    R.check(got == want, what + ": families' OpenMetrics types and units", {n: (got[n], want[n]) for n in want
                                                                          if got[n] != want[n]})


def exporter_fixtures(fake_url, base, base_native):
    files = sorted(glob.glob(os.path.join(FIXTURES, "*", "*.json")))
    R.check(len(files) >= 15, "fixtures found", len(files))
    typed = 0
    for path in files:
        name = os.path.relpath(path, FIXTURES)
        http(fake_url + "/_control?" + urllib.parse.urlencode({"mode": "fixture", "file": path}))
        fams, _ = check_om_answer(base + "/metrics", name)
        fams_n, _ = check_om_answer(base_native + "/metrics", name + " (--no-collector.compat)")
        if fams and fams_n and "locust_errors_total" in fams:  # errors: compat and native clash
            check_types(fams, True, name)
            check_types(fams_n, False, name + " (--no-collector.compat)")
            typed += 1
    R.check(typed >= 5, "types checked on the fixtures with errors", typed)
    http(fake_url + "/_control?mode=5xx")
    fams, _ = check_om_answer(base + "/metrics", "Locust answering 503")
    R.check(fams is not None and fams["locust_up"].samples[0].value == 0, "Locust answering 503: locust_up 0")


def negotiation(base):
    cases = [
        ("text/plain;q=0.9, application/openmetrics-text;q=0.5", TEXT_TYPE),
        ("text/plain;q=0.5, application/openmetrics-text;q=0.9", OM_TYPE),
        ("application/openmetrics-text;version=0.0.1", "application/openmetrics-text; version=0.0.1; charset=utf-8"),
        ("application/openmetrics-text;q=0", TEXT_TYPE),
        ("application/json", TEXT_TYPE),
        ("*/*", TEXT_TYPE),
    ]
    for accept, want in cases:
        status, hdrs, body = get(base + "/metrics", accept)
        R.check(status == 200 and hdrs.get("Content-Type") == want, "Accept: %s -> %s" % (accept, want),
                hdrs.get("Content-Type"))
        R.check(body.endswith("# EOF\n") == (want != TEXT_TYPE), "Accept: %s: '# EOF' only in OpenMetrics" % accept)


def shared_fetch(fake_url, base):
    """Scrapes in both formats that share one fetch (a slow Locust): each
    gets its format, gzipped; the result's gzip is one format's, the other
    is made per request."""
    http(fake_url + "/_control?mode=slow&delay=1.5")
    hits0 = json.loads(http(fake_url + "/_hits")[2])["stats_requests"]
    out = {}

    def scrape(key, accept):
        out[key] = get(base + "/metrics", accept, gz=True)
    threads = [threading.Thread(target=scrape, args=(i, PROM_ACCEPT if i % 2 else "text/plain")) for i in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join(20)
    hits = json.loads(http(fake_url + "/_hits")[2])["stats_requests"] - hits0
    http(fake_url + "/_control?mode=fixture")
    ok = len(out) == 4 and hits == 1
    for i, (status, hdrs, body) in sorted(out.items()):
        om = i % 2 == 1
        ok = ok and status == 200 and hdrs.get("Content-Encoding") == "gzip" and \
            hdrs.get("Content-Type") == (OM_TYPE if om else TEXT_TYPE) and body.endswith("# EOF\n") == om
        if om:
            om_samples(body)
        else:
            parse_exposition(body)
    R.check(ok, "4 scrapes sharing one fetch, both formats: each its own format, gzipped", (hits, {
        i: (o[0], o[1].get("Content-Type"), o[1].get("Content-Encoding")) for i, o in out.items()}))


def web_auth_counter(fake_url, tmp):
    from hcommon import bcrypt
    cfg = os.path.join(tmp, "web.yml")
    with open(cfg, "w") as f:
        f.write("basic_auth_users:\n  alice: %s\n" % bcrypt("secret"))
    _, base = start_exporter(fake_url, "--web.config.file=" + cfg)
    get(base + "/metrics", auth="Basic Ym9iOndyb25n")  # bob:wrong, counted
    fams, om = check_om_answer(base + "/metrics", "/metrics with basic auth", auth="Basic YWxpY2U6c2VjcmV0")
    fam = fams.get("locust_exporter_http_auth_failures") if fams else None
    R.check(fam is not None and fam.type == "counter" and
            any(s.labels.get("reason") == "invalid" and s.value >= 1 for s in fam.samples),
            "the basic-auth failure counter is an OpenMetrics counter before '# EOF'", om[-400:] if om else None)


def demo_app():
    port = free_port()
    p = spawn([DEMO_APP, "--listen", "127.0.0.1:%d" % port, "--threads", "16", "--seed", "1"])
    base = "http://127.0.0.1:%d" % port
    wait_http(base + "/healthz", proc=p)
    for path in ("/", "/contact", "/about", "/products?id=3", "/metrics"):
        http(base + path)
    fams, _ = check_om_answer(base + "/metrics", "demo app")
    if fams:
        h = fams.get("http_request_duration_seconds")
        R.check(h is not None and h.type == "histogram" and h.unit == "seconds" and
                any(s.labels.get("le") == "+Inf" for s in h.samples),
                "demo app: http_request_duration_seconds is a histogram in seconds")
        c = fams.get("http_requests")
        R.check(c is not None and c.type == "counter" and all(s.name.endswith("_total") for s in c.samples),
                "demo app: http_requests is a counter of http_requests_total samples")
    return base


# ---- a real Prometheus ------------------------------------------------------------

ODD_NAMES = ['/a#b?c="d"', "back\\slash", "new\nline", "caf\u00e9 \u2603", "# TYPE fake counter"]


def odd_body():
    """The 2.12.1 payload with its request names replaced by awkward ones."""
    with open(os.path.join(FIXTURES, "2.12.1", "stats_requests.json")) as f:
        d = json.load(f)
    rows = d["stats"][:-1]
    for i, r in enumerate(rows):
        r["name"] = ODD_NAMES[i % len(ODD_NAMES)] + ("" if i < len(ODD_NAMES) else str(i))
    for i, e in enumerate(d.get("errors", [])):
        e["name"] = ODD_NAMES[i % len(ODD_NAMES)]
    return json.dumps(d).encode()


class Prom:
    def __init__(self, tmp, targets):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
            for job, target in targets.items():
                f.write("  - job_name: %s\n    static_configs:\n      - targets: ['%s']\n" % (job, target))
        self.log = open(os.path.join(tmp, "prometheus.log"), "w")
        self.proc = spawn(["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                           "--web.listen-address=127.0.0.1:%d" % self.port], stdout=self.log, stderr=self.log)
        end = time.monotonic() + 30
        while wait_http(self.url + "/-/ready", deadline_s=30, proc=self.proc)[0] != 200:
            if time.monotonic() > end:
                raise RuntimeError("Prometheus not ready within 30 s")
            time.sleep(0.2)

    def api(self, path, **params):
        status, _, body = http(self.url + "/api/v1/" + path + "?" + urllib.parse.urlencode(params, doseq=True))
        d = json.loads(body)
        if d.get("status") != "success":
            raise RuntimeError("%s: %s" % (path, body[:300]))
        return d["data"]


SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
             "scrape_series_added"}


def stored_series(prom, job):
    out = set()
    for s in prom.api("series", **{"match[]": '{job="%s"}' % job}):
        name = s.pop("__name__")
        s.pop("job"), s.pop("instance")
        if name not in SYNTHETIC:
            out.add((name, tuple(sorted(s.items()))))
    return out


def real_prometheus(tmp, fake_url, exporter_base, demo_base):
    http(fake_url + "/_control/body", data=odd_body(), method="POST")
    prom = Prom(tmp, {"exporter": exporter_base[7:], "demo": demo_base[7:]})
    end, targets = time.monotonic() + 30, []
    while time.monotonic() < end:
        targets = prom.api("targets", state="active")["activeTargets"]
        scrapes = prom.api("query", query="count_over_time(up[1m])")["result"]
        if len(targets) == 2 and all(t["health"] == "up" for t in targets) and \
                len(scrapes) == 2 and all(float(r["value"][1]) >= 3 for r in scrapes):
            break
        time.sleep(0.5)
    R.check(len(targets) == 2 and all(t["health"] == "up" and not t["lastError"] for t in targets),
            "Prometheus: exporter and demo app up after 3 scrapes", [(t["labels"], t["lastError"]) for t in targets])
    meta = prom.api("targets/metadata", match_target='{job="exporter"}')
    by = {m["metric"]: m for m in meta}
    R.check(by.get("process_cpu_seconds", {}).get("unit") == "seconds" and
            by.get("locust_requests", {}).get("type") == "counter" and
            by.get("locust_total_scrapes", {}).get("type") == "unknown",
            "Prometheus read OpenMetrics from the exporter (units, counter families in its metadata)",
            {k: by.get(k) for k in ("process_cpu_seconds", "locust_requests", "locust_total_scrapes")})
    dmeta = {m["metric"]: m for m in prom.api("targets/metadata", match_target='{job="demo"}')}
    R.check(dmeta.get("http_request_duration_seconds", {}).get("unit") == "seconds",
            "Prometheus read OpenMetrics from the demo app", dmeta.get("http_request_duration_seconds"))
    for job, base in (("exporter", exporter_base), ("demo", demo_base)):
        _, _, text = get(base + "/metrics")
        samples, _ = parse_exposition(text)
        # Prometheus stores no empty label (the compat Aggregated row's method="")
        want = {(n, tuple(sorted((k, x) for k, x in l.items() if x != ""))) for n, l, v in samples}
        got = stored_series(prom, job)
        R.check(got == want, "Prometheus stored the series of the %s's 0.0.4 text (names, labels, le, quantile)"
                % job, "only stored: %s; only text: %s" % (sorted(got - want)[:4], sorted(want - got)[:4]))
    res = prom.api("query", query='locust_requests_total{job="exporter"}')["result"]
    stored = {r["metric"]["name"]: float(r["value"][1]) for r in res}
    _, _, text = get(exporter_base + "/metrics")
    samples, _ = parse_exposition(text)
    want = {l["name"]: v for n, l, v in samples if n == "locust_requests_total"}
    R.check(stored == want and any(n in stored for n in ODD_NAMES),
            "Prometheus: locust_requests_total per odd endpoint name as the text says", (stored, want))


def main():
    install_cleanup()
    tmp = tempfile.mkdtemp(prefix="le_om_")
    try:
        fake, fake_url = start_fake()
        _, base = start_exporter(fake_url)
        _, base_native = start_exporter(fake_url, "--no-collector.compat")
        exporter_fixtures(fake_url, base, base_native)
        http(fake_url + "/_control?mode=fixture")
        fams, _ = check_om_answer(base_native + "/probe?target=" + urllib.parse.quote(fake_url, safe=""), "/probe")
        R.check(fams is not None and "process_cpu_seconds" not in fams, "/probe: OpenMetrics, no process_*")
        negotiation(base)
        shared_fetch(fake_url, base)
        web_auth_counter(fake_url, tmp)
        demo_base = demo_app()
        real_prometheus(tmp, fake_url, base, demo_base)
    finally:
        cleanup()
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
