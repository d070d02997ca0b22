#!/bin/bash
# run-tests: slow

test_description='key import: the PEM forms ssh-keygen and openssl write, plain and encrypted, stored as PKCS#8 and described exactly as ssh-keygen does'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket

# key import, its stderr without the line about other keys of the same
# scope: most keys here share the default one, and t4060 checks that line
key_import () {
	{ local -; set +x; } 2>/dev/null
	local r=0
	$prog key import "$@" 2>key-import.err || r=$?
	grep -v "^$prog: warning: key .* covers the same scope as key" key-import.err >&2
	return $r
}

count () {
	keyring_count
}

# stored_line NAME FILE [WHERE [SUFFIX]]: the line import prints, built from
# `ssh-keygen -lf FILE` ("BITS SHA256:... COMMENT (TYPE)").
stored_line () {
	{ local -; set +x; } 2>/dev/null
	local fp
	fp=$(ssh-keygen -lf "$2") || return 1
	set -- "$1" "${3:-bitbucket.org}" "${4:-}" $fp
	printf "stored key '%s' (%s, %s bits, %s) for %s%s\n" "$1" \
		"$(echo "${!#}" | tr -d '()')" "$4" "$5" "$2" "$3"
}

# ed25519_pub FILE: the OpenSSH public key line of a PKCS#8 Ed25519 key
# file, which ssh-keygen cannot read: the blob is string "ssh-ed25519",
# string <the 32 raw public key bytes> (RFC 8709), built by hand.
ed25519_pub () {
	{ local -; set +x; } 2>/dev/null
	{
		printf '\000\000\000\013ssh-ed25519\000\000\000\040'
		openssl pkey -in "$1" -pubout -outform DER | tail -c 32
	} | base64 -w0 | sed 's/^/ssh-ed25519 /'
	echo
}

# secret NAME: the stored secret value of key NAME
secret () {
	secret-tool lookup xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1"
}

test_expect_success 'setup: a keyring, and keys made by ssh-keygen and openssl' '
	start_keyring &&
	ssh-keygen -q -t rsa -b 3072 -m PEM -N "" -C "" -f rsa.pem &&
	ssh-keygen -q -t ecdsa -b 256 -m PEM -N "" -C "" -f ec.pem &&
	ssh-keygen -q -t ecdsa -b 521 -m PEM -N "" -C "" -f ec521.pem &&
	openssl pkcs8 -topk8 -nocrypt -in ec.pem -out ec.p8 &&
	openssl pkcs8 -topk8 -nocrypt -in rsa.pem -out rsa.p8 &&
	openssl genpkey -algorithm ed25519 -out ed.p8 &&
	openssl ecparam -name secp384r1 -genkey -out ec384.pem &&
	chmod 600 *.pem *.p8 &&
	grep -q "BEGIN RSA PRIVATE KEY" rsa.pem &&
	grep -q "BEGIN EC PRIVATE KEY" ec.pem &&
	grep -q "BEGIN PRIVATE KEY" ec.p8 &&
	grep -q "BEGIN EC PARAMETERS" ec384.pem &&
	test "$(count)" = 0
'

test_expect_success 'import BEGIN RSA PRIVATE KEY from a file prints what was stored' '
	key_import rsa rsa.pem >out 2>err &&
	stored_line rsa rsa.pem >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test "$(count)" = 1
'

test_expect_success 'key public of the RSA key is byte-identical to ssh-keygen -y' '
	$prog key public rsa >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'the RSA key is stored as unencrypted PKCS#8 that ssh-keygen and openssl read' '
	secret rsa >stored.pem &&
	chmod 600 stored.pem &&
	head -n 1 stored.pem >first &&
	echo "-----BEGIN PRIVATE KEY-----" >expect &&
	test_cmp expect first &&
	openssl pkey -in stored.pem -noout -check >/dev/null &&
	ssh-keygen -y -f stored.pem >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'import BEGIN EC PRIVATE KEY from stdin' '
	key_import ec <ec.pem >out 2>err &&
	stored_line ec ec.pem >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	$prog key public ec >actual &&
	ssh-keygen -y -f ec.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'import from stdin named -' '
	key_import ec521 - <ec521.pem >out &&
	stored_line ec521 ec521.pem >expect &&
	test_cmp expect out &&
	$prog key public ec521 >actual &&
	ssh-keygen -y -f ec521.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'import PKCS#8 BEGIN PRIVATE KEY (ECDSA and RSA)' '
	key_import ec8 ec.p8 >out &&
	stored_line ec8 ec.p8 >expect &&
	test_cmp expect out &&
	key_import rsa8 rsa.p8 >out &&
	stored_line rsa8 rsa.p8 >expect &&
	test_cmp expect out &&
	$prog key public rsa8 >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'import a PKCS#8 Ed25519 key: public line and fingerprint match the raw key' '
	key_import ed ed.p8 >out &&
	ed25519_pub ed.p8 >expect.pub &&
	$prog key public ed >actual &&
	test_cmp expect.pub actual &&
	stored_line ed expect.pub >expect &&
	test_cmp expect out
'

test_expect_success 'EC PARAMETERS before the key (openssl ecparam -genkey) are no damage' '
	key_import ec384 ec384.pem >out 2>err &&
	test_must_be_empty err &&
	$prog key public ec384 >actual &&
	ssh-keygen -y -f ec384.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'a name that exists is refused, and the keyring is unchanged' '
	n=$(count) &&
	$prog key public ec >before &&
	test_must_fail_code 1 key_import ec rsa.pem >out 2>err &&
	echo "$prog: cannot import key '\''ec'\'': a key with this name already exists; choose another name, or replace it with --force" >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	test "$(count)" = "$n" &&
	$prog key public ec >after &&
	test_cmp before after
'

test_expect_success '--force replaces the key of that name' '
	n=$(count) &&
	key_import --force ec rsa.pem >out &&
	test "$(count)" = "$n" &&
	$prog key public ec >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success '--force replaces a key of that name stored for another scope' '
	n=$(count) &&
	key_import --force --scope git@bitbucket.org:acme/ ec ec.pem >out &&
	test "$(count)" = "$n" &&
	stored_line ec ec.pem bitbucket.org/acme >expect &&
	test_cmp expect out
'

# ---- scopes and flags ----

test_expect_success '--scope takes an scp-like SSH URL of an account or repository' '
	key_import --scope git@bitbucket.org:Acme/Widget.git widget ec.pem >out &&
	stored_line widget ec.pem bitbucket.org/acme/widget >expect &&
	test_cmp expect out &&
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" name widget 2>attrs >/dev/null &&
	test_grep -x "attribute.scope = acme/widget" attrs &&
	test_grep -x "attribute.protocol = ssh" attrs &&
	test_grep -x "attribute.kind = ssh-key" attrs &&
	test_grep -x "attribute.host = bitbucket.org" attrs &&
	test_grep -x "attribute.read_only = false" attrs
'

test_expect_success '--read-only is stored and shown' '
	key_import --read-only --scope ssh://git@bitbucket.org/acme/ ro ec.pem >out &&
	stored_line ro ec.pem bitbucket.org/acme ", read-only" >expect &&
	test_cmp expect out &&
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" name ro 2>attrs >/dev/null &&
	test_grep -x "attribute.read_only = true" attrs
'

test_expect_success 'a declared Data Center host with its SSH port' '
	git config --global --add bitbucket.dataCenterHost git.example.com &&
	key_import --scope ssh://git@git.example.com:7999/PROJ/ dc ec.pem >out &&
	stored_line dc ec.pem git.example.com:7999/proj >expect &&
	test_cmp expect out &&
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" name dc 2>attrs >/dev/null &&
	test_grep -x "attribute.port = 7999" attrs
'

test_expect_success 'a --scope host that is not Bitbucket is refused with how to declare it' '
	n=$(count) &&
	test_must_fail_code 1 key_import --scope git@git.other.com:x/ other ec.pem 2>err &&
	echo "$prog: '\''git.other.com'\'' is not bitbucket.org or a declared Data Center host; if it is a Bitbucket Data Center server, declare it with '\''git config --global --add bitbucket.dataCenterHost git.other.com'\'' and try again" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'an https --scope is refused: keys are for SSH' '
	test_must_fail_code 2 key_import --scope https://bitbucket.org/acme/ x ec.pem 2>err &&
	head -n 1 err >first &&
	echo "$prog: --scope wants the SSH URL of a host, account or repository (git@bitbucket.org:WORKSPACE/ or ssh://git@HOST:7999/PROJECT/), not an http(s) URL; see '\''$prog key import --help'\''" >expect &&
	test_cmp expect first
'

test_expect_success 'an SSH user other than git is refused' '
	test_must_fail_code 2 key_import --scope alice@bitbucket.org:acme/ x ec.pem 2>err &&
	echo "$prog: the SSH user for Bitbucket is always '\''git'\'', not '\''alice'\''; write the --scope URL as git@bitbucket.org..." >expect &&
	test_cmp expect err
'

# ---- encrypted keys ----

test_expect_success 'setup: encrypted keys, legacy PEM and PKCS#8' '
	openssl pkey -in rsa.pem -traditional -aes256 -passout pass:hunter22 -out rsa-aes.pem &&
	openssl pkey -in ec.pem -traditional -des3 -passout pass:hunter22 -out ec-des3.pem &&
	openssl pkcs8 -topk8 -v2 aes-256-cbc -in ec.pem -passout pass:hunter22 -out ec-enc.p8 &&
	openssl pkcs8 -topk8 -v2 aes-256-cbc -in ed.p8 -passout pass:hunter22 -out ed-enc.p8 &&
	cp ec.pem ec-ssh.pem &&
	ssh-keygen -q -p -m PEM -P "" -N hunter22 -f ec-ssh.pem &&
	chmod 600 *.pem *.p8 &&
	grep -q "Proc-Type: 4,ENCRYPTED" rsa-aes.pem &&
	grep -q "DEK-Info: DES-EDE3-CBC" ec-des3.pem &&
	grep -q "Proc-Type: 4,ENCRYPTED" ec-ssh.pem &&
	grep -q "BEGIN ENCRYPTED PRIVATE KEY" ec-enc.p8
'

for f in rsa-aes.pem:rsa.pem ec-des3.pem:ec.pem ec-ssh.pem:ec.pem ec-enc.p8:ec.pem; do
	enc=${f%%:*} plain=${f#*:}
	test_expect_success "$enc: the right passphrase on stdin decrypts, the key is stored unencrypted" '
		echo hunter22 | key_import --passphrase-stdin '"$enc $enc"' >out 2>err &&
		test_must_be_empty err &&
		stored_line '"$enc $plain"' >expect &&
		test_cmp expect out &&
		$prog key public '"$enc"' >actual &&
		ssh-keygen -y -f '"$plain"' >expect &&
		test_cmp expect actual &&
		secret '"$enc"' >stored &&
		test_grep ! ENCRYPTED stored &&
		test_grep -x -- "-----BEGIN PRIVATE KEY-----" stored
	'
	test_expect_success "$enc: a wrong passphrase is refused and nothing is stored" '
		n=$(count) &&
		echo wrong | test_must_fail_code 1 key_import --passphrase-stdin '"wrong-$enc $enc"' >out 2>err &&
		echo "$prog: cannot import key '\''wrong-$enc'\'': wrong passphrase; check it and try again" >expect &&
		test_cmp expect err &&
		test_must_be_empty out &&
		test "$(count)" = "$n"
	'
done

test_expect_success 'an encrypted PKCS#8 Ed25519 key' '
	echo hunter22 | key_import --passphrase-stdin ed-enc ed-enc.p8 >out &&
	$prog key public ed-enc >actual &&
	ed25519_pub ed.p8 >expect &&
	test_cmp expect actual
'

test_expect_success 'an encrypted key without a terminal and without --passphrase-stdin' '
	n=$(count) &&
	test_must_fail_code 2 setsid -w $prog key import nopass rsa-aes.pem >out 2>err &&
	echo "$prog: cannot import key '\''nopass'\'': the key is protected by a passphrase and there is no terminal to ask for it; give the passphrase on stdin with --passphrase-stdin and the key as FILE" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success '--passphrase-stdin needs the key as FILE' '
	test_must_fail_code 2 key_import --passphrase-stdin x <rsa-aes.pem 2>err &&
	head -n 1 err >first &&
	echo "$prog: --passphrase-stdin reads the passphrase from stdin, so give the key as FILE; see '\''$prog key import --help'\''" >expect &&
	test_cmp expect first
'

test_expect_success 'an empty passphrase line is a wrong passphrase, not a crash' '
	echo | test_must_fail_code 1 key_import --passphrase-stdin x ec-enc.p8 2>err &&
	test_grep "wrong passphrase" err
'

test_expect_success 'no passphrase at all on stdin' '
	test_must_fail_code 2 key_import --passphrase-stdin x ec-enc.p8 </dev/null 2>err &&
	echo "$prog: cannot import key '\''x'\'': no passphrase on stdin; give it as the first line" >expect &&
	test_cmp expect err
'

test_expect_success 'the passphrase is asked on the terminal, with echo off' '
	cat >askpty.py <<-\EOF &&
	import os, pty, signal, sys
	signal.alarm(30)
	pid, fd = pty.fork()
	if pid == 0:
	    os.execvp(sys.argv[1], sys.argv[1:])
	out = b""
	def read_until(what, start):
	    global out
	    while what not in out[start:]:
	        out += os.read(fd, 1024)
	for answer in os.environ["ANSWERS"].split(","):
	    read_until(b"passphrase for key", len(out))
	    out += b"<prompt answered>"
	    os.write(fd, answer.encode() + b"\n")
	try:
	    while True:
	        chunk = os.read(fd, 1024)
	        if not chunk:
	            break
	        out += chunk
	except OSError:
	    pass
	_, status = os.waitpid(pid, 0)
	sys.stdout.write(out.decode())
	sys.exit(os.waitstatus_to_exitcode(status))
	EOF
	ANSWERS=hunter22 python3 askpty.py $prog key import tty rsa-aes.pem >out &&
	test_grep "^Enter passphrase for key '\''tty'\'': " out &&
	test_grep ! hunter22 out &&
	test_grep "stored key '\''tty'\''" out &&
	$prog key public tty >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'a wrong passphrase on the terminal is asked again, three times at most' '
	ANSWERS=wrong1,hunter22 python3 askpty.py $prog key import tty2 ec-enc.p8 >out &&
	test_grep "^Enter passphrase for key '\''tty2'\'': <prompt answered>" out &&
	test_grep "^Wrong passphrase; enter the passphrase for key '\''tty2'\'': <prompt answered>" out &&
	test_grep "stored key '\''tty2'\''" out &&
	n=$(count) &&
	ANSWERS=wrong1,wrong2,wrong3 test_must_fail_code 1 python3 askpty.py $prog key import tty3 ec-enc.p8 >out &&
	test "$(grep -c "<prompt answered>" out)" = 3 &&
	test_grep "cannot import key '\''tty3'\'': wrong passphrase; check it and try again" out &&
	test "$(count)" = "$n"
'

# ---- repairs ----

test_expect_success 'CRLF line endings are repaired and reported on one warning line' '
	sed "s/\$/\r/" ec.pem >crlf.pem &&
	key_import crlf crlf.pem >out 2>err &&
	echo "$prog: warning: repaired key '\''crlf'\'' before storing it: CRLF line endings" >expect &&
	test_cmp expect err &&
	stored_line crlf ec.pem >expect &&
	test_cmp expect out
'

test_expect_success 'indentation, trailing spaces and blank lines around the key' '
	{ echo; echo; sed "s/^/    /; s/\$/  /" ec.pem; echo; } >messy.pem &&
	key_import messy messy.pem >out 2>err &&
	echo "$prog: warning: repaired key '\''messy'\'' before storing it: trailing spaces, indented lines, blank lines" >expect &&
	test_cmp expect err &&
	$prog key public messy >actual &&
	ssh-keygen -y -f ec.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'a key pasted into one line' '
	tr "\n" " " <rsa.pem >oneline.pem &&
	key_import oneline <oneline.pem >out 2>err &&
	echo "$prog: warning: repaired key '\''oneline'\'' before storing it: trailing spaces, broken line wrapping" >expect &&
	test_cmp expect err &&
	$prog key public oneline >actual &&
	ssh-keygen -y -f rsa.pem >expect &&
	test_cmp expect actual
'

test_expect_success 'text around the key (openssl pkcs12 output) is ignored and reported' '
	{ printf "Bag Attributes\n    localKeyID: 01 02\nKey Attributes: <No Attributes>\n"; cat ec.p8; } >bag.pem &&
	key_import bag bag.pem >out 2>err &&
	echo "$prog: warning: repaired key '\''bag'\'' before storing it: text around the key" >expect &&
	test_cmp expect err
'

test_expect_success 'a stored key is never printed: no key material on stdout or stderr' '
	key_import --force noleak rsa.pem >out 2>err &&
	sed -n 2p rsa.pem | cut -c1-20 >needle &&
	test_grep ! -F -f needle out &&
	test_grep ! -F -f needle err
'

test_done
