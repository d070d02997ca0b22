# t/lib.sh - small TAP test framework for git-credential-bitbucket.
#
# Usage, in t/tNNNN-area-detail.sh:
#
#	#!/bin/bash
#	test_description='what this script covers'
#	. "$(dirname "$0")/lib.sh"
#
#	test_expect_success 'sentence describing the case' '
#		some command &&
#		other command
#	'
#
#	test_done
#
# A case passes when its body's exit status is 0.  Bodies are eval'ed in
# the current shell (no subshell), so variables they set and daemons they
# start (start_keyring, start_httpd) survive into later cases.  After each
# case the working directory and shell options (-e, -x) are reset.
#
# Environment knobs: GCB_BINDIR (where the built programs are; default the
# top directory), GCB_KEEP_TRASH (keep $TRASH when a case failed),
# GCB_TEST_VERBOSE (show every case's output), GCB_VALGRIND (run the
# project's programs under valgrind).

if [ -z "${BASH_VERSION:-}" ]; then
	echo "t/lib.sh: must be run with bash" >&2
	exit 1
fi

if [ -z "${test_description:-}" ]; then
	echo "Bail out! $0: set test_description before sourcing lib.sh" >&2
	exit 1
fi

TEST_DIRECTORY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P) || exit 1
GCB_TOP=$(cd "$TEST_DIRECTORY/.." && pwd -P) || exit 1
GCB_BINDIR=${GCB_BINDIR:-$GCB_TOP}
case $GCB_BINDIR in
/*) ;;
*) GCB_BINDIR=$(cd "$GCB_BINDIR" && pwd -P) || exit 1 ;;
esac
TEST_NAME=$(basename "$0" .sh)
export TEST_DIRECTORY GCB_TOP GCB_BINDIR TEST_NAME

case " $* " in
*" -v "* | *" --verbose "*) GCB_TEST_VERBOSE=1 ;;
esac

# ---------------------------------------------------------------------------
# Environment isolation.

# Nothing from the caller's git, ssh, D-Bus or desktop session may leak in.
for _gcb_var in $(compgen -e); do
	case $_gcb_var in
	GIT_*) unset "$_gcb_var" ;;
	esac
done
unset _gcb_var
unset SSH_AUTH_SOCK SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY WAYLAND_DISPLAY \
	DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL GNOME_KEYRING_PID \
	XDG_SESSION_ID XDG_SEAT XDG_VTNR XDG_CONFIG_DIRS XDG_DATA_DIRS \
	EMAIL GIT_EDITOR VISUAL CDPATH

_gcb_tmp=${TMPDIR:-/tmp}
TRASH=$(mktemp -d "$_gcb_tmp/gcb-$TEST_NAME.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory under $_gcb_tmp" >&2
	exit 1
}
TRASH=$(cd "$TRASH" && pwd -P) || exit 1
unset _gcb_tmp
export TRASH

umask 022
mkdir -p "$TRASH/home" "$TRASH/work" "$TRASH/run" \
	"$TRASH/home/.config" "$TRASH/home/.cache" "$TRASH/home/.local/share" || exit 1
chmod 0700 "$TRASH/run"

export HOME="$TRASH/home"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_RUNTIME_DIR="$TRASH/run"
export GIT_CONFIG_NOSYSTEM=1
export GIT_TERMINAL_PROMPT=0
export GIT_ASKPASS="$TRASH/askpass"
export GIT_PAGER=cat PAGER=cat EDITOR=: GIT_EDITOR=:
export LC_ALL=C LANG=C TZ=UTC

cat >"$HOME/.gitconfig" <<'EOF'
[user]
	name = Test User
	email = test@example.com
[init]
	defaultBranch = main
[protocol "file"]
	allow = always
[advice]
	detachedHead = false
EOF

# The askpass stub: answers "Username" prompts with $TRASH/askpass-user and
# "Password"/"passphrase" prompts with $TRASH/askpass-answer; every prompt is
# appended to $TRASH/askpass-log.  It exits 1 (no answer) when the matching
# file does not exist or the prompt is not recognised.
{
	echo '#!/bin/bash'
	printf 'dir=%q\n' "$TRASH"
	cat <<'EOF'
prompt=$*
printf '%s\n' "$prompt" >>"$dir/askpass-log"
case $prompt in
Username*) f=$dir/askpass-user ;;
Password*) f=$dir/askpass-answer ;;
*[Pp]assword* | *[Pp]assphrase* | *PASSWORD* | *PASSPHRASE*) f=$dir/askpass-answer ;;
*[Uu]sername*) f=$dir/askpass-user ;;
*) exit 1 ;;
esac
[ -f "$f" ] || exit 1
cat "$f"
EOF
} >"$TRASH/askpass"
chmod +x "$TRASH/askpass"

# Optional: run the project's programs under valgrind through wrappers.
# valgrind's error exit code is 126, which test_must_fail never accepts.
if [ -n "${GCB_VALGRIND:-}" ]; then
	mkdir -p "$TRASH/valgrind-bin"
	_gcb_vg="valgrind -q --error-exitcode=126 --leak-check=full"
	_gcb_vg+=" --show-leak-kinds=definite --errors-for-leak-kinds=definite"
	for _gcb_supp in /usr/share/glib-2.0/valgrind/glib.supp "$TEST_DIRECTORY/valgrind.supp"; do
		[ ! -f "$_gcb_supp" ] || _gcb_vg+=" --suppressions=$(printf '%q' "$_gcb_supp")"
	done
	for _gcb_prog in git-credential-bitbucket git-bitbucket-ssh; do
		[ -x "$GCB_BINDIR/$_gcb_prog" ] || continue
		{
			echo '#!/bin/sh'
			# GLib is friendlier to valgrind this way.
			echo 'G_SLICE=always-malloc G_DEBUG=gc-friendly; export G_SLICE G_DEBUG'
			printf 'exec %s %q "$@"\n' "$_gcb_vg" "$GCB_BINDIR/$_gcb_prog"
		} >"$TRASH/valgrind-bin/$_gcb_prog"
		chmod +x "$TRASH/valgrind-bin/$_gcb_prog"
	done
	unset _gcb_prog _gcb_vg _gcb_supp
	PATH="$TRASH/valgrind-bin:$GCB_BINDIR:$PATH"
else
	PATH="$GCB_BINDIR:$PATH"
fi
export PATH

# ---------------------------------------------------------------------------
# Exit handling.

_gcb_atexit=()
_gcb_count=0
_gcb_passed=0
_gcb_failed=0
_gcb_finished=
_gcb_in_case=

# test_atexit 'shell code': run the code when the script exits (normally,
# through exit, or by a signal), after the cases, in reverse registration
# order.  Libraries use it to stop exactly what they started.
test_atexit () {
	_gcb_atexit+=("$1")
}

# test_on_failure COMMAND: run COMMAND (its output goes into the TAP stream
# as "# " lines) after each failed case: the libraries use it to say
# whether the daemons a case needed were still running.
_gcb_on_failure=()
test_on_failure () {
	_gcb_on_failure+=("$1")
}

# While a case runs, fds 1 and 2 point at its log; bash keeps the original
# ones on close-on-exec fds >= 10.  The exit handler finds them again by
# device and inode, so no extra fd of ours is ever inherited by the programs
# under test or by daemons.
_gcb_orig_stdout=$(stat -L -c '%d:%i' "/proc/$$/fd/1" 2>/dev/null)
_gcb_orig_stderr=$(stat -L -c '%d:%i' "/proc/$$/fd/2" 2>/dev/null)
_gcb_restore_stdio () {
	local f fd id out='' err=''
	for f in /proc/$$/fd/*; do
		fd=${f##*/}
		[ "$fd" -ge 10 ] && [ "$fd" -ne 255 ] || continue
		id=$(stat -L -c '%d:%i' "$f" 2>/dev/null) || continue
		[ -z "$out" ] && [ "$id" = "$_gcb_orig_stdout" ] && out=$fd
		[ -z "$err" ] && [ "$id" = "$_gcb_orig_stderr" ] && err=$fd
	done
	# Never leave them on the case log: printing the log into itself
	# would never end.
	if [ -n "$out" ]; then exec 1>&"$out"; else exec 1>/dev/null; fi
	if [ -n "$err" ]; then exec 2>&"$err"; else exec 2>/dev/null; fi
}

