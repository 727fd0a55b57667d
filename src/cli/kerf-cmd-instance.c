/* kerf-cmd-instance.c — `kerf create`, `update`, `delete`.
 *
 * Requests are parsed and checked here first (the user gets a usage error
 * with exit 2 before any bus traffic), then sent as the a{sv} spec of
 * Pool.CreateInstance / Instance.Update; kerfd validates the whole state.
 */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"
#include "kerf-error.h"
#include "kerf-model.h"

/* What `create` and `update` accept; NULL/0 = not given. */
typedef struct {
  char    *cpus;
  gint     cpu_count;
  char    *memory;
  char    *memory_base;
  char    *devices;
  char    *numa_nodes;
  char    *cpu_affinity;
  char    *memory_policy;
  gint     id;
  gboolean dry_run;
} KerfSpecArgs;

static void
kerf_spec_args_clear (KerfSpecArgs *args)
{
  g_free (args->cpus);
  g_free (args->memory);
  g_free (args->memory_base);
  g_free (args->devices);
  g_free (args->numa_nodes);
  g_free (args->cpu_affinity);
  g_free (args->memory_policy);
}

static void
kerf_dict_insert_ids (GVariantDict *dict, const char *key, const GArray *ids)
{
  g_variant_dict_insert_value (dict, key,
    g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, ids->data, ids->len, sizeof (guint32)));
}

/* Builds the spec dictionary; on a bad value prints a usage error and
 * returns NULL. */
static GVariant *
kerf_spec_build (const char *command, const KerfSpecArgs *args)
{
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr (GError) error = NULL;

  if (args->cpus != NULL && args->cpu_count != 0)
    {
      kerf_cli_usage_error (command, "give --cpus=LIST or --cpu-count=N, not both");
      return NULL;
    }
  if (args->cpus != NULL)
    {
      g_autoptr (GArray) cpus = kerf_cpu_list_parse (args->cpus, &error);

      if (cpus == NULL)
        {
          kerf_cli_usage_error (command, "--cpus=%s: %s", args->cpus, error->message);
          return NULL;
        }
      kerf_dict_insert_ids (&dict, "cpus", cpus);
    }
  if (args->cpu_count < 0)
    {
      kerf_cli_usage_error (command, "--cpu-count must be at least 1");
      return NULL;
    }
  if (args->cpu_count > 0)
    g_variant_dict_insert (&dict, "cpu-count", "u", (guint32) args->cpu_count);
  if (args->memory != NULL)
    {
      guint64 bytes;

      if (!kerf_size_parse (args->memory, &bytes, &error))
        {
          kerf_cli_usage_error (command, "--memory=%s: %s", args->memory, error->message);
          return NULL;
        }
      g_variant_dict_insert (&dict, "memory-bytes", "t", bytes);
    }
  if (args->memory_base != NULL)
    {
      guint64 base;

      if (!kerf_address_parse (args->memory_base, &base, &error))
        {
          kerf_cli_usage_error (command, "--memory-base=%s: %s", args->memory_base, error->message);
          return NULL;
        }
      g_variant_dict_insert (&dict, "memory-base", "t", base);
    }
  if (args->devices != NULL)
    {
      /* "" means "none" (update can take every device away) */
      g_auto (GStrv) parts = g_strsplit (args->devices, ",", -1);
      g_autoptr (GPtrArray) names = g_ptr_array_new ();

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (parts[i][0] == '\0')
            {
              if (args->devices[0] == '\0')
                continue;
              kerf_cli_usage_error (command, "--devices=%s: empty device name", args->devices);
              return NULL;
            }
          g_ptr_array_add (names, parts[i]);
        }
      g_variant_dict_insert_value (&dict, "devices",
        g_variant_new_strv ((const char *const *) names->pdata, names->len));
    }
  if (args->numa_nodes != NULL)
    {
      g_autoptr (GArray) nodes = kerf_node_list_parse (args->numa_nodes, &error);

      if (nodes == NULL)
        {
          kerf_cli_usage_error (command, "--numa-nodes=%s: %s", args->numa_nodes, error->message);
          return NULL;
        }
      kerf_dict_insert_ids (&dict, "numa-nodes", nodes);
    }
  if (args->cpu_affinity != NULL)
    {
      KerfCpuAffinity affinity;

      if (!kerf_cpu_affinity_from_string (args->cpu_affinity, &affinity))
        {
          kerf_cli_usage_error (command, "--cpu-affinity=%s: use compact, spread or local",
                                args->cpu_affinity);
          return NULL;
        }
      g_variant_dict_insert (&dict, "cpu-affinity", "s", args->cpu_affinity);
    }
  if (args->memory_policy != NULL)
    {
      KerfMemoryPolicy policy;

      if (!kerf_memory_policy_from_string (args->memory_policy, &policy))
        {
          kerf_cli_usage_error (command, "--memory-policy=%s: use local, interleave or bind",
                                args->memory_policy);
          return NULL;
        }
      g_variant_dict_insert (&dict, "memory-policy", "s", args->memory_policy);
    }
  if (args->id != 0)
    {
      if (args->id < KERF_INSTANCE_ID_MIN || args->id > KERF_INSTANCE_ID_MAX)
        {
          kerf_cli_usage_error (command, "--id=%d: instance ids are %d-%d", args->id,
                                KERF_INSTANCE_ID_MIN, KERF_INSTANCE_ID_MAX);
          return NULL;
        }
      g_variant_dict_insert (&dict, "id", "u", (guint32) args->id);
    }
  return g_variant_dict_end (&dict);
}

