/* kerf-dts-value.c — property values of dtc's grammar (propdata):
 * strings, <cells> with /bits/, [bytes], &path references, /incbin/ and
 * labels between them, with a type mark at the start of every chunk.
 * Also the SPEC §2 multikernel rule for two-cell values.
 */
#include "config.h"

#include <string.h>

#include "kerf-dts-parser-private.h"

/* ---- values ------------------------------------------------------------ */

static void
put_be (GByteArray *v, guint64 x, guint bits)
{
  guint8 b[8];
  guint n = bits / 8;
  for (guint i = 0; i < n; i++)
    b[i] = (guint8) (x >> (8 * (n - 1 - i)));
  g_byte_array_append (v, b, n);
}

typedef struct {
  guint64 value;
  KerfLoc loc;
  gsize   offset;
  gboolean overflow;
} Cell;

/* arrayprefix ... '>' : cells of `bits` width. */
static gboolean
parse_cells (KerfDtsParser *p, KerfDtProp *prop, guint bits)
{
  static const KerfDtMarkKind types[] = { KERF_DT_MARK_TYPE_U8, KERF_DT_MARK_TYPE_U16,
                                          KERF_DT_MARK_TYPE_U32, KERF_DT_MARK_TYPE_U64 };
  guint ti = bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3;
  gsize start = prop->value->len;
  kerf_dt_prop_add_mark (prop, types[ti], start, NULL, KERF_LOC_NONE);
  guint64 mask = bits < 64 ? (G_GUINT64_CONSTANT (1) << bits) - 1 : G_MAXUINT64;
  g_autoptr(GArray) cells = g_array_new (FALSE, FALSE, sizeof (Cell));
  gboolean any_ref = FALSE;
  guint n_items = 0;

  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
      if (kerf_dts_parser_is_punct (t, '>'))
        {
          kerf_dts_parser_advance (p);
          break;
        }
      if (t->kind == KERF_TOK_LABEL)
        {
          g_autofree char *l = g_strndup (t->text, t->len);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_LABEL, prop->value->len, l, t->loc);
          kerf_dts_parser_advance (p);
          continue;
        }
      if (t->kind == KERF_TOK_REF)
        {
          g_autofree char *r = g_strndup (t->text, t->len);
          if (bits != 32)
            kerf_dts_parser_error (p, t->loc, "use a plain <...> array for phandles",
                                   "references are only allowed in arrays with 32-bit elements");
          else
            kerf_dt_prop_add_mark (prop, KERF_DT_MARK_REF_PHANDLE, prop->value->len, r, t->loc);
          put_be (prop->value, mask, bits);
          any_ref = TRUE;
          n_items++;
          kerf_dts_parser_advance (p);
          continue;
        }
      if (t->kind == KERF_TOK_NUMBER || kerf_dts_parser_is_punct (t, '('))
        {
          Cell c = { 0, t->loc, prop->value->len, FALSE };
          if (!kerf_dts_parse_prim (p, &c.value))
            return FALSE;
          c.overflow = bits < 64 && c.value > mask && (c.value | mask) != G_MAXUINT64;
          put_be (prop->value, c.value, bits);
          g_array_append_val (cells, c);
          n_items++;
          continue;
        }
      if (kerf_dts_parser_is_punct (t, '-') || kerf_dts_parser_is_punct (t, '~')
          || kerf_dts_parser_is_punct (t, '!'))
        {
          kerf_dts_parser_error (p, t->loc, "put the expression in parentheses, e.g. <(-1)>",
                                 "unexpected '%c' in cell array: only a number, a character "
                                 "or a (parenthesised expression) can stand here", (int) t->value);
          return FALSE;
        }
      kerf_dts_parser_unexpected (p, t, "a cell value, '&label' or '>'");
      return FALSE;
    }

  /* Range checks.  SPEC §2: in /multikernel-v1/ a two-cell value whose
   * second literal overflows 32 bits means that 64-bit number. */
  for (guint i = 0; i < cells->len; i++)
    {
      Cell *c = &g_array_index (cells, Cell, i);
      if (!c->overflow)
        continue;
      gboolean pair = bits == 32 && n_items == 2 && !any_ref && cells->len == 2 && i == 1
                      && !g_array_index (cells, Cell, 0).overflow;
      guint64 hi = pair ? g_array_index (cells, Cell, 0).value : 0;
      gboolean fits = pair && (c->value >> 32) <= G_MAXUINT32 - hi;
      guint64 whole = fits ? (hi << 32) + c->value : 0;
      g_autofree char *spelling = fits
        ? g_strdup_printf ("<0x%" G_GINT64_MODIFIER "x 0x%" G_GINT64_MODIFIER "x> or /bits/ 64 <0x%"
                           G_GINT64_MODIFIER "x>", whole >> 32, whole & 0xffffffff, whole)
        : NULL;
      if (fits && p->tree->dialect == KERF_DT_DIALECT_MULTIKERNEL_V1)
        {
          guint8 *b = prop->value->data + c->offset - 4;
          for (int k = 0; k < 8; k++)
            b[k] = (guint8) (whole >> (56 - 8 * k));
          g_autofree char *sugg = g_strdup_printf ("use %s", spelling);
          kerf_diag_list_add (p->diags, KERF_SEVERITY_WARNING, c->loc, NULL, sugg,
                              "cell value 0x%" G_GINT64_MODIFIER "x does not fit in 32 bits; "
                              "read as the 64-bit value 0x%" G_GINT64_MODIFIER "x",
                              c->value, whole);
          continue;
        }
      g_autofree char *sugg = fits ? g_strdup_printf ("split the value into two cells: %s", spelling) : NULL;
      kerf_dts_parser_error (p, c->loc, sugg, "value 0x%" G_GINT64_MODIFIER "x out of range for %u-bit array element",
                             c->value, bits);
    }
  return TRUE;
}

