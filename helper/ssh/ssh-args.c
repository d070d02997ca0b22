/*
 * ssh-args.c - parse the command line git gives its ssh program, and the
 * remote command inside it.  Pure: no I/O, no allocation.
 */
#include "ssh/ssh-args.h"
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* For messages only: the culprit, cut short when long (cutting is fine here). */
static void set_bad(struct ssh_args *a, const char *s, size_t len)
{
	if (len >= sizeof(a->bad))
		len = sizeof(a->bad) - 1;
	memcpy(a->bad, s, len);
	a->bad[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)a->bad[i] < 0x20 || a->bad[i] == 0x7f)
			a->bad[i] = '?';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * -o "Key=Value", "Key Value" or "Key = Value"; keys are case-insensitive
 * like ssh_config's.  Only the settings that make sense for this program
 * are taken; each refusal says which one.
 */
static int parse_o(struct ssh_args *a, const char *opt)
{
	const char *key, *val, *vend;
	size_t klen;
	long n;

	while (is_space(*opt))
		opt++;
	key = opt;
	while (*opt && *opt != '=' && !is_space(*opt))
		opt++;
	klen = (size_t)(opt - key);
	while (is_space(*opt))
		opt++;
	if (*opt == '=')
		opt++;
	while (is_space(*opt))
		opt++;
	val = opt;
	vend = val + strlen(val);
	while (vend > val && is_space(vend[-1]))
		vend--;
	if (vend - val >= 2 && *val == '"' && vend[-1] == '"') {
		val++;
		vend--;
	}
	set_bad(a, key, klen);
	if (klen == 0)
		return SSHARGS_ERR_O_OPTION;
	if (has_control(val, (size_t)(vend - val)))
		return SSHARGS_ERR_O_VALUE;

#define KEY_IS(k) (klen == sizeof(k) - 1 && strncasecmp(key, k, klen) == 0)
	if (KEY_IS("SendEnv")) {
		if ((size_t)(vend - val) != sizeof("GIT_PROTOCOL") - 1 ||
		    memcmp(val, "GIT_PROTOCOL", sizeof("GIT_PROTOCOL") - 1) != 0)
			return SSHARGS_ERR_O_VALUE;
		a->send_git_protocol = 1;
	} else if (KEY_IS("UserKnownHostsFile")) {
		if (vend == val)
			return SSHARGS_ERR_O_VALUE;
		if (copy_str(a->known_hosts_file, sizeof(a->known_hosts_file),
			     val, (size_t)(vend - val)) != 0)
			return SSHARGS_ERR_TOO_LONG;
		if (strcmp(a->known_hosts_file, "none") == 0)
			a->known_hosts_file[0] = '\0';
		a->has_known_hosts_file = 1;
	} else if (KEY_IS("StrictHostKeyChecking")) {
		size_t vlen = (size_t)(vend - val);

		if (vlen == 3 && strncasecmp(val, "yes", 3) == 0)
			a->strict = SSH_STRICT_YES;
		else if (vlen == 10 && strncasecmp(val, "accept-new", 10) == 0)
			a->strict = SSH_STRICT_ACCEPT_NEW;
		else
			return SSHARGS_ERR_O_VALUE;
		a->has_strict = 1;
	} else if (KEY_IS("ConnectTimeout")) {
		char num[16];

		if (copy_str(num, sizeof(num), val, (size_t)(vend - val)) != 0 ||
		    parse_decimal(num, 0, 3600, &n) != 0)
			return SSHARGS_ERR_O_VALUE;
		a->connect_timeout = n;
	} else {
		return SSHARGS_ERR_O_OPTION;
	}
#undef KEY_IS
	a->bad[0] = '\0';
	return SSHARGS_OK;
}

static int parse_valued(struct ssh_args *a, char opt, const char *val)
{
	long n;
	size_t len = strlen(val);

	switch (opt) {
	case 'p':
		if (parse_decimal(val, 1, 65535, &n) != 0)
			return SSHARGS_ERR_PORT;
		a->port = (unsigned)n;
		return SSHARGS_OK;
	case 'i':
		if (len == 0 || val[0] == '-' || has_control(val, len))
			return SSHARGS_ERR_KEYNAME;
		if (copy_str(a->key_name, sizeof(a->key_name), val, len) != 0)
			return SSHARGS_ERR_TOO_LONG;
		return SSHARGS_OK;
	default: /* 'o' */
		return parse_o(a, val);
	}
}

