/* kerfd-daemon.c — the object tree, mirrored from the engine's snapshot. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerfd-daemon.h"
#include "kerfd-memory.h"
#include "kerfd-names.h"
#include "kerfd-util.h"

static void
kerfd_daemon_changed (gpointer user_data)
{
  kerfd_daemon_sync (user_data);
}

/* d->instances' values: the exported object and the fingerprint of what it
 * shows (kerfd_daemon_instance_sig) */
typedef struct {
  KerfDBusObjectSkeleton *object;
  guint64                 sig;
} KerfdInstanceEntry;

static void
kerfd_instance_entry_free (KerfdInstanceEntry *e)
{
  g_object_unref (e->object);
  g_free (e);
}

KerfdDaemon *
kerfd_daemon_new (KerfdEngine *engine)
{
  KerfdDaemon *d = g_new0 (KerfdDaemon, 1);
  g_autoptr(KerfDBusObjectSkeleton) object = NULL;

  d->engine = engine;
  d->bouncer = kerfd_bouncer_new ();
  d->queue = kerfd_queue_new (engine, G_CALLBACK (kerfd_daemon_changed), d);
  d->manager = g_dbus_object_manager_server_new (KERFD_OBJECT_ROOT);
  d->instances = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) kerfd_instance_entry_free);
  d->transactions = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  d->transaction_history = KERFD_DEFAULT_TRANSACTION_HISTORY;

  d->pool = kerf_dbus_pool_skeleton_new ();
  kerf_dbus_pool_set_version (d->pool, PACKAGE_VERSION);
  kerf_dbus_pool_set_backend (d->pool, kerfd_engine_get_backend_name (engine));
  kerf_dbus_pool_set_transaction_history (d->pool, d->transaction_history);
  kerfd_bouncer_protect (d->bouncer, G_DBUS_INTERFACE_SKELETON (d->pool));
  kerfd_methods_connect_pool (d, d->pool);
  object = kerf_dbus_object_skeleton_new (KERFD_POOL_PATH);
  kerf_dbus_object_skeleton_set_pool (object, d->pool);
  g_dbus_object_manager_server_export (d->manager, G_DBUS_OBJECT_SKELETON (object));
  kerfd_daemon_sync (d);
  return d;
}

void
kerfd_daemon_free (KerfdDaemon *d)
{
  if (d == NULL)
    return;
  if (d->archive_id != 0)
    g_dbus_connection_unregister_subtree (d->connection, d->archive_id);
  g_clear_object (&d->connection);
  g_clear_pointer (&d->queue, kerfd_queue_free);
  g_clear_pointer (&d->instances, g_hash_table_unref);
  g_clear_pointer (&d->transactions, g_hash_table_unref);
  g_clear_object (&d->pool);
  g_clear_object (&d->manager);
  g_clear_pointer (&d->engine, kerfd_engine_free);
  g_clear_pointer (&d->bouncer, kerfd_bouncer_free);
  g_free (d);
}

void
kerfd_daemon_export (KerfdDaemon *d, GDBusConnection *connection)
{
  g_dbus_object_manager_server_set_connection (d->manager, connection);
  g_set_object (&d->connection, connection);
  if (d->archive_id == 0)
    d->archive_id = kerfd_archive_register (d, connection);
}

void
kerfd_daemon_set_transaction_history (KerfdDaemon *d, guint n)
{
  d->transaction_history = n;
  kerf_dbus_pool_set_transaction_history (d->pool, n);
  kerfd_daemon_sync (d);
}

/* ---- pool ------------------------------------------------------------- */

/* device name -> the (reference, instance) pairs naming it: built once per
 * sync, not a scan of every instance per device */
static GHashTable *
kerfd_daemon_assignments (const KerfModel *state)
{
  GHashTable *by_device = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; state != NULL && i < state->instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (state->instances, i);

      for (guint j = 0; j < inst->devices->len; j++)
        {
          const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, j);
          GPtrArray *pairs;

          if (ref->device == NULL)
            continue;
          pairs = g_hash_table_lookup (by_device, ref->device);
          if (pairs == NULL)
            {
              pairs = g_ptr_array_new ();
              g_hash_table_insert (by_device, ref->device, pairs);
            }
          g_ptr_array_add (pairs, ref->name);
          g_ptr_array_add (pairs, inst->name);
        }
    }
  return by_device;
}

