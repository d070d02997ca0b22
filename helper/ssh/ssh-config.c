/*
 * ssh-config.c - OpenSSH's resolution of a host (ssh -G), the cheap check
 * that keeps it off the path when no ssh_config can matter, and the
 * ProxyCommand/ProxyJump child.
 *
 * Cost, measured 2026-12-05 on the shared 2-core test machine (load
 * average 11-14 at the time, so wall-clock figures are inflated; CPU
 * time is the steadier figure), 30 connections per run, three runs,
 * git-upload-pack of a small repository from a loopback sshd:
 *   ssh -G alone:                 33 ms CPU (an empty /bin/true: 9 ms);
 *                                 Debian 13 / OpenSSH 10: 38 ms CPU
 *   a connection without ssh -G:  73 ms CPU, 700-920 ms wall
 *   the same through an alias:    98 ms CPU, 880-960 ms wall
 * so resolving costs about 25 ms CPU (a third more) per connection,
 * most of it OpenSSH starting up (dynamic linking, OpenSSL).  Hence
 * sshcfg_may_apply(): with Debian's stock /etc/ssh/ssh_config (12 and
 * 13) and no ~/.ssh/config, or one whose Host blocks cannot match, the
 * check only reads those small files - 26 us CPU per call on Debian 12,
 * 34 us on Debian 13 (its systemd ssh_config.d file; 10000 calls) - and
 * ssh -G never runs.
 */
#include "ssh/ssh-config.h"
#include "ssh/ssh-hostkeys.h"
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYSTEM_CONFIG "/etc/ssh/ssh_config"
#define RESOLVE_TIMEOUT_MS 10000	/* ssh -G reads files; a Match exec may run a command */
#define MAX_OUTPUT ((size_t)64 << 10)	/* ssh -G prints ~4 KiB */
#define MAX_INCLUDE_DEPTH 8

/* --- the cheap check ------------------------------------------------------ */

/*
 * Settings that never change what git-bitbucket-ssh does: keys come from
 * the keyring, nothing is forwarded, no terminal, no agent.  Anything not
 * listed here counts as "may matter".
 */
static const char *const unused_keys[] = {
	"addkeystoagent", "batchmode", "checkhostip", "compression", "controlmaster",
	"controlpath", "controlpersist", "dynamicforward", "escapechar",
	"exitonforwardfailure", "forwardagent", "forwardx11", "forwardx11timeout",
	"forwardx11trusted", "gssapiauthentication", "gssapidelegatecredentials",
	"hashknownhosts", "hostbasedauthentication", "identitiesonly", "identityagent",
	"identityfile", "ignoreunknown", "kbdinteractiveauthentication", "localcommand",
	"localforward", "loglevel", "passwordauthentication", "permitlocalcommand",
	"preferredauthentications", "pubkeyauthentication", "remoteforward", "requesttty",
	"sendenv", "serveralivecountmax", "serveraliveinterval", "setenv", "tcpkeepalive",
	"updatehostkeys", "verifyhostkeydns", "visualhostkey",
};

static int is_unused_key(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof(unused_keys) / sizeof(unused_keys[0]); i++)
		if (strlen(unused_keys[i]) == n && strncasecmp(unused_keys[i], k, n) == 0)
			return 1;
	return 0;
}

/* The next word of p (quotes stripped), or NULL at the end. */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#') {
		*p = s;
		return NULL;
	}
	if (*s == '"') {
		w = ++s;
		while (*s && *s != '"')
			s++;
		*len = (size_t)(s - w);
		if (*s)
			s++;
	} else {
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		*len = (size_t)(s - w);
	}
	*p = s;
	return w;
}

static int scan_file(const char *path, const char *host, int depth);

/* Include: absolute patterns are scanned; anything else lets ssh -G decide. */
static int scan_include(const char *rest, const char *host, int depth)
{
	const char *w;
	size_t n;
	char pat[1024];

	while ((w = next_word(&rest, &n)) != NULL) {
		glob_t g;
		int r;

		if (n == 0 || w[0] != '/' || copy_str(pat, sizeof(pat), w, n) != 0)
			return 1;
		r = glob(pat, 0, NULL, &g);
		if (r == GLOB_NOMATCH)
			continue;
		if (r != 0)
			return 1;
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (scan_file(g.gl_pathv[i], host, depth + 1)) {
				globfree(&g);
				return 1;
			}
		globfree(&g);
	}
	return 0;
}

