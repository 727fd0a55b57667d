/* kerfd-engine-recover.c — an Update interrupted by a crash (kerfd-state.h,
 * KerfdPendingUpdate): at start-up, and at every rebuild of the snapshot,
 * the kernel decides whether the update is in (the record is completed from
 * the pending update) or not (the pending update is dropped). */
#include "config.h"

#include <string.h>

#include "kerfd-engine-private.h"
#include "kerfd-log.h"

/* The whole devices of `inst` (what the kernel holds), sorted. */
static GStrv
kerfd_engine_whole_devices (const KerfInstance *inst)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < inst->devices->len; i++)
    {
      const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, i);

      if (ref->kind == KERF_DEVICE_REF_WHOLE)
        g_ptr_array_add (names, g_strdup (ref->name));
    }
  g_ptr_array_sort (names, kerfd_engine_strptr_cmp);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_steal (names, NULL);
}

KerfdPendingUpdate *
kerfd_engine_pending_update_new (const KerfInstance *next, const KerfdInstanceRecord *record)
{
  KerfdPendingUpdate *p = g_new0 (KerfdPendingUpdate, 1);

  p->record = kerfd_instance_record_copy (record);
  p->cpus = g_array_copy (next->cpus);
  kerfd_u32_array_sort_unique (p->cpus);
  p->memory_base = next->memory_base;
  p->memory_bytes = next->memory_bytes;
  p->kernel_devices = kerfd_engine_whole_devices (next);
  return p;
}

static gboolean
kerfd_engine_pending_matches (const KerfdPendingUpdate *p, const KerfInstance *kernel_view)
{
  g_auto(GStrv) devices = kerfd_engine_whole_devices (kernel_view);

  if (p->memory_base != kernel_view->memory_base || p->memory_bytes != kernel_view->memory_bytes ||
      p->cpus->len != kernel_view->cpus->len ||
      !g_strv_equal ((const char *const *) devices, (const char *const *) p->kernel_devices))
    return FALSE;
  return p->cpus->len == 0 ||
         memcmp (p->cpus->data, kernel_view->cpus->data, p->cpus->len * sizeof (guint32)) == 0;
}

gboolean
kerfd_engine_reconcile_update (KerfdEngine *engine, const KerfKernelInstance *ki,
                               const KerfResources *res, GHashTable *records)
{
  g_autoptr(KerfdPendingUpdate) p = kerfd_state_load_pending_update (engine->state, ki->name);
  g_autoptr(KerfInstance) kernel_view = NULL;
  g_autoptr(GError) error = NULL;
  gboolean completed = FALSE;

  if (p == NULL)
    return FALSE;
  kernel_view = kerfd_engine_instance_from_kernel (ki, res, NULL);
  if (kerfd_engine_pending_matches (p, kernel_view))
    {
      if (!kerfd_state_save_instance (engine->state, p->record, &error))
        {
          /* keep the pending file: the next start tries again */
          g_warning ("completing the update of instance %s: %s", ki->name, error->message);
          g_hash_table_replace (records, g_strdup (ki->name),
                                kerfd_instance_record_copy (p->record));
          return TRUE;
        }
      kerfd_log_instance (G_LOG_LEVEL_MESSAGE, ki->name,
                          "completed the update of instance %s: the kernel has it, kerfd's "
                          "record did not (kerfd stopped in between)", ki->name);
      g_hash_table_replace (records, g_strdup (ki->name), kerfd_instance_record_copy (p->record));
      completed = TRUE;
    }
  else
    kerfd_log_instance (G_LOG_LEVEL_MESSAGE, ki->name,
                        "dropped an unfinished update of instance %s: the kernel does not have it",
                        ki->name);
  if (!kerfd_state_remove_pending_update (engine->state, ki->name, &error))
    g_warning ("%s", error->message);
  return completed;
}
