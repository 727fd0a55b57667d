/* kerf-alloc.h — parsing resource requests and placing them in the pool.
 *
 * Three small parsers for what users type (CPU lists, sizes, addresses),
 * their inverse formatters, and the allocator: which free CPUs and which
 * free memory range a new instance gets, by policy, over the NUMA topology.
 *
 * The allocator reads the model's fields only and never changes the model.
 * Whatever it proposes passes kerf_validate_state() (tests check this with
 * many random requests); when it cannot satisfy a request the GError says
 * what is free where, so the user can ask for something that fits.
 *
 * Conventions:
 *  - CPU lists are GArrays of guint32, sorted ascending, no duplicates.
 *  - Sizes: "512MB", "2GB", "1TB", "4KB" are powers of 1024, exactly like
 *    "512MiB", "2GiB", "1TiB", "4KiB" (the seed's convention; kB = KB).
 *    A decimal fraction is allowed before a unit ("1.5GB" = 1536 MiB), the
 *    result must be a whole number of bytes.  Plain numbers are bytes, in
 *    decimal or 0x-hex ("4096", "0x1000").  Whitespace between number and
 *    unit is allowed, units are case-insensitive.  Zero, negative values,
 *    values above 2^64-1 and anything else are refused.
 *  - Addresses (--memory-base): "0x..." hex or decimal; 0 is allowed.
 */
#pragma once

#include <glib.h>
#include "kerf-model.h"

G_BEGIN_DECLS

/* ---- CPU lists ------------------------------------------------------ */

/* "4-7,9,12-15" -> sorted guint32 array.  Errors (KERF_ERROR_INVALID_ARGUMENT)
 * name the offending part: bad syntax, reversed range, duplicates or
 * overlapping ranges, empty list or item, negative ids, ids above 2^32-1. */
GArray *kerf_cpu_list_parse (const char *text, GError **error);

/* Inverse of the parser: compresses runs ("4-7,9").  `cpus` must be sorted;
 * "" for an empty list.  Runs of two are written "4-5". */
char   *kerf_cpu_list_format (const guint32 *cpus, gsize n_cpus);
/* Same for a GArray of guint32 (NULL = empty). */
char   *kerf_cpu_array_format (const GArray *cpus);

/* "0,1" NUMA node lists use the CPU list grammar (ranges allowed). */
#define kerf_node_list_parse kerf_cpu_list_parse

/* ---- sizes and addresses -------------------------------------------- */

/* Size in bytes (see conventions above); > 0. */
gboolean kerf_size_parse (const char *text, guint64 *out, GError **error);
/* Human form with binary units, at most two decimals, no trailing zeros:
 * "2 GiB", "512 MiB", "1.5 GiB", "4 KiB", "100 bytes". */
char    *kerf_size_format (guint64 bytes);

/* A memory address: "0x80000000" or "2147483648". */
gboolean kerf_address_parse (const char *text, guint64 *out, GError **error);

/* ---- free resources ------------------------------------------------- */

/* Pool CPUs not used by any instance (except the instance named
 * `exclude`, whose resources count as free: used when re-placing it).
 * Sorted.  Empty when the model has no resources. */
GArray *kerf_alloc_free_cpus (const KerfModel *state, const char *exclude);

/* Free holes of the memory pool, as guint64 pairs (base, size) sorted by
 * base, the instances' ranges (except `exclude`'s) cut out.  A hole never
 * crosses a pool chunk boundary (kerf_resources_pool_chunks), since the
 * kernel places an instance's memory inside one chunk. */
GArray *kerf_alloc_free_memory (const KerfModel *state, const char *exclude);

/* Index in `chunks` (from kerf_resources_pool_chunks) of the chunk that
 * holds [base, base+size) completely, -1 when none does. */
gint kerf_alloc_chunk_of_range (const GArray *chunks, guint64 base, guint64 size);

/* ---- placing an instance ------------------------------------------- */

typedef struct {
  guint32          cpu_count;       /* how many CPUs to pick */
  KerfCpuAffinity  affinity;        /* NONE = compact */
  const GArray    *numa_nodes;      /* guint32 node ids to stay inside, or NULL/empty */
  gint32           memory_node;     /* 'local': the node holding the memory, -1 = unknown */
  const char      *exclude;         /* instance whose CPUs count as free (update), or NULL */
} KerfCpuRequest;

