#!/bin/bash

test_description='doctor: every check passes on a healthy setup (exit 0); each broken case gives its exact ✘ line with the fix (exit 1)'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"
. "$TEST_DIRECTORY/lib-sshd.sh"

sshd_prereq

prog=git-credential-bitbucket
SCHEMA=org.bitbucket.credential

fake_item () {
	{ local -; set +x; } 2>/dev/null
	local value=$1
	shift
	printf '%s' "$value" |
		LC_ALL=C.UTF-8 secret-tool store --label="fake item" xdg:schema $SCHEMA "$@"
}

# doctor_fails WANT-LINE ARGS...: doctor exits 1 and prints WANT-LINE exactly
doctor_fails () {
	local want=$1
	shift
	test_must_fail_code 1 "$prog" doctor "$@" >out 2>err &&
	test_grep -F -x -e "$want" out
}

test_expect_success 'setup: keyring, HTTP and SSH stand-ins, a token, a key, host keys' '
	start_keyring &&
	start_httpd &&
	start_sshd &&
	httpd_add_user alice doctor-personal-token &&
	httpd_create_repo scm/proj/repo.git &&
	sshd_create_repo proj/repo.git &&
	sshd_create_repo refused/repo.git &&
	hp=127.0.0.1:$HTTPD_PORT && sp=127.0.0.1:$SSHD_PORT && today=$(date -u +%Y-%m-%d) &&
	http_url=$HTTPD_URL/scm/proj/repo.git && ssh_url=$SSHD_URL/proj/repo.git &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1 &&
	printf "doctor-personal-token\n" |
		"$prog" login --username alice --stdin "$HTTPD_URL/scm/proj/" >/dev/null &&
	"$prog" key generate --scope "$SSHD_URL/proj/" good >/dev/null &&
	"$prog" key public good | sshd_authorize - &&
	sshd_trust_host_keys &&
	git init -q https-repo && git -C https-repo remote add origin "$http_url" &&
	git init -q ssh-repo && git -C ssh-repo remote add origin "$ssh_url" &&
	(cd https-repo && "$prog" setup --https >/dev/null) &&
	(cd ssh-repo && "$prog" setup --ssh >/dev/null) &&
	store=$XDG_DATA_HOME/git-credential-bitbucket/keystore.enc &&
	if [ "$KEYRING_MODE" = file ]; then
		keyring_ok="✔ keystore: the encrypted file store $store (bitbucket.keystore is file)"
	else
		keyring_ok="✔ keyring: Secret Service (GNOME Keyring), reachable and unlocked"
	fi
'

test_expect_success 'healthy over HTTPS: every check passes, exit 0' '
	(cd https-repo && "$prog" doctor >../out 2>../err) &&
	test_must_be_empty err &&
	sed -e "s/answered in [0-9.]* s/answered in N s/" \
	    -e "s/^✔ programs: .*/✔ programs: .../" out >out.n &&
	cat >expect <<-EOF &&
	doctor: $http_url (remote origin)
	✔ programs: ...
	$keyring_ok
	✔ git config: credential.helper bitbucket for http://$hp, useHttpPath true
	✔ URL: $http_url (Bitbucket Data Center, a repository)
	✔ token: personal token for alice on http://$hp/proj, expires never, last used $today
	✔ live check: git ls-remote $http_url answered in N s (1 branch)
	EOF
	test_cmp expect out.n &&
	test_grep -E "^✔ programs: git [0-9.]+, git-credential-bitbucket [^,]+, git-bitbucket-ssh [^ ]+ with libssh2 [0-9.]+$" out
'

test_expect_success 'healthy over SSH: every check passes, exit 0; --json says the same' '
	(cd ssh-repo && "$prog" doctor origin >../out 2>../err) &&
	test_must_be_empty err &&
	sed -e "s/answered in [0-9.]* s/answered in N s/" -e "/^✔ programs: /d" out >out.n &&
	cat >expect <<-EOF &&
	doctor: $ssh_url (remote origin)
	$keyring_ok
	✔ git config: core.sshCommand runs git-bitbucket-ssh
	✔ URL: $ssh_url (Bitbucket Data Center, a repository)
	✔ key: '\''good'\'' (ssh-ed25519) for $sp/proj, last used $today
	✔ host key: [127.0.0.1]:$SSHD_PORT is known
	✔ live check: git ls-remote $ssh_url answered in N s (1 branch)
	EOF
	test_cmp expect out.n &&
	(cd ssh-repo && "$prog" doctor --json) >json &&
	python3 -c "
