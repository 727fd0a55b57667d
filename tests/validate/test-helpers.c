/* test-helpers.c — see test-helpers.h. */
#include "config.h"

#include "test-helpers.h"
#include "kerf-alloc.h"
#include "kerf-validate.h"

KerfLoc
tm_loc (guint line)
{
  return kerf_loc_make (TM_FILE, line, 5);
}

guint
tm_inst_line (guint index, guint offset)
{
  return TM_LINE_INSTANCES + 10 * index + offset;
}

GArray *
tm_cpus (const char *list)
{
  g_autoptr(GError) error = NULL;
  GArray *cpus;

  if (list == NULL || *list == '\0')
    return g_array_new (FALSE, TRUE, sizeof (guint32));
  cpus = kerf_cpu_list_parse (list, &error);
  g_assert_no_error (error);
  return cpus;
}

static void
set_array (GArray **slot, const char *list)
{
  g_clear_pointer (slot, g_array_unref);
  *slot = tm_cpus (list);
}

void
tm_set_topology (KerfModel *model, guint n_nodes)
{
  KerfResources *res = model->resources;
  guint per_cpu = res->total_cpus / n_nodes;
  guint64 per_mem = res->total_bytes / n_nodes;

  g_ptr_array_set_size (res->numa_nodes, 0);
  for (guint i = 0; i < n_nodes; i++)
    {
      KerfNumaNode *node = kerf_numa_node_new (i);
      g_autofree char *l = g_strdup_printf ("%u-%u", i * per_cpu, (i + 1) * per_cpu - 1);

      node->memory_base = i * per_mem;
      node->memory_size = per_mem;
      set_array (&node->cpus, l);
      node->loc = tm_loc (TM_LINE_NODE0 + i);
      g_ptr_array_add (res->numa_nodes, node);
    }
  res->topology_loc = tm_loc (TM_LINE_TOPOLOGY);
}

KerfModel *
tm_seed_resources (gboolean topology)
{
  KerfModel *model = kerf_model_new ();
  KerfResources *res = kerf_resources_new ();

  model->resources = res;
  model->schema = KERF_SCHEMA_NESTED;
  model->source_name = g_strdup (TM_FILE);

  res->total_cpus = 32;
  set_array (&res->host_reserved_cpus, "0-3");
  set_array (&res->available_cpus, "4-31");
  res->cpus_loc = tm_loc (TM_LINE_CPUS);
  res->total_cpus_loc = tm_loc (TM_LINE_TOTAL);
  res->host_reserved_cpus_loc = tm_loc (TM_LINE_HOST_RESERVED);
  res->available_cpus_loc = tm_loc (TM_LINE_AVAILABLE);

  res->total_bytes = 16 * TM_GiB;
  res->host_reserved_bytes = 2 * TM_GiB;
  res->pool_base = 0x80000000;
  res->pool_bytes = 14 * TM_GiB;
  res->memory_loc = tm_loc (TM_LINE_MEMORY);
  res->total_bytes_loc = tm_loc (TM_LINE_TOTAL_BYTES);
  res->host_reserved_bytes_loc = tm_loc (TM_LINE_HR_BYTES);
  res->pool_base_loc = tm_loc (TM_LINE_POOL_BASE);
  res->pool_bytes_loc = tm_loc (TM_LINE_POOL_BYTES);

  if (topology)
    tm_set_topology (model, 2);
  return model;
}

