/*
 * ssh-hostkeys.h - host key verification against known_hosts files and the
 * bitbucket.org keys built into the program.
 *
 * The known_hosts format is OpenSSH's (sshd(8), "SSH_KNOWN_HOSTS FILE
 * FORMAT"): plain names and patterns (*, ?, !negation), "[host]:port" for
 * ports other than 22, hashed names (|1|salt|hash), @revoked markers.
 * @cert-authority lines are skipped: host certificates are not supported.
 *
 * Hashed names need HMAC-SHA1; the caller supplies it (ssh-conn.c does it
 * through libssh2), so this file stays free of crypto libraries.
 * Nothing here prints.
 */
#ifndef GCB_SSH_HOSTKEYS_H
#define GCB_SSH_HOSTKEYS_H

#include <stddef.h>

enum ssh_keytype {
	SSH_KT_UNKNOWN = 0,
	SSH_KT_RSA,
	SSH_KT_DSS,
	SSH_KT_ECDSA256,
	SSH_KT_ECDSA384,
	SSH_KT_ECDSA521,
	SSH_KT_ED25519,
	SSH_KT_MAX
};

/* "ssh-ed25519", ... ; NULL for SSH_KT_UNKNOWN */
const char *ssh_keytype_name(enum ssh_keytype t);
/* "ED25519", "ECDSA", "RSA", "DSA" - what OpenSSH prints */
const char *ssh_keytype_label(enum ssh_keytype t);
enum ssh_keytype ssh_keytype_from_name(const char *name, size_t len);
/*
 * The type named at the start of a public key blob.  The wire format,
 * base64 and fingerprints are keystore/sshwire.h's.
 */
enum ssh_keytype ssh_keytype_from_blob(const unsigned char *blob, size_t len);

/* The name known_hosts files use: "host" for port 22 (or 0), "[host]:port" otherwise; lowercased. */
int kh_host_name(const char *host, unsigned port, char *out, size_t outlen);

/*
 * OpenSSH's pattern syntax ('*' any run, '?' any one character,
 * case-insensitive): pat[0..plen) against s; 1 yes, 0 no.  Also what
 * ssh_config's Host patterns use.
 */
int kh_pattern_match(const char *pat, size_t plen, const char *s);

/* Match a hashed entry "|1|salt|hash" against a name: 1 yes, 0 no. */
struct kh_hasher {
	int (*match)(void *ctx, const char *entry, size_t len, const char *name);
	void *ctx;
};

enum kh_status {
	KH_NOTFOUND = 0,	/* no entry for this name and key type */
	KH_MISMATCH,		/* entries of this type, none with this key: changed */
	KH_MATCH,
	KH_REVOKED,		/* the key is marked @revoked */
};

/* Result of scanning one text (one file) for one name. */
struct kh_scan {
	enum kh_status status;
	unsigned types;		/* bit (1 << type) for each key type listed for the name */
	size_t line;		/* line of the match, revocation or first mismatch */
};

/*
 * Scan known_hosts text for `name` (already in kh_host_name() form) and the
 * server's key (type and SSH wire blob).  Lines that do not parse are
 * skipped, like OpenSSH does.  hasher may be NULL: hashed lines never match.
 */
void kh_scan_text(const char *text, size_t len, const char *name,
		  enum ssh_keytype type, const unsigned char *blob, size_t bloblen,
		  const struct kh_hasher *hasher, struct kh_scan *out);

/* The bitbucket.org host keys (BITBUCKET-RULES.md, section 3), in known_hosts format. */
const char *kh_builtin_text(size_t *len);

enum {
	KH_OK = 0,
	KH_ERR_READ = -1,	/* a known_hosts file exists but cannot be read */
	KH_ERR_TOO_BIG = -2,
	KH_ERR_NOMEM = -3,
	KH_ERR_TOO_LONG = -4,	/* name or path does not fit */
	KH_ERR_WRITE = -5,
};

#define KH_MAX_FILES 4	/* up to three UserKnownHostsFile names and the global file */
#define KH_MAX_FILE_SIZE ((size_t)16 << 20)

/* Where host keys come from: the built-in keys, then up to KH_MAX_FILES files. */
struct kh_store {
	int n;
	char *path[KH_MAX_FILES + 1];	/* [0] is "(built-in)" */
	char *text[KH_MAX_FILES + 1];
	size_t len[KH_MAX_FILES + 1];
};

#define KH_STORE_INIT { 0, { NULL }, { NULL }, { 0 } }

/* Load the built-in keys and each file that exists (a missing file is fine). */
int kh_store_load(struct kh_store *st, const char *const *files, int nfiles);
void kh_store_free(struct kh_store *st);

enum kh_verdict_status {
	KH_V_OK = 0,
	KH_V_UNKNOWN,		/* never seen: offer how to trust it */
	KH_V_OTHER_TYPE,	/* keys of other types are known, not this one */
	KH_V_CHANGED,		/* a different key of this type is known */
	KH_V_REVOKED,
};

struct kh_verdict {
	enum kh_verdict_status status;
	int source;		/* index in kh_store of the deciding entry, -1 if none */
	size_t line;
	unsigned types;		/* key types known for the name */
};

/*
 * Decide about the server's key for host:port.  "[host]:port" entries are
 * consulted first and decide on their own (a bare-host entry can never mask
 * a mismatching "[host]:port" one); only when none lists this key type does
 * a bare-host entry with the very same key count as a match.
 */
void kh_verify(const struct kh_store *st, const char *host, unsigned port,
	       enum ssh_keytype type, const unsigned char *blob, size_t bloblen,
	       const struct kh_hasher *hasher, struct kh_verdict *v);

/* Key types known for host:port (bit 1 << type), to prefer them in the key exchange. */
unsigned kh_known_types(const struct kh_store *st, const char *host,
			unsigned port, const struct kh_hasher *hasher);

/*
 * Append "name type base64\n" to path, creating it (mode 0600) and its
 * directory (0700) when missing.
 */
int kh_append(const char *path, const char *host, unsigned port,
	      enum ssh_keytype type, const unsigned char *blob, size_t bloblen);

const char *kh_strerror(int err);

#endif
