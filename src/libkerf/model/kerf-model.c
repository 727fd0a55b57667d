/* kerf-model.c — life cycle, copies and lookups of the resource model
 * (see kerf-model.h).  Reading lives in kerf-model-read*.c, writing in
 * kerf-model-write.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-model.h"

/* ---- enums ---------------------------------------------------------- */

const char *
kerf_schema_to_string (KerfSchema schema)
{
  switch (schema)
    {
    case KERF_SCHEMA_NESTED:
      return "nested";
    case KERF_SCHEMA_FLAT:
      return "flat";
    case KERF_SCHEMA_KERNEL:
      return "kernel";
    default:
      return "unknown";
    }
}

static const char *const affinity_names[] = { NULL, "compact", "spread", "local" };
static const char *const policy_names[] = { NULL, "local", "interleave", "bind" };

const char *
kerf_cpu_affinity_to_string (KerfCpuAffinity affinity)
{
  if ((guint) affinity >= G_N_ELEMENTS (affinity_names))
    return NULL;
  return affinity_names[affinity];
}

gboolean
kerf_cpu_affinity_from_string (const char *s, KerfCpuAffinity *out)
{
  for (guint i = 1; s != NULL && i < G_N_ELEMENTS (affinity_names); i++)
    if (strcmp (s, affinity_names[i]) == 0)
      {
        *out = (KerfCpuAffinity) i;
        return TRUE;
      }
  return FALSE;
}

const char *
kerf_memory_policy_to_string (KerfMemoryPolicy policy)
{
  if ((guint) policy >= G_N_ELEMENTS (policy_names))
    return NULL;
  return policy_names[policy];
}

gboolean
kerf_memory_policy_from_string (const char *s, KerfMemoryPolicy *out)
{
  for (guint i = 1; s != NULL && i < G_N_ELEMENTS (policy_names); i++)
    if (strcmp (s, policy_names[i]) == 0)
      {
        *out = (KerfMemoryPolicy) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- small helpers -------------------------------------------------- */

static GArray *
kerf_u32_array_new (void)
{
  return g_array_new (FALSE, TRUE, sizeof (guint32));
}

static GArray *
kerf_u32_array_dup (const GArray *from)
{
  GArray *to = kerf_u32_array_new ();

  if (from != NULL)
    g_array_append_vals (to, from->data, from->len);
  return to;
}

/* ---- devices -------------------------------------------------------- */

KerfDevice *
kerf_device_new (const char *name)
{
  KerfDevice *dev = g_new0 (KerfDevice, 1);

  dev->name = g_strdup (name);
  dev->numa_node = -1;
  dev->host_reserved_vfs = kerf_u32_array_new ();
  dev->available_vfs = kerf_u32_array_new ();
  dev->host_reserved_ns = kerf_u32_array_new ();
  dev->available_ns = kerf_u32_array_new ();
  return dev;
}

void
kerf_device_free (KerfDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->name);
  g_free (dev->node_name);
  g_free (dev->compatible);
  g_free (dev->device_type);
  g_free (dev->device_name);
  g_free (dev->pci_id);
  g_array_unref (dev->host_reserved_vfs);
  g_array_unref (dev->available_vfs);
  g_array_unref (dev->host_reserved_ns);
  g_array_unref (dev->available_ns);
  g_free (dev);
}

KerfDevice *
kerf_device_copy (const KerfDevice *dev)
{
  KerfDevice *copy = g_new0 (KerfDevice, 1);

  *copy = *dev;
  copy->name = g_strdup (dev->name);
  copy->node_name = g_strdup (dev->node_name);
  copy->compatible = g_strdup (dev->compatible);
  copy->device_type = g_strdup (dev->device_type);
  copy->device_name = g_strdup (dev->device_name);
  copy->pci_id = g_strdup (dev->pci_id);
  copy->host_reserved_vfs = kerf_u32_array_dup (dev->host_reserved_vfs);
  copy->available_vfs = kerf_u32_array_dup (dev->available_vfs);
  copy->host_reserved_ns = kerf_u32_array_dup (dev->host_reserved_ns);
  copy->available_ns = kerf_u32_array_dup (dev->available_ns);
  return copy;
}

/* ---- NUMA nodes ----------------------------------------------------- */

KerfNumaNode *
kerf_numa_node_new (guint32 id)
{
  KerfNumaNode *node = g_new0 (KerfNumaNode, 1);

  node->id = id;
  node->cpus = kerf_u32_array_new ();
  node->distances = kerf_u32_array_new ();
  return node;
}

void
kerf_numa_node_free (KerfNumaNode *node)
{
  if (node == NULL)
    return;
  g_array_unref (node->cpus);
  g_array_unref (node->distances);
  g_free (node);
}

KerfNumaNode *
kerf_numa_node_copy (const KerfNumaNode *node)
{
  KerfNumaNode *copy = g_new0 (KerfNumaNode, 1);

  *copy = *node;
  copy->cpus = kerf_u32_array_dup (node->cpus);
  copy->distances = kerf_u32_array_dup (node->distances);
  return copy;
}

/* ---- resources ------------------------------------------------------ */

KerfResources *
kerf_resources_new (void)
{
  KerfResources *res = g_new0 (KerfResources, 1);

  res->host_reserved_cpus = kerf_u32_array_new ();
  res->available_cpus = kerf_u32_array_new ();
  res->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_device_free);
  res->numa_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_numa_node_free);
  res->pool_chunks = g_array_new (FALSE, FALSE, sizeof (KerfPoolChunk));
  return res;
}

