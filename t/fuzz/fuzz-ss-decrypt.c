/*
 * fuzz-ss-decrypt.c - a secret as the Secret Service sends it in the
 * encrypted session (ss_session_decrypt(), keystore/ss-session.h): the
 * IV and the AES-128-CBC cipher text with PKCS#7 padding, under the
 * session's key.
 *
 * Input: one byte of flags (bit 0: the secret names another session;
 * bit 1: an output maximum of 16 bytes), then the IV's length (one byte),
 * the IV, and the rest as the cipher text.  The key is
 * 000102...0f.  Invariants: a decrypted secret is shorter than its cipher
 * text by 1 to 16 bytes and fits the maximum; on any refusal nothing is
 * left in the output.
 */
#include "fuzz.h"
#include "keystore.h"
#include "ss-session.h"

static const unsigned char key[16] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ss_session *s = ss_session_with_key("/org/freedesktop/secrets/session/s1", key);
	struct sbuf out = SBUF_INIT;
	size_t n_iv;
	int r, flags;

	if (size < 2) {
		ss_session_free(s);
		return 0;
	}
	flags = data[0];
	n_iv = data[1];
	data += 2;
	size -= 2;
	if (n_iv > size)
		n_iv = size;
	if (flags & 2)
		out.max = 16;
	r = ss_session_decrypt(s, (flags & 1) ? "/org/freedesktop/secrets/session/s2" :
					       "/org/freedesktop/secrets/session/s1",
			       data, n_iv, data + n_iv, size - n_iv, &out);
	if (r == KS_OK) {
		FUZZ_CHECK(!(flags & 1));
		FUZZ_CHECK(out.len < size - n_iv && out.len + 16 >= size - n_iv);
		FUZZ_CHECK(!(flags & 2) || out.len <= 16);
	} else {
		FUZZ_CHECK(out.len == 0);
	}
	sbuf_free(&out);
	ss_session_free(s);
	return 0;
}
