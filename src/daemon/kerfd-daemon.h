/* kerfd-daemon.h — the exported object tree of kerfd.
 *
 * Owns the engine, the bouncer, the transaction queue and the object
 * manager at /org/multikernel/Kerf.  The objects mirror the engine's
 * snapshot: kerfd_daemon_sync() adds, updates and removes them so every
 * change is seen as PropertiesChanged / InterfacesAdded / InterfacesRemoved.
 */
#pragma once

#include <gio/gio.h>
#include "kerf-dbus-generated.h"
#include "kerfd-bouncer.h"
#include "kerfd-engine.h"
#include "kerfd-queue.h"

G_BEGIN_DECLS

typedef struct _KerfdDaemon KerfdDaemon;

struct _KerfdDaemon {
  KerfdEngine              *engine;
  KerfdBouncer             *bouncer;
  KerfdQueue               *queue;
  GDBusObjectManagerServer *manager;
  KerfDBusPool             *pool;
  GHashTable               *instances;     /* name -> its object (kerfd-daemon.c) */
  GHashTable               *transactions;  /* GUINT_TO_POINTER (id) -> KerfDBusObjectSkeleton */
  guint                     transaction_history;  /* newest N exported; 0 = all */
  GDBusConnection          *connection;    /* once exported */
  guint                     archive_id;    /* kerfd-archive.c's subtree */
};

/* How many transactions the object manager carries by default. */
#define KERFD_DEFAULT_TRANSACTION_HISTORY 64

/* Takes `engine`. */
KerfdDaemon *kerfd_daemon_new (KerfdEngine *engine);
void         kerfd_daemon_free (KerfdDaemon *daemon);
/* Exports the tree on `connection` (before the name is owned). */
void         kerfd_daemon_export (KerfdDaemon *daemon, GDBusConnection *connection);
/* Mirrors the engine's current snapshot. */
void         kerfd_daemon_sync (KerfdDaemon *daemon);
/* Exports only the newest `n` transactions as objects (0: all); the others
 * answer through kerfd-archive.c.  Takes effect at once. */
void         kerfd_daemon_set_transaction_history (KerfdDaemon *daemon, guint n);

/* kerfd-archive.c: every transaction the object manager does not carry
 * answers at its path (properties, Introspect, Rollback). */
guint        kerfd_archive_register (KerfdDaemon *daemon, GDBusConnection *connection);

/* kerfd-methods.c: connects the handle-* signals. */
void         kerfd_methods_connect_pool (KerfdDaemon *daemon, KerfDBusPool *pool);
void         kerfd_methods_connect_instance (KerfdDaemon *daemon, KerfDBusInstance *instance);
void         kerfd_methods_connect_transaction (KerfdDaemon *daemon, KerfDBusTransaction *tx);
/* Queues Rollback of `tx_id` for an authorized call (any object path). */
void         kerfd_methods_rollback (KerfdDaemon *daemon, GDBusMethodInvocation *invocation,
                                     guint tx_id, GVariant *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdDaemon, kerfd_daemon_free)

G_END_DECLS
