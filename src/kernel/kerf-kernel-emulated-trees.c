/* kerf-kernel-emulated-trees.c — what the emulated kernel shows: the pool
 * tree (device_tree) and the instance trees (instances/NAME/device_tree),
 * in the layout of kernel-abi.md.
 *
 * Pool tree:
 *   / { compatible = "multikernel-v1"; #address-cells = <2>; #size-cells = <2>; id = <0>;
 *       resources { cpus = <u64...>; cpus-available = <u64...>;
 *                   memory@BASE { device_type = "memory"; reg = <base size>; numa-node-id; };
 *                   devices { <platform devices> }; };
 *       aliases { name = "/pci@D,B/device@S,F" | "/resources/devices/NODE"; };
 *       pci@D,B { <free PCI devices on that domain/bus> }; };
 * Instance tree:
 *   / { model = "NAME"; id = <ID>; #address-cells = <2>; #size-cells = <2>;
 *       resources { memory-base = u64; memory-bytes = u64; cpus = <u64...>; devices { }; };
 *       aliases { ... }; pci@D,B { <its PCI devices> }; };
 *
 * A PCI host-bridge node is pci@<domain>,<bus> (hex) with device_type
 * "pci", linux,pci-domain and bus-range; a device under it is
 * device@<slot>,<function> with the standard 5-cell PCI reg, device-type,
 * pci-id, vendor-id and device-id.  The documentation names the pci@ nodes
 * without fixing their inside; this layout is the emulator's choice. */
#include "config.h"

#include <string.h>
#include <libfdt.h>

#include "kerf-emu-private.h"
#include "kerf-dts.h"

typedef int (*TreeBuilder) (KerfEmu *emu, const EmuInstance *inst, void *fdt);

static int
prop_u64_array (void *fdt, const char *name, const GArray *values)
{
  g_autofree fdt64_t *be = g_new0 (fdt64_t, MAX (values->len, 1));
  for (guint i = 0; i < values->len; i++)
    be[i] = cpu_to_fdt64 (g_array_index (values, guint64, i));
  return fdt_property (fdt, name, be, (int) (values->len * sizeof (fdt64_t)));
}

static char *
pci_bridge_name (const char *pci_id)
{
  guint d = 0, b = 0;
  (void) emu_pci_id_parse (pci_id, &d, &b, NULL, NULL);
  return g_strdup_printf ("pci@%x,%x", d, b);
}

static char *
pci_device_path (const char *pci_id)
{
  guint d = 0, b = 0, s = 0, f = 0;
  (void) emu_pci_id_parse (pci_id, &d, &b, &s, &f);
  return g_strdup_printf ("/pci@%x,%x/device@%x,%x", d, b, s, f);
}

/* PCI devices, sorted by pci-id, grouped under their host bridge. */
static int
add_pci_nodes (void *fdt, GPtrArray *devs)
{
  g_autofree char *open_bridge = NULL;
  int err = 0;

  for (guint i = 0; i < devs->len && err == 0; i++)
    {
      const EmuPciDev *dev = g_ptr_array_index (devs, i);
      g_autofree char *bridge = pci_bridge_name (dev->pci_id);
      g_autofree char *node = NULL;
      guint d = 0, b = 0, s = 0, f = 0;
      fdt32_t reg[5] = { 0 }, range[2];

      (void) emu_pci_id_parse (dev->pci_id, &d, &b, &s, &f);
      if (g_strcmp0 (open_bridge, bridge) != 0)
        {
          if (open_bridge != NULL && (err = fdt_end_node (fdt)) != 0)
            break;
          g_free (open_bridge);
          open_bridge = g_strdup (bridge);
          range[0] = range[1] = cpu_to_fdt32 (b);
          if ((err = fdt_begin_node (fdt, bridge)) != 0
              || (err = fdt_property_string (fdt, "device_type", "pci")) != 0
              || (err = fdt_property_cell (fdt, "#address-cells", 3)) != 0
              || (err = fdt_property_cell (fdt, "#size-cells", 2)) != 0
              || (err = fdt_property_cell (fdt, "linux,pci-domain", d)) != 0
              || (err = fdt_property (fdt, "bus-range", range, sizeof range)) != 0)
            break;
        }
      node = g_strdup_printf ("device@%x,%x", s, f);
      reg[0] = cpu_to_fdt32 ((b << 16) | (s << 11) | (f << 8));
      if ((err = fdt_begin_node (fdt, node)) != 0
          || (err = fdt_property (fdt, "reg", reg, sizeof reg)) != 0
          || (err = fdt_property_string (fdt, "device-type", "pci")) != 0
          || (err = fdt_property_string (fdt, "pci-id", dev->pci_id)) != 0
          || (err = fdt_property_cell (fdt, "vendor-id", dev->vendor_id)) != 0
          || (err = fdt_property_cell (fdt, "device-id", dev->device_id)) != 0)
        break;
      err = fdt_end_node (fdt);
    }
  if (err == 0 && open_bridge != NULL)
    err = fdt_end_node (fdt);
  return err;
}

