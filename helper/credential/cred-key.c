/*
 * cred-key.c - `git-credential-bitbucket key <verb>`: the SSH private keys
 * git-bitbucket-ssh uses, kept in the keyring as unencrypted PKCS#8 PEM.
 *
 * A key is an item of kind KS_KIND_SSH_KEY, protocol "ssh", with the key's
 * name (unique among keys), the host, port and scope it applies to, and a
 * read-only flag; the secret value is the PEM.  Everything about key
 * material goes through keystore/pem.h; this file only talks to people.
 *
 * The private key is read from a file or stdin, its passphrase from the
 * terminal with echo off or from the first line of stdin: never from the
 * command line or the environment (BITBUCKET-RULES.md section 4).  Key
 * material and passphrases are never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-tty.h"
#include "msg.h"
#include "pem.h"
#include "bitbucket/rules.h"

#define KEY_NAME_MAX 100
#define PASSPHRASE_MAX 1023	/* what OpenSSL's PEM callbacks take */
#define PASSPHRASE_TRIES 3

/* ---- the verb table: dispatch and usage ---- */

struct key_verb {
	struct cred_verb args;	/* options, operands, usage, --help */
	int (*fn)(struct gcb_call *call, const struct cred_verb *v,
		  const char **vals, const char **ops, int n_ops);
};

/* ---- names, scopes, labels ---- */

