#!/bin/bash
# t/fuzz/run.sh BUILD SECONDS MERGE TARGET... - `make fuzz`'s runner.
#
# Runs each libFuzzer binary BUILD/fuzz/fuzz-TARGET for SECONDS (one
# target at a time, nice -n 10, stdin from /dev/null, no terminal) on a
# working corpus in BUILD/corpus/TARGET that starts from t/fuzz/corpus/
# and t/fuzz/regress/.  Crashes, leaks and timeouts are saved under
# BUILD/artifacts/TARGET/.  MERGE=1 then merges the inputs that add
# coverage into t/fuzz/corpus/TARGET (libFuzzer -merge=1).  Prints one
# line per target: executions, new corpus inputs, crashes; exits 1 when
# any target crashed.  FUZZ_FLAGS adds libFuzzer options, e.g. "-fork=1
# -ignore_crashes=1" to keep going past a known crash.

set -u

build=$1 seconds=${2:-60} merge=${3:-}
shift 3
top=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 1
case $seconds in
'' | *[!0-9]*) echo "make fuzz: FUZZ_SECONDS must be a number of seconds, not '$seconds'" >&2; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "make fuzz: no fuzz targets (FUZZ_TARGETS is empty)" >&2; exit 2; }

failed=0
for t in "$@"; do
	bin=$build/fuzz/fuzz-$t
	if [ ! -x "$bin" ]; then
		echo "make fuzz: no fuzz target '$t' (t/fuzz/fuzz-$t.c)" >&2
		exit 2
	fi
	work=$build/corpus/$t art=$build/artifacts/$t/ log=$build/fuzz-$t.log
	mkdir -p "$work" "$art"
	seeds=$top/t/fuzz/corpus/$t regress=$top/t/fuzz/regress/$t
	dirs=$seeds
	[ -d "$regress" ] && dirs="$dirs $regress"
	# shellcheck disable=SC2086
	setsid nice -n 10 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art" ${FUZZ_FLAGS:-} "$work" $dirs \
		</dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	# -fork=N prints no final stats: its last "#N" status line counts them
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\):\{0,1\}[[:space:]].*/\1/p' "$log" | tail -n 1)
	found=$(find "$art" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		failed=1
		echo "fuzz-$t: FAILED (exit $rc) after ${execs:-?} executions; see $log and $art" >&2
	fi
	if [ "$merge" = 1 ] && [ "$rc" -eq 0 ]; then
		before=$(find "$seeds" -type f | wc -l)
		setsid nice -n 10 "$bin" -merge=1 "$seeds" "$work" </dev/null >>"$log" 2>&1 || failed=1
		echo "fuzz-$t: merged $(( $(find "$seeds" -type f | wc -l) - before )) inputs into t/fuzz/corpus/$t"
	fi
	printf 'fuzz-%s: %s executions in %ss, %s inputs in %s, %s crashes\n' "$t" "${execs:-?}" \
		"$seconds" "$(find "$work" -type f | wc -l)" "$work" "$found"
done
exit $failed
