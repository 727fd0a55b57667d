/* kerf-dts-print.c — KerfDtTree -> DTS text, the way `dtc -O dts` writes it.
 *
 * The layout follows dtc 1.6.1's treesource.c so that a tree read from a
 * blob prints exactly as `dtc -I dtb -O dts` prints that blob: tabs, a blank
 * line before each child node, "0x%02x" cells, "[%02x ...]" bytes,
 * "/bits/ 16|64 <..>", and the type-mark walk of write_propval() including
 * its spacing quirks.  Two deliberate differences, both what newer dtc does:
 * a string value holding several strings prints as a list ("a", "b") instead
 * of 1.6.1's "a\0b", and "/plugin/;" follows the header of an overlay.
 */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-dtb-private.h"

/* ---- guessing a type (dtc treesource.c guess_value_type) ------------- */

static gboolean
is_string_byte (guint8 c)
{
  return g_ascii_isprint (c) || c == '\0' || (c != 0 && strchr ("\a\b\t\n\v\f\r", c) != NULL);
}

KerfDtMarkKind
kerf_dt_guess_value_type (const guint8 *p, gsize len, const GArray *marks)
{
  gsize nnotstring = 0, nnul = 0, nnotstringlbl = 0, nnotcelllbl = 0;

  g_return_val_if_fail (len > 0, KERF_DT_MARK_TYPE_BYTES);

  for (gsize i = 0; i < len; i++)
    {
      if (!is_string_byte (p[i]))
        nnotstring++;
      if (p[i] == '\0')
        nnul++;
    }
  for (guint i = 0; marks != NULL && i < marks->len; i++)
    {
      const KerfDtMark *m = &g_array_index (marks, KerfDtMark, i);

      if (m->kind != KERF_DT_MARK_LABEL || m->offset > len)
        continue;
      if (m->offset > 0 && p[m->offset - 1] != '\0')
        nnotstringlbl++;
      if (m->offset % 4 != 0)
        nnotcelllbl++;
    }

  if (p[len - 1] == '\0' && nnotstring == 0 && nnul <= len - nnul && nnotstringlbl == 0)
    return KERF_DT_MARK_TYPE_STRING;
  if (len % 4 == 0 && nnotcelllbl == 0)
    return KERF_DT_MARK_TYPE_U32;
  return KERF_DT_MARK_TYPE_BYTES;
}

/* ---- one property value (dtc treesource.c write_propval) ------------ */

typedef struct {
  KerfDtMarkKind kind;
  gsize          offset;
  const char    *ref;
} PMark;

static gboolean
is_type (KerfDtMarkKind kind)
{
  return kind >= KERF_DT_MARK_TYPE_STRING;
}

static guint
type_width (KerfDtMarkKind kind)
{
  switch (kind)
    {
    case KERF_DT_MARK_TYPE_U16: return 2;
    case KERF_DT_MARK_TYPE_U32: return 4;
    case KERF_DT_MARK_TYPE_U64: return 8;
    default: return 1;
    }
}

/* dtc's type_marker_length() ?: len - offset */
static gsize
data_len_of (const PMark *marks, guint n, guint i, gsize len)
{
  for (guint j = i + 1; j < n; j++)
    if (is_type (marks[j].kind))
      {
        if (marks[j].offset > marks[i].offset)
          return marks[j].offset - marks[i].offset;
        break;
      }
  return len - marks[i].offset;
}

static gsize
chunk_len_of (const PMark *marks, guint n, guint i, gsize len)
{
  return (i + 1 < n ? marks[i + 1].offset : len) - marks[i].offset;
}

/* Would dtc's walk over these marks hold together (every byte typed, cells
 * whole, strings terminated)?  dtc asserts on what we reject here. */
static gboolean
marks_valid (const guint8 *v, gsize len, const PMark *marks, guint n)
{
  KerfDtMarkKind emit = KERF_DT_MARK_LABEL;  /* "none" */
  gboolean have = FALSE;

  if (n == 0 || marks[0].offset != 0)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      gsize chunk = chunk_len_of (marks, n, i, len);

      if (is_type (marks[i].kind))
        {
          emit = marks[i].kind;
          have = TRUE;
        }
      if (!have)
        {
          if (chunk != 0)
            return FALSE;
          continue;
        }
      if (chunk == 0)
        continue;
      if (chunk % type_width (emit) != 0)
        return FALSE;
      if (emit == KERF_DT_MARK_TYPE_STRING && v[marks[i].offset + chunk - 1] != '\0')
        return FALSE;
      if (chunk == data_len_of (marks, n, i, len))
        have = FALSE;
    }
  return TRUE;
}

static const char hexdigits[] = "0123456789abcdef";

