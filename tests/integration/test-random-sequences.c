/* Randomised sequences of create / update / delete / rollback through the
 * allocator, the validator, the overlay generator and the emulated kernel,
 * several fixed seeds, a few hundred steps each.  After every step the
 * kernel's trees equal the model's expectation and nothing is owned twice
 * or lost (integ_assert_invariants).  A failing run names its seed and
 * step; rerun one seed with KERF_INTEG_SEED=N (and KERF_INTEG_STEPS). */
#include "config.h"

#include <string.h>

#include "kerf-integ.h"
#include "kerf-alloc.h"
#include "kerf-dts.h"

typedef struct {
  guint      tx;
  KerfModel *before;   /* the model before tx */
} Applied;

typedef struct {
  GRand      *rand;
  KerfKernel *k;
  KerfModel  *model;
  GArray     *stack;     /* Applied, most recent last: rollback is LIFO */
  guint       next_name;
  guint       step;
  /* what happened, so a run that never exercises a path fails */
  guint       n_create, n_create_fixed, n_update, n_update_mem, n_delete, n_rollback,
              n_device_moves, n_no_room;
} Run;

static void
applied_clear (gpointer p)
{
  kerf_model_free (((Applied *) p)->before);
}

static void
check (Run *r)
{
  KerfValidateOptions opts;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();

  integ_validate_options (&opts);
  if (!kerf_validate_state (r->model, &opts, diags))
    {
      for (guint i = 0; i < kerf_diag_list_length (diags); i++)
        {
          g_autofree char *line = kerf_diag_format (kerf_diag_list_get (diags, i));
          g_test_message ("%s", line);
        }
      g_error ("step %u: the model no longer validates", r->step);
    }
  integ_assert_matches (r->k, r->model);
  integ_assert_invariants (r->k, r->model);
}

static gboolean
validates (const KerfModel *model, const KerfInstance *inst)
{
  KerfValidateOptions opts;
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  gboolean ok;

  integ_validate_options (&opts);
  ok = kerf_validate_change (model, inst, NULL, &opts, diags);
  for (guint i = 0; !ok && i < kerf_diag_list_length (diags); i++)
    {
      g_autofree char *line = kerf_diag_format (kerf_diag_list_get (diags, i));
      g_test_message ("%s", line);
    }
  return ok;
}

/* Writes `overlay`; on success remembers (tx, model before) for rollback.
 * The kernel refusing what the validator accepted is a failure: the two
 * must agree (pool chunks included). */
static gboolean
apply (Run *r, KerfDtTree *overlay, KerfModel *before, const KerfInstance *range)
{
  Applied a = { 0, before };
  g_autoptr(GError) error = NULL;

  if (!integ_try_apply (r->k, overlay, &a.tx, &error))
    {
      g_autofree char *text = kerf_dts_print (overlay);

      g_test_message ("step %u: refused overlay:\n%s", r->step, text);
      g_error ("step %u: the kernel refused what the validator accepted: %s", r->step,
               error->message);
    }
  g_array_append_val (r->stack, a);
  return TRUE;
}

/* Whole PCI devices no instance holds. */
static GPtrArray *
free_devices (const KerfModel *model)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < model->resources->devices->len; i++)
    {
      KerfDevice *dev = g_ptr_array_index (model->resources->devices, i);
      gboolean used = FALSE;

      if (dev->pci_id == NULL || dev->host_reserved)
        continue;
      for (guint j = 0; j < model->instances->len && !used; j++)
        {
          const KerfInstance *inst = g_ptr_array_index (model->instances, j);
          for (guint k = 0; k < inst->devices->len && !used; k++)
            used = g_str_equal (((KerfDeviceRef *) g_ptr_array_index (inst->devices, k))->device,
                                dev->name);
        }
      if (!used)
        g_ptr_array_add (out, dev->name);
    }
  return out;
}

