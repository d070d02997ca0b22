/*
 * ssh-key.h - which key in the keyring git-bitbucket-ssh uses for a
 * connection.
 *
 * Keys are keystore items of kind KS_KIND_SSH_KEY with a host and a scope
 * ("" the whole host, "acme" an account, "acme/repo" a repository).  The
 * most specific scope that matches the repository wins; a key name given
 * with -i or bitbucket.sshKey overrides the search.  Also: when the chosen
 * key is due for an age warning, and the URL to rotate it with.  Nothing
 * here prints.
 */
#ifndef GCB_SSH_KEY_H
#define GCB_SSH_KEY_H

#include <stddef.h>
#include "keystore.h"
#include "bitbucket/target.h"

enum {
	SSHKEY_OK = 0,
	SSHKEY_ERR_KEYRING = -1,	/* the keystore failed: see ks_err */
	SSHKEY_ERR_NOT_FOUND = -2,	/* no key (see locked for locked matches) */
};

struct ssh_key_pick {
	struct ks_item item;		/* the chosen key */
	int ks_err;			/* KS_ERR_* when SSHKEY_ERR_KEYRING */
	size_t locked;			/* matching items that are locked */
	int levels_tried;		/* how many scopes were searched (repo, account, host) */
};

/*
 * Choose a key for t (host, account, repository).  name: a key name from
 * -i or bitbucket.sshKey, or NULL/"" to search by scope.  want_write: a
 * push, so among equally specific keys a read-write one is preferred.
 * A key whose `repos` expression does not match the repository is skipped.
 */
int ssh_key_pick(struct keystore *ks, const struct target *t, const char *name,
		 int want_write, struct ssh_key_pick *out);

/*
 * Is a rotation warning due for key it at time now (unix seconds)?  Yes
 * when its age (now - created) is more than max_days days and it was not
 * warned about in the last 24 hours (warned 0, or a warned time in the
 * future, which only a clock set back can leave, count as never).  A key
 * of unknown age (created 0) is never due, nor is anything when max_days
 * is not positive.  *age_days (may be NULL) gets the age in whole days.
 */
#define SSH_KEY_WARN_INTERVAL (24 * 60 * 60)
int ssh_key_age_warning_due(const struct ks_item *it, long long now, long max_days,
			    long long *age_days);

/*
 * The SSH URL of where key it applies, as `key generate --scope` takes it:
 * ssh://git@HOST[:PORT]/ for the host, .../ACCOUNT for an account,
 * .../ACCOUNT/REPO.git for a repository.  0, or -1 when buf is too small.
 */
int ssh_key_scope_url(const struct ks_item *it, char *buf, size_t len);

#endif
