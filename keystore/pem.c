/*
 * pem.c - private key material, the OpenSSL core: load what keytext.c
 * found in a person's text (PKCS#8, encrypted PKCS#8, traditional RSA/EC
 * with or without a passphrase, and OpenSSH's format through
 * openssh-key.c), check it, describe it (type, size, fingerprint),
 * convert it to unencrypted PKCS#8, and generate new keys.
 *
 * One of the three files that include OpenSSL (with openssh-key.c and
 * sshwire.c).  Nothing here prints.
 */
#include "pem-int.h"
#include "keytext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

/* ------------------------------------------------------------- key info */

const struct pem_curve pem_curves[PEM_NCURVES] = {
	{ "P-256", "prime256v1", "nistp256", "ecdsa-sha2-nistp256", 256 },
	{ "P-384", "secp384r1", "nistp384", "ecdsa-sha2-nistp384", 384 },
	{ "P-521", "secp521r1", "nistp521", "ecdsa-sha2-nistp521", 521 },
};

static const struct pem_curve *curve_of(const EVP_PKEY *pkey)
{
	char name[64];
	size_t n = 0;

	if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1)
		return NULL;
	for (size_t i = 0; i < PEM_NCURVES; i++)
		if (strcasecmp(name, pem_curves[i].ossl) == 0 ||
		    strcasecmp(name, pem_curves[i].alias) == 0)
			return &pem_curves[i];
	return NULL;
}

const struct pem_curve *pem_curve_by_ssh(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < PEM_NCURVES; i++)
		if (sshwire_str_eq(s, n, pem_curves[i].ssh))
			return &pem_curves[i];
	return NULL;
}

/* Is this a key we take?  Fills the type fields of *info. */
static int check_type(EVP_PKEY *pkey, struct pem_info *info)
{
	const struct pem_curve *c;
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

/* A non-negative BIGNUM as an mpint. */
static int put_bn(struct sbuf *b, const BIGNUM *bn)
{
	unsigned char buf[PEM_RSA_MAX_BITS / 8 + 1];
	int n = BN_num_bytes(bn);
	int r;

	if (BN_is_negative(bn) || n < 0 || (size_t)n > sizeof(buf))
		return PEM_ERR_UNSUPPORTED;
	if (BN_bn2bin(bn, buf) != n)
		return PEM_ERR_INTERNAL;
	r = pem_wire_err(sshwire_put_mpint(b, buf, (size_t)n));
	wipe(buf, sizeof(buf));
	return r;
}

/* The public key blob, as in RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4. */
static int make_blob(EVP_PKEY *pkey, const struct pem_info *info,
		     struct sbuf *blob)
{
	BIGNUM *a = NULL, *b = NULL;
	unsigned char pt[1 + 2 * 66];
	size_t n;
	const struct pem_curve *c;
	int r = PEM_ERR_INTERNAL;

	if ((r = pem_wire_err(sshwire_put_string(blob, info->ssh_name,
						    strlen(info->ssh_name)))) != 0)
		goto out;
	r = PEM_ERR_INTERNAL;
	switch (info->type) {
	case PEM_TYPE_ED25519:
		n = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, pt, &n) != 1 || n != 32)
			goto out;
		if ((r = pem_wire_err(sshwire_put_string(blob, pt, n))) != 0)
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
		if ((r = pem_wire_err(sshwire_put_string(blob, c->ssh, strlen(c->ssh)))) != 0 ||
		    (r = pem_wire_err(sshwire_put_string(blob, pt, 1 + 2 * n))) != 0)
			goto out;
		break;
	case PEM_TYPE_RSA:
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &a) != 1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &b) != 1)
			goto out;
		if ((r = put_bn(blob, a)) != 0 || (r = put_bn(blob, b)) != 0)
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

