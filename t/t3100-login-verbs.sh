#!/bin/bash

test_description='login, logout and list: options, scopes, the useHttpPath note, listing as text and JSON, keyring failures'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
DC=git.example.com
SCHEMA=org.bitbucket.credential

count () {
	keyring_count
}

login_stdin () {
	{ local -; set +x; } 2>/dev/null
	local secret=$1
	shift
	printf '%s\n' "$secret" | "$prog" login --stdin "$@"
}

# fake_item SECRET-VALUE attribute value...: an item as another version
# of the helper (or the key commands) would have stored it.
fake_item () {
	{ local -; set +x; } 2>/dev/null
	local value=$1
	shift
	printf '%s' "$value" |
		LC_ALL=C.UTF-8 secret-tool store --label="fake item" xdg:schema $SCHEMA "$@"
}

USAGE_LOGIN="usage: $prog login [--username NAME] [--expires YYYY-MM-DD] [--repos REGEX] [--stdin] [--check] URL"
USAGE_LOGOUT="usage: $prog logout [--username NAME] URL"
USAGE_LIST="usage: $prog list [--json]"

test_expect_success 'setup: a private keyring and a declared Data Center host' '
	start_keyring &&
	git config --global --add bitbucket.dataCenterHost $DC &&
	test "$(count)" = 0
'

# --- help and misuse -----------------------------------------------------------

test_expect_success 'each verb has --help on stdout, exit 0' '
	"$prog" login --help >out 2>err &&
	test_must_be_empty err &&
	head -n 1 out >first && echo "$USAGE_LOGIN" >expect && test_cmp expect first &&
	test_grep -e "--stdin" out &&
	"$prog" logout --help >out 2>err &&
	test_must_be_empty err &&
	head -n 1 out >first && echo "$USAGE_LOGOUT" >expect && test_cmp expect first &&
	"$prog" list --help >out 2>err &&
	test_must_be_empty err &&
	head -n 1 out >first && echo "$USAGE_LIST" >expect && test_cmp expect first &&
	"$prog" login -h >out && test_grep -e "--username NAME" out
'

test_expect_success 'login without a URL: usage on stderr, exit 2' '
	test_must_fail_code 2 "$prog" login --stdin </dev/null >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	$prog: no URL given; see '\''$prog login --help'\''
	$USAGE_LOGIN
	EOF
	test_cmp expect err
'

test_expect_success 'login with two URLs, an unknown option or a missing value: exit 2' '
	test_must_fail_code 2 "$prog" login https://bitbucket.org/a/ https://bitbucket.org/b/ </dev/null 2>err &&
	test_grep -x "$prog: too many arguments; see '\''$prog login --help'\''" err &&
	test_must_fail_code 2 "$prog" login --bogus https://bitbucket.org/a/ </dev/null 2>err &&
	test_grep -x "$prog: unknown option '\''--bogus'\''; see '\''$prog login --help'\''" err &&
	test_grep -F -x "$USAGE_LOGIN" err &&
	test_must_fail_code 2 "$prog" login https://bitbucket.org/a/ --username </dev/null 2>err &&
	test_grep -x "$prog: --username needs a value (NAME); see '\''$prog login --help'\''" err &&
	test_must_fail_code 2 "$prog" login --stdin=yes https://bitbucket.org/a/ </dev/null 2>err &&
	test_grep -x "$prog: --stdin takes no value; see '\''$prog login --help'\''" err
'

test_expect_success 'there is no --token option, and its value is never echoed' '
	test_must_fail_code 2 "$prog" login --token ATATT3xFfGF0argv-token https://bitbucket.org/a/ </dev/null >out 2>err &&
	test_grep -x "$prog: unknown option '\''--token'\''; see '\''$prog login --help'\''" err &&
	test_must_fail_code 2 "$prog" login --token=ATATT3xFfGF0argv-token https://bitbucket.org/a/ </dev/null >>out 2>>err &&
	test_grep ! ATATT3xFfGF0argv-token err &&
	test_grep ! ATATT3xFfGF0argv-token out &&
	test "$(count)" = 0
'

test_expect_success 'login: --expires must be a real date' '
	for d in 2027-02-30 27-01-31 2027/01/31 tomorrow 2027-13-01 2027-1-31; do
		test_must_fail_code 2 "$prog" login --stdin --username alice --expires $d https://bitbucket.org/a/ </dev/null 2>err &&
		test_grep -x "$prog: --expires wants a date as YYYY-MM-DD, like 2027-01-31; see '\''$prog login --help'\''" err || return 1
	done &&
	test "$(count)" = 0
