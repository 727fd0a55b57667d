/* kerf-model-read-util.c — typed, located property readers for the model.
 *
 * Each reader turns "absent", "wrong size" and "not a string" into a
 * diagnostic at the property (or its node), so the schema readers stay a
 * list of what they expect. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kerf-model-private.h"

static void
kerf_model_read_diag_valist (KerfModelReader *r, KerfSeverity severity, KerfLoc loc,
                             const char *suggestion, const char *format, va_list args)
  G_GNUC_PRINTF (5, 0);

static void
kerf_model_read_diag_valist (KerfModelReader *r, KerfSeverity severity, KerfLoc loc,
                             const char *suggestion, const char *format, va_list args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  kerf_diag_list_add (r->diags, severity, loc, KERF_MODEL_RULE_SCHEMA, suggestion, "%s", message);
}

void
kerf_model_read_error (KerfModelReader *r, KerfLoc loc, const char *suggestion,
                       const char *format, ...)
{
  va_list args;

  r->n_errors++;
  va_start (args, format);
  kerf_model_read_diag_valist (r, KERF_SEVERITY_ERROR, loc, suggestion, format, args);
  va_end (args);
}

void
kerf_model_read_warning (KerfModelReader *r, KerfLoc loc, const char *suggestion,
                         const char *format, ...)
{
  va_list args;

  va_start (args, format);
  kerf_model_read_diag_valist (r, KERF_SEVERITY_WARNING, loc, suggestion, format, args);
  va_end (args);
}

KerfLoc
kerf_model_prop_loc (const KerfDtNode *node, const KerfDtProp *prop)
{
  return prop != NULL ? prop->loc : node->loc;
}

/* Finds the property; reports a missing required one. */
static KerfDtProp *
kerf_model_lookup (KerfModelReader *r, const KerfDtNode *node, const char *name,
                   gboolean required, const char *example, KerfLoc *loc)
{
  KerfDtProp *prop = kerf_dt_node_get_prop (node, name);

  if (loc != NULL)
    *loc = kerf_model_prop_loc (node, prop);
  if (prop == NULL && required)
    {
      g_autofree char *path = kerf_dt_node_path (node);
      g_autofree char *suggestion = g_strdup_printf ("add %s = %s; to %s", name, example, path);
      kerf_model_read_error (r, node->loc, suggestion,
                             "%s lacks the required property '%s'", path, name);
    }
  return prop;
}

gboolean
kerf_model_read_number (KerfModelReader *r, const KerfDtNode *node, const char *name,
                        gboolean required, guint64 *out, KerfLoc *loc)
{
  KerfDtProp *prop = kerf_model_lookup (r, node, name, required, "<0x0 0x80000000>", loc);

  if (prop == NULL)
    return FALSE;
  if (!kerf_dt_prop_get_number (prop, out))
    {
      kerf_model_read_error (r, prop->loc,
                             "write a 64-bit value as two cells <hi lo> (<0x4 0x0>) "
                             "or /bits/ 64 <0x400000000>",
                             "'%s' must be one cell or two cells <hi lo>, not %u bytes",
                             name, prop->value->len);
      return FALSE;
    }
  return TRUE;
}

gboolean
kerf_model_read_u32 (KerfModelReader *r, const KerfDtNode *node, const char *name,
                     gboolean required, guint32 *out, KerfLoc *loc)
{
  KerfDtProp *prop = kerf_model_lookup (r, node, name, required, "<N>", loc);

  if (prop == NULL)
    return FALSE;
  if (prop->value->len != 4 || !kerf_dt_prop_get_u32 (prop, 0, out))
    {
      g_autofree char *suggestion = g_strdup_printf ("write it as %s = <N>;", name);
      kerf_model_read_error (r, prop->loc, suggestion,
                             "'%s' must be a single 32-bit cell, not %u bytes",
                             name, prop->value->len);
      return FALSE;
    }
  return TRUE;
}

static gint
kerf_model_u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

