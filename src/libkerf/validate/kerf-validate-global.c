/* kerf-validate-global.c — the hardware inventory itself, and the rules
 * that look at all instances together (names, ids, totals, utilisation). */
#include "config.h"

#include <string.h>

#include "kerf-validate-private.h"

static KerfLoc
res_loc (KerfValidateCtx *ctx, KerfLoc loc)
{
  return kerf_validate_loc (loc, kerf_validate_loc (ctx->res->cpus_loc, ctx->res->memory_loc));
}

/* ids of `cpus` >= total, as a compressed list ("" when none) */
static char *
ids_beyond (const GArray *cpus, guint32 total, guint *n_out)
{
  g_autoptr(GArray) bad = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; cpus != NULL && i < cpus->len; i++)
    if (g_array_index (cpus, guint32, i) >= total)
      g_array_append_val (bad, g_array_index (cpus, guint32, i));
  *n_out = bad->len;
  return kerf_cpu_array_format (bad);
}

void
kerf_validate_inventory (KerfValidateCtx *ctx)
{
  const KerfResources *res = ctx->res;
  guint64 pool_end;

  /* ---- CPUs ---- */
  if (res->total_cpus == 0)
    kerf_validate_report (ctx, "H1", res_loc (ctx, res->total_cpus_loc),
                          "set 'total' to the number of CPUs of the machine",
                          "hardware inventory: the total CPU count must be positive");
  if (res->available_cpus == NULL || res->available_cpus->len == 0)
    kerf_validate_report (ctx, "H2", res_loc (ctx, res->available_cpus_loc),
                          "list the CPUs spawn kernels may use in 'available'",
                          "hardware inventory: no CPUs are available for spawn kernels");
  else
    {
      g_autoptr(GArray) both = g_array_new (FALSE, FALSE, sizeof (guint32));

      for (guint i = 0; i < res->available_cpus->len; i++)
        {
          guint32 c = g_array_index (res->available_cpus, guint32, i);
          if (kerf_u32_array_contains (res->host_reserved_cpus, c))
            g_array_append_val (both, c);
        }
      if (both->len > 0)
        {
          g_autofree char *l = kerf_cpu_array_format (both);
          g_autofree char *sugg = g_strdup_printf ("remove CPU%s %s from 'host-reserved' or "
                                                   "from 'available'",
                                                   both->len == 1 ? "" : "s", l);
          kerf_validate_report (ctx, "H3", res_loc (ctx, res->available_cpus_loc), sugg,
                                "hardware inventory: CPU%s %s %s both host-reserved and available",
                                both->len == 1 ? "" : "s", l, both->len == 1 ? "is" : "are");
        }
    }
  if (res->total_cpus > 0)
    {
      const struct { const GArray *cpus; KerfLoc loc; const char *name; } lists[] = {
        { res->host_reserved_cpus, res->host_reserved_cpus_loc, "host-reserved" },
        { res->available_cpus, res->available_cpus_loc, "available" },
      };

      for (gsize k = 0; k < G_N_ELEMENTS (lists); k++)
        {
          guint n;
          g_autofree char *bad = ids_beyond (lists[k].cpus, res->total_cpus, &n);

          if (n > 0)
            {
              g_autofree char *sugg = g_strdup_printf ("remove %s from '%s' or raise 'total' "
                                                       "above the largest id", bad, lists[k].name);
              kerf_validate_report (ctx, "H8", res_loc (ctx, lists[k].loc), sugg,
                                    "hardware inventory: CPU%s %s in '%s' %s not exist: "
                                    "the machine has CPUs 0-%u (total %u)",
                                    n == 1 ? "" : "s", bad, lists[k].name,
                                    n == 1 ? "does" : "do", res->total_cpus - 1, res->total_cpus);
            }
        }
    }

  /* ---- memory ---- */
  if (res->total_bytes == 0)
    kerf_validate_report (ctx, "M1", kerf_validate_loc (res->total_bytes_loc, res->memory_loc),
                          "set 'total-bytes' to the machine's memory size",
                          "hardware inventory: total memory must be positive");
  if (res->pool_bytes == 0)
    kerf_validate_report (ctx, "M2", kerf_validate_loc (res->pool_bytes_loc, res->memory_loc),
                          "set 'memory-pool-bytes' to the size of the spawn kernels' pool",
                          "hardware inventory: the memory pool size must be positive");
  pool_end = res->pool_bytes > G_MAXUINT64 - res->pool_base ? G_MAXUINT64
             : res->pool_base + res->pool_bytes;
  if (res->total_bytes > 0 && res->pool_bytes > 0 && pool_end > res->total_bytes)
    {
      g_autofree char *sugg = NULL;

      /* whole pages: a size M9 would refuse next is no fix */
      if (res->pool_base < res->total_bytes
          && (res->total_bytes - res->pool_base) / KERF_PAGE_SIZE > 0)
        sugg = g_strdup_printf ("reduce 'memory-pool-bytes' to 0x%" G_GINT64_MODIFIER "x or "
                                "raise 'total-bytes' to 0x%" G_GINT64_MODIFIER "x",
                                (res->total_bytes - res->pool_base) / KERF_PAGE_SIZE
                                * KERF_PAGE_SIZE, pool_end);
      else if (res->pool_base < res->total_bytes)
        sugg = g_strdup_printf ("raise 'total-bytes' to 0x%" G_GINT64_MODIFIER "x", pool_end);
      else
        sugg = g_strdup_printf ("move 'memory-pool-base' below 0x%" G_GINT64_MODIFIER "x",
                                res->total_bytes);
      kerf_validate_report (ctx, "M3", kerf_validate_loc (res->pool_bytes_loc, res->memory_loc),
                            sugg,
                            "hardware inventory: the memory pool 0x%" G_GINT64_MODIFIER "x-0x%"
                            G_GINT64_MODIFIER "x extends beyond total memory (0x%"
                            G_GINT64_MODIFIER "x bytes)", res->pool_base, pool_end,
                            res->total_bytes);
    }
  if (res->total_bytes > 0 && res->host_reserved_bytes > 0
      && (res->host_reserved_bytes > res->total_bytes
          || res->pool_bytes > res->total_bytes - res->host_reserved_bytes))
    {
      g_autofree char *hr = kerf_size_format (res->host_reserved_bytes);
      g_autofree char *pb = kerf_size_format (res->pool_bytes);
      g_autofree char *tb = kerf_size_format (res->total_bytes);
      guint64 room = (res->total_bytes - MIN (res->host_reserved_bytes, res->total_bytes))
                     / KERF_PAGE_SIZE * KERF_PAGE_SIZE;
      g_autofree char *sugg = room > 0
          ? g_strdup_printf ("reduce 'memory-pool-bytes' to at most 0x%" G_GINT64_MODIFIER "x",
                             room)
          : g_strdup ("reduce 'host-reserved-bytes' below 'total-bytes'");
      kerf_validate_report (ctx, "M8",
                            kerf_validate_loc (res->host_reserved_bytes_loc, res->memory_loc), sugg,
                            "hardware inventory: host-reserved memory (%s) plus the pool (%s) "
                            "exceeds total memory (%s)", hr, pb, tb);
    }
  if (res->pool_base % KERF_PAGE_SIZE != 0 || res->pool_bytes % KERF_PAGE_SIZE != 0)
    {
      gboolean base_bad = res->pool_base % KERF_PAGE_SIZE != 0;
      guint64 v = base_bad ? res->pool_base : res->pool_bytes;
      guint64 up = v + (KERF_PAGE_SIZE - v % KERF_PAGE_SIZE);
      g_autofree char *sugg = g_strdup_printf ("use 0x%" G_GINT64_MODIFIER "x",
                                               base_bad ? up : v - v % KERF_PAGE_SIZE);
      kerf_validate_report (ctx, "M9",
                            kerf_validate_loc (base_bad ? res->pool_base_loc : res->pool_bytes_loc,
                                               res->memory_loc), sugg,
                            "hardware inventory: the memory pool %s 0x%" G_GINT64_MODIFIER "x is "
                            "not a multiple of the page size (4 KiB)",
                            base_bad ? "base" : "size", v);
    }
}

