/* kerf-cli.h — shared pieces of the kerf command-line client. */
#pragma once

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

/* Exit codes (SPEC §6). */
typedef enum {
  KERF_EXIT_OK = 0,
  KERF_EXIT_FAILED = 1,          /* the operation failed */
  KERF_EXIT_USAGE = 2,           /* bad command line */
  KERF_EXIT_INVALID = 3,         /* validation failed */
  KERF_EXIT_NOT_AUTHORIZED = 4,
  KERF_EXIT_UNREACHABLE = 5,     /* kerfd is not running / not reachable */
} KerfExit;

/* Options every command understands (before or after the command name). */
typedef struct {
  const char *command;       /* the command being run ("create") */
  gboolean    json;          /* --json: machine-readable output */
  const char *bus;           /* --bus=system|session|ADDRESS (or $KERF_BUS); NULL = system */
  char       *bus_option;    /* --bus given after the command name (wins) */
  gboolean    verbose;
  gboolean    no_ask_password; /* never ask polkit for interactive authorization */
  gboolean    privileged;    /* the command calls a method polkit guards */
} KerfCliGlobal;

typedef int (*KerfCliCommandFunc) (KerfCliGlobal *global, int argc, char **argv);

typedef struct {
  const char        *name;
  const char        *summary;
  KerfCliCommandFunc func;
  gboolean           privileged;  /* may need a password: start a polkit agent */
} KerfCliCommand;

/* Prints "kerf: " + message to stderr. */
void kerf_cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* A usage error of `command`: prints the message and the --help hint;
 * returns KERF_EXIT_USAGE. */
int  kerf_cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* A GOptionContext for `command` with its `entries` plus the options every
 * command takes (--json, --bus, --verbose, --no-ask-password), all writing
 * into `global`. */
GOptionContext *kerf_cli_context_new (KerfCliGlobal      *global,
                                      const char         *parameters,
                                      const char         *summary,
                                      const GOptionEntry *entries);
/* Parses a command's options; on failure prints the error and the hint
 * "Try 'kerf CMD --help'" and returns FALSE. */
gboolean kerf_cli_parse_options (GOptionContext *context, const char *command,
                                 int *argc, char ***argv);

/* Offline commands (no daemon): src/cli/kerf-cmd-offline.c */
int kerf_cmd_compile (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_validate (KerfCliGlobal *global, int argc, char **argv);

/* Pool: src/cli/kerf-cmd-pool.c */
int kerf_cmd_init (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_report (KerfCliGlobal *global, int argc, char **argv);
/* `kerf validate --daemon FILE`: Pool.Validate over the bus */
int kerf_cmd_validate_remote (KerfCliGlobal *global, const char *path);

/* Instances: src/cli/kerf-cmd-instance.c */
int kerf_cmd_create (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_update (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_delete (KerfCliGlobal *global, int argc, char **argv);
/* src/cli/kerf-cmd-show.c */
int kerf_cmd_show (KerfCliGlobal *global, int argc, char **argv);

/* Life cycle: src/cli/kerf-cmd-lifecycle.c */
int kerf_cmd_load (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_unload (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_exec (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_kill (KerfCliGlobal *global, int argc, char **argv);

/* Transactions: src/cli/kerf-cmd-tx.c */
int kerf_cmd_transactions (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_rollback (KerfCliGlobal *global, int argc, char **argv);

/* Live view: src/cli/kerf-cmd-monitor.c */
int kerf_cmd_monitor (KerfCliGlobal *global, int argc, char **argv);

G_END_DECLS
