/*
 * git-credential-bitbucket - the gate.
 *
 * git runs this program on every fetch and push, for every host.  The gate
 * reads git's request, decides whether the host is Bitbucket, and only then
 * loads the core module (libsecret, OpenSSL) that does the work.  A request
 * for any other host costs one small process and, unless the host is
 * bitbucket.org, one `git config`: no D-Bus, no keyring libraries.
 */
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred.h"
#include "msg.h"

/* git's operations and the token verbs; the key verbs (with OpenSSL) */
#define MODULE_NAME "git-credential-bitbucket.so"
#define KEYS_MODULE_NAME "git-credential-bitbucket-keys.so"

enum verb_class { GIT_OP, SHELL_VERB };

static const struct verb {
	const char *name;
	enum verb_class class;
	const char *args;
	const char *help;
} verbs[] = {
	{ "get", GIT_OP, "", "(git) answer a credential request from the keyring" },
	{ "store", GIT_OP, "", "(git) store a credential that worked" },
	{ "erase", GIT_OP, "", "(git) remove a credential that was rejected" },
	{ "login", SHELL_VERB, "[--username NAME] [--expires YYYY-MM-DD] [--repos REGEX] [--stdin] URL",
	  "store a token for a host, account or repository" },
	{ "logout", SHELL_VERB, "[--username NAME] URL", "remove what login stored" },
	{ "list", SHELL_VERB, "[--json]", "list stored tokens and keys (never the secrets)" },
	{ "key", SHELL_VERB, "<import|generate|public|list|remove|rename|scope|set-read-only> ...",
	  "manage SSH keys for git-bitbucket-ssh" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: git-credential-bitbucket <command> [<args>]\n\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "   %-7s %s\n           %s\n", verbs[i].name,
			verbs[i].args, verbs[i].help);
	fprintf(f, "\nRun 'git-credential-bitbucket <command> --help' for a command's options.\n");
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static void harden(void)
{
	struct rlimit nocore = { 0, 0 };

	/* no core dumps and no ptrace by other users' tools: we hold secrets */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &nocore);
	umask(077);
}

/* The core module: next to this program (a build tree), else installed. */
static void *load_module(const char *name)
{
	char self[PATH_MAX], path[PATH_MAX + sizeof(KEYS_MODULE_NAME) + 1];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	void *h = NULL;
	int len;

	if (n > 0) {
		char *slash;

		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			len = snprintf(path, sizeof(path), "%s/%s", self, name);
			if (len > 0 && (size_t)len < sizeof(path) &&
			    access(path, R_OK) == 0)
				h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
		}
	}
	if (h == NULL) {
		len = snprintf(path, sizeof(path), "%s/%s", GCB_MODDIR, name);
		if (len > 0 && (size_t)len < sizeof(path))
			h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	}
	if (h == NULL)
		msg_error("cannot load the core module %s: %s; reinstall with 'make install'",
			  name, dlerror());
	return h;
}

static int run_module(struct gcb_call *call)
{
	const char *name = strcmp(call->argv[0], "key") == 0 ? KEYS_MODULE_NAME :
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
	/* the module stays loaded: libsecret's GLib threads may still run */
	return r;
}

/* A git request: decide whether it is ours before touching anything else. */
static int git_op(int argc, char **argv)
{
	struct credential req = CREDENTIAL_INIT;
	struct config cfg;
	struct target t;
	struct gcb_call call = { argc, argv, &req, &t, NULL };
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
		/* no configuration mentions bitbucket: not ours, no git process */
		if (!config_may_mention_bitbucket())
			goto out;
		config_load(&cfg);
		have_cfg = 1;
		call.cfg = &cfg;
		if (target_from_parts(req.protocol, req.host, req.path, &cfg.dc,
				      &t) != TARGET_OK)
			goto out;
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

int main(int argc, char **argv)
{
	const struct verb *v;
	int r;

	harden();
	msg_set_prog("git-credential-bitbucket");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("git-credential-bitbucket %s\n", GCB_VERSION);
		return 0;
	}
	v = find_verb(argv[1]);
	if (v == NULL) {
		/*
		 * git may call helpers with operations it adds later: ignore
		 * them silently.  A person at a terminal gets the usage.
		 */
		if (isatty(0) && isatty(2)) {
			msg_error("unknown command '%s'; see 'git-credential-bitbucket --help'",
				  argv[1]);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (v->class == GIT_OP) {
		r = git_op(argc - 1, argv + 1);
	} else {
		struct gcb_call call = { argc - 1, argv + 1, NULL, NULL, NULL };

		r = run_module(&call);
	}
	if (fflush(stdout) != 0 && r == 0)
		r = EXIT_REFUSED;
	return r;
}
