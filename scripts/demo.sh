#!/usr/bin/env bash
# The native demo stack on 127.0.0.1, without Docker: the demo app, a Locust
# master with workers running the demo profile, locust_exporter and
# Prometheus (Debian's packages) with the project's config and rules.
#
#   scripts/demo.sh                 run until Ctrl-C, then stop everything
#   DURATION=60 scripts/demo.sh     run the test for 60 s, print a summary, stop
#
# Everything is configurable from the environment (0 = pick a free port):
#   O=build  DEMO_DIR=.demo  DURATION=  USERS=50  SPAWN_RATE=5  WORKERS=2
#   DEMO_APP_PORT=5000  LOCUST_WEB_PORT=8089  LOCUST_MASTER_PORT=5557
#   EXPORTER_PORT=9646  PROMETHEUS_PORT=9090  SCRAPE_INTERVAL=5s
#   LOCUSTFILE=demo-app/locust/locustfile.py
#   DEMO_SCENARIOS=     (e.g. latency_spikes,poor_cache: the demo app's --scenario)
# When all is up it writes $DEMO_DIR/stack.env (ports and URLs, shell syntax)
# for scripts that drive the stack (tests/e2e/stack_test.sh).
# It only ever stops the processes it started itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
O=${O:-build}
DEMO_DIR=${DEMO_DIR:-$ROOT/.demo}
DURATION=${DURATION:-}
USERS=${USERS:-50}  # as compose.yml; pool_exhaustion needs more than ~30 to exhaust anything
SPAWN_RATE=${SPAWN_RATE:-5}
WORKERS=${WORKERS:-2}
SCRAPE_INTERVAL=${SCRAPE_INTERVAL:-5s}
DEMO_SCENARIOS=${DEMO_SCENARIOS:-}
PY=/usr/bin/python3
LOCUSTFILE=${LOCUSTFILE:-demo-app/locust/locustfile.py}

log() { printf '[demo] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------ checks
[ -x "$O/demo-app" ] || die "$O/demo-app missing: run make O=$O build-all"
[ -x "$O/locust_exporter" ] || die "$O/locust_exporter missing: run make O=$O build-all"
command -v prometheus >/dev/null || die "prometheus not found: make deps (Debian package prometheus)"
"$PY" -c 'import locust' 2>/dev/null || die "Debian python3-locust missing: make deps"
[ -f "$LOCUSTFILE" ] || die "$LOCUSTFILE missing"
case "$DURATION" in ''|*[!0-9]*) [ -z "$DURATION" ] || die "DURATION must be seconds";; esac

mkdir -p "$DEMO_DIR"
DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
rm -rf "$DEMO_DIR/prometheus-data" "$DEMO_DIR/stack.env"

