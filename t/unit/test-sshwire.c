/*
 * test-sshwire.c - keystore/sshwire.c: the SSH wire format readers and
 * writers, base64 both ways (strict, and with optional padding as
 * known_hosts is read), and the "SHA256:" fingerprint, each with exact
 * expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshwire.h"
#include "unit.h"

/* bitbucket.org's Ed25519 host key and the fingerprint Atlassian publishes */
static const char BB_ED25519[] =
	"AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO";
static const char BB_ED25519_FP[] = "SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM";

static int bytes_are(const struct sbuf *sb, const void *want, size_t n)
{
	return sb->len == n && (n == 0 || memcmp(sb->buf, want, n) == 0);
}

/* decode, then compare with want, n; want NULL: expect error e */
static int dec(const char *in, int pad_optional, const void *want, size_t n, int e)
{
	struct sbuf sb = SBUF_INIT;
	int r = sshwire_b64_decode(in, strlen(in), pad_optional, &sb);
	int ok = want != NULL ? r == 0 && bytes_are(&sb, want, n) : r == e;

	sbuf_free(&sb);
	return ok;
}

static int enc(const void *in, size_t n, size_t wrap, int pad, const char *want)
{
	struct sbuf sb = SBUF_INIT;
	int ok = sshwire_b64_encode(&sb, in, n, wrap, pad) == 0 &&
		 bytes_are(&sb, want, strlen(want));

	sbuf_free(&sb);
	return ok;
}

static void test_readers(void)
{
	static const unsigned char wire[] = {
		0x01, 0x02, 0x03, 0x04,			/* uint32 */
		0, 0, 0, 3, 'a', 'b', 'c',		/* string "abc" */
		0, 0, 0, 2, 0x00, 0x80,			/* mpint 128 */
		0, 0, 0, 1, 0x80,			/* mpint, negative */
		0, 0, 0, 9, 'x',			/* string that lies about its length */
	};
	struct sshwire_rd r = SSHWIRE_RD(wire, sizeof(wire)), t;
	const unsigned char *s;
	uint32_t v = 0;
	size_t n = 0, off;

	report(sshwire_get_u32(&r, &v) == 0 && v == 0x01020304 && r.off == 4,
	       "uint32: big-endian, 4 bytes");
	report(sshwire_get_string(&r, &s, &n) == 0 && n == 3 && !memcmp(s, "abc", 3) &&
	       sshwire_str_eq(s, n, "abc") && !sshwire_str_eq(s, n, "ab") &&
	       r.off == 11, "string: length and bytes, compared exactly");
	t = r;
	report(sshwire_get_mpint(&t, 0, &s, &n) == SSHWIRE_ERR_TOO_LARGE && t.off == 11,
	       "mpint over the caller's limit: too large, reader not moved");
	report(sshwire_get_mpint(&r, 2, &s, &n) == 0 && n == 2 && s[0] == 0 && s[1] == 0x80,
	       "mpint: a positive number with its leading zero");
	off = r.off;
	report(sshwire_get_mpint(&r, 16, &s, &n) == SSHWIRE_ERR_FORMAT && r.off == off,
	       "mpint with the sign bit set is malformed, reader not moved");
	r.off += 5;
	off = r.off;
	report(sshwire_get_string(&r, &s, &n) == SSHWIRE_ERR_FORMAT && r.off == off,
	       "string longer than what is left is malformed, reader not moved");
	t = SSHWIRE_RD(wire, 3);
	report(sshwire_get_u32(&t, &v) == SSHWIRE_ERR_FORMAT && t.off == 0,
	       "uint32 from 3 bytes is malformed");
}

static void test_writers(void)
{
	static const unsigned char zeros[] = { 0, 0, 0 };
	static const unsigned char high[] = { 0, 0x80, 0x01 };
	static const unsigned char low[] = { 0, 0, 0x7f };
	struct sbuf b = SBUF_INIT;
	struct sshwire_rd r;
	const unsigned char *s;
	size_t n;

	report(sshwire_put_u32(&b, 0xdeadbeef) == 0 &&
	       bytes_are(&b, "\xde\xad\xbe\xef", 4), "put uint32: big-endian");
	sbuf_reset(&b);
	report(sshwire_put_string(&b, "ssh-rsa", 7) == 0 &&
	       bytes_are(&b, "\0\0\0\7ssh-rsa", 11), "put string: length then bytes");
	sbuf_reset(&b);
	report(sshwire_put_mpint(&b, zeros, sizeof(zeros)) == 0 &&
	       bytes_are(&b, "\0\0\0\0", 4), "put mpint: zero is the empty string");
	sbuf_reset(&b);
	report(sshwire_put_mpint(&b, high, sizeof(high)) == 0 &&
	       bytes_are(&b, "\0\0\0\3\0\x80\x01", 7),
	       "put mpint: a zero byte before a high bit keeps the number positive");
	sbuf_reset(&b);
	report(sshwire_put_mpint(&b, low, sizeof(low)) == 0 &&
	       bytes_are(&b, "\0\0\0\1\x7f", 5), "put mpint: leading zeros dropped");
	r = SSHWIRE_RD(b.buf, b.len);
	report(sshwire_get_mpint(&r, 1, &s, &n) == 0 && n == 1 && s[0] == 0x7f &&
	       r.off == r.len, "what put mpint writes, get mpint reads");
	b.max = 5;
	report(sshwire_put_string(&b, "x", 1) == SSHWIRE_ERR_NOMEM,
	       "put into a full buffer: out of memory");
	sbuf_free(&b);
}

