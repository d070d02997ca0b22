/*
 * ssh-conn.c - the SSH transport: libssh2 (OpenSSL backend), one session,
 * one channel, one command.  Correct on libssh2 1.10 and 1.11, and uses
 * what later versions add when they are present (looked up at run time).
 */
#include "ssh/ssh-conn.h"
#include "ssh/ssh-timing.h"
#include "common/io.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "secret.h"
#include "sshwire.h"

/* Payload of a packet and of a read; libssh2's packets carry at most 32 KiB. */
#define PUMP_BUF ((size_t)64 << 10)
/* The receive window we grant the server: data in flight, and what libssh2 may queue. */
#define CHANNEL_WINDOW ((unsigned)1 << 20)
/* What we ask of the pipe to git: Linux's limit for unprivileged processes (pipe-max-size). */
#define OUT_PIPE_SIZE (1 << 20)

/*
 * libssh2_channel_has_exit_status() (libssh2 1.12 and later), looked up
 * when the channel ends; see remote_status().
 */
typedef int (*has_exit_status_fn)(LIBSSH2_CHANNEL *channel);

struct ssh_conn {
	LIBSSH2_SESSION *session;
	LIBSSH2_CHANNEL *channel;
	int fd;
	int libssh2_started;
	char detail[256];
};

/* --- allocator: everything libssh2 frees is wiped ---------------------- */

/*
 * Plain malloc() pointers, wiped over their whole usable size on free and
 * on realloc.  libssh2 does not always give back what it took through us:
 * 1.11.1 frees some buffers that it allocated with these functions with
 * plain free() or OPENSSL_clear_free() (gen_publickey_from_ec_evp,
 * _libssh2_ecdsa_sign; libssh2 issue #1828), so a pointer that is not
 * malloc()'s own - one behind a size header - aborts in free().  The size
 * to wipe comes from malloc_usable_size() (glibc's public API, also
 * provided by ASan and valgrind), never from anything we keep next to the
 * block.  Those few buffers libssh2 frees itself miss the wipe; what
 * OPENSSL_clear_free() gets is cleared by OpenSSL.
 */
static void *ssh_alloc(size_t count, void **abstract)
{
	(void)abstract;
	return malloc(count ? count : 1);
}

static void ssh_free(void *ptr, void **abstract)
{
	(void)abstract;
	if (ptr == NULL)
		return;
	wipe(ptr, malloc_usable_size(ptr));	/* decrypted payloads, key material */
	free(ptr);
}

static void *ssh_realloc(void *ptr, size_t count, void **abstract)
{
	size_t old;
	void *n;

	if (ptr == NULL)
		return ssh_alloc(count, abstract);
	old = malloc_usable_size(ptr);
	if ((n = ssh_alloc(count, abstract)) == NULL)
		return NULL;
	/* never realloc(): it could move the data and leave the old block unwiped */
	memcpy(n, ptr, old < count ? old : count);
	wipe(ptr, old);
	free(ptr);
	return n;
}

/* --- helpers ------------------------------------------------------------ */

static void set_detail_errno(struct ssh_conn *c, const char *what, int err)
{
	snprintf(c->detail, sizeof(c->detail), "%s: %s", what, strerror(err));
}

static void set_detail_ssh(struct ssh_conn *c)
{
	char *msg = NULL;

	if (c->session == NULL)
		return;
	libssh2_session_last_error(c->session, &msg, NULL, 0);
	snprintf(c->detail, sizeof(c->detail), "%s", msg && *msg ? msg : "unknown libssh2 error");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_nodelay(int fd)
{
	int one = 1;

	/* git's pkt-lines are small and latency-bound: never wait for Nagle */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#ifdef TCP_QUICKACK
	/* acknowledge at once during the request/response negotiation */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#endif
}

/*
 * libssh2's recv, plus TCP_QUICKACK after each read.  Linux leaves
 * quick-ACK mode on its own; while it is off our ACKs wait up to 40 ms, and
 * a server that writes without TCP_NODELAY (sshd for a non-interactive
 * session) holds its next small packet until that ACK comes: the
 * request/response steps of authentication, exec and git's negotiation
 * would each stall.
 */
static ssize_t quickack_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
			     void **abstract)
{
	ssize_t n = recv(fd, buf, len, flags);

	(void)abstract;
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
#ifdef TCP_QUICKACK
	if (n > 0) {
		int one = 1;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
#endif
	return n;
}

/* Wait until the session's socket can make progress, or the deadline (0 = none) passes. */
static int wait_socket(struct ssh_conn *c, long long deadline)
{
	struct pollfd p = { .fd = c->fd, .events = 0 };
	int dirs = libssh2_session_block_directions(c->session), timeout = -1, r;

	if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (p.events == 0)
		p.events = POLLIN;
	if (deadline > 0) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return SSHC_ERR_TIMEOUT;
		timeout = left > 60000 ? 60000 : (int)left;
	}
	r = poll(&p, 1, timeout);
	if (r < 0 && errno != EINTR) {
		set_detail_errno(c, "poll", errno);
		return SSHC_ERR_LOST;
	}
	return SSHC_OK;
}

