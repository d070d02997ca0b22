#!/bin/bash
# scripts/bench-ssh.sh - git-bitbucket-ssh against OpenSSH's ssh and file://
#
#   bash scripts/bench-ssh.sh [RUNS]        (as root: it runs a real sshd)
#
# Against a loopback sshd (t/lib-sshd.sh) with a keyring (t/lib-keyring.sh):
#   - clone of a ~300 MB repository of random data: git-bitbucket-ssh,
#     OpenSSH `ssh -i keyfile`, and git's file:// transport, alternating,
#     RUNS times each (default 5); medians
#   - git ls-remote of a tiny repository, 4*RUNS times each way; medians
#   - peak RSS of git-bitbucket-ssh (getrusage via /usr/bin/time -f %M)
# and prints the ratios with the targets: clone <= 1.0x OpenSSH,
# ls-remote <= 0.3x OpenSSH, peak RSS <= 16 MiB.  Not a test: numbers
# depend on the machine; nothing fails on a miss, it is reported.

set -u

RUNS=${1:-5}
case $RUNS in
'' | *[!0-9]*) echo "usage: $0 [RUNS]" >&2; exit 2 ;;
esac

test_description='benchmark: git-bitbucket-ssh vs OpenSSH'
. "$(dirname "$0")/../t/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"
sshd_prereq

test_expect_success 'setup: sshd, keyring, a 300 MB and a tiny repository, keys for both clients' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global --add safe.directory "*" &&
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
OPENSSH="ssh -i $TRASH/openssh-key -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$HOME/.ssh/known_hosts"

# seconds (3 decimals) a command takes
elapsed () {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null 2>"$TRASH/bench.err" || {
		echo "bench: failed: $*" >&2
		cat "$TRASH/bench.err" >&2
		exit 1
	}
	end=$(date +%s%N)
	printf '%d.%03d\n' $(( (end - start) / 1000000000 )) $(( (end - start) / 1000000 % 1000 ))
}

median () {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio () {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

verdict () {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "meets" : "MISSES" }'
}

clone_with () {
	rm -rf "$TRASH/work/clone"
	GIT_SSH_COMMAND="$1" git clone -q "$2" "$TRASH/work/clone"
}

cd "$TRASH/work" || exit 1
: >w.clone; : >o.clone; : >f.clone; : >w.ls; : >o.ls; : >rss
echo "# clone of a 300 MB repository, $RUNS runs each, alternating"
for ((i = 1; i <= RUNS; i++)); do
	elapsed clone_with "/usr/bin/time -a -o $TRASH/work/rss -f %M $WRAPPER" \
		"$SSHD_URL/acme/big.git" >>w.clone
	elapsed clone_with "$OPENSSH" "$SSHD_URL/acme/big.git" >>o.clone
	elapsed clone_with "" "file://$SSHD_ROOT/repos/acme/big.git" >>f.clone
	echo "#   run $i: wrapper $(tail -1 w.clone) s, openssh $(tail -1 o.clone) s, file $(tail -1 f.clone) s"
done
rm -rf clone

LS=$((RUNS * 4))
echo "# ls-remote of a tiny repository, $LS runs each, alternating"
for ((i = 1; i <= LS; i++)); do
	GIT_SSH_COMMAND="/usr/bin/time -a -o $TRASH/work/rss -f %M $WRAPPER" \
		elapsed git ls-remote "$SSHD_URL/acme/tiny.git" >>w.ls
	GIT_SSH_COMMAND="$OPENSSH" elapsed git ls-remote "$SSHD_URL/acme/tiny.git" >>o.ls
done

wc=$(median <w.clone) oc=$(median <o.clone) fc=$(median <f.clone)
wl=$(median <w.ls) ol=$(median <o.ls)
peak=$(sort -n rss | tail -1)
peak_mib=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
clone_ratio=$(ratio "$wc" "$oc")
ls_ratio=$(ratio "$wl" "$ol")

echo
echo "libssh2 $(libssh2_version || echo '?'), $(ssh -V 2>&1), $(nproc) CPUs"
printf '%-34s %10s %10s %10s\n' "median seconds" wrapper openssh file://
printf '%-34s %10s %10s %10s\n' "clone, 300 MB" "$wc" "$oc" "$fc"
printf '%-34s %10s %10s %10s\n' "ls-remote, tiny repository" "$wl" "$ol" "-"
echo
printf 'clone      wrapper/openssh = %s  (target <= 1.0: %s); wrapper/file = %s\n' \
	"$clone_ratio" "$(verdict "$clone_ratio" 1.0)" "$(ratio "$wc" "$fc")"
printf 'ls-remote  wrapper/openssh = %s  (target <= 0.3: %s)\n' \
	"$ls_ratio" "$(verdict "$ls_ratio" 0.3)"
printf 'peak RSS   wrapper = %s KiB = %s MiB  (target <= 16 MiB: %s)\n' \
	"$peak" "$peak_mib" "$(verdict "$peak_mib" 16)"

test_done >/dev/null
