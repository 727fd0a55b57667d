/* kerf-cli-light.c — `kerf show`'s one GetManagedObjects call without a
 * GDBusConnection.
 *
 * Why this exists: `kerf show` is one call, yet setting up a
 * GDBusConnection (g_dbus_connection_new_for_address_sync, g_bus_get_sync)
 * costs several milliseconds on its own: the GDBus worker thread, a GTask
 * per step, the client auth state machine, then Hello as a separate round
 * trip before the call can go out.  Issue 7 asks for `kerf show` within
 * 10 ms wall, and that set-up is most of the time left.
 *
 * Here the socket is connected directly, the SASL EXTERNAL handshake,
 * BEGIN, Hello and GetManagedObjects go out in one write (dbus-daemon and
 * dbus-broker accept a pipelined handshake, as sd-bus clients send it), and
 * the replies are read on the same thread.  Messages are still built and
 * parsed by GLib (GDBusMessage to/from a blob): nothing is marshalled by
 * hand.
 *
 * It is only an optimisation of the common case: whenever anything is not
 * exactly as expected (a transport other than unix:path / unix:abstract,
 * auth rejected, a socket error, an error reply, a malformed or mistyped
 * reply, no reply in time) it returns NULL and the caller does the same
 * call through GDBus, so that every failure is reported, worded and exit
 * coded exactly as before.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kerf-cli-light.h"

#define KERF_LIGHT_SYSTEM_BUS_DEFAULT "unix:path=/var/run/dbus/system_bus_socket"
#define KERF_LIGHT_HELLO_SERIAL 1
#define KERF_LIGHT_CALL_SERIAL  2
#define KERF_LIGHT_REPLY_TYPE   "(a{oa{sa{sv}}})"

void
kerf_cli_light_debug (const char *format, ...)
{
  va_list args;

  if (g_strcmp0 (g_getenv ("KERF_DEBUG_BUS"), "1") != 0)
    return;
  va_start (args, format);
  fputs ("kerf: bus: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
}

/* The address GDBus would use for `bus` (g_dbus_address_get_for_bus_sync
 * for the two well-known buses); NULL when only GDBus knows how to find it
 * (a session bus without $DBUS_SESSION_BUS_ADDRESS). */
static const char *
kerf_light_address (const char *bus)
{
  if (bus == NULL || strcmp (bus, "system") == 0)
    {
      const char *env = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");

      return env != NULL ? env : KERF_LIGHT_SYSTEM_BUS_DEFAULT;
    }
  if (strcmp (bus, "session") == 0)
    return g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  return bus;
}

/* A single `unix:path=` or `unix:abstract=` address (with or without
 * guid=) as a sockaddr; FALSE for anything else. */
static gboolean
kerf_light_parse_address (const char *address, struct sockaddr_un *sun, socklen_t *len)
{
  g_auto (GStrv) pairs = NULL;
  g_autofree char *path = NULL;
  gboolean abstract = FALSE;
  gsize n;

  if (address == NULL || !g_str_has_prefix (address, "unix:") || strchr (address, ';') != NULL ||
      !g_dbus_is_supported_address (address, NULL))
    return FALSE;
  pairs = g_strsplit (address + strlen ("unix:"), ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *eq = strchr (pairs[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL)
        return FALSE;
      key = g_strndup (pairs[i], eq - pairs[i]);
      if (strcmp (key, "guid") == 0)
        continue;
      if (path != NULL || (strcmp (key, "path") != 0 && strcmp (key, "abstract") != 0))
        return FALSE;
      abstract = strcmp (key, "abstract") == 0;
      if ((path = g_uri_unescape_string (eq + 1, NULL)) == NULL || path[0] == '\0')
        return FALSE;
    }
  n = strlen (path != NULL ? path : "");
  if (n == 0 || n + 1 > sizeof sun->sun_path)
    return FALSE;
  memset (sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  memcpy (sun->sun_path + (abstract ? 1 : 0), path, n);
  /* a path with its NUL; an abstract name is NUL + name, nothing after */
  *len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n + 1);
  return TRUE;
}

/* Waits until `fd` is ready for `events` or `deadline` passes. */
static gboolean
kerf_light_wait (int fd, short events, gint64 deadline)
{
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = events };
      gint64 left = deadline - g_get_monotonic_time ();
      int r;

      if (left <= 0)
        return FALSE;
      r = poll (&pfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
      if (r > 0)
        return TRUE;
      if (r < 0 && errno != EINTR)
        return FALSE;
    }
}

