/*
 * ssh-timing.h - opt-in phase timing for `make bench`: with GCB_TIMING=FD
 * in the environment (FD an open descriptor, 2 or above: 1 is git's
 * protocol), timing_end() writes one line "PHASE MS" to FD, MS the milliseconds
 * (3 decimals) since the matching timing_start().  Off by default; without
 * GCB_TIMING both calls cost a clock read at most.  Phase names and times
 * only: nothing about hosts, keys or secrets is written.
 */
#ifndef GCB_SSH_TIMING_H
#define GCB_SSH_TIMING_H

/* Now, in microseconds of CLOCK_MONOTONIC. */
long long timing_start(void);

/* "PHASE MS\n" to GCB_TIMING's descriptor, when it is set; never fails. */
void timing_end(const char *phase, long long start);

#endif
