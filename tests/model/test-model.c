/* test-model.c — the resource model on trees built with the kerf-dt.h
 * setters: the schemas, locations, schema errors and model -> state tree
 * -> model round trips.  The kernel form is in test-model-kernel.c. */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-model.h"
#include "model-test-trees.h"

/* ---- nested --------------------------------------------------------- */

static void
test_nested (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  KerfResources *res;
  KerfDevice *eth, *nvme;

  assert_no_errors (diags);
  g_assert_nonnull (model);
  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_NESTED);
  res = model->resources;
  g_assert_cmpuint (res->total_cpus, ==, 32);
  assert_ids (res->host_reserved_cpus, "0 1 2 3");
  g_assert_cmpuint (res->available_cpus->len, ==, 28);
  g_assert_cmpuint (g_array_index (res->available_cpus, guint32, 27), ==, 31);
  g_assert_cmpuint (res->total_bytes, ==, G_GUINT64_CONSTANT (0x400000000));
  g_assert_cmpuint (res->host_reserved_bytes, ==, 0x80000000u);
  g_assert_cmpuint (res->pool_base, ==, 0x80000000u);
  g_assert_cmpuint (res->pool_bytes, ==, G_GUINT64_CONSTANT (0x380000000));

  /* two devices, named by label (upstream kept one, called "0") */
  g_assert_cmpuint (res->devices->len, ==, 2);
  eth = kerf_resources_find_device (res, "eth0");
  nvme = kerf_resources_find_device (res, "nvme0");
  g_assert_nonnull (eth);
  g_assert_nonnull (nvme);
  g_assert_cmpstr (eth->node_name, ==, "ethernet@0");
  g_assert_cmpstr (eth->compatible, ==, "intel,i40e");
  g_assert_cmpstr (eth->pci_id, ==, "0000:01:00.0");
  g_assert_cmpuint (eth->sriov_vfs, ==, 8);
  assert_ids (eth->host_reserved_vfs, "0");
  assert_ids (eth->available_vfs, "1 2 3 4 5 6 7");
  g_assert_false (eth->has_vendor_id);
  g_assert_cmpint (eth->numa_node, ==, -1);
  g_assert_cmpuint (nvme->namespaces, ==, 4);
  assert_ids (nvme->host_reserved_ns, "1");
  assert_ids (nvme->available_ns, "2 3 4");
  g_assert_true (kerf_resources_find_device_by_pci_id (res, "0000:02:00.0") == nvme);
  g_assert_cmpuint (res->numa_nodes->len, ==, 0);
  g_assert_cmpuint (model->instances->len, ==, 0);

  /* every field remembers where it was written */
  assert_loc (res->cpus_loc, 7);
  assert_loc (res->total_cpus_loc, 8);
  assert_loc (res->host_reserved_cpus_loc, 9);
  assert_loc (res->available_cpus_loc, 10);
  assert_loc (res->memory_loc, 13);
  assert_loc (res->pool_base_loc, 16);
  assert_loc (res->pool_bytes_loc, 17);
  assert_loc (eth->loc, 21);
  assert_loc (nvme->loc, 29);
}

