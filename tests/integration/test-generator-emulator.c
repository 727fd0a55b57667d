/* Generator <=> emulator: every DTBO the overlay generator writes for a
 * change the allocator placed and the validator accepted must be taken by
 * the emulated kernel, with the result the model expects (pool tree and
 * instance trees read back and compared field by field).
 *
 * Machine and baseline: examples/baseline.dts (32 CPUs, 0-3 host; 16 GiB,
 * 2 GiB host; node 0 = CPUs 0-15 + [0, 8 GiB), node 1 = CPUs 16-31 +
 * [8 GiB, 16 GiB); eth0 0000:01:00.0, nvme0 0000:02:00.0). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "kerf-integ.h"
#include "kerf-alloc.h"
#include "kerf-dts.h"

typedef struct {
  char       *dir;
  KerfKernel *k;
  KerfModel  *model;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->model = integ_load_example ("baseline.dts");
  f->k = integ_kernel_new (NULL, &f->dir);   /* the default machine */
  integ_init_pool (f->k, f->model);
  integ_assert_matches (f->k, f->model);
  integ_assert_invariants (f->k, f->model);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  kerf_kernel_free (f->k);
  kerf_model_free (f->model);
  kerf_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Model, kernel and validator agree after each step. */
static void
check (Fixture *f)
{
  KerfValidateOptions opts;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();

  integ_validate_options (&opts);
  if (!kerf_validate_state (f->model, &opts, diags))
    {
      for (guint i = 0; i < kerf_diag_list_length (diags); i++)
        {
          g_autofree char *line = kerf_diag_format (kerf_diag_list_get (diags, i));
          g_test_message ("%s", line);
        }
      g_error ("the model no longer validates");
    }
  integ_assert_matches (f->k, f->model);
  integ_assert_invariants (f->k, f->model);
}

static void
assert_validates_change (const KerfModel *model, const KerfInstance *inst)
{
  KerfValidateOptions opts;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();

  integ_validate_options (&opts);
  if (!kerf_validate_change (model, inst, NULL, &opts, diags))
    {
      for (guint i = 0; i < kerf_diag_list_length (diags); i++)
        {
          g_autofree char *line = kerf_diag_format (kerf_diag_list_get (diags, i));
          g_test_message ("%s", line);
        }
      g_error ("the validator refused instance '%s'", inst->name);
    }
}

/* The allocator places `ncpus` CPUs and `bytes` of memory (bound to
 * `node` when >= 0, at `base` when fixed). */
static KerfInstance *
place (const KerfModel *model, const char *name, guint32 ncpus, guint64 bytes, gint32 node,
       const char *device, gboolean fixed, guint64 base, guint32 id)
{
  g_autoptr(KerfInstance) inst = kerf_instance_new (name);
  g_autoptr(GError) error = NULL;
  KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
  KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;
  GArray *cpus;

  if (node >= 0)
    {
      guint32 n = (guint32) node;
      g_array_append_val (inst->numa_nodes, n);
      creq.numa_nodes = inst->numa_nodes;
      mreq.numa_nodes = inst->numa_nodes;
      mreq.policy = KERF_MEMORY_POLICY_BIND;
    }
  creq.cpu_count = ncpus;
  cpus = kerf_alloc_cpus (model, &creq, &error);
  g_assert_no_error (error);
  g_array_unref (inst->cpus);
  inst->cpus = cpus;
  inst->memory_bytes = bytes;
  mreq.size = bytes;
  mreq.cpus = cpus;
  mreq.has_base = fixed;
  mreq.base = base;
  g_assert_true (kerf_alloc_memory (model, &mreq, &inst->memory_base, &error));
  g_assert_no_error (error);
  if (device != NULL)
    g_ptr_array_add (inst->devices, kerf_device_ref_new (device));
  inst->id = id;
  assert_validates_change (model, inst);
  return g_steal_pointer (&inst);
}

