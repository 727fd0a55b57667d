#include "config.h"

#include <stdlib.h>
#include <time.h>
#include <gio/gio.h>
#include "bench-util.h"

double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
bench_median (double *samples, guint n)
{
  if (n == 0)
    return 0;
  qsort (samples, n, sizeof (double), cmp_double);
  return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double
bench_time_command (const char *const *argv, guint reps)
{
  g_autofree double *t = g_new0 (double, reps);

  for (guint i = 0; i < reps; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) p = NULL;
      double t0 = bench_now ();

      p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                   | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
      if (p == NULL || !g_subprocess_wait_check (p, NULL, &error))
        {
          g_printerr ("%s: %s\n", argv[0], error->message);
          return -1;
        }
      t[i] = bench_now () - t0;
    }
  return bench_median (t, reps);
}

gint64
bench_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, "VmRSS:")) == NULL)
    return -1;
  return g_ascii_strtoll (p + 6, NULL, 10);
}
