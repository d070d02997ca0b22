/*
 * gitconfig.c - git's configuration without running git (gitconfig.h).
 *
 * The rules come from git-config(1), git-rev-parse(1) ("GIT_DIR",
 * "GIT_CEILING_DIRECTORIES"), gitrepository-layout(5) and git(1)'s
 * environment section.  Where a rule is subtle, the comment says what
 * git does and why we match it, or why we hand the case back to git.
 */
#include "gitconfig/gitconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- ASCII classes as git has them (not the locale's) ---- */

/* git's isspace: space, tab, LF, CR (not VT or FF) */
static int g_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int g_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int g_digit(int c) { return c >= '0' && c <= '9'; }
static int g_keychar(int c) { return g_alpha(c) || g_digit(c) || c == '-'; }
static int g_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* ---- a growing string ---- */

struct str {
	char *p;
	size_t len, cap;
};

static int str_addc(struct str *s, int c)
{
	if (s->len + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char *p = realloc(s->p, cap);

		if (p == NULL)
			return -1;
		s->p = p;
		s->cap = cap;
	}
	s->p[s->len++] = (char)c;
	s->p[s->len] = '\0';
	return 0;
}

static int str_add(struct str *s, const char *a, size_t n)
{
	if (s->p == NULL) {
		if ((s->p = malloc(64)) == NULL)
			return -1;
		s->cap = 64;
		s->len = 0;
		s->p[0] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if (str_addc(s, (unsigned char)a[i]) != 0)
			return -1;
	return 0;
}

static int str_adds(struct str *s, const char *a)
{
	return str_add(s, a, strlen(a));
}

static void str_setlen(struct str *s, size_t n)
{
	s->len = n;
	if (s->p != NULL)
		s->p[n] = '\0';
}

static void str_free(struct str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
}

/* a + b + c as a new string, or NULL */
static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *r = malloc(la + lb + lc + 1);

	if (r == NULL)
		return NULL;
	memcpy(r, a, la);
	memcpy(r + la, b, lb);
	memcpy(r + la + lb, c, lc + 1);
	return r;
}

/* ---- the result list ---- */

static int add_entry(struct gitconfig *gc, const char *name, const char *value)
{
	struct gitconfig_entry *e;

	if (gc->n == gc->cap) {
		size_t cap = gc->cap ? gc->cap * 2 : 16;

		if ((e = realloc(gc->e, cap * sizeof(*e))) == NULL)
			return GITCONFIG_ERR_NOMEM;
		gc->e = e;
		gc->cap = cap;
	}
	e = &gc->e[gc->n];
	if ((e->name = strdup(name)) == NULL)
		return GITCONFIG_ERR_NOMEM;
	e->value = NULL;
	if (value != NULL && (e->value = strdup(value)) == NULL) {
		free(e->name);
		return GITCONFIG_ERR_NOMEM;
	}
	gc->n++;
	return GITCONFIG_OK;
}

void gitconfig_free(struct gitconfig *gc)
{
	if (gc == NULL)
		return;
	for (size_t i = 0; i < gc->n; i++) {
		free(gc->e[i].name);
		free(gc->e[i].value);
	}
	free(gc->e);
	gc->e = NULL;
	gc->n = gc->cap = 0;
}

const char *gitconfig_get(const struct gitconfig *gc, const char *name, int *found)
{
	*found = 0;
	for (size_t i = gc->n; i-- > 0;) {
		if (strcmp(gc->e[i].name, name) == 0) {
			*found = 1;
			return gc->e[i].value;
		}
	}
	return NULL;
}

int gitconfig_bool(const char *v)
{
	size_t i = 0;

	if (v == NULL)
		return 1;
	if (*v == '\0')
		return 0;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
		return 1;
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
		return 0;
	/* an integer counts too; only plain decimal is taken here (git also
	 * reads 0x.. and unit suffixes: those are "not a boolean" to us) */
	if (v[0] == '-' || v[0] == '+')
		i = 1;
	if (v[i] == '\0' || strlen(v + i) > 9)
		return -1;
	for (size_t j = i; v[j]; j++)
		if (!g_digit((unsigned char)v[j]))
			return -1;
	return strtol(v, NULL, 10) != 0;
}