_gcb_exit_handler () {
	local rc=$? i
	set +e +x +u
	trap - EXIT
	cd / || :
	if [ -n "$_gcb_in_case" ]; then
		# exit was called, or a signal arrived, in the middle of a case
		_gcb_restore_stdio
		_gcb_failed=$((_gcb_failed + 1))
		echo "not ok $_gcb_count - $_gcb_title"
		echo "# the script exited or was killed during this case; output:"
		_gcb_print_log "$_gcb_log"
		_gcb_in_case=
	fi
	for ((i = ${#_gcb_atexit[@]} - 1; i >= 0; i--)); do
		if ! eval "${_gcb_atexit[i]}" </dev/null >"$TRASH/.atexit.log" 2>&1; then
			echo "# atexit '${_gcb_atexit[i]}' failed:"
			sed -e 's/^/#	/' "$TRASH/.atexit.log"
		fi
	done
	if [ -z "$_gcb_finished" ]; then
		echo "# $TEST_NAME: script ended before test_done (after $_gcb_count cases)"
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ -n "${GCB_KEEP_TRASH:-}" ] && { [ "$_gcb_failed" -gt 0 ] || [ "$rc" -ne 0 ]; }; then
		echo "# trash kept in $TRASH"
	else
		rm -rf "$TRASH"
	fi
	exit "$rc"
}
trap _gcb_exit_handler EXIT

# ---------------------------------------------------------------------------
# Cases.

_gcb_print_log () {
	[ -s "$1" ] || return 0
	sed -e 's/^/# /' "$1"
}

test_expect_success () {
	if [ $# -ne 2 ]; then
		echo "Bail out! test_expect_success takes 2 arguments, got $#: $*"
		exit 1
	fi
	_gcb_count=$((_gcb_count + 1))
	_gcb_title=$1
	_gcb_body=$2
	_gcb_log="$TRASH/.case-$_gcb_count.log"
	_gcb_cwd=$PWD

	unset -f _gcb_case
	if eval "_gcb_case () {
set -x
$_gcb_body
}" >"$_gcb_log" 2>&1; then
		_gcb_in_case=1
		_gcb_case </dev/null >>"$_gcb_log" 2>&1
		{ _gcb_rc=$?; set +x; } 2>/dev/null
		_gcb_in_case=
	else
		_gcb_rc=2
		echo "syntax error in the body of this case" >>"$_gcb_log"
	fi
	set +e +u
	unset -f _gcb_case
	trap _gcb_exit_handler EXIT
	cd "$_gcb_cwd" || cd "$TRASH/work" || :

	if [ "$_gcb_rc" -eq 0 ]; then
		_gcb_passed=$((_gcb_passed + 1))
		echo "ok $_gcb_count - $_gcb_title"
		[ -z "${GCB_TEST_VERBOSE:-}" ] || _gcb_print_log "$_gcb_log"
	else
		_gcb_failed=$((_gcb_failed + 1))
		echo "not ok $_gcb_count - $_gcb_title"
		echo "# exit status $_gcb_rc; output:"
		_gcb_print_log "$_gcb_log"
		local hook
		for hook in "${_gcb_on_failure[@]}"; do
			eval "$hook" </dev/null 2>&1 | sed -e 's/^/# /'
		done
	fi
	rm -f "$_gcb_log"
	return 0
}

# git_at_least MAJOR MINOR: the git on PATH is that version or newer
# (scripts for what newer git sends skip themselves with the reason)
git_at_least () {
	local maj min
	IFS=. read -r maj min _ <<<"$(git version | sed -n 's/^git version \([0-9][0-9.]*\).*/\1/p')"
	[ "${maj:-0}" -gt "$1" ] || { [ "${maj:-0}" -eq "$1" ] && [ "${min:-0}" -ge "$2" ]; }
}

# A TCP port in 20000-60000 that nothing on this machine is using right
# now (the servers retry with another one if the bind still fails).
test_free_port () {
	local port hex i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + ((RANDOM << 15) | RANDOM) % 40001))
		printf -v hex ':%04X ' "$port"
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			awk '{ print $2 " " $3 " " }' | grep -qF "$hex"; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

# For scripts that use these libraries without test cases (demo, bench):
# end the script with status $1 (default 0), stopping what was started.
script_done () {
	_gcb_finished=1
	exit "${1:-0}"
}

test_done () {
	echo "1..$_gcb_count"
	echo "# passed $_gcb_passed, failed $_gcb_failed"
	_gcb_finished=1
	if [ "$_gcb_failed" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# test_skip_case TITLE REASON: count a case that cannot apply to this run
# as passed, with the reason ("ok N - TITLE # SKIP REASON")
test_skip_case () {
	_gcb_count=$((_gcb_count + 1))
	_gcb_passed=$((_gcb_passed + 1))
	echo "ok $_gcb_count - $1 # SKIP $2"
}

test_skip_all () {
	if [ "$_gcb_count" -gt 0 ]; then
		echo "Bail out! test_skip_all after $_gcb_count cases: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	_gcb_finished=1
	exit 0
}

# ---------------------------------------------------------------------------
# Assertions.  They print a diagnostic to stderr (which ends up in the
# case's log) and return non-zero on failure.

test_cmp () {
	{ local -; set +x; } 2>/dev/null
	local rc=0
	if [ $# -ne 2 ]; then
		echo "test_cmp: usage: test_cmp expected actual" >&2
		rc=1
	else
		diff -u -- "$1" "$2" >&2 || rc=1
	fi
	return "$rc"
}

# Exit statuses that never count as an expected failure: 126 (not
# executable; also valgrind's error code under GCB_VALGRIND), 127 (not
# found), and the exitcode= of ASAN_OPTIONS/UBSAN_OPTIONS when above 1.
_gcb_bad_codes=" 126 127 "
for _gcb_opt in "${ASAN_OPTIONS:-}" "${UBSAN_OPTIONS:-}"; do
	if [[ $_gcb_opt =~ (^|[:,])exitcode=([0-9]+) ]] && [ "${BASH_REMATCH[2]}" -gt 1 ]; then
		_gcb_bad_codes+="${BASH_REMATCH[2]} "
	fi
done
unset _gcb_opt

# test_must_fail cmd...: cmd must exit with a status from 1 to 125 that is
# not one of the codes above.  Exit 0 and >128 (killed by a signal, e.g. a
# crash) make it fail too.
test_must_fail () {
	{ local -; set +x; } 2>/dev/null
	local rc=0
	"$@" || rc=$?
	local ret=0
	if [ "$rc" -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		ret=1
	elif [ "$rc" -gt 128 ]; then
		echo "test_must_fail: command died with signal $((rc - 128)) (status $rc): $*" >&2
		ret=1
	else
		case $_gcb_bad_codes in
		*" $rc "*)
			echo "test_must_fail: status $rc means not found, not executable, or a valgrind/sanitizer error: $*" >&2
			ret=1 ;;
		esac
	fi
	return "$ret"
}

# test_must_fail_code N cmd...: cmd must exit with exactly status N.
test_must_fail_code () {
	{ local -; set +x; } 2>/dev/null
	local want=$1 rc=0 ret=0
	shift
	"$@" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "test_must_fail_code: expected status $want, got $rc: $*" >&2
		ret=1
	fi
	return "$ret"
}

test_must_be_empty () {
	{ local -; set +x; } 2>/dev/null
	local ret=0
	if [ ! -f "$1" ]; then
		echo "test_must_be_empty: '$1' does not exist" >&2
		ret=1
	elif [ -s "$1" ]; then
		echo "test_must_be_empty: '$1' is not empty, it contains:" >&2
		cat "$1" >&2
		ret=1
	fi
	return "$ret"
}

# test_grep [grep options] pattern file: the file must have a matching line.
# test_grep ! [grep options] pattern file: it must have none.
test_grep () {
	{ local -; set +x; } 2>/dev/null
	local negate='' ret=0 rc=0
	if [ "${1:-}" = "!" ]; then
		negate=1
		shift
	fi
	if [ $# -lt 2 ]; then
		echo "test_grep: usage: test_grep [!] [options] pattern file" >&2
		return 1
	fi
	local file=${!#}
	if [ ! -f "$file" ]; then
		echo "test_grep: '$file' does not exist" >&2
		return 1
	fi
	grep "$@" >/dev/null || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "test_grep: grep failed (status $rc): grep $*" >&2
		ret=1
	elif [ -z "$negate" ] && [ "$rc" -ne 0 ]; then
		echo "test_grep: no line matches 'grep ${*:1:$#-1}' in $file; it contains:" >&2
		cat "$file" >&2
		ret=1
	elif [ -n "$negate" ] && [ "$rc" -eq 0 ]; then
		echo "test_grep: unexpected match for 'grep ${*:1:$#-1}' in $file:" >&2
		grep "$@" >&2
		ret=1
	fi
	return "$ret"
}

# ---------------------------------------------------------------------------
# Process helpers for libraries.

# test_pid_alive PID: true if the process exists and is not a zombie.
test_pid_alive () {
	{ local -; set +x; } 2>/dev/null
	local state
	[ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
	state=$(sed -e 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# test_stop_pid PID [NAME]: SIGTERM the process, wait up to 5 s for it to
# end, then SIGKILL it.  With NAME, the process is only signalled if its
# command line contains NAME (guards against a recycled PID).  Zombies count
# as gone (PID 1 may be slow to reap orphans).
test_stop_pid () {
	{ local -; set +x; } 2>/dev/null
	local pid=$1 name=${2:-} i
	if test_pid_alive "$pid"; then
		if [ -n "$name" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$name"; then
			return 0
		fi
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 500; i++)); do
			test_pid_alive "$pid" || break
			sleep 0.01
		done
		if test_pid_alive "$pid"; then
			echo "test_stop_pid: $pid ($name) ignored SIGTERM, killing" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	# Reap it if it is our child; harmless otherwise.
	wait "$pid" 2>/dev/null
	return 0
}

# test_wait_for SECONDS 'shell code': poll the code every 10 ms until it
# succeeds; fail after SECONDS.
test_wait_for () {
	{ local -; set +x; } 2>/dev/null
	local limit=$(($1 * 100)) i
	for ((i = 0; i < limit; i++)); do
		eval "$2" && return 0
		sleep 0.01
	done
	eval "$2"
}

# Cases start in an empty directory inside the trash.
cd "$TRASH/work" || exit 1
