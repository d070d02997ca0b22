/*
 * ssh-hostkeys.c - known_hosts lookups and the built-in bitbucket.org keys.
 */
#include "ssh/ssh-hostkeys.h"
#include "common/io.h"
#include "sshwire.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * bitbucket.org's host keys as Atlassian publishes them (the file
 * bitbucket-known-hosts beside BITBUCKET-RULES.md; the RSA key in use
 * since 2023-06-20).  SHA256 fingerprints:
 *   ED25519 ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM
 *   ECDSA   FC73VB6C4OQLSCrjEayhMp9UMxS97caD/Yyi2bhW/J0
 *   RSA     46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E
 */
static const char builtin_known_hosts[] =
	"bitbucket.org ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI"
	"bmlzdHAyNTYAAABBBPIQmuzMBuKdWeF4+a2sjSSpBK0iqitSQ+5BM9KhpexuGt20JpTVM7u5"
	"BDZngncgrqDMbWdxMWWOGtZ9UgbqgZE=\n"
	"bitbucket.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMz"
	"YVa0MuJ2e2gKTKqu+UUO\n"
	"bitbucket.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDQeJzhupRu0u0cdegZIa8e"
	"86EG2qOCsIsD1Xw0xSeiPDlCr7kq97NLmMbpKTX6Esc30NuoqEEHCuc7yWtwp8dI76EEEB1V"
	"qY9QJq6vk+aySyboD5QF61I/1WeTwu+deCbgKMGbUijeXhtfbxSxm6JwGrXrhBdofTsbKRUs"
	"rN1WoNgUa8uqN1Vx6WAJw1JHPhglEGGHea6QICwJOAr/6mrui/oB7pkaWKHj3z7d1IC4KWLt"
	"Y47elvjbaTlkN04Kc/5LFEirorGYVbt15kAUlqGM65pk6ZBxtaO3+30LVlORZkxOh+LKL/Bv"
	"bZ/iRNhItLqNyieoQj/uh/7Iv4uyH/cV/0b4WDSd3DptigWq84lJubb9t/DnZlrJazxyDCul"
	"TmKdOR7vs9gMTo+uoIrPSb8ScTtvw65+odKAlBj59dhnVp9zd7QUojOpXlL62Aw56U4oO+FA"
	"LuevvMjiWeavKhJqlR7i5n9srYcrNV7ttmDw7kf/97P5zauIhxcjX+xHv4M=\n";

const char *kh_builtin_text(size_t *len)
{
	if (len != NULL)
		*len = sizeof(builtin_known_hosts) - 1;
	return builtin_known_hosts;
}

/* --- key types ---------------------------------------------------------- */

static const struct {
	const char *name;
	const char *label;
} keytypes[SSH_KT_MAX] = {
	[SSH_KT_UNKNOWN] = { NULL, "unknown" },
	[SSH_KT_RSA] = { "ssh-rsa", "RSA" },
	[SSH_KT_DSS] = { "ssh-dss", "DSA" },
	[SSH_KT_ECDSA256] = { "ecdsa-sha2-nistp256", "ECDSA" },
	[SSH_KT_ECDSA384] = { "ecdsa-sha2-nistp384", "ECDSA" },
	[SSH_KT_ECDSA521] = { "ecdsa-sha2-nistp521", "ECDSA" },
	[SSH_KT_ED25519] = { "ssh-ed25519", "ED25519" },
};

const char *ssh_keytype_name(enum ssh_keytype t)
{
	return (t > SSH_KT_UNKNOWN && t < SSH_KT_MAX) ? keytypes[t].name : NULL;
}

const char *ssh_keytype_label(enum ssh_keytype t)
{
	return (t > SSH_KT_UNKNOWN && t < SSH_KT_MAX) ? keytypes[t].label : "unknown";
}

enum ssh_keytype ssh_keytype_from_name(const char *name, size_t len)
{
	for (int t = SSH_KT_UNKNOWN + 1; t < SSH_KT_MAX; t++)
		if (strlen(keytypes[t].name) == len && memcmp(keytypes[t].name, name, len) == 0)
			return (enum ssh_keytype)t;
	return SSH_KT_UNKNOWN;
}

