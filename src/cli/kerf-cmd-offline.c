/* kerf-cmd-offline.c — `kerf compile` and `kerf validate`.
 *
 * The two commands that work without kerfd: they read a device tree with
 * the core library (which resolves /include/ with the caller's own rights)
 * and never talk to the bus.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kerf-cli.h"
#include "kerf-cli-tree.h"
#include "kerf-error.h"
#include "kerf-dts.h"

static gboolean
kerf_write_output (const char *path, const void *data, gsize len, GError **error)
{
  if (path == NULL || strcmp (path, "-") == 0)
    {
      if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot write to standard output: %s",
                       g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }
  return g_file_set_contents (path, data, (gssize) len, error);
}

int
kerf_cmd_compile (KerfCliGlobal *global, int argc, char **argv)
{
  g_autofree char *out_path = NULL;
  g_autofree char *out_format = NULL;
  g_autofree char *emit = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfDtTree) tree = NULL;
  g_autoptr (GError) error = NULL;
  gboolean want_dtb, no_host = FALSE;
  const GOptionEntry entries[] = {
    { "no-host-checks", 0, 0, G_OPTION_ARG_NONE, &no_host,
      "Skip the checks against this machine's /proc/cpuinfo and /proc/iomem", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
      "Write the result to FILE instead of standard output", "FILE" },
    { "out-format", 'O', 0, G_OPTION_ARG_STRING, &out_format,
      "Output format: dtb or dts (default: dtb with -o, dts on standard output)", "FORMAT" },
    { "emit", 0, 0, G_OPTION_ARG_STRING, &emit,
      "What to emit: tree (the input, compiled; default) or kernel (the baseline DTB the kernel is given)",
      "WHAT" },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "FILE",
    "Compile a device tree source (or read a DTB) and write it as DTB or DTS.\n"
    "Kerf inputs (trees with /resources) are always validated first.", entries);
  if (!kerf_cli_parse_options (context, "compile", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc != 2)
    return kerf_cli_usage_error ("compile", "expected exactly one input FILE");
  if (out_format != NULL && strcmp (out_format, "dtb") != 0 && strcmp (out_format, "dts") != 0)
    return kerf_cli_usage_error ("compile", "unknown output format '%s' (use dtb or dts)",
                                 out_format);
  if (emit != NULL && strcmp (emit, "tree") != 0 && strcmp (emit, "kernel") != 0)
    return kerf_cli_usage_error ("compile", "unknown --emit value '%s' (use tree or kernel)", emit);
  want_dtb = out_format != NULL ? strcmp (out_format, "dtb") == 0
                                : (out_path != NULL && strcmp (out_path, "-") != 0);
  if (want_dtb && (out_path == NULL || strcmp (out_path, "-") == 0) && isatty (STDOUT_FILENO))
    {
      kerf_cli_error ("compile: refusing to write a binary DTB to a terminal; use -o FILE or -O dts");
      return KERF_EXIT_USAGE;
    }

  kerf_cli_validate_set_host_checks (!no_host);
  tree = kerf_cli_load_checked_tree (argv[1], emit != NULL && strcmp (emit, "kernel") == 0,
                                     diags, &error);
  kerf_diag_list_sort (diags);
  kerf_diag_list_print (diags, stderr);
  if (tree == NULL)
    {
      if (error != NULL)
        kerf_cli_error ("%s", error->message);
      return error != NULL && g_error_matches (error, KERF_ERROR, KERF_ERROR_IO)
               ? KERF_EXIT_FAILED : KERF_EXIT_INVALID;
    }

  if (want_dtb)
    {
      g_autoptr (GBytes) blob = kerf_dtb_write (tree, &error);
      gsize len;
      const void *data;

      if (blob == NULL)
        {
          kerf_cli_error ("compile: %s", error->message);
          return KERF_EXIT_INVALID;
        }
      data = g_bytes_get_data (blob, &len);
      if (!kerf_write_output (out_path, data, len, &error))
        {
          kerf_cli_error ("compile: %s", error->message);
          return KERF_EXIT_FAILED;
        }
    }
  else
    {
      g_autofree char *text = kerf_dts_print (tree);

      if (!kerf_write_output (out_path, text, strlen (text), &error))
        {
          kerf_cli_error ("compile: %s", error->message);
          return KERF_EXIT_FAILED;
        }
    }
  (void) global;
  return KERF_EXIT_OK;
}

int
kerf_cmd_validate (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfDtTree) tree = NULL;
  g_autoptr (GError) error = NULL;
  gboolean no_host = FALSE, remote = FALSE;
  const GOptionEntry entries[] = {
    { "no-host-checks", 0, 0, G_OPTION_ARG_NONE, &no_host,
      "Skip the checks against this machine's /proc/cpuinfo and /proc/iomem "
      "(for files meant for another machine)", NULL },
#ifdef KERF_CLI_WITH_BUS
    { "daemon", 0, 0, G_OPTION_ARG_NONE, &remote,
      "Let kerfd validate it (Pool.Validate; needs no privilege)", NULL },
#endif
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "FILE",
    "Check a baseline or state file (DTS or DTB) against every rule.\n"
    "Exit status: 0 valid (warnings are printed), 3 invalid.", entries);
  if (!kerf_cli_parse_options (context, "validate", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc != 2)
    return kerf_cli_usage_error ("validate", "expected exactly one input FILE");
#ifdef KERF_CLI_WITH_BUS
  if (remote)
    {
      if (no_host)
        return kerf_cli_usage_error ("validate", "--no-host-checks does not apply to --daemon");
      return kerf_cmd_validate_remote (global, argv[1]);
    }
#endif

  kerf_cli_validate_set_host_checks (!no_host);
  tree = kerf_cli_load_checked_tree (argv[1], FALSE, diags, &error);
  /* in file order, the way a compiler reports */
  kerf_diag_list_sort (diags);
  if (global->json)
    kerf_cli_print_diags_json (argv[1], diags, tree != NULL);
  else
    {
      kerf_diag_list_print (diags, stderr);
      if (tree != NULL)
        printf ("%s: valid (%u warning%s)\n", argv[1], kerf_diag_list_n_warnings (diags),
                kerf_diag_list_n_warnings (diags) == 1 ? "" : "s");
      else
        printf ("%s: invalid (%u error%s, %u warning%s)\n", argv[1],
                MAX (kerf_diag_list_n_errors (diags), 1u),
                kerf_diag_list_n_errors (diags) == 1 ? "" : "s",
                kerf_diag_list_n_warnings (diags),
                kerf_diag_list_n_warnings (diags) == 1 ? "" : "s");
    }
  if (tree == NULL)
    {
      if (error != NULL)
        kerf_cli_error ("%s", error->message);
      return error != NULL && g_error_matches (error, KERF_ERROR, KERF_ERROR_IO)
               ? KERF_EXIT_FAILED : KERF_EXIT_INVALID;
    }
  return KERF_EXIT_OK;
}
