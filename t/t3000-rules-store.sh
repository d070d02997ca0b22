#!/bin/bash

test_description='Bitbucket rules on storing a token: each accept, warning and refusal through git credential approve and through login --stdin'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
DC=git.example.com

HOW_API='create an API token with scopes read:repository:bitbucket and write:repository:bitbucket (Atlassian account > Security > API tokens > Create API token with scopes)'
HOW_PERSONAL='create a personal HTTP access token (Manage account > HTTP access tokens) and use it with your username'
MSG_ACCESS="repository, project and workspace access tokens (ATCT, username x-token-auth) are not account-level and git over https cannot use them; $HOW_API"
MSG_APP="app passwords (ATBB) were removed from bitbucket.org on 2026-07-28; $HOW_API"
MSG_PASSWORD="this is not a Bitbucket token, and bitbucket.org refuses account passwords for git (accounts with two-step verification or Google login must use tokens); $HOW_API"
MSG_EMAIL='an e-mail address is not a git username on bitbucket.org (the e-mail is for the REST API); use your Bitbucket username from Account settings, or x-bitbucket-api-token-auth with an API token'
MSG_NO_USER='no username for bitbucket.org; use your Bitbucket username from Account settings, or x-bitbucket-api-token-auth with an API token'
MSG_SPACE='the token contains a space; paste it again without spaces'
MSG_CONTROL='the token contains a line break or control character; paste it again as one line'
MSG_USER_CONTROL='the username contains a line break or control character; type it again'
MSG_EMPTY='the token is empty; paste the whole token'
MSG_BEARER="a Data Center token without a username, or with x-token-auth, is a project or repository token, which works only as a Bearer token and not with git; $HOW_PERSONAL"
MSG_DC_API_USER='the username x-bitbucket-api-token-auth is for API tokens on bitbucket.org only; use your Data Center username with a personal HTTP access token'
WARN_DC_EMAIL="the username is an e-mail address; if git then says 'not authorized', use your Bitbucket username instead (Manage account > Account settings)"
WARN_DC_CLOUD="this looks like a bitbucket.org token (ATAT), which Data Center does not accept; if git then says 'not authorized', $HOW_PERSONAL"

count () {
	keyring_count
}

# git_approve URL USER SECRET: what git does after a successful push.
git_approve () {
	{ local -; set +x; } 2>/dev/null
	printf 'url=%s\nusername=%s\npassword=%s\n\n' "$1" "$2" "$3" |
		git -c credential.helper= -c credential.helper=bitbucket credential approve
}

# login_stdin URL USER SECRET [options]: login with the token on stdin.
login_stdin () {
	{ local -; set +x; } 2>/dev/null
	local url=$1 user=$2 secret=$3
	shift 3
	printf '%s\n' "$secret" | "$prog" login --stdin --username "$user" "$@" "$url"
}

# refused_by_both URL USER SECRET MESSAGE: git credential approve prints
# exactly the refusal line and stores nothing; login --stdin prints the
# same line, nothing on stdout, exits 1 and stores nothing.
refused_by_both () {
	local url=$1 user=$2 secret=$3 msg=$4 before
	before=$(count) &&
	printf '%s: %s\n' "$prog" "$msg" >expect &&
	git_approve "$url" "$user" "$secret" >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test "$(count)" = "$before" &&
	test_must_fail_code 1 login_stdin "$url" "$user" "$secret" >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test "$(count)" = "$before"
}

# refused_by_login URL USER SECRET MESSAGE: the same, for what git never
# sends to a helper (an empty username or password).
refused_by_login () {
	local url=$1 user=$2 secret=$3 msg=$4 before
	before=$(count) &&
	printf '%s: %s\n' "$prog" "$msg" >expect &&
	test_must_fail_code 1 login_stdin "$url" "$user" "$secret" >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test "$(count)" = "$before"
}

# stored_kind USER KIND: the keyring holds an item of KIND for USER.
stored_kind () {
	secret-tool search --all xdg:schema org.bitbucket.credential username "$1" >items 2>&1 &&
	test_grep -x "attribute.kind = $2" items
}

test_expect_success 'setup: a private keyring and a declared Data Center host' '
	start_keyring &&
	git config --global --add bitbucket.dataCenterHost $DC &&
	test "$(count)" = 0
'

# --- Bitbucket Cloud -------------------------------------------------------

test_expect_success 'cloud: an API token with the Bitbucket username is stored through git' '
	git_approve https://bitbucket.org/acme/widget.git alice ATATT3xFfGF0git-alice >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = 1 &&
	stored_kind alice api-token