import json, sys
d = json.load(open(\"json\"))
assert d[\"ok\"] is True and d[\"url\"] == sys.argv[1] and d[\"remote\"] == \"origin\", d
names = [c[\"check\"] for c in d[\"checks\"]]
assert names == [\"programs\", \"keyring\", \"git-config\", \"url\", \"key\", \"host-key\", \"live\"], names
assert all(c[\"ok\"] for c in d[\"checks\"])
if sys.argv[2] == \"file\":
    assert d[\"store\"] == {\"backend\": \"file\", \"path\": sys.argv[3], \"why\": \"bitbucket.keystore is file\"}, d[\"store\"]
else:
    assert d[\"store\"] == {\"backend\": \"secret-service\", \"path\": None, \"why\": \"the Secret Service is running and unlocked\"}, d[\"store\"]
" "$ssh_url" "$KEYRING_MODE" "$store"
'

test_expect_success 'login --check runs the same live check after storing' '
	(cd https-repo && printf "doctor-personal-token\n" |
	 "$prog" login --check --username alice --stdin "$HTTPD_URL/scm/proj/" >../out 2>../err) &&
	test_grep -x "✔ live check: git ls-remote $http_url answered in [0-9.]* s (1 branch)" out &&
	(cd https-repo && printf "doctor-personal-token\n" |
	 "$prog" login --check --username alice --stdin "$http_url" >../out 2>../err) &&
	test_grep -x "✔ live check: git ls-remote $http_url answered in [0-9.]* s (1 branch)" out &&
	mkdir -p "$TRASH/outside" &&
	(cd "$TRASH/outside" && printf "doctor-personal-token\n" |
	 test_must_fail_code 1 "$prog" login --check --username alice --stdin "$HTTPD_URL/scm/proj/") >out &&
	test_grep -F -x "✘ live check: $HTTPD_URL/scm/proj/ names no repository and the origin remote here is not one of its repositories; check one with '\''git credential-bitbucket doctor URL'\''" out
'

test_expect_success 'an https remote while SSH is configured' '
	"$prog" key generate --scope "$SSHD_URL/team/" teamkey >/dev/null &&
	git config --global core.sshCommand git-bitbucket-ssh &&
	git init -q team && git -C team remote add origin "$HTTPD_URL/scm/team/repo.git" &&
	(cd team && "$prog" setup --https >/dev/null; "$prog" doctor >../out 2>../err; test $? = 1) &&
	test_grep -F -x "✘ URL: $HTTPD_URL/scm/team/repo.git is HTTPS, but $hp/team/repo is set up for SSH (key '\''teamkey'\'', core.sshCommand git-bitbucket-ssh) and no token is stored for it; git remote set-url origin ssh://git@$sp/team/repo.git" out
'

test_expect_success 'a user other than git in the URL' '
	doctor_fails "✘ URL: user '\''alice'\'' in ssh://alice@$sp/proj/repo.git, but Bitbucket'\''s SSH user is always '\''git'\''; use ssh://git@$sp/proj/repo.git" \
		"ssh://alice@$sp/proj/repo.git"
'

test_expect_success 'a missing key' '
	doctor_fails "✘ key: none stored for $sp/nokey/repo; create one with '\''git credential-bitbucket key generate --scope ssh://git@$sp/nokey NAME'\'' and add its public half to Bitbucket" \
		"$SSHD_URL/nokey/repo.git"
'

test_expect_secret_service 'a locked keyring, then an absent one' '
	lock_keyring &&
	doctor_fails "✘ keyring: Secret Service (GNOME Keyring) is locked; unlock it (log in to the desktop, or open Seahorse or KeePassXC) and run doctor again" \
		"$ssh_url" &&
	stop_keyring_daemon &&
	{ "$prog" doctor "$ssh_url" >out 2>err; code=$?; start_keyring_daemon; } &&
	test $code = 1 &&
	test_grep -x "✘ keyring: .*no Secret Service.*" out
'

if [ "$KEYRING_MODE" = file ]; then
test_expect_success 'a locked file store: the unlock fix; chosen for want of a bus: why' '
	lock_keyring &&
	doctor_fails "✘ keystore: the encrypted file store $store (bitbucket.keystore is file) is locked: no cached key; unlock it with '\''git credential-bitbucket unlock'\'' (in CI: '\''unlock --passphrase-fd N'\'') and run doctor again" \
		"$ssh_url" &&
	test_must_be_empty err &&
	unlock_keyring &&
	GIT_CONFIG_COUNT=0 "$prog" doctor "$ssh_url" >out 2>err &&
	test_grep -F -x "✔ keystore: the encrypted file store $store (there is no D-Bus session bus)" out &&
	mv "$store" "$store.away" &&
	doctor_fails "✘ keystore: there is no encrypted file store yet ($store; bitbucket.keystore is file); create it with '\''git credential-bitbucket unlock'\'' and run doctor again" \
		"$ssh_url" &&
	mv "$store.away" "$store"
'
else
test_expect_success 'no bus and no file store: the fix names both' '
	(unset DBUS_SESSION_BUS_ADDRESS && "$prog" doctor "$ssh_url" >out 2>err; test $? = 1) &&
	test_grep -F -x "✘ keyring: there is no D-Bus session bus; run this inside your desktop session, or start one with '\''dbus-run-session -- \$SHELL'\'' and a Secret Service such as gnome-keyring, or create an encrypted file store with '\''git credential-bitbucket unlock'\''" out
'
fi

test_expect_success 'an unknown host key' '
	mv "$HOME/.ssh/known_hosts" "$HOME/.ssh/known_hosts.away" &&
	doctor_fails "✘ host key: [127.0.0.1]:$SSHD_PORT is not in ~/.ssh/known_hosts; compare its fingerprint with the one your Bitbucket administrator publishes, then add it: ssh-keyscan -p $SSHD_PORT 127.0.0.1 >> ~/.ssh/known_hosts" \
		"$ssh_url" &&
	test_grep "^✘ live check: host key: the host key of \[127.0.0.1\]:$SSHD_PORT is not known" out &&
	mv "$HOME/.ssh" "$HOME/.ssh.away" &&
	doctor_fails "✘ host key: [127.0.0.1]:$SSHD_PORT is not in ~/.ssh/known_hosts; compare its fingerprint with the one your Bitbucket administrator publishes, then add it: mkdir -p -m 700 ~/.ssh && ssh-keyscan -p $SSHD_PORT 127.0.0.1 >> ~/.ssh/known_hosts" \
		"$ssh_url" &&
	mv "$HOME/.ssh.away" "$HOME/.ssh" &&
	mv "$HOME/.ssh/known_hosts.away" "$HOME/.ssh/known_hosts"
'

test_expect_success 'bitbucket.org cases run offline: its HTTPS goes to a closed port' '
	git config --global http.https://bitbucket.org/.proxy http://127.0.0.1:9 &&
	git config --global credential.https://bitbucket.org.helper bitbucket &&
	git config --global credential.https://bitbucket.org.useHttpPath true
'

test_expect_success 'an app password stored for bitbucket.org' '
	fake_item "$(printf "password=ATBBoldapppassword\n")" \
		kind app-password protocol https host bitbucket.org port 0 scope legacy username paul \
		name "" repos "" read_only false created 1700000000 last_used 0 warned 0 &&
	doctor_fails "✘ token: the app password for paul on bitbucket.org/legacy is refused: app passwords (ATBB) were removed from bitbucket.org on 2026-07-28; create an API token with scopes read:repository:bitbucket and write:repository:bitbucket (Atlassian account > Security > API tokens > Create API token with scopes); remove it with '\''git credential-bitbucket logout --username paul https://bitbucket.org/legacy/'\''" \
		https://bitbucket.org/legacy/widget.git
'

test_expect_success 'an e-mail address as the username' '
	fake_item "$(printf "password=ATATT3xFfGF0mailtoken\n")" \
		kind api-token protocol https host bitbucket.org port 0 scope mail username alice@example.com \
		name "" repos "" read_only false created 1700000000 last_used 0 warned 0 &&
	doctor_fails "✘ token: the API token for alice@example.com on bitbucket.org/mail is refused: an e-mail address is not a git username on bitbucket.org (the e-mail is for the REST API); use your Bitbucket username from Account settings, or x-bitbucket-api-token-auth with an API token; remove it with '\''git credential-bitbucket logout --username alice@example.com https://bitbucket.org/mail/'\''" \
		https://bitbucket.org/mail/widget.git
'

test_expect_success 'a key the server refuses' '
	"$prog" key generate --scope "$SSHD_URL/refused/" stranger >/dev/null &&
	doctor_fails "✔ key: '\''stranger'\'' (ssh-ed25519) for $sp/refused, last used never" \
		"$SSHD_URL/refused/repo.git" &&
	test_grep -E "^✘ live check: Permission denied \(publickey\): the server refused the key '\''stranger'\'' \(ED25519 SHA256:[^ ]+\): add its public key \(git-credential-bitbucket key public stranger\) to your Bitbucket account or to the repository'\''s access keys, or choose another key with -i NAME$" out
'

test_expect_success 'a repository that is not found, over SSH and over HTTPS' '
	doctor_fails "✘ live check: repository not found: check the workspace or project and the repository name in $SSHD_URL/proj/missing.git, and that the account (or the key'\''s scope) can see it; an HTTPS URL where SSH was meant says this too" \
		"$SSHD_URL/proj/missing.git" &&
	(cd https-repo && doctor_fails "✘ live check: repository not found: check the workspace or project and the repository name in $HTTPD_URL/scm/proj/missing.git, and that the account (or the key'\''s scope) can see it; an HTTPS URL where SSH was meant says this too" \
		"$HTTPD_URL/scm/proj/missing.git")
'

test_expect_success 'a Data Center SSH URL on a web port: offline, the 7999 fix' '
	doctor_fails "✘ URL: port 443 in ssh://git@127.0.0.1:443/proj/repo.git is a web port (Bitbucket Data Center'\''s HTTP or HTTPS), not SSH, which Data Center serves on port 7999 unless its administrator changed it; use ssh://git@127.0.0.1:7999/proj/repo.git" \
		"ssh://git@127.0.0.1:443/proj/repo.git" &&
	(cd ssh-repo && git remote set-url origin "ssh://git@127.0.0.1:7990/proj/repo.git" &&
	 doctor_fails "✘ URL: port 7990 in ssh://git@127.0.0.1:7990/proj/repo.git is a web port (Bitbucket Data Center'\''s HTTP or HTTPS), not SSH, which Data Center serves on port 7999 unless its administrator changed it; git remote set-url origin ssh://git@127.0.0.1:7999/proj/repo.git" &&
	 git remote set-url origin "$ssh_url")
'

test_expect_success 'a Data Center SSH URL on another port than its key'"'"'s: offline, the key'"'"'s port' '
	doctor_fails "✘ URL: port 22 in ssh://git@127.0.0.1:22/proj/repo.git, but key '\''good'\'' for this scope was made for port $SSHD_PORT; use ssh://git@127.0.0.1:$SSHD_PORT/proj/repo.git (or, if the server really listens on 22, store the key for that port: '\''git credential-bitbucket key generate --scope ssh://git@127.0.0.1:22/proj/repo.git NAME'\'')" \
		"ssh://git@127.0.0.1:22/proj/repo.git"
'

test_expect_success 'a Data Center SSH port where nothing listens: the live check names 7999' '
	closed=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	"$prog" key generate --scope "ssh://git@127.0.0.1:$closed/closed/" closedkey >/dev/null &&
	test_must_fail_code 1 "$prog" doctor "ssh://git@127.0.0.1:$closed/closed/repo.git" >out 2>err &&
	test_grep "^✔ URL: ssh://git@127.0.0.1:$closed/closed/repo.git (Bitbucket Data Center, a repository)$" out &&
	test_grep -E "^✘ live check: cannot connect to 127.0.0.1 port $closed: .*; Bitbucket Data Center serves SSH on port 7999 unless its administrator changed it: use ssh://git@127.0.0.1:7999/closed/repo.git$" out
'

test_expect_success 'a host name that does not resolve: the live check says so' '
	git config --global --add bitbucket.dataCenterHost bb.invalid &&
	test_must_fail_code 1 "$prog" doctor "https://bb.invalid/scm/proj/repo.git" >out 2>err &&
	test_grep -x "✘ live check: cannot find the server: fatal: unable to access '"'"'https://bb.invalid/scm/proj/repo.git/'"'"': Could not resolve host: bb.invalid; check the host name in the URL, the network and DNS (and http.proxy or ProxyJump if you need a proxy)" out &&
	git config --global --unset bitbucket.dataCenterHost bb.invalid
'

test_expect_success 'bitbucket.org over SSH on a port other than 22: offline, the two URLs to use' '
	doctor_fails "✘ URL: port 443 in ssh://git@bitbucket.org:443/acme/widget.git, but bitbucket.org serves SSH on port 22 only (on port 443 it is altssh.bitbucket.org); use git@bitbucket.org:acme/widget.git, or where port 22 is blocked: use ssh://git@altssh.bitbucket.org:443/acme/widget.git" \
		"ssh://git@bitbucket.org:443/acme/widget.git"
'

test_expect_success 'outside a repository without a URL: usage error' '
	mkdir -p "$TRASH/outside" &&
	(cd "$TRASH/outside" && test_must_fail_code 2 "$prog" doctor) 2>err &&
	test_grep -x "$prog: not in a git repository, and no URL given; give the URL, e.g. '\''$prog doctor https://bitbucket.org/WORKSPACE/REPO.git'\''" err
'

test_done
