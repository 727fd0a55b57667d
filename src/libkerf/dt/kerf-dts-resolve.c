/* kerf-dts-resolve.c — what dtc does between parsing and writing a blob.
 *
 * Node merging and deletion (livetree.c's merge_nodes/delete_node, with
 * deleted items kept in place until the end of parsing so a later
 * definition revives them at their old position), the error checks of
 * checks.c that make dtc refuse a source, label/phandle/path references
 * with dtc's phandle numbering, /omit-if-no-ref/, and for /plugin/ sources
 * the fragments, __symbols__, __fixups__ and __local_fixups__ of
 * `dtc -@`.
 */
#include "config.h"

#include <string.h>

#include "kerf-dts-parser-private.h"

/* ---- deletion and merging (parse time) ------------------------------- */

gboolean
kerf_dts_is_deleted (KerfDtsParser *p, gconstpointer obj)
{
  return g_hash_table_size (p->deleted) > 0 && g_hash_table_contains (p->deleted, obj);
}

void
kerf_dts_mark_deleted (KerfDtsParser *p, gpointer obj)
{
  g_hash_table_add (p->deleted, obj);
}

static void
undelete (KerfDtsParser *p, gpointer obj)
{
  if (g_hash_table_size (p->deleted) > 0)
    g_hash_table_remove (p->deleted, obj);
}

static void
delete_prop (KerfDtsParser *p, KerfDtProp *prop)
{
  kerf_dts_mark_deleted (p, prop);
  g_ptr_array_set_size (prop->labels, 0);
}

void
kerf_dts_delete_node (KerfDtsParser *p, KerfDtNode *node)
{
  kerf_dts_mark_deleted (p, node);
  for (guint i = 0; i < node->children->len; i++)
    kerf_dts_delete_node (p, node->children->pdata[i]);
  for (guint i = 0; i < node->props->len; i++)
    delete_prop (p, node->props->pdata[i]);
  g_ptr_array_set_size (node->labels, 0);
}

/* dtc's add_label() prepends: merged labels come first, as dtc lists them */
static void
add_label (GPtrArray *labels, const char *label)
{
  for (guint i = 0; i < labels->len; i++)
    if (strcmp (labels->pdata[i], label) == 0)
      return;
  g_ptr_array_insert (labels, 0, g_strdup (label));
}

static void
forget_pointers (KerfDtsParser *p, KerfDtNode *node)
{
  g_hash_table_remove (p->deleted, node);
  g_hash_table_remove (p->omit, node);
  for (guint i = 0; i < node->props->len; i++)
    g_hash_table_remove (p->deleted, node->props->pdata[i]);
  for (guint i = 0; i < node->children->len; i++)
    forget_pointers (p, node->children->pdata[i]);
}

void
kerf_dts_discard_node (KerfDtsParser *p, KerfDtNode *node)
{
  if (g_hash_table_size (p->deleted) > 0 || g_hash_table_size (p->omit) > 0)
    forget_pointers (p, node);
  kerf_dt_node_free (node);
}

/* Frees an in-flight node (never in the tree) and forgets its pointers. */
static void
forget_node (KerfDtsParser *p, KerfDtNode *node)
{
  kerf_dts_discard_node (p, node);
}

void
kerf_dts_merge_nodes (KerfDtsParser *p, KerfDtNode *old, KerfDtNode *new_node)
{
  undelete (p, old);
  for (guint i = 0; i < new_node->labels->len; i++)
    add_label (old->labels, new_node->labels->pdata[i]);

  gsize n = 0;
  KerfDtProp **props = (KerfDtProp **) g_ptr_array_steal (new_node->props, &n);
  for (gsize i = 0; i < n; i++)
    {
      KerfDtProp *np = props[i];
      KerfDtProp *match = NULL;
      for (guint j = 0; j < old->props->len && match == NULL; j++)
        if (strcmp (((KerfDtProp *) old->props->pdata[j])->name, np->name) == 0)
          match = old->props->pdata[j];
      if (kerf_dts_is_deleted (p, np))
        {
          if (match != NULL)
            delete_prop (p, match);
          undelete (p, np);
          kerf_dt_prop_free (np);
          continue;
        }
      if (match == NULL)
        {
          g_ptr_array_add (old->props, np);
          continue;
        }
      for (guint j = 0; j < np->labels->len; j++)
        add_label (match->labels, np->labels->pdata[j]);
      GByteArray *v = match->value;
      match->value = np->value;
      np->value = v;
      GArray *m = match->marks;
      match->marks = np->marks;
      np->marks = m;
      match->loc = np->loc;
      undelete (p, match);
      kerf_dt_prop_free (np);
    }
  g_free (props);

  KerfDtNode **kids = (KerfDtNode **) g_ptr_array_steal (new_node->children, &n);
  for (gsize i = 0; i < n; i++)
    {
      KerfDtNode *nc = kids[i];
      KerfDtNode *match = NULL;
      nc->parent = NULL;
      for (guint j = 0; j < old->children->len && match == NULL; j++)
        if (strcmp (((KerfDtNode *) old->children->pdata[j])->name, nc->name) == 0)
          match = old->children->pdata[j];
      if (kerf_dts_is_deleted (p, nc))
        {
          if (match != NULL)
            kerf_dts_delete_node (p, match);
          forget_node (p, nc);
          continue;
        }
      if (match != NULL)
        {
          if (g_hash_table_contains (p->omit, nc))
            {
              g_hash_table_remove (p->omit, nc);
              g_hash_table_add (p->omit, match);
            }
          kerf_dts_merge_nodes (p, match, nc);
        }
      else
        kerf_dt_node_add_child (old, nc);
    }
  g_free (kids);
  forget_node (p, new_node);
}

