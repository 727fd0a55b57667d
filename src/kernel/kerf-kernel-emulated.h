/* kerf-kernel-emulated.h — a model of the multikernel kernel in a directory.
 *
 * The emulated kernel accepts the same DTB/DTBO bytes as the real one and
 * applies them with the semantics of kernel-abi.md, keeping its state in a
 * directory laid out like /sys/fs/multikernel (device_tree, overlays/tx_N/,
 * instances/NAME/) so a person can inspect it with ls/cat/dtc, plus a private
 * state file (.kerf-emulated-state) for what the kernel keeps internally.
 * Reopening the directory continues where the last process stopped.
 */
#pragma once

#include <glib.h>
#include "kerf-kernel.h"
#include "kerf-dt.h"

G_BEGIN_DECLS

/* ---- the emulated machine ------------------------------------------- */

typedef struct {
  char   *pci_id;      /* "DDDD:BB:SS.F" */
  guint32 vendor_id;   /* 0 = unknown (any accepted) */
  guint32 device_id;   /* 0 = unknown */
  gint32  numa_node;   /* -1 unknown */
} KerfEmuPciDevice;

typedef struct {
  guint32 id;
  guint64 base;
  guint64 size;
} KerfEmuNumaNode;

/* The hardware the emulated kernel runs on. */
typedef struct {
  guint32    n_cpus;               /* CPU ids 0 .. n_cpus-1 */
  guint64    ram_bytes;
  guint64    host_reserved_bytes;  /* [0, host_reserved) stays with the host */
  GPtrArray *pci;                  /* KerfEmuPciDevice * */
  GArray    *numa;                 /* KerfEmuNumaNode; empty = one node 0 over all RAM */
} KerfEmuMachine;

/* The default machine: examples/baseline.dts itself (compiled in): 32 CPUs,
 * 16 GiB RAM, 2 GiB for the host, i40e at 0000:01:00.0 and nvme at
 * 0000:02:00.0, two NUMA nodes of 8 GiB (CPUs 0-15, 16-31). */
KerfEmuMachine *kerf_emu_machine_new_default (void);
void            kerf_emu_machine_free (KerfEmuMachine *machine);
KerfEmuMachine *kerf_emu_machine_copy (const KerfEmuMachine *machine);
/* The hardware inventory of a baseline in the seed's nested schema
 * (resources/cpus/total, memory/total-bytes, host-reserved-bytes,
 * devices/<dev>{pci-id, vendor-id?, device-id?, numa-node?},
 * topology/numa-nodes/node@N{node-id, memory-base, memory-size}). */
KerfEmuMachine *kerf_emu_machine_from_tree (const KerfDtTree *tree, GError **error);
/* Reads a DTS (or DTB) file and calls kerf_emu_machine_from_tree(). */
KerfEmuMachine *kerf_emu_machine_from_file (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfEmuMachine, kerf_emu_machine_free)

/* ---- the backend ---------------------------------------------------- */

/* Opens (creating it when needed) the state directory.  `machine` NULL =
 * defaults; it is copied. */
KerfKernel *kerf_kernel_emulated_new (const char           *state_dir,
                                      const KerfEmuMachine *machine,
                                      GError              **error);

/* Kernel-level file operations, the way a process sees the real
 * multikernel fs.  `relpath` is relative to the root: "device_tree",
 * "overlays/new" (write) and "overlays/tx_N" (rmdir).  Return 0 or -errno,
 * exactly like write(2)/rmdir(2) on kernfs: a failed overlay write leaves
 * tx_N with status "failed" behind. */
int kerf_kernel_emulated_write_file (KerfKernel   *kernel,
                                     const char   *relpath,
                                     const guint8 *data,
                                     gsize         len);
int kerf_kernel_emulated_rmdir (KerfKernel *kernel, const char *relpath);
/* What the kernel would have logged (dmesg) for the last failure or
 * rollback warnings; NULL when nothing. */
const char *kerf_kernel_emulated_last_message (KerfKernel *kernel);
const char *kerf_kernel_emulated_get_dir (KerfKernel *kernel);

/* What the state directory cost so far (for tests of the save path): files
 * written (each by a temporary file and a rename), mirror files read back
 * to compare, fsyncs. */
typedef struct {
  guint64 files_written;
  guint64 files_read;
  guint64 fsyncs;
} KerfEmuIoStats;

void kerf_kernel_emulated_get_io_stats (KerfKernel *kernel, KerfEmuIoStats *stats);

/* ---- fault injection (for fault tests) ------------------------------- */

typedef enum {
  KERF_EMU_FAULT_NONE = 0,
  /* The next overlay write fails with EBUSY (a failed tx_N is left). */
  KERF_EMU_FAULT_WRITE_EBUSY,
  /* The next write (baseline or overlay) fails with EIO; nothing changes. */
  KERF_EMU_FAULT_WRITE_EIO,
  /* The next pool-tree read returns a truncated blob. */
  KERF_EMU_FAULT_TRUNCATE_POOL_TREE,
  /* The next pool-tree read returns a blob with a sound header and a
   * garbage structure block. */
  KERF_EMU_FAULT_CORRUPT_POOL_TREE,
} KerfEmuFault;

/* Arms a one-shot fault.  The environment variable KERF_EMULATED_FAULT
 * (comma list of write-ebusy, write-eio, truncate-pool-tree,
 * corrupt-pool-tree), read when the backend is opened, does the same.
 * Test-only: when KERF_EMULATED_TEST_FAULT_FILE names a file, the backend
 * reads it before every write and pool-tree read, arms the faults it lists
 * (the same comma list) and removes it, so a test can make a running kerfd
 * fail (kerf-kernel-emulated-testfault.c). */
void kerf_kernel_emulated_inject_fault (KerfKernel *kernel, KerfEmuFault fault);

G_END_DECLS
