#!/bin/bash

test_description='capability[] through real git (2.46 and later): what git offers, what the helper answers'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

if ! git_at_least 2 46; then
	test_skip_all "$(git version): git sends capability[] from 2.46; t1010 covers the protocol"
fi

count () {
	keyring_count org.bitbucket.credential
}

test_expect_success 'setup: a private keyring, the helper behind a recorder, one token' '
	start_keyring &&
	git config --global credential.https://bitbucket.org.helper \
		"!f() { echo \"== \$1\" >>\"$TRASH/to-helper\"; tee -a \"$TRASH/to-helper\" | git-credential-bitbucket \"\$@\" | tee -a \"$TRASH/from-helper\"; }; f" &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATalice\n\n" | git credential approve &&
	test "$(count)" = 1
'

test_expect_success 'git offers authtype and state; the helper answers username and password and claims neither' '
	: >"$TRASH/to-helper" && : >"$TRASH/from-helper" &&
	printf "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=bitbucket.org\nusername=alice\n\n" |
		git credential fill >out 2>err &&
	test_grep "^capability\[\]=authtype$" "$TRASH/to-helper" &&
	test_grep "^capability\[\]=state$" "$TRASH/to-helper" &&
	printf "username=alice\npassword=ATATalice\n" >expect &&
	test_cmp expect "$TRASH/from-helper" &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATalice\n" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'a pre-encoded credential (authtype, credential) that git approves is not stored' '
	: >"$TRASH/to-helper" &&
	printf "capability[]=authtype\nprotocol=https\nhost=bitbucket.org\nusername=bob\nauthtype=Bearer\ncredential=ATATbearer\n\n" |
		git credential approve 2>err &&
	test_grep "^credential=ATATbearer$" "$TRASH/to-helper" &&
	test_must_be_empty err &&
	test "$(count)" = 1
'

test_expect_success 'an ephemeral credential that git approves is not stored' '
	: >"$TRASH/to-helper" &&
	printf "capability[]=authtype\nprotocol=https\nhost=bitbucket.org\nusername=carol\npassword=ATATcarol\nephemeral=1\n\n" |
		git credential approve 2>err &&
	test_grep "^ephemeral=1$" "$TRASH/to-helper" &&
	test_must_be_empty err &&
	test "$(count)" = 1
'

test_done
