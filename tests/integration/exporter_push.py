#!/usr/bin/python3
"""--pushgateway.* against Debian's real Pushgateway (check-exporter-push).

The exporter reads the fake Locust (tests/fakes/fake_locust.py) and pushes
to a prometheus-pushgateway started here on 127.0.0.1:
- periodic pushes: the group (job, instance) holds what /metrics shows, and
  its push_time_seconds moves; every Locust fixture is accepted by the
  Pushgateway's consistency checks; the default instance is the host name;
- the Go fork's environment variables (a URL without scheme, job,
  interval) and an empty instance; flags win over them;
- the final push: on SIGTERM, SIGINT and /quitquitquit the group gets the
  numbers of that moment; when Locust is gone by then, locust_up 0 is sent
  and the group keeps the last numbers read; the Kubernetes Job of
  docs/deployment.md with a REAL Locust (--autostart, --autoquit);
- a Pushgateway that is down (connect errors counted, one warning, then
  recovery), hung (SIGSTOP: timeouts counted, /metrics still answers at
  once, SIGTERM still exits promptly), answering 404, or refusing the push
  (400, inconsistent with another group: its message logged); a stand-in
  for what a real one never sends (a 307, a closed connection);
- TLS and basic auth to the Pushgateway (its --web.config.file): verified
  with a CA file, refused without it, wrong password, skip-verify.
Every wait is bounded; every process is stopped by PID.
"""
import os
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, ".."), os.path.join(HERE, "..", "hardening")]
from exporter_common import FIXTURES, start_fake  # noqa: E402
from hcommon import Exporter as HExporter, RESULTS, bcrypt, curl, make_ca, make_cert  # noqa: E402
from testkit import (LOCUST, PYTHON, cleanup, free_port, http, parse_exposition, serve, spawn,  # noqa: E402
                     stop, wait_port)

R = RESULTS
check = R.check
TMP = tempfile.mkdtemp(prefix="le_push_")
FIX = os.path.join(FIXTURES, "2.46.3", "master_stats_requests.json")
FIX2 = os.path.join(FIXTURES, "2.12.1", "stats_requests.json")
SELF = ("locust_exporter_", "locust_total_scrapes", "process_")


class Pushgateway:
    """prometheus-pushgateway on a free (or given) loopback port, in memory."""

    def __init__(self, port=None, web_config=None, tls=None):
        self.tls = tls  # curl options to reach it: CA, credentials
        for _ in range(3):  # a free port can be taken meanwhile by another test
            self.port = port or free_port()
            self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)
            argv = ["prometheus-pushgateway", "--web.listen-address=127.0.0.1:%d" % self.port,
                    "--persistence.file=", "--log.level=error"]
            if web_config:
                argv.append("--web.config.file=" + web_config)
            self.log = open(os.path.join(TMP, "pushgateway-%d.log" % self.port), "ab")
            self.proc = spawn(argv, stdout=self.log, stderr=self.log)
            if wait_port(self.port, self.proc, timeout=15) and not wait_for(lambda: self.proc.poll() is not None, 0.3):
                return
            self.stop()
        raise RuntimeError("the Pushgateway did not start")

    def metrics(self):
        if self.tls:
            rc, status, _, body = curl(self.url + "/metrics", *self.tls)
        else:
            status, _, raw = http(self.url + "/metrics")
            body = raw.decode()
        if status != 200:
            raise RuntimeError("Pushgateway /metrics: %s" % status)
        return parse_exposition(body)[0]

    def group(self, job, instance):
        """{(name, labels): value} of one group, without job and instance."""
        out = {}
        for n, l, v in self.metrics():
            if l.get("job") == job and l.get("instance", "") == instance:
                rest = tuple(sorted((k, x) for k, x in l.items() if k not in ("job", "instance")))
                out[(n, rest)] = v
        return out

    def push_time(self, job, instance):
        return self.group(job, instance).get(("push_time_seconds", ()))

    def stop(self):
        stop(self.proc)
        self.log.close()


def Exporter(*args, env=None):
    """hcommon's Exporter, started again on another port when the one it
    picked was taken meanwhile (other tests run on this machine too)."""
    for _ in range(3):
        exp = HExporter(*args, env=env)
        wait_for(lambda: "listening on" in exp.log() or not exp.alive(), 5)
        if exp.alive() and "listening on" in exp.log():
            return exp
        exp.stop()
    raise RuntimeError("the exporter did not start: " + exp.log()[-300:])


def value(samples, metric, **labels):
    return samples.get((metric, tuple(sorted(labels.items()))))