static void
test_nested_topology (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  KerfDtNode *res = kerf_dt_tree_lookup_path (tree, "/resources");
  KerfDtNode *numa = node (node (res, "topology", 40), "numa-nodes", 41);
  KerfDtNode *n1 = node (numa, "node@1", 42);
  KerfDtNode *n0 = node (numa, "node@0", 48);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  /* node@1 first in the source: the model sorts by id */
  kerf_dt_node_set_u32 (n1, "node-id", 1, L (43));
  kerf_dt_node_set_u64 (n1, "memory-base", G_GUINT64_CONSTANT (0x200000000), L (44));
  kerf_dt_node_set_u64 (n1, "memory-size", G_GUINT64_CONSTANT (0x200000000), L (45));
  set_ids (n1, "cpus", "16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31", 46);
  set_ids (n1, "distance-matrix", "20 10", 47);
  /* node@0 without node-id: the unit address gives it */
  kerf_dt_node_set_u64 (n0, "memory-base", 0, L (49));
  kerf_dt_node_set_u64 (n0, "memory-size", G_GUINT64_CONSTANT (0x200000000), L (50));
  set_ids (n0, "cpus", "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", 51);

  model = kerf_model_from_tree (tree, diags);
  assert_no_errors (diags);
  g_assert_cmpuint (model->resources->numa_nodes->len, ==, 2);
  g_assert_cmpuint (((KerfNumaNode *) g_ptr_array_index (model->resources->numa_nodes, 0))->id, ==, 0);
  g_assert_true (kerf_resources_numa_node_of_cpu (model->resources, 17)
                 == kerf_resources_find_numa_node (model->resources, 1));
  g_assert_true (kerf_resources_numa_node_of_address (model->resources, 0x1ffffffffu)
                 == kerf_resources_find_numa_node (model->resources, 0));
  g_assert_true (kerf_resources_numa_node_of_address (model->resources, 0x200000000u)
                 == kerf_resources_find_numa_node (model->resources, 1));
  g_assert_null (kerf_resources_numa_node_of_address (model->resources, 0x400000000u));
  /* a matrix row, in order (not an id list) */
  assert_ids (kerf_resources_find_numa_node (model->resources, 1)->distances, "20 10");
  assert_loc (kerf_resources_find_numa_node (model->resources, 1)->loc, 42);
}

/* ---- flat ----------------------------------------------------------- */

static void
check_flat (KerfModel *model)
{
  KerfResources *res = model->resources;
  KerfDevice *dev;

  g_assert_cmpint (model->schema, ==, KERF_SCHEMA_FLAT);
  assert_ids (res->available_cpus, "2 3 4 5");
  /* the CPUs below the pool that the pool does not list are the host's */
  assert_ids (res->host_reserved_cpus, "0 1");
  g_assert_cmpuint (res->total_cpus, ==, 6);
  g_assert_cmpuint (res->pool_base, ==, 0x40000000u);
  g_assert_cmpuint (res->pool_bytes, ==, G_GUINT64_CONSTANT (0x1c0000000));
  g_assert_cmpuint (res->total_bytes, ==, G_GUINT64_CONSTANT (0x200000000));
  g_assert_cmpuint (res->host_reserved_bytes, ==, 0x40000000u);
  dev = kerf_resources_find_device (res, "enp9s0_dev");
  g_assert_nonnull (dev);
  g_assert_cmpstr (dev->device_type, ==, "pci");
  g_assert_true (dev->has_vendor_id);
  g_assert_cmpuint (dev->vendor_id, ==, 0x10ec);
  g_assert_cmpuint (dev->device_id, ==, 0x8168);
}

static void
test_flat (void)
{
  g_autoptr (KerfDtTree) tree = flat_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);

  assert_no_errors (diags);
  check_flat (model);
  assert_loc (model->resources->available_cpus_loc, 3);
  assert_loc (model->resources->pool_base_loc, 4);
}

/* The Python tool's DTB carries u64 CPU cells; from a blob they are read
 * as such, from DTS as u32 — by origin, never by length. */
