#!/bin/bash

test_description='password_expiry_utc end to end through git credential approve and fill (git 2.40 and later)'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

if ! git_at_least 2 40; then
	test_skip_all "$(git version): git passes password_expiry_utc between helpers from 2.40; t1000 covers the helper alone"
fi

count () {
	keyring_count org.bitbucket.credential
}

test_expect_success 'setup: a private keyring, the helper for bitbucket.org' '
	start_keyring &&
	git config --global credential.https://bitbucket.org.helper bitbucket
'

test_expect_success 'approve stores the expiry; fill returns the token with it' '
	later=$(( $(date +%s) + 30 * 86400 )) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATalice\npassword_expiry_utc=%s\n\n" "$later" |
		git credential approve 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 1 &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | git credential fill >out 2>err &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATalice\npassword_expiry_utc=%s\n" "$later" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'a token is never returned once it has expired' '
	lead=6 &&
	if [ -n "${GCB_VALGRIND:-}" ]; then lead=30; fi &&
	soon=$(( $(date +%s) + lead )) &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme\nusername=bob\npassword=ATATbob\npassword_expiry_utc=%s\n\n" "$soon" |
		git credential approve &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme\nusername=bob\n\n" >req &&
	git -c credential.useHttpPath=true credential fill <req >out 2>err &&
	test_grep "^git-credential-bitbucket: warning: the token expires on .* (in less than a day)" err &&
	test_grep "^password=ATATbob$" out &&
	test_grep "^password_expiry_utc=$soon$" out &&
	while [ "$(date +%s)" -le "$soon" ]; do sleep 0.5; done &&
	rm -f "$TRASH/askpass-log" &&
	test_must_fail git -c credential.useHttpPath=true credential fill <req >out 2>err &&
	test_must_be_empty out &&
	test_grep "^git-credential-bitbucket: the stored API token for bob expired on " err &&
	test_grep "^Password for '\''https://bob@bitbucket.org/acme'\'': $" "$TRASH/askpass-log"
'

test_expect_success 'git drops an already expired token before any helper sees it' '
	before=$(count) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=carol\npassword=ATATcarol\npassword_expiry_utc=1000\n\n" |
		git credential approve 2>err &&
	test_must_be_empty err &&
	test "$(count)" = "$before"
'

test_expect_success 'a token put in the keyring already expired is not returned through git either' '
	secret-tool store --label=old xdg:schema org.bitbucket.credential kind api-token protocol https host bitbucket.org port 0 scope old username dan name "" repos "" read_only false created 1 last_used 0 warned 0 <<-EOF &&
	password=ATATdan
	password_expiry_utc=1000
	EOF
	printf "protocol=https\nhost=bitbucket.org\npath=old\nusername=dan\n\n" |
		test_must_fail git -c credential.useHttpPath=true credential fill >out 2>err &&
	test_must_be_empty out &&
	test_grep "^git-credential-bitbucket: the stored API token for dan expired on 1970-01-01; " err
'

test_done
