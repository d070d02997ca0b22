#!/bin/bash
# bench-lib.sh - what the bench-*.sh scripts share: medians and the one
# result line format of `make bench`:
#
#   CASE  OURS  REFERENCE  RATIO  TARGET  PASS|MISS
#
# RATIO is OURS / REFERENCE from the unrounded medians; PASS when it meets
# TARGET.  A MISS is reported, never a failure.  With BENCH_SUMMARY set (by
# scripts/bench.sh) each result line is also appended to that file.

BENCH_FMT='%-46s %11s %11s %7s %8s  %s\n'

bench_header () {
	printf "$BENCH_FMT" case ours reference ratio target verdict
}

# microseconds of one run of "$@" (output discarded) on stdout
bench_us () {
	local s e
	s=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	e=$EPOCHREALTIME
	echo $(( ${e/./} - ${s/./} ))
}

# median of the numbers on stdin, divided by ${1:-1000} (µs -> ms), 2 decimals
bench_median () {
	sort -n | awk -v d="${1:-1000}" '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.2f\n", m / d }'
}

# bench_result CASE OURS REF TARGET [UNIT] [lt]: the result line; "lt" for
# a strict target (faster than, not as fast as)
bench_result () {
	local name=$1 ours=$2 ref=$3 target=$4 unit=${5:-ms} op=${6:-le} ratio verdict line
	ratio=$(awk -v a="$ours" -v b="$ref" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')
	verdict=$(awk -v a="$ours" -v b="$ref" -v t="$target" -v op="$op" 'BEGIN {
		if (b <= 0) { print "MISS"; exit }
		r = a / b; ok = (op == "lt") ? r < t : r <= t; print ok ? "PASS" : "MISS" }')
	line=$(printf "$BENCH_FMT" "$name" "$ours $unit" "$ref $unit" "${ratio}x" \
		"$([ "$op" = lt ] && echo '<' || echo '<=') $target" "$verdict")
	echo "$line"
	if [ -n "${BENCH_SUMMARY:-}" ]; then
		echo "$line" >>"$BENCH_SUMMARY"
	fi
}

# bench_part LABEL MS: one line of a "where the time goes" breakdown
bench_part () {
	printf '    %-50s %9s ms\n' "$1" "$2"
}
