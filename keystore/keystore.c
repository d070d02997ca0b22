/*
 * keystore.c - the Secret Service backend of the keystore interface
 * (kss_* in keystore-ss.h; ksbackend.c dispatches keystore.h's ks_* calls
 * here or to the file store).
 *
 * It talks to the service with sd-bus (libsystemd), not GIO: git runs the
 * helper on every fetch and push, and on that path GIO cost more than
 * everything else.  Measured on Debian 12 (2 CPUs, medians of 30 runs,
 * whole processes started with posix_spawn, a loaded machine): a probe
 * that connects and makes two SearchItems calls took 33.9 ms with GIO,
 * 19.0 ms with libdbus and 19.8 ms with sd-bus.  make bench, quiet: the
 * get that returns a token took 23.6 ms with GIO (5.4 ms of it loading
 * the module) and 14.4 ms with sd-bus (2.2 ms).
 * Secrets go both ways in our own encrypted session (ss-session.c, and
 * why not libsecret's), and every call of a process to the service goes
 * on this one connection.  Storing through libsecret (its own GIO connection: a
 * second, new client of the service) was tried: on Debian 13 one
 * CreateItem in a make test failed, gnome-keyring 48 logging "assertion
 * 'client' failed" (a new client's call served before its registration,
 * see default_path); a ReadAlias sent first on that connection to avoid
 * it made KeePassXC 2.7.10 crash within 6 of 60 sequential stores.
 *
 * Cost model: one search is one D-Bus round trip returning object paths
 * only; attributes are read per item with one Properties.Get; our half of
 * the session's key exchange is computed on a thread while the search
 * runs, and OpenSession and GetSecrets follow when a secret is needed.
 * No two calls of this process are ever in flight at once (gnome-keyring
 * answers a call that overlaps an OpenSession of the same caller
 * wrongly: see need_session).  Every call carries a timeout; nothing here
 * ever prompts on its own: a locked collection is an error.
 */
#include <systemd/sd-bus.h>

#include "keystore.h"
#include "keystore-ss.h"
#include "ss-session.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUS_NAME	"org.freedesktop.secrets"
#define SERVICE_PATH	"/org/freedesktop/secrets"
#define SERVICE_IFACE	"org.freedesktop.Secret.Service"
#define ITEM_IFACE	"org.freedesktop.Secret.Item"
#define COLL_IFACE	"org.freedesktop.Secret.Collection"
#define PROPS_IFACE	"org.freedesktop.DBus.Properties"
#define PROMPT_IFACE	"org.freedesktop.Secret.Prompt"
#define CALL_TIMEOUT_MS	(KS_CALL_SECONDS * 1000)

struct kss {
	sd_bus *bus;
	struct ss_session *session;	/* ours, to read secrets (ss-session.c) */
	struct ss_half *half;		/* our half of its key exchange */
	pthread_t half_thread;		/* making the half, started by kss_open */
	int half_running;
	int session_err;		/* its error, when it failed */
	int default_unlocked;		/* the default collection was seen unlocked */
};

struct kss_list {
	char **paths;
	size_t n;
};

static void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* A failed call (sd-bus's negative errno RC, and the error it set) in our
 * codes; frees the error. */
static int map_error(int rc, sd_bus_error *e)
{
	const char *name = e->name, *msg = e->message ? e->message : "";
	int r = KS_ERR_INTERNAL;

	if (name == NULL)
		;
	else if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
					SD_BUS_ERROR_NAME_HAS_NO_OWNER))
		r = KS_ERR_NO_SERVICE;
	else if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
		/* the peer left the bus while we waited, or never answered */
		r = strstr(msg, "disconnected") ? KS_ERR_DIED : KS_ERR_TIMEOUT;
	else if (sd_bus_error_has_names(e, SD_BUS_ERROR_TIMEOUT,
					"org.freedesktop.DBus.Error.TimedOut"))
		r = KS_ERR_TIMEOUT;
	else if (sd_bus_error_has_names(e, SD_BUS_ERROR_DISCONNECTED,
					SD_BUS_ERROR_NO_SERVER))
		r = KS_ERR_DIED;
	else if (sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_METHOD,
					SD_BUS_ERROR_UNKNOWN_OBJECT,
					"org.freedesktop.Secret.Error.NoSuchObject"))
		r = KS_ERR_NOT_FOUND;
	else if (sd_bus_error_has_name(e, "org.freedesktop.Secret.Error.IsLocked"))
		r = KS_ERR_LOCKED;
	else if (strstr(msg, "IsLocked") || strstr(msg, "locked"))
		r = KS_ERR_LOCKED;
	else if (strstr(msg, "NoSuchObject"))
		r = KS_ERR_NOT_FOUND;
	/* errors of our own end of the connection */
	if (r == KS_ERR_INTERNAL) {
		switch (-rc) {
		case ETIMEDOUT:
			r = KS_ERR_TIMEOUT;
			break;
		case ECONNRESET:
		case ENOTCONN:
		case EPIPE:
		case ESHUTDOWN:
		case ECONNREFUSED:
			r = KS_ERR_DIED;
			break;
		case ENOMEM:
			r = KS_ERR_NOMEM;
			break;
		default:
			break;
		}
	}
	sd_bus_error_free(e);
	return r;
}

