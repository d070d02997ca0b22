#!/bin/bash

test_description='git credential protocol: get, store and erase against a real keyring'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

helper=git-credential-bitbucket

count () {
	keyring_count org.bitbucket.credential
}

test_expect_success 'setup: a private keyring' '
	start_keyring &&
	test "$(count)" = 0
'

test_expect_success 'store prints nothing and get returns the secret' '
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATsecret-one\n\n" |
		"$helper" store >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test "$(count)" = 1 &&
	printf "protocol=https\nhost=bitbucket.org\n\n" | "$helper" get >out 2>err &&
	printf "username=alice\npassword=ATATsecret-one\n" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'the item has a readable label and no secret in its attributes' '
	secret-tool search --all xdg:schema org.bitbucket.credential >items 2>&1 &&
	test_grep "label = Bitbucket API token for alice on bitbucket.org" items &&
	grep "^attribute" items >attrs &&
	test_grep "attribute.kind = api-token" attrs &&
	test_grep "attribute.username = alice" attrs &&
	test_grep ! ATATsecret attrs
'

test_expect_success 'get with the username returns it; another username gets nothing' '
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATsecret-one$" out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'store replaces the same user in the same scope, other users coexist' '
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATsecret-two\n\n" | "$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\npassword=ATATbobs-token\n\n" | "$helper" store &&
	test "$(count)" = 2 &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATsecret-two$" out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\n\n" | "$helper" get >out &&
	test_grep "^password=ATATbobs-token$" out
'

test_expect_success 'the most specific scope wins: repository, then account, then host' '
	printf "protocol=https\nhost=bitbucket.org\npath=acme\nusername=alice\npassword=ATATaccount\n\n" | "$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=alice\npassword=ATATrepo\n\n" | "$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATrepo$" out &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/other.git\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATaccount$" out &&
	printf "protocol=https\nhost=bitbucket.org\npath=elsewhere/x.git\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATsecret-two$" out &&
	printf "protocol=https\nhost=bitbucket.org\npath=ACME/Widget\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATrepo$" out
'

test_expect_success 'a request without protocol or host gets no answer' '
	printf "host=bitbucket.org\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	printf "protocol=https\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	printf "protocol=https\nhost=\n\n" | "$helper" get >out &&
	test_must_be_empty out
'

test_expect_success 'unknown keys and unknown operations are ignored silently' '
	printf "capability[]=authtype\ncapability[]=state\nprotocol=https\nwwwauth[]=Basic realm=\"x\"\nstate[]=foo=bar\nhost=bitbucket.org\nusername=bob\nephemeral=1\n\n" |
		"$helper" get >out 2>err &&
	test_grep "^password=ATATbobs-token$" out &&
	test_must_be_empty err &&
	printf "protocol=https\nhost=bitbucket.org\n\n" | "$helper" frobnicate </dev/null >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'lines without = and lines with NUL bytes do not disturb the others' '
	printf "garbage line\nprotocol=https\nhost=evil.example\0host=x\nhost=bitbucket.org\nusername\nusername=bob\n\n" |
		"$helper" get >out 2>err &&
	printf "username=bob\npassword=ATATbobs-token\n" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'url= is understood' '
	printf "url=https://bob@bitbucket.org\n\n" | "$helper" get >out &&
	test_grep "^password=ATATbobs-token$" out
'

test_expect_success 'a request for another host is silent and loads no keyring library' '
	printf "protocol=https\nhost=github.com\nusername=alice\n\n" |
		LD_DEBUG=libs "$helper" get >out 2>ld-debug &&
	test_must_be_empty out &&
	test_grep ! "libsecret" ld-debug &&
	test_grep ! "git-credential-bitbucket.so" ld-debug &&
	printf "protocol=https\nhost=github.com\nusername=alice\npassword=x\n\n" | "$helper" store >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	test "$(count)" = 4
'

