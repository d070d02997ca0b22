/*
 * test-ssh-args.c - the command lines git gives its ssh program (the -G
 * probe, ports, SendEnv, user@host), the options we take and refuse, and
 * the remote command with git's quoting.
 */
#include <stdio.h>
#include <string.h>

#include "ssh/ssh-args.h"
#include "unit.h"

#define MAXARGS 40

/* The argv of the last parse() (the words it points into are static). */
static char *last_argv[MAXARGS + 2];

/* Parse a NULL-terminated list of words (argv[0] is added). */
static int parse(struct ssh_args *a, const char *const *words)
{
	int argc = 0;

	last_argv[argc++] = (char *)"git-bitbucket-ssh";
	for (; *words && argc < MAXARGS; words++)
		last_argv[argc++] = (char *)*words;
	last_argv[argc] = NULL;
	return ssh_args_parse(argc, last_argv, a);
}

/* Whether the parse sees git's probe, whatever else it says of the line. */
static int probe(const char *const *words)
{
	struct ssh_args a;

	(void)parse(&a, words);
	return a.probe;
}

/* The line main prints for the last parse's error. */
static int error_is(int r, const struct ssh_args *a, const char *want)
{
	char line[1024];

	ssh_args_error_text(r, a, line, sizeof(line));
	if (strcmp(line, want) == 0)
		return 1;
	printf("# got:  %s\n# want: %s\n", line, want);
	return 0;
}

