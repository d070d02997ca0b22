/*
 * unit.h - the TAP counting every t/unit/test-*.c shares.
 *
 * Each case prints "ok N - name" or "not ok N - name" (t/t0100-unit.sh
 * greps for these); main ends with "return unit_done();", which prints
 * the plan "1..N" and "# passed N, failed M", and exits 1 when any case
 * failed.
 */
#ifndef GCB_UNIT_H
#define GCB_UNIT_H

#include <stdio.h>

static int unit_passed, unit_failed;

/* One case: ok is its verdict, name the sentence it prints. */
static inline void report(int ok, const char *name)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", unit_passed + unit_failed + 1,
	       name);
	if (ok)
		unit_passed++;
	else
		unit_failed++;
}

/* The closing lines; main's exit status. */
static inline int unit_done(void)
{
	printf("1..%d\n", unit_passed + unit_failed);
	printf("# passed %d, failed %d\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