test_expect_success 'another host is silent even with no session bus at all' '
	printf "protocol=https\nhost=gitlab.com\n\n" |
		env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=/nonexistent "$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'a Data Center host counts only once declared in git config' '
	printf "protocol=https\nhost=git.example.com:8443\nusername=carol\npassword=dc-personal-token\n\n" | "$helper" store &&
	test "$(count)" = 4 &&
	git config --global --add bitbucket.dataCenterHost other.example.com &&
	git config --global --add bitbucket.dataCenterHost git.example.com &&
	printf "protocol=https\nhost=git.example.com:8443\nusername=carol\npassword=dc-personal-token\n\n" | "$helper" store &&
	test "$(count)" = 5 &&
	printf "protocol=https\nhost=git.example.com:8443\n\n" | "$helper" get >out &&
	printf "username=carol\npassword=dc-personal-token\n" >expect &&
	test_cmp expect out &&
	printf "protocol=https\nhost=git.example.com\n\n" | "$helper" get >out &&
	test_must_be_empty out
'

test_expect_success 'a Data Center host declared in a repository or with -c counts' '
	git init -q dcrepo &&
	(cd dcrepo && git config --add bitbucket.dataCenterHost repo-dc.example.com) &&
	printf "protocol=https\nhost=repo-dc.example.com\nusername=dave\npassword=dave-token\n\n" >req &&
	"$helper" store <req &&
	test "$(count)" = 5 &&
	(cd dcrepo && "$helper" store <../req) &&
	test "$(count)" = 6 &&
	printf "protocol=https\nhost=cli-dc.example.com\n\n" >req2 &&
	git -c bitbucket.dataCenterHost=cli-dc.example.com credential-bitbucket get <req2 >out &&
	test_must_be_empty out
'

test_expect_success 'the logout command suggested for a Data Center item works as printed' '
	printf "password=dc-old\npassword_expiry_utc=1000\n" |
		secret-tool store --label=old xdg:schema org.bitbucket.credential kind personal-token protocol https host git.example.com port 8443 scope proj username olga name "" repos "" read_only false created 1 last_used 0 warned 0 &&
	printf "protocol=https\nhost=git.example.com:8443\npath=scm/proj/repo.git\nusername=olga\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_grep "remove it with '\''git credential-bitbucket logout --username olga https://git.example.com:8443/scm/proj'\''$" err &&
	before=$(count) &&
	cmd=$(sed -e "s/.*remove it with '\''git credential-bitbucket //" -e "s/'\''$//" err) &&
	"$helper" $cmd >out &&
	test "$(count)" = $((before - 1))
'

test_expect_success 'password_expiry_utc and oauth_refresh_token are kept inside the secret' '
	future=$(( $(date +%s) + 30 * 86400 )) &&
	printf "protocol=https\nhost=bitbucket.org\npath=exp\nusername=erin\npassword=ATATexpiring\npassword_expiry_utc=%s\noauth_refresh_token=refresh-me\n\n" "$future" |
		"$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\npath=exp/r\nusername=erin\n\n" | "$helper" get >out 2>err &&
	printf "username=erin\npassword=ATATexpiring\npassword_expiry_utc=%s\noauth_refresh_token=refresh-me\n" "$future" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	secret-tool search --all xdg:schema org.bitbucket.credential username erin >items 2>&1 &&
	grep "^attribute" items >attrs &&
	test_grep ! refresh-me attrs &&
	test_grep ! "$future" attrs
'

test_expect_success 'a token expiring within 7 days is returned with a warning' '
	soon=$(( $(date +%s) + 2 * 86400 )) &&
	printf "protocol=https\nhost=bitbucket.org\npath=soon\nusername=erin\npassword=ATATsoon\npassword_expiry_utc=%s\n\n" "$soon" |
		"$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\npath=soon\nusername=erin\n\n" | "$helper" get >out 2>err &&
	test_grep "^password=ATATsoon$" out &&
	test_grep "^git-credential-bitbucket: warning: .*expires" err &&
	test $(wc -l <err) = 1
'