/* ---- create / update ------------------------------------------------- */

#define KERF_SPEC_ENTRIES(args) \
    { "cpus", 'c', 0, G_OPTION_ARG_STRING, &(args).cpus, \
      "CPU ids, e.g. 4-7,9", "LIST" }, \
    { "cpu-count", 0, 0, G_OPTION_ARG_INT, &(args).cpu_count, \
      "Number of CPUs, chosen by --cpu-affinity over the NUMA topology", "N" }, \
    { "memory", 'm', 0, G_OPTION_ARG_STRING, &(args).memory, \
      "Memory size: 2GB, 512MiB, 1.5GiB, or bytes (KB/MB/GB/TB are powers of 1024)", "SIZE" }, \
    { "memory-base", 0, 0, G_OPTION_ARG_STRING, &(args).memory_base, \
      "Physical base address of the memory (default: first fit)", "ADDR" }, \
    { "devices", 'd', 0, G_OPTION_ARG_STRING, &(args).devices, \
      "Devices, VFs and namespaces: eth0_vf1,nvme0_ns2", "LIST" }, \
    { "numa-nodes", 0, 0, G_OPTION_ARG_STRING, &(args).numa_nodes, \
      "NUMA nodes to place CPUs and memory on, e.g. 0 or 0-1", "LIST" }, \
    { "cpu-affinity", 0, 0, G_OPTION_ARG_STRING, &(args).cpu_affinity, \
      "compact (default), spread or local", "POLICY" }, \
    { "memory-policy", 0, 0, G_OPTION_ARG_STRING, &(args).memory_policy, \
      "local, interleave or bind", "POLICY" }, \
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &(args).dry_run, \
      "Validate and place only, change nothing", NULL }

/* create/update --dry-run --json; `object_path` NULL for update. */
static void
kerf_print_dry_run_json (const char *name, const char *object_path)
{
  KerfJson *json = kerf_json_new (TRUE);

  kerf_json_begin_object (json);
  kerf_json_key (json, "name");
  kerf_json_string (json, name);
  kerf_json_key (json, "dry_run");
  kerf_json_bool (json, TRUE);
  kerf_json_key (json, "valid");
  kerf_json_bool (json, TRUE);
  if (object_path != NULL)
    {
      kerf_json_key (json, "object_path");
      kerf_json_string (json, object_path);
    }
  kerf_json_end_object (json);
  kerf_cli_json_print (json);
}

