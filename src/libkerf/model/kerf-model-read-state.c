/* kerf-model-read-state.c — devices, /device-references and /instances.
 *
 * The same in every schema.  References are phandles resolved through the
 * tree (a DTB has no labels left, only numbers), with the reference's own
 * label as a fallback for trees whose phandles were never assigned. */
#include "config.h"

#include <string.h>

#include "kerf-model-private.h"

/* ---- devices -------------------------------------------------------- */

/* "DDDD:BB:SS.F", hex digits, function 0-7: what the kernel parses. */
static gboolean
kerf_model_pci_id_is_valid (const char *s)
{
  static const char pattern[] = "xxxx:xx:xx.f";

  if (strlen (s) != sizeof pattern - 1)
    return FALSE;
  for (gsize i = 0; pattern[i] != '\0'; i++)
    {
      if (pattern[i] == 'x' && !g_ascii_isxdigit (s[i]))
        return FALSE;
      if (pattern[i] == 'f' && (s[i] < '0' || s[i] > '7'))
        return FALSE;
      if ((pattern[i] == ':' || pattern[i] == '.') && s[i] != pattern[i])
        return FALSE;
    }
  return TRUE;
}

KerfDevice *
kerf_model_read_device (KerfModelReader *r, const KerfDtNode *node)
{
  g_autofree char *name = kerf_model_device_node_name (r, node);
  KerfDevice *dev = kerf_device_new (name);
  KerfDtProp *prop;
  KerfLoc loc;
  guint32 numa;

  dev->node_name = g_strdup (node->name);
  dev->loc = node->loc;

  kerf_model_read_string (r, node, "compatible", FALSE, TRUE, &dev->compatible, NULL);
  if (kerf_model_read_string (r, node, "device-type", FALSE, FALSE, &dev->device_type, &loc)
      && strcmp (dev->device_type, "pci") != 0 && strcmp (dev->device_type, "platform") != 0)
    kerf_model_read_error (r, loc, "use device-type = \"pci\"; or device-type = \"platform\";",
                           "device %s: unknown device-type \"%s\"", dev->name, dev->device_type);
  kerf_model_read_string (r, node, "device-name", FALSE, FALSE, &dev->device_name, NULL);
  if (kerf_model_read_string (r, node, "pci-id", FALSE, FALSE, &dev->pci_id, &loc)
      && !kerf_model_pci_id_is_valid (dev->pci_id))
    kerf_model_read_error (r, loc, "write the PCI address as DDDD:BB:SS.F, e.g. \"0000:01:00.0\"",
                           "device %s: malformed pci-id \"%s\"", dev->name, dev->pci_id);

  dev->has_vendor_id = kerf_model_read_u32 (r, node, "vendor-id", FALSE, &dev->vendor_id, NULL);
  dev->has_device_id = kerf_model_read_u32 (r, node, "device-id", FALSE, &dev->device_id, NULL);
  if (kerf_model_read_u32 (r, node, "numa-node", FALSE, &numa, &loc))
    {
      if (numa > G_MAXINT32)
        kerf_model_read_error (r, loc, NULL, "device %s: numa-node %u is out of range",
                               dev->name, numa);
      else
        dev->numa_node = (gint32) numa;
    }

  kerf_model_read_u32 (r, node, "sriov-vfs", FALSE, &dev->sriov_vfs, NULL);
  kerf_model_read_id_list (r, node, "host-reserved-vf", FALSE, FALSE, "VF",
                           dev->host_reserved_vfs, NULL);
  kerf_model_read_id_list (r, node, "available-vfs", FALSE, FALSE, "VF", dev->available_vfs, NULL);
  kerf_model_read_u32 (r, node, "namespaces", FALSE, &dev->namespaces, NULL);
  kerf_model_read_id_list (r, node, "host-reserved-ns", FALSE, FALSE, "namespace",
                           dev->host_reserved_ns, NULL);
  kerf_model_read_id_list (r, node, "available-ns", FALSE, FALSE, "namespace",
                           dev->available_ns, NULL);

  if ((prop = kerf_dt_node_get_prop (node, "host-reserved")) != NULL)
    {
      if (prop->value->len != 0)
        kerf_model_read_error (r, prop->loc, "write it as a flag: host-reserved;",
                               "device %s: 'host-reserved' takes no value", dev->name);
      dev->host_reserved = TRUE;
    }
  return dev;
}

