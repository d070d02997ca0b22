/*
 * test-pem.c - keystore/pem.c: generate, import, repair, refuse, describe.
 *
 * Every input is made at run time from pem_generate() output and string
 * surgery; no key file is committed.  Encrypted keys and OpenSSH's own
 * RSA/ECDSA files are tested against openssl and ssh-keygen in t/t5*.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"
#include "unit.h"

/* ---- small text and base64 tools (the test's own, not pem.c's) ---- */

static void add(struct sbuf *sb, const char *s)
{
	if (sbuf_addstr(sb, s) != 0)
		abort();
}

static void addn(struct sbuf *sb, const void *p, size_t n)
{
	if (sbuf_add(sb, p, n) != 0)
		abort();
}

/* Replace every "from" in src with "to". */
static void replace(struct sbuf *out, const char *src, const char *from,
		    const char *to)
{
	size_t fl = strlen(from);
	const char *p;

	sbuf_reset(out);
	while ((p = strstr(src, from)) != NULL) {
		addn(out, src, (size_t)(p - src));
		add(out, to);
		src = p + fl;
	}
	add(out, src);
}

/* Lines of a PEM text: how many, and line i into *out (without "\n"). */
static size_t nlines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void line_at(const char *s, size_t i, struct sbuf *out)
{
	sbuf_reset(out);
	while (i > 0 && *s) {
		if (*s++ == '\n')
			i--;
	}
	while (*s && *s != '\n')
		addn(out, s++, 1);
}

/* The PEM without line i. */
static void drop_line(const char *s, size_t i, struct sbuf *out)
{
	size_t l = 0;

	sbuf_reset(out);
	for (; *s; s++) {
		if (l != i)
			addn(out, s, 1);
		if (*s == '\n')
			l++;
	}
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64enc(struct sbuf *out, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		addn(out, q, 4);
	}
}

static void b64dec(const char *s, size_t n, struct sbuf *out)
{
	uint32_t v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(b64, s[i]);

		if (s[i] == '=' || s[i] == '\n' || p == NULL)
			continue;
		v = v << 6 | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			unsigned char c = (unsigned char)(v >> (bits - 8));

			addn(out, &c, 1);
			bits -= 8;
		}
	}
}

/* The base64 body of a PEM (between its first and last line), decoded. */
static void pem_body(const char *pem, struct sbuf *out)
{
	const char *b = strchr(pem, '\n') + 1;
	const char *e = strstr(pem, "-----END");

	sbuf_reset(out);
	b64dec(b, (size_t)(e - b), out);
}

static void put_u32(struct sbuf *b, uint32_t v)
{
	unsigned char q[4] = { v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255 };

	addn(b, q, 4);
}

static void put_str(struct sbuf *b, const void *p, size_t n)
{
	put_u32(b, (uint32_t)n);
	addn(b, p, n);
}

/*
 * An openssh-key-v1 file for an Ed25519 key, from its PKCS#8 PEM: the
 * seed is the last 32 bytes of the 48-byte PKCS#8 (RFC 8410), the public
 * key the last 32 bytes of the public blob.  cipher "none" or another
 * name (then the private section is left as is: nobody decrypts it).
 */
