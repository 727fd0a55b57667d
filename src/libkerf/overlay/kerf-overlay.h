/* kerf-overlay.h — one change of the multikernel state as one DTBO.
 *
 * Each function turns (current state, requested change) into the device
 * tree of ONE overlay transaction in the kernel's current format
 * (kernel-abi.md "Overlays"):
 *
 *   /dts-v1/; /plugin/;
 *   / { fragment@0 { target-path = "/instances"; __overlay__ { ... }; };
 *       fragment@1 { target-path = "/instances/<name>"; __overlay__ { ... }; }; };
 *
 * Fragments are numbered in decimal from 0 and the kernel runs them in that
 * order.  Inside a fragment the operation nodes appear in the documented
 * order (instance fragments: instance-create, memory-remove, memory-add,
 * cpu-remove, cpu-add, device-remove, device-add, instance-remove; the pool
 * fragment: cpu-remove, device-remove, memory-remove, memory-add, cpu-add,
 * device-add), each only when it has items.  The older dialect of the Python
 * tool (root compatible "linux,multikernel-overlay", mk,instance,
 * region@N) is never produced.
 *
 * Items:
 *   memory@N  N = 0, 1, ... within its operation.  Instance items carry
 *             reg = <u64 base, u64 size>; pool memory-add items carry
 *             size (u64, the pool picks the base), pool memory-remove
 *             items the reg of a whole pool chunk.
 *   cpu@ID    ID = the physical CPU id in decimal; reg = <u64 id>.
 *   pci@N     N = 0, 1, ... over the PCI ids sorted; pci-id = "DDDD:BB:SS.F".
 *   numa-node-id (u32) is added to an instance's memory-add and cpu-add
 *   items when the resources' topology places the item inside one NUMA
 *   node, and left out otherwise (it is optional).  Pool items carry none,
 *   except the memory a shrink gives back (see kerf_overlay_resize_pool).
 *
 * Device references: a whole device ("eth0", "nvme0") becomes a pci@N item
 * carrying the device's pci-id (the reference may also name the PCI id
 * itself).  VFs ("eth0_vf1") and namespaces ("nvme0_ns2") produce NO kernel
 * item at all: the kernel only knows whole PCI functions, and those
 * assignments live in kerfd's state directory (SPEC §4).  A whole device
 * that is not PCI (a platform device) cannot be moved by an overlay and is
 * an error.
 *
 * Every change is the minimal delta and nothing else.  A change the kernel
 * would not see (nothing to add or remove) is an error
 * (KERF_ERROR_INVALID_ARGUMENT, "nothing to change"), never an empty DTBO;
 * kerf_overlay_instance_changes_kernel() tells a caller beforehand whether
 * an update needs a transaction at all.
 *
 * Inputs are trusted to be validated (the validator runs on the whole new
 * state first); the generator still refuses what it cannot express
 * (missing memory, unaligned sizes, unknown devices, renames) with a
 * KERF_ERROR_INVALID_ARGUMENT / KERF_ERROR_NOT_FOUND GError and no tree.
 */
#pragma once

#include <glib.h>
#include "kerf-dt.h"
#include "kerf-model.h"

G_BEGIN_DECLS

/* Smallest page size the generator insists on for sizes and bases. */
#define KERF_OVERLAY_PAGE_SIZE G_GUINT64_CONSTANT (4096)

/* One memory range: an instance's memory or a pool chunk as the pool tree
 * reports it (/resources/memory@<base> { reg = <base size>; }). */
typedef struct {
  guint64 base;
  guint64 size;
} KerfOverlayRange;

/* Create `inst`: fragment@0 on /instances with instance-create {
 * instance-name; id (when inst->id != 0); resources { memory-bytes; cpus;
 * numa-nodes (when given) } }.
 *
 * With `fixed_base` the instance must sit at inst->memory_base: then
 * instance-create carries no memory and fragment@1 on /instances/<name>
 * adds memory@0 { reg = <memory_base memory_bytes> }.  Whole PCI devices
 * of the instance are given in a /instances/<name> fragment (device-add),
 * since instance-create has no device list.  `res` resolves device names
 * to PCI ids and CPUs / memory to NUMA nodes; it may be NULL when the
 * instance has no whole-device references. */
KerfDtTree *kerf_overlay_create_instance (const KerfInstance  *inst,
                                          const KerfResources *res,
                                          gboolean             fixed_base,
                                          GError             **error);

/* fragment@0 on /instances with instance-remove { instance-name }. */
KerfDtTree *kerf_overlay_delete_instance (const char *name,
                                          GError    **error);

/* The delta from `old_inst` to `new_inst` (same name, same id) on
 * /instances/<name>:
 *   memory  exact range difference: growing in place adds the extension,
 *           shrinking removes the tail (or head), a move removes the old
 *           range and adds the new one (overlapping moves only the parts
 *           that differ);
 *   CPUs    cpu-remove of old-new, cpu-add of new-old;
 *   devices device-remove / device-add of the whole PCI devices that differ.
 * Both instances must carry their real memory base (the one read back from
 * the kernel, or the one the allocator placed). */
