/* kerf-validate-host.c — the baseline against this machine (warnings).
 *
 * CPU ids are Linux logical CPU numbers (the "processor" lines of
 * /proc/cpuinfo); unlike the Python tool we never compare them with
 * package ("physical id") counts or APIC ids (upstream §12.9).  The memory
 * pool is compared with the "Multikernel Memory Pool" range of /proc/iomem.
 * Everything here is advice: the baseline may describe another machine.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-validate-private.h"

#define HEX "0x%" G_GINT64_MODIFIER "x"
#define POOL_NAME "Multikernel Memory Pool"

static gint
u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : (x > y ? 1 : 0);
}

/* Sorted "processor" numbers; NULL when the file cannot be read. */
static GArray *
read_processors (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *cpus;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon;
      char *end = NULL;
      guint64 v;

      if (!g_str_has_prefix (lines[i], "processor"))
        continue;
      colon = strchr (lines[i], ':');
      if (colon == NULL)
        continue;
      v = g_ascii_strtoull (colon + 1, &end, 10);
      if (end == colon + 1 || v > G_MAXUINT32)
        continue;
      {
        guint32 c = (guint32) v;
        g_array_append_val (cpus, c);
      }
    }
  g_array_sort (cpus, u32_cmp);
  return cpus;
}

/* The first "Multikernel Memory Pool" range; FALSE when there is none. */
static gboolean
read_iomem_pool (const char *path, gboolean *readable, guint64 *base, guint64 *end_incl)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  *readable = g_file_get_contents (path, &text, NULL, NULL);
  if (!*readable)
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *p = lines[i];
      char *end = NULL;

      if (strstr (p, POOL_NAME) == NULL)
        continue;
      while (*p == ' ')
        p++;
      *base = g_ascii_strtoull (p, &end, 16);
      if (end == p || *end != '-')
        continue;
      p = end + 1;
      *end_incl = g_ascii_strtoull (p, &end, 16);
      if (end == p)
        continue;
      return TRUE;
    }
  return FALSE;
}

static void
check_cpus (KerfValidateCtx *ctx)
{
  const KerfResources *res = ctx->res;
  const char *path = ctx->opts->cpuinfo_path ? ctx->opts->cpuinfo_path : "/proc/cpuinfo";
  g_autoptr(GArray) procs = read_processors (path);
  g_autoptr(GArray) missing = NULL;
  g_autoptr(GArray) used = NULL;
  KerfLoc loc = kerf_validate_loc (res->cpus_loc, res->available_cpus_loc);

  if (procs == NULL || procs->len == 0)
    {
      kerf_validate_report (ctx, "H7", loc, "skip the host checks when validating for another "
                            "machine", "cannot check the CPUs against this machine: %s lists no "
                            "processors", path);
      return;
    }
  if (res->total_cpus > procs->len)
    kerf_validate_report (ctx, "H4", kerf_validate_loc (res->total_cpus_loc, loc),
                          "check 'total' (CPUs may have been hot-unplugged since the baseline "
                          "was written)",
                          "total CPU count %u exceeds this machine's %u logical CPUs",
                          res->total_cpus, procs->len);

  used = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (res->host_reserved_cpus != NULL)
    g_array_append_vals (used, res->host_reserved_cpus->data, res->host_reserved_cpus->len);
  if (res->available_cpus != NULL)
    g_array_append_vals (used, res->available_cpus->data, res->available_cpus->len);
  g_array_sort (used, u32_cmp);
  missing = kerf_u32_array_difference (used, procs);
  if (missing->len > 0)
    {
      g_autofree char *l = kerf_cpu_array_format (missing);
      g_autofree char *have = kerf_cpu_array_format (procs);
      g_autofree char *sugg = g_strdup_printf ("this machine has CPUs %s (CPUs may have been "
                                               "hot-unplugged since the baseline was written)",
                                               have);
      kerf_validate_report (ctx, "H5", loc, sugg,
                            "CPU%s %s of the baseline %s not exist on this machine",
                            missing->len == 1 ? "" : "s", l, missing->len == 1 ? "does" : "do");
    }
}

static void
check_memory (KerfValidateCtx *ctx)
{
  const KerfResources *res = ctx->res;
  const char *path = ctx->opts->iomem_path ? ctx->opts->iomem_path : "/proc/iomem";
  KerfLoc loc = kerf_validate_loc (res->pool_base_loc, res->memory_loc);
  gboolean readable;
  guint64 base = 0, end_incl = 0, size, pool_end;

  if (!read_iomem_pool (path, &readable, &base, &end_incl))
    {
      kerf_validate_report (ctx, "M7", loc,
                            "boot the host kernel with a multikernel memory pool, or skip the "
                            "host checks when validating for another machine",
                            "%s shows no '" POOL_NAME "'%s", path,
                            readable ? "" : " (the file cannot be read)");
      return;
    }
  if (base == 0 && end_incl == 0)
    return;   /* addresses hidden from unprivileged readers: nothing to compare */
  size = end_incl - base + 1;
  pool_end = res->pool_base + MIN (res->pool_bytes, G_MAXUINT64 - res->pool_base);

  if (res->pool_base != base)
    {
      g_autofree char *sugg = g_strdup_printf ("set 'memory-pool-base' to " HEX, base);
      kerf_validate_report (ctx, "M4", loc, sugg,
                            "memory pool base " HEX " does not match the multikernel pool in %s ("
                            HEX "-" HEX ")", res->pool_base, path, base, end_incl);
    }
  if (pool_end > end_incl + 1)
    {
      g_autofree char *over = kerf_size_format (pool_end - (end_incl + 1));
      g_autofree char *sugg = res->pool_base <= end_incl
          ? g_strdup_printf ("reduce 'memory-pool-bytes' to " HEX, end_incl + 1 - res->pool_base)
          : g_strdup_printf ("move the pool inside " HEX "-" HEX, base, end_incl);
      kerf_validate_report (ctx, "M5", kerf_validate_loc (res->pool_bytes_loc, loc), sugg,
                            "memory pool " HEX "-" HEX " extends %s beyond the multikernel pool "
                            "reserved in %s (" HEX "-" HEX ")", res->pool_base, pool_end - 1, over,
                            path, base, end_incl);
    }
  if (res->pool_bytes > size)
    {
      g_autofree char *want = kerf_size_format (res->pool_bytes);
      g_autofree char *have = kerf_size_format (size);
      g_autofree char *sugg = g_strdup_printf ("set 'memory-pool-bytes' to at most " HEX, size);
      kerf_validate_report (ctx, "M6", kerf_validate_loc (res->pool_bytes_loc, loc), sugg,
                            "memory pool size %s is larger than the multikernel pool reserved in "
                            "%s (%s)", want, path, have);
    }
}

void
kerf_validate_host (KerfValidateCtx *ctx)
{
  check_cpus (ctx);
  check_memory (ctx);
}
