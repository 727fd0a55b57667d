/* kerf-dt-tree.c — the in-memory device tree (see kerf-dt.h). */
#include "config.h"

#include <string.h>

#include "kerf-dt.h"

/* ---- properties ----------------------------------------------------- */

static void
kerf_dt_mark_clear (gpointer data)
{
  KerfDtMark *mark = data;

  g_free (mark->ref);
}

static GArray *
kerf_dt_marks_new (void)
{
  GArray *marks = g_array_new (FALSE, TRUE, sizeof (KerfDtMark));

  g_array_set_clear_func (marks, kerf_dt_mark_clear);
  return marks;
}

KerfDtProp *
kerf_dt_prop_new (const char *name, KerfLoc loc)
{
  KerfDtProp *prop = g_new0 (KerfDtProp, 1);

  prop->name = g_strdup (name);
  prop->value = g_byte_array_new ();
  prop->marks = kerf_dt_marks_new ();
  prop->labels = g_ptr_array_new_with_free_func (g_free);
  prop->loc = loc;
  return prop;
}

void
kerf_dt_prop_free (KerfDtProp *prop)
{
  if (prop == NULL)
    return;
  g_free (prop->name);
  g_byte_array_unref (prop->value);
  g_array_unref (prop->marks);
  g_ptr_array_unref (prop->labels);
  g_free (prop);
}

static void
kerf_dt_strv_array_copy (GPtrArray *to, const GPtrArray *from)
{
  for (guint i = 0; i < from->len; i++)
    g_ptr_array_add (to, g_strdup (g_ptr_array_index (from, i)));
}

KerfDtProp *
kerf_dt_prop_copy (const KerfDtProp *prop)
{
  KerfDtProp *copy = kerf_dt_prop_new (prop->name, prop->loc);

  g_byte_array_append (copy->value, prop->value->data, prop->value->len);
  for (guint i = 0; i < prop->marks->len; i++)
    {
      const KerfDtMark *mark = &g_array_index (prop->marks, KerfDtMark, i);
      kerf_dt_prop_add_mark (copy, mark->kind, mark->offset, mark->ref, mark->loc);
    }
  kerf_dt_strv_array_copy (copy->labels, prop->labels);
  return copy;
}

void
kerf_dt_prop_add_mark (KerfDtProp *prop, KerfDtMarkKind kind, gsize offset,
                       const char *ref, KerfLoc loc)
{
  KerfDtMark mark = { kind, offset, g_strdup (ref), loc };
  guint i = prop->marks->len;

  /* Keep ascending offsets; equal offsets stay in insertion order. */
  while (i > 0 && g_array_index (prop->marks, KerfDtMark, i - 1).offset > offset)
    i--;
  g_array_insert_val (prop->marks, i, mark);
}

gsize
kerf_dt_prop_n_u32 (const KerfDtProp *prop)
{
  return prop->value->len / 4;
}

static guint32
kerf_dt_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
kerf_dt_prop_get_u32 (const KerfDtProp *prop, gsize index, guint32 *out)
{
  if (prop == NULL || prop->value->len % 4 != 0 || index >= prop->value->len / 4)
    return FALSE;
  *out = kerf_dt_be32 (prop->value->data + index * 4);
  return TRUE;
}

gboolean
kerf_dt_prop_get_u64 (const KerfDtProp *prop, guint64 *out)
{
  if (prop == NULL || prop->value->len != 8)
    return FALSE;
  *out = ((guint64) kerf_dt_be32 (prop->value->data) << 32) | kerf_dt_be32 (prop->value->data + 4);
  return TRUE;
}

gboolean
kerf_dt_prop_get_number (const KerfDtProp *prop, guint64 *out)
{
  guint32 v;

  if (prop != NULL && prop->value->len == 4 && kerf_dt_prop_get_u32 (prop, 0, &v))
    {
      *out = v;
      return TRUE;
    }
  return kerf_dt_prop_get_u64 (prop, out);
}

const char *
kerf_dt_prop_get_string (const KerfDtProp *prop)
{
  const char *s;

  if (prop == NULL || prop->value->len == 0)
    return NULL;
  s = (const char *) prop->value->data;
  /* exactly one terminating NUL, at the end */
  if (memchr (s, '\0', prop->value->len) != s + prop->value->len - 1)
    return NULL;
  return s;
}

