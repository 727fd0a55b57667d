/* test-dts-malformed.c — hostile DTS input: cut-off files, unterminated
 * tokens, bad escapes, bad references, 10 000-deep nesting, 100-digit
 * literals, NUL bytes, invalid UTF-8 and a 50 MB source.  Each must end in
 * a tree or in errors located FILE:LINE:COL — never a crash, a hang or a
 * tree with errors.  Meant to be run under ASan+UBSan as well. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "kerf-dts.h"

#define PARSE_DIR KERF_SOURCE_DIR "/tests/dt/parse"

/* Parses `len` bytes from an exact-size heap copy (so ASan sees any read
 * past the end) and checks the contract: a tree xor errors, every
 * diagnostic located in a real line and column, valid UTF-8 text. */
static KerfDtTree *
parse_checked (const char *src, gsize len, KerfDiagList *diags)
{
  g_autofree char *copy = g_memdup2 (src, len);
  KerfDtTree *t = kerf_dts_parse_data ("m.dts", copy, len, PARSE_DIR "/ok", KERF_DTS_PARSE_NONE, diags);
  g_assert_true ((t != NULL) != kerf_diag_list_has_errors (diags));
  guint lines = 1;
  for (gsize i = 0; i < len; i++)
    lines += src[i] == '\n';
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      g_autofree char *f = kerf_diag_format (d);
      if (!g_utf8_validate (f, -1, NULL))
        g_error ("diagnostic is not valid UTF-8: %s", g_strescape (f, NULL));
      if (d->severity == KERF_SEVERITY_NOTE)
        continue;
      g_assert_nonnull (d->loc.file);
      g_assert_cmpuint (d->loc.line, >=, 1);
      g_assert_cmpuint (d->loc.col, >=, 1);
      if (strcmp (d->loc.file, "m.dts") == 0)
        g_assert_cmpuint (d->loc.line, <=, lines);
    }
  return t;
}

/* The first error, formatted without the suggestion line. */
static char *
first_error (KerfDiagList *diags)
{
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      const KerfDiag *d = kerf_diag_list_get (diags, i);
      if (d->severity != KERF_SEVERITY_ERROR)
        continue;
      char *f = kerf_diag_format (d);
      char *nl = strchr (f, '\n');
      if (nl != NULL)
        *nl = '\0';
      return f;
    }
  return g_strdup ("(no error)");
}

static void
expect_error (const char *src, gsize len, const char *want)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (src, len, diags);
  g_assert_null (t);
  g_autofree char *got = first_error (diags);
  if (!g_str_has_prefix (got, want))
    g_error ("source %.60s...\n  first error: %s\n  expected:    %s", src, got, want);
}

#define EXPECT(src, want) expect_error (src, sizeof src - 1, want)

/* ---- every prefix of some fixtures --------------------------------- */

static void
test_truncated (void)
{
  static const char *const fixtures[] = {
    "labels.dts", "plugin-fragments.dts", "comments.dts", "strings-escapes.dts",
    "bytestrings.dts", "expr-precedence.dts", "char-literals.dts", "include-nested.dts",
    "incbin.dts", "delete-node.dts",
  };
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = g_build_filename (PARSE_DIR, "ok", fixtures[i], NULL);
      g_autofree char *src = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &src, &len, NULL));
      guint accepted = 0;
      for (gsize n = 0; n <= len; n++)
        {
          g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
          g_autoptr(KerfDtTree) t = parse_checked (src, n, diags);
          accepted += t != NULL;
        }
      /* the whole file parses, so at least that prefix did */
      g_assert_cmpuint (accepted, >=, 1);
    }
}

/* ---- unterminated tokens, bad escapes -------------------------------- */

