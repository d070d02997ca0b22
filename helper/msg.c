/* msg.c - one place that prints what people read. */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>

static const char *prog = "git-credential-bitbucket";

void msg_set_prog(const char *p)
{
	prog = p;
}

const char *msg_prog(void)
{
	return prog;
}

static void vline(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0)
		return;
	/* one line: a long message is cut rather than split */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (f == stdout)
		fprintf(f, "%s\n", line);
	else
		fprintf(f, "%s: %s%s\n", prog, prefix, line);
	fflush(f);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, "", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void msg_out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(stdout, "", fmt, ap);
	va_end(ap);
}
