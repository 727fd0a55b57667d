/* kerfd-engine-ops.c — every change of the multikernel state.
 *
 * Shape of each operation: check the request against the current snapshot,
 * build the whole resulting state and validate it, write ONE transaction,
 * record the daemon-side facts, rebuild the snapshot from the kernel.  A
 * failure before the kernel write changes nothing; a failure after it
 * rolls the transaction back, so nothing is left behind.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kerf-alloc.h"
#include "kerf-dts.h"
#include "kerf-overlay.h"
#include "kerf-validate.h"
#include "kerfd-engine-private.h"
#include "kerfd-log.h"
#include "kerfd-spec.h"
#include "kerfd-util.h"

/* Resources another instance holds are a conflict, not a rule broken by
 * the request: ResourceConflict naming the holder (the validator would
 * say the same as ValidationFailed). */
static gboolean
kerfd_check_taken (const KerfModel *state, const KerfInstance *inst, const char *exclude,
                   GError **error)
{
  for (guint i = 0; i < state->instances->len; i++)
    {
      const KerfInstance *other = g_ptr_array_index (state->instances, i);
      g_autoptr(GString) cpus = g_string_new (NULL);

      if (g_strcmp0 (other->name, exclude) == 0 || g_strcmp0 (other->name, inst->name) == 0)
        continue;
      for (guint a = 0; a < inst->cpus->len; a++)
        for (guint b = 0; b < other->cpus->len; b++)
          if (g_array_index (inst->cpus, guint32, a) == g_array_index (other->cpus, guint32, b))
            g_string_append_printf (cpus, "%s%u", cpus->len > 0 ? "," : "",
                                    g_array_index (inst->cpus, guint32, a));
      if (cpus->len > 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                       "CPU %s %s assigned to instance '%s'", cpus->str,
                       strchr (cpus->str, ',') != NULL ? "are" : "is", other->name);
          return FALSE;
        }
      if (inst->memory_bytes > 0 && other->memory_bytes > 0 &&
          inst->memory_base < other->memory_base + other->memory_bytes &&
          other->memory_base < inst->memory_base + inst->memory_bytes)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT,
                       "memory 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x overlaps "
                       "instance '%s' (0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x)",
                       inst->memory_base, inst->memory_base + inst->memory_bytes - 1, other->name,
                       other->memory_base, other->memory_base + other->memory_bytes - 1);
          return FALSE;
        }
    }
  return TRUE;
}

/* Places CPUs and memory the request left open (cpu-count, no base). */
static gboolean
kerfd_place (const KerfModel *state, KerfInstance *inst, const KerfdSpec *f,
             gboolean place_cpus, gboolean place_memory, const char *exclude, GError **error)
{
  if (place_cpus && kerfd_spec_has (f, KERFD_SPEC_CPU_COUNT))
    {
      KerfCpuRequest req = KERF_CPU_REQUEST_INIT;
      GArray *cpus;

      req.cpu_count = f->cpu_count;
      req.affinity = inst->cpu_affinity;
      req.numa_nodes = inst->numa_nodes;
      req.exclude = exclude;
      cpus = kerf_alloc_cpus (state, &req, error);
      if (cpus == NULL)
        return FALSE;
      g_array_unref (inst->cpus);
      inst->cpus = cpus;
    }
  if (place_memory)
    {
      KerfMemoryRequest req = KERF_MEMORY_REQUEST_INIT;
      guint64 base = 0;

      req.size = inst->memory_bytes;
      req.has_base = kerfd_spec_has (f, KERFD_SPEC_MEMORY_BASE);
      req.base = inst->memory_base;
      req.policy = inst->memory_policy;
      req.numa_nodes = inst->numa_nodes;
      req.cpus = inst->cpus;
      req.exclude = exclude;
      /* the pool's chunks are the kernel's (kerfd-engine.c): the allocator
       * keeps the range inside one of them */
      if (!kerf_alloc_memory (state, &req, &base, error))
        return FALSE;
      inst->memory_base = base;
    }
  return TRUE;
}

