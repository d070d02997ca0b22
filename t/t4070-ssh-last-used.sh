#!/bin/bash

test_description='git-bitbucket-ssh records "last used" without undoing what happened meanwhile: a fetch held open by a delaying TCP proxy while key set-read-only, rename and scope run leaves their changes; at most one keyring write a day per key'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# A TCP proxy to the sshd that holds each connection until the file
# "release" exists: it writes "held" once it has accepted, then waits, and
# only then connects to the sshd and copies bytes both ways.
cat >proxy.py <<'EOF'
import os, select, socket, sys, threading, time

upstream_port, state = int(sys.argv[1]), sys.argv[2]

def pump(c):
    with open(os.path.join(state, "held"), "w"):
        pass
    release = os.path.join(state, "release")
    for _ in range(3000):
        if os.path.exists(release):
            break
        time.sleep(0.01)
    u = socket.create_connection(("127.0.0.1", upstream_port))
    socks = [c, u]
    try:
        while True:
            r, _, _ = select.select(socks, [], [], 60)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (u if s is c else c).sendall(data)
    finally:
        c.close()
        u.close()

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(os.path.join(state, "port.tmp"), "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(os.path.join(state, "port.tmp"), os.path.join(state, "port"))
while True:
    c, _ = ls.accept()
    threading.Thread(target=pump, args=(c,), daemon=True).start()
EOF
mv proxy.py "$TRASH/proxy.py"

# key_item NAME: key NAME's keyring item as secret-tool shows it (its
# attributes, and the item's modified time; not the secret), into item.txt
key_item () {
	stdbuf -o0 -e0 secret-tool search --all xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key name "$1" 2>&1 | sed "/^secret = /,/^\$/d" >item.txt &&
	test "$(grep -c "^\[/" item.txt)" = 1
}

# set_last_used NAME TIME: store key NAME's item again with another
# last_used, as if it had been used then (secret-tool cannot change an item
# in place: it stores a copy, then clears the original by its attributes).
set_last_used () {
	local line k label
	local -A attr=()
	local -a old=() new=()
	key_item "$1" || return 1
	while IFS= read -r line; do
		case $line in
		"label = "*) label=${line#label = } ;;
		attribute.*" = "*) k=${line%% = *}; attr[${k#attribute.}]=${line#* = } ;;
		esac
	done <item.txt
	for k in "${!attr[@]}"; do
		old+=("$k" "${attr[$k]}")
	done
	attr[last_used]=$2
	for k in "${!attr[@]}"; do
		new+=("$k" "${attr[$k]}")
	done
	secret-tool lookup xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1" >item.pem &&
	secret-tool store --label="$label" xdg:schema "$KEYRING_SCHEMA" "${new[@]}" <item.pem &&
	rm -f item.pem &&
	secret-tool clear xdg:schema "$KEYRING_SCHEMA" "${old[@]}" &&
	key_item "$1"
}

test_expect_success 'setup: keyring, sshd, a key without a port (so it serves the proxy too), the proxy' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	sshd_trust_host_keys &&
	sshd_create_repo acme/widget.git &&
	git credential-bitbucket key generate --scope 127.0.0.1/acme held-key >/dev/null &&
	git credential-bitbucket key public held-key | sshd_authorize &&
	mkdir "$TRASH/proxy" &&
	{ python3 "$TRASH/proxy.py" "$SSHD_PORT" "$TRASH/proxy" & } &&
	proxy_pid=$! &&
	test_atexit "test_stop_pid $proxy_pid python3" &&
	test_wait_for 10 "test -s \"$TRASH/proxy/port\"" &&
	PROXY_PORT=$(cat "$TRASH/proxy/port") &&
	for t in ed25519 ecdsa; do
		printf "[127.0.0.1]:%s %s\n" "$PROXY_PORT" \
			"$(cut -d" " -f1,2 "$SSHD_ROOT/ssh_host_${t}_key.pub")" || return 1
	done >>"$HOME/.ssh/known_hosts" &&
	echo null >expect &&
	key_json held-key last_used >actual &&
	test_cmp expect actual
'

test_expect_success 'set-read-only, rename and scope during a held fetch all stay; last used is recorded' '
	start=$(date +%s) &&
	{ git ls-remote "ssh://git@127.0.0.1:$PROXY_PORT/acme/widget.git" >refs 2>err & } &&
	fetch_pid=$! &&
	test_wait_for 10 "test -e \"$TRASH/proxy/held\"" &&
	sleep 0.5 &&
	git credential-bitbucket key set-read-only held-key true &&
	git credential-bitbucket key rename held-key moved-key &&
	git credential-bitbucket key scope moved-key 127.0.0.1/acme/widget.git &&
	touch "$TRASH/proxy/release" &&
	wait $fetch_pid &&
	test_grep refs/heads/main refs &&
	test_must_be_empty err &&
	git credential-bitbucket key list --json >keys.json &&
	python3 -c "
import json
k = json.load(open(\"keys.json\"))
print(len(k), k[0][\"name\"], k[0][\"read_only\"], k[0][\"scope\"], k[0][\"port\"])
" >actual &&
	echo "1 moved-key True acme/widget None" >expect &&
	test_cmp expect actual &&
	used=$(key_json moved-key last_used) &&
	test "$used" -ge "$start" &&
	test "$used" -le "$(date +%s)" &&
	key_item moved-key &&
	test_grep "^label = Bitbucket SSH key .moved-key. for 127.0.0.1/acme/widget$" item.txt &&
	test_grep "^attribute.read_only = true$" item.txt
'

test_expect_success 'a second fetch the same day writes nothing to the keyring' '
	key_item moved-key && cp item.txt before.txt &&
	used=$(key_json moved-key last_used) &&
	sleep 1.1 &&
	git ls-remote "$SSHD_URL/acme/widget.git" >refs &&
	test_grep refs/heads/main refs &&
	git ls-remote "$SSHD_URL/acme/widget.git" >refs &&
	key_item moved-key &&
	test_cmp before.txt item.txt &&
	test "$(key_json moved-key last_used)" = "$used"
'

test_expect_success 'a last use 24 hours old or more is written again, once' '
	old=$(( $(date +%s) - 86400 - 60 )) &&
	set_last_used moved-key $old &&
	test "$(key_json moved-key last_used)" = $old &&
	start=$(date +%s) &&
	git ls-remote "$SSHD_URL/acme/widget.git" >refs &&
	used=$(key_json moved-key last_used) &&
	test "$used" -ge "$start" &&
	key_item moved-key && cp item.txt after.txt &&
	test_grep "^attribute.read_only = true$" item.txt &&
	sleep 1.1 &&
	git ls-remote "$SSHD_URL/acme/widget.git" >refs &&
	key_item moved-key &&
	test_cmp after.txt item.txt
'

test_expect_success 'a last use in the future (a clock set back) counts as due' '
	set_last_used moved-key $(( $(date +%s) + 3600 )) &&
	start=$(date +%s) &&
	git ls-remote "$SSHD_URL/acme/widget.git" >refs &&
	used=$(key_json moved-key last_used) &&
	test "$used" -ge "$start" &&
	test "$used" -le "$(date +%s)"
'

test_expect_success 'a key removed during a held fetch is not stored again' '
	rm -f "$TRASH/proxy/held" "$TRASH/proxy/release" &&
	set_last_used moved-key 0 &&
	{ git ls-remote "ssh://git@127.0.0.1:$PROXY_PORT/acme/widget.git" >refs 2>err & } &&
	fetch_pid=$! &&
	test_wait_for 10 "test -e \"$TRASH/proxy/held\"" &&
	sleep 0.5 &&
	git credential-bitbucket key remove moved-key >/dev/null &&
	touch "$TRASH/proxy/release" &&
	wait $fetch_pid &&
	test_grep refs/heads/main refs &&
	git credential-bitbucket key list --json >keys.json &&
	echo "[]" >expect &&
	tr -d " \n" <keys.json >actual && echo >>actual &&
	test_cmp expect actual
'

test_done
