/* kerf-validate-device.c — seed device rules 1-5 (D1-D7), the state's
 * /device-references (DR1-DR3) and the devices' own consistency (DV1-DV3).
 *
 * Ownership is tracked in hash tables keyed by "device", "device/vf/N" and
 * "device/ns/N", so exclusivity costs one lookup per reference.
 */
#include "config.h"

#include "kerf-validate-private.h"

typedef struct {
  GHashTable *devices;      /* name -> KerfDevice */
  GHashTable *owners;       /* key -> KerfInstance: first holder of a whole device / VF / NS */
  GHashTable *part_owner;   /* device name -> KerfInstance: first holder of any VF / NS */
  GHashTable *part_name;    /* device name -> ref name of that part */
} DevState;

static char *
known_devices (KerfValidateCtx *ctx)
{
  GString *s = g_string_new (NULL);
  const GPtrArray *devs = ctx->res->devices;
  guint n = devs ? devs->len : 0;

  if (n == 0)
    {
      g_string_free (s, TRUE);
      return g_strdup ("the baseline lists no devices: add the device under /resources/devices");
    }
  g_string_append (s, "known devices: ");
  for (guint i = 0; i < n && i < 16; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
                            ((const KerfDevice *) g_ptr_array_index (devs, i))->name);
  if (n > 16)
    g_string_append_printf (s, ", ... (%u in all)", n);
  return g_string_free (s, FALSE);
}

static char *
part_key (const char *device, KerfDeviceRefKind kind, guint32 index)
{
  if (kind == KERF_DEVICE_REF_WHOLE)
    return g_strdup (device);
  return g_strdup_printf ("%s/%s/%u", device, kind == KERF_DEVICE_REF_VF ? "vf" : "ns", index);
}

/* ids of `avail` no instance holds yet */
static char *
free_parts (DevState *st, const KerfDevice *dev, KerfDeviceRefKind kind)
{
  const GArray *avail = kind == KERF_DEVICE_REF_VF ? dev->available_vfs : dev->available_ns;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint32));

  for (guint i = 0; avail != NULL && i < avail->len; i++)
    {
      guint32 id = g_array_index (avail, guint32, i);
      g_autofree char *key = part_key (dev->name, kind, id);

      if (!g_hash_table_contains (st->owners, key))
        g_array_append_val (out, id);
    }
  return kerf_cpu_array_format (out);
}

/* Why VF/NS `id` of `dev` is not usable, or NULL when it is. */
static char *
part_problem (const KerfDevice *dev, KerfDeviceRefKind kind, guint32 id)
{
  gboolean vf = kind == KERF_DEVICE_REF_VF;
  guint32 count = vf ? dev->sriov_vfs : dev->namespaces;
  const GArray *avail = vf ? dev->available_vfs : dev->available_ns;
  const GArray *reserved = vf ? dev->host_reserved_vfs : dev->host_reserved_ns;
  const char *what = vf ? "VF" : "namespace";

  if (count == 0 && (avail == NULL || avail->len == 0))
    return g_strdup_printf ("device '%s' has no %s", dev->name, vf ? "SR-IOV VFs" : "namespaces");
  if (kerf_u32_array_contains (reserved, id))
    return g_strdup_printf ("%s %u of device '%s' is reserved for the host", what, id, dev->name);
  if (avail != NULL && avail->len > 0 && !kerf_u32_array_contains (avail, id))
    {
      g_autofree char *l = kerf_cpu_array_format (avail);
      return g_strdup_printf ("%s %u is not available on device '%s' (available: %s)",
                              what, id, dev->name, l);
    }
  if (count > 0 && (vf ? id >= count : (id == 0 || id > count)))
    return g_strdup_printf ("%s %u does not exist on device '%s' (it has %u)",
                            what, id, dev->name, count);
  return NULL;
}

