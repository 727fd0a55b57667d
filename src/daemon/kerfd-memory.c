/* kerfd-memory.c — giving freed memory back to the system.
 *
 * kerfd rebuilds its view of the kernel after every change (a new
 * snapshot, built in the queue thread, replaces the old one) and answers
 * GetManagedObjects with one large message.  With glibc's defaults that
 * memory, once freed, mostly stays with the process: every thread gets its
 * own arena (main loop, GDBus worker, transaction queue), the blocks of one
 * snapshot are spread over two of them, and the mmap threshold slides up
 * after the first large free so later large buffers land in the heap too.
 * Measured with 1000 instances: 30 MiB resident for 12 MiB in use.
 *
 * So: one arena, a fixed mmap threshold (large transient buffers are
 * mapped and unmapped, never left in the heap), and a trim shortly after
 * kerfd has been busy.  Calls arrive in bursts; the trim runs at most once
 * per burst, on the main loop, when the burst is over.
 *
 * GLib 2.74's GSlice is an allocator of its own that no trim reaches; it is
 * in use before main() runs, so kerfd cannot switch it off itself:
 * kerfd.service sets G_SLICE=always-malloc.
 */
#include "config.h"

#include "kerfd-memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

/* after the last call of a burst, not during it */
#define KERFD_TRIM_DELAY_MS 1000

static gint kerfd_trim_pending;   /* atomic: a trim is scheduled */

void
kerfd_memory_init (void)
{
#ifdef __GLIBC__
  mallopt (M_ARENA_MAX, 1);
  /* the default (128 KiB), fixed: setting it stops the sliding */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void
kerfd_memory_trim (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

static gboolean
kerfd_memory_trim_cb (gpointer user_data)
{
  (void) user_data;
  g_atomic_int_set (&kerfd_trim_pending, FALSE);
  kerfd_memory_trim ();
  return G_SOURCE_REMOVE;
}

void
kerfd_memory_trim_soon (void)
{
  GSource *source;

  if (!g_atomic_int_compare_and_exchange (&kerfd_trim_pending, FALSE, TRUE))
    return;
  /* any thread: attach to the main loop's context */
  source = g_timeout_source_new (KERFD_TRIM_DELAY_MS);
  g_source_set_callback (source, kerfd_memory_trim_cb, NULL, NULL);
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_attach (source, NULL);
  g_source_unref (source);
}

/* Runs in GDBus's worker thread for every message: one atomic test for
 * all but the first of a burst. */
static GDBusMessage *
kerfd_memory_filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                     gpointer user_data)
{
  (void) connection; (void) user_data;
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    kerfd_memory_trim_soon ();
  return message;
}

guint
kerfd_memory_watch (GDBusConnection *connection)
{
  return g_dbus_connection_add_filter (connection, kerfd_memory_filter, NULL, NULL);
}
