"""Shared by the profiles that judge a run: the user without /contact and
the SLO check (p95 latency and failure ratio, from the environment).

Not a locustfile on its own: acceptance.py and stress.py import it.

    SLO_P95_MS       p95 response time limit in ms (default 500)
    SLO_FAIL_RATIO   failure ratio limit, 0..1 (default 0.01)
"""
import os

from locust import HttpUser

from locustfile import DemoUser


def env_number(name, default):
    """A number from the environment, or the default."""
    value = os.environ.get(name, "")
    return type(default)(value) if value.strip() else default


SLO_P95_MS = env_number("SLO_P95_MS", 500.0)
SLO_FAIL_RATIO = env_number("SLO_FAIL_RATIO", 0.01)


class SloUser(HttpUser):
    """DemoUser's routes and weights without /contact, whose 404s are
    failures by design and would break any SLO."""

    wait_time = DemoUser.wait_time
    # Locust lists a @task(n) method n times: the weights come along
    tasks = [t for t in DemoUser.tasks if t is not DemoUser.contact]


def is_worker(environment):
    """Workers see only their own share: the master judges."""
    return type(environment.runner).__name__ == "WorkerRunner"


def verdict(stats_entry):
    """(ok, p95_ms, fail_ratio, reason) for a StatsEntry (cumulative)."""
    p95 = stats_entry.get_response_time_percentile(0.95) or 0
    fail = stats_entry.fail_ratio
    if stats_entry.num_requests == 0:
        return False, p95, fail, "no requests were made"
    if p95 > SLO_P95_MS:
        return False, p95, fail, f"p95 {p95:.0f} ms > {SLO_P95_MS:.0f} ms"
    if fail > SLO_FAIL_RATIO:
        return False, p95, fail, f"failures {fail:.2%} > {SLO_FAIL_RATIO:.2%}"
    return True, p95, fail, "within the SLO"
