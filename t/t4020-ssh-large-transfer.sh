#!/bin/bash

test_description='git-bitbucket-ssh: a 300 MB incompressible transfer, several times, without a stall'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq
if [ -n "${GCB_VALGRIND:-}" ]; then
	# 1.2 GB through valgrind takes far too long; t4010 clones under valgrind
	test_skip_all "the 300 MB transfers are not run under valgrind (t4010 covers a clone)"
fi

# Each transfer gets this long; at loopback speed one takes a few seconds,
# so only a stall (data stranded in libssh2 while poll() waits) reaches it.
LIMIT=${GCB_SSH_TRANSFER_LIMIT:-60}

test_expect_success 'setup: a repository holding 300 MB of random data' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" big-key &&
	git-credential-bitbucket key public big-key | sshd_authorize - &&
	sshd_trust_host_keys &&
	git init -q src &&
	head -c 300M /dev/urandom >src/blob &&
	git -C src -c core.compression=0 add blob &&
	git -C src commit -q -m "300 MB of noise" &&
	git -C src rev-parse HEAD >expect-head &&
	git init -q --bare "$SSHD_ROOT/repos/acme/big.git" &&
	git -C src -c pack.compression=0 push -q "$SSHD_ROOT/repos/acme/big.git" main &&
	git -C "$SSHD_ROOT/repos/acme/big.git" -c pack.compression=0 repack -q -a -d &&
	chown -R git: "$SSHD_ROOT/repos" &&
	sha256sum <src/blob >expect-sum
'

for i in 1 2 3; do
test_expect_success "clone $i of 300 MB completes, intact, within $LIMIT s" '
	rm -rf clone &&
	timeout $LIMIT git clone -q "$SSHD_URL/acme/big.git" clone &&
	git -C clone rev-parse HEAD >head &&
	test_cmp expect-head head &&
	sha256sum <clone/blob >sum &&
	test_cmp expect-sum sum
'
done

test_expect_success 'progress on stderr (sideband) reaches the terminal side while data flows' '
	rm -rf clone &&
	timeout $LIMIT git clone --progress "$SSHD_URL/acme/big.git" clone 2>progress &&
	test_grep "Receiving objects: 100%" progress &&
	test $(tr "\r" "\n" <progress | grep -c "Receiving objects") -gt 3
'

test_expect_success 'push of 300 MB completes within the limit' '
	git -C clone checkout -q -b other &&
	head -c 300M /dev/urandom >clone/blob &&
	git -C clone -c core.compression=0 commit -q -a -m "new noise" &&
	timeout $LIMIT git -C clone -c pack.compression=0 push -q origin other &&
	test "$(git -C clone rev-parse other)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/big.git" rev-parse other)"
'

test_done
