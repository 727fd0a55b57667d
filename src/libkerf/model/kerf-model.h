/* kerf-model.h — one in-memory model of the global multikernel state.
 *
 * Hardware resources (the baseline) plus instances and device references.
 * Read from any of the three baseline schemas (SPEC §3: the seed's nested
 * schema, the Python tool's flat one, the kernel's own baseline form) in DTS
 * or DTB; every value remembers the source location it came from, so the
 * validator can point at the offending node or property.
 *
 * Plain structs with public fields: the validator, allocator, overlay
 * generator and daemon all read them directly.  CPU ids are guint32 (the
 * kernel carries them as u64 cells; ids above 2^32 are refused on read).
 * Every GArray of CPU / VF / namespace / node ids is sorted ascending and
 * duplicate-free after reading (duplicates are reported, not kept).
 */
#pragma once

#include <glib.h>
#include "kerf-diag.h"
#include "kerf-dt.h"

G_BEGIN_DECLS

/* The page size every memory base and size is aligned to (4 KiB). */
#define KERF_PAGE_SIZE G_GUINT64_CONSTANT (0x1000)

typedef enum {
  KERF_SCHEMA_NESTED,   /* seed: resources/cpus{total,host-reserved,available}, memory{...} */
  KERF_SCHEMA_FLAT,     /* Python kerf: resources{cpus; memory-base; memory-bytes} */
  KERF_SCHEMA_KERNEL,   /* kernel baseline: u64 cpus, memory@N{size; numa-node-id} */
} KerfSchema;

const char *kerf_schema_to_string (KerfSchema schema);

typedef enum {
  KERF_CPU_AFFINITY_NONE,     /* not given */
  KERF_CPU_AFFINITY_COMPACT,
  KERF_CPU_AFFINITY_SPREAD,
  KERF_CPU_AFFINITY_LOCAL,
} KerfCpuAffinity;

typedef enum {
  KERF_MEMORY_POLICY_NONE,    /* not given */
  KERF_MEMORY_POLICY_LOCAL,
  KERF_MEMORY_POLICY_INTERLEAVE,
  KERF_MEMORY_POLICY_BIND,
} KerfMemoryPolicy;

const char *kerf_cpu_affinity_to_string (KerfCpuAffinity affinity);      /* NULL for NONE */
gboolean    kerf_cpu_affinity_from_string (const char *s, KerfCpuAffinity *out);
const char *kerf_memory_policy_to_string (KerfMemoryPolicy policy);     /* NULL for NONE */
gboolean    kerf_memory_policy_from_string (const char *s, KerfMemoryPolicy *out);

typedef struct {
  char    *name;            /* stable name: the node's label ("eth0"), else the node name */
  char    *node_name;       /* "ethernet@0" */
  char    *compatible;      /* first compatible string or NULL */
  char    *device_type;     /* "pci", "platform" or NULL (pci assumed when pci-id is set) */
  char    *device_name;     /* platform device name or NULL */
  char    *pci_id;          /* "DDDD:BB:SS.F" or NULL */
  gboolean has_vendor_id;
  guint32  vendor_id;
  gboolean has_device_id;
  guint32  device_id;
  gint32   numa_node;       /* -1 when unknown */
  guint32  sriov_vfs;       /* 0 = no SR-IOV */
  GArray  *host_reserved_vfs;   /* guint32 */
  GArray  *available_vfs;       /* guint32 */
  guint32  namespaces;      /* 0 = no namespaces */
  GArray  *host_reserved_ns;    /* guint32 */
  GArray  *available_ns;        /* guint32 */
  gboolean host_reserved;   /* the whole device stays with the host */
  KerfLoc  loc;             /* the device node */
} KerfDevice;

typedef struct {
  guint32  id;
  guint64  memory_base;
  guint64  memory_size;
  GArray  *cpus;            /* guint32 */
  GArray  *distances;       /* guint32, may be empty */
  KerfLoc  loc;
} KerfNumaNode;

/* One contiguous piece of the memory pool.  The kernel keeps the pool as
 * chunks (memory@N, one per NUMA node's share) and an instance's memory must
 * lie inside a single chunk. */
typedef struct {
  guint64 base;
  guint64 size;
  gint32  numa_node;   /* -1 when the chunk belongs to no NUMA node */
} KerfPoolChunk;

typedef struct {
  /* CPUs */
  guint32  total_cpus;             /* ids 0 .. total_cpus-1 exist */
  GArray  *host_reserved_cpus;     /* guint32 */
  GArray  *available_cpus;         /* guint32: the pool */
  KerfLoc  cpus_loc;               /* the cpus node / property */
  KerfLoc  total_cpus_loc, host_reserved_cpus_loc, available_cpus_loc;

  /* Memory */
  guint64  total_bytes;
  guint64  host_reserved_bytes;
  guint64  pool_base;              /* requested base; the kernel may place it elsewhere */
  guint64  pool_bytes;
  KerfLoc  memory_loc;
  KerfLoc  total_bytes_loc, host_reserved_bytes_loc, pool_base_loc, pool_bytes_loc;
  /* KerfPoolChunk, ascending base: where the kernel really placed the pool
   * (read back from a pool tree).  Empty when not known: then the chunks are
   * the pool split at NUMA node boundaries, see kerf_resources_pool_chunks(). */
  GArray  *pool_chunks;

  GPtrArray *devices;              /* KerfDevice * */
  GPtrArray *numa_nodes;           /* KerfNumaNode *, ascending id; empty = no topology */
  KerfLoc    topology_loc;
} KerfResources;

