/*
 * harden.c - see harden.h.
 */
#include "common/harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

void harden(void)
{
	struct rlimit nocore = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &nocore);
	umask(077);
}
