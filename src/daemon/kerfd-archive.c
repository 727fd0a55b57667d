/* kerfd-archive.c — the transactions the object manager does not carry.
 *
 * The kernel keeps every tx_N until it is rolled back, so the history only
 * grows.  kerfd-daemon.c exports the newest --transaction-history of them
 * as skeletons; a skeleton each for the rest would cost memory and time on
 * every change for objects almost nobody reads.  This subtree answers for
 * every transaction at its usual path, /org/multikernel/Kerf/Transaction/N,
 * from the engine's snapshot: the properties, Introspect and Rollback — so
 * an instance's LastTransaction never points at nothing.  GDBus looks for an
 * object registered at the exact path first, so the exported skeletons keep
 * serving their own paths; only the older ones reach this code.
 *
 * GDBus calls these functions in the main context, like the skeletons'
 * handlers, so d->transactions may be read here.
 *
 * Rollback is authorized by the same bouncer as every skeleton method, in
 * a worker thread because the polkit check blocks (as GDBus does for
 * "g-authorize-method").
 */
#include "config.h"

#include <string.h>

#include "kerfd-daemon.h"
#include "kerfd-error.h"
#include "kerfd-names.h"

#define KERFD_TRANSACTION_ROOT KERFD_OBJECT_ROOT "/Transaction"

/* The transaction `node` ("17") names, from snapshot `s`; NULL if none. */
static const KerfdTxInfo *
kerfd_archive_find (const KerfdSnapshot *s, const char *node)
{
  guint64 id;

  /* "17" only: no sign, no leading zero, so one path per transaction */
  if (node == NULL || node[0] == '0' ||
      !g_ascii_string_to_unsigned (node, 10, 1, G_MAXUINT32, &id, NULL))
    return NULL;
  for (guint i = 0; i < s->transactions->len; i++)
    {
      const KerfdTxInfo *tx = g_ptr_array_index (s->transactions, i);

      if (tx->id == id)
        return tx;
    }
  return NULL;
}

static const char *
kerfd_archive_node_of (const char *object_path)
{
  if (!g_str_has_prefix (object_path, KERFD_TRANSACTION_PATH_PREFIX))
    return NULL;
  return object_path + strlen (KERFD_TRANSACTION_PATH_PREFIX);
}

static char **
kerfd_archive_enumerate (GDBusConnection *connection, const char *sender,
                         const char *object_path, gpointer user_data)
{
  KerfdDaemon *d = user_data;
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);
  GPtrArray *nodes = g_ptr_array_new ();

  (void) connection; (void) sender; (void) object_path;
  /* the exported ones are listed by GDBus already */
  for (guint i = 0; i < s->transactions->len; i++)
    {
      guint id = ((const KerfdTxInfo *) g_ptr_array_index (s->transactions, i))->id;

      if (!g_hash_table_contains (d->transactions, GUINT_TO_POINTER (id)))
        g_ptr_array_add (nodes, g_strdup_printf ("%u", id));
    }
  g_ptr_array_add (nodes, NULL);
  return (char **) g_ptr_array_free (nodes, FALSE);
}

static GDBusInterfaceInfo **
kerfd_archive_introspect (GDBusConnection *connection, const char *sender,
                          const char *object_path, const char *node, gpointer user_data)
{
  KerfdDaemon *d = user_data;
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);
  GDBusInterfaceInfo **infos;

  (void) connection; (void) sender; (void) object_path;
  if (node == NULL)   /* the root itself holds no interface */
    return g_new0 (GDBusInterfaceInfo *, 1);
  if (kerfd_archive_find (s, node) == NULL)
    return NULL;
  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (kerf_dbus_transaction_interface_info ());
  return infos;
}

static GVariant *
kerfd_archive_get_property (GDBusConnection *connection, const char *sender,
                            const char *object_path, const char *interface_name,
                            const char *property_name, GError **error, gpointer user_data)
{
  KerfdDaemon *d = user_data;
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);
  const KerfdTxInfo *tx = kerfd_archive_find (s, kerfd_archive_node_of (object_path));

  (void) connection; (void) sender; (void) interface_name;
  /* rolled back between the dispatch and this read */
  if (tx == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT,
                   "No transaction at %s", object_path);
      return NULL;
    }
  if (g_str_equal (property_name, "Id"))
    return g_variant_new_uint32 (tx->id);
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string (tx->status);
  if (g_str_equal (property_name, "Target"))
    return g_variant_new_string (tx->target);
  if (g_str_equal (property_name, "Instance"))
    return g_variant_new_string (tx->instance != NULL ? tx->instance : "");
  if (g_str_equal (property_name, "Operation"))
    return g_variant_new_string (tx->operation);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               "No such property: %s", property_name);
  return NULL;
}

