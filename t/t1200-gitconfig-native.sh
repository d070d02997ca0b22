#!/bin/bash

test_description='the native git-config reader answers as git config does, and the helpers run no git config process'

. "$(dirname "$0")/lib.sh"

unitdir=${GCB_UNITDIR:-$GCB_TOP/build/t/unit}
dump=$unitdir/gcb-config-dump
helper=git-credential-bitbucket

# Under valgrind the reader runs through the wrapper too.
if [ -n "${GCB_VALGRIND:-}" ]; then
	dump_run () { valgrind -q --error-exitcode=126 --leak-check=full "$dump" "$@"; }
else
	dump_run () { "$dump" "$@"; }
fi

test_expect_success 'the test driver was built' '
	test -x "$dump"
'

# 300 layouts, seed 1200: a plain layout must be answered natively and
# byte for byte as git answers; git failing means the reader hands back.
test_expect_success 'differential: 300 generated layouts, the reader answers as git config' '
	mkdir layouts &&
	python3 "$TEST_DIRECTORY/gitconfig-layouts.py" "$dump" "$TRASH/work/layouts" \
		${GCB_LAYOUTS:-300} 1200 >result 2>&1;
	rc=$? &&
	cat result &&
	test $rc -eq 0 &&
	test_grep "failures 0$" result &&
	native=$(sed -n "s/.*: native \([0-9]*\),.*/\1/p" result) &&
	test "$native" -ge $(( ${GCB_LAYOUTS:-300} / 2 ))
'

test_expect_success 'setup: a Data Center host in ~/.gitconfig, a repository' '
	cat >"$HOME/.gitconfig" <<-\EOF &&
	[bitbucket]
		dataCenterHost = git.corp.example
	[include]
		path = ~/more.conf
	EOF
	printf "[Bitbucket]\n\tSSHKey = \"work key\" ; comment\n\tkeyMaxAge = 30\n" >"$HOME/more.conf" &&
	git init -q repo
'

test_expect_success 'config_load reads the hosts, the key and the age natively' '
	(cd repo && dump_run --product) >out &&
	cat >expect <<-\EOF &&
	load 0
	dc git.corp.example
	sshkey work key
	maxage 30
	mentions 1
	EOF
	test_cmp expect out
'

test_expect_success '-c and GIT_CONFIG_COUNT settings come after the files' '
	(cd repo && GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=bitbucket.keyMaxAge GIT_CONFIG_VALUE_0=7 \
		GIT_CONFIG_PARAMETERS="'"'"'Bitbucket.DataCenterHost'"'"'='"'"'cli.example'"'"'" \
		dump_run --product) >out &&
	test_grep "^dc git.corp.example$" out &&
	test_grep "^dc cli.example$" out &&
	test_grep "^maxage 7$" out
'

if command -v strace >/dev/null 2>&1; then
test_expect_success 'get for another host with a Data Center host declared starts no program' '
	printf "protocol=https\nhost=github.com\n\n" >req &&
	(cd repo && env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f -qq -e trace=execve -o ../trace "$GCB_BINDIR/$helper" get <../req >../out) &&
	test_must_be_empty out &&
	test "$(grep -c " = 0$" trace)" = 1
'

test_expect_success 'an includeIf onbranch: hands the question to one git config' '
	cat >>"$HOME/.gitconfig" <<-\EOF &&
	[includeIf "onbranch:main"]
		path = ~/branch.conf
	EOF
	printf "[bitbucket]\n\tdataCenterHost = branch.example\n" >"$HOME/branch.conf" &&
	(cd repo && git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m x && git branch -M main &&
	 env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f -qq -e trace=execve -o ../trace "$dump" --product >../out) &&
	test_grep "^dc branch.example$" out &&
	grep "\"config\", \"-z\", \"--get-regexp\"" trace >runs &&
	test "$(grep -c " = 0$" runs)" = 1
'
fi

test_expect_success 'a syntax error git rejects gives git'"'"'s answer: none' '
	printf "[bitbucket]\n\tdataCenterHost = \"open\n" >"$HOME/.gitconfig" &&
	(cd repo && dump_run --product) >out &&
	test_grep "^load -1$" out &&
	test_grep ! "^dc " out &&
	(cd repo && test_must_fail_code 3 "$dump" --list)
'

test_done
