/*
 * test-credential.c - git's credential wire format (helper/credential/
 * credential.c): the reader from a real file descriptor (bounded, unknown
 * keys ignored, url=, capability[], state[], wwwauth[]) and the writer
 * (CR, LF and NUL refused, nothing half-written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credential/credential.h"
#include "unit.h"

static int eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int sbuf_is(const struct sbuf *s, const char *want)
{
	return s->len == strlen(want) && (s->len == 0 || memcmp(s->buf, want, s->len) == 0);
}

/* Read len bytes of input through a real file: credential_read's result. */
static int read_input(const char *in, size_t len, struct credential *c)
{
	FILE *f = tmpfile();
	int r;

	if (f == NULL || fwrite(in, 1, len, f) != len || fflush(f) != 0 ||
	    lseek(fileno(f), 0, SEEK_SET) != 0) {
		perror("tmpfile");
		exit(2);
	}
	r = credential_read(fileno(f), c);
	fclose(f);
	return r;
}

static int read_str(const char *in, struct credential *c)
{
	return read_input(in, strlen(in), c);
}

static void test_fields(void)
{
	struct credential c = CREDENTIAL_INIT;
	int r = read_str("protocol=https\nhost=bitbucket.org\npath=acme/x.git\n"
			 "username=alice\npassword=s3cret\npassword_expiry_utc=1801353600\n"
			 "oauth_refresh_token=r3fresh\n\n", &c);

	report(r == CRED_OK && eq(c.protocol, "https") && eq(c.host, "bitbucket.org") &&
	       eq(c.path, "acme/x.git") && eq(c.username, "alice") &&
	       c.has_password && sbuf_is(&c.password, "s3cret") &&
	       c.password_expiry_utc == 1801353600LL && c.has_oauth &&
	       sbuf_is(&c.oauth_refresh_token, "r3fresh"),
	       "read: every field git sends is kept");
	credential_clear(&c);
	report(c.protocol == NULL && c.host == NULL && c.username == NULL &&
	       !c.has_password && c.password.len == 0 && c.password_expiry_utc == 0,
	       "clear: every field is emptied");

	r = read_str("host=a\nhost=b\nusername=x\nusername=y\n", &c);
	report(r == CRED_OK && eq(c.host, "b") && eq(c.username, "y"),
	       "read: a later key overrides an earlier one; EOF ends the request");
	credential_clear(&c);

	r = read_str("password_expiry_utc=12x\n", &c);
	report(r == CRED_OK && c.password_expiry_utc == 0,
	       "read: a password_expiry_utc that is not a number counts as none");
	credential_clear(&c);
}

static void test_blank_line_and_junk(void)
{
	struct credential c = CREDENTIAL_INIT;
	static const char nul[] = "host=a\nusername=x\0y\nprotocol=https\n\n";
	int r;

	r = read_str("host=a\n\nhost=b\n", &c);
	report(r == CRED_OK && eq(c.host, "a"), "read: stops at the blank line");
	credential_clear(&c);

	r = read_str("host=a\r\nprotocol=https\r\n\r\nhost=b\r\n", &c);
	report(r == CRED_OK && eq(c.host, "a") && eq(c.protocol, "https"),
	       "read: CRLF lines and a CRLF blank line");
	credential_clear(&c);

	r = read_str("no equals sign\nhost=a\n", &c);
	report(r == CRED_OK && eq(c.host, "a"), "read: a line without '=' is skipped");
	credential_clear(&c);

	r = read_input(nul, sizeof(nul) - 1, &c);
	report(r == CRED_OK && eq(c.host, "a") && c.username == NULL &&
	       eq(c.protocol, "https"),
	       "read: a line holding NUL is skipped, the lines around it are kept");
	credential_clear(&c);

	r = read_str("host=a\nauthtype=Basic\ncredential=QWxhZGRpbjpvcGVu\n"
		     "continue=1\nsomething-new=1\n=empty key\nprotocol=https\n", &c);
	report(r == CRED_OK && eq(c.host, "a") && eq(c.protocol, "https"),
	       "read: unknown keys are ignored, not refused");
	credential_clear(&c);
}

