#!/bin/bash

test_description='real git (2.46 and later) against a server that answers with the Data Center realm but is not declared'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

if ! git_at_least 2 46; then
	test_skip_all "$(git version): git sends the server's realm (wwwauth[]) from 2.41 and hands a helper's state[] back to store from 2.46; t1010 covers the protocol"
fi

HTTPD_REALM="Atlassian Bitbucket"

count () {
	keyring_count org.bitbucket.credential
}

prompts () {
	if [ -f "$TRASH/askpass-log" ]; then wc -l <"$TRASH/askpass-log"; else echo 0; fi
}

hints () {
	grep -c "^git-credential-bitbucket: warning: 127.0.0.1 says it is Bitbucket Data Center (realm \"Atlassian Bitbucket\") but is not declared as one; declare it with 'git config --global --add bitbucket.dataCenterHost 127.0.0.1'$" "$1"
}

test_expect_success 'setup: keyring, a server with the Data Center realm, the helper for it, no declared host' '
	start_keyring &&
	start_httpd &&
	httpd_add_user alice first-personal-token &&
	httpd_create_repo scm/proj/repo.git &&
	# what git sends the helper and what it answers, one request after another
	git config --global "credential.http://127.0.0.1:$HTTPD_PORT.helper" \
		"!f() { echo \"== \$1\" >>\"$TRASH/to-helper\"; tee -a \"$TRASH/to-helper\" | git-credential-bitbucket \"\$@\" | tee -a \"$TRASH/from-helper\"; }; f" &&
	git config --global "credential.http://127.0.0.1:$HTTPD_PORT.useHttpPath" true &&
	test_must_fail git config --get-all bitbucket.dataCenterHost &&
	url="$HTTPD_URL/scm/proj/repo.git"
'

test_expect_success 'the first clone asks once, stores the token and says once how to declare the host' '
	echo alice >"$TRASH/askpass-user" &&
	echo first-personal-token >"$TRASH/askpass-answer" &&
	git clone -q "$url" clone 2>err &&
	test "$(prompts)" = 2 &&
	test "$(count)" = 1 &&
	test "$(hints err)" = 1 &&
	test_grep "^wwwauth\[\]=Basic realm=\"Atlassian Bitbucket\"" "$TRASH/to-helper" &&
	test_grep "^capability\[\]=state$" "$TRASH/from-helper" &&
	test_grep ! "authtype" "$TRASH/from-helper" &&
	sed -n "/^== store/,\$p" "$TRASH/to-helper" >store-req &&
	test_grep "^state\[\]=git-credential-bitbucket:datacenter=127.0.0.1:$HTTPD_PORT$" store-req &&
	test_grep ! "^wwwauth" store-req &&
	secret-tool search --all xdg:schema org.bitbucket.credential >items 2>&1 &&
	test_grep "attribute.kind = personal-token" items &&
	test_grep "attribute.scope = proj/repo" items
'

test_expect_success 'the next push takes the token from the keyring without asking, and says it once again' '
	rm -f "$TRASH/askpass-answer" "$TRASH/askpass-user" &&
	before=$(prompts) &&
	(cd clone && echo change >file && git add file && git commit -qm change &&
	 git push -q origin HEAD:main 2>../err) &&
	test "$(prompts)" = "$before" &&
	test "$(hints err)" = 1 &&
	test "$(git --git-dir="$HTTPD_ROOT/repos/scm/proj/repo.git" log --format=%s -1 main)" = change
'

test_expect_success 'a token the server rejects is erased' '
	httpd_add_user alice second-personal-token &&
	(cd clone && echo again >file && git commit -qam again &&
	 test_must_fail git push -q origin HEAD:main 2>../err) &&
	test_grep "Authentication failed" err &&
	test "$(count)" = 0
'

test_expect_success 'once the host is declared: no line about it, no capability[] or state[] from the helper' '
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	echo alice >"$TRASH/askpass-user" &&
	echo second-personal-token >"$TRASH/askpass-answer" &&
	: >"$TRASH/from-helper" &&
	git ls-remote "$url" >refs 2>err &&
	test_grep "refs/heads/main" refs &&
	test "$(count)" = 1 &&
	test "$(hints err)" = 0 &&
	test_grep ! "^capability" "$TRASH/from-helper" &&
	test_grep ! "^state" "$TRASH/from-helper"
'

test_done
