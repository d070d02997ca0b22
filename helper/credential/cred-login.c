/*
 * cred-login.c - the shell verbs that manage tokens: login and logout.
 *
 * login reads the token from the terminal with echo off, or one line from
 * stdin with --stdin; never from the command line or the environment
 * (BITBUCKET-RULES.md section 4).  The token goes through
 * cred_store_token(), which applies the rules, prints any refusal and
 * stores.  logout removes what login stored for one scope.  (list is in
 * cred-list.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/io.h"
#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-doctor.h"
#include "credential/cred-tty.h"
#include "msg.h"
#include "bitbucket/rules.h"

#define TOKEN_MAX ((size_t)64 << 10)	/* no Bitbucket token is near this */
#define USERNAME_MAX 255

/* ---- small helpers ---- */

/* "YYYY-MM-DD" -> unix seconds at 00:00 UTC that day; -1 if not a date. */
static long long parse_date(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = 0, m = 0, d = 0, dim;
	long long days, yy;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	for (int i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return -1;
	dim = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return -1;
	/* days from 1970-01-01 (civil calendar, March-based years) */
	yy = m <= 2 ? y - 1 : y;
	{
		long long era = yy / 400;
		long long yoe = yy - era * 400;
		long long mp = (m + 9) % 12;
		long long doy = (153 * mp + 2) / 5 + d - 1;
		long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	return days * 86400;
}

/* The path part of a URL as typed (after the authority), or "". */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	p = strchr(p, '/');
	return p ? p : "";
}

/* Does "scheme://user:password@host" carry a password? */
static int url_has_password(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end, *at;

	if (!p)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q;
	return at && memchr(p, ':', (size_t)(at - p)) != NULL;
}

/*
 * A Data Center https URL whose path names neither the host (/, /scm/) nor
 * something under /scm/: refuse it rather than silently act on the whole
 * host (https://host/PROJ/repo.git is not a Data Center git URL).
 */
static int dc_path_unclear(const struct target *t, const char *url)
{
	const char *path = url_path(url);
	const char *p;

	if (t->product != PRODUCT_DATACENTER || t->level != LEVEL_HOST ||
	    !strcmp(t->protocol, "ssh"))
		return 0;
	for (p = path; *p == '/'; p++)
		;
	if (*p == '\0' || *p == '?' || *p == '#')
		return 0;
	/* any /scm segment makes it a Data Center git path */
	for (p = path; (p = strstr(p, "/scm")) != NULL; p += 4)
		if (p[4] == '\0' || p[4] == '/' || p[4] == '?' || p[4] == '#')
			return 0;
	return 1;
}

/*
 * URL -> target for login and logout; prints the problem and returns an
 * EXIT_* code when the URL does not name a Bitbucket https scope.  The URL
 * itself is never echoed: it may hold a password.
 */
static int url_target(struct gcb_call *call, const struct cred_verb *v,
		      const char *url, struct target *t)
{
	struct config *cfg = cred_config(call);
	char where[800];
	int r;

	if (url_has_password(url)) {
		msg_error("the URL contains a password; remove it (the token is "
			  "read from the terminal, or from stdin with --stdin, "
			  "never from the command line)");
		return EXIT_USAGE;
	}
	/* a path that fits no shape is refused below, after the host and the scheme */
	if ((r = target_from_url(url, &cfg->dc, t)) != TARGET_OK &&
	    r != TARGET_ERR_SHAPE) {
		char why[160];

		snprintf(why, sizeof(why), "cannot read the URL (%s); give a "
			 "host, account or repository URL such as "
			 "https://bitbucket.org/acme/", target_strerror(r));
		return cred_args_misuse(v, why);
	}
	if (t->product == PRODUCT_NONE)
		return tty_not_bitbucket(t);
	if (!strcmp(t->protocol, "ssh")) {
		msg_error("'%s' is an SSH URL, and tokens are for https; give the "
			  "https URL of the same host, account or repository (SSH "
			  "keys are managed with '%s key')",
			  target_describe(t, where, sizeof(where)), msg_prog());
		return EXIT_USAGE;
	}
	if (r == TARGET_ERR_SHAPE) {
		msg_error("%s", target_shape_hint(t, where, sizeof(where)));
		return EXIT_USAGE;
	}
	if (dc_path_unclear(t, url)) {
		msg_error("the URL path names no Data Center project or "
			  "repository; use https://%s/scm/PROJECT/ for a project "
			  "or https://%s/scm/PROJECT/REPO.git for a repository",
			  t->host, t->host);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- reading from the person ---- */

static int read_token_error(int r)
{
	if (r == TTY_TOO_LONG)
		msg_error("the token is longer than %zu bytes; paste only the "
			  "token", TOKEN_MAX);
	else if (r == TTY_ERROR)
		msg_error("cannot read the token: %s; try again", strerror(errno));
	return EXIT_REFUSED;
}

/* ---- the useHttpPath hint ---- */

/* Is credential.useHttpPath true for url, as git will see it? */
static int use_http_path_set(const char *url)
{
	char *argv[] = { "git", "config", "--type=bool", "--get-urlmatch",
			 "credential.useHttpPath", (char *)url, NULL };
	char out[64];
	size_t n;

	return run_git(argv, out, sizeof(out), &n) == 0 && !strncmp(out, "true", 4);
}

static void http_path_note(const struct target *t)
{
	char base[300];

	if (t->level == LEVEL_HOST)
		return;
	if (t->port)
		snprintf(base, sizeof(base), "%s://%s:%u", t->protocol, t->host,
			 t->port);
	else
		snprintf(base, sizeof(base), "%s://%s", t->protocol, t->host);
	if (use_http_path_set(base))
		return;
	msg_out("note: git sends the repository path to credential helpers only "
		"when credential.useHttpPath is true; without it this %s is not "
		"used. Set it with:", t->level == LEVEL_REPO ?
		"repository's token" : "account's token");
	msg_out("    git config --global credential.%s.useHttpPath true", base);
}

/* ---- login ---- */

/*
 * What login was told, once the command line is read and checked: the
 * target, the username (may still be empty: asked on the terminal), the
 * expiry (0 = none) and the repos restriction (NULL = none).
 */
struct login {
	const struct cred_verb *v;
	const char **vals;
	struct target t;
	char where[800];
	char username[USERNAME_MAX + 1];
	long long expiry;
	const char *repos;
};

/* --expires and --repos: refused before anything is read from the person. */
static int login_check_options(struct login *l)
{
	const char **vals = l->vals;
	struct rule_result res;

	if (vals[LOGIN_EXPIRES]) {
		if ((l->expiry = parse_date(vals[LOGIN_EXPIRES])) < 0)
			return cred_args_misuse(l->v, "--expires wants a date as "
						"YYYY-MM-DD, like 2027-01-31");
		if (rules_check_expiry(l->expiry, (long long)time(NULL), &res) < 0) {
			msg_error("%s", res.message);
			return EXIT_REFUSED;
		}
		if (res.warning[0])
			msg_warn("%s", res.warning);
	}
	if (vals[LOGIN_REPOS] && vals[LOGIN_REPOS][0]) {
		if (rules_repos_check(vals[LOGIN_REPOS], &res) < 0) {
			msg_error("%s", res.message);
			return EXIT_USAGE;
		}
		if (l->t.level == LEVEL_REPO &&
		    rules_repos_match(vals[LOGIN_REPOS], l->t.scope) != 1) {
			msg_error("--repos does not match the repository %s, so "
				  "the token would never be used; give an account "
				  "URL with --repos, or drop --repos", l->t.scope);
			return EXIT_USAGE;
		}
		l->repos = vals[LOGIN_REPOS];
	}
	if (vals[LOGIN_USERNAME])
		snprintf(l->username, sizeof(l->username), "%s", vals[LOGIN_USERNAME]);
	else if (l->t.username[0])
		snprintf(l->username, sizeof(l->username), "%s", l->t.username);
	if (vals[LOGIN_USERNAME] && strlen(vals[LOGIN_USERNAME]) > USERNAME_MAX) {
		msg_error("the username is longer than %d bytes; use your "
			  "Bitbucket username", USERNAME_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/* The username typed at the terminal, when none was given. */
static int login_ask_username(struct login *l, int tty)
{
	struct sbuf uline = { NULL, 0, 0, USERNAME_MAX + 1 };
	char prompt[1000];
	int r;

	snprintf(prompt, sizeof(prompt), "Username for %s: ", l->where);
	tty_write(tty, prompt);
	r = tty_read_line(tty, &uline);
	if (r != TTY_OK || uline.len == 0) {
		sbuf_free(&uline);
		msg_error("no username given; type your Bitbucket username, or "
			  "give --username NAME");
		return EXIT_USAGE;
	}
	snprintf(l->username, sizeof(l->username), "%s", uline.buf);
	sbuf_free(&uline);
	return 0;
}

/*
 * Where the token comes from: stdin with --stdin (prompts to stderr), else
 * the terminal, which also asks for a username none was given.  *tty is
 * the terminal's descriptor to close, or -1.
 */
static int login_input(struct login *l, int *tty, int *in, int *out)
{
	/* an explicit --username "" goes to the rules, which explain */
	int need_user = !l->username[0] && !l->vals[LOGIN_USERNAME];

	*tty = -1;
	if (l->vals[LOGIN_STDIN]) {
		if (need_user) {
			msg_error("no username for --stdin; add --username NAME "
				  "(your Bitbucket username from Account settings%s)",
				  l->t.product == PRODUCT_CLOUD ?
				  ", or x-bitbucket-api-token-auth with an API token" : "");
			return EXIT_USAGE;
		}
		*in = 0;
		*out = 2;
		return 0;
	}
	*tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*tty < 0) {
		msg_error("no terminal to read the token from; pipe it with "
			  "--stdin (and --username NAME)");
		return EXIT_USAGE;
	}
	*in = *out = *tty;
	return need_user ? login_ask_username(l, *tty) : 0;
}

/*
 * What the username alone decides (an e-mail address on Cloud, an access
 * token's x-token-auth, ...) is refused before the token is asked for:
 * nobody pastes a token only to hear that the name was wrong.
 */
static int login_check_username(const struct login *l)
{
	struct rule_result res;

	if (rules_check_username(&l->t, l->username, &res) < 0) {
		msg_error("%s", res.message);
		return EXIT_REFUSED;
	}
	return 0;
}

/* The token, with echo off at a terminal; one line from a pipe. */
static int login_read_token(struct login *l, struct sbuf *token)
{
	char prompt[1000];
	int tty, in, out, r;

	if ((r = login_input(l, &tty, &in, &out)) != 0 ||
	    (r = login_check_username(l)) != 0) {
		if (tty >= 0)
			close(tty);
		return r;
	}
	snprintf(prompt, sizeof(prompt), "Token for %s: ", l->where);
	r = tty_read_hidden(in, out, prompt, token);
	if (r == TTY_NO_ECHO) {
		/* a pipe (nobody reads a prompt there), or no echo control */
		if (isatty(in))
			tty_write(out, prompt);
		r = tty_read_line(in, token);
	}
	if (tty >= 0)
		close(tty);
	if (r == TTY_EOF)
		r = TTY_OK;	/* empty: the rules say so */
	return r == TTY_OK ? 0 : read_token_error(r);
}

/* What was stored, and the useHttpPath note when git would not use it. */
static void login_report(const struct login *l, const struct ks_item *stored)
{
	char extra[700] = "", date[16];

	if (stored->repos[0])
		snprintf(extra, sizeof(extra), " for repositories matching '%s'",
			 stored->repos);
	if (l->expiry > 0)
		msg_out("stored %s for %s on %s%s (expires %s)",
			rules_kind_label(stored->kind), stored->username, l->where,
			extra, rules_date(l->expiry, date, sizeof(date)));
	else
		msg_out("stored %s for %s on %s%s", rules_kind_label(stored->kind),
			stored->username, l->where, extra);
	http_path_note(&l->t);
}

int cmd_login(struct gcb_call *call)
{
	const char *vals[LOGIN_NOPTS], *ops[1];
	struct login l = { .v = call->verb->spec, .vals = vals };
	struct sbuf token = { NULL, 0, 0, TOKEN_MAX };
	struct keystore *ks = NULL;
	struct ks_item stored = KS_ITEM_INIT;
	int n_ops, r;

	if ((r = cred_args_parse(l.v, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if (n_ops != 1)
		return cred_args_misuse(l.v, "no URL given");
	if ((r = url_target(call, l.v, ops[0], &l.t)) != 0)
		return r;
	target_describe(&l.t, l.where, sizeof(l.where));
	if ((r = login_check_options(&l)) != 0)
		return r;
	/* everything from the person first: the watchdog starts at cred_open */
	if ((r = login_read_token(&l, &token)) != 0 ||
	    (r = cred_open_write(&ks)) != 0) {
		sbuf_free(&token);
		return r;
	}
	r = cred_store_token(ks, &l.t, l.username, &token, l.expiry, NULL,
			     l.repos, &stored);
	sbuf_free(&token);	/* wiped */
	ks_close(ks);
	alarm(0);
	if (r != 0)
		return r;
	login_report(&l, &stored);
	/* --check: what doctor's live check says (cred-doctor.c) */
	return vals[LOGIN_CHECK] ? cred_login_check(&l.t, ops[0]) : 0;
}

/* ---- logout ---- */

/*
 * Delete every token the search found (keys are 'key remove's business),
 * one line each; *removed counts them.  0 or an EXIT_* code.
 */
static int logout_delete(struct keystore *ks, struct ks_list *list,
			 const char *where, int *removed)
{
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct ks_item it;
		int r;

		if ((r = ks_list_get(ks, list, i, &it)) == KS_OK &&
		    strcmp(it.kind, KS_KIND_SSH_KEY) == 0)
			continue;
		if (r == KS_OK)
			r = ks_delete(ks, &it);
		if (r == KS_ERR_NOT_FOUND)
			continue;	/* removed meanwhile */
		if (r != KS_OK)
			return cred_keyring_error(r);
		(*removed)++;
		msg_out("removed %s for %s on %s", rules_kind_label(it.kind),
			it.username, where);
	}
	return 0;
}

static int nothing_to_remove(const char *user, const char *where)
{
	if (user[0])
		msg_error("no token stored for %s on %s; see '%s list' for what "
			  "is stored", user, where, msg_prog());
	else
		msg_error("no token stored for %s; see '%s list' for what is "
			  "stored", where, msg_prog());
	return EXIT_REFUSED;
}

int cmd_logout(struct gcb_call *call)
{
	const struct cred_verb *v = call->verb->spec;
	const char *vals[LOGOUT_NOPTS], *ops[1], *user;
	struct target t;
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	char where[800];
	size_t locked = 0;
	int n_ops, r, removed = 0;

	if ((r = cred_args_parse(v, call->argc, call->argv, vals, ops, &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if (n_ops != 1)
		return cred_args_misuse(v, "no URL given");
	if ((r = url_target(call, v, ops[0], &t)) != 0)
		return r;
	user = vals[LOGOUT_USERNAME] ? vals[LOGOUT_USERNAME] : t.username;
	if (strlen(user) >= sizeof(pat.username)) {
		msg_error("the username is longer than %d bytes; use your "
			  "Bitbucket username", USERNAME_MAX);
		return EXIT_USAGE;
	}
	target_describe(&t, where, sizeof(where));
	memcpy(pat.protocol, t.protocol, sizeof(pat.protocol));
	memcpy(pat.host, t.host, sizeof(pat.host));
	pat.port = t.port;
	memcpy(pat.scope, t.scope, sizeof(pat.scope));
	snprintf(pat.username, sizeof(pat.username), "%s", user);

	if ((r = cred_open_write(&ks)) != 0)
		return r;
	if ((r = ks_search(ks, &pat, KS_MATCH_PORT | KS_MATCH_SCOPE, &list,
			   &locked)) != KS_OK)
		r = cred_keyring_error(r);
	else if ((r = logout_delete(ks, list, where, &removed)) == 0 && removed == 0)
		r = locked > 0 ? cred_keyring_error(KS_ERR_LOCKED) :
				 nothing_to_remove(user, where);
	ks_list_free(list);
	ks_close(ks);
	alarm(0);
	return r;
}
