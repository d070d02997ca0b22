/*
 * credential.c - git's credential wire format.
 */
#include "credential/credential.h"
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void credential_clear(struct credential *c)
{
	free(c->protocol);
	free(c->host);
	free(c->path);
	free_wiped(c->username);
	sbuf_free(&c->password);
	sbuf_free(&c->oauth_refresh_token);
	free(c->state);
	c->protocol = c->host = c->path = c->username = c->state = NULL;
	c->password_expiry_utc = 0;
	c->has_password = c->has_oauth = c->ephemeral = c->dc_realm = 0;
	c->capabilities = 0;
	c->bad_field = NULL;
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

/*
 * Percent-decode [s, s+len) into a fresh sbuf (like git does for URLs).
 * A component that decodes to a line break or NUL is refused, as git
 * refuses it ("url contains a newline in its ... component",
 * CVE-2020-5260): it would split a key=value line when written back.
 */
static int url_decode(struct sbuf *out, const char *s, size_t len)
{
	sbuf_reset(out);
	for (size_t i = 0; i < len;) {
		int ch = pct_next(s, len, &i);

		if (ch == '\n' || ch == '\r' || ch == '\0')
			return CRED_ERR_URL;
		if (sbuf_addch(out, ch) != 0)
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

/* ---- WWW-Authenticate (RFC 9110 11.6.1) ---- */

static int is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * Walks challenges and their parameters:
 *	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *	auth-param = token BWS "=" BWS ( token / quoted-string )
 * A token not followed by "=" is a scheme (or a token68); what cannot be
 * read is skipped up to the next comma.  A quoted-string is read whole, so
 * realm="..." inside another parameter's value never counts.
 */
int credential_challenge_has_realm(const char *s, size_t len, const char *realm)
{
	size_t rl = strlen(realm), i = 0;

	while (i < len) {
		size_t name = i, name_len, vstart, vlen = 0;
		int match = 1;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		name = i;
		while (i < len && is_tchar((unsigned char)s[i]))
			i++;
		name_len = i - name;
		i = skip_ws(s, i, len);
		if (name_len == 0 || i >= len || s[i] != '=') {
			if (name_len == 0)	/* not a token: skip to the next item */
				while (i < len && s[i] != ',')
					i++;
			continue;	/* a scheme, or a token68 */
		}
		i = skip_ws(s, i + 1, len);
		if (i < len && s[i] == '"') {
			/* quoted-string: compare while unescaping */
			for (i++; i < len && s[i] != '"'; i++, vlen++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (vlen >= rl || s[i] != realm[vlen])
					match = 0;
			}
			if (i < len)
				i++;	/* closing quote */
			else
				match = 0;	/* unterminated: not a value */
		} else {
			vstart = i;
			while (i < len && is_tchar((unsigned char)s[i]))
				i++;
			vlen = i - vstart;
			match = vlen == rl && memcmp(s + vstart, realm, rl) == 0;
		}
		if (name_len == 5 && strncasecmp(s + name, "realm", 5) == 0 &&
		    match && vlen == rl)
			return 1;
		/* anything after the value up to the next comma is not ours */
		while (i < len && s[i] != ',')
			i++;
	}
	return 0;
}

static int is_true(const char *v, size_t len)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (len == strlen(yes[i]) && strncasecmp(v, yes[i], len) == 0)
			return 1;
	return 0;
}

/* Is [line, line + kl) the key name? */
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(line, name, kl) == 0)

/*
 * The keys newer git sends that we act on; any other key is ignored (see
 * parse_line).  Multi-valued keys (name[]): an empty value clears the
 * list (git-credential(1)).
 */
static int parse_newer(struct credential *c, const char *line, size_t kl,
		       const char *v, size_t vl)
{
	/* wwwauth[]: we keep only whether a challenge names the Data Center realm */
	if (KEY("wwwauth[]")) {
		if (vl == 0)
			c->dc_realm = 0;
		else if (credential_challenge_has_realm(v, vl, CREDENTIAL_DC_REALM))
			c->dc_realm = 1;
		return CRED_OK;
	}
	/*
	 * capability[] (git >= 2.46): what git understands.  We note it and
	 * echo back only "state", and only when we send a state[] (get for a
	 * Data Center server known by its realm alone).  "authtype" is never
	 * echoed: this helper keeps username and password, never an authtype
	 * with a pre-encoded credential.  Capabilities we do not know are
	 * discarded, as the protocol says.
	 */
	if (KEY("capability[]")) {
		if (vl == 0)
			c->capabilities = 0;
		else if (vl == 8 && memcmp(v, "authtype", 8) == 0)
			c->capabilities |= CRED_CAPA_AUTHTYPE;
		else if (vl == 5 && memcmp(v, "state", 5) == 0)
			c->capabilities |= CRED_CAPA_STATE;
		return CRED_OK;
	}
	/* state[]: ours carry our prefix; other helpers' values are theirs */
	if (KEY("state[]")) {
		size_t pl = sizeof(CREDENTIAL_STATE_PREFIX) - 1;

		if (vl == 0) {
			free(c->state);
			c->state = NULL;
		} else if (vl >= pl && memcmp(v, CREDENTIAL_STATE_PREFIX, pl) == 0) {
			return set_str(&c->state, v + pl, vl - pl);
		}
		return CRED_OK;
	}
	/* ephemeral: a credential that must not be kept (store ignores it) */
	if (KEY("ephemeral")) {
		c->ephemeral = is_true(v, vl);
		return CRED_OK;
	}
	return CRED_OK;
}

/*
 * A byte no Bitbucket path holds: Bitbucket slugs are letters, digits,
 * '.', '_' and '-', a personal project starts with '~'.  A shell quote,
 * a blank or a '$' in a scope would also make the hints printed with it
 * (a --scope or logout URL) wrong to paste into a shell.
 */
static int bad_path_byte(unsigned char ch)
{
	return !isalnum(ch) && ch != '.' && ch != '_' && ch != '-' && ch != '~' &&
	       ch != '/';
}

/*
 * protocol=, host= and path= name a place: a carriage return or another
 * control character in one (git refuses them, CVE-2024-52006), or in
 * path= a byte no Bitbucket path holds, is noted in c->bad_field and the
 * field is dropped, so that nothing downstream can read it as part of a
 * scope.
 */
static int set_place(struct credential *c, char **dst, const char *name,
		     const char *v, size_t vl)
{
	int path = strcmp(name, "path") == 0;

	for (size_t i = 0; i < vl; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f ||
		    (path && bad_path_byte((unsigned char)v[i]))) {
			if (c->bad_field == NULL)
				c->bad_field = name;
			free(*dst);
			*dst = NULL;
			return CRED_OK;
		}
	return set_str(dst, v, vl);
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
	if (KEY("protocol"))
		return set_place(c, &c->protocol, "protocol", v, vl);
	if (KEY("host"))
		return set_place(c, &c->host, "host", v, vl);
	if (KEY("path"))
		return set_place(c, &c->path, "path", v, vl);
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
	/*
	 * Other unknown keys are ignored on purpose: newer git sends
	 * authtype, credential (pre-encoded; wiped with the rest of the
	 * input), continue and more, and later releases will add keys.  A
	 * helper that rejects them would break with every git release.
	 */
	return parse_newer(c, line, kl, v, vl);
}
#undef KEY

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

#define DC_STATE "datacenter="

int credential_state_is_dc(const struct credential *c)
{
	size_t n = sizeof(DC_STATE) - 1;

	return c->state != NULL && c->host != NULL &&
	       strncmp(c->state, DC_STATE, n) == 0 &&
	       strcasecmp(c->state + n, c->host) == 0;
}

int credential_write_dc_state(FILE *out, const struct credential *c)
{
	if (c->host == NULL || strchr(c->host, '\n') || strchr(c->host, '\r'))
		return -1;
	return fprintf(out, "state[]=" CREDENTIAL_STATE_PREFIX DC_STATE "%s\n",
		       c->host) < 0 ? -1 : 0;
}
