#!/usr/bin/python3
"""The exporter's own endpoint with --web.config.file: HTTPS, mTLS, basic auth.

Certificates come from the openssl CLI in a temp dir, curl is the client.
- HTTPS scrape trusted through the test CA (sequential, keep-alive and
  parallel; the process must survive: civetweb 1.15 + OpenSSL 3 used to
  crash on the first HTTPS request), plain HTTP to it fails, min_version.
- mTLS (RequireAndVerifyClientCert): no client cert and a cert from another
  CA are refused, the right one works; VerifyClientCertIfGiven.
- Basic auth over HTTPS and HTTP: right 200, wrong/unknown/none/malformed
  401 with WWW-Authenticate, health checks open, the failure counter exact.
- Without the libssl.so compat object next to the binary, HTTPS refuses to
  start with one clear line instead of crashing.
"""
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from hcommon import (BUILD, EXPORTER, Exporter, check, curl, finish, make_pki, bcrypt,
                     samples)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def web_config(d, name, tls=None, users=None):
    lines = []
    if tls:
        lines.append("tls_server_config:")
        lines += ["  %s: %s" % kv for kv in tls.items()]
    if users:
        lines.append("basic_auth_users:")
        lines += ["  %s: '%s'" % kv for kv in users.items()]
    return write(os.path.join(d, name), "\n".join(lines) + "\n")


def test_https(d, pki):
    # Relative file names resolve against the config file's directory.
    cfg = web_config(d, "tls.yml", {"cert_file": "server.crt", "key_file": "server.key"})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    check(ex.ready, "HTTPS exporter starts")
    url = "https://127.0.0.1:%d" % ex.port
    ca = ("--cacert", pki["ca"][1])
    rc, code, _, body = curl(url + "/metrics", *ca)
    check(rc == 0 and code == 200 and "locust_up 0" in body,
          "HTTPS scrape verified with the test CA: %d %d" % (rc, code))
    rc, code, _, _ = curl(url + "/metrics")
    check(rc != 0 and code == 0, "HTTPS without the CA is refused by curl (rc %d)" % rc)
    # Several requests on one connection, then many connections at once.
    out = subprocess.run(["curl", "-sS", "--max-time", "10", *ca, "-o", "/dev/null", "-o", "/dev/null",
                          "-w", "%{http_code} %{num_connects}\n", url + "/-/healthy", url + "/metrics"],
                         capture_output=True, timeout=15).stdout.decode().split()
    check(out == ["200", "1", "200", "0"], "two requests on one keep-alive TLS connection: %s" % out)
    with ThreadPoolExecutor(16) as pool:
        res = list(pool.map(lambda _: curl(url + "/metrics", *ca)[:2], range(64)))
    check(all(r == (0, 200) for r in res), "64 parallel HTTPS scrapes all 200")
    rc, code, _, _ = curl("http://127.0.0.1:%d/metrics" % ex.port)
    check(code != 200, "plain HTTP to the HTTPS port gets no metrics (rc %d, code %d)" % (rc, code))
    check(ex.alive(), "exporter still running after the HTTPS requests")
    check("HTTPS" in ex.log() and "web config" in ex.log(), "startup log names the web config and HTTPS")
    check(ex.stop() == 0, "clean exit on SIGTERM")

    cfg = web_config(d, "tls13.yml", {"cert_file": "server.crt", "key_file": "server.key",
                                      "min_version": "TLS13"})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    url = "https://127.0.0.1:%d/metrics" % ex.port
    check(curl(url, *ca, "--tlsv1.3")[:2] == (0, 200), "min_version TLS13: a TLS 1.3 client works")
    rc, code, _, _ = curl(url, *ca, "--tls-max", "1.2")
    check(rc != 0 and code == 0, "min_version TLS13: a TLS 1.2-only client is refused (rc %d)" % rc)
    ex.stop()


def test_mtls(d, pki):
    cfg = web_config(d, "mtls.yml", {"cert_file": pki["server"][1], "key_file": pki["server"][0],
                                     "client_ca_file": pki["client_ca"][1],
                                     "client_auth_type": "RequireAndVerifyClientCert"})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    check(ex.ready, "mTLS exporter starts")
    url = "https://127.0.0.1:%d/metrics" % ex.port
    ca = ("--cacert", pki["ca"][1])
    rc, code, _, _ = curl(url, *ca)
    check(rc != 0 and code == 0, "mTLS: no client certificate is refused (rc %d)" % rc)
    rc, code, _, _ = curl(url, *ca, "--cert", pki["rogue_client"][1], "--key", pki["rogue_client"][0])
    check(rc != 0 and code == 0, "mTLS: a client cert from another CA is refused (rc %d)" % rc)
    rc, code, _, body = curl(url, *ca, "--cert", pki["client"][1], "--key", pki["client"][0])
    check(rc == 0 and code == 200 and "locust_up" in body, "mTLS: the right client cert scrapes (%d %d)" % (rc, code))
    check(ex.alive(), "exporter alive after refused and accepted client certs")
    ex.stop()

    cfg = web_config(d, "mtls-opt.yml", {"cert_file": pki["server"][1], "key_file": pki["server"][0],
                                         "client_ca_file": pki["client_ca"][1],
                                         "client_auth_type": "VerifyClientCertIfGiven"})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    url = "https://127.0.0.1:%d/metrics" % ex.port
    check(curl(url, *ca)[:2] == (0, 200), "VerifyClientCertIfGiven: no client cert is fine")
    rc, code, _, _ = curl(url, *ca, "--cert", pki["rogue_client"][1], "--key", pki["rogue_client"][0])
    check(code == 0, "VerifyClientCertIfGiven: a wrong client cert is refused (rc %d)" % rc)
    ex.stop()


