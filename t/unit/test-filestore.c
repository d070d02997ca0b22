/*
 * test-filestore.c - keystore/filestore*: the encrypted file store.
 *
 * Real files in a temporary directory, real flock() between forked
 * processes, the real kernel keyring (skipped, with the reason, when the
 * kernel refuses keyctl).  Stores are made with cheap scrypt parameters
 * (N = 2^10) so that sweeps over every byte stay fast under valgrind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <keyutils.h>

#include "filestore.h"
#include "filestore-int.h"
#include "unit.h"

static const struct fs_kdf cheap = { 10, 8, 1 };
static char tmpdir[512];
static int nstore;

#define TOKEN "ATATT3xFfGF0-not-a-real-token-7f3a9c"
#define PASS "correct horse battery staple"

/* ---- helpers ---- */

static void pass_set(struct sbuf *sb, const char *s)
{
	sbuf_reset(sb);
	if (sbuf_addstr(sb, s) != 0)
		abort();
}

/* A new store path in tmpdir (its own directory). */
static void new_path(char *buf, size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/s%d", tmpdir, ++nstore);
	if (snprintf(buf, len, "%s/%s", dir, FS_FILE_NAME) >= (int)len)
		abort();
}

static struct filestore *make_store(const char *path)
{
	struct sbuf pw = SBUF_INIT;
	struct filestore *fs = NULL;
	int r;

	pass_set(&pw, PASS);
	r = fs_create(path, &pw, &cheap, &fs);
	sbuf_free(&pw);
	if (r != FS_OK) {
		fprintf(stderr, "fs_create: %s\n", fs_strerror(r));
		abort();
	}
	return fs;
}

/* Open and unlock with PASS: the first error, or FS_OK with *out. */
static int open_unlock(const char *path, const char *pass, struct filestore **out)
{
	struct sbuf pw = SBUF_INIT;
	struct filestore *fs = NULL;
	int r;

	*out = NULL;
	if ((r = fs_open(path, &fs)) != FS_OK)
		return r;
	pass_set(&pw, pass);
	r = fs_unlock(fs, &pw);
	sbuf_free(&pw);
	if (r != FS_OK) {
		fs_close(fs);
		return r;
	}
	*out = fs;
	return FS_OK;
}

static void token_item(struct ks_item *it, const char *host, const char *scope,
		       const char *user)
{
	memset(it, 0, sizeof(*it));
	snprintf(it->kind, sizeof(it->kind), "%s", KS_KIND_API_TOKEN);
	snprintf(it->protocol, sizeof(it->protocol), "https");
	snprintf(it->host, sizeof(it->host), "%s", host);
	snprintf(it->scope, sizeof(it->scope), "%s", scope);
	snprintf(it->username, sizeof(it->username), "%s", user);
}

static int store(struct filestore *fs, struct ks_item *it, const char *label,
		 const char *secret)
{
	struct sbuf s = SBUF_INIT;
	int r;

	pass_set(&s, secret);
	r = fs_store(fs, it, label, &s);
	sbuf_free(&s);
	return r;
}

static size_t count(struct filestore *fs, const struct ks_item *pat,
		    unsigned flags)
{
	struct fs_list *l = NULL;
	size_t n;

	if (fs_search(fs, pat, flags, &l) != FS_OK)
		return (size_t)-1;
	n = fs_list_len(l);
	fs_list_free(l);
	return n;
}

static int secret_is(struct filestore *fs, const struct ks_item *it,
		     const char *want)
{
	struct sbuf s = SBUF_INIT;
	int ok = fs_get_secret(fs, it, &s) == FS_OK && strcmp(s.buf, want) == 0;

	sbuf_free(&s);
	return ok;
}