'

test_expect_success 'login: --repos must be a valid extended regular expression' '
	test_must_fail_code 2 "$prog" login --stdin --username alice --repos "acme/(a|b" https://bitbucket.org/acme/ </dev/null 2>err &&
	echo "$prog: the repository pattern is not a valid extended regular expression (unmatched ( or \\(); write it like '\''acme/(widget|gadget)'\'' and quote it for the shell" >expect &&
	test_cmp expect err &&
	test "$(count)" = 0
'

test_expect_success 'login: --repos that cannot match the repository URL is refused' '
	test_must_fail_code 2 "$prog" login --stdin --username alice --repos "acme/other" https://bitbucket.org/acme/widget.git </dev/null 2>err &&
	test_grep -x "$prog: --repos does not match the repository acme/widget, so the token would never be used; give an account URL with --repos, or drop --repos" err &&
	test "$(count)" = 0
'

test_expect_success 'login: a URL with a password is refused without echoing it' '
	test_must_fail_code 2 "$prog" login --stdin https://alice:ATATT3xFfGF0in-url@bitbucket.org/acme/ </dev/null >out 2>err &&
	echo "$prog: the URL contains a password; remove it (the token is read from the terminal, or from stdin with --stdin, never from the command line)" >expect &&
	test_cmp expect err &&
	test_grep ! in-url err &&
	test "$(count)" = 0
'

test_expect_success 'login: an SSH URL is refused with the https hint' '
	test_must_fail_code 2 "$prog" login --stdin --username alice git@bitbucket.org:acme/widget.git </dev/null 2>err &&
	test_grep -x "$prog: '\''bitbucket.org/acme/widget'\'' is an SSH URL, and tokens are for https; give the https URL of the same host, account or repository (SSH keys are managed with '\''$prog key'\'')" err &&
	test_must_fail_code 2 "$prog" login --stdin --username alice ssh://git@$DC:7999/proj/widget.git </dev/null 2>err &&
	test_grep "is an SSH URL, and tokens are for https" err
'

test_expect_success 'login: a scheme other than https/http/ssh is a usage error' '
	test_must_fail_code 2 "$prog" login --stdin --username alice ftp://bitbucket.org/acme/ </dev/null 2>err &&
	test_grep -x "$prog: cannot read the URL (unsupported scheme (use https://, http:// or ssh://)); give a host, account or repository URL such as https://bitbucket.org/acme/; see '\''$prog login --help'\''" err
'

test_expect_success 'login: a Data Center URL without /scm/ is refused, not taken as the whole host' '
	test_must_fail_code 2 "$prog" login --stdin --username alice https://$DC/PROJ/widget.git </dev/null 2>err &&
	test_grep -x "$prog: the URL path fits no Bitbucket Data Center shape; use https://$DC/scm/PROJECT/ for a project, https://$DC/scm/PROJECT/REPO.git for a repository or https://$DC/scm/~USER/REPO.git for a personal one (a context path goes before scm/, as in https://$DC/bitbucket/scm/PROJECT/; a web page'\''s URL under projects/ or users/ works too)" err &&
	test "$(count)" = 0
'

test_expect_success 'login --stdin needs a username' '
	test_must_fail_code 2 login_stdin ATATT3xFfGF0no-name https://bitbucket.org/acme/ >out 2>err &&
	test_grep -x "$prog: no username for --stdin; add --username NAME (your Bitbucket username from Account settings, or x-bitbucket-api-token-auth with an API token)" err &&
	test_must_fail_code 2 login_stdin NzQ1no-name https://$DC/scm/proj/ >out 2>err &&
	test_grep -x "$prog: no username for --stdin; add --username NAME (your Bitbucket username from Account settings)" err &&
	test "$(count)" = 0
'

test_expect_success 'login without a terminal and without --stdin says how to pipe' '
	test_must_fail_code 2 setsid "$prog" login --username alice https://bitbucket.org/acme/ </dev/null >out 2>err &&
	test_grep -x "$prog: no terminal to read the token from; pipe it with --stdin (and --username NAME)" err
'

# --- login: scopes and the useHttpPath note --------------------------------

