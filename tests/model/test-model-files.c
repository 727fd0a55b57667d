/* test-model-files.c — the model through the real front ends: the example
 * files, DTS text with located schema errors, DTB bytes, and the state file
 * printed as DTS and read back. */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-model.h"
#include "model-test-util.h"

static char *
example_path (const char *name)
{
  return g_build_filename (KERF_SOURCE_DIR, "examples", name, NULL);
}

static KerfModel *
load_example (const char *name, KerfDiagList *diags)
{
  g_autofree char *path = example_path (name);
  KerfModel *model = kerf_model_from_file (path, diags);

  assert_no_errors (diags);
  g_assert_nonnull (model);
  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_NESTED);
  return model;
}

static KerfDtTree *
kernel_of (const KerfModel *model)
{
  g_autoptr (GError) error = NULL;
  KerfDtTree *kernel = kerf_model_to_kernel_baseline (model, &error);

  g_assert_no_error (error);
  g_assert_nonnull (kernel);
  return kernel;
}

/* The seed's file, including its over-wide cells (warned, not failed). */
static void
test_example_baseline (void)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = load_example ("baseline.dts", diags);
  g_autoptr (KerfDtTree) kernel = NULL;
  g_autofree char *dts = NULL;
  KerfResources *res = model->resources;
  gboolean warned_pool_bytes = FALSE;

  g_assert_cmpuint (res->total_cpus, ==, 32);
  assert_ids (res->host_reserved_cpus, "0 1 2 3");
  g_assert_cmpuint (res->available_cpus->len, ==, 28);
  g_assert_cmpuint (res->total_bytes, ==, G_GUINT64_CONSTANT (0x400000000));
  g_assert_cmpuint (res->pool_base, ==, 0x80000000u);
  g_assert_cmpuint (res->pool_bytes, ==, G_GUINT64_CONSTANT (0x380000000));
  g_assert_nonnull (kerf_resources_find_device (res, "eth0"));
  g_assert_nonnull (kerf_resources_find_device (res, "nvme0"));
  g_assert_cmpuint (res->numa_nodes->len, ==, 2);
  /* the model points into the user's file */
  g_assert_true (g_str_has_suffix (res->pool_bytes_loc.file, "examples/baseline.dts"));
  g_assert_cmpuint (res->pool_bytes_loc.line, ==, 34);

  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      if (d->severity == KERF_SEVERITY_WARNING && d->loc.line == 34)
        warned_pool_bytes = TRUE;
    }
  g_assert_true (warned_pool_bytes);

  kernel = kernel_of (model);
  dts = kerf_dts_print (kernel);
  assert_golden ("baseline-kernel.dts", dts);
}

static void
test_example_numa (void)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = load_example ("numa_topology.dts", diags);
  g_autoptr (KerfDtTree) kernel = kernel_of (model);
  g_autofree char *dts = kerf_dts_print (kernel);
  guint64 sizes[] = { G_GUINT64_CONSTANT (0x700000000), G_GUINT64_CONSTANT (0x800000000),
                      G_GUINT64_CONSTANT (0x800000000), G_GUINT64_CONSTANT (0x800000000) };

  g_assert_cmpuint (model->resources->numa_nodes->len, ==, 4);
  g_assert_cmpuint (model->resources->available_cpus->len, ==, 60);
  g_assert_cmpint (kerf_resources_find_device (model->resources, "nvme1")->numa_node, ==, 3);
  /* one pool chunk per node: 28 GiB on node 0 (the host has 4), 32 on the rest */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("/resources/memory@%u", i);
      KerfDtNode *chunk = kerf_dt_tree_lookup_path (kernel, path);
      guint64 size;
      guint32 node_id;
      g_assert_nonnull (chunk);
      g_assert_true (kerf_dt_prop_get_u64 (kerf_dt_node_get_prop (chunk, "size"), &size));
      g_assert_cmpuint (size, ==, sizes[i]);
      g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (chunk, "numa-node-id"), 0, &node_id));
      g_assert_cmpuint (node_id, ==, i);
    }
  assert_golden ("numa_topology-kernel.dts", dts);
}

