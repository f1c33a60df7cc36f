#!/bin/sh
# run.sh SECONDS: replay the regression seeds of tests/fuzz/corpus once,
# then fuzz for SECONDS with the seeds and the Locust dictionary.  New
# inputs go to $O/fuzz/corpus (not committed); a crash leaves its input in
# $O/fuzz/artifacts/ and fails.  Used by `make check-fuzz` and `make fuzz`.
set -eu
secs=${1:?usage: run.sh SECONDS}
O=${O:-build}
bin=$O/fuzz/fuzz_scrape
seeds=tests/fuzz/corpus
work=$O/fuzz/corpus
art=$O/fuzz/artifacts/
# The unit tests' per-version fixtures are extra (read-only) seeds.
extra=
[ -d tests/fixtures/locust ] && extra=tests/fixtures/locust
mkdir -p "$work" "$art"

echo "fuzz: replaying $(ls "$seeds" | wc -l) regression seeds"
"$bin" -runs=0 -detect_leaks=1 "$seeds"/* 2>"$O/fuzz/replay.log" || {
	cat "$O/fuzz/replay.log"; echo "fuzz: a regression seed fails"; exit 1; }

echo "fuzz: fuzzing for ${secs}s (rss limit ${FUZZ_RSS_MB:-2048} MB)"
set +e
"$bin" -max_total_time="$secs" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout=10 \
	-max_len=65536 -dict=tests/fuzz/locust.dict -artifact_prefix="$art" \
	-print_final_stats=1 "$work" "$seeds" $extra >"$O/fuzz/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$O/fuzz/fuzz.log" || true
if [ $rc -ne 0 ]; then
	tail -n 60 "$O/fuzz/fuzz.log"
	echo "fuzz: FAILED (exit $rc); crash inputs in $art:"; ls -l "$art"
	echo "fuzz: reproduce with $bin <input>; after the fix, add it to $seeds/"
	exit 1
fi
echo "fuzz: ok, no crash in ${secs}s"
