# t/lib-keepassxc.sh - KeePassXC as the Secret Service, headless.
#
# Sourced by t/lib-keyring.sh when GCB_KEYRING_PROVIDER=keepassxc; the
# functions there call these.  Not meant to be used on its own.
#
# KeePassXC runs with QT_QPA_PLATFORM=offscreen (no X) on the private bus,
# unlocks its database with --pw-stdin and exposes the database's root
# group as the collection "login" (the file is login.kdbx), so scripts can
# name the collection the same way on both providers.
#
# The database template is made once and cached (creating it takes about a
# second: two key derivations plus an XML round trip), keyed on the
# KeePassXC version and this file's contents; each script copies it and
# pays only the daemon start.  Cache directory: GCB_KEEPASSXC_CACHE, by
# default ${TMPDIR:-/tmp}/gcb-keepassxc-UID.
#
# Facts this depends on (KeePassXC 2.7):
# - keepassxc-cli cannot set the exposed group; it is stored in the
#   database as Meta/CustomData/FDO_SECRETS_EXPOSED_GROUP = {root uuid},
#   so the template goes through an XML export and import;
# - the settings below turn off every dialog (confirm access, confirm
#   delete, unlock before search) and every auto-lock;
# - the bus name appears before the database is unlocked: wait for
#   Locked=false on the default alias;
# - Service.Lock returns a prompt and locks nothing until it is run;
# - it ignores SIGTERM while a dialog is open (test_stop_pid then kills).
# - KeePassXC 2.7.10 (Debian 13) crashes (SIGSEGV) on the first show of
#   the main window after an unlock: a widget there runs the event loop
#   from inside its own event handler, a QPropertyAnimation owned by the
#   central widget is deleted by that nested loop, and Qt's showChildren()
#   then reads the freed child.  Any platform (offscreen, minimal, xcb on
#   Xvfb), with or without a bus or a tty.  With the toolbar or the entry
#   preview panel hidden it does not happen; the settings below hide both.

_kp_version () {
	keepassxc-cli --version 2>/dev/null | head -n 1
}

# The settings file: every dialog and auto-lock off.  KEEPASSXC_CONFIRM_DELETE
# and KEEPASSXC_CONFIRM_ACCESS (true/false) let a test turn a dialog back on.
_kp_write_ini () {
	cat >"$1" <<EOF
[General]
ConfigVersion=2
SingleInstance=false
RememberLastDatabases=false
RememberLastKeyFiles=false
OpenPreviousDatabasesOnStartup=false
AutoSaveAfterEveryChange=true
AutoSaveOnExit=true
AutoReloadOnChange=false
UpdateCheckMessageShown=true

[GUI]
HideToolbar=true
HidePreviewPanel=true
CheckForUpdates=false
ShowTrayIcon=false
MinimizeOnStartup=false

[Security]
LockDatabaseIdle=false
LockDatabaseScreenLock=false
LockDatabaseOnUserSwitch=false
LockDatabaseMinimize=false
ClearClipboard=false

[Browser]
Enabled=false

[SSHAgent]
Enabled=false

[FdoSecrets]
Enabled=true
ShowNotification=false
ConfirmAccessItem=${KEEPASSXC_CONFIRM_ACCESS:-false}
ConfirmDeleteItem=${KEEPASSXC_CONFIRM_DELETE:-false}
UnlockBeforeSearch=false
EOF
}

