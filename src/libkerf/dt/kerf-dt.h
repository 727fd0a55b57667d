/* kerf-dt.h — the in-memory device tree every part of kerf works on.
 *
 * One representation for everything: what the DTS parser produces, what a
 * DTB reads back into, what the DTB writer and the DTS printer consume, and
 * what the model reads its schemas from.  Every node and property keeps the
 * source location it came from so that later findings (validator, model) can
 * point at the user's file, line and column.
 *
 * Property values are the raw big-endian bytes of the DTB encoding.  Marks
 * record what the bytes mean where the bytes alone cannot say: references
 * still to resolve (phandle cells, path strings), labels inside values, and
 * type hints (string / bytes / cells of 8-64 bits) that let the printer
 * write the value back the way it was written.
 */
#pragma once

#include <glib.h>
#include "kerf-diag.h"

G_BEGIN_DECLS

typedef enum {
  KERF_DT_MARK_LABEL,        /* a label placed inside the value; `ref` = label */
  KERF_DT_MARK_REF_PHANDLE,  /* 4-byte cell at `offset` = phandle of `ref` */
  KERF_DT_MARK_REF_PATH,     /* full path of `ref` (with NUL) goes at `offset` */
  KERF_DT_MARK_TYPE_STRING,  /* the bytes from `offset` are string(s) */
  KERF_DT_MARK_TYPE_BYTES,   /* ... a byte string [..] */
  KERF_DT_MARK_TYPE_U8,      /* ... /bits/ 8 cells */
  KERF_DT_MARK_TYPE_U16,     /* ... /bits/ 16 cells */
  KERF_DT_MARK_TYPE_U32,     /* ... ordinary 32-bit cells */
  KERF_DT_MARK_TYPE_U64,     /* ... /bits/ 64 cells */
} KerfDtMarkKind;

/* `ref` of a reference mark is a label ("eth0") or a path ("/a/b"), as
 * written after the '&' (without the braces of &{/path}). */
typedef struct {
  KerfDtMarkKind kind;
  gsize          offset;
  char          *ref;     /* label or path; NULL for type marks */
  KerfLoc        loc;     /* where the reference / label was written */
} KerfDtMark;

typedef struct {
  char       *name;
  GByteArray *value;      /* never NULL; len 0 for a boolean property */
  GArray     *marks;      /* KerfDtMark, ascending offset; never NULL */
  GPtrArray  *labels;     /* char *, labels on the property; never NULL */
  KerfLoc     loc;
} KerfDtProp;

typedef struct _KerfDtNode KerfDtNode;
struct _KerfDtNode {
  char       *name;       /* "" for the root, else "name" or "name@unit" */
  KerfDtNode *parent;     /* NULL for the root */
  GPtrArray  *props;      /* KerfDtProp *, in source order; never NULL */
  GPtrArray  *children;   /* KerfDtNode *, in source order; never NULL */
  GPtrArray  *labels;     /* char *; never NULL */
  KerfLoc     loc;
  guint32     phandle;    /* 0 when the node has none */
};

typedef struct {
  guint64 address;
  guint64 size;
} KerfDtReserve;

typedef enum {
  KERF_DT_DIALECT_DTS_V1,          /* "/dts-v1/;" — plain DTS, dtc's rules */
  KERF_DT_DIALECT_MULTIKERNEL_V1,  /* "/multikernel-v1/;" — SPEC §2 */
} KerfDtDialect;

typedef struct {
  KerfDtNode   *root;
  GArray       *reserves;    /* KerfDtReserve, /memreserve/ entries */
  KerfDtDialect dialect;
  gboolean      plugin;      /* "/plugin/;" seen (overlay source) */
  guint32       boot_cpuid;
} KerfDtTree;

/* ---- trees ---------------------------------------------------------- */

KerfDtTree *kerf_dt_tree_new (void);          /* with an empty root node */
void        kerf_dt_tree_free (KerfDtTree *tree);
KerfDtTree *kerf_dt_tree_copy (const KerfDtTree *tree);

/* "/" or "/a/b@1"; NULL when not found.  Aliases are not consulted. */
KerfDtNode *kerf_dt_tree_lookup_path (const KerfDtTree *tree, const char *path);
/* The node carrying `label`, NULL when no node does. */
KerfDtNode *kerf_dt_tree_lookup_label (const KerfDtTree *tree, const char *label);
/* The node with that phandle, NULL when none. */
KerfDtNode *kerf_dt_tree_lookup_phandle (const KerfDtTree *tree, guint32 phandle);
/* Largest phandle in use (0 when none). */
guint32     kerf_dt_tree_max_phandle (const KerfDtTree *tree);

