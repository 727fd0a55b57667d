/* kerf-overlay-pool-reset.c — emptying the pool and filling an empty one.
 *
 * The kernel takes its baseline once and cannot forget it, so a reset is a
 * /resources transaction that hands everything back to the host, and the
 * next baseline refills the pool the same way.  Both are built from device
 * trees rather than from a model: the reset from the pool tree the kernel
 * reports (it must name exactly what the kernel holds), the refill from
 * the kernel baseline of the new model (chunk by chunk, with its NUMA
 * node, as the first baseline would have placed it).
 */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-overlay-private.h"

GArray *
kerf_overlay_pool_cpus_from_tree (const KerfDtTree *tree, GError **error)
{
  g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  KerfDtNode *res;
  KerfDtProp *prop;

  g_return_val_if_fail (tree != NULL, NULL);

  res = kerf_dt_tree_lookup_path (tree, "/resources");
  prop = res != NULL ? kerf_dt_node_get_prop (res, "cpus") : NULL;
  if (prop == NULL)
    return g_steal_pointer (&cpus);
  if (prop->value->len % 8 != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
                   "/resources cpus is %u bytes, not a list of u64 CPU ids", prop->value->len);
      return NULL;
    }
  for (guint i = 0; i < prop->value->len / 8; i++)
    {
      guint32 hi = 0, lo = 0;

      kerf_dt_prop_get_u32 (prop, 2 * i, &hi);
      kerf_dt_prop_get_u32 (prop, 2 * i + 1, &lo);
      if (hi != 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
                       "/resources cpus: CPU id 0x%x%08x is out of range", hi, lo);
          return NULL;
        }
      g_array_append_val (cpus, lo);
    }
  return kerf_overlay_u32_set (cpus);
}

/* Every pci-id string below `node`. */
static void
kerf_overlay_collect_pci_ids (const KerfDtNode *node, GPtrArray *out)
{
  const char *id = kerf_dt_prop_get_string (kerf_dt_node_get_prop (node, "pci-id"));

  if (id != NULL)
    g_ptr_array_add (out, (gpointer) id);
  for (guint i = 0; i < node->children->len; i++)
    kerf_overlay_collect_pci_ids (g_ptr_array_index (node->children, i), out);
}

KerfDtTree *
kerf_overlay_empty_pool (const KerfDtTree *pool_tree, GError **error)
{
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  g_autoptr(GPtrArray) pci_ids = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  KerfDtNode *overlay;

  g_return_val_if_fail (pool_tree != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((cpus = kerf_overlay_pool_cpus_from_tree (pool_tree, error)) == NULL
      || (chunks = kerf_overlay_pool_chunks_from_tree (pool_tree, error)) == NULL)
    return NULL;
  kerf_overlay_collect_pci_ids (pool_tree->root, found);
  pci_ids = kerf_overlay_str_minus (found, NULL);
  if (cpus->len == 0 && chunks->len == 0 && pci_ids->len == 0)
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "the pool is empty: nothing to give back to the host");
      return NULL;
    }

  tree = kerf_overlay_tree_new ();
  overlay = kerf_overlay_add_fragment (tree, "/resources");
  /* the pool fragment's order: cpu-remove, device-remove, memory-remove */
  kerf_overlay_add_cpu_items (overlay, "cpu-remove", cpus, NULL);
  kerf_overlay_add_pci_items (overlay, "device-remove", pci_ids, NULL);
  kerf_overlay_add_reg_items (overlay, "memory-remove",
                              (const KerfOverlayRange *) (gconstpointer) chunks->data,
                              chunks->len, NULL);
  return g_steal_pointer (&tree);
}

/* The /aliases name whose value is `path`, or NULL. */
static const char *
kerf_overlay_alias_of (const KerfDtTree *tree, const char *path)
{
  KerfDtNode *aliases = kerf_dt_tree_lookup_path (tree, "/aliases");

  for (guint i = 0; aliases != NULL && i < aliases->props->len; i++)
    {
      KerfDtProp *prop = g_ptr_array_index (aliases->props, i);

      if (g_strcmp0 (kerf_dt_prop_get_string (prop), path) == 0)
        return prop->name;
    }
  return NULL;
}

