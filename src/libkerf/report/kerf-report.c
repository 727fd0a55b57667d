/* kerf-report.c — resource report in text and JSON (see kerf-report.h).
 *
 * Both formats are computed from one summary, so they always agree.
 */
#include "config.h"

#include <string.h>

#include "kerf-report.h"
#include "kerf-alloc.h"
#include "kerf-json.h"

#define HEX "0x%" G_GINT64_MODIFIER "x"

typedef struct {
  guint32  id;
  GArray  *cpus;        /* borrowed */
  GArray  *free_cpus;   /* owned */
  guint64  base, size, allocated;
} NodeSummary;

typedef struct {
  const KerfDevice *dev;
  GArray  *used_vfs;    /* owned, sorted */
  GArray  *used_ns;
  GPtrArray *holders;   /* instance names holding the whole device */
} DeviceSummary;

typedef struct {
  const KerfModel     *state;
  const KerfResources *res;       /* may be NULL */
  GArray  *free_cpus;
  GArray  *allocated_cpus;
  GArray  *holes;                 /* (base, size) pairs */
  guint64  allocated_bytes;       /* union of instance ranges inside the pool */
  guint64  free_bytes;
  GArray  *nodes;                 /* NodeSummary */
  GArray  *devices;               /* DeviceSummary */
  guint    n_errors, n_warnings;
} Summary;

static gint
u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : (x > y ? 1 : 0);
}

static void
add_unique_sorted (GArray *arr, guint32 v)
{
  if (!kerf_u32_array_contains (arr, v))
    {
      g_array_append_val (arr, v);
      g_array_sort (arr, u32_cmp);
    }
}

static void
summary_init (Summary *s, const KerfModel *state, const KerfDiagList *diags)
{
  const KerfResources *res = state->resources;
  guint n_inst = state->instances ? state->instances->len : 0;

  memset (s, 0, sizeof *s);
  s->state = state;
  s->res = res;
  s->free_cpus = kerf_alloc_free_cpus (state, NULL);
  s->allocated_cpus = kerf_u32_array_difference (res ? res->available_cpus : NULL, s->free_cpus);
  s->holes = kerf_alloc_free_memory (state, NULL);
  s->nodes = g_array_new (FALSE, TRUE, sizeof (NodeSummary));
  s->devices = g_array_new (FALSE, TRUE, sizeof (DeviceSummary));
  if (diags != NULL)
    {
      s->n_errors = kerf_diag_list_n_errors (diags);
      s->n_warnings = kerf_diag_list_n_warnings (diags);
    }
  if (res == NULL)
    return;

  for (guint i = 0; i + 1 < s->holes->len; i += 2)
    s->free_bytes += g_array_index (s->holes, guint64, i + 1);
  s->allocated_bytes = res->pool_bytes - MIN (s->free_bytes, res->pool_bytes);

  for (guint i = 0; res->numa_nodes != NULL && i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      NodeSummary ns = { node->id, node->cpus, NULL, node->memory_base, node->memory_size, 0 };
      guint64 node_end = node->memory_base + MIN (node->memory_size, G_MAXUINT64 - node->memory_base);

      ns.free_cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (guint k = 0; k < s->free_cpus->len; k++)
        if (kerf_u32_array_contains (node->cpus, g_array_index (s->free_cpus, guint32, k)))
          g_array_append_val (ns.free_cpus, g_array_index (s->free_cpus, guint32, k));
      /* allocated = the node's share of the pool minus its share of the holes */
      {
        guint64 pool_end = res->pool_base + MIN (res->pool_bytes, G_MAXUINT64 - res->pool_base);
        guint64 lo = MAX (node->memory_base, res->pool_base), hi = MIN (node_end, pool_end);
        guint64 in_pool = hi > lo ? hi - lo : 0, free_in = 0;

        for (guint h = 0; h + 1 < s->holes->len; h += 2)
          {
            guint64 hb = g_array_index (s->holes, guint64, h);
            guint64 he = hb + g_array_index (s->holes, guint64, h + 1);
            guint64 a = MAX (hb, lo), b = MIN (he, hi);
            if (b > a)
              free_in += b - a;
          }
        ns.allocated = in_pool - MIN (free_in, in_pool);
      }
      g_array_append_val (s->nodes, ns);
    }

  for (guint i = 0; res->devices != NULL && i < res->devices->len; i++)
    {
      DeviceSummary ds = { g_ptr_array_index (res->devices, i),
                           g_array_new (FALSE, FALSE, sizeof (guint32)),
                           g_array_new (FALSE, FALSE, sizeof (guint32)),
                           g_ptr_array_new () };
      g_array_append_val (s->devices, ds);
    }
  for (guint i = 0; i < n_inst; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (state->instances, i);

      for (guint k = 0; inst->devices != NULL && k < inst->devices->len; k++)
        {
          const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, k);

          for (guint d = 0; d < s->devices->len; d++)
            {
              DeviceSummary *ds = &g_array_index (s->devices, DeviceSummary, d);

              if (g_strcmp0 (ds->dev->name, ref->device) != 0)
                continue;
              if (ref->kind == KERF_DEVICE_REF_VF)
                add_unique_sorted (ds->used_vfs, ref->index);
              else if (ref->kind == KERF_DEVICE_REF_NAMESPACE)
                add_unique_sorted (ds->used_ns, ref->index);
              else
                g_ptr_array_add (ds->holders, inst->name);
              break;
            }
        }
    }
}