test_expect_success 'an expired token is never returned, and stderr says why' '
	printf "protocol=https\nhost=bitbucket.org\npath=soon\nusername=erin\npassword=ATATsoon\npassword_expiry_utc=1000\n\n" |
		"$helper" store 2>err;
	test_grep "expired" err &&
	printf "protocol=https\nhost=bitbucket.org\npath=soon\nusername=erin\n\n" | "$helper" get >out 2>err &&
	test_grep "^password=ATATsoon$" out &&
	now=$(date +%s) &&
	secret-tool store --label=old xdg:schema org.bitbucket.credential kind api-token protocol https host bitbucket.org port 0 scope old username erin name "" repos "" read_only false created 1 last_used 0 warned 0 <<-EOF &&
	password=ATATold
	password_expiry_utc=1000
	EOF
	printf "protocol=https\nhost=bitbucket.org\npath=old\nusername=erin\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_grep "^git-credential-bitbucket: the stored API token for erin expired on 1970-01-01; " err
'

test_expect_success 'a stored value with a line break is never written' '
	printf "password=ATATa\rhost=evil.example\n" |
		secret-tool store --label=bad xdg:schema org.bitbucket.credential kind api-token protocol https host bitbucket.org port 0 scope inject username mallory name "" repos "" read_only false created 1 last_used 0 warned 0 &&
	printf "protocol=https\nhost=bitbucket.org\npath=inject\nusername=mallory\n\n" | "$helper" get >out 2>err &&
	test_must_be_empty out &&
	test_grep "line break" err &&
	test_grep ! "ATATa" err
'

test_expect_success 'a value smuggling a line is refused on store and nothing is stored' '
	before=$(count) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=mallory\npassword=ATATx\rhost=evil\n\n" | "$helper" store >out 2>err;
	test_must_be_empty out &&
	test "$(count)" = "$before" &&
	test_grep ! "ATATx" err
'

test_expect_success 'a 1 MiB token survives intact' '
	{ printf ATAT; head -c 786432 /dev/urandom | base64 -w0; } >big &&
	test $(wc -c <big) -ge 1048576 &&
	{ printf "protocol=https\nhost=bitbucket.org\npath=big\nusername=frank\npassword="; cat big; printf "\n\n"; } | "$helper" store &&
	printf "protocol=https\nhost=bitbucket.org\npath=big\nusername=frank\n\n" | "$helper" get >out &&
	{ printf "username=frank\npassword="; cat big; printf "\n"; } >expect &&
	test_cmp expect out
'

test_expect_success 'input over the cap is refused and nothing is stored' '
	before=$(count) &&
	{ printf "protocol=https\nhost=bitbucket.org\nusername=huge\npassword=ATAT"; head -c 5000000 /dev/zero | tr "\0" a; printf "\n\n"; } >hugereq &&
	test_must_fail_code 1 "$helper" store <hugereq >out 2>err &&
	test_must_be_empty out &&
	echo "git-credential-bitbucket: the request from git is larger than 4194304 bytes; nothing was done" >expect &&
	test_cmp expect err &&
	test "$(count)" = "$before"
'

test_expect_success 'erase keeps an item whose password differs' '
	before=$(count) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\npassword=ATATnot-bobs\n\n" | "$helper" erase >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	test "$(count)" = "$before" &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\n\n" | "$helper" get >out &&
	test_grep "^password=ATATbobs-token$" out
'

test_expect_success 'erase removes the item whose password matches, and only that one' '
	before=$(count) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\npassword=ATATbobs-token\n\n" | "$helper" erase >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	test "$(count)" = $((before - 1)) &&
	printf "protocol=https\nhost=bitbucket.org\nusername=bob\n\n" | "$helper" get >out &&
	test_must_be_empty out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | "$helper" get >out &&
	test_grep "^password=ATATsecret-two$" out
'

test_expect_success 'erase for another host touches nothing' '
	before=$(count) &&
	printf "protocol=https\nhost=github.com\nusername=alice\n\n" | "$helper" erase &&
	test "$(count)" = "$before"
'

test_expect_success 'through git: credential fill, approve and reject' '
	git config --global credential.https://bitbucket.org.helper bitbucket &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\n\n" | git credential fill >out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATsecret-two\n" >expect &&
	test_cmp expect out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=gina\npassword=ATATginas\n\n" | git credential approve &&
	printf "protocol=https\nhost=bitbucket.org\nusername=gina\n\n" | git credential fill >out &&
	test_grep "^password=ATATginas$" out &&
	printf "protocol=https\nhost=bitbucket.org\nusername=gina\npassword=ATATginas\n\n" | git credential reject &&
	echo gina >"$TRASH/askpass-user" && echo typed >"$TRASH/askpass-answer" &&
	printf "protocol=https\nhost=bitbucket.org\nusername=gina\n\n" | git credential fill >out &&
	test_grep "^password=typed$" out &&
	test_grep "Password for" "$TRASH/askpass-log"
