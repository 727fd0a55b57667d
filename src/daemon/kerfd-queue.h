/* kerfd-queue.h — one change at a time.
 *
 * Every mutating method becomes a job.  Jobs run strictly one after the
 * other in a worker thread (so a long Load does not stall the bus); a call
 * that arrives while another runs waits its turn — it is never rejected.
 * When a job ends, its reply is sent from the main loop and `changed` runs
 * there, so D-Bus objects are only touched on the main thread.
 */
#pragma once

#include <gio/gio.h>
#include "kerfd-engine.h"

G_BEGIN_DECLS

typedef struct _KerfdQueue KerfdQueue;

/* Runs in the worker thread.  Returns the reply (floating or not; NULL
 * means "()") or NULL with `error` set. */
typedef GVariant *(*KerfdJobFunc) (KerfdEngine *engine, gpointer data, GError **error);

KerfdQueue *kerfd_queue_new (KerfdEngine *engine, GCallback changed, gpointer user_data);
void        kerfd_queue_free (KerfdQueue *queue);

/* Takes `data` (freed with `free_data`) and `invocation`. */
void        kerfd_queue_push (KerfdQueue            *queue,
                              const char            *what,
                              KerfdJobFunc           func,
                              gpointer               data,
                              GDestroyNotify         free_data,
                              GDBusMethodInvocation *invocation);
guint       kerfd_queue_get_length (KerfdQueue *queue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdQueue, kerfd_queue_free)

G_END_DECLS
