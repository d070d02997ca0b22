/*
 * filestore.c - the encrypted file store's handle and operations: open,
 * create, unlock, the key cache, passwd, and the items' search, store,
 * update and delete, each a whole read (and, for a change, a whole write
 * under the lock).  filestore-file.c does the disk, filestore-items.c the
 * plaintext, filestore-crypto.c the cryptography, filestore-cache.c the
 * kernel keyring.
 */
#include "filestore-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define LABEL_MAX	1024
#define CACHE_PREFIX	"git-credential-bitbucket:keystore:"

struct filestore {
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char lock[PATH_MAX];
	struct fsc_header hdr;		/* as last read; kdf and salt of key */
	unsigned char key[FSC_KEY_LEN];
	int has_key;
};

struct fs_list {
	struct ks_item *v;
	size_t n;
};

static int set_paths(struct filestore *fs, const char *path)
{
	char *slash;
	int r;

	if (path[0] == '\0')
		return FS_ERR_BAD_ARG;
	if ((r = fsf_join(fs->path, sizeof(fs->path), path, "")) != FS_OK ||
	    (r = fsf_join(fs->lock, sizeof(fs->lock), path, ".lock")) != FS_OK)
		return r;
	memcpy(fs->dir, fs->path, sizeof(fs->dir));
	slash = strrchr(fs->dir, '/');
	if (slash == NULL)
		memcpy(fs->dir, ".", 2);
	else if (slash == fs->dir)
		fs->dir[1] = '\0';
	else
		*slash = '\0';
	return FS_OK;
}

static int dup_label(const char *label, char **out)
{
	size_t len = strlen(label);

	*out = NULL;
	if (len > LABEL_MAX)
		return FS_ERR_TOO_LONG;
	if ((*out = malloc(len + 1)) == NULL)
		return FS_ERR_NOMEM;
	memcpy(*out, label, len + 1);
	return FS_OK;
}

/* ---- the key and a whole read ---- */

static int same_key_params(const struct fsc_header *a, const struct fsc_header *b)
{
	return a->kdf.log2_n == b->kdf.log2_n && a->kdf.r == b->kdf.r &&
	       a->kdf.p == b->kdf.p &&
	       memcmp(a->salt, b->salt, FSC_SALT_LEN) == 0;
}

void fs_forget(struct filestore *fs)
{
	if (fs == NULL)
		return;
	wipe(fs->key, sizeof(fs->key));
	fs->has_key = 0;
}

/* Read, check and decrypt the store into items (empty on error). */
static int load(struct filestore *fs, struct fs_items *items)
{
	struct sbuf raw = SBUF_INIT, plain = SBUF_INIT;
	struct fsc_header h;
	int r;

	memset(items, 0, sizeof(*items));
	if (!fs->has_key)
		return FS_ERR_LOCKED;
	if ((r = fsf_read_file(fs->path, &raw)) != FS_OK)
		goto out;
	if ((r = fsc_parse_header((unsigned char *)raw.buf, raw.len, &h)) != FS_OK)
		goto out;
	if (!same_key_params(&h, &fs->hdr)) {
		/* another process re-encrypted it (passwd): our key is stale */
		fs_forget(fs);
		r = FS_ERR_LOCKED;
		goto out;
	}
	if ((r = fsc_open(fs->key, (unsigned char *)raw.buf, raw.len, &plain)) != FS_OK)
		goto out;
	fs->hdr = h;
	r = fsi_parse(&plain, items);
out:
	sbuf_free(&plain);
	sbuf_free(&raw);
	return r;
}

/* Encrypt items under the handle's key and replace the file. */
static int save(struct filestore *fs, const struct fs_items *items)
{
	struct sbuf plain = SBUF_INIT, sealed = SBUF_INIT;
	int r;

	if ((r = fsi_serialize(items, &plain)) != FS_OK)
		goto out;
	if ((r = fsc_seal(fs->key, &fs->hdr.kdf, fs->hdr.salt, &plain, &sealed)) != FS_OK)
		goto out;
	r = fsf_write_atomic(fs->path, fs->dir, &sealed);
out:
	sbuf_free(&plain);
	sbuf_free(&sealed);
	return r;
}