# _kp_template: prints the path of the cached template (login.kdbx with
# the password $KEYRING_PASSWORD, root group exposed, no recycle bin).
_kp_template () {
	local cache=${GCB_KEEPASSXC_CACHE:-${TMPDIR:-/tmp}/gcb-keepassxc-$(id -u)}
	local key file work b64 hex uuid
	key=$( { _kp_version; printf '%s\n' "$KEYRING_PASSWORD"; cat "$TEST_DIRECTORY/lib-keepassxc.sh"; } |
		sha256sum | cut -c1-16) || return 1
	file="$cache/login-$key.kdbx"
	if [ -f "$file" ] && [ -O "$file" ]; then
		echo "$file"
		return 0
	fi
	mkdir -p "$cache" && chmod 0700 "$cache" || return 1
	work=$(mktemp -d "$cache/make.XXXXXX") || return 1
	printf '%s\n%s\n' "$KEYRING_PASSWORD" "$KEYRING_PASSWORD" >"$work/pw2"
	printf '%s\n' "$KEYRING_PASSWORD" >"$work/pw1"
	if ! keepassxc-cli db-create -q -p -t 100 "$work/a.kdbx" <"$work/pw2" >"$work/log" 2>&1 ||
	   ! keepassxc-cli export -q -f xml "$work/a.kdbx" <"$work/pw1" >"$work/a.xml" 2>>"$work/log"; then
		echo "start_keyring: keepassxc-cli could not create the database:" >&2
		cat "$work/log" >&2
		rm -rf "$work"
		return 1
	fi
	# The root group's UUID: base64 in the XML, {8-4-4-4-12} hex in CustomData.
	b64=$(sed -n '/<Root>/,/<\/UUID>/s:.*<UUID>\(.*\)</UUID>.*:\1:p' "$work/a.xml" | head -n 1)
	hex=$(printf '%s' "$b64" | base64 -d 2>/dev/null | od -An -tx1 | tr -d ' \n')
	if [ ${#hex} -ne 32 ]; then
		echo "start_keyring: no root group UUID in keepassxc-cli's XML export" >&2
		rm -rf "$work"
		return 1
	fi
	uuid="{${hex:0:8}-${hex:8:4}-${hex:12:4}-${hex:16:4}-${hex:20:12}}"
	sed -e 's:<RecycleBinEnabled>True<:<RecycleBinEnabled>False<:' \
	    -e "0,\\:</Meta>:s::<CustomData><Item><Key>FDO_SECRETS_EXPOSED_GROUP</Key><Value>$uuid</Value></Item></CustomData></Meta>:" \
		"$work/a.xml" >"$work/b.xml" &&
	grep -q FDO_SECRETS_EXPOSED_GROUP "$work/b.xml" &&
	keepassxc-cli import -q -p -t 100 "$work/b.xml" "$work/login.kdbx" <"$work/pw2" >>"$work/log" 2>&1 &&
	mv -f "$work/login.kdbx" "$file" || {
		echo "start_keyring: keepassxc-cli could not import the database:" >&2
		cat "$work/log" >&2
		rm -rf "$work"
		return 1
	}
	rm -rf "$work"
	echo "$file"
}

_kp_check_tools () {
	local cmd
	for cmd in keepassxc keepassxc-cli; do
		if ! command -v "$cmd" >/dev/null; then
			echo "start_keyring: $cmd not found (run scripts/install-deps.sh)" >&2
			return 1
		fi
	done
}

# _kp_start: start KeePassXC on the bus; the database is copied from the
# template the first time only, so restarts keep the stored items.
_kp_start () {
	local tmpl
	_kp_check_tools || return 1
	if [ ! -f "$KEYRING_DIR/login.kdbx" ]; then
		tmpl=$(_kp_template) || return 1
		cp "$tmpl" "$KEYRING_DIR/login.kdbx" || return 1
		chmod 0600 "$KEYRING_DIR/login.kdbx"
	fi
	_kp_write_ini "$KEYRING_DIR/keepassxc.ini"
	printf '%s\n' "$KEYRING_PASSWORD" >"$KEYRING_DIR/password"
	# KeePassXC 2.7.10 (Debian 13) still crashes now and then as it shows
	# its window after the unlock, even with the settings above (one
	# script of four in a fresh Debian 13 run): one that dies while it
	# starts, or within a second of unlocking, is started again, and
	# the output says so.
	local try end
	for try in 1 2 3; do
		QT_QPA_PLATFORM=offscreen keepassxc --config "$KEYRING_DIR/keepassxc.ini" \
			--localconfig "$KEYRING_DIR/keepassxc-local.ini" \
			--pw-stdin "$KEYRING_DIR/login.kdbx" \
			<"$KEYRING_DIR/password" >>"$KEYRING_DIR/keepassxc.log" 2>&1 &
		KEYRING_DAEMON_PID=$!
		echo "$KEYRING_DAEMON_PID" >"$KEYRING_DIR/keepassxc.pid"
		# The name is owned 0.2-0.4 s before the database is unlocked.
		# The limit only bounds a KeePassXC that hangs: on a loaded
		# machine the start and the key derivation took more than 10 s.
		end=$((SECONDS + 60))
		while ((SECONDS < end)); do
			if keyring_name_owned && _kp_unlocked; then
				sleep 1
				_kp_alive "$KEYRING_DAEMON_PID" && return 0
				break
			fi
			_kp_alive "$KEYRING_DAEMON_PID" || break
			sleep 0.02
		done
		_kp_alive "$KEYRING_DAEMON_PID" && break
		wait "$KEYRING_DAEMON_PID" 2>/dev/null
		echo "# start_keyring_daemon: KeePassXC exited with status $? while" \
			"starting (try $try); starting it again" >&2
		# the bus drops its name once the connection is gone
		test_wait_for 10 "! keyring_name_owned" || break
	done
	echo "start_keyring_daemon: KeePassXC did not unlock its database in 60 s; log:" >&2
	cat "$KEYRING_DIR/keepassxc.log" >&2
	return 1
}

_kp_unlocked () {
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
		org.freedesktop.DBus.Properties.Get \
		string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null |
		grep -q 'boolean false'
}

# Service.Lock answers with a prompt; running it (no dialog) locks.
_kp_lock () {
	local coll=$1 prompt
	prompt=$(dbus-send --session --print-reply --reply-timeout=2000 \
		--dest=org.freedesktop.secrets /org/freedesktop/secrets \
		org.freedesktop.Secret.Service.Lock \
		"array:objpath:/org/freedesktop/secrets/collection/$coll" |
		sed -n 's/^ *object path "\(.*\)"$/\1/p' | tail -n 1) || return 1
	case $prompt in
	/org/freedesktop/secrets/prompt/*)
		dbus-send --session --print-reply --reply-timeout=2000 \
			--dest=org.freedesktop.secrets "$prompt" \
			org.freedesktop.Secret.Prompt.Prompt string: >/dev/null || return 1 ;;
	esac
	test_wait_for 5 "keyring_is_locked $coll"
}

# libsecret answers a locked KeePassXC database with an unlock prompt, and
# KeePassXC shows a dialog nobody can see here: bound secret-tool (5 s,
# exit 124) so a test expecting a refusal fails instead of hanging.
secret-tool () {
	timeout -k 1 5 secret-tool "$@"
}

# _kp_alive PID: like test_pid_alive without a fork (this is polled often).
_kp_alive () {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	case ${stat:0:1} in Z | X | '') return 1 ;; esac
	return 0
}

# _kp_stop: SIGTERM, and SIGKILL after 2 s.  KeePassXC sometimes sits on
# SIGTERM (a dialog, or a quit it defers); every change is already saved
# (AutoSaveAfterEveryChange), so the kill loses nothing.
_kp_stop () {
	local pid=$1 i
	_kp_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		_kp_alive "$pid" || break
		sleep 0.01
	done
	_kp_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# _kp_usable: can KeePassXC open and unlock a database here?  (KeePassXC
# 2.7.10 died with SIGSEGV right after it unlocked, until _kp_write_ini hid
# the toolbar and the preview panel; see the top of this file.)  Probed
# once per KeePassXC version and settings: a run that
# is still alive after 10 s is usable (3 s was too short on a loaded machine: the
# unlock itself had not finished, the probe said usable and the script's own
# start crashed).  Prints the reason when it is not.
_kp_usable () {
	local cache=${GCB_KEEPASSXC_CACHE:-${TMPDIR:-/tmp}/gcb-keepassxc-$(id -u)}
	local tmpl probe work rc
	if ! _kp_check_tools 2>/dev/null; then
		echo "KeePassXC is not installed (scripts/install-deps.sh installs it)"
		return 1
	fi
	tmpl=$(_kp_template 2>/dev/null) || {
		echo "keepassxc-cli cannot make the test database"
		return 1
	}
	probe="${tmpl%.kdbx}.probe"
	if [ ! -f "$probe" ]; then
		work=$(mktemp -d "$cache/probe.XXXXXX") || return 1
		cp "$tmpl" "$work/p.kdbx" && _kp_write_ini "$work/p.ini" &&
		printf '%s\n' "$KEYRING_PASSWORD" >"$work/pw"
		QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work" dbus-run-session -- \
			timeout -k 1 10 keepassxc --config "$work/p.ini" --localconfig "$work/l.ini" \
			--pw-stdin "$work/p.kdbx" <"$work/pw" >/dev/null 2>&1
		rc=$?
		rm -rf "$work"
		echo "$rc" >"$probe"
	fi
	rc=$(cat "$probe")
	case $rc in
	124 | 137) return 0 ;;
	139) echo "KeePassXC $(_kp_version | sed 's/^KeePassXC //') crashes (SIGSEGV) when it unlocks a database on this system" ;;
	*) echo "KeePassXC exits with status $rc when it unlocks a database on this system" ;;
	esac
	return 1
}
