/* test-overlay.c — the overlay generator against golden DTBOs.
 *
 * Each golden case builds one transaction, encodes it with
 * kerf_overlay_to_dtbo(), decompiles the blob with Debian's
 * `dtc -I dtb -O dts` and compares the text with tests/overlay/golden/
 * NAME.dts.  KERF_UPDATE_GOLDEN=1 rewrites the golden files instead (review
 * the diff before committing them).  The other cases check refusals and the
 * log line.
 *
 * Fixtures are built field by field from the model's public structs (the
 * generator reads fields only); one case goes through the real model's
 * reader of the kernel's pool tree. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-overlay.h"

#define GiB (G_GUINT64_CONSTANT (1) << 30)

/* ---- fixtures ------------------------------------------------------- */

static GArray *
cpus_from (const char *list)
{
  GArray *cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 lo, hi;
      char *end;

      if (parts[i][0] == '\0')
        continue;
      lo = g_ascii_strtoull (parts[i], &end, 10);
      hi = *end == '-' ? g_ascii_strtoull (end + 1, NULL, 10) : lo;
      for (guint64 c = lo; c <= hi; c++)
        {
          guint32 c32 = (guint32) c;

          g_array_append_val (cpus, c32);
        }
    }
  return cpus;
}

static void
ref_free (gpointer data)
{
  KerfDeviceRef *ref = data;

  g_free (ref->name);
  g_free (ref->device);
  g_free (ref);
}

static KerfDeviceRef *
ref_new (const char *name)
{
  KerfDeviceRef *ref = g_new0 (KerfDeviceRef, 1);
  const char *vf = strstr (name, "_vf"), *ns = strstr (name, "_ns");
  const char *sep = vf != NULL ? vf : ns;

  ref->name = g_strdup (name);
  ref->kind = vf != NULL ? KERF_DEVICE_REF_VF
              : ns != NULL ? KERF_DEVICE_REF_NAMESPACE : KERF_DEVICE_REF_WHOLE;
  ref->device = sep != NULL ? g_strndup (name, (gsize) (sep - name)) : g_strdup (name);
  ref->index = sep != NULL ? (guint32) g_ascii_strtoull (sep + 3, NULL, 10) : 0;
  return ref;
}

static void
inst_free (KerfInstance *inst)
{
  g_free (inst->name);
  g_array_unref (inst->cpus);
  g_ptr_array_unref (inst->devices);
  g_array_unref (inst->numa_nodes);
  g_free (inst);
}

typedef KerfInstance TestInst;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestInst, inst_free)

/* `devices`: comma-separated references, "" for none. */
static KerfInstance *
inst_new (const char *name, guint32 id, guint64 base, guint64 bytes,
          const char *cpus, const char *devices)
{
  KerfInstance *inst = g_new0 (KerfInstance, 1);
  g_auto(GStrv) refs = g_strsplit (devices, ",", -1);

  inst->name = g_strdup (name);
  inst->id = id;
  inst->memory_base = base;
  inst->memory_bytes = bytes;
  inst->cpus = cpus_from (cpus);
  inst->devices = g_ptr_array_new_with_free_func (ref_free);
  for (guint i = 0; refs[i] != NULL; i++)
    if (refs[i][0] != '\0')
      g_ptr_array_add (inst->devices, ref_new (refs[i]));
  inst->numa_nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  return inst;
}

static void
dev_free (gpointer data)
{
  KerfDevice *dev = data;

  g_free (dev->name);
  g_free (dev->node_name);
  g_free (dev->device_type);
  g_free (dev->pci_id);
  g_free (dev);
}

static KerfDevice *
dev_new (const char *name, const char *node_name, const char *pci_id, gboolean host_reserved)
{
  KerfDevice *dev = g_new0 (KerfDevice, 1);

  dev->name = g_strdup (name);
  dev->node_name = g_strdup (node_name);
  dev->device_type = g_strdup (pci_id != NULL ? "pci" : "platform");
  dev->pci_id = g_strdup (pci_id);
  dev->numa_node = -1;
  dev->host_reserved = host_reserved;
  return dev;
}

