/* kerf-cmd-show.c — `kerf show`, and how an instance prints (create,
 * update and show share it): a block of text or the JSON object of
 * docs/cli-json.md.  Everything is read from the D-Bus proxies' properties.
 */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"

/* ---- printing an instance ------------------------------------------------ */

void
kerf_cli_instance_json (KerfJson *json, KerfDBusInstance *inst)
{
  GVariant *kernel = kerf_dbus_instance_get_kernel (inst);
  const char *kpath = "", *ksha = "", *kversion = "";
  guint64 ksize = 0;

  if (kernel != NULL)
    g_variant_get (kernel, "(&st&s&s)", &kpath, &ksize, &ksha, &kversion);
  kerf_json_begin_object (json);
  kerf_json_key (json, "name");
  kerf_json_string (json, kerf_dbus_instance_get_name (inst));
  kerf_json_key (json, "id");
  kerf_json_uint (json, kerf_dbus_instance_get_id (inst));
  kerf_json_key (json, "status");
  kerf_json_string (json, kerf_dbus_instance_get_status (inst));
  kerf_json_key (json, "cpus");
  kerf_cli_json_id_list (json, kerf_dbus_instance_get_cpus (inst));
  kerf_json_key (json, "memory_base");
  kerf_json_uint (json, kerf_dbus_instance_get_memory_base (inst));
  kerf_json_key (json, "memory_bytes");
  kerf_json_uint (json, kerf_dbus_instance_get_memory_bytes (inst));
  kerf_json_key (json, "devices");
  kerf_json_begin_array (json);
  for (const char *const *d = kerf_dbus_instance_get_devices (inst); d != NULL && *d != NULL; d++)
    kerf_json_string (json, *d);
  kerf_json_end_array (json);
  kerf_json_key (json, "numa_nodes");
  kerf_cli_json_id_list (json, kerf_dbus_instance_get_numa_nodes (inst));
  kerf_json_key (json, "cpu_affinity");
  kerf_json_string (json, g_strcmp0 (kerf_dbus_instance_get_cpu_affinity (inst), "") != 0
                            ? kerf_dbus_instance_get_cpu_affinity (inst) : NULL);
  kerf_json_key (json, "memory_policy");
  kerf_json_string (json, g_strcmp0 (kerf_dbus_instance_get_memory_policy (inst), "") != 0
                            ? kerf_dbus_instance_get_memory_policy (inst) : NULL);
  kerf_json_key (json, "kernel");
  if (ksize == 0 && kpath[0] == '\0')
    kerf_json_null (json);
  else
    {
      kerf_json_begin_object (json);
      kerf_json_key (json, "path");
      kerf_json_string (json, kpath);
      kerf_json_key (json, "size");
      kerf_json_uint (json, ksize);
      kerf_json_key (json, "sha256");
      kerf_json_string (json, ksha);
      kerf_json_key (json, "version");
      kerf_json_string (json, kversion);
      kerf_json_end_object (json);
    }
  kerf_json_key (json, "cmdline");
  kerf_json_string (json, kerf_dbus_instance_get_cmdline (inst));
  kerf_json_key (json, "object_path");
  kerf_json_string (json, g_dbus_proxy_get_object_path (G_DBUS_PROXY (inst)));
  kerf_json_end_object (json);
}

static char *
kerf_instance_kernel_short (KerfDBusInstance *inst)
{
  GVariant *kernel = kerf_dbus_instance_get_kernel (inst);
  const char *path = "", *sha = "", *version = "";
  guint64 size = 0;
  g_autofree char *base = NULL;
  g_autofree char *human = NULL;

  if (kernel == NULL)
    return g_strdup ("");
  g_variant_get (kernel, "(&st&s&s)", &path, &size, &sha, &version);
  if (size == 0 && path[0] == '\0')
    return g_strdup ("");
  base = g_path_get_basename (path[0] != '\0' ? path : "(fd)");
  human = kerf_size_format (size);
  return g_strdup_printf ("%s (%s)", base, human);
}

char *
kerf_cli_instance_devices (KerfDBusInstance *inst)
{
  const char *const *devices = kerf_dbus_instance_get_devices (inst);

  return devices != NULL ? g_strjoinv (",", (char **) devices) : g_strdup ("");
}

