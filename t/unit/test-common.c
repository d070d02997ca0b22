/*
 * test-common.c - helper/common/: the string checks, percent-decoding,
 * write_all(), run_git() and harden().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/harden.h"
#include "common/io.h"
#include "common/text.h"
#include "unit.h"

/* [s, s+len) percent-decoded into out (at most cap - 1 bytes); the length. */
static size_t decode(const char *s, char *out, size_t cap)
{
	size_t len = strlen(s), o = 0;

	for (size_t i = 0; i < len && o + 1 < cap;)
		out[o++] = (char)pct_next(s, len, &i);
	out[o] = '\0';
	return o;
}

static void text_cases(void)
{
	char buf[8], out[64];

	report(!has_control("alice@example", 13), "has_control: printable text has none");
	report(has_control("a\nb", 3) && has_control("a\tb", 3) &&
	       has_control("\x7f", 1) && has_control("a\0b", 3),
	       "has_control: newline, tab, DEL and NUL are control bytes");
	report(!has_control("caf\xc3\xa9", 5), "has_control: UTF-8 bytes are not control bytes");
	report(has_control("ab\n", 2) == 0, "has_control: looks only at the first len bytes");

	report(copy_str(buf, sizeof(buf), "abcdefg", 7) == 0 && strcmp(buf, "abcdefg") == 0,
	       "copy_str: 7 bytes fit an 8-byte buffer");
	memcpy(buf, "junk", 5);
	report(copy_str(buf, sizeof(buf), "abcdefgh", 8) == -1 && buf[0] == '\0',
	       "copy_str: 8 bytes do not fit; -1 and the buffer left empty");
	report(copy_str(buf, sizeof(buf), "abcdef", 3) == 0 && strcmp(buf, "abc") == 0,
	       "copy_str: copies exactly len bytes");

	report(hexval('0') == 0 && hexval('9') == 9 && hexval('a') == 10 &&
	       hexval('F') == 15 && hexval('g') == -1 && hexval('%') == -1 &&
	       hexval(0xe9) == -1, "hexval: digits in either case; anything else -1");

	report(decode("alice%40example.com", out, sizeof(out)) == 17 &&
	       strcmp(out, "alice@example.com") == 0, "pct_next: %40 decodes to @");
	report(decode("%7e%7E", out, sizeof(out)) == 2 && strcmp(out, "~~") == 0,
	       "pct_next: lower- and upper-case hex digits");
	report(decode("100%", out, sizeof(out)) == 4 && strcmp(out, "100%") == 0 &&
	       decode("a%4", out, sizeof(out)) == 3 && strcmp(out, "a%4") == 0 &&
	       decode("%zz", out, sizeof(out)) == 3 && strcmp(out, "%zz") == 0,
	       "pct_next: a '%' without two hex digits stays as it is");
	{
		size_t i = 0;
		int c = pct_next("%00x", 4, &i);

		report(c == 0 && i == 3, "pct_next: %00 is byte 0, left to the caller to refuse");
	}
	{
		/* the two hex digits must lie inside len */
		size_t i = 0;
		int c = pct_next("%41", 2, &i);

		report(c == '%' && i == 1, "pct_next: never reads past len");
	}
}

static void write_all_cases(void)
{
	int pfd[2];
	char big[200000], back[sizeof(big)];
	size_t got = 0;
	pid_t pid;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	/* more than a pipe holds, to a non-blocking pipe: EAGAIN is waited out */
	if (pipe(pfd) != 0 || fcntl(pfd[1], F_SETFL, O_NONBLOCK) != 0) {
		report(0, "write_all: a pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(write_all(pfd[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], back + got, sizeof(back) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	{
		int status = 0;

		waitpid(pid, &status, 0);
		report(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		       got == sizeof(big) && memcmp(big, back, got) == 0,
		       "write_all: 200000 bytes through a non-blocking pipe arrive whole");
	}
	if (pipe(pfd) != 0) {
		report(0, "write_all: a pipe");
		return;
	}
	close(pfd[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	report(write_all(pfd[1], "x", 1) == -1 && errno == EPIPE,
	       "write_all: a pipe nobody reads is -1 with errno EPIPE");
	close(pfd[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void run_git_cases(void)
{
	char dir[] = "/tmp/gcb-unit-XXXXXX", path[64], out[256], tiny[8];
	char *set[] = { "git", "config", "--file", path, "bitbucket.sshKey", "work", NULL };
	char *get[] = { "git", "config", "--file", path, "--get", "bitbucket.sshkey", NULL };
	char *missing[] = { "git", "config", "--file", path, "--get", "bitbucket.none", NULL };
	char *list[] = { "git", "config", "--file", path, "--list", NULL };
	char *nogit[] = { "gcb-no-such-program-anywhere", NULL };
	size_t len = 99;

	if (mkdtemp(dir) == NULL) {
		report(0, "run_git: a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	report(run_git(set, out, sizeof(out), &len) == 0 && len == 0 && out[0] == '\0',
	       "run_git: git config --file F KEY VALUE exits 0 and prints nothing");
	report(run_git(get, out, sizeof(out), &len) == 0 && len == 5 &&
	       strcmp(out, "work\n") == 0, "run_git: git's stdout comes back NUL-terminated");
	report(run_git(missing, out, sizeof(out), &len) == 1 && len == 0,
	       "run_git: git's exit status comes back (1: no such key)");
	report(run_git(list, tiny, sizeof(tiny), &len) == 0 && len == 7 &&
	       strcmp(tiny, "bitbuck") == 0,
	       "run_git: output longer than the buffer is cut to cap - 1 bytes, git still exits 0");
	report(run_git(nogit, out, sizeof(out), &len) == 127 && len == 0,
	       "run_git: a program that is not there is exit 127, nothing read");
	unlink(path);
	rmdir(dir);
}

static void harden_cases(void)
{
	struct rlimit rl;
	mode_t old;

	harden();
	old = umask(0);
	umask(old);
	report(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0,
	       "harden: core dumps off (RLIMIT_CORE 0, hard limit too)");
	report(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "harden: the process is not dumpable");
	report(old == 077, "harden: umask 077");
}

int main(void)
{
	text_cases();
	write_all_cases();
	run_git_cases();
	harden_cases();
	return unit_done();
}
