/* test-rules.c — one test per validation rule.
 *
 * Each case starts from the valid seed model (checked to have no finding of
 * that rule), breaks exactly one thing, and checks the rule fires with the
 * catalogue's severity, a message and suggestion that say what is wrong and
 * what to do, at the location of the offending node or property.
 */
#include "config.h"

#include <string.h>

#include "test-helpers.h"
#include "kerf-alloc.h"
#include "kerf-validate.h"

#define INST(m, i) ((KerfInstance *) g_ptr_array_index ((m)->instances, (i)))
#define DEV(m, i) ((KerfDevice *) g_ptr_array_index ((m)->resources->devices, (i)))
#define NODE(m, i) ((KerfNumaNode *) g_ptr_array_index ((m)->resources->numa_nodes, (i)))

typedef struct {
  const char *rule;
  gboolean    topology;
  void      (*mutate) (KerfModel *m);
  const char *message;      /* substring of the message */
  const char *suggestion;   /* substring of the suggestion; NULL = none expected */
  guint       line;         /* expected location line */
} RuleCase;

/* ---- mutations ------------------------------------------------------ */

static void m_h1 (KerfModel *m) { m->resources->total_cpus = 0; }
static void m_h2 (KerfModel *m) { g_array_set_size (m->resources->available_cpus, 0); g_ptr_array_set_size (m->instances, 0); }
static void m_h3 (KerfModel *m) { g_array_unref (m->resources->host_reserved_cpus); m->resources->host_reserved_cpus = tm_cpus ("0-3,30-31"); }
static void m_h8 (KerfModel *m) { g_array_unref (m->resources->available_cpus); m->resources->available_cpus = tm_cpus ("4-33"); }
static void m_m1 (KerfModel *m) { m->resources->total_bytes = 0; }
static void m_m2 (KerfModel *m) { m->resources->pool_bytes = 0; }
static void m_m3 (KerfModel *m) { m->resources->pool_bytes = 15 * TM_GiB; }
static void m_m8 (KerfModel *m) { m->resources->host_reserved_bytes = 3 * TM_GiB; }
static void m_m9 (KerfModel *m) { m->resources->pool_base = 0x80000800; m->resources->pool_bytes -= 0x1000; }
static void m_dv1 (KerfModel *m) { g_array_unref (DEV (m, 0)->available_vfs); DEV (m, 0)->available_vfs = tm_cpus ("1-9"); }
static void m_dv2 (KerfModel *m) { g_array_unref (DEV (m, 1)->available_ns); DEV (m, 1)->available_ns = tm_cpus ("1-4"); }
static void m_dv3 (KerfModel *m) { g_free (DEV (m, 1)->pci_id); DEV (m, 1)->pci_id = g_strdup ("0000:01:00.0"); }
static void m_tp1 (KerfModel *m) { g_array_unref (NODE (m, 1)->cpus); NODE (m, 1)->cpus = tm_cpus ("16-35"); }
static void m_tp2 (KerfModel *m) { g_array_unref (NODE (m, 1)->cpus); NODE (m, 1)->cpus = tm_cpus ("15-31"); }
static void m_tp3 (KerfModel *m) { NODE (m, 1)->memory_base -= 0x1000; }
static void m_tp4 (KerfModel *m) { g_array_unref (NODE (m, 1)->cpus); NODE (m, 1)->cpus = tm_cpus ("16-29"); }
static void m_tp5 (KerfModel *m) { DEV (m, 0)->numa_node = 7; }
static void m_i1 (KerfModel *m) { g_free (INST (m, 1)->name); INST (m, 1)->name = g_strdup ("web"); }
static void m_i2 (KerfModel *m) { INST (m, 1)->id = 1; }
static void m_i3 (KerfModel *m) { g_free (INST (m, 1)->name); INST (m, 1)->name = g_strdup ("-db"); }
static void m_i4 (KerfModel *m) { INST (m, 1)->id = 4096; }
static void
m_r1 (KerfModel *m)
{
  /* more CPUs handed out than the pool holds (C2/C3 fire too) */
  tm_set_cpus (INST (m, 0), "0-31");
  tm_set_cpus (INST (m, 1), "4-31");
}
static void m_r2 (KerfModel *m) { INST (m, 1)->memory_bytes = 13 * TM_GiB; INST (m, 1)->memory_base = 0x100000000; }
static void m_c1 (KerfModel *m) { tm_set_cpus (INST (m, 1), "16-19,40-41"); }
static void m_c2 (KerfModel *m) { tm_set_cpus (INST (m, 1), "2-3,16-19"); }
static void m_c3 (KerfModel *m) { tm_set_cpus (INST (m, 1), "6-7,16-19"); }
static void m_c4 (KerfModel *m) { tm_set_cpus (INST (m, 1), ""); }
static void m_ma1 (KerfModel *m) { INST (m, 1)->memory_base = 0x40000000; }
static void m_ma2 (KerfModel *m) { INST (m, 1)->memory_base = 0x380000000; }
static void m_ma3 (KerfModel *m) { INST (m, 1)->memory_base = 0x200000800; }
static void m_ma4 (KerfModel *m) { INST (m, 1)->memory_base = 0xc0000000; }
static void m_ma5 (KerfModel *m) { INST (m, 1)->memory_bytes = 0; }
static void m_ma6 (KerfModel *m) { INST (m, 1)->memory_bytes = TM_GiB + 100; }
static void m_d1 (KerfModel *m) { tm_add_ref (INST (m, 1), "eth9_vf1"); }
static void m_d2 (KerfModel *m) { tm_add_ref (INST (m, 1), "eth0_vf0"); }
static void m_d3 (KerfModel *m) { tm_add_ref (INST (m, 1), "nvme9_ns2"); }
static void m_d4 (KerfModel *m) { tm_add_ref (INST (m, 1), "nvme0_ns5"); }
static void m_d5 (KerfModel *m) { tm_add_ref (INST (m, 1), "gpu0"); }
static void m_d6 (KerfModel *m) { tm_add_ref (INST (m, 1), "eth0_vf1"); }
static void m_d7 (KerfModel *m) { DEV (m, 1)->host_reserved = TRUE; g_ptr_array_set_size (INST (m, 0)->devices, 1); tm_add_ref (INST (m, 1), "nvme0"); }
static void
add_devref (KerfModel *m, const char *name)
{
  KerfDeviceRef *ref = kerf_device_ref_new (name);
  ref->loc = tm_loc (TM_LINE_DEVREFS);
  g_ptr_array_add (m->device_refs, ref);
}
static void m_dr1 (KerfModel *m) { add_devref (m, "eth7_vf1"); }
static void m_dr2 (KerfModel *m) { add_devref (m, "eth0_vf12"); }
static void m_dr3 (KerfModel *m) { add_devref (m, "nvme0_ns1"); }
static void m_t1 (KerfModel *m) { tm_set_nodes (INST (m, 1), "1,5"); }
static void m_t2 (KerfModel *m) { tm_set_nodes (INST (m, 1), "0"); }
static void m_t3 (KerfModel *m) { tm_set_cpus (INST (m, 0), "14-17"); }
static void m_t5 (KerfModel *m) { INST (m, 1)->cpu_affinity = KERF_CPU_AFFINITY_SPREAD; }
static void m_t6 (KerfModel *m) { INST (m, 1)->cpu_affinity = KERF_CPU_AFFINITY_LOCAL; INST (m, 1)->memory_base = 0x1c0000000; }
static void m_t7 (KerfModel *m) { INST (m, 1)->cpu_affinity = KERF_CPU_AFFINITY_LOCAL; INST (m, 1)->memory_base = 0x100000000; }
static void m_t8 (KerfModel *m) { INST (m, 1)->memory_policy = KERF_MEMORY_POLICY_LOCAL; INST (m, 1)->memory_base = 0x1c0000000; }
static void m_t9 (KerfModel *m) { INST (m, 0)->memory_base = 0x300000000; }
static void m_t11 (KerfModel *m) { INST (m, 1)->memory_policy = KERF_MEMORY_POLICY_BIND; }
static void m_t12 (KerfModel *m) { INST (m, 1)->memory_policy = KERF_MEMORY_POLICY_BIND; tm_set_nodes (INST (m, 1), "0,1"); tm_set_cpus (INST (m, 1), "16-19"); INST (m, 1)->memory_base = 0x1c0000000; }
static void m_t13 (KerfModel *m) { tm_set_nodes (INST (m, 1), "1"); }

