/* kerf-kernel-emulated.c — the emulated kernel as a KerfKernel backend, and
 * the instance life cycle (load / exec / kill / unload).
 *
 * The KerfKernel calls behave like the sysfs backend on a real kernel: a
 * failed overlay write is reported with its errno and its failed tx_N is
 * removed again.  The kernel-level calls (kerf_kernel_emulated_write_file,
 * _rmdir) show what a process sees on kernfs, failed tx_N included. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kerf-emu-private.h"
#include "kerf-syscalls.h"

static KerfEmu *
emu_of (KerfKernel *kernel)
{
  return (KerfEmu *) kernel;
}

static gboolean
save_or_error (KerfEmu *emu, GError **error)
{
  g_autoptr(GError) local = NULL;
  if (emu_state_save (emu, &local))
    return TRUE;
  g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "emulated kernel: cannot save state in %s: %s",
               emu->dir, local->message);
  return FALSE;
}

/* ---- kernel-level file operations ------------------------------------ */

int
kerf_kernel_emulated_write_file (KerfKernel *kernel, const char *relpath, const guint8 *data,
                                 gsize len)
{
  KerfEmu *emu = emu_of (kernel);
  EmuTx *tx = NULL;
  int err;

  emu_test_faults_poll (emu);
  if (g_strcmp0 (relpath, "device_tree") == 0)
    err = emu_write_baseline (emu, data, len);
  else if (g_strcmp0 (relpath, "overlays/new") == 0)
    err = emu_write_overlay (emu, data, len, &tx);
  else
    {
      emu_set_message (emu, "%s is not writable", relpath);
      return -EACCES;
    }
  /* A failed overlay still leaves its failed tx_N: save in both cases. */
  if ((err == 0 || tx != NULL) && !emu_state_save (emu, NULL))
    return -EIO;
  return err;
}

int
kerf_kernel_emulated_rmdir (KerfKernel *kernel, const char *relpath)
{
  KerfEmu *emu = emu_of (kernel);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  guint64 id;
  int err;

  if (!g_str_has_prefix (relpath, "overlays/tx_")
      || !g_ascii_string_to_unsigned (relpath + 12, 10, 1, G_MAXUINT, &id, NULL))
    return g_str_has_prefix (relpath, "instances/") ? -EPERM : -ENOTDIR;
  err = emu_rollback (emu, (guint) id, warnings);
  if (err == 0)
    {
      if (warnings->len > 0)
        {
          g_ptr_array_add (warnings, NULL);
          g_free (emu->last_message);
          emu->last_message = g_strjoinv ("\n", (char **) warnings->pdata);
        }
      if (!emu_state_save (emu, NULL))
        return -EIO;
    }
  return err;
}

const char *
kerf_kernel_emulated_last_message (KerfKernel *kernel)
{
  return emu_of (kernel)->last_message;
}

const char *
kerf_kernel_emulated_get_dir (KerfKernel *kernel)
{
  return emu_of (kernel)->dir;
}

void
kerf_kernel_emulated_get_io_stats (KerfKernel *kernel, KerfEmuIoStats *stats)
{
  *stats = emu_of (kernel)->io;
}

void
kerf_kernel_emulated_inject_fault (KerfKernel *kernel, KerfEmuFault fault)
{
  if (fault != KERF_EMU_FAULT_NONE)
    g_ptr_array_add (emu_of (kernel)->faults, GINT_TO_POINTER (fault));
}

/* ---- KerfKernel vfuncs ------------------------------------------------ */

static gboolean
emulated_write_baseline (KerfKernel *kernel, GBytes *dtb, GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (dtb, &len);
  int err = kerf_kernel_emulated_write_file (kernel, "device_tree", p, len);

  if (err != 0)
    {
      kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, emu_of (kernel)->last_message,
                                   "writing the baseline to device_tree");
      return FALSE;
    }
  return TRUE;
}

static GBytes *
emulated_read_pool_tree (KerfKernel *kernel, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  g_autoptr(GBytes) tree = NULL;

  emu_test_faults_poll (emu);
  if (!emu->has_baseline)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED,
                   "the pool has no baseline yet (device_tree is empty)");
      return NULL;
    }
  tree = emu_pool_tree (emu);
  return emu_test_fault_mangle_pool_tree (emu, tree);
}