static void
numa_free (gpointer data)
{
  KerfNumaNode *node = data;

  g_array_unref (node->cpus);
  g_free (node);
}

static void
res_free (KerfResources *res)
{
  g_array_unref (res->available_cpus);
  g_ptr_array_unref (res->devices);
  g_ptr_array_unref (res->numa_nodes);
  g_free (res);
}

typedef KerfResources TestRes;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestRes, res_free)

/* 16 CPUs, 8 GiB in two NUMA nodes (0-7 and 8-15, 4 GiB each), pool of
 * 4 GiB at 2 GiB, CPUs 4-15 in the pool; eth0 (labelled, host-reserved),
 * nvme0 (unlabelled node name used as name), gpu0, and a platform uart. */
static KerfResources *
res_new (void)
{
  KerfResources *res = g_new0 (KerfResources, 1);
  KerfNumaNode *n0 = g_new0 (KerfNumaNode, 1), *n1 = g_new0 (KerfNumaNode, 1);

  res->total_cpus = 16;
  res->available_cpus = cpus_from ("4-15");
  res->total_bytes = 8 * GiB;
  res->pool_base = 2 * GiB;
  res->pool_bytes = 4 * GiB;
  res->devices = g_ptr_array_new_with_free_func (dev_free);
  g_ptr_array_add (res->devices, dev_new ("eth0", "ethernet@0", "0000:09:00.0", TRUE));
  g_ptr_array_add (res->devices, dev_new ("nvme0", "nvme@0", "0000:0a:00.0", FALSE));
  g_ptr_array_add (res->devices, dev_new ("gpu0", "gpu@0", "0000:65:00.0", FALSE));
  g_ptr_array_add (res->devices, dev_new ("uart0", "uart@0", NULL, FALSE));
  res->numa_nodes = g_ptr_array_new_with_free_func (numa_free);
  n0->id = 0;
  n0->memory_base = 0;
  n0->memory_size = 4 * GiB;
  n0->cpus = cpus_from ("0-7");
  n1->id = 1;
  n1->memory_base = 4 * GiB;
  n1->memory_size = 4 * GiB;
  n1->cpus = cpus_from ("8-15");
  g_ptr_array_add (res->numa_nodes, n0);
  g_ptr_array_add (res->numa_nodes, n1);
  return res;
}

/* ---- golden comparison ---------------------------------------------- */

static char *
decompile (GBytes *blob)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int fd, status = 0;
  const char *argv[] = { "dtc", "-q", "-I", "dtb", "-O", "dts", NULL, NULL };

  fd = g_file_open_tmp ("kerf-overlay-XXXXXX.dtbo", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, g_bytes_get_data (blob, NULL), (gssize) g_bytes_get_size (blob),
                       &error);
  g_assert_no_error (error);
  argv[6] = path;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_unlink (path);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("dtc failed on the overlay: %s\n%s", error->message, err);
  return g_steal_pointer (&out);
}

/* Encodes `tree`, decompiles it with dtc and compares with golden/NAME.dts. */
static void
check_golden (KerfDtTree *tree, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *text = NULL;
  g_autofree char *golden_name = g_strconcat (name, ".dts", NULL);
  g_autofree char *golden_path = g_test_build_filename (G_TEST_DIST, "overlay", "golden",
                                                     golden_name, NULL);
  g_autofree char *expected = NULL;
  g_autofree char *dtc = NULL;

  g_assert_nonnull (tree);
  g_assert_true (tree->plugin);
  blob = kerf_overlay_to_dtbo (tree, &error);
  g_assert_no_error (error);
  g_assert_nonnull (blob);
  g_assert_true (kerf_dtb_check (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &error));
  g_assert_no_error (error);
  dtc = g_find_program_in_path ("dtc");
  if (dtc == NULL)
    {
      g_test_skip ("dtc is not installed");
      return;
    }
  text = decompile (blob);
  if (g_getenv ("KERF_UPDATE_GOLDEN") != NULL)
    {
      g_file_set_contents (golden_path, text, -1, &error);
      g_assert_no_error (error);
      g_test_message ("rewrote %s", golden_path);
      return;
    }
  g_file_get_contents (golden_path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);
}

