# t/lib-sshd.sh - Debian's OpenSSH sshd on loopback, serving bare
# repositories the way Bitbucket does (ssh://git@HOST:PORT/ACCOUNT/REPO.git).
#
# Source after t/lib.sh.  Needs root (sshd logs in as the `git` user):
# call sshd_prereq at the top of the script, which skips the whole script
# otherwise.  Call start_sshd at the top level or inside a case body (not in
# a subshell); it is stopped at exit.
#
#	sshd_prereq		skip the script unless root, sshd and git-shell exist
#	start_sshd [OPTS...]	fresh host keys, a free 127.0.0.1 port; extra
#				sshd_config lines may be given as arguments
#	stop_sshd		stop it (also done automatically at exit)
#	sshd_create_repo PATH	bare repo $SSHD_ROOT/repos/PATH with one commit
#				on main, owned by git
#	sshd_authorize FILE	append a public key line (FILE, or - for stdin)
#	sshd_trust_host_keys [FILE]  write the server's host keys, as
#				"[ADDR]:PORT type key" (or "ADDR type key" for
#				port 22), to FILE
#				(default $HOME/.ssh/known_hosts)
#	sshd_log_count ERE	number of log lines matching ERE
#	libssh2_version		the libssh2 version git-bitbucket-ssh runs on
#	libssh2_at_least X.Y	whether that is X.Y or later
#
# Variables: SSHD_ROOT ($TRASH/sshd), SSHD_PORT, SSHD_PID, SSHD_LOG,
# SSHD_URL (ssh://git@ADDR:PORT).  Set before start_sshd: SSHD_ADDR (the
# loopback address to listen on, default 127.0.0.1) and SSHD_WANT_PORT (a
# fixed port, e.g. 22 for git's scp-like URLs, which carry no port).
#
# The `git` user is created when missing (shell /usr/bin/git-shell,
# password "*": no password login, but not a locked account, which sshd
# would refuse with UsePAM no).  Its authorized keys are in $SSHD_ROOT
# (AuthorizedKeysFile, StrictModes no), so its home holds nothing of ours
# but git-shell-commands/gcb-serve: sshd's ForceCommand runs it through
# git-shell, and it maps the repository path git asks for
# ('/acme/repo.git' or 'acme/repo.git') into $SSHD_ROOT/repos, as
# Bitbucket maps it into its own storage.

SSHD_ROOT="$TRASH/sshd"
SSHD_PORT=
SSHD_PID=
SSHD_LOG="$SSHD_ROOT/sshd.log"
SSHD_URL=
SSHD_ADDR=${SSHD_ADDR:-127.0.0.1}
SSHD_WANT_PORT=${SSHD_WANT_PORT:-}
SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_GIT_HOME=/var/lib/gcb-test-git
_sshd_atexit=

sshd_prereq () {
	if [ "$(id -u)" != 0 ]; then
		test_skip_all "sshd tests need root (sshd logs in as the git user)"
	fi
	for _sshd_cmd in "$SSHD_BIN" /usr/bin/git-shell ssh-keygen useradd; do
		if ! command -v "$_sshd_cmd" >/dev/null; then
			test_skip_all "$_sshd_cmd not found (run scripts/install-deps.sh)"
		fi
	done
	unset _sshd_cmd
	_sshd_git_user || test_skip_all "cannot set up the git user"
}

# The git user: created when missing; its home gets the gcb-serve command.
_sshd_git_user () {
	local home pw
	# scripts run in parallel (run-tests.sh): one useradd at a time, and
	# one that lost the race to another script's is no failure
	if ! id git >/dev/null 2>&1; then
		flock -w 60 "${TMPDIR:-/tmp}/gcb-git-user.lock" \
			useradd --system --home-dir "$SSHD_GIT_HOME" --create-home \
			--shell /usr/bin/git-shell --password '*' git ||
			id git >/dev/null 2>&1 || return 1
	fi
	pw=$(getent shadow git | cut -d: -f2)
	case $pw in
	'!'*)
		echo "sshd_prereq: the git account is locked ('!' password); sshd refuses it" >&2
		return 1 ;;
	esac
	home=$(getent passwd git | cut -d: -f6)
	[ -n "$home" ] || return 1
	mkdir -p "$home/git-shell-commands" || return 1
	cat >"$home/git-shell-commands/gcb-serve.tmp.$$" <<'EOF'
