/*
 * keyring.c - the keyring policy both programs share (keyring.h): which
 * store, the watchdog, the file store's passphrase and key cache, and one
 * line per keystore error.
 */
#include "keyring.h"
#include "msg.h"
#include "filestore.h"
#include "bitbucket/config.h"
#include "credential/cred-tty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct keyring_choice chosen;
static int announce;
/* keyring_open_lookup() left the Locked check to the lookup: 1, then 2 once made */
static int deferred;

static volatile sig_atomic_t watchdog_status = 255;

/* async-signal-safe: write(2) and _exit(2) only */
static void watchdog(int sig)
{
	static const char line[] =
		": the keyring did not answer in time; check that your D-Bus "
		"session and Secret Service (e.g. gnome-keyring-daemon) are running "
		"and not waiting for a prompt\n";
	const char *prog = msg_prog();

	(void)sig;
	if (write(2, prog, strlen(prog)) < 0 || write(2, line, sizeof(line) - 1) < 0)
		_exit(watchdog_status);
	_exit(watchdog_status);
}

/* ---- the settings ---- */

static int settings(int *mode, unsigned *timeout)
{
	struct config cfg;

	(void)config_load(&cfg);
	*mode = KEYRING_AUTO;
	if (strcmp(cfg.keystore, "secret-service") == 0)
		*mode = KEYRING_SECRET_SERVICE;
	else if (strcmp(cfg.keystore, "file") == 0)
		*mode = KEYRING_FILE;
	else if (cfg.keystore[0] != '\0') {
		config_free(&cfg);
		msg_error("bitbucket.keystore is not 'secret-service' or 'file'; "
			  "fix it with 'git config --global bitbucket.keystore file' "
			  "(or secret-service), or unset it to choose automatically");
		return -1;
	}
	if (cfg.cache_timeout < 0) {
		config_free(&cfg);
		msg_error("bitbucket.cacheTimeout is not a number of seconds from 0 "
			  "to 2592000; fix it with 'git config --global "
			  "bitbucket.cacheTimeout 900'");
		return -1;
	}
	*timeout = (unsigned)cfg.cache_timeout;
	config_free(&cfg);
	return 0;
}

int keyring_settings(int *mode, unsigned *cache_timeout)
{
	return settings(mode, cache_timeout) == 0 ? 0 : KS_ERR_FILE(FS_ERR_BAD_ARG);
}

const struct keyring_choice *keyring_chosen(void)
{
	return &chosen;
}

/* ---- the file store ---- */

int keyring_ask_passphrase(const char *prompt, struct sbuf *out)
{
	const char *p = getenv("GIT_TERMINAL_PROMPT");
	int fd, r;

	if (p != NULL && strcmp(p, "0") == 0)
		return -1;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	r = tty_read_hidden(fd, fd, prompt, out);
	close(fd);
	if (r == TTY_TOO_LONG) {
		msg_error("the passphrase is too long; use at most %zu bytes",
			  out->max ? out->max : SBUF_DEFAULT_MAX);
		return -2;
	}
	return r == TTY_OK ? 0 : -1;
}

void keyring_file_locked_error(const char *path)
{
	msg_error("the encrypted file store (%s) is locked and there is no "
		  "terminal to ask its passphrase on; run 'git credential-bitbucket "
		  "unlock' (in CI: 'unlock --passphrase-fd N') and try again", path);
}

int keyring_open_file(struct filestore **out, unsigned timeout)
{
	struct sbuf pass = { NULL, 0, 0, KEYRING_PASSPHRASE_MAX };
	char path[PATH_MAX], prompt[PATH_MAX + 64];
	struct filestore *fs = NULL;
	int r;

	*out = NULL;
	if ((r = fs_default_path(path, sizeof(path))) != FS_OK ||
	    (r = fs_open(path, &fs)) != FS_OK) {
		if (r == FS_ERR_NO_STORE)
			msg_error("there is no encrypted file store yet (%s); create "
				  "it with 'git credential-bitbucket unlock'", path);
		else
			keyring_error(KS_ERR_FILE(r));
		return KS_ERR_FILE(r);
	}
	if ((r = fs_cache_load(fs)) == FS_OK)
		goto done;
	if (r != FS_ERR_NOT_CACHED && r != FS_ERR_NO_KEYRING) {
		fs_close(fs);
		keyring_error(KS_ERR_FILE(r));
		return KS_ERR_FILE(r);
	}
	snprintf(prompt, sizeof(prompt), "Passphrase for the file store %s: ", path);
	if ((r = keyring_ask_passphrase(prompt, &pass)) != 0) {
		sbuf_free(&pass);
		if (r == -1)
			keyring_file_locked_error(path);
		fs_close(fs);
		return KS_ERR_FILE(FS_ERR_LOCKED);
	}
	r = fs_unlock(fs, &pass);
	sbuf_free(&pass);
	if (r != FS_OK) {
		fs_close(fs);
		keyring_error(KS_ERR_FILE(r));
		return KS_ERR_FILE(r);
	}
	(void)fs_cache_save(fs, timeout);	/* no cache: asked again next time */
done:
	*out = fs;
	return KS_OK;
}

