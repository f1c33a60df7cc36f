#!/usr/bin/python3
"""The exporter as a TLS client of Locust, and Locust URIs it must read right.

A Python HTTPS server on 127.0.0.1 with a certificate from a CA made by the
test (openssl CLI) answers the real 2.12.1 /stats/requests payload.
- Verification is on by default: the untrusted certificate gives
  locust_up 0 and reason="tls"; a wrong --locust.ca-file too.
- --locust.ca-file with the right CA, and --locust.insecure-skip-verify, work.
- A Locust that requires client certificates: --locust.cert-file and
  --locust.key-file work; without them the scrape fails.
- --web-login (2.21+): a 302 to /login gives reason="auth" and a log line
  that says what to do.
- --web-base-path (2.32.2+): --locust.uri=http://host:port/locust fetches
  /locust/stats/requests (with and without a trailing slash).
"""
import tempfile

from hcommon import (Exporter, check, fake_server, finish, make_pki, samples, curl,
                     scrape_until, server_tls, stats_handler)

TLS = 'locust_exporter_scrape_errors_total{reason="tls"}'
AUTH = 'locust_exporter_scrape_errors_total{reason="auth"}'


def scrape(ex):
    rc, code, _, body = curl("http://127.0.0.1:%d/metrics" % ex.port)
    return samples(body) if code == 200 else {}


def exporter_up(uri, *args):
    """Start an exporter on uri; (exporter, samples once up is 1 or after the wait)."""
    ex = Exporter("--locust.uri=" + uri, "--locust.timeout=3s", *args)
    s = scrape_until("http://127.0.0.1:%d/metrics" % ex.port, "locust_up", 1.0, timeout=6)
    return ex, s


def test_server_verification(pki):
    srv, seen = fake_server(stats_handler(), tls=server_tls(pki))
    uri = "https://127.0.0.1:%d" % srv.server_address[1]

    ex = Exporter("--locust.uri=" + uri, "--locust.timeout=3s")
    s = scrape(ex)
    check(s.get("locust_up") == 0 and s.get(TLS, 0) >= 1,
          "default verification: untrusted cert -> locust_up 0, reason tls (%s)" % s.get(TLS))
    check("tls" in ex.log() and "certificate" in ex.log().lower(), "the failure is logged with the TLS cause")
    ex.stop()

    ex = Exporter("--locust.uri=" + uri, "--locust.timeout=3s", "--locust.ca-file=" + pki["rogue_ca"][1])
    s = scrape(ex)
    check(s.get("locust_up") == 0 and s.get(TLS, 0) >= 1, "a CA file of another CA -> reason tls")
    ex.stop()

    ex, s = exporter_up(uri, "--locust.ca-file=" + pki["ca"][1])
    check(s.get("locust_up") == 1 and s.get('locust_requests_num_requests{method="GET",name="/"}', 0) > 0,
          "--locust.ca-file with the test CA -> locust_up 1 with stats")
    ex.stop()

    ex, s = exporter_up(uri, "--locust.insecure-skip-verify")
    check(s.get("locust_up") == 1, "--locust.insecure-skip-verify -> locust_up 1")
    ex.stop()

    ex, s = exporter_up(uri.replace("127.0.0.1", "localhost"), "--locust.ca-file=" + pki["ca"][1])
    check(s.get("locust_up") == 1, "the certificate's DNS name (localhost) verifies too")
    ex.stop()


def test_client_certificate(pki):
    srv, seen = fake_server(stats_handler(), tls=server_tls(pki, require_client=True))
    uri = "https://127.0.0.1:%d" % srv.server_address[1]
    ca = "--locust.ca-file=" + pki["ca"][1]

    ex, s = exporter_up(uri, ca, "--locust.cert-file=" + pki["client"][1],
                        "--locust.key-file=" + pki["client"][0])
    check(s.get("locust_up") == 1, "mTLS to Locust with --locust.cert-file/--locust.key-file -> up 1")
    ex.stop()

    ex = Exporter("--locust.uri=" + uri, "--locust.timeout=3s", ca)
    s = scrape(ex)
    failed = {k: v for k, v in s.items() if k.startswith("locust_exporter_scrape_errors_total") and v}
    # Usually the TLS 1.3 "certificate required" alert is read (reason tls);
    # when the server closes first the client only sees the reset (io).
    check(s.get("locust_up") == 0 and list(failed) in (['locust_exporter_scrape_errors_total{reason="tls"}'],
                                                      ['locust_exporter_scrape_errors_total{reason="io"}']),
          "mTLS to Locust without a client cert -> up 0, reason tls or io (%s)" % failed)
    ex.stop()

    ex = Exporter("--locust.uri=" + uri, "--locust.timeout=3s", ca,
                  "--locust.cert-file=" + pki["rogue_client"][1], "--locust.key-file=" + pki["rogue_client"][0])
    s = scrape(ex)
    check(s.get("locust_up") == 0, "mTLS to Locust with a cert of another CA -> up 0")
    ex.stop()


def test_web_login():
    def login(req):
        return 302, {"Location": "/login?next=%2Fstats%2Frequests", "Content-Type": "text/html"}, \
            b'<a href="/login?next=%2Fstats%2Frequests">/login</a>'
    srv, seen = fake_server(login)
    ex = Exporter("--locust.uri=http://127.0.0.1:%d" % srv.server_address[1])
    s = scrape(ex)
    log = ex.log()
    check(s.get("locust_up") == 0 and s.get(AUTH) == 1, "--web-login redirect -> reason auth (%s)" % s.get(AUTH))
    line = next((l for l in log.splitlines() if "auth" in l and "login" in l), "")
    check("--web-login" in line and "level=warn" in line,
          "log line says what to do: %s" % line[:200])
    ex.stop()


def test_base_path():
    srv, seen = fake_server(stats_handler("/locust"))
    base = "http://127.0.0.1:%d/locust" % srv.server_address[1]
    for uri in (base, base + "/"):
        del seen[:]
        ex, s = exporter_up(uri)
        check(s.get("locust_up") == 1 and seen and set(seen) == {"/locust/stats/requests"},
              "--locust.uri=%s fetches %s" % (uri, sorted(set(seen))))
        ex.stop()
    # Without the path the same server is a 404: the base path is what made it work.
    ex = Exporter("--locust.uri=http://127.0.0.1:%d" % srv.server_address[1])
    s = scrape(ex)
    check(s.get("locust_up") == 0, "the same server without the base path -> up 0")
    ex.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="le-locusttls-") as d:
        pki = make_pki(d)
        test_server_verification(pki)
        test_client_certificate(pki)
    test_web_login()
    test_base_path()
    finish()


if __name__ == "__main__":
    main()
