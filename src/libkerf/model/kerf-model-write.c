/* kerf-model-write.c — the model back into device trees.
 *
 *   kerf_model_to_kernel_baseline: what the kernel is given
 *     (kernel-abi.md "Baseline DTB"), nothing more: the emulated kernel
 *     refuses what the page does not describe.
 *   kerf_model_to_state_tree: the state file (SPEC §3), in the seed's nested
 *     schema, which kerf_model_from_tree() reads back to an equal model. */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-model.h"

/* [A-Za-z_][A-Za-z0-9_]*: what dtc accepts as a label */
static gboolean
kerf_model_is_label (const char *s)
{
  if (s == NULL || !(g_ascii_isalpha (s[0]) || s[0] == '_'))
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return strlen (s) <= 31;
}

/* Property-name characters (alias names are property names). */
static gboolean
kerf_model_is_prop_name (const char *s)
{
  if (s == NULL || s[0] == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (",._+?#-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
kerf_model_set_id_list (KerfDtNode *node, const char *name, const GArray *ids, gboolean u64)
{
  if (u64)
    {
      g_autofree guint64 *wide = g_new (guint64, ids->len + 1);
      for (guint i = 0; i < ids->len; i++)
        wide[i] = g_array_index (ids, guint32, i);
      kerf_dt_node_set_u64_array (node, name, wide, ids->len, KERF_LOC_NONE);
    }
  else
    kerf_dt_node_set_u32_array (node, name, (const guint32 *) (gconstpointer) ids->data, ids->len,
                                KERF_LOC_NONE);
}

/* ---- kernel baseline ------------------------------------------------ */

static void
kerf_model_problem (GString *problems, KerfLoc loc, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
kerf_model_problem (GString *problems, KerfLoc loc, const char *format, ...)
{
  g_autofree char *where = kerf_loc_to_string (loc);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_string_append_printf (problems, "\n  %s: %s", where, message);
}

static void
kerf_model_write_kernel_device (const KerfDevice *dev, KerfDtNode *devices, KerfDtNode *aliases,
                                GString *problems)
{
  const char *type = dev->device_type ? dev->device_type : (dev->pci_id ? "pci" : NULL);
  const char *node_name = dev->node_name ? dev->node_name : dev->name;
  KerfDtNode *node;
  g_autofree char *path = NULL;

  if (type == NULL)
    {
      kerf_model_problem (problems, dev->loc,
                          "device %s has neither a pci-id nor device-type = \"platform\"",
                          dev->name);
      return;
    }
  if (strcmp (type, "pci") == 0)
    {
      GPtrArray *missing = g_ptr_array_new ();
      if (dev->pci_id == NULL)
        g_ptr_array_add (missing, "pci-id");
      if (!dev->has_vendor_id)
        g_ptr_array_add (missing, "vendor-id");
      if (!dev->has_device_id)
        g_ptr_array_add (missing, "device-id");
      if (missing->len > 0)
        {
          g_ptr_array_add (missing, NULL);
          g_autofree char *list = g_strjoinv (", ", (char **) missing->pdata);
          kerf_model_problem (problems, dev->loc,
                              "PCI device %s lacks %s, which the kernel requires for PCI "
                              "devices (add e.g. vendor-id = <0x8086>; device-id = <0x1572>;)",
                              dev->name, list);
          g_ptr_array_unref (missing);
          return;
        }
      g_ptr_array_unref (missing);
    }
  else if (dev->device_name == NULL)
    {
      kerf_model_problem (problems, dev->loc,
                          "platform device %s lacks device-name, which the kernel requires",
                          dev->name);
      return;
    }
  if (kerf_dt_node_get_child (devices, node_name) != NULL)
    {
      kerf_model_problem (problems, dev->loc, "two devices share the node name %s", node_name);
      return;
    }

  node = kerf_dt_node_ensure_child (devices, node_name, KERF_LOC_NONE);
  kerf_dt_node_set_string (node, "device-type", type, KERF_LOC_NONE);
  if (strcmp (type, "pci") == 0)
    {
      kerf_dt_node_set_string (node, "pci-id", dev->pci_id, KERF_LOC_NONE);
      kerf_dt_node_set_u32 (node, "vendor-id", dev->vendor_id, KERF_LOC_NONE);
      kerf_dt_node_set_u32 (node, "device-id", dev->device_id, KERF_LOC_NONE);
    }
  else
    kerf_dt_node_set_string (node, "device-name", dev->device_name, KERF_LOC_NONE);

  path = kerf_dt_node_path (node);
  if (kerf_model_is_prop_name (dev->name) && kerf_dt_node_get_prop (aliases, dev->name) == NULL)
    kerf_dt_node_set_string (aliases, dev->name, path, KERF_LOC_NONE);
}

KerfDtTree *
kerf_model_to_kernel_baseline (const KerfModel *model, GError **error)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  const KerfResources *res = model->resources;
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GArray) chunks = NULL;
  KerfDtNode *resources, *devices, *aliases;

  if (res == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "cannot write the kernel baseline: %s describes no /resources",
                   model->source_name ? model->source_name : "the input");
      return NULL;
    }

  tree->dialect = KERF_DT_DIALECT_DTS_V1;
  kerf_dt_node_set_string (tree->root, "compatible", "multikernel-v1", KERF_LOC_NONE);
  resources = kerf_dt_node_ensure_child (tree->root, "resources", KERF_LOC_NONE);

  if (res->available_cpus->len == 0)
    kerf_model_problem (problems, res->available_cpus_loc, "the pool has no CPUs");
  kerf_model_set_id_list (resources, "cpus", res->available_cpus, TRUE);

  chunks = kerf_resources_pool_chunks (res);
  if (chunks->len == 0)
    kerf_model_problem (problems, res->pool_bytes_loc,
                        "the memory pool holds no whole 4 KiB page (0x%" G_GINT64_MODIFIER
                        "x bytes at 0x%" G_GINT64_MODIFIER "x)", res->pool_bytes, res->pool_base);
  for (guint i = 0; i < chunks->len; i++)
    {
      const KerfPoolChunk *c = &g_array_index (chunks, KerfPoolChunk, i);
      g_autofree char *name = g_strdup_printf ("memory@%x", i);
      KerfDtNode *mem = kerf_dt_node_ensure_child (resources, name, KERF_LOC_NONE);
      kerf_dt_node_set_u64 (mem, "size", c->size, KERF_LOC_NONE);
      if (c->numa_node >= 0)
        kerf_dt_node_set_u32 (mem, "numa-node-id", (guint32) c->numa_node, KERF_LOC_NONE);
    }

  /* attached from the start: the aliases hold the devices' full paths */
  devices = kerf_dt_node_ensure_child (resources, "devices", KERF_LOC_NONE);
  aliases = kerf_dt_node_ensure_child (tree->root, "aliases", KERF_LOC_NONE);
  for (guint i = 0; i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);
      if (!dev->host_reserved)  /* the host keeps those */
        kerf_model_write_kernel_device (dev, devices, aliases, problems);
    }
  if (devices->children->len == 0)
    kerf_dt_node_remove_child (resources, devices);
  if (aliases->props->len == 0)
    kerf_dt_node_remove_child (tree->root, aliases);

  if (problems->len > 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_VALIDATION_FAILED,
                   "cannot write the kernel baseline:%s", problems->str);
      return NULL;
    }
  return g_steal_pointer (&tree);
}

