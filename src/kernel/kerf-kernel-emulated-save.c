/* kerf-kernel-emulated-save.c — writing the emulated kernel's private
 * state file (kerf-kernel-emulated-state.c reads it back).
 *
 * A save streams the key-file text through a small buffer into a temporary
 * file, comparing it with the file in place as it goes; an equal file is
 * left alone, a different one is replaced by rename after an fsync.  No
 * copy of the file, nor of any part of it, is kept between saves. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "kerf-emu-private.h"

static char *
u64_list_to_string (const GArray *values)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? "," : "",
                            g_array_index (values, guint64, i));
  return g_string_free (s, FALSE);
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
      g_string_append_printf (out, "%s" KERF_EMU_B64_SUFFIX "=%s", key, b64);
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
