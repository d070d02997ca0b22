/*
 * cred-key.c - `git-credential-bitbucket key <verb>` for stored keys:
 * public, list, remove, rename, scope, set-read-only, and the dispatch of
 * every key verb (import and generate are in cred-key-add.c; what a key
 * item is, in cred-key.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "credential/cred-key.h"
#include "credential/cred-list.h"
#include "credential/cred-tty.h"
#include "msg.h"
#include "pem.h"
#include "bitbucket/rules.h"

/* ---- names, scopes, labels ---- */

int key_check_name(const struct cred_verb *v, const char *name)
{
	size_t n = strlen(name);
	char why[300];
	int ok = n > 0 && n <= KEY_NAME_MAX;

	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		ok = alnum || (i > 0 && strchr("._-@+", c) != NULL);
	}
	if (ok)
		return 0;
	snprintf(why, sizeof(why), "invalid key name '%.*s': use up to %d letters, "
		 "digits, '.', '_', '-', '@' or '+', starting with a letter or digit",
		 n > 64 ? 64 : (int)n, name, KEY_NAME_MAX);
	return cred_args_misuse(v, why);
}

/*
 * Where a key applies, from --scope URL (NULL: all of bitbucket.org).
 * SSH URLs (git@host:path, ssh://git@host:port/path) or a bare host/path;
 * an http(s) URL names the wrong port on Data Center, so it is refused.
 */
int key_scope_target(struct gcb_call *call, const struct cred_verb *v,
			const char *url, struct target *t)
{
	struct config *cfg;
	char why[300];
	int r;

	memset(t, 0, sizeof(*t));
	if (url == NULL) {
		t->product = PRODUCT_CLOUD;
		memcpy(t->protocol, "ssh", sizeof("ssh"));
		memcpy(t->host, CLOUD_HOST, sizeof(CLOUD_HOST));
		t->level = LEVEL_HOST;
		return 0;
	}
	if (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0)
		return cred_args_misuse(v, "--scope wants the SSH URL of a host, "
					"account or repository "
					"(git@bitbucket.org:WORKSPACE/ or "
					"ssh://git@HOST:7999/PROJECT/), not an "
					"http(s) URL");
	cfg = cred_config(call);
	/* a bare host[/path] is SSH; a path that fits no shape is refused below */
	if ((r = target_from_ssh_url(url, &cfg->dc, t)) != TARGET_OK &&
	    r != TARGET_ERR_SHAPE) {
		snprintf(why, sizeof(why), "cannot read the --scope URL (%s); give "
			 "an SSH URL such as git@bitbucket.org:WORKSPACE/",
			 target_strerror(r));
		return cred_args_misuse(v, why);
	}
	if (t->product == PRODUCT_NONE)
		return tty_not_bitbucket(t);
	if (t->username[0] && strcmp(t->username, "git") != 0) {
		msg_error("the SSH user for Bitbucket is always 'git', not '%.64s'; "
			  "write the --scope URL as git@%s...", t->username, t->host);
		return EXIT_USAGE;
	}
	if (r == TARGET_ERR_SHAPE) {
		char hint[1000];

		msg_error("%s", target_shape_hint(t, hint, sizeof(hint)));
		return EXIT_USAGE;
	}
	memcpy(t->protocol, "ssh", sizeof("ssh"));
	return 0;
}

void key_label(const struct ks_item *it, char *buf, size_t len)
{
	char where[800];

	snprintf(buf, len, "Bitbucket SSH key '%s' for %s", it->name,
		 item_where(it, where, sizeof(where)));
}

void key_from_target(struct ks_item *it, const struct target *t)
{
	memcpy(it->protocol, "ssh", sizeof("ssh"));
	snprintf(it->host, sizeof(it->host), "%s", t->host);
	it->port = t->port;
	snprintf(it->scope, sizeof(it->scope), "%s", t->scope);
}

/* ---- finding keys ---- */

/*
 * Two items with one name are what two writers racing left behind (an
 * import and a rename, say): the newest is the key, as for tokens (get).
 * Under the writer lock the others are removed; a reader leaves them for
 * the next writer.
 */
