#!/bin/bash

test_description='key import: every mistake gets its own line and exit code, and leaves the keyring as it was'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
P="$prog: cannot import key 'k'"
GEN="create a new key with '$prog key generate k'"

MSG_EMPTY="$P: the input is empty; give the private key file, or paste the key on stdin"
MSG_LARGE="$P: the input is larger than 64 KiB, far more than a private key; give the private key file"
MSG_PUBLIC="$P: this is a public key; give the private key instead (the file without .pub, e.g. ~/.ssh/id_ed25519)"
MSG_NO_HEADER="$P: the -----BEGIN ... PRIVATE KEY----- line is missing; copy the whole key, from its BEGIN line to its END line"
MSG_NO_FOOTER="$P: the -----END ... PRIVATE KEY----- line is missing; copy the whole key, from its BEGIN line to its END line"
MSG_CORRUPT="$P: the key is truncated or corrupted; copy the whole key file again"
MSG_MULTIPLE="$P: the input holds more than one private key; import one key at a time"
MSG_PUTTY="$P: this is a PuTTY key (.ppk); export it in PuTTYgen with Conversions > Export OpenSSH key and import the exported file"
MSG_DSA="$P: DSA keys are too weak and Bitbucket no longer accepts them; $GEN"
MSG_RSA_WEAK="$P: RSA keys shorter than 2048 bits are too weak; $GEN"
MSG_UNSUPPORTED="$P: unsupported key type; use an Ed25519, ECDSA (P-256, P-384, P-521) or RSA key"

count () {
	keyring_count
}

# refused MESSAGE FILE|- [options]: import k fails with exit 1 and exactly
# MESSAGE on stderr, nothing on stdout, and the keyring keeps its items.
refused () {
	{ local -; set +x; } 2>/dev/null
	local msg=$1 file=$2 n rc=0
	shift 2
	n=$(count) || return 1
	if [ "$file" = - ]; then
		test_must_fail_code 1 $prog key import "$@" k >out 2>err || rc=1
	else
		test_must_fail_code 1 $prog key import "$@" k "$file" >out 2>err || rc=1
	fi
	printf '%s\n' "$msg" >expect
	test_cmp expect err || rc=1
	test_must_be_empty out || rc=1
	if [ "$(count)" != "$n" ]; then
		echo "the keyring changed: $n items before, $(count) after" >&2
		rc=1
	fi
	return "$rc"
}

test_expect_success 'setup: a keyring with one key in it, and keys to damage' '
	start_keyring &&
	ssh-keygen -q -t ecdsa -m PEM -N "" -C "me@laptop" -f ec.pem &&
	ssh-keygen -q -t rsa -b 2048 -m PEM -N "" -C "" -f rsa.pem &&
	openssl pkcs8 -topk8 -nocrypt -in ec.pem -out ec.p8 &&
	chmod 600 *.pem *.p8 &&
	$prog key import other rsa.pem >/dev/null &&
	test "$(count)" = 1
'

test_expect_success 'empty input' '
	refused "$MSG_EMPTY" /dev/null &&
	printf "\n  \n\n" >blank &&
	refused "$MSG_EMPTY" blank &&
	refused "$MSG_EMPTY" - </dev/null
'

test_expect_success 'input larger than any key' '
	head -c 70000 /dev/zero | tr "\0" A >large &&
	refused "$MSG_LARGE" large &&
	refused "$MSG_LARGE" - <large
'

test_expect_success 'a binary (DER) key' '
	openssl pkey -in ec.pem -outform DER -out ec.der &&
	refused "$P: the input is binary, not a PEM text key; convert a DER key with '\''openssl pkey -inform DER -in ec.der'\'' and import the output" ec.der
'

test_expect_success 'the public key (.pub) instead of the private key' '
	refused "$MSG_PUBLIC" ec.pem.pub &&
	refused "$MSG_PUBLIC" rsa.pem.pub
'

test_expect_success 'a public key line pasted on stdin' '
	refused "$MSG_PUBLIC" - <ec.pem.pub
'

test_expect_success 'an Ed25519 public key and an authorized_keys line with options' '
	ssh-keygen -q -t ed25519 -N "" -f ed &&
	refused "$MSG_PUBLIC" ed.pub &&
	{ printf "no-pty,command=\"/bin/true\" "; cat ed.pub; } >authorized_keys &&
	refused "$MSG_PUBLIC" authorized_keys
'

test_expect_success 'BEGIN PUBLIC KEY and BEGIN SSH2 PUBLIC KEY' '
	openssl pkey -in ec.pem -pubout -out ec.spki &&
	refused "$MSG_PUBLIC" ec.spki &&
	ssh-keygen -e -f ec.pem.pub >ec.rfc4716 &&
	grep -q "BEGIN SSH2 PUBLIC KEY" ec.rfc4716 &&
	refused "$MSG_PUBLIC" ec.rfc4716
'

test_expect_success 'the BEGIN line is missing' '
	sed 1d ec.pem >nohead &&
	refused "$MSG_NO_HEADER" nohead &&
	sed "1d;\$d" ec.pem >body &&
	refused "$MSG_NO_HEADER" body
'

test_expect_success 'a file that is no key at all' '
	echo "hello, world" >hello &&
	refused "$MSG_NO_HEADER" hello
'

test_expect_success 'the END line is missing' '
	sed "\$d" ec.pem >notail &&
	refused "$MSG_NO_FOOTER" notail
'

test_expect_success 'a copy cut off in the middle' '
	head -c 150 rsa.pem >cut &&
	refused "$MSG_NO_FOOTER" cut
'

