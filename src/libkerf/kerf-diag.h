/* kerf-diag.h — located diagnostics, the way a compiler reports them.
 *
 * Every finding of the DTS compiler and of the validator is a KerfDiag:
 * severity, rule id, source location, message and an optional suggestion.
 * Formatted it reads
 *
 *   FILE:LINE:COL: error: message
 *     suggestion: what to do
 *
 * A KerfDiagList collects all findings of one run (up to a limit, so a
 * hostile input cannot make us allocate without bound) instead of stopping
 * at the first.
 */
#pragma once

#include <stdio.h>
#include <glib.h>
#include "kerf-json.h"

G_BEGIN_DECLS

/* A place in a source file.  `file` is an interned string
 * (g_intern_string) so locations are cheap to copy and compare. */
typedef struct {
  const char *file;
  guint32     line;   /* 1-based, 0 = unknown */
  guint32     col;    /* 1-based, 0 = unknown */
} KerfLoc;

#define KERF_LOC_NONE ((KerfLoc) { NULL, 0, 0 })

KerfLoc kerf_loc_make (const char *file, guint32 line, guint32 col);
/* "file:line:col", "file:line", "file" or "<unknown>" */
char   *kerf_loc_to_string (KerfLoc loc);

typedef enum {
  KERF_SEVERITY_ERROR,
  KERF_SEVERITY_WARNING,
  KERF_SEVERITY_NOTE,
} KerfSeverity;

const char *kerf_severity_to_string (KerfSeverity severity);

typedef struct {
  KerfSeverity severity;
  KerfLoc      loc;
  char        *rule;        /* rule id ("C3", "syntax", ...) or NULL */
  char        *message;
  char        *suggestion;  /* NULL when there is nothing better to say */
} KerfDiag;

/* Most errors one run collects before it stops adding (a final
 * "too many errors" note is added instead). */
#define KERF_DIAG_MAX_ERRORS 100

typedef struct _KerfDiagList KerfDiagList;

KerfDiagList *kerf_diag_list_new (void);
void          kerf_diag_list_free (KerfDiagList *list);

/* Adds one finding; returns it (owned by the list) or NULL when the list is
 * full.  `rule` and `suggestion` may be NULL. */
KerfDiag *kerf_diag_list_add (KerfDiagList *list,
                              KerfSeverity  severity,
                              KerfLoc       loc,
                              const char   *rule,
                              const char   *suggestion,
                              const char   *format,
                              ...) G_GNUC_PRINTF (6, 7);

/* Shorthands for the common cases. */
#define kerf_diag_error(list, loc, ...) \
  kerf_diag_list_add ((list), KERF_SEVERITY_ERROR, (loc), NULL, NULL, __VA_ARGS__)
#define kerf_diag_warning(list, loc, ...) \
  kerf_diag_list_add ((list), KERF_SEVERITY_WARNING, (loc), NULL, NULL, __VA_ARGS__)

guint           kerf_diag_list_length (const KerfDiagList *list);
const KerfDiag *kerf_diag_list_get (const KerfDiagList *list, guint index);
guint           kerf_diag_list_n_errors (const KerfDiagList *list);
guint           kerf_diag_list_n_warnings (const KerfDiagList *list);
gboolean        kerf_diag_list_has_errors (const KerfDiagList *list);
/* Moves every entry of `from` to the end of `to`. */
void            kerf_diag_list_take_all (KerfDiagList *to, KerfDiagList *from);
/* Sorts by file, line, column (stable), errors first on ties. */
void            kerf_diag_list_sort (KerfDiagList *list);

/* "FILE:LINE:COL: error: message" plus "\n  suggestion: ..." when there is one. */
char *kerf_diag_format (const KerfDiag *diag);
/* Every entry, one per line (plus suggestion lines), to `out`. */
void  kerf_diag_list_print (const KerfDiagList *list, FILE *out);
/* Sets `error` (KERF_ERROR_VALIDATION_FAILED or `code`) to a message listing
 * every error of the list; returns FALSE when the list holds an error. */
gboolean kerf_diag_list_to_error (const KerfDiagList *list, int code, GError **error);
/* Every entry as a JSON array of {severity, rule, file, line, column,
 * message, suggestion} objects (docs/cli-json.md), the one shape the CLI
 * and the report both print; `list` NULL writes []. */
void     kerf_diag_list_write_json (const KerfDiagList *list, KerfJson *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDiagList, kerf_diag_list_free)

G_END_DECLS
