/*
 * gitconfig-int.h - what the three parts of the git-config reader share;
 * private to helper/gitconfig/ (the public contract is gitconfig.h).
 *
 *   parse.c    the syntax of git-config(1) and the result list
 *   include.c  reading a file, include.path and includeIf "gitdir:"
 *   read.c     the files in git's order, the environment, and finding
 *              the repository as git does
 */
#ifndef GCB_GITCONFIG_INT_H
#define GCB_GITCONFIG_INT_H

#include <stddef.h>

#include "gitconfig/gitconfig.h"

/* ---- ASCII classes as git has them (not the locale's) ---- */

/* git's isspace: space, tab, LF, CR (not VT or FF) */
static inline int g_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static inline int g_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int g_digit(int c) { return c >= '0' && c <= '9'; }
static inline int g_keychar(int c) { return g_alpha(c) || g_digit(c) || c == '-'; }
static inline int g_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* ---- a growing string (parse.c) ---- */

struct str {
	char *p;
	size_t len, cap;
};

int gcfg_str_addc(struct str *s, int c);
int gcfg_str_add(struct str *s, const char *a, size_t n);
int gcfg_str_adds(struct str *s, const char *a);
void gcfg_str_setlen(struct str *s, size_t n);
void gcfg_str_free(struct str *s);
/* a + b + c as a new string, or NULL */
char *gcfg_cat3(const char *a, const char *b, const char *c);

/* ---- the reading context ---- */

/* The repository git would use (read.c finds it). */

struct repo {
	int have;
	char *gitdir;		/* absolute, as found */
	char *commondir;	/* absolute */
	char *real;		/* realpath of gitdir: what git matches first */
	char *alt[2];		/* the absolute spellings git may match next */
	int worktree_config;	/* extensions.worktreeConfig */
};

/* One reading: where entries go, which are kept, and the repository. */
struct rd {
	struct gitconfig *gc;
	gitconfig_want_fn want;
	void *arg;
	const struct repo *repo;
	int no_includes;
};

/* parse.c: one entry for the result list */
int gcfg_add_entry(struct gitconfig *gc, const char *name, const char *value);
/* parse.c: a file's text (path NULL for text from no file) */
int gcfg_parse_text(struct rd *rd, const char *text, size_t len,
		    const char *path, int depth);

/* include.c: a whole file; 1 when it does not exist (git skips it) */
int gcfg_slurp(const char *path, char **out, size_t *len);
/* include.c: a file, parsed; one that does not exist reads as empty */
int gcfg_parse_file(struct rd *rd, const char *path, int depth);
/* include.c: one entry parsed: kept if wanted, followed if an include */
int gcfg_on_entry(struct rd *rd, const char *name, const char *value,
		  int ambiguous, const char *path, int depth);

#endif
