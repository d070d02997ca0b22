#!/bin/bash

test_description='key import of OpenSSH-format keys: converted natively to PEM (--convert is a no-op kept for old scripts); t5040 has the passphrase-protected ones'

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

for k in ed ec256 ec384 ec521 rsa; do
	test_expect_success "--convert $k: stored as PKCS#8 PEM, same public key and fingerprint" '
		$prog key import --convert --scope git@bitbucket.org:'"$k"'/ '"$k $k"' >out 2>err &&
		test_must_be_empty err &&
		set -- $(ssh-keygen -lf '"$k"') &&
		{
			echo "converted key '\'''"$k"''\'' from OpenSSH format to PEM (PKCS#8) to store it" &&
			echo "stored key '\'''"$k"''\'' ($(echo ${!#} | tr -d "()"), $1 bits, $2) for bitbucket.org/'"$k"'"
		} >expect &&
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
	$prog key import --convert --scope git@bitbucket.org:edcrlf/ edcrlf ed.crlf >out 2>err &&
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

test_expect_success 'a passphrase-protected OpenSSH ECDSA or Ed25519 key imports with its passphrase' '
	for k in ec256 ed; do
		echo hunter22 | $prog key import --convert --scope git@bitbucket.org:$k-enc/ --passphrase-stdin $k-enc $k.enc >out 2>err &&
		test_must_be_empty err &&
		$prog key public $k-enc >actual &&
		publine $k >expect &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'a legacy PEM key made with ssh-keygen -p -m PEM imports with the passphrase' '
	cp rsa.enc rsa.advice &&
	ssh-keygen -q -p -m PEM -P hunter22 -N hunter22 -f rsa.advice &&
	grep -q "Proc-Type: 4,ENCRYPTED" rsa.advice &&
	echo hunter22 | $prog key import --passphrase-stdin rsa-advice rsa.advice >out &&
	$prog key public rsa-advice >actual &&
	publine rsa >expect &&
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
