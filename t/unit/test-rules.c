/*
 * test-rules.c - one case per rule of helper/bitbucket/rules.c, with the exact line
 * each refusal and warning prints.
 */
#include <stdio.h>
#include <string.h>

#include "keystore.h"
#include "bitbucket/rules.h"
#include "bitbucket/target.h"
#include "unit.h"

#define DAY (24LL * 60 * 60)
/* 2026-11-21T12:00:00Z: after the app-password removal */
#define NOW_AFTER 1795262400LL
/* 2026-03-01T00:00:00Z: between creation stop and removal */
#define NOW_BEFORE 1772323200LL

#define API_TOKEN "ATATT3xFfGF0exampleexampleexampleexample=0123ABCD"
#define APP_PASSWORD "ATBBexampleexampleexample1234"
#define ACCESS_TOKEN "ATCTT3xFfGN0exampleexampleexample=ABCD"
#define DC_TOKEN "NzQ1MjM0NjE3ODk0OkZ3examplexampleexample"

#define HOW_TO_API_TOKEN \
	"create an API token with scopes read:repository:bitbucket and " \
	"write:repository:bitbucket (Atlassian account > Security > API tokens " \
	"> Create API token with scopes)"
#define HOW_TO_PERSONAL_TOKEN \
	"create a personal HTTP access token (Manage account > HTTP access " \
	"tokens) and use it with your username"

static const struct target cloud = {
	.product = PRODUCT_CLOUD, .protocol = "https", .host = "bitbucket.org",
	.account = "acme", .scope = "acme", .level = LEVEL_ACCOUNT,
};
static const struct target dc = {
	.product = PRODUCT_DATACENTER, .protocol = "https",
	.host = "git.example.com", .port = 8443, .account = "proj",
	.repo = "repo", .scope = "proj/repo", .level = LEVEL_REPO,
};
static const struct target other = {
	.product = PRODUCT_NONE, .protocol = "https", .host = "github.com",
};

/* Check one call: return code, kind, message, warning, and that the
 * secret never appears in what the caller may print. */
static void check(const char *name, const struct target *t, const char *user,
		  const char *secret, size_t len, long long now, int want_ret,
		  int want_code, const char *want_kind, const char *want_msg,
		  const char *want_warn)
{
	struct rule_result res;
	int ret = rules_check_secret(t, user, secret, len, now, &res);
	int ok = 1;

	if (ret != want_ret || res.code != want_code) {
		printf("# %s: returned %d code %d, want %d code %d\n", name,
		       ret, res.code, want_ret, want_code);
		ok = 0;
	}
	if ((want_kind == NULL) != (res.kind == NULL) ||
	    (want_kind && strcmp(want_kind, res.kind))) {
		printf("# %s: kind '%s', want '%s'\n", name,
		       res.kind ? res.kind : "(null)",
		       want_kind ? want_kind : "(null)");
		ok = 0;
	}
	if (strcmp(res.message, want_msg)) {
		printf("# %s: message\n#  got  '%s'\n#  want '%s'\n", name,
		       res.message, want_msg);
		ok = 0;
	}
	if (strcmp(res.warning, want_warn)) {
		printf("# %s: warning\n#  got  '%s'\n#  want '%s'\n", name,
		       res.warning, want_warn);
		ok = 0;
	}
	if (len > 8 && secret && (strstr(res.message, secret + 4) ||
				  strstr(res.warning, secret + 4))) {
		printf("# %s: the secret leaked into a message\n", name);
		ok = 0;
	}
	report(ok, name);
}

#define S(x) x, strlen(x)

