/* test-parse.c — CPU lists, sizes, addresses: what users type. */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-error.h"

static void
check_cpus (const char *text, const char *expect_formatted, guint expect_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cpus = kerf_cpu_list_parse (text, &error);
  g_autofree char *back = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (cpus);
  g_assert_cmpuint (cpus->len, ==, expect_len);
  for (guint i = 1; i < cpus->len; i++)
    g_assert_cmpuint (g_array_index (cpus, guint32, i - 1), <, g_array_index (cpus, guint32, i));
  back = kerf_cpu_array_format (cpus);
  g_assert_cmpstr (back, ==, expect_formatted);
}

static void
check_cpus_error (const char *text, const char *expect_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) cpus = kerf_cpu_list_parse (text, &error);

  g_assert_null (cpus);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, expect_part) == NULL)
    g_error ("'%s': got '%s', want ...%s...", text, error->message, expect_part);
}

static void
test_cpu_list (void)
{
  check_cpus ("4-7,9,12-15", "4-7,9,12-15", 9);
  check_cpus ("9,4-7", "4-7,9", 5);
  check_cpus (" 1 , 3 - 4 ", "1,3-4", 3);
  check_cpus ("0", "0", 1);
  check_cpus ("5-5", "5", 1);
  check_cpus ("4,5", "4-5", 2);
  check_cpus ("4294967295", "4294967295", 1);
  check_cpus ("4294967294-4294967295", "4294967294-4294967295", 2);
}

static void
test_cpu_list_errors (void)
{
  check_cpus_error ("", "empty CPU list");
  check_cpus_error ("   ", "empty CPU list");
  check_cpus_error (NULL, "empty CPU list");
  check_cpus_error ("1,,2", "empty item at position 2");
  check_cpus_error ("1,", "empty item at position 2");
  check_cpus_error ("7-4", "invalid CPU range '7-4': start 7 is greater than end 4 (write '4-7')");
  check_cpus_error ("4-7,6", "CPU 6 is listed twice ('4-7' and '6')");
  check_cpus_error ("4-7,2-5", "CPU 4 is listed twice ('2-5' and '4-7')");
  check_cpus_error ("3,3", "CPU 3 is listed twice");
  check_cpus_error ("-3", "invalid CPU list item '-3': CPU ids cannot be negative");
  check_cpus_error ("1--3", "CPU ids cannot be negative");
  check_cpus_error ("4294967296", "CPU id 4294967296 is larger than 4294967295");
  check_cpus_error ("99999999999999999999", "is larger than");
  check_cpus_error ("a", "'a' is not a decimal CPU id");
  check_cpus_error ("0x4", "'0x4' is not a decimal CPU id");
  check_cpus_error ("1-", "missing CPU id");
  check_cpus_error ("1 2", "'1 2' is not a decimal CPU id");
  check_cpus_error ("0-4294967295", "names more than");
}

static void
test_cpu_format (void)
{
  const guint32 a[] = { 0, 1, 2, 3, 5, 7, 8, 10 };
  g_autofree char *s = kerf_cpu_list_format (a, G_N_ELEMENTS (a));
  g_autofree char *e = kerf_cpu_list_format (NULL, 0);

  g_assert_cmpstr (s, ==, "0-3,5,7-8,10");
  g_assert_cmpstr (e, ==, "");
}

static void
check_size (const char *text, guint64 expect)
{
  g_autoptr(GError) error = NULL;
  guint64 v = 0;

  if (!kerf_size_parse (text, &v, &error))
    g_error ("'%s': %s", text, error->message);
  g_assert_cmpuint (v, ==, expect);
}

