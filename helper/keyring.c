/*
 * keyring.c - the keyring policy both programs share (keyring.h): the
 * watchdog, and one line per keystore error.
 */
#include "keyring.h"
#include "msg.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

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

int keyring_open(struct keystore **ks, int exit_status)
{
	int r;

	watchdog_status = exit_status;
	signal(SIGALRM, watchdog);
	alarm(KEYRING_OPEN_SECONDS);
	if ((r = ks_open(ks)) != KS_OK) {
		alarm(0);
		keyring_error(r);
		return r;
	}
	alarm(KEYRING_OVERALL_SECONDS);
	return KS_OK;
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

void keyring_error(int err)
{
	switch (err) {
	case KS_ERR_NO_BUS:
		msg_error("cannot reach the keyring: there is no D-Bus session bus; "
			  "run this inside your desktop session, or start one with "
			  "'dbus-run-session -- $SHELL' and a Secret Service such as gnome-keyring");
		break;
	case KS_ERR_NO_SERVICE:
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
