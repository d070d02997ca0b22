/*
 * gcb-filestore-tool - secret-tool's verbs on the encrypted file store, for
 * the test suites run with GCB_KEYSTORE=file (t/lib-keyring.sh puts it on
 * PATH as secret-tool there; built only for tests).
 *
 *   store --label=LABEL ATTR VALUE...   the secret from stdin, as is
 *   lookup ATTR VALUE...                the first match's secret on stdout
 *   search [--all] [--unlock] ATTR VALUE...
 *                                       each match as secret-tool shows it:
 *                                       "[/file/ID]", label and secret on
 *                                       stdout, schema and attribute.*
 *                                       lines on stderr
 *   clear ATTR VALUE...                 delete every match
 *
 * Attributes are keystore.c's (kind, protocol, host, port, scope, username,
 * name, repos, read_only, created, last_used, warned) and xdg:schema, which
 * must be org.bitbucket.credential: the file store holds nothing else.  An
 * attribute matches when its text equals VALUE, as on the Secret Service.
 * The store is the default one, unlocked from the kernel's key cache (the
 * script's `unlock`); nothing is ever asked.  Unlike the Secret Service,
 * store replaces an item of the same class (fs_store()).
 *
 * Exit 0; 1 when lookup finds nothing or the store cannot be used (one
 * line on stderr); 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filestore.h"

#define ME "gcb-filestore-tool"

/* An item's attributes as the Secret Service holds them (keystore.c). */
struct attrs {
	char port[16], read_only[8], created[24], last_used[24], warned[24];
};

static const char *attr_of(const struct ks_item *it, struct attrs *a, const char *k)
{
	snprintf(a->port, sizeof(a->port), "%u", it->port);
	snprintf(a->read_only, sizeof(a->read_only), "%s", it->read_only ? "true" : "false");
	snprintf(a->created, sizeof(a->created), "%lld", it->created);
	snprintf(a->last_used, sizeof(a->last_used), "%lld", it->last_used);
	snprintf(a->warned, sizeof(a->warned), "%lld", it->warned);
	if (strcmp(k, "xdg:schema") == 0) return KS_SCHEMA;
	if (strcmp(k, "kind") == 0) return it->kind;
	if (strcmp(k, "protocol") == 0) return it->protocol;
	if (strcmp(k, "host") == 0) return it->host;
	if (strcmp(k, "port") == 0) return a->port;
	if (strcmp(k, "scope") == 0) return it->scope;
	if (strcmp(k, "username") == 0) return it->username;
	if (strcmp(k, "name") == 0) return it->name;
	if (strcmp(k, "repos") == 0) return it->repos;
	if (strcmp(k, "read_only") == 0) return a->read_only;
	if (strcmp(k, "created") == 0) return a->created;
	if (strcmp(k, "last_used") == 0) return a->last_used;
	if (strcmp(k, "warned") == 0) return a->warned;
	return NULL;
}

static const char *const names[] = {
	"kind", "protocol", "host", "port", "scope", "username", "name", "repos",
	"read_only", "created", "last_used", "warned",
};

static int matches(const struct ks_item *it, char **av, int ac)
{
	struct attrs a;

	for (int i = 0; i + 1 < ac; i += 2) {
		const char *v = attr_of(it, &a, av[i]);

		if (v == NULL || strcmp(v, av[i + 1]) != 0)
			return 0;
	}
	return 1;
}

static int set_str(char *dst, size_t n, const char *v)
{
	if (strlen(v) >= n)
		return -1;
	strcpy(dst, v);
	return 0;
}

static int set_num(long long *dst, const char *v)
{
	char *end;

	*dst = strtoll(v, &end, 10);
	return end == v || *end != '\0' || *dst < 0 ? -1 : 0;
}

/* The attributes given to store as an item: 0, or -1 after a line. */
static int item_from(struct ks_item *it, char **av, int ac)
{
	for (int i = 0; i + 1 < ac; i += 2) {
		const char *k = av[i], *v = av[i + 1];
		long long n = 0;
		int r = 0;

		if (strcmp(k, "xdg:schema") == 0)
			r = strcmp(v, KS_SCHEMA) == 0 ? 0 : -1;
		else if (strcmp(k, "kind") == 0) r = set_str(it->kind, sizeof(it->kind), v);
		else if (strcmp(k, "protocol") == 0) r = set_str(it->protocol, sizeof(it->protocol), v);
		else if (strcmp(k, "host") == 0) r = set_str(it->host, sizeof(it->host), v);
		else if (strcmp(k, "scope") == 0) r = set_str(it->scope, sizeof(it->scope), v);
		else if (strcmp(k, "username") == 0) r = set_str(it->username, sizeof(it->username), v);
		else if (strcmp(k, "name") == 0) r = set_str(it->name, sizeof(it->name), v);
		else if (strcmp(k, "repos") == 0) r = set_str(it->repos, sizeof(it->repos), v);
		else if (strcmp(k, "read_only") == 0) it->read_only = strcmp(v, "true") == 0;
		else if (strcmp(k, "port") == 0) {
			r = set_num(&n, v);
			it->port = r == 0 && n <= 65535 ? (unsigned)n : 0;
		} else if (strcmp(k, "created") == 0) r = set_num(&it->created, v);
		else if (strcmp(k, "last_used") == 0) r = set_num(&it->last_used, v);
		else if (strcmp(k, "warned") == 0) r = set_num(&it->warned, v);
		else r = -1;
		if (r != 0) {
			fprintf(stderr, ME ": the file store cannot hold the attribute %s = '%s'\n", k, v);
			return -1;
		}
	}
	return 0;
}

