#!/bin/bash

test_description='refusals always speak: an empty username on git store, the username checked before the token, a mistyped command, --help and --version on every command'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
DC=git.example.com

MSG_EMAIL='an e-mail address is not a git username on bitbucket.org (the e-mail is for the REST API); use your Bitbucket username from Account settings, or x-bitbucket-api-token-auth with an API token'
HOW_PERSONAL='create a personal HTTP access token (Manage account > HTTP access tokens) and use it with your username'
MSG_DC_API_USER='the username x-bitbucket-api-token-auth is for API tokens on bitbucket.org only; use your Data Center username with a personal HTTP access token'
MSG_BEARER="a Data Center token without a username, or with x-token-auth, is a project or repository token, which works only as a Bearer token and not with git; $HOW_PERSONAL"

count () {
	keyring_count
}

# git_approve URL USER SECRET: what git does after a successful push.
git_approve () {
	{ local -; set +x; } 2>/dev/null
	printf 'url=%s\nusername=%s\npassword=%s\n\n' "$1" "$2" "$3" |
		git -c credential.helper= -c credential.helper=bitbucket credential approve
}

test_expect_success 'setup: a private keyring, a declared Data Center host, one token stored' '
	start_keyring &&
	git config --global --add bitbucket.dataCenterHost $DC &&
	git_approve https://bitbucket.org/acme/widget.git alice ATATT3xFfGF0alice &&
	test "$(count)" = 1 &&
	keyring_dump >before
'

# --- an empty username on git store -------------------------------------------

