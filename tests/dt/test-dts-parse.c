/* test-dts-parse.c — the DTS front end: grammar features, diagnostics with
 * exact locations, the multikernel dialect rule, includes, bundles, and
 * byte equality with dtc 1.6.1 on the fixtures in tests/dt/parse/ok. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "kerf-dts.h"

#define PARSE_DIR KERF_SOURCE_DIR "/tests/dt/parse"

static char *diags_text (KerfDiagList *diags);

static KerfDtTree *
parse (const char *src, KerfDiagList *diags)
{
  KerfDtTree *t = kerf_dts_parse_data ("t.dts", src, strlen (src), PARSE_DIR, KERF_DTS_PARSE_NONE, diags);
  g_autofree char *text = diags_text (diags);
  if (text[0] != '\0')
    g_test_message ("diagnostics:\n%s", text);
  return t;
}

/* Every diagnostic formatted, one per line (suggestions included). */
static char *
diags_text (KerfDiagList *diags)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < kerf_diag_list_length (diags); i++)
    {
      g_autofree char *f = kerf_diag_format (kerf_diag_list_get (diags, i));
      g_string_append (s, f);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static KerfDtProp *
prop_at (KerfDtTree *tree, const char *path, const char *name)
{
  KerfDtNode *node = kerf_dt_tree_lookup_path (tree, path);
  g_assert_nonnull (node);
  KerfDtProp *prop = kerf_dt_node_get_prop (node, name);
  g_assert_nonnull (prop);
  return prop;
}

static void
assert_bytes (KerfDtProp *prop, const char *hex)
{
  g_autoptr(GString) s = g_string_new (NULL);
  for (guint i = 0; i < prop->value->len; i++)
    g_string_append_printf (s, "%02x", prop->value->data[i]);
  g_assert_cmpstr (s->str, ==, hex);
}

/* ---- byte equality with dtc ---------------------------------------- */

static GBytes *
run_dtc (const char *path, gboolean plugin)
{
  g_autofree char *out = g_build_filename (g_get_tmp_dir (), "kerf-test-dts-parse-XXXXXX", NULL);
  int fd = g_mkstemp (out);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  const char *argv[] = { "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, path,
                         plugin ? "-@" : NULL, NULL };
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("dtc failed on %s: %s", path, err);
  char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  g_unlink (out);
  return g_bytes_new_take (data, len);
}

static void
check_equal_to_dtc (const char *path)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) tree = kerf_dts_parse_file (path, diags);
  g_autofree char *text = diags_text (diags);
  if (tree == NULL)
    g_error ("%s did not parse:\n%s", path, text);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ours = kerf_dtb_write (tree, &error);
  g_assert_no_error (error);
  g_autoptr(GBytes) theirs = run_dtc (path, tree->plugin);
  if (!g_bytes_equal (ours, theirs))
    g_error ("%s: our DTB (%" G_GSIZE_FORMAT " bytes) differs from dtc's (%" G_GSIZE_FORMAT ")",
             path, g_bytes_get_size (ours), g_bytes_get_size (theirs));
}

static void
test_dtc_equal (void)
{
  g_autofree char *dtc = g_find_program_in_path ("dtc");
  if (dtc == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }
  g_autoptr(GDir) dir = g_dir_open (PARSE_DIR "/ok", 0, NULL);
  g_assert_nonnull (dir);
  guint n = 0;
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".dts"))
        continue;
      g_autofree char *path = g_build_filename (PARSE_DIR "/ok", name, NULL);
      g_test_message ("comparing %s", name);
      check_equal_to_dtc (path);
      n++;
    }
  g_assert_cmpuint (n, >=, 10);
  check_equal_to_dtc (PARSE_DIR "/include/main.dts");
}

/* ---- features ------------------------------------------------------- */

static void
test_headers (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) a = parse ("/dts-v1/;\n/ { };\n", diags);
  g_assert_nonnull (a);
  g_assert_cmpint (a->dialect, ==, KERF_DT_DIALECT_DTS_V1);
  g_assert_false (a->plugin);
  g_autoptr(KerfDtTree) b = parse ("/multikernel-v1/;\n/ { };\n", diags);
  g_assert_nonnull (b);
  g_assert_cmpint (b->dialect, ==, KERF_DT_DIALECT_MULTIKERNEL_V1);
  g_autoptr(KerfDtTree) c = parse ("/dts-v1/;\n/plugin/;\n&x { y; };\n", diags);
  g_assert_nonnull (c);
  g_assert_true (c->plugin);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
  g_autoptr(KerfDtTree) d = parse ("/dts-v1/;\n/memreserve/ 0x1000 (0x10 * 2);\n/ { };\n", diags);
  g_assert_nonnull (d);
  g_assert_cmpuint (d->reserves->len, ==, 1);
  g_assert_cmphex (g_array_index (d->reserves, KerfDtReserve, 0).address, ==, 0x1000);
  g_assert_cmphex (g_array_index (d->reserves, KerfDtReserve, 0).size, ==, 0x20);
}

