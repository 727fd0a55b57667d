/* kerfd-log.h — structured logging of kerfd.
 *
 * Lifecycle events carry KERF_INSTANCE / KERF_TRANSACTION / KERF_OPERATION
 * fields (and a MESSAGE_ID where one exists) so `journalctl KERF_INSTANCE=web`
 * finds everything about one instance.  The writer goes to the journal when
 * stderr is connected to it (systemd service), else to stderr.
 */
#pragma once

#include <glib.h>
#include "kerfd-names.h"

G_BEGIN_DECLS

/* Installs the writer; `verbose` shows debug messages too. */
void kerfd_log_init (gboolean verbose);

#define kerfd_log_instance(level, instance, ...) \
  g_log_structured (G_LOG_DOMAIN, (level), \
                    KERFD_LOG_FIELD_INSTANCE, (instance), \
                    "MESSAGE", __VA_ARGS__)

#define kerfd_log_transaction(level, operation, instance, ...) \
  g_log_structured (G_LOG_DOMAIN, (level), \
                    "MESSAGE_ID", KERFD_MESSAGE_ID_TRANSACTION, \
                    KERFD_LOG_FIELD_OPERATION, (operation), \
                    KERFD_LOG_FIELD_INSTANCE, (instance), \
                    "MESSAGE", __VA_ARGS__)

G_END_DECLS
