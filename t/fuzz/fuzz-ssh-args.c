/*
 * fuzz-ssh-args.c - the wrapper's command line and the remote command in
 * it (ssh/ssh-args.h), as git or core.sshCommand give them.
 *
 * Input: the arguments after argv[0], separated by NUL bytes.  Then the
 * first argument alone as a remote command.  Invariants: a parsed remote
 * command formats back to a line that parses to the same verb and path,
 * and an accepted host never starts with '-' (it would be an option to
 * OpenSSH).
 */
#include "fuzz.h"
#include "ssh/ssh-args.h"

#define MAX_ARGS 64

static void command_round_trip(const char *command)
{
	struct ssh_remote_cmd cmd, again;
	char line[SSH_ARGS_MAX_COMMAND + 64];

	memset(&cmd, 0, sizeof(cmd));
	if (ssh_cmd_parse(command, &cmd) != SSHCMD_OK)
		return;
	FUZZ_CHECK(ssh_verb_name(cmd.verb) != NULL);
	FUZZ_CHECK(cmd.path[0] != '\0');
	if (ssh_cmd_format(&cmd, line, sizeof(line)) != 0)
		return;
	memset(&again, 0, sizeof(again));
	FUZZ_CHECK(ssh_cmd_parse(line, &again) == SSHCMD_OK);
	FUZZ_CHECK(again.verb == cmd.verb && strcmp(again.path, cmd.path) == 0);
	/* a buffer too small is refused, never overrun */
	(void)ssh_cmd_format(&cmd, line, 5);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	struct ssh_args *a;
	size_t pos = 0;
	int argc = 1, r;

	argv[0] = "git-bitbucket-ssh";
	while (argc <= MAX_ARGS && (argv[argc] = fuzz_field(data, size, &pos, '\0', NULL)) != NULL)
		argc++;
	argv[argc] = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		abort();
	if ((r = ssh_args_parse(argc, argv, a)) == SSHARGS_OK) {
		/* git's probe (-G) may come without a host; anything else has one */
		FUZZ_CHECK(a->host[0] != '-');
		if (!a->probe)
			FUZZ_CHECK(a->host[0] != '\0' && a->host_index > 0 && a->host_index < argc);
		/* the words handed to OpenSSH are argv's, or their first bytes */
		FUZZ_CHECK(a->n_pass >= 0 && a->n_pass <= SSH_ARGS_MAX_WORDS);
		for (int i = 0; i < a->n_pass; i++)
			FUZZ_CHECK(a->pass[i].index > 0 && a->pass[i].index < argc &&
				   a->pass[i].len <= strlen(argv[a->pass[i].index]));
		if (a->command[0] != '\0')
			command_round_trip(a->command);
	} else {
		char text[512], small[8];

		FUZZ_CHECK(strlen(a->bad) < sizeof(a->bad));
		ssh_args_error_text(r, a, text, sizeof(text));
		FUZZ_CHECK(strchr(text, '\n') == NULL);
		ssh_args_error_text(r, a, small, sizeof(small));
		FUZZ_CHECK(strlen(small) < sizeof(small));
	}
	if (argc > 1)
		command_round_trip(argv[1]);
	free(a);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	return 0;
}
