/* kerfd-engine.c — the engine's view: rebuilt from the kernel plus the state
 * directory (recovery), and the read-only queries. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-dts.h"
#include "kerf-kernel-emulated.h"
#include "kerf-kernel-sysfs.h"
#include "kerf-report.h"
#include "kerf-overlay.h"
#include "kerf-validate.h"
#include "kerfd-engine-private.h"
#include "kerfd-log.h"

/* ---- snapshots -------------------------------------------------------- */

static void
kerfd_instance_info_free (KerfdInstanceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->status);
  kerfd_instance_record_free (info->record);
  g_free (info);
}

static void
kerfd_tx_info_free (KerfdTxInfo *tx)
{
  if (tx == NULL)
    return;
  g_free (tx->status);
  g_free (tx->target);
  g_free (tx->operation);
  g_free (tx->instance);
  g_free (tx);
}

static void
kerfd_snapshot_clear (KerfdSnapshot *s)
{
  g_clear_pointer (&s->state, kerf_model_free);
  g_clear_pointer (&s->instances, g_hash_table_unref);
  g_clear_pointer (&s->transactions, g_ptr_array_unref);
  g_clear_pointer (&s->baseline, g_bytes_unref);
  g_clear_pointer (&s->baseline_name, g_free);
  g_clear_pointer (&s->free_cpus, g_array_unref);
}

static KerfdSnapshot *
kerfd_snapshot_new (void)
{
  KerfdSnapshot *s = g_atomic_rc_box_new0 (KerfdSnapshot);

  s->instances = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) kerfd_instance_info_free);
  s->transactions = g_ptr_array_new_with_free_func ((GDestroyNotify) kerfd_tx_info_free);
  s->free_cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  return s;
}

KerfdSnapshot *
kerfd_snapshot_ref (KerfdSnapshot *s)
{
  return g_atomic_rc_box_acquire (s);
}

void
kerfd_snapshot_unref (KerfdSnapshot *s)
{
  g_atomic_rc_box_release_full (s, (GDestroyNotify) kerfd_snapshot_clear);
}

/* ---- helpers shared with the operations ------------------------------- */

KerfDtTree *
kerfd_engine_parse_source (GBytes *source, const char *name, KerfDiagList *diags)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (source, &len);

  if (kerf_dtb_is_blob (data, len))
    {
      g_autoptr(GError) error = NULL;
      /* libfdt wants 8-byte alignment; GVariant data has none */
      g_autofree guint8 *copy = g_memdup2 (data, len);
      KerfDtTree *tree = NULL;

      if (kerf_dtb_check (copy, len, &error))
        tree = kerf_dtb_read (copy, len, name, &error);
      if (tree == NULL)
        kerf_diag_list_add (diags, KERF_SEVERITY_ERROR, kerf_loc_make (name, 0, 0), "syntax",
                            NULL, "%s", error->message);
      return tree;
    }
  return kerf_dts_parse_data (name, (const char *) data, len, NULL,
                              KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
}

KerfModel *
kerfd_engine_model_from_source (GBytes *source, const char *name, KerfDiagList *diags)
{
  g_autoptr(KerfDtTree) tree = kerfd_engine_parse_source (source, name, diags);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (source, &len);

  if (tree == NULL)
    return NULL;
  return kerf_model_from_tree_full (tree,
                                    kerf_dtb_is_blob (data, len) ? KERF_MODEL_READ_FROM_BLOB
                                                                 : KERF_MODEL_READ_NONE,
                                    diags);
}

void
kerfd_engine_validate_options (KerfdEngine *engine, gpointer opts_p)
{
  KerfValidateOptions *opts = opts_p;

  kerf_validate_options_init (opts);
  /* the emulated machine is not this host: its /proc says nothing */
  opts->check_host = g_str_equal (engine->backend, "sysfs");
}

