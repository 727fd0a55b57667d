/* test-dts-corpus.c — differential tests against Debian's dtc 1.6.1.
 *
 * ok corpus (every .dts in tests/dt/parse/ok): dtc accepts every file; our DTB
 * must equal dtc's byte for byte once both are normalised with fdt_pack().
 * Plugins are compiled with dtc -@ (our parser always emits __symbols__ for
 * them, as dtc -@ does).
 *
 * reject corpus (every .dts in tests/dt/parse/bad): dtc must exit non-zero on each
 * file and we must report an error located in that file.  The first line of
 * every bad file is a comment "expect: LINE:COL: error: TEXT", the first
 * error we must print (after the file name; a prefix of it) — so a test cannot pass by
 * rejecting the file for some unrelated reason.
 *
 * Plus a large tree generated at test time (thousands of nodes, labels and
 * references) compared with dtc the same way, and every shipped example.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <libfdt.h>

#include "kerf-dts.h"

#define PARSE_DIR KERF_SOURCE_DIR "/tests/dt/parse"

static gboolean
have_dtc (void)
{
  g_autofree char *dtc = g_find_program_in_path ("dtc");
  if (dtc == NULL)
    g_test_skip ("dtc not installed");
  return dtc != NULL;
}

static char *
diags_text (KerfDiagList *diags)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      g_autofree char *f = kerf_diag_format (kerf_diag_list_get (diags, i));
      g_string_append (s, f);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* fdt_open_into() a copy (checks the header and block layout) and
 * fdt_pack() it: both compilers' blobs then have the canonical layout with
 * no free space, so padding or block-order choices cannot hide or fake a
 * difference in content. */
static GBytes *
fdt_normalise (GBytes *blob, const char *who)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (blob, &len);
  if (len < sizeof (struct fdt_header) || fdt_check_header (data) != 0
      || fdt_totalsize (data) != len)
    g_error ("%s: not a valid blob (%" G_GSIZE_FORMAT " bytes)", who, len);
  gsize cap = len + 64;
  guint8 *buf = g_malloc0 (cap);
  int rc = fdt_open_into (data, buf, (int) cap);
  if (rc == 0)
    rc = fdt_pack (buf);
  if (rc != 0)
    g_error ("%s: fdt_open_into/fdt_pack: %s", who, fdt_strerror (rc));
  return g_bytes_new_take (buf, fdt_totalsize (buf));
}

/* dtc's blob, or NULL when dtc exits non-zero (its stderr in *err). */
static GBytes *
run_dtc (const char *path, gboolean plugin, char **err)
{
  g_autofree char *out = g_build_filename (g_get_tmp_dir (), "kerf-test-corpus-XXXXXX", NULL);
  int fd = g_mkstemp (out);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  const char *argv[] = { "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, path,
                         plugin ? "-@" : NULL, NULL };
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_unlink (out);
      return NULL;
    }
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  g_unlink (out);
  return g_bytes_new_take (data, len);
}

/* First differing byte, for a readable failure. */
static void
assert_same_blob (const char *path, GBytes *ours, GBytes *theirs)
{
  if (g_bytes_equal (ours, theirs))
    return;
  gsize la = 0, lb = 0;
  const guint8 *a = g_bytes_get_data (ours, &la);
  const guint8 *b = g_bytes_get_data (theirs, &lb);
  gsize i = 0;
  while (i < la && i < lb && a[i] == b[i])
    i++;
  g_error ("%s: our packed DTB (%" G_GSIZE_FORMAT " bytes) differs from dtc's (%" G_GSIZE_FORMAT
           ") first at byte %" G_GSIZE_FORMAT, path, la, lb, i);
}

static void
check_ok_file (const char *path)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) tree = kerf_dts_parse_file (path, diags);
  g_autofree char *text = diags_text (diags);
  if (tree == NULL)
    g_error ("%s did not parse:\n%s", path, text);
  /* dtc is run with -q, and we promise dtc's language: a warning from us
   * on a file dtc takes silently would be noise for the user */
  if (kerf_diag_list_length (diags) != 0)
    g_error ("%s: unexpected diagnostics:\n%s", path, text);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ours = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
  g_autofree char *err = NULL;
  g_autoptr(GBytes) theirs = run_dtc (path, tree->plugin, &err);
  if (theirs == NULL)
    g_error ("dtc rejected %s:\n%s", path, err);
  g_autoptr(GBytes) a = fdt_normalise (ours, path);
  g_autoptr(GBytes) b = fdt_normalise (theirs, "dtc");
  assert_same_blob (path, a, b);
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static GPtrArray *
list_dts (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (name, ".dts"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, compare_paths);
  return files;
}

static void
test_ok_corpus (void)
{
  if (!have_dtc ())
    return;
  g_autoptr(GPtrArray) files = list_dts (PARSE_DIR "/ok");
  g_assert_cmpuint (files->len, >=, 40);
  for (guint i = 0; i < files->len; i++)
    {
      g_test_message ("ok: %s", (char *) files->pdata[i]);
      check_ok_file (files->pdata[i]);
    }
}

/* ---- reject corpus ---------------------------------------------------- */

/* "expect: 3:9: error: text" from the first line's comment */
static char *
expected_error (const char *path, const char *src)
{
  const char *p = strstr (src, "expect: ");
  const char *eol = p != NULL ? strchr (p, '\n') : NULL;
  if (p == NULL || eol == NULL || (gsize) (p - src) > 4)
    g_error ("%s: the first line must be a comment \"expect: LINE:COL: error: ...\"", path);
  g_autofree char *want = g_strndup (p + 8, eol - p - 8);
  g_strchomp (want);
  if (g_str_has_suffix (want, "*/"))
    {
      want[strlen (want) - 2] = '\0';
      g_strchomp (want);
    }
  return g_strdup_printf ("%s:%s", path, want);
}

