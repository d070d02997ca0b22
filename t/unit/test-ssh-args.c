/*
 * test-ssh-args.c - the command lines git gives its ssh program (the -G
 * probe, ports, SendEnv, user@host), the options we take and refuse, and
 * the remote command with git's quoting.
 */
#include <stdio.h>
#include <string.h>

#include "ssh/ssh-args.h"
#include "unit.h"

#define MAXARGS 16

/* Parse a NULL-terminated list of words (argv[0] is added). */
static int parse(struct ssh_args *a, const char *const *words)
{
	char *argv[MAXARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"git-bitbucket-ssh";
	for (; *words && argc < MAXARGS; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	return ssh_args_parse(argc, argv, a);
}

static int probe(const char *const *words)
{
	char *argv[MAXARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"git-bitbucket-ssh";
	for (; *words && argc < MAXARGS; words++)
		argv[argc++] = (char *)*words;
	argv[argc] = NULL;
	return ssh_args_is_probe(argc, argv);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_git_lines(void)
{
	struct ssh_args a;

	report(parse(&a, W("-G", "bitbucket.org")) == 0 && a.probe &&
	       strcmp(a.host, "bitbucket.org") == 0 && a.command_index == 0,
	       "-G host: the probe parses, no command");
	report(parse(&a, W("-G", "-p", "7999", "git@bb.example.com")) == 0 && a.probe &&
	       a.port == 7999, "-G with a port");
	report(parse(&a, W("-o", "SendEnv=GIT_PROTOCOL", "-p", "7999", "git@bb.example.com",
			   "git-upload-pack '/acme/repo.git'")) == 0 &&
	       a.send_git_protocol && a.port == 7999 && a.has_user &&
	       strcmp(a.user, "git") == 0 && strcmp(a.host, "bb.example.com") == 0 &&
	       strcmp(a.command, "git-upload-pack '/acme/repo.git'") == 0 &&
	       a.command_index == 6 && a.host_index == 5,
	       "what git sends for ssh://git@host:7999/acme/repo.git with protocol v2");
	report(parse(&a, W("git@bitbucket.org", "git-receive-pack 'acme/repo.git'")) == 0 &&
	       a.port == 0 && !a.probe && !a.send_git_protocol &&
	       strcmp(a.command, "git-receive-pack 'acme/repo.git'") == 0,
	       "what git sends for the scp-like git@bitbucket.org:acme/repo.git");
	report(parse(&a, W("-4", "bitbucket.org", "git-upload-pack", "'x/y'")) == 0 &&
	       a.family == 4 && !a.has_user && strcmp(a.command, "git-upload-pack 'x/y'") == 0,
	       "-4, no user, command words joined with spaces");
	report(parse(&a, W("-6", "git@::1", "cmd")) == 0 && a.family == 6 &&
	       strcmp(a.host, "::1") == 0, "-6 and an IPv6 address");
	report(parse(&a, W("git@[::1]", "cmd")) == 0 && strcmp(a.host, "::1") == 0,
	       "brackets around an address are dropped");
	report(parse(&a, W("-p7999", "-oSendEnv=GIT_PROTOCOL", "h")) == 0 &&
	       a.port == 7999 && a.send_git_protocol, "values attached to -p and -o");
	report(parse(&a, W("-4G", "h")) == 0 && a.probe && a.family == 4,
	       "clustered flags");
	report(parse(&a, W("-i", "work", "h")) == 0 && strcmp(a.key_name, "work") == 0,
	       "-i takes a key name");
	report(parse(&a, W("a@b@h", "x")) == 0 && strcmp(a.user, "a@b") == 0 &&
	       strcmp(a.host, "h") == 0, "the last @ separates user and host");
	report(parse(&a, W("--", "h", "x")) == 0 && strcmp(a.host, "h") == 0,
	       "-- ends the options");
}

static void test_o_options(void)
{
	struct ssh_args a;

	report(parse(&a, W("-o", "UserKnownHostsFile=/tmp/kh", "h")) == 0 &&
	       a.has_known_hosts_file && strcmp(a.known_hosts_file, "/tmp/kh") == 0,
	       "-o UserKnownHostsFile=FILE");
	report(parse(&a, W("-o", "userknownhostsfile /tmp/kh", "h")) == 0 &&
	       strcmp(a.known_hosts_file, "/tmp/kh") == 0,
	       "-o keys are case-insensitive and take \"Key Value\"");
	report(parse(&a, W("-o", "UserKnownHostsFile = \"/tmp/k h\"", "h")) == 0 &&
	       strcmp(a.known_hosts_file, "/tmp/k h") == 0,
	       "-o \"Key = \\\"quoted value\\\"\"");
	report(parse(&a, W("-o", "UserKnownHostsFile=none", "h")) == 0 &&
	       a.has_known_hosts_file && a.known_hosts_file[0] == '\0',
	       "UserKnownHostsFile=none means no user file");
	report(parse(&a, W("-o", "StrictHostKeyChecking=accept-new", "h")) == 0 &&
	       a.strict == SSH_STRICT_ACCEPT_NEW, "StrictHostKeyChecking=accept-new");
	report(parse(&a, W("-o", "StrictHostKeyChecking=yes", "h")) == 0 &&
	       a.strict == SSH_STRICT_YES, "StrictHostKeyChecking=yes");
	report(parse(&a, W("-o", "StrictHostKeyChecking=no", "h")) == SSHARGS_ERR_O_VALUE &&
	       strcmp(a.bad, "StrictHostKeyChecking") == 0,
	       "StrictHostKeyChecking=no is refused, naming the option");
	report(parse(&a, W("-o", "StrictHostKeyChecking=ask", "h")) == SSHARGS_ERR_O_VALUE,
	       "StrictHostKeyChecking=ask is refused");
	report(parse(&a, W("-o", "ConnectTimeout=5", "h")) == 0 && a.connect_timeout == 5,
	       "ConnectTimeout=5");
	report(parse(&a, W("-o", "ConnectTimeout=5s", "h")) == SSHARGS_ERR_O_VALUE &&
	       parse(&a, W("-o", "ConnectTimeout=-1", "h")) == SSHARGS_ERR_O_VALUE &&
	       parse(&a, W("-o", "ConnectTimeout=99999999999999999999", "h")) == SSHARGS_ERR_O_VALUE &&
	       parse(&a, W("-o", "ConnectTimeout=", "h")) == SSHARGS_ERR_O_VALUE,
	       "ConnectTimeout: garbage, negative, huge and empty values refused");
	report(parse(&a, W("-o", "SendEnv=LANG", "h")) == SSHARGS_ERR_O_VALUE &&
	       strcmp(a.bad, "SendEnv") == 0, "SendEnv of anything but GIT_PROTOCOL is refused");
	report(parse(&a, W("-o", "ProxyCommand=nc %h %p", "h")) == SSHARGS_ERR_O_OPTION &&
	       strcmp(a.bad, "ProxyCommand") == 0, "-o ProxyCommand is refused by name");
	report(parse(&a, W("-o", "=x", "h")) == SSHARGS_ERR_O_OPTION, "-o without a key");
}

static void test_refusals(void)
{
	struct ssh_args a;

	report(parse(&a, W("-v", "h")) == SSHARGS_ERR_OPTION && strcmp(a.bad, "-v") == 0,
	       "-v is refused by name");
	report(parse(&a, W("-A", "h")) == SSHARGS_ERR_OPTION, "-A (agent forwarding) is refused");
	report(parse(&a, W("-4L", "h")) == SSHARGS_ERR_OPTION && strcmp(a.bad, "-L") == 0,
	       "an unknown flag inside a cluster is refused by name");
	report(parse(&a, W("-l", "git", "h")) == SSHARGS_ERR_OPTION, "-l is refused");
	report(parse(&a, W("-p", "0", "h")) == SSHARGS_ERR_PORT &&
	       parse(&a, W("-p", "65536", "h")) == SSHARGS_ERR_PORT &&
	       parse(&a, W("-p", "22x", "h")) == SSHARGS_ERR_PORT &&
	       parse(&a, W("-p", "", "h")) == SSHARGS_ERR_PORT &&
	       parse(&a, W("-p", "+22", "h")) == SSHARGS_ERR_PORT &&
	       parse(&a, W("-p", " 22", "h")) == SSHARGS_ERR_PORT,
	       "ports outside 1..65535 or not plain numbers are refused");
	report(parse(&a, W("-p", "65535", "h")) == 0 && a.port == 65535, "port 65535");
	report(parse(&a, W("-p")) == SSHARGS_ERR_NEEDS_ARG, "-p without a value");
	report(parse(&a, W("-o")) == SSHARGS_ERR_NEEDS_ARG, "-o without a value");
	report(parse(&a, W("-i", "", "h")) == SSHARGS_ERR_KEYNAME &&
	       parse(&a, W("-i", "-x", "h")) == SSHARGS_ERR_KEYNAME,
	       "-i with an empty or dash name");
	report(parse(&a, W("-4")) == SSHARGS_ERR_NO_HOST, "no host");
	report(parse(&a, W("--", "-oProxyCommand=x", "cmd")) == SSHARGS_ERR_HOST,
	       "a host starting with - is refused");
	report(parse(&a, W("git@-oProxyCommand=x", "cmd")) == SSHARGS_ERR_HOST,
	       "a host starting with - after user@ is refused");
	report(parse(&a, W("-", "cmd")) == SSHARGS_ERR_HOST, "a lone - is not a host");
	report(parse(&a, W("@h", "cmd")) == SSHARGS_ERR_USER, "an empty user is refused");
	report(parse(&a, W("git@", "cmd")) == SSHARGS_ERR_NO_HOST, "user@ without host");
	report(parse(&a, W("h/x", "cmd")) == SSHARGS_ERR_HOST &&
	       parse(&a, W("h x", "cmd")) == SSHARGS_ERR_HOST &&
	       parse(&a, W("h\n", "cmd")) == SSHARGS_ERR_HOST,
	       "hosts with slashes, spaces or newlines are refused");
}

static void test_probe_scan(void)
{
	report(probe(W("-G", "h")), "probe: -G first");
	report(probe(W("-o", "SendEnv=GIT_PROTOCOL", "-G", "h")), "probe: -G after -o VALUE");
	report(probe(W("-v", "-G", "h")), "probe: found even past an option we refuse");
	report(probe(W("-4G", "h")), "probe: inside a cluster");
	report(!probe(W("-o", "-G", "h")), "probe: -G as the value of -o is not the probe");
	report(!probe(W("-oG", "h")), "probe: -oG is -o with value G");
	report(!probe(W("h", "-G")), "probe: -G after the host is a command word");
	report(!probe(W("--", "-G")), "probe: -G after -- is not an option");
}

struct cmd_case {
	const char *in;
	int ret;
	enum ssh_verb verb;
	const char *path;
};

static const struct cmd_case cmd_cases[] = {
	{ "git-upload-pack '/acme/repo.git'", 0, SSH_VERB_UPLOAD_PACK, "/acme/repo.git" },
	{ "git-upload-pack 'acme/repo.git'", 0, SSH_VERB_UPLOAD_PACK, "acme/repo.git" },
	{ "git-receive-pack '/acme/repo.git'", 0, SSH_VERB_RECEIVE_PACK, "/acme/repo.git" },
	{ "git-upload-archive '/acme/repo.git'", 0, SSH_VERB_UPLOAD_ARCHIVE, "/acme/repo.git" },
	{ "git-upload-pack  'a/b'", 0, SSH_VERB_UPLOAD_PACK, "a/b" },
	{ "git-upload-pack 'it'\\''s/r'", 0, SSH_VERB_UPLOAD_PACK, "it's/r" },
	{ "git-upload-pack 'wow'\\!'/r'", 0, SSH_VERB_UPLOAD_PACK, "wow!/r" },
	{ "git-upload-pack 'a b/c d'", 0, SSH_VERB_UPLOAD_PACK, "a b/c d" },
	{ "", SSHCMD_ERR_EMPTY, SSH_VERB_NONE, NULL },
	{ "ls -la", SSHCMD_ERR_VERB, SSH_VERB_NONE, NULL },
	{ "git-upload-pack", SSHCMD_ERR_VERB, SSH_VERB_NONE, NULL },
	{ "git upload-pack 'a/b'", SSHCMD_ERR_VERB, SSH_VERB_NONE, NULL },
	{ "git-upload-packx 'a/b'", SSHCMD_ERR_VERB, SSH_VERB_NONE, NULL },
	{ "git-shell -c 'x'", SSHCMD_ERR_VERB, SSH_VERB_NONE, NULL },
	{ "git-upload-pack /acme/repo.git", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a/b' 'c/d'", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a/b'; rm -rf /", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a/b", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a/b' ", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a'\\x'b'", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack \"a/b\"", SSHCMD_ERR_QUOTE, SSH_VERB_NONE, NULL },
	{ "git-upload-pack ''", SSHCMD_ERR_PATH, SSH_VERB_NONE, NULL },
	{ "git-upload-pack 'a\nb'", SSHCMD_ERR_PATH, SSH_VERB_NONE, NULL },
};

static void test_commands(void)
{
	char name[200], buf[1200];

	for (size_t i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		struct ssh_remote_cmd cmd;
		int r = ssh_cmd_parse(c->in, &cmd), ok = r == c->ret;

		if (ok && r == 0)
			ok = cmd.verb == c->verb && strcmp(cmd.path, c->path) == 0;
		snprintf(name, sizeof(name), "command %s: %s", r == 0 ? "taken" : "refused", c->in);
		for (char *p = name; *p; p++)
			if (*p == '\n')
				*p = '?';
		report(ok, name);
		if (ok && r == 0) {
			/* what we send back is git's quoting of the same path */
			struct ssh_remote_cmd again;

			report(ssh_cmd_format(&cmd, buf, sizeof(buf)) == 0 &&
			       ssh_cmd_parse(buf, &again) == 0 &&
			       strcmp(again.path, cmd.path) == 0 && again.verb == cmd.verb,
			       "  formats and parses back the same");
		}
	}
	{
		struct ssh_remote_cmd cmd = { SSH_VERB_RECEIVE_PACK, "it's/r!" };

		report(ssh_cmd_format(&cmd, buf, sizeof(buf)) == 0 &&
		       strcmp(buf, "git-receive-pack 'it'\\''s/r'\\!''") == 0,
		       "format quotes ' and ! like git's sq_quote");
		report(ssh_cmd_format(&cmd, buf, 20) != 0, "format refuses a short buffer");
	}
	{
		char big[1100];
		struct ssh_remote_cmd cmd;

		memset(big, 'a', sizeof(big));
		memcpy(big, "git-upload-pack '", 17);
		big[sizeof(big) - 2] = '\'';
		big[sizeof(big) - 1] = '\0';
		report(ssh_cmd_parse(big, &cmd) == SSHCMD_ERR_TOO_LONG, "an over-long path is refused");
	}
}

int main(void)
{
	test_git_lines();
	test_o_options();
	test_refusals();
	test_probe_scan();
	test_commands();
	return unit_done();
}
