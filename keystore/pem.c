/*
 * pem.c - private key material: classify, repair, convert, generate,
 * describe.  The only file in the project that includes OpenSSL headers.
 *
 * The PEM envelope (lines, markers, headers, base64) is read here, not by
 * OpenSSL's PEM reader, so that every mistake a person makes gets its own
 * code and harmless damage can be repaired and reported.  OpenSSL then
 * parses the DER, decrypts, checks and re-encodes.  OpenSSH's own format
 * (openssh-key-v1, see PROTOCOL.key in OpenSSH) is parsed here as well.
 */
#include "pem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

/* ---------------------------------------------------------------- errors */

static const struct {
	int code;
	const char *phrase;
} pem_errors[] = {
	{ PEM_OK, "success" },
	{ PEM_ERR_INTERNAL, "internal error in the key code" },
	{ PEM_ERR_NOMEM, "out of memory" },
	{ PEM_ERR_EMPTY, "the input is empty" },
	{ PEM_ERR_TOO_LARGE, "the input is too large to be a private key" },
	{ PEM_ERR_BINARY, "binary data, not a PEM text key" },
	{ PEM_ERR_PUBLIC_KEY, "a public key, not a private key" },
	{ PEM_ERR_NO_HEADER, "missing the -----BEGIN ... PRIVATE KEY----- line" },
	{ PEM_ERR_NO_FOOTER, "missing the -----END ... PRIVATE KEY----- line" },
	{ PEM_ERR_CORRUPT, "the key is truncated or corrupted" },
	{ PEM_ERR_MULTIPLE, "more than one private key" },
	{ PEM_ERR_OPENSSH, "an OpenSSH-format key, not PEM" },
	{ PEM_ERR_OPENSSH_ENCRYPTED, "a passphrase-protected OpenSSH-format key" },
	{ PEM_ERR_OPENSSH_ENCRYPTED_ED25519,
	  "a passphrase-protected OpenSSH-format Ed25519 key" },
	{ PEM_ERR_PUTTY, "a PuTTY key" },
	{ PEM_ERR_DSA, "a DSA key, which is too weak" },
	{ PEM_ERR_RSA_WEAK, "an RSA key shorter than 2048 bits, which is too weak" },
	{ PEM_ERR_NEED_PASSPHRASE, "the key is protected by a passphrase" },
	{ PEM_ERR_BAD_PASSPHRASE, "wrong passphrase" },
	{ PEM_ERR_UNSUPPORTED, "unsupported key type" },
	{ PEM_ERR_BAD_ARG, "unsupported key type or size" },
};

const char *pem_strerror(int err)
{
	for (size_t i = 0; i < sizeof(pem_errors) / sizeof(pem_errors[0]); i++)
		if (pem_errors[i].code == err)
			return pem_errors[i].phrase;
	return "unknown error";
}

static const struct {
	unsigned bit;
	const char *phrase;
} pem_fix_names[] = {
	{ PEM_FIX_CRLF, "CRLF line endings" },
	{ PEM_FIX_TRAILING_SPACE, "trailing spaces" },
	{ PEM_FIX_INDENT, "indented lines" },
	{ PEM_FIX_BLANK_LINES, "blank lines" },
	{ PEM_FIX_WRAP, "broken line wrapping" },
	{ PEM_FIX_STRAY_TEXT, "text around the key" },
	{ PEM_FIX_MARKER, "a damaged BEGIN or END line" },
	{ PEM_FIX_BOM, "a byte order mark" },
};

const char *pem_fixes_describe(unsigned fixes, char *buf, size_t len)
{
	size_t used = 0;

	if (buf == NULL || len == 0)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(pem_fix_names) / sizeof(pem_fix_names[0]); i++) {
		const char *sep = used ? ", " : "";
		size_t need;

		if ((fixes & pem_fix_names[i].bit) == 0)
			continue;
		need = strlen(sep) + strlen(pem_fix_names[i].phrase);
		if (used + need >= len)
			break;
		memcpy(buf + used, sep, strlen(sep));
		memcpy(buf + used + strlen(sep), pem_fix_names[i].phrase,
		       strlen(pem_fix_names[i].phrase));
		used += need;
		buf[used] = '\0';
	}
	return buf;
}

enum pem_type pem_type_from_name(const char *name)
{
	if (name == NULL)
		return PEM_TYPE_NONE;
	if (strcasecmp(name, "ed25519") == 0)
		return PEM_TYPE_ED25519;
	if (strcasecmp(name, "ecdsa") == 0)
		return PEM_TYPE_ECDSA;
	if (strcasecmp(name, "rsa") == 0)
		return PEM_TYPE_RSA;
	return PEM_TYPE_NONE;
}

/* ---------------------------------------------------------------- base64 */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Append the base64 of data to out; wrap > 0 breaks lines after that many
 * characters (each line ends with '\n'); pad == 0 leaves out the '='.
 */
static int b64_encode(struct sbuf *out, const unsigned char *data, size_t len,
		      size_t wrap, int pad)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;
		char q[4];
		size_t emit = 4;

		if (n > 1)
			v |= (unsigned)data[i + 1] << 8;
		if (n > 2)
			v |= data[i + 2];
		q[0] = b64chars[(v >> 18) & 63];
		q[1] = b64chars[(v >> 12) & 63];
		q[2] = n > 1 ? b64chars[(v >> 6) & 63] : '=';
		q[3] = n > 2 ? b64chars[v & 63] : '=';
		if (!pad)
			emit = n + 1;
		for (size_t k = 0; k < emit; k++) {
			if (sbuf_addch(out, q[k]) != 0)
				return PEM_ERR_NOMEM;
			if (wrap && ++col == wrap) {
				if (sbuf_addch(out, '\n') != 0)
					return PEM_ERR_NOMEM;
				col = 0;
			}
		}
		v = 0;
		wipe(q, sizeof(q));
	}
	if (wrap && col != 0 && sbuf_addch(out, '\n') != 0)
		return PEM_ERR_NOMEM;
	return 0;
}

/* Strict: only the alphabet, '=' only at the end, length a multiple of 4. */
static int b64_decode(const char *in, size_t len, struct sbuf *out)
{
	size_t pad = 0;

	if (len == 0 || len % 4 != 0)
		return PEM_ERR_CORRUPT;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		unsigned bits = 0;
		unsigned char b[3];
		size_t nout = 3;

		for (size_t k = 0; k < 4; k++) {
			int c = (unsigned char)in[i + k];

			if (c == '=' && i + 4 == len && k >= 4 - pad) {
				v[k] = 0;
				continue;
			}
			if ((v[k] = b64_value(c)) < 0)
				return PEM_ERR_CORRUPT;
			bits = (bits << 6) | (unsigned)v[k];
		}
		if (i + 4 == len) {
			nout = 3 - pad;
			bits <<= 6 * pad;
		}
		b[0] = (unsigned char)(bits >> 16);
		b[1] = (unsigned char)(bits >> 8);
		b[2] = (unsigned char)bits;
		if (sbuf_add(out, b, nout) != 0) {
			wipe(b, sizeof(b));
			return PEM_ERR_NOMEM;
		}
		wipe(b, sizeof(b));
		bits = 0;
	}
	return 0;
}

