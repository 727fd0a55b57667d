/* test-examples-fixes.c — validator behaviour found wanting while writing
 * examples/states/ (each case names the example that showed it):
 *
 *   - a /device-references entry an instance uses was reported twice
 *     (DR2 at the reference and D2 at the use): now once, at the use;
 *   - DR2/DR3 gave no suggestion when no VF/namespace was free;
 *   - U1 stayed quiet when instances with C1-C3 errors inflated the CPU sum
 *     although pool CPUs were free;
 *   - I3 did not say what is wrong with a name; I1's suggestion pointed at
 *     a location without a line (a DTB);
 *   - two C1/C2 findings about one instance offered it the same free CPU;
 *   - M3/M8 suggested pool sizes that are not whole pages;
 *   - MA4 glued "no free range fits" and "or start it at" together;
 *   - T12 said "in another node" without naming it.
 */
#include "config.h"

#include <string.h>

#include "test-helpers.h"
#include "kerf-validate.h"

#define INST(m, i) ((KerfInstance *) g_ptr_array_index ((m)->instances, (i)))
#define DEV(m, i) ((KerfDevice *) g_ptr_array_index ((m)->resources->devices, (i)))

static guint
count_rule (const KerfDiagList *diags, const char *rule)
{
  guint n = 0;

  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    n += g_strcmp0 (kerf_diag_list_get (diags, i)->rule, rule) == 0;
  return n;
}

static KerfDiagList *
validate_with_advice (const KerfModel *m)
{
  KerfDiagList *diags = kerf_diag_list_new ();
  KerfValidateOptions opts;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  kerf_validate_state (m, &opts, diags);
  tm_dump (diags);
  return diags;
}

static void
add_devref (KerfModel *m, const char *name)
{
  KerfDeviceRef *ref = kerf_device_ref_new (name);

  ref->loc = tm_loc (TM_LINE_DEVREFS);
  g_ptr_array_add (m->device_refs, ref);
}

/* device-parts.dts / conflict_example.dts */
static void
test_used_reference_reported_once (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  add_devref (m, "eth0_vf0");       /* the host's VF, used by db */
  add_devref (m, "nvme0_ns1");      /* the host's namespace, unused */
  tm_add_ref (INST (m, 1), "eth0_vf0");
  diags = tm_validate (m);
  g_assert_cmpuint (count_rule (diags, "D2"), ==, 1);
  g_assert_cmpuint (count_rule (diags, "DR2"), ==, 0);
  g_assert_cmpuint (count_rule (diags, "DR3"), ==, 1);   /* unused: still reported */
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 2);
}

/* device-references.dts, with every VF taken */
static void
test_reference_suggestion_when_none_free (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  g_array_set_size (DEV (m, 0)->available_vfs, 1);       /* only VF 1, which web has */
  add_devref (m, "eth0_vf0");
  g_ptr_array_set_size (INST (m, 1)->devices, 0);       /* db drops eth0_vf2 */
  diags = tm_validate (m);
  d = tm_find (diags, "DR2");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->suggestion, ==, "no VF of 'eth0' is free: remove the reference");
}

/* cpu-errors.dts */
static void
test_u1_counts_free_cpus (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  /* 28 CPUs claimed in all (sum = pool size), yet 8-15 and 20-31 are free */
  tm_set_cpus (INST (m, 0), "0-3,4-7,16-19,40-55");
  diags = validate_with_advice (m);
  d = tm_find (diags, "U1");
  g_assert_nonnull (d);
  g_assert_nonnull (strstr (d->message, "20 of 28 pool CPUs (71.4%) are unallocated: 8-15,20-31"));

  /* one free CPU: "is" */
  tm_set_cpus (INST (m, 0), "4-15");
  tm_set_cpus (INST (m, 1), "16-30");
  kerf_diag_list_free (g_steal_pointer (&diags));
  diags = validate_with_advice (m);
  d = tm_find (diags, "U1");
  g_assert_nonnull (d);
  g_assert_nonnull (strstr (d->message, "1 of 28 pool CPUs (3.6%) is unallocated: 31"));
}

