/* kerf-json.c — streaming JSON writer (see kerf-json.h). */
#include "config.h"

#include "kerf-json.h"

struct _KerfJson {
  GString *out;
  gboolean pretty;
  GArray  *first;       /* gboolean per open container: no element yet */
  gboolean after_key;   /* a key was written; the value follows directly */
};

KerfJson *
kerf_json_new (gboolean pretty)
{
  KerfJson *json = g_new0 (KerfJson, 1);

  json->out = g_string_new (NULL);
  json->pretty = pretty;
  json->first = g_array_new (FALSE, FALSE, sizeof (gboolean));
  return json;
}

void
kerf_json_free (KerfJson *json)
{
  if (json == NULL)
    return;
  g_string_free (json->out, TRUE);
  g_array_unref (json->first);
  g_free (json);
}

char *
kerf_json_free_to_string (KerfJson *json)
{
  char *text;

  if (json->pretty)
    g_string_append_c (json->out, '\n');
  text = g_string_free (json->out, FALSE);
  json->out = NULL;
  g_array_unref (json->first);
  g_free (json);
  return text;
}

static void
kerf_json_indent (KerfJson *json)
{
  if (!json->pretty)
    return;
  g_string_append_c (json->out, '\n');
  for (guint i = 0; i < json->first->len; i++)
    g_string_append (json->out, "  ");
}

/* Separator before a new element (value or key) in the current container. */
static void
kerf_json_element (KerfJson *json)
{
  gboolean *first;

  if (json->after_key)
    {
      json->after_key = FALSE;
      return;
    }
  if (json->first->len == 0)
    return;
  first = &g_array_index (json->first, gboolean, json->first->len - 1);
  if (!*first)
    g_string_append_c (json->out, ',');
  *first = FALSE;
  kerf_json_indent (json);
}

static void
kerf_json_open (KerfJson *json, char c)
{
  gboolean first = TRUE;

  kerf_json_element (json);
  g_string_append_c (json->out, c);
  g_array_append_val (json->first, first);
}

static void
kerf_json_close (KerfJson *json, char c)
{
  gboolean empty;

  g_return_if_fail (json->first->len > 0);
  empty = g_array_index (json->first, gboolean, json->first->len - 1);
  g_array_set_size (json->first, json->first->len - 1);
  if (!empty)
    kerf_json_indent (json);
  g_string_append_c (json->out, c);
}

void kerf_json_begin_object (KerfJson *json) { kerf_json_open (json, '{'); }
void kerf_json_end_object (KerfJson *json) { kerf_json_close (json, '}'); }
void kerf_json_begin_array (KerfJson *json) { kerf_json_open (json, '['); }
void kerf_json_end_array (KerfJson *json) { kerf_json_close (json, ']'); }

void
kerf_json_append_escaped (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

void
kerf_json_key (KerfJson *json, const char *key)
{
  kerf_json_element (json);
  kerf_json_append_escaped (json->out, key);
  g_string_append (json->out, json->pretty ? ": " : ":");
  json->after_key = TRUE;
}

void
kerf_json_string (KerfJson *json, const char *value)
{
  kerf_json_element (json);
  if (value == NULL)
    g_string_append (json->out, "null");
  else
    kerf_json_append_escaped (json->out, value);
}

void
kerf_json_int (KerfJson *json, gint64 value)
{
  kerf_json_element (json);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
}

void
kerf_json_uint (KerfJson *json, guint64 value)
{
  kerf_json_element (json);
  g_string_append_printf (json->out, "%" G_GUINT64_FORMAT, value);
}

void
kerf_json_double (KerfJson *json, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  kerf_json_element (json);
  g_string_append (json->out, g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

void
kerf_json_bool (KerfJson *json, gboolean value)
{
  kerf_json_element (json);
  g_string_append (json->out, value ? "true" : "false");
}

void
kerf_json_null (KerfJson *json)
{
  kerf_json_element (json);
  g_string_append (json->out, "null");
}

void
kerf_json_u32_array (KerfJson *json, const GArray *values)
{
  kerf_json_begin_array (json);
  for (guint i = 0; values != NULL && i < values->len; i++)
    kerf_json_uint (json, g_array_index (values, guint32, i));
  kerf_json_end_array (json);
}
