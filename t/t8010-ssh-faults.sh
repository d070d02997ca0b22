#!/bin/bash

test_description='injected faults on the SSH side: sshd killed mid-clone and mid-push, a server that never answers, stdin/stdout closed early, known_hosts on a read-only or full HOME'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# git runs the wrapper through this, which records its exit status
cat >"$TRASH/rec-ssh" <<EOF
#!/bin/sh
git-bitbucket-ssh "\$@"
rc=\$?
echo \$rc >>"$TRASH/ssh-rc"  # git runs "CMD -G" first (0), then the transfer
exit \$rc
EOF
chmod +x "$TRASH/rec-ssh"

# find_below PID REGEX: the processes below PID whose command line matches
# REGEX (this test's own only: other scripts may run sshd and git at the
# same time); one ps, so it can be polled.
find_below () {
	{ local -; set +x; } 2>/dev/null
	ps -e -o pid=,ppid=,args= | awk -v top="$1" -v re="$2" '''
		{ pid[NR] = $1; ppid[NR] = $2; line = $0
		  sub(/^ *[0-9]+ +[0-9]+ /, "", line); args[NR] = line }
		END {
			below[top] = 1
			do {
				more = 0
				for (i = 1; i <= NR; i++)
					if ((ppid[i] in below) && !(pid[i] in below)) { below[pid[i]] = 1; more = 1 }
			} while (more)
			for (i = 1; i <= NR; i++)
				if (pid[i] != top && (pid[i] in below) && args[i] ~ re) print pid[i]
		}'''
}

# kill_sshd_when REGEX: wait until a server process matching REGEX runs
# below our sshd, stop it (so the transfer cannot finish), then SIGKILL the
# sshd session processes serving it and everything below them.
kill_sshd_when () {
	{ local -; set +x; } 2>/dev/null
	local pat=$1 cmd sess all i
	for ((i = 0; i < 2000; i++)); do
		cmd=$(find_below "$SSHD_PID" "$pat")
		[ -z "$cmd" ] || break
		sleep 0.01
	done
	test -n "$cmd" || { echo "kill_sshd_when: no $pat" >&2; return 1; }
	kill -STOP $cmd &&
	all=$(find_below "$SSHD_PID" .) &&
	test -n "$all" &&
	kill -KILL $all 2>/dev/null
	return 0
}

ROOT_REPO=
# expect_connection_lost RC: git exited with RC 128, the wrapper with 255
# (as it wrote to $TRASH/ssh-rc), and the wrapper's only line in err says
# the connection was lost and what to do; libssh2's own words in it vary
# with its version and the moment (1.11.1 once said "Unable to send
# transfer-window adjustment packet, deferring" where it mostly says
# "transport read")
expect_connection_lost () {
	cat err &&
	test "$1" = 128 &&
	test "$(tail -n 1 "$TRASH/ssh-rc")" = 255 &&
	grep "^git-bitbucket-ssh" err >actual &&
	test "$(wc -l <actual)" = 1 &&
	test_grep -x "git-bitbucket-ssh: connection lost (127\.0\.0\.1) during the transfer: the server or the network closed it (libssh2: [^()]*); run the git command again" actual
}

test_expect_success 'setup: keyring, sshd, a repository, a key' '
	start_keyring &&
	start_sshd &&
	git config --global --add safe.directory "*" &&
	sshd_create_repo acme/widget.git &&
	sshd_create_repo acme/big.git &&
	ROOT_REPO=$SSHD_ROOT/repos/acme/widget.git &&
	git init -q big && head -c 24M /dev/urandom >big/blob &&
	git -C big add blob && git -C big commit -q -m big &&
	git -C big push -q -f "$SSHD_ROOT/repos/acme/big.git" main &&
	chown -R git: "$SSHD_ROOT/repos" && rm -rf big &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand "$TRASH/rec-ssh" &&
	git-credential-bitbucket key generate --scope "$SSHD_URL/acme" acme-key >/dev/null &&
	git-credential-bitbucket key public acme-key >acme-key.pub &&
	sshd_authorize acme-key.pub &&
	sshd_trust_host_keys &&
	git clone -q "$SSHD_URL/acme/widget.git" base &&
	: >"$TRASH/ssh-rc"
'

