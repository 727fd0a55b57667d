/* The sysfs backend on a directory the emulated kernel plays: kernfs writes
 * and rmdir are routed to the emulated kernel, reads go to the files it
 * mirrors, exactly the layout of /sys/fs/multikernel. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "kerf-kernel-sysfs.h"
#include "kerf-kernel-emulated.h"
#include "kerf-test-fdt.h"
#include "kerf-test-util.h"

#define GiB (1ULL << 30)

typedef struct {
  char       *dir;
  KerfKernel *emu;       /* plays the kernel */
  KerfKernel *sysfs;     /* under test */
  GBytes     *decoy;     /* written by "another process" right after ours */
  guint       n_writes, n_rmdirs;
} Fixture;

static const char *
rel (Fixture *f, const char *path)
{
  gsize n = strlen (f->dir);
  g_assert_true (strncmp (path, f->dir, n) == 0 && path[n] == '/');
  return path + n + 1;
}

static int
kernel_write (gpointer data, const char *path, const guint8 *buf, gsize len)
{
  Fixture *f = data;
  int err = kerf_kernel_emulated_write_file (f->emu, rel (f, path), buf, len);
  f->n_writes++;
  if (f->decoy != NULL)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (f->decoy, &n);
      (void) kerf_kernel_emulated_write_file (f->emu, "overlays/new", p, n);
      g_clear_pointer (&f->decoy, g_bytes_unref);
    }
  return err;
}

static int
kernel_rmdir (gpointer data, const char *path)
{
  Fixture *f = data;
  f->n_rmdirs++;
  return kerf_kernel_emulated_rmdir (f->emu, rel (f, path));
}

static const KerfSysfsOps kernel_ops = { kernel_write, kernel_rmdir };

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->emu = kerf_test_emulated_new_tmp ("kerf-sysfs-XXXXXX", NULL, NULL, &f->dir);
  f->sysfs = kerf_kernel_sysfs_new (f->dir, &error);
  g_assert_no_error (error);
  kerf_kernel_sysfs_set_ops (f->sysfs, &kernel_ops, f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  kerf_kernel_free (f->sysfs);
  kerf_kernel_free (f->emu);
  g_clear_pointer (&f->decoy, g_bytes_unref);
  kerf_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
init_pool (Fixture *f)
{
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GError) error = NULL;
  g_assert_true (kerf_kernel_write_baseline (f->sysfs, base, &error));
  g_assert_no_error (error);
}

