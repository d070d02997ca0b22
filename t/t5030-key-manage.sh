#!/bin/bash

test_description='key generate, public, list, remove, rename, scope, set-read-only, and the key verbs'\'' command line'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket

count () {
	keyring_count
}

secret () {
	secret-tool lookup xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1"
}

# re STRING: STRING quoted for grep -E (fingerprints hold '+')
re () {
	printf '%s' "$1" | sed 's/[][\\.^$*+?(){}|]/\\&/g'
}

# attr NAME KEY: one attribute of key NAME
attr () {
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1" 2>&1 >/dev/null |
		sed -n "s/^attribute\.$2 = //p"
}

test_expect_success 'setup: a keyring' '
	start_keyring &&
	test "$(count)" = 0
'

# ---- generate ----

test_expect_success 'generate makes an Ed25519 key by default and prints its public line and fingerprint' '
	$prog key generate work >out 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 1 &&
	sed -n 1p out >work.pub &&
	test_grep "^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]*$" work.pub &&
	sed -n 2p out >actual &&
	ssh-keygen -lf work.pub | sed "s/ no comment / work /" >expect &&
	test_cmp expect actual &&
	test "$(wc -l <out)" = 2
'

test_expect_success 'key public prints the same line as generate did' '
	$prog key public work >actual &&
	test_cmp work.pub actual
'

test_expect_success 'the generated key is PKCS#8 and its public half is the printed line' '
	secret work >work.key &&
	head -n 1 work.key >first &&
	echo "-----BEGIN PRIVATE KEY-----" >expect &&
	test_cmp expect first &&
	openssl pkey -in work.key -pubout -outform DER | tail -c 32 >raw &&
	{ printf "\000\000\000\013ssh-ed25519\000\000\000\040"; cat raw; } | base64 -w0 >b64 &&
	echo "ssh-ed25519 $(cat b64)" >expect &&
	test_cmp expect work.pub
'

test_expect_success 'generate --type ecdsa and --type rsa: ssh-keygen reads the stored keys' '
	$prog key generate --type ecdsa ec >out &&
	secret ec >ec.key && chmod 600 ec.key &&
	ssh-keygen -y -f ec.key >expect &&
	sed -n 1p out >actual &&
	test_cmp expect actual &&
	set -- $(sed -n 2p out) && test "$1" = 256 && test "$4" = "(ECDSA)" &&
	$prog key generate --type rsa --bits 2048 rsa >out &&
	secret rsa >rsa.key && chmod 600 rsa.key &&
	ssh-keygen -y -f rsa.key >expect &&
	sed -n 1p out >actual &&
	test_cmp expect actual &&
	ssh-keygen -lf rsa.key | cut -d" " -f1,2 >expect &&
	sed -n 2p out | cut -d" " -f1,2 >actual &&
	test_cmp expect actual
'

test_expect_success 'generate --type ecdsa --bits 384' '
	$prog key generate --type ecdsa --bits 384 ec384 >out &&
	test_grep "^ecdsa-sha2-nistp384 " out &&
	test_grep "^384 SHA256:.* ec384 (ECDSA)$" out
'

test_expect_success 'generate refuses a weak RSA key and sizes that do not exist' '
	n=$(count) &&
	test_must_fail_code 2 $prog key generate --type rsa --bits 1024 weak 2>err &&
	echo "$prog: cannot generate key '\''weak'\'': RSA keys need at least 2048 bits; use --bits 4096 (or leave --bits out)" >expect &&
	test_cmp expect err &&
	test_must_fail_code 2 $prog key generate --type ecdsa --bits 300 weak 2>err &&
	echo "$prog: cannot generate key '\''weak'\'': ECDSA keys cannot have 300 bits; use 256, 384 or 521" >expect &&
	test_cmp expect err &&
	test_must_fail_code 2 $prog key generate --type rsa --bits 20000 weak 2>err &&
	test_grep "use 2048 to 16384 (default 4096)" err &&
	test_must_fail_code 2 $prog key generate --bits 384 weak 2>err &&
	test_grep "Ed25519 keys cannot have 384 bits" err &&
	test_must_fail_code 2 $prog key generate --type dsa weak 2>err &&
	test_grep "^$prog: --type must be ed25519, ecdsa or rsa; see" err &&
	test_must_fail_code 2 $prog key generate --bits 4k weak 2>err &&
	test_grep "^$prog: --bits wants a number; see" err &&
	test "$(count)" = "$n"
