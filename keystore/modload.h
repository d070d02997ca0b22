/*
 * modload.h - loading one of our own modules on first use, from the
 * directory of the module (or program) that holds the caller: the core
 * module loads the file store's crypto (fsc-lazy.c) and libsecret's
 * writer (keystore.c) this way, so that git's get loads neither.
 */
#ifndef GCB_MODLOAD_H
#define GCB_MODLOAD_H

#include <stddef.h>

/*
 * dlopen NAME from the directory of the object holding ANCHOR (the
 * address of one of the caller's functions), after the checks the gate
 * makes on the core module (a regular file, owned by root or the user,
 * not writable by group or others).  The handle, or NULL with WHY (N
 * bytes) set to one sentence that ends in what to do.
 */
void *ks_module_open(const char *name, const void *anchor, char *why, size_t n);

#endif