def exporter_view(exp):
    """/metrics of an Exporter (hcommon) as {(name, labels): value}."""
    status, _, body = http("http://127.0.0.1:%d/metrics" % exp.port)
    return {(n, tuple(sorted(l.items()))): v for n, l, v in parse_exposition(body.decode())[0]}


def locust_part(samples):
    """Locust's series, without the exporter's and the Pushgateway's own."""
    return {k: v for k, v in samples.items() if not k[0].startswith(SELF) and k[0] not in
            ("push_time_seconds", "push_failure_time_seconds", "locustexporter_build_info",
             "locust_exporter_build_info")}


def as_pushed(group, mine):
    """The Pushgateway's group, less what it adds: it stores every summary
    with a _sum and a _count, and shows 0 for the ones the exporter does
    not write (locust_current_response_time_seconds has quantiles only;
    without Locust's avg_response_time, as in 2.30.0, there is no _sum)."""
    return {k: v for k, v in group.items()
            if k in mine or not (k[0].endswith(("_sum", "_count")) and v == 0)}


def same(a, b):
    """Two {(name, labels): value} maps are equal, NaN equal to NaN."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def wait_for(fn, timeout, step=0.1):
    """fn() until truthy (bounded); its last value."""
    end = time.monotonic() + timeout
    v = fn()
    while not v and time.monotonic() < end:
        time.sleep(step)
        v = fn()
    return v


def push_times(pgw, job, instance, n, timeout):
    """The distinct push_time_seconds of a group seen until there are n (bounded)."""
    times = set()

    def enough():
        t = pgw.push_time(job, instance)
        if t:
            times.add(t)
        return len(times) >= n
    wait_for(enough, timeout)
    return times


def fake_mode(fake_url, **q):
    http(fake_url + "/_control?" + urllib.parse.urlencode(q))


def pushes(exp):
    return value(exporter_view(exp), "locust_exporter_pushes_total") or 0


def push_errors(exp, reason):
    return value(exporter_view(exp), "locust_exporter_push_errors_total", reason=reason) or 0


def no_push_errors(exp):
    v = exporter_view(exp)
    return {k: x for k, x in v.items() if k[0] == "locust_exporter_push_errors_total" and x}


def test_periodic(pgw, fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=300ms",
                   "--pushgateway.instance=periodic")
    times = push_times(pgw, "locust", "periodic", 3, 10)
    check(len(times) >= 3, "periodic: push_time_seconds of job=locust,instance=periodic moves (3 pushes)", times)
    group, mine = pgw.group("locust", "periodic"), exporter_view(exp)
    check(same(as_pushed(locust_part(group), mine), locust_part(mine)) and value(group, "locust_up") == 1,
          "periodic: the group holds what /metrics shows (Locust's series and values)",
          (sorted(set(locust_part(group)) ^ set(locust_part(mine)))[:6]))
    check(value(group, "locust_exporter_pushes_total") is not None and
          value(group, "locust_exporter_push_errors_total", reason="connect") == 0,
          "periodic: the push counters are pushed too")
    check(pushes(exp) >= 3 and not no_push_errors(exp), "periodic: >= 3 pushes counted, no errors",
          no_push_errors(exp))
    check(exp.stop() == 0, "periodic: exporter exits 0")
    # Every fixture passes the Pushgateway's consistency checks.
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=100ms",
                   "--pushgateway.instance=periodic")
    bad = []
    for path in sorted(p for p in __import__("glob").glob(os.path.join(FIXTURES, "*", "*.json"))):
        fake_mode(fake_url, mode="fixture", file=path)
        n = pushes(exp)
        wait_for(lambda: pushes(exp) >= n + 2, 5)
        g, m = pgw.group("locust", "periodic"), exporter_view(exp)
        if no_push_errors(exp) or not same(as_pushed(locust_part(g), m), locust_part(m)):
            bad.append((os.path.relpath(path, FIXTURES), no_push_errors(exp)))
    check(not bad, "every Locust fixture pushed, accepted and shown as /metrics shows it", bad)
    exp.stop()
    exp2 = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=1h")
    host = socket.gethostname()
    check(wait_for(lambda: pgw.push_time("locust", host), 5),
          "default grouping key: job=locust, instance=<host name> (%s), pushed at start" % host)
    exp2.stop()


def test_env_forms(pgw, fake_url):
    env = dict(os.environ, LOCUST_EXPORTER_URI=fake_url,
               LOCUST_EXPORTER_PUSHGATEWAY_URL="127.0.0.1:%d" % pgw.port,  # no scheme, as the Go fork takes
               LOCUST_EXPORTER_PUSHGATEWAY_JOB="envjob", LOCUST_EXPORTER_PUSHGATEWAY_INTERVAL="400ms",
               LOCUST_EXPORTER_PUSHGATEWAY_INSTANCE="")
    exp = Exporter(env=env)
    times = push_times(pgw, "envjob", "", 2, 8)
    check(len(times) >= 2, "env: LOCUST_EXPORTER_PUSHGATEWAY_URL (no scheme), _JOB, _INTERVAL, "
          "_INSTANCE='' push job=envjob without instance, repeatedly", times)
    exp.stop()
    exp = Exporter("--pushgateway.job=flagjob", "--pushgateway.interval=1h", env=env)
    check(wait_for(lambda: pgw.push_time("flagjob", ""), 5),
          "env: --pushgateway.job wins over LOCUST_EXPORTER_PUSHGATEWAY_JOB")
    exp.stop()


def final_push(pgw, fake_url, how, instance):
    """First push with FIX, then FIX2 in Locust, then stop `how`: the group
    shows FIX2's numbers (pushed only by the final push)."""
    fake_mode(fake_url, mode="fixture", file=FIX)
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=1h",
                   "--pushgateway.instance=" + instance)
    first = wait_for(lambda: pgw.group("locust", instance), 5)
    fake_mode(fake_url, mode="fixture", file=FIX2)
    want = locust_part(exporter_view(exp))
    t0 = time.monotonic()
    if how == "/quitquitquit":
        http("http://127.0.0.1:%d/quitquitquit" % exp.port)
        exp.proc.wait(10)
        rc = exp.stop()
    else:
        rc = stop(exp.proc, sig=signal.SIGTERM if how == "SIGTERM" else signal.SIGINT, wait=10)
        exp.stop()
    took = time.monotonic() - t0
    last = pgw.group("locust", instance)
    check(first and not same(locust_part(first), want), "final push (%s): the first push had other numbers" % how)
    check(rc == 0 and took < 5, "final push (%s): exits 0 promptly" % how, (rc, took))
    check(same(as_pushed(locust_part(last), want), want), "final push (%s): the group holds the numbers of the moment it stopped" % how,
          sorted(set(locust_part(last)) ^ set(want))[:6])
    check("final push to" in exp.log(), "final push (%s): logged" % how, exp.log()[-600:])


