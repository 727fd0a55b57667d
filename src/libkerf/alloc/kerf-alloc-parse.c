/* kerf-alloc-parse.c — CPU lists, sizes and addresses as users type them.
 *
 * Strict on purpose: every part of the text must mean something, and an
 * error names the part that does not (the user typed it a second ago and
 * wants to see what to change).
 */
#include "config.h"

#include <string.h>

#include "kerf-alloc.h"
#include "kerf-error.h"

/* A list may not expand to more CPUs than this: "0-4294967295" would
 * otherwise ask for 16 GiB of ids. */
#define KERF_CPU_LIST_MAX 1048576

__extension__ typedef unsigned __int128 kerf_u128;

typedef struct {
  guint32 first;
  guint32 last;
  char   *text;   /* the item as written, for messages */
} CpuRange;

static void
cpu_range_clear (gpointer data)
{
  g_free (((CpuRange *) data)->text);
}

static gint
cpu_range_cmp (gconstpointer a, gconstpointer b)
{
  const CpuRange *ra = a, *rb = b;

  if (ra->first != rb->first)
    return ra->first < rb->first ? -1 : 1;
  return ra->last < rb->last ? -1 : (ra->last > rb->last ? 1 : 0);
}

/* Parses a decimal CPU id occupying all of `s`. */
static gboolean
parse_cpu_id (const char *s, const char *item, guint32 *out, GError **error)
{
  guint64 v = 0;

  if (*s == '\0')
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid CPU list item '%s': missing CPU id", item);
      return FALSE;
    }
  if (*s == '-')
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid CPU list item '%s': CPU ids cannot be negative", item);
      return FALSE;
    }
  for (const char *p = s; *p; p++)
    {
      if (!g_ascii_isdigit (*p))
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid CPU list item '%s': '%s' is not a decimal CPU id", item, s);
          return FALSE;
        }
      v = v * 10 + (guint64) (*p - '0');
      if (v > G_MAXUINT32)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid CPU list item '%s': CPU id %s is larger than %u",
                       item, s, G_MAXUINT32);
          return FALSE;
        }
    }
  *out = (guint32) v;
  return TRUE;
}

GArray *
kerf_cpu_list_parse (const char *text, GError **error)
{
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) cpus = NULL;
  g_auto(GStrv) items = NULL;
  g_autofree char *trimmed = NULL;
  guint64 count = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (text ? text : ""));
  if (*trimmed == '\0')
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "empty CPU list: give at least one CPU id, e.g. '4-7,9'");
      return NULL;
    }

  ranges = g_array_new (FALSE, FALSE, sizeof (CpuRange));
  g_array_set_clear_func (ranges, cpu_range_clear);
  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      CpuRange r = { 0, 0, NULL };
      const char *dash;

      if (*item == '\0')
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid CPU list '%s': empty item at position %u", text, i + 1);
          return NULL;
        }
      /* A leading '-' is a sign, not a range. */
      dash = strchr (item + 1, '-');
      if (dash != NULL)
        {
          g_autofree char *a = g_strstrip (g_strndup (item, (gsize) (dash - item)));
          g_autofree char *b = g_strstrip (g_strdup (dash + 1));

          if (!parse_cpu_id (a, item, &r.first, error) || !parse_cpu_id (b, item, &r.last, error))
            return NULL;
          if (r.first > r.last)
            {
              g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                           "invalid CPU range '%s': start %u is greater than end %u (write '%u-%u')",
                           item, r.first, r.last, r.last, r.first);
              return NULL;
            }
        }
      else
        {
          if (!parse_cpu_id (item, item, &r.first, error))
            return NULL;
          r.last = r.first;
        }
      count += (guint64) r.last - r.first + 1;
      if (count > KERF_CPU_LIST_MAX)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid CPU list item '%s': the list names more than %u CPUs",
                       item, KERF_CPU_LIST_MAX);
          return NULL;
        }
      r.text = g_steal_pointer (&item);
      g_array_append_val (ranges, r);
    }

  g_array_sort (ranges, cpu_range_cmp);
  for (guint i = 1; i < ranges->len; i++)
    {
      const CpuRange *prev = &g_array_index (ranges, CpuRange, i - 1);
      const CpuRange *cur = &g_array_index (ranges, CpuRange, i);

      if (cur->first <= prev->last)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid CPU list '%s': CPU %u is listed twice ('%s' and '%s')",
                       text, cur->first, prev->text, cur->text);
          return NULL;
        }
    }

  cpus = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) count);
  for (guint i = 0; i < ranges->len; i++)
    {
      const CpuRange *r = &g_array_index (ranges, CpuRange, i);

      for (guint64 c = r->first; c <= r->last; c++)
        {
          guint32 v = (guint32) c;
          g_array_append_val (cpus, v);
        }
    }
  return g_steal_pointer (&cpus);
}

