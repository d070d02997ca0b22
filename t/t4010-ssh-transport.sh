#!/bin/bash
# run-tests: slow

test_description='git-bitbucket-ssh against a real sshd: clone, fetch, push, ls-remote, protocol v2, host keys, key choice'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

test_expect_success 'setup: keyring, sshd, repositories, a key for the account' '
	start_keyring &&
	start_sshd &&
	sshd_create_repo acme/widget.git &&
	sshd_create_repo acme/gadget.git &&
	sshd_create_repo other/thing.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" acme-key >out &&
	git-credential-bitbucket key public acme-key >acme-key.pub &&
	sshd_authorize acme-key.pub &&
	ssh-keygen -lf acme-key.pub | cut -d" " -f2 >acme-key.fp &&
	sshd_trust_host_keys
'

test_expect_success 'clone over ssh://git@127.0.0.1:PORT/acme/widget.git' '
	git clone "$SSHD_URL/acme/widget.git" widget &&
	test "$(cat widget/README)" = acme/widget.git &&
	test_grep "Accepted publickey for git .*$(cat acme-key.fp)" "$SSHD_LOG"
'

test_expect_success 'push, then fetch it back in another clone' '
	git clone "$SSHD_URL/acme/widget.git" widget2 &&
	echo change >widget/file &&
	git -C widget add file &&
	git -C widget commit -q -m change &&
	git -C widget push origin main 2>err &&
	test "$(git -C widget rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)" &&
	git -C widget2 fetch origin 2>err &&
	test "$(git -C widget2 rev-parse origin/main)" = "$(git -C widget rev-parse HEAD)"
'

test_expect_success 'ls-remote lists the refs' '
	git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test_grep "refs/heads/main" out &&
	test "$(grep refs/heads/main out | cut -f1)" = "$(git -C widget rev-parse HEAD)"
'

test_expect_success 'protocol v2 is negotiated (GIT_PROTOCOL reaches the server)' '
	GIT_TRACE_PACKET=1 git -c protocol.version=2 ls-remote "$SSHD_URL/acme/widget.git" >out 2>trace &&
	test_grep "packet: *[a-z-]*< version 2" trace &&
	test_grep "refs/heads/main" out
'

test_expect_success 'protocol v0 still works when git asks for it' '
	GIT_TRACE_PACKET=1 git -c protocol.version=0 ls-remote "$SSHD_URL/acme/widget.git" >out 2>trace &&
	test_grep ! "< version 2" trace &&
	test_grep "refs/heads/main" out
'

test_expect_success 'git archive --remote runs git-upload-archive' '
	git archive --remote="$SSHD_URL/acme/widget.git" main README >a.tar &&
	tar -xOf a.tar README >readme &&
	echo acme/widget.git >expect &&
	test_cmp expect readme
'

test_expect_success 'a missing repository fails with git'"'"'s error and non-zero exit' '
	test_must_fail git ls-remote "$SSHD_URL/acme/nope.git" 2>err &&
	test_grep "does not appear to be a git repository" err &&
	test_must_fail_code 128 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/nope.git'\''" </dev/null >/dev/null 2>err
'

test_expect_success 'the remote exit status is passed through' '
	test_must_fail_code 128 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-receive-pack '\''/acme/nope.git'\''" </dev/null >/dev/null 2>err &&
	test_grep "does not appear to be a git repository" err
'

test_expect_success 'a wrong user is refused before any connection' '
	sshd_log_mark &&
	test_must_fail git ls-remote "ssh://alice@127.0.0.1:$SSHD_PORT/acme/widget.git" 2>err &&
	test_grep "refusing user .alice." err &&
	sshd_log_since >log &&
	test_grep ! "Connection from" log
'