static KerfdInstanceRecord *
kerfd_record_from_instance (const KerfInstance *inst, const KerfdInstanceRecord *old)
{
  KerfdInstanceRecord *r = old != NULL ? kerfd_instance_record_copy (old)
                                       : kerfd_instance_record_new (inst->name);
  GStrvBuilder *b = g_strv_builder_new ();
  const char *s;

  for (guint i = 0; i < inst->devices->len; i++)
    g_strv_builder_add (b, ((KerfDeviceRef *) g_ptr_array_index (inst->devices, i))->name);
  g_strfreev (r->devices);
  r->devices = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  g_array_set_size (r->numa_nodes, 0);
  g_array_append_vals (r->numa_nodes, inst->numa_nodes->data, inst->numa_nodes->len);
  g_clear_pointer (&r->cpu_affinity, g_free);
  g_clear_pointer (&r->memory_policy, g_free);
  if ((s = kerf_cpu_affinity_to_string (inst->cpu_affinity)) != NULL)
    r->cpu_affinity = g_strdup (s);
  if ((s = kerf_memory_policy_to_string (inst->memory_policy)) != NULL)
    r->memory_policy = g_strdup (s);
  return r;
}

gboolean
kerfd_engine_write (KerfdEngine *engine, KerfDtTree *overlay, const char *operation,
                    const char *instance, guint *tx_id, GError **error)
{
  g_autoptr(GBytes) dtbo = kerf_overlay_to_dtbo (overlay, error);
  g_autofree char *status = NULL;
  g_autofree char *what = kerf_overlay_describe (overlay);

  if (dtbo == NULL)
    return FALSE;
  *tx_id = 0;
  if (!kerf_kernel_write_overlay (engine->kernel, dtbo, tx_id, &status, error))
    {
      kerfd_log_transaction (G_LOG_LEVEL_WARNING, operation, instance != NULL ? instance : "",
                             "transaction failed (%s): %s", what, (*error)->message);
      return FALSE;
    }
  kerfd_log_transaction (G_LOG_LEVEL_MESSAGE, operation, instance != NULL ? instance : "",
                         "tx_%u %s: %s", *tx_id, status != NULL ? status : "applied", what);
  return TRUE;
}

void
kerfd_engine_undo (KerfdEngine *engine, guint tx_id)
{
  g_autoptr(GError) error = NULL;

  if (tx_id != 0 && !kerf_kernel_rollback (engine->kernel, tx_id, NULL, &error))
    g_critical ("could not roll back tx_%u after a failure: %s", tx_id, error->message);
}

gboolean
kerfd_engine_finish (KerfdEngine *engine, guint tx_id, const char *operation,
                     const char *instance, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (tx_id != 0 &&
      !kerfd_state_save_transaction (engine->state, tx_id, operation, instance, &local_error))
    g_warning ("tx_%u: %s", tx_id, local_error->message);
  return kerfd_engine_reload (engine, error);
}

KerfdSnapshot *
kerfd_engine_require_initialized (KerfdEngine *engine, GError **error)
{
  KerfdSnapshot *s = kerfd_engine_get_snapshot (engine);

  if (!s->initialized || s->state == NULL)
    {
      kerfd_snapshot_unref (s);
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool is not initialized; run kerf init first");
      return NULL;
    }
  return s;
}

KerfdInstanceInfo *
kerfd_engine_require_instance (KerfdSnapshot *s, const char *name, GError **error)
{
  KerfdInstanceInfo *info = g_hash_table_lookup (s->instances, name);

  if (info == NULL)
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND, "no instance named '%s'", name);
  return info;
}

/* ---- instances -------------------------------------------------------- */

