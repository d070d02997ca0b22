/*
 * ssh-key.h - which key in the keyring git-bitbucket-ssh uses for a
 * connection.
 *
 * Keys are keystore items of kind KS_KIND_SSH_KEY with a host and a scope
 * ("" the whole host, "acme" an account, "acme/repo" a repository).  The
 * most specific scope that matches the repository wins; a key name given
 * with -i or bitbucket.sshKey overrides the search.  Nothing here prints.
 */
#ifndef GCB_SSH_KEY_H
#define GCB_SSH_KEY_H

#include <stddef.h>
#include "keystore.h"
#include "target.h"

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

#endif