/* instance-names.dts */
static void
test_i3_says_why (void)
{
  static const struct { const char *name; const char *why; } cases[] = {
    { "web+api", "it contains '+'" },
    { "db@1", "it contains '@'" },
    { "-db", "it starts with '-'" },
    { "a234567890123456789012345678901234567890123456789012345678901234",
      "it is 64 characters long (at most 63)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KerfModel) m = tm_seed_model (FALSE);
      g_autoptr(KerfDiagList) diags = NULL;
      g_autofree char *want = g_strdup_printf ("instance name '%s' is not valid: %s",
                                               cases[i].name, cases[i].why);
      const KerfDiag *d;

      g_free (INST (m, 1)->name);
      INST (m, 1)->name = g_strdup (cases[i].name);
      diags = tm_validate (m);
      d = tm_find (diags, "I3");
      g_assert_nonnull (d);
      g_assert_cmpstr (d->message, ==, want);
    }
}

/* duplicate-name.dtb: locations without lines */
static void
test_i1_without_lines (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  g_free (INST (m, 1)->name);
  INST (m, 1)->name = g_strdup ("web");
  INST (m, 0)->loc = kerf_loc_make ("state.dtb", 0, 0);
  INST (m, 1)->loc = kerf_loc_make ("state.dtb", 0, 0);
  diags = tm_validate (m);
  d = tm_find (diags, "I1");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->suggestion, ==, "rename one of the two instances named 'web'");
}

/* cpu-errors.dts: squatter's host CPU and its non-pool CPU */
static void
test_cpu_suggestions_distinct (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const char *seen[3] = { NULL, NULL, NULL };
  guint n = 0;

  g_array_remove_index (m->resources->host_reserved_cpus, 3);   /* CPU 3: in neither list */
  tm_set_cpus (INST (m, 1), "2-3,40,16-19");
  diags = tm_validate (m);
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      if (g_strcmp0 (d->rule, "C1") == 0 || g_strcmp0 (d->rule, "C2") == 0)
        seen[n++] = d->suggestion;
    }
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (seen[0], ==, "use free CPU 8 instead");    /* C1: 40 */
  g_assert_cmpstr (seen[1], ==, "use free CPU 9 instead");    /* C2: 2, the host's */
  g_assert_cmpstr (seen[2], ==, "use free CPU 10 instead");   /* C2: 3, outside the pool */
}

/* bad-inventory.dts */
static void
test_pool_size_suggestions_whole_pages (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  g_ptr_array_set_size (m->instances, 0);
  m->resources->pool_base = 0x80000800;
  m->resources->pool_bytes = 15 * TM_GiB;
  diags = tm_validate (m);
  d = tm_find (diags, "M3");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->suggestion, ==,
                   "reduce 'memory-pool-bytes' to 0x37ffff000 or raise 'total-bytes' to 0x440000800");
  m->resources->host_reserved_bytes = 0x80000800;
  kerf_diag_list_free (g_steal_pointer (&diags));
  diags = tm_validate (m);
  d = tm_find (diags, "M8");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->suggestion, ==, "reduce 'memory-pool-bytes' to at most 0x37ffff000");
}

/* over-commit.dts */
static void
test_overlap_suggestion_without_room (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  INST (m, 0)->memory_bytes = 8 * TM_GiB;              /* 0x80000000-0x280000000 */
  INST (m, 1)->memory_base = 0x200000000;
  INST (m, 1)->memory_bytes = 8 * TM_GiB;              /* to 0x400000000: 2 GiB shared */
  diags = tm_validate (m);
  d = tm_find (diags, "MA4");
  g_assert_nonnull (d);
  g_assert_true (g_str_has_prefix (d->suggestion,
                                   "start it at 0x280000000 and shrink it to 0x180000000 bytes; "
                                   "no free range fits: "));
}

/* numa-memory-policy.dts */
static void
test_t12_names_the_node (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  INST (m, 1)->memory_policy = KERF_MEMORY_POLICY_BIND;
  tm_set_nodes (INST (m, 1), "1");
  INST (m, 1)->memory_base = 0x100000000;              /* node 0 */
  diags = tm_validate (m);
  d = tm_find (diags, "T12");
  g_assert_nonnull (d);
  g_assert_nonnull (strstr (d->message, "is in NUMA node 0"));
  g_assert_cmpstr (d->suggestion, ==,
                   "move the memory inside a bound node: NUMA node 1 (0x200000000-0x400000000)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/validate-fixes/used-reference-once", test_used_reference_reported_once);
  g_test_add_func ("/validate-fixes/reference-none-free", test_reference_suggestion_when_none_free);
  g_test_add_func ("/validate-fixes/u1-free-cpus", test_u1_counts_free_cpus);
  g_test_add_func ("/validate-fixes/i3-why", test_i3_says_why);
  g_test_add_func ("/validate-fixes/i1-no-lines", test_i1_without_lines);
  g_test_add_func ("/validate-fixes/cpu-suggestions-distinct", test_cpu_suggestions_distinct);
  g_test_add_func ("/validate-fixes/pool-size-pages", test_pool_size_suggestions_whole_pages);
  g_test_add_func ("/validate-fixes/overlap-no-room", test_overlap_suggestion_without_room);
  g_test_add_func ("/validate-fixes/t12-node", test_t12_names_the_node);
  return g_test_run ();
}
