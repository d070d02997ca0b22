/*
 * lock.c - one writer at a time (see lock.h).
 */
#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME "git-credential-bitbucket.lock"

/* A directory only this user can write to: its own, no symlink, no group or other write. */
static int dir_is_private(const char *dir)
{
	struct stat st;

	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && (st.st_mode & 022) == 0;
}

/* The lock file's directory: $XDG_RUNTIME_DIR, else /tmp/git-credential-bitbucket-UID. */
static int lock_dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg != NULL && xdg[0] == '/' && dir_is_private(xdg)) {
		n = snprintf(dir, len, "%s", xdg);
		return n > 0 && (size_t)n < len ? 0 : GCB_LOCK_ERROR;
	}
	n = snprintf(dir, len, "/tmp/git-credential-bitbucket-%lu",
		     (unsigned long)geteuid());
	if (n <= 0 || (size_t)n >= len)
		return GCB_LOCK_ERROR;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return GCB_LOCK_ERROR;
	return dir_is_private(dir) ? 0 : GCB_LOCK_UNSAFE;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gcb_lock(int timeout_ms, int *fd, char *path, size_t len)
{
	char dir[4096], holder[32] = "";
	long long deadline = now_ms() + timeout_ms;
	int r, n, f, delay_ms = 2;

	*fd = -1;
	if (len > 0)
		path[0] = '\0';
	if ((r = lock_dir(dir, sizeof(dir))) != 0) {
		if (len > 0)
			snprintf(path, len, "%s", dir);
		return r;
	}
	n = snprintf(path, len, "%s/" LOCK_NAME, dir);
	if (n <= 0 || (size_t)n >= len)
		return GCB_LOCK_ERROR;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (f < 0)
		return GCB_LOCK_ERROR;
	for (;;) {
		char seen[32];
		ssize_t n_seen;

		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			/* who holds it now: waiters see the queue move */
			n = snprintf(seen, sizeof(seen), "%ld\n", (long)getpid());
			r = ftruncate(f, 0) == 0 && pwrite(f, seen, (size_t)n, 0) == n;
			(void)r;	/* only a hint for the waiters */
			*fd = f;
			return GCB_LOCK_OK;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			close(f);
			errno = e;
			return GCB_LOCK_ERROR;
		}
		/* the wait is for one holder: a new one starts it again */
		n_seen = pread(f, seen, sizeof(seen) - 1, 0);
		seen[n_seen > 0 ? n_seen : 0] = '\0';
		if (strcmp(seen, holder) != 0) {
			memcpy(holder, seen, sizeof(holder));
			deadline = now_ms() + timeout_ms;
		} else if (now_ms() >= deadline) {
			close(f);
			return GCB_LOCK_TIMEOUT;
		}
		/* short waits first: a writer holds it for a few D-Bus calls */
		usleep((useconds_t)delay_ms * 1000);
		if (delay_ms < 50)
			delay_ms *= 2;
	}
}

void gcb_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}
