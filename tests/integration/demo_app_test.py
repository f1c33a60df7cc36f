#!/usr/bin/python3
"""Integration test: the real demo-app binary on 127.0.0.1.

Every route, status and delay band; 500 parallel /about requests served in
parallel; every scenario's effect in /metrics (switched at run time through
the admin API); promtool accepts /metrics; flags and SIGTERM; connections
closed after each answer by default, reused with --keep-alive; no request
sent while the app starts meets civetweb's own 404."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from demo_app_common import BINARY, App, parallel  # noqa: E402
from testkit import (BUILD, Results, free_port, http as fetch, promtool_check,  # noqa: E402
                     require as check, spawn, stop)

LEAK = 1 << 20  # bytes per request in the leak check
APP_ARGS = ["--seed=7", "--pool-size=2", "--pool-timeout=0.3",
            f"--leak-bytes={LEAK}", "--leak-cap=40MiB"]
APP_ENV = {"DEMO_APP_SPIKE_RATIO": "0.5"}


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


def test_seed_routes(app):
    expected = {"/": (200, b"Hello from Demo App!"), "/about": (200, b"About Page"),
                "/products": (200, b"Products Page"), "/contact": (404, None),
                "/healthz": (200, None), "/no/such/page": (404, None)}
    for path, (status, body) in expected.items():
        got, headers, data, _ = app.get(path)
        check(got == status, f"{path}: status {got}, want {status}")
        check(body is None or data == body, f"{path}: body {data!r}")
        check(headers.get("Content-Type", "").startswith("text/plain"), f"{path}: {headers}")
    status, headers, data, _ = app.request("HEAD", "/")
    check(status == 200 and data == b"" and headers.get("Content-Length") == "20", "HEAD /")
    status, headers, _, _ = app.request("POST", "/about")
    check(status == 405 and headers.get("Allow") == "GET, HEAD", f"POST /about: {status}")
    status, _, data, _ = app.get("/orders?customer=5")
    doc = json.loads(data)
    check(status == 200 and doc["customer_id"] == 5 and len(doc["orders"]) == 20,
          f"/orders: {status} {data[:80]!r}")


def test_delay_bands(app):
    """Client side: never faster than the band; server side: every request
    inside the band's histogram buckets."""
    before = app.metrics()
    results = parallel(lambda i: app.get("/about" if i % 2 else "/products"), 40)
    for i, r in enumerate(results):
        check(not isinstance(r, Exception), f"request {i}: {r}")
        low = 0.1 if i % 2 else 0.2
        check(r[0] == 200 and r[3] >= low, f"request {i}: status {r[0]}, {r[3]:.3f}s < {low}")
    after = app.metrics()
    bucket = 'http_request_duration_seconds_bucket{route="%s",le="%s"}'
    count = 'http_request_duration_seconds_count{route="%s"}'
    check(delta(before, after, count % "/about") == 20, "/about count")
    check(delta(before, after, bucket % ("/about", "0.1")) == 0, "/about below 100 ms")
    check(delta(before, after, bucket % ("/about", "0.4")) == 20, "/about above 400 ms")
    check(delta(before, after, count % "/products") == 20, "/products count")
    check(delta(before, after, bucket % ("/products", "0.2")) == 0, "/products below 200 ms")
    check(delta(before, after, bucket % ("/products", "0.75")) == 20, "/products above 750 ms")
    status, _, _, secs = app.get("/")
    check(status == 200, "/ status")
    check(after.get(bucket % ("/", "0.005"), 0) == after.get(count % "/"), "/ is instant")


def test_500_parallel_about(app):
    """A serial server needs 500 x 0.2 s = 100 s; in parallel it is ~0.3 s."""
    start = time.monotonic()
    results = parallel(lambda i: app.get("/about"), 500)
    wall = time.monotonic() - start
    bad = [r for r in results if isinstance(r, Exception) or r[0] != 200]
    check(not bad, f"{len(bad)} failed, first: {bad[:1]}")
    check(wall < 3.0, f"500 parallel /about took {wall:.1f}s (not served in parallel)")
    print(f"     500 parallel /about: {wall:.2f}s wall", flush=True)


