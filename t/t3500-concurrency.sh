#!/bin/bash

test_description='concurrent writers: store, login, erase and logout run one at a time under the writer lock; a gone item is deleted without error; get keeps the newest of duplicates'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
SCHEMA=org.bitbucket.credential

# store_req USER SCOPE TOKEN: git's store for https://bitbucket.org/SCOPE
store_req () {
	{ local -; set +x; } 2>/dev/null
	printf 'protocol=https\nhost=bitbucket.org\npath=%s\nusername=%s\npassword=%s\n\n' "$2" "$1" "$3" |
		"$prog" store
}

# items USER SCOPE: how many tokens the keyring holds for USER on SCOPE
items () {
	secret-tool search --all xdg:schema $SCHEMA username "$1" 2>&1 |
		grep -c -x "attribute.scope = $2"
}

# fake_item SECRET-VALUE attribute value...: an item as an older version left it
fake_item () {
	{ local -; set +x; } 2>/dev/null
	local value=$1
	shift
	printf '%s' "$value" |
		LC_ALL=C.UTF-8 secret-tool store --label="fake item" xdg:schema $SCHEMA "$@"
}

test_expect_success 'setup: a private keyring, a private runtime directory' '
	start_keyring &&
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR" &&
	git config --global credential.useHttpPath true &&
	test "$(keyring_count)" = 0
'

test_expect_success '64 concurrent writers, 8 users on 4 scopes, each pair by store and by login: 32 items, all exit 0' '
	pids= &&
	for u in 0 1 2 3 4 5 6 7; do
		for s in ws0 ws0/r1.git ws1 ws2/r2.git; do
			( store_req user$u $s ATATT3xFfGF0s-$u-${s%%.git} >/dev/null 2>"err-s-$u-${s%%/*}-${s##*/}"; echo $? >"rc-s-$u-${s%%/*}-${s##*/}" ) &
			pids="$pids $!"
			( printf "%s\n" ATATT3xFfGF0l-$u-${s%%.git} |
				"$prog" login --stdin --username user$u https://bitbucket.org/$s >/dev/null 2>"err-l-$u-${s%%/*}-${s##*/}"
			  echo $? >"rc-l-$u-${s%%/*}-${s##*/}" ) &
			pids="$pids $!"
		done
	done &&
	wait $pids &&
	cat err-* >errs && test_must_be_empty errs &&
	cat rc-* | sort | uniq -c >rcs &&
	echo "     64 0" >expect && test_cmp expect rcs &&
	test "$(keyring_count)" = 32 &&
	for u in 0 1 2 3 4 5 6 7; do
		for s in ws0 ws0/r1 ws1 ws2/r2; do
			test "$(items user$u $s)" = 1 || { echo "user$u $s: $(items user$u $s) items"; return 1; }
		done
	done
'

test_expect_success 'every item holds one of the two tokens written for it' '
	printf "protocol=https\nhost=bitbucket.org\npath=ws0/r1.git\nusername=user3\n\n" |
		"$prog" get >out &&
	test_grep -E "^password=ATATT3xFfGF0[sl]-3-ws0/r1$" out &&
	printf "protocol=https\nhost=bitbucket.org\npath=ws2/r2.git\nusername=user7\n\n" |
		"$prog" get >out &&
	test_grep -E "^password=ATATT3xFfGF0[sl]-7-ws2/r2$" out
'

test_expect_success '16 concurrent writers of one user and scope: one item, all exit 0' '
	pids= &&
	for i in $(seq 1 16); do
		( store_req alice acme ATATT3xFfGF0alice-$i >/dev/null 2>err-a-$i; echo $? >rc-a-$i ) &
		pids="$pids $!"
	done &&
	wait $pids &&
	cat err-a-* >errs && test_must_be_empty errs &&
	cat rc-a-* | sort | uniq -c >rcs &&
	echo "     16 0" >expect && test_cmp expect rcs &&
	test "$(items alice acme)" = 1 &&
	test "$(keyring_count)" = 33
