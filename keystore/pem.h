/*
 * pem.h - the project's private key material: classify what a person
 * gives us, repair harmless damage, convert, generate, and describe keys
 * the way OpenSSH does (public key line, SHA256 fingerprint).
 *
 * The work is shared by four files: keytext.c reads the text a person
 * pastes (no OpenSSL), openssh-key.c reads OpenSSH's own format, sshwire.c
 * is the SSH wire format, base64 and the fingerprint, and pem.c is the
 * OpenSSL core behind this header.  Only pem.c, openssh-key.c and
 * sshwire.c include OpenSSL headers.  Nothing here prints: functions
 * return 0 or a negative PEM_ERR_* code, and pem_strerror() turns a code
 * into a phrase.  Callers never see partial results: on error every
 * out-parameter is left empty.
 *
 * The PEM this module writes is always unencrypted PKCS#8
 * ("-----BEGIN PRIVATE KEY-----", 64-column base64, LF line ends), the one
 * form OpenSSL's PEM_read_bio_PrivateKey(), and therefore libssh2's
 * OpenSSL backend, reads for every key type (RSA, ECDSA and Ed25519).
 */
#ifndef GCB_PEM_H
#define GCB_PEM_H

#include <stddef.h>
#include "secret.h"
#include "sshwire.h"

/* No private key file is this large (RSA 16384 is about 13 KiB). */
#define PEM_MAX_INPUT ((size_t)64 << 10)

#define PEM_RSA_MIN_BITS	2048
#define PEM_RSA_MAX_BITS	16384
#define PEM_RSA_DEFAULT_BITS	4096

enum {
	PEM_OK = 0,
	PEM_ERR_INTERNAL = -1,
	PEM_ERR_NOMEM = -2,
	PEM_ERR_EMPTY = -3,		/* nothing but white space */
	PEM_ERR_TOO_LARGE = -4,		/* over PEM_MAX_INPUT */
	PEM_ERR_BINARY = -5,		/* NUL or other binary bytes: not PEM text */
	PEM_ERR_PUBLIC_KEY = -6,	/* ssh-rsa AAAA..., .pub, BEGIN PUBLIC KEY, SSH2 PUBLIC KEY */
	PEM_ERR_NO_HEADER = -7,		/* no -----BEGIN ... PRIVATE KEY----- line */
	PEM_ERR_NO_FOOTER = -8,		/* no matching -----END ...----- line */
	PEM_ERR_CORRUPT = -9,		/* truncated or corrupted body: bad base64 / DER */
	PEM_ERR_MULTIPLE = -10,		/* more than one private key */
	PEM_ERR_OPENSSH = -11,		/* OpenSSH format, unencrypted: convertible (PEM_CONVERT) */
	PEM_ERR_OPENSSH_ENCRYPTED = -12, /* OpenSSH format with a passphrase, RSA/ECDSA:
					    `ssh-keygen -p -m PEM -f FILE` makes it PEM */
	PEM_ERR_OPENSSH_ENCRYPTED_ED25519 = -13, /* the same for Ed25519, which
					    ssh-keygen cannot write as PEM: remove the
					    passphrase from a copy, then convert */
	PEM_ERR_PUTTY = -14,		/* PuTTY .ppk */
	PEM_ERR_DSA = -15,		/* DSA: too weak */
	PEM_ERR_RSA_WEAK = -16,		/* RSA below PEM_RSA_MIN_BITS */
	PEM_ERR_NEED_PASSPHRASE = -17,	/* encrypted, and no passphrase given */
	PEM_ERR_BAD_PASSPHRASE = -18,	/* encrypted, and the passphrase does not open it */
	PEM_ERR_UNSUPPORTED = -19,	/* a key type, curve or cipher we do not handle */
	PEM_ERR_BAD_ARG = -20,		/* generate: bad type or size */
};

/* Harmless damage pem_import() repaired, as bits in *fixes. */
#define PEM_FIX_CRLF		0x01u	/* CR LF (or CR) line endings */
#define PEM_FIX_TRAILING_SPACE	0x02u	/* spaces or tabs at line ends */
#define PEM_FIX_INDENT		0x04u	/* spaces or tabs at line starts */
#define PEM_FIX_BLANK_LINES	0x08u	/* blank lines around or inside the key */
#define PEM_FIX_WRAP		0x10u	/* uneven line wrapping, or lines joined with spaces */
#define PEM_FIX_STRAY_TEXT	0x20u	/* text before the BEGIN or after the END line ignored */
#define PEM_FIX_MARKER		0x40u	/* a BEGIN/END line without its closing dashes */
#define PEM_FIX_BOM		0x80u	/* a UTF-8 byte order mark at the start */