static KerfKernelTransaction *
tx_to_public (const EmuTx *tx)
{
  KerfKernelTransaction *t = g_new0 (KerfKernelTransaction, 1);
  t->id = tx->id;
  t->status = g_strdup (tx->status);
  t->instance = g_strdup (tx->instance);
  t->resources = g_strdup (tx->resources);
  t->dtbo = tx->dtbo != NULL ? g_bytes_ref (tx->dtbo) : NULL;
  return t;
}

static gboolean
emulated_write_overlay (KerfKernel *kernel, GBytes *dtbo, guint *tx_id, char **status,
                        GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  gsize len;
  const guint8 *p = g_bytes_get_data (dtbo, &len);
  EmuTx *tx = NULL;
  int err;
  g_autofree char *msg = NULL;

  emu_test_faults_poll (emu);
  err = emu_write_overlay (emu, p, len, &tx);
  msg = g_strdup (emu->last_message);

  *tx_id = tx != NULL ? tx->id : 0;
  *status = tx != NULL ? g_strdup (tx->status) : NULL;
  if (err != 0)
    {
      /* Report it, then remove the failed transaction as kerfd must. */
      if (tx != NULL)
        (void) emu_rollback (emu, tx->id, NULL);
      if (!save_or_error (emu, error))
        return FALSE;
      if (tx != NULL)
        kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, msg,
                                     "overlay transaction tx_%u failed", *tx_id);
      else
        kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, msg,
                                     "writing the overlay to overlays/new");
      return FALSE;
    }
  return save_or_error (emu, error);
}

static GPtrArray *
emulated_list_transactions (KerfKernel *kernel, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_kernel_transaction_free);
  for (guint i = 0; i < emu->txs->len; i++)
    g_ptr_array_add (out, tx_to_public (g_ptr_array_index (emu->txs, i)));
  return out;
}

static KerfKernelTransaction *
emulated_get_transaction (KerfKernel *kernel, guint tx_id, GError **error)
{
  EmuTx *tx = emu_find_tx (emu_of (kernel), tx_id);
  if (tx == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND, "no transaction tx_%u", tx_id);
      return NULL;
    }
  return tx_to_public (tx);
}

static gboolean
emulated_rollback (KerfKernel *kernel, guint tx_id, char ***warnings, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func (g_free);
  int err = emu_rollback (emu, tx_id, w);

  if (err != 0)
    {
      kerf_kernel_set_errno_error (error, -err, KERF_KERNEL_OP_POOL, emu->last_message,
                                   "rolling back transaction tx_%u", tx_id);
      return FALSE;
    }
  if (warnings != NULL)
    {
      g_ptr_array_add (w, NULL);
      *warnings = (char **) g_ptr_array_steal (w, NULL);
    }
  return save_or_error (emu, error);
}

static GPtrArray *
emulated_list_instances (KerfKernel *kernel, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_kernel_instance_free);
  for (guint i = 0; i < emu->instances->len; i++)
    {
      const EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      KerfKernelInstance *pub = g_new0 (KerfKernelInstance, 1);
      pub->name = g_strdup (inst->name);
      pub->id = inst->id;
      pub->status = g_strdup (inst->status);
      pub->device_tree = emu_instance_tree (emu, inst);
      g_ptr_array_add (out, pub);
    }
  return out;
}

/* ---- life cycle -------------------------------------------------------- */

static gboolean
syscall_error (KerfEmu *emu, GError **error, int errnum, const char *what, guint id,
               const char *detail)
{
  emu_set_message (emu, "%s", detail);
  kerf_kernel_set_errno_error (error, errnum, KERF_KERNEL_OP_SYSCALL, detail,
                               "%s of instance id %u", what, id);
  return FALSE;
}

static gboolean
lookup (KerfEmu *emu, guint id, const char *what, EmuInstance **out, GError **error)
{
  if (id < KERF_INSTANCE_ID_MIN || id > KERF_INSTANCE_ID_MAX)
    return syscall_error (emu, error, EINVAL, what, id, "instance id outside 1..2047");
  *out = emu_find_instance_by_id (emu, id);
  if (*out == NULL)
    return syscall_error (emu, error, ESRCH, what, id, "no such instance");
  return TRUE;
}

