/*
 * parse.c - the syntax of git-config(1) ("CONFIGURATION FILE"), the
 * growing string the reader builds names and values in, and the result
 * list (gitconfig.h).
 */
#include "gitconfig/gitconfig-int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a growing string ---- */

int gcfg_str_addc(struct str *s, int c)
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

int gcfg_str_add(struct str *s, const char *a, size_t n)
{
	if (s->p == NULL) {
		if ((s->p = malloc(64)) == NULL)
			return -1;
		s->cap = 64;
		s->len = 0;
		s->p[0] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		if (gcfg_str_addc(s, (unsigned char)a[i]) != 0)
			return -1;
	return 0;
}

int gcfg_str_adds(struct str *s, const char *a)
{
	return gcfg_str_add(s, a, strlen(a));
}

void gcfg_str_setlen(struct str *s, size_t n)
{
	s->len = n;
	if (s->p != NULL)
		s->p[n] = '\0';
}

void gcfg_str_free(struct str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
}

char *gcfg_cat3(const char *a, const char *b, const char *c)
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

int gcfg_add_entry(struct gitconfig *gc, const char *name, const char *value)
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
		if (gcfg_str_addc(var, g_lower(c)) != 0)
			return -2;
	}
	/* the quoted subsection */
	do {
		if (c == '\n')
			return -1;
		c = next_char(s);
	} while (g_space(c));
	if (c != '"' || gcfg_str_addc(var, '.') != 0)
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
		if (gcfg_str_addc(var, c) != 0)
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

	gcfg_str_setlen(val, 0);
	if (gcfg_str_add(val, "", 0) != 0)
		return -2;
	for (;;) {
		int c = next_char(s);

		if (c == '\n') {
			if (quote)
				return -1;
			if (trimming)
				gcfg_str_setlen(val, trim_len);
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
			if (gcfg_str_addc(val, c) != 0)
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
			if (gcfg_str_addc(val, c) != 0)
				return -2;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		if (gcfg_str_addc(val, c) != 0)
			return -2;
	}
}

int gcfg_parse_text(struct rd *rd, const char *text, size_t len,
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
	if (gcfg_str_add(&var, "", 0) != 0)
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
			gcfg_str_setlen(&var, 0);
			if ((hv = section_header(&s, &var)) < 0 || var.len < 1) {
				r = hv == -2 ? GITCONFIG_ERR_NOMEM : GITCONFIG_ERR_SYNTAX;
				break;
			}
			if (gcfg_str_addc(&var, '.') != 0) {
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
		gcfg_str_setlen(&var, baselen);
		if (gcfg_str_addc(&var, g_lower(c)) != 0) {
			r = GITCONFIG_ERR_NOMEM;
			break;
		}
		for (;;) {
			c = next_char(&s);
			if (s.eof || !g_keychar(c))
				break;
			if (gcfg_str_addc(&var, g_lower(c)) != 0) {
				r = GITCONFIG_ERR_NOMEM;
				goto out;
			}
		}
		while (c == ' ' || c == '\t')
			c = next_char(&s);
		if (c == '\n') {
			r = gcfg_on_entry(rd, var.p, NULL, 0, path, depth);
		} else if (c != '=') {
			r = GITCONFIG_ERR_SYNTAX;
		} else if ((hv = parse_value(&s, &val, &amb)) < 0) {
			r = hv == -2 ? GITCONFIG_ERR_NOMEM : GITCONFIG_ERR_SYNTAX;
		} else {
			r = gcfg_on_entry(rd, var.p, val.p, amb, path, depth);
		}
		if (r != GITCONFIG_OK)
			break;
		if (s.eof)
			break;
	}
out:
	gcfg_str_free(&var);
	gcfg_str_free(&val);
	return r;
}

int gitconfig_parse(struct gitconfig *gc, const char *text, size_t len,
		    const char *path, gitconfig_want_fn want, void *arg)
{
	struct rd rd = { gc, want, arg, NULL, 0 };
	int r = gcfg_parse_text(&rd, text, len, path, 0);

	if (r != GITCONFIG_OK)
		gitconfig_free(gc);
	return r;
}