/* ---- lookups ------------------------------------------------------------ */

static KerfDtNode *
lookup_label (KerfDtsParser *p, KerfDtNode *node, const char *label)
{
  for (guint i = 0; i < node->labels->len; i++)
    if (strcmp (node->labels->pdata[i], label) == 0)
      return node;
  for (guint i = 0; i < node->children->len; i++)
    {
      KerfDtNode *c = node->children->pdata[i];
      if (kerf_dts_is_deleted (p, c))
        continue;
      KerfDtNode *r = lookup_label (p, c, label);
      if (r != NULL)
        return r;
    }
  return NULL;
}

/* dtc's get_node_by_path(): exact component names, repeated '/' skipped */
static KerfDtNode *
lookup_path (KerfDtsParser *p, KerfDtNode *node, const char *path)
{
  while (node != NULL)
    {
      while (*path == '/')
        path++;
      if (*path == '\0')
        return kerf_dts_is_deleted (p, node) ? NULL : node;
      const char *slash = strchr (path, '/');
      gsize len = slash != NULL ? (gsize) (slash - path) : strlen (path);
      KerfDtNode *next = NULL;
      for (guint i = 0; i < node->children->len && next == NULL; i++)
        {
          KerfDtNode *c = node->children->pdata[i];
          if (!kerf_dts_is_deleted (p, c) && strncmp (c->name, path, len) == 0
              && c->name[len] == '\0')
            next = c;
        }
      node = next;
      path += len;
    }
  return NULL;
}

KerfDtNode *
kerf_dts_lookup_ref (KerfDtsParser *p, const char *ref)
{
  KerfDtNode *root = p->tree->root;
  if (strcmp (ref, "/") == 0)
    return root;
  if (ref[0] == '/')
    return lookup_path (p, root, ref);
  return lookup_label (p, root, ref);
}

void
kerf_dts_add_fragment (KerfDtsParser *p, KerfDtNode *overlay, const char *ref, KerfLoc loc)
{
  g_autofree char *name = g_strdup_printf ("fragment@%u", p->next_fragment++);
  KerfDtNode *frag = kerf_dt_node_new (name, loc);
  KerfDtProp *prop;
  if (ref[0] == '/')
    {
      prop = kerf_dt_prop_new ("target-path", loc);
      kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_STRING, 0, NULL, KERF_LOC_NONE);
      g_byte_array_append (prop->value, (const guint8 *) ref, (guint) strlen (ref) + 1);
    }
  else
    {
      prop = kerf_dt_prop_new ("target", loc);
      kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_U32, 0, NULL, KERF_LOC_NONE);
      kerf_dt_prop_add_mark (prop, KERF_DT_MARK_REF_PHANDLE, 0, ref, loc);
      g_byte_array_append (prop->value, (const guint8 *) "\xff\xff\xff\xff", 4);
    }
  g_ptr_array_add (frag->props, prop);
  g_free (overlay->name);
  overlay->name = g_strdup ("__overlay__");
  kerf_dt_node_add_child (frag, overlay);
  kerf_dt_node_add_child (p->tree->root, frag);
  p->root_defined = TRUE;
}

/* ---- checks before the deleted items go ------------------------------- */

/* dtc: a live child and any later sibling (even a deleted one) of the same
 * name is "Duplicate node name"; properties count only when both live. */
