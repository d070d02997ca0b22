#!/bin/bash

test_description='real git clone and push over HTTP through the helper and the keyring'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

count () {
	keyring_count org.bitbucket.credential
}

prompts () {
	if [ -f "$TRASH/askpass-log" ]; then wc -l <"$TRASH/askpass-log"; else echo 0; fi
}

test_expect_success 'setup: keyring, HTTP server, a declared Data Center host' '
	start_keyring &&
	start_httpd &&
	httpd_add_user alice first-personal-token &&
	httpd_create_repo scm/proj/repo.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global "credential.http://127.0.0.1:$HTTPD_PORT.helper" bitbucket &&
	git config --global "credential.http://127.0.0.1:$HTTPD_PORT.useHttpPath" true &&
	url="$HTTPD_URL/scm/proj/repo.git"
'

test_expect_success 'the first clone asks once and the helper stores the token' '
	echo alice >"$TRASH/askpass-user" &&
	echo first-personal-token >"$TRASH/askpass-answer" &&
	git clone -q "$url" clone 2>err &&
	test "$(prompts)" = 2 &&
	test "$(count)" = 1 &&
	secret-tool search --all xdg:schema org.bitbucket.credential >items 2>&1 &&
	test_grep "attribute.kind = personal-token" items &&
	test_grep "attribute.scope = proj/repo" items &&
	test_grep "attribute.host = 127.0.0.1" items &&
	test_grep "attribute.port = $HTTPD_PORT" items
'

test_expect_success 'the next push takes the token from the keyring without asking' '
	rm -f "$TRASH/askpass-answer" "$TRASH/askpass-user" &&
	before=$(prompts) &&
	(cd clone && echo change >file && git add file && git commit -qm change &&
	 git push -q origin HEAD:main) &&
	test "$(prompts)" = "$before" &&
	git --git-dir="$HTTPD_ROOT/repos/scm/proj/repo.git" log --format=%s -1 main >log &&
	echo change >expect &&
	test_cmp expect log
'

test_expect_success 'a token the server rejects makes git erase it from the keyring' '
	httpd_add_user alice second-personal-token &&
	(cd clone && echo again >file && git commit -qam again &&
	 test_must_fail git push -q origin HEAD:main 2>../err) &&
	test_grep "Authentication failed" err &&
	test "$(count)" = 0
'

test_expect_success 'the new token is asked for once and stored again' '
	echo alice >"$TRASH/askpass-user" &&
	echo second-personal-token >"$TRASH/askpass-answer" &&
	(cd clone && git push -q origin HEAD:main) &&
	test "$(count)" = 1 &&
	rm -f "$TRASH/askpass-answer" "$TRASH/askpass-user" &&
	before=$(prompts) &&
	git ls-remote "$url" >refs &&
	test "$(prompts)" = "$before" &&
	test_grep "refs/heads/main" refs
'

test_expect_success 'a token stored by login serves every repository of the project' '
	httpd_create_repo scm/proj/other.git &&
	printf "protocol=http\nhost=127.0.0.1:%s\npath=scm/proj\nusername=alice\npassword=second-personal-token\n\n" "$HTTPD_PORT" |
		git-credential-bitbucket store &&
	before=$(prompts) &&
	git clone -q "$HTTPD_URL/scm/proj/other.git" other &&
	test "$(prompts)" = "$before"
'

test_expect_success 'a host that is not declared is left to other helpers' '
	git config --global --unset-all bitbucket.dataCenterHost &&
	echo alice >"$TRASH/askpass-user" &&
	echo second-personal-token >"$TRASH/askpass-answer" &&
	before=$(prompts) &&
	git ls-remote "$url" >refs &&
	test "$(prompts)" = $((before + 2))
'

test_done
