/*
 * cred-doctor.h - what setup, status and doctor share: running a program
 * with a time limit, the programs next to this one, how git is wired for
 * a URL, the name of the active keystore, and the live check.
 *
 * Everything here asks git (`git config`, `git ls-remote`) rather than
 * reading git's files, so the answer is the one git acts on.  Nothing here
 * reads or prints a secret; the live check runs git with prompts off, so
 * nobody is ever asked for anything.
 */
#ifndef GCB_CRED_DOCTOR_H
#define GCB_CRED_DOCTOR_H

#include <stddef.h>

#include "bitbucket/target.h"

#define CRED_RUN_TIMEOUT (-2)	/* cred_run(): killed after its time limit */
#define CRED_LIVE_SECONDS 20	/* the live check's limit */

/*
 * Run argv (argv[0] looked up in PATH) with stdin on /dev/null, stdout and
 * stderr together into out[cap] (NUL-terminated; the rest is read and
 * dropped), prompts off (GIT_TERMINAL_PROMPT=0, no askpass).  At most
 * seconds (0: no limit), then its process group is killed.  Returns the
 * exit status, -1 when it could not run, CRED_RUN_TIMEOUT.
 */
int cred_run(char *const argv[], int seconds, char *out, size_t cap);

/* The directory this program runs from (the gate's), or "". */
const char *cred_self_dir(char *buf, size_t len);

/*
 * How git names a program of ours in its config: the bare name when PATH
 * finds the same file as the one next to this program (or none is next to
 * it), else the full path of the one next to it.  name is
 * "git-credential-bitbucket" or "git-bitbucket-ssh".
 */
const char *cred_program_ref(const char *name, char *buf, size_t len);

/* "https://host[:port]": the key of credential.<url>.* for t. */
const char *cred_http_base(const struct target *t, char *buf, size_t len);

/*
 * The credential helper git asks first for url (git config
 * --get-urlmatch), into buf ("" when none): 1 when it is this helper.
 */
int cred_wired_https(const char *url, char *buf, size_t len);
/* credential.useHttpPath for url as git reads it: 1 when true. */
int cred_use_http_path(const char *url);
/*
 * The SSH command git runs (GIT_SSH_COMMAND, else core.sshCommand in the
 * current directory's repository or globally), into buf ("" when none):
 * 1 when it is git-bitbucket-ssh.
 */
int cred_wired_ssh(char *buf, size_t len);

/*
 * ks_open() without keyring_open()'s error line (the caller says it its
 * own way), under a watchdog: a keyring that does not answer in
 * KEYRING_OPEN_SECONDS ends the process with a ✘ line on stdout and
 * EXIT_KEYRING; after a successful open the watchdog allows
 * KEYRING_OVERALL_SECONDS until keyring_done().  A KS_* code.
 */
struct keystore;
int cred_ks_open_quiet(struct keystore **ks);

/*
 * The active keystore as people name it: "Secret Service (GNOME Keyring)".
 * The one place that names it (cred-status.c): a new store adds its name
 * here.
 */
const char *cred_store_name(char *buf, size_t len);

/*
 * The live check: `git ls-remote` on url, through whatever git is
 * configured with, prompts off, at most CRED_LIVE_SECONDS.  1 when it
 * worked; the line for the person (without the mark) goes to buf: what
 * answered, or the server's answer translated into its cause and fix.
 */
int cred_live_check(const char *url, char *buf, size_t len);

/*
 * login --check: the live check on url when it names a repository, else
 * on the origin remote here when t (the stored scope) covers it.  Prints
 * its line; 0, or EXIT_REFUSED when the check failed or had no repository.
 */
int cred_login_check(const struct target *t, const char *url);

/*
 * The URL of a remote of the repository in the current directory (git
 * remote get-url): 0, or EXIT_USAGE with the line printed (not in a
 * repository, no such remote).  verb names the command for the line.
 */
int cred_remote_url(const char *remote, const char *verb, char *buf, size_t len);

/* A remote's name (no ':' and no '/') rather than a URL. */
int cred_is_remote_name(const char *s);

#endif
