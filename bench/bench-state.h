/* bench-state.h — the generated state the issues' benchmarks are about.
 *
 * A kerf state file (SPEC §3: /resources, /device-references, /instances)
 * of a big machine, written as DTS text:
 *
 *   CPUs      n_cpus (8192 in the benchmarks), 0-1 for the host, the rest
 *             in the pool; 8 NUMA nodes of n_cpus/8 CPUs and 64 GiB each
 *   memory    8 x 64 GiB, 2 GiB for the host, the rest is the pool
 *   devices   n_devices (1024) labelled nodes: half SR-IOV NICs
 *             (eth<j>, 4 VFs: VF 0 for the host, 1-3 available), half NVMe
 *             drives (nvme<j>, 4 namespaces: 1 for the host, 2-4 available),
 *             device j on NUMA node j % 8
 *   instances n_instances nodes inst<i>: 4 CPUs, 256 MiB and one VF plus
 *             one namespace (by phandle to a /device-references node), all
 *             on NUMA node i % 8 (compact, local)
 *
 * The state is valid (tests: bench-alloc checks it with the validator
 * before timing anything) and VF 3 of every NIC stays free, so one more
 * instance can always take "eth0_vf3".  With `plain_dts` the header is
 * /dts-v1/ (what dtc reads; the content is the same), else
 * /multikernel-v1/. */
#pragma once

#include <glib.h>

typedef struct {
  guint    n_cpus;       /* multiple of 8, >= 64 */
  guint    n_devices;    /* multiple of 16, >= 16 */
  guint    n_instances;
  gboolean plain_dts;
} BenchStateShape;

#define BENCH_STATE_NUMA_NODES 8
#define BENCH_STATE_INSTANCE_CPUS 4
#define BENCH_STATE_INSTANCE_BYTES (G_GUINT64_CONSTANT (256) << 20)
/* A device reference no generated instance uses. */
#define BENCH_STATE_SPARE_VF "eth0_vf3"

/* The DTS text, or NULL with a message in `error` when the instances do
 * not fit the machine (CPUs, memory or VFs of a NUMA node). */
char *bench_state_generate (const BenchStateShape *shape, GError **error);