static char *
overlay_text (const KerfDtTree *overlay)
{
  return kerf_dts_print (overlay);
}

/* create through generator + kernel; the model takes the kernel's id and
 * (without a fixed base) its placement. */
static guint
create (Fixture *f, KerfInstance *inst, gboolean fixed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) overlay = kerf_overlay_create_instance (inst, f->model->resources, fixed,
                                                                &error);
  guint64 placed = inst->memory_base;
  guint tx;

  g_assert_no_error (error);
  tx = integ_apply (f->k, overlay);
  integ_sync_instance (f->k, inst);
  if (fixed)
    g_assert_cmphex (inst->memory_base, ==, placed);
  g_ptr_array_add (f->model->instances, inst);
  check (f);
  return tx;
}

static void
replace_instance (KerfModel *model, KerfInstance *next)
{
  for (guint i = 0; i < model->instances->len; i++)
    if (g_str_equal (((KerfInstance *) g_ptr_array_index (model->instances, i))->name, next->name))
      {
        kerf_instance_free (g_ptr_array_index (model->instances, i));
        g_ptr_array_index (model->instances, i) = next;
        return;
      }
  g_assert_not_reached ();
}

/* update through validator + generator + kernel; returns the overlay text */
static char *
update (Fixture *f, KerfInstance *next, guint *tx_out)
{
  const KerfInstance *cur = kerf_model_find_instance (f->model, next->name);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  char *text;
  guint tx;

  assert_validates_change (f->model, next);
  overlay = kerf_overlay_update_instance (cur, next, f->model->resources, &error);
  g_assert_no_error (error);
  text = overlay_text (overlay);
  tx = integ_apply (f->k, overlay);
  if (tx_out != NULL)
    *tx_out = tx;
  replace_instance (f->model, next);
  check (f);
  return text;
}

static KerfInstance *
copy_of (Fixture *f, const char *name)
{
  return kerf_instance_copy (kerf_model_find_instance (f->model, name));
}

static void
set_cpus (KerfInstance *inst, const char *list)
{
  g_autoptr(GError) error = NULL;
  GArray *cpus = kerf_cpu_list_parse (list, &error);
  g_assert_no_error (error);
  g_array_unref (inst->cpus);
  inst->cpus = cpus;
}

static void
set_devices (KerfInstance *inst, const char *device)
{
  g_ptr_array_set_size (inst->devices, 0);
  if (device != NULL)
    g_ptr_array_add (inst->devices, kerf_device_ref_new (device));
}

static void
delete (Fixture *f, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) overlay = kerf_overlay_delete_instance (name, &error);

  g_assert_no_error (error);
  integ_apply (f->k, overlay);
  g_assert_true (g_ptr_array_remove (f->model->instances, kerf_model_find_instance (f->model, name)));
  check (f);
}

static void
rollback (Fixture *f, guint tx, KerfModel *before)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  g_assert_true (kerf_kernel_rollback (f->k, tx, &warnings, &error));
  g_assert_no_error (error);
  g_assert_true (warnings == NULL || warnings[0] == NULL);
  kerf_model_free (f->model);
  f->model = before;
  check (f);
}

/* ---- instances ----------------------------------------------------------- */

