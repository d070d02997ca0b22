/*
 * target.h - what a URL, or what git sends, points at: Bitbucket Cloud,
 * a declared Bitbucket Data Center host, or something that is not ours;
 * and the scope inside it (host, account, repository).
 *
 * Pure code: no I/O, no allocation.  Data Center hosts come in from the
 * caller (config.h reads them from git config).
 */
#ifndef GCB_TARGET_H
#define GCB_TARGET_H

#define CLOUD_HOST "bitbucket.org"
/*
 * Bitbucket Cloud's SSH service on port 443 (for networks that block 22):
 * the same service as bitbucket.org, with bitbucket.org's host keys, so
 * over SSH it is bitbucket.org (scopes, keys, host keys); over HTTPS it is
 * nothing of ours.
 */
#define CLOUD_ALT_SSH_HOST "altssh.bitbucket.org"

enum product { PRODUCT_NONE = 0, PRODUCT_CLOUD, PRODUCT_DATACENTER };
enum level { LEVEL_HOST = 0, LEVEL_ACCOUNT, LEVEL_REPO };

enum {
	TARGET_OK = 0,
	TARGET_ERR_SYNTAX = -1,		/* not a URL we can read */
	TARGET_ERR_TOO_LONG = -2,
	TARGET_ERR_BAD_PORT = -3,
	TARGET_ERR_NO_HOST = -4,
	TARGET_ERR_SCHEME = -5,		/* a scheme other than https/http/ssh */
	TARGET_ERR_DOT = -6,		/* a path part ".", "..", "..git", "...git" or ".git" */
	TARGET_ERR_SHAPE = -7,		/* a person's URL fits no shape (target_shape_hint) */
};

/*
 * Declared Data Center hosts: "host", "host:port", "[v6]" or "[v6]:port",
 * case-insensitive.  The host names the server: a port in a declaration
 * is checked as a port but never restricts the match, so a declaration
 * copied from an SSH URL (host:7999) covers HTTPS to that host too, and
 * one copied from an HTTPS URL covers SSH.
 */
struct dc_hosts {
	const char *const *names;
	int n;
};

struct target {
	enum product product;
	char protocol[16];	/* "https", "http" or "ssh" */
	char host[256];		/* lowercase, no port, no brackets */
	unsigned port;		/* 0 when none was given */
	char username[256];	/* from user@host, when present */
	char account[512];	/* Cloud workspace / Data Center project key, lowercase */
	char repo[256];		/* repository slug, lowercase, no .git */
	char scope[512];	/* "", "account" or "account/repo"; "/path" when exact */
	enum level level;
	int exact;		/* git's path fit no shape: kept whole as an exact
				 * scope "/" + path (lowercase, one '/' between parts,
				 * .git kept) in both scope and account, with level
				 * LEVEL_ACCOUNT, so a lookup tries that path and then
				 * the host, and no other path ever matches it */
};

/*
 * The URL shapes (Documentation/git-credential-bitbucket-rules.txt, URL
 * SHAPES):
 *   Cloud, either protocol:  WORKSPACE[/REPO[.git]]
 *   Data Center over HTTPS:  [CONTEXT/]scm[/PROJECT[/REPO[.git]]], PROJECT
 *                            also ~USER; the web pages
 *                            [CONTEXT/]projects/PROJECT[/repos[/REPO[/...]]]
 *                            and [CONTEXT/]users/USER[/repos[/REPO[/...]]]
 *                            (USER's repositories are the project ~USER)
 *   Data Center over SSH:    PROJECT[/REPO[.git]], ~USER[/REPO[.git]]; no
 *                            word is special (scm, projects are project keys)
 * Parts are lowercased; empty parts (a//b, a trailing /) do not count; a
 * part that is ".", ".." or ".git", or becomes "." or ".." once a final
 * .git is stripped, is TARGET_ERR_DOT.
 */

/*
 * A URL as a person types it: https://[user@]host[:port]/path,
 * ssh://[user@]host[:port]/path, scp-like [user@]host:path, or a bare
 * host[/path] (taken as https).  The path is %XX-decoded, as git decodes
 * it.  A path of a Bitbucket host that fits no shape is refused with
 * TARGET_ERR_SHAPE, out->product, protocol, host and port set for
 * target_shape_hint(); it is never cut short or widened.
 */
int target_from_url(const char *url, const struct dc_hosts *dc,
		    struct target *out);

/* The same for a key's scope: a bare host[/path] is taken as ssh. */
int target_from_ssh_url(const char *url, const struct dc_hosts *dc,
			struct target *out);

/*
 * What git sends: protocol, host (possibly "host:port"), path (may be NULL
 * or empty; taken as it is, git has decoded it).  For protocol "ssh" the
 * path is the repository path of an SSH URL, for http(s) the URL path.
 * A path that fits no shape is kept whole as an exact scope (see
 * struct target's exact).
 */
int target_from_parts(const char *protocol, const char *hostport,
		      const char *path, const struct dc_hosts *dc,
		      struct target *out);

/* Which product a bare host (lowercase or not) is: NONE if not ours. */
enum product target_product(const char *host, unsigned port,
			    const struct dc_hosts *dc);

/* The same for a host reached over SSH: altssh.bitbucket.org is Cloud too. */
enum product target_ssh_product(const char *host, unsigned port,
				const struct dc_hosts *dc);

/* 1 when host (any case, without a port) is altssh.bitbucket.org. */
int target_is_cloud_alt_ssh(const char *host);

/*
 * The one line that refuses a URL of t's product and protocol that fits no
 * shape, naming the shapes accepted (no program prefix, no final period),
 * into buf.
 */
const char *target_shape_hint(const struct target *t, char *buf, unsigned len);

/* "host[:port]/scope" for messages and labels, into buf. */
const char *target_describe(const struct target *t, char *buf, unsigned len);

const char *target_strerror(int err);

#endif
