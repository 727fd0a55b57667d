/* kerfd-engine-image.c — Load and the kernel images it is given.
 *
 * The caller opens the kernel and initrd with its own rights and passes
 * descriptors; kerfd never opens a path for it.  Before anything reaches
 * the kernel, each descriptor must be a readable regular file of a sane
 * size (a directory, a socket, a write-only descriptor or a huge sparse
 * file is refused at once, never read to the end), and the kernel image
 * must look like one (bzImage, ELF vmlinux or arm64 Image, as
 * kexec_file_load takes).  Provenance (size, SHA-256, version) is read
 * with pread, so the caller's file offset stays untouched.
 *
 * The kernel image is copied, while it is hashed, into a sealed memfd, and
 * the kernel reads that copy: the caller still holds its descriptor and
 * could rewrite the file between the hash and the kernel's read, and the
 * recorded SHA-256 must be the hash of what was loaded.  (The initrd is not
 * part of the record, so the kernel reads the caller's descriptor.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kerf-alloc.h"
#include "kerfd-engine-private.h"
#include "kerfd-log.h"

/* A real kernel image is tens of MiB, an initrd rarely above a few
 * hundred; the limits only keep a hostile descriptor from being read
 * for minutes. */
#define KERFD_KERNEL_MAX_BYTES (G_GUINT64_CONSTANT (512) << 20)
#define KERFD_INITRD_MAX_BYTES (G_GUINT64_CONSTANT (4) << 30)

static gboolean
kerfd_image_check_fd (int fd, const char *what, guint64 max_bytes, GError **error)
{
  struct stat st;
  int flags;

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the %s descriptor is not usable: %s", what,
                   g_strerror (fd < 0 ? EBADF : errno));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the %s descriptor is %s, not a regular file", what,
                   S_ISDIR (st.st_mode) ? "a directory" : S_ISSOCK (st.st_mode) ? "a socket"
                   : S_ISFIFO (st.st_mode) ? "a pipe" : S_ISCHR (st.st_mode) ? "a character device"
                   : S_ISBLK (st.st_mode) ? "a block device" : "not a file");
      return FALSE;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY || (flags & O_PATH) == O_PATH)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the %s descriptor is not open for reading", what);
      return FALSE;
    }
  if (st.st_size <= 0 || (guint64) st.st_size > max_bytes)
    {
      g_autofree char *size = kerf_size_format ((guint64) MAX (st.st_size, 0));
      g_autofree char *limit = kerf_size_format (max_bytes);

      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the %s is %s; it must be between 1 byte and %s", what,
                   st.st_size <= 0 ? "empty" : size, limit);
      return FALSE;
    }
  return TRUE;
}

/* What kexec_file_load takes: x86 bzImage ("HdrS" at 0x202), ELF, arm64
 * Image ("ARM\x64" at 0x38). */
static gboolean
kerfd_image_format_known (const guint8 *head, gsize n)
{
  return (n >= 0x206 && memcmp (head + 0x202, "HdrS", 4) == 0) ||
         (n >= 4 && memcmp (head, "\x7f" "ELF", 4) == 0) ||
         (n >= 0x3c && memcmp (head + 0x38, "ARM\x64", 4) == 0);
}

static gboolean
kerfd_image_write_all (int fd, const guint8 *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_IO,
                       "cannot copy the kernel image: %s", g_strerror (n < 0 ? errno : EIO));
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Size, SHA-256 and (for a bzImage) the version string of the image, read
 * from the caller's descriptor with pread (the offset stays untouched),
 * and copied to `copy`, which is sealed when all is well. */
