/*
 * keystore.h - the project's secrets in our terms, in either of two
 * backends: the Secret Service (keystore.c) or the encrypted file store
 * (filestore.h).  ksbackend.c dispatches every call to the handle's
 * backend; the semantics below are the same on both, except where a
 * function says it is the Secret Service's alone.
 *
 * keystore.c is the only file that talks D-Bus (sd-bus).  Items carry
 * non-secret metadata as attributes (what kind of secret, where it applies,
 * who it belongs to, when it was stored and last used); the secret value
 * holds the secret and anything confidential.
 *
 * Like the rest of keystore/, nothing here prints: functions return 0 or a
 * negative KS_ERR_* code, and ks_strerror() turns a code into a phrase.
 */
#ifndef GCB_KEYSTORE_H
#define GCB_KEYSTORE_H

#include <stddef.h>
#include "secret.h"

/* The schema name (the xdg:schema attribute, as libsecret names it); also
 * what `secret-tool search xdg:schema` finds. */
#define KS_SCHEMA "org.bitbucket.credential"

enum {
	KS_OK = 0,
	KS_ERR_INTERNAL = -1,
	KS_ERR_NO_BUS = -2,		/* no D-Bus session bus */
	KS_ERR_NO_SERVICE = -3,		/* nobody owns org.freedesktop.secrets */
	KS_ERR_LOCKED = -4,		/* the collection or item is locked */
	KS_ERR_NO_COLLECTION = -5,	/* no default collection to store into */
	KS_ERR_DIED = -6,		/* the service vanished or failed mid-call */
	KS_ERR_TIMEOUT = -7,		/* the service did not answer in time */
	KS_ERR_NOT_FOUND = -8,		/* item is gone */
	KS_ERR_TOO_LONG = -9,		/* a field does not fit */
	KS_ERR_NOMEM = -10,
	KS_ERR_PROMPT = -11,		/* the service wants a dialog answered */
};

/*
 * The file store's errors (FS_ERR_*, filestore.h) as keystore codes:
 * KS_ERR_FILE(FS_ERR_AUTH) and so on; ks_strerror() gives fs_strerror()'s
 * phrase.  Not found, too long and out of memory come back as KS_ERR_*.
 */
#define KS_ERR_FILE_BASE	(-100)
#define KS_ERR_FILE(fs_err)	(KS_ERR_FILE_BASE + (fs_err))
#define KS_IS_FILE_ERR(e)	((e) < KS_ERR_FILE_BASE)
#define KS_FILE_ERR(e)		((e) - KS_ERR_FILE_BASE)

/* Which backend a handle uses: ks_backend(). */
enum { KS_BACKEND_SECRET_SERVICE = 1, KS_BACKEND_FILE = 2 };

/* Item kinds (the "kind" attribute). */
#define KS_KIND_API_TOKEN	"api-token"	 /* Cloud API token (ATAT...) */
#define KS_KIND_APP_PASSWORD	"app-password"	 /* Cloud app password (ATBB...), legacy */
#define KS_KIND_PERSONAL_TOKEN	"personal-token" /* Data Center personal HTTP access token */
#define KS_KIND_SSH_KEY		"ssh-key"	 /* a PEM private key for git-bitbucket-ssh */

/*
 * One keyring item's metadata.  Strings are NUL-terminated; an empty string
 * means "not set" (in a search pattern: "do not filter on this").
 *
 * scope is the normalised path the secret applies to, lowercased, without
 * leading/trailing slashes, without ".git" and without Data Center's "scm/":
 *   ""            the whole host
 *   "acme"        one account (Cloud workspace / Data Center project)
 *   "acme/widget" one repository
 */
struct ks_item {
	char kind[24];
	char protocol[16];	/* "https", "http"; "ssh" for keys */
	char host[256];		/* lowercase, without port */
	unsigned port;		/* 0 = the protocol's default */
	char scope[512];
	char username[256];	/* tokens: the git username */
	char name[128];		/* keys: the key's name (unique among keys) */
	char repos[512];	/* least privilege: POSIX ERE on repo paths; "" = any */
	int read_only;		/* keys: 1 = read-only access key */
	long long created;	/* unix seconds; 0 = unknown */
	long long last_used;	/* unix seconds; 0 = never */
	long long warned;	/* unix seconds of the last age warning; 0 = never */
	char id[256];		/* the item's D-Bus object path; set by the keystore */
};

#define KS_ITEM_INIT { .kind = "" }

struct keystore;
struct ks_list;

/*
 * Every D-Bus call carries this timeout (KS_ERR_TIMEOUT when it runs out).
 * The limits around it - the connect and the whole operation - are the
 * programs' policy: helper/keyring.h.
 */
#define KS_CALL_SECONDS 5

/*
 * Connect to the session bus and the Secret Service.  Every call after
 * this is bounded by KS_CALL_SECONDS; the connect itself is not (a wedged
 * bus blocks it), which is why keyring_open() runs it under a watchdog.
 * A missing bus or service fails with KS_ERR_*; nothing ever prompts.
 */