/* ------------------------------------------------------ SSH wire format */

struct rd {
	const unsigned char *p;
	size_t len;
	size_t off;
};

static int rd_u32(struct rd *r, uint32_t *v)
{
	if (r->len - r->off < 4)
		return PEM_ERR_CORRUPT;
	*v = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	     (uint32_t)r->p[r->off + 2] << 8 | (uint32_t)r->p[r->off + 3];
	r->off += 4;
	return 0;
}

static int rd_string(struct rd *r, const unsigned char **s, size_t *n)
{
	uint32_t l;
	int e;

	if ((e = rd_u32(r, &l)) != 0)
		return e;
	if (r->len - r->off < l)
		return PEM_ERR_CORRUPT;
	*s = r->p + r->off;
	*n = l;
	r->off += l;
	return 0;
}

static int str_eq(const unsigned char *s, size_t n, const char *z)
{
	return n == strlen(z) && memcmp(s, z, n) == 0;
}

/* A non-negative mpint as a BIGNUM (secure: private parts go through here). */
static int rd_mpint(struct rd *r, BIGNUM **bn)
{
	const unsigned char *s;
	size_t n;
	int e;

	if ((e = rd_string(r, &s, &n)) != 0)
		return e;
	if (n > 0 && (s[0] & 0x80))
		return PEM_ERR_CORRUPT;
	if (n > PEM_RSA_MAX_BITS / 8 + 1)
		return PEM_ERR_UNSUPPORTED;
	if ((*bn = BN_secure_new()) == NULL)
		return PEM_ERR_NOMEM;
	if (BN_bin2bn(s, (int)n, *bn) == NULL) {
		BN_clear_free(*bn);
		*bn = NULL;
		return PEM_ERR_NOMEM;
	}
	return 0;
}

static int put_u32(struct sbuf *b, uint32_t v)
{
	unsigned char q[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v
	};

	return sbuf_add(b, q, 4) == 0 ? 0 : PEM_ERR_NOMEM;
}

static int put_string(struct sbuf *b, const void *s, size_t n)
{
	if (n > UINT32_MAX)
		return PEM_ERR_INTERNAL;
	if (put_u32(b, (uint32_t)n) != 0 || sbuf_add(b, s, n) != 0)
		return PEM_ERR_NOMEM;
	return 0;
}

static int put_mpint(struct sbuf *b, const BIGNUM *bn)
{
	unsigned char buf[PEM_RSA_MAX_BITS / 8 + 2];
	int n = BN_num_bytes(bn);
	size_t off = 1;

	if (BN_is_negative(bn) || n < 0 || (size_t)n > sizeof(buf) - 1)
		return PEM_ERR_UNSUPPORTED;
	buf[0] = 0;
	if (BN_bn2bin(bn, buf + 1) != n)
		return PEM_ERR_INTERNAL;
	if (n > 0 && (buf[1] & 0x80))
		off = 0;	/* keep the leading zero: the number is positive */
	return put_string(b, buf + off, (size_t)n + 1 - off);
}

/* ------------------------------------------------------------- key info */

struct curve {
	const char *ossl;	/* OpenSSL group name */
	const char *alias;	/* the other name OpenSSL may report */
	const char *ssh;	/* OpenSSH curve identifier */
	const char *ssh_name;	/* OpenSSH key type */
	unsigned bits;
};

static const struct curve curves[] = {
	{ "P-256", "prime256v1", "nistp256", "ecdsa-sha2-nistp256", 256 },
	{ "P-384", "secp384r1", "nistp384", "ecdsa-sha2-nistp384", 384 },
	{ "P-521", "secp521r1", "nistp521", "ecdsa-sha2-nistp521", 521 },
};

static const struct curve *curve_of(const EVP_PKEY *pkey)
{
	char name[64];
	size_t n = 0;

	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1)
		return NULL;
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcasecmp(name, curves[i].ossl) == 0 ||
		    strcasecmp(name, curves[i].alias) == 0)
			return &curves[i];
	return NULL;
}

static const struct curve *curve_by_ssh(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (str_eq(s, n, curves[i].ssh))
			return &curves[i];
	return NULL;
}

/* Is this a key we take?  Fills the type fields of *info. */
static int check_type(EVP_PKEY *pkey, struct pem_info *info)
{
	const struct curve *c;
	int bits;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
		info->type = PEM_TYPE_ED25519;
		memcpy(info->type_name, "ED25519", sizeof("ED25519"));
		memcpy(info->ssh_name, "ssh-ed25519", sizeof("ssh-ed25519"));
		info->bits = 256;
		return 0;
	case EVP_PKEY_EC:
		if ((c = curve_of(pkey)) == NULL)
			return PEM_ERR_UNSUPPORTED;
		info->type = PEM_TYPE_ECDSA;
		memcpy(info->type_name, "ECDSA", sizeof("ECDSA"));
		snprintf(info->ssh_name, sizeof(info->ssh_name), "%s", c->ssh_name);
		info->bits = c->bits;
		return 0;
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(pkey);
		if (bits <= 0)
			return PEM_ERR_CORRUPT;
		if (bits < PEM_RSA_MIN_BITS)
			return PEM_ERR_RSA_WEAK;
		if (bits > PEM_RSA_MAX_BITS)
			return PEM_ERR_UNSUPPORTED;
		info->type = PEM_TYPE_RSA;
		memcpy(info->type_name, "RSA", sizeof("RSA"));
		memcpy(info->ssh_name, "ssh-rsa", sizeof("ssh-rsa"));
		info->bits = (unsigned)bits;
		return 0;
	case EVP_PKEY_DSA:
		return PEM_ERR_DSA;
	default:
		return PEM_ERR_UNSUPPORTED;
	}
}

/* The public key blob, as in RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4. */
static int make_blob(EVP_PKEY *pkey, const struct pem_info *info,
		     struct sbuf *blob)
{
	BIGNUM *a = NULL, *b = NULL;
	unsigned char pt[1 + 2 * 66];
	size_t n;
	const struct curve *c;
	int r = PEM_ERR_INTERNAL;

