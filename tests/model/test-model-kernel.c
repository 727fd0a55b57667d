/* test-model-kernel.c — the model and the kernel's form of the baseline:
 * reading /resources as the kernel keeps it (memory@N chunks, the pool
 * tree), writing the kernel baseline (golden DTS, NUMA, errors), and a
 * flat baseline through the state tree and the kernel form. */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-model.h"
#include "model-test-trees.h"

/* ---- kernel ---------------------------------------------------------- */

static void
test_kernel_baseline_form (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  KerfDtNode *res = node (tree->root, "resources", 2);
  KerfDtNode *m0 = node (res, "memory@0", 4), *m1 = node (res, "memory@1", 5);
  KerfDtNode *dev = node (node (res, "devices", 6), "ethernet@0", 7);
  KerfDtNode *plat = node (kerf_dt_node_get_child (res, "devices"), "serial@0", 11);
  KerfDtNode *aliases = node (tree->root, "aliases", 14);
  guint64 cpus[] = { 4, 5, 6, 7 };
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;
  KerfDevice *eth;

  kerf_dt_node_set_string (tree->root, "compatible", "multikernel-v1", L (1));
  kerf_dt_node_set_u64_array (res, "cpus", cpus, 4, L (3));
  kerf_dt_node_set_u64 (m0, "size", 0x40000000u, L (4));
  kerf_dt_node_set_u32 (m0, "numa-node-id", 0, L (4));
  kerf_dt_node_set_u64 (m1, "size", 0x40000000u, L (5));
  kerf_dt_node_set_u32 (m1, "numa-node-id", 1, L (5));
  kerf_dt_node_set_string (dev, "device-type", "pci", L (8));
  kerf_dt_node_set_string (dev, "pci-id", "0000:01:00.0", L (8));
  kerf_dt_node_set_u32 (dev, "vendor-id", 0x8086, L (9));
  kerf_dt_node_set_u32 (dev, "device-id", 0x1572, L (10));
  kerf_dt_node_set_string (plat, "device-type", "platform", L (12));
  kerf_dt_node_set_string (plat, "device-name", "serial8250", L (13));
  kerf_dt_node_set_string (aliases, "eth0", "/resources/devices/ethernet@0", L (15));

  model = kerf_model_from_tree (tree, diags);
  assert_no_errors (diags);
  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_KERNEL);
  /* 8 bytes per CPU: four CPUs, not eight */
  assert_ids (model->resources->available_cpus, "4 5 6 7");
  assert_ids (model->resources->host_reserved_cpus, "0 1 2 3");
  g_assert_cmpuint (model->resources->pool_bytes, ==, 0x80000000u);
  eth = kerf_resources_find_device (model->resources, "eth0");  /* named by its alias */
  g_assert_nonnull (eth);
  g_assert_cmpuint (eth->vendor_id, ==, 0x8086);
  g_assert_nonnull (kerf_resources_find_device (model->resources, "serial@0"));
  g_assert_cmpstr (kerf_resources_find_device (model->resources, "serial@0")->device_name, ==,
                   "serial8250");
}

