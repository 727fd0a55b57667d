/* kerf-dts-bundle.c — one self-contained DTS text from a file and
 * everything it /include/s and /incbin/s.
 *
 * The daemon never opens a path on a caller's behalf, so the CLI sends a
 * bundle.  Included text is inlined between cpp line markers:
 *
 *   # 1 "dir/inc.dtsi"
 *   ...contents...
 *   # 12 "main.dts"
 *   <spaces up to the column after the directive>
 *
 * and /incbin/(...) becomes a [byte string], so every diagnostic of the
 * bundled text still names the user's file, line and column.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-dts-parser-private.h"

typedef struct {
  KerfDiagList *diags;
  GPtrArray    *stack;   /* canonical paths of the files being bundled */
  GString      *out;
  gboolean      failed;
} Bundler;

typedef struct {
  const char *data;
  gsize       len;
  const char *file;      /* display name in effect (line markers change it) */
  gint64      line_delta;  /* display line = physical line + delta */
  guint32     line;      /* physical */
  gsize       line_start;
  char       *dir;
} Src;

static KerfLoc
src_loc (Src *s, gsize pos)
{
  return kerf_loc_make (s->file, (guint32) ((gint64) s->line + s->line_delta),
                        (guint32) (pos - s->line_start + 1));
}

static void
emit_marker (Bundler *b, guint32 line, const char *file)
{
  g_autofree char *esc = g_strescape (file, NULL);
  g_string_append_printf (b->out, "\n# %u \"%s\"\n", line, esc);
}

/* After an inlined piece: back to `pos` of `s`, same line and column. */
static void
emit_return (Bundler *b, Src *s, gsize pos)
{
  emit_marker (b, (guint32) ((gint64) s->line + s->line_delta), s->file);
  for (gsize i = s->line_start; i < pos; i++)
    g_string_append_c (b->out, s->data[i] == '\t' ? '\t' : ' ');
}

static void advance_lines (Src *s, gsize from, gsize to)
{
  for (gsize i = from; i < to; i++)
    if (s->data[i] == '\n')
      {
        s->line++;
        s->line_start = i + 1;
      }
}

static gsize
skip_ws (Src *s, gsize p)
{
  gsize q = p;
  for (;;)
    {
      while (q < s->len && g_ascii_isspace (s->data[q]))
        q++;
      if (q + 1 < s->len && s->data[q] == '/' && s->data[q + 1] == '*')
        {
          const char *e = g_strstr_len (s->data + q + 2, (gssize) (s->len - q - 2), "*/");
          q = e != NULL ? (gsize) (e - s->data) + 2 : s->len;
        }
      else if (q + 1 < s->len && s->data[q] == '/' && s->data[q + 1] == '/')
        {
          const char *e = memchr (s->data + q, '\n', s->len - q);
          q = e != NULL ? (gsize) (e - s->data) : s->len;
        }
      else
        break;
    }
  advance_lines (s, p, q);
  return q;
}

/* a "..." at p; returns end (after the quote) or 0; decoded into out */
static gsize
read_string (Src *s, gsize p, GString *out)
{
  if (p >= s->len || s->data[p] != '"')
    return 0;
  gsize q = p + 1;
  while (q < s->len && s->data[q] != '"')
    q += (s->data[q] == '\\' && q + 1 < s->len) ? 2 : 1;
  if (q >= s->len)
    return 0;
  kerf_dts_unescape (s->data + p + 1, q - p - 1, out);
  advance_lines (s, p, q + 1);
  return q + 1;
}

static void bundle_file (Bundler *b, const char *path, const char *display, KerfLoc from);

static char *
join (const char *dir, const char *name)
{
  if (g_path_is_absolute (name) || dir == NULL || strcmp (dir, ".") == 0)
    return g_strdup (name);
  return g_build_filename (dir, name, NULL);
}

/* /include/ "file" at p; returns the position after it */
static gsize
do_include (Bundler *b, Src *s, gsize p)
{
  KerfLoc loc = src_loc (s, p);
  gsize q = skip_ws (s, p + 9);
  g_autoptr(GString) name = g_string_new (NULL);
  gsize end = read_string (s, q, name);
  if (end == 0)
    {
      kerf_diag_error (b->diags, loc, "expected a file name string after /include/");
      b->failed = TRUE;
      return q;
    }
  g_autofree char *path = join (s->dir, name->str);
  bundle_file (b, path, path, loc);
  emit_return (b, s, end);
  return end;
}

