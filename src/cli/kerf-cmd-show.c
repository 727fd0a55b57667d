/* kerf-cmd-show.c — `kerf show`, and how an instance prints (create,
 * update and show share it): a block of text or the JSON object of
 * docs/cli-json.md.  `kerf show` reads everything with one GetManagedObjects
 * call and prints from its reply (src/cli/kerf-cli-props.c); create and
 * update print their proxy's properties through the same functions.
 */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"

/* ---- printing an instance ------------------------------------------------ */

#define KERF_INSTANCE_KERNEL_TYPE "(stss)"

void
kerf_cli_instance_json_members (KerfJson *json, const KerfCliProps *inst)
{
  GVariant *kernel = kerf_cli_props_value (inst, "Kernel", KERF_INSTANCE_KERNEL_TYPE);
  GVariant *devices = kerf_cli_props_value (inst, "Devices", "as");
  const char *affinity = kerf_cli_props_string (inst, "CpuAffinity");
  const char *policy = kerf_cli_props_string (inst, "MemoryPolicy");
  const char *kpath = "", *ksha = "", *kversion = "";
  guint64 ksize = 0;

  if (kernel != NULL)
    g_variant_get (kernel, "(&st&s&s)", &kpath, &ksize, &ksha, &kversion);
  kerf_json_key (json, "name");
  kerf_json_string (json, kerf_cli_props_string (inst, "Name"));
  kerf_json_key (json, "id");
  kerf_json_uint (json, kerf_cli_props_uint32 (inst, "Id"));
  kerf_json_key (json, "status");
  kerf_json_string (json, kerf_cli_props_string (inst, "Status"));
  kerf_json_key (json, "cpus");
  kerf_cli_json_id_list (json, kerf_cli_props_value (inst, "Cpus", "au"));
  kerf_json_key (json, "memory_base");
  kerf_json_uint (json, kerf_cli_props_uint64 (inst, "MemoryBase"));
  kerf_json_key (json, "memory_bytes");
  kerf_json_uint (json, kerf_cli_props_uint64 (inst, "MemoryBytes"));
  kerf_json_key (json, "devices");
  kerf_json_begin_array (json);
  for (gsize i = 0; devices != NULL && i < g_variant_n_children (devices); i++)
    {
      g_autoptr (GVariant) d = g_variant_get_child_value (devices, i);

      kerf_json_string (json, g_variant_get_string (d, NULL));
    }
  kerf_json_end_array (json);
  kerf_json_key (json, "numa_nodes");
  kerf_cli_json_id_list (json, kerf_cli_props_value (inst, "NumaNodes", "au"));
  kerf_json_key (json, "cpu_affinity");
  kerf_json_string (json, g_strcmp0 (affinity, "") != 0 ? affinity : NULL);
  kerf_json_key (json, "memory_policy");
  kerf_json_string (json, g_strcmp0 (policy, "") != 0 ? policy : NULL);
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
  kerf_json_string (json, kerf_cli_props_string (inst, "Cmdline"));
  kerf_json_key (json, "object_path");
  kerf_json_string (json, kerf_cli_props_path (inst));
}

void
kerf_cli_instance_json (KerfJson *json, const KerfCliProps *inst)
{
  kerf_json_begin_object (json);
  kerf_cli_instance_json_members (json, inst);
  kerf_json_end_object (json);
}

