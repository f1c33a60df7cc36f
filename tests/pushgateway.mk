# tests/pushgateway.mk: --pushgateway.* (issue 13) against Debian's real
# prometheus-pushgateway: periodic and final pushes, the Go fork's env vars,
# a Pushgateway down, hung, refusing; TLS and basic auth (~40 s).
check-exporter-push: $(O)/locust_exporter
	O=$(O) /usr/bin/python3 tests/integration/exporter_push.py

CHECKS += check-exporter-push
