/*
 * cred-list.c - the one writer of `list` and `key list` (cred-list.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitbucket/rules.h"
#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-list.h"
#include "keyring.h"
#include "msg.h"

/* ---- the table ---- */

int list_table_init(struct list_table *tb, const char *const *head, int ncol,
		    size_t nrows)
{
	tb->ncol = ncol;
	tb->head = head;
	tb->nrows = nrows;
	tb->cells = NULL;
	if (nrows > 0 &&
	    (tb->cells = calloc(nrows * (size_t)ncol, sizeof(*tb->cells))) == NULL) {
		msg_error("out of memory; try again");
		return -1;
	}
	return 0;
}

char *list_cell(struct list_table *tb, size_t i, int c)
{
	return tb->cells[i * (size_t)tb->ncol + (size_t)c];
}

/* Row 0 is the heading, row i > 0 the table's row i - 1. */
static const char *row_cell(struct list_table *tb, size_t i, int c)
{
	return i == 0 ? tb->head[c] : list_cell(tb, i - 1, c);
}

void list_table_print(struct list_table *tb)
{
	size_t *w = calloc((size_t)tb->ncol, sizeof(*w));
	size_t linemax = (size_t)tb->ncol * (LIST_CELL + 2);
	char *line = malloc(linemax);

	if (w == NULL || line == NULL) {
		msg_error("out of memory; try again");
		goto out;
	}
	for (size_t i = 0; i <= tb->nrows; i++)
		for (int c = 0; c < tb->ncol; c++)
			if (strlen(row_cell(tb, i, c)) > w[c])
				w[c] = strlen(row_cell(tb, i, c));
	for (size_t i = 0; i <= tb->nrows; i++) {
		size_t len = 0;

		line[0] = '\0';
		for (int c = 0; c < tb->ncol; c++) {
			int k = snprintf(line + len, linemax - len, "%s%-*s",
					 c ? "  " : "", c + 1 < tb->ncol ? (int)w[c] : 0,
					 row_cell(tb, i, c));

			if (k > 0 && (size_t)k < linemax - len)
				len += (size_t)k;
		}
		/* no trailing blanks when the last columns are empty */
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		msg_out("%s", line);
	}
out:
	free(line);
	free(w);
	free(tb->cells);
	tb->cells = NULL;
}

/* ---- JSON ---- */

/* The length of the valid UTF-8 sequence at p, or 0 (RFC 3629 section 4). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n = 0;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
	/* overlong forms, surrogates, and beyond U+10FFFF */
	if (n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

int json_escape(struct sbuf *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (sbuf_addch(o, '"') != 0)
		return -1;
	while (*p) {
		char esc[8];
		size_t n;
		int r;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\', esc[1] = (char)*p, esc[2] = '\0';
			r = sbuf_addstr(o, esc), n = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			r = sbuf_addstr(o, esc), n = 1;
		} else if ((n = utf8_len(p)) == 0) {
			r = sbuf_addstr(o, "\\ufffd"), n = 1;
		} else {
			r = sbuf_add(o, p, n);
		}
		if (r != 0)
			return -1;
		p += n;
	}
	return sbuf_addch(o, '"');
}

void json_object(struct json *j)
{
	if (j->objects == 0 && sbuf_addch(&j->out, '[') != 0)
		j->err = 1;
	if (!j->err && sbuf_addstr(&j->out, j->objects ? ",\n  {" : "\n  {") != 0)
		j->err = 1;
	j->objects++;
	j->fields = 0;
}

void json_object_end(struct json *j)
{
	if (!j->err && sbuf_addch(&j->out, '}') != 0)
		j->err = 1;
}

/* ", "key": " before a value */
static int key(struct json *j, const char *k)
{
	if (j->err || (j->fields++ && sbuf_addstr(&j->out, ", ") != 0) ||
	    json_escape(&j->out, k) != 0 || sbuf_addstr(&j->out, ": ") != 0)
		j->err = 1;
	return !j->err;
}

static void raw(struct json *j, const char *k, const char *v)
{
	if (key(j, k) && sbuf_addstr(&j->out, v) != 0)
		j->err = 1;
}

void json_str(struct json *j, const char *k, const char *s)
{
	if (key(j, k) && json_escape(&j->out, s) != 0)
		j->err = 1;
}

void json_null(struct json *j, const char *k)
{
	raw(j, k, "null");
}

void json_str_or_null(struct json *j, const char *k, const char *s)
{
	if (s[0])
		json_str(j, k, s);
	else
		json_null(j, k);
}

