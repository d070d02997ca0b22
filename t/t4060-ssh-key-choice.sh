#!/bin/bash

test_description='git-bitbucket-ssh chooses among several keys as sshd sees it: most specific scope first, then newest, each offered in turn (at most 5), read-only keys skipped on push, a port-scoped key only for its port, -i and bitbucket.sshKey only for their own host; the key verbs warn about overlapping scopes'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

# gen NAME SCOPE [OPTIONS...]: generate key NAME for SCOPE (its warnings
# in NAME.err), keep its public key in NAME.pub and fingerprint in NAME.fp
gen () {
	local name=$1 scope=$2
	shift 2
	git credential-bitbucket key generate "$name" --scope "$scope" "$@" \
		>/dev/null 2>"$name.err" &&
	git credential-bitbucket key public "$name" >"$name.pub" &&
	ssh-keygen -lf "$name.pub" | cut -d" " -f2 >"$name.fp"
}

# the sshd log lines of the last connection about key NAME: "accepted",
# "failed", or nothing
key_seen () {
	local fp
	fp=$(cat "$1.fp")
	if grep -q "Accepted publickey for git .*$fp" log; then
		echo accepted
	elif grep -q "Failed publickey for git .*$fp" log; then
		echo failed
	fi
}

# the keys sshd was offered, in order, as names
offered () {
	local line k
	grep -E "(Accepted|Failed) publickey for git" log | while IFS= read -r line; do
		for k in *.fp; do
			case $line in
			*"$(cat "$k")"*) echo "${k%.fp}: ${line%% publickey*}" ;;
			esac
		done
	done
}

fetch () {
	sshd_log_mark &&
	git ls-remote "$SSHD_URL/$1" >refs 2>err &&
	test_grep refs/heads/main refs &&
	sshd_log_since >log
}

test_expect_success 'setup: keyring, sshd, repositories' '
	start_keyring &&
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	sshd_trust_host_keys &&
	for r in acme/widget acme/gadget solo/ro lonely/x noport/x other/x; do
		sshd_create_repo $r.git || return 1
	done &&
	where=127.0.0.1:$SSHD_PORT
'

test_expect_success 'a push with only a read-only key keeps the refusal, before connecting' '
	gen solo-ro "$SSHD_URL/solo/ro.git" --read-only &&
	sshd_authorize solo-ro.pub &&
	git clone -q "$SSHD_URL/solo/ro.git" solo &&
	echo x >solo/x && git -C solo add x && git -C solo commit -q -m x &&
	sshd_log_mark &&
	test_must_fail git -C solo push origin main 2>err &&
	test_grep "^git-bitbucket-ssh: key .solo-ro. is read-only, so pushing with it cannot work" err &&
	sshd_log_since >log &&
	test_grep ! "Connection from" log
'

test_expect_success 'key generate warns when another key covers the scope, naming the one tried first' '
	for k in f e d c b a; do
		gen $k-key "$SSHD_URL/lonely" || return 1
	done &&
	test_must_be_empty f-key.err &&
	echo "git-credential-bitbucket: warning: key '\''e-key'\'' covers the same scope as key '\''f-key'\'' ($where/lonely); '\''e-key'\'' will be tried first" >expect &&
	test_cmp expect e-key.err &&
	echo "git-credential-bitbucket: warning: key '\''d-key'\'' covers the same scope as keys '\''e-key'\'' and '\''f-key'\'' ($where/lonely); '\''d-key'\'' will be tried first" >expect &&
	test_cmp expect d-key.err &&
	echo "git-credential-bitbucket: warning: key '\''a-key'\'' covers the same scope as keys '\''b-key'\'', '\''c-key'\'', '\''d-key'\'', '\''e-key'\'' and '\''f-key'\'' ($where/lonely); '\''a-key'\'' will be tried first" >expect &&
	test_cmp expect a-key.err
'

