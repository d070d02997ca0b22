/*
 * lock.h - one writer at a time: the lock that serializes the keyring's
 * read-modify-write (store, erase, login, logout, the key verbs) among
 * this user's processes.
 *
 * The lock is flock() on a file in $XDG_RUNTIME_DIR (a directory the
 * user owns, mode 0700), else in /tmp/git-credential-bitbucket-UID/,
 * created 0700 and used only when the user owns it, it is no symlink and
 * nobody else can write to it.  The kernel drops the lock when the
 * process ends, however it ends.
 *
 * Nothing here prints.
 */
#ifndef GCB_COMMON_LOCK_H
#define GCB_COMMON_LOCK_H

#include <stddef.h>

enum {
	GCB_LOCK_OK = 0,
	GCB_LOCK_TIMEOUT = -1,	/* another process held it for the whole wait */
	GCB_LOCK_UNSAFE = -2,	/* the directory is not the user's own, 0700 */
	GCB_LOCK_ERROR = -3,	/* cannot create or open the file (errno) */
};

/*
 * Wait for the lock while one holder keeps it at most timeout_ms: the
 * holder writes its pid into the file, and a new holder (the queue moved)
 * starts the wait again, so a long queue of short writers never times out
 * but one stuck writer does.  0 with *fd the descriptor that
 * holds it (close-on-exec: a child never inherits it), or a GCB_LOCK_*
 * code.  path[len] receives the lock file's path in either case (for the
 * message).
 */
int gcb_lock(int timeout_ms, int *fd, char *path, size_t len);

/* Give it back (the descriptor is closed). */
void gcb_unlock(int fd);

#endif
