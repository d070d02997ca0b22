/*
 * secret.h - bounded byte buffers that are wiped when freed.
 *
 * Everything that ever holds a token, a password or private key material
 * lives in a struct sbuf.  sbuf_free() wipes before it frees, and accepts
 * NULL or a zeroed struct.  No function here prints.
 */
#ifndef GCB_SECRET_H
#define GCB_SECRET_H

#include <stddef.h>

struct sbuf {
	char *buf;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;	/* hard limit on len; 0 means SBUF_DEFAULT_MAX */
};

#define SBUF_INIT { NULL, 0, 0, 0 }
#define SBUF_DEFAULT_MAX ((size_t)8 << 20)	/* 8 MiB */

/* 0 on success, -1 when the buffer would exceed its maximum or on ENOMEM. */
int sbuf_add(struct sbuf *sb, const void *data, size_t len);
int sbuf_addstr(struct sbuf *sb, const char *s);
int sbuf_addch(struct sbuf *sb, int c);
/* Drop the contents (wiped) but keep the buffer. */
void sbuf_reset(struct sbuf *sb);
/* Wipe and free; the struct is left as SBUF_INIT but keeps its max. */
void sbuf_free(struct sbuf *sb);
/* Move: *dst takes *src's memory, *src becomes empty. dst is freed first. */
void sbuf_move(struct sbuf *dst, struct sbuf *src);

/* Wipe memory the compiler may not optimise away. NULL is fine. */
void wipe(void *p, size_t len);
/* Wipe a NUL-terminated string in place and free it. NULL is fine. */
void free_wiped(char *s);

#endif