/* Type, bits and fingerprint of a loaded key. */
static int describe(EVP_PKEY *pkey, struct pem_info *info)
{
	struct sbuf blob = SBUF_INIT;
	int r;

	if ((r = check_type(pkey, info)) != 0)
		goto out;
	if ((r = make_blob(pkey, info, &blob)) != 0)
		goto out;
	r = pem_wire_err(sshwire_fingerprint((const unsigned char *)blob.buf,
					     blob.len, info->fingerprint));
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
	if ((r = pem_wire_err(sshwire_b64_encode(&pem, der, (size_t)n, 64, 1))) != 0)
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
static int load_traditional(const struct keytext *kt, struct sbuf *der,
			    const char *pass, EVP_PKEY **out)
{
	EVP_CIPHER_INFO cinfo;
	const unsigned char *q;
	long dlen = (long)der->len;
	int type = kt->kind == KEYTEXT_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC;
	int wrong = PEM_ERR_CORRUPT;	/* what a failure to parse means */
	int r = PEM_ERR_CORRUPT;

	if (kt->encrypted) {
		int bs;

		if (pass == NULL) {
			r = PEM_ERR_NEED_PASSPHRASE;
			goto out;
		}
		ERR_clear_error();
		if (PEM_get_EVP_CIPHER_INFO(kt->headers.buf, &cinfo) != 1 ||
		    cinfo.cipher == NULL) {
			unsigned long e = ERR_peek_last_error();

			r = ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_UNSUPPORTED_ENCRYPTION ?
			    PEM_ERR_UNSUPPORTED : PEM_ERR_CORRUPT;
			goto out;
		}
		bs = EVP_CIPHER_get_block_size(cinfo.cipher);
		if (bs > 1 && der->len % (size_t)bs != 0)
			goto out;
		r = PEM_ERR_BAD_PASSPHRASE;
		if (PEM_do_header(&cinfo, (unsigned char *)der->buf, &dlen,
				  pass_cb, (void *)pass) != 1)
			goto out;
		wrong = PEM_ERR_BAD_PASSPHRASE;
	}
	q = (const unsigned char *)der->buf;
	r = wrong;
	if (dlen < 0 || !der_sequence_ok(q, (size_t)dlen))
		goto out;
	if ((*out = d2i_PrivateKey(type, NULL, &q, dlen)) == NULL)
		goto out;
	r = 0;
 out:
	return r;
}

/* OpenSSH's format: the key, and the public key it carries must be this key's. */
static int load_openssh(const struct sbuf *der, EVP_PKEY **out,
			struct pem_info *info)
{
	const unsigned char *pub;
	size_t pubn;
	char comment[sizeof(info->comment)];
	struct sbuf blob = SBUF_INIT;
	EVP_PKEY *pkey = NULL;
	int e;

	if ((e = openssh_key_load(der, &pkey, &pub, &pubn, comment,
				  sizeof(comment))) != 0)
		goto out;
	if ((e = check_type(pkey, info)) != 0)
		goto out;
	if ((e = make_blob(pkey, info, &blob)) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (blob.len != pubn || memcmp(blob.buf, pub, pubn) != 0)
		goto out;
	/* success */
	memcpy(info->comment, comment, sizeof(info->comment));
	*out = pkey;
	pkey = NULL;
	e = 0;
 out:
	EVP_PKEY_free(pkey);
	sbuf_free(&blob);
	return e;
}

/* The key in the block keytext.c found, by its label. */
static int load_block(const struct keytext *kt, const char *pass,
		      unsigned opts, EVP_PKEY **out, struct pem_info *info)
{
	struct sbuf der = SBUF_INIT;
	int r;

	if ((r = pem_wire_err(sshwire_b64_decode(kt->body.buf, kt->body.len, 0,
						 &der))) != 0)
		goto out;
	switch (kt->kind) {
	case KEYTEXT_PKCS8:
		info->source = PEM_SRC_PKCS8;
		r = load_pkcs8(&der, out);
		break;
	case KEYTEXT_PKCS8_ENCRYPTED:
		info->source = PEM_SRC_PKCS8_ENCRYPTED;
		r = load_pkcs8_encrypted(&der, pass, out);
		break;
	case KEYTEXT_RSA:
	case KEYTEXT_EC:
		info->source = kt->encrypted ? PEM_SRC_LEGACY_ENCRYPTED :
			       kt->kind == KEYTEXT_RSA ? PEM_SRC_RSA : PEM_SRC_EC;
		r = load_traditional(kt, &der, pass, out);
		break;
	case KEYTEXT_OPENSSH:
		info->source = PEM_SRC_OPENSSH;
		r = load_openssh(&der, out, info);
		if (r == 0 && !(opts & PEM_CONVERT))
			r = PEM_ERR_OPENSSH;
		break;
	default:
		r = PEM_ERR_INTERNAL;
		break;
	}
 out:
	sbuf_free(&der);
	return r;
}

/*
 * The core of pem_import(), pem_check(), pem_public_line(): classify and
 * load.  info must not be NULL.
 */
static int load_key(const char *in, size_t len, const char *pass,
		    unsigned opts, EVP_PKEY **out, struct pem_info *info,
		    unsigned *fixes_out)
{
	struct keytext kt = KEYTEXT_INIT;
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	*fixes_out = 0;
	if ((r = keytext_read(in, len, &kt)) != 0)
		goto out;
	if ((r = load_block(&kt, pass, opts, &pkey, info)) != 0)
		goto out;
	if ((r = describe(pkey, info)) != 0)
		goto out;
	r = PEM_ERR_CORRUPT;
	if (!pairwise_ok(pkey))
		goto out;
	/* success */
	*out = pkey;
	pkey = NULL;
	*fixes_out = kt.fixes;
	r = 0;
 out:
	if (r != 0)
		memset(info, 0, sizeof(*info));
	EVP_PKEY_free(pkey);
	keytext_free(&kt);
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
		for (size_t i = 0; i < PEM_NCURVES; i++)
			if (pem_curves[i].bits == bits)
				group = pem_curves[i].ossl;
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
	if ((r = pem_wire_err(sshwire_b64_encode(&line, blob.buf, blob.len, 0, 1))) != 0)
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
