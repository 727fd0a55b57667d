/* kerf-alloc-cpu.c — which free CPUs a new instance gets.
 *
 * Everything works on sorted arrays: the free set is the pool minus the
 * sorted union of the instances' CPUs, so picking stays O(n log n) in the
 * number of CPUs, whatever the number of instances.
 */
#include "config.h"

#include <stdlib.h>

#include "kerf-alloc.h"
#include "kerf-error.h"

/* ---- sorted u32 arrays --------------------------------------------- */

static gint
u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : (x > y ? 1 : 0);
}

gboolean
kerf_u32_array_contains (const GArray *sorted, guint32 value)
{
  guint lo = 0, hi;

  if (sorted == NULL)
    return FALSE;
  hi = sorted->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      guint32 v = g_array_index (sorted, guint32, mid);

      if (v == value)
        return TRUE;
      if (v < value)
        lo = mid + 1;
      else
        hi = mid;
    }
  return FALSE;
}

GArray *
kerf_u32_array_difference (const GArray *a, const GArray *b)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint j = 0;

  if (a == NULL)
    return out;
  for (guint i = 0; i < a->len; i++)
    {
      guint32 v = g_array_index (a, guint32, i);

      while (b != NULL && j < b->len && g_array_index (b, guint32, j) < v)
        j++;
      if (b != NULL && j < b->len && g_array_index (b, guint32, j) == v)
        continue;
      g_array_append_val (out, v);
    }
  return out;
}

/* ---- CPU -> node map ------------------------------------------------ */

typedef struct {
  guint32 cpu;
  gint32  node;
} CpuNode;

/* CPU ids are small dense numbers on real machines, so the map is a plain
 * array indexed by CPU id (O(1) lookups, built without sorting: validating
 * a state of 8192 CPUs does thousands of lookups per call).  Sparse ids
 * beyond KERF_CPU_NODE_MAP_DENSE_MAX fall back to sorted pairs. */
#define KERF_CPU_NODE_MAP_DENSE_MAX (1u << 20)

struct _KerfCpuNodeMap {
  gint32 *dense;     /* node of CPU i, -1 for none; NULL when sparse */
  guint32 n_dense;
  GArray *pairs;     /* CpuNode sorted by cpu (sparse case only) */
};

static gint
cpu_node_cmp (gconstpointer a, gconstpointer b)
{
  const CpuNode *x = a, *y = b;

  if (x->cpu != y->cpu)
    return x->cpu < y->cpu ? -1 : 1;
  return x->node < y->node ? -1 : (x->node > y->node ? 1 : 0);
}

KerfCpuNodeMap *
kerf_cpu_node_map_new (const KerfResources *res)
{
  KerfCpuNodeMap *map = g_new0 (KerfCpuNodeMap, 1);
  guint32 max = 0;
  gboolean any = FALSE;

  map->pairs = g_array_new (FALSE, FALSE, sizeof (CpuNode));
  if (res == NULL || res->numa_nodes == NULL)
    return map;
  for (guint i = 0; i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);

      for (guint k = 0; node->cpus != NULL && k < node->cpus->len; k++)
        {
          max = MAX (max, g_array_index (node->cpus, guint32, k));
          any = TRUE;
        }
    }
  if (!any)
    return map;
  if (max < KERF_CPU_NODE_MAP_DENSE_MAX)
    {
      map->n_dense = max + 1;
      map->dense = g_new (gint32, map->n_dense);
      for (guint32 c = 0; c < map->n_dense; c++)
        map->dense[c] = -1;
    }
  for (guint i = 0; i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);

      for (guint k = 0; node->cpus != NULL && k < node->cpus->len; k++)
        {
          CpuNode p = { g_array_index (node->cpus, guint32, k), (gint32) node->id };

          if (map->dense != NULL)
            {
              /* a CPU listed under two nodes: the lowest node id wins */
              if (map->dense[p.cpu] < 0 || p.node < map->dense[p.cpu])
                map->dense[p.cpu] = p.node;
            }
          else
            g_array_append_val (map->pairs, p);
        }
    }
  if (map->dense == NULL)
    g_array_sort (map->pairs, cpu_node_cmp);
  return map;
}

