/* kerf-syscalls.c — the only place that names reboot and kexec_file_load.
 * See kerf-syscalls.h for why they sit behind a table. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "kerf-syscalls.h"

void
kerf_syscalls_guard (const char *what)
{
  const char *v = g_getenv ("KERF_FORBID_REAL_SYSCALLS");

  if (v != NULL && *v != '\0' && g_strcmp0 (v, "0") != 0)
    {
      /* A test reached a real call: stop before the machine does. */
      g_printerr ("kerf: real %s called with KERF_FORBID_REAL_SYSCALLS set\n", what);
      abort ();
    }
}

static long
real_kexec_file_load (int           kernel_fd,
                      int           initrd_fd,
                      unsigned long cmdline_len,
                      const char   *cmdline,
                      unsigned long flags)
{
  kerf_syscalls_guard ("kexec_file_load");
#ifdef SYS_kexec_file_load
  return syscall (SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
#else
  errno = EOPNOTSUPP;
  return -1;
#endif
}

static long
real_reboot (unsigned long magic1,
             unsigned long magic2,
             unsigned long cmd,
             void         *arg)
{
  kerf_syscalls_guard ("reboot");
  return syscall (SYS_reboot, magic1, magic2, cmd, arg);
}

static const KerfSyscalls real_table = {
  .kexec_file_load = real_kexec_file_load,
  .reboot = real_reboot,
};

static const KerfSyscalls *current_table = &real_table;

const KerfSyscalls *
kerf_syscalls_get (void)
{
  return current_table;
}

const KerfSyscalls *
kerf_syscalls_set (const KerfSyscalls *table)
{
  const KerfSyscalls *old = current_table;
  current_table = table != NULL ? table : &real_table;
  return old;
}

const KerfSyscalls *
kerf_syscalls_real (void)
{
  return &real_table;
}

static gboolean
id_is_valid (guint id)
{
  return id >= KERF_INSTANCE_ID_MIN && id <= KERF_INSTANCE_ID_MAX;
}

gboolean
kerf_kexec_flags_load (guint id, gboolean has_initrd, gboolean debug, unsigned long *flags_out)
{
  unsigned long flags;

  if (!id_is_valid (id))
    return FALSE;
  flags = KERF_KEXEC_MULTIKERNEL | (((unsigned long) id << KERF_KEXEC_MK_ID_SHIFT) & KERF_KEXEC_MK_ID_MASK);
  if (!has_initrd)
    flags |= KERF_KEXEC_FILE_NO_INITRAMFS;
  if (debug)
    flags |= KERF_KEXEC_FILE_DEBUG;
  *flags_out = flags;
  return TRUE;
}

gboolean
kerf_kexec_flags_unload (guint id, unsigned long *flags_out)
{
  if (!id_is_valid (id))
    return FALSE;
  *flags_out = KERF_KEXEC_FILE_UNLOAD | KERF_KEXEC_MULTIKERNEL
               | (((unsigned long) id << KERF_KEXEC_MK_ID_SHIFT) & KERF_KEXEC_MK_ID_MASK);
  return TRUE;
}

unsigned long
kerf_reboot_cmd (KerfRebootOp op)
{
  switch (op)
    {
    case KERF_REBOOT_EXEC:       return KERF_REBOOT_CMD_MK_EXEC;
    case KERF_REBOOT_HALT:       return KERF_REBOOT_CMD_MK_HALT;
    case KERF_REBOOT_HALT_FORCE: return KERF_REBOOT_CMD_MK_HALT_FORCE;
    default:                     break;
    }
  g_return_val_if_reached (0);
}

static int
result_to_errno (long ret, int saved_errno)
{
  if (ret >= 0)
    return 0;
  /* Some wrappers return -errno with errno 0 (upstream kerf does the same). */
  if (saved_errno != 0)
    return -saved_errno;
  return ret < -4095 ? -EIO : (int) ret;
}

int
kerf_syscall_kexec_load (guint id, int kernel_fd, int initrd_fd, const char *cmdline, gboolean debug)
{
  unsigned long flags, len = 0;
  long ret;

  if (!kerf_kexec_flags_load (id, initrd_fd >= 0, debug, &flags))
    return -EINVAL;
  if (cmdline != NULL && *cmdline != '\0')
    len = strlen (cmdline) + 1;
  else
    cmdline = NULL;
  errno = 0;
  ret = current_table->kexec_file_load (kernel_fd, initrd_fd < 0 ? -1 : initrd_fd, len, cmdline, flags);
  return result_to_errno (ret, errno);
}

int
kerf_syscall_kexec_unload (guint id)
{
  unsigned long flags;
  long ret;

  if (!kerf_kexec_flags_unload (id, &flags))
    return -EINVAL;
  errno = 0;
  ret = current_table->kexec_file_load (-1, -1, 0, NULL, flags);
  return result_to_errno (ret, errno);
}

int
kerf_syscall_reboot (guint id, KerfRebootOp op)
{
  KerfRebootMkArgs args = { 0 };
  long ret;

  if (!id_is_valid (id))
    return -EINVAL;
  args.mk_id = (int) id;
  errno = 0;
  ret = current_table->reboot (KERF_REBOOT_MAGIC1, KERF_REBOOT_MAGIC2, kerf_reboot_cmd (op), &args);
  return result_to_errno (ret, errno);
}
