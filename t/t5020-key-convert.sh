#!/bin/bash

test_description='key import --convert: OpenSSH-format keys are converted natively to PEM; passphrase-protected ones get the ssh-keygen command that helps'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
P="$prog: cannot import key"

count () {
	keyring_count
}

secret () {
	secret-tool lookup xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1"
}

# the public key line of FILE as ssh-keygen -y prints it, without the comment
publine () {
	ssh-keygen -y -f "$1" | cut -d" " -f1,2
}

test_expect_success 'setup: a keyring, and OpenSSH-format keys of every type' '
	start_keyring &&
	ssh-keygen -q -t ed25519 -N "" -C "me@laptop" -f ed &&
	ssh-keygen -q -t ecdsa -b 256 -N "" -C "ec256" -f ec256 &&
	ssh-keygen -q -t ecdsa -b 384 -N "" -C "ec384" -f ec384 &&
	ssh-keygen -q -t ecdsa -b 521 -N "" -C "ec521" -f ec521 &&
	ssh-keygen -q -t rsa -b 3072 -N "" -C "rsa" -f rsa &&
	ssh-keygen -q -t ed25519 -N "" -C "" -f ednc &&
	for k in ed ec256 ec384 ec521 rsa ednc; do
		grep -q "BEGIN OPENSSH PRIVATE KEY" $k || return 1
	done
'

test_expect_success 'an OpenSSH-format key without --convert is explained, not stored' '
	n=$(count) &&
	test_must_fail_code 1 $prog key import k ed >out 2>err &&
	echo "$P '\''k'\'': the key is in OpenSSH format, not PEM; import it again with --convert to store it as PEM" >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	test "$(count)" = "$n"
'

for k in ed ec256 ec384 ec521 rsa; do
	test_expect_success "--convert $k: stored as PKCS#8 PEM, same public key and fingerprint" '
		$prog key import --convert '"$k $k"' >out 2>err &&
		test_must_be_empty err &&
		set -- $(ssh-keygen -lf '"$k"') &&
		echo "stored key '\'''"$k"''\'' ($(echo ${!#} | tr -d "()"), $1 bits, $2) for bitbucket.org" >expect &&
		test_cmp expect out &&
		$prog key public '"$k"' >actual &&
		publine '"$k"' >expect &&
		test_cmp expect actual &&
		secret '"$k"' >stored.pem &&
		head -n 1 stored.pem >first &&
		echo "-----BEGIN PRIVATE KEY-----" >expect &&
		test_cmp expect first &&
		openssl pkey -in stored.pem -noout -check >/dev/null
	'
done

test_expect_success 'the converted RSA and ECDSA keys read back through ssh-keygen unchanged' '
	for k in ec256 ec384 ec521 rsa; do
		secret $k >$k.stored &&
		chmod 600 $k.stored &&
		publine $k.stored >actual &&
		publine $k >expect &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'the converted Ed25519 key is the same private key: OpenSSL derives the same public key' '
	secret ed >ed.stored &&
	openssl pkey -in ed.stored -pubout -outform DER | tail -c 32 >raw &&
	{ printf "\000\000\000\013ssh-ed25519\000\000\000\040"; cat raw; } | base64 -w0 >b64 &&
	echo "ssh-ed25519 $(cat b64)" >actual &&
	publine ed >expect &&
	test_cmp expect actual
'

test_expect_success 'a key without a comment: key public equals ssh-keygen -y byte for byte' '
	$prog key import --convert ednc ednc >/dev/null &&
	$prog key public ednc >actual &&
	ssh-keygen -y -f ednc >expect &&
	test_cmp expect actual
'

test_expect_success 'a converted key with CRLF line endings is repaired and converted' '
	sed "s/\$/\r/" ed >ed.crlf &&
	$prog key import --convert edcrlf ed.crlf >out 2>err &&
	echo "$prog: warning: repaired key '\''edcrlf'\'' before storing it: CRLF line endings" >expect &&
	test_cmp expect err &&
	$prog key public edcrlf >actual &&
	publine ed >expect &&
	test_cmp expect actual
'

test_expect_success 'setup: passphrase-protected OpenSSH-format keys' '
	for k in ed ec256 rsa; do
		cp $k $k.enc &&
		ssh-keygen -q -p -P "" -N hunter22 -f $k.enc &&
		grep -q "BEGIN OPENSSH PRIVATE KEY" $k.enc || return 1
	done
'

test_expect_success 'a passphrase-protected OpenSSH ECDSA key: the ssh-keygen command that makes it PEM' '
	n=$(count) &&
	echo hunter22 | test_must_fail_code 1 $prog key import --convert --passphrase-stdin k ec256.enc >out 2>err &&
	echo "$P '\''k'\'': the key is in OpenSSH format and protected by a passphrase; convert it to PEM with '\''ssh-keygen -p -m PEM -f ec256.enc'\'' and import it again" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'the advice works: ssh-keygen -p -m PEM, then import with the passphrase' '
	cp rsa.enc rsa.advice &&
	ssh-keygen -q -p -m PEM -P hunter22 -N hunter22 -f rsa.advice &&
	grep -q "Proc-Type: 4,ENCRYPTED" rsa.advice &&
	echo hunter22 | $prog key import --passphrase-stdin rsa-advice rsa.advice >out &&
	$prog key public rsa-advice >actual &&
	publine rsa >expect &&
	test_cmp expect actual
'

test_expect_success 'a passphrase-protected OpenSSH Ed25519 key: ssh-keygen cannot make it PEM, say what works' '
	n=$(count) &&
	test_must_fail_code 1 $prog key import --convert k ed.enc >out 2>err &&
	echo "$P '\''k'\'': the Ed25519 key is in OpenSSH format and protected by a passphrase, which only ssh-keygen can open; remove the passphrase from a copy with '\''ssh-keygen -p -N \"\" -f COPY'\'', import the copy with --convert, then delete the copy" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'that advice works too' '
	cp ed.enc copy &&
	ssh-keygen -q -p -P hunter22 -N "" -f copy &&
	$prog key import --convert ed-advice copy >/dev/null &&
	rm copy &&
	$prog key public ed-advice >actual &&
	publine ed >expect &&
	test_cmp expect actual
'

test_expect_success 'an OpenSSH-format DSA key is refused as too weak' '
	# OpenSSH 10 cannot make DSA keys: t/fixtures keeps one
	cp "$TEST_DIRECTORY/fixtures/dsa-openssh" dsa &&
	chmod 0600 dsa &&
	grep -q "BEGIN OPENSSH PRIVATE KEY" dsa &&
	test_must_fail_code 1 $prog key import --convert k dsa 2>err &&
	echo "$P '\''k'\'': DSA keys are too weak and Bitbucket no longer accepts them; create a new key with '\''$prog key generate k'\''" >expect &&
	test_cmp expect err
'

test_expect_success 'an OpenSSH-format RSA 1024 key is refused as too weak' '
	ssh-keygen -q -t rsa -b 1024 -N "" -f rsa1024 &&
	test_must_fail_code 1 $prog key import --convert k rsa1024 2>err &&
	test_grep "RSA keys shorter than 2048 bits are too weak" err
'

test_expect_success 'a truncated OpenSSH-format key' '
	sed 4,5d rsa >rsa.cut &&
	test_must_fail_code 1 $prog key import --convert k rsa.cut 2>err &&
	echo "$P '\''k'\'': the key is truncated or corrupted; copy the whole key file again" >expect &&
	test_cmp expect err
'

test_done
