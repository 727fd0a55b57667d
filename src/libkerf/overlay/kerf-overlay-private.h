/* kerf-overlay-private.h — building blocks shared by the overlay
 * generator's files: fragments, items, set differences, lookups in the
 * resources.  Reads the model's public fields only. */
#pragma once

#include <glib.h>
#include "kerf-overlay.h"

G_BEGIN_DECLS

/* An empty /plugin/ tree. */
KerfDtTree *kerf_overlay_tree_new (void);

/* Appends fragment@<next> { target-path; __overlay__ {} } to the root and
 * returns its __overlay__ node. */
KerfDtNode *kerf_overlay_add_fragment (KerfDtTree *tree, const char *target_path);

/* op { memory@0 { reg = <base size>; numa-node-id? }; ... } — numa-node-id
 * only when `res` is given and one of its NUMA nodes holds the range.
 * Nothing when n == 0. */
void kerf_overlay_add_reg_items (KerfDtNode             *overlay,
                                 const char             *op,
                                 const KerfOverlayRange *ranges,
                                 gsize                   n,
                                 const KerfResources    *res);

/* op { cpu@<id> { reg = <u64 id>; numa-node-id? }; ... } for `cpus`
 * (guint32, ascending); numa-node-id only when `res` places the CPU.
 * Nothing when the array is empty. */
void kerf_overlay_add_cpu_items (KerfDtNode          *overlay,
                                 const char          *op,
                                 const GArray        *cpus,
                                 const KerfResources *res);

/* op { pci@N { pci-id; alias? }; ... } for `pci_ids` (char *, ascending);
 * `aliases` (char *, same length, NULL entries allowed) may be NULL. */
void kerf_overlay_add_pci_items (KerfDtNode      *overlay,
                                 const char      *op,
                                 const GPtrArray *pci_ids,
                                 const GPtrArray *aliases);

/* Sorted, duplicate-free copy of a guint32 array (NULL -> empty). */
GArray *kerf_overlay_u32_set (const GArray *values);
/* Elements of `a` not in `b`, ascending (inputs need not be sorted). */
GArray *kerf_overlay_u32_minus (const GArray *a, const GArray *b);
/* Strings of `a` not in `b`, ascending; the result borrows a's strings. */
GPtrArray *kerf_overlay_str_minus (const GPtrArray *a, const GPtrArray *b);

/* The device a reference or a pool entry names: by stable name, node name
 * or PCI id.  NULL when `res` is NULL or holds no such device. */
const KerfDevice *kerf_overlay_find_device (const KerfResources *res, const char *name);

/* Sorted, duplicate-free PCI ids of the instance's whole-device references
 * (VF and namespace references are skipped: the kernel does not hold
 * them).  NULL with an error for an unknown or non-PCI device. */
GPtrArray *kerf_overlay_instance_pci_ids (const KerfInstance  *inst,
                                          const KerfResources *res,
                                          GError             **error);

/* kerf_instance_name_is_valid(), else an INVALID_ARGUMENT error naming it. */
gboolean kerf_overlay_check_name (const char *name, GError **error);
/* `value` is a multiple of KERF_OVERLAY_PAGE_SIZE, else an error naming `what`. */
gboolean kerf_overlay_check_aligned (const char *what, guint64 value, GError **error);

G_END_DECLS
