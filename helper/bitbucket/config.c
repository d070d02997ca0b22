/*
 * config.c - bitbucket.* settings, read natively (gitconfig.h); one
 * `git config` process only when the native reader hands a case back.
 */
#include "bitbucket/config.h"
#include "common/io.h"
#include "gitconfig/gitconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_MAX_OUTPUT 65536

static long parse_days(const char *v, long def)
{
	char *end;
	long d;

	errno = 0;
	d = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || d < 1 || d > 36500)
		return def;
	return d;
}

static int want_bitbucket(const char *name, void *arg)
{
	(void)arg;
	return strncmp(name, "bitbucket.", 10) == 0;
}

/* One setting, in git's order (the last sshKey / keyMaxAge wins). */
static void apply(struct config *cfg, const char *name, const char *val)
{
	if (strcasecmp(name, "bitbucket.datacenterhost") == 0) {
		if (cfg->n_dc < CONFIG_MAX_DC_HOSTS && *val != '\0' &&
		    (cfg->dc_names[cfg->n_dc] = strdup(val)) != NULL)
			cfg->n_dc++;
	} else if (strcasecmp(name, "bitbucket.sshkey") == 0) {
		size_t vl = strlen(val);

		if (vl < sizeof(cfg->ssh_key))
			memcpy(cfg->ssh_key, val, vl + 1);
	} else if (strcasecmp(name, "bitbucket.keymaxage") == 0) {
		cfg->key_max_age_days = parse_days(val, 180);
	} else if (strcasecmp(name, "bitbucket.keystore") == 0) {
		/* checked where it is used (helper/keyring.c): kept as given */
		snprintf(cfg->keystore, sizeof(cfg->keystore), "%s", val);
	} else if (strcasecmp(name, "bitbucket.cachetimeout") == 0) {
		char *end;
		long t;

		errno = 0;
		t = strtol(val, &end, 10);
		cfg->cache_timeout = errno != 0 || end == val || *end != '\0' ||
				     t < 0 || t > 86400 * 30 ? -1 : t;
	}
}

/* What `git config -z --get-regexp ^bitbucket\.` prints, asked of git. */
static int load_from_git(struct config *cfg)
{
	char *argv[] = { "git", "config", "-z", "--get-regexp",
			 "^bitbucket\\.", NULL };
	char *buf;
	size_t len, off = 0;
	int r;

	if ((buf = malloc(CONFIG_MAX_OUTPUT)) == NULL)
		return -1;
	r = run_git(argv, buf, CONFIG_MAX_OUTPUT, &len);
	/* exit 1 from --get-regexp means "no such keys": not an error */
	r = r == 0 || r == 1 ? 0 : -1;
	/* records: "key\nvalue\0" (or "key\0" for a value-less key) */
	while (off < len) {
		char *rec = buf + off, *val;
		size_t rl = strlen(rec);

		off += rl + 1;
		if ((val = strchr(rec, '\n')) == NULL)
			continue;
		*val++ = '\0';
		apply(cfg, rec, val);
	}
	free(buf);
	return r;
}

int config_load(struct config *cfg)
{
	struct gitconfig gc = GITCONFIG_INIT;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->key_max_age_days = 180;
	cfg->cache_timeout = CONFIG_CACHE_TIMEOUT;
	cfg->dc.names = (const char *const *)cfg->dc_names;
	if (gitconfig_read(&gc, want_bitbucket, NULL) == GITCONFIG_OK) {
		/* a key without '=' has no value: skipped, as in git's output */
		for (size_t i = 0; i < gc.n; i++)
			if (gc.e[i].value != NULL)
				apply(cfg, gc.e[i].name, gc.e[i].value);
		gitconfig_free(&gc);
		r = 0;
	} else {
		r = load_from_git(cfg);
	}
	cfg->dc.n = cfg->n_dc;
	return r;
}

void config_free(struct config *cfg)
{
	for (int i = 0; i < cfg->n_dc; i++)
		free(cfg->dc_names[i]);
	cfg->n_dc = 0;
	cfg->dc.n = 0;
}

int config_may_mention_bitbucket(void)
{
	struct gitconfig gc = GITCONFIG_INIT;
	int r = gitconfig_read(&gc, want_bitbucket, NULL);
	int any = r != GITCONFIG_OK || gc.n > 0;

	gitconfig_free(&gc);
	return any;
}
