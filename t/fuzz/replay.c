/*
 * replay.c - main() for the fuzz targets when they are built without
 * libFuzzer (gcc, `make units`): feeds each file named on the command line,
 * or each file in each directory named, to LLVMFuzzerTestOneInput() once,
 * in name order, and prints "replayed N inputs".  A broken invariant or a
 * sanitizer report aborts, naming the input on stderr first.  An input
 * that runs longer than GCB_FUZZ_TIMEOUT seconds (10; libFuzzer's -timeout
 * in `make fuzz`) fails too: a parser that hangs is a finding.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* libFuzzer calls this first when a target defines it; so do we. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static long count;
static const char *current;
static unsigned timeout_seconds = 10;

static void on_alarm(int sig)
{
	static const char a[] = "replay: ", b[] = ": still running after the time limit "
		"(GCB_FUZZ_TIMEOUT); a hang is a finding\n";

	(void)sig;
	if (write(2, a, sizeof(a) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, b, sizeof(b) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((buf = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "replay: out of memory reading %s\n", path);
				fclose(f);
				return -1;
			}
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* an exactly sized copy, so an over-read past the input is caught */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		if (len > 0)
			memcpy(exact, buf, len);
		free(buf);
		fprintf(stderr, "replay: %s\n", path);
		current = path;
		alarm(timeout_seconds);
		LLVMFuzzerTestOneInput(exact, len);
		alarm(0);
		free(exact);
	}
	count++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l;

		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				abort();
		}
		l = strlen(dir) + strlen(e->d_name) + 2;
		if ((names[n] = malloc(l)) == NULL)
			abort();
		snprintf(names[n], l, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (r == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			r = replay_file(names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
		return 2;
	}
	if (getenv("GCB_FUZZ_TIMEOUT") != NULL) {
		char *end;
		unsigned long t = strtoul(getenv("GCB_FUZZ_TIMEOUT"), &end, 10);

		if (*end != '\0' || t == 0 || t > 86400) {
			fprintf(stderr, "replay: GCB_FUZZ_TIMEOUT must be 1..86400 seconds\n");
			return 2;
		}
		timeout_seconds = (unsigned)t;
	}
	signal(SIGALRM, on_alarm);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) != 0)
			return 1;
	}
	printf("replayed %ld inputs\n", count);
	return 0;
}
