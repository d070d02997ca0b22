/*
 * ss-session.h - the Secret Service's encrypted transfer session,
 * "dh-ietf1024-sha256-aes128-cbc-pkcs7", for reading secrets (keystore.c's
 * get path).  Private to keystore.c; ss-session.c is its only user of
 * libgcrypt.  Nothing here prints.
 */
#ifndef GCB_SS_SESSION_H
#define GCB_SS_SESSION_H

#include <gio/gio.h>

#include "secret.h"

struct ss_session;
struct ss_half;

/*
 * Our half of the Diffie-Hellman exchange (a private value and its public
 * one), made before there is a connection to send it on; NULL when the
 * crypto fails.  ss_half_free wipes it; NULL is fine.
 */
struct ss_half *ss_half_new(void);
void ss_half_free(struct ss_half *h);
/*
 * One OpenSession call on CONN with H's public value: the server's half
 * back, the AES key derived.  0 and *OUT on success; -1 with *ERR set for
 * a failed call (the caller maps it), or with *ERR NULL for a bad answer
 * or a crypto failure.
 */
int ss_session_open(GDBusConnection *conn, const struct ss_half *h,
		    int timeout_ms,
		    struct ss_session **out, GError **err);
/* The session's object path, for GetSecrets. */
const char *ss_session_path(const struct ss_session *s);
/*
 * Decrypt one Secret struct, (oayays) as GetSecrets returns it, into OUT
 * (emptied first).  KS_OK, KS_ERR_TOO_LONG (over OUT's maximum) or
 * KS_ERR_INTERNAL (not this session's, or the padding is wrong); on an
 * error OUT is wiped and freed.
 */
int ss_session_decrypt(const struct ss_session *s, GVariant *secret,
		       struct sbuf *out);
/*
 * A session with a known KEY (16 bytes) and object PATH, as if opened:
 * for the unit test and the fuzz target of ss_session_decrypt.
 */
struct ss_session *ss_session_with_key(const char *path,
				       const unsigned char *key);
/* Wipes the key.  NULL is fine. */
void ss_session_free(struct ss_session *s);

#endif
