/* The emulated kernel's mirror directory: a transaction rewrites only what
 * it changed (a save used to rewrite, and fsync, the whole mirror: kerfd's
 * CreateInstance slowed down with every instance), and the mirror, which is
 * derived from the private state file, is rebuilt on open where it
 * disagrees with it.  "Not rewritten" is checked by inode: every write goes
 * to a temporary file renamed over the old one, so a rewritten file has a
 * new inode; the cost of a save by the backend's I/O counters. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "kerf-kernel-emulated.h"
#include "kerf-test-fdt.h"
#include "kerf-test-util.h"

#define MiB (1ULL << 20)

static void
assert_text (const char *dir, const char *rel, const char *want)
{
  g_autofree char *got = kerf_test_read_text (dir, rel);
  g_assert_cmpstr (got, ==, want);
}

static void
unlink_rel (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);
  g_assert_cmpint (g_unlink (p), ==, 0);
}

static void
mkdir_rel (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);
  g_assert_cmpint (g_mkdir (p, 0755), ==, 0);
}

/* No temporary file of a write is left anywhere. */
static void
assert_no_temp_files (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      g_assert_false (g_str_has_suffix (name, ".tmp"));
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        assert_no_temp_files (p);
    }
}

static guint
create (KerfKernel *k, const char *name, guint64 cpu)
{
  g_autoptr(GBytes) ov = test_overlay_create (name, 0, &cpu, 1, 2 * MiB);

  return kerf_test_apply_ok (k, ov);
}

static const char *const inst_files[] = { "id", "status", "device_tree", "device_tree_source" };
static const char *const tx_files[] = { "id", "status", "instance", "resources", "dtbo" };

static void
test_only_changes_written (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  guint64 inst_ino[G_N_ELEMENTS (inst_files)], tx_ino[G_N_ELEMENTS (tx_files)];
  guint64 pool_ino, state_ino;
  g_autofree char *status = NULL;
  guint tx_a, tx_rm = 0;

  /* 2 MiB, CPUs 4 and 5: instances a and b */
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-mirror-XXXXXX", NULL, base, &dir);
  tx_a = create (k, "a", 4);
  g_assert_cmpuint (tx_a, ==, 1);
  for (gsize i = 0; i < G_N_ELEMENTS (inst_files); i++)
    {
      g_autofree char *rel = g_build_filename ("instances", "a", inst_files[i], NULL);
      inst_ino[i] = kerf_test_inode_of (dir, rel);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tx_files); i++)
    {
      g_autofree char *rel = g_build_filename ("overlays", "tx_1", tx_files[i], NULL);
      tx_ino[i] = kerf_test_inode_of (dir, rel);
    }
  pool_ino = kerf_test_inode_of (dir, "device_tree");
  state_ino = kerf_test_inode_of (dir, ".kerf-emulated-state");

  /* another instance: a's files and tx_1 stay as they are; the pool tree
   * and the state file change */
  create (k, "b", 5);
  for (gsize i = 0; i < G_N_ELEMENTS (inst_files); i++)
    {
      g_autofree char *rel = g_build_filename ("instances", "a", inst_files[i], NULL);
      g_assert_cmpuint (kerf_test_inode_of (dir, rel), ==, inst_ino[i]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tx_files); i++)
    {
      g_autofree char *rel = g_build_filename ("overlays", "tx_1", tx_files[i], NULL);
      g_assert_cmpuint (kerf_test_inode_of (dir, rel), ==, tx_ino[i]);
    }
  g_assert_cmpuint (kerf_test_inode_of (dir, "device_tree"), !=, pool_ino);
  g_assert_cmpuint (kerf_test_inode_of (dir, ".kerf-emulated-state"), !=, state_ino);
  g_assert_true (kerf_test_exists (dir, "instances/b/device_tree_source"));
  g_assert_true (kerf_test_exists (dir, "overlays/tx_2/dtbo"));

  /* a failed write (a again: EEXIST) only adds its failed tx_3 */
  {
    guint64 cpu = 6;
    g_autoptr(GBytes) again = test_overlay_create ("a", 0, &cpu, 1, 2 * MiB);
    gsize len;
    const guint8 *p = g_bytes_get_data (again, &len);
    pool_ino = kerf_test_inode_of (dir, "device_tree");
    g_assert_cmpint (kerf_kernel_emulated_write_file (k, "overlays/new", p, len), <, 0);
    g_assert_cmpuint (kerf_test_inode_of (dir, "device_tree"), ==, pool_ino);
    g_assert_cmpuint (kerf_test_inode_of (dir, "instances/a/device_tree"), ==, inst_ino[2]);
    assert_text (dir, "overlays/tx_3/status", "failed\n");
    g_assert_cmpint (kerf_kernel_emulated_rmdir (k, "overlays/tx_3"), ==, 0);
    g_assert_false (kerf_test_exists (dir, "overlays/tx_3"));
  }

  /* removing b removes its directory */
  {
    g_autoptr(GBytes) ov = test_overlay_remove ("b");
    g_assert_true (kerf_kernel_write_overlay (k, ov, &tx_rm, &status, &error));
    g_assert_no_error (error);
    g_assert_false (kerf_test_exists (dir, "instances/b"));
    g_assert_true (kerf_test_exists (dir, "overlays/tx_4"));
  }
  /* rollback of a's creation removes it and its tx_1 */
  g_assert_cmpint (kerf_kernel_emulated_rmdir (k, "overlays/tx_1"), ==, 0);
  g_assert_false (kerf_test_exists (dir, "instances/a"));
  g_assert_false (kerf_test_exists (dir, "overlays/tx_1"));
  assert_no_temp_files (dir);
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* The mirror is derived: whatever happened to it (a crash between the state
 * file and the mirror, a person editing it), the open puts it right. */
