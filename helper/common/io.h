/*
 * io.h - writing to a descriptor, and running git.
 *
 * Nothing here prints.
 */
#ifndef GCB_COMMON_IO_H
#define GCB_COMMON_IO_H

#include <stddef.h>

/*
 * All of [buf, buf+len) to fd, retrying on EINTR and waiting in poll() on
 * EAGAIN (a descriptor someone left non-blocking); 0, or -1 with errno.
 */
int write_all(int fd, const char *buf, size_t len);

/*
 * Run argv (argv[0] is "git", looked up in PATH) with stdin and stderr on
 * /dev/null; its stdout into out[cap] with a terminating NUL (cap >= 1),
 * its length into *len.  What does not fit is read and dropped, so git
 * never blocks on a full pipe.  Returns git's exit status (0..255), or -1
 * when git could not be started or did not exit normally.
 */
int run_git(char *const argv[], char *out, size_t cap, size_t *len);

#endif
