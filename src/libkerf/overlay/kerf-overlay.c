/* kerf-overlay.c — instance transactions: create, delete, update; and the
 * DTBO encoding.  The pool's transaction is in kerf-overlay-pool.c. */
#include "config.h"

#include "kerf-error.h"
#include "kerf-dts.h"
#include "kerf-overlay-private.h"

/* ---- memory ranges -------------------------------------------------- */

/* `r` as a range, checked: page aligned and not wrapping around. */
static gboolean
kerf_overlay_check_range (const char *inst_name, const char *which,
                          guint64 base, guint64 size, GError **error)
{
  g_autofree char *what_base = g_strdup_printf ("instance '%s': %s memory base", inst_name, which);
  g_autofree char *what_size = g_strdup_printf ("instance '%s': %s memory size", inst_name, which);

  if (size > 0 && base == 0)
    {
      /* Instance memory items name an existing range; the kernel cannot
       * take "anywhere" here.  The allocator places it first. */
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s': %s memory has no base address", inst_name, which);
      return FALSE;
    }
  if (base > G_MAXUINT64 - size)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s': %s memory range 0x%" G_GINT64_MODIFIER "x + 0x%"
                   G_GINT64_MODIFIER "x wraps around the address space",
                   inst_name, which, base, size);
      return FALSE;
    }
  return kerf_overlay_check_aligned (what_base, base, error)
         && kerf_overlay_check_aligned (what_size, size, error);
}

/* The parts of `a` outside `b` (0, 1 or 2 ranges) into `out`. */
static gsize
kerf_overlay_range_minus (KerfOverlayRange a, KerfOverlayRange b, KerfOverlayRange out[2])
{
  guint64 a_end = a.base + a.size, b_end = b.base + b.size;
  gsize n = 0;

  if (a.size == 0)
    return 0;
  if (b.size == 0 || b_end <= a.base || a_end <= b.base)
    {
      out[n++] = a;
      return n;
    }
  if (a.base < b.base)
    out[n++] = (KerfOverlayRange) { a.base, b.base - a.base };
  if (a_end > b_end)
    out[n++] = (KerfOverlayRange) { b_end, a_end - b_end };
  return n;
}

/* ---- create / delete ------------------------------------------------ */

KerfDtTree *
kerf_overlay_create_instance (const KerfInstance  *inst,
                              const KerfResources *res,
                              gboolean             fixed_base,
                              GError             **error)
{
  g_autoptr(KerfDtTree) tree = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) pci_ids = NULL;
  g_autofree guint64 *cpu_cells = NULL;
  g_autofree char *inst_path = NULL;
  KerfDtNode *overlay, *create, *resources;

  g_return_val_if_fail (inst != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kerf_overlay_check_name (inst->name, error))
    return NULL;
  cpus = kerf_overlay_u32_set (inst->cpus);
  if (cpus->len == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s' has no CPUs", inst->name);
      return NULL;
    }
  if (inst->memory_bytes == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s' has no memory", inst->name);
      return NULL;
    }
  if (fixed_base)
    {
      if (!kerf_overlay_check_range (inst->name, "the", inst->memory_base,
                                     inst->memory_bytes, error))
        return NULL;
    }
  else
    {
      g_autofree char *what = g_strdup_printf ("instance '%s': memory size", inst->name);

      if (!kerf_overlay_check_aligned (what, inst->memory_bytes, error))
        return NULL;
    }
  if (inst->id > 2047)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s': id %u does not fit the kernel's 11 bits (1-2047)",
                   inst->name, inst->id);
      return NULL;
    }
  pci_ids = kerf_overlay_instance_pci_ids (inst, res, error);
  if (pci_ids == NULL)
    return NULL;

  tree = kerf_overlay_tree_new ();
  overlay = kerf_overlay_add_fragment (tree, "/instances");
  create = kerf_dt_node_ensure_child (overlay, "instance-create", KERF_LOC_NONE);
  kerf_dt_node_set_string (create, "instance-name", inst->name, KERF_LOC_NONE);
  if (inst->id != 0)
    kerf_dt_node_set_u32 (create, "id", inst->id, KERF_LOC_NONE);
  resources = kerf_dt_node_ensure_child (create, "resources", KERF_LOC_NONE);
  /* A fixed base cannot be said in instance-create: the instance starts
   * without memory and fragment@1 hands it the exact range. */
  if (!fixed_base)
    kerf_dt_node_set_u64 (resources, "memory-bytes", inst->memory_bytes, KERF_LOC_NONE);
  cpu_cells = g_new (guint64, cpus->len);
  for (guint i = 0; i < cpus->len; i++)
    cpu_cells[i] = g_array_index (cpus, guint32, i);
  kerf_dt_node_set_u64_array (resources, "cpus", cpu_cells, cpus->len, KERF_LOC_NONE);
  if (inst->numa_nodes != NULL && inst->numa_nodes->len > 0)
    kerf_dt_node_set_u32_array (resources, "numa-nodes",
                                (const guint32 *) (gconstpointer) inst->numa_nodes->data,
                                inst->numa_nodes->len, KERF_LOC_NONE);

  /* instance-create has no device list: devices (and a fixed memory
   * range) go to the new instance in the next fragment, which the kernel
   * runs after the instance exists. */
  if (!fixed_base && pci_ids->len == 0)
    return g_steal_pointer (&tree);
  inst_path = g_strconcat ("/instances/", inst->name, NULL);
  overlay = kerf_overlay_add_fragment (tree, inst_path);
  if (fixed_base)
    {
      KerfOverlayRange range = { inst->memory_base, inst->memory_bytes };

      kerf_overlay_add_reg_items (overlay, "memory-add", &range, 1, res);
    }
  kerf_overlay_add_pci_items (overlay, "device-add", pci_ids, NULL);
  return g_steal_pointer (&tree);
}

