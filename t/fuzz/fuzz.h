/*
 * fuzz.h - what the fuzz targets in t/fuzz/ share.
 *
 * Each fuzz-<target>.c defines LLVMFuzzerTestOneInput() and reaches its
 * parser only through the module's public header.  The same file is linked
 * two ways: with t/fuzz/replay.c (gcc, `make units`: replays the corpus
 * and the regression inputs in `make test`), and with clang's libFuzzer
 * (`make fuzz`).  A broken invariant aborts, so both ways report it.
 */
#ifndef GCB_FUZZ_H
#define GCB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code under test promises; abort (a "crash") when broken. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static inline char *fuzz_copy(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/*
 * The next field of the input, up to sep (not included) or the end, as a
 * malloc()ed string of exactly that size (so ASan sees any over-read);
 * *pos moves past sep.  NULL when the input is used up.  *len (may be
 * NULL) is the field's length: it may hold NUL bytes when sep is not NUL.
 */
static inline char *fuzz_field(const uint8_t *data, size_t size, size_t *pos,
			       int sep, size_t *len)
{
	const uint8_t *end;
	size_t n;

	if (*pos >= size)
		return NULL;
	end = memchr(data + *pos, sep, size - *pos);
	n = end ? (size_t)(end - (data + *pos)) : size - *pos;
	if (len != NULL)
		*len = n;
	*pos += n + (end ? 1 : 0);
	return fuzz_copy(data + *pos - n - (end ? 1 : 0), n);
}

/* The rest of the input, exactly sized and NUL-terminated ("" when none). */
static inline char *fuzz_rest(const uint8_t *data, size_t size, size_t *pos,
			      size_t *len)
{
	size_t n = *pos < size ? size - *pos : 0;
	char *s = fuzz_copy(data + (*pos < size ? *pos : size), n);

	*pos = size;
	if (len != NULL)
		*len = n;
	return s;
}

#endif