void
kerf_model_read_devices (KerfModelReader *r, const KerfDtNode *devices, KerfResources *res)
{
  for (guint i = 0; i < devices->children->len; i++)
    {
      const KerfDtNode *node = g_ptr_array_index (devices->children, i);
      KerfDevice *dev = kerf_model_read_device (r, node);
      KerfDevice *other = kerf_resources_find_device (res, dev->name);

      if (other != NULL)
        {
          g_autofree char *where = kerf_loc_to_string (other->loc);
          kerf_model_read_error (r, node->loc, "give each device its own label",
                                 "device name '%s' is already used by %s (%s)",
                                 dev->name, other->node_name, where);
          kerf_device_free (dev);
          continue;
        }
      g_ptr_array_add (res->devices, dev);
    }
}

/* A device node: a child of /resources/devices, or a node with a pci-id
 * under a pool tree's pci@… bridge. */
static gboolean
kerf_model_node_is_device (const KerfDtNode *node)
{
  const KerfDtNode *p = node->parent;

  if (p != NULL && strcmp (p->name, "devices") == 0 && p->parent != NULL
      && strcmp (p->parent->name, "resources") == 0 && p->parent->parent != NULL
      && p->parent->parent->parent == NULL)
    return TRUE;
  if (kerf_dt_node_get_prop (node, "pci-id") == NULL)
    return FALSE;
  for (; p != NULL; p = p->parent)
    if (p->parent != NULL && p->parent->parent == NULL && g_str_has_prefix (p->name, "pci@"))
      return TRUE;
  return FALSE;
}

/* The node the phandle cell at `offset` of `prop` points at, or NULL. */
static const KerfDtNode *
kerf_model_resolve_phandle (KerfModelReader *r, const KerfDtProp *prop, gsize offset,
                            KerfLoc *loc, char **ref_text)
{
  guint32 phandle = 0;
  const KerfDtNode *node = NULL;

  *loc = prop->loc;
  kerf_dt_prop_get_u32 (prop, offset / 4, &phandle);
  if (phandle != 0 && phandle != 0xffffffffu)
    node = kerf_dt_tree_lookup_phandle (r->tree, phandle);
  for (guint i = 0; i < prop->marks->len; i++)
    {
      const KerfDtMark *mark = &g_array_index (prop->marks, KerfDtMark, i);
      if (mark->kind != KERF_DT_MARK_REF_PHANDLE || mark->offset != offset)
        continue;
      if (mark->loc.file != NULL)
        *loc = mark->loc;
      *ref_text = g_strdup_printf ("&%s", mark->ref);
      if (node == NULL && mark->ref != NULL)
        node = mark->ref[0] == '/' ? kerf_dt_tree_lookup_path (r->tree, mark->ref)
                                   : kerf_dt_tree_lookup_label (r->tree, mark->ref);
      break;
    }
  if (*ref_text == NULL)
    *ref_text = g_strdup_printf ("phandle 0x%x", phandle);
  return node;
}

/* ---- device references ---------------------------------------------- */

