/*
 * test-ssh-config.c - reading ssh -G's answer, the ProxyCommand tokens,
 * and the cheap check that decides whether ssh -G runs at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh/ssh-config.h"
#include "unit.h"

static char dir[] = "/tmp/gcb-unit-sshcfg.XXXXXX";

/* What ssh -G prints, trimmed to the lines we read and a few we do not. */
static const char base[] =
	"host alias\n"
	"user root\n"
	"hostname bitbucket.example.com\n"
	"port 7999\n"
	"addressfamily any\n"
	"stricthostkeychecking ask\n"
	"globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2\n"
	"userknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2\n"
	"connecttimeout none\n"
	"sendenv LANG\n";

static int parse_with(const char *extra, struct ssh_resolved *r)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", base, extra);
	return sshcfg_parse(text, strlen(text), "root", "/root", r);
}

static void test_parse(void)
{
	struct ssh_resolved r;
	char buf[512];

	report(parse_with("", &r) == SSHCFG_OK &&
	       strcmp(r.hostname, "bitbucket.example.com") == 0 && r.port == 7999 &&
	       !r.has_user && r.connect_timeout == 0 && !r.has_strict &&
	       r.n_known_hosts == 0 && r.host_key_alias[0] == '\0' &&
	       r.proxy_command[0] == '\0' && r.proxy_jump[0] == '\0',
	       "defaults: HostName and Port read, nothing else set");
	report(parse_with("user other\n", &r) == SSHCFG_OK && r.has_user &&
	       strcmp(r.user, "other") == 0,
	       "a User other than the login name is set (the last line wins)");
	report(parse_with("connecttimeout 7\n", &r) == SSHCFG_OK && r.connect_timeout == 7,
	       "ConnectTimeout in seconds");
	report(parse_with("connecttimeout 99999\n", &r) == SSHCFG_ERR_OUTPUT &&
	       strcmp(r.detail, "connecttimeout") == 0,
	       "ConnectTimeout over an hour is refused, naming it");
	report(parse_with("stricthostkeychecking true\n", &r) == SSHCFG_OK && r.has_strict &&
	       r.strict == SSH_STRICT_YES, "StrictHostKeyChecking yes");
	report(parse_with("stricthostkeychecking false\n", &r) == SSHCFG_OK && r.has_strict &&
	       r.strict == SSH_STRICT_ACCEPT_NEW, "StrictHostKeyChecking no adds unknown keys only");
	report(parse_with("stricthostkeychecking accept-new\n", &r) == SSHCFG_OK &&
	       r.strict == SSH_STRICT_ACCEPT_NEW, "StrictHostKeyChecking accept-new");
	report(parse_with("userknownhostsfile none\n", &r) == SSHCFG_OK && r.n_known_hosts == -1,
	       "UserKnownHostsFile none");
	report(parse_with("userknownhostsfile /a /b /c /d\n", &r) == SSHCFG_OK &&
	       r.n_known_hosts == 3 && strcmp(r.known_hosts[0], "/a") == 0 &&
	       strcmp(r.known_hosts[2], "/c") == 0,
	       "UserKnownHostsFile: at most three files, in order");
	report(parse_with("hostkeyalias bb.alias\nproxyjump j1,git@j2:22\n", &r) == SSHCFG_OK &&
	       strcmp(r.host_key_alias, "bb.alias") == 0 &&
	       strcmp(r.proxy_jump, "j1,git@j2:22") == 0,
	       "HostKeyAlias and ProxyJump kept as they are");
	report(parse_with("proxycommand none\nproxyjump none\n", &r) == SSHCFG_OK &&
	       r.proxy_command[0] == '\0' && r.proxy_jump[0] == '\0',
	       "ProxyCommand none and ProxyJump none are no proxy");
	report(sshcfg_parse("port 22\n", 8, "root", "/root", &r) == SSHCFG_ERR_OUTPUT &&
	       strcmp(r.detail, "hostname") == 0, "no hostname line: refused, naming it");
	report(parse_with("port 0\n", &r) == SSHCFG_ERR_OUTPUT, "port 0 is refused");

	report(parse_with("proxycommand nc %h %p %r %n %%\n", &r) == SSHCFG_OK &&
	       sshcfg_proxy_expand(&r, "git", "alias", buf, sizeof(buf)) == SSHCFG_OK &&
	       strcmp(buf, "nc bitbucket.example.com 7999 git alias %") == 0,
	       "ProxyCommand: %h %p %r %n %% expanded");
	report(parse_with("proxycommand nc %d\n", &r) == SSHCFG_OK &&
	       sshcfg_proxy_expand(&r, "git", "alias", buf, sizeof(buf)) == SSHCFG_ERR_TOKEN,
	       "ProxyCommand: another token is refused");
	report(parse_with("proxycommand nc %h %h %h\n", &r) == SSHCFG_OK &&
	       sshcfg_proxy_expand(&r, "git", "alias", buf, 20) == SSHCFG_ERR_TOO_LONG,
	       "ProxyCommand: never cut short");
}

