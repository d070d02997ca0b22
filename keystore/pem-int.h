/*
 * pem-int.h - what the two OpenSSL files of the key material share:
 * pem.c (load, convert, generate, describe) and openssh-key.c (OpenSSH's
 * own private key format).  Private to them: it includes OpenSSL, and the
 * Makefile lets only these files do that.  Nothing here prints.
 */
#ifndef GCB_PEM_INT_H
#define GCB_PEM_INT_H

#include <stddef.h>

#include <openssl/evp.h>

#include "pem.h"
#include "secret.h"
#include "sshwire.h"

/* The NIST curves OpenSSH uses (RFC 5656), by their names in both worlds. */
struct pem_curve {
	const char *ossl;	/* OpenSSL group name */
	const char *alias;	/* the other name OpenSSL may report */
	const char *ssh;	/* OpenSSH curve identifier */
	const char *ssh_name;	/* OpenSSH key type */
	unsigned bits;
};

#define PEM_NCURVES 3
extern const struct pem_curve pem_curves[PEM_NCURVES];

/* The curve with OpenSSH identifier s, n ("nistp256"), or NULL. */
const struct pem_curve *pem_curve_by_ssh(const unsigned char *s, size_t n);

/* An SSHWIRE_ERR_* as the PEM_ERR_* it means for a key. */
static inline int pem_wire_err(int e)
{
	switch (e) {
	case SSHWIRE_OK: return PEM_OK;
	case SSHWIRE_ERR_NOMEM: return PEM_ERR_NOMEM;
	case SSHWIRE_ERR_TOO_LARGE: return PEM_ERR_UNSUPPORTED;
	case SSHWIRE_ERR_FORMAT: return PEM_ERR_CORRUPT;
	default: return PEM_ERR_INTERNAL;
	}
}

/*
 * openssh-key-v1 (OpenSSH's PROTOCOL.key), decoded from its base64: one
 * unencrypted key.  On success *out is the key, *pub, *pubn the public
 * key blob the file carries in the clear (pointing into der: the caller
 * checks it against the key), comment its comment with every byte
 * outside printable ASCII dropped.  Errors: PEM_ERR_CORRUPT, _MULTIPLE,
 * _DSA, _UNSUPPORTED, _OPENSSH_ENCRYPTED(_ED25519), _NOMEM.
 */
int openssh_key_load(const struct sbuf *der, EVP_PKEY **out,
		     const unsigned char **pub, size_t *pubn,
		     char *comment, size_t commentlen);

#endif