def auth_cases(url, opts, label):
    """Right, wrong, unknown, none, malformed; returns (missing, invalid) sent."""
    rc, code, _, body = curl(url + "/metrics", *opts, "-u", "alice:correct horse")
    check(code == 200 and "locust_up" in body, "%s: right credentials 200" % label)
    for who, extra in (("wrong password", ["-u", "alice:wrong"]),
                       ("unknown user", ["-u", "mallory:correct horse"]),
                       ("malformed header", ["-H", "Authorization: Basic !!!notbase64"]),
                       ("bearer token", ["-H", "Authorization: Bearer abc"])):
        rc, code, hdr, _ = curl(url + "/metrics", *opts, *extra)
        check(code == 401 and "www-authenticate: basic" in hdr.lower(),
              "%s: %s -> 401 with WWW-Authenticate (got %d)" % (label, who, code))
    for path in ("/metrics", "/", "/quitquitquit", "/probe?target=http://127.0.0.1:1"):
        rc, code, hdr, _ = curl(url + path, *opts)
        check(code == 401, "%s: no credentials on %s -> 401 (got %d)" % (label, path, code))
    check(curl(url + "/-/healthy", *opts)[1] == 200, "%s: /-/healthy needs no credentials" % label)
    return 4, 4


def test_basic_auth(d, pki):
    # htpasswd writes $2y$ hashes; libcrypt treats them like $2b$.
    users = {"alice": bcrypt("correct horse"), "bob": bcrypt("other", cost=5).replace("$2b$", "$2y$", 1)}
    cfg = web_config(d, "auth-tls.yml", {"cert_file": "server.crt", "key_file": "server.key"}, users)
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    check(ex.ready, "HTTPS + basic auth exporter starts")
    url = "https://127.0.0.1:%d" % ex.port
    opts = ("--cacert", pki["ca"][1])
    missing, invalid = auth_cases(url, opts, "HTTPS")
    rc, code, _, body = curl(url + "/metrics", *opts, "-u", "bob:other")
    check(code == 200, "second user ($2y$ hash, another bcrypt cost) works")
    s = samples(body)
    check(s.get('locust_exporter_http_auth_failures_total{reason="missing"}') == missing and
          s.get('locust_exporter_http_auth_failures_total{reason="invalid"}') == invalid,
          "failure counter: missing=%s invalid=%s" % (
              s.get('locust_exporter_http_auth_failures_total{reason="missing"}'),
              s.get('locust_exporter_http_auth_failures_total{reason="invalid"}')))
    # Repeated good scrapes hit the remembered digest; a changed password must not.
    for _ in range(3):
        curl(url + "/metrics", *opts, "-u", "alice:correct horse")
    check(curl(url + "/metrics", *opts, "-u", "alice:correct horsE")[1] == 401,
          "after cached successes a one-letter change is still refused")
    check(ex.alive(), "exporter alive")
    ex.stop()

    cfg = web_config(d, "auth-plain.yml", None, {"alice": users["alice"]})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1")
    auth_cases("http://127.0.0.1:%d" % ex.port, (), "HTTP")
    ex.stop()


def test_compat_guard(d, pki):
    """A copy of the binary without its compat objects must refuse HTTPS."""
    lone = os.path.join(d, "lone")
    os.mkdir(lone)
    shutil.copy(EXPORTER, lone)
    cfg = web_config(d, "guard.yml", {"cert_file": "server.crt", "key_file": "server.key"})
    ex = Exporter("--web.config.file=" + cfg, "--locust.uri=http://127.0.0.1:1",
                  binary=os.path.join(lone, "locust_exporter"))
    rc = ex.proc.wait(10)
    log = ex.log()
    check(rc not in (0, None) and rc > 0 and "libssl.so" in log and len(log.strip().splitlines()) == 1,
          "without libssl.so beside it: exit %s with one line: %s" % (rc, log.strip()[:160]))
    check(os.path.exists(os.path.join(BUILD, "libssl.so")) and os.path.exists(os.path.join(BUILD, "libcrypto.so")),
          "libssl.so and libcrypto.so are built next to the binary")


def main():
    with tempfile.TemporaryDirectory(prefix="le-webtls-") as d:
        pki = make_pki(d)
        test_https(d, pki)
        test_mtls(d, pki)
        test_basic_auth(d, pki)
        test_compat_guard(d, pki)
    finish()


if __name__ == "__main__":
    main()
