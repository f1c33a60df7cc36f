#!/usr/bin/env bash
# End-to-end test of the whole pipeline, natively on 127.0.0.1:
# demo app <- Locust master + 2 workers -> locust_exporter -> Prometheus
# (scripts/demo.sh on free ports, 1 s scrape interval, a temporary directory),
# then tests/e2e/check_stack.py asserts targets, every dashboard query and
# every recording rule through the Prometheus HTTP API.
# Binaries come from $O (default build).  Stops only the stack it started.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export O=${O:-build}
SCRAPE_SECONDS=${SCRAPE_SECONDS:-20}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/locust-stack.XXXXXX")
STACK_PID=
cleanup() {
	local rc=$?
	if [ -n "$STACK_PID" ] && kill -0 "$STACK_PID" 2>/dev/null; then
		kill -TERM "$STACK_PID" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$STACK_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$STACK_PID" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	if [ $rc -ne 0 ]; then
		for f in "$TMP/demo.out" "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT

DEMO_DIR=$TMP SCRAPE_INTERVAL=1s USERS=${USERS:-10} SPAWN_RATE=10 WORKERS=2 \
DEMO_APP_PORT=0 LOCUST_WEB_PORT=0 LOCUST_MASTER_PORT=0 EXPORTER_PORT=0 PROMETHEUS_PORT=0 \
DEMO_SCENARIOS=${DEMO_SCENARIOS:-latency_spikes,poor_cache} DURATION='' \
	scripts/demo.sh >"$TMP/demo.out" 2>&1 &
STACK_PID=$!

for _ in $(seq 600); do  # 60 s for the stack to come up
	[ -f "$TMP/stack.env" ] && break
	kill -0 "$STACK_PID" 2>/dev/null || { cat "$TMP/demo.out"; echo "stack failed to start"; exit 1; }
	sleep 0.1
done
[ -f "$TMP/stack.env" ] || { cat "$TMP/demo.out"; echo "stack did not come up in 60 s"; exit 1; }
# shellcheck disable=SC1091
. "$TMP/stack.env"
echo "stack up: $PROMETHEUS_URL; scraping for ${SCRAPE_SECONDS}s"

# Let Prometheus scrape a running test: at least SCRAPE_SECONDS, and until the
# per-endpoint series and the recording rules have data (bounded: 60 s more).
start=$SECONDS
for _ in $(seq $((SCRAPE_SECONDS + 60))); do
	kill -0 "$STACK_PID" 2>/dev/null || { cat "$TMP/demo.out"; echo "stack died"; exit 1; }
	if [ $((SECONDS - start)) -ge "$SCRAPE_SECONDS" ] &&
		curl -fsS --max-time 3 "$PROMETHEUS_URL/api/v1/query" \
			--data-urlencode 'query=count(endpoint:locust_requests:rate1m > 0) > 2' |
		grep -q '"result":\[{'; then
		break
	fi
	sleep 1
done
/usr/bin/python3 tests/e2e/check_stack.py "$PROMETHEUS_URL"
