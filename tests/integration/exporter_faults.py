#!/usr/bin/python3
"""Fault tests of locust_exporter against tests/fakes/fake_locust.py.

Every failure of Locust (refused, timeout, 5xx, redirects, login pages,
HTML, truncated/malformed/wrong-typed JSON, oversized bodies) must give an
HTTP 200 with locust_up 0, the right reason counted in
locust_exporter_scrape_errors_total, no per-request series, an answer
within the timeout plus a little, and a recovery on the next good answer.
Also: flags and exit codes, signals, /quitquitquit, the endpoints, gzip,
and label escaping end to end (odd names, a 5000-char name, 2000
endpoints) checked by promtool and by parsing the output back.
"""
import gzip
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from exporter_common import (FIXTURES, WRAPPER, scrape, start_exporter, start_fake,  # noqa: E402
                             wrapper_verdict)
from testkit import (EXPORTER, Results, cleanup, free_port, http, install_cleanup,  # noqa: E402
                     parse_exposition, promtool_check, series, stop, value)

TIMEOUT_S = 1.0
MAX_BODY = 65536
GENEROUS = TIMEOUT_S + 4.0  # "answered within the timeout + ~1 s", with slack for slow CI
FIXTURE = os.path.join(FIXTURES, "2.46.3", "master_stats_requests.json")
R = Results()

# (mode, control args, expected reason)
FAULTS = [
    ("hang", {}, "timeout"),
    ("slow", {"delay": "3"}, "timeout"),
    ("5xx", {}, "http_status"),
    ("404", {}, "http_status"),
    ("401", {}, "auth"),
    ("redirect_loop", {}, "redirect"),
    ("login_redirect", {}, "auth"),
    ("login_page", {}, "auth"),
    ("html", {}, "not_json"),
    ("truncated", {}, "parse"),
    ("short_body", {}, "io"),
    ("malformed", {}, "parse"),
    ("wrong_stats", {}, "schema"),
    ("wrong_num", {}, "schema"),
    ("oversized", {"size": str(4 * MAX_BODY)}, "too_large"),
    ("oversized_chunked", {"size": str(4 * MAX_BODY)}, "too_large"),
]


def control(fake, mode, **args):
    q = "&".join(["mode=" + mode] + ["%s=%s" % kv for kv in args.items()])
    status, _, _ = http(fake + "/_control?" + q)
    assert status == 200


def errors_by_reason(samples):
    return {l["reason"]: v for l, v in series(samples, "locust_exporter_scrape_errors_total")}


def no_per_request_series(samples):
    bad = [n for n, l, v in samples if "method" in l or "name" in l or "worker" in l or "id" in l]
    return bad


def check_up(base, what):
    status, text, _ = scrape(base)
    s, _ = parse_exposition(text)
    ok = status == 200 and value(s, "locust_up") == 1.0 and value(
        s, "locust_requests_total", method="GET", name="/") is not None
    R.check(ok, what + ": recovers (locust_up 1 with per-request series)", text[:300])
    return s


def test_faults(fake, base):
    s = check_up(base, "baseline")
    before = errors_by_reason(s)
    R.check(set(before) >= {"connect", "timeout", "tls", "auth", "redirect", "http_status", "not_json",
                            "too_large", "parse", "schema", "io"}, "every reason is pre-declared", before)
    for mode, args, reason in FAULTS:
        control(fake, mode, **args)
        status, text, elapsed = scrape(base)
        try:
            s, _ = parse_exposition(text)
        except ValueError as e:
            R.check(False, mode + ": output parses", e)
            continue
        after = errors_by_reason(s)
        R.check(status == 200, "%s: HTTP 200" % mode, status)
        R.check(value(s, "locust_up") == 0.0, "%s: locust_up 0" % mode, value(s, "locust_up"))
        delta = {r: after[r] - before.get(r, 0) for r in after if after[r] != before.get(r, 0)}
        R.check(delta == {reason: 1.0}, "%s: reason %s counted once" % (mode, reason), delta)
        R.check(not no_per_request_series(s), "%s: no per-request series" % mode, no_per_request_series(s))
        R.check(value(s, "locust_users") is None, "%s: no locust_users" % mode)
        R.check(elapsed < GENEROUS, "%s: answered in %.2fs (timeout %.0fs)" % (mode, elapsed, TIMEOUT_S))
        control(fake, "fixture")
        before = errors_by_reason(check_up(base, mode))


def test_slow_in_time(fake, base):
    control(fake, "slow", delay="0.4")
    status, text, _ = scrape(base)
    s, _ = parse_exposition(text)
    R.check(status == 200 and value(s, "locust_up") == 1.0, "slow but within the timeout: locust_up 1")
    control(fake, "fixture")


