#!/bin/bash
# scripts/fresh-machine.sh [--refresh] [--keep] [--shell] RELEASE
#
# Proves the README's quick start on a fresh Debian RELEASE (bookworm,
# trixie): builds a minimal chroot with debootstrap (cached as a tarball
# under /var/cache/gcb-fresh, so later runs start in seconds), copies a
# clean clone of this repository (HEAD, committed files only) into it,
# and runs each command of the README's "Quick start" block exactly as
# written, each in its own fresh chroot, as root, with no terminal.
# Mounts only /proc, /sys, /dev and /dev/pts, and always unmounts them,
# on failure too.  Needs root.
#
#   --refresh   rebuild the cached base instead of reusing it
#   --keep      keep the last chroot (path printed) instead of removing it
#   --shell     no quick start: unpack a fresh chroot with the project in
#               /root/project and start a shell in it (for debugging)
#
# Downloaded packages are kept between runs in
# /var/cache/gcb-fresh/RELEASE-apt (apt's own download cache, bind-mounted);
# what is installed starts from nothing every time.

set -u

me=fresh-machine
die () { echo "$me: $*" >&2; exit 1; }

refresh= keep= shell=
release=
for arg in "$@"; do
	case $arg in
	--refresh) refresh=1 ;;
	--keep) keep=1 ;;
	--shell) shell=1 ;;
	-h | --help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "$me: unknown option '$arg' (see --help)" >&2; exit 2 ;;
	*) [ -z "$release" ] || { echo "$me: one RELEASE only" >&2; exit 2; }
	   release=$arg ;;
	esac
done
case $release in
bookworm | trixie) ;;
'') echo "$me: name a Debian release: bookworm or trixie" >&2; exit 2 ;;
*) echo "$me: unknown release '$release': use bookworm (Debian 12) or trixie (Debian 13)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mounts); run it with sudo"

top=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
mirror=${GCB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${GCB_FRESH_CACHE:-/var/cache/gcb-fresh}
base="$cache/$release-base.tar"
aptcache="$cache/$release-apt"
mkdir -p "$cache" "$aptcache/partial" || die "cannot create $cache"

if ! command -v debootstrap >/dev/null; then
	echo "$me: installing debootstrap" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap </dev/null >/dev/null ||
		die "cannot install debootstrap; run: apt-get update && apt-get install debootstrap"
fi

t0=$SECONDS
stamp () { printf '%s: %s (%ds)\n' "$me" "$*" $((SECONDS - t0)); }

# --- the cached base: debootstrap's minimal system plus make --------------
# A fresh machine in the README's sense has make (to type `make demo`) and
# nothing else of ours: no compiler, no git, no libraries.
if [ -n "$refresh" ] || [ ! -s "$base" ]; then
	work=$(mktemp -d "$cache/$release-bootstrap.XXXXXX") || die "cannot create a work directory"
	stamp "debootstrap $release (minbase + make) from $mirror"
	if ! debootstrap --variant=minbase --include=make,ca-certificates \
		"$release" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
		tail -n 20 "$work/debootstrap.log" >&2
		rm -rf "$work"
		die "debootstrap $release failed (log above); check the mirror ($mirror) and retry"
	fi
	rm -f "$work/root/var/cache/apt/archives/"*.deb
	tar -C "$work/root" -cf "$base.tmp" . && mv -f "$base.tmp" "$base" ||
		{ rm -rf "$work" "$base.tmp"; die "cannot write $base"; }
	rm -rf "$work"
	stamp "cached the base as $base ($(du -h "$base" | cut -f1))"
fi

# --- one fresh chroot ------------------------------------------------------
root=
mounted=()
cleanup () {
	local m pid i
	[ -n "$root" ] || return 0
	# anything still running inside (a daemon a failed test left behind)
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -KILL "$pid" 2>/dev/null
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		m=${mounted[i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			echo "$me: cannot unmount $m" >&2
	done
	mounted=()
	if grep -q " $root/" /proc/mounts; then
		echo "$me: something is still mounted under $root; not removing it" >&2
	elif [ -n "$keep" ]; then
		echo "$me: kept the chroot: $root" >&2
	else
		rm -rf "$root"
	fi
	root=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mnt () { # mnt SRC TARGET [mount options...]
	local src=$1 dst=$2
	shift 2
	mkdir -p "$dst" && mount "$@" "$src" "$dst" || return 1
	mounted+=("$dst")
}

new_chroot () {
	root=$(mktemp -d "${TMPDIR:-/tmp}/gcb-fresh-$release.XXXXXX") || return 1
	root=$(cd "$root" && pwd -P) || return 1
	chmod 0755 "$root"
	tar -C "$root" -xf "$base" || return 1
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	mnt proc "$root/proc" -t proc &&
	mnt sysfs "$root/sys" -t sysfs &&
	mnt /dev "$root/dev" --bind &&
	mnt devpts "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666 &&
	mnt tmpfs "$root/dev/shm" -t tmpfs -o mode=1777 &&
	mnt "$aptcache" "$root/var/cache/apt/archives" --bind || return 1
	# a clean clone: what is committed, nothing from this work tree
	git clone -q --no-hardlinks "$top" "$root/root/project" 2>/dev/null ||
		git -c safe.directory='*' clone -q --no-hardlinks "$top" "$root/root/project" || return 1
	rm -rf "$root/root/project/.git/hooks"
}

# in_chroot COMMAND: run it as root in /root/project, no terminal.  In the
# background with wait, so that INT or TERM (a CI time limit) runs the
# traps at once: cleanup then kills what runs inside and unmounts.
in_chroot () {
	chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		CI="${CI:-}" /bin/sh -c "cd /root/project && $1" </dev/null &
	wait $!
}

if [ -n "$shell" ]; then
	new_chroot || die "cannot set up the chroot"
	chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c 'cd /root/project && exec bash -i'
	exit $?
fi

# The README's quick start, exactly as written: the commands of the first
# ```sh block after "## Quick start", comments stripped.
mapfile -t commands < <(awk '
	/^## Quick start/ { q = 1; next }
	q && /^## / { exit }
	q && /^```sh/ { b = 1; next }
	b && /^```/ { exit }
	b { sub(/[ \t]*#.*/, ""); if ($0 != "") print }' "$top/README.md")
[ "${#commands[@]}" -gt 0 ] || die "no commands found under '## Quick start' in README.md"

status=0
for cmd in "${commands[@]}"; do
	stamp "$release: fresh chroot for: $cmd"
	new_chroot || die "cannot set up the chroot"
	in_chroot 'cat /etc/debian_version | sed "s/^/debian_version: /"'
	start=$SECONDS
	if in_chroot "$cmd"; then
		stamp "$release: '$cmd' passed in $((SECONDS - start)) s"
	else
		rc=$?
		stamp "$release: '$cmd' FAILED (exit $rc) after $((SECONDS - start)) s"
		status=1
	fi
	in_chroot '{ git --version; openssl version; ssh -V 2>&1; gcc --version | head -n 1
		echo "libssh2 $(pkg-config --modversion libssh2) libsecret $(pkg-config --modversion libsecret-1)"
		./git-bitbucket-ssh --version; lighttpd -v | head -n 1; } 2>/dev/null | sed "s/^/version: /"'
	cleanup
done
exit $status