/* ---- nodes ---------------------------------------------------------- */

KerfDtNode *kerf_dt_node_new (const char *name, KerfLoc loc);
void        kerf_dt_node_free (KerfDtNode *node);        /* and its subtree */
KerfDtNode *kerf_dt_node_copy (const KerfDtNode *node);  /* deep; parent NULL */

/* Appends `child` (takes ownership) and sets its parent. */
void        kerf_dt_node_add_child (KerfDtNode *node, KerfDtNode *child);
/* Removes and frees the child; FALSE when `child` is not a child. */
gboolean    kerf_dt_node_remove_child (KerfDtNode *node, KerfDtNode *child);
/* Child by exact name ("cpu@0"); NULL when absent. */
KerfDtNode *kerf_dt_node_get_child (const KerfDtNode *node, const char *name);
/* Existing child or a new empty one appended. */
KerfDtNode *kerf_dt_node_ensure_child (KerfDtNode *node, const char *name, KerfLoc loc);

/* "name" without "@unit", newly allocated */
char       *kerf_dt_node_basename (const KerfDtNode *node);
/* unit address text after '@', or NULL (points into node->name) */
const char *kerf_dt_node_unit (const KerfDtNode *node);
/* full path, newly allocated: "/" for the root */
char       *kerf_dt_node_path (const KerfDtNode *node);
gboolean    kerf_dt_node_has_label (const KerfDtNode *node, const char *label);
void        kerf_dt_node_add_label (KerfDtNode *node, const char *label);

/* ---- properties ----------------------------------------------------- */

KerfDtProp *kerf_dt_prop_new (const char *name, KerfLoc loc);
void        kerf_dt_prop_free (KerfDtProp *prop);
KerfDtProp *kerf_dt_prop_copy (const KerfDtProp *prop);

KerfDtProp *kerf_dt_node_get_prop (const KerfDtNode *node, const char *name);
/* Adds `prop` (takes ownership), replacing (and freeing) a property of the
 * same name in place, so order is kept. */
void        kerf_dt_node_take_prop (KerfDtNode *node, KerfDtProp *prop);
gboolean    kerf_dt_node_remove_prop (KerfDtNode *node, const char *name);

/* Typed setters: replace or append, with type marks for the printer. */
KerfDtProp *kerf_dt_node_set_empty (KerfDtNode *node, const char *name, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_u32 (KerfDtNode *node, const char *name, guint32 value, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_u64 (KerfDtNode *node, const char *name, guint64 value, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_u32_array (KerfDtNode *node, const char *name,
                                        const guint32 *values, gsize n, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_u64_array (KerfDtNode *node, const char *name,
                                        const guint64 *values, gsize n, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_string (KerfDtNode *node, const char *name,
                                     const char *value, KerfLoc loc);
/* NULL-terminated vector -> "a\0b\0" */
KerfDtProp *kerf_dt_node_set_string_list (KerfDtNode *node, const char *name,
                                          const char *const *values, KerfLoc loc);
KerfDtProp *kerf_dt_node_set_bytes (KerfDtNode *node, const char *name,
                                    const guint8 *data, gsize len, KerfLoc loc);

/* Appending to a property value while building it (the parser's tools). */
void        kerf_dt_prop_add_mark (KerfDtProp *prop, KerfDtMarkKind kind,
                                   gsize offset, const char *ref, KerfLoc loc);

/* Typed getters.  All bounds-checked; FALSE (or NULL) when the property is
 * too short or not of that shape. */
gsize       kerf_dt_prop_n_u32 (const KerfDtProp *prop);            /* len / 4 */
gboolean    kerf_dt_prop_get_u32 (const KerfDtProp *prop, gsize index, guint32 *out);
/* 8 bytes as one u64 */
gboolean    kerf_dt_prop_get_u64 (const KerfDtProp *prop, guint64 *out);
/* 4 bytes (u32) or 8 bytes (u64) as a number */
gboolean    kerf_dt_prop_get_number (const KerfDtProp *prop, guint64 *out);
/* a single NUL-terminated string, no embedded NULs; points into the value */
const char *kerf_dt_prop_get_string (const KerfDtProp *prop);
/* NUL-separated string list as a new strv; NULL when not one */
char      **kerf_dt_prop_get_string_list (const KerfDtProp *prop);
/* the mark with the largest offset <= `offset` of a type kind; NULL if none */
const KerfDtMark *kerf_dt_prop_type_at (const KerfDtProp *prop, gsize offset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDtTree, kerf_dt_tree_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDtNode, kerf_dt_node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfDtProp, kerf_dt_prop_free)

G_END_DECLS
