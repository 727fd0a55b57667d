/* kerf-test-util.c — see kerf-test-util.h. */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "kerf-test-util.h"

void
kerf_test_rm_rf (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);

      /* a link to a directory is unlinked: what it points at is not ours */
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        kerf_test_rm_rf (p);
      else
        g_unlink (p);
    }
  g_rmdir (path);
}

char *
kerf_test_make_tmp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

gboolean
kerf_test_exists (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);

  return g_file_test (p, G_FILE_TEST_EXISTS);
}

guint64
kerf_test_inode_of (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (p, &st), ==, 0);
  return st.st_ino;
}

GBytes *
kerf_test_read_bytes (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);
  char *s = NULL;
  gsize n = 0;

  g_assert_true (g_file_get_contents (p, &s, &n, NULL));
  return g_bytes_new_take (s, n);
}

char *
kerf_test_read_text (const char *dir, const char *rel)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);
  char *s = NULL;

  g_assert_true (g_file_get_contents (p, &s, NULL, NULL));
  return s;
}

void
kerf_test_write_text (const char *dir, const char *rel, const char *text)
{
  g_autofree char *p = g_build_filename (dir, rel, NULL);

  g_assert_true (g_file_set_contents (p, text, -1, NULL));
}

int
kerf_test_write_elf (const char *dir, char **path_out)
{
  g_autofree char *path = g_build_filename (dir, "vmlinux", NULL);
  guint8 elf[256] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
  int fd;

  g_assert_true (g_file_set_contents (path, (const char *) elf, sizeof elf, NULL));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return fd;
}

KerfKernel *
kerf_test_emulated_open (const char *dir, const KerfEmuMachine *machine)
{
  g_autoptr(GError) error = NULL;
  KerfKernel *k = kerf_kernel_emulated_new (dir, machine, &error);

  g_assert_no_error (error);
  g_assert_nonnull (k);
  return k;
}

void
kerf_test_write_baseline (KerfKernel *kernel, GBytes *baseline)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kerf_kernel_write_baseline (kernel, baseline, &error));
  g_assert_no_error (error);
}

KerfKernel *
kerf_test_emulated_new_tmp (const char *tmpl, const KerfEmuMachine *machine, GBytes *baseline,
                            char **dir_out)
{
  char *dir = kerf_test_make_tmp_dir (tmpl);
  KerfKernel *k = kerf_test_emulated_open (dir, machine);

  if (baseline != NULL)
    kerf_test_write_baseline (k, baseline);
  *dir_out = dir;
  return k;
}

guint
kerf_test_apply_ok (KerfKernel *kernel, GBytes *dtbo)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  guint tx = 0;

  g_assert_true (kerf_kernel_write_overlay (kernel, dtbo, &tx, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (status, ==, "applied");
  g_assert_cmpuint (tx, >, 0);
  return tx;
}
