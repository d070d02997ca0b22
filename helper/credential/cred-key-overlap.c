/*
 * cred-key-overlap.c - the warning `key generate`, `key import` and `key
 * scope` give when another key already covers the same scope: the wrapper
 * offers such keys in turn, and the person should know which goes first.
 */
#include "credential/cred-key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential/cred-list.h"
#include "msg.h"
#include "ssh/ssh-key.h"

/* Do keys a and b serve a common port?  One without a port serves any. */
static int ports_overlap(const struct ks_item *a, const struct ks_item *b)
{
	return a->port == 0 || b->port == 0 || a->port == b->port;
}

/* The wrapper's order within one scope (ssh_key_order), for qsort. */
static int order_cmp(const void *a, const void *b)
{
	return ssh_key_order(a, b);
}

/* Append ", 'name'" (or " and 'name'" for the last) to buf. */
static void add_name(char *buf, size_t len, size_t *used, const char *name, int first,
		     int last)
{
	int w = snprintf(buf + *used, len - *used, "%s'%s'",
			 first ? "" : last ? " and " : ", ", name);

	if (w > 0 && (size_t)w < len - *used)
		*used += (size_t)w;
}

void key_overlap_warn(struct keystore *ks, const struct ks_item *it)
{
	struct ks_item pat = KS_ITEM_INIT, others[16], first = *it, first_rw = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	char names[1200] = "", where[800], push[300] = "";
	size_t n = 0, used = 0;
	int mixed = 0;

	memcpy(pat.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	snprintf(pat.host, sizeof(pat.host), "%s", it->host);
	snprintf(pat.scope, sizeof(pat.scope), "%s", it->scope);
	/* a warning only: a keyring that fails here has failed the verb already, or will */
	if (ks_search(ks, &pat, it->scope[0] ? 0 : KS_MATCH_SCOPE, &list, NULL) != KS_OK)
		goto out;
	for (size_t i = 0; i < ks_list_len(list) && n < 16; i++) {
		struct ks_item o = KS_ITEM_INIT;

		if (ks_list_get(ks, list, i, &o) != KS_OK ||
		    strcmp(o.kind, KS_KIND_SSH_KEY) != 0 || strcmp(o.name, it->name) == 0 ||
		    strcmp(o.host, it->host) != 0 || strcmp(o.scope, it->scope) != 0 ||
		    !ports_overlap(&o, it))
			continue;
		others[n++] = o;
	}
	if (n == 0)
		goto out;
	qsort(others, n, sizeof(others[0]), order_cmp);
	if (!it->read_only)
		first_rw = *it;
	for (size_t i = 0; i < n; i++) {
		add_name(names, sizeof(names), &used, others[i].name, i == 0, i + 1 == n);
		if (ssh_key_order(&others[i], &first) < 0)
			first = others[i];
		if (!others[i].read_only && (first_rw.name[0] == '\0' ||
					     ssh_key_order(&others[i], &first_rw) < 0))
			first_rw = others[i];
		mixed |= others[i].read_only != it->read_only;
	}
	/* the wrapper's order: newest first; a push skips read-only keys when it can */
	if (mixed && first.read_only && first_rw.name[0] != '\0')
		snprintf(push, sizeof(push), " ('%s' for a push: read-only keys are skipped "
			 "when a read-write one applies)", first_rw.name);
	msg_warn("key '%s' covers the same scope as key%s %s (%s); '%s' will be tried "
		 "first%s", it->name, n > 1 ? "s" : "", names,
		 item_where(it, where, sizeof(where)), first.name, push);
out:
	ks_list_free(list);
}