'

test_expect_success 'git stores after success: the same secret only updates last used' '
	before=$(count) &&
	secret-tool search --all xdg:schema org.bitbucket.credential username alice scope "" >items 2>&1 &&
	test_grep "attribute.last_used = 0" items &&
	printf "protocol=https\nhost=bitbucket.org\nusername=alice\npassword=ATATsecret-two\n\n" | git credential approve &&
	test "$(count)" = "$before" &&
	secret-tool search --all xdg:schema org.bitbucket.credential username alice scope "" >items 2>&1 &&
	test_grep ! "attribute.last_used = 0" items
'

test_expect_success 'a new expiry for a stored token rewrites that item in its own scope' '
	printf "protocol=https\nhost=bitbucket.org\npath=exp2\nusername=hal\npassword=ATAThal\n\n" | "$helper" store &&
	before=$(count) &&
	later=$(( $(date +%s) + 40 * 86400 )) &&
	printf "protocol=https\nhost=bitbucket.org\npath=exp2/repo.git\nusername=hal\npassword=ATAThal\npassword_expiry_utc=%s\n\n" "$later" |
		"$helper" store &&
	test "$(count)" = "$before" &&
	secret-tool search --all xdg:schema org.bitbucket.credential username hal >items 2>&1 &&
	test_grep "attribute.scope = exp2$" items &&
	printf "protocol=https\nhost=bitbucket.org\npath=exp2/other.git\nusername=hal\n\n" | "$helper" get >out &&
	test_grep "^password_expiry_utc=$later$" out
'

test_expect_success 'no program started along the way sees a token, in argv or environment' '
	printf "protocol=https\nhost=git.example.com:8443\nusername=ivy\npassword=ivy-visible-token-1\n\n" >ivy-req &&
	# LeakSanitizer cannot run under ptrace: off for these two runs only
	no_lsan="ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0" &&
	env "$no_lsan" strace -f -qq -v -s 100000 -e trace=execve -o trace1 \
		git -c credential.helper= -c credential.helper=bitbucket credential approve <ivy-req &&
	test_grep "credential-bitbucket" trace1 &&
	test_grep ! "\"git\", \"config\"" trace1 &&
	test_grep ! "ivy-visible-token-1" trace1 &&
	echo ATATivy-visible-token-2 >ivy-token &&
	env "$no_lsan" strace -f -qq -v -s 100000 -e trace=execve -o trace2 \
		"$helper" login --username ivy --stdin https://bitbucket.org/ivyspace/ <ivy-token >out 2>err &&
	test_grep "stored API token for ivy" out &&
	test_grep "\"git\", \"config\"" trace2 &&
	test_grep ! "ATATivy-visible-token-2" trace2
'

# Under valgrind the process is valgrind, which handles the signal itself.
if [ -z "${GCB_VALGRIND:-}" ]; then
test_expect_success 'the helper cannot be core dumped' '
	mkfifo fifo &&
	{ (ulimit -c unlimited; cd "$TRASH/work" && exec "$helper" get <fifo >/dev/null 2>&1) & } &&
	pid=$! &&
	exec 7>fifo &&
	sleep 0.2 &&
	test "$(awk "/^Name:/{print \$2}" /proc/$pid/status)" = "git-credential-" &&
	cat /proc/$pid/limits >limits &&
	kill -SEGV $pid;
	exec 7>&-;
	wait $pid;
	ls "$TRASH/work" >files &&
	test_grep ! "^core" files &&
	test_grep "^Max core file size *0 *0 " limits
'
fi

test_expect_secret_service 'no session bus: one line, exit 3' '
	printf "protocol=https\nhost=bitbucket.org\n\n" >req &&
	test_must_fail_code 3 env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=/nonexistent "$helper" get <req >out 2>err &&
	test_must_be_empty out &&
	echo "git-credential-bitbucket: cannot reach the keyring: there is no D-Bus session bus and no encrypted file store yet; create one with '\''git credential-bitbucket unlock'\'' (servers, WSL, CI), or run this inside your desktop session" >expect &&
	test_cmp expect err
