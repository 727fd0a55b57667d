/* kerf-cli-output.c — how the CLI prints: aligned tables, units, JSON.
 *
 * Units follow the rest of kerf: CPU lists compressed into ranges
 * ("4-7,9"), sizes in binary units ("2 GiB"), addresses in hex.
 */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-cli-output.h"

struct _KerfCliTable {
  guint      n_columns;
  GPtrArray *rows;   /* GStrv, the first is the header */
};

KerfCliTable *
kerf_cli_table_new (const char *const *headers)
{
  KerfCliTable *table = g_new0 (KerfCliTable, 1);

  table->n_columns = g_strv_length ((char **) headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (table->rows, g_strdupv ((char **) headers));
  return table;
}

void
kerf_cli_table_add_row (KerfCliTable *table, const char *const *cells)
{
  char **row = g_new0 (char *, table->n_columns + 1);

  for (guint i = 0; i < table->n_columns; i++)
    row[i] = g_strdup (cells[i] != NULL && cells[i][0] != '\0' ? cells[i] : "-");
  g_ptr_array_add (table->rows, row);
}

void
kerf_cli_table_print (const KerfCliTable *table, FILE *out)
{
  g_autofree glong *widths = g_new0 (glong, table->n_columns);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
    }
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      GString *line = g_string_new (NULL);

      for (guint c = 0; c < table->n_columns; c++)
        {
          g_string_append (line, row[c]);
          /* no trailing blanks after the last column */
          if (c + 1 < table->n_columns)
            for (glong pad = g_utf8_strlen (row[c], -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      fprintf (out, "%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

void
kerf_cli_table_free (KerfCliTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  g_free (table);
}

static gint
kerf_cli_compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

char *
kerf_cli_format_id_list (GVariant *au)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize n = 0;
  const guint32 *data;

  if (au == NULL)
    return g_strdup ("");
  data = g_variant_get_fixed_array (au, &n, sizeof (guint32));
  g_array_append_vals (ids, data, (guint) n);
  g_array_sort (ids, kerf_cli_compare_u32);
  return kerf_cpu_list_format ((const guint32 *) (void *) ids->data, ids->len);
}

char *
kerf_cli_format_memory (guint64 base, guint64 bytes)
{
  g_autofree char *size = NULL;

  if (bytes == 0)
    return g_strdup ("");
  size = kerf_size_format (bytes);
  return g_strdup_printf ("%s at 0x%" G_GINT64_MODIFIER "x", size, base);
}

char *
kerf_cli_timestamp (gboolean iso8601)
{
  g_autoptr (GDateTime) now = iso8601 ? g_date_time_new_now_utc () : g_date_time_new_now_local ();

  if (iso8601)
    return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  else
    {
      g_autofree char *base = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");

      return g_strdup_printf ("%s.%03d", base, g_date_time_get_microsecond (now) / 1000);
    }
}

void
kerf_cli_json_variant (KerfJson *json, GVariant *value)
{
  const GVariantType *type = g_variant_get_type (value);

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BOOLEAN: kerf_json_bool (json, g_variant_get_boolean (value)); return;
    case G_VARIANT_CLASS_BYTE: kerf_json_uint (json, g_variant_get_byte (value)); return;
    case G_VARIANT_CLASS_INT16: kerf_json_int (json, g_variant_get_int16 (value)); return;
    case G_VARIANT_CLASS_UINT16: kerf_json_uint (json, g_variant_get_uint16 (value)); return;
    case G_VARIANT_CLASS_INT32: kerf_json_int (json, g_variant_get_int32 (value)); return;
    case G_VARIANT_CLASS_UINT32: kerf_json_uint (json, g_variant_get_uint32 (value)); return;
    case G_VARIANT_CLASS_INT64: kerf_json_int (json, g_variant_get_int64 (value)); return;
    case G_VARIANT_CLASS_UINT64: kerf_json_uint (json, g_variant_get_uint64 (value)); return;
    case G_VARIANT_CLASS_HANDLE: kerf_json_int (json, g_variant_get_handle (value)); return;
    case G_VARIANT_CLASS_DOUBLE: kerf_json_double (json, g_variant_get_double (value)); return;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      kerf_json_string (json, g_variant_get_string (value, NULL));
      return;
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr (GVariant) inner = g_variant_get_variant (value);

        kerf_cli_json_variant (json, inner);
        return;
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr (GVariant) inner = g_variant_get_maybe (value);

        if (inner == NULL)
          kerf_json_null (json);
        else
          kerf_cli_json_variant (json, inner);
        return;
      }
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_type_is_dict_entry (g_variant_type_element (type)) &&
          g_variant_type_equal (g_variant_type_key (g_variant_type_element (type)),
                                G_VARIANT_TYPE_STRING))
        {
          GVariantIter iter;
          const char *key;
          GVariant *item;

          kerf_json_begin_object (json);
          g_variant_iter_init (&iter, value);
          while (g_variant_iter_next (&iter, "{&s@*}", &key, &item))
            {
              kerf_json_key (json, key);
              kerf_cli_json_variant (json, item);
              g_variant_unref (item);
            }
          kerf_json_end_object (json);
          return;
        }
      G_GNUC_FALLTHROUGH;
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
      {
        GVariantIter iter;
        GVariant *item;

        kerf_json_begin_array (json);
        g_variant_iter_init (&iter, value);
        while ((item = g_variant_iter_next_value (&iter)) != NULL)
          {
            kerf_cli_json_variant (json, item);
            g_variant_unref (item);
          }
        kerf_json_end_array (json);
        return;
      }
    default:
      kerf_json_null (json);
      return;
    }
}

void
kerf_cli_json_print (KerfJson *json)
{
  g_autofree char *text = kerf_json_free_to_string (json);

  printf ("%s\n", text);
  fflush (stdout);
}

void
kerf_cli_json_id_list (KerfJson *json, GVariant *au)
{
  gsize n = 0;
  const guint32 *data = au != NULL ? g_variant_get_fixed_array (au, &n, sizeof (guint32)) : NULL;

  kerf_json_begin_array (json);
  for (gsize i = 0; i < n; i++)
    kerf_json_uint (json, data[i]);
  kerf_json_end_array (json);
}

KerfDiagList *
kerf_cli_diags_from_variant (GVariant *diagnostics)
{
  KerfDiagList *list = kerf_diag_list_new ();
  GVariantIter iter;
  const char *severity, *rule, *file, *message, *suggestion;
  guint32 line, column;

  if (diagnostics == NULL)
    return list;
  g_variant_iter_init (&iter, diagnostics);
  while (g_variant_iter_next (&iter, "(&s&s&suu&s&s)", &severity, &rule, &file, &line, &column,
                              &message, &suggestion))
    {
      KerfSeverity sev = strcmp (severity, "error") == 0 ? KERF_SEVERITY_ERROR
                         : strcmp (severity, "warning") == 0 ? KERF_SEVERITY_WARNING
                         : KERF_SEVERITY_NOTE;

      kerf_diag_list_add (list, sev, kerf_loc_make (file[0] != '\0' ? file : NULL, line, column),
                          rule[0] != '\0' ? rule : NULL,
                          suggestion[0] != '\0' ? suggestion : NULL, "%s", message);
    }
  return list;
}
