#!/bin/bash

test_description='the same behaviour on every Secret Service provider: deletes, a locked keyring, messages that name the provider'

# Runs against the provider GCB_KEYRING_PROVIDER chooses (gnome-keyring by
# default, keepassxc); run it with both.  Under GCB_KEYSTORE=file the same
# cases run against the encrypted file store, with its locked line.

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
TOKEN=ATATT3xFfGF0providerstest0123456789

count () {
	keyring_count
}

login () {
	{ local -; set +x; } 2>/dev/null
	printf '%s\n' "$TOKEN" | "$prog" login --stdin --username alice "$@"
}

get_request () {
	printf 'protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n'
}

LOCKED_GNOME="$prog: the keyring is locked; unlock GNOME Keyring (log in to your desktop session, or unlock the 'login' keyring in Seahorse) and try again"
LOCKED_KEEPASSXC="$prog: the keyring is locked; unlock the database in KeePassXC and try again"
case $KEYRING_PROVIDER in
gnome-keyring) LOCKED=$LOCKED_GNOME ;;
keepassxc) LOCKED=$LOCKED_KEEPASSXC ;;
esac
# make test-file-store: a locked file store is locked, never empty, the same way
[ "$KEYRING_MODE" != file ] || LOCKED=$(keyring_file_locked_line "$prog")

test_expect_success "setup: $KEYRING_PROVIDER_NAME on a private bus" '
	start_keyring &&
	test "$(count)" = 0
'

# ---- deletes ----

test_expect_success 'erase deletes the item git names' '
	login https://bitbucket.org/acme/ &&
	test "$(count)" = 1 &&
	get_request | "$prog" get >out &&
	test_grep "^password=$TOKEN$" out &&
	{ get_request; } | sed "\$d" >req &&
	printf "username=alice\npassword=%s\n\n" "$TOKEN" >>req &&
	"$prog" erase <req >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = 0 &&
	get_request | "$prog" get >out &&
	test_must_be_empty out
'

# calls_one_at_a_time CMD...: run CMD (stdin from $TRASH/in) under a bus
# monitor; succeed when each of its calls to the Secret Service waited for
# the answer to the one before (gnome-keyring answers a SearchItems or a
# Properties.Get that arrives while it opens a session for the same caller
# with nothing found, or with an error), none went through an alias path
# and the first was not a Properties.Get (gnome-keyring 48 aborts on
# either from a client that has just connected: keystore.c); the members
# it called, in order, go to $TRASH/members
calls_one_at_a_time () {
	local owner mon marker=gcb.marker.n$$ rc
	owner=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.GetNameOwner \
		string:org.freedesktop.secrets | sed -n 's/^ *string "\(.*\)"$/\1/p')
	test -n "$owner" || return 1
	rm -f "$TRASH/mon"
	dbus-monitor --session >"$TRASH/mon" 2>/dev/null &
	mon=$!
	test_wait_for 30 "grep -q member=NameLost \"\$TRASH/mon\"" &&
	"$@" <"$TRASH/in" >/dev/null &&
	dbus-send --session --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$marker" &&
	test_wait_for 30 "grep -q \"$marker\" \"\$TRASH/mon\""
	rc=$?
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	[ $rc = 0 ] || return 1
	# the caller: whoever asked the service to search; then its calls to
	# the service and the answers to them, in bus order
	awk -v svc="$owner" -v members="$TRASH/members" '
		function field(name,   i) {
			for (i = 1; i <= NF; i++)
				if (index($i, name "=") == 1)
					return substr($i, length(name) + 2)
			return ""
		}
		$1 == "method" && $2 == "call" && /member=SearchItems/ && me == "" { me = field("sender") }
		{ line[NR] = $0 }
		END {
			for (n = 1; n <= NR; n++) {
				$0 = line[n]
				to = field("destination")
				if ($1 == "method" && $2 == "call" && field("sender") == me &&
				    (to == svc || to == "org.freedesktop.secrets")) {
					if (waiting != "") { print "overlap: " field("member") " sent before the answer to serial " waiting; bad = 1 }
					if (index(field("path"), "/aliases/")) { print "through an alias path: " field("member") " " field("path"); bad = 1 }
					if (++calls == 1 && field("member") == "Get") { print "a Properties.Get as the first call"; bad = 1 }
					waiting = field("serial")
					print field("member") >members
				} else if (($1 == "method" && $2 == "return" || $1 == "error") &&
					   to == me && field("reply_serial") == waiting)
					waiting = ""
			}
			exit (me == "" || bad)
		}' "$TRASH/mon"
}