/* Reads the whole image from offset 0 (the fd position is not used, as
 * kexec_file_load does), returning its size, sha256 and the first bytes. */
static gboolean
digest_fd (int fd, guint64 *size, char **sha256, guint8 *head, gsize head_len, gsize *got_head)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 buf[65536];
  off_t off = 0;

  *got_head = 0;
  for (;;)
    {
      ssize_t n = pread (fd, buf, sizeof buf, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      if ((gsize) off < head_len)
        {
          gsize take = MIN (head_len - (gsize) off, (gsize) n);
          memcpy (head + off, buf, take);
          *got_head = (gsize) off + take;
        }
      g_checksum_update (sum, buf, n);
      off += n;
    }
  *size = (guint64) off;
  *sha256 = g_strdup (g_checksum_get_string (sum));
  return TRUE;
}

static const char *
image_format (const guint8 *head, gsize n)
{
  if (n >= 0x206 && memcmp (head + 0x202, "HdrS", 4) == 0)
    return "bzImage";
  if (n >= 4 && memcmp (head, "\x7f" "ELF", 4) == 0)
    return "vmlinux";
  if (n >= 0x3c && memcmp (head + 0x38, "ARM\x64", 4) == 0)
    return "Image";
  return NULL;
}

static gboolean
emulated_load (KerfKernel *kernel, guint id, int kernel_fd, int initrd_fd, const char *cmdline,
               KerfKernelLoadFlags flags, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  EmuInstance *inst;
  guint8 head[0x400];
  gsize got = 0;
  guint64 size = 0, initrd_size = 0;
  g_autofree char *sha = NULL, *initrd_sha = NULL;
  const char *format;

  if (!lookup (emu, id, "load", &inst, error))
    return FALSE;
  if (g_strcmp0 (inst->status, "ready") != 0)
    return syscall_error (emu, error,
                          g_strcmp0 (inst->status, "empty") == 0 ? EINVAL : EBUSY,
                          "load", id, "an image is already loaded (or the instance is busy)");
  if (kernel_fd < 0 || !digest_fd (kernel_fd, &size, &sha, head, sizeof head, &got))
    return syscall_error (emu, error, EBADF, "load", id, "cannot read the kernel image");
  format = image_format (head, got);
  if (format == NULL)
    return syscall_error (emu, error, EINVAL, "load", id,
                          "not a bzImage, ELF vmlinux or arm64 Image");
  if (initrd_fd >= 0)
    {
      guint8 ihead[4];
      gsize igot;
      if (!digest_fd (initrd_fd, &initrd_size, &initrd_sha, ihead, sizeof ihead, &igot))
        return syscall_error (emu, error, EBADF, "load", id, "cannot read the initrd");
    }
  g_free (inst->status);
  inst->status = g_strdup ("loaded");
  inst->kernel_size = size;
  g_free (inst->kernel_sha256);
  inst->kernel_sha256 = g_steal_pointer (&sha);
  g_free (inst->kernel_format);
  inst->kernel_format = g_strdup (format);
  inst->initrd_size = initrd_fd >= 0 ? MAX (initrd_size, 1) : 0;
  g_free (inst->cmdline);
  inst->cmdline = g_strdup (cmdline != NULL && *cmdline != '\0' ? cmdline : NULL);
  inst->debug = (flags & KERF_KERNEL_LOAD_DEBUG) != 0;
  return save_or_error (emu, error);
}

static void
set_status (EmuInstance *inst, const char *status)
{
  g_free (inst->status);
  inst->status = g_strdup (status);
}

static gboolean
emulated_unload (KerfKernel *kernel, guint id, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  EmuInstance *inst;

  if (!lookup (emu, id, "unload", &inst, error))
    return FALSE;
  if (g_strcmp0 (inst->status, "active") == 0)
    return syscall_error (emu, error, EBUSY, "unload", id, "the instance is running");
  if (g_strcmp0 (inst->status, "loaded") != 0)
    return syscall_error (emu, error, ESRCH, "unload", id, "no image is loaded");
  set_status (inst, "ready");
  g_clear_pointer (&inst->kernel_sha256, g_free);
  g_clear_pointer (&inst->kernel_format, g_free);
  g_clear_pointer (&inst->cmdline, g_free);
  inst->kernel_size = inst->initrd_size = 0;
  inst->debug = FALSE;
  return save_or_error (emu, error);
}