gboolean
kerfd_engine_diags_to_error (const KerfDiagList *diags, const char *what, GError **error)
{
  g_autoptr(GString) msg = g_string_new (NULL);
  guint n = kerf_diag_list_length (diags);

  if (!kerf_diag_list_has_errors (diags))
    return TRUE;
  g_string_append_printf (msg, "%s: %u error(s)", what, kerf_diag_list_n_errors (diags));
  for (guint i = 0; i < n; i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      g_autofree char *line = NULL;

      if (d->severity != KERF_SEVERITY_ERROR)
        continue;
      line = kerf_diag_format (d);
      g_string_append_printf (msg, "\n%s", line);
    }
  g_set_error_literal (error, KERF_ERROR, KERF_ERROR_VALIDATION_FAILED, msg->str);
  return FALSE;
}

/* ---- construction ----------------------------------------------------- */

static KerfKernel *
kerfd_engine_open_kernel (const char *backend, const char *state_dir, const char *machine_file,
                          GError **error)
{
  if (g_str_equal (backend, "emulated"))
    {
      g_autoptr(KerfEmuMachine) machine = NULL;
      g_autofree char *dir = g_build_filename (state_dir, "emulated-kernel", NULL);

      if (machine_file != NULL)
        {
          machine = kerf_emu_machine_from_file (machine_file, error);
          if (machine == NULL)
            {
              g_prefix_error (error, "--emulated-machine=%s: ", machine_file);
              return NULL;
            }
        }
      return kerf_kernel_emulated_new (dir, machine, error);
    }
  if (g_str_equal (backend, "sysfs"))
    {
      /* the real kernel: /sys/fs/multikernel, mounted when absent */
      return kerf_kernel_sysfs_new (NULL, error);
    }
  g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
               "unknown backend '%s' (sysfs or emulated)", backend);
  return NULL;
}

KerfdEngine *
kerfd_engine_new (const char *backend, const char *state_dir, const char *machine_file,
                  GError **error)
{
  g_autoptr(KerfdEngine) engine = g_new0 (KerfdEngine, 1);

  g_mutex_init (&engine->lock);
  engine->backend = g_strdup (backend);
  engine->snapshot = kerfd_snapshot_new ();
  engine->state = kerfd_state_open (state_dir, error);
  if (engine->state == NULL)
    return NULL;
  engine->kernel = kerfd_engine_open_kernel (backend, state_dir, machine_file, error);
  if (engine->kernel == NULL)
    return NULL;
  return g_steal_pointer (&engine);
}

void
kerfd_engine_free (KerfdEngine *engine)
{
  if (engine == NULL)
    return;
  g_clear_pointer (&engine->kernel, kerf_kernel_free);
  g_clear_pointer (&engine->state, kerfd_state_free);
  g_clear_pointer (&engine->snapshot, kerfd_snapshot_unref);
  g_mutex_clear (&engine->lock);
  g_free (engine->backend);
  g_free (engine);
}

const char *
kerfd_engine_get_backend_name (KerfdEngine *engine)
{
  return engine->backend;
}

KerfdSnapshot *
kerfd_engine_get_snapshot (KerfdEngine *engine)
{
  KerfdSnapshot *s;

  g_mutex_lock (&engine->lock);
  s = kerfd_snapshot_ref (engine->snapshot);
  g_mutex_unlock (&engine->lock);
  return s;
}

/* ---- recovery: kernel + state directory -> snapshot ------------------- */

void
kerfd_u32_array_sort_unique (GArray *a)
{
  guint keep = 0;

  for (guint i = 1; i < a->len; i++)
    for (guint j = i; j > 0 && g_array_index (a, guint32, j - 1) > g_array_index (a, guint32, j); j--)
      {
        guint32 t = g_array_index (a, guint32, j);

        g_array_index (a, guint32, j) = g_array_index (a, guint32, j - 1);
        g_array_index (a, guint32, j - 1) = t;
      }
  for (guint i = 0; i < a->len; i++)
    if (keep == 0 || g_array_index (a, guint32, keep - 1) != g_array_index (a, guint32, i))
      g_array_index (a, guint32, keep++) = g_array_index (a, guint32, i);
  g_array_set_size (a, keep);
}

