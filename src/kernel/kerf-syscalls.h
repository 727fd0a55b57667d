/* kerf-syscalls.h — the two system calls that can take a machine down.
 *
 * kexec_file_load, to load / unload a multikernel image, and reboot, to boot /
 * halt an instance, are reached ONLY through the function-pointer table
 * below, so that the emulated backend and every test can replace them.
 * kerf-syscalls.c is the only file that names the real calls.
 *
 * Safety net: when the environment has KERF_FORBID_REAL_SYSCALLS=1 (every
 * test sets it) the real implementations abort() instead of calling the
 * kernel.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* kernel-abi.md "Syscalls" */
#define KERF_KEXEC_FILE_UNLOAD        0x00000001UL
#define KERF_KEXEC_FILE_NO_INITRAMFS  0x00000004UL
#define KERF_KEXEC_FILE_DEBUG         0x00000008UL
#define KERF_KEXEC_MULTIKERNEL        0x00000010UL
#define KERF_KEXEC_MK_ID_MASK         0x0000FFE0UL
#define KERF_KEXEC_MK_ID_SHIFT        5

#define KERF_REBOOT_MAGIC1            0xfee1deadUL
#define KERF_REBOOT_MAGIC2            0x28121969UL
#define KERF_REBOOT_CMD_MK_EXEC       0x4D4B4C49UL   /* "MKLI" */
#define KERF_REBOOT_CMD_MK_HALT       0x4D4B4C48UL   /* "MKLH" */
#define KERF_REBOOT_CMD_MK_HALT_FORCE 0x4D4B4C46UL   /* "MKLF" */

/* Instance ids fit the 11-bit field of the kexec flags. */
#define KERF_INSTANCE_ID_MIN 1
#define KERF_INSTANCE_ID_MAX 2047

/* The argument block of the multikernel reboot commands. */
typedef struct {
  int mk_id;
} KerfRebootMkArgs;

/* Each returns what syscall(2) returns: 0 (or >= 0) on success, -1 with
 * errno set on failure. */
typedef struct {
  long (*kexec_file_load) (int           kernel_fd,
                           int           initrd_fd,
                           unsigned long cmdline_len,
                           const char   *cmdline,
                           unsigned long flags);
  long (*reboot) (unsigned long magic1,
                  unsigned long magic2,
                  unsigned long cmd,
                  void         *arg);
} KerfSyscalls;

/* The table in use (the real one unless replaced). */
const KerfSyscalls *kerf_syscalls_get (void);
/* Replaces the table; NULL restores the real one.  Returns the previous
 * table.  The pointer must stay valid while installed. */
const KerfSyscalls *kerf_syscalls_set (const KerfSyscalls *table);
/* The table calling the real kernel (for comparisons in tests only). */
const KerfSyscalls *kerf_syscalls_real (void);
/* What the real entries run first: aborts, naming `what`, when
 * KERF_FORBID_REAL_SYSCALLS is set (non-empty, not "0").  Tests check the
 * guard through this function and never through the real entries. */
void kerf_syscalls_guard (const char *what);

/* Flag computations (pure).  FALSE when `id` is outside 1..2047. */
gboolean kerf_kexec_flags_load (guint          id,
                                gboolean       has_initrd,
                                gboolean       debug,
                                unsigned long *flags_out);
gboolean kerf_kexec_flags_unload (guint id, unsigned long *flags_out);

/* Reboot command for exec / halt / force halt. */
typedef enum {
  KERF_REBOOT_EXEC,
  KERF_REBOOT_HALT,
  KERF_REBOOT_HALT_FORCE,
} KerfRebootOp;

unsigned long kerf_reboot_cmd (KerfRebootOp op);

/* Convenience wrappers going through the current table.  They compute the
 * flags / command; they return -errno (0 on success) and never touch
 * errno-less failures. */
int kerf_syscall_kexec_load (guint       id,
                             int         kernel_fd,
                             int         initrd_fd,
                             const char *cmdline,
                             gboolean    debug);
int kerf_syscall_kexec_unload (guint id);
int kerf_syscall_reboot (guint id, KerfRebootOp op);

G_END_DECLS
