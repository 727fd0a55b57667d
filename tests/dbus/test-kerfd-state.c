/* test-kerfd-state.c — kerfd's records in the state directory: transaction
 * records read once into a table and pruned to the kernel's live
 * transactions; what kerfd keeps in memory always equals the disk. */
#include "config.h"

#include <string.h>

#include "kerfd-state.h"
#include "kerf-test-util.h"

typedef struct {
  char       *dir;
  KerfdState *state;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->dir = kerf_test_make_tmp_dir ("kerfd-state-XXXXXX");
  f->state = kerfd_state_open (f->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  kerfd_state_free (f->state);
  kerf_test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
save (Fixture *f, guint id, const char *operation, const char *instance)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kerfd_state_save_transaction (f->state, id, operation, instance, &error));
  g_assert_no_error (error);
}

static void
assert_record (GHashTable *records, guint id, const char *operation, const char *instance)
{
  const KerfdTxRecord *r = g_hash_table_lookup (records, GUINT_TO_POINTER (id));

  g_assert_nonnull (r);
  g_assert_cmpstr (r->operation, ==, operation);
  g_assert_cmpstr (r->instance, ==, instance);
}

static void
test_records_read_once (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) records = NULL;

  (void) data;
  records = kerfd_state_load_transaction_records (f->state);
  g_assert_cmpuint (g_hash_table_size (records), ==, 0);
  g_clear_pointer (&records, g_hash_table_unref);

  save (f, 1, "initialize", NULL);
  save (f, 2, "create", "a");
  save (f, 3, "update", "a");
  save (f, 10, "delete", "a");
  records = kerfd_state_load_transaction_records (f->state);
  g_assert_cmpuint (g_hash_table_size (records), ==, 4);
  assert_record (records, 1, "initialize", NULL);
  assert_record (records, 2, "create", "a");
  assert_record (records, 3, "update", "a");
  assert_record (records, 10, "delete", "a");
  g_assert_null (g_hash_table_lookup (records, GUINT_TO_POINTER (4)));
}

static void
test_prune_keeps_live_only (Fixture *f, gconstpointer data)
{
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "transactions.ini", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint ids[] = { 4, 2 };

  (void) data;
  for (guint id = 1; id <= 5; id++)
    save (f, id, "create", id % 2 ? "odd" : "even");
  g_array_append_vals (live, ids, G_N_ELEMENTS (ids));
  g_assert_true (kerfd_state_prune_transactions (f->state, live, &error));
  g_assert_no_error (error);
  records = kerfd_state_load_transaction_records (f->state);
  g_assert_cmpuint (g_hash_table_size (records), ==, 2);
  assert_record (records, 2, "create", "even");
  assert_record (records, 4, "create", "even");

  /* nothing dead: the file is left as it is */
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  g_assert_true (kerfd_state_prune_transactions (f->state, live, &error));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);

  /* no live transaction (a fresh kernel): every record goes */
  g_array_set_size (live, 0);
  g_assert_true (kerfd_state_prune_transactions (f->state, live, &error));
  g_clear_pointer (&records, g_hash_table_unref);
  records = kerfd_state_load_transaction_records (f->state);
  g_assert_cmpuint (g_hash_table_size (records), ==, 0);
}

static void
test_foreign_groups (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "transactions.ini", NULL);
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint id = 7;
  const char *ini = "[tx_7]\ninstance=a\n\n[tx_x]\noperation=create\n\n[other]\nk=v\n";

  (void) data;
  g_assert_true (g_file_set_contents (path, ini, -1, NULL));
  records = kerfd_state_load_transaction_records (f->state);
  g_assert_cmpuint (g_hash_table_size (records), ==, 1);
  assert_record (records, 7, "unknown", "a");   /* no operation recorded */

  g_array_append_val (live, id);
  g_assert_true (kerfd_state_prune_transactions (f->state, live, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "[tx_7]"));
  g_assert_nonnull (strstr (text, "instance=a"));
  g_assert_null (strstr (text, "tx_x"));
  g_assert_null (strstr (text, "[other]"));
}

/* The records kerfd keeps in memory are what a fresh start reads from
 * disk, after saves, an overwrite and a removal. */