void json_time(struct json *j, const char *k, long long t)
{
	char buf[32];

	if (t > 0)
		json_str(j, k, iso_time(t, buf, sizeof(buf)));
	else
		json_null(j, k);
}

void json_bool(struct json *j, const char *k, int b)
{
	raw(j, k, b ? "true" : "false");
}

void json_uint(struct json *j, const char *k, unsigned n)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", n);
	raw(j, k, num);
}

void json_uint_or_null(struct json *j, const char *k, unsigned n)
{
	if (n)
		json_uint(j, k, n);
	else
		json_null(j, k);
}

void json_int_or_null(struct json *j, const char *k, long long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", n);
	raw(j, k, n >= 0 ? num : "null");
}

int json_finish(struct json *j)
{
	int r = j->err ? -1 : sbuf_addstr(&j->out, j->objects ? "\n]\n" : "[]\n");

	if (r == 0 && fwrite(j->out.buf, 1, j->out.len, stdout) != j->out.len)
		r = -1;
	sbuf_free(&j->out);
	if (r != 0) {
		msg_error("cannot write the list; check that stdout is writable");
		return EXIT_REFUSED;
	}
	return 0;
}

/* ---- formatters ---- */

const char *item_where(const struct ks_item *it, char *buf, size_t len)
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

const char *iso_time(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%s", "unknown");
	return buf;
}

void list_date(long long t, char *buf, size_t len, const char *none)
{
	if (t <= 0)
		snprintf(buf, len, "%s", none);
	else
		rules_date(t, buf, len);
}

void list_created(const struct ks_item *it, long long now, char *buf, size_t len)
{
	long long age = list_age_days(it, now);
	char date[16];

	list_date(it->created, date, sizeof(date), "unknown");
	if (age >= 0)
		snprintf(buf, len, "%s (%lldd)", date, age);
	else
		snprintf(buf, len, "%s", date);
}

long long list_age_days(const struct ks_item *it, long long now)
{
	return it->created > 0 && now >= it->created ? (now - it->created) / 86400 : -1;
}

int list_is_old(const struct ks_item *it, long long now, long max_days)
{
	return max_days > 0 && it->created > 0 &&
	       now - it->created > (long long)max_days * 86400;
}

void list_warn_locked(size_t locked, const char *noun)
{
	if (locked > 0)
		msg_warn("%zu %s%s %s locked and not listed; unlock the keyring "
			 "to see %s", locked, noun, locked == 1 ? "" : "s",
			 locked == 1 ? "is" : "are", locked == 1 ? "it" : "them");
}

/* ---- `list`: every token and key, metadata only ---- */

struct row {
	struct ks_item it;
	long long expiry;
};

/* host, port, scope, kind, then who */
int list_item_cmp(const struct ks_item *x, const struct ks_item *y)
{
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

static int row_cmp(const void *a, const void *b)
{
	return list_item_cmp(&((const struct row *)a)->it, &((const struct row *)b)->it);
}

void json_item(struct json *j, const struct ks_item *it, long long expiry,
	       unsigned flags)
{
	int key = !strcmp(it->kind, KS_KIND_SSH_KEY);

	json_str(j, "kind", it->kind);
	if (flags & JSON_ITEM_PROTOCOL)
		json_str(j, "protocol", it->protocol);
	json_str(j, "host", it->host);
	json_uint_or_null(j, "port", it->port);
	json_str(j, "scope", it->scope);
	json_str_or_null(j, "username", key ? "" : it->username);
	json_str_or_null(j, "name", key ? it->name : "");
	json_time(j, "created", it->created);
	json_time(j, "last_used", it->last_used);
	json_time(j, "expires", expiry);
}

static int print_json(const struct row *rows, size_t n)
{
	struct json j = JSON_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &rows[i].it;

		json_object(&j);
		json_item(&j, it, rows[i].expiry, 0);
		json_str_or_null(&j, "repos", it->repos);
		json_bool(&j, "read_only", it->read_only);
		json_object_end(&j);
	}
	return json_finish(&j);
}

/* The NOTES cell: expired, removed, old, read-only, restricted. */
static void notes(const struct row *row, long long now, long max_days,
		  char *buf, size_t len)
{
	const struct ks_item *it = &row->it;
	size_t n;

	buf[0] = '\0';
	if (row->expiry > 0 && row->expiry <= now)
		snprintf(buf, len, "expired");
	else if (!strcmp(it->kind, KS_KIND_APP_PASSWORD) &&
		 now >= RULES_APP_PASSWORD_REMOVED)
		snprintf(buf, len, "removed by Bitbucket");
	/* hygiene: rotate every 6-12 months (bitbucket.keyMaxAge) */
	if (list_is_old(it, now, max_days) && (n = strlen(buf)) < len)
		snprintf(buf + n, len - n, "%solder than %ld days: rotate it",
			 n ? ", " : "", max_days);
	if (it->read_only && (n = strlen(buf)) < len)
		snprintf(buf + n, len - n, "%sread-only", n ? ", " : "");
	if (it->repos[0] && (n = strlen(buf)) < len)
		snprintf(buf + n, len - n, "%srepos '%.500s'", n ? ", " : "",
			 it->repos);
}

