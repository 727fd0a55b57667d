/* kerfd-log.c — the log writer: journald when stderr is the journal. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "kerfd-log.h"

static gboolean kerfd_log_verbose;
static gboolean kerfd_log_to_journal;

static GLogWriterOutput
kerfd_log_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  if (!kerfd_log_verbose && (log_level & G_LOG_LEVEL_DEBUG) != 0)
    return G_LOG_WRITER_HANDLED;

  if (kerfd_log_to_journal &&
      g_log_writer_journald (log_level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  /* g_log_writer_standard_streams would drop our extra fields: print them
   * after the message, so a test log shows KERF_INSTANCE=... too. */
  {
    g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);
    g_autoptr(GString) extra = g_string_new (NULL);

    for (gsize i = 0; i < n_fields; i++)
      {
        if (g_str_has_prefix (fields[i].key, "KERF_") && fields[i].length < 0)
          g_string_append_printf (extra, " %s=%s", fields[i].key, (const char *) fields[i].value);
      }
    fprintf (stderr, "%s%s\n", line, extra->str);
    fflush (stderr);
  }
  return G_LOG_WRITER_HANDLED;
}

void
kerfd_log_init (gboolean verbose)
{
  kerfd_log_verbose = verbose;
  kerfd_log_to_journal = g_log_writer_is_journald (fileno (stderr));
  g_log_set_writer_func (kerfd_log_writer, NULL, NULL);
}
