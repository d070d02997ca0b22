/*
 * config.h - the bitbucket.* settings, read through `git config` (so
 * system, global, repository, include and -c settings all apply).
 * One `git config` process per call; no shell.
 */
#ifndef GCB_CONFIG_H
#define GCB_CONFIG_H

#include "target.h"

#define CONFIG_MAX_DC_HOSTS 64

struct config {
	char *dc_names[CONFIG_MAX_DC_HOSTS];	/* bitbucket.dataCenterHost */
	int n_dc;
	struct dc_hosts dc;			/* points at dc_names */
	char ssh_key[128];			/* bitbucket.sshKey */
	long key_max_age_days;			/* bitbucket.keyMaxAge, default 180 */
};

/* 0 on success; when git is missing or fails, the config is left empty
 * (defaults) and -1 is returned. */
int config_load(struct config *cfg);
void config_free(struct config *cfg);

/*
 * Could any configuration git would read declare bitbucket.* settings?
 * A cheap, conservative look at the files themselves (system, global,
 * the repository's, worktree's, and GIT_CONFIG_* from the environment):
 * 0 only when none mentions "bitbucket" and none includes another file;
 * 1 when in doubt.  Lets a request for an unrelated host skip the
 * `git config` process.
 */
int config_may_mention_bitbucket(void);

#endif
