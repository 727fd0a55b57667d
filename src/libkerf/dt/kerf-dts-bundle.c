/* placeholder, replaced below */
#include "config.h"
#include "kerf-dts.h"
char *
kerf_dts_bundle (const char *path, KerfDiagList *diags)
{
  return NULL;
}