gint
kerfd_engine_strptr_cmp (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Collects every "pci-id" string in the subtree. */
void
kerfd_engine_collect_pci_ids (const KerfDtNode *node, GPtrArray *out)
{
  KerfDtProp *p = kerf_dt_node_get_prop (node, "pci-id");
  const char *s = p != NULL ? kerf_dt_prop_get_string (p) : NULL;

  if (s != NULL)
    g_ptr_array_add (out, g_strdup (s));
  for (guint i = 0; i < node->children->len; i++)
    kerfd_engine_collect_pci_ids (g_ptr_array_index (node->children, i), out);
}

/* An instance as the kernel holds it (kernel-abi.md "Instance tree"), plus
 * what kerfd recorded for it. */
KerfInstance *
kerfd_engine_instance_from_kernel (const KerfKernelInstance *kinst,
                                   const KerfResources      *res,
                                   const KerfdInstanceRecord *record)
{
  g_autoptr(KerfInstance) inst = kerf_instance_new (kinst->name);
  g_autoptr(GError) error = NULL;

  inst->id = kinst->id;
  if (kinst->device_tree != NULL)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (kinst->device_tree, &len);
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(KerfDtTree) tree = NULL;
      g_autoptr(GPtrArray) pci_ids = g_ptr_array_new_with_free_func (g_free);
      KerfDtNode *resources;

      if (kerf_dtb_check (copy, len, &error))
        tree = kerf_dtb_read (copy, len, kinst->name, &error);
      if (tree == NULL)
        {
          g_warning ("instance %s: unreadable instance tree: %s", kinst->name, error->message);
          return g_steal_pointer (&inst);
        }
      resources = kerf_dt_tree_lookup_path (tree, "/resources");
      if (resources != NULL)
        {
          KerfDtProp *p;

          if ((p = kerf_dt_node_get_prop (resources, "memory-base")) != NULL)
            (void) kerf_dt_prop_get_number (p, &inst->memory_base);
          if ((p = kerf_dt_node_get_prop (resources, "memory-bytes")) != NULL)
            (void) kerf_dt_prop_get_number (p, &inst->memory_bytes);
          if ((p = kerf_dt_node_get_prop (resources, "cpus")) != NULL)
            {
              /* u64 cells; the high word of a real CPU id is 0 */
              gsize n = kerf_dt_prop_n_u32 (p) / 2;

              for (gsize i = 0; i < n; i++)
                {
                  guint32 hi = 0, lo = 0;

                  if (kerf_dt_prop_get_u32 (p, 2 * i, &hi) && kerf_dt_prop_get_u32 (p, 2 * i + 1, &lo)
                      && hi == 0)
                    g_array_append_val (inst->cpus, lo);
                }
              kerfd_u32_array_sort_unique (inst->cpus);
            }
        }
      kerfd_engine_collect_pci_ids (tree->root, pci_ids);
      /* whole PCI devices the kernel gave the instance, by their stable names */
      for (guint i = 0; i < pci_ids->len; i++)
        {
          const char *pci_id = g_ptr_array_index (pci_ids, i);
          KerfDevice *dev = res != NULL ? kerf_resources_find_device_by_pci_id (res, pci_id) : NULL;
          const char *ref_name = dev != NULL ? dev->name : pci_id;
          gboolean have = FALSE;

          for (guint j = 0; j < inst->devices->len; j++)
            have = have || g_str_equal (((KerfDeviceRef *) g_ptr_array_index (inst->devices, j))->name,
                                        ref_name);
          if (!have)
            g_ptr_array_add (inst->devices, kerf_device_ref_new (ref_name));
        }
    }

  if (record != NULL)
    {
      /* VFs and namespaces are kerfd's alone; whole devices the kernel
       * already told us about. */
      for (guint i = 0; record->devices[i] != NULL; i++)
        {
          g_autoptr(KerfDeviceRef) ref = kerf_device_ref_new (record->devices[i]);

          if (ref->kind != KERF_DEVICE_REF_WHOLE)
            g_ptr_array_add (inst->devices, g_steal_pointer (&ref));
        }
      g_array_append_vals (inst->numa_nodes, record->numa_nodes->data, record->numa_nodes->len);
      if (record->cpu_affinity != NULL)
        (void) kerf_cpu_affinity_from_string (record->cpu_affinity, &inst->cpu_affinity);
      if (record->memory_policy != NULL)
        (void) kerf_memory_policy_from_string (record->memory_policy, &inst->memory_policy);
    }
  return g_steal_pointer (&inst);
}