def test_metrics_valid(app):
    status, headers, body, _ = app.get("/metrics")
    check(status == 200, "status")
    check(headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers["Content-Type"])
    check(shutil.which("promtool") is not None, "promtool not installed")
    rc, out = promtool_check(body)
    check(rc == 0, f"promtool: {rc} {out!r}")
    m = app.metrics()
    for name in ["demo_worker_threads", "demo_worker_threads_busy", "http_requests_in_flight",
                 "demo_leaked_bytes", "demo_pool_size", "demo_pool_in_use",
                 "demo_latency_spikes_total", "demo_db_queries_total", "demo_pool_timeouts_total",
                 "process_resident_memory_bytes", "process_threads", "process_open_fds",
                 "process_start_time_seconds", "process_cpu_seconds_total",
                 "process_virtual_memory_bytes", "process_max_fds"]:
        check(name in m, f"{name} missing")
    check(m["demo_worker_threads"] == 1100, "pool size")
    check(m["process_threads"] >= 1100, "worker threads exist")
    check(m['http_requests_total{method="GET",route="other",code="404"}'] >= 1, "other route")
    check(m['http_requests_total{method="GET",route="/contact",code="404"}'] >= 1, "/contact 404")
    for s in ["latency_spikes", "memory_leak", "slow_db", "poor_cache", "pool_exhaustion"]:
        check(m[f'demo_scenario_enabled{{scenario="{s}"}}'] == 0, f"{s} off by default")
    status, headers, body, _ = app.request("GET", "/metrics")
    check(b"# TYPE http_requests_total counter" in body, "TYPE line")


def test_busy_threads_settle(app):
    """After the load, only the scrape itself holds a worker thread."""
    deadline = time.monotonic() + 10
    m = app.metrics()
    while m["demo_worker_threads_busy"] != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
        m = app.metrics()
    check(m["demo_worker_threads_busy"] == 1, f"busy {m['demo_worker_threads_busy']}")
    check(m["http_requests_in_flight"] == 1, f"in flight {m['http_requests_in_flight']}")


def test_admin_api(app):
    status, headers, body, _ = app.get("/admin/scenarios")
    doc = json.loads(body)
    check(status == 200 and headers["Content-Type"] == "application/json", f"{status}")
    check([s["name"] for s in doc["scenarios"]] ==
          ["latency_spikes", "memory_leak", "slow_db", "poor_cache", "pool_exhaustion"], body)
    check(all(s["enabled"] is False for s in doc["scenarios"]), body)
    status, _, body, _ = app.request("POST", "/admin/scenarios/slow_db?state=on")
    check(status == 200 and json.loads(body) == {"name": "slow_db", "enabled": True}, body)
    status, _, body, _ = app.get("/admin/scenarios/slow_db")
    check(json.loads(body)["enabled"] is True, body)
    status, _, body, _ = app.request("POST", "/admin/scenarios/slow_db?state=off")
    check(json.loads(body)["enabled"] is False, body)
    check(app.request("POST", "/admin/scenarios/slow_db?state=maybe")[0] == 400, "bad state")
    check(app.request("POST", "/admin/scenarios/slow_db")[0] == 400, "no state")
    check(app.request("POST", "/admin/scenarios/warp?state=on")[0] == 404, "unknown")
    check(app.request("PUT", "/admin/scenarios/slow_db?state=on")[0] == 405, "PUT")


def test_latency_spikes(app):
    before = app.metrics()
    app.scenario("latency_spikes", True)
    results = parallel(lambda i: app.get("/"), 30)
    app.scenario("latency_spikes", False)
    after = app.metrics()
    slow = [r for r in results if r[3] >= 1.0]
    spikes = delta(before, after, "demo_latency_spikes_total")
    check(spikes >= 3, f"only {spikes} spikes of 30 at ratio 0.5")
    check(len(slow) == spikes, f"{len(slow)} slow responses, {spikes} spikes counted")
    b = 'http_request_duration_seconds_bucket{route="/",le="1"}'
    c = 'http_request_duration_seconds_count{route="/"}'
    check(delta(before, after, c) - delta(before, after, b) == spikes, "spikes above 1 s in the histogram")
    check(after['demo_scenario_enabled{scenario="latency_spikes"}'] == 0, "off again")


