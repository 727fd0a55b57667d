/* The sysfs backend against a prepared directory tree standing in for
 * /sys/fs/multikernel, with a fake "kernel" behind the two kernfs
 * operations (it records every path and creates the tx_N directories the
 * way the kernel does, including another writer's), and the syscall table
 * replaced by a recorder: every path written and every syscall argument is
 * checked.  The real syscalls are never reachable (KERF_FORBID_REAL_SYSCALLS
 * is set before anything else, and the recorder is installed first). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "kerf-kernel-sysfs.h"
#include "kerf-syscalls.h"
#include "kerf-test-util.h"

/* ---- the syscall recorder ------------------------------------------------ */

typedef struct {
  guint         n_kexec, n_reboot;
  int           kernel_fd, initrd_fd;
  unsigned long cmdline_len, flags;
  char         *cmdline;    /* NULL when the call got NULL */
  unsigned long magic1, magic2, cmd;
  int           mk_id;
} Calls;

static Calls calls;

static long
rec_kexec (int kfd, int ifd, unsigned long len, const char *cmdline, unsigned long flags)
{
  calls.n_kexec++;
  calls.kernel_fd = kfd;
  calls.initrd_fd = ifd;
  calls.cmdline_len = len;
  g_free (calls.cmdline);
  /* the kernel reads exactly cmdline_len bytes: the NUL must be inside */
  calls.cmdline = cmdline != NULL ? g_strndup (cmdline, len) : NULL;
  if (cmdline != NULL)
    g_assert_cmpint (cmdline[len - 1], ==, '\0');
  calls.flags = flags;
  return 0;
}

static long
rec_reboot (unsigned long m1, unsigned long m2, unsigned long cmd, void *arg)
{
  calls.n_reboot++;
  calls.magic1 = m1;
  calls.magic2 = m2;
  calls.cmd = cmd;
  calls.mk_id = ((const KerfRebootMkArgs *) arg)->mk_id;
  return 0;
}

static const KerfSyscalls recorder = { rec_kexec, rec_reboot };

static void
calls_reset (void)
{
  g_free (calls.cmdline);
  memset (&calls, 0, sizeof calls);
}

/* ---- the fake kernel ----------------------------------------------------- */

typedef enum {
  FAKE_APPLY,          /* tx_N applied, write returns 0 */
  FAKE_FAIL_WITH_TX,   /* tx_N failed, write returns -errno */
  FAKE_FAIL_NO_TX,     /* write returns -errno before any tx exists */
  FAKE_PENDING,        /* tx_N pending, write returns 0 */
} FakeMode;

typedef struct {
  char      *root;
  GPtrArray *writes;      /* paths */
  GPtrArray *rmdirs;      /* paths */
  GBytes    *last_write;
  guint      next_tx;
  FakeMode   mode;
  int        err;          /* errno for the failing modes */
  int        rmdir_err;    /* rmdir fails with this when set */
  guint      n_before;     /* other writers' transactions created before ours */
  guint      n_after;      /* ... and after ours (higher N) */
  gboolean   other_same;   /* another writer wrote the same bytes before we started */
} Fake;

static char *
path_in (Fake *f, const char *rel)
{
  return g_build_filename (f->root, rel, NULL);
}

static void
put (const char *dir, const char *name, const void *data, gssize len)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, data, len, NULL));
}

static void
make_tx (Fake *f, guint id, const char *status, const void *dtbo, gsize len, const char *target)
{
  g_autofree char *name = g_strdup_printf ("tx_%u", id);
  g_autofree char *dir = g_build_filename (f->root, "overlays", name, NULL);
  g_autofree char *idtext = g_strdup_printf ("%u\n", id);
  g_autofree char *st = g_strdup_printf ("%s\n", status);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  put (dir, "id", idtext, -1);
  put (dir, "status", st, -1);
  put (dir, "instance", target, -1);
  put (dir, "resources", "unknown\n", -1);
  put (dir, "dtbo", dtbo, (gssize) len);
}

