/* kerf-cli-props.h — D-Bus properties read without proxies.
 *
 * A GDBusProxy per object costs round trips (AddMatch, GetNameOwner,
 * GetAll) and memory; the read-only commands need the values only.  A
 * KerfCliProps is one interface's properties of one object, from an a{sv}
 * (GetManagedObjects, Properties.GetAll) or from a proxy's cache, read with
 * the same rules as the generated getters: a property that is missing or
 * has another type than the interface says reads as NULL / 0.
 */
#pragma once

#include <gio/gio.h>
#include "kerf-cli.h"

G_BEGIN_DECLS

typedef struct _KerfCliProps KerfCliProps;

/* `vardict` is an a{sv}; the values are referenced, not copied. */
KerfCliProps *kerf_cli_props_new (const char *object_path, GVariant *vardict);
/* A proxy's cached properties (checked against its interface info). */
KerfCliProps *kerf_cli_props_new_from_proxy (GDBusProxy *proxy);
void          kerf_cli_props_free (KerfCliProps *props);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCliProps, kerf_cli_props_free)

const char *kerf_cli_props_path (const KerfCliProps *props);
/* The value of `name` when it has `type` (borrowed), else NULL. */
GVariant   *kerf_cli_props_value (const KerfCliProps *props, const char *name, const char *type);
/* "s" or "o"; NULL when missing. */
const char *kerf_cli_props_string (const KerfCliProps *props, const char *name);
guint32     kerf_cli_props_uint32 (const KerfCliProps *props, const char *name);
guint64     kerf_cli_props_uint64 (const KerfCliProps *props, const char *name);
gboolean    kerf_cli_props_boolean (const KerfCliProps *props, const char *name);

/* Properties.GetAll of `interface` at `object_path` on kerfd: one round
 * trip.  NULL with `error` set on failure. */
KerfCliProps *kerf_cli_props_get_all (GDBusConnection *connection,
                                      const char      *object_path,
                                      const char      *interface,
                                      GError         **error);

/* ---- everything kerfd exports, from one GetManagedObjects call ------ */

typedef struct {
  GVariant     *reply;      /* (a{oa{sa{sv}}}) */
  KerfCliProps *pool;       /* org.multikernel.Kerf.Pool at KERF_CLI_POOL_PATH */
  GPtrArray    *instances;  /* KerfCliProps of org.multikernel.Kerf.Instance, sorted by Name */
} KerfCliSnapshot;

/* Connects to the bus `global` names and reads kerfd's objects: over a
 * plain unix socket when it can (kerf-cli-light.c), else through GDBus.
 * Without NO_AUTO_START, so D-Bus activation still starts kerfd.  On failure prints
 * what `kerf_cli_bus_open` would and returns NULL with `*status` set. */
KerfCliSnapshot *kerf_cli_snapshot_get (KerfCliGlobal *global, int *status);
void             kerf_cli_snapshot_free (KerfCliSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCliSnapshot, kerf_cli_snapshot_free)

/* The instance called `name` (or, when `name` is NULL, with id `id`)
 * (borrowed); NULL with the KERF_ERROR_NOT_FOUND error of
 * kerf_cli_bus_find_instance. */
KerfCliProps *kerf_cli_snapshot_find_instance (KerfCliSnapshot *snapshot, const char *name,
                                               guint id, GError **error);

G_END_DECLS