static void
test_flat_blob (void)
{
  g_autoptr (KerfDtTree) tree = flat_tree (TRUE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree_full (tree, KERF_MODEL_READ_FROM_BLOB, diags);

  assert_no_errors (diags);
  check_flat (model);
}

/* An even number of u32 cells is not a list of u64s (upstream §12.4). */
static void
test_even_u32_list (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  KerfDtNode *cpus = kerf_dt_tree_lookup_path (tree, "/resources/cpus");
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  set_ids (cpus, "available", "4 5", 10);
  model = kerf_model_from_tree (tree, diags);
  assert_no_errors (diags);
  assert_ids (model->resources->available_cpus, "4 5");
}

/* ---- state: references and instances -------------------------------- */

static void
check_state (KerfModel *model, gboolean check_locs)
{
  KerfInstance *web = kerf_model_find_instance (model, "web-server");
  KerfDeviceRef *ref;

  g_assert_cmpuint (model->device_refs->len, ==, 2);
  ref = g_ptr_array_index (model->device_refs, 0);
  g_assert_cmpstr (ref->name, ==, "eth0_vf1");
  g_assert_cmpstr (ref->device, ==, "eth0");
  g_assert_cmpint (ref->kind, ==, KERF_DEVICE_REF_VF);
  g_assert_cmpuint (ref->index, ==, 1);
  ref = g_ptr_array_index (model->device_refs, 1);
  g_assert_cmpstr (ref->name, ==, "nvme0_ns2");
  g_assert_cmpint (ref->kind, ==, KERF_DEVICE_REF_NAMESPACE);
  g_assert_cmpuint (ref->index, ==, 2);

  g_assert_nonnull (web);
  g_assert_true (kerf_model_find_instance_by_id (model, 1) == web);
  g_assert_null (kerf_model_find_instance_by_id (model, 0));
  assert_ids (web->cpus, "4 5 6 7");
  g_assert_cmpuint (web->memory_base, ==, 0x80000000u);
  g_assert_cmpuint (web->memory_bytes, ==, 0x80000000u);
  g_assert_cmpuint (web->devices->len, ==, 2);
  ref = g_ptr_array_index (web->devices, 0);
  g_assert_cmpstr (ref->name, ==, "eth0_vf1");
  g_assert_cmpstr (ref->device, ==, "eth0");
  g_assert_cmpint (ref->kind, ==, KERF_DEVICE_REF_VF);
  ref = g_ptr_array_index (web->devices, 1);
  g_assert_cmpstr (ref->name, ==, "nvme0");
  g_assert_cmpint (ref->kind, ==, KERF_DEVICE_REF_WHOLE);
  assert_ids (web->numa_nodes, "0");
  g_assert_cmpint (web->cpu_affinity, ==, KERF_CPU_AFFINITY_COMPACT);
  g_assert_cmpint (web->memory_policy, ==, KERF_MEMORY_POLICY_LOCAL);
  if (check_locs)
    {
      assert_loc (web->loc, 51);
      assert_loc (web->id_loc, 52);
      assert_loc (web->cpus_loc, 54);
      assert_loc (web->memory_base_loc, 55);
      assert_loc (web->devices_loc, 57);
      assert_loc (web->cpu_affinity_loc, 59);
      assert_loc (web->memory_policy_loc, 60);
    }
}

static void
test_state (void)
{
  g_autoptr (KerfDtTree) tree = state_tree ();
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  g_autoptr (KerfModel) copy = NULL;

  assert_no_errors (diags);
  check_state (model, TRUE);
  copy = kerf_model_copy (model);
  check_state (copy, TRUE);
}

/* device-names = "eth0_vf1", "nvme0" and f1fb859's "a b" single string */
static void
test_device_names (void)
{
  g_autoptr (KerfDtTree) tree = state_tree ();
  KerfDtNode *wres = kerf_dt_tree_lookup_path (tree, "/instances/web-server/resources");
  const char *names[] = { "eth0_vf1", "nvme0 nvme0_ns2", NULL };
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;
  KerfInstance *web;

  kerf_dt_node_remove_prop (wres, "devices");
  kerf_dt_node_set_string_list (wres, "device-names", names, L (57));
  model = kerf_model_from_tree (tree, diags);
  assert_no_errors (diags);
  web = kerf_model_find_instance (model, "web-server");
  g_assert_cmpuint (web->devices->len, ==, 3);
  g_assert_cmpint (((KerfDeviceRef *) g_ptr_array_index (web->devices, 0))->kind, ==,
                   KERF_DEVICE_REF_VF);
  g_assert_cmpint (((KerfDeviceRef *) g_ptr_array_index (web->devices, 1))->kind, ==,
                   KERF_DEVICE_REF_WHOLE);
  g_assert_cmpint (((KerfDeviceRef *) g_ptr_array_index (web->devices, 2))->kind, ==,
                   KERF_DEVICE_REF_NAMESPACE);
  g_assert_cmpuint (((KerfDeviceRef *) g_ptr_array_index (web->devices, 2))->index, ==, 2);
}

static void
test_device_ref_names (void)
{
  g_autoptr (KerfDeviceRef) vf = kerf_device_ref_new ("eth0_vf12");
  g_autoptr (KerfDeviceRef) ns = kerf_device_ref_new ("my_nvme_ns3");
  g_autoptr (KerfDeviceRef) whole = kerf_device_ref_new ("eth0_vfx");
  g_autofree char *canon = kerf_device_ref_canonical_name ("nvme0", KERF_DEVICE_REF_NAMESPACE, 2);

  g_assert_cmpint (vf->kind, ==, KERF_DEVICE_REF_VF);
  g_assert_cmpstr (vf->device, ==, "eth0");
  g_assert_cmpuint (vf->index, ==, 12);
  g_assert_cmpint (ns->kind, ==, KERF_DEVICE_REF_NAMESPACE);
  g_assert_cmpstr (ns->device, ==, "my_nvme");
  g_assert_cmpint (whole->kind, ==, KERF_DEVICE_REF_WHOLE);
  g_assert_cmpstr (whole->device, ==, "eth0_vfx");
  g_assert_cmpstr (canon, ==, "nvme0_ns2");

  g_assert_true (kerf_instance_name_is_valid ("web-server.1_a"));
  g_assert_false (kerf_instance_name_is_valid (""));
  g_assert_false (kerf_instance_name_is_valid (".hidden"));
  g_assert_false (kerf_instance_name_is_valid ("-x"));
  g_assert_false (kerf_instance_name_is_valid ("a/b"));
  g_assert_false (kerf_instance_name_is_valid ("0123456789012345678901234567890123456789012345678901234567890123"));
  g_assert_false (kerf_instance_name_is_valid (NULL));
  g_assert_null (kerf_instance_name_problem ("web-server.1_a"));
  {
    static const struct { const char *name, *problem; } cases[] = {
      { "", "it is empty" },
      { ".hidden", "it starts with '.'" },
      { "-x", "it starts with '-'" },
      { "a/b", "it contains '/'" },
      { "a\tb", "it contains the byte 0x09" },
      { "0123456789012345678901234567890123456789012345678901234567890123",
        "it is 64 characters long (at most 63)" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *problem = kerf_instance_name_problem (cases[i].name);

        g_assert_cmpstr (problem, ==, cases[i].problem);
      }
  }
}

/* ---- schema errors --------------------------------------------------- */

static void
test_error_missing (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  kerf_dt_node_remove_prop (kerf_dt_tree_lookup_path (tree, "/resources/cpus"), "total");
  kerf_dt_node_remove_prop (kerf_dt_tree_lookup_path (tree, "/resources/memory"), "memory-pool-bytes");
  model = kerf_model_from_tree (tree, diags);
  g_assert_null (model);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 2);  /* both, not just the first */
  assert_diag (diags, 0, "t.dts:7:1: error: /resources/cpus lacks the required property 'total'",
               "add total = ");
  assert_diag (diags, 1, "t.dts:13:1: error: /resources/memory lacks the required property "
               "'memory-pool-bytes'", NULL);
}

static void
test_error_shapes (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  KerfDtNode *mem = kerf_dt_tree_lookup_path (tree, "/resources/memory");
  KerfDtNode *cpus = kerf_dt_tree_lookup_path (tree, "/resources/cpus");
  KerfDtNode *eth = kerf_dt_tree_lookup_label (tree, "eth0");
  guint32 three[] = { 0, 1, 2 };
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  kerf_dt_node_set_u32_array (mem, "memory-pool-base", three, 3, L (16));
  set_ids (cpus, "host-reserved", "0 1 1 2 2 2", 9);
  kerf_dt_node_set_string (eth, "device-type", "usb", L (27));
  kerf_dt_node_set_string (eth, "pci-id", "01:00.0", L (23));
  model = kerf_model_from_tree (tree, diags);
  g_assert_null (model);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 5);
  assert_diag (diags, 0, "t.dts:9:1: error: CPU 1 is listed more than once in 'host-reserved'", NULL);
  assert_diag (diags, 1, "t.dts:9:1: error: CPU 2 is listed more than once", NULL);
  assert_diag (diags, 2, "t.dts:16:1: error: 'memory-pool-base' must be one cell or two cells "
               "<hi lo>, not 12 bytes", "<0x4 0x0>");
  assert_diag (diags, 3, "t.dts:27:1: error: device eth0: unknown device-type \"usb\"", "\"platform\"");
  assert_diag (diags, 4, "t.dts:23:1: error: device eth0: malformed pci-id \"01:00.0\"", "DDDD:BB:SS.F");
}

