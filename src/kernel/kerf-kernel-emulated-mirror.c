/* kerf-kernel-emulated-mirror.c — the mirror directory a person (or the
 * sysfs backend in tests) can inspect: device_tree, overlays/new,
 * overlays/tx_N/{id,status,instance,resources,dtbo},
 * instances/NAME/{id,status,device_tree,device_tree_source}.
 *
 * The private state file is the source of truth; the mirror is derived from
 * it and never read back.  So a save touches only what changed since the
 * last save (a new tx_N, the instances whose files differ, device_tree),
 * each file written to a temporary name and renamed over the old one, and
 * nothing is fsynced: after a crash the mirror may lag behind the state
 * file, and the first save after an open (emu->mirror_synced FALSE)
 * compares every mirror file with what it must hold and rewrites the ones
 * that disagree, removing what has no object any more. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "kerf-emu-private.h"

static gboolean
io_error (GError **error, const char *what, const char *path, int errnum)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot %s %s: %s", what, path,
               g_strerror (errnum));
  return FALSE;
}

gboolean
emu_write_atomic (KerfEmu *emu, const char *path, const void *data, gsize len, gboolean durable,
                  GError **error)
{
  g_autofree char *tmp = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  const guint8 *p = data;
  gsize done = 0;
  int fd;

  /* a fixed name: a leftover of a crash is overwritten next time */
  tmp = g_strdup_printf ("%s/.%s.tmp", dir, base);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error (error, "create", tmp, errno);
  while (done < len)
    {
      ssize_t n = write (fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          (void) unlink (tmp);
          return io_error (error, "write", tmp, saved);
        }
      done += (gsize) n;
    }
  emu->io.files_written++;
  if (durable)
    emu->io.fsyncs++;
  if (durable && fsync (fd) != 0)
    {
      int saved = errno;
      close (fd);
      (void) unlink (tmp);
      return io_error (error, "fsync", tmp, saved);
    }
  if (close (fd) != 0)
    {
      int saved = errno;
      (void) unlink (tmp);
      return io_error (error, "write", tmp, saved);
    }
  if (rename (tmp, path) != 0)
    {
      int saved = errno;
      (void) unlink (tmp);
      return io_error (error, "rename", tmp, saved);
    }
  return TRUE;
}

/* `check`: compare with the file first and leave it alone when it already
 * holds `data` (the full pass after an open). */
static gboolean
put_file (KerfEmu *emu, const char *dir, const char *name, const void *data, gsize len,
          gboolean check, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (check)
    {
      g_autofree char *old = NULL;
      gsize old_len = 0;

      emu->io.files_read++;
      /* empty data may come as NULL (an empty GBytes): no memcmp then */
      if (g_file_get_contents (path, &old, &old_len, NULL) && old_len == len
          && (len == 0 || memcmp (old, data, len) == 0))
        return TRUE;
    }
  return emu_write_atomic (emu, path, data, len, FALSE, error);
}

static gboolean
put_text (KerfEmu *emu, const char *dir, const char *name, const char *text, gboolean check,
          GError **error)
{
  g_autofree char *line = g_strdup_printf ("%s\n", text);
  return put_file (emu, dir, name, line, strlen (line), check, error);
}

static gboolean
put_bytes (KerfEmu *emu, const char *dir, const char *name, GBytes *bytes, gboolean check,
           GError **error)
{
  gsize n = 0;
  const void *p = bytes != NULL ? g_bytes_get_data (bytes, &n) : "";
  return put_file (emu, dir, name, p, n, check, error);
}

/* Removes a mirror directory that one level of plain files fills. */
static void
remove_flat_dir (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (path, name, NULL);
        (void) g_unlink (p);
      }
  (void) g_rmdir (path);
}

static gboolean
ensure_dir (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    return io_error (error, "create", path, errno);
  return TRUE;
}

/* ---- instances --------------------------------------------------------- */

/* What an instance's mirror files are made of (build_instance() in
 * kerf-kernel-emulated-trees.c, and the status): equal signatures, equal
 * files; only its digest is kept.  `owned` maps an instance name to its
 * PCI devices' part. */
