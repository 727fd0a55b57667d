/* bench-alloc — the cost of placing and validating one more instance.
 *
 *   bench-alloc [--cpus 8192] [--devices 1024] [--sizes 10,100,1000] [--reps R]
 *
 * For each size N: the generated state of bench-state.h (8192 CPUs on 8
 * NUMA nodes, 1024 devices, N instances with a VF and a namespace each),
 * read by the model and checked by the validator (it must be valid).
 * Timed (median of R): what kerfd does for CreateInstance before it talks
 * to the kernel (kerfd-engine-ops.c) — kerf_alloc_cpus (4 CPUs, compact)
 * + kerf_alloc_memory (256 MiB, local) for one more instance with a free
 * VF, and kerf_validate_change of the whole resulting state (no host
 * checks).  Prints the time per operation and the growth factor from one
 * size to the next (the reference is the same work at the smaller size).
 * Targets: <= 5 ms at 1000 instances, near-linear growth (here: at most
 * 1.5 x the growth of N; the Python tool needs about 380 ms at 1000). */
#include "config.h"

#include <string.h>
#include <glib.h>
#include "kerf-alloc.h"
#include "kerf-validate.h"
#include "bench-util.h"
#include "bench-state.h"

static KerfModel *
make_state (guint n_cpus, guint n_devices, guint n_instances, const KerfValidateOptions *opts)
{
  BenchStateShape shape = { n_cpus, n_devices, n_instances, FALSE };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = bench_state_generate (&shape, &error);
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfModel *model;

  if (text == NULL)
    g_error ("bench-alloc: %s", error->message);
  model = kerf_model_from_data ("bench-state.dts", (const guint8 *) text, strlen (text), diags);
  if (model == NULL)
    g_error ("bench-alloc: the generated state does not load (%u errors)",
             kerf_diag_list_n_errors (diags));
  if (!kerf_validate_state (model, opts, diags) || model->instances->len != n_instances)
    g_error ("bench-alloc: the generated state with %u instances is not valid (%u errors)",
             n_instances, kerf_diag_list_n_errors (diags));
  kerf_diag_list_free (diags);
  return model;
}

/* One CreateInstance's core work.  Returns the new instance (not added).
 * `split` (may be NULL) gets the seconds of its three steps: CPUs, memory,
 * validation. */
static KerfInstance *
place_one (const KerfModel *model, const char *name, const KerfValidateOptions *opts,
           double split[3])
{
  g_autoptr(GError) error = NULL;
  KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
  KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;
  KerfInstance *inst = kerf_instance_new (name);
  KerfDiagList *diags = kerf_diag_list_new ();
  guint64 base;
  double t0 = bench_now (), t1, t2;

  inst->cpu_affinity = KERF_CPU_AFFINITY_COMPACT;
  inst->memory_policy = KERF_MEMORY_POLICY_LOCAL;
  inst->memory_bytes = BENCH_STATE_INSTANCE_BYTES;
  g_ptr_array_add (inst->devices, kerf_device_ref_new (BENCH_STATE_SPARE_VF));

  creq.cpu_count = BENCH_STATE_INSTANCE_CPUS;
  creq.affinity = inst->cpu_affinity;
  g_array_unref (inst->cpus);
  inst->cpus = kerf_alloc_cpus (model, &creq, &error);
  if (inst->cpus == NULL)
    g_error ("bench-alloc: %s", error->message);
  t1 = bench_now ();
  mreq.size = inst->memory_bytes;
  mreq.policy = inst->memory_policy;
  mreq.cpus = inst->cpus;
  if (!kerf_alloc_memory (model, &mreq, &base, &error))
    g_error ("bench-alloc: %s", error->message);
  inst->memory_base = base;
  t2 = bench_now ();
  if (!kerf_validate_change (model, inst, NULL, opts, diags))
    g_error ("bench-alloc: the placement of %s does not validate (%u errors)", name,
             kerf_diag_list_n_errors (diags));
  if (split != NULL)
    {
      split[0] = t1 - t0;
      split[1] = t2 - t1;
      split[2] = bench_now () - t2;
    }
  kerf_diag_list_free (diags);
  return inst;
}

int
main (int argc, char **argv)
{
  g_autofree char *sizes_arg = NULL;   /* GOption would overwrite a default without freeing it */
  gint reps = 51, n_cpus = 8192, n_devices = 1024;
  GOptionEntry entries[] = {
    { "cpus", 0, 0, G_OPTION_ARG_INT, &n_cpus, "CPUs of the state (multiple of 8)", "N" },
    { "devices", 0, 0, G_OPTION_ARG_INT, &n_devices, "Devices of the state (multiple of 16)", "N" },
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_arg, "Existing instance counts", "N,N,..." },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions (median)", "R" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- allocate + validate cost");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) sizes = NULL;
  KerfValidateOptions opts;
  double prev = 0;
  guint prev_n = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || reps < 1 || n_cpus < 0
      || n_devices < 0)
    {
      g_printerr ("bench-alloc: %s\n", error ? error->message : "bad --reps/--cpus/--devices");
      return 2;
    }
  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;   /* the machine's /proc is not the workload */

  g_print ("validate+allocate one more instance on %d CPUs, %d devices, median of %d:\n",
           n_cpus, n_devices, reps);
  sizes = g_strsplit (sizes_arg != NULL ? sizes_arg : "10,100,1000", ",", -1);
  for (guint k = 0; sizes[k] != NULL; k++)
    {
      guint n = (guint) g_ascii_strtoull (sizes[k], NULL, 10);
      g_autoptr(KerfModel) model = make_state ((guint) n_cpus, (guint) n_devices, n, &opts);
      g_autofree double *t = g_new0 (double, reps);
      g_autofree double *steps = g_new0 (double, 3 * (gsize) reps);
      double med, split[3];

      /* one untimed run: first-touch allocations are not the steady state */
      kerf_instance_free (place_one (model, "new", &opts, NULL));
      for (gint r = 0; r < reps; r++)
        {
          double t0 = bench_now ();
          KerfInstance *inst = place_one (model, "new", &opts, split);
          t[r] = bench_now () - t0;
          for (guint j = 0; j < 3; j++)
            steps[j * (gsize) reps + (gsize) r] = split[j];
          kerf_instance_free (inst);
        }
      med = bench_median (t, (guint) reps);
      g_print ("  %5u instances  %8.3f ms per operation", n, med * 1e3);
      if (n >= 1000)
        g_print ("   (target <= 5 ms: %s)", med <= 0.005 ? "met" : "MISSED");
      g_print ("\n         (medians: CPUs %.3f ms, memory %.3f ms, validation %.3f ms)\n",
               bench_median (steps, (guint) reps) * 1e3,
               bench_median (steps + reps, (guint) reps) * 1e3,
               bench_median (steps + 2 * reps, (guint) reps) * 1e3);
      if (prev_n > 0 && n > prev_n)
        {
          double growth = med / prev, linear = (double) n / prev_n;

          g_print ("  growth %u -> %u instances: x%.2f for x%.1f instances "
                   "(near-linear, <= x%.1f: %s)\n",
                   prev_n, n, growth, linear, 1.5 * linear,
                   growth <= 1.5 * linear ? "met" : "MISSED");
        }
      prev = med;
      prev_n = n;
    }
  return 0;
}
