/* kerf-validate-topology.c — the NUMA topology itself (TP1-TP5) and the
 * instances' placement policies against it (T1-T13). */
#include "config.h"

#include "kerf-validate-private.h"

#define HEX "0x%" G_GINT64_MODIFIER "x"

typedef struct {
  guint32             cpu;
  const KerfNumaNode *node;
} CpuOfNode;

static gint
cpu_of_node_cmp (gconstpointer a, gconstpointer b)
{
  const CpuOfNode *x = a, *y = b;

  if (x->cpu != y->cpu)
    return x->cpu < y->cpu ? -1 : 1;
  return x->node->id < y->node->id ? -1 : (x->node->id > y->node->id ? 1 : 0);
}

static gint
node_base_cmp (gconstpointer a, gconstpointer b)
{
  const KerfNumaNode *x = *(const KerfNumaNode *const *) a;
  const KerfNumaNode *y = *(const KerfNumaNode *const *) b;

  return x->memory_base < y->memory_base ? -1 : (x->memory_base > y->memory_base ? 1 : 0);
}

static gboolean
node_exists (const KerfResources *res, guint32 id)
{
  for (guint i = 0; res->numa_nodes != NULL && i < res->numa_nodes->len; i++)
    if (((const KerfNumaNode *) g_ptr_array_index (res->numa_nodes, i))->id == id)
      return TRUE;
  return FALSE;
}

static char *
node_ids (const KerfResources *res)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; res->numa_nodes != NULL && i < res->numa_nodes->len; i++)
    g_string_append_printf (s, "%s%u", i ? "," : "",
                            ((const KerfNumaNode *) g_ptr_array_index (res->numa_nodes, i))->id);
  return g_string_free (s, FALSE);
}

