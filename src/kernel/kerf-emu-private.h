/* kerf-emu-private.h — internals of the emulated multikernel kernel.
 *
 * Files:
 *   kerf-kernel-emulated.c          the KerfKernel adapter, load/exec/kill
 *   kerf-kernel-emulated-state.c    model objects, reading the private state file
 *   kerf-kernel-emulated-save.c     writing the private state file
 *   kerf-kernel-emulated-mirror.c   the mirror directory (derived, rebuilt on open)
 *   kerf-kernel-emulated-baseline.c baseline DTB intake
 *   kerf-kernel-emulated-overlay.c  DTBO intake: fragments, items, order
 *   kerf-kernel-emulated-ops.c      primitive operations, their inverses
 *   kerf-kernel-emulated-trees.c    pool tree and instance trees (DTB)
 *   kerf-kernel-emulated-machine.c  the emulated hardware description
 */
#pragma once

#include <glib.h>
#include "kerf-kernel-emulated.h"

G_BEGIN_DECLS

#define KERF_EMU_PAGE_SIZE 4096ULL
#define KERF_EMU_STATE_FILE ".kerf-emulated-state"
#define KERF_EMU_MAX_BLOB (1024 * 1024)   /* the kernel's 1 MiB write limit */
/* A state-file key holding a non-UTF-8 string base64-encoded is KEY-base64
 * (kerf-kernel-emulated-save.c writes it, -state.c reads it). */
#define KERF_EMU_B64_SUFFIX "-base64"

/* SHA-256, of the mirror's files (the state file is compared with itself):
 * a collision would leave a mirror file stale until the next open. */
#define EMU_DIGEST_LEN 32

typedef struct {
  guint64 base;
  guint64 size;
  guint32 numa;
} EmuRange;

/* A PCI device in the pool (free, or held by an instance). */
typedef struct {
  char   *pci_id;
  guint32 vendor_id;
  guint32 device_id;
  char   *alias;      /* stable name from the baseline aliases, or NULL */
  char   *owner;      /* instance name holding it, NULL when free */
} EmuPciDev;

typedef struct {
  char *node_name;
  char *device_name;  /* or NULL */
  char *acpi_hid;     /* or NULL */
  char *alias;        /* or NULL */
} EmuPlatDev;

typedef struct {
  char    *name;
  guint32  id;
  char    *status;          /* ready | loaded | active (| empty | loading | failed) */
  GArray  *mem;             /* EmuRange, ascending, merged: at most one range */
  GArray  *cpus;            /* guint64 ascending */
  gint32   numa_node;       /* numa-nodes[0] of instance-create, -1 none */
  /* the loaded image */
  guint64  kernel_size;
  char    *kernel_sha256;
  char    *kernel_format;   /* bzImage | vmlinux | Image */
  guint64  initrd_size;     /* 0 = none */
  char    *cmdline;
  gboolean debug;
} EmuInstance;

typedef enum {
  EMU_OP_INST_NEW,        /* s = name, u = id, a = numa node + 1 (0 = none) */
  EMU_OP_INST_DESTROY,    /* s = name, u = id, a = numa node + 1 */
  EMU_OP_INST_MEM_ADD,    /* s, a = base, b = size, u = numa */
  EMU_OP_INST_MEM_REMOVE,
  EMU_OP_INST_CPU_ADD,    /* s, a = cpu */
  EMU_OP_INST_CPU_REMOVE,
  EMU_OP_INST_DEV_ADD,    /* s, t = pci-id */
  EMU_OP_INST_DEV_REMOVE,
  EMU_OP_POOL_MEM_ADD,    /* a = base, b = size, u = numa */
  EMU_OP_POOL_MEM_REMOVE,
  EMU_OP_POOL_CPU_ADD,    /* a = cpu */
  EMU_OP_POOL_CPU_REMOVE,
  EMU_OP_POOL_DEV_ADD,    /* t = pci-id, s = alias or NULL */
  EMU_OP_POOL_DEV_REMOVE,
  EMU_OP_N_KINDS
} EmuOpKind;

/* One primitive, fully resolved change (placement done), so that the
 * journal of a transaction can be undone exactly. */
typedef struct {
  EmuOpKind kind;
  char     *s;
  char     *t;
  guint64   a;
  guint64   b;
  guint32   u;
} EmuOp;

