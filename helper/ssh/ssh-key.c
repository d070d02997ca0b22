/*
 * ssh-key.c - pick the key for a connection: most specific scope first.
 */
#include "ssh/ssh-key.h"

#include <stdio.h>
#include <string.h>

#include "bitbucket/rules.h"

/* Is a better than b for this connection?  Read-write first for a push, then the newest. */
static int better(const struct ks_item *a, const struct ks_item *b, int want_write)
{
	if (want_write && a->read_only != b->read_only)
		return !a->read_only;
	return a->created > b->created;
}

/* Search one pattern; keep the best usable item in *best (*found set). */
static int search_level(struct keystore *ks, const struct ks_item *pattern, unsigned flags,
			const struct target *t, int want_write, int check_scope,
			struct ssh_key_pick *out, int *found)
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
		if (strcmp(it.kind, KS_KIND_SSH_KEY) != 0)
			continue;
		if (check_scope && strcmp(it.scope, pattern->scope) != 0)
			continue;
		/* least privilege: a key limited to some repositories serves only those */
		if (it.repos[0] && rules_repos_match(it.repos,
				t->level == LEVEL_REPO ? t->scope : NULL) != 1)
			continue;
		if (!*found || better(&it, &out->item, want_write)) {
			out->item = it;
			*found = 1;
		}
	}
	r = SSHKEY_OK;
out:
	ks_list_free(list);
	return r;
}

int ssh_key_pick(struct keystore *ks, const struct target *t, const char *name,
		 int want_write, struct ssh_key_pick *out)
{
	struct ks_item pattern = KS_ITEM_INIT;
	int found = 0, r;

	memset(out, 0, sizeof(*out));
	if (strlen(KS_KIND_SSH_KEY) >= sizeof(pattern.kind))
		return SSHKEY_ERR_NOT_FOUND;
	memcpy(pattern.kind, KS_KIND_SSH_KEY, strlen(KS_KIND_SSH_KEY) + 1);

	if (name != NULL && name[0] != '\0') {
		/* named: wherever it was imported for; the name is unique among keys */
		if (strlen(name) >= sizeof(pattern.name))
			return SSHKEY_ERR_NOT_FOUND;
		memcpy(pattern.name, name, strlen(name) + 1);
		out->levels_tried = 0;
		if ((r = search_level(ks, &pattern, 0, t, want_write, 0, out, &found)) != SSHKEY_OK)
			return r;
		return found ? SSHKEY_OK : SSHKEY_ERR_NOT_FOUND;
	}

	if (strlen(t->host) >= sizeof(pattern.host))
		return SSHKEY_ERR_NOT_FOUND;
	memcpy(pattern.host, t->host, strlen(t->host) + 1);
	/* repository, then account, then the whole host: the first level with a key wins */
	for (int level = LEVEL_REPO; level >= LEVEL_HOST; level--) {
		const char *scope;

		if (level > (int)t->level)
			continue;
		scope = level == LEVEL_REPO ? t->scope :
			level == LEVEL_ACCOUNT ? t->account : "";
		if (strlen(scope) >= sizeof(pattern.scope))
			continue;
		memcpy(pattern.scope, scope, strlen(scope) + 1);
		out->levels_tried++;
		r = search_level(ks, &pattern, level == LEVEL_HOST ? KS_MATCH_SCOPE : 0,
				 t, want_write, 1, out, &found);
		if (r != SSHKEY_OK)
			return r;
		if (found)
			return SSHKEY_OK;
	}
	return SSHKEY_ERR_NOT_FOUND;
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