#define IL(i, off) (TM_LINE_INSTANCES + 10 * (i) + (off))

static const RuleCase cases[] = {
  { "H1", FALSE, m_h1, "total CPU count must be positive", "set 'total'", TM_LINE_TOTAL },
  { "H2", FALSE, m_h2, "no CPUs are available", "'available'", TM_LINE_AVAILABLE },
  { "H3", FALSE, m_h3, "CPUs 30-31 are both host-reserved and available", "remove CPUs 30-31", TM_LINE_AVAILABLE },
  { "H8", FALSE, m_h8, "CPUs 32-33 in 'available' do not exist", "raise 'total'", TM_LINE_AVAILABLE },
  { "M1", FALSE, m_m1, "total memory must be positive", "total-bytes", TM_LINE_TOTAL_BYTES },
  { "M2", FALSE, m_m2, "pool size must be positive", "memory-pool-bytes", TM_LINE_POOL_BYTES },
  { "M3", FALSE, m_m3, "extends beyond total memory", "reduce 'memory-pool-bytes' to 0x380000000", TM_LINE_POOL_BYTES },
  { "M8", FALSE, m_m8, "host-reserved memory (3 GiB) plus the pool (14 GiB) exceeds total memory (16 GiB)", "0x340000000", TM_LINE_HR_BYTES },
  { "M9", FALSE, m_m9, "pool base 0x80000800 is not a multiple of the page size", "use 0x80001000", TM_LINE_POOL_BASE },
  { "DV1", FALSE, m_dv1, "device 'eth0': VF ids 8-9 out of range (the device has 8)", "VF ids 0-7", TM_LINE_ETH0 },
  { "DV2", FALSE, m_dv2, "namespace id 1 both host-reserved and available", "only one", TM_LINE_NVME0 },
  { "DV3", FALSE, m_dv3, "PCI id 0000:01:00.0 is also used by device 'eth0'", "describe PCI device", TM_LINE_NVME0 },
  { "TP1", TRUE, m_tp1, "NUMA node 1: CPUs 32-35 do not exist", "remove 32-35", TM_LINE_NODE1 },
  { "TP2", TRUE, m_tp2, "CPU 15 is also listed in NUMA node 0", "remove CPU 15", TM_LINE_NODE1 },
  { "TP3", TRUE, m_tp3, "overlaps NUMA node 0", "start node 1 at 0x200000000", TM_LINE_NODE1 },
  { "TP4", TRUE, m_tp4, "pool CPUs 30-31 are in no NUMA node", "list every pool CPU", TM_LINE_TOPOLOGY },
  { "TP5", TRUE, m_tp5, "device 'eth0': NUMA node 7 does not exist", "0,1", TM_LINE_ETH0 },
  { "I1", FALSE, m_i1, "duplicate instance name 'web'", "state.dts:100:5", IL (1, TM_OFF_NODE) },
  { "I2", FALSE, m_i2, "id 1 is already used by instance 'web'", "another id", IL (1, TM_OFF_ID) },
  { "I3", FALSE, m_i3, "instance name '-db' is not valid", "rename it", IL (1, TM_OFF_NODE) },
  { "I4", FALSE, m_i4, "id 4096 is out of range (1-2047)", "1-2047", IL (1, TM_OFF_ID) },
  { "R1", FALSE, m_r1, "the instances use 60 CPUs in total, but the pool has only 28", "fewer CPUs", TM_LINE_AVAILABLE },
  { "R2", FALSE, m_r2, "the instances use 15 GiB of memory in total", "free 1 GiB", TM_LINE_POOL_BYTES },
  { "C1", FALSE, m_c1, "instance 'db': CPUs 40-41 do not exist (the hardware has CPUs 0-31)", "use free CPUs 8-9 instead", IL (1, TM_OFF_CPUS) },
  { "C2", FALSE, m_c2, "instance 'db': CPUs 2-3 are reserved for the host kernel", "use free CPUs 8-9 instead", IL (1, TM_OFF_CPUS) },
  { "C3", FALSE, m_c3, "instance 'db': CPUs 6-7 are also assigned to instance 'web'", "use free CPUs 8-9 instead", IL (1, TM_OFF_CPUS) },
  { "C4", FALSE, m_c4, "instance 'db' has no CPUs", "use free CPU 8 instead", IL (1, TM_OFF_CPUS) },
  { "MA1", FALSE, m_ma1, "memory base 0x40000000 is below the memory pool, which starts at 0x80000000", "move it to base 0x100000000", IL (1, TM_OFF_BASE) },
  { "MA2", FALSE, m_ma2, "memory 0x380000000-0x480000000 extends beyond the memory pool 0x80000000-0x400000000", "reduce memory-bytes to 0x80000000", IL (1, TM_OFF_BYTES) },
  { "MA3", FALSE, m_ma3, "memory base 0x200000800 is not page aligned", "use base 0x200000000 or 0x200001000", IL (1, TM_OFF_BASE) },
  { "MA4", FALSE, m_ma4, "instance 'db': memory 0xc0000000-0x1c0000000 overlaps instance 'web' (0x80000000-0x100000000) in 0xc0000000-0x100000000 (1 GiB)", "move it to base 0x100000000", IL (1, TM_OFF_BASE) },
  { "MA5", FALSE, m_ma5, "instance 'db' has no memory", "memory-bytes", IL (1, TM_OFF_BYTES) },
  { "MA6", FALSE, m_ma6, "memory size 0x40000064 is not a multiple of the page size", "use 0x40000000 or 0x40001000 bytes", IL (1, TM_OFF_BYTES) },
  { "D1", FALSE, m_d1, "'eth9_vf1' refers to VF 1 of device 'eth9', which does not exist", "known devices: eth0, nvme0", IL (1, TM_OFF_DEVICES) },
  { "D2", FALSE, m_d2, "VF 0 of device 'eth0' is reserved for the host", "use a free VF of 'eth0': 3-7", IL (1, TM_OFF_DEVICES) },
  { "D3", FALSE, m_d3, "'nvme9_ns2' refers to namespace 2 of device 'nvme9'", "known devices", IL (1, TM_OFF_DEVICES) },
  { "D4", FALSE, m_d4, "namespace 5 is not available on device 'nvme0' (available: 2-4)", "use a free namespace of 'nvme0': 3-4", IL (1, TM_OFF_DEVICES) },
  { "D5", FALSE, m_d5, "device 'gpu0' does not exist in the hardware inventory", "known devices: eth0, nvme0", IL (1, TM_OFF_DEVICES) },
  { "D6", FALSE, m_d6, "'eth0_vf1' is already assigned to instance 'web'", "remove 'eth0_vf1' from 'db' or from 'web'", IL (1, TM_OFF_DEVICES) },
  { "D7", FALSE, m_d7, "device 'nvme0' is reserved for the host", "stop reserving it", IL (1, TM_OFF_DEVICES) },
  { "DR1", FALSE, m_dr1, "device reference 'eth7_vf1': parent device 'eth7' does not exist", "known devices", TM_LINE_DEVREFS },
  { "DR2", FALSE, m_dr2, "VF 12 is not available on device 'eth0'", "refer to one of 3-7", TM_LINE_DEVREFS },
  { "DR3", FALSE, m_dr3, "namespace 1 of device 'nvme0' is reserved for the host", "refer to one of 3-4", TM_LINE_DEVREFS },
  { "T1", TRUE, m_t1, "instance 'db': NUMA node 5 does not exist in the topology", "use one of the NUMA nodes 0,1", IL (1, TM_OFF_NUMA) },
  { "T2", TRUE, m_t2, "CPUs 16-19 are in NUMA node 1, but the instance is configured for NUMA node 0", "--numa-nodes", IL (1, TM_OFF_CPUS) },
  { "T3", TRUE, m_t3, "compact CPU affinity, but the CPUs span NUMA nodes 0,1", "one node", IL (0, TM_OFF_AFFINITY) },
  { "T5", TRUE, m_t5, "spread CPU affinity, but all CPUs are in NUMA node 1", "several nodes", IL (1, TM_OFF_AFFINITY) },
  { "T6", TRUE, m_t6, "local CPU affinity, but memory 0x1c0000000-0x2c0000000 is not inside one NUMA node", "inside one node", IL (1, TM_OFF_AFFINITY) },
  { "T7", TRUE, m_t7, "local CPU affinity, but the CPUs are in NUMA node 1 while the memory is in NUMA node 0", "move the memory", IL (1, TM_OFF_AFFINITY) },
  { "T8", TRUE, m_t8, "local memory policy, but memory 0x1c0000000-0x2c0000000 is not inside one NUMA node", "inside one node", IL (1, TM_OFF_POLICY) },
  { "T9", TRUE, m_t9, "local memory policy, but the CPUs are in NUMA node 0 while the memory is in NUMA node 1", "move the memory", IL (0, TM_OFF_POLICY) },
  { "T11", FALSE, m_t11, "memory policy 'bind' but no NUMA nodes are given", "numa-nodes", IL (1, TM_OFF_POLICY) },
  { "T12", TRUE, m_t12, "memory policy 'bind' to NUMA nodes 0,1, but memory 0x1c0000000-0x2c0000000 is not inside one NUMA node", "bound node", IL (1, TM_OFF_POLICY) },
  { "T13", FALSE, m_t13, "NUMA settings cannot be honoured: the baseline has no NUMA topology", "topology", IL (1, TM_OFF_NUMA) },
};