	if ((r = put_string(blob, info->ssh_name, strlen(info->ssh_name))) != 0)
		goto out;
	r = PEM_ERR_INTERNAL;
	switch (info->type) {
	case PEM_TYPE_ED25519:
		n = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, pt, &n) != 1 || n != 32)
			goto out;
		if ((r = put_string(blob, pt, n)) != 0)
			goto out;
		break;
	case PEM_TYPE_ECDSA:
		if ((c = curve_of(pkey)) == NULL)
			goto out;
		n = (c->bits + 7) / 8;
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &b) != 1)
			goto out;
		pt[0] = 0x04;	/* uncompressed point, SEC1 2.3.3 */
		if (BN_bn2binpad(a, pt + 1, (int)n) != (int)n ||
		    BN_bn2binpad(b, pt + 1 + n, (int)n) != (int)n)
			goto out;
		if ((r = put_string(blob, c->ssh, strlen(c->ssh))) != 0 ||
		    (r = put_string(blob, pt, 1 + 2 * n)) != 0)
			goto out;
		break;
	case PEM_TYPE_RSA:
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &b) != 1)
			goto out;
		if ((r = put_mpint(blob, a)) != 0 || (r = put_mpint(blob, b)) != 0)
			goto out;
		break;
	default:
		goto out;
	}
	r = 0;
 out:
	BN_free(a);
	BN_free(b);
	return r;
}

int pem_fingerprint_blob(const unsigned char *blob, size_t len,
			 char out[PEM_FP_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	struct sbuf b64 = SBUF_INIT;
	int r = PEM_ERR_INTERNAL;

	if (out == NULL)
		return PEM_ERR_BAD_ARG;
	out[0] = '\0';
	if (blob == NULL)
		return PEM_ERR_BAD_ARG;
	if (EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		goto out;
	if ((r = b64_encode(&b64, md, mdlen, 0, 0)) != 0)
		goto out;
	r = PEM_ERR_INTERNAL;
	if (snprintf(out, PEM_FP_LEN, "SHA256:%s", b64.buf) != PEM_FP_LEN - 1)
		goto out;
	r = 0;
 out:
	if (r != 0)
		out[0] = '\0';
	sbuf_free(&b64);
	ERR_clear_error();
	return r;
}

/* Type, bits and fingerprint of a loaded key. */
static int describe(EVP_PKEY *pkey, struct pem_info *info)
{
	struct sbuf blob = SBUF_INIT;
	int r;

	if ((r = check_type(pkey, info)) != 0)
		goto out;
	if ((r = make_blob(pkey, info, &blob)) != 0)
		goto out;
	r = pem_fingerprint_blob((const unsigned char *)blob.buf, blob.len,
				 info->fingerprint);
 out:
	sbuf_free(&blob);
	return r;
}

/* RSA and ECDSA: do the private and public halves belong together? */
static int pairwise_ok(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519)
		return 1;	/* the public half is derived from the seed */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL)
		return 0;
	ok = EVP_PKEY_pairwise_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* Unencrypted PKCS#8 PEM, 64 columns. */
static int to_pkcs8_pem(EVP_PKEY *pkey, struct sbuf *out)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL, *q;
	int n = 0;
	struct sbuf pem = SBUF_INIT;
	int r = PEM_ERR_INTERNAL;

	if ((p8 = EVP_PKEY2PKCS8(pkey)) == NULL)
		goto out;
	if ((n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0)
		goto out;
	r = PEM_ERR_NOMEM;
	if ((der = malloc((size_t)n)) == NULL)
		goto out;
	q = der;
	r = PEM_ERR_INTERNAL;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &q) != n)
		goto out;
	r = PEM_ERR_NOMEM;
	if (sbuf_addstr(&pem, "-----BEGIN PRIVATE KEY-----\n") != 0)
		goto out;
	if ((r = b64_encode(&pem, der, (size_t)n, 64, 1)) != 0)
		goto out;
	r = PEM_ERR_NOMEM;
	if (sbuf_addstr(&pem, "-----END PRIVATE KEY-----\n") != 0)
		goto out;
	/* success */
	sbuf_move(out, &pem);
	r = 0;
 out:
	if (der != NULL) {
		wipe(der, (size_t)n);
		free(der);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	sbuf_free(&pem);
	return r;
}

/* --------------------------------------------------------- PEM envelope */

struct line {
	const char *p;		/* trimmed */
	size_t len;
	unsigned fixes;		/* damage found on this line */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static int lines_add(struct lines *ls, const char *p, size_t len, unsigned fixes)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct line *v = realloc(ls->v, cap * sizeof(*v));

		if (v == NULL)
			return PEM_ERR_NOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	ls->v[ls->n].p = p;
	ls->v[ls->n].len = len;
	ls->v[ls->n].fixes = fixes;
	ls->n++;
	return 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t';
}

static const char *find(const char *p, size_t len, const char *z)
{
	size_t zl = strlen(z);

	if (zl > len)
		return NULL;
	for (size_t i = 0; i + zl <= len; i++)
		if (p[i] == z[0] && memcmp(p + i, z, zl) == 0)
			return p + i;
	return NULL;
}

static int starts(const struct line *l, const char *z)
{
	size_t zl = strlen(z);

	return l->len >= zl && memcmp(l->p, z, zl) == 0;
}

/* Where the next BEGIN or END marker starts in p, or NULL. */
static const char *next_marker(const char *p, size_t len)
{
	const char *b = find(p, len, "-----BEGIN ");
	const char *e = find(p, len, "-----END ");

	if (b == NULL || (e != NULL && e < b))
		return e;
	return b;
}

/* Length of the marker at p: up to and including its closing dashes. */
static size_t marker_len(const char *p, size_t len, int *damaged)
{
	size_t kw = p[5] == 'B' ? strlen("-----BEGIN ") : strlen("-----END ");
	const char *d = find(p + kw, len - kw, "-----");
	size_t end;

	if (d == NULL) {
		*damaged = 1;
		return len;
	}
	end = (size_t)(d - p);
	while (end < len && p[end] == '-')
		end++;
	if (end - (size_t)(d - p) != 5)
		*damaged = 1;
	return end;
}

/*
 * Split the input into trimmed lines, noting the damage on each, and cut
 * lines that hold a marker somewhere else than alone on its line (a key
 * pasted into one line, text before a BEGIN line) into pieces.
 */
