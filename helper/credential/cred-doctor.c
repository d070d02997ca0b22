/*
 * cred-doctor.c - `doctor`: one line per check, ✔ or ✘, each ✘ with its
 * fix; and what setup and status share with it (cred-doctor.h).
 *
 * The checks, in the order a person would fix them: the programs, the
 * keyring, git's configuration for the URL, the URL's shape, the tokens
 * or keys for its scope, the host key, and last the live check (`git
 * ls-remote` through the product).  Exit 0 only when every check passes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bitbucket/rules.h"
#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-doctor.h"
#include "credential/cred-list.h"
#include "filestore.h"
#include "keyring.h"
#include "msg.h"

/* ---- running programs ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

extern char **environ;

/* Is e the variable name= ? */
static int env_is(const char *e, const char *name)
{
	size_t n = strlen(name);

	return strncmp(e, name, n) == 0 && e[n] == '=';
}

/* One more variable for the children of one call (login --check), or NULL. */
static char *extra_env;

/*
 * The child's environment, built before fork(): this process may have
 * threads (the keystore's), so the child calls nothing that allocates before exec.
 * Nobody is asked for anything; messages in English, to be read.
 */
static char **child_env(void)
{
	static char prompt[] = "GIT_TERMINAL_PROMPT=0", lc[] = "LC_ALL=C";
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 4, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!env_is(environ[i], "GIT_ASKPASS") && !env_is(environ[i], "SSH_ASKPASS") &&
		    !env_is(environ[i], "GIT_TERMINAL_PROMPT") && !env_is(environ[i], "LC_ALL"))
			env[k++] = environ[i];
	env[k++] = prompt;
	env[k++] = lc;
	if (extra_env != NULL)
		env[k++] = extra_env;
	env[k] = NULL;
	return env;
}

int cred_run(char *const argv[], int seconds, char *out, size_t cap)
{
	int pfd[2], status = 0, timed_out = 0;
	long long deadline = now_ms() + (long long)seconds * 1000;
	size_t n = 0;
	pid_t pid;
	char **env;

	out[0] = '\0';
	if ((env = child_env()) == NULL)
		return -1;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		free(env);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(env);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		(void)setpgid(0, 0);	/* a timeout kills what it started too */
		signal(SIGALRM, SIG_DFL);
		alarm(0);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(127);
		execvpe(argv[0], argv, env);
		_exit(127);
	}
	free(env);
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char sink[4096];
		ssize_t r;

		if (seconds > 0 && left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			timed_out = 1;
			break;
		}
		if (poll(&p, 1, seconds > 0 ? (int)(left > 1000 ? 1000 : left) : -1) <= 0)
			continue;
		if (n + 1 >= cap)
			r = read(pfd[0], sink, sizeof(sink));
		else if ((r = read(pfd[0], out + n, cap - 1 - n)) > 0)
			n += (size_t)r;
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
	close(pfd[0]);
	out[n] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (timed_out)
		return CRED_RUN_TIMEOUT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line of s, cut at the newline (in place). */
static char *first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* ---- our programs ---- */

const char *cred_self_dir(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	buf[0] = '\0';
	if (n <= 0)
		return buf;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		snprintf(buf, len, "%s", self);
	}
	return buf;
}

/* The file PATH finds for name, resolved, into buf: 1 when found. */
static int in_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	for (const char *p = path ? path : ""; *p;) {
		size_t dl = strcspn(p, ":");
		int k = snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, p, name);

		p += dl + (p[dl] == ':');
		if (dl == 0 || k < 0 || (size_t)k >= sizeof(cand) ||
		    access(cand, X_OK) != 0)
			continue;
		if (realpath(cand, buf) == NULL)
			snprintf(buf, len, "%s", cand);
		return 1;
	}
	return 0;
}

/* Our copy of name next to this program, resolved: 1 when there is one. */
static int next_to_self(const char *name, char *buf, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64];

	if (cred_self_dir(dir, sizeof(dir))[0] == '\0')
		return 0;
	snprintf(cand, sizeof(cand), "%s/%s", dir, name);
	if (access(cand, X_OK) != 0)
		return 0;
	if (realpath(cand, buf) == NULL && snprintf(buf, len, "%s", cand) >= (int)len)
		return 0;
	return 1;
}

const char *cred_program_ref(const char *name, char *buf, size_t len)
{
	char mine[PATH_MAX], found[PATH_MAX];

	if (!next_to_self(name, mine, sizeof(mine)) ||
	    (in_path(name, found, sizeof(found)) && strcmp(mine, found) == 0))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s", mine);
	return buf;
}

/* ---- how git is wired ---- */

const char *cred_http_base(const struct target *t, char *buf, size_t len)
{
	if (t->port)
		snprintf(buf, len, "%s://%s:%u", t->protocol, t->host, t->port);
	else
		snprintf(buf, len, "%s://%s", t->protocol, t->host);
	return buf;
}

/* The last word of a command's first word: "git-bitbucket-ssh" for "/x/git-bitbucket-ssh -v". */
static int runs(const char *cmd, const char *name)
{
	size_t w = strcspn(cmd, " \t"), nl = strlen(name);

	return w >= nl && strncmp(cmd + w - nl, name, nl) == 0 &&
	       (w == nl || cmd[w - nl - 1] == '/');
}

int cred_wired_https(const char *url, char *buf, size_t len)
{
	char *argv[] = { "git", "config", "--get-urlmatch", "credential.helper",
			 (char *)url, NULL };
	char out[1024];

	buf[0] = '\0';
	if (cred_run(argv, 10, out, sizeof(out)) != 0)
		return 0;
	snprintf(buf, len, "%s", first_line(out));
	return strcmp(buf, "bitbucket") == 0 || runs(buf, "git-credential-bitbucket");
}

int cred_use_http_path(const char *url)
{
	char *argv[] = { "git", "config", "--type=bool", "--get-urlmatch",
			 "credential.useHttpPath", (char *)url, NULL };
	char out[64];

	return cred_run(argv, 10, out, sizeof(out)) == 0 && strncmp(out, "true", 4) == 0;
}

int cred_wired_ssh(char *buf, size_t len)
{
	char *argv[] = { "git", "config", "--get", "core.sshCommand", NULL };
	const char *env = getenv("GIT_SSH_COMMAND");
	char out[1024];

	buf[0] = '\0';
	if (env != NULL && *env)
		snprintf(buf, len, "%s", env);
	else if (cred_run(argv, 10, out, sizeof(out)) == 0)
		snprintf(buf, len, "%s", first_line(out));
	return buf[0] != '\0' && runs(buf, "git-bitbucket-ssh");
}

/* ---- the live check ---- */

/* The first line of out that holds needle, from needle on, into buf: 1 if any. */
static int line_with(const char *out, const char *needle, char *buf, size_t len)
{
	const char *p = strstr(out, needle), *s, *e;

	if (p == NULL)
		return 0;
	for (s = p; s > out && s[-1] != '\n'; s--)
		;
	e = p + strcspn(p, "\n");
	snprintf(buf, len, "%.*s", (int)(e - s), s);
	return 1;
}

