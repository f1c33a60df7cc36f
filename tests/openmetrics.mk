# tests/openmetrics.mk: OpenMetrics 1.0 by content negotiation (issue 13).
#
#   test_openmetrics (in check-exporter-unit)  cmocka: negotiation, conversion,
#                                      every allocation failing in turn
#   check-openmetrics  both programs' answers through the reference parser
#                      (python3-prometheus-client) on every Locust fixture,
#                      then a real Prometheus scraping them (it asks for
#                      OpenMetrics first)

# The allocation-failure test replaces realloc at link time.
$(O)/tests/test_openmetrics: LDFLAGS += -Wl,--wrap=realloc

check-openmetrics: $(O)/locust_exporter $(O)/demo-app
	O=$(O) /usr/bin/python3 tests/integration/openmetrics_test.py

CHECKS += check-openmetrics
