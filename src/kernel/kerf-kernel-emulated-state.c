/* kerf-kernel-emulated-state.c — the emulated kernel's objects and its
 * private state file.
 *
 * The private state file is the source of truth (it holds what the real
 * kernel keeps only in memory: the undo journal of every transaction, the
 * placement of memory); each change rewrites it with one fsync.  The
 * mirror (device_tree, overlays/tx_N/..., instances/NAME/...) is derived
 * from it: kerf-kernel-emulated-mirror.c writes only what changed, without
 * fsync, and rebuilds it on open where it disagrees. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "kerf-emu-private.h"

/* ---- small containers ----------------------------------------------- */

static gint
range_cmp (gconstpointer a, gconstpointer b)
{
  const EmuRange *x = a, *y = b;
  return x->base < y->base ? -1 : x->base > y->base;
}

void
emu_range_sort (GArray *ranges)
{
  g_array_sort (ranges, range_cmp);
}

static gint
u64_cmp (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

void
emu_u64_sort (GArray *values)
{
  g_array_sort (values, u64_cmp);
}

gboolean
emu_u64_contains (const GArray *values, guint64 v)
{
  for (guint i = 0; i < values->len; i++)
    if (g_array_index (values, guint64, i) == v)
      return TRUE;
  return FALSE;
}

gboolean
emu_u64_remove (GArray *values, guint64 v)
{
  for (guint i = 0; i < values->len; i++)
    if (g_array_index (values, guint64, i) == v)
      {
        g_array_remove_index (values, i);
        return TRUE;
      }
  return FALSE;
}

void
emu_u64_insert (GArray *values, guint64 v)
{
  if (emu_u64_contains (values, v))
    return;
  g_array_append_val (values, v);
  emu_u64_sort (values);
}

EmuInstance *
emu_instance_new (const char *name, guint32 id)
{
  EmuInstance *inst = g_new0 (EmuInstance, 1);
  inst->name = g_strdup (name);
  inst->id = id;
  inst->status = g_strdup ("ready");
  inst->mem = g_array_new (FALSE, FALSE, sizeof (EmuRange));
  inst->cpus = g_array_new (FALSE, FALSE, sizeof (guint64));
  inst->numa_node = -1;
  return inst;
}

void
emu_instance_free (EmuInstance *inst)
{
  if (inst == NULL)
    return;
  g_free (inst->name);
  g_free (inst->status);
  g_array_unref (inst->mem);
  g_array_unref (inst->cpus);
  g_free (inst->kernel_sha256);
  g_free (inst->kernel_format);
  g_free (inst->cmdline);
  g_free (inst);
}

EmuInstance *
emu_find_instance (KerfEmu *emu, const char *name)
{
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      if (g_strcmp0 (inst->name, name) == 0)
        return inst;
    }
  return NULL;
}

EmuInstance *
emu_find_instance_by_id (KerfEmu *emu, guint32 id)
{
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      if (inst->id == id)
        return inst;
    }
  return NULL;
}

EmuPciDev *
emu_find_pci (KerfEmu *emu, const char *pci_id)
{
  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      if (g_ascii_strcasecmp (dev->pci_id, pci_id) == 0)
        return dev;
    }
  return NULL;
}

void
emu_pci_dev_free (EmuPciDev *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->pci_id);
  g_free (dev->alias);
  g_free (dev->owner);
  g_free (dev);
}

void
emu_plat_dev_free (EmuPlatDev *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->node_name);
  g_free (dev->device_name);
  g_free (dev->acpi_hid);
  g_free (dev->alias);
  g_free (dev);
}

EmuTx *
emu_tx_new (guint id)
{
  EmuTx *tx = g_new0 (EmuTx, 1);
  tx->id = id;
  tx->status = g_strdup ("pending");
  tx->instance = g_strdup ("unknown");
  tx->resources = g_strdup ("unknown");
  tx->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) emu_op_free);
  return tx;
}

void
emu_tx_free (EmuTx *tx)
{
  if (tx == NULL)
    return;
  g_free (tx->status);
  g_free (tx->instance);
  g_free (tx->resources);
  g_clear_pointer (&tx->dtbo, g_bytes_unref);
  g_ptr_array_unref (tx->ops);
  g_free (tx);
}

