"""The seed's Locust user for the demo app (exploratory profile).

Exploratory testing (web UI, no shape; pick users and spawn rate there):

    tools/locust -f demo-app/locust/locustfile.py --host http://127.0.0.1:5000

Headless, fixed load:

    tools/locust -f demo-app/locust/locustfile.py --host http://127.0.0.1:5000 \
        --headless -u 50 -r 10 -t 2m

Every route a demo-app scenario lives on is exercised, weighted like a
small shop's traffic: the home page and product pages most, a customer's
order list (/orders, the database route) and the about page less, the
contact page rarely (weights 3:3:2:1:1 of 10).

/contact answers 404 by design, so a tenth of DemoUser's requests are
failures (the dashboards show errors) and Locust exits 1 at the end of a
headless run.  The profiles that judge the result (acceptance, stress)
use SloUser from slo.py, which leaves /contact out.

Works with Debian's Locust 2.12 (run through tools/locust) and current Locust.
"""
import random

from locust import HttpUser, between, task

CUSTOMERS = 1000  # the demo app's customers 1..1000


class DemoUser(HttpUser):
    """The classic demo's pages plus a customer's orders, one to three
    seconds apart."""

    wait_time = between(1, 3)

    @task(3)
    def index(self):
        self.client.get("/")

    @task(2)
    def about(self):
        self.client.get("/about")

    @task(3)
    def products(self):
        self.client.get("/products")

    @task(1)
    def orders(self):
        # one customer's order list: one row in Locust's stats, whoever asks
        customer = random.randint(1, CUSTOMERS)
        self.client.get("/orders?customer=%d" % customer, name="/orders")

    @task(1)
    def contact(self):
        # 404: a failure in Locust, on purpose
        self.client.get("/contact")