static void make_openssh_ed25519(const struct sbuf *pem, const char *cipher,
				 const char *comment, struct sbuf *out)
{
	struct sbuf der = SBUF_INIT, blob = SBUF_INIT, priv = SBUF_INIT;
	struct sbuf file = SBUF_INIT, sk = SBUF_INIT;
	const unsigned char *seed, *pk;

	pem_body(pem->buf, &der);
	if (der.len != 48 || pem_public_blob(pem, &blob) != 0 || blob.len != 51)
		abort();
	seed = (const unsigned char *)der.buf + 16;
	pk = (const unsigned char *)blob.buf + 19;
	put_u32(&priv, 0x12345678);
	put_u32(&priv, 0x12345678);
	put_str(&priv, "ssh-ed25519", 11);
	put_str(&priv, pk, 32);
	addn(&sk, seed, 32);
	addn(&sk, pk, 32);
	put_str(&priv, sk.buf, 64);
	put_str(&priv, comment, strlen(comment));
	for (unsigned char i = 1; priv.len % 8 != 0; i++)
		addn(&priv, &i, 1);
	addn(&file, "openssh-key-v1", 15);	/* with its NUL */
	put_str(&file, cipher, strlen(cipher));
	put_str(&file, strcmp(cipher, "none") ? "bcrypt" : "none",
		strcmp(cipher, "none") ? 6 : 4);
	put_str(&file, "", 0);
	put_u32(&file, 1);
	put_str(&file, blob.buf, blob.len);
	put_str(&file, priv.buf, priv.len);

	sbuf_reset(out);
	add(out, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	{
		struct sbuf t = SBUF_INIT;

		b64enc(&t, (const unsigned char *)file.buf, file.len);
		for (size_t i = 0; i < t.len; i += 70) {
			addn(out, t.buf + i, t.len - i < 70 ? t.len - i : 70);
			add(out, "\n");
		}
		sbuf_free(&t);
	}
	add(out, "-----END OPENSSH PRIVATE KEY-----\n");
	sbuf_free(&der);
	sbuf_free(&blob);
	sbuf_free(&priv);
	sbuf_free(&file);
	sbuf_free(&sk);
}

/* ---- checks ---- */

static int is_fingerprint(const char *fp)
{
	if (strncmp(fp, "SHA256:", 7) != 0 || strlen(fp) != 7 + 43)
		return 0;
	for (const char *p = fp + 7; *p; p++)
		if (strchr(b64, *p) == NULL)
			return 0;
	return 1;
}

/* Import must fail with want, leaving every out-parameter empty. */
static void expect_error(const char *name, const char *in, size_t len,
			 const char *pass, unsigned opts, int want)
{
	struct sbuf out = SBUF_INIT;
	struct pem_info info;
	unsigned fixes = 99;
	int r;
	char what[300];

	memset(&info, 0x55, sizeof(info));
	r = pem_import(in, len, pass, opts, &out, &info, &fixes);
	snprintf(what, sizeof(what), "%s: %s", name, pem_strerror(want));
	report(r == want && out.len == 0 && out.buf == NULL && fixes == 0 &&
	       info.type == PEM_TYPE_NONE && info.fingerprint[0] == '\0' &&
	       info.bits == 0, what);
	if (r != want)
		printf("#   got %d (%s)\n", r, pem_strerror(r));
	sbuf_free(&out);
}

/* Import must succeed with these repairs and yield the original key. */
static void expect_repaired(const char *name, const char *in,
			    const struct sbuf *orig, const struct pem_info *oi,
			    unsigned want_fixes)
{
	struct sbuf out = SBUF_INIT;
	struct pem_info info;
	unsigned fixes = 0;
	int r = pem_import(in, strlen(in), NULL, 0, &out, &info, &fixes);
	char what[300], got[200];

	snprintf(what, sizeof(what), "repairs %s", name);
	report(r == 0 && fixes == want_fixes && out.len == orig->len &&
	       memcmp(out.buf, orig->buf, out.len) == 0 &&
	       strcmp(info.fingerprint, oi->fingerprint) == 0, what);
	if (r != 0 || fixes != want_fixes)
		printf("#   got %d (%s), fixes '%s'\n", r, pem_strerror(r),
		       pem_fixes_describe(fixes, got, sizeof(got)));
	sbuf_free(&out);
}

static void test_generate(void)
{
	static const struct {
		enum pem_type type;
		unsigned bits, want_bits;
		const char *type_name, *ssh_name, *blob_prefix;
	} cases[] = {
		{ PEM_TYPE_ED25519, 0, 256, "ED25519", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAI" },
		{ PEM_TYPE_ECDSA, 0, 256, "ECDSA", "ecdsa-sha2-nistp256", "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB" },
		{ PEM_TYPE_ECDSA, 384, 384, "ECDSA", "ecdsa-sha2-nistp384", "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhB" },
		{ PEM_TYPE_ECDSA, 521, 521, "ECDSA", "ecdsa-sha2-nistp521", "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFB" },
		{ PEM_TYPE_RSA, 2048, 2048, "RSA", "ssh-rsa", "AAAAB3NzaC1yc2EAAAADAQABAAABAQ" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbuf pem = SBUF_INIT, again = SBUF_INIT, line = SBUF_INIT;
		struct sbuf blob = SBUF_INIT, want = SBUF_INIT;
		struct pem_info info, info2;
		char name[200], fp[PEM_FP_LEN];
		unsigned fixes = 1;
		int r;

		r = pem_generate(cases[i].type, cases[i].bits, &pem, &info);
		snprintf(name, sizeof(name), "generate %s %u", cases[i].ssh_name,
			 cases[i].want_bits);
		report(r == 0 && info.type == cases[i].type &&
		       info.bits == cases[i].want_bits &&
		       !strcmp(info.type_name, cases[i].type_name) &&
		       !strcmp(info.ssh_name, cases[i].ssh_name) &&
		       info.source == PEM_SRC_GENERATED &&
		       is_fingerprint(info.fingerprint), name);
		snprintf(name, sizeof(name), "%s: unencrypted PKCS#8, 64 columns",
			 cases[i].ssh_name);
		{
			int ok = r == 0 && !strncmp(pem.buf, "-----BEGIN PRIVATE KEY-----\n", 28) &&
				 pem.len > 60 && !strcmp(pem.buf + pem.len - 26, "-----END PRIVATE KEY-----\n");

			for (size_t l = 1; ok && l + 2 < nlines(pem.buf); l++) {
				line_at(pem.buf, l, &line);
				ok = line.len == 64;
			}
			report(ok, name);
		}
		r = pem_import(pem.buf, pem.len, NULL, 0, &again, &info2, &fixes);
		snprintf(name, sizeof(name), "%s: import of our own output is the identity",
			 cases[i].ssh_name);
		report(r == 0 && fixes == 0 && again.len == pem.len &&
		       !memcmp(again.buf, pem.buf, pem.len) &&
		       info2.source == PEM_SRC_PKCS8 &&
		       !strcmp(info2.fingerprint, info.fingerprint), name);
		snprintf(name, sizeof(name), "%s: pem_check accepts it", cases[i].ssh_name);
		report(pem_check(&pem, &info2) == 0 &&
		       !strcmp(info2.fingerprint, info.fingerprint), name);

		r = pem_public_line(&pem, NULL, &line);
		add(&want, cases[i].ssh_name);
		add(&want, " ");
		add(&want, cases[i].blob_prefix);
		snprintf(name, sizeof(name), "%s: public line has the type and blob prefix",
			 cases[i].ssh_name);
		report(r == 0 && !strncmp(line.buf, want.buf, want.len) &&
		       strchr(line.buf + strlen(cases[i].ssh_name) + 1, ' ') == NULL &&
		       strchr(line.buf, '\n') == NULL, name);
		/* the line's base64 is the blob; the fingerprint is its SHA-256 */
		r = pem_public_blob(&pem, &blob);
		sbuf_reset(&want);
		b64enc(&want, (const unsigned char *)blob.buf, blob.len);
		sshwire_fingerprint((const unsigned char *)blob.buf, blob.len, fp);
		snprintf(name, sizeof(name), "%s: blob, line and fingerprint agree",
			 cases[i].ssh_name);
		report(r == 0 && !strcmp(line.buf + strlen(cases[i].ssh_name) + 1, want.buf) &&
		       !strcmp(fp, info.fingerprint), name);
		sbuf_free(&pem);
		sbuf_free(&again);
		sbuf_free(&line);
		sbuf_free(&blob);
		sbuf_free(&want);
	}
}

static void test_generate_refusals(void)
{
	struct sbuf pem = SBUF_INIT;
	struct pem_info info;

	report(pem_generate(PEM_TYPE_RSA, 1024, &pem, &info) == PEM_ERR_RSA_WEAK &&
	       pem.buf == NULL, "generate refuses RSA 1024 as too weak");
	report(pem_generate(PEM_TYPE_RSA, 2047, &pem, &info) == PEM_ERR_RSA_WEAK,
	       "generate refuses RSA 2047");
	report(pem_generate(PEM_TYPE_RSA, 16385, &pem, &info) == PEM_ERR_BAD_ARG,
	       "generate refuses RSA above 16384");
	report(pem_generate(PEM_TYPE_ECDSA, 255, &pem, &info) == PEM_ERR_BAD_ARG,
	       "generate refuses an ECDSA size that is not a NIST curve");
	report(pem_generate(PEM_TYPE_ED25519, 512, &pem, &info) == PEM_ERR_BAD_ARG,
	       "generate refuses a size for Ed25519 other than 256");
	report(pem_generate(PEM_TYPE_NONE, 0, &pem, &info) == PEM_ERR_BAD_ARG &&
	       pem.buf == NULL && info.fingerprint[0] == '\0',
	       "generate refuses an unknown type and leaves outputs empty");
	report(pem_type_from_name("ed25519") == PEM_TYPE_ED25519 &&
	       pem_type_from_name("ECDSA") == PEM_TYPE_ECDSA &&
	       pem_type_from_name("rsa") == PEM_TYPE_RSA &&
	       pem_type_from_name("dsa") == PEM_TYPE_NONE &&
	       pem_type_from_name(NULL) == PEM_TYPE_NONE,
	       "type names: ed25519, ecdsa, rsa; nothing else");
}

static void test_known_fingerprint(void)
{
	/* bitbucket.org's Ed25519 host key, and its published fingerprint */
	static const char key[] =
		"AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO";
	struct sbuf blob = SBUF_INIT;
	char fp[PEM_FP_LEN];

	b64dec(key, strlen(key), &blob);
	report(sshwire_fingerprint((const unsigned char *)blob.buf, blob.len, fp) == 0 &&
	       !strcmp(fp, "SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM"),
	       "fingerprint of bitbucket.org's Ed25519 host key matches Atlassian's");
	sbuf_free(&blob);
}

static void test_public_comment(void)
{
	struct sbuf pem = SBUF_INIT, a = SBUF_INIT, b = SBUF_INIT;

	if (pem_generate(PEM_TYPE_ED25519, 0, &pem, NULL) != 0)
		abort();
	pem_public_line(&pem, NULL, &a);
	report(pem_public_line(&pem, "work laptop", &b) == 0 &&
	       b.len == a.len + 12 && !strncmp(b.buf, a.buf, a.len) &&
	       !strcmp(b.buf + a.len, " work laptop"),
	       "public line with a comment appends ' comment'");
	report(pem_public_line(&pem, "", &b) == 0 && !strcmp(a.buf, b.buf),
	       "an empty comment adds nothing");
	sbuf_reset(&b);
	report(pem_public_line(&pem, "two\nlines", &b) == PEM_ERR_BAD_ARG &&
	       b.len == 0, "a comment with a newline is refused");
	sbuf_free(&pem);
	sbuf_free(&a);
	sbuf_free(&b);
}

static void test_repairs(void)
{
	struct sbuf pem = SBUF_INIT, t = SBUF_INIT, u = SBUF_INIT;
	struct pem_info info;
	size_t n;

	if (pem_generate(PEM_TYPE_ECDSA, 256, &pem, &info) != 0)
		abort();
	n = nlines(pem.buf);

	replace(&t, pem.buf, "\n", "\r\n");
	expect_repaired("CRLF line endings", t.buf, &pem, &info, PEM_FIX_CRLF);
	replace(&t, pem.buf, "\n", " \t \n");
	expect_repaired("trailing spaces", t.buf, &pem, &info, PEM_FIX_TRAILING_SPACE);
	sbuf_reset(&u);
	add(&u, "    ");
	replace(&t, pem.buf, "\n", "\n    ");
	add(&u, t.buf);
	u.len -= 4;
	u.buf[u.len] = '\0';
	expect_repaired("indentation", u.buf, &pem, &info, PEM_FIX_INDENT);
	sbuf_reset(&t);
	add(&t, "\n\n");
	add(&t, pem.buf);
	add(&t, "\n\n\n");
	expect_repaired("leading and trailing blank lines", t.buf, &pem, &info,
			PEM_FIX_BLANK_LINES);
	replace(&t, pem.buf, "\n", " ");
	expect_repaired("a key pasted into one line", t.buf, &pem, &info,
			PEM_FIX_WRAP | PEM_FIX_TRAILING_SPACE);
	/* re-wrap the body at 50 columns */
	{
		struct sbuf body = SBUF_INIT, line = SBUF_INIT;

		for (size_t l = 1; l + 1 < n; l++) {
			line_at(pem.buf, l, &line);
			add(&body, line.buf);
		}
		sbuf_reset(&t);
		add(&t, "-----BEGIN PRIVATE KEY-----\n");
		for (size_t i = 0, w = 50; i < body.len; i += w, w = 80 - w) {
			addn(&t, body.buf + i, body.len - i < w ? body.len - i : w);
			add(&t, w == 50 ? "\n" : "\n\n");
		}
		add(&t, "-----END PRIVATE KEY-----\n");
		expect_repaired("lines of 50 and 30 columns, blank lines between",
				t.buf, &pem, &info, PEM_FIX_WRAP | PEM_FIX_BLANK_LINES);
		sbuf_free(&body);
		sbuf_free(&line);
	}
	sbuf_reset(&t);
	add(&t, "Bag Attributes\n    localKeyID: 01 02 03\n");
	add(&t, pem.buf);
	add(&t, "ecdsa-sha2-nistp256 AAAAE2VjZHNh comment\n");
	expect_repaired("text before and after the key", t.buf, &pem, &info,
			PEM_FIX_STRAY_TEXT);
	sbuf_reset(&t);
	add(&t, "\xef\xbb\xbf");
	add(&t, pem.buf);
	expect_repaired("a UTF-8 byte order mark", t.buf, &pem, &info, PEM_FIX_BOM);
	replace(&t, pem.buf, "KEY-----\n", "KEY\n");
	expect_repaired("BEGIN and END lines without closing dashes", t.buf, &pem,
			&info, PEM_FIX_MARKER);
	/* `openssl ecparam -genkey` writes EC PARAMETERS first: not damage */
	sbuf_reset(&t);
	add(&t, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n");
	add(&t, pem.buf);
	expect_repaired("nothing when EC PARAMETERS come first", t.buf, &pem, &info, 0);
	{
		char d[200];

		report(!strcmp(pem_fixes_describe(PEM_FIX_CRLF | PEM_FIX_TRAILING_SPACE,
						  d, sizeof(d)),
			       "CRLF line endings, trailing spaces") &&
		       !strcmp(pem_fixes_describe(0, d, sizeof(d)), "") &&
		       strlen(pem_fixes_describe(0xff, d, 20)) < 20,
		       "repairs are described as a phrase, truncated to fit");
	}
	sbuf_free(&pem);
	sbuf_free(&t);
	sbuf_free(&u);
}

static void test_mistakes(void)
{
	struct sbuf pem = SBUF_INIT, t = SBUF_INIT, line = SBUF_INIT;
	struct pem_info info;
	size_t n;

	if (pem_generate(PEM_TYPE_ED25519, 0, &pem, &info) != 0)
		abort();
	n = nlines(pem.buf);

	expect_error("empty input", "", 0, NULL, 0, PEM_ERR_EMPTY);
	expect_error("blank lines only", "\n \r\n\t\n", 6, NULL, 0, PEM_ERR_EMPTY);
	expect_error("NULL input", NULL, 0, NULL, 0, PEM_ERR_EMPTY);
	{
		size_t big = PEM_MAX_INPUT + 1;
		char *s = malloc(big);

		memset(s, 'A', big);
		expect_error("input over 64 KiB", s, big, NULL, 0, PEM_ERR_TOO_LARGE);
		free(s);
	}
	expect_error("binary data (DER)", "\x30\x82\x01\x00\x02\x01", 6, NULL, 0,
		     PEM_ERR_BINARY);
	pem_public_line(&pem, "me@host", &t);
	expect_error("an OpenSSH public key line", t.buf, t.len, NULL, 0,
		     PEM_ERR_PUBLIC_KEY);
	expect_error("an authorized_keys line with options",
		     "no-pty,command=\"x\" ssh-rsa AAAAB3NzaC1yc2E x\n", 43, NULL, 0,
		     PEM_ERR_PUBLIC_KEY);
	replace(&t, pem.buf, "PRIVATE KEY", "PUBLIC KEY");
	expect_error("BEGIN PUBLIC KEY", t.buf, t.len, NULL, 0, PEM_ERR_PUBLIC_KEY);
	sbuf_reset(&t);
	add(&t, "---- BEGIN SSH2 PUBLIC KEY ----\nComment: x\nAAAAC3Nz\n---- END SSH2 PUBLIC KEY ----\n");
	expect_error("an RFC 4716 SSH2 public key", t.buf, t.len, NULL, 0,
		     PEM_ERR_PUBLIC_KEY);
	drop_line(pem.buf, 0, &t);
	expect_error("missing BEGIN line", t.buf, t.len, NULL, 0, PEM_ERR_NO_HEADER);
	line_at(pem.buf, 1, &t);
	expect_error("only the base64 body", t.buf, t.len, NULL, 0, PEM_ERR_NO_HEADER);
	expect_error("some other text", "hello\n", 6, NULL, 0, PEM_ERR_NO_HEADER);
	drop_line(pem.buf, n - 1, &t);
	expect_error("missing END line", t.buf, t.len, NULL, 0, PEM_ERR_NO_FOOTER);
	replace(&t, pem.buf, "-----END PRIVATE KEY", "-----END RSA PRIVATE KEY");
	expect_error("END line of another kind", t.buf, t.len, NULL, 0,
		     PEM_ERR_NO_FOOTER);
	sbuf_reset(&t);
	addn(&t, pem.buf, pem.len / 2);
	expect_error("cut in the middle", t.buf, t.len, NULL, 0, PEM_ERR_NO_FOOTER);
	sbuf_reset(&t);
	add(&t, "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
	expect_error("no body", t.buf, t.len, NULL, 0, PEM_ERR_CORRUPT);
	line_at(pem.buf, 1, &line);
	sbuf_reset(&t);
	add(&t, "-----BEGIN PRIVATE KEY-----\n");
	addn(&t, line.buf, 40);
	add(&t, "\n-----END PRIVATE KEY-----\n");
	expect_error("a truncated body", t.buf, t.len, NULL, 0, PEM_ERR_CORRUPT);
	replace(&t, pem.buf, "MC4CAQAw", "MC4C*QAw");
	expect_error("a character outside base64", t.buf, t.len, NULL, 0,
		     PEM_ERR_CORRUPT);
	replace(&t, pem.buf, "MC4CAQAw", "MC8CAQAw");
	expect_error("a wrong DER length", t.buf, t.len, NULL, 0, PEM_ERR_CORRUPT);
	sbuf_reset(&t);
	add(&t, pem.buf);
	add(&t, pem.buf);
	expect_error("two keys", t.buf, t.len, NULL, 0, PEM_ERR_MULTIPLE);
	expect_error("a PuTTY key",
		     "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", 52,
		     NULL, 0, PEM_ERR_PUTTY);
	replace(&t, pem.buf, "PRIVATE KEY", "DSA PRIVATE KEY");
	expect_error("BEGIN DSA PRIVATE KEY", t.buf, t.len, NULL, 0, PEM_ERR_DSA);
	replace(&t, pem.buf, "PRIVATE KEY", "SSH2 ENCRYPTED PRIVATE KEY");
	expect_error("an ssh.com private key", t.buf, t.len, NULL, 0,
		     PEM_ERR_UNSUPPORTED);
	replace(&t, pem.buf, "PRIVATE KEY", "CERTIFICATE");
	expect_error("a certificate", t.buf, t.len, NULL, 0, PEM_ERR_UNSUPPORTED);
	replace(&t, pem.buf, "PRIVATE KEY", "EC PRIVATE KEY");
	expect_error("an Ed25519 PKCS#8 body under an EC label", t.buf, t.len,
		     NULL, 0, PEM_ERR_CORRUPT);
	/* legacy encryption: the passphrase question comes before decryption */
	sbuf_reset(&t);
	add(&t, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
		"DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n");
	line_at(pem.buf, 1, &line);
	addn(&t, line.buf, 40);	/* 30 bytes: not whole AES blocks */
	add(&t, "\n-----END RSA PRIVATE KEY-----\n");
	expect_error("legacy encrypted PEM without passphrase", t.buf, t.len,
		     NULL, 0, PEM_ERR_NEED_PASSPHRASE);
	expect_error("legacy encrypted PEM whose body is not whole blocks",
		     t.buf, t.len, "secret", 0, PEM_ERR_CORRUPT);
	replace(&line, t.buf, "AES-128-CBC", "NO-SUCH-CIPHER");
	expect_error("legacy encrypted PEM with an unknown cipher", line.buf,
		     line.len, "secret", 0, PEM_ERR_UNSUPPORTED);
	sbuf_free(&pem);
	sbuf_free(&t);
	sbuf_free(&line);
}

static void test_openssh(void)
{
	struct sbuf pem = SBUF_INIT, ossh = SBUF_INIT, out = SBUF_INIT, t = SBUF_INIT;
	struct sbuf a = SBUF_INIT, b = SBUF_INIT;
	struct pem_info info, got;
	unsigned fixes = 1;
	int r;

	if (pem_generate(PEM_TYPE_ED25519, 0, &pem, &info) != 0)
		abort();
	make_openssh_ed25519(&pem, "none", "me@laptop", &ossh);
	expect_error("OpenSSH format without --convert", ossh.buf, ossh.len,
		     NULL, 0, PEM_ERR_OPENSSH);
	r = pem_import(ossh.buf, ossh.len, NULL, PEM_CONVERT, &out, &got, &fixes);
	report(r == 0 && fixes == 0 && got.source == PEM_SRC_OPENSSH &&
	       !strcmp(got.comment, "me@laptop") &&
	       !strcmp(got.fingerprint, info.fingerprint) &&
	       out.len == pem.len && !memcmp(out.buf, pem.buf, pem.len),
	       "OpenSSH-format Ed25519 converts to the same PKCS#8 key, comment kept");
	pem_public_line(&pem, NULL, &a);
	pem_public_line(&out, NULL, &b);
	report(a.len > 0 && !strcmp(a.buf, b.buf),
	       "converted key has the original public line");
	make_openssh_ed25519(&pem, "aes256-ctr", "me@laptop", &t);
	expect_error("passphrase-protected OpenSSH Ed25519", t.buf, t.len,
		     "secret", PEM_CONVERT, PEM_ERR_OPENSSH_ENCRYPTED_ED25519);
	/* a flipped byte in the secret half no longer matches the public key */
	{
		struct sbuf body = SBUF_INIT;
		size_t n = nlines(ossh.buf);

		sbuf_reset(&t);
		add(&t, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
		pem_body(ossh.buf, &body);
		body.buf[body.len - 40] ^= 1;	/* inside the 64-byte secret */
		{
			struct sbuf e = SBUF_INIT;

			b64enc(&e, (const unsigned char *)body.buf, body.len);
			add(&t, e.buf);
			sbuf_free(&e);
		}
		add(&t, "\n-----END OPENSSH PRIVATE KEY-----\n");
		expect_error("OpenSSH key whose halves disagree", t.buf, t.len, NULL,
			     PEM_CONVERT, PEM_ERR_CORRUPT);
		drop_line(ossh.buf, n - 2, &t);
		expect_error("OpenSSH key missing a line", t.buf, t.len, NULL,
			     PEM_CONVERT, PEM_ERR_CORRUPT);
		sbuf_free(&body);
	}
	sbuf_free(&pem);
	sbuf_free(&ossh);
	sbuf_free(&out);
	sbuf_free(&t);
	sbuf_free(&a);
	sbuf_free(&b);
}

static void test_strerror(void)
{
	int ok = 1;

	for (int e = PEM_ERR_INTERNAL; e >= PEM_ERR_BAD_ARG; e--)
		if (!strcmp(pem_strerror(e), "unknown error"))
			ok = 0;
	report(ok && !strcmp(pem_strerror(-999), "unknown error") &&
	       !strcmp(pem_strerror(PEM_ERR_CORRUPT), "the key is truncated or corrupted"),
	       "every error code has its own phrase");
}

int main(void)
{
	test_generate();
	test_generate_refusals();
	test_known_fingerprint();
	test_public_comment();
	test_repairs();
	test_mistakes();
	test_openssh();
	test_strerror();
	return unit_done();
}
