#!/usr/bin/python3
"""Real-scrape smoke test of $O/locust_exporter, for the sanitizer and
valgrind checks: a Healthy stand-in cycles through real Locust payloads of
several versions and through failures (malformed, wrong schema, duplicate
rows, HTML, HTTP 500, 404); every /metrics answer must be HTTP 200, pass
the strict promcheck validator and carry the right locust_up; gzip,
the landing page, health and 404 are hit too.  Then SIGTERM: the exporter
must exit 0 with no sanitizer or valgrind report in its output.

  smoke.py [--scrapes N] [--wrapper "valgrind ..."]
"""
import argparse
import glob
import gzip
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from standin import Exporter, Healthy  # noqa: E402
from testkit import BUILD, ROOT, Results, http, install_cleanup  # noqa: E402

REPORT = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                    r"ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]|"
                    r"Invalid (read|write)|uninitialised")


def variants():
    """(name, (status, ctype, body), expected locust_up)"""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fuzz/corpus/seed-*.json"))):
        if "exceptions" in path:
            continue
        with open(path, "rb") as f:
            out.append((os.path.basename(path), (200, "application/json", f.read()), 1))
    with open(os.path.join(ROOT, "tests/fuzz/corpus/regress-dup-stats-rows.json"), "rb") as f:
        dup = f.read()
    good = out[0][1][2]
    out += [
        ("truncated", (200, "application/json", good[: len(good) // 2]), 0),
        ("schema", (200, "application/json", b'{"foo": 1}'), 0),
        ("duplicate rows", (200, "application/json", dup), 0),
        ("html", (200, "text/html", b"<html><body>login</body></html>"), 0),
        ("http 500", (500, "text/plain", b"boom"), 0),
        ("http 404", (404, "text/plain", b"no"), 0),
    ]
    return out


def promcheck(body):
    p = subprocess.run([os.path.join(BUILD, "tests", "promcheck")], input=body,
                       stderr=subprocess.PIPE, timeout=30)
    return p.returncode == 0, p.stderr.decode("utf-8", "replace").strip()


def scrape_once(c, exp, name, up, use_gzip):
    headers = {"Accept-Encoding": "gzip"} if use_gzip else {}
    status, hdrs, body = http(exp.url + "/metrics", timeout=60, headers=headers)
    if not c.check(status == 200, name, "HTTP %s" % status):
        return
    if hdrs.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    ok, err = promcheck(body)
    c.check(ok, name, "promcheck: " + err)
    c.check(("\nlocust_up %d\n" % up).encode() in body, name, "locust_up is not %d" % up)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--wrapper", default="")
    a = ap.parse_args()
    wrapper = shlex.split(a.wrapper)
    slow = bool(wrapper)
    install_cleanup()
    c = Results(quiet=True, limit=None)
    vs = variants()
    locust = Healthy()
    exp = Exporter(locust.uri, args=["--locust.timeout=%s" % ("20s" if slow else "5s"), "--log.level=warn"],
                   wrapper=wrapper, ready_s=120 if slow else 30)
    try:
        for i in range(a.scrapes):
            name, locust.variant, up = vs[i % len(vs)]
            scrape_once(c, exp, "scrape %d (%s)" % (i, name), up, use_gzip=i % 4 == 3)
        for path, want in (("/", 200), ("/-/healthy", 200), ("/nope", 404), ("/metrics/x", 404)):
            status = http(exp.url + path, timeout=60)[0]
            c.check(status == want, "GET " + path, "HTTP %s, want %s" % (status, want))
    finally:
        rc = exp.stop(timeout=180 if slow else 30)
        locust.close()
    out = exp.output()
    c.check(rc == 0, "exporter exit status", "%s (0 wanted)" % rc)
    m = REPORT.search(out)
    c.check(m is None, "sanitizer/valgrind report", m.group(0) if m else "")
    if c.failed:
        print("--- exporter output (tail) ---\n" + out[-6000:])
    print("smoke: %d scrapes of %d variants%s" % (a.scrapes, len(vs), " under " + wrapper[0] if wrapper else ""))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