test_expect_success 'login for a host prints one line and no note' '
	login_stdin ATATT3xFfGF0host-alice --username alice bitbucket.org >out 2>err &&
	test_must_be_empty err &&
	echo "stored API token for alice on bitbucket.org" >expect &&
	test_cmp expect out &&
	test "$(count)" = 1
'

test_expect_success 'login for an account notes credential.useHttpPath with the exact command' '
	login_stdin ATATT3xFfGF0acct-alice --username alice https://bitbucket.org/Acme/ >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	stored API token for alice on bitbucket.org/acme
	note: git sends the repository path to credential helpers only when credential.useHttpPath is true; without it this account'"'"'s token is not used. Set it with:
	    git config --global credential.https://bitbucket.org.useHttpPath true
	EOF
	test_cmp expect out &&
	test "$(count)" = 2
'

test_expect_success 'the username can come from the URL; a port shows in the note' '
	git config --global --add bitbucket.dataCenterHost bb.corp.example:8443 &&
	login_stdin NzQ1token-ivan https://ivan@bb.corp.example:8443/scm/PROJ/widget.git >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	stored personal token for ivan on bb.corp.example:8443/proj/widget
	note: git sends the repository path to credential helpers only when credential.useHttpPath is true; without it this repository'"'"'s token is not used. Set it with:
	    git config --global credential.https://bb.corp.example:8443.useHttpPath true
	EOF
	test_cmp expect out
'

test_expect_success 'with credential.useHttpPath set, no note, and git finds the account token' '
	git config --global credential.https://bitbucket.org.useHttpPath true &&
	login_stdin ATATT3xFfGF0acct-alice-2 --username alice https://bitbucket.org/acme/ >out 2>err &&
	echo "stored API token for alice on bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	test "$(count)" = 3 &&
	printf "url=https://bitbucket.org/acme/widget.git\n\n" |
		git -c credential.helper= -c credential.helper=bitbucket credential fill >fill &&
	test_grep -x "password=ATATT3xFfGF0acct-alice-2" fill &&
	test_grep -x "username=alice" fill
'

test_expect_success 'login again for the same user and scope replaces the token' '
	login_stdin ATATT3xFfGF0acct-alice-3 --username alice https://bitbucket.org/acme/ >out &&
	test "$(count)" = 3 &&
	printf "url=https://bitbucket.org/acme/widget.git\n\n" |
		git -c credential.helper= -c credential.helper=bitbucket credential fill >fill &&
	test_grep -x "password=ATATT3xFfGF0acct-alice-3" fill
'

test_expect_success 'login --repos restricts the token; git gets it only for matching repositories' '
	login_stdin ATATT3xFfGF0bob-ab --username bob --repos "acme/(alpha|beta)" https://bitbucket.org/acme/ >out 2>err &&
	test_grep -x "stored API token for bob on bitbucket.org/acme for repositories matching '\''acme/(alpha|beta)'\''" out &&
	printf "url=https://bob@bitbucket.org/acme/beta.git\n\n" |
		git -c credential.helper= -c credential.helper=bitbucket credential fill >fill &&
	test_grep -x "password=ATATT3xFfGF0bob-ab" fill &&
	printf "url=https://bob@bitbucket.org/acme/gamma.git\n\n" |
		git -c credential.helper= -c credential.helper=bitbucket credential fill >fill 2>err ;
	test_grep ! ATATT3xFfGF0bob-ab fill
'

test_expect_success 'login with --expires keeps the date and says it' '
	login_stdin ATATT3xFfGF0carl --username carl --expires 2027-01-31 https://bitbucket.org/acme/ >out &&
	head -n 1 out >first &&
	echo "stored API token for carl on bitbucket.org/acme (expires 2027-01-31)" >expect &&
	test_cmp expect first &&
	printf "url=https://carl@bitbucket.org/acme/x.git\n\n" | "$prog" get >/dev/null &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/x.git\nusername=carl\n\n" | "$prog" get >got &&
	test_grep -x "password_expiry_utc=1801353600" got
'

# --- list ------------------------------------------------------------------