gboolean
kerf_model_read_id_list (KerfModelReader *r, const KerfDtNode *node, const char *name,
                         gboolean required, gboolean u64, const char *what,
                         GArray *out, KerfLoc *loc)
{
  KerfDtProp *prop = kerf_model_lookup (r, node, name, required, "<0 1 2 3>", loc);
  const KerfDtMark *type;
  g_autoptr (GArray) ids = NULL;
  gboolean ok = TRUE;

  if (prop == NULL)
    return FALSE;

  /* The width comes from the schema or from what the author wrote
   * (/bits/ 64), never from the length: an even number of u32 cells is
   * also a multiple of 8 bytes (upstream bug §12.4). */
  type = kerf_dt_prop_type_at (prop, 0);
  if (type != NULL && type->kind == KERF_DT_MARK_TYPE_U64)
    u64 = TRUE;

  if (prop->value->len % (u64 ? 8 : 4) != 0)
    {
      kerf_model_read_error (r, prop->loc,
                             u64 ? "write each id as two cells <0x0 N> or use /bits/ 64 <...>"
                                 : "write the ids as 32-bit cells: <0 1 2 3>",
                             "'%s' must be a list of %s cells, but it has %u bytes",
                             name, u64 ? "64-bit" : "32-bit", prop->value->len);
      return FALSE;
    }

  ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (gsize i = 0; i < kerf_dt_prop_n_u32 (prop); i += u64 ? 2 : 1)
    {
      guint32 hi = 0, lo = 0;
      if (u64)
        kerf_dt_prop_get_u32 (prop, i, &hi);
      kerf_dt_prop_get_u32 (prop, u64 ? i + 1 : i, &lo);
      if (hi != 0)
        {
          kerf_model_read_error (r, prop->loc, NULL,
                                 "%s id 0x%x%08x in '%s' is above 2^32-1; kerf does not "
                                 "support such ids", what, hi, lo, name);
          ok = FALSE;
          continue;
        }
      g_array_append_val (ids, lo);
    }

  g_array_sort (ids, kerf_model_u32_cmp);
  for (guint i = 0; i < ids->len; i++)
    {
      guint32 id = g_array_index (ids, guint32, i);
      if (i > 0 && id == g_array_index (ids, guint32, i - 1))
        {
          /* report each duplicated id once */
          if (i < 2 || g_array_index (ids, guint32, i - 2) != id)
            {
              g_autofree char *suggestion = g_strdup_printf ("list %s %u only once", what, id);
              kerf_model_read_error (r, prop->loc, suggestion,
                                     "%s %u is listed more than once in '%s'", what, id, name);
            }
          ok = FALSE;
          continue;
        }
      g_array_append_val (out, id);
    }
  return ok;
}

gboolean
kerf_model_read_string (KerfModelReader *r, const KerfDtNode *node, const char *name,
                        gboolean required, gboolean first_of_list, char **out, KerfLoc *loc)
{
  KerfDtProp *prop = kerf_model_lookup (r, node, name, required, "\"...\"", loc);
  const char *s;

  if (prop == NULL)
    return FALSE;
  s = kerf_dt_prop_get_string (prop);
  if (s == NULL && first_of_list && prop->value->len > 0
      && prop->value->data[prop->value->len - 1] == '\0')
    s = (const char *) prop->value->data;  /* "a\0b\0": the first one */
  if (s == NULL || s[0] == '\0')
    {
      g_autofree char *suggestion = g_strdup_printf ("write it as %s = \"...\";", name);
      kerf_model_read_error (r, prop->loc, suggestion, "'%s' must be a non-empty string", name);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (s);
  return TRUE;
}

char *
kerf_model_device_node_name (KerfModelReader *r, const KerfDtNode *node)
{
  const char *alias = NULL;

  if (r->alias_of_path != NULL)
    {
      g_autofree char *path = kerf_dt_node_path (node);
      alias = g_hash_table_lookup (r->alias_of_path, path);
    }
  if (alias != NULL && (r->alias_first || node->labels->len == 0))
    return g_strdup (alias);
  /* The label, never the unit address: upstream collapsed "eth0: ethernet@0"
   * and "nvme0: storage@0" into one device "0". */
  if (node->labels->len > 0)
    return g_strdup (g_ptr_array_index (node->labels, 0));
  return g_strdup (node->name);
}
