/* kerf.c — the kerf command-line client: global options and dispatch.
 *
 * Each command parses its own options (GOptionContext) in its own file;
 * this file only knows the command table.
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <string.h>

#include "kerf-cli.h"

static const KerfCliCommand commands[] = {
  { "compile",  "Compile a device tree (DTS or DTB) to DTB or DTS, offline", kerf_cmd_compile },
  { "validate", "Check a baseline or state file against every rule, offline", kerf_cmd_validate },
};

void
kerf_cli_error (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "kerf: %s\n", msg);
}

gboolean
kerf_cli_parse_options (GOptionContext *context, const char *command, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      kerf_cli_error ("%s: %s", command, error->message);
      fprintf (stderr, "Try 'kerf %s --help' for more information.\n", command);
      return FALSE;
    }
  return TRUE;
}

static void
kerf_print_usage (FILE *out)
{
  fprintf (out,
           "Usage: kerf [--bus=system|session|ADDRESS] [--json] COMMAND [OPTIONS...]\n"
           "\n"
           "kerf manages the kernel instances of a multikernel host through kerfd.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Global options:\n"
           "  --bus=BUS      system (default), session, or a D-Bus address ($KERF_BUS)\n"
           "  --json         machine-readable output\n"
           "  -v, --verbose  more detail\n"
           "  --version      print the version\n"
           "  -h, --help     this help\n"
           "\n"
           "Run 'kerf COMMAND --help' for the options of a command.\n");
}

int
main (int argc, char **argv)
{
  KerfCliGlobal global = { 0 };
  int i;

  setlocale (LC_ALL, "");
  global.bus = g_getenv ("KERF_BUS");

  /* Global options come before the command name. */
  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (arg[0] != '-')
        break;
      if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        {
          kerf_print_usage (stdout);
          return KERF_EXIT_OK;
        }
      else if (strcmp (arg, "--version") == 0)
        {
          printf ("kerf %s\n", PACKAGE_VERSION);
          return KERF_EXIT_OK;
        }
      else if (strcmp (arg, "--json") == 0)
        global.json = TRUE;
      else if (strcmp (arg, "--verbose") == 0 || strcmp (arg, "-v") == 0)
        global.verbose = TRUE;
      else if (g_str_has_prefix (arg, "--bus="))
        global.bus = arg + strlen ("--bus=");
      else if (strcmp (arg, "--bus") == 0 && i + 1 < argc)
        global.bus = argv[++i];
      else
        {
          kerf_cli_error ("unknown option '%s'", arg);
          fprintf (stderr, "Try 'kerf --help' for more information.\n");
          return KERF_EXIT_USAGE;
        }
    }

  if (i >= argc)
    {
      kerf_print_usage (stderr);
      return KERF_EXIT_USAGE;
    }

  for (gsize c = 0; c < G_N_ELEMENTS (commands); c++)
    if (strcmp (argv[i], commands[c].name) == 0)
      return commands[c].func (&global, argc - i, argv + i);

  kerf_cli_error ("unknown command '%s'", argv[i]);
  fprintf (stderr, "Try 'kerf --help' for the list of commands.\n");
  return KERF_EXIT_USAGE;
}