/* --- lifecycle ---------------------------------------------------------- */

int sshc_new(struct ssh_conn **out)
{
	struct ssh_conn *c;
	int r = SSHC_ERR_INIT;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SSHC_ERR_NOMEM;
	c->fd = -1;
	if (libssh2_init(0) != 0)
		goto out;
	c->libssh2_started = 1;
	c->session = libssh2_session_init_ex(ssh_alloc, ssh_free, ssh_realloc, NULL);
	if (c->session == NULL)
		goto out;
#if LIBSSH2_VERSION_NUM >= 0x010b01
	libssh2_session_callback_set2(c->session, LIBSSH2_CALLBACK_RECV,
				      (libssh2_cb_generic *)quickack_recv);
#else
	libssh2_session_callback_set(c->session, LIBSSH2_CALLBACK_RECV, (void *)quickack_recv);
#endif
	/* success */
	*out = c;
	c = NULL;
	r = SSHC_OK;
out:
	sshc_free(c);
	return r;
}

void sshc_free(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	/*
	 * In non-blocking mode a free can answer EAGAIN (the channel's close
	 * is still to be sent) and then frees nothing: the session, with its
	 * keys, would stay allocated (LeakSanitizer saw it when stdout failed
	 * mid-transfer).  Then it is asked again, blocking for at most
	 * FREE_WAIT_MS, so the memory is always wiped and freed.
	 */
#define FREE_WAIT_MS 500
	if (c->channel != NULL &&
	    libssh2_channel_free(c->channel) == LIBSSH2_ERROR_EAGAIN) {
		libssh2_session_set_timeout(c->session, FREE_WAIT_MS);
		libssh2_session_set_blocking(c->session, 1);
		(void)libssh2_channel_free(c->channel);
	}
	if (c->session != NULL) {
		/* best effort, never wait long for a polite goodbye */
		libssh2_session_set_blocking(c->session, 0);
		(void)libssh2_session_disconnect(c->session, "bye");
		if (libssh2_session_free(c->session) == LIBSSH2_ERROR_EAGAIN) {
			libssh2_session_set_timeout(c->session, FREE_WAIT_MS);
			libssh2_session_set_blocking(c->session, 1);
			(void)libssh2_session_free(c->session);
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->libssh2_started)
		libssh2_exit();
	wipe(c, sizeof(*c));
	free(c);
}

/* --- hashed known_hosts names ------------------------------------------- */

/*
 * Base64 of exactly 20 bytes (a SHA-1 salt or HMAC): 27 characters of the
 * alphabet and one '='.  OpenSSH refuses other lengths; libssh2 1.10 leaks
 * an HMAC context on every lookup of a hash that is not 20 bytes long.
 */
static int is_sha1_b64(const char *s, size_t n)
{
	if (n != 28 || s[27] != '=')
		return 0;
	for (size_t i = 0; i < 27; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '/')
			return 0;
	return 1;
}

/* "|1|salt|hash": let libssh2's known-hosts code do the HMAC-SHA1. */
static int hashed_match(void *ctx, const char *entry, size_t len, const char *name)
{
	struct ssh_conn *c = ctx;
	char salt[32], hash[32];
	const char *s, *bar;
	LIBSSH2_KNOWNHOSTS *kh;
	int r, m = 0;

	if (len < 4 || memcmp(entry, "|1|", 3) != 0)
		return 0;
	s = entry + 3;
	bar = memchr(s, '|', len - 3);
	if (bar == NULL || !is_sha1_b64(s, (size_t)(bar - s)) ||
	    !is_sha1_b64(bar + 1, (size_t)(entry + len - bar - 1)))
		return 0;
	memcpy(salt, s, (size_t)(bar - s));
	salt[bar - s] = '\0';
	memcpy(hash, bar + 1, (size_t)(entry + len - bar - 1));
	hash[entry + len - bar - 1] = '\0';
	if ((kh = libssh2_knownhost_init(c->session)) == NULL)
		return 0;
	if (libssh2_knownhost_addc(kh, hash, salt, "AAAA", 4, NULL, 0,
				   LIBSSH2_KNOWNHOST_TYPE_SHA1 |
				   LIBSSH2_KNOWNHOST_KEYENC_BASE64 |
				   LIBSSH2_KNOWNHOST_KEY_SSHRSA, NULL) == 0) {
		/*
		 * Key type 0 compares any key; a dummy key never equals the
		 * stored one, so "mismatch" means the name matched.
		 */
		r = libssh2_knownhost_checkp(kh, name, -1, "x", 1,
					     LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					     LIBSSH2_KNOWNHOST_KEYENC_RAW, NULL);
		m = r == LIBSSH2_KNOWNHOST_CHECK_MATCH ||
		    r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
	}
	libssh2_knownhost_free(kh);
	return m;
}

void sshc_hasher(struct ssh_conn *c, struct kh_hasher *out)
{
	out->match = hashed_match;
	out->ctx = c;
}

/* --- connect ------------------------------------------------------------ */

static int tcp_connect(struct ssh_conn *c, const struct sshc_opts *o, long long deadline)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[12];
	int r, fd = -1, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->family == 4 ? AF_INET : o->family == 6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", o->port ? o->port : 22);
	if ((r = getaddrinfo(o->host, port, &hints, &res)) != 0) {
		snprintf(c->detail, sizeof(c->detail), "%s",
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return SSHC_ERR_RESOLVE;
	}
	r = SSHC_ERR_CONNECT;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t elen = sizeof(err);
		long long left;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			p.fd = fd;
			p.events = POLLOUT;
			do {
				left = deadline - now_ms();
				if (left <= 0)
					break;
			} while (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0 && errno == EINTR);
			if (left <= 0) {
				err = ETIMEDOUT;
				r = SSHC_ERR_TIMEOUT;
			} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0) {
				break;
			}
		}
		close(fd);
		fd = -1;
		if (r == SSHC_ERR_TIMEOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		set_detail_errno(c, "connect", err ? err : ECONNREFUSED);
		return r;
	}
	set_nodelay(fd);
	c->fd = fd;
	return SSHC_OK;
}

