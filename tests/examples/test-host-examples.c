/* test-host-examples.c — the host-inventory rules (H4, H5, H7, M4-M7) on
 * the example files, against fake /proc/cpuinfo and /proc/iomem files
 * (tests/examples/proc/): `kerf validate` always reads the real /proc, so
 * these examples run through the validator directly, with its path
 * options.  The findings are compared with golden files in the CLI's text
 * and JSON shapes (tests/examples/golden/host/), KERF_UPDATE_GOLDEN=1
 * rewrites them.
 *
 * Also checked here, against the code's own catalogue
 * (kerf_validate_rules()): docs/validation-rules.md lists exactly those
 * rules with those severities, and every rule is exercised by at least one
 * example (a "rule" field of some JSON golden).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kerf-json.h"
#include "kerf-model.h"
#include "kerf-validate.h"

typedef struct {
  const char *name;      /* golden base name */
  const char *example;   /* relative to the source root */
  const char *cpuinfo;
  const char *iomem;
} HostCase;

#define PROC "tests/examples/proc/"

static const HostCase cases[] = {
  /* the machine the baseline describes: no host warning */
  { "host-inventory-match", "examples/states/host-inventory.dts",
    PROC "cpuinfo-8", PROC "iomem-match" },
  /* fewer CPUs, a smaller pool elsewhere: H4, H5, M4, M5, M6 */
  { "host-inventory-smaller", "examples/states/host-inventory.dts",
    PROC "cpuinfo-4", PROC "iomem-small" },
  /* nothing to compare with: H7, M7 */
  { "host-inventory-unknown", "examples/states/host-inventory.dts",
    PROC "cpuinfo-none", PROC "iomem-none" },
  /* an unreadable iomem is M7 too, and says so */
  { "host-inventory-unreadable", "examples/states/host-inventory.dts",
    PROC "cpuinfo-8", PROC "no-such-file" },
};

static gboolean
updating (void)
{
  return g_strcmp0 (g_getenv ("KERF_UPDATE_GOLDEN"), "1") == 0;
}

static void
check_golden (const char *name, const char *got)
{
  g_autofree char *path = g_build_filename ("tests", "examples", "golden", "host", name, NULL);
  g_autofree char *want = NULL;
  g_autoptr(GError) error = NULL;

  if (updating ())
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      g_assert_true (g_file_set_contents (path, got, -1, &error));
      g_assert_no_error (error);
      return;
    }
  if (!g_file_get_contents (path, &want, NULL, &error))
    g_error ("%s: %s (KERF_UPDATE_GOLDEN=1 creates it)", path, error->message);
  if (strcmp (want, got) != 0)
    g_error ("%s differs; got:\n%s", path, got);
}

/* The CLI's text output: findings, then the verdict line. */
static char *
format_text (const char *file, const KerfDiagList *diags, gboolean valid)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&buf, &len);
  guint e = kerf_diag_list_n_errors (diags), w = kerf_diag_list_n_warnings (diags);

  g_assert_nonnull (out);
  kerf_diag_list_print (diags, out);
  if (valid)
    fprintf (out, "%s: valid (%u warning%s)\n", file, w, w == 1 ? "" : "s");
  else
    fprintf (out, "%s: invalid (%u error%s, %u warning%s)\n", file, e, e == 1 ? "" : "s",
             w, w == 1 ? "" : "s");
  fclose (out);
  return buf;
}

/* The CLI's --json shape (docs/cli-json.md; src/cli/kerf-cli-tree.c
 * kerf_cli_print_diags_json), built from the same diagnostics writer. */
static char *
format_json (const char *file, const KerfDiagList *diags, gboolean valid)
{
  KerfJson *json = kerf_json_new (TRUE);
  g_autofree char *text = NULL;

  kerf_json_begin_object (json);
  kerf_json_key (json, "file");
  kerf_json_string (json, file);
  kerf_json_key (json, "valid");
  kerf_json_bool (json, valid);
  kerf_json_key (json, "errors");
  kerf_json_uint (json, kerf_diag_list_n_errors (diags));
  kerf_json_key (json, "warnings");
  kerf_json_uint (json, kerf_diag_list_n_warnings (diags));
  kerf_json_key (json, "diagnostics");
  kerf_diag_list_write_json (diags, json);
  kerf_json_end_object (json);
  text = kerf_json_free_to_string (json);
  return g_strconcat (text, "\n", NULL);
}

