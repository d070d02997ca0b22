/*
 * target.c - URL / host / path -> Cloud | Data Center | not ours, and scope.
 */
#include "bitbucket/target.h"
#include "common/text.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

/* Copy at most len bytes of s into dst (size n), lowercased. */
static int copy_lower(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		return TARGET_ERR_TOO_LONG;
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[len] = '\0';
	return TARGET_OK;
}

/* Copy with %XX decoding (user names in URLs: alice%40example.com). */
static int copy_decoded(char *dst, size_t n, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		int c = pct_next(s, len, &i);

		if (c == '\0' || o + 1 >= n)
			return c == '\0' ? TARGET_ERR_SYNTAX : TARGET_ERR_TOO_LONG;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return TARGET_OK;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return TARGET_ERR_BAD_PORT;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return TARGET_ERR_BAD_PORT;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return TARGET_ERR_BAD_PORT;
	*port = (unsigned)v;
	return TARGET_OK;
}

static int valid_host(const char *h)
{
	if (*h == '\0' || *h == '-' || *h == '.')
		return 0;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.' &&
		    *h != '_')
			return 0;
	return 1;
}

/* "host" or "host:port" or "[v6]:port" -> out->host, out->port */
static int split_hostport(const char *s, size_t len, struct target *out)
{
	const char *colon = NULL;
	int r;

	out->port = 0;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return TARGET_ERR_SYNTAX;
		if ((r = copy_lower(out->host, sizeof(out->host), s + 1,
				    (size_t)(close - s - 1))) != 0)
			return r;
		if ((size_t)(close - s + 1) < len) {
			if (close[1] != ':')
				return TARGET_ERR_SYNTAX;
			return parse_port(close + 2,
					  len - (size_t)(close - s) - 2,
					  &out->port);
		}
		return out->host[0] ? TARGET_OK : TARGET_ERR_NO_HOST;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon != NULL) {
		if ((r = parse_port(colon + 1, len - (size_t)(colon - s) - 1,
				    &out->port)) != 0)
			return r;
		len = (size_t)(colon - s);
	}
	/* "bitbucket.org." is bitbucket.org: the root label is implied */
	if (len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return TARGET_ERR_NO_HOST;
	if ((r = copy_lower(out->host, sizeof(out->host), s, len)) != 0)
		return r;
	if (!valid_host(out->host))
		return TARGET_ERR_SYNTAX;
	return TARGET_OK;
}

/*
 * Does the declaration d ("host", "host:port", "[v6]", "[v6]:port", with
 * blanks or a final '/' as people write them) name host?  The port, when
 * there is one, must be a port, but any port matches: the host names the
 * server, whatever protocol reaches it.
 */
static int dc_names_host(const char *d, const char *host)
{
	const char *end, *colon = NULL;
	size_t dl;
	unsigned port;

	while (*d == ' ' || *d == '\t')
		d++;
	end = d + strlen(d);
	while (end > d && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '/'))
		end--;
	if (*d == '[') {
		const char *close = memchr(d, ']', (size_t)(end - d));

		if (close == NULL)
			return 0;
		if (close + 1 < end &&
		    (close[1] != ':' || parse_port(close + 2,
				(size_t)(end - close - 2), &port) != 0))
			return 0;
		d++;
		end = close;
	} else {
		for (const char *q = d; q < end; q++)
			if (*q == ':') {
				if (colon != NULL)	/* a bare IPv6 address */
					return 0;
				colon = q;
			}
		if (colon != NULL) {
			if (parse_port(colon + 1, (size_t)(end - colon - 1), &port) != 0)
				return 0;
			end = colon;
		}
		if (end - d > 1 && end[-1] == '.')	/* the root label */
			end--;
	}
	dl = (size_t)(end - d);
	return dl > 0 && dl == strlen(host) && strncasecmp(d, host, dl) == 0;
}

static int dc_match(const char *host, const struct dc_hosts *dc)
{
	if (dc == NULL)
		return 0;
	for (int i = 0; i < dc->n; i++)
		if (dc->names[i] != NULL && dc_names_host(dc->names[i], host))
			return 1;
	return 0;
}