test_expect_success 'list shows every token with kind, place, user, dates; never a secret' '
	"$prog" list >out 2>err &&
	test_must_be_empty err &&
	today=$(date -u +%Y-%m-%d) &&
	head -n 1 out >first &&
	test_grep -E "^KIND +WHERE +USER/NAME +CREATED +LAST USED +EXPIRES +NOTES$" first &&
	test_grep -E "^API token +bitbucket.org +alice +$today \(0d\) +never +-$" out &&
	test_grep -E "^API token +bitbucket.org/acme +alice +$today \(0d\) +(never|$today) +-$" out &&
	test_grep -E "^API token +bitbucket.org/acme +bob +$today \(0d\) +(never|$today) +- +repos '\''acme/\(alpha\|beta\)'\''$" out &&
	test_grep -E "^API token +bitbucket.org/acme +carl +$today \(0d\) +never +2027-01-31$" out &&
	test_grep -E "^personal token +bb.corp.example:8443/proj/widget +ivan +$today \(0d\) +never +-$" out &&
	test $(wc -l <out) = 6 &&
	test_grep ! -e ATATT3x -e NzQ1 out
'

test_expect_success 'list shows SSH keys, expired tokens and removed app passwords' '
	now=$(date -u +%s) &&
	created=$((now - 10 * 86400)) && used=$((now - 2 * 86400)) &&
	fake_item "key material" kind ssh-key protocol ssh host bitbucket.org port 0 scope acme \
		username "" name work-laptop repos "" read_only true created $created last_used $used warned 0 &&
	fake_item "$(printf "password=ATATT3xFfGF0old\npassword_expiry_utc=1700000000\n")" \
		kind api-token protocol https host bitbucket.org port 0 scope old username olga \
		name "" repos "" read_only false created $created last_used 0 warned 0 &&
	fake_item "$(printf "password=ATBBoldapppassword\n")" \
		kind app-password protocol https host bitbucket.org port 0 scope legacy username paul \
		name "" repos "" read_only false created $created last_used 0 warned 0 &&
	"$prog" list >out 2>err &&
	test_must_be_empty err &&
	d_created=$(date -u -d @$created +%Y-%m-%d) && d_used=$(date -u -d @$used +%Y-%m-%d) &&
	test_grep -E "^SSH key +bitbucket.org/acme +work-laptop +$d_created \(10d\) +$d_used +- +read-only$" out &&
	test_grep -E "^API token +bitbucket.org/old +olga +$d_created \(10d\) +never +2023-11-14 +expired$" out &&
	test_grep -E "^app password +bitbucket.org/legacy +paul +$d_created \(10d\) +never +- +removed by Bitbucket$" out &&
	test_grep ! -e "key material" -e ATATT3x -e ATBBold out
'

test_expect_success 'list flags secrets older than bitbucket.keyMaxAge for rotation' '
	now=$(date -u +%s) && old=$((now - 200 * 86400)) &&
	fake_item "$(printf "password=NzQ1ancient\n")" kind personal-token protocol https \
		host $DC port 0 scope ancient username quinn name "" repos "" \
		read_only false created $old last_used 0 warned 0 &&
	"$prog" list >out &&
	test_grep -E "^personal token +$DC/ancient +quinn +[0-9-]+ \(200d\) +never +- +older than 180 days: rotate it$" out &&
	git -c bitbucket.keyMaxAge=365 credential-bitbucket list >out &&
	test_grep -E "^personal token +$DC/ancient +quinn +[0-9-]+ \(200d\) +never +-$" out &&
	"$prog" logout https://$DC/scm/ancient/ >/dev/null
'

