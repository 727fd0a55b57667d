/* kerf-validate.c — entry points, the rule catalogue, shared helpers. */
#include "config.h"

#include <stdarg.h>

#include "kerf-validate-private.h"

#define E KERF_SEVERITY_ERROR
#define W KERF_SEVERITY_WARNING

static const KerfValidateRule rules[] = {
  /* hardware inventory (seed global rule 4) */
  { "H0", E, "inventory", "the state must describe the hardware (/resources)" },
  { "H1", E, "inventory", "the total CPU count must be positive" },
  { "H2", E, "inventory", "the pool must hold at least one CPU" },
  { "H3", E, "inventory", "a CPU cannot be both host-reserved and available" },
  { "H8", E, "inventory", "host-reserved and available CPU ids must be below the total" },
  { "M1", E, "inventory", "total memory must be positive" },
  { "M2", E, "inventory", "the memory pool size must be positive" },
  { "M3", E, "inventory", "the memory pool must lie within total memory" },
  { "M8", E, "inventory", "host-reserved memory plus the pool must not exceed total memory" },
  { "M9", E, "inventory", "the memory pool base and size must be page aligned (4 KiB)" },
  { "DV1", E, "inventory", "VF ids must be below sriov-vfs and not both host-reserved and available" },
  { "DV2", E, "inventory", "namespace ids must be within 1..namespaces and not both host-reserved and available" },
  { "DV3", E, "inventory", "device names and PCI ids must be unique" },
  { "TP1", E, "topology", "NUMA node CPUs must exist (below the total)" },
  { "TP2", E, "topology", "a CPU belongs to at most one NUMA node" },
  { "TP3", E, "topology", "NUMA node memory ranges must not overlap" },
  { "TP4", W, "topology", "every pool CPU should belong to a NUMA node" },
  { "TP5", E, "topology", "a device's numa-node must exist in the topology" },
  /* global (seed global rules 1-3) */
  { "I1", E, "global", "instance names must be unique" },
  { "I2", E, "global", "instance ids must be unique" },
  { "I3", E, "global", "instance names: 1-63 of [A-Za-z0-9_.-], not starting with '.' or '-'" },
  { "I4", E, "global", "instance ids fit 11 bits (1-2047)" },
  { "R1", E, "global", "the instances' CPUs must not outnumber the pool" },
  { "R2", E, "global", "the instances' memory must not exceed the pool (seed memory rule 3)" },
  { "U1", W, "global", "pool CPUs left unallocated" },
  { "U2", W, "global", "pool memory left unallocated" },
  /* CPUs (seed CPU rules 1-4) */
  { "C1", E, "cpu", "an instance's CPUs must exist (0 .. total-1)" },
  { "C2", E, "cpu", "an instance's CPUs must be in the available pool, not host-reserved" },
  { "C3", E, "cpu", "a CPU belongs to at most one instance" },
  { "C4", E, "cpu", "an instance must enumerate at least one CPU" },
  /* memory (seed memory rules 1, 2, 4) */
  { "MA1", E, "memory", "an instance's memory must start inside the pool" },
  { "MA2", E, "memory", "an instance's memory must end inside the pool" },
  { "MA3", E, "memory", "an instance's memory base must be page aligned (4 KiB)" },
  { "MA4", E, "memory", "instances' memory regions must not overlap" },
  { "MA5", E, "memory", "an instance must have memory" },
  { "MA6", E, "memory", "an instance's memory size must be a whole number of pages (4 KiB)" },
  /* devices (seed device rules 1-5) */
  { "D1", E, "device", "a VF reference must name an existing device" },
  { "D2", E, "device", "a VF must be one of the device's available VFs" },
  { "D3", E, "device", "a namespace reference must name an existing device" },
  { "D4", E, "device", "a namespace must be one of the device's available namespaces" },
  { "D5", E, "device", "a device reference must name an existing device" },
  { "D6", E, "device", "a device, VF or namespace belongs to at most one instance" },
  { "D7", E, "device", "a host-reserved device cannot be given to an instance" },
  { "DR1", E, "device", "a device reference's parent must exist" },
  { "DR2", E, "device", "a device reference's VF must be available" },
  { "DR3", E, "device", "a device reference's namespace must be available" },
  /* topology policies */
  { "T1", E, "topology", "an instance's NUMA nodes must exist in the topology" },
  { "T2", W, "topology", "an instance's CPUs should be in its NUMA nodes" },
  { "T3", W, "topology", "compact affinity: CPUs should share one NUMA node" },
  { "T5", W, "topology", "spread affinity: CPUs should span several NUMA nodes" },
  { "T6", W, "topology", "local affinity: memory should be inside a NUMA node" },
  { "T7", W, "topology", "local affinity: memory should be on the CPUs' NUMA node" },
  { "T8", W, "topology", "local memory policy: memory should be inside a NUMA node" },
  { "T9", W, "topology", "local memory policy: memory should be on the CPUs' NUMA node" },
  { "T11", W, "topology", "bind memory policy needs NUMA nodes" },
  { "T12", W, "topology", "bind memory policy: memory should be inside the bound NUMA nodes" },
  { "T13", W, "topology", "NUMA settings need a topology in the baseline" },
  /* this machine (skippable) */
  { "H4", W, "host", "total CPUs should not exceed this machine's CPUs" },
  { "H5", W, "host", "the baseline's CPU ids should exist on this machine" },
  { "H7", W, "host", "/proc/cpuinfo should list the machine's CPUs" },
  { "M4", W, "host", "the pool base should match the multikernel pool in /proc/iomem" },
  { "M5", W, "host", "the pool should end inside the multikernel pool in /proc/iomem" },
  { "M6", W, "host", "the pool should not be larger than the multikernel pool in /proc/iomem" },
  { "M7", W, "host", "/proc/iomem should show the multikernel memory pool" },
};