static char *
kerf_instance_kernel_short (const KerfCliProps *inst)
{
  GVariant *kernel = kerf_cli_props_value (inst, "Kernel", KERF_INSTANCE_KERNEL_TYPE);
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
kerf_cli_instance_devices (const KerfCliProps *inst)
{
  GVariant *devices = kerf_cli_props_value (inst, "Devices", "as");
  g_autoptr (GString) out = g_string_new (NULL);

  for (gsize i = 0; devices != NULL && i < g_variant_n_children (devices); i++)
    {
      g_autoptr (GVariant) d = g_variant_get_child_value (devices, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, g_variant_get_string (d, NULL));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
kerf_cli_instance_print (const KerfCliProps *inst)
{
  GVariant *cpu_v = kerf_cli_props_value (inst, "Cpus", "au");
  g_autofree char *cpus = kerf_cli_format_id_list (cpu_v);
  g_autofree char *memory = kerf_cli_format_memory (kerf_cli_props_uint64 (inst, "MemoryBase"),
                                                     kerf_cli_props_uint64 (inst, "MemoryBytes"));
  g_autofree char *devices = kerf_cli_instance_devices (inst);
  g_autofree char *nodes = kerf_cli_format_id_list (kerf_cli_props_value (inst, "NumaNodes", "au"));
  GVariant *kernel = kerf_cli_props_value (inst, "Kernel", KERF_INSTANCE_KERNEL_TYPE);
  const char *kpath = "", *ksha = "", *kversion = "";
  guint64 ksize = 0;
  const char *affinity = kerf_cli_props_string (inst, "CpuAffinity");
  const char *policy = kerf_cli_props_string (inst, "MemoryPolicy");

  if (kernel != NULL)
    g_variant_get (kernel, "(&st&s&s)", &kpath, &ksize, &ksha, &kversion);
  printf ("Instance %s\n", kerf_cli_props_string (inst, "Name"));
  printf ("  ID:             %u\n", kerf_cli_props_uint32 (inst, "Id"));
  printf ("  Status:         %s\n", kerf_cli_props_string (inst, "Status"));
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
      printf ("  Command line:   %s\n", kerf_cli_props_string (inst, "Cmdline"));
    }
}

void
kerf_cli_instance_show (KerfCliGlobal *global, const KerfCliProps *inst)
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
kerf_pool_json (KerfJson *json, const KerfCliProps *pool)
{
  GVariant *nodes = kerf_cli_props_value (pool, "NumaNodes", "a(uttau)");
  GVariant *devices = kerf_cli_props_value (pool, "Devices", "a{sa{sv}}");

  kerf_json_begin_object (json);
  kerf_json_key (json, "initialized");
  kerf_json_bool (json, kerf_cli_props_boolean (pool, "Initialized"));
  kerf_json_key (json, "backend");
  kerf_json_string (json, kerf_cli_props_string (pool, "Backend"));
  kerf_json_key (json, "version");
  kerf_json_string (json, kerf_cli_props_string (pool, "Version"));
  kerf_json_key (json, "total_cpus");
  kerf_json_uint (json, kerf_cli_props_uint32 (pool, "TotalCpus"));
  kerf_json_key (json, "host_reserved_cpus");
  kerf_cli_json_id_list (json, kerf_cli_props_value (pool, "HostReservedCpus", "au"));
  kerf_json_key (json, "available_cpus");
  kerf_cli_json_id_list (json, kerf_cli_props_value (pool, "AvailableCpus", "au"));
  kerf_json_key (json, "free_cpus");
  kerf_cli_json_id_list (json, kerf_cli_props_value (pool, "FreeCpus", "au"));
  kerf_json_key (json, "memory_pool_base");
  kerf_json_uint (json, kerf_cli_props_uint64 (pool, "MemoryPoolBase"));
  kerf_json_key (json, "memory_pool_bytes");
  kerf_json_uint (json, kerf_cli_props_uint64 (pool, "MemoryPoolBytes"));
  kerf_json_key (json, "memory_free_bytes");
  kerf_json_uint (json, kerf_cli_props_uint64 (pool, "MemoryFreeBytes"));
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
kerf_pool_print_devices (const KerfCliProps *pool)
{
  GVariant *devices = kerf_cli_props_value (pool, "Devices", "a{sa{sv}}");
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
kerf_pool_print (const KerfCliProps *pool)
{
  g_autofree char *reserved = kerf_cli_format_id_list (kerf_cli_props_value (pool, "HostReservedCpus", "au"));
  g_autofree char *available = kerf_cli_format_id_list (kerf_cli_props_value (pool, "AvailableCpus", "au"));
  g_autofree char *free_cpus = kerf_cli_format_id_list (kerf_cli_props_value (pool, "FreeCpus", "au"));
  g_autofree char *memory = kerf_cli_format_memory (kerf_cli_props_uint64 (pool, "MemoryPoolBase"),
                                                     kerf_cli_props_uint64 (pool, "MemoryPoolBytes"));
  g_autofree char *mem_free = kerf_size_format (kerf_cli_props_uint64 (pool, "MemoryFreeBytes"));
  GVariant *free_v = kerf_cli_props_value (pool, "FreeCpus", "au");
  GVariant *avail_v = kerf_cli_props_value (pool, "AvailableCpus", "au");
  GVariant *nodes = kerf_cli_props_value (pool, "NumaNodes", "a(uttau)");

  printf ("Pool (%s backend, kerfd %s)\n", kerf_cli_props_string (pool, "Backend"),
          kerf_cli_props_string (pool, "Version"));
  printf ("  CPUs:     %u total; pool %s; free %s (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ")"
          "; host reserved %s\n",
          kerf_cli_props_uint32 (pool, "TotalCpus"), available[0] ? available : "none",
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
kerf_instances_print_table (GPtrArray *instances)
{
  const char *const headers[] = { "NAME", "ID", "STATUS", "CPUS", "MEMORY", "DEVICES", "KERNEL", NULL };
  g_autoptr (KerfCliTable) table = kerf_cli_table_new (headers);

  for (guint i = 0; i < instances->len; i++)
    {
      const KerfCliProps *inst = g_ptr_array_index (instances, i);
      g_autofree char *id = g_strdup_printf ("%u", kerf_cli_props_uint32 (inst, "Id"));
      g_autofree char *cpus = kerf_cli_format_id_list (kerf_cli_props_value (inst, "Cpus", "au"));
      g_autofree char *memory = kerf_cli_format_memory (kerf_cli_props_uint64 (inst, "MemoryBase"),
                                                         kerf_cli_props_uint64 (inst, "MemoryBytes"));
      g_autofree char *devices = kerf_cli_instance_devices (inst);
      g_autofree char *kernel = kerf_instance_kernel_short (inst);
      const char *const row[] = { kerf_cli_props_string (inst, "Name"), id,
                                  kerf_cli_props_string (inst, "Status"), cpus, memory, devices,
                                  kernel };

      kerf_cli_table_add_row (table, row);
    }
  kerf_cli_table_print (table, stdout);
}

/* `kerf show NAME` / `--id=N`: the same one call, then one instance. */
static int
kerf_show_one (KerfCliGlobal *global, int argc, char **argv, gint id)
{
  g_autoptr (KerfCliSnapshot) snapshot = NULL;
  g_autoptr (GError) error = NULL;
  const char *name = argc > 1 ? argv[1] : NULL;
  KerfCliProps *inst;
  int status;

  /* the checks and messages of kerf_cli_open_instance */
  if (argc > 2)
    return kerf_cli_usage_error ("show", "unexpected argument '%s'", argv[2]);
  if (name != NULL && id > 0)
    return kerf_cli_usage_error ("show", "give the instance's NAME or --id=N, not both");
  if ((snapshot = kerf_cli_snapshot_get (global, &status)) == NULL)
    return status;
  inst = kerf_cli_snapshot_find_instance (snapshot, name, (guint) MAX (id, 0), &error);
  if (inst == NULL)
    return kerf_cli_report_error (error);
  kerf_cli_instance_show (global, inst);
  return KERF_EXIT_OK;
}

int
kerf_cmd_show (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliSnapshot) snapshot = NULL;
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
    return kerf_show_one (global, argc, argv, id);

  if ((snapshot = kerf_cli_snapshot_get (global, &status)) == NULL)
    return status;
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "pool");
      kerf_pool_json (json, snapshot->pool);
      kerf_json_key (json, "instances");
      kerf_json_begin_array (json);
      for (guint i = 0; i < snapshot->instances->len; i++)
        kerf_cli_instance_json (json, g_ptr_array_index (snapshot->instances, i));
      kerf_json_end_array (json);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else if (!kerf_cli_props_boolean (snapshot->pool, "Initialized"))
    printf ("The pool is not initialized (%s backend).\n"
            "Give kerfd a baseline first: kerf init --input=FILE\n",
            kerf_cli_props_string (snapshot->pool, "Backend"));
  else
    {
      kerf_pool_print (snapshot->pool);
      printf ("\n");
      if (snapshot->instances->len == 0)
        printf ("No instances.  Create one with: kerf create NAME --cpus=LIST --memory=SIZE\n");
      else
        kerf_instances_print_table (snapshot->instances);
    }
  return KERF_EXIT_OK;
}
