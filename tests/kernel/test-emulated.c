/* The emulated kernel: every refusal, a full create/update/delete/rollback
 * sequence against golden trees, the load/exec/kill/unload state machine,
 * restart persistence and fault injection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "kerf-kernel-emulated.h"
#include "kerf-test-fdt.h"
#include "kerf-test-util.h"

#define GiB (1ULL << 30)

typedef struct {
  char       *dir;
  KerfKernel *k;
} Fixture;

static void
fixture_bare (Fixture *f, gconstpointer data)
{
  f->k = kerf_test_emulated_new_tmp ("kerf-emu-XXXXXX", NULL, NULL, &f->dir);
}

static void
fixture_init (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) base = test_baseline_default ();
  f->k = kerf_test_emulated_new_tmp ("kerf-emu-XXXXXX", NULL, base, &f->dir);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  kerf_kernel_free (f->k);
  kerf_test_rm_rf (f->dir);
  g_free (f->dir);
}

static guint
apply_ok (Fixture *f, GBytes *dtbo)
{
  return kerf_test_apply_ok (f->k, dtbo);
}

/* Applies an overlay that must be refused with `errnum` / `code`, and checks
 * that nothing changed: same pool tree, same transactions, same instances. */
static void
apply_refused (Fixture *f, GBytes *dtbo, int errnum, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = kerf_kernel_read_pool_tree (f->k, NULL);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GPtrArray) txs_before = kerf_kernel_list_transactions (f->k, NULL);
  g_autoptr(GPtrArray) txs_after = NULL;
  g_autoptr(GPtrArray) inst_before = kerf_kernel_list_instances (f->k, NULL);
  g_autoptr(GPtrArray) inst_after = NULL;
  guint tx = 99;

  g_assert_false (kerf_kernel_write_overlay (f->k, dtbo, &tx, NULL, &error));
  g_assert_error (error, KERF_ERROR, code);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, errnum);
  g_test_message ("refused as expected: %s", error->message);
  after = kerf_kernel_read_pool_tree (f->k, NULL);
  if (before != NULL)
    g_assert_true (g_bytes_equal (before, after));
  txs_after = kerf_kernel_list_transactions (f->k, NULL);
  g_assert_cmpuint (txs_before->len, ==, txs_after->len);   /* failed tx removed */
  inst_after = kerf_kernel_list_instances (f->k, NULL);
  g_assert_cmpuint (inst_before->len, ==, inst_after->len);
  for (guint i = 0; i < inst_after->len; i++)
    {
      KerfKernelInstance *a = g_ptr_array_index (inst_before, i);
      KerfKernelInstance *b = g_ptr_array_index (inst_after, i);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_true (g_bytes_equal (a->device_tree, b->device_tree));
    }
}

static const guint64 cpus_4_7[] = { 4, 5, 6, 7 };
static const guint64 cpus_8_11[] = { 8, 9, 10, 11 };

/* One fragment on /instances/NAME with one operation holding one item. */
static GBytes *
overlay_item (const char *target, const char *op, const char *item, const char *prop,
              const void *val, gsize len)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, target);
  test_fdt_begin (t, op);
  test_fdt_begin (t, item);
  test_fdt_raw (t, prop, val, len);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  return test_fdt_finish (t);
}

static GBytes *
overlay_mem (const char *target, const char *op, guint64 base, guint64 size)
{
  guint64 be[2] = { GUINT64_TO_BE (base), GUINT64_TO_BE (size) };
  return overlay_item (target, op, "memory@0", "reg", be, sizeof be);
}

static GBytes *
overlay_cpu (const char *target, const char *op, guint64 cpu)
{
  guint64 be = GUINT64_TO_BE (cpu);
  return overlay_item (target, op, "cpu@0", "reg", &be, sizeof be);
}

static GBytes *
overlay_dev (const char *target, const char *op, const char *pci_id)
{
  return overlay_item (target, op, "pci@0", "pci-id", pci_id, strlen (pci_id) + 1);
}

static void
create_web (Fixture *f)
{
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, cpus_4_7, 4, 2 * GiB);
  apply_ok (f, ov);
}

/* ---- refusals ---------------------------------------------------------- */

