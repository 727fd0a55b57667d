/* test-overlay-pool-reset.c — emptying the pool from the kernel's pool tree
 * and refilling it from a kernel baseline (kerf_overlay_empty_pool,
 * kerf_overlay_fill_pool): the exact overlay, printed as DTS, plus the
 * refusals.  The refill starts from tests/model/golden/seed-kernel-
 * baseline.dts, the model writer's own output, so the two stay in step. */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-overlay.h"

/* A pool tree as kernel-abi.md describes it: every pool CPU, a chunk per
 * NUMA node, a platform device, free PCI devices under a host bridge. */
static const char pool_tree_dts[] =
  "/dts-v1/;\n"
  "/ {\n"
  "  compatible = \"multikernel-v1\";\n"
  "  #address-cells = <2>; #size-cells = <2>;\n"
  "  resources {\n"
  "    cpus = /bits/ 64 <6 4 5 7>;\n"
  "    cpus-available = /bits/ 64 <5 7>;\n"
  "    memory@100000000 { device_type = \"memory\"; reg = /bits/ 64 <0x100000000 0x40000000>; numa-node-id = <1>; };\n"
  "    memory@80000000 { device_type = \"memory\"; reg = /bits/ 64 <0x80000000 0x40000000>; numa-node-id = <0>; };\n"
  "    devices { serial@0 { compatible = \"ns16550\"; }; };\n"
  "  };\n"
  "  pci@0 {\n"
  "    nvme@0 { pci-id = \"0000:02:00.0\"; };\n"
  "    ethernet@0 { pci-id = \"0000:01:00.0\"; };\n"
  "  };\n"
  "};\n";

static KerfDtTree *
parse (const char *text)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  KerfDtTree *tree = kerf_dts_parse_data ("t.dts", text, strlen (text), NULL,
                                          KERF_DTS_PARSE_NO_FILE_ACCESS, diags);

  if (tree == NULL)
    kerf_diag_list_print (diags, stderr);
  g_assert_nonnull (tree);
  return tree;
}

/* The overlay as DTS, after a round trip through its DTBO. */
static char *
overlay_text (KerfDtTree *overlay)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(KerfDtTree) back = NULL;

  g_assert_nonnull (overlay);
  g_assert_true (overlay->plugin);
  blob = kerf_overlay_to_dtbo (overlay, &error);
  g_assert_no_error (error);
  back = kerf_dtb_read (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), "o.dtbo", &error);
  g_assert_no_error (error);
  return kerf_dts_print (back);
}

static void
test_empty (void)
{
  g_autoptr(KerfDtTree) pool = parse (pool_tree_dts);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) overlay = kerf_overlay_empty_pool (pool, &error);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  text = overlay_text (overlay);
  /* cpu-remove, device-remove, memory-remove; CPUs and PCI ids sorted,
   * chunks by base; the platform device is not the kernel's to move.
   * (A blob carries no /plugin/ header, so the print has none.) */
  g_assert_cmpstr (text, ==,
    "/dts-v1/;\n\n/ {\n\n"
    "\tfragment@0 {\n\t\ttarget-path = \"/resources\";\n\n\t\t__overlay__ {\n\n"
    "\t\t\tcpu-remove {\n\n"
    "\t\t\t\tcpu@4 {\n\t\t\t\t\treg = <0x00 0x04>;\n\t\t\t\t};\n\n"
    "\t\t\t\tcpu@5 {\n\t\t\t\t\treg = <0x00 0x05>;\n\t\t\t\t};\n\n"
    "\t\t\t\tcpu@6 {\n\t\t\t\t\treg = <0x00 0x06>;\n\t\t\t\t};\n\n"
    "\t\t\t\tcpu@7 {\n\t\t\t\t\treg = <0x00 0x07>;\n\t\t\t\t};\n\t\t\t};\n\n"
    "\t\t\tdevice-remove {\n\n"
    "\t\t\t\tpci@0 {\n\t\t\t\t\tpci-id = \"0000:01:00.0\";\n\t\t\t\t};\n\n"
    "\t\t\t\tpci@1 {\n\t\t\t\t\tpci-id = \"0000:02:00.0\";\n\t\t\t\t};\n\t\t\t};\n\n"
    "\t\t\tmemory-remove {\n\n"
    "\t\t\t\tmemory@0 {\n\t\t\t\t\treg = <0x00 0x80000000 0x00 0x40000000>;\n\t\t\t\t};\n\n"
    "\t\t\t\tmemory@1 {\n\t\t\t\t\treg = <0x01 0x00 0x00 0x40000000>;\n\t\t\t\t};\n"
    "\t\t\t};\n\t\t};\n\t};\n};\n");
  line = kerf_overlay_describe (overlay);
  g_assert_cmpstr (line, ==, "resize pool: memory -2 GiB, CPUs -4-7, "
                             "devices -0000:01:00.0,0000:02:00.0");
}

