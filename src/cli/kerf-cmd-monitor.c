/* kerf-cmd-monitor.c — `kerf monitor`: a live view of kerfd.
 *
 * Driven only by the daemon's signals (InterfacesAdded / InterfacesRemoved
 * and PropertiesChanged, through the object manager client), never by
 * polling: one line per event with a timestamp, or with --json one JSON
 * object per line (docs/cli-json.md).
 */
#include "config.h"

#include <string.h>
#include <glib-unix.h>

#include "kerf-alloc.h"
#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"

typedef struct {
  KerfCliGlobal *global;
  GMainLoop     *loop;
  gint           remaining;   /* --count: events left, <= 0 = unlimited */
} KerfMonitor;

/* "instance", "transaction", "pool" or "object" */
static const char *
kerf_monitor_kind (const char *path)
{
  if (g_str_has_prefix (path, KERF_CLI_OBJECT_ROOT "/Instance/"))
    return "instance";
  if (g_str_has_prefix (path, KERF_CLI_OBJECT_ROOT "/Transaction/"))
    return "transaction";
  if (strcmp (path, KERF_CLI_POOL_PATH) == 0)
    return "pool";
  return "object";
}

/* The name people know an object by: the instance name, the transaction
 * number, or "" for the pool. */
static char *
kerf_monitor_label (GDBusObject *object)
{
  g_autoptr (GDBusInterface) inst = g_dbus_object_get_interface (object, "org.multikernel.Kerf.Instance");
  g_autoptr (GDBusInterface) tx = g_dbus_object_get_interface (object, "org.multikernel.Kerf.Transaction");

  if (inst != NULL)
    return g_strdup (kerf_dbus_instance_get_name (KERF_DBUS_INSTANCE (inst)));
  if (tx != NULL)
    return g_strdup_printf ("%u", kerf_dbus_transaction_get_id (KERF_DBUS_TRANSACTION (tx)));
  return g_strdup ("");
}

static char *
kerf_monitor_format_value (const char *name, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("au")))
    {
      g_autofree char *list = kerf_cli_format_id_list (value);
      return g_strdup_printf ("[%s]", list);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    {
      guint64 v = g_variant_get_uint64 (value);

      if (g_str_has_suffix (name, "Bytes"))
        return kerf_size_format (v);
      return g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", v);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_strdup (g_variant_get_string (value, NULL));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{sa{sv}}")))
    {
      /* Pool.Devices: each device with what is assigned from it */
      GString *out = g_string_new (NULL);
      GVariantIter iter;
      const char *dev;
      GVariant *props;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&s@a{sv}}", &dev, &props))
        {
          g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (props);
          g_autoptr (GVariant) assigned = g_variant_dict_lookup_value (&dict, "assigned",
                                                                       G_VARIANT_TYPE ("a{ss}"));
          g_string_append_printf (out, "%s%s", out->len ? "," : "", dev);
          if (assigned != NULL && g_variant_n_children (assigned) > 0)
            {
              GVariantIter ai;
              const char *ref, *owner;
              gboolean first = TRUE;

              g_string_append_c (out, '[');
              g_variant_iter_init (&ai, assigned);
              while (g_variant_iter_next (&ai, "{&s&s}", &ref, &owner))
                {
                  g_string_append_printf (out, "%s%s→%s", first ? "" : " ", ref, owner);
                  first = FALSE;
                }
              g_string_append_c (out, ']');
            }
          g_variant_unref (props);
        }
      return g_string_free (out, FALSE);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a(uttau)")))
    {
      /* Pool.NumaNodes: node:CPUs */
      GString *out = g_string_new (NULL);
      GVariantIter iter;
      guint32 id;
      guint64 base, size;
      GVariant *cpus;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "(utt@au)", &id, &base, &size, &cpus))
        {
          g_autofree char *list = kerf_cli_format_id_list (cpus);

          g_string_append_printf (out, "%s%u:[%s]", out->len ? "," : "", id, list);
          g_variant_unref (cpus);
        }
      return g_string_free (out, FALSE);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("(stss)")))
    {
      /* Instance.Kernel */
      const char *path, *sha, *version;
      guint64 size;
      g_autofree char *human = NULL;

      g_variant_get (value, "(&st&s&s)", &path, &size, &sha, &version);
      if (size == 0 && path[0] == '\0')
        return g_strdup ("none");
      human = kerf_size_format (size);
      return g_strdup_printf ("%s(%s)", path, human);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const char **strv = g_variant_get_strv (value, NULL);
      g_autofree char *joined = g_strjoinv (",", (char **) strv);

      return g_strdup_printf ("[%s]", joined);
    }
  return g_variant_print (value, FALSE);
}

