# t/lib-httpd.sh - lighttpd serving git smart HTTP with Basic auth.
#
# Source after t/lib.sh.  Call start_httpd at the top level of the test
# script or in a case body (not in a subshell).  It is stopped at exit.
#
#	start_httpd		start lighttpd on a free 127.0.0.1 port
#	stop_httpd		stop it (also done automatically at exit)
#	httpd_add_user U P	add user U with password P, or change P
#				(the user file is re-read on every request)
#	httpd_remove_user U
#	httpd_create_repo PATH	bare repo $HTTPD_ROOT/repos/PATH with one
#				commit on main, push allowed
#	httpd_count_status CODE	number of access-log lines with status CODE
#
# Set HTTPD_REALM before start_httpd for another Basic realm than
# "Bitbucket test" (a Bitbucket Data Center server says "Atlassian
# Bitbucket"; git >= 2.41 passes it to helpers as wwwauth[]).
# Variables: HTTPD_ROOT ($TRASH/httpd), HTTPD_PORT, HTTPD_URL
# (http://127.0.0.1:PORT/auth), HTTPD_PID.  Everything under /auth/ needs
# Basic auth and maps to $HTTPD_ROOT/repos, so the Data Center layout
# $HTTPD_URL/scm/PROJECT/REPO.git is $HTTPD_ROOT/repos/scm/PROJECT/REPO.git
# and the Cloud layout $HTTPD_URL/WORKSPACE/REPO.git is
# $HTTPD_ROOT/repos/WORKSPACE/REPO.git.
# Access log: $HTTPD_ROOT/access.log, lighttpd's default format
#	HOST VHOST USER [DATE] "REQUEST" STATUS BYTES "REFERER" "AGENT"
# written unbuffered through a pipe (a plain file would be flushed late).

HTTPD_ROOT="$TRASH/httpd"
HTTPD_PORT=
HTTPD_URL=
HTTPD_PID=
HTTPD_GIT_HTTP_BACKEND=${HTTPD_GIT_HTTP_BACKEND:-$(git --exec-path)/git-http-backend}
HTTPD_REALM=${HTTPD_REALM:-Bitbucket test}
_httpd_atexit=

_httpd_write_config () {
	cat >"$HTTPD_ROOT/lighttpd.conf" <<EOF
server.modules = ( "mod_alias", "mod_auth", "mod_authn_file", "mod_setenv",
		   "mod_cgi", "mod_accesslog" )
server.bind = "127.0.0.1"
server.port = $1
server.document-root = "$HTTPD_ROOT/docroot"
server.errorlog = "$HTTPD_ROOT/error.log"
# Answer a wrong password at once (lighttpd delays it by default).
server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )
accesslog.filename = "|exec cat >>'$HTTPD_ROOT/access.log'"

auth.backend = "plain"
auth.backend.plain.userfile = "$HTTPD_ROOT/users"

alias.url = ( "/auth/" => "$HTTPD_GIT_HTTP_BACKEND/" )
# No \$HTTP["url"] block: lighttpd 1.4.79 evaluates url conditions again
# once it has split the path-info off the aliased program (against "/auth",
# which "^/auth/" does not match), and then serves git-http-backend as a
# static file.  Each module's own match needs no condition: cgi.assign
# matches the end of the physical path (the program), auth.require a URL
# prefix; both are the same on lighttpd 1.4.69 and 1.4.79.
cgi.assign = ( "/git-http-backend" => "" )
setenv.add-environment = (
	"GIT_PROJECT_ROOT" => "$HTTPD_ROOT/repos",
	"GIT_HTTP_EXPORT_ALL" => "1",
	"GIT_CONFIG_NOSYSTEM" => "1",
	"HOME" => "$HTTPD_ROOT"
)
auth.require = ( "/auth/" => (
	"method" => "basic",
	"realm" => "$HTTPD_REALM",
	"require" => "valid-user"
) )
EOF
}

