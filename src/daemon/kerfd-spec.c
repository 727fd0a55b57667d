/* kerfd-spec.c — a{sv} instance spec -> KerfdSpec (see kerfd-spec.h). */
#include "config.h"

#include <string.h>

#include "kerf-error.h"
#include "kerfd-spec.h"

typedef struct {
  const char    *key;
  const char    *type;
  KerfdSpecKeys  flag;
} KerfdSpecKeyDef;

static const KerfdSpecKeyDef kerfd_spec_keys[] = {
  { "cpus",          "au", KERFD_SPEC_CPUS },
  { "cpu-count",     "u",  KERFD_SPEC_CPU_COUNT },
  { "memory-bytes",  "t",  KERFD_SPEC_MEMORY_BYTES },
  { "memory-base",   "t",  KERFD_SPEC_MEMORY_BASE },
  { "devices",       "as", KERFD_SPEC_DEVICES },
  { "numa-nodes",    "au", KERFD_SPEC_NUMA_NODES },
  { "cpu-affinity",  "s",  KERFD_SPEC_CPU_AFFINITY },
  { "memory-policy", "s",  KERFD_SPEC_MEMORY_POLICY },
  { "id",            "u",  KERFD_SPEC_ID },
};

void
kerfd_spec_free (KerfdSpec *spec)
{
  if (spec == NULL)
    return;
  g_array_unref (spec->cpus);
  g_array_unref (spec->numa_nodes);
  g_strfreev (spec->devices);
  g_free (spec);
}

gboolean
kerfd_spec_has (const KerfdSpec *spec, KerfdSpecKeys keys)
{
  return (spec->present & keys) != 0;
}

static const KerfdSpecKeyDef *
kerfd_spec_key_def (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kerfd_spec_keys); i++)
    if (g_str_equal (kerfd_spec_keys[i].key, key))
      return &kerfd_spec_keys[i];
  return NULL;
}

/* A caller's string in a message: escaped, and cut short. */
static char *
kerfd_spec_quote (const char *s)
{
  char *escaped = g_strescape (s, NULL);

  if (strlen (escaped) > 64)
    strcpy (escaped + 56, "...");
  return escaped;
}

static void
kerfd_spec_array_from_au (GArray *dst, GVariant *au)
{
  gsize n = 0;
  const guint32 *v = g_variant_get_fixed_array (au, &n, sizeof (guint32));

  g_array_set_size (dst, 0);
  if (n > 0)
    g_array_append_vals (dst, v, (guint) n);
}

/* One key whose type is already checked; FALSE on a value out of range. */
static gboolean
kerfd_spec_set (KerfdSpec *spec, KerfdSpecKeys flag, GVariant *v, GError **error)
{
  const char *s;

  switch (flag)
    {
    case KERFD_SPEC_CPUS:
      kerfd_spec_array_from_au (spec->cpus, v);
      break;
    case KERFD_SPEC_CPU_COUNT:
      spec->cpu_count = g_variant_get_uint32 (v);
      if (spec->cpu_count == 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT, "cpu-count must be > 0");
          return FALSE;
        }
      break;
    case KERFD_SPEC_MEMORY_BYTES:
      spec->memory_bytes = g_variant_get_uint64 (v);
      if (spec->memory_bytes == 0)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "memory-bytes must be > 0");
          return FALSE;
        }
      break;
    case KERFD_SPEC_MEMORY_BASE:
      spec->memory_base = g_variant_get_uint64 (v);
      break;
    case KERFD_SPEC_DEVICES:
      g_strfreev (spec->devices);
      spec->devices = g_variant_dup_strv (v, NULL);
      break;
    case KERFD_SPEC_NUMA_NODES:
      kerfd_spec_array_from_au (spec->numa_nodes, v);
      break;
    case KERFD_SPEC_CPU_AFFINITY:
      s = g_variant_get_string (v, NULL);
      if (!kerf_cpu_affinity_from_string (s, &spec->cpu_affinity))
        {
          g_autofree char *q = kerfd_spec_quote (s);

          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "unknown cpu-affinity '%s' (compact, spread or local)", q);
          return FALSE;
        }
      break;
    case KERFD_SPEC_MEMORY_POLICY:
      s = g_variant_get_string (v, NULL);
      if (!kerf_memory_policy_from_string (s, &spec->memory_policy))
        {
          g_autofree char *q = kerfd_spec_quote (s);

          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "unknown memory-policy '%s' (local, interleave or bind)", q);
          return FALSE;
        }
      break;
    case KERFD_SPEC_ID:
      spec->id = g_variant_get_uint32 (v);
      if (spec->id == 0 || spec->id > 2047)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "id must be 1-2047, not %u", spec->id);
          return FALSE;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

