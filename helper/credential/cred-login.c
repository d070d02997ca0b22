/*
 * cred-login.c - the shell verbs that manage tokens: login, logout, list.
 *
 * login reads the token from the terminal with echo off, or one line from
 * stdin with --stdin; never from the command line or the environment
 * (BITBUCKET-RULES.md section 4).  The token goes through
 * cred_store_token(), which applies the rules, prints any refusal and
 * stores.  logout removes what login stored for one scope.  list shows
 * every stored secret's metadata, never a secret.
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

static const char *iso_time(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%s", "unknown");
	return buf;
}

/* Where an item applies, as people read it: [http://]host[:port][/scope]. */
static const char *item_where(const struct ks_item *it, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s%s", !strcmp(it->protocol, "http") ?
		     "http://" : "", it->host);
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (it->port)
		n += snprintf(buf + n, len - (size_t)n, ":%u", it->port);
	if ((size_t)n < len && it->scope[0])
		snprintf(buf + n, len - (size_t)n, "/%s", it->scope);
	return buf;
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
	if ((r = target_from_url(url, &cfg->dc, t)) != TARGET_OK) {
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

static const struct cred_opt login_opts[] = {
	{ "--username", "NAME", "the Bitbucket username git sends (not the e-mail address)" },
	{ "--expires", "YYYY-MM-DD", "the token's expiry date, to warn before it passes" },
	{ "--repos", "REGEX", "use the token only for repositories whose path matches" },
	{ "--stdin", NULL, "read the token as one line from stdin, not the terminal" },
};
enum { L_USERNAME, L_EXPIRES, L_REPOS, L_STDIN };
/* at most one URL; none is "no URL given", not the parser's "missing URL" */
static const struct cred_verb login_spec = {
	NULL, "login", "URL",
	"Store a token for a host, account or repository URL of Bitbucket Cloud\n"
	"(https://bitbucket.org/WORKSPACE/) or Data Center\n"
	"(https://HOST/scm/PROJECT/).  The token is read from the terminal with\n"
	"echo off, or from stdin with --stdin; never give it as an argument.",
	login_opts, sizeof(login_opts) / sizeof(login_opts[0]), 0, 1,
};

int cmd_login(struct gcb_call *call)
{
	const char *vals[4], *ops[1];
	struct target t;
	struct rule_result res;
	struct sbuf token = { NULL, 0, 0, TOKEN_MAX };
	struct sbuf uline = { NULL, 0, 0, USERNAME_MAX + 1 };
	struct keystore *ks = NULL;
	struct ks_item stored = KS_ITEM_INIT;
	char username[USERNAME_MAX + 1] = "";
	char where[800], prompt[1000], extra[700] = "", date[16];
	long long expiry = 0;
	int n_ops, r, tty = -1, in, out;

	if ((r = cred_args_parse(&login_spec, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if (n_ops != 1)
		return cred_args_misuse(&login_spec, "no URL given");
	if ((r = url_target(call, &login_spec, ops[0], &t)) != 0)
		return r;
	target_describe(&t, where, sizeof(where));

	if (vals[L_EXPIRES]) {
		if ((expiry = parse_date(vals[L_EXPIRES])) < 0)
			return cred_args_misuse(&login_spec, "--expires wants a "
						"date as YYYY-MM-DD, like "
						"2027-01-31");
		if (rules_check_expiry(expiry, (long long)time(NULL), &res) < 0) {
			msg_error("%s", res.message);
			return EXIT_REFUSED;
		}
		if (res.warning[0])
			msg_warn("%s", res.warning);
	}
	if (vals[L_REPOS] && vals[L_REPOS][0]) {
		if (rules_repos_check(vals[L_REPOS], &res) < 0) {
			msg_error("%s", res.message);
			return EXIT_USAGE;
		}
		if (t.level == LEVEL_REPO &&
		    rules_repos_match(vals[L_REPOS], t.scope) != 1) {
			msg_error("--repos does not match the repository %s, so "
				  "the token would never be used; give an account "
				  "URL with --repos, or drop --repos", t.scope);
			return EXIT_USAGE;
		}
	}

	if (vals[L_USERNAME])
		snprintf(username, sizeof(username), "%s", vals[L_USERNAME]);
	else if (t.username[0])
		snprintf(username, sizeof(username), "%s", t.username);
	if ((vals[L_USERNAME] && strlen(vals[L_USERNAME]) > USERNAME_MAX)) {
		msg_error("the username is longer than %d bytes; use your "
			  "Bitbucket username", USERNAME_MAX);
		return EXIT_USAGE;
	}

	if (vals[L_STDIN]) {
		/* an explicit --username "" goes to the rules, which explain */
		if (!username[0] && !vals[L_USERNAME]) {
			msg_error("no username for --stdin; add --username NAME "
				  "(your Bitbucket username from Account settings%s)",
				  t.product == PRODUCT_CLOUD ?
				  ", or x-bitbucket-api-token-auth with an API token" : "");
			return EXIT_USAGE;
		}
		in = 0;
		out = 2;
	} else {
		tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty < 0) {
			msg_error("no terminal to read the token from; pipe it "
				  "with --stdin (and --username NAME)");
			return EXIT_USAGE;
		}
		in = out = tty;
		if (!username[0] && !vals[L_USERNAME]) {
			snprintf(prompt, sizeof(prompt), "Username for %s: ", where);
			tty_write(out, prompt);
			r = tty_read_line(in, &uline);
			if (r != TTY_OK || uline.len == 0) {
				sbuf_free(&uline);
				close(tty);
				msg_error("no username given; type your Bitbucket "
					  "username, or give --username NAME");
				return EXIT_USAGE;
			}
			snprintf(username, sizeof(username), "%s", uline.buf);
			sbuf_free(&uline);
		}
	}

	snprintf(prompt, sizeof(prompt), "Token for %s: ", where);
	r = tty_read_hidden(in, out, prompt, &token);
	if (r == TTY_NO_ECHO) {
		/* a pipe (nobody reads a prompt there), or no echo control */
		if (isatty(in))
			tty_write(out, prompt);
		r = tty_read_line(in, &token);
	}
	if (tty >= 0)
		close(tty);
	if (r == TTY_EOF)
		r = TTY_OK;	/* empty: the rules say so */
	if (r != TTY_OK) {
		sbuf_free(&token);
		return read_token_error(r);
	}

	if ((r = cred_open(&ks)) != 0) {
		sbuf_free(&token);
		return r;
	}
	r = cred_store_token(ks, &t, username, &token, expiry, NULL,
			     vals[L_REPOS] && vals[L_REPOS][0] ? vals[L_REPOS] : NULL,
			     &stored);
	sbuf_free(&token);	/* wiped */
	ks_close(ks);
	alarm(0);
	if (r != 0)
		return r;

	if (stored.repos[0])
		snprintf(extra, sizeof(extra), " for repositories matching '%s'",
			 stored.repos);
	if (expiry > 0)
		msg_out("stored %s for %s on %s%s (expires %s)",
			rules_kind_label(stored.kind), stored.username, where,
			extra, rules_date(expiry, date, sizeof(date)));
	else
		msg_out("stored %s for %s on %s%s", rules_kind_label(stored.kind),
			stored.username, where, extra);
	http_path_note(&t);
	return 0;
}

/* ---- logout ---- */

static const struct cred_opt logout_opts[] = {
	{ "--username", "NAME", "remove only this user's token (default: every user's)" },
};
static const struct cred_verb logout_spec = {
	NULL, "logout", "URL",
	"Remove the tokens stored for exactly this host, account or repository\n"
	"URL (what 'login' stored for it); tokens of other scopes stay.",
	logout_opts, 1, 0, 1,
};

int cmd_logout(struct gcb_call *call)
{
	const char *vals[1], *ops[1];
	struct target t;
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	char where[800];
	const char *user;
	size_t locked = 0;
	int n_ops, r, removed = 0;

	if ((r = cred_args_parse(&logout_spec, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if (n_ops != 1)
		return cred_args_misuse(&logout_spec, "no URL given");
	if ((r = url_target(call, &logout_spec, ops[0], &t)) != 0)
		return r;
	user = vals[0] ? vals[0] : t.username;
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

	if ((r = cred_open(&ks)) != 0)
		return r;
	if ((r = ks_search(ks, &pat, KS_MATCH_PORT | KS_MATCH_SCOPE, &list,
			   &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct ks_item it;

		if ((r = ks_list_get(ks, list, i, &it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;
			r = cred_keyring_error(r);
			goto out;
		}
		if (!strcmp(it.kind, KS_KIND_SSH_KEY))
			continue;	/* keys are 'key remove's business */
		if ((r = ks_delete(ks, &it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;
			r = cred_keyring_error(r);
			goto out;
		}
		removed++;
		msg_out("removed %s for %s on %s", rules_kind_label(it.kind),
			it.username, where);
	}
	if (removed > 0) {
		r = 0;
	} else if (locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
	} else {
		if (user[0])
			msg_error("no token stored for %s on %s; see '%s list' "
				  "for what is stored", user, where, msg_prog());
		else
			msg_error("no token stored for %s; see '%s list' for "
				  "what is stored", where, msg_prog());
		r = EXIT_REFUSED;
	}
out:
	ks_list_free(list);
	ks_close(ks);
	alarm(0);
	return r;
}

/* ---- list ---- */

static const struct cred_opt list_opts[] = {
	{ "--json", NULL, "print a JSON array for scripts" },
};
static const struct cred_verb list_spec = {
	NULL, "list", "",
	"List every stored token and SSH key: kind, where it applies, user or\n"
	"key name, when it was stored and last used, and when it expires.\n"
	"Secrets are never shown.",
	list_opts, 1, 0, 0,
};

struct row {
	struct ks_item it;
	long long expiry;
};

static int row_cmp(const void *a, const void *b)
{
	const struct ks_item *x = &((const struct row *)a)->it;
	const struct ks_item *y = &((const struct row *)b)->it;
	int c;

	if ((c = strcmp(x->host, y->host)) != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if ((c = strcmp(x->scope, y->scope)) != 0)
		return c;
	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	if ((c = strcmp(x->username, y->username)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

/* Append s as a JSON string: escapes, and U+FFFD for bytes that are not UTF-8. */
static int json_str(struct sbuf *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (sbuf_addch(o, '"') != 0)
		return -1;
	while (*p) {
		unsigned char c = *p;
		size_t n = 0;

		if (c == '"' || c == '\\') {
			if (sbuf_addch(o, '\\') != 0 || sbuf_addch(o, c) != 0)
				return -1;
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			char esc[8];

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			if (sbuf_addstr(o, esc) != 0)
				return -1;
			p++;
			continue;
		}
		if (c < 0x80)
			n = 1;
		else if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		/* overlong and surrogate forms */
		if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) ||
			       (c == 0xed && p[1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((c == 0xf0 && p[1] < 0x90) ||
			       (c == 0xf4 && p[1] >= 0x90)))
			n = 0;
		if (n == 0) {
			if (sbuf_addstr(o, "\\ufffd") != 0)
				return -1;
			p++;
			continue;
		}
		if (sbuf_add(o, p, n) != 0)
			return -1;
		p += n;
	}
	return sbuf_addch(o, '"');
}

static int json_str_or_null(struct sbuf *o, const char *s)
{
	return s[0] ? json_str(o, s) : sbuf_addstr(o, "null");
}

static int json_time(struct sbuf *o, long long t)
{
	char buf[32];

	if (t <= 0)
		return sbuf_addstr(o, "null");
	return json_str(o, iso_time(t, buf, sizeof(buf)));
}

static int json_row(struct sbuf *o, const struct row *row, int first)
{
	const struct ks_item *it = &row->it;
	int key = !strcmp(it->kind, KS_KIND_SSH_KEY);
	char port[16];

	snprintf(port, sizeof(port), "%u", it->port);
	if (sbuf_addstr(o, first ? "\n  {" : ",\n  {") != 0 ||
	    sbuf_addstr(o, "\"kind\": ") != 0 || json_str(o, it->kind) != 0 ||
	    sbuf_addstr(o, ", \"host\": ") != 0 || json_str(o, it->host) != 0 ||
	    sbuf_addstr(o, ", \"port\": ") != 0 ||
	    sbuf_addstr(o, it->port ? port : "null") != 0 ||
	    sbuf_addstr(o, ", \"scope\": ") != 0 || json_str(o, it->scope) != 0 ||
	    sbuf_addstr(o, ", \"username\": ") != 0 ||
	    json_str_or_null(o, key ? "" : it->username) != 0 ||
	    sbuf_addstr(o, ", \"name\": ") != 0 ||
	    json_str_or_null(o, key ? it->name : "") != 0 ||
	    sbuf_addstr(o, ", \"created\": ") != 0 || json_time(o, it->created) != 0 ||
	    sbuf_addstr(o, ", \"last_used\": ") != 0 ||
	    json_time(o, it->last_used) != 0 ||
	    sbuf_addstr(o, ", \"expires\": ") != 0 || json_time(o, row->expiry) != 0 ||
	    sbuf_addstr(o, ", \"repos\": ") != 0 ||
	    json_str_or_null(o, it->repos) != 0 ||
	    sbuf_addstr(o, ", \"read_only\": ") != 0 ||
	    sbuf_addstr(o, it->read_only ? "true" : "false") != 0 ||
	    sbuf_addch(o, '}') != 0)
		return -1;
	return 0;
}

static int print_json(const struct row *rows, size_t n)
{
	struct sbuf o = SBUF_INIT;
	int r = 0;

	if (sbuf_addch(&o, '[') != 0)
		r = -1;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = json_row(&o, &rows[i], i == 0);
	if (r == 0)
		r = sbuf_addstr(&o, n ? "\n]\n" : "]\n");
	if (r == 0 && fwrite(o.buf, 1, o.len, stdout) != o.len)
		r = -1;
	sbuf_free(&o);
	if (r != 0) {
		msg_error("cannot write the list; check that stdout is writable");
		return EXIT_REFUSED;
	}
	return 0;
}

static void fmt_date(long long t, char *buf, size_t len, const char *none)
{
	if (t <= 0)
		snprintf(buf, len, "%s", none);
	else
		rules_date(t, buf, len);
}

static void print_table(const struct row *rows, size_t n, long long now,
			long max_days)
{
	enum { C_KIND, C_WHERE, C_WHO, C_CREATED, C_USED, C_EXPIRES, C_NOTES, NCOL };
	static const char *const head[NCOL] = {
		"KIND", "WHERE", "USER/NAME", "CREATED", "LAST USED", "EXPIRES", "NOTES"
	};
	size_t w[NCOL];
	char (*cells)[NCOL][600];

	if (n == 0) {
		msg_out("nothing stored; store a token with '%s login URL'", msg_prog());
		return;
	}
	if ((cells = calloc(n, sizeof(*cells))) == NULL) {
		msg_error("out of memory; try again");
		return;
	}
	for (int c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &rows[i].it;
		int key = !strcmp(it->kind, KS_KIND_SSH_KEY);
		char notes[600] = "", date[16];
		long long age_days = it->created > 0 ? (now - it->created) / 86400 : -1;

		snprintf(cells[i][C_KIND], 600, "%s", rules_kind_label(it->kind));
		item_where(it, cells[i][C_WHERE], 600);
		snprintf(cells[i][C_WHO], 600, "%s", key ? it->name : it->username);
		fmt_date(it->created, date, sizeof(date), "unknown");
		if (age_days >= 0)
			snprintf(cells[i][C_CREATED], 600, "%s (%lldd)", date, age_days);
		else
			snprintf(cells[i][C_CREATED], 600, "%s", date);
		fmt_date(it->last_used, cells[i][C_USED], 600, "never");
		fmt_date(rows[i].expiry, cells[i][C_EXPIRES], 600, "-");
		if (rows[i].expiry > 0 && rows[i].expiry <= now)
			snprintf(notes, sizeof(notes), "expired");
		else if (!strcmp(it->kind, KS_KIND_APP_PASSWORD) &&
			 now >= RULES_APP_PASSWORD_REMOVED)
			snprintf(notes, sizeof(notes), "removed by Bitbucket");
		/* hygiene: rotate every 6-12 months (bitbucket.keyMaxAge) */
		if (max_days > 0 && age_days > max_days)
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
				 "%solder than %ld days: rotate it",
				 notes[0] ? ", " : "", max_days);
		if (it->read_only)
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
				 "%sread-only", notes[0] ? ", " : "");
		if (it->repos[0])
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
				 "%srepos '%.500s'", notes[0] ? ", " : "", it->repos);
		snprintf(cells[i][C_NOTES], 600, "%s", notes);
		for (int c = 0; c < NCOL; c++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
	}
	msg_out("%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s",
		(int)w[0], head[0], (int)w[1], head[1], (int)w[2], head[2],
		(int)w[3], head[3], (int)w[4], head[4], (int)w[5], head[5], head[6]);
	for (size_t i = 0; i < n; i++) {
		char line[2048];
		int len = snprintf(line, sizeof(line), "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s",
			(int)w[0], cells[i][0], (int)w[1], cells[i][1],
			(int)w[2], cells[i][2], (int)w[3], cells[i][3],
			(int)w[4], cells[i][4], (int)w[5], cells[i][5], cells[i][6]);

		/* no trailing blanks when there are no notes */
		while (len > 0 && (size_t)len < sizeof(line) && line[len - 1] == ' ')
			line[--len] = '\0';
		msg_out("%s", line);
	}
	free(cells);
}

int cmd_list(struct gcb_call *call)
{
	const char *vals[1], *ops[1];
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	struct sbuf value = SBUF_INIT, password = SBUF_INIT;
	struct row *rows = NULL;
	size_t n = 0, locked = 0;
	int n_ops, r;

	if ((r = cred_args_parse(&list_spec, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if ((r = cred_open(&ks)) != 0)
		return r;
	if ((r = ks_search(ks, &pat, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if (ks_list_len(list) > 0 &&
	    (rows = calloc(ks_list_len(list), sizeof(*rows))) == NULL) {
		msg_error("out of memory listing %zu items; try again",
			  ks_list_len(list));
		r = EXIT_REFUSED;
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct row *row = &rows[n];

		if ((r = ks_list_get(ks, list, i, &row->it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;	/* removed meanwhile */
			r = cred_keyring_error(r);
			goto out;
		}
		row->expiry = 0;
		if (strcmp(row->it.kind, KS_KIND_SSH_KEY) != 0) {
			/* the expiry lives inside the secret value */
			r = ks_get_secret(ks, &row->it, &value);
			if (r == KS_OK)
				cred_secret_parse(&value, &password, &row->expiry, NULL);
			sbuf_free(&value);
			sbuf_free(&password);
			if (r != KS_OK && r != KS_ERR_NOT_FOUND) {
				r = cred_keyring_error(r);
				goto out;
			}
		}
		n++;
		/* each item costs round trips: keep the watchdog for hangs, not size */
		alarm(10);
	}
	alarm(0);
	if (n == 0 && locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
		goto out;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	if (locked > 0)
		msg_warn("%zu stored item%s %s locked and not listed; unlock the "
			 "keyring to see %s", locked, locked == 1 ? "" : "s",
			 locked == 1 ? "is" : "are", locked == 1 ? "it" : "them");
	if (vals[0])
		r = print_json(rows, n);
	else {
		print_table(rows, n, (long long)time(NULL),
			    cred_config(call)->key_max_age_days);
		r = 0;
	}
out:
	sbuf_free(&value);
	sbuf_free(&password);
	free(rows);
	ks_list_free(list);
	ks_close(ks);
	alarm(0);
	return r;
}
