#!/bin/bash

test_description='URL shapes and declarations end to end: what a person gives is refused when it fits no shape, what git sends is kept whole, dot parts are refused, and a declared host covers HTTPS and SSH whatever port it names'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
DC=git.example.com

SHAPE_CLOUD_HTTPS='the URL path fits no Bitbucket Cloud shape; use https://bitbucket.org/WORKSPACE/ for a workspace or https://bitbucket.org/WORKSPACE/REPO.git for a repository'
SHAPE_CLOUD_SSH='the URL path fits no Bitbucket Cloud shape; use git@bitbucket.org:WORKSPACE/ for a workspace or git@bitbucket.org:WORKSPACE/REPO.git for a repository'
SHAPE_DC_HTTPS="the URL path fits no Bitbucket Data Center shape; use https://$DC/scm/PROJECT/ for a project, https://$DC/scm/PROJECT/REPO.git for a repository or https://$DC/scm/~USER/REPO.git for a personal one (a context path goes before scm/, as in https://$DC/bitbucket/scm/PROJECT/; a web page's URL under projects/ or users/ works too)"
SHAPE_DC_SSH="the URL path fits no Bitbucket Data Center shape over SSH; use ssh://git@$DC:7999/PROJECT/ for a project, ssh://git@$DC:7999/PROJECT/REPO.git for a repository or ssh://git@$DC:7999/~USER/REPO.git for a personal one (over SSH there is no scm/ and no context path)"
DOT="a path part is '.' or '..', with or without .git"

count () {
	keyring_count
}

