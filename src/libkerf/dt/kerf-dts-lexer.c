/* kerf-dts-lexer.c — hand-written DTS tokenizer over in-memory buffers.
 *
 * No regex, no per-character allocation: every token points into the
 * source buffer, decoded strings go to one reused GString.  Locations are
 * (line, column) of the token's first byte; cpp line markers change them.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "kerf-dts-lexer-private.h"

static const struct {
  const char    *word;
  KerfDtsTokKind kind;
} keywords[] = {
  { "/dts-v1/", KERF_TOK_DTS_V1 },
  { "/multikernel-v1/", KERF_TOK_MK_V1 },
  { "/plugin/", KERF_TOK_PLUGIN },
  { "/memreserve/", KERF_TOK_MEMRESERVE },
  { "/bits/", KERF_TOK_BITS },
  { "/delete-property/", KERF_TOK_DEL_PROP },
  { "/delete-node/", KERF_TOK_DEL_NODE },
  { "/omit-if-no-ref/", KERF_TOK_OMIT_NO_REF },
  { "/incbin/", KERF_TOK_INCBIN },
};

/* Character classes as a table: the lexer's inner loops test them. */
enum { C_PROPNODE = 1, C_IDSTART = 2, C_IDCHAR = 4, C_HEX = 8, C_DIGIT = 16 };
static guint8 cclass[256];

static void
init_classes (void)
{
  static gsize done = 0;
  if (!g_once_init_enter (&done))
    return;
  for (int c = 0; c < 256; c++)
    {
      guint8 k = 0;
      gboolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      gboolean digit = c >= '0' && c <= '9';
      if (alpha || digit || strchr (",._+*#?@-", c) != NULL)
        k |= C_PROPNODE;
      if (c == 0)
        k &= ~C_PROPNODE;
      if (alpha || c == '_')
        k |= C_IDSTART | C_IDCHAR;
      if (digit)
        k |= C_IDCHAR | C_DIGIT;
      if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
        k |= C_HEX;
      cclass[c] = k;
    }
  g_once_init_leave (&done, 1);
}

#define IS(c, k) ((cclass[(guint8) (c)] & (k)) != 0)

static KerfDtsFrame *
cur (KerfDtsLexer *lx)
{
  return &lx->frames[lx->depth];
}

KerfLoc
kerf_dts_frame_loc (KerfDtsFrame *f, gsize pos)
{
  return kerf_loc_make (f->file, f->line, (guint32) (pos - f->line_start + 1));
}

/* Lexical errors are located at a token start; when the parser lexes the
 * same token again in another mode, the error is not repeated. */
static void lex_error (KerfDtsLexer *lx, KerfLoc loc, const char *format, ...) G_GNUC_PRINTF (3, 4);
static void
lex_error (KerfDtsLexer *lx, KerfLoc loc, const char *format, ...)
{
  if (lx->quiet)
    return;
  if (loc.file == lx->last_error.file && loc.line == lx->last_error.line
      && loc.col == lx->last_error.col)
    return;
  lx->last_error = loc;
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  kerf_diag_error (lx->diags, loc, "%s", msg);
}

KerfDtsLexer *
kerf_dts_lexer_new (const char *display_name, const char *text, gsize len,
                    const char *base_dir, KerfDtsParseFlags flags, KerfDiagList *diags)
{
  KerfDtsLexer *lx = g_new0 (KerfDtsLexer, 1);
  init_classes ();
  lx->buffers = g_ptr_array_new_with_free_func (g_free);
  lx->diags = diags;
  lx->flags = flags;
  lx->buf = g_string_sized_new (256);
  KerfDtsFrame *f = &lx->frames[0];
  f->data = text;
  f->len = len;
  f->line = 1;
  f->file = g_intern_string (display_name != NULL ? display_name : "<input>");
  f->dir = g_strdup (base_dir);
  return lx;
}

