#!/bin/bash

test_description='module loading: the gate loads its modules only from the installed module directory or from its own build tree, refuses a module others can change, closed stdout on --version; make refuses a relative PREFIX or MODDIR'

. "$(dirname "$0")/lib.sh"

for cmd in make cc; do
	command -v "$cmd" >/dev/null || test_skip_all "$cmd not found (run scripts/install-deps.sh)"
done

prog=git-credential-bitbucket
bt=$TRASH/bt	# a build tree of the test's own: only the gate is built
mods=$TRASH/mods	# the gate's "installed" module directory (MODDIR)
copy=$TRASH/elsewhere

# A module that, when anything loads it, leaves the file $PLANT_DIR/WHO.
plant () { # plant WHO FILE
	cc -shared -fPIC -DWHO="\"$1\"" -o "$2" "$TRASH/plant.c"
}
markers () {
	(cd "$TRASH/marks" && ls)
}

test_expect_success 'setup: a gate built with its MODDIR in the trash directory, and modules that leave a marker' '
	make -C "$GCB_TOP" -s -j2 GCB_SKIP_DEPS=1 CFLAGS=-O0 B="$TRASH/b" OUT="$bt" MODDIR="$mods" \
		"$bt/git-credential-bitbucket" >make.log 2>&1 || { cat make.log; false; } &&
	bt_real=$(cd "$bt" && pwd -P) &&
	mkdir -p "$mods" "$copy" "$TRASH/marks" &&
	cat >"$TRASH/plant.c" <<-\EOF &&
	#include <fcntl.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <unistd.h>
	__attribute__((constructor)) static void mark(void)
	{
		char path[4096];
		const char *dir = getenv("PLANT_DIR");

		if (dir != NULL && snprintf(path, sizeof(path), "%s/%s", dir, WHO) < (int)sizeof(path))
			close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	EOF
	plant installed "$mods/git-credential-bitbucket.so" &&
	plant installed-keys "$mods/git-credential-bitbucket-keys.so" &&
	plant planted "$copy/git-credential-bitbucket.so" &&
	plant planted-keys "$copy/git-credential-bitbucket-keys.so" &&
	plant build-tree "$bt/git-credential-bitbucket.so" &&
	chmod 644 "$mods"/*.so "$copy"/*.so "$bt"/*.so &&
	chmod 755 "$mods" "$copy" "$bt" &&
	cp "$bt/git-credential-bitbucket" "$copy/" &&
	export PLANT_DIR="$TRASH/marks" &&
	LD_PRELOAD="$copy/git-credential-bitbucket.so" /bin/true &&
	echo planted >expect && markers >actual && test_cmp expect actual &&
	rm -f "$TRASH/marks"/*
'

test_expect_success 'a copy of the gate elsewhere loads the installed module, never the one planted beside it' '
	test_must_fail_code 1 "$copy/$prog" list >out 2>err &&
	test_must_fail_code 1 "$copy/$prog" key list >out 2>>err &&
	echo "$prog: the core module git-credential-bitbucket.so is broken (no gcb_module_main); reinstall with '"'make install'"'" >expect &&
	echo "$prog: the core module git-credential-bitbucket-keys.so is broken (no gcb_module_main); reinstall with '"'make install'"'" >>expect &&
	test_cmp expect err &&
	printf "%s\n" installed installed-keys >expect && markers >actual && test_cmp expect actual &&
	rm -f "$TRASH/marks"/*
'

test_expect_success 'LD_LIBRARY_PATH and the current directory do not steer it either' '
	(cd "$copy" && LD_LIBRARY_PATH="$copy" test_must_fail_code 1 ./$prog list >out 2>err) &&
	echo installed >expect && markers >actual && test_cmp expect actual &&
	rm -f "$TRASH/marks"/*
'

test_expect_success 'the build tree'"'"'s own gate loads the build tree'"'"'s module' '
	test_must_fail_code 1 "$bt/$prog" list >out 2>err &&
	echo build-tree >expect && markers >actual && test_cmp expect actual &&
	rm -f "$TRASH/marks"/*
'

refusal () { # refusal PATH: the line for a file or directory others can change
	echo "$prog: refusing to load $1: it is writable by group or others; run 'chmod go-w $1'"
}

test_expect_success 'a group- or world-writable module is refused by name with the fix, and not loaded' '
	m="$mods/git-credential-bitbucket.so" &&
	for mode in 664 646 666; do
		chmod $mode "$m" &&
		test_must_fail_code 1 "$copy/$prog" list >out 2>err &&
		refusal "$m" >expect && test_cmp expect err &&
		test_must_be_empty out || return 1
	done &&
	chmod 644 "$m" &&
	m="$bt_real/git-credential-bitbucket.so" &&
	chmod 666 "$m" &&
	test_must_fail_code 1 "$bt/$prog" list >out 2>err &&
	chmod 644 "$m" &&
	refusal "$m" >expect && test_cmp expect err &&
	markers >actual && test_must_be_empty actual
'

test_expect_success 'a module directory writable by group or others is refused, and nothing loaded' '
	chmod 775 "$mods" &&
	test_must_fail_code 1 "$copy/$prog" list >out 2>err &&
	refusal "$mods" >expect && test_cmp expect err &&
	chmod 1777 "$mods" &&
	test_must_fail_code 1 "$copy/$prog" key list >out 2>err &&
	chmod 755 "$mods" &&
	refusal "$mods" >expect && test_cmp expect err &&
	markers >actual && test_must_be_empty actual
'

if [ "$(id -u)" = 0 ] && id -u nobody >/dev/null 2>&1; then
	test_expect_success 'a module owned by another user (not root) is refused' '
		m="$mods/git-credential-bitbucket.so" &&
		chown nobody "$m" &&
		test_must_fail_code 1 "$copy/$prog" list >out 2>err &&
		chown 0 "$m" &&
		echo "$prog: refusing to load $m: it is owned by uid $(id -u nobody), not by root or you; reinstall with '"'make install'"'" >expect &&
		test_cmp expect err &&
		markers >actual && test_must_be_empty actual
	'
else
	test_skip_case 'a module owned by another user (not root) is refused' 'needs root and a user nobody'
fi

test_expect_success 'a missing installed module: one line naming the file' '
	rm -f "$mods/git-credential-bitbucket.so" &&
	test_must_fail_code 1 "$copy/$prog" list >out 2>err &&
	echo "$prog: cannot load the core module $mods/git-credential-bitbucket.so: No such file or directory; reinstall with '"'make install'"'" >expect &&
	test_cmp expect err
'

# The core module loads the file store's crypto module from its own
# directory on the file store's first use (keystore/fsc-lazy.c): a build
# tree of the test's own with the core module and no crypto module.
bt2=$TRASH/bt2
test_expect_success 'the file store without its crypto module: one line naming the file, exit 3' '
	make -C "$GCB_TOP" -s -j2 GCB_SKIP_DEPS=1 CFLAGS=-O0 B="$TRASH/b2" OUT="$bt2" MODDIR="$mods" \
		"$bt2/git-credential-bitbucket" "$bt2/git-credential-bitbucket.so" >make.log 2>&1 ||
		{ cat make.log; false; } &&
	bt2_real=$(cd "$bt2" && pwd -P) &&
	git config --global bitbucket.keystore file &&
	echo "crypto-module-test" >pass &&
	git-credential-bitbucket unlock --passphrase-fd 3 3<pass >/dev/null 2>&1 &&
	printf "protocol=https\nhost=bitbucket.org\n\n" >req &&
	test_must_fail_code 3 "$bt2/$prog" get <req >out 2>err &&
	echo "$prog: cannot load the module $bt2_real/git-credential-bitbucket-crypto.so: No such file or directory; reinstall with '"'make install'"'" >expect &&
	test_cmp expect err && test_must_be_empty out
'

test_expect_success 'a crypto module others can change is refused; a safe one is loaded' '
	cp "$GCB_BINDIR/git-credential-bitbucket-crypto.so" "$bt2/" &&
	chmod 664 "$bt2/git-credential-bitbucket-crypto.so" &&
	test_must_fail_code 3 "$bt2/$prog" get <req >out 2>err &&
	echo "$prog: refusing to load $bt2_real/git-credential-bitbucket-crypto.so: it is not owned by root or you, or it is writable by group or others; reinstall with '"'make install'"'" >expect &&
	test_cmp expect err && test_must_be_empty out &&
	chmod 644 "$bt2/git-credential-bitbucket-crypto.so" &&
	"$bt2/$prog" get <req >out 2>err &&
	test_must_be_empty out && test_must_be_empty err &&
	git config --global --unset bitbucket.keystore
'

test_expect_success 'make refuses a relative PREFIX or MODDIR, or one with a space or quote, before building' '
	for arg in PREFIX=rel PREFIX=./usr MODDIR=lib/gcb BINDIR=bin LIBDIR=lib PREFIX= "PREFIX=/usr/my local" "MODDIR=/usr/lib/a\"b"; do
		test_must_fail_code 2 make -C "$GCB_TOP" -n GCB_SKIP_DEPS=1 B="$TRASH/b" OUT="$bt" install "$arg" >out 2>err &&
		sed "s/^Makefile:[0-9]*: //" err >err.plain &&
		name=${arg%%=*} value=${arg#*=} &&
		case "$arg" in
		*" "*|*\"*) echo "*** $name=$value contains a space, quote or backslash; give a plain absolute path.  Stop." >expect ;;
		*) echo "*** $name=$value is not an absolute path; give one that starts with /.  Stop." >expect ;;
		esac &&
		test_cmp expect err.plain || return 1
	done
'

test_expect_success 'make accepts what debian/rules passes (PREFIX=/usr, an absolute DESTDIR)' '
	make -C "$GCB_TOP" -n GCB_SKIP_DEPS=1 B="$TRASH/b" OUT="$bt" PREFIX=/usr DESTDIR="$TRASH/dest" install >out 2>err &&
	test_grep "install -m 0644 .*git-credential-bitbucket.so .*$TRASH/dest/usr/lib/git-credential-bitbucket/" out
'

test_expect_success '--version and --help with stdout closed: exit 1 with one line' '
	echo "$prog: cannot write to standard output (closed, full, or its reader went away); the output is incomplete" >expect &&
	for args in --version --help "get --version" "store --help"; do
		test_must_fail_code 1 "$prog" $args >&- 2>err &&
		test_cmp expect err || return 1
	done &&
	"$prog" --version >out && test_grep "^git-credential-bitbucket " out
'

test_done