static void
test_instances (Fixture *f, gconstpointer d)
{
  KerfInstance *web, *db, *cache, *next;
  g_autofree char *text = NULL;
  KerfModel *snapshot;
  guint tx;

  /* create: no fixed base, no devices; the kernel's first fit and the
   * allocator's first fit agree */
  web = place (f->model, "web", 4, 2 * GiB, -1, NULL, FALSE, 0, 0);
  {
    guint64 proposed = web->memory_base;
    create (f, web, FALSE);
    g_assert_cmphex (web->memory_base, ==, proposed);
    g_assert_cmphex (web->memory_base, ==, 0x80000000);
    g_assert_cmpuint (web->id, ==, 1);
  }

  /* create at a fixed base on node 1, with a whole PCI device and an id:
   * fragment@1 memory-add carries numa-node-id */
  db = place (f->model, "db", 2, 1 * GiB, 1, "eth0", TRUE, 8 * GiB, 7);
  {
    g_autoptr(KerfDtTree) ov = kerf_overlay_create_instance (db, f->model->resources, TRUE, NULL);
    g_autofree char *t = overlay_text (ov);
    g_assert_nonnull (strstr (t, "numa-node-id = <0x01>"));
    g_assert_nonnull (strstr (t, "device-add"));
  }
  create (f, db, TRUE);
  g_assert_cmpuint (db->id, ==, 7);

  /* create without a fixed base, numa-nodes = <1>, with a device: the
   * kernel places it on node 1 */
  cache = place (f->model, "cache", 2, 512 * MiB, 1, "nvme0", FALSE, 0, 0);
  create (f, cache, FALSE);
  g_assert_cmphex (cache->memory_base, ==, 9 * GiB);

  /* grow CPUs and memory in place: cpu-add and memory-add items carry
   * numa-node-id (node 0) */
  next = copy_of (f, "web");
  set_cpus (next, "4-9");
  next->memory_bytes = 3 * GiB;
  text = update (f, next, NULL);
  g_assert_nonnull (strstr (text, "cpu-add"));
  g_assert_nonnull (strstr (text, "numa-node-id = <0x00>"));
  g_clear_pointer (&text, g_free);

  /* shrink both (tail of the memory goes) */
  next = copy_of (f, "web");
  set_cpus (next, "4-5");
  next->memory_bytes = 1 * GiB;
  g_free (update (f, next, NULL));

  /* move to a disjoint range, then overlapping moves, a shrink from both
   * ends and a growth on both sides */
  next = copy_of (f, "web");
  next->memory_base = 5 * GiB;
  g_free (update (f, next, NULL));
  next = copy_of (f, "web");
  next->memory_base = 5 * GiB + 512 * MiB;
  g_free (update (f, next, NULL));
  next = copy_of (f, "web");
  next->memory_base = 5 * GiB + 768 * MiB;
  next->memory_bytes = 256 * MiB;
  g_free (update (f, next, NULL));
  next = copy_of (f, "web");
  next->memory_base = 5 * GiB;
  next->memory_bytes = 2 * GiB;
  g_free (update (f, next, NULL));

  /* move CPUs between nodes and instances */
  next = copy_of (f, "web");
  set_cpus (next, "4,10-11");
  g_free (update (f, next, NULL));

  /* devices: cache gives nvme0 up, db swaps eth0 for nvme0 */
  next = copy_of (f, "cache");
  set_devices (next, NULL);
  g_free (update (f, next, NULL));
  next = copy_of (f, "db");
  set_devices (next, "nvme0");
  g_free (update (f, next, NULL));

  /* CPU move on node 1 (cpu-add with numa-node-id 1), then its rollback */
  snapshot = kerf_model_copy (f->model);
  next = copy_of (f, "db");
  set_cpus (next, "20-21");
  text = update (f, next, &tx);
  g_assert_nonnull (strstr (text, "numa-node-id = <0x01>"));
  rollback (f, tx, snapshot);

  /* memory + CPUs + devices in one update, then its rollback */
  snapshot = kerf_model_copy (f->model);
  next = copy_of (f, "db");
  set_cpus (next, "16,22-23");
  next->memory_bytes = 2 * GiB;
  next->memory_base = 12 * GiB;
  set_devices (next, "eth0");
  g_free (update (f, next, &tx));
  rollback (f, tx, snapshot);

  /* rollback of a create */
  snapshot = kerf_model_copy (f->model);
  tx = create (f, place (f->model, "tmp", 1, 64 * MiB, -1, NULL, FALSE, 0, 0), FALSE);
  rollback (f, tx, snapshot);

  delete (f, "cache");
  delete (f, "web");
  delete (f, "db");
  g_assert_cmpuint (f->model->instances->len, ==, 0);
}

