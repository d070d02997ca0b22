/*
 * keystore.c - the only libsecret user: the Secret Service backend of the
 * keystore interface (kss_* in keystore-ss.h; ksbackend.c dispatches
 * keystore.h's ks_* calls here or to the file store).
 *
 * Cost model (git runs the helper on every fetch and push): one search is
 * one D-Bus round trip returning object paths only; attributes are read per
 * item with one Properties.Get; the encrypted transfer session (the
 * Diffie-Hellman exchange) is opened on a thread of its own while the
 * search runs, so a get that finds its token waits for one more round
 * trip only, GetSecrets (the thread's calls are cancelled at close when no
 * secret was needed).  Every call carries a
 * timeout, nothing here ever prompts: a locked collection is an error.
 */
#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>

#include "keystore.h"
#include "keystore-ss.h"
#include "ss-session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUS_NAME	"org.freedesktop.secrets"
#define ITEM_IFACE	"org.freedesktop.Secret.Item"
#define COLL_IFACE	"org.freedesktop.Secret.Collection"
#define PROPS_IFACE	"org.freedesktop.DBus.Properties"
#define PROMPT_IFACE	"org.freedesktop.Secret.Prompt"
#define DEFAULT_ALIAS	"/org/freedesktop/secrets/aliases/default"
#define CALL_TIMEOUT_MS	(KS_CALL_SECONDS * 1000)

struct kss {
	GDBusConnection *conn;
	SecretService *service;		/* libsecret's, created to store */
	int service_err;		/* its error, when it failed */
	struct ss_session *session;	/* ours, to read secrets (ss-session.c) */
	struct ss_half *half;		/* our half of its key exchange */
	GThread *half_thread;		/* making the half, started by kss_open */
	int session_err;		/* its error, when it failed */
	int default_unlocked;		/* the default collection was seen unlocked */
};

struct kss_list {
	gchar **paths;
	size_t n;
};

/* Map a GError to our codes; frees it. */
static int map_error(GError *err)
{
	int r = KS_ERR_INTERNAL;

	if (err == NULL)
		return KS_ERR_INTERNAL;
	if (err->domain == G_DBUS_ERROR) {
		switch (err->code) {
		case G_DBUS_ERROR_SERVICE_UNKNOWN:
		case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
			r = KS_ERR_NO_SERVICE;
			break;
		case G_DBUS_ERROR_NO_REPLY:
			/* the peer left the bus while we waited, or never answered */
			r = strstr(err->message, "disconnected") ? KS_ERR_DIED :
								    KS_ERR_TIMEOUT;
			break;
		case G_DBUS_ERROR_TIMEOUT:
		case G_DBUS_ERROR_TIMED_OUT:
			r = KS_ERR_TIMEOUT;
			break;
		case G_DBUS_ERROR_DISCONNECTED:
		case G_DBUS_ERROR_NO_SERVER:
			r = KS_ERR_DIED;
			break;
		case G_DBUS_ERROR_UNKNOWN_METHOD:
		case G_DBUS_ERROR_UNKNOWN_OBJECT:
			r = KS_ERR_NOT_FOUND;
			break;
		default:
			break;
		}
	} else if (err->domain == G_IO_ERROR) {
		if (err->code == G_IO_ERROR_TIMED_OUT ||
		    err->code == G_IO_ERROR_CANCELLED)
			r = KS_ERR_TIMEOUT;
		else if (err->code == G_IO_ERROR_CLOSED ||
			 err->code == G_IO_ERROR_BROKEN_PIPE ||
			 err->code == G_IO_ERROR_CONNECTION_CLOSED)
			r = KS_ERR_DIED;
	} else if (err->domain == SECRET_ERROR) {
		if (err->code == SECRET_ERROR_IS_LOCKED)
			r = KS_ERR_LOCKED;
		else if (err->code == SECRET_ERROR_NO_SUCH_OBJECT)
			r = KS_ERR_NOT_FOUND;
	}
	if (r == KS_ERR_INTERNAL && err->message != NULL) {
		if (strstr(err->message, "IsLocked") || strstr(err->message, "locked"))
			r = KS_ERR_LOCKED;
		else if (strstr(err->message, "NoSuchObject"))
			r = KS_ERR_NOT_FOUND;
	}
	g_error_free(err);
	return r;
}

