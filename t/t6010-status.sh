#!/bin/bash

test_description='status: the keystore, every token and key with where, who, expiry, last use and whether git uses it; --json'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket

# the keystore line and JSON: the Secret Service, or under GCB_KEYSTORE=file the file store
if [ "$KEYRING_MODE" = file ]; then
	STORE="encrypted file store ($HOME/.local/share/git-credential-bitbucket/keystore.enc)"
	STORE_JSON="{\"name\": \"$STORE\", \"type\": \"file\", \"provider\": None}"
	STORE_TYPE=file
else
	STORE="Secret Service (GNOME Keyring)"
	STORE_JSON="{\"name\": \"$STORE\", \"type\": \"secret-service\", \"provider\": \"GNOME Keyring\"}"
	STORE_TYPE=secret-service
fi

test_expect_success 'setup: a private keyring' '
	start_keyring
'

test_expect_success 'nothing stored: the keystore and what to do' '
	"$prog" status >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	keystore: $STORE
	nothing stored; store a token with '\''git credential-bitbucket login --username NAME URL'\'', or create an SSH key with '\''git credential-bitbucket key generate --scope URL NAME'\''
	EOF
	test_cmp expect out &&
	"$prog" status --json >json &&
	python3 -c "
import json
d = json.load(open(\"json\"))
assert d == {\"keystore\": $STORE_JSON, \"items\": []}, d
"
'

test_expect_success 'a token and a key, not wired: each line says the setup command' '
	printf "ATATT3xFfGF0statustoken\n" |
		"$prog" login --username alice --expires 2031-01-31 --stdin https://bitbucket.org/acme/ >/dev/null &&
	"$prog" key generate --scope git@bitbucket.org:acme/ laptop >/dev/null &&
	"$prog" status >out 2>err &&
	test_must_be_empty err &&
	today=$(date -u +%Y-%m-%d) &&
	cat >expect <<-EOF &&
	keystore: $STORE

	bitbucket.org/acme
	  API token for alice
	  stored $today, last used never, expires 2031-01-31
	  ✘ git does not ask this helper for https://bitbucket.org (credential.helper is not set); run '\''git credential-bitbucket setup --https https://bitbucket.org/acme/'\''

	ssh bitbucket.org/acme
	  SSH key '\''laptop'\''
	  stored $today, last used never, expires never
	  ✘ core.sshCommand is not set; run '\''git credential-bitbucket setup --ssh ssh://git@bitbucket.org/acme/'\''
	EOF
	test_cmp expect out
'

test_expect_success 'after setup both are wired; --json for scripts' '
	(mkdir -p "$TRASH/outside" && cd "$TRASH/outside" &&
	 git config --global --replace-all credential.https://bitbucket.org.helper "" &&
	 git config --global --add credential.https://bitbucket.org.helper bitbucket &&
	 git config --global credential.https://bitbucket.org.useHttpPath true &&
	 git config --global core.sshCommand git-bitbucket-ssh) &&
	"$prog" status >out &&
	test_grep -x "  ✔ git uses it: credential.helper bitbucket, useHttpPath true" out &&
	test_grep -x "  ✔ git uses it: core.sshCommand git-bitbucket-ssh" out &&
	"$prog" status --json >json &&
	python3 -c "
import json
d = json.load(open(\"json\"))
assert d[\"keystore\"][\"type\"] == \"$STORE_TYPE\", d
items = d[\"items\"]
assert [i[\"kind\"] for i in items] == [\"api-token\", \"ssh-key\"], items
tok, key = items
assert tok[\"host\"] == \"bitbucket.org\" and tok[\"scope\"] == \"acme\" and tok[\"username\"] == \"alice\"
assert tok[\"expires\"] == \"2031-01-31T00:00:00Z\" and tok[\"last_used\"] is None
assert tok[\"url\"] == \"https://bitbucket.org/acme/\" and tok[\"git_configured\"] is True
assert key[\"name\"] == \"laptop\" and key[\"username\"] is None and key[\"git_configured\"] is True
assert key[\"git\"] == \"core.sshCommand git-bitbucket-ssh\"
assert \"ATATT3xFfGF0statustoken\" not in open(\"json\").read()
"
'

test_expect_secret_service 'a locked keyring: the keyring line, exit 3' '
	lock_keyring &&
	test_must_fail_code 3 "$prog" status >out 2>err &&
	test_must_be_empty out &&
	test_grep "^$prog: the keyring is locked" err &&
	unlock_keyring
'

test_expect_success 'status takes no arguments' '
	test_must_fail_code 2 "$prog" status https://bitbucket.org/ 2>err &&
	test_grep -x "$prog: too many arguments; see '\''$prog status --help'\''" err
'

test_done