static int open_store(struct filestore **fs, int missing_ok)
{
	char path[4096];
	int r;

	*fs = NULL;
	if ((r = fs_default_path(path, sizeof(path))) == FS_OK &&
	    (r = fs_open(path, fs)) == FS_OK &&
	    (r = fs_cache_load(*fs)) == FS_OK)
		return 0;
	fs_close(*fs);
	*fs = NULL;
	if (r == FS_ERR_NO_STORE && missing_ok)
		return 0;
	fprintf(stderr, ME ": cannot open the file store: %s\n", fs_strerror(r));
	return -1;
}

static int read_stdin(struct sbuf *out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (sbuf_add(out, buf, (size_t)n) != 0)
			return -1;
	return n < 0 ? -1 : 0;
}

static void show(struct filestore *fs, const struct ks_item *it)
{
	struct sbuf secret = SBUF_INIT;
	char label[1200] = "";
	struct attrs a;

	(void)fs_get_label(fs, it, label, sizeof(label));
	(void)fs_get_secret(fs, it, &secret);
	printf("[/file/%s]\nlabel = %s\nsecret = ", it->id, label);
	fwrite(secret.buf ? secret.buf : "", 1, secret.len, stdout);
	printf("\n");
	fflush(stdout);
	sbuf_free(&secret);
	fprintf(stderr, "schema = %s\n", KS_SCHEMA);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fprintf(stderr, "attribute.%s = %s\n", names[i], attr_of(it, &a, names[i]));
	fflush(stderr);
}

int main(int argc, char **argv)
{
	struct filestore *fs = NULL;
	struct fs_list *list = NULL;
	struct ks_item pat = KS_ITEM_INIT;
	const char *verb = argc > 1 ? argv[1] : "", *label = NULL;
	int i = 2, found = 0, rc = 0;

	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strncmp(argv[i], "--label=", 8) == 0)
			label = argv[i] + 8;
		else if (strcmp(argv[i], "--all") != 0 && strcmp(argv[i], "--unlock") != 0)
			break;
		i++;
	}
	if ((argc - i) % 2 != 0 ||
	    (strcmp(verb, "store") != 0 && strcmp(verb, "lookup") != 0 &&
	     strcmp(verb, "search") != 0 && strcmp(verb, "clear") != 0) ||
	    (strcmp(verb, "store") == 0) != (label != NULL)) {
		fprintf(stderr, "usage: " ME " store --label=LABEL ATTR VALUE... | "
			"lookup|search|clear ATTR VALUE...\n");
		return 2;
	}
	argv += i;
	argc -= i;

	if (strcmp(verb, "store") == 0) {
		struct ks_item it = KS_ITEM_INIT;
		struct sbuf secret = SBUF_INIT;

		if (item_from(&it, argv, argc) != 0 || open_store(&fs, 0) != 0)
			return 1;
		if (read_stdin(&secret) != 0 || (rc = fs_store(fs, &it, label, &secret)) != FS_OK) {
			fprintf(stderr, ME ": cannot store: %s\n", fs_strerror(rc ? rc : FS_ERR_IO));
			rc = 1;
		}
		sbuf_free(&secret);
		fs_close(fs);
		return rc;
	}

	if (open_store(&fs, 1) != 0)
		return 1;
	if (fs == NULL)		/* no store yet: nothing matches */
		return strcmp(verb, "lookup") == 0;
	if ((rc = fs_search(fs, &pat, 0, &list)) != FS_OK) {
		fprintf(stderr, ME ": cannot search: %s\n", fs_strerror(rc));
		fs_close(fs);
		return 1;
	}
	for (size_t k = 0; k < fs_list_len(list); k++) {
		struct ks_item it = KS_ITEM_INIT;
		struct sbuf secret = SBUF_INIT;

		if (fs_list_get(list, k, &it) != FS_OK)
			continue;
		snprintf(it.id, sizeof(it.id), "%s", fs_list_id(list, k));
		if (!matches(&it, argv, argc))
			continue;
		found++;
		if (strcmp(verb, "search") == 0) {
			show(fs, &it);
		} else if (strcmp(verb, "clear") == 0) {
			if ((rc = fs_delete(fs, &it)) != FS_OK && rc != FS_ERR_NOT_FOUND) {
				fprintf(stderr, ME ": cannot delete: %s\n", fs_strerror(rc));
				break;
			}
			rc = 0;
		} else {
			if (fs_get_secret(fs, &it, &secret) == FS_OK)
				fwrite(secret.buf ? secret.buf : "", 1, secret.len, stdout);
			sbuf_free(&secret);
			break;
		}
	}
	fs_list_free(list);
	fs_close(fs);
	if (rc != 0)
		return 1;
	return strcmp(verb, "lookup") == 0 && found == 0;
}
