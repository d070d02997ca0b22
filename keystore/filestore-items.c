/*
 * filestore-items.c - the store's items: the plaintext inside the
 * encryption, and the matching rules keystore.c gives the Secret Service.
 *
 * Plaintext: items one after the other, each a list of fields
 * "u8 tag, u32 big-endian length, bytes" ended by tag 0.  Strings hold no
 * NUL; numbers are decimal.  An unknown tag is corruption: only a newer
 * writer could add one, and it bumps the file's version.
 */
#include "filestore-int.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	F_END = 0, F_ID, F_KIND, F_PROTOCOL, F_HOST, F_PORT, F_SCOPE,
	F_USERNAME, F_NAME, F_REPOS, F_READ_ONLY, F_CREATED, F_LAST_USED,
	F_WARNED, F_LABEL, F_SECRET,
};

void fsi_free(struct fs_items *items)
{
	for (size_t i = 0; i < items->n; i++) {
		free(items->v[i].label);
		sbuf_free(&items->v[i].secret);
	}
	free(items->v);
	items->v = NULL;
	items->n = items->cap = 0;
}

int fsi_push(struct fs_items *items, struct fs_entry **out)
{
	struct fs_entry *v;
	size_t cap;

	/* doubling: a store of n items is parsed in O(n), not O(n^2) copies */
	if (items->n == items->cap) {
		cap = items->cap ? 2 * items->cap : 16;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(items->v, cap * sizeof(*v))) == NULL)
			return FS_ERR_NOMEM;
		items->v = v;
		items->cap = cap;
	}
	*out = &items->v[items->n++];
	memset(*out, 0, sizeof(**out));
	return FS_OK;
}

static int put_field(struct sbuf *sb, int tag, const void *p, size_t len)
{
	unsigned char h[5];

	h[0] = (unsigned char)tag;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
	if (sbuf_add(sb, h, sizeof(h)) != 0 || sbuf_add(sb, p, len) != 0)
		return FS_ERR_TOO_LARGE;
	return FS_OK;
}

static int put_str(struct sbuf *sb, int tag, const char *s)
{
	return put_field(sb, tag, s, strlen(s));
}

static int put_num(struct sbuf *sb, int tag, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	return put_str(sb, tag, num);
}

int fsi_serialize(const struct fs_items *items, struct sbuf *out)
{
	static const unsigned char end = F_END;
	int r = FS_OK;

	sbuf_reset(out);
	out->max = FS_MAX_PLAINTEXT;
	for (size_t i = 0; i < items->n && r == FS_OK; i++) {
		const struct fs_entry *e = &items->v[i];
		const struct ks_item *it = &e->it;

		if ((r = put_str(out, F_ID, it->id)) != FS_OK ||
		    (r = put_str(out, F_KIND, it->kind)) != FS_OK ||
		    (r = put_str(out, F_PROTOCOL, it->protocol)) != FS_OK ||
		    (r = put_str(out, F_HOST, it->host)) != FS_OK ||
		    (r = put_num(out, F_PORT, it->port)) != FS_OK ||
		    (r = put_str(out, F_SCOPE, it->scope)) != FS_OK ||
		    (r = put_str(out, F_USERNAME, it->username)) != FS_OK ||
		    (r = put_str(out, F_NAME, it->name)) != FS_OK ||
		    (r = put_str(out, F_REPOS, it->repos)) != FS_OK ||
		    (r = put_num(out, F_READ_ONLY, it->read_only ? 1 : 0)) != FS_OK ||
		    (r = put_num(out, F_CREATED, it->created)) != FS_OK ||
		    (r = put_num(out, F_LAST_USED, it->last_used)) != FS_OK ||
		    (r = put_num(out, F_WARNED, it->warned)) != FS_OK ||
		    (r = put_str(out, F_LABEL, e->label ? e->label : "")) != FS_OK ||
		    (r = put_field(out, F_SECRET, e->secret.buf ? e->secret.buf : "",
				   e->secret.len)) != FS_OK)
			break;
		if (sbuf_add(out, &end, 1) != 0)
			r = FS_ERR_TOO_LARGE;
	}
	if (r != FS_OK)
		sbuf_free(out);
	return r;
}

/* A string field into dst[n]: no NUL inside, and it must fit. */
static int get_str(char *dst, size_t n, const unsigned char *p, size_t len)
{
	if (len >= n || memchr(p, '\0', len) != NULL)
		return FS_ERR_CORRUPT;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return FS_OK;
}

static int get_num(long long *v, long long max, const unsigned char *p,
		   size_t len)
{
	char num[24], *end;

	if (get_str(num, sizeof(num), p, len) != FS_OK || num[0] == '\0')
		return FS_ERR_CORRUPT;
	errno = 0;
	*v = strtoll(num, &end, 10);
	if (errno != 0 || *end != '\0' || *v < 0 || *v > max)
		return FS_ERR_CORRUPT;
	return FS_OK;
}

