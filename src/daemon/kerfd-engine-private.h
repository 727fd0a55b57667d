/* kerfd-engine-private.h — shared by kerfd-engine*.c only. */
#pragma once

#include "kerf-kernel.h"
#include "kerf-dt.h"
#include "kerfd-engine.h"

G_BEGIN_DECLS

struct _KerfdEngine {
  KerfKernel    *kernel;
  KerfdState    *state;
  char          *backend;
  GMutex         lock;       /* guards `snapshot` (the pointer, not its contents) */
  KerfdSnapshot *snapshot;
};

/* DTS text or DTB -> tree; never opens a path (no /include/). */
KerfDtTree *kerfd_engine_parse_source (GBytes *source, const char *name, KerfDiagList *diags);
/* tree -> model, diagnostics in `diags`; NULL on error. */
KerfModel  *kerfd_engine_model_from_source (GBytes *source, const char *name,
                                            KerfDiagList *diags);
/* The validator's options for this backend (host checks only on sysfs). */
void        kerfd_engine_validate_options (KerfdEngine *engine, gpointer opts);
/* Sets KERF_ERROR_VALIDATION_FAILED listing every error of `diags`. */
gboolean    kerfd_engine_diags_to_error (const KerfDiagList *diags, const char *what,
                                         GError **error);

G_END_DECLS