static void
test_rule (gconstpointer data)
{
  const RuleCase *c = data;
  g_autoptr(KerfModel) model = tm_seed_model (c->topology);
  g_autoptr(KerfDiagList) before = tm_validate (model);
  g_autoptr(KerfDiagList) after = NULL;
  const KerfValidateRule *rule = kerf_validate_rule_lookup (c->rule);
  const KerfDiag *d;

  g_assert_nonnull (rule);
  /* does not fire on the valid model */
  tm_dump (before);
  g_assert_null (tm_find (before, c->rule));
  g_assert_cmpuint (kerf_diag_list_n_errors (before), ==, 0);

  c->mutate (model);
  after = tm_validate (model);
  tm_dump (after);
  d = tm_find (after, c->rule);
  g_assert_nonnull (d);
  g_assert_cmpint (d->severity, ==, rule->severity);
  if (strstr (d->message, c->message) == NULL)
    g_error ("message of %s:\n  got:  %s\n  want: ...%s...", c->rule, d->message, c->message);
  if (c->suggestion != NULL)
    {
      g_assert_nonnull (d->suggestion);
      if (strstr (d->suggestion, c->suggestion) == NULL)
        g_error ("suggestion of %s:\n  got:  %s\n  want: ...%s...", c->rule, d->suggestion,
                 c->suggestion);
    }
  g_assert_cmpstr (d->loc.file, ==, TM_FILE);
  g_assert_cmpuint (d->loc.line, ==, c->line);
  /* errors make the state invalid, warnings do not */
  if (rule->severity == KERF_SEVERITY_ERROR)
    g_assert_cmpuint (kerf_diag_list_n_errors (after), >, 0);
}