static void test_cloud(void)
{
	check("cloud: API token with the Bitbucket username is accepted",
	      &cloud, "alice", S(API_TOKEN), NOW_AFTER, 0, RULE_OK,
	      KS_KIND_API_TOKEN, "", "");
	check("cloud: API token with x-bitbucket-api-token-auth is accepted",
	      &cloud, "x-bitbucket-api-token-auth", S(API_TOKEN), NOW_AFTER,
	      0, RULE_OK, KS_KIND_API_TOKEN, "", "");
	check("cloud: access token (ATCT) is refused",
	      &cloud, "alice", S(ACCESS_TOKEN), NOW_AFTER,
	      RULE_ERR_ACCESS_TOKEN, RULE_ERR_ACCESS_TOKEN, NULL,
	      "repository, project and workspace access tokens (ATCT, "
	      "username x-token-auth) are not account-level and git over "
	      "https cannot use them; " HOW_TO_API_TOKEN, "");
	check("cloud: username x-token-auth is refused even with an API token",
	      &cloud, "x-token-auth", S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_ACCESS_TOKEN, RULE_ERR_ACCESS_TOKEN, NULL,
	      "repository, project and workspace access tokens (ATCT, "
	      "username x-token-auth) are not account-level and git over "
	      "https cannot use them; " HOW_TO_API_TOKEN, "");
	check("cloud: app password after 2026-07-28 is refused",
	      &cloud, "alice", S(APP_PASSWORD), NOW_AFTER,
	      RULE_ERR_APP_PASSWORD, RULE_ERR_APP_PASSWORD, NULL,
	      "app passwords (ATBB) were removed from bitbucket.org on "
	      "2026-07-28; " HOW_TO_API_TOKEN, "");
	check("cloud: app password on the removal day itself is refused",
	      &cloud, "alice", S(APP_PASSWORD), RULES_APP_PASSWORD_REMOVED,
	      RULE_ERR_APP_PASSWORD, RULE_ERR_APP_PASSWORD, NULL,
	      "app passwords (ATBB) were removed from bitbucket.org on "
	      "2026-07-28; " HOW_TO_API_TOKEN, "");
	check("cloud: app password before the removal is accepted with a warning",
	      &cloud, "alice", S(APP_PASSWORD), NOW_BEFORE, 0,
	      RULE_WARN_APP_PASSWORD, KS_KIND_APP_PASSWORD, "",
	      "app passwords (ATBB) stop working on bitbucket.org on "
	      "2026-07-28; " HOW_TO_API_TOKEN " and store it instead");
	check("cloud: app password one second before the removal is accepted",
	      &cloud, "alice", S(APP_PASSWORD), RULES_APP_PASSWORD_REMOVED - 1,
	      0, RULE_WARN_APP_PASSWORD, KS_KIND_APP_PASSWORD, "",
	      "app passwords (ATBB) stop working on bitbucket.org on "
	      "2026-07-28; " HOW_TO_API_TOKEN " and store it instead");
	check("cloud: app password with x-bitbucket-api-token-auth is refused",
	      &cloud, "x-bitbucket-api-token-auth", S(APP_PASSWORD),
	      NOW_BEFORE, RULE_ERR_API_USER, RULE_ERR_API_USER, NULL,
	      "the username x-bitbucket-api-token-auth works only with API "
	      "tokens (ATAT); use your Bitbucket username from Account "
	      "settings", "");
	check("cloud: an account password is refused",
	      &cloud, "alice", S("hunter2-correct-horse"), NOW_AFTER,
	      RULE_ERR_PASSWORD, RULE_ERR_PASSWORD, NULL,
	      "this is not a Bitbucket token, and bitbucket.org refuses "
	      "account passwords for git (accounts with two-step verification "
	      "or Google login must use tokens); " HOW_TO_API_TOKEN, "");
	check("cloud: a lowercase atat prefix is not a token",
	      &cloud, "alice", S("atatT3xFfGF0example"), NOW_AFTER,
	      RULE_ERR_PASSWORD, RULE_ERR_PASSWORD, NULL,
	      "this is not a Bitbucket token, and bitbucket.org refuses "
	      "account passwords for git (accounts with two-step verification "
	      "or Google login must use tokens); " HOW_TO_API_TOKEN, "");
	check("cloud: a three-byte secret is not a token",
	      &cloud, "alice", S("ATA"), NOW_AFTER,
	      RULE_ERR_PASSWORD, RULE_ERR_PASSWORD, NULL,
	      "this is not a Bitbucket token, and bitbucket.org refuses "
	      "account passwords for git (accounts with two-step verification "
	      "or Google login must use tokens); " HOW_TO_API_TOKEN, "");
	check("cloud: an e-mail address as the username is refused",
	      &cloud, "alice@example.com", S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_EMAIL, RULE_ERR_EMAIL, NULL,
	      "an e-mail address is not a git username on bitbucket.org (the "
	      "e-mail is for the REST API); use your Bitbucket username from "
	      "Account settings, or x-bitbucket-api-token-auth with an API "
	      "token", "");
	check("cloud: an empty username is refused",
	      &cloud, "", S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_NO_USERNAME, RULE_ERR_NO_USERNAME, NULL,
	      "no username for bitbucket.org; use your Bitbucket username "
	      "from Account settings, or x-bitbucket-api-token-auth with an "
	      "API token", "");
	check("cloud: a NULL username is an empty one",
	      &cloud, NULL, S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_NO_USERNAME, RULE_ERR_NO_USERNAME, NULL,
	      "no username for bitbucket.org; use your Bitbucket username "
	      "from Account settings, or x-bitbucket-api-token-auth with an "
	      "API token", "");
	check("cloud: a token with a space inside is refused",
	      &cloud, "alice", S("ATATT3xFfGF0 example"), NOW_AFTER,
	      RULE_ERR_SECRET_SPACE, RULE_ERR_SECRET_SPACE, NULL,
	      "the token contains a space; paste it again without spaces", "");
	check("cloud: a token with a leading space is refused as a space",
	      &cloud, "alice", S(" " API_TOKEN), NOW_AFTER,
	      RULE_ERR_SECRET_SPACE, RULE_ERR_SECRET_SPACE, NULL,
	      "the token contains a space; paste it again without spaces", "");
}

