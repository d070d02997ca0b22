/*
 * fuzz-target.c - URLs and what git sends, to a target (bitbucket/target.h).
 *
 * Input, by lines: a URL as a person types it; then protocol, host[:port]
 * and path as git sends them.  Declared Data Center hosts are fixed.
 * Invariants, from target.h and the comments in target.c: a scope never
 * names another place ("." or ".." as account or repository, a '/' inside
 * one), it is "", "account" or "account/repo" as its level says, and the
 * host is lowercase.  A path git sent that fits no shape is kept whole as
 * an exact scope: "/path", the same in account, level ACCOUNT, one '/'
 * between parts.
 */
#include <ctype.h>

#include "fuzz.h"
#include "bitbucket/target.h"

static void check(const struct target *t)
{
	char buf[1200], small[9];
	size_t al = strlen(t->account);

	for (const char *p = t->host; *p; p++)
		FUZZ_CHECK(!isupper((unsigned char)*p));
	if (t->exact) {
		FUZZ_CHECK(t->scope[0] == '/' && strcmp(t->account, t->scope) == 0);
		FUZZ_CHECK(t->level == LEVEL_ACCOUNT && strstr(t->scope, "//") == NULL);
		goto describe;
	}
	FUZZ_CHECK(strcmp(t->account, ".") != 0 && strcmp(t->account, "..") != 0);
	FUZZ_CHECK(strcmp(t->repo, ".") != 0 && strcmp(t->repo, "..") != 0);
	FUZZ_CHECK(strchr(t->account, '/') == NULL && strchr(t->repo, '/') == NULL);
	switch (t->level) {
	case LEVEL_HOST:
		FUZZ_CHECK(t->scope[0] == '\0');
		break;
	case LEVEL_ACCOUNT:
		FUZZ_CHECK(al > 0 && strcmp(t->scope, t->account) == 0);
		break;
	case LEVEL_REPO:
		FUZZ_CHECK(al > 0 && t->repo[0] != '\0' &&
			   strncmp(t->scope, t->account, al) == 0 && t->scope[al] == '/' &&
			   strcmp(t->scope + al + 1, t->repo) == 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
describe:
	target_describe(t, buf, sizeof(buf));
	target_describe(t, small, sizeof(small));
	FUZZ_CHECK(strlen(small) < sizeof(small));
	(void)target_product(t->host, t->port, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dc_names[] = {
		"git.example.com", "scm.example.org:7990", "[::1]:7999",
	};
	const struct dc_hosts dc = { dc_names, 3 };
	struct target t;
	size_t pos = 0;
	char *url, *proto, *host, *path;

	url = fuzz_field(data, size, &pos, '\n', NULL);
	proto = fuzz_field(data, size, &pos, '\n', NULL);
	host = fuzz_field(data, size, &pos, '\n', NULL);
	path = fuzz_field(data, size, &pos, '\n', NULL);
	if (url != NULL) {
		memset(&t, 0, sizeof(t));
		if (target_from_url(url, &dc, &t) == TARGET_OK)
			check(&t);
		memset(&t, 0, sizeof(t));
		if (target_from_url(url, NULL, &t) == TARGET_OK)
			check(&t);
		memset(&t, 0, sizeof(t));
		if (target_from_ssh_url(url, &dc, &t) == TARGET_OK)
			check(&t);
	}
	if (proto != NULL && host != NULL) {
		memset(&t, 0, sizeof(t));
		if (target_from_parts(proto, host, path, &dc, &t) == TARGET_OK)
			check(&t);
	}
	if (url != NULL)
		(void)target_product(url, 0, &dc);
	free(url);
	free(proto);
	free(host);
	free(path);
	return 0;
}
