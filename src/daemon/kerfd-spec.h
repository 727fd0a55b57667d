/* kerfd-spec.h — the instance spec of Pool.CreateInstance / Instance.Update.
 *
 * The a{sv} a caller sends is decoded here, and only here, into a plain
 * request struct: a pure function of the GVariant (no daemon state, no I/O),
 * so that it can be unit-tested key by key and fuzzed.  Every key's type and
 * range is checked; an unknown key, a wrong type or a value out of range is
 * a KERF_ERROR_INVALID_ARGUMENT naming the key.  Whether the request fits
 * the pool is not decided here (kerfd-engine-ops.c: allocator, validator).
 *
 *   key            type  meaning
 *   cpus           au    exact CPU ids
 *   cpu-count      u     > 0; CPUs chosen by cpu-affinity (not with cpus)
 *   memory-bytes   t     > 0
 *   memory-base    t     fixed base (otherwise the allocator places it)
 *   devices        as    device references (eth0, eth0_vf1, nvme0_ns2)
 *   numa-nodes     au    NUMA nodes
 *   cpu-affinity   s     compact | spread | local
 *   memory-policy  s     local | interleave | bind
 *   id             u     1-2047
 */
#pragma once

#include <glib.h>
#include "kerf-model.h"

G_BEGIN_DECLS

typedef enum {
  KERFD_SPEC_CPUS          = 1 << 0,
  KERFD_SPEC_CPU_COUNT     = 1 << 1,
  KERFD_SPEC_MEMORY_BYTES  = 1 << 2,
  KERFD_SPEC_MEMORY_BASE   = 1 << 3,
  KERFD_SPEC_DEVICES       = 1 << 4,
  KERFD_SPEC_NUMA_NODES    = 1 << 5,
  KERFD_SPEC_CPU_AFFINITY  = 1 << 6,
  KERFD_SPEC_MEMORY_POLICY = 1 << 7,
  KERFD_SPEC_ID            = 1 << 8,
} KerfdSpecKeys;

typedef struct {
  KerfdSpecKeys    present;        /* which keys the caller gave */
  GArray          *cpus;           /* guint32; never NULL */
  guint32          cpu_count;
  guint64          memory_bytes;
  guint64          memory_base;
  GStrv            devices;        /* never NULL */
  GArray          *numa_nodes;     /* guint32; never NULL */
  KerfCpuAffinity  cpu_affinity;
  KerfMemoryPolicy memory_policy;
  guint32          id;
} KerfdSpec;

/* Decodes `spec` (must be of type a{sv}); NULL with KERF_ERROR_INVALID_ARGUMENT
 * on the first problem. */
KerfdSpec *kerfd_spec_from_variant (GVariant *spec, GError **error);
void       kerfd_spec_free (KerfdSpec *spec);
/* TRUE when the caller gave any of `keys`. */
gboolean   kerfd_spec_has (const KerfdSpec *spec, KerfdSpecKeys keys);
/* Writes every key `spec` holds onto `inst` (a new instance, or a copy of
 * one to update); keys not given leave `inst` as it is.  cpu-count is not
 * an instance field: the caller places that many CPUs. */
void       kerfd_spec_apply (const KerfdSpec *spec, KerfInstance *inst);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdSpec, kerfd_spec_free)

G_END_DECLS