static gint32
pick_node (Run *r)
{
  guint n = g_rand_int_range (r->rand, 0, 4);
  return n < 2 ? (gint32) n : -1;   /* half the time no NUMA request */
}

/* CPUs and memory for `inst` (size already set), the instance's own
 * resources counting as free when `exclude`. */
static gboolean
place (Run *r, KerfInstance *inst, guint32 ncpus, gboolean place_cpus, gboolean place_mem,
       gboolean fixed, const char *exclude)
{
  g_autoptr(GError) error = NULL;
  KerfMemoryRequest mreq = KERF_MEMORY_REQUEST_INIT;

  if (place_cpus)
    {
      KerfCpuRequest creq = KERF_CPU_REQUEST_INIT;
      GArray *cpus;

      creq.cpu_count = ncpus;
      creq.numa_nodes = inst->numa_nodes;
      creq.affinity = (KerfCpuAffinity) g_rand_int_range (r->rand, 0, 3);   /* none/compact/spread */
      creq.exclude = exclude;
      cpus = kerf_alloc_cpus (r->model, &creq, &error);
      if (cpus == NULL)
        {
          g_assert_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT);
          r->n_no_room++;
          return FALSE;
        }
      g_array_unref (inst->cpus);
      inst->cpus = cpus;
    }
  if (!place_mem)
    return TRUE;
  mreq.size = inst->memory_bytes;
  mreq.numa_nodes = inst->numa_nodes;
  mreq.policy = inst->numa_nodes->len > 0 ? KERF_MEMORY_POLICY_BIND : KERF_MEMORY_POLICY_NONE;
  mreq.cpus = inst->cpus;
  mreq.exclude = exclude;
  if (fixed)
    {
      mreq.has_base = TRUE;
      mreq.base = inst->memory_base;
    }
  if (!kerf_alloc_memory (r->model, &mreq, &inst->memory_base, &error))
    {
      g_assert_error (error, KERF_ERROR, KERF_ERROR_RESOURCE_CONFLICT);
      r->n_no_room++;
      return FALSE;
    }
  return TRUE;
}

static void
step_create (Run *r)
{
  g_autofree char *name = g_strdup_printf ("i%u", r->next_name++);
  g_autoptr(KerfInstance) inst = kerf_instance_new (name);
  g_autoptr(GPtrArray) devs = free_devices (r->model);
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;
  gint32 node = pick_node (r);
  gboolean fixed = g_rand_boolean (r->rand);
  guint64 proposed;

  if (node >= 0)
    {
      guint32 n = (guint32) node;
      g_array_append_val (inst->numa_nodes, n);
    }
  inst->memory_bytes = (guint64) g_rand_int_range (r->rand, 1, 17) * 64 * MiB;
  if (g_rand_int_range (r->rand, 0, 4) == 0)
    inst->id = (guint32) g_rand_int_range (r->rand, 100, 2048);
  if (inst->id != 0 && kerf_model_find_instance_by_id (r->model, inst->id) != NULL)
    inst->id = 0;
  if (devs->len > 0 && g_rand_int_range (r->rand, 0, 3) == 0)
    g_ptr_array_add (inst->devices,
                     kerf_device_ref_new (g_ptr_array_index (devs, g_rand_int_range (r->rand, 0, (gint32) devs->len))));
  if (!place (r, inst, (guint32) g_rand_int_range (r->rand, 1, 5), TRUE, TRUE, FALSE, NULL))
    return;
  if (!validates (r->model, inst))
    g_error ("step %u: the validator refused what the allocator placed (%s)", r->step, name);
  overlay = kerf_overlay_create_instance (inst, r->model->resources, fixed, &error);
  g_assert_no_error (error);
  proposed = inst->memory_base;
  if (!apply (r, overlay, kerf_model_copy (r->model), inst))
    return;
  integ_sync_instance (r->k, inst);
  if (fixed)
    g_assert_cmphex (inst->memory_base, ==, proposed);
  r->n_create++;
  r->n_create_fixed += fixed;
  r->n_device_moves += inst->devices->len;
  g_ptr_array_add (r->model->instances, g_steal_pointer (&inst));
}

