/* The emulated kernel's private state file across saves and restarts.
 *
 * A save keeps only a digest of what it wrote (not a copy of the file, nor
 * each transaction's text), streams the file into a temporary one renamed
 * over it, and a failed intake restores the pool and instances from a
 * snapshot that leaves the transactions alone.  These tests check what that
 * must not change: a reopened kernel is the same kernel, an unchanged state
 * is not written again, a failed overlay changes nothing but its own tx
 * counter and costs what a small change costs, and a temporary file left by
 * a crash is harmless. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "kerf-kernel-emulated.h"
#include "kerf-test-fdt.h"
#include "kerf-test-util.h"

#define MiB (1ULL << 20)
#define STATE_FILE ".kerf-emulated-state"

static guint
create (KerfKernel *k, const char *name, guint64 cpu)
{
  g_autoptr(GBytes) ov = test_overlay_create (name, 0, &cpu, 1, 2 * MiB);

  return kerf_test_apply_ok (k, ov);
}

/* A create whose CPU another instance holds: refused, and its tx_N gone. */
static void
create_fails (KerfKernel *k, const char *name, guint64 cpu)
{
  g_autoptr(GBytes) ov = test_overlay_create (name, 0, &cpu, 1, 2 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  guint tx = 0;

  g_assert_false (kerf_kernel_write_overlay (k, ov, &tx, &status, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpuint (tx, >, 0);
}

static void
put_blob (GString *out, const char *what, GBytes *blob)
{
  g_autofree char *sum = NULL;

  if (blob == NULL)
    {
      g_string_append_printf (out, "%s=none\n", what);
      return;
    }
  sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, blob);
  g_string_append_printf (out, "%s=%" G_GSIZE_FORMAT ":%s\n", what, g_bytes_get_size (blob),
                          sum);
}

/* Everything a caller can see of the kernel, as text to compare. */
static char *
describe (KerfKernel *k)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) txs = kerf_kernel_list_transactions (k, &error);
  g_autoptr(GPtrArray) insts = NULL;
  g_autoptr(GBytes) pool = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < txs->len; i++)
    {
      KerfKernelTransaction *t = g_ptr_array_index (txs, i);
      g_string_append_printf (out, "tx %u %s %s %s\n", t->id, t->status, t->instance,
                              t->resources);
      put_blob (out, "dtbo", t->dtbo);
    }
  insts = kerf_kernel_list_instances (k, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *inst = g_ptr_array_index (insts, i);
      g_string_append_printf (out, "instance %s %u %s\n", inst->name, inst->id, inst->status);
      put_blob (out, "device_tree", inst->device_tree);
    }
  pool = kerf_kernel_read_pool_tree (k, &error);
  g_assert_no_error (error);
  put_blob (out, "pool", pool);
  return g_string_free (out, FALSE);
}

/* A history of every kind of change (creates, a rollback, a failed create,
 * a remove, a loaded and a running instance) reads back the same after a
 * restart, and the restart writes nothing: the digest of the file read
 * equals that of the state it holds. */
