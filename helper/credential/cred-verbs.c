/*
 * cred-verbs.c - the table of commands and their command lines
 * (cred-verbs.h).
 */
#include <string.h>

#include "credential/cred-verbs.h"
#include "msg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OPTS(a) a, N(a)

/* ---- login, logout, list ---- */

static const struct cred_opt login_opts[LOGIN_NOPTS] = {
	[LOGIN_USERNAME] = { "--username", "NAME", "the Bitbucket username git sends (not the e-mail address)" },
	[LOGIN_EXPIRES] = { "--expires", "YYYY-MM-DD", "the token's expiry date, to warn before it passes" },
	[LOGIN_REPOS] = { "--repos", "REGEX", "use the token only for repositories whose path matches" },
	[LOGIN_STDIN] = { "--stdin", NULL, "read the token as one line from stdin, not the terminal" },
	[LOGIN_CHECK] = { "--check", NULL, "then run doctor's live check (git ls-remote) on the repository" },
};

/* at most one URL; none is "no URL given", not the parser's "missing URL" */
static const struct cred_verb login_spec = {
	NULL, "login", "URL",
	"Store a token for a host, account or repository URL of Bitbucket Cloud\n"
	"(https://bitbucket.org/WORKSPACE/) or Data Center\n"
	"(https://HOST/scm/PROJECT/).  The token is read from the terminal with\n"
	"echo off, or from stdin with --stdin; never give it as an argument.",
	OPTS(login_opts), 0, 1,
};

static const struct cred_opt logout_opts[LOGOUT_NOPTS] = {
	[LOGOUT_USERNAME] = { "--username", "NAME", "remove only this user's token (default: every user's)" },
};

static const struct cred_verb logout_spec = {
	NULL, "logout", "URL",
	"Remove the tokens stored for exactly this host, account or repository\n"
	"URL (what 'login' stored for it); tokens of other scopes stay.",
	OPTS(logout_opts), 0, 1,
};

static const struct cred_opt list_opts[LIST_NOPTS] = {
	[LIST_JSON] = { "--json", NULL, "print a JSON array for scripts" },
};

static const struct cred_verb list_spec = {
	NULL, "list", "",
	"List every stored token and SSH key: kind, where it applies, user or\n"
	"key name, when it was stored and last used, and when it expires.\n"
	"Secrets are never shown.",
	OPTS(list_opts), 0, 0,
};

/* ---- setup, status, doctor ---- */

static const struct cred_opt setup_opts[SETUP_NOPTS] = {
	[SETUP_GLOBAL] = { "--global", NULL, "write ~/.gitconfig (default outside a repository)" },
	[SETUP_LOCAL] = { "--local", NULL, "write this repository's config (default inside one)" },
	[SETUP_HTTPS] = { "--https", NULL, "use a token over HTTPS (credential.<url>.helper)" },
	[SETUP_SSH] = { "--ssh", NULL, "use a key over SSH (core.sshCommand)" },
	[SETUP_DRY_RUN] = { "--dry-run", NULL, "print the git config commands, change nothing" },
};

static const struct cred_verb setup_spec = {
	NULL, "setup", "[URL]",
	"Make git use this helper (HTTPS) or git-bitbucket-ssh (SSH) for a\n"
	"Bitbucket URL (default: the origin remote of the repository here):\n"
	"credential.<url>.helper (an empty value first, so inherited helpers do\n"
	"not answer first), credential.<url>.useHttpPath, core.sshCommand, and\n"
	"bitbucket.dataCenterHost for a Data Center host.  Prints each 'git\n"
	"config' command it runs; a second run changes nothing.  Then runs the\n"
	"live check of 'doctor' (not with --dry-run).",
	OPTS(setup_opts), 0, 1,
};

static const struct cred_opt status_opts[STATUS_NOPTS] = {
	[STATUS_JSON] = { "--json", NULL, "print a JSON object for scripts" },
};