static void
test_error_references (void)
{
  g_autoptr (KerfDtTree) tree = state_tree ();
  KerfDtNode *wres = kerf_dt_tree_lookup_path (tree, "/instances/web-server/resources");
  KerfDtNode *vf1 = kerf_dt_tree_lookup_label (tree, "eth0_vf1");
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  set_refs (wres, "devices", "ghost nvme0", 57, 99, 2);   /* phandle 99: nothing */
  kerf_dt_node_set_string (wres, "cpu-affinity", "tight", L (59));
  set_refs (vf1, "parent", "nvme0_ns2", 41, 4, 0);        /* a reference, not a device */
  model = kerf_model_from_tree (tree, diags);
  g_assert_null (model);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 3);
  assert_diag (diags, 0, "t.dts:41:5: error: parent of eth0-vf@1 refers to "
               "/device-references/nvme0-ns@2, which is not a device", NULL);
  assert_diag (diags, 1, "t.dts:57:5: error: instance web-server: device &ghost refers to nothing",
               "&eth0_vf1");
  assert_diag (diags, 2, "t.dts:59:1: error: unknown cpu-affinity \"tight\"",
               "\"compact\", \"spread\", \"local\"");
}

static void
test_error_schema_mix (void)
{
  g_autoptr (KerfDtTree) tree = seed_tree (FALSE);
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = NULL;

  kerf_dt_node_set_u32 (kerf_dt_tree_lookup_path (tree, "/resources"), "memory-base", 0, L (5));
  model = kerf_model_from_tree (tree, diags);
  g_assert_null (model);
  assert_diag (diags, 0, "t.dts:6:1: error: /resources mixes the nested and flat schemas", NULL);
}

