/*
 * keytext.h - a private key as a person pastes it: find the one PEM block
 * in the text, say what the text is when it holds none (a public key, a
 * PuTTY key, nothing), note the harmless damage (PEM_FIX_*), and hand
 * back the block's label, its RFC 1421 headers and its base64 body.
 *
 * keytext.c is plain C: no OpenSSL (decoding the base64 and parsing the
 * DER is pem.c's job).  It also holds the phrases of pem.h: the error
 * table, the repairs and the type names.  Nothing here prints; functions
 * return 0 or a negative PEM_ERR_* code of pem.h.
 */
#ifndef GCB_KEYTEXT_H
#define GCB_KEYTEXT_H

#include <stddef.h>

#include "pem.h"
#include "secret.h"

/* The label of a BEGIN line. */
enum keytext_label {
	KEYTEXT_OTHER = 0,		/* CERTIFICATE, PARAMETERS, ...: not a key */
	KEYTEXT_PKCS8,			/* PRIVATE KEY */
	KEYTEXT_PKCS8_ENCRYPTED,	/* ENCRYPTED PRIVATE KEY */
	KEYTEXT_RSA,			/* RSA PRIVATE KEY */
	KEYTEXT_EC,			/* EC PRIVATE KEY */
	KEYTEXT_DSA,			/* DSA PRIVATE KEY */
	KEYTEXT_OPENSSH,		/* OPENSSH PRIVATE KEY */
	KEYTEXT_OTHER_PRIVATE,		/* some other "... PRIVATE KEY" */
	KEYTEXT_PUBLIC,			/* "PUBLIC KEY", "RSA PUBLIC KEY", ... */
	KEYTEXT_EC_PARAMETERS,		/* what `openssl ecparam -genkey` writes first */
};

/* What the text held. */
struct keytext {
	enum keytext_label kind;	/* PKCS8, PKCS8_ENCRYPTED, RSA, EC or OPENSSH */
	struct sbuf headers;	/* "Proc-Type: 4,ENCRYPTED\nDEK-Info: ...\n" */
	int encrypted;		/* Proc-Type: 4,ENCRYPTED */
	struct sbuf body;	/* the base64 body, its lines joined; never empty */
	unsigned fixes;		/* PEM_FIX_* repaired, the byte order mark included */
};

#define KEYTEXT_INIT { KEYTEXT_OTHER, SBUF_INIT, 0, SBUF_INIT, 0 }

/*
 * Read in, len (any bytes, at most PEM_MAX_INPUT).  Errors: PEM_ERR_EMPTY,
 * _TOO_LARGE, _BINARY, _PUBLIC_KEY, _PUTTY, _NO_HEADER, _NO_FOOTER,
 * _MULTIPLE, _DSA, _UNSUPPORTED, _CORRUPT (no body), _NOMEM.  On error *kt
 * holds nothing the caller needs; keytext_free() it either way.
 */
int keytext_read(const char *in, size_t len, struct keytext *kt);
void keytext_free(struct keytext *kt);

#endif
