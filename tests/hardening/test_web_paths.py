#!/usr/bin/python3
"""The exporter serves no files from disk, whatever the path, and
--web.disable-exit turns /quitquitquit into a 404.

Paths are sent byte for byte (http.client, no client-side normalisation):
../ traversal, percent-encoded dots and slashes, absolute file names and
files that exist relative to the exporter's working directory (the
repository root).  Every answer must be an error without file content.
"""
import http.client
import os

from hcommon import ROOT, Exporter, check, finish

PASSWD = "root:x:0:0"


def raw_get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
        c.endheaders()
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        c.close()


def test_no_files():
    with open(os.path.join(ROOT, "Makefile")) as f:
        makefile_line = f.readline().strip()
    ex = Exporter("--locust.uri=http://127.0.0.1:1")
    check(ex.ready, "exporter starts")
    paths = [
        "/etc/passwd", "//etc/passwd", "/../../../../etc/passwd", "/./etc/passwd",
        "/metrics/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/%252e%252e/%252e%252e/etc/passwd", "/..\\..\\..\\etc\\passwd", "/%c0%ae%c0%ae/etc/passwd",
        "/Makefile", "/./Makefile", "/exporter/server.c", "/%2e/Makefile", "/.git/config",
        "/metrics/../Makefile", "/-/healthy/../../Makefile", "/probe/../../Makefile",
        "/index.html", "/favicon.ico", "/../", "/%00", "/metrics%00.txt",
    ]
    for p in paths:
        try:
            code, body = raw_get(ex.port, p)
        except (OSError, http.client.HTTPException) as e:
            code, body = 0, str(e)
        leaked = PASSWD in body or makefile_line in body or "[core]" in body or "#include" in body
        landing = code == 200 and "<h1>Locust Exporter</h1>" in body  # dot segments removed: "/"
        check((code in (0, 400, 404) or (landing and p == "/../")) and not leaked,
              "%s -> %d, no file content" % (p, code))
    check(raw_get(ex.port, "/metrics")[0] == 200 and ex.alive(), "still serving /metrics afterwards")
    ex.stop()


def test_disable_exit():
    ex = Exporter("--locust.uri=http://127.0.0.1:1", "--web.disable-exit")
    code, _ = raw_get(ex.port, "/quitquitquit")
    check(code == 404, "--web.disable-exit: /quitquitquit -> %d" % code)
    try:
        ex.proc.wait(1)
    except Exception:
        pass
    check(ex.alive() and raw_get(ex.port, "/-/healthy")[0] == 200, "--web.disable-exit: still running")
    ex.stop()

    env = dict(os.environ, LOCUST_EXPORTER_WEB_DISABLE_EXIT="true")
    ex = Exporter("--locust.uri=http://127.0.0.1:1", env=env)
    check(raw_get(ex.port, "/quitquitquit")[0] == 404 and ex.alive(),
          "LOCUST_EXPORTER_WEB_DISABLE_EXIT=true: /quitquitquit -> 404")
    ex.stop()

    ex = Exporter("--locust.uri=http://127.0.0.1:1")
    code, _ = raw_get(ex.port, "/quitquitquit")
    try:
        rc = ex.proc.wait(10)
    except Exception:
        rc = None
    check(code == 200 and rc == 0, "default: /quitquitquit -> %d, exit %s" % (code, rc))


def main():
    test_no_files()
    test_disable_exit()
    finish()


if __name__ == "__main__":
    main()
