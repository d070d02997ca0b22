#!/bin/bash

test_description='git-bitbucket-ssh follows ~/.ssh/config through ssh -G: HostName aliases, Port, User, ProxyCommand, ProxyJump, known_hosts settings'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq
command -v python3 >/dev/null || test_skip_all "python3 not found (the ProxyCommand relay)"

# HOME is the trash directory, not root's passwd home: git-bitbucket-ssh
# gives $HOME/.ssh/config to ssh -G with -F, and OpenSSH expands ~ with the
# passwd home, so every file named in the config here is absolute.
KH=$HOME/.ssh/known_hosts

test_expect_success 'setup: keyring, sshd, a jump sshd, a key for the account' '
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
	ssh-keygen -lf "$SSHD_ROOT/ssh_host_ed25519_key.pub" | cut -d" " -f2 >host.fp &&
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
	Host bb-work
		HostName 127.0.0.1
		Port $SSHD_PORT
	Host bb-other
		HostName 127.0.0.1
		Port $SSHD_PORT
		User other
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
	Host bb-kh
		HostName 127.0.0.1
		Port $SSHD_PORT
		UserKnownHostsFile $TRASH/kh-empty $TRASH/kh-second
	Host bb-alias
		HostName 127.0.0.1
		Port $SSHD_PORT
		HostKeyAlias bb-alias.example
		UserKnownHostsFile $TRASH/kh-alias
	Host bb-new
		HostName 127.0.0.1
		Port $SSHD_PORT
		StrictHostKeyChecking accept-new
		UserKnownHostsFile $TRASH/kh-new
	Host bb-no
		HostName 127.0.0.1
		Port $SSHD_PORT
		StrictHostKeyChecking no
		UserKnownHostsFile $TRASH/kh-wrong
	Host bb-slow
		HostName 127.0.0.1
		Port $SSHD_PORT
		ConnectTimeout 1
		ProxyCommand sleep 5
	Host elsewhere
		HostName 127.0.0.9
	EOF_CONFIG
	export RELAY_LOG="$TRASH/relay.log"
'

test_expect_success 'a Host alias with HostName and Port: clone and push, the key of the real name' '
	git clone -q bb-work:acme/widget.git w 2>err &&
	test_must_be_empty err &&
	test "$(cat w/README)" = acme/widget.git &&
	test_grep "Accepted publickey for git .*$(cat acme-key.fp)" "$SSHD_LOG" &&
	echo change >w/file && git -C w add file && git -C w commit -q -m change &&
	git -C w push -q origin main &&
	test "$(git -C w rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" rev-parse main)"
'

test_expect_success 'git@alias works the same' '
	git ls-remote git@bb-work:acme/widget.git >out &&
	test_grep refs/heads/main out
'

test_expect_success 'the host key is checked for the real name: unknown there, refused with its name' '
	test_must_fail git ls-remote bb-kh:acme/widget.git 2>err &&
	test_grep "^git-bitbucket-ssh: the host key of \[127.0.0.1\]:$SSHD_PORT is not known (ED25519 $(cat host.fp)); not connecting" err
'

test_expect_success 'UserKnownHostsFile: the second file named is read too' '
	grep "^\[127.0.0.1\]:$SSHD_PORT " "$KH" >"$TRASH/kh-second" &&
	git ls-remote bb-kh:acme/widget.git >out 2>err &&
	test_must_be_empty err &&
	test_grep refs/heads/main out
'

test_expect_success 'HostKeyAlias: known_hosts is read under the alias, without the port' '
	test_must_fail git ls-remote bb-alias:acme/widget.git 2>err &&
	test_grep "^git-bitbucket-ssh: the host key of bb-alias.example is not known (ED25519 $(cat host.fp)); not connecting" err &&
	printf "bb-alias.example %s\n" "$(cut -d" " -f1,2 "$SSHD_ROOT/ssh_host_ed25519_key.pub")" >"$TRASH/kh-alias" &&
	git ls-remote bb-alias:acme/widget.git >out 2>err &&
	test_must_be_empty err &&
	test_grep refs/heads/main out
'

test_expect_success 'StrictHostKeyChecking accept-new: an unknown key is added once' '
	git ls-remote bb-new:acme/widget.git >out 2>err &&
	test_grep refs/heads/main out &&
	echo "git-bitbucket-ssh: warning: permanently added [127.0.0.1]:$SSHD_PORT (ED25519 $(cat host.fp)) to $TRASH/kh-new" >expect &&
	test_cmp expect err &&
	test_grep "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$TRASH/kh-new" &&
	git ls-remote bb-new:acme/widget.git >out 2>err &&
	test_must_be_empty err