typedef struct {
  guint      id;
  char      *status;      /* applied | failed | removed | pending */
  char      *instance;    /* target-path of fragment 0, or "unknown" */
  char      *resources;   /* mk,resources or "unknown" */
  GBytes    *dtbo;
  GPtrArray *ops;         /* EmuOp *, in applied order */
  /* The status its mirror files hold (an interned string), NULL until
   * they are written: a tx_N made again under a reused id is a new EmuTx,
   * so it is written whole (kerf-kernel-emulated-mirror.c). */
  const char *mirrored_status;
} EmuTx;

typedef struct {
  KerfKernel      parent;
  char           *dir;
  KerfEmuMachine *machine;

  gboolean   has_baseline;
  GArray    *pool_cpus;     /* guint64 ascending */
  GArray    *chunks;        /* EmuRange ascending base */
  GPtrArray *pci;           /* EmuPciDev *, ascending pci-id */
  GPtrArray *platform;      /* EmuPlatDev * */
  GPtrArray *instances;     /* EmuInstance *, ascending name */
  GPtrArray *txs;           /* EmuTx *, ascending id */
  guint      next_tx;       /* counter, starts at 1 */

  char      *last_message;
  GPtrArray *faults;        /* GINT_TO_POINTER (KerfEmuFault) queue */
  /* What the last save wrote, so that the next one writes only what
   * changed (kerf-kernel-emulated-mirror.c, kerf-kernel-emulated-state.c).
   * Digests, not copies: at a thousand instances the copies were most of
   * the emulated kernel's memory. */
  gboolean    mirror_synced;  /* FALSE until a full pass after the open */
  GHashTable *mirrored_tx;    /* set of tx ids with a tx_N directory */
  GHashTable *mirrored_inst;  /* instance name -> EMU_DIGEST_LEN digest of its files */
  gboolean    mirrored_pool_valid;
  guint8      mirrored_pool[EMU_DIGEST_LEN];  /* of device_tree */
  KerfEmuIoStats io;
} KerfEmu;

/* ---- state (kerf-kernel-emulated-state.c) --------------------------- */

void         emu_range_sort (GArray *ranges);
void         emu_u64_sort (GArray *values);
gboolean     emu_u64_contains (const GArray *values, guint64 v);
gboolean     emu_u64_remove (GArray *values, guint64 v);
void         emu_u64_insert (GArray *values, guint64 v);

EmuInstance *emu_instance_new (const char *name, guint32 id);
void         emu_instance_free (EmuInstance *inst);
EmuInstance *emu_find_instance (KerfEmu *emu, const char *name);
EmuInstance *emu_find_instance_by_id (KerfEmu *emu, guint32 id);
EmuPciDev   *emu_find_pci (KerfEmu *emu, const char *pci_id);
void         emu_pci_dev_free (EmuPciDev *dev);
void         emu_plat_dev_free (EmuPlatDev *dev);
EmuTx       *emu_tx_new (guint id);
void         emu_tx_free (EmuTx *tx);
EmuTx       *emu_find_tx (KerfEmu *emu, guint id);
EmuOp       *emu_op_new (EmuOpKind kind, const char *s, const char *t,
                         guint64 a, guint64 b, guint32 u);
