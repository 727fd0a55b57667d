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

/* Options every command understands. */
typedef struct {
  gboolean    json;      /* --json: machine-readable output */
  const char *bus;       /* --bus=system|session|ADDRESS (or $KERF_BUS) */
  gboolean    verbose;
} KerfCliGlobal;

typedef int (*KerfCliCommandFunc) (KerfCliGlobal *global, int argc, char **argv);

typedef struct {
  const char        *name;
  const char        *summary;
  KerfCliCommandFunc func;
} KerfCliCommand;

/* Prints "kerf: " + message to stderr. */
void kerf_cli_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Parses a command's options; on failure prints the error and the hint
 * "Try 'kerf CMD --help'" and returns FALSE. */
gboolean kerf_cli_parse_options (GOptionContext *context, const char *command,
                                 int *argc, char ***argv);

/* Offline commands (no daemon): src/cli/kerf-cmd-offline.c */
int kerf_cmd_compile (KerfCliGlobal *global, int argc, char **argv);
int kerf_cmd_validate (KerfCliGlobal *global, int argc, char **argv);

G_END_DECLS
