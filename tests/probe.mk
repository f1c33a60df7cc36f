# /probe multi-target mode and the headless CSV source (real Locust run);
# DNS failure and proxies (network namespace).
CHECKS += check-exporter-probe-csv

check-exporter-probe-csv: $(O)/locust_exporter
	O=$(O) /usr/bin/python3 tests/integration/exporter_probe_csv.py

# DNS failure and proxies from the environment, in a network namespace the
# test creates (loopback only: nothing leaves the machine).  Needs root.
CHECKS += check-exporter-netns

check-exporter-netns: $(O)/locust_exporter
	O=$(O) /usr/bin/python3 tests/netns/exporter_netns.py