static int split_lines(const char *in, size_t len, struct lines *ls)
{
	size_t i = 0;
	int r;

	while (i < len) {
		size_t start = i, end, s, e, first = ls->n;
		unsigned fx = 0;

		while (i < len && in[i] != '\n' && in[i] != '\r')
			i++;
		end = i;
		if (i < len && in[i] == '\r') {
			fx |= PEM_FIX_CRLF;
			i++;
		}
		if (i < len && in[i] == '\n')
			i++;
		s = start;
		e = end;
		while (s < e && is_space(in[s]))
			s++;
		while (e > s && is_space(in[e - 1]))
			e--;
		if (s == e) {
			/* a blank line */
			if ((r = lines_add(ls, in + start, 0, fx)) != 0)
				return r;
			continue;
		}
		if (s > start)
			fx |= PEM_FIX_INDENT;
		if (e < end)
			fx |= PEM_FIX_TRAILING_SPACE;
		while (s < e) {
			const char *m = next_marker(in + s, e - s);
			size_t piece, step;
			int damaged = 0;

			if (m == in + s) {
				piece = step = marker_len(in + s, e - s, &damaged);
			} else if (m == NULL) {
				piece = step = e - s;
			} else {
				piece = step = (size_t)(m - (in + s));
				while (piece > 0 && is_space(in[s + piece - 1]))
					piece--;
			}
			if ((r = lines_add(ls, in + s, piece,
					   fx | (damaged ? PEM_FIX_MARKER : 0))) != 0)
				return r;
			s += step;
			while (s < e && is_space(in[s]))
				s++;
		}
		if (ls->n - first > 1)
			for (size_t k = first; k < ls->n; k++)
				ls->v[k].fixes |= PEM_FIX_WRAP;
	}
	return 0;
}

enum label {
	LABEL_OTHER = 0,	/* CERTIFICATE, PARAMETERS, ...: not a key */
	LABEL_PKCS8,
	LABEL_PKCS8_ENCRYPTED,
	LABEL_RSA,
	LABEL_EC,
	LABEL_DSA,
	LABEL_OPENSSH,
	LABEL_OTHER_PRIVATE,	/* some other "... PRIVATE KEY" */
	LABEL_PUBLIC,		/* "PUBLIC KEY", "RSA PUBLIC KEY", ... */
	LABEL_EC_PARAMETERS,	/* what `openssl ecparam -genkey` writes first */
};

/* The label of a BEGIN (begin=1) or END line, or 0 if the line is neither. */
static int marker_label(const struct line *l, int begin, const char **lab,
			size_t *n)
{
	const char *kw = begin ? "-----BEGIN " : "-----END ";
	size_t kl = strlen(kw), e;

	if (!starts(l, kw))
		return 0;
	e = kl;
	while (e < l->len && l->p[e] != '-')
		e++;
	while (e > kl && is_space(l->p[e - 1]))
		e--;
	*lab = l->p + kl;
	*n = e - kl;
	return 1;
}

static int label_is(const char *lab, size_t n, const char *z)
{
	return n == strlen(z) && memcmp(lab, z, n) == 0;
}

static int label_ends(const char *lab, size_t n, const char *z)
{
	size_t zl = strlen(z);

	return n >= zl && memcmp(lab + n - zl, z, zl) == 0;
}

static enum label classify_label(const char *lab, size_t n)
{
	if (label_is(lab, n, "PRIVATE KEY"))
		return LABEL_PKCS8;
	if (label_is(lab, n, "ENCRYPTED PRIVATE KEY"))
		return LABEL_PKCS8_ENCRYPTED;
	if (label_is(lab, n, "RSA PRIVATE KEY"))
		return LABEL_RSA;
	if (label_is(lab, n, "EC PRIVATE KEY"))
		return LABEL_EC;
	if (label_is(lab, n, "DSA PRIVATE KEY"))
		return LABEL_DSA;
	if (label_is(lab, n, "OPENSSH PRIVATE KEY"))
		return LABEL_OPENSSH;
	if (label_ends(lab, n, "PRIVATE KEY"))
		return LABEL_OTHER_PRIVATE;
	if (label_ends(lab, n, "PUBLIC KEY"))
		return LABEL_PUBLIC;
	if (label_is(lab, n, "EC PARAMETERS"))
		return LABEL_EC_PARAMETERS;
	return LABEL_OTHER;
}

static int is_private_label(enum label k)
{
	return k == LABEL_PKCS8 || k == LABEL_PKCS8_ENCRYPTED || k == LABEL_RSA ||
	       k == LABEL_EC || k == LABEL_DSA || k == LABEL_OPENSSH ||
	       k == LABEL_OTHER_PRIVATE;
}

/* "ssh-ed25519 AAAA...", "ecdsa-sha2-nistp256 AAAA...", with or without options before. */
static int is_pubkey_line(const struct line *l)
{
	size_t i = 0;

	while (i < l->len) {
		size_t t = i, tl;

		while (i < l->len && !is_space(l->p[i]))
			i++;
		tl = i - t;
		while (i < l->len && is_space(l->p[i]))
			i++;
		if (((tl > 4 && memcmp(l->p + t, "ssh-", 4) == 0) ||
		     (tl > 6 && memcmp(l->p + t, "ecdsa-", 6) == 0) ||
		     (tl > 3 && memcmp(l->p + t, "sk-", 3) == 0)) &&
		    l->len - i >= 4 && memcmp(l->p + i, "AAAA", 4) == 0)
			return 1;
	}
	return 0;
}

/* What the envelope held: the label, legacy encryption headers, the body. */
struct envelope {
	enum label kind;
	struct sbuf headers;	/* "Proc-Type: 4,ENCRYPTED\nDEK-Info: ...\n" */
	int encrypted;		/* Proc-Type: 4,ENCRYPTED */
	struct sbuf der;	/* the decoded body */
	unsigned fixes;
};

#define ENVELOPE_INIT { LABEL_OTHER, SBUF_INIT, 0, SBUF_INIT, 0 }

static void envelope_free(struct envelope *env)
{
	sbuf_free(&env->headers);
	sbuf_free(&env->der);
}

/* No private key marker anywhere: say what the input is instead. */
static int classify_no_key(const struct lines *ls)
{
	int other = 0;

	for (size_t i = 0; i < ls->n; i++) {
		const struct line *l = &ls->v[i];
		const char *lab;
		size_t n;

		if (starts(l, "PuTTY-User-Key-File-"))
			return PEM_ERR_PUTTY;
		if (starts(l, "---- BEGIN SSH2 PUBLIC KEY") || is_pubkey_line(l))
			return PEM_ERR_PUBLIC_KEY;
		if (marker_label(l, 1, &lab, &n)) {
			if (classify_label(lab, n) == LABEL_PUBLIC)
				return PEM_ERR_PUBLIC_KEY;
			other = 1;
		}
	}
	return other ? PEM_ERR_UNSUPPORTED : PEM_ERR_NO_HEADER;
}