static gboolean
kerfd_image_read (int fd, int copy, guint64 *size, char **sha256, char **version,
                  GError **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 16);
  guint8 head[0x400] = { 0 };
  gsize head_len = 0;
  off_t off = 0;

  for (;;)
    {
      ssize_t n = pread (fd, buf, 1 << 16, off);

      if (n < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot read the kernel image: %s",
                       g_strerror (errsv));
          return FALSE;
        }
      if (n == 0)
        break;
      /* the size was checked, but the file may grow while it is read */
      if ((guint64) off + (guint64) n > KERFD_KERNEL_MAX_BYTES)
        {
          g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                               "the kernel image grew beyond 512 MiB while it was read");
          return FALSE;
        }
      if (!kerfd_image_write_all (copy, buf, (gsize) n, error))
        return FALSE;
      if ((gsize) off < sizeof head)
        {
          gsize take = MIN ((gsize) n, sizeof head - (gsize) off);

          memcpy (head + off, buf, take);
          head_len = (gsize) off + take;
        }
      g_checksum_update (sum, buf, (gsize) n);
      off += n;
    }
  if (!kerfd_image_format_known (head, head_len))
    {
      g_set_error_literal (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "the kernel image is not a kernel: not a bzImage, ELF vmlinux "
                           "or arm64 Image");
      return FALSE;
    }
  if (fcntl (copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot seal the copy of the kernel image: %s",
                   g_strerror (errno));
      return FALSE;
    }
  *size = (guint64) off;
  *sha256 = g_strdup (g_checksum_get_string (sum));
  *version = NULL;
  /* x86 boot protocol: "HdrS" at 0x202, kernel_version pointer at 0x20e
   * (relative to 0x200) pointing at a NUL-terminated string */
  if (head_len >= 0x210 && memcmp (head + 0x202, "HdrS", 4) == 0)
    {
      guint16 ptr = (guint16) (head[0x20e] | head[0x20f] << 8);
      gsize at = (gsize) ptr + 0x200;
      char ver[128];
      ssize_t n = ptr != 0 ? pread (copy, ver, sizeof ver - 1, (off_t) at) : -1;

      if (n > 0)
        {
          ver[n] = '\0';
          ver[strcspn (ver, "\n")] = '\0';
          if (g_utf8_validate (ver, -1, NULL))
            *version = g_strdup (ver);
        }
    }
  return TRUE;
}

/* The sealed copy of the image the kernel is to read (kerfd_image_read);
 * -1 on error. */
static int
kerfd_image_provenance (int fd, guint64 *size, char **sha256, char **version, GError **error)
{
  int copy = memfd_create ("kerf-kernel-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  if (copy < 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO,
                   "cannot make a copy of the kernel image: %s", g_strerror (errno));
      return -1;
    }
  if (!kerfd_image_read (fd, copy, size, sha256, version, error))
    {
      close (copy);
      return -1;
    }
  return copy;
}

gboolean
kerfd_engine_op_load (KerfdEngine *engine, const char *name, int kernel_fd, int initrd_fd,
                      const char *cmdline, const char *kernel_path, const char *initrd_path,
                      gboolean debug, GError **error)
{
  g_autoptr(KerfdSnapshot) s = kerfd_engine_get_snapshot (engine);
  g_autoptr(KerfdInstanceRecord) record = NULL;
  KerfdInstanceInfo *info = kerfd_engine_require_instance (s, name, error);
  int image;
  gboolean loaded;

  if (info == NULL)
    return FALSE;
  if (!kerfd_status_is (info, "ready"))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_STATE,
                   "cannot load a kernel into instance '%s': it is %s (expected: ready)%s",
                   name, info->status,
                   kerfd_status_is (info, "loaded") ? "; unload it first" : "");
      return FALSE;
    }
  if (!kerfd_image_check_fd (kernel_fd, "kernel image", KERFD_KERNEL_MAX_BYTES, error) ||
      (initrd_fd >= 0 &&
       !kerfd_image_check_fd (initrd_fd, "initrd", KERFD_INITRD_MAX_BYTES, error)))
    return FALSE;
  record = kerfd_instance_record_copy (info->record);
  kerfd_instance_record_clear_kernel (record);
  image = kerfd_image_provenance (kernel_fd, &record->kernel_size, &record->kernel_sha256,
                                  &record->kernel_version, error);
  if (image < 0)
    return FALSE;
  record->kernel_path = g_strdup (kernel_path != NULL && *kernel_path != '\0' ? kernel_path
                                                                              : "(descriptor)");
  record->initrd_path = g_strdup (initrd_path);
  record->cmdline = g_strdup (cmdline);

  loaded = kerf_kernel_load (engine->kernel, info->id, image, initrd_fd, cmdline,
                             debug ? KERF_KERNEL_LOAD_DEBUG : KERF_KERNEL_LOAD_NONE, error);
  close (image);
  if (!loaded)
    return FALSE;
  if (!kerfd_state_save_instance (engine->state, record, error))
    {
      g_autoptr(GError) undo_error = NULL;

      if (!kerf_kernel_unload (engine->kernel, info->id, &undo_error))
        g_critical ("could not unload %s after a failure: %s", name, undo_error->message);
      return FALSE;
    }
  kerfd_log_instance (G_LOG_LEVEL_MESSAGE, name, "loaded %s (%" G_GUINT64_FORMAT " bytes, sha256 %s)",
                      record->kernel_path, record->kernel_size, record->kernel_sha256);
  return kerfd_engine_reload (engine, error);
}