/* ---- the choice ---- */

static void choose(int backend, const char *why, const char *path)
{
	chosen.backend = backend;
	chosen.fallback = 0;
	snprintf(chosen.why, sizeof(chosen.why), "%s", why);
	snprintf(chosen.path, sizeof(chosen.path), "%s", path ? path : "");
}

static int file_store_exists(void)
{
	char path[PATH_MAX];

	return fs_default_path(path, sizeof(path)) == FS_OK &&
	       access(path, F_OK) == 0;
}

/*
 * The Secret Service is where a desktop's secrets go, and a store forced
 * with bitbucket.keystore is the person's own choice: the line is for the
 * file store chosen because the Secret Service could not be used.
 */
static void announce_store(void)
{
	if (!announce || ks_stores_made() == 0 || !chosen.fallback)
		return;
	fprintf(stderr, "%s: stored in the encrypted file store %s (%s)\n",
		msg_prog(), chosen.path, chosen.why);
}

void keyring_describe_file_store(void)
{
	if (chosen.backend == KS_BACKEND_FILE && chosen.fallback)
		msg_out("store: the encrypted file store %s (%s)", chosen.path,
			chosen.why);
}

void keyring_announce_stores(void)
{
	if (!announce)
		atexit(announce_store);
	announce = 1;
}

static void no_service_error(void)
{
	msg_error("cannot reach the keyring: no Secret Service is running on "
		  "the session bus and there is no encrypted file store yet; "
		  "create one with 'git credential-bitbucket unlock', or start "
		  "gnome-keyring-daemon (or another Secret Service provider) "
		  "and try again");
}

static int open_store(struct keystore **ks, int exit_status, int lookup);

int keyring_open(struct keystore **ks, int exit_status)
{
	return open_store(ks, exit_status, 0);
}

int keyring_open_lookup(struct keystore **ks, int exit_status)
{
	return open_store(ks, exit_status, 1);
}

int keyring_lookup_miss(struct keystore *ks)
{
	int r;

	if (deferred != 1)
		return KS_OK;
	deferred = 2;
	if ((r = ks_probe(ks)) != KS_OK)
		keyring_error(r);
	return r;
}