# scopes: every stored item as "host port scope username-or-name", sorted
scopes () {
	keyring_dump | awk '
		/^\[\// { if (h != "") print h, p, s, u; h = p = s = u = "" }
		/^attribute\.host = / { h = $3 }
		/^attribute\.port = / { p = ($3 == "0") ? "-" : $3 }
		/^attribute\.scope = / { s = $3; if (s == "") s = "-" }
		/^attribute\.scope =$/ { s = "-" }
		/^attribute\.username = / { if ($3 != "") u = $3 }
		/^attribute\.name = / { if ($3 != "") u = $3 }
		END { if (h != "") print h, p, s, u }' | sort
}

# store PATH USER SECRET [HOST]: what git sends after success, with the path
store () {
	{ local -; set +x; } 2>/dev/null
	printf 'protocol=https\nhost=%s\npath=%s\nusername=%s\npassword=%s\n\n' \
		"${4:-$DC}" "$1" "$2" "$3" | "$prog" store
}

# get PATH [HOST]: what the helper answers git for PATH
get () {
	printf 'protocol=https\nhost=%s\npath=%s\n\n' "${2:-$DC}" "$1" | "$prog" get
}

login_stdin () {
	{ local -; set +x; } 2>/dev/null
	local url=$1 user=$2 secret=$3
	shift 3
	printf '%s\n' "$secret" | "$prog" login --stdin --username "$user" "$@" "$url"
}

# refused_line CODE MESSAGE CMD...: CMD exits CODE, prints nothing on
# stdout, exactly the one line "$prog: MESSAGE" on stderr, and the keyring
# is as it was
refused_line () {
	local code=$1 msg=$2 before
	shift 2
	before=$(scopes) &&
	test_must_fail_code "$code" "$@" >out 2>err &&
	test_must_be_empty out &&
	printf '%s: %s\n' "$prog" "$msg" >expect &&
	test_cmp expect err &&
	test "$(scopes)" = "$before"
}

test_expect_success 'setup: a private keyring, a declared Data Center host, a key file' '
	start_keyring &&
	git config --global --add bitbucket.dataCenterHost $DC &&
	ssh-keygen -q -t ecdsa -b 256 -m PEM -N "" -C "" -f ec.pem &&
	test "$(count)" = 0
'

# --- a path from git that fits no shape: kept whole ---------------------

test_expect_success 'Data Center: team/repo.git without /scm/ is stored for that path, not the host' '
	store team/repo.git alice NzQ1exact-team-repo 2>err &&
	test_must_be_empty err &&
	echo "$DC - /team/repo.git alice" >expect &&
	scopes >actual &&
	test_cmp expect actual
'

test_expect_success 'the exact scope serves that path only' '
	get team/repo.git >out &&
	printf "username=alice\npassword=NzQ1exact-team-repo\n" >expect &&
	test_cmp expect out &&
	get /Team//Repo.git/ >out &&
	test_cmp expect out &&
	for p in team/other.git team scm/team/repo.git team/repo team/repo.git/x ""
	do
		get "$p" >out && test_must_be_empty out || return 1
	done
'

test_expect_success 'the exact scope through git: credential fill with useHttpPath' '
	git config --global credential.helper bitbucket &&
	git config --global credential.useHttpPath true &&
	printf "url=https://$DC/team/repo.git\n\n" | git credential fill >out &&
	test_grep -x "password=NzQ1exact-team-repo" out &&
	printf "url=https://$DC/team/other.git\n\n" |
		GIT_TERMINAL_PROMPT=0 GIT_ASKPASS= SSH_ASKPASS= test_must_fail git credential fill >out 2>err &&
	test_grep ! NzQ1exact out
'

test_expect_success 'a host token still serves a path that fits no shape' '
	store "" alice NzQ1host-token &&
	get team/other.git >out &&
	test_grep -x "password=NzQ1host-token" out &&
	get team/repo.git >out &&
	test_grep -x "password=NzQ1exact-team-repo" out
'

test_expect_success 'erase of the exact path with its password removes that item only' '
	printf "protocol=https\nhost=$DC\npath=team/repo.git\nusername=alice\npassword=NzQ1exact-team-repo\n\n" | "$prog" erase &&
	echo "$DC - - alice" >expect &&
	scopes >actual &&
	test_cmp expect actual &&
	printf "protocol=https\nhost=$DC\nusername=alice\n\n" | "$prog" erase &&
	test "$(count)" = 0
'

test_expect_success 'Cloud: a path of three parts from git is kept whole, not cut to two' '
	store acme/widget/extra alice ATATT3xFfGF0three bitbucket.org 2>err &&
	test_must_be_empty err &&
	echo "bitbucket.org - /acme/widget/extra alice" >expect &&
	scopes >actual &&
	test_cmp expect actual &&
	get acme/widget bitbucket.org >out &&
	test_must_be_empty out &&
	get acme bitbucket.org >out &&
	test_must_be_empty out &&
	get acme/widget/extra bitbucket.org >out &&
	test_grep -x "password=ATATT3xFfGF0three" out &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget/extra\n\n" | "$prog" erase &&
	test "$(count)" = 0
'

# --- dot parts --------------------------------------------------------

test_expect_success 'git paths with . or .. parts (after .git) are neither stored nor served' '
	store ..git alice ATATT3xFfGF0dots bitbucket.org &&
	store acme/...git alice ATATT3xFfGF0dots bitbucket.org &&
	store acme/.git alice ATATT3xFfGF0dots bitbucket.org &&
	store proj/../other.git alice NzQ1dots &&
	test "$(count)" = 0 &&
	login_stdin https://bitbucket.org/ alice ATATT3xFfGF0host >/dev/null &&
	get ..git bitbucket.org >out &&
	test_must_be_empty out &&
	"$prog" logout https://bitbucket.org/ >/dev/null &&
	test "$(count)" = 0
'

test_expect_success 'login and logout refuse . and .. parts, after .git is stripped' '
	for url in https://bitbucket.org/..git https://bitbucket.org/acme/...git \
		   https://bitbucket.org/acme/%2e%2e https://$DC/scm/proj/..git
	do
		test_must_fail_code 2 login_stdin "$url" alice ATATT3xFfGF0dot >out 2>err &&
		test_must_be_empty out &&
		head -n 1 err >first &&
		echo "$prog: cannot read the URL ($DOT); give a host, account or repository URL such as https://bitbucket.org/acme/; see '\''$prog login --help'\''" >expect &&
		test_cmp expect first &&
		test_must_fail_code 2 "$prog" logout "$url" >out 2>err &&
		test_grep "^$prog: cannot read the URL ($DOT)" err || return 1
	done &&
	test "$(count)" = 0
'

test_expect_success 'key import --scope refuses . and .. parts' '
	test_must_fail_code 2 "$prog" key import --scope git@bitbucket.org:acme/...git dots ec.pem >out 2>err &&
	head -n 1 err >first &&
	echo "$prog: cannot read the --scope URL ($DOT); give an SSH URL such as git@bitbucket.org:WORKSPACE/; see '\''$prog key import --help'\''" >expect &&
	test_cmp expect first &&
	test "$(count)" = 0
'

test_expect_success 'git-bitbucket-ssh refuses a repository path with a .. part, before the keyring' '
	test_must_fail_code 255 git-bitbucket-ssh -p 7999 git@$DC "git-upload-pack '\''proj/..git'\''" </dev/null >out 2>err &&
	echo "git-bitbucket-ssh: cannot read the repository path: $DOT" >expect &&
	test_cmp expect err
'

# --- what a person gives must fit a shape --------------------------------

test_expect_success 'login refuses a Cloud path longer than WORKSPACE/REPO' '
	refused_line 2 "$SHAPE_CLOUD_HTTPS" login_stdin https://bitbucket.org/acme/widget/src/main/README.md alice ATATT3xFfGF0x &&
	refused_line 2 "$SHAPE_CLOUD_HTTPS" login_stdin https://bitbucket.org/a/b/c alice ATATT3xFfGF0x &&
	test "$(count)" = 0
'

test_expect_success 'login refuses a Data Center path without scm/, or with too much after it' '
	for url in https://$DC/team/repo.git https://$DC/bitbucket/ \
		   https://$DC/scm/proj/widget.git/info/refs https://$DC/projects/PROJ/settings
	do
		refused_line 2 "$SHAPE_DC_HTTPS" login_stdin "$url" alice NzQ1x || return 1
	done &&
	test "$(count)" = 0
'

test_expect_success 'logout refuses what login refuses, and removes nothing' '
	store team/repo.git alice NzQ1keep-me &&
	refused_line 2 "$SHAPE_DC_HTTPS" "$prog" logout https://$DC/team/repo.git &&
	test "$(count)" = 1 &&
	printf "protocol=https\nhost=$DC\npath=team/repo.git\n\n" | "$prog" erase &&
	test "$(count)" = 0
'

test_expect_success 'key import, generate and scope refuse an SSH path that fits no shape' '
	refused_line 2 "$SHAPE_DC_SSH" "$prog" key import --scope ssh://git@$DC:7999/a/b/c/d.git deep ec.pem &&
	refused_line 2 "$SHAPE_DC_SSH" "$prog" key import --scope ssh://git@$DC:7999/scm/proj/widget.git scm ec.pem &&
	refused_line 2 "$SHAPE_DC_SSH" "$prog" key generate --scope $DC:7999/bitbucket/proj/widget.git gen &&
	refused_line 2 "$SHAPE_CLOUD_SSH" "$prog" key import --scope git@bitbucket.org:acme/widget/x.git cl ec.pem &&
	test "$(count)" = 0 &&
	"$prog" key import --scope git@bitbucket.org:acme/ moved ec.pem >/dev/null &&
	refused_line 2 "$SHAPE_DC_SSH" "$prog" key scope moved ssh://git@$DC:7999/a/b/c/d.git &&
	echo "bitbucket.org - acme moved" >expect &&
	scopes >actual &&
	test_cmp expect actual &&
	"$prog" key remove moved >/dev/null &&
	test "$(count)" = 0
'

# --- the shapes that fit -------------------------------------------------

test_expect_success 'Data Center over HTTPS: context path, personal repositories and web pages' '
	login_stdin https://$DC/bitbucket/scm/PROJ/ alice NzQ1ctx >out &&
	test_grep -x "stored personal token for alice on $DC/proj" out &&
	login_stdin https://$DC/scm/~alice/dotfiles.git alice NzQ1mine >out &&
	test_grep -x "stored personal token for alice on $DC/~alice/dotfiles" out &&
	login_stdin https://$DC/users/Alice/repos/dotfiles/browse alice NzQ1mine2 >out &&
	test_grep -x "stored personal token for alice on $DC/~alice/dotfiles" out &&
	login_stdin https://$DC/projects/WEB/repos/site/browse/src/index.html alice NzQ1web >out &&
	test_grep -x "stored personal token for alice on $DC/web/site" out &&
	cat >expect <<-EOF &&
	$DC - proj alice
	$DC - web/site alice
	$DC - ~alice/dotfiles alice
	EOF
	scopes >actual &&
	test_cmp expect actual &&
	get bitbucket/scm/~alice/dotfiles.git >out &&
	test_grep -x "password=NzQ1mine2" out &&
	get bitbucket/scm/proj/anything.git >out &&
	test_grep -x "password=NzQ1ctx" out &&
	for s in https://$DC/scm/proj/ https://$DC/scm/~alice/dotfiles.git https://$DC/scm/web/site.git
	do
		"$prog" logout "$s" >/dev/null || return 1
	done &&
	test "$(count)" = 0
'

test_expect_success 'Data Center over SSH: no word is special (SCM and PROJECTS are project keys)' '
	"$prog" key import --scope ssh://git@$DC:7999/scm/widget.git k-scm ec.pem >out &&
	test_grep "for $DC:7999/scm/widget$" out &&
	"$prog" key import --force --scope ssh://git@$DC:7999/PROJECTS/ k-projects ec.pem >out &&
	test_grep "for $DC:7999/projects$" out &&
	"$prog" key import --force --scope ssh://git@$DC:7999/~alice/dotfiles.git k-mine ec.pem >out &&
	test_grep "for $DC:7999/~alice/dotfiles$" out &&
	"$prog" key import --force --scope $DC/proj/widget.git k-bare ec.pem >out &&
	test_grep "for $DC/proj/widget$" out &&
	cat >expect <<-EOF &&
	$DC - proj/widget k-bare
	$DC 7999 projects k-projects
	$DC 7999 scm/widget k-scm
	$DC 7999 ~alice/dotfiles k-mine
	EOF
	scopes >actual &&
	test_cmp expect actual &&
	for k in k-scm k-projects k-mine k-bare
	do
		"$prog" key remove $k >/dev/null || return 1
	done &&
	test "$(count)" = 0
'

test_expect_success 'git-bitbucket-ssh: a deep path is looked up whole, never as its first two parts' '
	"$prog" key import --scope ssh://git@$DC:7999/a/b.git ab ec.pem >/dev/null &&
	test_must_fail_code 255 git-bitbucket-ssh -p 7999 git@$DC "git-upload-pack '\''a/b/c/d.git'\''" </dev/null >out 2>err &&
	test_grep "^git-bitbucket-ssh: no SSH key for $DC in the keyring (tried scopes '\''/a/b/c/d.git'\'' and the whole host)" err &&
	test_grep "key import --scope ssh://git@$DC:7999/ NAME FILE" err &&
	url=$(sed -n "s/.*key generate --scope \([^ ]*\) NAME.*/\1/p" err) &&
	test "$url" = "ssh://git@$DC:7999/" &&
	"$prog" key remove ab >/dev/null &&
	test "$(count)" = 0
'

# --- declarations --------------------------------------------------------

test_expect_success 'a host declared as host:7999 (from an SSH URL) covers HTTPS to it' '
	git config --global --add bitbucket.dataCenterHost ssh-only.example:7999 &&
	login_stdin https://ssh-only.example/scm/proj/ alice NzQ1declared >out &&
	test_grep -x "stored personal token for alice on ssh-only.example/proj" out &&
	store scm/proj/widget.git bob NzQ1bob ssh-only.example &&
	get scm/proj/widget.git ssh-only.example >out &&
	test_grep -x "password=NzQ1bob" out &&
	"$prog" key import --scope ssh://git@ssh-only.example:7999/proj/ k7999 ec.pem >/dev/null &&
	cat >expect <<-EOF &&
	ssh-only.example - proj alice
	ssh-only.example - proj/widget bob
	ssh-only.example 7999 proj k7999
	EOF
	scopes >actual &&
	test_cmp expect actual
'

test_expect_success 'a host declared as host:8443 (from an HTTPS URL) covers SSH to it' '
	git config --global --add bitbucket.dataCenterHost https-only.example:8443 &&
	"$prog" key import --scope ssh://git@https-only.example:7999/proj/ k8443 ec.pem >out &&
	test_grep "for https-only.example:7999/proj$" out &&
	login_stdin https://https-only.example/scm/proj/ alice NzQ1other-port >out &&
	test_grep -x "stored personal token for alice on https-only.example/proj" out
'

test_expect_success 'the declaration the product suggests works for both protocols' '
	test_must_fail_code 1 "$prog" key import --scope ssh://git@hinted.example:7999/proj/ hinted ec.pem 2>err &&
	cmd=$(sed -n "s/.*declare it with '\''\(git config [^'\'']*\)'\''.*/\1/p" err) &&
	test -n "$cmd" &&
	$cmd &&
	"$prog" key import --scope ssh://git@hinted.example:7999/proj/ hinted ec.pem >/dev/null &&
	login_stdin https://hinted.example/scm/proj/ alice NzQ1hinted >out &&
	test_grep -x "stored personal token for alice on hinted.example/proj" out
'

test_done