static KerfInstance *
pick_instance (Run *r)
{
  if (r->model->instances->len == 0)
    return NULL;
  return g_ptr_array_index (r->model->instances,
                            g_rand_int_range (r->rand, 0, (gint32) r->model->instances->len));
}

static void
step_update (Run *r)
{
  KerfInstance *cur = pick_instance (r);
  g_autoptr(KerfInstance) next = NULL;
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;
  gboolean cpus = FALSE, mem = FALSE, fixed = FALSE;
  guint what;

  if (cur == NULL)
    return;
  next = kerf_instance_copy (cur);
  what = (guint) g_rand_int_range (r->rand, 1, 8);   /* bit 0 CPUs, 1 memory, 2 devices */
  if (what & 1)
    cpus = TRUE;
  if (what & 2)
    {
      guint kind = (guint) g_rand_int_range (r->rand, 0, 3);
      mem = TRUE;
      next->memory_bytes = (guint64) g_rand_int_range (r->rand, 1, 17) * 64 * MiB;
      if (kind == 0)
        fixed = TRUE;   /* grow or shrink in place (same base) */
      else if (kind == 1)
        {
          /* shift by whole 64 MiB steps: an overlapping move */
          gint64 delta = (gint64) g_rand_int_range (r->rand, -4, 5) * (gint64) (64 * MiB);
          if (delta < 0 && (guint64) -delta > next->memory_base)
            delta = 0;
          next->memory_base = (guint64) ((gint64) next->memory_base + delta);
          fixed = TRUE;
        }
      /* kind 2: anywhere (first fit, the old range counting as free) */
    }
  if (what & 4)
    {
      g_autoptr(GPtrArray) devs = free_devices (r->model);
      if (next->devices->len > 0 && g_rand_boolean (r->rand))
        g_ptr_array_set_size (next->devices, 0);
      else if (devs->len > 0)
        g_ptr_array_add (next->devices,
                         kerf_device_ref_new (g_ptr_array_index (devs, g_rand_int_range (r->rand, 0, (gint32) devs->len))));
    }
  if ((cpus || mem)
      && !place (r, next, (guint32) g_rand_int_range (r->rand, 1, 5), cpus, mem, fixed,
                 cur->name))
    return;
  if (!validates (r->model, next))
    {
      /* a fixed base the allocator accepted must validate; only a bad
       * request (out of the pool) may be refused, and it was by place() */
      g_error ("step %u: the validator refused what the allocator placed (%s)", r->step,
               next->name);
    }
  if (!kerf_overlay_instance_changes_kernel (cur, next, r->model->resources, &error))
    {
      g_assert_no_error (error);
      return;
    }
  overlay = kerf_overlay_update_instance (cur, next, r->model->resources, &error);
  g_assert_no_error (error);
  if (!apply (r, overlay, kerf_model_copy (r->model), next))
    return;
  r->n_update++;
  r->n_update_mem += cur->memory_base != next->memory_base || cur->memory_bytes != next->memory_bytes;
  r->n_device_moves += cur->devices->len != next->devices->len;
  for (guint i = 0; i < r->model->instances->len; i++)
    if (g_ptr_array_index (r->model->instances, i) == cur)
      {
        kerf_instance_free (cur);
        g_ptr_array_index (r->model->instances, i) = g_steal_pointer (&next);
        break;
      }
}

static void
step_delete (Run *r)
{
  KerfInstance *inst = pick_instance (r);
  g_autoptr(KerfDtTree) overlay = NULL;
  g_autoptr(GError) error = NULL;

  if (inst == NULL)
    return;
  overlay = kerf_overlay_delete_instance (inst->name, &error);
  g_assert_no_error (error);
  g_assert_true (apply (r, overlay, kerf_model_copy (r->model), NULL));
  g_ptr_array_remove (r->model->instances, inst);
  r->n_delete++;
}