def test_memory_leak(app):
    before = app.metrics()
    app.scenario("memory_leak", True)
    check(app.metrics()['demo_scenario_enabled{scenario="memory_leak"}'] == 1, "on")
    for _ in range(10):
        app.get("/")
    mid = app.metrics()
    check(mid["demo_leaked_bytes"] == 10 * LEAK, f"leaked {mid['demo_leaked_bytes']}")
    check(mid["process_resident_memory_bytes"] - before["process_resident_memory_bytes"] >= 8 * LEAK,
          "RSS grows with the leak")
    parallel(lambda i: app.get("/"), 50)
    capped = app.metrics()
    check(capped["demo_leaked_bytes"] == 40 * LEAK, f"cap: {capped['demo_leaked_bytes']}")
    app.scenario("memory_leak", False)
    after = app.metrics()
    check(after["demo_leaked_bytes"] == 0, "released when switched off")


def test_slow_db(app):
    m0 = app.metrics()
    fast = app.get("/orders?customer=9")
    m1 = app.metrics()
    app.scenario("slow_db", True)
    slow = app.get("/orders?customer=9")
    m2 = app.metrics()
    app.scenario("slow_db", False)
    check(fast[0] == slow[0] == 200, "status")
    check(fast[2] == slow[2], "the N+1 pattern returns the same orders")
    q_fast = delta(m0, m1, "demo_db_queries_total")
    q_slow = delta(m1, m2, "demo_db_queries_total")
    check(q_fast == 1, f"indexed JOIN: {q_fast} queries")
    check(q_slow == 1 + 2 * 20, f"N+1: {q_slow} queries")
    t_fast = delta(m0, m1, "demo_db_query_duration_seconds_sum")
    t_slow = delta(m1, m2, "demo_db_query_duration_seconds_sum")
    check(t_slow > t_fast, f"unindexed scans cost more: {t_slow:.4f}s vs {t_fast:.4f}s")
    per_request = 'demo_db_statements_per_request_bucket{route="/orders",le="%s"}'
    check(delta(m0, m1, per_request % "1") == 1, "the JOIN: 1 statement in that request")
    check(delta(m1, m2, per_request % "20") == 0 and delta(m1, m2, per_request % "50") == 1,
          "N+1: 41 statements in that request (20 < n <= 50)")
    check(delta(m1, m2, 'demo_db_statements_per_request_sum{route="/orders"}') == 41,
          "statements per request sum")


def test_poor_cache(app):
    hit, miss = ('demo_cache_requests_total{result="%s"}' % r for r in ("hit", "miss"))
    m0 = app.metrics()
    parallel(lambda i: app.get("/products"), 20)
    m1 = app.metrics()
    check(delta(m0, m1, hit) == 20 and delta(m0, m1, miss) == 0, "warm cache: all hits")
    app.scenario("poor_cache", True)
    results = parallel(lambda i: app.get("/products"), 40)
    m2 = app.metrics()
    app.scenario("poor_cache", False)
    misses = delta(m1, m2, miss)
    check(delta(m1, m2, hit) + misses == 40, "every lookup counted")
    check(misses >= 30, f"only {misses} misses of 40 with 10 slots for 1000 products")
    check(sum(1 for r in results if r[1].get("X-Cache") == "miss") == misses, "X-Cache header")
    parallel(lambda i: app.get("/products"), 10)
    m3 = app.metrics()
    check(delta(m2, m3, hit) == 10, "switched off: warm again")


