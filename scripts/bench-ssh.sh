#!/bin/bash
# bench-ssh.sh - git-bitbucket-ssh against a bare libssh2 client (the
# floor, bench/floor-ssh.c), OpenSSH's ssh and git's file:// transport.
#
#   BENCH_TOOLS=DIR bash scripts/bench-ssh.sh [RUNS]   (as root: it runs a real sshd)
#
# BENCH_TOOLS is where `make bench` built bench/*.c (floor-ssh, maxrss).  Against a
# loopback sshd (t/lib-sshd.sh) with a keyring (t/lib-keyring.sh), in the
# same run, alternating:
#   - git ls-remote of a tiny repository, 8*RUNS times each: the wrapper,
#     the floor (its key in a file, no host key check, no policy) and
#     OpenSSH (`ssh -i keyfile`); medians; targets: wrapper <= 1.15x the
#     floor, and faster than OpenSSH;
#     with ssh.variant ssh, as `setup --ssh` writes it (git passes OpenSSH's
#     options at once, to the floor too); the wrapper with
#     GIT_SSH_VARIANT=auto (git's -G probe first, as before setup wrote
#     it) is timed alongside, for comparison;
#   - where the wrapper's ls-remote time goes: its GCB_TIMING=FD phase
#     lines (helper/ssh/ssh-timing.h), medians;
#   - clone of a ~300 MB repository of random data, RUNS times each
#     (default 5): the wrapper, OpenSSH and file://; target wrapper <= 1.0x
#     OpenSSH; the wrapper's peak RSS (getrusage of the child: bench/maxrss.c)
#     <= 16 MiB.
# Result lines as scripts/bench-lib.sh prints them.  Not a test: a MISS is
# reported, nothing fails for it.

set -u

RUNS=${1:-5}
case $RUNS in
'' | *[!0-9]*) echo "usage: $0 [RUNS]" >&2; exit 2 ;;
esac

test_description='benchmark: git-bitbucket-ssh vs the floor and OpenSSH'
. "$(dirname "$0")/../t/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"
. "$GCB_TOP/scripts/bench-lib.sh"
sshd_prereq

FLOOR_BIN=${BENCH_TOOLS:-}/floor-ssh MAXRSS=${BENCH_TOOLS:-}/maxrss
if [ ! -x "$FLOOR_BIN" ] || [ ! -x "$MAXRSS" ]; then
	echo "bench: $FLOOR_BIN or $MAXRSS not built; run make bench (it builds bench/*.c)" >&2
	exit 1
fi

test_expect_success 'setup: sshd, keyring, a 300 MB and a tiny repository, keys for each client' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global --add safe.directory "*" &&
	git config --global ssh.variant ssh &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" bench >/dev/null &&
	git-credential-bitbucket key public bench | sshd_authorize - &&
	ssh-keygen -q -t ed25519 -N "" -f "$TRASH/openssh-key" &&
	sshd_authorize "$TRASH/openssh-key.pub" &&
	sshd_trust_host_keys &&
	sshd_create_repo acme/tiny.git &&
	git init -q src &&
	head -c 300M /dev/urandom >src/blob &&
	git -C src -c core.compression=0 add blob &&
	git -C src commit -q -m noise &&
	git init -q --bare "$SSHD_ROOT/repos/acme/big.git" &&
	git -C src -c pack.compression=0 push -q "$SSHD_ROOT/repos/acme/big.git" main &&
	git -C "$SSHD_ROOT/repos/acme/big.git" -c pack.compression=0 repack -q -a -d &&
	chown -R git: "$SSHD_ROOT/repos" &&
	rm -rf src
'
[ "$_gcb_failed" = 0 ] || exit 1

WRAPPER="git-bitbucket-ssh"
FLOOR="$FLOOR_BIN -i $TRASH/openssh-key"
OPENSSH="ssh -i $TRASH/openssh-key -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$HOME/.ssh/known_hosts"
TINY=$SSHD_URL/acme/tiny.git

# microseconds of one command; a failure stops the bench with its stderr
run_us () {
	local s e
	s=$EPOCHREALTIME
	"$@" >/dev/null 2>"$TRASH/bench.err" || {
		echo "bench: failed: $*" >&2
		cat "$TRASH/bench.err" >&2
		exit 1
	}
	e=$EPOCHREALTIME
	echo $(( ${e/./} - ${s/./} ))
}

ls_with () { GIT_SSH_COMMAND=$1 git ls-remote "$TINY"; }
# as without ssh.variant: git runs the program with -G first
ls_probe () { GIT_SSH_VARIANT=auto GIT_SSH_COMMAND=$1 git ls-remote "$TINY"; }

clone_with () {
	rm -rf "$TRASH/work/clone"
	GIT_SSH_COMMAND="$1" git clone -q "$2" "$TRASH/work/clone"
}