static void
check_bad_file (const char *path)
{
  g_autofree char *src = NULL;
  g_assert_true (g_file_get_contents (path, &src, NULL, NULL));
  g_autofree char *want = expected_error (path, src);

  g_autofree char *err = NULL;
  g_autoptr(GBytes) theirs = run_dtc (path, FALSE, &err);
  if (theirs != NULL)
    g_error ("dtc accepted %s, which the reject corpus says is invalid", path);
  g_test_message ("dtc on %s:\n%s", path, err);

  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) tree = kerf_dts_parse_file (path, diags);
  g_autofree char *text = diags_text (diags);
  g_test_message ("kerf on %s:\n%s", path, text);
  if (tree != NULL)
    g_error ("%s: accepted, expected \"%s\"", path, want);
  const KerfDiag *first = NULL;
  for (guint i = 0; i < kerf_diag_list_length (diags) && first == NULL; i++)
    if (kerf_diag_list_get (diags, i)->severity == KERF_SEVERITY_ERROR)
      first = kerf_diag_list_get (diags, i);
  g_assert_nonnull (first);
  g_autofree char *got = kerf_diag_format (first);
  char *nl = strchr (got, '\n');
  if (nl != NULL)
    *nl = '\0';
  if (!g_str_has_prefix (got, want))
    g_error ("%s: first error is\n  %s\nexpected\n  %s", path, got, want);
}

static void
test_bad_corpus (void)
{
  if (!have_dtc ())
    return;
  g_autoptr(GPtrArray) files = list_dts (PARSE_DIR "/bad");
  g_assert_cmpuint (files->len, >=, 15);
  for (guint i = 0; i < files->len; i++)
    check_bad_file (files->pdata[i]);
}

/* ---- generated large tree ---------------------------------------------- */

/* A board of `n` clusters, each with devices, labels, cross references
 * (cells and paths), overrides and deletions, so phandle numbering,
 * string-table sharing and merging work at scale. */
static char *
large_source (guint n)
{
  GString *s = g_string_new ("/dts-v1/;\n/memreserve/ 0x80000000 0x100000;\n/ {\n"
                             "\t#address-cells = <2>;\n\t#size-cells = <2>;\n"
                             "\tcompatible = \"kerf,generated\";\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (s, "\tcl%u: cluster@%x {\n\t\treg = <0x0 0x%x 0x0 0x1000>;\n"
                              "\t\tprev = <&cl%u>;\n\t\tname-%u = \"c%u\", \"x\";\n", i, i, i * 0x1000,
                              i > 0 ? i - 1 : 0, i % 7, i);
      for (guint j = 0; j < 4; j++)
        g_string_append_printf (s, "\t\tdev%u_%u: dev@%u { v = /bits/ %u <%u>; peer = &dev%u_%u; };\n",
                                i, j, j, 8u << (j % 4), (i * 4 + j) & 0xff, (i * 7 + 3) % n, j % 3);
      g_string_append (s, "\t};\n");
    }
  g_string_append (s, "};\n");
  for (guint i = 0; i < n; i += 3)
    g_string_append_printf (s, "&dev%u_1 { status = \"okay\"; link = <&cl%u 1 &dev%u_2>; };\n",
                            i, (i * 11) % n, (i * 5) % n);
  for (guint i = 1; i < n; i += 5)
    g_string_append_printf (s, "/delete-node/ &dev%u_3;\n&cl%u { /delete-property/ prev; };\n", i, i);
  return g_string_free (s, FALSE);
}

static void
test_large_generated (void)
{
  if (!have_dtc ())
    return;
  g_autofree char *dir = g_dir_make_tmp ("kerf-corpus-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "large.dts", NULL);
  g_autofree char *src = large_source (2000);
  g_assert_true (g_file_set_contents (path, src, -1, NULL));
  check_ok_file (path);
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- shipped examples -------------------------------------------------- */

static void
test_examples (void)
{
  g_autoptr(GPtrArray) files = list_dts (KERF_SOURCE_DIR "/examples");
  g_assert_cmpuint (files->len, >=, 5);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) tree = kerf_dts_parse_file (path, diags);
      g_autofree char *text = diags_text (diags);
      g_test_message ("%s:\n%s", path, text);
      if (tree == NULL || kerf_diag_list_has_errors (diags))
        g_error ("example %s does not compile:\n%s", path, text);
      /* the only warning allowed: the multikernel dialect's over-wide cell */
      for (guint j = 0; j < kerf_diag_list_length (diags); j++)
        {
          const KerfDiag *d = kerf_diag_list_get (diags, j);
          g_assert_cmpint (d->severity, ==, KERF_SEVERITY_WARNING);
          g_assert_true (strstr (d->message, "does not fit in 32 bits") != NULL);
        }
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) blob = kerf_dtb_write (tree, &error);
      g_assert_no_error (error);
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (blob, &len);
      g_assert_true (kerf_dtb_check (data, len, &error));
      g_assert_no_error (error);
      g_autoptr(GBytes) packed = fdt_normalise (blob, path);
      g_assert_cmpuint (g_bytes_get_size (packed), ==, len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dts-corpus/ok", test_ok_corpus);
  g_test_add_func ("/dts-corpus/bad", test_bad_corpus);
  g_test_add_func ("/dts-corpus/large-generated", test_large_generated);
  g_test_add_func ("/dts-corpus/examples", test_examples);
  return g_test_run ();
}