static void
test_not_initialized (Fixture *f, gconstpointer d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, NULL, 0, GiB);
  guint tx = 42;

  g_assert_null (kerf_kernel_read_pool_tree (f->sysfs, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_false (kerf_kernel_write_overlay (f->sysfs, ov, &tx, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EPERM);
  g_assert_cmpuint (tx, ==, 1);
  g_assert_cmpuint (f->n_rmdirs, ==, 1);   /* the failed tx_1 was removed */
  {
    g_autofree char *p = g_build_filename (f->dir, "overlays", "tx_1", NULL);
    g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
  }
}

static void
test_pool_and_instances (Fixture *f, gconstpointer d)
{
  static const guint64 cpus[] = { 4, 5, 6, 7 };
  g_autoptr(GBytes) ov = test_overlay_create ("web", 3, cpus, 4, 2 * GiB);
  g_autoptr(GBytes) pool_emu = NULL, pool_sysfs = NULL;
  g_autoptr(GPtrArray) insts = NULL, txs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  KerfKernelInstance *inst;
  KerfKernelTransaction *tx;
  guint id;

  init_pool (f);
  g_assert_true (kerf_kernel_write_overlay (f->sysfs, ov, &id, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, 1);
  g_assert_cmpstr (status, ==, "applied");

  pool_emu = kerf_kernel_read_pool_tree (f->emu, NULL);
  pool_sysfs = kerf_kernel_read_pool_tree (f->sysfs, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (pool_emu, pool_sysfs));

  insts = kerf_kernel_list_instances (f->sysfs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (insts->len, ==, 1);
  inst = g_ptr_array_index (insts, 0);
  g_assert_cmpstr (inst->name, ==, "web");
  g_assert_cmpuint (inst->id, ==, 3);
  g_assert_cmpstr (inst->status, ==, "ready");
  g_assert_nonnull (inst->device_tree);

  txs = kerf_kernel_list_transactions (f->sysfs, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txs->len, ==, 1);
  tx = g_ptr_array_index (txs, 0);
  g_assert_cmpstr (tx->status, ==, "applied");
  g_assert_cmpstr (tx->instance, ==, "/instances");
  g_assert_cmpstr (tx->resources, ==, "unknown");
  g_assert_true (g_bytes_equal (tx->dtbo, ov));

  g_assert_true (kerf_kernel_rollback (f->sysfs, 1, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&insts, g_ptr_array_unref);
  insts = kerf_kernel_list_instances (f->sysfs, NULL);
  g_assert_cmpuint (insts->len, ==, 0);
  g_assert_false (kerf_kernel_rollback (f->sysfs, 1, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
}

/* Another writer's transaction lands right after ours, with a higher N:
 * ours is still found by directory diff + dtbo comparison. */
static void
test_own_transaction_not_highest (Fixture *f, gconstpointer d)
{
  static const guint64 a[] = { 4 }, b[] = { 5 };
  g_autoptr(GBytes) mine = test_overlay_create ("mine", 0, a, 1, GiB);
  g_autoptr(GError) error = NULL;
  guint id = 0;

  init_pool (f);
  f->decoy = test_overlay_create ("theirs", 0, b, 1, GiB);
  g_assert_true (kerf_kernel_write_overlay (f->sysfs, mine, &id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, 1);
  {
    g_autoptr(KerfKernelTransaction) t2 = kerf_kernel_get_transaction (f->sysfs, 2, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (t2->status, ==, "applied");
    g_assert_false (g_bytes_equal (t2->dtbo, mine));
  }
}

/* A refused overlay: errno reported, its failed tx_N found (not the decoy's)
 * and removed, the decoy's transaction left alone. */
static void
test_failed_overlay_removed (Fixture *f, gconstpointer d)
{
  static const guint64 host_cpu[] = { 1 }, ok_cpu[] = { 6 };
  g_autoptr(GBytes) bad = test_overlay_create ("bad", 0, host_cpu, 1, GiB);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) txs = NULL;
  guint id = 0;

  init_pool (f);
  f->decoy = test_overlay_create ("theirs", 0, ok_cpu, 1, GiB);
  g_assert_false (kerf_kernel_write_overlay (f->sysfs, bad, &id, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EBUSY);
  g_assert_nonnull (strstr (error->message, "tx_1"));
  g_assert_cmpuint (id, ==, 1);
  txs = kerf_kernel_list_transactions (f->sysfs, NULL);
  g_assert_cmpuint (txs->len, ==, 1);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->id, ==, 2);
}

/* Default ops on a plain directory: the one write() lands at offset 0 and
 * the kernel side (nobody here) creates no transaction. */
static void
test_plain_dir_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kerf-sysfs-XXXXXX", NULL);
  g_autofree char *odir = g_build_filename (dir, "overlays", NULL);
  g_autofree char *newp = g_build_filename (odir, "new", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfKernel) k = NULL;
  g_autoptr(GBytes) ov = test_overlay_remove ("x");
  g_autofree char *written = NULL;
  gsize len;
  guint id = 7;

  g_assert_cmpint (g_mkdir (odir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (newp, "previous content that is longer than the blob?", -1, NULL));
  k = kerf_kernel_sysfs_new (dir, &error);
  g_assert_no_error (error);
  g_assert_false (kerf_kernel_write_overlay (k, ov, &id, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR);
  g_assert_cmpuint (id, ==, 0);
  g_assert_true (g_file_get_contents (newp, &written, &len, NULL));
  g_assert_cmpmem (written, g_bytes_get_size (ov), g_bytes_get_data (ov, NULL), g_bytes_get_size (ov));
  g_unlink (newp);
  g_rmdir (odir);
  g_rmdir (dir);

  g_clear_error (&error);
  g_assert_null (kerf_kernel_sysfs_new ("/nonexistent/kerf-root", &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/kernel/sysfs/not-initialized", Fixture, NULL, setup, test_not_initialized, teardown);
  g_test_add ("/kernel/sysfs/pool-and-instances", Fixture, NULL, setup, test_pool_and_instances, teardown);
  g_test_add ("/kernel/sysfs/own-transaction-not-highest", Fixture, NULL, setup,
              test_own_transaction_not_highest, teardown);
  g_test_add ("/kernel/sysfs/failed-overlay-removed", Fixture, NULL, setup,
              test_failed_overlay_removed, teardown);
  g_test_add_func ("/kernel/sysfs/plain-dir-write", test_plain_dir_write);
  return g_test_run ();
}
