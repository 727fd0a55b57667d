/* kerf-cli-props.c — D-Bus properties read without proxies, and the one
 * GetManagedObjects call `kerf show` makes.
 *
 * `kerf show` used a GDBusObjectManagerClient: AddMatch calls,
 * GetNameOwner, GetManagedObjects and then a GDBusProxy for every exported
 * object (each instance and each transaction).  One GetManagedObjects call
 * returns the same values; printing straight from its reply makes show one
 * round trip after the connection, whatever the number of objects.  The
 * connection itself is skipped when it can be (kerf-cli-light.c).
 */
#include "config.h"

#include <string.h>

#include "kerf-cli-bus.h"
#include "kerf-cli-light.h"
#include "kerf-cli-props.h"
#include "kerf-error.h"

struct _KerfCliProps {
  char       *path;
  GHashTable *values;  /* property name → GVariant (unboxed) */
};

static KerfCliProps *
kerf_cli_props_alloc (const char *object_path)
{
  KerfCliProps *props = g_new0 (KerfCliProps, 1);

  props->path = g_strdup (object_path);
  props->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_variant_unref);
  return props;
}

KerfCliProps *
kerf_cli_props_new (const char *object_path, GVariant *vardict)
{
  KerfCliProps *props = kerf_cli_props_alloc (object_path);
  GVariantIter iter;
  char *name;
  GVariant *value;

  g_variant_iter_init (&iter, vardict);
  while (g_variant_iter_next (&iter, "{sv}", &name, &value))
    g_hash_table_replace (props->values, name, value);
  return props;
}

KerfCliProps *
kerf_cli_props_new_from_proxy (GDBusProxy *proxy)
{
  KerfCliProps *props = kerf_cli_props_alloc (g_dbus_proxy_get_object_path (proxy));
  g_auto (GStrv) names = g_dbus_proxy_get_cached_property_names (proxy);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      /* NULL when the type is not the interface's, as for the getters */
      GVariant *value = g_dbus_proxy_get_cached_property (proxy, names[i]);

      if (value != NULL)
        g_hash_table_replace (props->values, g_strdup (names[i]), value);
    }
  return props;
}

void
kerf_cli_props_free (KerfCliProps *props)
{
  if (props == NULL)
    return;
  g_hash_table_unref (props->values);
  g_free (props->path);
  g_free (props);
}

const char *
kerf_cli_props_path (const KerfCliProps *props)
{
  return props->path;
}

GVariant *
kerf_cli_props_value (const KerfCliProps *props, const char *name, const char *type)
{
  GVariant *value = g_hash_table_lookup (props->values, name);

  if (value == NULL || strcmp (g_variant_get_type_string (value), type) != 0)
    return NULL;
  return value;
}

const char *
kerf_cli_props_string (const KerfCliProps *props, const char *name)
{
  GVariant *value = g_hash_table_lookup (props->values, name);

  if (value == NULL || !(g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
                         g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH)))
    return NULL;
  return g_variant_get_string (value, NULL);
}

guint32
kerf_cli_props_uint32 (const KerfCliProps *props, const char *name)
{
  GVariant *value = kerf_cli_props_value (props, name, "u");

  return value != NULL ? g_variant_get_uint32 (value) : 0;
}

guint64
kerf_cli_props_uint64 (const KerfCliProps *props, const char *name)
{
  GVariant *value = kerf_cli_props_value (props, name, "t");

  return value != NULL ? g_variant_get_uint64 (value) : 0;
}

gboolean
kerf_cli_props_boolean (const KerfCliProps *props, const char *name)
{
  GVariant *value = kerf_cli_props_value (props, name, "b");

  return value != NULL ? g_variant_get_boolean (value) : FALSE;
}

KerfCliProps *
kerf_cli_props_get_all (GDBusConnection *connection, const char *object_path,
                        const char *interface, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) dict = NULL;

  reply = g_dbus_connection_call_sync (connection, KERF_CLI_BUS_NAME, object_path,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", interface),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, error);
  if (reply == NULL)
    return NULL;
  dict = g_variant_get_child_value (reply, 0);
  return kerf_cli_props_new (object_path, dict);
}

/* ---- the snapshot ------------------------------------------------------ */

void
kerf_cli_snapshot_free (KerfCliSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  kerf_cli_props_free (snapshot->pool);
  g_clear_pointer (&snapshot->instances, g_ptr_array_unref);
  g_clear_pointer (&snapshot->reply, g_variant_unref);
  g_free (snapshot);
}

static gint
kerf_cli_compare_instance_props (gconstpointer a, gconstpointer b)
{
  const KerfCliProps *pa = *(KerfCliProps *const *) a;
  const KerfCliProps *pb = *(KerfCliProps *const *) b;

  return g_strcmp0 (kerf_cli_props_string (pa, "Name"), kerf_cli_props_string (pb, "Name"));
}

/* Prints why GetManagedObjects failed the way kerf_cli_bus_open words the
 * same failures of its object manager client; returns the exit status. */
