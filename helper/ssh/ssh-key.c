/*
 * ssh-key.c - the keys for a connection, in the order they are offered:
 * most specific scope first, then newest first.
 */
#include "ssh/ssh-key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitbucket/rules.h"

/* A candidate and the scope level it was found at. */
struct cand {
	struct ks_item item;
	int level;
};

struct cands {
	struct cand *v;
	size_t n, cap;
};

/* Most specific level first, then ssh_key_order(). */
static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->level != b->level)
		return a->level > b->level ? -1 : 1;
	return ssh_key_order(&a->item, &b->item);
}

static int cands_add(struct cands *c, const struct ks_item *it, int level)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct cand *v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL)
			return SSHKEY_ERR_NOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].item = *it;
	c->v[c->n].level = level;
	c->n++;
	return SSHKEY_OK;
}

/* Does key it serve t (kind, scope at this level, port, repos)? */
static int usable(const struct ks_item *it, const struct ks_item *pattern, int check_scope,
		  const struct target *t)
{
	if (strcmp(it->kind, KS_KIND_SSH_KEY) != 0)
		return 0;
	if (check_scope && strcmp(it->scope, pattern->scope) != 0)
		return 0;
	/* least privilege: a key limited to some repositories serves only those */
	if (it->repos[0] && rules_repos_match(it->repos,
			t->level == LEVEL_REPO ? t->scope : NULL) != 1)
		return 0;
	return 1;
}

/*
 * Search one pattern; add each usable item to *c at this level (named:
 * every key of that name, whatever its host, for the caller to judge).
 */
static int search_level(struct keystore *ks, const struct ks_item *pattern, unsigned flags,
			const struct target *t, int level, int named,
			struct ssh_key_choice *out, struct cands *c)
{
	struct ks_list *list = NULL;
	size_t locked = 0, n;
	int r;

	if ((r = ks_search(ks, pattern, flags, &list, &locked)) != KS_OK) {
		out->ks_err = r;
		r = SSHKEY_ERR_KEYRING;
		goto out;
	}
	out->locked += locked;
	n = ks_list_len(list);
	for (size_t i = 0; i < n; i++) {
		struct ks_item it = KS_ITEM_INIT;

		if ((r = ks_list_get(ks, list, i, &it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND || r == KS_ERR_LOCKED)
				continue;	/* deleted or locked since the search */
			out->ks_err = r;
			r = SSHKEY_ERR_KEYRING;
			goto out;
		}
		if (!usable(&it, pattern, !named, t))
			continue;
		if (!named && !ssh_key_port_applies(&it, t->port))
			continue;
		if ((r = cands_add(c, &it, level)) != SSHKEY_OK)
			goto out;
	}
	r = SSHKEY_OK;
out:
	ks_list_free(list);
	return r;
}

static int set_field(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* -i NAME / bitbucket.sshKey: 1 when the key is t's and is the choice, 0 when not. */
static int choose_named(struct keystore *ks, const struct target *t, const char *name,
			struct ssh_key_choice *out, int *r)
{
	struct ks_item pattern = KS_ITEM_INIT;
	struct cands c = { 0 };

	*r = SSHKEY_ERR_NOT_FOUND;
	if (set_field(pattern.kind, sizeof(pattern.kind), KS_KIND_SSH_KEY) != 0 ||
	    set_field(pattern.name, sizeof(pattern.name), name) != 0)
		return 1;
	/* wherever it was imported for: the name is unique among keys */
	if ((*r = search_level(ks, &pattern, 0, t, 0, 1, out, &c)) != SSHKEY_OK)
		goto done;
	*r = SSHKEY_ERR_NOT_FOUND;
	if (c.n == 0)
		goto done;
	qsort(c.v, c.n, sizeof(*c.v), cand_cmp);
	if (strcmp(c.v[0].item.host, t->host) != 0 ||
	    !ssh_key_port_applies(&c.v[0].item, t->port)) {
		/* another host's key is never offered here: choose by scope */
		out->named_elsewhere = 1;
		out->named = c.v[0].item;
		free(c.v);
		return 0;
	}
	out->keys[0] = c.v[0].item;
	out->n = out->candidates = 1;
	*r = SSHKEY_OK;
done:
	free(c.v);
	return 1;
}

int ssh_key_choose(struct keystore *ks, const struct target *t, const char *name,
		   int want_write, struct ssh_key_choice *out)
{
	struct ks_item pattern = KS_ITEM_INIT;
	struct cands c = { 0 };
	size_t rw = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (name != NULL && name[0] != '\0' && choose_named(ks, t, name, out, &r))
		return r;

	if (set_field(pattern.kind, sizeof(pattern.kind), KS_KIND_SSH_KEY) != 0 ||
	    set_field(pattern.host, sizeof(pattern.host), t->host) != 0)
		return SSHKEY_ERR_NOT_FOUND;
	/* every level: repository, account, the whole host */
	for (int level = LEVEL_REPO; level >= LEVEL_HOST; level--) {
		const char *scope;

		if (level > (int)t->level)
			continue;
		scope = level == LEVEL_REPO ? t->scope :
			level == LEVEL_ACCOUNT ? t->account : "";
		if (set_field(pattern.scope, sizeof(pattern.scope), scope) != 0)
			continue;
		out->levels_tried++;
		r = search_level(ks, &pattern, level == LEVEL_HOST ? KS_MATCH_SCOPE : 0,
				 t, level, 0, out, &c);
		if (r != SSHKEY_OK)
			goto out;
	}
	r = SSHKEY_ERR_NOT_FOUND;
	if (c.n == 0)
		goto out;
	qsort(c.v, c.n, sizeof(*c.v), cand_cmp);
	for (size_t i = 0; i < c.n; i++)
		rw += !c.v[i].item.read_only;
	/* a push: read-write keys only, unless there are none (the caller refuses) */
	for (size_t i = 0; i < c.n; i++) {
		if (want_write && rw > 0 && c.v[i].item.read_only) {
			out->skipped_read_only++;
			continue;
		}
		if (out->n < SSH_KEY_MAX_TRIES)
			out->keys[out->n++] = c.v[i].item;
		out->candidates++;
	}
	r = SSHKEY_OK;
out:
	free(c.v);
	return r;
}

int ssh_key_age_warning_due(const struct ks_item *it, long long now, long max_days,
			    long long *age_days)
{
	long long age;

	if (age_days != NULL)
		*age_days = 0;
	if (it->created <= 0 || now < it->created || max_days <= 0)
		return 0;
	age = now - it->created;
	if (age_days != NULL)
		*age_days = age / 86400;
	if (age <= (long long)max_days * 86400)
		return 0;	/* the same rule as `key list` flags */
	if (it->warned > 0 && it->warned <= now && now - it->warned < SSH_KEY_WARN_INTERVAL)
		return 0;
	return 1;
}

int ssh_key_scope_url(const struct ks_item *it, char *buf, size_t len)
{
	char port[16] = "";
	int v6 = strchr(it->host, ':') != NULL, w;

	if (it->port != 0 && it->port != 22)
		snprintf(port, sizeof(port), ":%u", it->port);
	w = snprintf(buf, len, "ssh://git@%s%s%s%s/%s%s", v6 ? "[" : "", it->host,
		     v6 ? "]" : "", port, it->scope,
		     strchr(it->scope, '/') != NULL ? ".git" : "");
	return w < 0 || (size_t)w >= len ? -1 : 0;
}
