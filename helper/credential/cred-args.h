/*
 * cred-args.h - the command line of one shell verb (login, logout, list,
 * key import, ...): a table of options that parses argv and also prints
 * the usage line and --help, so help cannot drift from the code.
 *
 * Syntax: "--name VALUE" or "--name=VALUE" for an option with a value,
 * "--name" for a flag, "--help" or "-h" for help, "--" to end options;
 * anything else not starting with '-' (and "-" itself) is an operand.
 *
 * Mistakes print one line and the usage on stderr:
 *   "<prog>: <what>; see '<prog> [group ]<verb> --help'"
 *   "usage: <prog> [group ]<verb> [--opt ARG] [--flag] OPERANDS"
 * and return EXIT_USAGE.  A value is never echoed (it may be a secret):
 * an unknown option is named up to its '='.
 */
#ifndef GCB_CRED_ARGS_H
#define GCB_CRED_ARGS_H

#include <stdio.h>

struct cred_opt {
	const char *name;	/* "--scope" */
	const char *arg;	/* "URL", or NULL for a flag */
	const char *help;	/* one line for --help */
};

struct cred_verb {
	const char *group;	/* "key" for "<prog> key <verb>", or NULL */
	const char *name;	/* "import" */
	const char *operands;	/* after the options, for usage: "NAME [FILE|-]" */
	const char *summary;	/* the paragraph --help prints */
	const struct cred_opt *opts;
	size_t n_opts;
	int min_operands;	/* fewer: misuse "missing <operands>" */
	int max_operands;	/* more: misuse "too many arguments" */
};

#define CRED_ARGS_HELP (-1)	/* cred_args_parse(): --help or --version was printed */

/*
 * Parse argv[1..argc-1] (argv[0] is the verb) against v.  vals[i] receives
 * option i's value, "" for a flag that is present, NULL when absent (vals
 * has room for v->n_opts); ops[] receives up to v->max_operands operands,
 * *n_ops their number.  Returns 0, CRED_ARGS_HELP after printing help on
 * stdout, or EXIT_USAGE after printing the misuse.
 */
int cred_args_parse(const struct cred_verb *v, int argc, char **argv,
		    const char **vals, const char **ops, int *n_ops);

/* "<prog>: <what>; see ... --help" and the usage on stderr; EXIT_USAGE. */
int cred_args_misuse(const struct cred_verb *v, const char *what);

/*
 * What follows the verb in its usage line: "[--opt ARG] [--flag] OPERANDS"
 * (cut to len - 1 bytes).  Returns buf.
 */
const char *cred_args_synopsis(const struct cred_verb *v, char *buf, size_t len);

/* The one usage line, to f. */
void cred_args_usage(FILE *f, const struct cred_verb *v);

#endif
