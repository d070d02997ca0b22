/*
 * cred-verbs.h - the one table of git-credential-bitbucket's commands:
 * git's operations, the shell verbs and the key verbs, with their command
 * lines (cred-args.h).  The gate reads it to decide what a command is and
 * which module runs it, and prints its usage from it; the modules read
 * the same entry (gcb_call.verb) to dispatch and to parse options.  Help
 * is generated from it, so it cannot drift from the code.
 *
 * Pure data and formatting: linked into the gate, which must stay light
 * (no libsecret, GLib or OpenSSL).
 */
#ifndef GCB_CRED_VERBS_H
#define GCB_CRED_VERBS_H

#include <stddef.h>
#include <stdio.h>

#include "credential/cred-args.h"

/* The commands; the modules' dispatch tables are indexed by these. */
enum gcb_verb_id {
	VERB_GET, VERB_STORE, VERB_ERASE,		/* git's operations */
	VERB_LOGIN, VERB_LOGOUT, VERB_LIST, VERB_KEY,	/* shell verbs */
	VERB_SETUP, VERB_STATUS, VERB_DOCTOR,
	VERB_UNLOCK, VERB_LOCK, VERB_PASSWD, VERB_MIGRATE,	/* the file store */
	VERB_COUNT
};

/* Which module the gate loads for a command. */
enum gcb_module {
	MODULE_CORE,	/* git-credential-bitbucket.so: libsecret */
	MODULE_KEYS,	/* git-credential-bitbucket-keys.so: adds OpenSSL */
};

struct gcb_verb {
	enum gcb_verb_id id;
	const char *name;
	int git_op;			/* git's: reads a request from stdin */
	enum gcb_module module;
	const struct cred_verb *spec;	/* a shell verb's command line, or NULL */
	const struct cred_verb *subs;	/* "key": its verbs, indexed by key_verb_id */
	size_t n_subs;
	const char *help;		/* the line under it in the usage */
};

/* The entry called name, or NULL. */
const struct gcb_verb *gcb_verb_find(const char *name);

/* The command at most two edits (a typo) away from word, or NULL. */
const char *gcb_verb_closest(const char *word);

/* A git operation's --help: its usage line and what it is for. */
void gcb_git_op_help(FILE *f, const struct gcb_verb *v);

/* "usage: <prog> <command> [<args>]" and one entry per command. */
void gcb_usage(FILE *f);

/* ---- the key verbs ---- */

enum key_verb_id {
	KEY_IMPORT, KEY_GENERATE, KEY_PUBLIC, KEY_LIST, KEY_REMOVE, KEY_RENAME,
	KEY_SCOPE, KEY_SET_READ_ONLY,
	KEY_VERB_COUNT
};

/* "usage: <prog> key <verb> [<args>]" and every key verb's usage line. */
void gcb_key_usage(FILE *f);

/* ---- option indexes: vals[] from cred_args_parse() ---- */

enum { LOGIN_USERNAME, LOGIN_EXPIRES, LOGIN_REPOS, LOGIN_STDIN, LOGIN_CHECK, LOGIN_NOPTS };
enum { LOGOUT_USERNAME, LOGOUT_NOPTS };
enum { LIST_JSON, LIST_NOPTS };
enum { SETUP_GLOBAL, SETUP_LOCAL, SETUP_HTTPS, SETUP_SSH, SETUP_DRY_RUN, SETUP_NOPTS };
enum { STATUS_JSON, STATUS_NOPTS };
enum { DOCTOR_JSON, DOCTOR_NOPTS };
enum { IMPORT_SCOPE, IMPORT_READ_ONLY, IMPORT_FORCE, IMPORT_CONVERT,
       IMPORT_PASS_STDIN, IMPORT_NOPTS };
enum { GEN_TYPE, GEN_BITS, GEN_SCOPE, GEN_READ_ONLY, GEN_FORCE, GEN_NOPTS };
enum { UNLOCK_PASSPHRASE_FD, UNLOCK_NOPTS };
enum { MIGRATE_TO, MIGRATE_NOPTS };

/* The most options and operands any verb has: room for cred_args_parse(). */
#define VERB_MAX_OPTS 8
#define VERB_MAX_OPERANDS 2

#endif