static void
summary_clear (Summary *s)
{
  for (guint i = 0; i < s->nodes->len; i++)
    g_array_unref (g_array_index (s->nodes, NodeSummary, i).free_cpus);
  for (guint i = 0; i < s->devices->len; i++)
    {
      DeviceSummary *ds = &g_array_index (s->devices, DeviceSummary, i);
      g_array_unref (ds->used_vfs);
      g_array_unref (ds->used_ns);
      g_ptr_array_unref (ds->holders);
    }
  g_array_unref (s->nodes);
  g_array_unref (s->devices);
  g_array_unref (s->free_cpus);
  g_array_unref (s->allocated_cpus);
  g_array_unref (s->holes);
}

static double
pct (guint64 part, guint64 whole)
{
  return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

static char *
cpus_or_none (const GArray *cpus)
{
  return cpus == NULL || cpus->len == 0 ? g_strdup ("-") : kerf_cpu_array_format (cpus);
}

static void
text_devices_of (GString *out, const KerfInstance *inst)
{
  if (inst->devices == NULL || inst->devices->len == 0)
    {
      g_string_append (out, "-");
      return;
    }
  for (guint k = 0; k < inst->devices->len; k++)
    g_string_append_printf (out, "%s%s", k ? "," : "",
                            ((const KerfDeviceRef *) g_ptr_array_index (inst->devices, k))->name);
}

char *
kerf_report_text (const KerfModel *state, const KerfDiagList *diags)
{
  GString *out = g_string_new (NULL);
  Summary s;
  guint n_inst;

  g_return_val_if_fail (state != NULL, NULL);

  summary_init (&s, state, diags);
  n_inst = state->instances ? state->instances->len : 0;

  g_string_append (out, "Multikernel resource report\n===========================\n");
  if (state->source_name)
    g_string_append_printf (out, "Source: %s\n", state->source_name);
  g_string_append_printf (out, "Status: %s (%u error%s, %u warning%s)\n",
                          s.n_errors ? "INVALID" : "valid", s.n_errors, s.n_errors == 1 ? "" : "s",
                          s.n_warnings, s.n_warnings == 1 ? "" : "s");

  if (s.res == NULL)
    g_string_append (out, "\nNo hardware resources are described.\n");
  else
    {
      const KerfResources *res = s.res;
      guint n_pool = res->available_cpus ? res->available_cpus->len : 0;
      guint n_hr = res->host_reserved_cpus ? res->host_reserved_cpus->len : 0;
      g_autofree char *hr = cpus_or_none (res->host_reserved_cpus);
      g_autofree char *pool = cpus_or_none (res->available_cpus);
      g_autofree char *alloc = cpus_or_none (s.allocated_cpus);
      g_autofree char *fr = cpus_or_none (s.free_cpus);
      g_autofree char *t_b = kerf_size_format (res->total_bytes);
      g_autofree char *hr_b = kerf_size_format (res->host_reserved_bytes);
      g_autofree char *p_b = kerf_size_format (res->pool_bytes);
      g_autofree char *a_b = kerf_size_format (s.allocated_bytes);
      g_autofree char *f_b = kerf_size_format (s.free_bytes);

      g_string_append_printf (out, "\nCPUs\n");
      g_string_append_printf (out, "  %-14s %6u\n", "total", res->total_cpus);
      g_string_append_printf (out, "  %-14s %6u  %s\n", "host-reserved", n_hr, hr);
      g_string_append_printf (out, "  %-14s %6u  %s\n", "pool", n_pool, pool);
      g_string_append_printf (out, "  %-14s %6u  %s (%.1f%% of the pool)\n", "allocated",
                              s.allocated_cpus->len, alloc, pct (s.allocated_cpus->len, n_pool));
      g_string_append_printf (out, "  %-14s %6u  %s\n", "free", s.free_cpus->len, fr);

      g_string_append_printf (out, "\nMemory\n");
      g_string_append_printf (out, "  %-14s %10s\n", "total", t_b);
      g_string_append_printf (out, "  %-14s %10s\n", "host-reserved", hr_b);
      g_string_append_printf (out, "  %-14s %10s  at " HEX "-" HEX "\n", "pool", p_b,
                              res->pool_base, res->pool_base + res->pool_bytes);
      g_string_append_printf (out, "  %-14s %10s  (%.1f%% of the pool)\n", "allocated", a_b,
                              pct (s.allocated_bytes, res->pool_bytes));
      g_string_append_printf (out, "  %-14s %10s  in %u range%s\n", "free", f_b,
                              s.holes->len / 2, s.holes->len == 2 ? "" : "s");
      for (guint h = 0; h + 1 < s.holes->len; h += 2)
        {
          guint64 b = g_array_index (s.holes, guint64, h), z = g_array_index (s.holes, guint64, h + 1);
          g_autofree char *zs = kerf_size_format (z);
          g_string_append_printf (out, "  %-14s %10s  at " HEX "-" HEX "\n", "", zs, b, b + z);
        }

      if (s.nodes->len > 0)
        {
          g_string_append (out, "\nNUMA nodes\n");
          for (guint i = 0; i < s.nodes->len; i++)
            {
              const NodeSummary *ns = &g_array_index (s.nodes, NodeSummary, i);
              g_autofree char *c = cpus_or_none (ns->cpus);
              g_autofree char *f = cpus_or_none (ns->free_cpus);
              g_autofree char *m = kerf_size_format (ns->size);
              g_autofree char *a = kerf_size_format (ns->allocated);

              g_string_append_printf (out, "  node %u: CPUs %s (free %s); memory %s at " HEX "-"
                                      HEX ", %s allocated\n", ns->id, c, f, m, ns->base,
                                      ns->base + ns->size, a);
            }
        }

      g_string_append_printf (out, "\nDevices: %u\n", s.devices->len);
      for (guint i = 0; i < s.devices->len; i++)
        {
          const DeviceSummary *ds = &g_array_index (s.devices, DeviceSummary, i);
          const KerfDevice *dev = ds->dev;

          g_string_append_printf (out, "  %s", dev->name);
          if (dev->compatible)
            g_string_append_printf (out, " (%s)", dev->compatible);
          if (dev->pci_id)
            g_string_append_printf (out, " pci %s", dev->pci_id);
          if (dev->host_reserved)
            g_string_append (out, " host-reserved");
          if (ds->holders->len > 0)
            {
              g_string_append (out, " assigned to ");
              for (guint k = 0; k < ds->holders->len; k++)
                g_string_append_printf (out, "%s%s", k ? "," : "",
                                        (const char *) g_ptr_array_index (ds->holders, k));
            }
          if (dev->sriov_vfs > 0 || (dev->available_vfs && dev->available_vfs->len))
            {
              g_autoptr(GArray) fv = kerf_u32_array_difference (dev->available_vfs, ds->used_vfs);
              g_autofree char *u = cpus_or_none (ds->used_vfs);
              g_autofree char *f = cpus_or_none (fv);
              g_string_append_printf (out, "; VFs: %u total, %u available, allocated %s, free %s",
                                      dev->sriov_vfs, dev->available_vfs ? dev->available_vfs->len : 0,
                                      u, f);
            }
          if (dev->namespaces > 0 || (dev->available_ns && dev->available_ns->len))
            {
              g_autoptr(GArray) fn = kerf_u32_array_difference (dev->available_ns, ds->used_ns);
              g_autofree char *u = cpus_or_none (ds->used_ns);
              g_autofree char *f = cpus_or_none (fn);
              g_string_append_printf (out, "; namespaces: %u total, %u available, allocated %s, "
                                      "free %s", dev->namespaces,
                                      dev->available_ns ? dev->available_ns->len : 0, u, f);
            }
          g_string_append_c (out, '\n');
        }
    }

  g_string_append_printf (out, "\nInstances: %u\n", n_inst);
  if (n_inst > 0)
    {
      int w = 4;

      for (guint i = 0; i < n_inst; i++)
        {
          const KerfInstance *inst = g_ptr_array_index (state->instances, i);
          w = MAX (w, (int) strlen (inst->name ? inst->name : ""));
        }
      g_string_append_printf (out, "  %-*s  %5s  %-12s  %-10s  %-18s  %s\n", w, "name", "id",
                              "cpus", "memory", "base", "devices");
      for (guint i = 0; i < n_inst; i++)
        {
          const KerfInstance *inst = g_ptr_array_index (state->instances, i);
          g_autofree char *c = cpus_or_none (inst->cpus);
          g_autofree char *m = kerf_size_format (inst->memory_bytes);
          g_autofree char *id = inst->id ? g_strdup_printf ("%u", inst->id) : g_strdup ("auto");
          g_autofree char *b = g_strdup_printf (HEX, inst->memory_base);

          g_string_append_printf (out, "  %-*s  %5s  %-12s  %-10s  %-18s  ", w,
                                  inst->name ? inst->name : "", id, c, m, b);
          text_devices_of (out, inst);
          g_string_append_c (out, '\n');
        }
    }

  if (diags != NULL && kerf_diag_list_length (diags) > 0)
    {
      g_string_append (out, "\nFindings\n");
      for (guint i = 0; i < kerf_diag_list_length (diags); i++)
        {
          const KerfDiag *d = kerf_diag_list_get (diags, i);
          g_autofree char *text = kerf_diag_format (d);
          g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

          /* kerf_diag_format's lines, indented, with the rule id a user can
           * look up after the first */
          for (guint l = 0; lines[l] != NULL; l++)
            {
              g_string_append_printf (out, "  %s", lines[l]);
              if (l == 0 && d->rule != NULL)
                g_string_append_printf (out, " [%s]", d->rule);
              g_string_append_c (out, '\n');
            }
        }
    }

  summary_clear (&s);
  return g_string_free (out, FALSE);
}

static void
json_ranges (KerfJson *j, const GArray *pairs)
{
  kerf_json_begin_array (j);
  for (guint h = 0; h + 1 < pairs->len; h += 2)
    {
      kerf_json_begin_object (j);
      kerf_json_key (j, "base");
      kerf_json_uint (j, g_array_index (pairs, guint64, h));
      kerf_json_key (j, "size");
      kerf_json_uint (j, g_array_index (pairs, guint64, h + 1));
      kerf_json_end_object (j);
    }
  kerf_json_end_array (j);
}

static void
json_key_u32s (KerfJson *j, const char *key, const GArray *values)
{
  g_autoptr(GArray) empty = g_array_new (FALSE, FALSE, sizeof (guint32));

  kerf_json_key (j, key);
  kerf_json_u32_array (j, values ? values : empty);
}

static void
json_key_uint (KerfJson *j, const char *key, guint64 v)
{
  kerf_json_key (j, key);
  kerf_json_uint (j, v);
}

static void
json_key_string (KerfJson *j, const char *key, const char *v)
{
  kerf_json_key (j, key);
  kerf_json_string (j, v);
}

char *
kerf_report_json (const KerfModel *state, const KerfDiagList *diags, gboolean pretty)
{
  KerfJson *j;
  Summary s;
  guint n_inst;

  g_return_val_if_fail (state != NULL, NULL);

  summary_init (&s, state, diags);
  n_inst = state->instances ? state->instances->len : 0;
  j = kerf_json_new (pretty);
  kerf_json_begin_object (j);
  json_key_string (j, "status", s.n_errors ? "invalid" : "valid");
  json_key_string (j, "source", state->source_name);
  json_key_uint (j, "errors", s.n_errors);
  json_key_uint (j, "warnings", s.n_warnings);

  kerf_json_key (j, "cpus");
  if (s.res == NULL)
    kerf_json_null (j);
  else
    {
      kerf_json_begin_object (j);
      json_key_uint (j, "total", s.res->total_cpus);
      json_key_u32s (j, "host_reserved", s.res->host_reserved_cpus);
      json_key_u32s (j, "pool", s.res->available_cpus);
      json_key_u32s (j, "allocated", s.allocated_cpus);
      json_key_u32s (j, "free", s.free_cpus);
      kerf_json_end_object (j);
    }

  kerf_json_key (j, "memory");
  if (s.res == NULL)
    kerf_json_null (j);
  else
    {
      kerf_json_begin_object (j);
      json_key_uint (j, "total_bytes", s.res->total_bytes);
      json_key_uint (j, "host_reserved_bytes", s.res->host_reserved_bytes);
      json_key_uint (j, "pool_base", s.res->pool_base);
      json_key_uint (j, "pool_bytes", s.res->pool_bytes);
      json_key_uint (j, "allocated_bytes", s.allocated_bytes);
      json_key_uint (j, "free_bytes", s.free_bytes);
      kerf_json_key (j, "free_ranges");
      json_ranges (j, s.holes);
      kerf_json_end_object (j);
    }

  kerf_json_key (j, "numa_nodes");
  kerf_json_begin_array (j);
  for (guint i = 0; i < s.nodes->len; i++)
    {
      const NodeSummary *ns = &g_array_index (s.nodes, NodeSummary, i);

      kerf_json_begin_object (j);
      json_key_uint (j, "id", ns->id);
      json_key_u32s (j, "cpus", ns->cpus);
      json_key_u32s (j, "free_cpus", ns->free_cpus);
      json_key_uint (j, "memory_base", ns->base);
      json_key_uint (j, "memory_size", ns->size);
      json_key_uint (j, "allocated_bytes", ns->allocated);
      kerf_json_end_object (j);
    }
  kerf_json_end_array (j);

  kerf_json_key (j, "devices");
  kerf_json_begin_array (j);
  for (guint i = 0; i < s.devices->len; i++)
    {
      const DeviceSummary *ds = &g_array_index (s.devices, DeviceSummary, i);
      const KerfDevice *dev = ds->dev;
      g_autoptr(GArray) fv = kerf_u32_array_difference (dev->available_vfs, ds->used_vfs);
      g_autoptr(GArray) fn = kerf_u32_array_difference (dev->available_ns, ds->used_ns);

      kerf_json_begin_object (j);
      json_key_string (j, "name", dev->name);
      json_key_string (j, "compatible", dev->compatible);
      json_key_string (j, "pci_id", dev->pci_id);
      kerf_json_key (j, "host_reserved");
      kerf_json_bool (j, dev->host_reserved);
      kerf_json_key (j, "assigned_to");
      kerf_json_begin_array (j);
      for (guint k = 0; k < ds->holders->len; k++)
        kerf_json_string (j, g_ptr_array_index (ds->holders, k));
      kerf_json_end_array (j);
      json_key_uint (j, "sriov_vfs", dev->sriov_vfs);
      json_key_u32s (j, "available_vfs", dev->available_vfs);
      json_key_u32s (j, "allocated_vfs", ds->used_vfs);
      json_key_u32s (j, "free_vfs", fv);
      json_key_uint (j, "namespaces", dev->namespaces);
      json_key_u32s (j, "available_ns", dev->available_ns);
      json_key_u32s (j, "allocated_ns", ds->used_ns);
      json_key_u32s (j, "free_ns", fn);
      kerf_json_end_object (j);
    }
  kerf_json_end_array (j);

  kerf_json_key (j, "instances");
  kerf_json_begin_array (j);
  for (guint i = 0; i < n_inst; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (state->instances, i);

      kerf_json_begin_object (j);
      json_key_string (j, "name", inst->name);
      kerf_json_key (j, "id");
      if (inst->id)
        kerf_json_uint (j, inst->id);
      else
        kerf_json_null (j);
      json_key_u32s (j, "cpus", inst->cpus);
      json_key_uint (j, "memory_base", inst->memory_base);
      json_key_uint (j, "memory_bytes", inst->memory_bytes);
      kerf_json_key (j, "devices");
      kerf_json_begin_array (j);
      for (guint k = 0; inst->devices != NULL && k < inst->devices->len; k++)
        kerf_json_string (j, ((const KerfDeviceRef *) g_ptr_array_index (inst->devices, k))->name);
      kerf_json_end_array (j);
      json_key_u32s (j, "numa_nodes", inst->numa_nodes);
      json_key_string (j, "cpu_affinity", kerf_cpu_affinity_to_string (inst->cpu_affinity));
      json_key_string (j, "memory_policy", kerf_memory_policy_to_string (inst->memory_policy));
      kerf_json_end_object (j);
    }
  kerf_json_end_array (j);

  kerf_json_key (j, "diagnostics");
  kerf_diag_list_write_json (diags, j);

  kerf_json_end_object (j);
  summary_clear (&s);
  return kerf_json_free_to_string (j);
}

char *
kerf_report_generate (const KerfModel           *state,
                      const KerfValidateOptions *opts,
                      KerfReportFormat           format,
                      gboolean                  *valid_out)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  gboolean valid;

  g_return_val_if_fail (state != NULL, NULL);

  valid = kerf_validate_state (state, opts, diags);
  if (valid_out != NULL)
    *valid_out = valid;
  if (format == KERF_REPORT_JSON)
    return kerf_report_json (state, diags, TRUE);
  return kerf_report_text (state, diags);
}