int key_find(struct keystore *ks, const char *name, struct ks_item *it,
		    int *found)
{
	struct ks_item pat = KS_ITEM_INIT, cur;
	struct ks_list *list = NULL;
	size_t locked = 0, n, best = 0;
	int r;

	*found = 0;
	memcpy(pat.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	snprintf(pat.name, sizeof(pat.name), "%s", name);
	if ((r = ks_search(ks, &pat, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	n = ks_list_len(list);
	for (size_t i = 0; i < n; i++) {
		if ((r = ks_list_get(ks, list, i, &cur)) == KS_ERR_NOT_FOUND)
			continue;	/* removed meanwhile */
		if (r != KS_OK) {
			r = cred_keyring_error(r);
			goto out;
		}
		if (!*found || cur.created > it->created) {
			*it = cur;
			best = i;
		}
		*found = 1;
	}
	if (*found && cred_write_locked()) {
		for (size_t i = 0; i < n; i++) {
			if (i == best || ks_list_get(ks, list, i, &cur) != KS_OK)
				continue;
			if ((r = ks_delete(ks, &cur)) != KS_OK && r != KS_ERR_NOT_FOUND) {
				r = cred_keyring_error(r);
				goto out;
			}
		}
	}
	r = 0;
	if (!*found && locked > 0)
		r = cred_keyring_error(KS_ERR_LOCKED);
out:
	ks_list_free(list);
	return r;
}

static int no_such_key(const char *name)
{
	msg_error("no key named '%s'; see '%s key list' for the stored keys",
		  name, msg_prog());
	return EXIT_REFUSED;
}

/* Open the keyring and find a key that must exist. */
static int open_and_find(const char *name, struct keystore **ks,
			 struct ks_item *it)
{
	int found, r;

	if ((r = cred_open_write(ks)) != 0)
		return r;
	if ((r = key_find(*ks, name, it, &found)) != 0)
		return r;
	return found ? 0 : no_such_key(name);
}

void key_done(struct keystore *ks)
{
	ks_close(ks);
	alarm(0);
}

/* ---- public ---- */

static int load_pem(struct keystore *ks, const struct ks_item *it,
		    struct sbuf *pem, struct pem_info *info, int *bad)
{
	int r;

	*bad = 0;
	if ((r = ks_get_secret(ks, it, pem)) != KS_OK)
		return r == KS_ERR_NOT_FOUND ? no_such_key(it->name) :
		       cred_keyring_error(r);
	*bad = pem_check(pem, info);
	return 0;
}

static int bad_stored_key(const char *name, int err)
{
	msg_error("the key '%s' in the keyring is not usable (%s); import it "
		  "again with '%s key import --force %s FILE'", name,
		  pem_strerror(err), msg_prog(), name);
	return EXIT_REFUSED;
}

static int key_public(struct gcb_call *call, const struct cred_verb *v,
		      const char **vals, const char **ops, int n_ops)
{
	struct keystore *ks = NULL;
	struct ks_item it;
	struct sbuf pem = SBUF_INIT, line = SBUF_INIT;
	struct pem_info info;
	int bad = 0, r;

	(void)call, (void)vals, (void)n_ops;
	if ((r = key_check_name(v, ops[0])) != 0)
		return r;
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	if ((r = load_pem(ks, &it, &pem, &info, &bad)) != 0)
		goto out;
	if (bad == 0)
		bad = pem_public_line(&pem, NULL, &line);
	if (bad != 0) {
		r = bad_stored_key(it.name, bad);
		goto out;
	}
	msg_out("%s", line.buf);
	r = 0;
out:
	key_done(ks);
	sbuf_free(&pem);
	sbuf_free(&line);
	return r;
}

/* ---- list ---- */

struct key_row {
	struct ks_item it;
	struct pem_info info;
	int bad;		/* pem_check's error, or 0 */
};

/* by name */
static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key_row *)a)->it.name,
		      ((const struct key_row *)b)->it.name);
}

static int print_json(const struct key_row *rows, size_t n, long long now,
		      long max_days)
{
	struct json j = JSON_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct key_row *k = &rows[i];

		json_object(&j);
		json_str(&j, "name", k->it.name);
		if (k->bad) {
			json_null(&j, "type");
			json_null(&j, "bits");
			json_null(&j, "fingerprint");
			json_str(&j, "error", pem_strerror(k->bad));
		} else {
			json_str(&j, "type", k->info.type_name);
			json_uint(&j, "bits", k->info.bits);
			json_str(&j, "fingerprint", k->info.fingerprint);
		}
		json_str(&j, "host", k->it.host);
		json_uint_or_null(&j, "port", k->it.port);
		json_str(&j, "scope", k->it.scope);
		json_bool(&j, "read_only", k->it.read_only);
		json_time(&j, "created", k->it.created);
		json_time(&j, "last_used", k->it.last_used);
		json_int_or_null(&j, "age_days", list_age_days(&k->it, now));
		json_bool(&j, "old", list_is_old(&k->it, now, max_days));
		json_object_end(&j);
	}
	return json_finish(&j);
}

