"""Spike test: a baseline, a sudden surge, then recovery at the baseline
(watch latency, failures and the demo app's busy threads recover).

    tools/locust -f demo-app/locust/spike.py --host http://127.0.0.1:5000 --headless

    SPIKE_BASE_USERS        baseline users (default 20)
    SPIKE_PEAK_USERS        users during the surge (default 500)
    SPIKE_BASE_SECONDS      baseline before the surge (default 60)
    SPIKE_PEAK_SECONDS      length of the surge (default 60)
    SPIKE_RECOVERY_SECONDS  baseline after the surge (default 120)

Uses the seed's DemoUser (so /contact 404s show as failures throughout).
"""
from locust import LoadTestShape

from locustfile import DemoUser  # noqa: F401 (the user that runs)
from slo import env_number

BASE = env_number("SPIKE_BASE_USERS", 20)
PEAK = env_number("SPIKE_PEAK_USERS", 500)
BASE_SECONDS = env_number("SPIKE_BASE_SECONDS", 60.0)
PEAK_SECONDS = env_number("SPIKE_PEAK_SECONDS", 60.0)
RECOVERY_SECONDS = env_number("SPIKE_RECOVERY_SECONDS", 120.0)


class SpikeShape(LoadTestShape):
    """Baseline, surge (all users at once), recovery, stop."""

    def tick(self):
        t = self.get_run_time()
        if t < BASE_SECONDS:
            return BASE, BASE
        if t < BASE_SECONDS + PEAK_SECONDS:
            return PEAK, PEAK  # the whole surge within about a second
        if t < BASE_SECONDS + PEAK_SECONDS + RECOVERY_SECONDS:
            return BASE, PEAK
        return None
