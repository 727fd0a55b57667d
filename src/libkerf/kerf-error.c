/* kerf-error.c — the KERF_ERROR quark (D-Bus names live in the daemon). */
#include "config.h"

#include "kerf-error.h"

G_DEFINE_QUARK (kerf-error-quark, kerf_error)
