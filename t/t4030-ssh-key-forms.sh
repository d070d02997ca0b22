#!/bin/bash

test_description='git-bitbucket-ssh: which PEM forms authenticate, and RSA keys against a default OpenSSH 8.8+ server'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# Put a PEM file into the keyring as it is (no conversion), as key NAME
# for the whole host, the only key there.
store_raw_key () {
	git-credential-bitbucket key remove "$1" >/dev/null 2>&1
	secret-tool store --label="test key $1" xdg:schema org.bitbucket.credential \
		kind ssh-key protocol ssh host 127.0.0.1 port "$SSHD_PORT" scope "" \
		username "" name "$1" repos "" read_only false \
		created "$(date +%s)" last_used 0 warned 0 <"$2"
}

# Authenticate with the key NAME: ls-remote through -i NAME.
try_key () {
	GIT_SSH_COMMAND="git-bitbucket-ssh -i $1" git ls-remote "$SSHD_URL/acme/widget.git"
}

test_expect_success 'setup' '
	start_keyring &&
	start_sshd &&
	SSHD_WANT_PORT=$SSHD_PORT &&	# the keys are scoped with this port: restarts keep it
	sshd_create_repo acme/widget.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	sshd_trust_host_keys &&
	openssl genpkey -algorithm ed25519 -out ed25519-pkcs8.pem 2>/dev/null &&
	openssl ecparam -genkey -name prime256v1 -noout -out ec-p256-sec1.pem &&
	openssl pkcs8 -topk8 -nocrypt -in ec-p256-sec1.pem -out ec-p256-pkcs8.pem &&
	openssl ecparam -genkey -name secp384r1 -noout -out ec-p384-sec1.pem &&
	openssl genrsa -traditional -out rsa-pkcs1.pem 2048 2>/dev/null &&
	openssl pkcs8 -topk8 -nocrypt -in rsa-pkcs1.pem -out rsa-pkcs8.pem &&
	head -1 ed25519-pkcs8.pem >headers &&
	head -1 ec-p256-sec1.pem >>headers &&
	head -1 ec-p256-pkcs8.pem >>headers &&
	head -1 rsa-pkcs1.pem >>headers &&
	cat >expect <<-\EOF &&
	-----BEGIN PRIVATE KEY-----
	-----BEGIN EC PRIVATE KEY-----
	-----BEGIN PRIVATE KEY-----
	-----BEGIN RSA PRIVATE KEY-----
	EOF
	test_cmp expect headers &&
	for k in ed25519-pkcs8 ec-p256-sec1 ec-p256-pkcs8 ec-p384-sec1 rsa-pkcs1 rsa-pkcs8; do
		store_raw_key "$k" "$k.pem" &&
		git-credential-bitbucket key public "$k" >"$k.pub" &&
		sshd_authorize "$k.pub" || return 1
	done
'

test_expect_success 'Ed25519, PKCS#8 (BEGIN PRIVATE KEY) authenticates' '
	try_key ed25519-pkcs8 >out &&
	test_grep refs/heads/main out
'

test_expect_success 'ECDSA P-256, SEC1 (BEGIN EC PRIVATE KEY) authenticates' '
	try_key ec-p256-sec1 >out &&
	test_grep refs/heads/main out
'

test_expect_success 'ECDSA P-256, PKCS#8 (BEGIN PRIVATE KEY) authenticates' '
	try_key ec-p256-pkcs8 >out &&
	test_grep refs/heads/main out
'

test_expect_success 'ECDSA P-384, SEC1 authenticates' '
	try_key ec-p384-sec1 >out &&
	test_grep refs/heads/main out
'

test_expect_success 'git-bitbucket-ssh --version names the libssh2 it runs on' '
	libssh2_version >v &&
	test_grep -E "^1\.[0-9]+\.[0-9]+" v
'

if ! libssh2_at_least 1.11; then
test_expect_success 'RSA (PKCS#1) on a default OpenSSH server: refused with the reason and what to do' '
	test_must_fail try_key rsa-pkcs1 >out 2>err &&
	test_grep "the server refused the RSA key .rsa-pkcs1." err &&
	test_grep "signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later servers refuse" err &&
	test_grep "use an Ed25519 or ECDSA key" err &&
	test_grep "libssh2 1.11 or later" err &&
	test_grep "userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms" "$SSHD_LOG"
'

test_expect_success 'RSA (PKCS#8) the same' '
	test_must_fail try_key rsa-pkcs8 >out 2>err &&
	test_grep "the server refused the RSA key .rsa-pkcs8." err
'

test_expect_success 'both RSA forms work where the server still takes ssh-rsa' '
	stop_sshd &&
	start_sshd "PubkeyAcceptedAlgorithms +ssh-rsa" &&
	sshd_trust_host_keys &&
	try_key rsa-pkcs1 >out &&
	test_grep refs/heads/main out &&
	try_key rsa-pkcs8 >out &&
	test_grep refs/heads/main out
'
else
test_expect_success 'RSA keys sign with rsa-sha2 (libssh2 >= 1.11) and authenticate' '
	try_key rsa-pkcs1 >out &&
	test_grep refs/heads/main out &&
	try_key rsa-pkcs8 >out &&
	test_grep refs/heads/main out
'
fi

test_expect_success 'an OpenSSH-format key put into the keyring by hand is refused with advice' '
	ssh-keygen -q -t ed25519 -N "" -f openssh-format &&
	store_raw_key openssh-format openssh-format &&
	test_must_fail try_key openssh-format 2>err &&
	test_grep "key .openssh-format. in the keyring cannot be used" err &&
	test_grep "key import --force openssh-format FILE" err
'

test_done