KerfDtTree *
kerf_overlay_delete_instance (const char *name, GError **error)
{
  g_autoptr(KerfDtTree) tree = NULL;
  KerfDtNode *overlay, *remove;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kerf_overlay_check_name (name, error))
    return NULL;
  tree = kerf_overlay_tree_new ();
  overlay = kerf_overlay_add_fragment (tree, "/instances");
  remove = kerf_dt_node_ensure_child (overlay, "instance-remove", KERF_LOC_NONE);
  kerf_dt_node_set_string (remove, "instance-name", name, KERF_LOC_NONE);
  return g_steal_pointer (&tree);
}

/* ---- update --------------------------------------------------------- */

typedef struct {
  KerfOverlayRange mem_remove[2];
  gsize            n_mem_remove;
  KerfOverlayRange mem_add[2];
  gsize            n_mem_add;
  GArray          *cpu_remove;   /* guint32 */
  GArray          *cpu_add;
  GPtrArray       *old_ids;      /* char *, borrowed from the resources */
  GPtrArray       *new_ids;
  GPtrArray       *dev_remove;   /* borrowed from old_ids / new_ids */
  GPtrArray       *dev_add;
} KerfOverlayDelta;

static void
kerf_overlay_delta_clear (KerfOverlayDelta *delta)
{
  g_clear_pointer (&delta->cpu_remove, g_array_unref);
  g_clear_pointer (&delta->cpu_add, g_array_unref);
  g_clear_pointer (&delta->dev_remove, g_ptr_array_unref);
  g_clear_pointer (&delta->dev_add, g_ptr_array_unref);
  g_clear_pointer (&delta->old_ids, g_ptr_array_unref);
  g_clear_pointer (&delta->new_ids, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KerfOverlayDelta, kerf_overlay_delta_clear)

static gboolean
kerf_overlay_delta_is_empty (const KerfOverlayDelta *delta)
{
  return delta->n_mem_remove == 0 && delta->n_mem_add == 0
         && delta->cpu_remove->len == 0 && delta->cpu_add->len == 0
         && delta->dev_remove->len == 0 && delta->dev_add->len == 0;
}

static gboolean
kerf_overlay_delta_compute (const KerfInstance  *old_inst,
                            const KerfInstance  *new_inst,
                            const KerfResources *res,
                            KerfOverlayDelta    *delta,
                            GError             **error)
{
  KerfOverlayRange old_range = { old_inst->memory_base, old_inst->memory_bytes };
  KerfOverlayRange new_range = { new_inst->memory_base, new_inst->memory_bytes };

  if (!kerf_overlay_check_name (new_inst->name, error))
    return FALSE;
  if (g_strcmp0 (old_inst->name, new_inst->name) != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "cannot rename instance '%s' to '%s': the kernel has no rename",
                   old_inst->name, new_inst->name);
      return FALSE;
    }
  if (old_inst->id != 0 && new_inst->id != 0 && old_inst->id != new_inst->id)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s': cannot change its id from %u to %u",
                   new_inst->name, old_inst->id, new_inst->id);
      return FALSE;
    }

  if (old_range.base != new_range.base || old_range.size != new_range.size)
    {
      if (new_range.size == 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "instance '%s' would have no memory", new_inst->name);
          return FALSE;
        }
      if (!kerf_overlay_check_range (new_inst->name, "the current", old_range.base,
                                     old_range.size, error)
          || !kerf_overlay_check_range (new_inst->name, "the new", new_range.base,
                                        new_range.size, error))
        return FALSE;
      /* The exact difference: in place growth adds the extension, a
       * shrink removes the tail, a move removes the old and adds the new
       * range (only the parts that differ when they overlap). */
      delta->n_mem_remove = kerf_overlay_range_minus (old_range, new_range, delta->mem_remove);
      delta->n_mem_add = kerf_overlay_range_minus (new_range, old_range, delta->mem_add);
    }

  delta->cpu_remove = kerf_overlay_u32_minus (old_inst->cpus, new_inst->cpus);
  delta->cpu_add = kerf_overlay_u32_minus (new_inst->cpus, old_inst->cpus);
  if (new_inst->cpus == NULL || new_inst->cpus->len == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "instance '%s' would have no CPUs", new_inst->name);
      return FALSE;
    }

  delta->old_ids = kerf_overlay_instance_pci_ids (old_inst, res, error);
  if (delta->old_ids == NULL)
    return FALSE;
  delta->new_ids = kerf_overlay_instance_pci_ids (new_inst, res, error);
  if (delta->new_ids == NULL)
    return FALSE;
  delta->dev_remove = kerf_overlay_str_minus (delta->old_ids, delta->new_ids);
  delta->dev_add = kerf_overlay_str_minus (delta->new_ids, delta->old_ids);
  return TRUE;
}