static void
check_describe (KerfDtTree *tree, const char *expected)
{
  g_autofree char *line = kerf_overlay_describe (tree);

  g_assert_cmpstr (line, ==, expected);
}

/* ---- golden cases --------------------------------------------------- */

static void
test_create (void)
{
  g_autoptr(TestRes) res = res_new ();
  g_autoptr(TestInst) inst = inst_new ("web-server", 3, 0, 2 * GiB, "4-7", "");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  guint32 node = 0;

  g_array_append_val (inst->numa_nodes, node);
  tree = kerf_overlay_create_instance (inst, res, FALSE, &error);
  g_assert_no_error (error);
  check_golden (tree, "create");
  check_describe (tree, "create web-server: 4 CPUs, 2 GiB");
}

static void
test_create_devices (void)
{
  g_autoptr(TestRes) res = res_new ();
  /* the VF reference produces no kernel item */
  g_autoptr(TestInst) inst = inst_new ("net", 0, 0, 512 << 20, "8", "gpu0,nvme0_ns2,eth0_vf1");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = kerf_overlay_create_instance (inst, res, FALSE, &error);

  g_assert_no_error (error);
  check_golden (tree, "create-devices");
  check_describe (tree, "create net: 1 CPU, 512 MiB, 1 device");
}

static void
test_create_fixed (void)
{
  g_autoptr(TestRes) res = res_new ();
  g_autoptr(TestInst) inst = inst_new ("db", 0, 4 * GiB, 1 * GiB, "8,9", "nvme0,eth0_vf1");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = kerf_overlay_create_instance (inst, res, TRUE, &error);

  g_assert_no_error (error);
  check_golden (tree, "create-fixed-base");
  check_describe (tree, "create db: 2 CPUs, 1 GiB at 0x100000000, 1 device");
}

static void
test_delete (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = kerf_overlay_delete_instance ("web-server", &error);

  g_assert_no_error (error);
  check_golden (tree, "delete");
  check_describe (tree, "delete web-server");
}

typedef struct {
  const char *golden;
  guint64     old_base, old_bytes;
  const char *old_cpus, *old_devices;
  guint64     new_base, new_bytes;
  const char *new_cpus, *new_devices;
  const char *describe;
} UpdateCase;

static const UpdateCase update_cases[] = {
  { "update-cpu", 2 * GiB, GiB, "4-7", "", 2 * GiB, GiB, "4,5,8", "",
    "update web-server: CPUs -6-7 +8" },
  { "update-memory-grow", 2 * GiB, GiB, "4-7", "", 2 * GiB, 2 * GiB, "4-7", "",
    "update web-server: memory +1 GiB" },
  { "update-memory-shrink", 2 * GiB, 2 * GiB, "4-7", "", 2 * GiB, GiB, "4-7", "",
    "update web-server: memory -1 GiB" },
  { "update-memory-move", 2 * GiB, GiB, "4-7", "", 5 * GiB, GiB, "4-7", "",
    "update web-server: memory -1 GiB +1 GiB" },
  /* overlapping move: only the parts that differ */
  { "update-memory-slide", 2 * GiB, 2 * GiB, "4-7", "", 3 * GiB, 2 * GiB, "4-7", "",
    "update web-server: memory -1 GiB +1 GiB" },
  { "update-devices", 2 * GiB, GiB, "4-7", "nvme0,eth0_vf1", 2 * GiB, GiB, "4-7",
    "gpu0,eth0_vf2", "update web-server: devices -0000:0a:00.0 +0000:65:00.0" },
  { "update-all", 2 * GiB, GiB, "4-7", "nvme0", 5 * GiB, 2 * GiB, "6-9", "nvme0,gpu0",
    "update web-server: memory -1 GiB +2 GiB, CPUs -4-5 +8-9, devices +0000:65:00.0" },
};

