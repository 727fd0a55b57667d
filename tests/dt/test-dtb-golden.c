/* test-dtb-golden.c — every tests/dt/golden/NAME.dts, compiled by dtc:
 *
 *   read(dtc blob) then write           == dtc blob            (bytes)
 *   print(read(dtc blob))               == dtc -I dtb -O dts   (text, after
 *                                          the string-list normalisation)
 *   print(read(dtc blob)) through dtc   == dtc blob            (bytes)
 *
 * and, through kerf's own DTS parser:
 *
 *   write(kerf_dts_parse(NAME.dts))     == dtc -I dts -O dtb   (bytes)
 *
 * The golden .dts files have no __symbols__ (dtc 1.6.1 does not turn them
 * back into labels; kerf does).
 */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-dts.h"
#include "test-dtb-util.h"

static const char *const dts2dtb[] = { "-I", "dts", "-O", "dtb", NULL };
static const char *const dtb2dts[] = { "-I", "dtb", "-O", "dts", NULL };
static const char *const dts2dts[] = { "-I", "dts", "-O", "dts", NULL };
/* kerf's parser records labels of /plugin/ sources in __symbols__, as
 * dtc does with -@ */
static const char *const dts2dtb_sym[] = { "-@", "-I", "dts", "-O", "dtb", NULL };
static const char *const dts2dts_sym[] = { "-@", "-I", "dts", "-O", "dts", NULL };

static void
test_golden (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GBytes) ref = NULL;
  g_autoptr (GBytes) dtc_text = NULL;
  g_autoptr (GBytes) ours = NULL;
  g_autoptr (GBytes) recompiled = NULL;
  g_autoptr (KerfDtTree) tree = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *printed = NULL;
  const guint8 *ref_data;
  gsize ref_len;

  if (dtbtest_dtc () == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }

  ref = dtbtest_run_dtc_path (dts2dtb, path);
  ref_data = g_bytes_get_data (ref, &ref_len);

  tree = kerf_dtb_read (ref_data, ref_len, path, &error);
  g_assert_no_error (error);
  ours = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
  dtbtest_assert_bytes_equal (ours, ref, "write(read(dtc blob))");

  printed = kerf_dts_print (tree);
  dtc_text = dtbtest_run_dtc (dtb2dts, ref_data, ref_len);
  raw = g_strndup (g_bytes_get_data (dtc_text, NULL), g_bytes_get_size (dtc_text));
  expected = dtbtest_normalize_dtc (raw);
  dtbtest_assert_text_equal (printed, expected, "print(read(blob)) vs dtc -I dtb -O dts");

  recompiled = dtbtest_run_dtc (dts2dtb, (const guint8 *) printed, strlen (printed));
  dtbtest_assert_bytes_equal (recompiled, ref, "dtc of print(read(blob))");
}

/* kerf's own DTS front end feeding the writer: dtc's bytes, and the
 * printer on the parsed tree (type marks from the source) prints what
 * `dtc -I dts -O dts` prints. */
static void
test_golden_parsed (gconstpointer data)
{
  const char *path = data;
  g_autoptr (KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr (KerfDtTree) tree = NULL;
  g_autoptr (GBytes) ref = NULL;
  g_autoptr (GBytes) ours = NULL;
  g_autoptr (GBytes) dtc_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *expected = NULL;

  if (dtbtest_dtc () == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }
  tree = kerf_dts_parse_file (path, diags);
  if (tree == NULL)
    {
      kerf_diag_list_print (diags, stderr);
      g_error ("%s did not parse", path);
    }
  ours = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
  ref = dtbtest_run_dtc_path (tree->plugin ? dts2dtb_sym : dts2dtb, path);
  dtbtest_assert_bytes_equal (ours, ref, "write(kerf_dts_parse(dts)) vs dtc -I dts -O dtb");

  printed = kerf_dts_print (tree);
  dtc_text = dtbtest_run_dtc_path (tree->plugin ? dts2dts_sym : dts2dts, path);
  raw = g_strndup (g_bytes_get_data (dtc_text, NULL), g_bytes_get_size (dtc_text));
  expected = dtbtest_normalize_dtc (raw);
  if (tree->plugin)
    {
      /* dtc 1.6.1 drops the /plugin/ line when printing; newer dtc and
       * kerf keep it, so the text still reads back as an overlay. */
      char *with = g_strconcat ("/dts-v1/;\n/plugin/;\n", expected + strlen ("/dts-v1/;\n"), NULL);

      g_assert_true (g_str_has_prefix (expected, "/dts-v1/;\n"));
      g_free (expected);
      expected = with;
    }
  dtbtest_assert_text_equal (printed, expected, "print(kerf_dts_parse(dts)) vs dtc -I dts -O dts");
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = g_build_filename (KERF_SOURCE_DIR, "tests", "dt", "golden", NULL);
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_test_init (&argc, &argv, NULL);
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".dts"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_paths);
  g_assert_cmpuint (paths->len, >, 0);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *test = g_strdup_printf ("/dtb/golden/%s", base);

      g_autofree char *test2 = g_strdup_printf ("/dtb/golden-parsed/%s", base);

      g_test_add_data_func (test, path, test_golden);
      g_test_add_data_func (test2, path, test_golden_parsed);
    }
  return g_test_run ();
}
