/* kerf-dts-parser.c — recursive-descent parser for dtc's source grammar.
 *
 * Follows dtc 1.6.1's dtc-parser.y rule by rule (comments name the rules),
 * builds KerfDtTree nodes with source locations, and recovers from errors
 * by skipping to the next ';' or '}' so that one run reports every error.
 * References, phandles and the plugin trees are done afterwards by
 * kerf-dts-resolve.c.
 */
#include "config.h"

#include <string.h>

#include "kerf-dts-parser-private.h"

/* ---- token access ----------------------------------------------------- */

KerfDtsToken *
kerf_dts_parser_peek (KerfDtsParser *p, KerfDtsLexMode mode)
{
  if (!p->have)
    {
      kerf_dts_lexer_next (p->lx, mode, &p->tok);
      p->have = TRUE;
      p->tok_mode = mode;
    }
  else if (p->tok_mode != mode)
    {
      kerf_dts_lexer_relex (p->lx, mode, &p->tok);
      p->tok_mode = mode;
    }
  return &p->tok;
}

void
kerf_dts_parser_advance (KerfDtsParser *p)
{
  p->have = FALSE;
}

gboolean
kerf_dts_parser_is_punct (const KerfDtsToken *tok, int c)
{
  return tok->kind == KERF_TOK_PUNCT && tok->value == (guint64) c;
}

void
kerf_dts_parser_check_full (KerfDtsParser *p)
{
  if (kerf_diag_list_n_errors (p->diags) >= KERF_DIAG_MAX_ERRORS)
    p->stop = TRUE;
}

void
kerf_dts_parser_error (KerfDtsParser *p, KerfLoc loc, const char *suggestion,
                       const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  kerf_diag_list_add (p->diags, KERF_SEVERITY_ERROR, loc, NULL, suggestion, "%s", msg);
  kerf_dts_parser_check_full (p);
}

void
kerf_dts_parser_unexpected (KerfDtsParser *p, const KerfDtsToken *tok, const char *expected)
{
  g_autofree char *what = kerf_dts_token_describe (tok);
  if (tok->kind == KERF_TOK_EOF)
    kerf_dts_parser_error (p, tok->loc, NULL, "unexpected end of file (expected %s)", expected);
  else
    kerf_dts_parser_error (p, tok->loc, NULL, "unexpected %s (expected %s)", what, expected);
}

/* Expects punctuation `c`; reports and leaves the token otherwise. */
gboolean
kerf_dts_parser_expect (KerfDtsParser *p, KerfDtsLexMode mode, int c)
{
  KerfDtsToken *t = kerf_dts_parser_peek (p, mode);
  if (kerf_dts_parser_is_punct (t, c))
    {
      kerf_dts_parser_advance (p);
      return TRUE;
    }
  char want[4] = { '\'', (char) c, '\'', 0 };
  kerf_dts_parser_unexpected (p, t, want);
  return FALSE;
}

/* Error recovery: skip to after the next ';' of this nesting level, or to
 * (not past) a '}' that closes the current body. */
static void recover_quietly (KerfDtsParser *p);

static void
recover (KerfDtsParser *p)
{
  kerf_dts_lexer_set_quiet (p->lx, TRUE);
  recover_quietly (p);
  kerf_dts_lexer_set_quiet (p->lx, FALSE);
}

static void
recover_quietly (KerfDtsParser *p)
{
  int depth = 0;
  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
      if (t->kind == KERF_TOK_EOF)
        return;
      if (kerf_dts_parser_is_punct (t, '{'))
        depth++;
      else if (kerf_dts_parser_is_punct (t, '}'))
        {
          if (depth == 0)
            return;
          depth--;
          if (depth == 0)
            {
              kerf_dts_parser_advance (p);
              t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);
              if (kerf_dts_parser_is_punct (t, ';'))
                kerf_dts_parser_advance (p);
              return;
            }
        }
      else if (kerf_dts_parser_is_punct (t, ';') && depth == 0)
        {
          kerf_dts_parser_advance (p);
          return;
        }
      kerf_dts_parser_advance (p);
    }
}

/* ---- nodes ------------------------------------------------------------- */

