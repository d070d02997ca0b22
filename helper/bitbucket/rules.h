/*
 * rules.h - Bitbucket's rules for secrets (BITBUCKET-RULES.md, sections 2
 * and 4), as pure checks: no I/O, no global state, the clock passed in.
 *
 * Each check fills a struct rule_result: on refusal a one-line message
 * "<what is wrong>; <how to fix it>" (no program prefix, lowercase start,
 * no final period), on acceptance the kind of secret and possibly a
 * warning line.  Messages never contain the secret, nor any part of it
 * beyond the 4-letter kind marker (ATAT, ATBB, ATCT); they never echo the
 * username either, which could be a token pasted in the wrong field.
 * The caller prints them (msg_error / msg_warn).
 */
#ifndef GCB_RULES_H
#define GCB_RULES_H

#include <stddef.h>
#include "bitbucket/target.h"

/* Bitbucket Cloud's app passwords (ATBB): creation disabled, then removed. */
#define RULES_APP_PASSWORD_DISABLED	1757376000LL	/* 2025-09-09T00:00:00Z */
#define RULES_APP_PASSWORD_REMOVED	1785196800LL	/* 2026-07-28T00:00:00Z */

/* Warn this long before a token's expiry. */
#define RULES_EXPIRY_WARN_SECONDS	(7LL * 24 * 60 * 60)

/* The static usernames Bitbucket Cloud knows. */
#define RULES_API_TOKEN_USER	"x-bitbucket-api-token-auth"
#define RULES_ACCESS_TOKEN_USER	"x-token-auth"

enum {
	RULE_OK = 0,

	/* accepted, with res->warning set */
	RULE_WARN_APP_PASSWORD = 1,	/* Cloud ATBB before its removal date */
	RULE_WARN_EMAIL = 2,		/* Data Center: e-mail as the username */
	RULE_WARN_CLOUD_TOKEN = 3,	/* Data Center: looks like a Cloud token */
	RULE_WARN_EXPIRES_SOON = 4,	/* expiry within RULES_EXPIRY_WARN_SECONDS */

	/* refused: res->message set */
	RULE_ERR_INTERNAL = -1,		/* NULL argument */
	RULE_ERR_NOT_OURS = -2,		/* target is not Bitbucket */
	RULE_ERR_EMPTY_SECRET = -3,
	RULE_ERR_SECRET_CHARS = -4,	/* line break / control character in the secret */
	RULE_ERR_SECRET_SPACE = -5,	/* whitespace inside a Cloud token */
	RULE_ERR_USERNAME_CHARS = -6,	/* control character in the username */
	RULE_ERR_NO_USERNAME = -7,	/* Cloud: empty username */
	RULE_ERR_ACCESS_TOKEN = -8,	/* Cloud: ATCT or username x-token-auth */
	RULE_ERR_APP_PASSWORD = -9,	/* Cloud: ATBB on/after the removal date */
	RULE_ERR_PASSWORD = -10,	/* Cloud: no token prefix, an account password */
	RULE_ERR_EMAIL = -11,		/* Cloud: e-mail address as the username */
	RULE_ERR_API_USER = -12,	/* x-bitbucket-api-token-auth with a non-API-token, or on Data Center */
	RULE_ERR_BEARER_ONLY = -13,	/* Data Center: empty username or x-token-auth */
	RULE_ERR_EXPIRED = -14,		/* expiry has passed */
	RULE_ERR_BAD_REGEX = -15,	/* --repos is not a valid POSIX ERE */
	RULE_ERR_TOO_LONG = -16,	/* username or regex does not fit */
	RULE_ERR_REGEX_COST = -17,	/* --repos would make regcomp() blow up */
};

struct rule_result {
	int code;		/* RULE_OK, a RULE_WARN_* or a RULE_ERR_* code */
	const char *kind;	/* on accept: KS_KIND_API_TOKEN, KS_KIND_APP_PASSWORD
				 * or KS_KIND_PERSONAL_TOKEN; NULL on refusal */
	char message[512];	/* refusal: one line; "" otherwise */
	char warning[512];	/* non-fatal: one line; "" otherwise */
};

/*
 * May this secret, sent with this username, be stored for target t?
 * Also re-checked before a stored token is handed to git (`get`), so an
 * app password stored before its removal date is refused after it.
 * now is time(NULL), passed in for tests.
 * Returns 0 (accept; res->kind set, res->warning maybe set) or the
 * negative RULE_ERR_* code (res->message set).
 */
int rules_check_secret(const struct target *t, const char *username,
		       const char *secret, size_t len, long long now,
		       struct rule_result *res);

/*
 * The refusals the username alone decides, before any token is read
 * (login asks for the token only after this passes): too long, control
 * characters; Cloud: empty, x-token-auth, an e-mail address; Data Center:
 * empty, x-token-auth, x-bitbucket-api-token-auth.  The same lines as
 * rules_check_secret().  0 or the negative RULE_ERR_* (res->message set).
 */
int rules_check_username(const struct target *t, const char *username,
			 struct rule_result *res);

/*
 * A token's expiry (unix seconds, 0 = unknown) at time now:
 * passed -> RULE_ERR_EXPIRED (never hand it to git); within 7 days ->
 * 0 with res->code RULE_WARN_EXPIRES_SOON and a warning naming the date;
 * otherwise 0.  res->kind is kept on success (so one result can go
 * through rules_check_secret and then this) and NULL on refusal.
 */
int rules_check_expiry(long long expiry, long long now,
		       struct rule_result *res);

/*
 * Least privilege: does the repository path ("acme/widget") match the
 * POSIX extended regular expression as a whole (like ^(?:regex)$),
 * case-insensitively?  An empty or NULL regex matches everything, even a
 * missing path; otherwise a NULL or empty path never matches.
 * Returns 1 or 0, or RULE_ERR_BAD_REGEX / RULE_ERR_TOO_LONG.
 */
int rules_repos_match(const char *regex, const char *repo_path);

/*
 * Validate a --repos regex (at most 511 bytes, as keystore.h's repos
 * field).  Returns 0, or a RULE_ERR_* code with res->message naming
 * the problem and the fix.
 */
int rules_repos_check(const char *regex, struct rule_result *res);

/* "API token", "app password", "personal token", "SSH key" for a
 * KS_KIND_* string; the string itself when unknown. */
const char *rules_kind_label(const char *kind);

/* "YYYY-MM-DD" (UTC) of unix seconds t, into buf (at least 11 bytes). */
const char *rules_date(long long t, char *buf, size_t len);

#endif