static void
check_duplicates (KerfDtsParser *p, KerfDtNode *node)
{
  if (kerf_dts_is_deleted (p, node))
    return;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < node->children->len; i++)
    {
      KerfDtNode *c = node->children->pdata[i];
      if (g_hash_table_contains (seen, c->name))
        {
          g_autofree char *path = kerf_dt_node_path (node);
          KerfDtNode *first = g_hash_table_lookup (seen, c->name);
          g_autofree char *where = kerf_loc_to_string (first->loc);
          g_autofree char *sugg = g_strdup_printf ("merge it with the node at %s", where);
          kerf_dts_parser_error (p, c->loc, sugg, "duplicate node name '%s' in %s", c->name, path);
        }
      else if (!kerf_dts_is_deleted (p, c))
        g_hash_table_insert (seen, c->name, c);
    }
  g_hash_table_remove_all (seen);
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      if (kerf_dts_is_deleted (p, pr))
        continue;
      KerfDtProp *first = g_hash_table_lookup (seen, pr->name);
      if (first != NULL)
        {
          g_autofree char *path = kerf_dt_node_path (node);
          g_autofree char *where = kerf_loc_to_string (first->loc);
          g_autofree char *sugg = g_strdup_printf ("remove one of the two (the other is at %s)", where);
          kerf_dts_parser_error (p, pr->loc, sugg, "duplicate property name '%s' in %s", pr->name, path);
        }
      else
        g_hash_table_insert (seen, pr->name, pr);
    }
  for (guint i = 0; i < node->children->len; i++)
    check_duplicates (p, node->children->pdata[i]);
}

static void
purge_deleted (KerfDtsParser *p, KerfDtNode *node)
{
  for (guint i = node->props->len; i > 0; i--)
    if (g_hash_table_contains (p->deleted, node->props->pdata[i - 1]))
      g_ptr_array_remove_index (node->props, i - 1);
  for (guint i = node->children->len; i > 0; i--)
    {
      KerfDtNode *c = node->children->pdata[i - 1];
      if (g_hash_table_contains (p->deleted, c))
        {
          if (g_hash_table_size (p->omit) > 0)
            forget_pointers (p, c);
          g_ptr_array_remove_index (node->children, i - 1);
        }
      else
        purge_deleted (p, c);
    }
}

/* dtc's guess_boot_cpuid(): reg of the first child of /cpus */
static guint32
guess_boot_cpuid (KerfDtsParser *p)
{
  KerfDtNode *cpus = lookup_path (p, p->tree->root, "/cpus");
  if (cpus == NULL || cpus->children->len == 0)
    return 0;
  KerfDtNode *cpu = cpus->children->pdata[0];
  for (guint i = 0; i < cpu->props->len; i++)
    {
      KerfDtProp *pr = cpu->props->pdata[i];
      if (!kerf_dts_is_deleted (p, pr) && strcmp (pr->name, "reg") == 0)
        {
          guint32 v = 0;
          return pr->value->len == 4 && kerf_dt_prop_get_u32 (pr, 0, &v) ? v : 0;
        }
    }
  return 0;
}

/* ---- after parsing ------------------------------------------------------ */

typedef KerfDtsResolver Resolver;

KerfDtNode *
kerf_dts_resolve_ref (Resolver *r, const char *ref)
{
  if (ref[0] == '/')
    return lookup_path (r->p, r->p->tree->root, ref);
  return g_hash_table_lookup (r->labels, ref);
}

static void
name_properties (Resolver *r, KerfDtNode *node)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      if (strcmp (pr->name, "name") != 0)
        continue;
      const char *at = strchr (node->name, '@');
      gsize blen = at != NULL ? (gsize) (at - node->name) : strlen (node->name);
      if (pr->value->len == blen + 1 && memcmp (pr->value->data, node->name, blen) == 0)
        g_ptr_array_remove_index (node->props, i);  /* correct, hence redundant */
      else
        kerf_dts_parser_error (r->p, pr->loc, "remove the \"name\" property",
                               "\"name\" property is incorrect (not the base node name)");
      break;
    }
  for (guint i = 0; i < node->children->len; i++)
    name_properties (r, node->children->pdata[i]);
}

static void
own_label (Resolver *r, const char *label, char *desc, KerfLoc loc)
{
  const char *other = g_hash_table_lookup (r->owners, label);
  if (other == NULL)
    {
      g_hash_table_insert (r->owners, (gpointer) label, desc);
      return;
    }
  if (strcmp (other, desc) != 0)
    kerf_dts_parser_error (r->p, loc, "rename one of them", "duplicate label '%s' on %s and %s",
                           label, desc, other);
  g_free (desc);
}