void
kerf_validate_global (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint64 cpu_sum = 0, mem_sum = 0;
  guint n = instances ? instances->len : 0;
  guint pool_cpus = ctx->res->available_cpus ? ctx->res->available_cpus->len : 0;

  for (guint i = 0; i < n; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (instances, i);
      const char *name = inst->name ? inst->name : "";
      const KerfInstance *first;
      g_autofree char *problem = kerf_instance_name_problem (name);

      if (problem != NULL)
        kerf_validate_report (ctx, "I3", inst->loc,
                              "rename it: 1-63 characters of A-Z a-z 0-9 _ . -, "
                              "not starting with '.' or '-'",
                              "instance name '%s' is not valid: %s", name, problem);
      first = g_hash_table_lookup (names, name);
      if (first != NULL)
        {
          g_autofree char *where = kerf_loc_to_string (first->loc);
          /* a DTB has no line numbers: "the first is at file.dtb" says nothing */
          g_autofree char *sugg = first->loc.line > 0
              ? g_strdup_printf ("rename one of them (the first is at %s)", where)
              : g_strdup_printf ("rename one of the two instances named '%s'", name);
          kerf_validate_report (ctx, "I1", inst->loc, sugg,
                                "duplicate instance name '%s'", name);
        }
      else
        g_hash_table_insert (names, (gpointer) name, (gpointer) inst);

      if (inst->id != 0)
        {
          first = g_hash_table_lookup (ids, GUINT_TO_POINTER (inst->id));
          if (inst->id > KERF_INSTANCE_ID_MAX)
            kerf_validate_report (ctx, "I4", kerf_validate_loc (inst->id_loc, inst->loc),
                                  "use an id in 1-2047, or none to let the kernel choose",
                                  "instance '%s': id %u is out of range (1-2047)", name, inst->id);
          if (first != NULL)
            {
              g_autofree char *sugg = g_strdup_printf ("give '%s' another id, or none to let "
                                                       "the kernel choose", name);
              kerf_validate_report (ctx, "I2", kerf_validate_loc (inst->id_loc, inst->loc), sugg,
                                    "instance '%s': id %u is already used by instance '%s'",
                                    name, inst->id, first->name);
            }
          else
            g_hash_table_insert (ids, GUINT_TO_POINTER (inst->id), (gpointer) inst);
        }
      cpu_sum += inst->cpus ? inst->cpus->len : 0;
      mem_sum = inst->memory_bytes > G_MAXUINT64 - mem_sum ? G_MAXUINT64 : mem_sum + inst->memory_bytes;
    }

  if (cpu_sum > pool_cpus)
    kerf_validate_report (ctx, "R1", ctx->res->available_cpus_loc,
                          "give fewer CPUs to the instances, or add CPUs to 'available'",
                          "the instances use %" G_GUINT64_FORMAT " CPUs in total, but the pool "
                          "has only %u", cpu_sum, pool_cpus);
  if (mem_sum > ctx->res->pool_bytes)
    {
      g_autofree char *used = kerf_size_format (mem_sum);
      g_autofree char *pool = kerf_size_format (ctx->res->pool_bytes);
      g_autofree char *over = kerf_size_format (mem_sum - ctx->res->pool_bytes);
      g_autofree char *sugg = g_strdup_printf ("free %s: shrink or remove instances", over);
      kerf_validate_report (ctx, "R2", kerf_validate_loc (ctx->res->pool_bytes_loc,
                                                          ctx->res->memory_loc), sugg,
                            "the instances use %s of memory in total (%" G_GUINT64_FORMAT
                            " bytes), but the pool holds only %s (%" G_GUINT64_FORMAT " bytes)",
                            used, mem_sum, pool, ctx->res->pool_bytes);
    }

  if (ctx->opts->advice && n > 0)
    {
      /* The free list, not the sum: CPUs outside the pool or claimed twice
       * (C1-C3 errors) inflate the sum while pool CPUs stay free. */
      if (ctx->free_cpus->len > 0 && pool_cpus > 0)
        {
          g_autofree char *l = kerf_cpu_array_format (ctx->free_cpus);
          kerf_validate_report (ctx, "U1", ctx->res->available_cpus_loc, NULL,
                                "resource utilisation: %u of %u pool CPUs (%.1f%%) %s unallocated: %s",
                                ctx->free_cpus->len, pool_cpus,
                                100.0 * ctx->free_cpus->len / pool_cpus,
                                ctx->free_cpus->len == 1 ? "is" : "are", l);
        }
      if (mem_sum < ctx->res->pool_bytes)
        {
          guint64 free_b = ctx->res->pool_bytes - mem_sum;
          g_autofree char *f = kerf_size_format (free_b);
          kerf_validate_report (ctx, "U2", kerf_validate_loc (ctx->res->pool_bytes_loc,
                                                              ctx->res->memory_loc), NULL,
                                "resource utilisation: %s (%.1f%% of the memory pool) is unallocated",
                                f, 100.0 * (double) free_b / (double) ctx->res->pool_bytes);
        }
    }
}
