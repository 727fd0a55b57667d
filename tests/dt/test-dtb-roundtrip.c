/* test-dtb-roundtrip.c — trees built with the kerf-dt.h setters:
 * write -> check -> read -> write gives the same bytes, the bytes equal
 * what dtc makes of the same tree, and the printer agrees with dtc. */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-dts.h"
#include "test-dtb-util.h"

static KerfLoc
here (guint line)
{
  return kerf_loc_make ("built.dts", line, 1);
}

/* A tree touching every value shape the writer and printer handle. */
static KerfDtTree *
build_tree (void)
{
  KerfDtTree *tree = kerf_dt_tree_new ();
  KerfDtNode *root = tree->root, *cpus, *n, *intc, *dev;
  KerfDtReserve r1 = { 0x10000000, 0x4000 }, r2 = { 0x20000000, 0x100000 };
  const char *compat[] = { "multikernel,test", "simple-bus", NULL };
  const guint64 mem[] = { 0x80000000ULL, 0x40000000ULL };
  const guint8 bytes[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
  const guint32 cells[] = { 0, 5, 4 };
  KerfDtProp *p;

  g_array_append_val (tree->reserves, r1);
  g_array_append_val (tree->reserves, r2);
  tree->boot_cpuid = 1;

  kerf_dt_node_set_u32 (root, "#address-cells", 2, here (1));
  kerf_dt_node_set_u32 (root, "#size-cells", 2, here (2));
  kerf_dt_node_set_string (root, "model", "kerf test", here (3));
  kerf_dt_node_set_string_list (root, "compatible", compat, here (4));

  cpus = kerf_dt_node_ensure_child (root, "cpus", here (5));
  kerf_dt_node_set_u32 (cpus, "#address-cells", 1, here (6));
  kerf_dt_node_set_u32 (cpus, "#size-cells", 0, here (7));
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("cpu@%u", i);

      n = kerf_dt_node_ensure_child (cpus, name, here (8));
      kerf_dt_node_set_string (n, "device_type", "cpu", here (9));
      kerf_dt_node_set_u32 (n, "reg", i, here (10));
    }

  n = kerf_dt_node_ensure_child (root, "memory@80000000", here (11));
  kerf_dt_node_set_string (n, "device_type", "memory", here (12));
  kerf_dt_node_set_u64_array (n, "reg", mem, 2, here (13));

  intc = kerf_dt_node_ensure_child (root, "interrupt-controller@1000", here (14));
  kerf_dt_node_add_label (intc, "intc");
  kerf_dt_node_set_empty (intc, "interrupt-controller", here (15));
  kerf_dt_node_set_u32 (intc, "#interrupt-cells", 3, here (16));
  intc->phandle = 1;   /* no property: the writer adds it, last */

  dev = kerf_dt_node_ensure_child (root, "dev@2000", here (17));
  p = kerf_dt_node_set_u32 (dev, "interrupt-parent", 1, here (18));
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_REF_PHANDLE, 0, "intc", here (18));
  kerf_dt_node_set_u32_array (dev, "interrupts", cells, 3, here (19));
  kerf_dt_node_set_bytes (dev, "blob", bytes, sizeof bytes, here (20));
  kerf_dt_node_set_bytes (dev, "mac", bytes, 4, here (21));
  kerf_dt_node_set_u64 (dev, "big", 0x123456789aULL, here (22));
  kerf_dt_node_set_string (dev, "status", "okay", here (23));
  kerf_dt_node_set_string (dev, "quoted", "a \"q\"\ttab\\", here (24));
  kerf_dt_node_set_empty (dev, "dma-coherent", here (25));
  kerf_dt_node_set_string (dev, "empty-string", "", here (26));

  /* "phandle" reuses the tail of "linux,phandle" in dtc's strings block */
  n = kerf_dt_node_ensure_child (root, "old-style", here (27));
  kerf_dt_node_set_u32 (n, "linux,phandle", 2, here (28));
  kerf_dt_node_set_u32 (n, "phandle", 2, here (29));
  n->phandle = 2;

  n = kerf_dt_node_ensure_child (root, "chosen", here (30));
  kerf_dt_node_set_string (n, "bootargs", "console=ttyS0 quiet", here (31));
  return tree;
}

static GBytes *
write_ok (const KerfDtTree *tree)
{
  g_autoptr (GError) error = NULL;
  GBytes *b = kerf_dtb_write (tree, &error);

  g_assert_no_error (error);
  g_assert_nonnull (b);
  return b;
}

