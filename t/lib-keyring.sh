# t/lib-keyring.sh - a private D-Bus session bus and a Secret Service.
#
# GCB_KEYRING_PROVIDER chooses the Secret Service: gnome-keyring (default)
# or keepassxc (headless KeePassXC, see t/lib-keepassxc.sh).  Both expose
# the default collection as "login", so the functions below work the same
# on either; KEYRING_PROVIDER holds the choice and KEYRING_PROVIDER_NAME
# the name the programs' messages use ("GNOME Keyring", "KeePassXC").
#
# Source after t/lib.sh.  Call start_keyring at the top level of the test
# script or inside a case body (not in a subshell or pipeline: the PIDs are
# kept in shell variables).  Everything it starts is stopped at exit.
#
#	start_keyring		bus + unlocked "login" collection; exports
#				DBUS_SESSION_BUS_ADDRESS (unix:path=$KEYRING_DIR/bus;
#				unset it and the programs see no bus at all)
#	stop_keyring_daemon	stop gnome-keyring-daemon, keep the bus
#				(org.freedesktop.secrets becomes unowned)
#	start_keyring_daemon	(re)start it; unlocks the existing login keyring
#	keyring_require_provider P...  skip the rest of the script (with a
#				reason) unless the provider is one of P
#	lock_keyring [COLL]	lock a collection (default login)
#	unlock_keyring		restart the daemon, which unlocks login again
#	keyring_is_locked [COLL]
#	keyring_count [SCHEMA]	number of items with xdg:schema SCHEMA
#	keyring_dump [SCHEMA]	items with attributes and secrets
#	keyring_name_owned [NAME]  is NAME (org.freedesktop.secrets) on the bus
#
# Variables: KEYRING_DIR, KEYRING_PASSWORD, KEYRING_SCHEMA (default schema,
# org.bitbucket.credential), KEYRING_BUS_PID, KEYRING_DAEMON_PID,
# KEYRING_DAEMON_NAME (gnome-keyring or keepassxc: the PID file is
# $KEYRING_DIR/$KEYRING_DAEMON_NAME.pid).

# GCB_KEYSTORE=file runs a script against the encrypted file store
# instead (make test-file-store): start_keyring starts no bus and no
# Secret Service, makes this script's own kernel session keyring (keyctl
# new_session), and creates and unlocks the store with unlock
# --passphrase-fd; lock_keyring and unlock_keyring lock and unlock the
# store; stopping and starting the daemon does nothing.  secret-tool is
# then $GCB_UNITDIR/gcb-filestore-tool (t/helper/gcb-filestore-tool.c,
# first on PATH): its search, lookup, store and clear work on the store
# file as secret-tool's do on the Secret Service, so keyring_count,
# keyring_dump and the scripts' own secret-tool calls work unchanged
# (xdg:schema can only be org.bitbucket.credential there).  Scripts that
# need the Secret Service itself call keyring_require_provider, which
# skips them in this mode with the reason; a single case about it is
# test_expect_secret_service, and its file store counterpart (a locked
# store, no store yet) test_expect_file_store, which runs only in this
# mode.  KEYRING_FILE_STORE is the store's path; keyring_file_locked_line
# [PROG] and keyring_file_absent_line [PROG] print the programs' exact
# lines for a locked store with no terminal and for no store at all.
KEYRING_MODE=${GCB_KEYSTORE:-secret-service}
case $KEYRING_MODE in
secret-service | file) ;;
*)
	echo "lib-keyring: GCB_KEYSTORE must be secret-service or file, not '$KEYRING_MODE'" >&2
	exit 1 ;;
esac

KEYRING_SCHEMA=${KEYRING_SCHEMA:-org.bitbucket.credential}
KEYRING_PASSWORD=gcb-test-keyring-password
KEYRING_DIR="$TRASH/keyring"
KEYRING_BUS_PID=
KEYRING_DAEMON_PID=
_keyring_atexit=

