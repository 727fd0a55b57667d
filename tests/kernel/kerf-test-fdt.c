#include "config.h"

#include <libfdt.h>
#include "kerf-test-fdt.h"

struct _TestFdt {
  guint8 *buf;
  int     size;
};

#define CHECK(expr) G_STMT_START { int _e = (expr); g_assert_cmpstr (fdt_strerror (_e), ==, fdt_strerror (0)); } G_STMT_END

TestFdt *
test_fdt_new (void)
{
  TestFdt *t = g_new0 (TestFdt, 1);
  t->size = 256 * 1024;
  t->buf = g_malloc0 (t->size);
  CHECK (fdt_create (t->buf, t->size));
  CHECK (fdt_finish_reservemap (t->buf));
  CHECK (fdt_begin_node (t->buf, ""));
  return t;
}

void test_fdt_begin (TestFdt *t, const char *name) { CHECK (fdt_begin_node (t->buf, name)); }
void test_fdt_end (TestFdt *t) { CHECK (fdt_end_node (t->buf)); }
void test_fdt_string (TestFdt *t, const char *n, const char *v) { CHECK (fdt_property_string (t->buf, n, v)); }
void test_fdt_u32 (TestFdt *t, const char *n, guint32 v) { CHECK (fdt_property_u32 (t->buf, n, v)); }
void test_fdt_u64 (TestFdt *t, const char *n, guint64 v) { CHECK (fdt_property_u64 (t->buf, n, v)); }
void test_fdt_raw (TestFdt *t, const char *n, const void *d, gsize len) { CHECK (fdt_property (t->buf, n, d, (int) len)); }

void
test_fdt_u64s (TestFdt *t, const char *name, const guint64 *values, gsize n)
{
  g_autofree fdt64_t *be = g_new0 (fdt64_t, n + 1);
  for (gsize i = 0; i < n; i++)
    be[i] = cpu_to_fdt64 (values[i]);
  CHECK (fdt_property (t->buf, name, be, (int) (n * 8)));
}

void
test_fdt_reg (TestFdt *t, guint64 base, guint64 size)
{
  guint64 v[2] = { base, size };
  test_fdt_u64s (t, "reg", v, 2);
}

GBytes *
test_fdt_finish (TestFdt *t)
{
  GBytes *b;
  CHECK (fdt_end_node (t->buf));
  CHECK (fdt_finish (t->buf));
  b = g_bytes_new (t->buf, fdt_totalsize (t->buf));
  g_free (t->buf);
  g_free (t);
  return b;
}

GBytes *
test_baseline_default (void)
{
  TestFdt *t = test_fdt_new ();
  guint64 cpus[28];
  for (guint i = 0; i < 28; i++)
    cpus[i] = i + 4;
  test_fdt_string (t, "compatible", "multikernel-v1");
  test_fdt_begin (t, "resources");
  test_fdt_u64s (t, "cpus", cpus, 28);
  /* examples/baseline.dts's 14 GiB pool cut at its NUMA boundary */
  test_fdt_begin (t, "memory@0");
  test_fdt_u64 (t, "size", 6ULL << 30);
  test_fdt_u32 (t, "numa-node-id", 0);
  test_fdt_end (t);
  test_fdt_begin (t, "memory@1");
  test_fdt_u64 (t, "size", 8ULL << 30);
  test_fdt_u32 (t, "numa-node-id", 1);
  test_fdt_end (t);
  test_fdt_begin (t, "devices");
  test_fdt_begin (t, "ethernet@0");
  test_fdt_string (t, "device-type", "pci");
  test_fdt_string (t, "pci-id", "0000:01:00.0");
  test_fdt_u32 (t, "vendor-id", 0x8086);
  test_fdt_u32 (t, "device-id", 0x1572);
  test_fdt_end (t);
  test_fdt_begin (t, "storage@0");
  test_fdt_string (t, "device-type", "pci");
  test_fdt_string (t, "pci-id", "0000:02:00.0");
  test_fdt_u32 (t, "vendor-id", 0x144d);
  test_fdt_u32 (t, "device-id", 0xa808);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_begin (t, "aliases");
  test_fdt_string (t, "eth0", "/resources/devices/ethernet@0");
  test_fdt_string (t, "nvme0", "/resources/devices/storage@0");
  test_fdt_end (t);
  return test_fdt_finish (t);
}

void
test_fdt_fragment_begin (TestFdt *t, guint n, const char *target)
{
  g_autofree char *name = g_strdup_printf ("fragment@%x", n);
  test_fdt_begin (t, name);
  test_fdt_string (t, "target-path", target);
  test_fdt_begin (t, "__overlay__");
}

void
test_fdt_fragment_end (TestFdt *t)
{
  test_fdt_end (t);
  test_fdt_end (t);
}

GBytes *
test_overlay_create (const char *name, guint32 id, const guint64 *cpus, gsize n_cpus,
                     guint64 bytes)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-create");
  test_fdt_string (t, "instance-name", name);
  if (id != 0)
    test_fdt_u32 (t, "id", id);
  test_fdt_begin (t, "resources");
  if (bytes != 0)
    test_fdt_u64 (t, "memory-bytes", bytes);
  if (cpus != NULL)
    test_fdt_u64s (t, "cpus", cpus, n_cpus);
  test_fdt_end (t);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  return test_fdt_finish (t);
}

GBytes *
test_overlay_remove (const char *name)
{
  TestFdt *t = test_fdt_new ();
  test_fdt_fragment_begin (t, 0, "/instances");
  test_fdt_begin (t, "instance-remove");
  test_fdt_string (t, "instance-name", name);
  test_fdt_end (t);
  test_fdt_fragment_end (t);
  return test_fdt_finish (t);
}
