/*
 * maxrss.c - for `make bench`: run a command and append its peak resident
 * set size (getrusage of the child: wait4's ru_maxrss, KiB) to a file, as
 * `/usr/bin/time -a -o FILE -f %M` does, without needing GNU time.
 *
 *   maxrss FILE COMMAND [ARG...]     exits with COMMAND's status
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: maxrss FILE COMMAND [ARG...]\n");
		return 255;
	}
	if ((pid = fork()) < 0) {
		perror("maxrss: fork");
		return 255;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("maxrss: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("maxrss: wait4");
		return 255;
	}
	if ((f = fopen(argv[1], "a")) != NULL) {
		fprintf(f, "%ld\n", ru.ru_maxrss);
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}
