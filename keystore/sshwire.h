/*
 * sshwire.h - the SSH wire format (RFC 4251 5: uint32, string, mpint) and
 * its two text faces: base64 (RFC 4648, as public key lines and
 * known_hosts write it) and the "SHA256:" fingerprint (as ssh-keygen -l
 * prints it).  The one home of each: the key material (pem.c,
 * openssh-key.c), the host keys (ssh-hostkeys.c) and the connection
 * (ssh-conn.c) all read, write and describe keys through this file.
 *
 * sshwire.c includes OpenSSL for base64 (EVP_EncodeBlock/EVP_DecodeBlock)
 * and SHA-256 only; this header includes none, so any file may use it.
 * Nothing here prints.  Functions return SSHWIRE_OK or a negative
 * SSHWIRE_ERR_*; readers never move past the end of their input, and on
 * error they leave the reader where it was.
 */
#ifndef GCB_SSHWIRE_H
#define GCB_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "secret.h"

enum {
	SSHWIRE_OK = 0,
	SSHWIRE_ERR_FORMAT = -1,	/* truncated or malformed input */
	SSHWIRE_ERR_NOMEM = -2,		/* out of memory, or over the sbuf's max */
	SSHWIRE_ERR_TOO_LARGE = -3,	/* an mpint over the caller's limit */
	SSHWIRE_ERR_INTERNAL = -4,	/* the digest failed */
};

/* A reader over bytes someone else owns. */
struct sshwire_rd {
	const unsigned char *p;
	size_t len;
	size_t off;
};

#define SSHWIRE_RD(buf, n) ((struct sshwire_rd){ (const unsigned char *)(buf), (n), 0 })

int sshwire_get_u32(struct sshwire_rd *r, uint32_t *v);
/* A string: *s points into the reader's bytes, *n is its length. */
int sshwire_get_string(struct sshwire_rd *r, const unsigned char **s, size_t *n);
/*
 * A non-negative mpint, as its big-endian bytes (pointing into the
 * reader).  A negative one is SSHWIRE_ERR_FORMAT; one over max bytes
 * SSHWIRE_ERR_TOO_LARGE.
 */
int sshwire_get_mpint(struct sshwire_rd *r, size_t max,
		      const unsigned char **s, size_t *n);
/* Is the string s, n exactly the C string z? */
int sshwire_str_eq(const unsigned char *s, size_t n, const char *z);

int sshwire_put_u32(struct sbuf *b, uint32_t v);
int sshwire_put_string(struct sbuf *b, const void *s, size_t n);
/* The non-negative number with big-endian bytes be, n (leading zeros allowed). */
int sshwire_put_mpint(struct sbuf *b, const unsigned char *be, size_t n);

/*
 * Append the base64 of data to out.  wrap > 0 ends a line ('\n') after
 * every wrap characters and after the last; pad == 0 leaves out the '='.
 */
int sshwire_b64_encode(struct sbuf *out, const void *data, size_t len,
		       size_t wrap, int pad);
/*
 * Append the bytes of the base64 text in, len to out.  Only the alphabet,
 * '=' only as the last one or two characters of a multiple of 4.
 * pad_optional: the '=' may also be left out (known_hosts lines, as
 * before); an empty input is then zero bytes instead of an error.
 */
int sshwire_b64_decode(const char *in, size_t len, int pad_optional,
		       struct sbuf *out);

/* "SHA256:" + 43 base64 characters + NUL */
#define SSHWIRE_FP_LEN 51

/*
 * "SHA256:<base64 of SHA-256(blob), no padding>" of an SSH public key
 * blob (a user key or a host key), into out[SSHWIRE_FP_LEN]; "" on error.
 */
int sshwire_fingerprint(const unsigned char *blob, size_t len,
			char out[SSHWIRE_FP_LEN]);

#endif
