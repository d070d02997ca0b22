/*
 * filestore-crypto.c - the encrypted store's header, key derivation and
 * cipher: the only OpenSSL user among keystore/filestore*.
 *
 * scrypt through EVP_KDF "SCRYPT", AES-256-GCM through EVP_CIPHER
 * "AES-256-GCM" (OpenSSL 3 fetches; both are freed with the key material
 * they hold cleansed by OpenSSL).  The whole header is the GCM additional
 * authenticated data, so salt, parameters, nonce and length are bound to
 * the ciphertext.
 */
#include "filestore-int.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

static unsigned get_u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_u16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* What scrypt needs: 128*r*(N+2) for V plus 128*r*p for B, and some slack. */
static unsigned long long kdf_mem(const struct fs_kdf *kdf)
{
	return 128ULL * kdf->r * ((1ULL << kdf->log2_n) + 2) +
	       128ULL * kdf->r * kdf->p;
}

int fsc_kdf_check(const struct fs_kdf *kdf)
{
	if (kdf->log2_n < 10 || kdf->log2_n > 24 || kdf->r < 1 || kdf->r > 32 ||
	    kdf->p < 1 || kdf->p > 16 || kdf_mem(kdf) > FS_KDF_MAX_MEM)
		return FS_ERR_KDF_PARAMS;
	return FS_OK;
}

int fsc_parse_header(const unsigned char *buf, size_t len,
		     struct fsc_header *h)
{
	uint32_t ct;
	int r;

	memset(h, 0, sizeof(*h));
	/* a cut-off magic (or nothing at all) is a truncated store */
	if (len == 0)
		return FS_ERR_TRUNCATED;
	if (len < FSC_MAGIC_LEN)
		return memcmp(buf, FSC_MAGIC, len) == 0 ? FS_ERR_TRUNCATED :
							  FS_ERR_FORMAT;
	if (memcmp(buf, FSC_MAGIC, FSC_MAGIC_LEN) != 0)
		return FS_ERR_FORMAT;
	if (len < FSC_OFF_VERSION + 2)
		return FS_ERR_TRUNCATED;
	/* the version before anything else: a newer layout is not ours to read */
	h->version = get_u16(buf + FSC_OFF_VERSION);
	if (h->version > FSC_VERSION)
		return FS_ERR_NEWER;
	if (h->version == 0)
		return FS_ERR_FORMAT;
	if (len < FSC_HEADER_LEN)
		return FS_ERR_TRUNCATED;
	if (buf[FSC_OFF_KDF] != FSC_KDF_SCRYPT ||
	    buf[FSC_OFF_CIPHER] != FSC_CIPHER_AES256GCM)
		return FS_ERR_FORMAT;
	h->kdf.log2_n = buf[FSC_OFF_LOG2N];
	if (get_u32(buf + FSC_OFF_R) > 32 || get_u32(buf + FSC_OFF_P) > 16)
		return FS_ERR_KDF_PARAMS;
	h->kdf.r = get_u32(buf + FSC_OFF_R);
	h->kdf.p = get_u32(buf + FSC_OFF_P);
	if ((r = fsc_kdf_check(&h->kdf)) != FS_OK)
		return r;
	memcpy(h->salt, buf + FSC_OFF_SALT, FSC_SALT_LEN);
	memcpy(h->nonce, buf + FSC_OFF_NONCE, FSC_NONCE_LEN);
	ct = get_u32(buf + FSC_OFF_CTLEN);
	if (ct > FS_MAX_PLAINTEXT)
		return FS_ERR_FORMAT;
	h->ct_len = ct;
	if (len < FSC_HEADER_LEN + h->ct_len + FSC_TAG_LEN)
		return FS_ERR_TRUNCATED;
	if (len > FSC_HEADER_LEN + h->ct_len + FSC_TAG_LEN)
		return FS_ERR_FORMAT;	/* bytes after the tag */
	return FS_OK;
}

int fsc_derive(const struct sbuf *passphrase, const struct fs_kdf *kdf,
	       const unsigned char salt[FSC_SALT_LEN],
	       unsigned char key[FSC_KEY_LEN])
{
	EVP_KDF *alg = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[7];
	uint64_t n, maxmem;
	uint32_t r32, p32;
	int r;

	if (passphrase->len == 0)
		return FS_ERR_EMPTY_PASSPHRASE;
	if ((r = fsc_kdf_check(kdf)) != FS_OK)
		return r;
	n = 1ULL << kdf->log2_n;
	r32 = kdf->r;
	p32 = kdf->p;
	/* OpenSSL's default limit is 32 MiB; ours is checked above */
	maxmem = kdf_mem(kdf) + (1ULL << 16);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						      passphrase->buf,
						      passphrase->len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)salt, FSC_SALT_LEN);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
						&maxmem);
	params[6] = OSSL_PARAM_construct_end();
	r = FS_ERR_INTERNAL;
	if ((alg = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_SCRYPT, NULL)) == NULL)
		goto out;
	if ((ctx = EVP_KDF_CTX_new(alg)) == NULL)
		goto out;
	/* EVP_KDF_derive fails only for parameters or memory: ours are checked */
	if (EVP_KDF_derive(ctx, key, FSC_KEY_LEN, params) != 1) {
		wipe(key, FSC_KEY_LEN);
		r = FS_ERR_NOMEM;
		goto out;
	}
	r = FS_OK;
out:
	EVP_KDF_CTX_free(ctx);	/* clears its copy of the passphrase */
	EVP_KDF_free(alg);
	return r;
}

