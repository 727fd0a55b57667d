/* kerf-validate-private.h — what the per-family rule files share. */
#pragma once

#include "kerf-validate.h"
#include "kerf-alloc.h"

G_BEGIN_DECLS

typedef struct {
  const KerfModel           *state;
  const KerfResources       *res;       /* never NULL inside the rule files */
  const KerfValidateOptions *opts;
  KerfDiagList              *diags;
  GArray                    *free_cpus; /* pool CPUs no instance uses, sorted */
  KerfCpuNodeMap            *node_map;
  GArray                    *pool_chunks; /* kerf_resources_pool_chunks (res) */
  gboolean                   topology;  /* res->numa_nodes non-empty */
} KerfValidateCtx;

/* Adds a finding with the catalogue's severity for `rule`. */
void kerf_validate_report (KerfValidateCtx *ctx,
                           const char      *rule,
                           KerfLoc          loc,
                           const char      *suggestion,
                           const char      *format,
                           ...) G_GNUC_PRINTF (5, 6);

/* `loc` when known, else `fallback`. */
KerfLoc kerf_validate_loc (KerfLoc loc, KerfLoc fallback);

/* "use free CPUs 8-11" for `n` CPUs, or a sentence saying none are free. */
char *kerf_validate_suggest_cpus (KerfValidateCtx *ctx, guint n, const char *what);
/* The same, from the free CPUs after the first `skip` (so two findings
 * about one instance do not offer it the same free CPU twice). */
char *kerf_validate_suggest_cpus_after (KerfValidateCtx *ctx, guint skip, guint n,
                                        const char *what);

/* "[0, 1]"-style node list for messages: "0,1" */
char *kerf_validate_nodes_string (const GArray *nodes);

void kerf_validate_inventory (KerfValidateCtx *ctx);   /* H1-H3, H8, M1-M3, M8, M9 */
void kerf_validate_global (KerfValidateCtx *ctx);      /* I1-I4, R1, R2, U1, U2 */
void kerf_validate_cpu (KerfValidateCtx *ctx);         /* C1-C4 */
void kerf_validate_memory (KerfValidateCtx *ctx);      /* MA1-MA6 */
void kerf_validate_device (KerfValidateCtx *ctx);      /* D1-D7, DR1-DR3, DV1-DV3 */
void kerf_validate_topology (KerfValidateCtx *ctx);    /* TP1-TP5, T1-T13 */
void kerf_validate_host (KerfValidateCtx *ctx);        /* H4, H5, H7, M4-M7 */

G_END_DECLS
