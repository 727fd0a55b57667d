/* kerf-integ.c — see kerf-integ.h. */
#include "config.h"

#include <string.h>

#include "kerf-integ.h"
#include "kerf-alloc.h"
#include "kerf-dts.h"

char *
integ_example_path (const char *name)
{
  return g_build_filename (KERF_TEST_SOURCE_DIR, "examples", name, NULL);
}

KerfModel *
integ_load_example (const char *name)
{
  g_autofree char *path = integ_example_path (name);
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  KerfModel *model = kerf_model_from_file (path, diags);

  g_assert_nonnull (model);
  g_assert_false (kerf_diag_list_has_errors (diags));
  g_assert_nonnull (model->resources);
  return model;
}

KerfKernel *
integ_kernel_new (const KerfEmuMachine *machine, char **dir_out)
{
  /* tmpfs when there is one: the emulator writes (and fsyncs) its state
   * after every transaction, and the random sequences make thousands */
  const char *tmp = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  char *dir = g_build_filename (tmp, "kerf-integ-XXXXXX", NULL);
  KerfKernel *k;

  g_assert_nonnull (g_mkdtemp (dir));
  k = kerf_test_emulated_open (dir, machine);
  *dir_out = dir;
  return k;
}

static KerfDtTree *
decode (GBytes *blob)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (blob, &len);
  g_autofree guint8 *copy = g_memdup2 (p, len);
  KerfDtTree *tree;

  g_assert_true (kerf_dtb_check (copy, len, &error));
  tree = kerf_dtb_read (copy, len, "device_tree", &error);
  g_assert_no_error (error);
  return tree;
}

KerfDtTree *
integ_pool_tree (KerfKernel *kernel)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = kerf_kernel_read_pool_tree (kernel, &error);

  g_assert_no_error (error);
  return decode (b);
}

KerfDtTree *
integ_instance_tree (KerfKernel *kernel, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) insts = kerf_kernel_list_instances (kernel, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *ki = g_ptr_array_index (insts, i);
      if (g_str_equal (ki->name, name))
        {
          g_assert_nonnull (ki->device_tree);
          return decode (ki->device_tree);
        }
    }
  g_error ("the kernel has no instance '%s'", name);
}

GArray *
integ_pool_chunks (KerfKernel *kernel)
{
  g_autoptr(KerfDtTree) tree = integ_pool_tree (kernel);
  g_autoptr(GError) error = NULL;
  GArray *chunks = kerf_overlay_pool_chunks_from_tree (tree, &error);

  g_assert_no_error (error);
  return chunks;
}

void
integ_init_pool (KerfKernel *kernel, KerfModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) base = kerf_model_to_kernel_baseline (model, &error);
  g_autoptr(GBytes) dtb = NULL;
  g_autoptr(GArray) chunks = NULL;
  guint64 total = 0;

  g_assert_no_error (error);
  dtb = kerf_dtb_write (base, &error);
  g_assert_no_error (error);
  g_assert_true (kerf_kernel_write_baseline (kernel, dtb, &error));
  g_assert_no_error (error);
  chunks = integ_pool_chunks (kernel);
  g_assert_cmpuint (chunks->len, >, 0);
  for (guint i = 0; i < chunks->len; i++)
    total += g_array_index (chunks, KerfOverlayRange, i).size;
  g_assert_cmpuint (total, ==, model->resources->pool_bytes);
  /* The kernel, not the baseline, decides where the pool is. */
  model->resources->pool_base = g_array_index (chunks, KerfOverlayRange, 0).base;
}

gboolean
integ_try_apply (KerfKernel *kernel, const KerfDtTree *overlay, guint *tx, GError **error)
{
  g_autoptr(GBytes) dtbo = kerf_overlay_to_dtbo (overlay, error);
  g_autoptr(GPtrArray) before = NULL, after = NULL;
  g_autofree char *status = NULL;
  gboolean ok;

  if (dtbo == NULL)
    return FALSE;
  before = kerf_kernel_list_transactions (kernel, NULL);
  ok = kerf_kernel_write_overlay (kernel, dtbo, tx, &status, error);
  after = kerf_kernel_list_transactions (kernel, NULL);
  if (ok)
    {
      g_assert_cmpstr (status, ==, "applied");
      g_assert_cmpuint (after->len, ==, before->len + 1);
    }
  else
    g_assert_cmpuint (after->len, ==, before->len);   /* the failed tx_N is gone */
  return ok;
}