EmuTx *
emu_find_tx (KerfEmu *emu, guint id)
{
  for (guint i = 0; i < emu->txs->len; i++)
    {
      EmuTx *tx = g_ptr_array_index (emu->txs, i);
      if (tx->id == id)
        return tx;
    }
  return NULL;
}

EmuOp *
emu_op_new (EmuOpKind kind, const char *s, const char *t, guint64 a, guint64 b, guint32 u)
{
  EmuOp *op = g_new0 (EmuOp, 1);
  op->kind = kind;
  op->s = g_strdup (s);
  op->t = g_strdup (t);
  op->a = a;
  op->b = b;
  op->u = u;
  return op;
}

void
emu_op_free (EmuOp *op)
{
  if (op == NULL)
    return;
  g_free (op->s);
  g_free (op->t);
  g_free (op);
}

void
emu_set_message (KerfEmu *emu, const char *format, ...)
{
  va_list ap;
  g_free (emu->last_message);
  va_start (ap, format);
  emu->last_message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_debug ("emulated kernel: %s", emu->last_message);
}

void
emu_state_clear (KerfEmu *emu)
{
  emu->has_baseline = FALSE;
  g_array_set_size (emu->pool_cpus, 0);
  g_array_set_size (emu->chunks, 0);
  g_ptr_array_set_size (emu->pci, 0);
  g_ptr_array_set_size (emu->platform, 0);
  g_ptr_array_set_size (emu->instances, 0);
  g_ptr_array_set_size (emu->txs, 0);
  emu->next_tx = 1;
}

/* ---- serialisation --------------------------------------------------- */

static char *
u64_list_to_string (const GArray *values)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? "," : "",
                            g_array_index (values, guint64, i));
  return g_string_free (s, FALSE);
}

static gboolean
u64_parse (const char *s, guint64 *out)
{
  return g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out, NULL);
}

static gboolean
u64_list_from_string (const char *s, GArray *out)
{
  g_auto(GStrv) parts = NULL;

  g_array_set_size (out, 0);
  if (s == NULL || *s == '\0')
    return TRUE;
  parts = g_strsplit (s, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 v;
      if (!u64_parse (parts[i], &v))
        return FALSE;
      g_array_append_val (out, v);
    }
  return TRUE;
}

static char *
ranges_to_string (const GArray *ranges)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < ranges->len; i++)
    {
      const EmuRange *r = &g_array_index (ranges, EmuRange, i);
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%u",
                              i ? "," : "", r->base, r->size, r->numa);
    }
  return g_string_free (s, FALSE);
}

static gboolean
ranges_from_string (const char *s, GArray *out)
{
  g_auto(GStrv) parts = NULL;

  g_array_set_size (out, 0);
  if (s == NULL || *s == '\0')
    return TRUE;
  parts = g_strsplit (s, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (parts[i], ":", -1);
      EmuRange r;
      guint64 numa;
      if (g_strv_length (f) != 3 || !u64_parse (f[0], &r.base) || !u64_parse (f[1], &r.size)
          || !u64_parse (f[2], &numa) || numa > G_MAXUINT32)
        return FALSE;
      r.numa = (guint32) numa;
      g_array_append_val (out, r);
    }
  return TRUE;
}

/* ---- writing ------------------------------------------------------------
 *
 * The state file is key-file text that emu_state_from_data() reads with
 * GKeyFile.  It is written here directly, without a GKeyFile: a save per
 * transaction goes over thousands of groups, streamed into the file
 * (state_write()).  Values carry the escapes GKeyFile's reader
 * undoes: \s for a space (anywhere: no space is ever lost at an end), \t,
 * \n, \r, \\, and \; inside a list.
 *
 * Strings from blobs (target-path, mk,resources, aliases, device names) and
 * callers (cmdline) are any bytes but NUL, and a key file holds UTF-8 only:
 * one that is not valid UTF-8 is stored base64-encoded under KEY-base64
 * (and read back by opt_string()), so that any DTBO leaves a state file
 * that loads again. */
#define B64_SUFFIX "-base64"

