#!/bin/bash
# bench.sh - every benchmark, each against its reference tool in the same
# run.  `make bench` runs this after building; figures go to stdout.
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
for b in scripts/bench-credential.sh scripts/bench-ssh.sh; do
	[ -f "$b" ] || continue
	echo "### $b"
	bash "$b" || status=1
	echo
done
exit $status