/* /incbin/("file"[, off, len]) at p -> [bytes] */
static gsize
do_incbin (Bundler *b, Src *s, gsize p)
{
  KerfLoc loc = src_loc (s, p);
  gsize q = skip_ws (s, p + 8);
  g_autoptr(GString) name = g_string_new (NULL);
  guint64 off = 0, len = G_MAXUINT64;
  gsize end = 0;
  if (q < s->len && s->data[q] == '(')
    {
      q = skip_ws (s, q + 1);
      end = read_string (s, q, name);
    }
  if (end == 0)
    {
      kerf_diag_error (b->diags, loc, "expected (\"file\") after /incbin/");
      b->failed = TRUE;
      return q;
    }
  q = skip_ws (s, end);
  if (q < s->len && s->data[q] == ',')
    {
      gsize e1 = 0, e2 = 0;
      q = skip_ws (s, q + 1);
      if (!kerf_dts_eval_prim_at (s->file, s->data, s->len, q, (guint32) ((gint64) s->line + s->line_delta),
                                  s->line_start, b->diags, &off, &e1))
        {
          b->failed = TRUE;
          return q;
        }
      advance_lines (s, q, e1);
      q = skip_ws (s, e1);
      if (q >= s->len || s->data[q] != ',')
        {
          kerf_diag_error (b->diags, src_loc (s, q), "expected ',' in /incbin/");
          b->failed = TRUE;
          return q;
        }
      q = skip_ws (s, q + 1);
      if (!kerf_dts_eval_prim_at (s->file, s->data, s->len, q, (guint32) ((gint64) s->line + s->line_delta),
                                  s->line_start, b->diags, &len, &e2))
        {
          b->failed = TRUE;
          return q;
        }
      advance_lines (s, q, e2);
      q = skip_ws (s, e2);
    }
  if (q >= s->len || s->data[q] != ')')
    {
      kerf_diag_error (b->diags, src_loc (s, q), "expected ')' to close /incbin/");
      b->failed = TRUE;
      return q;
    }
  q++;
  g_autofree char *path = join (s->dir, name->str);
  g_autofree char *shown = kerf_dts_printable (path, strlen (path), G_MAXSIZE);
  g_autofree char *data = NULL;
  gsize dlen = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &data, &dlen, &error))
    {
      kerf_diag_error (b->diags, loc, "cannot read /incbin/ file \"%s\": %s", shown, error->message);
      b->failed = TRUE;
      return q;
    }
  if (off > dlen || (len != G_MAXUINT64 && len > dlen - off))
    {
      kerf_diag_error (b->diags, loc, "/incbin/ range %" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT
                       " is outside \"%s\" (%" G_GSIZE_FORMAT " bytes)", off, len, shown, dlen);
      b->failed = TRUE;
      return q;
    }
  gsize n = len == G_MAXUINT64 ? dlen - off : len;
  g_string_append_c (b->out, '[');
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (b->out, i == 0 ? "%02x" : " %02x", (guint8) data[off + i]);
  g_string_append_c (b->out, ']');
  emit_return (b, s, q);
  return q;
}

/* `# N "file"` at a line start: the display position changes */
static void
line_marker (Src *s, gsize p, gsize eol)
{
  gsize q = p + 1;
  if (eol - q >= 4 && memcmp (s->data + q, "line", 4) == 0)
    q += 4;
  while (q < eol && (s->data[q] == ' ' || s->data[q] == '\t'))
    q++;
  guint64 n = 0;
  gsize digits = q;
  while (q < eol && g_ascii_isdigit (s->data[q]) && n <= G_MAXUINT32)
    n = n * 10 + (guint64) (s->data[q++] - '0');
  while (q < eol && (s->data[q] == ' ' || s->data[q] == '\t'))
    q++;
  if (q == digits || q >= eol || s->data[q] != '"' || n > G_MAXUINT32)
    return;
  gsize e = q + 1;
  while (e < eol && s->data[e] != '"')
    e += s->data[e] == '\\' ? 2 : 1;
  if (e >= eol)
    return;
  g_autoptr(GString) name = g_string_new (NULL);
  kerf_dts_unescape (s->data + q + 1, e - q - 1, name);
  s->file = g_intern_string (name->str);
  s->line_delta = (gint64) n - (gint64) (s->line + 1);
}

