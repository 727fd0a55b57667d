/* kerf-diag.c — located diagnostics (see kerf-diag.h). */
#include "config.h"

#include <string.h>

#include "kerf-diag.h"
#include "kerf-error.h"

struct _KerfDiagList {
  GPtrArray *items;      /* KerfDiag * */
  guint      n_errors;
  guint      n_warnings;
  gboolean   truncated;  /* the "too many errors" note was added */
};

KerfLoc
kerf_loc_make (const char *file, guint32 line, guint32 col)
{
  KerfLoc loc = { file ? g_intern_string (file) : NULL, line, col };
  return loc;
}

char *
kerf_loc_to_string (KerfLoc loc)
{
  const char *file = loc.file ? loc.file : "<unknown>";

  if (loc.line == 0)
    return g_strdup (file);
  if (loc.col == 0)
    return g_strdup_printf ("%s:%u", file, loc.line);
  return g_strdup_printf ("%s:%u:%u", file, loc.line, loc.col);
}

const char *
kerf_severity_to_string (KerfSeverity severity)
{
  switch (severity)
    {
    case KERF_SEVERITY_ERROR:
      return "error";
    case KERF_SEVERITY_WARNING:
      return "warning";
    case KERF_SEVERITY_NOTE:
    default:
      return "note";
    }
}

static void
kerf_diag_free (gpointer data)
{
  KerfDiag *diag = data;

  g_free (diag->rule);
  g_free (diag->message);
  g_free (diag->suggestion);
  g_free (diag);
}

KerfDiagList *
kerf_diag_list_new (void)
{
  KerfDiagList *list = g_new0 (KerfDiagList, 1);

  list->items = g_ptr_array_new_with_free_func (kerf_diag_free);
  return list;
}

void
kerf_diag_list_free (KerfDiagList *list)
{
  if (list == NULL)
    return;
  g_ptr_array_unref (list->items);
  g_free (list);
}

static void
kerf_diag_list_count (KerfDiagList *list, const KerfDiag *diag)
{
  if (diag->severity == KERF_SEVERITY_ERROR)
    list->n_errors++;
  else if (diag->severity == KERF_SEVERITY_WARNING)
    list->n_warnings++;
}

KerfDiag *
kerf_diag_list_add (KerfDiagList *list,
                    KerfSeverity  severity,
                    KerfLoc       loc,
                    const char   *rule,
                    const char   *suggestion,
                    const char   *format,
                    ...)
{
  KerfDiag *diag;
  va_list args;

  g_return_val_if_fail (list != NULL, NULL);
  g_return_val_if_fail (format != NULL, NULL);

  /* Past the limit only errors stop being recorded; the count still tells
   * the caller the input was bad. */
  if (list->truncated || list->items->len >= KERF_DIAG_MAX_ERRORS * 4)
    {
      if (severity == KERF_SEVERITY_ERROR)
        list->n_errors++;
      return NULL;
    }
  if (severity == KERF_SEVERITY_ERROR && list->n_errors >= KERF_DIAG_MAX_ERRORS)
    {
      list->n_errors++;
      list->truncated = TRUE;
      diag = g_new0 (KerfDiag, 1);
      diag->severity = KERF_SEVERITY_NOTE;
      diag->loc = loc;
      diag->message = g_strdup_printf ("too many errors (more than %d), stopping here",
                                       KERF_DIAG_MAX_ERRORS);
      g_ptr_array_add (list->items, diag);
      return NULL;
    }

  diag = g_new0 (KerfDiag, 1);
  diag->severity = severity;
  diag->loc = loc;
  diag->rule = g_strdup (rule);
  diag->suggestion = g_strdup (suggestion);
  va_start (args, format);
  diag->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (list->items, diag);
  kerf_diag_list_count (list, diag);
  return diag;
}

guint
kerf_diag_list_length (const KerfDiagList *list)
{
  return list ? list->items->len : 0;
}

const KerfDiag *
kerf_diag_list_get (const KerfDiagList *list, guint index)
{
  g_return_val_if_fail (list != NULL && index < list->items->len, NULL);
  return g_ptr_array_index (list->items, index);
}

guint
kerf_diag_list_n_errors (const KerfDiagList *list)
{
  return list ? list->n_errors : 0;
}

guint
kerf_diag_list_n_warnings (const KerfDiagList *list)
{
  return list ? list->n_warnings : 0;
}

gboolean
kerf_diag_list_has_errors (const KerfDiagList *list)
{
  return list != NULL && list->n_errors > 0;
}

