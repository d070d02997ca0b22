/*
 * config.h - the bitbucket.* settings as `git config` answers them
 * (system, global, repository, includes and -c settings all apply).
 * Read natively (gitconfig.h); when the native reader hands a case back
 * (onbranch:, hasconfig:, an unreadable file, a syntax error, ...) one
 * `git config` process answers instead, so the answer is always git's.
 * No shell.
 */
#ifndef GCB_CONFIG_H
#define GCB_CONFIG_H

#include "bitbucket/target.h"

#define CONFIG_MAX_DC_HOSTS 64

struct config {
	char *dc_names[CONFIG_MAX_DC_HOSTS];	/* bitbucket.dataCenterHost */
	int n_dc;
	struct dc_hosts dc;			/* points at dc_names */
	char ssh_key[128];			/* bitbucket.sshKey */
	long key_max_age_days;			/* bitbucket.keyMaxAge, default 180 */
	char keystore[32];			/* bitbucket.keystore: "", "secret-service", "file" */
	long cache_timeout;			/* bitbucket.cacheTimeout seconds; -1: not a number */
};

/* bitbucket.cacheTimeout's default: the file store's key is cached 15 minutes */
#define CONFIG_CACHE_TIMEOUT 900

/* 0 on success; when the native reader cannot answer and git is missing
 * or fails, the config is left empty (defaults) and -1 is returned. */
int config_load(struct config *cfg);
void config_free(struct config *cfg);

/*
 * Does the configuration git would read set any bitbucket.* key?
 * Answered by the native reader: 0 only when it read everything and
 * found none; 1 when it found some, or handed the case back to git.
 * Lets a request for an unrelated host stop before config_load().
 */
int config_may_mention_bitbucket(void);

#endif