static void
test_empty_refusals (void)
{
  static const struct {
    const char *dts;
    int         code;
    const char *message;
  } cases[] = {
    { "/dts-v1/;\n/ { resources { devices { serial@0 { }; }; }; };\n", KERF_ERROR_INVALID_ARGUMENT,
      "the pool is empty: nothing to give back to the host" },
    { "/dts-v1/;\n/ { resources { memory@0 { reg = <0 0x1000>; }; }; };\n", KERF_ERROR_PARSE,
      "pool tree: /resources/memory@0 has no reg = <u64 base, u64 size>" },
    { "/dts-v1/;\n/ { resources { cpus = <0 1 2>; }; };\n", KERF_ERROR_PARSE,
      "/resources cpus is 12 bytes, not a list of u64 CPU ids" },
    { "/dts-v1/;\n/ { resources { cpus = /bits/ 64 <0x100000004>; }; };\n", KERF_ERROR_PARSE,
      "/resources cpus: CPU id 0x100000004 is out of range" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KerfDtTree) pool = parse (cases[i].dts);
      g_autoptr(GError) error = NULL;
      g_autoptr(KerfDtTree) overlay = kerf_overlay_empty_pool (pool, &error);

      g_assert_null (overlay);
      g_assert_error (error, KERF_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_fill (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "model", "golden",
                                                 "seed-kernel-baseline.dts", NULL);
  g_autofree char *source = NULL;
  g_autoptr(KerfDtTree) baseline = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *text = NULL;

  g_file_get_contents (path, &source, NULL, &error);
  g_assert_no_error (error);
  baseline = parse (source);
  overlay = kerf_overlay_fill_pool (baseline, &error);
  g_assert_no_error (error);
  /* memory-add per chunk with its node, cpu-add, device-add with aliases */
  line = kerf_overlay_describe (overlay);
  g_assert_cmpstr (line, ==, "resize pool: memory +14 GiB, CPUs +4-31, "
                             "devices +0000:01:00.0,0000:02:00.0");
  text = overlay_text (overlay);
  g_assert_nonnull (strstr (text, "\t\t\tmemory-add {\n\n\t\t\t\tmemory@0 {\n"
                                  "\t\t\t\t\tsize = <0x03 0x80000000>;\n"
                                  "\t\t\t\t\tnuma-node-id = <0x00>;\n"));
  g_assert_nonnull (strstr (text, "\t\t\t\tpci@0 {\n\t\t\t\t\tpci-id = \"0000:01:00.0\";\n"
                                  "\t\t\t\t\talias = \"eth0\";\n"));
  g_assert_nonnull (strstr (text, "\t\t\t\tpci@1 {\n\t\t\t\t\tpci-id = \"0000:02:00.0\";\n"
                                  "\t\t\t\t\talias = \"nvme0\";\n"));
  g_assert_true (strstr (text, "memory-add") < strstr (text, "cpu-add")
                 && strstr (text, "cpu-add") < strstr (text, "device-add"));
}

static void
test_fill_refusals (void)
{
  static const struct {
    const char *dts;
    const char *message;
  } cases[] = {
    { "/dts-v1/;\n/ { };\n", "the kernel baseline has no /resources" },
    { "/dts-v1/;\n/ { resources { memory@0 { numa-node-id = <0>; }; }; };\n",
      "the kernel baseline's /resources/memory@0 has no size" },
    { "/dts-v1/;\n/ { resources { memory@0 { size = /bits/ 64 <0x1234>; }; }; };\n",
      "pool chunk size 0x1234 is not a multiple of the page size (4096 bytes)" },
    /* a platform device alone cannot move: nothing to fill */
    { "/dts-v1/;\n/ { resources { devices { serial@0 { device-type = \"platform\"; }; }; }; };\n",
      "the kernel baseline gives the pool nothing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KerfDtTree) baseline = parse (cases[i].dts);
      g_autoptr(GError) error = NULL;
      g_autoptr(KerfDtTree) overlay = kerf_overlay_fill_pool (baseline, &error);

      g_assert_null (overlay);
      g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/overlay/pool/empty", test_empty);
  g_test_add_func ("/overlay/pool/empty-refusals", test_empty_refusals);
  g_test_add_func ("/overlay/pool/fill", test_fill);
  g_test_add_func ("/overlay/pool/fill-refusals", test_fill_refusals);
  return g_test_run ();
}
