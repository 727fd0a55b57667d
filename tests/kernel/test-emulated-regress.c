/* Regression tests of the emulated kernel for findings of the fuzzing and
 * sanitizer runs (each test names the finding it pins down).
 *
 * Misaligned u64 cells: a DTB property is only 4-byte aligned, so its u64
 * cells must be read with fdt64_ld(); the blobs here put every u64 the
 * intake reads at an offset that is 4 mod 8 (checked, so the test cannot
 * silently stop covering it).  On x86 a plain load works, so the values are
 * asserted in every build and UBSan (-fsanitize=alignment, in the sanitized
 * build) turns a direct dereference into a failure.
 *
 * Strings that are not UTF-8: whatever bytes a DTBO carries (target-path,
 * mk,resources, an alias), the state directory must open again. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <libfdt.h>

#include "kerf-kernel-emulated.h"
#include "kerf-test-fdt.h"
#include "kerf-test-util.h"

#define GiB (1ULL << 30)

/* Offset (mod 8) of property `prop` of node `path` inside `blob`. */
static guint
prop_misalignment (GBytes *blob, const char *path, const char *prop)
{
  const void *fdt = g_bytes_get_data (blob, NULL);
  int node = fdt_path_offset (fdt, path);
  const void *p;

  g_assert_cmpint (node, >=, 0);
  p = fdt_getprop (fdt, node, prop, NULL);
  g_assert_nonnull (p);
  return (guint) (((const guint8 *) p - (const guint8 *) fdt) % 8);
}

static guint64
tree_u64 (GBytes *blob, const char *path, const char *prop, int index)
{
  const void *fdt = g_bytes_get_data (blob, NULL);
  int node = fdt_path_offset (fdt, path), len = 0;
  const fdt64_t *p;

  g_assert_cmpint (node, >=, 0);
  p = fdt_getprop (fdt, node, prop, &len);
  g_assert_nonnull (p);
  g_assert_cmpint (len, >=, (index + 1) * 8);
  return fdt64_ld (&p[index]);
}

/* The default baseline's CPUs and a 6 GiB chunk; `shift` adds a second
 * compatible string ("multikernel-v1\0x\0", 20 bytes with padding instead
 * of 16), which moves everything after it by 4 bytes. */
static GBytes *
baseline_shifted (gboolean shift)
{
  static const char compat[] = "multikernel-v1\0x";
  TestFdt *t = test_fdt_new ();
  guint64 cpus[28];

  for (guint i = 0; i < 28; i++)
    cpus[i] = i + 4;
  test_fdt_raw (t, "compatible", compat, shift ? sizeof compat : strlen (compat) + 1);
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus, 28);
  test_fdt_begin (t, "memory@0");
  test_fdt_u64 (t, "size", 6 * GiB);
  test_fdt_u32 (t, "numa-node-id", 0);
  test_fdt_end (t);
  test_fdt_end (t);
  return test_fdt_finish (t);
}

/* Finding: kerf-kernel-emulated-baseline.c read `size` and `cpus` with
 * fdt64_to_cpu (*p) (UBSan: misaligned load of fdt64_t). */
static void
test_misaligned_baseline (void)
{
  gboolean covered_size = FALSE, covered_cpus = FALSE;

  /* cpus and size are 4 apart: each variant covers one of them */
  for (int shift = 0; shift <= 1; shift++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;
      g_autoptr(GBytes) base = baseline_shifted (shift);
      g_autoptr(GBytes) pool = NULL;
      KerfKernel *k;

      covered_size |= prop_misalignment (base, "/resources/memory@0", "size") == 4;
      covered_cpus |= prop_misalignment (base, "/resources", "cpus") == 4;
      k = kerf_test_emulated_new_tmp ("kerf-emu-regress-XXXXXX", NULL, base, &dir);
      pool = kerf_kernel_read_pool_tree (k, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tree_u64 (pool, "/resources", "cpus", 0), ==, 4);
      g_assert_cmpuint (tree_u64 (pool, "/resources", "cpus", 27), ==, 31);
      g_assert_cmpuint (tree_u64 (pool, "/resources/memory@80000000", "reg", 1), ==, 6 * GiB);
      kerf_kernel_free (k);
      kerf_test_rm_rf (dir);
    }
  g_assert_true (covered_size);
  g_assert_true (covered_cpus);
}