/* ---- round trips ----------------------------------------------------- */

static void
test_round_trip_state (void)
{
  g_autoptr (KerfDtTree) tree = state_tree ();
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  g_autoptr (KerfDtTree) state = NULL, state2 = NULL;
  g_autoptr (KerfModel) again = NULL;
  g_autofree char *dts = NULL, *dts2 = NULL;

  assert_no_errors (diags);
  state = kerf_model_to_state_tree (model);
  g_assert_cmpint (state->dialect, ==, KERF_DT_DIALECT_MULTIKERNEL_V1);
  again = kerf_model_from_tree (state, diags);
  assert_no_errors (diags);
  assert_models_equal (model, again);
  check_state (again, FALSE);

  /* and the state tree is a fixed point */
  state2 = kerf_model_to_state_tree (again);
  dts = kerf_dts_print (state);
  dts2 = kerf_dts_print (state2);
  g_assert_cmpstr (dts, ==, dts2);
  assert_golden ("state.dts", dts);
}

/* Through a DTB, where labels are lost: the aliases keep the names. */
static void
test_round_trip_dtb (void)
{
  g_autoptr (KerfDtTree) tree = state_tree ();
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfModel) model = kerf_model_from_tree (tree, diags);
  g_autoptr (KerfDtTree) state = kerf_model_to_state_tree (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) blob = kerf_dtb_write (state, &error);
  g_autoptr (KerfDtTree) back = NULL;
  g_autoptr (KerfModel) again = NULL;

  g_assert_no_error (error);
  back = kerf_dtb_read (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), "state.dtb", &error);
  g_assert_no_error (error);
  again = kerf_model_from_tree_full (back, KERF_MODEL_READ_FROM_BLOB, diags);
  assert_no_errors (diags);
  assert_models_equal (model, again);
}