/* ---- state tree ----------------------------------------------------- */

typedef struct {
  KerfDtTree *tree;
  GHashTable *device_nodes;  /* device name -> KerfDtNode */
  GHashTable *ref_nodes;     /* ref name -> KerfDtNode */
  guint32     next_phandle;
} KerfStateWriter;

static guint32
kerf_state_phandle (KerfStateWriter *w, KerfDtNode *node)
{
  if (node->phandle == 0)
    node->phandle = ++w->next_phandle;
  return node->phandle;
}

/* `<&label>` (or `<&{/path}>` for a node without a label) as a resolved
 * phandle cell with its reference mark, so both the DTB writer and the DTS
 * printer have what they need. */
static void
kerf_state_set_refs (KerfStateWriter *w, KerfDtNode *node, const char *name,
                     KerfDtNode *const *targets, guint n)
{
  g_autofree guint32 *cells = g_new (guint32, n + 1);
  KerfDtProp *prop;

  for (guint i = 0; i < n; i++)
    cells[i] = kerf_state_phandle (w, targets[i]);
  prop = kerf_dt_node_set_u32_array (node, name, cells, n, KERF_LOC_NONE);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = NULL;
      const char *ref;
      if (targets[i]->labels->len > 0)
        ref = g_ptr_array_index (targets[i]->labels, 0);
      else
        ref = path = kerf_dt_node_path (targets[i]);
      kerf_dt_prop_add_mark (prop, KERF_DT_MARK_REF_PHANDLE, i * 4, ref, KERF_LOC_NONE);
    }
}