KerfdSpec *
kerfd_spec_from_variant (GVariant *variant, GError **error)
{
  g_autoptr(KerfdSpec) spec = g_new0 (KerfdSpec, 1);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  spec->cpus = g_array_new (FALSE, FALSE, sizeof (guint32));
  spec->numa_nodes = g_array_new (FALSE, FALSE, sizeof (guint32));
  spec->devices = g_new0 (char *, 1);
  if (variant == NULL || !g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "the instance spec must be of type 'a{sv}', not '%s'",
                   variant != NULL ? g_variant_get_type_string (variant) : "nothing");
      return NULL;
    }

  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) v = value;
      const KerfdSpecKeyDef *def = kerfd_spec_key_def (key);

      if (def == NULL)
        {
          g_autofree char *q = kerfd_spec_quote (key);

          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "unknown instance spec key '%s' (known: cpus, cpu-count, memory-bytes, "
                       "memory-base, devices, numa-nodes, cpu-affinity, memory-policy, id)", q);
          return NULL;
        }
      if (spec->present & def->flag)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "instance spec key '%s' is given twice", key);
          return NULL;
        }
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE (def->type)))
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "'%s' must be of type '%s', not '%s'", key, def->type,
                       g_variant_get_type_string (v));
          return NULL;
        }
      if (!kerfd_spec_set (spec, def->flag, v, error))
        return NULL;
      spec->present |= def->flag;
    }
  if ((spec->present & KERFD_SPEC_CPUS) && (spec->present & KERFD_SPEC_CPU_COUNT))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "give either 'cpus' or 'cpu-count', not both");
      return NULL;
    }
  return g_steal_pointer (&spec);
}

void
kerfd_spec_apply (const KerfdSpec *spec, KerfInstance *inst)
{
  if (spec->present & KERFD_SPEC_CPUS)
    {
      g_array_set_size (inst->cpus, 0);
      g_array_append_vals (inst->cpus, spec->cpus->data, spec->cpus->len);
    }
  if (spec->present & KERFD_SPEC_MEMORY_BYTES)
    inst->memory_bytes = spec->memory_bytes;
  if (spec->present & KERFD_SPEC_MEMORY_BASE)
    inst->memory_base = spec->memory_base;
  if (spec->present & KERFD_SPEC_DEVICES)
    {
      g_ptr_array_set_size (inst->devices, 0);
      for (guint i = 0; spec->devices[i] != NULL; i++)
        g_ptr_array_add (inst->devices, kerf_device_ref_new (spec->devices[i]));
    }
  if (spec->present & KERFD_SPEC_NUMA_NODES)
    {
      g_array_set_size (inst->numa_nodes, 0);
      g_array_append_vals (inst->numa_nodes, spec->numa_nodes->data, spec->numa_nodes->len);
    }
  if (spec->present & KERFD_SPEC_CPU_AFFINITY)
    inst->cpu_affinity = spec->cpu_affinity;
  if (spec->present & KERFD_SPEC_MEMORY_POLICY)
    inst->memory_policy = spec->memory_policy;
  if (spec->present & KERFD_SPEC_ID)
    inst->id = spec->id;
}
