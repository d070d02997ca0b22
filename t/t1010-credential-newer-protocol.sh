#!/bin/bash

test_description='what newer git sends, fed to the helper directly: wwwauth[], capability[], state[], ephemeral'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

helper=git-credential-bitbucket
dc=dc.example.com:8443
hint="git-credential-bitbucket: warning: dc.example.com says it is Bitbucket Data Center (realm \"Atlassian Bitbucket\") but is not declared as one; declare it with 'git config --global --add bitbucket.dataCenterHost dc.example.com'"

count () {
	keyring_count org.bitbucket.credential
}

# req KEY=VALUE...: one request, each argument a line, then the blank line
req () {
	printf '%s\n' "$@" ''
}

test_expect_success 'setup: a private keyring, no Data Center host declared' '
	start_keyring &&
	echo "$hint" >expect-hint &&
	test "$(count)" = 0
'

test_expect_success 'an undeclared host whose wwwauth[] names the Data Center realm is stored, with one line on how to declare it' '
	req protocol=https host=$dc path=scm/proj/repo.git username=alice password=dc-token-1 \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\", charset=\"UTF-8\"" |
		"$helper" store >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect-hint err &&
	test "$(count)" = 1 &&
	secret-tool search --all xdg:schema org.bitbucket.credential >items 2>&1 &&
	test_grep "attribute.kind = personal-token" items &&
	test_grep "attribute.host = dc.example.com" items &&
	test_grep "attribute.port = 8443" items &&
	test_grep "attribute.scope = proj/repo" items
'

test_expect_success 'get for it returns the token; without capability[]=state it says how to declare the host' '
	req protocol=https host=$dc path=scm/proj/repo.git "wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" |
		"$helper" get >out 2>err &&
	printf "username=alice\npassword=dc-token-1\n" >expect &&
	test_cmp expect out &&
	test_cmp expect-hint err
'

test_expect_success 'with capability[]=state, get announces it first, leaves a state[] and says nothing yet' '
	req "capability[]=authtype" "capability[]=state" protocol=https host=$dc path=scm/proj/repo.git \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" |
		"$helper" get >out 2>err &&
	cat >expect <<-EOF &&
	capability[]=state
	username=alice
	password=dc-token-1
	state[]=git-credential-bitbucket:datacenter=$dc
	EOF
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'with capability[]=state and nothing stored, get still leaves the state[] for store' '
	req "capability[]=state" protocol=https host=$dc path=scm/other/repo.git username=nobody \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" |
		"$helper" get >out 2>err &&
	printf "capability[]=state\nstate[]=git-credential-bitbucket:datacenter=%s\n" "$dc" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'store without wwwauth[] knows the host again by that state[], and says once how to declare it' '
	req "capability[]=state" protocol=https host=$dc path=scm/proj/other.git username=bob password=dc-token-bob \
		"state[]=other-helper:foo" "state[]=git-credential-bitbucket:datacenter=$dc" |
		"$helper" store >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect-hint err &&
	test "$(count)" = 2
'

test_expect_success 'our state[] for another host, or another helper'\''s state[], does not make a host ours' '
	req protocol=https host=other.example.com username=carol password=x \
		"state[]=git-credential-bitbucket:datacenter=$dc" | "$helper" store >out 2>err &&
	req protocol=https host=$dc username=carol password=x \
		"state[]=other-helper:datacenter=$dc" | "$helper" store >>out 2>>err &&
	req protocol=https host=$dc username=carol password=x \
		"state[]=git-credential-bitbucket:datacenter=$dc" "state[]=" | "$helper" store >>out 2>>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = 2
'

