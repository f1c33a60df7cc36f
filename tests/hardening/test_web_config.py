#!/usr/bin/python3
"""--web.config.file errors: the exporter refuses to start, quickly, with a
non-zero exit and one log line that names the file and the problem, and
never listens.  Also: an empty file and a null section mean plain HTTP.
"""
import os
import tempfile

from hcommon import Exporter, bcrypt, check, curl, finish, make_ca, make_cert, run_exporter_once

HASH = None


def cases(d):
    """(name, yaml text, substring expected in the error line)."""
    return [
        ("yaml syntax", "tls_server_config: [unclosed\n", "line"),
        ("not a mapping", "- a\n- b\n", "must be a mapping"),
        ("unknown key", "tls_server_confg:\n  cert_file: x\n", "unknown key tls_server_confg"),
        ("unknown tls key", "tls_server_config:\n  certfile: x\n", "unknown key tls_server_config.certfile"),
        ("cert without key", "tls_server_config:\n  cert_file: server.crt\n", "both cert_file and key_file"),
        ("missing cert file", "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n",
         "nope.crt"),
        ("key of another cert", "tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n",
         "mismatch"),
        ("bad min_version", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                            "  min_version: TLS14\n", "TLS14"),
        ("max below min", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                          "  min_version: TLS13\n  max_version: TLS12\n", "max_version"),
        ("bad client_auth_type", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                                 "  client_auth_type: Sometimes\n", "Sometimes"),
        ("CA without auth type", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                                 "  client_ca_file: ca.crt\n", "client_auth_type"),
        ("verify without CA", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                              "  client_auth_type: RequireAndVerifyClientCert\n", "client_ca_file"),
        ("client auth without TLS", "tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
         "need TLS"),
        ("unsupported cipher_suites", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                                      "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "not supported"),
        ("plain-text password", "basic_auth_users:\n  alice: hunter2\n", "not a bcrypt hash"),
        ("sha512-crypt hash", "basic_auth_users:\n  alice: '$6$salt$" + "x" * 86 + "'\n", "not a bcrypt hash"),
        ("malformed bcrypt", "basic_auth_users:\n  alice: '$2y$10$" + "!" * 53 + "'\n", "malformed"),
        ("user twice", "basic_auth_users:\n  alice: '%s'\n  alice: '%s'\n" % (HASH, HASH), "twice"),
        ("user with colon", "basic_auth_users:\n  'a:b': '%s'\n" % HASH, "contains ':'"),
        ("users not a mapping", "basic_auth_users: [alice]\n", "must be a mapping"),
        ("headers unsupported", "http_server_config:\n  headers:\n    X-A: b\n", "not supported"),
    ]


def main():
    global HASH
    HASH = bcrypt("pw")
    with tempfile.TemporaryDirectory(prefix="le-webcfg-") as d:
        ca = make_ca(d, "ca")
        make_cert(d, "server", ca)
        make_cert(d, "other", ca)
        for name, text, want in cases(d):
            path = os.path.join(d, name.replace(" ", "_") + ".yml")
            with open(path, "w") as f:
                f.write(text)
            rc, out, err = run_exporter_once("--web.config.file=" + path, "--locust.uri=http://127.0.0.1:1")
            lines = err.strip().splitlines()
            check(rc in (1, 2) and len(lines) == 1 and want in lines[0] and os.path.basename(path) in lines[0]
                  and "level=error" in lines[0],
                  "%s: exit %d, %s" % (name, rc, lines[0][:150] if lines else "no output"))
        rc, _, err = run_exporter_once("--web.config.file=" + os.path.join(d, "absent.yml"))
        check(rc in (1, 2) and "absent.yml" in err and "No such file" in err,
              "missing file: exit %d, %s" % (rc, err.strip()[:120]))

        for name, text in (("empty file", ""), ("null sections", "tls_server_config:\nbasic_auth_users:\n"),
                           ("http2 flag", "http_server_config:\n  http2: true\n")):
            path = os.path.join(d, "ok.yml")
            with open(path, "w") as f:
                f.write(text)
            ex = Exporter("--web.config.file=" + path, "--locust.uri=http://127.0.0.1:1")
            code = curl("http://127.0.0.1:%d/metrics" % ex.port)[1] if ex.ready else 0
            check(code == 200, "%s: plain HTTP without auth (%d)" % (name, code))
            ex.stop()
    finish()


if __name__ == "__main__":
    main()