'

test_expect_success '16 concurrent erases of that one token: all exit 0, it is gone, nothing else is' '
	pids= &&
	for i in $(seq 1 16); do
		( printf "protocol=https\nhost=bitbucket.org\npath=acme\nusername=alice\n\n" |
			"$prog" erase >/dev/null 2>err-e-$i; echo $? >rc-e-$i ) &
		pids="$pids $!"
	done &&
	wait $pids &&
	cat err-e-* >errs && test_must_be_empty errs &&
	cat rc-e-* | sort | uniq -c >rcs &&
	echo "     16 0" >expect && test_cmp expect rcs &&
	test "$(items alice acme)" = 0 &&
	test "$(keyring_count)" = 32
'

# store_three_dora_tokens: three tokens of dora's in scope dups, made 300,
# 100 and 200 seconds ago, written in that order straight to the store
store_three_dora_tokens () {
	local now age
	now=$(date -u +%s) &&
	for age in 300 100 200; do
		fake_item "$(printf "password=ATATT3xFfGF0dup-$age\nusername=dora\nrepos=\n")" \
			kind api-token protocol https host bitbucket.org port 0 scope dups username dora \
			name "" repos "" read_only false created $((now - age)) last_used 0 warned 0 || return 1
	done
}

# dora_gets TOKEN: get for dora in scope dups answers TOKEN, silently
dora_gets () {
	printf "protocol=https\nhost=bitbucket.org\npath=dups/repo.git\nusername=dora\n\n" |
		"$prog" get >out 2>err &&
	test_must_be_empty err &&
	printf "username=dora\npassword=%s\n" "$1" >expect &&
	test_cmp expect out
}

test_expect_secret_service 'get finds duplicates an older version left: returns the newest, deletes the rest' '
	store_three_dora_tokens &&
	test "$(items dora dups)" = 3 &&
	dora_gets ATATT3xFfGF0dup-100 &&
	test "$(items dora dups)" = 1 &&
	secret-tool search --all xdg:schema $SCHEMA username dora >left 2>&1 &&
	test_grep -x "secret = password=ATATT3xFfGF0dup-100" left &&
	test "$(keyring_count)" = 33
'

# the file store never holds two tokens of one class: a store replaces in
# the same atomic write what it would duplicate
test_expect_file_store 'no duplicates in the file store: three stores of one token leave one item, the last' '
	store_three_dora_tokens &&
	test "$(items dora dups)" = 1 &&
	dora_gets ATATT3xFfGF0dup-200 &&
	test "$(keyring_count)" = 33
'

test_expect_success 'a writer that cannot get the lock in time: one line, exit 3, nothing written' '
	lock="$XDG_RUNTIME_DIR/git-credential-bitbucket.lock" &&
	{ flock "$lock" sleep 5 & } &&
	holder=$! &&
	test_wait_for 5 "test -e \"$lock\"" && sleep 0.3 &&
	keyring_dump >before &&
	GCB_LOCK_TIMEOUT=1 test_must_fail_code 3 store_req bob acme ATATT3xFfGF0bob >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: another $prog has been changing the keyring for 1 s (it holds $lock); try again when it is done" >expect &&
	test_cmp expect err &&
	keyring_dump >after && test_cmp before after
'

test_expect_success 'without XDG_RUNTIME_DIR the lock is in a private directory under /tmp' '
	dir=/tmp/git-credential-bitbucket-$(id -u) &&
	env -u XDG_RUNTIME_DIR "$prog" logout --username user0 https://bitbucket.org/ws1 >out 2>err &&
	test_grep -x "removed API token for user0 on bitbucket.org/ws1" out &&
	test -f "$dir/git-credential-bitbucket.lock" &&
	test "$(stat -c %a "$dir")" = 700
'

test_done