/* The wrapper's own line (after "git-bitbucket-ssh: "), when it said one. */
static int wrapper_line(const char *out, char *buf, size_t len)
{
	static const char pfx[] = "git-bitbucket-ssh: ";
	char line[1024];

	if (!line_with(out, pfx, line, sizeof(line)))
		return 0;
	snprintf(buf, len, "%s", strstr(line, pfx) + sizeof(pfx) - 1);
	return 1;
}

static void count_refs(const char *out, int *refs)
{
	*refs = 0;
	for (const char *p = out; (p = strstr(p, "\trefs/")) != NULL; p++)
		(*refs)++;
}

int cred_live_check(const char *url, char *buf, size_t len)
{
	char *argv[] = { "git", "-c", "core.askPass=", "-c", "credential.interactive=never",
			 "ls-remote", "--heads", "--", (char *)url, NULL };
	static char out[65536];
	char line[1024], why[1100];
	long long t0 = now_ms();
	int r = cred_run(argv, CRED_LIVE_SECONDS, out, sizeof(out)), refs;
	int ssh = strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0;

	if (r == 0) {
		count_refs(out, &refs);
		snprintf(buf, len, "live check: git ls-remote %s answered in %.1f s (%d branch%s)",
			 url, (double)(now_ms() - t0) / 1000, refs, refs == 1 ? "" : "es");
		return 1;
	}
	if (r == CRED_RUN_TIMEOUT) {
		snprintf(buf, len, "live check: no answer from %s in %d s; check the network, "
			 "a proxy (ProxyJump), and the host and port in the URL",
			 url, CRED_LIVE_SECONDS);
		return 0;
	}
	if (r < 0 || r == 127) {
		snprintf(buf, len, "live check: cannot run git; install git and run doctor again");
		return 0;
	}
	if (ssh && strstr(out, "REMOTE HOST IDENTIFICATION HAS CHANGED") != NULL) {
		/* the wrapper's block: the key it saw, and what to do */
		char sent[512] = "", advice[512] = "";
		static const char pfx[] = "git-bitbucket-ssh: ";
		const char *p;

		if (line_with(out, "host key sent by", line, sizeof(line))) {
			p = strstr(line, pfx) ? strstr(line, pfx) + sizeof(pfx) - 1 : line;
			if (snprintf(sent, sizeof(sent), "%s", p) >= (int)sizeof(sent))
				sent[sizeof(sent) - 1] = '\0';
		}
		if (line_with(out, "That key is the one Atlassian publishes", line, sizeof(line)) ||
		    line_with(out, "Ask the Bitbucket administrator", line, sizeof(line))) {
			p = strstr(line, pfx) ? strstr(line, pfx) + sizeof(pfx) - 1 : line;
			if (snprintf(advice, sizeof(advice), "%s", p) >= (int)sizeof(advice))
				advice[sizeof(advice) - 1] = '\0';
		}
		if (snprintf(why, sizeof(why), "host key: CHANGED, not connecting: %s %s",
			     sent, advice) >= (int)sizeof(why))
			why[sizeof(why) - 1] = '\0';
	} else if (ssh && wrapper_line(out, line, sizeof(line))) {
		if (strstr(line, "refused the key") || strstr(line, "refused the RSA key"))
			snprintf(why, sizeof(why), "Permission denied (publickey): %s", line);
		else if (strstr(line, "host key"))
			snprintf(why, sizeof(why), "host key: %s", line);
		else if (strstr(line, "no SSH key"))
			snprintf(why, sizeof(why), "no key: %s", line);
		else
			snprintf(why, sizeof(why), "%s", line);
	} else if (strstr(out, "Permission denied (publickey")) {
		snprintf(why, sizeof(why), "Permission denied (publickey): the server refused "
			 "every key OpenSSH offered; set core.sshCommand to git-bitbucket-ssh "
			 "('git credential-bitbucket setup --ssh %s') so the keyring's key is used, "
			 "and add its public key to Bitbucket", url);
	} else if (strstr(out, "epository not found") || strstr(out, "does not appear to be a git repository") ||
		   (strstr(out, "not found") && !strstr(out, "command not found"))) {
		snprintf(why, sizeof(why), "repository not found: check the workspace or project "
			 "and the repository name in %s, and that the account (or the key's "
			 "scope) can see it; an HTTPS URL where SSH was meant says this too", url);
	} else if (strstr(out, "terminal prompts disabled") || strstr(out, "could not read Username") ||
		   strstr(out, "could not read Password") ||
		   /* git 2.46+ with credential.interactive=never */
		   strstr(out, "unable to get password") || strstr(out, "unable to get username")) {
		snprintf(why, sizeof(why), "the server asked for a password and no helper "
			 "answered: no usable token is stored for this URL, or git does not ask "
			 "this helper (see the checks above); store one with "
			 "'git credential-bitbucket login --username NAME %s'", url);
	} else if (strstr(out, "error: 410") || strstr(out, " 410")) {
		snprintf(why, sizeof(why), "HTTP 410: an app password, which bitbucket.org no "
			 "longer accepts; create an API token and store it with "
			 "'git credential-bitbucket login'");
	} else if (strstr(out, "error: 403") || strstr(out, " 403")) {
		snprintf(why, sizeof(why), "HTTP 403: the token works but may not read this "
			 "repository: give it the scope read:repository:bitbucket (Cloud) or "
			 "project read permission (Data Center)");
	} else if (strstr(out, "Authentication failed") || strstr(out, "error: 401") ||
		   strstr(out, " 401")) {
		snprintf(why, sizeof(why), "HTTP 401: the server refused the token: it expired "
			 "or was revoked, or the username is wrong (Cloud: your Bitbucket "
			 "username, not your e-mail); store a new one with "
			 "'git credential-bitbucket login --username NAME %s'", url);
	} else if (line_with(out, "Could not resolve host", line, sizeof(line)) ||
		   line_with(out, "Could not resolve hostname", line, sizeof(line))) {
		if (snprintf(why, sizeof(why), "cannot find the server: %s; check the host name "
			     "in the URL, the network and DNS (and http.proxy or ProxyJump if you "
			     "need a proxy)", line) >= (int)sizeof(why))
			why[sizeof(why) - 1] = '\0';
	} else if (line_with(out, "fatal: ", line, sizeof(line)) ||
		   line_with(out, "error: ", line, sizeof(line))) {
		snprintf(why, sizeof(why), "%s", line);
	} else {
		snprintf(why, sizeof(why), "git ls-remote failed with exit %d", r);
	}
	snprintf(buf, len, "live check: %s", why);
	return 0;
}

/*
 * login --check: the live check on the URL login was given when it names
 * a repository, else on the origin remote of the repository here when
 * the stored scope covers it.  Prints the line; 0 or EXIT_REFUSED.
 */
