/* kerf-cli-bus.c — the CLI's connection to kerfd and error mapping.
 *
 * The CLI is a thin client: it finds kerfd through the object manager at
 * /org/multikernel/Kerf, reads properties from the cached proxies (`kerf
 * show` only reads, with one call and no proxies: kerf-cli-props.c), and
 * calls methods with interactive authorization allowed when a person is at
 * the terminal (as systemctl does).  Every failure becomes one of the exit
 * codes of SPEC §6 here, in one place.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "kerf-cli-bus.h"
#include "kerf-error.h"

#define KERF_CLI_ERROR_PREFIX "org.multikernel.Kerf.Error."

void
kerf_cli_print_start_hint (void)
{
  fprintf (stderr,
           "  kerfd is not running or not reachable. Start it with:\n"
           "    systemctl start kerfd\n"
           "  or, on a machine without a multikernel kernel, an emulated one:\n"
           "    kerfd --backend=emulated --state-dir=DIR --bus=session &\n"
           "    kerf --bus=session ...\n");
}

static void
kerf_cli_print_auth_hint (void)
{
  fprintf (stderr,
           "  Run kerf as root or as a member of the group polkit grants the kerf actions\n"
           "  (see /usr/share/polkit-1/rules.d), or on a terminal without --no-ask-password\n"
           "  so that polkit can ask for a password.\n");
}

static char *
kerf_cli_describe_bus (const char *bus)
{
  if (bus == NULL || strcmp (bus, "system") == 0)
    return g_strdup ("the system bus");
  if (strcmp (bus, "session") == 0)
    return g_strdup ("the session bus");
  return g_strdup_printf ("the bus at %s", bus);
}

static GDBusConnection *
kerf_cli_connect (const char *bus, GError **error)
{
  if (bus == NULL || strcmp (bus, "system") == 0)
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (strcmp (bus, "session") == 0)
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (!g_dbus_is_supported_address (bus, error))
    return NULL;
  return g_dbus_connection_new_for_address_sync (bus,
           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
           G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
           NULL, NULL, error);
}

GDBusConnection *
kerf_cli_bus_connect (KerfCliGlobal *global, char **where)
{
  g_autoptr (GError) error = NULL;
  const char *which = global->bus_option != NULL ? global->bus_option : global->bus;
  GDBusConnection *connection;

  *where = kerf_cli_describe_bus (which);
  connection = kerf_cli_connect (which, &error);
  if (connection == NULL)
    {
      kerf_cli_error ("cannot connect to %s: %s", *where, error->message);
      kerf_cli_print_start_hint ();
    }
  return connection;
}

KerfCliBus *
kerf_cli_bus_open (KerfCliGlobal *global, int *status)
{
  g_autoptr (KerfCliBus) bus = g_new0 (KerfCliBus, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = NULL;

  *status = KERF_EXIT_UNREACHABLE;
  bus->connection = kerf_cli_bus_connect (global, &bus->where);
  if (bus->connection == NULL)
    return NULL;

  /* Without DO_NOT_AUTO_START, the system bus starts kerfd by D-Bus
   * activation when it is not running yet. */
  bus->manager = kerf_dbus_object_manager_client_new_sync (bus->connection,
                                                           G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                           KERF_CLI_BUS_NAME, KERF_CLI_OBJECT_ROOT,
                                                           NULL, &error);
  if (bus->manager == NULL)
    {
      kerf_cli_error ("cannot reach kerfd on %s: %s", bus->where, error->message);
      kerf_cli_print_start_hint ();
      return NULL;
    }
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (bus->manager));
  if (owner == NULL)
    {
      kerf_cli_error ("cannot reach kerfd: nobody owns %s on %s", KERF_CLI_BUS_NAME, bus->where);
      kerf_cli_print_start_hint ();
      return NULL;
    }

  bus->pool = KERF_DBUS_POOL (g_dbus_object_manager_get_interface (bus->manager, KERF_CLI_POOL_PATH,
                                                                   "org.multikernel.Kerf.Pool"));
  if (bus->pool == NULL)
    {
      kerf_cli_error ("kerfd on %s publishes no %s object", bus->where, KERF_CLI_POOL_PATH);
      *status = KERF_EXIT_FAILED;
      return NULL;
    }

  /* A person at a terminal can answer a polkit password prompt; a script
   * must fail fast with NotAuthorized instead of hanging. */
  bus->call_flags = G_DBUS_CALL_FLAGS_NONE;
  if (!global->no_ask_password && isatty (STDIN_FILENO))
    {
      bus->call_flags |= G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;
      /* ... and polkit needs an agent to ask through (kerf-cli-agent.c);
       * root is never asked */
      if (global->privileged && geteuid () != 0)
        bus->agent = kerf_cli_agent_start ();
    }

  *status = KERF_EXIT_OK;
  return g_steal_pointer (&bus);
}

void
kerf_cli_bus_free (KerfCliBus *bus)
{
  if (bus == NULL)
    return;
  g_clear_pointer (&bus->agent, kerf_cli_agent_stop);
  g_clear_object (&bus->pool);
  g_clear_object (&bus->manager);
  g_clear_object (&bus->connection);
  g_free (bus->where);
  g_free (bus);
}