static void test_bounded(void)
{
	struct credential c = CREDENTIAL_INIT;
	size_t len = CREDENTIAL_MAX_INPUT + 10;
	char *big = malloc(len);
	int r;

	if (big == NULL)
		exit(2);
	memcpy(big, "password=", 9);
	memset(big + 9, 'x', len - 9);
	r = read_input(big, len, &c);
	report(r == CRED_ERR_TOO_LONG && c.password.len == 0,
	       "read: input over CREDENTIAL_MAX_INPUT is refused, nothing kept");
	credential_clear(&c);

	/* the cap is on the request, not on what follows its blank line */
	memcpy(big, "host=a\n\n", 8);
	r = read_input(big, len, &c);
	report(r == CRED_OK && eq(c.host, "a"),
	       "read: bytes after the blank line are not counted");
	credential_clear(&c);
	free(big);
}

static void test_url(void)
{
	struct credential c = CREDENTIAL_INIT;
	int r;

	r = read_str("host=old\npath=old\nusername=old\npassword=old\n"
		     "url=https://us%40er:p%3Ass@bb.example.com:8443/scm/p/r.git\n", &c);
	report(r == CRED_OK && eq(c.protocol, "https") &&
	       eq(c.host, "bb.example.com:8443") && eq(c.path, "scm/p/r.git") &&
	       eq(c.username, "us@er") && c.has_password && sbuf_is(&c.password, "p:ss"),
	       "read: url= resets and fills protocol, host, path, username, password");
	credential_clear(&c);

	r = read_str("username=old\npassword=old\nurl=https://bitbucket.org\n", &c);
	report(r == CRED_OK && eq(c.host, "bitbucket.org") && c.path == NULL &&
	       c.username == NULL && !c.has_password,
	       "read: url= without user or path clears them");
	credential_clear(&c);

	r = read_str("url=bitbucket.org/acme\n", &c);
	report(r == CRED_ERR_URL, "read: url= without a scheme is an error");

	/* git refuses these too (CVE-2020-5260): they would split a line */
	report(read_str("url=https://bitbucket.org/acme%0ahost=evil.example/x.git\n", &c) == CRED_ERR_URL &&
	       read_str("url=https://bitbucket.org%0a/acme\n", &c) == CRED_ERR_URL &&
	       read_str("url=https://us%0der@bitbucket.org/acme\n", &c) == CRED_ERR_URL &&
	       read_str("url=https://bitbucket.org/ac%00me\n", &c) == CRED_ERR_URL,
	       "read: url= decoding to CR, LF or NUL in any part is refused");
	credential_clear(&c);
}

static void test_capability_state(void)
{
	struct credential c = CREDENTIAL_INIT;
	int r;

	r = read_str("capability[]=authtype\ncapability[]=state\ncapability[]=future\n", &c);
	report(r == CRED_OK && c.capabilities == (CRED_CAPA_AUTHTYPE | CRED_CAPA_STATE),
	       "read: capability[] notes authtype and state, ignores the rest");
	credential_clear(&c);

	r = read_str("capability[]=state\ncapability[]=\ncapability[]=authtype\n", &c);
	report(r == CRED_OK && c.capabilities == CRED_CAPA_AUTHTYPE,
	       "read: an empty capability[] clears the list");
	credential_clear(&c);

	r = read_str("host=Git.Example.com\nstate[]=other-helper:x=1\n"
		     "state[]=git-credential-bitbucket:datacenter=git.example.com\n", &c);
	report(r == CRED_OK && eq(c.state, "datacenter=git.example.com") &&
	       credential_state_is_dc(&c),
	       "read: our state[] is kept without its prefix; another helper's is not");
	credential_clear(&c);

	r = read_str("host=other.example.com\n"
		     "state[]=git-credential-bitbucket:datacenter=git.example.com\n", &c);
	report(r == CRED_OK && !credential_state_is_dc(&c),
	       "state[]: a value for another host does not count");
	credential_clear(&c);

	r = read_str("state[]=git-credential-bitbucket:datacenter=h\nstate[]=\n", &c);
	report(r == CRED_OK && c.state == NULL, "read: an empty state[] clears ours");
	credential_clear(&c);

	r = read_str("ephemeral=true\n", &c);
	report(r == CRED_OK && c.ephemeral, "read: ephemeral=true");
	credential_clear(&c);
	r = read_str("ephemeral=1\nephemeral=false\n", &c);
	report(r == CRED_OK && !c.ephemeral, "read: ephemeral=false after 1");
	credential_clear(&c);
}

