/* kerf-validate-memory.c — seed memory rules 1, 2 and 4 (MA1-MA6).
 *
 * Overlaps (MA4) by one sweep over the ranges sorted by base: each range is
 * compared with the one reaching furthest so far, O(n log n).
 */
#include "config.h"

#include "kerf-validate-private.h"

#define HEX "0x%" G_GINT64_MODIFIER "x"

static guint64
end_of (guint64 base, guint64 size)
{
  return size > G_MAXUINT64 - base ? G_MAXUINT64 : base + size;
}

/* "move it to base 0x..." from the allocator, or why there is no room.
 * `found` (may be NULL) tells which of the two it is. */
static char *
suggest_base_full (KerfValidateCtx *ctx, const KerfInstance *inst, const char *prefix,
                   gboolean *found)
{
  KerfMemoryRequest req = KERF_MEMORY_REQUEST_INIT;
  g_autoptr(GError) error = NULL;
  guint64 base;

  /* Past the error limit nobody reads suggestions: skip the search. */
  if (found != NULL)
    *found = FALSE;
  if (kerf_diag_list_n_errors (ctx->diags) >= KERF_DIAG_MAX_ERRORS)
    return NULL;
  req.size = inst->memory_bytes;
  if (req.size % KERF_PAGE_SIZE != 0)
    req.size += KERF_PAGE_SIZE - req.size % KERF_PAGE_SIZE;
  req.exclude = inst->name;
  if (kerf_alloc_memory (ctx->state, &req, &base, &error))
    {
      if (found != NULL)
        *found = TRUE;
      return g_strdup_printf ("%s" HEX " (the first free range of that size)", prefix, base);
    }
  return g_strdup_printf ("no free range fits: %s", error->message);
}

static char *
suggest_base (KerfValidateCtx *ctx, const KerfInstance *inst, const char *prefix)
{
  return suggest_base_full (ctx, inst, prefix, NULL);
}

static void
check_instance (KerfValidateCtx *ctx, const KerfInstance *inst)
{
  const KerfResources *res = ctx->res;
  const GArray *chunks = ctx->pool_chunks;
  /* the pool's real end: chunks read back from the kernel may have gaps */
  guint64 pool_end = chunks->len > 0
      ? end_of (g_array_index (chunks, KerfPoolChunk, chunks->len - 1).base,
                g_array_index (chunks, KerfPoolChunk, chunks->len - 1).size)
      : end_of (res->pool_base, res->pool_bytes);
  guint64 end = end_of (inst->memory_base, inst->memory_bytes);
  KerfLoc base_loc = kerf_validate_loc (inst->memory_base_loc, inst->loc);
  KerfLoc size_loc = kerf_validate_loc (inst->memory_bytes_loc, inst->loc);

  if (inst->memory_bytes == 0)
    {
      kerf_validate_report (ctx, "MA5", size_loc,
                            "give it memory-bytes (a whole number of 4 KiB pages)",
                            "instance '%s' has no memory", inst->name);
      return;
    }
  if (inst->memory_bytes % KERF_PAGE_SIZE != 0)
    {
      guint64 down = inst->memory_bytes - inst->memory_bytes % KERF_PAGE_SIZE;
      g_autofree char *sugg = down > 0
          ? g_strdup_printf ("use " HEX " or " HEX " bytes", down, down + KERF_PAGE_SIZE)
          : g_strdup_printf ("use " HEX " bytes", KERF_PAGE_SIZE);
      kerf_validate_report (ctx, "MA6", size_loc, sugg,
                            "instance '%s': memory size " HEX " is not a multiple of the page "
                            "size (4 KiB)", inst->name, inst->memory_bytes);
    }
  if (inst->memory_base % KERF_PAGE_SIZE != 0)
    {
      guint64 down = inst->memory_base - inst->memory_base % KERF_PAGE_SIZE;
      g_autofree char *sugg = g_strdup_printf ("use base " HEX " or " HEX, down,
                                               down + KERF_PAGE_SIZE);
      kerf_validate_report (ctx, "MA3", base_loc, sugg,
                            "instance '%s': memory base " HEX " is not page aligned (4 KiB = 0x1000)",
                            inst->name, inst->memory_base);
    }
  if (res->pool_bytes == 0)
    return;   /* M2 said it: bounds mean nothing without a pool */
  if (inst->memory_base < res->pool_base)
    {
      g_autofree char *sugg = suggest_base (ctx, inst, "move it to base ");
      kerf_validate_report (ctx, "MA1", base_loc, sugg,
                            "instance '%s': memory base " HEX " is below the memory pool, which "
                            "starts at " HEX, inst->name, inst->memory_base, res->pool_base);
    }
  else if (end > pool_end || inst->memory_bytes > G_MAXUINT64 - inst->memory_base)
    {
      g_autofree char *moved = suggest_base (ctx, inst, "or move it to base ");
      g_autofree char *sugg = NULL;

      if (inst->memory_base < pool_end)
        sugg = g_strdup_printf ("reduce memory-bytes to " HEX "%s%s",
                                pool_end - inst->memory_base,
                                moved == NULL ? "" : g_str_has_prefix (moved, "or ") ? " " : "; ",
                                moved ? moved : "");
      else
        sugg = g_steal_pointer (&moved);
      kerf_validate_report (ctx, "MA2", kerf_validate_loc (inst->memory_bytes_loc, base_loc), sugg,
                            "instance '%s': memory " HEX "-" HEX " extends beyond the memory pool "
                            HEX "-" HEX, inst->name, inst->memory_base, end,
                            res->pool_base, pool_end);
    }
  else
    {
      /* inside the pool but across chunks: the kernel cannot place it */
      if (chunks->len > 1 && kerf_alloc_chunk_of_range (chunks, inst->memory_base,
                                                         inst->memory_bytes) < 0)
        {
          g_autofree char *moved = suggest_base (ctx, inst, "move it to base ");
          GString *list = g_string_new (NULL);

          for (guint c = 0; c < chunks->len; c++)
            {
              const KerfPoolChunk *ch = &g_array_index (chunks, KerfPoolChunk, c);
              g_string_append_printf (list, "%s" HEX "-" HEX, c ? ", " : "", ch->base,
                                      end_of (ch->base, ch->size));
            }
          kerf_validate_report (ctx, "MA2", kerf_validate_loc (inst->memory_bytes_loc, base_loc),
                                moved,
                                "instance '%s': memory " HEX "-" HEX " is not inside one chunk "
                                "of the memory pool (%s); the kernel places an instance inside "
                                "one chunk", inst->name, inst->memory_base, end, list->str);
          g_string_free (list, TRUE);
        }
    }
}

