#!/bin/bash

test_description='test infrastructure: framework, keyring, HTTP server'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

SCHEMA=org.bitbucket.credential

# --- framework ---------------------------------------------------------------

test_expect_success 'environment is isolated' '
	test "$HOME" = "$TRASH/home" &&
	test "$GIT_CONFIG_NOSYSTEM" = 1 &&
	test "$GIT_TERMINAL_PROMPT" = 0 &&
	test "$LC_ALL" = C &&
	test "$TZ" = UTC &&
	test -z "${DBUS_SESSION_BUS_ADDRESS:-}" &&
	test "$(git config --global init.defaultBranch)" = main &&
	test "$(git config user.name)" = "Test User" &&
	case ":$PATH:" in *":$GCB_BINDIR:"*) : ;; *) false ;; esac &&
	test -f "$TEST_DIRECTORY/lib.sh" &&
	test -d "$GCB_TOP/t" &&
	test "$PWD" = "$TRASH/work"
'

test_expect_success 'askpass stub answers and logs prompts' '
	echo alice >"$TRASH/askpass-user" &&
	echo s3cret >"$TRASH/askpass-answer" &&
	test "$("$GIT_ASKPASS" "Username for '\''http://h'\'': ")" = alice &&
	test "$("$GIT_ASKPASS" "Password for '\''http://alice@h'\'': ")" = s3cret &&
	test_must_fail "$GIT_ASKPASS" "Are you sure you want to continue connecting?" &&
	cat >expect <<-\EOF &&
	Username for '\''http://h'\'': 
	Password for '\''http://alice@h'\'': 
	Are you sure you want to continue connecting?
	EOF
	test_cmp expect "$TRASH/askpass-log" &&
	rm -f "$TRASH/askpass-user" "$TRASH/askpass-answer" "$TRASH/askpass-log" &&
	test_must_fail "$GIT_ASKPASS" "Password for x"
'

test_expect_success 'assertion helpers' '
	test_must_fail false &&
	! test_must_fail true 2>err &&
	test_grep "command succeeded" err &&
	! test_must_fail gcb-no-such-command 2>/dev/null &&
	! test_must_fail sh -c "kill -SEGV \$\$" 2>err &&
	test_grep "signal 11" err &&
	test_must_fail_code 3 sh -c "exit 3" &&
	! test_must_fail_code 3 sh -c "exit 4" 2>/dev/null &&
	! test_must_fail_code 3 true 2>/dev/null &&
	echo one >a && echo one >b && echo two >c &&
	test_cmp a b &&
	! test_cmp a c >/dev/null 2>&1 &&
	: >empty && test_must_be_empty empty &&
	! test_must_be_empty a 2>/dev/null &&
	! test_must_be_empty missing 2>/dev/null &&
	test_grep one a && test_grep ! two a && test_grep -F -x one a &&
	! test_grep two a 2>/dev/null && ! test_grep ! one a 2>/dev/null &&
	! test_grep one missing 2>/dev/null
'

# A throw-away script using the framework, run as a separate process with
# none of the knobs of the outer run.
nested_env="env -u GCB_KEEP_TRASH -u GCB_TEST_VERBOSE -u GCB_VALGRIND"

write_nested () {
	{
		echo "#!/bin/bash"
		echo "test_description=nested"
		printf '. %q\n' "$TEST_DIRECTORY/lib.sh"
		printf '. %q\n' "$TEST_DIRECTORY/lib-keyring.sh"
		cat
	} >"$1"
}

test_expect_success 'a failing case makes the script fail, output is shown' '
	write_nested nested-fail.sh <<-\EOF &&
	test_expect_success "good" "true"
	test_expect_success "bad" "echo some output && echo to stderr >&2 && false"
	test_expect_success "good again" "true"
	echo "$TRASH" >"$1"
	test_done
	EOF
	test_must_fail $nested_env bash nested-fail.sh "$PWD/nested-trash" >out &&
	cat >expect <<-\EOF &&
	ok 1 - good
	not ok 2 - bad
	# exit status 1; output:
	# + echo some output
	# some output
	# + echo to stderr
	# to stderr
	# + false
	ok 3 - good again
	1..3
	# passed 2, failed 1
	EOF
	test_cmp expect out &&
	test ! -e "$(cat nested-trash)"