static void
check_name (KerfDtsParser *p, const char *name, gboolean is_node, KerfLoc loc)
{
  const char *ok = is_node ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+-@"
                           : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?-";
  gsize bad = strspn (name, ok);
  if (name[bad] != '\0')
    kerf_dts_parser_error (p, kerf_loc_make (loc.file, loc.line, loc.col + (guint32) bad), NULL,
                           "bad character '%c' in %s name '%s'", name[bad],
                           is_node ? "node" : "property", name);
  else if (is_node)
    {
      const char *at = strchr (name, '@');
      if (at != NULL && strchr (at + 1, '@') != NULL)
        kerf_dts_parser_error (p, loc, NULL, "multiple '@' characters in node name '%s'", name);
      else if (name[0] == '@' || name[0] == '\0')
        kerf_dts_parser_error (p, loc, NULL, "node name '%s' has no base name", name);
    }
}

static void take_labels (GPtrArray *into, GPtrArray *labels)
{
  for (guint i = 0; i < labels->len; i++)
    {
      const char *l = labels->pdata[i];
      gboolean dup = FALSE;
      for (guint j = 0; j < into->len && !dup; j++)
        dup = strcmp (into->pdata[j], l) == 0;
      if (!dup)
        g_ptr_array_add (into, g_strdup (l));
    }
}

static KerfDtNode *parse_node_body (KerfDtsParser *p, const char *name, KerfLoc loc);

/* One propdef or subnode inside a body.  Returns FALSE at '}' / EOF. */
static void
parse_body_item (KerfDtsParser *p, KerfDtNode *node, gboolean *seen_child)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  gboolean omit = FALSE;
  KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
  for (;;)
    {
      if (t->kind == KERF_TOK_LABEL)
        g_ptr_array_add (labels, g_strndup (t->text, t->len));
      else if (t->kind == KERF_TOK_OMIT_NO_REF)
        omit = TRUE;
      else
        break;
      kerf_dts_parser_advance (p);
      t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
    }

  if (t->kind == KERF_TOK_DEL_PROP || t->kind == KERF_TOK_DEL_NODE)
    {
      gboolean is_node = t->kind == KERF_TOK_DEL_NODE;
      kerf_dts_parser_advance (p);
      t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      if (t->kind != KERF_TOK_NAME)
        {
          kerf_dts_parser_unexpected (p, t, is_node ? "a node name" : "a property name");
          recover (p);
          return;
        }
      g_autofree char *name = g_strndup (t->text, t->len);
      KerfLoc loc = t->loc;
      kerf_dts_parser_advance (p);
      if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_NAME, ';'))
        {
          recover (p);
          return;
        }
      if (!is_node && *seen_child)
        kerf_dts_parser_error (p, loc, "move it above the first child node",
                               "/delete-property/ after a child node: properties must precede subnodes");
      if (is_node)
        {
          *seen_child = TRUE;
          KerfDtNode *marker = kerf_dt_node_new (name, loc);
          kerf_dt_node_add_child (node, marker);
          kerf_dts_mark_deleted (p, marker);
        }
      else
        {
          KerfDtProp *marker = kerf_dt_prop_new (name, loc);
          g_ptr_array_add (node->props, marker);
          kerf_dts_mark_deleted (p, marker);
        }
      return;
    }

  if (t->kind != KERF_TOK_NAME)
    {
      kerf_dts_parser_unexpected (p, t, "a property or node name, or '}'");
      recover (p);
      return;
    }
  g_autofree char *name = g_strndup (t->text, t->len);
  KerfLoc loc = t->loc;
  kerf_dts_parser_advance (p);
  t = kerf_dts_parser_peek (p, KERF_DTS_LEX_VALUE);

  if (kerf_dts_parser_is_punct (t, '{'))
    {
      check_name (p, name, TRUE, loc);
      KerfDtNode *child = parse_node_body (p, name, loc);
      if (child == NULL)
        return;
      take_labels (child->labels, labels);
      kerf_dt_node_add_child (node, child);
      if (omit)
        g_hash_table_add (p->omit, child);
      *seen_child = TRUE;
      return;
    }
  if (omit)
    kerf_dts_parser_error (p, loc, NULL, "/omit-if-no-ref/ applies to nodes, not to property '%s'", name);
  if (*seen_child)
    kerf_dts_parser_error (p, loc, "move the property above the first child node",
                           "property '%s' after a child node: properties must precede subnodes",
                           name);
  check_name (p, name, FALSE, loc);
  KerfDtProp *prop = kerf_dt_prop_new (name, loc);
  take_labels (prop->labels, labels);
  g_ptr_array_add (node->props, prop);
  if (kerf_dts_parser_is_punct (t, ';'))
    {
      kerf_dts_parser_advance (p);
      return;
    }
  if (!kerf_dts_parser_is_punct (t, '='))
    {
      kerf_dts_parser_unexpected (p, t, "'=', ';' or '{'");
      recover (p);
      return;
    }
  kerf_dts_parser_advance (p);
  if (!kerf_dts_parse_value (p, prop))
    recover (p);
}

