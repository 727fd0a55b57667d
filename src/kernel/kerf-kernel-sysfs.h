/* kerf-kernel-sysfs.h — the real multikernel kernel: /sys/fs/multikernel and
 * the two syscalls (through kerf-syscalls.h). */
#pragma once

#include "kerf-kernel.h"

G_BEGIN_DECLS

#define KERF_SYSFS_DEFAULT_ROOT "/sys/fs/multikernel"

/* `root` NULL = KERF_SYSFS_DEFAULT_ROOT, which is mounted (fs type
 * "multikernel") when it is not yet.  Any other root must exist and is
 * used as is (tests point it at a temporary directory). */
KerfKernel *kerf_kernel_sysfs_new (const char *root, GError **error);
const char *kerf_kernel_sysfs_get_root (KerfKernel *kernel);

/* The two kernfs operations that have side effects in the kernel.  Each
 * returns 0 or -errno.  The default writes with one write() at offset 0 and
 * calls rmdir(2); a test replaces them with a double that plays the kernel
 * side (for example the emulated kernel on the same directory). */
typedef struct {
  int (*write_file) (gpointer user_data, const char *path, const guint8 *data, gsize len);
  int (*rmdir) (gpointer user_data, const char *path);
} KerfSysfsOps;

/* `ops` NULL restores the defaults; `ops` must outlive its use. */
void kerf_kernel_sysfs_set_ops (KerfKernel *kernel, const KerfSysfsOps *ops, gpointer user_data);

G_END_DECLS
