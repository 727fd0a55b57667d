/* kerf-report.h — the resource report (kerf init --report, Pool.Report).
 *
 * Per resource: total, host-reserved, allocated and free; a per-NUMA-node
 * breakdown; devices with their VFs/namespaces; one row per instance; and
 * every finding of the validator.  Text for people, JSON for programs.
 * Works for any model, including an empty one or one without /resources
 * (the Python tool crashed on an empty host-reserved list, upstream §12.12).
 */
#pragma once

#include <glib.h>
#include "kerf-diag.h"
#include "kerf-model.h"
#include "kerf-validate.h"

G_BEGIN_DECLS

typedef enum {
  KERF_REPORT_TEXT,
  KERF_REPORT_JSON,
} KerfReportFormat;

/* The report of `state` with the findings in `diags` (NULL = none). */
char *kerf_report_text (const KerfModel *state, const KerfDiagList *diags);
char *kerf_report_json (const KerfModel *state, const KerfDiagList *diags, gboolean pretty);

/* Validates first (validation is mandatory, seed "Validation Rules"), then
 * reports.  `valid_out` (may be NULL) tells whether there was no error. */
char *kerf_report_generate (const KerfModel           *state,
                            const KerfValidateOptions *opts,
                            KerfReportFormat           format,
                            gboolean                  *valid_out);

G_END_DECLS
