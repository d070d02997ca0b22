/*
 * cred-main.c - the core module's entry point, and git's get/store/erase.
 *
 * Lookup order for a request: the repository's scope, then the account's,
 * then the host's; the first item that passes every rule is the answer.
 * Each level is one search (object paths only); attributes are read for
 * the candidates one by one, and only the secret that is returned is ever
 * loaded, so 1000 users on one host cost what one does.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/lock.h"
#include "credential/cred.h"
#include "keyring.h"
#include "msg.h"
#include "bitbucket/rules.h"

/* ---- shared helpers ---- */

/* The keyring policy is both programs' (helper/keyring.h): limits and lines. */
int cred_keyring_error(int err)
{
	keyring_error(err);
	return EXIT_KEYRING;
}

int cred_open(struct keystore **ks)
{
	return keyring_open(ks, EXIT_KEYRING) == KS_OK ? 0 : EXIT_KEYRING;
}

/* The writer lock, taken once per process; -1 until then. */
static int lock_fd = -1;

static int lock_timeout_ms(void)
{
	const char *e = getenv("GCB_LOCK_TIMEOUT");
	char *end;
	long n;

	if (e == NULL || *e == '\0')
		return GCB_LOCK_SECONDS * 1000;
	n = strtol(e, &end, 10);
	if (*end != '\0' || n < 0 || n > 3600)
		return GCB_LOCK_SECONDS * 1000;
	return (int)n * 1000;
}

static int cred_lock(void)
{
	char path[4200];
	int ms = lock_timeout_ms(), r;

	if (lock_fd >= 0)
		return 0;
	r = gcb_lock(ms, &lock_fd, path, sizeof(path));
	if (r == GCB_LOCK_OK)
		return 0;
	if (r == GCB_LOCK_TIMEOUT)
		msg_error("another %s has been changing the keyring for %d s (it "
			  "holds %s); try again when it is done", msg_prog(),
			  ms / 1000, path);
	else if (r == GCB_LOCK_UNSAFE)
		msg_error("cannot lock the keyring for writing: %s is not a "
			  "directory of yours that only you can write to; remove "
			  "it, or set XDG_RUNTIME_DIR to such a directory", path);
	else
		msg_error("cannot lock the keyring for writing: cannot open "
			  "%s: %s; set XDG_RUNTIME_DIR to a directory of yours",
			  path[0] ? path : "the lock file", strerror(errno));
	return EXIT_KEYRING;
}

int cred_open_write(struct keystore **ks)
{
	int r = cred_lock();

	return r != 0 ? r : cred_open(ks);
}

int cred_write_locked(void)
{
	return lock_fd >= 0;
}

struct config *cred_config(struct gcb_call *call)
{
	static struct config cfg;

	if (call->cfg == NULL) {
		config_load(&cfg);
		call->cfg = &cfg;
	}
	return call->cfg;
}

/* ---- the token secret value ---- */

int cred_secret_parse(const struct sbuf *value, struct sbuf *password,
		      long long *expiry, struct sbuf *oauth)
{
	size_t pos = 0;
	int have_password = 0;

	sbuf_reset(password);
	if (oauth != NULL)
		sbuf_reset(oauth);
	*expiry = 0;
	while (value->buf != NULL && pos < value->len) {
		const char *line = value->buf + pos;
		const char *nl = memchr(line, '\n', value->len - pos);
		size_t len = nl ? (size_t)(nl - line) : value->len - pos;
		const char *eq = memchr(line, '=', len);

		pos += len + 1;
		if (eq == NULL)
			continue;
#define IS(k) ((size_t)(eq - line) == sizeof(k) - 1 && memcmp(line, k, sizeof(k) - 1) == 0)
		if (IS("password")) {
			if (sbuf_add(password, eq + 1, len - (size_t)(eq - line) - 1) != 0)
				return -1;
			have_password = 1;
		} else if (IS("password_expiry_utc")) {
			long long n = 0;

			for (const char *p = eq + 1; p < line + len; p++) {
				if (*p < '0' || *p > '9' || n > 100000000000LL) {
					n = 0;
					break;
				}
				n = n * 10 + (*p - '0');
			}
			*expiry = n;
		} else if (IS("oauth_refresh_token") && oauth != NULL) {
			if (sbuf_add(oauth, eq + 1, len - (size_t)(eq - line) - 1) != 0)
				return -1;
		}
#undef IS
	}
	return have_password ? 0 : -1;
}