cd "$TRASH/work" || exit 1
# every client answers the same
n=0
for c in "$WRAPPER" "$FLOOR" "$OPENSSH"; do
	ls_with "$c" >"ls.$((n += 1))" 2>"$TRASH/bench.err" ||
		{ echo "bench: ls-remote fails with $c" >&2; cat "$TRASH/bench.err" >&2; exit 1; }
done
cmp -s ls.1 ls.3 && cmp -s ls.2 ls.3 ||
	{ echo "bench: the clients disagree on ls-remote" >&2; exit 1; }

LS=$((RUNS * 8))
: >w.ls; : >f.ls; : >o.ls; : >a.ls; : >phases; : >w.start; : >f.start
echo "# ls-remote of a tiny repository, $LS runs each, alternating (wrapper, floor, OpenSSH, wrapper with the -G probe)"
for ((i = 1; i <= LS; i++)); do
	# a run's phase lines, then "." to end the run
	GCB_TIMING=9 run_us ls_with "$WRAPPER" >>w.ls 9>>phases
	echo . >>phases
	run_us ls_with "$FLOOR" >>f.ls
	run_us ls_with "$OPENSSH" >>o.ls
	run_us ls_probe "$WRAPPER" >>a.ls
	run_us "$WRAPPER" -G >>w.start
	run_us "$FLOOR_BIN" -G >>f.start
done

echo "# clone of a 300 MB repository, $RUNS runs each, alternating (wrapper, OpenSSH, file://)"
: >w.clone; : >o.clone; : >f.clone; : >rss
for ((i = 1; i <= RUNS; i++)); do
	run_us clone_with "$MAXRSS $TRASH/work/rss $WRAPPER" "$SSHD_URL/acme/big.git" >>w.clone
	run_us clone_with "$OPENSSH" "$SSHD_URL/acme/big.git" >>o.clone
	run_us clone_with "" "file://$SSHD_ROOT/repos/acme/big.git" >>f.clone
done
rm -rf clone
# RSS of the ls-remote runs too: the peak of all
for ((i = 1; i <= 4; i++)); do
	run_us ls_with "$MAXRSS $TRASH/work/rss $WRAPPER" >/dev/null
done

wl=$(bench_median <w.ls) fl=$(bench_median <f.ls) ol=$(bench_median <o.ls) al=$(bench_median <a.ls)
wc=$(bench_median <w.clone) oc=$(bench_median <o.clone) fc=$(bench_median <f.clone)
peak=$(grep -E '^[0-9]+$' rss | sort -n | tail -1)
peak_mib=$(awk -v k="$peak" 'BEGIN { printf "%.2f", k / 1024 }')

echo
echo "libssh2 $(libssh2_version || echo '?'), $(ssh -V 2>&1), git $(git version | cut -d' ' -f3), $(nproc) CPUs"
bench_header
bench_result "ls-remote: wrapper vs floor (libssh2)" "$wl" "$fl" 1.15
bench_result "ls-remote: wrapper vs OpenSSH" "$wl" "$ol" 1.0 ms lt
bench_result "clone 300 MB: wrapper vs OpenSSH" "$wc" "$oc" 1.0
bench_result "peak RSS of the wrapper vs 16 MiB" "$peak_mib" 16 1.0 MiB
echo "  (no target) ls-remote with ssh.variant auto (git's -G probe first): $al ms; ssh.variant ssh takes $(awk -v a="$wl" -v b="$al" 'BEGIN { printf "%.2f", a / b }')x that"
echo "  (no target) clone 300 MB over file://: $fc ms; the wrapper takes $(awk -v a="$wc" -v b="$fc" 'BEGIN { printf "%.2f", a / b }')x that"

# the phases: median of each over the runs (a phase missing from a run counts as 0)
echo
echo "  where the wrapper's ls-remote time goes (medians of $LS runs, GCB_TIMING):"
phase () {
	awk -v p="$1" '$1 == "." { print (n ? v : 0); n = 0; v = 0; next }
		$1 == p { v += $2; n = 1 }' phases | bench_median 1
}
ws=$(bench_median <w.start) fs=$(bench_median <f.start)
bench_part "git: its own work (no -G probe: ssh.variant ssh)" \
	"$(awk -v a="$wl" -v m="$(phase main)" -v s="$ws" 'BEGIN { printf "%.2f", a - m - s }')"
bench_part "process start and exit (git-bitbucket-ssh -G)" "$ws"
for p in config tcp kex keyring-wait hostkey auth exec command; do
	bench_part "$p" "$(phase "$p")"
done
# ls-remote's keyring work is on a thread, alongside tcp and kex:
# keyring-open (the bus connection) is part of keyring-lookup
bench_part "(keyring-lookup, alongside tcp and kex)" "$(phase keyring-lookup)"
bench_part "(of which keyring-open, the bus connection)" "$(phase keyring-open)"
bench_part "main(), entry to exit" "$(phase main)"
bench_part "= ls-remote (median)" "$wl"
echo "  for comparison: floor-ssh -G $fs ms; floor ls-remote $fl ms"

test_done >/dev/null