static const char *write_file(const char *name, const char *text)
{
	static char path[2][256];
	static int k;
	FILE *f;

	k ^= 1;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	if ((f = fopen(path[k], "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path[k];
}

/* Does the user file holding text make ssh -G run for host? */
static int applies(const char *text, const char *host)
{
	return sshcfg_may_apply(write_file("config", text), 0, host);
}

static void test_may_apply(void)
{
	char path[512], inc[600];

	snprintf(path, sizeof(path), "%s/missing", dir);
	report(sshcfg_may_apply(path, 0, "bitbucket.org") == 0, "no file: nothing applies");
	report(applies("# only a comment\n\n", "bitbucket.org") == 0, "comments and blank lines");
	report(applies("Host github.com\n  Port 2222\n  User me\n", "bitbucket.org") == 0,
	       "a Host block for another host does not apply");
	report(applies("Host *\n  SendEnv LANG\n  IdentityFile ~/.ssh/x\n  ServerAliveInterval 9\n",
		       "bitbucket.org") == 0,
	       "settings never used here do not count, even under Host *");
	report(applies("Host bitbucket.org\n  User git\n  IdentityFile ~/.ssh/bb\n",
		       "bitbucket.org") == 0, "User git changes nothing");
	report(applies("Host bitbucket.org\n  User gitx\n", "bitbucket.org") == 1,
	       "another User does");
	report(applies("Host bitbucket-work\n  HostName bitbucket.org\n", "bitbucket-work") == 1,
	       "an alias's HostName applies to the alias");
	report(applies("Host BitBucket.*\n  Port 7999\n", "bitbucket.org") == 1,
	       "patterns match case-insensitively");
	report(applies("Port 2222\n", "bitbucket.org") == 1,
	       "a setting before any Host applies to all");
	report(applies("Host !bitbucket.org *\n  Port 1\n", "bitbucket.org") == 1,
	       "negations are not subtracted: over-cautious, ssh -G decides");
	report(applies("Host other\nMatch host bitbucket.org\n", "x") == 1, "Match always runs ssh -G");
	report(applies("Include config.d/*\n", "x") == 1, "a relative Include runs ssh -G");
	report(applies("ProxyJump=jump\n", "x") == 1, "Key=Value form");
	snprintf(inc, sizeof(inc), "Include %s/inc-*\n", dir);
	write_file("inc-1", "Host *\n  HashKnownHosts yes\n");
	report(applies(inc, "x") == 0, "an absolute Include is read: nothing there");
	write_file("inc-2", "Host x\n  StrictHostKeyChecking no\n");
	report(applies(inc, "x") == 1, "an absolute Include is read: a setting there");
	snprintf(path, sizeof(path), "%s", dir);
	report(sshcfg_may_apply(path, 0, "x") == 1, "a file that cannot be read runs ssh -G");
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_may_apply();
	{
		static const char *const files[] = { "config", "inc-1", "inc-2" };
		char path[300];

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(dir);
	}
	return unit_done();
}