test_expect_success 'list --json is a JSON array with fixed keys, parsed by python' '
	"$prog" list --json >out.json 2>err &&
	test_must_be_empty err &&
	test_grep ! -e ATATT3x -e NzQ1 -e "key material" -e ATBBold out.json &&
	cat >check.py <<-\EOF &&
	import json, re, sys
	items = json.load(open(sys.argv[1]))
	assert isinstance(items, list), items
	keys = {"kind", "host", "port", "scope", "username", "name", "created",
	        "last_used", "expires", "repos", "read_only"}
	iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
	for it in items:
	    assert set(it) == keys, sorted(it)
	    for k in ("created", "last_used", "expires"):
	        assert it[k] is None or iso.match(it[k]), (k, it[k])
	    assert it["port"] is None or isinstance(it["port"], int)
	    assert isinstance(it["read_only"], bool)
	by = {(it["kind"], it["scope"], it["username"] or it["name"]): it for it in items}
	carl = by[("api-token", "acme", "carl")]
	assert carl["expires"] == "2027-01-31T00:00:00Z", carl
	assert carl["host"] == "bitbucket.org" and carl["port"] is None and carl["name"] is None
	assert carl["repos"] is None and carl["read_only"] is False
	bob = by[("api-token", "acme", "bob")]
	assert bob["repos"] == "acme/(alpha|beta)", bob
	ivan = by[("personal-token", "proj/widget", "ivan")]
	assert ivan["port"] == 8443 and ivan["host"] == "bb.corp.example", ivan
	key = by[("ssh-key", "acme", "work-laptop")]
	assert key["username"] is None and key["name"] == "work-laptop" and key["read_only"] is True
	assert key["expires"] is None and key["last_used"] is not None
	assert by[("api-token", "old", "olga")]["expires"] == "2023-11-14T22:13:20Z"
	assert by[("api-token", "", "alice")]["scope"] == ""
	print(len(items))
	EOF
	python3 check.py out.json >n &&
	test "$(cat n)" = 8 &&
	test "$(count)" = 8
'

test_expect_success 'list --json escapes quotes, backslashes and control bytes' '
	fake_item "$(printf "password=x\n")" kind personal-token protocol https host $DC port 0 \
		scope "proj" username "$(printf "q\"b\\\\s\001\303\251")" name "" repos "a\\.b" \
		read_only false created 1 last_used 0 warned 0 &&
	"$prog" list --json >out.json &&
	cat >check.py <<-\EOF &&
	import json
	items = json.load(open("out.json"))
	dc = [it for it in items if it["host"] == "git.example.com"]
	assert [it["username"] for it in dc] == ["q\"b\\s\x01\u00e9"], dc
	assert [it["repos"] for it in dc] == ["a\\.b"], dc
	EOF
	python3 check.py &&
	"$prog" logout https://$DC/scm/proj/ >out &&
	test "$(count)" = 8
'

test_expect_success 'list --json of an empty keyring is [] ; the text says nothing is stored' '
	secret-tool clear xdg:schema $SCHEMA &&
	test "$(count)" = 0 &&
	"$prog" list --json >out &&
	echo "]" >expect && printf "[" >expect && echo "]" >>expect &&
	test_cmp expect out &&
	"$prog" list >out &&
	echo "nothing stored; store a token with '\''$prog login URL'\''" >expect &&
	test_cmp expect out
'

test_expect_success 'list with an operand or an unknown option is misuse' '
	test_must_fail_code 2 "$prog" list extra 2>err &&
	test_grep -x "$prog: too many arguments; see '\''$prog list --help'\''" err &&
	test_grep -F -x "$USAGE_LIST" err &&
	test_must_fail_code 2 "$prog" list --jsonx 2>err &&
	test_grep -x "$prog: unknown option '\''--jsonx'\''; see '\''$prog list --help'\''" err
'

# --- logout ----------------------------------------------------------------

test_expect_success 'setup: tokens for several users and scopes' '
	login_stdin ATATT3xFfGF0l-host --username alice https://bitbucket.org/ >/dev/null &&
	login_stdin ATATT3xFfGF0l-acct-a --username alice https://bitbucket.org/acme/ >/dev/null &&
	login_stdin ATATT3xFfGF0l-acct-b --username bob https://bitbucket.org/acme/ >/dev/null &&
	login_stdin ATATT3xFfGF0l-repo --username alice https://bitbucket.org/acme/widget.git >/dev/null &&
	login_stdin NzQ1l-dc --username dave https://$DC/scm/proj/widget.git >/dev/null &&
	test "$(count)" = 5
'

test_expect_success 'logout --username removes only that user in that scope' '
	"$prog" logout --username bob https://bitbucket.org/acme/ >out 2>err &&
	test_must_be_empty err &&
	echo "removed API token for bob on bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	test "$(count)" = 4
'

test_expect_success 'logout of a repository leaves the account and host tokens' '
	"$prog" logout https://bitbucket.org/acme/widget.git >out &&
	echo "removed API token for alice on bitbucket.org/acme/widget" >expect &&
	test_cmp expect out &&
	test "$(count)" = 3 &&
	"$prog" list >out &&
	test_grep -E "^API token +bitbucket.org/acme +alice " out &&
	test_grep -E "^API token +bitbucket.org +alice " out
'

