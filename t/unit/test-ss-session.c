/*
 * test-ss-session.c - the encrypted session's decryption
 * (keystore/ss-session.c): secrets encrypted here with libgcrypt, as a
 * Secret Service does, come back byte for byte; every malformed secret is
 * refused with nothing left in the output.  The key exchange itself is
 * tested against real services (t1000, t8020, the KeePassXC rerun).
 */
#include <gcrypt.h>

#include "unit.h"
#include "keystore.h"
#include "ss-session.h"

#include <string.h>

#define PATH "/org/freedesktop/secrets/session/s7"

static const unsigned char key[16] = "0123456789abcdef";
static const unsigned char iv[16] = "fedcba9876543210";

/* PLAIN encrypted with PKCS#7 padding, as a (oayays) secret for session
 * SPATH; BAD 1 makes the last padding byte 17, BAD 2 the first padding
 * byte disagree with the others */
static GVariant *secret_of(const char *spath, const void *plain, size_t n,
			   int bad, size_t iv_len)
{
	size_t pad = 16 - n % 16, total = n + pad;
	unsigned char *buf = g_malloc(total);
	gcry_cipher_hd_t c;
	GVariant *v;

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
	v = g_variant_ref_sink(g_variant_new("(o@ay@ays)", spath,
		g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, iv, iv_len, 1),
		g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, buf, total, 1),
		"text/plain"));
	g_free(buf);
	return v;
}

/* decrypt V with a fresh output of maximum MAX; the result code */
static int decrypt(GVariant *v, size_t max, struct sbuf *out)
{
	struct ss_session *s = ss_session_with_key(PATH, key);
	int r;

	sbuf_free(out);
	out->max = max;
	r = ss_session_decrypt(s, v, out);
	ss_session_free(s);
	g_variant_unref(v);
	return r;
}

/* V is refused as malformed, and nothing is left in the output */
static void refused(GVariant *v, struct sbuf *out, const char *name)
{
	int r = decrypt(v, 0, out);

	report(r == KS_ERR_INTERNAL && out->len == 0, name);
}

int main(void)
{
	struct sbuf out = SBUF_INIT;
	static char big[1 << 20];
	int ok = 1;

	gcry_check_version(NULL);
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
	refused(g_variant_ref_sink(g_variant_new("(o@ay@ays)", PATH,
			g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, iv, 16, 1),
			g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, big, 17, 1),
			"text/plain")), &out,
		"cipher text that is not whole blocks is refused, nothing kept");
	refused(g_variant_ref_sink(g_variant_new("(s)", "plain")), &out,
		"an answer that is not a secret struct is refused");
	sbuf_free(&out);
	return unit_done();
}