static void
test_unterminated (void)
{
  EXPECT ("/dts-v1/;\n/ { s = \"abc", "m.dts:2:9: error: missing terminating '\"' character");
  EXPECT ("/dts-v1/;\n/ { s = \"abc\\", "m.dts:2:9: error: missing terminating '\"' character");
  EXPECT ("/dts-v1/;\n/ { s = \"abc\\\";\n};\n", "m.dts:2:9: error: missing terminating '\"' character");
  EXPECT ("/dts-v1/;\n/ { };\n/* open", "m.dts:3:1: error: unterminated comment");
  EXPECT ("/dts-v1/;\n/ { a = <1 /* 2>; };\n", "m.dts:2:12: error: unterminated comment");
  EXPECT ("/dts-v1/;\n/ { a = <'a", "m.dts:2:10: error: missing terminating ' character");
  EXPECT ("/dts-v1/;\n/ { a = <'a>;\n};\n", "m.dts:2:10: error: missing terminating ' character");
  EXPECT ("/dts-v1/;\n/ { a = [00 11", "m.dts:2:15: error: unexpected end of file in byte string");
  EXPECT ("/dts-v1/;\n/ { a = <1 2", "m.dts:2:13: error: unexpected end of file");
  EXPECT ("/dts-v1/;\n/ { a = <&{/x", "m.dts:2:10: error: unexpected '&'");
  EXPECT ("/dts-v1/;\n/ { a = /bits/", "m.dts:2:15: error: unexpected end of file");
  EXPECT ("/dts-v1/;\n/ { a:", "m.dts:2:7: error: unexpected end of file");
  EXPECT ("/dts-v1/;\n/ { n {", "m.dts:2:8: error: unexpected end of file: node 'n'");
  /* the quote's own place, not a column past the lines scanned after it */
  EXPECT ("/dts-v1/;\n/include/ \"x.dtsi\n/ { };\n", "m.dts:2:11: error: missing terminating '\"' character");
}

static void
test_bad_escapes (void)
{
  EXPECT ("/dts-v1/;\n/ { s = \"a\\x\"; };\n", "m.dts:2:11: error: \\x used with no following hex digits");
  EXPECT ("/dts-v1/;\n/ { s = \"a\\xg\"; };\n", "m.dts:2:11: error: \\x used with no following hex digits");
  EXPECT ("/dts-v1/;\n/ { s = \"ok\", \"a\nb\\x\"; };\n", "m.dts:2:15: error: \\x used with no following hex digits");
  EXPECT ("/dts-v1/;\n/ { c = <'\\x'>; };\n", "m.dts:2:11: error: \\x used with no following hex digits");
  EXPECT ("/dts-v1/;\n/ { c = <'\\x41\\x42'>; };\n", "m.dts:2:10: error: character literal has 2 characters");

  /* the escapes dtc does take */
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  static const char ok[] = "/dts-v1/;\n/ { s = \"\\x4\\x41\\101\\q\\\\\"; c = <'\\x4'>; };\n";
  g_autoptr(KerfDtTree) t = parse_checked (ok, sizeof ok - 1, diags);
  g_assert_nonnull (t);
  KerfDtProp *s = kerf_dt_node_get_prop (t->root, "s");
  g_assert_cmpmem (s->value->data, s->value->len, "\x04" "AAq\\", 6);
}

/* ---- references and labels ------------------------------------------ */

static void
test_bad_references (void)
{
  EXPECT ("/dts-v1/;\n/ { r = <&nope>; };\n", "m.dts:2:10: error: reference to non-existent label 'nope'");
  EXPECT ("/dts-v1/;\n/ { r = &nope; };\n", "m.dts:2:9: error: reference to non-existent label 'nope'");
  EXPECT ("/dts-v1/;\n/ { r = <&{/a/b}>; };\n", "m.dts:2:10: error: reference to non-existent node '/a/b'");
  EXPECT ("/dts-v1/;\n/ { };\n&nope { };\n", "m.dts:3:1: error: label or path 'nope' not found");
  EXPECT ("/dts-v1/;\n/ { };\n/delete-node/ &nope;\n", "m.dts:3:15: error: label or path 'nope' not found");
  EXPECT ("/dts-v1/;\n/ { a: x { }; a: y { }; };\n", "m.dts:2:18: error: duplicate label 'a'");
  EXPECT ("/dts-v1/;\n/ { a: p; q = <a: 1>; };\n", "m.dts:2:16: error: duplicate label 'a'");
  EXPECT ("/dts-v1/;\n/ { r = <&a>; a: x { }; };\n/ { a: y { }; };\n", "m.dts:3:8: error: duplicate label 'a'");
  EXPECT ("/dts-v1/;\n/ { r = /bits/ 16 <&x>; x: x { }; };\n", "m.dts:2:20: error: references are only allowed");
  /* 10 000 unknown references: the error limit stops the list */
  g_autoptr(GString) many = g_string_new ("/dts-v1/;\n/ { r = <");
  for (int i = 0; i < 10000; i++)
    g_string_append_printf (many, "&l%d ", i);
  g_string_append (many, ">; };\n");
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (many->str, many->len, diags);
  g_assert_null (t);
  g_assert_cmpuint (kerf_diag_list_length (diags), <=, KERF_DIAG_MAX_ERRORS + 1);
}

