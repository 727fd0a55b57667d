/* kerf-dts-lexer-private.h — the lexer's state, shared by the tokenizer
 * (kerf-dts-lexer.c) and its input handling (kerf-dts-source.c: /include/,
 * cpp line markers, /incbin/).  Private to those two files. */
#pragma once

#include "kerf-dts-lexer.h"

G_BEGIN_DECLS

/* One input buffer: the top source or an /include/d file. */
typedef struct {
  const char *data;
  gsize       len;
  gsize       pos;
  guint32     line;
  gsize       line_start;
  const char *file;      /* interned display name (line markers change it) */
  char       *dir;       /* directory for relative /include/, NULL = cwd */
  char       *real;      /* canonical path, cycle detection; NULL for data */
} KerfDtsFrame;

struct _KerfDtsLexer {
  KerfDtsFrame              frames[KERF_DTS_MAX_INCLUDE_DEPTH + 1];
  guint              depth;          /* index of the current frame */
  GPtrArray         *buffers;        /* file contents, alive until free */
  KerfDiagList      *diags;
  KerfDtsParseFlags  flags;
  GString           *buf;
  /* where the last token started, for relex() */
  guint              tok_depth;
  gsize              tok_pos;
  guint32            tok_line;
  gsize              tok_line_start;
  const char        *tok_file;
  KerfLoc            last_error;  /* a relexed token reports once */
  gboolean           quiet;       /* skipping after a syntax error */
};

/* Location of byte `pos` of the frame's current line. */
KerfLoc kerf_dts_frame_loc (KerfDtsFrame *f, gsize pos);

/* Scans a "..." string starting at the quote; returns the position after
 * the closing quote, or 0 when unterminated.  Tracks newlines in `f`. */
gsize   kerf_dts_frame_scan_string (KerfDtsFrame *f, gsize p);

/* A cpp line marker at *pp (a '#' first on its line): sets the frame's
 * file and line and moves *pp to the end of the marker.  FALSE, nothing
 * changed, when it is not one. */
gboolean kerf_dts_lexer_line_marker (KerfDtsLexer *lx, KerfDtsFrame *f, gsize *pp);

/* /include/ "file" (the keyword at `start`, *pp after it): reads the file
 * and pushes a frame for it, or reports a located error. */
void     kerf_dts_lexer_include (KerfDtsLexer *lx, KerfDtsFrame *f, gsize start, gsize *pp);

G_END_DECLS
