/*
 * include.c - reading one file, and following include.path and
 * includeIf "gitdir:" / "gitdir/i:" as git-config(1) "INCLUDES" says;
 * gitdir: patterns match with git's wildmatch (WM_PATHNAME).
 */
#include "gitconfig/gitconfig-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- gitdir: pattern matching (git's wildmatch with WM_PATHNAME) ---- */

static int wm_eq(int a, int b, int icase)
{
	return icase ? g_lower(a) == g_lower(b) : a == b;
}

/* a bracket expression at p ('['); *end gets the char after ']'.
 * Only plain characters and ranges; classes, escapes and case folding
 * inside brackets are left to git. */
static int wm_bracket(const char *p, int tc, int icase, const char **end)
{
	int neg = 0, hit = 0;
	const char *q = p + 1;

	if (icase)
		return -1;
	if (*q == '!' || *q == '^') {
		neg = 1;
		q++;
	}
	for (int first = 1; first || *q != ']'; first = 0) {
		if (*q == '\0' || *q == '\\' || (*q == '[' && q[1] == ':'))
			return -1;
		if (q[1] == '-' && q[2] != ']' && q[2] != '\0') {
			if (q[2] == '\\' || (q[2] == '[' && q[3] == ':'))
				return -1;
			if ((unsigned char)q[0] <= tc && tc <= (unsigned char)q[2])
				hit = 1;
			q += 3;
		} else {
			if ((unsigned char)*q == tc)
				hit = 1;
			q++;
		}
	}
	*end = q + 1;
	if (tc == '/')
		return 0;
	return hit != neg;
}

static int wm(const char *start, const char *p, const char *t, int icase, long *budget)
{
	for (; *p; p++, t++) {
		int tc = (unsigned char)*t, r;
		const char *q;

		if (--*budget < 0)
			return -1;
		switch (*p) {
		case '\\':
			if (*++p == '\0')
				return -1;
			if (tc == '\0' || !wm_eq((unsigned char)*p, tc, icase))
				return 0;
			break;
		case '?':
			if (tc == '\0' || tc == '/')
				return 0;
			break;
		case '[':
			if (tc == '\0')
				return 0;
			if ((r = wm_bracket(p, tc, icase, &q)) <= 0)
				return r;
			p = q - 1;
			break;
		case '*': {
			int slash = 0;

			q = p + 1;
			if (*q == '*') {
				while (*q == '*')
					q++;
				if (p == start || p[-1] == '/') {
					if (*q == '\\')
						return -1;
					if (*q == '\0' || *q == '/') {
						/* "**" as a whole component: any number
						 * of directories, none included */
						if (*q == '/' && (r = wm(start, q + 1, t, icase, budget)) != 0)
							return r;
						slash = 1;
					}
				}
			}
			if (*q == '\0')
				return slash || strchr(t, '/') == NULL;
			for (;; t++) {
				if ((r = wm(start, q, t, icase, budget)) != 0)
					return r;
				if (*t == '\0' || (!slash && *t == '/'))
					return 0;
			}
		}
		default:
			if (tc == '\0' || !wm_eq((unsigned char)*p, tc, icase))
				return 0;
		}
	}
	return *t == '\0';
}

int gitconfig_wildmatch(const char *pattern, const char *text, int icase)
{
	long budget = 200000;

	return wm(pattern, pattern, text, icase, &budget);
}