/* Letters, digits and . _ - @ +, starting with a letter or digit. */
static int check_name(const struct cred_verb *v, const char *name)
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
static int scope_target(struct gcb_call *call, const struct cred_verb *v,
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
	if ((r = target_from_url(url, &cfg->dc, t)) != TARGET_OK) {
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
	memcpy(t->protocol, "ssh", sizeof("ssh"));
	return 0;
}

/* "host[:port][/scope]" of an item. */
static const char *item_where(const struct ks_item *it, char *buf, size_t len)
{
	char port[16] = "";

	if (it->port)
		snprintf(port, sizeof(port), ":%u", it->port);
	snprintf(buf, len, "%s%s%s%s", it->host, port, it->scope[0] ? "/" : "",
		 it->scope);
	return buf;
}

static void make_label(const struct ks_item *it, char *buf, size_t len)
{
	char where[800];

	snprintf(buf, len, "Bitbucket SSH key '%s' for %s", it->name,
		 item_where(it, where, sizeof(where)));
}

static void item_from_target(struct ks_item *it, const struct target *t)
{
	memcpy(it->protocol, "ssh", sizeof("ssh"));
	snprintf(it->host, sizeof(it->host), "%s", t->host);
	it->port = t->port;
	snprintf(it->scope, sizeof(it->scope), "%s", t->scope);
}

/* ---- finding keys ---- */

/*
 * The key called name: 0 and *found = 1 with *it filled, 0 and *found = 0
 * when there is none, or an EXIT_* code (the line already printed).
 */
static int find_key(struct keystore *ks, const char *name, struct ks_item *it,
		    int *found)
{
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	size_t locked = 0;
	int r;

	*found = 0;
	memcpy(pat.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	snprintf(pat.name, sizeof(pat.name), "%s", name);
	if ((r = ks_search(ks, &pat, 0, &list, &locked)) != KS_OK) {
		r = cred_keyring_error(r);
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		if ((r = ks_list_get(ks, list, i, it)) == KS_ERR_NOT_FOUND)
			continue;	/* removed meanwhile */
		if (r != KS_OK) {
			r = cred_keyring_error(r);
			goto out;
		}
		*found = 1;
		break;
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

	if ((r = cred_open(ks)) != 0)
		return r;
	if ((r = find_key(*ks, name, it, &found)) != 0)
		return r;
	return found ? 0 : no_such_key(name);
}

static void done(struct keystore *ks)
{
	ks_close(ks);
	alarm(0);
}

/* ---- reading from the person ---- */

/* The whole of fd, up to one byte more than any key may be. */
static int read_all(int fd, struct sbuf *out)
{
	char buf[4096];
	int r = 0;

	out->max = PEM_MAX_INPUT + 1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -1;
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > PEM_MAX_INPUT) {
			/* too large: keep what fits plus one byte, pem says why */
			sbuf_add(out, buf, PEM_MAX_INPUT + 1 - out->len);
			break;
		}
		if (sbuf_add(out, buf, (size_t)n) != 0) {
			errno = ENOMEM;
			r = -1;
			break;
		}
	}
	wipe(buf, sizeof(buf));
	return r;
}

/* ---- import ---- */

static const struct cred_opt import_opts[] = {
	{ "--scope", "URL", "use the key only for this host, account or repository (SSH URL)" },
	{ "--read-only", NULL, "the key is a read-only access key: refuse pushes locally" },
	{ "--force", NULL, "replace a key that has the same name" },
	{ "--convert", NULL, "convert an OpenSSH-format key (BEGIN OPENSSH PRIVATE KEY) to PEM" },
	{ "--passphrase-stdin", NULL, "read the key's passphrase from the first line of stdin (the key then comes from FILE)" },
};
enum { I_SCOPE, I_READ_ONLY, I_FORCE, I_CONVERT, I_PASS_STDIN };

/* The one line for each thing pem_import() can refuse. */
static int import_error(const char *name, const char *file, int err)
{
	const char *f = file != NULL && strcmp(file, "-") != 0 ? file : "FILE";

	switch (err) {
	case PEM_ERR_EMPTY:
		msg_error("cannot import key '%s': the input is empty; give the "
			  "private key file, or paste the key on stdin", name);
		break;
	case PEM_ERR_TOO_LARGE:
		msg_error("cannot import key '%s': the input is larger than 64 KiB, "
			  "far more than a private key; give the private key file", name);
		break;
	case PEM_ERR_BINARY:
		msg_error("cannot import key '%s': the input is binary, not a PEM "
			  "text key; convert a DER key with 'openssl pkey -inform DER "
			  "-in %s' and import the output", name, f);
		break;
	case PEM_ERR_PUBLIC_KEY:
		msg_error("cannot import key '%s': this is a public key; give the "
			  "private key instead (the file without .pub, e.g. "
			  "~/.ssh/id_ed25519)", name);
		break;
	case PEM_ERR_NO_HEADER:
		msg_error("cannot import key '%s': the -----BEGIN ... PRIVATE KEY----- "
			  "line is missing; copy the whole key, from its BEGIN line "
			  "to its END line", name);
		break;
	case PEM_ERR_NO_FOOTER:
		msg_error("cannot import key '%s': the -----END ... PRIVATE KEY----- "
			  "line is missing; copy the whole key, from its BEGIN line "
			  "to its END line", name);
		break;
	case PEM_ERR_CORRUPT:
		msg_error("cannot import key '%s': the key is truncated or corrupted; "
			  "copy the whole key file again", name);
		break;
	case PEM_ERR_MULTIPLE:
		msg_error("cannot import key '%s': the input holds more than one "
			  "private key; import one key at a time", name);
		break;
	case PEM_ERR_OPENSSH:
		msg_error("cannot import key '%s': the key is in OpenSSH format, "
			  "not PEM; import it again with --convert to store it as PEM",
			  name);
		break;
	case PEM_ERR_OPENSSH_ENCRYPTED:
		msg_error("cannot import key '%s': the key is in OpenSSH format and "
			  "protected by a passphrase; convert it to PEM with "
			  "'ssh-keygen -p -m PEM -f %s' and import it again", name, f);
		break;
	case PEM_ERR_OPENSSH_ENCRYPTED_ED25519:
		msg_error("cannot import key '%s': the Ed25519 key is in OpenSSH "
			  "format and protected by a passphrase, which only ssh-keygen "
			  "can open; remove the passphrase from a copy with 'ssh-keygen "
			  "-p -N \"\" -f COPY', import the copy with --convert, then "
			  "delete the copy", name);
		break;
	case PEM_ERR_PUTTY:
		msg_error("cannot import key '%s': this is a PuTTY key (.ppk); "
			  "export it in PuTTYgen with Conversions > Export OpenSSH key "
			  "and import the exported file with --convert", name);
		break;
	case PEM_ERR_DSA:
		msg_error("cannot import key '%s': DSA keys are too weak and "
			  "Bitbucket no longer accepts them; create a new key with "
			  "'%s key generate %s'", name, msg_prog(), name);
		break;
	case PEM_ERR_RSA_WEAK:
		msg_error("cannot import key '%s': RSA keys shorter than 2048 bits "
			  "are too weak; create a new key with '%s key generate %s'",
			  name, msg_prog(), name);
		break;
	case PEM_ERR_NEED_PASSPHRASE:
		msg_error("cannot import key '%s': the key is protected by a "
			  "passphrase and there is no terminal to ask for it; give the "
			  "passphrase on stdin with --passphrase-stdin and the key as "
			  "FILE", name);
		return EXIT_USAGE;
	case PEM_ERR_BAD_PASSPHRASE:
		msg_error("cannot import key '%s': wrong passphrase; check it and "
			  "try again", name);
		break;
	case PEM_ERR_UNSUPPORTED:
		msg_error("cannot import key '%s': unsupported key type; use an "
			  "Ed25519, ECDSA (P-256, P-384, P-521) or RSA key", name);
		break;
	default:
		msg_error("cannot import key '%s': %s; try again", name,
			  pem_strerror(err));
		break;
	}
	return EXIT_REFUSED;
}

/* Refuse a name that is taken, unless force. */
static int check_free(const char *what, const char *name, int force)
{
	struct keystore *ks = NULL;
	struct ks_item it = KS_ITEM_INIT;
	int found = 0, r;

	if (force)
		return 0;
	if ((r = cred_open(&ks)) != 0)
		goto out;
	if ((r = find_key(ks, name, &it, &found)) != 0)
		goto out;
	if (found) {
		msg_error("cannot %s key '%s': a key with this name already exists; "
			  "choose another name, or replace it with --force", what, name);
		r = EXIT_REFUSED;
	}
out:
	done(ks);
	return r;
}

/* Store pem under name for t; fills *it.  The line is printed on failure. */
static int store_key(const char *what, const char *name, int force,
		     const struct target *t, int read_only,
		     const struct sbuf *pem, struct ks_item *it)
{
	struct keystore *ks = NULL;
	struct ks_item old = KS_ITEM_INIT;
	char label[1200];
	int found = 0, r;

	memset(it, 0, sizeof(*it));
	memcpy(it->kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
	item_from_target(it, t);
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->read_only = read_only;
	it->created = (long long)time(NULL);
	make_label(it, label, sizeof(label));

	if ((r = cred_open(&ks)) != 0)
		goto out;
	/* again: the name may have been taken while we read the key */
	if (!force && (r = find_key(ks, name, &old, &found)) != 0)
		goto out;
	if (found) {
		msg_error("cannot %s key '%s': a key with this name already exists; "
			  "choose another name, or replace it with --force", what, name);
		r = EXIT_REFUSED;
		goto out;
	}
	/* ks_store replaces any key of the same name, whatever its scope */
	if ((r = ks_store(ks, it, label, pem)) != KS_OK)
		r = cred_keyring_error(r);
out:
	done(ks);
	return r;
}

static void fixes_warning(const char *name, unsigned fixes)
{
	char what[300];

	if (fixes == 0)
		return;
	msg_warn("repaired key '%s' before storing it: %s", name,
		 pem_fixes_describe(fixes, what, sizeof(what)));
}

/* The passphrase: one line of stdin, or the terminal with echo off. */
static int get_passphrase(const char *name, int from_stdin, int attempt,
			  struct sbuf *pass)
{
	char prompt[300];
	int fd, r;

	if (from_stdin) {
		if ((r = tty_read_line(0, pass)) != TTY_OK) {
			if (r == TTY_TOO_LONG)
				msg_error("cannot import key '%s': the passphrase is "
					  "longer than %d bytes", name, PASSPHRASE_MAX);
			else
				msg_error("cannot import key '%s': no passphrase on "
					  "stdin; give it as the first line", name);
			return EXIT_USAGE;
		}
		return 0;
	}
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return import_error(name, NULL, PEM_ERR_NEED_PASSPHRASE);
	snprintf(prompt, sizeof(prompt), "%s passphrase for key '%s': ",
		 attempt == 0 ? "Enter" : "Wrong passphrase; enter the", name);
	r = tty_read_hidden(fd, fd, prompt, pass);
	close(fd);
	if (r == TTY_NO_ECHO) {
		msg_error("cannot import key '%s': cannot turn off the terminal's "
			  "echo to ask for the passphrase; use --passphrase-stdin",
			  name);
		return EXIT_USAGE;
	}
	if (r != TTY_OK) {
		msg_error("cannot import key '%s': no passphrase given", name);
		return EXIT_REFUSED;
	}
	return 0;
}

static int key_import(struct gcb_call *call, const struct cred_verb *v,
		      const char **vals, const char **ops, int n_ops)
{
	const char *name = ops[0];
	const char *file = n_ops > 1 ? ops[1] : "-";
	struct target t;
	struct sbuf in = SBUF_INIT, pem = SBUF_INIT;
	struct sbuf pass = { NULL, 0, 0, PASSPHRASE_MAX };
	struct pem_info info;
	struct ks_item it;
	char where[800];
	unsigned fixes = 0, opts = vals[I_CONVERT] ? PEM_CONVERT : 0;
	int from_stdin = strcmp(file, "-") == 0, fd = 0, r;

	if ((r = check_name(v, name)) != 0)
		return r;
	if (vals[I_PASS_STDIN] && from_stdin)
		return cred_args_misuse(v, "--passphrase-stdin reads the "
					"passphrase from stdin, so give the "
					"key as FILE");
	if ((r = scope_target(call, v, vals[I_SCOPE], &t)) != 0)
		return r;
	if ((r = check_free("import", name, vals[I_FORCE] != NULL)) != 0)
		return r;

	if (!from_stdin &&
	    (fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		msg_error("cannot import key '%s': cannot open '%s': %s; check "
			  "the path", name, file, strerror(errno));
		return EXIT_REFUSED;
	}
	if (from_stdin && isatty(0))
		tty_write(2, "Paste the private key, then press Ctrl-D on a line of its own:\n");
	r = read_all(fd, &in);
	if (!from_stdin)
		close(fd);
	if (r != 0) {
		msg_error("cannot import key '%s': cannot read '%s': %s; check "
			  "the path", name, from_stdin ? "stdin" : file,
			  strerror(errno));
		r = EXIT_REFUSED;
		goto out;
	}

	r = pem_import(in.buf, in.len, NULL, opts, &pem, &info, &fixes);
	for (int attempt = 0; r == PEM_ERR_NEED_PASSPHRASE ||
	     (r == PEM_ERR_BAD_PASSPHRASE && !vals[I_PASS_STDIN] &&
	      attempt < PASSPHRASE_TRIES); attempt++) {
		int e = get_passphrase(name, vals[I_PASS_STDIN] != NULL,
				       attempt, &pass);

		if (e != 0) {
			r = e;
			goto out;
		}
		r = pem_import(in.buf, in.len, pass.buf ? pass.buf : "", opts,
			       &pem, &info, &fixes);
		sbuf_reset(&pass);
	}
	sbuf_free(&pass);
	sbuf_free(&in);
	if (r != 0) {
		r = import_error(name, from_stdin ? NULL : file, r);
		goto out;
	}

	if ((r = store_key("import", name, vals[I_FORCE] != NULL, &t,
			   vals[I_READ_ONLY] != NULL, &pem, &it)) != 0)
		goto out;
	fixes_warning(name, fixes);
	msg_out("stored key '%s' (%s, %u bits, %s) for %s%s", name,
		info.type_name, info.bits, info.fingerprint,
		item_where(&it, where, sizeof(where)),
		it.read_only ? ", read-only" : "");
	r = 0;
out:
	sbuf_free(&in);
	sbuf_free(&pem);
	sbuf_free(&pass);
	return r;
}

/* ---- generate ---- */

static const struct cred_opt generate_opts[] = {
	{ "--type", "TYPE", "ed25519 (default), ecdsa or rsa" },
	{ "--bits", "N", "ecdsa: 256 (default), 384, 521; rsa: 2048 to 16384, default 4096" },
	{ "--scope", "URL", "use the key only for this host, account or repository (SSH URL)" },
	{ "--read-only", NULL, "the key will be a read-only access key: refuse pushes locally" },
	{ "--force", NULL, "replace a key that has the same name" },
};
enum { G_TYPE, G_BITS, G_SCOPE, G_READ_ONLY, G_FORCE };

static int parse_bits(const char *s, unsigned *out)
{
	unsigned long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > 100000)
			return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int key_generate(struct gcb_call *call, const struct cred_verb *v,
			const char **vals, const char **ops, int n_ops)
{
	const char *name = ops[0];
	enum pem_type type = PEM_TYPE_ED25519;
	unsigned bits = 0;
	struct target t;
	struct sbuf pem = SBUF_INIT, line = SBUF_INIT;
	struct pem_info info;
	struct ks_item it;
	int r;

	(void)n_ops;
	if ((r = check_name(v, name)) != 0)
		return r;
	if (vals[G_TYPE] && (type = pem_type_from_name(vals[G_TYPE])) == PEM_TYPE_NONE)
		return cred_args_misuse(v, "--type must be ed25519, ecdsa or rsa");
	if (vals[G_BITS] && parse_bits(vals[G_BITS], &bits) != 0)
		return cred_args_misuse(v, "--bits wants a number");
	if ((r = scope_target(call, v, vals[G_SCOPE], &t)) != 0)
		return r;
	if ((r = check_free("generate", name, vals[G_FORCE] != NULL)) != 0)
		return r;

	/* before the keyring is opened: a large RSA key takes its time */
	r = pem_generate(type, bits, &pem, &info);
	if (r == PEM_ERR_RSA_WEAK) {
		msg_error("cannot generate key '%s': RSA keys need at least %d "
			  "bits; use --bits 4096 (or leave --bits out)", name,
			  PEM_RSA_MIN_BITS);
		r = EXIT_USAGE;
		goto out;
	}
	if (r == PEM_ERR_BAD_ARG) {
		msg_error("cannot generate key '%s': %s keys cannot have %u bits; "
			  "use %s", name, type == PEM_TYPE_RSA ? "RSA" :
			  type == PEM_TYPE_ECDSA ? "ECDSA" : "Ed25519", bits,
			  type == PEM_TYPE_RSA ? "2048 to 16384 (default 4096)" :
			  type == PEM_TYPE_ECDSA ? "256, 384 or 521" :
			  "no --bits (Ed25519 keys are 256 bits)");
		r = EXIT_USAGE;
		goto out;
	}
	if (r != 0) {
		msg_error("cannot generate key '%s': %s; try again", name,
			  pem_strerror(r));
		r = EXIT_REFUSED;
		goto out;
	}
	if ((r = pem_public_line(&pem, NULL, &line)) != 0) {
		msg_error("cannot generate key '%s': %s; try again", name,
			  pem_strerror(r));
		r = EXIT_REFUSED;
		goto out;
	}
	if ((r = store_key("generate", name, vals[G_FORCE] != NULL, &t,
			   vals[G_READ_ONLY] != NULL, &pem, &it)) != 0)
		goto out;
	msg_out("%s", line.buf);
	msg_out("%u %s %s (%s)", info.bits, info.fingerprint, name, info.type_name);
	r = 0;
out:
	sbuf_free(&pem);
	sbuf_free(&line);
	return r;
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
	if ((r = check_name(v, ops[0])) != 0)
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
	done(ks);
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

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key_row *)a)->it.name,
		      ((const struct key_row *)b)->it.name);
}