static void
kerf_model_read_device_ref (KerfModelReader *r, const KerfDtNode *node)
{
  KerfDtProp *parent = kerf_dt_node_get_prop (node, "parent");
  g_autofree char *device = NULL;
  gboolean has_vf, has_ns;
  guint32 vf = 0, ns = 0;
  KerfDeviceRefKind kind;
  KerfDeviceRef *ref;
  g_autofree char *name = NULL;

  if (parent == NULL)
    {
      kerf_model_read_error (r, node->loc, "add parent = <&eth0>; naming the physical device",
                             "device reference %s lacks the required property 'parent'",
                             node->name);
      return;
    }
  if (kerf_dt_prop_get_string (parent) != NULL && parent->value->len != 4)
    device = g_strdup (kerf_dt_prop_get_string (parent));  /* the Python tool's form */
  else if (parent->value->len == 4)
    {
      KerfLoc loc;
      g_autofree char *text = NULL;
      const KerfDtNode *target = kerf_model_resolve_phandle (r, parent, 0, &loc, &text);
      if (target == NULL)
        {
          kerf_model_read_error (r, loc, "point parent at a labelled device: parent = <&eth0>;",
                                 "parent of %s refers to nothing (%s)", node->name, text);
          return;
        }
      if (!kerf_model_node_is_device (target))
        {
          g_autofree char *path = kerf_dt_node_path (target);
          kerf_model_read_error (r, loc, "point parent at a node under /resources/devices",
                                 "parent of %s refers to %s, which is not a device",
                                 node->name, path);
          return;
        }
      device = kerf_model_device_node_name (r, target);
    }
  else
    {
      kerf_model_read_error (r, parent->loc, "write parent = <&eth0>;",
                             "parent of %s must be one phandle", node->name);
      return;
    }

  has_vf = kerf_model_read_u32 (r, node, "vf-id", FALSE, &vf, NULL);
  has_ns = kerf_model_read_u32 (r, node, "namespace-id", FALSE, &ns, NULL);
  if (has_vf == has_ns)
    {
      if (kerf_dt_node_get_prop (node, "vf-id") == NULL
          && kerf_dt_node_get_prop (node, "namespace-id") == NULL)
        kerf_model_read_error (r, node->loc, "add vf-id = <N>; or namespace-id = <N>;",
                               "device reference %s has neither vf-id nor namespace-id",
                               node->name);
      else if (has_vf && has_ns)
        kerf_model_read_error (r, node->loc, "keep only one of vf-id and namespace-id",
                               "device reference %s has both vf-id and namespace-id",
                               node->name);
      return;
    }
  kind = has_vf ? KERF_DEVICE_REF_VF : KERF_DEVICE_REF_NAMESPACE;

  if (node->labels->len > 0)
    name = g_strdup (g_ptr_array_index (node->labels, 0));
  else if (strstr (node->name, "_vf") != NULL || strstr (node->name, "_ns") != NULL)
    name = g_strdup (node->name);  /* Python's root-level "eth0_vf1" nodes */
  else
    name = kerf_device_ref_canonical_name (device, kind, has_vf ? vf : ns);

  for (guint i = 0; i < r->model->device_refs->len; i++)
    {
      KerfDeviceRef *other = g_ptr_array_index (r->model->device_refs, i);
      if (strcmp (other->name, name) == 0)
        {
          kerf_model_read_error (r, node->loc, "give each reference its own label",
                                 "device reference '%s' is defined twice", name);
          return;
        }
    }

  ref = g_new0 (KerfDeviceRef, 1);
  ref->name = g_steal_pointer (&name);
  ref->device = g_steal_pointer (&device);
  ref->kind = kind;
  ref->index = has_vf ? vf : ns;
  ref->loc = node->loc;
  g_ptr_array_add (r->model->device_refs, ref);
  if (r->ref_of_node == NULL)
    r->ref_of_node = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_insert (r->ref_of_node, (gpointer) node, ref);
}

void
kerf_model_read_device_refs (KerfModelReader *r)
{
  const KerfDtNode *refs = kerf_dt_tree_lookup_path (r->tree, "/device-references");
  const KerfDtNode *root = r->tree->root;

  for (guint i = 0; refs != NULL && i < refs->children->len; i++)
    kerf_model_read_device_ref (r, g_ptr_array_index (refs->children, i));

  /* The Python tool writes its references as root-level nodes. */
  for (guint i = 0; i < root->children->len; i++)
    {
      const KerfDtNode *node = g_ptr_array_index (root->children, i);
      if (kerf_dt_node_get_prop (node, "parent") != NULL
          && (kerf_dt_node_get_prop (node, "vf-id") != NULL
              || kerf_dt_node_get_prop (node, "namespace-id") != NULL))
        kerf_model_read_device_ref (r, node);
    }
}