int cred_login_check(const struct target *t, const char *url)
{
	char *argv[] = { "git", "remote", "get-url", "origin", NULL };
	static char lock_env[] = "GCB_LOCK_TIMEOUT=0";
	char origin[4096], line[2048];
	const char *check = NULL;
	struct target o;
	int ok;

	if (t->level == LEVEL_REPO) {
		check = url;
	} else if (cred_run(argv, 10, origin, sizeof(origin)) == 0) {
		const char *self[1] = { t->host };
		struct dc_hosts dc = { self, 1 };

		first_line(origin);
		if (target_from_url(origin, &dc, &o) == TARGET_OK &&
		    strcmp(o.host, t->host) == 0 && o.port == t->port &&
		    strcmp(o.protocol, t->protocol) == 0 &&
		    (t->level == LEVEL_HOST || strcmp(o.account, t->account) == 0))
			check = origin;
	}
	if (check == NULL) {
		printf("\u2718 live check: %s names no repository and the origin remote here "
		       "is not one of its repositories; check one with 'git credential-bitbucket "
		       "doctor URL'\n", url);
		return EXIT_REFUSED;
	}
	/*
	 * login may still hold the keyring's writer lock: git's store after
	 * the check would wait for it, so there it gives up at once (the
	 * token is stored already; only its "last used" is not written)
	 */
	extra_env = lock_env;
	ok = cred_live_check(check, line, sizeof(line));
	extra_env = NULL;
	printf("%s %s\n", ok ? "\u2714" : "\u2718", line);
	return ok ? 0 : EXIT_REFUSED;
}

/* ---- an ssh_config alias ---- */

/*
 * The path part of an SSH URL ("host:path" or "ssh://[user@]host[:port]/path"),
 * without a leading '/'.
 */
static const char *ssh_url_path(const char *url)
{
	const char *p;

	if (strncmp(url, "ssh://", 6) == 0) {
		p = strchr(url + 6, '/');
		return p ? p + 1 : "";
	}
	p = strchr(url, ':');
	if (p == NULL)
		return "";
	p++;
	return *p == '/' ? p + 1 : p;
}

/*
 * An SSH URL whose host is not Bitbucket may be an alias in the user's
 * ssh_config (Host bitbucket-work / HostName bitbucket.org): ask OpenSSH
 * (`ssh -G`, with the files git-bitbucket-ssh gives it: $HOME/.ssh/config
 * with -F when $HOME is not the passwd entry's home) where it leads, and
 * when that is Bitbucket, put the URL for the real name in real.  1 then,
 * with the resolved host (and port) in name.
 */
static int resolve_ssh_alias(const char *url, const struct target *t, const struct dc_hosts *dc,
			     char *real, size_t len, char *name, size_t nlen)
{
	char cfg[PATH_MAX], home_real[PATH_MAX], pw_real[PATH_MAX], port[16], out[65536];
	char host[256] = "";
	unsigned p = 22;
	const char *home = getenv("HOME");
	struct passwd *pw = getpwuid(getuid());
	char *argv[9];
	int n = 0;

	argv[n++] = "ssh";
	argv[n++] = "-G";
	if (home != NULL && pw != NULL && pw->pw_dir != NULL &&
	    (realpath(home, home_real) == NULL || realpath(pw->pw_dir, pw_real) == NULL ||
	     strcmp(home_real, pw_real) != 0)) {
		snprintf(cfg, sizeof(cfg), "%s/.ssh/config", home);
		argv[n++] = "-F";
		argv[n++] = access(cfg, F_OK) == 0 ? cfg : "/etc/ssh/ssh_config";
	}
	if (t->port) {
		snprintf(port, sizeof(port), "%u", t->port);
		argv[n++] = "-p";
		argv[n++] = port;
	}
	argv[n++] = "--";
	argv[n++] = (char *)t->host;
	argv[n] = NULL;
	if (cred_run(argv, 10, out, sizeof(out)) != 0)
		return 0;
	for (char *l = out; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		size_t ll = strcspn(l, "\n");

		if (ll > 9 && strncmp(l, "hostname ", 9) == 0 && ll - 9 < sizeof(host))
			snprintf(host, sizeof(host), "%.*s", (int)(ll - 9), l + 9);
		else if (ll > 5 && strncmp(l, "port ", 5) == 0)
			p = (unsigned)strtoul(l + 5, NULL, 10);
	}
	if (host[0] == '\0' || p == 0 || p > 65535 ||
	    target_ssh_product(host, p, dc) == PRODUCT_NONE)
		return 0;
	if (p == 22)
		snprintf(name, nlen, "%s", host);
	else
		snprintf(name, nlen, "%s port %u", host, p);
	if (p == 22)
		return snprintf(real, len, "ssh://git@%s/%s", host, ssh_url_path(url)) < (int)len;
	return snprintf(real, len, "ssh://git@%s:%u/%s", host, p, ssh_url_path(url)) < (int)len;
}

/* ---- the report ---- */

struct report {
	int json, failed;
	struct json j;
};

static void __attribute__((format(printf, 4, 5)))
check(struct report *rp, const char *name, int ok, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!ok)
		rp->failed++;
	if (!rp->json) {
		printf("%s %s\n", ok ? "\u2714" : "\u2718", line);
		fflush(stdout);
		return;
	}
	json_object(&rp->j);
	json_str(&rp->j, "check", name);
	json_bool(&rp->j, "ok", ok);
	json_str(&rp->j, "message", line);
	json_object_end(&rp->j);
}

/* ---- the checks ---- */

/* "git-bitbucket-ssh 0.1.0 with libssh2 1.10.0" from its --version; libssh2 into lib. */
static int ssh_version(char *buf, size_t len, char *lib, size_t liblen)
{
	char path[PATH_MAX], out[1024], *l;
	int found = next_to_self("git-bitbucket-ssh", path, sizeof(path)) ||
		    in_path("git-bitbucket-ssh", path, sizeof(path));
	char *argv[] = { path, "--version", NULL };

	lib[0] = '\0';
	if (!found || cred_run(argv, 10, out, sizeof(out)) != 0)
		return 0;
	if ((l = strstr(out, "\nlibssh2 ")) != NULL)
		snprintf(lib, liblen, "%s", first_line(l + 9));
	return snprintf(buf, len, "%s with libssh2 %s", first_line(out), lib) > 0;
}

static void check_programs(struct report *rp, int ssh, char *lib, size_t liblen)
{
	char dir[PATH_MAX], self[PATH_MAX + 64], git[256], me[256], wrap[512];
	char *gitv[] = { "git", "--version", NULL }, *mev[] = { self, "--version", NULL };
	int have_wrap = ssh_version(wrap, sizeof(wrap), lib, liblen);

	snprintf(self, sizeof(self), "%s/git-credential-bitbucket",
		 cred_self_dir(dir, sizeof(dir)));
	if (cred_run(gitv, 10, git, sizeof(git)) != 0) {
		check(rp, "programs", 0, "programs: git not found on PATH; install git");
		return;
	}
	if (cred_run(mev, 10, me, sizeof(me)) != 0)
		snprintf(me, sizeof(me), "git-credential-bitbucket");
	if (!have_wrap && ssh) {
		check(rp, "programs", 0, "programs: git-bitbucket-ssh not found next to %s "
		      "nor on PATH; install it with 'sudo make install' or the package", self);
		return;
	}
	first_line(git);
	check(rp, "programs", 1, "programs: git %s, %s, %s", git + (strncmp(git, "git version ", 12) ? 0 : 12),
	      first_line(me), have_wrap ? wrap : "git-bitbucket-ssh not found (needed only for SSH)");
}

