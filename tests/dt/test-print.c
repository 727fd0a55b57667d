/* test-print.c — the DTS printer: exact text for each value shape, and
 * agreement with `dtc -I dts -O dts` where a DTS gives dtc the same marks. */
#include "config.h"

#include <string.h>

#include "kerf-dts.h"
#include "test-dtb-util.h"

#define L KERF_LOC_NONE

static KerfDtProp *
raw_prop (KerfDtNode *node, const char *name, const void *data, gsize len)
{
  KerfDtProp *p = kerf_dt_prop_new (name, L);

  g_byte_array_append (p->value, data, (guint) len);
  kerf_dt_node_take_prop (node, p);
  return p;
}

/* The printed line of property `name` (without indentation). */
static char *
line_of (const KerfDtTree *tree, const char *name)
{
  g_autofree char *text = kerf_dts_print (tree);
  g_autofree char *needle = g_strdup_printf ("\t%s", name);
  const char *p = strstr (text, needle);
  const char *end;

  g_assert_nonnull (p);
  p += 1;
  while (*p == '\t')
    p++;
  end = strchr (p, '\n');
  return g_strndup (p, (gsize) (end - p));
}

static void
check_line (const KerfDtTree *tree, const char *name, const char *expected)
{
  g_autofree char *got = line_of (tree, name);

  g_assert_cmpstr (got, ==, expected);
}

static void
test_shapes (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  KerfDtNode *n = kerf_dt_node_ensure_child (tree->root, "n", L);
  const char *list[] = { "a,b", "", "c", NULL };
  const guint16 be16[] = { GUINT16_TO_BE (1), GUINT16_TO_BE (0xabcd) };
  const guint64 be64 = GUINT64_TO_BE (0x100000000ULL);
  const guint8 mixed[] = { 'a', 'b', 'c', 0, 0, 0, 0, 1, 5 };
  const guint8 three[] = { 1, 2, 3 };
  KerfDtProp *p;

  kerf_dt_node_set_u32 (n, "one", 1, L);
  kerf_dt_node_set_u32 (n, "zero", 0, L);
  kerf_dt_node_set_u64 (n, "wide", 0x400000000ULL, L);
  kerf_dt_node_set_string (n, "str", "x", L);
  kerf_dt_node_set_string (n, "esc", "q\"\\\t\n\a\x01\x7f\xc3", L);
  kerf_dt_node_set_string_list (n, "list", list, L);
  kerf_dt_node_set_bytes (n, "bytes", three, 3, L);
  kerf_dt_node_set_empty (n, "flag", L);
  kerf_dt_node_set_string (n, "nul", "", L);

  p = raw_prop (n, "b16", be16, sizeof be16);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U16, 0, NULL, L);
  p = raw_prop (n, "b64", &be64, 8);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U64, 0, NULL, L);
  p = raw_prop (n, "b8", three, 3);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U8, 0, NULL, L);
  p = raw_prop (n, "mixed", mixed, sizeof mixed);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_STRING, 0, NULL, L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U32, 4, NULL, L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_BYTES, 8, NULL, L);
  /* labels inside a value, as dtc 1.6.1 prints them */
  p = raw_prop (n, "lab", mixed + 4, 4);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_LABEL, 0, "l0", L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U32, 0, NULL, L);
  /* marks that cannot hold: a cell type on 3 bytes -> guessed bytes */
  p = raw_prop (n, "broken", three, 3);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U32, 0, NULL, L);
  /* a string type on unterminated bytes */
  p = raw_prop (n, "broken2", "abcd", 4);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_STRING, 0, NULL, L);
  /* no marks at all: guessed like dtc */
  raw_prop (n, "g-str", "hello", 6);
  raw_prop (n, "g-list", "a\0bc", 5);
  raw_prop (n, "g-cells", "\0\0\0\x10\0\0\0\x20", 8);
  raw_prop (n, "g-bytes", "\x01\x02", 2);
  raw_prop (n, "g-nuls", "a\0\0\0", 4);
  raw_prop (n, "g-high", "\xc3\xa9\0", 3);

  check_line (tree, "one", "one = <0x01>;");
  check_line (tree, "zero", "zero = <0x00>;");
  check_line (tree, "wide", "wide = <0x04 0x00>;");
  check_line (tree, "str", "str = \"x\";");
  check_line (tree, "esc", "esc = \"q\\\"\\\\\\t\\n\\a\\x01\\x7f\\xc3\";");
  check_line (tree, "list", "list = \"a,b\", \"\", \"c\";");
  check_line (tree, "bytes", "bytes = [01 02 03];");
  check_line (tree, "flag", "flag;");
  check_line (tree, "nul", "nul = \"\";");
  check_line (tree, "b16", "b16 = /bits/ 16 <0x01 0xabcd>;");
  check_line (tree, "b64", "b64 = /bits/ 64 <0x100000000>;");
  check_line (tree, "b8", "b8 = [01 02 03];");
  check_line (tree, "mixed", "mixed = \"abc\", <0x01>, [05];");
  check_line (tree, "lab", "lab = l0: <0x01>;");
  check_line (tree, "broken", "broken = [01 02 03];");
  check_line (tree, "broken2", "broken2 = <0x61626364>;");
  check_line (tree, "g-str", "g-str = \"hello\";");
  check_line (tree, "g-list", "g-list = \"a\", \"bc\";");
  check_line (tree, "g-cells", "g-cells = <0x10 0x20>;");
  check_line (tree, "g-bytes", "g-bytes = [01 02];");
  check_line (tree, "g-nuls", "g-nuls = <0x61000000>;");
  check_line (tree, "g-high", "g-high = [c3 a9 00];");
}