static void
test_locations (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse ("/dts-v1/;\n/ {\n\tlbl: node@1 {\n\t\tprop = <1>;\n\t};\n};\n", diags);
  g_assert_nonnull (t);
  KerfDtNode *n = kerf_dt_tree_lookup_path (t, "/node@1");
  g_assert_nonnull (n);
  g_assert_cmpstr (n->loc.file, ==, "t.dts");
  g_assert_cmpuint (n->loc.line, ==, 3);
  g_assert_cmpuint (n->loc.col, ==, 7);
  g_assert_true (kerf_dt_node_has_label (n, "lbl"));
  KerfDtProp *p = kerf_dt_node_get_prop (n, "prop");
  g_assert_cmpuint (p->loc.line, ==, 4);
  g_assert_cmpuint (p->loc.col, ==, 3);
}

static void
test_type_marks (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse ("/dts-v1/;\n/ { p = \"s\", <1>, [02], /bits/ 16 <3>, "
                                   "/bits/ 8 <4>, /bits/ 64 <5>, v: <&a>; a: n { }; };\n", diags);
  g_assert_nonnull (t);
  KerfDtProp *p = prop_at (t, "/", "p");
  assert_bytes (p, "73000000000102000304000000000000000500000001");
  static const struct { gsize off; KerfDtMarkKind kind; } want[] = {
    { 0, KERF_DT_MARK_TYPE_STRING }, { 2, KERF_DT_MARK_TYPE_U32 }, { 6, KERF_DT_MARK_TYPE_BYTES },
    { 7, KERF_DT_MARK_TYPE_U16 }, { 9, KERF_DT_MARK_TYPE_U8 }, { 10, KERF_DT_MARK_TYPE_U64 },
    { 18, KERF_DT_MARK_TYPE_U32 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      const KerfDtMark *m = kerf_dt_prop_type_at (p, want[i].off);
      g_assert_nonnull (m);
      g_assert_cmpuint (m->offset, ==, want[i].off);
      g_assert_cmpint (m->kind, ==, want[i].kind);
    }
  gboolean label = FALSE, ref = FALSE;
  for (guint i = 0; i < p->marks->len; i++)
    {
      KerfDtMark *m = &g_array_index (p->marks, KerfDtMark, i);
      if (m->kind == KERF_DT_MARK_LABEL && g_strcmp0 (m->ref, "v") == 0 && m->offset == 18)
        label = TRUE;
      if (m->kind == KERF_DT_MARK_REF_PHANDLE && g_strcmp0 (m->ref, "a") == 0 && m->offset == 18)
        ref = TRUE;
    }
  g_assert_true (label);
  g_assert_true (ref);
  g_assert_cmpuint (kerf_dt_tree_lookup_label (t, "a")->phandle, ==, 1);
}

static void
test_values (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse (
    "/dts-v1/;\n/ {\n"
    "  e = <(1 + 2 * 3) (7 / 2) (7 % 4) ((-1) >> 60) (1 ? 2 : 3) ('a') (~0 & 0xff)>;\n"
    "  s = \"a\\tb\\x41\\101\", \"\";\n"
    "  b = [0102 03];\n"
    "  w = /bits/ 64 <0x123456789 (-2)>;\n"
    "  n = /bits/ 8 <(-1) 0x7f>;\n"
    "  f;\n"
    "};\n", diags);
  g_assert_nonnull (t);
  assert_bytes (prop_at (t, "/", "e"), "00000007" "00000003" "00000003" "0000000f" "00000002" "00000061" "000000ff");
  assert_bytes (prop_at (t, "/", "s"), "6109624141" "00" "00");
  assert_bytes (prop_at (t, "/", "b"), "010203");
  assert_bytes (prop_at (t, "/", "w"), "0000000123456789fffffffffffffffe");
  assert_bytes (prop_at (t, "/", "n"), "ff7f");
  assert_bytes (prop_at (t, "/", "f"), "");
}

static void
test_merge_and_delete (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse (
    "/dts-v1/;\n"
    "/ { a = <1>; b = <2>; l: n { x; }; d { }; };\n"
    "/ { /delete-property/ a; };\n"
    "&l { y; };\n"
    "/delete-node/ &{/d};\n"
    "/ { a = <3>; };\n", diags);
  g_assert_nonnull (t);
  KerfDtNode *root = t->root;
  g_assert_cmpuint (root->props->len, ==, 2);
  /* a revived at its old place with the new value */
  g_assert_cmpstr (((KerfDtProp *) root->props->pdata[0])->name, ==, "a");
  assert_bytes (root->props->pdata[0], "00000003");
  g_assert_null (kerf_dt_tree_lookup_path (t, "/d"));
  g_assert_nonnull (kerf_dt_node_get_prop (kerf_dt_tree_lookup_path (t, "/n"), "y"));
}

static void
test_references (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse (
    "/dts-v1/;\n/ {\n"
    "  e: e { phandle = <1>; };\n"
    "  a: a@1 { };\n"
    "  u { p = <&a &e &{/a@1}>; q = &a, \"x\"; };\n"
    "};\n", diags);
  g_assert_nonnull (t);
  assert_bytes (prop_at (t, "/u", "p"), "000000020000000100000002");
  assert_bytes (prop_at (t, "/u", "q"), "2f6140310078" "00");
  assert_bytes (prop_at (t, "/a@1", "phandle"), "00000002");
  g_assert_cmpuint (kerf_dt_tree_lookup_path (t, "/a@1")->phandle, ==, 2);
}

static void
test_plugin (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse ("/dts-v1/;\n/plugin/;\n&ext { l: n { r = <&other &l>; }; };\n"
                                   "&{/p/q} { s; };\n", diags);
  g_assert_nonnull (t);
  assert_bytes (prop_at (t, "/fragment@0", "target"), "ffffffff");
  g_assert_cmpstr (kerf_dt_prop_get_string (prop_at (t, "/fragment@1", "target-path")), ==, "/p/q");
  g_assert_nonnull (kerf_dt_tree_lookup_path (t, "/fragment@1/__overlay__"));
  g_assert_cmpstr (kerf_dt_prop_get_string (prop_at (t, "/__symbols__", "l")), ==,
                   "/fragment@0/__overlay__/n");
  g_assert_cmpstr (kerf_dt_prop_get_string (prop_at (t, "/__fixups__", "ext")), ==,
                   "/fragment@0:target:0");
  g_assert_cmpstr (kerf_dt_prop_get_string (prop_at (t, "/__fixups__", "other")), ==,
                   "/fragment@0/__overlay__/n:r:0");
  assert_bytes (prop_at (t, "/__local_fixups__/fragment@0/__overlay__/n", "r"), "00000004");
  assert_bytes (prop_at (t, "/fragment@0/__overlay__/n", "r"), "ffffffff00000001");

  /* no __symbols__ for plain sources */
  g_autoptr(KerfDtTree) plain = parse ("/dts-v1/;\n/ { l: n { }; };\n", diags);
  g_assert_null (kerf_dt_tree_lookup_path (plain, "/__symbols__"));
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
}

/* ---- the multikernel dialect rule (SPEC §2) ------------------------- */

static void
test_multikernel_overflow (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse ("/multikernel-v1/;\n/ {\n\ttotal = <0x0 0x400000000>;\n};\n", diags);
  g_assert_nonnull (t);
  assert_bytes (prop_at (t, "/", "total"), "0000000400000000");
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==,
                   "t.dts:3:15: warning: cell value 0x400000000 does not fit in 32 bits; "
                   "read as the 64-bit value 0x400000000\n"
                   "  suggestion: use <0x4 0x0> or /bits/ 64 <0x400000000>\n");
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), ==, 0);
}