int ks_open(struct keystore **out);
void ks_close(struct keystore *ks);

/*
 * The Secret Service handle's state: KS_OK when the service answers and
 * its default collection is unlocked, else KS_ERR_NO_SERVICE,
 * KS_ERR_LOCKED, KS_ERR_NO_COLLECTION or the call's error.  One round trip;
 * KS_OK for a file store handle.
 */
int ks_probe(struct keystore *ks);

/*
 * A handle over an opened (and normally unlocked) file store, which it
 * owns from then on: ks_close() closes fs.  Opening, unlocking and the key
 * cache are filestore.h's, driven by the programs (helper/keyring.c).
 */
struct filestore;
int ks_open_file(struct filestore *fs, struct keystore **out);
int ks_backend(const struct keystore *ks);
/* The file store behind a KS_BACKEND_FILE handle, else NULL. */
struct filestore *ks_filestore(struct keystore *ks);
/* How many ks_store() calls succeeded in this process (on any handle). */
unsigned long ks_stores_made(void);


/*
 * Find items of our schema whose attributes equal every non-empty field of
 * *pattern (kind, protocol, host, scope, username, name).  Flags widen
 * that: KS_MATCH_PORT also requires port == pattern->port, KS_MATCH_SCOPE
 * matches scope even when it is "" (host-level items only).  Only object
 * paths are fetched; attributes are loaded per item by ks_list_get(), so a
 * search that matches 1000 items costs one round trip.  Locked items are
 * not returned; *locked_out (may be NULL) is set to how many matched but
 * are locked.  When nothing matches, the default collection's Locked
 * property is read (once per keystore, and only when locked_out is not
 * NULL): a locked collection counts as one locked match, because some
 * providers (KeePassXC) answer a search of a locked database with two
 * empty lists instead of the locked items.  KS_NO_LOCKED_PROBE skips that
 * read, for a search that another follows when it finds nothing (get's
 * narrower scopes before the host's).
 */
#define KS_MATCH_PORT	1u
#define KS_MATCH_SCOPE	2u
#define KS_NO_LOCKED_PROBE	4u

int ks_search(struct keystore *ks, const struct ks_item *pattern,
	      unsigned flags, struct ks_list **out, size_t *locked_out);
size_t ks_list_len(const struct ks_list *list);
/* Load the i-th item's attributes into *out. */
int ks_list_get(struct keystore *ks, const struct ks_list *list, size_t i,
		struct ks_item *out);
/* The i-th item's id (object path), without loading anything. */
const char *ks_list_id(const struct ks_list *list, size_t i);
/* Load the attributes of the item with this id. */
int ks_item_load(struct keystore *ks, const char *id, struct ks_item *out);
void ks_list_free(struct ks_list *list);

/* Load the secret value of one item (it->id must be set). */
int ks_get_secret(struct keystore *ks, const struct ks_item *it,
		  struct sbuf *out);

/* The item's label into buf (it->id must be set; cut to len - 1 bytes). */
int ks_get_label(struct keystore *ks, const struct ks_item *it, char *buf,
		 size_t len);

/*
 * Store a new item in the default collection with a human-readable label.
 * It replaces any item with the same kind class, protocol, host, port and
 * scope and the same username (tokens) or name (keys): the new item is
 * written first, then the old ones are deleted, so a failure loses nothing.
 * it->created is set to now when 0.  it->id is set on success.
 */
int ks_store(struct keystore *ks, struct ks_item *it, const char *label,
	     const struct sbuf *secret);

/*
 * Delete one item (it->id must be set).  A provider may answer with a
 * prompt (KeePassXC always does); it is run and waited for, at most
 * KS_PROMPT_SECONDS: a prompt that shows a dialog nobody answers in that
 * time is dismissed and gives KS_ERR_PROMPT, one the service dismisses
 * gives KS_ERR_PROMPT too.  An item that is already gone is a success
 * (KS_OK): someone else deleted it, which is what was asked for.
 */
#define KS_PROMPT_SECONDS 10
int ks_delete(struct keystore *ks, const struct ks_item *it);

/*
 * Rewrite an item's attributes (and label, when not NULL) from *it, keeping
 * its secret: used for last_used, rename, scope and read-only changes.
 */
int ks_update(struct keystore *ks, const struct ks_item *it,
	      const char *label);

const char *ks_strerror(int err);

/*
 * The Secret Service provider that owns org.freedesktop.secrets, by name
 * ("GNOME Keyring", "KeePassXC", "KWallet", else the owner's process name),
 * or NULL when it cannot be told.  Found from the owner's process
 * (GetConnectionUnixProcessID, /proc/PID/comm): two bus round trips, for
 * error messages only.  The string is static.
 */
const char *ks_provider(void);

#endif
