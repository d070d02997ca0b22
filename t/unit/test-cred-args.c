/*
 * test-cred-args.c - the shell verbs' command lines (helper/credential/
 * cred-args.c) and the verb table (cred-verbs.c): option parsing, --help
 * and every misuse with the exact lines it prints.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-verbs.h"
#include "unit.h"

static const struct cred_opt opts[] = {
	{ "--scope", "URL", "where the key applies" },
	{ "--force", NULL, "replace a key" },
};
static const struct cred_verb spec = {
	"key", "import", "NAME [FILE|-]", "Store a key.", opts, 2, 1, 2,
};

/* What fd (1 or 2) received while parse ran: the result, the text in out. */
static int run(int fd, char *out, size_t outlen, int argc, char **argv,
	       const char **vals, const char **ops, int *n_ops)
{
	FILE *tmp = tmpfile();
	int saved = dup(fd), r;
	size_t n;

	fflush(stdout);
	fflush(stderr);
	if (tmp == NULL || saved < 0 || dup2(fileno(tmp), fd) < 0)
		exit(2);
	r = cred_args_parse(&spec, argc, argv, vals, ops, n_ops);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return r;
}

#define USAGE "usage: git-credential-bitbucket key import [--scope URL] [--force] NAME [FILE|-]\n"
#define SEE "; see 'git-credential-bitbucket key import --help'\n"

/* argv (NULL-terminated) must fail with exactly "<prog>: what; see ...\nusage\n". */
static void misuse(const char *what, const char *name, char **argv)
{
	const char *vals[2], *ops[2];
	char err[4096], want[1024];
	int argc = 0, n_ops, r;

	while (argv[argc])
		argc++;
	r = run(2, err, sizeof(err), argc, argv, vals, ops, &n_ops);
	snprintf(want, sizeof(want), "git-credential-bitbucket: %s" SEE USAGE, what);
	if (strcmp(err, want) != 0)
		printf("# got: %s# want: %s", err, want);
	report(r == EXIT_USAGE && strcmp(err, want) == 0, name);
}

static void test_parse(void)
{
	const char *vals[2], *ops[2];
	char out[4096];
	int n_ops, r;
	char *a1[] = { "import", "--scope", "git@bitbucket.org:acme/", "work", NULL };
	char *a2[] = { "import", "--scope=ssh://h/x", "--force", "work", "-", NULL };
	char *a3[] = { "import", "--", "--force", "-x", NULL };

	r = run(2, out, sizeof(out), 4, a1, vals, ops, &n_ops);
	report(r == 0 && out[0] == '\0' && strcmp(vals[0], "git@bitbucket.org:acme/") == 0 &&
	       vals[1] == NULL && n_ops == 1 && strcmp(ops[0], "work") == 0,
	       "parse: '--name VALUE', an absent flag is NULL, the operand");
	r = run(2, out, sizeof(out), 5, a2, vals, ops, &n_ops);
	report(r == 0 && strcmp(vals[0], "ssh://h/x") == 0 && strcmp(vals[1], "") == 0 &&
	       n_ops == 2 && strcmp(ops[1], "-") == 0,
	       "parse: '--name=VALUE', a present flag is \"\", '-' is an operand");
	r = run(2, out, sizeof(out), 4, a3, vals, ops, &n_ops);
	report(r == 0 && vals[1] == NULL && n_ops == 2 &&
	       strcmp(ops[0], "--force") == 0 && strcmp(ops[1], "-x") == 0,
	       "parse: after '--' everything is an operand");
}

static void test_help(void)
{
	const char *vals[2], *ops[2];
	char out[4096];
	int n_ops, r;
	char *a1[] = { "import", "--help", NULL };
	char *a2[] = { "import", "--bogus", "-h", NULL };
	static const char want[] =
		USAGE "\nStore a key.\n\n"
		"    --scope URL            where the key applies\n"
		"    --force                replace a key\n"
		"    --help                 show this help\n";

	r = run(1, out, sizeof(out), 2, a1, vals, ops, &n_ops);
	if (strcmp(out, want) != 0)
		printf("# got:\n%s", out);
	report(r == CRED_ARGS_HELP && strcmp(out, want) == 0,
	       "--help: usage, summary and one line per option on stdout");
	r = run(2, out, sizeof(out), 3, a2, vals, ops, &n_ops);
	report(r == EXIT_USAGE, "-h after a mistake: the mistake is reported first");
}

