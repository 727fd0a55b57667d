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
#ifdef KERF_CLI_WITH_BUS
  { "init",         "Give kerfd the baseline resource pool (DTS or DTB file)", kerf_cmd_init, TRUE },
  { "create",       "Create a kernel instance with CPUs, memory and devices", kerf_cmd_create, TRUE },
  { "load",         "Load a kernel image (and initrd) into an instance", kerf_cmd_load, TRUE },
  { "exec",         "Boot the kernel loaded into an instance", kerf_cmd_exec, TRUE },
  { "show",         "Show the pool and the instances, or one instance", kerf_cmd_show, FALSE },
  { "kill",         "Halt a running instance (the image stays loaded)", kerf_cmd_kill, TRUE },
  { "unload",       "Unload the kernel image from an instance", kerf_cmd_unload, TRUE },
  { "update",       "Change the CPUs, memory or devices of an instance", kerf_cmd_update, TRUE },
  { "delete",       "Delete an instance and return its resources to the pool", kerf_cmd_delete, TRUE },
  { "report",       "Print the allocation report of the current state", kerf_cmd_report, FALSE },
  { "transactions", "List the applied overlay transactions", kerf_cmd_transactions, FALSE },
  { "rollback",     "Roll back an overlay transaction", kerf_cmd_rollback, TRUE },
  { "monitor",      "Follow every change of the pool and the instances, live", kerf_cmd_monitor, FALSE },
#endif
  { "validate",     "Check a baseline or state file against every rule (offline)", kerf_cmd_validate, FALSE },
  { "compile",      "Compile a device tree (DTS or DTB) to DTB or DTS (offline)", kerf_cmd_compile, FALSE },
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

int
kerf_cli_usage_error (const char *command, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "kerf: %s: %s\n", command, msg);
  fprintf (stderr, "Try 'kerf %s --help' for more information.\n", command);
  return KERF_EXIT_USAGE;
}

GOptionContext *
kerf_cli_context_new (KerfCliGlobal      *global,
                      const char         *parameters,
                      const char         *summary,
                      const GOptionEntry *entries)
{
  GOptionContext *context;
  g_autofree char *prgname = NULL;
  const GOptionEntry common[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &global->json,
      "Machine-readable output (see docs/cli-json.md)", NULL },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &global->bus_option,
      "Where kerfd is: system (default), session, or a D-Bus address ($KERF_BUS)", "BUS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &global->verbose, "More detail", NULL },
    { "no-ask-password", 0, 0, G_OPTION_ARG_NONE, &global->no_ask_password,
      "Never ask for a password (no interactive polkit authorization)", NULL },
    G_OPTION_ENTRY_NULL
  };

  /* "Usage: kerf create [OPTION…] NAME" in --help */
  prgname = g_strdup_printf ("kerf %s", global->command);
  g_set_prgname (prgname);
  context = g_option_context_new (parameters);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common, NULL);
  return context;
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
    fprintf (out, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Global options:\n"
           "  --bus=BUS      system (default), session, or a D-Bus address ($KERF_BUS)\n"
           "  --json         machine-readable output\n"
           "  -v, --verbose  more detail\n"
           "  --no-ask-password  never ask for a password (polkit)\n"
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

  /* Only what kerf uses: the character set of the terminal (LC_CTYPE) and
   * message language.  Numbers, sorting and dates stay "C" so that output
   * is the same everywhere, and each category set costs a few file reads
   * at every start (C.UTF-8 has no locale archive: one file per category). */
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
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
      else if (strcmp (arg, "--no-ask-password") == 0)
        global.no_ask_password = TRUE;
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
      {
        int status;

        /* Lines, not blocks, when piped: `kerf monitor | grep` must see
         * each event as it happens. */
        setvbuf (stdout, NULL, _IOLBF, 0);
        global.command = commands[c].name;
        global.privileged = commands[c].privileged;
        status = commands[c].func (&global, argc - i, argv + i);
        g_free (global.bus_option);
        return status;
      }

  kerf_cli_error ("unknown command '%s'", argv[i]);
  fprintf (stderr, "Try 'kerf --help' for the list of commands.\n");
  return KERF_EXIT_USAGE;
}
