/* kerf-kernel.h — the kernel boundary: one small interface, two backends.
 *
 * Everything above this line (validator, overlay generator, daemon) talks to
 * "the kernel" only through KerfKernel: bytes of DTB/DTBO in, statuses and
 * trees out, plus the load/exec/kill/unload calls.  Backends:
 *
 *   sysfs     the real multikernel kernel (/sys/fs/multikernel + syscalls),
 *             kerf-kernel-sysfs.h
 *   emulated  a model of that kernel keeping its state in a directory,
 *             kerf-kernel-emulated.h
 *
 * Errors are KERF_ERROR codes chosen from the kernel's errno:
 *   EBUSY -> KERF_ERROR_BUSY, ENOENT/ESRCH -> KERF_ERROR_NOT_FOUND,
 *   EINVAL -> KERF_ERROR_INVALID_ARGUMENT, EEXIST -> KERF_ERROR_EXISTS,
 *   EPERM on a pool / overlay write -> KERF_ERROR_NOT_INITIALIZED (no
 *   baseline), anything else -> KERF_ERROR_KERNEL_ERROR.
 * The errno itself stays available: the message ends in "(ENAME, errno N)"
 * and kerf_kernel_error_get_errno() extracts it.
 */
#pragma once

#include <glib.h>
#include "kerf-error.h"

G_BEGIN_DECLS

typedef struct _KerfKernel KerfKernel;

/* One overlay transaction (overlays/tx_N). */
typedef struct {
  guint   id;
  char   *status;     /* pending | applied | failed | removed */
  char   *instance;   /* target-path of the first fragment */
  char   *resources;  /* mk,resources of the overlay root, or "unknown" */
  GBytes *dtbo;       /* the blob as written (may be NULL when unreadable) */
} KerfKernelTransaction;

/* One instance (instances/<name>). */
typedef struct {
  char   *name;
  guint   id;
  char   *status;       /* empty | ready | loading | loaded | active | failed */
  GBytes *device_tree;  /* instance tree DTB (may be NULL when empty) */
} KerfKernelInstance;

typedef enum {
  KERF_KERNEL_LOAD_NONE  = 0,
  KERF_KERNEL_LOAD_DEBUG = 1 << 0,   /* KEXEC_FILE_DEBUG */
} KerfKernelLoadFlags;

typedef enum {
  KERF_KERNEL_KILL_HALT,
  KERF_KERNEL_KILL_FORCE,
} KerfKernelKillMode;

/* The vfuncs a backend provides.  All return FALSE / NULL with `error` set
 * on failure. */
typedef struct {
  const char *name;   /* "sysfs", "emulated" */

  gboolean   (*write_baseline)    (KerfKernel *kernel, GBytes *dtb, GError **error);
  GBytes    *(*read_pool_tree)    (KerfKernel *kernel, GError **error);
  /* One DTBO = one transaction.  On success `*tx_id` / `*status` name the
   * transaction.  On failure the backend reports the errno and removes the
   * failed tx_N it left (so no failed transaction stays behind); `*tx_id`
   * is still set (0 when no transaction was created). */
  gboolean   (*write_overlay)     (KerfKernel *kernel, GBytes *dtbo, guint *tx_id,
                                   char **status, GError **error);
  GPtrArray *(*list_transactions) (KerfKernel *kernel, GError **error);
  KerfKernelTransaction *(*get_transaction) (KerfKernel *kernel, guint tx_id, GError **error);
  /* rmdir tx_N.  `warnings` (may be NULL) receives a strv of non-undoable
   * steps the kernel reported (emulated only; sysfs cannot see them). */
  gboolean   (*rollback)          (KerfKernel *kernel, guint tx_id, char ***warnings,
                                   GError **error);
  GPtrArray *(*list_instances)    (KerfKernel *kernel, GError **error);
  gboolean   (*load)              (KerfKernel *kernel, guint id, int kernel_fd, int initrd_fd,
                                   const char *cmdline, KerfKernelLoadFlags flags,
                                   GError **error);
  gboolean   (*unload)            (KerfKernel *kernel, guint id, GError **error);
  gboolean   (*exec)              (KerfKernel *kernel, guint id, GError **error);
  gboolean   (*kill)              (KerfKernel *kernel, guint id, KerfKernelKillMode mode,
                                   GError **error);
  void       (*free)              (KerfKernel *kernel);
} KerfKernelClass;

/* Every backend's struct starts with this. */
struct _KerfKernel {
  const KerfKernelClass *klass;
};

const char *kerf_kernel_get_backend_name (KerfKernel *kernel);

gboolean   kerf_kernel_write_baseline (KerfKernel *kernel, GBytes *dtb, GError **error);
GBytes    *kerf_kernel_read_pool_tree (KerfKernel *kernel, GError **error);
gboolean   kerf_kernel_write_overlay (KerfKernel *kernel, GBytes *dtbo, guint *tx_id,
                                      char **status, GError **error);
/* KerfKernelTransaction *, ascending id */
GPtrArray *kerf_kernel_list_transactions (KerfKernel *kernel, GError **error);
KerfKernelTransaction *kerf_kernel_get_transaction (KerfKernel *kernel, guint tx_id,
                                                    GError **error);
gboolean   kerf_kernel_rollback (KerfKernel *kernel, guint tx_id, char ***warnings,
                                 GError **error);
/* KerfKernelInstance *, sorted by name */
GPtrArray *kerf_kernel_list_instances (KerfKernel *kernel, GError **error);
/* `initrd_fd` -1 for none; `cmdline` NULL or "" for none. */
gboolean   kerf_kernel_load (KerfKernel *kernel, guint id, int kernel_fd, int initrd_fd,
                             const char *cmdline, KerfKernelLoadFlags flags, GError **error);
gboolean   kerf_kernel_unload (KerfKernel *kernel, guint id, GError **error);
gboolean   kerf_kernel_exec (KerfKernel *kernel, guint id, GError **error);
gboolean   kerf_kernel_kill (KerfKernel *kernel, guint id, KerfKernelKillMode mode,
                             GError **error);
void       kerf_kernel_free (KerfKernel *kernel);

void kerf_kernel_transaction_free (KerfKernelTransaction *tx);
void kerf_kernel_instance_free (KerfKernelInstance *inst);

/* ---- errors --------------------------------------------------------- */

/* Which call the errno came from: the mapping of EPERM differs (no
 * baseline for pool writes, missing privilege for the syscalls). */
typedef enum {
  KERF_KERNEL_OP_POOL,     /* device_tree / overlays writes, rmdir */
  KERF_KERNEL_OP_SYSCALL,  /* kexec_file_load / reboot */
  KERF_KERNEL_OP_FILE,     /* reading the kernel's files */
} KerfKernelOp;

/* The KERF_ERROR code for a (positive) errno. */
KerfErrorCode kerf_kernel_error_code_for_errno (int errnum, KerfKernelOp op);
/* Sets `error`: "<what>: <strerror> (<ENAME>, errno <N>)[: <detail>]". */
void kerf_kernel_set_errno_error (GError     **error,
                                  int          errnum,
                                  KerfKernelOp op,
                                  const char  *detail,
                                  const char  *format,
                                  ...) G_GNUC_PRINTF (5, 6);
/* The errno recorded in a kernel error, 0 when it carries none. */
int kerf_kernel_error_get_errno (const GError *error);
/* "EBUSY" etc., "E?" for unknown numbers. */
const char *kerf_kernel_errno_name (int errnum);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfKernel, kerf_kernel_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfKernelTransaction, kerf_kernel_transaction_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfKernelInstance, kerf_kernel_instance_free)

G_END_DECLS
