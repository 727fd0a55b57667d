/* kerf-alloc-memory.c — where in the pool a new instance's memory goes.
 *
 * The pool is one range; the instances' ranges, sorted by base, cut holes
 * out of it.  Placement is first fit over the holes, page aligned, inside
 * the NUMA node's memory when the policy asks for locality.
 */
#include "config.h"

#include "kerf-alloc.h"
#include "kerf-error.h"

static guint64
range_end (guint64 base, guint64 size)
{
  /* saturate: a range that wraps is clipped at the top of the address space */
  return size > G_MAXUINT64 - base ? G_MAXUINT64 : base + size;
}

static gint
range_cmp (gconstpointer a, gconstpointer b)
{
  const KerfRange *x = a, *y = b;

  if (x->base != y->base)
    return x->base < y->base ? -1 : 1;
  return x->size < y->size ? -1 : (x->size > y->size ? 1 : 0);
}

GArray *
kerf_alloc_instance_ranges (const KerfModel *state, const char *exclude)
{
  GArray *ranges = g_array_new (FALSE, FALSE, sizeof (KerfRange));

  for (guint i = 0; state != NULL && state->instances != NULL && i < state->instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (state->instances, i);
      KerfRange r = { inst->memory_base, inst->memory_bytes, inst };

      if (inst->memory_bytes == 0)
        continue;
      if (exclude != NULL && g_strcmp0 (inst->name, exclude) == 0)
        continue;
      g_array_append_val (ranges, r);
    }
  g_array_sort (ranges, range_cmp);
  return ranges;
}

GArray *
kerf_alloc_free_memory (const KerfModel *state, const char *exclude)
{
  GArray *holes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) chunks = NULL;
  guint first = 0;   /* first range that may still reach into a later chunk */

  if (state == NULL || state->resources == NULL || state->resources->pool_bytes == 0)
    return holes;
  chunks = kerf_resources_pool_chunks (state->resources);
  ranges = kerf_alloc_instance_ranges (state, exclude);
  for (guint c = 0; c < chunks->len; c++)
    {
      const KerfPoolChunk *chunk = &g_array_index (chunks, KerfPoolChunk, c);
      guint64 cursor = chunk->base;
      guint64 chunk_end = range_end (chunk->base, chunk->size);

      /* ranges are sorted by base: those ending before this chunk are done */
      while (first < ranges->len
             && range_end (g_array_index (ranges, KerfRange, first).base,
                           g_array_index (ranges, KerfRange, first).size) <= chunk->base)
        first++;
      for (guint i = first; i < ranges->len && cursor < chunk_end; i++)
        {
          const KerfRange *r = &g_array_index (ranges, KerfRange, i);
          guint64 end = range_end (r->base, r->size);

          if (r->base >= chunk_end)
            break;
          if (r->base > cursor)
            {
              guint64 hole[2] = { cursor, r->base - cursor };
              g_array_append_vals (holes, hole, 2);
            }
          cursor = MAX (cursor, end);
        }
      if (cursor < chunk_end)
        {
          guint64 hole[2] = { cursor, chunk_end - cursor };
          g_array_append_vals (holes, hole, 2);
        }
    }
  return holes;
}

gint
kerf_alloc_chunk_of_range (const GArray *chunks, guint64 base, guint64 size)
{
  guint64 end = range_end (base, size);

  for (guint c = 0; chunks != NULL && c < chunks->len; c++)
    {
      const KerfPoolChunk *chunk = &g_array_index (chunks, KerfPoolChunk, c);
      if (base >= chunk->base && end <= range_end (chunk->base, chunk->size)
          && size <= G_MAXUINT64 - base)
        return (gint) c;
    }
  return -1;
}

gint32
kerf_alloc_node_of_range (const KerfResources *res, guint64 base, guint64 size)
{
  guint64 end = range_end (base, size);

  for (guint i = 0; res != NULL && res->numa_nodes != NULL && i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);

      if (node->memory_size > 0 && base >= node->memory_base
          && end <= range_end (node->memory_base, node->memory_size))
        return (gint32) node->id;
    }
  return -1;
}

typedef struct {
  guint64 lo, hi;   /* [lo, hi) */
  gint32  node;     /* -1: the whole pool */
} Window;

static const KerfNumaNode *
find_node (const KerfResources *res, guint32 id)
{
  for (guint i = 0; res->numa_nodes != NULL && i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      if (node->id == id)
        return node;
    }
  return NULL;
}