static void
check_topology (KerfValidateCtx *ctx)
{
  const KerfResources *res = ctx->res;
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (CpuOfNode));
  g_autoptr(GPtrArray) by_base = g_ptr_array_new ();

  for (guint i = 0; i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      g_autoptr(GArray) bad = g_array_new (FALSE, FALSE, sizeof (guint32));

      for (guint k = 0; node->cpus != NULL && k < node->cpus->len; k++)
        {
          CpuOfNode p = { g_array_index (node->cpus, guint32, k), node };
          g_array_append_val (pairs, p);
          if (res->total_cpus > 0 && p.cpu >= res->total_cpus)
            g_array_append_val (bad, p.cpu);
        }
      if (bad->len > 0)
        {
          g_autofree char *l = kerf_cpu_array_format (bad);
          g_autofree char *sugg = g_strdup_printf ("remove %s from the node or raise 'total' (%u)",
                                                   l, res->total_cpus);
          kerf_validate_report (ctx, "TP1", node->loc, sugg,
                                "NUMA node %u: CPU%s %s %s not exist (the hardware has CPUs 0-%u)",
                                node->id, bad->len == 1 ? "" : "s", l,
                                bad->len == 1 ? "does" : "do", res->total_cpus - 1);
        }
      if (node->memory_size > 0)
        g_ptr_array_add (by_base, (gpointer) node);
    }

  g_array_sort (pairs, cpu_of_node_cmp);
  for (guint i = 1; i < pairs->len; i++)
    {
      const CpuOfNode *a = &g_array_index (pairs, CpuOfNode, i - 1);
      const CpuOfNode *b = &g_array_index (pairs, CpuOfNode, i);

      if (a->cpu == b->cpu && a->node != b->node)
        {
          g_autofree char *sugg = g_strdup_printf ("remove CPU %u from node %u or node %u",
                                                   b->cpu, a->node->id, b->node->id);
          kerf_validate_report (ctx, "TP2", b->node->loc, sugg,
                                "NUMA node %u: CPU %u is also listed in NUMA node %u",
                                b->node->id, b->cpu, a->node->id);
        }
    }

  g_ptr_array_sort (by_base, node_base_cmp);
  for (guint i = 1; i < by_base->len; i++)
    {
      const KerfNumaNode *a = g_ptr_array_index (by_base, i - 1);
      const KerfNumaNode *b = g_ptr_array_index (by_base, i);
      guint64 a_end = a->memory_size > G_MAXUINT64 - a->memory_base ? G_MAXUINT64
                      : a->memory_base + a->memory_size;

      if (b->memory_base < a_end)
        {
          g_autofree char *sugg = g_strdup_printf ("start node %u at " HEX " or shrink node %u "
                                                   "to " HEX " bytes", b->id, a_end, a->id,
                                                   b->memory_base - a->memory_base);
          kerf_validate_report (ctx, "TP3", b->loc, sugg,
                                "NUMA node %u: memory " HEX "-" HEX " overlaps NUMA node %u ("
                                HEX "-" HEX ")", b->id, b->memory_base,
                                b->memory_base + MIN (b->memory_size, G_MAXUINT64 - b->memory_base),
                                a->id, a->memory_base, a_end);
        }
    }

  {
    g_autoptr(GArray) orphans = g_array_new (FALSE, FALSE, sizeof (guint32));

    for (guint i = 0; res->available_cpus != NULL && i < res->available_cpus->len; i++)
      if (kerf_cpu_node_map_lookup (ctx->node_map, g_array_index (res->available_cpus, guint32, i)) < 0)
        g_array_append_val (orphans, g_array_index (res->available_cpus, guint32, i));
    if (orphans->len > 0)
      {
        g_autofree char *l = kerf_cpu_array_format (orphans);
        kerf_validate_report (ctx, "TP4", kerf_validate_loc (res->topology_loc, res->cpus_loc),
                              "list every pool CPU in the 'cpus' of its NUMA node",
                              "pool CPU%s %s %s in no NUMA node: NUMA policies cannot place %s",
                              orphans->len == 1 ? "" : "s", l, orphans->len == 1 ? "is" : "are",
                              orphans->len == 1 ? "it" : "them");
      }
  }

  for (guint i = 0; res->devices != NULL && i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);

      if (dev->numa_node >= 0 && !node_exists (res, (guint32) dev->numa_node))
        {
          g_autofree char *ids = node_ids (res);
          g_autofree char *sugg = g_strdup_printf ("use one of the NUMA nodes %s", ids);
          kerf_validate_report (ctx, "TP5", dev->loc, sugg,
                                "device '%s': NUMA node %d does not exist in the topology",
                                dev->name, dev->numa_node);
        }
    }
}

/* The distinct nodes of `cpus`, ascending (CPUs in no node left out). */
static GArray *
nodes_of_cpus (KerfValidateCtx *ctx, const GArray *cpus)
{
  GArray *nodes = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; cpus != NULL && i < cpus->len; i++)
    {
      gint32 n = kerf_cpu_node_map_lookup (ctx->node_map, g_array_index (cpus, guint32, i));
      guint32 u = (guint32) n;

      if (n >= 0 && !kerf_u32_array_contains (nodes, u))
        {
          guint pos = 0;
          while (pos < nodes->len && g_array_index (nodes, guint32, pos) < u)
            pos++;
          g_array_insert_val (nodes, pos, u);
        }
    }
  return nodes;
}

static gboolean
listed (const GArray *nodes, guint32 id)
{
  for (guint i = 0; nodes != NULL && i < nodes->len; i++)
    if (g_array_index (nodes, guint32, i) == id)
      return TRUE;
  return FALSE;
}

/* "move the memory inside NUMA node 1 (0x100000000-0x200000000)": the
 * range of the first bound node that exists. */
static char *
bound_range_hint (const KerfResources *res, const GArray *nodes)
{
  for (guint i = 0; nodes != NULL && i < nodes->len; i++)
    {
      const KerfNumaNode *node = kerf_resources_find_numa_node (res, g_array_index (nodes, guint32, i));

      if (node != NULL && node->memory_size > 0)
        return g_strdup_printf ("move the memory inside a bound node: NUMA node %u (" HEX "-" HEX ")", node->id,
                                node->memory_base,
                                node->memory_base + MIN (node->memory_size,
                                                         G_MAXUINT64 - node->memory_base));
    }
  return g_strdup ("move the memory inside a bound node's range");
}