static void
put_escaped (GString *out, const char *value, gboolean list)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      /* the run up to the next character to escape, in one append */
      gsize run = strcspn (p, list ? " \t\n\r\\;" : " \t\n\r\\");
      if (run > 0)
        {
          g_string_append_len (out, p, (gssize) run);
          p += run;
          if (*p == '\0')
            break;
        }
      switch (*p)
        {
        case ' ':  g_string_append (out, "\\s"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case ';':  g_string_append (out, list ? "\\;" : ";"); break;
        default:   g_string_append_c (out, *p); break;
        }
    }
}

static void
put_group (GString *out, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* A group header, after a blank line but for the first group and the
 * transactions' (the layout the file always had; not out->len, which a
 * streamed save empties at each flush). */
static void
put_group (GString *out, const char *format, ...)
{
  va_list ap;

  g_string_append_c (out, '[');
  va_start (ap, format);
  g_string_append_vprintf (out, format, ap);
  va_end (ap);
  g_string_append (out, "]\n");
}

static void
put_string (GString *out, const char *key, const char *value)
{
  if (value == NULL)
    return;
  if (g_utf8_validate (value, -1, NULL))
    {
      g_string_append_printf (out, "%s=", key);
      put_escaped (out, value, FALSE);
    }
  else
    {
      g_autofree char *b64 = g_base64_encode ((const guchar *) value, strlen (value));
      g_string_append_printf (out, "%s" B64_SUFFIX "=%s", key, b64);
    }
  g_string_append_c (out, '\n');
}

static void
put_u64 (GString *out, const char *key, guint64 value)
{
  g_string_append_printf (out, "%s=%" G_GUINT64_FORMAT "\n", key, value);
}

static void
put_bool (GString *out, const char *key, gboolean value)
{
  g_string_append_printf (out, "%s=%s\n", key, value ? "true" : "false");
}

/* An op's string field as two list items: the value and "0" (NULL), "1"
 * (as is) or "2" (base64, not UTF-8). */
static void
put_op_field (GString *out, const char *value)
{
  if (value == NULL)
    g_string_append (out, ";0;");
  else if (g_utf8_validate (value, -1, NULL))
    {
      put_escaped (out, value, TRUE);
      g_string_append (out, ";1;");
    }
  else
    {
      g_autofree char *b64 = g_base64_encode ((const guchar *) value, strlen (value));
      g_string_append_printf (out, "%s;2;", b64);
    }
}

/* The decoded bytes of a base64 string that must be a NUL-free C string. */
static char *
b64_string_decode (const char *b64)
{
  gsize n = 0;
  guchar *raw = g_base64_decode (b64, &n);
  char *out;

  if (memchr (raw, '\0', n) != NULL)
    {
      g_free (raw);
      return NULL;
    }
  out = g_strndup ((const char *) raw, n);
  g_free (raw);
  return out;
}

/* Decodes an op field; FALSE when the flag is unknown or the base64 text
 * does not decode to a string. */
static gboolean
op_field_decode (const char *text, const char *flag, char **out)
{
  *out = NULL;
  if (g_str_equal (flag, "0"))
    return TRUE;
  if (g_str_equal (flag, "1"))
    {
      *out = g_strdup (text);
      return TRUE;
    }
  if (g_str_equal (flag, "2"))
    return (*out = b64_string_decode (text)) != NULL;
  return FALSE;
}

/* One transaction's group.  Made again at each save rather than kept:
 * kept, the groups of a long history were most of the memory. */
static void
put_tx_group (GString *out, const EmuTx *tx)
{
  put_group (out, "tx %u", tx->id);
  put_string (out, "status", tx->status);
  put_string (out, "instance", tx->instance);
  put_string (out, "resources", tx->resources);
  if (tx->dtbo != NULL)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (tx->dtbo, &n);
      g_autofree char *b64 = g_base64_encode (p, n);
      /* base64 is ASCII without a character to escape */
      g_string_append (out, "dtbo=");
      g_string_append (out, b64);
      g_string_append_c (out, '\n');
    }
  put_u64 (out, "n-ops", tx->ops->len);
  for (guint j = 0; j < tx->ops->len; j++)
    {
      EmuOp *op = g_ptr_array_index (tx->ops, j);
      g_string_append_printf (out, "op%u=%s;", j, emu_op_kind_to_string (op->kind));
      put_op_field (out, op->s);
      put_op_field (out, op->t);
      g_string_append_printf (out, "%" G_GUINT64_FORMAT ";%" G_GUINT64_FORMAT ";%u;\n", op->a,
                              op->b, op->u);
    }
}

