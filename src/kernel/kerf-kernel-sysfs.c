/* kerf-kernel-sysfs.c — KerfKernel on the real multikernel filesystem.
 *
 * Writes are one write() at offset 0 (the kernel refuses anything else).
 * Our own transaction is found by comparing the overlays/ directory before
 * and after the write and matching tx_N/dtbo against the blob we wrote,
 * never by taking the highest N (another writer may have been faster). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kerf-kernel-sysfs.h"
#include "kerf-syscalls.h"

typedef struct {
  KerfKernel          parent;
  char               *root;
  const KerfSysfsOps *ops;
  gpointer            ops_data;
} KerfSysfs;

static KerfSysfs *
sysfs_of (KerfKernel *kernel)
{
  return (KerfSysfs *) kernel;
}

/* ---- default kernfs operations ---------------------------------------- */

static int
default_write_file (gpointer unused, const char *path, const guint8 *data, gsize len)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n;
  int saved;

  if (fd < 0)
    return -errno;
  do
    n = pwrite (fd, data, len, 0);
  while (n < 0 && errno == EINTR);
  saved = errno;
  close (fd);
  if (n < 0)
    return -saved;
  return (gsize) n == len ? 0 : -EIO;   /* kernfs takes a blob whole or not at all */
}

static int
default_rmdir (gpointer unused, const char *path)
{
  return rmdir (path) == 0 ? 0 : -errno;
}

static const KerfSysfsOps default_ops = { default_write_file, default_rmdir };

void
kerf_kernel_sysfs_set_ops (KerfKernel *kernel, const KerfSysfsOps *ops, gpointer user_data)
{
  KerfSysfs *s = sysfs_of (kernel);
  s->ops = ops != NULL ? ops : &default_ops;
  s->ops_data = ops != NULL ? user_data : NULL;
}

const char *
kerf_kernel_sysfs_get_root (KerfKernel *kernel)
{
  return sysfs_of (kernel)->root;
}

/* ---- reading ---------------------------------------------------------- */

/* Reads a whole kernfs file (their st_size is not the content size). */
static GBytes *
read_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      int err = g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? ENOENT : EIO;
      kerf_kernel_set_errno_error (error, err, KERF_KERNEL_OP_FILE, local->message, "reading %s",
                                   path);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static char *
read_text (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  return g_strdup (g_strstrip (data));
}

/* tx ids present under overlays/, ascending */
static GArray *
list_tx_ids (KerfSysfs *s, GError **error)
{
  g_autofree char *odir = g_build_filename (s->root, "overlays", NULL);
  g_autoptr(GDir) d = g_dir_open (odir, 0, error);
  GArray *ids;
  const char *name;

  if (d == NULL)
    return NULL;
  ids = g_array_new (FALSE, FALSE, sizeof (guint));
  while ((name = g_dir_read_name (d)) != NULL)
    {
      guint64 id;
      if (g_str_has_prefix (name, "tx_")
          && g_ascii_string_to_unsigned (name + 3, 10, 1, G_MAXUINT, &id, NULL))
        {
          guint v = (guint) id;
          g_array_append_val (ids, v);
        }
    }
  return ids;
}

static gint
uint_cmp (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

static gboolean
ids_contain (const GArray *ids, guint id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, guint, i) == id)
      return TRUE;
  return FALSE;
}

static char *
tx_dir (KerfSysfs *s, guint id)
{
  g_autofree char *name = g_strdup_printf ("tx_%u", id);
  return g_build_filename (s->root, "overlays", name, NULL);
}

static KerfKernelTransaction *
read_tx (KerfSysfs *s, guint id)
{
  g_autofree char *dir = tx_dir (s, id);
  g_autofree char *dtbo = g_build_filename (dir, "dtbo", NULL);
  KerfKernelTransaction *tx;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return NULL;
  tx = g_new0 (KerfKernelTransaction, 1);
  tx->id = id;
  tx->status = read_text (dir, "status");
  tx->instance = read_text (dir, "instance");
  tx->resources = read_text (dir, "resources");
  tx->dtbo = read_file (dtbo, NULL);
  if (tx->status == NULL)
    tx->status = g_strdup ("unknown");
  return tx;
}

/* ---- vfuncs ----------------------------------------------------------- */

static gboolean
sysfs_write_baseline (KerfKernel *kernel, GBytes *dtb, GError **error)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_autofree char *path = g_build_filename (s->root, "device_tree", NULL);
  gsize len;
  const guint8 *p = g_bytes_get_data (dtb, &len);
  int err = s->ops->write_file (s->ops_data, path, p, len);

  if (err != 0)
    {
      kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, NULL, "writing %s", path);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
