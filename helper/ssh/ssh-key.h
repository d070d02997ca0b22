/*
 * ssh-key.h - which key in the keyring git-bitbucket-ssh uses for a
 * connection.
 *
 * Keys are keystore items of kind KS_KIND_SSH_KEY with a host and a scope
 * ("" the whole host, "acme" an account, "acme/repo" a repository) and
 * perhaps a port.  Every key that applies is a candidate, most specific
 * first, and the wrapper offers them in turn; a key name given with -i or
 * bitbucket.sshKey overrides the order for that key's own host.  Also: when the chosen
 * key is due for an age warning, and the URL to rotate it with.  Nothing
 * here prints.
 */
#ifndef GCB_SSH_KEY_H
#define GCB_SSH_KEY_H

#include <stddef.h>
#include <string.h>
#include "keystore.h"
#include "bitbucket/target.h"

enum {
	SSHKEY_OK = 0,
	SSHKEY_ERR_KEYRING = -1,	/* the keystore failed: see ks_err */
	SSHKEY_ERR_NOT_FOUND = -2,	/* no key (see locked for locked matches) */
	SSHKEY_ERR_NOMEM = -3,
};

/*
 * How many keys one connection offers at most: below OpenSSH sshd's
 * default MaxAuthTries (6), so a server never cuts the connection for too
 * many failures before the last key has been tried.
 */
#define SSH_KEY_MAX_TRIES 5

/*
 * The keys to offer, in order.  Candidates are the keys of t's host whose
 * scope is t's repository, its account (project) or the whole host, whose
 * port is t's (a key without a port applies to any port) and whose repos
 * expression matches.  Order: most specific scope first (repository,
 * account, host), then newest first (created), then by name.  For a push
 * (want_write), read-only keys are dropped when a read-write candidate
 * exists; when all are read-only they stay, and the caller refuses.
 */
struct ssh_key_choice {
	struct ks_item keys[SSH_KEY_MAX_TRIES];
	size_t n;			/* keys to offer, in order */
	size_t candidates;		/* candidates found (n is at most the limit) */
	size_t skipped_read_only;	/* read-only candidates dropped for a push */
	int ks_err;			/* KS_ERR_* when SSHKEY_ERR_KEYRING */
	size_t locked;			/* matching items that are locked */
	int levels_tried;		/* how many scopes were searched (repo, account, host) */
	int named_elsewhere;		/* the named key exists but is another host's (or port's) */
	struct ks_item named;		/* that key, when named_elsewhere */
};

/*
 * Choose the keys for t (host, port, account, repository).  name: a key
 * name from -i or bitbucket.sshKey, or NULL/"" to search by scope.  A
 * named key of t's host (and port, when it has one) is the only key
 * offered; a named key of another host is not used (named_elsewhere is
 * set) and the search by scope runs instead.  A named key that does not
 * exist is SSHKEY_ERR_NOT_FOUND with levels_tried 0.
 */
int ssh_key_choose(struct keystore *ks, const struct target *t, const char *name,
		   int want_write, struct ssh_key_choice *out);

/*
 * Whether key it may be used for a connection to port (0 = 22): a key
 * scoped with a port serves that port only, one without a port any port.
 * Inline, so the key verbs' overlap warning (another program) applies the
 * same rule.
 */
static inline int ssh_key_port_applies(const struct ks_item *it, unsigned port)
{
	return it->port == 0 || it->port == (port ? port : 22);
}

/*
 * Which of two keys of the same scope level is tried first: < 0 when a
 * goes first: the newer (created), then the name that sorts first.
 */
static inline int ssh_key_order(const struct ks_item *a, const struct ks_item *b)
{
	if (a->created != b->created)
		return a->created > b->created ? -1 : 1;
	return strcmp(a->name, b->name);
}

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
