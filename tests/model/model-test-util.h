/* model-test-util.h — small helpers shared by the model tests (header-only,
 * static functions: each test program includes it once). */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kerf-model.h"

#define L(line) kerf_loc_make ("t.dts", (line), 1)

static G_GNUC_UNUSED KerfDtNode *
node (KerfDtNode *parent, const char *name, guint line)
{
  KerfDtNode *child = kerf_dt_node_new (name, L (line));

  kerf_dt_node_add_child (parent, child);
  return child;
}

/* "1 2 3" -> u32 cells */
static G_GNUC_UNUSED void
set_ids (KerfDtNode *n, const char *name, const char *ids, guint line)
{
  g_auto (GStrv) words = g_strsplit (ids, " ", -1);
  guint32 *cells = g_new0 (guint32, g_strv_length (words) + 1);

  for (guint i = 0; words[i] != NULL; i++)
    cells[i] = (guint32) strtoul (words[i], NULL, 0);
  kerf_dt_node_set_u32_array (n, name, cells, g_strv_length (words), L (line));
  g_free (cells);
}

/* `name = <&a &b>` as the parser leaves it: phandle cells (ph1, ph2) plus
 * reference marks at columns 5, 15, ... */
static G_GNUC_UNUSED void
set_refs (KerfDtNode *n, const char *name, const char *labels, guint line, guint32 ph1, guint32 ph2)
{
  g_auto (GStrv) words = g_strsplit (labels, " ", -1);
  guint32 cells[2] = { ph1, ph2 };
  guint count = g_strv_length (words);
  KerfDtProp *prop = kerf_dt_node_set_u32_array (n, name, cells, count, L (line));

  for (guint i = 0; i < count; i++)
    kerf_dt_prop_add_mark (prop, KERF_DT_MARK_REF_PHANDLE, i * 4, words[i],
                           kerf_loc_make ("t.dts", line, 5 + 10 * i));
}

static G_GNUC_UNUSED void
assert_loc (KerfLoc loc, guint line)
{
  g_assert_cmpstr (loc.file, ==, "t.dts");
  g_assert_cmpuint (loc.line, ==, line);
}

static G_GNUC_UNUSED void
assert_ids (const GArray *ids, const char *expected)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, "%s%u", i ? " " : "", g_array_index (ids, guint32, i));
  g_assert_cmpstr (s->str, ==, expected);
  g_string_free (s, TRUE);
}

static G_GNUC_UNUSED void
assert_no_errors (KerfDiagList *diags)
{
  if (kerf_diag_list_has_errors (diags))
    kerf_diag_list_print (diags, stderr);
  g_assert_false (kerf_diag_list_has_errors (diags));
}

/* diag `i` formats as `prefix`... and its suggestion contains `suggestion` */
static G_GNUC_UNUSED void
assert_diag (KerfDiagList *diags, guint i, const char *prefix, const char *suggestion)
{
  const KerfDiag *d;
  g_autofree char *text = NULL;

  if (i >= kerf_diag_list_length (diags))
    {
      kerf_diag_list_print (diags, stderr);
      g_assert_cmpuint (i, <, kerf_diag_list_length (diags));
    }
  d = kerf_diag_list_get (diags, i);
  text = kerf_diag_format (d);
  if (!g_str_has_prefix (text, prefix))
    g_assert_cmpstr (text, ==, prefix);
  if (suggestion != NULL)
    {
      g_assert_nonnull (d->suggestion);
      if (strstr (d->suggestion, suggestion) == NULL)
        g_assert_cmpstr (d->suggestion, ==, suggestion);
    }
}

/* Compares `text` with tests/model/golden/NAME; KERF_UPDATE_GOLDEN=1
 * rewrites the file instead (review the diff before committing). */
static G_GNUC_UNUSED void
assert_golden (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (KERF_SOURCE_DIR, "tests", "model", "golden", name, NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;

  if (g_getenv ("KERF_UPDATE_GOLDEN") != NULL)
    {
      g_file_set_contents (path, text, -1, &error);
      g_assert_no_error (error);
      return;
    }
  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, expected);
}

static G_GNUC_UNUSED void
assert_arrays_equal (const GArray *a, const GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  g_assert_cmpmem (a->data, a->len * sizeof (guint32), b->data, b->len * sizeof (guint32));
}

static G_GNUC_UNUSED void
assert_refs_equal (const KerfDeviceRef *a, const KerfDeviceRef *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->device, ==, b->device);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpuint (a->index, ==, b->index);
}

