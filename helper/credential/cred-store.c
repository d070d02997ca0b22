/*
 * cred-store.c - the verbs that manage the encrypted file store
 * (keystore/filestore.h): unlock (which creates it the first time), lock,
 * passwd, and migrate between it and the Secret Service.
 *
 * Passphrases come from /dev/tty with echo off, or with --passphrase-fd N
 * one line each from that file descriptor (CI): never from argv or the
 * environment.  They live in wiping buffers only until the key is derived.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-tty.h"
#include "filestore.h"
#include "keyring.h"
#include "msg.h"

/* ---- passphrases ---- */

static int parse_fd(const struct cred_verb *v, const char *s, int *fd)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0 || n > INT_MAX)
		return cred_args_misuse(v, "--passphrase-fd needs a file descriptor number");
	*fd = (int)n;
	return 0;
}

/*
 * One passphrase: a line from fd when fd >= 0, else from the terminal
 * (twice when confirm).  0, or an EXIT_* code with the line printed.
 */
static int get_passphrase(int fd, const char *what, int confirm, struct sbuf *out)
{
	struct sbuf again = { NULL, 0, 0, KEYRING_PASSPHRASE_MAX };
	char prompt[128];
	int r;

	sbuf_reset(out);
	if (fd >= 0) {
		r = tty_read_line(fd, out);
		if (r == TTY_TOO_LONG) {
			msg_error("the %s on file descriptor %d is longer than %d "
				  "bytes; use a shorter one", what, fd, KEYRING_PASSPHRASE_MAX);
			return EXIT_USAGE;
		}
		if (r != TTY_OK) {
			msg_error("cannot read the %s from file descriptor %d: %s; "
				  "give one line on it", what, fd,
				  r == TTY_EOF ? "end of input" : strerror(errno));
			return EXIT_USAGE;
		}
		goto check;
	}
	snprintf(prompt, sizeof(prompt), "%c%s: ", what[0] - 'a' + 'A', what + 1);
	if ((r = keyring_ask_passphrase(prompt, out)) != 0) {
		if (r == -1)
			msg_error("there is no terminal to ask the %s on; give it "
				  "with --passphrase-fd N", what);
		return EXIT_KEYRING;
	}
	if (confirm) {
		snprintf(prompt, sizeof(prompt), "%c%s again: ", what[0] - 'a' + 'A', what + 1);
		r = keyring_ask_passphrase(prompt, &again);
		if (r != 0 || again.len != out->len ||
		    (out->len > 0 && memcmp(again.buf, out->buf, out->len) != 0)) {
			sbuf_free(&again);
			if (r != -2)
				msg_error("the two passphrases differ; nothing was "
					  "changed, try again");
			return EXIT_USAGE;
		}
		sbuf_free(&again);
	}
check:
	if (out->len == 0) {
		msg_error("the %s is empty; give a passphrase", what);
		return EXIT_USAGE;
	}
	return 0;
}

/* The test suite's cheaper scrypt cost ("LOG2N,R,P"); not for people. */
static const struct fs_kdf *test_kdf(struct fs_kdf *kdf)
{
	const char *s = getenv("GCB_TEST_FILESTORE_KDF");
	unsigned *field[3] = { &kdf->log2_n, &kdf->r, &kdf->p };
	char *end;

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < 3; i++) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || v > UINT_MAX || *end != (i < 2 ? ',' : '\0'))
			return NULL;
		*field[i] = (unsigned)v;
		s = end + 1;
	}
	return kdf;
}

static int file_error(int fs_err)
{
	keyring_error(KS_ERR_FILE(fs_err));
	return EXIT_KEYRING;
}

static void cached_for(struct filestore *fs, unsigned timeout)
{
	int r;

	if (timeout == 0) {
		(void)fs_cache_drop(fs);
		msg_out("the key is not cached (bitbucket.cacheTimeout is 0): "
			"each use asks for the passphrase");
		return;
	}
	if ((r = fs_cache_save(fs, timeout)) == FS_OK)
		msg_out("unlocked %s for %u seconds (bitbucket.cacheTimeout)",
			fs_path(fs), timeout);
	else
		msg_warn("cannot cache the key (%s): each use asks for the "
			 "passphrase on the terminal", fs_strerror(r));
}