static gboolean
kerf_light_write_all (int fd, const guint8 *data, gsize size, gint64 deadline)
{
  while (size > 0)
    {
      ssize_t n = send (fd, data, size, MSG_NOSIGNAL);

      if (n > 0)
        {
          data += n;
          size -= (gsize) n;
        }
      else if (n < 0 && errno == EINTR)
        continue;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          if (!kerf_light_wait (fd, POLLOUT, deadline))
            return FALSE;
        }
      else
        return FALSE;
    }
  return TRUE;
}

/* Appends what the socket has (at least one byte) to `buf`. */
static gboolean
kerf_light_read_some (int fd, GByteArray *buf, gsize want, gint64 deadline)
{
  gsize old = buf->len;

  want = MAX (want, 65536);
  g_byte_array_set_size (buf, old + want);
  for (;;)
    {
      ssize_t n = recv (fd, buf->data + old, want, 0);

      if (n > 0)
        {
          g_byte_array_set_size (buf, old + (gsize) n);
          return TRUE;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && kerf_light_wait (fd, POLLIN, deadline))
        continue;
      g_byte_array_set_size (buf, old);
      return FALSE;  /* EOF, error or deadline */
    }
}

static gboolean
kerf_light_append_message (GByteArray *out, GDBusMessage *message, guint32 serial)
{
  g_autofree guchar *blob = NULL;
  gsize size = 0;

  g_dbus_message_set_serial (message, serial);
  blob = g_dbus_message_to_blob (message, &size, 0, NULL);
  if (blob == NULL)
    return FALSE;
  g_byte_array_append (out, blob, (guint) size);
  return TRUE;
}

/* "\0AUTH EXTERNAL <uid>\r\nBEGIN\r\n", Hello and the call, in one buffer. */
static GByteArray *
kerf_light_request (const char *object_path)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GDBusMessage) hello = NULL;
  g_autoptr (GDBusMessage) call = NULL;
  g_autofree char *uid = g_strdup_printf ("%u", (unsigned) geteuid ());
  g_autoptr (GString) auth = g_string_new ("AUTH EXTERNAL ");

  /* the uid as ASCII decimal, hex-encoded (the D-Bus spec's EXTERNAL) */
  for (const char *p = uid; *p != '\0'; p++)
    g_string_append_printf (auth, "%02x", (guint) (guchar) *p);
  g_string_append (auth, "\r\nBEGIN\r\n");
  g_byte_array_append (out, (const guint8 *) "", 1);
  g_byte_array_append (out, (const guint8 *) auth->str, (guint) auth->len);

  hello = g_dbus_message_new_method_call ("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus", "Hello");
  /* without NO_AUTO_START: the bus starts kerfd by D-Bus activation */
  call = g_dbus_message_new_method_call ("org.multikernel.Kerf", object_path,
                                         "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects");
  if (!kerf_light_append_message (out, hello, KERF_LIGHT_HELLO_SERIAL) ||
      !kerf_light_append_message (out, call, KERF_LIGHT_CALL_SERIAL))
    return NULL;
  return g_steal_pointer (&out);
}

/* Reads the server's answer to AUTH: TRUE for "OK <guid>", with the line
 * removed from `buf` (what follows it is already message data). */