'

test_expect_secret_service 'a session bus that does not answer: one line, exit 3, within seconds' '
	kill -STOP $KEYRING_BUS_PID &&
	{ timeout 60 "$helper" get <req >out 2>err; echo $? >rc; } ;
	kill -CONT $KEYRING_BUS_PID &&
	test "$(cat rc)" = 3 &&
	test_must_be_empty out &&
	echo "git-credential-bitbucket: the keyring did not answer in time; check that your D-Bus session and Secret Service (e.g. gnome-keyring-daemon) are running and not waiting for a prompt" >expect &&
	test_cmp expect err
'

test_expect_success 'a locked keyring: get and store fail with one line, nothing stored' '
	printf "protocol=https\nhost=bitbucket.org\n\n" >req &&
	before=$(count) &&
	lock_keyring &&
	test_must_fail_code 3 "$helper" get <req >out 2>err &&
	test_must_be_empty out &&
	if [ "$KEYRING_MODE" = file ]; then
		keyring_file_locked_line >expect
	else
		echo "git-credential-bitbucket: the keyring is locked; unlock GNOME Keyring (log in to your desktop session, or unlock the '\''login'\'' keyring in Seahorse) and try again" >expect
	fi &&
	test_cmp expect err &&
	printf "protocol=https\nhost=bitbucket.org\nusername=zed\npassword=ATATzed\n\n" >sreq &&
	test_must_fail_code 3 timeout 20 "$helper" store <sreq >out 2>err &&
	test_cmp expect err &&
	unlock_keyring &&
	test "$(count)" = "$before"
'

test_expect_secret_service 'a daemon that dies mid-call: one line, exit 3, no hang' '
	cat >bus-names.sh <<-\EOF &&
	dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.ListNames | grep -c "string \":"
	EOF
	names="sh $PWD/bus-names.sh" &&
	before=$($names) &&
	kill -STOP $KEYRING_DAEMON_PID &&
	{ (timeout 20 "$helper" get <req >out 2>err; echo $? >rc) & } &&
	waiter=$! &&
	# wait until the helper is on the bus (slow under valgrind), then
	# give it a moment to send its call to the stopped daemon
	test_wait_for 15 "test \$($names) -gt $before" &&
	sleep 0.3 &&
	kill -KILL $KEYRING_DAEMON_PID &&
	wait $waiter &&
	KEYRING_DAEMON_PID= &&
	test "$(cat rc)" = 3 &&
	test_must_be_empty out &&
	test $(wc -l <err) = 1 &&
	test_grep "^git-credential-bitbucket: the Secret Service stopped answering" err
'

test_expect_secret_service 'no Secret Service on the bus: one line, exit 3' '
	stop_keyring_daemon &&
	test_must_fail_code 3 "$helper" get <req >out 2>err &&
	test_must_be_empty out &&
	echo "git-credential-bitbucket: cannot reach the keyring: no Secret Service is running on the session bus and there is no encrypted file store yet; create one with '\''git credential-bitbucket unlock'\'', or start gnome-keyring-daemon (or another Secret Service provider) and try again" >expect &&
	test_cmp expect err &&
	test_must_fail_code 3 "$helper" store <sreq 2>err &&
	test_cmp expect err
'

# the same failures on the encrypted file store (make test-file-store)
test_expect_file_store 'no file store yet (bitbucket.keystore is file): get and store fail with one line, exit 3, nothing created' '
	printf "protocol=https\nhost=bitbucket.org\nusername=zed\npassword=ATATzed\n\n" >sreq &&
	before=$(count) &&
	mv "$KEYRING_FILE_STORE" "$TRASH/store.away" &&
	keyring_file_absent_line >expect &&
	test_must_fail_code 3 "$helper" get <req >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test_must_fail_code 3 "$helper" store <sreq >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err &&
	test ! -e "$KEYRING_FILE_STORE" &&
	mv "$TRASH/store.away" "$KEYRING_FILE_STORE" &&
	test "$(count)" = "$before"
'

test_done