/* ---- the pool ---------------------------------------------------------- */

static void
resize (Fixture *f, KerfResources *new_res)
{
  g_autoptr(GArray) chunks = integ_pool_chunks (f->k);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) overlay = kerf_overlay_resize_pool (f->model->resources, new_res,
                                                            (const KerfOverlayRange *) (gconstpointer) chunks->data,
                                                            chunks->len, &error);
  g_assert_no_error (error);
  integ_apply (f->k, overlay);
  kerf_resources_free (f->model->resources);
  f->model->resources = new_res;
  g_clear_pointer (&chunks, g_array_unref);
  chunks = integ_pool_chunks (f->k);
  new_res->pool_base = g_array_index (chunks, KerfOverlayRange, 0).base;
  integ_assert_matches (f->k, f->model);
  integ_assert_invariants (f->k, f->model);
}

static gint
u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static void
move_cpus (KerfResources *res, guint32 first, guint32 last, gboolean to_host)
{
  for (guint32 c = first; c <= last; c++)
    {
      GArray *from = to_host ? res->available_cpus : res->host_reserved_cpus;
      GArray *to = to_host ? res->host_reserved_cpus : res->available_cpus;
      g_autoptr(GArray) one = g_array_new (FALSE, FALSE, sizeof (guint32));
      GArray *rest;

      g_array_append_val (one, c);
      rest = kerf_u32_array_difference (from, one);
      g_array_set_size (from, 0);
      g_array_append_vals (from, rest->data, rest->len);
      g_array_unref (rest);
      g_array_append_val (to, c);
      g_array_sort (to, u32_cmp);
    }
}

static void
test_pool (Fixture *f, gconstpointer d)
{
  KerfResources *res;
  KerfDevice *nvme;
  g_autoptr(GArray) chunks = NULL;

  create (f, place (f->model, "db", 2, 1 * GiB, 1, "eth0", TRUE, 8 * GiB, 0), TRUE);

  /* shrink by 1 GiB: node 0's chunk goes, 5 GiB come back */
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes -= 1 * GiB;
  resize (f, res);
  /* grow by 1 GiB again: the pool picks the base */
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes += 1 * GiB;
  resize (f, res);

  /* CPUs 30-31 to the host and back */
  res = kerf_resources_copy (f->model->resources);
  move_cpus (res, 30, 31, TRUE);
  resize (f, res);
  res = kerf_resources_copy (f->model->resources);
  move_cpus (res, 30, 31, FALSE);
  resize (f, res);

  /* nvme0 to the host and back: device-add carries alias = "nvme0" and the
   * pool tree names it again */
  res = kerf_resources_copy (f->model->resources);
  nvme = kerf_resources_find_device (res, "nvme0");
  nvme->host_reserved = TRUE;
  resize (f, res);
  res = kerf_resources_copy (f->model->resources);
  nvme = kerf_resources_find_device (res, "nvme0");
  nvme->host_reserved = FALSE;
  {
    g_autoptr(GArray) c = integ_pool_chunks (f->k);
    g_autoptr(KerfDtTree) ov = kerf_overlay_resize_pool (f->model->resources, res,
                                                         (const KerfOverlayRange *) (gconstpointer) c->data,
                                                         c->len, NULL);
    g_autofree char *t = overlay_text (ov);
    g_assert_nonnull (strstr (t, "alias = \"nvme0\""));
  }
  resize (f, res);

  /* CPUs, a device and memory in one transaction */
  res = kerf_resources_copy (f->model->resources);
  move_cpus (res, 28, 31, TRUE);
  kerf_resources_find_device (res, "nvme0")->host_reserved = TRUE;
  res->pool_bytes -= 512 * MiB;
  resize (f, res);

  /* the node-1 chunk (8 GiB) can go once db has left it: shrinking by
   * 7 GiB removes it and gives 1 GiB back, wherever the kernel has room */
  delete (f, "db");
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes -= 7 * GiB;
  {
    g_autoptr(GArray) c = integ_pool_chunks (f->k);
    g_autoptr(KerfDtTree) ov = kerf_overlay_resize_pool (f->model->resources, res,
                                                         (const KerfOverlayRange *) (gconstpointer) c->data,
                                                         c->len, NULL);
    g_autofree char *t = overlay_text (ov);
    /* what comes back stays on node 1 */
    g_assert_nonnull (strstr (t, "numa-node-id = <0x01>"));
  }
  resize (f, res);
  chunks = integ_pool_chunks (f->k);
  {
    guint64 on_node1 = 0;
    for (guint i = 0; i < chunks->len; i++)
      if (g_array_index (chunks, KerfOverlayRange, i).base >= 8 * GiB)
        on_node1 += g_array_index (chunks, KerfOverlayRange, i).size;
    g_assert_cmphex (on_node1, ==, 1 * GiB);
  }
}

