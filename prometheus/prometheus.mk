# prometheus/prometheus.mk: configuration, recording/SLO/alert rules and their unit tests.
# (Not named build.mk: the Makefile includes both */build.mk and prometheus/*.mk.)
#
#   check-prometheus-config   promtool check config (and the rules it loads)
#   check-prometheus-rules    promtool check rules + promtool test rules
#                             + every alert tested firing and silent

PROMTOOL ?= promtool
PROM_RULES = $(sort $(wildcard prometheus/rules/*.yml))

check-prometheus-config:
	$(PROMTOOL) check config prometheus/prometheus.yml

check-prometheus-rules:
	$(PROMTOOL) check rules $(PROM_RULES)
	$(PROMTOOL) test rules prometheus/tests/*.yml
	/usr/bin/python3 prometheus/check_coverage.py

CHECKS += check-prometheus-config check-prometheus-rules
