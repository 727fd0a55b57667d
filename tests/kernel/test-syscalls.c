/* The syscall table: flag computations and the arguments that reach the
 * (recording) table.  The real table is never called: KERF_FORBID_REAL_SYSCALLS
 * makes it abort, and main() sets it before anything else. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "kerf-syscalls.h"
#include "kerf-kernel-sysfs.h"

typedef struct {
  guint         n_kexec, n_reboot;
  int           kernel_fd, initrd_fd;
  unsigned long cmdline_len, flags;
  char          cmdline[256];
  gboolean      cmdline_null;
  unsigned long magic1, magic2, cmd;
  int           mk_id;
  int           fail_errno;
} Recorder;

static Recorder rec;

static long
rec_kexec (int kfd, int ifd, unsigned long len, const char *cmdline, unsigned long flags)
{
  rec.n_kexec++;
  rec.kernel_fd = kfd;
  rec.initrd_fd = ifd;
  rec.cmdline_len = len;
  rec.cmdline_null = cmdline == NULL;
  if (cmdline != NULL)
    g_strlcpy (rec.cmdline, cmdline, sizeof rec.cmdline);
  rec.flags = flags;
  if (rec.fail_errno)
    {
      errno = rec.fail_errno;
      return -1;
    }
  return 0;
}

static long
rec_reboot (unsigned long m1, unsigned long m2, unsigned long cmd, void *arg)
{
  rec.n_reboot++;
  rec.magic1 = m1;
  rec.magic2 = m2;
  rec.cmd = cmd;
  rec.mk_id = ((KerfRebootMkArgs *) arg)->mk_id;
  if (rec.fail_errno)
    {
      errno = rec.fail_errno;
      return -1;
    }
  return 0;
}

static const KerfSyscalls recorder = { rec_kexec, rec_reboot };

static void
setup (void)
{
  memset (&rec, 0, sizeof rec);
  kerf_syscalls_set (&recorder);
}

static void
test_flags (void)
{
  unsigned long f = 0;

  g_assert_true (kerf_kexec_flags_load (1, FALSE, FALSE, &f));
  g_assert_cmphex (f, ==, 0x34);
  g_assert_true (kerf_kexec_flags_load (1, TRUE, FALSE, &f));
  g_assert_cmphex (f, ==, 0x30);
  g_assert_true (kerf_kexec_flags_load (2, FALSE, FALSE, &f));
  g_assert_cmphex (f, ==, 0x54);
  g_assert_true (kerf_kexec_flags_load (511, FALSE, FALSE, &f));
  g_assert_cmphex (f, ==, 0x3ff4);
  g_assert_true (kerf_kexec_flags_load (1, TRUE, TRUE, &f));
  g_assert_cmphex (f, ==, 0x38);
  g_assert_true (kerf_kexec_flags_load (2047, TRUE, FALSE, &f));
  g_assert_cmphex (f, ==, 0xFFF0);
  g_assert_false (kerf_kexec_flags_load (0, TRUE, FALSE, &f));
  g_assert_false (kerf_kexec_flags_load (2048, TRUE, FALSE, &f));
  g_assert_true (kerf_kexec_flags_unload (1, &f));
  g_assert_cmphex (f, ==, 0x31);
  g_assert_false (kerf_kexec_flags_unload (0, &f));
  g_assert_false (kerf_kexec_flags_unload (2048, &f));
  g_assert_cmphex (kerf_reboot_cmd (KERF_REBOOT_EXEC), ==, 0x4D4B4C49);
  g_assert_cmphex (kerf_reboot_cmd (KERF_REBOOT_HALT), ==, 0x4D4B4C48);
  g_assert_cmphex (kerf_reboot_cmd (KERF_REBOOT_HALT_FORCE), ==, 0x4D4B4C46);
}

static void
test_load_args (void)
{
  setup ();
  g_assert_cmpint (kerf_syscall_kexec_load (1, 7, -1, NULL, FALSE), ==, 0);
  g_assert_cmpuint (rec.n_kexec, ==, 1);
  g_assert_cmpint (rec.kernel_fd, ==, 7);
  g_assert_cmpint (rec.initrd_fd, ==, -1);
  g_assert_cmpuint (rec.cmdline_len, ==, 0);
  g_assert_true (rec.cmdline_null);
  g_assert_cmphex (rec.flags, ==, 0x34);

  g_assert_cmpint (kerf_syscall_kexec_load (1, 7, 8, "root=/dev/sda1 ro", FALSE), ==, 0);
  g_assert_cmpint (rec.initrd_fd, ==, 8);
  g_assert_cmpuint (rec.cmdline_len, ==, strlen ("root=/dev/sda1 ro") + 1);
  g_assert_cmpstr (rec.cmdline, ==, "root=/dev/sda1 ro");
  g_assert_cmphex (rec.flags, ==, 0x30);

  g_assert_cmpint (kerf_syscall_kexec_load (2, 7, -1, "", TRUE), ==, 0);
  g_assert_true (rec.cmdline_null);
  g_assert_cmphex (rec.flags, ==, 0x5c);

  g_assert_cmpint (kerf_syscall_kexec_load (2047, 7, -1, NULL, FALSE), ==, 0);
  g_assert_cmphex (rec.flags, ==, 0xFFF4);

  /* Refused ids never reach the table. */
  g_assert_cmpint (kerf_syscall_kexec_load (0, 7, -1, NULL, FALSE), ==, -EINVAL);
  g_assert_cmpint (kerf_syscall_kexec_load (2048, 7, -1, NULL, FALSE), ==, -EINVAL);
  g_assert_cmpuint (rec.n_kexec, ==, 4);

  g_assert_cmpint (kerf_syscall_kexec_unload (1), ==, 0);
  g_assert_cmpint (rec.kernel_fd, ==, -1);
  g_assert_cmpint (rec.initrd_fd, ==, -1);
  g_assert_cmpuint (rec.cmdline_len, ==, 0);
  g_assert_true (rec.cmdline_null);
  g_assert_cmphex (rec.flags, ==, 0x31);
  g_assert_cmpint (kerf_syscall_kexec_unload (2048), ==, -EINVAL);
  g_assert_cmpuint (rec.n_kexec, ==, 5);
}