/* ---- deep nesting ------------------------------------------------------ */

static char *
nested_nodes (guint depth, const char *inner)
{
  GString *s = g_string_new ("/dts-v1/;\n/ {\n");
  for (guint i = 0; i < depth; i++)
    g_string_append (s, i == 0 ? "l: n {\n" : "n {\n");
  g_string_append (s, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, "};\n");
  g_string_append (s, "};\n");
  return g_string_free (s, FALSE);
}

static void
test_deep_nodes (void)
{
  /* 10 000 levels: one error at the first level too deep, body skipped */
  g_autofree char *deep = nested_nodes (10000, "");
  expect_error (deep, strlen (deep), "m.dts:128:1: error: node 'n' nests deeper than 125 levels");
  g_autoptr(KerfDiagList) d0 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t0 = parse_checked (deep, strlen (deep), d0);
  g_assert_null (t0);
  g_assert_cmpuint (kerf_diag_list_n_errors (d0), ==, 1);

  /* the deepest allowed tree compiles, and its DTB reads back */
  g_autofree char *limit = nested_nodes (125, "x = <&l>;\n");
  g_autoptr(KerfDiagList) d1 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t1 = parse_checked (limit, strlen (limit), d1);
  g_assert_nonnull (t1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = kerf_dtb_write (t1, &error);
  g_assert_no_error (error);
  g_autoptr(KerfDtTree) back = kerf_dtb_read (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                                              "deep.dtb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);

  /* ... and as an overlay (two more levels: fragment@0/__overlay__) */
  g_autoptr(GString) ov = g_string_new ("/dts-v1/;\n/plugin/;\n&t {\n");
  for (guint i = 0; i < 125; i++)
    g_string_append (ov, "n {\n");
  g_string_append (ov, "x = <&t>;\n");
  for (guint i = 0; i < 126; i++)
    g_string_append (ov, "};\n");
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t2 = parse_checked (ov->str, ov->len, d2);
  g_assert_nonnull (t2);
  g_autoptr(GBytes) blob2 = kerf_dtb_write (t2, &error);
  g_assert_no_error (error);
  g_assert_true (kerf_dtb_check (g_bytes_get_data (blob2, NULL), g_bytes_get_size (blob2), &error));
  g_assert_no_error (error);

  /* overrides cannot stack levels past the limit either */
  g_autoptr(GString) chain = g_string_new ("/dts-v1/;\n/ { ");
  for (guint i = 0; i < 100; i++)
    g_string_append (chain, "n { ");
  g_string_append (chain, "deep: m { }; ");
  for (guint i = 0; i < 101; i++)
    g_string_append (chain, "}; ");
  g_string_append (chain, "\n&deep { ");
  for (guint i = 0; i < 30; i++)
    g_string_append (chain, "k { ");
  for (guint i = 0; i < 30; i++)
    g_string_append (chain, "}; ");
  g_string_append (chain, "};\n");
  expect_error (chain->str, chain->len, "m.dts:3:1: error: override of 'deep' nests nodes deeper than 125 levels");
}

static char *
repeat (const char *head, const char *unit, guint n, const char *tail)
{
  GString *s = g_string_new (head);
  for (guint i = 0; i < n; i++)
    g_string_append (s, unit);
  g_string_append (s, tail);
  return g_string_free (s, FALSE);
}

static void
test_deep_expressions (void)
{
  /* 10 000 parentheses, unary operators, nested ?: — each a located error */
  static const struct { const char *unit; const char *mid; } deep[] = {
    { "(", "1" }, { "- ", "1" }, { "!", "1" }, { "~", "1" }, { "1 ? 1 : ", "1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (deep); i++)
    {
      g_autofree char *src = repeat ("/dts-v1/;\n/ { a = <(", deep[i].unit, 10000, "");
      g_autofree char *closes = repeat (deep[i].mid, ")", i == 0 ? 10001 : 1, ">; };\n");
      g_autofree char *all = g_strconcat (src, closes, NULL);
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) t = parse_checked (all, strlen (all), diags);
      g_assert_null (t);
      g_autofree char *got = first_error (diags);
      g_assert_true (g_str_has_prefix (got, "m.dts:2:"));
      g_assert_nonnull (strstr (got, "error: expression nested too deeply"));
    }
  /* long flat chains are no nesting: they evaluate */
  g_autofree char *sum = repeat ("/dts-v1/;\n/ { a = <(", "1 + ", 10000, "1)>; };\n");
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (sum, strlen (sum), diags);
  g_assert_nonnull (t);
  guint32 v = 0;
  g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (t->root, "a"), 0, &v));
  g_assert_cmpuint (v, ==, 10001);
}

/* ---- huge literals ---------------------------------------------------- */

static void
test_huge_literals (void)
{
  g_autofree char *nines = repeat ("", "9", 100, "");
  g_autofree char *fs = repeat ("", "f", 100, "");
  g_autofree char *zeros = repeat ("", "0", 100, "");
  g_autofree char *sevens = repeat ("", "7", 100, "");
  struct { char *src; const char *want; } cases[] = {
    { g_strdup_printf ("/dts-v1/;\n/ { a = <%s>; };\n", nines), "m.dts:2:10: error: integer literal '9999" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = /bits/ 64 <0x%s>; };\n", fs), "m.dts:2:20: error: integer literal '0xfff" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = <0%s>; };\n", sevens), "m.dts:2:10: error: integer literal '0777" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = /bits/ %s <1>; };\n", nines), "m.dts:2:16: error: integer literal '9999" },
    { g_strdup_printf ("/dts-v1/;\n/memreserve/ %s 1;\n/ { };\n", nines), "m.dts:2:14: error: integer literal '9999" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = <(1 + %s)>; };\n", nines), "m.dts:2:15: error: integer literal '9999" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = /incbin/(\"inc/data.bin\", %s, 1); };\n", nines),
      "m.dts:2:34: error: integer literal '9999" },
    { g_strdup_printf ("/dts-v1/;\n/ { a = <%s9Q>; };\n", nines), "m.dts:2:10: error: bad integer literal '9999" },
    /* a line marker too large to believe is not a line marker */
    { g_strdup_printf ("/dts-v1/;\n# %s \"x.dts\"\n/ { };\n", nines), "m.dts:2:1: error: unexpected '#'" },
    { g_strdup ("/dts-v1/;\n# 4294967295 \"x.dts\"\n/ {\n a = <1 $>; };\n"), "m.dts:2:1: error: unexpected '#'" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      expect_error (cases[i].src, strlen (cases[i].src), cases[i].want);
      g_free (cases[i].src);
    }
  /* 100 leading zeros are still a small number */
  g_autofree char *ok = g_strdup_printf ("/dts-v1/;\n/ { a = <0x%s1 %s7>; };\n", zeros, zeros);
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (ok, strlen (ok), diags);
  g_assert_nonnull (t);
  g_assert_cmpuint (kerf_dt_node_get_prop (t->root, "a")->value->len, ==, 8);
}

