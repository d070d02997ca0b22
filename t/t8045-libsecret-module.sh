#!/bin/bash

test_description='libsecret is loaded only to store: a get, list and erase work with no libsecret module beside the core module; a store without it is one line naming the file, exit 3, and stores nothing'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

for cmd in make cc; do
	command -v "$cmd" >/dev/null || test_skip_all "$cmd not found (run scripts/install-deps.sh)"
done

prog=git-credential-bitbucket
start_keyring || exit 1

# A build tree of the test's own with the gate and the core module only.
bt=$TRASH/bt
test_expect_secret_service 'setup: a build tree without the libsecret module; a token stored by the full build' '
	make -C "$GCB_TOP" -s -j2 GCB_SKIP_DEPS=1 CFLAGS=-O0 B="$TRASH/b" OUT="$bt" MODDIR="$TRASH/mods" \
		"$bt/$prog" "$bt/$prog.so" >make.log 2>&1 || { cat make.log; false; } &&
	test ! -e "$bt/$prog-libsecret.so" &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATT3xFfGF0modtest\n\n" |
		"$prog" store &&
	test "$(keyring_count)" = 1
'

test_expect_secret_service 'get and list read the keyring without libsecret' '
	printf "protocol=https\nhost=bitbucket.org\n\n" >req &&
	"$bt/$prog" get <req >out 2>err &&
	test_must_be_empty err &&
	grep -x "password=ATATT3xFfGF0modtest" out &&
	"$bt/$prog" list >out 2>err &&
	test_must_be_empty err &&
	grep "alice" out
'

test_expect_secret_service 'a store without the libsecret module: one line naming the file, exit 3, nothing stored' '
	bt_real=$(cd "$bt" && pwd -P) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\npassword=ATATT3xFfGF0other\n\n" >req &&
	test_must_fail_code 3 "$bt/$prog" store <req >out 2>err &&
	echo "$prog: cannot load the module $bt_real/$prog-libsecret.so: No such file or directory; reinstall with '"'make install'"'" >expect &&
	test_cmp expect err && test_must_be_empty out &&
	test "$(keyring_count)" = 1
'

test_expect_secret_service 'erase needs no libsecret either' '
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | "$bt/$prog" erase >out 2>err &&
	test_must_be_empty err &&
	test "$(keyring_count)" = 0
'

test_done