guint
integ_apply (KerfKernel *kernel, const KerfDtTree *overlay)
{
  g_autoptr(GError) error = NULL;
  guint tx = 0;

  if (!integ_try_apply (kernel, overlay, &tx, &error))
    {
      g_autofree char *dts = kerf_dts_print (overlay);
      g_test_message ("overlay refused:\n%s", dts);
      g_error ("the kernel refused a generated overlay: %s (%s)", error->message,
               kerf_kernel_get_backend_name (kernel));
    }
  g_assert_cmpuint (tx, >, 0);
  return tx;
}

/* ---- reading trees ---------------------------------------------------- */

static guint64
be64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_BE (v);
}

/* A u64-cell property as sorted guint32 CPU ids. */
static GArray *
u64_cells (const KerfDtNode *node, const char *name)
{
  KerfDtProp *p = kerf_dt_node_get_prop (node, name);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_assert_nonnull (p);
  g_assert_cmpuint (p->value->len % 8, ==, 0);
  for (guint i = 0; i < p->value->len / 8; i++)
    {
      guint64 v = be64 (p->value->data + 8 * i);
      guint32 c = (guint32) v;
      g_assert_cmpuint (v, <=, G_MAXUINT32);
      if (i > 0)
        g_assert_cmpuint (c, >, g_array_index (out, guint32, i - 1));   /* sorted, unique */
      g_array_append_val (out, c);
    }
  return out;
}

static guint64
u64_prop (const KerfDtNode *node, const char *name)
{
  KerfDtProp *p = kerf_dt_node_get_prop (node, name);
  g_assert_nonnull (p);
  g_assert_cmpuint (p->value->len, ==, 8);
  return be64 (p->value->data);
}

static gint
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* pci-id of every device under the root's pci@ host bridges, sorted. */
static GPtrArray *
tree_pci_ids (const KerfDtTree *tree)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < tree->root->children->len; i++)
    {
      const KerfDtNode *bridge = g_ptr_array_index (tree->root->children, i);
      if (!g_str_has_prefix (bridge->name, "pci@"))
        continue;
      g_assert_cmpuint (bridge->children->len, >, 0);   /* no empty bridges */
      for (guint j = 0; j < bridge->children->len; j++)
        {
          const KerfDtNode *dev = g_ptr_array_index (bridge->children, j);
          KerfDtProp *p = kerf_dt_node_get_prop (dev, "pci-id");
          g_assert_nonnull (p);
          g_ptr_array_add (ids, g_ascii_strdown (kerf_dt_prop_get_string (p), -1));
        }
    }
  g_ptr_array_sort (ids, str_cmp);
  return ids;
}

static char *
join_ids (const GPtrArray *ids)
{
  GString *s = g_string_new ("");
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", (const char *) g_ptr_array_index (ids, i));
  return g_string_free (s, FALSE);
}

static void
assert_ids_equal (const GPtrArray *got, const GPtrArray *want, const char *what)
{
  g_autofree char *a = join_ids (got), *b = join_ids (want);
  if (g_strcmp0 (a, b) != 0)
    g_test_message ("%s differ", what);
  g_assert_cmpstr (a, ==, b);
}

static void
assert_cpus_equal (const GArray *got, const GArray *want, const char *what)
{
  g_autofree char *a = kerf_cpu_array_format (got);
  g_autofree char *b = kerf_cpu_array_format (want);
  if (g_strcmp0 (a, b) != 0)
    g_test_message ("%s differ", what);
  g_assert_cmpstr (a, ==, b);
}

/* ---- expectations from the model ------------------------------------- */

GPtrArray *
integ_instance_pci_ids (const KerfResources *res, const KerfInstance *inst)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < inst->devices->len; i++)
    {
      const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, i);
      KerfDevice *dev;
      if (ref->kind != KERF_DEVICE_REF_WHOLE)
        continue;
      dev = kerf_resources_find_device (res, ref->device);
      g_assert_nonnull (dev);
      g_assert_nonnull (dev->pci_id);
      g_ptr_array_add (ids, g_ascii_strdown (dev->pci_id, -1));
    }
  g_ptr_array_sort (ids, str_cmp);
  return ids;
}

