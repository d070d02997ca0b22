/*
 * cred-status.c - `status`, in the manner of `gh auth status`: the active
 * keystore, then for every stored token and SSH key where it applies, as
 * whom, its expiry and last use, and whether git is set up to use it.
 * `--json` gives the same for scripts.  Never reads a secret but a
 * token's expiry, which lives inside its secret value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitbucket/rules.h"
#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-doctor.h"
#include "credential/cred-list.h"
#include "keyring.h"
#include "msg.h"

/*
 * The one place that names the active keystore.  Today the Secret
 * Service; a new store (a file store) adds its name here.
 */
const char *cred_store_name(char *buf, size_t len)
{
	const struct keyring_choice *c = keyring_chosen();
	const char *who;

	if (c->backend == KS_BACKEND_FILE) {
		snprintf(buf, len, "encrypted file store (%s)", c->path);
		return buf;
	}
	who = ks_provider();
	if (who != NULL && who[0])
		snprintf(buf, len, "Secret Service (%s)", who);
	else
		snprintf(buf, len, "Secret Service");
	return buf;
}

struct status_row {
	struct ks_item it;
	long long expiry;
	int wired;
	char git[3000];		/* what git does with it, or the fix */
	char url[1200];		/* the URL login / key generate take */
};

/* A token's expiry, from its secret value: 0 when none or unreadable. */
static long long token_expiry(struct keystore *ks, const struct ks_item *it)
{
	struct sbuf value = SBUF_INIT, password = SBUF_INIT;
	long long expiry = 0;

	if (ks_get_secret(ks, it, &value) == KS_OK)
		cred_secret_parse(&value, &password, &expiry, NULL);
	sbuf_free(&value);
	sbuf_free(&password);
	return expiry;
}

/* Whether git uses a token: helper and, for a scoped one, useHttpPath. */
static void token_wiring(struct status_row *row)
{
	const struct ks_item *it = &row->it;
	char port[16] = "", base[400], helper[512];
	int dc = strcmp(it->host, CLOUD_HOST) != 0;

	if (it->port)
		snprintf(port, sizeof(port), ":%u", it->port);
	snprintf(base, sizeof(base), "%s://%s%s", it->protocol, it->host, port);
	snprintf(row->url, sizeof(row->url), "%s/%s%s%s", base,
		 dc && it->scope[0] ? "scm/" : "", it->scope, it->scope[0] ? "/" : "");
	if (!cred_wired_https(row->url, helper, sizeof(helper))) {
		snprintf(row->git, sizeof(row->git), "git does not ask this helper for %s "
			 "(credential.helper is %s%s%s); run 'git credential-bitbucket setup "
			 "--https %s'", base, helper[0] ? "'" : "not set", helper,
			 helper[0] ? "'" : "", row->url);
		return;
	}
	if (it->scope[0] && !cred_use_http_path(row->url)) {
		snprintf(row->git, sizeof(row->git), "credential.useHttpPath is not true for "
			 "%s, so git never sends the path this token needs; run "
			 "'git credential-bitbucket setup --https %s'", base, row->url);
		return;
	}
	row->wired = 1;
	snprintf(row->git, sizeof(row->git), "credential.helper %s%s", helper,
		 it->scope[0] ? ", useHttpPath true" : "");
}

static void key_wiring(struct status_row *row)
{
	const struct ks_item *it = &row->it;
	char port[16] = "", cmd[512];

	if (it->port && it->port != 22)
		snprintf(port, sizeof(port), ":%u", it->port);
	snprintf(row->url, sizeof(row->url), "ssh://git@%s%s/%s%s", it->host, port,
		 it->scope, it->scope[0] ? "/" : "");
	if (cred_wired_ssh(cmd, sizeof(cmd))) {
		row->wired = 1;
		snprintf(row->git, sizeof(row->git), "core.sshCommand %s", cmd);
	} else if (cmd[0]) {
		snprintf(row->git, sizeof(row->git), "git runs '%s' for SSH, not "
			 "git-bitbucket-ssh; run 'git credential-bitbucket setup --ssh %s'",
			 cmd, row->url);
	} else {
		snprintf(row->git, sizeof(row->git), "core.sshCommand is not set; run "
			 "'git credential-bitbucket setup --ssh %s'", row->url);
	}
}

static int row_cmp(const void *a, const void *b)
{
	return list_item_cmp(&((const struct status_row *)a)->it,
			     &((const struct status_row *)b)->it);
}

