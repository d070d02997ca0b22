#!/bin/bash
# bench-credential.sh - `get` of git-credential-bitbucket against git's own
# libsecret helper (built from Debian's git package), in the same run,
# alternating, on one private keyring.  Prints medians, ratios, and where
# our time goes.  Run by `make bench`; never part of `make test`.
#
#   RUNS=40 bash scripts/bench-credential.sh
set -u

RUNS=${RUNS:-40}
test_description='benchmark'
. "$(dirname "$0")/../t/lib.sh" >/dev/null
. "$TEST_DIRECTORY/lib-keyring.sh"

ours=$GCB_BINDIR/git-credential-bitbucket
src=/usr/share/doc/git/contrib/credential/libsecret/git-credential-libsecret.c
ref=$TRASH/git-credential-libsecret
if [ ! -f "$src" ]; then
	echo "bench: $src not found; install Debian's git package" >&2
	script_done 1
fi
# shellcheck disable=SC2046
cc -O2 -o "$ref" "$src" $(pkg-config --cflags --libs libsecret-1 glib-2.0) 2>/dev/null ||
	{ echo "bench: cannot build git's libsecret helper" >&2; script_done 1; }
start_keyring >/dev/null || script_done 1

# run_once CMD INPUT -> microseconds on stdout
run_once () {
	local s e
	s=$EPOCHREALTIME
	"$1" get <"$2" >/dev/null 2>&1
	e=$EPOCHREALTIME
	echo $(( (${e/./} - ${s/./}) ))
}

median () {
	sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m / 1000 }'
}

# compare LABEL OUR_INPUT REF_INPUT: alternate, print medians and ratio
compare () {
	local label=$1 in_ours=$2 in_ref=$3 i
	: >"$TRASH/t-ours"; : >"$TRASH/t-ref"
	for ((i = 0; i < 5; i++)); do
		run_once "$ours" "$in_ours" >/dev/null; run_once "$ref" "$in_ref" >/dev/null
	done
	for ((i = 0; i < RUNS; i++)); do
		run_once "$ours" "$in_ours" >>"$TRASH/t-ours"
		run_once "$ref" "$in_ref" >>"$TRASH/t-ref"
	done
	local mo mr
	mo=$(median <"$TRASH/t-ours")
	mr=$(median <"$TRASH/t-ref")
	printf '%-44s %8s ms %8s ms %7s\n' "$label" "$mo" "$mr" \
		"$(awk -v a="$mo" -v b="$mr" 'BEGIN { printf "%.2fx", a / b }')"
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
store_ours () {	# host user secret [scope]: the value as the helper's store writes it
	printf 'password=%s\nusername=%s\nrepos=\n' "$3" "$2" |
		secret-tool store $bulk --label="bench $2@$1" \
		xdg:schema org.bitbucket.credential kind api-token protocol https \
		host "$1" port 0 scope "${4:-}" username "$2" name "" repos "" \
		read_only false created 1 last_used 0 warned 0
}
store_ref () {	# host user secret
	printf '%s' "$3" | secret-tool store $bulk --label="Git: https://$1/" \
		xdg:schema org.gnome.keyring.NetworkPassword protocol https server "$1" user "$2"
}

echo "git-credential-bitbucket get vs git-credential-libsecret get ($RUNS runs each, alternating, medians)"
printf '%-44s %11s %11s %8s\n' "case" "ours" "libsecret" "ratio"

# 1 item, stored by the helper itself
printf 'protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATalice-token\n\n' |
	"$ours" store || script_done 1
store_ref bitbucket.org alice ATATalice-token
req bitbucket.org >"$TRASH/r-one"
check_same "$TRASH/r-one" "$TRASH/r-one"
compare "1 item" "$TRASH/r-one" "$TRASH/r-one"

# not Bitbucket: ours must not touch D-Bus; the reference searches
req github.com >"$TRASH/r-gh"
compare "another host (github.com)" "$TRASH/r-gh" "$TRASH/r-gh"

# 1000 users on one host (both keyrings hold 1000 items for bitbucket.org)
for ((u = 0; u < 999; u++)); do
	store_ours bitbucket.org "user$u" "ATATtoken-$u"
	store_ref bitbucket.org "user$u" "ATATtoken-$u"
done
req bitbucket.org user500 >"$TRASH/r-user"
check_same "$TRASH/r-user" "$TRASH/r-user"
compare "1000 users on one host (username given)" "$TRASH/r-user" "$TRASH/r-user"
compare "1000 users on one host (no username)" "$TRASH/r-one" "$TRASH/r-one"

# 1000 hosts
for ((h = 0; h < 1000; h++)); do
	store_ours "dc$h.example.com" alice "token-$h"
	store_ref "dc$h.example.com" alice "token-$h"
done
compare "1000 hosts + 1000 users (bitbucket.org, user)" "$TRASH/r-user" "$TRASH/r-user"

echo
echo "where our time goes (medians of $RUNS runs):"
t_start=$( for ((i = 0; i < RUNS; i++)); do s=$EPOCHREALTIME; "$ours" --version >/dev/null; e=$EPOCHREALTIME; echo $(( ${e/./} - ${s/./} )); done | median )
t_other=$( for ((i = 0; i < RUNS; i++)); do run_once "$ours" "$TRASH/r-gh"; done | median )
req bitbucket.org nobody-here >"$TRASH/r-none"
t_none=$( for ((i = 0; i < RUNS; i++)); do run_once "$ours" "$TRASH/r-none"; done | median )
t_found=$( for ((i = 0; i < RUNS; i++)); do run_once "$ours" "$TRASH/r-user"; done | median )
awk -v a="$t_start" -v b="$t_other" -v c="$t_none" -v d="$t_found" 'BEGIN {
	printf "  %-58s %6.2f ms\n", "process start (gate, no keyring libraries)", a
	printf "  %-58s %6.2f ms\n", "+ reading the request, deciding it is not ours", b - a
	printf "  %-58s %6.2f ms\n", "+ loading libsecret, bus connection, 3 scope searches", c - b
	printf "  %-58s %6.2f ms\n", "+ the encrypted session (DH exchange) and the secret", d - c
	printf "  %-58s %6.2f ms\n", "= get that returns a token", d
}'
script_done 0
