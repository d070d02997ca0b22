#!/bin/bash
# bench.sh - every benchmark, each against its reference tool in the same
# run, alternating (ABAB), medians.  `make bench` builds the programs and
# the bench tools (bench/*.c, into $(B)/bench) and runs this; figures go to
# stdout.  Never part of `make test`: nothing fails on a missed target.
#
#   BENCH_TOOLS=build/bench GCB_BINDIR=. bash scripts/bench.sh
#   RUNS=40 (credential runs per case)  SSH_RUNS=5 (clones; ls-remote 8x)
#
# Each figure is one line (scripts/bench-lib.sh); two from a run on a
# busy 2-CPU machine:
#
#   case                                          ours   reference   ratio   target  verdict
#   get, not Bitbucket vs the anchor's get     29.65 ms   167.96 ms   0.18x   <= 0.2  PASS
#   ls-remote: wrapper vs floor (libssh2)     923.86 ms   858.39 ms   1.08x  <= 1.15  PASS
#
# RATIO = ours / reference from the medians; PASS or MISS against the
# target (a MISS is reported, not an error).  The figures and targets:
#   get vs git-credential-libsecret, 1 item and 1000 items     <= 0.85
#   get for a host that is not Bitbucket vs the anchor's get   <= 0.2
#   ls-remote over SSH vs bench/floor-ssh.c (bare libssh2)     <= 1.15
#   ls-remote over SSH vs OpenSSH                              <  1.0
#   clone of 300 MB vs OpenSSH                                 <= 1.0
#   the wrapper's peak RSS vs 16 MiB                           <= 1.0
# After each script's figures, "where the time goes": for get, differences
# of runs that stop at each step (process start, config, module load,
# keyring searches, secret); for ls-remote, the wrapper's own GCB_TIMING
# phases (config, keyring-open, tcp, kex, keyring-wait, hostkey, auth,
# exec, command).  The summary at the end repeats every result line.
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
BENCH_SUMMARY=$(mktemp) || exit 1
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT
# the machine's load: medians on a busy machine are slower, ratios less so
load () { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(load)
for b in scripts/bench-credential.sh scripts/bench-ssh.sh; do
	[ -f "$b" ] || continue
	echo "### $b"
	if [ "$b" = scripts/bench-ssh.sh ]; then
		bash "$b" "${SSH_RUNS:-5}" || status=1
	else
		bash "$b" || status=1
	fi
	echo
done
. scripts/bench-lib.sh
echo "### summary ($(uname -n), $(. /etc/os-release && echo "$PRETTY_NAME"), $(nproc) CPUs, load average $load_start at the start, $(load) at the end)"
bench_header
cat "$BENCH_SUMMARY"
exit $status