test_expect_success 'other realms, lookalikes, quoted decoys and a cleared wwwauth[] list do not make a host ours' '
	for v in "Basic realm=\"Bitbucket test\"" \
		"Basic realm=\"Atlassian Bitbucket2\"" \
		"Basic realm=\"atlassian bitbucket\"" \
		"Basic realm=\"Atlassian Bitbucket" \
		"Basic foo=\"realm=\\\"Atlassian Bitbucket\\\"\"" \
		"Basic realmx=\"Atlassian Bitbucket\"" \
		"Atlassian Bitbucket" \
		"realm"
	do
		req protocol=https host=$dc path=scm/proj/repo.git "wwwauth[]=$v" |
			"$helper" get >out 2>err &&
		test_must_be_empty out &&
		test_must_be_empty err || return 1
	done &&
	req protocol=https host=$dc path=scm/proj/repo.git \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" "wwwauth[]=" "wwwauth[]=Basic realm=\"x\"" |
		"$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'the realm counts in any challenge, any parameter order, any case of the name, with escapes' '
	for v in "Bearer realm=\"x\", error=\"invalid_token\", Basic charset=\"UTF-8\", REALM=\"Atlassian Bitbucket\"" \
		"Negotiate abc==, Basic realm = \"Atlassian \\Bitbucket\"" \
		"Basic realm=Atlassian, Basic realm=\"Atlassian Bitbucket\""
	do
		req protocol=https host=$dc path=scm/proj/repo.git "wwwauth[]=$v" |
			"$helper" get >out 2>err &&
		test_grep "^password=dc-token-1$" out || return 1
	done &&
	req protocol=https host=$dc path=scm/proj/repo.git \
		"wwwauth[]=Basic realm=\"x\"" "wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" |
		"$helper" get >out 2>err &&
	test_grep "^password=dc-token-1$" out
'

test_expect_success 'erase with the realm removes only the token whose password matches' '
	req protocol=https host=$dc path=scm/proj/repo.git username=alice password=wrong \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" | "$helper" erase >out 2>err &&
	test "$(count)" = 2 &&
	req protocol=https host=$dc path=scm/proj/repo.git username=alice password=dc-token-1 \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" | "$helper" erase >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = 1
'

test_expect_success 'once the host is declared: no hint, and no capability[] or state[] in the answer' '
	git config --global --add bitbucket.dataCenterHost dc.example.com &&
	req "capability[]=authtype" "capability[]=state" protocol=https host=$dc path=scm/proj/other.git \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" | "$helper" get >out 2>err &&
	printf "username=bob\npassword=dc-token-bob\n" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	req protocol=https host=$dc path=scm/proj/other.git username=bob password=dc-token-bob \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" | "$helper" store >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	git config --global --unset-all bitbucket.dataCenterHost
'

test_expect_success 'capability[]=authtype is never echoed, nor authtype, credential or ephemeral' '
	req protocol=https host=bitbucket.org username=dora password=ATATdoras-token | "$helper" store &&
	req "capability[]=authtype" "capability[]=state" "capability[]=frobnicate" protocol=https host=bitbucket.org username=dora |
		"$helper" get >out 2>err &&
	printf "username=dora\npassword=ATATdoras-token\n" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'an empty capability[] clears the list: no state[] then, the hint instead' '
	req "capability[]=state" "capability[]=" protocol=https host=$dc path=scm/proj/other.git \
		"wwwauth[]=Basic realm=\"Atlassian Bitbucket\"" | "$helper" get >out 2>err &&
	printf "username=bob\npassword=dc-token-bob\n" >expect &&
	test_cmp expect out &&
	test_cmp expect-hint err
'

test_expect_success 'store keeps nothing from a pre-encoded credential (authtype, credential, no password)' '
	before=$(count) &&
	req "capability[]=authtype" protocol=https host=bitbucket.org username=erin authtype=Bearer credential=ATATbearer |
		"$helper" store >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = "$before"
'

test_expect_success 'store keeps nothing marked ephemeral; ephemeral=0 is stored' '
	before=$(count) &&
	for e in 1 true TRUE yes on; do
		req "capability[]=authtype" protocol=https host=bitbucket.org username=erin password=ATATerins ephemeral=$e |
			"$helper" store >out 2>err &&
		test_must_be_empty out && test_must_be_empty err || return 1
	done &&
	test "$(count)" = "$before" &&
	req protocol=https host=bitbucket.org username=erin password=ATATerins ephemeral=0 | "$helper" store &&
	test "$(count)" = $((before + 1))
'

test_done