static void
bundle_text (Bundler *b, Src *s)
{
  gsize p = 0, copied = 0;
  while (p < s->len && !b->failed)
    {
      char c = s->data[p];
      if (c == '\n')
        {
          p++;
          s->line++;
          s->line_start = p;
        }
      else if (c == '"' || c == '\'')
        {
          gsize q = p + 1;
          while (q < s->len && s->data[q] != c && !(c == '\'' && s->data[q] == '\n'))
            q += (s->data[q] == '\\' && q + 1 < s->len) ? 2 : 1;
          q = MIN (q + 1, s->len);
          advance_lines (s, p, q);
          p = q;
        }
      else if (c == '/' && p + 1 < s->len && (s->data[p + 1] == '/' || s->data[p + 1] == '*'))
        {
          gsize q = skip_ws (s, p);
          p = q > p ? q : p + 1;
        }
      else if (c == '#' && p == s->line_start)
        {
          const char *nl = memchr (s->data + p, '\n', s->len - p);
          gsize eol = nl != NULL ? (gsize) (nl - s->data) : s->len;
          line_marker (s, p, eol);
          p = eol;
        }
      else if (c == '/' && s->len - p >= 9 && memcmp (s->data + p, "/include/", 9) == 0)
        {
          g_string_append_len (b->out, s->data + copied, (gssize) (p - copied));
          copied = p = do_include (b, s, p);
        }
      else if (c == '/' && s->len - p >= 8 && memcmp (s->data + p, "/incbin/", 8) == 0)
        {
          g_string_append_len (b->out, s->data + copied, (gssize) (p - copied));
          copied = p = do_incbin (b, s, p);
        }
      else
        p++;
    }
  if (!b->failed)
    g_string_append_len (b->out, s->data + copied, (gssize) (s->len - copied));
}

static void
bundle_file (Bundler *b, const char *path, const char *display, KerfLoc from)
{
  KerfLoc here = from.file != NULL ? from : kerf_loc_make (display, 0, 0);
  if (b->stack->len >= KERF_DTS_MAX_INCLUDE_DEPTH)
    {
      kerf_diag_error (b->diags, here, "includes nested too deeply (more than %d levels)",
                       KERF_DTS_MAX_INCLUDE_DEPTH);
      b->failed = TRUE;
      return;
    }
  g_autofree char *shown = kerf_dts_printable (path, strlen (path), G_MAXSIZE);
  g_autofree char *real = realpath (path, NULL);
  for (guint i = 0; real != NULL && i < b->stack->len; i++)
    if (strcmp (b->stack->pdata[i], real) == 0)
      {
        kerf_diag_list_add (b->diags, KERF_SEVERITY_ERROR, here, NULL,
                            "remove the /include/ that closes the cycle",
                            "include cycle: \"%s\" is already being included", shown);
        b->failed = TRUE;
        return;
      }
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      if (from.file != NULL)
        kerf_diag_error (b->diags, here, "cannot read included file \"%s\": %s", shown, error->message);
      else
        kerf_diag_error (b->diags, here, "cannot read file: %s", error->message);
      b->failed = TRUE;
      return;
    }
  g_ptr_array_add (b->stack, real != NULL ? g_steal_pointer (&real) : g_strdup (path));
  if (from.file != NULL)
    emit_marker (b, 1, display);
  Src s = { data, len, g_intern_string (display), 0, 1, 0, g_path_get_dirname (path) };
  bundle_text (b, &s);
  g_free (s.dir);
  g_ptr_array_remove_index (b->stack, b->stack->len - 1);
}

char *
kerf_dts_bundle (const char *path, KerfDiagList *diags)
{
  g_return_val_if_fail (path != NULL, NULL);
  Bundler b = { diags, g_ptr_array_new_with_free_func (g_free), g_string_new (NULL), FALSE };
  bundle_file (&b, path, path, KERF_LOC_NONE);
  g_ptr_array_unref (b.stack);
  if (b.failed)
    {
      g_string_free (b.out, TRUE);
      return NULL;
    }
  return g_string_free (b.out, FALSE);
}