typedef struct {
  KerfdDaemon           *daemon;
  GDBusMethodInvocation *invocation;
  guint                  tx_id;
  GVariant              *options;
} KerfdArchiveCall;

static void
kerfd_archive_call_free (KerfdArchiveCall *call)
{
  g_clear_object (&call->invocation);
  g_clear_pointer (&call->options, g_variant_unref);
  g_free (call);
}

static void
kerfd_archive_authorize_thread (GTask *task, gpointer source, gpointer task_data,
                                GCancellable *cancellable)
{
  KerfdArchiveCall *call = task_data;

  gboolean authorized;

  (void) source; (void) cancellable;
  authorized = kerfd_bouncer_authorize (call->daemon->bouncer, call->invocation);
  /* refused: the bouncer replied, which took the invocation */
  if (!authorized)
    call->invocation = NULL;
  g_task_return_boolean (task, authorized);
}

static void
kerfd_archive_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KerfdArchiveCall *call = g_task_get_task_data (G_TASK (result));

  (void) source; (void) user_data;
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    kerfd_methods_rollback (call->daemon, g_steal_pointer (&call->invocation), call->tx_id,
                            call->options);
}

static void
kerfd_archive_method_call (GDBusConnection *connection, const char *sender,
                           const char *object_path, const char *interface_name,
                           const char *method_name, GVariant *parameters,
                           GDBusMethodInvocation *invocation, gpointer user_data)
{
  KerfdDaemon *d = user_data;
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);
  const KerfdTxInfo *tx = kerfd_archive_find (s, kerfd_archive_node_of (object_path));
  g_autoptr(GTask) task = NULL;
  KerfdArchiveCall *call;

  (void) connection; (void) sender; (void) interface_name;
  if (tx == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                             G_DBUS_ERROR_UNKNOWN_OBJECT,
                                             "No transaction at %s", object_path);
      return;
    }
  /* GDBus checked the name and the signature against the interface, whose
   * only method is Rollback */
  call = g_new0 (KerfdArchiveCall, 1);
  call->daemon = d;
  call->invocation = invocation;   /* ours until replied */
  call->tx_id = tx->id;
  g_variant_get (parameters, "(@a{sv})", &call->options);
  task = g_task_new (NULL, NULL, kerfd_archive_authorized, NULL);
  g_task_set_task_data (task, call, (GDestroyNotify) kerfd_archive_call_free);
  g_task_run_in_thread (task, kerfd_archive_authorize_thread);
}

static const GDBusInterfaceVTable kerfd_archive_vtable = {
  .method_call = kerfd_archive_method_call,
  .get_property = kerfd_archive_get_property,
};

static const GDBusInterfaceVTable *
kerfd_archive_dispatch (GDBusConnection *connection, const char *sender,
                        const char *object_path, const char *interface_name,
                        const char *node, gpointer *out_user_data, gpointer user_data)
{
  KerfdDaemon *d = user_data;
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (d->engine);

  (void) connection; (void) sender; (void) object_path;
  if (g_strcmp0 (interface_name, KERFD_IFACE_TRANSACTION) != 0 ||
      kerfd_archive_find (s, node) == NULL)
    return NULL;
  *out_user_data = d;
  return &kerfd_archive_vtable;
}

static const GDBusSubtreeVTable kerfd_archive_subtree_vtable = {
  .enumerate = kerfd_archive_enumerate,
  .introspect = kerfd_archive_introspect,
  .dispatch = kerfd_archive_dispatch,
};

guint
kerfd_archive_register (KerfdDaemon *d, GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  guint id;

  id = g_dbus_connection_register_subtree (connection, KERFD_TRANSACTION_ROOT,
                                           &kerfd_archive_subtree_vtable,
                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                           d, NULL, &error);
  /* only another registration at the same path could refuse it */
  if (id == 0)
    g_warning ("transactions outside the object manager will not answer: %s",
               error->message);
  return id;
}