char *
kerf_cpu_list_format (const guint32 *cpus, gsize n_cpus)
{
  GString *s = g_string_new (NULL);
  gsize i = 0;

  while (i < n_cpus)
    {
      gsize j = i;

      while (j + 1 < n_cpus && cpus[j + 1] == cpus[j] + 1 && cpus[j] != G_MAXUINT32)
        j++;
      if (s->len > 0)
        g_string_append_c (s, ',');
      if (j == i)
        g_string_append_printf (s, "%u", cpus[i]);
      else
        g_string_append_printf (s, "%u-%u", cpus[i], cpus[j]);
      i = j + 1;
    }
  return g_string_free (s, FALSE);
}

char *
kerf_cpu_array_format (const GArray *cpus)
{
  if (cpus == NULL)
    return g_strdup ("");
  return kerf_cpu_list_format ((const guint32 *) (const void *) cpus->data, cpus->len);
}

/* ---- sizes ---------------------------------------------------------- */

typedef struct {
  const char *name;
  guint       shift;
} SizeUnit;

/* Case-insensitive; KB and KiB both mean 1024 (SPEC §4). */
static const SizeUnit size_units[] = {
  { "", 0 }, { "b", 0 }, { "bytes", 0 },
  { "k", 10 }, { "kb", 10 }, { "kib", 10 },
  { "m", 20 }, { "mb", 20 }, { "mib", 20 },
  { "g", 30 }, { "gb", 30 }, { "gib", 30 },
  { "t", 40 }, { "tb", 40 }, { "tib", 40 },
};

static gboolean
size_error (GError **error, const char *text, const char *why)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
               "invalid size '%s': %s", text, why);
  return FALSE;
}

static gboolean
parse_hex_u64 (const char *digits, guint64 *out, gboolean *overflow)
{
  guint64 v = 0;

  *overflow = FALSE;
  if (*digits == '\0')
    return FALSE;
  for (const char *p = digits; *p; p++)
    {
      if (!g_ascii_isxdigit (*p))
        return FALSE;
      if (v > (G_MAXUINT64 >> 4))
        *overflow = TRUE;
      v = (v << 4) | (guint64) g_ascii_xdigit_value (*p);
    }
  *out = v;
  return TRUE;
}