/* The resources: the stored baseline, with the pool memory where the kernel
 * really put it.  The pool tree is read by the model reader, which keeps
 * each memory@N chunk's reg and numa-node-id in pool_chunks; the allocator
 * and the validator then keep every instance inside one of those chunks, as
 * the kernel requires.  The chunks never come from the baseline request. */
static KerfResources *
kerfd_engine_resources_from (KerfdSnapshot *s, const KerfDtTree *pool_tree)
{
  g_autoptr(KerfResources) res = NULL;
  g_autoptr(KerfModel) kernel_model = NULL;

  if (pool_tree != NULL)
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();

      kernel_model = kerf_model_from_tree_full (pool_tree, KERF_MODEL_READ_FROM_BLOB, diags);
      if (kernel_model == NULL || kernel_model->resources == NULL)
        {
          const KerfDiag *d = kerf_diag_list_length (diags) > 0 ? kerf_diag_list_get (diags, 0)
                                                                : NULL;
          g_autofree char *why = d != NULL ? kerf_diag_format (d) : g_strdup ("no /resources");

          g_warning ("the kernel's pool tree does not read (%s); its memory chunks are unknown, "
                     "assuming one per NUMA node of the baseline", why);
          g_clear_pointer (&kernel_model, kerf_model_free);
        }
    }

  if (s->baseline != NULL)
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfModel) model = kerfd_engine_model_from_source (s->baseline, s->baseline_name,
                                                                   diags);

      if (model != NULL && model->resources != NULL)
        res = kerf_resources_copy (model->resources);
      else
        g_warning ("the stored baseline %s no longer reads; using the kernel's pool tree",
                   s->baseline_name);
    }
  if (res == NULL && kernel_model != NULL)
    res = kerf_resources_copy (kernel_model->resources);
  if (res == NULL)
    res = kerf_resources_new ();

  if (kernel_model != NULL && kernel_model->resources->pool_chunks->len > 0)
    {
      const GArray *chunks = kernel_model->resources->pool_chunks;

      /* the kernel, not the baseline, decides where the pool is */
      g_array_set_size (res->pool_chunks, 0);
      g_array_append_vals (res->pool_chunks, chunks->data, chunks->len);
      res->pool_base = kernel_model->resources->pool_base;
    }
  return g_steal_pointer (&res);
}

/* Whether a transaction from index `from` on has target `target`. */
static gboolean
kerfd_engine_tx_targets (const GPtrArray *ktxs, guint from, const char *target)
{
  for (guint i = from; i < ktxs->len; i++)
    if (g_strcmp0 (((KerfKernelTransaction *) g_ptr_array_index (ktxs, i))->instance, target) == 0)
      return TRUE;
  return FALSE;
}

