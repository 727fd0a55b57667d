/* kerfd-error.c — D-Bus names of KERF_ERROR and conversion at the boundary. */
#include "config.h"

#include "kerfd-error.h"
#include "kerfd-names.h"

/* Indexed by KerfErrorCode; the static assert keeps it in step with
 * kerf-error.h. */
static const GDBusErrorEntry kerfd_error_entries[] = {
  { KERF_ERROR_FAILED,            KERFD_ERROR_PREFIX "Failed" },
  { KERF_ERROR_NOT_INITIALIZED,   KERFD_ERROR_PREFIX "NotInitialized" },
  { KERF_ERROR_VALIDATION_FAILED, KERFD_ERROR_PREFIX "ValidationFailed" },
  { KERF_ERROR_RESOURCE_CONFLICT, KERFD_ERROR_PREFIX "ResourceConflict" },
  { KERF_ERROR_NOT_FOUND,         KERFD_ERROR_PREFIX "NotFound" },
  { KERF_ERROR_INVALID_ARGUMENT,  KERFD_ERROR_PREFIX "InvalidArgument" },
  { KERF_ERROR_INVALID_STATE,     KERFD_ERROR_PREFIX "InvalidState" },
  { KERF_ERROR_NOT_AUTHORIZED,    KERFD_ERROR_PREFIX "NotAuthorized" },
  { KERF_ERROR_KERNEL_ERROR,      KERFD_ERROR_PREFIX "KernelError" },
  { KERF_ERROR_BUSY,              KERFD_ERROR_PREFIX "Busy" },
  { KERF_ERROR_EXISTS,            KERFD_ERROR_PREFIX "Exists" },
  { KERF_ERROR_PARSE,             KERFD_ERROR_PREFIX "ParseFailed" },
  { KERF_ERROR_IO,                KERFD_ERROR_PREFIX "IoError" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (kerfd_error_entries) == KERF_ERROR_N_CODES);

void
kerfd_error_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (kerfd_error_entries); i++)
        {
          /* the table is indexed by code: check that too */
          g_assert (kerfd_error_entries[i].error_code == (gint) i);
          g_dbus_error_register_error (KERF_ERROR, kerfd_error_entries[i].error_code,
                                       kerfd_error_entries[i].dbus_error_name);
        }
      g_once_init_leave (&registered, 1);
    }
}

const char *
kerfd_error_code_to_name (KerfErrorCode code)
{
  if ((guint) code >= G_N_ELEMENTS (kerfd_error_entries))
    code = KERF_ERROR_FAILED;
  return kerfd_error_entries[code].dbus_error_name + strlen (KERFD_ERROR_PREFIX);
}

static KerfErrorCode
kerfd_error_code_from_io (gint code)
{
  switch (code)
    {
    case G_IO_ERROR_NOT_FOUND:
      return KERF_ERROR_NOT_FOUND;
    case G_IO_ERROR_EXISTS:
      return KERF_ERROR_EXISTS;
    case G_IO_ERROR_BUSY:
    case G_IO_ERROR_PENDING:
      return KERF_ERROR_BUSY;
    case G_IO_ERROR_INVALID_ARGUMENT:
    case G_IO_ERROR_INVALID_DATA:
    case G_IO_ERROR_INVALID_FILENAME:
      return KERF_ERROR_INVALID_ARGUMENT;
    case G_IO_ERROR_PERMISSION_DENIED:
      return KERF_ERROR_NOT_AUTHORIZED;
    case G_IO_ERROR_NOT_SUPPORTED:
    case G_IO_ERROR_FAILED:
      return KERF_ERROR_FAILED;
    default:
      return KERF_ERROR_IO;
    }
}

GError *
kerfd_error_convert (const GError *error)
{
  KerfErrorCode code;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == KERF_ERROR)
    {
      if (error->code < 0 || error->code >= KERF_ERROR_N_CODES)
        return g_error_new_literal (KERF_ERROR, KERF_ERROR_FAILED, error->message);
      return g_error_copy (error);
    }

  if (error->domain == G_IO_ERROR)
    code = kerfd_error_code_from_io (error->code);
  else if (error->domain == G_FILE_ERROR)
    code = error->code == G_FILE_ERROR_NOENT ? KERF_ERROR_NOT_FOUND
         : error->code == G_FILE_ERROR_EXIST ? KERF_ERROR_EXISTS
         : error->code == G_FILE_ERROR_ACCES || error->code == G_FILE_ERROR_PERM
           ? KERF_ERROR_NOT_AUTHORIZED
         : KERF_ERROR_IO;
  else if (error->domain == G_KEY_FILE_ERROR)
    code = KERF_ERROR_IO;
  else if (error->domain == G_DBUS_ERROR && error->code == G_DBUS_ERROR_ACCESS_DENIED)
    code = KERF_ERROR_NOT_AUTHORIZED;
  else
    {
      /* an unmapped domain is a bug in the code that let it through */
      g_debug ("unmapped error domain %s (code %d): %s",
               g_quark_to_string (error->domain), error->code, error->message);
      code = KERF_ERROR_FAILED;
    }

  return g_error_new_literal (KERF_ERROR, code, error->message);
}

void
kerfd_invocation_return_error (GDBusMethodInvocation *invocation,
                               const GError          *error)
{
  g_autoptr(GError) converted = kerfd_error_convert (error);

  /* messages quote the caller's input (a device tree may hold any bytes);
   * a D-Bus string must be UTF-8, or GDBus aborts the reply */
  if (!g_utf8_validate (converted->message, -1, NULL))
    {
      char *valid = g_utf8_make_valid (converted->message, -1);

      g_free (converted->message);
      converted->message = valid;
    }
  kerfd_error_register ();
  g_dbus_method_invocation_return_gerror (invocation, converted);
}

void
kerfd_invocation_return_kerf_error (GDBusMethodInvocation *invocation,
                                    KerfErrorCode          code,
                                    const char            *format,
                                    ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (KERF_ERROR, code, format, args);
  va_end (args);
  kerfd_invocation_return_error (invocation, error);
}