void
kerf_cli_instance_print (KerfDBusInstance *inst)
{
  g_autofree char *cpus = kerf_cli_format_id_list (kerf_dbus_instance_get_cpus (inst));
  g_autofree char *memory = kerf_cli_format_memory (kerf_dbus_instance_get_memory_base (inst),
                                                     kerf_dbus_instance_get_memory_bytes (inst));
  g_autofree char *devices = kerf_cli_instance_devices (inst);
  g_autofree char *nodes = kerf_cli_format_id_list (kerf_dbus_instance_get_numa_nodes (inst));
  GVariant *kernel = kerf_dbus_instance_get_kernel (inst);
  GVariant *cpu_v = kerf_dbus_instance_get_cpus (inst);
  const char *kpath = "", *ksha = "", *kversion = "";
  guint64 ksize = 0;
  const char *affinity = kerf_dbus_instance_get_cpu_affinity (inst);
  const char *policy = kerf_dbus_instance_get_memory_policy (inst);

  if (kernel != NULL)
    g_variant_get (kernel, "(&st&s&s)", &kpath, &ksize, &ksha, &kversion);
  printf ("Instance %s\n", kerf_dbus_instance_get_name (inst));
  printf ("  ID:             %u\n", kerf_dbus_instance_get_id (inst));
  printf ("  Status:         %s\n", kerf_dbus_instance_get_status (inst));
  printf ("  CPUs:           %s (%" G_GSIZE_FORMAT ")\n", cpus[0] ? cpus : "none",
          cpu_v != NULL ? g_variant_n_children (cpu_v) : 0);
  printf ("  Memory:         %s\n", memory[0] ? memory : "none");
  printf ("  Devices:        %s\n", devices[0] ? devices : "none");
  if (nodes[0] != '\0')
    printf ("  NUMA nodes:     %s\n", nodes);
  if (affinity != NULL && affinity[0] != '\0')
    printf ("  CPU affinity:   %s\n", affinity);
  if (policy != NULL && policy[0] != '\0')
    printf ("  Memory policy:  %s\n", policy);
  if (ksize == 0 && kpath[0] == '\0')
    printf ("  Kernel:         not loaded\n");
  else
    {
      g_autofree char *human = kerf_size_format (ksize);

      printf ("  Kernel:         %s (%s)\n", kpath[0] ? kpath : "(descriptor)", human);
      if (kversion[0] != '\0')
        printf ("    Version:      %s\n", kversion);
      if (ksha[0] != '\0')
        printf ("    SHA-256:      %s\n", ksha);
      printf ("  Command line:   %s\n", kerf_dbus_instance_get_cmdline (inst));
    }
}

void
kerf_cli_instance_show (KerfCliGlobal *global, KerfDBusInstance *inst)
{
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_cli_instance_json (json, inst);
      kerf_cli_json_print (json);
    }
  else
    kerf_cli_instance_print (inst);
}

/* ---- show -------------------------------------------------------------- */

static void
kerf_pool_json (KerfJson *json, KerfDBusPool *pool)
{
  GVariant *nodes = kerf_dbus_pool_get_numa_nodes (pool);
  GVariant *devices = kerf_dbus_pool_get_devices (pool);

  kerf_json_begin_object (json);
  kerf_json_key (json, "initialized");
  kerf_json_bool (json, kerf_dbus_pool_get_initialized (pool));
  kerf_json_key (json, "backend");
  kerf_json_string (json, kerf_dbus_pool_get_backend (pool));
  kerf_json_key (json, "version");
  kerf_json_string (json, kerf_dbus_pool_get_version (pool));
  kerf_json_key (json, "total_cpus");
  kerf_json_uint (json, kerf_dbus_pool_get_total_cpus (pool));
  kerf_json_key (json, "host_reserved_cpus");
  kerf_cli_json_id_list (json, kerf_dbus_pool_get_host_reserved_cpus (pool));
  kerf_json_key (json, "available_cpus");
  kerf_cli_json_id_list (json, kerf_dbus_pool_get_available_cpus (pool));
  kerf_json_key (json, "free_cpus");
  kerf_cli_json_id_list (json, kerf_dbus_pool_get_free_cpus (pool));
  kerf_json_key (json, "memory_pool_base");
  kerf_json_uint (json, kerf_dbus_pool_get_memory_pool_base (pool));
  kerf_json_key (json, "memory_pool_bytes");
  kerf_json_uint (json, kerf_dbus_pool_get_memory_pool_bytes (pool));
  kerf_json_key (json, "memory_free_bytes");
  kerf_json_uint (json, kerf_dbus_pool_get_memory_free_bytes (pool));
  kerf_json_key (json, "devices");
  if (devices != NULL)
    kerf_cli_json_variant (json, devices);
  else
    {
      kerf_json_begin_object (json);
      kerf_json_end_object (json);
    }
  kerf_json_key (json, "numa_nodes");
  kerf_json_begin_array (json);
  if (nodes != NULL)
    {
      GVariantIter iter;
      guint32 id;
      guint64 base, size;
      GVariant *cpus;

      g_variant_iter_init (&iter, nodes);
      while (g_variant_iter_next (&iter, "(utt@au)", &id, &base, &size, &cpus))
        {
          kerf_json_begin_object (json);
          kerf_json_key (json, "id");
          kerf_json_uint (json, id);
          kerf_json_key (json, "memory_base");
          kerf_json_uint (json, base);
          kerf_json_key (json, "memory_size");
          kerf_json_uint (json, size);
          kerf_json_key (json, "cpus");
          kerf_cli_json_id_list (json, cpus);
          kerf_json_end_object (json);
          g_variant_unref (cpus);
        }
    }
  kerf_json_end_array (json);
  kerf_json_end_object (json);
}