/* async-signal-safe: write(2) and _exit(2) only */
static void open_watchdog(int sig)
{
	static const char line[] = "\u2718 keyring: the Secret Service did not answer in time; "
		"check that your D-Bus session and Secret Service (e.g. gnome-keyring-daemon) "
		"are running and not waiting for a prompt\n";

	(void)sig;
	if (write(1, line, sizeof(line) - 1) < 0)
		_exit(EXIT_KEYRING);
	_exit(EXIT_KEYRING);
}

int cred_ks_open_quiet(struct keystore **ks)
{
	int r;

	fflush(stdout);
	signal(SIGALRM, open_watchdog);
	alarm(KEYRING_OPEN_SECONDS);
	r = ks_open(ks);
	alarm(r == KS_OK ? KEYRING_OVERALL_SECONDS : 0);
	return r;
}

/* The store the keyring check found: for doctor --json. */
static struct {
	const char *backend;	/* "secret-service", "file" or NULL */
	char path[PATH_MAX];
	char why[128];
} store;

static void store_set(const char *backend, const char *path, const char *why)
{
	store.backend = backend;
	snprintf(store.path, sizeof(store.path), "%s", path ? path : "");
	snprintf(store.why, sizeof(store.why), "%s", why);
}

/*
 * The file store as keyring_open() would use it, but quietly and without
 * asking for a passphrase: a check says what is wrong and how to fix it.
 * 1 when it is unlocked (*ks set).
 */
static int check_file_store(struct report *rp, struct keystore **ks, const char *why)
{
	char path[PATH_MAX];
	struct filestore *fs = NULL;
	int r;

	if ((r = fs_default_path(path, sizeof(path))) != FS_OK) {
		store_set("file", NULL, why);
		check(rp, "keyring", 0, "keystore: cannot find the encrypted file store: %s; "
		      "set HOME and run doctor again", fs_strerror(r));
		return 0;
	}
	store_set("file", path, why);
	if ((r = fs_open(path, &fs)) == FS_ERR_NO_STORE) {
		check(rp, "keyring", 0, "keystore: there is no encrypted file store yet (%s; %s); "
		      "create it with 'git credential-bitbucket unlock' and run doctor again",
		      path, why);
		return 0;
	}
	if (r == FS_OK && (r = fs_cache_load(fs)) != FS_OK &&
	    (r == FS_ERR_NOT_CACHED || r == FS_ERR_NO_KEYRING)) {
		fs_close(fs);
		check(rp, "keyring", 0, "keystore: the encrypted file store %s (%s) is locked: "
		      "no cached key; unlock it with 'git credential-bitbucket unlock' (in CI: "
		      "'unlock --passphrase-fd N') and run doctor again", path, why);
		return 0;
	}
	if (r != FS_OK) {
		fs_close(fs);
		check(rp, "keyring", 0, "keystore: the encrypted file store %s cannot be used: %s; "
		      "run 'git credential-bitbucket unlock' to see how to fix it", path,
		      fs_strerror(r));
		return 0;
	}
	if ((r = ks_open_file(fs, ks)) != KS_OK) {
		fs_close(fs);
		check(rp, "keyring", 0, "keystore: the encrypted file store %s: %s; try again",
		      path, ks_strerror(r));
		return 0;
	}
	check(rp, "keyring", 1, "keystore: the encrypted file store %s (%s)", path, why);
	return 1;
}

static int file_store_exists(void)
{
	char path[PATH_MAX];

	return fs_default_path(path, sizeof(path)) == FS_OK && access(path, F_OK) == 0;
}

/*
 * Open the keystore keyring_open() would choose (helper/keyring.h):
 * bitbucket.keystore, else the Secret Service when it answers unlocked,
 * else the file store when there is one.  1 when the store is reachable
 * and unlocked (*ks set).
 */
static int check_keyring(struct report *rp, struct keystore **ks)
{
	char name[256];
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	size_t locked = 0;
	unsigned timeout;
	int r, mode;

	if (keyring_settings(&mode, &timeout) != 0) {
		check(rp, "keyring", 0, "keystore: bitbucket.keystore or bitbucket.cacheTimeout "
		      "is not valid (the line above says how to fix it)");
		return 0;
	}
	if (mode == KEYRING_FILE)
		return check_file_store(rp, ks, "bitbucket.keystore is file");
	/* keyring_open() would print its own line: this one says it as a check */
	r = cred_ks_open_quiet(ks);
	if (r == KS_OK && mode == KEYRING_AUTO && (r = ks_probe(*ks)) != KS_OK) {
		ks_close(*ks);
		*ks = NULL;
	}
	if (r != KS_OK && mode == KEYRING_AUTO && file_store_exists()) {
		alarm(0);
		return check_file_store(rp, ks,
			r == KS_ERR_NO_BUS ? "there is no D-Bus session bus" :
			r == KS_ERR_NO_SERVICE ? "no Secret Service is running" :
			r == KS_ERR_LOCKED ? "the Secret Service is locked" :
			"the Secret Service cannot be used");
	}
	store_set("secret-service", NULL, mode == KEYRING_SECRET_SERVICE ?
		  "bitbucket.keystore is secret-service" :
		  "the Secret Service is running and unlocked");
	cred_store_name(name, sizeof(name));
	switch (r) {
	case KS_OK:
		break;
	case KS_ERR_NO_BUS:
		check(rp, "keyring", 0, "keyring: there is no D-Bus session bus; run this inside "
		      "your desktop session, or start one with 'dbus-run-session -- $SHELL' and "
		      "a Secret Service such as gnome-keyring%s", mode == KEYRING_AUTO ?
		      ", or create an encrypted file store with 'git credential-bitbucket unlock'" : "");
		return 0;
	case KS_ERR_NO_SERVICE:
	case KS_ERR_DIED:
		check(rp, "keyring", 0, "keyring: no Secret Service is running on the session "
		      "bus; start gnome-keyring-daemon (or another provider) and run doctor again%s",
		      mode == KEYRING_AUTO ? ", or create an encrypted file store with 'git "
		      "credential-bitbucket unlock'" : "");
		return 0;
	case KS_ERR_LOCKED:
		locked = 1;
		break;
	default:
		check(rp, "keyring", 0, "keyring: %s: %s; restart it and run doctor again",
		      name, ks_strerror(r));
		return 0;
	}
	if (r == KS_OK) {
		r = ks_search(*ks, &pat, 0, &list, &locked);
		ks_list_free(list);
	}
	if ((r == KS_OK || r == KS_ERR_LOCKED) && locked > 0) {
		check(rp, "keyring", 0, "keyring: %s is locked; unlock it (log in to the "
		      "desktop, or open Seahorse or KeePassXC) and run doctor again", name);
		return 0;
	}
	if (r != KS_OK) {
		check(rp, "keyring", 0, "keyring: %s: %s; restart it and run doctor again",
		      name, ks_strerror(r));
		return 0;
	}
	check(rp, "keyring", 1, "keyring: %s, reachable and unlocked", name);
	return 1;
}

