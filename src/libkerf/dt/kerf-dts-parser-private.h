/* kerf-dts-parser-private.h — state shared by the DTS parser, its
 * expression evaluator and the resolver.  Private to libkerf-dt. */
#pragma once

#include "kerf-dts-lexer.h"

G_BEGIN_DECLS

typedef struct {
  KerfDtsLexer   *lx;
  KerfDiagList   *diags;
  KerfDtsToken    tok;        /* lookahead when `have` */
  KerfDtsLexMode  tok_mode;
  gboolean        have;
  gboolean        stop;       /* too many errors: unwind */
  KerfDtTree     *tree;
  gboolean        root_defined;
  /* dtc keeps deleted nodes and properties in place (a later definition
   * revives them at their old position); so do we, in this set, until the
   * end of parsing.  Also holds the /delete-node/ and
   * /delete-property/ markers of node bodies. */
  GHashTable     *deleted;
  GHashTable     *omit;       /* nodes under /omit-if-no-ref/ */
  guint           next_fragment;
  guint           depth;      /* of the node body being parsed (root = 0) */
  guint           deepest;    /* deepest body since the last top-level item */
} KerfDtsParser;

/* Nodes nest at most this deep below the root (or below an override's
 * target), so no later recursive walk over the tree can exhaust the
 * stack: kerf_dtb_check()'s limit (128 with the root) less the root and the
 * two levels a /plugin/ fragment adds (fragment@N/__overlay__). */
#define KERF_DTS_MAX_NODE_DEPTH 125

/* lexer access with one token of lookahead */
KerfDtsToken *kerf_dts_parser_peek (KerfDtsParser *p, KerfDtsLexMode mode);
void          kerf_dts_parser_advance (KerfDtsParser *p);
gboolean      kerf_dts_parser_is_punct (const KerfDtsToken *tok, int c);
/* "unexpected X (expected WHAT)" at the token; sets stop when full */
void          kerf_dts_parser_unexpected (KerfDtsParser *p, const KerfDtsToken *tok,
                                          const char *expected);
void          kerf_dts_parser_error (KerfDtsParser *p, KerfLoc loc, const char *suggestion,
                                     const char *format, ...) G_GNUC_PRINTF (4, 5);

void          kerf_dts_parser_check_full (KerfDtsParser *p);
/* Expects punctuation `c`; reports and leaves the token otherwise. */
gboolean      kerf_dts_parser_expect (KerfDtsParser *p, KerfDtsLexMode mode, int c);

/* kerf-dts-value.c: `= value ;` after the '=' */
gboolean kerf_dts_parse_value (KerfDtsParser *p, KerfDtProp *prop);

/* kerf-dts-expr.c: integer_prim of dtc's grammar (literal, char literal or
 * parenthesised C expression), 64-bit unsigned arithmetic.  FALSE after a
 * reported error. */
gboolean kerf_dts_parse_prim (KerfDtsParser *p, guint64 *out);

/* kerf-dts-parser.c: evaluates one integer_prim found at byte `pos` of
 * `text` (for the bundler's /incbin/ offsets); `*end` = byte after it.
 * Errors are located with `file`, `line`, `line_start`. */
gboolean kerf_dts_eval_prim_at (const char *file, const char *text, gsize len, gsize pos,
                                guint32 line, gsize line_start, KerfDiagList *diags,
                                guint64 *value, gsize *end);

/* kerf-dts-resolve.c */
gboolean    kerf_dts_is_deleted (KerfDtsParser *p, gconstpointer obj);
void        kerf_dts_mark_deleted (KerfDtsParser *p, gpointer obj);
/* dtc's merge_nodes(): moves everything of `new_node` into `old` (frees it) */
void        kerf_dts_merge_nodes (KerfDtsParser *p, KerfDtNode *old, KerfDtNode *new_node);
void        kerf_dts_delete_node (KerfDtsParser *p, KerfDtNode *node);
/* label or "/path" as the parser sees it (deleted nodes invisible) */
KerfDtNode *kerf_dts_lookup_ref (KerfDtsParser *p, const char *ref);
/* dtc's add_orphan_node(): fragment@N with target / target-path */
void        kerf_dts_add_fragment (KerfDtsParser *p, KerfDtNode *overlay, const char *ref,
                                   KerfLoc loc);
/* frees a node that never made it into the tree, forgetting its pointers */
void        kerf_dts_discard_node (KerfDtsParser *p, KerfDtNode *node);
/* checks, references, phandles, plugin trees; FALSE on errors */
gboolean    kerf_dts_resolve (KerfDtsParser *p);

typedef struct {
  KerfDtsParser *p;
  GHashTable    *labels;      /* label -> KerfDtNode* (node labels only) */
  GHashTable    *owners;      /* label -> description, for duplicates */
  GHashTable    *phandles;    /* GUINT_TO_POINTER(phandle) -> node */
  GHashTable    *referenced;  /* nodes some reference points at */
  guint32        next_phandle;
} KerfDtsResolver;

KerfDtNode *kerf_dts_resolve_ref (KerfDtsResolver *r, const char *ref);
/* dtc's get_node_phandle(): existing, or the next free one (adds "phandle") */
guint32     kerf_dts_node_phandle (KerfDtsResolver *r, KerfDtNode *node);
/* kerf-dts-plugin.c: __symbols__, __fixups__, __local_fixups__ */
void        kerf_dts_plugin_trees (KerfDtsResolver *r);

G_END_DECLS