def test_refused_then_recover():
    port = free_port()  # nothing listens here yet
    exp, base = start_exporter("http://127.0.0.1:%d" % port, "--locust.timeout=1s")
    status, text, elapsed = scrape(base)
    s, _ = parse_exposition(text)
    R.check(status == 200 and value(s, "locust_up") == 0.0, "refused: HTTP 200, locust_up 0")
    R.check(errors_by_reason(s).get("connect") == 1.0, "refused: reason connect", errors_by_reason(s))
    R.check(not no_per_request_series(s), "refused: no per-request series")
    R.check(elapsed < GENEROUS, "refused: answered in %.2fs" % elapsed)
    fake2, _ = start_fake(fixture=FIXTURE, port=port)
    s = check_up(base, "refused")
    R.check(errors_by_reason(s).get("connect") == 1.0, "refused: counter keeps its count after recovery")
    stop(exp)
    stop(fake2)


def test_flags():
    r = subprocess.run([EXPORTER, "--no-such-flag"], capture_output=True, timeout=10)
    lines = r.stderr.decode().splitlines()
    R.check(r.returncode == 2 and len(lines) == 1 and "no-such-flag" in lines[0],
            "unknown flag: exit 2, one line on stderr", (r.returncode, lines))
    for bad in (["--locust.timeout=soon"], ["--locust.timeout", "1e3s"], ["--locust.uri"],
                ["--web.listen-address=[::]:9646", "--log.level=error"], ["--log.level=loud"],
                ["--locust.header=X: a\r\nY: b"], ["stray"]):
        r = subprocess.run([EXPORTER] + bad, capture_output=True, timeout=10)
        lines = r.stderr.decode().splitlines()
        R.check(r.returncode == 2 and len(lines) == 1 and lines[0].startswith("locust_exporter: error: "),
                "bad value %s: exit 2 with one line" % bad, (r.returncode, lines))
    r = subprocess.run([EXPORTER, "--version"], capture_output=True, timeout=10)
    R.check(r.returncode == 0 and b"locust_exporter, version" in r.stdout, "--version", r.stdout)
    for h in ("-h", "--help"):
        r = subprocess.run([EXPORTER, h], capture_output=True, timeout=10)
        R.check(r.returncode == 0 and b"--locust.uri" in r.stdout and b"LOCUST_EXPORTER_URI" in r.stdout, h)
    env = dict(os.environ, LOCUST_EXPORTER_TIMEOUT="bogus")
    r = subprocess.run([EXPORTER], capture_output=True, timeout=10, env=env)
    R.check(r.returncode == 2 and b"LOCUST_EXPORTER_TIMEOUT" in r.stderr, "bad env var: exit 2 naming it")


def test_signals_and_quit(fake):
    for sig in (signal.SIGTERM, signal.SIGINT):
        exp, base = start_exporter(fake)
        scrape(base)
        t0 = time.monotonic()
        exp.send_signal(sig)
        try:
            rc = exp.wait(10)
        except subprocess.TimeoutExpired:
            rc = None
        R.check(rc == 0, "%s: exit 0 (in %.2fs)" % (signal.Signals(sig).name, time.monotonic() - t0), rc)
    exp, base = start_exporter(fake)
    status, _, _ = http(base + "/quitquitquit")
    try:
        rc = exp.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    R.check(status == 200 and rc == 0, "/quitquitquit: exit 0", (status, rc))
    exp, base = start_exporter(fake, "--web.disable-exit")
    status, _, _ = http(base + "/quitquitquit")
    time.sleep(0.3)
    R.check(status == 404 and exp.poll() is None, "--web.disable-exit: /quitquitquit is 404, still running")
    stop(exp)