static void test_datacenter(void)
{
	check("dc: personal token with the username is accepted",
	      &dc, "alice", S(DC_TOKEN), NOW_AFTER, 0, RULE_OK,
	      KS_KIND_PERSONAL_TOKEN, "", "");
	check("dc: a password with spaces is accepted as a personal token",
	      &dc, "alice", S("correct horse battery"), NOW_AFTER, 0, RULE_OK,
	      KS_KIND_PERSONAL_TOKEN, "", "");
	check("dc: an empty username is refused (Bearer-only token)",
	      &dc, "", S(DC_TOKEN), NOW_AFTER,
	      RULE_ERR_BEARER_ONLY, RULE_ERR_BEARER_ONLY, NULL,
	      "a Data Center token without a username, or with x-token-auth, "
	      "is a project or repository token, which works only as a "
	      "Bearer token and not with git; " HOW_TO_PERSONAL_TOKEN, "");
	check("dc: username x-token-auth is refused (Bearer-only token)",
	      &dc, "x-token-auth", S(DC_TOKEN), NOW_AFTER,
	      RULE_ERR_BEARER_ONLY, RULE_ERR_BEARER_ONLY, NULL,
	      "a Data Center token without a username, or with x-token-auth, "
	      "is a project or repository token, which works only as a "
	      "Bearer token and not with git; " HOW_TO_PERSONAL_TOKEN, "");
	check("dc: username x-bitbucket-api-token-auth is refused",
	      &dc, "x-bitbucket-api-token-auth", S(DC_TOKEN), NOW_AFTER,
	      RULE_ERR_API_USER, RULE_ERR_API_USER, NULL,
	      "the username x-bitbucket-api-token-auth is for API tokens on "
	      "bitbucket.org only; use your Data Center username with a "
	      "personal HTTP access token", "");
	check("dc: an e-mail username is accepted with a warning",
	      &dc, "alice@example.com", S(DC_TOKEN), NOW_AFTER, 0,
	      RULE_WARN_EMAIL, KS_KIND_PERSONAL_TOKEN, "",
	      "the username is an e-mail address; if git then says 'not "
	      "authorized', use your Bitbucket username instead (Manage "
	      "account > Account settings)");
	check("dc: a Cloud API token is accepted with a warning",
	      &dc, "alice", S(API_TOKEN), NOW_AFTER, 0, RULE_WARN_CLOUD_TOKEN,
	      KS_KIND_PERSONAL_TOKEN, "",
	      "this looks like a bitbucket.org token (ATAT), which Data "
	      "Center does not accept; if git then says 'not authorized', "
	      HOW_TO_PERSONAL_TOKEN);
	check("dc: app-password removal does not apply to Data Center",
	      &dc, "alice", S(APP_PASSWORD), NOW_AFTER, 0,
	      RULE_WARN_CLOUD_TOKEN, KS_KIND_PERSONAL_TOKEN, "",
	      "this looks like a bitbucket.org token (ATBB), which Data "
	      "Center does not accept; if git then says 'not authorized', "
	      HOW_TO_PERSONAL_TOKEN);
}