/* Is there a session bus address to try?  (No autolaunch.) */
static int have_bus_address(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	struct stat st;
	int n;

	if (addr != NULL && *addr != '\0')
		return 1;
	if (rt == NULL || *rt == '\0')
		return 0;
	n = snprintf(path, sizeof(path), "%s/bus", rt);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A method call on the service's name, to fill in and pass to call(). */
static int new_call(struct kss *ks, const char *path, const char *iface,
		    const char *method, sd_bus_message **m)
{
	int rc = sd_bus_message_new_method_call(ks->bus, m, BUS_NAME, path,
						iface, method);

	return rc < 0 ? (rc == -ENOMEM ? KS_ERR_NOMEM : KS_ERR_INTERNAL) : KS_OK;
}

/* Send M (unreferenced here), wait for the reply (*REPLY, or NULL). */
static int call(struct kss *ks, sd_bus_message *m, sd_bus_message **reply)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *rep = NULL;
	int rc;

	if (reply != NULL)
		*reply = NULL;
	rc = sd_bus_call(ks->bus, m, 0, &e, &rep);
	sd_bus_message_unref(m);
	if (rc < 0)
		return map_error(rc, &e);
	sd_bus_error_free(&e);
	if (reply != NULL)
		*reply = rep;
	else
		sd_bus_message_unref(rep);
	return KS_OK;
}

/* A message that could not be built or read: memory, or a bad answer. */
static int bad(int rc)
{
	return rc == -ENOMEM ? KS_ERR_NOMEM : KS_ERR_INTERNAL;
}

static void *make_half(void *ks);
static void join_half(struct kss *ks);

int kss_open(struct kss **out)
{
	struct kss *ks;

	*out = NULL;
	if (!have_bus_address())
		return KS_ERR_NO_BUS;
	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return KS_ERR_NOMEM;
	/*
	 * The encrypted session (our half of a Diffie-Hellman exchange, then
	 * OpenSession, the server's half) is needed before the first secret
	 * can be asked for: our half is computed on a thread started before
	 * the connection, so that work overlaps with the connection and the
	 * search (ss-session.c: why not libsecret's session).
	 */
	ks->half_running = pthread_create(&ks->half_thread, NULL, make_half, ks) == 0;
	/*
	 * No separate "is the service there" round trip: the first call
	 * fails with ServiceUnknown when nobody owns the name and the bus
	 * cannot start it (a desktop bus activates gnome-keyring on demand).
	 */
	if (sd_bus_open_user(&ks->bus) < 0) {
		kss_close(ks);
		return KS_ERR_NO_BUS;
	}
	sd_bus_set_method_call_timeout(ks->bus, (uint64_t)CALL_TIMEOUT_MS * 1000);
	*out = ks;
	return KS_OK;
}

void kss_close(struct kss *ks)
{
	if (ks == NULL)
		return;
	join_half(ks);
	ss_session_free(ks->session);
	ss_half_free(ks->half);
	if (ks->bus != NULL)
		sd_bus_flush_close_unref(ks->bus);
	free(ks);
}

/*
 * The encrypted session for reading secrets.  Our half of the key
 * exchange is made on the thread kss_open started (make_half: it touches
 * only ks->half, read after the join); OpenSession is sent from here, on
 * the caller's thread, after the search: gnome-keyring answers a
 * SearchItems or a Properties.Get that arrives while it works on the same
 * caller's OpenSession with nothing found, or with an error (t5000 failed
 * about one run in five when the thread sent OpenSession itself).
 */
static void *make_half(void *data)
{
	struct kss *ks = data;

	ks->half = ss_half_new();
	return NULL;
}

static void join_half(struct kss *ks)
{
	if (ks->half_running) {
		pthread_join(ks->half_thread, NULL);
		ks->half_running = 0;
	}
}

static int need_session(struct kss *ks)
{
	sd_bus_message *m = NULL, *rep = NULL;
	const unsigned char *pub;
	const void *peer;
	const char *path;
	size_t n_pub, n_peer;
	int r, rc;

	join_half(ks);
	if (ks->session != NULL || ks->session_err != KS_OK)
		return ks->session_err;
	if (ks->half == NULL && (ks->half = ss_half_new()) == NULL)
		return ks->session_err = KS_ERR_INTERNAL;
	if ((r = new_call(ks, SERVICE_PATH, SERVICE_IFACE, "OpenSession", &m)) != KS_OK)
		return ks->session_err = r;
	pub = ss_half_public(ks->half, &n_pub);
	if ((rc = sd_bus_message_append(m, "s", SS_ALGORITHM)) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
	    (rc = sd_bus_message_append_array(m, 'y', pub, n_pub)) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0) {
		sd_bus_message_unref(m);
		return ks->session_err = bad(rc);
	}
	if ((r = call(ks, m, &rep)) != KS_OK)
		return ks->session_err = r;
	/* (vo): the server's half, ay in the variant, and the session */
	if ((rc = sd_bus_message_enter_container(rep, 'v', "ay")) < 0 ||
	    (rc = sd_bus_message_read_array(rep, 'y', &peer, &n_peer)) < 0 ||
	    (rc = sd_bus_message_exit_container(rep)) < 0 ||
	    (rc = sd_bus_message_read(rep, "o", &path)) < 0)
		ks->session_err = bad(rc);
	else if ((ks->session = ss_session_new(ks->half, path, peer, n_peer)) == NULL)
		ks->session_err = KS_ERR_INTERNAL;
	sd_bus_message_unref(rep);
	return ks->session_err;
}

