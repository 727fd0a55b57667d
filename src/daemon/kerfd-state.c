/* kerfd-state.c — the state directory (format documented in kerfd-state.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "kerf-error.h"
#include "kerf-model.h"
#include "kerfd-state.h"

#define KERFD_STATE_FILE_MODE 0600

/* kerfd is the only writer of its state directory, and rebuilds its view
 * from it after every change: reading and parsing one file per instance
 * and the whole transactions.ini each time made a change cost time in
 * proportion to the number of instances (most of CreateInstance at a
 * thousand).  So what was read or written is kept: the instance records
 * and the transaction records, read from disk once and then updated by
 * the writes that go through here.  A write that fails drops the copy, so
 * the next read sees the disk again. */
/* Holds state->lock to the end of the enclosing block.  The locker is
 * only there for its cleanup (G_GNUC_UNUSED: clang's -Wunused-variable). */
#define KERFD_STATE_LOCKED(state) \
  g_autoptr(GMutexLocker) G_GNUC_UNUSED kerfd_state_locker_ = g_mutex_locker_new (&(state)->lock)

struct _KerfdState {
  char       *dir;
  char       *instances_dir;
  GMutex      lock;       /* the caches: the queue thread writes, any thread may read */
  GHashTable *records;    /* name -> KerfdInstanceRecord; NULL until read */
  GHashTable *tx_records; /* transactions.ini: id -> KerfdTxRecord; NULL until read */
  gboolean    tx_foreign; /* it holds groups that are not tx_N */
};

KerfdInstanceRecord *
kerfd_instance_record_new (const char *name)
{
  KerfdInstanceRecord *r = g_new0 (KerfdInstanceRecord, 1);

  r->name = g_strdup (name);
  r->devices = g_new0 (char *, 1);
  r->numa_nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  return r;
}

void
kerfd_instance_record_clear_kernel (KerfdInstanceRecord *r)
{
  g_clear_pointer (&r->kernel_path, g_free);
  g_clear_pointer (&r->kernel_sha256, g_free);
  g_clear_pointer (&r->kernel_version, g_free);
  g_clear_pointer (&r->initrd_path, g_free);
  g_clear_pointer (&r->cmdline, g_free);
  r->kernel_size = 0;
}

void
kerfd_instance_record_free (KerfdInstanceRecord *r)
{
  if (r == NULL)
    return;
  kerfd_instance_record_clear_kernel (r);
  g_free (r->name);
  g_strfreev (r->devices);
  g_array_unref (r->numa_nodes);
  g_free (r->cpu_affinity);
  g_free (r->memory_policy);
  g_free (r);
}

KerfdInstanceRecord *
kerfd_instance_record_copy (const KerfdInstanceRecord *r)
{
  KerfdInstanceRecord *c = kerfd_instance_record_new (r->name);

  g_strfreev (c->devices);
  c->devices = g_strdupv (r->devices);
  g_array_append_vals (c->numa_nodes, r->numa_nodes->data, r->numa_nodes->len);
  c->cpu_affinity = g_strdup (r->cpu_affinity);
  c->memory_policy = g_strdup (r->memory_policy);
  c->kernel_path = g_strdup (r->kernel_path);
  c->kernel_size = r->kernel_size;
  c->kernel_sha256 = g_strdup (r->kernel_sha256);
  c->kernel_version = g_strdup (r->kernel_version);
  c->initrd_path = g_strdup (r->initrd_path);
  c->cmdline = g_strdup (r->cmdline);
  return c;
}

static gboolean
kerfd_state_mkdir (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, KERF_ERROR, KERF_ERROR_IO,
                   "cannot create state directory %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

KerfdState *
kerfd_state_open (const char *dir, GError **error)
{
  g_autoptr(KerfdState) state = g_new0 (KerfdState, 1);

  g_mutex_init (&state->lock);
  state->dir = g_strdup (dir);
  state->instances_dir = g_build_filename (dir, "instances", NULL);
  if (!kerfd_state_mkdir (state->dir, error) || !kerfd_state_mkdir (state->instances_dir, error))
    return NULL;
  return g_steal_pointer (&state);
}

void
kerfd_state_free (KerfdState *state)
{
  if (state == NULL)
    return;
  g_free (state->dir);
  g_free (state->instances_dir);
  g_clear_pointer (&state->records, g_hash_table_unref);
  g_clear_pointer (&state->tx_records, g_hash_table_unref);
  g_mutex_clear (&state->lock);
  g_free (state);
}

const char *
kerfd_state_get_dir (KerfdState *state)
{
  return state->dir;
}

/* Atomic and durable: a crash leaves the old or the new file, never half. */
static gboolean
kerfd_state_write (const char *path, const void *data, gsize len, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 KERFD_STATE_FILE_MODE, &local_error))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot write state file: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
kerfd_state_unlink (const char *path, GError **error)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int errsv = errno;

      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot remove state file %s: %s",
                   path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
