/* kerf-dtb-check.c — bounded validation of a flattened device tree blob.
 *
 * Debian 12 ships libfdt 1.6.1, whose fdt_check_full() dereferences NULL on
 * a version 13 blob whose root name lacks '/', and whose fdt_next_tag()
 * loops forever on a property length of 0xfffffff4 (both fixed upstream in
 * 1.7.0; see docs toolchain §7).  Blobs reach kerf from callers we do not
 * trust (D-Bus, files), so no libfdt walker may see a blob before this file
 * has checked every offset, size and tag itself with overflow-safe
 * arithmetic.  Only then does fdt_check_full() run, as a second opinion.
 */
#include "config.h"

#include <string.h>
#include <libfdt.h>

#include "kerf-error.h"
#include "kerf-dts.h"
#include "kerf-dtb-private.h"

#define FDT_RSV_ENTRY_SIZE 16U

static gboolean
fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE, "invalid device tree blob: %s", msg);
  return FALSE;
}

void
kerf_fdt_header_load (const guint8 *data, KerfFdtHeader *hdr)
{
  hdr->magic = kerf_be32 (data + 0);
  hdr->totalsize = kerf_be32 (data + 4);
  hdr->off_dt_struct = kerf_be32 (data + 8);
  hdr->off_dt_strings = kerf_be32 (data + 12);
  hdr->off_mem_rsvmap = kerf_be32 (data + 16);
  hdr->version = kerf_be32 (data + 20);
  hdr->last_comp_version = kerf_be32 (data + 24);
  hdr->boot_cpuid_phys = kerf_be32 (data + 28);
  hdr->size_dt_strings = kerf_be32 (data + 32);
  if (hdr->version >= 17)
    {
      hdr->size_dt_struct = kerf_be32 (data + 36);
    }
  else
    {
      /* Version 16 has no struct size: the block runs to the strings block
       * when that follows it, else to the end of the blob. */
      if (hdr->off_dt_strings > hdr->off_dt_struct && hdr->off_dt_strings <= hdr->totalsize)
        hdr->size_dt_struct = hdr->off_dt_strings - hdr->off_dt_struct;
      else if (hdr->off_dt_struct <= hdr->totalsize)
        hdr->size_dt_struct = hdr->totalsize - hdr->off_dt_struct;
      else
        hdr->size_dt_struct = 0;
    }
}

typedef struct {
  const char *what;
  guint64     start;
  guint64     end;   /* exclusive */
} Block;

static gboolean
check_blocks (const KerfFdtHeader *hdr, guint32 hdr_size, const guint8 *data, GError **error)
{
  guint64 total = hdr->totalsize;
  guint64 rsv_end;
  Block blocks[3];

  /* Memory reservation map: 8-byte aligned, entries up to an all-zero
   * terminator, all inside the blob. */
  if (hdr->off_mem_rsvmap < hdr_size)
    return fail (error, "memory reservation map offset %u lies inside the header",
                 hdr->off_mem_rsvmap);
  if (hdr->off_mem_rsvmap % 8 != 0)
    return fail (error, "memory reservation map offset %u is not 8-byte aligned",
                 hdr->off_mem_rsvmap);
  for (rsv_end = hdr->off_mem_rsvmap;; rsv_end += FDT_RSV_ENTRY_SIZE)
    {
      if (rsv_end + FDT_RSV_ENTRY_SIZE > total)
        return fail (error, "memory reservation map is not terminated within the blob");
      if (kerf_be64 (data + rsv_end) == 0 && kerf_be64 (data + rsv_end + 8) == 0)
        {
          rsv_end += FDT_RSV_ENTRY_SIZE;
          break;
        }
    }

  if (hdr->off_dt_struct < hdr_size)
    return fail (error, "structure block offset %u lies inside the header", hdr->off_dt_struct);
  if (hdr->off_dt_struct % 4 != 0)
    return fail (error, "structure block offset %u is not 4-byte aligned", hdr->off_dt_struct);
  if ((guint64) hdr->off_dt_struct + hdr->size_dt_struct > total)
    return fail (error, "structure block (offset %u, size %u) extends beyond the blob size %u",
                 hdr->off_dt_struct, hdr->size_dt_struct, hdr->totalsize);
  if (hdr->size_dt_struct % 4 != 0)
    return fail (error, "structure block size %u is not a multiple of 4", hdr->size_dt_struct);
  if (hdr->off_dt_strings < hdr_size)
    return fail (error, "strings block offset %u lies inside the header", hdr->off_dt_strings);
  if ((guint64) hdr->off_dt_strings + hdr->size_dt_strings > total)
    return fail (error, "strings block (offset %u, size %u) extends beyond the blob size %u",
                 hdr->off_dt_strings, hdr->size_dt_strings, hdr->totalsize);

  blocks[0] = (Block) { "memory reservation map", hdr->off_mem_rsvmap, rsv_end };
  blocks[1] = (Block) { "structure block", hdr->off_dt_struct,
                        (guint64) hdr->off_dt_struct + hdr->size_dt_struct };
  blocks[2] = (Block) { "strings block", hdr->off_dt_strings,
                        (guint64) hdr->off_dt_strings + hdr->size_dt_strings };
  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (blocks); j++)
      {
        const Block *a = &blocks[i], *b = &blocks[j];

        if (a->start == a->end || b->start == b->end)
          continue;
        if (a->start < b->end && b->start < a->end)
          return fail (error, "%s [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") overlaps "
                       "%s [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")",
                       a->what, a->start, a->end, b->what, b->start, b->end);
      }
  return TRUE;
}

