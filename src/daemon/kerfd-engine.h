/* kerfd-engine.h — kerfd's view of the multikernel state, and every change.
 *
 * The engine owns the kernel backend and the state directory.  Its view is
 * an immutable, reference-counted KerfdSnapshot that is only ever *rebuilt
 * from the kernel plus the state directory* (kerfd_engine_reload): at
 * start-up and after every transaction alike, so the code that recovers a
 * restarted daemon is the code that runs after each change.
 *
 * Mutating calls (kerfd_engine_op_*) must be serialized by the caller
 * (kerfd-queue); they may run in a worker thread.  Each one validates the
 * whole resulting state before touching the kernel, writes at most one
 * transaction, and on failure leaves no trace (the backend removes a failed
 * tx_N; daemon-side records are written only after the kernel said yes, and
 * a transaction whose record cannot be written is rolled back).
 */
#pragma once

#include <gio/gio.h>
#include "kerf-diag.h"
#include "kerf-model.h"
#include "kerfd-state.h"

G_BEGIN_DECLS

typedef struct {
  char                *name;
  guint32              id;
  char                *status;   /* the kernel's status string */
  KerfdInstanceRecord *record;   /* never NULL (empty when nothing was recorded) */
} KerfdInstanceInfo;

typedef struct {
  guint  id;
  char  *status;
  char  *target;
  char  *operation;
  char  *instance;   /* the instance it changed (kerfd's record); NULL: the pool, or unknown */
} KerfdTxInfo;

typedef struct {
  /* the pool holds resources: a baseline was written and not Reset */
  gboolean    initialized;
  /* device_tree has been written (it cannot be written again; after a
   * Reset the pool is refilled by a transaction instead) */
  gboolean    kernel_has_baseline;
  /* Baseline resources (with the kernel's pool chunks in
   * resources->pool_chunks) plus every instance with its real placement;
   * NULL when not initialized. */
  KerfModel  *state;
  GHashTable *instances;      /* name -> KerfdInstanceInfo * */
  GPtrArray  *transactions;   /* KerfdTxInfo *, ascending id */
  GBytes     *baseline;       /* the baseline source as given; NULL = none */
  char       *baseline_name;
  GArray     *free_cpus;      /* guint32 */
  guint64     free_memory;
} KerfdSnapshot;

KerfdSnapshot *kerfd_snapshot_ref (KerfdSnapshot *snapshot);
void           kerfd_snapshot_unref (KerfdSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdSnapshot, kerfd_snapshot_unref)

typedef struct _KerfdEngine KerfdEngine;

/* `backend` "sysfs" or "emulated"; `machine_file` only for emulated
 * (NULL = the built-in default machine). */
KerfdEngine   *kerfd_engine_new (const char *backend, const char *state_dir,
                                 const char *machine_file, GError **error);
void           kerfd_engine_free (KerfdEngine *engine);
const char    *kerfd_engine_get_backend_name (KerfdEngine *engine);
/* The current view (a new reference; thread-safe). */
KerfdSnapshot *kerfd_engine_get_snapshot (KerfdEngine *engine);
/* Rebuilds the view from the kernel and the state directory; drops state
 * records of instances and transactions the kernel no longer has.  FALSE
 * (the old view kept, marked stale) when the kernel's state does not read:
 * at start-up kerfd then refuses to run. */
gboolean       kerfd_engine_load (KerfdEngine *engine, GError **error);
/* The same after a change the kernel has applied: never fails (the change
 * stands); a view that cannot be rebuilt is logged and marked stale.
 * `error` is never set. */
gboolean       kerfd_engine_reload (KerfdEngine *engine, GError **error);
/* TRUE when the last rebuild failed (the view may be out of date). */
gboolean       kerfd_engine_is_stale (KerfdEngine *engine);
/* Before a change: rebuilds a stale view; KERF_ERROR_KERNEL_ERROR when it
 * still cannot be read (no change may act on an old view). */
gboolean       kerfd_engine_refresh (KerfdEngine *engine, GError **error);

/* ---- read-only (any thread) ------------------------------------------- */

/* Parses a baseline or state file (DTS text or DTB; never opens a path) and
 * validates it.  Every finding goes to `diags`; TRUE when there is no error. */
gboolean kerfd_engine_validate_source (KerfdEngine *engine, GBytes *source, const char *name,
                                       KerfDiagList *diags);
/* The report of the current state, or of `source` (a proposed baseline or
 * state file named `name`) when it is not NULL. */
char    *kerfd_engine_report (KerfdEngine *engine, const char *format, GBytes *source,
                              const char *name, GError **error);
GBytes  *kerfd_engine_get_device_tree (KerfdEngine *engine, const char *which,
                                       const char *format, GError **error);

/* ---- changes (serialized by the caller) ------------------------------- */

gboolean kerfd_engine_op_initialize (KerfdEngine *engine, GBytes *source, const char *name,
                                     gboolean dry_run, KerfDiagList *diags, char **summary,
                                     GError **error);
gboolean kerfd_engine_op_reset (KerfdEngine *engine, GError **error);
/* `spec` a{sv} (see the Pool.CreateInstance docs). */
gboolean kerfd_engine_op_create (KerfdEngine *engine, const char *name, GVariant *spec,
                                 gboolean dry_run, GError **error);
gboolean kerfd_engine_op_update (KerfdEngine *engine, const char *name, GVariant *spec,
                                 gboolean dry_run, GError **error);
gboolean kerfd_engine_op_delete (KerfdEngine *engine, const char *name, GError **error);
gboolean kerfd_engine_op_load (KerfdEngine *engine, const char *name, int kernel_fd,
                               int initrd_fd, const char *cmdline, const char *kernel_path,
                               const char *initrd_path, gboolean debug, GError **error);
gboolean kerfd_engine_op_unload (KerfdEngine *engine, const char *name, GError **error);
gboolean kerfd_engine_op_exec (KerfdEngine *engine, const char *name, GError **error);
gboolean kerfd_engine_op_kill (KerfdEngine *engine, const char *name, gboolean force,
                               GError **error);
gboolean kerfd_engine_op_rollback (KerfdEngine *engine, guint tx_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdEngine, kerfd_engine_free)

G_END_DECLS