static void
test_restart_identical (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *image_dir = kerf_test_make_tmp_dir ("kerf-emu-image-XXXXXX");
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GBytes) rm = test_overlay_remove ("c");
  g_autoptr(GBytes) state_before = NULL, state_after = NULL;
  g_autofree char *before = NULL, *after = NULL, *status = NULL;
  KerfEmuIoStats io;
  guint64 inode;
  guint tx_b, tx = 0;
  KerfKernel *k;
  int fd;

  k = kerf_test_emulated_new_tmp ("kerf-emu-save-XXXXXX", NULL, base, &dir);
  create (k, "a", 4);
  tx_b = create (k, "b", 5);
  create (k, "c", 6);
  create (k, "d", 7);
  create_fails (k, "e", 7);
  g_assert_true (kerf_kernel_rollback (k, tx_b, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kerf_kernel_write_overlay (k, rm, &tx, &status, &error));
  g_assert_no_error (error);
  fd = kerf_test_write_elf (image_dir, NULL);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (kerf_kernel_load (k, 1, fd, -1, "console=ttyS0 quiet", 0, &error));
  g_assert_no_error (error);
  close (fd);
  create (k, "f", 8);
  before = describe (k);
  g_assert_nonnull (strstr (before, "instance a 1 loaded"));
  g_assert_null (strstr (before, "instance b "));
  g_assert_null (strstr (before, "instance c "));
  kerf_kernel_free (k);

  state_before = kerf_test_read_bytes (dir, STATE_FILE);
  inode = kerf_test_inode_of (dir, STATE_FILE);
  k = kerf_test_emulated_open (dir, NULL);
  kerf_kernel_emulated_get_io_stats (k, &io);
  g_assert_cmpuint (io.fsyncs, ==, 0);
  g_assert_cmpuint (io.files_written, ==, 0);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (kerf_test_inode_of (dir, STATE_FILE), ==, inode);
  g_assert_false (kerf_test_exists (dir, "." STATE_FILE ".tmp"));

  /* the next change is saved, and a second restart reads it back */
  g_clear_pointer (&before, g_free);
  create (k, "g", 9);
  before = describe (k);
  kerf_kernel_free (k);
  state_after = kerf_test_read_bytes (dir, STATE_FILE);
  g_assert_false (g_bytes_equal (state_before, state_after));
  g_assert_cmpuint (kerf_test_inode_of (dir, STATE_FILE), !=, inode);
  k = kerf_test_emulated_open (dir, NULL);
  g_clear_pointer (&after, g_free);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
  kerf_test_rm_rf (image_dir);
}

/* A failed overlay restores the pool and instances and keeps every other
 * transaction as it was: what callers see is unchanged but for the tx
 * counter, and the save after it writes the state file (the counter moved)
 * and no instance's mirror files. */