static int scan_line(const char *line, const char *host, int depth, int *live)
{
	const char *p = line, *key, *w;
	size_t klen, n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	key = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '=')
		p++;
	klen = (size_t)(p - key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '=')
		p++;
	if (klen == 4 && strncasecmp(key, "host", 4) == 0) {
		/* a superset of OpenSSH's match: negations are not subtracted */
		*live = 0;
		while ((w = next_word(&p, &n)) != NULL)
			if (n > 0 && w[0] != '!' && kh_pattern_match(w, n, host))
				*live = 1;
		return 0;
	}
	if (klen == 5 && strncasecmp(key, "match", 5) == 0)
		return 1;
	if (klen == 7 && strncasecmp(key, "include", 7) == 0)
		return scan_include(p, host, depth);
	/* "User git", common in Bitbucket blocks, is what we do anyway */
	if (klen == 4 && strncasecmp(key, "user", 4) == 0 &&
	    (w = next_word(&p, &n)) != NULL && n == 3 && memcmp(w, "git", 3) == 0 &&
	    next_word(&p, &n) == NULL)
		return 0;
	return *live && !is_unused_key(key, klen);
}

static int scan_file(const char *path, const char *host, int depth)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int live = 1, r = 0;

	if (depth > MAX_INCLUDE_DEPTH)
		return 1;
	if ((f = fopen(path, "re")) == NULL)
		return errno != ENOENT;
	while (r == 0 && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		r = scan_line(line, host, depth, &live);
	}
	if (ferror(f))
		r = 1;
	free(line);
	fclose(f);
	return r;
}

int sshcfg_may_apply(const char *user_config, int system, const char *host)
{
	if (user_config != NULL && scan_file(user_config, host, 0))
		return 1;
	return system && scan_file(SYSTEM_CONFIG, host, 0);
}

/* --- ssh -G ---------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int missing(struct ssh_resolved *out, const char *what)
{
	snprintf(out->detail, sizeof(out->detail), "%s", what);
	return SSHCFG_ERR_OUTPUT;
}

/* "DIR/.ssh/known_hosts DIR/.ssh/known_hosts2": OpenSSH's default for pw_home. */
static int is_default_known_hosts(const char *v, const char *pw_home)
{
	char def[2 * SSH_ARGS_MAX_PATH + 64];
	int w = snprintf(def, sizeof(def), "%s/.ssh/known_hosts %s/.ssh/known_hosts2",
			 pw_home, pw_home);

	return w > 0 && (size_t)w < sizeof(def) && strcmp(v, def) == 0;
}

static int set_value(struct ssh_resolved *out, const char *key, const char *v,
		     const char *login, const char *pw_home)
{
	long n;

	if (strcmp(key, "hostname") == 0) {
		if (copy_str(out->hostname, sizeof(out->hostname), v, strlen(v)) != 0)
			return SSHCFG_ERR_TOO_LONG;
	} else if (strcmp(key, "port") == 0) {
		if (parse_decimal(v, 1, 65535, &n) != 0)
			return missing(out, "port");
		out->port = (unsigned)n;
	} else if (strcmp(key, "user") == 0) {
		if (copy_str(out->user, sizeof(out->user), v, strlen(v)) != 0)
			return SSHCFG_ERR_TOO_LONG;
		out->has_user = login == NULL || strcmp(v, login) != 0;
	} else if (strcmp(key, "connecttimeout") == 0) {
		if (strcmp(v, "none") != 0 && parse_decimal(v, 0, 3600, &out->connect_timeout) != 0)
			return missing(out, "connecttimeout");
	} else if (strcmp(key, "stricthostkeychecking") == 0) {
		out->has_strict = strcmp(v, "ask") != 0;
		/* "no" still refuses a changed key: it only adds unknown ones */
		out->strict = strcmp(v, "accept-new") == 0 || strcmp(v, "false") == 0 ?
			      SSH_STRICT_ACCEPT_NEW : SSH_STRICT_YES;
	} else if (strcmp(key, "userknownhostsfile") == 0) {
		const char *p = v, *w;
		size_t len;

		if (strcmp(v, "none") == 0)
			out->n_known_hosts = -1;
		if (strcmp(v, "none") == 0 || is_default_known_hosts(v, pw_home))
			return SSHCFG_OK;
		/* ssh -G joins the names with spaces: a name with a space is two */
		while ((w = next_word(&p, &len)) != NULL && out->n_known_hosts < SSHCFG_MAX_KNOWN_HOSTS)
			if (copy_str(out->known_hosts[out->n_known_hosts++], SSH_ARGS_MAX_PATH,
				     w, len) != 0)
				return SSHCFG_ERR_TOO_LONG;
	} else if (strcmp(key, "hostkeyalias") == 0) {
		if (copy_str(out->host_key_alias, sizeof(out->host_key_alias), v, strlen(v)) != 0)
			return SSHCFG_ERR_TOO_LONG;
	} else if (strcmp(key, "proxycommand") == 0) {
		if (strcmp(v, "none") != 0 &&
		    copy_str(out->proxy_command, sizeof(out->proxy_command), v, strlen(v)) != 0)
			return SSHCFG_ERR_TOO_LONG;
	} else if (strcmp(key, "proxyjump") == 0) {
		if (strcmp(v, "none") != 0 &&
		    copy_str(out->proxy_jump, sizeof(out->proxy_jump), v, strlen(v)) != 0)
			return SSHCFG_ERR_TOO_LONG;
	}
	/* everything else ssh -G prints is not ours to use */
	return SSHCFG_OK;
}