static size_t read_bytes(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void write_bytes(const char *path, const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

static int contains(const unsigned char *buf, size_t len, const char *s)
{
	size_t sl = strlen(s);

	for (size_t i = 0; i + sl <= len; i++)
		if (memcmp(buf + i, s, sl) == 0)
			return 1;
	return 0;
}

static char *dirname_of(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	if ((slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
	return buf;
}

/* ---- round trip and items ---- */

static void test_round_trip(void)
{
	char path[PATH_MAX], label[64];
	struct filestore *fs, *fs2;
	struct ks_item it, key, got, pat = KS_ITEM_INIT;
	struct fs_list *l = NULL;
	struct stat st;
	int ok;

	new_path(path, sizeof(path));
	fs = make_store(path);
	ok = stat(path, &st) == 0 && (st.st_mode & 07777) == 0600;
	report(ok, "a new store file has mode 0600");
	{
		char dir[PATH_MAX];

		ok = stat(dirname_of(path, dir, sizeof(dir)), &st) == 0 &&
		     (st.st_mode & 07777) == 0700;
	}
	report(ok, "its directory is made with mode 0700");
	report(count(fs, &pat, 0) == 0, "a new store is empty");

	token_item(&it, "bitbucket.org", "acme", "alice");
	it.last_used = 1700000001;
	ok = store(fs, &it, "Bitbucket token for alice", TOKEN) == FS_OK &&
	     strncmp(it.id, "file:", 5) == 0 && strlen(it.id) == 37 &&
	     it.created > 0;
	report(ok, "store sets the id (file: and 32 hex digits) and created");

	memset(&key, 0, sizeof(key));
	snprintf(key.kind, sizeof(key.kind), KS_KIND_SSH_KEY);
	snprintf(key.protocol, sizeof(key.protocol), "ssh");
	snprintf(key.host, sizeof(key.host), "bitbucket.org");
	snprintf(key.name, sizeof(key.name), "work");
	snprintf(key.repos, sizeof(key.repos), "^acme/");
	key.read_only = 1;
	key.port = 7999;
	key.created = 1600000000;
	ok = store(fs, &key, "key work", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") == FS_OK &&
	     key.created == 1600000000;
	report(ok, "store keeps a given created time");
	fs_close(fs);

	ok = open_unlock(path, PASS, &fs2) == FS_OK;
	report(ok, "the store opens again with its passphrase");
	if (!ok)
		return;
	ok = fs_search(fs2, &pat, 0, &l) == FS_OK && fs_list_len(l) == 2 &&
	     fs_list_get(l, 0, &got) == FS_OK &&
	     strcmp(got.id, it.id) == 0 && strcmp(got.kind, KS_KIND_API_TOKEN) == 0 &&
	     strcmp(got.protocol, "https") == 0 && strcmp(got.host, "bitbucket.org") == 0 &&
	     strcmp(got.scope, "acme") == 0 && strcmp(got.username, "alice") == 0 &&
	     got.last_used == 1700000001 && got.created == it.created &&
	     got.port == 0 && got.read_only == 0 &&
	     fs_list_get(l, 1, &got) == FS_OK && strcmp(got.name, "work") == 0 &&
	     got.port == 7999 && got.read_only == 1 && strcmp(got.repos, "^acme/") == 0 &&
	     strcmp(fs_list_id(l, 1), key.id) == 0 && fs_list_id(l, 2) == NULL &&
	     fs_list_get(l, 2, &got) == FS_ERR_NOT_FOUND;
	fs_list_free(l);
	report(ok, "every attribute comes back, in the order stored");
	report(secret_is(fs2, &it, TOKEN), "the token's secret comes back");
	ok = fs_get_label(fs2, &key, label, sizeof(label)) == FS_OK &&
	     strcmp(label, "key work") == 0;
	report(ok, "the label comes back");
	ok = fs_item_load(fs2, key.id, &got) == FS_OK && strcmp(got.name, "work") == 0 &&
	     fs_item_load(fs2, "file:00000000000000000000000000000000", &got) == FS_ERR_NOT_FOUND;
	report(ok, "an item loads by id; an unknown id is FS_ERR_NOT_FOUND");
	fs_close(fs2);
}

static void test_search_and_replace(void)
{
	char path[PATH_MAX];
	struct filestore *fs;
	struct ks_item a, b, c, d, k1, k2, pat;
	int ok;

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&a, "bitbucket.org", "", "alice");
	token_item(&b, "bitbucket.org", "acme", "alice");
	token_item(&c, "bitbucket.org", "acme/widget", "bob");
	token_item(&d, "git.example.com", "", "alice");
	d.port = 8443;
	ok = store(fs, &a, "a", "sa") == FS_OK && store(fs, &b, "b", "sb") == FS_OK &&
	     store(fs, &c, "c", "sc") == FS_OK && store(fs, &d, "d", "sd") == FS_OK;
	report(ok, "four tokens stored");

	token_item(&pat, "bitbucket.org", "", "");
	pat.kind[0] = '\0';
	report(count(fs, &pat, 0) == 3, "an empty scope does not filter");
	report(count(fs, &pat, KS_MATCH_SCOPE) == 1,
	       "KS_MATCH_SCOPE with an empty scope finds the host-level item only");
	snprintf(pat.username, sizeof(pat.username), "bob");
	report(count(fs, &pat, 0) == 1, "username filters");
	token_item(&pat, "git.example.com", "", "");
	report(count(fs, &pat, KS_MATCH_PORT) == 0 && (pat.port = 8443, count(fs, &pat, KS_MATCH_PORT) == 1) &&
	       (pat.port = 0, count(fs, &pat, 0) == 1),
	       "KS_MATCH_PORT requires the port, without it any port matches");

	/* the same class (protocol, host, port, scope, username) replaces */
	token_item(&b, "bitbucket.org", "acme", "alice");
	snprintf(b.kind, sizeof(b.kind), KS_KIND_APP_PASSWORD);
	ok = store(fs, &b, "b2", "sb2") == FS_OK;
	token_item(&pat, "bitbucket.org", "acme", "alice");
	pat.kind[0] = '\0';
	ok = ok && count(fs, &pat, KS_MATCH_SCOPE) == 1 && secret_is(fs, &b, "sb2");
	memset(&pat, 0, sizeof(pat));
	ok = ok && count(fs, &pat, 0) == 4;
	report(ok, "a token for the same place and username replaces the old one, whatever its kind");

	memset(&k1, 0, sizeof(k1));
	snprintf(k1.kind, sizeof(k1.kind), KS_KIND_SSH_KEY);
	snprintf(k1.protocol, sizeof(k1.protocol), "ssh");
	snprintf(k1.host, sizeof(k1.host), "bitbucket.org");
	snprintf(k1.name, sizeof(k1.name), "deploy");
	k2 = k1;
	snprintf(k2.scope, sizeof(k2.scope), "acme/widget");
	ok = store(fs, &k1, "k1", "pem1") == FS_OK && store(fs, &k2, "k2", "pem2") == FS_OK;
	memset(&pat, 0, sizeof(pat));
	snprintf(pat.kind, sizeof(pat.kind), KS_KIND_SSH_KEY);
	ok = ok && count(fs, &pat, 0) == 1 && secret_is(fs, &k2, "pem2") &&
	     fs_get_secret(fs, &k1, &(struct sbuf)SBUF_INIT) == FS_ERR_NOT_FOUND;
	report(ok, "a key replaces the key of the same name at any scope");

	token_item(&pat, "bitbucket.org", "x", "");
	ok = store(fs, &pat, "no user", "s") == FS_ERR_BAD_ARG;
	report(ok, "a token without a username is refused (FS_ERR_BAD_ARG)");

	/* update keeps the secret, delete removes */
	c.last_used = 1234;
	snprintf(c.repos, sizeof(c.repos), "^acme/widget$");
	ok = fs_update(fs, &c, "c renamed") == FS_OK;
	{
		struct ks_item got;
		char label[32];

		ok = ok && fs_item_load(fs, c.id, &got) == FS_OK && got.last_used == 1234 &&
		     strcmp(got.repos, "^acme/widget$") == 0 && secret_is(fs, &c, "sc") &&
		     fs_get_label(fs, &c, label, sizeof(label)) == FS_OK &&
		     strcmp(label, "c renamed") == 0 &&
		     fs_update(fs, &c, NULL) == FS_OK &&
		     fs_get_label(fs, &c, label, sizeof(label)) == FS_OK &&
		     strcmp(label, "c renamed") == 0;
	}
	report(ok, "update rewrites the attributes and label, keeps the secret; a NULL label is kept");
	ok = fs_delete(fs, &c) == FS_OK && fs_delete(fs, &c) == FS_ERR_NOT_FOUND &&
	     fs_update(fs, &c, NULL) == FS_ERR_NOT_FOUND;
	memset(&pat, 0, sizeof(pat));
	ok = ok && count(fs, &pat, 0) == 4;
	report(ok, "delete removes the item; again it is FS_ERR_NOT_FOUND");
	fs_close(fs);
}

/* ---- refusals ---- */

static void test_create_refusals(void)
{
	char path[PATH_MAX];
	struct sbuf pw = SBUF_INIT;
	struct filestore *fs = NULL;
	struct fs_kdf weak = { 9, 8, 1 }, huge = { 24, 32, 1 }, r0 = { 14, 0, 1 };

	new_path(path, sizeof(path));
	pass_set(&pw, "");
	report(fs_create(path, &pw, &cheap, &fs) == FS_ERR_EMPTY_PASSPHRASE && fs == NULL,
	       "create refuses an empty passphrase (FS_ERR_EMPTY_PASSPHRASE)");
	pass_set(&pw, PASS);
	report(fs_create(path, &pw, &weak, &fs) == FS_ERR_KDF_PARAMS &&
	       fs_create(path, &pw, &huge, &fs) == FS_ERR_KDF_PARAMS &&
	       fs_create(path, &pw, &r0, &fs) == FS_ERR_KDF_PARAMS,
	       "create refuses scrypt parameters out of bounds (FS_ERR_KDF_PARAMS)");
	fs_close(make_store(path));
	report(fs_create(path, &pw, &cheap, &fs) == FS_ERR_EXISTS && fs == NULL,
	       "create refuses an existing store (FS_ERR_EXISTS)");
	sbuf_free(&pw);
	new_path(path, sizeof(path));
	report(fs_open(path, &fs) == FS_ERR_NO_STORE && fs == NULL,
	       "open of a missing store is FS_ERR_NO_STORE");
}

static void test_wrong_passphrase(void)
{
	char path[PATH_MAX];
	struct filestore *fs, *fs2 = NULL;
	struct ks_item pat = KS_ITEM_INIT;
	struct sbuf pw = SBUF_INIT;
	int ok;

	new_path(path, sizeof(path));
	fs_close(make_store(path));
	report(open_unlock(path, "correct horse battery stapl", &fs2) == FS_ERR_AUTH && fs2 == NULL,
	       "a wrong passphrase is FS_ERR_AUTH");
	ok = fs_open(path, &fs) == FS_OK && !fs_is_unlocked(fs) &&
	     count(fs, &pat, 0) == (size_t)-1;
	{
		struct fs_list *l = NULL;

		ok = ok && fs_search(fs, &pat, 0, &l) == FS_ERR_LOCKED && l == NULL;
	}
	pass_set(&pw, "wrong");
	ok = ok && fs_unlock(fs, &pw) == FS_ERR_AUTH && !fs_is_unlocked(fs);
	pass_set(&pw, PASS);
	ok = ok && fs_unlock(fs, &pw) == FS_OK && fs_is_unlocked(fs);
	fs_forget(fs);
	ok = ok && !fs_is_unlocked(fs) && store(fs, &pat, "x", "y") != FS_OK;
	report(ok, "a handle stays locked (FS_ERR_LOCKED) until the right passphrase");
	sbuf_free(&pw);
	fs_close(fs);
}

/* The code a store with one flipped byte must give (the spec's table). */
static int expect_flip(size_t off, unsigned char was, unsigned char now,
		       size_t ct_len, size_t len)
{
	(void)was;
	if (off < FSC_OFF_VERSION)
		return FS_ERR_FORMAT;
	if (off < FSC_OFF_KDF) {
		unsigned v = off == FSC_OFF_VERSION ? (unsigned)now << 8 | FSC_VERSION :
						      now;
		return v == 0 ? FS_ERR_FORMAT : v > FSC_VERSION ? FS_ERR_NEWER :
								  FS_ERR_AUTH;
	}
	if (off == FSC_OFF_KDF || off == FSC_OFF_CIPHER)
		return FS_ERR_FORMAT;
	if (off < FSC_OFF_SALT) {
		struct fs_kdf k = cheap;
		unsigned char b[4];
		uint32_t v;

		if (off == FSC_OFF_LOG2N) {
			k.log2_n = now;
		} else {
			size_t base = off < FSC_OFF_P ? FSC_OFF_R : FSC_OFF_P;

			v = off < FSC_OFF_P ? cheap.r : cheap.p;
			for (int i = 0; i < 4; i++)
				b[i] = (unsigned char)(v >> (24 - 8 * i));
			b[off - base] = now;
			v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			    (uint32_t)b[2] << 8 | b[3];
			if (off < FSC_OFF_P)
				k.r = v > 32 ? 33 : v;
			else
				k.p = v > 16 ? 17 : v;
		}
		return fsc_kdf_check(&k) == FS_OK ? FS_ERR_AUTH : FS_ERR_KDF_PARAMS;
	}
	if (off >= FSC_OFF_CTLEN && off < FSC_HEADER_LEN) {
		unsigned char b[4];
		size_t v;

		for (int i = 0; i < 4; i++)
			b[i] = (unsigned char)(ct_len >> (24 - 8 * i));
		b[off - FSC_OFF_CTLEN] = now;
		v = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
		if (v > FS_MAX_PLAINTEXT)
			return FS_ERR_FORMAT;
		return FSC_HEADER_LEN + v + FSC_TAG_LEN > len ? FS_ERR_TRUNCATED :
							    FS_ERR_FORMAT;
	}
	return FS_ERR_AUTH;	/* salt, nonce, ciphertext, tag */
}

static void test_corruption(void)
{
	char path[PATH_MAX], what[160];
	unsigned char orig[4096], now[4096];
	struct filestore *fs, *fs2;
	struct ks_item it;
	size_t len, ct_len, bad = 0, tried = 0, unchanged = 1;
	static const unsigned char masks[] = { 0x01, 0x80 };

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&it, "bitbucket.org", "acme", "alice");
	store(fs, &it, "label", TOKEN);
	fs_close(fs);
	len = read_bytes(path, orig, sizeof(orig));
	ct_len = len - FSC_HEADER_LEN - FSC_TAG_LEN;
	for (size_t m = 0; m < sizeof(masks); m++) {
		for (size_t off = 0; off < len; off++) {
			int want, got;

			/* the second mask over the header only: its fields differ by bit */
			if (m == 1 && off >= FSC_HEADER_LEN)
				break;
			memcpy(now, orig, len);
			now[off] ^= masks[m];
			write_bytes(path, now, len);
			want = expect_flip(off, orig[off], now[off], ct_len, len);
			got = open_unlock(path, PASS, &fs2);
			if (got == FS_OK)
				fs_close(fs2);
			tried++;
			if (got != want) {
				if (bad++ < 5)
					fprintf(stderr, "# byte %zu ^%02x: want %d (%s), got %d (%s)\n",
						off, masks[m], want, fs_strerror(want),
						got, fs_strerror(got));
			}
			if (read_bytes(path, orig + 2048, 2048) != len ||
			    memcmp(orig + 2048, now, len) != 0)
				unchanged = 0;
		}
	}
	snprintf(what, sizeof(what),
		 "every flipped byte (%zu tries over %zu bytes) gives the spec's error: "
		 "FS_ERR_AUTH for salt, nonce, ciphertext, tag", tried, len);
	report(bad == 0 && tried > len, what);
	report(unchanged, "a corrupted file is never rewritten by a failed open");

	/* each part by name, exactly */
	{
		static const struct {
			size_t off;
			int want;
			const char *name;
		} parts[] = {
			{ 0, FS_ERR_FORMAT, "magic" },
			{ FSC_OFF_KDF, FS_ERR_FORMAT, "KDF id" },
			{ FSC_OFF_SALT + 7, FS_ERR_AUTH, "salt" },
			{ FSC_OFF_CIPHER, FS_ERR_FORMAT, "cipher id" },
			{ FSC_OFF_NONCE + 3, FS_ERR_AUTH, "nonce" },
			{ FSC_HEADER_LEN + 5, FS_ERR_AUTH, "ciphertext" },
			{ (size_t)-FSC_TAG_LEN, FS_ERR_AUTH, "tag (first byte)" },
			{ (size_t)-1, FS_ERR_AUTH, "tag (last byte)" },
		};

		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			size_t off = parts[i].off > len ? len + parts[i].off : parts[i].off;
			int got;

			memcpy(now, orig, len);
			now[off] ^= 0x40;
			write_bytes(path, now, len);
			got = open_unlock(path, PASS, &fs2);
			if (got == FS_OK)
				fs_close(fs2);
			snprintf(what, sizeof(what), "a changed byte in the %s is %s",
				 parts[i].name, parts[i].want == FS_ERR_AUTH ?
				 "FS_ERR_AUTH" : "FS_ERR_FORMAT");
			report(got == parts[i].want, what);
		}
	}
	write_bytes(path, orig, len);
	report(open_unlock(path, PASS, &fs2) == FS_OK, "the original bytes open again");
	fs_close(fs2);
}

static void test_truncated(void)
{
	char path[PATH_MAX];
	unsigned char orig[4096];
	struct filestore *fs;
	struct ks_item it;
	size_t len, bad = 0;
	int got;

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&it, "bitbucket.org", "", "alice");
	store(fs, &it, "label", TOKEN);
	fs_close(fs);
	len = read_bytes(path, orig, sizeof(orig));
	for (size_t cut = 0; cut < len; cut++) {
		write_bytes(path, orig, cut);
		if ((got = open_unlock(path, PASS, &fs)) == FS_OK)
			fs_close(fs);
		if (got != FS_ERR_TRUNCATED && bad++ < 3)
			fprintf(stderr, "# cut at %zu: %s\n", cut, fs_strerror(got));
	}
	report(bad == 0, "a file cut at any length (0 .. size-1) is FS_ERR_TRUNCATED");
	orig[len] = 0;
	write_bytes(path, orig, len + 1);
	got = open_unlock(path, PASS, &fs);
	report(got == FS_ERR_FORMAT, "a byte after the tag is FS_ERR_FORMAT");
}

static void test_newer_version(void)
{
	char path[PATH_MAX];
	unsigned char orig[4096], after[4096];
	struct filestore *fs, *fs2 = NULL;
	struct ks_item it;
	size_t len;
	int ok;

	new_path(path, sizeof(path));
	fs = make_store(path);
	len = read_bytes(path, orig, sizeof(orig));
	orig[FSC_OFF_VERSION + 1] = FSC_VERSION + 1;
	/* a newer header may be longer or shorter: only magic+version count */
	write_bytes(path, orig, FSC_OFF_VERSION + 2);
	report(fs_open(path, &fs2) == FS_ERR_NEWER && fs2 == NULL,
	       "a store of the next version is FS_ERR_NEWER, whatever follows its version");
	write_bytes(path, orig, len);
	token_item(&it, "bitbucket.org", "", "alice");
	ok = store(fs, &it, "label", TOKEN) == FS_ERR_NEWER &&
	     fs_delete(fs, &it) == FS_ERR_NEWER && fs_update(fs, &it, NULL) == FS_ERR_NEWER;
	ok = ok && read_bytes(path, after, sizeof(after)) == len &&
	     memcmp(after, orig, len) == 0;
	report(ok, "an open handle's store, update and delete on a newer file are FS_ERR_NEWER and leave it byte for byte");
	fs_close(fs);
}

static void test_permissions(void)
{
	char path[PATH_MAX], dir[1024], link[PATH_MAX];
	struct filestore *fs = NULL;
	int ok;

	new_path(path, sizeof(path));
	fs_close(make_store(path));
	chmod(path, 0644);
	report(fs_open(path, &fs) == FS_ERR_PERMS && fs == NULL,
	       "a world-readable store (0644) is FS_ERR_PERMS");
	chmod(path, 0640);
	report(fs_open(path, &fs) == FS_ERR_PERMS, "a group-readable store (0640) is FS_ERR_PERMS");
	chmod(path, 0602);
	report(fs_open(path, &fs) == FS_ERR_PERMS, "a world-writable store (0602) is FS_ERR_PERMS");
	chmod(path, 0600);
	ok = fs_open(path, &fs) == FS_OK;
	fs_close(fs);
	report(ok, "mode 0600 opens");

	dirname_of(path, dir, sizeof(dir));
	chmod(dir, 0770);
	report(fs_open(path, &fs) == FS_ERR_DIR_PERMS, "a group-writable directory is FS_ERR_DIR_PERMS");
	chmod(dir, 0700);

	snprintf(link, sizeof(link), "%s/link.enc", dir);
	ok = symlink(path, link) == 0 && fs_open(link, &fs) == FS_ERR_NOT_REGULAR;
	report(ok, "a symlink is FS_ERR_NOT_REGULAR (never followed)");
	unlink(link);
	ok = mkfifo(link, 0600) == 0 && fs_open(link, &fs) == FS_ERR_NOT_REGULAR;
	report(ok, "a FIFO is FS_ERR_NOT_REGULAR, and opening it does not hang");
	unlink(link);

	if (geteuid() == 0) {
		ok = chown(path, 65534, 65534) == 0 && fs_open(path, &fs) == FS_ERR_OWNER;
		report(ok, "a store owned by another user is FS_ERR_OWNER");
		if (chown(path, 0, 0) != 0)
			abort();
	} else {
		report(1, "a store owned by another user is FS_ERR_OWNER # SKIP needs root to chown");
	}
}

static void test_no_plaintext(void)
{
	char path[PATH_MAX], dir[PATH_MAX];
	unsigned char buf[8192];
	struct filestore *fs;
	struct ks_item it;
	size_t len;
	DIR *d;
	struct dirent *de;
	int others = 0;

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&it, "git.secret-host.example", "hidden-workspace", "carol-user");
	store(fs, &it, "label-text-here", TOKEN);
	token_item(&it, "git.secret-host.example", "hidden-workspace", "carol-user");
	it.last_used = 5;
	store(fs, &it, "label-text-here", TOKEN);
	fs_close(fs);
	len = read_bytes(path, buf, sizeof(buf));
	report(len > 0 && !contains(buf, len, TOKEN) && !contains(buf, len, "ATATT"),
	       "the token is nowhere in the store file");
	report(!contains(buf, len, "secret-host") && !contains(buf, len, "carol") &&
	       !contains(buf, len, "hidden-workspace") && !contains(buf, len, "label-text") &&
	       !contains(buf, len, "api-token"),
	       "nor are host, scope, username, label or kind: attributes are encrypted too");
	d = opendir(dirname_of(path, dir, sizeof(dir)));
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, FS_FILE_NAME) &&
		    strcmp(de->d_name, FS_FILE_NAME ".lock"))
			others++;
	if (d != NULL)
		closedir(d);
	report(d != NULL && others == 0, "no temporary file is left next to the store");
}