def test_pool_exhaustion(app):
    m0 = app.metrics()
    app.scenario("pool_exhaustion", True)
    m1 = app.metrics()
    check(m1["demo_pool_size"] == 2, f"pool size {m1['demo_pool_size']}")
    results = parallel(lambda i: app.get("/about"), 40)
    m2 = app.metrics()
    app.scenario("pool_exhaustion", False)
    codes = [r[0] for r in results]
    timeouts = delta(m0, m2, "demo_pool_timeouts_total")
    check(codes.count(503) > 0, f"no 503 with 40 requests on 2 connections: {codes}")
    check(codes.count(503) == timeouts, f"503s {codes.count(503)} != timeouts {timeouts}")
    check(codes.count(503) + codes.count(200) == 40, f"{codes}")
    waits = delta(m0, m2, 'demo_pool_wait_seconds_count') - delta(m0, m2, 'demo_pool_wait_seconds_bucket{le="0.1"}')
    check(waits > 0, "requests waited for the pool")
    check(m2['http_requests_total{method="GET",route="/about",code="503"}'] >= timeouts, "503 counted")
    m3 = app.metrics()
    check(m3["demo_pool_size"] == 1100, "pool restored")
    results = parallel(lambda i: app.get("/about"), 40)
    check(all(r[0] == 200 for r in results), "switched off: all served")


def test_scenarios_at_start():
    app = App("--scenario=slow_db,poor_cache", "--threads=8")
    try:
        m = app.metrics()
        check(m['demo_scenario_enabled{scenario="slow_db"}'] == 1, "slow_db on")
        check(m['demo_scenario_enabled{scenario="poor_cache"}'] == 1, "poor_cache on")
        check(m['demo_scenario_enabled{scenario="latency_spikes"}'] == 0, "others off")
        check(m["demo_worker_threads"] == 8, "--threads")
    finally:
        check(app.stop() == 0, "exit 0")


def test_bad_flags():
    for args in (["--bogus"], ["--threads=abc"], ["--scenario=nope"], ["--listen=[::1]:5000"],
                 ["--seed"]):
        run = subprocess.run([BINARY, *args], capture_output=True, timeout=10)
        lines = run.stderr.decode().strip().splitlines()
        check(run.returncode == 2, f"{args}: exit {run.returncode}")
        check(len(lines) == 1 and lines[0].startswith("demo-app: "), f"{args}: {lines}")
    run = subprocess.run([BINARY, "--version"], capture_output=True, timeout=10)
    check(run.returncode == 0 and run.stdout.startswith(b"demo-app "), "--version")
    run = subprocess.run([BINARY, "--help"], capture_output=True, timeout=10)
    check(run.returncode == 0 and b"DEMO_APP_SCENARIOS" in run.stdout, "--help")
    env = dict(os.environ, DEMO_APP_THREADS="-1")
    run = subprocess.run([BINARY], capture_output=True, timeout=10, env=env)
    check(run.returncode == 2 and b"DEMO_APP_THREADS" in run.stderr, "env var error")


def test_sigterm_with_requests_in_flight():
    app = App("--threads=16", "--scenario=latency_spikes", "--spike-ratio=1")
    import threading
    box = []

    def call():
        try:
            box.append(app.get("/"))
        except OSError as exc:
            box.append(exc)
    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and app.metrics()["http_requests_in_flight"] < 2:
        time.sleep(0.02)
    code = app.stop(signal.SIGTERM)
    t.join(10)
    check(code == 0, f"exit code {code}")
    check("shutting down" in app.logtext(), "logged")
    check(box and not isinstance(box[0], Exception) and box[0][0] == 200,
          f"the sleeping request still got its answer: {box}")
    check(box[0][3] < 1.0, f"its spike was cut short: {box[0][3]:.2f}s")


def test_sigint():
    app = App("--threads=4")
    check(app.stop(signal.SIGINT) == 0, "SIGINT: exit 0")


# ---- connections: closed after each answer, or kept with --keep-alive ----

