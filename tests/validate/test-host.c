/* test-host.c — the host-inventory rules against fake /proc files, and
 * the utilisation/H0 rules that test-rules does not cover. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "test-helpers.h"
#include "kerf-validate.h"

typedef struct {
  char *dir;
  char *cpuinfo;
  char *iomem;
} Fixture;

static void
write_file (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static char *
cpuinfo_text (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "processor\t: %u\nvendor_id\t: GenuineIntel\n"
                               "physical id\t: 0\napicid\t\t: %u\n\n", i, 2 * i);
  return g_string_free (s, FALSE);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cpus = cpuinfo_text (32);

  f->dir = g_dir_make_tmp ("kerf-host-XXXXXX", &error);
  g_assert_no_error (error);
  f->cpuinfo = g_build_filename (f->dir, "cpuinfo", NULL);
  f->iomem = g_build_filename (f->dir, "iomem", NULL);
  write_file (f->cpuinfo, cpus);
  write_file (f->iomem,
              "00000000-00000fff : Reserved\n"
              "00001000-0009ffff : System RAM\n"
              "80000000-43fffffff : System RAM\n"
              "  80000000-3ffffffff : Multikernel Memory Pool\n"
              "    80000000-ffffffff : mk-instance-1-web-region-0\n");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->cpuinfo);
  g_unlink (f->iomem);
  g_rmdir (f->dir);
  g_free (f->cpuinfo);
  g_free (f->iomem);
  g_free (f->dir);
}

static KerfDiagList *
validate_host (const KerfModel *m, Fixture *f)
{
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfValidateOptions opts;

  kerf_validate_options_init (&opts);
  opts.advice = FALSE;
  opts.cpuinfo_path = f->cpuinfo;
  opts.iomem_path = f->iomem;
  kerf_validate_state (m, &opts, diags);
  tm_dump (diags);
  return diags;
}

static void
assert_warning (const KerfDiagList *diags, const char *rule, const char *msg, const char *sugg,
                guint line)
{
  const KerfDiag *d = tm_find (diags, rule);

  g_assert_nonnull (d);
  g_assert_cmpint (d->severity, ==, KERF_SEVERITY_WARNING);
  if (strstr (d->message, msg) == NULL)
    g_error ("%s: got '%s', want ...%s...", rule, d->message, msg);
  if (sugg != NULL && (d->suggestion == NULL || strstr (d->suggestion, sugg) == NULL))
    g_error ("%s: suggestion '%s', want ...%s...", rule, d->suggestion, sugg);
  g_assert_cmpuint (d->loc.line, ==, line);
}

static void
test_matching_host (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = validate_host (m, f);

  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

static void
test_h4_h5 (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autofree char *few = cpuinfo_text (24);
  g_autoptr(KerfDiagList) diags = NULL;

  write_file (f->cpuinfo, few);
  diags = validate_host (m, f);
  assert_warning (diags, "H4", "total CPU count 32 exceeds this machine's 24 logical CPUs",
                  "hot-unplugged", TM_LINE_TOTAL);
  assert_warning (diags, "H5", "CPUs 24-31 of the baseline do not exist on this machine",
                  "this machine has CPUs 0-23", TM_LINE_CPUS);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 0);
}

static void
test_h7 (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  write_file (f->cpuinfo, "Features: fp asimd\nCPU architecture: 8\n");
  diags = validate_host (m, f);
  assert_warning (diags, "H7", "lists no processors", "skip the host checks", TM_LINE_CPUS);
  g_assert_null (tm_find (diags, "H5"));
}

static void
test_m4_m5_m6 (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  /* the kernel reserved 0x100000000-0x3ffffffff (12 GiB); the baseline asks 14 GiB at 0x80000000 */
  write_file (f->iomem, "100000000-3ffffffff : Multikernel Memory Pool\n");
  diags = validate_host (m, f);
  assert_warning (diags, "M4", "memory pool base 0x80000000 does not match the multikernel pool",
                  "set 'memory-pool-base' to 0x100000000", TM_LINE_POOL_BASE);
  assert_warning (diags, "M6", "memory pool size 14 GiB is larger than the multikernel pool "
                  "reserved in", "at most 0x300000000", TM_LINE_POOL_BYTES);
  g_assert_null (tm_find (diags, "M5"));

  write_file (f->iomem, "80000000-37fffffff : Multikernel Memory Pool\n");
  g_clear_pointer (&diags, kerf_diag_list_free);
  diags = validate_host (m, f);
  assert_warning (diags, "M5", "memory pool 0x80000000-0x3ffffffff extends 2 GiB beyond",
                  "reduce 'memory-pool-bytes' to 0x300000000", TM_LINE_POOL_BYTES);
  g_assert_null (tm_find (diags, "M4"));
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 0);
}

static void
test_m7 (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  write_file (f->iomem, "00001000-0009ffff : System RAM\n");
  diags = validate_host (m, f);
  assert_warning (diags, "M7", "shows no 'Multikernel Memory Pool'", "skip the host checks",
                  TM_LINE_POOL_BASE);
  g_unlink (f->iomem);
  g_clear_pointer (&diags, kerf_diag_list_free);
  diags = validate_host (m, f);
  assert_warning (diags, "M7", "(the file cannot be read)", NULL, TM_LINE_POOL_BASE);
  write_file (f->iomem, "");
}

/* Unprivileged readers see zero addresses: nothing to compare, no noise. */
static void
test_hidden_addresses (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  write_file (f->iomem, "00000000-00000000 : Multikernel Memory Pool\n");
  diags = validate_host (m, f);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

/* check_host = FALSE skips it all */
static void
test_skip (Fixture *f, gconstpointer data)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  write_file (f->cpuinfo, "");
  write_file (f->iomem, "");
  diags = tm_validate (m);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/host/matching", test_matching_host);
  ADD ("/host/rule/H4-H5", test_h4_h5);
  ADD ("/host/rule/H7", test_h7);
  ADD ("/host/rule/M4-M5-M6", test_m4_m5_m6);
  ADD ("/host/rule/M7", test_m7);
  ADD ("/host/hidden-addresses", test_hidden_addresses);
  ADD ("/host/skip", test_skip);
  return g_test_run ();
}
