#!/bin/bash
# run-tests: slow

test_description='make install into DESTDIR, bash completion, and the Debian package (dpkg-buildpackage, lintian)'

. "$(dirname "$0")/lib.sh"

for cmd in a2x make cc; do
	command -v "$cmd" >/dev/null || test_skip_all "$cmd not found (run scripts/install-deps.sh)"
done

# A copy of the source tree (tracked and new files, no build output), so
# the builds here never touch the tree the other scripts run from.
test_expect_success 'setup: a copy of the source tree' '
	mkdir -p "$TRASH/src" &&
	(cd "$GCB_TOP" && git ls-files -co --exclude-standard 2>/dev/null ||
	 cd "$GCB_TOP" && find . -path ./.git -prune -o -type f -print) |
		(cd "$GCB_TOP" && tar -cf - -T - 2>/dev/null) | tar -C "$TRASH/src" -xf - &&
	test -f "$TRASH/src/Makefile" && test -f "$TRASH/src/debian/control"
'

dest="$TRASH/dest"
test_expect_success 'make install DESTDIR PREFIX=/usr puts every file in its place' '
	make -C "$TRASH/src" -s GCB_SKIP_DEPS=1 PREFIX=/usr DESTDIR="$dest" install >"$TRASH/install.log" 2>&1 ||
		{ cat "$TRASH/install.log"; false; } &&
	(cd "$dest" && find . -type f | sort) >actual &&
	cat >expect <<-\EOT &&
	./usr/bin/git-bitbucket-ssh
	./usr/bin/git-credential-bitbucket
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket-crypto.so
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket-keys.so
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket.so
	./usr/share/bash-completion/completions/git-credential-bitbucket
	./usr/share/man/man1/git-bitbucket-ssh.1
	./usr/share/man/man1/git-credential-bitbucket.1
	EOT
	test_cmp expect actual &&
	test "$(stat -c %a "$dest/usr/bin/git-credential-bitbucket")" = 755 &&
	test "$(stat -c %a "$dest/usr/lib/git-credential-bitbucket/git-credential-bitbucket.so")" = 644
'

test_expect_success 'the installed man pages are roff pages with their whole names' '
	grep -m1 "^\.TH" "$dest/usr/share/man/man1/git-credential-bitbucket.1" >actual &&
	grep -m1 "^\.TH" "$dest/usr/share/man/man1/git-bitbucket-ssh.1" >>actual &&
	sed "s/\\\\-/-/g; s|\"[0-9][0-9]/[0-9][0-9]/[0-9]*\"|DATE|" actual >actual.plain &&
	cat >expect <<-\EOT &&
	.TH "GIT-CREDENTIAL-BITBUCKET" "1" DATE "git-credential-bitbucket" "Git Credential Bitbucket"
	.TH "GIT-BITBUCKET-SSH" "1" DATE "git-credential-bitbucket" "Git Credential Bitbucket"
	EOT
	test_cmp expect actual.plain
'

# installed for real (no DESTDIR) under a prefix of the test's own: the
# gate finds its modules in MODDIR, not beside itself
prefix="$TRASH/prefix"
test_expect_success 'installed programs run and load their modules from the module directory' '
	make -C "$TRASH/src" -s GCB_SKIP_DEPS=1 PREFIX="$prefix" install >"$TRASH/install2.log" 2>&1 ||
		{ cat "$TRASH/install2.log"; false; } &&
	test ! -e "$prefix/bin/git-credential-bitbucket.so" &&
	"$prefix/bin/git-credential-bitbucket" --version | grep "^git-credential-bitbucket 0\.1\.0" &&
	"$prefix/bin/git-credential-bitbucket" list --help | grep "^usage: git-credential-bitbucket list" &&
	"$prefix/bin/git-credential-bitbucket" key list --help | grep "^usage: git-credential-bitbucket key list"
'

# the completion, as bash-completion and git's completion call it
complete_script="$prefix/share/bash-completion/completions/git-credential-bitbucket"
complete_words () { # complete_words WORD...: what completing the last WORD offers
	PATH="$prefix/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_git_credential_bitbucket_cmd
		printf "%s\n" "${COMPREPLY[@]}"' complete "$complete_script" "$@"
}
complete_git () { # complete_git WORD...: as git's completion, after "git"
	PATH="$prefix/bin:$PATH" bash -c '
		. "$1"; shift
		words=(git "$@"); cword=$#; COMPREPLY=()
		_git_credential_bitbucket
		printf "%s\n" "${COMPREPLY[@]}"' complete "$complete_script" "$@"
}

