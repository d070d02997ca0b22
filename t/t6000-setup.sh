#!/bin/bash

test_description='setup: the git config that makes git use the helper or the SSH wrapper, in a repository and globally, twice, and --dry-run'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-keyring.sh"
. "$TEST_DIRECTORY/lib-httpd.sh"

prog=git-credential-bitbucket
USAGE="usage: $prog setup [--global] [--local] [--https] [--ssh] [--dry-run] [URL]"

test_expect_success 'setup: keyring, a Data Center stand-in over HTTP, a repository with origin' '
	start_keyring &&
	start_httpd &&
	httpd_add_user alice setup-personal-token &&
	httpd_create_repo scm/proj/repo.git &&
	base="http://127.0.0.1:$HTTPD_PORT" &&
	url="$HTTPD_URL/scm/proj/repo.git" &&
	git init -q repo &&
	git -C repo remote add origin "$url"
'

test_expect_success 'setup --help, and misuse' '
	"$prog" setup --help >out &&
	head -n 1 out >first && echo "$USAGE" >expect && test_cmp expect first &&
	test_must_fail_code 2 "$prog" setup --global --local --dry-run x 2>err &&
	test_grep -x "$prog: --global and --local exclude each other; see '\''$prog setup --help'\''" err &&
	test_must_fail_code 2 "$prog" setup --https --ssh --dry-run x 2>err &&
	test_grep -x "$prog: --https and --ssh exclude each other; see '\''$prog setup --help'\''" err &&
	(mkdir -p "$TRASH/outside" && cd "$TRASH/outside" && test_must_fail_code 2 "$prog" setup --dry-run) 2>err &&
	test_grep -x "$prog: not in a git repository, and no URL given; give the URL, e.g. '\''$prog setup https://bitbucket.org/WORKSPACE/REPO.git'\''" err &&
	(cd repo && test_must_fail_code 2 "$prog" setup --dry-run upstream 2>../err) &&
	test_grep -x "$prog: this repository has no remote '\''upstream'\''; give a remote'\''s name or a URL" err
'

test_expect_success '--dry-run in the repository prints the commands and changes nothing' '
	cp repo/.git/config config.before &&
	(cd repo && "$prog" setup --dry-run </dev/null >../out 2>../err) &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	git config --local --add bitbucket.dataCenterHost 127.0.0.1
	git config --local --replace-all credential.$base.helper '\'''\''
	git config --local --add credential.$base.helper bitbucket
	git config --local credential.$base.useHttpPath true
	EOF
	test_cmp expect out &&
	test_cmp config.before repo/.git/config
'

test_expect_success 'setup writes them; without a token the live check says what to do (exit 1)' '
	(cd repo && test_must_fail_code 1 "$prog" setup </dev/null >../out 2>../err) &&
	head -n 4 out >first &&
	test_cmp expect first &&
	test_grep -x "✘ live check: the server asked for a password and no helper answered: no usable token is stored for this URL, or git does not ask this helper (see the checks above); store one with '\''git credential-bitbucket login --username NAME $url'\''" out &&
	git -C repo config --get-all "credential.$base.helper" >vals &&
	printf "\nbitbucket\n" >expect.vals && test_cmp expect.vals vals &&
	test "$(git -C repo config --get bitbucket.dataCenterHost)" = 127.0.0.1 &&
	test "$(git -C repo config --type=bool --get credential.$base.useHttpPath)" = true &&
	test_must_fail git config --global --get-regexp "^credential\\."
'

test_expect_success 'a second run changes nothing and says so; with a token the live check passes' '
	(cd repo && printf "setup-personal-token\n" |
	 "$prog" login --username alice --stdin "$HTTPD_URL/scm/proj/" >/dev/null) &&
	cp repo/.git/config config.before &&
	(cd repo && "$prog" setup </dev/null >../out 2>../err) &&
	test_must_be_empty err &&
	test_cmp config.before repo/.git/config &&
	sed "s/in [0-9.]* s/in N s/" out >out.n &&
	cat >expect <<-EOF &&
	git is already set up for $url over HTTPS (local config); nothing changed
	✔ live check: git ls-remote $url answered in N s (1 branch)
	EOF
	test_cmp expect out.n &&
	git -C repo fetch -q origin 2>err && test_must_be_empty err
'

test_expect_success 'an inherited helper no longer answers first: the empty value resets the list' '
	git config --global credential.helper "!echo username=wrong; echo password=wrong; :" &&
	(cd repo && "$prog" setup >../out) &&
	test_grep "^✔ live check" out &&
	git config --global --unset credential.helper
'

test_expect_success 'globally, outside a repository: --ssh for a Data Center SSH URL' '
	ssh_url=ssh://git@127.0.0.1:7999/proj/repo.git &&
	(cd "$TRASH/outside" && "$prog" setup --ssh --dry-run "$ssh_url") >out &&
	cat >expect <<-EOF &&
	git config --global --add bitbucket.dataCenterHost 127.0.0.1
	git config --global core.sshCommand git-bitbucket-ssh
	git config --global ssh.variant ssh
	EOF
	test_cmp expect out &&
	test_must_fail git config --global --get core.sshCommand &&
	test_must_fail git config --global --get ssh.variant &&
	(cd "$TRASH/outside" && test_must_fail_code 1 "$prog" setup --ssh "$ssh_url") >out 2>err &&
	head -n 3 out >first && test_cmp expect first &&
	test_grep "^✘ live check: " out &&
	test "$(git config --global --get core.sshCommand)" = git-bitbucket-ssh &&
	test "$(git config --global --get ssh.variant)" = ssh &&
	(cd "$TRASH/outside" && "$prog" setup --ssh --dry-run "$ssh_url") >out &&
	echo "git is already set up for $ssh_url over SSH (global config); nothing changed" >expect &&
	test_cmp expect out
