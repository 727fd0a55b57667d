/* test-helpers.h — models built by hand for the validator/allocator tests.
 *
 * tm_seed_model() is the seed's baseline (32 CPUs, 0-3 host-reserved, a
 * 14 GiB pool at 0x80000000, eth0 with 8 VFs, nvme0 with 4 namespaces),
 * optionally with a two-node topology, and two valid instances:
 *   web: id 1, CPUs 4-7,   2 GiB at 0x80000000,  eth0_vf1 nvme0_ns2, compact (memory policy local with topology)
 *   db:  id 2, CPUs 16-19, 4 GiB at 0x200000000, eth0_vf2
 * Every value has a distinct source line so tests can check locations:
 * see the TM_LINE_* constants.
 */
#pragma once

#include <glib.h>
#include "kerf-model.h"
#include "kerf-diag.h"

#define TM_FILE "state.dts"

enum {
  TM_LINE_CPUS = 10, TM_LINE_TOTAL, TM_LINE_HOST_RESERVED, TM_LINE_AVAILABLE,
  TM_LINE_MEMORY = 20, TM_LINE_TOTAL_BYTES, TM_LINE_HR_BYTES, TM_LINE_POOL_BASE, TM_LINE_POOL_BYTES,
  TM_LINE_ETH0 = 30, TM_LINE_NVME0,
  TM_LINE_TOPOLOGY = 40, TM_LINE_NODE0, TM_LINE_NODE1, TM_LINE_NODE2, TM_LINE_NODE3,
  TM_LINE_DEVREFS = 50,
  TM_LINE_INSTANCES = 100,   /* instance k: 100 + 10k, then the offsets below */
};

enum {
  TM_OFF_NODE = 0, TM_OFF_ID, TM_OFF_CPUS, TM_OFF_BASE, TM_OFF_BYTES, TM_OFF_DEVICES,
  TM_OFF_NUMA, TM_OFF_AFFINITY, TM_OFF_POLICY,
};

#define TM_GiB (G_GUINT64_CONSTANT (1) << 30)

KerfLoc       tm_loc (guint line);
guint         tm_inst_line (guint index, guint offset);

/* An empty model with the seed's resources (no devices / topology / instances). */
KerfModel    *tm_seed_resources (gboolean topology);
/* The seed model described above. */
KerfModel    *tm_seed_model (gboolean topology);

/* A fresh instance appended to `model` (locations set from its index). */
KerfInstance *tm_add_instance (KerfModel *model, const char *name, guint32 id,
                               const char *cpus, guint64 base, guint64 bytes);
void          tm_add_ref (KerfInstance *inst, const char *ref_name);
void          tm_set_cpus (KerfInstance *inst, const char *cpus);
void          tm_set_nodes (KerfInstance *inst, const char *nodes);
GArray       *tm_cpus (const char *list);

/* Replaces the topology with `n` nodes splitting CPUs 0..total-1 and
 * memory [0, total_bytes) evenly. */
void          tm_set_topology (KerfModel *model, guint n_nodes);

/* Validation with host checks and advice off. */
KerfDiagList *tm_validate (const KerfModel *model);
/* The first finding with rule `rule`, or NULL. */
const KerfDiag *tm_find (const KerfDiagList *diags, const char *rule);
/* Prints all findings (for failing tests). */
void          tm_dump (const KerfDiagList *diags);
