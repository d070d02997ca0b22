/*
 * git-credential-bitbucket - the gate.
 *
 * git runs this program on every fetch and push, for every host.  The gate
 * reads git's request, decides whether the host is Bitbucket, and only then
 * loads the module (sd-bus, libgcrypt; OpenSSL for the key verbs) that does the
 * work.  A request for any other host costs one small process that reads
 * git's configuration files itself (helper/gitconfig/; `git config` runs
 * only when that reader hands a case back): no D-Bus, no keyring libraries.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/harden.h"
#include "credential/cred.h"
#include "gcb-build.h"	/* GCB_MODDIR, GCB_BUILDDIR, GCB_VERSION: by make */
#include "msg.h"

/* git's operations and the token verbs; the key verbs (with OpenSSL) */
#define MODULE_NAME "git-credential-bitbucket.so"
#define KEYS_MODULE_NAME "git-credential-bitbucket-keys.so"

/*
 * Where modules come from: the installed module directory (GCB_MODDIR), or
 * the build tree (GCB_BUILDDIR, both absolute, compiled in by make) when
 * this program is the build tree's own binary: the directory of
 * /proc/self/exe (symlinks resolved by the kernel) is exactly GCB_BUILDDIR.
 * A copy of the program elsewhere, with a module planted next to it, still
 * loads the installed modules; no environment variable is consulted.
 */
static const char *module_dir(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return GCB_MODDIR;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return GCB_MODDIR;
	*slash = '\0';
	return strcmp(self, GCB_BUILDDIR) == 0 ? GCB_BUILDDIR : GCB_MODDIR;
}

/*
 * Only a file (and directory) that nobody but root or this user can change
 * is loaded: one line naming it and the fix otherwise.  0 when safe.
 */
static int unsafe(const char *path, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		msg_error("refusing to load %s: it is owned by uid %lu, not by "
			  "root or you; reinstall with 'make install'", path,
			  (unsigned long)st->st_uid);
		return 1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		msg_error("refusing to load %s: it is writable by group or "
			  "others; run 'chmod go-w %s'", path, path);
		return 1;
	}
	return 0;
}

