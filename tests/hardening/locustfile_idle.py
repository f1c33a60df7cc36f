"""A Locust user that sends nothing: enough for a running Locust web UI
whose /stats/requests the hardening tests scrape (no target app needed)."""
from locust import User, constant, task


class IdleUser(User):
    wait_time = constant(1)

    @task
    def idle(self):
        pass
