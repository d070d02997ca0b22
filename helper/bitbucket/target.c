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

static int dc_match(const char *host, unsigned port, const struct dc_hosts *dc)
{
	size_t hl = strlen(host);

	if (dc == NULL)
		return 0;
	for (int i = 0; i < dc->n; i++) {
		const char *d = dc->names[i];
		const char *colon;
		size_t dl;

		if (d == NULL)
			continue;
		while (*d == ' ' || *d == '\t')
			d++;
		colon = strrchr(d, ':');
		dl = colon ? (size_t)(colon - d) : strlen(d);
		while (dl > 0 && (d[dl - 1] == ' ' || d[dl - 1] == '\t' ||
				  d[dl - 1] == '/'))
			dl--;
		if (dl != hl || strncasecmp(d, host, hl) != 0)
			continue;
		if (colon != NULL) {
			unsigned want = 0;
			size_t pl = strlen(colon + 1);

			while (pl > 0 && (colon[pl] == ' ' || colon[pl] == '\t'))
				pl--;
			if (parse_port(colon + 1, pl, &want) != 0 ||
			    want != port)
				continue;
		}
		return 1;
	}
	return 0;
}

enum product target_product(const char *host, unsigned port,
			    const struct dc_hosts *dc)
{
	if (host == NULL)
		return PRODUCT_NONE;
	if (strcasecmp(host, CLOUD_HOST) == 0)
		return PRODUCT_CLOUD;
	if (dc_match(host, port, dc))
		return PRODUCT_DATACENTER;
	return PRODUCT_NONE;
}

/* Next path component of [*p, end): sets comp/len, advances *p. */
static int next_comp(const char **p, const char *end, const char **comp,
		     size_t *len)
{
	while (*p < end && **p == '/')
		(*p)++;
	if (*p >= end)
		return 0;
	*comp = *p;
	while (*p < end && **p != '/')
		(*p)++;
	*len = (size_t)(*p - *comp);
	return 1;
}

#define MAX_COMPS 16

/*
 * Fill account/repo/scope/level from a URL path.
 *   Cloud:          <workspace>/<repo>[.git][/anything]
 *   Data Center:    [context/]scm/<project>/<repo>.git      (http)
 *                   <project>/<repo>.git                    (ssh)
 *                   [context/]projects/<P>/repos/<r>/...    (web page)
 *                   [context/]users/<u>/repos/<r>/...       (personal: ~u)
 */
static int parse_path(const char *path, struct target *t)
{
	const char *comps[MAX_COMPS];
	size_t lens[MAX_COMPS];
	const char *p, *end;
	int n = 0, start = 0, r;
	int want_scm = 0;

	t->account[0] = t->repo[0] = t->scope[0] = '\0';
	t->level = LEVEL_HOST;
	if (path == NULL)
		return TARGET_OK;
	p = path;
	end = path + strlen(path);
	/* a query or fragment is not part of the path */
	for (const char *q = path; q < end; q++)
		if (*q == '?' || *q == '#') {
			end = q;
			break;
		}
	while (n < MAX_COMPS && next_comp(&p, end, &comps[n], &lens[n])) {
		/* "." and ".." would make scopes that name other places */
		if ((lens[n] == 1 && comps[n][0] == '.') ||
		    (lens[n] == 2 && comps[n][0] == '.' && comps[n][1] == '.'))
			return TARGET_ERR_SYNTAX;
		n++;
	}

	if (t->product == PRODUCT_DATACENTER) {
		want_scm = strcmp(t->protocol, "ssh") != 0;
		for (int i = 0; i < n; i++) {
			if (lens[i] == 3 && strncasecmp(comps[i], "scm", 3) == 0) {
				start = i + 1;
				want_scm = 0;
				break;
			}
			if (i + 2 < n && lens[i + 2] == 5 &&
			    strncasecmp(comps[i + 2], "repos", 5) == 0 &&
			    ((lens[i] == 8 &&
			      strncasecmp(comps[i], "projects", 8) == 0) ||
			     (lens[i] == 5 &&
			      strncasecmp(comps[i], "users", 5) == 0))) {
				char acct[256];
				int users = comps[i][0] == 'u' || comps[i][0] == 'U';

				if (lens[i + 1] + 2 > sizeof(acct))
					return TARGET_ERR_TOO_LONG;
				acct[0] = '~';
				memcpy(acct + users, comps[i + 1], lens[i + 1]);
				if ((r = copy_lower(t->account, sizeof(t->account),
						    acct, lens[i + 1] + (size_t)users)) != 0)
					return r;
				t->level = LEVEL_ACCOUNT;
				if (i + 3 < n) {
					if ((r = copy_lower(t->repo, sizeof(t->repo),
							    comps[i + 3], lens[i + 3])) != 0)
						return r;
					t->level = LEVEL_REPO;
				}
				goto scope;
			}
			if (lens[i] == 8 && strncasecmp(comps[i], "projects", 8) == 0 &&
			    i + 1 < n) {
				if ((r = copy_lower(t->account, sizeof(t->account),
						    comps[i + 1], lens[i + 1])) != 0)
					return r;
				t->level = LEVEL_ACCOUNT;
				goto scope;
			}
		}
		if (want_scm)	/* an http path without /scm/ names no repository */
			return TARGET_OK;
	}
	if (start < n) {
		if ((r = copy_lower(t->account, sizeof(t->account), comps[start],
				    lens[start])) != 0)
			return r;
		t->level = LEVEL_ACCOUNT;
	}
	if (start + 1 < n) {
		size_t len = lens[start + 1];

		if (len > 4 && strncasecmp(comps[start + 1] + len - 4, ".git", 4) == 0)
			len -= 4;
		if ((r = copy_lower(t->repo, sizeof(t->repo), comps[start + 1],
				    len)) != 0)
			return r;
		t->level = LEVEL_REPO;
	}
	/* "acme.git" alone is not a repository */
scope:
	if (t->level == LEVEL_ACCOUNT) {
		size_t len = strlen(t->account);

		if (len > 4 && strcmp(t->account + len - 4, ".git") == 0)
			t->account[len - 4] = '\0';
		return copy_str(t->scope, sizeof(t->scope), t->account,
				strlen(t->account)) == 0 ? TARGET_OK : TARGET_ERR_TOO_LONG;
	}
	if (t->level == LEVEL_REPO) {
		size_t a = strlen(t->account), b = strlen(t->repo);

		if (a + 1 + b >= sizeof(t->scope))
			return TARGET_ERR_TOO_LONG;
		memcpy(t->scope, t->account, a);
		t->scope[a] = '/';
		memcpy(t->scope + a + 1, t->repo, b + 1);
	}
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
	out->product = target_product(out->host, out->port, dc);
	if (out->product == PRODUCT_NONE)
		return TARGET_OK;
	return parse_path(path, out);
}

int target_from_url(const char *url, const struct dc_hosts *dc,
		    struct target *out)
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
			memcpy(out->protocol, "https", 6);
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
	path = scp ? slash + 1 : slash;
	out->product = target_product(out->host, out->port, dc);
	if (out->product == PRODUCT_NONE)
		return TARGET_OK;
	return parse_path(path, out);
}

const char *target_describe(const struct target *t, char *buf, unsigned len)
{
	int n;

	if (t->port)
		n = snprintf(buf, len, "%s:%u%s%s", t->host, t->port,
			     t->scope[0] ? "/" : "", t->scope);
	else
		n = snprintf(buf, len, "%s%s%s", t->host,
			     t->scope[0] ? "/" : "", t->scope);
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
	}
	return "unknown error";
}