int sshcfg_parse(const char *text, size_t len, const char *login, const char *pw_home,
		 struct ssh_resolved *out)
{
	const char *p = text, *end = text + len;
	int r;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t n = (size_t)((eol ? eol : end) - p);
		char key[64], val[SSH_ARGS_MAX_COMMAND];

		sp = memchr(p, ' ', n);
		if (sp != NULL && (size_t)(sp - p) < sizeof(key) && !has_control(p, n)) {
			memcpy(key, p, (size_t)(sp - p));
			key[sp - p] = '\0';
			if (copy_str(val, sizeof(val), sp + 1, n - (size_t)(sp - p) - 1) != 0)
				return SSHCFG_ERR_TOO_LONG;
			if ((r = set_value(out, key, val, login, pw_home)) != SSHCFG_OK)
				return r;
		}
		p = eol ? eol + 1 : end;
	}
	if (out->hostname[0] == '\0')
		return missing(out, "hostname");
	if (out->port == 0)
		return missing(out, "port");
	return SSHCFG_OK;
}

/* Read out and err until both end or the deadline passes. */
static int read_child(int ofd, int efd, char *out, size_t ocap, size_t *olen,
		      char *err, size_t ecap)
{
	long long deadline = now_ms() + RESOLVE_TIMEOUT_MS;
	size_t elen = 0;
	struct pollfd p[2] = { { .fd = ofd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };

	*olen = 0;
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - now_ms();
		char sink[4096];

		if (left <= 0)
			return SSHCFG_ERR_TIMEOUT;
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return SSHCFG_ERR_RUN;
		}
		for (int i = 0; i < 2; i++) {
			char *buf = i == 0 ? out : err;
			size_t cap = i == 0 ? ocap : ecap, *used = i == 0 ? olen : &elen;
			ssize_t n;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if (*used + 1 < cap)
				n = read(p[i].fd, buf + *used, cap - 1 - *used);
			else
				n = read(p[i].fd, sink, sizeof(sink));	/* too much: dropped */
			if (n > 0 && *used + 1 < cap)
				*used += (size_t)n;
			else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				p[i].fd = -1;
		}
	}
	out[*olen] = '\0';
	err[elen] = '\0';
	return SSHCFG_OK;
}

int sshcfg_resolve(const char *ssh, const char *config, const char *host, unsigned port,
		   const char *login, const char *pw_home, struct ssh_resolved *out)
{
	char portbuf[16], err[512], *text = NULL;
	const char *argv[10];
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 }, n = 0, status, r = SSHCFG_ERR_RUN;
	size_t len = 0;
	pid_t pid = -1;

	memset(out, 0, sizeof(*out));
	argv[n++] = "ssh";
	argv[n++] = "-G";
	if (config != NULL) {
		argv[n++] = "-F";
		argv[n++] = config;
	}
	if (port != 0) {
		snprintf(portbuf, sizeof(portbuf), "%u", port);
		argv[n++] = "-p";
		argv[n++] = portbuf;
	}
	argv[n++] = "--";
	argv[n++] = host;	/* never the user: it may carry a password someone typed */
	argv[n] = NULL;
	err[0] = '\0';
	if ((text = malloc(MAX_OUTPUT)) == NULL ||
	    pipe2(opipe, O_CLOEXEC) != 0 || pipe2(epipe, O_CLOEXEC) != 0)
		goto out;
	fflush(NULL);
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(opipe[1], 1) < 0 ||
		    dup2(epipe[1], 2) < 0)
			_exit(127);
		execv(ssh, (char *const *)argv);
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	opipe[1] = epipe[1] = -1;
	r = read_child(opipe[0], epipe[0], text, MAX_OUTPUT, &len, err, sizeof(err));
	if (r == SSHCFG_ERR_TIMEOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = SSHCFG_ERR_RUN;
			goto out;
		}
	if (r != SSHCFG_OK)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* ssh's own first line says what is wrong with the file */
		err[strcspn(err, "\r\n")] = '\0';
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "exit status %d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 255);
		r = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? SSHCFG_ERR_RUN : SSHCFG_ERR_EXIT;
		goto out;
	}
	r = sshcfg_parse(text, len, login, pw_home, out);
	err[0] = '\0';