KerfInstance *
tm_add_instance (KerfModel *model, const char *name, guint32 id,
                 const char *cpus, guint64 base, guint64 bytes)
{
  KerfInstance *inst = kerf_instance_new (name);
  guint k = model->instances->len;

  inst->id = id;
  set_array (&inst->cpus, cpus);
  inst->memory_base = base;
  inst->memory_bytes = bytes;
  inst->loc = tm_loc (tm_inst_line (k, TM_OFF_NODE));
  inst->id_loc = tm_loc (tm_inst_line (k, TM_OFF_ID));
  inst->cpus_loc = tm_loc (tm_inst_line (k, TM_OFF_CPUS));
  inst->memory_base_loc = tm_loc (tm_inst_line (k, TM_OFF_BASE));
  inst->memory_bytes_loc = tm_loc (tm_inst_line (k, TM_OFF_BYTES));
  inst->devices_loc = tm_loc (tm_inst_line (k, TM_OFF_DEVICES));
  inst->numa_nodes_loc = tm_loc (tm_inst_line (k, TM_OFF_NUMA));
  inst->cpu_affinity_loc = tm_loc (tm_inst_line (k, TM_OFF_AFFINITY));
  inst->memory_policy_loc = tm_loc (tm_inst_line (k, TM_OFF_POLICY));
  g_ptr_array_add (model->instances, inst);
  return inst;
}

void
tm_add_ref (KerfInstance *inst, const char *ref_name)
{
  KerfDeviceRef *ref = kerf_device_ref_new (ref_name);

  ref->loc = kerf_loc_make (TM_FILE, inst->devices_loc.line, 20 + 10 * inst->devices->len);
  g_ptr_array_add (inst->devices, ref);
}

void
tm_set_cpus (KerfInstance *inst, const char *cpus)
{
  set_array (&inst->cpus, cpus);
}

void
tm_set_nodes (KerfInstance *inst, const char *nodes)
{
  set_array (&inst->numa_nodes, nodes);
}

KerfModel *
tm_seed_model (gboolean topology)
{
  KerfModel *model = tm_seed_resources (topology);
  KerfResources *res = model->resources;
  KerfDevice *eth0 = kerf_device_new ("eth0");
  KerfDevice *nvme0 = kerf_device_new ("nvme0");
  KerfInstance *web, *db;

  eth0->node_name = g_strdup ("ethernet@0");
  eth0->compatible = g_strdup ("intel,i40e");
  eth0->pci_id = g_strdup ("0000:01:00.0");
  eth0->sriov_vfs = 8;
  set_array (&eth0->host_reserved_vfs, "0");
  set_array (&eth0->available_vfs, "1-7");
  eth0->loc = tm_loc (TM_LINE_ETH0);
  g_ptr_array_add (res->devices, eth0);

  nvme0->node_name = g_strdup ("storage@0");
  nvme0->compatible = g_strdup ("nvme");
  nvme0->pci_id = g_strdup ("0000:02:00.0");
  nvme0->namespaces = 4;
  set_array (&nvme0->host_reserved_ns, "1");
  set_array (&nvme0->available_ns, "2-4");
  nvme0->loc = tm_loc (TM_LINE_NVME0);
  g_ptr_array_add (res->devices, nvme0);

  web = tm_add_instance (model, "web", 1, "4-7", 0x80000000, 2 * TM_GiB);
  tm_add_ref (web, "eth0_vf1");
  tm_add_ref (web, "nvme0_ns2");
  web->cpu_affinity = KERF_CPU_AFFINITY_COMPACT;
  if (topology)
    web->memory_policy = KERF_MEMORY_POLICY_LOCAL;
  db = tm_add_instance (model, "db", 2, "16-19", 0x200000000, 4 * TM_GiB);
  tm_add_ref (db, "eth0_vf2");
  return model;
}

KerfDiagList *
tm_validate (const KerfModel *model)
{
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfValidateOptions opts;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  opts.advice = FALSE;
  kerf_validate_state (model, &opts, diags);
  return diags;
}

const KerfDiag *
tm_find (const KerfDiagList *diags, const char *rule)
{
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      if (g_strcmp0 (d->rule, rule) == 0)
        return d;
    }
  return NULL;
}

void
tm_dump (const KerfDiagList *diags)
{
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      g_autofree char *s = kerf_diag_format (kerf_diag_list_get (diags, i));
      g_test_message ("[%s] %s", kerf_diag_list_get (diags, i)->rule, s);
    }
}