static void
kerf_monitor_emit (KerfMonitor *m, const char *event, const char *path, GDBusObject *object,
                   GDBusProxy *only, GVariant *changed)
{
  g_autofree char *label = object != NULL ? kerf_monitor_label (object) : g_strdup ("");
  const char *kind = path != NULL ? kerf_monitor_kind (path) : "daemon";
  GList *proxies = NULL;

  /* what to show: the changed properties, or every property of the object */
  if (changed == NULL && object != NULL)
    proxies = only != NULL ? g_list_prepend (NULL, g_object_ref (only))
                           : g_dbus_object_get_interfaces (object);

  if (m->global->json)
    {
      KerfJson *json = kerf_json_new (FALSE);
      g_autofree char *now = kerf_cli_timestamp (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "time");
      kerf_json_string (json, now);
      kerf_json_key (json, "event");
      kerf_json_string (json, event);
      kerf_json_key (json, "kind");
      kerf_json_string (json, kind);
      if (path != NULL)
        {
          kerf_json_key (json, "path");
          kerf_json_string (json, path);
          kerf_json_key (json, "name");
          kerf_json_string (json, label);
        }
      kerf_json_key (json, "properties");
      if (changed != NULL)
        kerf_cli_json_variant (json, changed);
      else
        {
          kerf_json_begin_object (json);
          for (GList *l = proxies; l != NULL; l = l->next)
            {
              g_auto (GStrv) names = g_dbus_proxy_get_cached_property_names (l->data);

              for (guint i = 0; names != NULL && names[i] != NULL; i++)
                {
                  g_autoptr (GVariant) v = g_dbus_proxy_get_cached_property (l->data, names[i]);

                  kerf_json_key (json, names[i]);
                  kerf_cli_json_variant (json, v);
                }
            }
          kerf_json_end_object (json);
        }
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else
    {
      g_autofree char *now = kerf_cli_timestamp (FALSE);
      GString *line = g_string_new (NULL);

      g_string_append_printf (line, "%s  %-11s %-8s %s", now, kind, event, label);
      if (changed != NULL)
        {
          GVariantIter iter;
          const char *name;
          GVariant *value;

          g_variant_iter_init (&iter, changed);
          while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
            {
              g_autofree char *text = kerf_monitor_format_value (name, value);

              g_string_append_printf (line, " %s=%s", name, text);
              g_variant_unref (value);
            }
        }
      else if (object != NULL && strcmp (kind, "instance") == 0)
        {
          g_autoptr (GDBusInterface) iface = g_dbus_object_get_interface (object, "org.multikernel.Kerf.Instance");
          KerfDBusInstance *inst = KERF_DBUS_INSTANCE (iface);
          g_autofree char *cpus = kerf_cli_format_id_list (kerf_dbus_instance_get_cpus (inst));
          g_autofree char *mem = kerf_cli_format_memory (kerf_dbus_instance_get_memory_base (inst),
                                                          kerf_dbus_instance_get_memory_bytes (inst));

          g_string_append_printf (line, " (id %u, %s, CPUs %s, memory %s)",
                                  kerf_dbus_instance_get_id (inst), kerf_dbus_instance_get_status (inst),
                                  cpus, mem);
        }
      else if (object != NULL && strcmp (kind, "transaction") == 0)
        {
          g_autoptr (GDBusInterface) iface = g_dbus_object_get_interface (object, "org.multikernel.Kerf.Transaction");
          KerfDBusTransaction *tx = KERF_DBUS_TRANSACTION (iface);

          g_string_append_printf (line, " (%s of %s, %s)", kerf_dbus_transaction_get_operation (tx),
                                  kerf_dbus_transaction_get_target (tx),
                                  kerf_dbus_transaction_get_status (tx));
        }
      printf ("%s\n", line->str);
      fflush (stdout);
      g_string_free (line, TRUE);
    }
  g_list_free_full (proxies, g_object_unref);

  if (m->remaining > 0 && --m->remaining == 0)
    g_main_loop_quit (m->loop);
}

static void
kerf_monitor_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  kerf_monitor_emit (user_data, "added", g_dbus_object_get_object_path (object), object, NULL, NULL);
}