static gboolean
parse_bytes (KerfDtsParser *p, KerfDtProp *prop)
{
  kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_BYTES, prop->value->len, NULL, KERF_LOC_NONE);
  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_BYTES);
      if (kerf_dts_parser_is_punct (t, ']'))
        {
          kerf_dts_parser_advance (p);
          return TRUE;
        }
      if (t->kind == KERF_TOK_BYTE)
        g_byte_array_append (prop->value, (guint8[]) { (guint8) t->value }, 1);
      else if (t->kind == KERF_TOK_LABEL)
        {
          g_autofree char *l = g_strndup (t->text, t->len);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_LABEL, prop->value->len, l, t->loc);
        }
      else
        {
          g_autofree char *what = kerf_dts_token_describe (t);
          kerf_dts_parser_error (p, t->loc, "write each byte as two hex digits, e.g. [00 1f 2a]",
                                 "unexpected %s in byte string (expected two hex digits or ']')", what);
          return FALSE;
        }
      kerf_dts_parser_advance (p);
    }
}

/* DT_INCBIN '(' DT_STRING [',' integer_prim ',' integer_prim] ')' */
static gboolean
parse_incbin (KerfDtsParser *p, KerfDtProp *prop, KerfLoc loc)
{
  if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_VALUE, '('))
    return FALSE;
  KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
  if (t->kind != KERF_TOK_STRING)
    {
      kerf_dts_parser_unexpected (p, t, "a file name string");
      return FALSE;
    }
  g_autofree char *name = g_strndup (t->text, t->len);
  kerf_dts_parser_advance (p);
  guint64 off = 0, len = G_MAXUINT64;
  t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
  if (kerf_dts_parser_is_punct (t, ','))
    {
      kerf_dts_parser_advance (p);
      if (!kerf_dts_parse_prim (p, &off) || !kerf_dts_parser_expect (p, KERF_DTS_LEX_VALUE, ',')
          || !kerf_dts_parse_prim (p, &len))
        return FALSE;
    }
  if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_VALUE, ')'))
    return FALSE;
  g_autoptr(GBytes) data = kerf_dts_lexer_read_incbin (p->lx, name, loc);
  if (data == NULL)
    {
      kerf_dts_parser_check_full (p);
      return TRUE;  /* reported; the syntax was fine */
    }
  gsize dlen = 0;
  const guint8 *d = g_bytes_get_data (data, &dlen);
  if (off > dlen || (len != G_MAXUINT64 && len > dlen - off))
    {
      g_autofree char *shown = kerf_dts_printable (name, strlen (name), G_MAXSIZE);
      kerf_dts_parser_error (p, loc, NULL, "/incbin/ range %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                             " is outside \"%s\" (%" G_GSIZE_FORMAT " bytes)", off, len, shown, dlen);
      return TRUE;
    }
  kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_BYTES, prop->value->len, NULL, KERF_LOC_NONE);
  g_byte_array_append (prop->value, d + off, (guint) (len == G_MAXUINT64 ? dlen - off : len));
  return TRUE;
}

