/* kerf-model-read.c — the three baseline schemas into one model.
 *
 *   nested  (seed, canonical)  /resources/cpus{...}, /resources/memory{...}
 *   flat    (Python kerf)      /resources{cpus; memory-base; memory-bytes}
 *   kernel  (kernel-abi.md)    /resources{cpus (u64); memory@N{size|reg; numa-node-id}}
 *                              plus the pool tree's cpus-available, pci@… and /aliases
 *
 * The schema is detected from the shape of /resources (nodes versus
 * properties), never from value lengths.  Only the schema is checked here;
 * the resource rules are the validator's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-model-private.h"

/* ---- shared pieces -------------------------------------------------- */

static gint
kerf_model_numa_cmp (gconstpointer a, gconstpointer b)
{
  const KerfNumaNode *x = *(KerfNumaNode *const *) a, *y = *(KerfNumaNode *const *) b;

  return x->id < y->id ? -1 : x->id > y->id;
}

void
kerf_model_read_topology (KerfModelReader *r, const KerfDtNode *topology, KerfResources *res)
{
  const KerfDtNode *numa = kerf_dt_node_get_child (topology, "numa-nodes");

  res->topology_loc = topology->loc;
  if (numa == NULL)
    {
      kerf_model_read_error (r, topology->loc, "add numa-nodes { node@0 { ... }; };",
                             "topology has no numa-nodes node");
      return;
    }
  for (guint i = 0; i < numa->children->len; i++)
    {
      const KerfDtNode *child = g_ptr_array_index (numa->children, i);
      const char *unit = kerf_dt_node_unit (child);
      g_autoptr (KerfNumaNode) node = kerf_numa_node_new (0);
      guint32 id;
      KerfLoc id_loc;

      node->loc = child->loc;
      if (kerf_model_read_u32 (r, child, "node-id", FALSE, &id, &id_loc))
        {
          node->id = id;
          if (unit != NULL && strtoul (unit, NULL, 16) != id)
            kerf_model_read_warning (r, id_loc, NULL,
                                     "node-id = <%u> does not match the unit address of %s",
                                     id, child->name);
        }
      else if (kerf_dt_node_get_prop (child, "node-id") != NULL)
        continue;  /* malformed: already reported */
      else if (unit != NULL && unit[0] != '\0' && strspn (unit, "0123456789abcdefABCDEF") == strlen (unit))
        node->id = (guint32) strtoul (unit, NULL, 16);
      else
        {
          kerf_model_read_error (r, child->loc, "add node-id = <N>;",
                                 "NUMA node %s has neither node-id nor a unit address",
                                 child->name);
          continue;
        }

      if (kerf_resources_find_numa_node (res, node->id) != NULL)
        {
          kerf_model_read_error (r, child->loc, "give every NUMA node its own node-id",
                                 "NUMA node %u is described twice", node->id);
          continue;
        }
      kerf_model_read_number (r, child, "memory-base", TRUE, &node->memory_base, NULL);
      kerf_model_read_number (r, child, "memory-size", TRUE, &node->memory_size, NULL);
      kerf_model_read_id_list (r, child, "cpus", FALSE, FALSE, "CPU", node->cpus, NULL);
      if (kerf_dt_node_get_prop (child, "distance-matrix") != NULL)
        {
          KerfDtProp *prop = kerf_dt_node_get_prop (child, "distance-matrix");
          if (prop->value->len % 4 != 0)
            kerf_model_read_error (r, prop->loc, NULL,
                                   "'distance-matrix' must be 32-bit cells, not %u bytes",
                                   prop->value->len);
          else
            for (gsize j = 0; j < kerf_dt_prop_n_u32 (prop); j++)
              {
                guint32 d = 0;
                kerf_dt_prop_get_u32 (prop, j, &d);
                g_array_append_val (node->distances, d);
              }
        }
      g_ptr_array_add (res->numa_nodes, g_steal_pointer (&node));
    }
  g_ptr_array_sort (res->numa_nodes, kerf_model_numa_cmp);
}

