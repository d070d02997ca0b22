#!/bin/bash

test_description='git-bitbucket-ssh: the -G probe, options taken and refused, hosts handed to OpenSSH'

. "$(dirname "$0")/lib.sh"

# A stand-in ssh that prints the arguments it got, one per line.
mkdir -p "$TRASH/fakessh"
cat >"$TRASH/fakessh/ssh" <<'EOF'
#!/bin/sh
echo "fake ssh:"
for a in "$@"; do printf '%s\n' "$a"; done
EOF
chmod +x "$TRASH/fakessh/ssh"

# test-ssh-args and test-ssh-hostkeys run in t0100-unit.sh

test_expect_success '-G answers 0 at once with stdin, stdout and stderr closed' '
	git config --global --add bitbucket.dataCenterHost bb.example.com &&
	git-bitbucket-ssh -G bitbucket.org <&- >&- 2>&- &&
	git-bitbucket-ssh -G -p 7999 git@bb.example.com <&- >&- 2>&- &&
	git-bitbucket-ssh -o SendEnv=GIT_PROTOCOL -G -p 7999 bb.example.com <&- >&- 2>&-
'

test_expect_success '-G touches neither network nor keyring: an unresolvable host and no bus' '
	DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
		git-bitbucket-ssh -G git@no-such-host.invalid >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

# What "at once" means, without a clock: no socket of any kind (no DNS, no
# TCP, no D-Bus) and no other program; strace sees every system call (of
# the program itself, not of a valgrind wrapper).  LeakSanitizer cannot
# run under ptrace, so an ASan build runs here without its leak check.
test_expect_success '-G opens no socket and starts no program (strace)' '
	command -v strace >/dev/null &&
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=socket,connect,execve -o trace \
		"$GCB_BINDIR/git-bitbucket-ssh" -G -p 7999 git@bb.example.com >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_grep ! "socket(" trace &&
	test_grep ! "connect(" trace &&
	test $(grep -c "execve(" trace) = 1
'

test_expect_success 'git uses the wrapper with a port (the ssh variant, not "simple")' '
	# simple mode would refuse the port before running anything
	GIT_SSH_COMMAND="git-bitbucket-ssh" GIT_TRACE=1 \
		test_must_fail git ls-remote ssh://git@bb.example.com:7999/acme/repo.git 2>err &&
	test_grep "git-bitbucket-ssh -G" err &&
	test_grep "git-bitbucket-ssh.*-p 7999.*git@bb.example.com" err &&
	test_grep ! "ssh variant .simple. does not support setting port" err
'

test_expect_success '--version: the program, libssh2 and OpenSSL versions, exit 0, no keyring' '
	DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent git-bitbucket-ssh --version >out 2>err &&
	test_must_be_empty err &&
	test $(wc -l <out) = 3 &&
	sed -n 1p out >line1 &&
	test_grep -E "^git-bitbucket-ssh [^ ]+$" line1 &&
	sed -n 2p out >line2 &&
	test_grep -E "^libssh2 1\.[0-9]+\.[0-9]+" line2 &&
	sed -n 3p out >line3 &&
	test_grep -E "^OpenSSL [0-9]+\.[0-9]+\.[0-9]+" line3
'

test_expect_success '--help: the usage on stdout, exit 0' '
	git-bitbucket-ssh --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: git-bitbucket-ssh \[-G\] \[-4|-6\] \[-p PORT\] \[-i KEYNAME\]" out &&
	test_grep "^       git-bitbucket-ssh --version | --help$" out &&
	test_grep "^Exit status: the remote command.s; 255 for" out
'

test_expect_success '--version and --help take nothing else: one line, 255' '
	test_must_fail_code 255 git-bitbucket-ssh --version git@bitbucket.org >out 2>err &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: --version takes no arguments" >expect &&
	test_cmp expect err &&
	test_must_fail_code 255 git-bitbucket-ssh --help x >out 2>err &&
	test_must_be_empty out &&
	echo "git-bitbucket-ssh: --help takes no arguments" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown option is refused by name with 255' '
	test_must_fail_code 255 git-bitbucket-ssh -v git@bitbucket.org "git-upload-pack '\''a/b.git'\''" 2>err &&
	test_grep "^git-bitbucket-ssh: option .-v. is not supported" err &&
	test_line_count () { test $(wc -l <"$2") -eq "$1"; } &&
	test_line_count 1 err
'

test_expect_success 'unknown -o options are refused, never passed along' '
	test_must_fail_code 255 git-bitbucket-ssh -o ProxyCommand=nc git@bitbucket.org x 2>err &&
	test_grep "^git-bitbucket-ssh: -o ProxyCommand is not supported" err &&
	test_must_fail_code 255 git-bitbucket-ssh -o StrictHostKeyChecking=no bitbucket.org x 2>err &&
	test_grep "StrictHostKeyChecking takes yes or accept-new" err &&
	test_must_fail_code 255 git-bitbucket-ssh -o SendEnv=LANG bitbucket.org x 2>err &&
	test_grep "SendEnv passes GIT_PROTOCOL only" err &&
	test_must_fail_code 255 git-bitbucket-ssh -o ConnectTimeout=soon bitbucket.org x 2>err &&
	test_grep "ConnectTimeout takes a number of seconds" err
'

test_expect_success 'refused options are refused for other hosts too' '
	PATH="$TRASH/fakessh:$PATH" \
		test_must_fail_code 255 git-bitbucket-ssh -A git@github.com x >out 2>err &&
	test_must_be_empty out &&
	test_grep "option .-A. is not supported" err