static void
check_ref (KerfValidateCtx *ctx, DevState *st, const KerfInstance *inst, const KerfDeviceRef *ref)
{
  const KerfDevice *dev = g_hash_table_lookup (st->devices, ref->device ? ref->device : "");
  KerfLoc loc = kerf_validate_loc (ref->loc, kerf_validate_loc (inst->devices_loc, inst->loc));
  g_autofree char *key = NULL;
  const KerfInstance *holder;

  if (dev == NULL)
    {
      g_autofree char *sugg = known_devices (ctx);
      if (ref->kind == KERF_DEVICE_REF_WHOLE)
        kerf_validate_report (ctx, "D5", loc, sugg,
                              "instance '%s': device '%s' does not exist in the hardware inventory",
                              inst->name, ref->name);
      else
        kerf_validate_report (ctx, ref->kind == KERF_DEVICE_REF_VF ? "D1" : "D3", loc, sugg,
                              "instance '%s': '%s' refers to %s %u of device '%s', which does not "
                              "exist in the hardware inventory", inst->name, ref->name,
                              ref->kind == KERF_DEVICE_REF_VF ? "VF" : "namespace", ref->index,
                              ref->device);
      return;
    }

  if (ref->kind == KERF_DEVICE_REF_WHOLE)
    {
      if (dev->host_reserved)
        kerf_validate_report (ctx, "D7", loc,
                              "remove it from the instance, or stop reserving it for the host",
                              "instance '%s': device '%s' is reserved for the host",
                              inst->name, dev->name);
    }
  else
    {
      g_autofree char *problem = part_problem (dev, ref->kind, ref->index);

      if (problem != NULL)
        {
          g_autofree char *f = free_parts (st, dev, ref->kind);
          const char *what = ref->kind == KERF_DEVICE_REF_VF ? "VF" : "namespace";
          g_autofree char *sugg = *f ? g_strdup_printf ("use a free %s of '%s': %s", what,
                                                        dev->name, f)
                                     : g_strdup_printf ("no %s of '%s' is free", what, dev->name);
          kerf_validate_report (ctx, ref->kind == KERF_DEVICE_REF_VF ? "D2" : "D4", loc, sugg,
                                "instance '%s': '%s': %s", inst->name, ref->name, problem);
        }
    }

  /* exclusivity */
  key = part_key (dev->name, ref->kind, ref->index);
  holder = g_hash_table_lookup (st->owners, key);
  if (holder != NULL && holder != inst)
    {
      g_autofree char *sugg = g_strdup_printf ("remove '%s' from '%s' or from '%s'", ref->name,
                                               inst->name, holder->name);
      kerf_validate_report (ctx, "D6", loc, sugg,
                            "instance '%s': '%s' is already assigned to instance '%s'",
                            inst->name, ref->name, holder->name);
      return;
    }
  if (holder == NULL)
    g_hash_table_insert (st->owners, g_steal_pointer (&key), (gpointer) inst);

  if (ref->kind == KERF_DEVICE_REF_WHOLE)
    {
      holder = g_hash_table_lookup (st->part_owner, dev->name);
      if (holder != NULL && holder != inst)
        {
          g_autofree char *sugg = g_strdup_printf ("give '%s' a free VF or namespace instead of "
                                                   "the whole device", inst->name);
          kerf_validate_report (ctx, "D6", loc, sugg,
                                "instance '%s': device '%s' cannot be assigned whole: its part "
                                "'%s' is assigned to instance '%s'", inst->name, dev->name,
                                (const char *) g_hash_table_lookup (st->part_name, dev->name),
                                holder->name);
        }
    }
  else
    {
      holder = g_hash_table_lookup (st->owners, dev->name);
      if (holder != NULL && holder != inst)
        {
          g_autofree char *sugg = g_strdup_printf ("remove '%s' from '%s', or give '%s' only "
                                                   "VFs or namespaces", ref->name, inst->name,
                                                   holder->name);
          kerf_validate_report (ctx, "D6", loc, sugg,
                                "instance '%s': '%s' belongs to device '%s', which is assigned "
                                "whole to instance '%s'", inst->name, ref->name, dev->name,
                                holder->name);
        }
      if (!g_hash_table_contains (st->part_owner, dev->name))
        {
          g_hash_table_insert (st->part_owner, dev->name, (gpointer) inst);
          g_hash_table_insert (st->part_name, dev->name, ref->name);
        }
    }
}