static void
step_rollback (Run *r)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  Applied a;

  if (r->stack->len == 0)
    return;
  a = g_array_index (r->stack, Applied, r->stack->len - 1);
  g_array_remove_index (r->stack, r->stack->len - 1);   /* no clear func: we own a.before */
  if (!kerf_kernel_rollback (r->k, a.tx, &warnings, &error))
    g_error ("step %u: rollback of tx_%u failed: %s", r->step, a.tx, error->message);
  g_assert_true (warnings == NULL || warnings[0] == NULL);
  kerf_model_free (r->model);
  r->model = a.before;
  r->n_rollback++;
}

static void
run_seed (guint32 seed, guint steps)
{
  Run r = { 0 };
  g_autofree char *dir = NULL;

  g_test_message ("seed %u, %u steps", seed, steps);
  r.rand = g_rand_new_with_seed (seed);
  r.model = integ_load_example ("baseline.dts");
  r.k = integ_kernel_new (NULL, &dir);
  r.stack = g_array_new (FALSE, FALSE, sizeof (Applied));
  integ_init_pool (r.k, r.model);
  check (&r);
  for (r.step = 1; r.step <= steps; r.step++)
    {
      guint x = (guint) g_rand_int_range (r.rand, 0, 100);
      if (x < 35)
        step_create (&r);
      else if (x < 65)
        step_update (&r);
      else if (x < 82)
        step_delete (&r);
      else
        step_rollback (&r);
      check (&r);
    }
  g_test_message ("seed %u: %u creates (%u fixed), %u updates (%u memory), %u deletes, "
                  "%u rollbacks, %u device moves, %u requests without room", seed,
                  r.n_create, r.n_create_fixed, r.n_update, r.n_update_mem, r.n_delete,
                  r.n_rollback, r.n_device_moves, r.n_no_room);
  /* the sequence really exercised every path */
  g_assert_cmpuint (r.n_create, >, 10);
  g_assert_cmpuint (r.n_create_fixed, >, 0);
  g_assert_cmpuint (r.n_update_mem, >, 5);
  g_assert_cmpuint (r.n_delete, >, 5);
  g_assert_cmpuint (r.n_rollback, >, 5);
  g_assert_cmpuint (r.n_device_moves, >, 0);

  /* unwind everything: the kernel is back at the bare pool */
  while (r.stack->len > 0)
    {
      step_rollback (&r);
      check (&r);
    }
  g_assert_cmpuint (r.model->instances->len, ==, 0);

  g_array_set_clear_func (r.stack, applied_clear);
  g_array_unref (r.stack);
  kerf_kernel_free (r.k);
  kerf_model_free (r.model);
  g_rand_free (r.rand);
  kerf_test_rm_rf (dir);
}

static void
test_seed (gconstpointer data)
{
  const char *steps_env = g_getenv ("KERF_INTEG_STEPS");
  run_seed (GPOINTER_TO_UINT (data),
            steps_env != NULL ? (guint) g_ascii_strtoull (steps_env, NULL, 10) : 300);
}

int
main (int argc, char **argv)
{
  static const guint32 seeds[] = { 1, 2, 3, 42, 2026 };
  const char *one = g_getenv ("KERF_INTEG_SEED");

  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  g_unsetenv ("KERF_EMULATED_FAULT");
  g_test_init (&argc, &argv, NULL);
  if (one != NULL)
    {
      guint32 s = (guint32) g_ascii_strtoull (one, NULL, 10);
      g_autofree char *path = g_strdup_printf ("/integration/random/seed-%u", s);
      g_test_add_data_func (path, GUINT_TO_POINTER (s), test_seed);
    }
  else
    for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++)
      {
        g_autofree char *path = g_strdup_printf ("/integration/random/seed-%u", seeds[i]);
        g_test_add_data_func (path, GUINT_TO_POINTER (seeds[i]), test_seed);
      }
  return g_test_run ();
}