static gboolean
ids_contain (const GPtrArray *ids, const char *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (ids, i), id) == 0)
      return TRUE;
  return FALSE;
}

/* Pool PCI ids the model expects free: in the pool, held by no instance. */
static GPtrArray *
model_free_pci (const KerfModel *model)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) used = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < model->instances->len; i++)
    {
      g_autoptr(GPtrArray) mine = integ_instance_pci_ids (model->resources,
                                                          g_ptr_array_index (model->instances, i));
      for (guint j = 0; j < mine->len; j++)
        g_ptr_array_add (used, g_strdup (g_ptr_array_index (mine, j)));
    }
  for (guint i = 0; i < model->resources->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (model->resources->devices, i);
      if (dev->pci_id != NULL && !dev->host_reserved && !ids_contain (used, dev->pci_id))
        g_ptr_array_add (ids, g_ascii_strdown (dev->pci_id, -1));
    }
  g_ptr_array_sort (ids, str_cmp);
  return ids;
}

/* Every device of `ids` that the model names (name != node name) has an
 * alias in `tree` leading to a node with its pci-id. */
static void
assert_aliases (const KerfDtTree *tree, const KerfResources *res, const GPtrArray *ids)
{
  const KerfDtNode *aliases = kerf_dt_tree_lookup_path (tree, "/aliases");

  for (guint i = 0; i < ids->len; i++)
    {
      const KerfDevice *dev = kerf_resources_find_device_by_pci_id (res, g_ptr_array_index (ids, i));
      KerfDtProp *p;
      const KerfDtNode *target;

      g_assert_nonnull (dev);
      if (g_strcmp0 (dev->name, dev->node_name) == 0)
        continue;
      g_assert_nonnull (aliases);
      p = kerf_dt_node_get_prop (aliases, dev->name);
      if (p == NULL)
        g_error ("no alias '%s' for PCI device %s", dev->name, dev->pci_id);
      target = kerf_dt_tree_lookup_path (tree, kerf_dt_prop_get_string (p));
      g_assert_nonnull (target);
      g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (target, "pci-id")), ==,
                       dev->pci_id);
    }
}

static gint
u32_cmp (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static GArray *
model_used_cpus (const KerfModel *model)
{
  GArray *used = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < model->instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (model->instances, i);
      g_array_append_vals (used, inst->cpus->data, inst->cpus->len);
    }
  return used;
}

static void
assert_pool_matches (KerfKernel *kernel, const KerfModel *model)
{
  g_autoptr(KerfDtTree) tree = integ_pool_tree (kernel);
  const KerfDtNode *res = kerf_dt_tree_lookup_path (tree, "/resources");
  g_autoptr(GArray) cpus = NULL, avail = NULL, used = model_used_cpus (model), want_free = NULL;
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GPtrArray) free_pci = tree_pci_ids (tree), want_pci = model_free_pci (model);
  g_autoptr(GError) error = NULL;
  guint64 total = 0;

  g_assert_nonnull (res);
  g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (tree->root, "compatible")), ==,
                   "multikernel-v1");
  cpus = u64_cells (res, "cpus");
  avail = u64_cells (res, "cpus-available");
  assert_cpus_equal (cpus, model->resources->available_cpus, "pool CPUs");
  g_array_sort (used, u32_cmp);
  want_free = kerf_u32_array_difference (model->resources->available_cpus, used);
  assert_cpus_equal (avail, want_free, "free CPUs");

  chunks = kerf_overlay_pool_chunks_from_tree (tree, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < chunks->len; i++)
    {
      const KerfOverlayRange *c = &g_array_index (chunks, KerfOverlayRange, i);
      if (i > 0)
        {
          const KerfOverlayRange *p = &g_array_index (chunks, KerfOverlayRange, i - 1);
          g_assert_cmpuint (p->base + p->size, <=, c->base);   /* disjoint */
        }
      total += c->size;
    }
  g_assert_cmpuint (total, ==, model->resources->pool_bytes);

  assert_ids_equal (free_pci, want_pci, "free PCI devices");
  assert_aliases (tree, model->resources, want_pci);
}

