/* kerf-kernel-emulated-state.c — the emulated kernel's objects, its private
 * state file and the mirror directory a person can inspect.
 *
 * The private state file is the source of truth (it holds what the real
 * kernel keeps only in memory: the undo journal of every transaction, the
 * placement of memory).  The mirror (device_tree, overlays/tx_N/...,
 * instances/NAME/...) is regenerated from it after every change. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Strings from blobs (target-path, mk,resources, aliases, device names) and
 * callers (cmdline) are any bytes but NUL, and a key file holds UTF-8 only:
 * one that is not valid UTF-8 is stored base64-encoded under KEY-base64
 * (and read back by opt_string()), so that any DTBO leaves a state file
 * that loads again. */
#define B64_SUFFIX "-base64"

static void
set_string (GKeyFile *kf, const char *group, const char *key, const char *value)
{
  g_autofree char *b64 = NULL, *b64_key = NULL;

  if (value == NULL)
    return;
  if (g_utf8_validate (value, -1, NULL))
    {
      g_key_file_set_string (kf, group, key, value);
      return;
    }
  b64 = g_base64_encode ((const guchar *) value, strlen (value));
  b64_key = g_strconcat (key, B64_SUFFIX, NULL);
  g_key_file_set_string (kf, group, b64_key, b64);
}

/* An op's string field as two list items: the value and "0" (NULL), "1"
 * (as is) or "2" (base64, not UTF-8). */
static void
op_field_encode (const char *value, char **text, const char **flag)
{
  if (value == NULL)
    *text = g_strdup (""), *flag = "0";
  else if (g_utf8_validate (value, -1, NULL))
    *text = g_strdup (value), *flag = "1";
  else
    *text = g_base64_encode ((const guchar *) value, strlen (value)), *flag = "2";
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

char *
emu_state_to_data (KerfEmu *emu, gsize *len)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *cpus = u64_list_to_string (emu->pool_cpus);
  g_autofree char *chunks = ranges_to_string (emu->chunks);

  g_key_file_set_boolean (kf, "kernel", "has-baseline", emu->has_baseline);
  g_key_file_set_uint64 (kf, "kernel", "next-tx", emu->next_tx);
  set_string (kf, "kernel", "pool-cpus", cpus);
  set_string (kf, "kernel", "chunks", chunks);

  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      g_autofree char *group = g_strdup_printf ("pci %s", dev->pci_id);
      g_key_file_set_uint64 (kf, group, "vendor-id", dev->vendor_id);
      g_key_file_set_uint64 (kf, group, "device-id", dev->device_id);
      set_string (kf, group, "alias", dev->alias);
      set_string (kf, group, "owner", dev->owner);
    }
  for (guint i = 0; i < emu->platform->len; i++)
    {
      EmuPlatDev *dev = g_ptr_array_index (emu->platform, i);
      g_autofree char *group = g_strdup_printf ("platform %u", i);
      set_string (kf, group, "node", dev->node_name);
      set_string (kf, group, "device-name", dev->device_name);
      set_string (kf, group, "acpi-hid", dev->acpi_hid);
      set_string (kf, group, "alias", dev->alias);
    }
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      g_autofree char *group = g_strdup_printf ("instance %s", inst->name);
      g_autofree char *mem = ranges_to_string (inst->mem);
      g_autofree char *icpus = u64_list_to_string (inst->cpus);
      g_key_file_set_uint64 (kf, group, "id", inst->id);
      set_string (kf, group, "status", inst->status);
      set_string (kf, group, "memory", mem);
      set_string (kf, group, "cpus", icpus);
      g_key_file_set_int64 (kf, group, "numa-node", inst->numa_node);
      if (inst->kernel_sha256 != NULL)
        {
          g_key_file_set_uint64 (kf, group, "kernel-size", inst->kernel_size);
          set_string (kf, group, "kernel-sha256", inst->kernel_sha256);
          set_string (kf, group, "kernel-format", inst->kernel_format);
          g_key_file_set_uint64 (kf, group, "initrd-size", inst->initrd_size);
          set_string (kf, group, "cmdline", inst->cmdline);
          g_key_file_set_boolean (kf, group, "debug", inst->debug);
        }
    }
  for (guint i = 0; i < emu->txs->len; i++)
    {
      EmuTx *tx = g_ptr_array_index (emu->txs, i);
      g_autofree char *group = g_strdup_printf ("tx %u", tx->id);
      set_string (kf, group, "status", tx->status);
      set_string (kf, group, "instance", tx->instance);
      set_string (kf, group, "resources", tx->resources);
      if (tx->dtbo != NULL)
        {
          gsize n;
          const guint8 *p = g_bytes_get_data (tx->dtbo, &n);
          g_autofree char *b64 = g_base64_encode (p, n);
          g_key_file_set_string (kf, group, "dtbo", b64);
        }
      g_key_file_set_uint64 (kf, group, "n-ops", tx->ops->len);
      for (guint j = 0; j < tx->ops->len; j++)
        {
          EmuOp *op = g_ptr_array_index (tx->ops, j);
          g_autofree char *key = g_strdup_printf ("op%u", j);
          g_autofree char *a = g_strdup_printf ("%" G_GUINT64_FORMAT, op->a);
          g_autofree char *b = g_strdup_printf ("%" G_GUINT64_FORMAT, op->b);
          g_autofree char *u = g_strdup_printf ("%u", op->u);
          g_autofree char *s = NULL, *t = NULL;
          const char *s_flag, *t_flag;
          const char *fields[8];

          op_field_encode (op->s, &s, &s_flag);
          op_field_encode (op->t, &t, &t_flag);
          fields[0] = emu_op_kind_to_string (op->kind);
          fields[1] = s, fields[2] = s_flag, fields[3] = t, fields[4] = t_flag;
          fields[5] = a, fields[6] = b, fields[7] = u;
          g_key_file_set_string_list (kf, group, key, fields, G_N_ELEMENTS (fields));
        }
    }
  return g_key_file_to_data (kf, len, NULL);
}