enum product target_product(const char *host, unsigned port,
			    const struct dc_hosts *dc)
{
	if (host == NULL)
		return PRODUCT_NONE;
	if (strcasecmp(host, CLOUD_HOST) == 0)
		return PRODUCT_CLOUD;
	(void)port;	/* a declaration names a host on every port */
	if (dc_match(host, dc))
		return PRODUCT_DATACENTER;
	return PRODUCT_NONE;
}

int target_is_cloud_alt_ssh(const char *host)
{
	size_t n;

	if (host == NULL)
		return 0;
	n = strlen(host);
	if (n > 1 && host[n - 1] == '.')	/* the root label */
		n--;
	return n == strlen(CLOUD_ALT_SSH_HOST) &&
	       strncasecmp(host, CLOUD_ALT_SSH_HOST, n) == 0;
}

enum product target_ssh_product(const char *host, unsigned port,
				const struct dc_hosts *dc)
{
	return target_is_cloud_alt_ssh(host) ? PRODUCT_CLOUD :
	       target_product(host, port, dc);
}

/*
 * Over SSH, altssh.bitbucket.org on any port is bitbucket.org: the scope
 * (and so the keys) of the same repository on Cloud's usual port.
 */
static void cloud_alt_ssh(struct target *out)
{
	if (strcmp(out->protocol, "ssh") == 0 && target_is_cloud_alt_ssh(out->host)) {
		memcpy(out->host, CLOUD_HOST, sizeof(CLOUD_HOST));
		out->port = 0;
	}
}

#define MAX_PARTS 64	/* more than any shape needs; a longer path fits none */
#define MAX_PATH 4096	/* a URL's limit (target_from_url) */

/* A path split into lowercase parts, each NUL-terminated, in order, in buf. */
struct parts {
	char buf[MAX_PATH + 1];
	size_t used;		/* bytes of buf in use, the NULs included */
	const char *p[MAX_PARTS];
	size_t len[MAX_PARTS];
	int n;			/* the parts, up to MAX_PARTS + 1 (too many) */
	int odd;		/* a byte no Bitbucket path holds (slug_byte) */
};

/*
 * Bitbucket slugs (workspaces, projects, repositories, users) are
 * letters, digits, '.', '_' and '-'; a personal project starts with '~'.
 * Anything else (a quote, a blank, '$', non-ASCII) names no Bitbucket
 * place, and in a scope would make the hints printed with it wrong to
 * paste into a shell.
 */
static int slug_byte(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-' || c == '~';
}

/* len without a final ".git" (any case) */
static size_t strip_git(const char *s, size_t len)
{
	return len >= 4 && strncasecmp(s + len - 4, ".git", 4) == 0 ? len - 4 : len;
}

/*
 * [path, end) -> parts: %XX decoded when decode is set (a person's URL),
 * lowercased, empty parts dropped.  Refuses control bytes (and %00), and
 * the parts that would name another place: ".", "..", the same with .git
 * after them ("..git" is "." once .git is stripped), and ".git" alone.
 */
static int split_path(const char *path, const char *end, int decode,
		      struct parts *ps)
{
	size_t o = 0, len = (size_t)(end - path), i = 0;

	ps->n = 0;
	ps->odd = 0;
	while (i < len) {
		size_t start = o, pl, sl;
		const char *q;

		while (i < len) {
			int c = decode ? pct_next(path, len, &i) : (unsigned char)path[i++];

			if (c == '/')
				break;
			if (c < 0x20 || c == 0x7f)
				return TARGET_ERR_SYNTAX;
			if (!slug_byte(c))
				ps->odd = 1;
			if (o + 1 >= sizeof(ps->buf))
				return TARGET_ERR_TOO_LONG;
			ps->buf[o++] = (char)tolower(c);
		}
		if ((pl = o - start) == 0)
			continue;
		q = ps->buf + start;
		sl = strip_git(q, pl);
		if (sl == 0 || (sl == 1 && q[0] == '.') ||
		    (sl == 2 && q[0] == '.' && q[1] == '.'))
			return TARGET_ERR_DOT;
		ps->buf[o++] = '\0';
		if (ps->n < MAX_PARTS) {
			ps->p[ps->n] = q;
			ps->len[ps->n] = pl;
		}
		if (ps->n <= MAX_PARTS)
			ps->n++;
	}
	ps->used = o;
	return TARGET_OK;
}

static int is_word(const struct parts *ps, int i, const char *w)
{
	return i < ps->n && ps->len[i] == strlen(w) && memcmp(ps->p[i], w, ps->len[i]) == 0;
}

