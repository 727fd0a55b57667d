/* bench-mini-service — the floor for kerfd's D-Bus figures.
 *
 *   bench-mini-service ADDRESS
 *
 * The least a GDBus service can do: owns org.kerf.BenchMini on the bus at
 * ADDRESS, exports /org/kerf/BenchMini with a method Ping() and two
 * read-only properties answered by GDBus's own property machinery.  kerfd's
 * Pool GetAll is compared with this one's GetAll on the same bus.  Exits
 * on SIGTERM or when the bus goes away. */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>

static const char introspection[] =
  "<node><interface name='org.kerf.BenchMini'>"
  "<method name='Ping'/>"
  "<property name='Name' type='s' access='read'/>"
  "<property name='Count' type='u' access='read'/>"
  "</interface></node>";

static void
on_call (GDBusConnection *c, const char *sender, const char *path, const char *iface,
         const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
  g_dbus_method_invocation_return_value (inv, NULL);
}

static GVariant *
on_get (GDBusConnection *c, const char *sender, const char *path, const char *iface,
        const char *prop, GError **error, gpointer data)
{
  if (g_strcmp0 (prop, "Name") == 0)
    return g_variant_new_string ("bench");
  return g_variant_new_uint32 (42);
}

static gboolean
on_term (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_name_lost (GDBusConnection *c, const char *name, gpointer loop)
{
  g_main_loop_quit (loop);
}

int
main (int argc, char **argv)
{
  static const GDBusInterfaceVTable vtable = { on_call, on_get, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GDBusConnection) conn = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  if (argc != 2)
    {
      g_printerr ("usage: bench-mini-service ADDRESS\n");
      return 2;
    }
  info = g_dbus_node_info_new_for_xml (introspection, &error);
  conn = g_dbus_connection_new_for_address_sync (argv[1],
           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
           | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  if (conn == NULL
      || g_dbus_connection_register_object (conn, "/org/kerf/BenchMini", info->interfaces[0],
                                            &vtable, NULL, NULL, &error) == 0)
    {
      g_printerr ("bench-mini-service: %s\n", error->message);
      return 1;
    }
  g_bus_own_name_on_connection (conn, "org.kerf.BenchMini", G_BUS_NAME_OWNER_FLAGS_NONE,
                                NULL, on_name_lost, loop, NULL);
  g_unix_signal_add (SIGTERM, on_term, loop);
  g_main_loop_run (loop);
  return 0;
}
