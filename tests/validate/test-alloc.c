/* test-alloc.c — CPU and memory placement policies, and the promise that
 * whatever the allocator proposes passes the validator. */
#include "config.h"

#include <string.h>

#include "test-helpers.h"
#include "kerf-alloc.h"
#include "kerf-error.h"
#include "kerf-validate.h"

#define INST(m, i) ((KerfInstance *) g_ptr_array_index ((m)->instances, (i)))

static char *
pick (const KerfModel *m, guint32 count, KerfCpuAffinity aff, const char *nodes,
      gint32 mem_node, GError **error)
{
  KerfCpuRequest req = KERF_CPU_REQUEST_INIT;
  g_autoptr(GArray) n = nodes ? tm_cpus (nodes) : NULL;
  g_autoptr(GArray) cpus = NULL;

  req.cpu_count = count;
  req.affinity = aff;
  req.numa_nodes = n;
  req.memory_node = mem_node;
  cpus = kerf_alloc_cpus (m, &req, error);
  return cpus ? kerf_cpu_array_format (cpus) : NULL;
}

static void
assert_pick (const KerfModel *m, guint32 count, KerfCpuAffinity aff, const char *nodes,
             gint32 mem_node, const char *expect)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = pick (m, count, aff, nodes, mem_node, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expect);
}

static void
assert_pick_error (const KerfModel *m, guint32 count, KerfCpuAffinity aff, const char *nodes,
                   int code, const char *expect_part)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = pick (m, count, aff, nodes, -1, &error);

  g_assert_null (got);
  g_assert_error (error, KERF_ERROR, code);
  if (strstr (error->message, expect_part) == NULL)
    g_error ("got '%s', want ...%s...", error->message, expect_part);
}