/*
 * account from part a (none: the host), repository from part b (none:
 * the account), account prefixed with prefix ("~" for users/USER).  A
 * final .git is dropped from the repository, or from an account alone.
 */
static int set_scope(struct target *t, const struct parts *ps, const char *prefix,
		     int a, int b)
{
	size_t pl = strlen(prefix), al, rl;

	if (a < 0)
		return TARGET_OK;
	al = b < 0 ? strip_git(ps->p[a], ps->len[a]) : ps->len[a];
	if (pl + al >= sizeof(t->account))
		return TARGET_ERR_TOO_LONG;
	memcpy(t->account, prefix, pl);
	memcpy(t->account + pl, ps->p[a], al);
	t->account[pl + al] = '\0';
	t->level = LEVEL_ACCOUNT;
	if (b < 0) {
		memcpy(t->scope, t->account, pl + al + 1);
		return TARGET_OK;
	}
	rl = strip_git(ps->p[b], ps->len[b]);
	if (copy_str(t->repo, sizeof(t->repo), ps->p[b], rl) != 0 ||
	    pl + al + 1 + rl >= sizeof(t->scope))
		return TARGET_ERR_TOO_LONG;
	memcpy(t->scope, t->account, pl + al);
	t->scope[pl + al] = '/';
	memcpy(t->scope + pl + al + 1, t->repo, rl + 1);
	t->level = LEVEL_REPO;
	return TARGET_OK;
}

/*
 * The Data Center HTTPS shapes, at the first part where one starts (the
 * shortest context): [CONTEXT/]scm[/PROJECT[/REPO]],
 * [CONTEXT/]projects/PROJECT[/repos[/REPO[/...]]] and the same with
 * users/USER (the project ~USER).  1 when one fits, *r the result.
 */
static int dc_http_shape(const struct parts *ps, struct target *t, int *r)
{
	for (int i = 0; i < ps->n; i++) {
		int rest = ps->n - i - 1;	/* the parts after the word */

		if (is_word(ps, i, "scm") && rest <= 2) {
			*r = set_scope(t, ps, "", rest >= 1 ? i + 1 : -1,
				       rest == 2 ? i + 2 : -1);
			return 1;
		}
		if ((is_word(ps, i, "projects") || is_word(ps, i, "users")) &&
		    (rest == 1 || (rest >= 2 && is_word(ps, i + 2, "repos")))) {
			*r = set_scope(t, ps, ps->p[i][0] == 'u' ? "~" : "", i + 1,
				       rest >= 3 ? i + 3 : -1);
			return 1;
		}
	}
	return 0;
}

/*
 * account/repo/scope/level of a URL path, by the shapes in target.h.  A
 * path that fits none is refused when a person gave it (person set), and
 * kept whole as an exact scope when git sent it: never cut short, never
 * widened.
 */
static int parse_path(const char *path, int decode, int person, struct target *t)
{
	struct parts ps;
	const char *end;
	int r = TARGET_OK, fits = 0;

	t->account[0] = t->repo[0] = t->scope[0] = '\0';
	t->level = LEVEL_HOST;
	t->exact = 0;
	if (path == NULL)
		return TARGET_OK;
	end = path + strcspn(path, "?#");	/* not part of the path */
	if ((size_t)(end - path) > MAX_PATH)
		return TARGET_ERR_TOO_LONG;
	if ((r = split_path(path, end, decode, &ps)) != TARGET_OK || ps.n == 0)
		return r;
	if (ps.odd && !person)
		return TARGET_ERR_SHAPE;	/* git's: not kept, not widened */
	if (ps.n > MAX_PARTS || ps.odd)
		fits = 0;
	else if (t->product == PRODUCT_DATACENTER && strcmp(t->protocol, "ssh") != 0)
		fits = dc_http_shape(&ps, t, &r);
	else if ((fits = ps.n <= 2))	/* Cloud, Data Center over SSH */
		r = set_scope(t, &ps, "", 0, ps.n == 2 ? 1 : -1);
	if (fits)
		return r;
	t->account[0] = t->repo[0] = t->scope[0] = '\0';
	if (person)
		return TARGET_ERR_SHAPE;
	/* "/" + the parts, one '/' between them */
	if (ps.used + 1 > sizeof(t->scope))
		return TARGET_ERR_TOO_LONG;
	t->scope[0] = '/';
	for (size_t i = 0; i < ps.used; i++)
		t->scope[i + 1] = ps.buf[i] ? ps.buf[i] : '/';
	t->scope[ps.used] = '\0';	/* over the last part's '/' */
	memcpy(t->account, t->scope, ps.used + 1);
	t->level = LEVEL_ACCOUNT;
	t->exact = 1;
	return TARGET_OK;
}