/* Is there a session bus address to try?  (Avoid GIO's X11 autolaunch.) */
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

static GVariant *bus_call(struct kss *ks, const char *dest,
			  const char *path, const char *iface,
			  const char *method, GVariant *args,
			  const GVariantType *reply, int *r)
{
	GError *err = NULL;
	GVariant *v;

	v = g_dbus_connection_call_sync(ks->conn, dest, path, iface, method,
					args, reply, G_DBUS_CALL_FLAGS_NONE,
					CALL_TIMEOUT_MS, NULL, &err);
	if (v == NULL)
		*r = map_error(err);
	else
		*r = KS_OK;
	return v;
}

static gpointer make_half(gpointer ks);
static void join_half(struct kss *ks);

int kss_open(struct kss **out)
{
	struct kss *ks;
	GError *err = NULL;

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
	ks->half_thread = g_thread_try_new("gcb-dh-half", make_half, ks, NULL);
	/*
	 * No separate "is the service there" round trip: the first call
	 * fails with ServiceUnknown when nobody owns the name and the bus
	 * cannot start it (a desktop bus activates gnome-keyring on demand).
	 */
	ks->conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
	if (ks->conn == NULL) {
		g_error_free(err);
		kss_close(ks);
		return KS_ERR_NO_BUS;
	}
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
	if (ks->service != NULL)
		g_object_unref(ks->service);
	if (ks->conn != NULL)
		g_object_unref(ks->conn);
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
static gpointer make_half(gpointer data)
{
	struct kss *ks = data;

	ks->half = ss_half_new();
	return NULL;
}

static void join_half(struct kss *ks)
{
	if (ks->half_thread != NULL) {
		g_thread_join(ks->half_thread);
		ks->half_thread = NULL;
	}
}

static int need_session(struct kss *ks)
{
	GError *err = NULL;

	join_half(ks);
	if (ks->session != NULL || ks->session_err != KS_OK)
		return ks->session_err;
	if (ks->half == NULL && (ks->half = ss_half_new()) == NULL)
		ks->session_err = KS_ERR_INTERNAL;
	else if (ss_session_open(ks->conn, ks->half, CALL_TIMEOUT_MS,
				 &ks->session, &err) != 0)
		ks->session_err = err != NULL ? map_error(err) : KS_ERR_INTERNAL;
	return ks->session_err;
}

/* libsecret's service proxy, to store: made on first need. */
static int need_service(struct kss *ks)
{
	GError *err = NULL;

	/*
	 * Not while the half's thread runs: libsecret initialises libgcrypt
	 * on first use, and that must not race with the thread's use of it.
	 * Storing is not git's hot path; the thread is done in milliseconds.
	 */
	join_half(ks);
	if (ks->service == NULL && ks->service_err == KS_OK) {
		ks->service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION,
						      NULL, &err);
		if (ks->service == NULL)
			ks->service_err = map_error(err);
		else
			/* libsecret's own calls use the proxy's timeout: bound them too */
			g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(ks->service),
							 CALL_TIMEOUT_MS);
	}
	if (ks->service == NULL)
		return ks->service_err != KS_OK ? ks->service_err : KS_ERR_INTERNAL;
	return KS_OK;
}

/* ---- attributes <-> struct ks_item ---- */

static void put_ll(GVariantBuilder *b, const char *key, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	g_variant_builder_add(b, "{ss}", key, num);
}

