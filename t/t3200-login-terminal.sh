#!/bin/bash

test_description='login at a real terminal with echo off; the token never in output, argv or environment'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
TOKEN=ATATT3xFfGF0tty-secret-4711
DC=git.example.com

if ! command -v script >/dev/null || ! command -v stty >/dev/null; then
	test_skip_all 'script(1) or stty(1) not found (util-linux, coreutils)'
fi

count () {
	keyring_count
}

# start_session 'commands': run the commands in sh on a new pseudo-terminal
# under script(1); what the terminal shows goes to $TRASH/screen, what we
# type goes through the fifo on fd 7.  The innermost process writes its pid
# to $TRASH/pid before it execs.
start_session () {
	{ local -; set +x; } 2>/dev/null
	rm -f "$TRASH/screen" "$TRASH/pid" "$TRASH/keys"
	mkfifo "$TRASH/keys" || return 1
	script -qfec "$1" "$TRASH/screen" <"$TRASH/keys" >/dev/null 2>&1 &
	SESSION_PID=$!
	exec 7>"$TRASH/keys"
}

# type_keys 'printf format': what a person types (Enter is \r).
type_keys () {
	{ local -; set +x; } 2>/dev/null
	printf "$1" >&7
}

end_session () {
	{ local -; set +x; } 2>/dev/null
	local rc=0
	exec 7>&-
	wait "$SESSION_PID" || rc=$?
	SESSION_PID=
	return $rc
}

screen_has () {
	grep -q -F -- "$1" "$TRASH/screen" 2>/dev/null
}

# the terminal of the process in $TRASH/pid, and its stty settings
pid_tty_settings () {
	local pid tty
	pid=$(cat "$TRASH/pid") &&
	tty=$(readlink "/proc/$pid/fd/0") &&
	stty -a -F "$tty"
}

# start_waiting_login FIFO login-args...: login --stdin reading from FIFO,
# which fd 8 holds open so that login waits; its pid in $LOGIN_PID (the
# subshell execs the program, so the pid is the program's).
start_waiting_login () {
	{ local -; set +x; } 2>/dev/null
	local fifo=$1
	shift
	mkfifo "$fifo" && exec 8<>"$fifo" || return 1
	(exec 8>&- 7>&-; exec "$prog" login --stdin "$@" <"$fifo" >out 2>err) &
	LOGIN_PID=$!
	test_wait_for 10 "tr '\\0' ' ' </proc/$LOGIN_PID/cmdline 2>/dev/null | grep -q 'login --stdin'"
}

# Whatever a failed case left behind: close our ends, stop what we started.
cleanup_sessions () {
	exec 7>&- 8>&-
	[ -z "${LOGIN_PID:-}" ] || test_stop_pid "$LOGIN_PID" git-credential-bitbucket
	[ -z "${SESSION_PID:-}" ] || test_stop_pid "$SESSION_PID" script
}
test_atexit cleanup_sessions

test_expect_success 'setup: a private keyring' '
	start_keyring &&
	git config --global --add bitbucket.dataCenterHost $DC &&
	test "$(count)" = 0
'

test_expect_success 'login prompts on the terminal and reads the token with echo off' '
	start_session "echo \$\$ >\"$TRASH/pid\"; exec $prog login --username alice https://bitbucket.org/acme/" &&
	test_wait_for 10 "screen_has \"Token for bitbucket.org/acme: \"" &&
	pid_tty_settings >settings &&
	test_grep -e " -echo " settings &&
	test_grep -e " icanon " settings &&
	type_keys "$TOKEN\r" &&
	end_session &&
	test_grep ! -F "$TOKEN" "$TRASH/screen" &&
	test_grep -F "stored API token for alice on bitbucket.org/acme" "$TRASH/screen" &&
	test "$(count)" = 1 &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/w.git\nusername=alice\n\n" | "$prog" get >got &&
	test_grep -x "password=$TOKEN" got
'

test_expect_success 'echo is back on after login' '
	start_session "$prog login --username bob https://bitbucket.org/acme/; stty -a" &&
	test_wait_for 10 "screen_has \"Token for \"" &&
	type_keys "${TOKEN}-bob\r" &&
	end_session &&
	test_grep -e " echo " "$TRASH/screen" &&
	test_grep ! -e " -echo " "$TRASH/screen" &&
	test_grep ! -F "${TOKEN}-bob" "$TRASH/screen" &&
	test "$(count)" = 2