void
kerf_diag_list_take_all (KerfDiagList *to, KerfDiagList *from)
{
  g_return_if_fail (to != NULL && from != NULL);

  for (guint i = 0; i < from->items->len; i++)
    {
      KerfDiag *diag = g_ptr_array_index (from->items, i);
      g_ptr_array_add (to->items, diag);
      kerf_diag_list_count (to, diag);
    }
  /* The entries now belong to `to`. */
  g_ptr_array_set_free_func (from->items, NULL);
  g_ptr_array_set_size (from->items, 0);
  g_ptr_array_set_free_func (from->items, kerf_diag_free);
  to->truncated |= from->truncated;
  from->n_errors = from->n_warnings = 0;
  from->truncated = FALSE;
}

static int
kerf_diag_compare (gconstpointer a, gconstpointer b)
{
  const KerfDiag *x = *(const KerfDiag * const *) a;
  const KerfDiag *y = *(const KerfDiag * const *) b;
  int c = g_strcmp0 (x->loc.file, y->loc.file);

  if (c != 0)
    return c;
  if (x->loc.line != y->loc.line)
    return x->loc.line < y->loc.line ? -1 : 1;
  if (x->loc.col != y->loc.col)
    return x->loc.col < y->loc.col ? -1 : 1;
  return (int) x->severity - (int) y->severity;
}

void
kerf_diag_list_sort (KerfDiagList *list)
{
  g_return_if_fail (list != NULL);
  /* g_ptr_array_sort is a stable merge sort in GLib >= 2.32 for this use. */
  g_ptr_array_sort (list->items, kerf_diag_compare);
}

char *
kerf_diag_format (const KerfDiag *diag)
{
  GString *out = g_string_new (NULL);

  /* A finding about a request (not a file) has no location: say nothing
   * rather than "<unknown>". */
  if (diag->loc.file != NULL)
    {
      g_autofree char *where = kerf_loc_to_string (diag->loc);
      g_string_append_printf (out, "%s: ", where);
    }
  g_string_append_printf (out, "%s: %s",
                          kerf_severity_to_string (diag->severity), diag->message);
  if (diag->suggestion != NULL && *diag->suggestion != '\0')
    g_string_append_printf (out, "\n  suggestion: %s", diag->suggestion);
  return g_string_free (out, FALSE);
}

void
kerf_diag_list_print (const KerfDiagList *list, FILE *out)
{
  for (guint i = 0; list != NULL && i < list->items->len; i++)
    {
      g_autofree char *text = kerf_diag_format (g_ptr_array_index (list->items, i));
      fprintf (out, "%s\n", text);
    }
}

gboolean
kerf_diag_list_to_error (const KerfDiagList *list, int code, GError **error)
{
  GString *msg;

  if (!kerf_diag_list_has_errors (list))
    return TRUE;

  msg = g_string_new (NULL);
  for (guint i = 0; i < list->items->len; i++)
    {
      const KerfDiag *diag = g_ptr_array_index (list->items, i);
      g_autofree char *text = NULL;

      if (diag->severity != KERF_SEVERITY_ERROR)
        continue;
      text = kerf_diag_format (diag);
      if (msg->len > 0)
        g_string_append_c (msg, '\n');
      g_string_append (msg, text);
    }
  g_set_error_literal (error, KERF_ERROR, code, msg->str);
  g_string_free (msg, TRUE);
  return FALSE;
}

void
kerf_diag_list_write_json (const KerfDiagList *list, KerfJson *json)
{
  kerf_json_begin_array (json);
  for (guint i = 0; list != NULL && i < list->items->len; i++)
    {
      const KerfDiag *d = g_ptr_array_index (list->items, i);

      kerf_json_begin_object (json);
      kerf_json_key (json, "severity");
      kerf_json_string (json, kerf_severity_to_string (d->severity));
      kerf_json_key (json, "rule");
      kerf_json_string (json, d->rule);
      kerf_json_key (json, "file");
      kerf_json_string (json, d->loc.file);
      kerf_json_key (json, "line");
      kerf_json_uint (json, d->loc.line);
      kerf_json_key (json, "column");
      kerf_json_uint (json, d->loc.col);
      kerf_json_key (json, "message");
      kerf_json_string (json, d->message);
      kerf_json_key (json, "suggestion");
      kerf_json_string (json, d->suggestion);
      kerf_json_end_object (json);
    }
  kerf_json_end_array (json);
}