def test_endpoints(base):
    for path in ("/-/healthy", "/-/ready", "/healthz"):
        status, _, _ = http(base + path)
        R.check(status == 200, path + " 200", status)
    status, hdrs, body = http(base + "/")
    R.check(status == 200 and b"/metrics" in body and "text/html" in hdrs.get("Content-Type", ""),
            "/ landing page links the metrics")
    for path in ("/nope", "/metricsx", "/metrics/x", "/-/healthyx"):
        status, _, _ = http(base + path)
        R.check(status == 404, path + " 404", status)
    status, hdrs, _ = http(base + "/metrics")
    R.check(hdrs.get("Content-Type", "").startswith("text/plain; version=0.0.4"), "content type 0.0.4",
            hdrs.get("Content-Type"))
    # gzip: the same metrics, apart from the exporter's own moving values
    status, hdrs, raw = http(base + "/metrics", headers={"Accept-Encoding": "gzip"})
    _, _, plain = http(base + "/metrics")
    ok = status == 200 and hdrs.get("Content-Encoding") == "gzip"
    R.check(ok, "Accept-Encoding: gzip gives Content-Encoding: gzip", hdrs)

    def stable(text):
        return [ln for ln in text.split("\n") if not ln.startswith(("locust_exporter_", "locust_total_scrapes",
                                                                    "process_", "locust_run_start"))]
    if ok:
        unz = gzip.decompress(raw).decode()
        R.check(stable(unz) == stable(plain.decode()), "gzip decompresses to the same metrics")
    status, hdrs, _ = http(base + "/metrics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    R.check(hdrs.get("Content-Encoding") is None, "gzip;q=0 is not gzipped", hdrs.get("Content-Encoding"))


ODD_NAMES = [
    'quote " in the middle', "back\\slash and \\n literal", "new\nline", "tab\tand\rcr",
    "UTF-8: caf\u00e9 \u65e5\u672c \U0001F41B", "{braces}=,", "trailing backslash \\", '"', "",
    "/x" + "\u00e9\"\\\n" * 1000 + "end",  # 5003 chars of specials
    "L" * 5000,
]


def test_escaping(fake):
    rows = [{"method": "GET", "name": n, "num_requests": i + 1, "num_failures": i % 2,
             "avg_response_time": 1.5, "min_response_time": 1, "max_response_time": 2,
             "median_response_time": 1, "current_rps": 0.5, "current_fail_per_sec": 0,
             "avg_content_length": 10} for i, n in enumerate(ODD_NAMES)]
    rows += [{"method": "POST", "name": "/bulk/%04d" % i, "num_requests": i, "num_failures": 0}
             for i in range(2000)]
    errs = [{"method": "GET", "name": n, "error": "E(%r)" % n, "occurrences": 1} for n in ODD_NAMES[:6]]
    total = sum(r["num_requests"] for r in rows)
    doc = {"stats": rows + [{"method": "", "name": "Aggregated", "num_requests": total, "num_failures": 0}],
           "errors": errs, "state": "running", "user_count": 3,
           "current_response_time_percentiles": {"response_time_percentile_0.95": 2}}
    body = json.dumps(doc).encode()
    status, _, _ = http(fake + "/_control/body", data=body)
    for compat in (False, True):
        flags = ["--locust.timeout=10s", "--locust.max-response-size=16MiB"]
        if not compat:
            flags.append("--no-collector.compat")
        exp, base = start_exporter(fake, *flags)
        status, text, _ = scrape(base)
        label = "compat on" if compat else "compat off"
        try:
            s, meta = parse_exposition(text)
        except ValueError as e:
            R.check(False, "escaping (%s): output parses" % label, e)
            stop(exp)
            continue
        got = {l["name"]: v for l, v in series(s, "locust_requests_total") if l.get("method") == "GET"}
        R.check(got == {n: float(i + 1) for i, n in enumerate(ODD_NAMES)},
                "escaping (%s): every odd name parses back exactly" % label,
                set(got) ^ set(ODD_NAMES))
        R.check(len(series(s, "locust_requests_total")) == len(ODD_NAMES) + 2000,
                "escaping (%s): 2000+ endpoints" % label)
        errnames = {l["name"] for l, v in series(s, "locust_errors_total")}
        R.check(errnames == set(ODD_NAMES[:6]), "escaping (%s): error labels parse back" % label)
        if compat:
            got = {l["name"] for l, v in series(s, "locust_requests_num_requests") if l.get("method") == "GET"}
            R.check(got == set(ODD_NAMES), "escaping: compat names parse back exactly")
        rc, out = promtool_check(text)
        if compat:
            bad = [ln for ln in out.splitlines() if ln.strip() and not allowed_compat_lint(ln)]
            R.check(rc in (0, 3) and not bad, "escaping (compat on): promtool finds only known lint", out[:2000])
        else:
            R.check(rc == 0, "escaping (compat off): promtool check metrics exit 0", out[:2000])
        stop(exp)
    control(fake, "fixture")


def allowed_compat_lint(line):
    """promtool lint messages the Go exporter's names produce by design."""
    return (line.startswith("locust_total_scrapes counter metrics should have \"_total\" suffix")
            or ("_count" in line.split(" ")[0] and "non-histogram and non-summary metrics should not have \"_count\" suffix" in line)
            or ("fail_per_sec" in line and "abbreviated units" in line))


def main():
    install_cleanup()
    try:
        fake, fake_base = start_fake(fixture=FIXTURE)
        exp, base = start_exporter(fake_base, "--locust.timeout=%gs" % TIMEOUT_S,
                                   "--locust.max-response-size=%d" % MAX_BODY)
        test_faults(fake_base, base)
        test_slow_in_time(fake_base, base)
        test_endpoints(base)
        stop(exp)
        test_refused_then_recover()
        test_flags()
        test_signals_and_quit(fake_base)
        test_escaping(fake_base)
    finally:
        cleanup()
    if WRAPPER:
        wrapper_verdict(R.check)
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