gboolean
kerfd_engine_op_create (KerfdEngine *engine, const char *name, GVariant *spec,
                        gboolean dry_run, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_require_initialized (engine, error);
  g_autoptr(KerfInstance) inst = NULL;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(KerfdInstanceRecord) record = NULL;
  g_autoptr(KerfdSpec) f = NULL;
  KerfValidateOptions opts;
  guint tx_id = 0;

  if (s == NULL)
    return FALSE;
  if (!kerf_instance_name_is_valid (name))
    {
      /* the name is the caller's: escaped and cut short in the message */
      g_autofree char *escaped = g_strescape (name, NULL);

      if (strlen (escaped) > 80)
        strcpy (escaped + 72, "...");
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid instance name \"%s\" (%zu bytes): use 1-63 of A-Z a-z 0-9 _ . -, "
                   "not starting with '.' or '-'", escaped, strlen (name));
      return FALSE;
    }
  if (g_hash_table_contains (s->instances, name))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_EXISTS, "an instance named '%s' exists", name);
      return FALSE;
    }
  if ((f = kerfd_spec_from_variant (spec, error)) == NULL)
    return FALSE;
  inst = kerf_instance_new (name);
  kerfd_spec_apply (f, inst);
  if (!kerfd_spec_has (f, KERFD_SPEC_MEMORY_BYTES))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT, "'memory-bytes' is required");
      return FALSE;
    }
  if (!kerfd_spec_has (f, KERFD_SPEC_CPUS | KERFD_SPEC_CPU_COUNT))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "'cpus' or 'cpu-count' is required");
      return FALSE;
    }
  if (kerfd_spec_has (f, KERFD_SPEC_ID) && kerf_model_find_instance_by_id (s->state, inst->id) != NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_EXISTS, "instance id %u is in use", inst->id);
      return FALSE;
    }
  if (!kerfd_place (s->state, inst, f, TRUE, TRUE, NULL, error) ||
      !kerfd_check_taken (s->state, inst, NULL, error))
    return FALSE;

  kerfd_engine_validate_options (engine, &opts);
  opts.check_host = FALSE;
  if (!kerf_validate_change (s->state, inst, NULL, &opts, diags))
    return kerfd_engine_diags_to_error (diags, name, error);
  if (dry_run)
    return TRUE;

  /* always at the validated base: what was checked is what the kernel gets */
  overlay = kerf_overlay_create_instance (inst, s->state->resources, TRUE, error);
  if (overlay == NULL)
    return FALSE;
  /* The record goes first: if kerfd dies before the kernel has the
   * instance, the next start drops the record as an orphan; if it dies
   * after, the instance comes back whole (VFs, policies).  Never an
   * instance without its record. */
  record = kerfd_record_from_instance (inst, NULL);
  if (!kerfd_state_save_instance (engine->state, record, error))
    return FALSE;
  if (!kerfd_engine_write (engine, overlay, "create", name, &tx_id, error))
    {
      g_autoptr(GError) rm_error = NULL;

      if (!kerfd_state_remove_instance (engine->state, name, &rm_error))
        g_warning ("%s", rm_error->message);   /* an orphan: dropped at the next start */
      return FALSE;
    }
  return kerfd_engine_finish (engine, tx_id, "create", name, error);
}

