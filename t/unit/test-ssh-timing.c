/*
 * test-ssh-timing.c - GCB_TIMING=FD (helper/ssh/ssh-timing.h): one
 * "PHASE MS" line to an open descriptor 2 or above, nothing otherwise.
 */
#include "unit.h"
#include "ssh/ssh-timing.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * What timing_end() wrote with GCB_TIMING=value, into out ("" for
 * nothing): to the pipe named by its number when use_pipe_fd, else to the
 * pipe put on descriptor `on` (0 or 1) for the time of the call.
 */
static void written(const char *value, int use_pipe_fd, int on, char *out, size_t len)
{
	int p[2], saved = -1;
	char fd[16];
	ssize_t n;

	out[0] = '\0';
	fflush(stdout);
	if (pipe2(p, O_NONBLOCK) != 0)
		return;
	snprintf(fd, sizeof(fd), "%d", p[1]);
	if (value == NULL)
		unsetenv("GCB_TIMING");
	else
		setenv("GCB_TIMING", use_pipe_fd ? fd : value, 1);
	if (on >= 0) {
		saved = dup(on);
		dup2(p[1], on);
	}
	timing_end("kex", timing_start() - 1500);
	if (saved >= 0) {
		dup2(saved, on);
		close(saved);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

int main(void)
{
	char buf[128];
	char *end;
	double ms;

	written("pipe", 1, -1, buf, sizeof(buf));
	report(strncmp(buf, "kex ", 4) == 0 && buf[strlen(buf) - 1] == '\n',
	       "an open descriptor gets one 'PHASE MS' line");
	ms = strtod(buf + 4, &end);
	report(ms >= 1.5 && ms < 1000 && *end == '\n' && strchr(buf + 4, '.') != NULL,
	       "the milliseconds since timing_start(), with 3 decimals");

	written(NULL, 0, 1, buf, sizeof(buf));
	report(buf[0] == '\0', "unset: nothing written");
	written("", 0, 1, buf, sizeof(buf));
	report(buf[0] == '\0', "empty: nothing written");
	written("x3", 0, 1, buf, sizeof(buf));
	report(buf[0] == '\0', "not a number: nothing written");
	written("1", 0, 1, buf, sizeof(buf));
	report(buf[0] == '\0', "1 (git's protocol on stdout) is refused");
	written("0", 0, 0, buf, sizeof(buf));
	report(buf[0] == '\0', "0 is refused");
	written("1000", 0, -1, buf, sizeof(buf));
	report(buf[0] == '\0', "a closed descriptor: nothing written, no failure");
	return unit_done();
}
