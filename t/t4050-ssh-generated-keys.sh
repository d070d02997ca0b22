#!/bin/bash
# run-tests: slow

test_description='git-bitbucket-ssh with keys from key generate (Ed25519, ECDSA, RSA) against a real sshd: clone and push, last use, the key age warning'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# gen_key NAME TYPE REPO [OPTIONS...]: generate key NAME for one repository
# of the sshd, authorize the output of `key public`, keep its fingerprint
# in NAME.fp.
gen_key () {
	local name=$1 type=$2 repo=$3
	shift 3
	sshd_create_repo "$repo" &&
	git credential-bitbucket key generate "$name" --type "$type" "$@" \
		--scope "$SSHD_URL/$repo" >"$name.gen" &&
	git credential-bitbucket key public "$name" >"$name.pub" &&
	head -1 "$name.gen" >"$name.gen-pub" &&
	test_cmp "$name.pub" "$name.gen-pub" &&
	sshd_authorize "$name.pub" &&
	ssh-keygen -lf "$name.pub" | cut -d" " -f2 >"$name.fp" &&
	test_grep "^SHA256:" "$name.fp"
}

# clone_and_push KEY REPO: clone REPO, push a commit back; sshd must have
# accepted KEY for both connections, and nothing may warn.
clone_and_push () {
	local key=$1 repo=$2 dir=clone-$1
	sshd_log_mark &&
	git clone "$SSHD_URL/$repo" "$dir" 2>err &&
	test "$(cat "$dir/README")" = "$repo" &&
	echo "pushed with $key" >"$dir/file" &&
	git -C "$dir" add file &&
	git -C "$dir" commit -q -m "pushed with $key" &&
	git -C "$dir" push origin main 2>>err &&
	test "$(git -C "$dir" rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/$repo" rev-parse main)" &&
	test_grep ! "warning" err &&
	sshd_log_since >log &&
	test "$(grep -c "Accepted publickey for git .*$(cat "$key.fp")" log)" = 2 &&
	test_grep ! "Failed publickey" log
}

