/*
 * sshwire.c - the SSH wire format, base64 and the "SHA256:" fingerprint.
 * See sshwire.h.  Includes OpenSSL for EVP_EncodeBlock, EVP_DecodeBlock
 * and SHA-256, nothing else.
 */
#include "sshwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

/* ------------------------------------------------------ SSH wire format */

int sshwire_get_u32(struct sshwire_rd *r, uint32_t *v)
{
	if (r->off > r->len || r->len - r->off < 4)
		return SSHWIRE_ERR_FORMAT;
	*v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	     (uint32_t)r->p[r->off + 2] << 8 | (uint32_t)r->p[r->off + 3];
	r->off += 4;
	return SSHWIRE_OK;
}

int sshwire_get_string(struct sshwire_rd *r, const unsigned char **s, size_t *n)
{
	struct sshwire_rd t = *r;
	uint32_t l;

	if (sshwire_get_u32(&t, &l) != 0 || t.len - t.off < l)
		return SSHWIRE_ERR_FORMAT;
	*s = t.p + t.off;
	*n = l;
	r->off = t.off + l;
	return SSHWIRE_OK;
}

int sshwire_get_mpint(struct sshwire_rd *r, size_t max,
		      const unsigned char **s, size_t *n)
{
	struct sshwire_rd t = *r;
	const unsigned char *v;
	size_t vn;

	if (sshwire_get_string(&t, &v, &vn) != 0)
		return SSHWIRE_ERR_FORMAT;
	if (vn > 0 && (v[0] & 0x80))
		return SSHWIRE_ERR_FORMAT;	/* negative */
	if (vn > max)
		return SSHWIRE_ERR_TOO_LARGE;
	*s = v;
	*n = vn;
	*r = t;
	return SSHWIRE_OK;
}

int sshwire_str_eq(const unsigned char *s, size_t n, const char *z)
{
	return n == strlen(z) && memcmp(s, z, n) == 0;
}

int sshwire_put_u32(struct sbuf *b, uint32_t v)
{
	unsigned char q[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v
	};

	return sbuf_add(b, q, 4) == 0 ? SSHWIRE_OK : SSHWIRE_ERR_NOMEM;
}

int sshwire_put_string(struct sbuf *b, const void *s, size_t n)
{
	if (n > UINT32_MAX)
		return SSHWIRE_ERR_TOO_LARGE;
	if (sshwire_put_u32(b, (uint32_t)n) != 0 || sbuf_add(b, s, n) != 0)
		return SSHWIRE_ERR_NOMEM;
	return SSHWIRE_OK;
}

int sshwire_put_mpint(struct sbuf *b, const unsigned char *be, size_t n)
{
	int lead;

	while (n > 0 && be[0] == 0) {
		be++;
		n--;
	}
	lead = n > 0 && (be[0] & 0x80);	/* a zero keeps the number positive */
	if (n > UINT32_MAX - 1)
		return SSHWIRE_ERR_TOO_LARGE;
	if (sshwire_put_u32(b, (uint32_t)(n + (size_t)lead)) != 0 ||
	    (lead && sbuf_addch(b, 0) != 0) || sbuf_add(b, be, n) != 0)
		return SSHWIRE_ERR_NOMEM;
	return SSHWIRE_OK;
}

/* ---------------------------------------------------------------- base64 */

/*
 * The codec is OpenSSL's.  What it does on its own, measured on OpenSSL
 * 3.0 and 3.5: EVP_DecodeBlock() reads '=' as a zero digit anywhere
 * ("Y=Q=" and "YQ==YQ==" decode), skips white space, '-' and line ends
 * around the text, refuses input that is not a multiple of 4 ("YWI"), and
 * counts the padding as output bytes ("YQ==" gives 3 bytes, not 1).  So
 * the text is checked here first, unpadded text gets its '=' back, and
 * the padding bytes are dropped from the result.
 */

#define B64_CHUNK 768	/* bytes per EVP_EncodeBlock call: 1024 characters */