'

test_expect_success 'generate refuses a name that exists; --force replaces it' '
	n=$(count) &&
	test_must_fail_code 1 $prog key generate work 2>err &&
	echo "$prog: cannot generate key '\''work'\'': a key with this name already exists; choose another name, or replace it with --force" >expect &&
	test_cmp expect err &&
	$prog key public work >actual &&
	test_cmp work.pub actual &&
	$prog key generate --force work >out &&
	test "$(count)" = "$n" &&
	$prog key public work >actual &&
	! test_cmp work.pub actual 2>/dev/null &&
	sed -n 1p out >work.pub
'

test_expect_success 'generate with --scope and --read-only' '
	$prog key generate --scope git@bitbucket.org:acme/widget.git --read-only deploy >/dev/null &&
	test "$(attr deploy scope)" = acme/widget &&
	test "$(attr deploy read_only)" = true &&
	test "$(attr deploy protocol)" = ssh
'

# ---- public ----

test_expect_success 'public of a key that does not exist' '
	test_must_fail_code 1 $prog key public nope >out 2>err &&
	echo "$prog: no key named '\''nope'\''; see '\''$prog key list'\'' for the stored keys" >expect &&
	test_cmp expect err &&
	test_must_be_empty out
'

test_expect_success 'public of a stored item that is no longer a usable key' '
	echo "not a key" | secret-tool store --label=broken xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key protocol ssh host bitbucket.org port 0 scope "" name broken \
		read_only false created $(date +%s) &&
	test_must_fail_code 1 $prog key public broken 2>err &&
	echo "$prog: the key '\''broken'\'' in the keyring is not usable (missing the -----BEGIN ... PRIVATE KEY----- line); import it again with '\''$prog key import --force broken FILE'\''" >expect &&
	test_cmp expect err
'

# ---- list ----

test_expect_success 'setup: an old key, stored five hundred days ago' '
	ssh-keygen -q -t ecdsa -m PEM -N "" -f old.pem &&
	openssl pkcs8 -topk8 -nocrypt -in old.pem -out old.p8 &&
	created=$(( $(date +%s) - 500 * 86400 )) &&
	secret-tool store --label=old xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key protocol ssh host bitbucket.org port 0 scope acme name old \
		read_only false created $created last_used $((created + 86400)) <old.p8 &&
	echo $created >old.created
'

test_expect_success 'list shows each key as ssh-keygen -l does, where it applies, access, age, last use' '
	$prog key list >out &&
	head -n 1 out >head &&
	test_grep "^NAME  *KEY  *WHERE  *ACCESS  *CREATED  *LAST USED  *NOTES$" head &&
	test "$(wc -l <out)" = 8 &&
	today=$(date -u +%Y-%m-%d) &&
	fp=$(re "$(ssh-keygen -lf work.pub | cut -d" " -f2)") &&
	test_grep -E "^work +256 $fp work \(ED25519\) +bitbucket.org +read-write +$today \(0d\) +never$" out &&
	test_grep -E "^deploy +256 SHA256:[^ ]+ deploy \(ED25519\) +bitbucket.org/acme/widget +read-only +$today \(0d\) +never$" out &&
	test_grep -E "^rsa +2048 SHA256:[^ ]+ rsa \(RSA\) +bitbucket.org " out &&
	test_grep -E "^broken +unusable: missing the -----BEGIN \.\.\. PRIVATE KEY----- line +bitbucket.org " out
'

test_expect_success 'list flags a key older than 180 days for rotation' '
	$prog key list >out &&
	fp=$(re "$(ssh-keygen -lf old.pem | cut -d" " -f2)") &&
	created=$(date -u -d @$(cat old.created) +%Y-%m-%d) &&
	used=$(date -u -d @$(( $(cat old.created) + 86400 )) +%Y-%m-%d) &&
	test_grep -E "^old +256 $fp old \(ECDSA\) +bitbucket.org/acme +read-write +$created \(500d\) +$used +older than 180 days: rotate it$" out &&
	test "$(grep -c "rotate it" out)" = 1
'

test_expect_success 'bitbucket.keyMaxAge changes the age limit' '
	git config --global bitbucket.keyMaxAge 1000 &&
	$prog key list >out &&
	test_grep ! "rotate it" out &&
	git config --global bitbucket.keyMaxAge 30 &&
	$prog key list >out &&
	test_grep "older than 30 days: rotate it" out &&
	git config --global --unset bitbucket.keyMaxAge