static void
assert_instance_matches (const KerfDtTree *tree, const KerfResources *res,
                         const KerfInstance *inst)
{
  const KerfDtNode *r = kerf_dt_tree_lookup_path (tree, "/resources");
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GPtrArray) pci = tree_pci_ids (tree), want_pci = integ_instance_pci_ids (res, inst);
  guint32 id = 0;

  g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (tree->root, "model")), ==,
                   inst->name);
  g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (tree->root, "id"), 0, &id));
  if (inst->id != 0)
    g_assert_cmpuint (id, ==, inst->id);
  g_assert_nonnull (r);
  g_assert_cmphex (u64_prop (r, "memory-base"), ==, inst->memory_base);
  g_assert_cmphex (u64_prop (r, "memory-bytes"), ==, inst->memory_bytes);
  cpus = u64_cells (r, "cpus");
  assert_cpus_equal (cpus, inst->cpus, inst->name);
  assert_ids_equal (pci, want_pci, inst->name);
  assert_aliases (tree, res, want_pci);
}

static gint
kinst_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(KerfKernelInstance *const *) a)->name, (*(KerfKernelInstance *const *) b)->name);
}

void
integ_assert_matches (KerfKernel *kernel, const KerfModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) insts = kerf_kernel_list_instances (kernel, &error);
  g_autoptr(GPtrArray) got = g_ptr_array_new (), want = g_ptr_array_new ();

  g_assert_no_error (error);
  assert_pool_matches (kernel, model);
  g_ptr_array_sort (insts, kinst_cmp);
  for (guint i = 0; i < insts->len; i++)
    g_ptr_array_add (got, ((KerfKernelInstance *) g_ptr_array_index (insts, i))->name);
  for (guint i = 0; i < model->instances->len; i++)
    g_ptr_array_add (want, ((KerfInstance *) g_ptr_array_index (model->instances, i))->name);
  g_ptr_array_sort (want, str_cmp);
  assert_ids_equal (got, want, "instance names");
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *ki = g_ptr_array_index (insts, i);
      const KerfInstance *inst = kerf_model_find_instance (model, ki->name);
      g_autoptr(KerfDtTree) tree = NULL;

      g_assert_nonnull (ki->device_tree);
      tree = decode (ki->device_tree);
      if (inst->id != 0)
        g_assert_cmpuint (ki->id, ==, inst->id);
      assert_instance_matches (tree, model->resources, inst);
    }
}

void
integ_sync_instance (KerfKernel *kernel, KerfInstance *inst)
{
  g_autoptr(KerfDtTree) tree = integ_instance_tree (kernel, inst->name);
  const KerfDtNode *r = kerf_dt_tree_lookup_path (tree, "/resources");
  guint32 id = 0;

  g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (tree->root, "id"), 0, &id));
  g_assert_cmpuint (id, >=, 1);
  g_assert_cmpuint (id, <=, 2047);
  if (inst->id != 0)
    g_assert_cmpuint (id, ==, inst->id);
  inst->id = id;
  g_assert_cmphex (u64_prop (r, "memory-bytes"), ==, inst->memory_bytes);
  inst->memory_base = u64_prop (r, "memory-base");
}

/* ---- conservation ------------------------------------------------------ */

typedef struct {
  guint64 base, size;
} Span;

static gint
span_cmp (gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;
  return x->base < y->base ? -1 : x->base > y->base;
}