static void
test_reboot_args (void)
{
  setup ();
  g_assert_cmpint (kerf_syscall_reboot (3, KERF_REBOOT_EXEC), ==, 0);
  g_assert_cmphex (rec.magic1, ==, 0xfee1dead);
  g_assert_cmphex (rec.magic2, ==, 0x28121969);
  g_assert_cmphex (rec.cmd, ==, 0x4D4B4C49);
  g_assert_cmpint (rec.mk_id, ==, 3);
  g_assert_cmpint (kerf_syscall_reboot (4, KERF_REBOOT_HALT), ==, 0);
  g_assert_cmphex (rec.cmd, ==, 0x4D4B4C48);
  g_assert_cmpint (rec.mk_id, ==, 4);
  g_assert_cmpint (kerf_syscall_reboot (5, KERF_REBOOT_HALT_FORCE), ==, 0);
  g_assert_cmphex (rec.cmd, ==, 0x4D4B4C46);
  g_assert_cmpint (kerf_syscall_reboot (0, KERF_REBOOT_EXEC), ==, -EINVAL);
  g_assert_cmpuint (rec.n_reboot, ==, 3);
}

/* The sysfs backend's lifecycle calls go through the table and map errno. */
static void
test_sysfs_lifecycle_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kerf-sysfs-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfKernel) k = kerf_kernel_sysfs_new (dir, &error);

  g_assert_no_error (error);
  setup ();
  g_assert_true (kerf_kernel_load (k, 1, 9, -1, "quiet", KERF_KERNEL_LOAD_DEBUG, &error));
  g_assert_no_error (error);
  g_assert_cmphex (rec.flags, ==, 0x3c);
  g_assert_cmpstr (rec.cmdline, ==, "quiet");

  rec.fail_errno = EBUSY;
  g_assert_false (kerf_kernel_load (k, 1, 9, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EBUSY);
  g_assert_nonnull (strstr (error->message, "EBUSY"));
  g_clear_error (&error);

  rec.fail_errno = ESRCH;
  g_assert_false (kerf_kernel_exec (k, 2, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_assert_cmphex (rec.cmd, ==, 0x4D4B4C49);
  g_clear_error (&error);

  rec.fail_errno = EPERM;
  g_assert_false (kerf_kernel_kill (k, 2, KERF_KERNEL_KILL_FORCE, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EPERM);
  g_assert_cmphex (rec.cmd, ==, 0x4D4B4C46);
  g_clear_error (&error);

  rec.fail_errno = EINVAL;
  g_assert_false (kerf_kernel_unload (k, 2, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmphex (rec.flags, ==, 0x51);
  g_rmdir (dir);
}

/* The guard every real entry runs first: with the variable set it aborts.
 * Checked on the guard itself, in a subprocess: no test calls a real entry. */
static void
test_guard_aborts (void)
{
  if (g_test_subprocess ())
    {
      g_assert_cmpstr (g_getenv ("KERF_FORBID_REAL_SYSCALLS"), ==, "1");
      kerf_syscalls_guard ("reboot");
      g_assert_not_reached ();
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*real reboot called with KERF_FORBID_REAL_SYSCALLS*");
}

/* ...and lets the call through when the variable is unset or "0". */
static void
test_guard_allows (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("KERF_FORBID_REAL_SYSCALLS", "0", TRUE);
      kerf_syscalls_guard ("reboot");
      g_unsetenv ("KERF_FORBID_REAL_SYSCALLS");
      kerf_syscalls_guard ("reboot");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kernel/syscalls/flags", test_flags);
  g_test_add_func ("/kernel/syscalls/load-args", test_load_args);
  g_test_add_func ("/kernel/syscalls/reboot-args", test_reboot_args);
  g_test_add_func ("/kernel/syscalls/sysfs-lifecycle-errors", test_sysfs_lifecycle_errors);
  g_test_add_func ("/kernel/syscalls/guard-aborts", test_guard_aborts);
  g_test_add_func ("/kernel/syscalls/guard-allows", test_guard_allows);
  return g_test_run ();
}
