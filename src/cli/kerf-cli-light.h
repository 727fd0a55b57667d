/* kerf-cli-light.h — `kerf show`'s one GetManagedObjects call without a
 * GDBusConnection (why: kerf-cli-light.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The reply body, (a{oa{sa{sv}}}), of GetManagedObjects on kerfd at the bus
 * `bus` names (NULL or "system", "session", or an address), called with
 * auto-start allowed over a plain unix socket; NULL whenever anything is
 * not as expected (another transport, auth rejected, a socket error, an
 * error reply, no reply before `deadline`, a g_get_monotonic_time() value):
 * the caller then makes the same call through GDBus, which words every
 * failure the way the other commands do. */
GVariant *kerf_cli_light_get_managed_objects (const char *bus,
                                              const char *object_path,
                                              gint64      deadline);

/* KERF_DEBUG_BUS=1: one line on stderr saying which path was taken. */
void      kerf_cli_light_debug (const char *format, ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