kerfd_state_save_keyfile (GKeyFile *kf, const char *path, GError **error)
{
  gsize len = 0;
  g_autofree char *data = g_key_file_to_data (kf, &len, NULL);

  return kerfd_state_write (path, data, len, error);
}

/* ---- baseline --------------------------------------------------------- */

GBytes *
kerfd_state_load_baseline (KerfdState *state, char **source_name, GError **error)
{
  g_autofree char *path = g_build_filename (state->dir, "baseline", NULL);
  g_autofree char *ini = g_build_filename (state->dir, "baseline.ini", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  if (source_name != NULL)
    {
      g_autoptr(GKeyFile) kf = g_key_file_new ();

      *source_name = NULL;
      if (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL))
        *source_name = g_key_file_get_string (kf, "baseline", "source", NULL);
      if (*source_name == NULL)
        *source_name = g_strdup ("baseline");
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

gboolean
kerfd_state_save_baseline (KerfdState *state, GBytes *source, const char *source_name,
                           GError **error)
{
  g_autofree char *path = g_build_filename (state->dir, "baseline", NULL);
  g_autofree char *ini = g_build_filename (state->dir, "baseline.ini", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  gsize len = 0;
  const void *data = g_bytes_get_data (source, &len);

  g_key_file_set_string (kf, "baseline", "source", source_name != NULL ? source_name : "");
  return kerfd_state_save_keyfile (kf, ini, error) && kerfd_state_write (path, data, len, error);
}

gboolean
kerfd_state_remove_baseline (KerfdState *state, GError **error)
{
  g_autofree char *path = g_build_filename (state->dir, "baseline", NULL);
  g_autofree char *ini = g_build_filename (state->dir, "baseline.ini", NULL);

  return kerfd_state_unlink (path, error) && kerfd_state_unlink (ini, error);
}

/* ---- instances -------------------------------------------------------- */

static char *
kerfd_state_instance_path (KerfdState *state, const char *name, GError **error)
{
  g_autofree char *file = NULL;

  if (!kerf_instance_name_is_valid (name))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid instance name '%s'", name);
      return NULL;
    }
  file = g_strconcat (name, ".ini", NULL);
  return g_build_filename (state->instances_dir, file, NULL);
}

static void
kerfd_keyfile_set_opt_string (GKeyFile *kf, const char *group, const char *key, const char *v)
{
  if (v != NULL)
    g_key_file_set_string (kf, group, key, v);
}

static GKeyFile *
kerfd_state_instance_keyfile (const KerfdInstanceRecord *r)
{
  GKeyFile *kf = g_key_file_new ();

  g_key_file_set_string (kf, "instance", "name", r->name);
  g_key_file_set_string_list (kf, "instance", "devices", (const char *const *) r->devices,
                              g_strv_length (r->devices));
  if (r->numa_nodes->len > 0)
    {
      g_autofree gint *nodes = g_new (gint, r->numa_nodes->len);

      for (guint i = 0; i < r->numa_nodes->len; i++)
        nodes[i] = (gint) g_array_index (r->numa_nodes, guint32, i);
      g_key_file_set_integer_list (kf, "instance", "numa-nodes", nodes, r->numa_nodes->len);
    }
  kerfd_keyfile_set_opt_string (kf, "instance", "cpu-affinity", r->cpu_affinity);
  kerfd_keyfile_set_opt_string (kf, "instance", "memory-policy", r->memory_policy);
  if (r->kernel_path != NULL)
    {
      g_key_file_set_string (kf, "kernel", "path", r->kernel_path);
      g_key_file_set_uint64 (kf, "kernel", "size", r->kernel_size);
      kerfd_keyfile_set_opt_string (kf, "kernel", "sha256", r->kernel_sha256);
      kerfd_keyfile_set_opt_string (kf, "kernel", "version", r->kernel_version);
      kerfd_keyfile_set_opt_string (kf, "kernel", "initrd", r->initrd_path);
      kerfd_keyfile_set_opt_string (kf, "kernel", "cmdline", r->cmdline);
    }
  return kf;
}

gboolean
kerfd_state_save_instance (KerfdState *state, const KerfdInstanceRecord *r, GError **error)
{
  g_autofree char *path = kerfd_state_instance_path (state, r->name, error);
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  gboolean ok;

  if (path == NULL)
    return FALSE;
  kf = kerfd_state_instance_keyfile (r);
  ok = kerfd_state_save_keyfile (kf, path, error);
  locker = g_mutex_locker_new (&state->lock);
  if (ok && state->records != NULL)
    g_hash_table_replace (state->records, g_strdup (r->name), kerfd_instance_record_copy (r));
  else
    g_clear_pointer (&state->records, g_hash_table_unref);
  return ok;
}

static KerfdInstanceRecord *
kerfd_state_instance_from_keyfile (GKeyFile *kf, GError **error)
{
  g_autoptr(KerfdInstanceRecord) r = NULL;
  g_autofree char *name = NULL;
  g_autofree gint *nodes = NULL;
  gsize n_nodes = 0;

  name = g_key_file_get_string (kf, "instance", "name", error);
  if (name == NULL)
    return NULL;
  if (!kerf_instance_name_is_valid (name))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE, "invalid instance name '%s'", name);
      return NULL;
    }
  r = kerfd_instance_record_new (name);
  if (g_key_file_has_key (kf, "instance", "devices", NULL))
    {
      g_strfreev (r->devices);
      r->devices = g_key_file_get_string_list (kf, "instance", "devices", NULL, NULL);
      if (r->devices == NULL)
        r->devices = g_new0 (char *, 1);
    }
  nodes = g_key_file_get_integer_list (kf, "instance", "numa-nodes", &n_nodes, NULL);
  for (gsize i = 0; nodes != NULL && i < n_nodes; i++)
    {
      guint32 node = (guint32) nodes[i];

      if (nodes[i] >= 0)
        g_array_append_val (r->numa_nodes, node);
    }
  r->cpu_affinity = g_key_file_get_string (kf, "instance", "cpu-affinity", NULL);
  r->memory_policy = g_key_file_get_string (kf, "instance", "memory-policy", NULL);
  r->kernel_path = g_key_file_get_string (kf, "kernel", "path", NULL);
  if (r->kernel_path != NULL)
    {
      r->kernel_size = g_key_file_get_uint64 (kf, "kernel", "size", NULL);
      r->kernel_sha256 = g_key_file_get_string (kf, "kernel", "sha256", NULL);
      r->kernel_version = g_key_file_get_string (kf, "kernel", "version", NULL);
      r->initrd_path = g_key_file_get_string (kf, "kernel", "initrd", NULL);
      r->cmdline = g_key_file_get_string (kf, "kernel", "cmdline", NULL);
    }
  return g_steal_pointer (&r);
}

