#!/bin/bash

test_description='injection: CR and LF in credential fields, a long line that would split into host=, key names with / or .., a remote command with quotes and ;'

# Already covered elsewhere (not repeated here):
#   NUL bytes and lines without = ........... t1000 (lines with NUL bytes)
#   LF smuggled in a value, 1 MiB cap ........ t1000 (a value smuggling a line)
#   url= decoding to CR/LF/NUL ............... t/unit (fuzzing finding)
#   -oProxyCommand=... as host, -- before it .. t4000 (a host starting with -)
#   -o ProxyCommand refused .................. t4000
#   URL userinfo with a password ............. t3100, t4000 (never echoed)
#   ..git, odd shapes and ports .............. t3300

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket

count () {
	keyring_count org.bitbucket.credential
}

test_expect_success 'setup: a private keyring' '
	start_keyring &&
	test "$(count)" = 0
'

test_expect_success 'CR in the username or the token: store refuses with one line, nothing stored' '
	printf "protocol=https\nhost=bitbucket.org\nusername=al\rice\npassword=ATATx1\n\n" |
		test_must_fail_code 1 "$prog" store >out 2>err &&
	echo "git-credential-bitbucket: the username contains a line break or control character; type it again" >expect &&
	test_cmp expect err &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATAT\rx1\n\n" |
		test_must_fail_code 1 "$prog" store >out 2>err &&
	echo "git-credential-bitbucket: the token contains a line break or control character; paste it again as one line" >expect &&
	test_cmp expect err &&
	test "$(count)" = 0
'

test_expect_success 'CR inside protocol= does not start a host= line: no answer, nothing touched' '
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATgood\n\n" | "$prog" store &&
	printf "protocol=https\rhost=bitbucket.org\n\n" | "$prog" get >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'a 64 KiB username ending in host=evil does not split into a host= line' '
	long=$(head -c 65530 /dev/zero | tr "\0" a) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=%shost=evil.example\npassword=ATATlong\n\n" "$long" |
		"$prog" store >out 2>err;
	printf "protocol=https\nhost=evil.example\n\n" | "$prog" get >out 2>/dev/null;
	test_must_be_empty out &&
	"$prog" list >list 2>&1 &&
	test_grep ! "evil" list
'

test_expect_success 'a key name with / or .. is refused by name, nothing stored' '
	before=$(count) &&
	for name in a/b .. ../x x/../y; do
		test_must_fail_code 2 "$prog" key generate "$name" >out 2>err &&
		test_grep "^git-credential-bitbucket: invalid key name '\''$name'\'': use up to 100 letters, digits" err || return 1
	done &&
	test "$(count)" = "$before"
'

test_expect_success 'a repository path with ; or a second word is refused, nothing runs' '
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "git-upload-pack '\''a/b.git'\''; touch $TRASH/pwned" >out 2>err &&
	echo "git-bitbucket-ssh: refusing the remote command: the repository path is not a single quoted word; only git-upload-pack, git-receive-pack and git-upload-archive with one quoted repository path are run" >expect &&
	test_cmp expect err &&
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "git-upload-pack '\''a/b.git'\'' x" >out 2>err &&
	test_cmp expect err &&
	test ! -e "$TRASH/pwned"
'

PATH_REFUSED="git-credential-bitbucket: the token was not stored: git's path= holds a line break, a control character or a character no Bitbucket path has (slugs are letters, digits, '.', '_' and '-'); check the remote URL"