/* memory-add { memory@N { size; numa-node-id? } } for each memory chunk
 * of the baseline's /resources, in its order. */
static gboolean
kerf_overlay_add_fill_memory (KerfDtNode *overlay, const KerfDtNode *res, GError **error)
{
  KerfDtNode *op = NULL;

  for (guint i = 0; i < res->children->len; i++)
    {
      const KerfDtNode *chunk = g_ptr_array_index (res->children, i);
      g_autofree char *base = kerf_dt_node_basename (chunk);
      g_autofree char *name = NULL;
      KerfDtProp *numa = kerf_dt_node_get_prop (chunk, "numa-node-id");
      KerfDtNode *item;
      guint64 bytes = 0;
      guint32 node = 0;

      if (!g_str_equal (base, "memory"))
        continue;
      if (!kerf_dt_prop_get_number (kerf_dt_node_get_prop (chunk, "size"), &bytes) || bytes == 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "the kernel baseline's /resources/%s has no size", chunk->name);
          return FALSE;
        }
      if (!kerf_overlay_check_aligned ("pool chunk size", bytes, error))
        return FALSE;
      if (op == NULL)
        op = kerf_dt_node_ensure_child (overlay, "memory-add", KERF_LOC_NONE);
      name = g_strdup_printf ("memory@%u", op->children->len);
      item = kerf_dt_node_new (name, KERF_LOC_NONE);
      kerf_dt_node_set_u64 (item, "size", bytes, KERF_LOC_NONE);
      if (numa != NULL && kerf_dt_prop_get_u32 (numa, 0, &node))
        kerf_dt_node_set_u32 (item, "numa-node-id", node, KERF_LOC_NONE);
      kerf_dt_node_add_child (op, item);
    }
  return TRUE;
}

KerfDtTree *
kerf_overlay_fill_pool (const KerfDtTree *kernel_baseline, GError **error)
{
  g_autoptr(KerfDtTree) tree = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) pci_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) aliases = g_ptr_array_new_with_free_func (g_free);
  KerfDtNode *res, *devices, *overlay;

  g_return_val_if_fail (kernel_baseline != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  res = kerf_dt_tree_lookup_path (kernel_baseline, "/resources");
  if (res == NULL)
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "the kernel baseline has no /resources");
      return NULL;
    }
  if ((cpus = kerf_overlay_pool_cpus_from_tree (kernel_baseline, error)) == NULL)
    return NULL;
  devices = kerf_dt_node_get_child (res, "devices");
  for (guint i = 0; devices != NULL && i < devices->children->len; i++)
    {
      const KerfDtNode *dev = g_ptr_array_index (devices->children, i);
      const char *type = kerf_dt_prop_get_string (kerf_dt_node_get_prop (dev, "device-type"));
      const char *pci_id = kerf_dt_prop_get_string (kerf_dt_node_get_prop (dev, "pci-id"));
      g_autofree char *path = NULL;

      /* platform devices cannot move: they stay where the first baseline put them */
      if (g_strcmp0 (type, "pci") != 0 || pci_id == NULL)
        continue;
      path = kerf_dt_node_path (dev);
      g_ptr_array_add (pci_ids, g_strdup (pci_id));
      g_ptr_array_add (aliases, g_strdup (kerf_overlay_alias_of (kernel_baseline, path)));
    }

  tree = kerf_overlay_tree_new ();
  overlay = kerf_overlay_add_fragment (tree, "/resources");
  /* the pool fragment's order: memory-add, cpu-add, device-add */
  if (!kerf_overlay_add_fill_memory (overlay, res, error))
    return NULL;
  kerf_overlay_add_cpu_items (overlay, "cpu-add", cpus, NULL);
  kerf_overlay_add_pci_items (overlay, "device-add", pci_ids, aliases);
  if (overlay->children->len == 0)
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "the kernel baseline gives the pool nothing");
      return NULL;
    }
  return g_steal_pointer (&tree);
}