static void
test_plain_overflow_error (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse ("/dts-v1/;\n/ {\n\ttotal = <0x0 0x400000000>;\n};\n", diags);
  g_assert_null (t);
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==,
                   "t.dts:3:15: error: value 0x400000000 out of range for 32-bit array element\n"
                   "  suggestion: split the value into two cells: <0x4 0x0> or /bits/ 64 <0x400000000>\n");
  /* the multikernel rule is only for the second of two cells */
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t2 = parse ("/multikernel-v1/;\n/ { a = <0x400000000>; b = <0x1 0x2 0x400000000>; };\n", d2);
  g_assert_null (t2);
  g_assert_cmpuint (kerf_diag_list_n_errors (d2), ==, 2);
}

/* ---- errors ----------------------------------------------------------- */

static const struct {
  const char *src;
  const char *diags;   /* first lines of every diagnostic, '\n' after each */
} error_cases[] = {
  { "/dts-v1/;\n/ {\n\ta = <1>\n};\n", "t.dts:4:1: error: unexpected '}' (expected ',' or ';')\n" },
  { "/dts-v1/;\n/ { a = <(1/0)>; b = <(5 % 0)>; };\n",
    "t.dts:2:12: error: division by zero\nt.dts:2:26: error: division by zero\n" },
  { "/dts-v1/;\n/ { a; };\n/* unterminated\n", "t.dts:3:1: error: unterminated comment\n" },
  { "/dts-v1/;\n/ { s = \"abc;\n};\n",
    "t.dts:2:9: error: missing terminating '\"' character\n"
    "t.dts:3:1: error: unexpected '}' (expected ',' or ';')\n" },
  { "/dts-v1/;\n/ { p = <&nolabel>; q = &{/no/such}; };\n",
    "t.dts:2:10: error: reference to non-existent label 'nolabel'\n"
    "t.dts:2:25: error: reference to non-existent node '/no/such'\n" },
  { "/dts-v1/;\n&missing { a; };\n/ { };\n", "t.dts:2:1: error: label or path 'missing' not found\n" },
  { "/ { a; };\n", "t.dts:1:1: error: missing /dts-v1/; header\n" },
  { "/dts-v1/;\n/ { a = <1 $>; b = [0g]; c = \"x\" \"y\"; };\n",
    "t.dts:2:12: error: unexpected '$' (expected a cell value, '&label' or '>')\n"
    "t.dts:2:21: error: unexpected '0g' in byte string (expected two hex digits or ']')\n"
    "t.dts:2:34: error: unexpected string \"y\" (expected ',' or ';')\n" },
  { "/dts-v1/;\n/ { a { }; b = <1>; };\n",
    "t.dts:2:12: error: property 'b' after a child node: properties must precede subnodes\n" },
  { "/dts-v1/;\n/ { a = <09> ; b = <0x>; c = <12abc>; d = <99999999999999999999>; };\n",
    "t.dts:2:10: error: bad integer literal '09'\n"
    "t.dts:2:21: error: bad integer literal '0x'\n"
    "t.dts:2:31: error: bad integer literal '12abc'\n"
    "t.dts:2:44: error: integer literal '99999999999999999999' out of range\n" },
  { "/dts-v1/;\n/ { a = <''>; b = <'ab'>; };\n",
    "t.dts:2:10: error: empty character literal\n"
    "t.dts:2:20: error: character literal has 2 characters instead of 1\n" },
  { "/dts-v1/;\n/ { a = /bits/ 7 <1>; b = /bits/ 16 <&x>; };\n",
    "t.dts:2:16: error: invalid /bits/ value 7\n"
    "t.dts:2:38: error: references are only allowed in arrays with 32-bit elements\n" },
  { "/dts-v1/;\n/ { a: x; b: y; a: z {}; };\n",
    "t.dts:2:20: error: duplicate label 'a' on /z and property 'x' in /\n" },
  { "/dts-v1/;\n/ { n { phandle = <0>; }; m { phandle = <5>; }; k { phandle = <5>; }; };\n",
    "t.dts:2:9: error: bad value (0x0) in phandle property\n"
    "t.dts:2:49: error: duplicated phandle 0x5 (seen before at /m)\n" },
  { "/dts-v1/;\n/ {\n\ta = <1>;\n}\n/ { };\n", "t.dts:5:1: error: missing ';' after '}' of node '/'\n" },
  { "/dts-v1/;\n/ {\n\ta = <1>;\n",
    "t.dts:4:1: error: unexpected end of file: node '/' (opened at line 2) is not closed with '};'\n" },
  { "/dts-v1/;\n/ { a = <1>; }; }; b;\n",
    "t.dts:2:17: error: unexpected '}' (expected '/ {', '&label {' or end of file)\n"
    "t.dts:2:18: error: unexpected ';' (expected '/ {', '&label {' or end of file)\n"
    "t.dts:2:20: error: unexpected 'b' (expected '/ {', '&label {' or end of file)\n" },
  { "/dts-v1/;\n/ { a = <-1>; };\n",
    "t.dts:2:10: error: unexpected '-' in cell array: only a number, a character or a "
    "(parenthesised expression) can stand here\n" },
  { "/dts-v1/;\n/ { x = <1>; x = <2>; a { }; a { }; };\n",
    "t.dts:2:30: error: duplicate node name 'a' in /\n"
    "t.dts:2:14: error: duplicate property name 'x' in /\n" },
  { "/dts-v1/;\n/ { a = <(1 +)>; b = <(1>; c = <(1 ? 2)>; };\n",
    "t.dts:2:14: error: unexpected ')' (expected a number or '(')\n"
    "t.dts:2:26: error: unexpected ';' (expected a number or '(')\n"
    "t.dts:2:39: error: unexpected ')' (expected ':')\n" },
  { "/dts-v1/;\n/ { /include/ \"nonexist.dtsi\" };\n",
    "t.dts:2:5: error: cannot read included file \"" PARSE_DIR "/nonexist.dtsi\": "
    "Failed to open file “" PARSE_DIR "/nonexist.dtsi”: No such file or directory\n" },
  { "/dts-v1/;\n/ { p@q = <1>; bad@name@2 { }; };\n",
    "t.dts:2:6: error: bad character '@' in property name 'p@q'\n"
    "t.dts:2:16: error: multiple '@' characters in node name 'bad@name@2'\n" },
  { "/dts-v1/;\n# 40 \"orig.dts\"\n/ { a = <1 2; };\n", "orig.dts:40:13: error: unexpected ';' (expected a cell value, '&label' or '>')\n" },
};

