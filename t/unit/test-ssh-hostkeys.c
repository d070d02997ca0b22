/*
 * test-ssh-hostkeys.c - known_hosts lookups: plain, patterns, negation,
 * hashed (through a stand-in hasher), [host]:port before bare host,
 * changed and revoked keys, the built-in bitbucket.org keys (checked
 * against the fingerprints Atlassian publishes), and accept-new writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh/ssh-hostkeys.h"
#include "sshwire.h"
#include "unit.h"

/* Two made-up ed25519 blobs and one ecdsa-looking one (only the type name matters here). */
static const char ED_A[] = "AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO";
static const char ED_B[] = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
static const char EC_A[] = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPIQmuzMBuKdWeF4+a2sjSSpBK0iqitSQ+5BM9KhpexuGt20JpTVM7u5BDZngncgrqDMbWdxMWWOGtZ9UgbqgZE=";

static unsigned char blob_a[64], blob_b[64], blob_ec[128];
static size_t len_a, len_b, len_ec;

/* Stand-in for HMAC-SHA1: "|1|fake|NAME" matches NAME. */
static int fake_hash(void *ctx, const char *entry, size_t len, const char *name)
{
	(void)ctx;
	return len == 8 + strlen(name) && memcmp(entry, "|1|fake|", 8) == 0 &&
	       memcmp(entry + 8, name, len - 8) == 0;
}

static const struct kh_hasher hasher = { fake_hash, NULL };

/* base64 into out (sshwire.c's decoder; its own cases are in test-sshwire.c) */
static int b64dec(const char *s, size_t len, unsigned char *out, size_t cap, size_t *n)
{
	struct sbuf sb = SBUF_INIT;
	int r = sshwire_b64_decode(s, len, 1, &sb);

	if (r == 0 && sb.len > cap)
		r = -1;
	if (r == 0) {
		memcpy(out, sb.buf, sb.len);
		*n = sb.len;
	}
	sbuf_free(&sb);
	return r;
}

static enum kh_status scan(const char *text, const char *name, const unsigned char *blob,
			   size_t len, size_t *line)
{
	struct kh_scan s;

	kh_scan_text(text, strlen(text), name, ssh_keytype_from_blob(blob, len),
		     blob, len, &hasher, &s);
	if (line)
		*line = s.line;
	return s.status;
}

static void test_basics(void)
{
	char buf[128];

	report(b64dec(ED_A, strlen(ED_A), blob_a, sizeof(blob_a), &len_a) == 0 &&
	       len_a == 51 && ssh_keytype_from_blob(blob_a, len_a) == SSH_KT_ED25519,
	       "base64 decode of an ed25519 key blob, type from the blob");
	b64dec(ED_B, strlen(ED_B), blob_b, sizeof(blob_b), &len_b);
	report(b64dec(EC_A, strlen(EC_A), blob_ec, sizeof(blob_ec), &len_ec) == 0 &&
	       ssh_keytype_from_blob(blob_ec, len_ec) == SSH_KT_ECDSA256,
	       "ecdsa-sha2-nistp256 blob");
	report(ssh_keytype_from_name("ssh-rsa", 7) == SSH_KT_RSA &&
	       ssh_keytype_from_name("ssh-rs", 6) == SSH_KT_UNKNOWN &&
	       strcmp(ssh_keytype_label(SSH_KT_ECDSA384), "ECDSA") == 0 &&
	       ssh_keytype_from_blob((const unsigned char *)"\0\0\1\0x", 5) == SSH_KT_UNKNOWN,
	       "key type names, labels, and a blob with a lying length");
	report(kh_host_name("Bitbucket.ORG", 22, buf, sizeof(buf)) == 0 &&
	       strcmp(buf, "bitbucket.org") == 0 &&
	       kh_host_name("h", 0, buf, sizeof(buf)) == 0 && strcmp(buf, "h") == 0 &&
	       kh_host_name("127.0.0.1", 7999, buf, sizeof(buf)) == 0 &&
	       strcmp(buf, "[127.0.0.1]:7999") == 0 &&
	       kh_host_name("h", 7999, buf, 8) != 0,
	       "known_hosts names: bare for 22, [host]:port otherwise, lowercase");
}