static void test_common(void)
{
	char longname[300];

	check("not ours: a host that is not Bitbucket is refused",
	      &other, "alice", S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_NOT_OURS, RULE_ERR_NOT_OURS, NULL,
	      "'github.com' is not bitbucket.org or a declared Data Center "
	      "host; declare it with 'git config --add "
	      "bitbucket.dataCenterHost github.com'", "");
	check("an empty token is refused",
	      &cloud, "alice", "", 0, NOW_AFTER,
	      RULE_ERR_EMPTY_SECRET, RULE_ERR_EMPTY_SECRET, NULL,
	      "the token is empty; paste the whole token", "");
	check("dc: an empty token is refused",
	      &dc, "alice", NULL, 0, NOW_AFTER,
	      RULE_ERR_EMPTY_SECRET, RULE_ERR_EMPTY_SECRET, NULL,
	      "the token is empty; paste the whole token", "");
	check("a token with a newline is refused",
	      &cloud, "alice", S(API_TOKEN "\n"), NOW_AFTER,
	      RULE_ERR_SECRET_CHARS, RULE_ERR_SECRET_CHARS, NULL,
	      "the token contains a line break or control character; paste "
	      "it again as one line", "");
	check("dc: a token with a NUL byte is refused",
	      &dc, "alice", "abc\0def", 7, NOW_AFTER,
	      RULE_ERR_SECRET_CHARS, RULE_ERR_SECRET_CHARS, NULL,
	      "the token contains a line break or control character; paste "
	      "it again as one line", "");
	check("a username with a carriage return is refused",
	      &dc, "alice\r", S(DC_TOKEN), NOW_AFTER,
	      RULE_ERR_USERNAME_CHARS, RULE_ERR_USERNAME_CHARS, NULL,
	      "the username contains a line break or control character; type "
	      "it again", "");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	check("a username over 255 bytes is refused",
	      &cloud, longname, S(API_TOKEN), NOW_AFTER,
	      RULE_ERR_TOO_LONG, RULE_ERR_TOO_LONG, NULL,
	      "the username is longer than 255 bytes; use your Bitbucket "
	      "username", "");
	longname[255] = '\0';
	check("a username of 255 bytes is accepted",
	      &cloud, longname, S(API_TOKEN), NOW_AFTER, 0, RULE_OK,
	      KS_KIND_API_TOKEN, "", "");

	{
		struct rule_result res;
		int r = rules_check_secret(NULL, "alice", S(API_TOKEN),
					   NOW_AFTER, &res);

		report(r == RULE_ERR_INTERNAL && res.kind == NULL &&
		       res.message[0], "a NULL target is an internal error");
		report(rules_check_secret(&cloud, "alice", S(API_TOKEN),
					  NOW_AFTER, NULL) == RULE_ERR_INTERNAL,
		       "a NULL result is an internal error");
	}
}

static void check_expiry(const char *name, long long expiry, long long now,
			 int want_ret, int want_code, const char *want_msg,
			 const char *want_warn)
{
	struct rule_result res;
	int ret = rules_check_expiry(expiry, now, &res);
	int ok = ret == want_ret && res.code == want_code &&
		 !strcmp(res.message, want_msg) &&
		 !strcmp(res.warning, want_warn);

	if (!ok)
		printf("# %s: ret %d code %d\n#  message '%s'\n#  warning '%s'\n",
		       name, ret, res.code, res.message, res.warning);
	report(ok, name);
}