static void
check_inventory (KerfValidateCtx *ctx, DevState *st)
{
  g_autoptr(GHashTable) pci = g_hash_table_new (g_str_hash, g_str_equal);
  const GPtrArray *devs = ctx->res->devices;

  for (guint i = 0; devs != NULL && i < devs->len; i++)
    {
      KerfDevice *dev = g_ptr_array_index (devs, i);
      const KerfDevice *other;

      other = g_hash_table_lookup (st->devices, dev->name);
      if (other != NULL)
        kerf_validate_report (ctx, "DV3", dev->loc, "give each device a unique name (label)",
                              "device name '%s' is used by two devices", dev->name);
      else
        g_hash_table_insert (st->devices, dev->name, dev);
      if (dev->pci_id != NULL)
        {
          other = g_hash_table_lookup (pci, dev->pci_id);
          if (other != NULL)
            {
              g_autofree char *sugg = g_strdup_printf ("describe PCI device %s once (it is "
                                                       "also '%s')", dev->pci_id, other->name);
              kerf_validate_report (ctx, "DV3", dev->loc, sugg,
                                    "device '%s': PCI id %s is also used by device '%s'",
                                    dev->name, dev->pci_id, other->name);
            }
          else
            g_hash_table_insert (pci, dev->pci_id, dev);
        }

      for (int vf = 1; vf >= 0; vf--)
        {
          const GArray *avail = vf ? dev->available_vfs : dev->available_ns;
          const GArray *reserved = vf ? dev->host_reserved_vfs : dev->host_reserved_ns;
          guint32 count = vf ? dev->sriov_vfs : dev->namespaces;
          const char *rule = vf ? "DV1" : "DV2";
          const char *what = vf ? "VF" : "namespace";
          g_autoptr(GArray) bad = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_autoptr(GArray) both = g_array_new (FALSE, FALSE, sizeof (guint32));

          for (int list = 0; list < 2; list++)
            {
              const GArray *ids = list ? reserved : avail;
              for (guint k = 0; ids != NULL && k < ids->len; k++)
                {
                  guint32 id = g_array_index (ids, guint32, k);
                  if (vf ? id >= count : (id == 0 || id > count))
                    g_array_append_val (bad, id);
                  else if (list == 0 && kerf_u32_array_contains (reserved, id))
                    g_array_append_val (both, id);
                }
            }
          if (bad->len > 0)
            {
              g_autofree char *l = kerf_cpu_array_format (bad);
              g_autofree char *sugg = vf
                  ? g_strdup_printf ("raise 'sriov-vfs' or use VF ids 0-%d", (int) count - 1)
                  : g_strdup_printf ("raise 'namespaces' or use namespace ids 1-%u", count);
              kerf_validate_report (ctx, rule, dev->loc, sugg,
                                    "device '%s': %s id%s %s out of range (the device has %u)",
                                    dev->name, what, bad->len == 1 ? "" : "s", l, count);
            }
          if (both->len > 0)
            {
              g_autofree char *l = kerf_cpu_array_format (both);
              kerf_validate_report (ctx, rule, dev->loc,
                                    "list each id in only one of the two lists",
                                    "device '%s': %s id%s %s both host-reserved and available",
                                    dev->name, what, both->len == 1 ? "" : "s", l);
            }
        }
    }
}

/* Names of the references some instance uses: D1-D5 already report their
 * problems where the instance uses them, with the instance's name, so
 * DR1-DR3 speak only of the others (one finding per mistake). */
static GHashTable *
used_reference_names (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;
  GHashTable *used = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; instances != NULL && i < instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (instances, i);

      for (guint k = 0; inst->devices != NULL && k < inst->devices->len; k++)
        {
          const KerfDeviceRef *ref = g_ptr_array_index (inst->devices, k);
          if (ref->name != NULL)
            g_hash_table_add (used, ref->name);
        }
    }
  return used;
}

static void
check_references (KerfValidateCtx *ctx, DevState *st)
{
  const GPtrArray *refs = ctx->state->device_refs;
  g_autoptr(GHashTable) used = used_reference_names (ctx);

  for (guint i = 0; refs != NULL && i < refs->len; i++)
    {
      const KerfDeviceRef *ref = g_ptr_array_index (refs, i);
      const KerfDevice *dev = g_hash_table_lookup (st->devices, ref->device ? ref->device : "");
      g_autofree char *problem = NULL;

      if (ref->name != NULL && g_hash_table_contains (used, ref->name))
        continue;
      if (dev == NULL)
        {
          g_autofree char *sugg = known_devices (ctx);
          kerf_validate_report (ctx, "DR1", ref->loc, sugg,
                                "device reference '%s': parent device '%s' does not exist in the "
                                "hardware inventory", ref->name, ref->device ? ref->device : "");
          continue;
        }
      if (ref->kind == KERF_DEVICE_REF_WHOLE)
        continue;
      problem = part_problem (dev, ref->kind, ref->index);
      if (problem != NULL)
        {
          g_autofree char *f = free_parts (st, dev, ref->kind);
          const char *what = ref->kind == KERF_DEVICE_REF_VF ? "VF" : "namespace";
          g_autofree char *sugg = *f ? g_strdup_printf ("refer to one of %s", f)
                                     : g_strdup_printf ("no %s of '%s' is free: remove the "
                                                        "reference", what, dev->name);
          kerf_validate_report (ctx, ref->kind == KERF_DEVICE_REF_VF ? "DR2" : "DR3", ref->loc,
                                sugg, "device reference '%s': %s", ref->name, problem);
        }
    }
}

void
kerf_validate_device (KerfValidateCtx *ctx)
{
  const GPtrArray *instances = ctx->state->instances;
  DevState st;

  st.devices = g_hash_table_new (g_str_hash, g_str_equal);
  st.owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st.part_owner = g_hash_table_new (g_str_hash, g_str_equal);
  st.part_name = g_hash_table_new (g_str_hash, g_str_equal);

  check_inventory (ctx, &st);
  for (guint i = 0; instances != NULL && i < instances->len; i++)
    {
      const KerfInstance *inst = g_ptr_array_index (instances, i);

      for (guint k = 0; inst->devices != NULL && k < inst->devices->len; k++)
        check_ref (ctx, &st, inst, g_ptr_array_index (inst->devices, k));
    }
  check_references (ctx, &st);

  g_hash_table_unref (st.devices);
  g_hash_table_unref (st.owners);
  g_hash_table_unref (st.part_owner);
  g_hash_table_unref (st.part_name);
}