start_httpd () {
	{ local -; set +x; } 2>/dev/null
	local attempt i port
	if [ -n "$HTTPD_PID" ]; then
		echo "start_httpd: already started" >&2
		return 1
	fi
	if ! command -v lighttpd >/dev/null; then
		echo "start_httpd: lighttpd not found (run scripts/install-deps.sh)" >&2
		return 1
	fi
	if [ ! -x "$HTTPD_GIT_HTTP_BACKEND" ]; then
		echo "start_httpd: $HTTPD_GIT_HTTP_BACKEND not found" >&2
		return 1
	fi
	mkdir -p "$HTTPD_ROOT/repos" "$HTTPD_ROOT/docroot" || return 1
	[ -f "$HTTPD_ROOT/users" ] || : >"$HTTPD_ROOT/users"
	chmod 600 "$HTTPD_ROOT/users"
	: >"$HTTPD_ROOT/access.log"

	if [ -z "$_httpd_atexit" ]; then
		test_atexit stop_httpd
		_httpd_atexit=1
	fi

	# The port may be taken between the check and the bind (e.g. by a
	# test running in parallel); lighttpd then exits and we try another.
	for ((attempt = 0; attempt < 10; attempt++)); do
		port=$(test_free_port) || break
		_httpd_write_config "$port"
		rm -f "$HTTPD_ROOT/error.log"
		lighttpd -D -f "$HTTPD_ROOT/lighttpd.conf" \
			</dev/null >"$HTTPD_ROOT/lighttpd.out" 2>&1 &
		HTTPD_PID=$!
		echo "$HTTPD_PID" >"$HTTPD_ROOT/lighttpd.pid"
		for ((i = 0; i < 500; i++)); do
			# "server started" is logged after the listening socket is bound.
			if grep -q 'server started' "$HTTPD_ROOT/error.log" 2>/dev/null; then
				export HTTPD_PORT=$port
				export HTTPD_URL="http://127.0.0.1:$port/auth"
				export HTTPD_ROOT HTTPD_PID
				return 0
			fi
			test_pid_alive "$HTTPD_PID" || break
			sleep 0.01
		done
		test_stop_pid "$HTTPD_PID" lighttpd
		HTTPD_PID=
		grep -q 'Address already in use' "$HTTPD_ROOT/lighttpd.out" || break
	done
	echo "start_httpd: lighttpd did not start; its output:" >&2
	cat "$HTTPD_ROOT/lighttpd.out" "$HTTPD_ROOT/error.log" >&2 2>/dev/null
	return 1
}

stop_httpd () {
	{ local -; set +x; } 2>/dev/null
	[ -n "$HTTPD_PID" ] || return 0
	test_stop_pid "$HTTPD_PID" lighttpd
	HTTPD_PID=
	return 0
}

httpd_remove_user () {
	{ local -; set +x; } 2>/dev/null
	local f="$HTTPD_ROOT/users"
	mkdir -p "$HTTPD_ROOT" || return 1
	[ -f "$f" ] || : >"$f"
	awk -F: -v u="$1" '$1 != u' "$f" >"$f.new" && mv -f "$f.new" "$f"
}

httpd_add_user () {
	{ local -; set +x; } 2>/dev/null
	if [ $# -ne 2 ]; then
		echo "httpd_add_user: usage: httpd_add_user USER PASSWORD" >&2
		return 1
	fi
	case $1 in
	*:* | *"
"*)
		echo "httpd_add_user: user name must not contain ':' or newline" >&2
		return 1 ;;
	esac
	httpd_remove_user "$1" &&
	printf '%s:%s\n' "$1" "$2" >>"$HTTPD_ROOT/users"
}

httpd_create_repo () {
	{ local -; set +x; } 2>/dev/null
	local dir="$HTTPD_ROOT/repos/${1:?httpd_create_repo: PATH missing}" blob tree commit
	mkdir -p "$dir" &&
	git init -q --bare -b main "$dir" &&
	git --git-dir="$dir" config http.receivepack true &&
	blob=$(echo "initial content" | git --git-dir="$dir" hash-object -w --stdin) &&
	tree=$(printf '100644 blob %s\tREADME\n' "$blob" | git --git-dir="$dir" mktree) &&
	commit=$(echo initial | GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' \
		GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' \
		git --git-dir="$dir" commit-tree "$tree") &&
	git --git-dir="$dir" update-ref refs/heads/main "$commit"
}

# httpd_count_status CODE: how many requests got status CODE so far.  Waits
# until the log has been quiet for 50 ms, so a request that just finished
# is counted.
httpd_count_status () {
	{ local -; set +x; } 2>/dev/null
	local log="$HTTPD_ROOT/access.log" prev=-1 cur i
	for ((i = 0; i < 40; i++)); do
		cur=$(wc -c <"$log" 2>/dev/null) || cur=0
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.05
	done
	awk -v c="$1" '{
		# the status follows the quoted request line
		n = split($0, q, "\"")
		if (n >= 3) { split(q[3], f, " "); if (f[1] == c) k++ }
	} END { print k + 0 }' "$log"
}