/* "%02x" of `v` without printf: printing is the hot path on big trees. */
static void
append_hex (GString *out, guint64 v)
{
  char buf[16];
  int n = 0;

  do
    {
      buf[n++] = hexdigits[v & 0xf];
      v >>= 4;
    }
  while (v != 0);
  if (n == 1)
    buf[n++] = '0';
  while (n > 0)
    g_string_append_c (out, buf[--n]);
}

static void
append_ints (GString *out, const guint8 *p, gsize len, guint width)
{
  for (gsize i = 0; i < len; i += width)
    {
      guint64 v;

      switch (width)
        {
        case 1: v = p[i]; break;
        case 2: v = kerf_be16 (p + i); break;
        case 4: v = kerf_be32 (p + i); break;
        default: v = kerf_be64 (p + i); break;
        }
      if (width != 1)
        g_string_append (out, "0x");
      append_hex (out, v);
      if (i + width < len)
        g_string_append_c (out, ' ');
    }
}

/* NUL-terminated strings, each quoted and escaped as dtc does, joined by
 * ", " (1.6.1 would print the inner NULs as \0 inside one string). */
static void
append_strings (GString *out, const guint8 *s, gsize len)
{
  const guint8 *end = s + len - 1;

  g_string_append_c (out, '"');
  while (s < end)
    {
      guint8 c = *s++;

      switch (c)
        {
        case '\a': g_string_append (out, "\\a"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\v': g_string_append (out, "\\v"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '"': g_string_append (out, "\\\""); break;
        case '\0': g_string_append (out, "\", \""); break;
        default:
          if (g_ascii_isprint (c))
            g_string_append_c (out, (char) c);
          else
            {
              g_string_append (out, "\\x");
              g_string_append_c (out, hexdigits[c >> 4]);
              g_string_append_c (out, hexdigits[c & 0xf]);
            }
        }
    }
  g_string_append_c (out, '"');
}

static const char *
delim_start (KerfDtMarkKind kind)
{
  switch (kind)
    {
    case KERF_DT_MARK_TYPE_U16: return "/bits/ 16 <";
    case KERF_DT_MARK_TYPE_U32: return "<";
    case KERF_DT_MARK_TYPE_U64: return "/bits/ 64 <";
    case KERF_DT_MARK_TYPE_STRING: return "";
    default: return "[";
    }
}

static const char *
delim_end (KerfDtMarkKind kind)
{
  switch (kind)
    {
    case KERF_DT_MARK_TYPE_U16:
    case KERF_DT_MARK_TYPE_U32:
    case KERF_DT_MARK_TYPE_U64: return ">";
    case KERF_DT_MARK_TYPE_STRING: return "";
    default: return "]";
    }
}

/* Collects the marks that lie inside the value into `out`, by offset;
 * marks at one offset keep their order, as in dtc 1.6.1 where a label
 * written before a value ("x = l: <1>") precedes the value's type. */
static guint
collect_marks (const KerfDtProp *prop, GArray *out, gboolean with_types, gboolean with_refs)
{
  guint n_types = 0;

  g_array_set_size (out, 0);
  for (guint i = 0; i < prop->marks->len; i++)
    {
      const KerfDtMark *m = &g_array_index (prop->marks, KerfDtMark, i);
      PMark pm = { m->kind, m->offset, m->ref };
      guint at;

      if (m->offset > prop->value->len)
        continue;
      if (is_type (m->kind) ? !with_types : (!with_refs && m->kind != KERF_DT_MARK_LABEL))
        continue;
      if (m->kind == KERF_DT_MARK_LABEL && m->ref == NULL)
        continue;
      n_types += is_type (m->kind);
      /* insertion sort: the input is already (nearly) sorted */
      at = out->len;
      while (at > 0)
        {
          const PMark *prev = &g_array_index (out, PMark, at - 1);

          if (prev->offset <= pm.offset)
            break;
          at--;
        }
      g_array_insert_val (out, at, pm);
    }
  return n_types;
}

static void
prepend_guess (const KerfDtProp *prop, GArray *marks)
{
  PMark guess = { kerf_dt_guess_value_type (prop->value->data, prop->value->len, prop->marks),
                  0, NULL };

  g_array_prepend_val (marks, guess);
}