static gboolean
add_node_window (GArray *windows, const KerfResources *res, guint32 id, GError **error)
{
  const KerfNumaNode *node = find_node (res, id);
  Window w;

  if (node == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "NUMA node %u does not exist in the topology", id);
      return FALSE;
    }
  w.lo = node->memory_base;
  w.hi = range_end (node->memory_base, node->memory_size);
  w.node = (gint32) node->id;
  g_array_append_val (windows, w);
  return TRUE;
}

/* Where the range may go, in the order to try. */
static GArray *
memory_windows (const KerfResources *res, const KerfMemoryRequest *req, GError **error)
{
  g_autoptr(GArray) windows = g_array_new (FALSE, FALSE, sizeof (Window));
  gboolean topology = res->numa_nodes != NULL && res->numa_nodes->len > 0;
  gboolean listed = req->numa_nodes != NULL && req->numa_nodes->len > 0;
  gboolean local = req->policy == KERF_MEMORY_POLICY_LOCAL || req->policy == KERF_MEMORY_POLICY_BIND;

  if (req->policy == KERF_MEMORY_POLICY_BIND && !listed)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "memory policy 'bind' needs the NUMA nodes to bind to (--numa-nodes)");
      return NULL;
    }
  if (local && topology)
    {
      if (listed)
        {
          for (guint i = 0; i < req->numa_nodes->len; i++)
            if (!add_node_window (windows, res, g_array_index (req->numa_nodes, guint32, i), error))
              return NULL;
        }
      else
        {
          gint32 node = kerf_alloc_majority_node (res, req->cpus);

          if (node >= 0)
            {
              if (!add_node_window (windows, res, (guint32) node, error))
                return NULL;
            }
          else
            for (guint i = 0; i < res->numa_nodes->len; i++)
              if (!add_node_window (windows, res,
                                    ((const KerfNumaNode *) g_ptr_array_index (res->numa_nodes, i))->id,
                                    error))
                return NULL;
        }
    }
  else
    {
      Window w = { 0, G_MAXUINT64, -1 };
      g_array_append_val (windows, w);
    }
  return g_steal_pointer (&windows);
}

static char *
describe_window (const Window *w)
{
  if (w->node < 0)
    return g_strdup ("the memory pool");
  return g_strdup_printf ("NUMA node %d (0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)",
                          w->node, w->lo, w->hi);
}

