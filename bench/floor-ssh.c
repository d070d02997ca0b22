/*
 * floor-ssh.c - the floor for `make bench`: the least a libssh2 client must
 * do to run git's command, to compare git-bitbucket-ssh against.
 *
 *   GIT_SSH_COMMAND="floor-ssh -i KEYFILE" git ls-remote ssh://git@HOST:PORT/repo.git
 *
 * Reads its private key from a file, checks no host key, looks nothing up,
 * keeps no bookkeeping, wipes nothing: connect, key exchange, public-key
 * authentication, one channel, the command, stdin/stdout/stderr pumped
 * until the server closes, the remote exit status.  It takes the transport
 * settings any fast client has (TCP_NODELAY, and TCP_QUICKACK after each
 * read, as git-bitbucket-ssh does) so that the floor is not slowed by
 * delayed ACKs the wrapper avoids.  Accepts what git passes to an
 * OpenSSH-like program: -G, -4, -6, -p PORT, -o OPTION (only
 * SendEnv=GIT_PROTOCOL means anything), [user@]host, the command.
 * A benchmark tool, never installed; errors are one line and exit 255.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#define BUF (64 * 1024)

static LIBSSH2_SESSION *session;
static int sock = -1;

static int fail(const char *what)
{
	char *msg = NULL;

	if (session != NULL)
		libssh2_session_last_error(session, &msg, NULL, 0);
	fprintf(stderr, "floor-ssh: %s%s%s\n", what, msg && *msg ? ": " : "", msg ? msg : "");
	return 255;
}

static ssize_t quickack_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
			     void **abstract)
{
	ssize_t n = recv(fd, buf, len, flags);
	int one = 1;

	(void)abstract;
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return n;
}

static int tcp(const char *host, const char *port, int family)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, one = 1;

	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	return fd;
}

static void wait_socket(void)
{
	struct pollfd p = { .fd = sock, .events = 0 };
	int dirs = libssh2_session_block_directions(session);

	if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	(void)poll(&p, 1, p.events ? -1 : 10);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Server output to stdout and stderr, git's input to the channel, until the server's EOF. */
static int pump(LIBSSH2_CHANNEL *ch)
{
	static char out[BUF], in[BUF];
	size_t in_len = 0, in_off = 0;
	int in_open = 1, eof_sent = 0;

	for (;;) {
		int busy = 0;

		for (int stream = 0; stream < 2; stream++) {
			ssize_t n;

			while ((n = libssh2_channel_read_ex(ch, stream, out, sizeof(out))) > 0) {
				busy = 1;
				if (write_all(stream ? 2 : 1, out, (size_t)n) != 0)
					return fail("write");
			}
			if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
				return fail("read");
		}
		while (in_len > 0) {
			ssize_t n = libssh2_channel_write(ch, in + in_off, in_len);

			if (n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0)
				return fail("write to channel");
			in_off += (size_t)n;
			in_len -= (size_t)n;
			busy = 1;
		}
		if (!in_open && in_len == 0 && !eof_sent &&
		    libssh2_channel_send_eof(ch) != LIBSSH2_ERROR_EAGAIN)
			eof_sent = 1;
		if (libssh2_channel_eof(ch))
			return 0;
		if (busy)
			continue;

		struct pollfd fds[2] = {
			{ .fd = sock, .events = POLLIN },
			{ .fd = in_open && in_len == 0 ? 0 : -1, .events = POLLIN },
		};
		if (libssh2_session_block_directions(session) & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			fds[0].events |= POLLOUT;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return fail("poll");
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(0, in, sizeof(in));

			if (n > 0) {
				in_len = (size_t)n;
				in_off = 0;
			} else if (n == 0 || errno != EINTR) {
				in_open = 0;
			}
		}
	}
}

int main(int argc, char **argv)
{
	const char *key = NULL, *port = "22", *user = "git", *host, *command;
	int family = 0, send_protocol = 0, rc, status;
	LIBSSH2_CHANNEL *ch;
	char *at;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (strcmp(o, "-G") == 0)
			return 0;
		if (strcmp(o, "-4") == 0 || strcmp(o, "-6") == 0) {
			family = o[1] - '0';
			continue;
		}
		if (i + 1 >= argc || (strcmp(o, "-i") && strcmp(o, "-p") && strcmp(o, "-o"))) {
			fprintf(stderr, "floor-ssh: unknown option %s\n", o);
			return 255;
		}
		if (strcmp(o, "-i") == 0)
			key = argv[++i];
		else if (strcmp(o, "-p") == 0)
			port = argv[++i];
		else if (strcmp(argv[++i], "SendEnv=GIT_PROTOCOL") == 0)
			send_protocol = 1;
	}
	if (key == NULL || i + 2 != argc) {
		fprintf(stderr, "usage: floor-ssh -i KEYFILE [-p PORT] [-o SendEnv=GIT_PROTOCOL] "
			"[user@]host command\n");
		return 255;
	}
	host = argv[i];
	command = argv[i + 1];
	if ((at = strchr(host, '@')) != NULL) {
		*at = '\0';
		user = host;
		host = at + 1;
	}

	if (libssh2_init(0) != 0 || (session = libssh2_session_init()) == NULL)
		return fail("libssh2_init");
#if LIBSSH2_VERSION_NUM >= 0x010b01
	libssh2_session_callback_set2(session, LIBSSH2_CALLBACK_RECV,
				      (libssh2_cb_generic *)quickack_recv);
#else
	libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)quickack_recv);
#endif
	if ((sock = tcp(host, port, family)) < 0)
		return fail("connect");
	if (libssh2_session_handshake(session, sock) != 0)
		return fail("handshake");
	if (libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned)strlen(user),
						   NULL, key, NULL) != 0)
		return fail("authentication");
	if ((ch = libssh2_channel_open_session(session)) == NULL)
		return fail("channel");
	if (send_protocol && getenv("GIT_PROTOCOL") != NULL)
		(void)libssh2_channel_setenv(ch, "GIT_PROTOCOL", getenv("GIT_PROTOCOL"));
	if (libssh2_channel_exec(ch, command) != 0)
		return fail("exec");

	libssh2_session_set_blocking(session, 0);
	if ((rc = pump(ch)) != 0)
		return rc;
	while ((rc = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN)
		wait_socket();
	status = libssh2_channel_get_exit_status(ch);
	libssh2_channel_free(ch);
	libssh2_session_disconnect(session, "bye");
	libssh2_session_free(session);
	close(sock);
	libssh2_exit();
	return status;
}