/* Host CPUs of the flat and kernel forms: they list only the pool, so
 * every id below the largest pool id that is not in the pool is the host's
 * (what the Python tool derives for `init --cpus`). */
static void
kerf_model_derive_host_cpus (KerfResources *res)
{
  guint32 max = 0;
  guint j = 0;

  if (res->available_cpus->len == 0)
    return;
  max = g_array_index (res->available_cpus, guint32, res->available_cpus->len - 1);
  res->total_cpus = max + 1;
  for (guint32 cpu = 0; cpu < max; cpu++)
    {
      while (j < res->available_cpus->len && g_array_index (res->available_cpus, guint32, j) < cpu)
        j++;
      if (j < res->available_cpus->len && g_array_index (res->available_cpus, guint32, j) == cpu)
        continue;
      g_array_append_val (res->host_reserved_cpus, cpu);
    }
}

/* ---- nested (seed) -------------------------------------------------- */

static KerfResources *
kerf_model_read_nested (KerfModelReader *r, const KerfDtNode *resources)
{
  KerfResources *res = kerf_resources_new ();
  const KerfDtNode *cpus = kerf_dt_node_get_child (resources, "cpus");
  const KerfDtNode *memory = kerf_dt_node_get_child (resources, "memory");
  const KerfDtNode *child;

  if (cpus == NULL)
    kerf_model_read_error (r, resources->loc,
                           "add cpus { total = <N>; host-reserved = <...>; available = <...>; };",
                           "/resources lacks the cpus node");
  else
    {
      res->cpus_loc = cpus->loc;
      kerf_model_read_u32 (r, cpus, "total", TRUE, &res->total_cpus, &res->total_cpus_loc);
      kerf_model_read_id_list (r, cpus, "host-reserved", FALSE, FALSE, "CPU",
                               res->host_reserved_cpus, &res->host_reserved_cpus_loc);
      kerf_model_read_id_list (r, cpus, "available", TRUE, FALSE, "CPU",
                               res->available_cpus, &res->available_cpus_loc);
    }

  if (memory == NULL)
    kerf_model_read_error (r, resources->loc,
                           "add memory { total-bytes; host-reserved-bytes; memory-pool-base; "
                           "memory-pool-bytes; };",
                           "/resources lacks the memory node");
  else
    {
      res->memory_loc = memory->loc;
      kerf_model_read_number (r, memory, "total-bytes", TRUE, &res->total_bytes,
                              &res->total_bytes_loc);
      if (!kerf_model_read_number (r, memory, "host-reserved-bytes", FALSE,
                                   &res->host_reserved_bytes, &res->host_reserved_bytes_loc))
        res->host_reserved_bytes = 0;
      kerf_model_read_number (r, memory, "memory-pool-base", TRUE, &res->pool_base,
                              &res->pool_base_loc);
      kerf_model_read_number (r, memory, "memory-pool-bytes", TRUE, &res->pool_bytes,
                              &res->pool_bytes_loc);
    }

  if ((child = kerf_dt_node_get_child (resources, "devices")) != NULL)
    kerf_model_read_devices (r, child, res);
  if ((child = kerf_dt_node_get_child (resources, "topology")) != NULL)
    kerf_model_read_topology (r, child, res);
  return res;
}

/* ---- flat (Python kerf) --------------------------------------------- */