/* `base` made unique among the children of `parent` and valid as a node name. */
static char *
kerf_state_node_name (const KerfDtNode *parent, const char *base, const char *unit)
{
  g_autofree char *clean = g_strdup (base);
  char *name;

  g_strdelimit (clean, "@/ ", '-');
  name = unit ? g_strdup_printf ("%s@%s", clean, unit) : g_strdup (clean);
  for (guint n = 1; kerf_dt_node_get_child (parent, name) != NULL; n++)
    {
      g_free (name);
      name = unit ? g_strdup_printf ("%s-%u@%s", clean, n, unit) : g_strdup_printf ("%s-%u", clean, n);
    }
  return name;
}

static void
kerf_state_write_device (KerfStateWriter *w, KerfDtNode *devices, const KerfDevice *dev)
{
  g_autofree char *node_name = NULL;
  KerfDtNode *node;

  if (dev->node_name != NULL && kerf_dt_node_get_child (devices, dev->node_name) == NULL)
    node_name = g_strdup (dev->node_name);
  else
    node_name = kerf_state_node_name (devices, dev->node_name ? dev->node_name : dev->name, NULL);
  node = kerf_dt_node_ensure_child (devices, node_name, dev->loc);
  /* The label carries the stable name; a name that cannot be a label must
   * then be the node name itself, so it reads back the same. */
  if (kerf_model_is_label (dev->name))
    kerf_dt_node_add_label (node, dev->name);
  else if (strcmp (node_name, dev->name) != 0 && kerf_dt_node_get_child (devices, dev->name) == NULL)
    {
      g_free (node->name);
      node->name = g_strdup (dev->name);
    }
  g_hash_table_insert (w->device_nodes, g_strdup (dev->name), node);

  if (dev->compatible)
    kerf_dt_node_set_string (node, "compatible", dev->compatible, KERF_LOC_NONE);
  if (dev->device_type)
    kerf_dt_node_set_string (node, "device-type", dev->device_type, KERF_LOC_NONE);
  if (dev->device_name)
    kerf_dt_node_set_string (node, "device-name", dev->device_name, KERF_LOC_NONE);
  if (dev->pci_id)
    kerf_dt_node_set_string (node, "pci-id", dev->pci_id, KERF_LOC_NONE);
  if (dev->has_vendor_id)
    kerf_dt_node_set_u32 (node, "vendor-id", dev->vendor_id, KERF_LOC_NONE);
  if (dev->has_device_id)
    kerf_dt_node_set_u32 (node, "device-id", dev->device_id, KERF_LOC_NONE);
  if (dev->numa_node >= 0)
    kerf_dt_node_set_u32 (node, "numa-node", (guint32) dev->numa_node, KERF_LOC_NONE);
  if (dev->sriov_vfs > 0)
    kerf_dt_node_set_u32 (node, "sriov-vfs", dev->sriov_vfs, KERF_LOC_NONE);
  if (dev->host_reserved_vfs->len > 0)
    kerf_model_set_id_list (node, "host-reserved-vf", dev->host_reserved_vfs, FALSE);
  if (dev->available_vfs->len > 0)
    kerf_model_set_id_list (node, "available-vfs", dev->available_vfs, FALSE);
  if (dev->namespaces > 0)
    kerf_dt_node_set_u32 (node, "namespaces", dev->namespaces, KERF_LOC_NONE);
  if (dev->host_reserved_ns->len > 0)
    kerf_model_set_id_list (node, "host-reserved-ns", dev->host_reserved_ns, FALSE);
  if (dev->available_ns->len > 0)
    kerf_model_set_id_list (node, "available-ns", dev->available_ns, FALSE);
  if (dev->host_reserved)
    kerf_dt_node_set_empty (node, "host-reserved", KERF_LOC_NONE);
}

