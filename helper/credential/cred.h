/*
 * cred.h - the credential helper's core module (git-credential-bitbucket.so),
 * loaded by the gate only for Bitbucket hosts and for the shell verbs.
 *
 * Exit codes of every verb (documented in the man page):
 */
#ifndef GCB_CRED_H
#define GCB_CRED_H

#include "bitbucket/config.h"
#include "credential/credential.h"
#include "credential/cred-verbs.h"
#include "keystore.h"
#include "bitbucket/target.h"

#define EXIT_REFUSED	1	/* refused by a rule, or nothing found */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_KEYRING	3	/* the keyring is unavailable (no bus, no service, locked) */

/* What the gate hands the module. */
struct gcb_call {
	int argc;
	char **argv;			/* argv[0] is the verb */
	const struct gcb_verb *verb;	/* argv[0]'s entry in the verb table */
	struct credential *req;		/* get/store/erase: git's parsed request */
	struct target *target;		/* get/store/erase: what the request points at */
	struct config *cfg;		/* loaded when the host was not bitbucket.org, else NULL */
};

/* The module's one entry point, resolved with dlsym by the gate. */
#define GCB_ENTRY "gcb_module_main"
typedef int (*gcb_entry_fn)(struct gcb_call *call);
int gcb_module_main(struct gcb_call *call);

/* Print the one line for a keystore failure and return EXIT_KEYRING. */
int cred_keyring_error(int ks_err);

/*
 * Open the keystore for a verb: arms a watchdog (no keyring call may hang
 * the process), and on failure prints the one line and returns
 * EXIT_KEYRING.  Read anything from the person (tokens, passphrases)
 * before calling this: the watchdog counts from here.
 */
int cred_open(struct keystore **ks);

/*
 * The same for a verb that changes the keyring: first takes the writer
 * lock (common/lock.h), held until the process ends, so that concurrent
 * stores, erases, logins, logouts and key verbs run one after the other.
 * A wait longer than GCB_LOCK_SECONDS (or $GCB_LOCK_TIMEOUT seconds)
 * prints one line and returns EXIT_KEYRING.
 */
#define GCB_LOCK_SECONDS 60
int cred_open_write(struct keystore **ks);

/* 1 when this process holds the writer lock (after cred_open_write). */
int cred_write_locked(void);

/* Load the config if the caller has not yet. */
struct config *cred_config(struct gcb_call *call);

/*
 * The one path by which a token is stored, for git's `store` and for
 * `login`: applies the rules (rules.h) to username + secret for the target,
 * prints the refusal or warning line itself, and on success stores an item
 * with the kind the rules decided, the target's scope, the username, the
 * repos restriction (may be NULL) and, inside the secret value, the
 * password, expiry (0 = none) and OAuth refresh token (may be NULL).
 * Returns 0 or an EXIT_* code.  *stored (may be NULL) receives the item.
 */
int cred_store_token(struct keystore *ks, const struct target *t,
		     const char *username, const struct sbuf *password,
		     long long expiry, const struct sbuf *oauth,
		     const char *repos, struct ks_item *stored);

/*
 * The secret value of a token item: "password=...\n" plus optional
 * "password_expiry_utc=...\n" and "oauth_refresh_token=...\n", then
 * "username=...\n" and "repos=...\n" (copies of those attributes, so get
 * needs no attribute read; items stored before lack them).
 * Parse one back; the out sbufs are wiped by the caller.
 */
int cred_secret_parse(const struct sbuf *value, struct sbuf *password,
		      long long *expiry, struct sbuf *oauth);

/* The verbs, indexed by verb->id in gcb_module_main (cred-main.c). */
int cmd_get(struct gcb_call *call);
int cmd_store(struct gcb_call *call);
int cmd_erase(struct gcb_call *call);
int cmd_login(struct gcb_call *call);
int cmd_logout(struct gcb_call *call);
int cmd_list(struct gcb_call *call);	/* cred-list.c */
int cmd_key(struct gcb_call *call);	/* cred-key.c; argv[1] is the key verb */
int cmd_setup(struct gcb_call *call);	/* cred-setup.c */
int cmd_status(struct gcb_call *call);	/* cred-status.c */
int cmd_doctor(struct gcb_call *call);	/* cred-doctor.c */
int cmd_unlock(struct gcb_call *call);	/* cred-store.c */
int cmd_lock(struct gcb_call *call);
int cmd_passwd(struct gcb_call *call);
int cmd_migrate(struct gcb_call *call);

#endif