static GVariant *
kerfd_device_entry (const KerfDevice *dev, GHashTable *assignments)
{
  const GPtrArray *pairs = g_hash_table_lookup (assignments, dev->name);
  GVariantBuilder b;
  GVariantBuilder assigned;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "node", g_variant_new_string (dev->node_name));
  if (dev->compatible != NULL)
    g_variant_builder_add (&b, "{sv}", "compatible", g_variant_new_string (dev->compatible));
  g_variant_builder_add (&b, "{sv}", "type",
                         g_variant_new_string (dev->device_type != NULL ? dev->device_type
                                               : dev->pci_id != NULL ? "pci" : "platform"));
  if (dev->pci_id != NULL)
    g_variant_builder_add (&b, "{sv}", "pci-id", g_variant_new_string (dev->pci_id));
  if (dev->has_vendor_id)
    g_variant_builder_add (&b, "{sv}", "vendor-id", g_variant_new_uint32 (dev->vendor_id));
  if (dev->has_device_id)
    g_variant_builder_add (&b, "{sv}", "device-id", g_variant_new_uint32 (dev->device_id));
  g_variant_builder_add (&b, "{sv}", "numa-node", g_variant_new_int32 (dev->numa_node));
  g_variant_builder_add (&b, "{sv}", "sriov-vfs", g_variant_new_uint32 (dev->sriov_vfs));
  g_variant_builder_add (&b, "{sv}", "available-vfs", kerfd_variant_new_u32_array (dev->available_vfs));
  g_variant_builder_add (&b, "{sv}", "namespaces", g_variant_new_uint32 (dev->namespaces));
  g_variant_builder_add (&b, "{sv}", "available-ns", kerfd_variant_new_u32_array (dev->available_ns));
  g_variant_builder_add (&b, "{sv}", "host-reserved", g_variant_new_boolean (dev->host_reserved));

  g_variant_builder_init (&assigned, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; pairs != NULL && i + 1 < pairs->len; i += 2)
    g_variant_builder_add (&assigned, "{ss}", (const char *) g_ptr_array_index (pairs, i),
                           (const char *) g_ptr_array_index (pairs, i + 1));
  g_variant_builder_add (&b, "{sv}", "assigned", g_variant_builder_end (&assigned));
  return g_variant_builder_end (&b);
}

/* The object path of transaction `id`, "/" for 0 (none). */
static char *
kerfd_daemon_tx_path (guint id)
{
  return id != 0 ? kerfd_transaction_object_path (id) : g_strdup ("/");
}

/* instance name -> GUINT_TO_POINTER (id of the newest transaction that
 * changed it).  From the snapshot, so it is right after a restart or a
 * rollback too; one pass, not one scan of the history per instance. */
static GHashTable *
kerfd_daemon_last_transactions (const KerfdSnapshot *s)
{
  GHashTable *last = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < s->transactions->len; i++)
    {
      const KerfdTxInfo *tx = g_ptr_array_index (s->transactions, i);

      if (tx->instance != NULL &&
          tx->id > GPOINTER_TO_UINT (g_hash_table_lookup (last, tx->instance)))
        g_hash_table_insert (last, tx->instance, GUINT_TO_POINTER (tx->id));
    }
  return last;
}

/* the snapshot's transactions are in ascending id order */
static guint
kerfd_daemon_newest_transaction (const KerfdSnapshot *s)
{
  if (s->transactions->len == 0)
    return 0;
  return ((const KerfdTxInfo *) g_ptr_array_index (s->transactions,
                                                   s->transactions->len - 1))->id;
}