/* ---- attributes <-> struct ks_item ---- */

/* An item's attributes as key, value, ..., NULL (into A's buffers). */
struct attrs {
	const char *kv[2 * 14 + 1];
	char port[16], created[24], last_used[24], warned[24];
};

static const char *const *item_attributes(const struct ks_item *it, struct attrs *a)
{
	size_t n = 0;

	snprintf(a->port, sizeof(a->port), "%u", it->port);
	snprintf(a->created, sizeof(a->created), "%lld", it->created);
	snprintf(a->last_used, sizeof(a->last_used), "%lld", it->last_used);
	snprintf(a->warned, sizeof(a->warned), "%lld", it->warned);
#define KV(k, v) (a->kv[n++] = (k), a->kv[n++] = (v))
	KV("xdg:schema", KS_SCHEMA);
	KV("kind", it->kind);
	KV("protocol", it->protocol);
	KV("host", it->host);
	KV("port", a->port);
	KV("scope", it->scope);
	KV("username", it->username);
	KV("name", it->name);
	KV("repos", it->repos);
	KV("read_only", it->read_only ? "true" : "false");
	KV("created", a->created);
	KV("last_used", a->last_used);
	KV("warned", a->warned);
#undef KV
	a->kv[n] = NULL;
	return a->kv;
}

/* Append KV (key, value, ..., NULL) to M as a{ss}. */
static int append_dict(sd_bus_message *m, const char *const *kv)
{
	int rc = sd_bus_message_open_container(m, 'a', "{ss}");

	for (size_t i = 0; rc >= 0 && kv[i] != NULL; i += 2)
		rc = sd_bus_message_append(m, "{ss}", kv[i], kv[i + 1]);
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

static int set_field(char *dst, size_t n, const char *v)
{
	size_t len = strlen(v);

	if (len >= n)
		return KS_ERR_TOO_LONG;
	memcpy(dst, v, len + 1);
	return KS_OK;
}

static long long parse_ll(const char *v)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0)
		return 0;
	return n;
}

static int item_set(struct ks_item *it, const char *k, const char *v)
{
	if (strcmp(k, "kind") == 0)
		return set_field(it->kind, sizeof(it->kind), v);
	if (strcmp(k, "protocol") == 0)
		return set_field(it->protocol, sizeof(it->protocol), v);
	if (strcmp(k, "host") == 0)
		return set_field(it->host, sizeof(it->host), v);
	if (strcmp(k, "port") == 0) {
		long long p = parse_ll(v);

		it->port = p > 0 && p <= 65535 ? (unsigned)p : 0;
	} else if (strcmp(k, "scope") == 0)
		return set_field(it->scope, sizeof(it->scope), v);
	else if (strcmp(k, "username") == 0)
		return set_field(it->username, sizeof(it->username), v);
	else if (strcmp(k, "name") == 0)
		return set_field(it->name, sizeof(it->name), v);
	else if (strcmp(k, "repos") == 0)
		return set_field(it->repos, sizeof(it->repos), v);
	else if (strcmp(k, "read_only") == 0)
		it->read_only = strcmp(v, "true") == 0;
	else if (strcmp(k, "created") == 0)
		it->created = parse_ll(v);
	else if (strcmp(k, "last_used") == 0)
		it->last_used = parse_ll(v);
	else if (strcmp(k, "warned") == 0)
		it->warned = parse_ll(v);
	return KS_OK;
}

/* ---- properties ---- */

/* Properties.Get of PATH's IFACE.NAME: *REPLY entered into its variant of
 * type TYPE, or NULL (and KS_OK) when the value has another type. */