def test_final_push_locust_gone(pgw, fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=1h",
                   "--pushgateway.instance=gone")
    first = wait_for(lambda: pgw.group("locust", "gone"), 5)
    fake_mode(fake_url, mode="5xx")
    rc = exp.stop()
    last = pgw.group("locust", "gone")
    kept = {k: v for k, v in locust_part(first).items() if k[0] != "locust_up"}
    check(rc == 0 and value(first, "locust_up") == 1 and value(last, "locust_up") == 0,
          "Locust gone at exit: the final push sends locust_up 0", (rc, value(last, "locust_up")))
    check(kept and all(last.get(k) == v for k, v in kept.items()) and
          value(last, "locust_requests_total", method="GET", name="/") is not None,
          "Locust gone at exit: the group keeps the last numbers read (POST)",
          [k for k, v in kept.items() if last.get(k) != v][:5])
    check((value(last, "locust_exporter_scrape_errors_total", reason="http_status") or 0) >= 1,
          "Locust gone at exit: the scrape error pushed with it")


def timed_scrapes(exp, n=5):
    worst = 0
    for _ in range(n):
        t0 = time.monotonic()
        status, _, _ = http("http://127.0.0.1:%d/metrics" % exp.port, timeout=10)
        worst = max(worst, time.monotonic() - t0)
        if status != 200:
            return 99
    return worst


def test_down_then_up(fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    port = free_port()
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=http://127.0.0.1:%d" % port,
                   "--pushgateway.interval=200ms", "--pushgateway.instance=down")
    check(wait_for(lambda: push_errors(exp, "connect") >= 3, 8), "down: connect errors counted",
          push_errors(exp, "connect"))
    check(timed_scrapes(exp) < 1.0, "down: /metrics answers at once")
    warns = exp.log().count("push to the Pushgateway failed (connect)")
    check(warns == 1, "down: one warning for repeated connect failures", exp.log()[-800:])
    pgw = Pushgateway(port=port)
    check(wait_for(lambda: pgw.push_time("locust", "down"), 8), "down: pushes recover once the Pushgateway is up")
    check("recovered" in exp.log(), "down: recovery logged", exp.log()[-600:])
    check(exp.stop() == 0, "down: exporter exits 0")
    pgw.stop()


