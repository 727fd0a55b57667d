/* kerf-kernel-emulated-overlay.c — one DTBO = one transaction.
 *
 * The blob is read with libfdt directly (after kerf_dtb_check), without any
 * code of kerf's overlay generator, so that the emulator is an independent
 * check of what the generator writes.  Semantics of kernel-abi.md
 * "Overlays": fragments in ascending N; target-path /instances,
 * /instances/<name> or /resources; a fixed order of operations inside a
 * fragment; the whole transaction or nothing; a failed write leaves tx_N
 * with status "failed" and returns the errno. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "kerf-emu-private.h"
#include "kerf-dts.h"

typedef enum { TARGET_INSTANCES, TARGET_INSTANCE, TARGET_RESOURCES } TargetKind;

typedef struct {
  KerfEmu    *emu;
  const void *fdt;
  EmuTx      *tx;
  TargetKind  target;
  const char *instance;       /* for TARGET_INSTANCE */
  gboolean    removed_memory; /* a memory-remove ran in this fragment */
} Ctx;

typedef int (*OpHandler) (Ctx *ctx, int node);

/* ---- blob helpers ----------------------------------------------------- */

void *
emu_blob_open (KerfEmu *emu, const guint8 *data, gsize len, const char *what)
{
  g_autoptr(GError) error = NULL;
  void *copy;
  int err;

  if (!kerf_dtb_check (data, len, &error))
    {
      emu_set_message (emu, "%s: %s", what, error->message);
      return NULL;
    }
  copy = g_malloc (len);   /* g_malloc is suitably aligned for libfdt */
  memcpy (copy, data, len);
  if ((err = fdt_check_full (copy, len)) != 0)
    {
      emu_set_message (emu, "%s: %s", what, fdt_strerror (err));
      g_free (copy);
      return NULL;
    }
  return copy;
}

