/* kerf-cli-tree.h — reading and checking device-tree files for the CLI. */
#pragma once

#include <glib.h>
#include "kerf-diag.h"
#include "kerf-dt.h"

G_BEGIN_DECLS

/* Reads `path` (DTS, or DTB by its magic), and — when it is a kerf tree
 * (has /resources or /instances) — reads the model and runs the validator.
 * Every finding goes to `diags`.  With `emit_kernel` the returned tree is
 * the baseline the kernel would be given instead of the input tree.
 * NULL when the input is invalid (errors in `diags`) or cannot be read
 * (`error`, KERF_ERROR_IO). */
KerfDtTree *kerf_cli_load_checked_tree (const char   *path,
                                        gboolean      emit_kernel,
                                        KerfDiagList *diags,
                                        GError      **error);

/* Whether the validator compares against this machine (/proc). */
void kerf_cli_validate_set_host_checks (gboolean enabled);

/* {"file":..., "valid":bool, "errors":N, "warnings":N, "diagnostics":[...]} */
void kerf_cli_print_diags_json (const char *file, const KerfDiagList *diags, gboolean valid);

/* The bytes to send kerfd for `path`: a DTB as it is, a DTS bundled with
 * everything it includes (kerf_dts_bundle).  NULL with KERF_ERROR_IO-like
 * GIO errors when it cannot be read, or KERF_ERROR_PARSE with the reasons in
 * `diags` when an include cannot be resolved. */
GBytes *kerf_cli_read_source (const char *path, KerfDiagList *diags, GError **error);

G_END_DECLS