/* Host names, IPv4 and IPv6 addresses (with a %zone); nothing a shell or ssh would read as more. */
static int valid_host(const char *h, size_t len)
{
	if (len == 0 || h[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_' &&
		    c != ':' && c != '%')
			return 0;
	}
	return 1;
}

static int parse_destination(struct ssh_args *a, const char *dest)
{
	const char *at = strrchr(dest, '@');
	const char *host = dest;
	size_t hlen;

	if (dest[0] == '-')
		return SSHARGS_ERR_HOST;
	if (at != NULL) {
		if (at == dest)
			return SSHARGS_ERR_USER;
		if (has_control(dest, (size_t)(at - dest)))
			return SSHARGS_ERR_USER;
		if (copy_str(a->user, sizeof(a->user), dest, (size_t)(at - dest)) != 0)
			return SSHARGS_ERR_TOO_LONG;
		a->has_user = 1;
		host = at + 1;
	}
	hlen = strlen(host);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0)
		return SSHARGS_ERR_NO_HOST;
	if (!valid_host(host, hlen))
		return SSHARGS_ERR_HOST;
	if (copy_str(a->host, sizeof(a->host), host, hlen) != 0)
		return SSHARGS_ERR_TOO_LONG;
	return SSHARGS_OK;
}

static int join_command(struct ssh_args *a, int argc, char *const *argv, int from)
{
	size_t used = 0;

	for (int i = from; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (used + len + (i > from) >= sizeof(a->command))
			return SSHARGS_ERR_TOO_LONG;
		if (i > from)
			a->command[used++] = ' ';
		memcpy(a->command + used, argv[i], len);
		used += len;
	}
	a->command[used] = '\0';
	return SSHARGS_OK;
}

/* The first error wins: it is the one the message names. */
static void fail(struct ssh_args *a, int *err, int r, const char *bad, size_t len)
{
	if (*err != SSHARGS_OK)
		return;
	*err = r;
	if (bad != NULL && a->bad[0] == '\0')
		set_bad(a, bad, len);
}

/* Note an option word (or its first len bytes) for the hand-over to OpenSSH. */
static void pass_word(struct ssh_args *a, int *err, int index, size_t len)
{
	if (a->n_pass == SSH_ARGS_MAX_WORDS) {
		fail(a, err, SSHARGS_ERR_TOO_MANY, NULL, 0);
		return;
	}
	a->pass[a->n_pass].index = index;
	a->pass[a->n_pass].len = len;
	a->n_pass++;
}

/*
 * One option word, argv[*i]: flags, then at most one option that takes a
 * value (the rest of the word, or the next word, which *i then moves to).
 * After the first error the words are only scanned for -G.
 */
static void option_word(struct ssh_args *a, int argc, char *const *argv, int *i, int *err)
{
	const char *arg = argv[*i], *val;
	int word = *i, r;
	size_t j;

	for (j = 1; arg[j] != '\0'; j++) {
		char c = arg[j], o[3] = { '-', arg[j], '\0' };

		if (c == 'G') {
			a->probe = 1;
		} else if (c == '4' || c == '6') {
			a->family = c - '0';
		} else if (c == 'p' || c == 'i' || c == 'o') {
			break;
		} else {
			fail(a, err, SSHARGS_ERR_OPTION, o, 2);
		}
	}
	if (arg[j] == '\0') {
		pass_word(a, err, word, 0);
		return;
	}
	/* arg[j] is p, i or o; our -i (a keyring name) is not OpenSSH's */
	if (arg[j] != 'i' || j > 1)
		pass_word(a, err, word, arg[j] == 'i' ? j : 0);
	if (arg[j + 1] != '\0') {
		val = arg + j + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
		if (arg[j] != 'i')
			pass_word(a, err, *i, 0);
	} else {
		fail(a, err, SSHARGS_ERR_NEEDS_ARG, arg, j + 1);
		return;
	}
	if (*err != SSHARGS_OK)
		return;
	if ((r = parse_valued(a, arg[j], val)) != SSHARGS_OK) {
		char o[3] = { '-', arg[j], '\0' };

		fail(a, err, r, o, 2);
	}
}

