"""Shared helpers of the exporter's integration and fault tests.

Processes started here are tracked and killed by cleanup() (the scripts
call it from `finally` and from a SIGTERM handler).  Everything runs on
127.0.0.1; every wait is bounded.
"""
import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
O = os.environ.get("O", "build")
EXPORTER = os.path.join(ROOT, O, "locust_exporter")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "locust")
PYTHON = "/usr/bin/python3"

_procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(argv, **kw):
    kw.setdefault("stdout", subprocess.DEVNULL)
    kw.setdefault("stderr", subprocess.DEVNULL)
    p = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, **kw)
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=5.0):
    """Stop one process we started (its whole process group)."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(5)
    return p.returncode


def cleanup(*_):
    for p in reversed(_procs):
        stop(p, wait=3.0)


def install_signal_cleanup():
    def on_term(sig, frame):
        cleanup()
        sys.exit(1)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)


def http(url, timeout=10.0, headers=None, data=None):
    """(status, headers, body) for any status; raises on transport errors."""
    req = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_http(url, deadline_s=15.0, proc=None):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (url, proc.returncode))
        try:
            return http(url, timeout=2.0)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("no answer from %s within %.0fs" % (url, deadline_s))


def start_exporter(uri, *flags, port=None):
    port = port or free_port()
    p = spawn([EXPORTER, "--locust.uri=" + uri, "--web.listen-address=127.0.0.1:%d" % port,
               "--log.level=error"] + list(flags))
    wait_http("http://127.0.0.1:%d/-/healthy" % port, proc=p)
    return p, "http://127.0.0.1:%d" % port


def start_fake(fixture=None, port=None):
    argv = [PYTHON, os.path.join(ROOT, "tests", "fakes", "fake_locust.py")]
    if port:
        argv += ["--port", str(port)]
    if fixture:
        argv += ["--fixture", fixture]
    p = spawn(argv, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    if not line.startswith("PORT "):
        raise RuntimeError("fake_locust did not start: %r" % line)
    return p, "http://127.0.0.1:%d" % int(line.split()[1])


# ---- exposition format ----------------------------------------------------------


def _unescape(s, i):
    """Read a label value starting after the opening quote; (value, next index)."""
    out = []
    while True:
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            out.append({"\\": "\\", '"': '"', "n": "\n"}[n])
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        elif c == "\n":
            raise ValueError("bare newline in label value")
        else:
            out.append(c)
            i += 1


def parse_exposition(text):
    """Samples [(name, {label: value}, float)] and {family: (type, help)}.

    Strict: raises ValueError on anything the text format 0.0.4 does not allow."""
    samples, meta = [], {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, rest = line[2:6], line[7:]
            name, _, val = rest.partition(" ")
            t, h = meta.get(name, (None, None))
            if kind == "TYPE":
                if t is not None:
                    raise ValueError("second TYPE for " + name)
                t = val
            else:
                if h is not None:
                    raise ValueError("second HELP for " + name)
                h = val.replace("\\n", "\n").replace("\\\\", "\\")
            meta[name] = (t, h)
            continue
        if line.startswith("#"):
            continue
        i = 0
        while i < len(line) and line[i] not in "{ ":
            i += 1
        name, labels = line[:i], {}
        if i < len(line) and line[i] == "{":
            i += 1
            while line[i] != "}":
                j = line.index("=", i)
                lname = line[i:j]
                if line[j + 1] != '"':
                    raise ValueError("unquoted label value in " + line[:80])
                v, i = _unescape(line, j + 2)
                if lname in labels:
                    raise ValueError("repeated label " + lname)
                labels[lname] = v
                if line[i] == ",":
                    i += 1
            i += 1
        if line[i] != " ":
            raise ValueError("no space before the value: " + line[:80])
        samples.append((name, labels, float(line[i + 1:].split(" ")[0])))
    return samples, meta


def value(samples, metric_, **labels):
    """The value of the one sample with that name and exactly those labels, or None."""
    for n, l, v in samples:
        if n == metric_ and l == labels:
            return v
    return None


def series(samples, name):
    return [(l, v) for n, l, v in samples if n == name]


def scrape(base, path="/metrics", timeout=30.0, headers=None):
    t0 = time.monotonic()
    status, hdrs, body = http(base + path, timeout=timeout, headers=headers)
    elapsed = time.monotonic() - t0
    if hdrs.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return status, body.decode("utf-8"), elapsed


def promtool_check(text):
    """(exit code, output) of `promtool check metrics` on text."""
    exe = shutil.which("promtool") or "/usr/bin/promtool"
    r = subprocess.run([exe, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).decode()


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("ok   " + what)
        else:
            self.failed += 1
            print("FAIL " + what + ("" if not detail else ": " + str(detail)[:2000]))
        return cond

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0
