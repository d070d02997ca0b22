#!/bin/bash

test_description='key import of OpenSSH-format keys: converted directly, with or without --convert; one with a passphrase is opened by ssh-keygen on a memfd, with nothing on disk, in argv or in the environment'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
P="$prog: cannot import key"
PASS="correct horse 42"

count () {
	keyring_count
}

# the public key line of FILE as ssh-keygen -y prints it, without the comment
publine () {
	ssh-keygen -y -f "$1" | cut -d" " -f1,2
}

# expect_stored NAME FILE: the two lines "import NAME FILE" prints (each
# key has a workspace of its own: no warning about keys for the same scope)
expect_stored () {
	set -- "$1" $(ssh-keygen -lf "$2")
	echo "converted key '$1' from OpenSSH format to PEM (PKCS#8) to store it"
	echo "stored key '$1' ($(echo ${!#} | tr -d "()"), $2 bits, $3) for bitbucket.org/$1"
}

# import [OPTION...] NAME FILE: key import for the workspace NAME
import () {
	{ local -; set +x; } 2>/dev/null
	local n=$(($# - 1))
	$prog key import --scope "git@bitbucket.org:${!n}/" "$@"
}

test_expect_success 'setup: a keyring; OpenSSH-format keys of each type, plain and with a passphrase' '
	start_keyring &&
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR" &&
	for t in ed25519 ecdsa rsa; do
		ssh-keygen -q -t $t -N "" -C "plain $t" -f $t &&
		cp $t $t.enc &&
		ssh-keygen -q -p -P "" -N "$PASS" -f $t.enc &&
		grep -q "BEGIN OPENSSH PRIVATE KEY" $t &&
		grep -q "BEGIN OPENSSH PRIVATE KEY" $t.enc || return 1
	done
'

for t in ed25519 ecdsa rsa; do
	test_expect_success "an OpenSSH $t key imports without --convert, and says it was converted" '
		import '"$t $t"' >out 2>err &&
		test_must_be_empty err &&
		expect_stored '"$t $t"' >expect &&
		test_cmp expect out &&
		$prog key public '"$t"' >actual &&
		publine '"$t"' >expect &&
		test_cmp expect actual
	'
done

test_expect_success '--convert is still taken, as a no-op' '
	import --convert ed-again ed25519 >out 2>err &&
	test_must_be_empty err &&
	expect_stored ed-again ed25519 >expect &&
	test_cmp expect out
'

for t in ed25519 ecdsa rsa; do
	test_expect_success "a passphrase-protected OpenSSH $t key, passphrase on stdin" '
		echo "$PASS" | import --passphrase-stdin '"$t-enc $t.enc"' >out 2>err &&
		test_must_be_empty err &&
		expect_stored '"$t-enc $t.enc"' >expect &&
		test_cmp expect out &&
		$prog key public '"$t-enc"' >actual &&
		publine '"$t"' >expect &&
		test_cmp expect actual
	'
done

test_expect_success 'a wrong passphrase: the exact line, exit 1, nothing stored' '
	n=$(count) &&
	echo "not it" | test_must_fail_code 1 $prog key import --passphrase-stdin wrong ecdsa.enc >out 2>err &&
	test_must_be_empty out &&
	echo "$P '\''wrong'\'': wrong passphrase; check it and try again" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'no passphrase and no terminal: the exact line, exit 2, nothing stored' '
	n=$(count) &&
	test_must_fail_code 2 setsid -w $prog key import nopass ed25519.enc </dev/null >out 2>err &&
	echo "$P '\''nopass'\'': the key is protected by a passphrase and there is no terminal to ask for it; give the passphrase on stdin with --passphrase-stdin and the key as FILE" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'no ssh-keygen: the exact line, exit 1, nothing stored' '
	n=$(count) &&
	mkdir -p nokeygen &&
	for p in setsid cat sh; do ln -sf "$(command -v $p)" nokeygen/$p || return 1; done &&
	echo "$PASS" | PATH="$PWD/nokeygen:$GCB_BINDIR" \
		test_must_fail_code 1 "$GCB_BINDIR/$prog" key import --passphrase-stdin nokg ecdsa.enc >out 2>err &&
	echo "$P '\''nokg'\'': the key is in OpenSSH format and protected by a passphrase, and opening it needs ssh-keygen, which is not installed; install OpenSSH'\''s client (the openssh-client package) and import it again" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'nothing written to disk: no new file holds the key or the passphrase' '
	# the key without passphrase, to look for: base64 lines of its body
	cp rsa.enc plain && ssh-keygen -q -p -P "$PASS" -N "" -f plain &&
	sed -n "5p;10p;20p" plain >needles && rm -f plain &&
	echo "$PASS" >>needles &&
	tmp=$TRASH/tmp && mkdir -p "$tmp" && export TMPDIR="$tmp" &&
	sleep 1 && touch "$TRASH/marker" && sleep 1 &&
	find "$HOME" "$tmp" "$XDG_RUNTIME_DIR" /dev/shm -xdev -type f 2>/dev/null | sort >files-before &&
	echo "$PASS" | import --passphrase-stdin disk-check rsa.enc >out 2>err &&
	test_must_be_empty err &&
	find "$HOME" "$tmp" "$XDG_RUNTIME_DIR" /dev/shm -xdev -type f 2>/dev/null | sort >files-after &&
	comm -13 files-before files-after >new-files &&
	test_must_be_empty new-files &&
	find "$HOME" "$tmp" "$XDG_RUNTIME_DIR" /dev/shm -xdev -type f -newer "$TRASH/marker" \
		-not -path "*/keyrings/*" >changed 2>/dev/null &&
	while read -r f; do
		grep -q -F -f needles "$f" 2>/dev/null && echo "$f" || :
	done <changed >holding &&
	test_must_be_empty holding
'

# Under GCB_KEYSTORE=file the program itself writes the keystore: the
# store's lock and the temporary file renamed over the store, both
# encrypted (the Secret Service writes its file in its own process).
test_expect_success 'strace: ssh-keygen opens the key as /proc/self/fd/N; no passphrase in argv or env; no key file opened for writing' '
	command -v strace >/dev/null || { echo "# strace is not installed"; return 1; } &&
	# LeakSanitizer stops threads with ptrace, which strace holds (make asan)
	leaks=${ASAN_OPTIONS:+$ASAN_OPTIONS:detect_leaks=0} &&
	echo "$PASS" | ASAN_OPTIONS=$leaks strace -f -v -s 4096 -e trace=execve,openat -o trace \
		$prog key import --scope git@bitbucket.org:traced/ --passphrase-stdin traced ed25519.enc >out 2>err &&
	test_must_be_empty err &&
	test_grep -E "execve\(\"[^\"]*ssh-keygen\", \[\"ssh-keygen\", \"-p\", \"-q\", \"-N\", \"\", \"-f\", \"/proc/self/fd/[0-9]+\"\]" trace &&
	test_grep "SSH_ASKPASS=/proc/self/fd/[0-9]*" trace &&
	test_grep "SSH_ASKPASS_REQUIRE=force" trace &&
	test_grep ! -F "$PASS" trace &&
	grep "openat(" trace | grep -E "O_WRONLY|O_RDWR" |
		grep -v -e "\"/proc/self/fd/[0-9]*\"" -e "\"/dev/null\"" -e "\"/dev/tty\"" \
			-e "git-credential-bitbucket.lock\"" -e "= -1 " >writes;
	if [ "$KEYRING_MODE" = file ]; then
		grep -v -F -e "\"$KEYRING_FILE_STORE.lock\"" writes |
			grep -v -E "\"$KEYRING_FILE_STORE\.[A-Za-z0-9]{6}\"" >writes.other;
		mv writes.other writes &&
		test_grep ! -a -e "PRIVATE KEY" -e "$PASS" "$KEYRING_FILE_STORE" &&
		ls "$(dirname "$KEYRING_FILE_STORE")" >files &&
		printf "keystore.enc\nkeystore.enc.lock\n" >expect &&
		test_cmp expect files
	fi &&
	test_must_be_empty writes &&
	$prog key public traced >actual && publine ed25519 >expect && test_cmp expect actual
'

test_done
