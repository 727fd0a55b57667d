/* kerf-dts.h — the DTS compiler front end and the two binary formats.
 *
 *   DTS text --kerf_dts_parse_*--> KerfDtTree --kerf_dtb_write--> DTB bytes
 *   DTB bytes --kerf_dtb_read--> KerfDtTree --kerf_dts_print--> DTS text
 */
#pragma once

#include <glib.h>
#include "kerf-dt.h"

G_BEGIN_DECLS

/* ---- DTS parsing ---------------------------------------------------- */

typedef enum {
  KERF_DTS_PARSE_NONE            = 0,
  /* Forbid /include/ and /incbin/ (the daemon: it never opens a path on a
   * caller's behalf; the CLI bundles sources first, see kerf_dts_bundle). */
  KERF_DTS_PARSE_NO_FILE_ACCESS  = 1 << 0,
} KerfDtsParseFlags;

/* Parses `text` (`len` bytes, need not be NUL-terminated) whose diagnostics
 * name `display_name`.  Relative /include/ and /incbin/ paths resolve against
 * `base_dir` (NULL = the current directory).  Lines of the form
 * `# LINE "FILE"` (cpp line markers) switch the reported location, so a
 * bundled source reports the user's original files and lines.
 *
 * All findings go to `diags` (warnings too).  Returns the fully resolved tree
 * (references filled in, phandles assigned, /delete-node/ and /delete-property/ applied,
 * __symbols__/__fixups__/__local_fixups__ generated for /plugin/ sources), or
 * NULL when there is at least one error in `diags`. */
KerfDtTree *kerf_dts_parse_data (const char        *display_name,
                                 const char        *text,
                                 gsize              len,
                                 const char        *base_dir,
                                 KerfDtsParseFlags  flags,
                                 KerfDiagList      *diags);

/* Reads `path` and parses it as above (base_dir = dirname(path)).  A file
 * that cannot be read is an error in `diags` too. */
KerfDtTree *kerf_dts_parse_file (const char   *path,
                                 KerfDiagList *diags);

/* Turns `path` and everything it /include/s or /incbin/s into one
 * self-contained DTS text (includes inlined with `# LINE "FILE"` markers,
 * incbin data as byte strings) that kerf_dts_parse_data() accepts with
 * KERF_DTS_PARSE_NO_FILE_ACCESS and reports against the original files.
 * NULL with errors in `diags` when a file cannot be read or includes nest
 * in a cycle. */
char *kerf_dts_bundle (const char *path, KerfDiagList *diags);

/* ---- DTB ------------------------------------------------------------ */

/* Checks a blob before any libfdt walker sees it (Debian's libfdt 1.6.1
 * crashes or loops on some hostile blobs): header sanity, block bounds,
 * version 16/17, and a bounded walk of the structure block (tags, property
 * lengths, name termination, nesting).  FALSE with KERF_ERROR_PARSE and a
 * message naming the first defect. */
gboolean kerf_dtb_check (const guint8 *data, gsize len, GError **error);

/* Encodes the tree (version 17, last compatible 16, memreserve map, boot
 * cpuid) byte for byte as dtc does: assembled by hand rather than through
 * libfdt's sequential-write API, whose strings block differs from dtc's
 * (kerf-dtb-write.c says how).  Unresolved reference marks are an error. */
GBytes *kerf_dtb_write (const KerfDtTree *tree, GError **error);

/* Decodes a blob into a tree.  Locations are `display_name` with line 0;
 * type marks are guessed the way dtc -I dtb does (strings, cells, bytes);
 * `phandle` properties set node->phandle; __symbols__ restores labels. */
KerfDtTree *kerf_dtb_read (const guint8 *data,
                           gsize         len,
                           const char   *display_name,
                           GError      **error);

/* True when `data` starts with the FDT magic. */
gboolean kerf_dtb_is_blob (const guint8 *data, gsize len);

/* ---- DTS printing --------------------------------------------------- */

/* dtc-like DTS: "/dts-v1/;" (or the tree's dialect/plugin header),
 * /memreserve/ lines, labels, tabs for indentation, cells in hex
 * ("<0x04 0x05>" style as dtc -O dts), strings, string lists and byte
 * strings chosen from the type marks (or guessed when there are none). */
char *kerf_dts_print (const KerfDtTree *tree);

G_END_DECLS
