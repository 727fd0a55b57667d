/* kerfd-error.h — KERF_ERROR on the bus.
 *
 * Registers every KerfErrorCode as org.multikernel.Kerf.Error.<Name> and
 * converts any other GError (GIO, GFile, GKeyFile, ...) into KERF_ERROR
 * before it crosses the bus, so a client always sees one of our names.
 */
#pragma once

#include <gio/gio.h>
#include "kerf-error.h"

G_BEGIN_DECLS

/* Idempotent and thread-safe; call before the first reply. */
void        kerfd_error_register (void);
/* "Failed", "NotInitialized", ... (the part after the prefix) */
const char *kerfd_error_code_to_name (KerfErrorCode code);
/* A new KERF_ERROR carrying `error`'s message (copied when it already is). */
GError     *kerfd_error_convert (const GError *error);
/* Replies to `invocation` with the converted error (consumes it). */
void        kerfd_invocation_return_error (GDBusMethodInvocation *invocation,
                                           const GError          *error);
/* Shorthand: a KERF_ERROR from a format. */
void        kerfd_invocation_return_kerf_error (GDBusMethodInvocation *invocation,
                                                KerfErrorCode          code,
                                                const char            *format,
                                                ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