/* Every other valid example reads and gives a kernel baseline. */
static void
test_examples_other (void)
{
  const char *names[] = { "minimal.dts", "edge_computing.dts", "system.dts" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr (KerfModel) model = load_example (names[i], diags);
      g_autoptr (KerfDtTree) kernel = kernel_of (model);
      g_assert_cmpuint (kerf_diag_list_n_warnings (diags), ==, 0);  /* spelled correctly */
      g_assert_nonnull (kerf_dt_tree_lookup_path (kernel, "/resources/memory@0"));
    }
  {
    g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
    g_autoptr (KerfModel) model = load_example ("system.dts", diags);
    g_autoptr (KerfDtTree) kernel = kernel_of (model);
    /* the host's boot controller stays with the host; the UART is platform */
    g_assert_null (kerf_dt_tree_lookup_path (kernel, "/resources/devices/sata@0"));
    g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (
                       kerf_dt_tree_lookup_path (kernel, "/resources/devices/serial@2f8"),
                       "device-name")), ==, "serial8250");
    g_assert_cmpuint (kerf_resources_find_device (model->resources, "sata0")->host_reserved, ==, TRUE);
  }
  {
    g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
    g_autoptr (KerfModel) model = load_example ("edge_computing.dts", diags);
    g_assert_cmpstr (kerf_resources_find_device (model->resources, "gpu0")->compatible, ==,
                     "nvidia,tesla-t4");
    g_assert_cmpuint (model->resources->pool_bytes, ==, G_GUINT64_CONSTANT (0x600000000));
  }
}

/* The conflict example is schema-valid (the validator finds its faults). */
static void
test_example_conflict (void)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = load_example ("conflict_example.dts", diags);
  KerfInstance *db = kerf_model_find_instance (model, "database");
  KerfInstance *an = kerf_model_find_instance (model, "analytics");
  KerfDeviceRef *ref;

  g_assert_cmpuint (model->instances->len, ==, 3);
  g_assert_cmpuint (model->device_refs->len, ==, 3);
  g_assert_nonnull (db);
  g_assert_cmpuint (db->id, ==, 1);
  assert_ids (db->cpus, "6 7 8 9");
  ref = g_ptr_array_index (db->devices, 0);
  g_assert_cmpstr (ref->name, ==, "eth0_vf9");
  g_assert_cmpint (ref->kind, ==, KERF_DEVICE_REF_VF);
  g_assert_cmpuint (ref->index, ==, 9);
  /* the instance's device entry points at its own line, where &eth0_vf9 is */
  g_assert_cmpuint (ref->loc.line, ==, db->devices_loc.line);
  g_assert_cmpuint (an->memory_base, ==, G_GUINT64_CONSTANT (0x200000800));
  g_assert_cmpint (an->cpu_affinity, ==, KERF_CPU_AFFINITY_COMPACT);
}

/* Schema errors from real DTS: FILE:LINE:COL, all of them, suggestions. */
static void
test_dts_errors (void)
{
  static const char text[] =
    "/multikernel-v1/;\n"                                       /* 1 */
    "/ {\n"                                                     /* 2 */
    "    resources {\n"                                         /* 3 */
    "        cpus { total = <8>; available = <2 3 3>; };\n"     /* 4 */
    "        memory {\n"                                        /* 5 */
    "            total-bytes = <0x2 0x0>;\n"                    /* 6 */
    "            memory-pool-base = <0x0 0x40000000 0x0>;\n"    /* 7 */
    "        };\n"                                              /* 8 */
    "    };\n"                                                  /* 9 */
    "    instances {\n"                                         /* 10 */
    "        a { resources { cpus = <2>; memory-base = <0x40000000>;\n" /* 11 */
    "            memory-bytes = <0x1000>; memory-policy = \"near\"; }; };\n" /* 12 */
    "    };\n"                                                  /* 13 */
    "};\n";
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_data ("bad.dts", (const guint8 *) text,
                                                      strlen (text), diags);

  g_assert_null (model);
  if (kerf_diag_list_n_errors (diags) != 4)
    kerf_diag_list_print (diags, stderr);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 4);
  kerf_diag_list_sort (diags);
  assert_diag (diags, 0, "bad.dts:4:29: error: CPU 3 is listed more than once in 'available'", NULL);
  assert_diag (diags, 1, "bad.dts:5:9: error: /resources/memory lacks the required property "
               "'memory-pool-bytes'", "memory-pool-bytes = ");
  assert_diag (diags, 2, "bad.dts:7:13: error: 'memory-pool-base' must be one cell or two cells "
               "<hi lo>, not 12 bytes", NULL);
  assert_diag (diags, 3, "bad.dts:12:38: error: unknown memory-policy \"near\"", "\"interleave\"");
}