'

test_expect_success 'a port that is not a number is refused' '
	test_must_fail_code 255 git-bitbucket-ssh -p 7999x bitbucket.org x 2>err &&
	test_grep "port is not a number between 1 and 65535" err
'

test_expect_success 'a host starting with - is refused' '
	test_must_fail_code 255 git-bitbucket-ssh -- -oProxyCommand=x "git-upload-pack '\''a/b'\''" 2>err &&
	test_grep "refusing the host name" err &&
	test_must_fail_code 255 git-bitbucket-ssh git@-oProxyCommand=x cmd 2>err &&
	test_grep "refusing the host name" err
'

test_expect_success 'a user other than git is refused before anything else' '
	test_must_fail_code 255 git-bitbucket-ssh alice@bitbucket.org "git-upload-pack '\''acme/repo.git'\''" 2>err &&
	test_grep "refusing user .alice.: Bitbucket.s SSH user is always .git." err &&
	test_must_fail_code 255 git-bitbucket-ssh -p 7999 root@bb.example.com "git-upload-pack '\''acme/repo.git'\''" 2>err &&
	test_grep "refusing user .root." err
'

test_expect_success 'a password in the user part of the URL is never echoed' '
	test_must_fail_code 255 git-bitbucket-ssh alice:s3cret-pw@bitbucket.org "git-upload-pack '\''acme/repo.git'\''" 2>err &&
	test_grep "refusing user .alice.: Bitbucket.s SSH user is always .git." err &&
	test_grep ! "s3cret-pw" err
'

test_expect_success 'commands other than git-upload-pack/receive-pack/upload-archive are refused' '
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "ls -la" 2>err &&
	test_grep "refusing the remote command: not git-upload-pack" err &&
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "git-upload-pack '\''a/b'\''; id" 2>err &&
	test_grep "not a single quoted word" err &&
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org 2>err &&
	test_grep "no command given" err
'

test_expect_success 'the scp-like form: what git sends is parsed like the ssh:// form' '
	# git@bitbucket.org:acme/repo.git makes git run
	# "git-bitbucket-ssh git@bitbucket.org git-upload-pack '\''acme/repo.git'\''":
	# no port, a path without leading slash; with no keyring the key
	# lookup is what fails, after the command was accepted
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "git-upload-pack '\''acme/repo.git'\''" 2>err &&
	test_grep "keyring" err &&
	test_grep ! "refusing" err
'

test_expect_success 'a host that is not Bitbucket goes to ssh with the same arguments' '
	PATH="$TRASH/fakessh:$PATH" git-bitbucket-ssh -o SendEnv=GIT_PROTOCOL -4 -p 2222 \
		git@github.com "git-upload-pack '\''x/y.git'\''" >out &&
	cat >expect <<-\EOF &&
	fake ssh:
	-o
	SendEnv=GIT_PROTOCOL
	-4
	-p
	2222
	git@github.com
	git-upload-pack '\''x/y.git'\''
	EOF
	test_cmp expect out
'

test_expect_success 'our -i KEYNAME (a keyring name) is not given to ssh' '
	PATH="$TRASH/fakessh:$PATH" git-bitbucket-ssh -i work -4i work -p22 git@github.com cmd >out &&
	cat >expect <<-\EOF &&
	fake ssh:
	-4
	-p22
	git@github.com
	cmd
	EOF
	test_cmp expect out
'

test_expect_success 'OpenSSH itself runs for other hosts: its own error shows' '
	test_must_fail_code 255 git-bitbucket-ssh -o ConnectTimeout=5 git@no-such-host.invalid true 2>err &&
	test_grep "^ssh: Could not resolve hostname no-such-host.invalid" err
'

# Under valgrind /proc/self/exe is valgrind itself, so only the environment
# marker (the next case) can catch the loop there.
if [ -z "${GCB_VALGRIND:-}" ]; then
test_expect_success 'git-bitbucket-ssh installed as ssh in PATH does not run itself' '
	mkdir -p selfbin &&
	ln -s "$GCB_BINDIR/git-bitbucket-ssh" selfbin/ssh &&
	PATH="$PWD/selfbin:$PATH" test_must_fail_code 255 \
		git-bitbucket-ssh git@no-such-host.invalid true 2>err &&
	test_grep "^ssh: Could not resolve hostname" err
'
fi

test_expect_success 'a wrapper named ssh that calls us back is caught, not looped' '
	mkdir -p loopbin &&
	printf "#!/bin/sh\nexec git-bitbucket-ssh \"\$@\"\n" >loopbin/ssh &&
	chmod +x loopbin/ssh &&
	PATH="$PWD/loopbin:$PATH" timeout 10 \
		git-bitbucket-ssh git@github.com true 2>err; rc=$? &&
	test $rc = 255 &&
	test_grep "refusing to run ssh: it would start git-bitbucket-ssh again" err
'

test_expect_success 'a Data Center host is only ours once declared' '
	PATH="$TRASH/fakessh:$PATH" git-bitbucket-ssh -p 7999 git@bb.other.example cmd >out &&
	test_grep "fake ssh:" out &&
	PATH="$TRASH/fakessh:$PATH" test_must_fail_code 255 \
		git-bitbucket-ssh -p 7999 git@bb.example.com cmd >out 2>err &&
	test_must_be_empty out &&
	test_grep "refusing the remote command" err
'

test_done
