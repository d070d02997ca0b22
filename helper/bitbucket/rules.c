/*
 * rules.c - Bitbucket's rules for secrets, as pure checks (see rules.h and
 * BITBUCKET-RULES.md).  Nothing here prints, reads a clock or keeps state.
 */
#include "bitbucket/rules.h"
#include "common/text.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keystore.h"

/* Where an Atlassian account's API tokens are made, and the scopes git needs. */
#define HOW_TO_API_TOKEN \
	"create an API token with scopes read:repository:bitbucket and " \
	"write:repository:bitbucket (Atlassian account > Security > API tokens " \
	"> Create API token with scopes)"

#define HOW_TO_PERSONAL_TOKEN \
	"create a personal HTTP access token (Manage account > HTTP access " \
	"tokens) and use it with your username"

/* Cloud's repository, project and workspace access tokens. */
#define NOT_ACCOUNT_LEVEL \
	"repository, project and workspace access tokens (ATCT, username " \
	"x-token-auth) are not account-level and git over https cannot use " \
	"them; " HOW_TO_API_TOKEN

#define MAX_USERNAME 255	/* keystore.h: username[256] */
#define MAX_REGEX 511		/* keystore.h: repos[512] */

enum marker { MARK_NONE = 0, MARK_ATAT, MARK_ATBB, MARK_ATCT };

static void result_init(struct rule_result *res)
{
	res->code = RULE_OK;
	res->kind = NULL;
	res->message[0] = '\0';
	res->warning[0] = '\0';
}

/* Always one line: the texts below hold no line breaks, and nothing that
 * comes from the user except dates and numbers is formatted in. */
static void line(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	/* a cut line is still a line: vsnprintf terminated it */
}

static int refuse(struct rule_result *res, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct rule_result *res, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	if (n < 0)
		res->message[0] = '\0';
	res->code = code;
	res->kind = NULL;
	res->warning[0] = '\0';
	return code;
}

const char *rules_date(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!buf || len == 0)
		return "";
	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		line(buf, len, "%s", "unknown date");
	return buf;
}

const char *rules_kind_label(const char *kind)
{
	static const struct {
		const char *kind, *label;
	} labels[] = {
		{ KS_KIND_API_TOKEN, "API token" },
		{ KS_KIND_APP_PASSWORD, "app password" },
		{ KS_KIND_PERSONAL_TOKEN, "personal token" },
		{ KS_KIND_SSH_KEY, "SSH key" },
	};

	if (!kind)
		return "secret";
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(kind, labels[i].kind))
			return labels[i].label;
	return kind;
}

static int has_space(const char *s, size_t len)
{
	return memchr(s, ' ', len) != NULL;
}

/* The 4-letter marker of a Cloud token, after any leading blanks (a
 * careless paste); the blanks themselves are refused later. */