typedef enum {
  KERF_DEVICE_REF_WHOLE,      /* "nvme0": the whole device */
  KERF_DEVICE_REF_VF,         /* "eth0_vf1" */
  KERF_DEVICE_REF_NAMESPACE,  /* "nvme0_ns2" */
} KerfDeviceRefKind;

/* One entry of an instance's device list, and the state file's
 * /device-references nodes. */
typedef struct {
  char             *name;     /* as written: "eth0_vf1", "nvme0" */
  char             *device;   /* the device's stable name: "eth0" */
  KerfDeviceRefKind kind;
  guint32           index;    /* VF or namespace id; 0 for WHOLE */
  KerfLoc           loc;
} KerfDeviceRef;

/* Instance ids fit the 11-bit field of the kernel's kexec flags
 * (kernel-abi.md); src/kernel/kerf-syscalls.h states the same bounds. */
#define KERF_INSTANCE_ID_MIN 1
#define KERF_INSTANCE_ID_MAX 2047

typedef struct {
  char            *name;
  guint32          id;              /* 0 = let the kernel choose */
  GArray          *cpus;            /* guint32 */
  guint64          memory_base;
  guint64          memory_bytes;
  GPtrArray       *devices;         /* KerfDeviceRef * */
  GArray          *numa_nodes;      /* guint32, empty = none */
  KerfCpuAffinity  cpu_affinity;
  KerfMemoryPolicy memory_policy;
  KerfLoc          loc;             /* the instance node */
  KerfLoc          id_loc, cpus_loc, memory_base_loc, memory_bytes_loc, devices_loc,
                   numa_nodes_loc, cpu_affinity_loc, memory_policy_loc;
} KerfInstance;

typedef struct {
  KerfSchema     schema;            /* what the input was written in */
  KerfResources *resources;         /* NULL when the input had no /resources */
  GPtrArray     *instances;         /* KerfInstance *, in source order */
  GPtrArray     *device_refs;       /* KerfDeviceRef *, /device-references */
  char          *source_name;       /* display name of the input */
} KerfModel;

/* ---- life cycle ----------------------------------------------------- */

KerfModel     *kerf_model_new (void);
void           kerf_model_free (KerfModel *model);
KerfModel     *kerf_model_copy (const KerfModel *model);
KerfResources *kerf_resources_new (void);
void           kerf_resources_free (KerfResources *res);
KerfResources *kerf_resources_copy (const KerfResources *res);
KerfDevice    *kerf_device_new (const char *name);
void           kerf_device_free (KerfDevice *dev);
KerfDevice    *kerf_device_copy (const KerfDevice *dev);
KerfNumaNode  *kerf_numa_node_new (guint32 id);
void           kerf_numa_node_free (KerfNumaNode *node);
KerfNumaNode  *kerf_numa_node_copy (const KerfNumaNode *node);
KerfInstance  *kerf_instance_new (const char *name);
void           kerf_instance_free (KerfInstance *inst);
KerfInstance  *kerf_instance_copy (const KerfInstance *inst);
KerfDeviceRef *kerf_device_ref_new (const char *name);  /* parses the kind from the name */
void           kerf_device_ref_free (KerfDeviceRef *ref);
KerfDeviceRef *kerf_device_ref_copy (const KerfDeviceRef *ref);
/* The seed's naming: "eth0_vf1", "nvme0_ns2", or the device name for WHOLE. */
char          *kerf_device_ref_canonical_name (const char *device, KerfDeviceRefKind kind,
                                               guint32 index);

/* ---- lookups -------------------------------------------------------- */

KerfInstance *kerf_model_find_instance (const KerfModel *model, const char *name);
KerfInstance *kerf_model_find_instance_by_id (const KerfModel *model, guint32 id);
KerfDevice   *kerf_resources_find_device (const KerfResources *res, const char *name);
KerfDevice   *kerf_resources_find_device_by_pci_id (const KerfResources *res, const char *pci_id);
KerfNumaNode *kerf_resources_find_numa_node (const KerfResources *res, guint32 id);
/* NUMA node holding `cpu`, or NULL (no topology / not listed) */
KerfNumaNode *kerf_resources_numa_node_of_cpu (const KerfResources *res, guint32 cpu);
/* NUMA node whose memory range holds `address`, or NULL */
KerfNumaNode *kerf_resources_numa_node_of_address (const KerfResources *res, guint64 address);