#define KERF_CPU_REQUEST_INIT { 0, KERF_CPU_AFFINITY_NONE, NULL, -1, NULL }

/* Picks `cpu_count` free pool CPUs:
 *  compact: the fewest NUMA nodes (a single node when one has enough, the
 *           lowest such node id), inside a node the lowest run of adjacent
 *           ids, else the lowest ids;
 *  spread:  round-robin over the allowed nodes (ascending id), lowest free
 *           id of each node per round; without topology, evenly spaced over
 *           the free ids;
 *  local:   all from one node: the first of `numa_nodes`, else
 *           `memory_node`, else the lowest node id with enough free CPUs.
 * With `numa_nodes` only CPUs of those nodes are considered (an unknown
 * node is an error).  Returns a sorted array, or NULL with a
 * KERF_ERROR_RESOURCE_CONFLICT error that lists the free CPUs per node. */
GArray *kerf_alloc_cpus (const KerfModel *state, const KerfCpuRequest *req, GError **error);

typedef struct {
  guint64           size;           /* bytes, > 0 */
  guint64           alignment;      /* 0 = 4 KiB; must be a power of two >= 4 KiB */
  gboolean          has_base;       /* --memory-base given: check it instead of choosing */
  guint64           base;
  KerfMemoryPolicy  policy;         /* local / bind keep the range inside one node */
  const GArray     *numa_nodes;     /* guint32: bind to these nodes (first that fits) */
  const GArray     *cpus;           /* the instance's CPUs: 'local' uses their node */
  const char       *exclude;        /* instance whose memory counts as free, or NULL */
} KerfMemoryRequest;

#define KERF_MEMORY_REQUEST_INIT { 0, 0, FALSE, 0, KERF_MEMORY_POLICY_NONE, NULL, NULL, NULL }

/* First fit: the lowest aligned base whose range lies in a free hole of the
 * pool (and, under local/bind with topology, inside the chosen node's
 * memory).  With `has_base` the given base is checked instead (alignment,
 * pool bounds, overlaps, node).  FALSE with KERF_ERROR_RESOURCE_CONFLICT
 * (no room: the message names the largest free hole) or
 * KERF_ERROR_INVALID_ARGUMENT (bad request). */
gboolean kerf_alloc_memory (const KerfModel        *state,
                            const KerfMemoryRequest *req,
                            guint64                *base_out,
                            GError                **error);

/* The NUMA node most of `cpus` belong to (lowest id on ties), -1 when
 * there is no topology or none of them is listed. */
gint32 kerf_alloc_majority_node (const KerfResources *res, const GArray *cpus);

/* ---- helpers shared with the validator and the report ------------- */

/* One instance's memory range. */
typedef struct {
  guint64             base;
  guint64             size;
  const KerfInstance *owner;
} KerfRange;

/* Every instance's memory range with size > 0 (except `exclude`'s),
 * sorted by base then size: overlaps are then neighbours. */
GArray *kerf_alloc_instance_ranges (const KerfModel *state, const char *exclude);

/* CPU -> NUMA node lookup built once (binary search), so per-CPU checks
 * stay O(log n) without a bitmap sized by the largest id. */
typedef struct _KerfCpuNodeMap KerfCpuNodeMap;
KerfCpuNodeMap *kerf_cpu_node_map_new (const KerfResources *res);
void            kerf_cpu_node_map_free (KerfCpuNodeMap *map);
/* node id or -1 */
gint32          kerf_cpu_node_map_lookup (const KerfCpuNodeMap *map, guint32 cpu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCpuNodeMap, kerf_cpu_node_map_free)

/* Sorted-array helpers on guint32 arrays. */
gboolean kerf_u32_array_contains (const GArray *sorted, guint32 value);
/* a - b, both sorted */
GArray  *kerf_u32_array_difference (const GArray *a, const GArray *b);

/* Node ids of the topology whose memory range holds [base, base+size)
 * completely, -1 when none. */
gint32 kerf_alloc_node_of_range (const KerfResources *res, guint64 base, guint64 size);

G_END_DECLS