static gint
alias_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* aliases { NAME = PATH; } for the pairs in `pairs` (name, path, ...). */
static int
add_aliases (void *fdt, GPtrArray *names, GHashTable *paths)
{
  int err;

  g_ptr_array_sort (names, alias_cmp);
  if ((err = fdt_begin_node (fdt, "aliases")) != 0)
    return err;
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      if ((err = fdt_property_string (fdt, n, g_hash_table_lookup (paths, n))) != 0)
        return err;
    }
  return fdt_end_node (fdt);
}

static int
add_platform_devices (KerfEmu *emu, void *fdt)
{
  int err;

  if ((err = fdt_begin_node (fdt, "devices")) != 0)
    return err;
  for (guint i = 0; emu != NULL && i < emu->platform->len; i++)
    {
      const EmuPlatDev *dev = g_ptr_array_index (emu->platform, i);
      if ((err = fdt_begin_node (fdt, dev->node_name)) != 0
          || (err = fdt_property_string (fdt, "device-type", "platform")) != 0
          || (dev->device_name != NULL
              && (err = fdt_property_string (fdt, "device-name", dev->device_name)) != 0)
          || (dev->acpi_hid != NULL
              && (err = fdt_property_string (fdt, "acpi-hid", dev->acpi_hid)) != 0)
          || (err = fdt_end_node (fdt)) != 0)
        return err;
    }
  return fdt_end_node (fdt);
}

static int
build_pool (KerfEmu *emu, const EmuInstance *unused, void *fdt)
{
  g_autoptr(GArray) avail = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GPtrArray) free_pci = g_ptr_array_new ();
  g_autoptr(GPtrArray) alias_names = g_ptr_array_new ();
  g_autoptr(GHashTable) alias_paths = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) used = g_hash_table_new (g_int64_hash, g_int64_equal);
  int err;

  /* one pass over the instances: the pool tree is built on every save and
   * every read, with up to ~2000 instances */
  for (guint j = 0; j < emu->instances->len; j++)
    {
      const GArray *cpus = ((EmuInstance *) g_ptr_array_index (emu->instances, j))->cpus;
      for (guint k = 0; k < cpus->len; k++)
        g_hash_table_add (used, &g_array_index (cpus, guint64, k));
    }
  for (guint i = 0; i < emu->pool_cpus->len; i++)
    {
      guint64 cpu = g_array_index (emu->pool_cpus, guint64, i);
      if (!g_hash_table_contains (used, &cpu))
        g_array_append_val (avail, cpu);
    }
  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      if (dev->owner != NULL)
        continue;
      g_ptr_array_add (free_pci, dev);
      if (dev->alias != NULL && !g_hash_table_contains (alias_paths, dev->alias))
        {
          g_ptr_array_add (alias_names, dev->alias);
          g_hash_table_insert (alias_paths, dev->alias, pci_device_path (dev->pci_id));
        }
    }
  for (guint i = 0; i < emu->platform->len; i++)
    {
      EmuPlatDev *dev = g_ptr_array_index (emu->platform, i);
      if (dev->alias != NULL && !g_hash_table_contains (alias_paths, dev->alias))
        {
          g_ptr_array_add (alias_names, dev->alias);
          g_hash_table_insert (alias_paths, dev->alias,
                               g_strdup_printf ("/resources/devices/%s", dev->node_name));
        }
    }

  if ((err = fdt_property_string (fdt, "compatible", "multikernel-v1")) != 0
      || (err = fdt_property_cell (fdt, "#address-cells", 2)) != 0
      || (err = fdt_property_cell (fdt, "#size-cells", 2)) != 0
      || (err = fdt_property_cell (fdt, "id", 0)) != 0
      || (err = fdt_begin_node (fdt, "resources")) != 0
      || (err = prop_u64_array (fdt, "cpus", emu->pool_cpus)) != 0
      || (err = prop_u64_array (fdt, "cpus-available", avail)) != 0)
    return err;
  for (guint i = 0; i < emu->chunks->len; i++)
    {
      const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
      g_autofree char *name = g_strdup_printf ("memory@%" G_GINT64_MODIFIER "x", c->base);
      fdt64_t reg[2] = { cpu_to_fdt64 (c->base), cpu_to_fdt64 (c->size) };
      if ((err = fdt_begin_node (fdt, name)) != 0
          || (err = fdt_property_string (fdt, "device_type", "memory")) != 0
          || (err = fdt_property (fdt, "reg", reg, sizeof reg)) != 0
          || (err = fdt_property_cell (fdt, "numa-node-id", c->numa)) != 0
          || (err = fdt_end_node (fdt)) != 0)
        return err;
    }
  if ((err = add_platform_devices (emu, fdt)) != 0
      || (err = fdt_end_node (fdt)) != 0
      || (err = add_aliases (fdt, alias_names, alias_paths)) != 0)
    return err;
  return add_pci_nodes (fdt, free_pci);
}

