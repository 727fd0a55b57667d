/* test-dtb-check.c — hostile blobs: every one must give a clean
 * KERF_ERROR_PARSE from kerf_dtb_check() and kerf_dtb_read(), never a
 * crash or a hang (libfdt 1.6.1 would crash or loop on some of them). */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerf-dts.h"

/* ---- a tiny blob assembler ----------------------------------------- */

typedef struct {
  GByteArray *st;
  GByteArray *strs;
} Sb;

static void
w32 (GByteArray *b, guint32 v)
{
  guint8 x[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (b, x, 4);
}

static void
set32 (GByteArray *b, gsize off, guint32 v)
{
  b->data[off] = (guint8) (v >> 24);
  b->data[off + 1] = (guint8) (v >> 16);
  b->data[off + 2] = (guint8) (v >> 8);
  b->data[off + 3] = (guint8) v;
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
wname (GByteArray *b, const char *name)
{
  static const guint8 zeros[4] = { 0 };

  g_byte_array_append (b, (const guint8 *) name, (guint) strlen (name) + 1);
  if (b->len % 4)
    g_byte_array_append (b, zeros, 4 - b->len % 4);
}

static Sb *
sb_new (void)
{
  Sb *sb = g_new0 (Sb, 1);

  sb->st = g_byte_array_new ();
  sb->strs = g_byte_array_new ();
  return sb;
}

static void
sb_free (Sb *sb)
{
  g_byte_array_unref (sb->st);
  g_byte_array_unref (sb->strs);
  g_free (sb);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sb, sb_free)

static void
sb_begin (Sb *sb, const char *name)
{
  w32 (sb->st, 1);
  wname (sb->st, name);
}

static void
sb_end (Sb *sb)
{
  w32 (sb->st, 2);
}

static void
sb_prop (Sb *sb, const char *name, const void *val, guint32 len)
{
  static const guint8 zeros[4] = { 0 };
  guint32 off = sb->strs->len;

  g_byte_array_append (sb->strs, (const guint8 *) name, (guint) strlen (name) + 1);
  w32 (sb->st, 3);
  w32 (sb->st, len);
  w32 (sb->st, off);
  g_byte_array_append (sb->st, val, len);
  if (sb->st->len % 4)
    g_byte_array_append (sb->st, zeros, 4 - sb->st->len % 4);
}

/* header(40) | rsvmap terminator(16) | struct | strings */
static GByteArray *
sb_assemble (Sb *sb)
{
  GByteArray *b = g_byte_array_new ();
  guint32 off_st = 56, off_str = off_st + sb->st->len;
  guint32 total = off_str + sb->strs->len;

  w32 (b, 0xd00dfeed);
  w32 (b, total);
  w32 (b, off_st);
  w32 (b, off_str);
  w32 (b, 40);
  w32 (b, 17);
  w32 (b, 16);
  w32 (b, 0);
  w32 (b, sb->strs->len);
  w32 (b, sb->st->len);
  for (int i = 0; i < 4; i++)
    w32 (b, 0);
  g_byte_array_append (b, sb->st->data, sb->st->len);
  g_byte_array_append (b, sb->strs->data, sb->strs->len);
  return b;
}

/* A small valid blob: / { model = "m"; a { x = <1>; }; }; */
static GByteArray *
valid_blob (void)
{
  g_autoptr (Sb) sb = sb_new ();
  guint8 one[4] = { 0, 0, 0, 1 };

  sb_begin (sb, "");
  sb_prop (sb, "model", "m", 2);
  sb_begin (sb, "a");
  sb_prop (sb, "x", one, 4);
  sb_end (sb);
  sb_end (sb);
  w32 (sb->st, 9);
  return sb_assemble (sb);
}

/* Asserts both entry points refuse the blob with a parse error whose
 * message contains `needle`. */
static void
assert_bad (const guint8 *data, gsize len, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = NULL;

  g_assert_false (kerf_dtb_check (data, len, &error));
  g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
  g_clear_error (&error);

  tree = kerf_dtb_read (data, len, "hostile.dtb", &error);
  g_assert_null (tree);
  g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
}

/* `good` with the header word at `off` set to `v` is refused. */
static void
assert_bad_patch (const GByteArray *good, gsize off, guint32 v, const char *needle)
{
  g_autoptr (GByteArray) c = g_byte_array_new ();

  g_byte_array_append (c, good->data, good->len);
  set32 (c, off, v);
  assert_bad (c->data, c->len, needle);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_valid (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = NULL;
  KerfDtNode *a;

  g_assert_true (kerf_dtb_is_blob (b->data, b->len));
  g_assert_true (kerf_dtb_check (b->data, b->len, &error));
  g_assert_no_error (error);
  tree = kerf_dtb_read (b->data, b->len, "v.dtb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  a = kerf_dt_tree_lookup_path (tree, "/a");
  g_assert_nonnull (a);
  g_assert_cmpstr (kerf_dt_prop_get_string (kerf_dt_node_get_prop (tree->root, "model")), ==, "m");
  g_assert_cmpstr (a->loc.file, ==, "v.dtb");
}

static void
test_unaligned (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  g_autofree guint8 *buf = g_malloc (b->len + 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = NULL;

  /* libfdt refuses unaligned blobs; we copy them. */
  memcpy (buf + 1, b->data, b->len);
  tree = kerf_dtb_read (buf + 1, b->len, "u.dtb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (kerf_dt_tree_lookup_path (tree, "/a"));
}

static void
test_header (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  g_autoptr (GByteArray) c = NULL;

  assert_bad (NULL, 0, "too short");
  assert_bad (b->data, 20, "too short");
  g_assert_false (kerf_dtb_is_blob (b->data, 3));

  c = g_byte_array_new ();
  g_byte_array_append (c, b->data, b->len);
  set32 (c, 0, 0xdeadbeef);
  g_assert_false (kerf_dtb_is_blob (c->data, c->len));
  assert_bad (c->data, c->len, "magic");

  /* totalsize > len: a truncated blob */
  assert_bad (b->data, b->len - 1, "total size");
  assert_bad (b->data, 39, "too short for a version 17");

  assert_bad_patch (b, 4, 30, "smaller than the header");

  assert_bad_patch (b, 24, 18, "last compatible");

  assert_bad_patch (b, 20, 18, "version 18");
}

static void
test_version16 (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = NULL;

  /* A version 16 header has no size_dt_struct; the struct block size
   * comes from the strings offset. */
  set32 (b, 20, 16);
  set32 (b, 36, 0xffffffff);
  tree = kerf_dtb_read (b->data, b->len, "v16.dtb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (kerf_dt_tree_lookup_path (tree, "/a"));
}

/* libfdt 1.6.1 bug 1: a version 13 header whose root name has no '/'
 * crashes fdt_check_full().  We refuse old versions and non-empty root
 * names alike. */
static void
test_old_version_root_name (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (GByteArray) b = NULL;

  sb_begin (sb, "x");
  sb_end (sb);
  w32 (sb->st, 9);
  b = sb_assemble (sb);
  assert_bad (b->data, b->len, "root node name");
  set32 (b, 20, 13);
  set32 (b, 24, 13);
  assert_bad (b->data, b->len, "unsupported version 13");
}

/* libfdt 1.6.1 bug 2: property length 0xfffffff4 makes fdt_next_tag()
 * loop forever. */
static void
test_prop_len_overflow (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (GByteArray) b = NULL;
  guint8 v[4] = { 0 };

  sb_begin (sb, "");
  sb_prop (sb, "x", v, 4);
  sb_end (sb);
  w32 (sb->st, 9);
  b = sb_assemble (sb);
  /* struct: BEGIN(4) name(4) PROP(4) len(4) ... */
  set32 (b, 56 + 12, 0xfffffff4);
  assert_bad (b->data, b->len, "length 4294967284");
  set32 (b, 56 + 12, 0xffffffff);
  assert_bad (b->data, b->len, "beyond the end");
  set32 (b, 56 + 12, 9);   /* just past the block end once padded */
  assert_bad (b->data, b->len, NULL);
}

static void
test_unterminated_node_name (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (GByteArray) b = NULL;

  sb_begin (sb, "");
  w32 (sb->st, 1);
  g_byte_array_append (sb->st, (const guint8 *) "abcdefgh", 8);  /* no NUL */
  b = sb_assemble (sb);
  assert_bad (b->data, b->len, "not terminated");
}

static void
test_bad_names (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (Sb) sb2 = sb_new ();
  g_autoptr (Sb) sb3 = sb_new ();
  g_autoptr (GByteArray) b = NULL;
  g_autoptr (GByteArray) b2 = NULL;
  g_autoptr (GByteArray) b3 = NULL;

  sb_begin (sb, "");
  sb_begin (sb, "");
  sb_end (sb);
  sb_end (sb);
  w32 (sb->st, 9);
  b = sb_assemble (sb);
  assert_bad (b->data, b->len, "empty name");

  sb_begin (sb2, "");
  sb_begin (sb2, "a/b");
  sb_end (sb2);
  sb_end (sb2);
  w32 (sb2->st, 9);
  b2 = sb_assemble (sb2);
  assert_bad (b2->data, b2->len, "contains '/'");

  sb_begin (sb3, "");
  sb_prop (sb3, "", NULL, 0);
  sb_end (sb3);
  w32 (sb3->st, 9);
  b3 = sb_assemble (sb3);
  assert_bad (b3->data, b3->len, "empty name");
}

static void
test_missing_end (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (Sb) sb2 = sb_new ();
  g_autoptr (Sb) sb3 = sb_new ();
  g_autoptr (GByteArray) b = NULL;
  g_autoptr (GByteArray) b2 = NULL;
  g_autoptr (GByteArray) b3 = NULL;

  sb_begin (sb, "");
  sb_end (sb);
  b = sb_assemble (sb);
  assert_bad (b->data, b->len, "without FDT_END");

  /* FDT_END inside the root */
  sb_begin (sb2, "");
  w32 (sb2->st, 9);
  b2 = sb_assemble (sb2);
  assert_bad (b2->data, b2->len, "before the root node is closed");

  /* END_NODE without BEGIN_NODE, then a second root */
  sb_end (sb3);
  w32 (sb3->st, 9);
  b3 = sb_assemble (sb3);
  assert_bad (b3->data, b3->len, "without a matching");
}

static void
test_second_root_and_stray (void)
{
  g_autoptr (Sb) sb = sb_new ();
  g_autoptr (Sb) sb2 = sb_new ();
  g_autoptr (Sb) sb3 = sb_new ();
  g_autoptr (GByteArray) b = NULL;
  g_autoptr (GByteArray) b2 = NULL;
  g_autoptr (GByteArray) b3 = NULL;
  guint8 v[4] = { 0 };

  sb_begin (sb, "");
  sb_end (sb);
  sb_begin (sb, "");
  sb_end (sb);
  w32 (sb->st, 9);
  b = sb_assemble (sb);
  assert_bad (b->data, b->len, "second root");

  sb_prop (sb2, "x", v, 4);
  sb_begin (sb2, "");
  sb_end (sb2);
  w32 (sb2->st, 9);
  b2 = sb_assemble (sb2);
  assert_bad (b2->data, b2->len, "outside any node");

  sb_begin (sb3, "");
  w32 (sb3->st, 0x77);
  sb_end (sb3);
  w32 (sb3->st, 9);
  b3 = sb_assemble (sb3);
  assert_bad (b3->data, b3->len, "unknown tag 0x00000077");
}

static GByteArray *
nested_blob (guint depth)
{
  g_autoptr (Sb) sb = sb_new ();

  sb_begin (sb, "");
  for (guint i = 0; i < depth; i++)
    sb_begin (sb, "n");
  for (guint i = 0; i < depth; i++)
    sb_end (sb);
  sb_end (sb);
  w32 (sb->st, 9);
  return sb_assemble (sb);
}

static void
test_deep_nesting (void)
{
  g_autoptr (GByteArray) ok = nested_blob (100);
  g_autoptr (GByteArray) bad = nested_blob (5000);
  g_autoptr (GError) error = NULL;
  g_autoptr (KerfDtTree) tree = NULL;

  tree = kerf_dtb_read (ok->data, ok->len, "deep.dtb", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tree);
  assert_bad (bad->data, bad->len, "nest deeper");
}

static void
test_bad_strings (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  guint32 size_str = get32 (b->data + 32);

  /* name offset of the first property ("model") past the strings block */
  assert_bad_patch (b, 56 + 16, size_str, "outside the strings block");
  assert_bad_patch (b, 56 + 16, 0x7fffffff, "outside the strings block");

  /* strings block cut so that the last name loses its NUL */
  assert_bad_patch (b, 32, size_str - 1, "not terminated inside the strings block");
}

static void
test_blocks (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  g_autoptr (GByteArray) c = g_byte_array_new ();
  guint32 off_st = get32 (b->data + 8), size_st = get32 (b->data + 36);

  /* strings block overlapping the structure block */
  assert_bad_patch (b, 12, off_st + 8, "overlaps");

  /* struct block running past the end */
  assert_bad_patch (b, 36, size_st + 0x1000, "extends beyond");
  assert_bad_patch (b, 36, 0xfffffff0, "extends beyond");

  /* misaligned struct offset */
  assert_bad_patch (b, 8, off_st + 2, "aligned");

  /* struct offset inside the header */
  assert_bad_patch (b, 8, 8, "inside the header");

  /* memory reservation map never terminated: a non-zero entry runs into
   * the end of the blob when the map starts near the end */
  g_byte_array_append (c, b->data, b->len);
  set32 (c, 16, (b->len - 8) & ~7u);
  c->data[c->len - 1] = 'x';
  assert_bad (c->data, c->len, NULL);

  /* reservation map overlapping the structure block */
  assert_bad_patch (b, 8, 40, "overlaps");

  /* reservation map offset misaligned */
  assert_bad_patch (b, 16, 44, "8-byte aligned");
}

/* Every truncation and a set of byte corruptions of a real blob: each is
 * accepted or refused with KERF_ERROR_PARSE; nothing crashes or hangs. */
static void
test_mutations (void)
{
  g_autoptr (GByteArray) b = valid_blob ();
  static const guint8 patterns[] = { 0x00, 0xff, 0x01, 0x80, 0x7f, 0xf4, 0x09, 0x03 };
  guint accepted = 0, refused = 0;

  for (gsize len = 0; len <= b->len; len++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KerfDtTree) tree = kerf_dtb_read (b->data, len, "t.dtb", &error);

      /* every truncation is refused; the whole blob reads */
      if (len < b->len)
        {
          g_assert_null (tree);
          g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
        }
      else
        g_assert_nonnull (tree);
    }
  for (gsize i = 0; i < b->len; i++)
    for (gsize k = 0; k < G_N_ELEMENTS (patterns); k++)
      {
        g_autoptr (GByteArray) c = g_byte_array_new ();
        g_autoptr (GError) error = NULL;
        g_autoptr (KerfDtTree) tree = NULL;

        g_byte_array_append (c, b->data, b->len);
        c->data[i] = patterns[k];
        tree = kerf_dtb_read (c->data, c->len, "m.dtb", &error);
        if (tree == NULL)
          {
            g_assert_error (error, KERF_ERROR, KERF_ERROR_PARSE);
            refused++;
          }
        else
          {
            /* what we accept must write back into a blob we accept */
            g_autoptr (GBytes) out = kerf_dtb_write (tree, &error);
            g_assert_no_error (error);
            g_assert_true (kerf_dtb_check (g_bytes_get_data (out, NULL), g_bytes_get_size (out),
                                           &error));
            g_assert_no_error (error);
            accepted++;
          }
      }
  g_assert_cmpuint (accepted, >, 0);
  g_assert_cmpuint (refused, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dtb/check/valid", test_valid);
  g_test_add_func ("/dtb/check/unaligned", test_unaligned);
  g_test_add_func ("/dtb/check/header", test_header);
  g_test_add_func ("/dtb/check/version16", test_version16);
  g_test_add_func ("/dtb/check/old-version-root-name", test_old_version_root_name);
  g_test_add_func ("/dtb/check/prop-len-overflow", test_prop_len_overflow);
  g_test_add_func ("/dtb/check/unterminated-node-name", test_unterminated_node_name);
  g_test_add_func ("/dtb/check/bad-names", test_bad_names);
  g_test_add_func ("/dtb/check/missing-end", test_missing_end);
  g_test_add_func ("/dtb/check/second-root-and-stray", test_second_root_and_stray);
  g_test_add_func ("/dtb/check/deep-nesting", test_deep_nesting);
  g_test_add_func ("/dtb/check/bad-strings", test_bad_strings);
  g_test_add_func ("/dtb/check/blocks", test_blocks);
  g_test_add_func ("/dtb/check/mutations", test_mutations);
  return g_test_run ();
}
