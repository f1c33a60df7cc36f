#!/bin/sh
# run.sh HARNESS SECONDS: replay the regression seeds of the harness once,
# then fuzz for SECONDS with the seeds (and, for scrape, the Locust
# dictionary and the unit tests' fixtures).  HARNESS is scrape
# (fuzz_scrape: jansson decode + model + render, seeds tests/fuzz/corpus)
# or csv (fuzz_csv, seeds tests/fuzz/corpus-csv).  New inputs go to $O/fuzz/corpus-HARNESS (not
# committed); a crash leaves its input in $O/fuzz/artifacts/ and fails.
# Used by `make check-fuzz` and `make fuzz`.
set -eu
h=${1:?usage: run.sh scrape|csv SECONDS}
secs=${2:?usage: run.sh scrape|csv SECONDS}
O=${O:-build}
bin=$O/fuzz/fuzz_$h
work=$O/fuzz/corpus-$h
art=$O/fuzz/artifacts/
case $h in
scrape)
	seeds=tests/fuzz/corpus
	extra="-dict=tests/fuzz/locust.dict"
	# The unit tests' per-version fixtures are extra (read-only) seeds.
	fixtures=
	[ -d tests/fixtures/locust ] && fixtures=tests/fixtures/locust
	;;
csv)
	seeds=tests/fuzz/corpus-csv
	extra=
	fixtures=
	;;
*)
	echo "run.sh: unknown harness $h"; exit 2 ;;
esac
mkdir -p "$work" "$art"
export FUZZ_CSV_DIR="$O/fuzz/csv-files"

echo "fuzz $h: replaying $(ls "$seeds" | wc -l) regression seeds"
"$bin" -runs=0 "$seeds"/* >"$O/fuzz/replay-$h.log" 2>&1 || {
	cat "$O/fuzz/replay-$h.log"; echo "fuzz $h: a regression seed fails"; exit 1; }

echo "fuzz $h: fuzzing for ${secs}s (rss limit ${FUZZ_RSS_MB:-2048} MB)"
set +e
"$bin" -max_total_time="$secs" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout=10 \
	-max_len=65536 $extra -artifact_prefix="$art" \
	-print_final_stats=1 "$work" "$seeds" $fixtures >"$O/fuzz/fuzz-$h.log" 2>&1
rc=$?
set -e
grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$O/fuzz/fuzz-$h.log" || true
if [ $rc -ne 0 ]; then
	grep -E '^(fuzz_(scrape|csv)|jansson|jsonread): ' "$O/fuzz/fuzz-$h.log" || true
	tail -n 40 "$O/fuzz/fuzz-$h.log"
	echo "fuzz $h: FAILED (exit $rc); crash inputs in $art:"; ls -l "$art"
	echo "fuzz $h: reproduce with $bin <input>; after the fix, add it to $seeds/regress-<what>"
	exit 1
fi
echo "fuzz $h: ok, no crash in ${secs}s"