test_expect_success 'no key for the scope: one line naming the scopes tried and how to import' '
	sshd_log_mark &&
	test_must_fail_code 255 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/other/thing.git'\''" </dev/null 2>err &&
	test $(wc -l <err) = 1 &&
	test_grep "no SSH key for 127.0.0.1 in the keyring (tried scopes .other/thing., .other. and the whole host)" err &&
	test_grep "key import --scope ssh://git@127.0.0.1:$SSHD_PORT/other/thing.git NAME FILE" err &&
	sshd_log_since >log &&
	test_grep ! "Accepted\|Postponed\|Failed publickey" log
'

test_expect_success 'the most specific scope wins: a repository key beats the account key' '
	git-credential-bitbucket key generate --type ecdsa --scope "$SSHD_URL/acme/gadget.git" gadget-key &&
	git-credential-bitbucket key public gadget-key >gadget-key.pub &&
	sshd_authorize gadget-key.pub &&
	ssh-keygen -lf gadget-key.pub | cut -d" " -f2 >gadget-key.fp &&
	sshd_log_mark &&
	git ls-remote "$SSHD_URL/acme/gadget.git" >/dev/null &&
	sshd_log_since >log &&
	test_grep "Accepted publickey for git .*$(cat gadget-key.fp)" log &&
	sshd_log_mark &&
	git ls-remote "$SSHD_URL/acme/widget.git" >/dev/null &&
	sshd_log_since >log &&
	test_grep "Accepted publickey for git .*$(cat acme-key.fp)" log
'

test_expect_success '-i NAME and bitbucket.sshKey override the scope search' '
	sshd_log_mark &&
	GIT_SSH_COMMAND="git-bitbucket-ssh -i gadget-key" git ls-remote "$SSHD_URL/acme/widget.git" >/dev/null &&
	sshd_log_since >log &&
	test_grep "Accepted publickey for git .*$(cat gadget-key.fp)" log &&
	sshd_log_mark &&
	git config --global bitbucket.sshKey gadget-key &&
	git ls-remote "$SSHD_URL/acme/widget.git" >/dev/null &&
	sshd_log_since >log &&
	test_grep "Accepted publickey for git .*$(cat gadget-key.fp)" log &&
	git config --global bitbucket.sshKey nope &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "no SSH key named .nope. in the keyring" err &&
	git config --global --unset bitbucket.sshKey
'

test_expect_success 'a successful login records when the key was last used' '
	git-credential-bitbucket key list --json >list &&
	grep -o "\"name\": \"acme-key\"[^}]*" list >acme &&
	test_grep -v "\"last_used\": null" acme
'

test_expect_success 'a read-only key named with -i refuses a push locally, before connecting' '
	git-credential-bitbucket key set-read-only gadget-key true &&
	git clone "$SSHD_URL/acme/gadget.git" gadget &&
	echo x >gadget/x && git -C gadget add x && git -C gadget commit -q -m x &&
	sshd_log_mark &&
	test_must_fail git -C gadget -c core.sshCommand="git-bitbucket-ssh -i gadget-key" \
		push origin main 2>err &&
	test_grep "key .gadget-key. is read-only" err &&
	test_grep "Bitbucket Cloud access keys always are" err &&
	sshd_log_since >log &&
	test_grep ! "Connection from" log &&
	git-credential-bitbucket key set-read-only gadget-key false &&
	git -C gadget push origin main
'

test_expect_success 'an unknown host key is refused with its fingerprint and how to trust it' '
	mv "$HOME/.ssh/known_hosts" known_hosts.saved &&
	sshd_log_mark &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "the host key of \[127.0.0.1\]:$SSHD_PORT is not known (ED25519 SHA256:" err &&
	test $(grep -c "^git-bitbucket-ssh:" err) = 1 &&
	fp=$(ssh-keygen -lf "$SSHD_ROOT/ssh_host_ed25519_key.pub" | cut -d" " -f2) &&
	test_grep -F "$fp" err &&
	test_grep -F "ssh-keyscan -p $SSHD_PORT 127.0.0.1 >> $HOME/.ssh/known_hosts" err &&
	sshd_log_since >log &&
	test_grep ! "Accepted\|Postponed\|Failed publickey\|userauth" log
'

