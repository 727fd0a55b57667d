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
  gint           stale;      /* atomic: the last rebuild of `snapshot` failed */
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

/* Every "pci-id" string in the subtree of `node`, appended to `out`. */
void        kerfd_engine_collect_pci_ids (const KerfDtNode *node, GPtrArray *out);
/* TRUE when the kernel's pool tree holds no CPU, memory chunk or PCI
 * device (never initialized past a Reset). */
gboolean    kerfd_engine_pool_tree_is_empty (const KerfDtTree *pool_tree);
/* qsort / g_ptr_array_sort comparison of two `char *` elements. */
gint        kerfd_engine_strptr_cmp (gconstpointer a, gconstpointer b);

/* Shared by the operations (kerfd-engine-ops.c, kerfd-engine-pool.c). */
KerfdSnapshot *kerfd_engine_require_initialized (KerfdEngine *engine, GError **error);
KerfdInstanceInfo *kerfd_engine_require_instance (KerfdSnapshot *s, const char *name,
                                                  GError **error);
gboolean    kerfd_status_is (const KerfdInstanceInfo *info, const char *status);
/* Writes one overlay; on a later failure the caller rolls `*tx_id` back. */
gboolean    kerfd_engine_write (KerfdEngine *engine, KerfDtTree *overlay, const char *operation,
                                const char *instance, guint *tx_id, GError **error);
/* Rolls back `tx_id` (0 = nothing) after a failure; logs what it cannot. */
void        kerfd_engine_undo (KerfdEngine *engine, guint tx_id);
/* Records what `tx_id` was for and rebuilds the snapshot. */
gboolean    kerfd_engine_finish (KerfdEngine *engine, guint tx_id, const char *operation,
                                 const char *instance, GError **error);

/* An instance as the kernel holds it (kernel-abi.md "Instance tree"), plus
 * what kerfd recorded for it (`record` may be NULL: the kernel's view only). */
KerfInstance *kerfd_engine_instance_from_kernel (const KerfKernelInstance *kinst,
                                                 const KerfResources *res,
                                                 const KerfdInstanceRecord *record);
/* Sorts a guint32 array and drops duplicates. */
void        kerfd_u32_array_sort_unique (GArray *a);

/* An Update interrupted by a crash (kerfd-engine-recover.c): TRUE when the
 * kernel had it and the instance's record in `records` (name -> record)
 * was completed from the pending update; the pending file is removed. */
gboolean    kerfd_engine_reconcile_update (KerfdEngine *engine, const KerfKernelInstance *ki,
                                           const KerfResources *res, GHashTable *records);

/* An Update in flight (kerfd-state.h): the record to write and what the
 * kernel holds of `next` once the update is in. */
KerfdPendingUpdate *kerfd_engine_pending_update_new (const KerfInstance *next,
                                                     const KerfdInstanceRecord *record);

G_END_DECLS
