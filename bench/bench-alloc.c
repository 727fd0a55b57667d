/* bench-alloc — the cost of placing and validating one new instance.
 *
 *   bench-alloc [--sizes 10,100,1000] [--reps R]
 *
 * For each size N: a pool with N+64 CPUs and room for N+64 instances,
 * filled with N instances (1 CPU, 2 MiB each, placed by the allocator).
 * Timed (median of R): what kerfd does for CreateInstance before it talks
 * to the kernel — kerf_alloc_cpus + kerf_alloc_memory for one more instance
 * and kerf_validate_change of the whole resulting state (no host checks).
 * The reference is the same work at the smallest size: the ratio per
 * instance shows how close to linear it grows.  Target: <= 5 ms at 1000. */
#include "config.h"

#include <glib.h>
#include "kerf-alloc.h"
#include "kerf-validate.h"
#include "bench-util.h"

#define MiB (G_GUINT64_CONSTANT (1) << 20)

static KerfModel *
make_pool (guint n_instances)
{
  guint n_cpus = n_instances + 64 + 2;
  GString *s = g_string_new ("/multikernel-v1/;\n/ {\n\tcompatible = \"linux,multikernel-host\";\n"
                             "\tresources {\n\t\tcpus {\n");
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfModel *model;

  g_string_append_printf (s, "\t\t\ttotal = <%u>;\n\t\t\thost-reserved = <0 1>;\n"
                             "\t\t\tavailable = <", n_cpus);
  for (guint c = 2; c < n_cpus; c++)
    g_string_append_printf (s, "%s%u", c > 2 ? " " : "", c);
  g_string_append (s, ">;\n\t\t};\n\t\tmemory {\n"
                      "\t\t\ttotal-bytes = <0x4 0x0>;\n"
                      "\t\t\thost-reserved-bytes = <0x0 0x40000000>;\n"
                      "\t\t\tmemory-pool-base = <0x0 0x40000000>;\n"
                      "\t\t\tmemory-pool-bytes = <0x3 0xc0000000>;\n"
                      "\t\t};\n\t};\n};\n");
  model = kerf_model_from_data ("bench-pool.dts", (const guint8 *) s->str, s->len, diags);
  if (model == NULL)
    g_error ("bench-alloc: generated pool does not load (%u errors)",
             kerf_diag_list_n_errors (diags));
  kerf_diag_list_free (diags);
  g_string_free (s, TRUE);
  return model;
}

/* One CreateInstance's core work.  Returns the new instance (not added). */
static KerfInstance *
place_one (const KerfModel *model, const char *name, const KerfValidateOptions *opts)
{
  g_autoptr(GError) error = NULL;
  KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
  KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;
  KerfInstance *inst = kerf_instance_new (name);
  KerfDiagList *diags = kerf_diag_list_new ();
  guint64 base;

  creq.cpu_count = 1;
  g_array_unref (inst->cpus);
  inst->cpus = kerf_alloc_cpus (model, &creq, &error);
  if (inst->cpus == NULL)
    g_error ("bench-alloc: %s", error->message);
  mreq.size = 2 * MiB;
  mreq.cpus = inst->cpus;
  if (!kerf_alloc_memory (model, &mreq, &base, &error))
    g_error ("bench-alloc: %s", error->message);
  inst->memory_base = base;
  inst->memory_bytes = 2 * MiB;
  if (!kerf_validate_change (model, inst, NULL, opts, diags))
    g_error ("bench-alloc: placement of %s does not validate", name);
  kerf_diag_list_free (diags);
  return inst;
}

int
main (int argc, char **argv)
{
  g_autofree char *sizes_arg = g_strdup ("10,100,1000");
  gint reps = 51;
  GOptionEntry entries[] = {
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes_arg, "Instance counts", "N,N,..." },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions (median)", "R" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- allocate + validate cost");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) sizes = NULL;
  KerfValidateOptions opts;
  double first = 0;
  guint first_n = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || reps < 1)
    {
      g_printerr ("bench-alloc: %s\n", error ? error->message : "bad --reps");
      return 2;
    }
  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;   /* the machine's /proc is not the workload */

  g_print ("validate+allocate one more instance, median of %d:\n", reps);
  sizes = g_strsplit (sizes_arg, ",", -1);
  for (guint k = 0; sizes[k] != NULL; k++)
    {
      guint n = (guint) g_ascii_strtoull (sizes[k], NULL, 10);
      g_autoptr(KerfModel) model = make_pool (n);
      g_autofree double *t = g_new0 (double, reps);
      double med;

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *name = g_strdup_printf ("inst%u", i);
          g_ptr_array_add (model->instances, place_one (model, name, &opts));
        }
      for (gint r = 0; r < reps; r++)
        {
          double t0 = bench_now ();
          KerfInstance *inst = place_one (model, "new", &opts);
          t[r] = bench_now () - t0;
          kerf_instance_free (inst);
        }
      med = bench_median (t, (guint) reps);
      if (first_n == 0)
        {
          first = med;
          first_n = n;
        }
      g_print ("  %5u instances  %8.3f ms   x%.1f of %u for x%.1f instances%s\n",
               n, med * 1e3, med / first, first_n, (double) n / first_n,
               n >= 1000 ? (med <= 0.005 ? "   (target <= 5 ms: met)" : "   (target <= 5 ms: MISSED)")
                         : "");
    }
  return 0;
}
