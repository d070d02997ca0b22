#!/bin/bash
# run-tests: slow

test_description='git-bitbucket-ssh: a 128 MB incompressible transfer, several times, without a stall'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq
if [ -n "${GCB_VALGRIND:-}" ]; then
	# half a gigabyte through valgrind takes far too long; t4010 clones under valgrind
	test_skip_all "the 128 MB transfers are not run under valgrind (t4010 covers a clone)"
fi

# Not a speed check (make bench measures speed): a stall (data stranded in
# libssh2 while poll() waits) never ends, so each transfer gets a bound far
# above what the slowest, busiest machine needs (a few seconds at loopback
# speed), only so that a stall fails the case instead of hanging the suite.
STALL=${GCB_SSH_STALL_LIMIT:-300}

test_expect_success 'setup: a repository holding 128 MB of random data' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	git-credential-bitbucket key generate --type ed25519 --scope "$SSHD_URL/acme" big-key &&
	git-credential-bitbucket key public big-key | sshd_authorize - &&
	sshd_trust_host_keys &&
	git init -q src &&
	head -c 128M /dev/urandom >src/blob &&
	git -C src -c core.compression=0 add blob &&
	git -C src commit -q -m "128 MB of noise" &&
	git -C src rev-parse HEAD >expect-head &&
	git init -q --bare "$SSHD_ROOT/repos/acme/big.git" &&
	git -C src -c pack.compression=0 push -q "$SSHD_ROOT/repos/acme/big.git" main &&
	git -C "$SSHD_ROOT/repos/acme/big.git" -c pack.compression=0 repack -q -a -d &&
	chown -R git: "$SSHD_ROOT/repos" &&
	sha256sum <src/blob >expect-sum
'

for i in 1 2; do
test_expect_success "clone $i of 128 MB completes, intact, without a stall" '
	rm -rf clone &&
	timeout $STALL git clone -q "$SSHD_URL/acme/big.git" clone &&
	git -C clone rev-parse HEAD >head &&
	test_cmp expect-head head &&
	sha256sum <clone/blob >sum &&
	test_cmp expect-sum sum
'
done

test_expect_success 'progress on stderr (sideband) reaches the terminal side while data flows' '
	rm -rf clone &&
	timeout $STALL git clone --progress "$SSHD_URL/acme/big.git" clone 2>progress &&
	test_grep "Receiving objects: 100%" progress &&
	test $(tr "\r" "\n" <progress | grep -c "Receiving objects") -gt 3
'

test_expect_success 'push of 128 MB completes, intact, without a stall' '
	git -C clone checkout -q -b other &&
	head -c 128M /dev/urandom >clone/blob &&
	git -C clone -c core.compression=0 commit -q -a -m "new noise" &&
	timeout $STALL git -C clone -c pack.compression=0 push -q origin other &&
	test "$(git -C clone rev-parse other)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/big.git" rev-parse other)"
'

test_done
