/* kerfd-state.h — what kerfd keeps that the kernel does not.
 *
 * The kernel holds the pool, the instances' CPUs / memory / whole PCI
 * devices, their statuses and the transactions.  It does not hold the
 * baseline as the user wrote it (host reservations, totals, topology,
 * SR-IOV and namespace inventories), VF / namespace assignments, NUMA
 * policies, kernel-image provenance, or what each transaction was for.
 * Those live here, one file per concern, written atomically (temp file +
 * rename), so kerfd can rebuild everything after a restart.
 *
 * Layout of the state directory (mode 0700):
 *
 *   baseline                the baseline last given to Initialize, byte for byte
 *                           as given (self-contained DTS text or a DTB): labels
 *                           and locations survive, so device names and
 *                           diagnostics read the same after a restart
 *   baseline.ini            [baseline] source=<display name>
 *   instances/<name>.ini    one per instance, see KerfdInstanceRecord
 *   instances/<name>.update an Update in flight: the record it will write and
 *                           [kernel-after] what the kernel holds once it is in
 *                           (written before the kernel, removed after the
 *                           record; reconciled at start-up, see kerfd-engine.c)
 *   transactions.ini        [tx_N] operation=create|update|... instance=<name>
 *
 * Instance names are restricted to [A-Za-z0-9_.-] without a leading '.' or
 * '-', so they are safe file names; the code checks that again anyway.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _KerfdState KerfdState;

/* The daemon-side facts about one instance. */
typedef struct {
  char    *name;
  char   **devices;          /* every device reference as given (VFs, namespaces, whole) */
  GArray  *numa_nodes;       /* guint32 */
  char    *cpu_affinity;     /* NULL = none */
  char    *memory_policy;    /* NULL = none */
  /* kernel image provenance, set by Load, cleared by Unload */
  char    *kernel_path;      /* what the caller said it opened; NULL = none */
  guint64  kernel_size;
  char    *kernel_sha256;
  char    *kernel_version;
  char    *initrd_path;
  char    *cmdline;
} KerfdInstanceRecord;

KerfdInstanceRecord *kerfd_instance_record_new (const char *name);
KerfdInstanceRecord *kerfd_instance_record_copy (const KerfdInstanceRecord *record);
void                 kerfd_instance_record_free (KerfdInstanceRecord *record);
void                 kerfd_instance_record_clear_kernel (KerfdInstanceRecord *record);

/* Creates the directory (0700) when missing. */
KerfdState *kerfd_state_open (const char *dir, GError **error);
void        kerfd_state_free (KerfdState *state);
const char *kerfd_state_get_dir (KerfdState *state);

/* Baseline: NULL without error when none was stored. */
GBytes  *kerfd_state_load_baseline (KerfdState *state, char **source_name, GError **error);
gboolean kerfd_state_save_baseline (KerfdState *state, GBytes *source, const char *source_name,
                                    GError **error);
gboolean kerfd_state_remove_baseline (KerfdState *state, GError **error);

/* Instances: name -> KerfdInstanceRecord *.  A file that does not parse
 * is logged and skipped (never fatal: the kernel is the source of truth). */
GHashTable *kerfd_state_load_instances (KerfdState *state);
gboolean    kerfd_state_save_instance (KerfdState *state, const KerfdInstanceRecord *record,
                                       GError **error);
gboolean    kerfd_state_remove_instance (KerfdState *state, const char *name, GError **error);

/* An Update in flight.  Written before the overlay goes to the kernel; at
 * start-up the kernel decides: when the instance there has exactly the
 * kernel-after resources the update reached the kernel and `record`
 * becomes the instance's record, otherwise it is dropped.  So a crash
 * between the kernel and the record never pairs new CPUs with old
 * VF / policy data. */
typedef struct {
  KerfdInstanceRecord *record;
  GArray  *cpus;             /* guint32, sorted */
  guint64  memory_base;
  guint64  memory_bytes;
  char   **kernel_devices;   /* whole devices the kernel holds for it, sorted */
} KerfdPendingUpdate;

void                kerfd_pending_update_free (KerfdPendingUpdate *pending);
gboolean            kerfd_state_save_pending_update (KerfdState *state,
                                                     const KerfdPendingUpdate *pending,
                                                     GError **error);
/* NULL when there is none (or it does not read: logged). */
KerfdPendingUpdate *kerfd_state_load_pending_update (KerfdState *state, const char *name);
gboolean            kerfd_state_remove_pending_update (KerfdState *state, const char *name,
                                                       GError **error);
/* Names (char *) of every instance with an update in flight. */
GPtrArray          *kerfd_state_list_pending_updates (KerfdState *state);

/* Transactions: what kerfd wrote each tx_N for. */
gboolean    kerfd_state_save_transaction (KerfdState *state, guint id, const char *operation,
                                          const char *instance, GError **error);
/* "unknown" when kerfd did not record it; `instance` may be NULL.  Parses
 * the whole file: for many ids use kerfd_state_load_transaction_records(). */
char       *kerfd_state_get_transaction (KerfdState *state, guint id, char **instance);
typedef struct {
  char *operation;   /* never NULL ("unknown" when the record has none) */
  char *instance;    /* NULL: the pool, or not recorded */
} KerfdTxRecord;
/* Every record, read once: GUINT_TO_POINTER (id) -> KerfdTxRecord *. */
GHashTable *kerfd_state_load_transaction_records (KerfdState *state);
/* Drops records of transactions not in `live_ids` (guint array); linear. */
gboolean    kerfd_state_prune_transactions (KerfdState *state, const GArray *live_ids,
                                            GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdState, kerfd_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdInstanceRecord, kerfd_instance_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdPendingUpdate, kerfd_pending_update_free)

G_END_DECLS