/* ---- opening ---- */

static int handle_new(const char *path, struct filestore **out)
{
	struct filestore *fs;
	int r;

	*out = NULL;
	if ((fs = calloc(1, sizeof(*fs))) == NULL)
		return FS_ERR_NOMEM;
	if ((r = set_paths(fs, path)) != FS_OK) {
		free(fs);
		return r;
	}
	*out = fs;
	return FS_OK;
}

void fs_close(struct filestore *fs)
{
	if (fs == NULL)
		return;
	fs_forget(fs);
	wipe(fs, sizeof(*fs));
	free(fs);
}

/* Read the file's header into fs->hdr (the key is not needed). */
static int read_header(struct filestore *fs)
{
	struct sbuf raw = SBUF_INIT;
	struct fsc_header h;
	int r;

	if ((r = fsf_check_dir(fs->dir)) != FS_OK)
		return r;
	if ((r = fsf_read_file(fs->path, &raw)) == FS_OK &&
	    (r = fsc_parse_header((unsigned char *)raw.buf, raw.len, &h)) == FS_OK)
		fs->hdr = h;
	sbuf_free(&raw);
	return r;
}

int fs_open(const char *path, struct filestore **out)
{
	struct filestore *fs;
	int r;

	*out = NULL;
	if ((r = handle_new(path, &fs)) != FS_OK)
		return r;
	if ((r = read_header(fs)) != FS_OK) {
		fs_close(fs);
		return r;
	}
	*out = fs;
	return FS_OK;
}

int fs_create(const char *path, const struct sbuf *passphrase,
	      const struct fs_kdf *kdf, struct filestore **out)
{
	static const struct fs_kdf def = FS_KDF_DEFAULT;
	struct fs_items none = { NULL, 0, 0 };
	struct filestore *fs;
	struct stat st;
	int r, lock = -1;

	*out = NULL;
	if (kdf == NULL)
		kdf = &def;
	if (passphrase->len == 0)
		return FS_ERR_EMPTY_PASSPHRASE;
	if ((r = fsc_kdf_check(kdf)) != FS_OK)
		return r;
	if ((r = handle_new(path, &fs)) != FS_OK)
		return r;
	if ((r = fsf_make_dirs(fs->dir)) != FS_OK || (r = fsf_check_dir(fs->dir)) != FS_OK)
		goto out;
	fs->hdr.version = FSC_VERSION;
	fs->hdr.kdf = *kdf;
	if ((r = fsc_random(fs->hdr.salt, FSC_SALT_LEN)) != FS_OK)
		goto out;
	if ((r = fsc_derive(passphrase, kdf, fs->hdr.salt, fs->key)) != FS_OK)
		goto out;
	fs->has_key = 1;
	if ((r = fsf_lock(fs->lock, &lock)) != FS_OK)
		goto out;
	if (lstat(fs->path, &st) == 0 || errno != ENOENT) {
		r = FS_ERR_EXISTS;
		goto out;
	}
	if ((r = save(fs, &none)) != FS_OK)
		goto out;
	/* success */
	*out = fs;
	fs = NULL;
out:
	fsf_unlock(lock);
	fs_close(fs);
	return r;
}

const char *fs_path(const struct filestore *fs)
{
	return fs->path;
}

void fs_kdf_get(const struct filestore *fs, struct fs_kdf *out)
{
	*out = fs->hdr.kdf;
}

int fs_is_unlocked(const struct filestore *fs)
{
	return fs->has_key;
}

/* Take key for the header in fs->hdr if it opens the file as it is now. */
static int try_key(struct filestore *fs, const unsigned char key[FSC_KEY_LEN])
{
	struct fs_items items;
	int r;

	memcpy(fs->key, key, FSC_KEY_LEN);
	fs->has_key = 1;
	if ((r = load(fs, &items)) != FS_OK)
		fs_forget(fs);
	fsi_free(&items);
	return r;
}