/* The pool's chunks (KerfPoolChunk, ascending, page aligned, never
 * overlapping): res->pool_chunks when the kernel told us, else the pool
 * [pool_base, pool_base + pool_bytes) split at NUMA node boundaries exactly
 * as kerf_model_to_kernel_baseline() asks the kernel for it (one chunk on
 * node 0 without a topology).  Free with g_array_unref. */
GArray *kerf_resources_pool_chunks (const KerfResources *res);

/* Valid instance name: 1-63 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
gboolean kerf_instance_name_is_valid (const char *name);
/* Why `name` breaks that rule ("it starts with '-'", "it contains ' '"),
 * NULL when it is valid: the one statement of the rule, for every message
 * that has to say what to change. */
char    *kerf_instance_name_problem (const char *name);

/* ---- reading -------------------------------------------------------- */

/* Reads a whole state (baseline, optional /device-references and
 * /instances) from a parsed tree in any of the three schemas.
 *
 * Schema detection is by shape: a cpus or memory NODE under /resources is
 * nested; memory-base/memory-bytes properties are flat; memory@N nodes or
 * cpus-available (or root compatible "multikernel-v1") are kernel; mixing
 * is an error.  The flat and kernel forms list only the pool, so there
 * total_cpus = largest pool id + 1, host_reserved_cpus = the ids below it
 * that the pool lacks, host_reserved_bytes = pool_base and total_bytes =
 * the pool's end (kernel form without reg: pool_base 0, total = size).
 * Device names: label, else an /aliases entry naming the node, else the
 * node name (kernel schema: alias first, since a DTB keeps no labels).
 * Device references are read from /device-references and from root-level
 * nodes with parent + vf-id/namespace-id (the Python tool's layout);
 * a reference without a label is named "<device>_vf<N>" / "_ns<N>".
 * Instance devices: `devices` phandles (to a reference or a whole device)
 * or `device-names` strings (either a string list or f1fb859's single
 * space-separated string).  Problems are
 * located diagnostics in `diags` (schema errors: missing or malformed
 * properties, duplicate ids in a list, ...); returns NULL when any error
 * was added.  Resource rules are NOT checked here: that is the validator's
 * job. */
KerfModel *kerf_model_from_tree (const KerfDtTree *tree, KerfDiagList *diags);

typedef enum {
  KERF_MODEL_READ_NONE      = 0,
  /* The tree was decoded from a DTB: the flat (Python kerf) schema's CPU
   * lists are then u64 cells, as the Python tool writes them.  From DTS they
   * are u32 cells unless written with /bits/ 64.  Never guessed from the
   * length (upstream bug §12.4). */
  KERF_MODEL_READ_FROM_BLOB = 1 << 0,
} KerfModelReadFlags;

KerfModel *kerf_model_from_tree_full (const KerfDtTree  *tree,
                                      KerfModelReadFlags flags,
                                      KerfDiagList      *diags);

/* Parses DTS (or reads a DTB, detected by its magic) from a file or bytes,
 * then kerf_model_from_tree().  `data` may be DTS text or a DTB. */
KerfModel *kerf_model_from_file (const char *path, KerfDiagList *diags);
KerfModel *kerf_model_from_data (const char *display_name, const guint8 *data, gsize len,
                                 KerfDiagList *diags);

/* ---- writing -------------------------------------------------------- */

/* The baseline DTB the kernel takes (kernel-abi.md "Baseline DTB"):
 * compatible "multikernel-v1", u64 pool CPU ids, memory@N { size;
 * numa-node-id; } per NUMA node (or one chunk), PCI/platform devices, and
 * /aliases from the device names.
 *
 * Memory: the pool [pool_base, pool_base+pool_bytes) cut at NUMA node
 * boundaries, each chunk page aligned (start up, end down); a part no node
 * covers gets no numa-node-id; without topology one chunk on node 0.
 * Devices: host_reserved ones are left out; only the properties the ABI
 * lists are written.  A PCI device without pci-id, vendor-id or device-id,
 * a platform device without device-name, or a pool without CPUs or pages
 * is KERF_ERROR_VALIDATION_FAILED listing every such problem with its
 * location; no /resources is KERF_ERROR_INVALID_ARGUMENT. */
KerfDtTree *kerf_model_to_kernel_baseline (const KerfModel *model, GError **error);

/* The state file (SPEC §3): the baseline in the nested schema plus
 * /aliases (device names survive a DTB), /device-references (the model's
 * plus every VF/namespace an instance uses) and /instances, in the
 * multikernel dialect, with labels on devices and references and instance
 * devices as phandles (device-names when one names a device the inventory
 * lacks).  kerf_model_from_tree() reads it back to an equal model, also
 * after kerf_dtb_write() / kerf_dtb_read(). */
KerfDtTree *kerf_model_to_state_tree (const KerfModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfModel, kerf_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfResources, kerf_resources_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfInstance, kerf_instance_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDevice, kerf_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfNumaNode, kerf_numa_node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDeviceRef, kerf_device_ref_free)

G_END_DECLS
