/*
 * spawn-us.c - for `make bench`: the wall time of one run of a program,
 * started as git starts a credential helper (a new process, its standard
 * input from a file, its output discarded), in microseconds.  Bash's own
 * fork of itself costs more than the programs being compared (7.4 ms for
 * /bin/true on the 2-CPU test machine, against 8.1 ms for the helper's
 * --version): posix_spawn() from this small process keeps that out of both
 * sides of every ratio.
 *
 *   spawn-us INPUT PROGRAM [ARG...]   prints the microseconds; exit 0 when
 *                                     PROGRAM exited 0, else 1
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec a, b;
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn-us INPUT PROGRAM [ARG...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, argv[1], O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
		perror("spawn-us: posix_spawn");
		return 1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