#undef E
#undef W

const KerfValidateRule *
kerf_validate_rules (guint *n_rules)
{
  if (n_rules != NULL)
    *n_rules = G_N_ELEMENTS (rules);
  return rules;
}

const KerfValidateRule *
kerf_validate_rule_lookup (const char *id)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rules); i++)
    if (g_strcmp0 (rules[i].id, id) == 0)
      return &rules[i];
  return NULL;
}

void
kerf_validate_options_init (KerfValidateOptions *opts)
{
  g_return_if_fail (opts != NULL);
  opts->check_host = TRUE;
  opts->cpuinfo_path = NULL;
  opts->iomem_path = NULL;
  opts->advice = TRUE;
}

void
kerf_validate_report (KerfValidateCtx *ctx,
                      const char      *rule,
                      KerfLoc          loc,
                      const char      *suggestion,
                      const char      *format,
                      ...)
{
  const KerfValidateRule *r = kerf_validate_rule_lookup (rule);
  g_autofree char *message = NULL;
  va_list args;

  g_assert (r != NULL);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  kerf_diag_list_add (ctx->diags, r->severity, loc, rule, suggestion, "%s", message);
}

KerfLoc
kerf_validate_loc (KerfLoc loc, KerfLoc fallback)
{
  return loc.file != NULL || loc.line != 0 ? loc : fallback;
}

char *
kerf_validate_suggest_cpus (KerfValidateCtx *ctx, guint n, const char *what)
{
  return kerf_validate_suggest_cpus_after (ctx, 0, n, what);
}