static int
fake_write (gpointer data, const char *path, const guint8 *buf, gsize len)
{
  Fake *f = data;
  g_autofree char *newp = path_in (f, "overlays/new");
  static const char other[] = "another writer's blob";

  g_ptr_array_add (f->writes, g_strdup (path));
  g_clear_pointer (&f->last_write, g_bytes_unref);
  f->last_write = g_bytes_new (buf, len);
  if (!g_str_equal (path, newp))
    {
      /* device_tree: the kernel takes the baseline */
      g_assert_true (g_file_set_contents (path, (const char *) buf, (gssize) len, NULL));
      return f->mode == FAKE_FAIL_NO_TX ? -f->err : 0;
    }
  for (guint i = 0; i < f->n_before; i++)
    make_tx (f, f->next_tx++, "applied", other, sizeof other, "/instances\n");
  switch (f->mode)
    {
    case FAKE_APPLY:
      make_tx (f, f->next_tx++, "applied", buf, len, "/instances\n");
      break;
    case FAKE_PENDING:
      make_tx (f, f->next_tx++, "pending", buf, len, "/instances\n");
      break;
    case FAKE_FAIL_WITH_TX:
      make_tx (f, f->next_tx++, "failed", buf, len, "/instances\n");
      break;
    case FAKE_FAIL_NO_TX:
      break;
    }
  for (guint i = 0; i < f->n_after; i++)
    make_tx (f, f->next_tx++, i % 2 ? "failed" : "applied", other, sizeof other, "/resources\n");
  return f->mode == FAKE_FAIL_WITH_TX || f->mode == FAKE_FAIL_NO_TX ? -f->err : 0;
}

static int
fake_rmdir (gpointer data, const char *path)
{
  Fake *f = data;

  g_ptr_array_add (f->rmdirs, g_strdup (path));
  if (f->rmdir_err != 0)
    return -f->rmdir_err;
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return -ENOENT;
  kerf_test_rm_rf (path);   /* kernfs: rmdir of a tx_N takes its files with it */
  return 0;
}

static const KerfSysfsOps fake_ops = { fake_write, fake_rmdir };

typedef struct {
  Fake        fake;
  KerfKernel *k;
} Fixture;