# scopes: every stored token as "host scope username", sorted
scopes () {
	keyring_dump | awk '
		/^\[\// { if (h != "") print h, s, u; h = s = u = "" }
		/^attribute\.host = / { h = $3 }
		/^attribute\.scope = / { s = substr($0, 19) }
		/^attribute\.scope =$/ { s = "-" }
		/^attribute\.username = / { if ($3 != "") u = $3 }
		END { if (h != "") print h, s, u }' | sort
}

test_expect_success 'CR, LF-less control bytes or a shell quote inside path=: store refuses with one line, nothing stored' '
	before=$(scopes) &&
	for p in "team/a\rb.git" "te\ram/ab.git" "team/ab.git\r\r" "team/a\tb.git" "team/a\033b.git" \
		"team/a\"b.git" "team/a'\''b.git" "team/a b.git" "team/a\$(id).git" "team/a\`id\`.git" "team/a;b.git"; do
		printf "protocol=https\nhost=bitbucket.org\npath=$p\nusername=alice\npassword=ATATcr1\n\n" |
			test_must_fail_code 1 "$prog" store >out 2>err &&
		test_must_be_empty out &&
		echo "$PATH_REFUSED" >expect &&
		test_cmp expect err || return 1
	done &&
	test "$(scopes)" = "$before" &&
	"$prog" list >list &&
	test_grep ! "team" list
'

test_expect_success 'the same path= on get and erase: no answer, no word, nothing removed' '
	printf "protocol=https\nhost=bitbucket.org\npath=team/ab.git\nusername=alice\npassword=ATATrepo\n\n" | "$prog" store &&
	before=$(scopes) &&
	printf "%s\n" "$before" >stored &&
	test_grep "^bitbucket.org team/ab alice$" stored &&
	for p in "team/ab.git\r\r" "team/a\rb.git" "team/ab\".git" "team/a b.git"; do
		printf "protocol=https\nhost=bitbucket.org\npath=$p\n\n" | "$prog" get >out 2>err &&
		test_must_be_empty out &&
		test_must_be_empty err &&
		printf "protocol=https\nhost=bitbucket.org\npath=$p\nusername=alice\n\n" | "$prog" erase >out 2>err &&
		test_must_be_empty out &&
		test_must_be_empty err || return 1
	done &&
	test "$(scopes)" = "$before"
'

test_expect_success 'a store without a password and such a path= stays silent (nothing to keep)' '
	printf "protocol=https\nhost=bitbucket.org\npath=team/a\rb.git\nusername=alice\n\n" | "$prog" store >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'CR inside host=: not a host we know, so not ours: no answer and nothing stored' '
	before=$(scopes) &&
	printf "protocol=https\nhost=bitbucket.org\rx\nusername=alice\npassword=ATATcrh\n\n" | "$prog" store >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	printf "protocol=https\nhost=bitbucket.org\r\r\n\n" | "$prog" get >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(scopes)" = "$before"
'

test_expect_success 'login and key import refuse a scope with a quote or a blank with the shapes line, nothing stored' '
	before=$(scopes) &&
	echo "git-credential-bitbucket: the URL path fits no Bitbucket Cloud shape; use https://bitbucket.org/WORKSPACE/ for a workspace or https://bitbucket.org/WORKSPACE/REPO.git for a repository" >expect &&
	for u in "https://bitbucket.org/team/a\"b.git" "https://bitbucket.org/team/a%22b.git" "https://bitbucket.org/team/a%20b.git" "https://bitbucket.org/te\$am/"; do
		echo ATATquote | test_must_fail_code 2 "$prog" login --stdin --username alice "$u" >out 2>err &&
		test_cmp expect err || return 1
	done &&
	ssh-keygen -q -t ed25519 -N "" -m PEM -f "$TRASH/k" >/dev/null 2>&1 || ssh-keygen -q -t ed25519 -N "" -f "$TRASH/k" &&
	test_must_fail "$prog" key import --scope "ssh://git@bitbucket.org/team/a\"b.git" q1 <"$TRASH/k" >out 2>err &&
	test_grep "^git-credential-bitbucket: the URL path fits no Bitbucket Cloud shape" err &&
	test "$(wc -l <err)" = 1 &&
	test "$(scopes)" = "$before"
'

test_expect_success 'git-bitbucket-ssh refuses a quoted repository path with a shell quote inside before connecting' '
	test_must_fail_code 255 git-bitbucket-ssh git@bitbucket.org "git-upload-pack '\''team/a\"b.git'\''" >out 2>err &&
	echo "git-bitbucket-ssh: cannot read the repository path: the path fits no Bitbucket URL shape" >expect &&
	test_cmp expect err
'

# dup_key NAME CREATED SCOPE: a second item named NAME, as two writers
# racing could leave (secret-tool replaces only an item with the very
# same attributes: this one differs in created and scope)
dup_key () {
	ssh-keygen -q -t ecdsa -m PEM -N "" -f "$TRASH/dup-$2.pem" &&
	openssl pkcs8 -topk8 -nocrypt -in "$TRASH/dup-$2.pem" -out "$TRASH/dup-$2.p8" &&
	secret-tool store --label=dup xdg:schema "$KEYRING_SCHEMA" \
		kind ssh-key protocol ssh host bitbucket.org port 0 scope "$3" name "$1" \
		read_only false created "$2" last_used 0 <"$TRASH/dup-$2.p8"
}

named () {
	secret-tool search --all xdg:schema "$KEYRING_SCHEMA" kind ssh-key name "$1" 2>&1 |
		sed -n "s/^attribute\.$2 = //p" | sort
}

test_expect_success 'two keys with one name: a writer by name acts on the newest and removes the rest' '
	now=$(date +%s) &&
	dup_key twin $((now - 300)) old1 &&
	dup_key twin $((now - 100)) newest &&
	dup_key twin $((now - 200)) old2 &&
	test "$(named twin scope | wc -l)" = 3 &&
	"$prog" key set-read-only twin true >out 2>err &&
	test "$(named twin scope)" = newest &&
	test "$(named twin read_only)" = true &&
	test "$(named twin created)" = $((now - 100))
'

test_expect_success 'key public by name shows the newest key and removes the older one' '
	now=$(date +%s) &&
	dup_key pair $((now - 50)) older &&
	dup_key pair $((now - 10)) newer &&
	"$prog" key public pair >out 2>err &&
	ssh-keygen -y -f "$TRASH/dup-$((now - 10)).pem" | cut -d" " -f1,2 >expect &&
	cut -d" " -f1,2 out >actual &&
	test_cmp expect actual &&
	test "$(named pair scope)" = newer
'

test_expect_success 'an expired token for an exact scope (git'\''s path fit no shape): the hint removes that one item' '
	secret-tool store --label=exact xdg:schema "$KEYRING_SCHEMA" \
		kind api-token protocol https host bitbucket.org port 0 scope /x/y/z.git \
		username "e@x" name "" repos "" read_only false created 1 last_used 0 warned 0 <<-EOF &&
	password=ATATT3xFfGF0old
	password_expiry_utc=1000
	username=e@x
	repos=
	EOF
	printf "protocol=https\nhost=bitbucket.org\npath=x/y/z.git\nusername=e@x\n\n" | "$prog" get >out 2>err &&
	test_must_be_empty out &&
	test_grep "remove it with '\''echo url=https://e%40x@bitbucket.org/x/y/z.git | git -c credential.useHttpPath=true credential reject'\''$" err &&
	hint=$(sed -n "s/.*remove it with '\''\(.*\)'\''$/\1/p" err) &&
	before=$(scopes) &&
	printf "%s\n" "$before" >stored &&
	test_grep "^bitbucket.org /x/y/z.git e@x$" stored &&
	git config --global credential.helper "" &&
	git config --global --add credential.helper bitbucket &&
	eval "$hint" &&
	scopes >after &&
	test_grep ! "/x/y/z.git" after &&
	test "$(wc -l <after)" = $(( $(wc -l <stored) - 1 ))
'

test_done
