/* kerfd-methods.c — the D-Bus method handlers.
 *
 * By the time a handler runs, the bouncer has authorized the call (in
 * "g-authorize-method").  Read-only methods answer at once from the
 * engine; changes are checked for their arguments here and then queued
 * (kerfd-queue), where the engine re-checks them against the state at the
 * moment they run — the state may have changed while the caller waited
 * for polkit or for the queue.
 */
#include "config.h"

#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "kerfd-daemon.h"
#include "kerfd-error.h"
#include "kerfd-names.h"
#include "kerfd-util.h"

static const char *const kerfd_no_options[] = { NULL };
static const char *const kerfd_dry_run_options[] = { "dry-run", NULL };

/* Replies with the error and returns FALSE when `options` is unacceptable. */
static gboolean
kerfd_check_options (GDBusMethodInvocation *invocation, GVariant *options,
                     const char *const *known)
{
  g_autoptr(GError) error = NULL;

  if (!kerfd_options_check_keys (options, known, "option", &error))
    {
      kerfd_invocation_return_error (invocation, error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
kerfd_get_dry_run (GDBusMethodInvocation *invocation, GVariant *options, gboolean *dry_run)
{
  g_autoptr(GError) error = NULL;

  *dry_run = FALSE;
  if (!kerfd_check_options (invocation, options, kerfd_dry_run_options))
    return FALSE;
  if (!kerfd_options_get_boolean (options, "dry-run", dry_run, &error))
    {
      kerfd_invocation_return_error (invocation, error);
      return FALSE;
    }
  return TRUE;
}

/* A baseline or state file is kilobytes (the kernel takes at most 1 MiB
 * of DTB); anything far larger is refused before any parsing. */
#define KERFD_SOURCE_MAX_BYTES (4u << 20)

static gboolean
kerfd_check_source_size (GDBusMethodInvocation *invocation, GVariant *source)
{
  gsize n = g_variant_get_size (source);

  if (n > KERFD_SOURCE_MAX_BYTES)
    {
      kerfd_invocation_return_kerf_error (invocation, KERF_ERROR_INVALID_ARGUMENT,
                                          "the device tree source is %zu bytes; kerfd takes at "
                                          "most %u (4 MiB)", n, KERFD_SOURCE_MAX_BYTES);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
kerfd_bytes_from_ay (GVariant *ay)
{
  gsize len = 0;
  const guint8 *data = g_variant_get_fixed_array (ay, &len, 1);

  return g_bytes_new (data, len);
}

/* ---- job payloads ----------------------------------------------------- */

typedef struct {
  char     *name;
  GBytes   *source;
  GVariant *spec;
  gboolean  dry_run;
  gboolean  force;
  gboolean  debug;
  guint     tx_id;
  int       kernel_fd;
  int       initrd_fd;
  char     *cmdline;
  char     *kernel_path;
  char     *initrd_path;
} KerfdJobData;

static KerfdJobData *
kerfd_job_data_new (const char *name)
{
  KerfdJobData *j = g_new0 (KerfdJobData, 1);

  j->name = g_strdup (name);
  j->kernel_fd = -1;
  j->initrd_fd = -1;
  return j;
}

static void
kerfd_job_data_free (KerfdJobData *j)
{
  g_free (j->name);
  g_clear_pointer (&j->source, g_bytes_unref);
  g_clear_pointer (&j->spec, g_variant_unref);
  if (j->kernel_fd >= 0)
    close (j->kernel_fd);
  if (j->initrd_fd >= 0)
    close (j->initrd_fd);
  g_free (j->cmdline);
  g_free (j->kernel_path);
  g_free (j->initrd_path);
  g_free (j);
}

/* ---- Pool ------------------------------------------------------------- */

static gboolean
kerfd_handle_validate (KerfDBusPool *pool, GDBusMethodInvocation *invocation,
                       GVariant *source, const char *name, GVariant *options, KerfdDaemon *d)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(GBytes) bytes = NULL;
  gboolean valid;

  if (!kerfd_check_options (invocation, options, kerfd_no_options) ||
      !kerfd_check_source_size (invocation, source))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  bytes = kerfd_bytes_from_ay (source);
  valid = kerfd_engine_validate_source (d->engine, bytes, *name != '\0' ? name : "<source>", diags);
  kerf_dbus_pool_complete_validate (pool, invocation, valid, kerfd_variant_new_diagnostics (diags));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
kerfd_job_initialize (KerfdEngine *engine, gpointer data, GError **error)
{
  KerfdJobData *j = data;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autofree char *summary = NULL;

  if (!kerfd_engine_op_initialize (engine, j->source, j->name, j->dry_run, diags, &summary, error))
    return NULL;
  return g_variant_new ("(@a(sssuuss)s)", kerfd_variant_new_diagnostics (diags),
                        summary != NULL ? summary : "");
}

static gboolean
kerfd_handle_initialize (KerfDBusPool *pool, GDBusMethodInvocation *invocation,
                         GVariant *source, const char *name, GVariant *options, KerfdDaemon *d)
{
  KerfdJobData *j;
  gboolean dry_run;

  if (!kerfd_get_dry_run (invocation, options, &dry_run) ||
      !kerfd_check_source_size (invocation, source))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  j = kerfd_job_data_new (*name != '\0' ? name : "<baseline>");
  j->source = kerfd_bytes_from_ay (source);
  j->dry_run = dry_run;
  kerfd_queue_push (d->queue, "Initialize", kerfd_job_initialize, j,
                    (GDestroyNotify) kerfd_job_data_free, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
kerfd_job_reset (KerfdEngine *engine, gpointer data, GError **error)
{
  return kerfd_engine_op_reset (engine, error) ? g_variant_new ("()") : NULL;
}

static gboolean
kerfd_handle_reset (KerfDBusPool *pool, GDBusMethodInvocation *invocation, GVariant *options,
                    KerfdDaemon *d)
{
  if (!kerfd_check_options (invocation, options, kerfd_no_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  kerfd_queue_push (d->queue, "Reset", kerfd_job_reset, NULL, NULL, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
kerfd_job_create (KerfdEngine *engine, gpointer data, GError **error)
{
  KerfdJobData *j = data;
  g_autofree char *path = NULL;

  if (!kerfd_engine_op_create (engine, j->name, j->spec, j->dry_run, error))
    return NULL;
  path = kerfd_instance_object_path (j->name);
  return g_variant_new ("(o)", path);
}

static gboolean
kerfd_handle_create_instance (KerfDBusPool *pool, GDBusMethodInvocation *invocation,
                              const char *name, GVariant *spec, GVariant *options, KerfdDaemon *d)
{
  KerfdJobData *j;
  gboolean dry_run;

  if (!kerfd_get_dry_run (invocation, options, &dry_run))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  j = kerfd_job_data_new (name);
  j->spec = g_variant_ref (spec);
  j->dry_run = dry_run;
  kerfd_queue_push (d->queue, "CreateInstance", kerfd_job_create, j,
                    (GDestroyNotify) kerfd_job_data_free, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_report (KerfDBusPool *pool, GDBusMethodInvocation *invocation, const char *format,
                     GVariant *options, KerfdDaemon *d)
{
  static const char *const known[] = { "source", "name", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *report = NULL;
  g_autoptr(GVariant) source = NULL;
  g_autoptr(GVariant) name_v = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *name = "source";

  if (!kerfd_check_options (invocation, options, known))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  source = g_variant_lookup_value (options, "source", NULL);
  name_v = g_variant_lookup_value (options, "name", NULL);
  if ((source != NULL && !g_variant_is_of_type (source, G_VARIANT_TYPE_BYTESTRING)) ||
      (name_v != NULL && !g_variant_is_of_type (name_v, G_VARIANT_TYPE_STRING)))
    {
      kerfd_invocation_return_kerf_error (invocation, KERF_ERROR_INVALID_ARGUMENT,
                                          "options 'source' and 'name' must be a byte array "
                                          "(ay) and a string (s)");
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (name_v != NULL)
    name = g_variant_get_string (name_v, NULL);
  if (source != NULL)
    {
      if (!kerfd_check_source_size (invocation, source))
        return G_DBUS_METHOD_INVOCATION_HANDLED;
      bytes = kerfd_bytes_from_ay (source);
    }
  report = kerfd_engine_report (d->engine, format, bytes, name, &error);
  if (report == NULL)
    kerfd_invocation_return_error (invocation, error);
  else
    kerf_dbus_pool_complete_report (pool, invocation, report);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_get_device_tree (KerfDBusPool *pool, GDBusMethodInvocation *invocation,
                              const char *which, const char *format, GVariant *options,
                              KerfdDaemon *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tree = NULL;

  if (!kerfd_check_options (invocation, options, kerfd_no_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  tree = kerfd_engine_get_device_tree (d->engine, which, format, &error);
  if (tree == NULL)
    kerfd_invocation_return_error (invocation, error);
  else
    kerf_dbus_pool_complete_get_device_tree (pool, invocation,
      g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, tree, TRUE));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_list_transactions (KerfDBusPool *pool, GDBusMethodInvocation *invocation,
                                GVariant *options, KerfdDaemon *d)
{
  g_autoptr(KerfdSnapshot) s = NULL;
  GVariantBuilder b;

  if (!kerfd_check_options (invocation, options, kerfd_no_options))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  s = kerfd_engine_get_snapshot (d->engine);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ussss)"));
  for (guint i = 0; i < s->transactions->len; i++)   /* ascending id */
    {
      const KerfdTxInfo *tx = g_ptr_array_index (s->transactions, i);

      g_variant_builder_add (&b, "(ussss)", tx->id, tx->status, tx->operation, tx->target,
                             tx->instance != NULL ? tx->instance : "");
    }
  kerf_dbus_pool_complete_list_transactions (pool, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
kerfd_methods_connect_pool (KerfdDaemon *d, KerfDBusPool *pool)
{
  g_signal_connect (pool, "handle-list-transactions", G_CALLBACK (kerfd_handle_list_transactions), d);
  g_signal_connect (pool, "handle-validate", G_CALLBACK (kerfd_handle_validate), d);
  g_signal_connect (pool, "handle-initialize", G_CALLBACK (kerfd_handle_initialize), d);
  g_signal_connect (pool, "handle-reset", G_CALLBACK (kerfd_handle_reset), d);
  g_signal_connect (pool, "handle-create-instance", G_CALLBACK (kerfd_handle_create_instance), d);
  g_signal_connect (pool, "handle-report", G_CALLBACK (kerfd_handle_report), d);
  g_signal_connect (pool, "handle-get-device-tree", G_CALLBACK (kerfd_handle_get_device_tree), d);
}

/* ---- Instance --------------------------------------------------------- */

static const char *
kerfd_instance_name (KerfDBusInstance *iface)
{
  return g_object_get_data (G_OBJECT (iface), "kerfd-name");
}

static GVariant *
kerfd_job_load (KerfdEngine *engine, gpointer data, GError **error)
{
  KerfdJobData *j = data;

  return kerfd_engine_op_load (engine, j->name, j->kernel_fd, j->initrd_fd, j->cmdline,
                               j->kernel_path, j->initrd_path, j->debug, error)
         ? g_variant_new ("()") : NULL;
}

static gboolean
kerfd_lookup_string_option (GDBusMethodInvocation *invocation, GVariant *options,
                            const char *key, char **out)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (options, key, NULL);

  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      kerfd_invocation_return_kerf_error (invocation, KERF_ERROR_INVALID_ARGUMENT,
                                          "option '%s' must be a string (s)", key);
      return FALSE;
    }
  *out = g_variant_dup_string (v, NULL);
  return TRUE;
}

static gboolean
kerfd_handle_load (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                   GUnixFDList *fd_list, GVariant *kernel, GVariant *initrd,
                   const char *cmdline, GVariant *options, KerfdDaemon *d)
{
  static const char *const known[] = { "kernel-path", "initrd-path", "debug", NULL };
  g_autoptr(GError) error = NULL;
  KerfdJobData *j;
  gint32 kernel_idx = g_variant_get_handle (kernel);
  gint32 initrd_idx = g_variant_get_handle (initrd);
  gint n_fds = fd_list != NULL ? g_unix_fd_list_get_length (fd_list) : 0;
  gboolean debug = FALSE;

  if (!kerfd_check_options (invocation, options, known) ||
      !kerfd_options_get_boolean (options, "debug", &debug, &error))
    {
      if (error != NULL)
        kerfd_invocation_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (kernel_idx < 0 || kernel_idx >= n_fds || initrd_idx >= n_fds)
    {
      kerfd_invocation_return_kerf_error (invocation, KERF_ERROR_INVALID_ARGUMENT,
                                          "Load needs the kernel image as a file descriptor "
                                          "(handle %d of %d passed)", kernel_idx, n_fds);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  j = kerfd_job_data_new (kerfd_instance_name (iface));
  j->debug = debug;
  j->cmdline = g_strdup (cmdline);
  if (!kerfd_lookup_string_option (invocation, options, "kernel-path", &j->kernel_path) ||
      !kerfd_lookup_string_option (invocation, options, "initrd-path", &j->initrd_path))
    {
      kerfd_job_data_free (j);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  /* g_unix_fd_list_get() dups: the job owns (and closes) its copies */
  j->kernel_fd = g_unix_fd_list_get (fd_list, kernel_idx, &error);
  if (j->kernel_fd >= 0 && initrd_idx >= 0)
    j->initrd_fd = g_unix_fd_list_get (fd_list, initrd_idx, &error);
  if (error != NULL)
    {
      kerfd_invocation_return_error (invocation, error);
      kerfd_job_data_free (j);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  kerfd_queue_push (d->queue, "Load", kerfd_job_load, j, (GDestroyNotify) kerfd_job_data_free,
                    invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

#define KERFD_SIMPLE_JOB(fn, call) \
  static GVariant * \
  fn (KerfdEngine *engine, gpointer data, GError **error) \
  { \
    KerfdJobData *j = data; \
    (void) j; \
    return (call) ? g_variant_new ("()") : NULL; \
  }

KERFD_SIMPLE_JOB (kerfd_job_unload, kerfd_engine_op_unload (engine, j->name, error))
KERFD_SIMPLE_JOB (kerfd_job_exec, kerfd_engine_op_exec (engine, j->name, error))
KERFD_SIMPLE_JOB (kerfd_job_kill, kerfd_engine_op_kill (engine, j->name, j->force, error))
KERFD_SIMPLE_JOB (kerfd_job_update, kerfd_engine_op_update (engine, j->name, j->spec, j->dry_run, error))
KERFD_SIMPLE_JOB (kerfd_job_delete, kerfd_engine_op_delete (engine, j->name, error))
KERFD_SIMPLE_JOB (kerfd_job_rollback, kerfd_engine_op_rollback (engine, j->tx_id, error))

static gboolean
kerfd_handle_unload (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                     GVariant *options, KerfdDaemon *d)
{
  if (kerfd_check_options (invocation, options, kerfd_no_options))
    kerfd_queue_push (d->queue, "Unload", kerfd_job_unload,
                      kerfd_job_data_new (kerfd_instance_name (iface)),
                      (GDestroyNotify) kerfd_job_data_free, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_exec (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                   GVariant *options, KerfdDaemon *d)
{
  if (kerfd_check_options (invocation, options, kerfd_no_options))
    kerfd_queue_push (d->queue, "Exec", kerfd_job_exec,
                      kerfd_job_data_new (kerfd_instance_name (iface)),
                      (GDestroyNotify) kerfd_job_data_free, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_kill (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                   GVariant *options, KerfdDaemon *d)
{
  static const char *const known[] = { "force", NULL };
  g_autoptr(GError) error = NULL;
  gboolean force = FALSE;
  KerfdJobData *j;

  if (!kerfd_check_options (invocation, options, known))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!kerfd_options_get_boolean (options, "force", &force, &error))
    {
      kerfd_invocation_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  j = kerfd_job_data_new (kerfd_instance_name (iface));
  j->force = force;
  kerfd_queue_push (d->queue, "Kill", kerfd_job_kill, j, (GDestroyNotify) kerfd_job_data_free,
                    invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_update (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                     GVariant *spec, GVariant *options, KerfdDaemon *d)
{
  gboolean dry_run;
  KerfdJobData *j;

  if (!kerfd_get_dry_run (invocation, options, &dry_run))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  j = kerfd_job_data_new (kerfd_instance_name (iface));
  j->spec = g_variant_ref (spec);
  j->dry_run = dry_run;
  kerfd_queue_push (d->queue, "Update", kerfd_job_update, j, (GDestroyNotify) kerfd_job_data_free,
                    invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
kerfd_handle_delete (KerfDBusInstance *iface, GDBusMethodInvocation *invocation,
                     GVariant *options, KerfdDaemon *d)
{
  if (kerfd_check_options (invocation, options, kerfd_no_options))
    kerfd_queue_push (d->queue, "Delete", kerfd_job_delete,
                      kerfd_job_data_new (kerfd_instance_name (iface)),
                      (GDestroyNotify) kerfd_job_data_free, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
kerfd_methods_connect_instance (KerfdDaemon *d, KerfDBusInstance *iface)
{
  g_signal_connect (iface, "handle-load", G_CALLBACK (kerfd_handle_load), d);
  g_signal_connect (iface, "handle-unload", G_CALLBACK (kerfd_handle_unload), d);
  g_signal_connect (iface, "handle-exec", G_CALLBACK (kerfd_handle_exec), d);
  g_signal_connect (iface, "handle-kill", G_CALLBACK (kerfd_handle_kill), d);
  g_signal_connect (iface, "handle-update", G_CALLBACK (kerfd_handle_update), d);
  g_signal_connect (iface, "handle-delete", G_CALLBACK (kerfd_handle_delete), d);
}

/* ---- Transaction ------------------------------------------------------ */

void
kerfd_methods_rollback (KerfdDaemon *d, GDBusMethodInvocation *invocation, guint tx_id,
                        GVariant *options)
{
  KerfdJobData *j;

  if (!kerfd_check_options (invocation, options, kerfd_no_options))
    return;
  j = kerfd_job_data_new (NULL);
  j->tx_id = tx_id;
  kerfd_queue_push (d->queue, "Rollback", kerfd_job_rollback, j,
                    (GDestroyNotify) kerfd_job_data_free, invocation);
}

static gboolean
kerfd_handle_rollback (KerfDBusTransaction *iface, GDBusMethodInvocation *invocation,
                       GVariant *options, KerfdDaemon *d)
{
  kerfd_methods_rollback (d, invocation,
                          GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (iface), "kerfd-tx")),
                          options);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

void
kerfd_methods_connect_transaction (KerfdDaemon *d, KerfDBusTransaction *tx)
{
  g_signal_connect (tx, "handle-rollback", G_CALLBACK (kerfd_handle_rollback), d);
}