'

test_expect_success 'StrictHostKeyChecking no still refuses a changed key' '
	printf "[127.0.0.1]:%s %s\n" "$SSHD_PORT" "$(cut -d" " -f1,2 "$JUMP_ROOT/ssh_host_ed25519_key.pub")" >"$TRASH/kh-wrong" &&
	test_must_fail git ls-remote bb-no:acme/widget.git 2>err &&
	test_grep "REMOTE HOST IDENTIFICATION HAS CHANGED" err &&
	test_grep "^git-bitbucket-ssh: Host key verification failed: not connecting.$" err
'

test_expect_success 'User other in the ssh configuration is refused with one line' '
	test_must_fail git ls-remote bb-other:acme/widget.git 2>err &&
	echo "git-bitbucket-ssh: refusing user '"'"'other'"'"' of the ssh configuration for '"'"'bb-other'"'"': Bitbucket'"'"'s SSH user is always '"'"'git'"'"' (remove that User line, or put git@ in the URL)" >expect &&
	grep "^git-bitbucket-ssh" err >actual &&
	test_cmp expect actual &&
	git ls-remote git@bb-other:acme/widget.git >out &&
	test_grep refs/heads/main out
'

test_expect_success 'ProxyCommand: clone and push over the command'"'"'s pipes, %h and %p expanded' '
	: >"$RELAY_LOG" &&
	git clone -q bb-proxy:acme/widget.git p 2>err || { cat err; false; } &&
	test_must_be_empty err &&
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

test_expect_success 'ConnectTimeout bounds a proxy that never answers' '
	start=$(date +%s) &&
	test_must_fail git ls-remote bb-slow:acme/widget.git 2>err &&
	test $(( $(date +%s) - start )) -lt 4 &&
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

# a stand-in for OpenSSH's ssh ahead in PATH: ssh -G goes to the real one,
# anything else is recorded
test_expect_success 'setup: a recording ssh in PATH' '
	mkdir "$TRASH/bin" &&
	cat >"$TRASH/bin/ssh" <<-EOF_SSH &&
	#!/bin/sh
	echo "\$*" >>"$PWD/ssh.log"
	case "\$1" in -G) exec /usr/bin/ssh "\$@" ;; esac
	exit 0
	EOF_SSH
	chmod +x "$TRASH/bin/ssh"
'

test_expect_success 'an alias of a host that is not Bitbucket goes to OpenSSH unchanged' '
	: >ssh.log &&
	PATH="$TRASH/bin:$PATH" git-bitbucket-ssh -p 2222 elsewhere "git-upload-pack '"'"'x.git'"'"'" &&
	cat >expect <<-EOF &&
	-G -F $HOME/.ssh/config -p 2222 -- elsewhere
	-p 2222 elsewhere git-upload-pack '"'"'x.git'"'"'
	EOF
	test_cmp expect ssh.log
'

test_expect_success 'no ssh -G when no ssh_config could apply' '
	mv "$HOME/.ssh/config" config.saved &&
	: >ssh.log &&
	PATH="$TRASH/bin:$PATH" git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test_grep refs/heads/main out &&
	test_must_be_empty ssh.log &&
	printf "Host other.example\n\tPort 1\nHost *\n\tServerAliveInterval 10\n\tIdentityFile ~/.ssh/x\n" >"$HOME/.ssh/config" &&
	PATH="$TRASH/bin:$PATH" git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test_must_be_empty ssh.log &&
	printf "Host 127.0.0.*\n\tConnectTimeout 10\n" >>"$HOME/.ssh/config" &&
	PATH="$TRASH/bin:$PATH" git ls-remote "$SSHD_URL/acme/widget.git" >out &&
	test $(wc -l <ssh.log) = 1 &&
	mv config.saved "$HOME/.ssh/config"
'

test_expect_success 'a broken ssh_config for a Bitbucket host: one line with ssh'"'"'s own words' '
	cp "$HOME/.ssh/config" config.saved &&
	printf "Host 127.0.0.1\n\tBogusOption yes\n" >>"$HOME/.ssh/config" &&
	test_must_fail git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	mv config.saved "$HOME/.ssh/config" &&
	test_grep "^git-bitbucket-ssh: cannot read the ssh configuration for .127.0.0.1.: ssh -G failed: $HOME/.ssh/config: line [0-9]*: Bad configuration option: bogusoption; fix the file ssh names, or check with: ssh -G 127.0.0.1$" err
'

test_done