/* kerfd's object manager carries only its newest transactions: one that
 * leaves that window is announced as removed, yet it is still in the
 * kernel and still answers at its path.  Asking tells the two apart, so
 * that "removed" keeps meaning rolled back. */
static gboolean
kerf_monitor_tx_still_there (GDBusObjectManager *manager, const char *path)
{
  GDBusConnection *connection =
    g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (manager));
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, KERF_CLI_BUS_NAME, path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "org.multikernel.Kerf.Transaction",
                                                      "Status"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       5000, NULL, NULL);
  return reply != NULL;
}

static void
kerf_monitor_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  const char *path = g_dbus_object_get_object_path (object);
  const char *event = "removed";

  if (strcmp (kerf_monitor_kind (path), "transaction") == 0 &&
      kerf_monitor_tx_still_there (manager, path))
    event = "archived";
  kerf_monitor_emit (user_data, event, path, object, NULL, NULL);
}

static void
kerf_monitor_properties_changed (GDBusObjectManagerClient *manager,
                                 GDBusObjectProxy         *object,
                                 GDBusProxy               *proxy,
                                 GVariant                 *changed,
                                 const char *const        *invalidated,
                                 gpointer                  user_data)
{
  kerf_monitor_emit (user_data, "changed", g_dbus_object_get_object_path (G_DBUS_OBJECT (object)),
                     G_DBUS_OBJECT (object), proxy, changed);
}

static void
kerf_monitor_owner_changed (GObject *manager, GParamSpec *pspec, gpointer user_data)
{
  g_autofree char *owner =
    g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (manager));

  kerf_monitor_emit (user_data, owner != NULL ? "started" : "stopped", NULL, NULL, NULL, NULL);
}

static gboolean
kerf_monitor_quit (gpointer user_data)
{
  KerfMonitor *m = user_data;

  g_main_loop_quit (m->loop);
  /* removed by kerf_cmd_monitor, which owns the source ids */
  return G_SOURCE_CONTINUE;
}

int
kerf_cmd_monitor (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  KerfMonitor m = { global, NULL, 0 };
  gint count = 0;
  int status;
  guint sigint, sigterm;
  const GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Stop after N events", "N" },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, NULL,
    "Follow kerfd live: one line per event (object added or removed, properties\n"
    "changed, kerfd stopped or started), until interrupted.", entries);
  if (!kerf_cli_parse_options (context, "monitor", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1)
    return kerf_cli_usage_error ("monitor", "unexpected argument '%s'", argv[1]);
  if (count < 0)
    return kerf_cli_usage_error ("monitor", "--count must not be negative");
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  m.loop = loop;
  m.remaining = count;
  g_signal_connect (bus->manager, "object-added", G_CALLBACK (kerf_monitor_object_added), &m);
  g_signal_connect (bus->manager, "object-removed", G_CALLBACK (kerf_monitor_object_removed), &m);
  g_signal_connect (bus->manager, "interface-proxy-properties-changed",
                    G_CALLBACK (kerf_monitor_properties_changed), &m);
  g_signal_connect (bus->manager, "notify::name-owner", G_CALLBACK (kerf_monitor_owner_changed), &m);
  sigint = g_unix_signal_add (SIGINT, kerf_monitor_quit, &m);
  sigterm = g_unix_signal_add (SIGTERM, kerf_monitor_quit, &m);
  /* On stderr in both modes: it tells a person (and a script waiting for
   * it) that the subscription is in place, without entering the JSON stream. */
  fprintf (stderr, "Watching kerfd on %s (Ctrl-C to stop).\n", bus->where);
  fflush (stderr);

  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (bus->manager, &m);
  return KERF_EXIT_OK;
}