static void
test_instance_records_match_disk (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) cached = NULL;
  g_autoptr(GHashTable) fresh = NULL;
  g_autoptr(KerfdState) reopened = NULL;
  g_autoptr(KerfdInstanceRecord) a = kerfd_instance_record_new ("a");
  g_autoptr(KerfdInstanceRecord) b = kerfd_instance_record_new ("b");
  KerfdInstanceRecord *got;

  (void) data;
  cached = kerfd_state_load_instances (f->state);   /* read (empty) before the writes */
  g_assert_cmpuint (g_hash_table_size (cached), ==, 0);
  g_clear_pointer (&cached, g_hash_table_unref);

  a->memory_policy = g_strdup ("local");
  g_assert_true (kerfd_state_save_instance (f->state, a, &error));
  g_assert_true (kerfd_state_save_instance (f->state, b, &error));
  g_free (a->memory_policy);
  a->memory_policy = g_strdup ("interleave");
  a->cmdline = g_strdup ("console=ttyS0");
  a->kernel_path = g_strdup ("/boot/vmlinuz");
  g_assert_true (kerfd_state_save_instance (f->state, a, &error));
  g_assert_true (kerfd_state_remove_instance (f->state, "b", &error));
  g_assert_no_error (error);

  cached = kerfd_state_load_instances (f->state);
  reopened = kerfd_state_open (f->dir, &error);
  g_assert_no_error (error);
  fresh = kerfd_state_load_instances (reopened);
  for (guint i = 0; i < 2; i++)
    {
      GHashTable *t = i == 0 ? cached : fresh;

      g_assert_cmpuint (g_hash_table_size (t), ==, 1);
      got = g_hash_table_lookup (t, "a");
      g_assert_nonnull (got);
      g_assert_cmpstr (got->memory_policy, ==, "interleave");
      g_assert_cmpstr (got->kernel_path, ==, "/boot/vmlinuz");
      g_assert_cmpstr (got->cmdline, ==, "console=ttyS0");
    }

  /* the caller owns its copy: editing it changes nothing kept */
  got = g_hash_table_lookup (cached, "a");
  g_free (got->memory_policy);
  got->memory_policy = g_strdup ("changed");
  g_hash_table_remove (cached, "a");
  g_clear_pointer (&fresh, g_hash_table_unref);
  fresh = kerfd_state_load_instances (f->state);
  got = g_hash_table_lookup (fresh, "a");
  g_assert_nonnull (got);
  g_assert_cmpstr (got->memory_policy, ==, "interleave");
}

/* transactions.ini as kept in memory and as a fresh start reads it. */
static void
test_transactions_match_disk (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) fresh = NULL;
  g_autoptr(KerfdState) reopened = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *op = NULL;
  guint keep = 3;

  (void) data;
  save (f, 2, "create", "a");
  save (f, 3, "update", "a");
  g_array_append_val (live, keep);
  g_assert_true (kerfd_state_prune_transactions (f->state, live, &error));
  g_assert_no_error (error);
  save (f, 4, "delete", "a");
  op = kerfd_state_get_transaction (f->state, 2, NULL);
  g_assert_cmpstr (op, ==, "unknown");   /* pruned */
  g_free (op);
  op = kerfd_state_get_transaction (f->state, 4, &instance);
  g_assert_cmpstr (op, ==, "delete");
  g_assert_cmpstr (instance, ==, "a");

  reopened = kerfd_state_open (f->dir, &error);
  g_assert_no_error (error);
  fresh = kerfd_state_load_transaction_records (reopened);
  g_assert_cmpuint (g_hash_table_size (fresh), ==, 2);
  assert_record (fresh, 3, "update", "a");
  assert_record (fresh, 4, "delete", "a");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/kerfd-state/transactions/read-once", Fixture, NULL, fixture_setup,
              test_records_read_once, fixture_teardown);
  g_test_add ("/kerfd-state/transactions/prune", Fixture, NULL, fixture_setup,
              test_prune_keeps_live_only, fixture_teardown);
  g_test_add ("/kerfd-state/transactions/foreign-groups", Fixture, NULL, fixture_setup,
              test_foreign_groups, fixture_teardown);
  g_test_add ("/kerfd-state/instances/match-disk", Fixture, NULL, fixture_setup,
              test_instance_records_match_disk, fixture_teardown);
  g_test_add ("/kerfd-state/transactions/match-disk", Fixture, NULL, fixture_setup,
              test_transactions_match_disk, fixture_teardown);
  return g_test_run ();
}