int fs_unlock(struct filestore *fs, const struct sbuf *passphrase)
{
	unsigned char key[FSC_KEY_LEN];
	int r;

	fs_forget(fs);
	/* the header as it is now: another process may have run passwd */
	if ((r = read_header(fs)) != FS_OK)
		return r;
	if ((r = fsc_derive(passphrase, &fs->hdr.kdf, fs->hdr.salt, key)) != FS_OK)
		return r;
	r = try_key(fs, key);
	wipe(key, sizeof(key));
	return r;
}

/* ---- the cache ---- */

static void cache_desc(const struct fsc_header *h, char desc[128])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = sizeof(CACHE_PREFIX) - 1;

	memcpy(desc, CACHE_PREFIX, n);
	for (size_t i = 0; i < FSC_SALT_LEN; i++) {
		desc[n++] = hex[h->salt[i] >> 4];
		desc[n++] = hex[h->salt[i] & 15];
	}
	desc[n] = '\0';
}

int fs_cache_load(struct filestore *fs)
{
	unsigned char key[FSC_KEY_LEN];
	char desc[128];
	int r;

	fs_forget(fs);
	if ((r = read_header(fs)) != FS_OK)
		return r;
	cache_desc(&fs->hdr, desc);
	if ((r = fsc_cache_get(desc, key)) != FS_OK)
		return r;
	r = try_key(fs, key);
	wipe(key, sizeof(key));
	if (r == FS_ERR_AUTH) {
		(void)fsc_cache_drop(desc);
		r = FS_ERR_NOT_CACHED;
	}
	return r;
}

int fs_cache_save(struct filestore *fs, unsigned timeout)
{
	char desc[128];

	if (!fs->has_key)
		return FS_ERR_LOCKED;
	cache_desc(&fs->hdr, desc);
	return fsc_cache_put(desc, fs->key, timeout);
}

int fs_cache_drop(struct filestore *fs)
{
	char desc[128];

	cache_desc(&fs->hdr, desc);
	return fsc_cache_drop(desc);
}

int fs_passwd(struct filestore *fs, const struct sbuf *new_passphrase,
	      const struct fs_kdf *kdf)
{
	struct fs_items items = { NULL, 0, 0 };
	struct fsc_header old, nh;
	unsigned char new_key[FSC_KEY_LEN];
	char desc[128];
	int r, lock = -1;

	if (!fs->has_key)
		return FS_ERR_LOCKED;
	nh = fs->hdr;
	nh.version = FSC_VERSION;
	if (kdf != NULL)
		nh.kdf = *kdf;
	if ((r = fsc_kdf_check(&nh.kdf)) != FS_OK ||
	    (r = fsc_random(nh.salt, FSC_SALT_LEN)) != FS_OK)
		return r;
	/* the slow derivation before the lock: others wait only for the write */
	if ((r = fsc_derive(new_passphrase, &nh.kdf, nh.salt, new_key)) != FS_OK)
		return r;
	if ((r = fsf_lock(fs->lock, &lock)) != FS_OK || (r = load(fs, &items)) != FS_OK)
		goto out;
	old = fs->hdr;
	fs->hdr = nh;
	memcpy(fs->key, new_key, FSC_KEY_LEN);
	if ((r = save(fs, &items)) != FS_OK) {
		fs_forget(fs);	/* the old file stays: unlock it again */
		fs->hdr = old;
		goto out;
	}
	cache_desc(&old, desc);
	(void)fsc_cache_drop(desc);
	r = FS_OK;
out:
	fsf_unlock(lock);
	fsi_free(&items);
	wipe(new_key, sizeof(new_key));
	return r;
}

int fs_search(struct filestore *fs, const struct ks_item *pattern,
	      unsigned flags, struct fs_list **out)
{
	struct fs_items items;
	struct fs_list *l = NULL;
	int r;

	*out = NULL;
	if ((r = load(fs, &items)) != FS_OK)
		return r;
	r = FS_ERR_NOMEM;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto out;
	if (items.n > 0 && (l->v = calloc(items.n, sizeof(*l->v))) == NULL)
		goto out;
	for (size_t i = 0; i < items.n; i++)
		if (fsi_matches(&items.v[i].it, pattern, flags))
			l->v[l->n++] = items.v[i].it;
	/* success */
	*out = l;
	l = NULL;
	r = FS_OK;
out:
	fs_list_free(l);
	fsi_free(&items);
	return r;
}