static void
test_layout (void)
{
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  KerfDtNode *a = kerf_dt_node_ensure_child (tree->root, "a@1", L);
  KerfDtNode *b = kerf_dt_node_ensure_child (a, "b", L);
  KerfDtReserve r = { 0x1000, 0x2000 };
  KerfDtProp *p;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  static const char expected[] =
    "/dts-v1/;\n"
    "\n"
    "/memreserve/\t0x0000000000001000 0x0000000000002000;\n"
    "/ {\n"
    "\tmodel = \"m\";\n"
    "\n"
    "\tfirst: second: a@1 {\n"
    "\t\tplab: x = <0x02>;\n"
    "\n"
    "\t\tb {\n"
    "\t\t\tphandle = <0x07>;\n"
    "\t\t};\n"
    "\t};\n"
    "};\n";

  g_array_append_val (tree->reserves, r);
  kerf_dt_node_set_string (tree->root, "model", "m", L);
  kerf_dt_node_add_label (a, "first");
  kerf_dt_node_add_label (a, "second");
  p = kerf_dt_node_set_u32 (a, "x", 2, L);
  g_ptr_array_add (p->labels, g_strdup ("plab"));
  b->phandle = 7;
  text = kerf_dts_print (tree);
  g_assert_cmpstr (text, ==, expected);

  tree->dialect = KERF_DT_DIALECT_MULTIKERNEL_V1;
  tree->plugin = TRUE;
  text2 = kerf_dts_print (tree);
  g_assert_true (g_str_has_prefix (text2, "/multikernel-v1/;\n/plugin/;\n\n/memreserve/"));
}

/* Trees whose marks are what dtc's parser records for the same source
 * print exactly as `dtc -I dts -O dts` prints that source. */
static void
test_matches_dtc_dts (void)
{
  static const char source[] =
    "/dts-v1/;\n"
    "/ {\n"
    "\tn {\n"
    "\t\tb16 = /bits/ 16 <1 0xabcd>;\n"
    "\t\tb64 = /bits/ 64 <0x100000000>;\n"
    "\t\tmixed = \"abc\", <1>, [05];\n"
    "\t\ty = <1 l1: 2>, l2: \"s\";\n"
    "\t\tlist = \"a\", \"b\";\n"
    "\t};\n"
    "};\n";
  g_autoptr (KerfDtTree) tree = kerf_dt_tree_new ();
  KerfDtNode *n = kerf_dt_node_ensure_child (tree->root, "n", L);
  const guint8 b16[] = { 0, 1, 0xab, 0xcd };
  const guint8 b64[] = { 0, 0, 0, 1, 0, 0, 0, 0 };
  const guint8 mixed[] = { 'a', 'b', 'c', 0, 0, 0, 0, 1, 5 };
  const guint8 y[] = { 0, 0, 0, 1, 0, 0, 0, 2, 's', 0 };
  const char *list[] = { "a", "b", NULL };
  const char *args[] = { "-I", "dts", "-O", "dts", NULL };
  g_autoptr (GBytes) out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  KerfDtProp *p;

  if (dtbtest_dtc () == NULL)
    {
      g_test_skip ("dtc not installed");
      return;
    }
  p = raw_prop (n, "b16", b16, sizeof b16);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U16, 0, NULL, L);
  p = raw_prop (n, "b64", b64, sizeof b64);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U64, 0, NULL, L);
  p = raw_prop (n, "mixed", mixed, sizeof mixed);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_STRING, 0, NULL, L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U32, 4, NULL, L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_BYTES, 8, NULL, L);
  p = raw_prop (n, "y", y, sizeof y);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_U32, 0, NULL, L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_LABEL, 4, "l1", L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_LABEL, 8, "l2", L);
  kerf_dt_prop_add_mark (p, KERF_DT_MARK_TYPE_STRING, 8, NULL, L);
  kerf_dt_node_set_string_list (n, "list", list, L);

  out = dtbtest_run_dtc (args, (const guint8 *) source, strlen (source));
  expected = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  got = kerf_dts_print (tree);
  dtbtest_assert_text_equal (got, expected, "print vs dtc -I dts -O dts");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/print/shapes", test_shapes);
  g_test_add_func ("/print/layout", test_layout);
  g_test_add_func ("/print/matches-dtc-dts", test_matches_dtc_dts);
  return g_test_run ();
}
