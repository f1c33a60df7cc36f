"""Soak test: constant, moderate load for a long time (leaks, slow drift:
watch process_resident_memory_bytes and demo_leaked_bytes).

    tools/locust -f demo-app/locust/soak.py --host http://127.0.0.1:5000 --headless

    SOAK_USERS       users (default 100)
    SOAK_SPAWN_RATE  users started per second (default 10)
    SOAK_DURATION    seconds (default 14400, four hours)

Uses the seed's DemoUser.
"""
from locust import LoadTestShape

from locustfile import DemoUser  # noqa: F401 (the user that runs)
from slo import env_number

USERS = env_number("SOAK_USERS", 100)
SPAWN_RATE = env_number("SOAK_SPAWN_RATE", 10.0)
DURATION = env_number("SOAK_DURATION", 14400.0)


class SoakShape(LoadTestShape):
    """USERS users for DURATION seconds."""

    def tick(self):
        if self.get_run_time() < DURATION:
            return USERS, SPAWN_RATE
        return None
