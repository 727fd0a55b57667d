/* model-test-trees.h — the trees the model tests start from, built with
 * the kerf-dt.h setters (header-only, static: each test program includes
 * it once). */
#pragma once

#include "model-test-util.h"

/* The seed README's baseline, one line per property so locations differ. */
static G_GNUC_UNUSED KerfDtTree *
seed_tree (gboolean with_ids)
{
  KerfDtTree *tree = kerf_dt_tree_new ();
  KerfDtNode *res, *cpus, *mem, *devs, *eth, *nvme;
  guint32 host[] = { 0, 1, 2, 3 };
  guint32 avail[28];

  for (guint i = 0; i < 28; i++)
    avail[i] = i + 4;
  tree->dialect = KERF_DT_DIALECT_MULTIKERNEL_V1;
  tree->root->loc = L (3);
  kerf_dt_node_set_string (tree->root, "compatible", "linux,multikernel-host", L (4));
  res = node (tree->root, "resources", 6);
  cpus = node (res, "cpus", 7);
  kerf_dt_node_set_u32 (cpus, "total", 32, L (8));
  kerf_dt_node_set_u32_array (cpus, "host-reserved", host, 4, L (9));
  kerf_dt_node_set_u32_array (cpus, "available", avail, 28, L (10));
  mem = node (res, "memory", 13);
  kerf_dt_node_set_u64 (mem, "total-bytes", G_GUINT64_CONSTANT (0x400000000), L (14));
  kerf_dt_node_set_u64 (mem, "host-reserved-bytes", 0x80000000u, L (15));
  kerf_dt_node_set_u32 (mem, "memory-pool-base", 0x80000000u, L (16));  /* one cell */
  kerf_dt_node_set_u64 (mem, "memory-pool-bytes", G_GUINT64_CONSTANT (0x380000000), L (17));
  devs = node (res, "devices", 20);
  eth = node (devs, "ethernet@0", 21);
  kerf_dt_node_add_label (eth, "eth0");
  kerf_dt_node_set_string (eth, "compatible", "intel,i40e", L (22));
  kerf_dt_node_set_string (eth, "pci-id", "0000:01:00.0", L (23));
  kerf_dt_node_set_u32 (eth, "sriov-vfs", 8, L (24));
  kerf_dt_node_set_u32 (eth, "host-reserved-vf", 0, L (25));
  set_ids (eth, "available-vfs", "1 2 3 4 5 6 7", 26);
  nvme = node (devs, "storage@0", 29);
  kerf_dt_node_add_label (nvme, "nvme0");
  kerf_dt_node_set_string (nvme, "compatible", "nvme", L (30));
  kerf_dt_node_set_string (nvme, "pci-id", "0000:02:00.0", L (31));
  kerf_dt_node_set_u32 (nvme, "namespaces", 4, L (32));
  kerf_dt_node_set_u32 (nvme, "host-reserved-ns", 1, L (33));
  set_ids (nvme, "available-ns", "2 3 4", 34);
  if (with_ids)
    {
      kerf_dt_node_set_u32 (eth, "vendor-id", 0x8086, L (27));
      kerf_dt_node_set_u32 (eth, "device-id", 0x1572, L (28));
      kerf_dt_node_set_u32 (nvme, "vendor-id", 0x144d, L (35));
      kerf_dt_node_set_u32 (nvme, "device-id", 0xa808, L (36));
    }
  return tree;
}

/* SPEC §3's state file on top of the seed baseline. */
static G_GNUC_UNUSED KerfDtTree *
state_tree (void)
{
  KerfDtTree *tree = seed_tree (TRUE);
  KerfDtNode *eth = kerf_dt_tree_lookup_label (tree, "eth0");
  KerfDtNode *nvme = kerf_dt_tree_lookup_label (tree, "nvme0");
  KerfDtNode *refs = node (tree->root, "device-references", 40);
  KerfDtNode *vf1 = node (refs, "eth0-vf@1", 41);
  KerfDtNode *ns2 = node (refs, "nvme0-ns@2", 42);
  KerfDtNode *insts = node (tree->root, "instances", 50);
  KerfDtNode *web = node (insts, "web-server", 51);
  KerfDtNode *wres = node (web, "resources", 53);

  eth->phandle = 1;
  nvme->phandle = 2;
  vf1->phandle = 3;
  ns2->phandle = 4;
  kerf_dt_node_add_label (vf1, "eth0_vf1");
  kerf_dt_node_add_label (ns2, "nvme0_ns2");
  set_refs (vf1, "parent", "eth0", 41, 1, 0);
  kerf_dt_node_set_u32 (vf1, "vf-id", 1, L (41));
  set_refs (ns2, "parent", "nvme0", 42, 2, 0);
  kerf_dt_node_set_u32 (ns2, "namespace-id", 2, L (42));

  kerf_dt_node_set_u32 (web, "id", 1, L (52));
  set_ids (wres, "cpus", "4 5 6 7", 54);
  kerf_dt_node_set_u64 (wres, "memory-base", 0x80000000u, L (55));
  kerf_dt_node_set_u64 (wres, "memory-bytes", 0x80000000u, L (56));
  set_refs (wres, "devices", "eth0_vf1 nvme0", 57, 3, 2);
  kerf_dt_node_set_u32 (wres, "numa-nodes", 0, L (58));
  kerf_dt_node_set_string (wres, "cpu-affinity", "compact", L (59));
  kerf_dt_node_set_string (wres, "memory-policy", "local", L (60));
  return tree;
}

static G_GNUC_UNUSED KerfDtTree *
flat_tree (gboolean u64_cpus)
{
  KerfDtTree *tree = kerf_dt_tree_new ();
  KerfDtNode *res = node (tree->root, "resources", 2);
  KerfDtNode *dev = node (node (res, "devices", 6), "enp9s0_dev", 7);

  kerf_dt_node_set_string (tree->root, "compatible", "linux,multikernel-host", L (1));
  if (u64_cpus)
    {
      guint64 cpus[] = { 2, 3, 4, 5 };
      kerf_dt_node_set_u64_array (res, "cpus", cpus, 4, L (3));
    }
  else
    set_ids (res, "cpus", "2 3 4 5", 3);
  kerf_dt_node_set_u32 (res, "memory-base", 0x40000000u, L (4));
  kerf_dt_node_set_u64 (res, "memory-bytes", G_GUINT64_CONSTANT (0x1c0000000), L (5));
  kerf_dt_node_set_string (dev, "device-type", "pci", L (8));
  kerf_dt_node_set_string (dev, "compatible", "pci-network", L (9));
  kerf_dt_node_set_string (dev, "pci-id", "0000:09:00.0", L (10));
  kerf_dt_node_set_u32 (dev, "vendor-id", 0x10ec, L (11));
  kerf_dt_node_set_u32 (dev, "device-id", 0x8168, L (12));
  return tree;
}