static void test_scan(void)
{
	char text[2048];
	size_t line;

	snprintf(text, sizeof(text), "# comment\n\nh1 ssh-ed25519 %s\n", ED_A);
	report(scan(text, "h1", blob_a, len_a, &line) == KH_MATCH && line == 3, "plain match, line number");
	report(scan(text, "h2", blob_a, len_a, NULL) == KH_NOTFOUND, "other host: not found");
	report(scan(text, "h1", blob_b, len_b, NULL) == KH_MISMATCH, "same host and type, other key: mismatch");
	report(scan(text, "h1", blob_ec, len_ec, NULL) == KH_NOTFOUND,
	       "same host, other key type: not found (not a mismatch)");
	snprintf(text, sizeof(text), "h0,H1,h2 ssh-ed25519 %s comment here\r\n", ED_A);
	report(scan(text, "h1", blob_a, len_a, NULL) == KH_MATCH, "host lists, case-insensitive, CRLF, comments");
	snprintf(text, sizeof(text), "*.example.com ssh-ed25519 %s\n", ED_A);
	report(scan(text, "git.example.com", blob_a, len_a, NULL) == KH_MATCH &&
	       scan(text, "example.com", blob_a, len_a, NULL) == KH_NOTFOUND,
	       "wildcard patterns");
	snprintf(text, sizeof(text), "*.example.com,!bad.example.com ssh-ed25519 %s\n", ED_A);
	report(scan(text, "bad.example.com", blob_a, len_a, NULL) == KH_NOTFOUND &&
	       scan(text, "ok.example.com", blob_a, len_a, NULL) == KH_MATCH,
	       "negated patterns exclude");
	snprintf(text, sizeof(text), "[h?]:7999 ssh-ed25519 %s\n", ED_A);
	report(scan(text, "[h1]:7999", blob_a, len_a, NULL) == KH_MATCH &&
	       scan(text, "[h1]:799", blob_a, len_a, NULL) == KH_NOTFOUND,
	       "? and [host]:port patterns");
	snprintf(text, sizeof(text), "|1|fake|[h]:7999 ssh-ed25519 %s\n", ED_A);
	report(scan(text, "[h]:7999", blob_a, len_a, NULL) == KH_MATCH &&
	       scan(text, "h", blob_a, len_a, NULL) == KH_NOTFOUND,
	       "hashed names go through the hasher");
	snprintf(text, sizeof(text), "h ssh-ed25519 %s\nh ssh-ed25519 %s\n", ED_B, ED_A);
	report(scan(text, "h", blob_a, len_a, &line) == KH_MATCH && line == 2,
	       "a match anywhere beats an earlier mismatch");
	snprintf(text, sizeof(text), "h ssh-ed25519 %s\n@revoked * ssh-ed25519 %s\n", ED_A, ED_A);
	report(scan(text, "h", blob_a, len_a, &line) == KH_REVOKED && line == 2,
	       "@revoked beats a match");
	snprintf(text, sizeof(text), "@cert-authority h ssh-ed25519 %s\n", ED_A);
	report(scan(text, "h", blob_a, len_a, NULL) == KH_NOTFOUND, "@cert-authority lines are skipped");
	snprintf(text, sizeof(text),
		 "h\nh ssh-ed25519\nh ssh-ed25519 !!!\nh 2048 35 1234\nh ssh-foo %s\n"
		 "h ssh-ed25519 %s", ED_A, ED_A);
	report(scan(text, "h", blob_a, len_a, &line) == KH_MATCH && line == 6,
	       "broken lines are skipped; a last line without newline counts");
	{
		struct kh_scan s;

		snprintf(text, sizeof(text), "h ssh-ed25519 %s\nh ecdsa-sha2-nistp256 %s\n", ED_A, EC_A);
		kh_scan_text(text, strlen(text), "h", SSH_KT_UNKNOWN, NULL, 0, NULL, &s);
		report(s.types == (1u << SSH_KT_ED25519 | 1u << SSH_KT_ECDSA256) &&
		       s.status == KH_NOTFOUND, "types known for a host");
	}
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_verify(const char *dir)
{
	char path[512], text[2048];
	const char *files[1] = { path };
	struct kh_store st = KH_STORE_INIT;
	struct kh_verdict v;

	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	/* the bare-host entry holds the key the server sends; [h]:7999 holds another */
	snprintf(text, sizeof(text), "h ssh-ed25519 %s\n[h]:7999 ssh-ed25519 %s\n", ED_A, ED_B);
	write_file(path, text);
	report(kh_store_load(&st, files, 1) == KH_OK && st.n == 2, "store: built-in + one file");
	kh_verify(&st, "h", 7999, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_CHANGED && v.source == 1 && v.line == 2,
	       "a bare-host match does not mask a mismatching [host]:port entry");
	kh_verify(&st, "h", 22, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK && v.line == 1, "port 22 uses the bare name");
	kh_verify(&st, "H", 7998, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK, "no [host]:port entry: the same key under the bare name is trusted");
	kh_verify(&st, "h", 7998, SSH_KT_ED25519, blob_b, len_b, &hasher, &v);
	report(v.status == KH_V_UNKNOWN,
	       "no [host]:port entry and another key under the bare name: unknown, not changed");
	kh_verify(&st, "other", 7999, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_UNKNOWN && v.source == -1, "unknown host");
	kh_verify(&st, "h", 7999, SSH_KT_ECDSA256, blob_ec, len_ec, &hasher, &v);
	report(v.status == KH_V_OTHER_TYPE, "a host known only with other key types");
	report(kh_known_types(&st, "h", 7999, &hasher) == 1u << SSH_KT_ED25519 &&
	       kh_known_types(&st, "h", 7998, &hasher) == 1u << SSH_KT_ED25519 &&
	       kh_known_types(&st, "bitbucket.org", 22, &hasher) ==
	       (1u << SSH_KT_ED25519 | 1u << SSH_KT_ECDSA256 | 1u << SSH_KT_RSA) &&
	       kh_known_types(&st, "nowhere", 22, &hasher) == 0,
	       "known types per host, falling back to the bare name, built-in for bitbucket.org");
	kh_verify(&st, "bitbucket.org", 22, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK && v.source == 0, "bitbucket.org's ed25519 key is built in");
	kh_verify(&st, "bitbucket.org", 22, SSH_KT_ECDSA256, blob_ec, len_ec, &hasher, &v);
	report(v.status == KH_V_OK && v.source == 0, "bitbucket.org's ecdsa key is built in");
	kh_verify(&st, "bitbucket.org", 22, SSH_KT_ED25519, blob_b, len_b, &hasher, &v);
	report(v.status == KH_V_CHANGED && v.source == 0,
	       "another ed25519 key for bitbucket.org is a changed key");
	kh_verify(&st, "bitbucket.org", 7999, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK, "the built-in keys hold for the bare name only, like any entry");
	kh_store_free(&st);

	/* an old bitbucket.org key in the user's file does not block the current one */
	snprintf(text, sizeof(text), "bitbucket.org ssh-ed25519 %s\n", ED_B);
	write_file(path, text);
	kh_store_load(&st, files, 1);
	kh_verify(&st, "bitbucket.org", 22, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK, "a stale bitbucket.org entry does not override the built-in key");
	kh_store_free(&st);

	snprintf(path, sizeof(path), "%s/missing/known_hosts", dir);
	report(kh_store_load(&st, files, 1) == KH_OK && st.n == 2 && st.text[1] == NULL,
	       "a missing file is no error");
	kh_store_free(&st);
	snprintf(path, sizeof(path), "%s", dir);
	report(kh_store_load(&st, files, 1) == KH_ERR_READ, "a directory is an error");
	kh_store_free(&st);
}

static void test_append(const char *dir)
{
	char path[512], text[2048], expect[2048];
	const char *files[1] = { path };
	struct kh_store st = KH_STORE_INIT;
	struct kh_verdict v;
	struct stat sb;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/newdir/known_hosts", dir);
	report(kh_append(path, "127.0.0.1", 2222, SSH_KT_ED25519, blob_a, len_a) == KH_OK &&
	       stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	       "accept-new creates the directory and a 0600 file");
	f = fopen(path, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	snprintf(expect, sizeof(expect), "[127.0.0.1]:2222 ssh-ed25519 %s\n", ED_A);
	report(strcmp(text, expect) == 0, "the appended line is [host]:port type base64");
	kh_store_load(&st, files, 1);
	kh_verify(&st, "127.0.0.1", 2222, SSH_KT_ED25519, blob_a, len_a, &hasher, &v);
	report(v.status == KH_V_OK, "and is found again");
	kh_store_free(&st);

	snprintf(path, sizeof(path), "%s/nonl", dir);
	write_file(path, "x ssh-ed25519 AAAA");
	kh_append(path, "h", 22, SSH_KT_ED25519, blob_a, len_a);
	f = fopen(path, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	snprintf(expect, sizeof(expect), "x ssh-ed25519 AAAA\nh ssh-ed25519 %s\n", ED_A);
	report(strcmp(text, expect) == 0, "appending to a file without a final newline starts a new line");
}

/* The published fingerprints (BITBUCKET-RULES.md section 3) of the built-in keys. */
static void test_builtin_fingerprints(void)
{
	static const char *const want[] = {
		"SHA256:FC73VB6C4OQLSCrjEayhMp9UMxS97caD/Yyi2bhW/J0",
		"SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM",
		"SHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E",
	};
	size_t len, i = 0;
	const char *text = kh_builtin_text(&len), *p = text;
	int ok = 1;

	while (p < text + len && i < 3) {
		const char *eol = strchr(p, '\n');
		const char *key = eol ? memrchr(p, ' ', (size_t)(eol - p)) : NULL;
		unsigned char blob[1024];
		char fp[SSHWIRE_FP_LEN];
		size_t bl;

		ok = ok && eol != NULL && key != NULL && key < eol &&
		     b64dec(key + 1, (size_t)(eol - key - 1), blob, sizeof(blob), &bl) == 0 &&
		     sshwire_fingerprint(blob, bl, fp) == 0 && strcmp(fp, want[i]) == 0;
		i++;
		p = eol ? eol + 1 : text + len;
	}
	report(ok && i == 3 && p == text + len,
	       "the built-in keys have the fingerprints Atlassian publishes");
}

int main(void)
{
	char dir[] = "/tmp/test-ssh-hostkeys.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_basics();
	test_scan();
	test_verify(dir);
	test_append(dir);
	test_builtin_fingerprints();
	{
		static const char *const made[] = { "known_hosts", "newdir/known_hosts", "newdir", "nonl" };
		char p[600];

		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, made[i]);
			if (remove(p) != 0)
				printf("# could not remove %s\n", p);
		}
		if (rmdir(dir) != 0)
			printf("# could not remove %s\n", dir);
	}
	return unit_done();
}
