/* kerf-overlay-items.c — fragments, operation items and the small set
 * arithmetic the overlay generator is made of. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-error.h"
#include "kerf-overlay-private.h"

KerfDtTree *
kerf_overlay_tree_new (void)
{
  KerfDtTree *tree = kerf_dt_tree_new ();

  tree->plugin = TRUE;
  return tree;
}

KerfDtNode *
kerf_overlay_add_fragment (KerfDtTree *tree, const char *target_path)
{
  /* Decimal unit addresses: the kernel sorts fragments by them and its
   * documentation numbers them fragment@0, fragment@1, ... */
  g_autofree char *name = g_strdup_printf ("fragment@%u", tree->root->children->len);
  KerfDtNode *fragment = kerf_dt_node_new (name, KERF_LOC_NONE);
  KerfDtNode *overlay = kerf_dt_node_new ("__overlay__", KERF_LOC_NONE);

  kerf_dt_node_set_string (fragment, "target-path", target_path, KERF_LOC_NONE);
  kerf_dt_node_add_child (fragment, overlay);
  kerf_dt_node_add_child (tree->root, fragment);
  return overlay;
}

void
kerf_overlay_add_reg_items (KerfDtNode             *overlay,
                            const char             *op,
                            const KerfOverlayRange *ranges,
                            gsize                   n,
                            const KerfResources    *res)
{
  KerfDtNode *op_node;

  if (n == 0)
    return;
  op_node = kerf_dt_node_ensure_child (overlay, op, KERF_LOC_NONE);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("memory@%" G_GSIZE_FORMAT, i);
      KerfDtNode *item = kerf_dt_node_new (name, KERF_LOC_NONE);
      guint64 reg[2] = { ranges[i].base, ranges[i].size };
      gint32 node = kerf_alloc_node_of_range (res, ranges[i].base, ranges[i].size);

      kerf_dt_node_set_u64_array (item, "reg", reg, 2, KERF_LOC_NONE);
      if (node >= 0)
        kerf_dt_node_set_u32 (item, "numa-node-id", (guint32) node, KERF_LOC_NONE);
      kerf_dt_node_add_child (op_node, item);
    }
}

void
kerf_overlay_add_cpu_items (KerfDtNode          *overlay,
                            const char          *op,
                            const GArray        *cpus,
                            const KerfResources *res)
{
  g_autoptr(KerfCpuNodeMap) nodes = NULL;
  KerfDtNode *op_node;

  if (cpus == NULL || cpus->len == 0)
    return;
  nodes = kerf_cpu_node_map_new (res);
  op_node = kerf_dt_node_ensure_child (overlay, op, KERF_LOC_NONE);
  for (guint i = 0; i < cpus->len; i++)
    {
      guint32 cpu = g_array_index (cpus, guint32, i);
      g_autofree char *name = g_strdup_printf ("cpu@%u", cpu);
      KerfDtNode *item = kerf_dt_node_new (name, KERF_LOC_NONE);
      gint32 node = kerf_cpu_node_map_lookup (nodes, cpu);

      kerf_dt_node_set_u64 (item, "reg", cpu, KERF_LOC_NONE);
      if (node >= 0)
        kerf_dt_node_set_u32 (item, "numa-node-id", (guint32) node, KERF_LOC_NONE);
      kerf_dt_node_add_child (op_node, item);
    }
}

void
kerf_overlay_add_pci_items (KerfDtNode      *overlay,
                            const char      *op,
                            const GPtrArray *pci_ids,
                            const GPtrArray *aliases)
{
  KerfDtNode *op_node;

  if (pci_ids == NULL || pci_ids->len == 0)
    return;
  op_node = kerf_dt_node_ensure_child (overlay, op, KERF_LOC_NONE);
  for (guint i = 0; i < pci_ids->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("pci@%u", i);
      KerfDtNode *item = kerf_dt_node_new (name, KERF_LOC_NONE);
      const char *alias = aliases != NULL ? g_ptr_array_index (aliases, i) : NULL;

      kerf_dt_node_set_string (item, "pci-id", g_ptr_array_index (pci_ids, i), KERF_LOC_NONE);
      if (alias != NULL)
        kerf_dt_node_set_string (item, "alias", alias, KERF_LOC_NONE);
      kerf_dt_node_add_child (op_node, item);
    }
}

