/*
 * openssh-key.c - OpenSSH's own private key format, openssh-key-v1
 * (PROTOCOL.key in OpenSSH), unencrypted, read into an OpenSSL key: the
 * container through sshwire.c's reader, each key type's fields through
 * OpenSSL's parameter builder.  See pem-int.h.  Nothing here prints.
 */
#include "pem-int.h"

#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

/* A non-negative mpint as a BIGNUM (secure: private parts go through here). */
static int bn_of(struct sshwire_rd *r, BIGNUM **bn)
{
	const unsigned char *s;
	size_t n;
	int e;

	if ((e = sshwire_get_mpint(r, PEM_RSA_MAX_BITS / 8 + 1, &s, &n)) != 0)
		return pem_wire_err(e);
	if ((*bn = BN_secure_new()) == NULL)
		return PEM_ERR_NOMEM;
	if (BN_bin2bn(s, (int)n, *bn) == NULL) {
		BN_clear_free(*bn);
		*bn = NULL;
		return PEM_ERR_NOMEM;
	}
	return 0;
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

static int openssh_ed25519(struct sshwire_rd *r, EVP_PKEY **out)
{
	const unsigned char *pk, *sk;
	size_t pkn, skn, n = 32;
	unsigned char derived[32];
	int e;

	if ((e = sshwire_get_string(r, &pk, &pkn)) != 0 ||
	    (e = sshwire_get_string(r, &sk, &skn)) != 0)
		return pem_wire_err(e);
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

static int openssh_ecdsa(struct sshwire_rd *r, const unsigned char *type, size_t typen,
			 EVP_PKEY **out)
{
	const unsigned char *cn, *pt;
	size_t cnn, ptn;
	const struct pem_curve *c;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int e;

	if ((e = pem_wire_err(sshwire_get_string(r, &cn, &cnn))) != 0)
		goto out;
	e = PEM_ERR_UNSUPPORTED;
	if ((c = pem_curve_by_ssh(cn, cnn)) == NULL || !sshwire_str_eq(type, typen, c->ssh_name))
		goto out;
	if ((e = pem_wire_err(sshwire_get_string(r, &pt, &ptn))) != 0 ||
	    (e = bn_of(r, &d)) != 0)
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

static int openssh_rsa(struct sshwire_rd *r, EVP_PKEY **out)
{
	BIGNUM *n = NULL, *e = NULL, *d = NULL, *iqmp = NULL, *p = NULL, *q = NULL;
	BIGNUM *dmp1 = NULL, *dmq1 = NULL, *t = NULL;
	BN_CTX *ctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int rv;

	if ((rv = bn_of(r, &n)) != 0 || (rv = bn_of(r, &e)) != 0 ||
	    (rv = bn_of(r, &d)) != 0 || (rv = bn_of(r, &iqmp)) != 0 ||
	    (rv = bn_of(r, &p)) != 0 || (rv = bn_of(r, &q)) != 0)
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

/* The outer part: one key, unencrypted; its public blob and its private section. */
struct container {
	const unsigned char *pub, *priv, *ptype;
	size_t pubn, privn, ptypen;
};

/*
 * magic, cipher, kdf, kdf options, number of keys, public keys, then the
 * private section (read by openssh_key_load).
 */
static int read_container(const struct sbuf *der, struct container *c)
{
	struct sshwire_rd r = SSHWIRE_RD(der->buf, der->len), pubr;
	const unsigned char *cipher, *kdf, *kdfopt;
	size_t ciphern, kdfn, kdfoptn;
	uint32_t nkeys;
	int e;

	if (der->len < sizeof(OPENSSH_MAGIC) ||
	    memcmp(der->buf, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
		return PEM_ERR_CORRUPT;
	r.off = sizeof(OPENSSH_MAGIC);
	if ((e = sshwire_get_string(&r, &cipher, &ciphern)) != 0 ||
	    (e = sshwire_get_string(&r, &kdf, &kdfn)) != 0 ||
	    (e = sshwire_get_string(&r, &kdfopt, &kdfoptn)) != 0 ||
	    (e = sshwire_get_u32(&r, &nkeys)) != 0)
		return pem_wire_err(e);
	if (nkeys != 1)
		return nkeys == 0 ? PEM_ERR_CORRUPT : PEM_ERR_MULTIPLE;
	if ((e = sshwire_get_string(&r, &c->pub, &c->pubn)) != 0 ||
	    (e = sshwire_get_string(&r, &c->priv, &c->privn)) != 0)
		return pem_wire_err(e);
	if (r.off != r.len)
		return PEM_ERR_CORRUPT;
	pubr = SSHWIRE_RD(c->pub, c->pubn);
	if ((e = sshwire_get_string(&pubr, &c->ptype, &c->ptypen)) != 0)
		return pem_wire_err(e);
	if (sshwire_str_eq(c->ptype, c->ptypen, "ssh-dss"))
		return PEM_ERR_DSA;
	if (!sshwire_str_eq(c->ptype, c->ptypen, "ssh-ed25519") &&
	    !sshwire_str_eq(c->ptype, c->ptypen, "ssh-rsa") &&
	    !(c->ptypen > 11 && memcmp(c->ptype, "ecdsa-sha2-", 11) == 0))
		return PEM_ERR_UNSUPPORTED;
	if (!sshwire_str_eq(cipher, ciphern, "none"))
		return sshwire_str_eq(c->ptype, c->ptypen, "ssh-ed25519") ?
		       PEM_ERR_OPENSSH_ENCRYPTED_ED25519 : PEM_ERR_OPENSSH_ENCRYPTED;
	if (!sshwire_str_eq(kdf, kdfn, "none"))
		return PEM_ERR_CORRUPT;
	return 0;
}

/*
 * The private section: two equal check words, the key's type and fields,
 * a comment, then padding 1, 2, 3, ...
 */
int openssh_key_load(const struct sbuf *der, EVP_PKEY **out,
		     const unsigned char **pub, size_t *pubn,
		     char *comment, size_t commentlen)
{
	struct container c;
	struct sshwire_rd pr;
	const unsigned char *type, *cm;
	size_t typen, cmn, k = 0;
	uint32_t c1, c2;
	EVP_PKEY *pkey = NULL;
	int e;

	if ((e = read_container(der, &c)) != 0)
		goto out;
	pr = SSHWIRE_RD(c.priv, c.privn);
	if ((e = pem_wire_err(sshwire_get_u32(&pr, &c1))) != 0 ||
	    (e = pem_wire_err(sshwire_get_u32(&pr, &c2))) != 0 ||
	    (e = c1 != c2 ? PEM_ERR_CORRUPT : 0) != 0 ||
	    (e = pem_wire_err(sshwire_get_string(&pr, &type, &typen))) != 0)
		goto out;
	e = PEM_ERR_CORRUPT;
	if (typen != c.ptypen || memcmp(type, c.ptype, typen) != 0)
		goto out;
	if (sshwire_str_eq(type, typen, "ssh-ed25519"))
		e = openssh_ed25519(&pr, &pkey);
	else if (sshwire_str_eq(type, typen, "ssh-rsa"))
		e = openssh_rsa(&pr, &pkey);
	else
		e = openssh_ecdsa(&pr, type, typen, &pkey);
	if (e != 0 || (e = pem_wire_err(sshwire_get_string(&pr, &cm, &cmn))) != 0)
		goto out;
	/* padding: 1, 2, 3, ... up to the cipher block size (8 for "none") */
	e = PEM_ERR_CORRUPT;
	if (pr.len - pr.off >= 8)
		goto out;
	for (size_t i = 0; pr.off + i < pr.len; i++)
		if (pr.p[pr.off + i] != (unsigned char)(i + 1))
			goto out;
	/* success */
	for (size_t j = 0; j < cmn && k + 1 < commentlen; j++)
		if (cm[j] >= 0x20 && cm[j] < 0x7f)
			comment[k++] = (char)cm[j];
	if (commentlen > 0)
		comment[k] = '\0';
	*out = pkey;
	pkey = NULL;
	*pub = c.pub;
	*pubn = c.pubn;
	e = 0;
 out:
	EVP_PKEY_free(pkey);
	return e;
}