/* The structure block walk: every tag aligned and known, names terminated
 * inside the block, property lengths inside the block, name offsets inside
 * the strings block, nesting balanced and bounded, FDT_END last. */
static gboolean
check_struct (const KerfFdtHeader *hdr, const guint8 *data, GError **error)
{
  const guint8 *st = data + hdr->off_dt_struct;
  const char *strings = (const char *) data + hdr->off_dt_strings;
  guint64 size = hdr->size_dt_struct;
  guint64 pos = 0;
  int depth = 0;
  gboolean root_done = FALSE;

  for (;;)
    {
      guint32 tag;
      guint64 at = pos;

      if (pos + 4 > size)
        return fail (error, "structure block ends without FDT_END");
      tag = kerf_be32 (st + pos);
      pos += 4;

      switch (tag)
        {
        case KERF_FDT_BEGIN_NODE:
          {
            const guint8 *name = st + pos;
            const guint8 *nul = memchr (name, '\0', size - pos);
            gsize name_len;

            if (nul == NULL)
              return fail (error, "node name at structure offset %" G_GUINT64_FORMAT
                           " is not terminated inside the structure block", at);
            name_len = (gsize) (nul - name);
            if (root_done)
              return fail (error, "second root node at structure offset %" G_GUINT64_FORMAT, at);
            if (depth == 0 && name_len != 0)
              return fail (error, "root node name is \"%.*s\", not empty",
                           (int) MIN (name_len, 64), (const char *) name);
            if (depth > 0 && name_len == 0)
              return fail (error, "node at structure offset %" G_GUINT64_FORMAT " has an empty name",
                           at);
            if (depth > 0 && memchr (name, '/', name_len) != NULL)
              return fail (error, "node name \"%.*s\" contains '/'",
                           (int) MIN (name_len, 64), (const char *) name);
            if (++depth > KERF_DTB_MAX_DEPTH)
              return fail (error, "nodes nest deeper than %d levels", KERF_DTB_MAX_DEPTH);
            /* name + NUL, padded to 4; memchr bounded it by `size`. */
            pos += ((guint64) name_len + 1 + 3) & ~(guint64) 3;
            if (pos > size)
              return fail (error, "node name at structure offset %" G_GUINT64_FORMAT
                           " runs past the structure block", at);
            break;
          }

        case KERF_FDT_END_NODE:
          if (depth == 0)
            return fail (error, "FDT_END_NODE without a matching FDT_BEGIN_NODE at structure offset %"
                         G_GUINT64_FORMAT, at);
          if (--depth == 0)
            root_done = TRUE;
          break;

        case KERF_FDT_PROP:
          {
            guint32 len, nameoff;
            const char *nul;

            if (pos + 8 > size)
              return fail (error, "property header at structure offset %" G_GUINT64_FORMAT
                           " runs past the structure block", at);
            len = kerf_be32 (st + pos);
            nameoff = kerf_be32 (st + pos + 4);
            pos += 8;
            if (depth == 0)
              return fail (error, "property outside any node at structure offset %" G_GUINT64_FORMAT,
                           at);
            /* The 0xfffffff4 length that makes libfdt 1.6.1 loop ends here. */
            if ((guint64) len > size - pos)
              return fail (error, "property at structure offset %" G_GUINT64_FORMAT
                           " has length %u, beyond the end of the structure block", at, len);
            if (nameoff >= hdr->size_dt_strings)
              return fail (error, "property at structure offset %" G_GUINT64_FORMAT
                           " has name offset %u outside the strings block (size %u)",
                           at, nameoff, hdr->size_dt_strings);
            nul = memchr (strings + nameoff, '\0', hdr->size_dt_strings - nameoff);
            if (nul == NULL)
              return fail (error, "property name at strings offset %u is not terminated "
                           "inside the strings block", nameoff);
            if (nul == strings + nameoff)
              return fail (error, "property at structure offset %" G_GUINT64_FORMAT
                           " has an empty name", at);
            pos += ((guint64) len + 3) & ~(guint64) 3;
            if (pos > size)
              return fail (error, "property value at structure offset %" G_GUINT64_FORMAT
                           " runs past the structure block", at);
            break;
          }

        case KERF_FDT_NOP:
          break;

        case KERF_FDT_END:
          if (!root_done || depth != 0)
            return fail (error, "FDT_END at structure offset %" G_GUINT64_FORMAT
                         " before the root node is closed", at);
          return TRUE;

        default:
          return fail (error, "unknown tag 0x%08x at structure offset %" G_GUINT64_FORMAT, tag, at);
        }
    }
}