test_expect_success 'six refused keys: five are offered, newest first, and the one line names them' '
	sshd_log_mark &&
	test_must_fail_code 255 git-bitbucket-ssh -p "$SSHD_PORT" git@127.0.0.1 \
		"git-upload-pack '\''/lonely/x.git'\''" </dev/null >out 2>err &&
	test_must_be_empty out &&
	sshd_log_since >log &&
	offered >actual &&
	printf "%s: Failed\n" a-key b-key c-key d-key e-key >expect &&
	test_cmp expect actual &&
	test_grep ! "Too many authentication failures\|maximum authentication attempts" log &&
	list="" &&
	for k in a b c d e; do
		sep=", " &&
		{ test $k != a || sep=""; } &&
		{ test $k != e || sep=" and "; } &&
		list="$list$sep'\''$k-key'\'' (ED25519 $(cat $k-key.fp))" || return 1
	done &&
	echo "git-bitbucket-ssh: the server refused the keys $list (1 more not offered: at most 5 keys are, below sshd'\''s MaxAuthTries): add the public key of the right one (git-credential-bitbucket key public NAME) to your Bitbucket account or to the repository'\''s access keys, or choose a key with -i NAME" >expect &&
	test_cmp expect err
'

test_expect_success 'the most specific scope first, even when a less specific key is newer' '
	gen repo-key "$SSHD_URL/acme/widget.git" &&
	sleep 1 &&
	gen acct-key "$SSHD_URL/acme" &&
	sleep 1 &&
	gen host-key "$SSHD_URL/" &&
	cat repo-key.pub acct-key.pub host-key.pub | sshd_authorize &&
	fetch acme/widget.git &&
	echo "repo-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	fetch acme/gadget.git &&
	echo "acct-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	fetch other/x.git &&
	echo "host-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual
'

test_expect_success 'the newest key of a scope first; when the server refuses it, the next one' '
	sleep 1 &&
	gen acct-new "$SSHD_URL/acme" &&
	echo "git-credential-bitbucket: warning: key '\''acct-new'\'' covers the same scope as key '\''acct-key'\'' ($where/acme); '\''acct-new'\'' will be tried first" >expect &&
	test_cmp expect acct-new.err &&
	fetch acme/gadget.git &&
	test_must_be_empty err &&
	printf "acct-new: Failed\nacct-key: Accepted\n" >expect &&
	offered >actual && test_cmp expect actual
'

test_expect_success 'a push skips a read-only key when a read-write one applies; a fetch uses it' '
	gen gadget-ro "$SSHD_URL/acme/gadget.git" --read-only &&
	sshd_authorize gadget-ro.pub &&
	fetch acme/gadget.git &&
	echo "gadget-ro: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	git clone -q "$SSHD_URL/acme/gadget.git" gadget &&
	echo y >gadget/y && git -C gadget add y && git -C gadget commit -q -m y &&
	sshd_log_mark &&
	git -C gadget push -q origin main 2>err &&
	sshd_log_since >log &&
	printf "acct-new: Failed\nacct-key: Accepted\n" >expect &&
	offered >actual && test_cmp expect actual &&
	test "$(git -C gadget rev-parse HEAD)" = \
		"$(git --git-dir="$SSHD_ROOT/repos/acme/gadget.git" rev-parse main)"
'

test_expect_success 'key scope and key import warn too; exit 0' '
	git credential-bitbucket key scope acct-new "$SSHD_URL/acme/widget.git" >out 2>err &&
	echo "git-credential-bitbucket: warning: key '\''acct-new'\'' covers the same scope as key '\''repo-key'\'' ($where/acme/widget); '\''acct-new'\'' will be tried first" >expect &&
	test_cmp expect err &&
	ssh-keygen -q -t ecdsa -m PEM -N "" -C "" -f imported &&
	git credential-bitbucket key import --scope "$SSHD_URL/acme/widget.git" --read-only \
		imp-key imported >out 2>err &&
	echo "git-credential-bitbucket: warning: key '\''imp-key'\'' covers the same scope as keys '\''acct-new'\'' and '\''repo-key'\'' ($where/acme/widget); '\''imp-key'\'' will be tried first ('\''acct-new'\'' for a push: read-only keys are skipped when a read-write one applies)" >expect &&
	test_cmp expect err &&
	git credential-bitbucket key remove imp-key &&
	git credential-bitbucket key scope acct-new "$SSHD_URL/acme" 2>err &&
	test_grep "covers the same scope as key .acct-key." err
'