void
kerf_cpu_node_map_free (KerfCpuNodeMap *map)
{
  if (map == NULL)
    return;
  g_free (map->dense);
  g_array_unref (map->pairs);
  g_free (map);
}

gint32
kerf_cpu_node_map_lookup (const KerfCpuNodeMap *map, guint32 cpu)
{
  guint lo = 0, hi = map->pairs->len;

  if (map->dense != NULL)
    return cpu < map->n_dense ? map->dense[cpu] : -1;
  /* lower bound, so the lowest node id wins when a CPU is listed twice */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (map->pairs, CpuNode, mid).cpu < cpu)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo < map->pairs->len && g_array_index (map->pairs, CpuNode, lo).cpu == cpu)
    return g_array_index (map->pairs, CpuNode, lo).node;
  return -1;
}

/* ---- free CPUs ------------------------------------------------------ */

GArray *
kerf_alloc_free_cpus (const KerfModel *state, const char *exclude)
{
  g_autoptr(GArray) used = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (state == NULL || state->resources == NULL)
    return g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; state->instances != NULL && i < state->instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (state->instances, i);

      if (exclude != NULL && g_strcmp0 (inst->name, exclude) == 0)
        continue;
      if (inst->cpus != NULL && inst->cpus->len > 0)
        g_array_append_vals (used, inst->cpus->data, inst->cpus->len);
    }
  g_array_sort (used, u32_cmp);
  return kerf_u32_array_difference (state->resources->available_cpus, used);
}

gint32
kerf_alloc_majority_node (const KerfResources *res, const GArray *cpus)
{
  g_autoptr(KerfCpuNodeMap) map = NULL;
  g_autoptr(GHashTable) counts = NULL;
  gint32 best = -1;
  guint best_n = 0;

  if (res == NULL || res->numa_nodes == NULL || res->numa_nodes->len == 0 || cpus == NULL)
    return -1;
  map = kerf_cpu_node_map_new (res);
  counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < cpus->len; i++)
    {
      gint32 node = kerf_cpu_node_map_lookup (map, g_array_index (cpus, guint32, i));
      guint n;

      if (node < 0)
        continue;
      n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GINT_TO_POINTER (node + 1))) + 1;
      g_hash_table_insert (counts, GINT_TO_POINTER (node + 1), GUINT_TO_POINTER (n));
      if (n > best_n || (n == best_n && node < best))
        {
          best = node;
          best_n = n;
        }
    }
  return best;
}

/* ---- picking -------------------------------------------------------- */

typedef struct {
  gint32  node;    /* -1: CPUs outside any listed node */
  GArray *free;    /* guint32, sorted */
} NodeFree;

static void
node_free_clear (gpointer data)
{
  NodeFree *nf = data;

  g_clear_pointer (&nf->free, g_array_unref);
}

/* Lowest run of `n` adjacent ids in `cpus`, else its lowest `n`; appended to out. */
static void
take_compact (const GArray *cpus, guint n, GArray *out)
{
  guint run_start = 0;

  for (guint i = 0; i < cpus->len; i++)
    {
      if (i > 0 && g_array_index (cpus, guint32, i) != g_array_index (cpus, guint32, i - 1) + 1)
        run_start = i;
      if (i - run_start + 1 >= n)
        {
          g_array_append_vals (out, &g_array_index (cpus, guint32, run_start), n);
          return;
        }
    }
  g_array_append_vals (out, cpus->data, MIN (n, cpus->len));
}

static gint
node_free_by_size (gconstpointer a, gconstpointer b)
{
  const NodeFree *x = a, *y = b;

  /* most free first; ties: lowest node id, the "no node" group last */
  if (x->free->len != y->free->len)
    return x->free->len > y->free->len ? -1 : 1;
  if ((x->node < 0) != (y->node < 0))
    return x->node < 0 ? 1 : -1;
  return x->node < y->node ? -1 : (x->node > y->node ? 1 : 0);
}