static int get_property(struct kss *ks, const char *path, const char *iface,
			const char *name, const char *type, sd_bus_message **reply)
{
	sd_bus_message *m;
	int r, rc;

	*reply = NULL;
	if ((r = new_call(ks, path, PROPS_IFACE, "Get", &m)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_append(m, "ss", iface, name)) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	if ((r = call(ks, m, reply)) != KS_OK)
		return r;
	if (sd_bus_message_enter_container(*reply, 'v', type) <= 0)
		*reply = sd_bus_message_unref(*reply);
	return KS_OK;
}

/* A boolean property; -1 when it cannot be read. */
static int get_bool(struct kss *ks, const char *path, const char *iface,
		    const char *name, int *r)
{
	sd_bus_message *rep;
	int b = -1, v;

	if ((*r = get_property(ks, path, iface, name, "b", &rep)) != KS_OK ||
	    rep == NULL)
		return -1;
	if (sd_bus_message_read(rep, "b", &v) > 0)
		b = v != 0;
	sd_bus_message_unref(rep);
	return b;
}

/*
 * The default collection's object path (malloc'd), asked with ReadAlias:
 * KS_OK, KS_ERR_NO_COLLECTION, or the call's error.
 *
 * Never through the alias path (/org/freedesktop/secrets/aliases/default)
 * and never a Properties.Get as a connection's first call: gnome-keyring
 * 48 (Debian 13) aborts, or answers for a garbled path, when either
 * meets a client that has just connected.  It registers each new client
 * from an idle callback while its D-Bus thread already rewrites alias
 * paths from the table that registration replaces, and a Properties.Get
 * can be served before the client is registered.  Measured on Debian 13,
 * 6 processes at once, 1,800 short-lived clients per run: a first call
 * Properties.Get of Locked through the alias aborted the daemon in each
 * of 2 runs (within seconds); with a call to the service first, 2 of
 * 1,800 Gets through the alias failed with "Object does not exist at
 * path /org/freedesktop/secrets/collection/_2c_00..."; SearchItems first,
 * 0 of 1,800.  (The last CI run lost its trixie part to that abort.)
 */
static int default_path(struct kss *ks, char **path)
{
	sd_bus_message *m, *rep;
	const char *p;
	int r, rc;

	*path = NULL;
	if ((r = new_call(ks, SERVICE_PATH, SERVICE_IFACE, "ReadAlias", &m)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_append(m, "s", "default")) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	if ((r = call(ks, m, &rep)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_read(rep, "o", &p)) < 0)
		r = bad(rc);
	else if (strcmp(p, "/") == 0)
		r = KS_ERR_NO_COLLECTION;
	else if ((*path = strdup(p)) == NULL)
		r = KS_ERR_NOMEM;
	sd_bus_message_unref(rep);
	return r;
}

/* Is the default collection locked: 1, 0, or -1 with *R why not known. */
static int default_locked_state(struct kss *ks, int *r)
{
	char *path;
	int locked;

	if ((*r = default_path(ks, &path)) != KS_OK)
		return -1;
	locked = get_bool(ks, path, COLL_IFACE, "Locked", r);
	free(path);
	return locked;
}

/*
 * Is the default collection locked?  Two round trips (ReadAlias, then
 * its Locked), and none once it was seen unlocked (or there is none).
 */
static int default_locked(struct kss *ks)
{
	int r, locked;

	if (ks->default_unlocked)
		return 0;
	locked = default_locked_state(ks, &r);
	if (locked != 1)
		ks->default_unlocked = 1;
	return locked == 1;
}

int kss_get_label(struct kss *ks, const struct ks_item *it, char *buf,
		  size_t len)
{
	sd_bus_message *rep;
	const char *label;
	int r;

	if (len > 0)
		buf[0] = '\0';
	if ((r = get_property(ks, it->id, ITEM_IFACE, "Label", "s", &rep)) != KS_OK)
		return r;
	if (rep == NULL)
		return KS_OK;	/* not a string: no label */
	if (sd_bus_message_read(rep, "s", &label) > 0 && len > 0)
		snprintf(buf, len, "%s", label);
	sd_bus_message_unref(rep);
	return KS_OK;
}

int kss_probe(struct kss *ks)
{
	int r = KS_OK, locked;

	locked = default_locked_state(ks, &r);
	if (locked == 1)
		return KS_ERR_LOCKED;
	if (locked == 0) {
		ks->default_unlocked = 1;
		return KS_OK;
	}
	/* no default collection is "not usable" too: nothing to store into */
	return r == KS_OK || r == KS_ERR_NOT_FOUND || r == KS_ERR_INTERNAL ?
	       KS_ERR_NO_COLLECTION : r;
}

/* ---- search ---- */

/* The SearchItems attributes: every non-empty field, widened by flags. */
static const char *const *pattern_attributes(const struct ks_item *p,
					     unsigned flags, struct attrs *a)
{
	size_t n = 0;

	snprintf(a->port, sizeof(a->port), "%u", p->port);
#define KV(k, v) (a->kv[n++] = (k), a->kv[n++] = (v))
	KV("xdg:schema", KS_SCHEMA);
	if (p->kind[0])
		KV("kind", p->kind);
	if (p->protocol[0])
		KV("protocol", p->protocol);
	if (p->host[0])
		KV("host", p->host);
	if (flags & KS_MATCH_PORT)
		KV("port", a->port);
	if (p->scope[0] || (flags & KS_MATCH_SCOPE))
		KV("scope", p->scope);
	if (p->username[0])
		KV("username", p->username);
	if (p->name[0])
		KV("name", p->name);
#undef KV
	a->kv[n] = NULL;
	return a->kv;
}

/* Read an array of object paths (ao) from M into *OUT (NULL-terminated,
 * malloc'd), its length in *N. */
static int read_paths(sd_bus_message *m, char ***out, size_t *n)
{
	char **v = NULL;
	int rc = sd_bus_message_read_strv(m, &v);

	*out = NULL;
	*n = 0;
	if (rc < 0)
		return bad(rc);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return KS_ERR_NOMEM;
	while (v[*n] != NULL)
		(*n)++;
	*out = v;
	return KS_OK;
}

int kss_search(struct kss *ks, const struct ks_item *pattern,
	      unsigned flags, struct kss_list **out, size_t *locked_out)
{
	sd_bus_message *m, *rep = NULL;
	char **locked = NULL;
	struct kss_list *l;
	struct attrs a;
	size_t n_locked = 0;
	int r, rc;

	*out = NULL;
	if (locked_out != NULL)
		*locked_out = 0;
	/* one SearchItems call on the bus; paths only */
	if ((r = new_call(ks, SERVICE_PATH, SERVICE_IFACE, "SearchItems", &m)) != KS_OK)
		return r;
	if ((rc = append_dict(m, pattern_attributes(pattern, flags, &a))) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	if ((r = call(ks, m, &rep)) != KS_OK)
		return r;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		sd_bus_message_unref(rep);
		return KS_ERR_NOMEM;
	}
	/* (aoao): the unlocked items, then the locked ones */
	if ((r = read_paths(rep, &l->paths, &l->n)) == KS_OK)
		r = read_paths(rep, &locked, &n_locked);
	sd_bus_message_unref(rep);
	strv_free(locked);
	if (r != KS_OK) {
		kss_list_free(l);
		return r;
	}
	if (locked_out != NULL)
		*locked_out = n_locked;
	*out = l;
	/* nothing at all: empty, or a provider hiding a locked database? */
	if (locked_out != NULL && *locked_out == 0 && l->n == 0 &&
	    !(flags & KS_NO_LOCKED_PROBE) && default_locked(ks))
		*locked_out = 1;
	return KS_OK;
}

size_t kss_list_len(const struct kss_list *list)
{
	return list ? list->n : 0;
}

void kss_list_free(struct kss_list *list)
{
	if (list == NULL)
		return;
	strv_free(list->paths);
	free(list);
}

static int load_item(struct kss *ks, const char *path, struct ks_item *out)
{
	sd_bus_message *rep;
	const char *k, *v;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if ((r = set_field(out->id, sizeof(out->id), path)) != KS_OK)
		return r;
	if ((r = get_property(ks, path, ITEM_IFACE, "Attributes", "a{ss}", &rep)) != KS_OK)
		return r;
	if (rep == NULL)
		return KS_ERR_INTERNAL;	/* not a{ss} */
	if ((rc = sd_bus_message_enter_container(rep, 'a', "{ss}")) < 0)
		r = bad(rc);
	while (r == KS_OK && (rc = sd_bus_message_read(rep, "{ss}", &k, &v)) > 0)
		r = item_set(out, k, v);
	if (r == KS_OK && rc < 0)
		r = bad(rc);
	sd_bus_message_unref(rep);
	return r;
}

const char *kss_list_id(const struct kss_list *list, size_t i)
{
	return list != NULL && i < list->n ? list->paths[i] : NULL;
}

int kss_item_load(struct kss *ks, const char *id, struct ks_item *out)
{
	return load_item(ks, id, out);
}

int kss_list_get(struct kss *ks, const struct kss_list *list, size_t i,
		struct ks_item *out)
{
	if (list == NULL || i >= list->n)
		return KS_ERR_NOT_FOUND;
	return load_item(ks, list->paths[i], out);
}

/* ---- secrets ---- */

/* One entry of GetSecrets' a{o(oayays)}, entered: decrypt it when it is
 * ID's.  1 when it was (*R its result), 0 when it is another item's. */
static int secret_entry(struct kss *ks, sd_bus_message *rep, const char *id,
			struct sbuf *out, int *r)
{
	const char *item, *spath, *type;
	const void *iv, *ct;
	size_t n_iv, n_ct;
	int rc;

	if ((rc = sd_bus_message_read(rep, "o", &item)) < 0)
		goto bad;
	if (strcmp(item, id) != 0) {
		if ((rc = sd_bus_message_skip(rep, "(oayays)")) < 0)
			goto bad;
		return 0;
	}
	if ((rc = sd_bus_message_enter_container(rep, 'r', "oayays")) < 0 ||
	    (rc = sd_bus_message_read(rep, "o", &spath)) < 0 ||
	    (rc = sd_bus_message_read_array(rep, 'y', &iv, &n_iv)) < 0 ||
	    (rc = sd_bus_message_read_array(rep, 'y', &ct, &n_ct)) < 0 ||
	    (rc = sd_bus_message_read(rep, "s", &type)) < 0)
		goto bad;
	*r = ss_session_decrypt(ks->session, spath, iv, n_iv, ct, n_ct, out);
	return 1;
bad:
	*r = bad(rc);
	return 1;
}

int kss_get_secret(struct kss *ks, const struct ks_item *it,
		  struct sbuf *out)
{
	sd_bus_message *m, *rep = NULL;
	int r, rc, found = 0;

	sbuf_reset(out);
	if ((r = need_session(ks)) != KS_OK)
		return r;
	if ((r = new_call(ks, SERVICE_PATH, SERVICE_IFACE, "GetSecrets", &m)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_open_container(m, 'a', "o")) < 0 ||
	    (rc = sd_bus_message_append(m, "o", it->id)) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0 ||
	    (rc = sd_bus_message_append(m, "o", ss_session_path(ks->session))) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	if ((r = call(ks, m, &rep)) != KS_OK)
		return r;
	/* the reply holds only cipher text; erase it when freed anyway */
	sd_bus_message_sensitive(rep);
	/* no entry: the item is gone (a locked one is an error above) */
	r = KS_ERR_NOT_FOUND;
	if ((rc = sd_bus_message_enter_container(rep, 'a', "{o(oayays)}")) < 0)
		r = bad(rc);
	else
		while (!found &&
		       (rc = sd_bus_message_enter_container(rep, 'e', "o(oayays)")) > 0) {
			found = secret_entry(ks, rep, it->id, out, &r);
			if (!found && (rc = sd_bus_message_exit_container(rep)) < 0) {
				r = bad(rc);
				break;
			}
		}
	if (!found && rc < 0 && r == KS_ERR_NOT_FOUND)
		r = bad(rc);
	if (r != KS_OK)
		sbuf_free(out);
	sd_bus_message_unref(rep);
	return r;
}

/* The default collection's path (malloc'd), refusing (never prompting)
 * when it is locked. */
static int default_collection(struct kss *ks, char **path)
{
	int r, locked;

	if ((r = default_path(ks, path)) != KS_OK)
		return r;
	locked = get_bool(ks, *path, COLL_IFACE, "Locked", &r);
	if (locked == 0)
		return KS_OK;
	if (locked == 1 || r == KS_OK)
		r = KS_ERR_LOCKED;
	free(*path);
	*path = NULL;
	return r;
}

/* ---- prompts ---- */

struct prompt_wait {
	int done, dismissed;
	char *result;		/* the result, when it is an object path */
	size_t n_result;
};

static int prompt_completed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct prompt_wait *w = data;
	int dismissed;

	(void)e;
	/* (bv): dismissed, and the result (CreateItem's: the item's path) */
	w->dismissed = sd_bus_message_read(m, "b", &dismissed) > 0 ? dismissed != 0 : 1;
	if (!w->dismissed && w->n_result > 0) {
		const char *path;

		if (sd_bus_message_enter_container(m, 'v', "o") > 0 &&
		    sd_bus_message_read(m, "o", &path) > 0)
			snprintf(w->result, w->n_result, "%s", path);
	}
	w->done = 1;
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/*
 * Run a prompt the service returned and wait for its Completed signal,
 * at most KS_PROMPT_SECONDS.  No window id: a provider that needs a dialog
 * shows a free-standing one (or none); one left unanswered is dismissed.
 * An object path the prompt completes with goes into RESULT (N_RESULT
 * bytes; 0: not wanted).
 */
static int run_prompt(struct kss *ks, const char *prompt, char *result,
		      size_t n_result)
{
	struct prompt_wait w = { 0, 0, result, n_result };
	sd_bus_slot *slot = NULL;
	sd_bus_message *m;
	uint64_t end;
	int r, rc;

	rc = sd_bus_match_signal(ks->bus, &slot, NULL, prompt, PROMPT_IFACE,
				 "Completed", prompt_completed, &w);
	if (rc < 0)
		return bad(rc);
	if ((r = new_call(ks, prompt, PROMPT_IFACE, "Prompt", &m)) != KS_OK)
		goto out;
	if ((rc = sd_bus_message_append(m, "s", "")) < 0) {
		sd_bus_message_unref(m);
		r = bad(rc);
		goto out;
	}
	if ((r = call(ks, m, NULL)) != KS_OK)
		goto out;
	end = now_usec() + (uint64_t)KS_PROMPT_SECONDS * 1000000;
	while (!w.done) {
		uint64_t t = now_usec();

		if ((rc = sd_bus_process(ks->bus, NULL)) < 0) {
			r = KS_ERR_DIED;
			goto out;
		}
		if (rc > 0)
			continue;
		if (t >= end)
			break;
		if (sd_bus_wait(ks->bus, end - t) < 0) {
			r = KS_ERR_DIED;
			goto out;
		}
	}
	if (w.done)
		r = w.dismissed ? KS_ERR_PROMPT : KS_OK;
	else {
		/* take the dialog down; the answer does not matter */
		if (new_call(ks, prompt, PROMPT_IFACE, "Dismiss", &m) == KS_OK)
			call(ks, m, NULL);
		r = KS_ERR_PROMPT;
	}
out:
	sd_bus_slot_unref(slot);
	return r;
}

/* Item.Delete, following the prompt the provider may answer with. */
static int delete_path(struct kss *ks, const char *id)
{
	sd_bus_message *m, *rep;
	const char *prompt;
	char *p = NULL;
	int r, rc;

	if ((r = new_call(ks, id, ITEM_IFACE, "Delete", &m)) != KS_OK)
		return r;
	if ((r = call(ks, m, &rep)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_read(rep, "o", &prompt)) < 0)
		r = bad(rc);
	else if (strcmp(prompt, "/") != 0 && (p = strdup(prompt)) == NULL)
		r = KS_ERR_NOMEM;
	sd_bus_message_unref(rep);
	if (r == KS_OK && p != NULL)
		r = run_prompt(ks, p, NULL, 0);
	free(p);
	return r;
}

/* Items that a new one replaces: same kind class, place and owner. */
static int find_replaced(struct kss *ks, const struct ks_item *it,
			 struct kss_list **out)
{
	struct ks_item p = KS_ITEM_INIT;
	int is_key = strcmp(it->kind, KS_KIND_SSH_KEY) == 0;

	if (is_key) {
		/* key names are unique among keys, whatever their scope */
		memcpy(p.kind, KS_KIND_SSH_KEY, sizeof(KS_KIND_SSH_KEY));
		memcpy(p.name, it->name, sizeof(p.name));
		return kss_search(ks, &p, 0, out, NULL);
	}
	memcpy(p.protocol, it->protocol, sizeof(p.protocol));
	memcpy(p.host, it->host, sizeof(p.host));
	p.port = it->port;
	memcpy(p.scope, it->scope, sizeof(p.scope));
	memcpy(p.username, it->username, sizeof(p.username));
	if (p.username[0] == '\0')
		return KS_ERR_INTERNAL;	/* tokens always have a username */
	return kss_search(ks, &p, KS_MATCH_PORT | KS_MATCH_SCOPE, out, NULL);
}

/* Append the properties CreateItem takes, a{sv}: the label and the
 * attributes. */
static int append_properties(sd_bus_message *m, const struct ks_item *it,
			     const char *label)
{
	struct attrs a;
	int rc;

	if ((rc = sd_bus_message_open_container(m, 'a', "{sv}")) < 0 ||
	    (rc = sd_bus_message_append(m, "{sv}", ITEM_IFACE ".Label", "s", label)) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'e', "sv")) < 0 ||
	    (rc = sd_bus_message_append(m, "s", ITEM_IFACE ".Attributes")) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'v', "a{ss}")) < 0 ||
	    (rc = append_dict(m, item_attributes(it, &a))) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0)
		return rc;
	return sd_bus_message_close_container(m);
}

