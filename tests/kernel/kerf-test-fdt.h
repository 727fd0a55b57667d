/* kerf-test-fdt.h — hand-made DTB/DTBO blobs for the kernel tests, written
 * with libfdt's sequential-write API (independent of kerf's generator). */
#pragma once

#include <glib.h>

typedef struct _TestFdt TestFdt;

TestFdt *test_fdt_new (void);
void     test_fdt_begin (TestFdt *t, const char *name);
void     test_fdt_end (TestFdt *t);
void     test_fdt_string (TestFdt *t, const char *name, const char *value);
void     test_fdt_u32 (TestFdt *t, const char *name, guint32 value);
void     test_fdt_u64 (TestFdt *t, const char *name, guint64 value);
void     test_fdt_raw (TestFdt *t, const char *name, const void *data, gsize len);
/* u64 cells */
void     test_fdt_u64s (TestFdt *t, const char *name, const guint64 *values, gsize n);
void     test_fdt_reg (TestFdt *t, guint64 base, guint64 size);
/* Finishes the blob (root node closed) and frees `t`. */
GBytes  *test_fdt_finish (TestFdt *t);

/* The kernel baseline for the default emulated machine (examples/
 * baseline.dts): CPUs 4-31, 6 GiB on node 0 and 8 GiB on node 1, i40e and
 * nvme, aliases eth0/nvme0. */
GBytes  *test_baseline_default (void);

/* Overlay with one fragment: opens root + fragment@N + __overlay__; the
 * caller adds operations and calls test_fdt_fragment_end(). */
void     test_fdt_fragment_begin (TestFdt *t, guint n, const char *target);
void     test_fdt_fragment_end (TestFdt *t);

/* fragment@0 on /instances with instance-create (id 0 = none, bytes 0 =
 * no memory-bytes). */
GBytes  *test_overlay_create (const char *name, guint32 id, const guint64 *cpus, gsize n_cpus,
                              guint64 bytes);
GBytes  *test_overlay_remove (const char *name);
