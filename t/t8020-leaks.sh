#!/bin/bash

test_description='leak checks on real runs of every verb: the token and the private key never appear in argv or environment of any process, on stdout/stderr (except where printing is the point), in files under HOME or TMPDIR, in a core file, or in clear on the session bus'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"

prog=git-credential-bitbucket
TOKEN=ATATT3xFfGF0leakCANARY7q9z
TOKEN2=ATATT3xFfGF0leakCANARYlogin5k
export TMPDIR="$TRASH/tmp"
mkdir -p "$TMPDIR" "$TRASH/in"

# LeakSanitizer cannot run under ptrace
no_lsan="ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0"

# traced NAME CMD...: CMD under strace (every execve with its environment),
# stdin from $TRASH/in/NAME if it exists; NAME.out, NAME.err, NAME.trace
traced () {
	local name=$1 in=/dev/null
	shift
	[ ! -f "$TRASH/in/$name" ] || in="$TRASH/in/$name"
	env "$no_lsan" strace -f -qq -v -s 100000 -e trace=execve -o "$name.trace" \
		"$@" <"$in" >"$name.out" 2>"$name.err"
}

# the bus in clear: a monitor of every message, raw (pcap), so a secret
# sent unencrypted would show as its bytes.  stop_monitor first sends a
# marker call and waits until the monitor has written it: the monitor
# writes in bus order, so every message before it is in the file too.
start_monitor () {
	MONITOR_FILE=$1
	dbus-monitor --session --pcap >"$1" 2>"$1.err" &
	MONITOR_PID=$!
	test_wait_for 30 "test -s $1"
}
stop_monitor () {
	local marker=gcb.test.monitor.end$$
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$marker" >/dev/null &&
	test_wait_for 30 "grep -a -q $marker \"\$MONITOR_FILE\"" &&
	kill "$MONITOR_PID" && wait "$MONITOR_PID"
	MONITOR_PID=
	return 0
}

# no_secret_in FILE...: neither token nor the private key's base64 body
no_secret_in () {
	local f
	for f in "$@"; do
		if grep -a -q -e "$TOKEN" -e "$TOKEN2" -e "$KEYLINE" "$f"; then
			echo "a secret in $f" >&2
			return 1
		fi
	done
}

test_expect_success 'setup: a keyring, a private key, the secrets only in input files' '
	start_keyring &&
	ssh-keygen -q -t ecdsa -m PEM -N "" -C leak -f "$TRASH/in/key" &&
	KEYLINE=$(sed -n 2p "$TRASH/in/key" | cut -c1-40) &&
	test -n "$KEYLINE" &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=alice\npassword=%s\n\n" "$TOKEN" >"$TRASH/in/store" &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n" >"$TRASH/in/get" &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=alice\npassword=%s\n\n" "$TOKEN" >"$TRASH/in/erase" &&
	printf "%s\n" "$TOKEN2" >"$TRASH/in/login" &&
	cp "$TRASH/in/key" "$TRASH/in/import"
'

test_expect_success 'store, get, login --stdin with a bus monitor: the session is encrypted, no secret in clear' '
	start_monitor bus.pcap &&
	traced store "$prog" store &&
	traced get "$prog" get &&
	traced login "$prog" login --stdin --username bob https://bitbucket.org/acme/ &&
	traced import "$prog" key import --scope git@bitbucket.org:acme/ deploy - &&
	traced public "$prog" key public deploy &&
	stop_monitor &&
	test_grep "^password=$TOKEN$" get.out &&
	# the monitor saw the traffic: our items'\'' attributes and the algorithm
	grep -a -q "org.bitbucket.credential" bus.pcap &&
	grep -a -c "dh-ietf1024-sha256-aes128-cbc-pkcs7" bus.pcap >n &&
	test "$(cat n)" -ge 1 &&
	no_secret_in bus.pcap
'

test_expect_success 'list, erase, logout, key generate, key remove, a clone through the helper' '
	traced list "$prog" list &&
	traced keylist "$prog" key list &&
	traced generate "$prog" key generate gen &&
	traced remove "$prog" key remove gen &&
	traced logout "$prog" logout --username bob https://bitbucket.org/acme/ &&
	traced erase "$prog" erase &&
	printf "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=alice\npassword=%s\n\n" "$TOKEN" >"$TRASH/in/approve" &&
	traced approve git -c credential.helper= -c credential.helper=bitbucket -c credential.useHttpPath=true credential approve &&
	cp "$TRASH/in/get" "$TRASH/in/fill" &&
	traced fill git -c credential.helper= -c credential.helper=bitbucket -c credential.useHttpPath=true credential fill &&
	test_grep "^password=$TOKEN$" fill.out
'

test_expect_success 'no secret in any argv or environment of any process started (strace execve)' '
	ls *.trace >traces &&
	test $(wc -l <traces) = 13 &&
	test_grep "execve(\"[^\"]*git-credential-bitbucket\"" get.trace &&
	no_secret_in *.trace
'

test_expect_success 'no secret on stdout or stderr, except the get answer and key public prints the public key only' '
	for f in *.out *.err; do
		case $f in get.out | fill.out) continue ;; esac
		no_secret_in "$f" || return 1
	done &&
	test_grep "^ecdsa-sha2-nistp256 " public.out
'

test_expect_success 'no secret in any file under HOME, TMPDIR or the runtime directory' '
	find "$HOME" "$TMPDIR" "$XDG_RUNTIME_DIR" -type f >files &&
	test -s files &&
	while read -r f; do no_secret_in "$f" || return 1; done <files
'

# the programs are not dumpable: no core file, whatever the limit
if [ -z "${GCB_VALGRIND:-}" ]; then
test_expect_success 'login --stdin and key import waiting on input: RLIMIT_CORE 0, SIGSEGV leaves no core' '
	mkdir cores &&
	for verb in "login --stdin --username carol https://bitbucket.org/acme/" "key import other -"; do
		rm -f fifo && mkfifo fifo &&
		{ (ulimit -c unlimited; cd cores && exec "$prog" $verb <../fifo >/dev/null 2>&1) & } &&
		pid=$! &&
		exec 7>fifo &&
		printf "%s" "$TOKEN" >&7 &&
		# until it has hardened itself and waits for the rest of its input
		test_wait_for 30 "grep -q \"^Max core file size *0 \" /proc/$pid/limits && grep -q pipe /proc/$pid/wchan" &&
		grep "^Max core file size" /proc/$pid/limits >limits &&
		kill -SEGV $pid;
		exec 7>&-;
		wait $pid;
		test_grep "^Max core file size *0 *0 " limits || return 1
	done &&
	ls -A cores >files &&
	test_must_be_empty files
'
fi

test_done
