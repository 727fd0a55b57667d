/* test-dtb-util.h — helpers for the DTB / printer tests: running dtc,
 * comparing blobs, normalising dtc 1.6.1's string-list output. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Path of dtc, or NULL (the caller skips dtc comparisons then). */
const char *dtbtest_dtc (void);

/* Runs `dtc ARGS... INPUT` where INPUT is a temporary file holding `in`;
 * returns dtc's stdout (stderr is discarded: dtc warns about schema
 * matters we do not care about here).  Fails the test if dtc fails. */
GBytes *dtbtest_run_dtc (const char *const *args, const guint8 *in, gsize in_len);

/* The same on an existing file (so /include/ paths resolve). */
GBytes *dtbtest_run_dtc_path (const char *const *args, const char *input);

/* dtc 1.6.1 prints a guessed string list as "a\0b"; newer dtc and kerf
 * print "a", "b".  It also prints a string byte >= 0x80 as "\xffffffc3"
 * (a sign-extension bug whose output dtc cannot read back); kerf prints
 * "\xc3".  Rewrites dtc's forms into kerf's. */
char *dtbtest_normalize_dtc (const char *text);

/* Asserts equal bytes, reporting the first differing offset. */
void dtbtest_assert_bytes_equal (GBytes *got, GBytes *expected, const char *what);

/* Asserts equal text, printing both on failure. */
void dtbtest_assert_text_equal (const char *got, const char *expected, const char *what);

G_END_DECLS
