/* kerf-overlay-describe.c — one human line per overlay, for logs and the
 * transaction record.  Read from the overlay tree itself so that what is
 * logged is what is written, whoever built it. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-overlay-private.h"

char *
kerf_overlay_format_size (guint64 bytes)
{
  static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      guint shift = 10 * (G_N_ELEMENTS (units) - i);
      guint64 unit = G_GUINT64_CONSTANT (1) << shift;

      if (bytes >= unit && bytes % unit == 0)
        return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", bytes >> shift, units[i]);
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
}

static guint64
kerf_overlay_prop_u64_at (const KerfDtProp *prop, guint index)
{
  guint32 hi = 0, lo = 0;

  if (prop == NULL || !kerf_dt_prop_get_u32 (prop, index * 2, &hi)
      || !kerf_dt_prop_get_u32 (prop, index * 2 + 1, &lo))
    return 0;
  return ((guint64) hi << 32) | lo;
}

/* Sum of the sizes of an operation's memory items (reg or size). */
static guint64
kerf_overlay_op_bytes (const KerfDtNode *op)
{
  guint64 sum = 0;

  for (guint i = 0; op != NULL && i < op->children->len; i++)
    {
      const KerfDtNode *item = g_ptr_array_index (op->children, i);
      KerfDtProp *reg = kerf_dt_node_get_prop (item, "reg");
      KerfDtProp *size = kerf_dt_node_get_prop (item, "size");

      if (reg != NULL)
        sum += kerf_overlay_prop_u64_at (reg, 1);
      else if (size != NULL)
        sum += kerf_overlay_prop_u64_at (size, 0);
    }
  return sum;
}

/* "4-7,9" from the cpu@ items' reg values (ascending in our overlays). */
static void
kerf_overlay_append_cpus (GString *out, const KerfDtNode *op)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) set = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < op->children->len; i++)
    {
      const KerfDtNode *item = g_ptr_array_index (op->children, i);
      guint64 id;

      if (kerf_dt_prop_get_number (kerf_dt_node_get_prop (item, "reg"), &id))
        {
          guint32 id32 = (guint32) id;

          g_array_append_val (ids, id32);
        }
    }
  set = kerf_overlay_u32_set (ids);
  text = kerf_cpu_array_format (set);
  g_string_append (out, text);
}

static void
kerf_overlay_append_pci (GString *out, const KerfDtNode *op)
{
  for (guint i = 0; i < op->children->len; i++)
    {
      const KerfDtNode *item = g_ptr_array_index (op->children, i);
      const char *id = kerf_dt_prop_get_string (kerf_dt_node_get_prop (item, "pci-id"));

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, id != NULL ? id : "?");
    }
}

/* "memory -1 GiB +2 GiB, CPUs -6-7 +8, devices +0000:0a:00.0" */
static void
kerf_overlay_append_ops (GString *out, const KerfDtNode *overlay)
{
  static const struct {
    const char *label, *remove, *add;
  } kinds[] = {
    { "memory", "memory-remove", "memory-add" },
    { "CPUs", "cpu-remove", "cpu-add" },
    { "devices", "device-remove", "device-add" },
  };
  gboolean first = TRUE;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      const KerfDtNode *ops[2] = {
        kerf_dt_node_get_child (overlay, kinds[k].remove),
        kerf_dt_node_get_child (overlay, kinds[k].add),
      };

      if (ops[0] == NULL && ops[1] == NULL)
        continue;
      g_string_append_printf (out, "%s%s", first ? "" : ", ", kinds[k].label);
      first = FALSE;
      for (guint s = 0; s < 2; s++)
        {
          if (ops[s] == NULL)
            continue;
          g_string_append (out, s == 0 ? " -" : " +");
          if (k == 0)
            {
              g_autofree char *size = kerf_overlay_format_size (kerf_overlay_op_bytes (ops[s]));

              g_string_append (out, size);
            }
          else if (k == 1)
            kerf_overlay_append_cpus (out, ops[s]);
          else
            kerf_overlay_append_pci (out, ops[s]);
        }
    }
  if (first)
    g_string_append (out, "no change");
}

static const char *
kerf_overlay_fragment_target (const KerfDtNode *fragment, const KerfDtNode **overlay)
{
  *overlay = kerf_dt_node_get_child (fragment, "__overlay__");
  return kerf_dt_prop_get_string (kerf_dt_node_get_prop (fragment, "target-path"));
}