'

test_expect_success 'GCB_KEEP_TRASH keeps the trash of a failed script' '
	write_nested nested-keep.sh <<-\EOF &&
	echo "$TRASH" >"$1"
	test_expect_success "bad" "false"
	test_done
	EOF
	test_must_fail env GCB_KEEP_TRASH=1 bash nested-keep.sh "$PWD/kept" >out &&
	kept=$(cat kept) &&
	test -d "$kept/home" &&
	test_grep "trash kept in $kept" out &&
	rm -rf "$kept"
'

test_expect_success 'test_skip_all and a missing test_done' '
	write_nested nested-skip.sh <<-\EOF &&
	test_skip_all "no frobnicator"
	EOF
	$nested_env bash nested-skip.sh >out &&
	echo "1..0 # SKIP no frobnicator" >expect &&
	test_cmp expect out &&
	write_nested nested-nodone.sh <<-\EOF &&
	test_expect_success "good" "true"
	EOF
	test_must_fail $nested_env bash nested-nodone.sh >out &&
	test_grep "ended before test_done" out
'

test_expect_success 'atexit hooks run in reverse order, also after exit' '
	write_nested nested-atexit.sh <<-\EOF &&
	test_atexit "echo first >>$1"
	test_atexit "echo second >>$1"
	test_expect_success "exits" "exit 5"
	test_done
	EOF
	test_must_fail_code 5 $nested_env bash nested-atexit.sh "$PWD/order" >out &&
	test_grep "^not ok 1 - exits$" out &&
	test_grep "^# + exit 5$" out &&
	printf "second\nfirst\n" >expect &&
	test_cmp expect order
'

# --- keyring -------------------------------------------------------------------

test_expect_secret_service 'start_keyring provides an unlocked Secret Service' '
	start_keyring &&
	test -n "$DBUS_SESSION_BUS_ADDRESS" &&
	keyring_name_owned org.freedesktop.secrets &&
	! keyring_is_locked &&
	echo 0 >expect &&
	keyring_count $SCHEMA >actual &&
	test_cmp expect actual
'

test_expect_secret_service 'without DBUS_SESSION_BUS_ADDRESS there is no bus' '
	test_must_fail env -u DBUS_SESSION_BUS_ADDRESS secret-tool lookup xdg:schema $SCHEMA user x 2>err &&
	test_grep -i "autolaunch" err
'

test_expect_secret_service 'the bus cannot auto-activate services' '
	test_must_fail dbus-send --session --print-reply \
		--dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.StartServiceByName \
		string:org.gnome.keyring.SystemPrompter uint32:0 2>err &&
	test_grep ServiceUnknown err &&
	dbus-send --session --print-reply --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus org.freedesktop.DBus.ListActivatableNames >names &&
	test_grep ! -e secrets -e keyring names
'

test_expect_secret_service 'secret-tool store/lookup round trip' '
	printf "tok1" | secret-tool store --label="t1" xdg:schema $SCHEMA \
		protocol https host bitbucket.org user alice &&
	printf "tok2" | secret-tool store --label="t2" xdg:schema $SCHEMA \
		protocol https host bitbucket.org user bob &&
	printf "other" | secret-tool store --label="t3" xdg:schema org.example.other \
		host bitbucket.org user alice &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org user alice)" = tok1 &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org user bob)" = tok2 &&
	echo 2 >expect && keyring_count $SCHEMA >actual && test_cmp expect actual &&
	echo 1 >expect && keyring_count org.example.other >actual && test_cmp expect actual &&
	keyring_dump $SCHEMA >dump &&
	test_grep "^secret = tok1$" dump &&
	test_grep "^attribute.user = bob$" dump &&
	test_grep ! other dump
'

test_expect_secret_service 'lock_keyring really locks the login collection' '
	lock_keyring &&
	keyring_is_locked login &&
	test_must_fail secret-tool lookup xdg:schema $SCHEMA host bitbucket.org user alice >out &&
	test_must_be_empty out &&
	printf new | test_must_fail secret-tool store --label=x xdg:schema $SCHEMA \
		host bitbucket.org user carol 2>err &&
	test_grep -i locked err &&
	echo 2 >expect && keyring_count $SCHEMA >actual && test_cmp expect actual
