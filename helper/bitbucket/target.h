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

enum product { PRODUCT_NONE = 0, PRODUCT_CLOUD, PRODUCT_DATACENTER };
enum level { LEVEL_HOST = 0, LEVEL_ACCOUNT, LEVEL_REPO };

enum {
	TARGET_OK = 0,
	TARGET_ERR_SYNTAX = -1,		/* not a URL we can read */
	TARGET_ERR_TOO_LONG = -2,
	TARGET_ERR_BAD_PORT = -3,
	TARGET_ERR_NO_HOST = -4,
	TARGET_ERR_SCHEME = -5,		/* a scheme other than https/http/ssh */
};

/* Declared Data Center hosts: "host" or "host:port", case-insensitive. */
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
	char account[256];	/* Cloud workspace / Data Center project key, lowercase */
	char repo[256];		/* repository slug, lowercase, no .git */
	char scope[512];	/* "", "account" or "account/repo" */
	enum level level;
};

/*
 * A URL as a person types it: https://[user@]host[:port]/path,
 * ssh://[user@]host[:port]/path, scp-like [user@]host:path, or a bare
 * host[/path] (taken as https).
 */
int target_from_url(const char *url, const struct dc_hosts *dc,
		    struct target *out);

/*
 * What git sends: protocol, host (possibly "host:port"), path (may be NULL
 * or empty).  For protocol "ssh" the path is the repository path of an SSH
 * URL, for http(s) the URL path.
 */
int target_from_parts(const char *protocol, const char *hostport,
		      const char *path, const struct dc_hosts *dc,
		      struct target *out);

/* Which product a bare host (lowercase or not) is: NONE if not ours. */
enum product target_product(const char *host, unsigned port,
			    const struct dc_hosts *dc);

/* "host[:port]/scope" for messages and labels, into buf. */
const char *target_describe(const struct target *t, char *buf, unsigned len);

const char *target_strerror(int err);

#endif