static void
kerf_overlay_describe_create (GString *out, const KerfDtNode *create,
                              const KerfDtNode *root, gboolean *used)
{
  const char *name = kerf_dt_prop_get_string (kerf_dt_node_get_prop (create, "instance-name"));
  const KerfDtNode *resources = kerf_dt_node_get_child (create, "resources");
  KerfDtProp *cpus = resources != NULL ? kerf_dt_node_get_prop (resources, "cpus") : NULL;
  KerfDtProp *bytes = resources != NULL ? kerf_dt_node_get_prop (resources, "memory-bytes") : NULL;
  g_autofree char *path = g_strconcat ("/instances/", name != NULL ? name : "?", NULL);
  guint n_cpus = cpus != NULL ? cpus->value->len / 8 : 0;
  guint n_devices = 0;

  g_string_append_printf (out, "create %s: %u CPU%s", name != NULL ? name : "?",
                          n_cpus, n_cpus == 1 ? "" : "s");
  if (bytes != NULL)
    {
      g_autofree char *size = kerf_overlay_format_size (kerf_overlay_prop_u64_at (bytes, 0));

      g_string_append_printf (out, ", %s", size);
    }
  /* The fragment that feeds the new instance belongs to its creation. */
  for (guint i = 0; i < root->children->len; i++)
    {
      const KerfDtNode *overlay, *op;
      const char *target = kerf_overlay_fragment_target (g_ptr_array_index (root->children, i),
                                                         &overlay);

      if (used[i] || overlay == NULL || g_strcmp0 (target, path) != 0)
        continue;
      used[i] = TRUE;
      op = kerf_dt_node_get_child (overlay, "memory-add");
      for (guint j = 0; op != NULL && j < op->children->len; j++)
        {
          KerfDtProp *reg = kerf_dt_node_get_prop (g_ptr_array_index (op->children, j), "reg");
          g_autofree char *size = kerf_overlay_format_size (kerf_overlay_prop_u64_at (reg, 1));

          g_string_append_printf (out, ", %s at 0x%" G_GINT64_MODIFIER "x", size,
                                  kerf_overlay_prop_u64_at (reg, 0));
        }
      op = kerf_dt_node_get_child (overlay, "device-add");
      n_devices += op != NULL ? op->children->len : 0;
    }
  if (n_devices > 0)
    g_string_append_printf (out, ", %u device%s", n_devices, n_devices == 1 ? "" : "s");
}

char *
kerf_overlay_describe (const KerfDtTree *overlay_tree)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const KerfDtNode *root;
  g_autofree gboolean *used = NULL;

  g_return_val_if_fail (overlay_tree != NULL, NULL);

  root = overlay_tree->root;
  used = g_new0 (gboolean, root->children->len + 1);
  for (guint i = 0; i < root->children->len; i++)
    {
      const KerfDtNode *fragment = g_ptr_array_index (root->children, i);
      const KerfDtNode *overlay, *op;
      const char *target = kerf_overlay_fragment_target (fragment, &overlay);

      if (used[i])
        continue;
      used[i] = TRUE;
      if (out->len > 0)
        g_string_append (out, "; ");
      if (overlay == NULL || target == NULL)
        {
          g_string_append_printf (out, "%s: no target or no __overlay__", fragment->name);
          continue;
        }
      if (g_str_equal (target, "/instances"))
        {
          gboolean any = FALSE;

          if ((op = kerf_dt_node_get_child (overlay, "instance-create")) != NULL)
            {
              kerf_overlay_describe_create (out, op, root, used);
              any = TRUE;
            }
          if ((op = kerf_dt_node_get_child (overlay, "instance-remove")) != NULL)
            {
              const char *name = kerf_dt_prop_get_string (kerf_dt_node_get_prop (op, "instance-name"));

              g_string_append_printf (out, "%sdelete %s", any ? "; " : "",
                                      name != NULL ? name : "?");
              any = TRUE;
            }
          if (!any)
            g_string_append (out, "/instances: no change");
        }
      else if (g_str_equal (target, "/resources"))
        {
          g_string_append (out, "resize pool: ");
          kerf_overlay_append_ops (out, overlay);
        }
      else if (g_str_has_prefix (target, "/instances/"))
        {
          g_string_append_printf (out, "update %s: ", target + strlen ("/instances/"));
          kerf_overlay_append_ops (out, overlay);
        }
      else
        {
          g_string_append_printf (out, "%s: ", target);
          kerf_overlay_append_ops (out, overlay);
        }
    }
  if (out->len == 0)
    g_string_append (out, "empty overlay");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
