/* kerfd-bouncer.c — polkit authorization of every method call.
 *
 * Rules:
 *  - unknown (interface, method): denied (default deny);
 *  - read-only methods: allowed without asking anyone;
 *  - privileged methods: polkit with the caller's unique bus name as the
 *    subject; interactive only when the caller set
 *    ALLOW_INTERACTIVE_AUTHORIZATION on the message;
 *  - polkit unreachable: fail closed, only uid 0 passes (the caller's uid
 *    comes from the bus daemon, not from the caller).
 */
#include "config.h"

#include <polkit/polkit.h>

#include "kerf-error.h"
#include "kerfd-bouncer.h"
#include "kerfd-error.h"
#include "kerfd-names.h"

typedef struct {
  const char *interface_name;
  const char *method_name;
  const char *action;     /* NULL: no privilege needed */
} KerfdRule;

static const KerfdRule kerfd_rules[] = {
  { KERFD_IFACE_POOL, "Validate",       NULL },
  { KERFD_IFACE_POOL, "Report",         NULL },
  { KERFD_IFACE_POOL, "GetDeviceTree",  NULL },
  { KERFD_IFACE_POOL, "ListTransactions", NULL },
  { KERFD_IFACE_POOL, "Initialize",     KERFD_ACTION_INITIALIZE },
  { KERFD_IFACE_POOL, "Reset",          KERFD_ACTION_INITIALIZE },
  { KERFD_IFACE_POOL, "CreateInstance", KERFD_ACTION_MANAGE_INSTANCES },
  { KERFD_IFACE_INSTANCE, "Update",     KERFD_ACTION_MANAGE_INSTANCES },
  { KERFD_IFACE_INSTANCE, "Delete",     KERFD_ACTION_MANAGE_INSTANCES },
  { KERFD_IFACE_INSTANCE, "Load",       KERFD_ACTION_LOAD_KERNEL },
  { KERFD_IFACE_INSTANCE, "Unload",     KERFD_ACTION_LOAD_KERNEL },
  { KERFD_IFACE_INSTANCE, "Exec",       KERFD_ACTION_CONTROL_INSTANCE },
  { KERFD_IFACE_INSTANCE, "Kill",       KERFD_ACTION_CONTROL_INSTANCE },
  { KERFD_IFACE_TRANSACTION, "Rollback", KERFD_ACTION_ROLLBACK },
};

struct _KerfdBouncer {
  GMutex           lock;
  PolkitAuthority *authority;   /* lazily, under `lock` */
};

KerfdBouncer *
kerfd_bouncer_new (void)
{
  KerfdBouncer *self = g_new0 (KerfdBouncer, 1);

  g_mutex_init (&self->lock);
  return self;
}

void
kerfd_bouncer_free (KerfdBouncer *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->authority);
  g_mutex_clear (&self->lock);
  g_free (self);
}

const char *
kerfd_bouncer_action_for (const char *interface_name,
                          const char *method_name,
                          gboolean   *known)
{
  for (gsize i = 0; i < G_N_ELEMENTS (kerfd_rules); i++)
    {
      if (g_str_equal (kerfd_rules[i].interface_name, interface_name) &&
          g_str_equal (kerfd_rules[i].method_name, method_name))
        {
          *known = TRUE;
          return kerfd_rules[i].action;
        }
    }
  *known = FALSE;
  return NULL;
}

/* Runs in a worker thread. */
static PolkitAuthority *
kerfd_bouncer_get_authority (KerfdBouncer *self, GError **error)
{
  PolkitAuthority *authority;

  /* explicit lock/unlock: a g_autoptr(GMutexLocker) that is never read
   * is an unused variable to clang */
  g_mutex_lock (&self->lock);
  if (self->authority == NULL)
    self->authority = polkit_authority_get_sync (NULL, error);
  authority = self->authority != NULL ? g_object_ref (self->authority) : NULL;
  g_mutex_unlock (&self->lock);
  return authority;
}

/* Asks the bus daemon for the caller's uid (the caller cannot lie about it). */
static gboolean
kerfd_bouncer_get_caller_uid (GDBusMethodInvocation *invocation, guint32 *uid, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (g_dbus_method_invocation_get_connection (invocation),
                                       "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)",
                                                      g_dbus_method_invocation_get_sender (invocation)),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", uid);
  return TRUE;
}

static gboolean
kerfd_error_means_no_polkit (const GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return TRUE;
  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR)
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      if (remote != NULL &&
          (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
           g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
        return TRUE;
    }
  return FALSE;
}

