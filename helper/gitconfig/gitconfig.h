/*
 * gitconfig.h - git's configuration, read the way `git config` reads it,
 * without running git.
 *
 * What it does: finds the files git would read and parses them with the
 * syntax of git-config(1), in git's order (system, XDG, ~/.gitconfig,
 * the repository's config, config.worktree, then GIT_CONFIG_COUNT /
 * GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n and GIT_CONFIG_PARAMETERS),
 * following include.path and includeIf "gitdir:" / "gitdir/i:".  The
 * entries come back in that order with git's canonical names (section
 * and key lowercased, a quoted subsection as written), so the last one
 * of a name is what `git config --get` answers and all of them are what
 * `git config --get-all` answers.
 *
 * What it touches: the environment (HOME, XDG_CONFIG_HOME, GIT_DIR,
 * GIT_CONFIG_*, GIT_CEILING_DIRECTORIES, PWD), the working directory
 * (to find the repository as git does), and the configuration files,
 * read-only.  No global state; nothing is cached between calls.
 *
 * What it never does: run a program, print, write a file, or guess.
 * Whenever git's answer could differ from a plain reading -- a construct
 * this reader does not evaluate (includeIf "onbranch:" or "hasconfig:",
 * ~user, %(prefix)), a file git would fail on or that cannot be read,
 * a syntax error, a repository git might refuse (another owner, a bare
 * or unknown-format repository), a value whose white space older and
 * newer git versions read differently -- it returns a negative
 * GITCONFIG_ERR_* code and no entries; the caller then asks git once.
 */
#ifndef GCB_GITCONFIG_H
#define GCB_GITCONFIG_H

#include <stddef.h>

/* Files larger than this are left to git (no real config is). */
#define GITCONFIG_MAX_FILE	((size_t)1 << 20)
/* git's own limit on nested includes. */
#define GITCONFIG_MAX_DEPTH	10

enum {
	GITCONFIG_OK = 0,
	GITCONFIG_ERR_NOMEM = -1,
	GITCONFIG_ERR_IO = -2,		/* a file git would read cannot be read */
	GITCONFIG_ERR_SYNTAX = -3,	/* git would reject a line */
	GITCONFIG_ERR_UNSUPPORTED = -4,	/* a construct this reader does not evaluate */
	GITCONFIG_ERR_ENV = -5,		/* an environment variable git would refuse,
					   or one that changes what git reads (GIT_CONFIG) */
	GITCONFIG_ERR_REPO = -6,	/* the repository is not one git surely accepts */
	GITCONFIG_ERR_TOO_LARGE = -7,	/* a file over GITCONFIG_MAX_FILE */
	GITCONFIG_ERR_DEPTH = -8,	/* includes nested deeper than git allows */
};

struct gitconfig_entry {
	char *name;	/* canonical name, e.g. "bitbucket.datacenterhost" */
	char *value;	/* NULL for a key written without '=' (boolean true) */
};

struct gitconfig {
	struct gitconfig_entry *e;
	size_t n, cap;
};

#define GITCONFIG_INIT { NULL, 0, 0 }

/* Which entries to keep: nonzero keeps NAME.  NULL keeps all. */
typedef int (*gitconfig_want_fn)(const char *name, void *arg);

/*
 * Read every file git would read from the current directory and
 * environment into *gc (which must be GITCONFIG_INIT or freed).
 * GITCONFIG_OK, or a negative code with *gc left empty.
 */
int gitconfig_read(struct gitconfig *gc, gitconfig_want_fn want, void *arg);

/*
 * Parse one configuration text as if it were the file PATH (relative
 * includes are taken from PATH's directory; PATH NULL: includes must be
 * absolute).  includeIf "gitdir:" is false here, as for git outside a
 * repository.  For tests and for callers with their own text.
 */
int gitconfig_parse(struct gitconfig *gc, const char *text, size_t len,
		    const char *path, gitconfig_want_fn want, void *arg);

void gitconfig_free(struct gitconfig *gc);

/* The value `git config --get NAME` would print: the last entry's value,
 * or NULL with *found 0 when there is none.  NAME is canonical. */
const char *gitconfig_get(const struct gitconfig *gc, const char *name,
			  int *found);

/* git's boolean: 1 or 0, or -1 when VALUE is not one of the forms
 * (true/yes/on, false/no/off, empty, a decimal integer; NULL is true). */
int gitconfig_bool(const char *value);

/* Canonical form of a key as git-config(1) writes it on the command line
 * ("Section.Sub.Key" -> "section.Sub.key") into out; 0, or -1 when git
 * would call it an invalid key or it does not fit. */
int gitconfig_canonical_key(const char *key, char *out, size_t cap);

/* A phrase for a GITCONFIG_ERR_* code. */
const char *gitconfig_strerror(int code);

/* git's wildmatch with WM_PATHNAME (the gitdir: patterns): 1 match,
 * 0 no match, -1 a pattern this reader does not evaluate.  Exposed for
 * the unit tests. */
int gitconfig_wildmatch(const char *pattern, const char *text, int icase);

#endif
