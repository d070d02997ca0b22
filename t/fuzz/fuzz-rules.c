/*
 * fuzz-rules.c - Bitbucket's rules for secrets (bitbucket/rules.h) on what
 * a person or git hands the helper: username, secret, expiry, --repos
 * regex and repository path, for a target read from a URL.
 *
 * Input, by lines: URL; username; secret; expiry (decimal); regex; repo
 * path.  Checked at two fixed clocks: before and after the app password
 * removal date.  Invariants (rules.h): a refusal has a one-line message
 * and no kind, an acceptance a kind; neither message nor warning holds
 * the secret or the username; a --repos regex (at most 511 bytes) is
 * checked and matched in under REGEX_CPU_SECONDS of CPU time (CPU, not
 * wall time, so a loaded machine does not change the verdict).
 */
#include <time.h>

#include "fuzz.h"
#include "bitbucket/rules.h"
#include "bitbucket/target.h"

#define REGEX_CPU_SECONDS 0.5

static const char *url;	/* the message may name the host: it is no leak */

static int holds(const char *text, const char *s, size_t len)
{
	/* short secrets can be ordinary words of a message; long ones cannot */
	if (len < 16 || memchr(s, ' ', len) != NULL ||
	    memmem(url, strlen(url), s, len) != NULL)
		return 0;
	return memmem(text, strlen(text), s, len) != NULL;
}

static void check_result(int r, const struct rule_result *res, const char *user,
			 const char *secret, size_t slen)
{
	FUZZ_CHECK(strchr(res->message, '\n') == NULL && strchr(res->warning, '\n') == NULL);
	if (r < 0) {
		FUZZ_CHECK(res->message[0] != '\0' && res->kind == NULL);
	} else {
		FUZZ_CHECK(res->kind != NULL && rules_kind_label(res->kind) != NULL);
		FUZZ_CHECK(res->message[0] == '\0');
	}
	FUZZ_CHECK(!holds(res->message, secret, slen) && !holds(res->warning, secret, slen));
	FUZZ_CHECK(!holds(res->message, user, strlen(user)) &&
		   !holds(res->warning, user, strlen(user)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dc_names[] = { "git.example.com" };
	const struct dc_hosts dc = { dc_names, 1 };
	static const long long clocks[] = { 1735689600LL /* 2025-01-01 */,
					    1800000000LL /* 2027-01-15 */ };
	char *user, *secret, *expiry, *regex, *repo, date[16];
	size_t pos = 0, slen = 0;
	struct rule_result res;
	struct target t;
	long long exp = 0;

	url = fuzz_field(data, size, &pos, '\n', NULL);
	if (url == NULL)
		return 0;
	user = fuzz_field(data, size, &pos, '\n', NULL);
	secret = fuzz_field(data, size, &pos, '\n', &slen);
	expiry = fuzz_field(data, size, &pos, '\n', NULL);
	regex = fuzz_field(data, size, &pos, '\n', NULL);
	repo = fuzz_field(data, size, &pos, '\n', NULL);
	if (user == NULL || secret == NULL)
		goto out;
	if (expiry != NULL)
		exp = strtoll(expiry, NULL, 10);
	memset(&t, 0, sizeof(t));
	if (target_from_url(url, &dc, &t) != TARGET_OK)
		memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		int r;

		memset(&res, 0, sizeof(res));
		r = rules_check_secret(&t, user, secret, slen, clocks[i], &res);
		check_result(r, &res, user, secret, slen);
		if (r >= 0) {
			r = rules_check_expiry(exp, clocks[i], &res);
			check_result(r < 0 ? r : 0, &res, user, secret, slen);
		}
	}
	memset(&res, 0, sizeof(res));
	(void)rules_check_expiry(exp, clocks[0], &res);
	(void)rules_date(exp, date, sizeof(date));
	if (regex != NULL) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		memset(&res, 0, sizeof(res));
		if (rules_repos_check(regex, &res) == 0) {
			int m = rules_repos_match(regex, repo);

			FUZZ_CHECK(m == 0 || m == 1);
		} else {
			FUZZ_CHECK(res.message[0] != '\0');
		}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		FUZZ_CHECK((double)(t1.tv_sec - t0.tv_sec) +
			   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 < REGEX_CPU_SECONDS);
	}
out:
	free((char *)url);
	url = NULL;
	free(user);
	free(secret);
	free(expiry);
	free(regex);
	free(repo);
	return 0;
}