'

test_expect_success 'cloud: an API token with the Bitbucket username is stored by login' '
	login_stdin https://bitbucket.org/acme/ alice ATATT3xFfGF0login-alice >out 2>err &&
	test_must_be_empty err &&
	head -n 1 out >first &&
	echo "stored API token for alice on bitbucket.org/acme" >expect &&
	test_cmp expect first &&
	test "$(count)" = 2
'

test_expect_success 'cloud: an API token with x-bitbucket-api-token-auth is accepted by both' '
	git_approve https://bitbucket.org/ x-bitbucket-api-token-auth ATATT3xFfGF0static-one 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 3 &&
	login_stdin https://bitbucket.org/acme/ x-bitbucket-api-token-auth ATATT3xFfGF0static-two >out 2>err &&
	test_must_be_empty err &&
	test_grep -x "stored API token for x-bitbucket-api-token-auth on bitbucket.org/acme" out &&
	test "$(count)" = 4 &&
	stored_kind x-bitbucket-api-token-auth api-token
'

test_expect_success 'cloud: an access token (ATCT) is refused' '
	refused_by_both https://bitbucket.org/acme/ alice ATCTT3xFfGN0repo-token "$MSG_ACCESS"
'

test_expect_success 'cloud: the username x-token-auth is refused, even with an API token' '
	refused_by_both https://bitbucket.org/acme/ x-token-auth ATATT3xFfGF0for-x-token "$MSG_ACCESS"
'

test_expect_success 'cloud: an app password (ATBB) is refused after 2026-07-28' '
	refused_by_both https://bitbucket.org/acme/ alice ATBBapppassword1234 "$MSG_APP"
'

test_expect_success 'cloud: an account password is refused' '
	refused_by_both https://bitbucket.org/acme/ alice "correct-horse-battery" "$MSG_PASSWORD"
'

test_expect_success 'cloud: an e-mail address as the username is refused' '
	refused_by_both https://bitbucket.org/acme/ alice@example.com ATATT3xFfGF0for-email "$MSG_EMAIL"
'

test_expect_success 'cloud: an empty username is refused (login)' '
	refused_by_login https://bitbucket.org/acme/ "" ATATT3xFfGF0no-user "$MSG_NO_USER"
'

test_expect_success 'cloud: a token with a space inside is refused' '
	refused_by_both https://bitbucket.org/acme/ alice "ATATT3xFfGF0 with-space" "$MSG_SPACE"
'

test_expect_success 'a token with a control character is refused' '
	refused_by_both https://bitbucket.org/acme/ alice "$(printf "ATATT3xFfGF0\ttab")" "$MSG_CONTROL" &&
	refused_by_both https://$DC/scm/proj/ alice "$(printf "abc\tdef")" "$MSG_CONTROL"
'

test_expect_success 'a username with a control character is refused' '
	refused_by_both https://bitbucket.org/acme/ "$(printf "ali\tce")" ATATT3xFfGF0ctl-user "$MSG_USER_CONTROL"
'

test_expect_success 'an empty token is refused (login)' '
	refused_by_login https://bitbucket.org/acme/ alice "" "$MSG_EMPTY" &&
	before=$(count) &&
	test_must_fail_code 1 "$prog" login --stdin --username alice https://bitbucket.org/acme/ </dev/null >out 2>err &&
	printf "%s: %s\n" "$prog" "$MSG_EMPTY" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$before"
'

# --- Bitbucket Data Center -------------------------------------------------

test_expect_success 'dc: a personal token with the username is stored through git and login' '
	before=$(count) &&
	git_approve https://$DC/scm/proj/widget.git dave NzQ1MjM0dave-git 2>err &&
	test_must_be_empty err &&
	test "$(count)" = $((before + 1)) &&
	stored_kind dave personal-token &&
	login_stdin https://$DC/scm/proj/ erin NzQ1MjM0erin-login >out 2>err &&
	test_must_be_empty err &&
	test_grep -x "stored personal token for erin on $DC/proj" out &&
	test "$(count)" = $((before + 2))
'

test_expect_success 'dc: a password with spaces is accepted as a personal token' '
	before=$(count) &&
	login_stdin https://$DC/ frank "correct horse battery" >out 2>err &&
	test_must_be_empty err &&
	test_grep -x "stored personal token for frank on $DC" out &&
	test "$(count)" = $((before + 1))
'