void
kerf_resources_free (KerfResources *res)
{
  if (res == NULL)
    return;
  g_array_unref (res->host_reserved_cpus);
  g_array_unref (res->available_cpus);
  g_ptr_array_unref (res->devices);
  g_ptr_array_unref (res->numa_nodes);
  g_array_unref (res->pool_chunks);
  g_free (res);
}

KerfResources *
kerf_resources_copy (const KerfResources *res)
{
  KerfResources *copy = g_new0 (KerfResources, 1);

  *copy = *res;
  copy->host_reserved_cpus = kerf_u32_array_dup (res->host_reserved_cpus);
  copy->available_cpus = kerf_u32_array_dup (res->available_cpus);
  copy->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_device_free);
  for (guint i = 0; i < res->devices->len; i++)
    g_ptr_array_add (copy->devices, kerf_device_copy (g_ptr_array_index (res->devices, i)));
  copy->numa_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_numa_node_free);
  for (guint i = 0; i < res->numa_nodes->len; i++)
    g_ptr_array_add (copy->numa_nodes, kerf_numa_node_copy (g_ptr_array_index (res->numa_nodes, i)));
  copy->pool_chunks = g_array_copy (res->pool_chunks);
  return copy;
}

static gint
kerf_pool_chunk_cmp (gconstpointer a, gconstpointer b)
{
  const KerfPoolChunk *x = a, *y = b;

  return x->base < y->base ? -1 : x->base > y->base;
}

/* Appends [start, end) page aligned (start rounded up, end down). */
static void
kerf_pool_chunks_add (GArray *chunks, guint64 start, guint64 end, gint32 node)
{
  start = start > G_MAXUINT64 - (KERF_PAGE_SIZE - 1) ? G_MAXUINT64
                                                     : (start + KERF_PAGE_SIZE - 1) & ~(KERF_PAGE_SIZE - 1);
  end &= ~(KERF_PAGE_SIZE - 1);
  if (end > start)
    {
      KerfPoolChunk c = { start, end - start, node };
      g_array_append_val (chunks, c);
    }
}

GArray *
kerf_resources_pool_chunks (const KerfResources *res)
{
  GArray *chunks = g_array_new (FALSE, FALSE, sizeof (KerfPoolChunk));
  g_autoptr (GArray) spans = NULL;
  guint64 pool_end, cursor;

  if (res == NULL || res->pool_bytes == 0)
    return chunks;
  if (res->pool_chunks != NULL && res->pool_chunks->len > 0)
    {
      g_array_append_vals (chunks, res->pool_chunks->data, res->pool_chunks->len);
      g_array_sort (chunks, kerf_pool_chunk_cmp);
      return chunks;
    }
  pool_end = res->pool_bytes > G_MAXUINT64 - res->pool_base ? G_MAXUINT64
                                                            : res->pool_base + res->pool_bytes;
  if (res->numa_nodes->len == 0)
    {
      kerf_pool_chunks_add (chunks, res->pool_base, pool_end, 0);
      return chunks;
    }
  /* each node's share of the pool; parts no node covers stay node-less */
  spans = g_array_new (FALSE, FALSE, sizeof (KerfPoolChunk));
  for (guint i = 0; i < res->numa_nodes->len; i++)
    {
      const KerfNumaNode *n = g_ptr_array_index (res->numa_nodes, i);
      guint64 end = n->memory_size > G_MAXUINT64 - n->memory_base ? G_MAXUINT64
                                                                  : n->memory_base + n->memory_size;
      guint64 lo = MAX (n->memory_base, res->pool_base), hi = MIN (end, pool_end);

      if (hi > lo)
        {
          KerfPoolChunk c = { lo, hi - lo, (gint32) n->id };
          g_array_append_val (spans, c);
        }
    }
  g_array_sort (spans, kerf_pool_chunk_cmp);
  cursor = res->pool_base;
  for (guint i = 0; i < spans->len; i++)
    {
      KerfPoolChunk c = g_array_index (spans, KerfPoolChunk, i);
      guint64 lo = MAX (c.base, cursor), hi = c.base + c.size;

      if (c.base > cursor)
        kerf_pool_chunks_add (chunks, cursor, c.base, -1);
      if (hi > lo)   /* overlapping nodes: the first one wins */
        {
          kerf_pool_chunks_add (chunks, lo, hi, c.numa_node);
          cursor = hi;
        }
    }
  if (cursor < pool_end)
    kerf_pool_chunks_add (chunks, cursor, pool_end, -1);
  return chunks;
}