static void test_passwd(void)
{
	char path[PATH_MAX];
	unsigned char before[4096], after[4096];
	struct filestore *fs, *other, *fs2 = NULL;
	struct ks_item it, pat = KS_ITEM_INIT;
	struct sbuf pw = SBUF_INIT;
	struct fs_kdf stronger = { 11, 8, 2 }, got;
	int ok;

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&it, "bitbucket.org", "", "alice");
	store(fs, &it, "label", TOKEN);
	read_bytes(path, before, sizeof(before));
	open_unlock(path, PASS, &other);
	pass_set(&pw, "new passphrase");
	ok = fs_passwd(fs, &pw, &stronger) == FS_OK;
	read_bytes(path, after, sizeof(after));
	fs_kdf_get(fs, &got);
	ok = ok && memcmp(before + FSC_OFF_SALT, after + FSC_OFF_SALT, FSC_SALT_LEN) != 0 &&
	     after[FSC_OFF_LOG2N] == 11 && after[FSC_OFF_P + 3] == 2 &&
	     got.log2_n == 11 && got.p == 2;
	report(ok, "passwd re-encrypts with a new salt and the given scrypt parameters");
	report(open_unlock(path, PASS, &fs2) == FS_ERR_AUTH &&
	       open_unlock(path, "new passphrase", &fs2) == FS_OK && secret_is(fs2, &it, TOKEN),
	       "after passwd the old passphrase is FS_ERR_AUTH, the new one opens every item");
	fs_close(fs2);
	report(count(other, &pat, 0) == (size_t)-1 && !fs_is_unlocked(other),
	       "a handle unlocked before another process's passwd is locked again (FS_ERR_LOCKED)");
	fs_close(other);
	sbuf_free(&pw);
	fs_close(fs);
}