'

test_expect_secret_service 'unlock_keyring restarts the daemon with the items unlocked' '
	unlock_keyring &&
	! keyring_is_locked &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org user alice)" = tok1 &&
	printf tok3 | secret-tool store --label=x xdg:schema $SCHEMA host bitbucket.org user carol &&
	echo 3 >expect && keyring_count $SCHEMA >actual && test_cmp expect actual
'

test_expect_secret_service 'stop_keyring_daemon leaves the bus without a Secret Service' '
	old_pid=$KEYRING_DAEMON_PID &&
	stop_keyring_daemon &&
	! test_pid_alive "$old_pid" &&
	test_pid_alive "$KEYRING_BUS_PID" &&
	! keyring_name_owned org.freedesktop.secrets &&
	test_must_fail secret-tool lookup xdg:schema $SCHEMA user alice 2>err &&
	test_grep org.freedesktop.secrets err &&
	test_must_fail keyring_count $SCHEMA 2>/dev/null
'

test_expect_secret_service 'start_keyring_daemon brings the stored items back' '
	start_keyring_daemon &&
	keyring_name_owned &&
	test "$(secret-tool lookup xdg:schema $SCHEMA user carol)" = tok3
'

# the same library under GCB_KEYSTORE=file: no bus, the encrypted file
# store unlocked from a file descriptor, gcb-filestore-tool as secret-tool
test_expect_file_store 'start_keyring provides an unlocked file store and no bus' '
	start_keyring &&
	test -z "${DBUS_SESSION_BUS_ADDRESS:-}" &&
	test "$(stat -c %a "$KEYRING_FILE_STORE")" = 600 &&
	test "$(head -c 8 "$KEYRING_FILE_STORE")" = GCBSTORE &&
	! keyring_is_locked &&
	echo 0 >expect &&
	keyring_count $SCHEMA >actual &&
	test_cmp expect actual
'

test_expect_file_store 'secret-tool on the file store: store/lookup round trip; other schemas refused' '
	printf "tok1" | secret-tool store --label="t1" xdg:schema $SCHEMA \
		kind api-token protocol https host bitbucket.org scope a username alice &&
	printf "tok2" | secret-tool store --label="t2" xdg:schema $SCHEMA \
		kind api-token protocol https host bitbucket.org scope a username bob &&
	printf "other" | test_must_fail secret-tool store --label="t3" xdg:schema org.example.other \
		host bitbucket.org username alice 2>err &&
	echo "gcb-filestore-tool: the file store cannot hold the attribute xdg:schema = '\''org.example.other'\''" >expect &&
	test_cmp expect err &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org username alice)" = tok1 &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org username bob)" = tok2 &&
	echo 2 >expect && keyring_count $SCHEMA >actual && test_cmp expect actual &&
	keyring_dump $SCHEMA >dump &&
	test_grep "^secret = tok1$" dump &&
	test_grep "^attribute.username = bob$" dump &&
	test_grep ! other dump
'

test_expect_file_store 'lock_keyring locks the file store: nothing read, nothing written' '
	lock_keyring &&
	keyring_is_locked &&
	test_must_fail secret-tool lookup xdg:schema $SCHEMA host bitbucket.org username alice >out 2>err &&
	test_must_be_empty out &&
	echo "gcb-filestore-tool: cannot open the file store: no cached key for the store" >expect &&
	test_cmp expect err &&
	cp "$KEYRING_FILE_STORE" store.before &&
	printf new | test_must_fail secret-tool store --label=x xdg:schema $SCHEMA \
		kind api-token protocol https host bitbucket.org scope a username carol 2>err &&
	test_cmp expect err &&
	cmp store.before "$KEYRING_FILE_STORE" &&
	keyring_file_locked_line >expect &&
	test_must_fail_code 3 git-credential-bitbucket list 2>err &&
	test_cmp expect err
'

test_expect_file_store 'unlock_keyring unlocks the file store with every item' '
	unlock_keyring &&
	! keyring_is_locked &&
	test "$(secret-tool lookup xdg:schema $SCHEMA host bitbucket.org username alice)" = tok1 &&
	printf tok3 | secret-tool store --label=x xdg:schema $SCHEMA \
		kind api-token protocol https host bitbucket.org scope a username carol &&
	echo 3 >expect && keyring_count $SCHEMA >actual && test_cmp expect actual
