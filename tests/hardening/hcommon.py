"""Shared helpers of the hardening tests (tests/hardening.mk), on top of
tests/testkit.py (tally, ports, processes, fake servers, sample parsing).

The exporter as a child process with its log in a file, a test PKI made
with the openssl CLI, curl as the HTTPS client, and fake Locust servers
(plain or TLS).  Everything stays on 127.0.0.1 and every wait is bounded.
"""
import os
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# Re-exported for the test scripts beside this file: BUILD, LOCUST, PYTHON, samples.
from testkit import (BUILD, EXPORTER, LOCUST, PYTHON, ROOT, Results, free_port,  # noqa: E402,F401
                     install_cleanup, samples, serve, spawn, stop, wait_port)

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "locust", "2.12.1", "stats_requests.json")
RESULTS = Results()
check = RESULTS.check
finish = RESULTS.exit
install_cleanup()


class Exporter:
    """locust_exporter on a free port; stderr goes to a file (self.log())."""

    def __init__(self, *args, env=None, tmp=None, binary=EXPORTER):
        self.port = free_port()
        self.logpath = tempfile.mkstemp(prefix="exporter-", suffix=".log", dir=tmp)[1]
        self.logf = open(self.logpath, "wb")
        self.args = [binary, "--web.listen-address=127.0.0.1:%d" % self.port, *args]
        self.proc = spawn(self.args, stdout=self.logf, stderr=self.logf, env=env)
        self.ready = wait_port(self.port, self.proc)

    def log(self):
        if not self.logf.closed:
            self.logf.flush()
        with open(self.logpath, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        rc = stop(self.proc, wait=10)
        self.logf.close()
        log = self.log()
        if "Sanitizer" in log or "runtime error:" in log:  # SANITIZE=1 builds
            check(False, "sanitizer report from %s:\n%s" % (" ".join(self.args[1:]), log[-3000:]))
        return rc


def run_exporter_once(*args, timeout=10):
    """Run the exporter expecting it to exit (bad config): (rc, stdout, stderr)."""
    port = free_port()
    p = subprocess.run([EXPORTER, "--web.listen-address=127.0.0.1:%d" % port, *args],
                       capture_output=True, timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def curl(url, *opts, timeout=10):
    """(exit code, HTTP status or 0, headers, body) of one curl request."""
    with tempfile.NamedTemporaryFile() as hdr, tempfile.NamedTemporaryFile() as body:
        p = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-D", hdr.name,
                            "-o", body.name, "-w", "%{http_code}", *opts, url],
                           capture_output=True, timeout=timeout + 5)
        code = int(p.stdout.decode() or "0")
        return (p.returncode, code, open(hdr.name, "rb").read().decode(errors="replace"),
                open(body.name, "rb").read().decode(errors="replace"))


def scrape_until(url, key, want, *opts, timeout=8.0):
    """Scrape until samples[key] == want (bounded); the last samples."""
    end = time.monotonic() + timeout
    s = {}
    while time.monotonic() < end:
        rc, code, _, body = curl(url, *opts)
        if rc == 0 and code == 200:
            s = samples(body)
            if s.get(key) == want:
                return s
        time.sleep(0.2)
    return s


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
            "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, crt


def make_cert(d, name, ca, server=True):
    """A leaf certificate signed by ca = (key, crt); server ones are for 127.0.0.1."""
    key, csr, crt = (os.path.join(d, name + e) for e in (".key", ".csr", ".crt"))
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        if server:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        else:
            f.write("extendedKeyUsage=clientAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
    return key, crt


def make_pki(d):
    """CA + server cert, client CA + client cert, and an unrelated CA's client cert."""
    pki = {}
    pki["ca"] = make_ca(d, "ca")
    pki["server"] = make_cert(d, "server", pki["ca"])
    pki["client_ca"] = make_ca(d, "client-ca")
    pki["client"] = make_cert(d, "client", pki["client_ca"], server=False)
    pki["rogue_ca"] = make_ca(d, "rogue-ca")
    pki["rogue_client"] = make_cert(d, "rogue-client", pki["rogue_ca"], server=False)
    return pki


def bcrypt(password, cost=4):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** cost))


def fake_server(handler, tls=None):
    """Serve handler(request) -> (status, headers dict, body bytes) on a free
    port; tls is an ssl.SSLContext or None.  Returns (server, paths seen)."""
    seen = []

    def answer(req):
        seen.append(req.path)
        return handler(req)
    return serve(answer, tls), seen


def stats_handler(prefix=""):
    """A Locust stand-in: the real 2.12.1 payload at prefix/stats/requests."""
    with open(FIXTURE, "rb") as f:
        body = f.read()

    def handle(req):
        if req.path == prefix + "/stats/requests":
            return 200, {"Content-Type": "application/json"}, body
        return 404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>"
    return handle


def server_tls(pki, require_client=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["server"][1], pki["server"][0])
    if require_client:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pki["client_ca"][1])
    return ctx