static void
test_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) t = parse (error_cases[i].src, diags);
      g_assert_null (t);
      g_autoptr(GString) got = g_string_new (NULL);
      for (guint j = 0; j < kerf_diag_list_length (diags); j++)
        {
          g_autofree char *f = kerf_diag_format (kerf_diag_list_get (diags, j));
          char *nl = strchr (f, '\n');
          if (nl != NULL)
            *nl = '\0';
          g_string_append_printf (got, "%s\n", f);
        }
      g_test_message ("case %u", i);
      g_assert_cmpstr (got->str, ==, error_cases[i].diags);
    }
}

static void
test_error_limit (void)
{
  g_autoptr(GString) src = g_string_new ("/dts-v1/;\n/ {\n");
  for (int i = 0; i < 1000; i++)
    g_string_append (src, "\ta = <1 $>;\n");
  g_string_append (src, "};\n");
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = parse (src->str, diags);
  g_assert_null (t);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), <=, KERF_DIAG_MAX_ERRORS + 1);
  g_assert_cmpuint (kerf_diag_list_n_errors (diags), >=, KERF_DIAG_MAX_ERRORS);
}

/* Every prefix of a valid source either parses or reports errors. */
static void
test_truncated_sources (void)
{
  g_autofree char *src = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (PARSE_DIR "/ok/values.dts", &src, &len, NULL));
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) t = kerf_dts_parse_data ("cut.dts", src, n, NULL, KERF_DTS_PARSE_NONE, diags);
      g_assert_true ((t != NULL) != kerf_diag_list_has_errors (diags));
    }
}