#!/bin/sh
# gcb-serve: run git's command on a repository under $GCB_SSHD_ROOT/repos,
# the way Bitbucket maps '/ACCOUNT/REPO.git' into its own storage.
set -f
cmd=$SSH_ORIGINAL_COMMAND
case $cmd in
"git-upload-pack '"*"'" | "git-receive-pack '"*"'" | "git-upload-archive '"*"'") ;;
*)
	echo "gcb-serve: not a git command: $cmd" >&2
	exit 128 ;;
esac
verb=${cmd%% *}
path=${cmd#* \'}
path=${path%\'}
path=${path#/}
case $path in
*..* | *\'* | '')
	echo "gcb-serve: bad repository path" >&2
	exit 128 ;;
esac
exec git-shell -c "$verb '$GCB_SSHD_ROOT/repos/$path'"
EOF
	chmod 0755 "$home/git-shell-commands/gcb-serve.tmp.$$" &&
	chown git: "$home/git-shell-commands/gcb-serve.tmp.$$" &&
	mv -f "$home/git-shell-commands/gcb-serve.tmp.$$" "$home/git-shell-commands/gcb-serve" &&
	chown git: "$home/git-shell-commands" &&
	chmod 0755 "$home" "$home/git-shell-commands"
}

start_sshd () {
	{ local -; set +x; } 2>/dev/null
	local port try i line
	if [ -n "$SSHD_PID" ]; then
		echo "start_sshd: already started" >&2
		return 1
	fi
	# the demo calls start_sshd without sshd_prereq: the git user and its
	# gcb-serve command are set up here too (idempotent)
	_sshd_git_user || return 1
	# the git user must reach $SSHD_ROOT: the trash directory is 0700
	chmod 0711 "$TRASH" || return 1
	mkdir -p "$SSHD_ROOT/repos" || return 1
	chmod 0755 "$SSHD_ROOT" "$SSHD_ROOT/repos" || return 1
	chown git: "$SSHD_ROOT/repos" || return 1
	mkdir -p /run/sshd && chmod 0755 /run/sshd || return 1
	for t in ed25519 ecdsa; do
		[ -f "$SSHD_ROOT/ssh_host_${t}_key" ] ||
		ssh-keygen -q -t "$t" -N '' -C "gcb-test-host-$t" \
			-f "$SSHD_ROOT/ssh_host_${t}_key" || return 1
	done
	touch "$SSHD_ROOT/authorized_keys" && chmod 0644 "$SSHD_ROOT/authorized_keys" || return 1

	if [ -z "$_sshd_atexit" ]; then
		test_atexit stop_sshd
		_sshd_atexit=1
	fi
	for ((try = 0; try < 5; try++)); do
		if [ -n "$SSHD_WANT_PORT" ]; then
			[ "$try" = 0 ] || break
			port=$SSHD_WANT_PORT
		else
			port=$(test_free_port) || return 1
		fi
		{
			echo "Port $port"
			echo "ListenAddress $SSHD_ADDR"
			echo "HostKey $SSHD_ROOT/ssh_host_ed25519_key"
			echo "HostKey $SSHD_ROOT/ssh_host_ecdsa_key"
			echo "PidFile none"
			echo "AuthorizedKeysFile $SSHD_ROOT/authorized_keys"
			echo "StrictModes no"
			echo "UsePAM no"
			echo "PasswordAuthentication no"
			echo "KbdInteractiveAuthentication no"
			echo "PubkeyAuthentication yes"
			echo "PermitRootLogin no"
			echo "AllowUsers git"
			echo "AcceptEnv GIT_PROTOCOL"
			echo "SetEnv GCB_SSHD_ROOT=$SSHD_ROOT"
			echo "ForceCommand gcb-serve"
			echo "DisableForwarding yes"
			echo "PrintMotd no"
			echo "MaxStartups 64:30:128"
			echo "LogLevel VERBOSE"
			for line in "$@"; do
				echo "$line"
			done
		} >"$SSHD_ROOT/sshd_config"
		: >>"$SSHD_LOG"
		"$SSHD_BIN" -t -f "$SSHD_ROOT/sshd_config" >>"$SSHD_LOG" 2>&1 || {
			echo "start_sshd: bad configuration:" >&2
			cat "$SSHD_LOG" >&2
			return 1
		}
		"$SSHD_BIN" -D -e -f "$SSHD_ROOT/sshd_config" </dev/null >>"$SSHD_LOG" 2>&1 &
		SSHD_PID=$!
		for ((i = 0; i < 500; i++)); do
			if grep -q "Server listening on $SSHD_ADDR port $port" "$SSHD_LOG"; then
				SSHD_PORT=$port
				SSHD_URL="ssh://git@$SSHD_ADDR:$port"
				return 0
			fi
			test_pid_alive "$SSHD_PID" || break
			sleep 0.01
		done
		test_stop_pid "$SSHD_PID" sshd
		SSHD_PID=
	done
	echo "start_sshd: sshd did not start; its log:" >&2
	cat "$SSHD_LOG" >&2
	return 1
}

stop_sshd () {
	{ local -; set +x; } 2>/dev/null
	if [ -n "$SSHD_PID" ]; then
		test_stop_pid "$SSHD_PID" sshd
		SSHD_PID=
	fi
	return 0
}

sshd_create_repo () {
	{ local -; set +x; } 2>/dev/null
	local repo="$SSHD_ROOT/repos/$1" seed="$SSHD_ROOT/seed.$$"
	mkdir -p "$(dirname "$repo")" &&
	git init -q --bare "$repo" &&
	rm -rf "$seed" &&
	git init -q "$seed" &&
	echo "$1" >"$seed/README" &&
	git -C "$seed" add README &&
	git -C "$seed" commit -q -m "initial commit of $1" &&
	git -C "$seed" push -q "$repo" main &&
	rm -rf "$seed" &&
	chown -R git: "$SSHD_ROOT/repos"
}

sshd_authorize () {
	{ local -; set +x; } 2>/dev/null
	if [ "${1:--}" = - ]; then
		cat >>"$SSHD_ROOT/authorized_keys"
	else
		cat "$1" >>"$SSHD_ROOT/authorized_keys"
	fi
}

sshd_trust_host_keys () {
	{ local -; set +x; } 2>/dev/null
	local file=${1:-$HOME/.ssh/known_hosts} t name
	mkdir -p "$(dirname "$file")" || return 1
	name="[$SSHD_ADDR]:$SSHD_PORT"
	[ "$SSHD_PORT" != 22 ] || name=$SSHD_ADDR
	for t in ed25519 ecdsa; do
		printf '%s %s\n' "$name" \
			"$(cut -d' ' -f1,2 "$SSHD_ROOT/ssh_host_${t}_key.pub")"
	done >>"$file"
}

sshd_log_count () {
	{ local -; set +x; } 2>/dev/null
	grep -cE -- "$1" "$SSHD_LOG"
	return 0
}

# What sshd logged since the last mark:
#	sshd_log_mark		remember where its log ends now
#	sshd_log_since		print what it logged after that
sshd_log_mark () {
	wc -l <"$SSHD_LOG" >"$TRASH/log-mark"
}
sshd_log_since () {
	tail -n +$(( $(cat "$TRASH/log-mark") + 1 )) "$SSHD_LOG"
}

# key_json NAME FIELD: one field of `key list --json` for key NAME; times
# as unix seconds, null as "null".
key_json () {
	git credential-bitbucket key list --json >keys.json &&
	python3 - "$1" "$2" <<-\EOF
	import calendar, json, sys, time
	name, field = sys.argv[1], sys.argv[2]
	keys = [k for k in json.load(open("keys.json")) if k["name"] == name]
	if len(keys) != 1:
	    sys.exit("key_json: %d keys named %s" % (len(keys), name))
	v = keys[0][field]
	if v is None:
	    print("null")
	elif field in ("created", "last_used"):
	    print(calendar.timegm(time.strptime(v, "%Y-%m-%dT%H:%M:%SZ")))
	else:
	    print(v)
	EOF
}

# The libssh2 that git-bitbucket-ssh runs on, as the library reports it
# (git-bitbucket-ssh --version), never the package manager's idea of it.
#	libssh2_version		print it, e.g. 1.11.1
#	libssh2_at_least MAJOR.MINOR	true when it is that version or later
libssh2_version () {
	git-bitbucket-ssh --version | sed -n 's/^libssh2 \([0-9][0-9.]*\).*/\1/p'
}

libssh2_at_least () {
	local have want
	have=$(libssh2_version) || return 1
	if [ -z "$have" ]; then
		echo "libssh2_at_least: git-bitbucket-ssh --version names no libssh2" >&2
		return 1
	fi
	want=$1
	[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" = "$want" ]
}

# A second sshd on loopback, for ProxyJump: a jump host that only forwards
# (ssh -W), never runs a command.  Its own host keys and authorized keys
# under $SSHD_ROOT/jump; it logs in the `git` user like the first.
#	start_jump_sshd		start it (stopped at exit); sets JUMP_PORT,
#				JUMP_PID, JUMP_LOG, JUMP_ROOT
#	jump_authorize FILE	append a public key line (FILE, or - for stdin)
#	jump_trust_host_keys FILE  "[127.0.0.1]:JUMP_PORT type key" lines into FILE
JUMP_ROOT="$SSHD_ROOT/jump"
JUMP_PORT=
JUMP_PID=
JUMP_LOG="$JUMP_ROOT/sshd.log"

start_jump_sshd () {
	{ local -; set +x; } 2>/dev/null
	local port i t
	# start_sshd set the git user up; rewriting its gcb-serve here would
	# only race other scripts doing the same
	id git >/dev/null 2>&1 || _sshd_git_user || return 1
	chmod 0711 "$TRASH" || return 1
	mkdir -p "$JUMP_ROOT" /run/sshd && chmod 0755 "$SSHD_ROOT" "$JUMP_ROOT" || return 1
	for t in ed25519 ecdsa; do
		[ -f "$JUMP_ROOT/ssh_host_${t}_key" ] ||
		ssh-keygen -q -t "$t" -N '' -C "gcb-test-jump-$t" \
			-f "$JUMP_ROOT/ssh_host_${t}_key" || return 1
	done
	touch "$JUMP_ROOT/authorized_keys" && chmod 0644 "$JUMP_ROOT/authorized_keys" || return 1
	port=$(test_free_port) || return 1
	cat >"$JUMP_ROOT/sshd_config" <<-JUMPEOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $JUMP_ROOT/ssh_host_ed25519_key
	HostKey $JUMP_ROOT/ssh_host_ecdsa_key
	PidFile none
	AuthorizedKeysFile $JUMP_ROOT/authorized_keys
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin no
	AllowUsers git
	AllowTcpForwarding local
	PermitOpen 127.0.0.1:*
	X11Forwarding no
	PermitTTY no
	ForceCommand /bin/false
	LogLevel VERBOSE
	JUMPEOF
	: >>"$JUMP_LOG"
	"$SSHD_BIN" -D -e -f "$JUMP_ROOT/sshd_config" </dev/null >>"$JUMP_LOG" 2>&1 &
	JUMP_PID=$!
	test_atexit stop_jump_sshd
	for ((i = 0; i < 500; i++)); do
		if grep -q "Server listening on 127.0.0.1 port $port" "$JUMP_LOG"; then
			JUMP_PORT=$port
			return 0
		fi
		test_pid_alive "$JUMP_PID" || break
		sleep 0.01
	done
	echo "start_jump_sshd: sshd did not start; its log:" >&2
	cat "$JUMP_LOG" >&2
	return 1
}

stop_jump_sshd () {
	{ local -; set +x; } 2>/dev/null
	if [ -n "$JUMP_PID" ]; then
		test_stop_pid "$JUMP_PID" sshd
		JUMP_PID=
	fi
	return 0
}

jump_authorize () {
	if [ "${1:--}" = - ]; then
		cat >>"$JUMP_ROOT/authorized_keys"
	else
		cat "$1" >>"$JUMP_ROOT/authorized_keys"
	fi
}

jump_trust_host_keys () {
	local t
	mkdir -p "$(dirname "$1")" || return 1
	for t in ed25519 ecdsa; do
		printf '[127.0.0.1]:%s %s\n' "$JUMP_PORT" \
			"$(cut -d' ' -f1,2 "$JUMP_ROOT/ssh_host_${t}_key.pub")"
	done >>"$1"
}