/* "✓ " where the locale's charset is UTF-8, nothing elsewhere (no mojibake
 * on a C-locale terminal or log). */
static const char *
kerf_done_mark (void)
{
  return g_get_charset (NULL) ? "\u2713 " : "";
}

/* The id of the transaction at `tx_path` (a LastTransaction) when it is the
 * one `operation` on instance `name` wrote, else 0.  kerfd sets
 * LastTransaction before it replies; a change another caller made right
 * after ours would be newer, so check rather than trust.  The object
 * answers at its path even when the object manager no longer lists it. */
static guint
kerf_caused_transaction (KerfCliBus *bus, const char *tx_path, const char *operation,
                         const char *name)
{
  g_autoptr (KerfCliProps) tx = NULL;

  if (tx_path == NULL || g_str_equal (tx_path, "/"))
    return 0;
  tx = kerf_cli_props_get_all (bus->connection, tx_path, "org.multikernel.Kerf.Transaction", NULL);
  if (tx == NULL || g_strcmp0 (kerf_cli_props_string (tx, "Operation"), operation) != 0
      || g_strcmp0 (kerf_cli_props_string (tx, "Instance"), name) != 0)
    return 0;
  return kerf_cli_props_uint32 (tx, "Id");
}

/* The pool's LastTransaction as it is now (the cached pool proxy may not
 * have seen PropertiesChanged yet). */
static char *
kerf_pool_last_transaction (KerfCliBus *bus)
{
  g_autoptr (KerfCliProps) fresh = NULL;

  fresh = kerf_cli_props_get_all (bus->connection,
                                  g_dbus_proxy_get_object_path (G_DBUS_PROXY (bus->pool)),
                                  "org.multikernel.Kerf.Pool", NULL);
  return fresh != NULL ? g_strdup (kerf_cli_props_string (fresh, "LastTransaction")) : NULL;
}

/* " (transaction N)", or for an update that wrote none `none_text`. */
static char *
kerf_transaction_note (guint tx_id, const char *none_text)
{
  if (tx_id != 0)
    return g_strdup_printf (" (transaction %u)", tx_id);
  return g_strdup (none_text);
}

/* "transaction": the id of the transaction the command caused, null when
 * it caused none (docs/cli-json.md). */
static void
kerf_json_transaction (KerfJson *json, guint tx_id)
{
  kerf_json_key (json, "transaction");
  if (tx_id != 0)
    kerf_json_uint (json, tx_id);
  else
    kerf_json_null (json);
}

/* create / update --json: the instance plus the transaction. */
static void
kerf_print_instance_json (const KerfCliProps *inst, guint tx_id)
{
  KerfJson *json = kerf_json_new (TRUE);

  kerf_json_begin_object (json);
  kerf_cli_instance_json_members (json, inst);
  kerf_json_transaction (json, tx_id);
  kerf_json_end_object (json);
  kerf_cli_json_print (json);
}

