# /probe multi-target mode and the headless CSV source (real Locust run).
CHECKS += check-exporter-probe-csv

check-exporter-probe-csv: $(O)/locust_exporter
	O=$(O) /usr/bin/python3 tests/integration/exporter_probe_csv.py
