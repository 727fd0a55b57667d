/* kerf-dtb-private.h — helpers shared by the DTB reader, writer, checker
 * and the DTS printer.  Internal to src/libkerf/dt; not part of the API.
 */
#pragma once

#include <glib.h>
#include "kerf-dt.h"

G_BEGIN_DECLS

#define KERF_FDT_MAGIC        0xd00dfeedU
#define KERF_FDT_BEGIN_NODE   0x1U
#define KERF_FDT_END_NODE     0x2U
#define KERF_FDT_PROP         0x3U
#define KERF_FDT_NOP          0x4U
#define KERF_FDT_END          0x9U

/* Size of a version 17 header (a version 16 header stops 4 bytes earlier,
 * before size_dt_struct). */
#define KERF_FDT_V17_HEADER_SIZE 40U
#define KERF_FDT_V16_HEADER_SIZE 36U

/* Deepest node nesting a blob may have.  Real trees are under 10 deep; the
 * limit keeps recursive consumers (printer, writer, model) safe from
 * hostile blobs. */
#define KERF_DTB_MAX_DEPTH 128

/* Byte-wise big-endian loads: safe on any alignment. */
static inline guint32
kerf_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline guint64
kerf_be64 (const guint8 *p)
{
  return ((guint64) kerf_be32 (p) << 32) | kerf_be32 (p + 4);
}

static inline guint16
kerf_be16 (const guint8 *p)
{
  return (guint16) (((guint) p[0] << 8) | p[1]);
}

/* The header fields, host order. */
typedef struct {
  guint32 magic;
  guint32 totalsize;
  guint32 off_dt_struct;
  guint32 off_dt_strings;
  guint32 off_mem_rsvmap;
  guint32 version;
  guint32 last_comp_version;
  guint32 boot_cpuid_phys;
  guint32 size_dt_strings;
  guint32 size_dt_struct;   /* derived for version 16 blobs */
} KerfFdtHeader;

/* Fills `hdr` from a blob that kerf_dtb_check() accepted. */
void kerf_fdt_header_load (const guint8 *data, KerfFdtHeader *hdr);

/* How dtc 1.6.1 (treesource.c, guess_value_type) classifies a value that has
 * no type information: KERF_DT_MARK_TYPE_STRING when it is printable,
 * NUL-terminated text with no more NULs than other bytes,
 * KERF_DT_MARK_TYPE_U32 when the length is a multiple of 4, else
 * KERF_DT_MARK_TYPE_BYTES.  Label marks in `marks` (may be NULL) that are not
 * at a string or cell boundary rule out those types, as in dtc.  `len` > 0. */
KerfDtMarkKind kerf_dt_guess_value_type (const guint8 *p, gsize len, const GArray *marks);

G_END_DECLS