int
kerf_cmd_create (KerfCliGlobal *global, int argc, char **argv)
{
  g_autofree char *name_problem = NULL;
  KerfSpecArgs args = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GVariant) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (KerfCliProps) inst = NULL;
  GVariantDict options;
  const char *name;
  int status = KERF_EXIT_OK;
  const GOptionEntry entries[] = {
    KERF_SPEC_ENTRIES (args),
    { "id", 0, 0, G_OPTION_ARG_INT, &args.id, "Instance id 1-2047 (default: the kernel picks)", "N" },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "NAME",
    "Create a kernel instance.  Needs --cpus=LIST or --cpu-count=N, and --memory=SIZE.\n"
    "The whole resulting state is validated before anything changes.", entries);
  if (!kerf_cli_parse_options (context, "create", &argc, &argv))
    {
      kerf_spec_args_clear (&args);
      return KERF_EXIT_USAGE;
    }
  name = argc > 1 ? argv[1] : NULL;
  if (name == NULL)
    status = kerf_cli_usage_error ("create", "the instance NAME is required");
  else if (argc > 2)
    status = kerf_cli_usage_error ("create", "unexpected argument '%s'", argv[2]);
  else if ((name_problem = kerf_instance_name_problem (name)) != NULL)
    status = kerf_cli_usage_error ("create", "invalid instance name '%s': %s; use 1-63 of "
                                   "A-Z a-z 0-9 _ . -, not starting with '.' or '-'",
                                   name, name_problem);
  else if (args.cpus == NULL && args.cpu_count == 0)
    status = kerf_cli_usage_error ("create", "give the CPUs: --cpus=LIST or --cpu-count=N");
  else if (args.memory == NULL)
    status = kerf_cli_usage_error ("create", "--memory=SIZE is required");
  else if ((spec = kerf_spec_build ("create", &args)) == NULL)
    status = KERF_EXIT_USAGE;
  else
    g_variant_ref_sink (spec);
  if (status != KERF_EXIT_OK || (bus = kerf_cli_bus_open (global, &status)) == NULL)
    {
      kerf_spec_args_clear (&args);
      return status;
    }

  g_variant_dict_init (&options, NULL);
  if (args.dry_run)
    g_variant_dict_insert (&options, "dry-run", "b", TRUE);
  if (!kerf_dbus_pool_call_create_instance_sync (bus->pool, name, spec, g_variant_dict_end (&options),
                                                 bus->call_flags, -1, &path, NULL, &error))
    status = kerf_cli_report_error (error);
  else if (args.dry_run)
    {
      if (global->json)
        kerf_print_dry_run_json (name, path);
      else
        printf ("Instance '%s' is valid and fits; it would be created (dry run, nothing changed).\n",
                name);
    }
  else if ((inst = kerf_cli_props_get_all (bus->connection, path, "org.multikernel.Kerf.Instance",
                                           &error)) == NULL)
    status = kerf_cli_report_error (error);
  else
    {
      guint tx_id = kerf_caused_transaction (bus, kerf_cli_props_string (inst, "LastTransaction"),
                                             "create", name);

      if (global->json)
        kerf_print_instance_json (inst, tx_id);
      else
        {
          g_autofree char *cpus = kerf_cli_format_id_list (kerf_cli_props_value (inst, "Cpus", "au"));
          g_autofree char *memory = kerf_cli_format_memory (kerf_cli_props_uint64 (inst, "MemoryBase"),
                                                             kerf_cli_props_uint64 (inst, "MemoryBytes"));
          g_autofree char *devices = kerf_cli_instance_devices (inst);
          g_autofree char *note = kerf_transaction_note (tx_id, "");

          printf ("%sCreated instance '%s'%s: id %u, CPUs %s, memory %s%s%s\n", kerf_done_mark (),
                  name, note, kerf_cli_props_uint32 (inst, "Id"), cpus, memory,
                  devices[0] ? ", devices " : "", devices);
        }
    }
  kerf_spec_args_clear (&args);
  return status;
}

