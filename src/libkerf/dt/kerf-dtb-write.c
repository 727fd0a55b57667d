/* kerf-dtb-write.c — KerfDtTree -> flattened device tree blob.
 *
 * SPEC §2 wants our DTB byte-identical to `dtc -I dts -O dtb`.  libfdt's
 * sequential-write API cannot give that: fdt_property() prepends each new
 * name to the strings block (the finished table is in reverse order of
 * first use), while dtc appends names in order of first use and reuses any
 * earlier name that ends with the new one ("phandle" inside
 * "linux,phandle").  So the blob is assembled here, in dtc's layout
 * (flattree.c): 40-byte v17 header, memory reservation map at offset 40
 * with its zero terminator, structure block, strings block, no padding.
 *
 * dtc finds a name by scanning the whole table (quadratic); we index every
 * suffix of every stored name in a hash table keyed to its first offset,
 * which gives the same offsets in linear time.
 */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-dts.h"
#include "kerf-dtb-private.h"

typedef struct {
  GByteArray *st;        /* structure block */
  GByteArray *strings;   /* strings block */
  GHashTable *suffixes;  /* const char * (into `names`) -> offset + 1 */
  GPtrArray  *names;     /* owned copies of the stored names */
} Writer;

static void
put32 (GByteArray *buf, guint32 v)
{
  guint8 b[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (buf, b, 4);
}

static void
put64 (GByteArray *buf, guint64 v)
{
  put32 (buf, (guint32) (v >> 32));
  put32 (buf, (guint32) v);
}

static void
pad4 (GByteArray *buf)
{
  static const guint8 zeros[4] = { 0 };

  if (buf->len % 4 != 0)
    g_byte_array_append (buf, zeros, 4 - buf->len % 4);
}

/* dtc's stringtable_insert(): the first offset at which `name` (with its
 * NUL) already occurs, else append. */
static guint32
string_offset (Writer *w, const char *name)
{
  gpointer found = g_hash_table_lookup (w->suffixes, name);
  char *copy;
  guint32 offset;
  gsize len;

  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;

  offset = w->strings->len;
  len = strlen (name);
  g_byte_array_append (w->strings, (const guint8 *) name, (guint) len + 1);
  copy = g_strdup (name);
  g_ptr_array_add (w->names, copy);
  for (gsize i = 0; i <= len; i++)
    if (!g_hash_table_contains (w->suffixes, copy + i))
      g_hash_table_insert (w->suffixes, copy + i, GUINT_TO_POINTER (offset + (guint32) i + 1));
  return offset;
}

static char *
describe (const KerfDtNode *node, const KerfDtProp *prop, const KerfDtMark *mark)
{
  g_autofree char *path = kerf_dt_node_path (node);
  g_autofree char *where = NULL;

  if (mark->loc.file != NULL)
    where = kerf_loc_to_string (mark->loc);
  else if (prop->loc.file != NULL)
    where = kerf_loc_to_string (prop->loc);
  return g_strdup_printf ("%s%sunresolved reference to &%s%s%s in property \"%s\" of %s",
                          where ? where : "", where ? ": " : "",
                          (mark->ref && mark->ref[0] == '/') ? "{" : "",
                          mark->ref ? mark->ref : "?",
                          (mark->ref && mark->ref[0] == '/') ? "}" : "",
                          prop->name, path);
}

/* A reference mark is resolved when its bytes are in place: a phandle cell
 * that is not 0 (0xffffffff is what dtc leaves for an overlay's
 * __fixups__), or a path string starting with '/'. */
static gboolean
check_refs (const KerfDtNode *node, const KerfDtProp *prop, GError **error)
{
  const guint8 *v = prop->value->data;
  gsize len = prop->value->len;

  for (guint i = 0; i < prop->marks->len; i++)
    {
      const KerfDtMark *m = &g_array_index (prop->marks, KerfDtMark, i);
      gboolean ok = TRUE;

      if (m->kind == KERF_DT_MARK_REF_PHANDLE)
        ok = m->offset <= len && len - m->offset >= 4 && kerf_be32 (v + m->offset) != 0;
      else if (m->kind == KERF_DT_MARK_REF_PATH)
        ok = m->offset < len && v[m->offset] == '/' && memchr (v + m->offset, '\0', len - m->offset);
      if (!ok)
        {
          g_autofree char *msg = describe (node, prop, m);

          g_set_error_literal (error, KERF_ERROR, KERF_ERROR_PARSE, msg);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
write_prop (Writer *w, const char *name, const guint8 *data, gsize len, GError **error)
{
  if (len > G_MAXINT32)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "property \"%s\" is too large for a device tree blob", name);
      return FALSE;
    }
  put32 (w->st, KERF_FDT_PROP);
  put32 (w->st, (guint32) len);
  put32 (w->st, string_offset (w, name));
  if (len > 0)
    g_byte_array_append (w->st, data, (guint) len);
  pad4 (w->st);
  return TRUE;
}

static gboolean
write_node (Writer *w, const KerfDtNode *node, guint depth, GError **error)
{
  gboolean has_phandle_prop = FALSE;

  if (depth > 4 * KERF_DTB_MAX_DEPTH)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "nodes nest too deep to write a device tree blob");
      return FALSE;
    }

  put32 (w->st, KERF_FDT_BEGIN_NODE);
  g_byte_array_append (w->st, (const guint8 *) node->name, (guint) strlen (node->name) + 1);
  pad4 (w->st);

  for (guint i = 0; i < node->props->len; i++)
    {
      const KerfDtProp *prop = g_ptr_array_index (node->props, i);

      if (!check_refs (node, prop, error))
        return FALSE;
      if (strcmp (prop->name, "phandle") == 0 || strcmp (prop->name, "linux,phandle") == 0)
        has_phandle_prop = TRUE;
      if (!write_prop (w, prop->name, prop->value->data, prop->value->len, error))
        return FALSE;
    }
  /* A node given a phandle without the property gets it last, where dtc
   * appends it when a reference needs it. */
  if (node->phandle != 0 && !has_phandle_prop)
    {
      guint8 cell[4] = { (guint8) (node->phandle >> 24), (guint8) (node->phandle >> 16),
                         (guint8) (node->phandle >> 8), (guint8) node->phandle };

      if (!write_prop (w, "phandle", cell, 4, error))
        return FALSE;
    }

  for (guint i = 0; i < node->children->len; i++)
    if (!write_node (w, g_ptr_array_index (node->children, i), depth + 1, error))
      return FALSE;

  put32 (w->st, KERF_FDT_END_NODE);
  return TRUE;
}