static void print_text(const char *store, const struct status_row *rows, size_t n,
		       long long now, long max_days)
{
	char where[800], d1[16], d2[16], d3[16];

	printf("keystore: %s\n", store);
	if (n == 0) {
		printf("nothing stored; store a token with 'git credential-bitbucket login "
		       "--username NAME URL', or create an SSH key with "
		       "'git credential-bitbucket key generate --scope URL NAME'\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &rows[i].it;
		int key = strcmp(it->kind, KS_KIND_SSH_KEY) == 0;
		long long exp = rows[i].expiry;

		item_where(it, where, sizeof(where));
		printf("\n%s%s\n", key ? "ssh " : "", where);
		if (key)
			printf("  SSH key '%s'%s\n", it->name, it->read_only ? ", read-only" : "");
		else
			printf("  %s for %s%s%s\n", rules_kind_label(it->kind), it->username,
			       it->repos[0] ? ", repositories matching " : "", it->repos);
		list_date(it->created, d1, sizeof(d1), "unknown");
		list_date(it->last_used, d2, sizeof(d2), "never");
		list_date(exp, d3, sizeof(d3), "never");
		printf("  stored %s, last used %s, %s %s%s\n", d1, d2,
		       exp > 0 && exp <= now ? "expired" : "expires", d3,
		       list_is_old(it, now, max_days) ? " (old: rotate it)" : "");
		printf("  %s %s%s\n", rows[i].wired ? "\u2714" : "\u2718",
		       rows[i].wired ? "git uses it: " : "", rows[i].git);
	}
}

static int print_json(const char *store, const struct status_row *rows, size_t n)
{
	struct json j = JSON_INIT;
	struct sbuf head = SBUF_INIT;
	int file = keyring_chosen()->backend == KS_BACKEND_FILE;
	const char *who = file ? NULL : ks_provider();

	for (size_t i = 0; i < n; i++) {
		json_object(&j);
		json_item(&j, &rows[i].it, rows[i].expiry, JSON_ITEM_PROTOCOL);
		json_str(&j, "url", rows[i].url);
		json_bool(&j, "git_configured", rows[i].wired);
		json_str(&j, "git", rows[i].git);
		json_object_end(&j);
	}
	if (sbuf_addstr(&head, "{\"keystore\": {\"name\": ") != 0 ||
	    json_escape(&head, store) != 0 ||
	    sbuf_addstr(&head, file ? ", \"type\": \"file\", \"provider\": " :
			", \"type\": \"secret-service\", \"provider\": ") != 0 ||
	    (who && !file ? json_escape(&head, who) : sbuf_addstr(&head, "null")) != 0 ||
	    sbuf_addstr(&head, "}, \"items\": ") != 0) {
		sbuf_free(&head);
		sbuf_free(&j.out);
		msg_error("out of memory; try again");
		return EXIT_REFUSED;
	}
	fwrite(head.buf, 1, head.len, stdout);
	sbuf_free(&head);
	if (json_finish(&j) != 0)
		return EXIT_REFUSED;
	printf("}\n");
	return 0;
}

int cmd_status(struct gcb_call *call)
{
	const char *vals[STATUS_NOPTS], *ops[1];
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	struct status_row *rows = NULL;
	size_t n = 0, locked = 0;
	char store[256];
	int n_ops, r;

	if ((r = cred_args_parse(call->verb->spec, call->argc, call->argv, vals, ops,
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
		msg_error("out of memory; try again");
		r = EXIT_REFUSED;
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct status_row *row = &rows[n];

		if ((r = ks_list_get(ks, list, i, &row->it)) != KS_OK) {
			if (r == KS_ERR_NOT_FOUND)
				continue;
			r = cred_keyring_error(r);
			goto out;
		}
		if (strcmp(row->it.kind, KS_KIND_SSH_KEY) != 0)
			row->expiry = token_expiry(ks, &row->it);
		n++;
		alarm(10);	/* the watchdog for hangs, not for many items */
	}
	if (n == 0 && locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
		goto out;
	}
	cred_store_name(store, sizeof(store));
	ks_close(ks);
	ks = NULL;
	keyring_done();
	/* git's side, with the keyring closed: one or two git config runs per item */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].it.kind, KS_KIND_SSH_KEY) == 0)
			key_wiring(&rows[i]);
		else
			token_wiring(&rows[i]);
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
	list_warn_locked(locked, "stored item");
	if (vals[STATUS_JSON])
		r = print_json(store, rows, n);
	else {
		print_text(store, rows, n, (long long)time(NULL),
			   cred_config(call)->key_max_age_days);
		r = 0;
	}
out:
	free(rows);
	ks_list_free(list);
	ks_close(ks);
	keyring_done();
	return r;
}