/*
 * Find the one private key block in the lines, check its markers, collect
 * its headers and decode its body.
 */
static int read_envelope(const struct lines *ls, struct envelope *env)
{
	size_t bi = 0, ei = 0, nprivate = 0, i;
	const char *lab = NULL, *elab;
	size_t labn = 0, elabn;
	struct sbuf b64 = SBUF_INIT;
	size_t first_tok = 0, prev_tok = 0, ntok = 0;
	int r = PEM_ERR_INTERNAL;

	b64.max = PEM_MAX_INPUT;
	for (i = 0; i < ls->n; i++) {
		const char *l;
		size_t n;

		if (marker_label(&ls->v[i], 1, &l, &n) &&
		    is_private_label(classify_label(l, n))) {
			if (nprivate++ == 0) {
				bi = i;
				lab = l;
				labn = n;
			}
		}
	}
	if (nprivate == 0) {
		r = classify_no_key(ls);
		goto out;
	}
	if (nprivate > 1) {
		r = PEM_ERR_MULTIPLE;
		goto out;
	}
	env->kind = classify_label(lab, labn);
	/* the matching END line, before any other BEGIN */
	r = PEM_ERR_NO_FOOTER;
	for (i = bi + 1; i < ls->n; i++) {
		if (starts(&ls->v[i], "-----BEGIN "))
			goto out;
		if (marker_label(&ls->v[i], 0, &elab, &elabn)) {
			if (elabn != labn || memcmp(elab, lab, labn) != 0)
				goto out;
			ei = i;
			break;
		}
	}
	if (ei == 0)
		goto out;
	/* damage on the block's own lines, and what lies around it */
	for (i = bi; i <= ei; i++)
		env->fixes |= ls->v[i].fixes;
	for (i = 0; i < ls->n; i++) {
		const char *l;
		size_t n;

		if (i == bi) {
			i = ei;
			continue;
		}
		if (ls->v[i].len == 0) {
			env->fixes |= PEM_FIX_BLANK_LINES;
			continue;
		}
		if (marker_label(&ls->v[i], 1, &l, &n) &&
		    classify_label(l, n) == LABEL_EC_PARAMETERS) {
			/* harmless: skip through its END line */
			while (i + 1 < ls->n && i + 1 != bi &&
			       !starts(&ls->v[i], "-----END "))
				i++;
			continue;
		}
		env->fixes |= PEM_FIX_STRAY_TEXT;
	}
	if (env->kind == LABEL_DSA) {
		r = PEM_ERR_DSA;
		goto out;
	}
	if (env->kind == LABEL_OTHER_PRIVATE) {
		r = PEM_ERR_UNSUPPORTED;
		goto out;
	}
	i = bi + 1;
	/* RFC 1421 headers: only the traditional RSA/EC forms have them */
	if (env->kind == LABEL_RSA || env->kind == LABEL_EC) {
		size_t h = i;

		while (i < ei && ls->v[i].len > 0 &&
		       memchr(ls->v[i].p, ':', ls->v[i].len) != NULL) {
			r = PEM_ERR_NOMEM;
			if (sbuf_add(&env->headers, ls->v[i].p, ls->v[i].len) != 0 ||
			    sbuf_addch(&env->headers, '\n') != 0)
				goto out;
			if (starts(&ls->v[i], "Proc-Type:") &&
			    find(ls->v[i].p, ls->v[i].len, "ENCRYPTED") != NULL)
				env->encrypted = 1;
			i++;
		}
		if (i > h && i < ei && ls->v[i].len == 0)
			i++;	/* the blank line that ends the headers */
	}
	/* the body: base64, in lines of equal length but the last */
	for (; i < ei; i++) {
		const struct line *l = &ls->v[i];
		size_t k = 0;

		if (l->len == 0) {
			env->fixes |= PEM_FIX_BLANK_LINES;
			continue;
		}
		while (k < l->len) {
			size_t t = k;

			while (k < l->len && !is_space(l->p[k]))
				k++;
			if (ntok > 0 && prev_tok != first_tok)
				env->fixes |= PEM_FIX_WRAP;
			if (ntok == 0)
				first_tok = k - t;
			prev_tok = k - t;
			ntok++;
			r = PEM_ERR_TOO_LARGE;
			if (sbuf_add(&b64, l->p + t, k - t) != 0)
				goto out;
			if (k < l->len)
				env->fixes |= PEM_FIX_WRAP;
			while (k < l->len && is_space(l->p[k]))
				k++;
		}
	}
	if (ntok > 0 && prev_tok > first_tok)
		env->fixes |= PEM_FIX_WRAP;
	r = PEM_ERR_CORRUPT;
	if (b64.len == 0)
		goto out;
	if ((r = b64_decode(b64.buf, b64.len, &env->der)) != 0)
		goto out;
	r = 0;
 out:
	sbuf_free(&b64);
	return r;
}

/* Exactly one DER SEQUENCE, nothing missing, nothing after it. */
static int der_sequence_ok(const unsigned char *p, size_t len)
{
	size_t hdr = 2, body = 0;

	if (len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		body = p[1];
	} else {
		size_t nb = p[1] & 0x7f;

		if (nb == 0 || nb > 4 || len < 2 + nb)
			return 0;
		for (size_t i = 0; i < nb; i++)
			body = body << 8 | p[2 + i];
		hdr += nb;
	}
	return len - hdr == body;
}

/* ------------------------------------------------------------ loading */

static int p8_to_pkey(const PKCS8_PRIV_KEY_INFO *p8, EVP_PKEY **out)
{
	const ASN1_OBJECT *alg = NULL;

	if ((*out = EVP_PKCS82PKEY(p8)) != NULL)
		return 0;
	if (PKCS8_pkey_get0(&alg, NULL, NULL, NULL, p8) != 1 || alg == NULL)
		return PEM_ERR_CORRUPT;
	switch (OBJ_obj2nid(alg)) {
	case NID_rsaEncryption:
	case NID_X9_62_id_ecPublicKey:
	case NID_ED25519:
		return PEM_ERR_CORRUPT;
	case NID_dsa:
		return PEM_ERR_DSA;
	default:
		return PEM_ERR_UNSUPPORTED;
	}
}

static int load_pkcs8(const struct sbuf *der, EVP_PKEY **out)
{
	const unsigned char *q = (const unsigned char *)der->buf;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int r = PEM_ERR_CORRUPT;

	if (!der_sequence_ok(q, der->len))
		goto out;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)der->len)) == NULL)
		goto out;
	r = p8_to_pkey(p8, out);
 out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	return r;
}

