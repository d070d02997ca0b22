/*
 * ss-store.h - storing one item through libsecret: the only code that
 * links libsecret (and GLib), built into its own module,
 * git-credential-bitbucket-libsecret.so, which keystore.c loads the first
 * time something is stored (modload.h).  Reading never loads it.
 */
#ifndef GCB_SS_STORE_H
#define GCB_SS_STORE_H

#include <stddef.h>

#define SS_STORE_MODULE	"git-credential-bitbucket-libsecret.so"
#define SS_STORE_ENTRY	"ss_store_create"

/*
 * Create an item in the collection at COLLECTION (an object path) with
 * LABEL, the attributes KV (key, value, key, value, ..., NULL) and the
 * secret SECRET (LEN bytes, text/plain), through libsecret's service and
 * its encrypted session; every call bounded by TIMEOUT_MS.  KS_OK and
 * *PATH (the new item's object path, malloc'd), or a KS_ERR_* code.
 */
int ss_store_create(const char *collection, const char *label,
		    const char *const *kv, const char *secret, size_t len,
		    int timeout_ms, char **path);
typedef int ss_store_create_fn(const char *, const char *, const char *const *,
			       const char *, size_t, int, char **);

#endif
