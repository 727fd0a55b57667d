/* kerf-dts-source.c — where the DTS lexer's bytes come from: /include/
 * files (relative to the including file, depth and cycles bounded), cpp
 * line markers that rename the current file and line, and /incbin/ data.
 * Kept apart from the tokenizer: this is the part that touches files.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-dts-lexer-private.h"

static char *
resolve_path (const char *dir, const char *name)
{
  if (g_path_is_absolute (name) || dir == NULL || dir[0] == '\0' || strcmp (dir, ".") == 0)
    return g_strdup (name);
  return g_build_filename (dir, name, NULL);
}

/* `# 12 "file" 1 3` or `#line 12 "file"` at the start of a line. */
gboolean
kerf_dts_lexer_line_marker (KerfDtsLexer *lx, KerfDtsFrame *f, gsize *pp)
{
  const char *d = f->data;
  gsize n = f->len, p = *pp + 1;
  if (p + 4 <= n && memcmp (d + p, "line", 4) == 0)
    p += 4;
  gsize ws = p;
  while (p < n && (d[p] == ' ' || d[p] == '\t'))
    p++;
  if (p == ws || p >= n || !g_ascii_isdigit (d[p]))
    return FALSE;
  guint64 line = 0;
  while (p < n && g_ascii_isdigit (d[p]))
    {
      line = line * 10 + (guint64) (d[p++] - '0');
      /* with room left below G_MAXUINT32 for the lines that follow (a
       * 2 GiB source would be needed to wrap the counter) */
      if (line > G_MAXINT32)
        return FALSE;
    }
  ws = p;
  while (p < n && (d[p] == ' ' || d[p] == '\t'))
    p++;
  if (p == ws || p >= n || d[p] != '"')
    return FALSE;
  gsize q = p + 1;
  while (q < n && d[q] != '"' && d[q] != '\n')
    q += (d[q] == '\\' && q + 1 < n && d[q + 1] != '\n') ? 2 : 1;
  if (q >= n || d[q] != '"')
    return FALSE;
  g_string_truncate (lx->buf, 0);
  kerf_dts_unescape (d + p + 1, q - p - 1, lx->buf);
  p = q + 1;
  /* optional flags */
  while (p < n && d[p] != '\n')
    {
      if (d[p] == ' ' || d[p] == '\t' || g_ascii_isdigit (d[p]) || d[p] == '\r')
        p++;
      else
        return FALSE;
    }
  f->file = g_intern_string (lx->buf->str);
  f->line = (guint32) line - 1;  /* the newline that ends the marker adds 1 */
  *pp = p;
  return TRUE;
}

void
kerf_dts_lexer_include (KerfDtsLexer *lx, KerfDtsFrame *f, gsize start, gsize *pp)
{
  const char *d = f->data;
  gsize n = f->len, p = *pp;
  KerfLoc loc = kerf_dts_frame_loc (f, start);
  while (p < n && (d[p] == ' ' || d[p] == '\t' || d[p] == '\r' || d[p] == '\n'))
    {
      if (d[p] == '\n')
        {
          f->line++;
          f->line_start = p + 1;
        }
      p++;
    }
  if (p >= n || d[p] != '"')
    {
      kerf_diag_error (lx->diags, loc, "expected a file name string after /include/");
      *pp = p;
      return;
    }
  KerfLoc quote = kerf_dts_frame_loc (f, p);  /* before kerf_dts_frame_scan_string() counts lines */
  gsize end = kerf_dts_frame_scan_string (f, p);
  if (end == 0)
    {
      kerf_diag_error (lx->diags, quote, "missing terminating '\"' character");
      *pp = n;
      return;
    }
  *pp = end;
  g_autoptr(GString) name = g_string_new (NULL);
  kerf_dts_unescape (d + p + 1, end - p - 2, name);
  g_autofree char *shown = kerf_dts_printable (name->str, name->len, G_MAXSIZE);

  if (lx->flags & KERF_DTS_PARSE_NO_FILE_ACCESS)
    {
      kerf_diag_list_add (lx->diags, KERF_SEVERITY_ERROR, loc, NULL,
                          "bundle the source first (kerf_dts_bundle / the kerf CLI does this)",
                          "/include/ \"%s\" is not allowed here: no file access", shown);
      return;
    }
  if (lx->depth >= KERF_DTS_MAX_INCLUDE_DEPTH)
    {
      kerf_diag_error (lx->diags, loc, "includes nested too deeply (more than %d levels)",
                       KERF_DTS_MAX_INCLUDE_DEPTH);
      return;
    }
  g_autofree char *path = resolve_path (f->dir, name->str);
  g_autofree char *shown_path = kerf_dts_printable (path, strlen (path), G_MAXSIZE);
  g_autofree char *real = realpath (path, NULL);
  if (real != NULL)
    for (guint i = 0; i <= lx->depth; i++)
      if (lx->frames[i].real != NULL && strcmp (lx->frames[i].real, real) == 0)
        {
          kerf_diag_list_add (lx->diags, KERF_SEVERITY_ERROR, loc, NULL,
                              "remove the /include/ that closes the cycle",
                              "include cycle: \"%s\" is already being included", shown_path);
          return;
        }
  char *contents = NULL;
  gsize clen = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &clen, &error))
    {
      kerf_diag_error (lx->diags, loc, "cannot read included file \"%s\": %s",
                       shown_path, error->message);
      return;
    }
  g_ptr_array_add (lx->buffers, contents);
  f->pos = *pp;
  lx->depth++;
  KerfDtsFrame *nf = &lx->frames[lx->depth];
  memset (nf, 0, sizeof *nf);
  nf->data = contents;
  nf->len = clen;
  nf->line = 1;
  nf->file = g_intern_string (path);
  nf->dir = g_path_get_dirname (path);
  nf->real = g_steal_pointer (&real);
}

GBytes *
kerf_dts_lexer_read_incbin (KerfDtsLexer *lx, const char *name, KerfLoc loc)
{
  g_autofree char *shown = kerf_dts_printable (name, strlen (name), G_MAXSIZE);
  if (lx->flags & KERF_DTS_PARSE_NO_FILE_ACCESS)
    {
      kerf_diag_list_add (lx->diags, KERF_SEVERITY_ERROR, loc, NULL,
                          "bundle the source first (kerf_dts_bundle / the kerf CLI does this)",
                          "/incbin/ (\"%s\") is not allowed here: no file access", shown);
      return NULL;
    }
  g_autofree char *path = resolve_path ((&lx->frames[lx->depth])->dir, name);
  char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      g_autofree char *shown_path = kerf_dts_printable (path, strlen (path), G_MAXSIZE);
      kerf_diag_error (lx->diags, loc, "cannot read /incbin/ file \"%s\": %s", shown_path, error->message);
      return NULL;
    }
  return g_bytes_new_take (contents, len);
}