static void
kerfd_daemon_sync_pool (KerfdDaemon *d, const KerfdSnapshot *s)
{
  g_autofree char *last_tx = kerfd_daemon_tx_path (kerfd_daemon_newest_transaction (s));
  const KerfResources *res = s->state != NULL ? s->state->resources : NULL;
  g_autoptr(GHashTable) assignments = kerfd_daemon_assignments (s->state);
  GVariantBuilder devices, nodes;

  g_variant_builder_init (&devices, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_init (&nodes, G_VARIANT_TYPE ("a(uttau)"));
  for (guint i = 0; res != NULL && i < res->devices->len; i++)
    {
      const KerfDevice *dev = g_ptr_array_index (res->devices, i);

      g_variant_builder_add (&devices, "{s@a{sv}}", dev->name, kerfd_device_entry (dev, assignments));
    }
  for (guint i = 0; res != NULL && i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);

      g_variant_builder_add (&nodes, "(utt@au)", node->id, node->memory_base,
                             node->memory_size, kerfd_variant_new_u32_array (node->cpus));
    }

  g_object_freeze_notify (G_OBJECT (d->pool));
  kerf_dbus_pool_set_initialized (d->pool, s->initialized);
  kerf_dbus_pool_set_total_cpus (d->pool, res != NULL ? res->total_cpus : 0);
  kerf_dbus_pool_set_host_reserved_cpus (d->pool,
    kerfd_variant_new_u32_array (res != NULL ? res->host_reserved_cpus : NULL));
  kerf_dbus_pool_set_available_cpus (d->pool,
    kerfd_variant_new_u32_array (res != NULL ? res->available_cpus : NULL));
  kerf_dbus_pool_set_free_cpus (d->pool, kerfd_variant_new_u32_array (s->free_cpus));
  kerf_dbus_pool_set_memory_pool_base (d->pool, res != NULL ? res->pool_base : 0);
  kerf_dbus_pool_set_memory_pool_bytes (d->pool, res != NULL ? res->pool_bytes : 0);
  kerf_dbus_pool_set_memory_free_bytes (d->pool, s->free_memory);
  kerf_dbus_pool_set_devices (d->pool, g_variant_builder_end (&devices));
  kerf_dbus_pool_set_numa_nodes (d->pool, g_variant_builder_end (&nodes));
  kerf_dbus_pool_set_last_transaction (d->pool, last_tx);
  g_object_thaw_notify (G_OBJECT (d->pool));
}

/* ---- instances -------------------------------------------------------- */