/* What the kernel gives back from device_tree (kernel-abi.md "Pool tree"). */
static void
test_kernel_pool_tree (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  KerfDtNode *res = node (tree->root, "resources", 2);
  KerfDtNode *m0 = node (res, "memory@80000000", 4), *m1 = node (res, "memory@100000000", 5);
  KerfDtNode *bridge = node (tree->root, "pci@0", 8);
  KerfDtNode *nic = node (bridge, "ethernet@1,0", 9);
  guint64 cpus[] = { 4, 5, 6, 7 }, free_cpus[] = { 6, 7 };
  guint64 reg0[] = { 0x80000000u, 0x80000000u }, reg1[] = { 0x100000000u, 0x40000000u };
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;
  KerfDevice *dev;

  kerf_dt_node_set_string (tree->root, "compatible", "multikernel-v1", L (1));
  kerf_dt_node_set_u64_array (res, "cpus", cpus, 4, L (3));
  kerf_dt_node_set_u64_array (res, "cpus-available", free_cpus, 2, L (3));
  kerf_dt_node_set_string (m0, "device_type", "memory", L (4));
  kerf_dt_node_set_u64_array (m0, "reg", reg0, 2, L (4));
  kerf_dt_node_set_u32 (m0, "numa-node-id", 0, L (4));
  kerf_dt_node_set_u64_array (m1, "reg", reg1, 2, L (5));
  kerf_dt_node_set_string (nic, "pci-id", "0000:01:00.0", L (10));
  kerf_dt_node_set_u32 (nic, "vendor-id", 0x8086, L (11));
  kerf_dt_node_set_u32 (nic, "device-id", 0x1572, L (12));
  kerf_dt_node_set_string (node (tree->root, "aliases", 14), "eth0", "/pci@0/ethernet@1,0", L (15));

  model = kerf_model_from_tree (tree, diags);
  assert_no_errors (diags);
  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_KERNEL);
  g_assert_cmpuint (model->resources->pool_base, ==, 0x80000000u);
  g_assert_cmpuint (model->resources->pool_bytes, ==, 0xc0000000u);
  g_assert_cmpuint (model->resources->total_bytes, ==, 0x140000000u);
  dev = kerf_resources_find_device (model->resources, "eth0");
  g_assert_nonnull (dev);
  g_assert_cmpstr (dev->device_type, ==, "pci");
  g_assert_cmpstr (dev->pci_id, ==, "0000:01:00.0");
}

/* ---- kernel baseline ------------------------------------------------- */

static void
test_kernel_baseline_golden (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (TRUE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) kernel = kerf_model_to_kernel_baseline (model, &error);
  g_autofree char *dts = NULL;

  g_assert_no_error (error);
  dts = kerf_dts_print (kernel);
  assert_golden ("seed-kernel-baseline.dts", dts);

  /* field by field too, so a golden regenerated by mistake still fails */
  {
    KerfDtNode *res = kerf_dt_tree_lookup_path (kernel, "/resources");
    KerfDtProp *cpus = kerf_dt_node_get_prop (res, "cpus");
    KerfDtNode *m0 = kerf_dt_tree_lookup_path (kernel, "/resources/memory@0");
    KerfDtNode *eth = kerf_dt_tree_lookup_path (kernel, "/resources/devices/ethernet@0");
    guint64 v;
    guint32 u;
    g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (kernel->root, "compatible")),
                     ==, "multikernel-v1");
    g_assert_cmpuint (cpus->value->len, ==, 28 * 8);
    g_assert_true (kerf_dt_prop_get_u64 (kerf_dt_node_get_prop (m0, "size"), &v));
    g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (0x380000000));
    g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (m0, "numa-node-id"), 0, &u));
    g_assert_cmpuint (u, ==, 0);
    g_assert_null (kerf_dt_tree_lookup_path (kernel, "/resources/memory@1"));
    g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (eth, "device-type")), ==, "pci");
    g_assert_cmpuint (kerf_dt_node_get_prop (eth, "vendor-id")->value->len, ==, 4);
    g_assert_null (kerf_dt_node_get_prop (eth, "compatible"));  /* only what the ABI lists */
    g_assert_cmpstr (kerf_dt_prop_get_string (
                       kerf_dt_node_get_prop (kerf_dt_tree_lookup_path (kernel, "/aliases"), "nvme0")),
                     ==, "/resources/devices/storage@0");
  }
}

