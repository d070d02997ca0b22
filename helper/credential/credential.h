/*
 * credential.h - git's credential wire format, and nothing else.
 *
 * Input: "key=value" lines up to a blank line or EOF (gitcredentials(7),
 * git-credential(1)).  No line-length limit, but a cap on the whole input.
 * Of the keys newer git sends, the reader keeps only what the helper acts
 * on: whether a wwwauth[] challenge names the Data Center realm, the
 * capabilities git offers, our own state[] value, and ephemeral.  Other
 * unknown keys are ignored on purpose (see parse_line()).
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

/* The realm Bitbucket Data Center answers with: WWW-Authenticate: Basic
 * realm="Atlassian Bitbucket" (git >= 2.41 passes it on as wwwauth[]). */
#define CREDENTIAL_DC_REALM "Atlassian Bitbucket"

/* Our state[] values start with this (git-credential(1): a prefix unique
 * to the helper; values with another prefix belong to other helpers). */
#define CREDENTIAL_STATE_PREFIX "git-credential-bitbucket:"

/* capability[] values git offered (git >= 2.46) */
#define CRED_CAPA_AUTHTYPE 1u
#define CRED_CAPA_STATE 2u

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
	int ephemeral;		/* ephemeral=true|1: not to be stored */
	int dc_realm;		/* a wwwauth[] has realm="Atlassian Bitbucket" */
	unsigned capabilities;	/* CRED_CAPA_* git offered */
	char *state;		/* our state[] value, prefix removed; NULL if none */
	/*
	 * The first of protocol=, host= and path= whose value held a carriage
	 * return or another control character ("path"), or NULL.  Git never
	 * sends one (it refuses them); such a field is not kept (NULL), and
	 * the request is refused: store says so in one line, get and erase
	 * stay silent with no answer.
	 */
	const char *bad_field;
};

#define CREDENTIAL_INIT { NULL, NULL, NULL, NULL, SBUF_INIT, SBUF_INIT, 0, 0, 0, \
			  0, 0, 0, NULL, NULL }

/*
 * Read a request from fd.  Lines without '=' and lines holding NUL bytes
 * are skipped without affecting the lines around them.  A later key
 * overrides an earlier one; url= resets and fills protocol, host, path,
 * username and password like git does.  Everything read is wiped.
 */
int credential_read(int fd, struct credential *c);
void credential_clear(struct credential *c);

/*
 * 1 if a WWW-Authenticate value ([s, s+len): one or more challenges,
 * "Scheme token68" or "Scheme param=value, param="quoted", ...") has a
 * realm parameter equal to realm.  Parameter names are case-insensitive,
 * realm values are compared exactly (RFC 9110 11.5).
 */
int credential_challenge_has_realm(const char *s, size_t len, const char *realm);

/*
 * The state[] get leaves for a server it knows as Data Center by its realm
 * alone, so that store and erase (which git >= 2.46 hands it back; git
 * sends no wwwauth[] with store) know it again:
 * "git-credential-bitbucket:datacenter=HOST", HOST as git sent it.
 * credential_state_is_dc: 1 if c carries that value for c's own host.
 * credential_write_dc_state: writes the state[] line; 0 or -1.
 */
int credential_state_is_dc(const struct credential *c);
int credential_write_dc_state(FILE *out, const struct credential *c);

/*
 * Write "key=value\n".  A value holding CR, LF or NUL is never written
 * (newline injection, CVE-2020-5260): returns -1 and writes nothing.
 */
int credential_write(FILE *out, const char *key, const char *value, size_t len);

#endif
