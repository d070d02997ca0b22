/*
 * test-ss-session.c - the encrypted session (keystore/ss-session.c): the
 * key agreed with a server half made here with libgcrypt is the one the
 * server derives; secrets encrypted here, as a Secret Service does, come
 * back byte for byte, and so do ours, encrypted for CreateItem; every malformed secret is refused with nothing left
 * in the output.  The exchange is also tested against real services
 * (t1000, t8020, the KeePassXC rerun).
 */
#include <gcrypt.h>

#include "unit.h"
#include "keystore.h"
#include "ss-session.h"

#include <stdlib.h>
#include <string.h>

#define PATH "/org/freedesktop/secrets/session/s7"

static const unsigned char key[16] = "0123456789abcdef";
static const unsigned char iv[16] = "fedcba9876543210";

/* a secret as GetSecrets sends it: the (oayays) struct's parts */
struct secret {
	const char *spath;
	size_t n_iv, n_ct;
	unsigned char *ct;
};

/* PLAIN encrypted with PKCS#7 padding, as a secret for session SPATH;
 * BAD 1 makes the last padding byte 17, BAD 2 the first padding byte
 * disagree with the others */
static struct secret secret_of(const char *spath, const void *plain, size_t n,
			       int bad, size_t iv_len)
{
	size_t pad = 16 - n % 16, total = n + pad;
	unsigned char *buf = malloc(total);
	gcry_cipher_hd_t c;
	struct secret v = { spath, iv_len, total, buf };

	memcpy(buf, plain, n);
	memset(buf + n, (int)pad, pad);
	if (bad == 1)
		buf[total - 1] = 17;
	else if (bad == 2)
		buf[n] = (unsigned char)(pad + 1);
	gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_CBC, 0);
	gcry_cipher_setkey(c, key, 16);
	gcry_cipher_setiv(c, iv, 16);
	gcry_cipher_encrypt(c, buf, total, NULL, 0);
	gcry_cipher_close(c);
	return v;
}

/* decrypt V with a fresh output of maximum MAX; the result code */
static int decrypt(struct secret v, size_t max, struct sbuf *out)
{
	struct ss_session *s = ss_session_with_key(PATH, key);
	int r;

	sbuf_free(out);
	out->max = max;
	r = ss_session_decrypt(s, v.spath, iv, v.n_iv, v.ct, v.n_ct, out);
	ss_session_free(s);
	free(v.ct);
	return r;
}

/* V is refused as malformed, and nothing is left in the output */
static void refused(struct secret v, struct sbuf *out, const char *name)
{
	int r = decrypt(v, 0, out);

	report(r == KS_ERR_INTERNAL && out->len == 0, name);
}

/*
 * The key exchange: a server half made here (a private value, 2^x mod p)
 * against ss_half_new's public value gives the key the server derives
 * (HKDF-SHA256 of the left-padded shared secret): a secret encrypted under
 * it comes back.  Out-of-range server values (0, 1, p - 1) are refused.
 */
static const char prime_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
	"FFFFFFFFFFFFFFFF";

static void exchange(void)
{
	struct ss_half *h = ss_half_new();
	gcry_mpi_t p = NULL, x = NULL, g = gcry_mpi_set_ui(NULL, 2), y, z, pc, ours = NULL;
	unsigned char srv_pub[128], shared[128], prk[32], okm[32], one = 1;
	unsigned char zeros[32] = { 0 }, ct[16], spriv[64];
	const unsigned char *pub;
	size_t n_pub, n_srv, n_z;
	struct ss_session *s;
	struct sbuf out = SBUF_INIT;
	gcry_cipher_hd_t c;
	gcry_md_hd_t md;
	int ok;

	report(h != NULL, "our half of the key exchange is made");
	if (h == NULL)
		return;
	pub = ss_half_public(h, &n_pub);
	gcry_mpi_scan(&p, GCRYMPI_FMT_HEX, prime_hex, 0, NULL);
	gcry_randomize(spriv, sizeof(spriv), GCRY_STRONG_RANDOM);
	gcry_mpi_scan(&x, GCRYMPI_FMT_USG, spriv, sizeof(spriv), NULL);
	y = gcry_mpi_new(1024);
	gcry_mpi_powm(y, g, x, p);
	gcry_mpi_print(GCRYMPI_FMT_USG, srv_pub, sizeof(srv_pub), &n_srv, y);
	/* the server's side: (our public)^x mod p, left-padded, HKDF */
	gcry_mpi_scan(&ours, GCRYMPI_FMT_USG, pub, n_pub, NULL);
	z = gcry_mpi_new(1024);
	gcry_mpi_powm(z, ours, x, p);
	memset(shared, 0, sizeof(shared));
	gcry_mpi_print(GCRYMPI_FMT_USG, shared, sizeof(shared), &n_z, z);
	memmove(shared + 128 - n_z, shared, n_z);
	memset(shared, 0, 128 - n_z);
	gcry_md_open(&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC);
	gcry_md_setkey(md, zeros, 32);
	gcry_md_write(md, shared, 128);
	memcpy(prk, gcry_md_read(md, 0), 32);
	gcry_md_reset(md);
	gcry_md_setkey(md, prk, 32);
	gcry_md_write(md, &one, 1);
	memcpy(okm, gcry_md_read(md, 0), 32);
	gcry_md_close(md);
	/* "token\n" plus padding, under the server's key */
	memcpy(ct, "token\n\n\n\n\n\n\n\n\n\n\n", 16);
	memset(ct + 6, 10, 10);
	gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_CBC, 0);
	gcry_cipher_setkey(c, okm, 16);
	gcry_cipher_setiv(c, iv, 16);
	gcry_cipher_encrypt(c, ct, 16, NULL, 0);
	gcry_cipher_close(c);
	s = ss_session_new(h, PATH, srv_pub, n_srv);
	ok = s != NULL && strcmp(ss_session_path(s), PATH) == 0 &&
	     ss_session_decrypt(s, PATH, iv, 16, ct, 16, &out) == KS_OK &&
	     out.len == 6 && memcmp(out.buf, "token\n", 6) == 0;
	report(ok, "the key agreed with a server half is the server's: its secret comes back");
	ss_session_free(s);
	{
		unsigned char v0[1] = { 0 }, v1[1] = { 1 }, pm1[128];
		size_t n;

		pc = gcry_mpi_new(1024);
		gcry_mpi_sub_ui(pc, p, 1);
		gcry_mpi_print(GCRYMPI_FMT_USG, pm1, sizeof(pm1), &n, pc);
		report(ss_session_new(h, PATH, v0, 1) == NULL &&
		       ss_session_new(h, PATH, v1, 1) == NULL &&
		       ss_session_new(h, PATH, pm1, n) == NULL &&
		       ss_session_new(h, PATH, pm1, 0) == NULL,
		       "server values 0, 1, p - 1 and an empty one are refused");
		gcry_mpi_release(pc);
	}
	sbuf_free(&out);
	gcry_mpi_release(p);
	gcry_mpi_release(x);
	gcry_mpi_release(g);
	gcry_mpi_release(y);
	gcry_mpi_release(z);
	gcry_mpi_release(ours);
	ss_half_free(h);
}