'

test_expect_success 'without --username, the username is asked on the terminal, echoed' '
	start_session "$prog login https://$DC/scm/PROJ/" &&
	test_wait_for 10 "screen_has \"Username for $DC/proj: \"" &&
	type_keys "carol\r" &&
	test_wait_for 10 "screen_has \"Token for $DC/proj: \"" &&
	type_keys "NzQ1MjM0carol-terminal\r" &&
	end_session &&
	test_grep -F "Username for $DC/proj: carol" "$TRASH/screen" &&
	test_grep ! -F "NzQ1MjM0carol-terminal" "$TRASH/screen" &&
	test_grep -F "stored personal token for carol on $DC/proj" "$TRASH/screen" &&
	test "$(count)" = 3
'

test_expect_success 'a refused token at the terminal: the rule line, nothing stored, not echoed' '
	start_session "$prog login --username alice https://bitbucket.org/acme/; echo status=\$?" &&
	test_wait_for 10 "screen_has \"Token for \"" &&
	type_keys "ATCTT3xFfGN0repo-level-secret\r" &&
	end_session &&
	test_grep -F "$prog: repository, project and workspace access tokens (ATCT, username x-token-auth) are not account-level" "$TRASH/screen" &&
	test_grep -F "status=1" "$TRASH/screen" &&
	test_grep ! -F "repo-level-secret" "$TRASH/screen" &&
	test "$(count)" = 3
'

test_expect_success 'Ctrl-C at the token prompt restores echo and stores nothing' '
	start_session "trap : INT; $prog login --username dan https://bitbucket.org/acme/; echo status=\$?; stty -a" &&
	test_wait_for 10 "screen_has \"Token for \"" &&
	type_keys "ATATT3xFfGF0half" &&
	sleep 0.2 &&
	type_keys "\003" &&
	end_session &&
	test_grep -F "status=130" "$TRASH/screen" &&
	test_grep -e " echo " "$TRASH/screen" &&
	test_grep ! -F "ATATT3xFfGF0half" "$TRASH/screen" &&
	test "$(count)" = 3
'

test_expect_success 'the token is not in argv or the environment of a waiting login' '
	before=$(count) &&
	start_waiting_login tokenpipe --username erin https://bitbucket.org/erin/ &&
	sleep 0.2 &&
	tr "\0" "\n" </proc/$LOGIN_PID/cmdline >cmdline &&
	tr "\0" "\n" </proc/$LOGIN_PID/environ >environ &&
	test_grep -x login cmdline &&
	test_grep ! -F ATATT3xFfGF0 cmdline &&
	test_grep ! -F ATATT3xFfGF0 environ &&
	printf "%s\n" "ATATT3xFfGF0from-fifo" >&8 &&
	exec 8>&- &&
	wait $LOGIN_PID &&
	LOGIN_PID= &&
	test_grep -x "stored API token for erin on bitbucket.org/erin" out &&
	test_grep ! -F ATATT3xFfGF0from-fifo out &&
	test_grep ! -F ATATT3xFfGF0from-fifo err &&
	test "$(count)" = $((before + 1))
'

test_expect_success 'the token is not in argv or the environment of a login at the terminal' '
	before=$(count) &&
	start_session "echo \$\$ >\"$TRASH/pid\"; exec $prog login --username fay https://bitbucket.org/fay/" &&
	test_wait_for 10 "screen_has \"Token for \"" &&
	pid=$(cat "$TRASH/pid") &&
	type_keys "ATATT3xFfGF0fay" &&
	sleep 0.2 &&
	tr "\0" "\n" </proc/$pid/cmdline >cmdline &&
	tr "\0" "\n" </proc/$pid/environ >environ &&
	test_grep ! -F ATATT3xFfGF0fay cmdline &&
	test_grep ! -F ATATT3xFfGF0fay environ &&
	type_keys "\r" &&
	end_session &&
	SESSION_PID= &&
	test_grep ! -F ATATT3xFfGF0fay "$TRASH/screen" &&
	test "$(count)" = $((before + 1))
'

test_expect_success 'no token typed in this script is anywhere in list output' '
	"$prog" list >out &&
	"$prog" list --json >>out &&
	test_grep ! -e ATATT3xFfGF0 -e NzQ1MjM0 -e ATCTT3x out
'

test_done
