/* kerf-dts-lexer.h — hand-written DTS tokenizer (private to the DTS front end).
 *
 * dtc's flex lexer is context dependent: after '{' or ';' a word such as
 * "1234" or "#size-cells" is a property/node name, inside a value it is a
 * number.  A recursive-descent parser knows which one it expects, so it
 * passes the mode with every request instead of the lexer guessing.
 *
 * Comments, whitespace, cpp line markers (`# 12 "file"`) and `/include/`
 * are handled below the token level, so the same position can be lexed
 * again in another mode (the parser peeks).
 */
#pragma once

#include <glib.h>
#include "kerf-diag.h"
#include "kerf-dts.h"

G_BEGIN_DECLS

typedef enum {
  KERF_DTS_LEX_NAME,   /* node bodies and top level: names, labels, refs */
  KERF_DTS_LEX_VALUE,  /* property values, /memreserve/: numbers, operators */
  KERF_DTS_LEX_BYTES,  /* inside [ ]: hex byte pairs */
} KerfDtsLexMode;

typedef enum {
  KERF_TOK_EOF,
  KERF_TOK_INVALID,    /* a bad character or word; already reported */
  KERF_TOK_NAME,       /* property/node name; text = name without '\' */
  KERF_TOK_LABEL,      /* "foo:"; text = "foo" */
  KERF_TOK_REF,        /* &foo or &{/path}; text = "foo" or "/path" */
  KERF_TOK_STRING,     /* decoded bytes in text (no trailing NUL in len) */
  KERF_TOK_NUMBER,     /* integer or char literal; value */
  KERF_TOK_BYTE,       /* two hex digits inside [ ]; value */
  KERF_TOK_DTS_V1,
  KERF_TOK_MK_V1,
  KERF_TOK_PLUGIN,
  KERF_TOK_MEMRESERVE,
  KERF_TOK_BITS,
  KERF_TOK_DEL_PROP,
  KERF_TOK_DEL_NODE,
  KERF_TOK_OMIT_NO_REF,
  KERF_TOK_INCBIN,
  KERF_TOK_PUNCT,      /* value = the character, or one of the ops below */
} KerfDtsTokKind;

/* Two-character operators (PUNCT values above the byte range). */
enum {
  KERF_OP_LSHIFT = 256, KERF_OP_RSHIFT, KERF_OP_LE, KERF_OP_GE,
  KERF_OP_EQ, KERF_OP_NE, KERF_OP_AND, KERF_OP_OR,
};

typedef struct {
  KerfDtsTokKind kind;
  KerfLoc        loc;
  const char    *raw;     /* the token as written (into the source buffer) */
  gsize          raw_len;
  const char    *text;    /* NAME/LABEL/REF/STRING payload */
  gsize          len;
  guint64        value;   /* NUMBER/BYTE/PUNCT */
} KerfDtsToken;

typedef struct _KerfDtsLexer KerfDtsLexer;

KerfDtsLexer *kerf_dts_lexer_new (const char        *display_name,
                                  const char        *text,
                                  gsize              len,
                                  const char        *base_dir,
                                  KerfDtsParseFlags  flags,
                                  KerfDiagList      *diags);
void          kerf_dts_lexer_free (KerfDtsLexer *lexer);

/* Lexes the next token in `mode`.  The token's pointers stay valid until
 * the next call (text) or the lexer is freed (raw). */
void kerf_dts_lexer_next (KerfDtsLexer *lexer, KerfDtsLexMode mode, KerfDtsToken *tok);

/* Lexes the token that the last next() returned again, in another mode
 * (the parser peeked in the wrong one). */
void kerf_dts_lexer_relex (KerfDtsLexer *lexer, KerfDtsLexMode mode, KerfDtsToken *tok);

/* While the parser skips after an error, token-level errors are noise. */
void  kerf_dts_lexer_set_quiet (KerfDtsLexer *lexer, gboolean quiet);

/* The top buffer is the file `path` (so that including it again is a cycle). */
void  kerf_dts_lexer_set_top_path (KerfDtsLexer *lexer, const char *path);

/* Bundler support: continue lexing the top buffer at byte `pos`, which is
 * on line `line` whose first byte is at `line_start`; and where the
 * last token ended. */
void  kerf_dts_lexer_seek (KerfDtsLexer *lexer, gsize pos, guint32 line, gsize line_start);
gsize kerf_dts_lexer_offset (KerfDtsLexer *lexer);

/* Reads an /incbin/ file relative to the current physical file; NULL with a
 * located error in the diagnostics. */
GBytes *kerf_dts_lexer_read_incbin (KerfDtsLexer *lexer, const char *name, KerfLoc loc);

/* "'}'", "name 'foo'", "end of file"... for messages; newly allocated. */
char *kerf_dts_token_describe (const KerfDtsToken *tok);

/* `s` (`len` bytes, at most about `max` of them) as valid UTF-8 for a
 * message: bytes that are not UTF-8, and control characters, become \xHH.
 * Newly allocated. */
char *kerf_dts_printable (const char *s, gsize len, gsize max);

/* Decodes dtc string escapes (\n, \x41, \101, \") of `len` bytes into `out`. */
void kerf_dts_unescape (const char *s, gsize len, GString *out);

#define KERF_DTS_MAX_INCLUDE_DEPTH 32

G_END_DECLS