/* ---- NUL bytes and invalid UTF-8 ---------------------------------------- */

static void
test_nul_bytes (void)
{
  static const char top[] = "/dts-v1/;\n/ { }; \0\n";
  expect_error (top, sizeof top - 1, "m.dts:2:8: error: unexpected character 0x00");
  static const char name[] = "/dts-v1/;\n/ { ab\0cd = <1>; };\n";
  expect_error (name, sizeof name - 1, "m.dts:2:7: error: unexpected character 0x00");
  static const char cells[] = "/dts-v1/;\n/ { a = <1 \0 2>; };\n";
  expect_error (cells, sizeof cells - 1, "m.dts:2:12: error: unexpected character 0x00");
  static const char first[] = "\0/dts-v1/;\n/ { };\n";
  expect_error (first, sizeof first - 1, "m.dts:1:1: error:");
  static const char bytes[] = "/dts-v1/;\n/ { b = [00 \0]; };\n";
  expect_error (bytes, sizeof bytes - 1, "m.dts:2:13: error:");

  /* inside a string or a comment a NUL is just a byte, as in dtc */
  static const char str[] = "/dts-v1/;\n/* \0 */\n/ { s = \"a\0b\"; };\n";
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (str, sizeof str - 1, diags);
  g_assert_nonnull (t);
  KerfDtProp *s = kerf_dt_node_get_prop (t->root, "s");
  g_assert_cmpmem (s->value->data, s->value->len, "a\0b", 4);

  /* a source that is nothing but NULs */
  g_autofree char *zeros = g_malloc0 (4096);
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t2 = parse_checked (zeros, 4096, d2);
  g_assert_null (t2);
}

