/* kerfd-engine-pool.c — the pool's operations: Initialize and Reset.
 *
 * The kernel takes a baseline once (kernel-abi.md: device_tree is written
 * once) and cannot forget it.  Reset therefore empties the pool instead:
 * one /resources transaction removes every pool CPU, every PCI device and
 * every memory chunk the kernel's pool tree reports, giving them back to
 * the host.  The pool then holds nothing, and kerfd reports it as not
 * initialized (Initialized is derived from the kernel: a baseline written
 * AND a pool that holds a CPU, a memory chunk or a PCI device), after a
 * restart too.  Initialize on such a pool cannot write device_tree again;
 * it fills the empty pool from the new baseline with one /resources
 * transaction (memory-add per NUMA chunk, cpu-add, device-add) instead.
 * Platform devices cannot move at runtime and stay where the first
 * baseline put them.
 *
 * The stored baseline is kept by Reset: rolling the reset transaction back
 * brings the pool back exactly as it was, and the baseline then matches it
 * again.  The next Initialize replaces it.
 */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "kerf-overlay.h"
#include "kerf-validate.h"
#include "kerfd-engine-private.h"
#include "kerfd-log.h"

/* ---- the pool tree ---------------------------------------------------- */

/* The pool tree as the kernel reports it now. */
static KerfDtTree *
kerfd_pool_tree_read (KerfdEngine *engine, GError **error)
{
  g_autoptr(GBytes) dtb = kerf_kernel_read_pool_tree (engine->kernel, error);
  g_autofree guint8 *copy = NULL;
  const guint8 *data;
  gsize len = 0;

  if (dtb == NULL)
    return NULL;
  data = g_bytes_get_data (dtb, &len);
  copy = g_memdup2 (data, len);
  if (!kerf_dtb_check (copy, len, error))
    return NULL;
  return kerf_dtb_read (copy, len, "device_tree", error);
}

gboolean
kerfd_engine_pool_tree_is_empty (const KerfDtTree *pool_tree)
{
  g_autoptr(GArray) cpus = kerf_overlay_pool_cpus_from_tree (pool_tree, NULL);
  g_autoptr(GArray) chunks = kerf_overlay_pool_chunks_from_tree (pool_tree, NULL);
  g_autoptr(GPtrArray) pci_ids = g_ptr_array_new_with_free_func (g_free);

  kerfd_engine_collect_pci_ids (pool_tree->root, pci_ids);
  /* a malformed CPU list or chunk is something, not nothing */
  return cpus != NULL && cpus->len == 0 && chunks != NULL && chunks->len == 0 &&
         pci_ids->len == 0;
}

/* ---- Initialize ------------------------------------------------------- */

static char *
kerfd_pool_summary (const KerfModel *model)
{
  return g_strdup_printf ("initialize pool: %u CPUs, %" G_GUINT64_FORMAT " bytes of memory, "
                          "%u devices", model->resources->available_cpus->len,
                          model->resources->pool_bytes, model->resources->devices->len);
}

/* First Initialize: the baseline goes to device_tree. */
static gboolean
kerfd_initialize_first (KerfdEngine *engine, const KerfModel *model, GBytes *source,
                        const char *name, gboolean dry_run, char **summary, GError **error)
{
  g_autoptr(KerfDtTree) kernel_tree = kerf_model_to_kernel_baseline (model, error);
  g_autoptr(GBytes) dtb = NULL;

  if (kernel_tree == NULL || (dtb = kerf_dtb_write (kernel_tree, error)) == NULL)
    return FALSE;
  *summary = kerfd_pool_summary (model);
  if (dry_run)
    return TRUE;
  if (!kerf_kernel_write_baseline (engine->kernel, dtb, error))
    return FALSE;
  kerfd_log_transaction (G_LOG_LEVEL_MESSAGE, "initialize", "", "%s", *summary);
  if (!kerfd_state_save_baseline (engine->state, source, name, error))
    return FALSE;   /* the kernel has it; the next start falls back to its pool tree */
  return kerfd_engine_finish (engine, 0, "initialize", NULL, error);
}

/* Initialize after Reset: the kernel keeps its first baseline, so the new
 * one fills the empty pool through one transaction. */
static gboolean
kerfd_initialize_refill (KerfdEngine *engine, const KerfModel *model, GBytes *source,
                         const char *name, gboolean dry_run, char **summary, GError **error)
{
  g_autoptr(KerfDtTree) kernel_tree = kerf_model_to_kernel_baseline (model, error);
  g_autoptr(KerfDtTree) overlay = NULL;
  guint tx_id = 0;

  if (kernel_tree == NULL || (overlay = kerf_overlay_fill_pool (kernel_tree, error)) == NULL)
    return FALSE;
  *summary = kerfd_pool_summary (model);
  if (dry_run)
    return TRUE;
  if (!kerfd_engine_write (engine, overlay, "initialize", NULL, &tx_id, error))
    return FALSE;
  if (!kerfd_state_save_baseline (engine->state, source, name, error))
    {
      kerfd_engine_undo (engine, tx_id);
      return FALSE;
    }
  return kerfd_engine_finish (engine, tx_id, "initialize", NULL, error);
}

