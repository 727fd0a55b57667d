/* kerfd-memory.h — keeping kerfd's resident memory near what it uses. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Allocator settings for a long-running daemon; first thing in main(),
 * before any thread exists.  No-op outside glibc. */
void  kerfd_memory_init (void);
/* Returns the free memory of the heap to the system now. */
void  kerfd_memory_trim (void);
/* Trims once, on the main loop, a moment from now (any thread; calls
 * while one is pending add nothing). */
void  kerfd_memory_trim_soon (void);
/* Schedules a trim after each burst of method calls on `connection`;
 * returns the filter id. */
guint kerfd_memory_watch (GDBusConnection *connection);

G_END_DECLS