# After a failed case: are the bus and the keyring daemon still running, and
# what did the daemon last print?  (CI logs keep only failed cases' output.)
_keyring_on_failure () {
	local log
	[ "$KEYRING_MODE" != file ] && [ -n "$KEYRING_BUS_PID" ] || return 0
	test_pid_alive "$KEYRING_BUS_PID" ||
		echo "lib-keyring: the test's dbus-daemon (pid $KEYRING_BUS_PID) is no longer running"
	[ -n "$KEYRING_DAEMON_PID" ] || return 0
	if test_pid_alive "$KEYRING_DAEMON_PID"; then
		echo "lib-keyring: $KEYRING_PROVIDER (pid $KEYRING_DAEMON_PID) is still running"
	else
		echo "lib-keyring: $KEYRING_PROVIDER (pid $KEYRING_DAEMON_PID) is no longer running"
	fi
	log="$KEYRING_DIR/$KEYRING_DAEMON_NAME.log"
	[ -s "$log" ] || return 0
	echo "lib-keyring: the end of its log:"
	tail -n 6 "$log" | sed -e 's/^/    /'
}
test_on_failure _keyring_on_failure

KEYRING_PROVIDER=${GCB_KEYRING_PROVIDER:-gnome-keyring}
case $KEYRING_PROVIDER in
gnome-keyring)
	KEYRING_PROVIDER_NAME="GNOME Keyring"
	KEYRING_DAEMON_NAME=gnome-keyring ;;
keepassxc)
	KEYRING_PROVIDER_NAME=KeePassXC
	KEYRING_DAEMON_NAME=keepassxc
	. "$TEST_DIRECTORY/lib-keepassxc.sh"
	# absent or crashing: skip the script with the reason, not 20 failures
	_kp_why=$(_kp_usable) || test_skip_all "needs a working KeePassXC: $_kp_why" ;;
*)
	echo "lib-keyring: GCB_KEYRING_PROVIDER must be gnome-keyring or keepassxc, not '$KEYRING_PROVIDER'" >&2
	exit 1 ;;
esac

# test_expect_secret_service TITLE BODY: a case about the Secret Service
# itself (its bus, its daemon, its locking): skipped with the reason
# under GCB_KEYSTORE=file
test_expect_secret_service () {
	if [ "$KEYRING_MODE" = file ]; then
		test_skip_case "$1" "about the Secret Service; this run uses the encrypted file store"
	else
		test_expect_success "$@"
	fi
}

# test_expect_file_store TITLE BODY: the file store's counterpart of a
# case about the Secret Service (a locked store, no store at all): run
# under GCB_KEYSTORE=file, skipped with the reason otherwise
test_expect_file_store () {
	if [ "$KEYRING_MODE" = file ]; then
		test_expect_success "$@"
	else
		test_skip_case "$1" "about the encrypted file store; make test-file-store runs it"
	fi
}

# The file store's path and its lines, for a program PROG (default
# git-credential-bitbucket): locked with no terminal to ask on, and absent
# while bitbucket.keystore is file.
KEYRING_FILE_STORE="$XDG_DATA_HOME/git-credential-bitbucket/keystore.enc"

keyring_file_locked_line () {
	printf "%s: the encrypted file store (%s) is locked and there is no terminal to ask its passphrase on; run 'git credential-bitbucket unlock' (in CI: 'unlock --passphrase-fd N') and try again\n" \
		"${1:-git-credential-bitbucket}" "$KEYRING_FILE_STORE"
}

keyring_file_absent_line () {
	printf "%s: there is no encrypted file store yet (%s); create it with 'git credential-bitbucket unlock'\n" \
		"${1:-git-credential-bitbucket}" "$KEYRING_FILE_STORE"
}

keyring_require_provider () {
	local p
	if [ "$KEYRING_MODE" = file ]; then
		test_skip_all "needs the Secret Service $*; this run uses the encrypted file store (GCB_KEYSTORE=file)"
	fi
	for p in "$@"; do
		[ "$p" != "$KEYRING_PROVIDER" ] || return 0
	done
	test_skip_all "needs the Secret Service $*; this run uses $KEYRING_PROVIDER"
}

_keyring_bus_call () {
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.DBus /org/freedesktop/DBus "$@"
}

keyring_name_owned () {
	{ local -; set +x; } 2>/dev/null
	_keyring_bus_call org.freedesktop.DBus.NameHasOwner \
		"string:${1:-org.freedesktop.secrets}" 2>/dev/null |
		grep -q 'boolean true'
}