'

test_expect_success 'list --json' '
	$prog key list --json >out &&
	python3 -c "
import json, sys
keys = {k[\"name\"]: k for k in json.load(open(\"out\"))}
old = keys[\"old\"]
assert old[\"type\"] == \"ECDSA\" and old[\"bits\"] == 256, old
assert old[\"fingerprint\"] == sys.argv[1], old
assert old[\"host\"] == \"bitbucket.org\" and old[\"scope\"] == \"acme\" and old[\"port\"] is None
assert old[\"read_only\"] is False and old[\"old\"] is True and old[\"age_days\"] == 500, old
assert old[\"created\"].endswith(\"Z\") and old[\"last_used\"].endswith(\"Z\")
assert keys[\"deploy\"][\"read_only\"] is True and keys[\"deploy\"][\"old\"] is False
assert keys[\"work\"][\"last_used\"] is None and keys[\"work\"][\"age_days\"] == 0
assert keys[\"broken\"][\"fingerprint\"] is None and \"error\" in keys[\"broken\"]
assert list(keys) == sorted(keys)
" "$(ssh-keygen -lf old.pem | cut -d" " -f2)"
'

test_expect_success 'list never shows key material' '
	sed -n 2p old.p8 | cut -c1-24 >needle &&
	$prog key list >out 2>&1 &&
	$prog key list --json >>out 2>&1 &&
	test_grep ! -F -f needle out
'

# ---- remove, rename, scope, set-read-only ----

test_expect_success 'remove deletes one key and says which, with its fingerprint' '
	n=$(count) &&
	fp=$(ssh-keygen -lf old.pem | cut -d" " -f2) &&
	$prog key remove old >out &&
	echo "removed key '\''old'\'' ($fp); also delete it from Bitbucket if nothing else uses it" >expect &&
	test_cmp expect out &&
	test "$(count)" = $((n - 1)) &&
	test_must_fail_code 1 $prog key public old 2>/dev/null
'

test_expect_success 'remove of a key that does not exist' '
	n=$(count) &&
	test_must_fail_code 1 $prog key remove old 2>err &&
	echo "$prog: no key named '\''old'\''; see '\''$prog key list'\'' for the stored keys" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$n"
'

test_expect_success 'remove of an unusable key still removes it' '
	$prog key remove broken >out &&
	echo "removed key '\''broken'\''" >expect &&
	test_cmp expect out
'

test_expect_success 'rename keeps the key and its scope, and relabels it' '
	$prog key rename deploy deploy2 >out &&
	echo "renamed key '\''deploy'\'' to '\''deploy2'\''" >expect &&
	test_cmp expect out &&
	test_must_fail $prog key public deploy 2>/dev/null &&
	test "$(attr deploy2 scope)" = acme/widget &&
	test "$(attr deploy2 read_only)" = true &&
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" name deploy2 >search 2>&1 &&
	test_grep -x "label = Bitbucket SSH key '\''deploy2'\'' for bitbucket.org/acme/widget" search
'

test_expect_success 'rename onto a name that exists is refused' '
	test_must_fail_code 1 $prog key rename work ec 2>err &&
	echo "$prog: cannot rename key '\''work'\'': a key named '\''ec'\'' already exists; remove it first, or choose another name" >expect &&
	test_cmp expect err &&
	$prog key public work >actual &&
	test_cmp work.pub actual &&
	test_must_fail_code 2 $prog key rename work work 2>err &&
	test_must_fail_code 1 $prog key rename nope other 2>err
'

test_expect_success 'scope moves a key to an account, and to a Data Center project' '
	$prog key scope work git@bitbucket.org:acme/ >out &&
	echo "key '\''work'\'' now applies to bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	test "$(attr work scope)" = acme &&
	git config --global --add bitbucket.dataCenterHost git.example.com &&
	$prog key scope work ssh://git@git.example.com:7999/PROJ/repo.git >out &&
	echo "key '\''work'\'' now applies to git.example.com:7999/proj/repo" >expect &&
	test_cmp expect out &&
	test "$(attr work host)" = git.example.com &&
	test "$(attr work port)" = 7999 &&
	$prog key public work >actual &&
	test_cmp work.pub actual
'

test_expect_success 'scope refuses a host that is not Bitbucket, and keeps the old scope' '
	test_must_fail_code 1 $prog key scope work git@github.com:acme/ 2>err &&
	test_grep "'\''github.com'\'' is not bitbucket.org or a declared Data Center host" err &&
	test "$(attr work host)" = git.example.com
'

test_expect_success 'set-read-only true and false' '
	$prog key set-read-only work true >out &&
	echo "key '\''work'\'' is now read-only" >expect &&
	test_cmp expect out &&
	test "$(attr work read_only)" = true &&
	$prog key set-read-only work no >out &&
	echo "key '\''work'\'' is now read-write" >expect &&
	test_cmp expect out &&
	test "$(attr work read_only)" = false &&
	test_must_fail_code 2 $prog key set-read-only work maybe 2>err &&
	test_grep "^$prog: say true or false; see" err
'

# ---- the command line ----

test_expect_success 'key without a verb, and an unknown verb, print the usage and exit 2' '
	test_must_fail_code 2 $prog key 2>err &&
	test_grep "^$prog: no key verb given$" err &&
	test_grep "^usage: $prog key <verb>" err &&
	test_must_fail_code 2 $prog key frobnicate 2>err &&
	test_grep "^$prog: unknown key verb '\''frobnicate'\''$" err
'

test_expect_success 'key --help lists every verb with its options' '
	$prog key --help >out &&
	cat >expect <<-EOF &&
	usage: $prog key <verb> [<args>]

	usage: $prog key import [--scope URL] [--read-only] [--force] [--convert] [--passphrase-stdin] NAME [FILE|-]
	usage: $prog key generate [--type TYPE] [--bits N] [--scope URL] [--read-only] [--force] NAME
	usage: $prog key public NAME
	usage: $prog key list [--json]
	usage: $prog key remove NAME
	usage: $prog key rename OLD NEW
	usage: $prog key scope NAME URL
	usage: $prog key set-read-only NAME true|false

	Run '\''$prog key <verb> --help'\'' for a verb'\''s options.
	EOF
	test_cmp expect out
'

for verb in import generate public list remove rename scope set-read-only; do
	test_expect_success "key $verb --help prints its usage and exits 0" '
		$prog key '"$verb"' --help >out &&
		test_grep "^usage: $prog key '"$verb"'" out &&
		test_grep -- "--help  *show this help" out
	'
done

test_expect_success 'missing operands are usage errors' '
	for verb in public remove rename scope set-read-only generate import; do
		test_must_fail_code 2 $prog key $verb 2>err &&
		test_grep "^$prog: missing " err &&
		test_grep "^usage: $prog key $verb" err || return 1
	done &&
	test_must_fail_code 2 $prog key rename onlyone 2>err &&
	test_must_fail_code 2 $prog key list extra 2>err &&
	test_grep "^$prog: too many arguments" err
'

test_expect_secret_service 'without a keyring: one line, exit 3, for every verb that needs it' '
	(
		unset DBUS_SESSION_BUS_ADDRESS &&
		for args in "list" "public work" "remove work" "generate x" "rename work x" "set-read-only work true"; do
			test_must_fail_code 3 $prog key $args 2>err &&
			test "$(wc -l <err)" = 1 &&
			test_grep "^$prog: cannot reach the keyring" err || exit 1
		done
	)
'

# every_key_verb_fails_with FILE: each key verb that needs the store exits
# 3, prints nothing on stdout, and exactly FILE's line on stderr
every_key_verb_fails_with () {
	local args
	for args in "list" "public work" "remove work" "generate x" "rename work x" "set-read-only work true"; do
		test_must_fail_code 3 $prog key $args >out 2>err &&
		test_must_be_empty out &&
		test_cmp "$1" err || return 1
	done
}

test_expect_file_store 'a locked file store, then none: one line, exit 3, for every verb that needs it; nothing changed' '
	$prog key list >before &&
	lock_keyring &&
	keyring_file_locked_line >locked &&
	every_key_verb_fails_with locked &&
	unlock_keyring &&
	mv "$KEYRING_FILE_STORE" "$TRASH/store.away" &&
	keyring_file_absent_line >absent &&
	every_key_verb_fails_with absent &&
	test ! -e "$KEYRING_FILE_STORE" &&
	mv "$TRASH/store.away" "$KEYRING_FILE_STORE" &&
	$prog key list >after &&
	test_cmp before after
'

test_done