static const struct cred_verb status_spec = {
	NULL, "status", "",
	"Show the active keystore and, for every stored token and SSH key: where\n"
	"it applies, as whom, its expiry and last use, and whether git is set up\n"
	"to use it.  Secrets are never shown.",
	OPTS(status_opts), 0, 0,
};

static const struct cred_opt doctor_opts[DOCTOR_NOPTS] = {
	[DOCTOR_JSON] = { "--json", NULL, "print the checks as a JSON object for scripts" },
};

static const struct cred_verb doctor_spec = {
	NULL, "doctor", "[REMOTE|URL]",
	"Check that git can use what is stored for a remote (default: origin)\n"
	"or a URL: the programs, the keyring, git's configuration, the URL, the\n"
	"tokens or keys for its scope, the host key, and a live 'git ls-remote'.\n"
	"One line per check, \u2714 or \u2718; each \u2718 line says how to fix it.\n"
	"Exit 0 only when every check passes.",
	OPTS(doctor_opts), 0, 1,
};

/* ---- the file store: unlock, lock, passwd, migrate ---- */

static const struct cred_opt unlock_opts[UNLOCK_NOPTS] = {
	[UNLOCK_PASSPHRASE_FD] = { "--passphrase-fd", "N", "read the passphrase as one line from file descriptor N (CI), not the terminal" },
};

static const struct cred_verb unlock_spec = {
	NULL, "unlock", "",
	"Unlock the encrypted file store (created the first time, with the\n"
	"passphrase asked twice) and cache its key in the kernel's session\n"
	"keyring for bitbucket.cacheTimeout seconds (default 900).",
	OPTS(unlock_opts), 0, 0,
};

static const struct cred_verb lock_spec = {
	NULL, "lock", "",
	"Drop the file store's cached key: the next use asks for the passphrase.",
	NULL, 0, 0, 0,
};

static const struct cred_opt passwd_opts[UNLOCK_NOPTS] = {
	[UNLOCK_PASSPHRASE_FD] = { "--passphrase-fd", "N", "read the current, then the new passphrase, one line each, from file descriptor N" },
};

static const struct cred_verb passwd_spec = {
	NULL, "passwd", "",
	"Re-encrypt the file store under a new passphrase (and a new salt).",
	OPTS(passwd_opts), 0, 0,
};

static const struct cred_opt migrate_opts[MIGRATE_NOPTS] = {
	[MIGRATE_TO] = { "--to", "secret-service|file", "the store to move every item to" },
};

static const struct cred_verb migrate_spec = {
	NULL, "migrate", "",
	"Move every token and key from one store to the other: each item is\n"
	"copied and read back, and only when all are in the destination are\n"
	"they deleted from the source.",
	OPTS(migrate_opts), 0, 0,
};

/* ---- the key verbs ---- */

static const struct cred_opt import_opts[IMPORT_NOPTS] = {
	[IMPORT_SCOPE] = { "--scope", "URL", "use the key only for this host, account or repository (SSH URL)" },
	[IMPORT_READ_ONLY] = { "--read-only", NULL, "the key is a read-only access key: refuse pushes locally" },
	[IMPORT_FORCE] = { "--force", NULL, "replace a key that has the same name" },
	[IMPORT_CONVERT] = { "--convert", NULL, "ignored: OpenSSH-format keys are always converted (kept for old scripts)" },
	[IMPORT_PASS_STDIN] = { "--passphrase-stdin", NULL, "read the key's passphrase from the first line of stdin (the key then comes from FILE)" },
};

static const struct cred_opt generate_opts[GEN_NOPTS] = {
	[GEN_TYPE] = { "--type", "TYPE", "ed25519 (default), ecdsa or rsa" },
	[GEN_BITS] = { "--bits", "N", "ecdsa: 256 (default), 384, 521; rsa: 2048 to 16384, default 4096" },
	[GEN_SCOPE] = { "--scope", "URL", "use the key only for this host, account or repository (SSH URL)" },
	[GEN_READ_ONLY] = { "--read-only", NULL, "the key will be a read-only access key: refuse pushes locally" },
	[GEN_FORCE] = { "--force", NULL, "replace a key that has the same name" },
};