static KerfResources *
kerf_model_read_flat (KerfModelReader *r, const KerfDtNode *resources)
{
  KerfResources *res = kerf_resources_new ();
  const KerfDtNode *child;
  gboolean u64 = (r->flags & KERF_MODEL_READ_FROM_BLOB) != 0;

  res->cpus_loc = res->memory_loc = resources->loc;
  kerf_model_read_id_list (r, resources, "cpus", TRUE, u64, "CPU",
                           res->available_cpus, &res->available_cpus_loc);
  res->total_cpus_loc = res->host_reserved_cpus_loc = res->available_cpus_loc;
  kerf_model_derive_host_cpus (res);

  kerf_model_read_number (r, resources, "memory-base", TRUE, &res->pool_base, &res->pool_base_loc);
  kerf_model_read_number (r, resources, "memory-bytes", TRUE, &res->pool_bytes,
                          &res->pool_bytes_loc);
  /* The flat form has no inventory beyond the pool: everything below it
   * is the host's (the Python tool's reading). */
  res->total_bytes = res->pool_base + res->pool_bytes;
  res->host_reserved_bytes = res->pool_base;
  res->total_bytes_loc = res->pool_bytes_loc;
  res->host_reserved_bytes_loc = res->pool_base_loc;

  if ((child = kerf_dt_node_get_child (resources, "devices")) != NULL)
    kerf_model_read_devices (r, child, res);
  if ((child = kerf_dt_node_get_child (resources, "topology")) != NULL)
    kerf_model_read_topology (r, child, res);
  return res;
}

/* ---- kernel baseline / pool tree ------------------------------------ */

void
kerf_model_read_aliases (KerfModelReader *r)
{
  const KerfDtNode *aliases = kerf_dt_tree_lookup_path (r->tree, "/aliases");

  if (aliases == NULL)
    return;
  r->alias_of_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < aliases->props->len; i++)
    {
      const KerfDtProp *prop = g_ptr_array_index (aliases->props, i);
      const char *path = kerf_dt_prop_get_string (prop);
      if (path == NULL || path[0] != '/')
        {
          kerf_model_read_warning (r, prop->loc, NULL,
                                   "alias '%s' is not a path string; ignored", prop->name);
          continue;
        }
      if (!g_hash_table_contains (r->alias_of_path, path))
        g_hash_table_insert (r->alias_of_path, g_strdup (path), g_strdup (prop->name));
    }
}

/* Free PCI devices of the pool tree sit under pci@… host-bridge nodes. */
static void
kerf_model_read_pci_bridges (KerfModelReader *r, const KerfDtNode *node, KerfResources *res)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      const KerfDtNode *child = g_ptr_array_index (node->children, i);
      if (kerf_dt_node_get_prop (child, "pci-id") != NULL)
        {
          KerfDevice *dev = kerf_model_read_device (r, child);
          if (dev == NULL)
            continue;
          if (dev->device_type == NULL)
            dev->device_type = g_strdup ("pci");
          if (kerf_resources_find_device (res, dev->name) != NULL
              || kerf_resources_find_device_by_pci_id (res, dev->pci_id) != NULL)
            kerf_device_free (dev);  /* also listed under /resources/devices */
          else
            g_ptr_array_add (res->devices, dev);
        }
      else
        kerf_model_read_pci_bridges (r, child, res);
    }
}

