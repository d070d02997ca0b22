/*
 * dlopen-ms.c - for `make bench`: the time dlopen() takes to load a module
 * with everything it links (the credential helper's core module: sd-bus
 * from libsystemd, libgcrypt), in a fresh process, as the gate loads it.
 *
 *   dlopen-ms MODULE.so      prints the microseconds, exit 0; 1 if it fails
 */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: dlopen-ms MODULE.so\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	h = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (h == NULL) {
		fprintf(stderr, "dlopen-ms: %s\n", dlerror());
		return 1;
	}
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return 0;
}
