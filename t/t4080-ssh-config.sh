#!/bin/bash

test_description='git-bitbucket-ssh follows ~/.ssh/config through ssh -G: HostName aliases, Port, User, known_hosts settings, when ssh -G runs (proxies: t4081)'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# HOME is the trash directory, not root's passwd home: git-bitbucket-ssh
# gives $HOME/.ssh/config to ssh -G with -F, and OpenSSH expands ~ with the
# passwd home, so every file named in the config here is absolute.
KH=$HOME/.ssh/known_hosts

test_expect_success 'setup: keyring, sshd, a key for the account, ~/.ssh/config' '
	start_keyring &&
	start_sshd &&
	sshd_create_repo acme/widget.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" acme-key &&
	git-credential-bitbucket key public acme-key >acme-key.pub &&
	sshd_authorize acme-key.pub &&
	ssh-keygen -lf acme-key.pub | cut -d" " -f2 >acme-key.fp &&
	sshd_trust_host_keys &&
	ssh-keygen -q -t ed25519 -N "" -C other -f other_key &&
	ssh-keygen -lf "$SSHD_ROOT/ssh_host_ed25519_key.pub" | cut -d" " -f2 >host.fp &&
	cat >"$HOME/.ssh/config" <<-EOF_CONFIG
	Host bb-work
		HostName 127.0.0.1
		Port $SSHD_PORT
	Host bb-other
		HostName 127.0.0.1
		Port $SSHD_PORT
		User other
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
	Host elsewhere
		HostName 127.0.0.9
	EOF_CONFIG
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
	printf "[127.0.0.1]:%s %s\n" "$SSHD_PORT" "$(cut -d" " -f1,2 other_key.pub)" >"$TRASH/kh-wrong" &&
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

test_expect_success 'a new account with no ~/.ssh: the hint creates it first; accept-new creates it (0700)' '
	mkdir "$TRASH/newhome" &&
	test_must_fail env HOME="$TRASH/newhome" GIT_CONFIG_GLOBAL="$HOME/.gitconfig" \
		git ls-remote "$SSHD_URL/acme/widget.git" 2>err &&
	test_grep "^git-bitbucket-ssh: the host key of \[127.0.0.1\]:$SSHD_PORT is not known (ED25519 $(cat host.fp)); not connecting: compare the fingerprint with the one your Bitbucket administrator publishes, then trust it with: mkdir -p -m 700 $TRASH/newhome/.ssh && ssh-keyscan -p $SSHD_PORT 127.0.0.1 >> $TRASH/newhome/.ssh/known_hosts (or connect once with -o StrictHostKeyChecking=accept-new)$" err &&
	! test -e "$TRASH/newhome/.ssh" &&
	env HOME="$TRASH/newhome" GIT_CONFIG_GLOBAL="$HOME/.gitconfig" \
		GIT_SSH_COMMAND="git-bitbucket-ssh -o StrictHostKeyChecking=accept-new" \
		git ls-remote "$SSHD_URL/acme/widget.git" >out 2>err &&
	test_grep refs/heads/main out &&
	test_grep "^git-bitbucket-ssh: warning: permanently added \[127.0.0.1\]:$SSHD_PORT " err &&
	test "$(stat -c %a "$TRASH/newhome/.ssh")" = 700 &&
	test_grep "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$TRASH/newhome/.ssh/known_hosts"
'

test_expect_success 'doctor follows an ssh_config alias to the real name: every check passes' '
	git clone -q bb-work:acme/widget.git dw &&
	(cd dw && git-credential-bitbucket doctor >../out 2>../err) &&
	test_grep -x "doctor: bb-work:acme/widget.git (remote origin)" out &&
	test_grep -x "✔ ssh config: bb-work is 127.0.0.1 port $SSHD_PORT (ssh -G bb-work); checking ssh://git@127.0.0.1:$SSHD_PORT/acme/widget.git" out &&
	test_grep -x "✔ URL: bb-work:acme/widget.git (Bitbucket Data Center, a repository)" out &&
	test_grep "^✔ key: '"'"'acme-key'"'"' (ssh-ed25519) for 127.0.0.1:$SSHD_PORT/acme, " out &&
	test_grep -x "✔ host key: \[127.0.0.1\]:$SSHD_PORT is known" out &&
	test_grep "^✔ live check: git ls-remote bb-work:acme/widget.git answered in " out &&
	! grep "^✘" out
'

test_expect_success 'doctor: an alias that leads elsewhere is not Bitbucket' '
	test_must_fail_code 1 git-credential-bitbucket doctor elsewhere:acme/widget.git >out 2>err &&
	! grep "ssh config:" out &&
	test_grep "^✘ URL: elsewhere is neither bitbucket.org nor a declared Bitbucket Data Center host" out
'

test_done