static gboolean
emulated_exec (KerfKernel *kernel, guint id, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  EmuInstance *inst;

  if (!lookup (emu, id, "exec", &inst, error))
    return FALSE;
  if (g_strcmp0 (inst->status, "active") == 0)
    return syscall_error (emu, error, EBUSY, "exec", id, "the instance is already running");
  if (g_strcmp0 (inst->status, "loaded") != 0)
    return syscall_error (emu, error, ESRCH, "exec", id, "no image is loaded");
  set_status (inst, "active");
  return save_or_error (emu, error);
}

static gboolean
emulated_kill (KerfKernel *kernel, guint id, KerfKernelKillMode mode, GError **error)
{
  KerfEmu *emu = emu_of (kernel);
  EmuInstance *inst;
  gboolean ok_state;

  if (!lookup (emu, id, "kill", &inst, error))
    return FALSE;
  ok_state = g_strcmp0 (inst->status, "active") == 0
             || (mode == KERF_KERNEL_KILL_FORCE && g_strcmp0 (inst->status, "loaded") == 0);
  if (!ok_state)
    return syscall_error (emu, error, ESRCH, "kill", id, "the instance is not running");
  /* A halted instance keeps its image: exec can boot it again. */
  set_status (inst, "loaded");
  return save_or_error (emu, error);
}

static void
emulated_free (KerfKernel *kernel)
{
  KerfEmu *emu = emu_of (kernel);
  g_free (emu->dir);
  kerf_emu_machine_free (emu->machine);
  g_array_unref (emu->pool_cpus);
  g_array_unref (emu->chunks);
  g_ptr_array_unref (emu->pci);
  g_ptr_array_unref (emu->platform);
  g_ptr_array_unref (emu->instances);
  g_ptr_array_unref (emu->txs);
  g_ptr_array_unref (emu->faults);
  g_hash_table_unref (emu->mirrored_tx);
  g_hash_table_unref (emu->mirrored_inst);
  g_free (emu->last_message);
  g_free (emu);
}

static const KerfKernelClass emulated_class = {
  .name = "emulated",
  .write_baseline = emulated_write_baseline,
  .read_pool_tree = emulated_read_pool_tree,
  .write_overlay = emulated_write_overlay,
  .list_transactions = emulated_list_transactions,
  .get_transaction = emulated_get_transaction,
  .rollback = emulated_rollback,
  .list_instances = emulated_list_instances,
  .load = emulated_load,
  .unload = emulated_unload,
  .exec = emulated_exec,
  .kill = emulated_kill,
  .free = emulated_free,
};

static void
faults_from_env (KerfEmu *emu)
{
  const char *env = g_getenv ("KERF_EMULATED_FAULT");

  if (env != NULL)
    emu_test_faults_arm (emu, env, "KERF_EMULATED_FAULT");
}

KerfKernel *
kerf_kernel_emulated_new (const char *state_dir, const KerfEmuMachine *machine, GError **error)
{
  KerfEmu *emu;

  g_return_val_if_fail (state_dir != NULL, NULL);
  emu = g_new0 (KerfEmu, 1);
  emu->parent.klass = &emulated_class;
  emu->dir = g_strdup (state_dir);
  emu->machine = machine != NULL ? kerf_emu_machine_copy (machine) : kerf_emu_machine_new_default ();
  emu->pool_cpus = g_array_new (FALSE, FALSE, sizeof (guint64));
  emu->chunks = g_array_new (FALSE, FALSE, sizeof (EmuRange));
  emu->pci = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_pci_dev_free);
  emu->platform = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_plat_dev_free);
  emu->instances = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_instance_free);
  emu->txs = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_tx_free);
  emu->faults = g_ptr_array_new ();
  emu->mirrored_tx = g_hash_table_new (g_direct_hash, g_direct_equal);
  emu->mirrored_inst = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  emu->next_tx = 1;
  faults_from_env (emu);
  if (!emu_state_load (emu, error) || !emu_state_save (emu, error))
    {
      emulated_free (&emu->parent);
      return NULL;
    }
  return &emu->parent;
}