static KerfDtNode *parse_node_body_at (KerfDtsParser *p, const char *name, KerfLoc loc);

/* nodedef: '{' proplist subnodes '}' ';'   (at the '{').  The parser
 * recurses once per level, so the depth is bounded: a deeper body is
 * skipped (iteratively) with one located error. */
static KerfDtNode *
parse_node_body (KerfDtsParser *p, const char *name, KerfLoc loc)
{
  guint depth = p->depth;
  if (depth > KERF_DTS_MAX_NODE_DEPTH)
    {
      kerf_dts_parser_error (p, loc, NULL, "node '%s' nests deeper than %u levels",
                             name, KERF_DTS_MAX_NODE_DEPTH);
      recover (p);
      return NULL;
    }
  p->deepest = MAX (p->deepest, depth);
  p->depth = depth + 1;
  KerfDtNode *node = parse_node_body_at (p, name, loc);
  p->depth = depth;
  return node;
}

static KerfDtNode *
parse_node_body_at (KerfDtsParser *p, const char *name, KerfLoc loc)
{
  if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_NAME, '{'))
    {
      recover (p);
      return NULL;
    }
  KerfDtNode *node = kerf_dt_node_new (name, loc);
  gboolean seen_child = FALSE;
  for (;;)
    {
      if (p->stop)
        return node;
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      if (kerf_dts_parser_is_punct (t, '}'))
        {
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
          if (kerf_dts_parser_is_punct (t, ';'))
            kerf_dts_parser_advance (p);
          else
            kerf_dts_parser_error (p, t->loc, "add ';' after the closing '}'",
                                   "missing ';' after '}' of node '%s'",
                                   name[0] != '\0' ? name : "/");
          return node;
        }
      if (t->kind == KERF_TOK_EOF)
        {
          kerf_dts_parser_error (p, t->loc, NULL, "unexpected end of file: node '%s' "
                                 "(opened at line %u) is not closed with '};'",
                                 name[0] != '\0' ? name : "/", loc.line);
          return node;
        }
      parse_body_item (p, node, &seen_child);
    }
}

/* ---- top level ---------------------------------------------------------- */

/* headers: one or more "/dts-v1/;" each optionally followed by one
 * "/plugin/;" — all alike, as dtc insists ("Header flags don't match
 * earlier ones"). */
static void
parse_headers (KerfDtsParser *p)
{
  gboolean any = FALSE;
  gboolean first_plugin = FALSE;
  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      if (t->kind != KERF_TOK_DTS_V1 && t->kind != KERF_TOK_MK_V1)
        break;
      if (t->kind == KERF_TOK_MK_V1)
        p->tree->dialect = KERF_DT_DIALECT_MULTIKERNEL_V1;
      KerfLoc header_loc = t->loc;
      kerf_dts_parser_advance (p);
      if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_NAME, ';'))
        recover (p);
      gboolean plugin = FALSE;
      t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      if (t->kind == KERF_TOK_PLUGIN)
        {
          plugin = TRUE;
          kerf_dts_parser_advance (p);
          if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_NAME, ';'))
            recover (p);
        }
      if (!any)
        first_plugin = plugin;
      else if (plugin != first_plugin)
        kerf_dts_parser_error (p, header_loc, "give every header the same /plugin/; (or none)",
                               "header flags don't match earlier ones");
      p->tree->plugin = first_plugin;
      any = TRUE;
    }
  if (!any)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      kerf_dts_parser_error (p, t->loc, "start the file with /dts-v1/; (or /multikernel-v1/;)",
                             "missing /dts-v1/; header");
    }
}

