/* kerf-kernel.c — dispatch to the backend and the errno-to-GError mapping. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kerf-kernel.h"

const char *
kerf_kernel_get_backend_name (KerfKernel *kernel)
{
  g_return_val_if_fail (kernel != NULL, NULL);
  return kernel->klass->name;
}

gboolean
kerf_kernel_write_baseline (KerfKernel *kernel, GBytes *dtb, GError **error)
{
  g_return_val_if_fail (kernel != NULL && dtb != NULL, FALSE);
  return kernel->klass->write_baseline (kernel, dtb, error);
}

GBytes *
kerf_kernel_read_pool_tree (KerfKernel *kernel, GError **error)
{
  g_return_val_if_fail (kernel != NULL, NULL);
  return kernel->klass->read_pool_tree (kernel, error);
}

gboolean
kerf_kernel_write_overlay (KerfKernel *kernel, GBytes *dtbo, guint *tx_id, char **status,
                           GError **error)
{
  guint id = 0;
  char *st = NULL;
  gboolean ok;

  g_return_val_if_fail (kernel != NULL && dtbo != NULL, FALSE);
  ok = kernel->klass->write_overlay (kernel, dtbo, &id, &st, error);
  if (tx_id != NULL)
    *tx_id = id;
  if (status != NULL)
    *status = st;
  else
    g_free (st);
  return ok;
}

GPtrArray *
kerf_kernel_list_transactions (KerfKernel *kernel, GError **error)
{
  g_return_val_if_fail (kernel != NULL, NULL);
  return kernel->klass->list_transactions (kernel, error);
}

KerfKernelTransaction *
kerf_kernel_get_transaction (KerfKernel *kernel, guint tx_id, GError **error)
{
  g_return_val_if_fail (kernel != NULL, NULL);
  return kernel->klass->get_transaction (kernel, tx_id, error);
}

gboolean
kerf_kernel_rollback (KerfKernel *kernel, guint tx_id, char ***warnings, GError **error)
{
  g_return_val_if_fail (kernel != NULL, FALSE);
  if (warnings != NULL)
    *warnings = NULL;
  return kernel->klass->rollback (kernel, tx_id, warnings, error);
}

GPtrArray *
kerf_kernel_list_instances (KerfKernel *kernel, GError **error)
{
  g_return_val_if_fail (kernel != NULL, NULL);
  return kernel->klass->list_instances (kernel, error);
}

gboolean
kerf_kernel_load (KerfKernel *kernel, guint id, int kernel_fd, int initrd_fd,
                  const char *cmdline, KerfKernelLoadFlags flags, GError **error)
{
  g_return_val_if_fail (kernel != NULL, FALSE);
  return kernel->klass->load (kernel, id, kernel_fd, initrd_fd, cmdline, flags, error);
}

gboolean
kerf_kernel_unload (KerfKernel *kernel, guint id, GError **error)
{
  g_return_val_if_fail (kernel != NULL, FALSE);
  return kernel->klass->unload (kernel, id, error);
}

gboolean
kerf_kernel_exec (KerfKernel *kernel, guint id, GError **error)
{
  g_return_val_if_fail (kernel != NULL, FALSE);
  return kernel->klass->exec (kernel, id, error);
}

gboolean
kerf_kernel_kill (KerfKernel *kernel, guint id, KerfKernelKillMode mode, GError **error)
{
  g_return_val_if_fail (kernel != NULL, FALSE);
  return kernel->klass->kill (kernel, id, mode, error);
}

void
kerf_kernel_free (KerfKernel *kernel)
{
  if (kernel != NULL)
    kernel->klass->free (kernel);
}

void
kerf_kernel_transaction_free (KerfKernelTransaction *tx)
{
  if (tx == NULL)
    return;
  g_free (tx->status);
  g_free (tx->instance);
  g_free (tx->resources);
  g_clear_pointer (&tx->dtbo, g_bytes_unref);
  g_free (tx);
}

void
kerf_kernel_instance_free (KerfKernelInstance *inst)
{
  if (inst == NULL)
    return;
  g_free (inst->name);
  g_free (inst->status);
  g_clear_pointer (&inst->device_tree, g_bytes_unref);
  g_free (inst);
}

/* ---- errors --------------------------------------------------------- */

KerfErrorCode
kerf_kernel_error_code_for_errno (int errnum, KerfKernelOp op)
{
  switch (errnum)
    {
    case EBUSY:  return KERF_ERROR_BUSY;
    case ENOENT:
    case ESRCH:  return KERF_ERROR_NOT_FOUND;
    case EINVAL: return KERF_ERROR_INVALID_ARGUMENT;
    case EEXIST: return KERF_ERROR_EXISTS;
    case EPERM:
      /* The multikernel fs answers EPERM to pool changes before a baseline
       * exists; the syscalls answer it to a caller without CAP_SYS_BOOT. */
      return op == KERF_KERNEL_OP_POOL ? KERF_ERROR_NOT_INITIALIZED : KERF_ERROR_KERNEL_ERROR;
    default:     return KERF_ERROR_KERNEL_ERROR;
    }
}

const char *
kerf_kernel_errno_name (int errnum)
{
  const char *name = strerrorname_np (errnum);
  return name != NULL ? name : "E?";
}

void
kerf_kernel_set_errno_error (GError **error, int errnum, KerfKernelOp op, const char *detail,
                             const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  if (errnum < 0)
    errnum = -errnum;
  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, KERF_ERROR, kerf_kernel_error_code_for_errno (errnum, op),
               "%s: %s (%s, errno %d)%s%s", what, g_strerror (errnum),
               kerf_kernel_errno_name (errnum), errnum,
               detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

int
kerf_kernel_error_get_errno (const GError *error)
{
  const char *p;

  if (error == NULL || error->domain != KERF_ERROR)
    return 0;
  /* The first "errno N)" of the message is the one this layer wrote;
   * the detail after it is free text. */
  p = strstr (error->message, ", errno ");
  while (p != NULL)
    {
      char *end = NULL;
      long v = strtol (p + 8, &end, 10);
      if (end != p + 8 && *end == ')' && v > 0 && v < 4096)
        return (int) v;
      p = strstr (p + 1, ", errno ");
    }
  return 0;
}