static int open_store(struct keystore **ks, int exit_status, int lookup)
{
	struct filestore *fs = NULL;
	const char *why = NULL;
	unsigned timeout = 0;
	int r, mode;

	*ks = NULL;
	if (settings(&mode, &timeout) != 0)
		return KS_ERR_FILE(FS_ERR_BAD_ARG);
	if (mode != KEYRING_FILE) {
		watchdog_status = exit_status;
		signal(SIGALRM, watchdog);
		alarm(KEYRING_OPEN_SECONDS);
		r = ks_open(ks);
		if (r == KS_OK && mode == KEYRING_AUTO && lookup && !file_store_exists()) {
			/* the Secret Service or an error line: the search tells */
			deferred = 1;
			choose(KS_BACKEND_SECRET_SERVICE, "the Secret Service is running and unlocked", NULL);
			alarm(KEYRING_OVERALL_SECONDS);
			return KS_OK;
		}
		if (r == KS_OK && mode == KEYRING_SECRET_SERVICE) {
			choose(KS_BACKEND_SECRET_SERVICE, "bitbucket.keystore is secret-service", NULL);
			alarm(KEYRING_OVERALL_SECONDS);
			return KS_OK;
		}
		if (r == KS_OK && (r = ks_probe(*ks)) == KS_OK) {
			choose(KS_BACKEND_SECRET_SERVICE, "the Secret Service is running and unlocked", NULL);
			alarm(KEYRING_OVERALL_SECONDS);
			return KS_OK;
		}
		alarm(0);
		ks_close(*ks);
		*ks = NULL;
		/*
		 * A Secret Service that is there but locked (or has no
		 * default collection, or misbehaves) stays the answer unless
		 * the person made a file store: its own line says what to do.
		 */
		if (mode == KEYRING_SECRET_SERVICE ||
		    (r != KS_ERR_NO_BUS && r != KS_ERR_NO_SERVICE && !file_store_exists())) {
			keyring_error(r);
			return r;
		}
		if (!file_store_exists() && r == KS_ERR_NO_BUS) {
			msg_error("cannot reach the keyring: there is no D-Bus session bus "
				  "and no encrypted file store yet; create one with 'git "
				  "credential-bitbucket unlock' (servers, WSL, CI), or run this "
				  "inside your desktop session");
			return r;
		}
		if (!file_store_exists()) {
			no_service_error();
			return r;
		}
		why = r == KS_ERR_NO_BUS ? "there is no D-Bus session bus" :
		      r == KS_ERR_NO_SERVICE ? "no Secret Service is running" :
		      r == KS_ERR_LOCKED ? "the Secret Service is locked" :
					   "the Secret Service cannot be used";
	} else {
		why = "bitbucket.keystore is file";
	}
	/* no watchdog while a passphrase may be typed: nothing here can hang */
	if ((r = keyring_open_file(&fs, timeout)) != KS_OK)
		return r;
	if ((r = ks_open_file(fs, ks)) != KS_OK) {
		fs_close(fs);
		keyring_error(r);
		return r;
	}
	choose(KS_BACKEND_FILE, why, fs_path(fs));
	chosen.fallback = mode == KEYRING_AUTO;
	return KS_OK;
}

int keyring_open_secret_service(struct keystore **ks, int exit_status)
{
	int r;

	*ks = NULL;
	watchdog_status = exit_status;
	signal(SIGALRM, watchdog);
	alarm(KEYRING_OPEN_SECONDS);
	if ((r = ks_open(ks)) == KS_OK)
		alarm(KEYRING_OVERALL_SECONDS);
	if (r == KS_OK && (r = ks_probe(*ks)) == KS_OK)
		return KS_OK;
	alarm(0);
	ks_close(*ks);
	*ks = NULL;
	keyring_error(r);
	return r;
}

void keyring_done(void)
{
	alarm(0);
}

static void locked_error(void)
{
	const char *who = ks_provider();

	if (who == NULL)
		msg_error("the keyring is locked; unlock it and try again");
	else if (strcmp(who, "GNOME Keyring") == 0)
		msg_error("the keyring is locked; unlock GNOME Keyring (log in to "
			  "your desktop session, or unlock the 'login' keyring in "
			  "Seahorse) and try again");
	else if (strcmp(who, "KeePassXC") == 0)
		msg_error("the keyring is locked; unlock the database in KeePassXC "
			  "and try again");
	else
		msg_error("the keyring is locked; unlock it in %s and try again", who);
}

static void prompt_error(void)
{
	const char *who = ks_provider();

	if (who != NULL && strcmp(who, "KeePassXC") == 0)
		msg_error("KeePassXC asked for confirmation in a dialog and got no "
			  "answer; turn off 'Confirm when clients request entry "
			  "deletion' in KeePassXC's Secret Service Integration "
			  "settings and try again");
	else
		msg_error("the keyring (%s) asked for confirmation in a dialog and "
			  "got no answer; answer it, or turn that confirmation off in "
			  "its settings, and try again", who ? who : "Secret Service");
}

static void timeout_error(void)
{
	const char *who = ks_provider();

	if (who != NULL && strcmp(who, "KeePassXC") == 0)
		msg_error("KeePassXC did not answer in time, probably waiting for a "
			  "dialog; turn off 'Confirm when passwords are retrieved by "
			  "clients' and 'Prompt to unlock database before searching' in "
			  "its Secret Service Integration settings and try again");
	else
		msg_error("the Secret Service did not answer in time; check that it is "
			  "running and not waiting for a prompt");
}