static const struct cred_verb key_verbs[KEY_VERB_COUNT] = {
	[KEY_IMPORT] = { "key", "import", "NAME [FILE|-]",
	    "Store a private key (PEM: BEGIN RSA/EC/ENCRYPTED PRIVATE KEY or\n"
	    "BEGIN PRIVATE KEY; OpenSSH's BEGIN OPENSSH PRIVATE KEY, converted to\n"
	    "PEM) read from FILE or stdin under NAME.  An encrypted key is\n"
	    "decrypted with a passphrase asked on the terminal; it is stored\n"
	    "unencrypted, protected by the keyring.  Harmless damage (CRLF,\n"
	    "spaces, blank lines, line wrapping) is repaired and reported.",
	    OPTS(import_opts), 1, 2 },
	[KEY_GENERATE] = { "key", "generate", "NAME",
	    "Create a new key in the keyring and print its public key line, to\n"
	    "add to Bitbucket, and its fingerprint.  The private key never\n"
	    "leaves the keyring.",
	    OPTS(generate_opts), 1, 1 },
	[KEY_PUBLIC] = { "key", "public", "NAME",
	    "Print the OpenSSH public key line of a stored key, as\n"
	    "'ssh-keygen -y' would.",
	    NULL, 0, 1, 1 },
	[KEY_LIST] = { "key", "list", "",
	    "List the stored keys: name, fingerprint as 'ssh-keygen -l' shows it,\n"
	    "where each applies, access, age and last use.  Keys older than\n"
	    "bitbucket.keyMaxAge days (default 180) are flagged for rotation.",
	    OPTS(list_opts), 0, 0 },
	[KEY_REMOVE] = { "key", "remove", "NAME", "Delete a stored key.", NULL, 0, 1, 1 },
	[KEY_RENAME] = { "key", "rename", "OLD NEW", "Give a stored key another name.",
	    NULL, 0, 2, 2 },
	[KEY_SCOPE] = { "key", "scope", "NAME URL",
	    "Change the host, account or repository a key applies to (an SSH URL\n"
	    "such as git@bitbucket.org:WORKSPACE/ or ssh://git@HOST:7999/PROJECT/).",
	    NULL, 0, 2, 2 },
	[KEY_SET_READ_ONLY] = { "key", "set-read-only", "NAME true|false",
	    "Mark a key as a read-only access key (pushes are refused locally),\n"
	    "or as read-write.",
	    NULL, 0, 2, 2 },
};

/* ---- the commands ---- */