static KerfdSnapshot *
kerfd_engine_build_snapshot (KerfdEngine *engine, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_snapshot_new ();
  g_autoptr(GBytes) pool_dtb = NULL;
  g_autoptr(KerfDtTree) pool_tree = NULL;
  g_autoptr(GPtrArray) kinstances = NULL;
  g_autoptr(GPtrArray) ktxs = NULL;
  g_autoptr(GHashTable) tx_records = NULL;
  g_autoptr(GHashTable) records = NULL;
  g_autoptr(GArray) live_tx = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) completed_updates = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                   g_free, NULL);
  g_autoptr(GError) local_error = NULL;

  s->baseline = kerfd_state_load_baseline (engine->state, &s->baseline_name, error);
  if (s->baseline == NULL && error != NULL && *error != NULL)
    return NULL;

  pool_dtb = kerf_kernel_read_pool_tree (engine->kernel, &local_error);
  if (pool_dtb == NULL)
    {
      if (!g_error_matches (local_error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED) &&
          !g_error_matches (local_error, KERF_ERROR, KERF_ERROR_NOT_FOUND))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "reading the pool tree: ");
          return NULL;
        }
      g_clear_error (&local_error);
    }
  else if (g_bytes_get_size (pool_dtb) > 0)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (pool_dtb, &len);
      g_autofree guint8 *copy = g_memdup2 (data, len);

      if (!kerf_dtb_check (copy, len, error) ||
          (pool_tree = kerf_dtb_read (copy, len, "device_tree", error)) == NULL)
        {
          g_prefix_error (error, "reading the pool tree: ");
          return NULL;
        }
    }
  /* Initialized = the pool holds something.  The kernel never forgets a
   * baseline, but after Reset its pool is empty (kerfd-engine-pool.c). */
  s->kernel_has_baseline = pool_tree != NULL;
  s->initialized = pool_tree != NULL && !kerfd_engine_pool_tree_is_empty (pool_tree);

  records = kerfd_state_load_instances (engine->state);
  kinstances = kerf_kernel_list_instances (engine->kernel, error);
  if (kinstances == NULL)
    return NULL;

  if (s->initialized)
    {
      s->state = kerf_model_new ();
      s->state->resources = kerfd_engine_resources_from (s, pool_tree);
    }

  for (guint i = 0; i < kinstances->len; i++)
    {
      KerfKernelInstance *ki = g_ptr_array_index (kinstances, i);
      KerfdInstanceRecord *record;
      KerfdInstanceInfo *info;
      g_autofree char *key = NULL;

      if (kerfd_engine_reconcile_update (engine, ki, s->state != NULL ? s->state->resources : NULL,
                                         records))
        g_hash_table_add (completed_updates, g_strdup (ki->name));
      /* the table is already a copy (kerfd_state_load_instances): take
       * the record out of it; what stays behind are the orphans */
      if (!g_hash_table_steal_extended (records, ki->name, (gpointer *) &key, (gpointer *) &record))
        record = NULL;
      info = g_new0 (KerfdInstanceInfo, 1);

      info->name = g_strdup (ki->name);
      info->id = ki->id;
      info->status = g_strdup (ki->status != NULL && *ki->status != '\0' ? ki->status : "empty");
      if (s->state != NULL)
        g_ptr_array_add (s->state->instances,
                         kerfd_engine_instance_from_kernel (ki, s->state->resources, record));
      info->record = record != NULL ? record : kerfd_instance_record_new (ki->name);
      g_hash_table_replace (s->instances, info->name, info);
    }

  /* orphans: records of instances the kernel does not have (deleted while
   * kerfd was not running, or a crash between kernel and record) */
  {
    g_autoptr(GPtrArray) pending = kerfd_state_list_pending_updates (engine->state);
    GHashTableIter iter;
    const char *name;

    for (guint i = 0; i < pending->len; i++)
      if (!g_hash_table_contains (s->instances, g_ptr_array_index (pending, i)))
        {
          g_autoptr(GError) rm_error = NULL;

          if (!kerfd_state_remove_pending_update (engine->state, g_ptr_array_index (pending, i),
                                                  &rm_error))
            g_warning ("%s", rm_error->message);
        }

    g_hash_table_iter_init (&iter, records);
    while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
      {
        g_autoptr(GError) rm_error = NULL;

        kerfd_log_instance (G_LOG_LEVEL_MESSAGE, name,
                            "dropping state of instance %s: the kernel has no such instance", name);
        if (!kerfd_state_remove_instance (engine->state, name, &rm_error))
          g_warning ("%s", rm_error->message);
      }
  }

  ktxs = kerf_kernel_list_transactions (engine->kernel, error);
  if (ktxs == NULL)
    return NULL;
  /* read once per rebuild: a lookup per transaction made each change
   * quadratic in the history */
  tx_records = kerfd_state_load_transaction_records (engine->state);
  for (guint i = 0; i < ktxs->len; i++)
    {
      KerfKernelTransaction *kt = g_ptr_array_index (ktxs, i);
      KerfdTxInfo *tx = g_new0 (KerfdTxInfo, 1);
      const KerfdTxRecord *tx_record;

      tx->id = kt->id;
      tx->status = g_strdup (kt->status != NULL ? kt->status : "unknown");
      tx->target = g_strdup (kt->instance != NULL ? kt->instance : "");
      tx_record = g_hash_table_lookup (tx_records, GUINT_TO_POINTER (kt->id));
      tx->operation = g_strdup (tx_record != NULL ? tx_record->operation : "unknown");
      tx->instance = g_strdup (tx_record != NULL ? tx_record->instance : NULL);
      /* written by another tool: an instance target names its instance */
      if (tx->instance == NULL && g_str_has_prefix (tx->target, "/instances/"))
        tx->instance = g_strdup (tx->target + strlen ("/instances/"));
      /* the transaction of an update completed above was never recorded */
      if (g_str_equal (tx->operation, "unknown") && tx->instance != NULL &&
          g_hash_table_contains (completed_updates, tx->instance) &&
          (i + 1 == ktxs->len || !kerfd_engine_tx_targets (ktxs, i + 1, tx->target)))
        {
          g_free (tx->operation);
          tx->operation = g_strdup ("update");
          if (!kerfd_state_save_transaction (engine->state, tx->id, "update", tx->instance,
                                             &local_error))
            {
              g_warning ("tx_%u: %s", tx->id, local_error->message);
              g_clear_error (&local_error);
            }
        }
      g_ptr_array_add (s->transactions, tx);
      g_array_append_val (live_tx, kt->id);
    }
  if (!kerfd_state_prune_transactions (engine->state, live_tx, &local_error))
    g_warning ("%s", local_error->message);

  if (s->state != NULL)
    {
      g_autoptr(GArray) holes = kerf_alloc_free_memory (s->state, NULL);

      g_array_unref (s->free_cpus);
      s->free_cpus = kerf_alloc_free_cpus (s->state, NULL);
      for (guint i = 0; i + 1 < holes->len; i += 2)
        s->free_memory += g_array_index (holes, guint64, i + 1);
    }
  return g_steal_pointer (&s);
}