def test_hung(fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    pgw = Pushgateway()
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=300ms",
                   "--pushgateway.timeout=1s", "--pushgateway.instance=hung")
    wait_for(lambda: pushes(exp) >= 1, 5)
    os.kill(pgw.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(0.5)
        check(timed_scrapes(exp, 8) < 0.5, "hung Pushgateway: every /metrics answers within 0.5 s")
        check(wait_for(lambda: push_errors(exp, "timeout") >= 2, 8), "hung Pushgateway: timeouts counted",
              push_errors(exp, "timeout"))
        t0 = time.monotonic()
        rc = stop(exp.proc, wait=10)
        took = time.monotonic() - t0
        exp.stop()
        # the periodic push is cut short, the final one waits its 1 s timeout
        check(rc == 0 and took < 4, "hung Pushgateway: SIGTERM exits 0 within the push timeout", (rc, took))
        check("final push to the Pushgateway failed (timeout)" in exp.log(), "hung Pushgateway: final push's timeout logged",
              exp.log()[-600:])
    finally:
        os.kill(pgw.proc.pid, signal.SIGCONT)
    pgw.stop()


def test_refused(fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    pgw = Pushgateway()
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=%s/no/such/prefix/" % pgw.url,
                   "--pushgateway.interval=200ms")
    check(wait_for(lambda: push_errors(exp, "http_status") >= 2, 5) and "HTTP 404" in exp.log(),
          "a path the Pushgateway does not serve: http_status counted, HTTP 404 logged", exp.log()[-500:])
    exp.stop()
    # Another group holds locust_up as a counter: the Pushgateway refuses ours.
    rc, status, _, _ = curl(pgw.url + "/metrics/job/other", "-X", "PUT", "--data-binary",
                            "# TYPE locust_up counter\nlocust_up 1\n")
    exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=200ms",
                   "--pushgateway.instance=refused")
    check(status == 200 and wait_for(lambda: push_errors(exp, "http_status") >= 1, 5) and
          "HTTP 400: pushed metrics are invalid or inconsistent" in exp.log(),
          "a push the Pushgateway refuses (400): counted, its reason logged", exp.log()[-500:])
    exp.stop()
    pgw.stop()


class RawAnswer(socketserver.BaseRequestHandler):
    """A stand-in for what no real Pushgateway sends: reads the request head,
    then answers server.raw (bytes; b"" closes without a word)."""

    def handle(self):
        self.request.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        if self.server.raw:
            self.request.sendall(self.server.raw)


def raw_server(answer):
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RawAnswer)
    srv.daemon_threads = True
    srv.raw = answer
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_redirect_and_io(fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    cases = [(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n",
              "redirect", "HTTP 307"),
             (b"", "io", "Empty reply")]
    for answer, reason, logged in cases:
        srv = raw_server(answer)
        exp = Exporter("--locust.uri=" + fake_url, "--pushgateway.interval=200ms",
                       "--pushgateway.url=http://127.0.0.1:%d" % srv.server_address[1])
        check(wait_for(lambda: push_errors(exp, reason) >= 2, 5) and logged in exp.log(),
              "a Pushgateway stand-in answering %s: counted as %s, logged" % (answer[:12] or b"nothing", reason),
              exp.log()[-400:])
        check(exp.stop() == 0, "... and the exporter exits 0")
        srv.shutdown()
        srv.server_close()


def test_tls_auth(fake_url):
    fake_mode(fake_url, mode="fixture", file=FIX)
    pki = {"ca": make_ca(TMP, "ca")}
    pki["server"] = make_cert(TMP, "server", pki["ca"])
    cfg = os.path.join(TMP, "pgw-web.yml")
    with open(cfg, "w") as f:
        f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  pusher: %s\n"
                % (pki["server"][1], pki["server"][0], bcrypt("s3cret")))
    pwfile = os.path.join(TMP, "pgw-pw")
    with open(pwfile, "w") as f:
        f.write("s3cret\n")
    pgw = Pushgateway(web_config=cfg, tls=["--cacert", pki["ca"][1], "-u", "pusher:s3cret"])
    common = ["--locust.uri=" + fake_url, "--pushgateway.url=" + pgw.url, "--pushgateway.interval=300ms"]
    ok = Exporter(*common, "--pushgateway.instance=tls", "--pushgateway.ca-file=" + pki["ca"][1],
                  "--pushgateway.user=pusher", "--pushgateway.password-file=" + pwfile)
    check(wait_for(lambda: pgw.push_time("locust", "tls"), 8) and not no_push_errors(ok),
          "TLS + basic auth: pushes with the CA file and the password file", ok.log()[-500:])
    ok.stop()
    untrusted = Exporter(*common, "--pushgateway.user=pusher", "--pushgateway.password-file=" + pwfile)
    check(wait_for(lambda: push_errors(untrusted, "tls") >= 1, 5), "TLS: an unknown CA is refused (tls)")
    untrusted.stop()
    env = dict(os.environ, LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD="wrong")
    wrong = Exporter(*common, "--pushgateway.ca-file=" + pki["ca"][1], "--pushgateway.user=pusher", env=env)
    check(wait_for(lambda: push_errors(wrong, "auth") >= 1, 5) and "wrong" not in wrong.log(),
          "basic auth: a wrong password (LOCUST_EXPORTER_PUSHGATEWAY_PASSWORD) counts as auth, never logged")
    wrong.stop()
    inurl = Exporter("--locust.uri=" + fake_url, "--pushgateway.interval=300ms", "--pushgateway.instance=inurl",
                     "--pushgateway.url=https://pusher:s3cret@127.0.0.1:%d" % pgw.port,
                     "--pushgateway.ca-file=" + pki["ca"][1], "--log.level=debug")
    check(wait_for(lambda: pgw.push_time("locust", "inurl"), 8) and "s3cret" not in inurl.log() and
          "https://pusher@127.0.0.1" in inurl.log(),
          "basic auth from the URL's user:pass@ pushes; the password is in no log line", inurl.log()[-400:])
    inurl.stop()
    skip = Exporter(*common, "--pushgateway.instance=skip", "--pushgateway.insecure-skip-verify",
                    "--pushgateway.user=pusher", "--pushgateway.password-file=" + pwfile)
    check(wait_for(lambda: pgw.push_time("locust", "skip"), 8), "TLS: --pushgateway.insecure-skip-verify pushes")
    skip.stop()
    pgw.stop()