static void
test_self_roundtrip (void)
{
  g_autoptr (KerfDtTree) tree = build_tree ();
  g_autoptr (GBytes) b1 = write_ok (tree);
  g_autoptr (GBytes) b2 = NULL;
  g_autoptr (KerfDtTree) back = NULL;
  g_autoptr (GError) error = NULL;
  KerfDtNode *intc, *old;
  const KerfDtReserve *r;

  g_assert_true (kerf_dtb_check (g_bytes_get_data (b1, NULL), g_bytes_get_size (b1), &error));
  g_assert_no_error (error);
  back = kerf_dtb_read (g_bytes_get_data (b1, NULL), g_bytes_get_size (b1), "rt.dtb", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (back->boot_cpuid, ==, 1);
  g_assert_cmpuint (back->reserves->len, ==, 2);
  r = &g_array_index (back->reserves, KerfDtReserve, 1);
  g_assert_cmpuint (r->address, ==, 0x20000000);
  g_assert_cmpuint (r->size, ==, 0x100000);
  intc = kerf_dt_tree_lookup_path (back, "/interrupt-controller@1000");
  g_assert_nonnull (intc);
  g_assert_cmpuint (intc->phandle, ==, 1);
  g_assert_nonnull (kerf_dt_node_get_prop (intc, "phandle"));
  old = kerf_dt_tree_lookup_path (back, "/old-style");
  g_assert_cmpuint (old->phandle, ==, 2);
  g_assert_true (kerf_dt_tree_lookup_phandle (back, 1) == intc);

  b2 = write_ok (back);
  dtbtest_assert_bytes_equal (b2, b1, "write(read(write(tree)))");
}

/* The bytes are dtc's: dtc re-serialising our blob changes nothing, and
 * dtc compiling our printed source gives our blob. */
static void
test_equals_dtc (void)
{
  g_autoptr (KerfDtTree) tree = build_tree ();
  g_autoptr (GBytes) ours = write_ok (tree);
  g_autoptr (GBytes) relaid = NULL;
  g_autoptr (GBytes) compiled = NULL;
  g_autofree char *text = NULL;
  const char *dtb2dtb[] = { "-I", "dtb", "-O", "dtb", NULL };
  /* DTS has no syntax for the boot CPU: tell dtc, as kerf init would */
  const char *dts2dtb[] = { "-I", "dts", "-O", "dtb", "-b", "1", NULL };

  if (dtbtest_dtc () == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }
  relaid = dtbtest_run_dtc (dtb2dtb, g_bytes_get_data (ours, NULL), g_bytes_get_size (ours));
  dtbtest_assert_bytes_equal (ours, relaid, "dtc -I dtb -O dtb");

  text = kerf_dts_print (tree);
  compiled = dtbtest_run_dtc (dts2dtb, (const guint8 *) text, strlen (text));
  dtbtest_assert_bytes_equal (ours, compiled, "dtc -I dts -O dtb of our print");
}

static void
test_print_equals_dtc (void)
{
  g_autoptr (KerfDtTree) tree = build_tree ();
  g_autoptr (GBytes) blob = write_ok (tree);
  g_autoptr (KerfDtTree) back = NULL;
  g_autoptr (GBytes) dtc_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *raw = NULL;
  const char *dtb2dts[] = { "-I", "dtb", "-O", "dts", NULL };

  if (dtbtest_dtc () == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }
  back = kerf_dtb_read (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), "p.dtb", &error);
  g_assert_no_error (error);
  ours = kerf_dts_print (back);
  dtc_text = dtbtest_run_dtc (dtb2dts, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
  raw = g_strndup (g_bytes_get_data (dtc_text, NULL), g_bytes_get_size (dtc_text));
  expected = dtbtest_normalize_dtc (raw);
  dtbtest_assert_text_equal (ours, expected, "print(read(blob)) vs dtc -I dtb -O dts");
  /* the normalisation really was needed: dtc 1.6.1 joins the list */
  g_assert_nonnull (strstr (ours, "compatible = \"multikernel,test\", \"simple-bus\";"));
}

/* dtc appends names in order of first use and reuses an earlier name
 * that ends with the new one: "phandle" is the tail of "linux,phandle". */
static void
test_strings_block (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  g_autoptr (GBytes) blob = NULL;
  KerfDtNode *n = kerf_dt_node_ensure_child (tree->root, "a", here (1));
  static const char expected[] = "linux,phandle\0reg\0cells";
  gsize len;
  const guint8 *d;
  guint32 off, size;

  kerf_dt_node_set_u32 (n, "linux,phandle", 1, here (2));
  kerf_dt_node_set_u32 (n, "phandle", 1, here (3));
  kerf_dt_node_set_u32 (n, "reg", 1, here (4));
  n = kerf_dt_node_ensure_child (tree->root, "b", here (5));
  kerf_dt_node_set_u32 (n, "cells", 1, here (6));
  kerf_dt_node_set_u32 (n, "ells", 1, here (7));
  kerf_dt_node_set_u32 (n, "g", 1, here (8));
  kerf_dt_node_set_u32 (n, "s", 1, here (9));
  blob = write_ok (tree);
  d = g_bytes_get_data (blob, &len);
  off = ((guint32) d[12] << 24) | ((guint32) d[13] << 16) | ((guint32) d[14] << 8) | d[15];
  size = ((guint32) d[32] << 24) | ((guint32) d[33] << 16) | ((guint32) d[34] << 8) | d[35];
  g_assert_cmpuint (off + size, ==, len);
  g_assert_cmpuint (size, ==, sizeof expected);
  g_assert_cmpmem (d + off, size, expected, sizeof expected);

  if (dtbtest_dtc () != NULL)
    {
      const char *dtb2dtb[] = { "-I", "dtb", "-O", "dtb", NULL };
      g_autoptr (GBytes) relaid = dtbtest_run_dtc (dtb2dtb, d, len);

      dtbtest_assert_bytes_equal (blob, relaid, "dtc -I dtb -O dtb");
    }
}

static void
test_unresolved_refs (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b = NULL;
  KerfDtNode *n = kerf_dt_node_ensure_child (tree->root, "dev", here (1));
  KerfDtProp *p = kerf_dt_node_set_u32 (n, "interrupt-parent", 0, here (2));

  kerf_dt_prop_add_mark (p, KERF_DT_MARK_REF_PHANDLE, 0, "missing", here (2));
  b = kerf_dtb_write (tree, &error);
  g_assert_null (b);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "built.dts:2:1"));
  g_assert_nonnull (strstr (error->message, "&missing"));
  g_clear_error (&error);

  /* resolved: the cell holds a phandle */
  kerf_dt_node_remove_prop (n, "interrupt-parent");
  p = kerf_dt_node_set_u32 (n, "interrupt-parent", 7, here (3));
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_REF_PHANDLE, 0, "x", here (3));
  b = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
  g_clear_pointer (&b, g_bytes_unref);

  /* a path reference whose bytes never arrived */
  p = kerf_dt_prop_new ("path", here (4));
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_REF_PATH, 0, "/x", here (4));
  kerf_dt_node_take_prop (n, p);
  b = kerf_dtb_write (tree, &error);
  g_assert_null (b);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "&{/x}"));
  g_clear_error (&error);

  g_byte_array_append (p->value, (const guint8 *) "/x", 3);
  b = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
}