static void
check_size_error (const char *text, const char *expect_part)
{
  g_autoptr(GError) error = NULL;
  guint64 v = 42;

  g_assert_false (kerf_size_parse (text, &v, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (v, ==, 42);
  if (strstr (error->message, expect_part) == NULL)
    g_error ("'%s': got '%s', want ...%s...", text, error->message, expect_part);
}

static void
test_size (void)
{
  check_size ("512MB", 512ull << 20);
  check_size ("2GB", 2ull << 30);
  check_size ("1TB", 1ull << 40);
  check_size ("2GiB", 2ull << 30);
  check_size ("4KiB", 4096);
  check_size ("4KB", 4096);
  check_size ("4kb", 4096);
  check_size ("2 GB", 2ull << 30);
  check_size ("2G", 2ull << 30);
  check_size ("1.5GB", 1536ull << 20);
  check_size ("0.5KiB", 512);
  check_size ("4096", 4096);
  check_size ("4096B", 4096);
  check_size ("0x1000", 4096);
  check_size ("0X80000000", 0x80000000ull);
  check_size ("18446744073709551615", G_MAXUINT64);
  check_size ("16777215TB", G_MAXUINT64 - (1ull << 40) + 1);
  check_size ("0.5TB", 1ull << 39);
  check_size ("1.25MiB", 1310720);
}

static void
test_size_errors (void)
{
  check_size_error ("", "empty");
  check_size_error ("0", "greater than zero");
  check_size_error ("0GB", "greater than zero");
  check_size_error ("0x0", "greater than zero");
  check_size_error ("-1GB", "cannot be negative");
  check_size_error ("+1GB", "no sign");
  check_size_error ("2XB", "unknown unit 'XB'");
  check_size_error ("GB", "expected a number");
  check_size_error ("1.GB", "missing digits after the decimal point");
  check_size_error ("1.3B", "not a whole number of bytes");
  check_size_error ("16777216TB", "too large");
  check_size_error ("16777216.5TB", "too large");
  check_size_error ("18446744073709551616", "too large");
  check_size_error ("0x10000000000000000", "too large");
  check_size_error ("0x", "not a hexadecimal number");
  check_size_error ("0x10MB", "not a hexadecimal number");
  check_size_error ("1e9", "unknown unit 'e9'");
  check_size_error ("12 34", "unknown unit '34'");
}

static void
test_size_format (void)
{
  const struct { guint64 v; const char *s; } cases[] = {
    { 1, "1 byte" }, { 100, "100 bytes" }, { 1023, "1023 bytes" },
    { 4096, "4 KiB" }, { 512ull << 20, "512 MiB" }, { 2ull << 30, "2 GiB" },
    { 1536ull << 20, "1.5 GiB" }, { (1ull << 30) + (1ull << 28), "1.25 GiB" },
    { 14ull << 30, "14 GiB" }, { 1ull << 40, "1 TiB" }, { G_MAXUINT64, "16 EiB" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = kerf_size_format (cases[i].v);
      g_assert_cmpstr (s, ==, cases[i].s);
    }
}

/* format -> parse gives the value back whenever the text is exact */
static void
test_size_roundtrip (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 2000; i++)
    {
      guint m = (guint) g_rand_int_range (rand, 1, 5);
      guint64 v = ((guint64) g_rand_int_range (rand, 1, 1024) << (10 * m))
                  + ((guint64) g_rand_int_range (rand, 0, 4) << (10 * m - 2));
      g_autofree char *s = kerf_size_format (v);
      g_autofree char *compact = NULL;
      guint64 back = 0;
      g_autoptr(GError) error = NULL;

      compact = g_strdup (s);
      g_assert_true (kerf_size_parse (compact, &back, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (back, ==, v);
    }
  g_rand_free (rand);
}

static void
test_address (void)
{
  g_autoptr(GError) error = NULL;
  guint64 v = 1;

  g_assert_true (kerf_address_parse ("0x80000000", &v, NULL));
  g_assert_cmpuint (v, ==, 0x80000000ull);
  g_assert_true (kerf_address_parse ("2147483648", &v, NULL));
  g_assert_cmpuint (v, ==, 0x80000000ull);
  g_assert_true (kerf_address_parse ("0", &v, NULL));
  g_assert_cmpuint (v, ==, 0);
  g_assert_true (kerf_address_parse ("0xffffffffffffffff", &v, NULL));
  g_assert_cmpuint (v, ==, G_MAXUINT64);

  const struct { const char *in, *msg; } bad[] = {
    { "", "empty" }, { "-1", "cannot be negative" }, { "0xg", "not a hexadecimal number" },
    { "12ab", "not a decimal number (use 0x for hex)" }, { "0x1ffffffffffffffff", "larger than 64 bits" },
    { "18446744073709551616", "larger than 64 bits" }, { "0x", "not a hexadecimal number" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      g_assert_false (kerf_address_parse (bad[i].in, &v, &error));
      g_assert_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, bad[i].msg) == NULL)
        g_error ("'%s': got '%s'", bad[i].in, error->message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/parse/cpu-list", test_cpu_list);
  g_test_add_func ("/parse/cpu-list-errors", test_cpu_list_errors);
  g_test_add_func ("/parse/cpu-format", test_cpu_format);
  g_test_add_func ("/parse/size", test_size);
  g_test_add_func ("/parse/size-errors", test_size_errors);
  g_test_add_func ("/parse/size-format", test_size_format);
  g_test_add_func ("/parse/size-roundtrip", test_size_roundtrip);
  g_test_add_func ("/parse/address", test_address);
  return g_test_run ();
}
