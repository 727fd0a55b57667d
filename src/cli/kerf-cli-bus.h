/* kerf-cli-bus.h — the CLI's connection to kerfd and error mapping. */
#pragma once

#include <gio/gio.h>
#include "kerf-cli.h"
#include "kerf-cli-agent.h"
#include "kerf-json.h"
#include "kerf-dbus-generated.h"
#include "kerf-cli-props.h"

G_BEGIN_DECLS

#define KERF_CLI_BUS_NAME      "org.multikernel.Kerf"
#define KERF_CLI_OBJECT_ROOT   "/org/multikernel/Kerf"
#define KERF_CLI_POOL_PATH     KERF_CLI_OBJECT_ROOT "/Pool"

typedef struct {
  GDBusConnection    *connection;
  GDBusObjectManager *manager;
  KerfDBusPool       *pool;
  GDBusCallFlags      call_flags;  /* interactive authorization on a terminal */
  char               *where;       /* "the system bus", "the session bus", the address */
  KerfCliAgent       *agent;       /* pkttyagent while a privileged command runs */
} KerfCliBus;

/* Connects to the bus `global` names and to kerfd on it.  On failure prints
 * why and how to start kerfd, and returns NULL with `*status` set to
 * KERF_EXIT_UNREACHABLE. */
KerfCliBus *kerf_cli_bus_open (KerfCliGlobal *global, int *status);
/* Only the connection to the bus `global` names; `*where` describes it
 * ("the system bus").  On failure prints why and how to start kerfd and
 * returns NULL (exit KERF_EXIT_UNREACHABLE). */
GDBusConnection *kerf_cli_bus_connect (KerfCliGlobal *global, char **where);
/* How to start kerfd, on stderr. */
void        kerf_cli_print_start_hint (void);
void        kerf_cli_bus_free (KerfCliBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCliBus, kerf_cli_bus_free)

/* Exit code for an error of a call (SPEC §6). */
int kerf_cli_exit_code_for_error (const GError *error);
/* Prints "kerf: <the daemon's message>" (plus a hint for authorization and
 * reachability problems) and returns the exit code. */
int kerf_cli_report_error (const GError *error);

/* Every instance proxy, sorted by name (free with g_list_free_full
 * (list, g_object_unref)). */
GList *kerf_cli_bus_list_instances (KerfCliBus *bus);
/* The instance called `name` (or, when `name` is NULL, with id `id`); NULL
 * with a KERF_ERROR_NOT_FOUND error. */
KerfDBusInstance *kerf_cli_bus_find_instance (KerfCliBus *bus, const char *name, guint id,
                                              GError **error);
/* Its error: no instance `name` (or, when NULL, with id `id`). */
void kerf_cli_set_instance_not_found (GError **error, const char *name, guint id);

/* For the commands that take `NAME` or `--id=N` (argv after option
 * parsing: argv[0] is the command): checks there is exactly one, opens the
 * bus and finds the instance.  Prints any problem and returns its exit
 * status; KERF_EXIT_OK with `*bus_out` and `*instance_out` set. */
int kerf_cli_open_instance (KerfCliGlobal     *global,
                            const char        *command,
                            int                argc,
                            char             **argv,
                            gint               id,
                            KerfCliBus       **bus_out,
                            KerfDBusInstance **instance_out);

/* ---- printing an instance (src/cli/kerf-cmd-show.c) ---------------- */

/* The instance's members (docs/cli-json.md) inside an object the caller
 * begins and ends, so that create and update can add theirs. */
void  kerf_cli_instance_json_members (KerfJson *json, const KerfCliProps *inst);
/* The instance's JSON object. */
void  kerf_cli_instance_json (KerfJson *json, const KerfCliProps *inst);
/* The instance as an indented block of text on stdout. */
void  kerf_cli_instance_print (const KerfCliProps *inst);
/* One or the other, as `global` asks. */
void  kerf_cli_instance_show (KerfCliGlobal *global, const KerfCliProps *inst);
/* Its device references joined with ','; "" when none. */
char *kerf_cli_instance_devices (const KerfCliProps *inst);

/* An empty a{sv} (floating). */
GVariant *kerf_cli_empty_options (void);

G_END_DECLS