int ssh_args_parse(int argc, char *const *argv, struct ssh_args *out)
{
	int i, r = SSHARGS_OK;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (strcmp(arg, "--") == 0) {
			pass_word(out, &r, i, 0);
			i++;
			break;
		}
		option_word(out, argc, argv, &i, &r);
	}
	if (r != SSHARGS_OK)
		return r;
	if (i >= argc)
		return out->probe ? SSHARGS_OK : SSHARGS_ERR_NO_HOST;
	out->host_index = i;
	if ((r = parse_destination(out, argv[i])) != SSHARGS_OK)
		return r;
	if (i + 1 < argc) {
		out->command_index = i + 1;
		if ((r = join_command(out, argc, argv, i + 1)) != SSHARGS_OK)
			return r;
	}
	return SSHARGS_OK;
}

const char *ssh_args_strerror(int err)
{
	switch (err) {
	case SSHARGS_OK: return "success";
	case SSHARGS_ERR_OPTION: return "unknown option";
	case SSHARGS_ERR_NEEDS_ARG: return "option needs a value";
	case SSHARGS_ERR_PORT: return "port is not a number between 1 and 65535";
	case SSHARGS_ERR_NO_HOST: return "no host given";
	case SSHARGS_ERR_HOST: return "not a valid host name";
	case SSHARGS_ERR_TOO_LONG: return "argument too long";
	case SSHARGS_ERR_O_OPTION: return "unsupported -o option";
	case SSHARGS_ERR_O_VALUE: return "unsupported -o value";
	case SSHARGS_ERR_KEYNAME: return "not a valid key name";
	case SSHARGS_ERR_USER: return "empty user name";
	case SSHARGS_ERR_TOO_MANY: return "too many options";
	}
	return "unknown error";
}

const char ssh_args_usage[] =
	"git-bitbucket-ssh takes [-G] [-4|-6] [-p PORT] [-i KEYNAME] "
	"[-o SendEnv=GIT_PROTOCOL|UserKnownHostsFile=FILE|"
	"StrictHostKeyChecking=yes|accept-new|ConnectTimeout=SECONDS] [git@]HOST COMMAND";

/* -o KEY=VALUE with a value we refuse: what KEY takes. */
static const char *o_value_text(const char *key)
{
	if (strcasecmp(key, "StrictHostKeyChecking") == 0)
		return "-o StrictHostKeyChecking takes yes or accept-new: host keys are "
		       "always checked";
	if (strcasecmp(key, "SendEnv") == 0)
		return "-o SendEnv passes GIT_PROTOCOL only";
	if (strcasecmp(key, "ConnectTimeout") == 0)
		return "-o ConnectTimeout takes a number of seconds from 0 to 3600";
	return NULL;
}

void ssh_args_error_text(int err, const struct ssh_args *a, char *buf, size_t len)
{
	const char *text;

	switch (err) {
	case SSHARGS_ERR_OPTION:
		snprintf(buf, len, "option '%s' is not supported; %s", a->bad, ssh_args_usage);
		break;
	case SSHARGS_ERR_O_OPTION:
		snprintf(buf, len, "-o %s is not supported; %s", a->bad[0] ? a->bad : "''",
			 ssh_args_usage);
		break;
	case SSHARGS_ERR_O_VALUE:
		if ((text = o_value_text(a->bad)) != NULL)
			snprintf(buf, len, "%s", text);
		else
			snprintf(buf, len, "-o %s needs a file name", a->bad);
		break;
	case SSHARGS_ERR_NEEDS_ARG:
		snprintf(buf, len, "option '%s' needs a value", a->bad);
		break;
	case SSHARGS_ERR_KEYNAME:
		snprintf(buf, len, "-i takes the name of a key in the keyring (see "
			 "git-credential-bitbucket key list)");
		break;
	case SSHARGS_ERR_HOST:
		snprintf(buf, len, "refusing the host name: it must not start with '-' and may "
			 "hold only letters, digits, '.', '-', '_' and ':'");
		break;
	case SSHARGS_ERR_TOO_MANY:
		snprintf(buf, len, "too many options: at most %d option words before the host",
			 SSH_ARGS_MAX_WORDS);
		break;
	default:
		snprintf(buf, len, "%s; %s", ssh_args_strerror(err), ssh_args_usage);
		break;
	}
}

