/*
 * text.c - see text.h.
 */
#include "common/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

int copy_str(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		if (size > 0)
			dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pct_next(const char *s, size_t len, size_t *i)
{
	size_t at = *i;
	int c = (unsigned char)s[at];

	if (c == '%' && at + 2 < len && hexval(s[at + 1]) >= 0 &&
	    hexval(s[at + 2]) >= 0) {
		*i = at + 3;
		return hexval(s[at + 1]) * 16 + hexval(s[at + 2]);
	}
	*i = at + 1;
	return c;
}

int parse_decimal(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
