/*
 * ssh-args.h - the command line git gives an OpenSSH-compatible program,
 * and the remote command inside it.
 *
 * git runs `<cmd> -G [options] host` once to probe whether the program
 * speaks OpenSSH's options, then
 *   [-o SendEnv=GIT_PROTOCOL] [-4|-6] [-p PORT] [USER@]HOST "COMMAND"
 * We also take -i KEYNAME (a key in the keyring, not a file) and a few -o
 * settings people put in core.sshCommand.  Anything else is refused: an
 * option that is silently dropped is an option that silently does not work.
 *
 * The command line is read once, by ssh_args_parse(), into struct ssh_args;
 * everything else (the probe, the connection, the hand-over to OpenSSH)
 * reads the struct.
 *
 * Pure code: no I/O, no allocation, nothing printed.
 */
#ifndef GCB_SSH_ARGS_H
#define GCB_SSH_ARGS_H

#include <stddef.h>

enum {
	SSHARGS_OK = 0,
	SSHARGS_ERR_OPTION = -1,	/* an option we do not take (in bad[]) */
	SSHARGS_ERR_NEEDS_ARG = -2,	/* -p, -i or -o without its value */
	SSHARGS_ERR_PORT = -3,		/* -p not a number in 1..65535 */
	SSHARGS_ERR_NO_HOST = -4,
	SSHARGS_ERR_HOST = -5,		/* host starts with '-' or holds odd bytes */
	SSHARGS_ERR_TOO_LONG = -6,	/* host, user, key name, file or command */
	SSHARGS_ERR_O_OPTION = -7,	/* -o KEY we do not take (in bad[]) */
	SSHARGS_ERR_O_VALUE = -8,	/* -o KEY=VALUE with a value we refuse (key in bad[]) */
	SSHARGS_ERR_KEYNAME = -9,	/* -i with an empty or odd key name */
	SSHARGS_ERR_USER = -10,		/* "@host": empty user */
	SSHARGS_ERR_TOO_MANY = -11,	/* more than SSH_ARGS_MAX_WORDS option words */
};

enum ssh_strict { SSH_STRICT_YES = 0, SSH_STRICT_ACCEPT_NEW };

#define SSH_ARGS_MAX_COMMAND 4096
#define SSH_ARGS_MAX_PATH 4096
#define SSH_ARGS_MAX_WORDS 32		/* option words before the host; git sends at most 6 */

/*
 * One option word OpenSSH gets for a host that is not ours: argv[index],
 * whole (len 0) or its first len bytes (the flags before our -i).
 */
struct ssh_pass_word {
	int index;
	size_t len;
};

struct ssh_args {
	int probe;			/* -G was given (set even when the parse fails) */
	int family;			/* 0, 4 or 6 */
	unsigned port;			/* 0 when -p was not given */
	int has_user;			/* USER@ was given */
	char user[256];
	char host[256];			/* as given, without brackets */
	char key_name[128];		/* -i; "" when not given */
	int send_git_protocol;		/* -o SendEnv=GIT_PROTOCOL */
	int has_known_hosts_file;
	char known_hosts_file[SSH_ARGS_MAX_PATH]; /* -o UserKnownHostsFile; "" = none */
	int has_strict;			/* -o StrictHostKeyChecking was given */
	enum ssh_strict strict;		/* -o StrictHostKeyChecking */
	long connect_timeout;		/* -o ConnectTimeout; 0 = default */
	int host_index;			/* argv index of [user@]host */
	int command_index;		/* argv index of the first command word, 0 = none */
	char command[SSH_ARGS_MAX_COMMAND]; /* command words joined by spaces */
	int n_pass;			/* the option words for OpenSSH, in order */
	struct ssh_pass_word pass[SSH_ARGS_MAX_WORDS];
	char bad[64];			/* the refused option, for the message */
};

/*
 * Parse argv[1..argc-1], once.  On error *out is partly filled and bad[]
 * names the culprit; the option words are still scanned for -G (probe),
 * because git's probe is answered whatever else the line holds.
 */
int ssh_args_parse(int argc, char *const *argv, struct ssh_args *out);

const char *ssh_args_strerror(int err);

/* What ssh_args_parse() takes, for messages: "[-G] [-4|-6] ... [git@]HOST COMMAND". */
extern const char ssh_args_usage[];

/*
 * The line for a parse error err (what is wrong and what is taken), from
 * the code and a->bad: into buf, cut short if len is too small.
 */
void ssh_args_error_text(int err, const struct ssh_args *a, char *buf, size_t len);

/* The remote commands we run, and nothing else. */
enum ssh_verb {
	SSH_VERB_NONE = 0,
	SSH_VERB_UPLOAD_PACK,		/* fetch, clone, ls-remote */
	SSH_VERB_RECEIVE_PACK,		/* push */
	SSH_VERB_UPLOAD_ARCHIVE,	/* archive --remote */
};

enum {
	SSHCMD_OK = 0,
	SSHCMD_ERR_EMPTY = -1,
	SSHCMD_ERR_VERB = -2,		/* not one of the three git commands */
	SSHCMD_ERR_QUOTE = -3,		/* the path is not one single-quoted word */
	SSHCMD_ERR_PATH = -4,		/* empty path, control bytes */
	SSHCMD_ERR_TOO_LONG = -5,
};

struct ssh_remote_cmd {
	enum ssh_verb verb;
	char path[1024];		/* unquoted */
};

/*
 * "git-upload-pack '/acme/repo.git'": the verb, one or more spaces, and the
 * path quoted the way git quotes it (sq_quote: ' becomes '\'' and ! '\!').
 */
int ssh_cmd_parse(const char *command, struct ssh_remote_cmd *out);

/* The canonical command line to send: "verb 'path'", quoted like git. */
int ssh_cmd_format(const struct ssh_remote_cmd *cmd, char *buf, size_t len);

const char *ssh_verb_name(enum ssh_verb verb);
const char *ssh_cmd_strerror(int err);

#endif