/* --- the remote command ------------------------------------------------ */

static const struct {
	const char *name;
	enum ssh_verb verb;
} verbs[] = {
	{ "git-upload-pack", SSH_VERB_UPLOAD_PACK },
	{ "git-receive-pack", SSH_VERB_RECEIVE_PACK },
	{ "git-upload-archive", SSH_VERB_UPLOAD_ARCHIVE },
};

const char *ssh_verb_name(enum ssh_verb verb)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "?";
}

int ssh_cmd_parse(const char *command, struct ssh_remote_cmd *out)
{
	const char *p = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (command == NULL || *command == '\0')
		return SSHCMD_ERR_EMPTY;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t len = strlen(verbs[i].name);

		if (strncmp(command, verbs[i].name, len) == 0 && command[len] == ' ') {
			out->verb = verbs[i].verb;
			p = command + len;
			break;
		}
	}
	if (p == NULL)
		return SSHCMD_ERR_VERB;
	while (*p == ' ')
		p++;
	/* git's sq_quote: 'text' where ' is written '\'' and ! is written '\!' */
	if (*p != '\'')
		return SSHCMD_ERR_QUOTE;
	p++;
	for (;;) {
		if (*p == '\0')
			return SSHCMD_ERR_QUOTE;	/* unterminated */
		if (*p == '\'') {
			p++;
			if (*p == '\0')
				break;
			if (p[0] == '\\' && (p[1] == '\'' || p[1] == '!') && p[2] == '\'') {
				if (n + 1 >= sizeof(out->path))
					return SSHCMD_ERR_TOO_LONG;
				out->path[n++] = p[1];
				p += 3;
				continue;
			}
			return SSHCMD_ERR_QUOTE;	/* more than one word */
		}
		if (n + 1 >= sizeof(out->path))
			return SSHCMD_ERR_TOO_LONG;
		out->path[n++] = *p++;
	}
	out->path[n] = '\0';
	if (n == 0 || has_control(out->path, n))
		return SSHCMD_ERR_PATH;
	return SSHCMD_OK;
}

int ssh_cmd_format(const struct ssh_remote_cmd *cmd, char *buf, size_t len)
{
	const char *name = ssh_verb_name(cmd->verb);
	size_t used = strlen(name);

	if (cmd->verb == SSH_VERB_NONE || used + 3 >= len)
		return SSHCMD_ERR_TOO_LONG;
	memcpy(buf, name, used);
	buf[used++] = ' ';
	buf[used++] = '\'';
	for (const char *p = cmd->path; *p; p++) {
		if (*p == '\'' || *p == '!') {
			if (used + 4 >= len)
				return SSHCMD_ERR_TOO_LONG;
			buf[used++] = '\'';
			buf[used++] = '\\';
			buf[used++] = *p;
			buf[used++] = '\'';
		} else {
			if (used + 1 >= len)
				return SSHCMD_ERR_TOO_LONG;
			buf[used++] = *p;
		}
	}
	if (used + 2 > len)
		return SSHCMD_ERR_TOO_LONG;
	buf[used++] = '\'';
	buf[used] = '\0';
	return SSHCMD_OK;
}

const char *ssh_cmd_strerror(int err)
{
	switch (err) {
	case SSHCMD_OK: return "success";
	case SSHCMD_ERR_EMPTY: return "no command given";
	case SSHCMD_ERR_VERB: return "not git-upload-pack, git-receive-pack or git-upload-archive";
	case SSHCMD_ERR_QUOTE: return "the repository path is not a single quoted word";
	case SSHCMD_ERR_PATH: return "empty repository path or control characters in it";
	case SSHCMD_ERR_TOO_LONG: return "repository path too long";
	}
	return "unknown error";
}