char **
kerf_dt_prop_get_string_list (const KerfDtProp *prop)
{
  GPtrArray *out;
  const char *p, *end;

  if (prop == NULL || prop->value->len == 0 || prop->value->data[prop->value->len - 1] != '\0')
    return NULL;
  out = g_ptr_array_new ();
  p = (const char *) prop->value->data;
  end = p + prop->value->len;
  while (p < end)
    {
      gsize n = strlen (p);
      g_ptr_array_add (out, g_strndup (p, n));
      p += n + 1;
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

const KerfDtMark *
kerf_dt_prop_type_at (const KerfDtProp *prop, gsize offset)
{
  const KerfDtMark *found = NULL;

  for (guint i = 0; i < prop->marks->len; i++)
    {
      const KerfDtMark *mark = &g_array_index (prop->marks, KerfDtMark, i);
      if (mark->offset > offset)
        break;
      if (mark->kind >= KERF_DT_MARK_TYPE_STRING)
        found = mark;
    }
  return found;
}

/* ---- nodes ---------------------------------------------------------- */

KerfDtNode *
kerf_dt_node_new (const char *name, KerfLoc loc)
{
  KerfDtNode *node = g_new0 (KerfDtNode, 1);

  node->name = g_strdup (name ? name : "");
  node->props = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_dt_prop_free);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_dt_node_free);
  node->labels = g_ptr_array_new_with_free_func (g_free);
  node->loc = loc;
  return node;
}

void
kerf_dt_node_free (KerfDtNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  g_ptr_array_unref (node->props);
  g_ptr_array_unref (node->children);
  g_ptr_array_unref (node->labels);
  g_free (node);
}

KerfDtNode *
kerf_dt_node_copy (const KerfDtNode *node)
{
  KerfDtNode *copy = kerf_dt_node_new (node->name, node->loc);

  copy->phandle = node->phandle;
  kerf_dt_strv_array_copy (copy->labels, node->labels);
  for (guint i = 0; i < node->props->len; i++)
    g_ptr_array_add (copy->props, kerf_dt_prop_copy (g_ptr_array_index (node->props, i)));
  for (guint i = 0; i < node->children->len; i++)
    kerf_dt_node_add_child (copy, kerf_dt_node_copy (g_ptr_array_index (node->children, i)));
  return copy;
}

void
kerf_dt_node_add_child (KerfDtNode *node, KerfDtNode *child)
{
  child->parent = node;
  g_ptr_array_add (node->children, child);
}

gboolean
kerf_dt_node_remove_child (KerfDtNode *node, KerfDtNode *child)
{
  return g_ptr_array_remove (node->children, child);
}

KerfDtNode *
kerf_dt_node_get_child (const KerfDtNode *node, const char *name)
{
  for (guint i = 0; i < node->children->len; i++)
    {
      KerfDtNode *child = g_ptr_array_index (node->children, i);
      if (strcmp (child->name, name) == 0)
        return child;
    }
  return NULL;
}

KerfDtNode *
kerf_dt_node_ensure_child (KerfDtNode *node, const char *name, KerfLoc loc)
{
  KerfDtNode *child = kerf_dt_node_get_child (node, name);

  if (child == NULL)
    {
      child = kerf_dt_node_new (name, loc);
      kerf_dt_node_add_child (node, child);
    }
  return child;
}

char *
kerf_dt_node_basename (const KerfDtNode *node)
{
  const char *at = strchr (node->name, '@');

  return at ? g_strndup (node->name, (gsize) (at - node->name)) : g_strdup (node->name);
}

const char *
kerf_dt_node_unit (const KerfDtNode *node)
{
  const char *at = strchr (node->name, '@');

  return at ? at + 1 : NULL;
}

char *
kerf_dt_node_path (const KerfDtNode *node)
{
  GPtrArray *parts = g_ptr_array_new ();
  GString *path = g_string_new (NULL);

  for (const KerfDtNode *n = node; n != NULL && n->parent != NULL; n = n->parent)
    g_ptr_array_add (parts, n->name);
  for (guint i = parts->len; i > 0; i--)
    {
      g_string_append_c (path, '/');
      g_string_append (path, g_ptr_array_index (parts, i - 1));
    }
  if (path->len == 0)
    g_string_append_c (path, '/');
  g_ptr_array_unref (parts);
  return g_string_free (path, FALSE);
}