static void
test_rebuilt_on_open (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autofree char *dts = NULL, *pool_before = NULL;
  gsize pool_len = 0;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-mirror-XXXXXX", NULL, base, &dir);
  create (k, "a", 4);
  dts = kerf_test_read_text (dir, "instances/a/device_tree_source");
  {
    g_autofree char *p = g_build_filename (dir, "device_tree", NULL);
    g_assert_true (g_file_get_contents (p, &pool_before, &pool_len, NULL));
  }
  kerf_kernel_free (k);

  kerf_test_write_text (dir, "instances/a/status", "active\n");
  kerf_test_write_text (dir, "instances/a/device_tree_source", "garbage");
  kerf_test_write_text (dir, "device_tree", "");
  unlink_rel (dir, "overlays/tx_1/dtbo");
  mkdir_rel (dir, "instances/ghost");
  kerf_test_write_text (dir, "instances/ghost/id", "9\n");
  mkdir_rel (dir, "overlays/tx_7");

  k = kerf_test_emulated_open (dir, NULL);
  assert_text (dir, "instances/a/status", "ready\n");
  assert_text (dir, "instances/a/device_tree_source", dts);
  g_assert_true (kerf_test_exists (dir, "overlays/tx_1/dtbo"));
  g_assert_false (kerf_test_exists (dir, "instances/ghost"));
  g_assert_false (kerf_test_exists (dir, "overlays/tx_7"));
  {
    g_autofree char *p = g_build_filename (dir, "device_tree", NULL);
    g_autofree char *pool = NULL;
    gsize len = 0;
    g_assert_true (g_file_get_contents (p, &pool, &len, NULL));
    g_assert_cmpmem (pool, len, pool_before, pool_len);
  }
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* What one create and one delete cost does not depend on how many
 * instances there are: one fsync (the private state file), the files of
 * the new tx_N, of the instance, device_tree and the state file, and no
 * mirror file read back.  Opening an unchanged directory writes nothing. */
static void
test_cost_independent_of_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  KerfEmuIoStats before, after;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-mirror-XXXXXX", NULL, base, &dir);
  for (guint n = 0; n < 24; n++)
    {
      g_autofree char *name = g_strdup_printf ("i%u", n);
      g_autoptr(GBytes) rm = test_overlay_remove ("probe");
      g_autofree char *status = NULL;
      guint tx = 0;

      if (n == 0 || n == 23)
        {
          /* create + delete of "probe", with 1 and with 24 instances */
          kerf_kernel_emulated_get_io_stats (k, &before);
          create (k, "probe", 31);
          kerf_kernel_emulated_get_io_stats (k, &after);
          g_assert_cmpuint (after.fsyncs - before.fsyncs, ==, 1);
          g_assert_cmpuint (after.files_read - before.files_read, ==, 0);
          g_assert_cmpuint (after.files_written - before.files_written, <=,
                            5 + 4 + 1 + 1);   /* tx_N, instance, device_tree, state */
          before = after;
          g_assert_true (kerf_kernel_write_overlay (k, rm, &tx, &status, &error));
          g_assert_no_error (error);
          kerf_kernel_emulated_get_io_stats (k, &after);
          g_assert_cmpuint (after.fsyncs - before.fsyncs, ==, 1);
          g_assert_cmpuint (after.files_read - before.files_read, ==, 0);
          g_assert_cmpuint (after.files_written - before.files_written, <=, 5 + 1 + 1);
        }
      create (k, name, 4 + n);
    }
  kerf_kernel_free (k);

  k = kerf_test_emulated_open (dir, NULL);
  kerf_kernel_emulated_get_io_stats (k, &after);
  g_assert_cmpuint (after.files_written, ==, 0);
  g_assert_cmpuint (after.fsyncs, ==, 0);
  g_assert_cmpuint (after.files_read, >, 24 * 4);   /* the open compared the mirror */
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernel/emulated-mirror/only-changes-written", test_only_changes_written);
  g_test_add_func ("/kernel/emulated-mirror/rebuilt-on-open", test_rebuilt_on_open);
  g_test_add_func ("/kernel/emulated-mirror/cost-independent-of-size",
                   test_cost_independent_of_size);
  return g_test_run ();
}
