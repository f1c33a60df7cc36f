"""Generic helpers shared by every Python test script under tests/.

Scripts import it with a path insert based on their own file, so they run
from any working directory:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import testkit

What it owns:
- paths: the repository root, the build dir from $O (default `build`) and
  the binaries in it, /usr/bin/python3, tools/locust;
- child processes: spawn() starts one in its own process group and tracks
  it; stop() sends a signal, waits, then SIGKILLs the group; cleanup() stops
  every process and fake server started here, and install_cleanup() runs it
  at exit and on SIGTERM/SIGINT.  Only what was started here is signalled;
- loopback HTTP: free_port(), http() (status, headers, body for any status,
  never through a proxy), wait_http(), wait_port(), and serve() for small
  fake HTTP(S) servers in a thread;
- the Prometheus text format: parse_exposition() (strict, unescapes label
  values), value()/series() over its samples, samples() as a plain
  {"name{labels}": value} dict, promtool_check();
- Results: a tally of named checks that prints `N passed, N failed` and
  gives a non-zero exit status on any failure (or when nothing passed).

Every wait is bounded; everything runs on 127.0.0.1.
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
O = os.environ.get("O", "build")
BUILD = os.path.join(ROOT, O)
EXPORTER = os.path.join(BUILD, "locust_exporter")
DEMO_APP = os.path.join(BUILD, "demo-app")
PYTHON = "/usr/bin/python3"
LOCUST = os.path.join(ROOT, "tools", "locust")

_procs = []
_servers = []

# ---- child processes ------------------------------------------------------------


def spawn(argv, **kw):
    """Popen in a new session (so stop() can signal its whole group), cwd the
    repository root and output discarded unless given; tracked for cleanup()."""
    kw.setdefault("stdout", subprocess.DEVNULL)
    kw.setdefault("stderr", subprocess.DEVNULL)
    kw.setdefault("cwd", ROOT)
    kw["start_new_session"] = True
    p = subprocess.Popen(argv, **kw)
    _procs.append(p)
    return p


def _signal_group(p, sig):
    try:
        os.killpg(p.pid, sig)
    except ProcessLookupError:
        pass


# Under a slow wrapper (valgrind) processes need longer to exit cleanly.
STOP_WAIT = float(os.environ.get("TESTKIT_STOP_WAIT", "5"))


def stop(p, sig=signal.SIGTERM, wait=None):
    """Send sig to a process started by spawn() (its group) and wait up to
    `wait` seconds (default STOP_WAIT); then SIGKILL.  Its exit status, None
    if it was killed."""
    wait = STOP_WAIT if wait is None else wait
    if p.poll() is None:
        _signal_group(p, sig)
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            _signal_group(p, signal.SIGKILL)
            p.wait(5)
            return None
    return p.returncode


def cleanup(*_):
    """Stop every process and fake server started here (newest first)."""
    while _procs:
        stop(_procs.pop(), wait=3.0)
    while _servers:
        srv = _servers.pop()
        srv.shutdown()
        srv.server_close()


def install_cleanup():
    """cleanup() at exit and on SIGTERM/SIGINT (then exit status 1)."""
    def on_signal(sig, frame):
        cleanup()
        sys.exit(1)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


# ---- loopback HTTP --------------------------------------------------------------

# No proxy for loopback, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, timeout=10.0, headers=None, data=None, method=None):
    """(status, headers dict, body bytes) for any HTTP status; transport
    errors (refused, timeout, reset) raise OSError."""
    req = urllib.request.Request(url, headers=headers or {}, data=data, method=method)
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_http(url, deadline_s=15.0, proc=None):
    """The first answer (any status) of url, polled until deadline_s; raises
    RuntimeError when proc exits first or nothing answers in time."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (url, proc.returncode))
        try:
            return http(url, timeout=2.0)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("no answer from %s within %.0fs" % (url, deadline_s))


def wait_port(port, proc=None, timeout=10.0):
    """True once 127.0.0.1:port accepts connections; False when proc exits
    first or after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write (no Nagle stall)
    disable_nagle_algorithm = True

    def do_GET(self):
        status, headers, body = self.server.answer(self)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on a long answer: what fault tests do

    def log_message(self, *a):
        pass


def serve(answer, tls=None):
    """A fake HTTP server on a free loopback port, in a daemon thread:
    answer(request) -> (status, headers dict, body bytes) for every GET.
    tls: an ssl.SSLContext or None.  The server has .port and .url and is
    shut down by cleanup()."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.answer = answer
    if tls is not None:
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    srv.port = srv.server_address[1]
    srv.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", srv.port)
    _servers.append(srv)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---- Prometheus text format -----------------------------------------------------


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
    samples_, meta = [], {}
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
        samples_.append((name, labels, float(line[i + 1:].split(" ")[0])))
    return samples_, meta


def value(samples_, metric_, **labels):
    """The value of the one sample with that name and exactly those labels, or None."""
    for n, l, v in samples_:
        if n == metric_ and l == labels:
            return v
    return None


def series(samples_, name):
    return [(l, v) for n, l, v in samples_ if n == name]


def samples(text):
    """{'name{labels}': value} for every sample line, labels as written."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
    return out


def promtool_check(text):
    """(exit code, output) of `promtool check metrics` on text (str or bytes)."""
    exe = shutil.which("promtool") or "/usr/bin/promtool"
    data = text.encode() if isinstance(text, str) else text
    r = subprocess.run([exe, "check", "metrics"], input=data, capture_output=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).decode()


# ---- pass/fail tally ------------------------------------------------------------


class Results:
    """Named checks.  quiet: print failures only; limit: characters of a
    failure's detail printed (None: all)."""

    def __init__(self, quiet=False, limit=2000):
        self.passed = 0
        self.failed = 0
        self.quiet = quiet
        self.limit = limit

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            if not self.quiet:
                print("ok   " + what, flush=True)
        else:
            self.failed += 1
            text = str(detail)[:self.limit] if detail else ""
            print("FAIL " + what + (": " + text if text else ""), flush=True)
        return cond

    def run(self, fn, *args):
        """Run fn(*args) as one check named after fn; an exception fails it."""
        name = fn.__name__
        start = time.monotonic()
        try:
            fn(*args)
        except Exception as exc:  # a failed check, reported, not fatal
            self.failed += 1
            print("FAIL %s: %s: %s" % (name, type(exc).__name__, exc), flush=True)
        else:
            self.passed += 1
            print("ok   %s (%.1fs)" % (name, time.monotonic() - start), flush=True)

    def finish(self):
        """Print `N passed, N failed`; the exit status (1 on failure or when
        no check passed)."""
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed or not self.passed else 0

    def exit(self):
        sys.exit(self.finish())


def require(cond, message):
    """For checks run through Results.run: raise AssertionError unless cond."""
    if not cond:
        raise AssertionError(message)