/* propdata: comma-separated chunks with labels around them, then ';'. */
gboolean
kerf_dts_parse_value (KerfDtsParser *p, KerfDtProp *prop)
{
  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
      while (t->kind == KERF_TOK_LABEL)
        {
          g_autofree char *l = g_strndup (t->text, t->len);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_LABEL, prop->value->len, l, t->loc);
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
        }
      if (t->kind == KERF_TOK_STRING)
        {
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_STRING, prop->value->len, NULL, KERF_LOC_NONE);
          g_byte_array_append (prop->value, (const guint8 *) t->text, (guint) t->len);
          g_byte_array_append (prop->value, (const guint8 *) "", 1);
          kerf_dts_parser_advance (p);
        }
      else if (kerf_dts_parser_is_punct (t, '<'))
        {
          kerf_dts_parser_advance (p);
          if (!parse_cells (p, prop, 32))
            return FALSE;
        }
      else if (t->kind == KERF_TOK_BITS)
        {
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
          guint bits = 32;
          if (t->kind != KERF_TOK_NUMBER)
            {
              kerf_dts_parser_unexpected (p, t, "8, 16, 32 or 64 after /bits/");
              return FALSE;
            }
          if (t->value != 8 && t->value != 16 && t->value != 32 && t->value != 64)
            kerf_dts_parser_error (p, t->loc, "use /bits/ 8, 16, 32 or 64",
                                   "invalid /bits/ value %" G_GUINT64_FORMAT, t->value);
          else
            bits = (guint) t->value;
          kerf_dts_parser_advance (p);
          if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_VALUE, '<') || !parse_cells (p, prop, bits))
            return FALSE;
        }
      else if (kerf_dts_parser_is_punct (t, '['))
        {
          kerf_dts_parser_advance (p);
          if (!parse_bytes (p, prop))
            return FALSE;
        }
      else if (t->kind == KERF_TOK_REF)
        {
          g_autofree char *r = g_strndup (t->text, t->len);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_TYPE_STRING, prop->value->len, NULL, KERF_LOC_NONE);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_REF_PATH, prop->value->len, r, t->loc);
          kerf_dts_parser_advance (p);
        }
      else if (t->kind == KERF_TOK_INCBIN)
        {
          KerfLoc loc = t->loc;
          kerf_dts_parser_advance (p);
          if (!parse_incbin (p, prop, loc))
            return FALSE;
        }
      else
        {
          kerf_dts_parser_unexpected (p, t, "a value: \"string\", <cells>, [bytes] or &label");
          return FALSE;
        }
      t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
      while (t->kind == KERF_TOK_LABEL)
        {
          g_autofree char *l = g_strndup (t->text, t->len);
          kerf_dt_prop_add_mark (prop, KERF_DT_MARK_LABEL, prop->value->len, l, t->loc);
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
        }
      if (kerf_dts_parser_is_punct (t, ','))
        {
          kerf_dts_parser_advance (p);
          continue;
        }
      if (kerf_dts_parser_is_punct (t, ';'))
        {
          kerf_dts_parser_advance (p);
          return TRUE;
        }
      kerf_dts_parser_unexpected (p, t, "',' or ';'");
      return FALSE;
    }
}
