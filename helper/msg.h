/*
 * msg.h - every line a person sees: "<prog>: <what went wrong>; <what to do>".
 * Lines go to stderr, one per call, lowercase start, no final period.
 * Never pass a secret to these functions.
 */
#ifndef GCB_MSG_H
#define GCB_MSG_H

void msg_set_prog(const char *prog);
const char *msg_prog(void);

/* "<prog>: <text>" */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<prog>: warning: <text>" */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<text>" on stdout, for the shell verbs' normal output */
void msg_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
