#include "config.h"

#include "bench-state.h"

#define GiB (G_GUINT64_CONSTANT (1) << 30)
#define NODE_BYTES (64 * GiB)
#define HOST_BYTES (2 * GiB)
/* the first CPUs of every node stay out of instances (0-1 are the host's) */
#define NODE_SKIP_CPUS 4

static void
append_cells64 (GString *s, guint64 v)
{
  g_string_append_printf (s, "<0x%x 0x%x>", (guint) (v >> 32), (guint) (v & 0xffffffffu));
}

static void
append_id_list (GString *s, guint first, guint end)
{
  for (guint c = first; c < end; c++)
    g_string_append_printf (s, "%s%u", c > first ? " " : "", c);
}

char *
bench_state_generate (const BenchStateShape *shape, GError **error)
{
  const guint nodes = BENCH_STATE_NUMA_NODES;
  guint cpn, nics_per_node, nvme_per_node, slots, n_nics;
  GString *s;

  if (shape->n_cpus < 64 || shape->n_cpus % nodes != 0
      || shape->n_devices < 16 || shape->n_devices % (2 * nodes) != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "CPUs must be a multiple of %u (>= 64), devices of %u (>= 16)",
                   nodes, 2 * nodes);
      return NULL;
    }
  cpn = shape->n_cpus / nodes;
  n_nics = shape->n_devices / 2;
  nics_per_node = n_nics / nodes;
  nvme_per_node = (shape->n_devices - n_nics) / nodes;
  /* instances per node: bounded by CPUs, memory, VFs 1-2 (VF 3 stays
   * spare) and namespaces 2-4 */
  slots = (cpn - NODE_SKIP_CPUS) / BENCH_STATE_INSTANCE_CPUS;
  slots = MIN (slots, (guint) ((NODE_BYTES - HOST_BYTES) / BENCH_STATE_INSTANCE_BYTES));
  slots = MIN (slots, 2 * nics_per_node);
  slots = MIN (slots, 3 * nvme_per_node);
  if (shape->n_instances > slots * nodes || shape->n_instances > 2047)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%u instances do not fit %u CPUs and %u devices (at most %u)",
                   shape->n_instances, shape->n_cpus, shape->n_devices, MIN (slots * nodes, 2047));
      return NULL;
    }

  s = g_string_sized_new (256 * 1024);
  g_string_append_printf (s, "%s;\n\n/ {\n\tcompatible = \"linux,multikernel-host\";\n\n"
                             "\tresources {\n\t\tcpus {\n\t\t\ttotal = <%u>;\n"
                             "\t\t\thost-reserved = <0 1>;\n\t\t\tavailable = <",
                          shape->plain_dts ? "/dts-v1/" : "/multikernel-v1/", shape->n_cpus);
  append_id_list (s, 2, shape->n_cpus);
  g_string_append (s, ">;\n\t\t};\n\n\t\tmemory {\n\t\t\ttotal-bytes = ");
  append_cells64 (s, nodes * NODE_BYTES);
  g_string_append (s, ";\n\t\t\thost-reserved-bytes = ");
  append_cells64 (s, HOST_BYTES);
  g_string_append (s, ";\n\t\t\tmemory-pool-base = ");
  append_cells64 (s, HOST_BYTES);
  g_string_append (s, ";\n\t\t\tmemory-pool-bytes = ");
  append_cells64 (s, nodes * NODE_BYTES - HOST_BYTES);
  g_string_append (s, ";\n\t\t};\n\n\t\tdevices {\n");

  for (guint j = 0; j < n_nics; j++)
    g_string_append_printf (s,
      "\t\t\teth%u: ethernet@%u {\n"
      "\t\t\t\tcompatible = \"intel,i40e\";\n"
      "\t\t\t\tpci-id = \"0000:%02x:%02x.0\";\n"
      "\t\t\t\tvendor-id = <0x8086>;\n\t\t\t\tdevice-id = <0x1572>;\n"
      "\t\t\t\tnuma-node = <%u>;\n"
      "\t\t\t\tsriov-vfs = <4>;\n\t\t\t\thost-reserved-vf = <0>;\n"
      "\t\t\t\tavailable-vfs = <1 2 3>;\n\t\t\t};\n",
      j, j, 1 + j / 32, j % 32, j % nodes);
  for (guint j = 0; j < shape->n_devices - n_nics; j++)
    g_string_append_printf (s,
      "\t\t\tnvme%u: storage@%u {\n"
      "\t\t\t\tcompatible = \"nvme\";\n"
      "\t\t\t\tpci-id = \"0001:%02x:%02x.0\";\n"
      "\t\t\t\tvendor-id = <0x144d>;\n\t\t\t\tdevice-id = <0xa808>;\n"
      "\t\t\t\tnuma-node = <%u>;\n"
      "\t\t\t\tnamespaces = <4>;\n\t\t\t\thost-reserved-ns = <1>;\n"
      "\t\t\t\tavailable-ns = <2 3 4>;\n\t\t\t};\n",
      j, j, 1 + j / 32, j % 32, j % nodes);
  g_string_append (s, "\t\t};\n\n\t\ttopology {\n\t\t\tnuma-nodes {\n");
  for (guint n = 0; n < nodes; n++)
    {
      g_string_append_printf (s, "\t\t\t\tnode@%u {\n\t\t\t\t\tnode-id = <%u>;\n"
                                 "\t\t\t\t\tmemory-base = ", n, n);
      append_cells64 (s, n * NODE_BYTES);
      g_string_append (s, ";\n\t\t\t\t\tmemory-size = ");
      append_cells64 (s, NODE_BYTES);
      g_string_append (s, ";\n\t\t\t\t\tcpus = <");
      append_id_list (s, n * cpn, (n + 1) * cpn);
      g_string_append (s, ">;\n\t\t\t\t};\n");
    }
  g_string_append (s, "\t\t\t};\n\t\t};\n\t};\n\n\tdevice-references {\n");

  /* instance i lives on node i % 8, in that node's slot i / 8: its NIC and
   * drive are the slot's (modulo the node's devices), on the same node */
