/*
 * test-target.c - URL tables for target_from_url() and target_from_parts():
 * both products, every URL shape of BITBUCKET-RULES.md section 1 and of
 * URL SHAPES in git-credential-bitbucket(1), scopes, normalisation, exact
 * scopes for git's paths that fit no shape, refusals of a person's URL
 * that fits none, declarations, hosts that are not ours, and malformed
 * input.
 */
#include <stdio.h>
#include <string.h>

#include "bitbucket/target.h"
#include "unit.h"

/* Declared Data Center hosts: one without a port, one with a port (which
 * restricts nothing), one in another case and with spaces as people write
 * them in git config. */
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
#define EXACT 1		/* want.exact: git's path kept whole */

struct want {
	int ret;
	enum product product;
	const char *protocol, *host;
	unsigned port;
	const char *username, *account, *repo, *scope;
	enum level level;
	int exact;
};

struct url_case {
	const char *url;
	struct want w;
};

static const struct url_case url_cases[] = {
	/* Cloud, HTTPS */
	{ "https://bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme/widget/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://alice@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://alice:not-kept@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org:443/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 443, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "http://bitbucket.org/acme/widget.git",
	  { 0, C, "http", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A, 0 } },
	{ "https://bitbucket.org/acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A, 0 } },
	{ "https://bitbucket.org/",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "https://bitbucket.org",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "HTTPS://Alice@BitBucket.ORG/Acme/Widget.GIT",
	  { 0, C, "https", "bitbucket.org", 0, "Alice", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme/widget.git?at=main#readme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	/* Cloud, SSH */
	{ "git@bitbucket.org:acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R, 0 } },
	{ "git@bitbucket.org:acme/widget",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R, 0 } },
	{ "git@bitbucket.org:acme/",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "", "acme", A, 0 } },
	{ "git@bitbucket.org:",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "", "", "", H, 0 } },
	{ "bitbucket.org:acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "ssh://git@bitbucket.org/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R, 0 } },
	{ "ssh://git@bitbucket.org:22/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 22, "git", "acme", "widget", "acme/widget", R, 0 } },
	{ "git+ssh://git@bitbucket.org/acme/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "widget", "acme/widget", R, 0 } },
	/* Cloud, bare */
	{ "bitbucket.org",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "BITBUCKET.ORG",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "bitbucket.org/acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "bitbucket.org/acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A, 0 } },

	/* Data Center, HTTPS */
	{ "https://git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/scm/PROJ/Widget",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://alice@git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "alice", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com:8080/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 8080, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/bitbucket/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/tools/bitbucket/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/scm/PROJ",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https://git.example.com/scm/PROJ/",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https://git.example.com/bitbucket/scm/PROJ/",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https://git.example.com/scm/",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://git.example.com/scm",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://git.example.com/",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://git.example.com",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://Git.Example.COM/SCM/Proj/Widget.Git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/scm/~alice/dotfiles.git",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	{ "https://git.example.com/projects/PROJ/repos/widget/browse",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://bb.corp.example:8443/scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 8443, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://code.example.net/scm/proj/widget.git",
	  { 0, D, "https", "code.example.net", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	/* Data Center, SSH */
	{ "ssh://git@git.example.com:7999/proj/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh://git@git.example.com:7999/PROJ/Widget",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh://git@git.example.com:7999/proj/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "proj", "", "proj", A, 0 } },
	{ "ssh://git@git.example.com:7999/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "", "", "", H, 0 } },
	{ "ssh://git@git.example.com:7999",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "", "", "", H, 0 } },
	/* Data Center, bare */
	{ "git.example.com",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "git.example.com:8080",
	  { 0, D, "https", "git.example.com", 8080, "", "", "", "", H, 0 } },
	{ "bb.corp.example:8443",
	  { 0, D, "https", "bb.corp.example", 8443, "", "", "", "", H, 0 } },
	{ "git.example.com/scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },

	/* not ours: left alone, without an error */
	{ "https://github.com/acme/widget.git",
	  { 0, N, "https", "github.com", 0, "", "", "", "", H, 0 } },
	{ "git@github.com:acme/widget.git",
	  { 0, N, "ssh", "github.com", 0, "git", "", "", "", H, 0 } },
	{ "https://bitbucket.org.evil.example/acme/widget.git",
	  { 0, N, "https", "bitbucket.org.evil.example", 0, "", "", "", "", H, 0 } },
	{ "https://evilbitbucket.org/acme/widget.git",
	  { 0, N, "https", "evilbitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "https://bitbucket.org@evil.example/acme/widget.git",
	  { 0, N, "https", "evil.example", 0, "bitbucket.org", "", "", "", H, 0 } },
	{ "https://bitbucket.com/acme/widget.git",
	  { 0, N, "https", "bitbucket.com", 0, "", "", "", "", H, 0 } },
	{ "https://api.bitbucket.org/2.0/repositories",
	  { 0, N, "https", "api.bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "https://other.example.com/scm/proj/widget.git",
	  { 0, N, "https", "other.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://sub.git.example.com/scm/proj/widget.git",
	  { 0, N, "https", "sub.git.example.com", 0, "", "", "", "", H, 0 } },
	/* declared with a port: the host names the server, on every port and
	 * over both protocols */
	{ "https://bb.corp.example/scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://bb.corp.example:9443/scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 9443, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh://git@bb.corp.example:7999/proj/widget.git",
	  { 0, D, "ssh", "bb.corp.example", 7999, "git", "proj", "widget", "proj/widget", R, 0 } },

	/* Cloud: WORKSPACE[/REPO] and nothing longer, over either protocol */
	{ "https://bitbucket.org/acme/widget/src/main/README.md", { .ret = TARGET_ERR_SHAPE } },
	{ "https://bitbucket.org/a/b/c", { .ret = TARGET_ERR_SHAPE } },
	{ "git@bitbucket.org:acme/widget/extra.git", { .ret = TARGET_ERR_SHAPE } },
	{ "ssh://git@bitbucket.org/acme/team/widget.git", { .ret = TARGET_ERR_SHAPE } },
	{ "https://bitbucket.org//Acme//Widget.git//",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	/* %XX in the path is decoded, as git decodes it; %2F splits */
	{ "https://bitbucket.org/acme/wid%67et.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme%2Fwidget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https://bitbucket.org/acme%2Fwidget%2Fmore", { .ret = TARGET_ERR_SHAPE } },
	{ "https://bitbucket.org/acme/wid%0aget", { .ret = TARGET_ERR_SYNTAX } },
	{ "https://bitbucket.org/acme/wid%00get", { .ret = TARGET_ERR_SYNTAX } },
	/* "." and "..", checked after .git is stripped */
	{ "https://bitbucket.org/..git", { .ret = TARGET_ERR_DOT } },
	{ "https://bitbucket.org/.git", { .ret = TARGET_ERR_DOT } },
	{ "git@bitbucket.org:acme/...git", { .ret = TARGET_ERR_DOT } },
	{ "git@bitbucket.org:acme/..git", { .ret = TARGET_ERR_DOT } },
	{ "git@bitbucket.org:acme/.GIT", { .ret = TARGET_ERR_DOT } },
	{ "https://bitbucket.org/acme/%2e%2e", { .ret = TARGET_ERR_DOT } },
	{ "https://bitbucket.org/acme/%2E.git", { .ret = TARGET_ERR_DOT } },
	{ "https://bitbucket.org/acme/../../x/y/z", { .ret = TARGET_ERR_DOT } },
	/* three dots are a name, not a way up */
	{ "git@bitbucket.org:acme/....git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", "...", "acme/...", R, 0 } },
	{ "git@bitbucket.org:acme/.hidden.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "acme", ".hidden", "acme/.hidden", R, 0 } },

	/* Data Center over HTTPS: [CONTEXT/]scm/PROJECT[/REPO.git], the web
	 * pages, personal repositories */
	{ "https://git.example.com/PROJ/widget.git", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/PROJ/", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/bitbucket/", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/scm/proj/widget.git/info/refs", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/scm/proj/sub/widget.git", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/projects/PROJ/settings", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/users/alice/settings", { .ret = TARGET_ERR_SHAPE } },
	{ "https://git.example.com/bitbucket/scm",
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https://git.example.com/scm/scm/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "scm", "widget", "scm/widget", R, 0 } },
	{ "https://git.example.com/scm/projects",
	  { 0, D, "https", "git.example.com", 0, "", "projects", "", "projects", A, 0 } },
	{ "https://git.example.com/scm/~alice",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "", "~alice", A, 0 } },
	{ "https://git.example.com/bitbucket/scm/~Alice/Dotfiles.git",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	{ "https://git.example.com/users/alice/repos/dotfiles/browse",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	{ "https://git.example.com/users/Alice",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "", "~alice", A, 0 } },
	{ "https://git.example.com/users/alice/repos",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "", "~alice", A, 0 } },
	{ "https://git.example.com/projects/PROJ",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https://git.example.com/projects/PROJ/repos/",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https://git.example.com/bitbucket/projects/PROJ/repos/widget/browse/src/a.c?at=main",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/projects/PROJ/repos/scm",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "scm", "proj/scm", R, 0 } },
	{ "http://git.example.com/scm/proj/widget.git",
	  { 0, D, "http", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https://git.example.com/scm/proj/..git", { .ret = TARGET_ERR_DOT } },

	/* Data Center over SSH: PROJECT[/REPO.git], ~USER/REPO.git; no word
	 * is special */
	{ "ssh://git@git.example.com:7999/a/b/c/d.git", { .ret = TARGET_ERR_SHAPE } },
	{ "ssh://git@git.example.com:7999/scm/proj/widget.git", { .ret = TARGET_ERR_SHAPE } },
	{ "ssh://git@git.example.com:7999/bitbucket/proj/widget.git", { .ret = TARGET_ERR_SHAPE } },
	{ "ssh://git@git.example.com:7999/scm/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "scm", "widget", "scm/widget", R, 0 } },
	{ "ssh://git@git.example.com:7999/SCM/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "scm", "", "scm", A, 0 } },
	{ "ssh://git@git.example.com:7999/projects/foo.git",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "projects", "foo", "projects/foo", R, 0 } },
	{ "ssh://git@git.example.com:7999/users/alice",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "users", "alice", "users/alice", R, 0 } },
	{ "ssh://git@git.example.com:7999/~alice/dotfiles.git",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	{ "ssh://git@git.example.com:7999/~alice/",
	  { 0, D, "ssh", "git.example.com", 7999, "git", "~alice", "", "~alice", A, 0 } },
	{ "git@git.example.com:PROJ/widget.git",
	  { 0, D, "ssh", "git.example.com", 0, "git", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh://git@git.example.com:7999/proj/...git", { .ret = TARGET_ERR_DOT } },

	/* malformed */
	/* a percent-encoded user name is decoded (so the e-mail rule sees it) */
	{ "https://alice%40example.com@bitbucket.org/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "alice@example.com", "acme", "widget", "acme/widget", R, 0 } },
	/* like git: user@host:digits/... is scp-like, the digits are a path */
	{ "git@bitbucket.org:7999/acme",
	  { 0, C, "ssh", "bitbucket.org", 0, "git", "7999", "acme", "7999/acme", R, 0 } },
	/* without a user, host:port is a port */
	{ "git.example.com:8443/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 8443, "", "proj", "widget", "proj/widget", R, 0 } },
	/* the root label: bitbucket.org. is bitbucket.org */
	{ "https://bitbucket.org./acme/",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A, 0 } },
	/* dot segments would name other scopes */
	{ "https://bitbucket.org/acme/../other", { .ret = TARGET_ERR_DOT } },
	{ "https://bitbucket.org/./acme", { .ret = TARGET_ERR_DOT } },
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
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https", "bitbucket.org", "acme/widget",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https", "bitbucket.org", "/acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https", "bitbucket.org", "acme",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "", "acme", A, 0 } },
	{ "https", "bitbucket.org", NULL,
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "https", "bitbucket.org", "",
	  { 0, C, "https", "bitbucket.org", 0, "", "", "", "", H, 0 } },
	{ "https", "BitBucket.Org", "Acme/Widget.git",
	  { 0, C, "https", "bitbucket.org", 0, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "HTTPS", "bitbucket.org:443", "acme/widget.git",
	  { 0, C, "https", "bitbucket.org", 443, "", "acme", "widget", "acme/widget", R, 0 } },
	{ "https", "git.example.com", "scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https", "git.example.com", "bitbucket/scm/PROJ/widget.git",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https", "git.example.com", "scm/proj",
	  { 0, D, "https", "git.example.com", 0, "", "proj", "", "proj", A, 0 } },
	{ "https", "git.example.com", NULL,
	  { 0, D, "https", "git.example.com", 0, "", "", "", "", H, 0 } },
	{ "https", "git.example.com:8080", "scm/proj/widget.git",
	  { 0, D, "https", "git.example.com", 8080, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https", "bb.corp.example:8443", "scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 8443, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh", "git.example.com:7999", "proj/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "https", "github.com", "acme/widget.git",
	  { 0, N, "https", "github.com", 0, "", "", "", "", H, 0 } },
	{ "https", "bb.corp.example", "scm/proj/widget.git",
	  { 0, D, "https", "bb.corp.example", 0, "", "proj", "widget", "proj/widget", R, 0 } },
	{ "ssh", "bb.corp.example:7999", "proj/widget.git",
	  { 0, D, "ssh", "bb.corp.example", 7999, "", "proj", "widget", "proj/widget", R, 0 } },

	/* git's path that fits no shape: kept whole, an exact scope */
	{ "https", "git.example.com", "team/repo.git",
	  { 0, D, "https", "git.example.com", 0, "", "/team/repo.git", "", "/team/repo.git", A, EXACT } },
	{ "https", "git.example.com", "/Team//Repo.git/",
	  { 0, D, "https", "git.example.com", 0, "", "/team/repo.git", "", "/team/repo.git", A, EXACT } },
	{ "https", "git.example.com", "bitbucket",
	  { 0, D, "https", "git.example.com", 0, "", "/bitbucket", "", "/bitbucket", A, EXACT } },
	{ "https", "git.example.com", "scm/proj/widget.git/info/refs",
	  { 0, D, "https", "git.example.com", 0, "", "/scm/proj/widget.git/info/refs", "",
	    "/scm/proj/widget.git/info/refs", A, EXACT } },
	{ "ssh", "git.example.com:7999", "a/b/c/d.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "/a/b/c/d.git", "", "/a/b/c/d.git", A, EXACT } },
	{ "ssh", "git.example.com:7999", "/scm/proj/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "/scm/proj/widget.git", "",
	    "/scm/proj/widget.git", A, EXACT } },
	{ "https", "bitbucket.org", "acme/widget/extra",
	  { 0, C, "https", "bitbucket.org", 0, "", "/acme/widget/extra", "", "/acme/widget/extra", A, EXACT } },
	{ "ssh", "bitbucket.org", "acme/team/widget.git",
	  { 0, C, "ssh", "bitbucket.org", 0, "", "/acme/team/widget.git", "", "/acme/team/widget.git", A, EXACT } },
	/* no word is special over SSH */
	{ "ssh", "git.example.com:7999", "/scm/widget.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "scm", "widget", "scm/widget", R, 0 } },
	{ "ssh", "git.example.com:7999", "projects/foo.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "projects", "foo", "projects/foo", R, 0 } },
	{ "ssh", "git.example.com:7999", "/~alice/dotfiles.git",
	  { 0, D, "ssh", "git.example.com", 7999, "", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	{ "https", "git.example.com", "users/alice/repos/dotfiles",
	  { 0, D, "https", "git.example.com", 0, "", "~alice", "dotfiles", "~alice/dotfiles", R, 0 } },
	/* git has decoded the path: a '%' in it is a '%', which no slug has */
	{ "https", "bitbucket.org", "acme/%2e%2e", { .ret = TARGET_ERR_SHAPE } },
	/* nor a quote or a blank: never kept, not even as an exact scope */
	{ "https", "bitbucket.org", "acme/a\"b.git", { .ret = TARGET_ERR_SHAPE } },
	{ "https", "git.example.com", "x/y/a b.git", { .ret = TARGET_ERR_SHAPE } },
	{ "ssh", "bitbucket.org", "acme/$(id).git", { .ret = TARGET_ERR_SHAPE } },
	{ "https", "bitbucket.org", "..git", { .ret = TARGET_ERR_DOT } },
	{ "ssh", "bitbucket.org", "acme/...git", { .ret = TARGET_ERR_DOT } },
	{ "ssh", "git.example.com:7999", "a/../b/c/d.git", { .ret = TARGET_ERR_DOT } },
	{ "https", "git.example.com", "team/./repo.git", { .ret = TARGET_ERR_DOT } },
	{ "https", "bitbucket.org", "acme/wid\nget", { .ret = TARGET_ERR_SYNTAX } },
	{ "https", "bitbucket.org", "acme/wid\x7fget", { .ret = TARGET_ERR_SYNTAX } },
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
		if (t->exact != w->exact) {
			printf("# %s: exact %d, want %d\n", name, t->exact,
			       w->exact);
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
		for (char *q = name; *q; q++)	/* one TAP line per case */
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = '?';
		check(name, r, &t, &c->w);
	}
}

/* One declaration against one host on one port. */
static int declared(const char *decl, const char *host, unsigned port)
{
	const char *names[1] = { decl };
	struct dc_hosts d = { names, 1 };

	return target_product(host, port, &d) == PRODUCT_DATACENTER;
}

static void test_declarations(void)
{
	report(declared("git.example.com:7999", "git.example.com", 0) &&
	       declared("git.example.com:7999", "git.example.com", 443) &&
	       declared("git.example.com:7999", "git.example.com", 7999),
	       "declared host:7999 (from an SSH URL) covers HTTPS and SSH");
	report(declared("git.example.com:8443", "git.example.com", 7999) &&
	       declared("git.example.com", "git.example.com", 7999),
	       "declared host:8443 or host covers SSH on 7999");
	report(declared("GIT.Example.com:7999/", "git.example.com", 0) &&
	       declared("\tgit.example.com \t", "git.example.com", 0) &&
	       declared("git.example.com.", "git.example.com", 0),
	       "declarations: any case, blanks, a final / or root dot");
	report(declared("[::1]:7999", "::1", 0) && declared("[::1]", "::1", 22) &&
	       !declared("::1", "::1", 0),
	       "declarations: an IPv6 address in brackets, with or without a port");
	report(!declared("git.example.com:x", "git.example.com", 0) &&
	       !declared("git.example.com:0", "git.example.com", 0) &&
	       !declared("git.example.com:65536", "git.example.com", 0) &&
	       !declared("[::1", "::1", 0) && !declared("[::1]x", "::1", 0) &&
	       !declared("", "git.example.com", 0) &&
	       !declared(":7999", "git.example.com", 0),
	       "declarations with a bad port or no host declare nothing");
	report(!declared("example.com", "git.example.com", 0) &&
	       !declared("git.example.com", "example.com", 0) &&
	       !declared("git.example.com", "git.example.com.evil", 0),
	       "declarations name one host, not its parents or children");
}

static void test_exact_edges(void)
{
	struct target t;
	char path[1200], buf[1300];
	size_t o = 0;
	int r;

	/* 70 parts: more than any shape, kept whole */
	for (int i = 0; i < 70; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "p%d/", i);
	r = target_from_parts("ssh", "git.example.com:7999", path, &dc, &t);
	report(r == 0 && t.exact && t.level == LEVEL_ACCOUNT &&
	       strlen(t.scope) == o && t.scope[0] == '/' &&
	       !strncmp(t.scope + 1, path, o - 1) && !strcmp(t.scope, t.account),
	       "a path of 70 parts from git is kept whole");
	r = target_from_url("ssh://git@git.example.com:7999/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r",
			    &dc, &t);
	report(r == TARGET_ERR_SHAPE, "a person's path of 18 parts is refused, not cut");

	memset(path, 'x', 600);
	path[600] = '\0';
	path[300] = '/';
	path[100] = '/';
	r = target_from_parts("https", "git.example.com", path, &dc, &t);
	report(r == TARGET_ERR_TOO_LONG,
	       "an exact path over 511 bytes is too long, not cut");

	r = target_from_parts("https", "git.example.com", "Team/Repo.git", &dc, &t);
	report(r == 0 && !strcmp(target_describe(&t, buf, sizeof(buf)),
				 "git.example.com/team/repo.git"),
	       "describe: an exact scope is host + path");
	r = target_from_parts("ssh", "git.example.com:7999", "a/b/c/d.git", &dc, &t);
	report(r == 0 && !strcmp(target_describe(&t, buf, sizeof(buf)),
				 "git.example.com:7999/a/b/c/d.git"),
	       "describe: an exact scope with a port");

	/* a key's scope: a bare host/path is SSH */
	r = target_from_ssh_url("git.example.com/PROJ/widget.git", &dc, &t);
	report(r == 0 && !strcmp(t.protocol, "ssh") && !strcmp(t.scope, "proj/widget") &&
	       t.level == LEVEL_REPO, "ssh_url: a bare host/PROJECT/REPO.git is SSH");
	r = target_from_ssh_url("git.example.com:7999/scm/proj/widget.git", &dc, &t);
	report(r == TARGET_ERR_SHAPE && !strcmp(t.protocol, "ssh") && t.port == 7999,
	       "ssh_url: a bare host with scm/PROJECT/REPO.git fits no SSH shape");
	r = target_from_ssh_url("bitbucket.org", &dc, &t);
	report(r == 0 && !strcmp(t.protocol, "ssh") && t.level == LEVEL_HOST,
	       "ssh_url: a bare host is SSH");
	r = target_from_ssh_url("https://git.example.com/scm/proj/", &dc, &t);
	report(r == 0 && !strcmp(t.protocol, "https") && !strcmp(t.scope, "proj"),
	       "ssh_url: an explicit scheme is kept (the caller refuses it)");
}

struct hint_case {
	const char *url, *hint;
};

static const struct hint_case hint_cases[] = {
	{ "https://bitbucket.org/a/b/c",
	  "the URL path fits no Bitbucket Cloud shape; use https://bitbucket.org/WORKSPACE/ "
	  "for a workspace or https://bitbucket.org/WORKSPACE/REPO.git for a repository" },
	{ "git@bitbucket.org:a/b/c.git",
	  "the URL path fits no Bitbucket Cloud shape; use git@bitbucket.org:WORKSPACE/ "
	  "for a workspace or git@bitbucket.org:WORKSPACE/REPO.git for a repository" },
	{ "ssh://git@bitbucket.org:22/a/b/c.git",
	  "the URL path fits no Bitbucket Cloud shape; use ssh://git@bitbucket.org:22/WORKSPACE/ "
	  "for a workspace or ssh://git@bitbucket.org:22/WORKSPACE/REPO.git for a repository" },
	{ "https://git.example.com/PROJ/widget.git",
	  "the URL path fits no Bitbucket Data Center shape; use "
	  "https://git.example.com/scm/PROJECT/ for a project, "
	  "https://git.example.com/scm/PROJECT/REPO.git for a repository or "
	  "https://git.example.com/scm/~USER/REPO.git for a personal one (a context "
	  "path goes before scm/, as in https://git.example.com/bitbucket/scm/PROJECT/; "
	  "a web page's URL under projects/ or users/ works too)" },
	{ "http://bb.corp.example:8080/x",
	  "the URL path fits no Bitbucket Data Center shape; use "
	  "http://bb.corp.example:8080/scm/PROJECT/ for a project, "
	  "http://bb.corp.example:8080/scm/PROJECT/REPO.git for a repository or "
	  "http://bb.corp.example:8080/scm/~USER/REPO.git for a personal one (a context "
	  "path goes before scm/, as in http://bb.corp.example:8080/bitbucket/scm/PROJECT/; "
	  "a web page's URL under projects/ or users/ works too)" },
	{ "ssh://git@git.example.com:7999/a/b/c/d.git",
	  "the URL path fits no Bitbucket Data Center shape over SSH; use "
	  "ssh://git@git.example.com:7999/PROJECT/ for a project, "
	  "ssh://git@git.example.com:7999/PROJECT/REPO.git for a repository or "
	  "ssh://git@git.example.com:7999/~USER/REPO.git for a personal one (over SSH "
	  "there is no scm/ and no context path)" },
};

static void test_shape_hints(void)
{
	char name[300], buf[1200];

	for (size_t i = 0; i < sizeof(hint_cases) / sizeof(hint_cases[0]); i++) {
		struct target t;
		int r = target_from_url(hint_cases[i].url, &dc, &t);

		snprintf(name, sizeof(name), "shape hint for %s", hint_cases[i].url);
		if (r != TARGET_ERR_SHAPE) {
			printf("# %s: returned %d\n", name, r);
			report(0, name);
			continue;
		}
		report(same("hint", target_shape_hint(&t, buf, sizeof(buf)),
			    hint_cases[i].hint, name) && !strchr(buf, '\n'), name);
	}
}

/* altssh.bitbucket.org (Cloud's SSH on port 443) is bitbucket.org over SSH only */
static void test_alt_ssh(void)
{
	struct target t;
	int r;

	r = target_from_url("ssh://git@altssh.bitbucket.org:443/acme/widget.git", NULL, &t);
	report(r == 0 && t.product == PRODUCT_CLOUD && !strcmp(t.host, "bitbucket.org") &&
	       t.port == 0 && !strcmp(t.scope, "acme/widget") && t.level == LEVEL_REPO,
	       "altssh: ssh://git@altssh.bitbucket.org:443/W/R.git is bitbucket.org's W/R");
	r = target_from_ssh_url("git@ALTSSH.bitbucket.org.:acme/", NULL, &t);
	report(r == 0 && t.product == PRODUCT_CLOUD && !strcmp(t.host, "bitbucket.org") &&
	       !strcmp(t.scope, "acme") && t.level == LEVEL_ACCOUNT,
	       "altssh: scp-like, any case, a root label: the account on bitbucket.org");
	r = target_from_parts("ssh", "altssh.bitbucket.org:443", "acme/widget.git", NULL, &t);
	report(r == 0 && t.product == PRODUCT_CLOUD && !strcmp(t.host, "bitbucket.org") &&
	       t.port == 0 && !strcmp(t.scope, "acme/widget"),
	       "altssh: what the wrapper builds from git's command is bitbucket.org's scope");
	r = target_from_url("https://altssh.bitbucket.org/acme/widget.git", NULL, &t);
	report(r == 0 && t.product == PRODUCT_NONE && !strcmp(t.host, "altssh.bitbucket.org"),
	       "altssh: over HTTPS it is not ours (SSH only)");
	report(target_ssh_product("altssh.bitbucket.org", 443, NULL) == PRODUCT_CLOUD &&
	       target_ssh_product("AltSSH.Bitbucket.org.", 22, NULL) == PRODUCT_CLOUD &&
	       target_product("altssh.bitbucket.org", 443, NULL) == PRODUCT_NONE &&
	       target_ssh_product("xaltssh.bitbucket.org", 443, NULL) == PRODUCT_NONE &&
	       target_ssh_product("altssh.bitbucket.org.evil", 443, NULL) == PRODUCT_NONE,
	       "altssh: target_ssh_product names it Cloud, and nothing like it");
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
	memset(big + 22, 'w', 600);
	memcpy(big + 622, "/widget.git", 12);
	report(target_from_url(big, &dc, &t) == TARGET_ERR_TOO_LONG,
	       "a workspace name over 511 bytes is too long");

	report(target_product("BITBUCKET.ORG", 0, NULL) == PRODUCT_CLOUD,
	       "target_product: bitbucket.org in capitals is Cloud");
	report(target_product("git.example.com", 7999, &dc) == PRODUCT_DATACENTER,
	       "target_product: a declared host on any port is Data Center");
	report(target_product("bb.corp.example", 8443, &dc) == PRODUCT_DATACENTER &&
	       target_product("bb.corp.example", 443, &dc) == PRODUCT_DATACENTER &&
	       target_product("bb.corp.example", 7999, &dc) == PRODUCT_DATACENTER &&
	       target_product("bb.corp.example", 0, &dc) == PRODUCT_DATACENTER,
	       "target_product: host:port declared names the host on every port");
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

	test_declarations();
	test_exact_edges();
	test_shape_hints();
	test_alt_ssh();

	for (int e = -7; e <= -1; e++) {
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