static void
kerf_pool_print_devices (KerfDBusPool *pool)
{
  GVariant *devices = kerf_dbus_pool_get_devices (pool);
  g_autoptr (KerfCliTable) table = NULL;
  const char *const headers[] = { "DEVICE", "COMPATIBLE", "PCI ID", "AVAILABLE", "ASSIGNED", NULL };
  GVariantIter iter;
  const char *name;
  GVariant *props;

  if (devices == NULL || g_variant_n_children (devices) == 0)
    return;
  table = kerf_cli_table_new (headers);
  g_variant_iter_init (&iter, devices);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &name, &props))
    {
      g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (props);
      g_autoptr (GVariant) vfs = g_variant_dict_lookup_value (&dict, "available-vfs", G_VARIANT_TYPE ("au"));
      g_autoptr (GVariant) ns = g_variant_dict_lookup_value (&dict, "available-ns", G_VARIANT_TYPE ("au"));
      g_autoptr (GVariant) assigned = g_variant_dict_lookup_value (&dict, "assigned", G_VARIANT_TYPE ("a{ss}"));
      const char *compatible = NULL, *pci = NULL;
      gboolean host = FALSE;
      g_autofree char *free_text = NULL;
      g_autoptr (GString) assigned_text = g_string_new (NULL);

      g_variant_dict_lookup (&dict, "compatible", "&s", &compatible);
      g_variant_dict_lookup (&dict, "pci-id", "&s", &pci);
      g_variant_dict_lookup (&dict, "host-reserved", "b", &host);
      if (host)
        free_text = g_strdup ("host reserved");
      else if (vfs != NULL && g_variant_n_children (vfs) > 0)
        {
          g_autofree char *list = kerf_cli_format_id_list (vfs);
          free_text = g_strdup_printf ("VFs %s", list);
        }
      else if (ns != NULL && g_variant_n_children (ns) > 0)
        {
          g_autofree char *list = kerf_cli_format_id_list (ns);
          free_text = g_strdup_printf ("namespaces %s", list);
        }
      if (assigned != NULL)
        {
          GVariantIter ai;
          const char *ref, *owner;

          g_variant_iter_init (&ai, assigned);
          while (g_variant_iter_next (&ai, "{&s&s}", &ref, &owner))
            g_string_append_printf (assigned_text, "%s%s→%s", assigned_text->len ? "," : "",
                                    ref, owner);
        }
      {
        const char *const row[] = { name, compatible, pci, free_text, assigned_text->str };
        kerf_cli_table_add_row (table, row);
      }
      g_variant_unref (props);
    }
  printf ("\n");
  kerf_cli_table_print (table, stdout);
}

