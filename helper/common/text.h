/*
 * text.h - small string checks and copies the whole tree shares.
 *
 * Nothing here allocates or prints.
 */
#ifndef GCB_COMMON_TEXT_H
#define GCB_COMMON_TEXT_H

#include <stddef.h>

/*
 * Whether [s, s+len) holds a control byte (below 0x20, or DEL): bytes
 * git's credential protocol cannot carry, and that no name, token or
 * path we accept has.
 */
int has_control(const char *s, size_t len);

/*
 * [src, src+len) into dst[size] with a terminating NUL; -1, and dst left
 * empty, when it does not fit.
 */
int copy_str(char *dst, size_t size, const char *src, size_t len);

/* The value of a hexadecimal digit (either case), or -1. */
int hexval(int c);

/*
 * The byte at s[*i] of [s, s+len), with "%XX" decoded as git decodes URLs
 * (a '%' not followed by two hex digits stays a '%'); *i moves past what
 * was read.  The result may be 0 (from "%00"): callers decide.
 */
int pct_next(const char *s, size_t len, size_t *i);

/*
 * s as a decimal number in [min, max] into *out: digits only, no sign, no
 * blanks, nothing after; -1 (and *out untouched) otherwise.
 */
int parse_decimal(const char *s, long min, long max, long *out);

#endif