static KerfResources *
kerf_model_read_kernel (KerfModelReader *r, const KerfDtNode *resources)
{
  KerfResources *res = kerf_resources_new ();
  const KerfDtNode *child;
  gboolean have_base = FALSE, have_chunk = FALSE;
  guint64 end = 0;

  res->cpus_loc = res->memory_loc = resources->loc;
  kerf_model_read_id_list (r, resources, "cpus", TRUE, TRUE, "CPU",
                           res->available_cpus, &res->available_cpus_loc);
  res->total_cpus_loc = res->host_reserved_cpus_loc = res->available_cpus_loc;
  kerf_model_derive_host_cpus (res);
  if (kerf_dt_node_get_prop (resources, "cpus-available") != NULL)
    {
      /* checked for shape only: which CPUs are free is the daemon's concern */
      g_autoptr (GArray) free_cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
      kerf_model_read_id_list (r, resources, "cpus-available", FALSE, TRUE, "CPU",
                               free_cpus, NULL);
    }

  for (guint i = 0; i < resources->children->len; i++)
    {
      const KerfDtNode *chunk = g_ptr_array_index (resources->children, i);
      g_autofree char *base_name = kerf_dt_node_basename (chunk);
      KerfDtProp *reg;
      guint64 base = 0, size = 0;
      guint32 node_id;

      if (strcmp (base_name, "memory") != 0)
        continue;
      if (!have_chunk)
        res->memory_loc = chunk->loc;
      have_chunk = TRUE;
      reg = kerf_dt_node_get_prop (chunk, "reg");
      if (reg != NULL)
        {
          guint32 c[4];
          if (reg->value->len != 16 || !kerf_dt_prop_get_u32 (reg, 0, &c[0])
              || !kerf_dt_prop_get_u32 (reg, 1, &c[1]) || !kerf_dt_prop_get_u32 (reg, 2, &c[2])
              || !kerf_dt_prop_get_u32 (reg, 3, &c[3]))
            {
              kerf_model_read_error (r, reg->loc, "write reg = <base-hi base-lo size-hi size-lo>;",
                                     "'reg' of %s must be a 64-bit base and a 64-bit size "
                                     "(16 bytes), not %u bytes", chunk->name, reg->value->len);
              continue;
            }
          base = ((guint64) c[0] << 32) | c[1];
          size = ((guint64) c[2] << 32) | c[3];
          if (!have_base || base < res->pool_base)
            {
              res->pool_base = base;
              res->pool_base_loc = reg->loc;
            }
          have_base = TRUE;
        }
      else if (!kerf_model_read_number (r, chunk, "size", TRUE, &size, NULL))
        continue;
      if (kerf_dt_node_get_prop (chunk, "numa-node-id") == NULL
          || !kerf_model_read_u32 (r, chunk, "numa-node-id", FALSE, &node_id, NULL))
        node_id = G_MAXUINT32;
      if (reg != NULL)
        {
          /* placed by the kernel: instances must stay inside one chunk */
          KerfPoolChunk placed = { base, size, node_id > G_MAXINT32 ? -1 : (gint32) node_id };
          g_array_append_val (res->pool_chunks, placed);
        }
      res->pool_bytes += size;
      res->pool_bytes_loc = chunk->loc;
      end = MAX (end, base + size);
    }
  if (!have_chunk)
    kerf_model_read_error (r, resources->loc, "add memory@0 { size = <0x3 0x80000000>; };",
                           "/resources has no memory@N pool chunk");
  /* The kernel form describes only the pool: what lies below it is the
   * host's.  Without a reg the kernel has not placed the pool yet. */
  res->total_bytes = have_base ? end : res->pool_bytes;
  res->host_reserved_bytes = res->pool_base;
  res->total_bytes_loc = res->pool_bytes_loc;
  res->host_reserved_bytes_loc = res->pool_base_loc;

  if ((child = kerf_dt_node_get_child (resources, "devices")) != NULL)
    kerf_model_read_devices (r, child, res);
  for (guint i = 0; i < r->tree->root->children->len; i++)
    {
      const KerfDtNode *bridge = g_ptr_array_index (r->tree->root->children, i);
      if (g_str_has_prefix (bridge->name, "pci@"))
        kerf_model_read_pci_bridges (r, bridge, res);
    }
  if ((child = kerf_dt_node_get_child (resources, "topology")) != NULL)
    kerf_model_read_topology (r, child, res);
  return res;
}

/* ---- detection and the entry points --------------------------------- */

static gboolean
kerf_model_has_memory_chunk (const KerfDtNode *resources)
{
  for (guint i = 0; i < resources->children->len; i++)
    if (g_str_has_prefix (((KerfDtNode *) g_ptr_array_index (resources->children, i))->name,
                          "memory@"))
      return TRUE;
  return FALSE;
}