/* Does an item's scope cover t (the host's, the account's or the repository's)? */
static int covers(const struct ks_item *it, const struct target *t)
{
	return it->scope[0] == '\0' || strcmp(it->scope, t->account) == 0 ||
	       strcmp(it->scope, t->scope) == 0;
}

/* Every item on t's host: an array of *n items (free it), or NULL. */
static struct ks_item *host_items(struct keystore *ks, const struct target *t, size_t *n)
{
	struct ks_item pat = KS_ITEM_INIT, *items = NULL;
	struct ks_list *list = NULL;

	*n = 0;
	snprintf(pat.host, sizeof(pat.host), "%s", t->host);
	if (ks_search(ks, &pat, 0, &list, NULL) != KS_OK)
		return NULL;
	if (ks_list_len(list) > 0 &&
	    (items = calloc(ks_list_len(list), sizeof(*items))) != NULL)
		for (size_t i = 0; i < ks_list_len(list); i++)
			if (ks_list_get(ks, list, i, &items[*n]) == KS_OK)
				(*n)++;
	ks_list_free(list);
	return items;
}

static int is_key(const struct ks_item *it)
{
	return strcmp(it->kind, KS_KIND_SSH_KEY) == 0;
}

/* A token item that applies to t (protocol, port, scope, repos). */
static int token_for(const struct ks_item *it, const struct target *t)
{
	return !is_key(it) && strcmp(it->protocol, t->protocol) == 0 &&
	       it->port == t->port && covers(it, t) &&
	       (it->repos[0] == '\0' ||
		(t->level == LEVEL_REPO && rules_repos_match(it->repos, t->scope) == 1));
}

static int key_for(const struct ks_item *it, const struct target *t, const char *only)
{
	if (!is_key(it))
		return 0;
	if (only[0])
		return strcmp(it->name, only) == 0;
	return (it->port == t->port || (it->port == 22 && t->port == 0) ||
		(it->port == 0 && t->port == 22)) && covers(it, t);
}

/* The URL login or logout takes for an item. */
static void item_url(const struct ks_item *it, char *buf, size_t len)
{
	char port[16] = "";

	if (it->port)
		snprintf(port, sizeof(port), ":%u", it->port);
	snprintf(buf, len, "%s://%s%s/%s%s%s", it->protocol, it->host, port,
		 strcmp(it->host, CLOUD_HOST) && it->scope[0] ? "scm/" : "", it->scope,
		 it->scope[0] ? "/" : "");
}

static void check_tokens(struct report *rp, struct keystore *ks, const struct target *t,
			 const struct ks_item *items, size_t n, const char *url)
{
	long long now = (long long)time(NULL);
	int found = 0;
	char where[800], date[16], lurl[1200];

	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &items[i];
		struct sbuf value = SBUF_INIT, password = SBUF_INIT;
		struct rule_result res, exp;
		long long expiry = 0;
		int bad;

		if (!token_for(it, t))
			continue;
		found++;
		item_where(it, where, sizeof(where));
		item_url(it, lurl, sizeof(lurl));
		if (ks_get_secret(ks, it, &value) != KS_OK ||
		    cred_secret_parse(&value, &password, &expiry, NULL) != 0) {
			sbuf_free(&value);
			sbuf_free(&password);
			check(rp, "token", 0, "token: the item for %s on %s cannot be read; store "
			      "the token again with 'git credential-bitbucket login --username %s %s'",
			      it->username, where, it->username, lurl);
			continue;
		}
		bad = rules_check_secret(t, it->username, password.buf ? password.buf : "",
					 password.len, now, &res) < 0;
		sbuf_free(&value);
		sbuf_free(&password);
		if (bad) {
			check(rp, "token", 0, "token: the %s for %s on %s is refused: %s; remove it "
			      "with 'git credential-bitbucket logout --username %s %s'",
			      rules_kind_label(it->kind), it->username, where, res.message,
			      it->username, lurl);
			continue;
		}
		if (expiry > 0 && rules_check_expiry(expiry, now, &exp) < 0) {
			check(rp, "token", 0, "token: the %s for %s on %s expired on %s; create a new "
			      "one and store it with 'git credential-bitbucket login --username %s %s'",
			      rules_kind_label(it->kind), it->username, where,
			      rules_date(expiry, date, sizeof(date)), it->username, lurl);
			continue;
		}
		check(rp, "token", 1, "token: %s for %s on %s, expires %s, last used %s",
		      rules_kind_label(res.kind), it->username, where,
		      expiry > 0 ? rules_date(expiry, date, sizeof(date)) : "never",
		      it->last_used > 0 ? rules_date(it->last_used, lurl, sizeof(lurl)) : "never");
	}
	if (!found)
		check(rp, "token", 0, "token: none stored for %s; store one with "
		      "'git credential-bitbucket login --username NAME %s'",
		      target_describe(t, where, sizeof(where)), url);
}

/* libssh2 at least major.minor, from its version string. */
static int lib_at_least(const char *lib, int major, int minor)
{
	char *end;
	long ma = strtol(lib, &end, 10), mi = 0;

	if (end == lib)
		return 1;	/* cannot tell: do not blame the key */
	if (*end == '.')
		mi = strtol(end + 1, NULL, 10);
	return ma > major || (ma == major && mi >= minor);
}

static void key_scope_url(const struct target *t, char *buf, size_t len)
{
	char port[16] = "";

	if (t->port != 0 && t->port != 22)
		snprintf(port, sizeof(port), ":%u", t->port);
	snprintf(buf, len, "ssh://git@%s%s/%s", t->host, port, t->account);
}