int main(void)
{
	struct sbuf out = SBUF_INIT;
	static char big[1 << 20];
	int ok = 1;

	for (size_t n = 0; n <= 33; n++) {
		char plain[40];

		for (size_t i = 0; i < n; i++)
			plain[i] = (char)('a' + i % 26);
		if (decrypt(secret_of(PATH, plain, n, 0, 16), 0, &out) != KS_OK ||
		    out.len != n || (n && memcmp(out.buf, plain, n) != 0))
			ok = 0;
	}
	report(ok, "secrets of 0 to 33 bytes come back byte for byte");

	memset(big, 'x', sizeof(big));
	report(decrypt(secret_of(PATH, big, sizeof(big), 0, 16), 0, &out) == KS_OK &&
	       out.len == sizeof(big) && memcmp(out.buf, big, sizeof(big)) == 0,
	       "a 1 MiB secret (more than libgcrypt's secure memory) comes back");

	report(decrypt(secret_of(PATH, "exactly sixteen!", 16, 0, 16), 16, &out) == KS_OK &&
	       out.len == 16,
	       "a secret as long as the output's maximum fits (its padding does not count)");
	report(decrypt(secret_of(PATH, "seventeen bytes!!", 17, 0, 16), 16, &out) == KS_ERR_TOO_LONG &&
	       out.len == 0,
	       "a secret over the output's maximum: too long, nothing kept");

	refused(secret_of("/org/freedesktop/secrets/session/s8", "x", 1, 0, 16), &out,
		"a secret for another session is refused, nothing kept");
	refused(secret_of(PATH, "x", 1, 0, 15), &out,
		"an IV of 15 bytes is refused, nothing kept");
	refused(secret_of(PATH, "password=x", 10, 1, 16), &out,
		"a padding byte over 16 is refused, nothing kept");
	refused(secret_of(PATH, "password=x", 10, 2, 16), &out,
		"padding bytes that disagree with their count are refused, nothing kept");
	{
		struct secret odd = { PATH, 16, 17, malloc(17) };

		memset(odd.ct, 'x', 17);
		refused(odd, &out, "cipher text that is not whole blocks is refused, nothing kept");
	}
	{
		struct secret none = { NULL, 16, 16, malloc(16) };

		memset(none.ct, 'x', 16);
		refused(none, &out, "a secret naming no session is refused, nothing kept");
	}
	exchange();
	{
		struct ss_session *s = ss_session_with_key(PATH, key);
		struct sbuf ct = SBUF_INIT, back = SBUF_INIT;
		unsigned char iv1[16], iv2[16];
		int good = 1;

		for (size_t n = 0; n <= 33 && good; n++) {
			char plain[40];

			for (size_t i = 0; i < n; i++)
				plain[i] = (char)('A' + i % 26);
			good = ss_session_encrypt(s, plain, n, iv1, &ct) == KS_OK &&
			       ct.len == n + 16 - n % 16 &&
			       ss_session_decrypt(s, PATH, iv1, 16, (unsigned char *)ct.buf,
						  ct.len, &back) == KS_OK &&
			       back.len == n && (n == 0 || memcmp(back.buf, plain, n) == 0);
		}
		report(good, "secrets of 0 to 33 bytes encrypted for CreateItem decrypt back, padded to whole blocks");
		ss_session_encrypt(s, "same", 4, iv1, &ct);
		ss_session_encrypt(s, "same", 4, iv2, &back);
		report(memcmp(iv1, iv2, 16) != 0, "each secret gets a fresh IV");
		ct.max = 16;
		report(ss_session_encrypt(s, "sixteen bytes!!!", 16, iv1, &ct) == KS_ERR_TOO_LONG &&
		       ct.len == 0, "cipher text over the output's maximum: too long, nothing kept");
		sbuf_free(&ct);
		sbuf_free(&back);
		ss_session_free(s);
	}
	sbuf_free(&out);
	return unit_done();
}
