#!/bin/bash
# run-tests: slow

test_description='the encrypted file store with no D-Bus session bus at all: unlock, login, get, erase, a generated key over SSH, wrong passphrase, damaged, newer and world-readable files, concurrent writers, a lock kept too long, cache expiry, lock, passwd; a person on a terminal asked once across login, clone and push over HTTPS and SSH; a CI job unlocking from a file descriptor; doctor; migrate both ways, no plaintext on disk'

. "$(dirname "$0")/lib.sh"
# this script makes its own file store, and starts a Secret Service for migrate
unset GCB_KEYSTORE
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

sshd_prereq
command -v keyctl >/dev/null || test_skip_all "needs keyctl (keyutils) to give the script its own session keyring"

prog=git-credential-bitbucket
STORE_DIR="$XDG_DATA_HOME/git-credential-bitbucket"
STORE="$STORE_DIR/keystore.enc"
PASS=correct-horse-battery
# the tokens only ever travel through pipes and variables, never files
TOKEN="ATATT3xFfGF0$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export GCB_TEST_FILESTORE_KDF=10,8,1
# under valgrind a program takes seconds: a cache period it cannot
# outlast, and 4 concurrent writers instead of 16 (16 valgrinds outlast
# the script's time limit on 2 cores; the plain and ASan runs keep 16)
CACHE_T=2 WRITERS=16
[ -z "${GCB_VALGRIND:-}" ] || CACHE_T=30 WRITERS=4
export TMPDIR="$TRASH/tmp"
mkdir -p "$TMPDIR"
unset DBUS_SESSION_BUS_ADDRESS

login_token () {
	{ local -; set +x; } 2>/dev/null
	printf '%s\n' "$1" | "$prog" login --stdin "${@:2}"
}

# erase_token USER TOKEN: git'''s erase for acme/widget with that token
erase_token () {
	{ local -; set +x; } 2>/dev/null
	printf 'protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=%s\npassword=%s\n\n' \
		"$1" "$2" | "$prog" erase
}

get_req () {
	printf 'protocol=https\nhost=bitbucket.org\npath=%s\n\n' "$1"
}

# got_token USER TOKEN: `get` for acme/widget answered USER and TOKEN
got_token () {
	{ local -; set +x; } 2>/dev/null
	get_req acme/widget.git | "$prog" get >got 2>err || return 1
	test "$(sed -n 's/^username=//p' got)" = "$1" &&
	test "$(sed -n 's/^password=//p' got)" = "$2" &&
	rm -f got
}

unlock_with () {
	printf '%s\n' "$1" >"$TRASH/pass" &&
	"$prog" unlock --passphrase-fd 3 3<"$TRASH/pass" >out 2>err
	local rc=$?
	rm -f "$TRASH/pass"
	return $rc
}

