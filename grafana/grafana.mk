# grafana/grafana.mk: dashboards and provisioning checks.
# (Not named build.mk: the Makefile includes both */build.mk and grafana/*.mk.)
#
#   check-dashboards   the committed JSON (and docs/dashboards.md's panel
#                      reference) match grafana/gen_dashboards.py; static lint
#   make dashboards    regenerate them after editing gen_dashboards.py

dashboards:
	/usr/bin/python3 grafana/gen_dashboards.py

check-dashboards:
	/usr/bin/python3 grafana/gen_dashboards.py --check
	/usr/bin/python3 grafana/lint_dashboards.py

CHECKS += check-dashboards
.PHONY: dashboards
