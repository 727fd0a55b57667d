/* test-report.c — the resource report against golden files, and "never
 * crashes" on odd models (upstream crashed on an empty host-reserved list).
 *
 * KERF_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
 */
#include "config.h"

#include <string.h>

#include "test-helpers.h"
#include "kerf-report.h"
#include "kerf-validate.h"

#define INST(m, i) ((KerfInstance *) g_ptr_array_index ((m)->instances, (i)))

static void
check_golden (const char *name, const char *got)
{
  g_autofree char *path = g_build_filename (KERF_SOURCE_DIR, "tests", "validate", "golden", name, NULL);
  g_autofree char *want = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("KERF_UPDATE_GOLDEN") != NULL)
    {
      g_assert_true (g_file_set_contents (path, got, -1, &error));
      return;
    }
  if (!g_file_get_contents (path, &want, NULL, &error))
    g_error ("%s: %s", path, error->message);
  if (g_strcmp0 (got, want) != 0)
    g_error ("%s differs from the report:\n%s", path, got);
}

static KerfDiagList *
validate (const KerfModel *m)
{
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfValidateOptions opts;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  kerf_validate_state (m, &opts, diags);
  return diags;
}

static void
test_seed (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);
  g_autoptr(KerfDiagList) diags = validate (m);
  g_autofree char *text = kerf_report_text (m, diags);
  g_autofree char *json = kerf_report_json (m, diags, TRUE);

  check_golden ("report-seed.txt", text);
  check_golden ("report-seed.json", json);
}

static void
test_invalid (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  g_autofree char *text = NULL, *json = NULL;

  tm_set_cpus (INST (m, 1), "6-7,16");
  INST (m, 1)->memory_base = 0xc0000000;
  INST (m, 1)->id = 0;
  tm_add_ref (INST (m, 1), "eth0_vf1");
  diags = validate (m);
  g_assert_true (kerf_diag_list_has_errors (diags));
  text = kerf_report_text (m, diags);
  json = kerf_report_json (m, diags, TRUE);
  check_golden ("report-invalid.txt", text);
  check_golden ("report-invalid.json", json);
}

static void
test_empty (void)
{
  g_autoptr(KerfModel) m = kerf_model_new ();
  g_autoptr(KerfDiagList) diags = validate (m);
  g_autofree char *text = kerf_report_text (m, diags);
  g_autofree char *json = kerf_report_json (m, diags, FALSE);

  check_golden ("report-empty.txt", text);
  check_golden ("report-empty.json", json);
}

/* A kernel-read baseline: no host-reserved CPUs, no total memory, no
 * devices, no instances: the case that crashed upstream. */
static void
test_kernel_read (void)
{
  g_autoptr(KerfModel) m = tm_seed_resources (FALSE);
  g_autofree char *text = NULL, *json = NULL;
  gboolean valid = FALSE;

  m->schema = KERF_SCHEMA_KERNEL;
  g_array_set_size (m->resources->host_reserved_cpus, 0);
  m->resources->host_reserved_bytes = 0;
  text = kerf_report_generate (m, NULL, KERF_REPORT_TEXT, &valid);
  g_assert_nonnull (strstr (text, "host-reserved       0  -\n"));
  json = kerf_report_generate (m, NULL, KERF_REPORT_JSON, NULL);
  g_assert_nonnull (strstr (json, "\"host_reserved\": []"));
}

/* Odd but readable models never crash the report. */
static void
test_robust (void)
{
  for (guint variant = 0; variant < 6; variant++)
    {
      g_autoptr(KerfModel) m = tm_seed_model (variant % 2 == 0);
      g_autoptr(KerfDiagList) diags = NULL;
      g_autofree char *text = NULL, *json = NULL;

      switch (variant)
        {
        case 0:
          m->resources->pool_bytes = 0;
          break;
        case 1:
          g_array_set_size (m->resources->available_cpus, 0);
          break;
        case 2:
          INST (m, 0)->memory_base = G_MAXUINT64 - 0xfff;
          INST (m, 0)->memory_bytes = G_MAXUINT64;
          break;
        case 3:
          g_ptr_array_set_size (m->resources->devices, 0);
          break;
        case 4:
          ((KerfNumaNode *) g_ptr_array_index (m->resources->numa_nodes, 0))->memory_size = G_MAXUINT64;
          break;
        case 5:
          m->resources->total_cpus = 0;
          tm_set_cpus (INST (m, 1), "");
          break;
        }
      diags = validate (m);
      text = kerf_report_text (m, diags);
      json = kerf_report_json (m, diags, variant % 2);
      g_assert_nonnull (strstr (text, "Multikernel resource report"));
      g_assert_true (json[0] == '{');
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/seed", test_seed);
  g_test_add_func ("/report/invalid", test_invalid);
  g_test_add_func ("/report/empty", test_empty);
  g_test_add_func ("/report/kernel-read", test_kernel_read);
  g_test_add_func ("/report/robust", test_robust);
  return g_test_run ();
}