#define NODE_OF(i) ((i) % nodes)
#define SLOT_OF(i) ((i) / nodes)
#define NIC_OF(i) ((SLOT_OF (i) % nics_per_node) * nodes + NODE_OF (i))
#define VF_OF(i) (1 + SLOT_OF (i) / nics_per_node)
#define NVME_OF(i) ((SLOT_OF (i) % nvme_per_node) * nodes + NODE_OF (i))
#define NS_OF(i) (2 + SLOT_OF (i) / nvme_per_node)
  for (guint i = 0; i < shape->n_instances; i++)
    g_string_append_printf (s,
      "\t\teth%u_vf%u: eth%u-vf@%u { parent = <&eth%u>; vf-id = <%u>; };\n"
      "\t\tnvme%u_ns%u: nvme%u-ns@%u { parent = <&nvme%u>; namespace-id = <%u>; };\n",
      NIC_OF (i), VF_OF (i), NIC_OF (i), VF_OF (i), NIC_OF (i), VF_OF (i),
      NVME_OF (i), NS_OF (i), NVME_OF (i), NS_OF (i), NVME_OF (i), NS_OF (i));
  g_string_append (s, "\t};\n\n\tinstances {\n");
  for (guint i = 0; i < shape->n_instances; i++)
    {
      guint first = NODE_OF (i) * cpn + NODE_SKIP_CPUS + SLOT_OF (i) * BENCH_STATE_INSTANCE_CPUS;

      g_string_append_printf (s, "\t\tinst%u {\n\t\t\tid = <%u>;\n\t\t\tresources {\n"
                                 "\t\t\t\tcpus = <", i, i + 1);
      append_id_list (s, first, first + BENCH_STATE_INSTANCE_CPUS);
      g_string_append (s, ">;\n\t\t\t\tmemory-base = ");
      append_cells64 (s, NODE_OF (i) * NODE_BYTES + HOST_BYTES
                         + SLOT_OF (i) * BENCH_STATE_INSTANCE_BYTES);
      g_string_append (s, ";\n\t\t\t\tmemory-bytes = ");
      append_cells64 (s, BENCH_STATE_INSTANCE_BYTES);
      g_string_append_printf (s, ";\n\t\t\t\tdevices = <&eth%u_vf%u &nvme%u_ns%u>;\n"
                                 "\t\t\t\tnuma-nodes = <%u>;\n"
                                 "\t\t\t\tcpu-affinity = \"compact\";\n"
                                 "\t\t\t\tmemory-policy = \"local\";\n"
                                 "\t\t\t};\n\t\t};\n",
                              NIC_OF (i), VF_OF (i), NVME_OF (i), NS_OF (i), NODE_OF (i));
    }
  g_string_append (s, "\t};\n};\n");
  return g_string_free (s, FALSE);
}