test_expect_success 'completion offers the verbs a person types, not git'"'"'s operations' '
	complete_words git-credential-bitbucket "" >actual &&
	grep -x login actual && grep -x logout actual && grep -x list actual && grep -x key actual &&
	! grep -x get actual && ! grep -x store actual && ! grep -x erase actual
'

test_expect_success 'completion offers each verb'"'"'s options and the key verbs' '
	complete_words git-credential-bitbucket login --u >actual &&
	echo --username >expect && test_cmp expect actual &&
	complete_words git-credential-bitbucket key "" >actual &&
	grep -x import actual && grep -x generate actual && grep -x set-read-only actual &&
	complete_words git-credential-bitbucket key generate --type "" >actual &&
	printf "%s\n" ed25519 ecdsa rsa >expect && test_cmp expect actual
'

test_expect_success 'git'"'"'s own completion finds it for "git credential-bitbucket"' '
	complete_git credential-bitbucket lo >actual &&
	printf "%s\n" login logout lock >expect &&
	test_cmp expect actual
'

test_expect_success 'make uninstall removes everything it installed' '
	make -C "$TRASH/src" -s GCB_SKIP_DEPS=1 PREFIX=/usr DESTDIR="$dest" uninstall >/dev/null 2>&1 &&
	test -z "$(find "$dest" -type f)"
'

if ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null ||
	[ "$(dpkg-query -W -f='${Status}\n' debhelper build-essential 2>/dev/null | grep -c " ok installed$")" != 2 ]; then
	test_expect_success 'the Debian package (needs dpkg-dev, debhelper, build-essential, lintian)' '
		echo "run scripts/install-deps.sh to install dpkg-dev, debhelper, build-essential and lintian" >&2
		false
	'
	test_done
fi

test_expect_success 'dpkg-buildpackage -us -uc -b builds the .deb' '
	make -C "$TRASH/src" -s clean >/dev/null 2>&1 &&
	(cd "$TRASH/src" && dpkg-buildpackage -us -uc -b) >"$TRASH/deb.log" 2>&1 ||
		{ tail -n 30 "$TRASH/deb.log"; false; } &&
	ls "$TRASH"/git-credential-bitbucket_*_*.deb >debs &&
	test "$(wc -l <debs)" = 1
'

test_expect_success 'the .deb holds the programs, modules, man pages and completion' '
	dpkg-deb -c "$(cat debs)" | awk "{ print \$6 }" | grep -v "/$" | grep -v "^./usr/share/doc/" | sort >actual &&
	cat >expect <<-\EOT &&
	./usr/bin/git-bitbucket-ssh
	./usr/bin/git-credential-bitbucket
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket-crypto.so
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket-keys.so
	./usr/lib/git-credential-bitbucket/git-credential-bitbucket.so
	./usr/share/bash-completion/completions/git-credential-bitbucket
	./usr/share/man/man1/git-bitbucket-ssh.1.gz
	./usr/share/man/man1/git-credential-bitbucket.1.gz
	EOT
	test_cmp expect actual
'

test_expect_success 'the .deb depends on the libraries and a Secret Service provider' '
	dpkg-deb -f "$(cat debs)" Depends | tr "," "\n" | sed "s/^ *//; s/ (.*//" >depends &&
	grep -x libsystemd0 depends &&
	grep -E "^libssh2-1(t64)?$" depends &&
	grep -E "^libssl3(t64)?$" depends &&
	grep -x git depends &&
	grep -x "gnome-keyring | keepassxc" depends
'

test_expect_success 'lintian reports no errors' '
	changes=$(ls "$TRASH"/git-credential-bitbucket_*_*.changes) &&
	test -f "$changes" &&
	lintian --fail-on error --no-tag-display-limit "$changes" >lintian.out 2>&1 ||
		{ cat lintian.out; false; } &&
	! grep "^E:" lintian.out
'

test_done
