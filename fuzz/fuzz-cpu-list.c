/* fuzz-cpu-list — kerf_cpu_list_parse and its inverse.
 *
 * Accepted lists must be sorted and duplicate-free (the header's promise),
 * and format -> parse must give the same list back. */
#include "config.h"

#include <string.h>
#include <glib.h>
#include "kerf-alloc.h"
#include "kerf-error.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autofree char *formatted = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_autoptr(GArray) again = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init_glib ();
  if (size > 4096)  /* a CPU list on a command line; bigger says nothing new */
    return 0;
  text = g_strndup ((const char *) data, size);
  cpus = kerf_cpu_list_parse (text, &error);
  if (cpus == NULL)
    {
      FUZZ_INVARIANT (error != NULL && error->code == KERF_ERROR_INVALID_ARGUMENT,
                      "refusal without an INVALID_ARGUMENT error");
      return 0;
    }
  FUZZ_INVARIANT (cpus->len > 0, "empty list accepted from '%s'", text);
  for (guint i = 1; i < cpus->len; i++)
    FUZZ_INVARIANT (g_array_index (cpus, guint32, i - 1) < g_array_index (cpus, guint32, i),
                    "list from '%s' not strictly ascending", text);

  formatted = kerf_cpu_array_format (cpus);
  again = kerf_cpu_list_parse (formatted, &error);
  FUZZ_INVARIANT (again != NULL, "formatted list '%s' does not parse: %s", formatted,
                  error->message);
  FUZZ_INVARIANT (again->len == cpus->len
                  && memcmp (again->data, cpus->data, cpus->len * sizeof (guint32)) == 0,
                  "'%s' -> '%s' changed the list", text, formatted);
  return 0;
}