static void test_expiry(void)
{
	/* 2027-01-31T00:00:00Z */
	const long long exp = 1801353600LL;

	check_expiry("expiry: unknown (0) is fine", 0, NOW_AFTER, 0, RULE_OK,
		     "", "");
	check_expiry("expiry: far away is fine", exp, exp - 30 * DAY, 0,
		     RULE_OK, "", "");
	check_expiry("expiry: passed is refused", exp, exp + 1,
		     RULE_ERR_EXPIRED, RULE_ERR_EXPIRED,
		     "the token expired on 2027-01-31; create a new one and "
		     "store it with 'git credential-bitbucket login URL'", "");
	check_expiry("expiry: the exact second is refused", exp, exp,
		     RULE_ERR_EXPIRED, RULE_ERR_EXPIRED,
		     "the token expired on 2027-01-31; create a new one and "
		     "store it with 'git credential-bitbucket login URL'", "");
	check_expiry("expiry: 7 days ahead warns", exp, exp - 7 * DAY, 0,
		     RULE_WARN_EXPIRES_SOON, "",
		     "the token expires on 2027-01-31 (in 7 days); create a new "
		     "one and store it with 'git credential-bitbucket login URL'");
	check_expiry("expiry: 7 days and a second ahead is fine", exp,
		     exp - 7 * DAY - 1, 0, RULE_OK, "", "");
	check_expiry("expiry: one day ahead warns in the singular", exp,
		     exp - DAY - 5, 0, RULE_WARN_EXPIRES_SOON, "",
		     "the token expires on 2027-01-31 (in 1 day); create a new "
		     "one and store it with 'git credential-bitbucket login URL'");
	check_expiry("expiry: an hour ahead warns", exp, exp - 3600, 0,
		     RULE_WARN_EXPIRES_SOON, "",
		     "the token expires on 2027-01-31 (in less than a day); "
		     "create a new one and store it with 'git "
		     "credential-bitbucket login URL'");
}

static void test_expiry_keeps_kind(void)
{
	struct rule_result res;
	int r;

	r = rules_check_secret(&cloud, "alice", S(API_TOKEN), NOW_AFTER, &res);
	r |= rules_check_expiry(NOW_AFTER + 30 * DAY, NOW_AFTER, &res);
	report(r == 0 && res.kind && !strcmp(res.kind, KS_KIND_API_TOKEN),
	       "expiry: a later check keeps the kind the secret check set");
	r = rules_check_expiry(NOW_AFTER - 1, NOW_AFTER, &res);
	report(r == RULE_ERR_EXPIRED && res.kind == NULL,
	       "expiry: a refusal clears the kind");
}