static enum marker cloud_marker(const char *s, size_t len)
{
	while (len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if (len < 4)
		return MARK_NONE;
	if (!memcmp(s, "ATAT", 4))
		return MARK_ATAT;
	if (!memcmp(s, "ATBB", 4))
		return MARK_ATBB;
	if (!memcmp(s, "ATCT", 4))
		return MARK_ATCT;
	return MARK_NONE;
}

static const char *marker_name(enum marker m)
{
	switch (m) {
	case MARK_ATAT: return "ATAT";
	case MARK_ATBB: return "ATBB";
	case MARK_ATCT: return "ATCT";
	default: return "";
	}
}

/* local@domain.tld: what people type when they mean their account. */
static int is_email(const char *u)
{
	const char *at = strchr(u, '@');
	const char *dot;

	if (!at || at == u || strchr(at + 1, '@'))
		return 0;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

/* The refusals on Cloud that the username alone decides (after the token's). */
static int cloud_user(const char *user, struct rule_result *res)
{
	if (!*user)
		return refuse(res, RULE_ERR_NO_USERNAME,
			"no username for bitbucket.org; use your Bitbucket "
			"username from Account settings, or "
			RULES_API_TOKEN_USER " with an API token");
	if (is_email(user))
		return refuse(res, RULE_ERR_EMAIL,
			"an e-mail address is not a git username on "
			"bitbucket.org (the e-mail is for the REST API); use "
			"your Bitbucket username from Account settings, or "
			RULES_API_TOKEN_USER " with an API token");
	return 0;
}

static int check_cloud(const char *user, const char *secret, size_t len,
		       long long now, struct rule_result *res)
{
	enum marker m = cloud_marker(secret, len);
	char date[16];

	if (m == MARK_ATCT || !strcmp(user, RULES_ACCESS_TOKEN_USER))
		return refuse(res, RULE_ERR_ACCESS_TOKEN,
			NOT_ACCOUNT_LEVEL);
	if (m == MARK_NONE)
		return refuse(res, RULE_ERR_PASSWORD,
			"this is not a Bitbucket token, and bitbucket.org "
			"refuses account passwords for git (accounts with "
			"two-step verification or Google login must use "
			"tokens); " HOW_TO_API_TOKEN);
	if (m == MARK_ATBB && now >= RULES_APP_PASSWORD_REMOVED)
		return refuse(res, RULE_ERR_APP_PASSWORD,
			"app passwords (ATBB) were removed from bitbucket.org "
			"on %s; " HOW_TO_API_TOKEN,
			rules_date(RULES_APP_PASSWORD_REMOVED, date, sizeof(date)));
	if (has_space(secret, len))
		return refuse(res, RULE_ERR_SECRET_SPACE,
			"the token contains a space; paste it again without "
			"spaces");
	if (cloud_user(user, res) < 0)
		return res->code;
	if (m != MARK_ATAT && !strcmp(user, RULES_API_TOKEN_USER))
		return refuse(res, RULE_ERR_API_USER,
			"the username " RULES_API_TOKEN_USER " works only with "
			"API tokens (ATAT); use your Bitbucket username from "
			"Account settings");

	if (m == MARK_ATBB) {
		res->kind = KS_KIND_APP_PASSWORD;
		res->code = RULE_WARN_APP_PASSWORD;
		line(res->warning, sizeof(res->warning),
		     "app passwords (ATBB) stop working on bitbucket.org on "
		     "%s; " HOW_TO_API_TOKEN " and store it instead",
		     rules_date(RULES_APP_PASSWORD_REMOVED, date, sizeof(date)));
		return 0;
	}
	res->kind = KS_KIND_API_TOKEN;
	return 0;
}

/* The refusals on Data Center that the username alone decides. */
static int datacenter_user(const char *user, struct rule_result *res)
{
	if (!*user || !strcmp(user, RULES_ACCESS_TOKEN_USER))
		return refuse(res, RULE_ERR_BEARER_ONLY,
			"a Data Center token without a username, or with "
			"x-token-auth, is a project or repository token, which "
			"works only as a Bearer token and not with git; "
			HOW_TO_PERSONAL_TOKEN);
	if (!strcmp(user, RULES_API_TOKEN_USER))
		return refuse(res, RULE_ERR_API_USER,
			"the username " RULES_API_TOKEN_USER " is for API "
			"tokens on bitbucket.org only; use your Data Center "
			"username with a personal HTTP access token");
	return 0;
}

static int check_datacenter(const char *user, const char *secret,
			    size_t len, struct rule_result *res)
{
	enum marker m = cloud_marker(secret, len);

	if (datacenter_user(user, res) < 0)
		return res->code;

	res->kind = KS_KIND_PERSONAL_TOKEN;
	if (m != MARK_NONE) {
		res->code = RULE_WARN_CLOUD_TOKEN;
		line(res->warning, sizeof(res->warning),
		     "this looks like a bitbucket.org token (%s), which Data "
		     "Center does not accept; if git then says 'not "
		     "authorized', " HOW_TO_PERSONAL_TOKEN, marker_name(m));
	} else if (is_email(user)) {
		res->code = RULE_WARN_EMAIL;
		line(res->warning, sizeof(res->warning),
		     "the username is an e-mail address; if git then says "
		     "'not authorized', use your Bitbucket username instead "
		     "(Manage account > Account settings)");
	}
	return 0;
}

/* What any username must be, before the product's own rules. */
static int username_form(const char *user, struct rule_result *res)
{
	if (strlen(user) > MAX_USERNAME)
		return refuse(res, RULE_ERR_TOO_LONG,
			"the username is longer than %d bytes; use your "
			"Bitbucket username", MAX_USERNAME);
	if (has_control(user, strlen(user)))
		return refuse(res, RULE_ERR_USERNAME_CHARS,
			"the username contains a line break or control "
			"character; type it again");
	return 0;
}

int rules_check_secret(const struct target *t, const char *username,
		       const char *secret, size_t len, long long now,
		       struct rule_result *res)
{
	const char *user = username ? username : "";

	if (!res)
		return RULE_ERR_INTERNAL;
	result_init(res);
	if (!t || (!secret && len))
		return refuse(res, RULE_ERR_INTERNAL,
			"internal error: no target or secret to check; "
			"please report this");
	if (t->product != PRODUCT_CLOUD && t->product != PRODUCT_DATACENTER)
		return refuse(res, RULE_ERR_NOT_OURS,
			"'%s' is not bitbucket.org or a declared Data Center "
			"host; declare it with 'git config --add "
			"bitbucket.dataCenterHost %s'", t->host, t->host);

	if (len == 0)
		return refuse(res, RULE_ERR_EMPTY_SECRET,
			"the token is empty; paste the whole token");
	if (has_control(secret, len))
		return refuse(res, RULE_ERR_SECRET_CHARS,
			"the token contains a line break or control "
			"character; paste it again as one line");
	if (username_form(user, res) != 0)
		return res->code;

	if (t->product == PRODUCT_CLOUD)
		return check_cloud(user, secret, len, now, res);
	return check_datacenter(user, secret, len, res);
}

int rules_check_username(const struct target *t, const char *username,
			 struct rule_result *res)
{
	const char *user = username ? username : "";

	if (!res)
		return RULE_ERR_INTERNAL;
	result_init(res);
	if (!t || (t->product != PRODUCT_CLOUD && t->product != PRODUCT_DATACENTER))
		return refuse(res, RULE_ERR_INTERNAL,
			"internal error: no Bitbucket target for the username; "
			"please report this");
	if (username_form(user, res) != 0)
		return res->code;
	if (t->product == PRODUCT_CLOUD) {
		if (!strcmp(user, RULES_ACCESS_TOKEN_USER))
			return refuse(res, RULE_ERR_ACCESS_TOKEN,
				NOT_ACCOUNT_LEVEL);
		return cloud_user(user, res) < 0 ? res->code : 0;
	}
	return datacenter_user(user, res) < 0 ? res->code : 0;
}

int rules_check_expiry(long long expiry, long long now,
		       struct rule_result *res)
{
	const char *kind;
	char date[16];
	long long left;

	if (!res)
		return RULE_ERR_INTERNAL;
	/* a caller may check the secret, then the expiry, in one result */
	kind = res->kind;
	result_init(res);
	res->kind = kind;
	if (expiry <= 0)
		return 0;	/* unknown */
	rules_date(expiry, date, sizeof(date));
	if (expiry <= now)
		return refuse(res, RULE_ERR_EXPIRED,
			"the token expired on %s; create a new one and store "
			"it with 'git credential-bitbucket login URL'", date);
	left = expiry - now;
	if (left <= RULES_EXPIRY_WARN_SECONDS) {
		long long days = left / (24 * 60 * 60);

		res->code = RULE_WARN_EXPIRES_SOON;
		if (days == 0)
			line(res->warning, sizeof(res->warning),
			     "the token expires on %s (in less than a day); "
			     "create a new one and store it with 'git "
			     "credential-bitbucket login URL'", date);
		else
			line(res->warning, sizeof(res->warning),
			     "the token expires on %s (in %lld day%s); create "
			     "a new one and store it with 'git "
			     "credential-bitbucket login URL'",
			     date, days, days == 1 ? "" : "s");
	}
	return 0;
}

/*
 * glibc's regcomp() builds a copy of the repeated part for every '+' and
 * every count: "a" and 19 stacked '+' took 2 s and 380 MB (found by
 * fuzzing), and each further '+' doubles that, on every get that checks
 * the pattern.  A repository pattern needs none of it, so these are
 * refused before regcomp() sees them: a repetition right after another
 * ("a++", "a*{2}"), more than REPEAT_COPIES '+', more than REPEAT_COUNTED
 * "{n,m}", or a count above REPEAT_MAX.  Nesting through parentheses
 * ("((a+)+)+") is bounded by the same totals.
 */
#define REPEAT_COPIES 6
#define REPEAT_COUNTED 2
#define REPEAT_MAX 16

static size_t skip_bracket(const char *re, size_t i)	/* re[i] == '[' */
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	while (re[i] && re[i] != ']') {
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' || re[i + 1] == '=')) {
			char d = re[i + 1];

			for (i += 2; re[i] && !(re[i] == d && re[i + 1] == ']'); i++)
				;
			if (re[i])
				i += 2;
			continue;
		}
		i++;
	}
	return re[i] ? i + 1 : i;
}

