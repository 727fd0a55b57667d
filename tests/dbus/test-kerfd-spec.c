/* test-kerfd-spec.c — the a{sv} instance spec decoder (src/daemon/kerfd-spec.c):
 * every key with its right type, each wrong type, ranges, unknown and
 * repeated keys, and applying a spec onto an instance. */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerfd-spec.h"

static const struct {
  const char *key;
  const char *type;
} keys[] = {
  { "cpus", "au" }, { "cpu-count", "u" }, { "memory-bytes", "t" }, { "memory-base", "t" },
  { "devices", "as" }, { "numa-nodes", "au" }, { "cpu-affinity", "s" },
  { "memory-policy", "s" }, { "id", "u" },
};

/* One value of every type a caller might send, each valid for its own type. */
static const char *const samples[] = {
  "[4, 5]", "@u 3", "@t 1073741824", "@as ['eth0']", "'compact'", "@i 3", "@x 7", "true",
  "@ay [1, 2]", "@a{sv} {}", "@(uu) (1, 2)", "@y 1", "@q 2", "@n 2", "@d 1.5", "@v <1>",
  "@o '/'", "@g 's'", "@ai [1]", "@at [1]", "@aau [[1]]", "@h 0",
};

static GVariant *
one_key (const char *key, GVariant *value)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", key, value);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static GVariant *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = g_variant_parse (NULL, text, NULL, NULL, &error);

  g_assert_no_error (error);
  return v;   /* g_variant_parse: already a full reference */
}

/* Every key refuses every type but its own, naming the key and both types. */
static void
test_type_errors (void)
{
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      guint refused = 0;

      for (gsize s = 0; s < G_N_ELEMENTS (samples); s++)
        {
          g_autoptr(GVariant) value = parse (samples[s]);
          g_autoptr(GVariant) spec = NULL;
          g_autoptr(KerfdSpec) out = NULL;
          g_autoptr(GError) error = NULL;
          g_autofree char *want = NULL;

          if (g_str_equal (g_variant_get_type_string (value), keys[k].type))
            continue;
          spec = one_key (keys[k].key, value);
          out = kerfd_spec_from_variant (spec, &error);
          g_assert_null (out);
          g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
          want = g_strdup_printf ("'%s' must be of type '%s', not '%s'", keys[k].key,
                                  keys[k].type, g_variant_get_type_string (value));
          g_assert_cmpstr (error->message, ==, want);
          refused++;
        }
      g_assert_cmpuint (refused, >=, G_N_ELEMENTS (samples) - 2);
    }
}

static void
test_every_key (void)
{
  g_autoptr(GVariant) spec = parse (
      "{'cpus': <@au [4, 6, 5]>, 'memory-bytes': <@t 2147483648>, "
      "'memory-base': <@t 4294967296>, 'devices': <['eth0_vf1', 'nvme0_ns2']>, "
      "'numa-nodes': <@au [1]>, 'cpu-affinity': <'spread'>, 'memory-policy': <'bind'>, "
      "'id': <@u 7>}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpuint (out->present, ==,
                    KERFD_SPEC_CPUS | KERFD_SPEC_MEMORY_BYTES | KERFD_SPEC_MEMORY_BASE |
                    KERFD_SPEC_DEVICES | KERFD_SPEC_NUMA_NODES | KERFD_SPEC_CPU_AFFINITY |
                    KERFD_SPEC_MEMORY_POLICY | KERFD_SPEC_ID);
  g_assert_cmpuint (out->cpus->len, ==, 3);
  g_assert_cmpuint (g_array_index (out->cpus, guint32, 1), ==, 6);
  g_assert_cmpuint (out->memory_bytes, ==, G_GUINT64_CONSTANT (2147483648));
  g_assert_cmpuint (out->memory_base, ==, G_GUINT64_CONSTANT (4294967296));
  g_assert_cmpuint (g_strv_length (out->devices), ==, 2);
  g_assert_cmpstr (out->devices[1], ==, "nvme0_ns2");
  g_assert_cmpuint (out->numa_nodes->len, ==, 1);
  g_assert_cmpint (out->cpu_affinity, ==, KERF_CPU_AFFINITY_SPREAD);
  g_assert_cmpint (out->memory_policy, ==, KERF_MEMORY_POLICY_BIND);
  g_assert_cmpuint (out->id, ==, 7);
  g_assert_false (kerfd_spec_has (out, KERFD_SPEC_CPU_COUNT));
  g_assert_true (kerfd_spec_has (out, KERFD_SPEC_CPU_COUNT | KERFD_SPEC_ID));
}

static void
test_empty (void)
{
  g_autoptr(GVariant) spec = parse ("@a{sv} {}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (out->present, ==, 0);
  g_assert_nonnull (out->devices);
  g_assert_null (out->devices[0]);
}

static void
expect_error (const char *text, const char *fragment)
{
  g_autoptr(GVariant) spec = parse (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

  g_assert_null (out);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, fragment) == NULL)
    g_error ("%s: message '%s' lacks '%s'", text, error->message, fragment);
}

