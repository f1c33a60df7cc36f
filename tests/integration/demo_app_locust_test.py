#!/usr/bin/python3
"""Real Locust (tools/locust) against the real demo-app.

- acceptance profile: passes (exit 0) with every scenario off, fails (exit 1)
  with latency_spikes on and with pool_exhaustion on;
- the seed's DemoUser: /contact 404s are Locust failures, the other routes
  (/orders included) are not, and Locust's request counts match the app's
  own metrics;
- stress, spike and soak profiles run to completion with short settings."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from demo_app_common import App  # noqa: E402
from testkit import LOCUST, PYTHON, ROOT, Results, require as check, spawn, stop  # noqa: E402

PROFILES = os.path.join(ROOT, "demo-app", "locust")


def locust(app, profile, env=None, extra=(), timeout=90):
    """Start a headless Locust run; returns the Popen (output to a file)."""
    out = tempfile.NamedTemporaryFile(prefix="locust-", suffix=".log")
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = spawn(
        [PYTHON, LOCUST, "-f", os.path.join(PROFILES, profile), "--host", app.url,
         "--headless", "--only-summary", "--loglevel", "INFO", *extra],
        stdout=out, stderr=subprocess.STDOUT, env=full_env)
    proc.out = out
    proc.deadline = time.monotonic() + timeout
    return proc


def finish(proc):
    """(exit code, output); kills a run that overstays its deadline."""
    try:
        code = proc.wait(timeout=max(1, proc.deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        stop(proc, signal.SIGKILL, wait=10)
        code = "timeout"
    return code, open(proc.out.name, "rb").read().decode(errors="replace")


# The SLO's p95 is 900 ms here, not the profile's 500 ms: /products alone sits
# at 200-500 ms, so on a loaded machine 500 ms would make the passing run
# flaky.  The failing runs stay far beyond it (spikes add 1-3 s to 30% of
# requests; pool exhaustion answers 503s).
ACCEPT = {"ACCEPTANCE_USERS": "30", "ACCEPTANCE_SPAWN_RATE": "30", "ACCEPTANCE_DURATION": "15",
          "SLO_P95_MS": "900"}


def acceptance(app):
    return finish(locust(app, "acceptance.py", ACCEPT))


def test_acceptance_passes_by_default(app):
    code, out = acceptance(app)
    check(code == 0 and "acceptance PASSED" in out, f"exit {code}\n{out[-1500:]}")


def test_acceptance_fails_with_latency_spikes(app):
    app.scenario("latency_spikes", True)
    try:
        code, out = acceptance(app)
    finally:
        app.scenario("latency_spikes", False)
    check(code == 1 and "acceptance FAILED: p95" in out, f"exit {code}\n{out[-1500:]}")


def test_acceptance_fails_with_pool_exhaustion(app):
    app.scenario("pool_exhaustion", True)
    try:
        code, out = acceptance(app)
        timeouts = app.metrics()["demo_pool_timeouts_total"]
    finally:
        app.scenario("pool_exhaustion", False)
    check(code == 1 and "acceptance FAILED" in out, f"exit {code}\n{out[-1500:]}")
    check(timeouts > 0, "the app counted pool timeouts")


SUMMARY_ROW = re.compile(r"^GET\s+(\S+)\s+(\d+)\s+(\d+)\(", re.M)


def summary(out):
    """{path: (requests, failures)} from Locust's final summary table (the
    --csv files may lag behind the last requests)."""
    rows = {}
    for path, reqs, fails in SUMMARY_ROW.findall(out):
        rows.setdefault(path, (int(reqs), int(fails)))  # first table: requests
    return rows


def test_seed_user_contact_fails(app):
    before = app.metrics()
    code, out = finish(locust(app, "locustfile.py", extra=("-u", "20", "-r", "20", "-t", "8s")))
    after = app.metrics()
    stats = summary(out)
    # Locust exits 1 when any request failed: the /contact 404s
    check(code == 1, f"exit {code}\n{out[-1500:]}")
    reqs, fails = stats["/contact"]
    check(reqs > 0 and reqs == fails, f"every /contact is a failure: {stats}")
    for path in ("/", "/about", "/products", "/orders"):
        check(stats.get(path, (0,))[0] > 0 and stats[path][1] == 0, f"{path}: {stats.get(path)}")
    for path, code_ in (("/contact", 404), ("/", 200), ("/about", 200), ("/products", 200),
                        ("/orders", 200)):
        key = f'http_requests_total{{method="GET",route="{path}",code="{code_}"}}'
        served = after.get(key, 0) - before.get(key, 0)
        # a request cut off when the run ends is counted by the server only
        check(stats[path][0] <= served <= stats[path][0] + 20,
              f"{path}: server counted {served}, Locust {stats[path][0]}")


def test_other_profiles_run(app):
    stress = {"STRESS_START_USERS": "5", "STRESS_STEP_USERS": "5", "STRESS_STEP_SECONDS": "3",
              "STRESS_MAX_USERS": "10", "STRESS_SPAWN_RATE": "10"}
    runs = {
        # generous SLO: no breaking point whatever the machine's load
        "stress.py": dict(stress, SLO_P95_MS="5000"),
        "spike.py": {"SPIKE_BASE_USERS": "2", "SPIKE_PEAK_USERS": "40",
                     "SPIKE_BASE_SECONDS": "2", "SPIKE_PEAK_SECONDS": "3",
                     "SPIKE_RECOVERY_SECONDS": "2"},
        "soak.py": {"SOAK_USERS": "5", "SOAK_SPAWN_RATE": "5", "SOAK_DURATION": "4"},
    }
    procs = {name: locust(app, name, env) for name, env in runs.items()}
    # an SLO no step can meet: the first step is the breaking point
    broken = locust(app, "stress.py", dict(stress, SLO_P95_MS="1"))
    results = {name: finish(p) for name, p in procs.items()}
    code, out = finish(broken)
    check(code == 0 and "stress: breaking point at 5 users" in out and "no step met the SLO" in out,
          f"stress with an SLO no step meets: {code}\n{out[-1500:]}")
    code, out = results["stress.py"]
    check(code == 0 and "stress: no breaking point up to 10 users" in out, f"stress: {code}\n{out[-1500:]}")
    for name in ("spike.py", "soak.py"):
        code, out = results[name]
        # Locust exits 1 when a request failed (DemoUser's /contact), else 0
        stats = summary(out)
        want = 1 if sum(fails for _, fails in stats.values()) else 0
        check(stats and code == want and "Shape test stopping" in out and "Traceback" not in out,
              f"{name}: {code}\n{out[-1500:]}")
    check("Shape test updating to 40 users" in results["spike.py"][1], "spike reached its peak")


def main():
    tally = Results()
    env = {"DEMO_APP_SPIKE_RATIO": "0.3", "DEMO_APP_POOL_SIZE": "2"}
    app = App("--seed=11", env=env)
    side = App("--seed=12", "--threads=200")
    for fn in (test_acceptance_passes_by_default, test_acceptance_fails_with_latency_spikes,
               test_acceptance_fails_with_pool_exhaustion):
        tally.run(fn, app)
    for fn in (test_seed_user_contact_fails, test_other_profiles_run):
        tally.run(fn, side)
    tally.run(lambda: check(app.stop() == 0 and side.stop() == 0, "clean exit"))
    tally.exit()


if __name__ == "__main__":
    main()
