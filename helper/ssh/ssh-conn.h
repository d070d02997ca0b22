/*
 * ssh-conn.h - one SSH connection that runs one command: the only user of
 * libssh2 (ssh-conn.c includes libssh2.h, nothing else does).
 *
 * Order of calls: sshc_new, (sshc_hasher, for known_hosts lookups),
 * sshc_connect, sshc_hostkey, sshc_auth_key, sshc_exec, sshc_pump,
 * sshc_free.  Nothing here prints: functions return 0 or a negative
 * SSHC_ERR_* code, and sshc_strerror()/sshc_detail() say what happened.
 */
#ifndef GCB_SSH_CONN_H
#define GCB_SSH_CONN_H

#include <stddef.h>
#include "ssh/ssh-hostkeys.h"

enum {
	SSHC_OK = 0,
	SSHC_ERR_INTERNAL = -1,
	SSHC_ERR_NOMEM = -2,
	SSHC_ERR_INIT = -3,		/* libssh2 could not start */
	SSHC_ERR_RESOLVE = -4,		/* the host name does not resolve */
	SSHC_ERR_CONNECT = -5,		/* TCP connection refused or unreachable */
	SSHC_ERR_TIMEOUT = -6,		/* ConnectTimeout passed */
	SSHC_ERR_HANDSHAKE = -7,	/* SSH key exchange failed */
	SSHC_ERR_HOSTKEY = -8,		/* the server's host key cannot be read */
	SSHC_ERR_AUTH = -9,		/* the server refused the key */
	SSHC_ERR_KEY = -10,		/* libssh2 cannot use the key */
	SSHC_ERR_CHANNEL = -11,		/* the server refused a session channel */
	SSHC_ERR_EXEC = -12,		/* the server refused to run the command */
	SSHC_ERR_LOST = -13,		/* the connection dropped */
	SSHC_ERR_NO_STATUS = -14,	/* the channel closed without an exit status */
	SSHC_ERR_SIGNAL = -15,		/* the remote command died of a signal */
	SSHC_ERR_LOCAL_IO = -16,	/* reading stdin or writing stdout/stderr failed */
};

struct ssh_conn;

struct sshc_opts {
	const char *host;
	unsigned port;			/* 22 when 0 */
	int family;			/* 0, 4 or 6 */
	long timeout_ms;		/* connect, key exchange and authentication */
	unsigned hostkey_types;		/* (1 << enum ssh_keytype) to negotiate first */
	int has_fd;			/* connect over fd (a proxy's socket) instead of TCP */
	int fd;				/* with has_fd: given to the connection, which closes it */
};

int sshc_new(struct ssh_conn **out);
void sshc_free(struct ssh_conn *c);

/* HMAC-SHA1 matching of hashed known_hosts names, valid while c lives. */
void sshc_hasher(struct ssh_conn *c, struct kh_hasher *out);

/* Resolve, connect (TCP_NODELAY), key exchange; or with has_fd, key exchange over fd. */
int sshc_connect(struct ssh_conn *c, const struct sshc_opts *o);

/* The server's host key blob (owned by c) and its SHA256 fingerprint. */
int sshc_hostkey(struct ssh_conn *c, enum ssh_keytype *type,
		 const unsigned char **blob, size_t *len, char *fp, size_t fplen);

/* Public key authentication with a PEM private key held in memory. */
int sshc_auth_key(struct ssh_conn *c, const char *user, const char *pem,
		  size_t pem_len);

/* Open a session channel, send GIT_PROTOCOL (when not NULL) and exec command. */
int sshc_exec(struct ssh_conn *c, const char *command, const char *git_protocol);

/*
 * Copy in_fd -> channel (EOF when in_fd ends), channel stdout -> out_fd,
 * channel stderr -> err_fd, until the remote side closes.  On success
 * *status is the remote command's exit status.  A command killed by a
 * signal is SSHC_ERR_SIGNAL (sshc_detail() names it, "SIGTERM"); a
 * connection that drops is SSHC_ERR_LOST.  A channel the server closes
 * without an exit status is SSHC_ERR_NO_STATUS where libssh2 can tell
 * (1.12 and later); older libssh2 cannot, and it counts as 0.
 */
int sshc_pump(struct ssh_conn *c, int in_fd, int out_fd, int err_fd,
	      int *status);

/* More about the last failure: libssh2's message, errno, or the signal name. */
const char *sshc_detail(const struct ssh_conn *c);
const char *sshc_strerror(int err);

/* Whether the libssh2 in use signs with rsa-sha2-256/512 (1.11 and later). */
int sshc_rsa_sha2_supported(void);
/* The version of the libssh2 in use. */
const char *sshc_libssh2_version(void);

#endif