/* ---- device references ---------------------------------------------- */

/* "eth0_vf1" -> ("eth0", 1) when `name` ends in `infix` + decimal digits. */
static gboolean
kerf_device_ref_split (const char *name, const char *infix, char **device, guint32 *index)
{
  const char *hit = NULL;
  gsize infix_len = strlen (infix);

  for (const char *p = strstr (name, infix); p != NULL; p = strstr (p + 1, infix))
    hit = p;  /* the last occurrence: "my_vfx_vf2" is device "my_vfx" */
  if (hit == NULL || hit == name)
    return FALSE;

  const char *digits = hit + infix_len;
  if (*digits == '\0' || strspn (digits, "0123456789") != strlen (digits) || strlen (digits) > 9)
    return FALSE;
  *device = g_strndup (name, (gsize) (hit - name));
  *index = (guint32) strtoul (digits, NULL, 10);
  return TRUE;
}

KerfDeviceRef *
kerf_device_ref_new (const char *name)
{
  KerfDeviceRef *ref = g_new0 (KerfDeviceRef, 1);

  ref->name = g_strdup (name);
  if (kerf_device_ref_split (name, "_vf", &ref->device, &ref->index))
    ref->kind = KERF_DEVICE_REF_VF;
  else if (kerf_device_ref_split (name, "_ns", &ref->device, &ref->index))
    ref->kind = KERF_DEVICE_REF_NAMESPACE;
  else
    {
      ref->kind = KERF_DEVICE_REF_WHOLE;
      ref->device = g_strdup (name);
      ref->index = 0;
    }
  return ref;
}

void
kerf_device_ref_free (KerfDeviceRef *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->name);
  g_free (ref->device);
  g_free (ref);
}

KerfDeviceRef *
kerf_device_ref_copy (const KerfDeviceRef *ref)
{
  KerfDeviceRef *copy = g_new0 (KerfDeviceRef, 1);

  *copy = *ref;
  copy->name = g_strdup (ref->name);
  copy->device = g_strdup (ref->device);
  return copy;
}

char *
kerf_device_ref_canonical_name (const char *device, KerfDeviceRefKind kind, guint32 index)
{
  switch (kind)
    {
    case KERF_DEVICE_REF_VF:
      return g_strdup_printf ("%s_vf%u", device, index);
    case KERF_DEVICE_REF_NAMESPACE:
      return g_strdup_printf ("%s_ns%u", device, index);
    case KERF_DEVICE_REF_WHOLE:
    default:
      return g_strdup (device);
    }
}

/* ---- instances ------------------------------------------------------ */

KerfInstance *
kerf_instance_new (const char *name)
{
  KerfInstance *inst = g_new0 (KerfInstance, 1);

  inst->name = g_strdup (name);
  inst->cpus = kerf_u32_array_new ();
  inst->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_device_ref_free);
  inst->numa_nodes = kerf_u32_array_new ();
  return inst;
}

void
kerf_instance_free (KerfInstance *inst)
{
  if (inst == NULL)
    return;
  g_free (inst->name);
  g_array_unref (inst->cpus);
  g_ptr_array_unref (inst->devices);
  g_array_unref (inst->numa_nodes);
  g_free (inst);
}

KerfInstance *
kerf_instance_copy (const KerfInstance *inst)
{
  KerfInstance *copy = g_new0 (KerfInstance, 1);

  *copy = *inst;
  copy->name = g_strdup (inst->name);
  copy->cpus = kerf_u32_array_dup (inst->cpus);
  copy->numa_nodes = kerf_u32_array_dup (inst->numa_nodes);
  copy->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_device_ref_free);
  for (guint i = 0; i < inst->devices->len; i++)
    g_ptr_array_add (copy->devices, kerf_device_ref_copy (g_ptr_array_index (inst->devices, i)));
  return copy;
}