static int parse_field(struct fs_entry *e, int tag, const unsigned char *p,
		       size_t len)
{
	struct ks_item *it = &e->it;
	long long v;
	int r;

	switch (tag) {
	case F_ID: return get_str(it->id, sizeof(it->id), p, len);
	case F_KIND: return get_str(it->kind, sizeof(it->kind), p, len);
	case F_PROTOCOL: return get_str(it->protocol, sizeof(it->protocol), p, len);
	case F_HOST: return get_str(it->host, sizeof(it->host), p, len);
	case F_SCOPE: return get_str(it->scope, sizeof(it->scope), p, len);
	case F_USERNAME: return get_str(it->username, sizeof(it->username), p, len);
	case F_NAME: return get_str(it->name, sizeof(it->name), p, len);
	case F_REPOS: return get_str(it->repos, sizeof(it->repos), p, len);
	case F_PORT:
		r = get_num(&v, 65535, p, len);
		it->port = (unsigned)v;
		return r;
	case F_READ_ONLY:
		r = get_num(&v, 1, p, len);
		it->read_only = (int)v;
		return r;
	case F_CREATED: return get_num(&it->created, LLONG_MAX, p, len);
	case F_LAST_USED: return get_num(&it->last_used, LLONG_MAX, p, len);
	case F_WARNED: return get_num(&it->warned, LLONG_MAX, p, len);
	case F_LABEL:
		free(e->label);
		if ((e->label = malloc(len + 1)) == NULL)
			return FS_ERR_NOMEM;
		return get_str(e->label, len + 1, p, len);
	case F_SECRET:
		sbuf_reset(&e->secret);
		return sbuf_add(&e->secret, p, len) == 0 ? FS_OK : FS_ERR_NOMEM;
	}
	/* only a newer writer has more fields, and it bumps the version */
	return FS_ERR_CORRUPT;
}

int fsi_parse(const struct sbuf *plain, struct fs_items *items)
{
	const unsigned char *p = (const unsigned char *)plain->buf;
	size_t len = plain->len, pos = 0;
	struct fs_entry *e = NULL;
	int r;

	while (pos < len) {
		size_t flen;
		int tag = p[pos++];

		if (e == NULL && (r = fsi_push(items, &e)) != FS_OK)
			goto fail;
		if (tag == F_END) {
			if (e->it.id[0] == '\0') {
				r = FS_ERR_CORRUPT;
				goto fail;
			}
			e = NULL;
			continue;
		}
		if (len - pos < 4) {
			r = FS_ERR_CORRUPT;
			goto fail;
		}
		flen = (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 |
		       (size_t)p[pos + 2] << 8 | p[pos + 3];
		pos += 4;
		if (flen > len - pos) {
			r = FS_ERR_CORRUPT;
			goto fail;
		}
		if ((r = parse_field(e, tag, p + pos, flen)) != FS_OK)
			goto fail;
		pos += flen;
	}
	if (e == NULL)
		return FS_OK;
	r = FS_ERR_CORRUPT;	/* the last item is not ended */
fail:
	fsi_free(items);
	return r;
}

/* keystore.c's SearchItems pattern: every non-empty field, widened by flags. */
int fsi_matches(const struct ks_item *it, const struct ks_item *p,
		   unsigned flags)
{
	return (!p->kind[0] || strcmp(it->kind, p->kind) == 0) &&
	       (!p->protocol[0] || strcmp(it->protocol, p->protocol) == 0) &&
	       (!p->host[0] || strcmp(it->host, p->host) == 0) &&
	       (!(flags & KS_MATCH_PORT) || it->port == p->port) &&
	       ((!p->scope[0] && !(flags & KS_MATCH_SCOPE)) ||
		strcmp(it->scope, p->scope) == 0) &&
	       (!p->username[0] || strcmp(it->username, p->username) == 0) &&
	       (!p->name[0] || strcmp(it->name, p->name) == 0);
}

/* What a new item replaces: keystore.c's find_replaced(). */
int fsi_replaces(const struct ks_item *new_it, const struct ks_item *old)
{
	struct ks_item p = KS_ITEM_INIT;

	if (strcmp(new_it->kind, KS_KIND_SSH_KEY) == 0) {
		/* key names are unique among keys, whatever their scope */
		memcpy(p.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
		memcpy(p.name, new_it->name, sizeof(p.name));
		return fsi_matches(old, &p, 0);
	}
	memcpy(p.protocol, new_it->protocol, sizeof(p.protocol));
	memcpy(p.host, new_it->host, sizeof(p.host));
	p.port = new_it->port;
	memcpy(p.scope, new_it->scope, sizeof(p.scope));
	memcpy(p.username, new_it->username, sizeof(p.username));
	return fsi_matches(old, &p, KS_MATCH_PORT | KS_MATCH_SCOPE);
}

struct fs_entry *fsi_find(const struct fs_items *items, const char *id)
{
	for (size_t i = 0; i < items->n; i++)
		if (strcmp(items->v[i].it.id, id) == 0)
			return &items->v[i];
	return NULL;
}

void fsi_remove(struct fs_items *items, size_t i)
{
	free(items->v[i].label);
	sbuf_free(&items->v[i].secret);
	memmove(&items->v[i], &items->v[i + 1],
		(items->n - i - 1) * sizeof(items->v[0]));
	items->n--;
}