/* Every rule of the catalogue has a case here or in test-host. */
static void
test_catalogue_covered (void)
{
  static const char *const elsewhere[] = { "H0", "H4", "H5", "H7", "M4", "M5", "M6", "M7",
                                           "U1", "U2", NULL };
  guint n;
  const KerfValidateRule *rules = kerf_validate_rules (&n);

  for (guint i = 0; i < n; i++)
    {
      gboolean found = g_strv_contains (elsewhere, rules[i].id);
      for (gsize k = 0; k < G_N_ELEMENTS (cases) && !found; k++)
        found = g_str_equal (cases[k].rule, rules[i].id);
      if (!found)
        g_error ("rule %s has no test", rules[i].id);
    }
}

/* All findings come at once: three independent mistakes, three errors. */
static void
test_all_reported (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;

  tm_set_cpus (INST (model, 1), "40");
  INST (model, 1)->memory_base = 0x200000800;
  tm_add_ref (INST (model, 1), "gpu0");
  diags = tm_validate (model);
  g_assert_nonnull (tm_find (diags, "C1"));
  g_assert_nonnull (tm_find (diags, "MA3"));
  g_assert_nonnull (tm_find (diags, "D5"));
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 3);
}

/* Boundaries that must stay quiet. */
static void
test_near_misses (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (TRUE);
  g_autoptr(KerfDiagList) diags = NULL;

  tm_set_cpus (INST (model, 1), "16-19,31");            /* last CPU */
  INST (model, 1)->memory_base = 0x300000000;           /* ends exactly at the pool end */
  INST (model, 1)->memory_bytes = 0x100000000;
  INST (model, 0)->memory_base = 0x80000000;            /* starts exactly at the pool */
  INST (model, 0)->memory_bytes = 0x180000000;          /* ends where nothing starts */
  INST (model, 1)->id = 2047;
  tm_add_ref (INST (model, 1), "eth0_vf7");
  tm_add_ref (INST (model, 1), "nvme0_ns4");
  diags = tm_validate (model);
  tm_dump (diags);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

/* Adjacent ranges touch without overlapping; a contained range overlaps. */
static void
test_overlap_sweep (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  /* big range, then one fully inside it, then one after it */
  INST (model, 0)->memory_bytes = 4 * TM_GiB;                 /* 0x80000000-0x180000000 */
  tm_add_instance (model, "inner", 3, "8", 0x100000000, TM_GiB);
  tm_add_instance (model, "after", 4, "9", 0x180000000, TM_GiB);
  diags = tm_validate (model);
  tm_dump (diags);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 1);
  d = tm_find (diags, "MA4");
  g_assert_nonnull (d);
  g_assert_nonnull (strstr (d->message, "instance 'inner'"));
  g_assert_nonnull (strstr (d->message, "overlaps instance 'web'"));
}

