# demo-app tests: cmocka unit tests, the integration test against the real
# binary, short real Locust runs with the acceptance profile, and the live
# alert test (check-demo-alerts, ~5.5 min: six demo apps, one per scenario
# and a healthy one, under the project's Locust profile, with a real
# Prometheus evaluating the project's rules).
DEMO_UNIT = route delay scenario metrics config respond
DEMO_UNIT_BINS = $(DEMO_UNIT:%=$(O)/tests/unit/test_demo_%)
DEMO_TEST_PY = /usr/bin/python3

$(O)/tests/unit/test_demo_%.o: tests/unit/test_demo_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -Idemo-app $(call pkg_cflags,cmocka $(DEMO_PKGS)) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/tests/unit/test_demo_%: $(O)/tests/unit/test_demo_%.o $(DEMO_OBJ)
	$(CC) $(LDFLAGS_COMMON) $(LDFLAGS) -o $@ $^ $(call pkg_libs,cmocka) $(DEMO_LIBS)

check-demo-unit: $(DEMO_UNIT_BINS)
	@set -e; for t in $(DEMO_UNIT_BINS); do echo "--- $$t"; $$t; done

# LD_PRELOAD shim of the start test (slow thread creation); no sanitizer
# in it, whatever SANITIZE says
$(O)/tests/slow_thread_start.so: tests/integration/slow_thread_start.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

check-demo-integration: $(O)/demo-app $(O)/tests/slow_thread_start.so
	$(DEMO_TEST_PY) tests/integration/demo_app_test.py

check-demo-locust: $(O)/demo-app
	$(DEMO_TEST_PY) tests/integration/demo_app_locust_test.py

check-demo-alerts: $(O)/demo-app
	$(DEMO_TEST_PY) tests/integration/demo_alerts_live_test.py

CHECKS += check-demo-unit check-demo-integration check-demo-locust check-demo-alerts
.PRECIOUS: $(O)/tests/unit/test_demo_%.o