test_expect_success 'dc: the username x-token-auth is refused (Bearer-only token)' '
	refused_by_both https://$DC/scm/proj/ x-token-auth NzQ1MjM0bearer "$MSG_BEARER"
'

test_expect_success 'dc: an empty username is refused (Bearer-only token, login)' '
	refused_by_login https://$DC/scm/proj/ "" NzQ1MjM0bearer-two "$MSG_BEARER"
'

test_expect_success 'dc: the username x-bitbucket-api-token-auth is refused' '
	refused_by_both https://$DC/scm/proj/ x-bitbucket-api-token-auth NzQ1MjM0static "$MSG_DC_API_USER"
'

test_expect_success 'dc: an e-mail username is stored with a warning' '
	before=$(count) &&
	printf "%s: warning: %s\n" "$prog" "$WARN_DC_EMAIL" >expect &&
	git_approve https://$DC/scm/proj/ gina@example.com NzQ1MjM0gina-git >out 2>err &&
	test_cmp expect err &&
	test "$(count)" = $((before + 1)) &&
	login_stdin https://$DC/scm/other/ gina@example.com NzQ1MjM0gina-login >out 2>err &&
	test_cmp expect err &&
	test_grep -x "stored personal token for gina@example.com on $DC/other" out &&
	test "$(count)" = $((before + 2))
'

test_expect_success 'dc: a bitbucket.org token is stored with a warning' '
	before=$(count) &&
	printf "%s: warning: %s\n" "$prog" "$WARN_DC_CLOUD" >expect &&
	git_approve https://$DC/ hank ATATT3xFfGF0hank-dc >out 2>err &&
	test_cmp expect err &&
	test "$(count)" = $((before + 1)) &&
	stored_kind hank personal-token
'

# --- not ours ----------------------------------------------------------------

test_expect_success 'a host that is not Bitbucket: git approve is silent, login refuses' '
	before=$(count) &&
	git_approve https://github.com/acme/widget.git alice ghp_notours >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = "$before" &&
	test_must_fail_code 1 login_stdin https://github.com/acme/ alice ghp_notours >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: '\''github.com'\'' is not bitbucket.org or a declared Data Center host; if it is a Bitbucket Data Center server, declare it with '\''git config --global --add bitbucket.dataCenterHost github.com'\'' and try again" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$before"
'

test_expect_success 'an undeclared Data Center host is not ours; declared with a port, it is' '
	before=$(count) &&
	test_must_fail_code 1 login_stdin https://bb.corp.example:8443/scm/proj/ alice NzQ1token >out 2>err &&
	test_grep "declare it with '\''git config --global --add bitbucket.dataCenterHost bb.corp.example:8443'\''" err &&
	test "$(count)" = "$before" &&
	git config --global --add bitbucket.dataCenterHost bb.corp.example:8443 &&
	login_stdin https://bb.corp.example:8443/scm/proj/ alice NzQ1token >out 2>err &&
	test_grep -x "stored personal token for alice on bb.corp.example:8443/proj" out &&
	test "$(count)" = $((before + 1))
'

# --- expiry ----------------------------------------------------------------

test_expect_success 'login: an expiry date in the past is refused before reading the token' '
	before=$(count) &&
	test_must_fail_code 1 "$prog" login --stdin --username alice --expires 2026-01-31 https://bitbucket.org/acme/ </dev/null >out 2>err &&
	echo "$prog: the token expired on 2026-01-31; create a new one and store it with '\''git credential-bitbucket login URL'\''" >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	test "$(count)" = "$before"
'

test_expect_success 'login: an expiry within 7 days is stored with a warning naming the date' '
	before=$(count) &&
	soon=$(date -u -d "+3 days" +%Y-%m-%d) &&
	login_stdin https://bitbucket.org/soon/ alice ATATT3xFfGF0expiring --expires "$soon" >out 2>err &&
	test_grep "^$prog: warning: the token expires on $soon (in [0-9] days*); create a new one" err &&
	test $(wc -l <err) = 1 &&
	test_grep -x "stored API token for alice on bitbucket.org/soon (expires $soon)" out &&
	test "$(count)" = $((before + 1))
'

test_expect_success 'no secret of this script ever reached the keyring attributes or a label' '
	keyring_dump >dump &&
	grep -e "^attribute" -e "^label" dump >attrs &&
	test_grep ! -e ATATT3x -e ATCTT3x -e ATBBapp -e NzQ1 -e correct-horse -e "horse battery" attrs
'

test_done
