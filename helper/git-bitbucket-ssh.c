/*
 * git-bitbucket-ssh - git's ssh program for Bitbucket, with keys from the
 * Secret Service keyring instead of files.
 *
 *   git config --global core.sshCommand git-bitbucket-ssh
 *
 * main parses and decides; the modules do the work and return codes; every
 * line a person reads is printed here.  Exit status: the remote command's,
 * or 255 for anything that went wrong locally (like ssh).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "keystore.h"
#include "msg.h"
#include "pem.h"
#include "ssh-args.h"
#include "ssh-conn.h"
#include "ssh-hostkeys.h"
#include "ssh-key.h"
#include "target.h"

#define EXIT_LOCAL 255

/* Set in the environment before running the real ssh, so a loop is caught. */
#define PASSTHROUGH_ENV "GIT_BITBUCKET_SSH_PASSTHROUGH"

#define GLOBAL_KNOWN_HOSTS "/etc/ssh/ssh_known_hosts"

static const char usage_options[] =
	"git-bitbucket-ssh takes [-G] [-4|-6] [-p PORT] [-i KEYNAME] "
	"[-o SendEnv=GIT_PROTOCOL|UserKnownHostsFile=FILE|"
	"StrictHostKeyChecking=yes|accept-new|ConnectTimeout=SECONDS] [git@]HOST COMMAND";

/* --- the command line ---------------------------------------------------- */

static void args_error(int r, const struct ssh_args *a)
{
	switch (r) {
	case SSHARGS_ERR_OPTION:
		msg_error("option '%s' is not supported; %s", a->bad, usage_options);
		break;
	case SSHARGS_ERR_O_OPTION:
		msg_error("-o %s is not supported; %s", a->bad[0] ? a->bad : "''", usage_options);
		break;
	case SSHARGS_ERR_O_VALUE:
		if (strcasecmp(a->bad, "StrictHostKeyChecking") == 0)
			msg_error("-o StrictHostKeyChecking takes yes or accept-new: host keys "
				  "are always checked");
		else if (strcasecmp(a->bad, "SendEnv") == 0)
			msg_error("-o SendEnv passes GIT_PROTOCOL only");
		else if (strcasecmp(a->bad, "ConnectTimeout") == 0)
			msg_error("-o ConnectTimeout takes a number of seconds from 0 to 3600");
		else
			msg_error("-o %s needs a file name", a->bad);
		break;
	case SSHARGS_ERR_NEEDS_ARG:
		msg_error("option '%s' needs a value", a->bad);
		break;
	case SSHARGS_ERR_KEYNAME:
		msg_error("-i takes the name of a key in the keyring (see "
			  "git-credential-bitbucket key list)");
		break;
	case SSHARGS_ERR_HOST:
		msg_error("refusing the host name: it must not start with '-' and may hold "
			  "only letters, digits, '.', '-', '_' and ':'");
		break;
	default:
		msg_error("%s; %s", ssh_args_strerror(r), usage_options);
		break;
	}
}

/* --- other hosts: OpenSSH's ssh, never ourselves ------------------------- */

/* Same file as the running program? */
static int is_self(const char *path)
{
	struct stat self, st;

	if (stat("/proc/self/exe", &self) != 0 || stat(path, &st) != 0)
		return 0;
	return self.st_dev == st.st_dev && self.st_ino == st.st_ino;
}

