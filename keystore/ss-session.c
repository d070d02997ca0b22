/*
 * ss-session.c - the Secret Service's encrypted transfer session for
 * reading and storing secrets: "dh-ietf1024-sha256-aes128-cbc-pkcs7" as the Secret
 * Service API specifies it (Diffie-Hellman in the 1024-bit MODP group of
 * RFC 2409 with generator 2; HKDF-SHA256 with no salt and empty info over
 * the shared secret, left-padded to the prime's 128 bytes, for a 128-bit
 * AES key; AES-128-CBC with PKCS#7 padding, a fresh IV per secret).
 *
 * Why not libsecret's own session:
 * libsecret opens it through its service proxy, which first costs
 * AddMatch x3, GetNameOwner x2, StartServiceByName and GetAll on the bus
 * and the proxy's GObject set-up in the process; on the get path that
 * was most of our time.  Measured on Debian 12 (2 CPUs, quiet, hyperfine
 * 40 runs, one item): our get with libsecret's proxy and session 32.7 ms,
 * git-credential-libsecret 34.5 ms, a probe making only Hello,
 * SearchItems, OpenSession and GetSecrets with GIO and libgcrypt 24.5 ms;
 * make bench after the change: 27.8 ms against 30.9 ms (12 D-Bus calls
 * per get became 4).  The primitives are libgcrypt's, the library
 * libsecret itself does this with: nothing here is hand-written crypto,
 * only the message layout.  The D-Bus calls are keystore.c's (sd-bus).
 * Left padding of the shared secret is what the services do: of 3000
 * sessions against gnome-keyring 42.1, 11 had a short secret, and of 1500
 * against KeePassXC 2.7.4, 9; every one decrypted.
 */
#include <gcrypt.h>

#include "keystore.h"
#include "ss-session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define PRIME_BYTES	128
#define AES_BYTES	16

/* RFC 2409, 6.2: the second Oakley group, 2^1024 - 2^960 - 1 +
 * 2^64 * { [2^894 pi] + 129093 } */
static const char prime_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"
	"FFFFFFFFFFFFFFFF";

struct ss_session {
	char *path;
	unsigned char key[AES_BYTES];
};

/* libgcrypt must be initialised once before use (a no-op when another
 * user in the process did it first). */
static void crypto_init(void)
{
	if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
		gcry_check_version(NULL);
		/* secure memory for the private value, the shared secret and
		 * the key; no warning line if it cannot be locked (core dumps
		 * are off anyway: harden.c) */
		gcry_control(GCRYCTL_DISABLE_SECMEM_WARN);
		gcry_control(GCRYCTL_INIT_SECMEM, 65536, 0);
		gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	}
}

static void crypto_ready(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, crypto_init);
}

/* HKDF-SHA256 (RFC 5869), no salt (a hash length of zeros), empty info,
 * AES_BYTES of output: one HMAC for the PRK, one for T(1). */
static int hkdf(const unsigned char *ikm, size_t n_ikm,
		unsigned char out[AES_BYTES])
{
	static const unsigned char zeros[32];
	unsigned char prk[32], one = 1;
	gcry_md_hd_t h = NULL;
	int r = -1;

	if (gcry_md_open(&h, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC | GCRY_MD_FLAG_SECURE) ||
	    gcry_md_setkey(h, zeros, sizeof(zeros)))
		goto out;
	gcry_md_write(h, ikm, n_ikm);
	memcpy(prk, gcry_md_read(h, GCRY_MD_SHA256), sizeof(prk));
	gcry_md_reset(h);
	if (gcry_md_setkey(h, prk, sizeof(prk)))
		goto out;
	gcry_md_write(h, &one, 1);
	memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), AES_BYTES);
	r = 0;
out:
	wipe(prk, sizeof(prk));
	gcry_md_close(h);
	return r;
}

