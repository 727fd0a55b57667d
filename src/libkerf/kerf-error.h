/* kerf-error.h — the one error domain of kerf.
 *
 * Every layer below the daemon reports failures as KERF_ERROR; the daemon
 * registers each code as a D-Bus error name (org.multikernel.Kerf.Error.*),
 * so a GError crosses the bus with its meaning intact.  Keep the enum and the
 * name table in src/daemon/kerfd-error.c in step (a static assert checks it).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KERF_ERROR (kerf_error_quark ())
GQuark kerf_error_quark (void);

typedef enum {
  KERF_ERROR_FAILED,             /* Failed: anything not covered below */
  KERF_ERROR_NOT_INITIALIZED,    /* NotInitialized: the pool has no baseline yet */
  KERF_ERROR_VALIDATION_FAILED,  /* ValidationFailed: input or resulting state breaks a rule */
  KERF_ERROR_RESOURCE_CONFLICT,  /* ResourceConflict: CPU/memory/device already taken */
  KERF_ERROR_NOT_FOUND,          /* NotFound: no such instance, transaction, file */
  KERF_ERROR_INVALID_ARGUMENT,   /* InvalidArgument: malformed argument or syntax */
  KERF_ERROR_INVALID_STATE,      /* InvalidState: operation not allowed in this state */
  KERF_ERROR_NOT_AUTHORIZED,     /* NotAuthorized: polkit said no */
  KERF_ERROR_KERNEL_ERROR,       /* KernelError: the kernel (or emulator) refused */
  KERF_ERROR_BUSY,               /* Busy: another transaction holds the resource */
  KERF_ERROR_EXISTS,             /* Exists: name or id already used */
  KERF_ERROR_PARSE,              /* ParseFailed: a device tree did not parse */
  KERF_ERROR_IO,                 /* IoError: reading or writing a file failed */
} KerfErrorCode;

#define KERF_ERROR_N_CODES (KERF_ERROR_IO + 1)

G_END_DECLS
