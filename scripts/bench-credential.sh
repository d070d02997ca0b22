#!/bin/bash
# bench-credential.sh - `get` of git-credential-bitbucket against git's own
# libsecret helper (git-credential-libsecret: the installed one, or built
# from Debian's git package), in the same run, alternating (ABAB), on one
# private keyring, with Data Center hosts declared in the global config.
# Prints one result line per figure (scripts/bench-lib.sh) and where our
# time goes.  Run by `make bench`; never part of `make test`.
#
#   RUNS=40 BENCH_TOOLS=DIR bash scripts/bench-credential.sh
#
# BENCH_TOOLS: where `make bench` built bench/*.c (spawn-us, dlopen-ms);
# without it each run is timed around bash's fork (slower on both sides)
# and the module-load line of the breakdown is left out.
set -u

RUNS=${RUNS:-40}
test_description='benchmark'
. "$(dirname "$0")/../t/lib.sh" >/dev/null
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$GCB_TOP/scripts/bench-lib.sh"

ours=$GCB_BINDIR/git-credential-bitbucket
ref=$(command -v git-credential-libsecret || true)
for d in /usr/lib/git-core /usr/libexec/git-core; do
	[ -z "$ref" ] && [ -x "$d/git-credential-libsecret" ] && ref=$d/git-credential-libsecret
done
if [ -z "$ref" ]; then
	src=/usr/share/doc/git/contrib/credential/libsecret/git-credential-libsecret.c
	ref=$TRASH/git-credential-libsecret
	if [ ! -f "$src" ]; then
		echo "bench: $src not found; install Debian's git package" >&2
		script_done 1
	fi
	# shellcheck disable=SC2046
	cc -O2 -o "$ref" "$src" $(pkg-config --cflags --libs libsecret-1 glib-2.0) 2>/dev/null ||
		{ echo "bench: cannot build git's libsecret helper" >&2; script_done 1; }
fi
start_keyring >/dev/null || script_done 1

# Data Center users declare their hosts: the global config mentions
# bitbucket, so every request reads it (natively, no `git config` process)
DC=bitbucket.example.com
git config --global --add bitbucket.dataCenterHost "$DC"
git config --global --add bitbucket.dataCenterHost git.example.org:7990

# us PROGRAM INPUT [ARG]: microseconds of one "PROGRAM ARG" (default get)
# with INPUT on its standard input.  With bench/spawn-us (make bench builds
# it) the program is started with posix_spawn(): bash's own fork, slower
# than the programs compared, stays out of both sides of every ratio.
us () {
	if [ -x "${BENCH_TOOLS:-}/spawn-us" ]; then
		"$BENCH_TOOLS/spawn-us" "$2" "$1" "${3:-get}" || true
	else
		bench_us run_one "$@"
	fi
}
run_one () { "$1" "${3:-get}" <"$2"; }

# compare CASE OURS_INPUT REF_INPUT TARGET [REF_HELPER_INPUT]: ABAB, result line
compare () {
	local label=$1 in_ours=$2 in_ref=$3 target=$4 i
	: >"$TRASH/t-ours"; : >"$TRASH/t-ref"
	for ((i = 0; i < 5; i++)); do
		us "$ours" "$in_ours" >/dev/null; us "$ref" "$in_ref" >/dev/null
	done
	for ((i = 0; i < RUNS; i++)); do
		us "$ours" "$in_ours" >>"$TRASH/t-ours"
		us "$ref" "$in_ref" >>"$TRASH/t-ref"
	done
	bench_result "$label" "$(bench_median <"$TRASH/t-ours")" "$(bench_median <"$TRASH/t-ref")" "$target"
}

# both helpers answer the same request: check before timing
check_same () {
	local a b
	a=$("$ours" get <"$1" 2>/dev/null | grep ^password=)
	b=$("$ref" get <"$2" 2>/dev/null | grep ^password=)
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		echo "bench: the helpers disagree on $1; not timing it" >&2
		script_done 1
	fi
}

req () { printf 'protocol=https\nhost=%s\n%s\n' "$1" "${2:+username=$2
}"; }

# Bulk items go to gnome-keyring's in-memory "session" collection: the
# on-disk one is rewritten on every store, which makes filling it with
# thousands of items take many minutes.  Lookups search every collection.
bulk=--collection=/org/freedesktop/secrets/collection/session
store_ours () {	# host user secret: the value as the helper's store writes it
	printf 'password=%s\nusername=%s\nrepos=\n' "$3" "$2" |
		secret-tool store $bulk --label="bench $2@$1" \
		xdg:schema org.bitbucket.credential kind api-token protocol https \
		host "$1" port 0 scope "" username "$2" name "" repos "" \
		read_only false created 1 last_used 0 warned 0
}
store_ref () {	# host user secret
	printf '%s' "$3" | secret-tool store $bulk --label="Git: https://$1/" \
		xdg:schema org.gnome.keyring.NetworkPassword protocol https server "$1" user "$2"
}

echo "git-credential-bitbucket get vs git-credential-libsecret get"
echo "($RUNS runs each, alternating, medians; $ref; load average $(cut -d' ' -f1-3 /proc/loadavg);"
echo " each run started with $([ -x "${BENCH_TOOLS:-}/spawn-us" ] && echo "posix_spawn (bench/spawn-us)" || echo "bash's fork and exec"))"
bench_header

