/*
 * filestore.h - the project's secrets in one encrypted file, for machines
 * with no Secret Service (servers over SSH, WSL, CI runners, containers).
 *
 * The same items as keystore.h (struct ks_item: kind, protocol, host, port,
 * scope, username, name, repos, read_only, created, last_used, warned; a
 * label; the secret value), with the same search, store, update and delete
 * semantics, so the keystore interface can dispatch to either backend.
 * Everything in the file is encrypted, attributes included: nothing can be
 * searched before the store is unlocked.
 *
 * The file (Documentation/technical/keystore-file-format.txt) is
 * AES-256-GCM under a key derived from a passphrase with scrypt; its header
 * is authenticated.  Every mutation is read-modify-write under an
 * exclusive flock() on "<file>.lock", written to a temporary file in the
 * same directory, fsync()ed and renamed over the store; readers take no
 * lock (a rename is atomic).  A file written by a newer version is refused
 * and never rewritten.  The store file must be a regular file owned by the
 * user with no group or world permission bits, in a directory only the
 * user can write.
 *
 * The derived key (never the passphrase) can be cached in the kernel's key
 * retention service, in the caller's session keyring, with a timeout.
 *
 * Files: filestore.c (path, checks, lock, atomic write, items),
 * filestore-crypto.c (the only OpenSSL user here: header, scrypt, GCM),
 * filestore-cache.c (the only libkeyutils user).  Nothing here prints or
 * reads a terminal: asking for the passphrase is the caller's job.
 * Functions return 0 or a negative FS_ERR_* code, and fs_strerror() turns
 * a code into a phrase; on FS_ERR_IO errno tells why.  Callers never see
 * partial results: on error out-parameters are left empty.
 */
#ifndef GCB_FILESTORE_H
#define GCB_FILESTORE_H

#include <stddef.h>
#include "keystore.h"
#include "secret.h"

/* $XDG_DATA_HOME (default ~/.local/share) / FS_DIR_NAME / FS_FILE_NAME */
#define FS_DIR_NAME	"git-credential-bitbucket"
#define FS_FILE_NAME	"keystore.enc"

enum {
	FS_OK = 0,
	FS_ERR_INTERNAL = -1,
	FS_ERR_NOMEM = -2,
	FS_ERR_IO = -3,			/* a system call failed; errno says why */
	FS_ERR_NO_HOME = -4,		/* neither XDG_DATA_HOME nor HOME is set */
	FS_ERR_PATH_TOO_LONG = -5,
	FS_ERR_NO_STORE = -6,		/* no store file (yet) */
	FS_ERR_EXISTS = -7,		/* create: the store file exists */
	FS_ERR_NOT_REGULAR = -8,	/* a symlink, directory or device */
	FS_ERR_OWNER = -9,		/* the file is not owned by the user */
	FS_ERR_PERMS = -10,		/* group or others have access: chmod 600 */
	FS_ERR_DIR_PERMS = -11,		/* the directory is not the user's alone */
	FS_ERR_FORMAT = -12,		/* not a store file, or a header we cannot read */
	FS_ERR_TRUNCATED = -13,		/* shorter than its header says */
	FS_ERR_NEWER = -14,		/* written by a newer version: never rewritten */
	FS_ERR_KDF_PARAMS = -15,	/* scrypt parameters out of bounds */
	FS_ERR_AUTH = -16,		/* wrong passphrase, or the file was altered */
	FS_ERR_CORRUPT = -17,		/* authentic, but the contents do not parse */
	FS_ERR_LOCKED = -18,		/* no key: unlock first */
	FS_ERR_LOCK_TIMEOUT = -19,	/* another process kept the lock too long */
	FS_ERR_NOT_FOUND = -20,		/* no such item */
	FS_ERR_TOO_LONG = -21,		/* a field does not fit */
	FS_ERR_TOO_LARGE = -22,		/* the store would exceed FS_MAX_PLAINTEXT */
	FS_ERR_EMPTY_PASSPHRASE = -23,
	FS_ERR_NO_KEYRING = -24,	/* the kernel key retention service is unavailable */
	FS_ERR_NOT_CACHED = -25,	/* no cached key for this store */
	FS_ERR_BAD_ARG = -26,
};

/* All items together, decrypted, are at most this large. */
#define FS_MAX_PLAINTEXT ((size_t)4 << 20)
/* How long a mutation waits for another process's lock. */
#define FS_LOCK_WAIT_MS 10000

/*
 * scrypt's parameters: N = 2^log2_n, r, p.  Memory is 128 * r * N bytes.
 * Accepted: log2_n 10..24, r 1..32, p 1..16, memory at most FS_KDF_MAX_MEM.
 * The default costs 128 MiB and about half a second, once per cache period.
 */
struct fs_kdf {
	unsigned log2_n, r, p;
};