static void
print_value (GString *out, const KerfDtProp *prop, GArray *scratch)
{
  const guint8 *v = prop->value->data;
  gsize len = prop->value->len;
  const PMark *marks;
  KerfDtMarkKind emit = KERF_DT_MARK_LABEL;
  gboolean have = FALSE;
  guint n;

  if (len == 0)
    {
      g_string_append (out, ";\n");
      return;
    }
  g_string_append (out, " =");

  /* The marks as given; else a guess with the labels and references;
   * else a guess with the labels alone; else plain bytes.  The last
   * always holds together, so hostile marks cannot break the output. */
  if (collect_marks (prop, scratch, TRUE, TRUE) == 0)
    prepend_guess (prop, scratch);
  if (!marks_valid (v, len, (const PMark *) (gpointer) scratch->data, scratch->len))
    {
      collect_marks (prop, scratch, FALSE, TRUE);
      prepend_guess (prop, scratch);
      if (!marks_valid (v, len, (const PMark *) (gpointer) scratch->data, scratch->len))
        {
          collect_marks (prop, scratch, FALSE, FALSE);
          prepend_guess (prop, scratch);
          if (!marks_valid (v, len, (const PMark *) (gpointer) scratch->data, scratch->len))
            {
              PMark bytes = { KERF_DT_MARK_TYPE_BYTES, 0, NULL };

              g_array_set_size (scratch, 0);
              g_array_append_val (scratch, bytes);
            }
        }
    }

  marks = (const PMark *) (gpointer) scratch->data;
  n = scratch->len;
  for (guint i = 0; i < n; i++)
    {
      const PMark *m = &marks[i];
      gsize chunk = chunk_len_of (marks, n, i, len);
      const guint8 *p = v + m->offset;

      if (is_type (m->kind))
        {
          emit = m->kind;
          have = TRUE;
          g_string_append_c (out, ' ');
          g_string_append (out, delim_start (emit));
        }
      else if (m->kind == KERF_DT_MARK_LABEL)
        g_string_append_printf (out, " %s:", m->ref);
      else if (m->offset != 0)
        g_string_append_c (out, ' ');

      if (!have)
        continue;

      if (emit == KERF_DT_MARK_TYPE_STRING)
        {
          if (chunk > 0)
            append_strings (out, p, chunk);
        }
      else
        append_ints (out, p, chunk, type_width (emit));

      if (chunk == data_len_of (marks, n, i, len))
        {
          g_string_append (out, delim_end (emit));
          if (m->offset + chunk != len)
            g_string_append_c (out, ',');
          have = FALSE;
        }
    }
  g_string_append (out, ";\n");
}

/* ---- the tree (dtc treesource.c write_tree_source_node) ------------- */

static void
indent (GString *out, guint level)
{
  for (guint i = 0; i < level; i++)
    g_string_append_c (out, '\t');
}

static void
print_labels (GString *out, const GPtrArray *labels)
{
  for (guint i = 0; i < labels->len; i++)
    {
      g_string_append (out, g_ptr_array_index (labels, i));
      g_string_append (out, ": ");
    }
}

static void
print_node (GString *out, const KerfDtNode *node, guint level, GArray *scratch)
{
  gboolean has_phandle_prop = FALSE;

  indent (out, level);
  print_labels (out, node->labels);
  if (node->name != NULL && node->name[0] != '\0')
    {
      g_string_append (out, node->name);
      g_string_append (out, " {\n");
    }
  else
    g_string_append (out, "/ {\n");

  for (guint i = 0; i < node->props->len; i++)
    {
      const KerfDtProp *prop = g_ptr_array_index (node->props, i);

      indent (out, level + 1);
      print_labels (out, prop->labels);
      g_string_append (out, prop->name);
      print_value (out, prop, scratch);
      if (strcmp (prop->name, "phandle") == 0 || strcmp (prop->name, "linux,phandle") == 0)
        has_phandle_prop = TRUE;
    }
  /* kerf_dtb_write() adds the property for a node that has a phandle but
   * no property; print it too, so the text compiles to the same blob. */
  if (node->phandle != 0 && !has_phandle_prop)
    {
      indent (out, level + 1);
      g_string_append (out, "phandle = <0x");
      append_hex (out, node->phandle);
      g_string_append (out, ">;\n");
    }
  for (guint i = 0; i < node->children->len; i++)
    {
      g_string_append_c (out, '\n');
      print_node (out, g_ptr_array_index (node->children, i), level + 1, scratch);
    }
  indent (out, level);
  g_string_append (out, "};\n");
}

char *
kerf_dts_print (const KerfDtTree *tree)
{
  GString *out;
  g_autoptr (GArray) scratch = g_array_new (FALSE, FALSE, sizeof (PMark));

  g_return_val_if_fail (tree != NULL && tree->root != NULL, NULL);

  out = g_string_sized_new (4096);
  g_string_append (out, tree->dialect == KERF_DT_DIALECT_MULTIKERNEL_V1
                   ? "/multikernel-v1/;\n" : "/dts-v1/;\n");
  if (tree->plugin)
    g_string_append (out, "/plugin/;\n");
  g_string_append_c (out, '\n');

  for (guint i = 0; tree->reserves != NULL && i < tree->reserves->len; i++)
    {
      const KerfDtReserve *r = &g_array_index (tree->reserves, KerfDtReserve, i);

      g_string_append_printf (out, "/memreserve/\t0x%016" G_GINT64_MODIFIER "x 0x%016"
                              G_GINT64_MODIFIER "x;\n", r->address, r->size);
    }
  print_node (out, tree->root, 0, scratch);
  return g_string_free (out, FALSE);
}