/*
 * Host key algorithms: the types known for this host first, so the key we
 * check is one we know; then OpenSSH's order (Ed25519 first).
 */
static void set_hostkey_prefs(struct ssh_conn *c, unsigned known)
{
	static const enum ssh_keytype order[] = {
		SSH_KT_ED25519, SSH_KT_ECDSA256, SSH_KT_ECDSA384, SSH_KT_ECDSA521, SSH_KT_RSA,
	};
	char list[256];
	size_t used = 0;

	list[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			const char *name = ssh_keytype_name(order[i]);
			int is_known = (known >> order[i]) & 1;
			int w;

			if (is_known != (pass == 0))
				continue;
			w = snprintf(list + used, sizeof(list) - used, "%s%s",
				     used ? "," : "", name);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				return;
			used += (size_t)w;
		}
	}
	/* an algorithm this libssh2 lacks is dropped by libssh2 itself */
	(void)libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, list);
}

int sshc_connect(struct ssh_conn *c, const struct sshc_opts *o)
{
	long long deadline = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : 30000);
	long long t = timing_start();
	int r, rc;

	if (o->has_fd) {
		/* a proxy's socket: non-blocking like ours, no TCP options */
		c->fd = o->fd;
		(void)fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	} else if ((r = tcp_connect(c, o, deadline)) != SSHC_OK) {
		return r;
	}
	timing_end("tcp", t);
	t = timing_start();
	set_hostkey_prefs(c, o->hostkey_types);
	libssh2_session_set_blocking(c->session, 0);
	while ((rc = libssh2_session_handshake(c->session, c->fd)) == LIBSSH2_ERROR_EAGAIN)
		if ((r = wait_socket(c, deadline)) != SSHC_OK) {
			snprintf(c->detail, sizeof(c->detail), "no answer from the SSH server in time");
			return r;
		}
	if (rc != 0) {
		set_detail_ssh(c);
		return SSHC_ERR_HANDSHAKE;
	}
	timing_end("kex", t);
	/* authentication and channel setup: libssh2's blocking calls, bounded in time */
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session, o->timeout_ms > 0 ? o->timeout_ms : 30000);
	return SSHC_OK;
}