#define FS_KDF_DEFAULT { 17, 8, 1 }
#define FS_KDF_MAX_MEM ((unsigned long long)1 << 30)

struct filestore;
struct fs_list;

/*
 * The default store path: $XDG_DATA_HOME/git-credential-bitbucket/keystore.enc
 * when XDG_DATA_HOME is an absolute path (the XDG rule), else
 * $HOME/.local/share/git-credential-bitbucket/keystore.enc.
 */
int fs_default_path(char *buf, size_t len);

/*
 * Create a new, empty store at path, encrypted under passphrase (kdf may
 * be NULL for FS_KDF_DEFAULT).  Missing directories are made with mode
 * 0700.  Refused with FS_ERR_EXISTS when the file exists.  *out is an
 * unlocked handle.
 */
int fs_create(const char *path, const struct sbuf *passphrase,
	      const struct fs_kdf *kdf, struct filestore **out);

/*
 * Open an existing store: the file's type, owner and mode, the
 * directory's, the header (magic, version, algorithms, parameters, length)
 * are checked; the handle is locked (no key yet).  FS_ERR_NO_STORE when
 * there is no file.
 */
int fs_open(const char *path, struct filestore **out);
void fs_close(struct filestore *fs);

/* The store's file path, and its KDF parameters as last read. */
const char *fs_path(const struct filestore *fs);
void fs_kdf_get(const struct filestore *fs, struct fs_kdf *out);

/*
 * Derive the key from passphrase (scrypt: the slow part) and check it by
 * decrypting the file: FS_ERR_AUTH for a wrong passphrase (or an altered
 * file: AES-GCM cannot tell the two apart).
 */
int fs_unlock(struct filestore *fs, const struct sbuf *passphrase);
int fs_is_unlocked(const struct filestore *fs);
/* Forget the key held by the handle (the cache is not touched). */
void fs_forget(struct filestore *fs);

/*
 * The derived-key cache in the kernel key retention service: a "user" key
 * in the caller's session keyring (or the user-session keyring when the
 * process has no session of its own), described by the store's salt, so a
 * key is only ever offered to the store it opens; readable only by
 * processes that possess that keyring.
 *
 * fs_cache_load(): take the key from the cache and check it by decrypting
 * (FS_ERR_NOT_CACHED when there is none or it expired; a cached key that
 * no longer opens the file is dropped and gives FS_ERR_NOT_CACHED).
 * fs_cache_save(): cache the handle's key for timeout seconds (0: do not
 * cache, and drop any cached key).  fs_cache_drop(): drop it (`lock`).
 * FS_ERR_NO_KEYRING when the kernel refuses keyctl (some containers).
 */
int fs_cache_load(struct filestore *fs);
int fs_cache_save(struct filestore *fs, unsigned timeout);
int fs_cache_drop(struct filestore *fs);

/*
 * Re-encrypt the store under a new passphrase with a new salt (and kdf,
 * or the current parameters when NULL), under the lock.  The old cached
 * key is dropped; the handle holds the new key.
 */
int fs_passwd(struct filestore *fs, const struct sbuf *new_passphrase,
	      const struct fs_kdf *kdf);

/*
 * Items, with keystore.h's semantics (see ks_search, ks_store, ks_update,
 * ks_delete there).  Each call reads the file afresh, so a handle sees
 * what other processes wrote.  ids are "file:" and 32 hex digits, made
 * when an item is stored.  Search results are in file order (the order
 * items were stored); the most specific match is the caller's choice, as
 * with the Secret Service.
 */
int fs_search(struct filestore *fs, const struct ks_item *pattern,
	      unsigned flags, struct fs_list **out);
size_t fs_list_len(const struct fs_list *list);
int fs_list_get(const struct fs_list *list, size_t i, struct ks_item *out);
const char *fs_list_id(const struct fs_list *list, size_t i);
void fs_list_free(struct fs_list *list);

int fs_item_load(struct filestore *fs, const char *id, struct ks_item *out);
int fs_get_secret(struct filestore *fs, const struct ks_item *it,
		  struct sbuf *out);
/* The item's label into buf (for list and migrate). */
int fs_get_label(struct filestore *fs, const struct ks_item *it, char *buf,
		 size_t len);

/*
 * Store a new item, replacing (in the same atomic write) any item of the
 * same class: keys by name, tokens by protocol, host, port, scope and
 * username.  it->created is set to now when 0; it->id is set.
 */
int fs_store(struct filestore *fs, struct ks_item *it, const char *label,
	     const struct sbuf *secret);
/* Rewrite an item's attributes (and label, when not NULL); keeps the secret. */
int fs_update(struct filestore *fs, const struct ks_item *it,
	      const char *label);
int fs_delete(struct filestore *fs, const struct ks_item *it);

const char *fs_strerror(int err);

#endif
