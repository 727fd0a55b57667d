/* kerf-cmd-pool.c — `kerf init`, `kerf report`, `kerf validate --daemon`.
 *
 * The pool commands send device trees as bytes: the CLI reads the file
 * (and its includes) with the caller's own rights, kerfd never opens it.
 */
#include "config.h"

#include <string.h>

#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"
#include "kerf-cli-tree.h"
#include "kerf-error.h"

static GVariant *
kerf_bytes_variant (GBytes *bytes)
{
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/* Reads `path` for sending; prints why it cannot and returns NULL with
 * the exit status in `*status`. */
static GBytes *
kerf_read_for_bus (const char *path, int *status)
{
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (GError) error = NULL;
  GBytes *bytes = kerf_cli_read_source (path, diags, &error);

  if (bytes != NULL)
    return bytes;
  kerf_diag_list_print (diags, stderr);
  if (g_error_matches (error, KERF_ERROR, KERF_ERROR_PARSE))
    {
      kerf_cli_error ("%s", error->message);
      *status = KERF_EXIT_INVALID;
    }
  else
    {
      kerf_cli_error ("cannot read %s", error->message);
      *status = KERF_EXIT_FAILED;
    }
  return NULL;
}

/* Pool.Validate: TRUE when the call worked; `*valid` and `*diags` hold the
 * verdict. */
static gboolean
kerf_validate_on_bus (KerfCliBus *bus, const char *path, GBytes *source, gboolean *valid,
                      KerfDiagList **diags, GError **error)
{
  g_autoptr (GVariant) out_diags = NULL;

  if (!kerf_dbus_pool_call_validate_sync (bus->pool, kerf_bytes_variant (source), path,
                                          kerf_cli_empty_options (), G_DBUS_CALL_FLAGS_NONE, -1,
                                          valid, &out_diags, NULL, error))
    return FALSE;
  *diags = kerf_cli_diags_from_variant (out_diags);
  kerf_diag_list_sort (*diags);
  return TRUE;
}

static void
kerf_print_summary_lines (const char *summary, const char *indent)
{
  g_auto (GStrv) lines = g_strsplit (summary != NULL ? summary : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      printf ("%s%s\n", indent, lines[i]);
}

static void
kerf_json_summary (KerfJson *json, const char *summary)
{
  g_auto (GStrv) lines = g_strsplit (summary != NULL ? summary : "", "\n", -1);

  kerf_json_begin_array (json);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      kerf_json_string (json, lines[i]);
  kerf_json_end_array (json);
}

/* The report of the current state, or with `source` of that proposed
 * baseline (nothing is applied). */
static int
kerf_print_report (KerfCliBus *bus, gboolean json, GBytes *source, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *report = NULL;
  GVariantDict options;

  g_variant_dict_init (&options, NULL);
  if (source != NULL)
    {
      g_variant_dict_insert_value (&options, "source", kerf_bytes_variant (source));
      g_variant_dict_insert (&options, "name", "s", name);
    }
  if (!kerf_dbus_pool_call_report_sync (bus->pool, json ? "json" : "text",
                                        g_variant_dict_end (&options), G_DBUS_CALL_FLAGS_NONE, -1,
                                        &report, NULL, &error))
    return kerf_cli_report_error (error);
  fputs (report, stdout);
  if (report[0] != '\0' && report[strlen (report) - 1] != '\n')
    fputc ('\n', stdout);
  return KERF_EXIT_OK;
}

static int
kerf_init_reset (KerfCliGlobal *global, KerfCliBus *bus)
{
  g_autoptr (GError) error = NULL;

  if (!kerf_dbus_pool_call_reset_sync (bus->pool, kerf_cli_empty_options (), bus->call_flags, -1,
                                       NULL, &error))
    return kerf_cli_report_error (error);
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "reset");
      kerf_json_bool (json, TRUE);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else
    printf ("Pool reset: every resource is back with the host.\n");
  return KERF_EXIT_OK;
}

int
kerf_cmd_init (KerfCliGlobal *global, int argc, char **argv)
{
  g_autofree char *input = NULL;
  gboolean report = FALSE, dry_run = FALSE, reset = FALSE;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GBytes) source = NULL;
  g_autoptr (KerfDiagList) diags = NULL;
  g_autoptr (GVariant) init_diags = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *summary = NULL;
  GVariantDict options;
  gboolean valid = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      "The baseline: a DTS (any of the three schemas) or a DTB", "FILE" },
    { "report", 0, 0, G_OPTION_ARG_NONE, &report,
      "Print the allocation report of FILE and apply nothing", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      "Validate and show what would change, change nothing", NULL },
    { "reset", 0, 0, G_OPTION_ARG_NONE, &reset,
      "Hand every pool resource back to the host (no instance may exist)", NULL },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "--input=FILE | --reset",
    "Give kerfd the baseline resource pool.  The file is validated first;\n"
    "on an initialized pool the difference is applied as one transaction.\n"
    "/include/ files are read by kerf, with your rights.", entries);
  if (!kerf_cli_parse_options (context, "init", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1)
    return kerf_cli_usage_error ("init", "unexpected argument '%s' (the file goes in --input=FILE)",
                                 argv[1]);
  if (reset && (input != NULL || dry_run))
    return kerf_cli_usage_error ("init", "--reset takes neither --input nor --dry-run");
  if (!reset && input == NULL)
    return kerf_cli_usage_error ("init", "--input=FILE is required");

  if (input != NULL && (source = kerf_read_for_bus (input, &status)) == NULL)
    return status;
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;
  if (reset)
    return kerf_init_reset (global, bus);

  /* Validate first (no privilege needed): its findings are located in the
   * user's files, which a refused Initialize could only list as text. */
  if (!kerf_validate_on_bus (bus, input, source, &valid, &diags, &error))
    return kerf_cli_report_error (error);
  if (report)
    {
      /* the report of the file as it stands, findings included; nothing is
       * applied (the exit status still says whether it is valid) */
      if (!global->json && !valid)
        kerf_diag_list_print (diags, stderr);
      status = kerf_print_report (bus, global->json, source, input);
      if (status != KERF_EXIT_OK)
        return status;
      return valid ? KERF_EXIT_OK : KERF_EXIT_INVALID;
    }
  if (!valid)
    {
      if (global->json)
        kerf_cli_print_diags_json (input, diags, FALSE);
      else
        {
          kerf_diag_list_print (diags, stderr);
          kerf_cli_error ("%s is not a valid baseline (%u error%s): nothing was changed", input,
                          kerf_diag_list_n_errors (diags),
                          kerf_diag_list_n_errors (diags) == 1 ? "" : "s");
        }
      return KERF_EXIT_INVALID;
    }

  g_variant_dict_init (&options, NULL);
  if (dry_run)
    g_variant_dict_insert (&options, "dry-run", "b", TRUE);
  if (!kerf_dbus_pool_call_initialize_sync (bus->pool, kerf_bytes_variant (source), input,
                                            g_variant_dict_end (&options), bus->call_flags, -1,
                                            &init_diags, &summary, NULL, &error))
    {
      if (!global->json)
        kerf_diag_list_print (diags, stderr);
      return kerf_cli_report_error (error);
    }
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "file");
      kerf_json_string (json, input);
      kerf_json_key (json, "dry_run");
      kerf_json_bool (json, dry_run);
      kerf_json_key (json, "applied");
      kerf_json_bool (json, !dry_run);
      kerf_json_key (json, "changes");
      kerf_json_summary (json, summary);
      kerf_json_key (json, "diagnostics");
      kerf_diag_list_write_json (diags, json);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
      return KERF_EXIT_OK;
    }

  kerf_diag_list_print (diags, stderr);
  if (dry_run)
    {
      printf ("%s is a valid baseline; kerfd would apply it (dry run, nothing changed):\n", input);
      kerf_print_summary_lines (summary, "  ");
    }
  else
    {
      printf ("Baseline %s applied (%s backend).\n", input, kerf_dbus_pool_get_backend (bus->pool));
      kerf_print_summary_lines (summary, "  ");
    }
  return KERF_EXIT_OK;
}