static void
instance_signature (const EmuInstance *inst, GHashTable *owned, guint8 *digest)
{
  GString *s = g_string_new (NULL);
  GString *devs = g_hash_table_lookup (owned, inst->name);

  g_string_append_printf (s, "%u|%s|", inst->id, inst->status);
  for (guint i = 0; i < inst->mem->len; i++)
    {
      const EmuRange *r = &g_array_index (inst->mem, EmuRange, i);
      g_string_append_printf (s, "%" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x,", r->base,
                              r->size);
    }
  g_string_append_c (s, '|');
  for (guint i = 0; i < inst->cpus->len; i++)
    g_string_append_printf (s, "%" G_GINT64_MODIFIER "x,", g_array_index (inst->cpus, guint64, i));
  g_string_append_c (s, '|');
  if (devs != NULL)
    g_string_append_len (s, devs->str, (gssize) devs->len);
  emu_digest (s->str, s->len, digest);
  g_string_free (s, TRUE);
}

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static gboolean
mirror_instance (KerfEmu *emu, const char *idir, const EmuInstance *inst, gboolean check,
                 GError **error)
{
  g_autofree char *p = g_build_filename (idir, inst->name, NULL);
  g_autofree char *id = g_strdup_printf ("%u", inst->id);
  g_autoptr(GBytes) tree = emu_instance_tree (emu, inst);
  g_autofree char *dts = emu_blob_to_dts (tree);

  return ensure_dir (p, error)
         && put_text (emu, p, "id", id, check, error)
         && put_text (emu, p, "status", inst->status, check, error)
         && put_bytes (emu, p, "device_tree", tree, check, error)
         && put_file (emu, p, "device_tree_source", dts != NULL ? dts : "",
                      dts != NULL ? strlen (dts) : 0, check, error);
}

static gboolean
mirror_instances (KerfEmu *emu, gboolean full, GError **error)
{
  g_autofree char *idir = g_build_filename (emu->dir, "instances", NULL);
  g_autoptr(GHashTable) owned = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       string_free);
  g_autoptr(GHashTable) live = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      g_hash_table_add (live, inst->name);
    }
  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      GString *s;
      if (dev->owner == NULL)
        continue;
      s = g_hash_table_lookup (owned, dev->owner);
      if (s == NULL)
        g_hash_table_insert (owned, dev->owner, s = g_string_new (NULL));
      g_string_append_printf (s, "%s/%x/%x/%s;", dev->pci_id, dev->vendor_id, dev->device_id,
                              dev->alias != NULL ? dev->alias : "");
    }

  if (full)
    {
      g_autoptr(GDir) d = NULL;
      const char *name;

      g_hash_table_remove_all (emu->mirrored_inst);
      if (!ensure_dir (idir, error) || (d = g_dir_open (idir, 0, error)) == NULL)
        return FALSE;
      while ((name = g_dir_read_name (d)) != NULL)
        if (!g_hash_table_contains (live, name))
          {
            g_autofree char *p = g_build_filename (idir, name, NULL);
            remove_flat_dir (p);
          }
    }
  else
    {
      g_hash_table_iter_init (&iter, emu->mirrored_inst);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (live, key))
          {
            g_autofree char *p = g_build_filename (idir, key, NULL);
            remove_flat_dir (p);
            g_hash_table_iter_remove (&iter);
          }
    }

  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      const guint8 *done = g_hash_table_lookup (emu->mirrored_inst, inst->name);
      guint8 sig[EMU_DIGEST_LEN];

      instance_signature (inst, owned, sig);
      if (done != NULL && memcmp (done, sig, EMU_DIGEST_LEN) == 0)
        continue;
      if (!mirror_instance (emu, idir, inst, full, error))
        return FALSE;
      g_hash_table_replace (emu->mirrored_inst, g_strdup (inst->name),
                            g_memdup2 (sig, EMU_DIGEST_LEN));
    }
  return TRUE;
}

/* ---- overlays ---------------------------------------------------------- */

static gboolean
mirror_tx (KerfEmu *emu, const char *odir, const EmuTx *tx, gboolean check, GError **error)
{
  g_autofree char *tname = g_strdup_printf ("tx_%u", tx->id);
  g_autofree char *p = g_build_filename (odir, tname, NULL);
  g_autofree char *id = g_strdup_printf ("%u", tx->id);

  return ensure_dir (p, error)
         && put_text (emu, p, "id", id, check, error)
         && put_text (emu, p, "status", tx->status, check, error)
         && put_text (emu, p, "instance", tx->instance, check, error)
         && put_text (emu, p, "resources", tx->resources, check, error)
         && put_bytes (emu, p, "dtbo", tx->dtbo, check, error);
}