static void
test_kernel_baseline_numa (void)
{
  g_autoptr (KerfModel) model = kerf_model_new ();
  KerfResources *res = model->resources = kerf_resources_new ();
  KerfNumaNode *n0 = kerf_numa_node_new (0), *n1 = kerf_numa_node_new (1);
  KerfDevice *serial = kerf_device_new ("serial0");
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) kernel = NULL;
  g_autofree char *dts = NULL;
  guint32 cpu = 4;

  g_array_append_val (res->available_cpus, cpu);
  res->total_cpus = 8;
  /* pool 0x0_8000_0800 .. 0x3_0000_0000 spans both nodes; node 1 starts at
   * 0x2_0000_0000; the start is not page aligned */
  res->pool_base = 0x80000800u;
  res->pool_bytes = G_GUINT64_CONSTANT (0x300000000) - 0x80000800u;
  n0->memory_base = 0;
  n0->memory_size = G_GUINT64_CONSTANT (0x200000000);
  n1->memory_base = G_GUINT64_CONSTANT (0x200000000);
  n1->memory_size = G_GUINT64_CONSTANT (0x200000000);
  g_ptr_array_add (res->numa_nodes, n0);
  g_ptr_array_add (res->numa_nodes, n1);
  serial->node_name = g_strdup ("serial@3f8");
  serial->device_type = g_strdup ("platform");
  serial->device_name = g_strdup ("serial8250");
  g_ptr_array_add (res->devices, serial);

  kernel = kerf_model_to_kernel_baseline (model, &error);
  g_assert_no_error (error);
  dts = kerf_dts_print (kernel);
  assert_golden ("numa-kernel-baseline.dts", dts);
}

static void
test_kernel_baseline_errors (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) kernel = NULL;

  kernel = kerf_model_to_kernel_baseline (model, &error);
  g_assert_null (kernel);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_VALIDATION_FAILED);
  g_assert_nonnull (strstr (error->message, "t.dts:21:1: PCI device eth0 lacks vendor-id, device-id"));
  g_assert_nonnull (strstr (error->message, "t.dts:29:1: PCI device nvme0 lacks vendor-id, device-id"));

  g_clear_error (&error);
  g_clear_pointer (&model->resources, kerf_resources_free);
  g_assert_null (kerf_model_to_kernel_baseline (model, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
}

/* Every schema reads into a model that the state tree keeps. */
static void
test_round_trip_flat_kernel (void)
{
  g_autoptr (KerfDtTree) flat = flat_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (flat, diags);
  g_autoptr (KerfDtTree) state = kerf_model_to_state_tree (model);
  g_autoptr (KerfModel) again = kerf_model_from_tree (state, diags);
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) kernel = NULL;
  g_autoptr (KerfModel) from_kernel = NULL;

  assert_no_errors (diags);
  g_assert_cmpint (again->schema, ==, KERF_SCHEMA_NESTED);
  again->schema = model->schema;
  assert_models_equal (model, again);

  /* baseline -> kernel form -> model keeps the pool */
  kernel = kerf_model_to_kernel_baseline (model, &error);
  g_assert_no_error (error);
  from_kernel = kerf_model_from_tree (kernel, diags);
  assert_no_errors (diags);
  g_assert_cmpint (from_kernel->schema, ==, KERF_SCHEMA_KERNEL);
  assert_ids (from_kernel->resources->available_cpus, "2 3 4 5");
  g_assert_cmpuint (from_kernel->resources->pool_bytes, ==, model->resources->pool_bytes);
  g_assert_nonnull (kerf_resources_find_device (from_kernel->resources, "enp9s0_dev"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/kernel-baseline-form", test_kernel_baseline_form);
  g_test_add_func ("/model/kernel-pool-tree", test_kernel_pool_tree);
  g_test_add_func ("/model/kernel-baseline/golden", test_kernel_baseline_golden);
  g_test_add_func ("/model/kernel-baseline/numa", test_kernel_baseline_numa);
  g_test_add_func ("/model/kernel-baseline/errors", test_kernel_baseline_errors);
  g_test_add_func ("/model/round-trip/flat-kernel", test_round_trip_flat_kernel);
  return g_test_run ();
}
