/*
 * harden.c - see harden.h.
 */
#include "common/harden.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A standard descriptor left closed by the caller would be taken by the
 * next open() or socket() (the SSH connection, the D-Bus socket), and
 * writes meant for stdout would go there.  Fill the gaps: stdin reads
 * EOF (/dev/null), stdout fails loudly (/dev/full: ENOSPC), stderr is
 * discarded (/dev/null).
 */
static void fill_std_fds(void)
{
	static const char *const dev[3] = { "/dev/null", "/dev/full", "/dev/null" };
	int fd;

	for (fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open(dev[fd], fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(127);	/* not the lowest free descriptor: give up */
	}
}

void harden(void)
{
	struct rlimit nocore = { 0, 0 };

	fill_std_fds();
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &nocore);
	umask(077);
}