static void
kerf_state_write_resources (KerfStateWriter *w, const KerfResources *res)
{
  KerfDtNode *resources = kerf_dt_node_ensure_child (w->tree->root, "resources", KERF_LOC_NONE);
  KerfDtNode *cpus = kerf_dt_node_ensure_child (resources, "cpus", res->cpus_loc);
  KerfDtNode *memory = kerf_dt_node_ensure_child (resources, "memory", res->memory_loc);

  kerf_dt_node_set_u32 (cpus, "total", res->total_cpus, res->total_cpus_loc);
  if (res->host_reserved_cpus->len > 0)
    kerf_model_set_id_list (cpus, "host-reserved", res->host_reserved_cpus, FALSE);
  kerf_model_set_id_list (cpus, "available", res->available_cpus, FALSE);

  kerf_dt_node_set_u64 (memory, "total-bytes", res->total_bytes, KERF_LOC_NONE);
  kerf_dt_node_set_u64 (memory, "host-reserved-bytes", res->host_reserved_bytes, KERF_LOC_NONE);
  kerf_dt_node_set_u64 (memory, "memory-pool-base", res->pool_base, KERF_LOC_NONE);
  kerf_dt_node_set_u64 (memory, "memory-pool-bytes", res->pool_bytes, KERF_LOC_NONE);

  if (res->devices->len > 0)
    {
      KerfDtNode *devices = kerf_dt_node_ensure_child (resources, "devices", KERF_LOC_NONE);
      KerfDtNode *aliases = kerf_dt_node_ensure_child (w->tree->root, "aliases", KERF_LOC_NONE);
      for (guint i = 0; i < res->devices->len; i++)
        {
          const KerfDevice *dev = g_ptr_array_index (res->devices, i);
          KerfDtNode *node;
          g_autofree char *path = NULL;
          kerf_state_write_device (w, devices, dev);
          /* Labels do not survive a DTB (no __symbols__); aliases do, so
           * the names read back the same from either form. */
          node = g_hash_table_lookup (w->device_nodes, dev->name);
          path = kerf_dt_node_path (node);
          if (kerf_model_is_prop_name (dev->name) && kerf_dt_node_get_prop (aliases, dev->name) == NULL)
            kerf_dt_node_set_string (aliases, dev->name, path, KERF_LOC_NONE);
        }
      if (aliases->props->len == 0)
        kerf_dt_node_remove_child (w->tree->root, aliases);
    }

  if (res->numa_nodes->len > 0)
    {
      KerfDtNode *topo = kerf_dt_node_ensure_child (resources, "topology", res->topology_loc);
      KerfDtNode *numa = kerf_dt_node_ensure_child (topo, "numa-nodes", KERF_LOC_NONE);
      for (guint i = 0; i < res->numa_nodes->len; i++)
        {
          const KerfNumaNode *n = g_ptr_array_index (res->numa_nodes, i);
          g_autofree char *name = g_strdup_printf ("node@%x", n->id);
          KerfDtNode *node = kerf_dt_node_ensure_child (numa, name, n->loc);
          kerf_dt_node_set_u32 (node, "node-id", n->id, KERF_LOC_NONE);
          kerf_dt_node_set_u64 (node, "memory-base", n->memory_base, KERF_LOC_NONE);
          kerf_dt_node_set_u64 (node, "memory-size", n->memory_size, KERF_LOC_NONE);
          kerf_model_set_id_list (node, "cpus", n->cpus, FALSE);
          if (n->distances->len > 0)
            kerf_model_set_id_list (node, "distance-matrix", n->distances, FALSE);
        }
    }
}

static void
kerf_state_write_ref (KerfStateWriter *w, KerfDtNode *refs, const KerfDeviceRef *ref)
{
  g_autofree char *unit = NULL, *base = NULL, *name = NULL;
  KerfDtNode *node, *parent;

  if (ref->kind == KERF_DEVICE_REF_WHOLE || g_hash_table_contains (w->ref_nodes, ref->name))
    return;
  unit = g_strdup_printf ("%x", ref->index);
  base = g_strdup_printf ("%s-%s", ref->device, ref->kind == KERF_DEVICE_REF_VF ? "vf" : "ns");
  name = kerf_state_node_name (refs, base, unit);
  node = kerf_dt_node_ensure_child (refs, name, ref->loc);
  if (kerf_model_is_label (ref->name))
    kerf_dt_node_add_label (node, ref->name);

  parent = g_hash_table_lookup (w->device_nodes, ref->device);
  if (parent != NULL)
    kerf_state_set_refs (w, node, "parent", &parent, 1);
  else  /* a dangling reference stays visible (the validator reports it) */
    kerf_dt_node_set_string (node, "parent", ref->device, KERF_LOC_NONE);
  kerf_dt_node_set_u32 (node, ref->kind == KERF_DEVICE_REF_VF ? "vf-id" : "namespace-id",
                        ref->index, KERF_LOC_NONE);
  g_hash_table_insert (w->ref_nodes, g_strdup (ref->name), node);
}