/* ---- includes and bundles -------------------------------------------- */

static void
test_include_cycle (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = kerf_dts_parse_file (PARSE_DIR "/cycle/a.dts", diags);
  g_assert_null (t);
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==, PARSE_DIR "/cycle/b.dtsi:2:1: error: include cycle: \""
                   PARSE_DIR "/cycle/a.dts\" is already being included\n"
                   "  suggestion: remove the /include/ that closes the cycle\n");
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autofree char *bundle = kerf_dts_bundle (PARSE_DIR "/cycle/a.dts", d2);
  g_assert_null (bundle);
  g_autofree char *text2 = diags_text (d2);
  g_assert_cmpstr (text2, ==, text);
}

static void
test_include_error_location (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) t = kerf_dts_parse_file (PARSE_DIR "/errinc/main.dts", diags);
  g_assert_null (t);
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==, PARSE_DIR "/errinc/bad.dtsi:3:12: error: unexpected ';' "
                   "(expected a cell value, '&label' or '>')\n");

  /* the bundle reports the very same place */
  g_autoptr(KerfDiagList) d2 = kerf_diag_list_new ();
  g_autofree char *bundle = kerf_dts_bundle (PARSE_DIR "/errinc/main.dts", d2);
  g_assert_nonnull (bundle);
  g_autoptr(KerfDtTree) t2 = kerf_dts_parse_data (PARSE_DIR "/errinc/main.dts", bundle, strlen (bundle),
                                                  NULL, KERF_DTS_PARSE_NO_FILE_ACCESS, d2);
  g_assert_null (t2);
  g_autofree char *text2 = diags_text (d2);
  g_assert_cmpstr (text2, ==, text);
}

