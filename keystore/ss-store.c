/*
 * ss-store.c - ss_store_create (ss-store.h): CreateItem through libsecret.
 *
 * Only storing goes through libsecret.  Reading (keystore.c) talks to the
 * Secret Service with sd-bus: loading libsecret and GIO, and GIO's bus
 * set-up, were most of a get's time (keystore.c says how much).
 */
#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>

#include "keystore.h"
#include "ss-store.h"

#include <stdlib.h>
#include <string.h>

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

int ss_store_create(const char *collection, const char *label,
		    const char *const *kv, const char *secret, size_t len,
		    int timeout_ms, char **path)
{
	SecretService *service;
	SecretValue *val;
	GHashTable *props;
	GVariantBuilder b;
	GError *err = NULL;
	gchar *p;
	int r = KS_OK;

	*path = NULL;
	/*
	 * libsecret's connection is a second client of the service in this
	 * process, besides keystore.c's; its calls are libsecret's own.  A
	 * ReadAlias sent first on it (against gnome-keyring 48's slow
	 * registration of new clients, see keystore.c) made KeePassXC 2.7.10
	 * (Debian 13) crash within 6 of 60 sequential stores; without it, 60
	 * of 60 passed, and 320 parallel stores passed on gnome-keyring 48.
	 */
	service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, NULL, &err);
	if (service == NULL)
		return map_error(err);
	/* libsecret's own calls use the proxy's timeout: bound them too */
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(service), timeout_ms);
	g_variant_builder_init(&b, G_VARIANT_TYPE("a{ss}"));
	for (size_t i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2)
		g_variant_builder_add(&b, "{ss}", kv[i], kv[i + 1]);
	props = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)g_variant_unref);
	g_hash_table_insert(props, "org.freedesktop.Secret.Item.Label",
			    g_variant_ref_sink(g_variant_new_string(label)));
	g_hash_table_insert(props, "org.freedesktop.Secret.Item.Attributes",
			    g_variant_ref_sink(g_variant_builder_end(&b)));
	val = secret_value_new(secret != NULL ? secret : "", (gssize)len, "text/plain");
	p = secret_service_create_item_dbus_path_sync(service, collection, props,
						      val, SECRET_ITEM_CREATE_NONE,
						      NULL, &err);
	if (p == NULL)
		r = map_error(err);
	else if ((*path = strdup(p)) == NULL)
		r = KS_ERR_NOMEM;
	g_free(p);
	secret_value_unref(val);
	g_hash_table_unref(props);
	g_object_unref(service);
	return r;
}
