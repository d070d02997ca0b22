/*
 * modload.c - ks_module_open (modload.h).
 */
#include "modload.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

void *ks_module_open(const char *name, const void *anchor, char *why, size_t n)
{
	char path[PATH_MAX];
	struct stat st;
	Dl_info self;
	const char *slash;
	void *h;
	int fd, len;

	/* our own file: the directory the gate loaded the core module from */
	if (dladdr(anchor, &self) == 0 || self.dli_fname == NULL ||
	    (slash = strrchr(self.dli_fname, '/')) == NULL) {
		snprintf(why, n, "cannot find the directory of the core module "
			 "to load %s from; reinstall with 'make install'", name);
		return NULL;
	}
	len = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self.dli_fname),
		       self.dli_fname, name);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		snprintf(why, n, "the module directory is too long to load %s "
			 "from; reinstall with a shorter PREFIX", name);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, n, "cannot load the module %s: %s; reinstall "
			 "with 'make install'", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, n, "refusing to load %s: it is not owned by root "
			 "or you, or it is writable by group or others; "
			 "reinstall with 'make install'", path);
		return NULL;
	}
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, n, "cannot load the module %s: %s; reinstall "
			 "with 'make install'", path, dlerror());
		return NULL;
	}
	return h;
}