/* Where serialised text goes when it is not kept whole: a save streams the
 * state file through a small buffer into the temporary file, comparing it
 * with the file in place as it goes, so that no copy of the whole file is
 * ever in memory and none is kept between saves. */
#define SINK_CHUNK (64 * 1024)

typedef struct {
  int      fd;         /* the temporary file, or -1: compare only */
  int      old_fd;     /* the state file in place, or -1 */
  gboolean same;       /* so far equal to the file in place */
  guint8  *old_buf;    /* SINK_CHUNK + slack, for reading it back */
  gsize    old_buf_len;
  guint64  len;
  int      err;        /* errno of the first failed write, or 0 */
} Sink;

static void
sink_compare (Sink *sink, const char *data, gsize len)
{
  gsize done = 0;

  if (sink->old_fd < 0)
    sink->same = FALSE;
  if (!sink->same || len == 0)
    return;
  if (sink->old_buf_len < len)
    {
      g_free (sink->old_buf);
      sink->old_buf = g_malloc (len);
      sink->old_buf_len = len;
    }
  while (sink->same && done < len)
    {
      ssize_t n = pread (sink->old_fd, sink->old_buf + done, len - done,
                         (off_t) (sink->len + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        sink->same = FALSE;
      else
        done += (gsize) n;
    }
  if (sink->same && memcmp (sink->old_buf, data, len) != 0)
    sink->same = FALSE;
}

static void
sink_flush (Sink *sink, GString *out)
{
  gsize done = 0;

  sink_compare (sink, out->str, out->len);
  sink->len += out->len;
  while (sink->fd >= 0 && sink->err == 0 && done < out->len)
    {
      ssize_t n = write (sink->fd, out->str + done, out->len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        sink->err = errno;
      else
        done += (gsize) n;
    }
  g_string_truncate (out, 0);
}

static void
sink_maybe_flush (Sink *sink, GString *out)
{
  if (sink != NULL && out->len >= SINK_CHUNK)
    sink_flush (sink, out);
}

/* The state as key-file text into `out`, flushed into `sink` as it grows
 * when there is one; the transactions and the counter only `with_txs`. */
static void
state_write (KerfEmu *emu, gboolean with_txs, GString *out, Sink *sink)
{
  g_autofree char *cpus = u64_list_to_string (emu->pool_cpus);
  g_autofree char *chunks = ranges_to_string (emu->chunks);

  put_group (out, "kernel");
  put_bool (out, "has-baseline", emu->has_baseline);
  if (with_txs)
    put_u64 (out, "next-tx", emu->next_tx);
  put_string (out, "pool-cpus", cpus);
  put_string (out, "chunks", chunks);

  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      g_string_append_c (out, '\n');
      put_group (out, "pci %s", dev->pci_id);
      put_u64 (out, "vendor-id", dev->vendor_id);
      put_u64 (out, "device-id", dev->device_id);
      put_string (out, "alias", dev->alias);
      put_string (out, "owner", dev->owner);
      sink_maybe_flush (sink, out);
    }
  for (guint i = 0; i < emu->platform->len; i++)
    {
      EmuPlatDev *dev = g_ptr_array_index (emu->platform, i);
      g_string_append_c (out, '\n');
      put_group (out, "platform %u", i);
      put_string (out, "node", dev->node_name);
      put_string (out, "device-name", dev->device_name);
      put_string (out, "acpi-hid", dev->acpi_hid);
      put_string (out, "alias", dev->alias);
      sink_maybe_flush (sink, out);
    }
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      g_autofree char *mem = ranges_to_string (inst->mem);
      g_autofree char *icpus = u64_list_to_string (inst->cpus);
      g_string_append_c (out, '\n');
      put_group (out, "instance %s", inst->name);
      put_u64 (out, "id", inst->id);
      put_string (out, "status", inst->status);
      put_string (out, "memory", mem);
      put_string (out, "cpus", icpus);
      g_string_append_printf (out, "numa-node=%d\n", inst->numa_node);
      if (inst->kernel_sha256 != NULL)
        {
          put_u64 (out, "kernel-size", inst->kernel_size);
          put_string (out, "kernel-sha256", inst->kernel_sha256);
          put_string (out, "kernel-format", inst->kernel_format);
          put_u64 (out, "initrd-size", inst->initrd_size);
          put_string (out, "cmdline", inst->cmdline);
          put_bool (out, "debug", inst->debug);
        }
      sink_maybe_flush (sink, out);
    }
  for (guint i = 0; with_txs && i < emu->txs->len; i++)
    {
      put_tx_group (out, g_ptr_array_index (emu->txs, i));
      sink_maybe_flush (sink, out);
    }
  if (sink != NULL)
    sink_flush (sink, out);
}

char *
emu_state_to_data (KerfEmu *emu, gsize *len)
{
  GString *out = g_string_new (NULL);

  state_write (emu, TRUE, out, NULL);
  *len = out->len;
  return g_string_free (out, FALSE);
}

char *
emu_state_snapshot (KerfEmu *emu, gsize *len)
{
  GString *out = g_string_new (NULL);

  state_write (emu, FALSE, out, NULL);
  *len = out->len;
  return g_string_free (out, FALSE);
}

void
emu_digest (const void *data, gsize len, guint8 *out)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = EMU_DIGEST_LEN;

  g_checksum_update (sum, data, (gssize) len);
  g_checksum_get_digest (sum, out, &n);
}