char *
kerf_validate_suggest_cpus_after (KerfValidateCtx *ctx, guint skip, guint n, const char *what)
{
  g_autofree char *list = NULL;
  guint avail = ctx->free_cpus->len > skip ? ctx->free_cpus->len - skip : 0;
  guint k = MIN (n, avail);

  if (k == 0)
    return g_strdup_printf ("no pool CPU is free: %s, or free CPUs by changing another instance",
                            what);
  list = kerf_cpu_list_format ((const guint32 *) (const void *) ctx->free_cpus->data + skip, k);
  if (k < n)
    return g_strdup_printf ("only %u pool CPU%s free (%s): %s", k, k == 1 ? " is" : "s are",
                            list, what);
  return g_strdup_printf ("use free CPU%s %s instead", k == 1 ? "" : "s", list);
}

char *
kerf_validate_nodes_string (const GArray *nodes)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; nodes != NULL && i < nodes->len; i++)
    g_string_append_printf (s, "%s%u", i ? "," : "", g_array_index (nodes, guint32, i));
  return g_string_free (s, FALSE);
}

gboolean
kerf_validate_state (const KerfModel           *state,
                     const KerfValidateOptions *opts,
                     KerfDiagList              *diags)
{
  KerfValidateOptions defaults;
  KerfValidateCtx ctx = { 0 };
  guint errors_before;

  g_return_val_if_fail (state != NULL && diags != NULL, FALSE);

  if (opts == NULL)
    {
      kerf_validate_options_init (&defaults);
      opts = &defaults;
    }
  errors_before = kerf_diag_list_n_errors (diags);

  if (state->resources == NULL)
    {
      kerf_diag_list_add (diags, KERF_SEVERITY_ERROR,
                          kerf_loc_make (state->source_name, 0, 0), "H0",
                          "describe the hardware under /resources (cpus, memory, devices)",
                          "the state has no /resources: nothing to allocate from");
      return FALSE;
    }

  ctx.state = state;
  ctx.res = state->resources;
  ctx.opts = opts;
  ctx.diags = diags;
  ctx.free_cpus = kerf_alloc_free_cpus (state, NULL);
  ctx.node_map = kerf_cpu_node_map_new (state->resources);
  ctx.pool_chunks = kerf_resources_pool_chunks (state->resources);
  ctx.topology = state->resources->numa_nodes != NULL && state->resources->numa_nodes->len > 0;

  kerf_validate_inventory (&ctx);
  kerf_validate_topology (&ctx);
  kerf_validate_global (&ctx);
  kerf_validate_cpu (&ctx);
  kerf_validate_memory (&ctx);
  kerf_validate_device (&ctx);
  if (opts->check_host)
    kerf_validate_host (&ctx);

  g_array_unref (ctx.free_cpus);
  kerf_cpu_node_map_free (ctx.node_map);
  g_array_unref (ctx.pool_chunks);
  return kerf_diag_list_n_errors (diags) == errors_before;
}

gboolean
kerf_validate_change (const KerfModel           *state,
                      const KerfInstance        *instance,
                      const char                *remove,
                      const KerfValidateOptions *opts,
                      KerfDiagList              *diags)
{
  KerfModel view;
  g_autoptr(GPtrArray) instances = NULL;
  gboolean replaced = FALSE;
  guint n;

  g_return_val_if_fail (state != NULL && diags != NULL, FALSE);

  /* A shallow view: same resources and references, its own pointer array
   * of instances (borrowed, never freed here). */
  n = state->instances ? state->instances->len : 0;
  instances = g_ptr_array_sized_new (n + 1);
  for (guint i = 0; i < n; i++)
    {
      KerfInstance *inst = g_ptr_array_index (state->instances, i);

      if (remove != NULL && g_strcmp0 (inst->name, remove) == 0)
        continue;
      if (instance != NULL && !replaced && g_strcmp0 (inst->name, instance->name) == 0)
        {
          g_ptr_array_add (instances, (gpointer) instance);
          replaced = TRUE;
          continue;
        }
      g_ptr_array_add (instances, inst);
    }
  if (instance != NULL && !replaced)
    g_ptr_array_add (instances, (gpointer) instance);

  view = *state;
  view.instances = instances;
  return kerf_validate_state (&view, opts, diags);
}