gboolean
kerfd_engine_load (KerfdEngine *engine, GError **error)
{
  KerfdSnapshot *s = kerfd_engine_build_snapshot (engine, error);

  if (s == NULL)
    {
      g_atomic_int_set (&engine->stale, TRUE);
      return FALSE;
    }
  g_mutex_lock (&engine->lock);
  g_clear_pointer (&engine->snapshot, kerfd_snapshot_unref);
  engine->snapshot = s;
  g_mutex_unlock (&engine->lock);
  g_atomic_int_set (&engine->stale, FALSE);
  return TRUE;
}

/* Called once the kernel has applied a change: the change stands whatever
 * happens here, so a view that cannot be rebuilt is not the caller's error
 * (answering ParseFailed for an applied change would be a lie, and a retry
 * would then fail with Busy or Exists).  One immediate retry covers a read
 * racing with the kernel; after that the view is marked stale and
 * kerfd_engine_refresh() rebuilds it before the next change, which is
 * refused while the pool tree cannot be read: nothing ever acts on the old
 * view. */
gboolean
kerfd_engine_reload (KerfdEngine *engine, GError **error)
{
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;

  (void) error;   /* never set: see above */
  if (kerfd_engine_load (engine, &first))
    return TRUE;
  g_warning ("the change was applied, but kerfd cannot rebuild its view (%s); retrying",
             first->message);
  if (kerfd_engine_load (engine, &second))
    return TRUE;
  g_warning ("the change was applied, but kerfd's view is out of date (%s); it is rebuilt "
             "before the next change, which is refused until the kernel's state reads",
             second->message);
  return TRUE;
}