static const char *iso_time(long long t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%s", "unknown");
	return buf;
}

static int json_str(struct sbuf *o, const char *s)
{
	if (sbuf_addch(o, '"') != 0)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			if (sbuf_addch(o, '\\') != 0 || sbuf_addch(o, c) != 0)
				return -1;
		} else if (c < 0x20 || c >= 0x7f) {
			/* names and scopes are ASCII; anything else is escaped */
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			if (sbuf_addstr(o, esc) != 0)
				return -1;
		} else if (sbuf_addch(o, c) != 0) {
			return -1;
		}
	}
	return sbuf_addch(o, '"');
}

static int json_time(struct sbuf *o, long long t)
{
	char buf[32];

	return t > 0 ? json_str(o, iso_time(t, buf, sizeof(buf))) :
	       sbuf_addstr(o, "null");
}

static long long age_days(const struct ks_item *it, long long now)
{
	return it->created > 0 && now >= it->created ? (now - it->created) / 86400 : -1;
}

static int is_old(const struct ks_item *it, long long now, long max_days)
{
	return it->created > 0 && now - it->created > (long long)max_days * 86400;
}

static int print_json(const struct key_row *rows, size_t n, long long now,
		      long max_days)
{
	struct sbuf o = SBUF_INIT;
	char num[64];
	int r = sbuf_addch(&o, '[');

	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct key_row *k = &rows[i];
		long long age = age_days(&k->it, now);

		r = -1;
		if (sbuf_addstr(&o, i ? ",\n  {" : "\n  {") != 0 ||
		    sbuf_addstr(&o, "\"name\": ") != 0 || json_str(&o, k->it.name) != 0)
			break;
		if (k->bad) {
			if (sbuf_addstr(&o, ", \"type\": null, \"bits\": null, "
					"\"fingerprint\": null, \"error\": ") != 0 ||
			    json_str(&o, pem_strerror(k->bad)) != 0)
				break;
		} else {
			snprintf(num, sizeof(num), "%u", k->info.bits);
			if (sbuf_addstr(&o, ", \"type\": ") != 0 ||
			    json_str(&o, k->info.type_name) != 0 ||
			    sbuf_addstr(&o, ", \"bits\": ") != 0 ||
			    sbuf_addstr(&o, num) != 0 ||
			    sbuf_addstr(&o, ", \"fingerprint\": ") != 0 ||
			    json_str(&o, k->info.fingerprint) != 0)
				break;
		}
		snprintf(num, sizeof(num), "%u", k->it.port);
		if (sbuf_addstr(&o, ", \"host\": ") != 0 || json_str(&o, k->it.host) != 0 ||
		    sbuf_addstr(&o, ", \"port\": ") != 0 ||
		    sbuf_addstr(&o, k->it.port ? num : "null") != 0 ||
		    sbuf_addstr(&o, ", \"scope\": ") != 0 || json_str(&o, k->it.scope) != 0 ||
		    sbuf_addstr(&o, ", \"read_only\": ") != 0 ||
		    sbuf_addstr(&o, k->it.read_only ? "true" : "false") != 0 ||
		    sbuf_addstr(&o, ", \"created\": ") != 0 ||
		    json_time(&o, k->it.created) != 0 ||
		    sbuf_addstr(&o, ", \"last_used\": ") != 0 ||
		    json_time(&o, k->it.last_used) != 0)
			break;
		snprintf(num, sizeof(num), "%lld", age);
		if (sbuf_addstr(&o, ", \"age_days\": ") != 0 ||
		    sbuf_addstr(&o, age >= 0 ? num : "null") != 0 ||
		    sbuf_addstr(&o, ", \"old\": ") != 0 ||
		    sbuf_addstr(&o, is_old(&k->it, now, max_days) ? "true" : "false") != 0 ||
		    sbuf_addch(&o, '}') != 0)
			break;
		r = 0;
	}
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

