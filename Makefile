# git-credential-bitbucket and git-bitbucket-ssh
#
#   make            build both programs (left in the top directory)
#   make test       install missing Debian packages (as root), build, run t/
#   make asan       the same tests with ASan+UBSan binaries in build-asan/
#   make valgrind   the tests with every program run under valgrind
#   make bench      benchmarks against the reference tools (prints ratios)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Sources by folder (Documentation/technical/layout.txt): helper/credential/
# is the credential helper's modules, helper/ssh/ the SSH wrapper's,
# helper/bitbucket/, helper/gitconfig/ and keystore/ are shared.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
MODDIR  ?= $(LIBDIR)/git-credential-bitbucket
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

# The gate loads its modules from MODDIR, compiled in: a relative path
# would make it load whatever lies at that path under the current directory,
# and a quote, backslash or space would break the C string it is compiled
# into.  make stops here, before building anything (DESTDIR is only a
# staging root and is not compiled in).
abs_dir = $(if $(filter /%,$($(1))),,$(error $(1)=$($(1)) is not an absolute path; give one that starts with /))$(if \
	$(or $(word 2,$($(1))),$(findstring ",$($(1))),$(findstring ',$($(1))),$(findstring \,$($(1)))),$(error $(1)=$($(1)) contains a space, quote or backslash; give a plain absolute path))
$(foreach v,PREFIX BINDIR LIBDIR MODDIR,$(call abs_dir,$(v)))

CC      ?= cc
PKG_CONFIG ?= pkg-config
B       ?= build
OUT     ?= .

WARN    = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -Ikeystore -Ihelper -I$(B) $(WARN)
# the release (keep debian/changelog's in step), plus the commit when built
# from a git checkout
RELEASE := 0.1.0
VERSION := $(RELEASE)$(shell git rev-parse --short HEAD 2>/dev/null | sed 's/^/+g/')

# sd-bus (libsystemd): the keystore's D-Bus client; libgcrypt:
# keystore/ss-session.c's encrypted session (the library libsecret itself
# uses for it)
SDBUS_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libsystemd libgcrypt 2>/dev/null)
SDBUS_LIBS    := $(shell $(PKG_CONFIG) --libs libsystemd libgcrypt 2>/dev/null)
SSH2_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libssh2 2>/dev/null)
SSH2_LIBS     := $(shell $(PKG_CONFIG) --libs libssh2 2>/dev/null)
SSL_CFLAGS    := $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
SSL_LIBS      := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null)
# libkeyutils (libkeyutils-dev) ships a .pc file on Debian 12 and 13
KEYUTILS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libkeyutils 2>/dev/null)
KEYUTILS_LIBS   := $(shell $(PKG_CONFIG) --libs libkeyutils 2>/dev/null)

# the credential side's pure parts: git's protocol, and the verb table with
# its command lines (the gate prints the usage from it)
CRED_PURE_SRC = helper/credential/credential.c helper/credential/cred-verbs.c \
		helper/credential/cred-args.c
