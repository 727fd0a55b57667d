/* kerfd-main.c — kerfd: the org.multikernel.Kerf system service.
 *
 *   kerfd [--backend=sysfs|emulated] [--state-dir=DIR] [--emulated-machine=FILE]
 *         [--bus=system|session|ADDRESS] [--replace] [--verbose] [--version]
 *
 * Start-up order matters: rebuild the state from the kernel (recovery),
 * export every object, and only then own the bus name, so a client that
 * sees the name also sees the objects.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <glib-unix.h>

#include "kerfd-daemon.h"
#include "kerfd-error.h"
#include "kerfd-log.h"
#include "kerfd-memory.h"
#include "kerfd-names.h"

typedef struct {
  GMainLoop   *loop;
  KerfdDaemon *daemon;
  gboolean     name_acquired;
  int          exit_code;
} KerfdMain;

static gboolean
kerfd_on_signal (gpointer user_data)
{
  KerfdMain *m = user_data;

  g_message ("signal received, shutting down");
  g_main_loop_quit (m->loop);
  return G_SOURCE_CONTINUE;
}

static void
kerfd_on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  KerfdMain *m = user_data;

  m->name_acquired = TRUE;
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE_ID", KERFD_MESSAGE_ID_STARTED,
                    "MESSAGE", "kerfd %s ready on the bus as %s (backend %s)", PACKAGE_VERSION, name,
                    kerfd_engine_get_backend_name (m->daemon->engine));
}

static void
kerfd_on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  KerfdMain *m = user_data;

  if (!m->name_acquired)
    {
      g_critical ("could not acquire the name %s on the bus (another kerfd running, "
                  "or the bus policy does not allow this user to own it)", name);
      m->exit_code = EXIT_FAILURE;
    }
  else
    g_message ("lost the name %s, exiting", name);
  g_main_loop_quit (m->loop);
}

static GDBusConnection *
kerfd_connect (const char *bus, GError **error)
{
  if (g_str_equal (bus, "system"))
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (g_str_equal (bus, "session"))
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (!g_dbus_is_address (bus))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "--bus=%s: not system, session or a D-Bus address", bus);
      return NULL;
    }
  return g_dbus_connection_new_for_address_sync (bus,
           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
           G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
           NULL, NULL, error);
}

int
main (int argc, char **argv)
{
  g_autofree char *backend = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *machine = NULL;
  g_autofree char *bus = NULL;
  gboolean replace = FALSE, verbose = FALSE, version = FALSE;
  gint history = KERFD_DEFAULT_TRANSACTION_HISTORY;
  const GOptionEntry entries[] = {
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "Kernel backend: sysfs (default) or emulated", "NAME" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory (default: $STATE_DIRECTORY or " KERFD_DEFAULT_STATE_DIR ")", "DIR" },
    { "emulated-machine", 0, 0, G_OPTION_ARG_FILENAME, &machine, "Hardware the emulated kernel emulates (a baseline DTS)", "FILE" },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus, "system (default), session or a D-Bus address", "BUS" },
    { "transaction-history", 0, 0, G_OPTION_ARG_INT, &history, "How many of the newest transactions the object manager lists (default 64; 0: all)", "N" },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running kerfd", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— the multikernel management service");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(KerfdEngine) engine = NULL;
  KerfdMain m = { 0 };
  guint owner_id, sigterm_id, sigint_id;

  kerfd_memory_init ();
  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kerfd: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("kerfd %s\n", PACKAGE_VERSION);
      return 0;
    }
  kerfd_log_init (verbose);
  kerfd_error_register ();

  if (backend == NULL)
    backend = g_strdup ("sysfs");
  if (state_dir == NULL)
    {
      /* systemd's StateDirectory= may list several; the first is ours */
      const char *env = g_getenv (KERFD_ENV_STATE_DIRECTORY);
      g_auto(GStrv) dirs = env != NULL ? g_strsplit (env, ":", 2) : NULL;

      state_dir = g_strdup (dirs != NULL && dirs[0] != NULL && *dirs[0] != '\0'
                            ? dirs[0] : KERFD_DEFAULT_STATE_DIR);
    }
  if (bus == NULL)
    bus = g_strdup ("system");
  if (history < 0)
    {
      g_printerr ("kerfd: --transaction-history must be 0 (all) or a positive number\n");
      return 2;
    }
  if (machine != NULL && !g_str_equal (backend, "emulated"))
    {
      g_printerr ("kerfd: --emulated-machine needs --backend=emulated\n");
      return 2;
    }

  engine = kerfd_engine_new (backend, state_dir, machine, &error);
  if (engine == NULL)
    {
      g_critical ("cannot start the %s backend: %s", backend, error->message);
      return EXIT_FAILURE;
    }
  /* recovery: the kernel plus the state directory are the whole truth */
  if (!kerfd_engine_load (engine, &error))
    {
      g_critical ("cannot read the multikernel state: %s", error->message);
      return EXIT_FAILURE;
    }
  {
    g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);

    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                      "MESSAGE_ID", KERFD_MESSAGE_ID_RECOVERED,
                      "MESSAGE", "recovered state from %s: pool %s, %u instance(s), %u transaction(s)",
                      state_dir, s->initialized ? "initialized" : "not initialized",
                      g_hash_table_size (s->instances), s->transactions->len);
  }

  connection = kerfd_connect (bus, &error);
  if (connection == NULL)
    {
      g_critical ("cannot connect to the %s bus: %s", bus, error->message);
      return EXIT_FAILURE;
    }
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  kerfd_memory_watch (connection);

  m.loop = g_main_loop_new (NULL, FALSE);
  m.daemon = kerfd_daemon_new (g_steal_pointer (&engine));
  kerfd_daemon_set_transaction_history (m.daemon, (guint) history);
  kerfd_daemon_export (m.daemon, connection);

  sigterm_id = g_unix_signal_add (SIGTERM, kerfd_on_signal, &m);
  sigint_id = g_unix_signal_add (SIGINT, kerfd_on_signal, &m);
  owner_id = g_bus_own_name_on_connection (connection, KERFD_BUS_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                           (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                           kerfd_on_name_acquired, kerfd_on_name_lost,
                                           &m, NULL);

  g_main_loop_run (m.loop);

  g_bus_unown_name (owner_id);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);
  g_clear_pointer (&m.daemon, kerfd_daemon_free);
  (void) g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_main_loop_unref (m.loop);
  return m.exit_code;
}
