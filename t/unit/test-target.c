/*
 * test-target.c - URL tables for target_from_url() and target_from_parts():
 * both products, every URL shape of BITBUCKET-RULES.md section 1, scopes,
 * normalisation, hosts that are not ours, and malformed input.
 */
#include <stdio.h>
#include <string.h>

#include "bitbucket/target.h"
#include "unit.h"

/* Declared Data Center hosts: one on any port, one on 8443 only, one in
 * another case and with spaces as people write them in git config. */
static const char *const dc_names[] = {
	"git.example.com", "bb.corp.example:8443", " Code.Example.NET ",
};
static const struct dc_hosts dc = { dc_names, 3 };

#define C PRODUCT_CLOUD
#define D PRODUCT_DATACENTER
#define N PRODUCT_NONE
#define H LEVEL_HOST
#define A LEVEL_ACCOUNT
#define R LEVEL_REPO

struct want {
	int ret;
	enum product product;
	const char *protocol, *host;
	unsigned port;
	const char *username, *account, *repo, *scope;
	enum level level;
};

struct url_case {
	const char *url;
	struct want w;
};

static const struct url_case url_cases[] = {
	/* Cloud, HTTPS */
	{ "https://bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org/acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org/acme/widget/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org/acme/widget/src/main/README.md",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https://alice@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice", "acme", "widget", "acme/widget", R } },
	{ "https://alice:not-kept@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org:443/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 443, "", "acme", "widget", "acme/widget", R } },
	{ "http://bitbucket.org/acme/widget.git",
	  { 0, C, "http", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org/acme/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A } },
	{ "https://bitbucket.org/acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A } },
	{ "https://bitbucket.org/",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "https://bitbucket.org",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "HTTPS://Alice@BitBucket.ORG/Acme/Widget.GIT",
	  { 0, C, "https", "bitbucket.org", 0, "Alice", "acme", "widget", "acme/widget", R } },
	{ "https://bitbucket.org/acme/widget.git?at=main#readme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	/* Cloud, SSH */
	{ "git@bitbucket.org:acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R } },
	{ "git@bitbucket.org:acme/widget",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R } },
	{ "git@bitbucket.org:acme/",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "", "acme", A } },
	{ "git@bitbucket.org:",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "", "", "", H } },
	{ "bitbucket.org:acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "ssh://git@bitbucket.org/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R } },
	{ "ssh://git@bitbucket.org:22/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 22, "git", "acme", "widget", "acme/widget", R } },
	{ "git+ssh://git@bitbucket.org/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R } },
	/* Cloud, bare */
	{ "bitbucket.org",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "BITBUCKET.ORG",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "bitbucket.org/acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "bitbucket.org/acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A } },

	/* Data Center, HTTPS */
	{ "https://git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com/scm/PROJ/Widget",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://alice@git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "alice", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com:8080/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 8080, "", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com/bitbucket/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com/tools/bitbucket/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com/scm/PROJ",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A } },
	{ "https://git.example.com/scm/PROJ/",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A } },
	{ "https://git.example.com/bitbucket/scm/PROJ/",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A } },
	{ "https://git.example.com/scm/",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "https://git.example.com/scm",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "https://git.example.com/",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "https://git.example.com",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "https://Git.Example.COM/SCM/Proj/Widget.Git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://git.example.com/scm/~alice/dotfiles.git",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "dotfiles", "~alice/dotfiles", R } },
	{ "https://git.example.com/projects/PROJ/repos/widget/browse",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https://bb.corp.example:8443/scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 8443, "", "proj", "widget", "proj/widget", R } },
	{ "https://code.example.net/scm/proj/widget.git",
	  { 0, D, "https", "code.example.net", 0, "", "proj", "widget", "proj/widget", R } },
	/* Data Center, SSH */
	{ "ssh://git@git.example.com:7999/proj/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "widget", "proj/widget", R } },
	{ "ssh://git@git.example.com:7999/PROJ/Widget",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "widget", "proj/widget", R } },
	{ "ssh://git@git.example.com:7999/proj/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "", "proj", A } },
	{ "ssh://git@git.example.com:7999/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "", "", "", H } },
	{ "ssh://git@git.example.com:7999",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "", "", "", H } },
	/* Data Center, bare */
	{ "git.example.com",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "git.example.com:8080",
	  { 0, D, "https", "git.example.com", 8080, "", "", "", "", H } },
	{ "bb.corp.example:8443",
	  { 0, D, "https", "bb.corp.example", 8443, "", "", "", "", H } },
	{ "git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },

	/* not ours: left alone, without an error */
	{ "https://github.com/acme/widget.git",
	  { 0, N, "https", "github.com", 0, "", "", "", "", H } },
	{ "git@github.com:acme/widget.git",
	  { 0, N, "ssh", "github.com", 0, "git", "", "", "", H } },
	{ "https://bitbucket.org.evil.example/acme/widget.git",
	  { 0, N, "https", "bitbucket.org.evil.example", 0, "", "", "", "", H } },
	{ "https://evilbitbucket.org/acme/widget.git",
	  { 0, N, "https", "evilbitbucket.org", 0, "", "", "", "", H } },
	{ "https://bitbucket.org@evil.example/acme/widget.git",
	  { 0, N, "https", "evil.example", 0, "bitbucket.org", "", "", "", H } },
	{ "https://bitbucket.com/acme/widget.git",
	  { 0, N, "https", "bitbucket.com", 0, "", "", "", "", H } },
	{ "https://api.bitbucket.org/2.0/repositories",
	  { 0, N, "https", "api.bitbucket.org", 0, "", "", "", "", H } },
	{ "https://other.example.com/scm/proj/widget.git",
	  { 0, N, "https", "other.example.com", 0, "", "", "", "", H } },
	{ "https://sub.git.example.com/scm/proj/widget.git",
	  { 0, N, "https", "sub.git.example.com", 0, "", "", "", "", H } },
	/* declared with a port: another port is another server */
	{ "https://bb.corp.example/scm/proj/widget.git",
	  { 0, N, "https", "bb.corp.example", 0, "", "", "", "", H } },
	{ "https://bb.corp.example:9443/scm/proj/widget.git",
	  { 0, N, "https", "bb.corp.example", 9443, "", "", "", "", H } },

	/* malformed */
	/* a percent-encoded user name is decoded (so the e-mail rule sees it) */
	{ "https://alice%40example.com@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice@example.com", "acme", "widget", "acme/widget", R } },
	/* like git: user@host:digits/... is scp-like, the digits are a path */
	{ "git@bitbucket.org:7999/acme",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "7999", "acme", "7999/acme", R } },
	/* without a user, host:port is a port */
	{ "git.example.com:8443/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 8443, "", "proj", "widget", "proj/widget", R } },
	/* the root label: bitbucket.org. is bitbucket.org */
	{ "https://bitbucket.org./acme/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A } },
	/* dot segments would name other scopes */
	{ "https://bitbucket.org/acme/../other", { .ret = TARGET_ERR_SYNTAX } },
	{ "https://bitbucket.org/./acme", { .ret = TARGET_ERR_SYNTAX } },
	{ "https://bitbucket.org:0/acme/widget.git", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https://bitbucket.org:65536/acme/widget.git", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https://bitbucket.org:99999999/acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https://bitbucket.org:8o8o/acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https://bitbucket.org:/acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "ssh://git@git.example.com:-7999/proj/widget.git", { .ret = TARGET_ERR_BAD_PORT } },
	{ "ftp://bitbucket.org/acme/widget.git", { .ret = TARGET_ERR_SCHEME } },
	{ "git://bitbucket.org/acme/widget.git", { .ret = TARGET_ERR_SCHEME } },
	{ "file:///srv/git/widget.git", { .ret = TARGET_ERR_SCHEME } },
	{ "https://", { .ret = TARGET_ERR_NO_HOST } },
	{ "https:///acme/widget.git", { .ret = TARGET_ERR_NO_HOST } },
	{ "https://alice@/acme", { .ret = TARGET_ERR_NO_HOST } },
};

struct parts_case {
	const char *protocol, *hostport, *path;
	struct want w;
};

static const struct parts_case parts_cases[] = {
	{ "https", "bitbucket.org", "acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https", "bitbucket.org", "acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https", "bitbucket.org", "/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "https", "bitbucket.org", "acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A } },
	{ "https", "bitbucket.org", NULL,
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "https", "bitbucket.org", "",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H } },
	{ "https", "BitBucket.Org", "Acme/Widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R } },
	{ "HTTPS", "bitbucket.org:443", "acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 443, "", "acme", "widget", "acme/widget", R } },
	{ "https", "git.example.com", "scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https", "git.example.com", "bitbucket/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R } },
	{ "https", "git.example.com", "scm/proj",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A } },
	{ "https", "git.example.com", NULL,
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H } },
	{ "https", "git.example.com:8080", "scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 8080, "", "proj", "widget", "proj/widget", R } },
	{ "https", "bb.corp.example:8443", "scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 8443, "", "proj", "widget", "proj/widget", R } },
	{ "ssh", "git.example.com:7999", "proj/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "proj", "widget", "proj/widget", R } },
	{ "https", "github.com", "acme/widget.git",
	  { 0, N, "https", "github.com", 0, "", "", "", "", H } },
	{ "https", "bb.corp.example", "scm/proj/widget.git",
	  { 0, N, "https", "bb.corp.example", 0, "", "", "", "", H } },
	{ "https", "bitbucket.org:0", "acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https", "bitbucket.org:65536", "acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https", "bitbucket.org:x", "acme", { .ret = TARGET_ERR_BAD_PORT } },
	{ "https", "", "acme", { .ret = TARGET_ERR_NO_HOST } },
	{ "https", NULL, "acme", { .ret = TARGET_ERR_NO_HOST } },
};

static int same(const char *what, const char *got, const char *want,
		const char *name)
{
	if (!strcmp(got, want))
		return 1;
	printf("# %s: %s '%s', want '%s'\n", name, what, got, want);
	return 0;
}

static void check(const char *name, int ret, const struct target *t,
		  const struct want *w)
{
	int ok = 1;

	if (ret != w->ret) {
		printf("# %s: returned %d (%s), want %d\n", name, ret,
		       ret ? target_strerror(ret) : "ok", w->ret);
		report(0, name);
		return;
	}
	if (ret != 0) {
		report(1, name);
		return;
	}
	if (t->product != w->product) {
		printf("# %s: product %d, want %d\n", name, t->product,
		       w->product);
		ok = 0;
	}
	ok &= same("protocol", t->protocol, w->protocol, name);
	ok &= same("host", t->host, w->host, name);
	ok &= same("username", t->username, w->username, name);
	if (t->port != w->port) {
		printf("# %s: port %u, want %u\n", name, t->port, w->port);
		ok = 0;
	}
	/* the scope of a host that is not ours is nobody's business */
	if (w->product != PRODUCT_NONE) {
		ok &= same("account", t->account, w->account, name);
		ok &= same("repo", t->repo, w->repo, name);
		ok &= same("scope", t->scope, w->scope, name);
		if (t->level != w->level) {
			printf("# %s: level %d, want %d\n", name, t->level,
			       w->level);
			ok = 0;
		}
	}
	report(ok, name);
}

static void test_urls(void)
{
	char name[600];

	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct target t;
		int r = target_from_url(c->url, &dc, &t);

		snprintf(name, sizeof(name), "url %s", c->url);
		check(name, r, &t, &c->w);
	}
}

static void test_parts(void)
{
	char name[600];

	for (size_t i = 0; i < sizeof(parts_cases) / sizeof(parts_cases[0]); i++) {
		const struct parts_case *c = &parts_cases[i];
		struct target t;
		int r = target_from_parts(c->protocol, c->hostport, c->path,
					  &dc, &t);

		snprintf(name, sizeof(name), "parts %s %s %s",
			 c->protocol ? c->protocol : "(null)",
			 c->hostport ? c->hostport : "(null)",
			 c->path ? c->path : "(null)");
		check(name, r, &t, &c->w);
	}
}

static void test_edges(void)
{
	struct target t;
	char big[5000];
	char buf[600];
	int r;

	/* without declared hosts nothing but bitbucket.org is ours */
	r = target_from_url("https://git.example.com/scm/proj/widget.git",
			    NULL, &t);
	report(r == 0 && t.product == PRODUCT_NONE,
	       "no declared hosts: a Data Center URL is not ours");
	r = target_from_url("https://bitbucket.org/acme/widget.git", NULL, &t);
	report(r == 0 && t.product == PRODUCT_CLOUD &&
	       !strcmp(t.scope, "acme/widget"),
	       "no declared hosts: bitbucket.org is still ours");

	report(target_from_url("", &dc, &t) < 0, "an empty URL is an error");
	report(target_from_url(NULL, &dc, &t) < 0, "a NULL URL is an error");

	memcpy(big, "https://bitbucket.org/", 22);
	memset(big + 22, 'a', sizeof(big) - 23);
	big[sizeof(big) - 1] = '\0';
	report(target_from_url(big, &dc, &t) == TARGET_ERR_TOO_LONG,
	       "a URL over 4096 bytes is too long");

	memcpy(big, "https://", 8);
	memset(big + 8, 'h', 300);
	memcpy(big + 308, ".org/acme", 10);
	report(target_from_url(big, &dc, &t) == TARGET_ERR_TOO_LONG,
	       "a host name over 255 bytes is too long");

	memcpy(big, "https://bitbucket.org/", 22);
	memset(big + 22, 'w', 300);
	memcpy(big + 322, "/widget.git", 12);
	report(target_from_url(big, &dc, &t) == TARGET_ERR_TOO_LONG,
	       "a workspace name over 255 bytes is too long");

	report(target_product("BITBUCKET.ORG", 0, NULL) == PRODUCT_CLOUD,
	       "target_product: bitbucket.org in capitals is Cloud");
	report(target_product("git.example.com", 7999, &dc) == PRODUCT_DATACENTER,
	       "target_product: a declared host on any port is Data Center");
	report(target_product("bb.corp.example", 8443, &dc) == PRODUCT_DATACENTER &&
	       target_product("bb.corp.example", 443, &dc) == PRODUCT_NONE,
	       "target_product: host:port declared matches that port only");
	report(target_product("example.com", 0, &dc) == PRODUCT_NONE,
	       "target_product: an undeclared host is not ours");
	report(target_product(NULL, 0, &dc) == PRODUCT_NONE,
	       "target_product: NULL is not ours");

	r = target_from_url("https://bb.corp.example:8443/scm/proj/widget.git",
			    &dc, &t);
	report(r == 0 && !strcmp(target_describe(&t, buf, sizeof(buf)),
				 "bb.corp.example:8443/proj/widget"),
	       "describe: host:port/scope");
	r = target_from_url("https://bitbucket.org/acme/", &dc, &t);
	report(r == 0 && !strcmp(target_describe(&t, buf, sizeof(buf)),
				 "bitbucket.org/acme"),
	       "describe: account");
	r = target_from_url("bitbucket.org", &dc, &t);
	report(r == 0 && !strcmp(target_describe(&t, buf, sizeof(buf)),
				 "bitbucket.org"),
	       "describe: bare host");

	for (int e = -5; e <= -1; e++) {
		const char *s = target_strerror(e);

		snprintf(buf, sizeof(buf), "strerror(%d) is a phrase without a final period", e);
		report(s && s[0] && s[strlen(s) - 1] != '.' &&
		       strcmp(s, "unknown error"), buf);
	}
}

int main(void)
{
	test_urls();
	test_parts();
	test_edges();
	return unit_done();
}
