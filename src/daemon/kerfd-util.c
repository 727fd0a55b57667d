/* kerfd-util.c — path escaping, GVariant conversions, option checks. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "kerf-error.h"
#include "kerfd-names.h"
#include "kerfd-util.h"

static gboolean
kerfd_is_path_safe (char c)
{
  return g_ascii_isalnum (c);
}

char *
kerfd_escape_path_element (const char *name)
{
  GString *s;

  g_return_val_if_fail (name != NULL, NULL);

  if (*name == '\0')
    return g_strdup ("_");

  s = g_string_sized_new (strlen (name) + 8);
  for (const char *p = name; *p != '\0'; p++)
    {
      if (kerfd_is_path_safe (*p))
        g_string_append_c (s, *p);
      else
        g_string_append_printf (s, "_%02x", (guint) (guchar) *p);
    }
  return g_string_free (s, FALSE);
}

char *
kerfd_unescape_path_element (const char *element)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (element != NULL, NULL);

  if (g_str_equal (element, "_"))
    return g_strdup ("");

  for (const char *p = element; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          int hi, lo;

          if (p[1] == '\0' || p[2] == '\0')
            return NULL;
          hi = g_ascii_xdigit_value (p[1]);
          lo = g_ascii_xdigit_value (p[2]);
          if (hi < 0 || lo < 0)
            return NULL;
          g_string_append_c (s, (char) (hi << 4 | lo));
          p += 2;
        }
      else if (kerfd_is_path_safe (*p))
        g_string_append_c (s, *p);
      else
        return NULL;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
kerfd_instance_object_path (const char *name)
{
  g_autofree char *escaped = kerfd_escape_path_element (name);

  return g_strconcat (KERFD_INSTANCE_PATH_PREFIX, escaped, NULL);
}

char *
kerfd_transaction_object_path (guint32 id)
{
  return g_strdup_printf (KERFD_TRANSACTION_PATH_PREFIX "%u", id);
}

GVariant *
kerfd_variant_new_u32_array (const GArray *values)
{
  if (values == NULL || values->len == 0)
    return g_variant_new_array (G_VARIANT_TYPE_UINT32, NULL, 0);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, values->data, values->len,
                                    sizeof (guint32));
}

static gint
kerfd_compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

GArray *
kerfd_u32_array_from_variant (GVariant *au)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize n = 0;
  const guint32 *values = g_variant_get_fixed_array (au, &n, sizeof (guint32));
  guint keep = 0;

  g_array_append_vals (out, values, (guint) n);
  g_array_sort (out, kerfd_compare_u32);
  for (guint i = 0; i < out->len; i++)
    if (keep == 0 || g_array_index (out, guint32, keep - 1) != g_array_index (out, guint32, i))
      g_array_index (out, guint32, keep++) = g_array_index (out, guint32, i);
  g_array_set_size (out, keep);
  return out;
}

GVariant *
kerfd_variant_new_diagnostics (const KerfDiagList *diags)
{
  GVariantBuilder b;
  guint n = diags != NULL ? kerf_diag_list_length (diags) : 0;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sssuuss)"));
  for (guint i = 0; i < n; i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      const char *file = d->loc.file != NULL ? d->loc.file : "";

      /* diagnostics may quote user input: never put invalid UTF-8 on the bus */
      g_autofree char *file_u = g_utf8_make_valid (file, -1);
      g_autofree char *msg_u = g_utf8_make_valid (d->message != NULL ? d->message : "", -1);
      g_autofree char *sugg_u = g_utf8_make_valid (d->suggestion != NULL ? d->suggestion : "", -1);
      g_autofree char *rule_u = g_utf8_make_valid (d->rule != NULL ? d->rule : "", -1);

      g_variant_builder_add (&b, "(sssuuss)", kerf_severity_to_string (d->severity),
                             rule_u, file_u, d->loc.line, d->loc.col, msg_u, sugg_u);
    }
  return g_variant_builder_end (&b);
}

gboolean
kerfd_options_get_boolean (GVariant *options, const char *key,
                           gboolean *out, GError **error)
{
  g_autoptr(GVariant) v = NULL;

  if (options == NULL)
    return TRUE;
  v = g_variant_lookup_value (options, key, NULL);
  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "option '%s' must be a boolean (b), not '%s'", key,
                   g_variant_get_type_string (v));
      return FALSE;
    }
  *out = g_variant_get_boolean (v);
  return TRUE;
}

gboolean
kerfd_options_check_keys (GVariant *options, const char *const *known,
                          const char *what, GError **error)
{
  GVariantIter iter;
  const char *key;

  if (options == NULL)
    return TRUE;
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    {
      if (known == NULL || !g_strv_contains (known, key))
        {
          g_autofree char *list = known != NULL ? g_strjoinv (", ", (char **) known) : NULL;

          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "unknown %s key '%s' (known: %s)", what, key,
                       list != NULL && *list != '\0' ? list : "none");
          return FALSE;
        }
    }
  return TRUE;
}

void
kerfd_test_crash_point (const char *point)
{
  const char *at = g_getenv ("KERFD_TEST_CRASH_AT");

  if (at != NULL && g_str_equal (at, point))
    {
      g_message ("KERFD_TEST_CRASH_AT=%s: killing kerfd", point);
      raise (SIGKILL);
    }
}
