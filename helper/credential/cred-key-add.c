/*
 * cred-key-add.c - the key verbs that add a key: import (a private key
 * from a file or stdin, repaired or converted when it can be) and generate.
 *
 * The private key is read from a file or stdin, its passphrase from the
 * terminal with echo off or from the first line of stdin: never from the
 * command line or the environment (BITBUCKET-RULES.md section 4).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "credential/cred-key.h"
#include "credential/cred-list.h"
#include "credential/cred-tty.h"
#include "msg.h"
#include "pem.h"

#define PASSPHRASE_MAX 1023	/* what OpenSSL's PEM callbacks take */
#define PASSPHRASE_TRIES 3

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

/* A key in a form or of a kind we do not take; EXIT_USAGE or EXIT_REFUSED. */
static int key_error(const char *name, int err)
{
	switch (err) {
	case PEM_ERR_OPENSSH:
	case PEM_ERR_OPENSSH_ENCRYPTED:
	case PEM_ERR_OPENSSH_ENCRYPTED_ED25519:
		/* only when ssh-keygen is missing: see openssh_decrypt() */
		msg_error("cannot import key '%s': the key is in OpenSSH format and "
			  "protected by a passphrase, and opening it needs ssh-keygen, "
			  "which is not installed; install OpenSSH's client (the "
			  "openssh-client package) and import it again", name);
		break;
	case PEM_ERR_PUTTY:
		msg_error("cannot import key '%s': this is a PuTTY key (.ppk); "
			  "export it in PuTTYgen with Conversions > Export OpenSSH key "
			  "and import the exported file", name);
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

/*
 * The one line for each thing pem_import() can refuse, in two parts: the
 * input is not one whole PEM key (here), or the key is one we cannot take
 * (key_error).  f names the file in a suggested command.
 */
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
	default:
		return key_error(name, err);
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
	if ((r = key_find(ks, name, &it, &found)) != 0)
		goto out;
	if (found) {
		msg_error("cannot %s key '%s': a key with this name already exists; "
			  "choose another name, or replace it with --force", what, name);
		r = EXIT_REFUSED;
	}
out:
	key_done(ks);
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
	key_from_target(it, t);
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->read_only = read_only;
	it->created = (long long)time(NULL);
	key_label(it, label, sizeof(label));

	if ((r = cred_open_write(&ks)) != 0)
		goto out;
	/* again: the name may have been taken while we read the key */
	if (!force && (r = key_find(ks, name, &old, &found)) != 0)
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
	else
		key_overlap_warn(ks, it);
out:
	key_done(ks);
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

/* The key's text: FILE, or stdin for "-"; 0 or EXIT_REFUSED with the line printed. */
static int import_read(const char *name, const char *file, struct sbuf *in)
{
	int from_stdin = strcmp(file, "-") == 0, fd = 0, r;

	if (!from_stdin &&
	    (fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		msg_error("cannot import key '%s': cannot open '%s': %s; check "
			  "the path", name, file, strerror(errno));
		return EXIT_REFUSED;
	}
	if (from_stdin && isatty(0))
		tty_write(2, "Paste the private key, then press Ctrl-D on a line of its own:\n");
	r = read_all(fd, in);
	if (!from_stdin)
		close(fd);
	if (r != 0) {
		msg_error("cannot import key '%s': cannot read '%s': %s; check "
			  "the path", name, from_stdin ? "stdin" : file,
			  strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}

/* ---- an OpenSSH key with a passphrase ---- */

/*
 * OpenSSL has no bcrypt_pbkdf, which OpenSSH's own format uses for its
 * passphrase: ssh-keygen opens the key.  Nothing touches the disk, argv or
 * the environment:
 *   - the key is in a memfd, which ssh-keygen opens as /proc/self/fd/N and
 *     rewrites in place without the passphrase (-p -N "");
 *   - the passphrase is on ssh-keygen's stdin, a pipe, and reaches it
 *     through SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force), a two-line script
 *     that is itself a memfd and only copies its stdin to its stdout.
 * The memfds are RAM and go with their last descriptor.  Returns 0 with
 * the key without passphrase in *plain, PEM_ERR_BAD_PASSPHRASE, or
 * PEM_ERR_OPENSSH_ENCRYPTED when ssh-keygen cannot be run.
 */
#define ASKPASS_SCRIPT "#!/bin/sh\nexec cat\n"

static int memfd_with(const char *name, const char *data, size_t len, mode_t mode)
{
	int fd = memfd_create(name, 0);	/* inherited by ssh-keygen on purpose */

	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static int openssh_decrypt(const struct sbuf *in, const char *pass,
			   struct sbuf *plain)
{
	extern char **environ;
	char keypath[64], askpath[64], askenv[80];
	char *argv[] = { "ssh-keygen", "-p", "-q", "-N", "", "-f", keypath, NULL };
	char **env = NULL;
	size_t n_env = 0;
	int kfd = -1, afd = -1, in_pipe[2] = { -1, -1 }, devnull = -1;
	int r = PEM_ERR_OPENSSH_ENCRYPTED, status = 0;
	pid_t pid;

	sbuf_reset(plain);
	if ((kfd = memfd_with("gcb-key", in->buf, in->len, 0600)) < 0 ||
	    (afd = memfd_with("gcb-askpass", ASKPASS_SCRIPT,
			      sizeof(ASKPASS_SCRIPT) - 1, 0700)) < 0 ||
	    pipe2(in_pipe, O_CLOEXEC) != 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		goto out;
	/* a passphrase is at most 1023 bytes: the pipe holds it whole */
	if (write(in_pipe[1], pass, strlen(pass)) != (ssize_t)strlen(pass) ||
	    write(in_pipe[1], "\n", 1) != 1)
		goto out;
	close(in_pipe[1]);
	in_pipe[1] = -1;
	snprintf(keypath, sizeof(keypath), "/proc/self/fd/%d", kfd);
	snprintf(askpath, sizeof(askpath), "/proc/self/fd/%d", afd);
	snprintf(askenv, sizeof(askenv), "SSH_ASKPASS=%s", askpath);
	for (char **e = environ; *e; e++)
		n_env++;
	if ((env = calloc(n_env + 3, sizeof(*env))) == NULL)
		goto out;
	n_env = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SSH_ASKPASS", 11) != 0 && strncmp(*e, "DISPLAY=", 8) != 0)
			env[n_env++] = *e;
	env[n_env++] = askenv;
	env[n_env++] = "SSH_ASKPASS_REQUIRE=force";
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		/* only async-signal-safe calls between fork and exec */
		if (dup2(in_pipe[0], 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0)
			_exit(127);
		execvpe(argv[0], argv, env);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
		goto out;	/* no ssh-keygen */
	if (WEXITSTATUS(status) != 0) {
		r = PEM_ERR_BAD_PASSPHRASE;
		goto out;
	}
	if (lseek(kfd, 0, SEEK_SET) != 0 || read_all(kfd, plain) != 0) {
		r = PEM_ERR_CORRUPT;
		goto out;
	}
	r = 0;
out:
	free(env);
	if (kfd >= 0) {
		/* wipe the memfd before it goes (it is RAM, and freed with it) */
		if (ftruncate(kfd, 0) != 0)
			r = r != 0 ? r : PEM_ERR_CORRUPT;
		close(kfd);
	}
	if (afd >= 0)
		close(afd);
	for (int i = 0; i < 2; i++)
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
	if (devnull >= 0)
		close(devnull);
	return r;
}

/*
 * pem_import(), asking for the passphrase when the key wants one: up to
 * PASSPHRASE_TRIES times at the terminal, once from stdin.  Returns 0, a
 * PEM_ERR_* code, or an EXIT_* code (> 0) with the line printed.
 */
static int import_decrypt(const char *name, const struct sbuf *in, unsigned opts,
			  int pass_stdin, struct sbuf *pem, struct pem_info *info,
			  unsigned *fixes)
{
	struct sbuf pass = { NULL, 0, 0, PASSPHRASE_MAX }, plain = SBUF_INIT;
	int r = pem_import(in->buf, in->len, NULL, opts, pem, info, fixes);
	int openssh = r == PEM_ERR_OPENSSH_ENCRYPTED ||
		      r == PEM_ERR_OPENSSH_ENCRYPTED_ED25519;

	if (openssh)
		r = PEM_ERR_NEED_PASSPHRASE;
	for (int attempt = 0; r == PEM_ERR_NEED_PASSPHRASE ||
	     (r == PEM_ERR_BAD_PASSPHRASE && !pass_stdin &&
	      attempt < PASSPHRASE_TRIES); attempt++) {
		int e = get_passphrase(name, pass_stdin, attempt, &pass);

		if (e != 0) {
			r = e;
			break;
		}
		if (!openssh)
			r = pem_import(in->buf, in->len, pass.buf ? pass.buf : "",
				       opts, pem, info, fixes);
		else if ((r = openssh_decrypt(in, pass.buf ? pass.buf : "",
					      &plain)) == 0)
			r = pem_import(plain.buf, plain.len, NULL, opts, pem,
				       info, fixes);
		sbuf_reset(&pass);
		sbuf_reset(&plain);
	}
	sbuf_free(&pass);
	sbuf_free(&plain);
	return r;
}

int key_import(struct gcb_call *call, const struct cred_verb *v,
	       const char **vals, const char **ops, int n_ops)
{
	const char *name = ops[0];
	const char *file = n_ops > 1 ? ops[1] : "-";
	struct target t;
	struct sbuf in = SBUF_INIT, pem = SBUF_INIT;
	struct pem_info info;
	struct ks_item it;
	char where[800];
	/* an OpenSSH key is always converted: --convert is kept as a no-op */
	unsigned fixes = 0, opts = PEM_CONVERT;
	int r;

	if ((r = key_check_name(v, name)) != 0)
		return r;
	if (vals[IMPORT_PASS_STDIN] && strcmp(file, "-") == 0)
		return cred_args_misuse(v, "--passphrase-stdin reads the "
					"passphrase from stdin, so give the "
					"key as FILE");
	if ((r = key_scope_target(call, v, vals[IMPORT_SCOPE], &t)) != 0 ||
	    (r = check_free("import", name, vals[IMPORT_FORCE] != NULL)) != 0 ||
	    (r = import_read(name, file, &in)) != 0)
		goto out;
	r = import_decrypt(name, &in, opts, vals[IMPORT_PASS_STDIN] != NULL,
			   &pem, &info, &fixes);
	sbuf_free(&in);
	if (r < 0)
		r = import_error(name, strcmp(file, "-") != 0 ? file : NULL, r);
	if (r != 0)
		goto out;
	if ((r = store_key("import", name, vals[IMPORT_FORCE] != NULL, &t,
			   vals[IMPORT_READ_ONLY] != NULL, &pem, &it)) != 0)
		goto out;
	fixes_warning(name, fixes);
	if (info.source == PEM_SRC_OPENSSH)
		msg_out("converted key '%s' from OpenSSH format to PEM (PKCS#8) to "
			"store it", name);
	msg_out("stored key '%s' (%s, %u bits, %s) for %s%s", name,
		info.type_name, info.bits, info.fingerprint,
		item_where(&it, where, sizeof(where)),
		it.read_only ? ", read-only" : "");
out:
	sbuf_free(&in);
	sbuf_free(&pem);
	return r;
}

/* ---- generate ---- */

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

int key_generate(struct gcb_call *call, const struct cred_verb *v,
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
	if ((r = key_check_name(v, name)) != 0)
		return r;
	if (vals[GEN_TYPE] && (type = pem_type_from_name(vals[GEN_TYPE])) == PEM_TYPE_NONE)
		return cred_args_misuse(v, "--type must be ed25519, ecdsa or rsa");
	if (vals[GEN_BITS] && parse_bits(vals[GEN_BITS], &bits) != 0)
		return cred_args_misuse(v, "--bits wants a number");
	if ((r = key_scope_target(call, v, vals[GEN_SCOPE], &t)) != 0)
		return r;
	if ((r = check_free("generate", name, vals[GEN_FORCE] != NULL)) != 0)
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
	if ((r = store_key("generate", name, vals[GEN_FORCE] != NULL, &t,
			   vals[GEN_READ_ONLY] != NULL, &pem, &it)) != 0)
		goto out;
	msg_out("%s", line.buf);
	msg_out("%u %s %s (%s)", info.bits, info.fingerprint, name, info.type_name);
	r = 0;
out:
	sbuf_free(&pem);
	sbuf_free(&line);
	return r;
}

