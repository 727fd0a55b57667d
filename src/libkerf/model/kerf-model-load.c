/* kerf-model-load.c — a model from a file or from bytes (DTS or DTB).
 *
 * Kept apart from the readers so that code which only needs
 * kerf_model_from_tree() does not pull in the DTS compiler. */
#include "config.h"

#include "kerf-dts.h"
#include "kerf-model.h"

static KerfModel *
kerf_model_from_blob (const char *display_name, const guint8 *data, gsize len,
                      KerfDiagList *diags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = kerf_dtb_read (data, len, display_name, &error);

  if (tree == NULL)
    {
      kerf_diag_list_add (diags, KERF_SEVERITY_ERROR, kerf_loc_make (display_name, 0, 0),
                          "dtb", NULL, "%s", error->message);
      return NULL;
    }
  return kerf_model_from_tree_full (tree, KERF_MODEL_READ_FROM_BLOB, diags);
}

KerfModel *
kerf_model_from_data (const char *display_name, const guint8 *data, gsize len,
                      KerfDiagList *diags)
{
  g_autoptr (KerfDtTree) tree = NULL;

  if (kerf_dtb_is_blob (data, len))
    return kerf_model_from_blob (display_name, data, len, diags);
  /* Bytes come from a caller (the daemon's D-Bus clients): never let them
   * name files for us to open. */
  tree = kerf_dts_parse_data (display_name, (const char *) data, len, NULL,
                              KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  if (tree == NULL)
    return NULL;
  return kerf_model_from_tree (tree, diags);
}

KerfModel *
kerf_model_from_file (const char *path, KerfDiagList *diags)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (KerfDtTree) tree = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      kerf_diag_list_add (diags, KERF_SEVERITY_ERROR, kerf_loc_make (path, 0, 0), NULL, NULL,
                          "%s", error->message);
      return NULL;
    }
  if (kerf_dtb_is_blob ((const guint8 *) data, len))
    return kerf_model_from_blob (path, (const guint8 *) data, len, diags);
  tree = kerf_dts_parse_file (path, diags);
  if (tree == NULL)
    return NULL;
  return kerf_model_from_tree (tree, diags);
}
