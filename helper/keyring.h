/*
 * keyring.h - the keyring policy both programs share: how long the keyring
 * may take, and the one line a person reads for each keystore error.
 *
 * Linked into the credential helper's modules and into git-bitbucket-ssh
 * (never into the gate, which does not link the keystore).  Prints through
 * msg.c; the watchdog writes its line itself (from a signal handler).
 *
 * The time limits, one set for both programs:
 *   KEYRING_OPEN_SECONDS (6)     the session bus must accept us: a stopped
 *                                or wedged bus blocks the connect itself,
 *                                where no D-Bus timeout applies yet;
 *   KS_CALL_SECONDS (5)          each D-Bus call (keystore.h), enforced by
 *                                GDBus: a service that hangs fails that call
 *                                with KS_ERR_TIMEOUT and a line naming it;
 *   KEYRING_OVERALL_SECONDS (30) everything after the connect: room for a
 *                                few slow calls and a delete's prompt
 *                                (KS_PROMPT_SECONDS, 10), yet git never
 *                                waits on a keyring much longer than it
 *                                would on a slow network.
 * The watchdog is SIGALRM: when it fires, one line and the process exits
 * (the state inside GLib cannot be unwound safely).
 */
#ifndef GCB_KEYRING_H
#define GCB_KEYRING_H

#include <limits.h>

#include "keystore.h"
#include "secret.h"

#define KEYRING_OPEN_SECONDS	6
#define KEYRING_OVERALL_SECONDS	30

/*
 * Open the keystore under the watchdog: KEYRING_OPEN_SECONDS for the
 * connect, then KEYRING_OVERALL_SECONDS for everything until
 * keyring_done().  When the watchdog fires, its line is written and the
 * process exits with exit_status.  On failure the one line is printed
 * (keyring_error) and the KS_ERR_* code is returned.
 */
int keyring_open(struct keystore **ks, int exit_status);

/*
 * keyring_open() for a lookup whose first keystore call is ks_search()
 * with its locked count (git's get).  When no file store exists the
 * Secret Service's default collection is not asked whether it is locked
 * first (a round trip on every get): that only chose which error line to
 * print, and the search says the same (locked items; or nothing at all
 * and a locked default collection, which ks_search() checks).  A search
 * that fails reports it with keyring_error(), whose line is then
 * keyring_open()'s.  When the lookup found nothing, keyring_lookup_miss()
 * makes the check keyring_open() skipped: KS_OK, or the error after its
 * line (e.g. no default collection).
 */
int keyring_open_lookup(struct keystore **ks, int exit_status);
int keyring_lookup_miss(struct keystore *ks);

/*
 * Which store keyring_open() uses (Documentation/git-credential-bitbucket.txt,
 * KEYSTORE): bitbucket.keystore forces one; unset, the Secret Service when
 * it answers and its default collection is unlocked, else the encrypted
 * file store (filestore.h).  A Secret Service that is there but locked or
 * unusable stays the answer (its line says how to unlock it) unless a file
 * store exists.  The file store's key comes from the kernel's cache, else
 * from a passphrase asked on /dev/tty (never when GIT_TERMINAL_PROMPT=0),
 * and is cached for bitbucket.cacheTimeout seconds (default 900); with
 * neither, one line says to run 'git credential-bitbucket unlock'.  No
 * watchdog runs while the file store is used: it makes no D-Bus call, and
 * its lock waits at most FS_LOCK_WAIT_MS.
 */
enum { KEYRING_AUTO, KEYRING_SECRET_SERVICE, KEYRING_FILE };

struct keyring_choice {
	int backend;		/* KS_BACKEND_*, 0 before keyring_open() chose */
	char why[128];		/* "there is no D-Bus session bus", ... */
	char path[PATH_MAX];	/* the file store's path, or "" */
	int fallback;		/* the file store, because the Secret Service could not be used */
};

/* What the last keyring_open() chose, and why. */
const struct keyring_choice *keyring_chosen(void);

/* bitbucket.keystore (KEYRING_*) and bitbucket.cacheTimeout; prints a bad value. */
int keyring_settings(int *mode, unsigned *cache_timeout);

/*
 * Open the default file store and unlock it from the cache or the
 * terminal, caching the key for timeout seconds; prints the one line on
 * failure.  For the verbs that manage the store (cred-store.c).
 */
struct filestore;
int keyring_open_file(struct filestore **fs, unsigned timeout);

/*
 * Read a passphrase on /dev/tty with echo off (cred-tty.c): 0, -1 when
 * there is no terminal (or GIT_TERMINAL_PROMPT=0) or it was closed, -2
 * after printing that it is too long.
 */
#define KEYRING_PASSPHRASE_MAX 1024
int keyring_ask_passphrase(const char *prompt, struct sbuf *out);

/* The line for a locked file store with no terminal to ask on. */
void keyring_file_locked_error(const char *path);

/*
 * At exit, when something was stored (ks_stores_made()) in the file store
 * chosen because the Secret Service could not be used, say so on stderr
 * ("stored in the encrypted file store PATH (WHY)"): for the shell verbs,
 * not git's protocol.
 */
void keyring_announce_stores(void);

/*
 * For `list`: when keyring_open() chose the file store because the Secret
 * Service could not be used, one line on stdout, "store: the encrypted
 * file store PATH (WHY)".  The Secret Service, the default, and a store
 * forced with bitbucket.keystore get no line (status and doctor say more).
 */
void keyring_describe_file_store(void);

/*
 * The Secret Service alone, whatever bitbucket.keystore says, under the
 * same watchdog as keyring_open(), and only when it answers unlocked
 * (ks_probe()); else the one line is printed and the KS_ERR_* code
 * returned.  For `migrate`, which uses both stores.
 */
int keyring_open_secret_service(struct keystore **ks, int exit_status);

/* The keyring work is over: disarm the watchdog. */
void keyring_done(void);

/*
 * Print the one line for a keystore error: what is wrong and what to do,
 * naming the Secret Service provider when the fix depends on it (asked
 * only here, on the error path).
 */
void keyring_error(int ks_err);

#endif