LOCUSTFILE = """
from locust import HttpUser, task, constant
class U(HttpUser):
    wait_time = constant(0.1)
    @task
    def index(self):
        self.client.get("/")
"""


def test_locust_job(pgw):
    """The Kubernetes Job of docs/deployment.md with a REAL Locust: --autostart,
    a 4 s run, --autoquit 4 (beyond Locust's 2 s stats cache plus one push interval); the exporter is stopped once Locust has exited."""
    target = serve(lambda req: (200, {"Content-Type": "text/plain"}, b"ok"))
    lf = os.path.join(TMP, "locustfile.py")
    with open(lf, "w") as f:
        f.write(LOCUSTFILE)
    web = free_port()
    log = open(os.path.join(TMP, "locust.log"), "wb")
    locust = spawn([PYTHON, LOCUST, "-f", lf, "--autostart", "--autoquit", "4", "-u", "2", "-r", "2", "-t", "4s",
                    "--web-host", "127.0.0.1", "--web-port", str(web), "-H", target.url], stdout=log, stderr=log)
    exp = Exporter("--locust.uri=http://127.0.0.1:%d" % web, "--pushgateway.url=" + pgw.url,
                   "--pushgateway.interval=1s", "--pushgateway.instance=locust-job")
    try:
        locust.wait(40)
    except subprocess.TimeoutExpired:
        pass
    check(locust.returncode == 0, "real Locust (--autostart -t 4s --autoquit 4) ran and exited", locust.returncode)
    rc = exp.stop()
    g = pgw.group("locust", "locust-job")
    check(rc == 0 and value(g, "locust_up") == 0, "after Locust exited, the final push sent locust_up 0", (rc, g.get(("locust_up", ()))))
    check((value(g, "locust_requests_total", method="GET", name="/") or 0) > 0 and
          value(g, "locust_state", state="stopped") == 1,
          "the group keeps the run's final numbers: requests made, state stopped",
          {k: v for k, v in g.items() if k[0] in ("locust_requests_total", "locust_state")})


def main():
    try:
        fake, fake_url = start_fake(FIX)
        pgw = Pushgateway()
        for t in (test_periodic, test_env_forms, test_final_push_locust_gone):
            R.run(t, pgw, fake_url)
        R.run(test_locust_job, pgw)
        for how, inst in (("SIGTERM", "term"), ("SIGINT", "int"), ("/quitquitquit", "quit")):
            R.run(final_push, pgw, fake_url, how, inst)
        pgw.stop()
        for t in (test_refused, test_redirect_and_io, test_down_then_up, test_hung, test_tls_auth):
            R.run(t, fake_url)
    finally:
        cleanup()
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
