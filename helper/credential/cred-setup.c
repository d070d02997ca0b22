/*
 * cred-setup.c - `setup`: write the git configuration that makes git use
 * this helper (HTTPS) or git-bitbucket-ssh (SSH) for a Bitbucket URL, in
 * the manner of `gh auth setup-git`, then run doctor's live check.
 *
 *   HTTPS: credential.<base>.helper, first an empty value (inherited
 *          helpers do not answer first), then this helper;
 *          credential.<base>.useHttpPath true where account or repository
 *          scopes need it;
 *   SSH:   core.sshCommand, and ssh.variant ssh (no -G probe first);
 *   Data Center: bitbucket.dataCenterHost.
 *
 * Every write is a `git config` command, printed as it runs (only printed
 * with --dry-run); what is already right is left alone, so a second run
 * changes nothing and says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credential/cred.h"
#include "credential/cred-args.h"
#include "credential/cred-doctor.h"
#include "credential/cred-tty.h"
#include "keyring.h"
#include "msg.h"

#define MAX_WRITES 8

struct setup {
	const char *scope;		/* "--global" or "--local" */
	int dry_run, written;
};

/* One argument as a shell would need it: bare when safe, else '...'. */
static void shell_word(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_./:@,+=%[]") == strlen(s)) {
		snprintf(buf, len, "%s", s);
		return;
	}
	if (len < 3) {
		buf[0] = '\0';
		return;
	}
	buf[n++] = '\'';
	for (; *s && n + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/* Print one git config command, and run it unless --dry-run: 0 or EXIT_REFUSED. */
static int write_config(struct setup *s, const char *op, const char *key, const char *value)
{
	char *argv[8], line[2048], word[1024], out[1024];
	int a = 0, r;
	size_t n;

	argv[a++] = "git";
	argv[a++] = "config";
	argv[a++] = (char *)s->scope;
	if (op != NULL)
		argv[a++] = (char *)op;
	argv[a++] = (char *)key;
	argv[a++] = (char *)value;
	argv[a] = NULL;
	line[0] = '\0';
	for (int i = 0; i < a; i++) {
		n = strlen(line);
		shell_word(argv[i], word, sizeof(word));
		snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", word);
	}
	printf("%s\n", line);
	s->written++;
	if (s->dry_run)
		return 0;
	if ((r = cred_run(argv, 10, out, sizeof(out))) != 0) {
		out[strcspn(out, "\n")] = '\0';
		msg_error("'%s' failed: %s; check that the config file is writable", line,
			  out[0] ? out : "git did not run");
		return EXIT_REFUSED;
	}
	return 0;
}

/* `git config SCOPE --get-all KEY` (or the one given op), into out: git's exit status. */
static int read_config(struct setup *s, const char *op, const char *key, char *out, size_t len)
{
	char *argv[] = { "git", "config", (char *)s->scope, (char *)op, (char *)key, NULL };

	return cred_run(argv, 10, out, len);
}

/* Is host declared in bitbucket.dataCenterHost (any scope git reads)? */
static int dc_declared(const char *host)
{
	char *argv[] = { "git", "config", "--get-all", "bitbucket.dataCenterHost", NULL };
	char out[8192];
	size_t hl = strlen(host);

	if (cred_run(argv, 10, out, sizeof(out)) != 0)
		return 0;
	for (const char *h = out; *h; h += strcspn(h, "\n"), h += *h == '\n') {
		size_t l;

		if (*h == '[')
			h++;
		l = strcspn(h, "]:\n");
		if (l == hl && strncasecmp(h, host, hl) == 0)
			return 1;
	}
	return 0;
}

/* Are there tokens with an account or repository scope on t's host? */
static int scoped_tokens(const struct target *t)
{
	struct ks_item pat = KS_ITEM_INIT;
	struct ks_list *list = NULL;
	struct keystore *ks = NULL;
	int found = 0;

	if (cred_ks_open_quiet(&ks) != KS_OK)
		return 1;	/* cannot tell: do what a scoped token needs */
	snprintf(pat.host, sizeof(pat.host), "%s", t->host);
	if (ks_search(ks, &pat, 0, &list, NULL) == KS_OK)
		for (size_t i = 0; i < ks_list_len(list) && !found; i++) {
			struct ks_item it;

			if (ks_list_get(ks, list, i, &it) == KS_OK &&
			    strcmp(it.kind, KS_KIND_SSH_KEY) != 0 && it.scope[0])
				found = 1;
		}
	ks_list_free(list);
	ks_close(ks);
	keyring_done();
	return found;
}

static int setup_https(struct setup *s, const struct target *t, int from_ssh)
{
	char base[400], key[512], ref[4096], helper[4096], out[8192], want[8192];
	int r;

	if (from_ssh)	/* an SSH URL, HTTPS wanted: the host's HTTPS side */
		snprintf(base, sizeof(base), "https://%s", t->host);
	else
		cred_http_base(t, base, sizeof(base));
	cred_program_ref("git-credential-bitbucket", ref, sizeof(ref));
	snprintf(helper, sizeof(helper), "%s", strcmp(ref, "git-credential-bitbucket") ?
		 ref : "bitbucket");
	snprintf(key, sizeof(key), "credential.%s.helper", base);
	snprintf(want, sizeof(want), "\n%s\n", helper);
	if (read_config(s, "--get-all", key, out, sizeof(out)) != 0 || strcmp(out, want) != 0) {
		if ((r = write_config(s, "--replace-all", key, "")) != 0 ||
		    (r = write_config(s, "--add", key, helper)) != 0)
			return r;
	}
	if (t->level == LEVEL_HOST && !from_ssh && !scoped_tokens(t))
		return 0;
	snprintf(key, sizeof(key), "credential.%s.useHttpPath", base);
	if (read_config(s, "--get", key, out, sizeof(out)) == 0 &&
	    strcmp(out, "true\n") == 0)
		return 0;
	return write_config(s, NULL, key, "true");
}

static int setup_ssh(struct setup *s)
{
	char ref[4096], out[4096], want[4200];

	cred_program_ref("git-bitbucket-ssh", ref, sizeof(ref));
	snprintf(want, sizeof(want), "%s\n", ref);
	if ((read_config(s, "--get", "core.sshCommand", out, sizeof(out)) != 0 ||
	     strcmp(out, want) != 0) && write_config(s, NULL, "core.sshCommand", ref) != 0)
		return EXIT_REFUSED;
	/*
	 * git cannot tell the variant from the name git-bitbucket-ssh, so it
	 * would run the program twice per connection, first with -G; with
	 * ssh.variant ssh it passes OpenSSH's options (-p, -4/-6, -o SendEnv)
	 * at once, the same ones it passes after a successful probe.
	 */
	if (read_config(s, "--get", "ssh.variant", out, sizeof(out)) == 0 &&
	    strcmp(out, "ssh\n") == 0)
		return 0;
	return write_config(s, NULL, "ssh.variant", "ssh");
}

/* Run one of our verbs at the person's terminal (stdio inherited): its exit status. */
static int run_here(char *const argv[])
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A yes/no question on the terminal; Enter is yes.  1, 0, or -1 at EOF. */
static int ask_yes(const char *question)
{
	struct sbuf line = SBUF_INIT;
	int r;

	line.max = 64;
	tty_write(1, question);
	if (tty_read_line(0, &line) != TTY_OK) {
		sbuf_free(&line);
		return -1;
	}
	r = line.len == 0 || !strcasecmp(line.buf, "y") || !strcasecmp(line.buf, "yes");
	sbuf_free(&line);
	return r;
}

/*
 * The account's URL for login or key generate: https://bitbucket.org/ACCOUNT/,
 * https://HOST[:PORT]/[CONTEXT/]scm/PROJECT/, ssh://git@HOST[:PORT]/ACCOUNT/.
 */
static void account_url(const struct target *t, const char *url, int ssh, char *buf, size_t len)
{
	char port[16] = "";
	const char *scm;

	if (t->port && !(ssh && t->port == 22))
		snprintf(port, sizeof(port), ":%u", t->port);
	if (ssh)
		snprintf(buf, len, "ssh://git@%s%s/%s%s", t->host, port, t->account,
			 t->account[0] ? "/" : "");
	else if (t->product == PRODUCT_DATACENTER && (scm = strstr(url, "/scm/")) != NULL)
		snprintf(buf, len, "%.*s/scm/%s/", (int)(scm - url), url, t->account);
	else
		snprintf(buf, len, "%s://%s%s/%s%s", t->protocol, t->host, port, t->account,
			 t->account[0] ? "/" : "");
}

/*
 * At a terminal, after the config: offer to store a token (login) or to
 * generate a key and show its public half.  0, or the verb's failure.
 */
static int offer_secret(const struct target *t, const char *url, int ssh)
{
	char dir[4096], self[4200], scope[2048], name[130], q[2300];
	struct sbuf line = SBUF_INIT;

	snprintf(self, sizeof(self), "%s/git-credential-bitbucket", cred_self_dir(dir, sizeof(dir)));
	account_url(t, url, ssh, scope, sizeof(scope));
	if (!ssh) {
		char *argv[] = { self, "login", scope, NULL };

		snprintf(q, sizeof(q), "Store a token for %s now? [Y/n] ", scope);
		return ask_yes(q) == 1 && run_here(argv) != 0 ? EXIT_REFUSED : 0;
	}
	snprintf(q, sizeof(q), "Generate an SSH key for %s now? [Y/n] ", scope);
	if (ask_yes(q) != 1)
		return 0;
	line.max = 100;
	tty_write(1, "Name for the key [bitbucket]: ");
	if (tty_read_line(0, &line) != TTY_OK) {
		sbuf_free(&line);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", line.len ? line.buf : "bitbucket");
	sbuf_free(&line);
	{
		char *argv[] = { self, "key", "generate", "--scope", scope, name, NULL };

		if (run_here(argv) != 0)
			return EXIT_REFUSED;
	}
	ask_yes("Add the public key above to Bitbucket (SSH keys), then press Enter to check the connection: ");
	return 0;
}

/* On a terminal: HTTPS or SSH?  def is the URL's; 1 for SSH, 0 for HTTPS, -1 at EOF. */
static int ask_ssh(int def)
{
	struct sbuf line = SBUF_INIT;
	int r;

	line.max = 64;
	for (;;) {
		tty_write(1, def ? "Use SSH with a key, or HTTPS with a token? [SSH/https] " :
			  "Use HTTPS with a token, or SSH with a key? [HTTPS/ssh] ");
		if ((r = tty_read_line(0, &line)) != TTY_OK) {
			sbuf_free(&line);
			return -1;
		}
		if (line.len == 0)
			r = def;
		else if (!strcasecmp(line.buf, "ssh") || !strcasecmp(line.buf, "s"))
			r = 1;
		else if (!strcasecmp(line.buf, "https") || !strcasecmp(line.buf, "h"))
			r = 0;
		else
			r = 2;
		sbuf_reset(&line);
		if (r != 2)
			break;
	}
	sbuf_free(&line);
	return r;
}

int cmd_setup(struct gcb_call *call)
{
	const char *vals[SETUP_NOPTS], *ops[1];
	struct setup s = { "--global", 0, 0 };
	struct target t;
	char url[4096], line[2048], *inrepo[] = { "git", "rev-parse", "--git-dir", NULL };
	int n_ops, r, ssh, in_repo, url_ssh, asked = 0;

	if ((r = cred_args_parse(call->verb->spec, call->argc, call->argv, vals, ops,
				 &n_ops)) != 0)
		return r == CRED_ARGS_HELP ? 0 : r;
	if (vals[SETUP_GLOBAL] && vals[SETUP_LOCAL])
		return cred_args_misuse(call->verb->spec, "--global and --local exclude each other");
	if (vals[SETUP_HTTPS] && vals[SETUP_SSH])
		return cred_args_misuse(call->verb->spec, "--https and --ssh exclude each other");
	s.dry_run = vals[SETUP_DRY_RUN] != NULL;
	in_repo = cred_run(inrepo, 10, line, sizeof(line)) == 0;
	if (vals[SETUP_LOCAL] && !in_repo) {
		msg_error("--local needs a git repository; run setup inside one, or use --global");
		return EXIT_USAGE;
	}
	s.scope = vals[SETUP_GLOBAL] ? "--global" : vals[SETUP_LOCAL] || in_repo ?
		  "--local" : "--global";
	if (n_ops == 0 || cred_is_remote_name(ops[0])) {
		if ((r = cred_remote_url(n_ops ? ops[0] : "origin", "setup", url, sizeof(url))) != 0)
			return r;
	} else {
		snprintf(url, sizeof(url), "%s", ops[0]);
	}
	if ((r = target_from_url(url, &cred_config(call)->dc, &t)) == TARGET_OK &&
	    t.product == PRODUCT_NONE) {
		/* setup is told this is Bitbucket: not bitbucket.org, so Data Center */
		const char *self[1] = { t.host };
		struct dc_hosts dc = { self, 1 };

		r = target_from_url(url, &dc, &t);
	}
	if (r != TARGET_OK) {
		if (r == TARGET_ERR_SHAPE)
			msg_error("%s", target_shape_hint(&t, line, sizeof(line)));
		else
			msg_error("cannot read the URL '%s': %s", url, target_strerror(r));
		return EXIT_USAGE;
	}
	url_ssh = strcmp(t.protocol, "ssh") == 0;
	if (vals[SETUP_HTTPS] || vals[SETUP_SSH])
		ssh = vals[SETUP_SSH] != NULL;
	else if (isatty(0) && isatty(1) && (ssh = ask_ssh(url_ssh)) >= 0)
		asked = 1;
	else
		ssh = url_ssh;
	if (t.product == PRODUCT_DATACENTER && !dc_declared(t.host) &&
	    (r = write_config(&s, "--add", "bitbucket.dataCenterHost", t.host)) != 0)
		return r;
	if ((r = ssh ? setup_ssh(&s) : setup_https(&s, &t, url_ssh)) != 0)
		return r;
	if (s.written == 0)
		printf("git is already set up for %s over %s (%s config); nothing changed\n",
		       url, ssh ? "SSH" : "HTTPS", s.scope + 2);
	if (s.dry_run)
		return 0;
	if (ssh != url_ssh) {
		printf("note: %s is an %s URL; point the remote at the %s URL to use what was "
		       "set up (git remote set-url origin URL)\n", url, url_ssh ? "SSH" : "HTTPS",
		       ssh ? "SSH" : "HTTPS");
		return 0;
	}
	/* asked on a terminal: then also what the configuration is for */
	if (asked && (r = offer_secret(&t, url, ssh)) != 0)
		return r;
	r = cred_live_check(url, line, sizeof(line));
	printf("%s %s\n", r ? "\u2714" : "\u2718", line);
	if (!r)
		printf("run 'git credential-bitbucket doctor %s' for every check\n", url);
	return r ? 0 : EXIT_REFUSED;
}