void
integ_assert_invariants (KerfKernel *kernel, const KerfModel *model)
{
  g_autoptr(KerfDtTree) pool = integ_pool_tree (kernel);
  const KerfDtNode *res = kerf_dt_tree_lookup_path (pool, "/resources");
  g_autoptr(GArray) pool_cpus = u64_cells (res, "cpus");
  g_autoptr(GArray) free_cpus = u64_cells (res, "cpus-available");
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(GHashTable) cpu_owner = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) dev_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr(GPtrArray) insts = kerf_kernel_list_instances (kernel, NULL);
  g_autoptr(GPtrArray) free_pci = tree_pci_ids (pool);
  g_autoptr(GArray) holes = kerf_alloc_free_memory (model, NULL);
  g_autoptr(GError) error = NULL;
  guint n_cpus = free_cpus->len, n_devs = free_pci->len;
  guint64 pool_bytes = 0, allocated = 0, free_bytes = 0;

  chunks = kerf_overlay_pool_chunks_from_tree (pool, &error);
  g_assert_no_error (error);

  /* CPUs: every free and every instance CPU is a pool CPU, owned once. */
  for (guint i = 0; i < free_cpus->len; i++)
    {
      guint32 c = g_array_index (free_cpus, guint32, i);
      g_assert_true (kerf_u32_array_contains (pool_cpus, c));
      g_assert_true (g_hash_table_insert (cpu_owner, GUINT_TO_POINTER (c + 1), (gpointer) "free"));
    }
  for (guint i = 0; i < free_pci->len; i++)
    g_assert_true (g_hash_table_insert (dev_seen, g_strdup (g_ptr_array_index (free_pci, i)), NULL));
  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *ki = g_ptr_array_index (insts, i);
      g_autoptr(KerfDtTree) t = decode (ki->device_tree);
      const KerfDtNode *r = kerf_dt_tree_lookup_path (t, "/resources");
      g_autoptr(GArray) cpus = u64_cells (r, "cpus");
      g_autoptr(GPtrArray) pci = tree_pci_ids (t);
      Span s = { u64_prop (r, "memory-base"), u64_prop (r, "memory-bytes") };

      for (guint j = 0; j < cpus->len; j++)
        {
          guint32 c = g_array_index (cpus, guint32, j);
          g_assert_true (kerf_u32_array_contains (pool_cpus, c));
          if (!g_hash_table_insert (cpu_owner, GUINT_TO_POINTER (c + 1), ki->name))
            g_error ("CPU %u owned twice (%s)", c, ki->name);
        }
      n_cpus += cpus->len;
      for (guint j = 0; j < pci->len; j++)
        if (!g_hash_table_insert (dev_seen, g_strdup (g_ptr_array_index (pci, j)), NULL))
          g_error ("PCI device %s owned twice (%s)", (char *) g_ptr_array_index (pci, j), ki->name);
      n_devs += pci->len;
      if (s.size > 0)
        g_array_append_val (spans, s);
      allocated += s.size;
    }
  g_assert_cmpuint (n_cpus, ==, pool_cpus->len);                     /* none lost */
  g_assert_cmpuint (g_hash_table_size (cpu_owner), ==, pool_cpus->len);

  /* Devices: exactly the model's pool PCI devices, each once. */
  {
    guint n_pool = 0;
    for (guint i = 0; i < model->resources->devices->len; i++)
      {
        const KerfDevice *dev = g_ptr_array_index (model->resources->devices, i);
        g_autofree char *id = NULL;
        if (dev->pci_id == NULL || dev->host_reserved)
          continue;
        id = g_ascii_strdown (dev->pci_id, -1);
        g_assert_true (g_hash_table_contains (dev_seen, id));
        n_pool++;
      }
    g_assert_cmpuint (n_devs, ==, n_pool);
    g_assert_cmpuint (g_hash_table_size (dev_seen), ==, n_pool);
  }

  /* Memory: instance ranges disjoint, each inside the pool's chunks. */
  g_array_sort (spans, span_cmp);
  for (guint i = 0; i < spans->len; i++)
    {
      const Span *s = &g_array_index (spans, Span, i);
      guint64 pos = s->base, end = s->base + s->size;

      if (i > 0)
        {
          const Span *p = &g_array_index (spans, Span, i - 1);
          g_assert_cmpuint (p->base + p->size, <=, s->base);
        }
      for (guint j = 0; j < chunks->len && pos < end; j++)
        {
          const KerfOverlayRange *c = &g_array_index (chunks, KerfOverlayRange, j);
          if (pos >= c->base && pos < c->base + c->size)
            pos = MIN (end, c->base + c->size);
        }
      if (pos != end)
        g_error ("instance memory 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                 "x is not inside the pool's chunks", s->base, s->size);
    }
  for (guint i = 0; i < chunks->len; i++)
    pool_bytes += g_array_index (chunks, KerfOverlayRange, i).size;
  /* free (as the model's allocator sees it) + allocated (as the kernel
   * holds it) = the pool (as the kernel holds it) */
  for (guint i = 0; i + 1 < holes->len; i += 2)
    free_bytes += g_array_index (holes, guint64, i + 1);
  g_assert_cmpuint (free_bytes + allocated, ==, pool_bytes);
}

void
integ_validate_options (KerfValidateOptions *opts)
{
  kerf_validate_options_init (opts);
  opts->check_host = FALSE;
  opts->advice = FALSE;
}
