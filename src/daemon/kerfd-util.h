/* kerfd-util.h — small helpers of the D-Bus layer: object path escaping,
 * GVariant conversions and option dictionaries. */
#pragma once

#include <gio/gio.h>
#include "kerf-diag.h"

G_BEGIN_DECLS

/* "web-server" -> "web_2dserver": every byte outside [A-Za-z0-9] becomes
 * "_xx" (lower-case hex), so any name gives a valid, unique path element.
 * "" gives "_". */
char     *kerfd_escape_path_element (const char *name);
/* The inverse; NULL when `element` is not a valid escape. */
char     *kerfd_unescape_path_element (const char *element);
/* KERFD_INSTANCE_PATH_PREFIX + escaped name */
char     *kerfd_instance_object_path (const char *name);
char     *kerfd_transaction_object_path (guint32 id);

/* GArray of guint32 (NULL = empty) -> floating "au" */
GVariant *kerfd_variant_new_u32_array (const GArray *values);
/* "au" -> new sorted, duplicate-free GArray of guint32 */
GArray   *kerfd_u32_array_from_variant (GVariant *au);

/* Diagnostics -> floating "a(sssuuss)"
 * (severity, rule, file, line, column, message, suggestion). */
GVariant *kerfd_variant_new_diagnostics (const KerfDiagList *diags);

/* Option lookups in an a{sv}: FALSE with KERF_ERROR_INVALID_ARGUMENT when
 * the key is there with the wrong type; `*out` untouched when absent. */
gboolean  kerfd_options_get_boolean (GVariant *options, const char *key,
                                     gboolean *out, GError **error);
/* FALSE with KERF_ERROR_INVALID_ARGUMENT when `options` holds a key outside
 * the NULL-terminated `known` list (typos must not be silently ignored). */
gboolean  kerfd_options_check_keys (GVariant *options, const char *const *known,
                                    const char *what, GError **error);

/* Tests only: when $KERFD_TEST_CRASH_AT names `point`, kerfd kills itself
 * with SIGKILL there (no clean-up runs), so the crash-recovery tests can
 * stop it exactly between two writes.  Unset in production: a no-op. */
void      kerfd_test_crash_point (const char *point);

G_END_DECLS