static int
build_instance (KerfEmu *emu, const EmuInstance *inst, void *fdt)
{
  g_autoptr(GPtrArray) pci = g_ptr_array_new ();
  g_autoptr(GPtrArray) alias_names = g_ptr_array_new ();
  g_autoptr(GHashTable) alias_paths = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  guint64 base = 0, bytes = 0;
  int err;

  for (guint i = 0; i < emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (emu->pci, i);
      if (g_strcmp0 (dev->owner, inst->name) != 0)
        continue;
      g_ptr_array_add (pci, dev);
      if (dev->alias != NULL && !g_hash_table_contains (alias_paths, dev->alias))
        {
          g_ptr_array_add (alias_names, dev->alias);
          g_hash_table_insert (alias_paths, dev->alias, pci_device_path (dev->pci_id));
        }
    }
  if (inst->mem->len > 0)
    {
      base = g_array_index (inst->mem, EmuRange, 0).base;
      bytes = g_array_index (inst->mem, EmuRange, 0).size;
    }
  if ((err = fdt_property_string (fdt, "model", inst->name)) != 0
      || (err = fdt_property_cell (fdt, "id", inst->id)) != 0
      || (err = fdt_property_cell (fdt, "#address-cells", 2)) != 0
      || (err = fdt_property_cell (fdt, "#size-cells", 2)) != 0
      || (err = fdt_begin_node (fdt, "resources")) != 0
      || (err = fdt_property_u64 (fdt, "memory-base", base)) != 0
      || (err = fdt_property_u64 (fdt, "memory-bytes", bytes)) != 0
      || (err = prop_u64_array (fdt, "cpus", inst->cpus)) != 0
      || (err = add_platform_devices (NULL, fdt)) != 0
      || (err = fdt_end_node (fdt)) != 0
      || (err = add_aliases (fdt, alias_names, alias_paths)) != 0)
    return err;
  return add_pci_nodes (fdt, pci);
}

static GBytes *
build (KerfEmu *emu, const EmuInstance *inst, TreeBuilder fn)
{
  for (gsize size = 4096; size <= 64 * 1024 * 1024; size *= 2)
    {
      g_autofree guint8 *buf = g_malloc0 (size);
      int err;

      if ((err = fdt_create (buf, (int) size)) == 0
          && (err = fdt_finish_reservemap (buf)) == 0
          && (err = fdt_begin_node (buf, "")) == 0
          && (err = fn (emu, inst, buf)) == 0
          && (err = fdt_end_node (buf)) == 0
          && (err = fdt_finish (buf)) == 0)
        return g_bytes_new (buf, fdt_totalsize (buf));
      if (err != -FDT_ERR_NOSPACE)
        {
          g_critical ("emulated kernel: building a tree failed: %s", fdt_strerror (err));
          return NULL;
        }
    }
  return NULL;
}

GBytes *
emu_pool_tree (KerfEmu *emu)
{
  return build (emu, NULL, build_pool);
}

GBytes *
emu_instance_tree (KerfEmu *emu, const EmuInstance *inst)
{
  return build (emu, inst, build_instance);
}

char *
emu_blob_to_dts (GBytes *blob)
{
  gsize n = 0;
  const guint8 *p = blob != NULL ? g_bytes_get_data (blob, &n) : NULL;
  g_autoptr(KerfDtTree) tree = NULL;

  if (p == NULL)
    return NULL;
  tree = kerf_dtb_read (p, n, "device_tree", NULL);
  return tree != NULL ? kerf_dts_print (tree) : NULL;
}
