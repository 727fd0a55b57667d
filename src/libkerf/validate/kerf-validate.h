/* kerf-validate.h — the mandatory resource rules.
 *
 * One pure function checks a whole state (baseline + instances + device
 * references) and reports every finding at once, each with a rule id, the
 * location of the offending node or property, and a suggestion a person
 * can act on.  "Must" rules of the seed are errors, advice (utilisation,
 * NUMA locality, this machine's inventory) is a warning.
 *
 * Rule ids follow the Python tool where it has the rule (H*, M*, I*, C*,
 * MA*, D*, DR*, R*, T*, U*; see docs/validation-rules.md and
 * kerf_validate_rules()); new rules continue those series (H8, M8, ...) or
 * use DV* (device inventory) and TP* (topology consistency).
 *
 * Cost: O(n log n) in CPUs + instances + devices: overlaps are found by
 * sorting, never by comparing every pair of instances.
 */
#pragma once

#include <glib.h>
#include "kerf-diag.h"
#include "kerf-model.h"

G_BEGIN_DECLS

typedef struct {
  /* Compare with this machine's /proc/cpuinfo and /proc/iomem (warnings
   * only: the pool may be validated on another machine). */
  gboolean    check_host;
  const char *cpuinfo_path;   /* NULL = /proc/cpuinfo */
  const char *iomem_path;     /* NULL = /proc/iomem */
  /* Utilisation advice (U1, U2) when the state has instances. */
  gboolean    advice;
} KerfValidateOptions;

/* check_host = TRUE, advice = TRUE, default paths. */
void kerf_validate_options_init (KerfValidateOptions *opts);

/* Adds every finding about `state` to `diags`; returns TRUE when none of
 * them is an error.  `opts` NULL = defaults.  A state without resources is
 * itself an error (nothing can be checked against it). */
gboolean kerf_validate_state (const KerfModel           *state,
                              const KerfValidateOptions *opts,
                              KerfDiagList              *diags);

/* Validates `state` as it would be after one change, without copying it:
 * `instance` (may be NULL) replaces the instance of the same name or is
 * added; `remove` (may be NULL) names an instance to leave out. */
gboolean kerf_validate_change (const KerfModel           *state,
                               const KerfInstance        *instance,
                               const char                *remove,
                               const KerfValidateOptions *opts,
                               KerfDiagList              *diags);

/* The rule catalogue (for docs, --list-rules and the tests). */
typedef struct {
  const char   *id;
  KerfSeverity  severity;
  const char   *family;    /* "inventory", "cpu", "memory", "device", "global", "topology", "host" */
  const char   *summary;
} KerfValidateRule;

const KerfValidateRule *kerf_validate_rules (guint *n_rules);
const KerfValidateRule *kerf_validate_rule_lookup (const char *id);

G_END_DECLS