/* The key from the server's public value: (peer ^ priv mod p), padded. */
static int derive(struct ss_session *s, gcry_mpi_t prime, gcry_mpi_t priv,
		  const unsigned char *peer_bytes, size_t n_peer)
{
	gcry_mpi_t peer = NULL, z = NULL, top = NULL;
	unsigned char *ikm = NULL;
	size_t n = 0;
	int r = -1;

	if (n_peer == 0 || n_peer > PRIME_BYTES ||
	    gcry_mpi_scan(&peer, GCRYMPI_FMT_USG, peer_bytes, n_peer, NULL))
		goto out;
	/* 1 < peer < p - 1: not a value that gives away the secret */
	top = gcry_mpi_new(0);
	gcry_mpi_sub_ui(top, prime, 1);
	if (gcry_mpi_cmp_ui(peer, 1) <= 0 || gcry_mpi_cmp(peer, top) >= 0)
		goto out;
	z = gcry_mpi_snew(PRIME_BYTES * 8);
	gcry_mpi_powm(z, peer, priv, prime);
	if ((ikm = gcry_calloc_secure(1, PRIME_BYTES)) == NULL ||
	    gcry_mpi_print(GCRYMPI_FMT_USG, ikm, PRIME_BYTES, &n, z) || n > PRIME_BYTES)
		goto out;
	memmove(ikm + (PRIME_BYTES - n), ikm, n);
	memset(ikm, 0, PRIME_BYTES - n);
	r = hkdf(ikm, PRIME_BYTES, s->key);
out:
	gcry_free(ikm);	/* secure memory: wiped when freed */
	gcry_mpi_release(z);
	gcry_mpi_release(top);
	gcry_mpi_release(peer);
	return r;
}

struct ss_half {
	gcry_mpi_t prime, priv;
	unsigned char pub[PRIME_BYTES];
	size_t n_pub;
};

void ss_half_free(struct ss_half *h)
{
	if (h == NULL)
		return;
	gcry_mpi_release(h->priv);	/* secure memory: wiped when released */
	gcry_mpi_release(h->prime);
	free(h);
}

struct ss_half *ss_half_new(void)
{
	/* in secure memory, so the MPI scanned from it is too */
	unsigned char *rnd = NULL;
	struct ss_half *h = calloc(1, sizeof(*h));
	gcry_mpi_t base = NULL, pub = NULL;
	int ok = 0;

	if (h == NULL)
		return NULL;
	crypto_ready();
	/*
	 * The private value: 1023 bits from the kernel's CSPRNG (getrandom,
	 * one call), so below p; libgcrypt's own strong pool would first seed
	 * itself, 30-odd calls and most of the exchange's client time.
	 */
	if ((rnd = gcry_malloc_secure(PRIME_BYTES)) == NULL ||
	    getrandom(rnd, PRIME_BYTES, 0) != (ssize_t)PRIME_BYTES)
		goto out;
	rnd[0] &= 0x7f;
	if (gcry_mpi_scan(&h->prime, GCRYMPI_FMT_HEX, prime_hex, 0, NULL) ||
	    gcry_mpi_scan(&h->priv, GCRYMPI_FMT_USG, rnd, PRIME_BYTES, NULL) ||
	    gcry_mpi_cmp_ui(h->priv, 1) <= 0)
		goto out;
	base = gcry_mpi_set_ui(NULL, 2);
	pub = gcry_mpi_new(PRIME_BYTES * 8);
	gcry_mpi_powm(pub, base, h->priv, h->prime);
	ok = !gcry_mpi_print(GCRYMPI_FMT_USG, h->pub, sizeof(h->pub), &h->n_pub, pub);
out:
	gcry_free(rnd);	/* secure memory: wiped when freed */
	gcry_mpi_release(pub);
	gcry_mpi_release(base);
	if (!ok) {
		ss_half_free(h);
		return NULL;
	}
	return h;
}

const unsigned char *ss_half_public(const struct ss_half *h, size_t *n)
{
	*n = h->n_pub;
	return h->pub;
}

struct ss_session *ss_session_new(const struct ss_half *h, const char *path,
				  const unsigned char *peer, size_t n_peer)
{
	struct ss_session *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->path = strdup(path)) == NULL ||
	    derive(s, h->prime, h->priv, peer, n_peer) != 0) {
		ss_session_free(s);
		return NULL;
	}
	return s;
}

