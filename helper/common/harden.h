/*
 * harden.h - what a process holding secrets sets first.
 */
#ifndef GCB_COMMON_HARDEN_H
#define GCB_COMMON_HARDEN_H

/*
 * No core dumps (RLIMIT_CORE 0), not dumpable (no ptrace or /proc/PID/mem
 * from other processes of the same user), and umask 077 for whatever we
 * create.  The core limit and the umask pass to children; dumpable does
 * not survive an exec.  A closed stdin, stdout or stderr is opened on
 * /dev/null, /dev/full and /dev/null, so no socket or file takes its place.
 */
void harden(void);

#endif