gboolean
kerf_dt_node_has_label (const KerfDtNode *node, const char *label)
{
  for (guint i = 0; i < node->labels->len; i++)
    if (strcmp (g_ptr_array_index (node->labels, i), label) == 0)
      return TRUE;
  return FALSE;
}

void
kerf_dt_node_add_label (KerfDtNode *node, const char *label)
{
  if (!kerf_dt_node_has_label (node, label))
    g_ptr_array_add (node->labels, g_strdup (label));
}

KerfDtProp *
kerf_dt_node_get_prop (const KerfDtNode *node, const char *name)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *prop = g_ptr_array_index (node->props, i);
      if (strcmp (prop->name, name) == 0)
        return prop;
    }
  return NULL;
}

void
kerf_dt_node_take_prop (KerfDtNode *node, KerfDtProp *prop)
{
  for (guint i = 0; i < node->props->len; i++)
    {
      KerfDtProp *old = g_ptr_array_index (node->props, i);
      if (strcmp (old->name, prop->name) == 0)
        {
          node->props->pdata[i] = prop;
          kerf_dt_prop_free (old);
          return;
        }
    }
  g_ptr_array_add (node->props, prop);
}

gboolean
kerf_dt_node_remove_prop (KerfDtNode *node, const char *name)
{
  KerfDtProp *prop = kerf_dt_node_get_prop (node, name);

  return prop != NULL && g_ptr_array_remove (node->props, prop);
}

/* ---- typed setters -------------------------------------------------- */

static KerfDtProp *
kerf_dt_node_set_raw (KerfDtNode *node, const char *name, KerfDtMarkKind type,
                      const guint8 *data, gsize len, KerfLoc loc)
{
  KerfDtProp *prop = kerf_dt_prop_new (name, loc);

  if (len > 0)
    {
      g_byte_array_append (prop->value, data, (guint) len);
      kerf_dt_prop_add_mark (prop, type, 0, NULL, loc);
    }
  kerf_dt_node_take_prop (node, prop);
  return prop;
}

KerfDtProp *
kerf_dt_node_set_empty (KerfDtNode *node, const char *name, KerfLoc loc)
{
  return kerf_dt_node_set_raw (node, name, KERF_DT_MARK_TYPE_U32, NULL, 0, loc);
}

KerfDtProp *
kerf_dt_node_set_u32 (KerfDtNode *node, const char *name, guint32 value, KerfLoc loc)
{
  return kerf_dt_node_set_u32_array (node, name, &value, 1, loc);
}

KerfDtProp *
kerf_dt_node_set_u64 (KerfDtNode *node, const char *name, guint64 value, KerfLoc loc)
{
  return kerf_dt_node_set_u64_array (node, name, &value, 1, loc);
}

KerfDtProp *
kerf_dt_node_set_u32_array (KerfDtNode *node, const char *name,
                            const guint32 *values, gsize n, KerfLoc loc)
{
  g_autofree guint8 *buf = g_malloc (n * 4 + 1);

  for (gsize i = 0; i < n; i++)
    {
      buf[i * 4] = (guint8) (values[i] >> 24);
      buf[i * 4 + 1] = (guint8) (values[i] >> 16);
      buf[i * 4 + 2] = (guint8) (values[i] >> 8);
      buf[i * 4 + 3] = (guint8) values[i];
    }
  return kerf_dt_node_set_raw (node, name, KERF_DT_MARK_TYPE_U32, buf, n * 4, loc);
}

KerfDtProp *
kerf_dt_node_set_u64_array (KerfDtNode *node, const char *name,
                            const guint64 *values, gsize n, KerfLoc loc)
{
  g_autofree guint32 *cells = g_new (guint32, n * 2 + 1);

  /* Two-cell values print and read as <hi lo>, which is what the kernel
   * ABI and dtc -O dts show for u64 properties. */
  for (gsize i = 0; i < n; i++)
    {
      cells[i * 2] = (guint32) (values[i] >> 32);
      cells[i * 2 + 1] = (guint32) values[i];
    }
  return kerf_dt_node_set_u32_array (node, name, cells, n * 2, loc);
}

KerfDtProp *
kerf_dt_node_set_string (KerfDtNode *node, const char *name, const char *value, KerfLoc loc)
{
  return kerf_dt_node_set_raw (node, name, KERF_DT_MARK_TYPE_STRING,
                               (const guint8 *) value, strlen (value) + 1, loc);
}