static gboolean
corrupt (GError **error, const char *what)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
               "emulated kernel state file is corrupt: %s", what);
  return FALSE;
}

/* ---- reading ------------------------------------------------------------ */

/* KEY, or KEY-base64 (see put_string()); NULL when neither is there. */
static char *
opt_string (GKeyFile *kf, const char *group, const char *key)
{
  g_autofree char *b64_key = NULL, *b64 = NULL;

  if (g_key_file_has_key (kf, group, key, NULL))
    return g_key_file_get_string (kf, group, key, NULL);
  b64_key = g_strconcat (key, B64_SUFFIX, NULL);
  b64 = g_key_file_get_string (kf, group, b64_key, NULL);
  return b64 != NULL ? b64_string_decode (b64) : NULL;
}

static gboolean
load_tx (KerfEmu *emu, GKeyFile *kf, const char *group, guint id, GError **error)
{
  EmuTx *tx = emu_tx_new (id);
  g_autofree char *b64 = opt_string (kf, group, "dtbo");
  guint64 n_ops = g_key_file_get_uint64 (kf, group, "n-ops", NULL);

  g_ptr_array_add (emu->txs, tx);
  g_free (tx->status);
  g_free (tx->instance);
  g_free (tx->resources);
  tx->status = opt_string (kf, group, "status");
  tx->instance = opt_string (kf, group, "instance");
  tx->resources = opt_string (kf, group, "resources");
  if (tx->status == NULL || tx->instance == NULL || tx->resources == NULL)
    return corrupt (error, group);
  if (b64 != NULL)
    {
      gsize n;
      guchar *raw = g_base64_decode (b64, &n);
      tx->dtbo = g_bytes_new_take (raw, n);
    }
  for (guint64 j = 0; j < n_ops && j < 100000; j++)
    {
      g_autofree char *key = g_strdup_printf ("op%" G_GUINT64_FORMAT, j);
      gsize nf = 0;
      g_auto(GStrv) f = g_key_file_get_string_list (kf, group, key, &nf, NULL);
      g_autofree char *s = NULL, *t = NULL;
      EmuOpKind kind;
      guint64 a, b, u;
      if (f == NULL || nf != 8 || !emu_op_kind_from_string (f[0], &kind)
          || !op_field_decode (f[1], f[2], &s) || !op_field_decode (f[3], f[4], &t)
          || !u64_parse (f[5], &a) || !u64_parse (f[6], &b) || !u64_parse (f[7], &u)
          || u > G_MAXUINT32)
        return corrupt (error, key);
      g_ptr_array_add (tx->ops, emu_op_new (kind, s, t, a, b, (guint32) u));
    }
  return TRUE;
}