static void test_repos(void)
{
	static const struct {
		const char *re, *path;
		int want;
	} cases[] = {
		{ "", "acme/widget", 1 },
		{ NULL, "acme/widget", 1 },
		{ "", NULL, 1 },
		{ "acme/.*", NULL, 0 },
		{ "acme/.*", "", 0 },
		{ "acme/.*", "acme/widget", 1 },
		{ "acme/.*", "other/acme/widget", 0 },	/* anchored at the start */
		{ "acme/wid", "acme/widget", 0 },	/* and at the end */
		{ "acme/(widget|gadget)", "acme/gadget", 1 },
		{ "acme/(widget|gadget)", "acme/gizmo", 0 },
		{ "acme/w|acme/widget", "acme/widget", 1 },	/* longest wins */
		{ "a|acme/widget", "acme/widget", 1 },
		{ "ACME/Widget", "acme/widget", 1 },	/* case-insensitive */
		{ "^acme/widget$", "acme/widget", 1 },
		{ "acme/[^/]+", "acme/widget/extra", 0 },
		{ "acme/widget", "acme/widgetx", 0 },
		{ "(acme", "acme/widget", RULE_ERR_BAD_REGEX },
		{ "acme/[", "acme/widget", RULE_ERR_BAD_REGEX },
	};
	char name[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = rules_repos_match(cases[i].re, cases[i].path);

		snprintf(name, sizeof(name), "repos: '%s' on '%s' gives %d",
			 cases[i].re ? cases[i].re : "(null)",
			 cases[i].path ? cases[i].path : "(null)", cases[i].want);
		if (got != cases[i].want)
			printf("# got %d\n", got);
		report(got == cases[i].want, name);
	}

	{
		char big[600];
		struct rule_result res;
		int r;

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		report(rules_repos_match(big, "aaa") == RULE_ERR_TOO_LONG,
		       "repos: a pattern over 511 bytes is too long");
		r = rules_repos_check(big, &res);
		report(r == RULE_ERR_TOO_LONG && !strcmp(res.message,
		       "the repository pattern is longer than 511 bytes; use a "
		       "shorter extended regular expression"),
		       "repos check: too long says so");
		r = rules_repos_check("acme/(widget|gadget)", &res);
		report(r == 0 && res.code == RULE_OK && !res.message[0],
		       "repos check: a good pattern passes");
		r = rules_repos_check("", &res);
		report(r == 0, "repos check: empty passes (any repository)");
		r = rules_repos_check("(acme", &res);
		if (strcmp(res.message, "the repository pattern is not a valid "
			   "extended regular expression (unmatched ( or \\(); "
			   "write it like 'acme/(widget|gadget)' and quote it "
			   "for the shell"))
			printf("# got '%s'\n", res.message);
		report(r == RULE_ERR_BAD_REGEX && !strcmp(res.message,
		       "the repository pattern is not a valid extended regular "
		       "expression (unmatched ( or \\(); write it like "
		       "'acme/(widget|gadget)' and quote it for the shell"),
		       "repos check: a bad pattern names the problem");
		r = rules_repos_check("acme/\nwidget", &res);
		report(r == RULE_ERR_BAD_REGEX && !strcmp(res.message,
		       "the repository pattern contains a line break or control "
		       "character; give one extended regular expression such as "
		       "'acme/(widget|gadget)'"),
		       "repos check: a line break is refused");
		{
			static const char *costly[] = {
				"a+++++++++++++++++++", "acme/a++", "acme/.*+", "a{2}{3}",
				"a{17}", "a{1,99999}", "(((((((a+)+)+)+)+)+)+)", "a{2}b{2}c{2}",
			};
			static const char *fine[] = {
				"acme/.*", "acme/(widget|gadget)", "acme/[+*]+x", "a\\+\\+\\+",
				"a{2}b{16}", "a+b+c+", "x[[:alpha:]]+",
			};
			int ok = 1;

			for (size_t i = 0; i < sizeof(costly) / sizeof(costly[0]); i++) {
				r = rules_repos_check(costly[i], &res);
				if (r != RULE_ERR_REGEX_COST || strcmp(res.message,
				    "the repository pattern repeats too much (a repetition "
				    "right after another, more than 6 '+', or a count above "
				    "{16}); write it like 'acme/(widget|gadget)'")) {
					printf("# '%s' -> %d '%s'\n", costly[i], r, res.message);
					ok = 0;
				}
			}
			for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
				r = rules_repos_check(fine[i], &res);
				if (r != 0) {
					printf("# '%s' -> %d '%s'\n", fine[i], r, res.message);
					ok = 0;
				}
			}
			report(ok, "repos check: repetitions that make regcomp() blow up are refused, others pass");
			report(rules_repos_match("a+++++++++++++++++++", "acme/a") == RULE_ERR_REGEX_COST,
			       "repos match: a stored costly pattern never reaches regcomp()");
		}
	}
}

static void test_labels(void)
{
	char buf[16];

	report(!strcmp(rules_kind_label(KS_KIND_API_TOKEN), "API token") &&
	       !strcmp(rules_kind_label(KS_KIND_APP_PASSWORD), "app password") &&
	       !strcmp(rules_kind_label(KS_KIND_PERSONAL_TOKEN),
		       "personal token") &&
	       !strcmp(rules_kind_label(KS_KIND_SSH_KEY), "SSH key") &&
	       !strcmp(rules_kind_label("other"), "other"),
	       "kind labels");
	report(!strcmp(rules_date(RULES_APP_PASSWORD_DISABLED, buf, sizeof(buf)),
		       "2025-09-09") &&
	       !strcmp(rules_date(RULES_APP_PASSWORD_REMOVED, buf, sizeof(buf)),
		       "2026-07-28"),
	       "dates of the app-password deadlines");
}

int main(void)
{
	test_cloud();
	test_datacenter();
	test_common();
	test_expiry();
	test_expiry_keeps_kind();
	test_repos();
	test_labels();
	return unit_done();
}
