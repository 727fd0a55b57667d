/* bench-util.h — timing helpers shared by kerf's benchmarks.
 *
 * Every benchmark prints its figures and a ratio against a reference it
 * measures in the same run, on the same machine, so the ratio (not the
 * absolute time) is what to compare between machines.  Times are the
 * median of several repetitions to shrug off a busy neighbour. */
#pragma once

#include <glib.h>

/* Monotonic clock in seconds (nanosecond resolution). */
double bench_now (void);
/* Median of `n` samples (sorts them in place). */
double bench_median (double *samples, guint n);
/* Runs argv (NULL-terminated) `reps` times with stdout/stderr to /dev/null;
 * returns the median wall time in seconds, or -1 when a run failed. */
double bench_time_command (const char *const *argv, guint reps);
/* Current resident set size of `pid` in KiB from
 * /proc/PID/status (VmRSS), -1 when unknown. */
gint64 bench_rss_kib (GPid pid);
