#!/usr/bin/python3
"""Every demo-app scenario caught live by the project's own alerts.

Six demo apps on 127.0.0.1, one healthy and one per scenario (switched on
at start, default settings), each driven by the project's own Locust
profile (demo-app/locust/locustfile.py, DemoUser, real Locust through
tools/locust), scraped by a real Prometheus that evaluates the project's
rule files (prometheus/rules/*.yml, unchanged) every second.  Asserts:

- each scenario's alert (ALERT_FOR) is firing within LIVE_DETECT_S
  (300 s) of the scenario being switched on (pending comes earlier);
- the healthy app has no alert at all, not even pending, over its first
  LIVE_WATCH_S (300 s) under the same load: warm-up included.

Prints when each alert went pending and firing, and the signals behind
them per app.  Knobs: LIVE_USERS (40 users per app), LIVE_DETECT_S,
LIVE_WATCH_S.  Bounded: about LIVE_WATCH_S + 30 s.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from demo_app_common import App  # noqa: E402
from testkit import (LOCUST, PYTHON, ROOT, Results, free_port, spawn, stop,  # noqa: E402
                     wait_http)

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from promq import Prom, PromError  # noqa: E402

USERS = int(os.environ.get("LIVE_USERS", "40"))
DETECT_S = float(os.environ.get("LIVE_DETECT_S", "300"))
WATCH_S = float(os.environ.get("LIVE_WATCH_S", "300"))
POLL_S = 2.0

# The alerts meant for each scenario: any one of them catching it counts.
ALERT_FOR = {
    "latency_spikes": ["DemoAppSlowRequests"],
    "memory_leak": ["DemoAppMemoryLeak"],
    "slow_db": ["DemoAppNPlusOneQueries"],
    "poor_cache": ["DemoAppCacheHitRatioLow"],
    "pool_exhaustion": ["DemoAppPoolSaturated", "DemoAppPoolTimeouts"],
}
HEALTHY = "healthy"

# Signals behind the alerts, printed per app at the end (max over the run).
SIGNALS = [
    ("slow >1s", "max_over_time(job_instance:http_requests_slow:ratio_rate5m[15m])", "%.2f%%", 100),
    ("p99 s", 'max(max_over_time(route:http_request_duration_seconds:histogram_quantile1m{quantile="0.99"}[15m])) by (instance)', "%.2f", 1),
    ("stmt/req", "max(max_over_time(route:demo_db_statements_per_request:avg_rate1m[15m])) by (instance)", "%.1f", 1),
    ("hit min", "min_over_time(job_instance:demo_cache_hit:ratio_rate1m[15m])", "%.2f", 1),
    ("pool wait p95", "max_over_time(job_instance:demo_pool_wait_seconds:histogram_quantile1m[15m])", "%.2f", 1),
    ("RSS MiB", "max_over_time(process_resident_memory_bytes[15m])", "%.0f", 1 / 1048576),
    ("above min MiB", "max_over_time(job_instance:process_resident_memory_bytes:above_min10m[15m])", "%.0f", 1 / 1048576),
    ("deriv2m KiB/s", "max_over_time(job_instance:process_resident_memory_bytes:deriv2m[15m])", "%.0f", 1 / 1024),
    ("req/s", 'sum by (instance) (rate(http_requests_total{route!~"/metrics|/healthz"}[1m]))', "%.1f", 1),
]

PROM_CONFIG = """global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
%s
scrape_configs:
  - job_name: demo-app
    static_configs:
      - targets: [%s]
