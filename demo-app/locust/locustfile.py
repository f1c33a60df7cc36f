"""The seed's Locust user for the demo app (exploratory profile).

Exploratory testing (web UI, no shape; pick users and spawn rate there):

    tools/locust -f demo-app/locust/locustfile.py --host http://127.0.0.1:5000

Headless, fixed load:

    tools/locust -f demo-app/locust/locustfile.py --host http://127.0.0.1:5000 \
        --headless -u 50 -r 10 -t 2m

/contact answers 404 by design, so a quarter of DemoUser's requests are
failures (the dashboards show errors) and Locust exits 1 at the end of a
headless run.  The profiles that judge the result (acceptance, stress)
use SloUser from slo.py, which leaves /contact out.

Works with Debian's Locust 2.12 (run through tools/locust) and current Locust.
"""
from locust import HttpUser, between, task


class DemoUser(HttpUser):
    """The classic demo: four pages, one to four seconds apart."""

    wait_time = between(1, 3)

    @task
    def index(self):
        self.client.get("/")

    @task
    def about(self):
        self.client.get("/about")

    @task
    def products(self):
        self.client.get("/products")

    @task
    def contact(self):
        # 404: a failure in Locust, on purpose
        self.client.get("/contact")
