#!/bin/bash

test_description='injected faults on the keyring side: the Secret Service killed mid-call, the bus gone, a locked keyring, stdout closed or full, a read-only HOME'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket

count () {
	keyring_count "${1:-org.bitbucket.credential}"
}

req () {
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n%s\n" "$@"
}

# call_while_stopped OUT ERR CMD...: stop the Secret Service (SIGSTOP),
# run CMD in the background (stdin from $TRASH/in, exit status left in
# $TRASH/rc, $WAITER its PID) and return once CMD has a method call
# waiting at the stopped service, as a bus monitor sees it.  So what the
# caller does next (kill the daemon or the bus) happens in the middle of
# CMD's call however slow the machine is, not after a guessed delay.
call_while_stopped () {
	local out=$1 err=$2 owner mon rc
	shift 2
	owner=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.GetNameOwner \
		string:org.freedesktop.secrets | sed -n 's/^ *string "\(.*\)"$/\1/p')
	test -n "$owner" || return 1
	rm -f "$TRASH/calls"
	dbus-monitor --session "type='method_call'" >"$TRASH/calls" 2>/dev/null &
	mon=$!
	test_wait_for 30 "grep -q member=NameLost \"\$TRASH/calls\"" &&
	kill -STOP "$KEYRING_DAEMON_PID" &&
	{ (timeout 60 "$@" <"$TRASH/in" >"$out" 2>"$err"; echo $? >"$TRASH/rc") & } &&
	WAITER=$! &&
	test_wait_for 30 "grep -q -e ' destination=$owner ' -e ' destination=org.freedesktop.secrets ' \"\$TRASH/calls\""
	rc=$?
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	return $rc
}

# kill_daemon_during OUT ERR CMD...: SIGKILL the Secret Service while CMD
# (stdin from $TRASH/in) waits on a call to it; CMD's exit status is left
# in $TRASH/rc.  Then start a new daemon on the same keyring file, as a
# user's session would.
kill_daemon_during () {
	call_while_stopped "$@" &&
	kill -KILL "$KEYRING_DAEMON_PID" &&
	wait "$WAITER" &&
	KEYRING_DAEMON_PID= &&
	test_wait_for 30 "! keyring_name_owned" &&
	start_keyring_daemon
}

DIED="stopped answering"

test_expect_success 'setup: a keyring with a token and a key' '
	start_keyring &&
	req "username=alice" "password=ATATT3xFfGF0faultsORIGINAL01" "" | "$prog" store &&
	"$prog" key generate --scope git@bitbucket.org:acme/ deploy >/dev/null 2>&1 &&
	since=$(date +%s.%N) &&
	"$prog" key public deploy >deploy.pub &&
	test "$(count)" = 2 &&
	# the cases below kill the daemon: KeePassXC must have written these
	keyring_wait_saved "$since"
'

test_expect_success 'the daemon killed during get: exit 3, one line, nothing on stdout' '
	req "" >"$TRASH/in" &&
	kill_daemon_during out err "$prog" get &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service $DIED" err
'

test_expect_success 'the daemon killed during store: exit 3, the old token intact, one item' '
	req "username=alice" "password=ATATT3xFfGF0faultsREPLACED02" "" >"$TRASH/in" &&
	kill_daemon_during out err "$prog" store &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service $DIED" err &&
	test "$(count)" = 2 &&
	req "" | "$prog" get >out &&
	test_grep "^password=ATATT3xFfGF0faultsORIGINAL01$" out
'

test_expect_success 'the daemon killed during login --stdin: exit 3, the old token intact' '
	echo ATATT3xFfGF0faultsLOGIN03 >"$TRASH/in" &&
	kill_daemon_during out err "$prog" login --stdin --username alice https://bitbucket.org/acme/widget &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service $DIED" err &&
	test "$(count)" = 2 &&
	req "" | "$prog" get >out &&
	test_grep "^password=ATATT3xFfGF0faultsORIGINAL01$" out
'

test_expect_success 'the daemon killed during key import: exit 3, no key or the whole key' '
	ssh-keygen -q -t ecdsa -m PEM -N "" -C imported -f imported &&
	cp imported "$TRASH/in" &&
	kill_daemon_during out err "$prog" key import --scope git@bitbucket.org:other/ imported-key - &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service $DIED" err &&
	n=$(count) &&
	echo "items after the kill: $n" &&
	case $n in
	2) test_must_fail_code 1 "$prog" key public imported-key 2>/dev/null ;;
	3) "$prog" key public imported-key >pub && cut -d" " -f1,2 imported.pub >expect &&
	   cut -d" " -f1,2 pub >actual && test_cmp expect actual &&
	   "$prog" key remove imported-key >/dev/null ;;
	*) false ;;
	esac &&
	"$prog" key public deploy >pub && test_cmp deploy.pub pub
'

test_expect_success 'the daemon killed during key remove: exit 3, the key still whole' '
	: >"$TRASH/in" &&
	kill_daemon_during out err "$prog" key remove deploy &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_grep "^git-credential-bitbucket: the Secret Service $DIED" err &&
	"$prog" key public deploy >pub && test_cmp deploy.pub pub
'

test_expect_success 'the session bus killed during get: exit 3, one line; items survive' '
	req "" >"$TRASH/in" &&
	call_while_stopped out err "$prog" get &&
	kill -KILL "$KEYRING_BUS_PID" &&
	kill -CONT "$KEYRING_DAEMON_PID" &&
	wait "$WAITER" &&
	test "$(cat "$TRASH/rc")" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service stopped answering" err &&
	stop_keyring &&
	start_keyring &&
	req "" | "$prog" get >out &&
	test_grep "^password=ATATT3xFfGF0faultsORIGINAL01$" out