/* Re-initialization: the instances must still fit the new pool, and the
 * change goes to the kernel as one /resources transaction. */
static gboolean
kerfd_initialize_resize (KerfdEngine *engine, const KerfdSnapshot *s, const KerfModel *model,
                         GBytes *source, const char *name, gboolean dry_run, char **summary,
                         GError **error)
{
  g_autoptr(KerfModel) next = kerf_model_copy (s->state);
  g_autoptr(KerfDiagList) fit = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) pool_tree = NULL;
  g_autoptr(GArray) chunks = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) local_error = NULL;
  KerfValidateOptions opts;
  guint tx_id = 0;

  kerfd_engine_validate_options (engine, &opts);
  kerf_resources_free (next->resources);
  next->resources = kerf_resources_copy (model->resources);
  if (!kerf_validate_state (next, &opts, fit))
    {
      g_autoptr(GError) why = NULL;

      kerfd_engine_diags_to_error (fit, "the new baseline cannot hold the existing instances",
                                   &why);
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT, why->message);
      return FALSE;
    }
  pool_tree = kerfd_pool_tree_read (engine, error);
  if (pool_tree == NULL || (chunks = kerf_overlay_pool_chunks_from_tree (pool_tree, error)) == NULL)
    return FALSE;
  overlay = kerf_overlay_resize_pool (s->state->resources, model->resources,
                                      (const KerfOverlayRange *) (gpointer) chunks->data,
                                      chunks->len, &local_error);
  if (overlay == NULL)
    {
      if (!g_error_matches (local_error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* "nothing to change": the kernel already holds this pool */
      *summary = g_strdup ("no change to the pool");
    }
  else
    *summary = kerf_overlay_describe (overlay);
  if (dry_run)
    return TRUE;
  if (overlay != NULL && !kerfd_engine_write (engine, overlay, "resize-pool", NULL, &tx_id, error))
    return FALSE;
  if (!kerfd_state_save_baseline (engine->state, source, name, error))
    {
      kerfd_engine_undo (engine, tx_id);
      return FALSE;
    }
  return kerfd_engine_finish (engine, tx_id, "resize-pool", NULL, error);
}

gboolean
kerfd_engine_op_initialize (KerfdEngine *engine, GBytes *source, const char *name,
                            gboolean dry_run, KerfDiagList *diags, char **summary,
                            GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  g_autoptr(KerfDtTree) tree = kerfd_engine_parse_source (source, name, diags);
  g_autoptr(KerfModel) model = NULL;
  KerfValidateOptions opts;

  if (tree == NULL)
    return kerfd_engine_diags_to_error (diags, name, error);
  model = kerf_model_from_tree_full (tree, KERF_MODEL_READ_NONE, diags);
  if (model == NULL)
    return kerfd_engine_diags_to_error (diags, name, error);
  if (model->resources == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_VALIDATION_FAILED,
                   "%s: no /resources node: this is not a baseline", name);
      return FALSE;
    }
  kerfd_engine_validate_options (engine, &opts);
  if (!kerf_validate_state (model, &opts, diags))
    return kerfd_engine_diags_to_error (diags, name, error);

  if (s->initialized)
    return kerfd_initialize_resize (engine, s, model, source, name, dry_run, summary, error);
  if (s->kernel_has_baseline)
    return kerfd_initialize_refill (engine, model, source, name, dry_run, summary, error);
  return kerfd_initialize_first (engine, model, source, name, dry_run, summary, error);
}

/* ---- Reset ------------------------------------------------------------ */

gboolean
kerfd_engine_op_reset (KerfdEngine *engine, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_require_initialized (engine, error);
  g_autoptr(KerfDtTree) pool_tree = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  guint tx_id = 0;

  if (s == NULL)
    return FALSE;
  if (g_hash_table_size (s->instances) > 0)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autofree char *list = NULL;
      guint n = g_hash_table_size (s->instances);
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, s->instances);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (names, key);

      g_ptr_array_sort (names, kerfd_engine_strptr_cmp);
      g_ptr_array_add (names, NULL);
      list = g_strjoinv (", ", (char **) names->pdata);
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot reset the pool: %u instance%s exist%s (%s); delete %s first",
                   n, n == 1 ? "" : "s", n == 1 ? "s" : "", list, n == 1 ? "it" : "them");
      return FALSE;
    }
  pool_tree = kerfd_pool_tree_read (engine, error);
  if (pool_tree == NULL || (overlay = kerf_overlay_empty_pool (pool_tree, error)) == NULL)
    return FALSE;
  if (!kerfd_engine_write (engine, overlay, "reset", NULL, &tx_id, error))
    return FALSE;
  return kerfd_engine_finish (engine, tx_id, "reset", NULL, error);
}