static void
collect_labels (Resolver *r, KerfDtNode *node)
{
  g_autofree char *path = NULL;
  for (guint i = 0; i < node->labels->len; i++)
    {
      const char *l = node->labels->pdata[i];
      if (path == NULL)
        path = kerf_dt_node_path (node);
      if (!g_hash_table_contains (r->labels, l))
        g_hash_table_insert (r->labels, (gpointer) l, node);
      own_label (r, l, g_strdup (path), node->loc);
    }
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->labels->len; j++)
        {
          if (path == NULL)
            path = kerf_dt_node_path (node);
          own_label (r, pr->labels->pdata[j],
                     g_strdup_printf ("property '%s' in %s", pr->name, path), pr->loc);
        }
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind != KERF_DT_MARK_LABEL)
            continue;
          if (path == NULL)
            path = kerf_dt_node_path (node);
          own_label (r, m->ref, g_strdup_printf ("value of '%s' in %s (offset %" G_GSIZE_FORMAT ")",
                                                 pr->name, path, m->offset), m->loc);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    collect_labels (r, node->children->pdata[i]);
}

/* dtc's check_phandle_prop(): 0 when absent, invalid or a self-reference */
static guint32
phandle_prop (Resolver *r, KerfDtNode *node, const char *name)
{
  KerfDtProp *pr = kerf_dt_node_get_prop (node, name);
  if (pr == NULL)
    return 0;
  if (pr->value->len != 4)
    {
      kerf_dts_parser_error (r->p, pr->loc, NULL, "bad length (%u) %s property", pr->value->len, name);
      return 0;
    }
  for (guint j = 0; j < pr->marks->len; j++)
    {
      KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
      if (m->kind != KERF_DT_MARK_REF_PHANDLE)
        continue;
      if (kerf_dts_resolve_ref (r, m->ref) != node)
        kerf_dts_parser_error (r->p, m->loc, NULL, "%s is a reference to another node", name);
      return 0;  /* <&self>: allocate one below */
    }
  guint32 v = 0;
  kerf_dt_prop_get_u32 (pr, 0, &v);
  if (v == 0 || v == 0xffffffff)
    {
      kerf_dts_parser_error (r->p, pr->loc, "use a value from 1 to 0xfffffffe",
                             "bad value (0x%x) in %s property", v, name);
      return 0;
    }
  return v;
}

static void
explicit_phandles (Resolver *r, KerfDtNode *node)
{
  guint32 ph = phandle_prop (r, node, "phandle");
  guint32 lph = phandle_prop (r, node, "linux,phandle");
  if (ph != 0 && lph != 0 && ph != lph)
    kerf_dts_parser_error (r->p, node->loc, NULL, "mismatching 'phandle' and 'linux,phandle' properties");
  if (ph == 0)
    ph = lph;
  if (ph != 0)
    {
      KerfDtNode *other = g_hash_table_lookup (r->phandles, GUINT_TO_POINTER (ph));
      if (other != NULL && other != node)
        {
          g_autofree char *path = kerf_dt_node_path (other);
          kerf_dts_parser_error (r->p, node->loc, NULL, "duplicated phandle 0x%x (seen before at %s)",
                                 ph, path);
        }
      else
        {
          node->phandle = ph;
          g_hash_table_insert (r->phandles, GUINT_TO_POINTER (ph), node);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    explicit_phandles (r, node->children->pdata[i]);
}

/* dtc's get_node_phandle(): the first unused number, counting up */
guint32
kerf_dts_node_phandle (Resolver *r, KerfDtNode *node)
{
  if (node->phandle != 0 && node->phandle != 0xffffffff)
    return node->phandle;
  while (g_hash_table_contains (r->phandles, GUINT_TO_POINTER (r->next_phandle)))
    r->next_phandle++;
  node->phandle = r->next_phandle;
  g_hash_table_insert (r->phandles, GUINT_TO_POINTER (node->phandle), node);
  if (kerf_dt_node_get_prop (node, "phandle") == NULL)
    {
      KerfDtProp *pr = kerf_dt_prop_new ("phandle", node->loc);
      guint8 b[4] = { (guint8) (node->phandle >> 24), (guint8) (node->phandle >> 16),
                      (guint8) (node->phandle >> 8), (guint8) node->phandle };
      kerf_dt_prop_add_mark (pr, KERF_DT_MARK_TYPE_U32, 0, NULL, KERF_LOC_NONE);
      g_byte_array_append (pr->value, b, 4);
      g_ptr_array_add (node->props, pr);
    }
  return node->phandle;
}

static void
put_cell (KerfDtProp *pr, gsize off, guint32 v)
{
  guint8 *b = pr->value->data + off;
  b[0] = (guint8) (v >> 24);
  b[1] = (guint8) (v >> 16);
  b[2] = (guint8) (v >> 8);
  b[3] = (guint8) v;
}

static void
unknown_ref (Resolver *r, const KerfDtMark *m)
{
  if (m->ref[0] == '/')
    kerf_dts_parser_error (r->p, m->loc, "check the path (it must name an existing node exactly, "
                           "unit address included)", "reference to non-existent node '%s'", m->ref);
  else
    kerf_dts_parser_error (r->p, m->loc, "define the label on a node (label: name { ... })",
                           "reference to non-existent label '%s'", m->ref);
}

static void
phandle_references (Resolver *r, KerfDtNode *node)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind != KERF_DT_MARK_REF_PHANDLE || m->offset + 4 > pr->value->len)
            continue;
          KerfDtNode *target = kerf_dts_resolve_ref (r, m->ref);
          if (target == NULL)
            {
              if (r->p->tree->plugin)
                put_cell (pr, m->offset, 0xffffffff);
              else
                unknown_ref (r, m);
              continue;
            }
          /* node_phandle may append a property: do not hold `pr` across it */
          guint32 ph = kerf_dts_node_phandle (r, target);
          pr = node->props->pdata[i];
          put_cell (pr, g_array_index (pr->marks, KerfDtMark, j).offset, ph);
          g_hash_table_add (r->referenced, target);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    phandle_references (r, node->children->pdata[i]);
}