/* Without polkit only root passes. */
static gboolean
kerfd_bouncer_check_without_polkit (GDBusMethodInvocation *invocation,
                                    const char            *action,
                                    const GError          *why,
                                    GError               **error)
{
  guint32 uid = G_MAXUINT32;
  g_autoptr(GError) local_error = NULL;

  if (!kerfd_bouncer_get_caller_uid (invocation, &uid, &local_error))
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                   "Not authorized for %s: polkit is not available (%s) and the caller's "
                   "uid could not be determined (%s)", action, why->message,
                   local_error->message);
      return FALSE;
    }
  if (uid != 0)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                   "Not authorized for %s: polkit is not available (%s), so only root "
                   "may call %s", action, why->message,
                   g_dbus_method_invocation_get_method_name (invocation));
      return FALSE;
    }
  g_info ("polkit not available (%s); allowing %s for uid 0", why->message, action);
  return TRUE;
}

static gboolean
kerfd_bouncer_check (KerfdBouncer          *self,
                     GDBusMethodInvocation *invocation,
                     const char            *action,
                     GError               **error)
{
  g_autoptr(PolkitAuthority) authority = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  g_autoptr(PolkitDetails) details = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  /* a peer-to-peer caller has no bus name polkit could look up */
  if (sender == NULL)
    {
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                   "Not authorized for %s: the caller has no bus name", action);
      return FALSE;
    }

  if (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;

  authority = kerfd_bouncer_get_authority (self, &local_error);
  if (authority == NULL)
    return kerfd_bouncer_check_without_polkit (invocation, action, local_error, error);

  subject = polkit_system_bus_name_new (sender);
  details = polkit_details_new ();
  polkit_details_insert (details, "interface", g_dbus_method_invocation_get_interface_name (invocation));
  polkit_details_insert (details, "method", g_dbus_method_invocation_get_method_name (invocation));
  polkit_details_insert (details, "object", g_dbus_method_invocation_get_object_path (invocation));

  result = polkit_authority_check_authorization_sync (authority, subject, action, details,
                                                      flags, NULL, &local_error);
  if (result == NULL)
    {
      if (kerfd_error_means_no_polkit (local_error))
        return kerfd_bouncer_check_without_polkit (invocation, action, local_error, error);
      g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                   "Not authorized for %s: checking with polkit failed: %s",
                   action, local_error->message);
      return FALSE;
    }

  if (polkit_authorization_result_get_is_authorized (result))
    return TRUE;

  if (polkit_authorization_result_get_dismissed (result))
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                 "Not authorized for %s: the authentication dialog was dismissed", action);
  else if (polkit_authorization_result_get_is_challenge (result))
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                 "Not authorized for %s: authentication is required; call again with "
                 "interactive authorization allowed (e.g. gdbus call --interactive)", action);
  else
    g_set_error (error, KERF_ERROR, KERF_ERROR_NOT_AUTHORIZED,
                 "Not authorized for %s", action);
  return FALSE;
}

gboolean
kerfd_bouncer_authorize (KerfdBouncer *self, GDBusMethodInvocation *invocation)
{
  const char *iface = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  const char *action;
  gboolean known = FALSE;
  g_autoptr(GError) error = NULL;

  action = kerfd_bouncer_action_for (iface, method, &known);
  if (!known)
    {
      g_warning ("denying %s.%s: not in the authorization table", iface, method);
      kerfd_invocation_return_kerf_error (invocation, KERF_ERROR_NOT_AUTHORIZED,
                                          "Not authorized: %s.%s is not an allowed method",
                                          iface, method);
      return FALSE;
    }
  if (action == NULL)
    return TRUE;

  if (!kerfd_bouncer_check (self, invocation, action, &error))
    {
      const char *sender = g_dbus_method_invocation_get_sender (invocation);

      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                        KERFD_LOG_FIELD_SENDER, sender != NULL ? sender : "",
                        "MESSAGE", "%s", error->message);
      kerfd_invocation_return_error (invocation, error);
      return FALSE;
    }
  g_debug ("%s authorized for %s (%s.%s)", action,
           g_dbus_method_invocation_get_sender (invocation), iface, method);
  return TRUE;
}

/* "g-authorize-method": runs in a GDBus worker thread.  Returning FALSE
 * after replying ends the call; the handler never runs. */
static gboolean
kerfd_bouncer_authorize_method (GDBusInterfaceSkeleton *skeleton,
                                GDBusMethodInvocation  *invocation,
                                gpointer                user_data)
{
  (void) skeleton;
  return kerfd_bouncer_authorize (user_data, invocation);
}

void
kerfd_bouncer_protect (KerfdBouncer *self, GDBusInterfaceSkeleton *skeleton)
{
  g_signal_connect (skeleton, "g-authorize-method",
                    G_CALLBACK (kerfd_bouncer_authorize_method), self);
}