test_expect_success 'logout with nothing stored for the scope: exit 1 and a clear line' '
	test_must_fail_code 1 "$prog" logout https://bitbucket.org/acme/widget.git >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: no token stored for bitbucket.org/acme/widget; see '\''$prog list'\'' for what is stored" >expect &&
	test_cmp expect err &&
	test_must_fail_code 1 "$prog" logout --username zed https://bitbucket.org/acme/ 2>err &&
	echo "$prog: no token stored for zed on bitbucket.org/acme; see '\''$prog list'\'' for what is stored" >expect &&
	test_cmp expect err &&
	test "$(count)" = 3
'

test_expect_success 'logout of a Data Center repository and of the host' '
	"$prog" logout https://$DC/scm/PROJ/widget.git >out &&
	echo "removed personal token for dave on $DC/proj/widget" >expect &&
	test_cmp expect out &&
	"$prog" logout https://alice@bitbucket.org/ >out &&
	echo "removed API token for alice on bitbucket.org" >expect &&
	test_cmp expect out &&
	test "$(count)" = 1
'

test_expect_success 'logout misuse: no URL, not ours, ssh' '
	test_must_fail_code 2 "$prog" logout 2>err &&
	test_grep -F -x "$USAGE_LOGOUT" err &&
	test_must_fail_code 1 "$prog" logout https://github.com/acme/ 2>err &&
	test_grep "is not bitbucket.org or a declared Data Center host" err &&
	test_must_fail_code 2 "$prog" logout git@bitbucket.org:acme/ 2>err &&
	test_grep "is an SSH URL" err &&
	test "$(count)" = 1
'

test_expect_success 'logout leaves SSH keys alone' '
	fake_item "key" kind ssh-key protocol https host bitbucket.org port 0 scope acme \
		username alice name k1 repos "" read_only false created 1 last_used 0 warned 0 &&
	"$prog" logout https://bitbucket.org/acme/ >out &&
	echo "removed API token for alice on bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	test "$(count)" = 1
'

# --- the keyring unavailable or locked -----------------------------------------

# the Secret Service's locked line, or under GCB_KEYSTORE=file the file store's
is_locked_line () {
	if [ "$KEYRING_MODE" = file ]; then
		keyring_file_locked_line >expect && test_cmp expect "$1"
	else
		test_grep "^$prog: the keyring is locked; " "$1"
	fi
}

test_expect_success 'a locked keyring: login, logout and list exit 3' '
	lock_keyring &&
	test_must_fail_code 3 login_stdin ATATT3xFfGF0locked --username alice https://bitbucket.org/x/ >out 2>err &&
	is_locked_line err &&
	test_must_fail_code 3 "$prog" list >out 2>err &&
	is_locked_line err &&
	test_must_fail_code 3 "$prog" logout https://bitbucket.org/acme/ >out 2>err &&
	is_locked_line err &&
	unlock_keyring &&
	test "$(count)" = 1
'

test_expect_secret_service 'no Secret Service: login, logout and list exit 3 with one line' '
	stop_keyring_daemon &&
	test_must_fail_code 3 login_stdin ATATT3xFfGF0nobody --username alice https://bitbucket.org/x/ >out 2>err &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^$prog: cannot reach the keyring: " err &&
	test_grep ! ATATT3x err &&
	test_must_fail_code 3 "$prog" list --json >out 2>err &&
	test_must_be_empty out &&
	test_grep "^$prog: cannot reach the keyring: " err &&
	test_must_fail_code 3 "$prog" logout https://bitbucket.org/x/ >out 2>err &&
	test_grep "^$prog: cannot reach the keyring: " err &&
	start_keyring_daemon
'

test_expect_file_store 'no file store (bitbucket.keystore is file): login, logout and list exit 3 with one line; nothing created' '
	mv "$KEYRING_FILE_STORE" "$TRASH/store.away" &&
	keyring_file_absent_line >expect &&
	test_must_fail_code 3 login_stdin ATATT3xFfGF0nobody --username alice https://bitbucket.org/x/ >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test_must_fail_code 3 "$prog" list --json >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test_must_fail_code 3 "$prog" logout https://bitbucket.org/x/ >out 2>err &&
	test_cmp expect err &&
	test ! -e "$KEYRING_FILE_STORE" &&
	mv "$TRASH/store.away" "$KEYRING_FILE_STORE" &&
	test "$(count)" = 1
'

test_done