# Mid-transfer for sure: once the server packs (pack-objects runs), our
# wrapper is stopped, so 24 MiB of incompressible data cannot all have
# passed; sshd is killed, then the wrapper goes on and finds the
# connection gone.
test_expect_success 'sshd killed mid-clone: git fails, the wrapper exits 255, no half clone left' '
	: >"$TRASH/ssh-rc" &&
	{ git clone "$SSHD_URL/acme/big.git" killed >out 2>err & } &&
	pid=$! &&
	for ((i = 0; i < 1000; i++)); do
		po=$(find_below "$SSHD_PID" "pack-objects") &&
		test -z "$po" || break
		sleep 0.01
	done &&
	wrapper=$(find_below $pid "^git-bitbucket-ssh ") &&
	test -n "$po" && test -n "$wrapper" &&
	kill -STOP $wrapper &&
	test_pid_alive $po &&
	kill_sshd_when "pack-objects" &&
	kill -CONT $wrapper &&
	{ wait $pid; rc=$?; } &&
	test_wait_for 10 "test -s \"$TRASH/ssh-rc\"" &&
	expect_connection_lost $rc &&
	test_grep "^fatal: " err &&
	test ! -e killed
'

test_expect_success 'sshd killed mid-push: push fails, 255, both repositories intact and unchanged' '
	old=$(git --git-dir="$ROOT_REPO" rev-parse main) &&
	echo change >base/change && git -C base add change && git -C base commit -q -m change &&
	new=$(git -C base rev-parse HEAD) &&
	: >"$TRASH/ssh-rc" &&
	# the pack is received and waits in pre-receive: the ref is not yet moved
	printf "#!/bin/sh\nexec sleep 30 # gcb-mid-push\n" >"$ROOT_REPO/hooks/pre-receive" &&
	chmod +x "$ROOT_REPO/hooks/pre-receive" &&
	{ git -C base push origin main >out 2>err & } &&
	pid=$! &&
	kill_sshd_when "sleep 30" &&
	rm -f "$ROOT_REPO/hooks/pre-receive" &&
	test_wait_for 10 "test -s \"$TRASH/ssh-rc\"" &&
	{ wait $pid; rc=$?; } &&
	test_wait_for 10 "test -s \"$TRASH/ssh-rc\"" &&
	expect_connection_lost $rc &&
	test_grep "^fatal: the remote end hung up unexpectedly" err &&
	git -C base fsck --strict --no-progress &&
	test "$(git -C base rev-parse HEAD)" = "$new" &&
	test "$(git -C base rev-parse origin/main)" = "$old" &&
	git --git-dir="$ROOT_REPO" fsck --no-progress &&
	test "$(git --git-dir="$ROOT_REPO" rev-parse main)" = "$old" &&
	: >"$TRASH/ssh-rc" &&
	git -C base push -q origin main &&
	test "$(git --git-dir="$ROOT_REPO" rev-parse main)" = "$new"
'