static void
setup (Fixture *fx, gconstpointer data)
{
  Fake *f = &fx->fake;
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL, *i = NULL;

  memset (f, 0, sizeof *f);
  f->root = g_dir_make_tmp ("kerf-sysfs-tree-XXXXXX", &error);
  g_assert_no_error (error);
  o = path_in (f, "overlays");
  i = path_in (f, "instances");
  g_assert_cmpint (g_mkdir (o, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (i, 0755), ==, 0);
  put (o, "new", "", 0);
  put (f->root, "device_tree", "", 0);
  f->writes = g_ptr_array_new_with_free_func (g_free);
  f->rmdirs = g_ptr_array_new_with_free_func (g_free);
  f->next_tx = 1;
  fx->k = kerf_kernel_sysfs_new (f->root, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kerf_kernel_get_backend_name (fx->k), ==, "sysfs");
  g_assert_cmpstr (kerf_kernel_sysfs_get_root (fx->k), ==, f->root);
  kerf_kernel_sysfs_set_ops (fx->k, &fake_ops, f);
  calls_reset ();
  kerf_syscalls_set (&recorder);
}

static void
teardown (Fixture *fx, gconstpointer data)
{
  Fake *f = &fx->fake;

  kerf_syscalls_set (&recorder);   /* never back to the real table */
  kerf_kernel_free (fx->k);
  kerf_test_rm_rf (f->root);
  g_free (f->root);
  g_ptr_array_unref (f->writes);
  g_ptr_array_unref (f->rmdirs);
  g_clear_pointer (&f->last_write, g_bytes_unref);
  calls_reset ();
}

static void
assert_paths (GPtrArray *got, Fake *f, const char *first, ...)
{
  va_list ap;
  const char *rel = first;
  guint n = 0;

  va_start (ap, first);
  for (; rel != NULL; rel = va_arg (ap, const char *), n++)
    {
      g_autofree char *want = path_in (f, rel);
      g_assert_cmpuint (n, <, got->len);
      g_assert_cmpstr (g_ptr_array_index (got, n), ==, want);
    }
  va_end (ap);
  g_assert_cmpuint (got->len, ==, n);
}

static GBytes *
blob (const char *text)
{
  return g_bytes_new (text, strlen (text) + 1);
}

/* ---- pool ---------------------------------------------------------------- */

static void
test_baseline_and_pool_tree (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) dtb = blob ("baseline DTB bytes");
  g_autoptr(GBytes) pool = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dt = path_in (f, "device_tree");

  /* empty device_tree: no baseline yet */
  g_assert_null (kerf_kernel_read_pool_tree (fx->k, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  g_assert_true (kerf_kernel_write_baseline (fx->k, dtb, &error));
  g_assert_no_error (error);
  assert_paths (f->writes, f, "device_tree", NULL);
  g_assert_true (g_bytes_equal (f->last_write, dtb));
  g_assert_cmpuint (f->rmdirs->len, ==, 0);

  /* the kernel's pool tree is what device_tree reads back */
  g_assert_true (g_file_set_contents (dt, "pool tree", -1, NULL));
  pool = kerf_kernel_read_pool_tree (fx->k, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (pool, NULL), g_bytes_get_size (pool), "pool tree", 9);

  /* the kernel refuses a second baseline: EBUSY */
  f->mode = FAKE_FAIL_NO_TX;
  f->err = EBUSY;
  g_assert_false (kerf_kernel_write_baseline (fx->k, dtb, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EBUSY);
  g_assert_nonnull (strstr (error->message, dt));
  g_clear_error (&error);
  /* EPERM on the pool = no baseline (not "not root") */
  f->err = EPERM;
  g_assert_false (kerf_kernel_write_baseline (fx->k, dtb, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
}

/* ---- finding our transaction ------------------------------------------- */

/* Earlier transactions (one with the very same bytes, from a retried
 * request), another writer before and two after ours: ours is the new tx_N
 * whose dtbo is our blob, not the highest N and not the old twin. */
static void
test_own_tx_diff_and_dtbo (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) ov = blob ("our overlay");
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  guint tx = 0;

  make_tx (f, 1, "applied", "x", 1, "/instances\n");
  make_tx (f, 2, "applied", g_bytes_get_data (ov, NULL), g_bytes_get_size (ov), "/instances\n");
  f->next_tx = 3;
  f->n_before = 1;   /* tx_3 */
  f->n_after = 2;    /* tx_5, tx_6 */
  g_assert_true (kerf_kernel_write_overlay (fx->k, ov, &tx, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tx, ==, 4);
  g_assert_cmpstr (status, ==, "applied");
  assert_paths (f->writes, f, "overlays/new", NULL);
  g_assert_true (g_bytes_equal (f->last_write, ov));
  g_assert_cmpuint (f->rmdirs->len, ==, 0);
  {
    g_autoptr(KerfKernelTransaction) t = kerf_kernel_get_transaction (fx->k, 4, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (t->id, ==, 4);
    g_assert_cmpstr (t->status, ==, "applied");
    g_assert_cmpstr (t->instance, ==, "/instances");
    g_assert_cmpstr (t->resources, ==, "unknown");
    g_assert_true (g_bytes_equal (t->dtbo, ov));
  }
}

/* Two digits: tx_10 sorts after tx_9 (numerically, not as text). */
static void
test_list_transactions (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GPtrArray) txs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = path_in (f, "overlays/tx_x");

  make_tx (f, 10, "applied", "b", 1, "/resources\n");
  make_tx (f, 9, "failed", "a", 1, "/instances/web\n");
  g_assert_cmpint (g_mkdir (junk, 0755), ==, 0);   /* not a transaction */
  txs = kerf_kernel_list_transactions (fx->k, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (txs->len, ==, 2);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->id, ==, 9);
  g_assert_cmpstr (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->status, ==, "failed");
  g_assert_cmpstr (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->instance, ==,
                   "/instances/web");
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 1))->id, ==, 10);
  g_assert_null (kerf_kernel_get_transaction (fx->k, 11, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
}

/* A refused overlay: the errno is reported, our failed tx_N (found by diff +
 * dtbo among another writer's failed one) is removed with one rmdir, the
 * other writer's transactions are left alone. */
static void
test_failed_tx_removed (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) ov = blob ("refused overlay");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) txs = NULL;
  g_autofree char *status = NULL;
  g_autofree char *mine = path_in (f, "overlays/tx_7");
  guint tx = 0;

  f->next_tx = 6;
  f->n_before = 1;   /* tx_6 applied */
  f->n_after = 2;    /* tx_8 applied, tx_9 failed (another writer's) */
  f->mode = FAKE_FAIL_WITH_TX;
  f->err = EBUSY;
  g_assert_false (kerf_kernel_write_overlay (fx->k, ov, &tx, &status, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EBUSY);
  g_assert_nonnull (strstr (error->message, "tx_7"));
  g_assert_cmpuint (tx, ==, 7);
  g_assert_cmpstr (status, ==, "failed");
  assert_paths (f->writes, f, "overlays/new", NULL);
  assert_paths (f->rmdirs, f, "overlays/tx_7", NULL);
  g_assert_false (g_file_test (mine, G_FILE_TEST_EXISTS));
  txs = kerf_kernel_list_transactions (fx->k, NULL);
  g_assert_cmpuint (txs->len, ==, 3);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 0))->id, ==, 6);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 1))->id, ==, 8);
  g_assert_cmpuint (((KerfKernelTransaction *) g_ptr_array_index (txs, 2))->id, ==, 9);
}

