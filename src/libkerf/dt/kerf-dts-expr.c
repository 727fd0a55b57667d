/* kerf-dts-expr.c — dtc's integer expressions.
 *
 * Inside < > only an integer_prim may stand: a literal, a char literal or a
 * parenthesised expression; inside the parentheses C operators with C
 * precedence on unsigned 64-bit values.  Like dtc's bison actions, both
 * sides of ?:, && and || are evaluated (a division by zero anywhere is an
 * error).  Shifts by 64 or more give 0, as in dtc.
 */
#include "config.h"

#include "kerf-dts-parser-private.h"

typedef struct {
  KerfDtsParser *p;
  gboolean       ok;
  guint          depth;
} Expr;

#define MAX_EXPR_DEPTH 256

static guint64 expr_ternary (Expr *e);

static gboolean
at_op (Expr *e, int op, KerfLoc *loc)
{
  KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
  if (t->kind == KERF_TOK_PUNCT && t->value == (guint64) op)
    {
      if (loc != NULL)
        *loc = t->loc;
      kerf_dts_parser_advance (e->p);
      return TRUE;
    }
  return FALSE;
}

static guint64
expr_prim (Expr *e)
{
  KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
  if (t->kind == KERF_TOK_NUMBER)
    {
      guint64 v = t->value;
      kerf_dts_parser_advance (e->p);
      return v;
    }
  if (kerf_dts_parser_is_punct (t, '('))
    {
      if (++e->depth > MAX_EXPR_DEPTH)
        {
          kerf_dts_parser_error (e->p, t->loc, NULL, "expression nested too deeply");
          e->ok = FALSE;
          return 0;
        }
      kerf_dts_parser_advance (e->p);
      guint64 v = expr_ternary (e);
      e->depth--;
      if (!e->ok)
        return 0;
      t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
      if (!kerf_dts_parser_is_punct (t, ')'))
        {
          kerf_dts_parser_unexpected (e->p, t, "')'");
          e->ok = FALSE;
          return 0;
        }
      kerf_dts_parser_advance (e->p);
      return v;
    }
  kerf_dts_parser_unexpected (e->p, t, "a number or '('");
  e->ok = FALSE;
  return 0;
}

static guint64
expr_unary (Expr *e)
{
  if (!e->ok)
    return 0;
  if (e->depth > MAX_EXPR_DEPTH)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
      kerf_dts_parser_error (e->p, t->loc, NULL, "expression nested too deeply");
      e->ok = FALSE;
      return 0;
    }
  guint64 v;
  if (at_op (e, '-', NULL))
    {
      e->depth++;
      v = -expr_unary (e);
      e->depth--;
    }
  else if (at_op (e, '~', NULL))
    {
      e->depth++;
      v = ~expr_unary (e);
      e->depth--;
    }
  else if (at_op (e, '!', NULL))
    {
      e->depth++;
      v = !expr_unary (e);
      e->depth--;
    }
  else
    v = expr_prim (e);
  return v;
}

static guint64
expr_muldiv (Expr *e)
{
  guint64 a = expr_unary (e);
  while (e->ok)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
      if (t->kind != KERF_TOK_PUNCT || (t->value != '*' && t->value != '/' && t->value != '%'))
        break;
      int op = (int) t->value;
      KerfLoc loc = t->loc;
      kerf_dts_parser_advance (e->p);
      guint64 b = expr_unary (e);
      if (!e->ok)
        break;
      if (op == '*')
        a = a * b;
      else if (b == 0)
        {
          kerf_dts_parser_error (e->p, loc, NULL, "division by zero");
          a = 0;
        }
      else
        a = op == '/' ? a / b : a % b;
    }
  return a;
}

static int
peek_op (Expr *e, const int *ops)
{
  KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
  if (t->kind != KERF_TOK_PUNCT)
    return 0;
  for (const int *o = ops; *o != 0; o++)
    if (t->value == (guint64) *o)
      {
        kerf_dts_parser_advance (e->p);
        return *o;
      }
  return 0;
}

static guint64
apply (int op, guint64 a, guint64 b)
{
  switch (op)
    {
    case '+': return a + b;
    case '-': return a - b;
    case KERF_OP_LSHIFT: return b < 64 ? a << b : 0;
    case KERF_OP_RSHIFT: return b < 64 ? a >> b : 0;
    case '<': return a < b;
    case '>': return a > b;
    case KERF_OP_LE: return a <= b;
    case KERF_OP_GE: return a >= b;
    case KERF_OP_EQ: return a == b;
    case KERF_OP_NE: return a != b;
    case '&': return a & b;
    case '^': return a ^ b;
    case '|': return a | b;
    case KERF_OP_AND: return a && b;
    case KERF_OP_OR: return a || b;
    default: return 0;
    }
}

/* Binary levels from tightest to loosest, above multiplication. */
static const int level_ops[][5] = {
  { '+', '-', 0 },
  { KERF_OP_LSHIFT, KERF_OP_RSHIFT, 0 },
  { '<', '>', KERF_OP_LE, KERF_OP_GE, 0 },
  { KERF_OP_EQ, KERF_OP_NE, 0 },
  { '&', 0 },
  { '^', 0 },
  { '|', 0 },
  { KERF_OP_AND, 0 },
  { KERF_OP_OR, 0 },
};

static guint64
expr_level (Expr *e, int level)
{
  if (level < 0)
    return expr_muldiv (e);
  guint64 a = expr_level (e, level - 1);
  while (e->ok)
    {
      int op = peek_op (e, level_ops[level]);
      if (op == 0)
        break;
      guint64 b = expr_level (e, level - 1);
      a = apply (op, a, b);
    }
  return a;
}

static guint64
expr_ternary (Expr *e)
{
  guint64 c = expr_level (e, (int) G_N_ELEMENTS (level_ops) - 1);
  if (!e->ok || !at_op (e, '?', NULL))
    return c;
  if (++e->depth > MAX_EXPR_DEPTH)
    {
      KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
      kerf_dts_parser_error (e->p, t->loc, NULL, "expression nested too deeply");
      e->ok = FALSE;
      return 0;
    }
  guint64 a = expr_ternary (e);
  if (!e->ok)
    return 0;
  KerfDtsToken *t = kerf_dts_parser_peek (e->p, KERF_DTS_LEX_VALUE);
  if (!kerf_dts_parser_is_punct (t, ':'))
    {
      kerf_dts_parser_unexpected (e->p, t, "':'");
      e->ok = FALSE;
      return 0;
    }
  kerf_dts_parser_advance (e->p);
  guint64 b = expr_ternary (e);
  e->depth--;
  return c ? a : b;
}

gboolean
kerf_dts_parse_prim (KerfDtsParser *p, guint64 *out)
{
  Expr e = { p, TRUE, 0 };
  *out = expr_prim (&e);
  return e.ok;
}