"""


def start_prometheus(tmp, apps):
    rules = sorted(os.path.join(ROOT, "prometheus", "rules", f)
                   for f in os.listdir(os.path.join(ROOT, "prometheus", "rules"))
                   if f.endswith(".yml"))
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(PROM_CONFIG % ("".join("  - %s\n" % r for r in rules),
                               ", ".join('"127.0.0.1:%d"' % a.port for a in apps.values())))
    port = free_port()
    log = open(os.path.join(tmp, "prometheus.log"), "wb")
    proc = spawn(["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                  "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=subprocess.STDOUT)
    url = "http://127.0.0.1:%d" % port
    end = time.monotonic() + 60
    while wait_http(url + "/-/ready", 60, proc)[0] != 200:  # 503 while it loads
        if time.monotonic() > end:
            raise RuntimeError("Prometheus not ready within 60 s")
        time.sleep(0.2)
    return proc, Prom(url)


def start_locust(tmp, name, app):
    log = open(os.path.join(tmp, "locust-%s.log" % name), "wb")
    return spawn([PYTHON, LOCUST, "-f", os.path.join(ROOT, "demo-app", "locust", "locustfile.py"),
                  "--host", app.url, "--headless", "-u", str(USERS), "-r", "10",
                  "--only-summary", "--loglevel", "WARNING"],
                 stdout=log, stderr=subprocess.STDOUT)


def alerts(prom):
    """{(instance, alertname): state} of every alert pending or firing now."""
    return {(r["metric"]["instance"], r["metric"]["alertname"]): r["metric"]["alertstate"]
            for r in prom.instant("ALERTS")}


def print_signals(prom, apps):
    by_instance = {"127.0.0.1:%d" % a.port: name for name, a in apps.items()}
    rows = {name: {} for name in apps}
    for title, expr, _, _ in SIGNALS:
        try:
            for r in prom.instant(expr):
                name = by_instance.get(r["metric"].get("instance"))
                if name:
                    rows[name][title] = float(r["value"][1])
        except PromError as e:
            print("signal %s: %s" % (title, e))
    print("%-16s" % "app" + "".join("%15s" % t for t, _, _, _ in SIGNALS))
    for name in apps:
        cells = []
        for title, _, fmt, scale in SIGNALS:
            v = rows[name].get(title)
            cells.append("%15s" % ("-" if v is None or v != v else fmt % (v * scale)))
        print("%-16s" % name + "".join(cells))


def main():
    tally = Results()
    tmp = tempfile.TemporaryDirectory(prefix="demo-alerts-")
    apps, locusts, seen = {}, [], {}
    prom_proc = None
    try:
        apps[HEALTHY] = App()
        switched_on = {}
        for scenario in ALERT_FOR:
            apps[scenario] = App("--scenario=" + scenario)
            switched_on[scenario] = time.time()
        started = time.time()
        prom_proc, prom = start_prometheus(tmp.name, apps)
        instance = {name: "127.0.0.1:%d" % a.port for name, a in apps.items()}
        for name, app in apps.items():
            locusts.append(start_locust(tmp.name, name, app))
        print("6 demo apps, %d Locust users each, Prometheus evaluating every 1 s; "
              "watching for up to %.0f s" % (USERS, max(WATCH_S, DETECT_S)), flush=True)
        wanted = {(instance[s], a) for s, names in ALERT_FOR.items() for a in names}
        deadline = started + max(WATCH_S, DETECT_S) + 5
        while time.time() < deadline:
            now = time.time()
            try:
                current = alerts(prom)
            except PromError as e:
                print("query failed (retrying): %s" % e, flush=True)
                current = {}
            for key, state in current.items():
                first = seen.setdefault(key, {})
                if state not in first:
                    first[state] = now
                    print("%6.0fs %-8s %-24s %s" % (now - started, state, key[1],
                          next(n for n, i in instance.items() if i == key[0])), flush=True)
            for p in locusts + [a.proc for a in apps.values()] + [prom_proc]:
                if p.poll() is not None:
                    raise RuntimeError("process %s exited early (%s)" % (p.args[:3], p.returncode))
            caught = all(any("firing" in seen.get((instance[s], a), {}) for a in names)
                         for s, names in ALERT_FOR.items())
            if caught and now - started >= WATCH_S:
                break
            time.sleep(POLL_S)
        watched = time.time() - started
        for scenario, names in ALERT_FOR.items():
            on = switched_on[scenario]
            states = {a: seen.get((instance[scenario], a), {}) for a in names}
            fired = [(st["firing"] - on, a) for a, st in states.items() if "firing" in st]
            pending = [(min(st.values()) - on, a) for a, st in states.items() if st]
            detail = ", ".join("%s pending after %.0f s%s" % (
                a, t, "" if "firing" not in states[a] else
                ", firing after %.0f s" % (states[a]["firing"] - on))
                for t, a in sorted(pending)) or "none of %s pending or firing" % ", ".join(names)
            tally.check(fired and min(fired)[0] <= DETECT_S,
                        "%s caught (firing) within %.0f s of being switched on: %s"
                        % (scenario, DETECT_S, detail), detail)
        # The whole run, from Prometheus' own record too (it keeps pending states as ALERTS).
        healthy = [k[1] for k in seen if k[0] == instance[HEALTHY]]
        try:
            recorded = prom.instant('ALERTS{instance="%s"}[15m]' % instance[HEALTHY])
        except PromError as e:
            recorded = [{"metric": {"alertname": "query failed: %s" % e}}]
        healthy += [r["metric"]["alertname"] for r in recorded]
        tally.check(not healthy and watched >= WATCH_S,
                    "healthy app: no alert pending or firing over its first %.0f s" % watched,
                    "alerts: %s" % sorted(set(healthy)))
        others = sorted("%s: %s" % (next(n for n, i in instance.items() if i == k[0]), k[1])
                        for k in seen if k not in wanted and k[0] != instance[HEALTHY])
        print("other alerts on scenario apps: %s" % (", ".join(others) or "none"))
        print_signals(prom, apps)
    except Exception as exc:  # reported as a failed check
        tally.check(False, "live run", "%s: %s" % (type(exc).__name__, exc))
    finally:
        for p in locusts:
            stop(p)
        if prom_proc is not None:
            stop(prom_proc)
        for a in apps.values():
            a.stop()
        if tally.failed:
            for f in sorted(os.listdir(tmp.name)):
                if f.endswith(".log"):
                    text = open(os.path.join(tmp.name, f), "rb").read().decode(errors="replace")
                    print("--- %s\n%s" % (f, text[-1500:]))
        tmp.cleanup()
    tally.exit()


if __name__ == "__main__":
    main()
