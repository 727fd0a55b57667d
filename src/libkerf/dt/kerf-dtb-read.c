/* kerf-dtb-read.c — flattened device tree blob -> KerfDtTree.
 *
 * kerf_dtb_check() has validated every tag, length, offset and the nesting
 * before this file looks at the structure block, so the walk below is a
 * plain linear pass (bounds are still respected, so a bug in the checker
 * cannot turn into an overrun here).  We walk the block ourselves instead of
 * going through libfdt's offset API: one pass, no repeated name lookups,
 * which matters for the large trees of the benchmark.
 */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-dts.h"
#include "kerf-dtb-private.h"

gboolean
kerf_dtb_is_blob (const guint8 *data, gsize len)
{
  return data != NULL && len >= 4 && kerf_be32 (data) == KERF_FDT_MAGIC;
}

/* The type mark `dtc -I dtb -O dts` would give the value (one mark at 0;
 * a string mark covers a whole string list, which the printer splits). */
static void
guess_marks (KerfDtProp *prop, KerfLoc loc)
{
  if (prop->value->len == 0)
    return;
  kerf_dt_prop_add_mark (prop,
                         kerf_dt_guess_value_type (prop->value->data, prop->value->len, NULL),
                         0, NULL, loc);
}

static gboolean
is_label_name (const char *s)
{
  if (!(g_ascii_isalpha (s[0]) || s[0] == '_'))
    return FALSE;
  for (s++; *s; s++)
    if (!(g_ascii_isalnum (*s) || *s == '_'))
      return FALSE;
  return TRUE;
}

/* dtc -@ records every label as /__symbols__/LABEL = "/path/of/node". */
static void
restore_labels (KerfDtTree *tree)
{
  KerfDtNode *symbols = kerf_dt_node_get_child (tree->root, "__symbols__");

  if (symbols == NULL)
    return;
  for (guint i = 0; i < symbols->props->len; i++)
    {
      const KerfDtProp *prop = g_ptr_array_index (symbols->props, i);
      const char *path = kerf_dt_prop_get_string (prop);
      KerfDtNode *node;

      if (path == NULL || !is_label_name (prop->name))
        continue;
      node = kerf_dt_tree_lookup_path (tree, path);
      if (node != NULL && !kerf_dt_node_has_label (node, prop->name))
        kerf_dt_node_add_label (node, prop->name);
    }
}

KerfDtTree *
kerf_dtb_read (const guint8 *data, gsize len, const char *display_name, GError **error)
{
  g_autoptr (KerfDtTree) tree = NULL;
  KerfFdtHeader hdr;
  KerfLoc loc = kerf_loc_make (display_name ? display_name : "<dtb>", 0, 0);
  const guint8 *st, *strings;
  gsize size, pos = 0;
  KerfDtNode *node = NULL;
  gboolean root_seen = FALSE;

  if (!kerf_dtb_check (data, len, error))
    return NULL;
  kerf_fdt_header_load (data, &hdr);

  tree = kerf_dt_tree_new ();
  tree->boot_cpuid = hdr.boot_cpuid_phys;
  tree->root->loc = loc;

  for (gsize off = hdr.off_mem_rsvmap; off + 16 <= hdr.totalsize; off += 16)
    {
      KerfDtReserve r = { kerf_be64 (data + off), kerf_be64 (data + off + 8) };

      if (r.address == 0 && r.size == 0)
        break;
      g_array_append_val (tree->reserves, r);
    }

  st = data + hdr.off_dt_struct;
  strings = data + hdr.off_dt_strings;
  size = hdr.size_dt_struct;
  while (pos + 4 <= size)
    {
      guint32 tag = kerf_be32 (st + pos);

      pos += 4;
      if (tag == KERF_FDT_BEGIN_NODE)
        {
          const char *name = (const char *) st + pos;
          gsize name_len = strnlen (name, size - pos);

          pos += (name_len + 1 + 3) & ~(gsize) 3;
          if (!root_seen)
            {
              node = tree->root;
              root_seen = TRUE;
            }
          else
            {
              KerfDtNode *child = kerf_dt_node_new (name, loc);

              kerf_dt_node_add_child (node, child);
              node = child;
            }
        }
      else if (tag == KERF_FDT_END_NODE)
        {
          if (node == NULL || node->parent == NULL)
            break;  /* the root closed */
          node = node->parent;
        }
      else if (tag == KERF_FDT_PROP)
        {
          guint32 vlen = kerf_be32 (st + pos);
          guint32 nameoff = kerf_be32 (st + pos + 4);
          const char *name = (const char *) strings + nameoff;
          KerfDtProp *prop;

          pos += 8;
          prop = kerf_dt_prop_new (name, loc);
          g_byte_array_append (prop->value, st + pos, vlen);
          pos += ((gsize) vlen + 3) & ~(gsize) 3;
          guess_marks (prop, loc);
          /* Append, not take_prop(): a blob's properties keep their order
           * and no name search makes big nodes quadratic. */
          g_ptr_array_add (node->props, prop);

          if (vlen == 4 && (strcmp (name, "phandle") == 0 ||
                            (strcmp (name, "linux,phandle") == 0 && node->phandle == 0)))
            {
              guint32 ph = kerf_be32 (prop->value->data);

              if (ph != 0 && ph != 0xffffffffU)
                node->phandle = ph;
            }
        }
      else if (tag == KERF_FDT_END)
        break;
      /* FDT_NOP: nothing */
    }

  restore_labels (tree);
  return g_steal_pointer (&tree);
}
