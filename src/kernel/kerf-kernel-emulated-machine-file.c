/* kerf-kernel-emulated-machine-file.c — the machine description from a file
 * (DTS in the seed's schema, or a DTB).  Kept apart from the reader so that
 * users of the defaults do not pull in the DTS compiler. */
#include "config.h"

#include "kerf-emu-private.h"
#include "kerf-dts.h"

KerfEmuMachine *
kerf_emu_machine_from_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(KerfDtTree) tree = NULL;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (kerf_dtb_is_blob ((const guint8 *) data, len))
    {
      if (!kerf_dtb_check ((const guint8 *) data, len, error))
        return NULL;
      tree = kerf_dtb_read ((const guint8 *) data, len, path, error);
    }
  else
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      tree = kerf_dts_parse_file (path, diags);
      if (tree == NULL)
        {
          kerf_diag_list_to_error (diags, KERF_ERROR_PARSE, error);
          return NULL;
        }
    }
  if (tree == NULL)
    return NULL;
  return kerf_emu_machine_from_tree (tree, error);
}