/*
 * Collection.CreateItem in the collection COLL, the secret encrypted in
 * our session: the new item's path into ID.  A prompt (a provider that
 * wants one) is run like a delete's, and its result is the item.
 */
static int create_item(struct kss *ks, const char *coll, struct ks_item *it,
		       const char *label, const struct sbuf *secret)
{
	sd_bus_message *m, *rep = NULL;
	struct sbuf ct = SBUF_INIT;
	unsigned char iv[16];
	const char *item, *prompt;
	char *p = NULL;
	int r, rc;

	if ((r = need_session(ks)) != KS_OK)
		return r;
	ct.max = secret->len + sizeof(iv) + 1;
	if ((r = ss_session_encrypt(ks->session, secret->buf ? secret->buf : "",
				    secret->len, iv, &ct)) != KS_OK)
		return r;
	if ((r = new_call(ks, coll, COLL_IFACE, "CreateItem", &m)) != KS_OK)
		goto out;
	/* (a{sv}(oayays)b): properties, the secret, replace: no (we delete
	 * what it replaces ourselves, by our own attributes) */
	if ((rc = append_properties(m, it, label)) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'r', "oayays")) < 0 ||
	    (rc = sd_bus_message_append(m, "o", ss_session_path(ks->session))) < 0 ||
	    (rc = sd_bus_message_append_array(m, 'y', iv, sizeof(iv))) < 0 ||
	    (rc = sd_bus_message_append_array(m, 'y', ct.buf, ct.len)) < 0 ||
	    (rc = sd_bus_message_append(m, "s", "text/plain")) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0 ||
	    (rc = sd_bus_message_append(m, "b", 0)) < 0) {
		sd_bus_message_unref(m);
		r = bad(rc);
		goto out;
	}
	if ((r = call(ks, m, &rep)) != KS_OK)
		goto out;
	if ((rc = sd_bus_message_read(rep, "oo", &item, &prompt)) < 0)
		r = bad(rc);
	else if (strcmp(item, "/") != 0)
		r = set_field(it->id, sizeof(it->id), item);
	else if (strcmp(prompt, "/") == 0)
		r = KS_ERR_INTERNAL;	/* neither an item nor a prompt */
	else if ((p = strdup(prompt)) == NULL)
		r = KS_ERR_NOMEM;
	sd_bus_message_unref(rep);
	if (p != NULL) {
		char made[sizeof(it->id)] = "";

		if ((r = run_prompt(ks, p, made, sizeof(made))) == KS_OK)
			r = made[0] != '\0' ? set_field(it->id, sizeof(it->id), made) :
					       KS_ERR_INTERNAL;
		free(p);
	}