static void
parse_memreserves (KerfDtsParser *p)
{
  for (;;)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      guint n_labels = 0;
      while (t->kind == KERF_TOK_LABEL)
        {
          /* labels on /memreserve/ only name the entry; nothing refers to them */
          n_labels++;
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
        }
      if (t->kind != KERF_TOK_MEMRESERVE)
        {
          if (n_labels > 0)
            kerf_dts_parser_unexpected (p, t, "/memreserve/ or a node after the label");
          return;
        }
      kerf_dts_parser_advance (p);
      KerfDtReserve r = { 0, 0 };
      if (!kerf_dts_parse_prim (p, &r.address) || !kerf_dts_parse_prim (p, &r.size)
          || !kerf_dts_parser_expect (p, KERF_DTS_LEX_VALUE, ';'))
        {
          recover (p);
          continue;
        }
      g_array_append_val (p->tree->reserves, r);
    }
}

static void
define_root (KerfDtsParser *p, KerfDtNode *node)
{
  if (!p->root_defined)
    {
      /* dtc takes the first "/ { }" as the tree itself, not merged */
      KerfDtTree *tree = p->tree;
      KerfDtNode *old = tree->root;
      take_labels (node->labels, old->labels);
      tree->root = node;
      kerf_dt_node_free (old);
      p->root_defined = TRUE;
    }
  else
    kerf_dts_merge_nodes (p, p->tree->root, node);
}

static void
parse_devicetree (KerfDtsParser *p)
{
  gboolean any = FALSE;
  while (!p->stop)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
      if (t->kind == KERF_TOK_EOF)
        break;
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
      while (t->kind == KERF_TOK_LABEL)
        {
          g_ptr_array_add (labels, g_strndup (t->text, t->len));
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
        }
      if (kerf_dts_parser_is_punct (t, '/'))
        {
          KerfLoc loc = t->loc;
          kerf_dts_parser_advance (p);
          KerfDtNode *node = parse_node_body (p, "", loc);
          if (node != NULL)
            {
              take_labels (node->labels, labels);
              define_root (p, node);
            }
          any = TRUE;
        }
      else if (t->kind == KERF_TOK_REF)
        {
          g_autofree char *ref = g_strndup (t->text, t->len);
          KerfLoc loc = t->loc;
          kerf_dts_parser_advance (p);
          p->deepest = 0;
          KerfDtNode *node = parse_node_body (p, "", loc);
          if (node == NULL)
            continue;
          /* dtc 1.6.1 in a /plugin/: a label this file defines is merged
           * into; a path, or a label it lacks, becomes a fragment */
          KerfDtNode *target = ref[0] == '/' && p->tree->plugin && labels->len == 0
                               ? NULL : kerf_dts_lookup_ref (p, ref);
          if (target == NULL && p->tree->plugin && labels->len == 0)
            {
              kerf_dts_add_fragment (p, node, ref, loc);
              any = TRUE;
              continue;
            }
          if (target == NULL)
            {
              kerf_dts_parser_error (p, loc, ref[0] == '/' ? "check the path" :
                                     "define the label before this override (labels are "
                                     "looked up where the override stands)",
                                     "label or path '%s' not found", ref);
              kerf_dts_discard_node (p, node);
              continue;
            }
          guint target_depth = 0;
          for (KerfDtNode *n = target; n->parent != NULL; n = n->parent)
            target_depth++;
          if (target_depth + p->deepest > KERF_DTS_MAX_NODE_DEPTH)
            {
              kerf_dts_parser_error (p, loc, NULL, "override of '%s' nests nodes deeper than %u levels",
                                     ref, KERF_DTS_MAX_NODE_DEPTH);
              kerf_dts_discard_node (p, node);
              continue;
            }
          take_labels (node->labels, labels);
          kerf_dts_merge_nodes (p, target, node);
          any = TRUE;
        }
      else if (t->kind == KERF_TOK_DEL_NODE || t->kind == KERF_TOK_OMIT_NO_REF)
        {
          gboolean del = t->kind == KERF_TOK_DEL_NODE;
          kerf_dts_parser_advance (p);
          t = kerf_dts_parser_peek (p, KERF_DTS_LEX_NAME);
          if (t->kind != KERF_TOK_REF)
            {
              kerf_dts_parser_unexpected (p, t, "&label or &{/path}");
              recover (p);
              continue;
            }
          g_autofree char *ref = g_strndup (t->text, t->len);
          KerfLoc loc = t->loc;
          kerf_dts_parser_advance (p);
          if (!kerf_dts_parser_expect (p, KERF_DTS_LEX_NAME, ';'))
            recover (p);
          KerfDtNode *target = kerf_dts_lookup_ref (p, ref);
          if (target == NULL)
            kerf_dts_parser_error (p, loc, NULL, "label or path '%s' not found", ref);
          else if (del)
            kerf_dts_delete_node (p, target);
          else
            g_hash_table_add (p->omit, target);
        }
      else
        {
          kerf_dts_parser_unexpected (p, t, any ? "'/ {', '&label {' or end of file"
                                                : "'/ {' (the root node)");
          if (kerf_dts_parser_is_punct (t, '}'))
            kerf_dts_parser_advance (p);  /* a stray '}': recover() would stop at it */
          else
            recover (p);
        }
    }
}