int sshc_hostkey(struct ssh_conn *c, enum ssh_keytype *type,
		 const unsigned char **blob, size_t *len, char *fp, size_t fplen)
{
	const char *key;
	char sha[SSHWIRE_FP_LEN];
	size_t klen = 0;
	int ktype = 0;

	*blob = NULL;
	*len = 0;
	*type = SSH_KT_UNKNOWN;
	key = libssh2_session_hostkey(c->session, &klen, &ktype);
	if (key == NULL || klen == 0)
		return SSHC_ERR_HOSTKEY;
	if (sshwire_fingerprint((const unsigned char *)key, klen, sha) != SSHWIRE_OK ||
	    snprintf(fp, fplen, "%s", sha) != SSHWIRE_FP_LEN - 1)
		return SSHC_ERR_INTERNAL;
	*type = ssh_keytype_from_blob((const unsigned char *)key, klen);
	*blob = (const unsigned char *)key;
	*len = klen;
	return SSHC_OK;
}

/* --- authentication and command ----------------------------------------- */

int sshc_auth_key(struct ssh_conn *c, const char *user, const char *pem, size_t pem_len)
{
	long long t = timing_start();
	int rc;

	rc = libssh2_userauth_publickey_frommemory(c->session, user, strlen(user),
						   NULL, 0, pem, pem_len, NULL);
	timing_end("auth", t);
	if (rc == 0)
		return SSHC_OK;
	set_detail_ssh(c);
	switch (rc) {
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:	/* also PUBLICKEY_UNRECOGNIZED */
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
		return SSHC_ERR_AUTH;
	case LIBSSH2_ERROR_TIMEOUT:
		return SSHC_ERR_TIMEOUT;
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
		return SSHC_ERR_LOST;
	default:
		/* LIBSSH2_ERROR_FILE, METHOD_NOT_SUPPORTED, ...: the key itself */
		return SSHC_ERR_KEY;
	}
}

int sshc_exec(struct ssh_conn *c, const char *command, const char *git_protocol)
{
	long long t = timing_start();
	int rc;

	c->channel = libssh2_channel_open_ex(c->session, "session", sizeof("session") - 1,
					     CHANNEL_WINDOW, LIBSSH2_CHANNEL_PACKET_DEFAULT,
					     NULL, 0);
	if (c->channel == NULL) {
		set_detail_ssh(c);
		return libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_TIMEOUT ?
		       SSHC_ERR_TIMEOUT : SSHC_ERR_CHANNEL;
	}
	if (git_protocol != NULL) {
		/* refused unless sshd has AcceptEnv GIT_PROTOCOL: git then speaks v0 */
		rc = libssh2_channel_setenv(c->channel, "GIT_PROTOCOL", git_protocol);
		if (rc != 0 && rc != LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED) {
			set_detail_ssh(c);
			return SSHC_ERR_LOST;
		}
	}
	rc = libssh2_channel_exec(c->channel, command);
	if (rc != 0) {
		set_detail_ssh(c);
		return rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED ? SSHC_ERR_EXEC : SSHC_ERR_LOST;
	}
	timing_end("exec", t);
	return SSHC_OK;
}

/* --- the pump ----------------------------------------------------------- */

static int lost(struct ssh_conn *c)
{
	set_detail_ssh(c);
	return SSHC_ERR_LOST;
}

/*
 * Move what libssh2 holds for one stream to fd.  Bounded per call so that
 * stdin gets its turn during a long download.  *open is cleared when the
 * local side stopped taking data (EPIPE): the rest is read and dropped.
 */
static int drain(struct ssh_conn *c, int stream, char *buf, int fd, int *open, int *busy)
{
	for (int k = 0; k < 16; k++) {
		ssize_t n = libssh2_channel_read_ex(c->channel, stream, buf, PUMP_BUF);

		if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
			return SSHC_OK;
		if (n < 0)
			return lost(c);
		*busy = 1;
		if (*open && write_all(fd, buf, (size_t)n) != 0) {
			if (errno != EPIPE) {
				set_detail_errno(c, stream ? "write to stderr" : "write to stdout", errno);
				return SSHC_ERR_LOCAL_IO;
			}
			*open = 0;
		}
	}
	return SSHC_OK;
}