/* The first executable "ssh" in PATH that is not this program. */
static int find_ssh(char *out, size_t len)
{
	const char *path = getenv("PATH");
	const char *p;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; ) {
		const char *end = strchr(p, ':');
		size_t dl = end ? (size_t)(end - p) : strlen(p);
		int w;

		if (dl == 0)
			w = snprintf(out, len, "./ssh");
		else
			w = snprintf(out, len, "%.*s/ssh", (int)dl, p);
		if (w > 0 && (size_t)w < len && access(out, X_OK) == 0 && !is_self(out)) {
			struct stat st;

			if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return -1;
}

/*
 * Hand the connection to OpenSSH with git's arguments.  Only our own -i
 * (a keyring name, which ssh would take for a file) is left out.
 */
static int run_ssh(int argc, char **argv, const struct ssh_args *a)
{
	char ssh[PATH_MAX];
	char **nargv = NULL, *cluster = NULL;
	int n = 0;

	if (getenv(PASSTHROUGH_ENV) != NULL) {
		msg_error("refusing to run ssh: it would start git-bitbucket-ssh again "
			  "(is git-bitbucket-ssh installed as ssh?)");
		return EXIT_LOCAL;
	}
	if (find_ssh(ssh, sizeof(ssh)) != 0) {
		msg_error("'%s' is not a Bitbucket host and OpenSSH's ssh was not found in "
			  "PATH; install openssh-client, or declare a Data Center host with "
			  "git config --global --add bitbucket.dataCenterHost HOST", a->host);
		return EXIT_LOCAL;
	}
	if ((nargv = calloc((size_t)argc + 1, sizeof(*nargv))) == NULL)
		goto nomem;
	nargv[n++] = (char *)"ssh";
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		size_t j;

		if (a->host_index > 0 && i >= a->host_index) {
			nargv[n++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0 || arg[0] != '-') {
			nargv[n++] = argv[i];
			continue;
		}
		/* an option word: flags, then at most one option with a value */
		for (j = 1; arg[j] && arg[j] != 'p' && arg[j] != 'i' && arg[j] != 'o'; j++)
			;
		if (arg[j] != 'i') {
			nargv[n++] = argv[i];
			if (arg[j] != '\0' && arg[j + 1] == '\0' && i + 1 < argc)
				nargv[n++] = argv[++i];	/* -p/-o VALUE */
			continue;
		}
		/* -i: keep the flags before it, drop it and its value */
		if (j > 1) {
			free(cluster);
			if ((cluster = strndup(arg, j)) == NULL)
				goto nomem;
			nargv[n++] = cluster;
		}
		if (arg[j + 1] == '\0')
			i++;
	}
	nargv[n] = NULL;
	if (setenv(PASSTHROUGH_ENV, "1", 1) != 0)
		goto nomem;
	execv(ssh, nargv);
	msg_error("cannot run %s: %s", ssh, strerror(errno));
	free(nargv);
	free(cluster);
	return EXIT_LOCAL;
nomem:
	msg_error("out of memory");
	free(nargv);
	free(cluster);
	return EXIT_LOCAL;
}

/* --- host keys ---------------------------------------------------------- */

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/";
}