/* ---- entry points --------------------------------------------------------- */

static KerfDtTree *
parse (const char *display_name, const char *text, gsize len, const char *base_dir,
       KerfDtsParseFlags flags, const char *path, KerfDiagList *diags)
{
  guint errors_before = kerf_diag_list_n_errors (diags);
  KerfDtsParser p = { 0 };
  p.lx = kerf_dts_lexer_new (display_name, text != NULL ? text : "", len, base_dir, flags, diags);
  if (path != NULL)
    kerf_dts_lexer_set_top_path (p.lx, path);
  p.diags = diags;
  p.tree = kerf_dt_tree_new ();
  p.deleted = g_hash_table_new (NULL, NULL);
  p.omit = g_hash_table_new (NULL, NULL);
  kerf_dts_parser_check_full (&p);

  parse_headers (&p);
  parse_memreserves (&p);
  parse_devicetree (&p);
  if (!p.stop && !p.root_defined && !p.tree->plugin)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (&p, KERF_DTS_LEX_NAME);
      kerf_dts_parser_error (&p, t->loc, "add a root node: / { };", "no root node");
    }

  /* References are resolved only in a tree that parsed cleanly: after
   * error recovery dropped parts, "unknown label" would be noise. */
  gboolean ok = kerf_diag_list_n_errors (diags) == errors_before && !p.stop;
  ok = ok && kerf_dts_resolve (&p);
  ok = ok && kerf_diag_list_n_errors (diags) == errors_before;

  g_hash_table_unref (p.deleted);
  g_hash_table_unref (p.omit);
  kerf_dts_lexer_free (p.lx);
  if (!ok)
    {
      kerf_dt_tree_free (p.tree);
      return NULL;
    }
  return p.tree;
}

KerfDtTree *
kerf_dts_parse_data (const char *display_name, const char *text, gsize len,
                     const char *base_dir, KerfDtsParseFlags flags, KerfDiagList *diags)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (diags != NULL, NULL);
  return parse (display_name, text, len, base_dir, flags, NULL, diags);
}

KerfDtTree *
kerf_dts_parse_file (const char *path, KerfDiagList *diags)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      kerf_diag_error (diags, kerf_loc_make (path, 0, 0), "cannot read file: %s", error->message);
      return NULL;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  return parse (path, contents, len, dir, KERF_DTS_PARSE_NONE, path, diags);
}

gboolean
kerf_dts_eval_prim_at (const char *file, const char *text, gsize len, gsize pos,
                       guint32 line, gsize line_start, KerfDiagList *diags,
                       guint64 *value, gsize *end)
{
  KerfDtsParser p = { 0 };
  p.lx = kerf_dts_lexer_new (file, text, len, NULL, KERF_DTS_PARSE_NO_FILE_ACCESS, diags);
  p.diags = diags;
  kerf_dts_lexer_seek (p.lx, pos, line, line_start);
  guint errors = kerf_diag_list_n_errors (diags);
  gboolean ok = kerf_dts_parse_prim (&p, value) && kerf_diag_list_n_errors (diags) == errors;
  *end = kerf_dts_lexer_offset (p.lx);
  kerf_dts_lexer_free (p.lx);
  return ok;
}
