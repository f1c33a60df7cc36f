# tests/stack.mk: the native demo stack (compose: tests/compose.mk).
#
#   make demo [DURATION=60]  demo app + Locust master/2 workers + exporter +
#                            Prometheus on 127.0.0.1 (scripts/demo.sh); with
#                            DURATION: run that long, print a summary, stop
#   check-stack-e2e          the native stack for ~20 s of scraping, then every
#                            target, dashboard query and recording rule
#                            through the Prometheus HTTP API

demo: build-all
	DURATION="$(DURATION)" scripts/demo.sh

check-stack-e2e: $(O)/locust_exporter $(O)/demo-app
	tests/e2e/stack_test.sh

CHECKS += check-stack-e2e
.PHONY: demo