/* Every property of a state tree replaced by each malformed shape in turn:
 * never a crash, and a model exactly when there is no error. */
static void
collect_props (KerfDtNode *n, GPtrArray *out)
{
  g_autofree char *path = kerf_dt_node_path (n);

  for (guint i = 0; i < n->props->len; i++)
    g_ptr_array_add (out, g_strdup_printf ("%s|%s", path,
                                           ((KerfDtProp *) g_ptr_array_index (n->props, i))->name));
  for (guint i = 0; i < n->children->len; i++)
    collect_props (g_ptr_array_index (n->children, i), out);
}

static void
test_malformed_everywhere (void)
{
  g_autoptr (KerfDtTree) base = state_tree ();
  g_autoptr (GPtrArray) props = g_ptr_array_new_with_free_func (g_free);
  static const guint8 shapes[][13] = {
    { 0 }, { 'x' }, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x63 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff }, { 'a', 0, 'b' },
  };
  static const gsize lens[] = { 0, 1, 12, 8, 3 };
  guint n_errors = 0;

  collect_props (base->root, props);
  g_assert_cmpuint (props->len, >, 30);
  for (guint i = 0; i < props->len; i++)
    for (guint k = 0; k < G_N_ELEMENTS (lens); k++)
      {
        g_autoptr (KerfDtTree) tree = kerf_dt_tree_copy (base);
        g_auto (GStrv) parts = g_strsplit (g_ptr_array_index (props, i), "|", 2);
        KerfDtNode *n = kerf_dt_tree_lookup_path (tree, parts[0]);
        KerfDtProp *prop = kerf_dt_node_get_prop (n, parts[1]);
        g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
        g_autoptr (KerfModel) model = NULL;

        g_byte_array_set_size (prop->value, 0);
        g_byte_array_append (prop->value, shapes[k], (guint) lens[k]);
        g_array_set_size (prop->marks, 0);
        model = kerf_model_from_tree (tree, diags);
        g_assert_true ((model == NULL) == kerf_diag_list_has_errors (diags));
        n_errors += model == NULL;
        for (guint d = 0; d < kerf_diag_list_length (diags); d++)
          g_assert_nonnull (kerf_diag_list_get (diags, d)->loc.file);  /* always located */
      }
  g_assert_cmpuint (n_errors, >, props->len * 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/nested", test_nested);
  g_test_add_func ("/model/nested-topology", test_nested_topology);
  g_test_add_func ("/model/flat", test_flat);
  g_test_add_func ("/model/flat-blob", test_flat_blob);
  g_test_add_func ("/model/even-u32-list", test_even_u32_list);
  g_test_add_func ("/model/state", test_state);
  g_test_add_func ("/model/device-names", test_device_names);
  g_test_add_func ("/model/device-ref-names", test_device_ref_names);
  g_test_add_func ("/model/error/missing", test_error_missing);
  g_test_add_func ("/model/error/shapes", test_error_shapes);
  g_test_add_func ("/model/error/references", test_error_references);
  g_test_add_func ("/model/error/schema-mix", test_error_schema_mix);
  g_test_add_func ("/model/round-trip/state", test_round_trip_state);
  g_test_add_func ("/model/round-trip/dtb", test_round_trip_dtb);
  g_test_add_func ("/model/malformed-everywhere", test_malformed_everywhere);
  return g_test_run ();
}
