/* fuzz-spec — kerfd's a{sv} instance spec decoder on arbitrary bytes.
 *
 * The bytes are read as a serialised a{sv} GVariant (GVariant copes with
 * any bytes, normal form or not), decoded with kerfd_spec_from_variant()
 * both as they are and in normal form (what GDBus hands the daemon), and
 * applied to an instance.  Invariants: a refusal carries an error; an
 * accepted spec holds only values in range; both forms decode alike. */
#include "config.h"

#include <glib.h>
#include "kerfd-spec.h"
#include "fuzz-common.h"

static void
check_spec (const KerfdSpec *spec)
{
  g_autoptr(KerfInstance) inst = kerf_instance_new ("fuzz");

  if (kerfd_spec_has (spec, KERFD_SPEC_CPU_COUNT))
    FUZZ_INVARIANT (spec->cpu_count > 0, "cpu-count 0 accepted");
  if (kerfd_spec_has (spec, KERFD_SPEC_MEMORY_BYTES))
    FUZZ_INVARIANT (spec->memory_bytes > 0, "memory-bytes 0 accepted");
  if (kerfd_spec_has (spec, KERFD_SPEC_ID))
    FUZZ_INVARIANT (spec->id >= KERF_INSTANCE_ID_MIN && spec->id <= KERF_INSTANCE_ID_MAX,
                    "id %u accepted", spec->id);
  FUZZ_INVARIANT (!(kerfd_spec_has (spec, KERFD_SPEC_CPUS)
                    && kerfd_spec_has (spec, KERFD_SPEC_CPU_COUNT)),
                  "cpus and cpu-count accepted together");
  FUZZ_INVARIANT (spec->cpus != NULL && spec->devices != NULL && spec->numa_nodes != NULL,
                  "a list is NULL");
  kerfd_spec_apply (spec, inst);
  if (kerfd_spec_has (spec, KERFD_SPEC_MEMORY_BYTES))
    FUZZ_INVARIANT (inst->memory_bytes == spec->memory_bytes, "memory-bytes not applied");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) raw = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(KerfdSpec) a = NULL;
  g_autoptr(KerfdSpec) b = NULL;
  g_autoptr(GError) ea = NULL;
  g_autoptr(GError) eb = NULL;

  fuzz_init_glib ();
  if (size > 65536)
    return 0;
  bytes = g_bytes_new (data, size);
  raw = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
  normal = g_variant_get_normal_form (raw);

  a = kerfd_spec_from_variant (raw, &ea);
  FUZZ_INVARIANT ((a == NULL) == (ea != NULL), "result and error disagree (raw)");
  b = kerfd_spec_from_variant (normal, &eb);
  FUZZ_INVARIANT ((b == NULL) == (eb != NULL), "result and error disagree (normal)");
  /* the raw value reads as its normal form, so both decode alike */
  FUZZ_INVARIANT ((a == NULL) == (b == NULL), "raw and normal form decode differently");
  if (a != NULL)
    check_spec (a);
  if (b != NULL)
    check_spec (b);
  return 0;
}