def read_answer(sock, head=False, timeout=10):
    """(status line, {lower-case header: value}, body) of one answer read
    from sock, delimited by its Content-Length."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        check(chunk, f"answer cut short: {data!r}")
        data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    want = 0 if head else int(headers["content-length"])
    while len(body) < want:
        chunk = sock.recv(65536)
        check(chunk, "body cut short")
        body += chunk
    check(len(body) == want, f"{len(body) - want} bytes past the answer")
    return lines[0], headers, body


def closed_by_server(sock, wait):
    """True when the server closes sock (EOF) within wait seconds; False
    when it stays open and silent that long."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def exchange(port, requests):
    """Send each raw request in turn on one connection, reading its answer;
    returns the answers and whether the server closed after the last one."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        for req in requests:
            s.sendall(req)
            answers.append(read_answer(s, head=req.startswith(b"HEAD")))
        return answers, closed_by_server(s, 0.5)


def test_closes_by_default(app):
    """Without --keep-alive (Flask's dev server): every answer says close
    and the server closes, even when the client asked to keep it."""
    for req in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", app.port), timeout=10) as s:
            s.sendall(req)
            status, headers, body = read_answer(s)
            check(body == b"Hello from Demo App!", f"body {body!r}")
            check(headers.get("connection") == "close", f"{req!r}: {headers}")
            check(closed_by_server(s, 5), f"{req!r}: the server closed the connection")
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    r.read()
    check(r.will_close and conn.sock is None, "http.client sees a closing answer")
    conn.close()


def keep_alive_app():
    """A --keep-alive app (switched on through its environment variable)."""
    app = App("--threads=8", env={"DEMO_APP_KEEP_ALIVE": "on"})
    check("keep-alive on" in app.logtext(), "start line says keep-alive on")
    return app


def test_keep_alive_one_connection():
    """--keep-alive: http.client sends several requests over one TCP
    connection, which the server leaves open between them."""
    app = keep_alive_app()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
        local = None
        for method, path, want in (("GET", "/", b"Hello from Demo App!"), ("HEAD", "/", b""),
                                   ("GET", "/healthz", b"ok"), ("GET", "/nope", b"Not Found")):
            conn.request(method, path)
            r = conn.getresponse()
            body = r.read()
            check(body == want, f"{method} {path}: {body!r}")
            check(r.getheader("Connection") == "keep-alive" and not r.will_close,
                  f"{method} {path}: Connection {r.getheader('Connection')}")
            check(conn.sock is not None, f"{method} {path}: connection kept")
            local = local or conn.sock.getsockname()
            check(conn.sock.getsockname() == local, f"{method} {path}: same TCP connection")
            check(not closed_by_server(conn.sock, 0.3), f"{method} {path}: server kept it open")
        conn.close()
        m = app.metrics()
        check(m.get('http_requests_total{method="GET",route="/",code="200"}') == 1 and
              m.get('http_requests_total{method="HEAD",route="/",code="200"}') == 1,
              "each request counted once")
    finally:
        check(app.stop() == 0, "exit 0")


def test_keep_alive_follows_the_request():
    """--keep-alive: HTTP/1.0 gets HTTP/1.0 answers and closes unless it
    asked for keep-alive; Connection: close and requests with a body close."""
    app = keep_alive_app()
    try:
        get10 = b"GET / HTTP/1.0\r\n\r\n"
        answers, closed = exchange(app.port, [get10])
        check(answers[0][0] == "HTTP/1.0 200 OK" and answers[0][1]["connection"] == "close" and closed,
              f"HTTP/1.0: {answers[0][:2]}, closed {closed}")
        ka10 = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
        answers, closed = exchange(app.port, [ka10, ka10, get10])
        check([a[0] for a in answers] == ["HTTP/1.0 200 OK"] * 3, f"{[a[0] for a in answers]}")
        check([a[1]["connection"] for a in answers] == ["keep-alive", "keep-alive", "close"] and closed,
              f"HTTP/1.0 keep-alive: {[a[1]['connection'] for a in answers]}, closed {closed}")
        answers, closed = exchange(app.port, [b"GET / HTTP/1.1\r\n\r\n",
                                              b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"])
        check([a[1]["connection"] for a in answers] == ["keep-alive", "close"] and closed,
              f"Connection: close: {[a[1]['connection'] for a in answers]}, closed {closed}")
        post = b"POST /admin/scenarios/slow_db?state=off HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        answers, closed = exchange(app.port, [post])
        check(answers[0][0] == "HTTP/1.1 200 OK" and answers[0][1]["connection"] == "close" and closed,
              f"request with a body: {answers[0][:2]}, closed {closed}")
    finally:
        check(app.stop() == 0, "exit 0")


def test_keep_alive_idle_timeout():
    """--keep-alive: an idle kept-alive connection is closed after the 5 s
    idle timeout (civetweb's own default would be 0.5 s), freeing its
    worker thread; SIGTERM with an idle connection still exits 0."""
    app = keep_alive_app()
    try:
        with socket.create_connection(("127.0.0.1", app.port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\n\r\n")
            check(read_answer(s)[1]["connection"] == "keep-alive", "kept")
            start = time.monotonic()
            closed = closed_by_server(s, 20)
            idle = time.monotonic() - start
            check(closed and 3 < idle < 20, f"idle connection closed after {idle:.1f}s")
        deadline = time.monotonic() + 10  # 1: the scrape itself
        busy = app.metrics()["demo_worker_threads_busy"]
        while busy != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
            busy = app.metrics()["demo_worker_threads_busy"]
        check(busy == 1, f"its worker thread is free again: {busy} busy")
        idle_conn = socket.create_connection(("127.0.0.1", app.port), timeout=10)
        idle_conn.sendall(b"GET / HTTP/1.1\r\n\r\n")
        read_answer(idle_conn)
        start = time.monotonic()
        code = app.stop()
        check(code == 0, f"SIGTERM with an idle kept-alive connection: exit {code} "
              f"after {time.monotonic() - start:.1f}s")
        idle_conn.close()
    finally:
        app.stop()


# LD_PRELOAD shim: the app's main thread creates threads slowly (see the .c file).
SLOW_START = os.path.join(BUILD, "tests", "slow_thread_start.so")


def test_no_404_while_starting():
    """civetweb accepts connections while mg_start2 still creates its worker
    threads.  With that made to last a second (40 threads, 25 ms each),
    requests sent from the first moment the port accepts until the app logs
    that it listens must all be served by the app (200), never by civetweb
    before the app's handler exists (404)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="demo-app-start-", suffix=".log")
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = dict(os.environ, LD_PRELOAD=SLOW_START, SLOW_THREAD_START_MS="25",
               ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")
    proc = spawn([BINARY, f"--listen=127.0.0.1:{port}", "--threads=40"],
                 stdout=log, stderr=subprocess.STDOUT, env=env)
    during = []
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end and proc.poll() is None:
            started = b"listening on" in open(log.name, "rb").read()
            try:
                status = fetch(f"http://127.0.0.1:{port}/admin/scenarios", timeout=10)[0]
            except OSError:
                time.sleep(0.002)  # not listening yet
                continue
            if started:
                break
            during.append(status)
    finally:
        code = stop(proc)
    check(during, "requests answered while the app was starting")
    check(all(s == 200 for s in during), f"answers while starting: {during}")
    check(code == 0, f"exit {code}")


def main():
    tally = Results()
    app = App(*APP_ARGS, env=APP_ENV)
    for fn in (test_seed_routes, test_delay_bands, test_500_parallel_about,
               test_metrics_valid, test_busy_threads_settle, test_admin_api,
               test_latency_spikes, test_memory_leak, test_slow_db, test_poor_cache,
               test_pool_exhaustion, test_busy_threads_settle, test_metrics_valid,
               test_closes_by_default):
        tally.run(fn, app)
    tally.run(lambda: check(app.stop() == 0, "exit code after the run"))
    for fn in (test_no_404_while_starting, test_scenarios_at_start, test_bad_flags, test_sigterm_with_requests_in_flight,
               test_sigint, test_keep_alive_one_connection, test_keep_alive_follows_the_request,
               test_keep_alive_idle_timeout):
        tally.run(fn)
    tally.exit()


if __name__ == "__main__":
    main()