/* FNV-1a, 64 bits: a fingerprint of what an Instance object shows. */
static guint64
kerfd_sig_bytes (guint64 h, const void *data, gsize len)
{
  const guint8 *p = data;

  for (gsize i = 0; i < len; i++)
    h = (h ^ p[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

static guint64
kerfd_sig_str (guint64 h, const char *s)
{
  /* the terminator too, so that ("ab","c") and ("a","bc") differ */
  return s != NULL ? kerfd_sig_bytes (h, s, strlen (s) + 1) : kerfd_sig_bytes (h, "\xff", 1);
}

static guint64
kerfd_sig_u64 (guint64 h, guint64 v)
{
  return kerfd_sig_bytes (h, &v, sizeof v);
}

static guint64
kerfd_sig_u32_array (guint64 h, const GArray *a)
{
  h = kerfd_sig_u64 (h, a != NULL ? a->len : 0);
  return a != NULL ? kerfd_sig_bytes (h, a->data, (gsize) a->len * sizeof (guint32)) : h;
}

/* Everything kerfd_daemon_update_instance() reads.  After a change, the
 * objects of the instances it did not touch are skipped: building and
 * comparing their properties made every change cost time in proportion to
 * the number of instances. */
static guint64
kerfd_daemon_instance_sig (guint last_tx_id, const KerfdInstanceInfo *info,
                           const KerfInstance *inst)
{
  const KerfdInstanceRecord *r = info->record;
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  h = kerfd_sig_str (h, info->name);
  h = kerfd_sig_u64 (h, info->id);
  h = kerfd_sig_str (h, info->status);
  h = kerfd_sig_u64 (h, last_tx_id);
  h = kerfd_sig_u64 (h, inst != NULL);
  if (inst != NULL)
    {
      h = kerfd_sig_u32_array (h, inst->cpus);
      h = kerfd_sig_u64 (h, inst->memory_base);
      h = kerfd_sig_u64 (h, inst->memory_bytes);
      h = kerfd_sig_u64 (h, inst->devices->len);
      for (guint i = 0; i < inst->devices->len; i++)
        h = kerfd_sig_str (h, ((KerfDeviceRef *) g_ptr_array_index (inst->devices, i))->name);
      h = kerfd_sig_u32_array (h, inst->numa_nodes);
      h = kerfd_sig_u64 (h, inst->cpu_affinity);
      h = kerfd_sig_u64 (h, inst->memory_policy);
    }
  else
    {
      h = kerfd_sig_u32_array (h, r->numa_nodes);
      h = kerfd_sig_str (h, r->cpu_affinity);
      h = kerfd_sig_str (h, r->memory_policy);
    }
  h = kerfd_sig_str (h, r->kernel_path);
  h = kerfd_sig_u64 (h, r->kernel_size);
  h = kerfd_sig_str (h, r->kernel_sha256);
  h = kerfd_sig_str (h, r->kernel_version);
  h = kerfd_sig_str (h, r->cmdline);
  return h;
}

static void
kerfd_daemon_update_instance (KerfDBusInstance *iface, guint last_tx_id,
                              const KerfdInstanceInfo *info, const KerfInstance *inst)
{
  const KerfdInstanceRecord *r = info->record;
  g_autofree char *last_tx = kerfd_daemon_tx_path (last_tx_id);
  g_autoptr(GPtrArray) devs = g_ptr_array_new ();
  const char *s;

  for (guint i = 0; inst != NULL && i < inst->devices->len; i++)
    g_ptr_array_add (devs, ((KerfDeviceRef *) g_ptr_array_index (inst->devices, i))->name);
  g_ptr_array_add (devs, NULL);

  g_object_freeze_notify (G_OBJECT (iface));
  kerf_dbus_instance_set_name (iface, info->name);
  kerf_dbus_instance_set_id (iface, info->id);
  kerf_dbus_instance_set_status (iface, info->status);
  kerf_dbus_instance_set_cpus (iface, kerfd_variant_new_u32_array (inst != NULL ? inst->cpus : NULL));
  kerf_dbus_instance_set_memory_base (iface, inst != NULL ? inst->memory_base : 0);
  kerf_dbus_instance_set_memory_bytes (iface, inst != NULL ? inst->memory_bytes : 0);
  kerf_dbus_instance_set_devices (iface, (const char *const *) devs->pdata);
  kerf_dbus_instance_set_numa_nodes (iface,
    kerfd_variant_new_u32_array (inst != NULL ? inst->numa_nodes : r->numa_nodes));
  s = inst != NULL ? kerf_cpu_affinity_to_string (inst->cpu_affinity) : r->cpu_affinity;
  kerf_dbus_instance_set_cpu_affinity (iface, s != NULL ? s : "");
  s = inst != NULL ? kerf_memory_policy_to_string (inst->memory_policy) : r->memory_policy;
  kerf_dbus_instance_set_memory_policy (iface, s != NULL ? s : "");
  kerf_dbus_instance_set_kernel (iface,
    g_variant_new ("(stss)", r->kernel_path != NULL ? r->kernel_path : "", r->kernel_size,
                   r->kernel_sha256 != NULL ? r->kernel_sha256 : "",
                   r->kernel_version != NULL ? r->kernel_version : ""));
  kerf_dbus_instance_set_cmdline (iface, r->cmdline != NULL ? r->cmdline : "");
  kerf_dbus_instance_set_last_transaction (iface, last_tx);
  g_object_thaw_notify (G_OBJECT (iface));
}

static void
kerfd_daemon_sync_instances (KerfdDaemon *d, const KerfdSnapshot *s)
{
  GHashTableIter iter;
  gpointer key, value;
  /* the model's instances by name: one lookup each, not a scan each */
  g_autoptr(GHashTable) model = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) last_tx = kerfd_daemon_last_transactions (s);

  for (guint i = 0; s->state != NULL && i < s->state->instances->len; i++)
    {
      KerfInstance *inst = g_ptr_array_index (s->state->instances, i);
      g_hash_table_insert (model, inst->name, inst);
    }

  /* gone from the kernel: unexport (InterfacesRemoved) */
  g_hash_table_iter_init (&iter, d->instances);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (s->instances, key))
      {
        g_dbus_object_manager_server_unexport (d->manager,
          g_dbus_object_get_object_path (G_DBUS_OBJECT (((KerfdInstanceEntry *) value)->object)));
        g_hash_table_iter_remove (&iter);
      }

  g_hash_table_iter_init (&iter, s->instances);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const KerfdInstanceInfo *info = value;
      const KerfInstance *inst = g_hash_table_lookup (model, info->name);
      KerfdInstanceEntry *entry = g_hash_table_lookup (d->instances, info->name);
      guint last_tx_id = GPOINTER_TO_UINT (g_hash_table_lookup (last_tx, info->name));
      guint64 sig = kerfd_daemon_instance_sig (last_tx_id, info, inst);

      if (entry == NULL)
        {
          KerfDBusObjectSkeleton *object;
          g_autofree char *path = kerfd_instance_object_path (info->name);
          g_autoptr(KerfDBusInstance) iface = kerf_dbus_instance_skeleton_new ();

          /* set everything before export: InterfacesAdded carries it all */
          kerfd_daemon_update_instance (iface, last_tx_id, info, inst);
          g_object_set_data_full (G_OBJECT (iface), "kerfd-name", g_strdup (info->name), g_free);
          kerfd_bouncer_protect (d->bouncer, G_DBUS_INTERFACE_SKELETON (iface));
          kerfd_methods_connect_instance (d, iface);
          object = kerf_dbus_object_skeleton_new (path);
          kerf_dbus_object_skeleton_set_instance (object, iface);
          entry = g_new0 (KerfdInstanceEntry, 1);
          entry->object = object;
          entry->sig = sig;
          g_hash_table_insert (d->instances, g_strdup (info->name), entry);
          g_dbus_object_manager_server_export (d->manager, G_DBUS_OBJECT_SKELETON (object));
        }
      else if (entry->sig != sig)
        {
          g_autoptr(KerfDBusInstance) iface =
            kerf_dbus_object_get_instance (KERF_DBUS_OBJECT (entry->object));

          kerfd_daemon_update_instance (iface, last_tx_id, info, inst);
          entry->sig = sig;
        }
    }
}