static void
test_no_file_access (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  const char *src = "/dts-v1/;\n/include/ \"x.dtsi\"\n/ { b = /incbin/(\"blob.bin\"); };\n";
  g_autoptr(KerfDtTree) t = kerf_dts_parse_data ("d.dts", src, strlen (src), PARSE_DIR "/include",
                                                 KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  g_assert_null (t);
  g_autofree char *text = diags_text (diags);
  g_assert_cmpstr (text, ==,
                   "d.dts:2:1: error: /include/ \"x.dtsi\" is not allowed here: no file access\n"
                   "  suggestion: bundle the source first (kerf_dts_bundle / the kerf CLI does this)\n"
                   "d.dts:3:9: error: /incbin/ (\"blob.bin\") is not allowed here: no file access\n"
                   "  suggestion: bundle the source first (kerf_dts_bundle / the kerf CLI does this)\n");
}

static void
test_bundle_roundtrip (void)
{
  const char *path = PARSE_DIR "/include/main.dts";
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) direct = kerf_dts_parse_file (path, diags);
  g_assert_nonnull (direct);
  g_autofree char *bundle = kerf_dts_bundle (path, diags);
  g_assert_nonnull (bundle);
  g_assert_null (strstr (bundle, "/include/ \"sub"));
  g_assert_null (strstr (bundle, "/incbin/(\"blob"));
  g_autoptr(KerfDtTree) bundled = kerf_dts_parse_data (path, bundle, strlen (bundle), NULL,
                                                       KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  g_assert_nonnull (bundled);
  g_assert_cmpuint (kerf_diag_list_length (diags), ==, 0);
  g_autoptr(GBytes) a = kerf_dtb_write (direct, NULL);
  g_autoptr(GBytes) b = kerf_dtb_write (bundled, NULL);
  g_assert_nonnull (a);
  g_assert_true (g_bytes_equal (a, b));
  assert_bytes (prop_at (bundled, "/", "blob"), "010203040506");
  assert_bytes (prop_at (bundled, "/", "part"), "00000001" "0304" "00000002");

  /* every node keeps the location of the file it was written in */
  KerfDtNode *uart = kerf_dt_tree_lookup_path (bundled, "/soc/uart@1000");
  g_assert_cmpstr (uart->loc.file, ==, PARSE_DIR "/include/sub/soc.dtsi");
  g_assert_cmpuint (uart->loc.line, ==, 3);
  g_assert_cmpuint (uart->loc.col, ==, 9);
  KerfDtProp *after = prop_at (bundled, "/", "after-incbin");
  g_assert_cmpstr (after->loc.file, ==, path);
  g_assert_cmpuint (after->loc.line, ==, 9);
  g_assert_cmpuint (after->loc.col, ==, 2);
  KerfDtProp *extra = prop_at (bundled, "/", "extra");
  g_assert_cmpstr (extra->loc.file, ==, PARSE_DIR "/include/sub/extra.dtsi");
  g_assert_cmpuint (extra->loc.line, ==, 1);
  g_assert_cmpuint (extra->loc.col, ==, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dts-parse/dtc-equal", test_dtc_equal);
  g_test_add_func ("/dts-parse/headers", test_headers);
  g_test_add_func ("/dts-parse/locations", test_locations);
  g_test_add_func ("/dts-parse/type-marks", test_type_marks);
  g_test_add_func ("/dts-parse/values", test_values);
  g_test_add_func ("/dts-parse/merge-and-delete", test_merge_and_delete);
  g_test_add_func ("/dts-parse/references", test_references);
  g_test_add_func ("/dts-parse/plugin", test_plugin);
  g_test_add_func ("/dts-parse/multikernel-overflow", test_multikernel_overflow);
  g_test_add_func ("/dts-parse/plain-overflow-error", test_plain_overflow_error);
  g_test_add_func ("/dts-parse/errors", test_errors);
  g_test_add_func ("/dts-parse/error-limit", test_error_limit);
  g_test_add_func ("/dts-parse/truncated-sources", test_truncated_sources);
  g_test_add_func ("/dts-parse/include-cycle", test_include_cycle);
  g_test_add_func ("/dts-parse/include-error-location", test_include_error_location);
  g_test_add_func ("/dts-parse/no-file-access", test_no_file_access);
  g_test_add_func ("/dts-parse/bundle-roundtrip", test_bundle_roundtrip);
  return g_test_run ();
}
