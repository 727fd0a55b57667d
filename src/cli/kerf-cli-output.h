/* kerf-cli-output.h — how the CLI prints: aligned tables, units, JSON. */
#pragma once

#include <stdio.h>
#include <glib.h>
#include "kerf-diag.h"
#include "kerf-json.h"

G_BEGIN_DECLS

/* ---- tables: columns padded to the widest cell (in characters) -------- */

typedef struct _KerfCliTable KerfCliTable;

/* `headers` is NULL-terminated; the table has that many columns. */
KerfCliTable *kerf_cli_table_new (const char *const *headers);
/* One row of exactly as many cells as columns; NULL or "" prints "-". */
void          kerf_cli_table_add_row (KerfCliTable *table, const char *const *cells);
void          kerf_cli_table_print (const KerfCliTable *table, FILE *out);
void          kerf_cli_table_free (KerfCliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCliTable, kerf_cli_table_free)

/* ---- values -------------------------------------------------------- */

/* An `au` of CPU (or node) ids as "4-7,9" (sorted first); "" when empty. */
char *kerf_cli_format_id_list (GVariant *au);
/* "2 GiB at 0x80000000"; "" when `bytes` is 0. */
char *kerf_cli_format_memory (guint64 base, guint64 bytes);
/* Local time "2024-05-01 12:00:00.123" (text) or RFC 3339 UTC (JSON). */
char *kerf_cli_timestamp (gboolean iso8601);

/* ---- JSON ------------------------------------------------------------- */

/* Writes any GVariant: numbers, booleans, strings, object paths; a{s*} as an
 * object; other arrays and tuples as arrays; variants unwrapped. */
void kerf_cli_json_variant (KerfJson *json, GVariant *value);
/* Frees `json` and prints its text plus a newline to stdout. */
void kerf_cli_json_print (KerfJson *json);
/* An array of numbers from an `au`. */
void kerf_cli_json_id_list (KerfJson *json, GVariant *au);

/* ---- diagnostics from the daemon --------------------------------------- */

/* a(sssuuss) (severity, rule, file, line, column, message, suggestion) as a
 * diagnostics list, so it prints like the offline commands' findings. */
KerfDiagList *kerf_cli_diags_from_variant (GVariant *diagnostics);

G_END_DECLS
