/*
 * fuzz-secret-value.c - the secret value of a token item as `get` reads it
 * back from the keyring (cred_secret_parse(), credential/cred.h):
 * "password=...\n", optional "password_expiry_utc=...\n" and
 * "oauth_refresh_token=...\n", "username=...\n", "repos=...\n".
 *
 * Input: the value's bytes, as the Secret Service returns them (any other
 * program may have written the item).  Invariants: the password and the
 * refresh token are single lines, the expiry is never negative.
 */
#include "fuzz.h"
#include "secret.h"
#include "credential/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf value = SBUF_INIT, password = SBUF_INIT, oauth = SBUF_INIT;
	long long expiry = -1;
	int r;

	if (sbuf_add(&value, data, size) != 0) {
		sbuf_free(&value);
		return 0;
	}
	r = cred_secret_parse(&value, &password, &expiry, &oauth);
	FUZZ_CHECK(expiry >= 0);
	if (r == 0) {
		FUZZ_CHECK(password.buf == NULL || memchr(password.buf, '\n', password.len) == NULL);
		FUZZ_CHECK(oauth.buf == NULL || memchr(oauth.buf, '\n', oauth.len) == NULL);
	}
	/* without the refresh token, as `list` reads it */
	sbuf_reset(&password);
	(void)cred_secret_parse(&value, &password, &expiry, NULL);
	sbuf_free(&value);
	sbuf_free(&password);
	sbuf_free(&oauth);
	return 0;
}