static void
test_update (gconstpointer data)
{
  const UpdateCase *c = data;
  g_autoptr(TestRes) res = res_new ();
  g_autoptr(TestInst) old_inst = inst_new ("web-server", 3, c->old_base, c->old_bytes,
                                               c->old_cpus, c->old_devices);
  g_autoptr(TestInst) new_inst = inst_new ("web-server", 3, c->new_base, c->new_bytes,
                                               c->new_cpus, c->new_devices);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  g_assert_true (kerf_overlay_instance_changes_kernel (old_inst, new_inst, res, &error));
  g_assert_no_error (error);
  tree = kerf_overlay_update_instance (old_inst, new_inst, res, &error);
  g_assert_no_error (error);
  check_golden (tree, c->golden);
  check_describe (tree, c->describe);
}

static void
test_pool_grow (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  new_res->pool_bytes = 6 * GiB;
  tree = kerf_overlay_resize_pool (old_res, new_res, NULL, 0, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-grow");
  check_describe (tree, "resize pool: memory +2 GiB");
}

static const KerfOverlayRange pool_chunks[] = {
  { 2 * G_GUINT64_CONSTANT (1) << 30, 4 * G_GUINT64_CONSTANT (1) << 30 },
  { 8 * G_GUINT64_CONSTANT (1) << 30, 1 * G_GUINT64_CONSTANT (1) << 30 },
};

static void
test_pool_shrink (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  /* 5 GiB in two chunks down to 3 GiB: the 4 GiB chunk goes (the 1 GiB
   * one is too small), 2 GiB comes back */
  old_res->pool_bytes = 5 * GiB;
  new_res->pool_bytes = 3 * GiB;
  tree = kerf_overlay_resize_pool (old_res, new_res, pool_chunks, 2, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-shrink");
  check_describe (tree, "resize pool: memory -4 GiB +2 GiB");
}

static void
test_pool_shrink_chunk (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  /* exactly one chunk's size: that chunk only */
  new_res->pool_bytes = 4 * GiB;
  tree = kerf_overlay_resize_pool (old_res, new_res, pool_chunks, 2, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-shrink-chunk");
  check_describe (tree, "resize pool: memory -1 GiB");
}

static void
test_pool_shrink_chunks (void)
{
  static const KerfOverlayRange small[] = {
    { 2 * G_GUINT64_CONSTANT (1) << 30, G_GUINT64_CONSTANT (1) << 30 },
    { 8 * G_GUINT64_CONSTANT (1) << 30, G_GUINT64_CONSTANT (1) << 30 },
    { 3 * G_GUINT64_CONSTANT (1) << 30, G_GUINT64_CONSTANT (1) << 30 },
  };
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  /* no chunk is large enough alone: the highest two go, 512 MiB back */
  new_res->pool_bytes = 1536 << 20;
  tree = kerf_overlay_resize_pool (old_res, new_res, small, 3, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-shrink-chunks");
  check_describe (tree, "resize pool: memory -2 GiB +512 MiB");
}

static void
test_pool_cpus (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  g_array_unref (new_res->available_cpus);
  new_res->available_cpus = cpus_from ("2-13");
  tree = kerf_overlay_resize_pool (old_res, new_res, NULL, 0, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-cpu-move");
  check_describe (tree, "resize pool: CPUs -14-15 +2-3");
}

static void
test_pool_devices (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  KerfDevice *eth0 = g_ptr_array_index (new_res->devices, 0);
  KerfDevice *gpu0 = g_ptr_array_index (new_res->devices, 2);

  eth0->host_reserved = FALSE;   /* host -> pool, with its alias */
  gpu0->host_reserved = TRUE;    /* pool -> host */
  tree = kerf_overlay_resize_pool (old_res, new_res, NULL, 0, &error);
  g_assert_no_error (error);
  check_golden (tree, "pool-device-move");
  check_describe (tree, "resize pool: devices -0000:65:00.0 +0000:09:00.0");
}

/* ---- refusals ------------------------------------------------------- */

static void
test_update_nothing (void)
{
  g_autoptr(TestRes) res = res_new ();
  g_autoptr(TestInst) old_inst = inst_new ("a", 0, 2 * GiB, GiB, "4-7", "gpu0,eth0_vf1");
  /* only a VF differs: the kernel sees nothing */
  g_autoptr(TestInst) new_inst = inst_new ("a", 0, 2 * GiB, GiB, "7,6,5,4", "gpu0,eth0_vf2");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  g_assert_false (kerf_overlay_instance_changes_kernel (old_inst, new_inst, res, &error));
  g_assert_no_error (error);
  tree = kerf_overlay_update_instance (old_inst, new_inst, res, &error);
  g_assert_null (tree);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nothing to change"));
}

static void
test_pool_nothing (void)
{
  g_autoptr(TestRes) old_res = res_new ();
  g_autoptr(TestRes) new_res = res_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  new_res->total_cpus = 32;   /* not a pool change */
  tree = kerf_overlay_resize_pool (old_res, new_res, NULL, 0, &error);
  g_assert_null (tree);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_refusals (void)
{
  g_autoptr(TestRes) res = res_new ();
  g_autoptr(TestRes) res2 = res_new ();
  g_autoptr(TestInst) ok = inst_new ("a", 0, 2 * GiB, GiB, "4", "");
  g_autoptr(GError) error = NULL;
  KerfDtTree *tree;

  struct {
    const char *name; guint32 id; guint64 base, bytes; const char *cpus, *devices;
    gboolean fixed; int code;
  } bad_creates[] = {
    { "", 0, 0, GiB, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },
    { "-x", 0, 0, GiB, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },
    { "a/b", 0, 0, GiB, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },
    { "a", 0, 0, GiB, "", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },          /* no CPUs */
    { "a", 0, 0, 0, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },           /* no memory */
    { "a", 0, 0, GiB + 1, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },     /* unaligned */
    { "a", 0, 0, GiB, "4", "", TRUE, KERF_ERROR_INVALID_ARGUMENT },          /* fixed, no base */
    { "a", 0, GiB + 512, GiB, "4", "", TRUE, KERF_ERROR_INVALID_ARGUMENT },  /* unaligned base */
    { "a", 0, G_MAXUINT64 - 4095, 8192, "4", "", TRUE, KERF_ERROR_INVALID_ARGUMENT }, /* wraps */
    { "a", 4096, 0, GiB, "4", "", FALSE, KERF_ERROR_INVALID_ARGUMENT },      /* id > 2047 */
    { "a", 0, 0, GiB, "4", "nic9", FALSE, KERF_ERROR_NOT_FOUND },            /* unknown */
    { "a", 0, 0, GiB, "4", "uart0", FALSE, KERF_ERROR_INVALID_ARGUMENT },    /* platform */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_creates); i++)
    {
      g_autoptr(TestInst) inst = inst_new (bad_creates[i].name, bad_creates[i].id,
                                               bad_creates[i].base, bad_creates[i].bytes,
                                               bad_creates[i].cpus, bad_creates[i].devices);

      g_test_message ("bad create %u", i);
      tree = kerf_overlay_create_instance (inst, res, bad_creates[i].fixed, &error);
      g_assert_null (tree);
      g_assert_error (error, KERF_ERROR, bad_creates[i].code);
      g_clear_error (&error);
    }

  /* a whole device needs the resources to find its PCI id */
  {
    g_autoptr(TestInst) inst = inst_new ("a", 0, 0, GiB, "4", "gpu0");

    g_assert_null (kerf_overlay_create_instance (inst, NULL, FALSE, &error));
    g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  g_assert_null (kerf_overlay_delete_instance ("bad name", &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* updates: rename, id change, unknown base, no memory, no CPUs */
  {
    g_autoptr(TestInst) renamed = inst_new ("b", 0, 2 * GiB, GiB, "4", "");
    g_autoptr(TestInst) reid = inst_new ("a", 7, 2 * GiB, GiB, "5", "");
    g_autoptr(TestInst) no_base = inst_new ("a", 0, 0, 2 * GiB, "4", "");
    g_autoptr(TestInst) no_mem = inst_new ("a", 0, 2 * GiB, 0, "4", "");
    g_autoptr(TestInst) no_cpus = inst_new ("a", 0, 2 * GiB, GiB, "", "");
    KerfInstance *bad[] = { renamed, reid, no_base, no_mem, no_cpus };

    ok->id = 6;
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_test_message ("bad update %u", i);
        tree = kerf_overlay_update_instance (ok, bad[i], res, &error);
        g_assert_null (tree);
        g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
        g_clear_error (&error);
      }
  }

  /* the pool: a platform device cannot move; an unaligned size */
  ((KerfDevice *) g_ptr_array_index (res2->devices, 3))->host_reserved = TRUE;
  g_assert_null (kerf_overlay_resize_pool (res, res2, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "uart0"));
  g_clear_error (&error);
  ((KerfDevice *) g_ptr_array_index (res2->devices, 3))->host_reserved = FALSE;
  res2->pool_bytes = 5 * GiB + 100;
  g_assert_null (kerf_overlay_resize_pool (res, res2, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* an overlay without fragments is not encoded */
  {
    g_autoptr(KerfDtTree) empty = kerf_dt_tree_new ();

    g_assert_null (kerf_overlay_to_dtbo (empty, &error));
    g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
}

/* ---- helpers -------------------------------------------------------- */

static void
test_format_size (void)
{
  struct { guint64 bytes; const char *text; } cases[] = {
    { 2 * GiB, "2 GiB" }, { 1536 << 20, "1536 MiB" }, { 4096, "4 KiB" },
    { 1000, "1000 bytes" }, { 0, "0 bytes" }, { 3 * (GiB << 10), "3 TiB" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = kerf_overlay_format_size (cases[i].bytes);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_pool_chunks_from_tree (void)
{
  g_autoptr(KerfDtTree) tree = kerf_dt_tree_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) chunks = NULL;
  KerfDtNode *resources = kerf_dt_node_ensure_child (tree->root, "resources", KERF_LOC_NONE);
  KerfDtNode *m1 = kerf_dt_node_ensure_child (resources, "memory@200000000", KERF_LOC_NONE);
  KerfDtNode *m0 = kerf_dt_node_ensure_child (resources, "memory@80000000", KERF_LOC_NONE);
  guint64 reg1[2] = { 8 * GiB, GiB }, reg0[2] = { 2 * GiB, 4 * GiB };

  kerf_dt_node_ensure_child (resources, "devices", KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (m1, "reg", reg1, 2, KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (m0, "reg", reg0, 2, KERF_LOC_NONE);
  chunks = kerf_overlay_pool_chunks_from_tree (tree, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 2);
  g_assert_cmpuint (g_array_index (chunks, KerfOverlayRange, 0).base, ==, 2 * GiB);
  g_assert_cmpuint (g_array_index (chunks, KerfOverlayRange, 0).size, ==, 4 * GiB);
  g_assert_cmpuint (g_array_index (chunks, KerfOverlayRange, 1).base, ==, 8 * GiB);
  g_clear_pointer (&chunks, g_array_unref);

  kerf_dt_node_set_u32 (m1, "reg", 1, KERF_LOC_NONE);
  g_assert_null (kerf_overlay_pool_chunks_from_tree (tree, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
}

/* The real model reading a pool tree as the kernel reports it (two
 * chunks), then a shrink: the chunk list comes from the same tree. */
static void
test_pool_from_model (void)
{
  g_autoptr(KerfDtTree) pool = kerf_dt_tree_new ();
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfModel) model = NULL;
  g_autoptr(KerfResources) new_res = NULL;
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  g_autofree char *line = NULL;
  KerfDtNode *resources, *chunk;
  const guint64 cpus[] = { 4, 5, 6, 7 };
  const guint64 reg0[] = { 2 * GiB, 2 * GiB }, reg1[] = { 6 * GiB, GiB };

  kerf_dt_node_set_string (pool->root, "compatible", "multikernel-v1", KERF_LOC_NONE);
  kerf_dt_node_set_u32 (pool->root, "#address-cells", 2, KERF_LOC_NONE);
  kerf_dt_node_set_u32 (pool->root, "#size-cells", 2, KERF_LOC_NONE);
  kerf_dt_node_set_u32 (pool->root, "id", 0, KERF_LOC_NONE);
  resources = kerf_dt_node_ensure_child (pool->root, "resources", KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (resources, "cpus", cpus, 4, KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (resources, "cpus-available", cpus, 4, KERF_LOC_NONE);
  chunk = kerf_dt_node_ensure_child (resources, "memory@80000000", KERF_LOC_NONE);
  kerf_dt_node_set_string (chunk, "device_type", "memory", KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (chunk, "reg", reg0, 2, KERF_LOC_NONE);
  kerf_dt_node_set_u32 (chunk, "numa-node-id", 0, KERF_LOC_NONE);
  chunk = kerf_dt_node_ensure_child (resources, "memory@180000000", KERF_LOC_NONE);
  kerf_dt_node_set_string (chunk, "device_type", "memory", KERF_LOC_NONE);
  kerf_dt_node_set_u64_array (chunk, "reg", reg1, 2, KERF_LOC_NONE);
  kerf_dt_node_set_u32 (chunk, "numa-node-id", 0, KERF_LOC_NONE);

  model = kerf_model_from_tree (pool, diags);
  if (model == NULL)
    kerf_diag_list_print (diags, stderr);
  g_assert_nonnull (model);
  g_assert_nonnull (model->resources);
  g_assert_cmpuint (model->resources->pool_bytes, ==, 3 * GiB);
  chunks = kerf_overlay_pool_chunks_from_tree (pool, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 2);

  new_res = kerf_resources_copy (model->resources);
  new_res->pool_bytes = 2 * GiB;
  g_array_set_size (new_res->available_cpus, 3);   /* CPU 7 back to the host */
  tree = kerf_overlay_resize_pool (model->resources, new_res,
                                   (const KerfOverlayRange *) (gconstpointer) chunks->data,
                                   chunks->len, &error);
  g_assert_no_error (error);
  line = kerf_overlay_describe (tree);
  /* the 1 GiB chunk at 6 GiB is exactly the shrink */
  g_assert_cmpstr (line, ==, "resize pool: memory -1 GiB, CPUs -7");
  g_assert_nonnull (kerf_dt_tree_lookup_path (tree, "/fragment@0/__overlay__/memory-remove/memory@0"));
  g_assert_null (kerf_dt_tree_lookup_path (tree, "/fragment@0/__overlay__/memory-add"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/overlay/create", test_create);
  g_test_add_func ("/overlay/create-devices", test_create_devices);
  g_test_add_func ("/overlay/create-fixed-base", test_create_fixed);
  g_test_add_func ("/overlay/delete", test_delete);
  for (guint i = 0; i < G_N_ELEMENTS (update_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/overlay/", update_cases[i].golden, NULL);

      g_test_add_data_func (path, &update_cases[i], test_update);
    }
  g_test_add_func ("/overlay/pool-grow", test_pool_grow);
  g_test_add_func ("/overlay/pool-shrink", test_pool_shrink);
  g_test_add_func ("/overlay/pool-shrink-chunk", test_pool_shrink_chunk);
  g_test_add_func ("/overlay/pool-shrink-chunks", test_pool_shrink_chunks);
  g_test_add_func ("/overlay/pool-cpu-move", test_pool_cpus);
  g_test_add_func ("/overlay/pool-device-move", test_pool_devices);
  g_test_add_func ("/overlay/update-nothing", test_update_nothing);
  g_test_add_func ("/overlay/pool-nothing", test_pool_nothing);
  g_test_add_func ("/overlay/refusals", test_refusals);
  g_test_add_func ("/overlay/format-size", test_format_size);
  g_test_add_func ("/overlay/pool-chunks-from-tree", test_pool_chunks_from_tree);
  g_test_add_func ("/overlay/pool-from-model", test_pool_from_model);
  return g_test_run ();
}