'

test_expect_file_store 'stopping and starting the daemon leave the file store as it is' '
	stop_keyring_daemon &&
	start_keyring_daemon &&
	test -z "$KEYRING_DAEMON_PID" &&
	test "$(secret-tool lookup xdg:schema $SCHEMA username carol)" = tok3
'

# --- HTTP server ---------------------------------------------------------------

test_expect_success 'start_httpd serves git over HTTP with Basic auth' '
	start_httpd &&
	test -n "$HTTPD_PORT" &&
	test "$HTTPD_URL" = "http://127.0.0.1:$HTTPD_PORT/auth" &&
	httpd_create_repo scm/proj/repo.git &&
	httpd_create_repo workspace/cloud.git &&
	httpd_add_user alice "pass word:1" &&
	httpd_add_user bob bobpw
'

test_expect_success 'clone with the right user and password' '
	rm -f "$TRASH/askpass-log" &&
	echo alice >"$TRASH/askpass-user" &&
	echo "pass word:1" >"$TRASH/askpass-answer" &&
	git -c credential.helper= clone "$HTTPD_URL/scm/proj/repo.git" clone 2>err &&
	test "$(git -C clone log -1 --format=%s)" = initial &&
	test_grep "^Username for .http://127.0.0.1:$HTTPD_PORT.: $" "$TRASH/askpass-log" &&
	test_grep "^Password for .http://alice@127.0.0.1:$HTTPD_PORT.: $" "$TRASH/askpass-log" &&
	test "$(httpd_count_status 401)" = 1 &&
	test_grep " alice \[.*\] \"GET /auth/scm/proj/repo.git/info/refs?service=git-upload-pack HTTP/1.1\" 200 " \
		"$HTTPD_ROOT/access.log"
'

test_expect_success 'the Cloud-shaped path works too' '
	echo bob >"$TRASH/askpass-user" &&
	echo bobpw >"$TRASH/askpass-answer" &&
	git -c credential.helper= clone "$HTTPD_URL/workspace/cloud.git" cloud &&
	test "$(git -C cloud rev-parse HEAD)" = \
		"$(git --git-dir="$HTTPD_ROOT/repos/workspace/cloud.git" rev-parse main)"
'

test_expect_success 'a wrong password is refused with 401' '
	before=$(httpd_count_status 401) &&
	echo alice >"$TRASH/askpass-user" &&
	echo wrong >"$TRASH/askpass-answer" &&
	test_must_fail git -c credential.helper= clone "$HTTPD_URL/scm/proj/repo.git" bad 2>err &&
	test_grep "Authentication failed" err &&
	test ! -d bad &&
	after=$(httpd_count_status 401) &&
	test "$after" -eq $((before + 2))
'

test_expect_success 'no credentials at all: git fails without prompting a terminal' '
	rm -f "$TRASH/askpass-user" "$TRASH/askpass-answer" &&
	test_must_fail git -c credential.helper= ls-remote "$HTTPD_URL/scm/proj/repo.git" 2>err &&
	test_grep -i "could not read Username" err
'

test_expect_success 'push works and reaches the server repository' '
	echo alice >"$TRASH/askpass-user" &&
	echo "pass word:1" >"$TRASH/askpass-answer" &&
	echo more >>clone/README &&
	git -C clone commit -q -a -m second &&
	git -C clone -c credential.helper= push origin main 2>err &&
	test "$(git --git-dir="$HTTPD_ROOT/repos/scm/proj/repo.git" log -1 --format=%s main)" = second &&
	test_grep "\"POST /auth/scm/proj/repo.git/git-receive-pack HTTP/1.1\" 200 " "$HTTPD_ROOT/access.log"
'

test_expect_success 'password changes take effect without a restart' '
	httpd_add_user alice newpw &&
	test_must_fail git -c credential.helper= ls-remote "$HTTPD_URL/scm/proj/repo.git" 2>/dev/null &&
	echo newpw >"$TRASH/askpass-answer" &&
	git -c credential.helper= ls-remote "$HTTPD_URL/scm/proj/repo.git" >refs &&
	test_grep refs/heads/main refs &&
	httpd_remove_user alice &&
	test_must_fail git -c credential.helper= ls-remote "$HTTPD_URL/scm/proj/repo.git" 2>/dev/null