static char *
describe_free (const GArray *groups, guint total_free)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u free", total_free);
  if (groups->len == 1 && g_array_index (groups, NodeFree, 0).node < 0)
    {
      g_autofree char *l = kerf_cpu_array_format (g_array_index (groups, NodeFree, 0).free);
      if (*l)
        g_string_append_printf (s, ": %s", l);
      return g_string_free (s, FALSE);
    }
  g_string_append (s, " (");
  for (guint i = 0; i < groups->len; i++)
    {
      const NodeFree *nf = &g_array_index (groups, NodeFree, i);
      g_autofree char *l = kerf_cpu_array_format (nf->free);

      if (i > 0)
        g_string_append (s, "; ");
      if (nf->node < 0)
        g_string_append (s, "outside any NUMA node: ");
      else
        g_string_append_printf (s, "node %d: ", nf->node);
      g_string_append_printf (s, "%u free%s%s", nf->free->len, *l ? " " : "", l);
    }
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* `nodes` as the user gave them: not necessarily sorted. */
static gboolean
node_listed (const GArray *nodes, guint32 id)
{
  for (guint j = 0; j < nodes->len; j++)
    if (g_array_index (nodes, guint32, j) == id)
      return TRUE;
  return FALSE;
}

static void
set_not_enough (GError **error, guint32 count, const char *where, const GArray *groups, guint total)
{
  g_autofree char *desc = describe_free (groups, total);

  g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
               "not enough free CPUs%s: requested %u, %s", where, count, desc);
}

