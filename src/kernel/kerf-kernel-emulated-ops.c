/* kerf-kernel-emulated-ops.c — the primitive changes of the emulated kernel.
 *
 * Every overlay item is resolved (memory placed, ids chosen) into one of
 * these primitives before it is applied, and the transaction journals them,
 * so rollback is the exact inverse primitives in reverse order, checked
 * like any other change. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "kerf-emu-private.h"

static const char *const op_names[EMU_OP_N_KINDS] = {
  [EMU_OP_INST_NEW] = "inst-new",
  [EMU_OP_INST_DESTROY] = "inst-destroy",
  [EMU_OP_INST_MEM_ADD] = "inst-mem-add",
  [EMU_OP_INST_MEM_REMOVE] = "inst-mem-remove",
  [EMU_OP_INST_CPU_ADD] = "inst-cpu-add",
  [EMU_OP_INST_CPU_REMOVE] = "inst-cpu-remove",
  [EMU_OP_INST_DEV_ADD] = "inst-dev-add",
  [EMU_OP_INST_DEV_REMOVE] = "inst-dev-remove",
  [EMU_OP_POOL_MEM_ADD] = "pool-mem-add",
  [EMU_OP_POOL_MEM_REMOVE] = "pool-mem-remove",
  [EMU_OP_POOL_CPU_ADD] = "pool-cpu-add",
  [EMU_OP_POOL_CPU_REMOVE] = "pool-cpu-remove",
  [EMU_OP_POOL_DEV_ADD] = "pool-dev-add",
  [EMU_OP_POOL_DEV_REMOVE] = "pool-dev-remove",
};

const char *
emu_op_kind_to_string (EmuOpKind kind)
{
  return kind < EMU_OP_N_KINDS ? op_names[kind] : "?";
}

gboolean
emu_op_kind_from_string (const char *s, EmuOpKind *out)
{
  for (guint i = 0; i < EMU_OP_N_KINDS; i++)
    if (g_strcmp0 (op_names[i], s) == 0)
      {
        *out = (EmuOpKind) i;
        return TRUE;
      }
  return FALSE;
}

EmuOp *
emu_op_inverse (const EmuOp *op)
{
  static const EmuOpKind inverse[EMU_OP_N_KINDS] = {
    [EMU_OP_INST_NEW] = EMU_OP_INST_DESTROY,
    [EMU_OP_INST_DESTROY] = EMU_OP_INST_NEW,
    [EMU_OP_INST_MEM_ADD] = EMU_OP_INST_MEM_REMOVE,
    [EMU_OP_INST_MEM_REMOVE] = EMU_OP_INST_MEM_ADD,
    [EMU_OP_INST_CPU_ADD] = EMU_OP_INST_CPU_REMOVE,
    [EMU_OP_INST_CPU_REMOVE] = EMU_OP_INST_CPU_ADD,
    [EMU_OP_INST_DEV_ADD] = EMU_OP_INST_DEV_REMOVE,
    [EMU_OP_INST_DEV_REMOVE] = EMU_OP_INST_DEV_ADD,
    [EMU_OP_POOL_MEM_ADD] = EMU_OP_POOL_MEM_REMOVE,
    [EMU_OP_POOL_MEM_REMOVE] = EMU_OP_POOL_MEM_ADD,
    [EMU_OP_POOL_CPU_ADD] = EMU_OP_POOL_CPU_REMOVE,
    [EMU_OP_POOL_CPU_REMOVE] = EMU_OP_POOL_CPU_ADD,
    [EMU_OP_POOL_DEV_ADD] = EMU_OP_POOL_DEV_REMOVE,
    [EMU_OP_POOL_DEV_REMOVE] = EMU_OP_POOL_DEV_ADD,
  };
  return emu_op_new (inverse[op->kind], op->s, op->t, op->a, op->b, op->u);
}

/* ---- memory bookkeeping --------------------------------------------- */

static gboolean
overlaps (guint64 a, guint64 asz, guint64 b, guint64 bsz)
{
  return a < b + bsz && b < a + asz;
}

static const EmuRange *
chunk_containing (KerfEmu *emu, guint64 base, guint64 size)
{
  for (guint i = 0; i < emu->chunks->len; i++)
    {
      const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
      if (base >= c->base && base + size <= c->base + c->size)
        return c;
    }
  return NULL;
}

/* The instance whose memory overlaps [base, base+size), or NULL. */
static EmuInstance *
memory_owner (KerfEmu *emu, guint64 base, guint64 size)
{
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      for (guint j = 0; j < inst->mem->len; j++)
        {
          const EmuRange *r = &g_array_index (inst->mem, EmuRange, j);
          if (overlaps (base, size, r->base, r->size))
            return inst;
        }
    }
  return NULL;
}