enum { C_NAME, C_KEY, C_WHERE, C_ACCESS, C_CREATED, C_USED, C_NOTES, NCOL };
#define CELL 600

static void print_table(const struct key_row *rows, size_t n, long long now,
			long max_days)
{
	static const char *const head[NCOL] = {
		"NAME", "KEY", "WHERE", "ACCESS", "CREATED", "LAST USED", "NOTES"
	};
	size_t w[NCOL];
	char (*cells)[NCOL][CELL];

	if (n == 0) {
		msg_out("no SSH keys stored; add one with '%s key generate NAME' "
			"or '%s key import NAME FILE'", msg_prog(), msg_prog());
		return;
	}
	if ((cells = calloc(n, sizeof(*cells))) == NULL) {
		msg_error("out of memory; try again");
		return;
	}
	for (int c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const struct key_row *k = &rows[i];
		long long age = age_days(&k->it, now);
		char date[16];

		snprintf(cells[i][C_NAME], CELL, "%s", k->it.name);
		if (k->bad)
			snprintf(cells[i][C_KEY], CELL, "unusable: %s",
				 pem_strerror(k->bad));
		else	/* as ssh-keygen -l prints it, with the name as comment */
			snprintf(cells[i][C_KEY], CELL, "%u %s %s (%s)", k->info.bits,
				 k->info.fingerprint, k->it.name, k->info.type_name);
		item_where(&k->it, cells[i][C_WHERE], CELL);
		snprintf(cells[i][C_ACCESS], CELL, "%s",
			 k->it.read_only ? "read-only" : "read-write");
		if (k->it.created > 0)
			snprintf(cells[i][C_CREATED], CELL, "%s (%lldd)",
				 rules_date(k->it.created, date, sizeof(date)), age);
		else
			snprintf(cells[i][C_CREATED], CELL, "unknown");
		if (k->it.last_used > 0)
			rules_date(k->it.last_used, cells[i][C_USED], CELL);
		else
			snprintf(cells[i][C_USED], CELL, "never");
		if (is_old(&k->it, now, max_days))
			snprintf(cells[i][C_NOTES], CELL, "older than %ld days: "
				 "rotate it", max_days);
		for (int c = 0; c < NCOL; c++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
	}
	for (size_t i = 0; i <= n; i++) {
		char line[NCOL * (CELL + 2)];
		size_t len = 0;

		for (int c = 0; c < NCOL; c++) {
			const char *s = i == 0 ? head[c] : cells[i - 1][c];
			int k = snprintf(line + len, sizeof(line) - len, "%s%-*s",
					 c ? "  " : "", c + 1 < NCOL ? (int)w[c] : 0, s);

			if (k > 0 && (size_t)k < sizeof(line) - len)
				len += (size_t)k;
		}
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		msg_out("%s", line);
	}
	free(cells);
}

static int key_list(struct gcb_call *call, const struct cred_verb *v,
		    const char **vals, const char **ops, int n_ops)
{
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	struct key_row *rows = NULL;
	struct sbuf pem = SBUF_INIT;
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
	if (ks_list_len(list) > 0 &&
	    (rows = calloc(ks_list_len(list), sizeof(*rows))) == NULL) {
		msg_error("out of memory listing %zu keys; try again", ks_list_len(list));
		r = EXIT_REFUSED;
		goto out;
	}
	for (size_t i = 0; i < ks_list_len(list); i++) {
		struct key_row *k = &rows[n];

		r = ks_list_get(ks, list, i, &k->it);
		if (r == KS_OK)
			r = ks_get_secret(ks, &k->it, &pem);
		if (r == KS_ERR_NOT_FOUND)
			continue;	/* removed meanwhile */
		if (r != KS_OK) {
			r = cred_keyring_error(r);
			goto out;
		}
		k->bad = pem_check(&pem, &k->info);
		sbuf_free(&pem);
		n++;
		alarm(10);	/* the watchdog is for hangs, not for many keys */
	}
	done(ks);
	ks = NULL;
	qsort(rows, n, sizeof(*rows), row_cmp);
	if (locked > 0)
		msg_warn("%zu key%s %s locked and not listed; unlock the keyring "
			 "to see %s", locked, locked == 1 ? "" : "s",
			 locked == 1 ? "is" : "are", locked == 1 ? "it" : "them");
	if (vals[0]) {
		r = print_json(rows, n, now, max_days);
	} else {
		print_table(rows, n, now, max_days);
		r = 0;
	}
out:
	sbuf_free(&pem);
	free(rows);
	ks_list_free(list);
	done(ks);
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
	if ((r = check_name(v, ops[0])) != 0)
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
	done(ks);
	return r;
}

static int update(struct keystore *ks, struct ks_item *it)
{
	char label[1200];
	int r;

	make_label(it, label, sizeof(label));
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
	if ((r = check_name(v, ops[0])) != 0 || (r = check_name(v, ops[1])) != 0)
		return r;
	if (strcmp(ops[0], ops[1]) == 0)
		return cred_args_misuse(v, "the old and the new name are the same");
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	if ((r = find_key(ks, ops[1], &other, &found)) != 0)
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
	done(ks);
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
	if ((r = check_name(v, ops[0])) != 0)
		return r;
	if ((r = scope_target(call, v, ops[1], &t)) != 0)
		return r;
	if ((r = open_and_find(ops[0], &ks, &it)) != 0)
		goto out;
	item_from_target(&it, &t);
	if ((r = update(ks, &it)) != 0)
		goto out;
	msg_out("key '%s' now applies to %s", it.name,
		item_where(&it, where, sizeof(where)));
out:
	done(ks);
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
	if ((r = check_name(v, ops[0])) != 0)
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
	done(ks);
	return r;
}

/* ---- dispatch ---- */

static const struct cred_opt list_opts[] = {
	{ "--json", NULL, "print a JSON array for scripts" },
};

#define OPTS(a) a, sizeof(a) / sizeof(a[0])

static const struct key_verb verbs[] = {
	{ { "key", "import", "NAME [FILE|-]",
	    "Store a private key (PEM: BEGIN RSA/EC/ENCRYPTED PRIVATE KEY or\n"
	    "BEGIN PRIVATE KEY) read from FILE or stdin under NAME.  An encrypted\n"
	    "key is decrypted with a passphrase asked on the terminal; it is\n"
	    "stored unencrypted, protected by the keyring.  Harmless damage\n"
	    "(CRLF, spaces, blank lines, line wrapping) is repaired and reported.",
	    OPTS(import_opts), 1, 2 }, key_import },
	{ { "key", "generate", "NAME",
	    "Create a new key in the keyring and print its public key line, to\n"
	    "add to Bitbucket, and its fingerprint.  The private key never\n"
	    "leaves the keyring.",
	    OPTS(generate_opts), 1, 1 }, key_generate },
	{ { "key", "public", "NAME",
	    "Print the OpenSSH public key line of a stored key, as\n"
	    "'ssh-keygen -y' would.",
	    NULL, 0, 1, 1 }, key_public },
	{ { "key", "list", "",
	    "List the stored keys: name, fingerprint as 'ssh-keygen -l' shows it,\n"
	    "where each applies, access, age and last use.  Keys older than\n"
	    "bitbucket.keyMaxAge days (default 180) are flagged for rotation.",
	    OPTS(list_opts), 0, 0 }, key_list },
	{ { "key", "remove", "NAME", "Delete a stored key.", NULL, 0, 1, 1 },
	  key_remove },
	{ { "key", "rename", "OLD NEW", "Give a stored key another name.",
	    NULL, 0, 2, 2 }, key_rename },
	{ { "key", "scope", "NAME URL",
	    "Change the host, account or repository a key applies to (an SSH URL\n"
	    "such as git@bitbucket.org:WORKSPACE/ or ssh://git@HOST:7999/PROJECT/).",
	    NULL, 0, 2, 2 }, key_scope },
	{ { "key", "set-read-only", "NAME true|false",
	    "Mark a key as a read-only access key (pushes are refused locally),\n"
	    "or as read-write.",
	    NULL, 0, 2, 2 }, key_set_read_only },
};

static void key_usage(FILE *f)
{
	fprintf(f, "usage: %s key <verb> [<args>]\n\n", msg_prog());
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		cred_args_usage(f, &verbs[i].args);
	fprintf(f, "\nRun '%s key <verb> --help' for a verb's options.\n", msg_prog());
}

int cmd_key(struct gcb_call *call)
{
	const char *vals[8], *ops[2];
	int n_ops, r;

	if (call->argc < 2) {
		msg_error("no key verb given");
		key_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(call->argv[1], "--help") == 0 || strcmp(call->argv[1], "-h") == 0 ||
	    strcmp(call->argv[1], "help") == 0) {
		key_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		const struct key_verb *v = &verbs[i];

		if (strcmp(v->args.name, call->argv[1]) != 0)
			continue;
		/* argv[0] is "key": the parser starts at the verb */
		if ((r = cred_args_parse(&v->args, call->argc - 1, call->argv + 1,
					 vals, ops, &n_ops)) != 0)
			return r == CRED_ARGS_HELP ? 0 : r;
		return v->fn(call, &v->args, vals, ops, n_ops);
	}
	msg_error("unknown key verb '%.64s'", call->argv[1]);
	key_usage(stderr);
	return EXIT_USAGE;
}