/* Read a whole file.  1 when it does not exist (git skips it). */
int gcfg_slurp(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 : GITCONFIG_ERR_IO;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return GITCONFIG_ERR_IO;
	}
	if ((buf = malloc(GITCONFIG_MAX_FILE + 1)) == NULL) {
		close(fd);
		return GITCONFIG_ERR_NOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, GITCONFIG_MAX_FILE + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			free(buf);
			return GITCONFIG_ERR_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > GITCONFIG_MAX_FILE) {
			close(fd);
			free(buf);
			return GITCONFIG_ERR_TOO_LARGE;
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int gcfg_parse_file(struct rd *rd, const char *path, int depth)
{
	char *buf;
	size_t len;
	int r = gcfg_slurp(path, &buf, &len);

	if (r == 1)
		return GITCONFIG_OK;
	if (r != 0)
		return r;
	r = gcfg_parse_text(rd, buf, len, path, depth);
	free(buf);
	return r;
}

/* "~/..." with $HOME (real: its realpath, as git does for gitdir:) */
static int expand_home(const char *in, int real, char **out)
{
	const char *home = getenv("HOME");
	char *rh = NULL;

	*out = NULL;
	if (in[0] != '~')
		return 0;
	/* ~user and a bare ~ are left to git */
	if (in[1] != '/' || home == NULL)
		return GITCONFIG_ERR_UNSUPPORTED;
	if (real) {
		if ((rh = realpath(home, NULL)) == NULL)
			return GITCONFIG_ERR_UNSUPPORTED;
		home = rh;
	}
	*out = gcfg_cat3(home, "", in + 1);
	free(rh);
	return *out ? 0 : GITCONFIG_ERR_NOMEM;
}

/* Does the gitdir: pattern match?  1, 0, or a negative code. */
static int match_prefixed(const char *pat, size_t prefix, const char *text, int icase)
{
	if (strlen(text) < prefix)
		return 0;
	if (prefix && (icase ? strncasecmp(pat, text, prefix) : strncmp(pat, text, prefix)))
		return 0;
	return gitconfig_wildmatch(pat + prefix, text + prefix, icase);
}

static int gitdir_matches(struct rd *rd, const char *cond, int icase, const char *path)
{
	const struct repo *repo = rd->repo;
	struct str pat = { 0 };
	char *exp = NULL, *real = NULL;
	size_t prefix = 0;
	int r, m, alt = -1;

	if (repo == NULL || !repo->have)
		return 0;	/* git outside a repository: never true */
	if (strncmp(cond, "%(prefix)/", 10) == 0)
		return GITCONFIG_ERR_UNSUPPORTED;
	if ((r = expand_home(cond, 1, &exp)) != 0)
		return r;
	if (exp != NULL)
		cond = exp;
	if (cond[0] == '.' && cond[1] == '/') {
		char *slash;

		r = GITCONFIG_ERR_SYNTAX;	/* git: must come from a file */
		if (path == NULL)
			goto out;
		r = GITCONFIG_ERR_UNSUPPORTED;
		if ((real = realpath(path, NULL)) == NULL || (slash = strrchr(real, '/')) == NULL)
			goto out;
		prefix = (size_t)(slash - real) + 1;
		r = GITCONFIG_ERR_NOMEM;
		if (gcfg_str_add(&pat, real, prefix - 1) != 0 || gcfg_str_adds(&pat, cond + 1) != 0)
			goto out;
	} else {
		r = GITCONFIG_ERR_NOMEM;
		if ((cond[0] != '/' && gcfg_str_adds(&pat, "**/") != 0) || gcfg_str_adds(&pat, cond) != 0)
			goto out;
	}
	if (pat.len > 0 && pat.p[pat.len - 1] == '/' && gcfg_str_adds(&pat, "**") != 0)
		goto out;
	/* git matches the gitdir's realpath, then its absolute spelling */
	if ((r = m = match_prefixed(pat.p, prefix, repo->real, icase)) != 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		if (repo->alt[i] == NULL)
			continue;
		if ((m = match_prefixed(pat.p, prefix, repo->alt[i], icase)) < 0) {
			r = m;
			goto out;
		}
		if (alt >= 0 && alt != m) {
			r = GITCONFIG_ERR_UNSUPPORTED;	/* which one git has: ask git */
			goto out;
		}
		alt = m;
	}
	r = alt > 0;
out:
	gcfg_str_free(&pat);
	free(exp);
	free(real);
	return r;
}

/* include.path / includeIf.<cond>.path with VALUE, found in PATH */
static int do_include(struct rd *rd, const char *name, const char *value,
		      const char *path, int depth)
{
	char *exp = NULL, *full = NULL, *dir = NULL;
	const char *p;
	int r;

	if (strncmp(name, "includeif.", 10) == 0) {
		size_t cl = strlen(name) - 10 - 5;	/* minus "includeif." and ".path" */
		char *cond = strndup(name + 10, cl);
		const char *pc;
		int icase;

		if (cond == NULL)
			return GITCONFIG_ERR_NOMEM;
		if (strncmp(cond, "gitdir:", 7) == 0) {
			pc = cond + 7;
			icase = 0;
		} else if (strncmp(cond, "gitdir/i:", 9) == 0) {
			pc = cond + 9;
			icase = 1;
		} else {
			free(cond);	/* onbranch:, hasconfig:, and future ones */
			return GITCONFIG_ERR_UNSUPPORTED;
		}
		r = gitdir_matches(rd, pc, icase, path);
		free(cond);
		if (r <= 0)
			return r;
	}
	if (value == NULL)
		return GITCONFIG_ERR_SYNTAX;	/* git: "missing value for include.path" */
	if (value[0] == '\0' || strncmp(value, "%(prefix)/", 10) == 0)
		return GITCONFIG_ERR_UNSUPPORTED;
	if ((r = expand_home(value, 0, &exp)) != 0)
		return r;
	p = exp ? exp : value;
	if (p[0] != '/') {
		char *slash;

		r = GITCONFIG_ERR_SYNTAX;	/* git: relative includes must come from files */
		if (path == NULL)
			goto out;
		r = GITCONFIG_ERR_NOMEM;
		if ((dir = strdup(path)) == NULL)
			goto out;
		slash = strrchr(dir, '/');
		if (slash != NULL)
			slash[1] = '\0';
		else
			dir[0] = '\0';
		if ((full = gcfg_cat3(dir, "", p)) == NULL)
			goto out;
		p = full;
	}
	if (access(p, R_OK) != 0) {
		/* git skips a missing file and dies on any other failure */
		r = errno == ENOENT || errno == ENOTDIR ? GITCONFIG_OK : GITCONFIG_ERR_IO;
		goto out;
	}
	r = GITCONFIG_ERR_DEPTH;
	if (depth + 1 > GITCONFIG_MAX_DEPTH)
		goto out;
	r = gcfg_parse_file(rd, p, depth + 1);
out:
	free(exp);
	free(full);
	free(dir);
	return r;
}

static int is_include(const char *name)
{
	const char *last = strrchr(name, '.');

	if (strcmp(name, "include.path") == 0)
		return 1;
	/* includeIf needs a condition: "includeif.path" is an ordinary key */
	return strncmp(name, "includeif.", 10) == 0 && last > name + 9 &&
	       strcmp(last, ".path") == 0;
}

int gcfg_on_entry(struct rd *rd, const char *name, const char *value,
		    int ambiguous, const char *path, int depth)
{
	int keep = rd->want == NULL || rd->want(name, rd->arg);
	int inc = !rd->no_includes && is_include(name);
	int r;

	if (ambiguous && (keep || inc))
		return GITCONFIG_ERR_UNSUPPORTED;
	if (keep && (r = gcfg_add_entry(rd->gc, name, value)) != GITCONFIG_OK)
		return r;
	return inc ? do_include(rd, name, value, path, depth) : GITCONFIG_OK;
}