void         emu_op_free (EmuOp *op);
void         emu_set_message (KerfEmu *emu, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Serialises the whole kernel state (pool, instances, transactions). */
char        *emu_state_to_data (KerfEmu *emu, gsize *len);
/* Replaces the state with one serialised by emu_state_to_data(). */
gboolean     emu_state_from_data (KerfEmu *emu, const char *data, gsize len, GError **error);
void         emu_state_clear (KerfEmu *emu);
/* Everything but the transactions and the tx counter, which a failed
 * intake does not touch: what it restores when it fails.  Small, where
 * the whole state grows with every transaction. */
char        *emu_state_snapshot (KerfEmu *emu, gsize *len);
void         emu_state_restore (KerfEmu *emu, const char *snapshot, gsize len);
/* SHA-256 of `len` bytes into `out` (EMU_DIGEST_LEN bytes). */
void         emu_digest (const void *data, gsize len, guint8 *out);
/* Writes the private state file (one fsync, only when it differs from the
 * file in place) and what changed in the mirror directory. */
gboolean     emu_state_save (KerfEmu *emu, GError **error);

/* ---- mirror (kerf-kernel-emulated-mirror.c) -------------------------- */

/* Writes `path` by a temporary file renamed over it; `durable` fsyncs the
 * data before the rename. */
gboolean     emu_write_atomic (KerfEmu *emu, const char *path, const void *data, gsize len,
                               gboolean durable, GError **error);
/* Brings the mirror directory up to the state: everything (comparing with
 * the files) the first time after an open, then only what changed. */
gboolean     emu_mirror_sync (KerfEmu *emu, GError **error);
/* Loads the private state file if it exists. */
gboolean     emu_state_load (KerfEmu *emu, GError **error);

/* ---- machine -------------------------------------------------------- */

/* TRUE when `node` is a real NUMA node of the machine. */
gboolean     emu_machine_has_node (const KerfEmuMachine *m, guint32 node);
/* The RAM range of a node ([0, ram) for node 0 without a topology). */
gboolean     emu_machine_node_range (const KerfEmuMachine *m, guint32 node,
                                     guint64 *base, guint64 *end);
KerfEmuPciDevice *emu_machine_find_pci (const KerfEmuMachine *m, const char *pci_id);
gboolean     emu_pci_id_parse (const char *s, guint *domain, guint *bus, guint *slot,
                               guint *fn);

/* ---- intake (baseline / overlay) ------------------------------------ */

/* Both return 0 or -errno, with emu_set_message() explaining failures.
 * They leave the state unchanged on failure. */
int          emu_write_baseline (KerfEmu *emu, const guint8 *data, gsize len);
int          emu_write_overlay (KerfEmu *emu, const guint8 *data, gsize len, EmuTx **tx_out);
int          emu_rollback (KerfEmu *emu, guint tx_id, GPtrArray *warnings);

/* ---- primitive operations (kerf-kernel-emulated-ops.c) -------------- */

/* Checks and applies one resolved primitive; 0 or -errno. */
int          emu_op_apply (KerfEmu *emu, const EmuOp *op);
/* The primitive that undoes `op`. */
EmuOp       *emu_op_inverse (const EmuOp *op);
const char  *emu_op_kind_to_string (EmuOpKind kind);
gboolean     emu_op_kind_from_string (const char *s, EmuOpKind *out);
/* First-fit placement of `size` bytes of free pool memory (inside pool
 * chunks, outside every instance's memory), on `numa` (-1 any). */
gboolean     emu_pool_find_free (KerfEmu *emu, guint64 size, gint32 numa, guint64 *base_out,
                                 guint32 *numa_out);
/* First free machine RAM for a new pool chunk (above host-reserved,
 * outside every chunk), on `numa`. */
gboolean     emu_machine_find_free (KerfEmu *emu, guint64 size, guint32 numa,
                                    guint64 *base_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuOp, emu_op_free)

/* ---- trees (kerf-kernel-emulated-trees.c) --------------------------- */

GBytes      *emu_pool_tree (KerfEmu *emu);
GBytes      *emu_instance_tree (KerfEmu *emu, const EmuInstance *inst);
/* DTS text of a blob (kerf_dts_print of kerf_dtb_read). */
char        *emu_blob_to_dts (GBytes *blob);

/* ---- fault injection, test-only (kerf-kernel-emulated-testfault.c) -- */

/* Arms the faults of a comma list (KERF_EMULATED_FAULT syntax); `origin`
 * names where the list came from in warnings. */
void         emu_test_faults_arm (KerfEmu *emu, const char *list, const char *origin);
/* Reads, arms and removes KERF_EMULATED_TEST_FAULT_FILE when it is set. */
void         emu_test_faults_poll (KerfEmu *emu);
/* Removes one armed `fault`; TRUE when it was armed. */
gboolean     emu_test_fault_take (KerfEmu *emu, KerfEmuFault fault);
/* The pool tree as a pool-tree fault makes it (a new reference). */
GBytes      *emu_test_fault_mangle_pool_tree (KerfEmu *emu, GBytes *tree);

/* ---- blob access (shared by the intake files) ----------------------- */

/* kerf_dtb_check + fdt_check_full on an aligned copy; returns the copy
 * (g_free) or NULL with a message. */
void        *emu_blob_open (KerfEmu *emu, const guint8 *data, gsize len, const char *what);

G_END_DECLS