/* ---- instances ------------------------------------------------------ */

static KerfDeviceRef *
kerf_model_find_ref (KerfModelReader *r, const char *name)
{
  for (guint i = 0; i < r->model->device_refs->len; i++)
    {
      KerfDeviceRef *ref = g_ptr_array_index (r->model->device_refs, i);
      if (strcmp (ref->name, name) == 0)
        return ref;
    }
  return NULL;
}

static void
kerf_model_add_instance_device (KerfModelReader *r, KerfInstance *inst, KerfDeviceRef *ref)
{
  for (guint i = 0; i < inst->devices->len; i++)
    {
      KerfDeviceRef *other = g_ptr_array_index (inst->devices, i);
      if (strcmp (other->name, ref->name) == 0)
        {
          g_autofree char *suggestion = g_strdup_printf ("list %s only once", ref->name);
          kerf_model_read_error (r, ref->loc, suggestion,
                                 "instance %s lists device %s more than once",
                                 inst->name, ref->name);
          kerf_device_ref_free (ref);
          return;
        }
    }
  g_ptr_array_add (inst->devices, ref);
}

static void
kerf_model_read_instance_phandles (KerfModelReader *r, KerfInstance *inst, const KerfDtProp *prop)
{
  if (prop->value->len % 4 != 0)
    {
      kerf_model_read_error (r, prop->loc, "write devices = <&eth0_vf1 &nvme0>;",
                             "instance %s: 'devices' must be a list of phandles", inst->name);
      return;
    }
  for (gsize off = 0; off < prop->value->len; off += 4)
    {
      KerfLoc loc;
      g_autofree char *text = NULL;
      const KerfDtNode *target = kerf_model_resolve_phandle (r, prop, off, &loc, &text);
      KerfDeviceRef *known, *ref;

      if (target == NULL)
        {
          kerf_model_read_error (r, loc,
                                 "refer to a labelled device or device reference, e.g. &eth0_vf1",
                                 "instance %s: device %s refers to nothing", inst->name, text);
          continue;
        }
      known = r->ref_of_node ? g_hash_table_lookup (r->ref_of_node, target) : NULL;
      if (known != NULL)
        ref = kerf_device_ref_copy (known);
      else if (kerf_model_node_is_device (target))
        {
          g_autofree char *name = kerf_model_device_node_name (r, target);
          ref = kerf_device_ref_new (name);
          /* a whole device, even if its name happens to end in _vfN */
          ref->kind = KERF_DEVICE_REF_WHOLE;
          g_free (ref->device);
          ref->device = g_strdup (name);
          ref->index = 0;
        }
      else
        {
          g_autofree char *path = kerf_dt_node_path (target);
          kerf_model_read_error (r, loc,
                                 "refer to a node under /resources/devices or /device-references",
                                 "instance %s: device %s is %s, neither a device nor a device "
                                 "reference", inst->name, text, path);
          continue;
        }
      ref->loc = loc;
      kerf_model_add_instance_device (r, inst, ref);
    }
}

static void
kerf_model_read_instance_names (KerfModelReader *r, KerfInstance *inst, const KerfDtProp *prop)
{
  g_auto (GStrv) names = kerf_dt_prop_get_string_list (prop);

  if (names == NULL)
    {
      kerf_model_read_error (r, prop->loc, "write device-names = \"eth0_vf1\", \"nvme0\";",
                             "instance %s: 'device-names' must be a list of strings", inst->name);
      return;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      /* f1fb859 wrote one space-separated string */
      g_auto (GStrv) words = g_strsplit_set (names[i], " \t", -1);
      for (guint j = 0; words[j] != NULL; j++)
        {
          KerfDeviceRef *known, *ref;
          if (words[j][0] == '\0')
            continue;
          known = kerf_model_find_ref (r, words[j]);
          ref = known ? kerf_device_ref_copy (known) : kerf_device_ref_new (words[j]);
          ref->loc = prop->loc;
          kerf_model_add_instance_device (r, inst, ref);
        }
    }
}

