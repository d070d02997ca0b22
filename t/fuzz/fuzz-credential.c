/*
 * fuzz-credential.c - git's credential protocol as the gate reads it
 * (credential.h): the request from a file descriptor, then what the gate
 * does with it (the target from protocol/host/path, the realm in the
 * challenge, our state[]) and every field written back.
 *
 * Input: the bytes git would write to the helper's stdin.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "credential/credential.h"
#include "bitbucket/target.h"

static FILE *devnull;

/* A value credential_write() accepted never holds CR, LF or NUL. */
static void write_back(const char *key, const char *value, size_t len)
{
	int r;

	if (value == NULL)
		return;
	r = credential_write(devnull, key, value, len);
	if (r == 0)
		FUZZ_CHECK(memchr(value, '\n', len) == NULL && memchr(value, '\r', len) == NULL &&
			   memchr(value, '\0', len) == NULL);
	else
		FUZZ_CHECK(memchr(value, '\n', len) != NULL || memchr(value, '\r', len) != NULL ||
			   memchr(value, '\0', len) != NULL);
}

static int no_newline(const char *s)
{
	return s == NULL || strchr(s, '\n') == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct credential c = CREDENTIAL_INIT;
	static const char *const dc_names[] = { "git.example.com", "scm.example.org:7990" };
	const struct dc_hosts dc = { dc_names, 2 };
	struct target t;
	int fd, r;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((fd = memfd_create("fuzz-credential", MFD_CLOEXEC)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	r = credential_read(fd, &c);
	close(fd);
	if (r == CRED_OK) {
		/* one line per key: nothing read may carry a line break */
		FUZZ_CHECK(no_newline(c.protocol) && no_newline(c.host) &&
			   no_newline(c.path) && no_newline(c.username) && no_newline(c.state));
		if (c.has_password)
			FUZZ_CHECK(c.password.buf == NULL ||
				   memchr(c.password.buf, '\n', c.password.len) == NULL);
		if (c.protocol != NULL && c.host != NULL &&
		    target_from_parts(c.protocol, c.host, c.path, &dc, &t) == TARGET_OK) {
			char buf[1200];

			target_describe(&t, buf, sizeof(buf));
			target_describe(&t, buf, 7);
		}
		write_back("protocol", c.protocol, c.protocol ? strlen(c.protocol) : 0);
		write_back("host", c.host, c.host ? strlen(c.host) : 0);
		write_back("path", c.path, c.path ? strlen(c.path) : 0);
		write_back("username", c.username, c.username ? strlen(c.username) : 0);
		if (c.has_password && c.password.buf != NULL)
			write_back("password", c.password.buf, c.password.len);
		if (c.has_oauth && c.oauth_refresh_token.buf != NULL)
			write_back("oauth_refresh_token", c.oauth_refresh_token.buf,
				   c.oauth_refresh_token.len);
		(void)credential_state_is_dc(&c);
		if (c.host != NULL)
			(void)credential_write_dc_state(devnull, &c);
	}
	credential_clear(&c);
	/* the challenge parser on the raw bytes, as one wwwauth[] value */
	(void)credential_challenge_has_realm((const char *)data, size, CREDENTIAL_DC_REALM);
	(void)credential_challenge_has_realm((const char *)data, size, "");
	return 0;
}