/*
 * Let the pipe to git hold more than Linux's default 64 KiB.  During a
 * clone git (fetch-pack, index-pack) and this process share the CPUs; with
 * a 64 KiB pipe each write stops until git has read, and git then waits for
 * us: a 300 MB clone measured 2.80 s with the default, 2.34 s with 1 MiB.
 * Best effort: not a pipe, or a size the kernel refuses, changes nothing.
 */
static void grow_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	int size;

	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return;
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size >= 0 && size < OUT_PIPE_SIZE)
		(void)fcntl(fd, F_SETPIPE_SZ, OUT_PIPE_SIZE);
#else
	(void)fd;
#endif
}

/*
 * The remote command's exit status, once the channel is closed and no
 * exit-signal came.  libssh2_channel_get_exit_status() returns 0 both for
 * "exited 0" and for "the server never said".  libssh2 1.12 adds
 * libssh2_channel_has_exit_status(); it is looked up in the running
 * library, so a newer libssh2 than the one we were built with is used when
 * present.  Without it (1.10, 1.11) a 0 is taken as it is: the server sent
 * EOF and closed the channel in order (a dropped connection is
 * SSHC_ERR_LOST before we get here), but a server that closes the channel
 * of a command still running (OpenSSH's ChannelTimeout) cannot be told
 * from a command that exited 0.
 */
static int remote_status(struct ssh_conn *c, int *status)
{
	has_exit_status_fn has;

	has = (has_exit_status_fn)dlsym(RTLD_DEFAULT, "libssh2_channel_has_exit_status");
	if (has != NULL && !has(c->channel)) {
		snprintf(c->detail, sizeof(c->detail), "the server sent no exit status");
		return SSHC_ERR_NO_STATUS;
	}
	*status = libssh2_channel_get_exit_status(c->channel);
	return SSHC_OK;
}

/* Wait on the socket only, for the end of the channel. */
static int finish_wait(struct ssh_conn *c)
{
	return wait_socket(c, 0);
}

/* One pump's state: git's input on its way to the channel. */
struct pump {
	int in_fd;
	char *inbuf;			/* read from in_fd, not yet written */
	size_t in_len, in_off;
	int stdin_open, stdin_ready, eof_sent;
};

/* git's input: read when poll() said so, write what libssh2 takes, then EOF. */
static int pump_stdin(struct ssh_conn *c, struct pump *p, int *busy)
{
	if (p->stdin_open && p->in_len == 0 && p->stdin_ready) {
		ssize_t n = read(p->in_fd, p->inbuf, PUMP_BUF);

		p->stdin_ready = 0;
		if (n > 0) {
			p->in_len = (size_t)n;
			p->in_off = 0;
		} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			p->stdin_open = 0;
		}
	}
	while (p->in_len > 0) {
		ssize_t n = libssh2_channel_write(c->channel, p->inbuf + p->in_off, p->in_len);

		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0) {
			if (!libssh2_channel_eof(c->channel))
				return lost(c);
			/* the command is gone; what git still sends has nowhere to go */
			p->in_len = 0;
			p->stdin_open = 0;
			break;
		}
		p->in_off += (size_t)n;
		p->in_len -= (size_t)n;
		*busy = 1;
	}
	if (!p->stdin_open && p->in_len == 0 && !p->eof_sent &&
	    libssh2_channel_send_eof(c->channel) != LIBSSH2_ERROR_EAGAIN)
		p->eof_sent = 1;	/* an error here shows up in the reads */
	return SSHC_OK;
}

/*
 * Wait for the socket or git's input.  Block only when libssh2 holds
 * nothing for us: reading one stream (or writing) drains the socket into
 * libssh2's queue, and poll() on an empty socket would leave that data
 * stranded.
 */
static int pump_wait(struct ssh_conn *c, struct pump *p, int busy)
{
	struct pollfd fds[2];
	int dirs = libssh2_session_block_directions(c->session);
	int timeout = busy ? 0 : -1;

	if (libssh2_poll_channel_read(c->channel, 1) > 0 &&
	    !(dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND))
		timeout = 0;
	fds[0].fd = c->fd;
	fds[0].events = POLLIN | ((dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND) ? POLLOUT : 0);
	fds[1].fd = (p->stdin_open && p->in_len == 0) ? p->in_fd : -1;
	fds[1].events = POLLIN;
	fds[0].revents = fds[1].revents = 0;
	if (poll(fds, 2, timeout) < 0 && errno != EINTR) {
		set_detail_errno(c, "poll", errno);
		return SSHC_ERR_LOCAL_IO;
	}
	if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
		p->stdin_ready = 1;
	else if (fds[1].revents & POLLNVAL)
		p->stdin_open = 0;
	return SSHC_OK;
}

