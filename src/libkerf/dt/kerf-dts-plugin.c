/* kerf-dts-plugin.c — the overlay bookkeeping nodes of `dtc -@` for
 * /plugin/ sources (dtc's generate_label_tree / generate_fixups_tree /
 * generate_local_fixups_tree), in dtc's order and layout:
 *
 *   __symbols__       label = "/path/of/node"       (every labelled node
 *                                                     also gets a phandle)
 *   __fixups__        label = "/path:prop:offset"... (references to labels
 *                                                     this overlay lacks)
 *   __local_fixups__  mirror of the paths, prop = <offset ...>
 *                                                    (references it resolves)
 */
#include "config.h"

#include <string.h>

#include "kerf-dts-parser-private.h"

static void
append_chunk (KerfDtNode *node, const char *name, KerfDtMarkKind type,
              const void *data, gsize len, KerfLoc loc)
{
  KerfDtProp *pr = kerf_dt_node_get_prop (node, name);
  if (pr == NULL)
    {
      pr = kerf_dt_prop_new (name, loc);
      g_ptr_array_add (node->props, pr);
    }
  kerf_dt_prop_add_mark (pr, type, pr->value->len, NULL, KERF_LOC_NONE);
  g_byte_array_append (pr->value, data, (guint) len);
}

static gboolean
any_label (KerfDtNode *node)
{
  if (node->labels->len > 0)
    return TRUE;
  for (guint i = 0; i < node->children->len; i++)
    if (any_label (node->children->pdata[i]))
      return TRUE;
  return FALSE;
}

static void
symbols (KerfDtsResolver *r, KerfDtNode *syms, KerfDtNode *node)
{
  if (node->labels->len > 0)
    {
      g_autofree char *path = kerf_dt_node_path (node);
      for (guint i = 0; i < node->labels->len; i++)
        {
          const char *l = node->labels->pdata[i];
          if (kerf_dt_node_get_prop (syms, l) != NULL)
            {
              kerf_diag_warning (r->p->diags, node->loc, "label %s already exists in /__symbols__", l);
              continue;
            }
          append_chunk (syms, l, KERF_DT_MARK_TYPE_STRING, path, strlen (path) + 1, node->loc);
        }
      (void) kerf_dts_node_phandle (r, node);
    }
  for (guint i = 0; i < node->children->len; i++)
    symbols (r, syms, node->children->pdata[i]);
}

/* resolved = TRUE: any reference this tree resolves; FALSE: any it lacks */
static gboolean
any_ref (KerfDtsResolver *r, KerfDtNode *node, gboolean resolved)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind == KERF_DT_MARK_REF_PHANDLE
              && (kerf_dts_resolve_ref (r, m->ref) != NULL) == resolved)
            return TRUE;
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    if (any_ref (r, node->children->pdata[i], resolved))
      return TRUE;
  return FALSE;
}

static void
fixups (KerfDtsResolver *r, KerfDtNode *fn, KerfDtNode *node)
{
  g_autofree char *path = NULL;
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind != KERF_DT_MARK_REF_PHANDLE || kerf_dts_resolve_ref (r, m->ref) != NULL)
            continue;
          if (path == NULL)
            path = kerf_dt_node_path (node);
          if (strchr (path, ':') != NULL || strchr (pr->name, ':') != NULL)
            {
              kerf_dts_parser_error (r->p, m->loc, NULL,
                                     "cannot record a fixup for %s:%s: node and property names "
                                     "must not contain ':'", path, pr->name);
              continue;
            }
          g_autofree char *entry = g_strdup_printf ("%s:%s:%" G_GSIZE_FORMAT, path, pr->name, m->offset);
          append_chunk (fn, m->ref, KERF_DT_MARK_TYPE_STRING, entry, strlen (entry) + 1, m->loc);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    fixups (r, fn, node->children->pdata[i]);
}

static void
local_fixups (KerfDtsResolver *r, KerfDtNode *lfn, KerfDtNode *node)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind != KERF_DT_MARK_REF_PHANDLE || kerf_dts_resolve_ref (r, m->ref) == NULL)
            continue;
          /* mirror node's path below __local_fixups__ */
          g_autoptr(GPtrArray) chain = g_ptr_array_new ();
          for (KerfDtNode *w = node; w->parent != NULL; w = w->parent)
            g_ptr_array_add (chain, w);
          KerfDtNode *at = lfn;
          for (guint k = chain->len; k > 0; k--)
            at = kerf_dt_node_ensure_child (at, ((KerfDtNode *) chain->pdata[k - 1])->name,
                                            ((KerfDtNode *) chain->pdata[k - 1])->loc);
          guint8 b[4] = { (guint8) (m->offset >> 24), (guint8) (m->offset >> 16),
                          (guint8) (m->offset >> 8), (guint8) m->offset };
          append_chunk (at, pr->name, KERF_DT_MARK_TYPE_U32, b, 4, pr->loc);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    local_fixups (r, lfn, node->children->pdata[i]);
}

void
kerf_dts_plugin_trees (KerfDtsResolver *r)
{
  KerfDtNode *root = r->p->tree->root;
  if (any_label (root))
    symbols (r, kerf_dt_node_ensure_child (root, "__symbols__", root->loc), root);
  if (any_ref (r, root, FALSE))
    fixups (r, kerf_dt_node_ensure_child (root, "__fixups__", root->loc), root);
  if (any_ref (r, root, TRUE))
    local_fixups (r, kerf_dt_node_ensure_child (root, "__local_fixups__", root->loc), root);
}