/* "{n}", "{n,}" or "{n,m}" at re[i]: its end, and its largest number */
static size_t read_count(const char *re, size_t i, unsigned long *max)
{
	unsigned long n = 0;
	int digits = 0;

	*max = 0;
	for (i++; re[i] && re[i] != '}'; i++) {
		if (re[i] == ',') {
			n = 0;
			continue;
		}
		if (re[i] < '0' || re[i] > '9')
			return 0;
		n = n * 10 + (unsigned long)(re[i] - '0');
		if (n > 99999)
			n = 99999;
		if (n > *max)
			*max = n;
		digits = 1;
	}
	return re[i] == '}' && digits ? i + 1 : 0;
}

static int repos_too_costly(const char *re)
{
	int prev_repeat = 0, copies = 0, counted = 0;
	unsigned long max;
	size_t i = 0, end;

	while (re[i]) {
		char c = re[i];

		if (c == '\\') {
			i += re[i + 1] ? 2 : 1;
		} else if (c == '[') {
			i = skip_bracket(re, i);
		} else if (c == '*' || c == '+' || c == '?') {
			if (prev_repeat || (c == '+' && ++copies > REPEAT_COPIES))
				return 1;
			i++;
			prev_repeat = 1;
			continue;
		} else if (c == '{' && (end = read_count(re, i, &max)) != 0) {
			if (prev_repeat || ++counted > REPEAT_COUNTED || max > REPEAT_MAX)
				return 1;
			i = end;
			prev_repeat = 1;
			continue;
		} else {
			i++;
		}
		prev_repeat = 0;
	}
	return 0;
}