test_expect_success 'StrictHostKeyChecking=accept-new adds the key and connects' '
	GIT_SSH_COMMAND="git-bitbucket-ssh -o StrictHostKeyChecking=accept-new" \
		git ls-remote "$SSHD_URL/acme/widget.git" >out 2>err &&
	test_grep "refs/heads/main" out &&
	test_grep "warning: permanently added \[127.0.0.1\]:$SSHD_PORT" err &&
	test_grep "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$HOME/.ssh/known_hosts" &&
	git ls-remote "$SSHD_URL/acme/widget.git" >out 2>err &&
	test_must_be_empty err
'

test_expect_success 'UserKnownHostsFile is honoured, ~ expanded' '
	mv "$HOME/.ssh/known_hosts" "$HOME/kh" &&
	GIT_SSH_COMMAND="git-bitbucket-ssh -o UserKnownHostsFile=~/kh" \
		git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test_grep "refs/heads/main" out &&
	mv "$HOME/kh" "$HOME/.ssh/known_hosts"
'

test_expect_success 'hashed known_hosts entries (ssh-keygen -H) are understood' '
	cp known_hosts.saved "$HOME/.ssh/known_hosts" &&
	ssh-keygen -q -H -f "$HOME/.ssh/known_hosts" 2>/dev/null &&
	test_grep "^|1|" "$HOME/.ssh/known_hosts" &&
	git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test_grep "refs/heads/main" out
'

test_expect_success 'a changed host key is refused loudly, without a userauth request' '
	ssh-keygen -q -t ed25519 -N "" -f other-host-key &&
	printf "[127.0.0.1]:%s %s\n" "$SSHD_PORT" "$(cut -d" " -f1,2 other-host-key.pub)" \
		>"$HOME/.ssh/known_hosts" &&
	sshd_log_mark &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED" err &&
	test_grep "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY" err &&
	test_grep "known_hosts, line 1" err &&
	test_grep "Host key verification failed" err &&
	sshd_log_since >log &&
	test_grep ! "Accepted\|Postponed\|Failed publickey" log
'

test_expect_success 'a matching bare-host entry does not mask a changed [host]:port entry' '
	{
		printf "127.0.0.1 %s\n" "$(cut -d" " -f1,2 "$SSHD_ROOT/ssh_host_ed25519_key.pub")" &&
		printf "[127.0.0.1]:%s %s\n" "$SSHD_PORT" "$(cut -d" " -f1,2 other-host-key.pub)"
	} >"$HOME/.ssh/known_hosts" &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "REMOTE HOST IDENTIFICATION HAS CHANGED" err &&
	test_grep "known_hosts, line 2" err
'

test_expect_success 'a revoked host key is refused' '
	{
		cat known_hosts.saved &&
		printf "@revoked * %s\n" "$(cut -d" " -f1,2 "$SSHD_ROOT/ssh_host_ed25519_key.pub")"
	} >"$HOME/.ssh/known_hosts" &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "is marked @revoked" err &&
	cp known_hosts.saved "$HOME/.ssh/known_hosts"
'

test_expect_success 'a key the server does not know: refused with how to add it' '
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/other" stranger &&
	test_must_fail git ls-remote "$SSHD_URL/other/thing.git" 2>err &&
	test_grep "the server refused the key .stranger." err &&
	test_grep "key public stranger" err
'

