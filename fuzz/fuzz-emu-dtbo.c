/* fuzz-emu-dtbo — the emulated kernel's overlay intake on hostile DTBOs.
 *
 * The emulated kernel stands in for the real one in every test and demo, and
 * kerfd hands it whatever DTBO the overlay generator made; a crafted blob
 * written to overlays/new must give 0 or -errno, never a crash, and must
 * leave a state the kernel can reopen.  Per input: a fresh state directory
 * (under /dev/shm when present: this target is I/O bound), the seed kernel
 * baseline, the input as overlays/new, a rollback when it applied, and a
 * reopen of the directory. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "kerf-dts.h"
#include "kerf-kernel-emulated.h"
#include "fuzz-common.h"

static GBytes *baseline_dtb;
static char *work_dir;

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st; (void) flag; (void) ftw;
  return remove (path);
}

static void
wipe_dir (const char *dir)
{
  (void) nftw (dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
cleanup_work_dir (void)
{
  if (work_dir != NULL)
    wipe_dir (work_dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  g_autofree char *path = NULL;
  const char *env = g_getenv ("KERF_FUZZ_BASELINE");
  const char *tmp = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  KerfDiagList *diags = kerf_diag_list_new ();

  (void) argc; (void) argv;
  fuzz_init_glib ();
  /* The model tests' golden kernel baseline: what kerfd writes to
   * device_tree for examples/baseline.dts on the default machine. */
  path = env != NULL ? g_strdup (env)
                     : g_build_filename (KERF_SOURCE_DIR, "tests", "model", "golden",
                                         "baseline-kernel.dts", NULL);
  tree = kerf_dts_parse_file (path, diags);
  if (tree == NULL || (baseline_dtb = kerf_dtb_write (tree, &error)) == NULL)
    {
      fprintf (stderr, "fuzz-emu-dtbo: cannot build the baseline from %s\n", path);
      abort ();
    }
  kerf_diag_list_free (diags);

  work_dir = g_build_filename (tmp, "kerf-fuzz-emu-XXXXXX", NULL);
  if (g_mkdtemp (work_dir) == NULL)
    {
      perror ("fuzz-emu-dtbo: mkdtemp");
      abort ();
    }
  atexit (cleanup_work_dir);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (work_dir, "s", NULL);
  KerfKernel *kernel;
  const guint8 *base;
  gsize base_len;
  int err;

  if (baseline_dtb == NULL)   /* standalone driver: no libFuzzer init call */
    LLVMFuzzerInitialize (NULL, NULL);
  wipe_dir (dir);
  kernel = kerf_kernel_emulated_new (dir, NULL, &error);
  FUZZ_INVARIANT (kernel != NULL, "cannot open a fresh state dir: %s", error->message);
  base = g_bytes_get_data (baseline_dtb, &base_len);
  err = kerf_kernel_emulated_write_file (kernel, "device_tree", base, base_len);
  FUZZ_INVARIANT (err == 0, "baseline refused (%d): %s", err,
                  kerf_kernel_emulated_last_message (kernel));

  err = kerf_kernel_emulated_write_file (kernel, "overlays/new", data, size);
  FUZZ_INVARIANT (err <= 0, "write returned %d", err);
  if (err == 0)
    {
      /* Applied: the kernel names it tx_1; undo must work or say why. */
      err = kerf_kernel_emulated_rmdir (kernel, "overlays/tx_1");
      FUZZ_INVARIANT (err <= 0, "rmdir returned %d", err);
    }
  kerf_kernel_free (kernel);

  /* What was saved must load again. */
  kernel = kerf_kernel_emulated_new (dir, NULL, &error);
  FUZZ_INVARIANT (kernel != NULL, "state dir does not reopen: %s", error->message);
  kerf_kernel_free (kernel);
  return 0;
}
