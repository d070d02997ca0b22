#!/bin/bash

test_description='git-bitbucket-ssh follows ~/.ssh/config through ssh -G: ProxyCommand and ProxyJump (SSH over the pipes of a child), ConnectTimeout'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq
command -v python3 >/dev/null || test_skip_all "python3 not found (the ProxyCommand relay)"

# HOME is the trash directory, not root's passwd home: git-bitbucket-ssh
# gives $HOME/.ssh/config to ssh -G with -F, and OpenSSH expands ~ with the
# passwd home, so every file named in the config here is absolute.
KH=$HOME/.ssh/known_hosts

test_expect_success 'setup: keyring, sshd, a jump sshd, a key for the account, ~/.ssh/config' '
	start_keyring &&
	start_sshd &&
	start_jump_sshd &&
	sshd_create_repo acme/widget.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" acme-key &&
	git-credential-bitbucket key public acme-key >acme-key.pub &&
	sshd_authorize acme-key.pub &&
	ssh-keygen -lf acme-key.pub | cut -d" " -f2 >acme-key.fp &&
	sshd_trust_host_keys &&
	ssh-keygen -q -t ed25519 -N "" -f "$HOME/.ssh/jump_key" &&
	jump_authorize "$HOME/.ssh/jump_key.pub" &&
	jump_trust_host_keys "$KH" &&
	cat >relay.py <<-\PY &&
	import os, selectors, socket, sys
	with open(os.environ["RELAY_LOG"], "a") as log:
	    log.write("relay %s %s\n" % (sys.argv[1], sys.argv[2]))
	s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
	sel = selectors.DefaultSelector()
	sel.register(0, selectors.EVENT_READ)
	sel.register(s, selectors.EVENT_READ)
	while True:
	    for key, _ in sel.select():
	        if key.fileobj == 0:
	            data = os.read(0, 65536)
	            if not data:
	                s.shutdown(socket.SHUT_WR)
	                sel.unregister(0)
	                continue
	            s.sendall(data)
	        else:
	            data = s.recv(65536)
	            if not data:
	                sys.exit(0)
	            os.write(1, data)
	PY
	cat >"$HOME/.ssh/config" <<-EOF_CONFIG &&
	Host bb-proxy
		HostName 127.0.0.1
		Port $SSHD_PORT
		ProxyCommand python3 $PWD/relay.py %h %p
	Host bb-badproxy
		HostName 127.0.0.1
		Port $SSHD_PORT
		ProxyCommand exit 3
	Host jumphost
		HostName 127.0.0.1
		Port $JUMP_PORT
		User git
		IdentityFile $HOME/.ssh/jump_key
		IdentitiesOnly yes
		BatchMode yes
		UserKnownHostsFile $KH
	Host bb-jump
		HostName 127.0.0.1
		Port $SSHD_PORT
		ProxyJump jumphost
	Host bb-slow
		HostName 127.0.0.1
		Port $SSHD_PORT
		ConnectTimeout 1
		ProxyCommand sleep 5
	EOF_CONFIG
	export RELAY_LOG="$TRASH/relay.log"
'

test_expect_success 'ProxyCommand: clone and push over the command'"'"'s pipes, %h and %p expanded' '
	: >"$RELAY_LOG" &&
	git clone -q bb-proxy:acme/widget.git p 2>err &&
	test_must_be_empty err &&
	test_grep "Accepted publickey for git .*$(cat acme-key.fp)" "$SSHD_LOG" &&
	echo "relay 127.0.0.1 $SSHD_PORT" >expect &&
	test_cmp expect "$RELAY_LOG" &&
	echo more >p/more && git -C p add more && git -C p commit -q -m more &&
	git -C p push -q origin main &&
	test "$(git -C p rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)" &&
	test $(wc -l <"$RELAY_LOG") = 2
'

test_expect_success 'ProxyCommand that fails: one line naming it' '
	test_must_fail git ls-remote bb-badproxy:acme/widget.git 2>err &&
	test_grep "^git-bitbucket-ssh: cannot connect to 127.0.0.1 port $SSHD_PORT through ProxyCommand exit 3: SSH key exchange failed: " err
'

# the proxy would answer EOF after 5 s ("Failed getting banner"): the
# timeout line shows ConnectTimeout 1 ended it first (no wall-clock bound:
# valgrind alone takes seconds to start)
test_expect_success 'ConnectTimeout bounds a proxy that never answers' '
	test_must_fail git ls-remote bb-slow:acme/widget.git 2>err &&
	test_grep "^git-bitbucket-ssh: cannot connect to 127.0.0.1 port $SSHD_PORT through ProxyCommand sleep 5: connection timed out: no answer from the SSH server in time$" err
'

test_expect_success 'ProxyJump through a second sshd: clone and push' '
	git clone bb-jump:acme/widget.git j 2>err &&
	test "$(cat j/README)" = acme/widget.git &&
	test_grep "Accepted publickey for git from 127.0.0.1" "$JUMP_LOG" &&
	echo jumped >j/jumped && git -C j add jumped && git -C j commit -q -m jumped &&
	git -C j push -q origin main &&
	test "$(git -C j rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)"
'

test_done