static gboolean
corrupt (GError **error, const char *what)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_PARSE,
               "emulated kernel state file is corrupt: %s", what);
  return FALSE;
}

/* KEY, or KEY-base64 (see set_string()); NULL when neither is there. */
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

gboolean
emu_state_from_data (KerfEmu *emu, const char *data, gsize len, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_autofree char *cpus = NULL, *chunks = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error))
    return FALSE;
  emu_state_clear (emu);
  emu->has_baseline = g_key_file_get_boolean (kf, "kernel", "has-baseline", NULL);
  emu->next_tx = (guint) g_key_file_get_uint64 (kf, "kernel", "next-tx", NULL);
  if (emu->next_tx == 0)
    emu->next_tx = 1;
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
      else if (g_str_has_prefix (g, "tx "))
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

/* ---- the mirror directory --------------------------------------------- */

/* Writes only when the content differs: g_file_set_contents() fsyncs each
 * file it replaces, and a save rewrites the whole mirror. */
static gboolean
write_file (const char *dir, const char *name, const void *data, gsize len, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *old = NULL;
  gsize old_len = 0;

  if (g_file_get_contents (path, &old, &old_len, NULL) && old_len == len
      && memcmp (old, data, len) == 0)
    return TRUE;
  return g_file_set_contents (path, data, (gssize) len, error);
}

static gboolean
write_text (const char *dir, const char *name, const char *text, GError **error)
{
  g_autofree char *line = g_strdup_printf ("%s\n", text);
  return write_file (dir, name, line, strlen (line), error);
}