test_expect_success 'a connection dropped mid-session is a failure (255), never success' '
	mkfifo drop-in &&
	{ sleep 60 >drop-in & } &&
	writer=$! &&
	{ git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" <drop-in >drop-out 2>drop-err & } &&
	pid=$! &&
	test_wait_for 10 "test -s drop-out" &&
	priv=$(pgrep -P "$SSHD_PID" | head -1) &&
	test -n "$priv" &&
	kill -KILL $(pgrep -P "$priv") "$priv" &&
	{ wait "$pid"; rc=$?; } &&
	kill "$writer" &&
	test "$rc" = 255 &&
	test_grep "connection lost" drop-err
'

test_expect_success 'a remote command killed by a signal: 255 and its name, like ssh' '
	mkfifo sig-in &&
	{ sleep 60 >sig-in & } &&
	writer=$! &&
	{ git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" <sig-in >sig-out 2>sig-err & } &&
	pid=$! &&
	test_wait_for 10 "test -s sig-out" &&
	remote=$(pgrep -u git -f "upload-pack.*$SSHD_ROOT/repos/acme/widget.git") &&
	test -n "$remote" &&
	kill -TERM $remote &&
	{ wait "$pid"; rc=$?; } &&
	kill "$writer" &&
	test "$rc" = 255 &&
	echo "git-bitbucket-ssh: git-upload-pack on 127.0.0.1 was killed by SIGTERM" >expect &&
	test_cmp expect sig-err
'

test_expect_success 'a remote exit status of 0 is passed through as 0' '
	printf "0000" | git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" >out 2>err &&
	test_grep "refs/heads/main" out &&
	test_must_be_empty err
'

test_expect_secret_service 'a session bus that does not answer: one line, 255, no hang' '
	kill -STOP $KEYRING_BUS_PID &&
	{ timeout 90 git ls-remote "$SSHD_URL/acme/widget.git" >out 2>err; echo $? >rc; } ;
	kill -CONT $KEYRING_BUS_PID &&
	test "$(cat rc)" != 124 &&
	test "$(cat rc)" != 0 &&
	test_must_be_empty out &&
	test_grep "^git-bitbucket-ssh: the keyring did not answer in time; check that your D-Bus session and Secret Service (e.g. gnome-keyring-daemon) are running and not waiting for a prompt$" err &&
	git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test -s out
'

# The keyring's lines are the credential helper's (helper/keyring.c).
test_expect_secret_service 'no session bus: the credential helper'\''s line and what to do, 255' '
	test_must_fail_code 255 env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=/nonexistent \
		git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" </dev/null >out 2>err &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: cannot reach the keyring: there is no D-Bus session bus and no encrypted file store yet; create one with '\''git credential-bitbucket unlock'\'' (servers, WSL, CI), or run this inside your desktop session" >expect &&
	test_cmp expect err
'

test_expect_secret_service 'a locked keyring is locked, not "no key": the provider named, 255' '
	lock_keyring &&
	test_must_fail_code 255 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/widget.git'\''" </dev/null >out 2>err;
	rc=$? &&
	unlock_keyring &&
	test $rc = 0 &&
	test_must_be_empty out &&
	case $KEYRING_PROVIDER in
	keepassxc) echo "git-bitbucket-ssh: the keyring is locked; unlock the database in KeePassXC and try again" ;;
	*) echo "git-bitbucket-ssh: the keyring is locked; unlock GNOME Keyring (log in to your desktop session, or unlock the '\''login'\'' keyring in Seahorse) and try again" ;;
	esac >expect &&
	test_cmp expect err &&
	git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test -s out
'

# One allocation inside GLib's D-Bus worker thread (a reply body kept on
# the libsecret secret_service_get_secret_for_dbus_path_sync path: see
# `valgrind git-credential-bitbucket key public NAME`) is reported as
# definitely lost at exit; it is not this program's memory, so it alone is
# suppressed.  Everything else must be clean.

# (not with sanitizer builds: valgrind cannot run them)
if [ -z "${ASAN_OPTIONS:-}" ]; then
test_expect_success 'valgrind: a clone is clean' '
	command -v valgrind >/dev/null || { echo "valgrind missing"; exit 1; } &&
	GIT_SSH_COMMAND="valgrind -q --error-exitcode=126 --leak-check=full --errors-for-leak-kinds=definite --show-possibly-lost=no --track-fds=no --suppressions=$TEST_DIRECTORY/valgrind.supp $GCB_BINDIR/git-bitbucket-ssh" \
		git clone -q "$SSHD_URL/acme/widget.git" vg-clone 2>err || { cat err; false; } &&
	test "$(cat vg-clone/README)" = acme/widget.git &&
	test_grep ! "==[0-9]*==" err
'

fi

test_done
