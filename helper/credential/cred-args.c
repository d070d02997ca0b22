/*
 * cred-args.c - options, operands, usage and --help of the shell verbs
 * (see cred-args.h).
 */
#include <stdio.h>
#include <string.h>

#include "credential/cred.h"
#include "credential/cred-args.h"
#include "msg.h"

/* "key " before a key verb's name, nothing before login's */
#define GROUP(v) ((v)->group ? (v)->group : ""), ((v)->group ? " " : "")

/* Append to buf, keeping it a string when it is full. */
static void append(char *buf, size_t len, size_t *n, const char *a, const char *b)
{
	int k;

	if (*n >= len)
		return;
	k = snprintf(buf + *n, len - *n, "%s%s", a, b);
	*n += k > 0 ? (size_t)k : 0;
}

const char *cred_args_synopsis(const struct cred_verb *v, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->n_opts; i++) {
		append(buf, len, &n, n ? " [" : "[", v->opts[i].name);
		if (v->opts[i].arg)
			append(buf, len, &n, " ", v->opts[i].arg);
		append(buf, len, &n, "]", "");
	}
	if (v->operands[0])
		append(buf, len, &n, n ? " " : "", v->operands);
	return buf;
}

void cred_args_usage(FILE *f, const struct cred_verb *v)
{
	char args[512];

	cred_args_synopsis(v, args, sizeof(args));
	fprintf(f, "usage: %s %s%s%s%s%s\n", msg_prog(), GROUP(v), v->name,
		args[0] ? " " : "", args);
}

static void help(const struct cred_verb *v)
{
	cred_args_usage(stdout, v);
	printf("\n%s\n\n", v->summary);
	for (size_t i = 0; i < v->n_opts; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s", v->opts[i].name,
			 v->opts[i].arg ? " " : "",
			 v->opts[i].arg ? v->opts[i].arg : "");
		printf("    %-22s %s\n", left, v->opts[i].help);
	}
	printf("    %-22s %s\n", "--help", "show this help");
}

int cred_args_misuse(const struct cred_verb *v, const char *what)
{
	msg_error("%s; see '%s %s%s%s --help'", what, msg_prog(), GROUP(v),
		  v->name);
	cred_args_usage(stderr, v);
	return EXIT_USAGE;
}

/* One "--name[=value]" at argv[*a]; may take argv[*a + 1] as the value. */
static int parse_option(const struct cred_verb *v, int argc, char **argv,
			int *a, const char **vals)
{
	const char *s = argv[*a];
	char why[320];
	size_t nl;

	for (size_t i = 0; i < v->n_opts; i++) {
		nl = strlen(v->opts[i].name);
		if (strncmp(s, v->opts[i].name, nl) != 0 ||
		    (s[nl] != '\0' && s[nl] != '='))
			continue;
		if (v->opts[i].arg == NULL) {
			if (s[nl] == '=') {
				snprintf(why, sizeof(why), "%s takes no value",
					 v->opts[i].name);
				return cred_args_misuse(v, why);
			}
			vals[i] = "";
		} else if (s[nl] == '=') {
			vals[i] = s + nl + 1;
		} else if (*a + 1 < argc) {
			vals[i] = argv[++*a];
		} else {
			snprintf(why, sizeof(why), "%s needs a value (%s)",
				 v->opts[i].name, v->opts[i].arg);
			return cred_args_misuse(v, why);
		}
		return 0;
	}
	/* an option name is not a secret, its value may be: keep the name */
	nl = strcspn(s, "=");
	snprintf(why, sizeof(why), "unknown option '%.*s'",
		 nl > 64 ? 64 : (int)nl, s);
	return cred_args_misuse(v, why);
}

int cred_args_parse(const struct cred_verb *v, int argc, char **argv,
		    const char **vals, const char **ops, int *n_ops)
{
	int only_operands = 0, r;
	char why[320];

	*n_ops = 0;
	for (size_t i = 0; i < v->n_opts; i++)
		vals[i] = NULL;
	for (int a = 1; a < argc; a++) {
		const char *s = argv[a];

		if (!only_operands && strcmp(s, "--") == 0) {
			only_operands = 1;
			continue;
		}
		if (!only_operands && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)) {
			help(v);
			return CRED_ARGS_HELP;
		}
		if (only_operands || s[0] != '-' || s[1] == '\0') {
			if (*n_ops >= v->max_operands)
				return cred_args_misuse(v, "too many arguments");
			ops[(*n_ops)++] = s;
			continue;
		}
		if ((r = parse_option(v, argc, argv, &a, vals)) != 0)
			return r;
	}
	if (*n_ops < v->min_operands) {
		snprintf(why, sizeof(why), "missing %s", v->operands);
		return cred_args_misuse(v, why);
	}
	return 0;
}