KerfDtProp *
kerf_dt_node_set_string_list (KerfDtNode *node, const char *name,
                              const char *const *values, KerfLoc loc)
{
  GByteArray *buf = g_byte_array_new ();
  KerfDtProp *prop;

  for (gsize i = 0; values != NULL && values[i] != NULL; i++)
    g_byte_array_append (buf, (const guint8 *) values[i], (guint) strlen (values[i]) + 1);
  prop = kerf_dt_node_set_raw (node, name, KERF_DT_MARK_TYPE_STRING, buf->data, buf->len, loc);
  g_byte_array_unref (buf);
  return prop;
}

KerfDtProp *
kerf_dt_node_set_bytes (KerfDtNode *node, const char *name,
                        const guint8 *data, gsize len, KerfLoc loc)
{
  return kerf_dt_node_set_raw (node, name, KERF_DT_MARK_TYPE_BYTES, data, len, loc);
}

/* ---- trees ---------------------------------------------------------- */

KerfDtTree *
kerf_dt_tree_new (void)
{
  KerfDtTree *tree = g_new0 (KerfDtTree, 1);

  tree->root = kerf_dt_node_new ("", KERF_LOC_NONE);
  tree->reserves = g_array_new (FALSE, TRUE, sizeof (KerfDtReserve));
  tree->dialect = KERF_DT_DIALECT_DTS_V1;
  return tree;
}

void
kerf_dt_tree_free (KerfDtTree *tree)
{
  if (tree == NULL)
    return;
  kerf_dt_node_free (tree->root);
  g_array_unref (tree->reserves);
  g_free (tree);
}

KerfDtTree *
kerf_dt_tree_copy (const KerfDtTree *tree)
{
  KerfDtTree *copy = g_new0 (KerfDtTree, 1);

  copy->root = kerf_dt_node_copy (tree->root);
  copy->reserves = g_array_copy (tree->reserves);
  copy->dialect = tree->dialect;
  copy->plugin = tree->plugin;
  copy->boot_cpuid = tree->boot_cpuid;
  return copy;
}

KerfDtNode *
kerf_dt_tree_lookup_path (const KerfDtTree *tree, const char *path)
{
  KerfDtNode *node = tree->root;
  g_auto (GStrv) parts = NULL;

  if (path == NULL || path[0] != '/')
    return NULL;
  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; parts[i] != NULL && node != NULL; i++)
    {
      if (parts[i][0] == '\0')
        continue;  /* "/" or a trailing slash */
      node = kerf_dt_node_get_child (node, parts[i]);
    }
  return node;
}

typedef gboolean (*KerfDtNodeMatch) (const KerfDtNode *node, gconstpointer data);

static KerfDtNode *
kerf_dt_node_find (KerfDtNode *node, KerfDtNodeMatch match, gconstpointer data)
{
  if (match (node, data))
    return node;
  for (guint i = 0; i < node->children->len; i++)
    {
      KerfDtNode *found = kerf_dt_node_find (g_ptr_array_index (node->children, i), match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
kerf_dt_match_label (const KerfDtNode *node, gconstpointer data)
{
  return kerf_dt_node_has_label (node, data);
}

static gboolean
kerf_dt_match_phandle (const KerfDtNode *node, gconstpointer data)
{
  return node->phandle != 0 && node->phandle == *(const guint32 *) data;
}

KerfDtNode *
kerf_dt_tree_lookup_label (const KerfDtTree *tree, const char *label)
{
  return kerf_dt_node_find (tree->root, kerf_dt_match_label, label);
}

KerfDtNode *
kerf_dt_tree_lookup_phandle (const KerfDtTree *tree, guint32 phandle)
{
  return kerf_dt_node_find (tree->root, kerf_dt_match_phandle, &phandle);
}

static guint32
kerf_dt_node_max_phandle (const KerfDtNode *node)
{
  guint32 max = node->phandle;

  for (guint i = 0; i < node->children->len; i++)
    max = MAX (max, kerf_dt_node_max_phandle (g_ptr_array_index (node->children, i)));
  return max;
}

guint32
kerf_dt_tree_max_phandle (const KerfDtTree *tree)
{
  return kerf_dt_node_max_phandle (tree->root);
}
