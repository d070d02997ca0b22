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

#include "keystore.h"

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

/* The keyring work is over: disarm the watchdog. */
void keyring_done(void);

/*
 * Print the one line for a keystore error: what is wrong and what to do,
 * naming the Secret Service provider when the fix depends on it (asked
 * only here, on the error path).
 */
void keyring_error(int ks_err);

#endif