/* The user's known_hosts file: -o UserKnownHostsFile (with ~/ expanded) or ~/.ssh/known_hosts. */
static int user_known_hosts(const struct ssh_args *a, char *out, size_t len)
{
	const char *f = a->has_known_hosts_file ? a->known_hosts_file : "~/.ssh/known_hosts";
	int w;

	if (*f == '\0') {
		out[0] = '\0';
		return 0;
	}
	if (f[0] == '~' && f[1] == '/')
		w = snprintf(out, len, "%s%s", home_dir(), f + 1);
	else
		w = snprintf(out, len, "%s", f);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

static const char *source_name(const struct kh_store *st, int i)
{
	return i > 0 && i < st->n && st->path[i] ? st->path[i] : "the built-in bitbucket.org keys";
}

/* "ssh-keyscan -p 7999 host" or "ssh-keyscan host" */
static void keyscan_cmd(const char *host, unsigned port, char *buf, size_t len)
{
	if (port != 0 && port != 22)
		snprintf(buf, len, "ssh-keyscan -p %u %s", port, host);
	else
		snprintf(buf, len, "ssh-keyscan %s", host);
}

static void changed_key_block(const char *name, enum ssh_keytype type, const char *fp,
			      const struct kh_store *st, const struct kh_verdict *v)
{
	msg_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	msg_error("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
	msg_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	msg_error("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
	msg_error("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
	msg_error("It is also possible that the host key has just been changed.");
	msg_error("The %s host key sent by %s has fingerprint %s.", ssh_keytype_label(type),
		  name, fp);
	msg_error("A different %s key for %s is in %s, line %zu.", ssh_keytype_label(type),
		  name, source_name(st, v->source), v->line);
	if (v->source == 0)
		msg_error("That key is the one Atlassian publishes for bitbucket.org: do not "
			  "connect; check https://bitbucket.org/site/ssh and your network.");
	else
		msg_error("Ask the Bitbucket administrator for the new fingerprint; if it "
			  "matches, remove the old key with: ssh-keygen -R '%s'%s%s", name,
			  v->source > 0 ? " -f " : "", v->source > 0 ? source_name(st, v->source) : "");
	msg_error("Host key verification failed: not connecting.");
}

/* 0: trusted (perhaps just added); EXIT_LOCAL after printing why not. */
static int check_host_key(struct ssh_conn *c, const struct ssh_args *a, unsigned port,
			  const struct kh_store *st, const char *user_file)
{
	const struct kh_hasher *hp;
	struct kh_hasher hasher;
	struct kh_verdict v;
	enum ssh_keytype type;
	const unsigned char *blob;
	size_t len;
	char fp[64], name[300], scan[400];
	int r;

	sshc_hasher(c, &hasher);
	hp = &hasher;
	if ((r = sshc_hostkey(c, &type, &blob, &len, fp, sizeof(fp))) != SSHC_OK) {
		msg_error("%s: %s", sshc_strerror(r), sshc_detail(c));
		return EXIT_LOCAL;
	}
	if (kh_host_name(a->host, port, name, sizeof(name)) != KH_OK) {
		msg_error("host name too long");
		return EXIT_LOCAL;
	}
	if (type == SSH_KT_UNKNOWN) {
		msg_error("the host key of %s is of a type this program does not know; "
			  "not connecting", name);
		return EXIT_LOCAL;
	}
	kh_verify(st, a->host, port, type, blob, len, hp, &v);
	keyscan_cmd(a->host, port, scan, sizeof(scan));
	switch (v.status) {
	case KH_V_OK:
		return 0;
	case KH_V_CHANGED:
		changed_key_block(name, type, fp, st, &v);
		return EXIT_LOCAL;
	case KH_V_REVOKED:
		msg_error("the %s host key of %s (%s) is marked @revoked in %s, line %zu; "
			  "not connecting", ssh_keytype_label(type), name, fp,
			  source_name(st, v.source), v.line);
		return EXIT_LOCAL;
	case KH_V_OTHER_TYPE:
		msg_error("%s sent a %s host key (%s) but only keys of other types are known "
			  "for it; not connecting: ask the Bitbucket administrator for the %s "
			  "fingerprint, and if it matches add the key with: %s -t %s >> %s",
			  name, ssh_keytype_label(type), fp, ssh_keytype_label(type), scan,
			  ssh_keytype_name(type), user_file[0] ? user_file : "~/.ssh/known_hosts");
		return EXIT_LOCAL;
	case KH_V_UNKNOWN:
		break;
	}
	if (a->strict == SSH_STRICT_ACCEPT_NEW && user_file[0] != '\0') {
		if ((r = kh_append(user_file, a->host, port, type, blob, len)) != KH_OK) {
			msg_error("cannot add the host key of %s to %s: %s", name, user_file,
				  strerror(errno));
			return EXIT_LOCAL;
		}
		msg_warn("permanently added %s (%s %s) to %s", name,
			 ssh_keytype_label(type), fp, user_file);
		return 0;
	}
	msg_error("the host key of %s is not known (%s %s); not connecting: compare the "
		  "fingerprint with the one your Bitbucket administrator publishes, then "
		  "trust it with: %s >> %s (or connect once with "
		  "-o StrictHostKeyChecking=accept-new)",
		  name, ssh_keytype_label(type), fp, scan,
		  user_file[0] ? user_file : "~/.ssh/known_hosts");
	return EXIT_LOCAL;
}

/* --- keys ---------------------------------------------------------------- */

static int keyring_error(const char *what, int ks_err)
{
	if (ks_err == KS_ERR_LOCKED)
		msg_error("%s: the keyring is locked; unlock it (log in to the desktop "
			  "session, or unlock the login keyring) and retry", what);
	else
		msg_error("%s: %s", what, ks_strerror(ks_err));
	return EXIT_LOCAL;
}

/* The URL to suggest for `key import --scope`. */
static void scope_url(const struct target *t, char *buf, size_t len)
{
	char port[16] = "";

	if (t->port != 0 && t->port != 22)
		snprintf(port, sizeof(port), ":%u", t->port);
	snprintf(buf, len, "ssh://git@%s%s/%s%s", t->host, port,
		 t->level == LEVEL_REPO ? t->scope : t->account,
		 t->level == LEVEL_REPO ? ".git" : "");
}

static int no_key_error(const struct target *t, const char *name,
			const struct ssh_key_pick *pick)
{
	char url[1100], tried[1100];

	if (name != NULL && name[0] != '\0') {
		msg_error("no SSH key named '%s' in the keyring%s; see git-credential-bitbucket "
			  "key list, or import it with: git-credential-bitbucket key import %s FILE",
			  name, pick->locked ? " (a matching item is locked: unlock the keyring)" : "",
			  name);
		return EXIT_LOCAL;
	}
	if (t->level == LEVEL_REPO)
		snprintf(tried, sizeof(tried), "'%s', '%s' and the whole host", t->scope, t->account);
	else if (t->level == LEVEL_ACCOUNT)
		snprintf(tried, sizeof(tried), "'%s' and the whole host", t->account);
	else
		snprintf(tried, sizeof(tried), "the whole host");
	scope_url(t, url, sizeof(url));
	msg_error("no SSH key for %s in the keyring (tried scopes %s)%s; import one with: "
		  "git-credential-bitbucket key import --scope %s NAME FILE "
		  "(or create one with: git-credential-bitbucket key generate --scope %s NAME)",
		  t->host, tried,
		  pick->locked ? "; some matching items are locked: unlock the keyring" : "",
		  url, url);
	return EXIT_LOCAL;
}

/* A value for GIT_PROTOCOL we pass on: "version=2" and the like, nothing odd. */
static const char *git_protocol_value(const struct ssh_args *a)
{
	const char *v = getenv("GIT_PROTOCOL");

	if (!a->send_git_protocol || v == NULL || *v == '\0' || strlen(v) > 128)
		return NULL;
	for (const char *p = v; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("=:._-", *p))
			return NULL;
	return v;
}

/* --- one connection ------------------------------------------------------ */

struct run {
	struct ssh_args args;
	struct config cfg;
	struct target t;
	struct ssh_remote_cmd cmd;
	const char *key_name;
	struct keystore *ks;
	struct ks_item key;
	struct sbuf pem;
	struct pem_info info;
	struct kh_store hosts;
	struct ssh_conn *conn;
	int key_result;			/* pick_key()'s, when run in a thread */
	char user_file[PATH_MAX];
	char command[2200];
};

/*
 * The keyring must answer within KEYRING_SECONDS: a session bus or Secret
 * Service that hangs would otherwise hang git.  async-signal-safe.
 */
#define KEYRING_SECONDS 15

static void keyring_watchdog(int sig)
{
	static const char line[] =
		"git-bitbucket-ssh: the keyring did not answer within 15 seconds; check "
		"that your D-Bus session and Secret Service (e.g. gnome-keyring-daemon) "
		"are running and not waiting for a prompt\n";

	(void)sig;
	if (write(2, line, sizeof(line) - 1) < 0)
		_exit(EXIT_LOCAL);
	_exit(EXIT_LOCAL);
}

static int pick_key_watched(struct run *run);

static int pick_key(struct run *run)
{
	int r;

	signal(SIGALRM, keyring_watchdog);
	alarm(KEYRING_SECONDS);
	r = pick_key_watched(run);
	alarm(0);
	return r;
}

static int pick_key_watched(struct run *run)
{
	struct ssh_key_pick pick;
	int r, want_write = run->cmd.verb == SSH_VERB_RECEIVE_PACK;

	if ((r = ks_open(&run->ks)) != KS_OK)
		return keyring_error("cannot open the keyring", r);
	r = ssh_key_pick(run->ks, &run->t, run->key_name, want_write, &pick);
	if (r == SSHKEY_ERR_KEYRING)
		return keyring_error("cannot search the keyring", pick.ks_err);
	if (r != SSHKEY_OK)
		return no_key_error(&run->t, run->key_name, &pick);
	run->key = pick.item;
	if (want_write && run->key.read_only) {
		msg_error("key '%s' is read-only, so pushing with it cannot work (Bitbucket "
			  "Cloud access keys always are); push with a key that has write access "
			  "(add one to your Bitbucket account, import it with "
			  "git-credential-bitbucket key import --scope URL NAME FILE, and select it "
			  "with -i NAME or git config bitbucket.sshKey NAME), or push over HTTPS",
			  run->key.name);
		return EXIT_LOCAL;
	}
	if ((r = ks_get_secret(run->ks, &run->key, &run->pem)) != KS_OK)
		return keyring_error("cannot read the key from the keyring", r);
	if ((r = pem_check(&run->pem, &run->info)) != PEM_OK) {
		msg_error("key '%s' in the keyring cannot be used: %s; import it again with "
			  "git-credential-bitbucket key import --force %s FILE", run->key.name,
			  pem_strerror(r), run->key.name);
		return EXIT_LOCAL;
	}
	return 0;
}

static void *pick_key_thread(void *arg)
{
	struct run *run = arg;

	run->key_result = pick_key(run);
	return NULL;
}

/*
 * Keys older than bitbucket.keyMaxAge: one warning line a day, once the key
 * has authenticated (a refused key gets its refusal, not this).  The new
 * `warned` time is stored by last_used_thread() in the same update as
 * last_used.
 */
static void age_warning(struct run *run, long long now)
{
	long long days;
	char url[1200];

	if (!ssh_key_age_warning_due(&run->key, now, run->cfg.key_max_age_days, &days))
		return;
	if (ssh_key_scope_url(&run->key, url, sizeof(url)) != 0)
		snprintf(url, sizeof(url), "URL");
	msg_warn("key '%s' is %lld day%s old (bitbucket.keyMaxAge is %ld); rotate it: "
		 "git-credential-bitbucket key generate --scope %s NEWNAME, add its public "
		 "key to Bitbucket, then delete '%s' there and with "
		 "git-credential-bitbucket key remove %s", run->key.name, days,
		 days == 1 ? "" : "s", run->cfg.key_max_age_days, url, run->key.name,
		 run->key.name);
	run->key.warned = now;
}

/* Bookkeeping after authentication, in parallel with the transfer. */
static void *last_used_thread(void *arg)
{
	struct run *run = arg;

	/* last_used, and warned when age_warning() just set it: one D-Bus call */
	run->key.last_used = (long long)time(NULL);
	(void)ks_update(run->ks, &run->key, NULL);	/* never fail a fetch for it */
	ks_close(run->ks);
	run->ks = NULL;
	return NULL;
}

static int auth_error(struct run *run, int r)
{
	if (r == SSHC_ERR_AUTH && run->info.type == PEM_TYPE_RSA && !sshc_rsa_sha2_supported()) {
		msg_error("the server refused the RSA key '%s' (%s): libssh2 %s signs RSA keys "
			  "with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later servers refuse by "
			  "default; use an Ed25519 or ECDSA key (git-credential-bitbucket key "
			  "generate --type ed25519 NAME, then add its public key to Bitbucket), "
			  "or build with libssh2 1.11 or later", run->key.name,
			  run->info.fingerprint, sshc_libssh2_version());
	} else if (r == SSHC_ERR_AUTH) {
		msg_error("the server refused the key '%s' (%s %s): add its public key "
			  "(git-credential-bitbucket key public %s) to your Bitbucket account or "
			  "to the repository's access keys, or choose another key with -i NAME",
			  run->key.name, run->info.type_name, run->info.fingerprint,
			  run->key.name);
	} else {
		msg_error("cannot authenticate with key '%s': %s: %s", run->key.name,
			  sshc_strerror(r), sshc_detail(run->conn));
	}
	return EXIT_LOCAL;
}

/*
 * For a fetch, the keyring lookup (a few D-Bus round trips) runs while the
 * TCP connection and key exchange proceed; a push looks its key up first,
 * so a read-only key is refused before anything is sent.  The keyring
 * thread prints its own refusals; this thread prints nothing until it has
 * joined it.
 */
static int connect_and_run(struct run *run)
{
	const char *files[2];
	struct kh_hasher hasher;
	struct sshc_opts o;
	pthread_t keyring, update;
	unsigned port = run->args.port ? run->args.port : 22;
	int r, status, parallel = run->cmd.verb != SSH_VERB_RECEIVE_PACK, updating = 0;

	if (!parallel && (r = pick_key(run)) != 0)
		return r;
	if (user_known_hosts(&run->args, run->user_file, sizeof(run->user_file)) != 0) {
		msg_error("-o UserKnownHostsFile: file name too long");
		return EXIT_LOCAL;
	}
	files[0] = run->user_file;
	files[1] = GLOBAL_KNOWN_HOSTS;
	if ((r = kh_store_load(&run->hosts, files, 2)) != KH_OK) {
		msg_error("cannot read %s: %s", run->hosts.path[run->hosts.n - 1],
			  r == KH_ERR_READ ? strerror(errno) : kh_strerror(r));
		return EXIT_LOCAL;
	}
	if ((r = sshc_new(&run->conn)) != SSHC_OK) {
		msg_error("%s", sshc_strerror(r));
		return EXIT_LOCAL;
	}
	sshc_hasher(run->conn, &hasher);
	memset(&o, 0, sizeof(o));
	o.host = run->args.host;
	o.port = port;
	o.family = run->args.family;
	o.timeout_ms = (run->args.connect_timeout > 0 ? run->args.connect_timeout : 30) * 1000;
	o.hostkey_types = kh_known_types(&run->hosts, run->args.host, port, &hasher);

	if (parallel && pthread_create(&keyring, NULL, pick_key_thread, run) != 0) {
		parallel = 0;
		if ((r = pick_key(run)) != 0)
			return r;
	}
	r = sshc_connect(run->conn, &o);
	if (parallel) {
		pthread_join(keyring, NULL);
		if (run->key_result != 0)
			return run->key_result;
	}
	if (r != SSHC_OK) {
		msg_error("cannot connect to %s port %u: %s: %s", run->args.host, port,
			  sshc_strerror(r), sshc_detail(run->conn));
		return EXIT_LOCAL;
	}
	if ((r = check_host_key(run->conn, &run->args, port, &run->hosts, run->user_file)) != 0)
		return r;

	r = sshc_auth_key(run->conn, "git", run->pem.buf, run->pem.len);
	sbuf_free(&run->pem);	/* the private key is not needed any more */
	if (r != SSHC_OK)
		return auth_error(run, r);
	age_warning(run, (long long)time(NULL));
	if (pthread_create(&update, NULL, last_used_thread, run) == 0)
		updating = 1;
	else
		(void)last_used_thread(run);

	if ((r = sshc_exec(run->conn, run->command, git_protocol_value(&run->args))) != SSHC_OK) {
		msg_error("cannot run %s on %s: %s: %s", ssh_verb_name(run->cmd.verb),
			  run->args.host, sshc_strerror(r), sshc_detail(run->conn));
		r = EXIT_LOCAL;
		goto out;
	}
	r = sshc_pump(run->conn, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, &status);
	if (r == SSHC_ERR_SIGNAL) {
		msg_error("%s on %s was killed by %s", ssh_verb_name(run->cmd.verb),
			  run->args.host, sshc_detail(run->conn));
		r = EXIT_LOCAL;
	} else if (r != SSHC_OK) {
		msg_error("%s (%s): %s", sshc_strerror(r), run->args.host, sshc_detail(run->conn));
		r = EXIT_LOCAL;
	} else {
		r = status;
	}
out:
	if (updating) {
		/*
		 * The transfer is over; the last-used note is a courtesy.  A
		 * keyring that hangs must not turn a finished push into a hang.
		 */
		struct timespec deadline;

		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 5;
		if (pthread_timedjoin_np(update, NULL, &deadline) != 0) {
			/* still inside the keyring: leave without touching its state */
			fflush(NULL);
			_exit(r);
		}
	}
	return r;
}

static int run_bitbucket(struct run *run)
{
	char hostport[300];
	int r;

	if (run->args.has_user && strcmp(run->args.user, "git") != 0) {
		/* never echo what follows a ':' there: it can be a password */
		msg_error("refusing user '%.*s': Bitbucket's SSH user is always 'git' "
			  "(use git@%s in the URL)", (int)strcspn(run->args.user, ":"),
			  run->args.user, run->args.host);
		return EXIT_LOCAL;
	}
	if (run->args.command_index == 0) {
		msg_error("no command given: git-bitbucket-ssh only runs git-upload-pack, "
			  "git-receive-pack and git-upload-archive for git (no interactive shell)");
		return EXIT_LOCAL;
	}
	if ((r = ssh_cmd_parse(run->args.command, &run->cmd)) != SSHCMD_OK) {
		msg_error("refusing the remote command: %s; only git-upload-pack, "
			  "git-receive-pack and git-upload-archive with one quoted repository "
			  "path are run", ssh_cmd_strerror(r));
		return EXIT_LOCAL;
	}
	if (ssh_cmd_format(&run->cmd, run->command, sizeof(run->command)) != SSHCMD_OK) {
		msg_error("refusing the remote command: %s", ssh_cmd_strerror(SSHCMD_ERR_TOO_LONG));
		return EXIT_LOCAL;
	}
	if (run->args.port)
		r = snprintf(hostport, sizeof(hostport), strchr(run->args.host, ':') ?
			     "[%s]:%u" : "%s:%u", run->args.host, run->args.port);
	else
		r = snprintf(hostport, sizeof(hostport), strchr(run->args.host, ':') ?
			     "[%s]" : "%s", run->args.host);
	if (r < 0 || (size_t)r >= sizeof(hostport) ||
	    (r = target_from_parts("ssh", hostport, run->cmd.path, &run->cfg.dc, &run->t)) != TARGET_OK) {
		msg_error("cannot read the repository path: %s",
			  target_strerror(r < 0 ? r : TARGET_ERR_TOO_LONG));
		return EXIT_LOCAL;
	}
	run->key_name = run->args.key_name[0] ? run->args.key_name :
			run->cfg.ssh_key[0] ? run->cfg.ssh_key : NULL;
	return connect_and_run(run);
}

int main(int argc, char **argv)
{
	struct run *run;
	enum product product;
	int r;

	/* git's probe: answer at once, no network, no keyring */
	if (ssh_args_is_probe(argc, argv))
		return 0;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	msg_set_prog("git-bitbucket-ssh");
	signal(SIGPIPE, SIG_IGN);

	if ((run = calloc(1, sizeof(*run))) == NULL) {
		msg_error("out of memory");
		return EXIT_LOCAL;
	}
	if ((r = ssh_args_parse(argc, argv, &run->args)) != SSHARGS_OK) {
		args_error(r, &run->args);
		r = EXIT_LOCAL;
		goto out;
	}
	if (strcasecmp(run->args.host, CLOUD_HOST) == 0 || config_may_mention_bitbucket())
		(void)config_load(&run->cfg);	/* without git config: no Data Center hosts */
	product = target_product(run->args.host, run->args.port, &run->cfg.dc);
	if (product == PRODUCT_NONE) {
		config_free(&run->cfg);
		r = run_ssh(argc, argv, &run->args);
		goto out;
	}
	r = run_bitbucket(run);
out:
	sshc_free(run->conn);
	kh_store_free(&run->hosts);
	sbuf_free(&run->pem);
	if (run->ks != NULL)
		ks_close(run->ks);
	config_free(&run->cfg);
	wipe(run, sizeof(*run));
	free(run);
	return r;
}