static void
check_instance (KerfValidateCtx *ctx, const KerfInstance *inst)
{
  const KerfResources *res = ctx->res;
  gboolean has_nodes = inst->numa_nodes != NULL && inst->numa_nodes->len > 0;
  gboolean wants_topology = has_nodes || inst->cpu_affinity == KERF_CPU_AFFINITY_LOCAL
      || inst->memory_policy == KERF_MEMORY_POLICY_LOCAL
      || inst->memory_policy == KERF_MEMORY_POLICY_BIND;
  KerfLoc nodes_loc = kerf_validate_loc (inst->numa_nodes_loc, inst->loc);
  g_autoptr(GArray) cpu_nodes = NULL;
  g_autofree char *wanted = kerf_validate_nodes_string (inst->numa_nodes);
  gint32 mem_node = -1;

  if (inst->memory_policy == KERF_MEMORY_POLICY_BIND && !has_nodes)
    kerf_validate_report (ctx, "T11", kerf_validate_loc (inst->memory_policy_loc, inst->loc),
                          "add numa-nodes = <...> with the nodes to bind to",
                          "instance '%s': memory policy 'bind' but no NUMA nodes are given",
                          inst->name);
  if (!ctx->topology)
    {
      if (wants_topology)
        kerf_validate_report (ctx, "T13",
                              kerf_validate_loc (has_nodes ? inst->numa_nodes_loc
                                                 : inst->cpu_affinity == KERF_CPU_AFFINITY_LOCAL
                                                 ? inst->cpu_affinity_loc : inst->memory_policy_loc,
                                                 inst->loc),
                              "describe /resources/topology/numa-nodes in the baseline, or drop "
                              "the NUMA settings",
                              "instance '%s': NUMA settings cannot be honoured: the baseline has "
                              "no NUMA topology", inst->name);
      return;
    }

  for (guint i = 0; has_nodes && i < inst->numa_nodes->len; i++)
    {
      guint32 id = g_array_index (inst->numa_nodes, guint32, i);

      if (!node_exists (res, id))
        {
          g_autofree char *ids = node_ids (res);
          g_autofree char *sugg = g_strdup_printf ("use one of the NUMA nodes %s", ids);
          kerf_validate_report (ctx, "T1", nodes_loc, sugg,
                                "instance '%s': NUMA node %u does not exist in the topology",
                                inst->name, id);
        }
    }

  cpu_nodes = nodes_of_cpus (ctx, inst->cpus);
  if (has_nodes)
    for (guint n = 0; n < cpu_nodes->len; n++)
      {
        guint32 node = g_array_index (cpu_nodes, guint32, n);
        g_autoptr(GArray) cpus = NULL;
        g_autofree char *l = NULL;

        if (listed (inst->numa_nodes, node))
          continue;
        cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
        for (guint k = 0; k < inst->cpus->len; k++)
          if (kerf_cpu_node_map_lookup (ctx->node_map, g_array_index (inst->cpus, guint32, k))
              == (gint32) node)
            g_array_append_val (cpus, g_array_index (inst->cpus, guint32, k));
        l = kerf_cpu_array_format (cpus);
        kerf_validate_report (ctx, "T2", kerf_validate_loc (inst->cpus_loc, inst->loc),
                              "pick CPUs of the listed nodes (kerf create --cpu-count with "
                              "--numa-nodes does), or list the node",
                              "instance '%s': CPU%s %s %s in NUMA node %u, but the instance is "
                              "configured for NUMA node%s %s (remote memory access)",
                              inst->name, cpus->len == 1 ? "" : "s", l,
                              cpus->len == 1 ? "is" : "are", node,
                              inst->numa_nodes->len == 1 ? "" : "s", wanted);
      }

  if (inst->cpu_affinity == KERF_CPU_AFFINITY_COMPACT && cpu_nodes->len > 1)
    {
      g_autofree char *l = kerf_validate_nodes_string (cpu_nodes);
      kerf_validate_report (ctx, "T3", kerf_validate_loc (inst->cpu_affinity_loc, inst->loc),
                            "pick CPUs of one node, or use affinity 'spread'",
                            "instance '%s': compact CPU affinity, but the CPUs span NUMA nodes %s",
                            inst->name, l);
    }
  if (inst->cpu_affinity == KERF_CPU_AFFINITY_SPREAD && cpu_nodes->len == 1
      && res->numa_nodes->len > 1 && inst->cpus != NULL && inst->cpus->len > 1)
    kerf_validate_report (ctx, "T5", kerf_validate_loc (inst->cpu_affinity_loc, inst->loc),
                          "pick CPUs of several nodes, or use affinity 'compact'",
                          "instance '%s': spread CPU affinity, but all CPUs are in NUMA node %u",
                          inst->name, g_array_index (cpu_nodes, guint32, 0));

  if (inst->memory_bytes == 0)
    return;
  mem_node = kerf_alloc_node_of_range (res, inst->memory_base, inst->memory_bytes);

  if (inst->cpu_affinity == KERF_CPU_AFFINITY_LOCAL || inst->memory_policy == KERF_MEMORY_POLICY_LOCAL)
    {
      gboolean aff = inst->cpu_affinity == KERF_CPU_AFFINITY_LOCAL;
      const char *what = aff ? "local CPU affinity" : "local memory policy";
      KerfLoc loc = kerf_validate_loc (aff ? inst->cpu_affinity_loc : inst->memory_policy_loc,
                                       inst->loc);

      if (mem_node < 0)
        kerf_validate_report (ctx, aff ? "T6" : "T8", loc,
                              "place the memory inside one node's range (kerf create does when "
                              "the memory base is not given)",
                              "instance '%s': %s, but memory " HEX "-" HEX " is not inside one "
                              "NUMA node", inst->name, what, inst->memory_base,
                              inst->memory_base + inst->memory_bytes);
      else if (cpu_nodes->len > 0 && !listed (cpu_nodes, (guint32) mem_node))
        {
          g_autofree char *l = kerf_validate_nodes_string (cpu_nodes);
          kerf_validate_report (ctx, aff ? "T7" : "T9", loc,
                                "move the memory to the CPUs' node, or the CPUs to the memory's",
                                "instance '%s': %s, but the CPUs are in NUMA node%s %s while the "
                                "memory is in NUMA node %d", inst->name, what,
                                cpu_nodes->len == 1 ? "" : "s", l, mem_node);
        }
    }
  if (inst->memory_policy == KERF_MEMORY_POLICY_BIND && has_nodes
      && (mem_node < 0 || !listed (inst->numa_nodes, (guint32) mem_node)))
    {
      g_autofree char *where = mem_node < 0 ? g_strdup ("not inside one NUMA node")
                               : g_strdup_printf ("in NUMA node %d", mem_node);
      g_autofree char *sugg = bound_range_hint (res, inst->numa_nodes);

      kerf_validate_report (ctx, "T12", kerf_validate_loc (inst->memory_policy_loc, inst->loc),
                            sugg,
                            "instance '%s': memory policy 'bind' to NUMA node%s %s, but memory "
                            HEX "-" HEX " is %s", inst->name,
                            inst->numa_nodes->len == 1 ? "" : "s", wanted, inst->memory_base,
                            inst->memory_base + inst->memory_bytes, where);
    }
}

void
kerf_validate_topology (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;

  if (ctx->topology)
    check_topology (ctx);
  for (guint i = 0; instances != NULL && i < instances->len; i++)
    check_instance (ctx, g_ptr_array_index (instances, i));
}