gboolean
kerf_dtb_check (const guint8 *data, gsize len, GError **error)
{
  KerfFdtHeader hdr;
  guint32 hdr_size;
  g_autofree guint8 *copy = NULL;
  const void *fdt;
  int err;

  if (data == NULL || len < KERF_FDT_V16_HEADER_SIZE)
    return fail (error, "%" G_GSIZE_FORMAT " bytes are too short for a header", len);
  if (kerf_be32 (data) != KERF_FDT_MAGIC)
    return fail (error, "bad magic 0x%08x (expected 0xd00dfeed)", kerf_be32 (data));
  /* Only 16 and 17 exist in practice; older layouts (full-path names,
   * 8-byte-aligned values) are what trips libfdt 1.6.1. */
  if (kerf_be32 (data + 20) != 16 && kerf_be32 (data + 20) != 17)
    return fail (error, "unsupported version %u (16 or 17 expected)", kerf_be32 (data + 20));
  if (kerf_be32 (data + 20) == 17 && len < KERF_FDT_V17_HEADER_SIZE)
    return fail (error, "%" G_GSIZE_FORMAT " bytes are too short for a version 17 header", len);

  kerf_fdt_header_load (data, &hdr);
  hdr_size = hdr.version >= 17 ? KERF_FDT_V17_HEADER_SIZE : KERF_FDT_V16_HEADER_SIZE;
  if (hdr.last_comp_version > 17 || hdr.last_comp_version > hdr.version)
    return fail (error, "last compatible version %u with version %u",
                 hdr.last_comp_version, hdr.version);
  if (hdr.totalsize > len)
    return fail (error, "total size %u exceeds the %" G_GSIZE_FORMAT " bytes given",
                 hdr.totalsize, len);
  if (hdr.totalsize < hdr_size)
    return fail (error, "total size %u is smaller than the header", hdr.totalsize);

  if (!check_blocks (&hdr, hdr_size, data, error))
    return FALSE;
  if (!check_struct (&hdr, data, error))
    return FALSE;

  /* libfdt >= 1.6 rejects blobs that are not 8-byte aligned. */
  fdt = data;
  if (((guintptr) data) % 8 != 0)
    {
      copy = g_memdup2 (data, hdr.totalsize);
      fdt = copy;
    }
  err = fdt_check_full (fdt, hdr.totalsize);
  if (err != 0)
    return fail (error, "%s", fdt_strerror (err));
  return TRUE;
}