int
kerf_cmd_report (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  int status;

  context = kerf_cli_context_new (global, NULL,
    "Print the allocation report of the current state: utilisation,\n"
    "per-instance resources and advice.", NULL);
  if (!kerf_cli_parse_options (context, "report", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1)
    return kerf_cli_usage_error ("report", "unexpected argument '%s'", argv[1]);
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;
  return kerf_print_report (bus, global->json, NULL, NULL);
}

int
kerf_cmd_validate_remote (KerfCliGlobal *global, const char *path)
{
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GBytes) source = NULL;
  g_autoptr (KerfDiagList) diags = NULL;
  g_autoptr (GError) error = NULL;
  gboolean valid = FALSE;
  int status;

  if ((source = kerf_read_for_bus (path, &status)) == NULL)
    return status;
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;
  if (!kerf_validate_on_bus (bus, path, source, &valid, &diags, &error))
    return kerf_cli_report_error (error);
  if (global->json)
    kerf_cli_print_diags_json (path, diags, valid);
  else
    {
      kerf_diag_list_print (diags, stderr);
      if (valid)
        printf ("%s: valid (%u warning%s)\n", path, kerf_diag_list_n_warnings (diags),
                kerf_diag_list_n_warnings (diags) == 1 ? "" : "s");
      else
        printf ("%s: invalid (%u error%s, %u warning%s)\n", path,
                MAX (kerf_diag_list_n_errors (diags), 1u),
                kerf_diag_list_n_errors (diags) == 1 ? "" : "s",
                kerf_diag_list_n_warnings (diags),
                kerf_diag_list_n_warnings (diags) == 1 ? "" : "s");
    }
  return valid ? KERF_EXIT_OK : KERF_EXIT_INVALID;
}