static void test_wwwauth(void)
{
	static const struct {
		const char *value;
		int want;
	} cases[] = {
		{ "Basic realm=\"Atlassian Bitbucket\"", 1 },
		{ "Bearer realm=\"x\", Basic REALM=\"Atlassian Bitbucket\", charset=\"UTF-8\"", 1 },
		{ "Basic realm=\"Atlassian Bitbucket Server\"", 0 },
		{ "Basic realm=\"atlassian bitbucket\"", 0 },
		{ "Basic foo=\"realm=\\\"Atlassian Bitbucket\\\"\"", 0 },
		{ "Basic realm=\"Atlassian Bitbucket", 0 },
		{ "Negotiate", 0 },
	};
	struct credential c = CREDENTIAL_INIT;
	int ok = 1, r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = credential_challenge_has_realm(cases[i].value,
							 strlen(cases[i].value),
							 CREDENTIAL_DC_REALM);

		if (got != cases[i].want) {
			printf("# %s: got %d\n", cases[i].value, got);
			ok = 0;
		}
	}
	report(ok, "wwwauth: the realm parameter, exact value, names case-insensitive");

	r = read_str("wwwauth[]=Negotiate\nwwwauth[]=Basic realm=\"Atlassian Bitbucket\"\n", &c);
	report(r == CRED_OK && c.dc_realm, "read: a wwwauth[] naming the realm is noted");
	credential_clear(&c);
	r = read_str("wwwauth[]=Basic realm=\"Atlassian Bitbucket\"\nwwwauth[]=\n", &c);
	report(r == CRED_OK && !c.dc_realm, "read: an empty wwwauth[] clears it");
	credential_clear(&c);
}

/* What writing into a fresh memory stream leaves there. */
static void test_write(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct credential c = CREDENTIAL_INIT;
	int ok;

	if (f == NULL)
		exit(2);
	ok = credential_write(f, "username", "alice", 5) == 0 &&
	     credential_write(f, "password", "a\nb", 3) == -1 &&
	     credential_write(f, "password", "a\rb", 3) == -1 &&
	     credential_write(f, "password", "a\0b", 3) == -1 &&
	     credential_write(f, "password", NULL, 0) == 0 &&
	     credential_write(f, "password", "p=w d", 5) == 0;
	fflush(f);
	report(ok && len == strlen("username=alice\npassword=p=w d\n") &&
	       memcmp(buf, "username=alice\npassword=p=w d\n", len) == 0,
	       "write: CR, LF and NUL are refused and nothing of them is written");

	c.host = strdup("git.example.com");
	rewind(f);
	len = 0;
	ok = credential_write_dc_state(f, &c) == 0;
	fflush(f);
	report(ok && eq(buf, "state[]=git-credential-bitbucket:datacenter=git.example.com\n"),
	       "write: the Data Center state[] line");
	free(c.host);
	c.host = strdup("evil\nhost");
	report(credential_write_dc_state(f, &c) == -1,
	       "write: no state[] for a host holding a line break");
	credential_clear(&c);
	fclose(f);
	free(buf);
}

int main(void)
{
	test_fields();
	test_blank_line_and_junk();
	test_bounded();
	test_url();
	test_capability_state();
	test_wwwauth();
	test_write();
	return unit_done();
}