static void
kerf_state_write_instance (KerfStateWriter *w, KerfDtNode *instances, const KerfInstance *inst)
{
  KerfDtNode *node = kerf_dt_node_ensure_child (instances, inst->name, inst->loc);
  KerfDtNode *res = kerf_dt_node_ensure_child (node, "resources", KERF_LOC_NONE);
  const char *s;

  if (inst->id != 0)
    kerf_dt_node_set_u32 (node, "id", inst->id, inst->id_loc);
  kerf_model_set_id_list (res, "cpus", inst->cpus, FALSE);
  kerf_dt_node_set_u64 (res, "memory-base", inst->memory_base, KERF_LOC_NONE);
  kerf_dt_node_set_u64 (res, "memory-bytes", inst->memory_bytes, KERF_LOC_NONE);

  if (inst->devices->len > 0)
    {
      g_autofree KerfDtNode **targets = g_new0 (KerfDtNode *, inst->devices->len);
      gboolean all = TRUE;
      for (guint i = 0; i < inst->devices->len; i++)
        {
          const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, i);
          targets[i] = g_hash_table_lookup (ref->kind == KERF_DEVICE_REF_WHOLE ? w->device_nodes
                                                                                : w->ref_nodes,
                                            ref->kind == KERF_DEVICE_REF_WHOLE ? ref->device
                                                                                : ref->name);
          all &= targets[i] != NULL;
        }
      if (all)
        kerf_state_set_refs (w, res, "devices", targets, inst->devices->len);
      else
        {
          /* Something names a device the inventory lacks: phandles cannot
           * say that, names can (and the validator reports it). */
          g_autofree const char **names = g_new0 (const char *, inst->devices->len + 1);
          for (guint i = 0; i < inst->devices->len; i++)
            names[i] = ((const KerfDeviceRef *) g_ptr_array_index (inst->devices, i))->name;
          kerf_dt_node_set_string_list (res, "device-names", names, KERF_LOC_NONE);
        }
    }
  if (inst->numa_nodes->len > 0)
    kerf_model_set_id_list (res, "numa-nodes", inst->numa_nodes, FALSE);
  if ((s = kerf_cpu_affinity_to_string (inst->cpu_affinity)) != NULL)
    kerf_dt_node_set_string (res, "cpu-affinity", s, KERF_LOC_NONE);
  if ((s = kerf_memory_policy_to_string (inst->memory_policy)) != NULL)
    kerf_dt_node_set_string (res, "memory-policy", s, KERF_LOC_NONE);
}

KerfDtTree *
kerf_model_to_state_tree (const KerfModel *model)
{
  KerfStateWriter w = { kerf_dt_tree_new (), NULL, NULL, 0 };

  w.device_nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.ref_nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w.tree->dialect = KERF_DT_DIALECT_MULTIKERNEL_V1;
  kerf_dt_node_set_string (w.tree->root, "compatible", "linux,multikernel-host", KERF_LOC_NONE);

  if (model->resources != NULL)
    kerf_state_write_resources (&w, model->resources);

  /* /device-references: the model's own, plus the VFs and namespaces the
   * instances use, so every instance device is a phandle. */
  {
    g_autoptr (KerfDtNode) refs = kerf_dt_node_new ("device-references", KERF_LOC_NONE);
    for (guint i = 0; i < model->device_refs->len; i++)
      kerf_state_write_ref (&w, refs, g_ptr_array_index (model->device_refs, i));
    for (guint i = 0; i < model->instances->len; i++)
      {
        const KerfInstance *inst = g_ptr_array_index (model->instances, i);
        for (guint j = 0; j < inst->devices->len; j++)
          kerf_state_write_ref (&w, refs, g_ptr_array_index (inst->devices, j));
      }
    if (refs->children->len > 0)
      kerf_dt_node_add_child (w.tree->root, g_steal_pointer (&refs));
  }

  if (model->instances->len > 0)
    {
      KerfDtNode *instances = kerf_dt_node_ensure_child (w.tree->root, "instances", KERF_LOC_NONE);
      for (guint i = 0; i < model->instances->len; i++)
        kerf_state_write_instance (&w, instances, g_ptr_array_index (model->instances, i));
    }

  g_hash_table_unref (w.device_nodes);
  g_hash_table_unref (w.ref_nodes);
  return w.tree;
}
