#!/bin/bash

test_description='C unit tests (t/unit/test-*.c), one case per binary'

. "$(dirname "$0")/lib.sh"

unitdir=${GCB_UNITDIR:-$GCB_TOP/build/t/unit}

test_expect_success 'the unit-test binaries were built' '
	ls "$unitdir"/test-* >list &&
	test -s list
'

for src in "$GCB_TOP"/t/unit/test-*.c; do
	name=$(basename "$src" .c)
	test_expect_success "unit: $name passes every case" '
		"$unitdir/$name" >out 2>&1 &&
		test_grep "^ok [0-9]" out &&
		test_grep ! "^not ok" out
	'
done

test_done