char *
kerf_instance_name_problem (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0)
    return g_strdup ("it is empty");
  if (len > 63)
    return g_strdup_printf ("it is %" G_GSIZE_FORMAT " characters long (at most 63)", len);
  if (name[0] == '.' || name[0] == '-')
    return g_strdup_printf ("it starts with '%c'", name[0]);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
      return g_ascii_isprint (name[i])
               ? g_strdup_printf ("it contains '%c'", name[i])
               : g_strdup_printf ("it contains the byte 0x%02x", (guchar) name[i]);
  return NULL;
}

gboolean
kerf_instance_name_is_valid (const char *name)
{
  g_autofree char *problem = kerf_instance_name_problem (name);

  return problem == NULL;
}

/* ---- the model ------------------------------------------------------ */

KerfModel *
kerf_model_new (void)
{
  KerfModel *model = g_new0 (KerfModel, 1);

  model->schema = KERF_SCHEMA_NESTED;
  model->instances = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_instance_free);
  model->device_refs = g_ptr_array_new_with_free_func ((GDestroyNotify) kerf_device_ref_free);
  return model;
}

void
kerf_model_free (KerfModel *model)
{
  if (model == NULL)
    return;
  kerf_resources_free (model->resources);
  g_ptr_array_unref (model->instances);
  g_ptr_array_unref (model->device_refs);
  g_free (model->source_name);
  g_free (model);
}

KerfModel *
kerf_model_copy (const KerfModel *model)
{
  KerfModel *copy = kerf_model_new ();

  copy->schema = model->schema;
  copy->resources = model->resources ? kerf_resources_copy (model->resources) : NULL;
  for (guint i = 0; i < model->instances->len; i++)
    g_ptr_array_add (copy->instances, kerf_instance_copy (g_ptr_array_index (model->instances, i)));
  for (guint i = 0; i < model->device_refs->len; i++)
    g_ptr_array_add (copy->device_refs,
                     kerf_device_ref_copy (g_ptr_array_index (model->device_refs, i)));
  copy->source_name = g_strdup (model->source_name);
  return copy;
}

/* ---- lookups -------------------------------------------------------- */

KerfInstance *
kerf_model_find_instance (const KerfModel *model, const char *name)
{
  for (guint i = 0; name != NULL && i < model->instances->len; i++)
    {
      KerfInstance *inst = g_ptr_array_index (model->instances, i);
      if (g_strcmp0 (inst->name, name) == 0)
        return inst;
    }
  return NULL;
}

KerfInstance *
kerf_model_find_instance_by_id (const KerfModel *model, guint32 id)
{
  /* 0 means "no id yet", so it never identifies an instance */
  for (guint i = 0; id != 0 && i < model->instances->len; i++)
    {
      KerfInstance *inst = g_ptr_array_index (model->instances, i);
      if (inst->id == id)
        return inst;
    }
  return NULL;
}

KerfDevice *
kerf_resources_find_device (const KerfResources *res, const char *name)
{
  for (guint i = 0; res != NULL && name != NULL && i < res->devices->len; i++)
    {
      KerfDevice *dev = g_ptr_array_index (res->devices, i);
      if (g_strcmp0 (dev->name, name) == 0)
        return dev;
    }
  return NULL;
}

KerfDevice *
kerf_resources_find_device_by_pci_id (const KerfResources *res, const char *pci_id)
{
  for (guint i = 0; res != NULL && pci_id != NULL && i < res->devices->len; i++)
    {
      KerfDevice *dev = g_ptr_array_index (res->devices, i);
      if (dev->pci_id != NULL && g_ascii_strcasecmp (dev->pci_id, pci_id) == 0)
        return dev;
    }
  return NULL;
}

KerfNumaNode *
kerf_resources_find_numa_node (const KerfResources *res, guint32 id)
{
  for (guint i = 0; res != NULL && i < res->numa_nodes->len; i++)
    {
      KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      if (node->id == id)
        return node;
    }
  return NULL;
}

KerfNumaNode *
kerf_resources_numa_node_of_cpu (const KerfResources *res, guint32 cpu)
{
  for (guint i = 0; res != NULL && i < res->numa_nodes->len; i++)
    {
      KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      for (guint j = 0; j < node->cpus->len; j++)
        if (g_array_index (node->cpus, guint32, j) == cpu)
          return node;
    }
  return NULL;
}

KerfNumaNode *
kerf_resources_numa_node_of_address (const KerfResources *res, guint64 address)
{
  for (guint i = 0; res != NULL && i < res->numa_nodes->len; i++)
    {
      KerfNumaNode *node = g_ptr_array_index (res->numa_nodes, i);
      /* half-open [base, base+size), written so base+size cannot overflow */
      if (address >= node->memory_base && address - node->memory_base < node->memory_size)
        return node;
    }
  return NULL;
}
