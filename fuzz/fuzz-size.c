/* fuzz-size — kerf_size_parse and kerf_address_parse on arbitrary text.
 *
 * A size is > 0 when accepted; the formatter accepts every size; a size
 * printed in bytes ("N") or hex parses back to itself; an address printed in
 * hex parses back to itself. */
#include "config.h"

#include <glib.h>
#include "kerf-alloc.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autofree char *human = NULL;
  g_autofree char *dec = NULL;
  g_autofree char *hex = NULL;
  g_autoptr(GError) error = NULL;
  guint64 value = 0, back = 0;

  fuzz_init_glib ();
  if (size > 4096)
    return 0;
  text = g_strndup ((const char *) data, size);

  if (kerf_size_parse (text, &value, &error))
    {
      FUZZ_INVARIANT (value > 0, "size 0 accepted from '%s'", text);
      human = kerf_size_format (value);
      FUZZ_INVARIANT (human != NULL && human[0] != '\0', "no text for %" G_GUINT64_FORMAT, value);
      dec = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
      FUZZ_INVARIANT (kerf_size_parse (dec, &back, NULL) && back == value,
                      "'%s' does not parse back", dec);
      hex = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", value);
      FUZZ_INVARIANT (kerf_size_parse (hex, &back, NULL) && back == value,
                      "'%s' does not parse back", hex);
    }
  else
    FUZZ_INVARIANT (error != NULL, "size refused without an error");
  g_clear_error (&error);
  g_clear_pointer (&hex, g_free);

  if (kerf_address_parse (text, &value, &error))
    {
      hex = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", value);
      FUZZ_INVARIANT (kerf_address_parse (hex, &back, NULL) && back == value,
                      "address '%s' does not parse back", hex);
    }
  else
    FUZZ_INVARIANT (error != NULL, "address refused without an error");
  return 0;
}
