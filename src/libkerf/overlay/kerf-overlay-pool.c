/* kerf-overlay-pool.c — the pool's transaction: grow or shrink its memory,
 * move CPUs and PCI devices between the host and the pool. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-error.h"
#include "kerf-overlay-private.h"

static gint
kerf_overlay_cmp_range (gconstpointer a, gconstpointer b)
{
  const KerfOverlayRange *x = a, *y = b;

  return x->base < y->base ? -1 : x->base > y->base;
}

/* PCI ids of the devices in the pool (not host-reserved), sorted. */
static GPtrArray *
kerf_overlay_pool_pci_ids (const KerfResources *res)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; res->devices != NULL && i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);

      if (dev->pci_id != NULL && !dev->host_reserved)
        g_ptr_array_add (ids, dev->pci_id);
    }
  return kerf_overlay_str_minus (ids, NULL);
}

/* A platform device cannot move at runtime (device-add/-remove items are
 * pci@N only), so a change of its place is refused rather than dropped. */
static gboolean
kerf_overlay_check_platform_devices (const KerfResources *old_res,
                                     const KerfResources *new_res,
                                     GError             **error)
{
  for (guint i = 0; new_res->devices != NULL && i < new_res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (new_res->devices, i);
      const KerfDevice *before;
      gboolean was_in_pool;

      if (dev->pci_id != NULL)
        continue;
      before = kerf_overlay_find_device (old_res, dev->name);
      was_in_pool = before != NULL && !before->host_reserved;
      if (was_in_pool != !dev->host_reserved)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "device '%s' is not a PCI device: it cannot move between "
                       "the host and the pool at runtime", dev->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Shrinks `chunks` (ascending base) by `shrink` bytes: whole chunks to
 * remove into `remove`, and the size to give back beyond `shrink` (0 when
 * the removed chunks add up exactly). */
static gboolean
kerf_overlay_pick_chunks (const GArray *chunks, guint64 shrink, GArray *remove,
                          guint64 *give_back, GError **error)
{
  guint64 removed = 0;

  *give_back = 0;
  gint best = -1;

  /* One removal if any chunk is large enough: the smallest such chunk
   * (exactly the size means no give-back), the highest base on ties, as
   * the pool grew last there. */
  for (guint i = chunks->len; i-- > 0;)
    {
      guint64 size = g_array_index (chunks, KerfOverlayRange, i).size;

      if (size >= shrink
          && (best < 0 || size < g_array_index (chunks, KerfOverlayRange, best).size))
        best = (gint) i;
    }
  if (best >= 0)
    {
      g_array_append_val (remove, g_array_index (chunks, KerfOverlayRange, best));
      *give_back = g_array_index (chunks, KerfOverlayRange, best).size - shrink;
      return TRUE;
    }
  /* Else whole chunks from the highest base down. */
  for (guint i = chunks->len; i-- > 0 && removed < shrink;)
    {
      const KerfOverlayRange *c = &g_array_index (chunks, KerfOverlayRange, i);

      g_array_append_val (remove, *c);
      removed += c->size;
    }
  if (removed < shrink)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "cannot shrink the pool by %" G_GUINT64_FORMAT " bytes: its chunks "
                   "hold only %" G_GUINT64_FORMAT, shrink, removed);
      return FALSE;
    }
  *give_back = removed - shrink;
  return TRUE;
}

/* The one NUMA node holding every removed chunk, per the topology. */
static gboolean
kerf_overlay_removed_node (const KerfResources *res, const GArray *removed, guint32 *out)
{
  for (guint i = 0; i < removed->len; i++)
    {
      const KerfOverlayRange *c = &g_array_index (removed, KerfOverlayRange, i);
      gint32 node = kerf_alloc_node_of_range (res, c->base, c->size);

      if (node < 0 || (i > 0 && (guint32) node != *out))
        return FALSE;
      *out = (guint32) node;
    }
  return removed->len > 0;
}

