/*
 * ksbackend.c - keystore.h's interface over its two backends: the Secret
 * Service (keystore.c, kss_*) and the encrypted file store (filestore.c,
 * fs_*).  A handle is one or the other for its whole life; which one is
 * the programs' policy (helper/keyring.c).  File store errors travel as
 * KS_ERR_FILE(fs_err), except those every caller already tests for
 * (not found, too long, out of memory), which become the KS_ERR_* codes.
 */
#include "keystore.h"
#include "keystore-ss.h"
#include "filestore.h"

#include <stdlib.h>
#include <string.h>

struct keystore {
	int backend;			/* KS_BACKEND_* */
	struct kss *ss;
	struct filestore *fs;
};

struct ks_list {
	int backend;
	struct kss_list *ss;
	struct fs_list *fs;
};

static unsigned long stores_made;

static int fs_err(int r)
{
	switch (r) {
	case FS_OK: return KS_OK;
	case FS_ERR_NOT_FOUND: return KS_ERR_NOT_FOUND;
	case FS_ERR_TOO_LONG: return KS_ERR_TOO_LONG;
	case FS_ERR_NOMEM: return KS_ERR_NOMEM;
	}
	return KS_ERR_FILE(r);
}

int ks_open(struct keystore **out)
{
	struct keystore *ks;
	int r;

	*out = NULL;
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return KS_ERR_NOMEM;
	ks->backend = KS_BACKEND_SECRET_SERVICE;
	if ((r = kss_open(&ks->ss)) != KS_OK) {
		free(ks);
		return r;
	}
	*out = ks;
	return KS_OK;
}

int ks_probe(struct keystore *ks)
{
	if (ks->backend != KS_BACKEND_SECRET_SERVICE)
		return KS_OK;
	return kss_probe(ks->ss);
}

int ks_open_file(struct filestore *fs, struct keystore **out)
{
	struct keystore *ks;

	*out = NULL;
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return KS_ERR_NOMEM;
	ks->backend = KS_BACKEND_FILE;
	ks->fs = fs;
	*out = ks;
	return KS_OK;
}

int ks_backend(const struct keystore *ks)
{
	return ks->backend;
}

struct filestore *ks_filestore(struct keystore *ks)
{
	return ks->fs;
}

unsigned long ks_stores_made(void)
{
	return stores_made;
}

void ks_close(struct keystore *ks)
{
	if (ks == NULL)
		return;
	kss_close(ks->ss);
	fs_close(ks->fs);
	free(ks);
}

int ks_search(struct keystore *ks, const struct ks_item *pattern,
	      unsigned flags, struct ks_list **out, size_t *locked_out)
{
	struct ks_list *l;
	int r;

	*out = NULL;
	if (locked_out != NULL)
		*locked_out = 0;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return KS_ERR_NOMEM;
	l->backend = ks->backend;
	if (ks->backend == KS_BACKEND_FILE)
		r = fs_err(fs_search(ks->fs, pattern, flags, &l->fs));
	else
		r = kss_search(ks->ss, pattern, flags, &l->ss, locked_out);
	if (r != KS_OK) {
		free(l);
		return r;
	}
	*out = l;
	return KS_OK;
}

size_t ks_list_len(const struct ks_list *list)
{
	if (list == NULL)
		return 0;
	return list->backend == KS_BACKEND_FILE ? fs_list_len(list->fs) :
						  kss_list_len(list->ss);
}

int ks_list_get(struct keystore *ks, const struct ks_list *list, size_t i,
		struct ks_item *out)
{
	if (list->backend == KS_BACKEND_FILE)
		return fs_err(fs_list_get(list->fs, i, out));
	return kss_list_get(ks->ss, list->ss, i, out);
}

const char *ks_list_id(const struct ks_list *list, size_t i)
{
	return list->backend == KS_BACKEND_FILE ? fs_list_id(list->fs, i) :
						  kss_list_id(list->ss, i);
}

int ks_item_load(struct keystore *ks, const char *id, struct ks_item *out)
{
	if (ks->backend == KS_BACKEND_FILE)
		return fs_err(fs_item_load(ks->fs, id, out));
	return kss_item_load(ks->ss, id, out);
}

void ks_list_free(struct ks_list *list)
{
	if (list == NULL)
		return;
	fs_list_free(list->fs);
	kss_list_free(list->ss);
	free(list);
}

int ks_get_secret(struct keystore *ks, const struct ks_item *it,
		  struct sbuf *out)
{
	if (ks->backend == KS_BACKEND_FILE)
		return fs_err(fs_get_secret(ks->fs, it, out));
	return kss_get_secret(ks->ss, it, out);
}

int ks_get_label(struct keystore *ks, const struct ks_item *it, char *buf,
		 size_t len)
{
	if (ks->backend == KS_BACKEND_FILE)
		return fs_err(fs_get_label(ks->fs, it, buf, len));
	return kss_get_label(ks->ss, it, buf, len);
}

int ks_store(struct keystore *ks, struct ks_item *it, const char *label,
	     const struct sbuf *secret)
{
	int r;

	if (ks->backend == KS_BACKEND_FILE)
		r = fs_err(fs_store(ks->fs, it, label, secret));
	else
		r = kss_store(ks->ss, it, label, secret);
	if (r == KS_OK)
		stores_made++;
	return r;
}

int ks_delete(struct keystore *ks, const struct ks_item *it)
{
	int r;

	if (ks->backend == KS_BACKEND_FILE)
		r = fs_err(fs_delete(ks->fs, it));
	else
		r = kss_delete(ks->ss, it);
	/* already gone (another writer, another tool): what was asked for */
	return r == KS_ERR_NOT_FOUND ? KS_OK : r;
}

int ks_update(struct keystore *ks, const struct ks_item *it,
	      const char *label)
{
	if (ks->backend == KS_BACKEND_FILE)
		return fs_err(fs_update(ks->fs, it, label));
	return kss_update(ks->ss, it, label);
}

const char *ks_strerror(int err)
{
	if (KS_IS_FILE_ERR(err))
		return fs_strerror(KS_FILE_ERR(err));
	return kss_strerror(err);
}