'

# --- cleanup -------------------------------------------------------------------

test_expect_secret_service 'a script killed by SIGTERM still stops its daemons' '
	write_nested nested-kill.sh <<-\EOF &&
	start_keyring || exit 1
	echo "$KEYRING_BUS_PID $KEYRING_DAEMON_PID $TRASH" >"$1.tmp"
	mv "$1.tmp" "$1"
	test_expect_success "wait to be killed" "for i in \$(seq 200); do sleep 0.05; done"
	test_done
	EOF
	{ $nested_env bash nested-kill.sh "$PWD/kill-pids" >out 2>&1 & } &&
	nested=$! &&
	test_atexit "test_stop_pid $nested nested-kill.sh" &&
	test_wait_for 10 "test -f kill-pids" &&
	read bus daemon ntrash <kill-pids &&
	test_pid_alive "$bus" &&
	test_pid_alive "$daemon" &&
	kill -TERM "$nested" &&
	status=0 && wait "$nested" || status=$? &&
	test "$status" -eq 143 &&
	test_grep "^not ok 1 - wait to be killed$" out &&
	test_grep "ended before test_done" out &&
	! test_pid_alive "$bus" &&
	! test_pid_alive "$daemon" &&
	test ! -e "$ntrash"
'

test_expect_secret_service 'the stop functions end exactly the processes started' '
	bus=$KEYRING_BUS_PID daemon=$KEYRING_DAEMON_PID httpd=$HTTPD_PID &&
	test_pid_alive "$bus" && test_pid_alive "$daemon" && test_pid_alive "$httpd" &&
	test "$(cat "$KEYRING_DIR/dbus.pid")" = "$bus" &&
	test "$(cat "$KEYRING_DIR/gnome-keyring.pid")" = "$daemon" &&
	test "$(cat "$HTTPD_ROOT/lighttpd.pid")" = "$httpd" &&
	stop_httpd &&
	stop_keyring &&
	! test_pid_alive "$httpd" &&
	! test_pid_alive "$daemon" &&
	! test_pid_alive "$bus" &&
	! kill -0 "$httpd" 2>/dev/null &&
	! kill -0 "$daemon" 2>/dev/null &&
	! kill -0 "$bus" 2>/dev/null
'

test_expect_file_store 'a script killed by SIGTERM still removes its trash; the file store needs no process' '
	write_nested nested-kill-file.sh <<-\EOF &&
	start_keyring || exit 1
	# written from inside the case: a kill before it began would find
	# stdout on the case log, which the trash removal takes with it
	test_expect_success "wait to be killed" "
		echo \"\$KEYRING_BUS_PID \$TRASH\" >\"$1.tmp\" && mv \"$1.tmp\" \"$1\" &&
		for i in \$(seq 200); do sleep 0.05; done"
	test_done
	EOF
	{ $nested_env bash nested-kill-file.sh "$PWD/kill-file" >out 2>&1 & } &&
	nested=$! &&
	test_atexit "test_stop_pid $nested nested-kill-file.sh" &&
	test_wait_for 10 "test -f kill-file" &&
	read bus ntrash <kill-file &&
	test "$bus" = file &&
	kill -TERM "$nested" &&
	status=0 && wait "$nested" || status=$? &&
	test "$status" -eq 143 &&
	test_grep "^not ok 1 - wait to be killed$" out &&
	test_grep "ended before test_done" out &&
	test ! -e "$ntrash"
'

test_expect_file_store 'stop_httpd ends the server; stop_keyring leaves the file store' '
	httpd=$HTTPD_PID &&
	test_pid_alive "$httpd" &&
	test "$(cat "$HTTPD_ROOT/lighttpd.pid")" = "$httpd" &&
	stop_httpd &&
	stop_keyring &&
	! test_pid_alive "$httpd" &&
	! kill -0 "$httpd" 2>/dev/null &&
	test -z "$KEYRING_BUS_PID" &&
	test "$(secret-tool lookup xdg:schema $SCHEMA username carol)" = tok3
'

test_done
