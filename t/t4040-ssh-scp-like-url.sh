#!/bin/bash

test_description='git-bitbucket-ssh: the scp-like URL git@HOST:ACCOUNT/REPO.git (port 22, path without a slash)'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

# git's scp-like form has no port, so the server must listen on 22: a
# second loopback address keeps clear of any sshd already on 127.0.0.1:22.
SSHD_ADDR=127.0.0.2
SSHD_WANT_PORT=22
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq
# 0016 is port 22; 0200007F is 127.0.0.2, 00000000 any address
if cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print $2 }' |
	grep -qE '^(0200007F|00000000|0{32}):0016$'; then
	test_skip_all "port 22 on 127.0.0.2 is taken"
fi

test_expect_success 'setup: sshd on 127.0.0.2:22, a key for the account' '
	start_keyring &&
	start_sshd &&
	sshd_create_repo acme/widget.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.2 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "git@127.0.0.2:acme" scp-key &&
	git-credential-bitbucket key public scp-key | sshd_authorize - &&
	sshd_trust_host_keys &&
	test_grep "^127.0.0.2 ssh-ed25519 " "$HOME/.ssh/known_hosts"
'

test_expect_success 'git sends no port and a relative path for the scp-like form' '
	GIT_TRACE=1 git ls-remote git@127.0.0.2:acme/widget.git >out 2>trace &&
	test_grep "run_command: .*git-bitbucket-ssh -o SendEnv=GIT_PROTOCOL git@127.0.0.2 .git-upload-pack .\\\\..acme/widget.git" trace &&
	test_grep ! "git-bitbucket-ssh.* -p " trace &&
	test_grep refs/heads/main out
'

test_expect_success 'clone and push over git@127.0.0.2:acme/widget.git' '
	git clone git@127.0.0.2:acme/widget.git w &&
	test "$(cat w/README)" = acme/widget.git &&
	echo more >w/more && git -C w add more && git -C w commit -q -m more &&
	git -C w push -q origin main &&
	test "$(git -C w rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)"
'

test_expect_success 'a bare-host known_hosts entry is used for port 22' '
	git ls-remote git@127.0.0.2:acme/widget.git >out 2>err &&
	test_must_be_empty err
'

test_done