static int load_pkcs8_encrypted(const struct sbuf *der, const char *pass,
				EVP_PKEY **out)
{
	const unsigned char *q = (const unsigned char *)der->buf;
	X509_SIG *sig = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	int r = PEM_ERR_CORRUPT;

	if (!der_sequence_ok(q, der->len))
		goto out;
	if ((sig = d2i_X509_SIG(NULL, &q, (long)der->len)) == NULL)
		goto out;
	r = PEM_ERR_NEED_PASSPHRASE;
	if (pass == NULL)
		goto out;
	r = PEM_ERR_BAD_PASSPHRASE;
	if (strlen(pass) > INT32_MAX)
		goto out;
	ERR_clear_error();
	if ((p8 = PKCS8_decrypt(sig, pass, (int)strlen(pass))) == NULL) {
		unsigned long e = ERR_peek_last_error();

		if (ERR_GET_LIB(e) == ERR_LIB_EVP &&
		    (ERR_GET_REASON(e) == EVP_R_UNKNOWN_PBE_ALGORITHM ||
		     ERR_GET_REASON(e) == EVP_R_UNSUPPORTED_CIPHER ||
		     ERR_GET_REASON(e) == EVP_R_UNSUPPORTED_PRF ||
		     ERR_GET_REASON(e) == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION))
			r = PEM_ERR_UNSUPPORTED;
		goto out;
	}
	r = p8_to_pkey(p8, out);
 out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	return r;
}

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n = strlen(pass);

	(void)rwflag;
	if (size <= 0 || n >= (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

/* BEGIN RSA/EC PRIVATE KEY, decrypting Proc-Type: 4,ENCRYPTED first. */
static int load_traditional(struct envelope *env, const char *pass,
			    EVP_PKEY **out)
{
	EVP_CIPHER_INFO cinfo;
	const unsigned char *q;
	long dlen = (long)env->der.len;
	int type = env->kind == LABEL_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC;
	int wrong = PEM_ERR_CORRUPT;	/* what a failure to parse means */
	int r = PEM_ERR_CORRUPT;

	if (env->encrypted) {
		int bs;

		if (pass == NULL) {
			r = PEM_ERR_NEED_PASSPHRASE;
			goto out;
		}
		ERR_clear_error();
		if (PEM_get_EVP_CIPHER_INFO(env->headers.buf, &cinfo) != 1 ||
		    cinfo.cipher == NULL) {
			unsigned long e = ERR_peek_last_error();

			r = ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_UNSUPPORTED_ENCRYPTION ?
			    PEM_ERR_UNSUPPORTED : PEM_ERR_CORRUPT;
			goto out;
		}
		bs = EVP_CIPHER_get_block_size(cinfo.cipher);
		if (bs > 1 && env->der.len % (size_t)bs != 0)
			goto out;
		r = PEM_ERR_BAD_PASSPHRASE;
		if (PEM_do_header(&cinfo, (unsigned char *)env->der.buf, &dlen,
				  pass_cb, (void *)pass) != 1)
			goto out;
		wrong = PEM_ERR_BAD_PASSPHRASE;
	}
	q = (const unsigned char *)env->der.buf;
	r = wrong;
	if (dlen < 0 || !der_sequence_ok(q, (size_t)dlen))
		goto out;
	if ((*out = d2i_PrivateKey(type, NULL, &q, dlen)) == NULL)
		goto out;
	r = 0;
 out:
	return r;
}

static int from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int r = PEM_ERR_CORRUPT;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL) {
		r = PEM_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	r = 0;
 out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return r;
}

static int openssh_ed25519(struct rd *r, EVP_PKEY **out)
{
	const unsigned char *pk, *sk;
	size_t pkn, skn, n = 32;
	unsigned char derived[32];
	int e;

	if ((e = rd_string(r, &pk, &pkn)) != 0 || (e = rd_string(r, &sk, &skn)) != 0)
		return e;
	if (pkn != 32 || skn != 64 || memcmp(sk + 32, pk, 32) != 0)
		return PEM_ERR_CORRUPT;
	if ((*out = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, sk, 32)) == NULL)
		return PEM_ERR_CORRUPT;
	if (EVP_PKEY_get_raw_public_key(*out, derived, &n) != 1 || n != 32 ||
	    memcmp(derived, pk, 32) != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return PEM_ERR_CORRUPT;
	}
	return 0;
}

static int openssh_ecdsa(struct rd *r, const unsigned char *type, size_t typen,
			 EVP_PKEY **out)
{
	const unsigned char *cn, *pt;
	size_t cnn, ptn;
	const struct curve *c;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int e;

	if ((e = rd_string(r, &cn, &cnn)) != 0)
		goto out;
	e = PEM_ERR_UNSUPPORTED;
	if ((c = curve_by_ssh(cn, cnn)) == NULL || !str_eq(type, typen, c->ssh_name))
		goto out;
	if ((e = rd_string(r, &pt, &ptn)) != 0 || (e = rd_mpint(r, &d)) != 0)
		goto out;
	e = PEM_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->ossl, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, ptn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1)
		goto out;
	e = from_params("EC", bld, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return e;
}

static int openssh_rsa(struct rd *r, EVP_PKEY **out)
{
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *iqmp = NULL, *p = NULL, *q = NULL;
	BIGNUM *dmp1 = NULL, *dmq1 = NULL, *t = NULL;
	BN_CTX *ctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int rv;

	if ((rv = rd_mpint(r, &n)) != 0 || (rv = rd_mpint(r, &e)) != 0 ||
	    (rv = rd_mpint(r, &d)) != 0 || (rv = rd_mpint(r, &iqmp)) != 0 ||
	    (rv = rd_mpint(r, &p)) != 0 || (rv = rd_mpint(r, &q)) != 0)
		goto out;
	rv = PEM_ERR_CORRUPT;
	if (BN_is_zero(p) || BN_is_zero(q) || BN_is_one(p) || BN_is_one(q))
		goto out;
	rv = PEM_ERR_NOMEM;
	if ((ctx = BN_CTX_secure_new()) == NULL || (t = BN_secure_new()) == NULL ||
	    (dmp1 = BN_secure_new()) == NULL || (dmq1 = BN_secure_new()) == NULL)
		goto out;
	/* OpenSSH does not store the CRT exponents: d mod (p-1), d mod (q-1) */
	if (BN_sub(t, p, BN_value_one()) != 1 || BN_mod(dmp1, d, t, ctx) != 1 ||
	    BN_sub(t, q, BN_value_one()) != 1 || BN_mod(dmq1, d, t, ctx) != 1)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp) != 1)
		goto out;
	rv = from_params("RSA", bld, out);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(ctx);
	BN_clear_free(n);
	BN_clear_free(e);
	BN_clear_free(d);
	BN_clear_free(iqmp);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_clear_free(t);
	return rv;
}

