/*
 * test-secret.c - keystore/secret.c: bounded buffers that wipe on grow,
 * reset and free.
 *
 * To see the wipe, this test puts a spy in front of free(): when the one
 * block a case watches is handed back, the spy records whether every byte
 * the buffer owned was zero at that moment (the block is still valid
 * then).  Plain builds define free() here and pass each block on to
 * libc's; under ASan, whose allocator a free() of our own cannot front,
 * the spy is ASan's free hook (__sanitizer_install_malloc_and_free_hooks).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "unit.h"

static void *watched;		/* the block the current case watches */
static size_t watched_len;	/* the bytes that must be zero */
static int watched_freed, watched_zero;

static void spy(const volatile void *p)
{
	if (p != NULL && p == watched) {
		const volatile unsigned char *b = p;

		watched_freed = 1;
		watched_zero = 1;
		for (size_t i = 0; i < watched_len; i++)
			if (b[i] != 0)
				watched_zero = 0;
		watched = NULL;
	}
}

#if defined(__SANITIZE_ADDRESS__)
/* libasan's public API; GCC 12 ships no header for it (LLVM's allocator_interface.h) */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
}

/* both hooks must be given, or ASan installs neither */
static void install_spy(void)
{
	if (__sanitizer_install_malloc_and_free_hooks(on_malloc, spy) == 0)
		abort();
}
#else
static void install_spy(void)
{
}

void free(void *p)
{
	static void (*real_free)(void *);
	static int resolving;

	spy(p);
	if (real_free == NULL) {
		if (resolving)
			return;	/* dlsym() freeing while we look free() up: leak it */
		resolving = 1;
		real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
		resolving = 0;
		if (real_free == NULL)
			return;
	}
	real_free(p);
}
#endif

/*
 * Is the spy in place?  Under valgrind, which replaces free() in the
 * program too, it is not: the wipe cases then say SKIP instead of failing.
 */
static int spy_works;

static void probe_spy(void)
{
	char *p = malloc(8);

	if (p == NULL)
		abort();
	memset(p, 0, 8);
	watched = p;
	watched_len = 8;
	watched_freed = 0;
	free(p);
	spy_works = watched_freed;
	watched = NULL;
}

/* A case that needs the spy. */
static void report_wipe(int ok, const char *name)
{
	char buf[200];

	if (spy_works) {
		report(ok, name);
		return;
	}
	snprintf(buf, sizeof(buf), "%s # SKIP free() is not observable here", name);
	report(1, buf);
}

static void watch(const struct sbuf *sb)
{
	watched = sb->buf;
	watched_len = sb->cap;
	watched_freed = watched_zero = 0;
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void test_add(void)
{
	struct sbuf sb = SBUF_INIT;

	report(sbuf_add(&sb, "to", 2) == 0 && sbuf_addstr(&sb, "ken") == 0 &&
	       sbuf_addch(&sb, '!') == 0 && sb.len == 6 &&
	       memcmp(sb.buf, "token!", 7) == 0 && sb.cap > sb.len,
	       "add, addstr, addch append and keep a NUL after the bytes");
	report(sbuf_add(&sb, NULL, 0) == 0 && sb.len == 6 && sb.buf[6] == '\0',
	       "adding nothing changes nothing");
	sbuf_free(&sb);
	report(sb.buf == NULL && sb.len == 0 && sb.cap == 0,
	       "free leaves the struct empty");
	sbuf_free(&sb);
	sbuf_free(NULL);
	report(1, "free accepts an empty struct twice, and NULL");
}

static void test_max(void)
{
	struct sbuf sb = SBUF_INIT;

	sb.max = 8;
	report(sbuf_add(&sb, "12345678", 8) == 0 && sb.len == 8,
	       "a buffer takes exactly its max");
	report(sbuf_addch(&sb, 'x') == -1 && sb.len == 8 &&
	       memcmp(sb.buf, "12345678", 9) == 0,
	       "one byte over max is refused and the contents stay");
	report(sbuf_add(&sb, "x", SIZE_MAX) == -1 && sb.len == 8,
	       "a length near SIZE_MAX is refused without overflow");
	report(sb.cap <= 9, "the allocation never exceeds max + 1");
	sbuf_free(&sb);
	report(sb.max == 8, "free keeps the max");
	sb.max = 0;
	report(sbuf_add(&sb, "", 0) == 0 && sbuf_add(&sb, "x", SBUF_DEFAULT_MAX + 1) == -1,
	       "max 0 means SBUF_DEFAULT_MAX");
	sbuf_free(&sb);
}

static void test_wipe_on_grow(void)
{
	struct sbuf sb = SBUF_INIT;
	char chunk[16];
	char *old;
	int ok = 1;

	memset(chunk, 's', sizeof(chunk));
	if (sbuf_add(&sb, chunk, sizeof(chunk)) != 0)
		abort();
	old = sb.buf;
	watch(&sb);
	while (sb.buf == old && ok)
		ok = sbuf_add(&sb, chunk, sizeof(chunk)) == 0;
	report_wipe(ok && watched_freed && watched_zero,
		    "growing wipes the old block before it is freed");
	ok = sb.len % sizeof(chunk) == 0;
	for (size_t i = 0; i < sb.len && ok; i++)
		ok = sb.buf[i] == 's';
	report(ok && sb.buf[sb.len] == '\0', "growing keeps the contents");
	watched = NULL;
	sbuf_free(&sb);
}

static void test_wipe_on_reset_and_free(void)
{
	struct sbuf sb = SBUF_INIT, other = SBUF_INIT;
	char *p;
	size_t cap;
	char *s;

	if (sbuf_addstr(&sb, "secret password") != 0)
		abort();
	p = sb.buf;
	cap = sb.cap;
	sbuf_reset(&sb);
	report(sb.buf == p && sb.len == 0 && all_zero(sb.buf, cap),
	       "reset keeps the block and wipes all of it");
	if (sbuf_addstr(&sb, "another secret") != 0)
		abort();
	watch(&sb);
	sbuf_free(&sb);
	report_wipe(watched_freed && watched_zero, "free wipes the whole block before freeing it");

	if (sbuf_addstr(&sb, "moved") != 0 || sbuf_addstr(&other, "replaced") != 0)
		abort();
	p = sb.buf;
	watch(&other);
	sbuf_move(&other, &sb);
	report(other.buf == p &&
	       strcmp(other.buf, "moved") == 0 && sb.buf == NULL && sb.len == 0 &&
	       sb.cap == 0, "move hands the source's block to the target and empties the source");
	report_wipe(watched_freed && watched_zero, "move wipes and frees the target's old block");
	sbuf_free(&other);

	if ((s = strdup("hunter2")) == NULL)
		abort();
	watched = s;
	watched_len = strlen(s);
	watched_freed = watched_zero = 0;
	free_wiped(s);
	free_wiped(NULL);
	wipe(NULL, 5);
	report_wipe(watched_freed && watched_zero,
		    "free_wiped wipes a string before freeing it; NULL is fine");
}

int main(void)
{
	install_spy();
	probe_spy();
	test_add();
	test_max();
	test_wipe_on_grow();
	test_wipe_on_reset_and_free();
	return unit_done();
}
