/*
 * ssh-timing.c - GCB_TIMING=FD phase lines (ssh-timing.h).
 */
#include "ssh/ssh-timing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

long long timing_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* GCB_TIMING's descriptor, or -1: a number of an open descriptor, nothing else. */
static int timing_fd(void)
{
	const char *v = getenv("GCB_TIMING");
	char *end;
	long fd;

	if (v == NULL || *v == '\0')
		return -1;
	errno = 0;
	fd = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || fd < 2 || fd > 1024 || fcntl((int)fd, F_GETFD) < 0)
		return -1;
	return (int)fd;
}

void timing_end(const char *phase, long long start)
{
	char line[80];
	long long us;
	int fd = timing_fd(), n;

	if (fd < 0)
		return;
	us = timing_start() - start;
	n = snprintf(line, sizeof(line), "%s %lld.%03lld\n", phase, us / 1000, us % 1000);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(fd, line, (size_t)n);	/* one write: lines from two threads stay whole */
}