test_expect_success 'Cloud: store with an empty username says what was refused and what to do' '
	cat >expect <<-EOF &&
	$prog: the token for bitbucket.org was not stored: git gave no username with it; put your Bitbucket username in the remote URL (https://NAME@bitbucket.org/...) or set it with '\''git config --global credential.https://bitbucket.org.username NAME'\''
	EOF
	git_approve https://bitbucket.org/acme/widget.git "" ATATT3xFfGF0nobody >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'Cloud: the helper itself exits 1 on that store, with the same line' '
	printf "protocol=https\nhost=bitbucket.org\nusername=\npassword=ATATT3xFfGF0nobody\n\n" >req &&
	test_must_fail_code 1 "$prog" store <req >out 2>err &&
	test_must_be_empty out &&
	test "$(wc -l <err)" = 1 &&
	test_grep "^$prog: the token for bitbucket.org was not stored: git gave no username" err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'Data Center: store with an empty username says what was refused and what to do' '
	cat >expect <<-EOF &&
	$prog: the token for $DC/proj/repo was not stored: git gave no username with it; put your Bitbucket username in the remote URL (https://NAME@HOST/scm/...) or set it with '\''git config --global credential.https://$DC.username NAME'\''
	EOF
	git -c credential.useHttpPath=true -c credential.helper= -c credential.helper=bitbucket \
		credential approve >out 2>err <<-EOF &&
	url=https://$DC/scm/proj/repo.git
	username=
	password=NzQ1MjM0personal

	EOF
	test_must_be_empty out &&
	test_cmp expect err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'store with a control character in the username: the rule line, nothing stored' '
	printf "protocol=https\nhost=bitbucket.org\nusername=a\001b\npassword=ATATT3xFfGF0ctl\n\n" >req &&
	test_must_fail_code 1 "$prog" store <req >out 2>err &&
	echo "$prog: the username contains a line break or control character; type it again" >expect &&
	test_cmp expect err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'store without a password, or ephemeral, stays silent (nothing to keep)' '
	printf "protocol=https\nhost=bitbucket.org\nusername=\n\n" | "$prog" store >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	printf "protocol=https\nhost=bitbucket.org\nusername=\npassword=ATATT3xFfGF0e\nephemeral=1\n\n" |
		"$prog" store >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	keyring_dump >after && test_cmp before after
'

# --- login: the username before the token --------------------------------------

test_expect_success 'login --stdin refuses an e-mail username before it reads the token' '
	printf "ATATT3xFfGF0notread\nrest of stdin\n" >in &&
	{
		test_must_fail_code 1 "$prog" login --stdin --username alice@example.com https://bitbucket.org/acme/ >out 2>err &&
		cat >left
	} <in &&
	echo "$prog: $MSG_EMAIL" >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	test_cmp in left &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'login --stdin on Data Center refuses x-token-auth and the API-token user before the token' '
	printf "NzQ1MjM0notread\n" >in &&
	{
		test_must_fail_code 1 "$prog" login --stdin --username x-token-auth https://$DC/scm/proj/ 2>err &&
		cat >left
	} <in &&
	echo "$prog: $MSG_BEARER" >expect && test_cmp expect err && test_cmp in left &&
	{
		test_must_fail_code 1 "$prog" login --stdin --username x-bitbucket-api-token-auth https://$DC/scm/proj/ 2>err &&
		cat >left
	} <in &&
	echo "$prog: $MSG_DC_API_USER" >expect && test_cmp expect err && test_cmp in left &&
	keyring_dump >after && test_cmp before after
'

# --- mistyped commands ------------------------------------------------------------

test_expect_success 'a mistyped command with arguments: exit 2, one line naming the closest command' '
	printf "ATATT3xFfGF0typo\n" |
		test_must_fail_code 2 "$prog" lgoin --stdin --username alice https://bitbucket.org/acme/ >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: unknown command '\''lgoin'\''; did you mean '\''login'\''? see '\''$prog --help'\''" >expect &&
	test_cmp expect err &&
	test_must_fail_code 2 "$prog" lsit --json </dev/null 2>err &&
	echo "$prog: unknown command '\''lsit'\''; did you mean '\''list'\''? see '\''$prog --help'\''" >expect &&
	test_cmp expect err &&
	test_must_fail_code 2 "$prog" frobnicate now </dev/null 2>err &&
	echo "$prog: unknown command '\''frobnicate'\''; see '\''$prog --help'\''" >expect &&
	test_cmp expect err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'a lone unknown word (what a newer git may send) is silent, exit 0' '
	printf "protocol=https\nhost=bitbucket.org\n\n" | "$prog" lgoin >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	printf "protocol=https\nhost=bitbucket.org\n\n" | "$prog" capability >out 2>err &&
	test_must_be_empty out && test_must_be_empty err
'

test_expect_success 'a lone unknown word at a terminal is silent too' '
	python3 - "$prog" >out <<-\EOF &&
	import os, pty, sys
	pid, fd = pty.fork()
	if pid == 0:
	    os.execvp(sys.argv[1], [sys.argv[1], "lgoin"])
	data = b""
	while True:
	    try:
	        chunk = os.read(fd, 1024)
	    except OSError:
	        break
	    if not chunk:
	        break
	    data += chunk
	_, st = os.waitpid(pid, 0)
	print("exit=%d output=%r" % (os.WEXITSTATUS(st), data))
	EOF
	echo "exit=0 output=b'\'''\''" >expect &&
	test_cmp expect out
'

# --- --help and --version everywhere --------------------------------------------------

test_expect_success '--version on the program and after every command: exit 0, one line' '
	"$prog" --version >expect 2>err &&
	test_must_be_empty err &&
	test_grep -E "^$prog [0-9]+\.[0-9]+\.[0-9]+(\+g[0-9a-f]+)?$" expect &&
	for cmd in get store erase login logout list key "key import" "key generate" \
		"key public" "key list" "key remove" "key rename" "key scope" "key set-read-only"; do
		$prog $cmd --version </dev/null >out 2>err || { echo "$cmd --version failed"; return 1; }
		test_must_be_empty err && test_cmp expect out || return 1
	done &&
	"$prog" login --stdin --version </dev/null >out && test_cmp expect out
'

test_expect_success '--help after every command: usage on stdout, exit 0' '
	for cmd in get store erase; do
		"$prog" $cmd --help </dev/null >out 2>err &&
		test_must_be_empty err &&
		echo "usage: $prog $cmd" >expect && head -n 1 out >first && test_cmp expect first &&
		test_grep "git-credential(1)" out || return 1
	done &&
	for cmd in login logout list key "key import" "key generate" "key public" "key list" \
		"key remove" "key rename" "key scope" "key set-read-only"; do
		"$prog" $cmd --help </dev/null >out 2>err || { echo "$cmd --help failed"; return 1; }
		test_must_be_empty err && test_grep "^usage: $prog $cmd" out || return 1
	done &&
	"$prog" get -h </dev/null >out && test_grep "^usage: $prog get$" out
'

test_expect_success 'git-bitbucket-ssh --help and --version: exit 0' '
	git-bitbucket-ssh --version >out 2>err &&
	test_must_be_empty err &&
	test_grep -E "^git-bitbucket-ssh [0-9]+\.[0-9]+\.[0-9]+(\+g[0-9a-f]+)?$" out &&
	git-bitbucket-ssh --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: git-bitbucket-ssh " out
'

test_expect_success 'the keyring holds what it held at the start' '
	keyring_dump >after && test_cmp before after
'

# --- Ctrl-Z at the token prompt --------------------------------------------------------

test_expect_success 'Ctrl-Z then fg at the token prompt: echo off again, nothing typed is lost' '
	cat >ctrlz.py <<-\EOF &&
	import os, pty, signal, sys, termios, time
	prog, url = sys.argv[1], sys.argv[2]
	pid, fd = pty.fork()
	if pid == 0:
	    # a job-control shell in miniature: the helper is a job in its own
	    # process group, in the foreground; this process plays fg
	    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
	    job = os.fork()
	    if job == 0:
	        os.setpgid(0, 0)
	        os.execvp(prog, [prog, "login", "--username", "alice", url])
	    os.setpgid(job, job)
	    os.tcsetpgrp(0, job)
	    while True:
	        _, st = os.waitpid(job, os.WUNTRACED)
	        if os.WIFSTOPPED(st):
	            os.write(2, b"[stopped]")
	            time.sleep(0.5)
	            os.tcsetpgrp(0, job)
	            os.killpg(job, signal.SIGCONT)
	            continue
	        os._exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 99)
	out = b""
	def read_until(what, limit=10):
	    global out
	    end = time.time() + limit
	    while what not in out and time.time() < end:
	        try:
	            out += os.read(fd, 4096)
	        except OSError:
	            break
	    return what in out
	def echo_on():
	    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
	assert read_until(b"Token for "), out
	time.sleep(0.3)
	print("echo at the prompt:", echo_on())
	os.write(fd, b"ATATT3xFfGF0before")
	time.sleep(0.3)
	os.write(fd, b"\x1a")
	assert read_until(b"[stopped]"), out
	print("echo while stopped:", echo_on())
	time.sleep(1.0)
	print("echo after fg:", echo_on())
	os.write(fd, b"-after\r")
	read_until(b"stored", 10)
	read_until(b"\n", 2)
	_, st = os.waitpid(pid, 0)
	print("exit:", os.WEXITSTATUS(st))
	print("token shown:", b"before" in out or b"after" in out)
	EOF
	python3 ctrlz.py "$prog" https://bitbucket.org/ctrlz/ >actual &&
	cat >expect <<-\EOF &&
	echo at the prompt: False
	echo while stopped: True
	echo after fg: False
	exit: 0
	token shown: False
	EOF
	test_cmp expect actual &&
	printf "protocol=https\nhost=bitbucket.org\npath=ctrlz/repo.git\nusername=alice\n\n" |
		git -c credential.useHttpPath=true credential-bitbucket get >out &&
	printf "username=alice\npassword=ATATT3xFfGF0before-after\n" >expect &&
	test_cmp expect out
'

test_done