static void
test_invalid_utf8 (void)
{
  static const char name[] = "/dts-v1/;\n/ { n\xff { }; };\n";
  expect_error (name, sizeof name - 1, "m.dts:2:6: error: unexpected character 0xff");
  static const char label[] = "/dts-v1/;\n/ { l\x80: n { }; };\n";
  expect_error (label, sizeof label - 1, "m.dts:2:6: error: unexpected character 0x80");
  static const char top[] = "/dts-v1/;\n\xff\xfe / { };\n";
  expect_error (top, sizeof top - 1, "m.dts:2:1: error: unexpected '\\xff\\xfe'");
  static const char cells[] = "/dts-v1/;\n/ { b = <1 \xe2\x82>; };\n";
  expect_error (cells, sizeof cells - 1, "m.dts:2:12: error: unexpected '\\xe2\\x82'");
  static const char bytes[] = "/dts-v1/;\n/ { b = [00 \xc0\xaf]; };\n";
  expect_error (bytes, sizeof bytes - 1, "m.dts:2:13: error: unexpected '\\xc0\\xaf' in byte string");
  static const char utf8_name[] = "/dts-v1/;\n/ { n\xc3\xa9 { }; };\n";
  expect_error (utf8_name, sizeof utf8_name - 1, "m.dts:2:6: error: unexpected '\xc3\xa9'");

  /* strings and comments carry any bytes (dtc copies them) */
  static const char str[] = "/dts-v1/;\n// \xff\xc0\xaf\n/ { s = \"\xff\xfe\xc3\x28\x80\"; };\n";
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse_checked (str, sizeof str - 1, diags);
  g_assert_nonnull (t);
  KerfDtProp *s = kerf_dt_node_get_prop (t->root, "s");
  g_assert_cmpmem (s->value->data, s->value->len, "\xff\xfe\xc3\x28\x80", 6);

  /* random high bytes everywhere: errors, capped, located */
  GRand *rand = g_rand_new_with_seed (42);
  g_autoptr(GString) junk = g_string_new ("/dts-v1/;\n/ {\n");
  for (int i = 0; i < 20000; i++)
    g_string_append_c (junk, (char) (g_rand_int_range (rand, 0, 8) == 0 ? '\n' : g_rand_int_range (rand, 0x80, 0x100)));
  g_rand_free (rand);
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t2 = parse_checked (junk->str, junk->len, d2);
  g_assert_null (t2);
  g_assert_cmpuint (kerf_diag_list_length (d2), <=, KERF_DIAG_MAX_ERRORS + 1);
}

/* ---- a 50 MB source ------------------------------------------------------ */

#define BIG_SIZE (50u * 1024 * 1024)

static char *
write_temp (const char *name, const char *data, gsize len, char **dir_out)
{
  char *dir = g_dir_make_tmp ("kerf-malformed-XXXXXX", NULL);
  g_assert_nonnull (dir);
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  *dir_out = dir;
  return path;
}

static void
remove_temp (const char *path, const char *dir)
{
  g_unlink (path);
  g_rmdir (dir);
}

/* 50 MB of groups of devices with labels, references, strings, byte
 * strings, one 4 MB cell array: it must compile, and correctly. */