/* EOF from the server: the close, then how the command ended. */
static int pump_finish(struct ssh_conn *c, int *status)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc, r;

	while ((rc = libssh2_channel_wait_closed(c->channel)) == LIBSSH2_ERROR_EAGAIN)
		if ((r = finish_wait(c)) != SSHC_OK)
			return r;
	if (rc != 0)
		return lost(c);
	while ((rc = libssh2_channel_close(c->channel)) == LIBSSH2_ERROR_EAGAIN)
		if ((r = finish_wait(c)) != SSHC_OK)
			return r;
	if (libssh2_channel_get_exit_signal(c->channel, &sig, &siglen, NULL, NULL,
					    NULL, NULL) == 0 && sig != NULL) {
		snprintf(c->detail, sizeof(c->detail), "SIG%s", sig);
		libssh2_free(c->session, sig);
		return SSHC_ERR_SIGNAL;
	}
	return remote_status(c, status);
}

int sshc_pump(struct ssh_conn *c, int in_fd, int out_fd, int err_fd, int *status)
{
	struct pump p = { .in_fd = in_fd, .stdin_open = in_fd >= 0 };
	long long t = timing_start();
	char *buf = NULL;
	int out_open = 1, err_open = 1, r = SSHC_ERR_NOMEM;

	*status = 255;
	if ((buf = malloc(PUMP_BUF)) == NULL || (p.inbuf = malloc(PUMP_BUF)) == NULL)
		goto out;
	grow_pipe(out_fd);
	libssh2_session_set_blocking(c->session, 0);
	for (;;) {
		int busy = 0;

		/* the server's output first: it is what git waits for */
		if ((r = drain(c, 0, buf, out_fd, &out_open, &busy)) != SSHC_OK)
			goto out;
		if ((r = drain(c, SSH_EXTENDED_DATA_STDERR, buf, err_fd, &err_open, &busy)) != SSHC_OK)
			goto out;
		if ((r = pump_stdin(c, &p, &busy)) != SSHC_OK)
			goto out;
		/* the server said EOF (or closed) and nothing is left to read */
		if (libssh2_channel_eof(c->channel))
			break;
		if ((r = pump_wait(c, &p, busy)) != SSHC_OK)
			goto out;
	}
	r = pump_finish(c, status);
	timing_end("command", t);
out:
	if (p.inbuf != NULL) {
		wipe(p.inbuf, PUMP_BUF);
		free(p.inbuf);
	}
	if (buf != NULL) {
		wipe(buf, PUMP_BUF);
		free(buf);
	}
	return r;
}

/* --- messages ----------------------------------------------------------- */

const char *sshc_detail(const struct ssh_conn *c)
{
	return c != NULL && c->detail[0] ? c->detail : "no details";
}

const char *sshc_strerror(int err)
{
	switch (err) {
	case SSHC_OK: return "success";
	case SSHC_ERR_INTERNAL: return "internal error";
	case SSHC_ERR_NOMEM: return "out of memory";
	case SSHC_ERR_INIT: return "cannot start libssh2";
	case SSHC_ERR_RESOLVE: return "cannot resolve host name";
	case SSHC_ERR_CONNECT: return "cannot connect";
	case SSHC_ERR_TIMEOUT: return "connection timed out";
	case SSHC_ERR_HANDSHAKE: return "SSH key exchange failed";
	case SSHC_ERR_HOSTKEY: return "cannot read the server's host key";
	case SSHC_ERR_AUTH: return "the server refused the key";
	case SSHC_ERR_KEY: return "cannot use the key";
	case SSHC_ERR_CHANNEL: return "the server refused a session";
	case SSHC_ERR_EXEC: return "the server refused to run the command";
	case SSHC_ERR_LOST: return "connection lost";
	case SSHC_ERR_NO_STATUS: return "the connection closed without an exit status";
	case SSHC_ERR_SIGNAL: return "the remote command was killed by a signal";
	case SSHC_ERR_LOCAL_IO: return "local input/output error";
	}
	return "unknown error";
}

int sshc_rsa_sha2_supported(void)
{
	return libssh2_version(0x010b00) != NULL;
}

const char *sshc_libssh2_version(void)
{
	const char *v = libssh2_version(0);

	return v ? v : "unknown";
}
