/*
 * credential.c - git's credential wire format.
 */
#include "credential.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void credential_clear(struct credential *c)
{
	free(c->protocol);
	free(c->host);
	free(c->path);
	free_wiped(c->username);
	sbuf_free(&c->password);
	sbuf_free(&c->oauth_refresh_token);
	c->protocol = c->host = c->path = c->username = NULL;
	c->password_expiry_utc = 0;
	c->has_password = c->has_oauth = 0;
}

static int set_str(char **dst, const char *v, size_t len)
{
	char *n = malloc(len + 1);

	if (n == NULL)
		return CRED_ERR_NOMEM;
	memcpy(n, v, len);
	n[len] = '\0';
	free_wiped(*dst);
	*dst = n;
	return CRED_OK;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode [s, s+len) into a fresh sbuf (like git does for URLs). */
static int url_decode(struct sbuf *out, const char *s, size_t len)
{
	sbuf_reset(out);
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		}
		if (sbuf_addch(out, c) != 0)
			return CRED_ERR_NOMEM;
	}
	return CRED_OK;
}

/*
 * url=: like git's credential_from_url(), it resets the URL fields and
 * fills them from the URL: protocol://[user[:password]@]host[:port][/path]
 */
static int from_url(struct credential *c, const char *url, size_t len)
{
	const char *end = url + len, *p, *auth, *at = NULL, *slash, *colon;
	struct sbuf tmp = SBUF_INIT;
	int r = CRED_ERR_URL;

	p = memmem(url, len, "://", 3);
	if (p == NULL || p == url)
		return CRED_ERR_URL;
	free(c->protocol);
	free(c->host);
	free(c->path);
	free_wiped(c->username);
	c->protocol = c->host = c->path = c->username = NULL;
	sbuf_free(&c->password);
	c->has_password = 0;
	if ((r = set_str(&c->protocol, url, (size_t)(p - url))) != 0)
		goto out;
	auth = p + 3;
	slash = memchr(auth, '/', (size_t)(end - auth));
	if (slash == NULL)
		slash = end;
	for (const char *q = auth; q < slash; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if ((r = url_decode(&tmp, auth, (size_t)((colon ? colon : at) - auth))) != 0 ||
		    (r = set_str(&c->username, tmp.buf ? tmp.buf : "", tmp.len)) != 0)
			goto out;
		if (colon != NULL) {
			if ((r = url_decode(&c->password, colon + 1,
					    (size_t)(at - colon - 1))) != 0)
				goto out;
			c->has_password = 1;
		}
		auth = at + 1;
	}
	if ((r = url_decode(&tmp, auth, (size_t)(slash - auth))) != 0 ||
	    (r = set_str(&c->host, tmp.buf ? tmp.buf : "", tmp.len)) != 0)
		goto out;
	if (slash < end) {
		if ((r = url_decode(&tmp, slash + 1, (size_t)(end - slash - 1))) != 0 ||
		    (r = set_str(&c->path, tmp.buf ? tmp.buf : "", tmp.len)) != 0)
			goto out;
	}
	r = CRED_OK;
out:
	sbuf_free(&tmp);
	return r;
}

static long long parse_expiry(const char *v, size_t len)
{
	long long n = 0;

	if (len == 0 || len > 18)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return 0;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/* One "key=value" line (no newline). */
static int parse_line(struct credential *c, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	const char *v;
	size_t kl, vl;

	/* lines without '=' carry nothing we understand: skip, do not fail */
	if (eq == NULL)
		return CRED_OK;
	kl = (size_t)(eq - line);
	v = eq + 1;
	vl = len - kl - 1;
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(line, name, kl) == 0)
	if (KEY("protocol"))
		return set_str(&c->protocol, v, vl);
	if (KEY("host"))
		return set_str(&c->host, v, vl);
	if (KEY("path"))
		return set_str(&c->path, v, vl);
	if (KEY("username"))
		return set_str(&c->username, v, vl);
	if (KEY("password")) {
		sbuf_reset(&c->password);
		c->has_password = 1;
		return sbuf_add(&c->password, v, vl) == 0 ? CRED_OK :
							    CRED_ERR_TOO_LONG;
	}
	if (KEY("oauth_refresh_token")) {
		sbuf_reset(&c->oauth_refresh_token);
		c->has_oauth = 1;
		return sbuf_add(&c->oauth_refresh_token, v, vl) == 0 ?
			       CRED_OK : CRED_ERR_TOO_LONG;
	}
	if (KEY("password_expiry_utc")) {
		c->password_expiry_utc = parse_expiry(v, vl);
		return CRED_OK;
	}
	if (KEY("url"))
		return from_url(c, v, vl);
#undef KEY
	/*
	 * Unknown keys are ignored on purpose: newer git sends capability[],
	 * wwwauth[], state[], ephemeral, continue and more.  A helper that
	 * rejects them would break with every git release.
	 */
	return CRED_OK;
}

int credential_read(int fd, struct credential *c)
{
	struct sbuf in = SBUF_INIT;
	size_t start = 0, scanned = 0;
	int r = CRED_OK, done = 0;

	in.max = CREDENTIAL_MAX_INPUT;
	while (!done) {
		char chunk[8192];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = CRED_ERR_READ;
			goto out;
		}
		if (n == 0)
			break;
		if (sbuf_add(&in, chunk, (size_t)n) != 0) {
			wipe(chunk, sizeof(chunk));
			r = CRED_ERR_TOO_LONG;
			goto out;
		}
		wipe(chunk, (size_t)n);
		/* stop at the blank line; do not wait for EOF */
		for (; scanned < in.len; scanned++) {
			if (in.buf[scanned] != '\n')
				continue;
			if (scanned == start ||
			    (scanned == start + 1 && in.buf[start] == '\r')) {
				in.len = start;
				done = 1;
				break;
			}
			start = scanned + 1;
		}
	}
	/* parse line by line */
	for (size_t pos = 0; pos < in.len;) {
		char *line = in.buf + pos;
		char *nl = memchr(line, '\n', in.len - pos);
		size_t len = nl ? (size_t)(nl - line) : in.len - pos;

		pos += len + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		/* a NUL in a line makes it meaningless: skip that line only */
		if (memchr(line, '\0', len) != NULL)
			continue;
		if ((r = parse_line(c, line, len)) != CRED_OK)
			goto out;
	}
	r = CRED_OK;
out:
	sbuf_free(&in);
	return r;
}

int credential_write(FILE *out, const char *key, const char *value, size_t len)
{
	if (value == NULL)
		return 0;
	if (memchr(value, '\n', len) || memchr(value, '\r', len) ||
	    memchr(value, '\0', len))
		return -1;
	if (fprintf(out, "%s=", key) < 0 || fwrite(value, 1, len, out) != len ||
	    fputc('\n', out) == EOF)
		return -1;
	return 0;
}