/* Seed model with two nodes: free CPUs 8-15 (node 0) and 20-31 (node 1). */
static void
test_cpu_two_nodes (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);

  /* compact: lowest node that has room, adjacent ids */
  assert_pick (m, 4, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-11");
  assert_pick (m, 4, KERF_CPU_AFFINITY_NONE, NULL, -1, "8-11");
  assert_pick (m, 10, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "20-29");
  /* no single node has 14: fewest nodes, fullest first */
  assert_pick (m, 14, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-9,20-31");
  /* spread: round robin over the nodes */
  assert_pick (m, 4, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8-9,20-21");
  assert_pick (m, 3, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8-9,20");
  /* a node exhausted: the others keep going */
  assert_pick (m, 12, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8-13,20-25");
  assert_pick (m, 18, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8-15,20-29");
  /* restricted to a node */
  assert_pick (m, 4, KERF_CPU_AFFINITY_COMPACT, "1", -1, "20-23");
  assert_pick (m, 2, KERF_CPU_AFFINITY_SPREAD, "1", -1, "20,31");
  /* local: the listed node, else the memory's node, else the first with room */
  assert_pick (m, 4, KERF_CPU_AFFINITY_LOCAL, "1", -1, "20-23");
  assert_pick (m, 4, KERF_CPU_AFFINITY_LOCAL, NULL, 1, "20-23");
  assert_pick (m, 4, KERF_CPU_AFFINITY_LOCAL, NULL, -1, "8-11");
  assert_pick (m, 10, KERF_CPU_AFFINITY_LOCAL, NULL, -1, "20-29");
}

static void
test_cpu_errors (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);
  g_autoptr(KerfModel) flat = tm_seed_model (FALSE);

  assert_pick_error (m, 21, KERF_CPU_AFFINITY_COMPACT, NULL, KERF_ERROR_RESOURCE_CONFLICT,
                     "not enough free CPUs: requested 21, 20 free (node 0: 8 free 8-15; "
                     "node 1: 12 free 20-31)");
  assert_pick_error (m, 9, KERF_CPU_AFFINITY_COMPACT, "0", KERF_ERROR_RESOURCE_CONFLICT,
                     "not enough free CPUs in NUMA nodes 0: requested 9, 8 free (node 0: 8 free 8-15)");
  assert_pick_error (m, 13, KERF_CPU_AFFINITY_LOCAL, NULL, KERF_ERROR_RESOURCE_CONFLICT,
                     "in any single NUMA node for 'local' affinity: requested 13");
  assert_pick_error (m, 9, KERF_CPU_AFFINITY_LOCAL, "0", KERF_ERROR_RESOURCE_CONFLICT,
                     "in NUMA node 0 for 'local' affinity: requested 9");
  assert_pick_error (m, 1, KERF_CPU_AFFINITY_COMPACT, "3", KERF_ERROR_INVALID_ARGUMENT,
                     "NUMA node 3 does not exist");
  assert_pick_error (m, 0, KERF_CPU_AFFINITY_COMPACT, NULL, KERF_ERROR_INVALID_ARGUMENT,
                     "must be positive");
  assert_pick_error (flat, 1, KERF_CPU_AFFINITY_LOCAL, NULL, KERF_ERROR_INVALID_ARGUMENT,
                     "needs a NUMA topology");
  assert_pick_error (flat, 1, KERF_CPU_AFFINITY_COMPACT, "0", KERF_ERROR_INVALID_ARGUMENT,
                     "describes no NUMA topology");
  assert_pick_error (flat, 21, KERF_CPU_AFFINITY_COMPACT, NULL, KERF_ERROR_RESOURCE_CONFLICT,
                     "requested 21, 20 free: 8-15,20-31");
}

static void
test_cpu_no_topology (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);

  assert_pick (m, 4, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-11");
  /* 10 adjacent: 8-15 is too short, 20-29 fits */
  assert_pick (m, 10, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "20-29");
  /* nothing adjacent is long enough: lowest ids */
  assert_pick (m, 13, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-15,20-24");
  /* spread: evenly over 8-15,20-31, first and last included */
  assert_pick (m, 3, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8,21,31");
  assert_pick (m, 1, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8");
}

/* Four nodes of 8 CPUs; web and db as in the seed (node 0: 4-7, node 2: 16-19). */
static void
test_cpu_four_nodes (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);

  tm_set_topology (m, 4);
  /* node 0 = 0-7 is reserved or used, node 1 = 8-15 is free */
  assert_pick (m, 8, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-15");
  assert_pick (m, 4, KERF_CPU_AFFINITY_SPREAD, NULL, -1, "8-9,20,24");  /* node 0 has nothing free */
  assert_pick (m, 6, KERF_CPU_AFFINITY_SPREAD, "2,3", -1, "20-22,24-26");
  assert_pick (m, 12, KERF_CPU_AFFINITY_COMPACT, NULL, -1, "8-15,24-27");
  assert_pick (m, 4, KERF_CPU_AFFINITY_LOCAL, "3", -1, "24-27");
  assert_pick (m, 4, KERF_CPU_AFFINITY_LOCAL, NULL, 2, "20-23");
}

static guint64
place (const KerfModel *m, guint64 size, KerfMemoryPolicy policy, const char *nodes,
       const char *cpus, guint64 align, GError **error)
{
  KerfMemoryRequest req = KERF_MEMORY_REQUEST_INIT;
  g_autoptr(GArray) n = nodes ? tm_cpus (nodes) : NULL;
  g_autoptr(GArray) c = cpus ? tm_cpus (cpus) : NULL;
  guint64 base = G_MAXUINT64;

  req.size = size;
  req.policy = policy;
  req.numa_nodes = n;
  req.cpus = c;
  req.alignment = align;
  if (!kerf_alloc_memory (m, &req, &base, error))
    return G_MAXUINT64;
  return base;
}

static void
test_memory_first_fit (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);
  g_autoptr(GError) error = NULL;

  /* web 0x80000000-0x100000000, db 0x200000000-0x300000000 */
  g_assert_cmpuint (place (m, TM_GiB, 0, NULL, NULL, 0, NULL), ==, 0x100000000);
  g_assert_cmpuint (place (m, 4 * TM_GiB, 0, NULL, NULL, 0, NULL), ==, 0x100000000);   /* exactly fills the hole */
  g_assert_cmpuint (place (m, 0x1000, 0, NULL, NULL, 0, NULL), ==, 0x100000000);
  /* local: the CPUs' node; node 1 starts at 0x200000000, db sits there */
  g_assert_cmpuint (place (m, TM_GiB, KERF_MEMORY_POLICY_LOCAL, NULL, "20-23", 0, NULL), ==, 0x300000000);
  g_assert_cmpuint (place (m, TM_GiB, KERF_MEMORY_POLICY_LOCAL, NULL, "8-11", 0, NULL), ==, 0x100000000);
  /* bind: inside the listed node */
  g_assert_cmpuint (place (m, TM_GiB, KERF_MEMORY_POLICY_BIND, "1", NULL, 0, NULL), ==, 0x300000000);
  /* interleave: the whole pool */
  g_assert_cmpuint (place (m, TM_GiB, KERF_MEMORY_POLICY_INTERLEAVE, NULL, "20", 0, NULL), ==, 0x100000000);
  /* larger alignment: 0x100000000 is 4 GiB aligned already; 16 GiB alignment has no room */
  g_assert_cmpuint (place (m, TM_GiB, 0, NULL, NULL, 0x100000000, NULL), ==, 0x100000000);

  /* 5 GiB: no single hole in node 0 (0x100000000-0x200000000 is 4 GiB) */
  g_assert_cmpuint (place (m, 5 * TM_GiB, KERF_MEMORY_POLICY_BIND, "0", NULL, 0, &error), ==, G_MAXUINT64);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT);
  g_assert_cmpstr (error->message, ==,
                   "no free memory range of 5 GiB (0x140000000 bytes) in NUMA node 0 "
                   "(0x0-0x200000000); the largest free hole is 4 GiB at "
                   "0x100000000-0x200000000 (4 GiB free in total)");
  g_clear_error (&error);
  g_assert_cmpuint (place (m, 9 * TM_GiB, 0, NULL, NULL, 0, &error), ==, G_MAXUINT64);
  g_assert_nonnull (strstr (error->message, "largest free hole is 4 GiB at 0x100000000-0x200000000 "
                                            "(8 GiB free in total)"));
  g_clear_error (&error);
  g_assert_cmpuint (place (m, 1000, 0, NULL, NULL, 0, &error), ==, G_MAXUINT64);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "use 4096 bytes (4 KiB)"));
  g_clear_error (&error);
  g_assert_cmpuint (place (m, TM_GiB, 0, NULL, NULL, 0x1800, &error), ==, G_MAXUINT64);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (place (m, TM_GiB, KERF_MEMORY_POLICY_BIND, NULL, NULL, 0, &error), ==, G_MAXUINT64);
  g_assert_nonnull (strstr (error->message, "'bind' needs the NUMA nodes"));
}

static void
test_memory_unaligned_pool (void)
{
  g_autoptr(KerfModel) m = tm_seed_resources (FALSE);

  /* a pool starting off a page: the first fit is rounded up */
  m->resources->pool_base = 0x80000800;
  g_assert_cmpuint (place (m, 0x1000, 0, NULL, NULL, 0, NULL), ==, 0x80001000);
  g_assert_cmpuint (place (m, 0x1000, 0, NULL, NULL, 0x200000, NULL), ==, 0x80200000);
}

static gboolean
place_at (const KerfModel *m, guint64 base, guint64 size, KerfMemoryPolicy policy,
          const char *nodes, GError **error)
{
  KerfMemoryRequest req = KERF_MEMORY_REQUEST_INIT;
  g_autoptr(GArray) n = nodes ? tm_cpus (nodes) : NULL;
  guint64 out = 0;

  req.size = size;
  req.has_base = TRUE;
  req.base = base;
  req.policy = policy;
  req.numa_nodes = n;
  return kerf_alloc_memory (m, &req, &out, error) && out == base;
}

static void
test_memory_explicit_base (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_true (place_at (m, 0x100000000, TM_GiB, 0, NULL, NULL));
  g_assert_false (place_at (m, 0x100000800, TM_GiB, 0, NULL, &error));
  g_assert_cmpstr (error->message, ==, "memory base 0x100000800 is not aligned to 0x1000; use "
                                       "0x100000000 or 0x100001000");
  g_clear_error (&error);
  g_assert_false (place_at (m, 0xc0000000, TM_GiB, 0, NULL, &error));
  g_assert_cmpstr (error->message, ==, "memory range 0xc0000000-0x100000000 overlaps instance "
                                       "'web' (0x80000000-0x100000000)");
  g_clear_error (&error);
  g_assert_false (place_at (m, 0x40000000, TM_GiB, 0, NULL, &error));
  g_assert_nonnull (strstr (error->message, "outside the memory pool 0x80000000-0x400000000"));
  g_clear_error (&error);
  g_assert_false (place_at (m, 0x100000000, TM_GiB, KERF_MEMORY_POLICY_BIND, "1", &error));
  g_assert_nonnull (strstr (error->message, "not inside NUMA node 1 (0x200000000-0x400000000), as the memory policy requires"));
  g_clear_error (&error);
  g_assert_false (place_at (m, 0x100000000, TM_GiB, KERF_MEMORY_POLICY_BIND, "7", &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
}

static void
test_free_lists (void)
{
  g_autoptr(KerfModel) m = tm_seed_model (FALSE);
  g_autoptr(GArray) cpus = kerf_alloc_free_cpus (m, NULL);
  g_autoptr(GArray) cpus_ex = kerf_alloc_free_cpus (m, "web");
  g_autoptr(GArray) holes = kerf_alloc_free_memory (m, NULL);
  g_autofree char *l = kerf_cpu_array_format (cpus);
  g_autofree char *lx = kerf_cpu_array_format (cpus_ex);

  g_assert_cmpstr (l, ==, "8-15,20-31");
  g_assert_cmpstr (lx, ==, "4-15,20-31");
  g_assert_cmpuint (holes->len, ==, 4);
  g_assert_cmpuint (g_array_index (holes, guint64, 0), ==, 0x100000000);
  g_assert_cmpuint (g_array_index (holes, guint64, 1), ==, 0x100000000);
  g_assert_cmpuint (g_array_index (holes, guint64, 2), ==, 0x300000000);
  g_assert_cmpuint (g_array_index (holes, guint64, 3), ==, 0x100000000);
}

/* The allocator and the validator agree: place many random instances one
 * after the other with random policies; every proposal must validate, and
 * every refusal must be a real shortage. */
static void
agreement_run (guint n_nodes, guint32 seed)
{
  g_autoptr(KerfModel) m = tm_seed_resources (FALSE);
  GRand *rand = g_rand_new_with_seed (seed);
  KerfValidateOptions opts;
  guint placed = 0, refused = 0;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  opts.advice = FALSE;
  m->resources->total_cpus = 64;
  g_array_unref (m->resources->available_cpus);
  m->resources->available_cpus = tm_cpus ("4-63");
  m->resources->total_bytes = 64 * TM_GiB;
  m->resources->pool_bytes = 60 * TM_GiB;
  if (n_nodes > 0)
    tm_set_topology (m, n_nodes);

  for (guint i = 0; i < 400; i++)
    {
      KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
      KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;
      g_autoptr(GArray) nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autoptr(GArray) cpus = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autofree char *name = g_strdup_printf ("i%u", i);
      KerfInstance *inst;
      guint64 base;

      /* sometimes remove an instance to make holes */
      if (m->instances->len > 0 && g_rand_int_range (rand, 0, 4) == 0)
        g_ptr_array_remove_index (m->instances, (guint) g_rand_int_range (rand, 0, (gint32) m->instances->len));

      creq.cpu_count = (guint32) g_rand_int_range (rand, 1, 9);
      creq.affinity = (KerfCpuAffinity) g_rand_int_range (rand, 0, n_nodes ? 4 : 3);
      if (n_nodes > 0 && g_rand_boolean (rand))
        {
          guint32 node = (guint32) g_rand_int_range (rand, 0, (gint32) n_nodes);
          g_array_append_val (nodes, node);
          creq.numa_nodes = nodes;
        }
      cpus = kerf_alloc_cpus (m, &creq, &error);
      if (cpus == NULL)
        {
          g_assert_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT);
          refused++;
          continue;
        }
      g_assert_cmpuint (cpus->len, ==, creq.cpu_count);

      mreq.size = (guint64) g_rand_int_range (rand, 1, 2048) << 20;
      mreq.cpus = cpus;
      mreq.alignment = g_rand_boolean (rand) ? 0 : (guint64) 0x200000;
      mreq.policy = n_nodes ? (KerfMemoryPolicy) g_rand_int_range (rand, 0, 4)
                            : KERF_MEMORY_POLICY_NONE;
      if (mreq.policy == KERF_MEMORY_POLICY_BIND && nodes->len == 0)
        {
          guint32 node = (guint32) g_rand_int_range (rand, 0, (gint32) n_nodes);
          g_array_append_val (nodes, node);
        }
      mreq.numa_nodes = nodes->len ? nodes : NULL;
      if (!kerf_alloc_memory (m, &mreq, &base, &error))
        {
          g_assert_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT);
          refused++;
          continue;
        }
      g_assert_cmpuint (base % (mreq.alignment ? mreq.alignment : 0x1000), ==, 0);

      inst = tm_add_instance (m, name, 0, NULL, base, mreq.size);
      g_array_append_vals (inst->cpus, cpus->data, cpus->len);
      g_array_append_vals (inst->numa_nodes, nodes->data, nodes->len);
      inst->cpu_affinity = creq.affinity;
      inst->memory_policy = mreq.policy;
      if (!kerf_validate_state (m, &opts, diags))
        {
          tm_dump (diags);
          g_error ("seed %u step %u: the allocator's proposal does not validate", seed, i);
        }
      placed++;
    }
  g_test_message ("%u nodes: %u placed, %u refused", n_nodes, placed, refused);
  g_assert_cmpuint (placed, >, 50);
  g_rand_free (rand);
}

static void
test_agreement (void)
{
  for (guint32 seed = 1; seed <= 5; seed++)
    {
      agreement_run (0, seed);
      agreement_run (2, seed);
      agreement_run (4, seed);
    }
}

/* 1000 instances: validate + allocate.  Timings are printed, never asserted
 * (bench/ holds the measured target); the test checks the result. */
static void
test_thousand_instances (void)
{
  g_autoptr(KerfModel) m = tm_seed_resources (TRUE);
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  KerfValidateOptions opts;
  KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
  KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;
  g_autoptr(GArray) cpus = NULL;
  gint64 t0, t1;
  guint64 base;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  opts.advice = FALSE;
  m->resources->total_cpus = 2048;
  g_array_unref (m->resources->available_cpus);
  m->resources->available_cpus = tm_cpus ("4-2047");
  m->resources->total_bytes = 1024 * TM_GiB;
  m->resources->pool_bytes = 1000 * TM_GiB;
  tm_set_topology (m, 4);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("inst%u", i);
      g_autofree char *c = g_strdup_printf ("%u-%u", 4 + 2 * i, 5 + 2 * i);
      tm_add_instance (m, name, i + 1, c, 0x80000000 + (guint64) i * TM_GiB, TM_GiB);
    }
  t0 = g_get_monotonic_time ();
  g_assert_true (kerf_validate_state (m, &opts, diags));
  creq.cpu_count = 4;
  cpus = kerf_alloc_cpus (m, &creq, NULL);
  g_assert_nonnull (cpus);
  mreq.size = TM_GiB;
  g_assert_false (kerf_alloc_memory (m, &mreq, &base, NULL));   /* the pool is full */
  t1 = g_get_monotonic_time ();
  g_test_message ("validate + allocate, 1000 instances: %" G_GINT64_FORMAT " us", t1 - t0);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/alloc/cpu/two-nodes", test_cpu_two_nodes);
  g_test_add_func ("/alloc/cpu/four-nodes", test_cpu_four_nodes);
  g_test_add_func ("/alloc/cpu/no-topology", test_cpu_no_topology);
  g_test_add_func ("/alloc/cpu/errors", test_cpu_errors);
  g_test_add_func ("/alloc/memory/first-fit", test_memory_first_fit);
  g_test_add_func ("/alloc/memory/unaligned-pool", test_memory_unaligned_pool);
  g_test_add_func ("/alloc/memory/explicit-base", test_memory_explicit_base);
  g_test_add_func ("/alloc/free-lists", test_free_lists);
  g_test_add_func ("/alloc/agreement", test_agreement);
  g_test_add_func ("/alloc/thousand-instances", test_thousand_instances);
  return g_test_run ();
}