const char *ss_session_path(const struct ss_session *s)
{
	return s->path;
}

int ss_session_decrypt(const struct ss_session *s, const char *path,
		       const unsigned char *iv, size_t n_iv,
		       const unsigned char *ct, size_t n_ct, struct sbuf *out)
{
	unsigned char *plain;
	gcry_cipher_hd_t c = NULL;
	size_t pad, max = out->max ? out->max : SBUF_DEFAULT_MAX;
	int r = KS_ERR_INTERNAL;

	crypto_ready();
	sbuf_reset(out);
	if (path == NULL || strcmp(path, s->path) != 0 || n_iv != AES_BYTES ||
	    n_ct == 0 || n_ct % AES_BYTES != 0)
		return KS_ERR_INTERNAL;
	/* decrypted in place in OUT, as the file store does (wiped when
	 * freed): a secret may be larger than libgcrypt's secure memory.
	 * The padding may take OUT past its maximum for a moment, the
	 * secret may not. */
	out->max = max + AES_BYTES;
	if (sbuf_add(out, ct, n_ct) != 0) {
		r = KS_ERR_TOO_LONG;
		goto out;
	}
	plain = (unsigned char *)out->buf;
	if (gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_CBC,
			     GCRY_CIPHER_SECURE) ||
	    gcry_cipher_setkey(c, s->key, AES_BYTES) ||
	    gcry_cipher_setiv(c, iv, n_iv) ||
	    gcry_cipher_decrypt(c, plain, n_ct, NULL, 0))
		goto out;
	/* PKCS#7: 1 to 16 bytes, each the count */
	pad = plain[n_ct - 1];
	if (pad == 0 || pad > AES_BYTES)
		goto out;
	for (size_t i = n_ct - pad; i < n_ct; i++)
		if (plain[i] != pad)
			goto out;
	wipe(plain + n_ct - pad, pad);
	out->len = n_ct - pad;
	out->buf[out->len] = '\0';
	r = out->len <= max ? KS_OK : KS_ERR_TOO_LONG;
out:
	out->max = max;
	if (r != KS_OK)
		sbuf_free(out);	/* nothing half-decrypted is left behind */
	gcry_cipher_close(c);
	return r;
}

int ss_session_encrypt(const struct ss_session *s, const void *plain, size_t n,
		       unsigned char iv[AES_BYTES], struct sbuf *ct)
{
	gcry_cipher_hd_t c = NULL;
	unsigned char pad[AES_BYTES];
	size_t n_pad = AES_BYTES - n % AES_BYTES;
	int r = KS_ERR_INTERNAL;

	crypto_ready();
	sbuf_reset(ct);
	memset(pad, (int)n_pad, n_pad);
	/* the plain text and its padding go into CT (wiped when freed), then
	 * are encrypted there in place */
	if (sbuf_add(ct, plain, n) != 0 || sbuf_add(ct, pad, n_pad) != 0) {
		sbuf_free(ct);
		return KS_ERR_TOO_LONG;
	}
	if (getrandom(iv, AES_BYTES, 0) != AES_BYTES ||
	    gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_CBC,
			     GCRY_CIPHER_SECURE) ||
	    gcry_cipher_setkey(c, s->key, AES_BYTES) ||
	    gcry_cipher_setiv(c, iv, AES_BYTES) ||
	    gcry_cipher_encrypt(c, ct->buf, ct->len, NULL, 0))
		sbuf_free(ct);	/* never the plain text on the bus */
	else
		r = KS_OK;
	gcry_cipher_close(c);
	return r;
}

struct ss_session *ss_session_with_key(const char *path,
				       const unsigned char *key)
{
	struct ss_session *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return NULL;
	}
	memcpy(s->key, key, AES_BYTES);
	return s;
}

void ss_session_free(struct ss_session *s)
{
	if (s == NULL)
		return;
	wipe(s->key, sizeof(s->key));
	free(s->path);
	free(s);
}