const char *gitconfig_strerror(int code)
{
	switch (code) {
	case GITCONFIG_OK: return "no error";
	case GITCONFIG_ERR_NOMEM: return "out of memory";
	case GITCONFIG_ERR_IO: return "a configuration file cannot be read";
	case GITCONFIG_ERR_SYNTAX: return "a configuration file has a syntax error";
	case GITCONFIG_ERR_UNSUPPORTED: return "the configuration uses a form only git evaluates";
	case GITCONFIG_ERR_ENV: return "the environment sets configuration only git evaluates";
	case GITCONFIG_ERR_REPO: return "the repository is one only git can judge";
	case GITCONFIG_ERR_TOO_LARGE: return "a configuration file is too large";
	case GITCONFIG_ERR_DEPTH: return "includes are nested too deeply";
	default: return "unknown error";
	}
}

int gitconfig_canonical_key(const char *key, char *out, size_t cap)
{
	const char *last = strrchr(key, '.'), *first = strchr(key, '.');
	size_t n = strlen(key), base, fst;

	/* a section, a dot, and a key that starts with a letter */
	if (last == NULL || last == key || first == key || last[1] == '\0' || n >= cap)
		return -1;
	base = (size_t)(last - key);
	fst = (size_t)(first - key);
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)key[i];

		if (i < fst || i > base) {
			if (!g_keychar(c) || (i == base + 1 && !g_alpha(c)))
				return -1;
			c = g_lower(c);
		} else if (c == '\n') {
			return -1;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

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

/* ---- the reading context ---- */

struct repo {
	int have;
	char *gitdir;		/* absolute, as found */
	char *commondir;	/* absolute */
	char *real;		/* realpath of gitdir: what git matches first */
	char *alt[2];		/* the absolute spellings git may match next */
	int worktree_config;	/* extensions.worktreeConfig */
};

struct rd {
	struct gitconfig *gc;
	gitconfig_want_fn want;
	void *arg;
	const struct repo *repo;
	int no_includes;
};

static int parse_text(struct rd *rd, const char *text, size_t len,
		      const char *path, int depth);

/* Read a whole file.  1 when it does not exist (git skips it). */
static int slurp(const char *path, char **out, size_t *len)
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

static int parse_file(struct rd *rd, const char *path, int depth)
{
	char *buf;
	size_t len;
	int r = slurp(path, &buf, &len);

	if (r == 1)
		return GITCONFIG_OK;
	if (r != 0)
		return r;
	r = parse_text(rd, buf, len, path, depth);
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
	*out = cat3(home, "", in + 1);
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
		if (str_add(&pat, real, prefix - 1) != 0 || str_adds(&pat, cond + 1) != 0)
			goto out;
	} else {
		r = GITCONFIG_ERR_NOMEM;
		if ((cond[0] != '/' && str_adds(&pat, "**/") != 0) || str_adds(&pat, cond) != 0)
			goto out;
	}
	if (pat.len > 0 && pat.p[pat.len - 1] == '/' && str_adds(&pat, "**") != 0)
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
	str_free(&pat);
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
		if ((full = cat3(dir, "", p)) == NULL)
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
	r = parse_file(rd, p, depth + 1);
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

static int on_entry(struct rd *rd, const char *name, const char *value,
		    int ambiguous, const char *path, int depth)
{
	int keep = rd->want == NULL || rd->want(name, rd->arg);
	int inc = !rd->no_includes && is_include(name);
	int r;

	if (ambiguous && (keep || inc))
		return GITCONFIG_ERR_UNSUPPORTED;
	if (keep && (r = add_entry(rd->gc, name, value)) != GITCONFIG_OK)
		return r;
	return inc ? do_include(rd, name, value, path, depth) : GITCONFIG_OK;
}

/* ---- the parser: git-config(1), "CONFIGURATION FILE" ---- */

struct src {
	const char *p;
	size_t len, pos;
	int eof;
	int bad;	/* a NUL byte: left to git */
};

/* The next character; CR LF reads as LF; the end of the text reads as
 * an endless run of LF with eof set. */
static int next_char(struct src *s)
{
	int c;

	if (s->pos >= s->len) {
		s->eof = 1;
		return '\n';
	}
	c = (unsigned char)s->p[s->pos++];
	if (c == '\0')
		s->bad = 1;
	if (c == '\r' && s->pos < s->len && s->p[s->pos] == '\n') {
		s->pos++;
		c = '\n';
	}
	return c;
}

/* [section], [section.sub] (lowercased), [section "sub"] (as written) */
static int section_header(struct src *s, struct str *var)
{
	int c;

	for (;;) {
		c = next_char(s);
		if (s->eof)
			return -1;
		if (c == ']')
			return 0;
		if (g_space(c))
			break;
		if (!g_keychar(c) && c != '.')
			return -1;
		if (str_addc(var, g_lower(c)) != 0)
			return -2;
	}
	/* the quoted subsection */
	do {
		if (c == '\n')
			return -1;
		c = next_char(s);
	} while (g_space(c));
	if (c != '"' || str_addc(var, '.') != 0)
		return c != '"' ? -1 : -2;
	for (;;) {
		c = next_char(s);
		if (c == '\n')
			return -1;
		if (c == '"')
			break;
		if (c == '\\') {
			c = next_char(s);	/* any character stands for itself */
			if (c == '\n')
				return -1;
		}
		if (str_addc(var, c) != 0)
			return -2;
	}
	return next_char(s) == ']' ? 0 : -1;
}

/* The value after '='.  *ambiguous: unquoted white space other than
 * plain spaces inside the value, which git before 2.45 turned into
 * spaces and later git keeps. */
static int parse_value(struct src *s, struct str *val, int *ambiguous)
{
	int quote = 0, comment = 0, trimming = 0, odd = 0;
	size_t trim_len = 0;

	str_setlen(val, 0);
	if (str_add(val, "", 0) != 0)
		return -2;
	for (;;) {
		int c = next_char(s);

		if (c == '\n') {
			if (quote)
				return -1;
			if (trimming)
				str_setlen(val, trim_len);
			return 0;
		}
		if (comment)
			continue;
		if (g_space(c) && !quote) {
			if (val->len == 0)
				continue;	/* leading white space */
			if (!trimming) {
				trimming = 1;
				trim_len = val->len;
				odd = 0;
			}
			if (c != ' ')
				odd = 1;
			if (str_addc(val, c) != 0)
				return -2;
			continue;
		}
		if (!quote && (c == ';' || c == '#')) {
			comment = 1;
			continue;
		}
		if (trimming) {
			trimming = 0;
			if (odd)
				*ambiguous = 1;
		}
		if (c == '\\') {
			c = next_char(s);
			switch (c) {
			case '\n':
				continue;	/* continuation line (or the end) */
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'n': c = '\n'; break;
			case '\\': case '"': break;
			default: return -1;	/* unknown escape */
			}
			if (str_addc(val, c) != 0)
				return -2;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		if (str_addc(val, c) != 0)
			return -2;
	}
}

static int parse_text(struct rd *rd, const char *text, size_t len,
		      const char *path, int depth)
{
	struct src s = { text, len, 0, 0, 0 };
	struct str var = { 0 }, val = { 0 };
	size_t baselen = 0;
	int comment = 0, r = GITCONFIG_OK;

	/* a UTF-8 byte order mark is skipped */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		s.pos = 3;
	if (memchr(text, '\0', len) != NULL)
		return GITCONFIG_ERR_UNSUPPORTED;
	if (str_add(&var, "", 0) != 0)
		return GITCONFIG_ERR_NOMEM;
	for (;;) {
		int c = next_char(&s), amb = 0, hv;

		if (c == '\n') {
			if (s.eof)
				break;
			comment = 0;
			continue;
		}
		if (comment || g_space(c))
			continue;
		if (c == '#' || c == ';') {
			comment = 1;
			continue;
		}
		if (c == '[') {
			str_setlen(&var, 0);
			if ((hv = section_header(&s, &var)) < 0 || var.len < 1) {
				r = hv == -2 ? GITCONFIG_ERR_NOMEM : GITCONFIG_ERR_SYNTAX;
				break;
			}
			if (str_addc(&var, '.') != 0) {
				r = GITCONFIG_ERR_NOMEM;
				break;
			}
			baselen = var.len;
			continue;
		}
		if (!g_alpha(c)) {
			r = GITCONFIG_ERR_SYNTAX;
			break;
		}
		/* a key: letters, digits and '-', then '=' and a value, or
		 * the end of the line (a boolean true, value NULL) */
		str_setlen(&var, baselen);
		if (str_addc(&var, g_lower(c)) != 0) {
			r = GITCONFIG_ERR_NOMEM;
			break;
		}
		for (;;) {
			c = next_char(&s);
			if (s.eof || !g_keychar(c))
				break;
			if (str_addc(&var, g_lower(c)) != 0) {
				r = GITCONFIG_ERR_NOMEM;
				goto out;
			}
		}
		while (c == ' ' || c == '\t')
			c = next_char(&s);
		if (c == '\n') {
			r = on_entry(rd, var.p, NULL, 0, path, depth);
		} else if (c != '=') {
			r = GITCONFIG_ERR_SYNTAX;
		} else if ((hv = parse_value(&s, &val, &amb)) < 0) {
			r = hv == -2 ? GITCONFIG_ERR_NOMEM : GITCONFIG_ERR_SYNTAX;
		} else {
			r = on_entry(rd, var.p, val.p, amb, path, depth);
		}
		if (r != GITCONFIG_OK)
			break;
		if (s.eof)
			break;
	}
out:
	str_free(&var);
	str_free(&val);
	return r;
}

int gitconfig_parse(struct gitconfig *gc, const char *text, size_t len,
		    const char *path, gitconfig_want_fn want, void *arg)
{
	struct rd rd = { gc, want, arg, NULL, 0 };
	int r = parse_text(&rd, text, len, path, 0);

	if (r != GITCONFIG_OK)
		gitconfig_free(gc);
	return r;
}

/* ---- GIT_CONFIG_COUNT and GIT_CONFIG_PARAMETERS ---- */

static int env_pair(struct rd *rd, const char *key, const char *value)
{
	char canon[1024];

	if (gitconfig_canonical_key(key, canon, sizeof(canon)) != 0)
		return GITCONFIG_ERR_ENV;	/* git: invalid key, dies */
	return on_entry(rd, canon, value, 0, NULL, 0);
}

static int env_count(struct rd *rd)
{
	const char *v = getenv("GIT_CONFIG_COUNT");
	long n = 0;

	if (v == NULL)
		return GITCONFIG_OK;
	for (const char *p = v; *p; p++)
		if (!g_digit((unsigned char)*p))
			return GITCONFIG_ERR_ENV;
	if (strlen(v) > 4)
		return GITCONFIG_ERR_ENV;
	if (*v)
		n = strtol(v, NULL, 10);
	for (long i = 0; i < n; i++) {
		char kn[40], vn[40];
		const char *key, *val;
		int r;

		snprintf(kn, sizeof(kn), "GIT_CONFIG_KEY_%ld", i);
		snprintf(vn, sizeof(vn), "GIT_CONFIG_VALUE_%ld", i);
		key = getenv(kn);
		val = getenv(vn);
		if (key == NULL || val == NULL || *key == '\0')
			return GITCONFIG_ERR_ENV;
		if ((r = env_pair(rd, key, val)) != GITCONFIG_OK)
			return r;
	}
	return GITCONFIG_OK;
}

/* One shell-single-quoted word at *pp into out; *pp moves past it.
 * The quoting git writes: 'text', with ' and ! written as '\'' '\!'. */
static int sq_word(const char **pp, struct str *out)
{
	const char *p = *pp;

	str_setlen(out, 0);
	if (str_add(out, "", 0) != 0)
		return GITCONFIG_ERR_NOMEM;
	if (*p != '\'')
		return GITCONFIG_ERR_ENV;
	for (;;) {
		char c = *++p;

		if (c == '\0')
			return GITCONFIG_ERR_ENV;
		if (c != '\'') {
			if (str_addc(out, c) != 0)
				return GITCONFIG_ERR_NOMEM;
			continue;
		}
		if (p[1] == '\\' && (p[2] == '\'' || p[2] == '!') && p[3] == '\'') {
			if (str_addc(out, p[2]) != 0)
				return GITCONFIG_ERR_NOMEM;
			p += 3;
			continue;
		}
		*pp = p + 1;
		return GITCONFIG_OK;
	}
}

static int env_parameters(struct rd *rd)
{
	const char *p = getenv("GIT_CONFIG_PARAMETERS");
	struct str key = { 0 }, val = { 0 };
	int r = GITCONFIG_OK;

	if (p == NULL)
		return GITCONFIG_OK;
	while (*p) {
		if ((r = sq_word(&p, &key)) != GITCONFIG_OK)
			break;
		if (*p == '\0' || g_space((unsigned char)*p)) {
			/* the old form 'key=value' ('key' alone: no value) */
			char *eq = strchr(key.p, '=');

			if (eq != NULL)
				*eq = '\0';
			r = *key.p ? env_pair(rd, key.p, eq ? eq + 1 : NULL) : GITCONFIG_ERR_ENV;
		} else if (*p == '=') {
			/* 'key'='value', or 'key'= for a boolean */
			p++;
			if (*p == '\'') {
				if ((r = sq_word(&p, &val)) != GITCONFIG_OK)
					break;
				if (*p != '\0' && !g_space((unsigned char)*p)) {
					r = GITCONFIG_ERR_ENV;
					break;
				}
				r = *key.p ? env_pair(rd, key.p, val.p) : GITCONFIG_ERR_ENV;
			} else if (*p == '\0' || g_space((unsigned char)*p)) {
				r = *key.p ? env_pair(rd, key.p, NULL) : GITCONFIG_ERR_ENV;
			} else {
				r = GITCONFIG_ERR_ENV;
			}
		} else {
			r = GITCONFIG_ERR_ENV;
		}
		if (r != GITCONFIG_OK)
			break;
		while (g_space((unsigned char)*p))
			p++;
	}
	str_free(&key);
	str_free(&val);
	return r;
}

/* ---- finding the repository, as setup.c does ---- */

static int owned(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_uid == geteuid();
}

static char *read_small(const char *path)
{
	char *buf;
	size_t len;

	if (slurp(path, &buf, &len) != 0)
		return NULL;
	if (len > 4096 || memchr(buf, '\0', len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_digit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return 0;
	return 1;
}

/* Is DIR a git directory?  1 surely, 0 surely not (no HEAD), -1 in doubt.
 * *common gets its common directory (realpath) when 1. */
static int git_directory(const char *dir, char **common)
{
	char *head = cat3(dir, "/", "HEAD"), *buf = NULL, *cf = NULL, *cd = NULL;
	char *objs = NULL, *refs = NULL;
	struct stat st;
	int r = -1;

	*common = NULL;
	if (head == NULL)
		return -1;
	if (lstat(head, &st) != 0) {
		r = errno == ENOENT || errno == ENOTDIR ? 0 : -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (buf = read_small(head)) == NULL)
		goto out;
	if (!(strncmp(buf, "ref: refs/", 10) == 0 ||
	      (strlen(buf) >= 40 && is_hex(buf, 40))))
		goto out;
	if ((cf = cat3(dir, "/", "commondir")) == NULL)
		goto out;
	if (lstat(cf, &st) == 0) {
		char *c = read_small(cf), *joined;
		size_t n;

		if (c == NULL)
			goto out;
		n = strlen(c);
		while (n > 0 && (c[n - 1] == '\n' || c[n - 1] == '\r'))
			c[--n] = '\0';
		joined = n == 0 ? NULL : c[0] == '/' ? cat3(c, "", "") : cat3(dir, "/", c);
		free(c);
		if (joined == NULL)
			goto out;
		cd = realpath(joined, NULL);
		free(joined);
	} else if (errno == ENOENT) {
		cd = realpath(dir, NULL);
	}
	if (cd == NULL)
		goto out;
	if ((objs = cat3(cd, "/", "objects")) == NULL || (refs = cat3(cd, "/", "refs")) == NULL)
		goto out;
	if (access(objs, X_OK) != 0 || access(refs, X_OK) != 0)
		goto out;
	*common = cd;
	cd = NULL;
	r = 1;
out:
	free(head);
	free(buf);
	free(cf);
	free(cd);
	free(objs);
	free(refs);
	return r;
}

/* "gitdir: PATH" in the .git file at FILE: the git directory's realpath */
static int read_gitfile(const char *file, char **gitdir)
{
	char *buf = read_small(file), *dir = NULL, *slash;
	size_t n;
	int r = GITCONFIG_ERR_REPO;

	*gitdir = NULL;
	if (buf == NULL || strncmp(buf, "gitdir: ", 8) != 0)
		goto out;
	n = strlen(buf);
	while (n > 8 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 8)
		goto out;
	if (buf[8] == '/') {
		dir = strdup(buf + 8);
	} else {
		char *base = strdup(file);

		if (base == NULL)
			goto out;
		slash = strrchr(base, '/');
		slash[1] = '\0';
		dir = cat3(base, "", buf + 8);
		free(base);
	}
	if (dir == NULL)
		goto out;
	if ((*gitdir = realpath(dir, NULL)) == NULL)
		goto out;
	r = GITCONFIG_OK;
out:
	free(buf);
	free(dir);
	return r;
}

/* The physical directory git would use for relative paths: $PWD when it
 * names the same directory as getcwd(), else getcwd(). */
static char *pwd_cwd(const char *cwd)
{
	const char *pwd = getenv("PWD");
	struct stat a, b;

	if (pwd != NULL && pwd[0] == '/' && strcmp(pwd, cwd) != 0 &&
	    stat(cwd, &a) == 0 && stat(pwd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return strdup(pwd);
	return strdup(cwd);
}

/* GIT_CEILING_DIRECTORIES: the length of the longest entry that is a
 * proper ancestor of cwd, or -1. */
static int ceiling_length(const char *cwd, long *out)
{
	const char *env = getenv("GIT_CEILING_DIRECTORIES");
	long best = -1;

	*out = -1;
	if (env == NULL || strcmp(cwd, "/") == 0)
		return 0;
	while (*env) {
		const char *end = strchr(env, ':');
		size_t n = end ? (size_t)(end - env) : strlen(env);
		char *e, *real;

		/* an empty entry stops git from resolving the later ones */
		if (n == 0)
			return GITCONFIG_ERR_ENV;
		if (env[0] == '/') {
			if ((e = strndup(env, n)) == NULL)
				return GITCONFIG_ERR_NOMEM;
			real = realpath(e, NULL);
			free(e);
			if (real != NULL) {
				size_t l = strlen(real);

				if (l > 0 && real[l - 1] == '/')
					l--;
				if (strncmp(cwd, real, l) == 0 && cwd[l] == '/' && cwd[l + 1] &&
				    (long)l > best)
					best = (long)l;
				free(real);
			}
		}
		env += n;
		if (*env == ':')
			env++;
	}
	*out = best;
	return 0;
}

static void repo_free(struct repo *r)
{
	free(r->gitdir);
	free(r->commondir);
	free(r->real);
	free(r->alt[0]);
	free(r->alt[1]);
	memset(r, 0, sizeof(*r));
}

static int want_format(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "core.repositoryformatversion") == 0 ||
	       strncmp(name, "extensions.", 11) == 0;
}

/* The repository format git checks before it reads the repository's
 * config: versions 0 and 1 with the extensions every git knows. */
static int repo_format(struct repo *repo)
{
	struct gitconfig f = GITCONFIG_INIT;
	struct rd rd = { &f, want_format, NULL, NULL, 1 };
	char *path = cat3(repo->commondir, "/", "config"), *buf;
	size_t len;
	int r;

	if (path == NULL)
		return GITCONFIG_ERR_NOMEM;
	r = slurp(path, &buf, &len);
	free(path);
	if (r != 0)
		return r == 1 ? GITCONFIG_ERR_REPO : r;
	r = parse_text(&rd, buf, len, NULL, 0);
	free(buf);
	for (size_t i = 0; r == GITCONFIG_OK && i < f.n; i++) {
		const char *n = f.e[i].name, *v = f.e[i].value;

		if (strcmp(n, "core.repositoryformatversion") == 0) {
			if (v == NULL || (strcmp(v, "0") != 0 && strcmp(v, "1") != 0))
				r = GITCONFIG_ERR_REPO;
		} else if (strcmp(n, "extensions.worktreeconfig") == 0) {
			int b = gitconfig_bool(v);

			if (b < 0)
				r = GITCONFIG_ERR_REPO;
			else
				repo->worktree_config = b;
		} else if (strcmp(n, "extensions.noop") != 0 &&
			   strcmp(n, "extensions.preciousobjects") != 0 &&
			   strcmp(n, "extensions.partialclone") != 0) {
			r = GITCONFIG_ERR_REPO;	/* one git versions judge differently */
		}
	}
	gitconfig_free(&f);
	return r;
}

static int discover(struct repo *repo)
{
	char cwd[PATH_MAX];
	const char *gd = getenv("GIT_DIR");
	char *dir = NULL, *p = NULL, *common = NULL, *gitdir = NULL, *pc = NULL;
	long ceil;
	int r, g;
	struct stat st;
	dev_t dev;

	memset(repo, 0, sizeof(*repo));
	if (getenv("GIT_COMMON_DIR") || getenv("GIT_OBJECT_DIRECTORY") ||
	    getenv("GIT_WORK_TREE") || getenv("GIT_DISCOVERY_ACROSS_FILESYSTEM"))
		return GITCONFIG_ERR_ENV;
	if (getcwd(cwd, sizeof(cwd)) == NULL || cwd[0] != '/')
		return GITCONFIG_ERR_REPO;
	if (gd != NULL) {
		/* GIT_DIR: that directory (or the one its .git file names) */
		if (*gd == '\0')
			return GITCONFIG_ERR_ENV;
		if (stat(gd, &st) != 0)
			return GITCONFIG_ERR_REPO;
		if (S_ISREG(st.st_mode)) {
			if ((r = read_gitfile(gd, &gitdir)) != GITCONFIG_OK)
				return r;
		} else if ((gitdir = strdup(gd)) == NULL) {
			return GITCONFIG_ERR_NOMEM;
		}
		if (git_directory(gitdir, &common) != 1) {
			r = GITCONFIG_ERR_REPO;
			goto out;
		}
		r = GITCONFIG_ERR_NOMEM;
		if ((repo->real = realpath(gitdir, NULL)) == NULL) {
			r = GITCONFIG_ERR_REPO;
			goto out;
		}
		if (!S_ISREG(st.st_mode) && gd[0] != '/') {
			if ((pc = pwd_cwd(cwd)) == NULL ||
			    (repo->alt[0] = cat3(pc, "/", gd)) == NULL)
				goto out;
		}
		repo->gitdir = gitdir;
		gitdir = NULL;
		goto found;
	}

	if ((r = ceiling_length(cwd, &ceil)) != 0)
		return r;
	if (stat(cwd, &st) != 0)
		return GITCONFIG_ERR_REPO;
	dev = st.st_dev;
	r = GITCONFIG_ERR_NOMEM;
	if ((dir = strdup(cwd)) == NULL)
		goto out;
	for (;;) {
		long off = (long)strlen(dir);

		free(p);
		if ((p = cat3(strcmp(dir, "/") ? dir : "", "/", ".git")) == NULL)
			goto out;
		if (stat(p, &st) == 0) {
			if (S_ISREG(st.st_mode)) {
				/* a worktree or submodule: .git names the git directory */
				if ((r = read_gitfile(p, &gitdir)) != GITCONFIG_OK)
					goto out;
				r = GITCONFIG_ERR_REPO;
				if (git_directory(gitdir, &common) != 1 ||
				    !owned(p) || !owned(dir) || !owned(gitdir))
					goto out;
				if ((repo->real = strdup(gitdir)) == NULL) {
					r = GITCONFIG_ERR_NOMEM;
					goto out;
				}
			} else {
				r = GITCONFIG_ERR_REPO;
				if (!S_ISDIR(st.st_mode) || git_directory(p, &common) != 1 ||
				    !owned(dir) || !owned(p))
					goto out;
				gitdir = p;
				p = NULL;
				r = GITCONFIG_ERR_NOMEM;
				if ((repo->real = realpath(gitdir, NULL)) == NULL) {
					r = GITCONFIG_ERR_REPO;
					goto out;
				}
				/* git uses ".git" relative to the top; made
				 * absolute with $PWD when that is the top */
				if ((repo->alt[0] = strdup(gitdir)) == NULL)
					goto out;
				if (strcmp(dir, cwd) == 0) {
					if ((pc = pwd_cwd(cwd)) == NULL ||
					    (repo->alt[1] = cat3(pc, "/", ".git")) == NULL)
						goto out;
				}
			}
			repo->gitdir = gitdir;
			gitdir = NULL;
			goto found;
		} else if (errno != ENOENT && errno != ENOTDIR) {
			r = GITCONFIG_ERR_REPO;
			goto out;
		}
		/* a bare repository, or inside a git directory: left to git
		 * (safe.bareRepository, and git versions differ here) */
		g = git_directory(dir, &common);
		free(common);
		common = NULL;
		if (g != 0) {
			r = GITCONFIG_ERR_REPO;
			goto out;
		}
		/* up one level, unless that is the ceiling, the root, or
		 * another file system */
		if (off <= 1)
			break;
		while (--off > ceil && dir[off] != '/')
			;
		if (off <= ceil)
			break;
		dir[off > 1 ? off : 1] = '\0';
		if (stat(dir, &st) != 0) {
			r = GITCONFIG_ERR_REPO;
			goto out;
		}
		if (st.st_dev != dev)
			break;
	}
	r = GITCONFIG_OK;	/* no repository */
	goto out;
found:
	repo->have = 1;
	repo->commondir = common;
	common = NULL;
	if ((r = repo_format(repo)) != GITCONFIG_OK)
		goto out;
	r = GITCONFIG_OK;
out:
	free(dir);
	free(p);
	free(common);
	free(gitdir);
	free(pc);
	if (r != GITCONFIG_OK)
		repo_free(repo);
	return r;
}

/* ---- the whole sequence ---- */

static int top_file(struct rd *rd, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return GITCONFIG_OK;	/* git's access("") fails: nothing read */
	if (path[0] != '/')
		return GITCONFIG_ERR_ENV;	/* relative to git's own cwd */
	return parse_file(rd, path, 0);
}

static int top_file2(struct rd *rd, const char *a, const char *b)
{
	char *p;
	int r;

	if (a == NULL)
		return GITCONFIG_OK;
	if ((p = cat3(a, "", b)) == NULL)
		return GITCONFIG_ERR_NOMEM;
	r = top_file(rd, p);
	free(p);
	return r;
}

int gitconfig_read(struct gitconfig *gc, gitconfig_want_fn want, void *arg)
{
	struct repo repo;
	struct rd rd = { gc, want, arg, &repo, 0 };
	const char *nosys = getenv("GIT_CONFIG_NOSYSTEM");
	const char *glob = getenv("GIT_CONFIG_GLOBAL");
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	int r, b = 0;

	/* GIT_CONFIG makes `git config` read that one file: git decides */
	if (getenv("GIT_CONFIG") != NULL)
		return GITCONFIG_ERR_ENV;
	if (nosys != NULL && (b = gitconfig_bool(nosys)) < 0)
		return GITCONFIG_ERR_ENV;
	if ((r = discover(&repo)) != GITCONFIG_OK)
		return r;
	if (!b) {
		const char *sys = getenv("GIT_CONFIG_SYSTEM");

		if ((r = top_file(&rd, sys ? sys : "/etc/gitconfig")) != GITCONFIG_OK)
			goto out;
	}
	if (glob != NULL) {
		if ((r = top_file(&rd, glob)) != GITCONFIG_OK)
			goto out;
	} else {
		if (xdg != NULL && *xdg)
			r = top_file2(&rd, xdg, "/git/config");
		else
			r = top_file2(&rd, home, "/.config/git/config");
		if (r != GITCONFIG_OK || (r = top_file2(&rd, home, "/.gitconfig")) != GITCONFIG_OK)
			goto out;
	}
	if (repo.have) {
		if ((r = top_file2(&rd, repo.commondir, "/config")) != GITCONFIG_OK)
			goto out;
		if (repo.worktree_config &&
		    (r = top_file2(&rd, repo.real, "/config.worktree")) != GITCONFIG_OK)
			goto out;
	}
	if ((r = env_count(&rd)) != GITCONFIG_OK)
		goto out;
	r = env_parameters(&rd);
out:
	repo_free(&repo);
	if (r != GITCONFIG_OK)
		gitconfig_free(gc);
	return r;
}
