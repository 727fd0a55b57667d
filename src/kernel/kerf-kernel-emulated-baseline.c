/* kerf-kernel-emulated-baseline.c — the baseline DTB written to device_tree.
 *
 * kernel-abi.md "Baseline DTB": compatible "multikernel-v1"; /resources
 * with u64 `cpus`, memory@N { size; numa-node-id? } chunks the kernel places
 * itself, devices { pci: device-type, pci-id, vendor-id, device-id;
 * platform: device-type, device-name or acpi-hid }; /aliases naming devices.
 * Everything is checked against the emulated machine; the older dialect
 * (memory-base / memory-bytes) is refused as the current kernel does. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "kerf-emu-private.h"

static int
bad (KerfEmu *emu, const char *format, const char *detail)
{
  emu_set_message (emu, "baseline: %s%s", format, detail != NULL ? detail : "");
  return -EINVAL;
}

static const char *
get_string (const void *fdt, int node, const char *name)
{
  int len;
  const char *s = fdt_getprop (fdt, node, name, &len);
  if (s == NULL || len < 1 || s[len - 1] != '\0' || strlen (s) != (gsize) len - 1)
    return NULL;
  return s;
}

static gboolean
has_compatible (const void *fdt, const char *want)
{
  int len;
  const char *s = fdt_getprop (fdt, 0, "compatible", &len);
  return s != NULL && fdt_stringlist_contains (s, len, want);
}

typedef struct {
  guint64 n;
  int     offset;
} Chunk;

static gint
chunk_cmp (gconstpointer a, gconstpointer b)
{
  const Chunk *x = a, *y = b;
  return x->n < y->n ? -1 : x->n > y->n;
}

static int
read_cpus (KerfEmu *emu, const void *fdt, int res)
{
  int len;
  const fdt64_t *p = fdt_getprop (fdt, res, "cpus", &len);

  if (p == NULL)
    return 0;
  if (len % 8 != 0)
    return bad (emu, "/resources/cpus must be u64 cells", NULL);
  for (int i = 0; i < len / 8; i++)
    {
      guint64 cpu = fdt64_ld (&p[i]);
      if (cpu >= emu->machine->n_cpus)
        return bad (emu, "/resources/cpus names a CPU the machine does not have", NULL);
      if (emu_u64_contains (emu->pool_cpus, cpu))
        return bad (emu, "/resources/cpus lists a CPU twice", NULL);
      emu_u64_insert (emu->pool_cpus, cpu);
    }
  return 0;
}

static int
read_memory (KerfEmu *emu, const void *fdt, int res)
{
  g_autoptr(GArray) chunks = g_array_new (FALSE, FALSE, sizeof (Chunk));
  int node;

  fdt_for_each_subnode (node, fdt, res)
    {
      const char *name = fdt_get_name (fdt, node, NULL);
      Chunk c = { 0, node };
      if (name == NULL || (strcmp (name, "memory") != 0 && !g_str_has_prefix (name, "memory@")))
        continue;
      c.n = name[6] == '@' ? g_ascii_strtoull (name + 7, NULL, 16) : 0;
      g_array_append_val (chunks, c);
    }
  g_array_sort (chunks, chunk_cmp);
  for (guint i = 0; i < chunks->len; i++)
    {
      int off = g_array_index (chunks, Chunk, i).offset, len;
      const fdt64_t *size_p = fdt_getprop (fdt, off, "size", &len);
      const fdt32_t *numa_p;
      guint64 size, base;
      guint32 numa = 0;
      g_autoptr(EmuOp) op = NULL;

      if (size_p == NULL || len != 8)
        return bad (emu, "memory chunk size must be 8 bytes: ", fdt_get_name (fdt, off, NULL));
      size = fdt64_ld (size_p);
      if (size == 0 || size % KERF_EMU_PAGE_SIZE != 0)
        return bad (emu, "memory chunk size must be non-zero and page aligned: ",
                    fdt_get_name (fdt, off, NULL));
      numa_p = fdt_getprop (fdt, off, "numa-node-id", &len);
      if (numa_p != NULL)
        {
          if (len != 4 || !emu_machine_has_node (emu->machine, fdt32_ld (numa_p)))
            return bad (emu, "numa-node-id must be 4 bytes naming a NUMA node: ",
                        fdt_get_name (fdt, off, NULL));
          numa = fdt32_ld (numa_p);
        }
      if (!emu_machine_find_free (emu, size, numa, &base))
        return bad (emu, "memory chunk does not fit in the free RAM of its node: ",
                    fdt_get_name (fdt, off, NULL));
      op = emu_op_new (EMU_OP_POOL_MEM_ADD, NULL, NULL, base, size, numa);
      if (emu_op_apply (emu, op) != 0)
        return bad (emu, "memory chunk cannot be placed", NULL);
    }
  return 0;
}

static int
read_devices (KerfEmu *emu, const void *fdt, int res)
{
  int devs = fdt_subnode_offset (fdt, res, "devices"), node;

  if (devs < 0)
    return 0;
  fdt_for_each_subnode (node, fdt, devs)
    {
      const char *name = fdt_get_name (fdt, node, NULL);
      const char *type = get_string (fdt, node, "device-type");

      if (g_strcmp0 (type, "pci") == 0)
        {
          const char *pci_id = get_string (fdt, node, "pci-id");
          const fdt32_t *ven, *dev_id;
          int lv = 0, ld = 0;
          KerfEmuPciDevice *m;
          EmuPciDev *dev;

          ven = fdt_getprop (fdt, node, "vendor-id", &lv);
          dev_id = fdt_getprop (fdt, node, "device-id", &ld);
          if (!emu_pci_id_parse (pci_id, NULL, NULL, NULL, NULL))
            return bad (emu, "PCI device needs pci-id = \"DDDD:BB:SS.F\": ", name);
          if (ven == NULL || lv != 4 || dev_id == NULL || ld != 4)
            return bad (emu, "PCI device needs vendor-id and device-id (u32): ", name);
          m = emu_machine_find_pci (emu->machine, pci_id);
          if (m == NULL)
            return bad (emu, "no such PCI device on this machine: ", pci_id);
          if ((m->vendor_id != 0 && m->vendor_id != fdt32_ld (ven))
              || (m->device_id != 0 && m->device_id != fdt32_ld (dev_id)))
            return bad (emu, "vendor-id/device-id do not match the device at ", pci_id);
          if (emu_find_pci (emu, pci_id) != NULL)
            return bad (emu, "PCI device listed twice: ", pci_id);
          dev = g_new0 (EmuPciDev, 1);
          dev->pci_id = g_ascii_strdown (pci_id, -1);
          dev->vendor_id = fdt32_ld (ven);
          dev->device_id = fdt32_ld (dev_id);
          g_ptr_array_add (emu->pci, dev);
        }
      else if (g_strcmp0 (type, "platform") == 0)
        {
          const char *dn = get_string (fdt, node, "device-name");
          const char *hid = get_string (fdt, node, "acpi-hid");
          EmuPlatDev *dev;
          if (dn == NULL && hid == NULL)
            return bad (emu, "platform device needs device-name or acpi-hid: ", name);
          dev = g_new0 (EmuPlatDev, 1);
          dev->node_name = g_strdup (name);
          dev->device_name = g_strdup (dn);
          dev->acpi_hid = g_strdup (hid);
          g_ptr_array_add (emu->platform, dev);
        }
      else
        return bad (emu, "device-type must be \"pci\" or \"platform\": ", name);
    }
  return 0;
}

static int
read_aliases (KerfEmu *emu, const void *fdt)
{
  int aliases = fdt_path_offset (fdt, "/aliases"), prop;

  if (aliases < 0)
    return 0;
  fdt_for_each_property_offset (prop, fdt, aliases)
    {
      const char *name = NULL, *path;
      int len;
      const char *val = fdt_getprop_by_offset (fdt, prop, &name, &len);
      int node;
      const char *type, *pci_id;

      if (val == NULL || len < 1 || val[len - 1] != '\0')
        return bad (emu, "alias is not a path: ", name);
      path = val;
      node = fdt_path_offset (fdt, path);
      if (!g_str_has_prefix (path, "/resources/devices/") || node < 0)
        return bad (emu, "alias does not name a device node: ", name);
      type = get_string (fdt, node, "device-type");
      pci_id = get_string (fdt, node, "pci-id");
      if (g_strcmp0 (type, "pci") == 0)
        {
          EmuPciDev *dev = emu_find_pci (emu, pci_id);
          if (dev != NULL && dev->alias == NULL)
            dev->alias = g_strdup (name);
        }
      else
        for (guint i = 0; i < emu->platform->len; i++)
          {
            EmuPlatDev *dev = g_ptr_array_index (emu->platform, i);
            if (g_strcmp0 (dev->node_name, fdt_get_name (fdt, node, NULL)) == 0
                && dev->alias == NULL)
              dev->alias = g_strdup (name);
          }
    }
  return 0;
}

int
emu_write_baseline (KerfEmu *emu, const guint8 *data, gsize len)
{
  g_autofree void *fdt = NULL;
  g_autofree char *snapshot = NULL;
  gsize snap_len;
  int res, err;

  for (guint i = 0; i < emu->faults->len; i++)
    if (GPOINTER_TO_INT (g_ptr_array_index (emu->faults, i)) == KERF_EMU_FAULT_WRITE_EIO)
      {
        g_ptr_array_remove_index (emu->faults, i);
        emu_set_message (emu, "injected fault: EIO");
        return -EIO;
      }
  if (emu->has_baseline)
    {
      emu_set_message (emu, "baseline: device_tree has already been written");
      return -EBUSY;
    }
  if (len == 0 || len > KERF_EMU_MAX_BLOB)
    return len == 0 ? bad (emu, "empty write", NULL) : -EFBIG;
  fdt = emu_blob_open (emu, data, len, "device_tree");
  if (fdt == NULL)
    return -EINVAL;
  if (!has_compatible (fdt, "multikernel-v1"))
    return bad (emu, "root compatible must be \"multikernel-v1\"", NULL);
  res = fdt_path_offset (fdt, "/resources");
  if (res < 0)
    return bad (emu, "no /resources node", NULL);
  if (fdt_getprop (fdt, res, "memory-base", NULL) != NULL
      || fdt_getprop (fdt, res, "memory-bytes", NULL) != NULL)
    return bad (emu, "memory-base/memory-bytes are no longer accepted; "
                "use memory@N { size; numa-node-id; }", NULL);

  snapshot = emu_state_snapshot (emu, &snap_len);
  if ((err = read_cpus (emu, fdt, res)) == 0
      && (err = read_memory (emu, fdt, res)) == 0
      && (err = read_devices (emu, fdt, res)) == 0)
    err = read_aliases (emu, fdt);
  if (err != 0)
    {
      g_autofree char *msg = g_strdup (emu->last_message);
      emu_state_restore (emu, snapshot, snap_len);
      g_free (emu->last_message);
      emu->last_message = g_steal_pointer (&msg);
      return err;
    }
  emu->has_baseline = TRUE;
  return 0;
}