static void
path_references (Resolver *r, KerfDtNode *node)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *pr = node->props->pdata[i];
      for (guint j = 0; j < pr->marks->len; j++)
        {
          KerfDtMark *m = &g_array_index (pr->marks, KerfDtMark, j);
          if (m->kind != KERF_DT_MARK_REF_PATH)
            continue;
          KerfDtNode *target = kerf_dts_resolve_ref (r, m->ref);
          if (target == NULL)
            {
              unknown_ref (r, m);
              continue;
            }
          g_autofree char *path = kerf_dt_node_path (target);
          gsize len = strlen (path) + 1;
          g_byte_array_set_size (pr->value, pr->value->len + (guint) len);
          memmove (pr->value->data + m->offset + len, pr->value->data + m->offset,
                   pr->value->len - len - m->offset);
          memcpy (pr->value->data + m->offset, path, len);
          for (guint k = j + 1; k < pr->marks->len; k++)
            g_array_index (pr->marks, KerfDtMark, k).offset += len;
          g_hash_table_add (r->referenced, target);
        }
    }
  for (guint i = 0; i < node->children->len; i++)
    path_references (r, node->children->pdata[i]);
}

static void
omit_unused (Resolver *r, KerfDtNode *node)
{
  for (guint i = node->children->len; i > 0; i--)
    {
      KerfDtNode *c = node->children->pdata[i - 1];
      gboolean keep_for_symbols = r->p->tree->plugin && c->labels->len > 0;
      if (g_hash_table_contains (r->p->omit, c) && !g_hash_table_contains (r->referenced, c)
          && !keep_for_symbols)
        {
          forget_pointers (r->p, c);
          g_ptr_array_remove_index (node->children, i - 1);
        }
      else
        omit_unused (r, c);
    }
}

gboolean
kerf_dts_resolve (KerfDtsParser *p)
{
  guint errors = kerf_diag_list_n_errors (p->diags);
  p->tree->boot_cpuid = guess_boot_cpuid (p);
  check_duplicates (p, p->tree->root);
  purge_deleted (p, p->tree->root);
  g_hash_table_remove_all (p->deleted);

  Resolver r = { p, NULL, NULL, NULL, NULL, 1 };
  r.labels = g_hash_table_new (g_str_hash, g_str_equal);
  r.owners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  r.phandles = g_hash_table_new (NULL, NULL);
  r.referenced = g_hash_table_new (NULL, NULL);

  name_properties (&r, p->tree->root);
  collect_labels (&r, p->tree->root);
  explicit_phandles (&r, p->tree->root);
  phandle_references (&r, p->tree->root);
  path_references (&r, p->tree->root);
  if (g_hash_table_size (p->omit) > 0)
    omit_unused (&r, p->tree->root);
  if (p->tree->plugin && kerf_diag_list_n_errors (p->diags) == errors)
    kerf_dts_plugin_trees (&r);

  g_hash_table_unref (r.labels);
  g_hash_table_unref (r.owners);
  g_hash_table_unref (r.phandles);
  g_hash_table_unref (r.referenced);
  return kerf_diag_list_n_errors (p->diags) == errors;
}