void
kerf_validate_memory (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;
  g_autoptr(GArray) ranges = NULL;
  const KerfRange *reach = NULL;   /* the range ending furthest so far */
  guint64 reach_end = 0;

  for (guint i = 0; instances != NULL && i < instances->len; i++)
    check_instance (ctx, g_ptr_array_index (instances, i));

  ranges = kerf_alloc_instance_ranges (ctx->state, NULL);
  for (guint i = 0; i < ranges->len; i++)
    {
      const KerfRange *r = &g_array_index (ranges, KerfRange, i);
      guint64 end = end_of (r->base, r->size);

      if (reach != NULL && r->base < reach_end)
        {
          guint64 ov_end = MIN (end, reach_end);
          g_autofree char *ov = kerf_size_format (ov_end - r->base);
          gboolean found;
          g_autofree char *moved = suggest_base_full (ctx, r->owner, "move it to base ", &found);
          g_autofree char *sugg = NULL;

          /* the smallest fixes: move this one, or start it where the other ends */
          if (end > reach_end && found)
            sugg = g_strdup_printf ("%s, or start it at " HEX " and shrink it to " HEX " bytes",
                                    moved, reach_end, end - reach_end);
          else if (end > reach_end)
            sugg = g_strdup_printf ("start it at " HEX " and shrink it to " HEX " bytes%s%s",
                                    reach_end, end - reach_end, moved ? "; " : "",
                                    moved ? moved : "");
          else
            sugg = moved ? g_steal_pointer (&moved)
                         : g_strdup_printf ("shrink or move instance '%s'", reach->owner->name);
          kerf_validate_report (ctx, "MA4",
                                kerf_validate_loc (r->owner->memory_base_loc, r->owner->loc), sugg,
                                "instance '%s': memory " HEX "-" HEX " overlaps instance '%s' ("
                                HEX "-" HEX ") in " HEX "-" HEX " (%s)",
                                r->owner->name, r->base, end, reach->owner->name,
                                reach->base, reach_end, r->base, ov_end, ov);
        }
      if (reach == NULL || end > reach_end)
        {
          reach = r;
          reach_end = end;
        }
    }
}