out:
	sbuf_free(&ct);
	return r;
}

int kss_store(struct kss *ks, struct ks_item *it, const char *label,
	     const struct sbuf *secret)
{
	struct kss_list *old = NULL;
	char *coll = NULL;
	int r;

	if (it->created == 0)
		it->created = (long long)time(NULL);
	if ((r = default_collection(ks, &coll)) != KS_OK)
		goto out;
	if ((r = find_replaced(ks, it, &old)) != KS_OK)
		goto out;
	if ((r = create_item(ks, coll, it, label, secret)) != KS_OK)
		goto out;
	/* written: now the replaced ones can go */
	for (size_t i = 0; i < kss_list_len(old); i++) {
		if (strcmp(old->paths[i], it->id) == 0)
			continue;
		if ((r = delete_path(ks, old->paths[i])) != KS_OK &&
		    r != KS_ERR_NOT_FOUND)
			goto out;
	}
	r = KS_OK;
out:
	kss_list_free(old);
	free(coll);
	return r;
}

int kss_delete(struct kss *ks, const struct ks_item *it)
{
	return delete_path(ks, it->id);
}

int kss_update(struct kss *ks, const struct ks_item *it,
	      const char *label)
{
	sd_bus_message *m;
	struct attrs a;
	int r, rc;

	/* Properties.Set of the attributes, then of the label */
	if ((r = new_call(ks, it->id, PROPS_IFACE, "Set", &m)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_append(m, "ss", ITEM_IFACE, "Attributes")) < 0 ||
	    (rc = sd_bus_message_open_container(m, 'v', "a{ss}")) < 0 ||
	    (rc = append_dict(m, item_attributes(it, &a))) < 0 ||
	    (rc = sd_bus_message_close_container(m)) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	if ((r = call(ks, m, NULL)) != KS_OK || label == NULL)
		return r;
	if ((r = new_call(ks, it->id, PROPS_IFACE, "Set", &m)) != KS_OK)
		return r;
	if ((rc = sd_bus_message_append(m, "ssv", ITEM_IFACE, "Label", "s", label)) < 0) {
		sd_bus_message_unref(m);
		return bad(rc);
	}
	return call(ks, m, NULL);
}

const char *kss_strerror(int err)
{
	switch (err) {
	case KS_OK:
		return "success";
	case KS_ERR_NO_BUS:
		return "no D-Bus session bus";
	case KS_ERR_NO_SERVICE:
		return "no Secret Service on the session bus";
	case KS_ERR_LOCKED:
		return "the keyring is locked";
	case KS_ERR_NO_COLLECTION:
		return "the keyring has no default collection";
	case KS_ERR_DIED:
		return "the Secret Service stopped answering";
	case KS_ERR_TIMEOUT:
		return "the Secret Service did not answer in time";
	case KS_ERR_NOT_FOUND:
		return "no such item";
	case KS_ERR_TOO_LONG:
		return "a value is too long";
	case KS_ERR_NOMEM:
		return "out of memory";
	case KS_ERR_PROMPT:
		return "the Secret Service asks for confirmation in a dialog";
	}
	return "internal error";
}

/* ---- the provider, for messages ---- */

const char *ks_provider(void)
{
	static char comm[32];
	static const struct {
		const char *prefix, *name;
	} known[] = {
		{ "gnome-keyring", "GNOME Keyring" },	/* comm: gnome-keyring-d */
		{ "keepassxc", "KeePassXC" },
		{ "kwalletd", "KWallet" },
		{ "ksecretd", "KWallet" },
	};
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *rep = NULL;
	sd_bus *bus = NULL;
	uint32_t pid = 0;
	char path[64];
	FILE *f;
	size_t n;
	int rc;

	if (!have_bus_address() || sd_bus_open_user(&bus) < 0)
		return NULL;
	sd_bus_set_method_call_timeout(bus, 2000000);
	rc = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "GetConnectionUnixProcessID",
				&e, &rep, "s", BUS_NAME);
	if (rc >= 0 && sd_bus_message_read(rep, "u", &pid) < 0)
		pid = 0;
	sd_bus_message_unref(rep);
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(bus);
	snprintf(path, sizeof(path), "/proc/%u/comm", (unsigned)pid);
	if (pid == 0 || (f = fopen(path, "re")) == NULL)
		return NULL;
	n = fread(comm, 1, sizeof(comm) - 1, f);
	fclose(f);
	while (n > 0 && (comm[n - 1] == '\n' || comm[n - 1] == ' '))
		n--;
	comm[n] = '\0';
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strncmp(comm, known[i].prefix, strlen(known[i].prefix)) == 0)
			return known[i].name;
	/* a process name: printable ASCII only, it ends up in a message */
	for (size_t i = 0; i < n; i++)
		if (comm[i] < 0x21 || comm[i] > 0x7e)
			comm[i] = '?';
	return comm;
}