static void *load_module(const char *name)
{
	const char *dir = module_dir();
	char path[PATH_MAX + sizeof(KEYS_MODULE_NAME) + 1];
	struct stat st;
	void *h;
	int len, fd;

	len = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len <= 0 || (size_t)len >= sizeof(path)) {
		msg_error("the module directory %s is too long; reinstall with "
			  "a shorter PREFIX", dir);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		msg_error("cannot load the core module %s: %s; reinstall with "
			  "'make install'", path,
			  fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if (unsafe(path, &st))
		return NULL;
	if (stat(dir, &st) != 0 || unsafe(dir, &st))
		return NULL;
	h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (h == NULL)
		msg_error("cannot load the core module %s: %s; reinstall with "
			  "'make install'", path, dlerror());
	return h;
}

static int run_module(struct gcb_call *call)
{
	const char *name = call->verb->module == MODULE_KEYS ? KEYS_MODULE_NAME :
							      MODULE_NAME;
	void *h = load_module(name);
	gcb_entry_fn entry;
	int r;

	if (h == NULL)
		return EXIT_REFUSED;
	*(void **)(&entry) = dlsym(h, GCB_ENTRY);
	if (entry == NULL) {
		msg_error("the core module %s is broken (no %s); reinstall with 'make install'",
			  name, GCB_ENTRY);
		return EXIT_REFUSED;
	}
	r = entry(call);
	/* the module stays loaded: the process ends right after */
	return r;
}

/* A git request: decide whether it is ours before touching anything else. */
static int git_op(const struct gcb_verb *v, int argc, char **argv)
{
	struct credential req = CREDENTIAL_INIT;
	struct config cfg;
	struct target t;
	struct gcb_call call = { argc, argv, v, &req, &t, NULL };
	int have_cfg = 0, r;

	r = credential_read(0, &req);
	if (r == CRED_ERR_TOO_LONG) {
		msg_error("the request from git is larger than %zu bytes; nothing was done",
			  (size_t)CREDENTIAL_MAX_INPUT);
		r = EXIT_REFUSED;
		goto out;
	}
	if (r != CRED_OK) {
		msg_error("cannot read the request from git: %s; nothing was done",
			  r == CRED_ERR_URL ? "url= is not a URL" : "read error");
		r = EXIT_REFUSED;
		goto out;
	}
	/* never answer without protocol and host (CVE-2020-11008) */
	r = 0;
	if (req.protocol == NULL || req.host == NULL || req.host[0] == '\0')
		goto out;
	if (strcmp(req.protocol, "https") != 0 && strcmp(req.protocol, "http") != 0)
		goto out;
	/* bitbucket.org needs no configuration: no git config process */
	if (target_from_parts(req.protocol, req.host, req.path, NULL, &t) !=
	    TARGET_OK)
		goto out;	/* not a host we can read: not ours */
	if (t.product == PRODUCT_NONE) {
		/*
		 * A server that says it is Bitbucket Data Center (git >= 2.41
		 * passes its realm in wwwauth[]; at store, git >= 2.46 hands
		 * back the state[] our get left) is ours even when not declared.
		 */
		int by_realm = req.dc_realm || credential_state_is_dc(&req);

		/* no configuration mentions bitbucket: not ours, no git process */
		if (!by_realm && !config_may_mention_bitbucket())
			goto out;
		config_load(&cfg);
		have_cfg = 1;
		call.cfg = &cfg;
		if (target_from_parts(req.protocol, req.host, req.path, &cfg.dc,
				      &t) != TARGET_OK)
			goto out;
		if (t.product == PRODUCT_NONE && by_realm) {
			const char *self[1] = { req.host };
			struct dc_hosts undeclared = { self, 1 };

			if (target_from_parts(req.protocol, req.host, req.path,
					      &undeclared, &t) != TARGET_OK)
				goto out;
		}
	}
	if (t.product == PRODUCT_NONE)
		goto out;	/* another helper's business: stay silent */
	r = run_module(&call);
out:
	credential_clear(&req);
	if (have_cfg)
		config_free(&cfg);
	return r;
}

/*
 * git calls a helper with one word and nothing after it, and may add
 * operations in later releases: a lone unknown word is ignored silently
 * (exit 0), terminal or not.  A word followed by arguments is a person's
 * (or a script's) mistyped command: exit 2, with the closest command.
 */
static int unknown_command(int argc, char **argv)
{
	const char *close;

	if (argc <= 2)
		return 0;
	close = gcb_verb_closest(argv[1]);
	if (close != NULL)
		msg_error("unknown command '%.64s'; did you mean '%s'? see "
			  "'git-credential-bitbucket --help'", argv[1], close);
	else
		msg_error("unknown command '%.64s'; see 'git-credential-bitbucket "
			  "--help'", argv[1]);
	return EXIT_USAGE;
}

/* stdout's buffer is ours, so the answer (a token) can be wiped after use */
static char out_buffer[65536];

/*
 * Output that could not be written (closed, full, a reader gone) is a
 * failure with one line, never a silent success: the error flag also
 * catches a write that failed inside the verb.  Every path that wrote to
 * stdout ends here, --help and --version included.
 */
static int finish(int r)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		msg_error("cannot write to standard output (closed, full, or its "
			  "reader went away); the output is incomplete");
		if (r == 0)
			r = EXIT_REFUSED;
	}
	wipe(out_buffer, sizeof(out_buffer));
	return r;
}

int main(int argc, char **argv)
{
	const struct gcb_verb *v;

	harden();	/* we hold secrets: no core dumps, no ptrace */
	/* a closed stdout is an EPIPE, reported in one line, not a silent
	 * death by SIGPIPE (GIO used to set this as it loaded; sd-bus does
	 * not, it sends with MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	msg_set_prog("git-credential-bitbucket");
	if (argc < 2) {
		gcb_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		gcb_usage(stdout);
		return finish(0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("git-credential-bitbucket %s\n", GCB_VERSION);
		return finish(0);
	}
	v = gcb_verb_find(argv[1]);
	if (v == NULL)
		return unknown_command(argc, argv);
	/* every command: --version right after it; git never sends that */
	if (argc >= 3 && strcmp(argv[2], "--version") == 0) {
		printf("git-credential-bitbucket %s\n", GCB_VERSION);
		return finish(0);
	}
	if (v->git_op && argc >= 3 && (strcmp(argv[2], "--help") == 0 ||
				       strcmp(argv[2], "-h") == 0)) {
		gcb_git_op_help(stdout, v);
		return finish(0);
	}
	if (v->git_op)
		return finish(git_op(v, argc - 1, argv + 1));
	{
		struct gcb_call call = { argc - 1, argv + 1, v, NULL, NULL, NULL };

		return finish(run_module(&call));
	}
}