static void print_table(const struct key_row *rows, size_t n, long long now,
			long max_days)
{
	enum { C_NAME, C_KEY, C_WHERE, C_ACCESS, C_CREATED, C_USED, C_NOTES, NCOL };
	static const char *const head[NCOL] = {
		"NAME", "KEY", "WHERE", "ACCESS", "CREATED", "LAST USED", "NOTES"
	};
	struct list_table tb;

	if (n == 0) {
		msg_out("no SSH keys stored; add one with '%s key generate NAME' "
			"or '%s key import NAME FILE'", msg_prog(), msg_prog());
		return;
	}
	if (list_table_init(&tb, head, NCOL, n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct key_row *k = &rows[i];

		snprintf(list_cell(&tb, i, C_NAME), LIST_CELL, "%s", k->it.name);
		if (k->bad)
			snprintf(list_cell(&tb, i, C_KEY), LIST_CELL, "unusable: %s",
				 pem_strerror(k->bad));
		else	/* as ssh-keygen -l prints it, with the name as comment */
			snprintf(list_cell(&tb, i, C_KEY), LIST_CELL, "%u %s %s (%s)",
				 k->info.bits, k->info.fingerprint, k->it.name,
				 k->info.type_name);
		item_where(&k->it, list_cell(&tb, i, C_WHERE), LIST_CELL);
		snprintf(list_cell(&tb, i, C_ACCESS), LIST_CELL, "%s",
			 k->it.read_only ? "read-only" : "read-write");
		list_created(&k->it, now, list_cell(&tb, i, C_CREATED), LIST_CELL);
		list_date(k->it.last_used, list_cell(&tb, i, C_USED), LIST_CELL, "never");
		if (list_is_old(&k->it, now, max_days))
			snprintf(list_cell(&tb, i, C_NOTES), LIST_CELL,
				 "older than %ld days: rotate it", max_days);
	}
	list_table_print(&tb);
}

/* Every key of the search, checked: *n rows, or an EXIT_* code. */
static int gather(struct keystore *ks, struct ks_list *list,
		  struct key_row **rows, size_t *n)
{
	struct sbuf pem = SBUF_INIT;
	int r;

	*n = 0;
	if (ks_list_len(list) > 0 &&
	    (*rows = calloc(ks_list_len(list), sizeof(**rows))) == NULL) {
		msg_error("out of memory listing %zu keys; try again", ks_list_len(list));
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct key_row *k = &(*rows)[*n];

		r = ks_list_get(ks, list, i, &k->it);
		if (r == KS_OK)
			r = ks_get_secret(ks, &k->it, &pem);
		if (r == KS_ERR_NOT_FOUND)
			continue;	/* removed meanwhile */
		if (r != KS_OK) {
			sbuf_free(&pem);
			return cred_keyring_error(r);
		}
		k->bad = pem_check(&pem, &k->info);
		sbuf_free(&pem);
		(*n)++;
		alarm(10);	/* the watchdog is for hangs, not for many keys */
	}
	return 0;
}

static int key_list(struct gcb_call *call, const struct cred_verb *v,
		    const char **vals, const char **ops, int n_ops)
{
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	struct key_row *rows = NULL;
	long max_days = cred_config(call)->key_max_age_days;
	long long now = (long long)time(NULL);
	size_t n = 0, locked = 0;
	int r;

	(void)v, (void)ops, (void)n_ops;
	if ((r = cred_open(&ks)) != 0)
		goto out;
	memcpy(pat.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	if ((r = ks_search(ks, &pat, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if ((r = gather(ks, list, &rows, &n)) != 0)
		goto out;
	key_done(ks);
	ks = NULL;
	if (n > 1)	/* qsort() wants a non-null array, even of 0 */
		qsort(rows, n, sizeof(*rows), row_cmp);
	list_warn_locked(locked, "key");
	if (vals[LIST_JSON]) {
		r = print_json(rows, n, now, max_days);
	} else {
		print_table(rows, n, now, max_days);
		r = 0;
	}
out:
	free(rows);
	ks_list_free(list);
	key_done(ks);
	return r;
}

/* ---- remove, rename, scope, set-read-only ---- */

static int key_remove(struct gcb_call *call, const struct cred_verb *v,
		      const char **vals, const char **ops, int n_ops)
{
	struct keystore *ks = NULL;
	struct ks_item it;
	struct sbuf pem = SBUF_INIT;
	struct pem_info info;
	int bad = 1, r;

	(void)call, (void)vals, (void)n_ops;
	if ((r = key_check_name(v, ops[0])) != 0)
		return r;
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	/* the fingerprint, so the person can find the key on Bitbucket */
	if (ks_get_secret(ks, &it, &pem) == KS_OK)
		bad = pem_check(&pem, &info);
	sbuf_free(&pem);
	if ((r = ks_delete(ks, &it)) != KS_OK) {
		r = r == KS_ERR_NOT_FOUND ? no_such_key(it.name) : cred_keyring_error(r);
		goto out;
	}
	if (bad == 0)
		msg_out("removed key '%s' (%s); also delete it from Bitbucket if "
			"nothing else uses it", it.name, info.fingerprint);
	else
		msg_out("removed key '%s'", it.name);
	r = 0;
out:
	key_done(ks);
	return r;
}

static int update(struct keystore *ks, struct ks_item *it)
{
	char label[1200];
	int r;

	key_label(it, label, sizeof(label));
	if ((r = ks_update(ks, it, label)) != KS_OK)
		return r == KS_ERR_NOT_FOUND ? no_such_key(it->name) :
		       cred_keyring_error(r);
	return 0;
}

static int key_rename(struct gcb_call *call, const struct cred_verb *v,
		      const char **vals, const char **ops, int n_ops)
{
	struct keystore *ks = NULL;
	struct ks_item it, other;
	int found = 0, r;

	(void)call, (void)vals, (void)n_ops;
	if ((r = key_check_name(v, ops[0])) != 0 || (r = key_check_name(v, ops[1])) != 0)
		return r;
	if (strcmp(ops[0], ops[1]) == 0)
		return cred_args_misuse(v, "the old and the new name are the same");
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	if ((r = key_find(ks, ops[1], &other, &found)) != 0)
		goto out;
	if (found) {
		msg_error("cannot rename key '%s': a key named '%s' already exists; "
			  "remove it first, or choose another name", ops[0], ops[1]);
		r = EXIT_REFUSED;
		goto out;
	}
	snprintf(it.name, sizeof(it.name), "%s", ops[1]);
	if ((r = update(ks, &it)) != 0)
		goto out;
	msg_out("renamed key '%s' to '%s'", ops[0], ops[1]);
out:
	key_done(ks);
	return r;
}

static int key_scope(struct gcb_call *call, const struct cred_verb *v,
		     const char **vals, const char **ops, int n_ops)
{
	struct keystore *ks = NULL;
	struct ks_item it;
	struct target t;
	char where[800];
	int r;

	(void)vals, (void)n_ops;
	if ((r = key_check_name(v, ops[0])) != 0)
		return r;
	if ((r = key_scope_target(call, v, ops[1], &t)) != 0)
		return r;
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	key_from_target(&it, &t);
	if ((r = update(ks, &it)) != 0)
		goto out;
	msg_out("key '%s' now applies to %s", it.name,
		item_where(&it, where, sizeof(where)));
	key_overlap_warn(ks, &it);
out:
	key_done(ks);
	return r;
}

/* git's boolean spellings */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int key_set_read_only(struct gcb_call *call, const struct cred_verb *v,
			     const char **vals, const char **ops, int n_ops)
{
	struct keystore *ks = NULL;
	struct ks_item it;
	int ro, r;

	(void)call, (void)vals, (void)n_ops;
	if ((r = key_check_name(v, ops[0])) != 0)
		return r;
	if ((ro = parse_bool(ops[1])) < 0)
		return cred_args_misuse(v, "say true or false");
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	it.read_only = ro;
	if ((r = update(ks, &it)) != 0)
		goto out;
	msg_out("key '%s' is now %s", it.name, ro ? "read-only" : "read-write");
out:
	key_done(ks);
	return r;
}

/* ---- dispatch ---- */

int cmd_key(struct gcb_call *call)
{
	static key_verb_fn *const fn[KEY_VERB_COUNT] = {
		[KEY_IMPORT] = key_import, [KEY_GENERATE] = key_generate,
		[KEY_PUBLIC] = key_public, [KEY_LIST] = key_list,
		[KEY_REMOVE] = key_remove, [KEY_RENAME] = key_rename,
		[KEY_SCOPE] = key_scope, [KEY_SET_READ_ONLY] = key_set_read_only,
	};
	const struct gcb_verb *key = call->verb;
	const char *vals[VERB_MAX_OPTS], *ops[VERB_MAX_OPERANDS];
	int n_ops, r;

	if (call->argc < 2) {
		msg_error("no key verb given");
		gcb_key_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(call->argv[1], "--help") == 0 || strcmp(call->argv[1], "-h") == 0 ||
	    strcmp(call->argv[1], "help") == 0) {
		gcb_key_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < key->n_subs && i < KEY_VERB_COUNT; i++) {
		const struct cred_verb *v = &key->subs[i];

		if (strcmp(v->name, call->argv[1]) != 0)
			continue;
		/* argv[0] is "key": the parser starts at the verb */
		if ((r = cred_args_parse(v, call->argc - 1, call->argv + 1,
					 vals, ops, &n_ops)) != 0)
			return r == CRED_ARGS_HELP ? 0 : r;
		return fn[i](call, v, vals, ops, n_ops);
	}
	msg_error("unknown key verb '%.64s'", call->argv[1]);
	gcb_key_usage(stderr);
	return EXIT_USAGE;
}