gboolean
emu_pool_find_free (KerfEmu *emu, guint64 size, gint32 numa, guint64 *base_out,
                    guint32 *numa_out)
{
  for (guint i = 0; i < emu->chunks->len; i++)
    {
      const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
      guint64 pos = c->base, end = c->base + c->size;

      if (numa >= 0 && c->numa != (guint32) numa)
        continue;
      /* Walk the chunk, jumping over instance memory, first fit wins. */
      while (pos + size <= end && pos + size > pos)
        {
          EmuInstance *owner = memory_owner (emu, pos, size);
          guint64 next = 0;
          if (owner == NULL)
            {
              *base_out = pos;
              *numa_out = c->numa;
              return TRUE;
            }
          for (guint j = 0; j < owner->mem->len; j++)
            {
              const EmuRange *r = &g_array_index (owner->mem, EmuRange, j);
              if (overlaps (pos, size, r->base, r->size))
                next = MAX (next, r->base + r->size);
            }
          pos = next;
        }
    }
  return FALSE;
}

gboolean
emu_machine_find_free (KerfEmu *emu, guint64 size, guint32 numa, guint64 *base_out)
{
  guint64 pos, end;

  if (!emu_machine_node_range (emu->machine, numa, &pos, &end))
    return FALSE;
  /* The host keeps the first host-reserved bytes of RAM. */
  pos = MAX (pos, emu->machine->host_reserved_bytes);
  end = MIN (end, emu->machine->ram_bytes);
  while (pos + size <= end && pos + size > pos)
    {
      guint64 next = 0;
      for (guint i = 0; i < emu->chunks->len; i++)
        {
          const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
          if (overlaps (pos, size, c->base, c->size))
            next = MAX (next, c->base + c->size);
        }
      if (next == 0)
        {
          *base_out = pos;
          return TRUE;
        }
      pos = next;
    }
  return FALSE;
}