/* The Python tool's flat DTS. */
static void
test_dts_flat (void)
{
  static const char text[] =
    "/multikernel-v1/;\n"
    "/ { compatible = \"linux,multikernel-host\";\n"
    "    resources {\n"
    "        cpus = <4 5 6 7>;\n"
    "        memory-base = <0x80000000>;\n"
    "        memory-bytes = <0x0 0x380000000>;\n"
    "        devices { enp9s0_dev { device-type = \"pci\"; pci-id = \"0000:09:00.0\";\n"
    "                               vendor-id = <0x10ec>; device-id = <0x8168>; }; };\n"
    "    };\n"
    "};\n";
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_data ("flat.dts", (const guint8 *) text,
                                                      strlen (text), diags);

  assert_no_errors (diags);
  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_FLAT);
  assert_ids (model->resources->available_cpus, "4 5 6 7");  /* even count, u32 */
  g_assert_cmpuint (model->resources->pool_bytes, ==, G_GUINT64_CONSTANT (0x380000000));
  g_assert_nonnull (kerf_resources_find_device (model->resources, "enp9s0_dev"));
}

/* State tree -> DTS text -> model, and state tree -> DTB -> model. */
static void
test_state_text_and_blob (void)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = load_example ("conflict_example.dts", diags);
  g_autoptr (KerfDtTree) state = kerf_model_to_state_tree (model);
  g_autofree char *dts = kerf_dts_print (state);
  g_autoptr (KerfModel) from_text = NULL, from_blob = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) blob = NULL;

  from_text = kerf_model_from_data ("state.dts", (const guint8 *) dts, strlen (dts), diags);
  assert_no_errors (diags);
  assert_models_equal (model, from_text);

  blob = kerf_dtb_write (state, &error);
  g_assert_no_error (error);
  from_blob = kerf_model_from_data ("state.dtb", g_bytes_get_data (blob, NULL),
                                    g_bytes_get_size (blob), diags);
  assert_no_errors (diags);
  assert_models_equal (model, from_blob);
}

static void
test_unreadable (void)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  static const guint8 junk[] = { 0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 8 };

  g_assert_null (kerf_model_from_file ("/nonexistent/x.dts", diags));
  g_assert_true (kerf_diag_list_has_errors (diags));
  g_assert_null (kerf_model_from_data ("junk.dtb", junk, sizeof junk, diags));
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 2);
  g_assert_cmpstr (kerf_diag_list_get (diags, 1)->loc.file, ==, "junk.dtb");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-files/example/baseline", test_example_baseline);
  g_test_add_func ("/model-files/example/numa", test_example_numa);
  g_test_add_func ("/model-files/example/others", test_examples_other);
  g_test_add_func ("/model-files/example/conflict", test_example_conflict);
  g_test_add_func ("/model-files/dts/errors", test_dts_errors);
  g_test_add_func ("/model-files/dts/flat", test_dts_flat);
  g_test_add_func ("/model-files/state-text-and-blob", test_state_text_and_blob);
  g_test_add_func ("/model-files/unreadable", test_unreadable);
  return g_test_run ();
}