static gboolean
write_bytes (const char *dir, const char *name, GBytes *bytes, GError **error)
{
  gsize n = 0;
  const void *p = bytes != NULL ? g_bytes_get_data (bytes, &n) : "";
  return write_file (dir, name, p, n, error);
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
    {
      int saved = errno;
      g_set_error (error, KERF_ERROR, KERF_ERROR_IO, "cannot create %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
mirror_instances (KerfEmu *emu, GError **error)
{
  g_autofree char *idir = g_build_filename (emu->dir, "instances", NULL);
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (!ensure_dir (idir, error))
    return FALSE;
  d = g_dir_open (idir, 0, error);
  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (emu_find_instance (emu, name) == NULL)
      {
        g_autofree char *p = g_build_filename (idir, name, NULL);
        remove_flat_dir (p);
      }
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      g_autofree char *p = g_build_filename (idir, inst->name, NULL);
      g_autofree char *id = g_strdup_printf ("%u", inst->id);
      g_autoptr(GBytes) tree = emu_instance_tree (emu, inst);
      g_autofree char *dts = emu_blob_to_dts (tree);
      if (!ensure_dir (p, error)
          || !write_text (p, "id", id, error)
          || !write_text (p, "status", inst->status, error)
          || !write_bytes (p, "device_tree", tree, error)
          || !write_file (p, "device_tree_source", dts != NULL ? dts : "",
                          dts != NULL ? strlen (dts) : 0, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
mirror_overlays (KerfEmu *emu, GError **error)
{
  g_autofree char *odir = g_build_filename (emu->dir, "overlays", NULL);
  g_autofree char *newp = g_build_filename (odir, "new", NULL);
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (!ensure_dir (odir, error))
    return FALSE;
  if (!g_file_test (newp, G_FILE_TEST_EXISTS) && !write_file (odir, "new", "", 0, error))
    return FALSE;
  d = g_dir_open (odir, 0, error);
  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      guint64 id;
      if (g_str_has_prefix (name, "tx_")
          && (!u64_parse (name + 3, &id) || emu_find_tx (emu, (guint) id) == NULL))
        {
          g_autofree char *p = g_build_filename (odir, name, NULL);
          remove_flat_dir (p);
          if (u64_parse (name + 3, &id))
            g_hash_table_remove (emu->mirrored_tx, GUINT_TO_POINTER ((guint) id));
        }
    }
  for (guint i = 0; i < emu->txs->len; i++)
    {
      EmuTx *tx = g_ptr_array_index (emu->txs, i);
      g_autofree char *tname = g_strdup_printf ("tx_%u", tx->id);
      g_autofree char *p = g_build_filename (odir, tname, NULL);
      g_autofree char *id = g_strdup_printf ("%u", tx->id);
      const char *done = g_hash_table_lookup (emu->mirrored_tx, GUINT_TO_POINTER (tx->id));

      /* only the status of a transaction ever changes */
      if (g_strcmp0 (done, tx->status) == 0 && g_file_test (p, G_FILE_TEST_IS_DIR))
        continue;
      if (!ensure_dir (p, error)
          || !write_text (p, "id", id, error)
          || !write_text (p, "status", tx->status, error)
          || !write_text (p, "instance", tx->instance, error)
          || !write_text (p, "resources", tx->resources, error)
          || !write_bytes (p, "dtbo", tx->dtbo, error))
        return FALSE;
      g_hash_table_replace (emu->mirrored_tx, GUINT_TO_POINTER (tx->id), g_strdup (tx->status));
    }
  return TRUE;
}

gboolean
emu_state_save (KerfEmu *emu, GError **error)
{
  gsize len;
  g_autofree char *data = emu_state_to_data (emu, &len);
  g_autoptr(GBytes) pool = NULL;

  if (!ensure_dir (emu->dir, error)
      || !write_file (emu->dir, KERF_EMU_STATE_FILE, data, len, error))
    return FALSE;
  if (emu->has_baseline)
    pool = emu_pool_tree (emu);
  return write_bytes (emu->dir, "device_tree", pool, error)
         && mirror_overlays (emu, error)
         && mirror_instances (emu, error);
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