KerfDtTree *
kerf_overlay_resize_pool (const KerfResources    *old_res,
                          const KerfResources    *new_res,
                          const KerfOverlayRange *chunks,
                          gsize                   n_chunks,
                          GError                **error)
{
  g_autoptr(GArray) current = g_array_new (FALSE, FALSE, sizeof (KerfOverlayRange));
  g_autoptr(GArray) mem_remove = g_array_new (FALSE, FALSE, sizeof (KerfOverlayRange));
  g_autoptr(GArray) cpu_add = NULL, cpu_remove = NULL;
  g_autoptr(GPtrArray) old_ids = NULL, new_ids = NULL, dev_add = NULL, dev_remove = NULL;
  g_autoptr(GPtrArray) aliases = g_ptr_array_new ();
  g_autoptr(KerfDtTree) tree = NULL;
  guint64 total = 0, grow = 0;
  KerfDtNode *overlay;

  g_return_val_if_fail (old_res != NULL && new_res != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* ---- memory ---- */
  if (chunks != NULL)
    g_array_append_vals (current, chunks, (guint) n_chunks);
  else if (old_res->pool_bytes > 0)
    g_array_append_val (current, ((KerfOverlayRange) { old_res->pool_base,
                                                       old_res->pool_bytes }));
  g_array_sort (current, kerf_overlay_cmp_range);
  for (guint i = 0; i < current->len; i++)
    {
      const KerfOverlayRange *c = &g_array_index (current, KerfOverlayRange, i);

      if (c->size == 0 || c->base > G_MAXUINT64 - c->size || total > G_MAXUINT64 - c->size
          || !kerf_overlay_check_aligned ("pool chunk base", c->base, error)
          || !kerf_overlay_check_aligned ("pool chunk size", c->size, error))
        {
          if (error == NULL || *error == NULL)
            g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                         "pool chunk 0x%" G_GINT64_MODIFIER "x + 0x%" G_GINT64_MODIFIER
                         "x is empty or out of range", c->base, c->size);
          return NULL;
        }
      total += c->size;
    }
  if (!kerf_overlay_check_aligned ("new pool size", new_res->pool_bytes, error))
    return NULL;
  if (new_res->pool_bytes > total)
    grow = new_res->pool_bytes - total;
  else if (new_res->pool_bytes < total
           && !kerf_overlay_pick_chunks (current, total - new_res->pool_bytes, mem_remove,
                                         &grow, error))
    return NULL;

  /* ---- CPUs and devices ---- */
  cpu_add = kerf_overlay_u32_minus (new_res->available_cpus, old_res->available_cpus);
  cpu_remove = kerf_overlay_u32_minus (old_res->available_cpus, new_res->available_cpus);
  if (!kerf_overlay_check_platform_devices (old_res, new_res, error)
      || !kerf_overlay_check_platform_devices (new_res, old_res, error))
    return NULL;
  old_ids = kerf_overlay_pool_pci_ids (old_res);
  new_ids = kerf_overlay_pool_pci_ids (new_res);
  dev_add = kerf_overlay_str_minus (new_ids, old_ids);
  dev_remove = kerf_overlay_str_minus (old_ids, new_ids);
  for (guint i = 0; i < dev_add->len; i++)
    {
      const KerfDevice *dev = kerf_overlay_find_device (new_res, g_ptr_array_index (dev_add, i));

      /* The stable name ("eth0") becomes an alias; a device known only by
       * its node name has none to give. */
      g_ptr_array_add (aliases, dev != NULL && dev->name != NULL
                                && g_strcmp0 (dev->name, dev->node_name) != 0
                                && g_strcmp0 (dev->name, dev->pci_id) != 0
                                ? dev->name : NULL);
    }

  if (grow == 0 && mem_remove->len == 0 && cpu_add->len == 0 && cpu_remove->len == 0
      && dev_add->len == 0 && dev_remove->len == 0)
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "pool resize: nothing to change in the kernel");
      return NULL;
    }

  tree = kerf_overlay_tree_new ();
  overlay = kerf_overlay_add_fragment (tree, "/resources");
  /* The pool's order (kernel-abi.md): what leaves first, then what comes. */
  kerf_overlay_add_cpu_items (overlay, "cpu-remove", cpu_remove, NULL);
  kerf_overlay_add_pci_items (overlay, "device-remove", dev_remove, NULL);
  if (mem_remove->len > 0)
    {
      /* memory-remove names whole chunks; ascending for a stable order */
      g_array_sort (mem_remove, kerf_overlay_cmp_range);
      kerf_overlay_add_reg_items (overlay, "memory-remove",
                                  (const KerfOverlayRange *) (gconstpointer) mem_remove->data,
                                  mem_remove->len, NULL);
    }
  if (grow > 0)
    {
      /* A request, not a range: the pool picks the base (no reg). */
      KerfDtNode *op = kerf_dt_node_ensure_child (overlay, "memory-add", KERF_LOC_NONE);
      KerfDtNode *item = kerf_dt_node_new ("memory@0", KERF_LOC_NONE);
      guint32 node;

      kerf_dt_node_set_u64 (item, "size", grow, KERF_LOC_NONE);
      /* What a shrink gives back stays on the node it was taken from;
       * plain growth leaves the node to the kernel. */
      if (kerf_overlay_removed_node (old_res, mem_remove, &node))
        kerf_dt_node_set_u32 (item, "numa-node-id", node, KERF_LOC_NONE);
      kerf_dt_node_add_child (op, item);
    }
  kerf_overlay_add_cpu_items (overlay, "cpu-add", cpu_add, NULL);
  kerf_overlay_add_pci_items (overlay, "device-add", dev_add, aliases);
  return g_steal_pointer (&tree);
}

GArray *
kerf_overlay_pool_chunks_from_tree (const KerfDtTree *pool_tree, GError **error)
{
  g_autoptr(GArray) chunks = g_array_new (FALSE, FALSE, sizeof (KerfOverlayRange));
  KerfDtNode *resources;

  g_return_val_if_fail (pool_tree != NULL, NULL);

  resources = kerf_dt_tree_lookup_path (pool_tree, "/resources");
  for (guint i = 0; resources != NULL && i < resources->children->len; i++)
    {
      const KerfDtNode *node = g_ptr_array_index (resources->children, i);
      g_autofree char *base = kerf_dt_node_basename (node);
      KerfDtProp *reg;
      guint32 cells[4];

      if (!g_str_equal (base, "memory"))
        continue;
      reg = kerf_dt_node_get_prop (node, "reg");
      if (reg == NULL || reg->value->len != 16)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
                       "pool tree: /resources/%s has no reg = <u64 base, u64 size>",
                       node->name);
          return NULL;
        }
      for (guint c = 0; c < 4; c++)
        kerf_dt_prop_get_u32 (reg, c, &cells[c]);
      g_array_append_val (chunks, ((KerfOverlayRange) {
                                     ((guint64) cells[0] << 32) | cells[1],
                                     ((guint64) cells[2] << 32) | cells[3] }));
    }
  g_array_sort (chunks, kerf_overlay_cmp_range);
  return g_steal_pointer (&chunks);
}