GArray *
kerf_alloc_cpus (const KerfModel *state, const KerfCpuRequest *req, GError **error)
{
  const KerfResources *res;
  g_autoptr(GArray) free_cpus = NULL;
  g_autoptr(GArray) groups = NULL;     /* NodeFree, ascending node id, -1 last */
  g_autoptr(GArray) out = NULL;
  g_autoptr(KerfCpuNodeMap) map = NULL;
  gboolean topology, restricted;
  KerfCpuAffinity affinity;
  guint total = 0;

  g_return_val_if_fail (state != NULL && req != NULL, NULL);

  res = state->resources;
  if (res == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool has no resources to allocate CPUs from");
      return NULL;
    }
  if (req->cpu_count == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "CPU count must be positive, got 0");
      return NULL;
    }
  affinity = req->affinity == KERF_CPU_AFFINITY_NONE ? KERF_CPU_AFFINITY_COMPACT : req->affinity;
  topology = res->numa_nodes != NULL && res->numa_nodes->len > 0;
  restricted = req->numa_nodes != NULL && req->numa_nodes->len > 0;

  if (restricted && !topology)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "NUMA nodes were requested but the baseline describes no NUMA topology");
      return NULL;
    }
  if (affinity == KERF_CPU_AFFINITY_LOCAL && !topology)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "CPU affinity 'local' needs a NUMA topology in the baseline; "
                   "use 'compact' or 'spread'");
      return NULL;
    }
  for (guint i = 0; restricted && i < req->numa_nodes->len; i++)
    {
      guint32 id = g_array_index (req->numa_nodes, guint32, i);
      gboolean found = FALSE;

      for (guint k = 0; k < res->numa_nodes->len && !found; k++)
        found = ((const KerfNumaNode *) g_ptr_array_index (res->numa_nodes, k))->id == id;
      if (!found)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "NUMA node %u does not exist in the topology", id);
          return NULL;
        }
    }

  free_cpus = kerf_alloc_free_cpus (state, req->exclude);
  map = kerf_cpu_node_map_new (res);

  /* Group the free CPUs by node (only the allowed nodes when restricted). */
  groups = g_array_new (FALSE, TRUE, sizeof (NodeFree));
  g_array_set_clear_func (groups, node_free_clear);
  if (topology)
    {
      for (guint k = 0; k < res->numa_nodes->len; k++)
        {
          const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, k);
          NodeFree nf = { (gint32) node->id, NULL };

          if (restricted && !node_listed (req->numa_nodes, node->id))
            continue;
          nf.free = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_array_append_val (groups, nf);
        }
    }
  if (!restricted && affinity != KERF_CPU_AFFINITY_LOCAL)
    {
      NodeFree nf = { -1, g_array_new (FALSE, FALSE, sizeof (guint32)) };
      g_array_append_val (groups, nf);
    }
  for (guint i = 0; i < free_cpus->len; i++)
    {
      guint32 cpu = g_array_index (free_cpus, guint32, i);
      gint32 node = topology ? kerf_cpu_node_map_lookup (map, cpu) : -1;

      for (guint g = 0; g < groups->len; g++)
        {
          NodeFree *nf = &g_array_index (groups, NodeFree, g);
          if (nf->node == node)
            {
              g_array_append_val (nf->free, cpu);
              total++;
              break;
            }
        }
    }
  /* An empty "outside any node" group says nothing: drop it. */
  if (groups->len > 1 && g_array_index (groups, NodeFree, groups->len - 1).node < 0
      && g_array_index (groups, NodeFree, groups->len - 1).free->len == 0)
    g_array_remove_index (groups, groups->len - 1);

  out = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (affinity == KERF_CPU_AFFINITY_LOCAL)
    {
      const NodeFree *pick = NULL;
      gint32 want = -1;

      if (restricted)
        want = (gint32) g_array_index (req->numa_nodes, guint32, 0);
      else if (req->memory_node >= 0)
        want = req->memory_node;
      for (guint g = 0; g < groups->len; g++)
        {
          const NodeFree *nf = &g_array_index (groups, NodeFree, g);
          if (want >= 0 ? nf->node == want : nf->free->len >= req->cpu_count)
            {
              pick = nf;
              break;
            }
        }
      if (pick == NULL || pick->free->len < req->cpu_count)
        {
          g_autofree char *where = want >= 0
              ? g_strdup_printf (" in NUMA node %d for 'local' affinity", want)
              : g_strdup (" in any single NUMA node for 'local' affinity");
          set_not_enough (error, req->cpu_count, where, groups, total);
          return NULL;
        }
      take_compact (pick->free, req->cpu_count, out);
    }
  else
    {
      if (total < req->cpu_count)
        {
          g_autofree char *where = NULL;
          if (restricted)
            {
              g_autofree char *nodes = kerf_cpu_array_format (req->numa_nodes);
              where = g_strdup_printf (" in NUMA nodes %s", nodes);
            }
          set_not_enough (error, req->cpu_count, where ? where : "", groups, total);
          return NULL;
        }

      if (affinity == KERF_CPU_AFFINITY_SPREAD && groups->len > 1)
        {
          g_autofree guint *next = g_new0 (guint, groups->len);

          while (out->len < req->cpu_count)
            for (guint g = 0; g < groups->len && out->len < req->cpu_count; g++)
              {
                const NodeFree *nf = &g_array_index (groups, NodeFree, g);
                if (next[g] < nf->free->len)
                  {
                    guint32 cpu = g_array_index (nf->free, guint32, next[g]);
                    next[g]++;
                    g_array_append_val (out, cpu);
                  }
              }
        }
      else if (affinity == KERF_CPU_AFFINITY_SPREAD)
        {
          const GArray *cpus = g_array_index (groups, NodeFree, 0).free;

          /* evenly spaced, first and last included */
          for (guint i = 0; i < req->cpu_count; i++)
            {
              guint idx = req->cpu_count == 1 ? 0
                  : (guint) (((guint64) i * (cpus->len - 1)) / (req->cpu_count - 1));
              g_array_append_val (out, g_array_index (cpus, guint32, idx));
            }
        }
      else
        {
          const NodeFree *single = NULL;

          /* compact: one node when one has room (groups are by ascending id) */
          for (guint g = 0; g < groups->len && single == NULL; g++)
            if (g_array_index (groups, NodeFree, g).free->len >= req->cpu_count)
              single = &g_array_index (groups, NodeFree, g);
          if (single != NULL)
            take_compact (single->free, req->cpu_count, out);
          else
            {
              /* fewest nodes: fill from the largest groups */
              g_autoptr(GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (NodeFree),
                                                           groups->len);
              g_array_append_vals (order, groups->data, groups->len);
              g_array_sort (order, node_free_by_size);
              for (guint g = 0; g < order->len && out->len < req->cpu_count; g++)
                take_compact (g_array_index (order, NodeFree, g).free,
                              req->cpu_count - out->len, out);
              /* `order` shares the arrays with `groups`: do not free them twice */
              g_array_set_size (order, 0);
            }
        }
    }

  g_array_sort (out, u32_cmp);
  return g_steal_pointer (&out);
}
