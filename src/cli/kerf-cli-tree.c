/* kerf-cli-tree.c — reading and checking device-tree files for the CLI. */
#include "config.h"

#include <string.h>

#include "kerf-cli-tree.h"
#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-json.h"
#include "kerf-model.h"
#include "kerf-validate.h"
#include "kerf-cli-output.h"

static gboolean host_checks = TRUE;

void
kerf_cli_validate_set_host_checks (gboolean enabled)
{
  host_checks = enabled;
}

KerfDtTree *
kerf_cli_load_checked_tree (const char   *path,
                            gboolean      emit_kernel,
                            KerfDiagList *diags,
                            GError      **error)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (KerfDtTree) tree = NULL;
  g_autoptr (KerfModel) model = NULL;
  KerfValidateOptions opts;
  gboolean from_blob = FALSE;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    {
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = KERF_ERROR;
          (*error)->code = KERF_ERROR_IO;
        }
      return NULL;
    }

  if (kerf_dtb_is_blob ((const guint8 *) data, len))
    {
      g_autoptr (GError) local = NULL;

      tree = kerf_dtb_read ((const guint8 *) data, len, path, &local);
      if (tree == NULL)
        {
          kerf_diag_error (diags, kerf_loc_make (path, 0, 0), "%s", local->message);
          return NULL;
        }
      from_blob = TRUE;
    }
  else
    {
      dir = g_path_get_dirname (path);
      tree = kerf_dts_parse_data (path, data, len, dir, KERF_DTS_PARSE_NONE, diags);
      if (tree == NULL)
        return NULL;
    }

  /* A plain device tree (no kerf nodes) is only compiled; a kerf tree is
   * always validated (validation cannot be switched off). */
  if (kerf_dt_tree_lookup_path (tree, "/resources") == NULL &&
      kerf_dt_tree_lookup_path (tree, "/instances") == NULL)
    {
      if (emit_kernel)
        {
          kerf_diag_error (diags, kerf_loc_make (path, 0, 0),
                           "not a kerf baseline (no /resources node): nothing to give the kernel");
          return NULL;
        }
      return g_steal_pointer (&tree);
    }

  model = kerf_model_from_tree_full (tree, from_blob ? KERF_MODEL_READ_FROM_BLOB
                                                     : KERF_MODEL_READ_NONE, diags);
  if (model == NULL)
    return NULL;
  kerf_validate_options_init (&opts);
  opts.check_host = host_checks;
  if (!kerf_validate_state (model, &opts, diags))
    return NULL;

  if (emit_kernel)
    {
      g_autoptr (GError) local = NULL;
      KerfDtTree *kernel = kerf_model_to_kernel_baseline (model, &local);

      if (kernel == NULL)
        kerf_diag_error (diags, kerf_loc_make (path, 0, 0), "%s", local->message);
      return kernel;
    }
  return g_steal_pointer (&tree);
}

void
kerf_cli_print_diags_json (const char *file, const KerfDiagList *diags, gboolean valid)
{
  g_autoptr (KerfJson) json = kerf_json_new (TRUE);
  g_autofree char *text = NULL;

  kerf_json_begin_object (json);
  kerf_json_key (json, "file");
  kerf_json_string (json, file);
  kerf_json_key (json, "valid");
  kerf_json_bool (json, valid);
  kerf_json_key (json, "errors");
  kerf_json_uint (json, kerf_diag_list_n_errors (diags));
  kerf_json_key (json, "warnings");
  kerf_json_uint (json, kerf_diag_list_n_warnings (diags));
  kerf_json_key (json, "diagnostics");
  kerf_diag_list_write_json (diags, json);
  kerf_json_end_object (json);
  text = kerf_json_free_to_string (g_steal_pointer (&json));
  printf ("%s\n", text);
}

GBytes *
kerf_cli_read_source (const char *path, KerfDiagList *diags, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  char *bundle;

  /* Read it first: a missing or unreadable file is an I/O failure of the
   * command, not a finding about a device tree. */
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (kerf_dtb_is_blob ((const guint8 *) data, len))
    return g_bytes_new_take (g_steal_pointer (&data), len);

  /* kerfd never opens a path for a caller: /include/ and /incbin/ are
   * resolved here, with the caller's rights, and the line markers keep the
   * daemon's diagnostics pointing at the user's files. */
  bundle = kerf_dts_bundle (path, diags);
  if (bundle == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE, "%s: cannot resolve its includes", path);
      return NULL;
    }
  return g_bytes_new_take (bundle, strlen (bundle));
}
