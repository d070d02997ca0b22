/*
 * ss-session.h - the Secret Service's encrypted transfer session,
 * "dh-ietf1024-sha256-aes128-cbc-pkcs7", for reading and storing secrets:
 * the key exchange and the cipher only; keystore.c makes the D-Bus calls
 * (OpenSession, GetSecrets, CreateItem) and hands over their bytes.
 * Private to keystore.c; ss-session.c is its only user of libgcrypt.
 * Nothing here prints.
 */
#ifndef GCB_SS_SESSION_H
#define GCB_SS_SESSION_H

#include <stddef.h>

#include "secret.h"

#define SS_ALGORITHM	"dh-ietf1024-sha256-aes128-cbc-pkcs7"

struct ss_session;
struct ss_half;

/*
 * Our half of the Diffie-Hellman exchange (a private value and its public
 * one), made before there is a connection to send it on; NULL when the
 * crypto fails.  ss_half_free wipes it; NULL is fine.
 */
struct ss_half *ss_half_new(void);
void ss_half_free(struct ss_half *h);
/* Its public value, big-endian, for OpenSession's input; *N its length. */
const unsigned char *ss_half_public(const struct ss_half *h, size_t *n);
/*
 * The session OpenSession answered: the server's public value PEER (N_PEER
 * bytes) and the session's object PATH.  NULL for a value out of range or
 * a crypto failure.
 */
struct ss_session *ss_session_new(const struct ss_half *h, const char *path,
				  const unsigned char *peer, size_t n_peer);
/* The session's object path, for GetSecrets. */
const char *ss_session_path(const struct ss_session *s);
/*
 * Decrypt one secret as GetSecrets returns it, the (oayays) struct's
 * session PATH, IV and cipher text CT, into OUT (emptied first).  KS_OK,
 * KS_ERR_TOO_LONG (over OUT's maximum) or KS_ERR_INTERNAL (not this
 * session's, or the padding is wrong); on an error OUT is wiped and freed.
 */
int ss_session_decrypt(const struct ss_session *s, const char *path,
		       const unsigned char *iv, size_t n_iv,
		       const unsigned char *ct, size_t n_ct, struct sbuf *out);
/*
 * Encrypt PLAIN (N bytes) for CreateItem: a fresh random IV into IV (16
 * bytes) and the cipher text, PKCS#7-padded, into CT (emptied first).
 * KS_OK, KS_ERR_TOO_LONG (over CT's maximum) or KS_ERR_INTERNAL.
 */
int ss_session_encrypt(const struct ss_session *s, const void *plain, size_t n,
		       unsigned char iv[16], struct sbuf *ct);
/*
 * A session with a known KEY (16 bytes) and object PATH, as if opened:
 * for the unit test and the fuzz target of ss_session_decrypt.
 */
struct ss_session *ss_session_with_key(const char *path,
				       const unsigned char *key);
/* Wipes the key.  NULL is fine. */
void ss_session_free(struct ss_session *s);

#endif