/* instance-create with memory-bytes and u64 cpus, then memory-add (reg) and
 * cpu-add (u64 reg) on /instances/NAME: the name's length moves every
 * later u64 by 4 bytes between NAME = "vm" + 1 or 3 characters. */
static GBytes *
overlay_create (const char *name)
{
  static const guint64 cpus[] = { 4, 5 };
  return test_overlay_create (name, 0, cpus, 2, GiB);
}

static GBytes *
overlay_grow (const char *name, guint64 base, guint64 cpu)
{
  g_autofree char *target = g_strdup_printf ("/instances/%s", name);
  TestFdt *t = test_fdt_new ();

  test_fdt_fragment_begin (t, 0, target);
  test_fdt_begin (t, "memory-add");
  test_fdt_begin (t, "memory@0");
  test_fdt_reg (t, base, 2 * 4096);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "cpu-add");
  test_fdt_begin (t, "cpu@0");
  test_fdt_u64 (t, "reg", cpu);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  return test_fdt_finish (t);
}

#define CREATE_RES "/fragment@0/__overlay__/instance-create/resources"

/* Finding: kerf-kernel-emulated-overlay.c read memory-bytes, cpus, reg
 * with direct fdt64_t loads (UBSan: misaligned load). */
static void
test_misaligned_overlay (void)
{
  static const char *const names[] = { "vma", "vmabc" };
  gboolean covered_bytes = FALSE, covered_cpus = FALSE, covered_reg = FALSE;
  gboolean covered_cpu_reg = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;
      g_autoptr(GBytes) base = test_baseline_default ();
      g_autoptr(GBytes) create = overlay_create (names[i]);
      g_autoptr(GBytes) grow = NULL;
      g_autoptr(GPtrArray) insts = NULL;
      g_autofree char *status = NULL;
      KerfKernelInstance *inst;
      guint64 mem_base;
      guint tx = 0;
      KerfKernel *k;

      covered_bytes |= prop_misalignment (create, CREATE_RES, "memory-bytes") == 4;
      covered_cpus |= prop_misalignment (create, CREATE_RES, "cpus") == 4;
      k = kerf_test_emulated_new_tmp ("kerf-emu-regress-XXXXXX", NULL, base, &dir);
      g_assert_true (kerf_kernel_write_overlay (k, create, &tx, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (status, ==, "applied");

      insts = kerf_kernel_list_instances (k, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (insts->len, ==, 1);
      inst = g_ptr_array_index (insts, 0);
      g_assert_cmpuint (tree_u64 (inst->device_tree, "/resources", "memory-bytes", 0), ==, GiB);
      g_assert_cmpuint (tree_u64 (inst->device_tree, "/resources", "cpus", 1), ==, 5);
      mem_base = tree_u64 (inst->device_tree, "/resources", "memory-base", 0);

      /* grow in place: the pages right after its range, and CPU 6 */
      grow = overlay_grow (names[i], mem_base + GiB, 6);
      covered_reg |= prop_misalignment (grow, "/fragment@0/__overlay__/memory-add/memory@0",
                                        "reg") == 4;
      covered_cpu_reg |= prop_misalignment (grow, "/fragment@0/__overlay__/cpu-add/cpu@0",
                                            "reg") == 4;
      g_clear_pointer (&status, g_free);
      g_assert_true (kerf_kernel_write_overlay (k, grow, &tx, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (status, ==, "applied");
      g_clear_pointer (&insts, g_ptr_array_unref);
      insts = kerf_kernel_list_instances (k, &error);
      inst = g_ptr_array_index (insts, 0);
      g_assert_cmpuint (tree_u64 (inst->device_tree, "/resources", "memory-bytes", 0), ==,
                        GiB + 2 * 4096);
      g_assert_cmpuint (tree_u64 (inst->device_tree, "/resources", "cpus", 2), ==, 6);
      kerf_kernel_free (k);
      kerf_test_rm_rf (dir);
    }
  g_assert_true (covered_bytes);
  g_assert_true (covered_cpus);
  g_assert_true (covered_reg);
  g_assert_true (covered_cpu_reg);
}

/* ---- strings that are not UTF-8 ----------------------------------------- */

/* Every byte 1..255 once: not UTF-8, and every character a key file
 * escapes (newline, tab, backslash, ...). */
static char *
all_bytes_string (const char *prefix)
{
  GString *s = g_string_new (prefix);
  for (guint c = 1; c < 256; c++)
    g_string_append_c (s, (char) c);
  return g_string_free (s, FALSE);
}

static KerfKernel *
reopen (const char *dir, KerfKernel *k)
{
  kerf_kernel_free (k);
  return kerf_test_emulated_open (dir, NULL);
}

static KerfKernelTransaction *
find_tx (KerfKernel *k, guint id)
{
  g_autoptr(GError) error = NULL;
  KerfKernelTransaction *t = kerf_kernel_get_transaction (k, id, &error);
  g_assert_no_error (error);
  return t;
}

/* Finding: the failed transaction of the DTBO in fuzz/regress/emu-dtbo
 * (target-path "/resou\xf2ces") was saved as is in the key-file state, which
 * then failed to load ("state file is corrupt"): the directory never
 * opened again. */
static void
test_non_utf8_failed_tx (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *target = all_bytes_string ("/instances/x");
  g_autofree char *repro_path = g_test_build_filename (G_TEST_DIST, "..", "..", "fuzz", "regress",
                                                       "emu-dtbo",
                                                       "failed-tx-bad-target-state-unreadable.dtbo",
                                                       NULL);
  g_autofree char *repro = NULL;
  g_autoptr(GBytes) base = test_baseline_default ();
  g_autoptr(GBytes) ov = NULL;
  KerfKernelTransaction *t;
  gsize repro_len = 0, len;
  const guint8 *p;
  TestFdt *f;
  KerfKernel *k;

  k = kerf_test_emulated_new_tmp ("kerf-emu-regress-XXXXXX", NULL, base, &dir);

  /* the fuzzer's reproducer, as the kernel-level write leaves it: tx_1 failed */
  g_assert_true (g_file_get_contents (repro_path, &repro, &repro_len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kerf_kernel_emulated_write_file (k, "overlays/new", (const guint8 *) repro,
                                                    repro_len), <, 0);
  k = reopen (dir, k);
  t = find_tx (k, 1);
  g_assert_cmpstr (t->status, ==, "failed");
  g_assert_cmpstr (t->instance, ==, "/resou\xf2" "ces");
  kerf_kernel_transaction_free (t);

  /* every byte in target-path (not an instance name) and mk,resources */
  f = test_fdt_new ();
  test_fdt_string (f, "mk,resources", target + 11);
  test_fdt_fragment_begin (f, 0, target);
  test_fdt_begin (f, "cpu-add");
  test_fdt_begin (f, "cpu@0");
  test_fdt_u64 (f, "reg", 12);
  test_fdt_end (f);
  test_fdt_end (f);
  test_fdt_fragment_end (f);
  ov = test_fdt_finish (f);
  p = g_bytes_get_data (ov, &len);
  g_assert_cmpint (kerf_kernel_emulated_write_file (k, "overlays/new", p, len), ==, -EINVAL);
  k = reopen (dir, k);
  t = find_tx (k, 2);
  g_assert_cmpstr (t->status, ==, "failed");
  g_assert_cmpstr (t->instance, ==, target);
  g_assert_cmpstr (t->resources, ==, target + 11);
  g_assert_true (g_bytes_equal (t->dtbo, ov));
  kerf_kernel_transaction_free (t);

  /* rmdir of both and a reopen: the state is still good */
  g_assert_cmpint (kerf_kernel_emulated_rmdir (k, "overlays/tx_1"), ==, 0);
  g_assert_cmpint (kerf_kernel_emulated_rmdir (k, "overlays/tx_2"), ==, 0);
  k = reopen (dir, k);
  {
    g_autoptr(GPtrArray) txs = kerf_kernel_list_transactions (k, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (txs->len, ==, 0);
  }
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

/* Valid UTF-8 with everything a key file escapes or might lose: spaces and
 * tabs at both ends, list separators, backslashes, line ends, control
 * characters, multi-byte characters. */
static char *
tricky_utf8_string (void)
{
  GString *s = g_string_new (" \t lead;semi\\back\\s\nnl\rcr;");
  for (guint c = 1; c < 32; c++)
    g_string_append_c (s, (char) c);
  g_string_append (s, "[x]=y #z \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 trail \t ");
  return g_string_free (s, FALSE);
}

/* An applied transaction whose journal holds `alias` (the alias of a pool
 * device-add, also its mk,resources) reopens and still rolls back. */
static void
check_applied_tx_string (const char *alias)
{
  static const guint64 cpus[] = { 4, 5, 6, 7 };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GBytes) base = NULL, ov = NULL, pool = NULL, pool_again = NULL;
  g_autofree char *status = NULL;
  KerfKernelTransaction *t;
  const void *fdt;
  guint tx = 0;
  TestFdt *f;
  KerfKernel *k;

  /* a pool without the NVMe drive of the default machine */
  f = test_fdt_new ();
  test_fdt_string (f, "compatible", "multikernel-v1");
  test_fdt_begin (f, "resources");
  test_fdt_u64s (f, "cpus", cpus, 4);
  test_fdt_begin (f, "memory@0");
  test_fdt_u64 (f, "size", GiB);
  test_fdt_end (f);
  test_fdt_end (f);
  base = test_fdt_finish (f);

  f = test_fdt_new ();
  test_fdt_string (f, "mk,resources", alias);
  test_fdt_fragment_begin (f, 0, "/resources");
  test_fdt_begin (f, "device-add");
  test_fdt_begin (f, "pci@0");
  test_fdt_string (f, "pci-id", "0000:02:00.0");
  test_fdt_string (f, "alias", alias);
  test_fdt_end (f);
  test_fdt_end (f);
  test_fdt_fragment_end (f);
  ov = test_fdt_finish (f);

  k = kerf_test_emulated_new_tmp ("kerf-emu-regress-XXXXXX", NULL, base, &dir);
  g_assert_true (kerf_kernel_write_overlay (k, ov, &tx, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (status, ==, "applied");
  pool = kerf_kernel_read_pool_tree (k, &error);
  g_assert_no_error (error);
  fdt = g_bytes_get_data (pool, NULL);
  g_assert_cmpstr (fdt_getprop (fdt, fdt_path_offset (fdt, "/aliases"), alias, NULL), ==,
                   "/pci@0,2/device@0,0");

  k = reopen (dir, k);
  pool_again = kerf_kernel_read_pool_tree (k, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (pool, pool_again));
  t = find_tx (k, tx);
  g_assert_cmpstr (t->status, ==, "applied");
  g_assert_cmpstr (t->resources, ==, alias);
  kerf_kernel_transaction_free (t);

  /* the journal came back whole: the rollback removes the device again */
  g_assert_true (kerf_kernel_rollback (k, tx, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&pool_again, g_bytes_unref);
  pool_again = kerf_kernel_read_pool_tree (k, &error);
  fdt = g_bytes_get_data (pool_again, NULL);
  g_assert_cmpint (fdt_path_offset (fdt, "/pci@0,2"), <, 0);
  k = reopen (dir, k);
  kerf_kernel_free (k);
  kerf_test_rm_rf (dir);
}

static void
test_non_utf8_applied_tx (void)
{
  g_autofree char *alias = all_bytes_string ("nvme");
  check_applied_tx_string (alias);
}

static void
test_tricky_utf8_applied_tx (void)
{
  g_autofree char *alias = tricky_utf8_string ();
  g_assert_true (g_utf8_validate (alias, -1, NULL));
  check_applied_tx_string (alias);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kernel/emulated-regress/misaligned-u64/baseline", test_misaligned_baseline);
  g_test_add_func ("/kernel/emulated-regress/misaligned-u64/overlay", test_misaligned_overlay);
  g_test_add_func ("/kernel/emulated-regress/non-utf8/failed-tx", test_non_utf8_failed_tx);
  g_test_add_func ("/kernel/emulated-regress/non-utf8/applied-tx", test_non_utf8_applied_tx);
  g_test_add_func ("/kernel/emulated-regress/state-escapes", test_tricky_utf8_applied_tx);
  return g_test_run ();
}
