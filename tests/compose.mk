# tests/compose.mk: compose.yml and the images.
#
#   make images         the demo app and exporter images, tagged as compose.yml
#                       names them, with the git revision as build argument
#                       (locust_exporter_build_info shows it)
#   check-compose       no engine needed: docker-compose config -q, compose and
#                       Dockerfile rules, runtime packages against the binaries
#   check-compose-up    the stack for real under a Docker engine of the test's
#                       own (tests/e2e/compose_up.py; root).  ~5-7 min cold,
#                       ~1.5 min with the images cached in COMPOSE_UP_CACHE
#                       (default /var/tmp/locust_exporter-compose-up; empty:
#                       a fresh data root, removed after the run)
#   clean-compose-up    remove that cache

# `docker compose` (v2) where it exists, else docker-compose (Debian 12's).
COMPOSE = $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)
COMPOSE_UP_CACHE ?= /var/tmp/locust_exporter-compose-up

images:
	GIT_REVISION=$(LE_REVISION) $(COMPOSE) build demo-app exporter

check-compose: $(O)/locust_exporter $(O)/demo-app
	docker-compose -f compose.yml config -q
	/usr/bin/python3 tests/e2e/check_deploy_files.py

check-compose-up:
	COMPOSE_UP_CACHE="$(COMPOSE_UP_CACHE)" /usr/bin/python3 tests/e2e/compose_up.py

clean-compose-up:
	@if [ -S "$(COMPOSE_UP_CACHE)/docker.sock" ] && DOCKER_HOST="unix://$(COMPOSE_UP_CACHE)/docker.sock" docker version >/dev/null 2>&1; then \
	  echo "an engine still runs on $(COMPOSE_UP_CACHE)/docker.sock: stop it first"; exit 1; fi
	rm -rf --one-file-system "$(COMPOSE_UP_CACHE)"

CHECKS += check-compose check-compose-up
.PHONY: images clean-compose-up