'

test_expect_success 'a dead bus socket (bus gone, address left): exit 3, one line, every verb' '
	addr=$DBUS_SESSION_BUS_ADDRESS &&
	(
		export DBUS_SESSION_BUS_ADDRESS=unix:path=$TRASH/no-such-bus &&
		req "" | test_must_fail_code 3 "$prog" get >out 2>err &&
		test_must_be_empty out && test $(wc -l <err) = 1 && cp err get.err &&
		test_must_fail_code 3 "$prog" list >out 2>err &&
		test_must_be_empty out && test_cmp get.err err &&
		test_must_fail_code 3 "$prog" key public deploy >out 2>err &&
		test_must_be_empty out && test_cmp get.err err
	) &&
	echo "git-credential-bitbucket: cannot reach the keyring: there is no D-Bus session bus and no encrypted file store yet; create one with '\''git credential-bitbucket unlock'\'' (servers, WSL, CI), or run this inside your desktop session" >expect &&
	test_cmp expect get.err
'

test_expect_success 'a locked keyring with no prompter: key import and generate say locked, add nothing' '
	lock_keyring &&
	test_must_fail_code 3 "$prog" key import other-key imported >out 2>err;
	rc1=$?;
	test_must_fail_code 3 timeout 20 "$prog" key generate locked-key >out2 2>err2;
	rc2=$?;
	unlock_keyring &&
	test $rc1 = 0 && test $rc2 = 0 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the keyring is locked; " err &&
	test_cmp err err2 &&
	test_must_fail_code 1 "$prog" key public other-key 2>/dev/null &&
	test_must_fail_code 1 "$prog" key public locked-key 2>/dev/null
'

# ---- output that cannot be written ----

WFAIL="git-credential-bitbucket: cannot write to standard output (closed, full, or its reader went away); the output is incomplete"

# out_fails HOW CMD...: CMD with stdout closed (HOW=closed), on /dev/full
# (full) or into a pipe whose reader has gone (pipe: perl makes the pipe
# and closes its read end before CMD starts, so the first write fails
# with EPIPE whatever the timing): exit 1 and $WFAIL.
out_fails () {
	local how=$1 rc
	shift
	case $how in
	closed) "$@" <"$TRASH/in" >&- 2>err; rc=$? ;;
	full) "$@" <"$TRASH/in" >/dev/full 2>err; rc=$? ;;
	pipe) perl -e 'pipe(my $r, my $w) or die "pipe: $!"; close $r;
		open(STDOUT, ">&", $w) or die "dup: $!"; close $w;
		exec @ARGV or die "exec: $!"' "$@" <"$TRASH/in" 2>err; rc=$? ;;
	esac
	echo "$how $*: exit $rc" &&
	test "$rc" = 1 &&
	echo "$WFAIL" >expect &&
	test_cmp expect err
}

for how in closed full pipe; do
	test_expect_success "stdout $how: get, list, key public, key list fail with one line" '
		req "" >"$TRASH/in" &&
		out_fails $how "$prog" get &&
		: >"$TRASH/in" &&
		out_fails $how "$prog" list &&
		out_fails $how "$prog" list --json &&
		out_fails $how "$prog" key public deploy &&
		out_fails $how "$prog" key list
	'
done

# A closed stdin reads as /dev/null (harden(): no socket may take fd 0),
# so it is an empty request: no protocol, no host, no answer.
test_expect_success 'stdin closed: an empty request, no answer, exit 0, nothing stored' '
	timeout 20 "$prog" get <&- >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	timeout 20 "$prog" store <&- >out 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 2
'

# A private mount namespace (unshare -m) for the read-only and full HOME
# cases; a chroot whose root is no mount point cannot make one.
PRIVATE_MOUNTS=
PRIVATE_MOUNTS_WHY=$(unshare -m --propagation private true 2>&1) && PRIVATE_MOUNTS=1

# ro_home CMD...: CMD in a mount namespace of its own where HOME is a
# read-only bind mount (as a user would see a read-only HOME: root ignores
# permissions, a read-only mount it does not); nothing else sees it.
ro_home () {
	{ local -; set +x; } 2>/dev/null
	unshare -m --propagation private sh -c '
		mount --bind "$HOME" "$HOME" &&
		mount -o remount,bind,ro "$HOME" &&
		if touch "$HOME/probe" 2>/dev/null; then echo "HOME is writable" >&2; exit 99; fi &&
		exec "$@"' ro_home "$@"
}

if [ -n "$PRIVATE_MOUNTS" ]; then
test_expect_success 'a read-only HOME: get, store, list and key generate work (nothing is written there)' '
	req "" | ro_home "$prog" get >out 2>err &&
	test_grep "^password=ATATT3xFfGF0faultsORIGINAL01$" out &&
	test_must_be_empty err &&
	req "username=bob" "password=ATATT3xFfGF0faultsBOB04" "" | ro_home "$prog" store 2>err &&
	test_must_be_empty err &&
	ro_home "$prog" list >out 2>err &&
	test_grep "bob" out &&
	ro_home "$prog" key generate rohome >out 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 4
'
else
	test_skip_case "a read-only HOME" "no private mount namespace here: $PRIVATE_MOUNTS_WHY"
fi

test_done
