/* test-dtb-util.c — see test-dtb-util.h */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-dtb-util.h"

const char *
dtbtest_dtc (void)
{
  static char *path;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      path = g_find_program_in_path ("dtc");
      g_once_init_leave (&done, 1);
    }
  return path;
}

GBytes *
dtbtest_run_dtc (const char *const *args, const guint8 *in, gsize in_len)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kerf-dtb-XXXXXX", &error);
  g_autofree char *input = NULL;
  GBytes *out;

  g_assert_no_error (error);
  input = g_build_filename (dir, "input", NULL);
  g_assert_true (g_file_set_contents (input, (const char *) in, (gssize) in_len, &error));
  g_assert_no_error (error);
  out = dtbtest_run_dtc_path (args, input);
  g_unlink (input);
  g_rmdir (dir);
  return out;
}

GBytes *
dtbtest_run_dtc_path (const char *const *args, const char *input)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kerf-dtb-XXXXXX", &error);
  g_autofree char *output = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;
  gsize out_len = 0;
  gint status = 0;

  g_assert_no_error (error);
  g_assert_nonnull (dtbtest_dtc ());
  output = g_build_filename (dir, "output", NULL);

  g_ptr_array_add (argv, (gpointer) dtbtest_dtc ());
  g_ptr_array_add (argv, (gpointer) "-q");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (gpointer) "-o");
  g_ptr_array_add (argv, output);
  g_ptr_array_add (argv, (gpointer) input);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("dtc failed: %s\n%s", error->message, err);

  g_assert_true (g_file_get_contents (output, &out, &out_len, &error));
  g_assert_no_error (error);
  g_unlink (output);
  g_rmdir (dir);
  return g_bytes_new_take (out, out_len);
}

char *
dtbtest_normalize_dtc (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean in_string = FALSE;

  for (const char *p = text; *p; p++)
    {
      if (!in_string)
        {
          if (*p == '"')
            in_string = TRUE;
          g_string_append_c (out, *p);
          continue;
        }
      if (*p == '\\' && strncmp (p + 1, "xffffff", 7) == 0 &&
          g_ascii_isxdigit (p[8]) && g_ascii_isxdigit (p[9]))
        {
          /* dtc 1.6.1 prints a byte >= 0x80 as a sign-extended int */
          g_string_append (out, "\\x");
          g_string_append_len (out, p + 8, 2);
          p += 9;
        }
      else if (*p == '\\' && p[1] == '0')
        {
          g_string_append (out, "\", \"");
          p++;
        }
      else if (*p == '\\' && p[1] != '\0')
        {
          g_string_append_c (out, *p++);
          g_string_append_c (out, *p);
        }
      else
        {
          if (*p == '"')
            in_string = FALSE;
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

void
dtbtest_assert_bytes_equal (GBytes *got, GBytes *expected, const char *what)
{
  gsize n1, n2;
  const guint8 *a = g_bytes_get_data (got, &n1);
  const guint8 *b = g_bytes_get_data (expected, &n2);

  for (gsize i = 0; i < MIN (n1, n2); i++)
    if (a[i] != b[i])
      g_error ("%s: blobs differ at offset 0x%" G_GSIZE_MODIFIER "x: 0x%02x != 0x%02x "
               "(sizes %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")", what, i, a[i], b[i], n1, n2);
  if (n1 != n2)
    g_error ("%s: sizes differ: %" G_GSIZE_FORMAT " != %" G_GSIZE_FORMAT, what, n1, n2);
}

void
dtbtest_assert_text_equal (const char *got, const char *expected, const char *what)
{
  if (g_strcmp0 (got, expected) != 0)
    g_error ("%s: text differs\n--- got ---\n%s\n--- expected ---\n%s", what, got, expected);
}
