#!/bin/bash
# t/run-tests.sh [t/tNNNN-*.sh...] - run test scripts one after the other.
#
# Without arguments runs every t/t[0-9]*.sh.  GCB_TEST_FILTER, if set, is an
# extended regular expression a script's file name must match.  Each
# script's TAP output is shown as it comes; the last line is
# "N passed, M failed", counting cases over all scripts (a script that
# fails without a "not ok" line counts as one failed case).  Exits 1 if
# anything failed.  GCB_TEST_TIMEOUT (seconds, default 600) bounds each
# script.

set -u

tdir=$(cd "$(dirname "$0")" && pwd -P) || exit 2

if [ $# -gt 0 ]; then
	scripts=("$@")
else
	scripts=("$tdir"/t[0-9]*.sh)
	[ -e "${scripts[0]}" ] || scripts=()
fi
if [ -n "${GCB_TEST_FILTER:-}" ]; then
	kept=()
	for s in "${scripts[@]}"; do
		if basename "$s" | grep -Eq -- "$GCB_TEST_FILTER"; then
			kept+=("$s")
		fi
	done
	scripts=("${kept[@]+"${kept[@]}"}")
fi

out=$(mktemp "${TMPDIR:-/tmp}/gcb-run-tests.XXXXXX") || exit 2
child=
tailer=
cleanup () {
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null
	[ -z "$tailer" ] || kill -TERM "$tailer" 2>/dev/null
	rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
broken=()
timeout=${GCB_TEST_TIMEOUT:-600}

for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	if [ ! -f "$s" ]; then
		echo "# $name: no such test script: $s"
		failed=$((failed + 1))
		broken+=("$name")
		continue
	fi
	echo "# --- $name"
	start=$SECONDS
	# The script runs in its own process group (timeout does that), so a
	# timeout also reaches whatever it started; its EXIT trap still runs.
	# Output goes to a file, not a pipe: a daemon a script forgets to stop
	# cannot keep us waiting for end-of-file.  Both run in the background
	# because only "wait" lets the INT/TERM traps run at once.
	timeout -k 10 "$timeout" bash "$s" </dev/null >"$out" 2>&1 &
	child=$!
	tail -n +1 -s 0.1 -f --pid="$child" "$out" 2>/dev/null &
	tailer=$!
	wait "$child"
	rc=$?
	child=
	wait "$tailer"
	tailer=
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		[ "$rc" -ne 124 ] || echo "# $name: timed out after ${timeout}s"
	fi
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		broken+=("$name")
		echo "# $name: FAILED (exit status $rc, $((SECONDS - start))s)"
	else
		echo "# $name: $p passed ($((SECONDS - start))s)"
	fi
done

if [ ${#broken[@]} -gt 0 ]; then
	echo "# failed scripts: ${broken[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