test_expect_success 'a key scoped with another port is never offered; one without a port is, on any port' '
	gen port-key "ssh://git@127.0.0.1:1/acme/widget.git" &&
	test_must_be_empty port-key.err &&
	sshd_authorize port-key.pub &&
	fetch acme/widget.git &&
	echo "repo-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	gen noport-key "127.0.0.1/noport" &&
	git credential-bitbucket key list --json >keys.json &&
	python3 -c "import json; k = [k for k in json.load(open(\"keys.json\")) if k[\"name\"] == \"noport-key\"][0]; print(k[\"port\"])" >actual &&
	echo None >expect &&
	test_cmp expect actual &&
	sshd_authorize noport-key.pub &&
	fetch noport/x.git &&
	echo "noport-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual
'

test_expect_success '-i NAME and bitbucket.sshKey: that key alone, for its own host' '
	sshd_log_mark &&
	GIT_SSH_COMMAND="git-bitbucket-ssh -i host-key" git ls-remote "$SSHD_URL/acme/widget.git" >refs 2>err &&
	test_must_be_empty err &&
	sshd_log_since >log &&
	echo "host-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	git config --global bitbucket.sshKey acct-key &&
	fetch acme/widget.git &&
	test_must_be_empty err &&
	echo "acct-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual
'

test_expect_success '-i and bitbucket.sshKey naming another host'"'"'s key: one warning line, then the scope order' '
	git credential-bitbucket key generate cloud-key >/dev/null 2>&1 &&
	git credential-bitbucket key public cloud-key >cloud-key.pub &&
	git config --global bitbucket.sshKey cloud-key &&
	fetch acme/widget.git &&
	echo "git-bitbucket-ssh: warning: key '\''cloud-key'\'' (bitbucket.sshKey) is for bitbucket.org, not $where: not using it here; choosing a key by scope" >expect &&
	test_cmp expect err &&
	echo "repo-key: Accepted" >expect &&
	offered >actual && test_cmp expect actual &&
	sshd_log_mark &&
	GIT_SSH_COMMAND="git-bitbucket-ssh -i port-key" git ls-remote "$SSHD_URL/acme/widget.git" >refs 2>err &&
	echo "git-bitbucket-ssh: warning: key '\''port-key'\'' (-i) is for 127.0.0.1:1, not $where: not using it here; choosing a key by scope" >expect &&
	test_cmp expect err &&
	git config --global --unset bitbucket.sshKey
'


bad_why="missing the -----BEGIN ... PRIVATE KEY----- line"

# store_broken NAME SCOPE: a key item whose secret is not a key (as a
# keyring edited by hand, or another program, could leave), newest of all
store_broken () {
	printf "not a key\n" |
	secret-tool store --label="test key $1" xdg:schema org.bitbucket.credential \
		kind ssh-key protocol ssh host 127.0.0.1 port "$SSHD_PORT" scope "$2" \
		username "" name "$1" repos "" read_only false \
		created "$(( $(date +%s) + 60 ))" last_used 0 warned 0
}

test_expect_success 'a broken key among several: one warning line, skipped, the next one offered' '
	sshd_create_repo broken/x.git &&
	gen broken-good "$SSHD_URL/broken" &&
	sshd_authorize broken-good.pub &&
	store_broken broken-bad broken &&
	fetch broken/x.git &&
	echo "git-bitbucket-ssh: warning: key '\''broken-bad'\'' in the keyring cannot be used: $bad_why; skipping it (import it again with git-credential-bitbucket key import --force broken-bad FILE)" >expect &&
	test_cmp expect err &&
	echo "broken-good: Accepted" >expect &&
	offered >actual && test_cmp expect actual
'

test_expect_success 'a broken key that is the only one offered (-i): the error, nothing offered' '
	store_broken broken-alone broken &&
	sshd_log_mark &&
	test_must_fail_code 128 env GIT_SSH_COMMAND="git-bitbucket-ssh -i broken-alone" \
		git ls-remote "$SSHD_URL/broken/x.git" >refs 2>err &&
	echo "git-bitbucket-ssh: key '\''broken-alone'\'' in the keyring cannot be used: $bad_why; import it again with git-credential-bitbucket key import --force broken-alone FILE" >expect &&
	head -n 1 err >first && test_cmp expect first &&
	sshd_log_since >log &&
	test_grep ! "publickey for git" log
'

test_done
