/* kerf-cli-tree.c — reading and checking device-tree files for the CLI. */
#include "config.h"

#include <string.h>

#include "kerf-cli-tree.h"
#include "kerf-dts.h"
#include "kerf-error.h"
#include "kerf-json.h"

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
    }
  else
    {
      dir = g_path_get_dirname (path);
      tree = kerf_dts_parse_data (path, data, len, dir, KERF_DTS_PARSE_NONE, diags);
      if (tree == NULL)
        return NULL;
    }

  (void) emit_kernel;
  (void) host_checks;
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
  kerf_json_begin_array (json);
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);

      kerf_json_begin_object (json);
      kerf_json_key (json, "severity");
      kerf_json_string (json, kerf_severity_to_string (d->severity));
      kerf_json_key (json, "rule");
      kerf_json_string (json, d->rule);
      kerf_json_key (json, "file");
      kerf_json_string (json, d->loc.file);
      kerf_json_key (json, "line");
      kerf_json_uint (json, d->loc.line);
      kerf_json_key (json, "column");
      kerf_json_uint (json, d->loc.col);
      kerf_json_key (json, "message");
      kerf_json_string (json, d->message);
      kerf_json_key (json, "suggestion");
      kerf_json_string (json, d->suggestion);
      kerf_json_end_object (json);
    }
  kerf_json_end_array (json);
  kerf_json_end_object (json);
  text = kerf_json_free_to_string (g_steal_pointer (&json));
  fputs (text, stdout);
}