gboolean
kerfd_engine_is_stale (KerfdEngine *engine)
{
  return g_atomic_int_get (&engine->stale);
}

gboolean
kerfd_engine_refresh (KerfdEngine *engine, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!kerfd_engine_is_stale (engine))
    return TRUE;
  if (kerfd_engine_load (engine, &local_error))
    {
      g_message ("kerfd's view matches the kernel again");
      return TRUE;
    }
  g_set_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR,
               "the kernel's pool tree cannot be read, so kerfd cannot know the current "
               "state; no change is made until it reads again (%s)", local_error->message);
  return FALSE;
}

/* ---- read-only queries ------------------------------------------------ */

gboolean
kerfd_engine_validate_source (KerfdEngine *engine, GBytes *source, const char *name,
                              KerfDiagList *diags)
{
  g_autoptr(KerfModel) model = kerfd_engine_model_from_source (source, name, diags);
  KerfValidateOptions opts;

  if (model == NULL)
    return FALSE;
  kerfd_engine_validate_options (engine, &opts);
  return kerf_validate_state (model, &opts, diags) && !kerf_diag_list_has_errors (diags);
}

char *
kerfd_engine_report (KerfdEngine *engine, const char *format, GBytes *source,
                     const char *name, GError **error)
{
  if (!g_str_equal (format, "text") && !g_str_equal (format, "json"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "unknown report format '%s' (text or json)", format);
      return NULL;
    }
  if (source != NULL)
    {
      /* a proposed tree: reported as it stands, nothing applied */
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfModel) model = kerfd_engine_model_from_source (source, name, diags);
      KerfValidateOptions opts;

      if (model == NULL)
        {
          kerfd_engine_diags_to_error (diags, name, error);
          return NULL;
        }
      kerfd_engine_validate_options (engine, &opts);
      return kerf_report_generate (model, &opts,
                                   g_str_equal (format, "json") ? KERF_REPORT_JSON : KERF_REPORT_TEXT,
                                   NULL);
    }
  {
    g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
    g_autoptr(KerfModel) empty = NULL;
    KerfValidateOptions opts;

    kerfd_engine_validate_options (engine, &opts);
    if (s->state == NULL)
      empty = kerf_model_new ();
    return kerf_report_generate (s->state != NULL ? s->state : empty, &opts,
                                 g_str_equal (format, "json") ? KERF_REPORT_JSON : KERF_REPORT_TEXT,
                                 NULL);
  }
}

GBytes *
kerfd_engine_get_device_tree (KerfdEngine *engine, const char *which, const char *format,
                              GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  g_autoptr(KerfDtTree) tree = NULL;
  gboolean dts;

  if (g_str_equal (format, "dts"))
    dts = TRUE;
  else if (g_str_equal (format, "dtb"))
    dts = FALSE;
  else
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "unknown device tree format '%s' (dts or dtb)", format);
      return NULL;
    }
  if (!g_str_equal (which, "baseline") && !g_str_equal (which, "effective"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "unknown device tree '%s' (baseline or effective)", which);
      return NULL;
    }
  if (!s->initialized)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool is not initialized; run kerf init first");
      return NULL;
    }

  if (g_str_equal (which, "baseline"))
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();

      if (s->baseline == NULL)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND,
                       "kerfd has no record of the baseline (the pool was initialized by "
                       "another tool); use \"effective\"");
          return NULL;
        }
      tree = kerfd_engine_parse_source (s->baseline, s->baseline_name, diags);
      if (tree == NULL)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
                       "the stored baseline %s does not read any more", s->baseline_name);
          return NULL;
        }
    }
  else
    tree = kerf_model_to_state_tree (s->state);

  if (dts)
    {
      char *text = kerf_dts_print (tree);

      return g_bytes_new_take (text, strlen (text));
    }
  return kerf_dtb_write (tree, error);
}