KerfDtTree *
kerf_overlay_update_instance (const KerfInstance  *old_inst,
                              const KerfInstance  *new_inst,
                              const KerfResources *res,
                              GError             **error)
{
  g_auto(KerfOverlayDelta) delta = { 0 };
  g_autoptr(KerfDtTree) tree = NULL;
  g_autofree char *inst_path = NULL;
  KerfDtNode *overlay;

  g_return_val_if_fail (old_inst != NULL && new_inst != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kerf_overlay_delta_compute (old_inst, new_inst, res, &delta, error))
    return NULL;
  if (kerf_overlay_delta_is_empty (&delta))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "update of instance '%s': nothing to change in the kernel",
                   new_inst->name);
      return NULL;
    }

  tree = kerf_overlay_tree_new ();
  inst_path = g_strconcat ("/instances/", new_inst->name, NULL);
  overlay = kerf_overlay_add_fragment (tree, inst_path);
  /* The kernel's order: a resource leaves before another arrives. */
  kerf_overlay_add_reg_items (overlay, "memory-remove", delta.mem_remove,
                              delta.n_mem_remove, NULL);
  kerf_overlay_add_reg_items (overlay, "memory-add", delta.mem_add, delta.n_mem_add, res);
  kerf_overlay_add_cpu_items (overlay, "cpu-remove", delta.cpu_remove, NULL);
  kerf_overlay_add_cpu_items (overlay, "cpu-add", delta.cpu_add, res);
  kerf_overlay_add_pci_items (overlay, "device-remove", delta.dev_remove, NULL);
  kerf_overlay_add_pci_items (overlay, "device-add", delta.dev_add, NULL);
  return g_steal_pointer (&tree);
}

gboolean
kerf_overlay_instance_changes_kernel (const KerfInstance  *old_inst,
                                      const KerfInstance  *new_inst,
                                      const KerfResources *res,
                                      GError             **error)
{
  g_auto(KerfOverlayDelta) delta = { 0 };

  g_return_val_if_fail (old_inst != NULL && new_inst != NULL, FALSE);

  if (!kerf_overlay_delta_compute (old_inst, new_inst, res, &delta, error))
    return FALSE;
  return !kerf_overlay_delta_is_empty (&delta);
}

/* ---- encoding ------------------------------------------------------- */

GBytes *
kerf_overlay_to_dtbo (const KerfDtTree *overlay, GError **error)
{
  g_return_val_if_fail (overlay != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (overlay->root->children->len == 0)
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "an overlay without fragments changes nothing");
      return NULL;
    }
  return kerf_dtb_write (overlay, error);
}