GBytes *
kerf_dtb_write (const KerfDtTree *tree, GError **error)
{
  Writer w = { 0 };
  GByteArray *blob;
  guint n_rsv = tree->reserves ? tree->reserves->len : 0;
  guint64 off_rsv = KERF_FDT_V17_HEADER_SIZE;
  guint64 off_struct, off_strings, total;
  gboolean ok;

  g_return_val_if_fail (tree != NULL && tree->root != NULL, NULL);

  w.st = g_byte_array_sized_new (4096);
  w.strings = g_byte_array_sized_new (1024);
  w.suffixes = g_hash_table_new (g_str_hash, g_str_equal);
  w.names = g_ptr_array_new_with_free_func (g_free);

  ok = write_node (&w, tree->root, 0, error);
  put32 (w.st, KERF_FDT_END);

  off_struct = off_rsv + 16 * ((guint64) n_rsv + 1);
  off_strings = off_struct + w.st->len;
  total = off_strings + w.strings->len;
  if (ok && total > G_MAXUINT32)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "device tree is too large for a blob (%" G_GUINT64_FORMAT " bytes)", total);
      ok = FALSE;
    }
  if (!ok)
    {
      g_byte_array_unref (w.st);
      g_byte_array_unref (w.strings);
      g_hash_table_unref (w.suffixes);
      g_ptr_array_unref (w.names);
      return NULL;
    }

  blob = g_byte_array_sized_new ((guint) total);
  put32 (blob, KERF_FDT_MAGIC);
  put32 (blob, (guint32) total);
  put32 (blob, (guint32) off_struct);
  put32 (blob, (guint32) off_strings);
  put32 (blob, (guint32) off_rsv);
  put32 (blob, 17);                 /* version */
  put32 (blob, 16);                 /* last compatible version */
  put32 (blob, tree->boot_cpuid);
  put32 (blob, w.strings->len);
  put32 (blob, w.st->len);
  for (guint i = 0; i < n_rsv; i++)
    {
      const KerfDtReserve *r = &g_array_index (tree->reserves, KerfDtReserve, i);

      put64 (blob, r->address);
      put64 (blob, r->size);
    }
  put64 (blob, 0);
  put64 (blob, 0);
  g_byte_array_append (blob, w.st->data, w.st->len);
  g_byte_array_append (blob, w.strings->data, w.strings->len);
  g_assert (blob->len == total);

  g_byte_array_unref (w.st);
  g_byte_array_unref (w.strings);
  g_hash_table_unref (w.suffixes);
  g_ptr_array_unref (w.names);
  return g_byte_array_free_to_bytes (blob);
}