KerfDtTree *kerf_overlay_update_instance (const KerfInstance  *old_inst,
                                          const KerfInstance  *new_inst,
                                          const KerfResources *res,
                                          GError             **error);

/* Whether updating `old_inst` to `new_inst` changes anything the kernel
 * holds (memory range, CPUs, whole PCI devices).  FALSE with `error` set
 * when a device reference cannot be resolved; FALSE without error when
 * only kerfd-side data (VFs, namespaces, policies) differs. */
gboolean    kerf_overlay_instance_changes_kernel (const KerfInstance  *old_inst,
                                                  const KerfInstance  *new_inst,
                                                  const KerfResources *res,
                                                  GError             **error);

/* Resize the pool (fragment@0 on /resources) from `old_res` to `new_res`:
 *   memory  grows by one memory-add { memory@0 { size = growth } } (the pool
 *           picks the base); shrinks by memory-remove of whole chunks taken
 *           from `chunks` (the pool's current chunks, as read back from the
 *           pool tree) — the smallest chunk at least as large as the
 *           shrink when there is one, else chunks from the highest base
 *           down — plus a memory-add { size } giving back what was removed
 *           beyond the shrink size (with the removed chunks' numa-node-id
 *           when the topology puts them all on one node).  The pool's
 *           current size is the sum of `chunks`.  `chunks` = NULL means one
 *           chunk (old_res->pool_base, old_res->pool_bytes), which is right
 *           only for a pool never resized (the model sums several chunks
 *           into pool_bytes): pass kerf_overlay_pool_chunks_from_tree() of
 *           the pool tree whenever it may hold more than one.
 *   CPUs    cpu-add of the CPUs new in available_cpus (host -> pool),
 *           cpu-remove of those gone (pool -> host);
 *   devices device-add { pci@N { pci-id; alias } } of PCI devices that join
 *           the pool (no longer host-reserved, or new), device-remove of
 *           those that leave it.  alias is the device's stable name when it
 *           differs from its node name.
 * Nothing else of the resources (totals, topology) is expressed. */
KerfDtTree *kerf_overlay_resize_pool (const KerfResources    *old_res,
                                      const KerfResources    *new_res,
                                      const KerfOverlayRange *chunks,
                                      gsize                   n_chunks,
                                      GError                **error);

/* The pool chunks of a pool tree read back from the kernel's device_tree:
 * every /resources/memory@* node's reg = <u64 base, u64 size>, ascending
 * base.  An array of KerfOverlayRange (possibly empty), or NULL with
 * KERF_ERROR_PARSE when a chunk's reg is malformed. */
GArray     *kerf_overlay_pool_chunks_from_tree (const KerfDtTree *pool_tree,
                                                GError          **error);

/* The pool's CPUs in a tree's /resources cpus (u64 cells: the pool tree
 * or a kernel baseline), ascending; empty without them.  NULL with
 * KERF_ERROR_PARSE for a malformed list or an id above 2^32-1. */
GArray     *kerf_overlay_pool_cpus_from_tree (const KerfDtTree *tree,
                                              GError          **error);

/* Reset: fragment@0 on /resources giving back to the host everything the
 * kernel's pool tree (`pool_tree`, as read back) holds: cpu-remove of its
 * CPUs, device-remove of every pci-id in it, memory-remove of every
 * memory@ chunk.  Built from the tree, not a model, so that it names
 * exactly what the kernel has.  An empty pool is an error
 * (KERF_ERROR_INVALID_ARGUMENT), a malformed one KERF_ERROR_PARSE. */
KerfDtTree *kerf_overlay_empty_pool (const KerfDtTree *pool_tree,
                                     GError          **error);

/* Refill an emptied pool from `kernel_baseline`
 * (kerf_model_to_kernel_baseline): memory-add { memory@N { size;
 * numa-node-id? } } per memory chunk of its /resources, cpu-add of its
 * CPUs, device-add of its PCI devices with their /aliases name as alias.
 * Platform devices cannot move and are left out. */
KerfDtTree *kerf_overlay_fill_pool (const KerfDtTree *kernel_baseline,
                                    GError          **error);

/* Encodes an overlay tree as a DTBO (kerf_dtb_write, /plugin/ form). */
GBytes     *kerf_overlay_to_dtbo (const KerfDtTree *overlay,
                                  GError          **error);

/* One line for logs and transaction records, from the overlay itself:
 *   "create web-server: 4 CPUs, 2 GiB"
 *   "create db: 2 CPUs, 1 GiB at 0x100000000, 1 device"
 *   "delete web-server"
 *   "update web-server: memory +1 GiB, CPUs -6-7 +8, devices -0000:09:00.0 +0000:0a:00.0"
 *   "resize pool: memory +1 GiB, CPUs +20-21"
 * Fragments that do not fit these shapes are described generically. */
char       *kerf_overlay_describe (const KerfDtTree *overlay);

/* "2 GiB", "1536 MiB", "4 KiB", "1000 bytes": the largest binary unit
 * that divides `bytes` exactly. */
char       *kerf_overlay_format_size (guint64 bytes);

G_END_DECLS
