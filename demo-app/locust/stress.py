"""Stress test: add users step by step until the failure ratio or the p95
of the last step crosses the SLO (slo.py), then stop and report the
breaking point (the last user count that still met it).

    tools/locust -f demo-app/locust/stress.py --host http://127.0.0.1:5000 --headless

    STRESS_START_USERS    users of the first step (default 50)
    STRESS_STEP_USERS     users added per step (default 50)
    STRESS_STEP_SECONDS   length of a step (default 30)
    STRESS_MAX_USERS      stop here without a breaking point (default 2000)
    STRESS_SPAWN_RATE     users started per second (default 50)
    SLO_P95_MS, SLO_FAIL_RATIO   the thresholds (slo.py)

Exit code: 0 (a stress test measures; it does not pass or fail).
"""
import logging

from locust import LoadTestShape, events

from slo import SLO_FAIL_RATIO, SLO_P95_MS, SloUser, env_number, is_worker  # noqa: F401

START = env_number("STRESS_START_USERS", 50)
STEP = env_number("STRESS_STEP_USERS", 50)
STEP_SECONDS = env_number("STRESS_STEP_SECONDS", 30.0)
MAX_USERS = env_number("STRESS_MAX_USERS", 2000)
SPAWN_RATE = env_number("STRESS_SPAWN_RATE", 50.0)

log = logging.getLogger("stress")
result = {"broken_at": None, "last_good": None, "why": ""}


class StressShape(LoadTestShape):
    """START, START+STEP, ... users, each step STEP_SECONDS long."""

    step_index = -1
    step_requests = 0
    step_failures = 0

    def step_verdict(self):
        """Failure ratio and p95 of the step that just ended."""
        total = self.runner.stats.total
        requests = total.num_requests - self.step_requests
        failures = total.num_failures - self.step_failures
        self.step_requests, self.step_failures = total.num_requests, total.num_failures
        ratio = failures / requests if requests else 0.0
        p95 = total.get_current_response_time_percentile(0.95) or 0
        return ratio, p95

    def tick(self):
        step = int(self.get_run_time() // STEP_SECONDS)
        users = START + step * STEP
        if step != self.step_index:
            if self.step_index >= 0:
                ratio, p95 = self.step_verdict()
                previous = START + self.step_index * STEP
                log.info("stress: %d users: p95 %.0f ms, failures %.2f%%", previous, p95, ratio * 100)
                if ratio > SLO_FAIL_RATIO or p95 > SLO_P95_MS:
                    result["broken_at"] = previous
                    result["why"] = f"p95 {p95:.0f} ms, failures {ratio:.2%}"
                    return None
                result["last_good"] = previous
            self.step_index = step
        if users > MAX_USERS:
            return None
        return users, SPAWN_RATE


@events.quitting.add_listener
def report(environment, **_kwargs):
    if is_worker(environment):
        return
    if result["broken_at"] is not None:
        good = result["last_good"]
        log.info("stress: breaking point at %d users (%s); %s",
                 result["broken_at"], result["why"],
                 f"last good step: {good} users" if good else "no step met the SLO")
    else:
        log.info("stress: no breaking point up to %s users", result["last_good"])
    environment.process_exit_code = 0
