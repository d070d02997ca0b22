/*
 * ssh-config.h - the person's OpenSSH configuration (ssh_config(5)), as
 * OpenSSH itself resolves it: `ssh -G [-p PORT] HOST` prints every setting
 * for HOST, and we read the few that say where and how to connect.  There
 * is no ssh_config parser here beyond sshcfg_may_apply(), a cheap and
 * deliberately over-cautious look at the files that decides whether
 * running ssh -G could change anything at all.
 *
 * Also the proxy: ProxyCommand (run by the shell, like OpenSSH does) or
 * ProxyJump (OpenSSH's `ssh -W`), started on one end of a socketpair whose
 * other end carries the SSH connection.
 *
 * Nothing here prints; the child processes' stderr is the caller's
 * (ssh -G's is captured for the error line).
 */
#ifndef GCB_SSH_CONFIG_H
#define GCB_SSH_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "ssh/ssh-args.h"

enum {
	SSHCFG_OK = 0,
	SSHCFG_ERR_RUN = -1,		/* ssh -G could not be started */
	SSHCFG_ERR_EXIT = -2,		/* ssh -G failed (detail: its first stderr line) */
	SSHCFG_ERR_TIMEOUT = -3,	/* ssh -G did not answer in time */
	SSHCFG_ERR_OUTPUT = -4,		/* a value we need is missing or odd (detail: which) */
	SSHCFG_ERR_TOKEN = -5,		/* a %-token in ProxyCommand we do not expand */
	SSHCFG_ERR_TOO_LONG = -6,
	SSHCFG_ERR_PROXY = -7,		/* the proxy could not be started (errno) */
};

#define SSHCFG_MAX_KNOWN_HOSTS 3

/* What ssh -G says about a host, as far as this program uses it. */
struct ssh_resolved {
	char hostname[256];		/* HostName, %-tokens expanded by ssh */
	unsigned port;
	int has_user;			/* User set (other than the login name ssh defaults to) */
	char user[256];
	long connect_timeout;		/* seconds; 0 = not set */
	int has_strict;
	enum ssh_strict strict;		/* ask/yes: yes; accept-new/no/off: accept-new */
	int n_known_hosts;		/* 0: OpenSSH's default (~/.ssh/known_hosts[2]); -1: none */
	char known_hosts[SSHCFG_MAX_KNOWN_HOSTS][SSH_ARGS_MAX_PATH];
	char host_key_alias[256];	/* "" when not set */
	char proxy_command[SSH_ARGS_MAX_COMMAND]; /* unexpanded; "" when none */
	char proxy_jump[1024];		/* "" when none */
	char detail[256];		/* for errors */
};

/*
 * Could the files change anything for host?  0 only when every setting in
 * the user's config (user_config, e.g. $HOME/.ssh/config) and, when
 * system is set, /etc/ssh/ssh_config and what it Includes, sits in a Host
 * block whose patterns cannot match host, or is one this program never
 * uses (SendEnv, IdentityFile, ...).  A Match, a relative Include or a
 * file that cannot be read answers 1: then ssh -G decides.
 */
int sshcfg_may_apply(const char *user_config, int system, const char *host);

/*
 * Run `ssh -G [-F config] [-p port] host` (ssh: the OpenSSH binary; config
 * NULL for OpenSSH's own choice of files) and read its answer into out.
 * login is the user name ssh would default to; pw_home the home ssh
 * expands ~ with (for recognising the default known_hosts files).
 */
int sshcfg_resolve(const char *ssh, const char *config, const char *host, unsigned port,
		   const char *login, const char *pw_home, struct ssh_resolved *out);

/* The parse of ssh -G's output (pure; the unit tests call it). */
int sshcfg_parse(const char *text, size_t len, const char *login, const char *pw_home,
		 struct ssh_resolved *out);

/*
 * ProxyCommand with %h (out->hostname), %p, %r (user), %n (the host as
 * given) and %% expanded, into buf.
 */
int sshcfg_proxy_expand(const struct ssh_resolved *r, const char *user, const char *given,
			char *buf, size_t len);

/*
 * Start the proxy: ProxyCommand through $SHELL -c "exec ...", or for
 * ProxyJump `ssh [-F config] [-J first,...] -W '[host]:port' ssh://lasthop`.
 * Its stdin and stdout are one end of a socketpair; *fd is the other
 * (close-on-exec), *pid the child.
 */
int sshcfg_proxy_start(const struct ssh_resolved *r, const char *ssh, const char *config,
		       const char *user, const char *given, int *fd, pid_t *pid);

/* End the proxy: SIGHUP, as OpenSSH does; reaped if it is already gone, never waited for. */
void sshcfg_proxy_stop(pid_t pid);

const char *sshcfg_strerror(int err);

#endif