int
kerf_cmd_update (KerfCliGlobal *global, int argc, char **argv)
{
  KerfSpecArgs args = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusInstance) inst = NULL;
  g_autoptr (GVariant) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *last_before = NULL;
  GVariantDict options;
  int status;
  const GOptionEntry entries[] = {
    KERF_SPEC_ENTRIES (args),
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "NAME",
    "Change the resources of an instance in one transaction; options not given keep\n"
    "their value.  --devices= (empty) takes every device away.", entries);
  if (!kerf_cli_parse_options (context, "update", &argc, &argv))
    {
      kerf_spec_args_clear (&args);
      return KERF_EXIT_USAGE;
    }
  if (argc < 2)
    status = kerf_cli_usage_error ("update", "the instance NAME is required");
  else if ((spec = kerf_spec_build ("update", &args)) == NULL)
    status = KERF_EXIT_USAGE;
  else if (g_variant_n_children (g_variant_ref_sink (spec)) == 0)
    status = kerf_cli_usage_error ("update", "nothing to change: give --cpus, --cpu-count, "
                                   "--memory, --memory-base, --devices, --numa-nodes, "
                                   "--cpu-affinity or --memory-policy");
  else
    status = kerf_cli_open_instance (global, "update", argc, argv, 0, &bus, &inst);
  if (status != KERF_EXIT_OK)
    {
      kerf_spec_args_clear (&args);
      return status;
    }

  last_before = g_strdup (kerf_dbus_instance_get_last_transaction (inst));
  g_variant_dict_init (&options, NULL);
  if (args.dry_run)
    g_variant_dict_insert (&options, "dry-run", "b", TRUE);
  if (!kerf_dbus_instance_call_update_sync (inst, spec, g_variant_dict_end (&options),
                                            bus->call_flags, -1, NULL, &error))
    status = kerf_cli_report_error (error);
  else if (args.dry_run)
    {
      if (global->json)
        kerf_print_dry_run_json (argv[1], NULL);
      else
        printf ("The change to '%s' is valid and fits (dry run, nothing changed).\n", argv[1]);
    }
  else
    {
      g_autoptr (KerfCliProps) fresh = NULL;

      /* read anew: the cached proxy may not have seen PropertiesChanged yet */
      fresh = kerf_cli_props_get_all (bus->connection,
                                      g_dbus_proxy_get_object_path (G_DBUS_PROXY (inst)),
                                      "org.multikernel.Kerf.Instance", &error);
      if (fresh == NULL)
        status = kerf_cli_report_error (error);
      else
        {
          const char *after = kerf_cli_props_string (fresh, "LastTransaction");
          /* unchanged: the update wrote none (kerfd's records only) */
          gboolean none = g_strcmp0 (after, last_before) == 0;
          guint tx_id = none ? 0 : kerf_caused_transaction (bus, after, "update",
                                                            kerf_cli_props_string (fresh, "Name"));

          if (global->json)
            kerf_print_instance_json (fresh, tx_id);
          else
            {
              g_autofree char *note = none
                  ? g_strdup (" (no transaction: only kerfd's own records changed)")
                  : kerf_transaction_note (tx_id, "");

              printf ("%sUpdated instance '%s'%s.\n", kerf_done_mark (), argv[1], note);
              kerf_cli_instance_print (fresh);
            }
        }
    }
  kerf_spec_args_clear (&args);
  return status;
}

int
kerf_cmd_delete (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusInstance) inst = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *last = NULL;
  guint tx_id;
  gint id = 0;
  int status;
  const GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_INT, &id, "The instance by id instead of NAME", "N" },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "NAME | --id=N",
    "Delete an instance and return its resources to the pool.\n"
    "A loaded or running instance must be unloaded first.", entries);
  if (!kerf_cli_parse_options (context, "delete", &argc, &argv))
    return KERF_EXIT_USAGE;
  status = kerf_cli_open_instance (global, "delete", argc, argv, id, &bus, &inst);
  if (status != KERF_EXIT_OK)
    return status;
  name = g_strdup (kerf_dbus_instance_get_name (inst));
  if (!kerf_dbus_instance_call_delete_sync (inst, kerf_cli_empty_options (), bus->call_flags, -1,
                                            NULL, &error))
    return kerf_cli_report_error (error);
  last = kerf_pool_last_transaction (bus);
  tx_id = kerf_caused_transaction (bus, last, "delete", name);
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "name");
      kerf_json_string (json, name);
      kerf_json_key (json, "deleted");
      kerf_json_bool (json, TRUE);
      kerf_json_transaction (json, tx_id);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else
    {
      g_autofree char *note = kerf_transaction_note (tx_id, "");

      printf ("%sDeleted instance '%s'%s.\n", kerf_done_mark (), name, note);
    }
  return KERF_EXIT_OK;
}