/*
 * Why the core module could not load the file store's crypto module
 * (keystore/fsc-lazy.c, linked only there), or NULL: weak, so the
 * programs that link the crypto itself need not define it.
 */
extern const char *fsc_module_error(void) __attribute__((weak));

static void file_error(int fs_err)
{
	char path[PATH_MAX];

	if (fs_err == FS_ERR_INTERNAL && fsc_module_error != NULL &&
	    fsc_module_error() != NULL) {
		msg_error("%s", fsc_module_error());
		return;
	}

	if (fs_default_path(path, sizeof(path)) != FS_OK)
		snprintf(path, sizeof(path), "%s", "$XDG_DATA_HOME/" FS_DIR_NAME "/" FS_FILE_NAME);
	switch (fs_err) {
	case FS_ERR_NO_HOME:
		msg_error("cannot find the file store: neither XDG_DATA_HOME nor HOME "
			  "is set; set HOME and try again");
		break;
	case FS_ERR_AUTH:
		msg_error("cannot open the encrypted file store (%s): wrong passphrase, "
			  "or the file was altered; try again with the right passphrase, "
			  "or restore the file from a backup", path);
		break;
	case FS_ERR_NEWER:
		msg_error("the encrypted file store (%s) was written by a newer version "
			  "of git-credential-bitbucket; upgrade it (the file is left as it is)",
			  path);
		break;
	case FS_ERR_PERMS:
	case FS_ERR_DIR_PERMS:
	case FS_ERR_OWNER:
	case FS_ERR_NOT_REGULAR:
		msg_error("refusing the encrypted file store (%s): %s; make it a "
			  "regular file of yours with 'chmod 600' in a directory only "
			  "you can write", path, fs_strerror(fs_err));
		break;
	case FS_ERR_FORMAT:
	case FS_ERR_TRUNCATED:
	case FS_ERR_CORRUPT:
	case FS_ERR_KDF_PARAMS:
		msg_error("cannot read the encrypted file store (%s): %s; restore it "
			  "from a backup, or move it away and log in again", path,
			  fs_strerror(fs_err));
		break;
	case FS_ERR_LOCKED:
		keyring_file_locked_error(path);
		break;
	case FS_ERR_LOCK_TIMEOUT:
		msg_error("the encrypted file store (%s) stayed locked by another "
			  "process for %d s; try again", path, FS_LOCK_WAIT_MS / 1000);
		break;
	case FS_ERR_EMPTY_PASSPHRASE:
		msg_error("the passphrase is empty; give a passphrase");
		break;
	case FS_ERR_IO:
		msg_error("cannot read or write the encrypted file store (%s): %s",
			  path, strerror(errno));
		break;
	default:
		msg_error("file store error (%s): %s; try again, and report a bug if "
			  "it persists", path, fs_strerror(fs_err));
		break;
	}
}

void keyring_error(int err)
{
	if (KS_IS_FILE_ERR(err)) {
		file_error(KS_FILE_ERR(err));
		return;
	}
	switch (err) {
	case KS_ERR_NO_BUS:
		msg_error("cannot reach the keyring: there is no D-Bus session bus; "
			  "run this inside your desktop session, or start one with "
			  "'dbus-run-session -- $SHELL' and a Secret Service such as gnome-keyring");
		break;
	case KS_ERR_NO_SERVICE:
		if (deferred) {
			/* what keyring_open() would have said */
			no_service_error();
			break;
		}
		msg_error("cannot reach the keyring: no Secret Service is running on the "
			  "session bus; start gnome-keyring-daemon (or another Secret Service "
			  "provider) and try again");
		break;
	case KS_ERR_LOCKED:
		locked_error();
		break;
	case KS_ERR_PROMPT:
		prompt_error();
		break;
	case KS_ERR_NO_COLLECTION:
		msg_error("the keyring has no default collection to store into; create "
			  "one (e.g. in Seahorse) or start gnome-keyring-daemon with --unlock");
		break;
	case KS_ERR_DIED:
		msg_error("the Secret Service stopped answering in the middle of a call; "
			  "restart it and try again");
		break;
	case KS_ERR_TIMEOUT:
		timeout_error();
		break;
	default:
		msg_error("keyring error: %s; try again, and report a bug if it persists",
			  ks_strerror(err));
		break;
	}
}