/* pem_import() options */
#define PEM_CONVERT		0x01u	/* convert an unencrypted OpenSSH key instead of refusing it */

enum pem_type { PEM_TYPE_NONE = 0, PEM_TYPE_ED25519, PEM_TYPE_ECDSA, PEM_TYPE_RSA };

/* What the input was, in pem_info.source. */
enum pem_source {
	PEM_SRC_NONE = 0,
	PEM_SRC_PKCS8,			/* BEGIN PRIVATE KEY */
	PEM_SRC_PKCS8_ENCRYPTED,	/* BEGIN ENCRYPTED PRIVATE KEY */
	PEM_SRC_RSA,			/* BEGIN RSA PRIVATE KEY */
	PEM_SRC_EC,			/* BEGIN EC PRIVATE KEY */
	PEM_SRC_LEGACY_ENCRYPTED,	/* RSA/EC with Proc-Type: 4,ENCRYPTED */
	PEM_SRC_OPENSSH,		/* BEGIN OPENSSH PRIVATE KEY, converted */
	PEM_SRC_GENERATED,		/* pem_generate() */
};

/* "SHA256:" + 43 base64 characters + NUL */
#define PEM_FP_LEN SSHWIRE_FP_LEN

struct pem_info {
	enum pem_type type;
	char type_name[8];	/* "ED25519", "ECDSA", "RSA": as ssh-keygen -l shows it */
	char ssh_name[24];	/* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" */
	unsigned bits;		/* as ssh-keygen -l: 256, 256/384/521, RSA modulus bits */
	char fingerprint[PEM_FP_LEN];	/* "SHA256:<base64 without padding>" */
	enum pem_source source;
	char comment[256];	/* an OpenSSH key's comment (printable ASCII only), else "" */
};

/*
 * Classify and load a private key as a person gives it (in, len: any
 * bytes).  passphrase: NULL when none is known (an encrypted key then fails
 * with PEM_ERR_NEED_PASSPHRASE), else the passphrase as a string.
 * opts: PEM_CONVERT or 0.
 *
 * On success *out (may be NULL) holds the unencrypted PKCS#8 PEM to store,
 * *info (may be NULL) describes the key and *fixes (may be NULL) tells what
 * harmless damage was repaired.
 */
int pem_import(const char *in, size_t len, const char *passphrase,
	       unsigned opts, struct sbuf *out, struct pem_info *info,
	       unsigned *fixes);

/*
 * Validate a key already in the keyring before it is used: the same
 * parsing as pem_import(), without passphrase or conversion (an encrypted
 * or OpenSSH-format item fails with the same codes).  info may be NULL.
 */
int pem_check(const struct sbuf *pem, struct pem_info *info);

/*
 * A new key: PEM_TYPE_ED25519 (bits 0 or 256), PEM_TYPE_ECDSA (bits 0 for
 * 256, or 256/384/521), PEM_TYPE_RSA (bits 0 for PEM_RSA_DEFAULT_BITS, or
 * PEM_RSA_MIN_BITS..PEM_RSA_MAX_BITS).  Bad sizes: PEM_ERR_RSA_WEAK below
 * the RSA minimum, PEM_ERR_BAD_ARG otherwise.
 */
int pem_generate(enum pem_type type, unsigned bits, struct sbuf *out,
		 struct pem_info *info);

/*
 * The OpenSSH public key line of a PEM private key, without newline:
 * "ssh-ed25519 AAAA..." exactly as `ssh-keygen -y -f FILE` prints it for a
 * PEM key file; with " comment" appended when comment is not NULL or "".
 * A comment holding control characters is refused (PEM_ERR_BAD_ARG).
 */
int pem_public_line(const struct sbuf *pem, const char *comment,
		    struct sbuf *out);

/* The SSH wire-format public key blob of a PEM private key. */
int pem_public_blob(const struct sbuf *pem, struct sbuf *out);

/* The fingerprint of any SSH public key blob: sshwire_fingerprint(). */

/* Parse "ed25519", "ecdsa", "rsa" (case-insensitive); PEM_TYPE_NONE if not. */
enum pem_type pem_type_from_name(const char *name);

/*
 * The repairs in fixes as a phrase ("CRLF line endings, trailing spaces"),
 * into buf; "" when fixes is 0.  Returns buf.
 */
const char *pem_fixes_describe(unsigned fixes, char *buf, size_t len);

const char *pem_strerror(int err);

/*
 * The OpenSSL in use ("OpenSSL 3.0.x ..."), which is also libssh2's crypto
 * backend as built (see the Makefile).
 */
const char *pem_openssl_version(void);

#endif