out:
	if (err[0] != '\0') {
		for (char *c = err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		snprintf(out->detail, sizeof(out->detail), "%s", err);
	}
	for (int i = 0; i < 2; i++) {
		if (opipe[i] >= 0)
			close(opipe[i]);
		if (epipe[i] >= 0)
			close(epipe[i]);
	}
	free(text);
	return r;
}

/* --- the proxy ------------------------------------------------------------- */

static int append(char *buf, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used + n + 1 > len)
		return SSHCFG_ERR_TOO_LONG;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
	return SSHCFG_OK;
}

int sshcfg_proxy_expand(const struct ssh_resolved *r, const char *user, const char *given,
			char *buf, size_t len)
{
	char port[16];
	size_t used = 0;
	int rc = SSHCFG_OK;

	snprintf(port, sizeof(port), "%u", r->port);
	buf[0] = '\0';
	for (const char *p = r->proxy_command; *p && rc == SSHCFG_OK; p++) {
		const char *s;

		if (*p != '%') {
			rc = append(buf, len, &used, p, 1);
			continue;
		}
		switch (*++p) {
		case '%': s = "%"; break;
		case 'h': s = r->hostname; break;
		case 'p': s = port; break;
		case 'r': s = user; break;
		case 'n': s = given; break;
		default: return SSHCFG_ERR_TOKEN;
		}
		rc = append(buf, len, &used, s, strlen(s));
	}
	return rc;
}

int sshcfg_proxy_start(const struct ssh_resolved *r, const char *ssh, const char *config,
		       const char *user, const char *given, int *fd, pid_t *pid)
{
	char cmd[SSH_ARGS_MAX_COMMAND + 8], target[300], hop[1100], first[1024];
	const char *argv[12], *shell = getenv("SHELL");
	int sv[2], n = 0, rc;
	pid_t child;

	*fd = -1;
	*pid = -1;
	if (r->proxy_command[0] != '\0') {
		/* OpenSSH: $SHELL -c "exec COMMAND" */
		memcpy(cmd, "exec ", 5);
		if ((rc = sshcfg_proxy_expand(r, user, given, cmd + 5, sizeof(cmd) - 5)) != SSHCFG_OK)
			return rc;
		argv[n++] = shell != NULL && shell[0] == '/' ? shell : "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = cmd;
	} else {
		/* OpenSSH: ssh [-J all but the last] -W '[%h]:%p' last */
		const char *last = strrchr(r->proxy_jump, ',');

		snprintf(target, sizeof(target), "[%s]:%u", r->hostname, r->port);
		if (last != NULL) {
			if (copy_str(first, sizeof(first), r->proxy_jump,
				     (size_t)(last - r->proxy_jump)) != 0)
				return SSHCFG_ERR_TOO_LONG;
			last++;
		} else {
			last = r->proxy_jump;
		}
		rc = snprintf(hop, sizeof(hop), "%s%s",
			      strncmp(last, "ssh://", 6) == 0 ? "" : "ssh://", last);
		if (rc < 0 || (size_t)rc >= sizeof(hop))
			return SSHCFG_ERR_TOO_LONG;
		argv[n++] = ssh;
		if (config != NULL) {
			argv[n++] = "-F";
			argv[n++] = config;
		}
		if (last != r->proxy_jump) {
			argv[n++] = "-J";
			argv[n++] = first;
		}
		argv[n++] = "-W";
		argv[n++] = target;
		argv[n++] = "--";
		argv[n++] = hop;
	}
	argv[n] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return SSHCFG_ERR_PROXY;
	fflush(NULL);
	if ((child = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		return SSHCFG_ERR_PROXY;
	}
	if (child == 0) {
		/* stderr stays ours: ssh's and the command's messages reach the person */
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(sv[1]);
	*fd = sv[0];
	*pid = child;
	return SSHCFG_OK;
}

void sshcfg_proxy_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	/*
	 * As OpenSSH: SIGHUP, and no waiting - a command that ignores it
	 * must not hold up git; the program exits next and init reaps it.
	 */
	(void)kill(pid, SIGHUP);
	(void)waitpid(pid, NULL, WNOHANG);
}

const char *sshcfg_strerror(int err)
{
	switch (err) {
	case SSHCFG_OK: return "success";
	case SSHCFG_ERR_RUN: return "cannot run ssh -G";
	case SSHCFG_ERR_EXIT: return "ssh -G failed";
	case SSHCFG_ERR_TIMEOUT: return "ssh -G did not answer within 10 seconds";
	case SSHCFG_ERR_OUTPUT: return "ssh -G printed no usable value";
	case SSHCFG_ERR_TOKEN: return "ProxyCommand holds a %-token other than %h, %p, %r, %n and %%";
	case SSHCFG_ERR_TOO_LONG: return "a value is too long";
	case SSHCFG_ERR_PROXY: return "cannot start the proxy";
	}
	return "unknown error";
}