static void
test_host_case (gconstpointer data)
{
  const HostCase *c = data;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfModel) model = kerf_model_from_file (c->example, diags);
  g_autofree char *text = NULL, *json = NULL, *name_txt = NULL, *name_json = NULL;
  KerfValidateOptions opts;
  gboolean valid;

  g_assert_nonnull (model);
  kerf_validate_options_init (&opts);
  opts.check_host = TRUE;
  opts.cpuinfo_path = c->cpuinfo;
  opts.iomem_path = c->iomem;
  valid = kerf_validate_state (model, &opts, diags);
  kerf_diag_list_sort (diags);

  /* host findings are advice: they never make a state invalid */
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      const KerfValidateRule *r = kerf_validate_rule_lookup (d->rule);

      g_assert_nonnull (r);
      if (g_str_equal (r->family, "host"))
        g_assert_cmpint (d->severity, ==, KERF_SEVERITY_WARNING);
    }

  text = format_text (c->example, diags, valid);
  json = format_json (c->example, diags, valid);
  name_txt = g_strconcat (c->name, ".txt", NULL);
  name_json = g_strconcat (c->name, ".json", NULL);
  check_golden (name_txt, text);
  check_golden (name_json, json);
}

/* The same file with the host checks off has no host finding at all. */
static void
test_host_checks_off (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfModel) model = kerf_model_from_file ("examples/states/host-inventory.dts", diags);
  KerfValidateOptions opts;

  g_assert_nonnull (model);
  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  opts.cpuinfo_path = PROC "cpuinfo-none";
  opts.iomem_path = PROC "iomem-none";
  g_assert_true (kerf_validate_state (model, &opts, diags));
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

/* docs/validation-rules.md's table is the code's catalogue. */
static void
test_catalogue_documented (void)
{
  g_autofree char *doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) row = g_regex_new ("^\\| ([A-Z]+[0-9]+) \\| ([a-z]+) \\| (error|warning) \\| "
                                       "(.+) \\|$", G_REGEX_MULTILINE, 0, &error);
  g_autoptr(GMatchInfo) m = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n;
  const KerfValidateRule *rules = kerf_validate_rules (&n);

  g_assert_no_error (error);
  g_assert_true (g_file_get_contents ("docs/validation-rules.md", &doc, NULL, &error));
  g_assert_no_error (error);
  for (g_regex_match (row, doc, 0, &m); g_match_info_matches (m); g_match_info_next (m, NULL))
    {
      g_autofree char *id = g_match_info_fetch (m, 1);
      g_autofree char *family = g_match_info_fetch (m, 2);
      g_autofree char *sev = g_match_info_fetch (m, 3);
      g_autofree char *summary = g_match_info_fetch (m, 4);
      const KerfValidateRule *r = kerf_validate_rule_lookup (id);

      if (r == NULL)
        g_error ("docs/validation-rules.md lists %s, which the validator does not have", id);
      g_assert_cmpstr (family, ==, r->family);
      g_assert_cmpstr (sev, ==, kerf_severity_to_string (r->severity));
      g_assert_cmpstr (summary, ==, r->summary);
      g_hash_table_add (seen, g_steal_pointer (&id));
    }
  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (seen, rules[i].id))
      g_error ("rule %s is missing from docs/validation-rules.md", rules[i].id);
}

static void
collect_rules (const char *dir, GHashTable *rules, GRegex *field)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) m = NULL;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          collect_rules (path, rules, field);
          continue;
        }
      if (!g_str_has_suffix (entry, ".json"))
        continue;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      for (g_regex_match (field, text, 0, &m); g_match_info_matches (m); g_match_info_next (m, NULL))
        g_hash_table_add (rules, g_match_info_fetch (m, 1));
    }
}

/* Every rule fires in at least one example (the JSON goldens' "rule"). */
static void
test_every_rule_exercised (void)
{
  g_autoptr(GHashTable) fired = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) field = g_regex_new ("\"rule\": \"([^\"]+)\"", 0, 0, NULL);
  g_autoptr(GString) missing = g_string_new (NULL);
  guint n;
  const KerfValidateRule *rules = kerf_validate_rules (&n);

  if (updating ())
    {
      g_test_skip ("goldens are being rewritten");
      return;
    }
  collect_rules ("tests/examples/golden", fired, field);
  for (guint i = 0; i < n; i++)
    if (!g_hash_table_contains (fired, rules[i].id))
      g_string_append_printf (missing, " %s", rules[i].id);
  if (missing->len > 0)
    g_error ("no example exercises:%s", missing->str);
}

int
main (int argc, char **argv)
{
  const char *srcdir = g_getenv ("KERF_SOURCE_DIR");

  g_test_init (&argc, &argv, NULL);
  /* goldens hold paths relative to the source root, as a user types them */
  if (srcdir == NULL || chdir (srcdir) != 0)
    g_error ("KERF_SOURCE_DIR must name the source root");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/examples/host/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_host_case);
    }
  g_test_add_func ("/examples/host/checks-off", test_host_checks_off);
  g_test_add_func ("/examples/catalogue/documented", test_catalogue_documented);
  g_test_add_func ("/examples/catalogue/every-rule-exercised", test_every_rule_exercised);
  return g_test_run ();
}
