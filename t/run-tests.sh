#!/bin/bash
# t/run-tests.sh [t/tNNNN-*.sh...] - run test scripts, several at once.
#
# Without arguments runs every t/t[0-9]*.sh.  GCB_TEST_FILTER, if set, is an
# extended regular expression a script's file name must match.
# GCB_TEST_JOBS (default: the number of CPUs, at most 4) scripts run at
# once; every script has its own temporary directory, bus, keyring and
# free ports, so they do not meet.  With one job a script's TAP output is
# shown as it comes; with more, each script's output is shown whole when it
# ends, never interleaved.  The last line is "N passed, M failed" (with
# ", K skipped" when cases were skipped), counting cases over all scripts
# (a script that fails without a "not ok" line counts as one failed case;
# a script skipped whole counts as one skipped).  When no case ran at all
# the last line says so instead, so that nothing reads "0 passed" as a
# run.  A whole-script skip ("1..0 # SKIP why") is shown as "# skipped
# whole: why".  Exits 1 if anything failed.
# GCB_TEST_TIMEOUT (seconds, default 600) bounds each script.
# A script whose first lines hold the comment "# run-tests: slow" starts
# before the others, so that the long ones do not end the run alone.

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

# the slow ones first, each group in name order
if [ ${#scripts[@]} -gt 1 ]; then
	slow=() rest=()
	for s in "${scripts[@]}"; do
		if [ -f "$s" ] && head -n 20 -- "$s" | grep -q '^# run-tests: slow$'; then
			slow+=("$s")
		else
			rest+=("$s")
		fi
	done
	scripts=("${slow[@]+"${slow[@]}"}" "${rest[@]+"${rest[@]}"}")
fi

jobs=${GCB_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in
''|*[!0-9]*|0) echo "run-tests: GCB_TEST_JOBS must be a positive number, not '$jobs'" >&2; exit 2 ;;
esac
[ -n "${GCB_TEST_JOBS:-}" ] || [ "$jobs" -le 4 ] || jobs=4
[ "$jobs" -le ${#scripts[@]} ] || jobs=${#scripts[@]}
[ "$jobs" -ge 1 ] || jobs=1

outdir=$(mktemp -d "${TMPDIR:-/tmp}/gcb-run-tests.XXXXXX") || exit 2
declare -A running=()	# pid -> index into scripts
tailer=
cleanup () {
	local pid
	for pid in "${!running[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	[ -z "$tailer" ] || kill -TERM "$tailer" 2>/dev/null
	rm -rf "$outdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
skipped=0
broken=()
# show: a script's output, its whole-script skip line reworded
show () {
	sed -u -e 's/^1\.\.0 # SKIP */# skipped whole: /'
}
timeout=${GCB_TEST_TIMEOUT:-600}
declare -A started=()

# finish INDEX RC: count one script's cases and say how it went
finish () {
	local i=$1 rc=$2 name out p f s
	name=$(basename "${scripts[$i]}" .sh)
	out="$outdir/$i"
	[ "$jobs" -eq 1 ] || { echo "# --- $name"; show <"$out"; }
	s=$(grep -c '^ok .*# SKIP' "$out")
	p=$(($(grep -c '^ok ' "$out") - s))
	f=$(grep -c '^not ok ' "$out")
	! grep -q '^1\.\.0 # SKIP' "$out" || s=$((s + 1))
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		[ "$rc" -ne 124 ] || echo "# $name: timed out after ${timeout}s"
	fi
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		broken+=("$name")
		echo "# $name: FAILED (exit status $rc, $((SECONDS - ${started[$i]}))s)"
	else
		[ "$s" -eq 0 ] && s= || s=", $s skipped"
		echo "# $name: $p passed$s ($((SECONDS - ${started[$i]}))s)"
	fi
}

# reap: wait for any one running script and finish it
reap () {
	local pid rc
	wait -n -p pid "${!running[@]}"
	rc=$?
	[ -n "${pid:-}" ] || return 0
	finish "${running[$pid]}" "$rc"
	unset "running[$pid]"
}

for i in "${!scripts[@]}"; do
	s=${scripts[$i]}
	name=$(basename "$s" .sh)
	if [ ! -f "$s" ]; then
		echo "# $name: no such test script: $s"
		failed=$((failed + 1))
		broken+=("$name")
		continue
	fi
	while [ ${#running[@]} -ge "$jobs" ]; do
		reap
	done
	[ "$jobs" -gt 1 ] || echo "# --- $name"
	started[$i]=$SECONDS
	# The script runs in its own process group (timeout does that), so a
	# timeout also reaches whatever it started; its EXIT trap still runs.
	# Output goes to a file, not a pipe: a daemon a script forgets to stop
	# cannot keep us waiting for end-of-file.  Scripts run in the
	# background because only "wait" lets the INT/TERM traps run at once.
	timeout -k 10 "$timeout" bash "$s" </dev/null >"$outdir/$i" 2>&1 &
	running[$!]=$i
	if [ "$jobs" -eq 1 ]; then
		tail -n +1 -s 0.1 -f --pid="$!" "$outdir/$i" 2>/dev/null | show &
		tailer=$!
		reap
		wait "$tailer"
		tailer=
	fi
done
while [ ${#running[@]} -gt 0 ]; do
	reap
done

if [ ${#broken[@]} -gt 0 ]; then
	echo "# failed scripts: ${broken[*]}"
fi
if [ $((passed + failed)) -eq 0 ] && [ "$skipped" -gt 0 ]; then
	echo "# no case ran: $skipped skipped"
elif [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