# --------------------------------------------------------- process control
PIDS=()
LAST_PID=
cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	if [ ${#PIDS[@]} -gt 0 ]; then
		log "stopping ${#PIDS[@]} processes"
		for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
		for i in $(seq 50); do
			local alive=0
			for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
			[ $alive = 0 ] && break
			sleep 0.1
		done
		for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
		wait 2>/dev/null || true
	fi
	exit $rc
}
trap cleanup EXIT
trap 'log "stop requested"; exit 0' INT TERM

start() { # start NAME CMD...: background, output in $DEMO_DIR/NAME.log
	local name=$1; shift
	"$@" >"$DEMO_DIR/$name.log" 2>&1 &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port() { local v=${!1:-$2}; [ "$v" = 0 ] && v=$(free_port); printf '%s' "$v"; }

wait_http() { # wait_http NAME URL PID: poll until URL answers 2xx (60 s max)
	local i
	for i in $(seq 300); do
		curl -fsS -o /dev/null --max-time 2 "$2" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { tail -n 20 "$DEMO_DIR/$1.log" >&2; die "$1 exited"; }
		sleep 0.2
	done
	tail -n 20 "$DEMO_DIR/$1.log" >&2
	die "$1 did not answer on $2"
}

APP_PORT=$(port DEMO_APP_PORT 5000)
WEB_PORT=$(port LOCUST_WEB_PORT 8089)
MASTER_PORT=$(port LOCUST_MASTER_PORT 5557)
EXP_PORT=$(port EXPORTER_PORT 9646)
PROM_PORT=$(port PROMETHEUS_PORT 9090)
APP_URL=http://127.0.0.1:$APP_PORT
LOCUST_URL=http://127.0.0.1:$WEB_PORT
EXP_URL=http://127.0.0.1:$EXP_PORT
PROM_URL=http://127.0.0.1:$PROM_PORT

# ------------------------------------------------------------------ start
app_args=(--listen="127.0.0.1:$APP_PORT")
[ -n "$DEMO_SCENARIOS" ] && app_args+=(--scenario="$DEMO_SCENARIOS")
start demo-app "$O/demo-app" "${app_args[@]}"
wait_http demo-app "$APP_URL/healthz" "$LAST_PID"
log "demo app        $APP_URL"

locust_args=(-f "$LOCUSTFILE" --host "$APP_URL")
master_args=(--master --autostart --expect-workers "$WORKERS" -u "$USERS" -r "$SPAWN_RATE"
	--web-host 127.0.0.1 --web-port "$WEB_PORT"
	--master-bind-host 127.0.0.1 --master-bind-port "$MASTER_PORT")
[ -n "$DURATION" ] && master_args+=(-t "${DURATION}s")
start locust-master tools/locust "${locust_args[@]}" "${master_args[@]}"
MASTER_PID=$LAST_PID
for i in $(seq "$WORKERS"); do
	start "locust-worker-$i" tools/locust "${locust_args[@]}" --worker \
		--master-host 127.0.0.1 --master-port "$MASTER_PORT"
done
wait_http locust-master "$LOCUST_URL/stats/requests" "$MASTER_PID"
log "Locust web UI   $LOCUST_URL  ($WORKERS workers, $USERS users)"

start exporter "$O/locust_exporter" --locust.uri="$LOCUST_URL" --web.listen-address="127.0.0.1:$EXP_PORT"
wait_http exporter "$EXP_URL/-/healthy" "$LAST_PID"
log "exporter        $EXP_URL/metrics"

# The project's prometheus.yml with native targets, interval and absolute rule paths.
sed -e "s|\"exporter:9646\"|\"127.0.0.1:$EXP_PORT\"|" \
	-e "s|\"demo-app:5000\"|\"127.0.0.1:$APP_PORT\"|" \
	-e "s|\"localhost:9090\"|\"127.0.0.1:$PROM_PORT\"|" \
	-e "s|^\(  [a-z_]*_interval:\) .*|\1 $SCRAPE_INTERVAL|" \
	-e "s|^  - rules/|  - $ROOT/prometheus/rules/|" \
	prometheus/prometheus.yml >"$DEMO_DIR/prometheus.yml"
start prometheus prometheus --config.file="$DEMO_DIR/prometheus.yml" \
	--storage.tsdb.path="$DEMO_DIR/prometheus-data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle
wait_http prometheus "$PROM_URL/-/ready" "$LAST_PID"
log "Prometheus      $PROM_URL   (Grafana: see docs/dashboards.md to import the dashboards)"

# Written aside and renamed: whoever waits for the file reads it whole.
cat >"$DEMO_DIR/stack.env.tmp" <<EOF
DEMO_APP_URL=$APP_URL
LOCUST_URL=$LOCUST_URL
EXPORTER_URL=$EXP_URL
PROMETHEUS_URL=$PROM_URL
DEMO_PIDS="${PIDS[*]}"
EOF
mv "$DEMO_DIR/stack.env.tmp" "$DEMO_DIR/stack.env"

# ------------------------------------------------------------------- wait
if [ -z "$DURATION" ]; then
	log "running; Ctrl-C stops everything (logs in $DEMO_DIR)"
	while :; do
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null || die "process $pid exited; logs in $DEMO_DIR"
		done
		sleep 1
	done
fi

log "running the test for ${DURATION}s"
# The run is over when Locust is `stopped` after it ran: a master can report
# `stopped` before its workers have joined (seen on a loaded machine), so a
# `stopped` counts once `spawning`/`running` was seen, or DURATION has passed.
start=$SECONDS
deadline=$((SECONDS + DURATION + 60))
ran=
while :; do
	state=$(curl -fsS --max-time 2 "$EXP_URL/metrics" 2>/dev/null |
		sed -n 's/^locust_state{state="\([a-z]*\)"} 1$/\1/p') || true
	case $state in
	spawning | running) ran=1 ;;
	stopped) [ -n "$ran" ] || [ $((SECONDS - start)) -ge "$DURATION" ] && break ;;
	esac
	[ $SECONDS -lt $deadline ] || die "Locust did not stop within ${DURATION}s + 60s"
	kill -0 "$MASTER_PID" 2>/dev/null || die "Locust master exited"
	sleep 1
done
# two more scrapes and rule evaluations so the summary sees the end of the run
sleep "$(( $(echo "$SCRAPE_INTERVAL" | tr -dc 0-9) * 2 + 1 ))"
"$PY" scripts/demo_summary.py "$PROM_URL" "${DURATION}s"