sysfs_read_pool_tree (KerfKernel *kernel, GError **error)
{
  g_autofree char *path = g_build_filename (sysfs_of (kernel)->root, "device_tree", NULL);
  g_autoptr(GBytes) b = read_file (path, error);

  if (b == NULL)
    return NULL;
  if (g_bytes_get_size (b) == 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool has no baseline yet (%s is empty)", path);
      return NULL;
    }
  return g_steal_pointer (&b);
}

static gboolean
sysfs_write_overlay (KerfKernel *kernel, GBytes *dtbo, guint *tx_id, char **status,
                     GError **error)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_autofree char *path = g_build_filename (s->root, "overlays", "new", NULL);
  g_autoptr(GArray) before = NULL, after = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (dtbo, &len);
  g_autoptr(KerfKernelTransaction) mine = NULL;
  int err;

  before = list_tx_ids (s, error);
  if (before == NULL)
    return FALSE;
  err = s->ops->write_file (s->ops_data, path, p, len);
  after = list_tx_ids (s, error);
  if (after == NULL)
    return FALSE;
  g_array_sort (after, uint_cmp);
  for (guint i = 0; i < after->len && mine == NULL; i++)
    {
      guint id = g_array_index (after, guint, i);
      g_autoptr(KerfKernelTransaction) tx = NULL;
      if (ids_contain (before, id))
        continue;
      tx = read_tx (s, id);
      if (tx != NULL && tx->dtbo != NULL && g_bytes_equal (tx->dtbo, dtbo))
        mine = g_steal_pointer (&tx);
    }
  *tx_id = mine != NULL ? mine->id : 0;
  *status = mine != NULL ? g_strdup (mine->status) : NULL;

  if (err != 0)
    {
      if (mine != NULL)
        {
          /* The kernel keeps a failed tx_N; nobody else will remove it. */
          g_autofree char *dir = tx_dir (s, mine->id);
          int rerr = s->ops->rmdir (s->ops_data, dir);
          g_autofree char *detail = rerr == 0 ? NULL
            : g_strdup_printf ("removing the failed tx_%u failed too: %s", mine->id,
                               g_strerror (-rerr));
          kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, detail,
                                       "overlay transaction tx_%u failed", mine->id);
        }
      else
        kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, NULL, "writing %s", path);
      return FALSE;
    }
  if (mine == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR,
                   "overlay written but the kernel created no transaction for it");
      return FALSE;
    }
  if (g_strcmp0 (mine->status, "applied") != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR,
                   "overlay transaction tx_%u has status '%s'", mine->id, mine->status);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
sysfs_list_transactions (KerfKernel *kernel, GError **error)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_autoptr(GArray) ids = list_tx_ids (s, error);
  GPtrArray *out;

  if (ids == NULL)
    return NULL;
  g_array_sort (ids, uint_cmp);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_kernel_transaction_free);
  for (guint i = 0; i < ids->len; i++)
    {
      KerfKernelTransaction *tx = read_tx (s, g_array_index (ids, guint, i));
      if (tx != NULL)   /* it may have gone between listing and reading */
        g_ptr_array_add (out, tx);
    }
  return out;
}

static KerfKernelTransaction *
sysfs_get_transaction (KerfKernel *kernel, guint tx_id, GError **error)
{
  KerfKernelTransaction *tx = read_tx (sysfs_of (kernel), tx_id);
  if (tx == NULL)
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND, "no transaction tx_%u", tx_id);
  return tx;
}

static gboolean
sysfs_rollback (KerfKernel *kernel, guint tx_id, char ***warnings, GError **error)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_autofree char *dir = tx_dir (s, tx_id);
  int err = s->ops->rmdir (s->ops_data, dir);

  if (err != 0)
    {
      kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, NULL,
                                   "rolling back transaction tx_%u", tx_id);
      return FALSE;
    }
  return TRUE;
}

static gint
inst_cmp (gconstpointer a, gconstpointer b)
{
  const KerfKernelInstance *x = *(KerfKernelInstance *const *) a;
  const KerfKernelInstance *y = *(KerfKernelInstance *const *) b;
  return strcmp (x->name, y->name);
}

