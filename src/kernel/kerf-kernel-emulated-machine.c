/* kerf-kernel-emulated-machine.c — the hardware the emulated kernel runs on.
 *
 * Read from the hardware inventory of a baseline in the seed's nested
 * schema.  This is a configuration file of the emulator, not kernel input:
 * the baseline DTB the emulated kernel is later given is checked against it
 * the way a real kernel checks a baseline against the real machine. */
#include "config.h"

#include <string.h>

#include "kerf-emu-private.h"
#include "kerf-dts.h"
#include "kerf-emu-default-machine.h"

static void
pci_device_free (KerfEmuPciDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->pci_id);
  g_free (dev);
}

static KerfEmuPciDevice *
pci_device_new (const char *pci_id, guint32 vendor, guint32 device, gint32 numa)
{
  KerfEmuPciDevice *dev = g_new0 (KerfEmuPciDevice, 1);
  dev->pci_id = g_ascii_strdown (pci_id, -1);
  dev->vendor_id = vendor;
  dev->device_id = device;
  dev->numa_node = numa;
  return dev;
}

static KerfEmuMachine *
machine_new_empty (void)
{
  KerfEmuMachine *m = g_new0 (KerfEmuMachine, 1);
  m->pci = g_ptr_array_new_with_free_func ((GDestroyNotify) pci_device_free);
  m->numa = g_array_new (FALSE, FALSE, sizeof (KerfEmuNumaNode));
  return m;
}

/* The default machine is examples/baseline.dts (kernel-abi.md: the default
 * --emulated-machine), compiled in by kerf-embed-text.py and read with the
 * same reader as a machine file, so the two cannot drift apart. */