enum ssh_keytype ssh_keytype_from_blob(const unsigned char *blob, size_t len)
{
	struct sshwire_rd r = SSHWIRE_RD(blob, len);
	const unsigned char *name;
	size_t n;

	if (blob == NULL || sshwire_get_string(&r, &name, &n) != SSHWIRE_OK)
		return SSH_KT_UNKNOWN;
	return ssh_keytype_from_name((const char *)name, n);
}

/* --- names and patterns ------------------------------------------------- */

int kh_host_name(const char *host, unsigned port, char *out, size_t outlen)
{
	char lower[256];
	size_t len = strlen(host);
	int w;

	if (len >= sizeof(lower))
		return KH_ERR_TOO_LONG;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	if (port == 0 || port == 22)
		w = snprintf(out, outlen, "%s", lower);
	else
		w = snprintf(out, outlen, "[%s]:%u", lower, port);
	return (w < 0 || (size_t)w >= outlen) ? KH_ERR_TOO_LONG : KH_OK;
}

/* OpenSSH's pattern syntax: '*' any run, '?' any one character; case-insensitive. */
static int wild_match(const char *pat, size_t plen, const char *s)
{
	size_t p = 0, i = 0, star = SIZE_MAX, mark = 0, slen = strlen(s);

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star = p++;
			mark = i;
		} else if (p < plen && (pat[p] == '?' ||
			   tolower((unsigned char)pat[p]) == tolower((unsigned char)s[i]))) {
			p++;
			i++;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			i = ++mark;
		} else {
			return 0;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

int kh_pattern_match(const char *pat, size_t plen, const char *s)
{
	return wild_match(pat, plen, s);
}

/* A comma-separated host list: any negated match rejects the line. */
static int hosts_match(const char *field, size_t flen, const char *name,
		       const struct kh_hasher *hasher)
{
	int positive = 0;
	size_t i = 0;

	while (i < flen) {
		size_t start = i, plen;
		int negate = 0, m;

		while (i < flen && field[i] != ',')
			i++;
		plen = i - start;
		i++;	/* the comma */
		if (plen > 0 && field[start] == '!') {
			negate = 1;
			start++;
			plen--;
		}
		if (plen == 0)
			continue;
		if (plen > 3 && memcmp(field + start, "|1|", 3) == 0)
			m = hasher != NULL && hasher->match != NULL &&
			    hasher->match(hasher->ctx, field + start, plen, name) == 1;
		else
			m = wild_match(field + start, plen, name);
		if (m) {
			if (negate)
				return 0;
			positive = 1;
		}
	}
	return positive;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *word_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

void kh_scan_text(const char *text, size_t len, const char *name,
		  enum ssh_keytype type, const unsigned char *blob, size_t bloblen,
		  const struct kh_hasher *hasher, struct kh_scan *out)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	struct sbuf decoded = SBUF_INIT;

	decoded.max = 8192;
	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *hosts, *hosts_end, *kt, *kt_end, *key, *key_end;
		enum ssh_keytype t;
		int revoked = 0, same;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		p = skip_ws(p, le);
		if (p == le || *p == '#')
			goto next;
		if (*p == '@') {
			const char *me = word_end(p, le);

			if ((size_t)(me - p) == 8 && memcmp(p, "@revoked", 8) == 0)
				revoked = 1;
			else
				goto next;	/* @cert-authority, or unknown */
			p = skip_ws(me, le);
		}
		hosts = p;
		hosts_end = word_end(p, le);
		kt = skip_ws(hosts_end, le);
		kt_end = word_end(kt, le);
		key = skip_ws(kt_end, le);
		key_end = word_end(key, le);
		if (hosts == hosts_end || kt == kt_end || key == key_end)
			goto next;
		if (!hosts_match(hosts, (size_t)(hosts_end - hosts), name, hasher))
			goto next;
		if ((t = ssh_keytype_from_name(kt, (size_t)(kt_end - kt))) == SSH_KT_UNKNOWN)
			goto next;
		if (!revoked)
			out->types |= 1u << t;
		if (t != type || blob == NULL)
			goto next;
		sbuf_reset(&decoded);
		if (sshwire_b64_decode(key, (size_t)(key_end - key), 1, &decoded) != 0)
			goto next;
		same = decoded.len == bloblen && memcmp(decoded.buf, blob, bloblen) == 0;
		if (revoked) {
			if (same && out->status < KH_REVOKED) {
				out->status = KH_REVOKED;
				out->line = lineno;
			}
		} else if (same) {
			if (out->status < KH_MATCH) {
				out->status = KH_MATCH;
				out->line = lineno;
			}
		} else if (out->status == KH_NOTFOUND) {
			out->status = KH_MISMATCH;
			out->line = lineno;
		}
next:
		p = eol ? eol + 1 : end;
	}
	sbuf_free(&decoded);
}

