/* kerf-integ.h — helpers for the end-to-end tests: model + allocator +
 * validator + overlay generator on one side, the emulated kernel on the
 * other, and the checks that the two agree.
 *
 * The expectation is always computed from the model (what kerfd believes);
 * what the kernel holds is always read back from its trees (DTB bytes), so
 * a disagreement is a bug on one of the two sides, never a tautology. */
#pragma once

#include <glib.h>
#include "kerf-model.h"
#include "kerf-overlay.h"
#include "kerf-kernel-emulated.h"
#include "kerf-validate.h"
#include "kerf-test-util.h"

G_BEGIN_DECLS

#define GiB (G_GUINT64_CONSTANT (1) << 30)
#define MiB (G_GUINT64_CONSTANT (1) << 20)

/* <source>/examples/NAME as a model; asserts it reads without errors. */
KerfModel  *integ_load_example (const char *name);
char       *integ_example_path (const char *name);

/* A fresh emulated kernel in a temporary directory (on tmpfs where there is
 * one; kerf_test_rm_rf() removes it).  `machine` NULL = the emulator's
 * default machine. */
KerfKernel *integ_kernel_new (const KerfEmuMachine *machine, char **dir_out);

/* kerf_model_to_kernel_baseline -> DTB -> write_baseline; then the model's
 * pool_base is taken from the pool tree, as kerfd does. */
void        integ_init_pool (KerfKernel *kernel, KerfModel *model);

/* The pool tree / an instance tree decoded. */
KerfDtTree *integ_pool_tree (KerfKernel *kernel);
KerfDtTree *integ_instance_tree (KerfKernel *kernel, const char *name);
/* Pool chunks of the live pool tree. */
GArray     *integ_pool_chunks (KerfKernel *kernel);

/* Encodes and writes an overlay.  integ_apply asserts success and returns
 * the tx id; integ_try_apply reports failure (and asserts that the kernel
 * kept no failed transaction behind). */
guint       integ_apply (KerfKernel *kernel, const KerfDtTree *overlay);
gboolean    integ_try_apply (KerfKernel *kernel, const KerfDtTree *overlay, guint *tx,
                             GError **error);

/* After a create without a fixed base / without an id: the kernel chose;
 * copy its id and memory-base into the model's instance. */
void        integ_sync_instance (KerfKernel *kernel, KerfInstance *inst);

/* PCI ids (sorted, char * owned by the array) of an instance's whole
 * devices, resolved in `res`. */
GPtrArray  *integ_instance_pci_ids (const KerfResources *res, const KerfInstance *inst);

/* The emulator's pool tree and every instance tree equal what the model
 * expects (CPUs, free CPUs, pool bytes, free PCI devices and their aliases,
 * instance names, ids, memory, CPUs, devices). */
void        integ_assert_matches (KerfKernel *kernel, const KerfModel *model);

/* Conservation, from the kernel's trees alone plus the model's free
 * memory: instance CPUs + free CPUs = pool CPUs (disjoint); instance
 * memory disjoint and inside pool chunks; free + allocated bytes = pool
 * bytes; every pool PCI device exactly once (free or one instance). */
void        integ_assert_invariants (KerfKernel *kernel, const KerfModel *model);

/* Validation options for tests: no host checks, no advice. */
void        integ_validate_options (KerfValidateOptions *opts);

G_END_DECLS