static void test_base64(void)
{
	unsigned char big[3000];
	struct sbuf text = SBUF_INIT, back = SBUF_INIT;
	int lines_ok = 1;

	report(enc("", 0, 0, 1, "") && enc("a", 1, 0, 1, "YQ==") &&
	       enc("ab", 2, 0, 1, "YWI=") && enc("abc", 3, 0, 1, "YWJj"),
	       "encode: RFC 4648 with padding");
	report(enc("a", 1, 0, 0, "YQ") && enc("ab", 2, 0, 0, "YWI") &&
	       enc("abc", 3, 0, 0, "YWJj"), "encode without padding");
	report(enc("abcdef", 6, 4, 1, "YWJj\nZGVm\n") && enc("abcd", 4, 4, 1, "YWJj\nZA==\n") &&
	       enc("", 0, 4, 1, ""), "encode wrapped: a newline after every line, the last too");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	if (sshwire_b64_encode(&text, big, sizeof(big), 64, 1) != 0)
		abort();
	for (size_t i = 0; i < text.len; i++)
		if ((i % 65 == 64 || i == text.len - 1) != (text.buf[i] == '\n'))
			lines_ok = 0;
	report(text.len == 4000 + 63 && lines_ok,
	       "encode 3000 bytes in 64 columns: 63 lines, past one chunk");
	for (size_t i = 0; i < text.len; i++)
		if (text.buf[i] != '\n' && sbuf_addch(&back, text.buf[i]) != 0)
			abort();
	sbuf_reset(&text);
	report(sshwire_b64_decode(back.buf, back.len, 0, &text) == 0 && back.len == 4000 &&
	       bytes_are(&text, big, sizeof(big)), "decode 4000 characters back to the 3000 bytes");
	sbuf_free(&text);
	sbuf_free(&back);

	report(dec("YQ==", 0, "a", 1, 0) && dec("YWI=", 0, "ab", 2, 0) &&
	       dec("YWJj", 0, "abc", 3, 0) && dec("YR==", 0, "a", 1, 0),
	       "decode: padding gives back exactly the bytes");
	report(dec("YWI", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("", 0, NULL, 0, SSHWIRE_ERR_FORMAT),
	       "decode strict: padding required, empty refused");
	report(dec("Y=Q=", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("YQ==YQ==", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("A===", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("Y!==", 0, NULL, 0, SSHWIRE_ERR_FORMAT),
	       "decode refuses '=' inside, data after padding, three '=', other characters");
	report(dec(" YQ==", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("YQ==\n", 0, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("YQ==-", 0, NULL, 0, SSHWIRE_ERR_FORMAT),
	       "decode refuses the space, newline and dash OpenSSL would skip");
	report(dec("YWI", 1, "ab", 2, 0) && dec("YQ", 1, "a", 1, 0) &&
	       dec("YQ==", 1, "a", 1, 0) && dec("", 1, "", 0, 0),
	       "decode with optional padding: with or without '=', empty is nothing");
	report(dec("Y", 1, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("YQ=", 1, NULL, 0, SSHWIRE_ERR_FORMAT) &&
	       dec("YQ==YQ==", 1, NULL, 0, SSHWIRE_ERR_FORMAT),
	       "decode with optional padding refuses a lone character, short padding, data after it");
	back.max = 4;
	report(sshwire_b64_decode("YWJjZGVmZ2hpams=", 16, 0, &back) == SSHWIRE_ERR_NOMEM,
	       "decode into a buffer too small: out of memory");
	sbuf_free(&back);
}

static void test_fingerprint(void)
{
	struct sbuf blob = SBUF_INIT;
	char fp[SSHWIRE_FP_LEN];

	if (sshwire_b64_decode(BB_ED25519, strlen(BB_ED25519), 0, &blob) != 0)
		abort();
	report(sshwire_fingerprint((const unsigned char *)blob.buf, blob.len, fp) == 0 &&
	       strcmp(fp, BB_ED25519_FP) == 0,
	       "fingerprint of bitbucket.org's Ed25519 host key matches Atlassian's");
	report(sshwire_fingerprint((const unsigned char *)"", 0, fp) == 0 &&
	       strcmp(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU") == 0,
	       "fingerprint: SHA256: and base64 without padding (the empty blob)");
	report(sshwire_fingerprint(NULL, 3, fp) == SSHWIRE_ERR_FORMAT && fp[0] == '\0' &&
	       sshwire_fingerprint((const unsigned char *)"", 0, NULL) == SSHWIRE_ERR_FORMAT,
	       "fingerprint of nothing is an error and an empty string");
	sbuf_free(&blob);
}

int main(void)
{
	test_readers();
	test_writers();
	test_base64();
	test_fingerprint();
	return unit_done();
}