static GVariant *item_attributes(const struct ks_item *it)
{
	GVariantBuilder b;
	char port[16];

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	g_variant_builder_add(&b, "{ss}", "xdg:schema", KS_SCHEMA);
	g_variant_builder_add(&b, "{ss}", "kind", it->kind);
	g_variant_builder_add(&b, "{ss}", "protocol", it->protocol);
	g_variant_builder_add(&b, "{ss}", "host", it->host);
	snprintf(port, sizeof(port), "%u", it->port);
	g_variant_builder_add(&b, "{ss}", "port", port);
	g_variant_builder_add(&b, "{ss}", "scope", it->scope);
	g_variant_builder_add(&b, "{ss}", "username", it->username);
	g_variant_builder_add(&b, "{ss}", "name", it->name);
	g_variant_builder_add(&b, "{ss}", "repos", it->repos);
	g_variant_builder_add(&b, "{ss}", "read_only",
			      it->read_only ? "true" : "false");
	put_ll(&b, "created", it->created);
	put_ll(&b, "last_used", it->last_used);
	put_ll(&b, "warned", it->warned);
	return g_variant_builder_end(&b);
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

static int item_from_attributes(GVariant *attrs, struct ks_item *it)
{
	GVariantIter iter;
	const char *k, *v;
	int r = KS_OK;

	g_variant_iter_init(&iter, attrs);
	while (r == KS_OK && g_variant_iter_next(&iter, "{&s&s}", &k, &v)) {
		if (strcmp(k, "kind") == 0)
			r = set_field(it->kind, sizeof(it->kind), v);
		else if (strcmp(k, "protocol") == 0)
			r = set_field(it->protocol, sizeof(it->protocol), v);
		else if (strcmp(k, "host") == 0)
			r = set_field(it->host, sizeof(it->host), v);
		else if (strcmp(k, "port") == 0) {
			long long p = parse_ll(v);

			it->port = p > 0 && p <= 65535 ? (unsigned)p : 0;
		} else if (strcmp(k, "scope") == 0)
			r = set_field(it->scope, sizeof(it->scope), v);
		else if (strcmp(k, "username") == 0)
			r = set_field(it->username, sizeof(it->username), v);
		else if (strcmp(k, "name") == 0)
			r = set_field(it->name, sizeof(it->name), v);
		else if (strcmp(k, "repos") == 0)
			r = set_field(it->repos, sizeof(it->repos), v);
		else if (strcmp(k, "read_only") == 0)
			it->read_only = strcmp(v, "true") == 0;
		else if (strcmp(k, "created") == 0)
			it->created = parse_ll(v);
		else if (strcmp(k, "last_used") == 0)
			it->last_used = parse_ll(v);
		else if (strcmp(k, "warned") == 0)
			it->warned = parse_ll(v);
	}
	return r;
}

/* ---- search ---- */

/* A boolean property; -1 when it cannot be read. */
static int get_bool(struct kss *ks, const char *path, const char *iface,
		    const char *name, int *r)
{
	GVariant *v, *inner;
	int b = -1;

	v = bus_call(ks, BUS_NAME, path, PROPS_IFACE, "Get",
		     g_variant_new("(ss)", iface, name), G_VARIANT_TYPE("(v)"), r);
	if (v == NULL)
		return -1;
	g_variant_get(v, "(v)", &inner);
	if (g_variant_is_of_type(inner, G_VARIANT_TYPE_BOOLEAN))
		b = g_variant_get_boolean(inner);
	g_variant_unref(inner);
	g_variant_unref(v);
	return b;
}

/*
 * Is the default collection locked?  One round trip through its alias
 * path, and none once it was seen unlocked (or the alias is unknown).
 */
static int default_locked(struct kss *ks)
{
	int r, locked;

	if (ks->default_unlocked)
		return 0;
	locked = get_bool(ks, DEFAULT_ALIAS, COLL_IFACE, "Locked", &r);
	if (locked != 1)
		ks->default_unlocked = 1;
	return locked == 1;
}

int kss_get_label(struct kss *ks, const struct ks_item *it, char *buf,
		  size_t len)
{
	GVariant *v, *inner;
	int r;

	if (len > 0)
		buf[0] = '\0';
	v = bus_call(ks, BUS_NAME, it->id, PROPS_IFACE, "Get",
		     g_variant_new("(ss)", ITEM_IFACE, "Label"),
		     G_VARIANT_TYPE("(v)"), &r);
	if (v == NULL)
		return r;
	g_variant_get(v, "(v)", &inner);
	if (g_variant_is_of_type(inner, G_VARIANT_TYPE_STRING) && len > 0)
		snprintf(buf, len, "%s", g_variant_get_string(inner, NULL));
	g_variant_unref(inner);
	g_variant_unref(v);
	return KS_OK;
}

int kss_probe(struct kss *ks)
{
	int r = KS_OK, locked;

	locked = get_bool(ks, DEFAULT_ALIAS, COLL_IFACE, "Locked", &r);
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

/* The SearchItems attributes: every non-empty field, widened by flags. */
static GVariant *pattern_variant(const struct ks_item *p, unsigned flags)
{
	GVariantBuilder b;
	char port[16];

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	g_variant_builder_add(&b, "{ss}", "xdg:schema", KS_SCHEMA);
	if (p->kind[0])
		g_variant_builder_add(&b, "{ss}", "kind", p->kind);
	if (p->protocol[0])
		g_variant_builder_add(&b, "{ss}", "protocol", p->protocol);
	if (p->host[0])
		g_variant_builder_add(&b, "{ss}", "host", p->host);
	if (flags & KS_MATCH_PORT) {
		snprintf(port, sizeof(port), "%u", p->port);
		g_variant_builder_add(&b, "{ss}", "port", port);
	}
	if (p->scope[0] || (flags & KS_MATCH_SCOPE))
		g_variant_builder_add(&b, "{ss}", "scope", p->scope);
	if (p->username[0])
		g_variant_builder_add(&b, "{ss}", "username", p->username);
	if (p->name[0])
		g_variant_builder_add(&b, "{ss}", "name", p->name);
	return g_variant_builder_end(&b);
}

int kss_search(struct kss *ks, const struct ks_item *pattern,
	      unsigned flags, struct kss_list **out, size_t *locked_out)
{
	GVariant *v;
	gchar **unlocked = NULL, **locked = NULL;
	struct kss_list *l;
	int r;

	*out = NULL;
	if (locked_out != NULL)
		*locked_out = 0;
	/* one SearchItems call on the bus; paths only */
	v = bus_call(ks, BUS_NAME, "/org/freedesktop/secrets",
		     "org.freedesktop.Secret.Service", "SearchItems",
		     g_variant_new("(@a{ss})", pattern_variant(pattern, flags)),
		     G_VARIANT_TYPE("(aoao)"), &r);
	if (v == NULL)
		return r;
	g_variant_get(v, "(^ao^ao)", &unlocked, &locked);
	g_variant_unref(v);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		g_strfreev(unlocked);
		g_strfreev(locked);
		return KS_ERR_NOMEM;
	}
	l->paths = unlocked;
	l->n = unlocked ? g_strv_length(unlocked) : 0;
	if (locked_out != NULL && locked != NULL)
		*locked_out = g_strv_length(locked);
	g_strfreev(locked);
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
	g_strfreev(list->paths);
	free(list);
}

static int load_item(struct kss *ks, const char *path, struct ks_item *out)
{
	GVariant *v, *inner;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = set_field(out->id, sizeof(out->id), path)) != KS_OK)
		return r;
	v = bus_call(ks, BUS_NAME, path, PROPS_IFACE, "Get",
		     g_variant_new("(ss)", ITEM_IFACE, "Attributes"),
		     G_VARIANT_TYPE("(v)"), &r);
	if (v == NULL)
		return r;
	g_variant_get(v, "(v)", &inner);
	if (g_variant_is_of_type(inner, G_VARIANT_TYPE("a{ss}")))
		r = item_from_attributes(inner, out);
	else
		r = KS_ERR_INTERNAL;
	g_variant_unref(inner);
	g_variant_unref(v);
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

