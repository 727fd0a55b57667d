/* kerf-kernel-emulated-testfault.c — fault injection of the emulated kernel
 * (test-only).
 *
 * Faults are one-shot and queued in emu->faults.  They are armed three
 * ways: kerf_kernel_emulated_inject_fault() (unit tests), the environment
 * variable KERF_EMULATED_FAULT read when the backend opens, and — so that a
 * test can make a *running* kerfd fail its next kernel write — the control
 * file named by KERF_EMULATED_TEST_FAULT_FILE: before every write and every
 * pool-tree read the backend reads that file, arms the faults it lists
 * (same comma list as KERF_EMULATED_FAULT) and removes it.  Without the
 * variable nothing is ever read; the real (sysfs) backend has no such hook.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <libfdt.h>

#include "kerf-emu-private.h"

static const struct {
  const char  *name;
  KerfEmuFault fault;
} emu_fault_names[] = {
  { "write-ebusy",        KERF_EMU_FAULT_WRITE_EBUSY },
  { "write-eio",          KERF_EMU_FAULT_WRITE_EIO },
  { "truncate-pool-tree", KERF_EMU_FAULT_TRUNCATE_POOL_TREE },
  { "corrupt-pool-tree",  KERF_EMU_FAULT_CORRUPT_POOL_TREE },
};

void
emu_test_faults_arm (KerfEmu *emu, const char *list, const char *origin)
{
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);
      gboolean known = FALSE;

      for (gsize j = 0; j < G_N_ELEMENTS (emu_fault_names); j++)
        if (g_str_equal (p, emu_fault_names[j].name))
          {
            kerf_kernel_emulated_inject_fault (&emu->parent, emu_fault_names[j].fault);
            known = TRUE;
            g_debug ("emulated kernel: %s armed fault %s", origin, p);
          }
      if (!known && *p != '\0')
        g_warning ("%s: unknown fault '%s'", origin, p);
    }
}

void
emu_test_faults_poll (KerfEmu *emu)
{
  const char *path = g_getenv ("KERF_EMULATED_TEST_FAULT_FILE");
  g_autofree char *list = NULL;

  if (path == NULL || *path == '\0')
    return;
  if (!g_file_get_contents (path, &list, NULL, NULL))
    return;   /* no file: nothing armed */
  if (unlink (path) != 0 && errno != ENOENT)
    g_warning ("KERF_EMULATED_TEST_FAULT_FILE: cannot remove %s: %s", path, g_strerror (errno));
  emu_test_faults_arm (emu, list, "KERF_EMULATED_TEST_FAULT_FILE");
}

gboolean
emu_test_fault_take (KerfEmu *emu, KerfEmuFault fault)
{
  for (guint i = 0; i < emu->faults->len; i++)
    if (GPOINTER_TO_INT (g_ptr_array_index (emu->faults, i)) == (int) fault)
      {
        g_ptr_array_remove_index (emu->faults, i);
        return TRUE;
      }
  return FALSE;
}

GBytes *
emu_test_fault_mangle_pool_tree (KerfEmu *emu, GBytes *tree)
{
  gsize len = g_bytes_get_size (tree);

  if (emu_test_fault_take (emu, KERF_EMU_FAULT_TRUNCATE_POOL_TREE))
    {
      g_debug ("emulated kernel: injected fault: truncated pool tree");
      return g_bytes_new_from_bytes (tree, 0, len / 2);
    }
  if (emu_test_fault_take (emu, KERF_EMU_FAULT_CORRUPT_POOL_TREE))
    {
      /* A sound header (magic, sizes) over a structure block of garbage:
       * only a reader that walks the whole blob notices. */
      guint8 *copy = g_memdup2 (g_bytes_get_data (tree, NULL), len);

      if (len >= sizeof (struct fdt_header) && fdt_magic (copy) == FDT_MAGIC)
        {
          gsize off = fdt_off_dt_struct (copy), size = fdt_size_dt_struct (copy);

          if (off < len && size <= len - off && size > 8)
            memset (copy + off + 8, 0xa5, size - 8);
        }
      g_debug ("emulated kernel: injected fault: corrupt pool tree");
      return g_bytes_new_take (copy, len);
    }
  return g_bytes_ref (tree);
}
