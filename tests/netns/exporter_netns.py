#!/usr/bin/python3
"""Exporter tests that need a network of their own: run inside a network
namespace this test creates (only loopback, no route, no resolver), so
nothing leaves the machine.

- DNS failure: a host name that cannot be resolved -> locust_up 0,
  reason "connect", answered at once, no per-request series.
- Proxy from the environment (libcurl honours http_proxy / no_proxy): with
  http_proxy set, a Locust URI whose host cannot be resolved is fetched
  through a proxy on 127.0.0.1 (locust_up 1, the proxy saw the absolute URI);
  with no_proxy naming the host, the exporter goes direct and fails.
Needs root (ip netns).  Ends with `N passed, N failed`.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import EXPORTER, PYTHON, ROOT, Results, install_cleanup, cleanup, spawn, samples  # noqa: E402

NS = "le-test-%d" % os.getpid()
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "probe", "stats_requests.json")
R = Results()


def in_ns(argv):
    return ["ip", "netns", "exec", NS] + argv


def scrape(port):
    """/metrics of an exporter inside the namespace, read from inside it."""
    code = ("import urllib.request,sys;"
            "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:%d/metrics',timeout=20)"
            ".read().decode())" % port)
    out = subprocess.run(in_ns([PYTHON, "-c", code]), capture_output=True, text=True, timeout=30,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    return samples(out.stdout) if out.returncode == 0 else {}


def start_exporter(uri, port, env):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full.update(env)
    p = spawn(in_ns([EXPORTER, "--locust.uri=" + uri, "--web.listen-address=127.0.0.1:%d" % port,
                     "--locust.timeout=3s", "--log.level=error"]), env=full)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if scrape(port).get("locust_exporter_scrapes_total") is not None:
            return p
        time.sleep(0.2)
    raise RuntimeError("exporter did not start in the namespace")


def test_dns_failure():
    p = start_exporter("http://locust.invalid:8089", 19701, {})
    t0 = time.monotonic()
    s = scrape(19701)
    took = time.monotonic() - t0
    R.check(s.get("locust_up") == 0, "unresolvable host: locust_up 0")
    R.check(s.get('locust_exporter_scrape_errors_total{reason="connect"}', 0) >= 1,
            "unresolvable host counts as reason connect", str({k: v for k, v in s.items() if "errors" in k}))
    R.check(not any(k.startswith("locust_requests_total") for k in s), "no per-request series")
    R.check(took < 3, "answered without waiting for the timeout (%.2fs)" % took)
    p.terminate()
    p.wait(10)


def test_proxy():
    proxy = spawn(in_ns([PYTHON, os.path.join(ROOT, "tests", "netns", "proxy.py"), FIXTURE]),
                  stdout=subprocess.PIPE)
    line = proxy.stdout.readline().decode()
    R.check(line.startswith("PORT "), "proxy started in the namespace", line)
    pport = int(line.split()[1])
    env = {"http_proxy": "http://127.0.0.1:%d" % pport}
    p = start_exporter("http://locust.invalid:8089", 19702, env)
    s = scrape(19702)
    R.check(s.get("locust_up") == 1, "http_proxy: the exporter fetched through the proxy (locust_up 1)")
    R.check(s.get('locust_requests_total{method="GET",name="/"}') == 104, "proxied data rendered")
    seen = proxy.stdout.readline().decode().strip()
    R.check(seen == "REQUEST http://locust.invalid:8089/stats/requests",
            "the proxy got the absolute URI", seen)
    p.terminate()
    p.wait(10)
    env["no_proxy"] = "locust.invalid"
    p = start_exporter("http://locust.invalid:8089", 19703, env)
    s = scrape(19703)
    R.check(s.get("locust_up") == 0, "no_proxy: the exporter goes direct (and cannot resolve)")
    p.terminate()
    p.wait(10)


def main():
    # Without root (a developer's `make check`) or without network namespaces
    # the test cannot run at all: say so and skip.  CI runs as root.
    if os.geteuid() != 0 or subprocess.run(["ip", "netns", "add", NS]).returncode != 0:
        print("exporter_netns: skipped (needs root and ip netns)")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    install_cleanup()
    try:
        subprocess.run(in_ns(["ip", "link", "set", "lo", "up"]), check=True)
        test_dns_failure()
        test_proxy()
    finally:
        cleanup()
        subprocess.run(["ip", "netns", "del", NS])
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