static int start(const struct gcb_call *call, const char **vals,
		 int *fd, unsigned *timeout, char *path, size_t len)
{
	const struct cred_verb *v = call->verb->spec;
	const char *ops[VERB_MAX_OPERANDS];
	int n_ops, mode, r;

	if ((r = cred_args_parse(v, call->argc, call->argv, vals, ops, &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? -1 : r;
	*fd = -1;
	if (fd != NULL && v->n_opts > 0 && strcmp(v->opts[0].name, "--passphrase-fd") == 0 &&
	    vals[0] != NULL && (r = parse_fd(v, vals[0], fd)) != 0)
		return r;
	if (keyring_settings(&mode, timeout) != KS_OK)
		return EXIT_USAGE;
	if ((r = fs_default_path(path, len)) != FS_OK)
		return file_error(r);
	return 0;
}

/* ---- unlock ---- */

int cmd_unlock(struct gcb_call *call)
{
	const char *vals[VERB_MAX_OPTS];
	struct sbuf pass = { NULL, 0, 0, KEYRING_PASSPHRASE_MAX };
	struct filestore *fs = NULL;
	struct fs_kdf kdf;
	char path[PATH_MAX];
	unsigned timeout;
	int fd, r;

	if ((r = start(call, vals, &fd, &timeout, path, sizeof(path))) != 0)
		return r < 0 ? 0 : r;
	r = fs_open(path, &fs);
	if (r == FS_ERR_NO_STORE) {
		if ((r = get_passphrase(fd, "new passphrase for the file store", 1, &pass)) != 0)
			goto out;
		r = fs_create(path, &pass, test_kdf(&kdf), &fs);
		sbuf_free(&pass);
		if (r != FS_OK) {
			r = file_error(r);
			goto out;
		}
		msg_out("created the encrypted file store %s", path);
		cached_for(fs, timeout);
		r = 0;
		goto out;
	}
	if (r != FS_OK) {
		r = file_error(r);
		goto out;
	}
	if (fd < 0 && fs_cache_load(fs) == FS_OK) {
		cached_for(fs, timeout);	/* the period starts again */
		r = 0;
		goto out;
	}
	if ((r = get_passphrase(fd, "passphrase for the file store", 0, &pass)) != 0)
		goto out;
	r = fs_unlock(fs, &pass);
	sbuf_free(&pass);
	if (r != FS_OK) {
		r = file_error(r);
		goto out;
	}
	cached_for(fs, timeout);
	r = 0;
out:
	sbuf_free(&pass);
	fs_close(fs);
	return r;
}

/* ---- lock ---- */

int cmd_lock(struct gcb_call *call)
{
	const char *vals[VERB_MAX_OPTS];
	struct filestore *fs = NULL;
	char path[PATH_MAX];
	unsigned timeout;
	int fd, r;

	if ((r = start(call, vals, &fd, &timeout, path, sizeof(path))) != 0)
		return r < 0 ? 0 : r;
	if ((r = fs_open(path, &fs)) == FS_ERR_NO_STORE) {
		msg_out("there is no encrypted file store (%s): nothing to lock", path);
		return 0;
	}
	if (r != FS_OK)
		return file_error(r);
	r = fs_cache_drop(fs);
	fs_close(fs);
	if (r != FS_OK && r != FS_ERR_NOT_CACHED)
		return file_error(r);
	msg_out("locked %s: the next use asks for its passphrase", path);
	return 0;
}

/* ---- passwd ---- */

int cmd_passwd(struct gcb_call *call)
{
	const char *vals[VERB_MAX_OPTS];
	struct sbuf pass = { NULL, 0, 0, KEYRING_PASSPHRASE_MAX };
	struct filestore *fs = NULL;
	char path[PATH_MAX];
	unsigned timeout;
	int fd, r;

	if ((r = start(call, vals, &fd, &timeout, path, sizeof(path))) != 0)
		return r < 0 ? 0 : r;
	if ((r = fs_open(path, &fs)) != FS_OK) {
		if (r == FS_ERR_NO_STORE) {
			msg_error("there is no encrypted file store yet (%s); create "
				  "it with 'git credential-bitbucket unlock'", path);
			return EXIT_KEYRING;
		}
		return file_error(r);
	}
	/* the current passphrase, even with a cached key: it proves who asks */
	if ((r = get_passphrase(fd, "current passphrase", 0, &pass)) != 0)
		goto out;
	r = fs_unlock(fs, &pass);
	if (r != FS_OK) {
		r = file_error(r);
		goto out;
	}
	if ((r = get_passphrase(fd, "new passphrase", 1, &pass)) != 0)
		goto out;
	if ((r = fs_passwd(fs, &pass, NULL)) != FS_OK) {
		r = file_error(r);
		goto out;
	}
	msg_out("re-encrypted %s under the new passphrase", path);
	cached_for(fs, timeout);
	r = 0;
out:
	sbuf_free(&pass);
	fs_close(fs);
	return r;
}

/* ---- migrate ---- */

struct moved {
	struct ks_item it;
	struct ks_item copy;	/* in the destination */
};

static int same_item(const struct ks_item *a, const struct ks_item *b)
{
	return strcmp(a->kind, b->kind) == 0 && strcmp(a->protocol, b->protocol) == 0 &&
	       strcmp(a->host, b->host) == 0 && a->port == b->port &&
	       strcmp(a->scope, b->scope) == 0 && strcmp(a->username, b->username) == 0 &&
	       strcmp(a->name, b->name) == 0 && strcmp(a->repos, b->repos) == 0 &&
	       a->read_only == b->read_only && a->created == b->created;
}

/* Copy one item and read it back: 0, or an EXIT_* code with the line printed. */
static int copy_one(struct keystore *from, struct keystore *to,
		    struct moved *m)
{
	struct sbuf secret = SBUF_INIT, back = SBUF_INIT;
	struct ks_item got;
	char label[1200];
	int r;

	if ((r = ks_get_secret(from, &m->it, &secret)) != KS_OK ||
	    (r = ks_get_label(from, &m->it, label, sizeof(label))) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	m->copy = m->it;
	m->copy.id[0] = '\0';
	if ((r = ks_store(to, &m->copy, label, &secret)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if ((r = ks_item_load(to, m->copy.id, &got)) != KS_OK ||
	    (r = ks_get_secret(to, &m->copy, &back)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if (!same_item(&got, &m->it) || back.len != secret.len ||
	    (secret.len > 0 && memcmp(back.buf, secret.buf, secret.len) != 0)) {
		msg_error("an item read back from the destination differs from the "
			  "original; nothing was deleted from the source, report a bug");
		r = EXIT_KEYRING;
		goto out;
	}
	r = 0;
out:
	sbuf_free(&secret);
	sbuf_free(&back);
	return r;
}

static const char *store_name(int backend)
{
	return backend == KS_BACKEND_FILE ? "the encrypted file store" :
					    "the Secret Service";
}

int cmd_migrate(struct gcb_call *call)
{
	const char *vals[VERB_MAX_OPTS];
	struct keystore *ss = NULL, *file = NULL, *from, *to;
	struct filestore *fs = NULL;
	struct ks_item all = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct moved *v = NULL;
	size_t n = 0, locked = 0;
	char path[PATH_MAX];
	unsigned timeout;
	int fd, r, to_file;

	if ((r = start(call, vals, &fd, &timeout, path, sizeof(path))) != 0)
		return r < 0 ? 0 : r;
	if (vals[MIGRATE_TO] == NULL)
		return cred_args_misuse(call->verb->spec, "missing --to secret-service|file");
	if (strcmp(vals[MIGRATE_TO], "file") == 0)
		to_file = 1;
	else if (strcmp(vals[MIGRATE_TO], "secret-service") == 0)
		to_file = 0;
	else
		return cred_args_misuse(call->verb->spec, "--to must be secret-service or file");

	/* both stores first: nothing moves unless both can be used */
	if ((r = keyring_open_file(&fs, timeout)) != KS_OK)
		return EXIT_KEYRING;
	if ((r = ks_open_file(fs, &file)) != KS_OK) {
		fs_close(fs);
		return cred_keyring_error(r);
	}
	/* the Secret Service under the watchdog, as every other verb opens it */
	if (keyring_open_secret_service(&ss, EXIT_KEYRING) != KS_OK) {
		r = EXIT_KEYRING;
		goto out;
	}
	from = to_file ? ss : file;
	to = to_file ? file : ss;

	if ((r = ks_search(from, &all, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	if (locked > 0) {
		r = cred_keyring_error(KS_ERR_LOCKED);
		goto out;
	}
	if (ks_list_len(list) > 0 &&
	    (v = calloc(ks_list_len(list), sizeof(*v))) == NULL) {
		msg_error("out of memory; try again");
		r = EXIT_KEYRING;
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		if ((r = ks_list_get(from, list, i, &v[n].it)) == KS_ERR_NOT_FOUND)
			continue;	/* deleted meanwhile */
		if (r != KS_OK) {
			r = cred_keyring_error(r);
			goto out;
		}
		n++;
	}
	/* copy and verify everything, then delete: a failure loses nothing */
	for (size_t i = 0; i < n; i++)
		if ((r = copy_one(from, to, &v[i])) != 0) {
			msg_error("migrate stopped after copying %zu of %zu items; "
				  "%s still holds every item, run migrate again",
				  i, n, store_name(ks_backend(from)));
			goto out;
		}
	for (size_t i = 0; i < n; i++)
		if ((r = ks_delete(from, &v[i].it)) != KS_OK && r != KS_ERR_NOT_FOUND) {
			r = cred_keyring_error(r);
			goto out;
		}
	if (to_file)
		msg_out("moved %zu item%s from the Secret Service to the encrypted "
			"file store %s", n, n == 1 ? "" : "s", path);
	else
		msg_out("moved %zu item%s from the encrypted file store %s to the "
			"Secret Service", n, n == 1 ? "" : "s", path);
	if (to_file)
		msg_out("to use it while the Secret Service runs: git config --global "
			"bitbucket.keystore file");
	r = 0;
out:
	if (v != NULL)
		wipe(v, n * sizeof(*v));
	free(v);
	ks_list_free(list);
	ks_close(ss);
	ks_close(file);
	keyring_done();
	return r;
}