static void
kerf_pool_print (KerfDBusPool *pool)
{
  g_autofree char *reserved = kerf_cli_format_id_list (kerf_dbus_pool_get_host_reserved_cpus (pool));
  g_autofree char *available = kerf_cli_format_id_list (kerf_dbus_pool_get_available_cpus (pool));
  g_autofree char *free_cpus = kerf_cli_format_id_list (kerf_dbus_pool_get_free_cpus (pool));
  g_autofree char *memory = kerf_cli_format_memory (kerf_dbus_pool_get_memory_pool_base (pool),
                                                     kerf_dbus_pool_get_memory_pool_bytes (pool));
  g_autofree char *mem_free = kerf_size_format (kerf_dbus_pool_get_memory_free_bytes (pool));
  GVariant *free_v = kerf_dbus_pool_get_free_cpus (pool);
  GVariant *avail_v = kerf_dbus_pool_get_available_cpus (pool);
  GVariant *nodes = kerf_dbus_pool_get_numa_nodes (pool);

  printf ("Pool (%s backend, kerfd %s)\n", kerf_dbus_pool_get_backend (pool),
          kerf_dbus_pool_get_version (pool));
  printf ("  CPUs:     %u total; pool %s; free %s (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ")"
          "; host reserved %s\n",
          kerf_dbus_pool_get_total_cpus (pool), available[0] ? available : "none",
          free_cpus[0] ? free_cpus : "none", free_v ? g_variant_n_children (free_v) : 0,
          avail_v ? g_variant_n_children (avail_v) : 0, reserved[0] ? reserved : "none");
  printf ("  Memory:   %s; free %s\n", memory[0] ? memory : "none", mem_free);
  if (nodes != NULL)
    {
      GVariantIter iter;
      guint32 id;
      guint64 base, size;
      GVariant *cpus;

      g_variant_iter_init (&iter, nodes);
      while (g_variant_iter_next (&iter, "(utt@au)", &id, &base, &size, &cpus))
        {
          g_autofree char *list = kerf_cli_format_id_list (cpus);
          g_autofree char *mem = kerf_cli_format_memory (base, size);

          printf ("  NUMA %u:   CPUs %s; memory %s\n", id, list, mem);
          g_variant_unref (cpus);
        }
    }
  kerf_pool_print_devices (pool);
}

static void
kerf_instances_print_table (GList *instances)
{
  const char *const headers[] = { "NAME", "ID", "STATUS", "CPUS", "MEMORY", "DEVICES", "KERNEL", NULL };
  g_autoptr (KerfCliTable) table = kerf_cli_table_new (headers);

  for (GList *l = instances; l != NULL; l = l->next)
    {
      KerfDBusInstance *inst = l->data;
      g_autofree char *id = g_strdup_printf ("%u", kerf_dbus_instance_get_id (inst));
      g_autofree char *cpus = kerf_cli_format_id_list (kerf_dbus_instance_get_cpus (inst));
      g_autofree char *memory = kerf_cli_format_memory (kerf_dbus_instance_get_memory_base (inst),
                                                         kerf_dbus_instance_get_memory_bytes (inst));
      g_autofree char *devices = kerf_cli_instance_devices (inst);
      g_autofree char *kernel = kerf_instance_kernel_short (inst);
      const char *const row[] = { kerf_dbus_instance_get_name (inst), id,
                                  kerf_dbus_instance_get_status (inst), cpus, memory, devices,
                                  kernel };

      kerf_cli_table_add_row (table, row);
    }
  kerf_cli_table_print (table, stdout);
}

int
kerf_cmd_show (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusInstance) inst = NULL;
  GList *instances;
  gint id = 0;
  int status;
  const GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_INT, &id, "Show the instance with this id", "N" },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "[NAME]",
    "Without NAME: the pool and every instance.  With NAME (or --id): that instance.",
    entries);
  if (!kerf_cli_parse_options (context, "show", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1 || id > 0)
    {
      status = kerf_cli_open_instance (global, "show", argc, argv, id, &bus, &inst);
      if (status == KERF_EXIT_OK)
        kerf_cli_instance_show (global, inst);
      return status;
    }

  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;
  instances = kerf_cli_bus_list_instances (bus);
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "pool");
      kerf_pool_json (json, bus->pool);
      kerf_json_key (json, "instances");
      kerf_json_begin_array (json);
      for (GList *l = instances; l != NULL; l = l->next)
        kerf_cli_instance_json (json, l->data);
      kerf_json_end_array (json);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else if (!kerf_dbus_pool_get_initialized (bus->pool))
    printf ("The pool is not initialized (%s backend).\n"
            "Give kerfd a baseline first: kerf init --input=FILE\n",
            kerf_dbus_pool_get_backend (bus->pool));
  else
    {
      kerf_pool_print (bus->pool);
      printf ("\n");
      if (instances == NULL)
        printf ("No instances.  Create one with: kerf create NAME --cpus=LIST --memory=SIZE\n");
      else
        kerf_instances_print_table (instances);
    }
  g_list_free_full (instances, g_object_unref);
  return KERF_EXIT_OK;
}