gboolean
kerfd_engine_op_update (KerfdEngine *engine, const char *name, GVariant *spec,
                        gboolean dry_run, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_require_initialized (engine, error);
  g_autoptr(KerfInstance) next = NULL;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfdInstanceRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  KerfdInstanceInfo *info;
  const KerfInstance *cur;
  g_autoptr(KerfdSpec) f = NULL;
  KerfValidateOptions opts;
  guint tx_id = 0;
  gboolean kernel_change;

  if (s == NULL || (info = kerfd_engine_require_instance (s, name, error)) == NULL)
    return FALSE;
  cur = kerf_model_find_instance (s->state, name);
  if (cur == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND, "no instance named '%s'", name);
      return FALSE;
    }
  if ((f = kerfd_spec_from_variant (spec, error)) == NULL)
    return FALSE;
  next = kerf_instance_copy (cur);
  kerfd_spec_apply (f, next);
  if (kerfd_spec_has (f, KERFD_SPEC_ID) && next->id != cur->id)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the id of an instance cannot change");
      return FALSE;
    }
  /* memory moves only when its size or base was asked to change */
  if (!kerfd_place (s->state, next, f, TRUE,
                    kerfd_spec_has (f, KERFD_SPEC_MEMORY_BASE) ||
                    (kerfd_spec_has (f, KERFD_SPEC_MEMORY_BYTES) &&
                     next->memory_bytes != cur->memory_bytes),
                    name, error) ||
      !kerfd_check_taken (s->state, next, name, error))
    return FALSE;

  kerfd_engine_validate_options (engine, &opts);
  opts.check_host = FALSE;
  if (!kerf_validate_change (s->state, next, NULL, &opts, diags))
    return kerfd_engine_diags_to_error (diags, name, error);

  kernel_change = kerf_overlay_instance_changes_kernel (cur, next, s->state->resources, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (dry_run)
    return TRUE;
  record = kerfd_record_from_instance (next, info->record);
  if (kernel_change)
    {
      g_autoptr(KerfDtTree) overlay = kerf_overlay_update_instance (cur, next, s->state->resources,
                                                                    error);
      g_autoptr(KerfdPendingUpdate) pending = NULL;

      if (overlay == NULL)
        return FALSE;
      /* As Create: the daemon-side facts go first, as a pending update that
       * names what the kernel will hold.  A crash before the kernel has it
       * drops the pending update at the next start; a crash after it
       * completes the record from it.  Never new CPUs with old VF or
       * policy data. */
      pending = kerfd_engine_pending_update_new (next, record);
      if (!kerfd_state_save_pending_update (engine->state, pending, error))
        return FALSE;
      kerfd_test_crash_point ("update-before-kernel");
      if (!kerfd_engine_write (engine, overlay, "update", name, &tx_id, error))
        {
          if (!kerfd_state_remove_pending_update (engine->state, name, &local_error))
            g_warning ("%s", local_error->message);   /* dropped at the next start */
          return FALSE;
        }
      kerfd_test_crash_point ("update-after-kernel");
    }
  if (!kerfd_state_save_instance (engine->state, record, error))
    {
      kerfd_engine_undo (engine, tx_id);
      if (kernel_change && !kerfd_state_remove_pending_update (engine->state, name, &local_error))
        g_warning ("%s", local_error->message);
      return FALSE;
    }
  if (kernel_change && !kerfd_state_remove_pending_update (engine->state, name, &local_error))
    g_warning ("%s", local_error->message);   /* harmless: the same record at the next start */
  return kerfd_engine_finish (engine, tx_id, "update", name, error);
}

gboolean
kerfd_status_is (const KerfdInstanceInfo *info, const char *status)
{
  return g_str_equal (info->status, status);
}

gboolean
kerfd_engine_op_delete (KerfdEngine *engine, const char *name, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_require_initialized (engine, error);
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) local_error = NULL;
  KerfdInstanceInfo *info;
  guint tx_id = 0;

  if (s == NULL || (info = kerfd_engine_require_instance (s, name, error)) == NULL)
    return FALSE;
  if (kerfd_status_is (info, "loaded") || kerfd_status_is (info, "active") ||
      kerfd_status_is (info, "loading"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot delete instance '%s' while it is %s; %s first", name, info->status,
                   kerfd_status_is (info, "active") ? "kill and unload it" : "unload it");
      return FALSE;
    }
  overlay = kerf_overlay_delete_instance (name, error);
  if (overlay == NULL || !kerfd_engine_write (engine, overlay, "delete", name, &tx_id, error))
    return FALSE;
  if (!kerfd_state_remove_instance (engine->state, name, &local_error))
    g_warning ("instance %s deleted, but its state file stays: %s", name, local_error->message);
  return kerfd_engine_finish (engine, tx_id, "delete", name, error);
}