static void
test_symbols_restore_labels (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  g_autoptr (KerfDtTree) back = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  KerfDtNode *a, *sym;

  a = kerf_dt_node_ensure_child (kerf_dt_node_ensure_child (tree->root, "soc", here (1)),
                                 "uart@100", here (2));
  kerf_dt_node_set_u32 (a, "reg", 0x100, here (3));
  sym = kerf_dt_node_ensure_child (tree->root, "__symbols__", here (4));
  kerf_dt_node_set_string (sym, "uart0", "/soc/uart@100", here (5));
  kerf_dt_node_set_string (sym, "serial", "/soc/uart@100", here (6));
  kerf_dt_node_set_string (sym, "gone", "/nowhere", here (7));
  kerf_dt_node_set_string (sym, "bad-label", "/soc", here (8));

  b = write_ok (tree);
  back = kerf_dtb_read (g_bytes_get_data (b, NULL), g_bytes_get_size (b), "s.dtb", &error);
  g_assert_no_error (error);
  a = kerf_dt_tree_lookup_label (back, "uart0");
  g_assert_nonnull (a);
  g_assert_cmpstr (a->name, ==, "uart@100");
  g_assert_true (kerf_dt_tree_lookup_label (back, "serial") == a);
  g_assert_null (kerf_dt_tree_lookup_label (back, "bad-label"));
  text = kerf_dts_print (back);
  g_assert_nonnull (strstr (text, "\t\tuart0: serial: uart@100 {\n"));
}

static void
test_is_blob (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  g_autoptr (GBytes) b = write_ok (tree);
  const guint8 *d = g_bytes_get_data (b, NULL);

  g_assert_true (kerf_dtb_is_blob (d, g_bytes_get_size (b)));
  g_assert_false (kerf_dtb_is_blob ((const guint8 *) "/dts-v1/;", 9));
  g_assert_false (kerf_dtb_is_blob (NULL, 0));
  /* the empty tree: header, terminator, BEGIN "" END_NODE END, no strings */
  g_assert_cmpuint (g_bytes_get_size (b), ==, 40 + 16 + 16);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtb/roundtrip/self", test_self_roundtrip);
  g_test_add_func ("/dtb/roundtrip/equals-dtc", test_equals_dtc);
  g_test_add_func ("/dtb/roundtrip/print-equals-dtc", test_print_equals_dtc);
  g_test_add_func ("/dtb/roundtrip/strings-block", test_strings_block);
  g_test_add_func ("/dtb/roundtrip/unresolved-refs", test_unresolved_refs);
  g_test_add_func ("/dtb/roundtrip/symbols-restore-labels", test_symbols_restore_labels);
  g_test_add_func ("/dtb/roundtrip/is-blob", test_is_blob);
  return g_test_run ();
}