test_expect_secret_service 'get: its calls to the Secret Service are made one at a time, and only these' '
	login https://bitbucket.org/acme/ &&
	get_request >"$TRASH/in" &&
	calls_one_at_a_time "$prog" get &&
	# the repository scope (nothing), the account scope (the token), the
	# session, the secret; no Locked read after the first empty scope
	printf "%s\n" SearchItems SearchItems OpenSession GetSecrets >expect &&
	test_cmp expect "$TRASH/members" &&
	: >"$TRASH/in" &&
	calls_one_at_a_time "$prog" key list &&
	calls_one_at_a_time "$prog" list &&
	printf "%s\n" "$TOKEN" >"$TRASH/in" &&
	calls_one_at_a_time "$prog" login --stdin --username alice https://bitbucket.org/acme/ &&
	"$prog" logout https://bitbucket.org/acme/ &&
	test "$(count)" = 0 &&
	# nothing stored: the empty search of the last scope asks whether the
	# keyring is locked: the collection by name, then its property
	get_request >"$TRASH/in" &&
	calls_one_at_a_time "$prog" get &&
	tail -n 2 "$TRASH/members" >actual &&
	printf "%s\n" ReadAlias Get >expect &&
	test_cmp expect actual
'

test_expect_success 'logout deletes the token' '
	login https://bitbucket.org/acme/ &&
	test "$(count)" = 1 &&
	"$prog" logout https://bitbucket.org/acme/ >out 2>err &&
	echo "removed API token for alice on bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test "$(count)" = 0
'

test_expect_success 'login with a changed token replaces the old item, leaving one' '
	login https://bitbucket.org/acme/ &&
	printf "%s\n" ATATT3xFfGF0providerstestCHANGED99 |
		"$prog" login --stdin --username alice https://bitbucket.org/acme/ 2>err &&
	test "$(count)" = 1 &&
	get_request | "$prog" get >out &&
	test_grep "^password=ATATT3xFfGF0providerstestCHANGED99$" out &&
	"$prog" logout https://bitbucket.org/acme/ >/dev/null &&
	test "$(count)" = 0
'

test_expect_success 'key remove deletes the key' '
	"$prog" key generate work >/dev/null 2>&1 &&
	test "$(count)" = 1 &&
	"$prog" key remove work >out 2>err &&
	test_must_be_empty err &&
	test "$(count)" = 0 &&
	test_must_fail_code 1 "$prog" key public work 2>err &&
	test_grep "no key named '\''work'\''" err
'

# ---- a locked keyring is locked, never empty ----

test_expect_success 'setup: a token and a key, then lock the keyring' '
	login https://bitbucket.org/acme/ &&
	"$prog" key generate deploy >/dev/null 2>&1 &&
	since=$(date +%s.%N) &&
	test "$(count)" = 2 &&
	keyring_wait_saved "$since" &&
	lock_keyring &&
	keyring_is_locked
'

test_expect_success 'get on a locked keyring: the locked line on stderr, exit 3, nothing on stdout' '
	test_must_fail_code 3 "$prog" get <<-EOF >out 2>err &&
	protocol=https
	host=bitbucket.org
	path=acme/widget.git

	EOF
	test_must_be_empty out &&
	echo "$LOCKED" >expect &&
	test_cmp expect err
'

test_expect_success 'get for a host with nothing stored still says locked' '
	test_must_fail_code 3 "$prog" get <<-EOF >out 2>err &&
	protocol=https
	host=bitbucket.org
	path=nobody/else.git

	EOF
	test_must_be_empty out &&
	echo "$LOCKED" >expect &&
	test_cmp expect err
'

test_expect_success 'list on a locked keyring says locked, not "nothing stored"' '
	test_must_fail_code 3 "$prog" list >out 2>err &&
	test_must_be_empty out &&
	echo "$LOCKED" >expect &&
	test_cmp expect err
'

test_expect_success 'key public on a locked keyring says locked, not "no key named"' '
	test_must_fail_code 3 "$prog" key public deploy >out 2>err &&
	test_must_be_empty out &&
	echo "$LOCKED" >expect &&
	test_cmp expect err
'

test_expect_success 'logout and key remove on a locked keyring say locked and delete nothing' '
	test_must_fail_code 3 "$prog" logout https://bitbucket.org/acme/ >out 2>err &&
	echo "$LOCKED" >expect &&
	test_cmp expect err &&
	test_must_fail_code 3 "$prog" key remove deploy >out 2>err &&
	test_cmp expect err &&
	unlock_keyring &&
	test "$(count)" = 2
'

# ---- KeePassXC with its dialogs on ----

if [ "$KEYRING_PROVIDER" = keepassxc ]; then
	test_expect_success 'KeePassXC confirming deletes: a time limit and the setting to change' '
		stop_keyring_daemon &&
		KEEPASSXC_CONFIRM_DELETE=true start_keyring_daemon &&
		start=$(date +%s) &&
		test_must_fail_code 3 "$prog" logout https://bitbucket.org/acme/ >out 2>err &&
		elapsed=$(($(date +%s) - start)) &&
		test "$elapsed" -le 20 &&
		echo "$prog: KeePassXC asked for confirmation in a dialog and got no answer; turn off '\''Confirm when clients request entry deletion'\'' in KeePassXC'\''s Secret Service Integration settings and try again" >expect &&
		test_cmp expect err &&
		test_must_be_empty out &&
		stop_keyring_daemon &&
		start_keyring_daemon &&
		test "$(count)" = 2
	'
fi

test_expect_success 'after all that, the items are intact and usable' '
	get_request | "$prog" get >out &&
	test_grep "^password=$TOKEN$" out &&
	"$prog" key public deploy >out &&
	test_grep "^ssh-ed25519 " out
'

test_done
