/* fuzz-dts — the DTS compiler front end on hostile text.
 *
 * Parses with KERF_DTS_PARSE_NO_FILE_ACCESS (the daemon's mode: no path is
 * ever opened), and when the text compiles, checks the chain the CLI and
 * daemon rely on: the written DTB passes kerf_dtb_check, reads back, and the
 * printed DTS parses again. */
#include "config.h"

#include <glib.h>
#include "kerf-dts.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KerfDtTree) tree = NULL;
  g_autoptr(KerfDtTree) back = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *printed = NULL;
  KerfDiagList *diags;
  const guint8 *bytes;
  gsize len;

  fuzz_init_glib ();
  diags = kerf_diag_list_new ();
  tree = kerf_dts_parse_data ("fuzz.dts", (const char *) data, size, NULL,
                              KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  FUZZ_INVARIANT ((tree == NULL) == kerf_diag_list_has_errors (diags),
                  "a tree comes back exactly when there is no error");
  kerf_diag_list_free (diags);
  if (tree == NULL)
    return 0;

  blob = kerf_dtb_write (tree, &error);
  if (blob == NULL)
    {
      /* The parser resolved every reference, so only encoding limits may
       * refuse; the error must say something. */
      FUZZ_INVARIANT (error != NULL && error->message[0] != '\0', "writer failed silently");
      return 0;
    }
  bytes = g_bytes_get_data (blob, &len);
  FUZZ_INVARIANT (kerf_dtb_check (bytes, len, &error), "own DTB rejected: %s", error->message);
  back = kerf_dtb_read (bytes, len, "fuzz.dtb", &error);
  FUZZ_INVARIANT (back != NULL, "own DTB unreadable: %s", error->message);

  printed = kerf_dts_print (back);
  FUZZ_INVARIANT (printed != NULL, "printer returned NULL");
  return 0;
}
