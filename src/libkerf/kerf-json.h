/* kerf-json.h — a tiny streaming JSON writer (no dependency beyond GLib).
 *
 * kerf prints JSON in a few places (CLI --json, reports); json-glib is not
 * worth a dependency for writing.  Commas and nesting are tracked for the
 * caller, strings are escaped per RFC 8259.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KerfJson KerfJson;

KerfJson *kerf_json_new (gboolean pretty);
void      kerf_json_free (KerfJson *json);
/* Returns the text (caller frees) and frees the writer. */
char     *kerf_json_free_to_string (KerfJson *json);

void kerf_json_begin_object (KerfJson *json);
void kerf_json_end_object (KerfJson *json);
void kerf_json_begin_array (KerfJson *json);
void kerf_json_end_array (KerfJson *json);
/* The key of the next value inside an object. */
void kerf_json_key (KerfJson *json, const char *key);

void kerf_json_string (KerfJson *json, const char *value);   /* NULL -> null */
void kerf_json_int (KerfJson *json, gint64 value);
void kerf_json_uint (KerfJson *json, guint64 value);
void kerf_json_double (KerfJson *json, double value);
void kerf_json_bool (KerfJson *json, gboolean value);
void kerf_json_null (KerfJson *json);
/* An array of unsigned numbers from a guint32 GArray. */
void kerf_json_u32_array (KerfJson *json, const GArray *values);

/* Appends `s` JSON-escaped and quoted. */
void kerf_json_append_escaped (GString *out, const char *s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfJson, kerf_json_free)

G_END_DECLS