void
kerf_dts_lexer_free (KerfDtsLexer *lx)
{
  if (lx == NULL)
    return;
  for (guint i = 0; i <= lx->depth; i++)
    {
      g_free (lx->frames[i].dir);
      g_free (lx->frames[i].real);
    }
  g_ptr_array_unref (lx->buffers);
  g_string_free (lx->buf, TRUE);
  g_free (lx);
}

/* dtc's escapes: \a \b \t \n \v \f \r, \ooo (1-3 octal), \xhh (1-2 hex),
 * anything else stands for itself. */
void
kerf_dts_unescape (const char *s, gsize len, GString *out)
{
  gsize i = 0;
  while (i < len)
    {
      const char *bs = memchr (s + i, '\\', len - i);
      gsize run = bs != NULL ? (gsize) (bs - (s + i)) : len - i;
      g_string_append_len (out, s + i, run);
      i += run;
      if (i >= len)
        break;
      i++;  /* the backslash */
      if (i >= len)
        {
          g_string_append_c (out, '\\');
          break;
        }
      char c = s[i++];
      switch (c)
        {
        case 'a': g_string_append_c (out, '\a'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'v': g_string_append_c (out, '\v'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 'x':
          {
            unsigned v = 0, n = 0;
            while (n < 2 && i < len && IS (s[i], C_HEX))
              {
                char h = s[i++];
                v = v * 16 + (unsigned) (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                n++;
              }
            g_string_append_c (out, (char) (n > 0 ? v : 'x'));
            break;
          }
        default:
          if (c >= '0' && c <= '7')
            {
              unsigned v = (unsigned) (c - '0'), n = 1;
              while (n < 3 && i < len && s[i] >= '0' && s[i] <= '7')
                {
                  v = v * 8 + (unsigned) (s[i++] - '0');
                  n++;
                }
              g_string_append_c (out, (char) v);
            }
          else
            g_string_append_c (out, c);
        }
    }
}

/* dtc dies on a "\\x" with no hex digit after it ("\\x used with no
 * following hex digits"), where kerf_dts_unescape() would read 'x'.
 * Reports each such escape of the literal whose body starts at `body`
 * (the byte after the opening quote), at the backslash when the literal
 * is still on its first line, else at the literal. */
static void
check_hex_escapes (KerfDtsLexer *lx, const char *d, gsize body, gsize len, KerfLoc tok_loc)
{
  gboolean same_line = TRUE;
  for (gsize i = 0; i < len; i++)
    {
      if (d[body + i] == '\n')
        same_line = FALSE;
      if (d[body + i] != '\\' || i + 1 >= len)
        continue;
      i++;
      if (d[body + i] == 'x' && (i + 1 >= len || !IS (d[body + i + 1], C_HEX)))
        {
          KerfLoc loc = tok_loc;
          if (same_line)
            loc.col += (guint32) i;
          lex_error (lx, loc, "\\x used with no following hex digits");
        }
      else if (d[body + i] == '\n')
        same_line = FALSE;
    }
}

/* Scans a "..." string starting at the quote; returns the position after
 * the closing quote, or 0 when unterminated.  Tracks newlines in `f`. */
gsize
kerf_dts_frame_scan_string (KerfDtsFrame *f, gsize p)
{
  const char *d = f->data;
  gsize n = f->len;
  p++;
  while (p < n)
    {
      char c = d[p];
      if (c == '"')
        return p + 1;
      if (c == '\\' && p + 1 < n)
        {
          if (d[p + 1] == '\n')
            {
              f->line++;
              f->line_start = p + 2;
            }
          p += 2;
          continue;
        }
      if (c == '\n')
        {
          f->line++;
          f->line_start = p + 1;
        }
      p++;
    }
  return 0;
}

/* Skips whitespace, comments, line markers; follows /include/ and returns
 * to the includer at the end of an included file. */
static void
skip (KerfDtsLexer *lx)
{
  for (;;)
    {
      KerfDtsFrame *f = cur (lx);
      const char *d = f->data;
      gsize n = f->len, p = f->pos;
      gboolean pushed = FALSE;
      while (p < n)
        {
          char c = d[p];
          if (c == '\n')
            {
              p++;
              f->line++;
              f->line_start = p;
            }
          else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
            p++;
          else if (c == '/' && p + 1 < n && d[p + 1] == '/')
            {
              const char *nl = memchr (d + p, '\n', n - p);
              p = nl != NULL ? (gsize) (nl - d) : n;
            }
          else if (c == '/' && p + 1 < n && d[p + 1] == '*')
            {
              gsize start = p;
              guint32 sline = f->line;
              gsize sls = f->line_start;
              p += 2;
              while (p + 1 < n && !(d[p] == '*' && d[p + 1] == '/'))
                {
                  if (d[p] == '\n')
                    {
                      f->line++;
                      f->line_start = p + 1;
                    }
                  p++;
                }
              if (p + 1 >= n)
                {
                  KerfLoc l = kerf_loc_make (f->file, sline, (guint32) (start - sls + 1));
                  kerf_diag_error (lx->diags, l, "unterminated comment");
                  p = n;
                }
              else
                p += 2;
            }
          else if (c == '#' && p == f->line_start && kerf_dts_lexer_line_marker (lx, f, &p))
            ;
          else if (c == '/' && n - p >= 9 && memcmp (d + p, "/include/", 9) == 0)
            {
              gsize start = p;
              p += 9;
              guint before = lx->depth;
              kerf_dts_lexer_include (lx, f, start, &p);
              if (lx->depth != before)
                {
                  pushed = TRUE;
                  break;
                }
            }
          else
            break;
        }
      if (pushed)
        continue;
      f->pos = p;
      if (p >= n && lx->depth > 0)
        {
          g_clear_pointer (&f->dir, g_free);
          g_clear_pointer (&f->real, g_free);
          lx->depth--;
          continue;
        }
      return;
    }
}

static void
set_tok (KerfDtsToken *tok, KerfDtsTokKind kind, KerfDtsFrame *f, gsize start, gsize end)
{
  tok->kind = kind;
  tok->raw = f->data + start;
  tok->raw_len = end - start;
  tok->text = tok->raw;
  tok->len = tok->raw_len;
  tok->value = 0;
}

static void
lex_number (KerfDtsLexer *lx, KerfDtsFrame *f, gsize p, KerfDtsToken *tok)
{
  const char *d = f->data;
  gsize n = f->len, start = p;
  if (d[p] == '0' && p + 2 < n + 0 && (d[p + 1] == 'x' || d[p + 1] == 'X') && p + 2 < n
      && IS (d[p + 2], C_HEX))
    {
      p += 2;
      while (p < n && IS (d[p], C_HEX))
        p++;
    }
  else
    while (p < n && IS (d[p], C_DIGIT))
      p++;
  gsize digits_end = p;
  while (p < n && IS (d[p], C_IDCHAR))  /* suffix (U, L, UL, ULL) or junk */
    p++;
  set_tok (tok, KERF_TOK_NUMBER, f, start, p);
  f->pos = p;

  /* Leading zeros change nothing ("0x0001", "0007"): drop them, so only a
   * literal whose significant digits do not fit is out of range. */
  gsize lead = start;
  if (digits_end - start > 2 && (d[start + 1] == 'x' || d[start + 1] == 'X'))
    lead += 2;
  else if (digits_end - start > 1 && d[start] == '0')
    lead += 1;
  gsize zeros = lead;
  while (zeros + 1 < digits_end && d[zeros] == '0')
    zeros++;
  char tmp[72];
  gsize prefix = lead - start, dl = prefix + (digits_end - zeros);
  gboolean bad = FALSE, too_long = dl >= sizeof tmp;
  if (too_long)
    {
      for (gsize i = zeros; i < digits_end && !bad; i++)
        if (!IS (d[i], prefix == 2 ? C_HEX : C_DIGIT) || (prefix == 1 && d[i] > '7'))
          bad = TRUE;
    }
  else
    {
      memcpy (tmp, d + start, prefix);
      memcpy (tmp + prefix, d + zeros, digits_end - zeros);
      tmp[dl] = '\0';
      char *e = NULL;
      errno = 0;
      tok->value = g_ascii_strtoull (tmp, &e, 0);
      if (*e != '\0')
        bad = TRUE;
      else if (errno == ERANGE)
        {
          lex_error (lx, tok->loc, "integer literal '%.*s' out of range",
                           (int) tok->raw_len, tok->raw);
          tok->value = 0;
          return;
        }
    }
  /* dtc's suffixes: U, L, UL, LL or ULL */
  static const char *const suffixes[] = { "", "U", "L", "UL", "LL", "ULL" };
  gboolean suffix_ok = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (p - digits_end == strlen (suffixes[i])
        && memcmp (d + digits_end, suffixes[i], p - digits_end) == 0)
      suffix_ok = TRUE;
  bad = bad || !suffix_ok;
  if (!bad && too_long)
    {
      lex_error (lx, tok->loc, "integer literal '%.*s' out of range",
                 (int) tok->raw_len, tok->raw);
      tok->value = 0;
      return;
    }
  if (bad)
    {
      lex_error (lx, tok->loc, "bad integer literal '%.*s'",
                       (int) tok->raw_len, tok->raw);
      tok->value = 0;
    }
}

static void
lex_char_literal (KerfDtsLexer *lx, KerfDtsFrame *f, gsize p, KerfDtsToken *tok)
{
  const char *d = f->data;
  gsize n = f->len, start = p;
  p++;
  while (p < n && d[p] != '\'' && d[p] != '\n')
    p += (d[p] == '\\' && p + 1 < n && d[p + 1] != '\n') ? 2 : 1;
  if (p >= n || d[p] != '\'')
    {
      set_tok (tok, KERF_TOK_NUMBER, f, start, p);
      f->pos = p;
      lex_error (lx, tok->loc, "missing terminating ' character");
      return;
    }
  set_tok (tok, KERF_TOK_NUMBER, f, start, p + 1);
  f->pos = p + 1;
  g_string_truncate (lx->buf, 0);
  kerf_dts_unescape (d + start + 1, p - start - 1, lx->buf);
  check_hex_escapes (lx, d, start + 1, p - start - 1, tok->loc);
  if (lx->buf->len == 0)
    lex_error (lx, tok->loc, "empty character literal");
  else
    {
      tok->value = (guint8) lx->buf->str[0];
      if (lx->buf->len > 1)
        lex_error (lx, tok->loc, "character literal has %u characters instead of 1",
                         (guint) lx->buf->len);
    }
}

static void
lex_token (KerfDtsLexer *lx, KerfDtsLexMode mode, KerfDtsToken *tok)
{
  KerfDtsFrame *f = cur (lx);
  const char *d = f->data;
  gsize n = f->len, p = f->pos;

  memset (tok, 0, sizeof *tok);
  tok->loc = kerf_dts_frame_loc (f, p);
  if (p >= n)
    {
      set_tok (tok, KERF_TOK_EOF, f, p, p);
      return;
    }
  char c = d[p];

  if (c == '"')
    {
      gsize end = kerf_dts_frame_scan_string (f, p);
      if (end == 0)
        {
          /* resync at the end of the opening line */
          const char *nl = memchr (d + p, '\n', n - p);
          end = nl != NULL ? (gsize) (nl - d) : n;
          f->line = tok->loc.line;
          f->line_start = p - (tok->loc.col - 1);
          lex_error (lx, tok->loc, "missing terminating '\"' character");
        }
      set_tok (tok, KERF_TOK_STRING, f, p, end);
      f->pos = end;
      g_string_truncate (lx->buf, 0);
      gsize inner = end - p >= 2 && d[end - 1] == '"' ? end - p - 2 : end - p - 1;
      kerf_dts_unescape (d + p + 1, inner, lx->buf);
      check_hex_escapes (lx, d, p + 1, inner, tok->loc);
      tok->text = lx->buf->str;
      tok->len = lx->buf->len;
      return;
    }
  if (c == '\'')
    {
      lex_char_literal (lx, f, p, tok);
      return;
    }
  if (c == '&')
    {
      if (p + 1 < n && IS (d[p + 1], C_IDSTART))
        {
          gsize q = p + 1;
          while (q < n && IS (d[q], C_IDCHAR))
            q++;
          set_tok (tok, KERF_TOK_REF, f, p, q);
          tok->text = d + p + 1;
          tok->len = q - p - 1;
          f->pos = q;
          return;
        }
      if (p + 1 < n && d[p + 1] == '{')
        {
          gsize q = p + 2;
          while (q < n && (IS (d[q], C_PROPNODE) || d[q] == '/'))
            q++;
          if (q < n && d[q] == '}')
            {
              set_tok (tok, KERF_TOK_REF, f, p, q + 1);
              tok->text = d + p + 2;
              tok->len = q - p - 2;
              f->pos = q + 1;
              return;
            }
        }
      if (p + 1 < n && d[p + 1] == '&')
        {
          set_tok (tok, KERF_TOK_PUNCT, f, p, p + 2);
          tok->value = KERF_OP_AND;
          f->pos = p + 2;
          return;
        }
    }
  if (IS (c, C_IDSTART))
    {
      gsize q = p + 1;
      while (q < n && IS (d[q], C_IDCHAR))
        q++;
      if (q < n && d[q] == ':')
        {
          set_tok (tok, KERF_TOK_LABEL, f, p, q + 1);
          tok->len = q - p;
          f->pos = q + 1;
          return;
        }
    }
  if (c == '/')
    {
      for (guint i = 0; i < G_N_ELEMENTS (keywords); i++)
        {
          gsize kl = strlen (keywords[i].word);
          if (n - p >= kl && memcmp (d + p, keywords[i].word, kl) == 0)
            {
              set_tok (tok, keywords[i].kind, f, p, p + kl);
              f->pos = p + kl;
              return;
            }
        }
    }

  if (mode == KERF_DTS_LEX_NAME && (IS (c, C_PROPNODE) || (c == '\\' && p + 1 < n && IS (d[p + 1], C_PROPNODE))))
    {
      gsize q = p + (c == '\\' ? 1 : 0);
      gsize s = q;
      while (q < n && IS (d[q], C_PROPNODE))
        q++;
      set_tok (tok, KERF_TOK_NAME, f, p, q);
      tok->text = d + s;
      tok->len = q - s;
      f->pos = q;
      return;
    }
  if (mode == KERF_DTS_LEX_BYTES && IS (c, C_HEX))
    {
      if (p + 1 < n && IS (d[p + 1], C_HEX))
        {
          set_tok (tok, KERF_TOK_BYTE, f, p, p + 2);
          f->pos = p + 2;
          char h[3] = { d[p], d[p + 1], 0 };
          tok->value = g_ascii_strtoull (h, NULL, 16);
          return;
        }
    }
  if (mode == KERF_DTS_LEX_VALUE && IS (c, C_DIGIT))
    {
      lex_number (lx, f, p, tok);
      return;
    }
  if (IS (c, C_IDCHAR) || (mode == KERF_DTS_LEX_BYTES && IS (c, C_PROPNODE)))
    {
      /* a word where none can stand: one INVALID token for all of it */
      gsize q = p;
      while (q < n && IS (d[q], C_IDCHAR))
        q++;
      set_tok (tok, KERF_TOK_INVALID, f, p, q);
      f->pos = q;
      return;
    }
  if (mode == KERF_DTS_LEX_VALUE && p + 1 < n)
    {
      static const struct { char a, b; int op; } ops[] = {
        { '<', '<', KERF_OP_LSHIFT }, { '>', '>', KERF_OP_RSHIFT },
        { '<', '=', KERF_OP_LE }, { '>', '=', KERF_OP_GE },
        { '=', '=', KERF_OP_EQ }, { '!', '=', KERF_OP_NE },
        { '|', '|', KERF_OP_OR },
      };
      for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
        if (c == ops[i].a && d[p + 1] == ops[i].b)
          {
            set_tok (tok, KERF_TOK_PUNCT, f, p, p + 2);
            tok->value = (guint64) ops[i].op;
            f->pos = p + 2;
            return;
          }
    }
  if ((guint8) c < 0x80 && g_ascii_isgraph (c))
    {
      set_tok (tok, KERF_TOK_PUNCT, f, p, p + 1);
      tok->value = (guint8) c;
      f->pos = p + 1;
      return;
    }
  /* control or non-ASCII byte: never part of a token */
  gsize q = p + 1;
  while (q < n && (guint8) d[q] >= 0x80)
    q++;
  set_tok (tok, KERF_TOK_INVALID, f, p, q);
  f->pos = q;
}

void
kerf_dts_lexer_next (KerfDtsLexer *lx, KerfDtsLexMode mode, KerfDtsToken *tok)
{
  skip (lx);
  KerfDtsFrame *f = cur (lx);
  lx->tok_depth = lx->depth;
  lx->tok_pos = f->pos;
  lx->tok_line = f->line;
  lx->tok_line_start = f->line_start;
  lx->tok_file = f->file;
  lex_token (lx, mode, tok);
}

void
kerf_dts_lexer_relex (KerfDtsLexer *lx, KerfDtsLexMode mode, KerfDtsToken *tok)
{
  if (lx->depth != lx->tok_depth)
    return;  /* cannot happen: only skip() changes frames */
  KerfDtsFrame *f = cur (lx);
  f->pos = lx->tok_pos;
  f->line = lx->tok_line;
  f->line_start = lx->tok_line_start;
  f->file = lx->tok_file;
  lex_token (lx, mode, tok);
}

void
kerf_dts_lexer_set_quiet (KerfDtsLexer *lx, gboolean quiet)
{
  lx->quiet = quiet;
}

void
kerf_dts_lexer_set_top_path (KerfDtsLexer *lx, const char *path)
{
  g_free (lx->frames[0].real);
  lx->frames[0].real = realpath (path, NULL);
}

void
kerf_dts_lexer_seek (KerfDtsLexer *lx, gsize pos, guint32 line, gsize line_start)
{
  KerfDtsFrame *f = cur (lx);
  f->pos = MIN (pos, f->len);
  f->line = line;
  f->line_start = line_start;
}

gsize
kerf_dts_lexer_offset (KerfDtsLexer *lx)
{
  return cur (lx)->pos;
}

char *
kerf_dts_printable (const char *s, gsize len, gsize max)
{
  GString *out = g_string_new (NULL);
  gsize i = 0;
  while (i < len && i < max)
    {
      gunichar c = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (c == (gunichar) -1 || c == (gunichar) -2 || c < 0x20 || c == 0x7f)
        {
          g_string_append_printf (out, "\\x%02x", (guint8) s[i]);
          i++;
          continue;
        }
      gsize n = (gsize) g_utf8_skip[(guchar) s[i]];
      g_string_append_len (out, s + i, (gssize) n);
      i += n;
    }
  return g_string_free (out, FALSE);
}

char *
kerf_dts_token_describe (const KerfDtsToken *tok)
{
  switch (tok->kind)
    {
    case KERF_TOK_EOF:
      return g_strdup ("end of file");
    case KERF_TOK_STRING:
      {
        g_autofree char *text = kerf_dts_printable (tok->raw, tok->raw_len, 40);
        return g_strdup_printf ("string %s", text);
      }
    case KERF_TOK_PUNCT:
    case KERF_TOK_INVALID:
      if (tok->raw_len == 1 && !g_ascii_isgraph (tok->raw[0]))
        return g_strdup_printf ("character 0x%02x", (guint8) tok->raw[0]);
      G_GNUC_FALLTHROUGH;
    default:
      {
        g_autofree char *text = kerf_dts_printable (tok->raw, tok->raw_len, 60);
        return g_strdup_printf ("'%s'", text);
      }
    }
}