size_t fs_list_len(const struct fs_list *list)
{
	return list ? list->n : 0;
}

int fs_list_get(const struct fs_list *list, size_t i, struct ks_item *out)
{
	if (list == NULL || i >= list->n)
		return FS_ERR_NOT_FOUND;
	*out = list->v[i];
	return FS_OK;
}

const char *fs_list_id(const struct fs_list *list, size_t i)
{
	return list != NULL && i < list->n ? list->v[i].id : NULL;
}

void fs_list_free(struct fs_list *list)
{
	if (list == NULL)
		return;
	free(list->v);
	free(list);
}

/* Load the store and find it->id: the entry in *e, items to free after. */
static int load_entry(struct filestore *fs, const char *id,
		      struct fs_items *items, struct fs_entry **e)
{
	int r;

	*e = NULL;
	if ((r = load(fs, items)) != FS_OK)
		return r;
	if ((*e = fsi_find(items, id)) == NULL) {
		fsi_free(items);
		return FS_ERR_NOT_FOUND;
	}
	return FS_OK;
}

int fs_item_load(struct filestore *fs, const char *id, struct ks_item *out)
{
	struct fs_items items;
	struct fs_entry *e;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = load_entry(fs, id, &items, &e)) != FS_OK)
		return r;
	*out = e->it;
	fsi_free(&items);
	return FS_OK;
}

int fs_get_secret(struct filestore *fs, const struct ks_item *it,
		  struct sbuf *out)
{
	struct fs_items items;
	struct fs_entry *e;
	int r;

	sbuf_reset(out);
	if ((r = load_entry(fs, it->id, &items, &e)) != FS_OK)
		return r;
	if (sbuf_add(out, e->secret.buf ? e->secret.buf : "", e->secret.len) != 0) {
		sbuf_free(out);
		r = FS_ERR_TOO_LONG;
	}
	fsi_free(&items);
	return r;
}

int fs_get_label(struct filestore *fs, const struct ks_item *it, char *buf,
		 size_t len)
{
	struct fs_items items;
	struct fs_entry *e;
	int r, n;

	if (len > 0)
		buf[0] = '\0';
	if ((r = load_entry(fs, it->id, &items, &e)) != FS_OK)
		return r;
	n = snprintf(buf, len, "%s", e->label ? e->label : "");
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			buf[0] = '\0';
		r = FS_ERR_TOO_LONG;
	}
	fsi_free(&items);
	return r;
}

/* A fresh item id: "file:" and 32 hex digits. */
static int new_id(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t n = 5;
	int r;

	if (len < 5 + 2 * sizeof(rnd) + 1)
		return FS_ERR_INTERNAL;
	if ((r = fsc_random(rnd, sizeof(rnd))) != FS_OK)
		return r;
	memcpy(buf, "file:", 5);
	for (size_t i = 0; i < sizeof(rnd); i++) {
		buf[n++] = hex[rnd[i] >> 4];
		buf[n++] = hex[rnd[i] & 15];
	}
	buf[n] = '\0';
	return FS_OK;
}

int fs_store(struct filestore *fs, struct ks_item *it, const char *label,
	     const struct sbuf *secret)
{
	struct fs_items items = { NULL, 0, 0 };
	struct fs_entry *e;
	char id[sizeof(it->id)];
	char *lab = NULL;
	int r, lock = -1;

	if (strcmp(it->kind, KS_KIND_SSH_KEY) != 0 && it->username[0] == '\0')
		return FS_ERR_BAD_ARG;	/* tokens always have a username */
	if ((r = dup_label(label ? label : "", &lab)) != FS_OK ||
	    (r = new_id(id, sizeof(id))) != FS_OK)
		goto out;
	if ((r = fsf_lock(fs->lock, &lock)) != FS_OK || (r = load(fs, &items)) != FS_OK)
		goto out;
	for (size_t i = items.n; i-- > 0;)
		if (fsi_replaces(it, &items.v[i].it))
			fsi_remove(&items, i);
	if ((r = fsi_push(&items, &e)) != FS_OK)
		goto out;
	e->it = *it;
	memcpy(e->it.id, id, sizeof(id));
	if (e->it.created == 0)
		e->it.created = (long long)time(NULL);
	e->label = lab;
	lab = NULL;
	e->secret.max = FS_MAX_PLAINTEXT;
	if (sbuf_add(&e->secret, secret->buf ? secret->buf : "", secret->len) != 0) {
		r = FS_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = save(fs, &items)) != FS_OK)
		goto out;
	/* success */
	it->created = e->it.created;
	memcpy(it->id, id, sizeof(id));