/*
 * Besides the confidential fields, the value repeats two attributes, the
 * username and the repos restriction, so that `get` can answer from the
 * secret alone, without reading the item's attributes first.
 */
static int secret_compose(struct sbuf *out, const struct sbuf *password,
			  long long expiry, const struct sbuf *oauth,
			  const char *username, const char *repos)
{
	char num[32];

	if (sbuf_addstr(out, "password=") != 0 ||
	    sbuf_add(out, password->buf ? password->buf : "", password->len) != 0 ||
	    sbuf_addch(out, '\n') != 0)
		return -1;
	if (expiry > 0) {
		snprintf(num, sizeof(num), "%lld", expiry);
		if (sbuf_addstr(out, "password_expiry_utc=") != 0 ||
		    sbuf_addstr(out, num) != 0 || sbuf_addch(out, '\n') != 0)
			return -1;
	}
	if (oauth != NULL && oauth->len > 0) {
		if (sbuf_addstr(out, "oauth_refresh_token=") != 0 ||
		    sbuf_add(out, oauth->buf, oauth->len) != 0 ||
		    sbuf_addch(out, '\n') != 0)
			return -1;
	}
	if (sbuf_addstr(out, "username=") != 0 || sbuf_addstr(out, username) != 0 ||
	    sbuf_addch(out, '\n') != 0 || sbuf_addstr(out, "repos=") != 0 ||
	    sbuf_addstr(out, repos ? repos : "") != 0 || sbuf_addch(out, '\n') != 0)
		return -1;
	return 0;
}