static KerfdInstanceRecord *
kerfd_state_read_instance (const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  return kerfd_state_instance_from_keyfile (kf, error);
}

static GHashTable *
kerfd_state_read_instances (KerfdState *state)
{
  GHashTable *records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) kerfd_instance_record_free);
  g_autoptr(GDir) dir = g_dir_open (state->instances_dir, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      KerfdInstanceRecord *r;

      if (!g_str_has_suffix (entry, ".ini"))
        continue;   /* temp files of an interrupted write, ... */
      path = g_build_filename (state->instances_dir, entry, NULL);
      r = kerfd_state_read_instance (path, &error);
      if (r == NULL)
        {
          g_warning ("ignoring state file %s: %s", path, error->message);
          continue;
        }
      g_hash_table_replace (records, g_strdup (r->name), r);
    }
  return records;
}

GHashTable *
kerfd_state_load_instances (KerfdState *state)
{
  KERFD_STATE_LOCKED (state);
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) kerfd_instance_record_free);
  GHashTableIter iter;
  gpointer value;

  if (state->records == NULL)
    state->records = kerfd_state_read_instances (state);
  /* the caller owns (and edits) what it gets */
  g_hash_table_iter_init (&iter, state->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_hash_table_insert (copy, g_strdup (((KerfdInstanceRecord *) value)->name),
                         kerfd_instance_record_copy (value));
  return copy;
}

gboolean
kerfd_state_remove_instance (KerfdState *state, const char *name, GError **error)
{
  g_autofree char *path = kerfd_state_instance_path (state, name, error);
  g_autoptr(GMutexLocker) locker = NULL;
  gboolean ok;

  if (path == NULL)
    return FALSE;
  ok = kerfd_state_unlink (path, error);
  locker = g_mutex_locker_new (&state->lock);
  if (ok && state->records != NULL)
    g_hash_table_remove (state->records, name);
  else
    g_clear_pointer (&state->records, g_hash_table_unref);
  return ok;
}