int kss_get_secret(struct kss *ks, const struct ks_item *it,
		  struct sbuf *out)
{
	const gchar *paths[] = { it->id, NULL };
	GVariant *v, *secrets, *one;
	int r;

	sbuf_reset(out);
	if ((r = need_session(ks)) != KS_OK)
		return r;
	v = bus_call(ks, BUS_NAME, "/org/freedesktop/secrets",
		     "org.freedesktop.Secret.Service", "GetSecrets",
		     g_variant_new("(^aoo)", paths, ss_session_path(ks->session)),
		     G_VARIANT_TYPE("(a{o(oayays)})"), &r);
	if (v == NULL)
		return r;
	secrets = g_variant_get_child_value(v, 0);
	one = g_variant_lookup_value(secrets, it->id, G_VARIANT_TYPE("(oayays)"));
	/* no entry: the item is gone (a locked one is an error above) */
	r = one != NULL ? ss_session_decrypt(ks->session, one, out) : KS_ERR_NOT_FOUND;
	if (one != NULL)
		g_variant_unref(one);
	g_variant_unref(secrets);
	g_variant_unref(v);
	return r;
}

/* The default collection's path, refusing (never prompting) when locked. */
static int default_collection(struct kss *ks, char **path)
{
	GVariant *v;
	const char *p;
	int r, locked;

	*path = NULL;
	v = bus_call(ks, BUS_NAME, "/org/freedesktop/secrets",
		     "org.freedesktop.Secret.Service", "ReadAlias",
		     g_variant_new("(s)", "default"), G_VARIANT_TYPE("(o)"), &r);
	if (v == NULL)
		return r;
	g_variant_get(v, "(&o)", &p);
	if (strcmp(p, "/") == 0) {
		g_variant_unref(v);
		return KS_ERR_NO_COLLECTION;
	}
	*path = g_strdup(p);
	g_variant_unref(v);
	locked = get_bool(ks, *path, COLL_IFACE, "Locked", &r);
	if (locked == 0)
		return KS_OK;
	if (locked == 1 || r == KS_OK)
		r = KS_ERR_LOCKED;
	g_free(*path);
	*path = NULL;
	return r;
}