/* ---- transactions ----------------------------------------------------- */

/* Only the newest `transaction_history` transactions are objects of the
 * object manager: the kernel keeps every tx_N until it is rolled back, and a
 * skeleton each would make kerfd's memory and the cost of every change grow
 * with the whole history.  The rest answer through kerfd-archive.c. */
static void
kerfd_daemon_sync_transactions (KerfdDaemon *d, const KerfdSnapshot *s)
{
  g_autoptr(GHashTable) live = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter iter;
  gpointer key, value;
  guint first = 0;   /* snapshot index of the oldest exported one (ascending ids) */

  if (d->transaction_history != 0 && s->transactions->len > d->transaction_history)
    first = s->transactions->len - d->transaction_history;
  for (guint i = first; i < s->transactions->len; i++)
    {
      const KerfdTxInfo *tx = g_ptr_array_index (s->transactions, i);
      KerfDBusObjectSkeleton *object = g_hash_table_lookup (d->transactions, GUINT_TO_POINTER (tx->id));
      g_autoptr(KerfDBusTransaction) iface = NULL;
      gboolean is_new = object == NULL;

      g_hash_table_add (live, GUINT_TO_POINTER (tx->id));
      if (is_new)
        {
          g_autofree char *path = kerfd_transaction_object_path (tx->id);

          iface = kerf_dbus_transaction_skeleton_new ();
          g_object_set_data (G_OBJECT (iface), "kerfd-tx", GUINT_TO_POINTER (tx->id));
          kerfd_bouncer_protect (d->bouncer, G_DBUS_INTERFACE_SKELETON (iface));
          kerfd_methods_connect_transaction (d, iface);
          object = kerf_dbus_object_skeleton_new (path);
          kerf_dbus_object_skeleton_set_transaction (object, iface);
        }
      else
        iface = kerf_dbus_object_get_transaction (KERF_DBUS_OBJECT (object));

      g_object_freeze_notify (G_OBJECT (iface));
      kerf_dbus_transaction_set_id (iface, tx->id);
      kerf_dbus_transaction_set_status (iface, tx->status);
      kerf_dbus_transaction_set_target (iface, tx->target);
      kerf_dbus_transaction_set_instance (iface, tx->instance != NULL ? tx->instance : "");
      kerf_dbus_transaction_set_operation (iface, tx->operation);
      g_object_thaw_notify (G_OBJECT (iface));

      if (is_new)
        {
          g_hash_table_insert (d->transactions, GUINT_TO_POINTER (tx->id), object);
          g_dbus_object_manager_server_export (d->manager, G_DBUS_OBJECT_SKELETON (object));
        }
    }

  g_hash_table_iter_init (&iter, d->transactions);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (live, key))
      {
        g_dbus_object_manager_server_unexport (d->manager,
          g_dbus_object_get_object_path (G_DBUS_OBJECT (value)));
        g_hash_table_iter_remove (&iter);
      }
}

void
kerfd_daemon_sync (KerfdDaemon *d)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);

  /* transactions first: LastTransaction of the pool and the instances
   * points at an object that is already exported */
  kerfd_daemon_sync_transactions (d, s);
  kerfd_daemon_sync_pool (d, s);
  kerfd_daemon_sync_instances (d, s);
  /* the previous snapshot and its objects' old values are free now */
  kerfd_memory_trim_soon ();
}