/* `keep_txs`: the text is a snapshot (emu_state_snapshot()); the
 * transactions and the counter stay as they are. */
static gboolean
state_from_data (KerfEmu *emu, const char *data, gsize len, gboolean keep_txs, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_autofree char *cpus = NULL, *chunks = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error))
    return FALSE;
  if (keep_txs)
    {
      g_array_set_size (emu->pool_cpus, 0);
      g_array_set_size (emu->chunks, 0);
      g_ptr_array_set_size (emu->pci, 0);
      g_ptr_array_set_size (emu->platform, 0);
      g_ptr_array_set_size (emu->instances, 0);
    }
  else
    {
      emu_state_clear (emu);
      emu->next_tx = (guint) g_key_file_get_uint64 (kf, "kernel", "next-tx", NULL);
      if (emu->next_tx == 0)
        emu->next_tx = 1;
    }
  emu->has_baseline = g_key_file_get_boolean (kf, "kernel", "has-baseline", NULL);
  cpus = opt_string (kf, "kernel", "pool-cpus");
  chunks = opt_string (kf, "kernel", "chunks");
  if (!u64_list_from_string (cpus, emu->pool_cpus) || !ranges_from_string (chunks, emu->chunks))
    return corrupt (error, "pool");

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *g = groups[i];
      if (g_str_has_prefix (g, "pci "))
        {
          EmuPciDev *dev = g_new0 (EmuPciDev, 1);
          dev->pci_id = g_strdup (g + 4);
          dev->vendor_id = (guint32) g_key_file_get_uint64 (kf, g, "vendor-id", NULL);
          dev->device_id = (guint32) g_key_file_get_uint64 (kf, g, "device-id", NULL);
          dev->alias = opt_string (kf, g, "alias");
          dev->owner = opt_string (kf, g, "owner");
          g_ptr_array_add (emu->pci, dev);
        }
      else if (g_str_has_prefix (g, "platform "))
        {
          EmuPlatDev *dev = g_new0 (EmuPlatDev, 1);
          dev->node_name = opt_string (kf, g, "node");
          dev->device_name = opt_string (kf, g, "device-name");
          dev->acpi_hid = opt_string (kf, g, "acpi-hid");
          dev->alias = opt_string (kf, g, "alias");
          g_ptr_array_add (emu->platform, dev);
          if (dev->node_name == NULL)
            return corrupt (error, g);
        }
      else if (g_str_has_prefix (g, "instance "))
        {
          EmuInstance *inst = emu_instance_new (g + 9, 0);
          g_autofree char *mem = opt_string (kf, g, "memory");
          g_autofree char *icpus = opt_string (kf, g, "cpus");
          g_ptr_array_add (emu->instances, inst);
          inst->id = (guint32) g_key_file_get_uint64 (kf, g, "id", NULL);
          g_free (inst->status);
          inst->status = opt_string (kf, g, "status");
          inst->numa_node = (gint32) g_key_file_get_int64 (kf, g, "numa-node", NULL);
          if (inst->status == NULL || !ranges_from_string (mem, inst->mem)
              || !u64_list_from_string (icpus, inst->cpus))
            return corrupt (error, g);
          inst->kernel_sha256 = opt_string (kf, g, "kernel-sha256");
          if (inst->kernel_sha256 != NULL)
            {
              inst->kernel_size = g_key_file_get_uint64 (kf, g, "kernel-size", NULL);
              inst->kernel_format = opt_string (kf, g, "kernel-format");
              inst->initrd_size = g_key_file_get_uint64 (kf, g, "initrd-size", NULL);
              inst->cmdline = opt_string (kf, g, "cmdline");
              inst->debug = g_key_file_get_boolean (kf, g, "debug", NULL);
            }
        }
      else if (g_str_has_prefix (g, "tx ") && !keep_txs)
        {
          guint64 id;
          if (!u64_parse (g + 3, &id) || id == 0 || id > G_MAXUINT)
            return corrupt (error, g);
          if (!load_tx (emu, kf, g, (guint) id, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
emu_state_from_data (KerfEmu *emu, const char *data, gsize len, GError **error)
{
  return state_from_data (emu, data, len, FALSE, error);
}

void
emu_state_restore (KerfEmu *emu, const char *snapshot, gsize len)
{
  g_autoptr(GError) error = NULL;

  if (!state_from_data (emu, snapshot, len, TRUE, &error))
    g_critical ("emulated kernel: cannot restore state: %s", error->message);
}

/* ---- saving -----------------------------------------------------------
 *
 * The private state file is the one durable write of a save: streamed into
 * a temporary file (state_write()), fsynced, renamed over the old one (the
 * directory is fsynced too the first time, when the name is new).  A crash
 * leaves the old file or the new one, never a part.  A save whose text
 * equals the file in place (compared as it is streamed: reading back from
 * the page cache costs less than any digest, and nothing is kept between
 * saves) renames nothing and fsyncs nothing: the temporary file is
 * dropped. */

static gboolean
save_error (GError **error, const char *what, const char *path, int errnum)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot %s %s: %s", what, path,
               g_strerror (errnum));
  return FALSE;
}

/* Serialises the state into `fd` (-1: nowhere); TRUE in `*same` when it
 * equals the state file in place (`path`), byte for byte. */
static int
state_stream (KerfEmu *emu, const char *path, int fd, gboolean *same)
{
  GString *buf = g_string_sized_new (SINK_CHUNK + 4096);
  Sink sink = { fd, open (path, O_RDONLY | O_CLOEXEC), TRUE, NULL, 0, 0, 0 };
  struct stat st;

  state_write (emu, TRUE, buf, &sink);
  /* and the file has nothing more */
  *same = sink.same && fstat (sink.old_fd, &st) == 0 && (guint64) st.st_size == sink.len;
  if (sink.old_fd >= 0)
    close (sink.old_fd);
  g_free (sink.old_buf);
  g_string_free (buf, TRUE);
  return sink.err;
}

static gboolean
write_state_file (KerfEmu *emu, GError **error)
{
  g_autofree char *path = g_build_filename (emu->dir, KERF_EMU_STATE_FILE, NULL);
  /* a fixed name: a leftover of a crash is overwritten next time */
  g_autofree char *tmp = g_build_filename (emu->dir, "." KERF_EMU_STATE_FILE ".tmp", NULL);
  gboolean is_new, same;
  int fd, err;

  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      /* a directory that cannot be written to is fine while nothing changes */
      err = errno;
      (void) state_stream (emu, path, -1, &same);
      return same || save_error (error, "create", tmp, err);
    }
  err = state_stream (emu, path, fd, &same);
  if (err == 0 && same)
    {
      close (fd);
      (void) unlink (tmp);
      return TRUE;
    }
  emu->io.files_written++;
  emu->io.fsyncs++;
  if (err == 0 && fsync (fd) != 0)
    err = errno;
  if (close (fd) != 0 && err == 0)
    err = errno;
  if (err != 0)
    {
      (void) unlink (tmp);
      return save_error (error, "write", tmp, err);
    }
  is_new = !g_file_test (path, G_FILE_TEST_EXISTS);
  if (rename (tmp, path) != 0)
    {
      err = errno;
      (void) unlink (tmp);
      return save_error (error, "rename", tmp, err);
    }
  if (is_new)
    {
      int dfd = open (emu->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0)
        {
          emu->io.fsyncs++;
          (void) fsync (dfd);
          close (dfd);
        }
    }
  return TRUE;
}

gboolean
emu_state_save (KerfEmu *emu, GError **error)
{
  if (g_mkdir_with_parents (emu->dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot create %s: %s", emu->dir,
                   g_strerror (saved));
      return FALSE;
    }
  return write_state_file (emu, error) && emu_mirror_sync (emu, error);
}

gboolean
emu_state_load (KerfEmu *emu, GError **error)
{
  g_autofree char *path = g_build_filename (emu->dir, KERF_EMU_STATE_FILE, NULL);
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  return emu_state_from_data (emu, data, len, error);
}