static gboolean
mirror_overlays (KerfEmu *emu, gboolean full, GError **error)
{
  g_autofree char *odir = g_build_filename (emu->dir, "overlays", NULL);
  g_autoptr(GHashTable) live = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < emu->txs->len; i++)
    g_hash_table_add (live, GUINT_TO_POINTER (((EmuTx *) g_ptr_array_index (emu->txs, i))->id));

  if (full)
    {
      g_autofree char *newp = g_build_filename (odir, "new", NULL);
      g_autoptr(GDir) d = NULL;
      const char *name;

      g_hash_table_remove_all (emu->mirrored_tx);
      if (!ensure_dir (odir, error))
        return FALSE;
      if (!g_file_test (newp, G_FILE_TEST_EXISTS)
          && !put_file (emu, odir, "new", "", 0, FALSE, error))
        return FALSE;
      if ((d = g_dir_open (odir, 0, error)) == NULL)
        return FALSE;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          guint64 id;
          if (g_str_has_prefix (name, "tx_")
              && (!g_ascii_string_to_unsigned (name + 3, 10, 1, G_MAXUINT, &id, NULL)
                  || !g_hash_table_contains (live, GUINT_TO_POINTER ((guint) id))))
            {
              g_autofree char *p = g_build_filename (odir, name, NULL);
              remove_flat_dir (p);
            }
        }
    }
  else
    {
      g_hash_table_iter_init (&iter, emu->mirrored_tx);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (live, key))
          {
            g_autofree char *tname = g_strdup_printf ("tx_%u", GPOINTER_TO_UINT (key));
            g_autofree char *p = g_build_filename (odir, tname, NULL);
            remove_flat_dir (p);
            g_hash_table_iter_remove (&iter);
          }
    }

  for (guint i = 0; i < emu->txs->len; i++)
    {
      EmuTx *tx = g_ptr_array_index (emu->txs, i);
      /* The EmuTx remembers what its files hold: one made under an id
       * that came back starts with nothing mirrored.  The full pass trusts
       * no memory and compares with the files. */
      const char *done = full ? NULL : tx->mirrored_status;

      if (done != NULL && g_strcmp0 (done, tx->status) == 0)
        continue;
      if (done != NULL)
        {
          /* only the status of a transaction ever changes */
          g_autofree char *tname = g_strdup_printf ("tx_%u", tx->id);
          g_autofree char *p = g_build_filename (odir, tname, NULL);
          if (!put_text (emu, p, "status", tx->status, FALSE, error))
            return FALSE;
        }
      else if (!mirror_tx (emu, odir, tx, full, error))
        return FALSE;
      tx->mirrored_status = g_intern_string (tx->status);
      g_hash_table_add (emu->mirrored_tx, GUINT_TO_POINTER (tx->id));
    }
  return TRUE;
}

gboolean
emu_mirror_sync (KerfEmu *emu, GError **error)
{
  gboolean full = !emu->mirror_synced;
  g_autoptr(GBytes) pool = emu->has_baseline ? emu_pool_tree (emu) : g_bytes_new (NULL, 0);
  gsize n = 0;
  const void *p = g_bytes_get_data (pool, &n);
  guint8 digest[EMU_DIGEST_LEN];

  emu_digest (p != NULL ? p : "", n, digest);
  if (full || !emu->mirrored_pool_valid
      || memcmp (digest, emu->mirrored_pool, EMU_DIGEST_LEN) != 0)
    {
      emu->mirrored_pool_valid = FALSE;
      if (!put_bytes (emu, emu->dir, "device_tree", pool, full, error))
        return FALSE;
      memcpy (emu->mirrored_pool, digest, EMU_DIGEST_LEN);
      emu->mirrored_pool_valid = TRUE;
    }
  /* A failure leaves the caches as far as they are true; the next save
   * goes over everything again. */
  emu->mirror_synced = FALSE;
  if (!mirror_overlays (emu, full, error) || !mirror_instances (emu, full, error))
    return FALSE;
  emu->mirror_synced = TRUE;
  return TRUE;
}