static void check_keys(struct report *rp, const struct target *t, const struct ks_item *items,
		       size_t n, const char *lib, const struct config *cfg)
{
	const char *only = cfg->ssh_key;
	long max_days = cfg->key_max_age_days;
	char dir[PATH_MAX], self[PATH_MAX + 64], out[4096], where[800], url[1100];
	long long now = (long long)time(NULL);
	int found = 0;

	snprintf(self, sizeof(self), "%s/git-credential-bitbucket", cred_self_dir(dir, sizeof(dir)));
	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &items[i];
		char *argv[] = { self, "key", "public", (char *)it->name, NULL };
		char type[64] = "", age[64] = "";

		if (!key_for(it, t, only))
			continue;
		found++;
		item_where(it, where, sizeof(where));
		if (cred_run(argv, 15, out, sizeof(out)) != 0) {
			check(rp, "key", 0, "key: '%s' for %s cannot be used: %s; import it again "
			      "with 'git credential-bitbucket key import --force %s FILE'",
			      it->name, where, first_line(out), it->name);
			continue;
		}
		snprintf(type, sizeof(type), "%.*s", (int)strcspn(out, " \n"), out);
		if (!strcmp(type, "ssh-rsa") && !lib_at_least(lib, 1, 11)) {
			check(rp, "key", 0, "key: '%s' for %s is RSA, and libssh2 %s signs RSA "
			      "with SHA-1 (ssh-rsa), which Bitbucket and OpenSSH 8.8+ refuse; "
			      "create an Ed25519 key with 'git credential-bitbucket key generate "
			      "--scope %s NAME'", it->name, where, lib, where);
			continue;
		}
		if (!strcmp(type, "ssh-ed25519") && !lib_at_least(lib, 1, 9)) {
			check(rp, "key", 0, "key: '%s' for %s is Ed25519, which libssh2 %s cannot "
			      "sign; build with libssh2 1.9 or later, or use an ECDSA key",
			      it->name, where, lib);
			continue;
		}
		if (list_is_old(it, now, max_days))
			snprintf(age, sizeof(age), "; older than %ld days: rotate it", max_days);
		check(rp, "key", 1, "key: '%s' (%s%s) for %s, last used %s%s", it->name, type,
		      it->read_only ? ", read-only" : "", where,
		      it->last_used > 0 ? rules_date(it->last_used, out, sizeof(out)) : "never", age);
	}
	if (found)
		return;
	key_scope_url(t, url, sizeof(url));
	if (only[0])
		check(rp, "key", 0, "key: bitbucket.sshKey names '%s', which is not in the "
		      "keyring; import it with 'git credential-bitbucket key import %s FILE'",
		      only, only);
	else
		check(rp, "key", 0, "key: none stored for %s; create one with "
		      "'git credential-bitbucket key generate --scope %s NAME' and add its "
		      "public half to Bitbucket", target_describe(t, where, sizeof(where)), url);
}

static void check_host_key(struct report *rp, const struct target *t)
{
	char name[300], file[PATH_MAX], out[4096], scan[400];
	const char *home = getenv("HOME");

	if (strcmp(t->host, CLOUD_HOST) == 0) {
		check(rp, "host-key", 1, "host key: bitbucket.org's keys are built in");
		return;
	}
	if (t->port && t->port != 22)
		snprintf(name, sizeof(name), "[%s]:%u", t->host, t->port);
	else
		snprintf(name, sizeof(name), "%s", t->host);
	snprintf(file, sizeof(file), "%s/.ssh/known_hosts", home ? home : "");
	{
		char *u[] = { "ssh-keygen", "-F", name, "-f", file, NULL };
		char *g[] = { "ssh-keygen", "-F", name, "-f", "/etc/ssh/ssh_known_hosts", NULL };

		if (cred_run(u, 10, out, sizeof(out)) == 0 ||
		    (access(g[4], R_OK) == 0 && cred_run(g, 10, out, sizeof(out)) == 0)) {
			check(rp, "host-key", 1, "host key: %s is known", name);
			return;
		}
	}
	if (t->port && t->port != 22)
		snprintf(scan, sizeof(scan), "ssh-keyscan -p %u %s", t->port, t->host);
	else
		snprintf(scan, sizeof(scan), "ssh-keyscan %s", t->host);
	/* a new account has no ~/.ssh, and >> into it would fail */
	snprintf(file, sizeof(file), "%s/.ssh", home ? home : "");
	check(rp, "host-key", 0, "host key: %s is not in ~/.ssh/known_hosts; compare its "
	      "fingerprint with the one your Bitbucket administrator publishes, then add it: "
	      "%s%s >> ~/.ssh/known_hosts", name, access(file, F_OK) == 0 ? "" :
	      "mkdir -p -m 700 ~/.ssh && ", scan);
}

/* ---- the URL ---- */