int fsc_random(void *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		return FS_ERR_INTERNAL;
	return FS_OK;
}

/* Append n zero bytes (room that is then filled in place). */
static int add_zeros(struct sbuf *sb, size_t n)
{
	static const char zeros[256];

	while (n > 0) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		if (sbuf_add(sb, zeros, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* One GCM pass; enc 1 seals, 0 opens (tag in, FS_ERR_AUTH on mismatch). */
static int gcm(int enc, const unsigned char key[FSC_KEY_LEN],
	       const unsigned char *hdr, const unsigned char *in, size_t len,
	       unsigned char *out, unsigned char tag[FSC_TAG_LEN])
{
	EVP_CIPHER *alg = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	int n, r = FS_ERR_INTERNAL;

	if (len > INT_MAX)
		return FS_ERR_TOO_LARGE;
	if ((alg = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	/* 12-byte nonce: GCM's default IV length */
	if (EVP_CipherInit_ex2(ctx, alg, key, hdr + FSC_OFF_NONCE, enc, NULL) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, NULL, &n, hdr, FSC_HEADER_LEN) != 1)
		goto out;
	if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (!enc) {
		params[0] = OSSL_PARAM_construct_octet_string(
			OSSL_CIPHER_PARAM_AEAD_TAG, tag, FSC_TAG_LEN);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_CIPHER_CTX_set_params(ctx, params) != 1)
			goto out;
	}
	if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
		r = enc ? FS_ERR_INTERNAL : FS_ERR_AUTH;
		goto out;
	}
	if (enc) {
		params[0] = OSSL_PARAM_construct_octet_string(
			OSSL_CIPHER_PARAM_AEAD_TAG, tag, FSC_TAG_LEN);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_CIPHER_CTX_get_params(ctx, params) != 1)
			goto out;
	}
	r = FS_OK;
out:
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	EVP_CIPHER_free(alg);
	return r;
}

int fsc_seal(const unsigned char key[FSC_KEY_LEN], const struct fs_kdf *kdf,
	     const unsigned char salt[FSC_SALT_LEN], const struct sbuf *plain,
	     struct sbuf *out)
{
	unsigned char hdr[FSC_HEADER_LEN], tag[FSC_TAG_LEN];
	size_t total;
	int r;

	sbuf_reset(out);
	if (plain->len > FS_MAX_PLAINTEXT)
		return FS_ERR_TOO_LARGE;
	if ((r = fsc_kdf_check(kdf)) != FS_OK)
		return r;
	memcpy(hdr, FSC_MAGIC, FSC_MAGIC_LEN);
	put_u16(hdr + FSC_OFF_VERSION, FSC_VERSION);
	hdr[FSC_OFF_KDF] = FSC_KDF_SCRYPT;
	hdr[FSC_OFF_LOG2N] = (unsigned char)kdf->log2_n;
	put_u32(hdr + FSC_OFF_R, kdf->r);
	put_u32(hdr + FSC_OFF_P, kdf->p);
	memcpy(hdr + FSC_OFF_SALT, salt, FSC_SALT_LEN);
	hdr[FSC_OFF_CIPHER] = FSC_CIPHER_AES256GCM;
	/* a fresh nonce for every write: the key stays, the nonce never repeats */
	if ((r = fsc_random(hdr + FSC_OFF_NONCE, FSC_NONCE_LEN)) != FS_OK)
		return r;
	put_u32(hdr + FSC_OFF_CTLEN, (uint32_t)plain->len);
	total = FSC_HEADER_LEN + plain->len + FSC_TAG_LEN;
	/* out holds ciphertext only; grow it in one go, then fill it in place */
	out->max = total;
	if (sbuf_add(out, hdr, FSC_HEADER_LEN) != 0)
		return FS_ERR_NOMEM;
	if (add_zeros(out, plain->len + FSC_TAG_LEN) != 0) {
		sbuf_free(out);
		return FS_ERR_NOMEM;
	}
	r = gcm(1, key, hdr, (const unsigned char *)plain->buf, plain->len,
		(unsigned char *)out->buf + FSC_HEADER_LEN, tag);
	if (r != FS_OK) {
		sbuf_free(out);
		return r;
	}
	memcpy(out->buf + FSC_HEADER_LEN + plain->len, tag, FSC_TAG_LEN);
	return FS_OK;
}

int fsc_open(const unsigned char key[FSC_KEY_LEN], const unsigned char *buf,
	     size_t len, struct sbuf *plain)
{
	struct fsc_header h;
	unsigned char tag[FSC_TAG_LEN];
	int r;

	sbuf_reset(plain);
	if ((r = fsc_parse_header(buf, len, &h)) != FS_OK)
		return r;
	plain->max = FS_MAX_PLAINTEXT + 1;
	/* room for ct_len bytes (+1 for GCM's empty final block) */
	if (add_zeros(plain, h.ct_len + 1) != 0) {
		sbuf_free(plain);
		return FS_ERR_NOMEM;
	}
	memcpy(tag, buf + FSC_HEADER_LEN + h.ct_len, FSC_TAG_LEN);
	r = gcm(0, key, buf, buf + FSC_HEADER_LEN, h.ct_len,
		(unsigned char *)plain->buf, tag);
	if (r != FS_OK) {
		sbuf_free(plain);	/* wipes what was decrypted before the tag failed */
		return r;
	}
	plain->len = h.ct_len;
	plain->buf[plain->len] = '\0';
	return FS_OK;
}