# key_attr NAME ATTR: an attribute of key NAME's keyring item, as stored.
key_attr () {
	stdbuf -o0 -e0 secret-tool search --all xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key name "$1" >item.txt 2>&1 &&
	test "$(grep -c "^\[/" item.txt)" = 1 &&
	sed -n "s/^attribute\.$2 = //p" item.txt
}

# rewrite_key NAME ATTR VALUE...: give key NAME's keyring item other values
# for some attributes (created, last_used, warned), as if it had been
# stored or used long ago.  secret-tool cannot change an item in place: it
# stores a copy with the new attributes, then clears the original by its
# old ones.
rewrite_key () {
	local name=$1 line k label
	local -A attr=()
	local -a old=() new=()
	shift
	stdbuf -o0 -e0 secret-tool search --all xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key name "$name" >item.txt 2>&1 || return 1
	if [ "$(grep -c "^\[/" item.txt)" != 1 ]; then
		echo "rewrite_key: not exactly one item named $name" >&2
		return 1
	fi
	while IFS= read -r line; do
		case $line in
		"label = "*)
			label=${line#label = } ;;
		attribute.*" = "*)
			k=${line%% = *}
			attr[${k#attribute.}]=${line#* = } ;;
		esac
	done <item.txt
	for k in "${!attr[@]}"; do
		old+=("$k" "${attr[$k]}")
	done
	while [ $# -ge 2 ]; do
		attr[$1]=$2
		shift 2
	done
	for k in "${!attr[@]}"; do
		new+=("$k" "${attr[$k]}")
	done
	secret-tool lookup xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$name" >item.pem &&
	secret-tool store --label="$label" xdg:schema "$KEYRING_SCHEMA" "${new[@]}" <item.pem &&
	rm -f item.pem &&
	secret-tool clear xdg:schema "$KEYRING_SCHEMA" "${old[@]}" &&
	key_attr "$name" name >/dev/null
}

# fetch_with KEY REPO: one connection (ls-remote) that must authenticate.
fetch_with () {
	git ls-remote "$SSHD_URL/$2" >refs 2>err &&
	test_grep refs/heads/main refs
}

test_expect_success 'setup: keyring, sshd, a generated key of each type for its own repository' '
	start_keyring &&
	start_sshd &&
	SSHD_WANT_PORT=$SSHD_PORT &&	# the keys are scoped with this port: restarts keep it
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	sshd_trust_host_keys &&
	gen_key ed-key ed25519 acme/ed25519.git &&
	gen_key ec-key ecdsa acme/ecdsa.git &&
	gen_key rsa-key rsa acme/rsa.git --bits 2048 &&
	test_grep "^256 .* ed-key (ED25519)$" ed-key.gen &&
	test_grep "^256 .* ec-key (ECDSA)$" ec-key.gen &&
	test_grep "^2048 .* rsa-key (RSA)$" rsa-key.gen
'

test_expect_success 'ed25519: a generated key is accepted for clone and push' '
	clone_and_push ed-key acme/ed25519.git &&
	test_grep "Accepted publickey for git .* ED25519 " log
'

test_expect_success 'ecdsa: a generated key is accepted for clone and push' '
	clone_and_push ec-key acme/ecdsa.git &&
	test_grep "Accepted publickey for git .* ECDSA " log
'

if ! libssh2_at_least 1.11; then
test_expect_success 'rsa on a default sshd: exit 255, one line saying libssh2 signs only with ssh-rsa' '
	sshd_log_mark &&
	test_must_fail_code 255 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/acme/rsa.git'\''" </dev/null >out 2>err &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-bitbucket-ssh: the server refused the RSA key .rsa-key. ($(cat rsa-key.fp)): libssh2 1\.10[^ ]* signs RSA keys with SHA-1 (ssh-rsa), which OpenSSH 8\.8 and later servers refuse by default; use an Ed25519 or ECDSA key" err &&
	sshd_log_since >log &&
	test_grep "signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms" log &&
	test_must_fail git clone "$SSHD_URL/acme/rsa.git" rsa-refused 2>err &&
	test_grep "signs RSA keys with SHA-1 (ssh-rsa)" err &&
	test ! -d rsa-refused &&
	echo null >expect &&
	key_json rsa-key last_used >actual &&
	test_cmp expect actual
'

test_expect_success 'rsa on an sshd that takes only rsa-sha2-512 and rsa-sha2-256: the SHA-1 refusal, and nothing cloned' '
	stop_sshd &&
	start_sshd "PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256" &&
	sshd_trust_host_keys &&
	sshd_log_mark &&
	test_must_fail git clone "$SSHD_URL/acme/rsa.git" rsa-sha2-only 2>err &&
	test_grep "^git-bitbucket-ssh: the server refused the RSA key .rsa-key. ($(cat rsa-key.fp)): libssh2 1\.10[^ ]* signs RSA keys with SHA-1 (ssh-rsa)" err &&
	test ! -d rsa-sha2-only &&
	sshd_log_since >log &&
	test_grep "signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms" log
'
rsa_sshd_options="PubkeyAcceptedAlgorithms +ssh-rsa"
rsa_title='rsa: a generated key is accepted for clone and push by an sshd that still allows ssh-rsa'
else
test_expect_success 'rsa on an sshd that takes only rsa-sha2-512 and rsa-sha2-256: clone works, no SHA-1 message' '
	stop_sshd &&
	start_sshd "PubkeyAcceptedAlgorithms rsa-sha2-512,rsa-sha2-256" &&
	sshd_trust_host_keys &&
	sshd_log_mark &&
	git clone "$SSHD_URL/acme/rsa.git" rsa-sha2-only 2>err &&
	test "$(cat rsa-sha2-only/README)" = acme/rsa.git &&
	test_grep ! "SHA-1\|warning" err &&
	sshd_log_since >log &&
	test_grep "Accepted publickey for git .* RSA $(cat rsa-key.fp)" log &&
	test_grep ! "Failed publickey" log
'
rsa_sshd_options="LogLevel VERBOSE"
rsa_title='rsa: a generated key signs with rsa-sha2 (libssh2 >= 1.11) and is accepted for clone and push'
fi

test_expect_success "$rsa_title" '
	stop_sshd &&
	start_sshd "$rsa_sshd_options" &&
	sshd_trust_host_keys &&
	clone_and_push rsa-key acme/rsa.git &&
	test_grep "Accepted publickey for git .* RSA " log
'

test_expect_success 'key list: last used goes from never to the time of the clone, and advances' '
	gen_key fresh-key ed25519 acme/fresh.git &&
	echo null >expect &&
	key_json fresh-key last_used >actual &&
	test_cmp expect actual &&
	git credential-bitbucket key list >list &&
	test_grep "^fresh-key .* never" list &&
	start=$(date +%s) &&
	git clone -q "$SSHD_URL/acme/fresh.git" clone-fresh &&
	end=$(date +%s) &&
	used=$(key_json fresh-key last_used) &&
	test "$used" -ge "$start" && test "$used" -le "$end" &&
	git credential-bitbucket key list >list &&
	test_grep "^fresh-key .* $(date -u -d "@$used" +%Y-%m-%d) " list &&
	test_grep ! "^fresh-key .* never" list &&
	rewrite_key fresh-key last_used $((start - 10 * 86400)) &&
	test "$(key_json fresh-key last_used)" = $((start - 10 * 86400)) &&
	start=$(date +%s) &&
	fetch_with fresh-key acme/fresh.git &&
	used=$(key_json fresh-key last_used) &&
	test "$used" -ge "$start"
'

test_expect_success 'a key older than bitbucket.keyMaxAge: one warning line, and warned is stored' '
	gen_key old-key ed25519 acme/old.git &&
	git config --global bitbucket.keyMaxAge 1 &&
	now=$(date +%s) &&
	rewrite_key old-key created $((now - 3 * 86400 - 600)) &&
	echo 0 >expect &&
	key_attr old-key warned >actual &&
	test_cmp expect actual &&
	start=$(date +%s) &&
	git clone "$SSHD_URL/acme/old.git" clone-old 2>err &&
	grep "warning" err >actual &&
	printf "%s\n" "git-bitbucket-ssh: warning: key '\''old-key'\'' is 3 days old (bitbucket.keyMaxAge is 1); rotate it: git-credential-bitbucket key generate --scope $SSHD_URL/acme/old.git NEWNAME, add its public key to Bitbucket, then delete '\''old-key'\'' there and with git-credential-bitbucket key remove old-key" >expect &&
	test_cmp expect actual &&
	warned=$(key_attr old-key warned) &&
	test "$warned" -ge "$start" &&
	test "$warned" -le "$(date +%s)" &&
	test "$(key_json old-key last_used)" -ge "$start" &&
	echo "$warned" >warned-first
'

test_expect_success 'within 24 hours of the warning: no second warning, warned unchanged' '
	fetch_with old-key acme/old.git &&
	test_grep ! "warning" err &&
	git -C clone-old pull -q 2>err &&
	test_grep ! "warning" err &&
	key_attr old-key warned >actual &&
	test_cmp warned-first actual
'

test_expect_success 'a day after the last warning: it warns again, once' '
	start=$(date +%s) &&
	rewrite_key old-key warned $((start - 86400 - 60)) &&
	fetch_with old-key acme/old.git &&
	test "$(grep -c "warning: key .old-key. is 3 days old" err)" = 1 &&
	warned=$(key_attr old-key warned) &&
	test "$warned" -ge "$start" &&
	fetch_with old-key acme/old.git &&
	test_grep ! "warning" err
'

test_expect_success 'a key within bitbucket.keyMaxAge never warns, and warned stays 0' '
	gen_key young-key ecdsa acme/young.git &&
	test "$(git config --global bitbucket.keyMaxAge)" = 1 &&
	now=$(date +%s) &&
	rewrite_key young-key created $((now - 23 * 3600)) &&
	git clone "$SSHD_URL/acme/young.git" clone-young 2>clone-err &&
	test_grep ! "warning" clone-err &&
	fetch_with young-key acme/young.git &&
	test_grep ! "warning" err &&
	echo 0 >expect &&
	key_attr young-key warned >actual &&
	test_cmp expect actual &&
	test "$(key_json young-key last_used)" -ge "$now"
'

test_expect_success 'a key the server refuses is not warned about, even when old' '
	rewrite_key young-key created $(( $(date +%s) - 5 * 86400 )) &&
	: >"$SSHD_ROOT/authorized_keys.new" &&
	grep -v -F -f young-key.pub "$SSHD_ROOT/authorized_keys" >"$SSHD_ROOT/authorized_keys.new" &&
	cp "$SSHD_ROOT/authorized_keys" authorized_keys.saved &&
	mv "$SSHD_ROOT/authorized_keys.new" "$SSHD_ROOT/authorized_keys" &&
	test_must_fail git ls-remote "$SSHD_URL/acme/young.git" 2>err &&
	cp authorized_keys.saved "$SSHD_ROOT/authorized_keys" &&
	test_grep "the server refused the key .young-key." err &&
	test_grep ! "warning" err &&
	echo 0 >expect &&
	key_attr young-key warned >actual &&
	test_cmp expect actual
'

test_done