static gboolean
kerf_model_parse_affinity (const char *s, gpointer out)
{
  return kerf_cpu_affinity_from_string (s, out);
}

static gboolean
kerf_model_parse_policy (const char *s, gpointer out)
{
  return kerf_memory_policy_from_string (s, out);
}

static gboolean
kerf_model_read_enum (KerfModelReader *r, const KerfDtNode *node, const char *name,
                      const char *choices, gboolean (*parse) (const char *, gpointer),
                      gpointer out, KerfLoc *loc)
{
  g_autofree char *value = NULL;

  if (!kerf_model_read_string (r, node, name, FALSE, FALSE, &value, loc))
    return FALSE;
  if (!parse (value, out))
    {
      g_autofree char *suggestion = g_strdup_printf ("use one of %s", choices);
      kerf_model_read_error (r, *loc, suggestion, "unknown %s \"%s\"", name, value);
      return FALSE;
    }
  return TRUE;
}

static void
kerf_model_read_instance (KerfModelReader *r, const KerfDtNode *node, gboolean u64_cpus)
{
  g_autoptr (KerfInstance) inst = kerf_instance_new (node->name);
  const KerfDtNode *res = kerf_dt_node_get_child (node, "resources");
  KerfDtProp *devices, *names;

  inst->loc = node->loc;
  kerf_model_read_u32 (r, node, "id", FALSE, &inst->id, &inst->id_loc);
  if (res == NULL)
    {
      kerf_model_read_error (r, node->loc,
                             "add resources { cpus = <...>; memory-base = <...>; "
                             "memory-bytes = <...>; };",
                             "instance %s has no resources node", node->name);
      return;
    }
  kerf_model_read_id_list (r, res, "cpus", TRUE, u64_cpus, "CPU", inst->cpus, &inst->cpus_loc);
  kerf_model_read_number (r, res, "memory-base", TRUE, &inst->memory_base, &inst->memory_base_loc);
  kerf_model_read_number (r, res, "memory-bytes", TRUE, &inst->memory_bytes,
                          &inst->memory_bytes_loc);

  devices = kerf_dt_node_get_prop (res, "devices");
  names = kerf_dt_node_get_prop (res, "device-names");
  inst->devices_loc = kerf_model_prop_loc (res, devices ? devices : names);
  if (devices != NULL && names != NULL)
    kerf_model_read_error (r, names->loc, "keep one of the two",
                           "instance %s has both 'devices' and 'device-names'", inst->name);
  else if (devices != NULL)
    kerf_model_read_instance_phandles (r, inst, devices);
  else if (names != NULL)
    kerf_model_read_instance_names (r, inst, names);

  kerf_model_read_id_list (r, res, "numa-nodes", FALSE, FALSE, "NUMA node", inst->numa_nodes,
                           &inst->numa_nodes_loc);
  kerf_model_read_enum (r, res, "cpu-affinity", "\"compact\", \"spread\", \"local\"",
                        kerf_model_parse_affinity,
                        &inst->cpu_affinity, &inst->cpu_affinity_loc);
  kerf_model_read_enum (r, res, "memory-policy", "\"local\", \"interleave\", \"bind\"",
                        kerf_model_parse_policy,
                        &inst->memory_policy, &inst->memory_policy_loc);
  g_ptr_array_add (r->model->instances, g_steal_pointer (&inst));
}

void
kerf_model_read_instances (KerfModelReader *r, gboolean u64_cpus)
{
  const KerfDtNode *instances = kerf_dt_tree_lookup_path (r->tree, "/instances");

  for (guint i = 0; instances != NULL && i < instances->children->len; i++)
    kerf_model_read_instance (r, g_ptr_array_index (instances->children, i), u64_cpus);
}
