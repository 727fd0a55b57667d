/* kerf-kernel-emulated-state.c — the emulated kernel's objects, and
 * reading its private state file (kerf-kernel-emulated-save.c writes it).
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
  b64_key = g_strconcat (key, KERF_EMU_B64_SUFFIX, NULL);
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

/* ---- loading ---------------------------------------------------------- */

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