static int is_http(const char *url)
{
	return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* The user in an SSH URL (ssh://user@host/..., user@host:path), into buf. */
static void url_user(const char *url, char *buf, size_t len)
{
	const char *p = strncmp(url, "ssh://", 6) == 0 ? url + 6 : url;
	size_t h = strcspn(p, "/:"), at;

	buf[0] = '\0';
	for (at = 0; at < h && p[at] != '@'; at++)
		;
	if (at < h)
		snprintf(buf, len, "%.*s", (int)at, p);
}

/* url with its SSH user replaced by git. */
static void with_git_user(const char *url, char *buf, size_t len)
{
	const char *p = strncmp(url, "ssh://", 6) == 0 ? url + 6 : url;
	const char *at = strchr(p, '@');

	if (snprintf(buf, len, "%.*sgit@%s", (int)(p - url), url, at ? at + 1 : p) >= (int)len)
		buf[0] = '\0';
}

/* How to say "use this URL": with the remote's name when there is one. */
static void set_url_fix(const char *remote, const char *url, char *buf, size_t len)
{
	if (remote != NULL)
		snprintf(buf, len, "git remote set-url %s %s", remote, url);
	else
		snprintf(buf, len, "use %s", url);
}

/* The SSH URL of t's repository (Cloud: scp-like; Data Center: port from the key). */
static void ssh_url_for(const struct target *t, unsigned port, char *buf, size_t len)
{
	if (t->product == PRODUCT_CLOUD)
		snprintf(buf, len, "git@%s:%s%s", t->host, t->scope,
			 t->level == LEVEL_REPO ? ".git" : "");
	else
		snprintf(buf, len, "ssh://git@%s:%u/%s%s", t->host, port ? port : 7999,
			 t->scope, t->level == LEVEL_REPO ? ".git" : "");
}

/* Ports where Bitbucket Data Center (or the proxy in front of it) serves the web. */
static int web_port(unsigned port)
{
	return port == 80 || port == 443 || port == 7990 || port == 8080 || port == 8443;
}

/*
 * A Data Center SSH URL with a port other than 7999: wrong for certain
 * when it is a web port, or when the keys stored for this scope are all
 * for another port (the one `key generate --scope` was given).  Prints
 * the ✘ line and answers 1; 0 when nothing offline says it is wrong (the
 * live check then tells: a refused connection names port 7999).
 */
static int dc_ssh_port_wrong(struct report *rp, const char *url, const char *remote,
			     const struct target *t, const struct ks_item *items, size_t n)
{
	char fixed[1200], fix[1300];
	const char *kname = NULL;
	unsigned kport = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ks_item *it = &items[i];
		unsigned p = it->port ? it->port : 22;

		if (!is_key(it) || !covers(it, t))
			continue;
		if (p == t->port)
			return 0;	/* a key for this very port: the admin's choice */
		if (kname == NULL) {
			kname = it->name;
			kport = p;
		}
	}
	if (web_port(t->port)) {
		ssh_url_for(t, 7999, fixed, sizeof(fixed));
		set_url_fix(remote, fixed, fix, sizeof(fix));
		check(rp, "url", 0, "URL: port %u in %s is a web port (Bitbucket Data Center's "
		      "HTTP or HTTPS), not SSH, which Data Center serves on port 7999 unless its "
		      "administrator changed it; %s", t->port, url, fix);
		return 1;
	}
	if (kname != NULL) {
		ssh_url_for(t, kport, fixed, sizeof(fixed));
		set_url_fix(remote, fixed, fix, sizeof(fix));
		check(rp, "url", 0, "URL: port %u in %s, but key '%s' for this scope was made "
		      "for port %u; %s (or, if the server really listens on %u, store the key "
		      "for that port: 'git credential-bitbucket key generate --scope %s NAME')",
		      t->port, url, kname, kport, fix, t->port, url);
		return 1;
	}
	return 0;
}

/* 1 when the URL's shape is right. */
static int check_url(struct report *rp, const char *url, const char *remote,
		     const struct target *t, const struct ks_item *items, size_t n)
{
	char user[256], fixed[1200], fix[1300], where[800], ssh_cmd[512];
	const char *prod = t->product == PRODUCT_CLOUD ? "Bitbucket Cloud" : "Bitbucket Data Center";

	if (!is_http(url)) {
		url_user(url, user, sizeof(user));
		if (user[0] && strcmp(user, "git") != 0) {
			with_git_user(url, fixed, sizeof(fixed));
			set_url_fix(remote, fixed, fix, sizeof(fix));
			check(rp, "url", 0, "URL: user '%s' in %s, but Bitbucket's SSH user is "
			      "always 'git'; %s", user, url, fix);
			return 0;
		}
		if (t->product == PRODUCT_DATACENTER && t->port == 0) {
			char tail[800];

			snprintf(tail, sizeof(tail), "%s%s", t->scope, t->level == LEVEL_REPO ? ".git" : "");
			snprintf(fixed, sizeof(fixed), "ssh://git@%s:7999/%s", t->host, tail);
			set_url_fix(remote, fixed, fix, sizeof(fix));
			check(rp, "url", 0, "URL: %s has no port, but Bitbucket Data Center serves "
			      "SSH on port 7999 unless its administrator changed it; %s", url, fix);
			return 0;
		}
		if (t->product == PRODUCT_CLOUD && t->port != 0 && t->port != 22) {
			/* altssh.bitbucket.org's port is gone from t: this is bitbucket.org's */
			char tail[800], alt[1200], altfix[1300];

			snprintf(tail, sizeof(tail), "%s%s", t->scope, t->level == LEVEL_REPO ? ".git" : "");
			snprintf(fixed, sizeof(fixed), "git@%s:%s", CLOUD_HOST, tail);
			snprintf(alt, sizeof(alt), "ssh://git@%s:443/%s", CLOUD_ALT_SSH_HOST, tail);
			set_url_fix(remote, fixed, fix, sizeof(fix));
			set_url_fix(remote, alt, altfix, sizeof(altfix));
			check(rp, "url", 0, "URL: port %u in %s, but bitbucket.org serves SSH on port "
			      "22 only (on port 443 it is %s); %s, or where port 22 is blocked: %s",
			      t->port, url, CLOUD_ALT_SSH_HOST, fix, altfix);
			return 0;
		}
		if (t->product == PRODUCT_DATACENTER && t->port != 7999 && dc_ssh_port_wrong(
			    rp, url, remote, t, items, n))
			return 0;
	} else {
		const char *path = strstr(url, "://") + 3;
		int tokens = 0, keys = 0;
		unsigned kport = 0;
		char kname[128] = "";

		path += strcspn(path, "/");
		if (t->product == PRODUCT_DATACENTER && strstr(path, "/scm/") == NULL) {
			check(rp, "url", 0, "URL: %s is not a clone URL: Bitbucket Data Center's "
			      "HTTPS clone URLs have /scm/ (https://%s/scm/PROJECT/REPO.git); copy "
			      "the URL from the repository's Clone button", url, t->host);
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			if (token_for(&items[i], t))
				tokens++;
			else if (is_key(&items[i]) && covers(&items[i], t)) {
				if (!keys++) {
					kport = items[i].port;
					snprintf(kname, sizeof(kname), "%s", items[i].name);
				}
			}
		}
		if (!tokens && keys && cred_wired_ssh(ssh_cmd, sizeof(ssh_cmd))) {
			ssh_url_for(t, kport, fixed, sizeof(fixed));
			set_url_fix(remote, fixed, fix, sizeof(fix));
			check(rp, "url", 0, "URL: %s is HTTPS, but %s is set up for SSH (key '%s', "
			      "core.sshCommand %s) and no token is stored for it; %s", url,
			      target_describe(t, where, sizeof(where)), kname, ssh_cmd, fix);
			return 0;
		}
	}
	check(rp, "url", 1, "URL: %s (%s, %s)", url, prod,
	      t->level == LEVEL_REPO ? "a repository" : t->level == LEVEL_ACCOUNT ?
	      (t->product == PRODUCT_CLOUD ? "a workspace" : "a project") : "the whole host");
	return 1;
}

static void check_wiring(struct report *rp, const char *url, const struct target *t,
			 const struct ks_item *items, size_t n)
{
	char cmd[512], base[400];

	if (!is_http(url)) {
		if (cred_wired_ssh(cmd, sizeof(cmd)))
			check(rp, "git-config", 1, "git config: %s runs %s",
			      getenv("GIT_SSH_COMMAND") && *getenv("GIT_SSH_COMMAND") ?
			      "GIT_SSH_COMMAND" : "core.sshCommand", cmd);
		else if (cmd[0])
			check(rp, "git-config", 0, "git config: git runs '%s' for SSH, not "
			      "git-bitbucket-ssh, so the keyring's keys are not used; run "
			      "'git credential-bitbucket setup --ssh %s'", cmd, url);
		else
			check(rp, "git-config", 0, "git config: core.sshCommand is not set, so git "
			      "runs OpenSSH, which cannot use the keyring's keys; run "
			      "'git credential-bitbucket setup --ssh %s'", url);
		return;
	}
	cred_http_base(t, base, sizeof(base));
	if (!cred_wired_https(url, cmd, sizeof(cmd))) {
		if (cmd[0])
			check(rp, "git-config", 0, "git config: git asks the helper '%s' for %s, "
			      "not this one; run 'git credential-bitbucket setup --https %s'",
			      cmd, base, url);
		else
			check(rp, "git-config", 0, "git config: no credential helper is set for %s, "
			      "so git never asks this one; run 'git credential-bitbucket setup "
			      "--https %s'", base, url);
		return;
	}
	if (!cred_use_http_path(url)) {
		for (size_t i = 0; i < n; i++) {
			char where[800];

			if (!token_for(&items[i], t) || items[i].scope[0] == '\0')
				continue;
			check(rp, "git-config", 0, "git config: credential.useHttpPath is not true "
			      "for %s, so git never sends the path and the token for %s is not "
			      "used; run 'git credential-bitbucket setup --https %s'", base,
			      item_where(&items[i], where, sizeof(where)), url);
			return;
		}
	}
	check(rp, "git-config", 1, "git config: credential.helper %s for %s%s", cmd, base,
	      cred_use_http_path(url) ? ", useHttpPath true" : "");
}

/* ---- doctor ---- */

/* The URL of a remote of the repository here; 0, or an EXIT_* code (line printed). */
int cred_remote_url(const char *remote, const char *verb, char *buf, size_t len)
{
	char *inrepo[] = { "git", "rev-parse", "--git-dir", NULL };
	char *argv[] = { "git", "remote", "get-url", "--", (char *)remote, NULL };
	char out[4096];

	if (cred_run(inrepo, 10, out, sizeof(out)) != 0) {
		msg_error("not in a git repository, and no URL given; give the URL, e.g. "
			  "'%s %s https://bitbucket.org/WORKSPACE/REPO.git'", msg_prog(),
			  verb);
		return EXIT_USAGE;
	}
	if (cred_run(argv, 10, out, sizeof(out)) != 0 || out[0] == '\0') {
		msg_error("this repository has no remote '%s'; give a remote's name or a URL",
			  remote);
		return EXIT_USAGE;
	}
	snprintf(buf, len, "%s", first_line(out));
	return 0;
}

int cred_is_remote_name(const char *s)
{
	return strchr(s, ':') == NULL && strchr(s, '/') == NULL;
}

/* ", \"store\": {\"backend\": ..., \"path\": ..., \"why\": ...}" or null */
static int json_store(struct sbuf *o)
{
	if (store.backend == NULL)
		return sbuf_addstr(o, ", \"store\": null");
	if (sbuf_addstr(o, ", \"store\": {\"backend\": ") != 0 ||
	    json_escape(o, store.backend) != 0 || sbuf_addstr(o, ", \"path\": ") != 0 ||
	    (store.path[0] ? json_escape(o, store.path) : sbuf_addstr(o, "null")) != 0 ||
	    sbuf_addstr(o, ", \"why\": ") != 0 || json_escape(o, store.why) != 0)
		return -1;
	return sbuf_addstr(o, "}");
}

int cmd_doctor(struct gcb_call *call)
{
	const char *vals[1], *ops[1], *remote = NULL;
	struct report rp = { 0, 0, JSON_INIT };
	struct keystore *ks = NULL;
	struct ks_item *items = NULL;
	struct target t;
	struct sbuf head = SBUF_INIT;
	char url[4096], lib[64], line[2048];
	size_t n = 0;
	int n_ops, r, ssh, url_ok, live_ok, alias = 0;
	char real[4200], name[300];
	struct target rt;

	if ((r = cred_args_parse(call->verb->spec, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	rp.json = vals[0] != NULL;
	if (n_ops == 0 || cred_is_remote_name(ops[0])) {
		remote = n_ops ? ops[0] : "origin";
		if ((r = cred_remote_url(remote, "doctor", url, sizeof(url))) != 0)
			return r;
	} else {
		snprintf(url, sizeof(url), "%s", ops[0]);
	}
	if ((r = target_from_url(url, &cred_config(call)->dc, &t)) != TARGET_OK) {
		if (r == TARGET_ERR_SHAPE)
			msg_error("%s", target_shape_hint(&t, line, sizeof(line)));
		else
			msg_error("cannot read the URL '%s': %s", url, target_strerror(r));
		return EXIT_USAGE;
	}
	ssh = !is_http(url);
	if (!rp.json && remote)
		printf("doctor: %s (remote %s)\n", url, remote);
	else if (!rp.json)
		printf("doctor: %s\n", url);
	if (ssh && t.product == PRODUCT_NONE &&
	    resolve_ssh_alias(url, &t, &cred_config(call)->dc, real, sizeof(real), name,
			      sizeof(name)) &&
	    target_from_url(real, &cred_config(call)->dc, &rt) == TARGET_OK)
		alias = 1;
	check_programs(&rp, ssh, lib, sizeof(lib));
	if (alias) {
		check(&rp, "ssh-config", 1, "ssh config: %s is %s (ssh -G %s); checking %s",
		      t.host, name, t.host, real);
		t = rt;
	}
	if (check_keyring(&rp, &ks))
		items = host_items(ks, &t, &n);
	if (t.product == PRODUCT_NONE) {
		check(&rp, "url", 0, "URL: %s is neither bitbucket.org nor a declared Bitbucket "
		      "Data Center host; declare it with 'git config --global --add "
		      "bitbucket.dataCenterHost %s' (or run 'git credential-bitbucket setup %s')",
		      t.host, t.host, url);
		url_ok = 0;
	} else {
		check_wiring(&rp, url, &t, items, n);
		url_ok = check_url(&rp, url, remote, &t, items, n);
	}
	if (ks != NULL && t.product != PRODUCT_NONE) {
		if (ssh)
			check_keys(&rp, &t, items, n, lib, cred_config(call));
		else
			check_tokens(&rp, ks, &t, items, n, url);
	}
	free(items);
	ks_close(ks);
	keyring_done();
	if (ssh && t.product != PRODUCT_NONE)
		check_host_key(&rp, &t);
	(void)url_ok;
	live_ok = cred_live_check(url, line, sizeof(line));
	if (!live_ok && ssh && t.product == PRODUCT_DATACENTER && t.port != 7999 &&
	    strstr(line, "cannot connect to ") != NULL) {
		char fixed[1200], fix[1300];

		/* nothing answers SSH there: Data Center's own port is the likely fix */
		ssh_url_for(&t, 7999, fixed, sizeof(fixed));
		set_url_fix(remote, fixed, fix, sizeof(fix));
		check(&rp, "live", 0, "%s; Bitbucket Data Center serves SSH on port 7999 unless "
		      "its administrator changed it: %s", line, fix);
	} else {
		check(&rp, "live", live_ok, "%s", line);
	}
	if (rp.json) {
		/* {"url": ..., "remote": ..., "ok": ..., "checks": [...]} */
		if (sbuf_addstr(&head, "{\"url\": ") != 0 || json_escape(&head, url) != 0 ||
		    sbuf_addstr(&head, ", \"remote\": ") != 0 ||
		    (remote ? json_escape(&head, remote) : sbuf_addstr(&head, "null")) != 0 ||
		    json_store(&head) != 0 ||
		    sbuf_addstr(&head, rp.failed ? ", \"ok\": false" : ", \"ok\": true") != 0 ||
		    sbuf_addstr(&head, ", \"checks\": ") != 0) {
			sbuf_free(&head);
			msg_error("out of memory; try again");
			return EXIT_REFUSED;
		}
		fwrite(head.buf, 1, head.len, stdout);
		sbuf_free(&head);
		if ((r = json_finish(&rp.j)) != 0)
			return r;
		printf("}\n");
	}
	return rp.failed ? EXIT_REFUSED : 0;
}
