/*
 * credential.h - git's credential wire format, and nothing else.
 *
 * Input: "key=value" lines up to a blank line or EOF (gitcredentials(7),
 * git-credential(1)).  No line-length limit, but a cap on the whole input.
 * Unknown keys are ignored on purpose: newer git sends capability[],
 * wwwauth[], state[] and more, and a helper must not choke on them.
 */
#ifndef GCB_CREDENTIAL_H
#define GCB_CREDENTIAL_H

#include <stdio.h>
#include "secret.h"

#define CREDENTIAL_MAX_INPUT ((size_t)4 << 20)	/* 4 MiB in all */

enum {
	CRED_OK = 0,
	CRED_ERR_TOO_LONG = -1,	/* input over CREDENTIAL_MAX_INPUT */
	CRED_ERR_READ = -2,
	CRED_ERR_NOMEM = -3,
	CRED_ERR_URL = -4,	/* url= that cannot be parsed */
};

struct credential {
	char *protocol;
	char *host;		/* may be "host:port" */
	char *path;
	char *username;
	struct sbuf password;
	struct sbuf oauth_refresh_token;
	long long password_expiry_utc;	/* 0 = not given */
	int has_password;
	int has_oauth;
};

#define CREDENTIAL_INIT { NULL, NULL, NULL, NULL, SBUF_INIT, SBUF_INIT, 0, 0, 0 }

/*
 * Read a request from fd.  Lines without '=' and lines holding NUL bytes
 * are skipped without affecting the lines around them.  A later key
 * overrides an earlier one; url= resets and fills protocol, host, path,
 * username and password like git does.  Everything read is wiped.
 */
int credential_read(int fd, struct credential *c);
void credential_clear(struct credential *c);

/*
 * Write "key=value\n".  A value holding CR, LF or NUL is never written
 * (newline injection, CVE-2020-5260): returns -1 and writes nothing.
 */
int credential_write(FILE *out, const char *key, const char *value, size_t len);

#endif