test_expect_success 'a server that accepts TCP and never answers: ConnectTimeout ends it with one line' '
	port=$(test_free_port) &&
	git-credential-bitbucket key generate --scope ssh://git@127.0.0.1:$port/ mute-key >/dev/null &&
	cat >mute.py <<-\EOF &&
	import socket, sys, time
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", int(sys.argv[1])))
	s.listen(8)
	print("listening", flush=True)
	time.sleep(120)
	EOF
	{ python3 mute.py $port >mute.out & } &&
	mute=$! &&
	test_wait_for 10 "test -s mute.out" &&
	{ timeout 60 git-bitbucket-ssh -o ConnectTimeout=1 -p $port git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" </dev/null >out 2>err; rc=$?; } ;
	kill $mute; wait $mute;
	cat err &&
	test $rc = 255 &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: cannot connect to 127.0.0.1 port $port: connection timed out: no answer from the SSH server in time" >expect &&
	test_cmp expect err
'

UPLOAD="git-upload-pack '/acme/widget.git'"

# A closed stdin must not be taken by the connection's socket (it was: the
# wrapper then read its own socket and hung); it reads as end of input.
test_expect_success 'stdin closed: the same as an empty stdin, no hang' '
	timeout 30 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" </dev/null >expect 2>expect.err;
	rc_null=$?;
	timeout 30 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" <&- >out 2>err;
	rc=$?;
	test $rc = $rc_null &&
	test_grep "refs/heads/main" out &&
	test_cmp expect out &&
	test_cmp expect.err err
'

test_expect_success 'stdout closed: 255 and one line' '
	test_must_fail_code 255 timeout 30 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" </dev/null >&- 2>err &&
	echo "git-bitbucket-ssh: local input/output error (127.0.0.1): write to stdout: No space left on device" >expect &&
	test_cmp expect err
'

test_expect_success 'stdout on a full disk (/dev/full): 255 and one line' '
	test_must_fail_code 255 timeout 30 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" </dev/null >/dev/full 2>err &&
	echo "git-bitbucket-ssh: local input/output error (127.0.0.1): write to stdout: No space left on device" >expect &&
	test_cmp expect err
'

# Like OpenSSH: when the reader goes away the wrapper drops what still
# comes, the remote command sees its channel close and its exit status is
# passed on.  No death by SIGPIPE (exit 141), no hang.
test_expect_success 'stdout a pipe whose reader has gone: no SIGPIPE death, the remote status' '
	rc=$( { { sleep 0.3; timeout 30 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" </dev/null 2>err; echo $? >&3; } | :; } 3>&1) &&
	test "$rc" = 128 &&
	echo "fatal: the remote end hung up unexpectedly" >expect &&
	test_cmp expect err
'

# A private mount namespace (unshare -m) for the read-only and full HOME
# cases; a chroot whose root is no mount point cannot make one.
PRIVATE_MOUNTS=
PRIVATE_MOUNTS_WHY=$(unshare -m --propagation private true 2>&1) && PRIVATE_MOUNTS=1

# a new host key with accept-new where known_hosts cannot be written
ro_home () {
	{ local -; set +x; } 2>/dev/null
	unshare -m --propagation private sh -c '
		mount --bind "$HOME" "$HOME" &&
		mount -o remount,bind,ro "$HOME" &&
		exec "$@"' ro_home "$@"
}
full_ssh_dir () {
	{ local -; set +x; } 2>/dev/null
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=16k tmpfs "$HOME/.ssh" &&
		{ head -c 1M /dev/zero >"$HOME/.ssh/filler" 2>/dev/null; true; } &&
		: >"$HOME/.ssh/known_hosts" &&
		exec "$@"' full_ssh_dir "$@"
}

if [ -n "$PRIVATE_MOUNTS" ]; then
test_expect_success 'accept-new with a read-only HOME: the key is not added, one line, 255' '
	mv "$HOME/.ssh/known_hosts" kh.saved &&
	ro_home git-bitbucket-ssh -o StrictHostKeyChecking=accept-new -p "$SSHD_PORT" git@127.0.0.1 "$UPLOAD" </dev/null >out 2>err;
	rc=$?;
	test ! -e "$HOME/.ssh/known_hosts" &&
	mv kh.saved "$HOME/.ssh/known_hosts" &&
	test $rc = 255 &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: cannot add the host key of [127.0.0.1]:$SSHD_PORT to $HOME/.ssh/known_hosts: Read-only file system" >expect &&
	test_cmp expect err
'
else
	test_skip_case "accept-new with a read-only HOME" "no private mount namespace here: $PRIVATE_MOUNTS_WHY"
fi

if [ -n "$PRIVATE_MOUNTS" ]; then
test_expect_success 'accept-new with known_hosts on a full disk: nothing half-written, one line, 255' '
	full_ssh_dir sh -c "git-bitbucket-ssh -o StrictHostKeyChecking=accept-new -p $SSHD_PORT git@127.0.0.1 \"$UPLOAD\" </dev/null >out 2>err; echo \$? >rc; wc -c <\"\$HOME/.ssh/known_hosts\" >khsize" &&
	rc=$(cat rc) &&
	test "$(cat khsize)" = 0 &&
	test $rc = 255 &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: cannot add the host key of [127.0.0.1]:$SSHD_PORT to $HOME/.ssh/known_hosts: No space left on device" >expect &&
	test_cmp expect err
'
else
	test_skip_case "accept-new with known_hosts on a full disk" "no private mount namespace here: $PRIVATE_MOUNTS_WHY"
fi

test_done
