/*
 * cred-list.h - the one writer of `list` and `key list`: a table of
 * columns for people, a JSON array for scripts, and the small formatters
 * both share (where an item applies, dates, age).
 *
 * The callers gather the items and decide the columns; this writes them.
 * It never sees a secret: rows hold keyring attributes only.  Output goes
 * to stdout (through msg_out for the table); a failure prints its line.
 */
#ifndef GCB_CRED_LIST_H
#define GCB_CRED_LIST_H

#include <stddef.h>

#include "keystore.h"
#include "secret.h"

/* ---- the table ---- */

#define LIST_CELL 600	/* bytes per cell, with its NUL; longer text is cut */

struct list_table {
	int ncol;
	const char *const *head;	/* ncol column titles */
	size_t nrows;
	char (*cells)[LIST_CELL];	/* nrows * ncol cells, row by row */
};

/* Room for nrows rows of ncol empty cells; -1 (line printed) when out of memory. */
int list_table_init(struct list_table *tb, const char *const *head, int ncol,
		    size_t nrows);
/* The cell of row i, column c, to fill with snprintf(cell, LIST_CELL, ...). */
char *list_cell(struct list_table *tb, size_t i, int c);
/*
 * The heading and every row, columns padded to their widest cell and
 * separated by two spaces; no trailing blanks.  Frees the cells.
 */
void list_table_print(struct list_table *tb);

/* The order list and status show items in: host, port, scope, kind, then who. */
int list_item_cmp(const struct ks_item *x, const struct ks_item *y);

/* ---- JSON ---- */

/*
 * One array of flat objects, built in memory and written at the end, so a
 * failure never leaves half an array on stdout:
 *   [\n  {"k": v, "k": v},\n  {...}\n]\n      or []\n when empty.
 * Errors are sticky: the calls after one do nothing, json_finish reports.
 */
struct json {
	struct sbuf out;
	int objects, fields, err;
};

#define JSON_INIT { SBUF_INIT, 0, 0, 0 }

void json_object(struct json *j);		/* starts the next object */
void json_object_end(struct json *j);
void json_str(struct json *j, const char *key, const char *s);
void json_str_or_null(struct json *j, const char *key, const char *s); /* "" -> null */
void json_time(struct json *j, const char *key, long long t);	/* <= 0 -> null */
void json_bool(struct json *j, const char *key, int b);
void json_uint(struct json *j, const char *key, unsigned n);
void json_uint_or_null(struct json *j, const char *key, unsigned n); /* 0 -> null */
void json_int_or_null(struct json *j, const char *key, long long n); /* < 0 -> null */
void json_null(struct json *j, const char *key);
/*
 * The fields list --json and status --json share for one stored item, in
 * this order: kind, protocol (only with JSON_ITEM_PROTOCOL), host, port,
 * scope, username (tokens), name (keys), created, last_used, expires.
 */
#define JSON_ITEM_PROTOCOL 1
void json_item(struct json *j, const struct ks_item *it, long long expiry,
	       unsigned flags);
/* Writes the array to stdout and frees it: 0, or EXIT_REFUSED with the line printed. */
int json_finish(struct json *j);

/*
 * Append s to o as a JSON string: valid UTF-8 passes through; '"', '\\',
 * control characters and DEL are escaped, and each byte that is not part
 * of valid UTF-8 (overlong forms and surrogates included) becomes \ufffd:
 * JSON text is UTF-8, so such a byte has no faithful spelling.
 */
int json_escape(struct sbuf *o, const char *s);

/* ---- formatters ---- */

/* Where an item applies, as people read it: [http://]host[:port][/scope]. */
const char *item_where(const struct ks_item *it, char *buf, size_t len);
/* "YYYY-MM-DDThh:mm:ssZ", or "unknown". */
const char *iso_time(long long t, char *buf, size_t len);
/* "YYYY-MM-DD" (rules_date), or none when t <= 0. */
void list_date(long long t, char *buf, size_t len, const char *none);
/* The CREATED cell: "YYYY-MM-DD (Nd)", the date alone, or "unknown". */
void list_created(const struct ks_item *it, long long now, char *buf, size_t len);
/* Whole days since the item was stored, -1 when unknown or in the future. */
long long list_age_days(const struct ks_item *it, long long now);
/*
 * 1 when the item is older than max_days (bitbucket.keyMaxAge): the rule
 * git-bitbucket-ssh's warning follows too (ssh_key_age_warning_due).
 */
int list_is_old(const struct ks_item *it, long long now, long max_days);
/* "N stored items are locked and not listed; ..." when locked > 0. */
void list_warn_locked(size_t locked, const char *noun);

#endif
