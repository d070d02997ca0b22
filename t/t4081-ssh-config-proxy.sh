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

# altssh.bitbucket.org: Bitbucket Cloud's SSH on port 443.  The loopback
# sshd stands in for it through a ProxyCommand that logs %h %p and relays
# to the sshd, so the wrapper's choices (Cloud's scope and keys,
# bitbucket.org's host keys) are seen without the network.
test_expect_success 'setup: a key for git@bitbucket.org:acme/, altssh blocks in ~/.ssh/config' '
	git-credential-bitbucket key generate --type ed25519 --scope git@bitbucket.org:acme/ cloud-key &&
	git-credential-bitbucket key public cloud-key >cloud-key.pub &&
	sshd_authorize cloud-key.pub &&
	ssh-keygen -lf cloud-key.pub | cut -d" " -f2 >cloud-key.fp &&
	ssh-keygen -lf "$SSHD_ROOT/ssh_host_ed25519_key.pub" | cut -d" " -f2 >host.fp &&
	relay="sh -c '\''echo %h %p >>$TRASH/alt.log; exec python3 $PWD/relay.py 127.0.0.1 $SSHD_PORT'\''" &&
	printf "bb-loop %s\n" "$(cut -d" " -f1,2 "$SSHD_ROOT/ssh_host_ed25519_key.pub")" >"$TRASH/kh-loop" &&
	cat >>"$HOME/.ssh/config" <<-EOF_CONFIG
	Host altssh.bitbucket.org
		ProxyCommand $relay
	Host bb-443
		HostName altssh.bitbucket.org
		Port 443
		HostKeyAlias bb-loop
		UserKnownHostsFile $TRASH/kh-loop
		ProxyCommand $relay
	Host bitbucket.org
		HostName altssh.bitbucket.org
		Port 443
		ProxyCommand $relay
	EOF_CONFIG
'

test_expect_success 'altssh.bitbucket.org:443 is Bitbucket Cloud: checked against bitbucket.org'"'"'s host keys' '
	: >"$TRASH/alt.log" &&
	test_must_fail git ls-remote ssh://git@altssh.bitbucket.org:443/acme/widget.git 2>err &&
	echo "altssh.bitbucket.org 443" >expect &&
	test_cmp expect "$TRASH/alt.log" &&
	test_grep "^git-bitbucket-ssh: The ED25519 host key sent by bitbucket.org has fingerprint $(cat host.fp)\.$" err &&
	test_grep "^git-bitbucket-ssh: A different ED25519 key for bitbucket.org is in the built-in bitbucket.org keys, line 2\.$" err &&
	test_grep "^git-bitbucket-ssh: Host key verification failed: not connecting\.$" err &&
	! grep -i "altssh" err &&
	! grep "Accepted publickey for git .*$(cat cloud-key.fp)" "$SSHD_LOG"
'

test_expect_success 'the Host bitbucket.org / HostName altssh.bitbucket.org / Port 443 block: Cloud, not OpenSSH' '
	: >"$TRASH/alt.log" &&
	test_must_fail git ls-remote git@bitbucket.org:acme/widget.git 2>err &&
	echo "altssh.bitbucket.org 443" >expect &&
	test_cmp expect "$TRASH/alt.log" &&
	test_grep "^git-bitbucket-ssh: The ED25519 host key sent by bitbucket.org has fingerprint $(cat host.fp)\.$" err &&
	test_grep "^git-bitbucket-ssh: That key is the one Atlassian publishes for bitbucket.org: do not connect" err
'

test_expect_success 'altssh with a HostKeyAlias the loopback key is known under: the key of git@bitbucket.org:acme/, clone and push' '
	: >"$TRASH/alt.log" &&
	git clone -q bb-443:acme/widget.git alt 2>err &&
	test_must_be_empty err &&
	test_grep "Accepted publickey for git .*$(cat cloud-key.fp)" "$SSHD_LOG" &&
	echo alt >alt/alt && git -C alt add alt && git -C alt commit -q -m alt &&
	git -C alt push -q origin main &&
	test "$(git -C alt rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)" &&
	echo "altssh.bitbucket.org 443" >expect && echo "altssh.bitbucket.org 443" >>expect &&
	test_cmp expect "$TRASH/alt.log"
'

test_expect_success 'doctor: an altssh URL is Bitbucket Cloud, its host key bitbucket.org'"'"'s' '
	test_must_fail_code 1 git-credential-bitbucket doctor ssh://git@altssh.bitbucket.org:443/acme/widget.git >out 2>err &&
	test_grep -x "✔ URL: ssh://git@altssh.bitbucket.org:443/acme/widget.git (Bitbucket Cloud, a repository)" out &&
	test_grep "^✔ key: '"'"'cloud-key'"'"' (ssh-ed25519) for bitbucket.org/acme, " out &&
	test_grep -x "✔ host key: bitbucket.org'"'"'s keys are built in" out &&
	test_grep -x "✘ live check: host key: CHANGED, not connecting: The ED25519 host key sent by bitbucket.org has fingerprint $(cat host.fp). That key is the one Atlassian publishes for bitbucket.org: do not connect; check https://bitbucket.org/site/ssh and your network." out
'

test_done