static gboolean
cpu_is_assigned (KerfEmu *emu, guint64 cpu, EmuInstance **owner)
{
  for (guint i = 0; i < emu->instances->len; i++)
    {
      EmuInstance *inst = g_ptr_array_index (emu->instances, i);
      if (emu_u64_contains (inst->cpus, cpu))
        {
          if (owner != NULL)
            *owner = inst;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- applying one primitive ----------------------------------------- */

static int
fail (KerfEmu *emu, int err, const char *msg)
{
  emu_set_message (emu, "%s", msg);
  return -err;
}

static int
inst_mem_add (KerfEmu *emu, EmuInstance *inst, const EmuOp *op)
{
  EmuRange r = { op->a, op->b, op->u };
  EmuInstance *owner;
  const EmuRange *chunk = chunk_containing (emu, op->a, op->b);

  if (chunk == NULL)
    return fail (emu, EBUSY, "memory range is not inside one pool memory chunk");
  if ((owner = memory_owner (emu, op->a, op->b)) != NULL)
    {
      emu_set_message (emu, "memory range overlaps memory of instance '%s'", owner->name);
      return -EBUSY;
    }
  r.numa = chunk->numa;
  if (inst->mem->len > 0)
    {
      /* The instance tree carries one memory-base/memory-bytes pair, so an
       * instance holds one contiguous range; grow it only at its ends. */
      EmuRange *cur = &g_array_index (inst->mem, EmuRange, 0);
      guint64 base = MIN (cur->base, r.base);
      if (r.base + r.size != cur->base && cur->base + cur->size != r.base)
        return fail (emu, EINVAL, "memory-add would make the instance memory non-contiguous");
      /* The grown range obeys the rule a new one does: one pool chunk. */
      if (chunk_containing (emu, base, cur->size + r.size) == NULL)
        return fail (emu, EBUSY, "memory range is not inside one pool memory chunk");
      cur->base = base;
      cur->size += r.size;
      return 0;
    }
  g_array_append_val (inst->mem, r);
  return 0;
}

static int
inst_mem_remove (KerfEmu *emu, EmuInstance *inst, const EmuOp *op)
{
  EmuRange *cur;
  guint64 end = op->a + op->b;

  if (inst->mem->len == 0)
    return fail (emu, EINVAL, "memory-remove: the instance holds no memory");
  cur = &g_array_index (inst->mem, EmuRange, 0);
  if (op->a < cur->base || end > cur->base + cur->size)
    return fail (emu, EINVAL, "memory-remove: range is not memory of the instance");
  if (op->a == cur->base && end == cur->base + cur->size)
    g_array_set_size (inst->mem, 0);
  else if (op->a == cur->base)
    {
      cur->base = end;
      cur->size -= op->b;
    }
  else if (end == cur->base + cur->size)
    cur->size -= op->b;
  else
    return fail (emu, EINVAL, "memory-remove would split the instance memory in two");
  return 0;
}

static int
apply_instance_op (KerfEmu *emu, const EmuOp *op)
{
  EmuInstance *inst = emu_find_instance (emu, op->s), *owner = NULL;
  EmuPciDev *dev;

  if (inst == NULL)
    {
      emu_set_message (emu, "no instance named '%s'", op->s);
      return -ENOENT;
    }
  switch (op->kind)
    {
    case EMU_OP_INST_DESTROY:
      if (g_strcmp0 (inst->status, "loaded") == 0 || g_strcmp0 (inst->status, "active") == 0
          || g_strcmp0 (inst->status, "loading") == 0)
        {
          emu_set_message (emu, "instance '%s' is %s", inst->name, inst->status);
          return -EBUSY;
        }
      if (inst->mem->len > 0 || inst->cpus->len > 0)
        return fail (emu, EBUSY, "instance still holds resources");
      for (guint i = 0; i < emu->pci->len; i++)
        if (g_strcmp0 (((EmuPciDev *) g_ptr_array_index (emu->pci, i))->owner, inst->name) == 0)
          return fail (emu, EBUSY, "instance still holds devices");
      g_ptr_array_remove (emu->instances, inst);
      return 0;
    case EMU_OP_INST_MEM_ADD:
      return inst_mem_add (emu, inst, op);
    case EMU_OP_INST_MEM_REMOVE:
      return inst_mem_remove (emu, inst, op);
    case EMU_OP_INST_CPU_ADD:
      if (!emu_u64_contains (emu->pool_cpus, op->a))
        {
          emu_set_message (emu, "CPU %" G_GUINT64_FORMAT " is not in the pool", op->a);
          return -EBUSY;
        }
      if (cpu_is_assigned (emu, op->a, &owner))
        {
          emu_set_message (emu, "CPU %" G_GUINT64_FORMAT " belongs to instance '%s'", op->a,
                           owner->name);
          return -EBUSY;
        }
      emu_u64_insert (inst->cpus, op->a);
      return 0;
    case EMU_OP_INST_CPU_REMOVE:
      if (!emu_u64_remove (inst->cpus, op->a))
        {
          emu_set_message (emu, "CPU %" G_GUINT64_FORMAT " is not a CPU of instance '%s'",
                           op->a, inst->name);
          return -EINVAL;
        }
      return 0;
    case EMU_OP_INST_DEV_ADD:
      dev = emu_find_pci (emu, op->t);
      if (dev == NULL || dev->owner != NULL)
        {
          emu_set_message (emu, "PCI device %s is %s", op->t,
                           dev == NULL ? "not in the pool" : "assigned to an instance");
          return -EBUSY;
        }
      dev->owner = g_strdup (inst->name);
      return 0;
    case EMU_OP_INST_DEV_REMOVE:
      dev = emu_find_pci (emu, op->t);
      if (dev == NULL || g_strcmp0 (dev->owner, inst->name) != 0)
        {
          emu_set_message (emu, "PCI device %s is not a device of instance '%s'", op->t,
                           inst->name);
          return -EINVAL;
        }
      g_clear_pointer (&dev->owner, g_free);
      return 0;
    default:
      g_return_val_if_reached (-EINVAL);
    }
}

static gint
pci_cmp (gconstpointer a, gconstpointer b)
{
  const EmuPciDev *x = *(EmuPciDev *const *) a, *y = *(EmuPciDev *const *) b;
  return g_ascii_strcasecmp (x->pci_id, y->pci_id);
}

static gint
inst_cmp (gconstpointer a, gconstpointer b)
{
  const EmuInstance *x = *(EmuInstance *const *) a, *y = *(EmuInstance *const *) b;
  return strcmp (x->name, y->name);
}

static int
apply_pool_op (KerfEmu *emu, const EmuOp *op)
{
  EmuRange r = { op->a, op->b, op->u };
  guint64 node_base, node_end;
  KerfEmuPciDevice *mdev;
  EmuPciDev *dev;

  switch (op->kind)
    {
    case EMU_OP_POOL_MEM_ADD:
      if (!emu_machine_node_range (emu->machine, op->u, &node_base, &node_end)
          || op->a < MAX (node_base, emu->machine->host_reserved_bytes)
          || op->a + op->b > MIN (node_end, emu->machine->ram_bytes))
        return fail (emu, EBUSY, "memory range is not free RAM of its NUMA node");
      for (guint i = 0; i < emu->chunks->len; i++)
        {
          const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
          if (overlaps (op->a, op->b, c->base, c->size))
            return fail (emu, EBUSY, "memory range overlaps a pool chunk");
        }
      g_array_append_val (emu->chunks, r);
      emu_range_sort (emu->chunks);
      return 0;
    case EMU_OP_POOL_MEM_REMOVE:
      for (guint i = 0; i < emu->chunks->len; i++)
        {
          const EmuRange *c = &g_array_index (emu->chunks, EmuRange, i);
          if (c->base == op->a && c->size == op->b)
            {
              EmuInstance *owner = memory_owner (emu, c->base, c->size);
              if (owner != NULL)
                {
                  emu_set_message (emu, "pool chunk holds memory of instance '%s'", owner->name);
                  return -EBUSY;
                }
              g_array_remove_index (emu->chunks, i);
              return 0;
            }
        }
      return fail (emu, EINVAL, "memory-remove: reg does not name a whole pool chunk");
    case EMU_OP_POOL_CPU_ADD:
      if (op->a >= emu->machine->n_cpus)
        return fail (emu, EINVAL, "CPU does not exist");
      if (emu_u64_contains (emu->pool_cpus, op->a))
        return fail (emu, EBUSY, "CPU is already in the pool");
      emu_u64_insert (emu->pool_cpus, op->a);
      return 0;
    case EMU_OP_POOL_CPU_REMOVE:
      if (!emu_u64_contains (emu->pool_cpus, op->a))
        return fail (emu, EINVAL, "CPU is not in the pool");
      if (cpu_is_assigned (emu, op->a, NULL))
        return fail (emu, EBUSY, "CPU belongs to an instance");
      emu_u64_remove (emu->pool_cpus, op->a);
      return 0;
    case EMU_OP_POOL_DEV_ADD:
      mdev = emu_machine_find_pci (emu->machine, op->t);
      if (mdev == NULL)
        return fail (emu, EINVAL, "PCI device does not exist");
      if (emu_find_pci (emu, op->t) != NULL)
        return fail (emu, EBUSY, "PCI device is already in the pool");
      dev = g_new0 (EmuPciDev, 1);
      dev->pci_id = g_ascii_strdown (op->t, -1);
      dev->vendor_id = mdev->vendor_id;
      dev->device_id = mdev->device_id;
      dev->alias = g_strdup (op->s);
      g_ptr_array_add (emu->pci, dev);
      g_ptr_array_sort (emu->pci, pci_cmp);
      return 0;
    case EMU_OP_POOL_DEV_REMOVE:
      dev = emu_find_pci (emu, op->t);
      if (dev == NULL)
        return fail (emu, EINVAL, "PCI device is not in the pool");
      if (dev->owner != NULL)
        return fail (emu, EBUSY, "PCI device belongs to an instance");
      g_ptr_array_remove (emu->pci, dev);
      return 0;
    default:
      g_return_val_if_reached (-EINVAL);
    }
}

int
emu_op_apply (KerfEmu *emu, const EmuOp *op)
{
  EmuInstance *inst;

  switch (op->kind)
    {
    case EMU_OP_INST_NEW:
      if (emu_find_instance (emu, op->s) != NULL)
        {
          emu_set_message (emu, "an instance named '%s' exists", op->s);
          return -EEXIST;
        }
      if (emu_find_instance_by_id (emu, op->u) != NULL)
        {
          emu_set_message (emu, "an instance with id %u exists", op->u);
          return -EEXIST;
        }
      inst = emu_instance_new (op->s, op->u);
      inst->numa_node = (gint32) op->a - 1;
      g_ptr_array_add (emu->instances, inst);
      g_ptr_array_sort (emu->instances, inst_cmp);
      return 0;
    case EMU_OP_INST_DESTROY:
    case EMU_OP_INST_MEM_ADD:
    case EMU_OP_INST_MEM_REMOVE:
    case EMU_OP_INST_CPU_ADD:
    case EMU_OP_INST_CPU_REMOVE:
    case EMU_OP_INST_DEV_ADD:
    case EMU_OP_INST_DEV_REMOVE:
      return apply_instance_op (emu, op);
    default:
      return apply_pool_op (emu, op);
    }
}
