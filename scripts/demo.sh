#!/bin/bash
# demo.sh - the main job, end to end, on this machine only:
#   a private keyring (D-Bus session + gnome-keyring), a Bitbucket Data
#   Center stand-in (git over HTTP with Basic auth, and OpenSSH's sshd with
#   git-shell), a token stored with `login`, and real git clone and push
#   through git-credential-bitbucket (HTTPS) and git-bitbucket-ssh (SSH).
# Run by `make demo`.  Everything it starts is stopped at the end.
set -u

test_description='demo'
. "$(dirname "$0")/../t/lib.sh" >/dev/null
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

step () { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run () { printf '$ %s\n' "$*"; "$@"; }
fail () { echo "demo: $*" >&2; script_done 1; }

# The helper loads its modules from this tree only when root or the user
# running it owns it: a clone made by a user, then `sudo make demo`, would
# fail at the first command with a refusal that speaks of `make install`.
tree=$(cd "$TEST_DIRECTORY/.." && pwd -P)
owner=$(stat -c %u "$tree")
if [ "$owner" != 0 ] && [ "$owner" != "$(id -u)" ]; then
	fail "this tree ($tree) belongs to uid $owner, but the demo runs as uid $(id -u): the helper loads its modules only from a tree of root or its own user; run 'chown -R $(id -un): $tree' (or clone as $(id -un)), then make demo again"
fi

step "a private keyring and a local Bitbucket Data Center stand-in"
start_keyring || fail "cannot start the keyring"
start_httpd || fail "cannot start the HTTP server"
httpd_add_user alice demo-personal-token
httpd_create_repo scm/demo/widget.git
echo "keyring: $DBUS_SESSION_BUS_ADDRESS; server: $HTTPD_URL"

account=()
step "setup: git config for the helper (it declares the Data Center host too)"
echo "(no token is stored yet, so its live check fails and says what to do)"
run git credential-bitbucket setup --global --https "$HTTPD_URL/scm/demo/widget.git"
[ $? = 1 ] || fail "setup: expected the live check to fail before login"
run git credential-bitbucket setup --global --https "$HTTPD_URL/scm/demo/widget.git" >/dev/null
account+=("setup wrote the HTTPS config; run again, it changed nothing")

step "store a personal access token for the whole project (read from stdin, never argv)"
printf 'demo-personal-token\n' >"$TRASH/token"
printf '$ git credential-bitbucket login --username alice --stdin %s/scm/demo/ <token\n' "$HTTPD_URL"
git credential-bitbucket login --username alice --stdin "$HTTPD_URL/scm/demo/" <"$TRASH/token" ||
	fail "login failed"
rm -f "$TRASH/token"
run git credential-bitbucket list
run git credential-bitbucket doctor "$HTTPD_URL/scm/demo/widget.git" || fail "doctor failed over HTTPS"
account+=("login stored a token; doctor passed every check over HTTPS")

step "clone and push over HTTP: git asks the helper, nobody is prompted"
run git clone "$HTTPD_URL/scm/demo/widget.git" "$TRASH/widget" || fail "clone failed"
cd "$TRASH/widget" || exit 1
echo "hello from the demo" >hello.txt
run git add hello.txt
run git commit -qm "demo: hello over HTTP"
run git push origin HEAD:main || fail "push failed"
if [ -s "$TRASH/askpass-log" ]; then
	fail "git prompted for a password; the helper did not answer"
fi
echo "no password prompt: the token came from the keyring"
account+=("clone and push over HTTPS without a prompt")

if [ -f "$TEST_DIRECTORY/lib-sshd.sh" ] && [ -x "$GCB_BINDIR/git-bitbucket-ssh" ]; then
	. "$TEST_DIRECTORY/lib-sshd.sh"
	step "SSH: an Ed25519 key generated straight into the keyring"
	start_sshd || fail "cannot start sshd"
	sshd_create_repo demo/widget.git || fail "cannot create the SSH repository"
	run git credential-bitbucket key generate demo-key --scope "ssh://git@127.0.0.1:$SSHD_PORT/demo/" ||
		fail "key generate failed"
	git credential-bitbucket key public demo-key >"$TRASH/demo-key.pub" || fail "key public failed"
	sshd_authorize "$TRASH/demo-key.pub" || fail "cannot authorize the key"
	echo "(the public key went to the server's authorized_keys, as you would paste it into Bitbucket)"
	sshd_trust_host_keys || fail "cannot record the host key"

	step "setup for SSH, then clone and push through git-bitbucket-ssh"
	run git credential-bitbucket setup --global --ssh "ssh://git@127.0.0.1:$SSHD_PORT/demo/widget.git" ||
		fail "setup --ssh failed"
	run git clone "ssh://git@127.0.0.1:$SSHD_PORT/demo/widget.git" "$TRASH/widget-ssh" ||
		fail "SSH clone failed"
	cd "$TRASH/widget-ssh" || exit 1
	echo "hello over SSH" >ssh.txt
	run git add ssh.txt
	run git commit -qm "demo: hello over SSH"
	run git push origin HEAD:main || fail "SSH push failed"
	run git credential-bitbucket key list
	run git credential-bitbucket doctor || fail "doctor failed over SSH"
	run git credential-bitbucket status
	account+=("a generated key, setup --ssh, clone and push over SSH; doctor passed every check")
fi

step "what happened"
printf '  - %s\n' "${account[@]}"

step "done: everything worked; the demo's keyring and servers are being stopped"
script_done 0