static void
test_50mb_source (void)
{
  g_autoptr(GString) s = g_string_sized_new (BIG_SIZE + 4096);
  g_string_append (s, "/dts-v1/;\n/ {\n\tbig = <");
  for (guint i = 0; s->len < 4u * 1024 * 1024; i++)
    g_string_append_printf (s, "0x%x ", i);
  g_string_append (s, ">;\n");
  guint groups = 0;
  while (s->len < BIG_SIZE)
    {
      g_string_append_printf (s, "\tg%u: group@%x {\n\t\tprev = <&g%u>;\n", groups, groups,
                              groups > 0 ? groups - 1 : 0);
      for (guint j = 0; j < 100; j++)
        g_string_append_printf (s, "\t\tdev@%u { reg = <%u 0x%x>; compatible = \"v,d%u\", \"v,generic\"; "
                                "mac = [02 00 00 00 %02x %02x]; ok; };\n", j, j, groups, j, groups & 0xff, j);
      g_string_append (s, "\t};\n");
      groups++;
    }
  g_string_append (s, "};\n");
  g_autofree char *dir = NULL;
  g_autofree char *path = write_temp ("big.dts", s->str, s->len, &dir);
  g_test_message ("%" G_GSIZE_FORMAT " bytes, %u groups", s->len, groups);

  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = kerf_dts_parse_file (path, diags);
  remove_temp (path, dir);
  g_assert_nonnull (t);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
  g_assert_cmpuint (t->root->children->len, ==, groups);
  g_autofree char *last = g_strdup_printf ("/group@%x/dev@99", groups - 1);
  KerfDtNode *n = kerf_dt_tree_lookup_path (t, last);
  g_assert_nonnull (n);
  g_assert_cmpstr (n->loc.file, ==, path);
  guint32 v = 0;
  g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (n, "reg"), 1, &v));
  g_assert_cmpuint (v, ==, groups - 1);
  /* g(N) points at g(N-1): phandles handed out along the way */
  g_autofree char *lastg = g_strdup_printf ("/group@%x", groups - 1);
  g_assert_true (kerf_dt_prop_get_u32 (kerf_dt_node_get_prop (kerf_dt_tree_lookup_path (t, lastg), "prev"), 0, &v));
  g_assert_cmpuint (kerf_dt_tree_lookup_phandle (t, v)->phandle, ==, v);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = kerf_dtb_write (t, &error);
  g_assert_no_error (error);
  g_assert_true (kerf_dtb_check (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &error));
  g_assert_no_error (error);
}

/* 50 MB inside one comment, one string, one byte string: one located error each */
static void
test_50mb_unterminated (void)
{
  static const struct { const char *head; const char *unit; const char *want; } cases[] = {
    { "/dts-v1/;\n/ { };\n/*", "comment text\n", ":3:1: error: unterminated comment" },
    { "/dts-v1/;\n/ { s = \"", "string text\n", ":2:9: error: missing terminating '\"' character" },
    { "/dts-v1/;\n/ { b = [", "00 11 22 33\n", ":" },
    { "/dts-v1/;\n/ { c = <", "1 2 3 4 5 6\n", ":" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) s = g_string_sized_new (BIG_SIZE + 64);
      g_string_append (s, cases[i].head);
      gsize unit = strlen (cases[i].unit);
      while (s->len < BIG_SIZE)
        g_string_append_len (s, cases[i].unit, (gssize) unit);
      g_autofree char *dir = NULL;
      g_autofree char *path = write_temp ("open.dts", s->str, s->len, &dir);
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) t = kerf_dts_parse_file (path, diags);
      remove_temp (path, dir);
      g_assert_null (t);
      g_autofree char *got = first_error (diags);
      g_autofree char *want = g_strconcat (path, cases[i].want, NULL);
      g_test_message ("%s", got);
      g_assert_true (g_str_has_prefix (got, want));
      g_assert_nonnull (strstr (got, ": error: "));
      g_assert_cmpuint (kerf_diag_list_length (diags), <=, KERF_DIAG_MAX_ERRORS + 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dts-malformed/truncated", test_truncated);
  g_test_add_func ("/dts-malformed/unterminated", test_unterminated);
  g_test_add_func ("/dts-malformed/bad-escapes", test_bad_escapes);
  g_test_add_func ("/dts-malformed/bad-references", test_bad_references);
  g_test_add_func ("/dts-malformed/deep-nodes", test_deep_nodes);
  g_test_add_func ("/dts-malformed/deep-expressions", test_deep_expressions);
  g_test_add_func ("/dts-malformed/huge-literals", test_huge_literals);
  g_test_add_func ("/dts-malformed/nul-bytes", test_nul_bytes);
  g_test_add_func ("/dts-malformed/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/dts-malformed/50mb-source", test_50mb_source);
  g_test_add_func ("/dts-malformed/50mb-unterminated", test_50mb_unterminated);
  return g_test_run ();
}
