"""Acceptance test: fixed load for a fixed time, exit code 1 when the SLO
(p95 < 500 ms and failures < 1%, see slo.py) is missed, 0 when it is met.

    tools/locust -f demo-app/locust/acceptance.py --host http://127.0.0.1:5000 --headless

    ACCEPTANCE_USERS       users (default 50)
    ACCEPTANCE_SPAWN_RATE  users started per second (default 10)
    ACCEPTANCE_DURATION    seconds at full load, ramp-up included (default 60)
    SLO_P95_MS, SLO_FAIL_RATIO   the SLO (slo.py)

The SLO is evaluated on SloUser's routes (/, /about, /products, /orders):
/contact answers 404 by design and is left out.
"""
import logging

from locust import LoadTestShape, events

from slo import SloUser, env_number, is_worker, verdict  # noqa: F401 (SloUser runs)

USERS = env_number("ACCEPTANCE_USERS", 50)
SPAWN_RATE = env_number("ACCEPTANCE_SPAWN_RATE", 10.0)
DURATION = env_number("ACCEPTANCE_DURATION", 60.0)


class AcceptanceShape(LoadTestShape):
    """USERS users for DURATION seconds, then stop."""

    def tick(self):
        if self.get_run_time() < DURATION:
            return USERS, SPAWN_RATE
        return None


@events.quitting.add_listener
def judge(environment, **_kwargs):
    if is_worker(environment):
        return
    ok, p95, fail, reason = verdict(environment.stats.total)
    logging.getLogger("acceptance").info(
        "acceptance %s: %s (p95 %.0f ms, failures %.2f%%, %d requests)",
        "PASSED" if ok else "FAILED", reason, p95, fail * 100,
        environment.stats.total.num_requests)
    environment.process_exit_code = 0 if ok else 1