static void
test_ranges (void)
{
  expect_error ("{'cpu-count': <@u 0>}", "cpu-count must be > 0");
  expect_error ("{'memory-bytes': <@t 0>}", "memory-bytes must be > 0");
  expect_error ("{'id': <@u 0>}", "id must be 1-2047, not 0");
  expect_error ("{'id': <@u 2048>}", "id must be 1-2047, not 2048");
  expect_error ("{'cpu-affinity': <'tight'>}", "unknown cpu-affinity 'tight'");
  expect_error ("{'memory-policy': <''>}", "unknown memory-policy ''");
  expect_error ("{'memory-policy': <'a\\nb'>}", "unknown memory-policy 'a\\nb'");
  expect_error ("{'cpus': <@au [4]>, 'cpu-count': <@u 1>}", "either 'cpus' or 'cpu-count'");
  expect_error ("{'memory': <@t 1>}", "unknown instance spec key 'memory'");
  expect_error ("{'x\\ty': <@t 1>}", "unknown instance spec key 'x\\ty'");
  {
    /* a repeated key (a{sv} is an array: nothing stops a caller) */
    g_autoptr(GVariant) spec = parse ("[{'id', <@u 3>}, {'id', <@u 4>}]");
    g_autoptr(GError) error = NULL;
    g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

    g_assert_null (out);
    g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "'id' is given twice"));
  }
  /* boundaries that are fine */
  {
    g_autoptr(GVariant) spec = parse ("{'id': <@u 2047>, 'cpu-count': <@u 1>, "
                                      "'memory-bytes': <@t 18446744073709551615>, "
                                      "'memory-base': <@t 0>, 'cpus': <@au []>}");
    g_autoptr(GError) error = NULL;
    g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

    g_assert_null (out);   /* cpus and cpu-count together, even an empty cpus */
    g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GVariant) spec = parse ("{'id': <@u 2047>, 'cpu-count': <@u 1>, "
                                      "'memory-bytes': <@t 18446744073709551615>, "
                                      "'memory-base': <@t 0>}");
    g_autoptr(GError) error = NULL;
    g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (out->id, ==, 2047);
    g_assert_cmpuint (out->memory_bytes, ==, G_MAXUINT64);
  }
}

/* Not an a{sv} at all (a fuzzer's or a confused caller's input). */
static void
test_not_a_vardict (void)
{
  const char *const texts[] = { "@a{ss} {'id': '3'}", "@u 3", "@av []", "@a{uv} {}" };
  g_autoptr(GError) null_error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GVariant) v = parse (texts[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (v, &error);

      g_assert_null (out);
      g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "must be of type 'a{sv}'"));
    }
  g_assert_null (kerfd_spec_from_variant (NULL, &null_error));
  g_assert_error (null_error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
}

/* Serialized bytes that are not in normal form decode without a crash. */
static void
test_non_normal_bytes (void)
{
  static const guint8 junk[][16] = {
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
    { 'i', 'd', 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 'u', 0, 3 },
    { 'c', 'p', 'u', 's', 0, 0, 0, 0, 4, 0, 0, 0, 0, 'a', 'u', 8 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (junk[i], sizeof junk[i]);
      g_autoptr(GVariant) v = g_variant_ref_sink (
          g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
      g_autoptr(GError) error = NULL;
      g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (v, &error);

      g_assert_true ((out == NULL) != (error == NULL));
    }
}

static void
test_apply (void)
{
  g_autoptr(GVariant) spec = parse ("{'cpus': <@au [8, 9]>, 'devices': <['eth0_vf2']>, "
                                    "'memory-policy': <'interleave'>}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfdSpec) out = kerfd_spec_from_variant (spec, &error);
  g_autoptr(KerfInstance) inst = kerf_instance_new ("vm");
  guint32 cpu = 4;

  g_assert_no_error (error);
  inst->memory_bytes = 4096;
  inst->memory_base = 0x80000000;
  inst->id = 5;
  inst->cpu_affinity = KERF_CPU_AFFINITY_LOCAL;
  g_array_append_val (inst->cpus, cpu);
  g_array_append_val (inst->numa_nodes, cpu);
  kerfd_spec_apply (out, inst);
  g_assert_cmpuint (inst->cpus->len, ==, 2);
  g_assert_cmpuint (g_array_index (inst->cpus, guint32, 0), ==, 8);
  g_assert_cmpuint (inst->devices->len, ==, 1);
  g_assert_cmpstr (((KerfDeviceRef *) g_ptr_array_index (inst->devices, 0))->name, ==, "eth0_vf2");
  g_assert_cmpint (inst->memory_policy, ==, KERF_MEMORY_POLICY_INTERLEAVE);
  /* keys not given keep their value */
  g_assert_cmpuint (inst->memory_bytes, ==, 4096);
  g_assert_cmpuint (inst->memory_base, ==, 0x80000000);
  g_assert_cmpuint (inst->id, ==, 5);
  g_assert_cmpint (inst->cpu_affinity, ==, KERF_CPU_AFFINITY_LOCAL);
  g_assert_cmpuint (inst->numa_nodes->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kerfd-spec/type-errors", test_type_errors);
  g_test_add_func ("/kerfd-spec/every-key", test_every_key);
  g_test_add_func ("/kerfd-spec/empty", test_empty);
  g_test_add_func ("/kerfd-spec/ranges", test_ranges);
  g_test_add_func ("/kerfd-spec/not-a-vardict", test_not_a_vardict);
  g_test_add_func ("/kerfd-spec/non-normal-bytes", test_non_normal_bytes);
  g_test_add_func ("/kerfd-spec/apply", test_apply);
  return g_test_run ();
}