/* ---- updates in flight ------------------------------------------------ */

void
kerfd_pending_update_free (KerfdPendingUpdate *p)
{
  if (p == NULL)
    return;
  kerfd_instance_record_free (p->record);
  g_clear_pointer (&p->cpus, g_array_unref);
  g_strfreev (p->kernel_devices);
  g_free (p);
}

/* instances/<name>.update: not *.ini, so kerfd_state_load_instances never
 * takes it for a record. */
static char *
kerfd_state_pending_path (KerfdState *state, const char *name, GError **error)
{
  g_autofree char *file = NULL;

  if (!kerf_instance_name_is_valid (name))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid instance name '%s'", name);
      return NULL;
    }
  file = g_strconcat (name, ".update", NULL);
  return g_build_filename (state->instances_dir, file, NULL);
}

gboolean
kerfd_state_save_pending_update (KerfdState *state, const KerfdPendingUpdate *p, GError **error)
{
  g_autofree char *path = kerfd_state_pending_path (state, p->record->name, error);
  g_autoptr(GKeyFile) kf = NULL;
  g_autofree gint *cpus = NULL;

  if (path == NULL)
    return FALSE;
  kf = kerfd_state_instance_keyfile (p->record);
  cpus = g_new0 (gint, p->cpus->len + 1);
  for (guint i = 0; i < p->cpus->len; i++)
    cpus[i] = (gint) g_array_index (p->cpus, guint32, i);
  g_key_file_set_integer_list (kf, "kernel-after", "cpus", cpus, p->cpus->len);
  g_key_file_set_uint64 (kf, "kernel-after", "memory-base", p->memory_base);
  g_key_file_set_uint64 (kf, "kernel-after", "memory-bytes", p->memory_bytes);
  g_key_file_set_string_list (kf, "kernel-after", "devices",
                              (const char *const *) p->kernel_devices,
                              g_strv_length (p->kernel_devices));
  return kerfd_state_save_keyfile (kf, path, error);
}

KerfdPendingUpdate *
kerfd_state_load_pending_update (KerfdState *state, const char *name)
{
  g_autofree char *path = kerfd_state_pending_path (state, name, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gint *cpus = NULL;
  gsize n_cpus = 0;
  KerfdPendingUpdate *p;
  KerfdInstanceRecord *r;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error) ||
      (r = kerfd_state_instance_from_keyfile (kf, &error)) == NULL)
    {
      g_warning ("ignoring state file %s: %s", path, error->message);
      return NULL;
    }
  p = g_new0 (KerfdPendingUpdate, 1);
  p->record = r;
  p->cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  cpus = g_key_file_get_integer_list (kf, "kernel-after", "cpus", &n_cpus, NULL);
  for (gsize i = 0; cpus != NULL && i < n_cpus; i++)
    {
      guint32 cpu = (guint32) cpus[i];

      g_array_append_val (p->cpus, cpu);
    }
  p->memory_base = g_key_file_get_uint64 (kf, "kernel-after", "memory-base", NULL);
  p->memory_bytes = g_key_file_get_uint64 (kf, "kernel-after", "memory-bytes", NULL);
  p->kernel_devices = g_key_file_get_string_list (kf, "kernel-after", "devices", NULL, NULL);
  if (p->kernel_devices == NULL)
    p->kernel_devices = g_new0 (char *, 1);
  return p;
}

gboolean
kerfd_state_remove_pending_update (KerfdState *state, const char *name, GError **error)
{
  g_autofree char *path = kerfd_state_pending_path (state, name, error);

  return path != NULL && kerfd_state_unlink (path, error);
}

GPtrArray *
kerfd_state_list_pending_updates (KerfdState *state)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (state->instances_dir, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".update"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - strlen (".update")));
  return names;
}

/* ---- transactions ----------------------------------------------------- */

static void
kerfd_tx_record_free (KerfdTxRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->operation);
  g_free (r->instance);
  g_free (r);
}

static KerfdTxRecord *
kerfd_tx_record_new (const char *operation, const char *instance)
{
  KerfdTxRecord *r = g_new0 (KerfdTxRecord, 1);

  r->operation = g_strdup (operation != NULL ? operation : "unknown");
  r->instance = g_strdup (instance);
  return r;
}

/* "tx_N" -> N; FALSE for any other group name. */
static gboolean
kerfd_state_tx_group_id (const char *group, guint *id)
{
  guint64 v = 0;

  if (!g_str_has_prefix (group, "tx_") ||
      !g_ascii_string_to_unsigned (group + 3, 10, 1, G_MAXUINT, &v, NULL))
    return FALSE;
  *id = (guint) v;
  return TRUE;
}