/* Whole device vs. its VF in two instances is a conflict from either side. */
static void
test_device_whole_vs_part (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (FALSE);
  g_autoptr(KerfDiagList) diags = NULL;
  const KerfDiag *d;

  tm_add_ref (INST (model, 1), "nvme0");
  diags = tm_validate (model);
  d = tm_find (diags, "D6");
  g_assert_nonnull (d);
  g_assert_nonnull (strstr (d->message, "device 'nvme0' cannot be assigned whole: its part "
                                        "'nvme0_ns2' is assigned to instance 'web'"));
}

/* kerf_validate_change sees the change without copying the state. */
static void
test_change (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (FALSE);
  g_autoptr(KerfInstance) extra = kerf_instance_new ("cache");
  g_autoptr(KerfInstance) web2 = kerf_instance_copy (INST (model, 0));
  g_autoptr(KerfDiagList) d1 = kerf_diag_list_new ();
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autoptr(KerfDiagList) d3 = kerf_diag_list_new ();
  KerfValidateOptions opts;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  opts.advice = FALSE;

  g_array_unref (extra->cpus);
  extra->cpus = tm_cpus ("16");          /* db's */
  extra->memory_base = 0x300000000;
  extra->memory_bytes = TM_GiB;
  g_assert_false (kerf_validate_change (model, extra, NULL, &opts, d1));
  g_assert_nonnull (tm_find (d1, "C3"));
  /* the same instance is fine once db is gone */
  g_assert_true (kerf_validate_change (model, extra, "db", &opts, d2));
  /* replacing web by a copy of itself with more CPUs: no self-conflict */
  g_array_unref (web2->cpus);
  web2->cpus = tm_cpus ("4-9");
  g_assert_true (kerf_validate_change (model, web2, NULL, &opts, d3));
  g_assert_cmpuint (model->instances->len, ==, 2);
  g_assert_cmpuint (INST (model, 0)->cpus->len, ==, 4);
}

