#!/bin/sh
# scripts/install-deps.sh [--build | --test | --all | --fuzz]
#
# Installs the Debian packages needed to build (--build) and test (--test)
# git-credential-bitbucket and git-bitbucket-ssh; default: both.  --fuzz:
# what `make fuzz` needs (the build packages and clang, for libFuzzer).
# Silent and fast when everything is installed.  As root it runs apt-get update once
# and installs what is missing; otherwise it prints the command to run and
# exits 1.  GCB_SKIP_DEPS=1 skips the check altogether.

set -u

# libkeyutils-dev: the file store's key cache (runtime: libkeyutils1)
# man-db and bash-completion: not to build, but so that what make install puts
# there is used (`git help credential-bitbucket` needs man; a minimal Debian
# has neither)
build_pkgs="libsystemd-dev libsecret-1-dev libgcrypt20-dev libssh2-1-dev libssl-dev libkeyutils-dev pkg-config gcc make
asciidoc-base xmlto docbook-xsl man-db bash-completion"
# dbus-bin: dbus-send (t/lib-keyring.sh); bsdutils: script; util-linux:
# setsid; openssl and python3: used by some test scripts; dpkg-dev,
# debhelper, build-essential, lintian: the Debian package test (t9000)
# (dpkg-buildpackage checks build-essential); keepassxc: the
# second Secret Service (GCB_KEYRING_PROVIDER=keepassxc, t/lib-keepassxc.sh);
# keyutils: keyctl, a session keyring per file store script (t7000,
# GCB_KEYSTORE=file).
test_pkgs="gnome-keyring keepassxc dbus-daemon dbus-bin libsecret-tools keyutils git openssh-server
openssh-client lighttpd valgrind hyperfine util-linux bsdutils tmux openssl python3
strace procps dpkg-dev debhelper build-essential lintian"

# make fuzz only: clang brings libFuzzer and the sanitizers
fuzz_pkgs="clang"

want=all
for arg in "$@"; do
	case $arg in
	--build) want=build ;;
	--test) want=test ;;
	--all) want=all ;;
	--fuzz) want=fuzz ;;
	-h | --help)
		sed -n '2,11s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*)
		echo "install-deps: unknown option '$arg' (use --build, --test, --all or --fuzz)" >&2
		exit 2 ;;
	esac
done

[ -z "${GCB_SKIP_DEPS:-}" ] || exit 0

case $want in
build) pkgs=$build_pkgs ;;
test) pkgs=$test_pkgs ;;
fuzz) pkgs="$build_pkgs $fuzz_pkgs" ;;
*) pkgs="$build_pkgs $test_pkgs" ;;
esac
pkgs=$(echo $pkgs)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian system (no dpkg-query); make sure these are installed: $pkgs" >&2
	exit 0
fi

# One dpkg-query call for all packages; unknown ones are simply not listed.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null |
	awk '$NF == "installed" && $(NF-1) == "ok" { print $1 }')

missing=
for p in $pkgs; do
	case "
$installed
" in
	*"
$p
"*) ;;
	*) missing="$missing $p" ;;
	esac
done
missing=${missing# }

[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages; run: sudo apt-get install $missing" >&2
	exit 1
fi

echo "install-deps: installing:$(printf ' %s' $missing)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update || exit 1
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing </dev/null || exit 1