static void print_table(const struct row *rows, size_t n, long long now,
			long max_days)
{
	enum { C_KIND, C_WHERE, C_WHO, C_CREATED, C_USED, C_EXPIRES, C_NOTES, NCOL };
	static const char *const head[NCOL] = {
		"KIND", "WHERE", "USER/NAME", "CREATED", "LAST USED", "EXPIRES", "NOTES"
	};
	struct list_table tb;

	if (n == 0) {
		msg_out("nothing stored; store a token with '%s login URL'", msg_prog());
		return;
	}
	if (list_table_init(&tb, head, NCOL, n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &rows[i].it;
		snprintf(list_cell(&tb, i, C_KIND), LIST_CELL, "%s",
			 rules_kind_label(it->kind));
		item_where(it, list_cell(&tb, i, C_WHERE), LIST_CELL);
		snprintf(list_cell(&tb, i, C_WHO), LIST_CELL, "%s",
			 !strcmp(it->kind, KS_KIND_SSH_KEY) ? it->name : it->username);
		list_created(it, now, list_cell(&tb, i, C_CREATED), LIST_CELL);
		list_date(it->last_used, list_cell(&tb, i, C_USED), LIST_CELL, "never");
		list_date(rows[i].expiry, list_cell(&tb, i, C_EXPIRES), LIST_CELL, "-");
		notes(&rows[i], now, max_days, list_cell(&tb, i, C_NOTES), LIST_CELL);
	}
	list_table_print(&tb);
}

/* A token's expiry lives inside its secret value: 0 when there is none. */
static int token_expiry(struct keystore *ks, const struct ks_item *it,
			long long *expiry)
{
	struct sbuf value = SBUF_INIT, password = SBUF_INIT;
	int r;

	*expiry = 0;
	if ((r = ks_get_secret(ks, it, &value)) == KS_OK)
		cred_secret_parse(&value, &password, expiry, NULL);
	sbuf_free(&value);
	sbuf_free(&password);
	return r == KS_OK || r == KS_ERR_NOT_FOUND ? 0 : cred_keyring_error(r);
}

/* Every item of the search, with its expiry: *n rows, or an EXIT_* code. */
static int gather(struct keystore *ks, struct ks_list *list, struct row **rows,
		  size_t *n)
{
	int r;

	*n = 0;
	if (ks_list_len(list) > 0 &&
	    (*rows = calloc(ks_list_len(list), sizeof(**rows))) == NULL) {
		msg_error("out of memory listing %zu items; try again",
			  ks_list_len(list));
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct row *row = &(*rows)[*n];

		if ((r = ks_list_get(ks, list, i, &row->it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;	/* removed meanwhile */
			return cred_keyring_error(r);
		}
		row->expiry = 0;
		if (strcmp(row->it.kind, KS_KIND_SSH_KEY) != 0 &&
		    (r = token_expiry(ks, &row->it, &row->expiry)) != 0)
			return r;
		(*n)++;
		/* each item costs round trips: keep the watchdog for hangs, not size */
		alarm(10);
	}
	alarm(0);
	return 0;
}

int cmd_list(struct gcb_call *call)
{
	const char *vals[1], *ops[1];
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	struct row *rows = NULL;
	size_t n = 0, locked = 0;
	int n_ops, r;

	if ((r = cred_args_parse(call->verb->spec, call->argc, call->argv, vals,
				 ops, &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if ((r = cred_open(&ks)) != 0)
		return r;
	if ((r = ks_search(ks, &pat, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if ((r = gather(ks, list, &rows, &n)) != 0)
		goto out;
	if (n == 0 && locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
		goto out;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	list_warn_locked(locked, "stored item");
	if (vals[0]) {
		r = print_json(rows, n);
	} else {
		print_table(rows, n, (long long)time(NULL),
			    cred_config(call)->key_max_age_days);
		keyring_describe_file_store();
		r = 0;
	}
out:
	free(rows);
	ks_list_free(list);
	ks_close(ks);
	alarm(0);
	return r;
}