static int
kerf_cli_snapshot_report (const char *where, const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
      g_strcmp0 (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
    kerf_cli_error ("cannot reach kerfd: nobody owns %s on %s", KERF_CLI_BUS_NAME, where);
  else if (remote != NULL && g_str_has_prefix (remote, "org.freedesktop.DBus.Error.Spawn."))
    {
      /* activation failed: the client's explicit StartServiceByName said
       * so, without the D-Bus error name */
      g_autoptr (GError) copy = g_error_copy (error);

      g_dbus_error_strip_remote_error (copy);
      kerf_cli_error ("cannot reach kerfd on %s: Error calling StartServiceByName for %s: %s",
                      where, KERF_CLI_BUS_NAME, copy->message);
    }
  else
    kerf_cli_error ("cannot reach kerfd on %s: %s", where, error->message);
  kerf_cli_print_start_hint ();
  return KERF_EXIT_UNREACHABLE;
}

/* Sorts `snapshot->reply` into the pool and the instances; FALSE when
 * there is no pool object. */
static gboolean
kerf_cli_snapshot_parse (KerfCliSnapshot *snapshot)
{
  g_autoptr (GVariant) objects = g_variant_get_child_value (snapshot->reply, 0);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  snapshot->instances = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_cli_props_free);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr (GVariant) props = NULL;

      /* transactions are skipped: show prints none (and kerfd may list
       * only the newest) */
      if ((props = g_variant_lookup_value (interfaces, "org.multikernel.Kerf.Instance",
                                           G_VARIANT_TYPE_VARDICT)) != NULL)
        g_ptr_array_add (snapshot->instances, kerf_cli_props_new (path, props));
      else if (snapshot->pool == NULL && strcmp (path, KERF_CLI_POOL_PATH) == 0 &&
               (props = g_variant_lookup_value (interfaces, "org.multikernel.Kerf.Pool",
                                                G_VARIANT_TYPE_VARDICT)) != NULL)
        snapshot->pool = kerf_cli_props_new (path, props);
      g_variant_unref (interfaces);
    }
  if (snapshot->pool == NULL)
    return FALSE;
  g_ptr_array_sort (snapshot->instances, kerf_cli_compare_instance_props);
  return TRUE;
}

/* GDBus's default method call timeout (g_dbus_connection_call_sync with
 * timeout -1): the light path and the GDBus one share it. */
#define KERF_CLI_CALL_TIMEOUT_MS 25000

KerfCliSnapshot *
kerf_cli_snapshot_get (KerfCliGlobal *global, int *status)
{
  g_autoptr (KerfCliSnapshot) snapshot = g_new0 (KerfCliSnapshot, 1);
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *where = NULL;
  const char *which = global->bus_option != NULL ? global->bus_option : global->bus;
  gint64 deadline = g_get_monotonic_time () + (gint64) KERF_CLI_CALL_TIMEOUT_MS * 1000;
  gint64 left_ms;

  *status = KERF_EXIT_OK;
  /* The common case without a GDBusConnection (kerf-cli-light.c).  Any
   * problem there, a missing pool included, is left to the GDBus call
   * below to meet again and report as it always did. */
  snapshot->reply = kerf_cli_light_get_managed_objects (which, KERF_CLI_OBJECT_ROOT, deadline);
  if (snapshot->reply != NULL)
    {
      if (kerf_cli_snapshot_parse (snapshot))
        return g_steal_pointer (&snapshot);
      kerf_cli_light_debug ("GDBus path: no pool object in the reply");
      kerf_cli_snapshot_free (g_steal_pointer (&snapshot));
      snapshot = g_new0 (KerfCliSnapshot, 1);
    }

  *status = KERF_EXIT_UNREACHABLE;
  connection = kerf_cli_bus_connect (global, &where);
  if (connection == NULL)
    return NULL;
  /* What the light path waited comes off the call's timeout: a hung kerfd
   * fails after GDBus's 25 s, not twice that.  Without NO_AUTO_START: the
   * bus starts kerfd by D-Bus activation when it is not running yet. */
  left_ms = (deadline - g_get_monotonic_time ()) / 1000;
  snapshot->reply = g_dbus_connection_call_sync (connection, KERF_CLI_BUS_NAME,
                                                 KERF_CLI_OBJECT_ROOT,
                                                 "org.freedesktop.DBus.ObjectManager",
                                                 "GetManagedObjects", NULL,
                                                 G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                                 G_DBUS_CALL_FLAGS_NONE,
                                                 (int) CLAMP (left_ms, 1, KERF_CLI_CALL_TIMEOUT_MS),
                                                 NULL, &error);
  if (snapshot->reply == NULL)
    {
      *status = kerf_cli_snapshot_report (where, error);
      return NULL;
    }
  if (!kerf_cli_snapshot_parse (snapshot))
    {
      kerf_cli_error ("kerfd on %s publishes no %s object", where, KERF_CLI_POOL_PATH);
      *status = KERF_EXIT_FAILED;
      return NULL;
    }
  *status = KERF_EXIT_OK;
  return g_steal_pointer (&snapshot);
}

KerfCliProps *
kerf_cli_snapshot_find_instance (KerfCliSnapshot *snapshot, const char *name, guint id,
                                 GError **error)
{
  for (guint i = 0; i < snapshot->instances->len; i++)
    {
      KerfCliProps *inst = g_ptr_array_index (snapshot->instances, i);

      if (name != NULL ? g_strcmp0 (kerf_cli_props_string (inst, "Name"), name) == 0
                       : kerf_cli_props_uint32 (inst, "Id") == id)
        return inst;
    }
  kerf_cli_set_instance_not_found (error, name, id);
  return NULL;
}
