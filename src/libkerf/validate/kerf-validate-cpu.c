/* kerf-validate-cpu.c — seed CPU rules 1-4 (C1-C4).
 *
 * Exclusivity (C3) is found by sorting (cpu, instance) pairs: claims of the
 * same CPU become neighbours, so the cost is O(n log n) in the CPUs handed
 * out, not O(instances^2).
 */
#include "config.h"

#include "kerf-validate-private.h"

typedef struct {
  guint32 cpu;
  guint32 inst;    /* index in state->instances */
} Claim;

typedef struct {
  guint32 inst;
  guint32 owner;
  guint32 cpu;
} Conflict;

static gint
claim_cmp (gconstpointer a, gconstpointer b)
{
  const Claim *x = a, *y = b;

  if (x->cpu != y->cpu)
    return x->cpu < y->cpu ? -1 : 1;
  return x->inst < y->inst ? -1 : (x->inst > y->inst ? 1 : 0);
}

static gint
conflict_cmp (gconstpointer a, gconstpointer b)
{
  const Conflict *x = a, *y = b;

  if (x->inst != y->inst)
    return x->inst < y->inst ? -1 : 1;
  if (x->owner != y->owner)
    return x->owner < y->owner ? -1 : 1;
  return x->cpu < y->cpu ? -1 : (x->cpu > y->cpu ? 1 : 0);
}

static const char *
plural (guint n, const char *one, const char *many)
{
  return n == 1 ? one : many;
}

static void
check_membership (KerfValidateCtx *ctx, const KerfInstance *inst)
{
  const KerfResources *res = ctx->res;
  g_autoptr(GArray) missing = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) reserved = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) outside = g_array_new (FALSE, FALSE, sizeof (guint32));
  KerfLoc loc = kerf_validate_loc (inst->cpus_loc, inst->loc);
  guint offered = 0;   /* free CPUs already suggested to this instance */

  for (guint i = 0; i < inst->cpus->len; i++)
    {
      guint32 c = g_array_index (inst->cpus, guint32, i);

      if (res->total_cpus > 0 && c >= res->total_cpus)
        g_array_append_val (missing, c);
      else if (kerf_u32_array_contains (res->host_reserved_cpus, c))
        g_array_append_val (reserved, c);
      else if (!kerf_u32_array_contains (res->available_cpus, c))
        g_array_append_val (outside, c);
    }

  if (missing->len > 0)
    {
      g_autofree char *l = kerf_cpu_array_format (missing);
      g_autofree char *sugg = kerf_validate_suggest_cpus_after (ctx, offered, missing->len,
                                                                "remove them");
      kerf_validate_report (ctx, "C1", loc, sugg,
                            "instance '%s': CPU%s %s %s not exist (the hardware has CPUs 0-%u)",
                            inst->name, plural (missing->len, "", "s"), l,
                            plural (missing->len, "does", "do"), res->total_cpus - 1);
      offered += missing->len;
    }
  if (reserved->len > 0)
    {
      g_autofree char *l = kerf_cpu_array_format (reserved);
      g_autofree char *sugg = kerf_validate_suggest_cpus_after (ctx, offered, reserved->len,
                                                                "remove them");
      kerf_validate_report (ctx, "C2", loc, sugg,
                            "instance '%s': CPU%s %s %s reserved for the host kernel",
                            inst->name, plural (reserved->len, "", "s"), l,
                            plural (reserved->len, "is", "are"));
      offered += reserved->len;
    }
  if (outside->len > 0)
    {
      g_autofree char *l = kerf_cpu_array_format (outside);
      g_autofree char *pool = kerf_cpu_array_format (res->available_cpus);
      g_autofree char *sugg = kerf_validate_suggest_cpus_after (ctx, offered, outside->len,
                                                                "remove them");
      kerf_validate_report (ctx, "C2", loc, sugg,
                            "instance '%s': CPU%s %s %s not in the available pool (%s)",
                            inst->name, plural (outside->len, "", "s"), l,
                            plural (outside->len, "is", "are"), pool);
    }
}

void
kerf_validate_cpu (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;
  g_autoptr(GArray) claims = g_array_new (FALSE, FALSE, sizeof (Claim));
  g_autoptr(GArray) conflicts = g_array_new (FALSE, FALSE, sizeof (Conflict));
  guint n = instances ? instances->len : 0;

  for (guint i = 0; i < n; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (instances, i);

      if (inst->cpus == NULL || inst->cpus->len == 0)
        {
          g_autofree char *sugg = kerf_validate_suggest_cpus (ctx, 1, "free some first");
          kerf_validate_report (ctx, "C4", kerf_validate_loc (inst->cpus_loc, inst->loc), sugg,
                                "instance '%s' has no CPUs: list at least one CPU id explicitly",
                                inst->name);
          continue;
        }
      check_membership (ctx, inst);
      for (guint k = 0; k < inst->cpus->len; k++)
        {
          Claim c = { g_array_index (inst->cpus, guint32, k), i };
          g_array_append_val (claims, c);
        }
    }

  g_array_sort (claims, claim_cmp);
  for (guint i = 1; i < claims->len; i++)
    {
      const Claim *prev = &g_array_index (claims, Claim, i - 1);
      const Claim *cur = &g_array_index (claims, Claim, i);
      guint owner = i - 1;

      if (cur->cpu != prev->cpu || cur->inst == prev->inst)
        continue;
      /* the first claimant in source order owns the CPU */
      while (owner > 0 && g_array_index (claims, Claim, owner - 1).cpu == cur->cpu)
        owner--;
      {
        Conflict c = { cur->inst, g_array_index (claims, Claim, owner).inst, cur->cpu };
        g_array_append_val (conflicts, c);
      }
    }
  g_array_sort (conflicts, conflict_cmp);

  for (guint i = 0; i < conflicts->len;)
    {
      const Conflict *c = &g_array_index (conflicts, Conflict, i);
      const KerfInstance *inst = g_ptr_array_index (instances, c->inst);
      const KerfInstance *owner = g_ptr_array_index (instances, c->owner);
      g_autoptr(GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autofree char *l = NULL, *sugg = NULL, *what = NULL;
      guint j = i;

      while (j < conflicts->len
             && g_array_index (conflicts, Conflict, j).inst == c->inst
             && g_array_index (conflicts, Conflict, j).owner == c->owner)
        {
          g_array_append_val (cpus, g_array_index (conflicts, Conflict, j).cpu);
          j++;
        }
      l = kerf_cpu_array_format (cpus);
      what = g_strdup_printf ("remove %s from '%s' or from '%s'", l, inst->name, owner->name);
      sugg = kerf_validate_suggest_cpus (ctx, cpus->len, what);
      kerf_validate_report (ctx, "C3", kerf_validate_loc (inst->cpus_loc, inst->loc), sugg,
                            "instance '%s': CPU%s %s %s also assigned to instance '%s'",
                            inst->name, plural (cpus->len, "", "s"), l,
                            plural (cpus->len, "is", "are"), owner->name);
      i = j;
    }
}