KerfEmuMachine *
kerf_emu_machine_new_default (void)
{
  g_autoptr(KerfDiagList) diags = kerf_diag_list_new ();
  g_autoptr(KerfDtTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  KerfEmuMachine *m = NULL;

  tree = kerf_dts_parse_data ("examples/baseline.dts",
                              (const char *) kerf_emu_default_machine_dts,
                              sizeof kerf_emu_default_machine_dts - 1, NULL,
                              KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  if (tree != NULL)
    m = kerf_emu_machine_from_tree (tree, &error);
  if (m == NULL)
    /* A build-time constant that the tests read: cannot fail at run time. */
    g_error ("emulated kernel: the built-in examples/baseline.dts does not read: %s",
             error != NULL ? error->message : "parse error");
  return m;
}

void
kerf_emu_machine_free (KerfEmuMachine *machine)
{
  if (machine == NULL)
    return;
  g_ptr_array_unref (machine->pci);
  g_array_unref (machine->numa);
  g_free (machine);
}

KerfEmuMachine *
kerf_emu_machine_copy (const KerfEmuMachine *machine)
{
  KerfEmuMachine *m = machine_new_empty ();
  m->n_cpus = machine->n_cpus;
  m->ram_bytes = machine->ram_bytes;
  m->host_reserved_bytes = machine->host_reserved_bytes;
  for (guint i = 0; i < machine->pci->len; i++)
    {
      const KerfEmuPciDevice *d = g_ptr_array_index (machine->pci, i);
      g_ptr_array_add (m->pci, pci_device_new (d->pci_id, d->vendor_id, d->device_id,
                                               d->numa_node));
    }
  g_array_append_vals (m->numa, machine->numa->data, machine->numa->len);
  return m;
}

gboolean
emu_pci_id_parse (const char *s, guint *domain, guint *bus, guint *slot, guint *fn)
{
  /* DDDD:BB:SS.F, hex digits, exactly that shape */
  static const char shape[] = "xxxx:xx:xx.x";
  guint d, b, sl, f;

  if (s == NULL || strlen (s) != sizeof shape - 1)
    return FALSE;
  for (gsize i = 0; shape[i] != '\0'; i++)
    if (shape[i] == 'x' ? !g_ascii_isxdigit (s[i]) : s[i] != shape[i])
      return FALSE;
  if (sscanf (s, "%4x:%2x:%2x.%1x", &d, &b, &sl, &f) != 4 || sl > 0x1f || f > 7)
    return FALSE;
  if (domain) *domain = d;
  if (bus) *bus = b;
  if (slot) *slot = sl;
  if (fn) *fn = f;
  return TRUE;
}

gboolean
emu_machine_has_node (const KerfEmuMachine *m, guint32 node)
{
  if (m->numa->len == 0)
    return node == 0;
  for (guint i = 0; i < m->numa->len; i++)
    if (g_array_index (m->numa, KerfEmuNumaNode, i).id == node)
      return TRUE;
  return FALSE;
}

gboolean
emu_machine_node_range (const KerfEmuMachine *m, guint32 node, guint64 *base, guint64 *end)
{
  if (m->numa->len == 0)
    {
      if (node != 0)
        return FALSE;
      *base = 0;
      *end = m->ram_bytes;
      return TRUE;
    }
  for (guint i = 0; i < m->numa->len; i++)
    {
      const KerfEmuNumaNode *n = &g_array_index (m->numa, KerfEmuNumaNode, i);
      if (n->id == node)
        {
          *base = n->base;
          *end = n->base + n->size;
          return TRUE;
        }
    }
  return FALSE;
}

KerfEmuPciDevice *
emu_machine_find_pci (const KerfEmuMachine *m, const char *pci_id)
{
  for (guint i = 0; i < m->pci->len; i++)
    {
      KerfEmuPciDevice *d = g_ptr_array_index (m->pci, i);
      if (g_ascii_strcasecmp (d->pci_id, pci_id) == 0)
        return d;
    }
  return NULL;
}

/* ---- reading the seed's nested schema -------------------------------- */

static gboolean
get_number (const KerfDtNode *node, const char *name, guint64 *out)
{
  KerfDtProp *p = kerf_dt_node_get_prop (node, name);
  return p != NULL && kerf_dt_prop_get_number (p, out);
}

static gboolean
machine_error (GError **error, const char *format, const char *what)
{
  g_set_error (error, KERF_ERROR, KERF_ERROR_INVALID_ARGUMENT,
               "emulated machine description: %s%s", format, what != NULL ? what : "");
  return FALSE;
}

static gboolean
read_devices (KerfEmuMachine *m, const KerfDtNode *devices, GError **error)
{
  for (guint i = 0; devices != NULL && i < devices->children->len; i++)
    {
      const KerfDtNode *dev = g_ptr_array_index (devices->children, i);
      KerfDtProp *p = kerf_dt_node_get_prop (dev, "pci-id");
      const char *pci_id = p != NULL ? kerf_dt_prop_get_string (p) : NULL;
      guint64 vendor = 0, device = 0, numa = G_MAXUINT64;

      if (p == NULL)
        continue;   /* platform devices are not part of the PCI inventory */
      if (!emu_pci_id_parse (pci_id, NULL, NULL, NULL, NULL))
        return machine_error (error, "bad pci-id in device ", dev->name);
      (void) get_number (dev, "vendor-id", &vendor);
      (void) get_number (dev, "device-id", &device);
      if (!get_number (dev, "numa-node", &numa))
        numa = G_MAXUINT64;
      if (emu_machine_find_pci (m, pci_id) != NULL)
        return machine_error (error, "duplicate pci-id in device ", dev->name);
      g_ptr_array_add (m->pci, pci_device_new (pci_id, (guint32) vendor, (guint32) device,
                                               numa == G_MAXUINT64 ? -1 : (gint32) numa));
    }
  return TRUE;
}

static gboolean
read_topology (KerfEmuMachine *m, const KerfDtNode *nodes, GError **error)
{
  for (guint i = 0; nodes != NULL && i < nodes->children->len; i++)
    {
      const KerfDtNode *n = g_ptr_array_index (nodes->children, i);
      KerfEmuNumaNode nn;
      guint64 id;

      if (!get_number (n, "node-id", &id) || id > G_MAXUINT32
          || !get_number (n, "memory-base", &nn.base) || !get_number (n, "memory-size", &nn.size))
        return machine_error (error, "NUMA node needs node-id, memory-base, memory-size: ",
                              n->name);
      nn.id = (guint32) id;
      g_array_append_val (m->numa, nn);
    }
  return TRUE;
}

KerfEmuMachine *
kerf_emu_machine_from_tree (const KerfDtTree *tree, GError **error)
{
  g_autoptr(KerfEmuMachine) m = machine_new_empty ();
  const KerfDtNode *cpus = kerf_dt_tree_lookup_path (tree, "/resources/cpus");
  const KerfDtNode *mem = kerf_dt_tree_lookup_path (tree, "/resources/memory");
  guint64 total;

  if (cpus == NULL || mem == NULL)
    {
      machine_error (error, "needs /resources/cpus and /resources/memory", NULL);
      return NULL;
    }
  if (!get_number (cpus, "total", &total) || total == 0 || total > 65536)
    {
      machine_error (error, "/resources/cpus/total is missing or out of range", NULL);
      return NULL;
    }
  m->n_cpus = (guint32) total;
  if (!get_number (mem, "total-bytes", &m->ram_bytes) || m->ram_bytes == 0)
    {
      machine_error (error, "/resources/memory/total-bytes is missing", NULL);
      return NULL;
    }
  if (!get_number (mem, "host-reserved-bytes", &m->host_reserved_bytes))
    m->host_reserved_bytes = 0;
  if (m->host_reserved_bytes >= m->ram_bytes)
    {
      machine_error (error, "host-reserved-bytes leaves no memory", NULL);
      return NULL;
    }
  if (!read_devices (m, kerf_dt_tree_lookup_path (tree, "/resources/devices"), error)
      || !read_topology (m, kerf_dt_tree_lookup_path (tree, "/resources/topology/numa-nodes"),
                         error))
    return NULL;
  return g_steal_pointer (&m);
}