out:
	fsf_unlock(lock);
	fsi_free(&items);
	free(lab);
	return r;
}

int fs_update(struct filestore *fs, const struct ks_item *it,
	      const char *label)
{
	struct fs_items items = { NULL, 0, 0 };
	struct fs_entry *e;
	char *lab = NULL;
	int r, lock = -1;

	if (label != NULL && (r = dup_label(label, &lab)) != FS_OK)
		return r;
	if ((r = fsf_lock(fs->lock, &lock)) != FS_OK ||
	    (r = load_entry(fs, it->id, &items, &e)) != FS_OK)
		goto out;
	e->it = *it;
	if (lab != NULL) {
		free(e->label);
		e->label = lab;
		lab = NULL;
	}
	r = save(fs, &items);
out:
	fsf_unlock(lock);
	fsi_free(&items);
	free(lab);
	return r;
}

int fs_delete(struct filestore *fs, const struct ks_item *it)
{
	struct fs_items items = { NULL, 0, 0 };
	struct fs_entry *e;
	int r, lock = -1;

	if ((r = fsf_lock(fs->lock, &lock)) != FS_OK ||
	    (r = load_entry(fs, it->id, &items, &e)) != FS_OK)
		goto out;
	fsi_remove(&items, (size_t)(e - items.v));
	r = save(fs, &items);
out:
	fsf_unlock(lock);
	fsi_free(&items);
	return r;
}

const char *fs_strerror(int err)
{
	switch (err) {
	case FS_OK: return "success";
	case FS_ERR_INTERNAL: break;
	case FS_ERR_NOMEM: return "out of memory";
	case FS_ERR_IO: return "cannot read or write the store file";
	case FS_ERR_NO_HOME: return "neither XDG_DATA_HOME nor HOME is set";
	case FS_ERR_PATH_TOO_LONG: return "the store's path is too long";
	case FS_ERR_NO_STORE: return "there is no store file";
	case FS_ERR_EXISTS: return "the store file already exists";
	case FS_ERR_NOT_REGULAR: return "the store path is not a regular file";
	case FS_ERR_OWNER: return "the store file belongs to another user";
	case FS_ERR_PERMS: return "the store file is accessible by other users";
	case FS_ERR_DIR_PERMS: return "the store's directory is writable by other users";
	case FS_ERR_FORMAT: return "not a store file";
	case FS_ERR_TRUNCATED: return "the store file is truncated";
	case FS_ERR_NEWER: return "the store file was written by a newer version";
	case FS_ERR_KDF_PARAMS: return "the store's key derivation parameters are out of bounds";
	case FS_ERR_AUTH: return "wrong passphrase, or the store file was altered";
	case FS_ERR_CORRUPT: return "the store's contents do not parse";
	case FS_ERR_LOCKED: return "the store is locked";
	case FS_ERR_LOCK_TIMEOUT: return "another process holds the store's lock";
	case FS_ERR_NOT_FOUND: return "no such item";
	case FS_ERR_TOO_LONG: return "a value is too long";
	case FS_ERR_TOO_LARGE: return "the store would be too large";
	case FS_ERR_EMPTY_PASSPHRASE: return "the passphrase is empty";
	case FS_ERR_NO_KEYRING: return "the kernel keyring is not available";
	case FS_ERR_NOT_CACHED: return "no cached key for the store";
	case FS_ERR_BAD_ARG: return "invalid argument";
	}
	return "internal error";
}
