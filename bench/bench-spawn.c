/* bench-spawn — end-to-end times of commands, started from a small process.
 *
 *   bench-spawn ROUNDS CMD [ARG...] [-- CMD [ARG...]]...
 *
 * Runs each command once per round, in turn (a busy neighbour slows all
 * alike), stdout and stderr to /dev/null, and prints one line per command:
 * "MEDIAN_WALL_S MEDIAN_CPU_S" (CPU = user + system of the child).
 *
 * Why not Python's subprocess: started from the benchmark's Python
 * process, which has GLib, dbus and dbusmock loaded, even /bin/true takes
 * about a millisecond longer than from a shell.  A CLI's end-to-end time is
 * what a person's shell sees, so the commands are started with
 * posix_spawn from this small program; the references (/bin/true, the
 * minimal GLib client) are timed the same way in the same rounds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static double
median (double *v, int n)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* One run of argv; FALSE when it cannot start or does not exit 0. */
static int
run_once (char **argv, double *wall, double *cpu)
{
  posix_spawn_file_actions_t actions;
  struct rusage ru;
  double t0;
  pid_t pid;
  int status, rc;

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  t0 = now ();
  rc = posix_spawn (&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&actions);
  if (rc != 0)
    {
      fprintf (stderr, "bench-spawn: %s: %s\n", argv[0], strerror (rc));
      return 0;
    }
  while (wait4 (pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      return 0;
  *wall = now () - t0;
  *cpu = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
         (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "bench-spawn: %s did not exit 0\n", argv[0]);
      return 0;
    }
  return 1;
}

int
main (int argc, char **argv)
{
  char **cmds[64];
  int n_cmds = 0, rounds;
  double *walls, *cpus;

  if (argc < 3 || (rounds = atoi (argv[1])) < 1)
    {
      fprintf (stderr, "usage: bench-spawn ROUNDS CMD [ARG...] [-- CMD [ARG...]]...\n");
      return 2;
    }
  /* split argv[2..] at "--" into NULL-terminated command vectors */
  cmds[n_cmds++] = &argv[2];
  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], "--") == 0)
      {
        argv[i] = NULL;
        if (i + 1 >= argc || n_cmds == 64)
          {
            fprintf (stderr, "bench-spawn: an empty command, or more than 64\n");
            return 2;
          }
        cmds[n_cmds++] = &argv[i + 1];
      }
  walls = calloc ((size_t) (n_cmds * rounds), sizeof *walls);
  cpus = calloc ((size_t) (n_cmds * rounds), sizeof *cpus);
  if (walls == NULL || cpus == NULL)
    return 1;
  for (int r = 0; r < rounds; r++)
    for (int c = 0; c < n_cmds; c++)
      if (!run_once (cmds[c], &walls[c * rounds + r], &cpus[c * rounds + r]))
        return 1;
  for (int c = 0; c < n_cmds; c++)
    printf ("%.6f %.6f\n", median (&walls[c * rounds], rounds), median (&cpus[c * rounds], rounds));
  free (walls);
  free (cpus);
  return 0;
}