static gboolean
kerf_model_detect_schema (KerfModelReader *r, const KerfDtNode *resources, KerfSchema *out)
{
  gboolean nested = kerf_dt_node_get_child (resources, "cpus") != NULL
                    || kerf_dt_node_get_child (resources, "memory") != NULL;
  gboolean flat = kerf_dt_node_get_prop (resources, "memory-base") != NULL
                  || kerf_dt_node_get_prop (resources, "memory-bytes") != NULL;
  gboolean kernel = kerf_model_has_memory_chunk (resources)
                    || kerf_dt_node_get_prop (resources, "cpus-available") != NULL;
  const KerfDtProp *compat = kerf_dt_node_get_prop (r->tree->root, "compatible");
  const char *root_compat = compat ? kerf_dt_prop_get_string (compat) : NULL;

  if (nested + flat + kernel > 1)
    {
      const char *first = nested ? "nested" : "flat";
      const char *second = kernel ? "kernel" : "flat";
      kerf_model_read_error (r, resources->loc,
                             "use one form: cpus { ... }; memory { ... }; (nested), "
                             "memory-base/memory-bytes (flat) or memory@N { size; } (kernel)",
                             "/resources mixes the %s and %s schemas", first, second);
      return FALSE;
    }
  if (nested)
    *out = KERF_SCHEMA_NESTED;
  else if (flat)
    *out = KERF_SCHEMA_FLAT;
  else if (kernel || g_strcmp0 (root_compat, "multikernel-v1") == 0)
    *out = KERF_SCHEMA_KERNEL;
  else if (kerf_dt_node_get_prop (resources, "cpus") != NULL)
    *out = KERF_SCHEMA_FLAT;  /* and its reader reports the missing memory */
  else
    {
      kerf_model_read_error (r, resources->loc,
                             "describe the CPUs: cpus { total = <N>; available = <...>; };",
                             "/resources describes no CPUs (neither a cpus node nor a cpus "
                             "property)");
      return FALSE;
    }
  return TRUE;
}

KerfModel *
kerf_model_from_tree_full (const KerfDtTree *tree, KerfModelReadFlags flags, KerfDiagList *diags)
{
  KerfModelReader r = { tree, flags, diags, NULL, NULL, FALSE, 0, NULL };
  g_autoptr (KerfModel) model = kerf_model_new ();
  const KerfDtNode *resources = kerf_dt_tree_lookup_path (tree, "/resources");

  g_return_val_if_fail (tree != NULL && diags != NULL, NULL);

  r.model = model;
  model->source_name = g_strdup (tree->root->loc.file);
  kerf_model_read_aliases (&r);
  if (resources != NULL)
    {
      KerfSchema schema;
      if (!kerf_model_detect_schema (&r, resources, &schema))
        return NULL;
      model->schema = schema;
      r.alias_first = schema == KERF_SCHEMA_KERNEL;
      switch (schema)
        {
        case KERF_SCHEMA_NESTED:
          model->resources = kerf_model_read_nested (&r, resources);
          break;
        case KERF_SCHEMA_FLAT:
          model->resources = kerf_model_read_flat (&r, resources);
          break;
        case KERF_SCHEMA_KERNEL:
        default:
          model->resources = kerf_model_read_kernel (&r, resources);
          break;
        }
    }

  kerf_model_read_device_refs (&r);
  kerf_model_read_instances (&r, model->schema == KERF_SCHEMA_KERNEL
                                 || (model->schema == KERF_SCHEMA_FLAT
                                     && (flags & KERF_MODEL_READ_FROM_BLOB)));
  g_clear_pointer (&r.alias_of_path, g_hash_table_unref);
  g_clear_pointer (&r.ref_of_node, g_hash_table_unref);

  if (r.n_errors > 0)
    return NULL;
  return g_steal_pointer (&model);
}

KerfModel *
kerf_model_from_tree (const KerfDtTree *tree, KerfDiagList *diags)
{
  return kerf_model_from_tree_full (tree, KERF_MODEL_READ_NONE, diags);
}
