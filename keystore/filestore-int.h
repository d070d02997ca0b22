/*
 * filestore-int.h - what filestore.c asks of filestore-crypto.c (OpenSSL:
 * the header, scrypt, AES-256-GCM, random bytes), filestore-cache.c
 * (libkeyutils: the derived-key cache), filestore-file.c (the disk) and
 * filestore-items.c (the plaintext).  Private to keystore/filestore*.
 *
 * The layout is Documentation/technical/keystore-file-format.txt; the
 * offsets below are that document's table.
 */
#ifndef GCB_FILESTORE_INT_H
#define GCB_FILESTORE_INT_H

#include <stddef.h>
#include "filestore.h"

#define FSC_MAGIC		"GCBSTORE"
#define FSC_MAGIC_LEN		8
#define FSC_VERSION		1
#define FSC_KDF_SCRYPT		1
#define FSC_CIPHER_AES256GCM	1
#define FSC_SALT_LEN		32
#define FSC_NONCE_LEN		12
#define FSC_TAG_LEN		16
#define FSC_KEY_LEN		32

/* offsets of the version 1 header (big-endian integers) */
#define FSC_OFF_VERSION		8	/* u16 */
#define FSC_OFF_KDF		10	/* u8 */
#define FSC_OFF_LOG2N		11	/* u8 */
#define FSC_OFF_R		12	/* u32 */
#define FSC_OFF_P		16	/* u32 */
#define FSC_OFF_SALT		20	/* 32 bytes */
#define FSC_OFF_CIPHER		52	/* u8 */
#define FSC_OFF_NONCE		53	/* 12 bytes */
#define FSC_OFF_CTLEN		65	/* u32 */
#define FSC_HEADER_LEN		69

struct fsc_header {
	unsigned version;
	struct fs_kdf kdf;
	unsigned char salt[FSC_SALT_LEN];
	unsigned char nonce[FSC_NONCE_LEN];
	size_t ct_len;
};

/* FS_OK, or FS_ERR_KDF_PARAMS when kdf is out of the accepted bounds. */
int fsc_kdf_check(const struct fs_kdf *kdf);

/*
 * Parse and check the header of a whole file (buf, len): magic, version
 * (FS_ERR_NEWER before anything else is looked at), algorithms, KDF
 * bounds, and that len is exactly header + ciphertext + tag.
 */
int fsc_parse_header(const unsigned char *buf, size_t len,
		     struct fsc_header *h);

/* scrypt(passphrase, salt, kdf) -> key. */
int fsc_derive(const struct sbuf *passphrase, const struct fs_kdf *kdf,
	       const unsigned char salt[FSC_SALT_LEN],
	       unsigned char key[FSC_KEY_LEN]);

/* Cryptographically random bytes. */
int fsc_random(void *buf, size_t len);

/*
 * The whole file for plain: a header with kdf, salt and a fresh random
 * nonce, then the ciphertext and tag.  out is emptied first.
 */
int fsc_seal(const unsigned char key[FSC_KEY_LEN], const struct fs_kdf *kdf,
	     const unsigned char salt[FSC_SALT_LEN], const struct sbuf *plain,
	     struct sbuf *out);

/*
 * Check and decrypt a whole file: FS_ERR_AUTH when the tag does not match
 * (plain is left empty, and whatever was decrypted is wiped).
 */
int fsc_open(const unsigned char key[FSC_KEY_LEN], const unsigned char *buf,
	     size_t len, struct sbuf *plain);

/* The kernel key cache (filestore-cache.c); desc names the store's key. */
int fsc_cache_get(const char *desc, unsigned char key[FSC_KEY_LEN]);
int fsc_cache_put(const char *desc, const unsigned char key[FSC_KEY_LEN],
		  unsigned timeout);
int fsc_cache_drop(const char *desc);

/* ---- filestore-file.c ---- */

/* a then b into buf; FS_ERR_PATH_TOO_LONG when it does not fit */
int fsf_join(char *buf, size_t len, const char *a, const char *b);
/* dir must be a directory of the user's that no one else can write */
int fsf_check_dir(const char *dir);
/* mkdir -p, mode 0700 for what it makes */
int fsf_make_dirs(const char *dir);
/* The whole file into raw, after the checks on its type, owner and mode. */
int fsf_read_file(const char *path, struct sbuf *raw);
/* Replace path with data: temporary file in dir, fsync, rename, fsync dir. */
int fsf_write_atomic(const char *path, const char *dir,
		     const struct sbuf *data);
/* The exclusive lock, waited for at most FS_LOCK_WAIT_MS; its fd in *out. */
int fsf_lock(const char *lockpath, int *out);
void fsf_unlock(int fd);	/* -1 is fine */

/* ---- filestore-items.c ---- */

struct fs_entry {
	struct ks_item it;
	char *label;		/* never NULL once parsed or stored */
	struct sbuf secret;
};

struct fs_items {
	struct fs_entry *v;
	size_t n, cap;
};

void fsi_free(struct fs_items *items);
/* A new zeroed entry at the end. */
int fsi_push(struct fs_items *items, struct fs_entry **out);
void fsi_remove(struct fs_items *items, size_t i);
struct fs_entry *fsi_find(const struct fs_items *items, const char *id);
/* plaintext <-> items (items is empty on error) */
int fsi_serialize(const struct fs_items *items, struct sbuf *out);
int fsi_parse(const struct sbuf *plain, struct fs_items *items);
/* keystore.c's search pattern, and what a stored item replaces */
int fsi_matches(const struct ks_item *it, const struct ks_item *pattern,
		unsigned flags);
int fsi_replaces(const struct ks_item *new_it, const struct ks_item *old);

#endif