/* ---- sets ----------------------------------------------------------- */

static gint
kerf_overlay_cmp_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static gint
kerf_overlay_cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GArray *
kerf_overlay_u32_set (const GArray *values)
{
  GArray *set = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint out = 0;

  if (values != NULL && values->len > 0)
    g_array_append_vals (set, values->data, values->len);
  g_array_sort (set, kerf_overlay_cmp_u32);
  for (guint i = 0; i < set->len; i++)
    if (out == 0 || g_array_index (set, guint32, i) != g_array_index (set, guint32, out - 1))
      g_array_index (set, guint32, out++) = g_array_index (set, guint32, i);
  g_array_set_size (set, out);
  return set;
}

GArray *
kerf_overlay_u32_minus (const GArray *a, const GArray *b)
{
  g_autoptr(GArray) sa = kerf_overlay_u32_set (a);
  g_autoptr(GArray) sb = kerf_overlay_u32_set (b);

  return kerf_u32_array_difference (sa, sb);
}

GPtrArray *
kerf_overlay_str_minus (const GPtrArray *a, const GPtrArray *b)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; a != NULL && i < a->len; i++)
    {
      const char *s = g_ptr_array_index (a, i);
      gboolean found = FALSE;

      for (guint j = 0; b != NULL && j < b->len && !found; j++)
        found = g_str_equal (s, g_ptr_array_index (b, j));
      for (guint j = 0; j < out->len && !found; j++)
        found = g_str_equal (s, g_ptr_array_index (out, j));
      if (!found)
        g_ptr_array_add (out, (gpointer) s);
    }
  g_ptr_array_sort (out, kerf_overlay_cmp_str);
  return out;
}

/* ---- lookups in the resources --------------------------------------- */

const KerfDevice *
kerf_overlay_find_device (const KerfResources *res, const char *name)
{
  if (res == NULL || res->devices == NULL || name == NULL)
    return NULL;
  for (guint i = 0; i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);

      if (g_strcmp0 (dev->name, name) == 0)
        return dev;
    }
  for (guint i = 0; i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);

      if (g_strcmp0 (dev->node_name, name) == 0
          || (dev->pci_id != NULL && g_ascii_strcasecmp (dev->pci_id, name) == 0))
        return dev;
    }
  return NULL;
}

GPtrArray *
kerf_overlay_instance_pci_ids (const KerfInstance  *inst,
                               const KerfResources *res,
                               GError             **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  GPtrArray *out;

  for (guint i = 0; inst->devices != NULL && i < inst->devices->len; i++)
    {
      const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, i);
      const char *wanted = ref->device != NULL ? ref->device : ref->name;
      const KerfDevice *dev;

      /* VFs and namespaces stay in kerfd's state directory. */
      if (ref->kind != KERF_DEVICE_REF_WHOLE)
        continue;
      dev = kerf_overlay_find_device (res, wanted);
      if (dev == NULL)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND,
                       "instance '%s': device '%s' is not in the resources",
                       inst->name, ref->name);
          return NULL;
        }
      if (dev->pci_id == NULL)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "instance '%s': device '%s' is not a PCI device; "
                       "the kernel only moves PCI functions",
                       inst->name, ref->name);
          return NULL;
        }
      g_ptr_array_add (ids, dev->pci_id);
    }
  /* set difference with nothing = sorted, duplicate-free */
  out = kerf_overlay_str_minus (ids, NULL);
  return out;
}

/* ---- checks --------------------------------------------------------- */

gboolean
kerf_overlay_check_name (const char *name, GError **error)
{
  g_autofree char *problem = kerf_instance_name_problem (name);

  if (problem == NULL)
    return TRUE;
  g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
               "invalid instance name '%s': %s (1-63 characters of [A-Za-z0-9_.-], "
               "not starting with '.' or '-')", name != NULL ? name : "", problem);
  return FALSE;
}

gboolean
kerf_overlay_check_aligned (const char *what, guint64 value, GError **error)
{
  if (value % KERF_OVERLAY_PAGE_SIZE != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "%s 0x%" G_GINT64_MODIFIER "x is not a multiple of the page size (%"
                   G_GUINT64_FORMAT " bytes)", what, value, KERF_OVERLAY_PAGE_SIZE);
      return FALSE;
    }
  return TRUE;
}