static int b64_digit(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Append text to out, a newline after every wrap characters (col carried). */
static int add_wrapped(struct sbuf *out, const char *text, size_t n,
		       size_t wrap, size_t *col)
{
	while (n > 0) {
		size_t take = wrap ? wrap - *col : n;

		if (take > n)
			take = n;
		if (sbuf_add(out, text, take) != 0)
			return SSHWIRE_ERR_NOMEM;
		text += take;
		n -= take;
		if (wrap && (*col += take) == wrap) {
			if (sbuf_addch(out, '\n') != 0)
				return SSHWIRE_ERR_NOMEM;
			*col = 0;
		}
	}
	return SSHWIRE_OK;
}

int sshwire_b64_encode(struct sbuf *out, const void *data, size_t len,
		       size_t wrap, int pad)
{
	const unsigned char *d = data;
	char text[B64_CHUNK / 3 * 4 + 1];
	size_t col = 0;
	int r = SSHWIRE_OK;

	for (size_t i = 0; i < len && r == SSHWIRE_OK; i += B64_CHUNK) {
		size_t n = len - i < B64_CHUNK ? len - i : B64_CHUNK;
		int w = EVP_EncodeBlock((unsigned char *)text, d + i, (int)n);

		if (w < 0) {
			r = SSHWIRE_ERR_INTERNAL;
			break;
		}
		while (!pad && w > 0 && text[w - 1] == '=')
			w--;
		r = add_wrapped(out, text, (size_t)w, wrap, &col);
	}
	if (r == SSHWIRE_OK && wrap && col != 0 && sbuf_addch(out, '\n') != 0)
		r = SSHWIRE_ERR_NOMEM;
	wipe(text, sizeof(text));
	return r;
}

/* Check the text; *pad: its '=' count, *missing: the '=' it leaves out. */
static int b64_check(const char *in, size_t len, int pad_optional,
		     size_t *pad, size_t *missing)
{
	*pad = *missing = 0;
	while (*pad < len && *pad < 2 && in[len - 1 - *pad] == '=')
		(*pad)++;
	for (size_t i = 0; i < len - *pad; i++)
		if (!b64_digit((unsigned char)in[i]))
			return SSHWIRE_ERR_FORMAT;
	if (len % 4 == 0)
		return len > 0 || pad_optional ? SSHWIRE_OK : SSHWIRE_ERR_FORMAT;
	if (*pad > 0 || !pad_optional || len % 4 == 1)
		return SSHWIRE_ERR_FORMAT;
	*missing = 4 - len % 4;
	return SSHWIRE_OK;
}

/* Decode n characters (a multiple of 4) holding pad '=' at their end. */
static int b64_block(const char *in, size_t n, size_t pad, struct sbuf *out)
{
	unsigned char bytes[B64_CHUNK];
	int got = EVP_DecodeBlock(bytes, (const unsigned char *)in, (int)n);
	int r = SSHWIRE_OK;

	if (got < 0 || (size_t)got != n / 4 * 3)
		r = SSHWIRE_ERR_FORMAT;
	else if (sbuf_add(out, bytes, (size_t)got - pad) != 0)
		r = SSHWIRE_ERR_NOMEM;
	wipe(bytes, sizeof(bytes));
	return r;
}

int sshwire_b64_decode(const char *in, size_t len, int pad_optional,
		       struct sbuf *out)
{
	size_t pad, missing, whole, i;
	char last[4];
	int r;

	if ((r = b64_check(in, len, pad_optional, &pad, &missing)) != 0)
		return r;
	/* whole groups of four; an unpadded tail is finished in last[] */
	whole = len - len % 4;
	for (i = 0; i < whole; i += B64_CHUNK / 3 * 4) {
		size_t n = whole - i < B64_CHUNK / 3 * 4 ? whole - i : B64_CHUNK / 3 * 4;

		if ((r = b64_block(in + i, n, i + n == len ? pad : 0, out)) != 0)
			return r;
	}
	if (missing == 0)
		return SSHWIRE_OK;
	memcpy(last, in + whole, 4 - missing);
	memset(last + 4 - missing, '=', missing);
	r = b64_block(last, 4, missing, out);
	wipe(last, sizeof(last));
	return r;
}

/* ----------------------------------------------------------- fingerprint */

int sshwire_fingerprint(const unsigned char *blob, size_t len,
			char out[SSHWIRE_FP_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct sbuf b64 = SBUF_INIT;
	int r = SSHWIRE_ERR_FORMAT;

	if (out == NULL)
		return SSHWIRE_ERR_FORMAT;
	out[0] = '\0';
	if (blob == NULL)
		goto out;
	r = SSHWIRE_ERR_INTERNAL;
	if (EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		goto out;
	if ((r = sshwire_b64_encode(&b64, md, mdlen, 0, 0)) != 0)
		goto out;
	r = SSHWIRE_ERR_INTERNAL;
	if (snprintf(out, SSHWIRE_FP_LEN, "SHA256:%s", b64.buf) != SSHWIRE_FP_LEN - 1)
		goto out;
	r = SSHWIRE_OK;
 out:
	if (r != SSHWIRE_OK)
		out[0] = '\0';
	sbuf_free(&b64);
	ERR_clear_error();
	return r;
}
