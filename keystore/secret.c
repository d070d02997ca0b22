/* secret.c - bounded byte buffers that are wiped when freed. */
#include "secret.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void wipe(void *p, size_t len)
{
	if (p == NULL || len == 0)
		return;
	memset(p, 0, len);
	/* keep the compiler from treating the memset as a dead store */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

void free_wiped(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

static size_t sbuf_max(const struct sbuf *sb)
{
	return sb->max ? sb->max : SBUF_DEFAULT_MAX;
}

/* Grow to hold at least need+1 bytes; old contents are wiped, never left behind by realloc. */
static int sbuf_grow(struct sbuf *sb, size_t need)
{
	size_t cap;
	char *n;

	if (need < sb->cap)
		return 0;
	if (need >= sbuf_max(sb) + 1)
		return -1;
	cap = sb->cap ? sb->cap : 64;
	while (cap <= need)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	if (cap > sbuf_max(sb) + 1)
		cap = sbuf_max(sb) + 1;
	if ((n = malloc(cap)) == NULL)
		return -1;
	if (sb->buf != NULL) {
		memcpy(n, sb->buf, sb->len + 1);
		wipe(sb->buf, sb->cap);
		free(sb->buf);
	} else {
		n[0] = '\0';
	}
	sb->buf = n;
	sb->cap = cap;
	return 0;
}

int sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (len > sbuf_max(sb) || sb->len > sbuf_max(sb) - len)
		return -1;
	if (sbuf_grow(sb, sb->len + len) != 0)
		return -1;
	if (len > 0)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sbuf_addstr(struct sbuf *sb, const char *s)
{
	return sbuf_add(sb, s, strlen(s));
}

int sbuf_addch(struct sbuf *sb, int c)
{
	char ch = (char)c;

	return sbuf_add(sb, &ch, 1);
}

void sbuf_reset(struct sbuf *sb)
{
	if (sb->buf != NULL) {
		wipe(sb->buf, sb->cap);
		sb->buf[0] = '\0';
	}
	sb->len = 0;
}

void sbuf_free(struct sbuf *sb)
{
	size_t max;

	if (sb == NULL)
		return;
	max = sb->max;
	if (sb->buf != NULL) {
		wipe(sb->buf, sb->cap);
		free(sb->buf);
	}
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->max = max;
}

void sbuf_move(struct sbuf *dst, struct sbuf *src)
{
	sbuf_free(dst);
	*dst = *src;
	src->buf = NULL;
	src->len = src->cap = 0;
}