static char *
kerfd_state_transactions_path (KerfdState *state)
{
  return g_build_filename (state->dir, "transactions.ini", NULL);
}

/* The records of transactions.ini, read once (a missing or unreadable file
 * reads as empty); the caller holds the lock.  Groups that are not tx_N
 * are not kept, and the next prune rewrites the file without them. */
static GHashTable *
kerfd_state_tx_records (KerfdState *state)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) groups = NULL;

  if (state->tx_records != NULL)
    return state->tx_records;
  state->tx_records = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) kerfd_tx_record_free);
  kf = g_key_file_new ();
  path = kerfd_state_transactions_path (state);
  (void) g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL);
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *operation = NULL;
      g_autofree char *instance = NULL;
      guint id = 0;

      if (!kerfd_state_tx_group_id (groups[i], &id))
        {
          state->tx_foreign = TRUE;
          continue;
        }
      operation = g_key_file_get_string (kf, groups[i], "operation", NULL);
      instance = g_key_file_get_string (kf, groups[i], "instance", NULL);
      g_hash_table_replace (state->tx_records, GUINT_TO_POINTER (id),
                            kerfd_tx_record_new (operation, instance));
    }
  return state->tx_records;
}

static gint
kerfd_state_uint_cmp (gconstpointer a, gconstpointer b)
{
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/* Writes transactions.ini from the records (lock held), ascending id; a
 * failed write drops the records, whose change never reached the disk. */
static gboolean
kerfd_state_save_transactions (KerfdState *state, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *path = kerfd_state_transactions_path (state);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, state->tx_records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint id = GPOINTER_TO_UINT (key);

      g_array_append_val (ids, id);
    }
  g_array_sort (ids, kerfd_state_uint_cmp);
  for (guint i = 0; i < ids->len; i++)
    {
      guint id = g_array_index (ids, guint, i);
      const KerfdTxRecord *r = g_hash_table_lookup (state->tx_records, GUINT_TO_POINTER (id));
      g_autofree char *group = g_strdup_printf ("tx_%u", id);

      g_key_file_set_string (kf, group, "operation", r->operation);
      if (r->instance != NULL)
        g_key_file_set_string (kf, group, "instance", r->instance);
    }
  if (kerfd_state_save_keyfile (kf, path, error))
    {
      state->tx_foreign = FALSE;
      return TRUE;
    }
  g_clear_pointer (&state->tx_records, g_hash_table_unref);
  return FALSE;
}

gboolean
kerfd_state_save_transaction (KerfdState *state, guint id, const char *operation,
                              const char *instance, GError **error)
{
  KERFD_STATE_LOCKED (state);

  g_hash_table_replace (kerfd_state_tx_records (state), GUINT_TO_POINTER (id),
                        kerfd_tx_record_new (operation, instance));
  return kerfd_state_save_transactions (state, error);
}

char *
kerfd_state_get_transaction (KerfdState *state, guint id, char **instance)
{
  KERFD_STATE_LOCKED (state);
  const KerfdTxRecord *r = g_hash_table_lookup (kerfd_state_tx_records (state),
                                                GUINT_TO_POINTER (id));

  if (instance != NULL)
    *instance = r != NULL ? g_strdup (r->instance) : NULL;
  return g_strdup (r != NULL ? r->operation : "unknown");
}

GHashTable *
kerfd_state_load_transaction_records (KerfdState *state)
{
  KERFD_STATE_LOCKED (state);
  GHashTable *copy = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) kerfd_tx_record_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, kerfd_state_tx_records (state));
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const KerfdTxRecord *r = value;

      g_hash_table_insert (copy, key, kerfd_tx_record_new (r->operation, r->instance));
    }
  return copy;
}

/* Linear in the number of records. */
gboolean
kerfd_state_prune_transactions (KerfdState *state, const GArray *live_ids, GError **error)
{
  KERFD_STATE_LOCKED (state);
  g_autoptr(GHashTable) live = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTable *records = kerfd_state_tx_records (state);
  gboolean changed = state->tx_foreign;
  GHashTableIter iter;
  gpointer key;

  for (guint j = 0; live_ids != NULL && j < live_ids->len; j++)
    g_hash_table_add (live, GUINT_TO_POINTER (g_array_index (live_ids, guint, j)));
  g_hash_table_iter_init (&iter, records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (live, key))
      {
        g_hash_table_iter_remove (&iter);
        changed = TRUE;
      }
  return !changed || kerfd_state_save_transactions (state, error);
}