gboolean
kerfd_engine_op_unload (KerfdEngine *engine, const char *name, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  g_autoptr(KerfdInstanceRecord) record = NULL;
  KerfdInstanceInfo *info = kerfd_engine_require_instance (s, name, error);

  if (info == NULL)
    return FALSE;
  if (!kerfd_status_is (info, "loaded"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot unload instance '%s': it is %s (expected: loaded)%s", name,
                   info->status, kerfd_status_is (info, "active") ? "; kill it first" : "");
      return FALSE;
    }
  if (!kerf_kernel_unload (engine->kernel, info->id, error))
    return FALSE;
  record = kerfd_instance_record_copy (info->record);
  kerfd_instance_record_clear_kernel (record);
  if (!kerfd_state_save_instance (engine->state, record, error))
    return FALSE;
  kerfd_log_instance (G_LOG_LEVEL_MESSAGE, name, "unloaded the kernel of %s", name);
  return kerfd_engine_reload (engine, error);
}

gboolean
kerfd_engine_op_exec (KerfdEngine *engine, const char *name, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  KerfdInstanceInfo *info = kerfd_engine_require_instance (s, name, error);

  if (info == NULL)
    return FALSE;
  if (!kerfd_status_is (info, "loaded"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot boot instance '%s': it is %s (expected: loaded)%s", name, info->status,
                   kerfd_status_is (info, "ready") ? "; load a kernel first" : "");
      return FALSE;
    }
  if (!kerf_kernel_exec (engine->kernel, info->id, error))
    return FALSE;
  kerfd_log_instance (G_LOG_LEVEL_MESSAGE, name, "booted instance %s", name);
  return kerfd_engine_reload (engine, error);
}

gboolean
kerfd_engine_op_kill (KerfdEngine *engine, const char *name, gboolean force, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  KerfdInstanceInfo *info = kerfd_engine_require_instance (s, name, error);

  if (info == NULL)
    return FALSE;
  /* SPEC §4: kill halts an active instance; force-halt is also allowed
   * from loaded (a kernel that was loaded but never booted cleanly).
   * Every refusal says the status and what to do instead. */
  if (kerfd_status_is (info, "loaded") && !force)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot kill instance '%s': it is loaded, not running (expected: active); "
                   "exec boots it, unload removes its kernel, or force-halt it with "
                   "force=true (kerf kill --force)", name);
      return FALSE;
    }
  if (!kerfd_status_is (info, "active") && !kerfd_status_is (info, "loaded"))
    {
      const char *hint = kerfd_status_is (info, "ready")
                             ? "there is nothing to halt: load a kernel and exec it first"
                         : kerfd_status_is (info, "loading")
                             ? "its kernel is still loading: wait until it is loaded"
                             : "there is nothing to halt";

      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot kill instance '%s': it is %s (expected: active%s); %s", name,
                   info->status, force ? " or loaded" : "", hint);
      return FALSE;
    }
  if (!kerf_kernel_kill (engine->kernel, info->id,
                         force ? KERF_KERNEL_KILL_FORCE : KERF_KERNEL_KILL_HALT, error))
    return FALSE;
  kerfd_log_instance (G_LOG_LEVEL_MESSAGE, name, "%s instance %s", force ? "force-halted" : "halted",
                      name);
  return kerfd_engine_reload (engine, error);
}

gboolean
kerfd_engine_op_rollback (KerfdEngine *engine, guint tx_id, GError **error)
{
  g_auto(GStrv) warnings = NULL;

  if (!kerf_kernel_rollback (engine->kernel, tx_id, &warnings, error))
    return FALSE;
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_warning ("rollback of tx_%u: %s", tx_id, warnings[i]);
  kerfd_log_transaction (G_LOG_LEVEL_MESSAGE, "rollback", "", "rolled back tx_%u", tx_id);
  return kerfd_engine_reload (engine, error);
}