/* The kernel refused before creating a transaction: errno mapped, no
 * rmdir, tx id 0. */
static void
test_refused_without_tx (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) ov = blob ("malformed");
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  guint tx = 99;

  f->mode = FAKE_FAIL_NO_TX;
  f->err = EINVAL;
  f->n_after = 1;    /* someone else's tx appears meanwhile: not ours */
  g_assert_false (kerf_kernel_write_overlay (fx->k, ov, &tx, &status, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, EINVAL);
  g_assert_cmpuint (tx, ==, 0);
  g_assert_null (status);
  g_assert_cmpuint (f->rmdirs->len, ==, 0);
  g_clear_error (&error);

  /* EPERM on overlays/new: no baseline */
  f->err = EPERM;
  f->n_after = 0;
  g_assert_false (kerf_kernel_write_overlay (fx->k, ov, &tx, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_INITIALIZED);
}

/* Removing the failed tx fails too: both are reported. */
static void
test_failed_tx_rmdir_fails (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) ov = blob ("refused overlay");
  g_autoptr(GError) error = NULL;
  guint tx = 0;

  f->mode = FAKE_FAIL_WITH_TX;
  f->err = ENOENT;
  f->rmdir_err = EBUSY;
  g_assert_false (kerf_kernel_write_overlay (fx->k, ov, &tx, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_assert_cmpint (kerf_kernel_error_get_errno (error), ==, ENOENT);
  g_assert_nonnull (strstr (error->message, "removing the failed tx_1 failed too"));
  assert_paths (f->rmdirs, f, "overlays/tx_1", NULL);
}

/* Written without error but the transaction is not applied. */
static void
test_pending_is_error (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GBytes) ov = blob ("slow overlay");
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  guint tx = 0;

  f->mode = FAKE_PENDING;
  g_assert_false (kerf_kernel_write_overlay (fx->k, ov, &tx, &status, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_KERNEL_ERROR);
  g_assert_nonnull (strstr (error->message, "pending"));
  g_assert_cmpuint (tx, ==, 1);
  g_assert_cmpstr (status, ==, "pending");
}

static void
test_rollback_paths (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  make_tx (f, 12, "applied", "a", 1, "/instances\n");
  g_assert_true (kerf_kernel_rollback (fx->k, 12, &warnings, &error));
  g_assert_no_error (error);
  g_assert_true (warnings == NULL || warnings[0] == NULL);
  assert_paths (f->rmdirs, f, "overlays/tx_12", NULL);
  g_assert_cmpuint (f->writes->len, ==, 0);

  /* gone: ENOENT; refused (instance active): EBUSY */
  g_assert_false (kerf_kernel_rollback (fx->k, 12, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_NOT_FOUND);
  g_clear_error (&error);
  f->rmdir_err = EBUSY;
  g_assert_false (kerf_kernel_rollback (fx->k, 13, NULL, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "tx_13"));
  assert_paths (f->rmdirs, f, "overlays/tx_12", "overlays/tx_12", "overlays/tx_13", NULL);
}

/* ---- instances and the syscalls ------------------------------------------ */

static void
make_instance (Fake *f, const char *name, const char *id, const char *status)
{
  g_autofree char *dir = g_build_filename (f->root, "instances", name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  if (id != NULL)
    put (dir, "id", id, -1);
  put (dir, "status", status, -1);
  put (dir, "device_tree", "instance tree", -1);
  put (dir, "device_tree_source", "/dts-v1/; / { };", -1);
}

/* The instance id comes from instances/<name>/id; every syscall carries it
 * exactly as kernel-abi.md says. */
static void
test_syscalls_from_id_file (Fixture *fx, gconstpointer d)
{
  Fake *f = &fx->fake;
  g_autoptr(GPtrArray) insts = NULL;
  g_autoptr(GError) error = NULL;

  make_instance (f, "web", "3\n", "ready\n");
  make_instance (f, "db", "1234\n", "loaded\n");
  make_instance (f, "half", NULL, "\n");   /* being created: no id yet */
  insts = kerf_kernel_list_instances (fx->k, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (insts->len, ==, 2);
  g_assert_cmpstr (((KerfKernelInstance *) g_ptr_array_index (insts, 0))->name, ==, "db");
  g_assert_cmpstr (((KerfKernelInstance *) g_ptr_array_index (insts, 1))->name, ==, "web");

  for (guint i = 0; i < insts->len; i++)
    {
      KerfKernelInstance *inst = g_ptr_array_index (insts, i);
      guint id = inst->id;
      unsigned long mk = 0x10 | (((unsigned long) id << 5) & 0xFFE0);

      g_assert_cmpuint (id, ==, g_str_equal (inst->name, "db") ? 1234 : 3);
      g_assert_cmpstr (inst->status, ==, g_str_equal (inst->name, "db") ? "loaded" : "ready");
      g_assert_nonnull (inst->device_tree);

      /* load, no initrd, no cmdline: -1, 0, NULL, NO_INITRAMFS */
      calls_reset ();
      g_assert_true (kerf_kernel_load (fx->k, id, 5, -1, NULL, KERF_KERNEL_LOAD_NONE, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (calls.n_kexec, ==, 1);
      g_assert_cmpint (calls.kernel_fd, ==, 5);
      g_assert_cmpint (calls.initrd_fd, ==, -1);
      g_assert_cmpuint (calls.cmdline_len, ==, 0);
      g_assert_null (calls.cmdline);
      g_assert_cmphex (calls.flags, ==, mk | 0x4);

      /* an empty cmdline is no cmdline */
      g_assert_true (kerf_kernel_load (fx->k, id, 5, -1, "", KERF_KERNEL_LOAD_NONE, &error));
      g_assert_cmpuint (calls.cmdline_len, ==, 0);
      g_assert_null (calls.cmdline);

      /* with initrd, cmdline (strlen + 1), debug */
      g_assert_true (kerf_kernel_load (fx->k, id, 5, 6, "console=ttyS0 quiet",
                                       KERF_KERNEL_LOAD_DEBUG, &error));
      g_assert_no_error (error);
      g_assert_cmpint (calls.initrd_fd, ==, 6);
      g_assert_cmpuint (calls.cmdline_len, ==, strlen ("console=ttyS0 quiet") + 1);
      g_assert_cmpstr (calls.cmdline, ==, "console=ttyS0 quiet");
      g_assert_cmphex (calls.flags, ==, mk | 0x8);

      /* initrd without debug */
      g_assert_true (kerf_kernel_load (fx->k, id, 5, 6, NULL, KERF_KERNEL_LOAD_NONE, &error));
      g_assert_cmphex (calls.flags, ==, mk);

      /* unload: (-1, -1, 0, NULL, UNLOAD | MULTIKERNEL | id << 5) */
      g_assert_true (kerf_kernel_unload (fx->k, id, &error));
      g_assert_no_error (error);
      g_assert_cmpint (calls.kernel_fd, ==, -1);
      g_assert_cmpint (calls.initrd_fd, ==, -1);
      g_assert_cmpuint (calls.cmdline_len, ==, 0);
      g_assert_null (calls.cmdline);
      g_assert_cmphex (calls.flags, ==, mk | 0x1);
      g_assert_cmpuint (calls.n_kexec, ==, 5);

      /* exec / halt / force halt: the reboot entry gets magic1, magic2, cmd, &{ mk_id } */
      g_assert_true (kerf_kernel_exec (fx->k, id, &error));
      g_assert_cmphex (calls.magic1, ==, 0xfee1dead);
      g_assert_cmphex (calls.magic2, ==, 0x28121969);
      g_assert_cmphex (calls.cmd, ==, 0x4D4B4C49);
      g_assert_cmpint (calls.mk_id, ==, (int) id);
      g_assert_true (kerf_kernel_kill (fx->k, id, KERF_KERNEL_KILL_HALT, &error));
      g_assert_cmphex (calls.cmd, ==, 0x4D4B4C48);
      g_assert_cmpint (calls.mk_id, ==, (int) id);
      g_assert_true (kerf_kernel_kill (fx->k, id, KERF_KERNEL_KILL_FORCE, &error));
      g_assert_cmphex (calls.cmd, ==, 0x4D4B4C46);
      g_assert_cmpint (calls.mk_id, ==, (int) id);
      g_assert_cmpuint (calls.n_reboot, ==, 3);
      g_assert_no_error (error);
    }
  /* none of this wrote or removed anything */
  g_assert_cmpuint (f->writes->len, ==, 0);
  g_assert_cmpuint (f->rmdirs->len, ==, 0);

  /* an id outside 1..2047 never reaches the kernel */
  calls_reset ();
  g_assert_false (kerf_kernel_load (fx->k, 2048, 5, -1, NULL, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (kerf_kernel_exec (fx->k, 0, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (calls.n_kexec + calls.n_reboot, ==, 0);
}

int
main (int argc, char **argv)
{
  g_setenv ("KERF_FORBID_REAL_SYSCALLS", "1", TRUE);
  kerf_syscalls_set (&recorder);
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add ("/kernel/sysfs-tree/" name, Fixture, NULL, setup, fn, teardown)
  ADD ("baseline-and-pool-tree", test_baseline_and_pool_tree);
  ADD ("own-tx-by-diff-and-dtbo", test_own_tx_diff_and_dtbo);
  ADD ("list-transactions", test_list_transactions);
  ADD ("failed-tx-removed", test_failed_tx_removed);
  ADD ("refused-without-tx", test_refused_without_tx);
  ADD ("failed-tx-rmdir-fails", test_failed_tx_rmdir_fails);
  ADD ("pending-is-error", test_pending_is_error);
  ADD ("rollback-paths", test_rollback_paths);
  ADD ("syscalls-from-id-file", test_syscalls_from_id_file);
#undef ADD
  return g_test_run ();
}
