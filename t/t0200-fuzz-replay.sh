#!/bin/bash

test_description='fuzz targets (t/fuzz/fuzz-*.c): every seed and regression input replayed once'

. "$(dirname "$0")/lib.sh"

unitdir=${GCB_UNITDIR:-$GCB_TOP/build/t/unit}
fuzzdir=$GCB_TOP/t/fuzz

test_expect_success 'every fuzz target has a replay binary and a seed corpus' '
	for src in "$fuzzdir"/fuzz-*.c; do
		name=$(basename "$src" .c) &&
		test -x "$unitdir/$name" &&
		ls "$fuzzdir/corpus/${name#fuzz-}" >seeds &&
		test -s seeds || return 1
	done
'

for src in "$GCB_TOP"/t/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz-}
	test_expect_success "fuzz: $target replays its corpus and regressions" '
		dirs="$fuzzdir/corpus/$target" &&
		if test -d "$fuzzdir/regress/$target"; then
			dirs="$dirs $fuzzdir/regress/$target"
		fi &&
		want=$(find $dirs -type f ! -name ".*" | wc -l) &&
		"$unitdir/$name" $dirs >out 2>err </dev/null ||
		{ tail -n 30 err >&2; false; } &&
		echo "replayed $want inputs" >expect &&
		test_cmp expect out
	'
done

test_done