/* The option words OpenSSH would get, joined by '|', e.g. "-4|-p|22". */
static const char *passed(const struct ssh_args *a)
{
	static char out[512];
	size_t used = 0;

	out[0] = '\0';
	for (int w = 0; w < a->n_pass; w++) {
		const char *word = last_argv[a->pass[w].index];
		size_t len = a->pass[w].len ? a->pass[w].len : strlen(word);

		if (used + len + 2 > sizeof(out))
			return "(too long)";
		if (w > 0)
			out[used++] = '|';
		memcpy(out + used, word, len);
		used += len;
		out[used] = '\0';
	}
	return out;
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
	struct ssh_args a;

	report(parse(&a, W("-v", "-G", "h")) == SSHARGS_ERR_OPTION && a.probe &&
	       strcmp(a.bad, "-v") == 0,
	       "probe: set by the one parse even when it fails (the error is kept)");
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

static void test_error_lines(void)
{
	struct ssh_args a;
	int r;

	r = parse(&a, W("-v", "h"));
	report(error_is(r, &a, "option '-v' is not supported; git-bitbucket-ssh takes [-G] "
			"[-4|-6] [-p PORT] [-i KEYNAME] [-o SendEnv=GIT_PROTOCOL|"
			"UserKnownHostsFile=FILE|StrictHostKeyChecking=yes|accept-new|"
			"ConnectTimeout=SECONDS] [git@]HOST COMMAND"),
	       "error line: an unknown option, with what is taken");
	r = parse(&a, W("-o", "ProxyCommand=nc", "h"));
	report(error_is(r, &a, "-o ProxyCommand is not supported; git-bitbucket-ssh takes [-G] "
			"[-4|-6] [-p PORT] [-i KEYNAME] [-o SendEnv=GIT_PROTOCOL|"
			"UserKnownHostsFile=FILE|StrictHostKeyChecking=yes|accept-new|"
			"ConnectTimeout=SECONDS] [git@]HOST COMMAND"),
	       "error line: an unknown -o option, by name");
	r = parse(&a, W("-o", "StrictHostKeyChecking=no", "h"));
	report(error_is(r, &a, "-o StrictHostKeyChecking takes yes or accept-new: host keys "
			"are always checked"), "error line: StrictHostKeyChecking=no");
	r = parse(&a, W("-o", "sendenv=LANG", "h"));
	report(error_is(r, &a, "-o SendEnv passes GIT_PROTOCOL only"),
	       "error line: SendEnv=LANG (key in any case)");
	r = parse(&a, W("-o", "ConnectTimeout=soon", "h"));
	report(error_is(r, &a, "-o ConnectTimeout takes a number of seconds from 0 to 3600"),
	       "error line: ConnectTimeout=soon");
	r = parse(&a, W("-o", "UserKnownHostsFile=", "h"));
	report(error_is(r, &a, "-o UserKnownHostsFile needs a file name"),
	       "error line: UserKnownHostsFile without a file");
	r = parse(&a, W("-4p"));
	report(r == SSHARGS_ERR_NEEDS_ARG && error_is(r, &a, "option '-4p' needs a value"),
	       "error line: -p at the end, named with its cluster");
	r = parse(&a, W("-i", "-x", "h"));
	report(error_is(r, &a, "-i takes the name of a key in the keyring (see "
			"git-credential-bitbucket key list)"), "error line: -i -x");
	r = parse(&a, W("git@-x", "cmd"));
	report(error_is(r, &a, "refusing the host name: it must not start with '-' and may "
			"hold only letters, digits, '.', '-', '_' and ':'"),
	       "error line: a host starting with -");
	r = parse(&a, W("-p", "0", "h"));
	report(error_is(r, &a, "port is not a number between 1 and 65535; git-bitbucket-ssh "
			"takes [-G] [-4|-6] [-p PORT] [-i KEYNAME] [-o SendEnv=GIT_PROTOCOL|"
			"UserKnownHostsFile=FILE|StrictHostKeyChecking=yes|accept-new|"
			"ConnectTimeout=SECONDS] [git@]HOST COMMAND"), "error line: port 0");
	r = parse(&a, W("@h", "cmd"));
	report(r == SSHARGS_ERR_USER && error_is(r, &a, "empty user name; git-bitbucket-ssh "
			"takes [-G] [-4|-6] [-p PORT] [-i KEYNAME] [-o SendEnv=GIT_PROTOCOL|"
			"UserKnownHostsFile=FILE|StrictHostKeyChecking=yes|accept-new|"
			"ConnectTimeout=SECONDS] [git@]HOST COMMAND"), "error line: an empty user");
	r = parse(&a, W("-v", "-A", "-o", "ProxyCommand=x", "h"));
	report(r == SSHARGS_ERR_OPTION && strcmp(a.bad, "-v") == 0,
	       "the first error is the one reported");
	{
		const char *many[MAXARGS];
		int n = 0;

		while (n < SSH_ARGS_MAX_WORDS + 1)
			many[n++] = "-4";
		many[n++] = "h";
		many[n] = NULL;
		r = parse(&a, many);
		report(r == SSHARGS_ERR_TOO_MANY &&
		       error_is(r, &a, "too many options: at most 32 option words before the host"),
		       "33 option words are refused with the limit named");
		many[SSH_ARGS_MAX_WORDS] = "h";
		many[SSH_ARGS_MAX_WORDS + 1] = NULL;
		report(parse(&a, many) == 0 && a.n_pass == SSH_ARGS_MAX_WORDS,
		       "32 option words are taken");
	}
}

/* What OpenSSH gets for a host that is not ours: read from the struct, not argv again. */
static void test_pass_words(void)
{
	struct ssh_args a;

	report(parse(&a, W("-o", "SendEnv=GIT_PROTOCOL", "-4", "-p", "2222", "git@github.com",
			   "git-upload-pack 'x/y.git'")) == 0 &&
	       strcmp(passed(&a), "-o|SendEnv=GIT_PROTOCOL|-4|-p|2222") == 0 &&
	       a.host_index == 6, "pass: git's options as given, host from host_index");
	report(parse(&a, W("-i", "work", "-4i", "work", "-p22", "git@github.com", "cmd")) == 0 &&
	       strcmp(passed(&a), "-4|-p22") == 0 && strcmp(a.key_name, "work") == 0,
	       "pass: our -i and its value are left out, the flags before it kept");
	report(parse(&a, W("-iwork", "-oSendEnv=GIT_PROTOCOL", "h", "cmd")) == 0 &&
	       strcmp(passed(&a), "-oSendEnv=GIT_PROTOCOL") == 0,
	       "pass: an attached -iNAME is left out whole");
	report(parse(&a, W("-4", "--", "h", "cmd")) == 0 && strcmp(passed(&a), "-4|--") == 0 &&
	       a.host_index == 3, "pass: -- is kept");
	report(parse(&a, W("h", "cmd")) == 0 && a.n_pass == 0, "pass: no options, nothing");
}

int main(void)
{
	test_git_lines();
	test_o_options();
	test_refusals();
	test_probe_scan();
	test_error_lines();
	test_pass_words();
	test_commands();
	return unit_done();
}