static void
test_no_resources (void)
{
  g_autoptr(KerfModel) model = kerf_model_new ();
  g_autoptr(KerfDiagList) diags = tm_validate (model);

  g_assert_nonnull (tm_find (diags, "H0"));
  g_assert_true (kerf_diag_list_has_errors (diags));
}

/* Advice: U1/U2 only with instances, as warnings. */
static void
test_utilisation (void)
{
  g_autoptr(KerfModel) model = tm_seed_model (FALSE);
  g_autoptr(KerfModel) bare = tm_seed_resources (FALSE);
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDiagList) none = kerf_diag_list_new ();
  KerfValidateOptions opts;
  const KerfDiag *d;

  kerf_validate_options_init (&opts);
  opts.check_host = FALSE;
  g_assert_true (kerf_validate_state (model, &opts, diags));
  d = tm_find (diags, "U1");
  g_assert_nonnull (d);
  g_assert_cmpint (d->severity, ==, KERF_SEVERITY_WARNING);
  g_assert_cmpstr (d->message, ==, "resource utilisation: 20 of 28 pool CPUs (71.4%) are "
                                   "unallocated: 8-15,20-31");
  d = tm_find (diags, "U2");
  g_assert_nonnull (d);
  g_assert_cmpstr (d->message, ==, "resource utilisation: 8 GiB (57.1% of the memory pool) is "
                                   "unallocated");
  g_assert_true (kerf_validate_state (bare, &opts, none));
  g_assert_null (tm_find (none, "U1"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/validate/rule/%s", cases[i].rule);
      g_test_add_data_func (path, &cases[i], test_rule);
    }
  g_test_add_func ("/validate/catalogue-covered", test_catalogue_covered);
  g_test_add_func ("/validate/all-reported", test_all_reported);
  g_test_add_func ("/validate/near-misses", test_near_misses);
  g_test_add_func ("/validate/overlap-sweep", test_overlap_sweep);
  g_test_add_func ("/validate/device-whole-vs-part", test_device_whole_vs_part);
  g_test_add_func ("/validate/change", test_change);
  g_test_add_func ("/validate/no-resources", test_no_resources);
  g_test_add_func ("/validate/utilisation", test_utilisation);
  return g_test_run ();
}