/* Give-back on the node it came from even when node 0 has room: shrink the
 * node-1 chunk after making room on node 0. */
static void
test_pool_give_back_node (Fixture *f, gconstpointer d)
{
  KerfResources *res;
  g_autoptr(GArray) chunks = NULL;
  guint64 on_node1 = 0;

  /* node 0: 6 GiB -> 1 GiB (5 GiB free on node 0) */
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes -= 5 * GiB;
  resize (f, res);
  /* node 1: 8 GiB chunk -> 2 GiB: smallest chunk >= 6 GiB is node 1's */
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes -= 6 * GiB;
  resize (f, res);
  chunks = integ_pool_chunks (f->k);
  for (guint i = 0; i < chunks->len; i++)
    if (g_array_index (chunks, KerfOverlayRange, i).base >= 8 * GiB)
      on_node1 += g_array_index (chunks, KerfOverlayRange, i).size;
  g_assert_cmphex (on_node1, ==, 2 * GiB);
  /* plain growth: the kernel picks (first node with room) */
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes += 3 * GiB;
  resize (f, res);
}

/* A shrink whose chunk holds an instance is refused by the kernel (EBUSY)
 * and changes nothing. */
static void
test_pool_shrink_busy (Fixture *f, gconstpointer d)
{
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(KerfResources) res = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;
  guint tx = 0;

  create (f, place (f->model, "web", 2, 1 * GiB, -1, NULL, FALSE, 0, 0), FALSE);
  chunks = integ_pool_chunks (f->k);
  res = kerf_resources_copy (f->model->resources);
  res->pool_bytes -= 1 * GiB;
  overlay = kerf_overlay_resize_pool (f->model->resources, res,
                                      (const KerfOverlayRange *) (gconstpointer) chunks->data,
                                      chunks->len, &error);
  g_assert_no_error (error);
  g_assert_false (integ_try_apply (f->k, overlay, &tx, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  check (f);
}

/* Growing an instance in place across the node-0/node-1 boundary (= two
 * pool chunks) is refused like a new range across it would be (EBUSY),
 * and changes nothing.  (The validator accepts this update today: the
 * allocator/validator do not know the pool's chunks.) */
static void
test_grow_across_chunks (Fixture *f, gconstpointer d)
{
  KerfInstance *web = place (f->model, "web", 2, 1 * GiB, -1, NULL, TRUE, 7 * GiB, 0);
  g_autoptr(KerfInstance) next = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;
  guint tx = 0;

  create (f, web, TRUE);
  next = copy_of (f, "web");
  next->memory_bytes = 2 * GiB;
  overlay = kerf_overlay_update_instance (web, next, f->model->resources, &error);
  g_assert_no_error (error);
  g_assert_false (integ_try_apply (f->k, overlay, &tx, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "one pool memory chunk"));
  check (f);
}

/* ---- the default machine is examples/baseline.dts ----------------------- */

static void
test_default_machine (void)
{
  g_autofree char *path = integ_example_path ("baseline.dts");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfEmuMachine) file = kerf_emu_machine_from_file (path, &error);
  g_autoptr(KerfEmuMachine) def = kerf_emu_machine_new_default ();

  g_assert_no_error (error);
  g_assert_cmpuint (def->n_cpus, ==, file->n_cpus);
  g_assert_cmphex (def->ram_bytes, ==, file->ram_bytes);
  g_assert_cmphex (def->host_reserved_bytes, ==, file->host_reserved_bytes);
  g_assert_cmpuint (def->pci->len, ==, file->pci->len);
  for (guint i = 0; i < def->pci->len; i++)
    {
      const KerfEmuPciDevice *a = g_ptr_array_index (def->pci, i);
      const KerfEmuPciDevice *b = g_ptr_array_index (file->pci, i);
      g_assert_cmpstr (a->pci_id, ==, b->pci_id);
      g_assert_cmphex (a->vendor_id, ==, b->vendor_id);
      g_assert_cmphex (a->device_id, ==, b->device_id);
      g_assert_cmpint (a->numa_node, ==, b->numa_node);
    }
  g_assert_cmpuint (def->numa->len, ==, file->numa->len);
  g_assert_cmpuint (def->numa->len, ==, 2);
  for (guint i = 0; i < def->numa->len; i++)
    {
      const KerfEmuNumaNode *a = &g_array_index (def->numa, KerfEmuNumaNode, i);
      const KerfEmuNumaNode *b = &g_array_index (file->numa, KerfEmuNumaNode, i);
      g_assert_cmpuint (a->id, ==, b->id);
      g_assert_cmphex (a->base, ==, b->base);
      g_assert_cmphex (a->size, ==, b->size);
    }
}

/* Initialize(examples/baseline.dts) on the default machine and on the
 * machine read from the file give the same pool: the seed's pool reads
 * back at 0x80000000. */
static void
test_default_machine_init (void)
{
  g_autofree char *path = integ_example_path ("baseline.dts");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfEmuMachine) m = kerf_emu_machine_from_file (path, &error);
  g_autoptr(KerfModel) a = integ_load_example ("baseline.dts");
  g_autoptr(KerfModel) b = integ_load_example ("baseline.dts");
  g_autofree char *da = NULL, *db = NULL;
  g_autoptr(KerfKernel) ka = integ_kernel_new (NULL, &da);
  g_autoptr(KerfKernel) kb = NULL;
  g_autoptr(GBytes) pa = NULL, pb = NULL;

  g_assert_no_error (error);
  kb = integ_kernel_new (m, &db);
  integ_init_pool (ka, a);
  integ_init_pool (kb, b);
  g_assert_cmphex (a->resources->pool_base, ==, 0x80000000);
  pa = kerf_kernel_read_pool_tree (ka, NULL);
  pb = kerf_kernel_read_pool_tree (kb, NULL);
  g_assert_true (g_bytes_equal (pa, pb));
  integ_assert_matches (ka, a);
  g_clear_pointer (&ka, kerf_kernel_free);
  g_clear_pointer (&kb, kerf_kernel_free);
  kerf_test_rm_rf (da);
  kerf_test_rm_rf (db);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/integration/default-machine", test_default_machine);
  g_test_add_func ("/integration/default-machine-init", test_default_machine_init);
  g_test_add ("/integration/instances", Fixture, NULL, setup, test_instances, teardown);
  g_test_add ("/integration/pool", Fixture, NULL, setup, test_pool, teardown);
  g_test_add ("/integration/pool-give-back-node", Fixture, NULL, setup, test_pool_give_back_node,
              teardown);
  g_test_add ("/integration/grow-across-chunks", Fixture, NULL, setup, test_grow_across_chunks,
              teardown);
  g_test_add ("/integration/pool-shrink-busy", Fixture, NULL, setup, test_pool_shrink_busy,
              teardown);
  return g_test_run ();
}