_keyring_default_ready () {
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.secrets /org/freedesktop/secrets \
		org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null |
		grep -q 'object path "/org/freedesktop/secrets/collection/'
}

# the file store's mode: its own session keyring, a store unlocked from a
# file descriptor, cheap scrypt parameters (GCB_TEST_FILESTORE_KDF)
_keyring_file_start () {
	export HOME XDG_RUNTIME_DIR XDG_DATA_HOME
	export GCB_TEST_FILESTORE_KDF=${GCB_TEST_FILESTORE_KDF:-10,8,1}
	unset DBUS_SESSION_BUS_ADDRESS
	mkdir -p "$KEYRING_DIR" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" || return 1
	if ! command -v keyctl >/dev/null; then
		echo "start_keyring: keyctl not found (run scripts/install-deps.sh)" >&2
		return 1
	fi
	keyctl new_session >/dev/null || return 1
	if [ ! -x "${GCB_UNITDIR:-$GCB_TOP/build/t/unit}/gcb-filestore-tool" ]; then
		echo "start_keyring: ${GCB_UNITDIR:-$GCB_TOP/build/t/unit}/gcb-filestore-tool not built (make units)" >&2
		return 1
	fi
	mkdir -p "$KEYRING_DIR/bin" &&
	printf '#!/bin/sh\nexec "%s" "$@"\n' "${GCB_UNITDIR:-$GCB_TOP/build/t/unit}/gcb-filestore-tool" \
		>"$KEYRING_DIR/bin/secret-tool" &&
	chmod +x "$KEYRING_DIR/bin/secret-tool" || return 1
	export PATH="$KEYRING_DIR/bin:$PATH"
	# forced, as a person who chose it would: no "stored in" lines
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=bitbucket.keystore GIT_CONFIG_VALUE_0=file
	KEYRING_BUS_PID=file
	printf '%s\n' "$KEYRING_PASSWORD" >"$KEYRING_DIR/password"
	git-credential-bitbucket unlock --passphrase-fd 3 3<"$KEYRING_DIR/password" \
		>"$KEYRING_DIR/unlock.log" 2>&1 || {
		echo "start_keyring: unlock of the file store failed:" >&2
		cat "$KEYRING_DIR/unlock.log" >&2
		return 1
	}
}