gboolean
kerf_size_parse (const char *text, guint64 *out, GError **error)
{
  g_autofree char *s = NULL;
  const char *p, *int_start, *frac_start = NULL, *unit;
  gsize int_len, frac_len = 0;
  kerf_u128 whole = 0, frac = 0, pow10 = 1, value;
  guint shift = 0;
  gboolean unit_ok = FALSE;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    return size_error (error, "", "empty");
  s = g_strstrip (g_strdup (text));
  if (*s == '\0')
    return size_error (error, text, "empty; give a size such as 512MB or 2GiB");
  if (*s == '-')
    return size_error (error, text, "sizes cannot be negative");
  if (*s == '+')
    return size_error (error, text, "no sign allowed");

  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
      gboolean overflow;
      guint64 v;

      if (!parse_hex_u64 (s + 2, &v, &overflow))
        return size_error (error, text, "not a hexadecimal number (hex sizes take no unit)");
      if (overflow)
        return size_error (error, text, "too large (more than 2^64-1 bytes)");
      if (v == 0)
        return size_error (error, text, "size must be greater than zero");
      *out = v;
      return TRUE;
    }

  p = int_start = s;
  while (g_ascii_isdigit (*p))
    p++;
  int_len = (gsize) (p - int_start);
  if (*p == '.')
    {
      frac_start = ++p;
      while (g_ascii_isdigit (*p))
        p++;
      frac_len = (gsize) (p - frac_start);
      if (frac_len == 0)
        return size_error (error, text, "missing digits after the decimal point");
    }
  if (int_len == 0)
    return size_error (error, text, "expected a number, optionally followed by a unit "
                                    "(B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
  /* 20 digits already exceed 2^64; the u128 below cannot overflow before that. */
  if (int_len > 20 || frac_len > 18)
    return size_error (error, text, "too many digits");

  for (gsize i = 0; i < int_len; i++)
    whole = whole * 10 + (kerf_u128) (int_start[i] - '0');
  for (gsize i = 0; i < frac_len; i++)
    {
      frac = frac * 10 + (kerf_u128) (frac_start[i] - '0');
      pow10 *= 10;
    }

  unit = p;
  while (*unit == ' ' || *unit == '\t')
    unit++;
  for (gsize i = 0; i < G_N_ELEMENTS (size_units); i++)
    if (g_ascii_strcasecmp (unit, size_units[i].name) == 0)
      {
        shift = size_units[i].shift;
        unit_ok = TRUE;
        break;
      }
  if (!unit_ok)
    {
      g_autofree char *why = g_strdup_printf ("unknown unit '%s' (use B, KB, MB, GB, TB "
                                              "or KiB, MiB, GiB, TiB; all powers of 1024)",
                                              unit);
      return size_error (error, text, why);
    }

  if (whole > (((kerf_u128) G_MAXUINT64) >> shift) + 1)
    return size_error (error, text, "too large (more than 2^64-1 bytes)");
  /* frac / pow10 * 2^shift must be a whole number of bytes. */
  if (((frac << shift) % pow10) != 0)
    return size_error (error, text, "not a whole number of bytes");
  value = (whole << shift) + ((frac << shift) / pow10);
  if (value > G_MAXUINT64)
    return size_error (error, text, "too large (more than 2^64-1 bytes)");
  if (value == 0)
    return size_error (error, text, "size must be greater than zero");
  *out = (guint64) value;
  return TRUE;
}

char *
kerf_size_format (guint64 bytes)
{
  static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  kerf_u128 hundredths;
  guint shift = 0;
  guint idx = 0;

  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", bytes, bytes == 1 ? "byte" : "bytes");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (bytes >= (G_GUINT64_CONSTANT (1) << (10 * (i + 1))))
      {
        idx = i;
        shift = 10 * (i + 1);
      }
  /* Rounded to two decimals. */
  hundredths = (((kerf_u128) bytes * 100) + (((kerf_u128) 1) << (shift - 1))) >> shift;
  if (hundredths % 100 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", (guint64) (hundredths / 100), names[idx]);
  if (hundredths % 10 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ".%u %s", (guint64) (hundredths / 100),
                            (guint) ((hundredths % 100) / 10), names[idx]);
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%02u %s", (guint64) (hundredths / 100),
                          (guint) (hundredths % 100), names[idx]);
}

/* ---- addresses ------------------------------------------------------ */

gboolean
kerf_address_parse (const char *text, guint64 *out, GError **error)
{
  g_autofree char *s = NULL;
  guint64 v = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  s = g_strstrip (g_strdup (text ? text : ""));
  if (*s == '\0')
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid address '%s': empty; give 0x... (hex) or a decimal number",
                   text ? text : "");
      return FALSE;
    }
  if (*s == '-')
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                   "invalid address '%s': addresses cannot be negative", text);
      return FALSE;
    }
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
      gboolean overflow;

      if (!parse_hex_u64 (s + 2, &v, &overflow))
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid address '%s': not a hexadecimal number", text);
          return FALSE;
        }
      if (overflow)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid address '%s': larger than 64 bits", text);
          return FALSE;
        }
      *out = v;
      return TRUE;
    }
  for (const char *p = s; *p; p++)
    {
      guint d;

      if (!g_ascii_isdigit (*p))
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid address '%s': not a decimal number (use 0x for hex)", text);
          return FALSE;
        }
      d = (guint) (*p - '0');
      if (v > (G_MAXUINT64 - d) / 10)
        {
          g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
                       "invalid address '%s': larger than 64 bits", text);
          return FALSE;
        }
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}