static void
test_failed_overlay_restores (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autofree char *before = NULL, *after = NULL;
  KerfEmuIoStats io0, io1;
  guint64 inode_inst, inode_tx;
  guint last, next;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-save-XXXXXX", NULL, base, &dir);
  for (guint n = 0; n < 12; n++)
    {
      g_autofree char *name = g_strdup_printf ("i%u", n);
      last = create (k, name, 4 + n);
    }
  before = describe (k);
  inode_inst = kerf_test_inode_of (dir, "instances/i0/device_tree");
  inode_tx = kerf_test_inode_of (dir, "overlays/tx_1/dtbo");

  kerf_kernel_emulated_get_io_stats (k, &io0);
  create_fails (k, "x", 4);
  kerf_kernel_emulated_get_io_stats (k, &io1);
  g_assert_cmpuint (io1.fsyncs - io0.fsyncs, ==, 1);
  g_assert_cmpuint (io1.files_read - io0.files_read, ==, 0);
  g_assert_cmpuint (io1.files_written - io0.files_written, <=, 1 + 1);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (kerf_test_inode_of (dir, "instances/i0/device_tree"), ==, inode_inst);
  g_assert_cmpuint (kerf_test_inode_of (dir, "overlays/tx_1/dtbo"), ==, inode_tx);
  g_assert_false (kerf_test_exists (dir, "instances/x"));

  /* the failed transaction used up its id, as on the real kernel */
  next = create (k, "y", 30);
  g_assert_cmpuint (next, ==, last + 2);
  g_clear_pointer (&before, g_free);
  before = describe (k);
  kerf_kernel_free (k);

  k = kerf_test_emulated_open (dir, NULL);
  g_clear_pointer (&after, g_free);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (strstr (after, "instance y "));
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* A temporary state file left by a crash before its rename is not the
 * state: the open reads the real file, the next save replaces the leftover
 * and leaves no temporary file behind. */
static void
test_leftover_temp_file (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autofree char *before = NULL, *after = NULL;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-save-XXXXXX", NULL, base, &dir);
  create (k, "a", 4);
  before = describe (k);
  kerf_kernel_free (k);

  tmp = g_build_filename (dir, "." STATE_FILE ".tmp", NULL);
  g_assert_true (g_file_set_contents (tmp, "[kernel]\nhas-baseline=fal", -1, NULL));
  k = kerf_test_emulated_open (dir, NULL);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  create (k, "b", 5);
  g_assert_false (kerf_test_exists (dir, "." STATE_FILE ".tmp"));
  kerf_kernel_free (k);

  k = kerf_test_emulated_open (dir, NULL);
  g_clear_pointer (&after, g_free);
  after = describe (k);
  g_assert_nonnull (strstr (after, "instance b "));
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* A state file bigger than the save's stream buffer (many transactions)
 * is written whole: the reopened kernel has every transaction, and finds
 * the file equal to what it would write. */
static void
test_large_state_streamed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GBytes) state = NULL;
  g_autofree char *before = NULL, *after = NULL;
  KerfEmuIoStats io;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-save-XXXXXX", NULL, base, &dir);
  /* create and remove the same instance: the history grows, the pool not */
  for (guint n = 0; n < 200; n++)
    {
      g_autoptr(GBytes) rm = test_overlay_remove ("churn");
      g_autofree char *status = NULL;
      guint tx = 0;
      create (k, "churn", 4);
      g_assert_true (kerf_kernel_write_overlay (k, rm, &tx, &status, &error));
      g_assert_no_error (error);
    }
  before = describe (k);
  kerf_kernel_free (k);
  state = kerf_test_read_bytes (dir, STATE_FILE);
  g_assert_cmpuint (g_bytes_get_size (state), >, 3 * 64 * 1024);

  k = kerf_test_emulated_open (dir, NULL);
  /* compared chunk by chunk with the file in place: equal, not written */
  kerf_kernel_emulated_get_io_stats (k, &io);
  g_assert_cmpuint (io.fsyncs, ==, 0);
  g_assert_cmpuint (io.files_written, ==, 0);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  g_assert_nonnull (strstr (after, "tx 400 applied"));
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* A save compares what it would write with the file in place, byte for
 * byte: a file that reads as the same state but is not what the kernel
 * writes (a comment added by hand) is rewritten by the save of the open,
 * and that save is the only write. */
static void
test_compared_with_file (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GBytes) written = NULL, edited = NULL, rewritten = NULL;
  g_autofree char *before = NULL, *after = NULL, *text = NULL;
  KerfEmuIoStats io;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-save-XXXXXX", NULL, base, &dir);
  create (k, "a", 4);
  before = describe (k);
  kerf_kernel_free (k);

  written = kerf_test_read_bytes (dir, STATE_FILE);
  text = g_strdup_printf ("# edited\n%.*s", (int) g_bytes_get_size (written),
                          (const char *) g_bytes_get_data (written, NULL));
  path = g_build_filename (dir, STATE_FILE, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  edited = kerf_test_read_bytes (dir, STATE_FILE);
  g_assert_false (g_bytes_equal (edited, written));

  k = kerf_test_emulated_open (dir, NULL);
  kerf_kernel_emulated_get_io_stats (k, &io);
  g_assert_cmpuint (io.fsyncs, ==, 1);
  after = describe (k);
  g_assert_cmpstr (after, ==, before);
  rewritten = kerf_test_read_bytes (dir, STATE_FILE);
  g_assert_true (g_bytes_equal (rewritten, written));
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_unsetenv ("KERF_EMULATED_TEST_FAULT_FILE");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernel/emulated-save/restart-identical", test_restart_identical);
  g_test_add_func ("/kernel/emulated-save/failed-overlay-restores", test_failed_overlay_restores);
  g_test_add_func ("/kernel/emulated-save/leftover-temp-file", test_leftover_temp_file);
  g_test_add_func ("/kernel/emulated-save/large-state-streamed", test_large_state_streamed);
  g_test_add_func ("/kernel/emulated-save/compared-with-file", test_compared_with_file);
  return g_test_run ();
}