start_keyring () {
	{ local -; set +x; } 2>/dev/null
	local cmd sock i
	if [ "$KEYRING_MODE" = file ]; then
		_keyring_file_start
		return
	fi
	if [ -n "$KEYRING_BUS_PID" ]; then
		echo "start_keyring: already started" >&2
		return 1
	fi
	for cmd in dbus-daemon dbus-send secret-tool; do
		if ! command -v "$cmd" >/dev/null; then
			echo "start_keyring: $cmd not found (run scripts/install-deps.sh)" >&2
			return 1
		fi
	done

	export HOME XDG_RUNTIME_DIR XDG_DATA_HOME
	mkdir -p "$KEYRING_DIR" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" || return 1
	chmod 0700 "$XDG_RUNTIME_DIR" || return 1
	# Not $XDG_RUNTIME_DIR/bus, where GLib would look when
	# DBUS_SESSION_BUS_ADDRESS is unset: unsetting it must mean "no bus".
	sock="$KEYRING_DIR/bus"
	if [ ${#sock} -gt 100 ]; then
		echo "start_keyring: socket path too long for AF_UNIX: $sock (use a shorter TMPDIR)" >&2
		return 1
	fi
	rm -f "$sock"

	# No <servicedir>: nothing can be auto-activated on this bus, so a
	# missing daemon stays missing and no prompter pops up.
	cat >"$KEYRING_DIR/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

	if [ -z "$_keyring_atexit" ]; then
		test_atexit stop_keyring
		_keyring_atexit=1
	fi

	# --nofork keeps the daemon our child, so we can reap it.
	dbus-daemon --nofork --nopidfile --config-file="$KEYRING_DIR/bus.conf" \
		</dev/null >"$KEYRING_DIR/dbus.log" 2>&1 &
	KEYRING_BUS_PID=$!
	echo "$KEYRING_BUS_PID" >"$KEYRING_DIR/dbus.pid"
	export DBUS_SESSION_BUS_ADDRESS="unix:path=$sock"

	for ((i = 0; i < 500; i++)); do
		if [ -S "$sock" ] && _keyring_bus_call org.freedesktop.DBus.GetId >/dev/null 2>&1; then
			break
		fi
		if ! test_pid_alive "$KEYRING_BUS_PID"; then
			break
		fi
		sleep 0.01
	done
	if ! _keyring_bus_call org.freedesktop.DBus.GetId >/dev/null 2>&1; then
		echo "start_keyring: dbus-daemon did not come up; its log:" >&2
		cat "$KEYRING_DIR/dbus.log" >&2
		return 1
	fi

	start_keyring_daemon
}

start_keyring_daemon () {
	{ local -; set +x; } 2>/dev/null
	local i
	[ "$KEYRING_MODE" != file ] || return 0
	if [ -z "$KEYRING_BUS_PID" ]; then
		echo "start_keyring_daemon: no bus; call start_keyring" >&2
		return 1
	fi
	if [ -n "$KEYRING_DAEMON_PID" ] && test_pid_alive "$KEYRING_DAEMON_PID"; then
		echo "start_keyring_daemon: already running ($KEYRING_DAEMON_PID)" >&2
		return 1
	fi
	if [ "$KEYRING_PROVIDER" = keepassxc ]; then
		_kp_start
		return
	fi
	if ! command -v gnome-keyring-daemon >/dev/null; then
		echo "start_keyring: gnome-keyring-daemon not found (run scripts/install-deps.sh)" >&2
		return 1
	fi
	# --unlock reads the password from stdin up to EOF; it creates the
	# "login" keyring (the default collection) with it, or unlocks it.
	printf '%s' "$KEYRING_PASSWORD" >"$KEYRING_DIR/password"
	# A daemon that dies while it starts (gnome-keyring-daemon aborted
	# that way a few times in hundreds of runs on a loaded machine,
	# failing a whole script) is started once more, and says so.
	local try
	for try in 1 2; do
		gnome-keyring-daemon --foreground --unlock --components=secrets \
			<"$KEYRING_DIR/password" >>"$KEYRING_DIR/gnome-keyring.log" 2>&1 &
		KEYRING_DAEMON_PID=$!
		echo "$KEYRING_DAEMON_PID" >"$KEYRING_DIR/gnome-keyring.pid"

		for ((i = 0; i < 500; i++)); do
			if keyring_name_owned && _keyring_default_ready; then
				return 0
			fi
			test_pid_alive "$KEYRING_DAEMON_PID" || break
			sleep 0.01
		done
		test_pid_alive "$KEYRING_DAEMON_PID" && break
		wait "$KEYRING_DAEMON_PID" 2>/dev/null
		echo "# start_keyring_daemon: gnome-keyring-daemon exited with" \
			"status $? while starting (try $try); log:" >&2
		sed 's/^/#   /' "$KEYRING_DIR/gnome-keyring.log" >&2
	done
	echo "start_keyring_daemon: org.freedesktop.secrets not ready; log:" >&2
	cat "$KEYRING_DIR/gnome-keyring.log" >&2
	return 1
}

stop_keyring_daemon () {
	{ local -; set +x; } 2>/dev/null
	local i
	[ "$KEYRING_MODE" != file ] || return 0
	[ -n "$KEYRING_DAEMON_PID" ] || return 0
	if [ "$KEYRING_PROVIDER" = keepassxc ]; then
		_kp_stop "$KEYRING_DAEMON_PID"
	else
		test_stop_pid "$KEYRING_DAEMON_PID" gnome-keyring-daemon
	fi
	KEYRING_DAEMON_PID=
	# The bus drops the name when the connection closes; wait for that.
	if [ -n "$KEYRING_BUS_PID" ] && test_pid_alive "$KEYRING_BUS_PID"; then
		for ((i = 0; i < 200; i++)); do
			keyring_name_owned || return 0
			sleep 0.01
		done
		echo "stop_keyring_daemon: org.freedesktop.secrets still owned" >&2
		return 1
	fi
	return 0
}

stop_keyring () {
	{ local -; set +x; } 2>/dev/null
	if [ "$KEYRING_MODE" = file ]; then
		KEYRING_BUS_PID=
		return 0
	fi
	stop_keyring_daemon
	if [ -n "$KEYRING_BUS_PID" ]; then
		test_stop_pid "$KEYRING_BUS_PID" dbus-daemon
		KEYRING_BUS_PID=
	fi
	return 0
}

# Locking works over D-Bus without a dialog (KeePassXC: through a prompt
# that shows none).  Unlocking needs a prompter, which this bus cannot
# activate, so unlock_keyring restarts the daemon.
lock_keyring () {
	{ local -; set +x; } 2>/dev/null
	local coll=${1:-login}
	if [ "$KEYRING_MODE" = file ]; then
		git-credential-bitbucket lock >/dev/null
		return
	fi
	if [ "$KEYRING_PROVIDER" = keepassxc ]; then
		_kp_lock "$coll"
		return
	fi
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.secrets /org/freedesktop/secrets \
		org.freedesktop.Secret.Service.Lock \
		"array:objpath:/org/freedesktop/secrets/collection/$coll" >/dev/null &&
	keyring_is_locked "$coll"
}

# keyring_wait_saved SINCE: KeePassXC writes its database file about half
# a second after a change (505-636 ms measured on Debian 13), and a Lock
# before that loses the change; wait (5 s at most) until the file is newer
# than SINCE (seconds since the epoch, as date +%s.%N prints), the moment
# the last change was made.  Other stores write before they answer.
keyring_wait_saved () {
	{ local -; set +x; } 2>/dev/null
	[ "$KEYRING_MODE" != file ] && [ "$KEYRING_PROVIDER" = keepassxc ] || return 0
	test_wait_for 5 "awk -v a=\"\$(stat -c %.9Y '$KEYRING_DIR/login.kdbx')\" -v b='$1' 'BEGIN { exit !(a > b) }'"
}

keyring_is_locked () {
	{ local -; set +x; } 2>/dev/null
	local coll=${1:-login}
	if [ "$KEYRING_MODE" = file ]; then
		! keyctl search @s user "git-credential-bitbucket:keystore:$(_keyring_file_salt)" >/dev/null 2>&1
		return
	fi
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.secrets "/org/freedesktop/secrets/collection/$coll" \
		org.freedesktop.DBus.Properties.Get \
		string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null |
		grep -q 'boolean true'
}

# the store's salt in hex: what its cached key is described by
_keyring_file_salt () {
	od -An -tx1 -j20 -N32 "$XDG_DATA_HOME/git-credential-bitbucket/keystore.enc" | tr -d ' \n'
}

unlock_keyring () {
	{ local -; set +x; } 2>/dev/null
	if [ "$KEYRING_MODE" = file ]; then
		git-credential-bitbucket unlock --passphrase-fd 3 3<"$KEYRING_DIR/password" >/dev/null
		return
	fi
	stop_keyring_daemon && start_keyring_daemon
}

# keyring_count [SCHEMA]: prints the number of items (locked or not) whose
# xdg:schema attribute is SCHEMA; fails if the Secret Service is unreachable.
keyring_count () {
	{ local -; set +x; } 2>/dev/null
	local schema=${1:-$KEYRING_SCHEMA} out
	if [ "$KEYRING_MODE" = file ]; then
		out=$(secret-tool search --all xdg:schema "$schema" 2>/dev/null) || return 1
		printf '%s\n' "$out" | grep -c '^\[/'
		return 0
	fi
	keyring_name_owned || {
		echo "keyring_count: no Secret Service on the bus" >&2
		return 1
	}
	out=$(secret-tool search --all xdg:schema "$schema" 2>/dev/null)
	printf '%s\n' "$out" | grep -c '^\[/'
	return 0
}

# keyring_dump [SCHEMA]: every item of SCHEMA with its label, secret and
# attributes (secret-tool writes attributes to stderr; unbuffered so the
# lines stay in order).  gcb-filestore-tool flushes after each item
# itself, and runs without stdbuf: stdbuf preloads a library, which an
# ASan build refuses (make asan with GCB_KEYSTORE=file).
keyring_dump () {
	{ local -; set +x; } 2>/dev/null
	local schema=${1:-$KEYRING_SCHEMA}
	if [ "$KEYRING_MODE" = file ]; then
		secret-tool search --all xdg:schema "$schema" 2>&1
		return
	fi
	stdbuf -o0 -e0 secret-tool search --all xdg:schema "$schema" 2>&1
}