/* ---- prompts ---- */

struct prompt_wait {
	int done, timed_out;
	gboolean dismissed;
};

static void prompt_completed(GDBusConnection *conn, const gchar *sender,
			     const gchar *path, const gchar *iface,
			     const gchar *signal, GVariant *params, gpointer data)
{
	struct prompt_wait *w = data;

	(void)conn; (void)sender; (void)path; (void)iface; (void)signal;
	if (g_variant_is_of_type(params, G_VARIANT_TYPE("(bv)")))
		g_variant_get_child(params, 0, "b", &w->dismissed);
	else
		w->dismissed = TRUE;
	w->done = 1;
}

static gboolean prompt_timeout(gpointer data)
{
	((struct prompt_wait *)data)->timed_out = 1;
	return G_SOURCE_REMOVE;
}

/*
 * Run a prompt the service returned and wait for its Completed signal,
 * at most KS_PROMPT_SECONDS.  No window id: a provider that needs a dialog
 * shows a free-standing one (or none); one left unanswered is dismissed.
 */
static int run_prompt(struct kss *ks, const char *prompt)
{
	struct prompt_wait w = { 0, 0, FALSE };
	GMainContext *ctx = g_main_context_new();
	GSource *timer;
	GVariant *v;
	guint sub;
	int r;

	/* signals are delivered to the thread-default context at subscription */
	g_main_context_push_thread_default(ctx);
	sub = g_dbus_connection_signal_subscribe(ks->conn, NULL, PROMPT_IFACE,
						 "Completed", prompt, NULL,
						 G_DBUS_SIGNAL_FLAGS_NONE,
						 prompt_completed, &w, NULL);
	v = bus_call(ks, BUS_NAME, prompt, PROMPT_IFACE, "Prompt",
		     g_variant_new("(s)", ""), NULL, &r);
	if (v != NULL) {
		g_variant_unref(v);
		timer = g_timeout_source_new_seconds(KS_PROMPT_SECONDS);
		g_source_set_callback(timer, prompt_timeout, &w, NULL);
		g_source_attach(timer, ctx);
		while (!w.done && !w.timed_out)
			g_main_context_iteration(ctx, TRUE);
		g_source_destroy(timer);
		g_source_unref(timer);
		if (w.done)
			r = w.dismissed ? KS_ERR_PROMPT : KS_OK;
		else {
			/* take the dialog down; the answer does not matter */
			v = bus_call(ks, BUS_NAME, prompt, PROMPT_IFACE, "Dismiss",
				     NULL, NULL, &r);
			if (v != NULL)
				g_variant_unref(v);
			r = KS_ERR_PROMPT;
		}
	}
	g_dbus_connection_signal_unsubscribe(ks->conn, sub);
	while (g_main_context_iteration(ctx, FALSE))
		;
	g_main_context_pop_thread_default(ctx);
	g_main_context_unref(ctx);
	return r;
}