static int repos_compile(const char *regex, regex_t *re, int *rc)
{
	if (strlen(regex) > MAX_REGEX)
		return RULE_ERR_TOO_LONG;
	if (repos_too_costly(regex))
		return RULE_ERR_REGEX_COST;
	*rc = regcomp(re, regex, REG_EXTENDED | REG_ICASE);
	return *rc ? RULE_ERR_BAD_REGEX : 0;
}

int rules_repos_check(const char *regex, struct rule_result *res)
{
	regex_t re;
	char why[128];
	int rc = 0, r;

	if (!res)
		return RULE_ERR_INTERNAL;
	result_init(res);
	if (!regex || !*regex)
		return 0;
	if (has_control(regex, strlen(regex)))
		return refuse(res, RULE_ERR_BAD_REGEX,
			"the repository pattern contains a line break or "
			"control character; give one extended regular "
			"expression such as 'acme/(widget|gadget)'");
	r = repos_compile(regex, &re, &rc);
	if (r == RULE_ERR_TOO_LONG)
		return refuse(res, r,
			"the repository pattern is longer than %d bytes; "
			"use a shorter extended regular expression", MAX_REGEX);
	if (r == RULE_ERR_REGEX_COST)
		return refuse(res, r,
			"the repository pattern repeats too much (a repetition "
			"right after another, more than %d '+', or a count "
			"above {%d}); write it like 'acme/(widget|gadget)'",
			REPEAT_COPIES, REPEAT_MAX);
	if (r) {
		regerror(rc, NULL, why, sizeof(why));
		for (char *p = why; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return refuse(res, r,
			"the repository pattern is not a valid extended "
			"regular expression (%s); write it like "
			"'acme/(widget|gadget)' and quote it for the shell", why);
	}
	regfree(&re);
	return 0;
}

int rules_repos_match(const char *regex, const char *repo_path)
{
	regex_t re;
	regmatch_t m[1];
	size_t plen;
	int rc = 0, r, hit;

	if (!regex || !*regex)
		return 1;
	if ((r = repos_compile(regex, &re, &rc)) != 0)
		return r;
	if (!repo_path || !*repo_path) {
		regfree(&re);
		return 0;
	}
	/*
	 * Anchored as a whole without rewriting the pattern (wrapping it in
	 * "^(...)$" would change the meaning of a stray ')'): POSIX matching
	 * is leftmost-longest, so the path matches as a whole exactly when
	 * the first match starts at 0 and ends at the end.
	 */
	plen = strlen(repo_path);
	hit = regexec(&re, repo_path, 1, m, 0) == 0 &&
	      m[0].rm_so == 0 && (size_t)m[0].rm_eo == plen;
	regfree(&re);
	return hit;
}
