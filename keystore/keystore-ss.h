/*
 * keystore-ss.h - the Secret Service backend (keystore.c, the only
 * D-Bus user) under its own names, for ksbackend.c alone.  Each kss_*
 * function is keystore.h's ks_* of the same name with the semantics
 * described there; callers outside keystore/ use keystore.h.
 */
#ifndef GCB_KEYSTORE_SS_H
#define GCB_KEYSTORE_SS_H

#include <stddef.h>
#include "keystore.h"

struct kss;
struct kss_list;

int kss_open(struct kss **out);
void kss_close(struct kss *ks);
/*
 * Is the Secret Service there and its default collection unlocked?  One
 * round trip: KS_OK, KS_ERR_LOCKED, KS_ERR_NO_SERVICE, KS_ERR_NO_COLLECTION
 * (no default collection), or the call's error.
 */
int kss_probe(struct kss *ks);
int kss_search(struct kss *ks, const struct ks_item *pattern, unsigned flags,
	       struct kss_list **out, size_t *locked_out);
size_t kss_list_len(const struct kss_list *list);
int kss_list_get(struct kss *ks, const struct kss_list *list, size_t i,
		 struct ks_item *out);
const char *kss_list_id(const struct kss_list *list, size_t i);
int kss_item_load(struct kss *ks, const char *id, struct ks_item *out);
void kss_list_free(struct kss_list *list);
int kss_get_secret(struct kss *ks, const struct ks_item *it, struct sbuf *out);
int kss_store(struct kss *ks, struct ks_item *it, const char *label,
	      const struct sbuf *secret);
int kss_delete(struct kss *ks, const struct ks_item *it);
int kss_update(struct kss *ks, const struct ks_item *it, const char *label);
int kss_get_label(struct kss *ks, const struct ks_item *it, char *buf,
		  size_t len);
const char *kss_strerror(int err);

#endif
