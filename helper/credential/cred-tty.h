/*
 * cred-tty.h - what the shell verbs say to and read from the person:
 * prompts, lines read without a stdio copy, secrets read with echo off,
 * and the refusal of a host that is not Bitbucket.
 *
 * Lines are read into a struct sbuf (keystore/secret.h), whose max bounds
 * them; the caller wipes it with sbuf_free().  Nothing here holds a copy.
 */
#ifndef GCB_CRED_TTY_H
#define GCB_CRED_TTY_H

#include "secret.h"
#include "bitbucket/target.h"

/* What tty_read_line() and tty_read_hidden() return. */
enum {
	TTY_OK = 0,		/* a line, maybe empty */
	TTY_EOF = 1,		/* end of input before a single byte */
	TTY_TOO_LONG = -1,	/* longer than sb->max; sb is left empty */
	TTY_ERROR = -2,		/* read(2) failed; see errno */
	TTY_NO_ECHO = -3,	/* tty_read_hidden(): in is not a terminal, or
				   its echo cannot be turned off; nothing was
				   written or read */
};

/* Write all of s to fd (a prompt: a failure is ignored). */
void tty_write(int fd, const char *s);

/*
 * One line from fd, byte by byte (no stdio buffer keeps a copy), without
 * its "\n" or "\r\n", into sb (emptied first).
 */
int tty_read_line(int fd, struct sbuf *sb);

/*
 * Turn off the echo of the terminal in, then write prompt to out, read one
 * line from in and write "\n" to out (the person's Enter was not echoed).
 * Echo goes off before the prompt is written, so nothing typed after the
 * prompt is ever shown.  It comes back on every return, and on SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, SIGTSTP and SIGALRM, after which the signal
 * goes to the handler it had before (the watchdog prints its line and
 * exits) or, when it had none, does its default even if it was ignored:
 * Ctrl-C kills the process (status 130).  One hidden read at a time (the
 * saved terminal state is global).
 */
int tty_read_hidden(int in, int out, const char *prompt, struct sbuf *sb);

/*
 * For a target of PRODUCT_NONE: print "'HOST[:PORT]' is not bitbucket.org
 * or a declared Data Center host; ..." with the git config line that
 * declares it, and return EXIT_REFUSED.
 */
int tty_not_bitbucket(const struct target *t);

#endif
