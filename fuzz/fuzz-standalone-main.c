/* fuzz-standalone-main.c — runs a fuzz target once per file, no libFuzzer.
 *
 * Links with any fuzz-*.c so that saved crash reproducers and the seed
 * corpus run as ordinary regression tests in every build (gcc, ASan,
 * valgrind).  Arguments are files or directories (every regular file in a
 * directory, sorted).  Prints TAP: one "ok" per input; a bug aborts. */
#include "config.h"

#include <glib.h>
#include "fuzz-common.h"

static guint n_run;

static void
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      printf ("not ok %u - %s: %s\n", ++n_run, path, error->message);
      return;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  printf ("ok %u - %s\n", ++n_run, path);
  fflush (stdout);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
run_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      printf ("not ok %u - cannot open %s\n", ++n_run, path);
      return;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (g_ptr_array_index (names, i), G_FILE_TEST_IS_REGULAR))
      run_file (g_ptr_array_index (names, i));
}

/* Targets without an initializer get this one (weak: a target's own
 * LLVMFuzzerInitialize wins at link time). */
__attribute__((weak)) int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc; (void) argv;
  return 0;
}

int
main (int argc, char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  /* An empty input, always: every parser's first edge case. */
  LLVMFuzzerTestOneInput ((const uint8_t *) "", 0);
  printf ("ok %u - empty input\n", ++n_run);
  printf ("1..%u\n", n_run);
  return 0;
}