/* Every field but the locations. */
static G_GNUC_UNUSED void
assert_models_equal (const KerfModel *a, const KerfModel *b)
{
  g_assert_cmpint (a->schema, ==, b->schema);
  g_assert_true ((a->resources == NULL) == (b->resources == NULL));
  if (a->resources != NULL)
    {
      const KerfResources *x = a->resources, *y = b->resources;
      g_assert_cmpuint (x->total_cpus, ==, y->total_cpus);
      assert_arrays_equal (x->host_reserved_cpus, y->host_reserved_cpus);
      assert_arrays_equal (x->available_cpus, y->available_cpus);
      g_assert_cmpuint (x->total_bytes, ==, y->total_bytes);
      g_assert_cmpuint (x->host_reserved_bytes, ==, y->host_reserved_bytes);
      g_assert_cmpuint (x->pool_base, ==, y->pool_base);
      g_assert_cmpuint (x->pool_bytes, ==, y->pool_bytes);
      g_assert_cmpuint (x->devices->len, ==, y->devices->len);
      for (guint i = 0; i < x->devices->len; i++)
        {
          const KerfDevice *d = g_ptr_array_index (x->devices, i);
          const KerfDevice *e = g_ptr_array_index (y->devices, i);
          g_assert_cmpstr (d->name, ==, e->name);
          g_assert_cmpstr (d->node_name, ==, e->node_name);
          g_assert_cmpstr (d->compatible, ==, e->compatible);
          g_assert_cmpstr (d->device_type, ==, e->device_type);
          g_assert_cmpstr (d->device_name, ==, e->device_name);
          g_assert_cmpstr (d->pci_id, ==, e->pci_id);
          g_assert_cmpint (d->has_vendor_id, ==, e->has_vendor_id);
          g_assert_cmpuint (d->vendor_id, ==, e->vendor_id);
          g_assert_cmpint (d->has_device_id, ==, e->has_device_id);
          g_assert_cmpuint (d->device_id, ==, e->device_id);
          g_assert_cmpint (d->numa_node, ==, e->numa_node);
          g_assert_cmpuint (d->sriov_vfs, ==, e->sriov_vfs);
          assert_arrays_equal (d->host_reserved_vfs, e->host_reserved_vfs);
          assert_arrays_equal (d->available_vfs, e->available_vfs);
          g_assert_cmpuint (d->namespaces, ==, e->namespaces);
          assert_arrays_equal (d->host_reserved_ns, e->host_reserved_ns);
          assert_arrays_equal (d->available_ns, e->available_ns);
          g_assert_cmpint (d->host_reserved, ==, e->host_reserved);
        }
      g_assert_cmpuint (x->numa_nodes->len, ==, y->numa_nodes->len);
      for (guint i = 0; i < x->numa_nodes->len; i++)
        {
          const KerfNumaNode *m = g_ptr_array_index (x->numa_nodes, i);
          const KerfNumaNode *n = g_ptr_array_index (y->numa_nodes, i);
          g_assert_cmpuint (m->id, ==, n->id);
          g_assert_cmpuint (m->memory_base, ==, n->memory_base);
          g_assert_cmpuint (m->memory_size, ==, n->memory_size);
          assert_arrays_equal (m->cpus, n->cpus);
          assert_arrays_equal (m->distances, n->distances);
        }
    }
  g_assert_cmpuint (a->device_refs->len, ==, b->device_refs->len);
  for (guint i = 0; i < a->device_refs->len; i++)
    assert_refs_equal (g_ptr_array_index (a->device_refs, i), g_ptr_array_index (b->device_refs, i));
  g_assert_cmpuint (a->instances->len, ==, b->instances->len);
  for (guint i = 0; i < a->instances->len; i++)
    {
      const KerfInstance *p = g_ptr_array_index (a->instances, i);
      const KerfInstance *q = g_ptr_array_index (b->instances, i);
      g_assert_cmpstr (p->name, ==, q->name);
      g_assert_cmpuint (p->id, ==, q->id);
      assert_arrays_equal (p->cpus, q->cpus);
      g_assert_cmpuint (p->memory_base, ==, q->memory_base);
      g_assert_cmpuint (p->memory_bytes, ==, q->memory_bytes);
      g_assert_cmpuint (p->devices->len, ==, q->devices->len);
      for (guint j = 0; j < p->devices->len; j++)
        assert_refs_equal (g_ptr_array_index (p->devices, j), g_ptr_array_index (q->devices, j));
      assert_arrays_equal (p->numa_nodes, q->numa_nodes);
      g_assert_cmpint (p->cpu_affinity, ==, q->cpu_affinity);
      g_assert_cmpint (p->memory_policy, ==, q->memory_policy);
    }
}