/* --- the store ---------------------------------------------------------- */

static int read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r = KH_ERR_READ;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (errno == ENOENT || errno == ENOTDIR) ? KH_OK : KH_ERR_READ;
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > KH_MAX_FILE_SIZE) {
		r = KH_ERR_TOO_BIG;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = KH_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;	/* shrank under us: use what is there */
		got += (size_t)n;
	}
	buf[got] = '\0';
	/* success */
	*text = buf;
	*len = got;
	buf = NULL;
	r = KH_OK;
out:
	free(buf);
	close(fd);
	return r;
}

int kh_store_load(struct kh_store *st, const char *const *files, int nfiles)
{
	int r;

	memset(st, 0, sizeof(*st));
	st->path[0] = NULL;
	st->text[0] = (char *)builtin_known_hosts;
	st->len[0] = sizeof(builtin_known_hosts) - 1;
	st->n = 1;
	for (int i = 0; i < nfiles && i < KH_MAX_FILES; i++) {
		char *text;
		size_t len;

		if (files[i] == NULL || files[i][0] == '\0')
			continue;
		if ((st->path[st->n] = strdup(files[i])) == NULL)
			return KH_ERR_NOMEM;
		if ((r = read_file(files[i], &text, &len)) != KH_OK) {
			st->n++;	/* keep the path for the caller's message */
			return r;
		}
		st->text[st->n] = text;
		st->len[st->n] = len;
		st->n++;
	}
	return KH_OK;
}

void kh_store_free(struct kh_store *st)
{
	if (st == NULL)
		return;
	for (int i = 1; i < st->n && i <= KH_MAX_FILES; i++) {
		free(st->path[i]);
		free(st->text[i]);
	}
	memset(st, 0, sizeof(*st));
}

/* Scan every source for one name; the strongest status wins, the first source keeps a tie. */
static void scan_all(const struct kh_store *st, const char *name,
		     enum ssh_keytype type, const unsigned char *blob, size_t bloblen,
		     const struct kh_hasher *hasher, struct kh_scan *best, int *source)
{
	memset(best, 0, sizeof(*best));
	*source = -1;
	for (int i = 0; i < st->n; i++) {
		struct kh_scan s;

		if (st->text[i] == NULL)
			continue;
		kh_scan_text(st->text[i], st->len[i], name, type, blob, bloblen,
			     hasher, &s);
		best->types |= s.types;
		if (s.status > best->status) {
			best->status = s.status;
			best->line = s.line;
			*source = i;
		}
	}
}

