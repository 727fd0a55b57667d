/* kerfd-bouncer.h — the one place that decides who may call what.
 *
 * A default-deny table maps (interface, method) to a polkit action; methods
 * that only read are listed with no action.  The check runs in GDBus's
 * "g-authorize-method" handler, in the worker thread GDBus dedicates to it,
 * so the synchronous polkit call never blocks the main loop; the method
 * handler itself then runs on the main loop and re-checks state.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _KerfdBouncer KerfdBouncer;

KerfdBouncer *kerfd_bouncer_new (void);
void          kerfd_bouncer_free (KerfdBouncer *bouncer);

/* Connects the bouncer to "g-authorize-method" of `skeleton`.  The bouncer
 * must outlive the skeleton's exported life. */
void          kerfd_bouncer_protect (KerfdBouncer *bouncer, GDBusInterfaceSkeleton *skeleton);

/* The check itself, for a call that reaches kerfd without a skeleton (the
 * transactions outside the object manager, kerfd-archive.c).  Blocks on
 * polkit: call it from a worker thread.  FALSE after it has replied with
 * the error; TRUE when the caller may go on. */
gboolean      kerfd_bouncer_authorize (KerfdBouncer *bouncer, GDBusMethodInvocation *invocation);

/* The polkit action for a method; NULL and *known = TRUE for a method
 * anyone may call; *known = FALSE for a method not in the table (denied). */
const char   *kerfd_bouncer_action_for (const char *interface_name,
                                        const char *method_name,
                                        gboolean   *known);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfdBouncer, kerfd_bouncer_free)

G_END_DECLS
