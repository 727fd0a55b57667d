/* kerf-test-util.h — small helpers the C tests share: files in a scratch
 * directory, and an emulated kernel in one.
 *
 * Every helper asserts (g_assert) instead of returning an error: a test
 * that cannot set up or read back its directory has already failed. */
#pragma once

#include <glib.h>
#include "kerf-kernel-emulated.h"

G_BEGIN_DECLS

/* ---- files --------------------------------------------------------------- */

/* Removes `path` and everything below it; a symbolic link is removed, never
 * followed.  Whatever is missing or cannot be removed is left alone (this
 * is cleanup, the test has already asserted what it needed). */
void        kerf_test_rm_rf (const char *path);

/* A new directory in the temporary directory, from a template ending in
 * XXXXXX; asserts that it was made. */
char       *kerf_test_make_tmp_dir (const char *tmpl);

/* Files named relative to a directory `dir`. */
gboolean    kerf_test_exists (const char *dir, const char *rel);
guint64     kerf_test_inode_of (const char *dir, const char *rel);
GBytes     *kerf_test_read_bytes (const char *dir, const char *rel);
char       *kerf_test_read_text (const char *dir, const char *rel);
void        kerf_test_write_text (const char *dir, const char *rel, const char *text);

/* DIR/vmlinux: 256 bytes with an ELF header, which the emulated backend
 * accepts as a kernel image; returns it opened read-only (close-on-exec)
 * and, when `path_out` is not NULL, its path. */
int         kerf_test_write_elf (const char *dir, char **path_out);

/* ---- the emulated kernel ------------------------------------------------- */

/* kerf_kernel_emulated_new() on `dir` (`machine` NULL = the default
 * machine); asserts that it opened. */
KerfKernel *kerf_test_emulated_open (const char *dir, const KerfEmuMachine *machine);

/* Writes the baseline DTB; asserts that the kernel accepted it. */
void        kerf_test_write_baseline (KerfKernel *kernel, GBytes *baseline);

/* The usual fixture: a new temporary directory from `tmpl` (returned in
 * `dir_out`, to kerf_test_rm_rf and free), the emulated kernel opened on
 * it and, when `baseline` is not NULL, that baseline written. */
KerfKernel *kerf_test_emulated_new_tmp (const char *tmpl, const KerfEmuMachine *machine,
                                        GBytes *baseline, char **dir_out);

/* Writes an overlay that must be applied; returns its transaction id
 * (asserted > 0). */
guint       kerf_test_apply_ok (KerfKernel *kernel, GBytes *dtbo);

G_END_DECLS