/* ---- concurrency ---- */

static void writers(int nproc)
{
	char path[PATH_MAX], what[128];
	struct filestore *fs;
	struct ks_item it, pat = KS_ITEM_INIT;
	const int per = 3;
	int failed = 0, missing = 0;

	new_path(path, sizeof(path));
	fs = make_store(path);
	for (int p = 0; p < nproc; p++) {
		pid_t pid = fork();

		if (pid < 0)
			abort();
		if (pid == 0) {
			int rc = 0, r;

			/* each child inherits the unlocked handle: no scrypt each */
			for (int i = 0; i < per; i++) {
				char user[32], secret[48];

				snprintf(user, sizeof(user), "user-%d-%d", p, i);
				snprintf(secret, sizeof(secret), "secret-%d-%d", p, i);
				token_item(&it, "bitbucket.org", "acme", user);
				if ((r = store(fs, &it, "w", secret)) != FS_OK) {
					fprintf(stderr, "# writer %d: %s\n", p, fs_strerror(r));
					rc = 1;
				}
			}
			fs_close(fs);
			_exit(rc);
		}
	}
	for (int p = 0; p < nproc; p++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	for (int p = 0; p < nproc; p++)
		for (int i = 0; i < per; i++) {
			struct fs_list *l = NULL;
			char user[32], secret[48];
			struct ks_item got;

			snprintf(user, sizeof(user), "user-%d-%d", p, i);
			snprintf(secret, sizeof(secret), "secret-%d-%d", p, i);
			token_item(&pat, "", "", user);
			pat.kind[0] = pat.protocol[0] = '\0';
			if (fs_search(fs, &pat, 0, &l) != FS_OK || fs_list_len(l) != 1 ||
			    fs_list_get(l, 0, &got) != FS_OK || !secret_is(fs, &got, secret))
				missing++;
			fs_list_free(l);
		}
	memset(&pat, 0, sizeof(pat));
	snprintf(what, sizeof(what),
		 "%d processes storing %d items each at once: all %d items are there",
		 nproc, per, nproc * per);
	report(failed == 0 && missing == 0 && count(fs, &pat, 0) == (size_t)(nproc * per), what);
	fs_close(fs);
}

/* ---- the kernel key cache ---- */

static int run_child(int (*fn)(const char *), const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		abort();
	if (pid == 0)
		_exit(fn(path));
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int child_save(const char *path)
{
	struct filestore *fs;
	int r;

	if (open_unlock(path, PASS, &fs) != FS_OK)
		return 10;
	r = fs_cache_save(fs, 5);
	fs_close(fs);
	return r == FS_OK ? 0 : 11;
}

static int child_load(const char *path)
{
	struct filestore *fs;
	struct ks_item pat = KS_ITEM_INIT;
	int r;

	if (fs_open(path, &fs) != FS_OK)
		return 20;
	r = fs_cache_load(fs);
	if (r == FS_OK && count(fs, &pat, 0) != 1)
		r = 21;
	fs_close(fs);
	return r == FS_OK ? 0 : r == FS_ERR_NOT_CACHED ? 22 : 23;
}

static int child_drop(const char *path)
{
	struct filestore *fs;
	int r;

	if (fs_open(path, &fs) != FS_OK)
		return 30;
	r = fs_cache_drop(fs);
	fs_close(fs);
	return r == FS_OK ? 0 : 31;
}

static void test_cache(void)
{
	char path[PATH_MAX], desc[200];
	unsigned char raw[4096], payload[64];
	struct filestore *fs = NULL, *fs2 = NULL;
	struct ks_item it;
	struct sbuf pw = SBUF_INIT;
	key_serial_t probe, k;
	long n;
	int ok, r;

	/* can this process use the kernel keyring at all? */
	probe = add_key("user", "git-credential-bitbucket:test-probe", "x", 1,
			KEY_SPEC_PROCESS_KEYRING);
	if (probe < 0) {
		char why[160];

		snprintf(why, sizeof(why), "the kernel key cache # SKIP add_key: %s",
			 strerror(errno));
		report(1, why);
		return;
	}
	keyctl_invalidate(probe);

	new_path(path, sizeof(path));
	fs = make_store(path);
	token_item(&it, "bitbucket.org", "", "alice");
	store(fs, &it, "label", TOKEN);
	fs_close(fs);

	/*
	 * Separate processes, as git runs them, before this process makes a
	 * session keyring of its own: where the session keyring is still the
	 * user-session keyring, the key must land there, not in a private one.
	 */
	ok = run_child(child_save, path) == 0 && run_child(child_load, path) == 0 &&
	     run_child(child_drop, path) == 0 && run_child(child_load, path) == 22;
	report(ok, "a key cached by one process opens the store in the next; dropped, it is FS_ERR_NOT_CACHED");

	/* the rest in a new session keyring of this process's own */
	if (keyctl_join_session_keyring(NULL) < 0) {
		report(0, "keyctl_join_session_keyring");
		return;
	}
	fs = NULL;
	ok = fs_open(path, &fs) == FS_OK && fs_cache_load(fs) == FS_ERR_NOT_CACHED &&
	     fs_cache_save(fs, 5) == FS_ERR_LOCKED;
	report(ok, "nothing cached: FS_ERR_NOT_CACHED; a locked handle has nothing to cache (FS_ERR_LOCKED)");
	if (!ok)
		goto out;
	pass_set(&pw, PASS);
	ok = fs_unlock(fs, &pw) == FS_OK && fs_cache_save(fs, 5) == FS_OK;
	fs_close(fs);
	fs = NULL;
	ok = ok && fs_open(path, &fs2) == FS_OK && fs_cache_load(fs2) == FS_OK &&
	     secret_is(fs2, &it, TOKEN);
	report(ok, "a cached key unlocks a new handle without the passphrase");
	if (!ok)
		goto out;

	/* what the kernel holds: 32 bytes, not the passphrase */
	read_bytes(path, raw, sizeof(raw));
	n = snprintf(desc, sizeof(desc), "git-credential-bitbucket:keystore:");
	for (int i = 0; i < FSC_SALT_LEN; i++)
		n += snprintf(desc + n, sizeof(desc) - (size_t)n, "%02x",
			      raw[FSC_OFF_SALT + i]);
	k = keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	n = k < 0 ? -1 : keyctl_read(k, (char *)payload, sizeof(payload));
	report(k >= 0 && n == FSC_KEY_LEN && !contains(payload, (size_t)n, "horse"),
	       "the cached payload is the 32-byte derived key, never the passphrase");
	wipe(payload, sizeof(payload));

	/* expiry */
	ok = fs_cache_save(fs2, 1) == FS_OK;
	fs_close(fs2);
	fs2 = NULL;
	sleep(3);
	ok = ok && fs_open(path, &fs2) == FS_OK && fs_cache_load(fs2) == FS_ERR_NOT_CACHED &&
	     !fs_is_unlocked(fs2);
	report(ok, "a key cached for 1 s is gone after 3 s (FS_ERR_NOT_CACHED)");
	if (!ok)
		goto out;

	ok = fs_unlock(fs2, &pw) == FS_OK && fs_cache_save(fs2, 5) == FS_OK &&
	     fs_cache_save(fs2, 0) == FS_OK && (fs_close(fs2), fs2 = NULL, fs_open(path, &fs2)) == FS_OK &&
	     fs_cache_load(fs2) == FS_ERR_NOT_CACHED;
	report(ok, "a timeout of 0 caches nothing and drops what was cached");
	if (!ok)
		goto out;

	/* passwd drops the old key; the new one is not cached by itself */
	r = fs_unlock(fs2, &pw);
	ok = r == FS_OK && fs_cache_save(fs2, 5) == FS_OK;
	pass_set(&pw, "another");
	ok = ok && fs_passwd(fs2, &pw, NULL) == FS_OK;
	ok = ok && keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0) < 0;
	fs_close(fs2);
	fs2 = NULL;
	ok = ok && fs_open(path, &fs2) == FS_OK && fs_cache_load(fs2) == FS_ERR_NOT_CACHED;
	report(ok, "passwd drops the cached key of the old passphrase");
out:
	fs_close(fs);
	fs_close(fs2);
	sbuf_free(&pw);
}

static void test_strerror(void)
{
	int ok = 1;

	for (int e = FS_OK; e >= FS_ERR_BAD_ARG; e--)
		if (fs_strerror(e) == NULL || fs_strerror(e)[0] == '\0' ||
		    (e != FS_ERR_INTERNAL && strcmp(fs_strerror(e), "internal error") == 0))
			ok = 0;
	ok = ok && strcmp(fs_strerror(-999), "internal error") == 0 &&
	     strcmp(fs_strerror(FS_ERR_PERMS), "the store file is accessible by other users") == 0 &&
	     strcmp(fs_strerror(FS_ERR_NEWER), "the store file was written by a newer version") == 0;
	report(ok, "every code has its own phrase; unknown codes are 'internal error'");
}

static void test_default_path(void)
{
	char buf[PATH_MAX];
	const char *home = getenv("HOME"), *xdg = getenv("XDG_DATA_HOME");
	char *save_home = home ? strdup(home) : NULL, *save_xdg = xdg ? strdup(xdg) : NULL;
	int ok;

	setenv("HOME", "/home/u", 1);
	setenv("XDG_DATA_HOME", "/data", 1);
	ok = fs_default_path(buf, sizeof(buf)) == FS_OK &&
	     strcmp(buf, "/data/git-credential-bitbucket/keystore.enc") == 0;
	setenv("XDG_DATA_HOME", "relative/dir", 1);
	ok = ok && fs_default_path(buf, sizeof(buf)) == FS_OK &&
	     strcmp(buf, "/home/u/.local/share/git-credential-bitbucket/keystore.enc") == 0;
	unsetenv("XDG_DATA_HOME");
	ok = ok && fs_default_path(buf, sizeof(buf)) == FS_OK &&
	     strcmp(buf, "/home/u/.local/share/git-credential-bitbucket/keystore.enc") == 0 &&
	     fs_default_path(buf, 20) == FS_ERR_PATH_TOO_LONG;
	unsetenv("HOME");
	ok = ok && fs_default_path(buf, sizeof(buf)) == FS_ERR_NO_HOME;
	report(ok, "the default path: absolute XDG_DATA_HOME, else HOME/.local/share");
	if (save_home)
		setenv("HOME", save_home, 1);
	if (save_xdg)
		setenv("XDG_DATA_HOME", save_xdg, 1);
	free(save_home);
	free(save_xdg);
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[PATH_MAX];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	/* one line at a time: forked writers must not inherit a full buffer */
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);	/* the store must be 0600 whatever the umask */
	snprintf(tmpdir, sizeof(tmpdir), "%s/test-filestore-XXXXXX",
		 t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_default_path();
	test_round_trip();
	test_search_and_replace();
	test_create_refusals();
	test_wrong_passphrase();
	test_corruption();
	test_truncated();
	test_newer_version();
	test_permissions();
	test_no_plaintext();
	test_passwd();
	writers(16);
	writers(64);
	test_cache();
	test_strerror();
	rm_rf(tmpdir);
	return unit_done();
}