void kh_verify(const struct kh_store *st, const char *host, unsigned port,
	       enum ssh_keytype type, const unsigned char *blob, size_t bloblen,
	       const struct kh_hasher *hasher, struct kh_verdict *v)
{
	char name[300];
	struct kh_scan s;
	int src;

	memset(v, 0, sizeof(*v));
	v->status = KH_V_UNKNOWN;
	v->source = -1;
	if (kh_host_name(host, port, name, sizeof(name)) != KH_OK)
		return;
	scan_all(st, name, type, blob, bloblen, hasher, &s, &src);
	v->types = s.types;
	if (s.status != KH_NOTFOUND) {
		v->source = src;
		v->line = s.line;
		v->status = s.status == KH_MATCH ? KH_V_OK :
			    s.status == KH_REVOKED ? KH_V_REVOKED : KH_V_CHANGED;
		return;
	}
	if (port != 0 && port != 22) {
		/* nothing for [host]:port: the very same key under the bare name is trusted */
		if (kh_host_name(host, 0, name, sizeof(name)) != KH_OK)
			return;
		scan_all(st, name, type, blob, bloblen, hasher, &s, &src);
		if (s.status == KH_MATCH || s.status == KH_REVOKED) {
			v->source = src;
			v->line = s.line;
			v->status = s.status == KH_MATCH ? KH_V_OK : KH_V_REVOKED;
			return;
		}
	}
	if (v->types & ~(1u << type))
		v->status = KH_V_OTHER_TYPE;
}

unsigned kh_known_types(const struct kh_store *st, const char *host,
			unsigned port, const struct kh_hasher *hasher)
{
	char name[300];
	struct kh_scan s;
	int src;

	if (kh_host_name(host, port, name, sizeof(name)) != KH_OK)
		return 0;
	scan_all(st, name, SSH_KT_UNKNOWN, NULL, 0, hasher, &s, &src);
	if (s.types == 0 && port != 0 && port != 22 &&
	    kh_host_name(host, 0, name, sizeof(name)) == KH_OK)
		scan_all(st, name, SSH_KT_UNKNOWN, NULL, 0, hasher, &s, &src);
	return s.types;
}

/* --- accept-new --------------------------------------------------------- */

static int make_parent_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL || slash == path)
		return 0;
	len = (size_t)(slash - path);
	if (len >= sizeof(dir))
		return -1;
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int kh_append(const char *path, const char *host, unsigned port,
	      enum ssh_keytype type, const unsigned char *blob, size_t bloblen)
{
	char name[300], last;
	const char *tname = ssh_keytype_name(type);
	struct sbuf line = SBUF_INIT;
	struct stat st;
	int fd = -1, r = KH_ERR_WRITE;

	if (tname == NULL || bloblen == 0 || bloblen > 65536)
		return KH_ERR_WRITE;
	if ((r = kh_host_name(host, port, name, sizeof(name))) != KH_OK)
		return r;
	r = KH_ERR_NOMEM;
	/* a line of its own even when the file does not end with a newline */
	if (sbuf_addch(&line, '\n') != 0 || sbuf_addstr(&line, name) != 0 ||
	    sbuf_addch(&line, ' ') != 0 || sbuf_addstr(&line, tname) != 0 ||
	    sbuf_addch(&line, ' ') != 0 ||
	    sshwire_b64_encode(&line, blob, bloblen, 0, 1) != 0 ||
	    sbuf_addch(&line, '\n') != 0)
		goto out;
	r = KH_ERR_WRITE;
	if (make_parent_dir(path) != 0)
		goto out;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	if (fstat(fd, &st) != 0)
		goto out;
	if (st.st_size == 0 || (pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n')) {
		if (write_all(fd, line.buf + 1, line.len - 1) != 0)	/* no leading newline needed */
			goto out;
	} else if (write_all(fd, line.buf, line.len) != 0) {
		goto out;
	}
	if (fsync(fd) != 0)
		goto out;
	r = KH_OK;
out:
	if (fd >= 0 && close(fd) != 0 && r == KH_OK)
		r = KH_ERR_WRITE;
	sbuf_free(&line);
	return r;
}

const char *kh_strerror(int err)
{
	switch (err) {
	case KH_OK: return "success";
	case KH_ERR_READ: return "cannot read known hosts file";
	case KH_ERR_TOO_BIG: return "known hosts file too big";
	case KH_ERR_NOMEM: return "out of memory";
	case KH_ERR_TOO_LONG: return "name too long";
	case KH_ERR_WRITE: return "cannot write known hosts file";
	}
	return "unknown error";
}
