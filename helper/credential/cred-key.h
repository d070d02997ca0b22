/*
 * cred-key.h - what the key verbs share, private to the keys module
 * (git-credential-bitbucket-keys.so): cred-key.c has the verbs that work
 * on stored keys (public, list, remove, rename, scope, set-read-only) and
 * the dispatch; cred-key-add.c the two that add one (import, generate).
 *
 * A key is an item of kind KS_KIND_SSH_KEY, protocol "ssh", with the key's
 * name (unique among keys), the host, port and scope it applies to, and a
 * read-only flag; the secret value is unencrypted PKCS#8 PEM.  Everything
 * about key material goes through keystore/pem.h; these files only talk
 * to people.  Key material and passphrases are never printed.
 */
#ifndef GCB_CRED_KEY_H
#define GCB_CRED_KEY_H

#include "credential/cred.h"
#include "credential/cred-args.h"

#define KEY_NAME_MAX 100

/* A key verb, its options and operands parsed against v (cred-verbs.c). */
typedef int key_verb_fn(struct gcb_call *call, const struct cred_verb *v,
			const char **vals, const char **ops, int n_ops);

key_verb_fn key_import, key_generate;	/* cred-key-add.c */

/*
 * Letters, digits and . _ - @ +, starting with a letter or digit; else the
 * misuse is printed and EXIT_USAGE returned.
 */
int key_check_name(const struct cred_verb *v, const char *name);

/*
 * Where a key applies, from --scope URL (NULL: all of bitbucket.org): 0, or
 * an EXIT_* code with the line printed.
 */
int key_scope_target(struct gcb_call *call, const struct cred_verb *v,
		     const char *url, struct target *t);

/* The keyring label of a key item. */
void key_label(const struct ks_item *it, char *buf, size_t len);

/* Host, port and scope of t into it. */
void key_from_target(struct ks_item *it, const struct target *t);

/*
 * The key called name: 0 and *found = 1 with *it filled, 0 and *found = 0
 * when there is none, or an EXIT_* code (the line already printed).
 */
int key_find(struct keystore *ks, const char *name, struct ks_item *it,
	     int *found);

/*
 * Just after key it was stored or rescoped: when other keys cover the same
 * host, scope and port, one warning line naming them and the key that
 * git-bitbucket-ssh tries first (cred-key-overlap.c).  Never fails.
 */
void key_overlap_warn(struct keystore *ks, const struct ks_item *it);

/* Close the keyring (ks may be NULL) and stop the watchdog. */
void key_done(struct keystore *ks);

#endif