static void target_reset(struct target *t)
{
	memset(t, 0, sizeof(*t));
}

int target_from_parts(const char *protocol, const char *hostport,
		      const char *path, const struct dc_hosts *dc,
		      struct target *out)
{
	int r;

	target_reset(out);
	if (protocol == NULL || hostport == NULL || *hostport == '\0')
		return TARGET_ERR_NO_HOST;
	if ((r = copy_lower(out->protocol, sizeof(out->protocol), protocol,
			    strlen(protocol))) != 0)
		return r;
	if ((r = split_hostport(hostport, strlen(hostport), out)) != 0)
		return r;
	cloud_alt_ssh(out);
	out->product = target_product(out->host, out->port, dc);
	if (out->product == PRODUCT_NONE)
		return TARGET_OK;
	return parse_path(path, 0, 0, out);
}

/* A person's URL; a bare host[/path] is taken as protocol bare. */
static int from_url(const char *url, const char *bare,
		    const struct dc_hosts *dc, struct target *out)
{
	const char *p = url, *auth, *at, *slash, *colon;
	const char *path;
	size_t hl;
	int r, scp = 0;

	target_reset(out);
	if (url == NULL || *url == '\0')
		return TARGET_ERR_SYNTAX;
	if (strlen(url) > 4096)
		return TARGET_ERR_TOO_LONG;
	if ((colon = strstr(url, "://")) != NULL) {
		size_t sl = (size_t)(colon - url);

		if ((sl == 5 && strncasecmp(url, "https", 5) == 0) ||
		    (sl == 4 && strncasecmp(url, "http", 4) == 0) ||
		    (sl == 3 && strncasecmp(url, "ssh", 3) == 0) ||
		    (sl == 7 && strncasecmp(url, "git+ssh", 7) == 0)) {
			if ((r = copy_lower(out->protocol, sizeof(out->protocol),
					    url, sl)) != 0)
				return r;
			if (strcmp(out->protocol, "git+ssh") == 0)
				memcpy(out->protocol, "ssh", 4);
		} else {
			return TARGET_ERR_SCHEME;
		}
		p = colon + 3;
	} else {
		/* scp-like [user@]host:path, where host has no slash before ':' */
		const char *c = strchr(url, ':');
		const char *s = strchr(url, '/');

		const char *user_end = strchr(url, '@');
		size_t digits = 0;

		if (c != NULL)
			while (isdigit((unsigned char)c[1 + digits]))
				digits++;
		/*
		 * Like git: user@host:path is always scp-like SSH (git reads
		 * git@host:7999/x as the path "7999/x"); without a user,
		 * host:PORT[/path] is a host with a port.
		 */
		if (c != NULL && (s == NULL || c < s) &&
		    ((user_end != NULL && user_end < c) || digits == 0 ||
		     (c[1 + digits] != '\0' && c[1 + digits] != '/'))) {
			scp = 1;
			memcpy(out->protocol, "ssh", 4);
		} else {
			memcpy(out->protocol, bare, strlen(bare) + 1);
		}
	}
	auth = p;
	if (scp) {
		colon = strchr(auth, ':');
		slash = colon;
	} else {
		slash = strchr(auth, '/');
		if (slash == NULL)
			slash = auth + strlen(auth);
	}
	at = NULL;
	for (const char *q = auth; q < slash; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		const char *pw = memchr(auth, ':', (size_t)(at - auth));
		size_t ul = pw ? (size_t)(pw - auth) : (size_t)(at - auth);

		/* a password in the URL is ignored, never stored or echoed */
		if ((r = copy_decoded(out->username, sizeof(out->username), auth,
				      ul)) != 0)
			return r;
		auth = at + 1;
	}
	hl = (size_t)(slash - auth);
	if (hl == 0)
		return TARGET_ERR_NO_HOST;
	if ((r = split_hostport(auth, hl, out)) != 0)
		return r;
	cloud_alt_ssh(out);
	path = scp ? slash + 1 : slash;
	out->product = target_product(out->host, out->port, dc);
	if (out->product == PRODUCT_NONE)
		return TARGET_OK;
	return parse_path(path, 1, 1, out);
}