#define OPENSSH_MAGIC "openssh-key-v1"	/* followed by a NUL byte */

/*
 * openssh-key-v1 (OpenSSH's PROTOCOL.key): magic, cipher, kdf, kdf
 * options, number of keys, public keys, then the private section: two
 * equal check words, per key its type and fields and a comment, then
 * padding 1, 2, 3, ...
 */
static int load_openssh(const struct sbuf *der, EVP_PKEY **out,
			struct pem_info *info)
{
	struct rd r = { (const unsigned char *)der->buf, der->len, 0 };
	struct rd pr, pubr;
	const unsigned char *cipher, *kdf, *kdfopt, *pub, *priv, *type, *ptype;
	const unsigned char *comment;
	size_t ciphern, kdfn, kdfoptn, pubn, privn, typen, ptypen, commentn;
	uint32_t nkeys, c1, c2;
	struct sbuf blob = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	int e;

	e = PEM_ERR_CORRUPT;
	if (der->len < sizeof(OPENSSH_MAGIC) ||
	    memcmp(der->buf, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
		goto out;
	r.off = sizeof(OPENSSH_MAGIC);
	if ((e = rd_string(&r, &cipher, &ciphern)) != 0 ||
	    (e = rd_string(&r, &kdf, &kdfn)) != 0 ||
	    (e = rd_string(&r, &kdfopt, &kdfoptn)) != 0 ||
	    (e = rd_u32(&r, &nkeys)) != 0)
		goto out;
	e = nkeys == 0 ? PEM_ERR_CORRUPT : PEM_ERR_MULTIPLE;
	if (nkeys != 1)
		goto out;
	if ((e = rd_string(&r, &pub, &pubn)) != 0 ||
	    (e = rd_string(&r, &priv, &privn)) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (r.off != r.len)
		goto out;
	pubr = (struct rd){ pub, pubn, 0 };
	if ((e = rd_string(&pubr, &ptype, &ptypen)) != 0)
		goto out;
	if (str_eq(ptype, ptypen, "ssh-dss")) {
		e = PEM_ERR_DSA;
		goto out;
	}
	if (!str_eq(ptype, ptypen, "ssh-ed25519") && !str_eq(ptype, ptypen, "ssh-rsa") &&
	    !(ptypen > 11 && memcmp(ptype, "ecdsa-sha2-", 11) == 0)) {
		e = PEM_ERR_UNSUPPORTED;
		goto out;
	}
	if (!str_eq(cipher, ciphern, "none")) {
		e = str_eq(ptype, ptypen, "ssh-ed25519") ?
		    PEM_ERR_OPENSSH_ENCRYPTED_ED25519 : PEM_ERR_OPENSSH_ENCRYPTED;
		goto out;
	}
	e = PEM_ERR_CORRUPT;
	if (!str_eq(kdf, kdfn, "none"))
		goto out;
	pr = (struct rd){ priv, privn, 0 };
	if ((e = rd_u32(&pr, &c1)) != 0 || (e = rd_u32(&pr, &c2)) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (c1 != c2)
		goto out;
	if ((e = rd_string(&pr, &type, &typen)) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (typen != ptypen || memcmp(type, ptype, typen) != 0)
		goto out;
	if (str_eq(type, typen, "ssh-ed25519"))
		e = openssh_ed25519(&pr, &pkey);
	else if (str_eq(type, typen, "ssh-rsa"))
		e = openssh_rsa(&pr, &pkey);
	else
		e = openssh_ecdsa(&pr, type, typen, &pkey);
	if (e != 0)
		goto out;
	if ((e = rd_string(&pr, &comment, &commentn)) != 0)
		goto out;
	/* padding: 1, 2, 3, ... up to the cipher block size (8 for "none") */
	e = PEM_ERR_CORRUPT;
	if (pr.len - pr.off >= 8)
		goto out;
	for (size_t k = 0; pr.off + k < pr.len; k++)
		if (pr.p[pr.off + k] != (unsigned char)(k + 1))
			goto out;
	/* the public key in the clear must be this key's */
	if ((e = check_type(pkey, info)) != 0)
		goto out;
	if ((e = make_blob(pkey, info, &blob)) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (blob.len != pubn || memcmp(blob.buf, pub, pubn) != 0)
		goto out;
	{
		size_t k = 0;

		for (size_t j = 0; j < commentn && k + 1 < sizeof(info->comment); j++)
			if (comment[j] >= 0x20 && comment[j] < 0x7f)
				info->comment[k++] = (char)comment[j];
		info->comment[k] = '\0';
	}
	/* success */
	*out = pkey;
	pkey = NULL;
	e = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&blob);
	return e;
}

static int is_binary(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 1;
	}
	return 0;
}

/*
 * The core of pem_import(), pem_check(), pem_public_line(): classify and
 * load.  info must not be NULL.
 */
static int load_key(const char *in, size_t len, const char *pass,
		    unsigned opts, EVP_PKEY **out, struct pem_info *info,
		    unsigned *fixes_out)
{
	struct lines ls = { NULL, 0, 0 };
	struct envelope env = ENVELOPE_INIT;
	EVP_PKEY *pkey = NULL;
	unsigned fixes = 0;
	int r = PEM_ERR_INTERNAL;
	int only_blank = 1;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	*fixes_out = 0;
	r = PEM_ERR_TOO_LARGE;
	if (len > PEM_MAX_INPUT)
		goto out;
	r = PEM_ERR_EMPTY;
	if (in == NULL)
		goto out;
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) {
		fixes |= PEM_FIX_BOM;
		in += 3;
		len -= 3;
	}
	for (size_t i = 0; i < len && only_blank; i++)
		if (in[i] != ' ' && in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			only_blank = 0;
	if (only_blank)
		goto out;
	r = PEM_ERR_BINARY;
	if (is_binary(in, len))
		goto out;
	if ((r = split_lines(in, len, &ls)) != 0)
		goto out;
	if ((r = read_envelope(&ls, &env)) != 0)
		goto out;
	fixes |= env.fixes;
	switch (env.kind) {
	case LABEL_PKCS8:
		info->source = PEM_SRC_PKCS8;
		r = load_pkcs8(&env.der, &pkey);
		break;
	case LABEL_PKCS8_ENCRYPTED:
		info->source = PEM_SRC_PKCS8_ENCRYPTED;
		r = load_pkcs8_encrypted(&env.der, pass, &pkey);
		break;
	case LABEL_RSA:
	case LABEL_EC:
		info->source = env.encrypted ? PEM_SRC_LEGACY_ENCRYPTED :
			       env.kind == LABEL_RSA ? PEM_SRC_RSA : PEM_SRC_EC;
		r = load_traditional(&env, pass, &pkey);
		break;
	case LABEL_OPENSSH:
		info->source = PEM_SRC_OPENSSH;
		r = load_openssh(&env.der, &pkey, info);
		if (r == 0 && !(opts & PEM_CONVERT))
			r = PEM_ERR_OPENSSH;
		break;
	default:
		r = PEM_ERR_INTERNAL;
		break;
	}
	if (r != 0)
		goto out;
	if ((r = describe(pkey, info)) != 0)
		goto out;
	r = PEM_ERR_CORRUPT;
	if (!pairwise_ok(pkey))
		goto out;
	/* success */
	*out = pkey;
	pkey = NULL;
	*fixes_out = fixes;
	r = 0;
 out:
	if (r != 0)
		memset(info, 0, sizeof(*info));
	EVP_PKEY_free(pkey);
	envelope_free(&env);
	free(ls.v);
	ERR_clear_error();
	return r;
}

/* ---------------------------------------------------------- public API */

/* What we hand out must read back, untouched, as the same key. */
static int verify_output(const struct sbuf *pem, const struct pem_info *want)
{
	struct pem_info got;
	EVP_PKEY *pkey = NULL;
	unsigned fx = 0;
	int r;

	if ((r = load_key(pem->buf, pem->len, NULL, 0, &pkey, &got, &fx)) != 0)
		r = PEM_ERR_INTERNAL;
	else if (fx != 0 || got.source != PEM_SRC_PKCS8 ||
		 strcmp(got.fingerprint, want->fingerprint) != 0)
		r = PEM_ERR_INTERNAL;
	EVP_PKEY_free(pkey);
	return r;
}

int pem_import(const char *in, size_t len, const char *passphrase,
	       unsigned opts, struct sbuf *out, struct pem_info *info,
	       unsigned *fixes)
{
	struct pem_info tmp;
	struct sbuf pem = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	unsigned fx = 0;
	int r;

	if (fixes != NULL)
		*fixes = 0;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if ((r = load_key(in, len, passphrase, opts, &pkey, &tmp, &fx)) != 0)
		goto out;
	if (out != NULL && (r = to_pkcs8_pem(pkey, &pem)) != 0)
		goto out;
	if (out != NULL && (r = verify_output(&pem, &tmp)) != 0)
		goto out;
	/* success */
	if (out != NULL)
		sbuf_move(out, &pem);
	if (info != NULL)
		*info = tmp;
	if (fixes != NULL)
		*fixes = fx;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&pem);
	ERR_clear_error();
	return r;
}

int pem_check(const struct sbuf *pem, struct pem_info *info)
{
	if (pem == NULL) {
		if (info != NULL)
			memset(info, 0, sizeof(*info));
		return PEM_ERR_EMPTY;
	}
	return pem_import(pem->buf, pem->len, NULL, 0, NULL, info, NULL);
}

int pem_generate(enum pem_type type, unsigned bits, struct sbuf *out,
		 struct pem_info *info)
{
	struct pem_info tmp;
	struct sbuf pem = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	const char *group = NULL;
	int r = PEM_ERR_BAD_ARG;

	memset(&tmp, 0, sizeof(tmp));
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (out == NULL)
		goto out;
	switch (type) {
	case PEM_TYPE_ED25519:
		if (bits != 0 && bits != 256)
			goto out;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case PEM_TYPE_ECDSA:
		if (bits == 0)
			bits = 256;
		for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (curves[i].bits == bits)
				group = curves[i].ossl;
		if (group == NULL)
			goto out;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
		break;
	case PEM_TYPE_RSA:
		if (bits == 0)
			bits = PEM_RSA_DEFAULT_BITS;
		if (bits < PEM_RSA_MIN_BITS) {
			r = PEM_ERR_RSA_WEAK;
			goto out;
		}
		if (bits > PEM_RSA_MAX_BITS)
			goto out;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
		break;
	default:
		goto out;
	}
	r = PEM_ERR_INTERNAL;
	if (pkey == NULL)
		goto out;
	if ((r = describe(pkey, &tmp)) != 0)
		goto out;
	if ((r = to_pkcs8_pem(pkey, &pem)) != 0)
		goto out;
	if ((r = verify_output(&pem, &tmp)) != 0)
		goto out;
	tmp.source = PEM_SRC_GENERATED;
	/* success */
	sbuf_move(out, &pem);
	if (info != NULL)
		*info = tmp;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&pem);
	ERR_clear_error();
	return r;
}

int pem_public_blob(const struct sbuf *pem, struct sbuf *out)
{
	struct pem_info info;
	struct sbuf blob = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	unsigned fx;
	int r = PEM_ERR_EMPTY;

	if (pem == NULL || out == NULL)
		goto out;
	if ((r = load_key(pem->buf, pem->len, NULL, 0, &pkey, &info, &fx)) != 0)
		goto out;
	if ((r = make_blob(pkey, &info, &blob)) != 0)
		goto out;
	/* success */
	sbuf_move(out, &blob);
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&blob);
	ERR_clear_error();
	return r;
}

int pem_public_line(const struct sbuf *pem, const char *comment,
		    struct sbuf *out)
{
	struct pem_info info;
	struct sbuf blob = SBUF_INIT, line = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	unsigned fx;
	int r = PEM_ERR_BAD_ARG;

	if (out == NULL)
		goto out;
	if (comment != NULL)
		for (const char *c = comment; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				goto out;
	r = PEM_ERR_EMPTY;
	if (pem == NULL)
		goto out;
	if ((r = load_key(pem->buf, pem->len, NULL, 0, &pkey, &info, &fx)) != 0)
		goto out;
	if ((r = make_blob(pkey, &info, &blob)) != 0)
		goto out;
	r = PEM_ERR_NOMEM;
	if (sbuf_addstr(&line, info.ssh_name) != 0 || sbuf_addch(&line, ' ') != 0)
		goto out;
	if ((r = b64_encode(&line, (const unsigned char *)blob.buf, blob.len, 0, 1)) != 0)
		goto out;
	r = PEM_ERR_NOMEM;
	if (comment != NULL && *comment != '\0' &&
	    (sbuf_addch(&line, ' ') != 0 || sbuf_addstr(&line, comment) != 0))
		goto out;
	/* success */
	sbuf_move(out, &line);
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&blob);
	sbuf_free(&line);
	ERR_clear_error();
	return r;
}

const char *pem_openssl_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
