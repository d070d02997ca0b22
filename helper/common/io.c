/*
 * io.c - see io.h.
 */
#include "common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			(void)poll(&p, 1, -1);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return -1;
		}
	}
	return 0;
}

int run_git(char *const argv[], char *out, size_t cap, size_t *len)
{
	int pfd[2], status = 0;
	pid_t pid;
	size_t n = 0;

	*len = 0;
	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	fflush(stdout);		/* the child must not write our buffered output again */
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		if (devnull < 0 || dup2(devnull, 0) < 0 ||
		    dup2(pfd[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r;

		if (n >= cap - 1) {
			/* too much: drain and drop the rest */
			char sink[4096];

			r = read(pfd[0], sink, sizeof(sink));
		} else {
			r = read(pfd[0], out + n, cap - 1 - n);
			if (r > 0)
				n += (size_t)r;
		}
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			break;
	}
	close(pfd[0]);
	out[n] = '\0';
	*len = n;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