static void test_misuse(void)
{
	char *bogus[] = { "import", "--bogus=ATATT3xsecret", "work", NULL };
	char *novalue[] = { "import", "--force=yes", "work", NULL };
	char *needs[] = { "import", "work", "--scope", NULL };
	char *missing[] = { "import", "--force", NULL };
	char *many[] = { "import", "a", "b", "c", NULL };
	char *shortopt[] = { "import", "-f", "work", NULL };
	char longname[200] = "--";
	char *toolong[] = { "import", longname, NULL };

	misuse("unknown option '--bogus'", "misuse: an unknown option is named, its value never",
	       bogus);
	misuse("--force takes no value", "misuse: a flag given a value", novalue);
	misuse("--scope needs a value (URL)", "misuse: an option without its value", needs);
	misuse("missing NAME [FILE|-]", "misuse: too few operands", missing);
	misuse("too many arguments", "misuse: too many operands", many);
	misuse("unknown option '-f'", "misuse: a short option that does not exist", shortopt);
	memset(longname + 2, 'x', 150);
	longname[152] = '\0';
	{
		char what[128];

		snprintf(what, sizeof(what), "unknown option '--%.62s'", longname + 2);
		misuse(what, "misuse: a long unknown option is cut at 64 bytes", toolong);
	}
}

static void test_table(void)
{
	const struct gcb_verb *key = gcb_verb_find("key");
	const struct gcb_verb *login = gcb_verb_find("login");
	char buf[512];
	int ok = 1;

	for (int id = 0; id < VERB_COUNT; id++) {
		static const char *const names[VERB_COUNT] = {
			[VERB_GET] = "get", [VERB_STORE] = "store", [VERB_ERASE] = "erase",
			[VERB_LOGIN] = "login", [VERB_LOGOUT] = "logout", [VERB_LIST] = "list",
			[VERB_KEY] = "key", [VERB_SETUP] = "setup", [VERB_STATUS] = "status",
			[VERB_DOCTOR] = "doctor",
			[VERB_UNLOCK] = "unlock", [VERB_LOCK] = "lock",
			[VERB_PASSWD] = "passwd", [VERB_MIGRATE] = "migrate",
		};
		const struct gcb_verb *v = names[id] ? gcb_verb_find(names[id]) : NULL;

		ok &= v != NULL && (int)v->id == id && (v->git_op == (id <= VERB_ERASE)) &&
		      (v->git_op || v->spec != NULL || v->n_subs > 0);
	}
	report(ok && gcb_verb_find("nope") == NULL && gcb_verb_find("") == NULL,
	       "table: every command once, its id its place, git's three first");
	report(key != NULL && key->module == MODULE_KEYS && key->n_subs == KEY_VERB_COUNT &&
	       login != NULL && login->module == MODULE_CORE,
	       "table: only key loads the keys module");
	ok = key != NULL;
	for (size_t i = 0; ok && i < key->n_subs; i++)
		ok = key->subs[i].group != NULL && strcmp(key->subs[i].group, "key") == 0 &&
		     key->subs[i].n_opts <= VERB_MAX_OPTS &&
		     key->subs[i].max_operands <= VERB_MAX_OPERANDS;
	report(ok && strcmp(key->subs[KEY_SET_READ_ONLY].name, "set-read-only") == 0,
	       "table: the key verbs fit the dispatcher's arrays");
	report(login != NULL &&
	       strcmp(cred_args_synopsis(login->spec, buf, sizeof(buf)),
		      "[--username NAME] [--expires YYYY-MM-DD] [--repos REGEX] [--stdin] [--check] URL") == 0,
	       "synopsis: login's options and operand, as the usage shows them");
	report(strcmp(cred_args_synopsis(&spec, buf, 12), "[--scope UR") == 0,
	       "synopsis: cut to the buffer, still a string");
}

int main(void)
{
	test_parse();
	test_help();
	test_misuse();
	test_table();
	return unit_done();
}