/* A non-secret field of a token's value ("username", "repos"); 1 if present. */
static int secret_field(const struct sbuf *value, const char *key, char *out,
			size_t n)
{
	size_t kl = strlen(key);

	for (size_t pos = 0; value->buf != NULL && pos < value->len;) {
		const char *line = value->buf + pos;
		const char *nl = memchr(line, '\n', value->len - pos);
		size_t len = nl ? (size_t)(nl - line) : value->len - pos;

		pos += len + 1;
		if (len > kl && memcmp(line, key, kl) == 0 && line[kl] == '=') {
			if (len - kl - 1 >= n)
				return 0;
			memcpy(out, line + kl + 1, len - kl - 1);
			out[len - kl - 1] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Constant-time comparison of two secrets. */
static int secret_equal(const struct sbuf *a, const struct sbuf *b)
{
	unsigned char d = 0;

	if (a->len != b->len)
		return 0;
	for (size_t i = 0; i < a->len; i++)
		d |= (unsigned char)(a->buf[i] ^ b->buf[i]);
	return d == 0;
}

static void make_label(char *buf, size_t len, const char *kind,
		       const char *username, const struct target *t)
{
	char where[800];

	target_describe(t, where, sizeof(where));
	snprintf(buf, len, "Bitbucket %s for %s on %s", rules_kind_label(kind),
		 username, where);
}

int cred_store_token(struct keystore *ks, const struct target *t,
		     const char *username, const struct sbuf *password,
		     long long expiry, const struct sbuf *oauth,
		     const char *repos, struct ks_item *stored)
{
	struct rule_result res, exp;
	struct ks_item it = KS_ITEM_INIT;
	struct sbuf value = SBUF_INIT;
	char label[1200];
	long long now = (long long)time(NULL);
	int r;

	if (rules_check_secret(t, username, password->buf ? password->buf : "",
			       password->len, now, &res) < 0) {
		msg_error("%s", res.message);
		return EXIT_REFUSED;
	}
	if (res.warning[0])
		msg_warn("%s", res.warning);
	if (expiry > 0 && rules_check_expiry(expiry, now, &exp) < 0) {
		msg_error("%s", exp.message);
		return EXIT_REFUSED;
	}
	if (strlen(username) >= sizeof(it.username) ||
	    (repos != NULL && strlen(repos) >= sizeof(it.repos))) {
		msg_error("the username or --repos pattern is too long; shorten it");
		return EXIT_REFUSED;
	}
	snprintf(it.kind, sizeof(it.kind), "%s", res.kind);
	snprintf(it.protocol, sizeof(it.protocol), "%s", t->protocol);
	snprintf(it.host, sizeof(it.host), "%s", t->host);
	it.port = t->port;
	snprintf(it.scope, sizeof(it.scope), "%s", t->scope);
	snprintf(it.username, sizeof(it.username), "%s", username);
	if (repos != NULL)
		snprintf(it.repos, sizeof(it.repos), "%s", repos);
	it.created = now;
	make_label(label, sizeof(label), it.kind, username, t);
	if (secret_compose(&value, password, expiry, oauth, username, repos) != 0) {
		sbuf_free(&value);
		msg_error("the secret is too large to store");
		return EXIT_REFUSED;
	}
	r = ks_store(ks, &it, label, &value);
	sbuf_free(&value);
	if (r != KS_OK)
		return cred_keyring_error(r);
	if (stored != NULL)
		*stored = it;
	return 0;
}

/* ---- lookup shared by get, store and erase ---- */

/* The scopes that cover the target, most specific first. */
static int covering_scopes(const struct target *t, char scopes[3][sizeof(((struct target *)0)->scope)])
{
	int n = 0;

	if (t->level == LEVEL_REPO)
		memcpy(scopes[n++], t->scope, sizeof(t->scope));
	if (t->level >= LEVEL_ACCOUNT)
		memcpy(scopes[n++], t->account, sizeof(t->account));
	scopes[n++][0] = '\0';
	return n;
}

/*
 * Called for each candidate item, most specific first; return 1 to stop,
 * 0 to go on, <0 (an EXIT_* negated) to fail.
 */
typedef int (*visit_fn)(struct keystore *ks, const struct ks_item *it,
			void *ctx);

/*
 * A search by username found more than one token for the same user, place
 * and scope: what two old writers racing left behind, since ks_store()
 * replaces.  The newest is visited and the rest are deleted, under the
 * writer lock; a lock that cannot be had leaves them for the next time.
 */
static int visit_newest(struct keystore *ks, const struct ks_list *list,
			visit_fn fn, void *ctx)
{
	struct ks_item it, best = KS_ITEM_INIT;
	size_t n = ks_list_len(list), best_i = n;
	int r;

	for (size_t i = 0; i < n; i++) {
		if ((r = ks_list_get(ks, list, i, &it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;
			return -cred_keyring_error(r);
		}
		if (strcmp(it.kind, KS_KIND_SSH_KEY) == 0)
			continue;
		if (best_i == n || it.created > best.created) {
			best = it;
			best_i = i;
		}
	}
	if (best_i == n)
		return 0;
	if (lock_fd >= 0 || gcb_lock(2000, &lock_fd, it.id, sizeof(it.id)) == GCB_LOCK_OK) {
		for (size_t i = 0; i < n; i++) {
			if (i == best_i ||
			    ks_list_get(ks, list, i, &it) != KS_OK ||
			    strcmp(it.kind, KS_KIND_SSH_KEY) == 0)
				continue;
			if ((r = ks_delete(ks, &it)) != KS_OK && r != KS_ERR_NOT_FOUND)
				return -cred_keyring_error(r);
		}
	}
	return fn(ks, &best, ctx);
}

/*
 * With lazy set, the visitor gets items whose attributes were not read:
 * only id and what the search pattern fixed (protocol, host, port, scope,
 * and username when given); kind is "".  get reads the rest from the
 * secret, one round trip instead of two.
 */
static int visit_candidates(struct keystore *ks, const struct target *t,
			    const char *username, visit_fn fn, void *ctx,
			    int lazy, size_t *locked_total)
{
	char scopes[3][sizeof(t->scope)];
	int n = covering_scopes(t, scopes);

	*locked_total = 0;
	for (int s = 0; s < n; s++) {
		struct ks_item pat = KS_ITEM_INIT;
		struct ks_list *list = NULL;
		size_t locked = 0;
		int r;

		snprintf(pat.protocol, sizeof(pat.protocol), "%s", t->protocol);
		snprintf(pat.host, sizeof(pat.host), "%s", t->host);
		pat.port = t->port;
		memcpy(pat.scope, scopes[s], sizeof(pat.scope));
		if (username != NULL)
			snprintf(pat.username, sizeof(pat.username), "%s", username);
		/* a narrower scope that finds nothing is followed by the next:
		 * only the last one asks whether the keyring is locked */
		if ((r = ks_search(ks, &pat, KS_MATCH_PORT | KS_MATCH_SCOPE |
				   (s + 1 < n ? KS_NO_LOCKED_PROBE : 0),
				   &list, &locked)) != KS_OK)
			return -cred_keyring_error(r);
		*locked_total += locked;
		if (lazy && username != NULL && ks_list_len(list) > 1) {
			/* one user's items for one scope: duplicates */
			r = visit_newest(ks, list, fn, ctx);
			ks_list_free(list);
			if (r != 0)
				return r;
			continue;
		}
		for (size_t i = 0; i < ks_list_len(list); i++) {
			struct ks_item it;

			if (lazy) {
				it = pat;
				snprintf(it.id, sizeof(it.id), "%s", ks_list_id(list, i));
			} else if ((r = ks_list_get(ks, list, i, &it)) != KS_OK) {
				if (r == KS_ERR_NOT_FOUND)
					continue;	/* deleted meanwhile */
				ks_list_free(list);
				return -cred_keyring_error(r);
			}
			if (strcmp(it.kind, KS_KIND_SSH_KEY) == 0)
				continue;
			if ((r = fn(ks, &it, ctx)) != 0) {
				ks_list_free(list);
				return r;
			}
		}
		ks_list_free(list);
	}
	return 0;
}

/* ---- a Data Center server that was not declared ---- */

/*
 * The gate lets a server that is not declared through when it says it is
 * Bitbucket Data Center (its realm, or the state[] our get left for
 * store): 1 for such a request.
 */
static int undeclared_dc(struct gcb_call *call)
{
	const struct target *t = call->target;

	return t->product == PRODUCT_DATACENTER &&
	       target_product(t->host, t->port, &cred_config(call)->dc) !=
		       PRODUCT_DATACENTER;
}

static void declare_hint(const struct target *t)
{
	msg_warn("%s says it is Bitbucket Data Center (realm \"%s\") but is not "
		 "declared as one; declare it with 'git config --global --add "
		 "bitbucket.dataCenterHost %s'", t->host, CREDENTIAL_DC_REALM,
		 t->host);
}

/* ---- get ---- */

struct get_ctx {
	const struct target *t;
	struct sbuf value, password, oauth;
	long long expiry;
	struct ks_item found;
	int skipped;
};

/*
 * The logout command for an item: its URL in the shape login takes.  An
 * exact scope ("/PATH": git's path fit no shape) has no such URL, as
 * login and logout refuse that path: the hint has git erase it, with the
 * same path and the user in the URL (percent-encoded).
 */
static void logout_hint(const struct ks_item *it, char *buf, size_t len)
{
	char port[16] = "", user[3 * sizeof(it->username)];
	int dc = strcmp(it->host, CLOUD_HOST) != 0;
	size_t o = 0;

	if (it->port)
		snprintf(port, sizeof(port), ":%u", it->port);
	if (it->scope[0] == '/') {
		for (const char *p = it->username; *p && o + 4 < sizeof(user); p++) {
			unsigned char ch = (unsigned char)*p;

			if (isalnum(ch) || strchr("._-~", ch))
				user[o++] = (char)ch;
			else
				o += (size_t)snprintf(user + o, 4, "%%%02X", ch);
		}
		user[o] = '\0';
		int n = snprintf(buf, len, "echo url=%s://%s@%s%s%s | git -c credential.useHttpPath=true credential reject",
				 it->protocol, user, it->host, port, it->scope);

		if (n < 0 || (size_t)n >= len)
			buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "git credential-bitbucket logout --username %s %s://%s%s/%s%s",
		 it->username, it->protocol, it->host, port, dc ? "scm/" : "",
		 it->scope);
}

static int get_visit(struct keystore *ks, const struct ks_item *lazy_it,
		     void *vctx)
{
	struct get_ctx *c = vctx;
	struct rule_result res;
	struct ks_item full, *it = &full;
	long long now = (long long)time(NULL);
	char hint[1200], date[16];
	int r;

	full = *lazy_it;
	if ((r = ks_get_secret(ks, it, &c->value)) != KS_OK) {
		if (r == KS_ERR_NOT_FOUND)
			return 0;
		return -cred_keyring_error(r);
	}
	if (cred_secret_parse(&c->value, &c->password, &c->expiry, &c->oauth) != 0) {
		msg_warn("the keyring item '%s' is not a token this helper stored; skipped", it->id);
		return 0;
	}
	/* username and repos travel in the value; older items: read attributes */
	if (!secret_field(&c->value, "username", full.username, sizeof(full.username)) ||
	    !secret_field(&c->value, "repos", full.repos, sizeof(full.repos)) ||
	    full.username[0] == '\0') {
		if ((r = ks_item_load(ks, lazy_it->id, &full)) != KS_OK)
			return r == KS_ERR_NOT_FOUND ? 0 : -cred_keyring_error(r);
	}
	/* the user git named must be the owner (the search matched it) */
	if (lazy_it->username[0] && strcmp(lazy_it->username, full.username) != 0)
		return 0;
	if (it->repos[0]) {
		/* a restricted secret needs the path (credential.useHttpPath) */
		if (c->t->level != LEVEL_REPO ||
		    rules_repos_match(it->repos, c->t->scope) != 1)
			return 0;
	}
	if (it->kind[0] == '\0') {
		/* the kind the rules give it; a refused one says what it was stored as */
		if (rules_check_secret(c->t, it->username, c->password.buf,
				       c->password.len, now, &res) == 0)
			snprintf(it->kind, sizeof(it->kind), "%s", res.kind);
		else if ((r = ks_item_load(ks, lazy_it->id, &full)) != KS_OK)
			return r == KS_ERR_NOT_FOUND ? 0 : -cred_keyring_error(r);
	}
	logout_hint(it, hint, sizeof(hint));
	if (rules_check_expiry(c->expiry, now, &res) < 0) {
		msg_error("the stored %s for %s expired on %s; create a new one and "
			  "store it with 'git credential-bitbucket login', or remove it with '%s'",
			  rules_kind_label(it->kind), it->username,
			  rules_date(c->expiry, date, sizeof(date)), hint);
		c->skipped = 1;
		return 0;
	}
	if (res.warning[0])
		msg_warn("%s", res.warning);
	if (rules_check_secret(c->t, it->username, c->password.buf, c->password.len,
			       now, &res) < 0) {
		msg_error("the stored %s for %s is not returned: %s; remove it with '%s'",
			  rules_kind_label(it->kind), it->username, res.message, hint);
		c->skipped = 1;
		return 0;
	}
	c->found = *it;
	return 1;
}

static int has_line_break(const char *s, size_t len)
{
	return memchr(s, '\n', len) != NULL || memchr(s, '\r', len) != NULL ||
	       memchr(s, '\0', len) != NULL;
}

/* All or nothing: a value that could inject a line is never half-written. */
static int write_answer(struct get_ctx *c)
{
	char num[32] = "", where[800];

	if (has_line_break(c->found.username, strlen(c->found.username)) ||
	    has_line_break(c->password.buf, c->password.len) ||
	    (c->oauth.len > 0 && has_line_break(c->oauth.buf, c->oauth.len))) {
		msg_error("the stored secret for %s holds a line break and is not "
			  "returned; store it again with 'git credential-bitbucket login'",
			  target_describe(c->t, where, sizeof(where)));
		return EXIT_REFUSED;
	}
	if (c->expiry > 0)
		snprintf(num, sizeof(num), "%lld", c->expiry);
	if (credential_write(stdout, "username", c->found.username,
			     strlen(c->found.username)) != 0 ||
	    credential_write(stdout, "password", c->password.buf,
			     c->password.len) != 0 ||
	    (num[0] && credential_write(stdout, "password_expiry_utc", num,
					strlen(num)) != 0) ||
	    (c->oauth.len > 0 &&
	     credential_write(stdout, "oauth_refresh_token", c->oauth.buf,
			      c->oauth.len) != 0))
		return EXIT_REFUSED;
	return 0;
}

int cmd_get(struct gcb_call *call)
{
	struct get_ctx c = { call->target, SBUF_INIT, SBUF_INIT, SBUF_INIT, 0,
			     KS_ITEM_INIT, 0 };
	struct keystore *ks = NULL;
	const char *user = call->req->username;
	size_t locked = 0;
	int undeclared = undeclared_dc(call), r;

	/*
	 * git sends store no wwwauth[]: for a server known by its realm
	 * alone, leave a state[] that git >= 2.46 hands back with store and
	 * erase.  The capability line goes first (git-credential(1)), and
	 * only when git offered it.  Older git (2.41-2.45) will not tell
	 * store, so the hint comes now.
	 */
	if (undeclared && (call->req->capabilities & CRED_CAPA_STATE))
		fputs("capability[]=state\n", stdout);
	else if (undeclared)
		declare_hint(call->target);
	/* the search itself says whether the keyring is locked (keyring.h) */
	if (keyring_open_lookup(&ks, EXIT_KEYRING) != KS_OK) {
		r = EXIT_KEYRING;
		goto out;
	}
	r = visit_candidates(ks, call->target, user && *user ? user : NULL,
			     get_visit, &c, 1, &locked);
	if (r < 0) {
		r = -r;
		goto out;
	}
	if (r == 1) {
		r = write_answer(&c);
		goto out;
	}
	if (locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
		goto out;
	}
	if (keyring_lookup_miss(ks) != KS_OK) {
		r = EXIT_KEYRING;
		goto out;
	}
	r = 0;	/* nothing stored: git asks the next helper or the person */
out:
	if (undeclared && (call->req->capabilities & CRED_CAPA_STATE))
		credential_write_dc_state(stdout, call->req);
	sbuf_free(&c.value);
	sbuf_free(&c.password);
	sbuf_free(&c.oauth);
	ks_close(ks);
	return r;
}

/* ---- store ---- */

struct same_ctx {
	const struct sbuf *password;
	struct sbuf value, stored, oauth;
	struct ks_item found;
	long long expiry;
};

/* The item that already holds exactly this password, if any. */
static int same_visit(struct keystore *ks, const struct ks_item *it, void *vctx)
{
	struct same_ctx *c = vctx;
	int r;

	if ((r = ks_get_secret(ks, it, &c->value)) != KS_OK)
		return r == KS_ERR_NOT_FOUND ? 0 : -cred_keyring_error(r);
	if (cred_secret_parse(&c->value, &c->stored, &c->expiry, &c->oauth) != 0)
		return 0;
	if (!secret_equal(&c->stored, c->password))
		return 0;
	c->found = *it;
	return 1;
}

/*
 * git sends the username the person typed at its prompt, or the one in the
 * remote URL or credential.username: an empty one is refused here with the
 * way to give one (the rules' line speaks of tokens, not of git's config).
 */
static int store_check_username(struct gcb_call *call)
{
	const struct target *t = call->target;
	const char *user = call->req->username ? call->req->username : "";
	char where[800], base[300];

	target_describe(t, where, sizeof(where));
	if (t->port)
		snprintf(base, sizeof(base), "%s://%s:%u", t->protocol, t->host, t->port);
	else
		snprintf(base, sizeof(base), "%s://%s", t->protocol, t->host);
	if (user[0] == '\0') {
		msg_error("the token for %s was not stored: git gave no username "
			  "with it; put your Bitbucket username in the remote URL "
			  "(%s) or set it with 'git config --global "
			  "credential.%s.username NAME'", where,
			  t->product == PRODUCT_CLOUD ? "https://NAME@bitbucket.org/..." :
			  "https://NAME@HOST/scm/...", base);
		return EXIT_REFUSED;
	}
	/* any other username goes to the rules in cred_store_token() */
	return 0;
}

int cmd_store(struct gcb_call *call)
{
	struct credential *req = call->req;
	struct same_ctx c = { &req->password, SBUF_INIT, SBUF_INIT, SBUF_INIT,
			      KS_ITEM_INIT, 0 };
	struct keystore *ks = NULL;
	size_t locked;
	int r;

	/* no password: nothing to keep */
	if (!req->has_password || req->password.len == 0)
		return 0;
	/* whoever made an ephemeral credential says it must not be kept */
	if (req->ephemeral)
		return 0;
	/* a token without a usable username: say so, or git asks forever */
	if ((r = store_check_username(call)) != 0)
		return r;
	if (undeclared_dc(call))
		declare_hint(call->target);
	if ((r = cred_open_write(&ks)) != 0)
		return r;
	/*
	 * git calls store after every successful authentication with what
	 * get returned: when the keyring already holds this very secret for
	 * this user, only note that it was used.
	 */
	r = visit_candidates(ks, call->target, req->username, same_visit, &c,
			     0, &locked);
	if (r < 0) {
		r = -r;
		goto out;
	}
	if (r == 1) {
		int changed = 0;

		c.found.last_used = (long long)time(NULL);
		if (req->password_expiry_utc > 0 &&
		    req->password_expiry_utc != c.expiry)
			changed = 1;
		if (!changed) {
			r = ks_update(ks, &c.found, NULL);
			r = r == KS_OK ? 0 : cred_keyring_error(r);
			goto out;
		}
	}
	if (r == 1) {
		/* same secret, new expiry: rewrite that item where it is */
		struct target where = *call->target;

		memcpy(where.scope, c.found.scope, sizeof(where.scope));
		where.port = c.found.port;
		r = cred_store_token(ks, &where, req->username, &req->password,
				     req->password_expiry_utc,
				     req->has_oauth ? &req->oauth_refresh_token : NULL,
				     c.found.repos, NULL);
		goto out;
	}
	r = cred_store_token(ks, call->target, req->username, &req->password,
			     req->password_expiry_utc,
			     req->has_oauth ? &req->oauth_refresh_token : NULL,
			     NULL, NULL);
out:
	sbuf_free(&c.value);
	sbuf_free(&c.stored);
	sbuf_free(&c.oauth);
	ks_close(ks);
	return r;
}

/* ---- erase ---- */

struct erase_ctx {
	const struct credential *req;
	struct sbuf value, stored, oauth;
	int deleted;
};

static int erase_visit(struct keystore *ks, const struct ks_item *it, void *vctx)
{
	struct erase_ctx *c = vctx;
	long long expiry;
	int r;

	if (c->req->has_password) {
		/* only the secret git says failed: never a different one */
		if ((r = ks_get_secret(ks, it, &c->value)) != KS_OK)
			return r == KS_ERR_NOT_FOUND ? 0 : -cred_keyring_error(r);
		if (cred_secret_parse(&c->value, &c->stored, &expiry, &c->oauth) != 0 ||
		    !secret_equal(&c->stored, &c->req->password))
			return 0;
	}
	if ((r = ks_delete(ks, it)) != KS_OK && r != KS_ERR_NOT_FOUND)
		return -cred_keyring_error(r);
	c->deleted++;
	return 0;
}

int cmd_erase(struct gcb_call *call)
{
	struct erase_ctx c = { call->req, SBUF_INIT, SBUF_INIT, SBUF_INIT, 0 };
	struct keystore *ks = NULL;
	const char *user = call->req->username;
	size_t locked;
	int r;

	if ((r = cred_open_write(&ks)) != 0)
		return r;
	r = visit_candidates(ks, call->target, user && *user ? user : NULL,
			     erase_visit, &c, 0, &locked);
	r = r < 0 ? -r : 0;
	sbuf_free(&c.value);
	sbuf_free(&c.stored);
	sbuf_free(&c.oauth);
	ks_close(ks);
	return r;
}

/* ---- dispatch ---- */

/* Only the keys module (git-credential-bitbucket-keys.so) has the key verbs. */
int cmd_key(struct gcb_call *call) __attribute__((weak));

int gcb_module_main(struct gcb_call *call)
{
	static int (*const fn[VERB_COUNT])(struct gcb_call *) = {
		[VERB_GET] = cmd_get, [VERB_STORE] = cmd_store,
		[VERB_ERASE] = cmd_erase, [VERB_LOGIN] = cmd_login,
		[VERB_LOGOUT] = cmd_logout, [VERB_LIST] = cmd_list,
		[VERB_KEY] = cmd_key, [VERB_SETUP] = cmd_setup,
		[VERB_STATUS] = cmd_status, [VERB_DOCTOR] = cmd_doctor,
		[VERB_UNLOCK] = cmd_unlock, [VERB_LOCK] = cmd_lock,
		[VERB_PASSWD] = cmd_passwd, [VERB_MIGRATE] = cmd_migrate,
	};

	if (fn[call->verb->id] == NULL) {
		msg_error("'%s' is not available in this build", call->verb->name);
		return EXIT_USAGE;
	}
	/*
	 * git's protocol=, host= or path= held a line break or control
	 * character (credential.h: the field was dropped): get and erase
	 * answer nothing, store refuses in one line; nothing is touched.
	 */
	if (call->verb->git_op && call->req != NULL && call->req->bad_field != NULL) {
		if (call->verb->id != VERB_STORE || !call->req->has_password ||
		    call->req->password.len == 0)
			return 0;
		if (strcmp(call->req->bad_field, "path") == 0)
			msg_error("the token was not stored: git's path= holds a "
				  "line break, a control character or a character "
				  "no Bitbucket path has (slugs are letters, digits, "
				  "'.', '_' and '-'); check the remote URL");
		else
			msg_error("the token was not stored: git's %s= holds a "
				  "line break or control character, which git never "
				  "sends; check the remote URL", call->req->bad_field);
		return EXIT_REFUSED;
	}
	/* a shell verb that stores says in which store (keyring.h) */
	if (!call->verb->git_op)
		keyring_announce_stores();
	return fn[call->verb->id](call);
}