# 1 item: a Data Center host, stored by each helper itself
printf 'protocol=https\nhost=%s\nusername=alice\npassword=dc-alice-token\n\n' "$DC" |
	"$ours" store >/dev/null || script_done 1
printf 'protocol=https\nhost=%s\nusername=alice\npassword=dc-alice-token\n\n' "$DC" |
	"$ref" store >/dev/null || script_done 1
req "$DC" >"$TRASH/r-one"
check_same "$TRASH/r-one" "$TRASH/r-one"
compare "get, 1 item (Data Center host)" "$TRASH/r-one" "$TRASH/r-one" 0.85

# not Bitbucket, Data Center hosts declared: against the anchor's whole get
req github.com >"$TRASH/r-gh"
compare "get, not Bitbucket vs the anchor's get" "$TRASH/r-gh" "$TRASH/r-one" 0.2

# where the time goes, at 1 item
echo
echo "  where our get's time goes (1 item, medians of $RUNS runs, differences):"
req "$DC" nobody-here >"$TRASH/r-none"
: >"$TRASH/p-start"; : >"$TRASH/p-other"; : >"$TRASH/p-none"; : >"$TRASH/p-found"; : >"$TRASH/p-dl"
for ((i = 0; i < RUNS; i++)); do
	us "$ours" /dev/null --version >>"$TRASH/p-start"
	us "$ours" "$TRASH/r-gh" >>"$TRASH/p-other"
	us "$ours" "$TRASH/r-none" >>"$TRASH/p-none"
	us "$ours" "$TRASH/r-one" >>"$TRASH/p-found"
	if [ -x "${BENCH_TOOLS:-}/dlopen-ms" ]; then
		"$BENCH_TOOLS/dlopen-ms" "$GCB_BINDIR/git-credential-bitbucket.so" >>"$TRASH/p-dl"
	fi
done
t_start=$(bench_median <"$TRASH/p-start") t_other=$(bench_median <"$TRASH/p-other")
t_none=$(bench_median <"$TRASH/p-none") t_found=$(bench_median <"$TRASH/p-found")
t_dl=$(bench_median <"$TRASH/p-dl")
sub () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
bench_part "process start and exit (--version)" "$t_start"
bench_part "+ request read, config read, not ours (other host)" "$(sub "$t_other" "$t_start")"
if [ "$t_dl" != nan ]; then
	bench_part "+ loading the core module (sd-bus, libgcrypt: dlopen)" "$t_dl"
	bench_part "+ bus connection, search (none found), Locked check" \
		"$(sub "$(sub "$t_none" "$t_other")" "$t_dl")"
else
	bench_part "+ module load, bus connection, scope searches" "$(sub "$t_none" "$t_other")"
fi
bench_part "+ the secret (OpenSession, GetSecrets, decryption)" "$(sub "$t_found" "$t_none")"
bench_part "= get that returns a token" "$t_found"

# the D-Bus messages one get sends (method calls, all of them on the bus),
# ours and the reference's, as dbus-monitor sees them
bus_calls () {	# HELPER INPUT: "N calls: Member Member ..." on stdout
	local mon=$TRASH/monitor pid
	dbus-monitor --session >"$mon" 2>/dev/null &
	pid=$!
	sleep 0.5	# its AddMatch is in place
	"$1" get <"$2" >/dev/null 2>&1
	sleep 0.3
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sed -n 's/^method call .* member=\([A-Za-z]*\)$/\1/p' "$mon" |
		grep -v '^Become' | awk '{ n++; s = s " " $1 } END { printf "%d calls:%s\n", n, s }'
}
if command -v dbus-monitor >/dev/null; then
	echo "  D-Bus method calls of one get (1 item, dbus-monitor; AddMatch/RemoveMatch"
	echo "  need no answer, the others are round trips):"
	echo "    ours:      $(bus_calls "$ours" "$TRASH/r-one")"
	echo "    reference: $(bus_calls "$ref" "$TRASH/r-one")"
fi
echo

# 1000 items: 999 more users on one host, in both keyrings, stored 8 at a
# time (waiting for those by id: the keyring's daemons are children too)
pids=()
for ((u = 0; u < 999; u++)); do
	store_ours bitbucket.org "user$u" "ATATtoken-$u" &
	pids+=($!)
	store_ref bitbucket.org "user$u" "ATATtoken-$u" &
	pids+=($!)
	if (( ${#pids[@]} >= 8 )); then
		wait "${pids[@]}"
		pids=()
	fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
store_ours bitbucket.org alice ATATalice-token
store_ref bitbucket.org alice ATATalice-token
req bitbucket.org user500 >"$TRASH/r-user"
check_same "$TRASH/r-user" "$TRASH/r-user"
echo "  (1000 items stored; load average $(cut -d' ' -f1-3 /proc/loadavg))"
compare "get, 1000 items (one host, username given)" "$TRASH/r-user" "$TRASH/r-user" 0.85
req bitbucket.org >"$TRASH/r-any"
compare "get, 1000 items (one host, no username)" "$TRASH/r-any" "$TRASH/r-any" 0.85
script_done 0
