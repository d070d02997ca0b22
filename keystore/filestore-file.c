/*
 * filestore-file.c - the store file on disk: its default path, the checks
 * on the file and its directory, the lock and the atomic write.
 *
 * Readers read the whole file; they take no lock, because the file is
 * only ever replaced by rename(2), which readers see as either the old or
 * the new file.  Writers take an exclusive flock(2) on "<file>.lock" (not
 * on the store file itself, whose inode each write replaces), and write
 * a temporary file in the same directory, fsync it, rename it over the
 * store and fsync the directory: a crash leaves the old or the new file.
 */
#include "filestore-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fsf_join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s%s", a, b);

	return n < 0 || (size_t)n >= len ? FS_ERR_PATH_TOO_LONG : FS_OK;
}

int fs_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	/* the XDG rule: a relative XDG_DATA_HOME is ignored */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/%s/%s", xdg, FS_DIR_NAME, FS_FILE_NAME);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/share/%s/%s", home, FS_DIR_NAME,
			     FS_FILE_NAME);
	else
		return FS_ERR_NO_HOME;
	return n < 0 || (size_t)n >= len ? FS_ERR_PATH_TOO_LONG : FS_OK;
}

/* The directory must be the user's, writable by nobody else. */
int fsf_check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return errno == ENOENT ? FS_ERR_NO_STORE : FS_ERR_IO;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return FS_ERR_DIR_PERMS;
	return FS_OK;
}

/* mkdir -p, mode 0700 for what it makes. */
int fsf_make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return FS_ERR_PATH_TOO_LONG;
	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return FS_ERR_IO;
		buf[i] = dir[i];
	}
	return FS_OK;
}

/* The whole file into raw, after the checks on its type, owner and mode. */
int fsf_read_file(const char *path, struct sbuf *raw)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, r;

	sbuf_reset(raw);
	raw->max = FSC_HEADER_LEN + FS_MAX_PLAINTEXT + FSC_TAG_LEN;
	/* O_NONBLOCK: a FIFO planted there must not hang the open */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? FS_ERR_NO_STORE :
		       errno == ELOOP ? FS_ERR_NOT_REGULAR : FS_ERR_IO;
	if (fstat(fd, &st) != 0) {
		r = FS_ERR_IO;
		goto out;
	}
	r = !S_ISREG(st.st_mode) ? FS_ERR_NOT_REGULAR :
	    st.st_uid != geteuid() ? FS_ERR_OWNER :
	    (st.st_mode & 077) != 0 ? FS_ERR_PERMS : FS_OK;
	if (r != FS_OK)
		goto out;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = FS_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (sbuf_add(raw, chunk, (size_t)n) != 0) {
			r = FS_ERR_FORMAT;	/* larger than any store */
			goto out;
		}
	}
	r = FS_OK;
out:
	close(fd);
	return r;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replace the file with data: temporary file, fsync, rename, fsync dir. */
int fsf_write_atomic(const char *path, const char *dir,
		     const struct sbuf *data)
{
	char tmp[PATH_MAX];
	int fd, dfd, r, saved;

	if ((r = fsf_join(tmp, sizeof(tmp), path, ".XXXXXX")) != FS_OK)
		return r;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return FS_ERR_IO;
	if (fchmod(fd, 0600) != 0 || write_all(fd, data->buf, data->len) != 0 ||
	    fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return FS_ERR_IO;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return FS_ERR_IO;
	}
	/* the rename itself is durable once the directory is */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return FS_OK;
}

/* The exclusive lock, waited for at most FS_LOCK_WAIT_MS; the fd in *out. */
int fsf_lock(const char *lockpath, int *out)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int fd, waited = 0;

	*out = -1;
	fd = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ELOOP ? FS_ERR_NOT_REGULAR : FS_ERR_IO;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return FS_ERR_IO;
		}
		if (waited >= FS_LOCK_WAIT_MS) {
			close(fd);
			return FS_ERR_LOCK_TIMEOUT;
		}
		nanosleep(&pause, NULL);
		waited += 5;
	}
	*out = fd;
	return FS_OK;
}

void fsf_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}
