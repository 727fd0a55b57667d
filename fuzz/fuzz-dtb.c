/* fuzz-dtb — hostile blobs through the checker, reader, writer and printer.
 *
 * Debian's libfdt 1.6.1 crashes or loops on some blobs (toolchain.md §7);
 * kerf_dtb_check exists to stop them before any libfdt walker.  Whatever it
 * accepts must read, write back, and the written blob must pass the check
 * again and read to the same number of nodes. */
#include "config.h"

#include <glib.h>
#include "kerf-dts.h"
#include "fuzz-common.h"

static guint
count_nodes (const KerfDtNode *node)
{
  guint n = 1;

  for (guint i = 0; i < node->children->len; i++)
    n += count_nodes (g_ptr_array_index (node->children, i));
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  g_autoptr(KerfDtTree) again = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *printed = NULL;
  const guint8 *bytes;
  gsize len;

  fuzz_init_glib ();
  (void) kerf_dtb_is_blob (data, size);
  if (!kerf_dtb_check (data, size, &error))
    {
      FUZZ_INVARIANT (error != NULL, "check failed without an error");
      return 0;
    }
  tree = kerf_dtb_read (data, size, "fuzz.dtb", &error);
  if (tree == NULL)
    {
      FUZZ_INVARIANT (error != NULL, "read failed without an error");
      return 0;
    }
  printed = kerf_dts_print (tree);
  FUZZ_INVARIANT (printed != NULL, "printer returned NULL");

  blob = kerf_dtb_write (tree, &error);
  if (blob == NULL)
    {
      FUZZ_INVARIANT (error != NULL, "writer failed without an error");
      return 0;
    }
  bytes = g_bytes_get_data (blob, &len);
  FUZZ_INVARIANT (kerf_dtb_check (bytes, len, &error), "rewritten DTB rejected: %s",
                  error->message);
  again = kerf_dtb_read (bytes, len, "again.dtb", &error);
  FUZZ_INVARIANT (again != NULL, "rewritten DTB unreadable: %s", error->message);
  FUZZ_INVARIANT (count_nodes (again->root) == count_nodes (tree->root),
                  "node count changed on a round trip");
  return 0;
}