static int
invalid (Ctx *ctx, int node, const char *format, const char *detail)
{
  char path[256] = "";
  (void) fdt_get_path (ctx->fdt, node, path, sizeof path);
  emu_set_message (ctx->emu, "%s: %s%s", path, format, detail != NULL ? detail : "");
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

/* An optional `numa-node-id`: 4 bytes naming a real node.  Returns 0 with
 * *out = -1 when absent. */
static int
get_numa (Ctx *ctx, int node, const char *name, gint32 *out)
{
  int len;
  const fdt32_t *p = fdt_getprop (ctx->fdt, node, name, &len);
  guint32 v;

  *out = -1;
  if (p == NULL)
    return 0;
  if (len != 4)
    return invalid (ctx, node, name, " must be 4 bytes");
  v = fdt32_ld (p);
  if (!emu_machine_has_node (ctx->emu->machine, v))
    return invalid (ctx, node, name, " is not a NUMA node of this machine");
  *out = (gint32) v;
  return 0;
}

static int
get_u64_exact (Ctx *ctx, int node, const char *name, guint64 *out)
{
  int len;
  const fdt64_t *p = fdt_getprop (ctx->fdt, node, name, &len);
  if (p == NULL || len != 8)
    return invalid (ctx, node, name, " must be 8 bytes (u64)");
  *out = fdt64_ld (p);
  return 0;
}

/* size: 8 bytes, non-zero, page aligned */
static int
get_size (Ctx *ctx, int node, const char *name, guint64 *out)
{
  int err = get_u64_exact (ctx, node, name, out);
  if (err == 0 && (*out == 0 || *out % KERF_EMU_PAGE_SIZE != 0))
    return invalid (ctx, node, name, " must be non-zero and page aligned");
  return err;
}

/* reg: 16 bytes, u64 base and u64 size, page aligned, size non-zero */
static int
get_reg (Ctx *ctx, int node, guint64 *base, guint64 *size)
{
  int len;
  const fdt64_t *p = fdt_getprop (ctx->fdt, node, "reg", &len);
  if (p == NULL || len != 16)
    return invalid (ctx, node, "reg", " must be 16 bytes (u64 base, u64 size)");
  *base = fdt64_ld (&p[0]);
  *size = fdt64_ld (&p[1]);
  if (*size == 0 || *base % KERF_EMU_PAGE_SIZE != 0 || *size % KERF_EMU_PAGE_SIZE != 0
      || *base + *size < *base)
    return invalid (ctx, node, "reg", " must be a non-empty page-aligned range");
  return 0;
}

static int
get_cpu_reg (Ctx *ctx, int node, guint64 *cpu)
{
  int len;
  const void *p = fdt_getprop (ctx->fdt, node, "reg", &len);
  if (p != NULL && len == 4)
    *cpu = fdt32_ld (p);
  else if (p != NULL && len == 8)
    *cpu = fdt64_ld (p);
  else
    return invalid (ctx, node, "reg", " must be a u32 or u64 CPU id");
  return 0;
}

/* Items under an operation node must all be NAME@...; anything else is a
 * malformed operation. */
static int
check_item_name (Ctx *ctx, int item, const char *prefix)
{
  const char *name = fdt_get_name (ctx->fdt, item, NULL);
  gsize n = strlen (prefix);
  if (name == NULL || strncmp (name, prefix, n) != 0 || (name[n] != '@' && name[n] != '\0'))
    return invalid (ctx, item, "unexpected item, expected ", prefix);
  return 0;
}

/* Applies `op` (taking ownership) and journals it. */
static int
run (Ctx *ctx, EmuOp *op)
{
  int err = emu_op_apply (ctx->emu, op);
  if (err != 0)
    {
      emu_op_free (op);
      return err;
    }
  g_ptr_array_add (ctx->tx->ops, op);
  return 0;
}

/* ---- /instances ------------------------------------------------------- */

static gboolean
name_is_valid (const char *name)
{
  gsize n = strlen (name);
  if (n == 0 || n > 63 || name[0] == '.' || name[0] == '-')
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
      return FALSE;
  return TRUE;
}

static int
op_instance_create (Ctx *ctx, int node)
{
  const void *fdt = ctx->fdt;
  const char *name = get_string (fdt, node, "instance-name");
  const fdt32_t *idp, *numa_p;
  const fdt64_t *cpus;
  int len, res, err, cpus_len = 0;
  guint32 id = 0;
  gint32 numa = -1;
  guint64 bytes = 0;

  if (name == NULL || !name_is_valid (name))
    return invalid (ctx, node, "instance-name is missing or not a valid name", NULL);
  idp = fdt_getprop (fdt, node, "id", &len);
  if (idp != NULL)
    {
      if (len != 4)
        return invalid (ctx, node, "id must be 4 bytes", NULL);
      id = fdt32_ld (idp);
      if (id < 1 || id > 2047)
        return invalid (ctx, node, "id must be 1..2047", NULL);
    }
  res = fdt_subnode_offset (fdt, node, "resources");
  if (res < 0)
    return invalid (ctx, node, "instance-create needs a resources node", NULL);
  if (fdt_getprop (fdt, res, "memory-bytes", NULL) != NULL
      && (err = get_size (ctx, res, "memory-bytes", &bytes)) != 0)
    return err;
  cpus = fdt_getprop (fdt, res, "cpus", &cpus_len);
  if (cpus != NULL && cpus_len % 8 != 0)
    return invalid (ctx, res, "cpus must be u64 cells", NULL);
  numa_p = fdt_getprop (fdt, res, "numa-nodes", &len);
  if (numa_p != NULL)
    {
      if (len < 4 || len % 4 != 0)
        return invalid (ctx, res, "numa-nodes must be u32 cells", NULL);
      if (!emu_machine_has_node (ctx->emu->machine, fdt32_ld (&numa_p[0])))
        return invalid (ctx, res, "numa-nodes names no NUMA node of this machine", NULL);
      numa = (gint32) fdt32_ld (&numa_p[0]);
    }
  for (int i = 0; cpus != NULL && i < cpus_len / 8; i++)
    for (int j = 0; j < i; j++)
      if (fdt64_ld (&cpus[i]) == fdt64_ld (&cpus[j]))
        return invalid (ctx, res, "cpus lists a CPU twice", NULL);

  if (id == 0)
    {
      /* The kernel picks the lowest free id. */
      for (id = 1; id <= 2047 && emu_find_instance_by_id (ctx->emu, id) != NULL; id++)
        ;
      if (id > 2047)
        {
          emu_set_message (ctx->emu, "no free instance id");
          return -EBUSY;
        }
    }
  if ((err = run (ctx, emu_op_new (EMU_OP_INST_NEW, name, NULL, (guint64) (numa + 1), 0, id))) != 0)
    return err;
  for (int i = 0; cpus != NULL && i < cpus_len / 8; i++)
    if ((err = run (ctx, emu_op_new (EMU_OP_INST_CPU_ADD, name, NULL, fdt64_ld (&cpus[i]),
                                     0, 0))) != 0)
      return err;
  if (bytes != 0)
    {
      guint64 base;
      guint32 chunk_numa;
      if (!emu_pool_find_free (ctx->emu, bytes, numa, &base, &chunk_numa))
        {
          emu_set_message (ctx->emu, "no free pool memory range of %" G_GUINT64_FORMAT
                           " bytes%s", bytes, numa >= 0 ? " on the requested NUMA node" : "");
          return -EBUSY;
        }
      if ((err = run (ctx, emu_op_new (EMU_OP_INST_MEM_ADD, name, NULL, base, bytes,
                                       chunk_numa))) != 0)
        return err;
    }
  return 0;
}

static int
op_instance_remove (Ctx *ctx, int node)
{
  const char *name = get_string (ctx->fdt, node, "instance-name");
  EmuInstance *inst;
  int err;

  if (name == NULL)
    return invalid (ctx, node, "instance-name is missing", NULL);
  inst = emu_find_instance (ctx->emu, name);
  if (inst == NULL)
    {
      emu_set_message (ctx->emu, "no instance named '%s'", name);
      return -ENOENT;
    }
  if (g_strcmp0 (inst->status, "loaded") == 0 || g_strcmp0 (inst->status, "active") == 0
      || g_strcmp0 (inst->status, "loading") == 0)
    {
      emu_set_message (ctx->emu, "instance '%s' is %s", name, inst->status);
      return -EBUSY;
    }
  /* Journal the resources one by one so a rollback can give them back. */
  for (guint i = 0; i < ctx->emu->pci->len; i++)
    {
      EmuPciDev *dev = g_ptr_array_index (ctx->emu->pci, i);
      if (g_strcmp0 (dev->owner, name) == 0
          && (err = run (ctx, emu_op_new (EMU_OP_INST_DEV_REMOVE, name, dev->pci_id, 0, 0, 0))) != 0)
        return err;
    }
  while (inst->cpus->len > 0)
    if ((err = run (ctx, emu_op_new (EMU_OP_INST_CPU_REMOVE, name, NULL,
                                     g_array_index (inst->cpus, guint64, 0), 0, 0))) != 0)
      return err;
  while (inst->mem->len > 0)
    {
      EmuRange r = g_array_index (inst->mem, EmuRange, 0);
      if ((err = run (ctx, emu_op_new (EMU_OP_INST_MEM_REMOVE, name, NULL, r.base, r.size,
                                       r.numa))) != 0)
        return err;
    }
  return run (ctx, emu_op_new (EMU_OP_INST_DESTROY, name, NULL,
                               (guint64) (inst->numa_node + 1), 0, inst->id));
}

/* ---- resource items --------------------------------------------------- */

/* numa-node-id is optional on a pool memory-add: without it the chunk goes
 * to the first node (ascending id) with room, not always to node 0. */
static gboolean
find_free_any_node (KerfEmu *emu, guint64 size, guint64 *base, guint32 *node_out)
{
  const GArray *nodes = emu->machine->numa;
  gboolean found = FALSE;

  if (nodes->len == 0)
    {
      *node_out = 0;
      return emu_machine_find_free (emu, size, 0, base);
    }
  for (guint i = 0; i < nodes->len; i++)
    {
      guint32 id = g_array_index (nodes, KerfEmuNumaNode, i).id;
      guint64 b;

      if ((!found || id < *node_out) && emu_machine_find_free (emu, size, id, &b))
        {
          *base = b;
          *node_out = id;
          found = TRUE;
        }
    }
  return found;
}

static int
op_memory (Ctx *ctx, int node, gboolean add)
{
  int item, err;

  fdt_for_each_subnode (item, ctx->fdt, node)
    {
      guint64 base = 0, size = 0;
      gint32 numa;

      if ((err = check_item_name (ctx, item, "memory")) != 0
          || (err = get_numa (ctx, item, "numa-node-id", &numa)) != 0)
        return err;
      if (ctx->target == TARGET_RESOURCES && add)
        {
          /* Pool growth: the kernel places the chunk. */
          guint32 node_id = numa >= 0 ? (guint32) numa : 0;
          if (fdt_getprop (ctx->fdt, item, "reg", NULL) != NULL)
            return invalid (ctx, item, "pool memory-add takes size, not reg", NULL);
          if ((err = get_size (ctx, item, "size", &size)) != 0)
            return err;
          if (!(numa >= 0 ? emu_machine_find_free (ctx->emu, size, node_id, &base)
                          : find_free_any_node (ctx->emu, size, &base, &node_id)))
            {
              if (numa >= 0)
                emu_set_message (ctx->emu, "no free RAM for a pool chunk of %" G_GUINT64_FORMAT
                                 " bytes on node %u", size, node_id);
              else
                emu_set_message (ctx->emu, "no free RAM for a pool chunk of %" G_GUINT64_FORMAT
                                 " bytes on any node", size);
              return -EBUSY;
            }
          err = run (ctx, emu_op_new (EMU_OP_POOL_MEM_ADD, NULL, NULL, base, size, node_id));
        }
      else if (ctx->target == TARGET_RESOURCES)
        {
          guint32 chunk_numa = 0;
          if ((err = get_reg (ctx, item, &base, &size)) != 0)
            return err;
          for (guint i = 0; i < ctx->emu->chunks->len; i++)
            if (g_array_index (ctx->emu->chunks, EmuRange, i).base == base)
              chunk_numa = g_array_index (ctx->emu->chunks, EmuRange, i).numa;
          ctx->removed_memory = TRUE;
          err = run (ctx, emu_op_new (EMU_OP_POOL_MEM_REMOVE, NULL, NULL, base, size, chunk_numa));
        }
      else
        {
          guint32 range_numa = 0;
          if ((err = get_reg (ctx, item, &base, &size)) != 0)
            return err;
          for (guint i = 0; i < ctx->emu->chunks->len; i++)
            {
              const EmuRange *c = &g_array_index (ctx->emu->chunks, EmuRange, i);
              if (base >= c->base && base < c->base + c->size)
                range_numa = c->numa;
            }
          if (numa >= 0 && (guint32) numa != range_numa)
            return invalid (ctx, item, "numa-node-id does not match the memory's node", NULL);
          if (!add)
            ctx->removed_memory = TRUE;
          err = run (ctx, emu_op_new (add ? EMU_OP_INST_MEM_ADD : EMU_OP_INST_MEM_REMOVE,
                                      ctx->instance, NULL, base, size, range_numa));
        }
      if (err != 0)
        return err;
    }
  return 0;
}

static int
op_cpu (Ctx *ctx, int node, gboolean add)
{
  int item, err;

  fdt_for_each_subnode (item, ctx->fdt, node)
    {
      guint64 cpu = 0;
      gint32 numa;
      EmuOpKind kind;

      if ((err = check_item_name (ctx, item, "cpu")) != 0
          || (err = get_cpu_reg (ctx, item, &cpu)) != 0
          || (err = get_numa (ctx, item, "numa-node-id", &numa)) != 0)
        return err;
      if (ctx->target == TARGET_RESOURCES)
        kind = add ? EMU_OP_POOL_CPU_ADD : EMU_OP_POOL_CPU_REMOVE;
      else
        kind = add ? EMU_OP_INST_CPU_ADD : EMU_OP_INST_CPU_REMOVE;
      if ((err = run (ctx, emu_op_new (kind, ctx->target == TARGET_RESOURCES ? NULL : ctx->instance,
                                       NULL, cpu, 0, 0))) != 0)
        return err;
    }
  return 0;
}

static int
op_device (Ctx *ctx, int node, gboolean add)
{
  int item, err;

  fdt_for_each_subnode (item, ctx->fdt, node)
    {
      const char *pci_id = get_string (ctx->fdt, item, "pci-id");
      g_autofree char *id = NULL;
      EmuOp *op;

      if ((err = check_item_name (ctx, item, "pci")) != 0)
        return err;
      if (!emu_pci_id_parse (pci_id, NULL, NULL, NULL, NULL))
        return invalid (ctx, item, "pci-id must be DDDD:BB:SS.F", NULL);
      id = g_ascii_strdown (pci_id, -1);
      if (ctx->target == TARGET_RESOURCES && add)
        {
          const char *alias = get_string (ctx->fdt, item, "alias");
          if (fdt_getprop (ctx->fdt, item, "alias", NULL) != NULL && alias == NULL)
            return invalid (ctx, item, "alias must be a string", NULL);
          op = emu_op_new (EMU_OP_POOL_DEV_ADD, alias, id, 0, 0, 0);
        }
      else if (ctx->target == TARGET_RESOURCES)
        {
          EmuPciDev *dev = emu_find_pci (ctx->emu, id);
          op = emu_op_new (EMU_OP_POOL_DEV_REMOVE, dev != NULL ? dev->alias : NULL, id, 0, 0, 0);
        }
      else
        op = emu_op_new (add ? EMU_OP_INST_DEV_ADD : EMU_OP_INST_DEV_REMOVE, ctx->instance, id,
                         0, 0, 0);
      if ((err = run (ctx, op)) != 0)
        return err;
    }
  return 0;
}

static int op_memory_add (Ctx *c, int n)    { return op_memory (c, n, TRUE); }
static int op_memory_remove (Ctx *c, int n) { return op_memory (c, n, FALSE); }
static int op_cpu_add (Ctx *c, int n)       { return op_cpu (c, n, TRUE); }
static int op_cpu_remove (Ctx *c, int n)    { return op_cpu (c, n, FALSE); }
static int op_device_add (Ctx *c, int n)    { return op_device (c, n, TRUE); }
static int op_device_remove (Ctx *c, int n) { return op_device (c, n, FALSE); }

typedef struct {
  const char *name;
  OpHandler   fn;
} OpDef;

/* kernel-abi.md: the order inside a fragment. */
static const OpDef instance_ops[] = {
  { "instance-create", op_instance_create }, { "memory-remove", op_memory_remove },
  { "memory-add", op_memory_add },           { "cpu-remove", op_cpu_remove },
  { "cpu-add", op_cpu_add },                 { "device-remove", op_device_remove },
  { "device-add", op_device_add },           { "instance-remove", op_instance_remove },
};
static const OpDef pool_ops[] = {
  { "cpu-remove", op_cpu_remove },       { "device-remove", op_device_remove },
  { "memory-remove", op_memory_remove }, { "memory-add", op_memory_add },
  { "cpu-add", op_cpu_add },             { "device-add", op_device_add },
};

static gboolean
op_allowed (TargetKind target, const char *name)
{
  gboolean create_remove = g_str_equal (name, "instance-create")
                           || g_str_equal (name, "instance-remove");
  return target == TARGET_INSTANCES ? create_remove : !create_remove;
}

static int
apply_fragment (Ctx *ctx, int frag)
{
  const char *target = get_string (ctx->fdt, frag, "target-path");
  const OpDef *ops;
  gsize n_ops;
  int overlay, child, err;

  if (target == NULL)
    return invalid (ctx, frag, "fragment has no target-path", NULL);
  overlay = fdt_subnode_offset (ctx->fdt, frag, "__overlay__");
  if (overlay < 0)
    return invalid (ctx, frag, "fragment has no __overlay__", NULL);
  ctx->instance = NULL;
  ctx->removed_memory = FALSE;
  if (g_str_equal (target, "/instances"))
    ctx->target = TARGET_INSTANCES;
  else if (g_str_equal (target, "/resources"))
    ctx->target = TARGET_RESOURCES;
  else if (g_str_has_prefix (target, "/instances/") && target[11] != '\0'
           && strchr (target + 11, '/') == NULL)
    {
      ctx->target = TARGET_INSTANCE;
      ctx->instance = target + 11;
      if (emu_find_instance (ctx->emu, ctx->instance) == NULL)
        {
          emu_set_message (ctx->emu, "target-path %s: no such instance", target);
          return -ENOENT;
        }
    }
  else
    return invalid (ctx, frag, "unsupported target-path ", target);

  /* Refuse what the kernel does not know instead of skipping it. */
  fdt_for_each_subnode (child, ctx->fdt, overlay)
    {
      const char *name = fdt_get_name (ctx->fdt, child, NULL);
      if (name == NULL || !op_allowed (ctx->target, name)
          || (ctx->target == TARGET_RESOURCES && g_str_has_prefix (name, "instance-")))
        return invalid (ctx, child, "operation not valid for target ", target);
      if (ctx->target != TARGET_RESOURCES)
        {
          gboolean known = FALSE;
          for (gsize i = 0; i < G_N_ELEMENTS (instance_ops); i++)
            known |= g_str_equal (instance_ops[i].name, name);
          if (!known)
            return invalid (ctx, child, "unknown operation for target ", target);
        }
      else
        {
          gboolean known = FALSE;
          for (gsize i = 0; i < G_N_ELEMENTS (pool_ops); i++)
            known |= g_str_equal (pool_ops[i].name, name);
          if (!known)
            return invalid (ctx, child, "unknown operation for target ", target);
        }
    }

  ops = ctx->target == TARGET_RESOURCES ? pool_ops : instance_ops;
  n_ops = ctx->target == TARGET_RESOURCES ? G_N_ELEMENTS (pool_ops) : G_N_ELEMENTS (instance_ops);
  for (gsize i = 0; i < n_ops; i++)
    {
      int node = fdt_subnode_offset (ctx->fdt, overlay, ops[i].name);
      if (node >= 0 && (err = ops[i].fn (ctx, node)) != 0)
        return err;
    }

  /* Parked CPUs live in memory of their holder: a memory-remove may not
   * leave the pool (or an instance) with CPUs and no memory. */
  if (ctx->removed_memory && ctx->target == TARGET_RESOURCES
      && ctx->emu->pool_cpus->len > 0 && ctx->emu->chunks->len == 0)
    {
      emu_set_message (ctx->emu, "memory-remove would strand the pool's parked CPUs");
      return -EBUSY;
    }
  if (ctx->removed_memory && ctx->target == TARGET_INSTANCE)
    {
      EmuInstance *inst = emu_find_instance (ctx->emu, ctx->instance);
      if (inst != NULL && inst->cpus->len > 0 && inst->mem->len == 0)
        {
          emu_set_message (ctx->emu, "memory-remove would strand the parked CPUs of '%s'",
                           inst->name);
          return -EBUSY;
        }
    }
  return 0;
}

typedef struct {
  guint64 n;
  int     offset;
} Fragment;

static gint
fragment_cmp (gconstpointer a, gconstpointer b)
{
  const Fragment *x = a, *y = b;
  return x->n < y->n ? -1 : x->n > y->n;
}

static int
apply_overlay (Ctx *ctx)
{
  g_autoptr(GArray) frags = g_array_new (FALSE, FALSE, sizeof (Fragment));
  const char *res;
  int child;

  fdt_for_each_subnode (child, ctx->fdt, 0)
    {
      const char *name = fdt_get_name (ctx->fdt, child, NULL);
      Fragment f = { 0, child };
      char *end = NULL;

      if (name != NULL && g_str_has_prefix (name, "__"))
        continue;   /* __symbols__, __fixups__, __local_fixups__ from dtc -@ */
      if (name == NULL || !g_str_has_prefix (name, "fragment@") || name[9] == '\0')
        return invalid (ctx, child, "not a fragment@N node", NULL);
      f.n = g_ascii_strtoull (name + 9, &end, 16);
      if (end == NULL || *end != '\0')
        return invalid (ctx, child, "fragment unit address is not a number", NULL);
      for (guint i = 0; i < frags->len; i++)
        if (g_array_index (frags, Fragment, i).n == f.n)
          return invalid (ctx, child, "duplicate fragment number", NULL);
      g_array_append_val (frags, f);
    }
  g_array_sort (frags, fragment_cmp);

  res = get_string (ctx->fdt, 0, "mk,resources");
  if (res != NULL)
    {
      g_free (ctx->tx->resources);
      ctx->tx->resources = g_strdup (res);
    }
  if (frags->len > 0)
    {
      const char *target = get_string (ctx->fdt, g_array_index (frags, Fragment, 0).offset,
                                       "target-path");
      g_free (ctx->tx->instance);
      ctx->tx->instance = g_strdup (target != NULL ? target : "unknown");
    }
  if (frags->len == 0)
    return invalid (ctx, 0, "overlay has no fragments", NULL);
  if (!ctx->emu->has_baseline)
    {
      emu_set_message (ctx->emu, "no baseline has been written to device_tree");
      return -EPERM;
    }
  for (guint i = 0; i < frags->len; i++)
    {
      int err = apply_fragment (ctx, g_array_index (frags, Fragment, i).offset);
      if (err != 0)
        return err;
    }
  return 0;
}

static KerfEmuFault
take_fault (KerfEmu *emu, KerfEmuFault want)
{
  for (guint i = 0; i < emu->faults->len; i++)
    if (GPOINTER_TO_INT (g_ptr_array_index (emu->faults, i)) == (int) want)
      {
        g_ptr_array_remove_index (emu->faults, i);
        return want;
      }
  return KERF_EMU_FAULT_NONE;
}

int
emu_write_overlay (KerfEmu *emu, const guint8 *data, gsize len, EmuTx **tx_out)
{
  g_autofree char *snapshot = NULL;
  g_autofree void *fdt = NULL;
  gsize snap_len;
  EmuTx *tx;
  Ctx ctx = { 0 };
  int err;

  *tx_out = NULL;
  if (take_fault (emu, KERF_EMU_FAULT_WRITE_EIO))
    {
      emu_set_message (emu, "injected fault: EIO");
      return -EIO;
    }
  if (len == 0 || len > KERF_EMU_MAX_BLOB)
    {
      emu_set_message (emu, "overlay size %" G_GSIZE_FORMAT " not in 1..1 MiB", len);
      return len == 0 ? -EINVAL : -EFBIG;
    }
  if (len < 40 || fdt_check_header (data) != 0)
    {
      emu_set_message (emu, "overlays/new: not a device tree blob");
      return -EINVAL;
    }

  snapshot = emu_state_snapshot (emu, &snap_len);
  tx = emu_tx_new (emu->next_tx++);
  tx->dtbo = g_bytes_new (data, len);
  ctx.emu = emu;
  ctx.tx = tx;
  if (take_fault (emu, KERF_EMU_FAULT_WRITE_EBUSY))
    {
      emu_set_message (emu, "injected fault: EBUSY");
      err = -EBUSY;
    }
  else if ((fdt = emu_blob_open (emu, data, len, "overlays/new")) == NULL)
    err = -EINVAL;
  else
    {
      ctx.fdt = fdt;
      err = apply_overlay (&ctx);
    }

  if (err != 0)
    {
      /* Whole transaction or nothing: go back to the state before it. */
      g_autofree char *msg = g_strdup (emu->last_message);
      /* the transactions and the counter are not in the snapshot */
      emu_state_restore (emu, snapshot, snap_len);
      g_free (emu->last_message);
      emu->last_message = g_steal_pointer (&msg);
      g_ptr_array_set_size (tx->ops, 0);
      g_free (tx->status);
      tx->status = g_strdup ("failed");
    }
  else
    {
      g_free (tx->status);
      tx->status = g_strdup ("applied");
    }
  g_ptr_array_add (emu->txs, tx);
  *tx_out = tx;
  return err;
}

/* ---- rollback (rmdir tx_N) ------------------------------------------- */

int
emu_rollback (KerfEmu *emu, guint tx_id, GPtrArray *warnings)
{
  EmuTx *tx = emu_find_tx (emu, tx_id);

  if (tx == NULL)
    {
      emu_set_message (emu, "no transaction tx_%u", tx_id);
      return -ENOENT;
    }
  if (g_strcmp0 (tx->status, "applied") == 0)
    {
      /* Refused while an instance it touched runs or is being loaded; an
       * instance it created cannot be destroyed with an image loaded. */
      for (guint i = 0; i < tx->ops->len; i++)
        {
          EmuOp *op = g_ptr_array_index (tx->ops, i);
          EmuInstance *inst;
          if (op->kind > EMU_OP_INST_DEV_REMOVE || op->s == NULL
              || (inst = emu_find_instance (emu, op->s)) == NULL)
            continue;
          if (g_strcmp0 (inst->status, "active") == 0 || g_strcmp0 (inst->status, "loading") == 0
              || (op->kind == EMU_OP_INST_NEW && g_strcmp0 (inst->status, "loaded") == 0))
            {
              emu_set_message (emu, "tx_%u: instance '%s' is %s", tx_id, inst->name,
                               inst->status);
              return -EBUSY;
            }
        }
      for (guint i = tx->ops->len; i > 0; i--)
        {
          EmuOp *op = g_ptr_array_index (tx->ops, i - 1);
          g_autoptr(EmuOp) inv = emu_op_inverse (op);
          int err = emu_op_apply (emu, inv);
          if (err != 0)
            {
              /* Later transactions may have used what this one freed; the
               * kernel warns and goes on (as for a removed instance). */
              char *w = g_strdup_printf ("tx_%u: cannot undo %s%s%s: %s", tx_id,
                                         emu_op_kind_to_string (op->kind),
                                         op->s != NULL ? " " : "", op->s != NULL ? op->s : "",
                                         emu->last_message != NULL ? emu->last_message : "");
              g_debug ("emulated kernel: %s", w);
              if (warnings != NULL)
                g_ptr_array_add (warnings, w);
              else
                g_free (w);
            }
        }
    }
  g_ptr_array_remove (emu->txs, tx);
  return 0;
}
