/*
 * fuzz-gitconfig.c - git's configuration syntax as the native reader
 * parses it (gitconfig/gitconfig.h), includes too.
 *
 * Input: one configuration file's text.  It is parsed as a file in a
 * private directory that holds two small include files (a.inc, b.inc);
 * input with '/' or '~' is not parsed, so no include can reach a file
 * outside it (a FIFO or a terminal would block, /proc would vary).  Then
 * the entries go through the lookups the helper uses, and the first line
 * is a gitdir: pattern matched against the second.  Invariants: every
 * entry has a name of the form section[.sub].key in canonical case (or a
 * bare key, for a line before any section, as git reads it), and
 * gitconfig_get() of an entry's name finds a value.
 */
#include <ctype.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "gitconfig/gitconfig.h"

static char dir[64];
static char path[96];

static void put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
}

static void cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/a.inc", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.inc", dir);
	unlink(p);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/gcb-fuzz-gitconfig.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/config", dir);
	put("a.inc", "[bitbucket]\n\tdatacenterHost = git.example.com\n[include]\n\tpath = b.inc\n");
	put("b.inc", "[credential \"https://bitbucket.org\"]\n\tuseHttpPath = true\n"
		     "[include]\n\tpath = a.inc\n");
	atexit(cleanup);
	/* "~" is this directory */
	setenv("HOME", dir, 1);
}

static int want_some(const char *name, void *arg)
{
	(void)arg;
	return name[0] != 'x';
}

static void check(const struct gitconfig *gc)
{
	for (size_t i = 0; i < gc->n; i++) {
		const char *name = gc->e[i].name, *first = strchr(name, '.'),
			   *last = strrchr(name, '.');
		int found = 0;

		/* a key before any section has no dot, as in git */
		if (first == NULL)
			first = last = name - 1;
		FUZZ_CHECK(name[0] != '\0' && last[1] != '\0');
		/* section and key are lowercase; the subsection is as written */
		for (const char *p = name; p < first; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		for (const char *p = last + 1; *p; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		(void)gitconfig_get(gc, name, &found);
		FUZZ_CHECK(found);
		(void)gitconfig_bool(gc->e[i].value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitconfig gc = GITCONFIG_INIT;
	char *text = fuzz_copy(data, size), *pat, *str, canon[256];
	size_t pos = 0;
	int r;

	if (dir[0] == '\0')
		setup();
	if (memchr(data, '/', size) == NULL && memchr(data, '~', size) == NULL) {
		r = gitconfig_parse(&gc, text, size, path, NULL, NULL);
		if (r == GITCONFIG_OK)
			check(&gc);
		else
			FUZZ_CHECK(gc.n == 0 && gitconfig_strerror(r) != NULL);
		gitconfig_free(&gc);
		r = gitconfig_parse(&gc, text, size, path, want_some, NULL);
		if (r == GITCONFIG_OK)
			check(&gc);
		gitconfig_free(&gc);
	}
	pat = fuzz_field(data, size, &pos, '\n', NULL);
	str = fuzz_field(data, size, &pos, '\n', NULL);
	if (pat != NULL) {
		(void)gitconfig_bool(pat);
		if (gitconfig_canonical_key(pat, canon, sizeof(canon)) == 0)
			FUZZ_CHECK(strlen(canon) == strlen(pat));
		(void)gitconfig_canonical_key(pat, canon, 4);
		if (str != NULL) {
			(void)gitconfig_wildmatch(pat, str, 0);
			(void)gitconfig_wildmatch(pat, str, 1);
		}
	}
	free(pat);
	free(str);
	free(text);
	return 0;
}