static gboolean
kerf_light_read_auth (int fd, GByteArray *buf, gint64 deadline)
{
  for (;;)
    {
      guint8 *end = memchr (buf->data, '\n', buf->len);

      if (end != NULL)
        {
          gsize line = (gsize) (end - buf->data) + 1;
          gboolean ok = line >= 5 && memcmp (buf->data, "OK ", 3) == 0 && end[-1] == '\r';

          g_byte_array_remove_range (buf, 0, (guint) line);
          return ok;
        }
      if (buf->len > 1024 || !kerf_light_read_some (fd, buf, 0, deadline))
        return FALSE;
    }
}

/* Reads messages until the reply to our call; skips the Hello reply and
 * whatever the bus sends before (NameAcquired, other signals). */
static GVariant *
kerf_light_read_reply (int fd, GByteArray *buf, gint64 deadline)
{
  gsize start = 0;

  for (;;)
    {
      gssize needed = 0;

      if (buf->len - start >= 16)
        needed = g_dbus_message_bytes_needed (buf->data + start, 16, NULL);
      if (needed < 0)
        return NULL;
      if (needed > 0 && buf->len - start >= (gsize) needed)
        {
          g_autoptr (GDBusMessage) message = g_dbus_message_new_from_blob (buf->data + start,
                                                                           (gsize) needed, 0, NULL);
          GDBusMessageType type;
          guint32 reply_to;

          start += (gsize) needed;
          if (message == NULL)
            return NULL;
          type = g_dbus_message_get_message_type (message);
          if (type != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && type != G_DBUS_MESSAGE_TYPE_ERROR)
            continue;  /* NameAcquired and any other signal or call */
          reply_to = g_dbus_message_get_reply_serial (message);
          if (type == G_DBUS_MESSAGE_TYPE_ERROR &&
              (reply_to == KERF_LIGHT_HELLO_SERIAL || reply_to == KERF_LIGHT_CALL_SERIAL))
            return NULL;
          if (reply_to == KERF_LIGHT_CALL_SERIAL)
            {
              GVariant *body = g_dbus_message_get_body (message);

              if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE (KERF_LIGHT_REPLY_TYPE)))
                return NULL;
              return g_variant_ref (body);
            }
          continue;
        }
      /* drop what was parsed, then read at least the rest of this message */
      if (start > 0)
        {
          g_byte_array_remove_range (buf, 0, (guint) start);
          start = 0;
        }
      if (!kerf_light_read_some (fd, buf, needed > 0 ? (gsize) needed - buf->len : 0, deadline))
        return NULL;
    }
}

GVariant *
kerf_cli_light_get_managed_objects (const char *bus, const char *object_path, gint64 deadline)
{
  const char *address = kerf_light_address (bus);
  struct sockaddr_un sun;
  socklen_t len = 0;
  g_autoptr (GByteArray) request = NULL;
  g_autoptr (GByteArray) buf = NULL;
  GVariant *reply = NULL;
  int fd;

  if (!kerf_light_parse_address (address, &sun, &len))
    {
      kerf_cli_light_debug ("GDBus path: address not handled by the light path");
      return NULL;
    }
  if ((request = kerf_light_request (object_path)) == NULL)
    return NULL;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return NULL;
  buf = g_byte_array_sized_new (65536);
  if (connect (fd, (struct sockaddr *) &sun, len) != 0)
    kerf_cli_light_debug ("GDBus path: connect: %s", g_strerror (errno));
  else if (!kerf_light_write_all (fd, request->data, request->len, deadline))
    kerf_cli_light_debug ("GDBus path: cannot send the request");
  else if (!kerf_light_read_auth (fd, buf, deadline))
    kerf_cli_light_debug ("GDBus path: authentication not accepted");
  else if ((reply = kerf_light_read_reply (fd, buf, deadline)) == NULL)
    kerf_cli_light_debug ("GDBus path: no usable reply");
  else
    kerf_cli_light_debug ("light path");
  close (fd);
  return reply;
}