static const struct gcb_verb verbs[VERB_COUNT] = {
	[VERB_GET] = { VERB_GET, "get", 1, MODULE_CORE, NULL, NULL, 0,
		"(git) answer a credential request from the keyring" },
	[VERB_STORE] = { VERB_STORE, "store", 1, MODULE_CORE, NULL, NULL, 0,
		"(git) store a credential that worked" },
	[VERB_ERASE] = { VERB_ERASE, "erase", 1, MODULE_CORE, NULL, NULL, 0,
		"(git) remove a credential that was rejected" },
	[VERB_LOGIN] = { VERB_LOGIN, "login", 0, MODULE_CORE, &login_spec, NULL, 0,
		"store a token for a host, account or repository" },
	[VERB_LOGOUT] = { VERB_LOGOUT, "logout", 0, MODULE_CORE, &logout_spec, NULL, 0,
		"remove what login stored" },
	[VERB_LIST] = { VERB_LIST, "list", 0, MODULE_CORE, &list_spec, NULL, 0,
		"list stored tokens and keys (never the secrets)" },
	[VERB_KEY] = { VERB_KEY, "key", 0, MODULE_KEYS, NULL, OPTS(key_verbs),
		"manage SSH keys for git-bitbucket-ssh" },
	[VERB_SETUP] = { VERB_SETUP, "setup", 0, MODULE_CORE, &setup_spec, NULL, 0,
		"make git use the helper (HTTPS) or git-bitbucket-ssh (SSH)" },
	[VERB_STATUS] = { VERB_STATUS, "status", 0, MODULE_CORE, &status_spec, NULL, 0,
		"what is stored, for where, as whom, and whether git uses it" },
	[VERB_DOCTOR] = { VERB_DOCTOR, "doctor", 0, MODULE_CORE, &doctor_spec, NULL, 0,
		"check a remote end to end and say how to fix what fails" },
	[VERB_UNLOCK] = { VERB_UNLOCK, "unlock", 0, MODULE_CORE, &unlock_spec, NULL, 0,
		"unlock (or create) the encrypted file store" },
	[VERB_LOCK] = { VERB_LOCK, "lock", 0, MODULE_CORE, &lock_spec, NULL, 0,
		"forget the file store's cached key" },
	[VERB_PASSWD] = { VERB_PASSWD, "passwd", 0, MODULE_CORE, &passwd_spec, NULL, 0,
		"change the file store's passphrase" },
	[VERB_MIGRATE] = { VERB_MIGRATE, "migrate", 0, MODULE_CORE, &migrate_spec, NULL, 0,
		"move everything to the Secret Service or the file store" },
};

const struct gcb_verb *gcb_verb_find(const char *name)
{
	for (size_t i = 0; i < N(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* Edits (insert, delete, replace, swap two neighbours) from a to b. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[17][17];

	if (la > 16 || lb > 16)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *gcb_verb_closest(const char *word)
{
	const char *best = NULL;
	size_t bd = 3;	/* at most two edits away */

	for (size_t i = 0; i < N(verbs); i++) {
		size_t d = distance(word, verbs[i].name);

		if (d < bd) {
			bd = d;
			best = verbs[i].name;
		}
	}
	return best;
}

void gcb_git_op_help(FILE *f, const struct gcb_verb *v)
{
	fprintf(f, "usage: %s %s\n\n%s: git runs it with the request as "
		"key=value lines on\nstdin (git-credential(1)); set it up with "
		"'git config --global credential.helper bitbucket'.\n",
		msg_prog(), v->name, v->help);
}

/* What follows a command's name in the usage: its options and operands,
 * or for "key" its verbs, "<import|generate|...> ...". */
static const char *synopsis(const struct gcb_verb *v, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (v->spec != NULL)
		return cred_args_synopsis(v->spec, buf, len);
	for (size_t i = 0; i < v->n_subs && n < len; i++) {
		int k = snprintf(buf + n, len - n, "%s%s", i ? "|" : "<",
				 v->subs[i].name);

		n += k > 0 ? (size_t)k : 0;
	}
	if (v->n_subs > 0 && n < len)
		snprintf(buf + n, len - n, "> ...");
	return buf;
}

void gcb_usage(FILE *f)
{
	char args[512];

	fprintf(f, "usage: %s <command> [<args>]\n\n", msg_prog());
	for (size_t i = 0; i < N(verbs); i++)
		fprintf(f, "   %-7s %s\n           %s\n", verbs[i].name,
			synopsis(&verbs[i], args, sizeof(args)), verbs[i].help);
	fprintf(f, "\nRun '%s <command> --help' for a command's options.\n",
		msg_prog());
}

void gcb_key_usage(FILE *f)
{
	fprintf(f, "usage: %s key <verb> [<args>]\n\n", msg_prog());
	for (size_t i = 0; i < N(key_verbs); i++)
		cred_args_usage(f, &key_verbs[i]);
	fprintf(f, "\nRun '%s key <verb> --help' for a verb's options.\n", msg_prog());
}
