/* kerf-model-private.h — shared by the model's reader files only. */
#pragma once

#include "kerf-model.h"

G_BEGIN_DECLS

/* One reading pass over a tree. */
typedef struct {
  const KerfDtTree  *tree;
  KerfModelReadFlags flags;
  KerfDiagList      *diags;
  KerfModel         *model;
  /* /aliases entries "path" -> "alias", for device names in the kernel schema */
  GHashTable        *alias_of_path;
  /* the kernel schema names devices by alias first (a DTB keeps no labels);
   * the others by label first */
  gboolean           alias_first;
  /* errors this pass added (the diag list stops counting when full) */
  guint              n_errors;
  /* /device-references node -> its KerfDeviceRef (owned by the model) */
  GHashTable        *ref_of_node;
} KerfModelReader;

/* Rule id every schema diagnostic carries. */
#define KERF_MODEL_RULE_SCHEMA "schema"

void kerf_model_read_error (KerfModelReader *r, KerfLoc loc, const char *suggestion,
                            const char *format, ...) G_GNUC_PRINTF (4, 5);
void kerf_model_read_warning (KerfModelReader *r, KerfLoc loc, const char *suggestion,
                              const char *format, ...) G_GNUC_PRINTF (4, 5);

/* Where a property is, or its node when the property is absent. */
KerfLoc kerf_model_prop_loc (const KerfDtNode *node, const KerfDtProp *prop);

/* Each reader returns FALSE when the property is absent (an error is added
 * if `required`) or malformed (always an error); *loc gets the property's
 * location (the node's when absent) when loc is not NULL. */

/* One cell, or two cells <hi lo> (u64). */
gboolean kerf_model_read_number (KerfModelReader *r, const KerfDtNode *node, const char *name,
                                 gboolean required, guint64 *out, KerfLoc *loc);
/* Exactly one 32-bit cell. */
gboolean kerf_model_read_u32 (KerfModelReader *r, const KerfDtNode *node, const char *name,
                              gboolean required, guint32 *out, KerfLoc *loc);
/* A list of ids: u32 cells, or u64 cells when `u64` (or written /bits/ 64).
 * Sorted ascending; a duplicate is an error (`what` names the items: "CPU").
 * Appends to `out`. */
gboolean kerf_model_read_id_list (KerfModelReader *r, const KerfDtNode *node, const char *name,
                                  gboolean required, gboolean u64, const char *what,
                                  GArray *out, KerfLoc *loc);
/* One string (the first of a string list when `first_of_list`), new copy. */
gboolean kerf_model_read_string (KerfModelReader *r, const KerfDtNode *node, const char *name,
                                 gboolean required, gboolean first_of_list,
                                 char **out, KerfLoc *loc);

/* Stable name of a device node: its first label, else an /aliases entry
 * pointing at it, else its node name (alias before label when alias_first). */
char *kerf_model_device_node_name (KerfModelReader *r, const KerfDtNode *node);

/* kerf-model-read-state.c: devices, device references, instances. */
KerfDevice *kerf_model_read_device (KerfModelReader *r, const KerfDtNode *node);
void        kerf_model_read_devices (KerfModelReader *r, const KerfDtNode *devices,
                                     KerfResources *res);
void        kerf_model_read_device_refs (KerfModelReader *r);
void        kerf_model_read_instances (KerfModelReader *r, gboolean u64_cpus);

/* Fills alias_of_path from /aliases. */
void        kerf_model_read_aliases (KerfModelReader *r);

/* kerf-model-read.c: the NUMA topology (nested node layout, any schema). */
void        kerf_model_read_topology (KerfModelReader *r, const KerfDtNode *topology,
                                      KerfResources *res);

G_END_DECLS