'

test_expect_success 'globally for bitbucket.org over HTTPS: helper and useHttpPath, no Data Center declaration' '
	(cd "$TRASH/outside" && "$prog" setup --global --https --dry-run https://bitbucket.org/acme/widget.git) >out &&
	cat >expect <<-EOF &&
	git config --global --replace-all credential.https://bitbucket.org.helper '\'''\''
	git config --global --add credential.https://bitbucket.org.helper bitbucket
	git config --global credential.https://bitbucket.org.useHttpPath true
	EOF
	test_cmp expect out
'

test_expect_success 'no choice and no terminal: the URL scheme decides (scp-like is SSH)' '
	(cd "$TRASH/outside" && test_must_fail_code 2 "$prog" setup --local --dry-run git@bitbucket.org:acme/widget.git </dev/null) >out 2>err &&
	test_grep -x "$prog: --local needs a git repository; run setup inside one, or use --global" err &&
	git config --global --unset core.sshCommand &&
	(cd "$TRASH/outside" && "$prog" setup --dry-run git@bitbucket.org:acme/widget.git </dev/null) >out &&
	echo "git config --global core.sshCommand git-bitbucket-ssh" >expect &&
	test_cmp expect out
'

test_expect_success 'setup --ssh where only ssh.variant is missing (set up by an older version) writes just that' '
	git config --global core.sshCommand git-bitbucket-ssh &&
	git config --global --unset ssh.variant &&
	(cd "$TRASH/outside" && "$prog" setup --dry-run --ssh ssh://git@bitbucket.org/acme/widget.git) >out &&
	echo "git config --global ssh.variant ssh" >expect &&
	test_cmp expect out &&
	git config --global ssh.variant auto &&
	(cd "$TRASH/outside" && "$prog" setup --dry-run --ssh ssh://git@bitbucket.org/acme/widget.git) >out &&
	test_cmp expect out &&
	git config --global ssh.variant ssh
'

# start_session 'commands': sh on a new pseudo-terminal under script(1);
# the screen goes to $TRASH/screen, what we type through the fifo on fd 7.
start_session () {
	rm -f "$TRASH/screen" "$TRASH/keys"
	mkfifo "$TRASH/keys" || return 1
	script -qfec "$1" "$TRASH/screen" <"$TRASH/keys" >/dev/null 2>&1 &
	SESSION_PID=$!
	exec 7>"$TRASH/keys"
}
screen_has () { grep -q -F -- "$1" "$TRASH/screen" 2>/dev/null; }
# answer PROMPT KEYS: wait for PROMPT on the screen, then type KEYS
answer () {
	_want=$1
	test_wait_for 20 'screen_has "$_want"' && printf "$2" >&7
}
end_session () {
	exec 7>&-
	wait "$SESSION_PID"
}

test_expect_success 'at a terminal: setup asks HTTPS or SSH, then offers login; the live check passes' '
	command -v script >/dev/null &&
	httpd_create_repo scm/team/repo.git &&
	git init -q repo2 && git -C repo2 remote add origin "$HTTPD_URL/scm/team/repo.git" &&
	git -C repo2 config bitbucket.dataCenterHost 127.0.0.1 &&
	start_session "cd repo2 && $prog setup; echo exit=\$?" &&
	answer "[HTTPS/ssh] " "\\r" &&
	answer "Store a token for $HTTPD_URL/scm/team/ now? [Y/n] " "y\\r" &&
	answer "Username for " "alice\\r" &&
	answer "Token for " "setup-personal-token\\r" &&
	test_wait_for 30 "screen_has exit=" &&
	end_session &&
	tr -d "\\r" <"$TRASH/screen" >screen &&
	test_grep -x "git config --local --replace-all credential.$base.helper '\'''\''" screen &&
	test_grep "^stored personal token for alice on 127.0.0.1:$HTTPD_PORT/team" screen &&
	test_grep -x "✔ live check: git ls-remote $HTTPD_URL/scm/team/repo.git answered in [0-9.]* s (1 branch)" screen &&
	test_grep -x "exit=0" screen &&
	test_grep ! setup-personal-token screen
'

test_expect_success 'bash completion offers setup, status and doctor, their options, and the remotes' '
	words () {
		(. "$GCB_TOP/helper/completion/git-credential-bitbucket.bash" &&
		 COMP_WORDS=(git-credential-bitbucket "$@") && COMP_CWORD=$# &&
		 _git_credential_bitbucket_cmd && printf "%s\n" "${COMPREPLY[@]}")
	} &&
	words "" >actual &&
	grep -x setup actual && grep -x status actual && grep -x doctor actual &&
	words setup --d >actual && echo --dry-run >expect && test_cmp expect actual &&
	words doctor --j >actual && echo --json >expect && test_cmp expect actual &&
	(cd repo && words doctor or) >actual && echo origin >expect && test_cmp expect actual
'

test_done