gboolean
kerf_alloc_memory (const KerfModel        *state,
                   const KerfMemoryRequest *req,
                   guint64                *base_out,
                   GError                **error)
{
  const KerfResources *res;
  g_autoptr(GArray) windows = NULL;
  g_autoptr(GArray) holes = NULL;
  guint64 align, best_base = 0, best_size = 0, free_total = 0;

  g_return_val_if_fail (state != NULL && req != NULL && base_out != NULL, FALSE);

  res = state->resources;
  if (res == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool has no resources to allocate memory from");
      return FALSE;
    }
  align = req->alignment ? req->alignment : KERF_PAGE_SIZE;
  if (align < KERF_PAGE_SIZE || (align & (align - 1)) != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "alignment 0x%" G_GINT64_MODIFIER "x must be a power of two of at least 4 KiB",
                   align);
      return FALSE;
    }
  if (req->size == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "memory size must be greater than zero");
      return FALSE;
    }
  if (req->size % KERF_PAGE_SIZE != 0)
    {
      guint64 up = req->size > G_MAXUINT64 - KERF_PAGE_SIZE
          ? req->size - req->size % KERF_PAGE_SIZE
          : req->size + (KERF_PAGE_SIZE - req->size % KERF_PAGE_SIZE);
      g_autofree char *h = kerf_size_format (up);

      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "memory size %" G_GUINT64_FORMAT " bytes is not a multiple of the page size "
                   "(4 KiB); use %" G_GUINT64_FORMAT " bytes (%s)", req->size, up, h);
      return FALSE;
    }

  windows = memory_windows (res, req, error);
  if (windows == NULL)
    return FALSE;
  holes = kerf_alloc_free_memory (state, req->exclude);

  if (req->has_base)
    {
      guint64 pool_end = range_end (res->pool_base, res->pool_bytes);
      guint64 end = range_end (req->base, req->size);
      g_autoptr(GArray) ranges = NULL;
      gboolean in_window = FALSE;

      if (req->base % align != 0)
        {
          guint64 down = req->base - req->base % align;
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "memory base 0x%" G_GINT64_MODIFIER "x is not aligned to 0x%"
                       G_GINT64_MODIFIER "x; use 0x%" G_GINT64_MODIFIER "x or 0x%"
                       G_GINT64_MODIFIER "x", req->base, align, down, down + align);
          return FALSE;
        }
      if (req->base < res->pool_base || end > pool_end || req->size > G_MAXUINT64 - req->base)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                       "memory range 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x is "
                       "outside the memory pool 0x%" G_GINT64_MODIFIER "x-0x%"
                       G_GINT64_MODIFIER "x", req->base, end, res->pool_base, pool_end);
          return FALSE;
        }
      ranges = kerf_alloc_instance_ranges (state, req->exclude);
      for (guint i = 0; i < ranges->len; i++)
        {
          const KerfRange *r = &g_array_index (ranges, KerfRange, i);
          guint64 rend = range_end (r->base, r->size);

          if (r->base >= end)
            break;
          if (rend > req->base)
            {
              g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                           "memory range 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x "
                           "overlaps instance '%s' (0x%" G_GINT64_MODIFIER "x-0x%"
                           G_GINT64_MODIFIER "x)", req->base, end, r->owner->name,
                           r->base, rend);
              return FALSE;
            }
        }
      {
        g_autoptr(GArray) chunks = kerf_resources_pool_chunks (res);

        if (kerf_alloc_chunk_of_range (chunks, req->base, req->size) < 0)
          {
            g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                         "memory range 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x "
                         "crosses a boundary between pool chunks (the kernel keeps the pool "
                         "as one chunk per NUMA node and places an instance inside one); "
                         "choose a base and size inside one chunk", req->base, end);
            return FALSE;
          }
      }
      for (guint w = 0; w < windows->len && !in_window; w++)
        {
          const Window *win = &g_array_index (windows, Window, w);
          in_window = req->base >= win->lo && end <= win->hi;
        }
      if (!in_window)
        {
          g_autofree char *where = describe_window (&g_array_index (windows, Window, 0));
          g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                       "memory range 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x is "
                       "not inside %s, as the memory policy requires",
                       req->base, end, where);
          return FALSE;
        }
      *base_out = req->base;
      return TRUE;
    }

  for (guint w = 0; w < windows->len; w++)
    {
      const Window *win = &g_array_index (windows, Window, w);

      for (guint h = 0; h + 1 < holes->len; h += 2)
        {
          guint64 hb = g_array_index (holes, guint64, h);
          guint64 he = hb + g_array_index (holes, guint64, h + 1);
          guint64 lo = MAX (hb, win->lo), hi = MIN (he, win->hi), start;

          if (lo >= hi)
            continue;
          if (hi - lo > best_size)
            {
              best_size = hi - lo;
              best_base = lo;
            }
          free_total += hi - lo;
          if (lo % align != 0 && lo > G_MAXUINT64 - (align - lo % align))
            continue;
          start = lo % align ? lo + (align - lo % align) : lo;
          if (start < hi && hi - start >= req->size)
            {
              *base_out = start;
              return TRUE;
            }
        }
    }

  {
    g_autofree char *want = kerf_size_format (req->size);
    g_autofree char *where = NULL;
    g_autoptr(GArray) chunks = kerf_resources_pool_chunks (res);
    gboolean whole_pool = g_array_index (windows, Window, 0).node < 0;
    GString *wh = g_string_new (whole_pool && chunks->len > 1 ? "inside one pool memory chunk of "
                                                              : "in ");

    /* holes never cross chunks: say so when that is why nothing fits */
    for (guint w = 0; w < windows->len; w++)
      {
        g_autofree char *d = describe_window (&g_array_index (windows, Window, w));
        g_string_append_printf (wh, "%s%s", w ? " or " : "", d);
      }
    where = g_string_free (wh, FALSE);
    if (best_size == 0)
      g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                   "no free memory for %s (0x%" G_GINT64_MODIFIER "x bytes) %s: "
                   "it is fully allocated", want, req->size, where);
    else
      {
        g_autofree char *big = kerf_size_format (best_size);
        g_autofree char *tot = kerf_size_format (free_total);
        g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                     "no free memory range of %s (0x%" G_GINT64_MODIFIER "x bytes) %s; "
                     "the largest free hole is %s at 0x%" G_GINT64_MODIFIER "x-0x%"
                     G_GINT64_MODIFIER "x (%s free in total)", want, req->size, where, big,
                     best_base, best_base + best_size, tot);
      }
  }
  return FALSE;
}