# pure code: no heavy libraries; the gate (git-credential-bitbucket) links
# only these: git's protocol, Bitbucket's rules, the git-config reader
PURE_SRC  = helper/msg.c $(CRED_PURE_SRC) \
	    $(wildcard helper/common/*.c helper/bitbucket/*.c helper/gitconfig/*.c) \
	    keystore/secret.c
# the keyring: the one sd-bus user, and its encrypted session (the one
# libgcrypt user)
KEYSTORE_SRC = keystore/keystore.c keystore/ss-session.c
# keystore.h's calls dispatched to the Secret Service or the file store
KSBACKEND_SRC = keystore/ksbackend.c
# the keyring policy both programs share (watchdog, one line per error):
# linked wherever the keystore is, with no library flags of its own
KEYRING_SRC = helper/keyring.c
# key material: pem.c, openssh-key.c and sshwire.c are the only OpenSSL
# users (pem-int.h their shared header); keytext.c, the pasted text, is
# plain C linked with them
PEM_SRC   = keystore/pem.c keystore/openssh-key.c keystore/sshwire.c
KEYTEXT_SRC = keystore/keytext.c
# the encrypted file store (Documentation/technical/keystore-file-format.txt):
# its crypto is an OpenSSL user, its key cache the one libkeyutils user;
# linked wherever the keystore is (helper/keyring.c chooses the backend)
FSCRYPTO_SRC  = keystore/filestore-crypto.c
FSCACHE_SRC   = keystore/filestore-cache.c
FILESTORE_SRC = $(wildcard keystore/filestore*.c)
# the core module's stand-ins for those two: they load them from
# CRYPTO_MODULE on first use (git's get never loads OpenSSL)
FSLAZY_SRC    = keystore/fsc-lazy.c
# the credential helper's modules: the core (get/store/erase, token verbs)
# and the key verbs (cred-key*.c)
KEYS_SRC  = $(wildcard helper/credential/cred-key*.c)
CORE_SRC  = $(filter-out $(CRED_PURE_SRC) $(KEYS_SRC),$(wildcard helper/credential/*.c))
# the SSH wrapper; ssh-conn.c is the one libssh2 user
SSH_SRC   = $(wildcard helper/ssh/*.c)
SSH2_SRC  = helper/ssh/ssh-conn.c
UNIT_SRC  = $(wildcard t/unit/test-*.c)
HEADERS   = $(wildcard helper/*.h helper/*/*.h keystore/*.h)

obj = $(patsubst %.c,$(B)/%.o,$(1))
PURE_OBJ     = $(call obj,$(PURE_SRC))
FILESTORE_OBJ = $(call obj,$(FILESTORE_SRC))
KEYSTORE_OBJ = $(call obj,$(KEYSTORE_SRC) $(KSBACKEND_SRC)) $(FILESTORE_OBJ) \
	       $(call obj,$(KEYRING_SRC))
# the keystore's libraries: sd-bus and libgcrypt, and OpenSSL + libkeyutils
# for the file store
KEYSTORE_LIBS = $(SDBUS_LIBS) $(SSL_LIBS) $(KEYUTILS_LIBS) -ldl
PEM_OBJ      = $(call obj,$(PEM_SRC) $(KEYTEXT_SRC))
CORE_OBJ     = $(call obj,$(CORE_SRC))
KEYS_OBJ     = $(call obj,$(KEYS_SRC))
SSH_OBJ      = $(call obj,$(SSH_SRC))

# Each library's flags go only to the objects that own it.
$(call obj,$(KEYSTORE_SRC)): LIB_CFLAGS = $(SDBUS_CFLAGS)
$(call obj,$(SSH2_SRC)): LIB_CFLAGS = $(SSH2_CFLAGS)
$(call obj,$(PEM_SRC)) $(call obj,$(FSCRYPTO_SRC)): LIB_CFLAGS = $(SSL_CFLAGS)
$(call obj,$(FSCACHE_SRC)): LIB_CFLAGS = $(KEYUTILS_CFLAGS)
# the session's unit test encrypts with libgcrypt as a Secret Service
# does; private: not passed on to the objects it links
$(B)/t/unit/test-ss-session: private LIB_CFLAGS = $(SDBUS_CFLAGS)

PROGRAMS = $(OUT)/git-credential-bitbucket $(OUT)/git-bitbucket-ssh
MODULE   = $(OUT)/git-credential-bitbucket.so
KEYS_MODULE = $(OUT)/git-credential-bitbucket-keys.so
CRYPTO_MODULE = $(OUT)/git-credential-bitbucket-crypto.so
# the core module's keystore: the file store's crypto and key cache come
# from CRYPTO_MODULE, loaded when the file store is used (keystore/fsc-lazy.c)
FSCRYPTO_OBJ = $(call obj,$(FSCRYPTO_SRC) $(FSCACHE_SRC))
CORE_KEYSTORE_OBJ = $(filter-out $(FSCRYPTO_OBJ),$(KEYSTORE_OBJ)) $(call obj,$(FSLAZY_SRC))
UNITS    = $(patsubst t/unit/%.c,$(B)/t/unit/%,$(UNIT_SRC))

all: $(PROGRAMS) $(MODULE) $(KEYS_MODULE) $(CRYPTO_MODULE)

# Checked when something is compiled, not when the Makefile is read: `make
# test` and `make demo` install the libraries first, then build in a new make.
PKGS_FOUND := $(shell $(PKG_CONFIG) --exists libsystemd libgcrypt libssh2 libcrypto libkeyutils 2>/dev/null && echo yes)
need_pkgs = $(if $(PKGS_FOUND),,$(error pkg-config cannot find libsystemd, libgcrypt, libssh2, libcrypto and libkeyutils; run 'make deps' (as root) or 'sudo scripts/install-deps.sh --build', then make again))

$(B)/%.o: %.c $(HEADERS) Makefile | $(B)/include-rules.ok
	$(need_pkgs)@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

# libssh2's and OpenSSL's headers sit in /usr/include, where any object
# finds them without their flags: so the owners are also checked here.
# <systemd/...> only in keystore/keystore.c, <libsecret/...> and GLib
# nowhere (the Secret Service is reached with sd-bus), <gcrypt.h> only in
# keystore/ss-session.c,
# <libssh2...> only in SSH2_SRC, <openssl/...> only in PEM_SRC.
# every file the build compiles or includes (a keystore/ file joins a list above)
INCLUDE_CHECKED = helper/git-credential-bitbucket.c helper/git-bitbucket-ssh.c \
		  $(PURE_SRC) $(KEYSTORE_SRC) $(KSBACKEND_SRC) $(KEYRING_SRC) $(FSLAZY_SRC) $(PEM_SRC) $(KEYTEXT_SRC) $(CORE_SRC) $(KEYS_SRC) $(SSH_SRC) \
		  $(HEADERS) $(UNIT_SRC) t/unit/unit.h $(wildcard t/helper/*.c)
# <openssl/...> also in FSCRYPTO_SRC; <keyutils.h> only in FSCACHE_SRC and
# the file store's unit test (it probes and inspects the kernel keyring)
INCLUDE_CHECKED += $(FILESTORE_SRC)
include_rule = bad=$$(grep -lE '^[[:space:]]*\#[[:space:]]*include[[:space:]]*<($(1))' \
		$(filter-out $(2),$(INCLUDE_CHECKED))); \
	if [ -n "$$bad" ]; then \
		echo "make:" $$bad "include <$(1)>; only $(2) may (Documentation/technical/layout.txt)" >&2; \
		exit 1; fi

$(B)/include-rules.ok: $(INCLUDE_CHECKED) Makefile
	@mkdir -p $(B)
	@$(call include_rule,systemd/,keystore/keystore.c)
	@$(call include_rule,libsecret/|glib|gio/,no-file)
	@$(call include_rule,gcrypt\.h,keystore/ss-session.c t/unit/test-ss-session.c)
	@$(call include_rule,libssh2,$(SSH2_SRC))
	@$(call include_rule,openssl/,$(PEM_SRC) keystore/pem-int.h $(FSCRYPTO_SRC))
	@$(call include_rule,keyutils\.h,$(FSCACHE_SRC) t/unit/test-filestore.c)
	@touch $@

# Where the installed modules live and the version, compiled into the gate;
# rewritten only when they change, so `make install PREFIX=...` after a
# plain `make` rebuilds the gate with the right path.
# GCB_BUILDDIR is the output directory with symlinks resolved (pwd -P): the
# gate loads the modules beside itself only when its own directory is this
# one (helper/git-credential-bitbucket.c, module_dir).
$(B)/gcb-build.h: FORCE
	@mkdir -p $(B) $(OUT)
	@printf '#define GCB_MODDIR "%s"\n#define GCB_BUILDDIR "%s"\n#define GCB_VERSION "%s"\n' \
		'$(MODDIR)' "$$(cd $(OUT) && pwd -P)" '$(VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(B)/helper/git-credential-bitbucket.o $(B)/helper/git-bitbucket-ssh.o \
$(B)/helper/credential/cred-args.o: $(B)/gcb-build.h

# The gate: reads git's request, decides whether the host is ours, and only
# then loads the core module (sd-bus, libgcrypt).  A request for another
# host never loads those libraries.
$(OUT)/git-credential-bitbucket: $(B)/helper/git-credential-bitbucket.o $(PURE_OBJ)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -ldl

# Three modules: git's get/store/erase and the token verbs need the
# keystore (sd-bus, libgcrypt; the file store's crypto through CRYPTO_MODULE);
# the key verbs add key material (keystore/pem.c) and link OpenSSL and
# libkeyutils themselves; CRYPTO_MODULE is the file store's OpenSSL and
# libkeyutils part, loaded by the core module only when the file store is
# used: a `get` from the Secret Service loads neither library.  The SSH
# wrapper asks for a file store's passphrase with the helper's terminal
# reader (cred-tty.c).
$(MODULE): $(CORE_OBJ) $(CORE_KEYSTORE_OBJ) $(PURE_OBJ)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $^ $(SDBUS_LIBS) -ldl

$(CRYPTO_MODULE): $(FSCRYPTO_OBJ) $(B)/keystore/secret.o
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $^ $(SSL_LIBS) $(KEYUTILS_LIBS)

$(KEYS_MODULE): $(KEYS_OBJ) $(CORE_OBJ) $(PEM_OBJ) $(KEYSTORE_OBJ) $(PURE_OBJ)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $^ $(KEYSTORE_LIBS)

$(OUT)/git-bitbucket-ssh: $(B)/helper/git-bitbucket-ssh.o $(SSH_OBJ) $(PEM_OBJ) $(KEYSTORE_OBJ) \
		$(B)/helper/credential/cred-tty.o $(PURE_OBJ)
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SSH2_LIBS) $(KEYSTORE_LIBS)

$(B)/t/unit/%: t/unit/%.c t/unit/unit.h $(CORE_OBJ) $(KEYS_OBJ) $(SSH_OBJ) $(PEM_OBJ) $(KEYSTORE_OBJ) \
		$(PURE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) $(LIB_CFLAGS) \
		-o $@ $(filter-out %.h,$^) $(SSH2_LIBS) $(SDBUS_LIBS) $(SSL_LIBS) $(KEYUTILS_LIBS) -ldl

# programs only the tests run (t/helper/*.c), next to the unit tests
TEST_HELPERS = $(patsubst t/helper/%.c,$(B)/t/unit/%,$(wildcard t/helper/*.c))

$(B)/t/unit/gcb-%: t/helper/gcb-%.c $(PURE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^

# secret-tool's stand-in on the file store (t/lib-keyring.sh, GCB_KEYSTORE=file)
$(B)/t/unit/gcb-filestore-tool: t/helper/gcb-filestore-tool.c $(FILESTORE_OBJ) $(PURE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS) $(KEYUTILS_LIBS)

units: $(UNITS) $(TEST_HELPERS)

# Fuzz targets (t/fuzz/fuzz-*.c, t/fuzz/README).  `make units` links each
# with t/fuzz/replay.c into $(B)/t/unit/fuzz-*, which t/t0200-fuzz-replay.sh
# runs over t/fuzz/corpus/ and t/fuzz/regress/ (no clang needed; ASan+UBSan
# under `make asan`).  `make fuzz` builds them with clang's libFuzzer in
# build-fuzz/ and runs each FUZZ_SECONDS (FUZZ_TARGETS: a subset;
# FUZZ_MERGE=1 merges new inputs into t/fuzz/corpus/).
FUZZ_SRC  = $(wildcard t/fuzz/fuzz-*.c)
FUZZ_OBJ  = $(CORE_OBJ) $(KEYS_OBJ) $(SSH_OBJ) $(PEM_OBJ) $(KEYSTORE_OBJ) $(PURE_OBJ)
FUZZ_LIBS = $(SSH2_LIBS) $(SDBUS_LIBS) $(SSL_LIBS) $(KEYUTILS_LIBS) -ldl
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst t/fuzz/fuzz-%.c,%,$(FUZZ_SRC))
ifeq ($(SANITIZE),fuzz)
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=all
endif

$(B)/t/unit/fuzz-%: t/fuzz/fuzz-%.c t/fuzz/replay.c t/fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) $(LIB_CFLAGS) -o $@ $< t/fuzz/replay.c $(FUZZ_OBJ) $(FUZZ_LIBS)

units: $(patsubst t/fuzz/%.c,$(B)/t/unit/%,$(FUZZ_SRC))
# objects only pattern rules name are kept, not deleted as intermediate
.SECONDARY: $(FUZZ_OBJ)

$(B)/fuzz/fuzz-%: t/fuzz/fuzz-%.c t/fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) $(LIB_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(FUZZ_LIBS)

fuzz-bins: $(patsubst t/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

fuzz:
	@sh scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory B=build-fuzz OUT=build-fuzz CC=clang SANITIZE=fuzz fuzz-bins
	@bash t/fuzz/run.sh build-fuzz '$(FUZZ_SECONDS)' '$(FUZZ_MERGE)' $(FUZZ_TARGETS)

clean: clean-fuzz
clean-fuzz:
	rm -rf build-fuzz

.PHONY: fuzz fuzz-bins clean-fuzz

deps:
	@sh scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory all units
	@GCB_BINDIR=$(abspath $(OUT)) GCB_UNITDIR=$(abspath $(B)/t/unit) bash t/run-tests.sh $(T)
	$(if $(T),,@echo "# again against the encrypted file store (GCB_KEYSTORE=file):" && \
		GCB_KEYSTORE=file GCB_BINDIR=$(abspath $(OUT)) GCB_UNITDIR=$(abspath $(B)/t/unit) \
		bash t/run-tests.sh $(FILE_STORE_QUICK))
	$(if $(T),,@echo "# again against KeePassXC (GCB_KEYRING_PROVIDER=keepassxc; skipped with the reason where it cannot run):" && \
		GCB_KEYRING_PROVIDER=keepassxc GCB_TEST_JOBS=1 GCB_BINDIR=$(abspath $(OUT)) GCB_UNITDIR=$(abspath $(B)/t/unit) \
		bash t/run-tests.sh $(KEEPASSXC_QUICK))

asan: deps
	@$(MAKE) --no-print-directory B=build-asan OUT=build-asan SANITIZE=1 all units
	@GCB_BINDIR=$(abspath build-asan) GCB_UNITDIR=$(abspath build-asan/t/unit) \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
		bash t/run-tests.sh $(T)

valgrind: deps
	@$(MAKE) --no-print-directory all units
	@GCB_BINDIR=$(abspath $(OUT)) GCB_UNITDIR=$(abspath $(B)/t/unit) GCB_VALGRIND=1 \
		bash t/run-tests.sh $(T)

# The scripts that use a keyring, run again against the encrypted file
# store (GCB_KEYSTORE=file, t/lib-keyring.sh: no Secret Service at all);
# cases about the Secret Service itself say SKIP.  `make test` reruns
# FILE_STORE_QUICK that way; T=... runs those scripts instead.
FILE_STORE_T = $(filter-out t/t7000-% t/t80%,$(shell grep -l 'lib-keyring\.sh' t/t[0-9]*.sh))
FILE_STORE_QUICK = t/t4010-ssh-transport.sh t/t4070-ssh-last-used.sh t/t6020-doctor.sh
# The keyring-sensitive scripts `make test` reruns against KeePassXC, the
# second Secret Service (t/lib-keepassxc.sh; about 2.5 min), one at a time.
KEEPASSXC_QUICK = t/t2000-keyring-providers.sh t/t8000-faults.sh t/t8020-leaks.sh t/t8030-injection.sh
test-file-store: deps
	@$(MAKE) --no-print-directory all units
	@GCB_KEYSTORE=file GCB_BINDIR=$(abspath $(OUT)) GCB_UNITDIR=$(abspath $(B)/t/unit) \
		bash t/run-tests.sh $(or $(T),$(FILE_STORE_T))

# the bench's own tools: the libssh2 floor client, a dlopen() timer, a peak-RSS meter,
# a process timer (posix_spawn: no shell fork in the figures)
BENCH_TOOLS = $(B)/bench/floor-ssh $(B)/bench/dlopen-ms $(B)/bench/maxrss $(B)/bench/spawn-us

$(B)/bench/floor-ssh: bench/floor-ssh.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SSH2_CFLAGS) -o $@ $< $(SSH2_LIBS)

$(B)/bench/dlopen-ms: bench/dlopen-ms.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $< -ldl

$(B)/bench/spawn-us: bench/spawn-us.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

$(B)/bench/maxrss: bench/maxrss.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	@GCB_BINDIR=$(abspath $(OUT)) BENCH_TOOLS=$(abspath $(B)/bench) bash scripts/bench.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

MANPAGES = Documentation/git-credential-bitbucket.1 Documentation/git-bitbucket-ssh.1

# man pages from the asciidoc sources (asciidoc-base, xmlto, docbook-xsl:
# scripts/install-deps.sh --build installs them)
doc: $(MANPAGES)

Documentation/%.1: Documentation/%.txt $(wildcard Documentation/*-*.txt)
	PATH=/usr/bin:/bin:$$PATH a2x --doctype manpage --format manpage --no-xmllint \
		-a mansource=git-credential-bitbucket -a manmanual='Git Credential Bitbucket' \
		--xsltproc-opts='--stringparam man.th.title.max.length 40' -D Documentation $<

COMPLETION = helper/completion/git-credential-bitbucket.bash

# Installs the man pages too (git help credential-bitbucket reads them): a
# missing a2x stops here with make's error instead of a silent skip.
install: all doc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MODDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MODULE) $(KEYS_MODULE) $(CRYPTO_MODULE) $(DESTDIR)$(MODDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/git-credential-bitbucket

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/git-credential-bitbucket $(DESTDIR)$(BINDIR)/git-bitbucket-ssh
	rm -f $(DESTDIR)$(MODDIR)/git-credential-bitbucket.so $(DESTDIR)$(MODDIR)/git-credential-bitbucket-keys.so \
		$(DESTDIR)$(MODDIR)/git-credential-bitbucket-crypto.so
	-rmdir $(DESTDIR)$(MODDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/git-credential-bitbucket.1 $(DESTDIR)$(MANDIR)/man1/git-bitbucket-ssh.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/git-credential-bitbucket

clean:
	rm -rf build build-asan git-credential-bitbucket git-bitbucket-ssh git-credential-bitbucket*.so
	rm -f $(MANPAGES) Documentation/*.xml

FORCE:

.PHONY: FORCE all units deps test test-file-store asan valgrind bench demo doc install uninstall clean