static GPtrArray *
sysfs_list_instances (KerfKernel *kernel, GError **error)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_autofree char *idir = g_build_filename (s->root, "instances", NULL);
  g_autoptr(GDir) d = g_dir_open (idir, 0, error);
  GPtrArray *out;
  const char *name;

  if (d == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_kernel_instance_free);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *dir = g_build_filename (idir, name, NULL);
      g_autofree char *dt = g_build_filename (dir, "device_tree", NULL);
      g_autofree char *id = NULL;
      KerfKernelInstance *inst;
      guint64 v;

      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        continue;
      id = read_text (dir, "id");
      if (id == NULL || !g_ascii_string_to_unsigned (id, 10, 0, G_MAXUINT, &v, NULL))
        continue;   /* being created or removed right now */
      inst = g_new0 (KerfKernelInstance, 1);
      inst->name = g_strdup (name);
      inst->id = (guint) v;
      inst->status = read_text (dir, "status");
      if (inst->status == NULL)
        inst->status = g_strdup ("unknown");
      inst->device_tree = read_file (dt, NULL);
      if (inst->device_tree != NULL && g_bytes_get_size (inst->device_tree) == 0)
        g_clear_pointer (&inst->device_tree, g_bytes_unref);
      g_ptr_array_add (out, inst);
    }
  g_ptr_array_sort (out, inst_cmp);
  return out;
}

static gboolean
syscall_result (int err, GError **error, const char *what, guint id)
{
  if (err == 0)
    return TRUE;
  kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_SYSCALL, NULL, "%s of instance id %u",
                               what, id);
  return FALSE;
}

static gboolean
sysfs_load (KerfKernel *kernel, guint id, int kernel_fd, int initrd_fd, const char *cmdline,
            KerfKernelLoadFlags flags, GError **error)
{
  return syscall_result (kerf_syscall_kexec_load (id, kernel_fd, initrd_fd, cmdline,
                                                  (flags & KERF_KERNEL_LOAD_DEBUG) != 0),
                         error, "load", id);
}

static gboolean
sysfs_unload (KerfKernel *kernel, guint id, GError **error)
{
  return syscall_result (kerf_syscall_kexec_unload (id), error, "unload", id);
}

static gboolean
sysfs_exec (KerfKernel *kernel, guint id, GError **error)
{
  return syscall_result (kerf_syscall_reboot (id, KERF_REBOOT_EXEC), error, "exec", id);
}

static gboolean
sysfs_kill (KerfKernel *kernel, guint id, KerfKernelKillMode mode, GError **error)
{
  return syscall_result (kerf_syscall_reboot (id, mode == KERF_KERNEL_KILL_FORCE
                                                    ? KERF_REBOOT_HALT_FORCE : KERF_REBOOT_HALT),
                         error, "kill", id);
}

static void
sysfs_free (KerfKernel *kernel)
{
  KerfSysfs *s = sysfs_of (kernel);
  g_free (s->root);
  g_free (s);
}

static const KerfKernelClass sysfs_class = {
  .name = "sysfs",
  .write_baseline = sysfs_write_baseline,
  .read_pool_tree = sysfs_read_pool_tree,
  .write_overlay = sysfs_write_overlay,
  .list_transactions = sysfs_list_transactions,
  .get_transaction = sysfs_get_transaction,
  .rollback = sysfs_rollback,
  .list_instances = sysfs_list_instances,
  .load = sysfs_load,
  .unload = sysfs_unload,
  .exec = sysfs_exec,
  .kill = sysfs_kill,
  .free = sysfs_free,
};

static gboolean
is_mounted (const char *root)
{
  g_autofree char *mounts = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/mounts", &mounts, NULL, NULL))
    return FALSE;
  lines = g_strsplit (mounts, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 4);
      if (g_strv_length (f) >= 3 && g_str_equal (f[1], root) && g_str_equal (f[2], "multikernel"))
        return TRUE;
    }
  return FALSE;
}

KerfKernel *
kerf_kernel_sysfs_new (const char *root, GError **error)
{
  KerfSysfs *s;

  if (root == NULL)
    {
      root = KERF_SYSFS_DEFAULT_ROOT;
      if (!is_mounted (root))
        {
          if (g_mkdir_with_parents (root, 0755) != 0
              || mount ("none", root, "multikernel", 0, NULL) != 0)
            {
              int saved = errno;
              kerf_kernel_set_errno_error (error, saved, KERF_KERNEL_OP_FILE,
                                           "make sure the kernel has multikernel support and "
                                           "kerfd runs as root",
                                           "mounting the multikernel filesystem on %s", root);
              return NULL;
            }
        }
    }
  else if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      kerf_kernel_set_errno_error (error, ENOENT, KERF_KERNEL_OP_FILE, NULL, "opening %s", root);
      return NULL;
    }
  s = g_new0 (KerfSysfs, 1);
  s->parent.klass = &sysfs_class;
  s->root = g_strdup (root);
  s->ops = &default_ops;
  return &s->parent;
}
