/*
 * cred-tty.c - prompts, lines and hidden input for the shell verbs, and
 * the refusal of a host that is not Bitbucket (see cred-tty.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "credential/cred.h"
#include "credential/cred-tty.h"
#include "msg.h"

#define N_CAUGHT (sizeof(caught) / sizeof(caught[0]))

/* The signals that would leave the terminal without echo. */
static const int caught[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGALRM
};

/* State of the one hidden read in progress, for the signal handler. */
static int tty_fd = -1;
static struct termios tty_saved, tty_hidden;
static volatile sig_atomic_t tty_echo_off;
static struct sigaction old_actions[N_CAUGHT];
static int handlers_set;

/*
 * Ctrl-Z at the prompt: give the terminal its echo back (the shell needs
 * it), stop, and once continued (fg) turn echo off again before the read
 * goes on.  TCSANOW, and NOFLSH in the hidden settings: what was typed
 * before Ctrl-Z stays in the line and is read with the rest.
 */
static void tty_stop(void)
{
	struct sigaction dfl, ours;
	sigset_t tstp;

	if (tty_echo_off)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &ours);
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	raise(SIGTSTP);		/* stops here until SIGCONT */
	sigaction(SIGTSTP, &ours, NULL);
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSANOW, &tty_hidden);
}

/*
 * Give the terminal its echo back, then end as we would have without the
 * prompt: a handler that was there before (the watchdog) runs; otherwise
 * the default action, even for a signal that was ignored (Ctrl-C at a
 * prompt ends it, whatever the parent of a background job asked for).
 * Ctrl-Z stops and comes back instead (tty_stop).
 */
static void tty_signal(int sig)
{
	int saved_errno = errno;

	if (sig == SIGTSTP) {
		tty_stop();
		errno = saved_errno;
		return;
	}
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	tty_echo_off = 0;
	for (size_t i = 0; i < N_CAUGHT; i++) {
		if (caught[i] != sig)
			continue;
		if (old_actions[i].sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
		else
			sigaction(sig, &old_actions[i], NULL);
	}
	raise(sig);	/* delivered when this handler returns */
	errno = saved_errno;
}

static void handlers_restore(void)
{
	if (!handlers_set)
		return;
	for (size_t i = 0; i < N_CAUGHT; i++)
		sigaction(caught[i], &old_actions[i], NULL);
	handlers_set = 0;
}

static int echo_off(int fd)
{
	struct termios t;
	struct sigaction sa;

	if (tcgetattr(fd, &tty_saved) != 0)
		return -1;
	tty_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_CAUGHT; i++)
		sigaction(caught[i], &sa, &old_actions[i]);
	handlers_set = 1;
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	t.c_lflag |= ICANON | NOFLSH;	/* Ctrl-Z keeps what was typed */
	tty_hidden = t;
	tty_echo_off = 1;
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0) {
		tty_echo_off = 0;
		handlers_restore();
		return -1;
	}
	return 0;
}

static void echo_restore(void)
{
	if (tty_echo_off)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	tty_echo_off = 0;
	handlers_restore();
}

void tty_write(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

int tty_read_line(int fd, struct sbuf *sb)
{
	int got = 0;

	sbuf_reset(sb);
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return TTY_ERROR;
		if (n == 0)
			break;
		got = 1;
		if (c == '\n')
			break;
		if (sbuf_addch(sb, c) != 0) {
			c = 0;
			sbuf_reset(sb);
			return TTY_TOO_LONG;
		}
		c = 0;
	}
	if (sb->len > 0 && sb->buf[sb->len - 1] == '\r')
		sb->buf[--sb->len] = '\0';
	return got ? TTY_OK : TTY_EOF;
}

int tty_read_hidden(int in, int out, const char *prompt, struct sbuf *sb)
{
	int r, saved_errno;

	/* echo off first: it flushes pending input, so prompt only after */
	if (!isatty(in) || echo_off(in) != 0)
		return TTY_NO_ECHO;
	tty_write(out, prompt);
	r = tty_read_line(in, sb);
	saved_errno = errno;
	echo_restore();
	tty_write(out, "\n");
	errno = saved_errno;
	return r;
}

int tty_not_bitbucket(const struct target *t)
{
	char host[300];

	if (t->port)
		snprintf(host, sizeof(host), "%s:%u", t->host, t->port);
	else
		snprintf(host, sizeof(host), "%s", t->host);
	msg_error("'%s' is not bitbucket.org or a declared Data Center "
		  "host; if it is a Bitbucket Data Center server, declare "
		  "it with 'git config --global --add "
		  "bitbucket.dataCenterHost %s' and try again", host, host);
	return EXIT_REFUSED;
}