count_items () {
	"$prog" list --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

LOCKED_LINE="$prog: the encrypted file store ($STORE) is locked and there is no terminal to ask its passphrase on; run 'git credential-bitbucket unlock' (in CI: 'unlock --passphrase-fd N') and try again"

test_expect_success 'setup: no session bus, this script'\''s own session keyring' '
	keyctl new_session >/dev/null &&
	get_req acme/widget.git >req &&
	test -z "${DBUS_SESSION_BUS_ADDRESS:-}" && test ! -e "$XDG_RUNTIME_DIR/bus" &&
	git config --global credential.useHttpPath true
'

test_expect_success 'no Secret Service and no store yet: get is quiet on stdout, one line, exit 3' '
	test_must_fail_code 3 "$prog" get <req >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: cannot reach the keyring: there is no D-Bus session bus and no encrypted file store yet; create one with '\''git credential-bitbucket unlock'\'' (servers, WSL, CI), or run this inside your desktop session" >expect &&
	test_cmp expect err &&
	test ! -e "$STORE"
'

test_expect_success 'unlock --passphrase-fd creates the store: 0600 in a 0700 directory' '
	unlock_with "$PASS" &&
	test_must_be_empty err &&
	printf "%s\n" "created the encrypted file store $STORE" \
		"unlocked $STORE for 900 seconds (bitbucket.cacheTimeout)" >expect &&
	test_cmp expect out &&
	test "$(stat -c %a "$STORE")" = 600 &&
	test "$(stat -c %a "$STORE_DIR")" = 700 &&
	test "$(head -c 8 "$STORE")" = GCBSTORE
'

test_expect_success 'login stores in the file store and says so; get answers; list names the store' '
	login_token "$TOKEN" --username alice https://bitbucket.org/acme/ >out 2>err &&
	echo "stored API token for alice on bitbucket.org/acme" >expect &&
	test_cmp expect out &&
	echo "$prog: stored in the encrypted file store $STORE (there is no D-Bus session bus)" >expect &&
	test_cmp expect err &&
	got_token alice "$TOKEN" &&
	"$prog" list >out &&
	test_grep -E "^API token +bitbucket.org/acme +alice " out &&
	test_grep -x "store: the encrypted file store $STORE (there is no D-Bus session bus)" out
'

test_expect_success 'erase of that token removes it; get then answers nothing' '
	erase_token alice "$TOKEN" &&
	test "$(count_items)" = 0 &&
	get_req acme/widget.git | "$prog" get >out &&
	test_must_be_empty out
'

test_expect_success 'key generate into the file store; git clones over SSH with it' '
	start_sshd &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --add safe.directory "*" &&
	sshd_trust_host_keys &&
	sshd_create_repo acme/widget.git &&
	"$prog" key generate filekey --scope "$SSHD_URL/acme/widget.git" >gen 2>err &&
	test_grep "stored in the encrypted file store" err &&
	"$prog" key public filekey >pub &&
	sshd_authorize pub &&
	git clone "$SSHD_URL/acme/widget.git" widget 2>err &&
	test "$(cat widget/README)" = acme/widget.git
'

test_expect_success 'lock: the next use without a terminal fails with the unlock line, exit 3' '
	"$prog" lock >out &&
	echo "locked $STORE: the next use asks for its passphrase" >expect &&
	test_cmp expect out &&
	test_must_fail_code 3 "$prog" get <req >out 2>err &&
	test_must_be_empty out &&
	echo "$LOCKED_LINE" >expect &&
	test_cmp expect err &&
	test_must_fail git clone "$SSHD_URL/acme/widget.git" widget2 2>err &&
	test_grep -F "git-bitbucket-ssh: the encrypted file store ($STORE) is locked" err
'

test_expect_success 'a wrong passphrase is refused with its line; the right one unlocks' '
	test_must_fail_code 3 unlock_with wrong-passphrase &&
	echo "$prog: cannot open the encrypted file store ($STORE): wrong passphrase, or the file was altered; try again with the right passphrase, or restore the file from a backup" >expect &&
	test_cmp expect err &&
	unlock_with "$PASS" &&
	test_grep -x "unlocked $STORE for 900 seconds (bitbucket.cacheTimeout)" out &&
	git clone "$SSHD_URL/acme/widget.git" widget3
'

test_expect_success 'a corrupted byte and a truncated file are refused with their lines' '
	cp -p "$STORE" "$TRASH/store.bak" &&
	login_token "$TOKEN" --username alice https://bitbucket.org/acme/ 2>/dev/null &&
	cp -p "$STORE" "$TRASH/store.good" &&
	size=$(stat -c %s "$STORE") &&
	printf "\\x00" | dd of="$STORE" bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null &&
	"$prog" lock >/dev/null &&
	test_must_fail_code 3 unlock_with "$PASS" &&
	test_grep -F "wrong passphrase, or the file was altered" err &&
	cp -p "$TRASH/store.good" "$STORE" &&
	truncate -s $((size - 30)) "$STORE" &&
	test_must_fail_code 3 unlock_with "$PASS" &&
	echo "$prog: cannot read the encrypted file store ($STORE): the store file is truncated; restore it from a backup, or move it away and log in again" >expect &&
	test_cmp expect err &&
	cp -p "$TRASH/store.good" "$STORE" &&
	unlock_with "$PASS" &&
	got_token alice "$TOKEN"
'

test_expect_success 'a file from a newer version is refused and never rewritten' '
	cp -p "$STORE" "$TRASH/store.v1" &&
	printf "\\x00\\x02" | dd of="$STORE" bs=1 seek=8 conv=notrunc 2>/dev/null &&
	cp -p "$STORE" "$TRASH/store.v2" &&
	test_must_fail_code 3 login_token "$TOKEN" --username bob https://bitbucket.org/acme/ >out 2>err &&
	echo "$prog: the encrypted file store ($STORE) was written by a newer version of git-credential-bitbucket; upgrade it (the file is left as it is)" >expect &&
	test_cmp expect err &&
	test_must_fail_code 3 unlock_with "$PASS" &&
	test_cmp expect err &&
	cmp "$STORE" "$TRASH/store.v2" &&
	cp -p "$TRASH/store.v1" "$STORE"
'

test_expect_success 'a store others can read is refused, never read' '
	chmod 644 "$STORE" &&
	test_must_fail_code 3 "$prog" get <req >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: refusing the encrypted file store ($STORE): the store file is accessible by other users; make it a regular file of yours with '\''chmod 600'\'' in a directory only you can write" >expect &&
	test_cmp expect err &&
	chmod 600 "$STORE" &&
	got_token alice "$TOKEN"
'

test_expect_success "$WRITERS concurrent writers: every item is there" '
	before=$(count_items) &&
	pids= &&
	for i in $(seq 1 $WRITERS); do
		login_token "${TOKEN}x$i" --username "user$i" "https://bitbucket.org/ws$i/" >/dev/null 2>"err.$i" &
		pids="$pids $!"
	done &&
	for p in $pids; do wait $p || exit 1; done &&
	test "$(count_items)" = $((before + WRITERS)) &&
	for i in $(seq 1 $WRITERS); do
		test_must_be_empty "err.$i" || test_grep "stored in the encrypted file store" "err.$i" || return 1
	done
'

test_expect_success 'a process that keeps the store'\''s lock: a writer gives up after 10 s with one line, nothing written; killed, it frees the lock at once' '
	before=$(count_items) &&
	cp -p "$STORE" "$TRASH/store.before" &&
	rm -f held &&
	{ python3 -c "import fcntl, sys, time
f = open(sys.argv[1], \"a\")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], \"w\").close()
time.sleep(120)" "$STORE.lock" held & } &&
	holder=$! &&
	test_atexit "kill -KILL $holder 2>/dev/null; :" &&
	test_wait_for 10 "test -e held" &&
	test_must_fail_code 3 login_token "${TOKEN}held" --username held https://bitbucket.org/held/ >out 2>err &&
	test_must_be_empty out &&
	echo "$prog: the encrypted file store ($STORE) stayed locked by another process for 10 s; try again" >expect &&
	test_cmp expect err &&
	cmp "$STORE" "$TRASH/store.before" &&
	kill -KILL $holder && { wait $holder; :; } &&
	login_token "${TOKEN}held" --username held https://bitbucket.org/held/ >out 2>err &&
	test "$(count_items)" = $((before + 1))
'

test_expect_success 'the cached key expires after bitbucket.cacheTimeout' '
	git config --global bitbucket.cacheTimeout $CACHE_T &&
	unlock_with "$PASS" &&
	test_grep -x "unlocked $STORE for $CACHE_T seconds (bitbucket.cacheTimeout)" out &&
	got_token alice "$TOKEN" &&
	sleep $((CACHE_T + 1)) &&
	test_must_fail_code 3 "$prog" get <req >out 2>err &&
	echo "$LOCKED_LINE" >expect &&
	test_cmp expect err &&
	git config --global --unset bitbucket.cacheTimeout &&
	unlock_with "$PASS"
'

test_expect_success 'passwd re-encrypts under a new passphrase; the old one stops working' '
	printf "%s\n%s\n" "$PASS" new-passphrase >"$TRASH/pw" &&
	"$prog" passwd --passphrase-fd 3 3<"$TRASH/pw" >out 2>err &&
	rm -f "$TRASH/pw" &&
	test_grep -x "re-encrypted $STORE under the new passphrase" out &&
	"$prog" lock >/dev/null &&
	test_must_fail_code 3 unlock_with "$PASS" &&
	unlock_with new-passphrase &&
	got_token alice "$TOKEN" &&
	PASS=new-passphrase
'

test_expect_success 'bitbucket.keystore must be secret-service or file' '
	test_must_fail_code 3 git -c bitbucket.keystore=kwallet credential-bitbucket get <req >out 2>err &&
	echo "$prog: bitbucket.keystore is not '\''secret-service'\'' or '\''file'\''; fix it with '\''git config --global bitbucket.keystore file'\'' (or secret-service), or unset it to choose automatically" >expect &&
	test_cmp expect err
'

# ---- the person over SSH with no desktop, and the CI job ----

# drive.py COMMAND...: runs COMMAND on a new pseudo-terminal (its
# controlling terminal, as in an SSH login) and answers every prompt for
# the store's passphrase with the first line of its own stdin (read before
# the fork: the passphrase never reaches an environment or argv).  What
# the terminal showed goes to stdout, with "<answered>" where it typed;
# exits with COMMAND's status.
cat >"$TRASH/drive.py" <<\PYEOF
import os, pty, signal, sys
signal.alarm(int(os.environ.get("DRIVE_SECONDS", "90")))
answer = sys.stdin.readline().rstrip("\n").encode()
prompt = b"Passphrase for the file store "
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, seen = b"", 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if out.count(prompt) > seen and out.rstrip().endswith(b":"):
        seen += 1
        out += b"<answered>"
        os.write(fd, answer + b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PYEOF
DRIVE_SECONDS=90
[ -z "${GCB_VALGRIND:-}" ] || DRIVE_SECONDS=600
export DRIVE_SECONDS
HTOKEN="BBDC-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"

test_expect_success 'setup: an HTTP server with a repository; the SSH repository takes pushes' '
	start_httpd &&
	httpd_add_user alice "$HTOKEN" &&
	httpd_create_repo scm/proj/repo.git &&
	git config --global "credential.http://127.0.0.1:$HTTPD_PORT.helper" bitbucket &&
	HURL="$HTTPD_URL/scm/proj/repo.git" SURL="$SSHD_URL/acme/widget.git" &&
	export HURL SURL
'

# both.sh FILE MESSAGE: clone $HURL (over HTTP) into h-clone and $SURL
# (over SSH) into s-clone, and push to each a commit adding FILE
cat >"$TRASH/both.sh" <<\EOF
set -e
for pair in "h-clone $HURL" "s-clone $SURL"; do
	set -- "$1" "$2" $pair
	git clone -q "$4" "$3"
	(cd "$3" && echo "$1" >"$1" && git add "$1" && git commit -qm "$2" &&
		git push -q origin HEAD:main)
done
EOF

test_expect_success 'over SSH, no desktop: login, clone and push over HTTPS and SSH; the passphrase asked once, on the terminal' '
	"$prog" lock >/dev/null &&
	cat >session.sh <<-\EOF &&
	set -e
	git credential-bitbucket login --stdin --username alice "${HURL%/repo.git}/" <&5
	exec 5<&-
	bash "$TRASH/both.sh" person "pushed by a person"
	echo "session done"
	EOF
	printf "%s\n" "$PASS" | env -u GIT_TERMINAL_PROMPT \
		python3 "$TRASH/drive.py" bash session.sh 5< <(printf "%s\n" "$HTOKEN") >screen &&
	test_grep "^session done" screen &&
	test "$(grep -c -F "Passphrase for the file store $STORE: <answered>" screen)" = 1 &&
	test "$(grep -c -F "Passphrase for the file store" screen)" = 1 &&
	test_grep -F "stored in the encrypted file store $STORE (there is no D-Bus session bus)" screen &&
	{ set +x; } 2>/dev/null &&
	! grep -q -F -e "$PASS" -e "$HTOKEN" screen &&
	set -x &&
	test "$(git --git-dir="$HTTPD_ROOT/repos/scm/proj/repo.git" log -1 --format=%s main)" = "pushed by a person" &&
	test "$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" log -1 --format=%s main)" = "pushed by a person" &&
	got_token alice "$TOKEN"
'

test_expect_success 'CI, no terminal at all: locked fails at once with the unlock line; unlock --passphrase-fd, then clone and push over HTTPS and SSH' '
	"$prog" lock >/dev/null &&
	rm -rf h-clone s-clone &&
	cat >ci.sh <<-\EOF &&
	if git ls-remote "$HURL" >/dev/null 2>locked.err; then exit 10; fi
	set -e
	git credential-bitbucket unlock --passphrase-fd 4
	exec 4<&-
	git credential-bitbucket login --stdin --username alice "${HURL%/repo.git}/" <&5
	exec 5<&-
	bash "$TRASH/both.sh" ci "pushed by CI"
	echo "ci done"
	EOF
	timeout 300 setsid -w env -u GIT_TERMINAL_PROMPT bash ci.sh </dev/null >ci.out 2>ci.err \
		4< <(printf "%s\n" "$PASS") 5< <(printf "%s\n" "$HTOKEN") &&
	test_grep -x -F "$LOCKED_LINE" locked.err &&
	printf "%s\n" "unlocked $STORE for 900 seconds (bitbucket.cacheTimeout)" \
		"stored personal token for alice on 127.0.0.1:$HTTPD_PORT/proj" "ci done" >expect &&
	test_cmp expect ci.out &&
	test_grep -x -F "$prog: stored in the encrypted file store $STORE (there is no D-Bus session bus)" ci.err &&
	test "$(git --git-dir="$HTTPD_ROOT/repos/scm/proj/repo.git" log -1 --format=%s main)" = "pushed by CI" &&
	test "$(git --git-dir="$SSHD_ROOT/repos/acme/widget.git" log -1 --format=%s main)" = "pushed by CI"
'

test_expect_success 'doctor names the active store and why, and the fix when it is locked' '
	"$prog" doctor "$SURL" >out 2>err &&
	test_grep -F -x "✔ keystore: the encrypted file store $STORE (there is no D-Bus session bus)" out &&
	"$prog" lock >/dev/null &&
	test_must_fail_code 1 "$prog" doctor "$SURL" >out 2>err &&
	test_grep -F -x "✘ keystore: the encrypted file store $STORE (there is no D-Bus session bus) is locked: no cached key; unlock it with '\''git credential-bitbucket unlock'\'' (in CI: '\''unlock --passphrase-fd N'\'') and run doctor again" out &&
	unlock_with "$PASS"
'

test_expect_success 'migrate to the Secret Service and back: nothing lost' '
	n=$(count_items) &&
	start_keyring &&
	"$prog" migrate --to secret-service >out &&
	test_grep -x "moved $n items from the encrypted file store $STORE to the Secret Service" out &&
	test "$(keyring_count)" = "$n" &&
	test "$(git -c bitbucket.keystore=file credential-bitbucket list --json)" = "[]" &&
	got_token alice "$TOKEN" &&
	"$prog" migrate --to file >out &&
	test_grep -x "moved $n items from the Secret Service to the encrypted file store $STORE" out &&
	test "$(keyring_count)" = 0 &&
	test "$(git -c bitbucket.keystore=file credential-bitbucket list --json |
		python3 -c "import json, sys; print(len(json.load(sys.stdin)))")" = "$n" &&
	git config --global bitbucket.keystore file &&
	got_token alice "$TOKEN" &&
	git clone "$SSHD_URL/acme/widget.git" widget4
'

test_expect_success 'migrate with a session bus that does not answer: one line, exit 3, within seconds; nothing moved' '
	n=$(count_items) &&
	kill -STOP $KEYRING_BUS_PID &&
	{ timeout 60 "$prog" migrate --to secret-service >out 2>err; echo $? >rc; } ;
	kill -CONT $KEYRING_BUS_PID &&
	test "$(cat rc)" = 3 &&
	test_must_be_empty out &&
	echo "$prog: the keyring did not answer in time; check that your D-Bus session and Secret Service (e.g. gnome-keyring-daemon) are running and not waiting for a prompt" >expect &&
	test_cmp expect err &&
	test "$(count_items)" = "$n" &&
	test "$(keyring_count)" = 0
'

test_expect_success 'no token in plaintext anywhere on disk: the store, HOME, TMPDIR, the runtime dir' '
	{ set +x; } 2>/dev/null &&
	! grep -rlaF -e "$TOKEN" "$STORE_DIR" "$HOME" "$TMPDIR" "$XDG_RUNTIME_DIR" "$TRASH/work" >found 2>/dev/null &&
	set -x &&
	test_must_be_empty found
'

test_done