/* Item.Delete, following the prompt the provider may answer with. */
static int delete_path(struct kss *ks, const char *id)
{
	GVariant *v;
	char *prompt;
	int r;

	v = bus_call(ks, BUS_NAME, id, ITEM_IFACE, "Delete", NULL,
		     G_VARIANT_TYPE("(o)"), &r);
	if (v == NULL)
		return r;
	g_variant_get(v, "(o)", &prompt);
	g_variant_unref(v);
	r = strcmp(prompt, "/") == 0 ? KS_OK : run_prompt(ks, prompt);
	g_free(prompt);
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

int kss_store(struct kss *ks, struct ks_item *it, const char *label,
	     const struct sbuf *secret)
{
	struct kss_list *old = NULL;
	SecretValue *val = NULL;
	GHashTable *props = NULL;
	GError *err = NULL;
	char *coll = NULL, *path = NULL;
	int r;

	if (it->created == 0)
		it->created = (long long)time(NULL);
	if ((r = default_collection(ks, &coll)) != KS_OK)
		goto out;
	if ((r = find_replaced(ks, it, &old)) != KS_OK)
		goto out;
	if ((r = need_service(ks)) != KS_OK)
		goto out;
	props = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)g_variant_unref);
	g_hash_table_insert(props, ITEM_IFACE ".Label",
			    g_variant_ref_sink(g_variant_new_string(label)));
	g_hash_table_insert(props, ITEM_IFACE ".Attributes",
			    g_variant_ref_sink(item_attributes(it)));
	val = secret_value_new(secret->buf ? secret->buf : "", (gssize)secret->len,
			       "text/plain");
	path = secret_service_create_item_dbus_path_sync(ks->service, coll, props,
							 val, SECRET_ITEM_CREATE_NONE,
							 NULL, &err);
	if (path == NULL) {
		r = map_error(err);
		goto out;
	}
	if ((r = set_field(it->id, sizeof(it->id), path)) != KS_OK)
		goto out;
	/* written: now the replaced ones can go */
	for (size_t i = 0; i < kss_list_len(old); i++) {
		if (strcmp(old->paths[i], path) == 0)
			continue;
		if ((r = delete_path(ks, old->paths[i])) != KS_OK &&
		    r != KS_ERR_NOT_FOUND)
			goto out;
	}
	r = KS_OK;
out:
	if (val != NULL)
		secret_value_unref(val);
	if (props != NULL)
		g_hash_table_unref(props);
	kss_list_free(old);
	g_free(coll);
	g_free(path);
	return r;
}

int kss_delete(struct kss *ks, const struct ks_item *it)
{
	return delete_path(ks, it->id);
}

/* Properties.Set of one item property. */
static int set_property(struct kss *ks, const char *id, const char *name,
			GVariant *value)
{
	GVariant *v;
	int r;

	v = bus_call(ks, BUS_NAME, id, PROPS_IFACE, "Set",
		     g_variant_new("(ssv)", ITEM_IFACE, name, value), NULL, &r);
	if (v != NULL)
		g_variant_unref(v);
	return r;
}

int kss_update(struct kss *ks, const struct ks_item *it,
	      const char *label)
{
	int r = set_property(ks, it->id, "Attributes", item_attributes(it));

	if (r != KS_OK || label == NULL)
		return r;
	return set_property(ks, it->id, "Label", g_variant_new_string(label));
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
	GDBusConnection *conn;
	GError *err = NULL;
	GVariant *v;
	guint32 pid = 0;
	char path[64];
	FILE *f;
	size_t n;

	if (!have_bus_address())
		return NULL;
	if ((conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err)) == NULL) {
		g_error_free(err);
		return NULL;
	}
	v = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus",
					"/org/freedesktop/DBus",
					"org.freedesktop.DBus",
					"GetConnectionUnixProcessID",
					g_variant_new("(s)", BUS_NAME),
					G_VARIANT_TYPE("(u)"),
					G_DBUS_CALL_FLAGS_NONE, 2000, NULL, &err);
	g_object_unref(conn);
	if (v == NULL) {
		g_error_free(err);
		return NULL;
	}
	g_variant_get(v, "(u)", &pid);
	g_variant_unref(v);
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