int target_from_url(const char *url, const struct dc_hosts *dc,
		    struct target *out)
{
	return from_url(url, "https", dc, out);
}

int target_from_ssh_url(const char *url, const struct dc_hosts *dc,
			struct target *out)
{
	return from_url(url, "ssh", dc, out);
}

const char *target_describe(const struct target *t, char *buf, unsigned len)
{
	/* an exact scope starts with its own '/' */
	const char *sep = t->scope[0] && t->scope[0] != '/' ? "/" : "";
	int n;

	if (t->port)
		n = snprintf(buf, len, "%s:%u%s%s", t->host, t->port, sep, t->scope);
	else
		n = snprintf(buf, len, "%s%s%s", t->host, sep, t->scope);
	if (n < 0 || (unsigned)n >= len) {
		if (len > 0)
			buf[0] = '\0';
	}
	return buf;
}

const char *target_shape_hint(const struct target *t, char *buf, unsigned len)
{
	char h[300];
	int n;

	if (strchr(t->host, ':') != NULL)
		n = t->port ? snprintf(h, sizeof(h), "[%s]:%u", t->host, t->port) :
			      snprintf(h, sizeof(h), "[%s]", t->host);
	else
		n = t->port ? snprintf(h, sizeof(h), "%s:%u", t->host, t->port) :
			      snprintf(h, sizeof(h), "%s", t->host);
	if (n < 0 || (size_t)n >= sizeof(h))
		h[0] = '\0';
	if (t->product == PRODUCT_CLOUD && strcmp(t->protocol, "ssh") == 0 && !t->port)
		n = snprintf(buf, len, "the URL path fits no Bitbucket Cloud shape; "
			     "use git@%s:WORKSPACE/ for a workspace or "
			     "git@%s:WORKSPACE/REPO.git for a repository", h, h);
	else if (t->product == PRODUCT_CLOUD)
		n = snprintf(buf, len, "the URL path fits no Bitbucket Cloud shape; "
			     "use %s://%s%s/WORKSPACE/ for a workspace or "
			     "%s://%s%s/WORKSPACE/REPO.git for a repository",
			     t->protocol, strcmp(t->protocol, "ssh") ? "" : "git@", h,
			     t->protocol, strcmp(t->protocol, "ssh") ? "" : "git@", h);
	else if (strcmp(t->protocol, "ssh") == 0)
		n = snprintf(buf, len, "the URL path fits no Bitbucket Data Center "
			     "shape over SSH; use ssh://git@%s/PROJECT/ for a project, "
			     "ssh://git@%s/PROJECT/REPO.git for a repository or "
			     "ssh://git@%s/~USER/REPO.git for a personal one (over "
			     "SSH there is no scm/ and no context path)", h, h, h);
	else
		n = snprintf(buf, len, "the URL path fits no Bitbucket Data Center "
			     "shape; use %s://%s/scm/PROJECT/ for a project, "
			     "%s://%s/scm/PROJECT/REPO.git for a repository or "
			     "%s://%s/scm/~USER/REPO.git for a personal one (a "
			     "context path goes before scm/, as in "
			     "%s://%s/bitbucket/scm/PROJECT/; a web page's URL under "
			     "projects/ or users/ works too)", t->protocol, h,
			     t->protocol, h, t->protocol, h, t->protocol, h);
	if (n < 0 || (unsigned)n >= len) {
		if (len > 0)
			buf[0] = '\0';
	}
	return buf;
}

const char *target_strerror(int err)
{
	switch (err) {
	case TARGET_OK: return "success";
	case TARGET_ERR_SYNTAX: return "not a URL";
	case TARGET_ERR_TOO_LONG: return "URL too long";
	case TARGET_ERR_BAD_PORT: return "invalid port";
	case TARGET_ERR_NO_HOST: return "no host in URL";
	case TARGET_ERR_SCHEME: return "unsupported scheme (use https://, http:// or ssh://)";
	case TARGET_ERR_DOT: return "a path part is '.' or '..', with or without .git";
	case TARGET_ERR_SHAPE: return "the path fits no Bitbucket URL shape";
	}
	return "unknown error";
}