static void
test_refuse_no_baseline (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, cpus_4_7, 4, 2 * GiB);
  g_autoptr(GError) error = NULL;
  g_assert_null (kerf_kernel_read_pool_tree (f->k, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
  apply_refused (f, ov, EPERM, KERF_ERROR_NOT_INITIALIZED);
}

static void
test_refuse_baseline_twice (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GError) error = NULL;
  g_assert_false (kerf_kernel_write_baseline (f->k, base, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
}

/* Takes `base` (callers pass test_fdt_finish() directly). */
static void
expect_bad_baseline (Fixture *f, GBytes *base_owned)
{
  g_autoptr(GBytes) base = base_owned;
  g_autoptr(GError) error = NULL;
  g_assert_false (kerf_kernel_write_baseline (f->k, base, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EINVAL);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (kerf_kernel_read_pool_tree (f->k, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
}

static void
test_refuse_baseline_old_dialect (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  guint64 cpus[] = { 4, 5 };
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus, 2);
  test_fdt_u64 (t, "memory-base", 0x80000000);
  test_fdt_u64 (t, "memory-bytes", GiB);
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_baseline_u32_cpus (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  guint32 cpus[] = { GUINT32_TO_BE (4), GUINT32_TO_BE (5), GUINT32_TO_BE (6) };
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_raw (t, "cpus", cpus, sizeof cpus);
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_baseline_unknown_pci (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_begin (t, "devices");
  test_fdt_begin (t, "nic@0");
  test_fdt_string (t, "device-type", "pci");
  test_fdt_string (t, "pci-id", "0000:09:00.0");
  test_fdt_u32 (t, "vendor-id", 0x8086);
  test_fdt_u32 (t, "device-id", 0x1572);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_baseline_no_vendor (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_begin (t, "devices");
  test_fdt_begin (t, "nic@0");
  test_fdt_string (t, "device-type", "pci");
  test_fdt_string (t, "pci-id", "0000:01:00.0");
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_baseline_compatible (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_string (t, "compatible", "linux,multikernel-host");
  test_fdt_begin (t, "resources");
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_baseline_too_big (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_begin (t, "memory@0");
  test_fdt_u64 (t, "size", 15 * GiB);   /* 16 GiB RAM, 2 GiB for the host */
  test_fdt_end (t);
  test_fdt_end (t);
  expect_bad_baseline (f, test_fdt_finish (t));
}

static void
test_refuse_garbage_blob (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) junk = g_bytes_new_static ("not a device tree at all, sorry....................", 50);
  apply_refused (f, junk, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_bad_target (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = overlay_cpu ("/cpus", "cpu-add", 12);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_unknown_instance (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = overlay_cpu ("/instances/nope", "cpu-add", 12);
  apply_refused (f, ov, ENOENT, KERF_ERROR_NOT_FOUND);
}

static void
test_refuse_cpu_taken (Fixture *f, gconstpointer d)
{
  static const guint64 cpus[] = { 7, 8 };
  g_autoptr(GBytes) ov = test_overlay_create ("db", 2, cpus, 2, GiB);
  create_web (f);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_cpu_not_in_pool (Fixture *f, gconstpointer d)
{
  static const guint64 cpus[] = { 2 };   /* the host's */
  g_autoptr(GBytes) ov = test_overlay_create ("db", 2, cpus, 1, GiB);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_size_not_8_bytes (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", "db");
  test_fdt_begin (t, "resources");
  test_fdt_u32 (t, "memory-bytes", 0x40000000);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_size_unaligned (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("db", 2, NULL, 0, GiB + 100);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_pool_size_zero (Fixture *f, gconstpointer d)
{
  guint64 zero = 0;
  g_autoptr(GBytes) ov = overlay_item ("/resources", "memory-add", "memory@1", "size", &zero, 8);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_reg_not_16_bytes (Fixture *f, gconstpointer d)
{
  guint32 reg[3] = { 0, GUINT32_TO_BE (0x80000000), GUINT32_TO_BE (0x1000) };
  g_autoptr(GBytes) ov = NULL;
  create_web (f);
  ov = overlay_item ("/instances/web", "memory-add", "memory@0", "reg", reg, sizeof reg);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_numa_not_4_bytes (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  create_web (f);
  test_fdt_fragment_begin (t, 0, "/instances/web");
  test_fdt_begin (t, "cpu-add");
  test_fdt_begin (t, "cpu@12");
  test_fdt_u64 (t, "reg", 12);
  test_fdt_u64 (t, "numa-node-id", 0);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_numa_not_real (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  test_fdt_fragment_begin (t, 0, "/resources");
  test_fdt_begin (t, "memory-add");
  test_fdt_begin (t, "memory@1");
  test_fdt_u64 (t, "size", 0x1000);
  test_fdt_u32 (t, "numa-node-id", 5);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_duplicate_name (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("web", 2, cpus_8_11, 4, GiB);
  create_web (f);
  apply_refused (f, ov, EEXIST, KERF_ERROR_EXISTS);
}

static void
test_refuse_duplicate_id (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("db", 1, cpus_8_11, 4, GiB);
  create_web (f);
  apply_refused (f, ov, EEXIST, KERF_ERROR_EXISTS);
}

static void
test_refuse_memory_overlap (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) c = test_overlay_create ("db", 2, cpus_8_11, 4, 0);
  g_autoptr(GBytes) ov = overlay_mem ("/instances/db", "memory-add", 0xC0000000, GiB);
  create_web (f);   /* 0x80000000 + 2 GiB */
  apply_ok (f, c);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_memory_outside_pool (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) c = test_overlay_create ("db", 2, cpus_8_11, 4, 0);
  g_autoptr(GBytes) ov = overlay_mem ("/instances/db", "memory-add", 0x40000000, GiB);
  apply_ok (f, c);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_memory_exhausted (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("db", 2, cpus_8_11, 4, 15 * GiB);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_device_taken (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) c = test_overlay_create ("db", 2, cpus_8_11, 4, GiB);
  g_autoptr(GBytes) a = overlay_dev ("/instances/web", "device-add", "0000:01:00.0");
  g_autoptr(GBytes) b = overlay_dev ("/instances/db", "device-add", "0000:01:00.0");
  create_web (f);
  apply_ok (f, c);
  apply_ok (f, a);
  apply_refused (f, b, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_strand_parked_cpus (Fixture *f, gconstpointer d)
{
  /* Both chunks of the pool (node 0 and node 1) go: the CPUs would stay. */
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  test_fdt_fragment_begin (t, 0, "/resources");
  test_fdt_begin (t, "memory-remove");
  test_fdt_begin (t, "memory@0");
  test_fdt_reg (t, 0x80000000, 6 * GiB);
  test_fdt_end (t);
  test_fdt_begin (t, "memory@1");
  test_fdt_reg (t, 0x200000000, 8 * GiB);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static void
test_refuse_pool_chunk_in_use (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  create_web (f);
  /* The node-0 chunk holds web's memory. */
  test_fdt_fragment_begin (t, 0, "/resources");
  test_fdt_begin (t, "memory-remove");
  test_fdt_begin (t, "memory@0");
  test_fdt_reg (t, 0x80000000, 6 * GiB);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
}

static int
write_model (Fixture *f, GBytes *b)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (b, &n);
  return kerf_kernel_emulated_write_file (f->k, "overlays/new", p, n);
}

static char *
read_mirror (Fixture *f, const char *rel)
{
  g_autofree char *path = g_build_filename (f->dir, rel, NULL);
  char *data = NULL;
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  return g_strstrip (data);
}

/* Kernel level: a failed write leaves tx_N "failed" until rmdir, and the
 * transaction is whole or nothing (fragment@0 succeeded, fragment@1 not). */
static void
test_failed_tx_stays_until_rmdir (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  g_autoptr(GPtrArray) txs = NULL, insts = NULL;
  g_autofree char *st = NULL;
  KerfKernelTransaction *tx;

  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", "db");
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus_8_11, 4);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  test_fdt_fragment_begin (t, 1, "/instances/db");
  test_fdt_begin (t, "memory-add");
  test_fdt_begin (t, "memory@0");
  test_fdt_reg (t, 0x1000, 0x1000);    /* host memory: not free */
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);

  g_assert_cmpint (write_model (f, ov), ==, -EBUSY);
  txs = kerf_kernel_list_transactions (f->k, NULL);
  g_assert_cmpuint (txs->len, ==, 1);
  tx = g_ptr_array_index (txs, 0);
  g_assert_cmpstr (tx->status, ==, "failed");
  g_assert_cmpstr (tx->instance, ==, "/instances");
  g_assert_true (g_bytes_equal (tx->dtbo, ov));
  st = read_mirror (f, "overlays/tx_1/status");
  g_assert_cmpstr (st, ==, "failed");
  insts = kerf_kernel_list_instances (f->k, NULL);
  g_assert_cmpuint (insts->len, ==, 0);     /* fragment@0 was undone too */

  g_assert_cmpint (kerf_kernel_emulated_rmdir (f->k, "overlays/tx_1"), ==, 0);
  g_clear_pointer (&txs, g_ptr_array_unref);
  txs = kerf_kernel_list_transactions (f->k, NULL);
  g_assert_cmpuint (txs->len, ==, 0);
  {
    g_autofree char *p = g_build_filename (f->dir, "overlays", "tx_1", NULL);
    g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));   /* gone from the mirror too */
  }
  g_assert_cmpint (kerf_kernel_emulated_rmdir (f->k, "overlays/tx_1"), ==, -ENOENT);
}

/* Fragments run in ascending N whatever their order in the blob: the
 * memory-add of fragment@1 needs the instance fragment@0 creates. */
static void
test_fragments_ascending (Fixture *f, gconstpointer d)
{
  TestFdt *t = test_fdt_new ();
  g_autoptr(GBytes) ov = NULL;
  g_autoptr(GPtrArray) insts = NULL;
  g_autoptr(KerfKernelTransaction) tx = NULL;
  guint id;

  test_fdt_fragment_begin (t, 1, "/instances/db");
  test_fdt_begin (t, "memory-add");
  test_fdt_begin (t, "memory@0");
  test_fdt_reg (t, 0x100000000ULL, GiB);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", "db");
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus_8_11, 4);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  id = apply_ok (f, ov);
  tx = kerf_kernel_get_transaction (f->k, id, NULL);
  g_assert_cmpstr (tx->instance, ==, "/instances");   /* the first fragment's target */
  insts = kerf_kernel_list_instances (f->k, NULL);
  g_assert_cmpuint (insts->len, ==, 1);
  g_assert_cmpuint (((KerfKernelInstance *) g_ptr_array_index (insts, 0))->id, ==, 1);
}

/* libfdt 1.6.1 loops forever on a property length of 0xfffffff4: the
 * blob check must refuse it before any libfdt walker runs. */
static void
test_refuse_hostile_blob (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, cpus_4_7, 4, 2 * GiB);
  gsize n = g_bytes_get_size (ov);
  guint8 *raw = g_memdup2 (g_bytes_get_data (ov, NULL), n);
  g_autoptr(GBytes) bad = NULL;
  const guint8 *hit = memmem (raw, n, "/instances", 11);
  gsize off;

  g_assert_nonnull (hit);
  off = (gsize) (hit - raw);
  raw[off - 8] = 0xff; raw[off - 7] = 0xff; raw[off - 6] = 0xff; raw[off - 5] = 0xf4;
  bad = g_bytes_new_take (raw, n);
  apply_refused (f, bad, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_unknown_operation (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = overlay_cpu ("/instances", "cpu-add", 12);   /* not for /instances */
  g_autoptr(GBytes) ov2 = NULL;
  TestFdt *t = test_fdt_new ();
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
  create_web (f);
  test_fdt_fragment_begin (t, 0, "/instances/web");
  test_fdt_begin (t, "memory-resize");
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov2 = test_fdt_finish (t);
  apply_refused (f, ov2, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refuse_bad_instance_name (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("../etc", 0, NULL, 0, GiB);
  apply_refused (f, ov, EINVAL, KERF_ERROR_INVALID_ARGUMENT);
}

/* ---- golden sequence --------------------------------------------------- */

static char *
dtc_dts (GBytes *blob)
{
  g_autofree char *path = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("kerf-dtb-XXXXXX", &path, &error);
  const char *argv[] = { "dtc", "-q", "-I", "dtb", "-O", "dts", NULL, NULL };
  int status;

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (blob, NULL),
                                      (gssize) g_bytes_get_size (blob), NULL));
  argv[6] = path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_unlink (path);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

static void
assert_golden (GBytes *blob, const char *name)
{
  g_autofree char *dts = dtc_dts (blob);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "golden", name, NULL);
  g_autofree char *want = NULL;

  if (g_getenv ("KERF_UPDATE_GOLDEN") != NULL)
    g_assert_true (g_file_set_contents (path, dts, -1, NULL));
  g_assert_true (g_file_get_contents (path, &want, NULL, NULL));
  g_assert_cmpstr (dts, ==, want);
}

static GBytes *
instance_tree (Fixture *f, const char *name)
{
  g_autoptr(GPtrArray) insts = kerf_kernel_list_instances (f->k, NULL);
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *inst = g_ptr_array_index (insts, i);
      if (g_str_equal (inst->name, name))
        return g_bytes_ref (inst->device_tree);
    }
  g_assert_not_reached ();
}

static void
test_sequence_golden (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) pool0 = kerf_kernel_read_pool_tree (f->k, NULL);
  g_autoptr(GBytes) pool = NULL, web = NULL, db = NULL;
  g_autoptr(GBytes) c_db = NULL, up = NULL, tmp = NULL, rm_tmp = NULL, scratch = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  TestFdt *t;
  guint tx_scratch, tx_up;

  assert_golden (pool0, "pool-baseline.dts");

  /* web: auto-placed 2 GiB, lands at the start of the pool (0x80000000) */
  create_web (f);
  /* db: fixed base in one transaction (create, then memory-add) */
  t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", "db");
  test_fdt_u32 (t, "id", 5);
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus_8_11, 4);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  test_fdt_fragment_begin (t, 1, "/instances/db");
  test_fdt_begin (t, "memory-add");
  test_fdt_begin (t, "memory@100000000");
  test_fdt_reg (t, 0x100000000ULL, 4 * GiB);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "device-add");
  test_fdt_begin (t, "pci@0");
  test_fdt_string (t, "pci-id", "0000:02:00.0");
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  c_db = test_fdt_finish (t);
  apply_ok (f, c_db);

  /* update web: shrink by 1 GiB, CPU 7 -> 12, take eth0 */
  t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, "/instances/web");
  test_fdt_begin (t, "memory-remove");
  test_fdt_begin (t, "memory@c0000000");
  test_fdt_reg (t, 0xC0000000, GiB);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "cpu-remove");
  test_fdt_begin (t, "cpu@7");
  test_fdt_u64 (t, "reg", 7);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "cpu-add");
  test_fdt_begin (t, "cpu@c");
  test_fdt_u32 (t, "reg", 12);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "device-add");
  test_fdt_begin (t, "pci@0");
  test_fdt_string (t, "pci-id", "0000:01:00.0");
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  up = test_fdt_finish (t);
  tx_up = apply_ok (f, up);

  /* tmp: created (first fit: the GiB web gave back) and deleted again */
  {
    static const guint64 c[] = { 20 };
    tmp = test_overlay_create ("tmp", 0, c, 1, GiB);
  }
  apply_ok (f, tmp);
  {
    g_autoptr(GBytes) tmp_tree = instance_tree (f, "tmp");
    assert_golden (tmp_tree, "instance-tmp.dts");
  }
  rm_tmp = test_overlay_remove ("tmp");
  apply_ok (f, rm_tmp);

  /* scratch: created, then rolled back */
  {
    static const guint64 c[] = { 30, 31 };
    scratch = test_overlay_create ("scratch", 0, c, 2, 512 << 20);
  }
  tx_scratch = apply_ok (f, scratch);
  g_assert_true (kerf_kernel_rollback (f->k, tx_scratch, &warnings, &error));
  g_assert_no_error (error);
  g_assert_true (warnings == NULL || warnings[0] == NULL);

  pool = kerf_kernel_read_pool_tree (f->k, NULL);
  assert_golden (pool, "pool-after-sequence.dts");
  web = instance_tree (f, "web");
  assert_golden (web, "instance-web.dts");
  db = instance_tree (f, "db");
  assert_golden (db, "instance-db.dts");

  /* roll the update back: web has 2 GiB, CPUs 4-7 and no device again */
  g_assert_true (kerf_kernel_rollback (f->k, tx_up, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) web2 = instance_tree (f, "web");
    g_autofree char *dts = dtc_dts (web2);
    g_assert_nonnull (strstr (dts, "memory-bytes = <0x00 0x80000000>"));
    g_assert_nonnull (strstr (dts, "cpus = <0x00 0x04 0x00 0x05 0x00 0x06 0x00 0x07>"));
    g_assert_null (strstr (dts, "pci-id"));
  }
}

/* ---- rollback rules ---------------------------------------------------- */

static const char *
status_of (Fixture *f, const char *name)
{
  static char buf[32];
  g_autoptr(GPtrArray) insts = kerf_kernel_list_instances (f->k, NULL);
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *inst = g_ptr_array_index (insts, i);
      if (g_str_equal (inst->name, name))
        {
          g_strlcpy (buf, inst->status, sizeof buf);
          return buf;
        }
    }
  return "absent";
}

static void
test_refuse_rollback_active (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, cpus_4_7, 4, 2 * GiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint tx = apply_ok (f, ov);
  int fd = kerf_test_write_elf (f->dir, &path);

  g_assert_true (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  g_assert_true (kerf_kernel_exec (f->k, 1, &error));
  g_assert_no_error (error);
  g_assert_false (kerf_kernel_rollback (f->k, tx, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpstr (status_of (f, "web"), ==, "active");
  close (fd);
}

static void
test_refuse_remove_loaded (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) rm = test_overlay_remove ("web");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd;

  create_web (f);
  fd = kerf_test_write_elf (f->dir, &path);
  g_assert_true (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  g_assert_no_error (error);
  apply_refused (f, rm, EBUSY, KERF_ERROR_BUSY);
  close (fd);
}

static void
test_refuse_remove_unknown (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) rm = test_overlay_remove ("ghost");
  apply_refused (f, rm, ENOENT, KERF_ERROR_NOT_FOUND);
}

/* Undoing a delete whose resources were reused since warns instead. */
static void
test_rollback_warns_when_not_undoable (Fixture *f, gconstpointer d)
{
  g_autoptr(GBytes) rm = test_overlay_remove ("web");
  g_autoptr(GBytes) other = test_overlay_create ("other", 2, cpus_4_7, 4, GiB);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  guint tx_rm;

  create_web (f);
  tx_rm = apply_ok (f, rm);
  apply_ok (f, other);
  g_assert_true (kerf_kernel_rollback (f->k, tx_rm, &warnings, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warnings);
  g_assert_cmpuint (g_strv_length (warnings), >, 0);
  g_test_message ("%s", warnings[0]);
  g_assert_cmpstr (status_of (f, "other"), ==, "ready");
}

/* ---- life cycle --------------------------------------------------------- */

static void
test_lifecycle (Fixture *f, gconstpointer d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *st = NULL;
  int fd;

  create_web (f);
  fd = kerf_test_write_elf (f->dir, &path);
  g_assert_cmpstr (status_of (f, "web"), ==, "ready");

  g_assert_false (kerf_kernel_exec (f->k, 1, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);     /* ESRCH: nothing loaded */
  g_clear_error (&error);
  g_assert_false (kerf_kernel_kill (f->k, 1, KERF_KERNEL_KILL_HALT, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (kerf_kernel_load (f->k, 1, fd, -1, "console=ttyS0", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (status_of (f, "web"), ==, "loaded");
  st = read_mirror (f, "instances/web/status");
  g_assert_cmpstr (st, ==, "loaded");

  g_assert_false (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EBUSY);
  g_clear_error (&error);

  g_assert_true (kerf_kernel_exec (f->k, 1, &error));
  g_assert_cmpstr (status_of (f, "web"), ==, "active");
  g_assert_false (kerf_kernel_unload (f->k, 1, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_clear_error (&error);

  g_assert_true (kerf_kernel_kill (f->k, 1, KERF_KERNEL_KILL_HALT, &error));
  g_assert_cmpstr (status_of (f, "web"), ==, "loaded");
  g_assert_true (kerf_kernel_exec (f->k, 1, &error));               /* boots again */
  g_assert_true (kerf_kernel_kill (f->k, 1, KERF_KERNEL_KILL_FORCE, &error));
  g_assert_cmpstr (status_of (f, "web"), ==, "loaded");
  g_assert_true (kerf_kernel_kill (f->k, 1, KERF_KERNEL_KILL_FORCE, &error));  /* from loaded */
  g_assert_false (kerf_kernel_kill (f->k, 1, KERF_KERNEL_KILL_HALT, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (kerf_kernel_unload (f->k, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (status_of (f, "web"), ==, "ready");
  g_assert_false (kerf_kernel_unload (f->k, 1, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (kerf_kernel_load (f->k, 9, fd, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (kerf_kernel_load (f->k, 2048, fd, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  close (fd);
}

static void
test_load_formats (Fixture *f, gconstpointer d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bz = g_build_filename (f->dir, "bzImage", NULL);
  g_autofree char *img = g_build_filename (f->dir, "Image", NULL);
  g_autofree char *junk = g_build_filename (f->dir, "junk", NULL);
  guint8 buf[0x400] = { 0 };
  int fd;

  create_web (f);
  memset (buf, 0x41, sizeof buf);
  g_assert_true (g_file_set_contents (junk, (const char *) buf, sizeof buf, NULL));
  fd = open (junk, O_RDONLY);
  g_assert_false (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EINVAL);
  g_clear_error (&error);
  close (fd);
  g_assert_cmpstr (status_of (f, "web"), ==, "ready");

  memcpy (buf + 0x202, "HdrS", 4);
  g_assert_true (g_file_set_contents (bz, (const char *) buf, sizeof buf, NULL));
  fd = open (bz, O_RDONLY);
  g_assert_true (kerf_kernel_load (f->k, 1, fd, fd, NULL, KERF_KERNEL_LOAD_DEBUG, &error));
  g_assert_no_error (error);
  close (fd);
  g_assert_true (kerf_kernel_unload (f->k, 1, &error));

  memset (buf, 0, sizeof buf);
  memcpy (buf + 0x38, "ARM\x64", 4);
  g_assert_true (g_file_set_contents (img, (const char *) buf, sizeof buf, NULL));
  fd = open (img, O_RDONLY);
  g_assert_true (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  g_assert_no_error (error);
  close (fd);
}

/* ---- persistence, mirror, faults --------------------------------------- */

static void
test_restart (Fixture *f, gconstpointer d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pool1 = NULL, pool2 = NULL;
  g_autoptr(GPtrArray) txs = NULL;
  g_autofree char *path = NULL, *id = NULL, *src = NULL;
  guint tx;
  int fd;
  g_autoptr(GBytes) c_db = test_overlay_create ("db", 0, cpus_8_11, 4, GiB);

  create_web (f);
  tx = apply_ok (f, c_db);
  fd = kerf_test_write_elf (f->dir, &path);
  g_assert_true (kerf_kernel_load (f->k, 1, fd, -1, NULL, 0, &error));
  close (fd);
  pool1 = kerf_kernel_read_pool_tree (f->k, NULL);

  kerf_kernel_free (f->k);
  f->k = kerf_test_emulated_open (f->dir, NULL);
  pool2 = kerf_kernel_read_pool_tree (f->k, NULL);
  g_assert_true (g_bytes_equal (pool1, pool2));
  g_assert_cmpstr (status_of (f, "web"), ==, "loaded");
  txs = kerf_kernel_list_transactions (f->k, NULL);
  g_assert_cmpuint (txs->len, ==, 2);

  /* The counter survives too, and the journal: roll db back. */
  g_assert_true (kerf_kernel_rollback (f->k, tx, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (status_of (f, "db"), ==, "absent");
  {
    g_autoptr(GBytes) c2 = test_overlay_create ("db2", 0, cpus_8_11, 4, GiB);
    g_assert_cmpuint (apply_ok (f, c2), ==, 3);
  }

  /* The mirror a person inspects. */
  id = read_mirror (f, "instances/db2/id");
  g_assert_cmpstr (id, ==, "2");
  src = read_mirror (f, "instances/web/device_tree_source");
  g_assert_nonnull (src);
  g_assert_nonnull (strstr (src, "model = \"web\""));
  {
    g_autofree char *p = g_build_filename (f->dir, "instances", "db", NULL);
    g_assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
  }
}

static void
test_fault_injection (Fixture *f, gconstpointer d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ov = test_overlay_create ("web", 1, cpus_4_7, 4, 2 * GiB);
  g_autoptr(GBytes) full = kerf_kernel_read_pool_tree (f->k, NULL);
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GPtrArray) txs = NULL;

  kerf_kernel_emulated_inject_fault (f->k, KERF_EMU_FAULT_WRITE_EBUSY);
  apply_refused (f, ov, EBUSY, KERF_ERROR_BUSY);
  kerf_kernel_emulated_inject_fault (f->k, KERF_EMU_FAULT_WRITE_EIO);
  apply_refused (f, ov, EIO, KERF_ERROR_KERNEL_ERROR);
  apply_ok (f, ov);   /* one-shot */

  kerf_kernel_emulated_inject_fault (f->k, KERF_EMU_FAULT_TRUNCATE_POOL_TREE);
  cut = kerf_kernel_read_pool_tree (f->k, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (cut), <, g_bytes_get_size (full));
  txs = kerf_kernel_list_transactions (f->k, NULL);
  g_assert_cmpuint (txs->len, ==, 1);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->id, ==, 2);   /* EIO made no tx */
}

static void
test_machine_from_file (void)
{
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "machine-numa.dts", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfEmuMachine) m = kerf_emu_machine_from_file (src, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (m->n_cpus, ==, 16);
  g_assert_cmpuint (m->ram_bytes, ==, 8 * GiB);
  g_assert_cmpuint (m->host_reserved_bytes, ==, GiB);
  g_assert_cmpuint (m->pci->len, ==, 1);
  g_assert_cmpuint (m->numa->len, ==, 2);
}

/* With two NUMA nodes, a pool chunk on node 1 is placed in node 1's RAM and
 * an instance asking for numa-nodes = <1> gets memory from it. */
static void
test_numa_placement (void)
{
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "machine-numa.dts", NULL);
  g_autofree char *dir = g_dir_make_tmp ("kerf-emu-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfEmuMachine) m = kerf_emu_machine_from_file (src, &error);
  g_autoptr(KerfKernel) k = NULL;
  g_autoptr(GBytes) base = NULL, ov = NULL, tree = NULL;
  g_autoptr(GPtrArray) insts = NULL;
  g_autofree char *dts = NULL;
  guint64 cpus[] = { 2, 3, 10, 11 };
  TestFdt *t;
  guint tx;

  g_assert_no_error (error);
  k = kerf_test_emulated_open (dir, m);
  t = test_fdt_new ();
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus, 4);
  test_fdt_begin (t, "memory@0");
  test_fdt_u64 (t, "size", GiB);
  test_fdt_u32 (t, "numa-node-id", 0);
  test_fdt_end (t);
  test_fdt_begin (t, "memory@1");
  test_fdt_u64 (t, "size", 2 * GiB);
  test_fdt_u32 (t, "numa-node-id", 1);
  test_fdt_end (t);
  test_fdt_end (t);
  base = test_fdt_finish (t);
  kerf_test_write_baseline (k, base);

  t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", "n1");
  test_fdt_begin (t, "resources");
  test_fdt_u64 (t, "memory-bytes", GiB);
  test_fdt_u64s (t, "cpus", cpus + 2, 2);
  test_fdt_u32 (t, "numa-nodes", 1);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  ov = test_fdt_finish (t);
  g_assert_true (kerf_kernel_write_overlay (k, ov, &tx, NULL, &error));
  g_assert_no_error (error);
  tree = kerf_kernel_read_pool_tree (k, NULL);
  dts = dtc_dts (tree);
  g_assert_nonnull (strstr (dts, "memory@40000000"));    /* node 0: after the host's GiB */
  g_assert_nonnull (strstr (dts, "memory@100000000"));   /* node 1 starts at 4 GiB */
  insts = kerf_kernel_list_instances (k, NULL);
  {
    g_autofree char *idts = dtc_dts (((KerfKernelInstance *) g_ptr_array_index (insts, 0))->device_tree);
    g_assert_nonnull (strstr (idts, "memory-base = <0x01 0x00>"));
  }
  kerf_kernel_free (g_steal_pointer (&k));
  {
    Fixture tmp = { g_steal_pointer (&dir), NULL };
    tmp.k = kerf_kernel_emulated_new (tmp.dir, NULL, NULL);
    fixture_teardown (&tmp, NULL);
  }
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, setup, fn) g_test_add ("/kernel/emulated/" path, Fixture, NULL, setup, fn, fixture_teardown)
  ADD ("refuse/no-baseline", fixture_bare, test_refuse_no_baseline);
  ADD ("refuse/baseline-twice", fixture_init, test_refuse_baseline_twice);
  ADD ("refuse/baseline-old-dialect", fixture_bare, test_refuse_baseline_old_dialect);
  ADD ("refuse/baseline-u32-cpus", fixture_bare, test_refuse_baseline_u32_cpus);
  ADD ("refuse/baseline-unknown-pci", fixture_bare, test_refuse_baseline_unknown_pci);
  ADD ("refuse/baseline-no-vendor-id", fixture_bare, test_refuse_baseline_no_vendor);
  ADD ("refuse/baseline-compatible", fixture_bare, test_refuse_baseline_compatible);
  ADD ("refuse/baseline-too-big", fixture_bare, test_refuse_baseline_too_big);
  ADD ("refuse/garbage-blob", fixture_init, test_refuse_garbage_blob);
  ADD ("refuse/hostile-blob", fixture_init, test_refuse_hostile_blob);
  ADD ("refuse/unknown-operation", fixture_init, test_refuse_unknown_operation);
  ADD ("refuse/bad-instance-name", fixture_init, test_refuse_bad_instance_name);
  ADD ("refuse/bad-target", fixture_init, test_refuse_bad_target);
  ADD ("refuse/unknown-instance", fixture_init, test_refuse_unknown_instance);
  ADD ("refuse/cpu-taken", fixture_init, test_refuse_cpu_taken);
  ADD ("refuse/cpu-not-in-pool", fixture_init, test_refuse_cpu_not_in_pool);
  ADD ("refuse/size-not-8-bytes", fixture_init, test_refuse_size_not_8_bytes);
  ADD ("refuse/size-unaligned", fixture_init, test_refuse_size_unaligned);
  ADD ("refuse/pool-size-zero", fixture_init, test_refuse_pool_size_zero);
  ADD ("refuse/reg-not-16-bytes", fixture_init, test_refuse_reg_not_16_bytes);
  ADD ("refuse/numa-not-4-bytes", fixture_init, test_refuse_numa_not_4_bytes);
  ADD ("refuse/numa-not-real", fixture_init, test_refuse_numa_not_real);
  ADD ("refuse/duplicate-name", fixture_init, test_refuse_duplicate_name);
  ADD ("refuse/duplicate-id", fixture_init, test_refuse_duplicate_id);
  ADD ("refuse/memory-overlap", fixture_init, test_refuse_memory_overlap);
  ADD ("refuse/memory-outside-pool", fixture_init, test_refuse_memory_outside_pool);
  ADD ("refuse/memory-exhausted", fixture_init, test_refuse_memory_exhausted);
  ADD ("refuse/device-taken", fixture_init, test_refuse_device_taken);
  ADD ("refuse/strand-parked-cpus", fixture_init, test_refuse_strand_parked_cpus);
  ADD ("refuse/pool-chunk-in-use", fixture_init, test_refuse_pool_chunk_in_use);
  ADD ("refuse/rollback-active", fixture_init, test_refuse_rollback_active);
  ADD ("refuse/remove-loaded", fixture_init, test_refuse_remove_loaded);
  ADD ("refuse/remove-unknown", fixture_init, test_refuse_remove_unknown);
  ADD ("failed-tx-stays-until-rmdir", fixture_init, test_failed_tx_stays_until_rmdir);
  ADD ("fragments-ascending", fixture_init, test_fragments_ascending);
  ADD ("sequence-golden", fixture_init, test_sequence_golden);
  ADD ("rollback-warns", fixture_init, test_rollback_warns_when_not_undoable);
  ADD ("lifecycle", fixture_init, test_lifecycle);
  ADD ("load-formats", fixture_init, test_load_formats);
  ADD ("restart", fixture_init, test_restart);
  ADD ("faults", fixture_init, test_fault_injection);
  g_test_add_func ("/kernel/emulated/machine-from-file", test_machine_from_file);
  g_test_add_func ("/kernel/emulated/numa-placement", test_numa_placement);
  return g_test_run ();
}
