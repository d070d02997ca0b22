/*
 * fsc-lazy.c - the file store's crypto and key cache (filestore-int.h's
 * fsc_* calls) for the core module, loaded on first use.
 *
 * git's get, store and erase run the core module, and with a working
 * Secret Service they never touch the file store.  OpenSSL (libcrypto) and
 * libkeyutils cost a `get` about a fifth of its time just to be loaded and
 * relocated, so the core module does not link them: filestore-crypto.c and
 * filestore-cache.c are built into their own module,
 * git-credential-bitbucket-crypto.so (Makefile: CRYPTO_MODULE), and the
 * calls below load it from the core module's own directory the first time
 * the file store needs one of them.  The keys module and the SSH wrapper
 * link those files directly (they need OpenSSL anyway).
 *
 * The module is checked as the gate checks the core module (owned by root
 * or the user, not writable by group or others).  When it cannot be
 * loaded every call fails with FS_ERR_INTERNAL and fsc_module_error()
 * says why, for the one line helper/keyring.c prints.
 */
#include "filestore-int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define CRYPTO_MODULE "git-credential-bitbucket-crypto.so"

static struct {
	int (*kdf_check)(const struct fs_kdf *);
	int (*parse_header)(const unsigned char *, size_t, struct fsc_header *);
	int (*derive)(const struct sbuf *, const struct fs_kdf *,
		      const unsigned char *, unsigned char *);
	int (*random)(void *, size_t);
	int (*seal)(const unsigned char *, const struct fs_kdf *,
		    const unsigned char *, const struct sbuf *, struct sbuf *);
	int (*open)(const unsigned char *, const unsigned char *, size_t,
		    struct sbuf *);
	int (*cache_get)(const char *, unsigned char *);
	int (*cache_put)(const char *, const unsigned char *, unsigned);
	int (*cache_drop)(const char *);
} fn;
static int state;		/* 0: not tried, 1: loaded, -1: failed */
static char why[PATH_MAX + 200];

const char *fsc_module_error(void);

const char *fsc_module_error(void)
{
	return state < 0 ? why : NULL;
}

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL && why[0] == '\0')
		snprintf(why, sizeof(why), "the module %s is broken (no %s); "
			 "reinstall with 'make install'", CRYPTO_MODULE, name);
	return p;
}

static int load(void)
{
	char path[PATH_MAX];
	struct stat st;
	Dl_info self;
	const char *slash;
	void *h;
	int fd, n;

	if (state != 0)
		return state > 0 ? 0 : -1;
	state = -1;
	/* our own file: the directory the gate loaded the core module from */
	if (dladdr((void *)load, &self) == 0 || self.dli_fname == NULL ||
	    (slash = strrchr(self.dli_fname, '/')) == NULL) {
		snprintf(why, sizeof(why), "cannot find the directory of the "
			 "core module to load %s from; reinstall with 'make "
			 "install'", CRYPTO_MODULE);
		return -1;
	}
	n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self.dli_fname),
		     self.dli_fname, CRYPTO_MODULE);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(why, sizeof(why), "the module directory is too long to "
			 "load %s from; reinstall with a shorter PREFIX", CRYPTO_MODULE);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, sizeof(why), "cannot load the module %s: %s; "
			 "reinstall with 'make install'", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, sizeof(why), "refusing to load %s: it is not owned "
			 "by root or you, or it is writable by group or others; "
			 "reinstall with 'make install'", path);
		return -1;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, sizeof(why), "cannot load the module %s: %s; "
			 "reinstall with 'make install'", path, dlerror());
		return -1;
	}
	*(void **)&fn.kdf_check = sym(h, "fsc_kdf_check");
	*(void **)&fn.parse_header = sym(h, "fsc_parse_header");
	*(void **)&fn.derive = sym(h, "fsc_derive");
	*(void **)&fn.random = sym(h, "fsc_random");
	*(void **)&fn.seal = sym(h, "fsc_seal");
	*(void **)&fn.open = sym(h, "fsc_open");
	*(void **)&fn.cache_get = sym(h, "fsc_cache_get");
	*(void **)&fn.cache_put = sym(h, "fsc_cache_put");
	*(void **)&fn.cache_drop = sym(h, "fsc_cache_drop");
	if (why[0] != '\0')
		return -1;	/* the module stays loaded: nothing to undo */
	state = 1;
	return 0;
}

int fsc_kdf_check(const struct fs_kdf *kdf)
{
	return load() == 0 ? fn.kdf_check(kdf) : FS_ERR_INTERNAL;
}

int fsc_parse_header(const unsigned char *buf, size_t len, struct fsc_header *h)
{
	return load() == 0 ? fn.parse_header(buf, len, h) : FS_ERR_INTERNAL;
}

int fsc_derive(const struct sbuf *passphrase, const struct fs_kdf *kdf,
	       const unsigned char salt[FSC_SALT_LEN],
	       unsigned char key[FSC_KEY_LEN])
{
	return load() == 0 ? fn.derive(passphrase, kdf, salt, key) : FS_ERR_INTERNAL;
}

int fsc_random(void *buf, size_t len)
{
	return load() == 0 ? fn.random(buf, len) : FS_ERR_INTERNAL;
}

int fsc_seal(const unsigned char key[FSC_KEY_LEN], const struct fs_kdf *kdf,
	     const unsigned char salt[FSC_SALT_LEN], const struct sbuf *plain,
	     struct sbuf *out)
{
	return load() == 0 ? fn.seal(key, kdf, salt, plain, out) : FS_ERR_INTERNAL;
}

int fsc_open(const unsigned char key[FSC_KEY_LEN], const unsigned char *buf,
	     size_t len, struct sbuf *plain)
{
	return load() == 0 ? fn.open(key, buf, len, plain) : FS_ERR_INTERNAL;
}

int fsc_cache_get(const char *desc, unsigned char key[FSC_KEY_LEN])
{
	return load() == 0 ? fn.cache_get(desc, key) : FS_ERR_INTERNAL;
}

int fsc_cache_put(const char *desc, const unsigned char key[FSC_KEY_LEN],
		  unsigned timeout)
{
	return load() == 0 ? fn.cache_put(desc, key, timeout) : FS_ERR_INTERNAL;
}

int fsc_cache_drop(const char *desc)
{
	return load() == 0 ? fn.cache_drop(desc) : FS_ERR_INTERNAL;
}