static int
kerf_cli_exit_code_for_kerf_name (const char *name)
{
  static const struct { const char *name; int code; } map[] = {
    { "NotAuthorized",    KERF_EXIT_NOT_AUTHORIZED },
    { "ValidationFailed", KERF_EXIT_INVALID },
    { "ParseFailed",      KERF_EXIT_INVALID },
    { "InvalidArgument",  KERF_EXIT_USAGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (strcmp (name, map[i].name) == 0)
      return map[i].code;
  return KERF_EXIT_FAILED;
}

int
kerf_cli_exit_code_for_error (const GError *error)
{
  g_autofree char *remote = NULL;

  if (error == NULL)
    return KERF_EXIT_OK;
  if (error->domain == KERF_ERROR)
    {
      switch (error->code)
        {
        case KERF_ERROR_NOT_AUTHORIZED: return KERF_EXIT_NOT_AUTHORIZED;
        case KERF_ERROR_VALIDATION_FAILED:
        case KERF_ERROR_PARSE: return KERF_EXIT_INVALID;
        case KERF_ERROR_INVALID_ARGUMENT: return KERF_EXIT_USAGE;
        default: return KERF_EXIT_FAILED;
        }
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return KERF_EXIT_UNREACHABLE;

  remote = g_dbus_error_get_remote_error (error);
  if (remote == NULL)
    return KERF_EXIT_FAILED;
  if (g_str_has_prefix (remote, KERF_CLI_ERROR_PREFIX))
    return kerf_cli_exit_code_for_kerf_name (remote + strlen (KERF_CLI_ERROR_PREFIX));
  if (strcmp (remote, "org.freedesktop.DBus.Error.AccessDenied") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.AuthFailed") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") == 0)
    return KERF_EXIT_NOT_AUTHORIZED;
  if (strcmp (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.NoReply") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.Disconnected") == 0 ||
      strcmp (remote, "org.freedesktop.DBus.Error.NoServer") == 0)
    return KERF_EXIT_UNREACHABLE;
  return KERF_EXIT_FAILED;
}

int
kerf_cli_report_error (const GError *error)
{
  g_autoptr (GError) copy = g_error_copy (error);
  int code = kerf_cli_exit_code_for_error (error);

  /* The daemon's message is written for people; the D-Bus error name in
   * front of it is not. */
  g_dbus_error_strip_remote_error (copy);
  kerf_cli_error ("%s", copy->message);
  if (code == KERF_EXIT_NOT_AUTHORIZED)
    kerf_cli_print_auth_hint ();
  else if (code == KERF_EXIT_UNREACHABLE)
    kerf_cli_print_start_hint ();
  return code;
}

static gint
kerf_cli_compare_instances (gconstpointer a, gconstpointer b)
{
  const char *na = kerf_dbus_instance_get_name ((KerfDBusInstance *) a);
  const char *nb = kerf_dbus_instance_get_name ((KerfDBusInstance *) b);

  return g_strcmp0 (na, nb);
}

GList *
kerf_cli_bus_list_instances (KerfCliBus *bus)
{
  GList *objects = g_dbus_object_manager_get_objects (bus->manager);
  GList *out = NULL;

  for (GList *l = objects; l != NULL; l = l->next)
    {
      KerfDBusInstance *inst = kerf_dbus_object_get_instance (KERF_DBUS_OBJECT (l->data));

      if (inst != NULL)
        out = g_list_prepend (out, inst);
    }
  g_list_free_full (objects, g_object_unref);
  return g_list_sort (out, kerf_cli_compare_instances);
}

KerfDBusInstance *
kerf_cli_bus_find_instance (KerfCliBus *bus, const char *name, guint id, GError **error)
{
  GList *instances = kerf_cli_bus_list_instances (bus);
  KerfDBusInstance *found = NULL;

  for (GList *l = instances; l != NULL && found == NULL; l = l->next)
    {
      KerfDBusInstance *inst = l->data;

      if (name != NULL ? g_strcmp0 (kerf_dbus_instance_get_name (inst), name) == 0
                       : kerf_dbus_instance_get_id (inst) == id)
        found = g_object_ref (inst);
    }
  g_list_free_full (instances, g_object_unref);
  if (found == NULL)
    kerf_cli_set_instance_not_found (error, name, id);
  return found;
}

void
kerf_cli_set_instance_not_found (GError **error, const char *name, guint id)
{
  if (name != NULL)
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND,
                 "no instance named '%s' (kerf show lists the instances)", name);
  else
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND,
                 "no instance with id %u (kerf show lists the instances)", id);
}

GVariant *
kerf_cli_empty_options (void)
{
  return g_variant_new ("a{sv}", NULL);
}

int
kerf_cli_open_instance (KerfCliGlobal     *global,
                        const char        *command,
                        int                argc,
                        char             **argv,
                        gint               id,
                        KerfCliBus       **bus_out,
                        KerfDBusInstance **instance_out)
{
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GError) error = NULL;
  const char *name = argc > 1 ? argv[1] : NULL;
  int status;

  if (argc > 2)
    return kerf_cli_usage_error (command, "unexpected argument '%s'", argv[2]);
  if (name == NULL && id <= 0)
    return kerf_cli_usage_error (command, "which instance? Give its NAME or --id=N");
  if (name != NULL && id > 0)
    return kerf_cli_usage_error (command, "give the instance's NAME or --id=N, not both");
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;
  *instance_out = kerf_cli_bus_find_instance (bus, name, (guint) MAX (id, 0), &error);
  if (*instance_out == NULL)
    return kerf_cli_report_error (error);
  *bus_out = g_steal_pointer (&bus);
  return KERF_EXIT_OK;
}