test_expect_success 'an END line that does not match the BEGIN line' '
	sed "s/END EC PRIVATE KEY/END RSA PRIVATE KEY/" ec.pem >mismatch &&
	refused "$MSG_NO_FOOTER" mismatch
'

test_expect_success 'a body with lines missing' '
	sed 5,7d rsa.pem >holes &&
	refused "$MSG_CORRUPT" holes
'

test_expect_success 'a body with a character that is not base64' '
	sed "2s/^\(....\)./\1*/" rsa.pem >star &&
	refused "$MSG_CORRUPT" star
'

test_expect_success 'a body with a changed character' '
	awk "NR == 4 { c = substr(\$0, 20, 1); r = (c == \"A\") ? \"B\" : \"A\"; \$0 = substr(\$0, 1, 19) r substr(\$0, 21) } { print }" rsa.pem >flip &&
	! cmp -s flip rsa.pem &&
	refused "$MSG_CORRUPT" flip
'

test_expect_success 'two private keys in one input' '
	cat ec.pem rsa.pem >two &&
	refused "$MSG_MULTIPLE" two
'

test_expect_success 'a PuTTY key' '
	cat >key.ppk <<-\EOF &&
	PuTTY-User-Key-File-3: ssh-ed25519
	Encryption: none
	Comment: ed25519-key-20250101
	Public-Lines: 2
	AAAAC3NzaC1lZDI1NTE5AAAAIPZ0
	EOF
	refused "$MSG_PUTTY" key.ppk
'

test_expect_success 'DSA keys, PEM and PKCS#8, are refused as too weak' '
	# OpenSSH 10 cannot make DSA keys: t/fixtures keeps them
	cp "$TEST_DIRECTORY/fixtures/dsa.pem" "$TEST_DIRECTORY/fixtures/dsa.p8" . &&
	chmod 0600 dsa.pem dsa.p8 &&
	grep -q "BEGIN DSA PRIVATE KEY" dsa.pem &&
	refused "$MSG_DSA" dsa.pem &&
	grep -q "BEGIN PRIVATE KEY" dsa.p8 &&
	refused "$MSG_DSA" dsa.p8
'

test_expect_success 'RSA below 2048 bits is refused as too weak' '
	ssh-keygen -q -t rsa -b 1024 -m PEM -N "" -f rsa1024.pem &&
	refused "$MSG_RSA_WEAK" rsa1024.pem &&
	openssl pkcs8 -topk8 -nocrypt -in rsa1024.pem -out rsa1024.p8 &&
	refused "$MSG_RSA_WEAK" rsa1024.p8
'

test_expect_success 'key types SSH does not use: Ed448, secp256k1' '
	openssl genpkey -algorithm ed448 -out ed448.p8 &&
	refused "$MSG_UNSUPPORTED" ed448.p8 &&
	openssl ecparam -name secp256k1 -genkey -noout -out k1.pem &&
	refused "$MSG_UNSUPPORTED" k1.pem
'

test_expect_success 'a certificate is not a key' '
	openssl req -x509 -key ec.pem -subj /CN=x -days 1 -out cert.pem &&
	refused "$MSG_UNSUPPORTED" cert.pem
'

test_expect_success 'a file that cannot be read' '
	n=$(count) &&
	test_must_fail_code 1 $prog key import k no-such-file >out 2>err &&
	echo "$P: cannot open '\''no-such-file'\'': No such file or directory; check the path" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n" &&
	mkdir dir &&
	test_must_fail_code 1 $prog key import k dir 2>err &&
	echo "$P: cannot read '\''dir'\'': Is a directory; check the path" >expect &&
	test_cmp expect err
'

test_expect_success 'nothing of the bad input appears in the messages' '
	sed "\$d" rsa.pem >notail2 &&
	sed -n 3p rsa.pem | cut -c1-24 >needle &&
	test_must_fail $prog key import k notail2 2>err &&
	test_grep ! -F -f needle err
'

# ---- the command line ----

test_expect_success 'no name is a usage error' '
	test_must_fail_code 2 $prog key import 2>err &&
	cat >expect <<-EOF &&
	$prog: missing NAME [FILE|-]; see '\''$prog key import --help'\''
	usage: $prog key import [--scope URL] [--read-only] [--force] [--convert] [--passphrase-stdin] NAME [FILE|-]
	EOF
	test_cmp expect err
'

test_expect_success 'a name with a space or a slash is a usage error' '
	test_must_fail_code 2 $prog key import "my key" ec.pem 2>err &&
	head -n 1 err >first &&
	echo "$prog: invalid key name '\''my key'\'': use up to 100 letters, digits, '\''.'\'', '\''_'\'', '\''-'\'', '\''@'\'' or '\''+'\'', starting with a letter or digit; see '\''$prog key import --help'\''" >expect &&
	test_cmp expect first &&
	test_must_fail_code 2 $prog key import a/b ec.pem &&
	test_must_fail_code 2 $prog key import -- -x ec.pem &&
	test_must_fail_code 2 $prog key import "" ec.pem
'

test_expect_success 'an unknown option and too many arguments are usage errors' '
	test_must_fail_code 2 $prog key import --bogus k ec.pem 2>err &&
	test_grep "^$prog: unknown option '\''--bogus'\''; see" err &&
	test_must_fail_code 2 $prog key import k ec.pem extra 2>err &&
	test_grep "^$prog: too many arguments; see" err &&
	test_must_fail_code 2 $prog key import --read-only=yes k ec.pem 2>err &&
	test_grep "^$prog: --read-only takes no value; see" err
'

test_expect_success 'the keyring still holds only the first key' '
	test "$(count)" = 1 &&
	$prog key public other >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_done
