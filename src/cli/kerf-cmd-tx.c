/* kerf-cmd-tx.c — `kerf transactions` and `kerf rollback TX`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"
#include "kerf-error.h"

/* One transaction as Pool.ListTransactions gives it. */
typedef struct {
  guint       id;
  const char *status;
  const char *operation;
  const char *target;
  const char *instance;
} KerfTxRow;

/* Every transaction the kernel holds, oldest first: ListTransactions,
 * since the object manager carries only the newest ones.  `*reply` keeps
 * the strings alive.  NULL after reporting the error (`*status` set). */
static GArray *
kerf_list_transactions (KerfCliBus *bus, GVariant **reply, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) list = NULL;
  GVariantIter iter;
  KerfTxRow row;
  GArray *rows;

  if (!kerf_dbus_pool_call_list_transactions_sync (bus->pool, kerf_cli_empty_options (),
                                                   G_DBUS_CALL_FLAGS_NONE, -1, &list, NULL,
                                                   &error))
    {
      *status = kerf_cli_report_error (error);
      return NULL;
    }
  rows = g_array_new (FALSE, FALSE, sizeof (KerfTxRow));
  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(u&s&s&s&s)", &row.id, &row.status, &row.operation,
                              &row.target, &row.instance))
    g_array_append_val (rows, row);
  *reply = g_steal_pointer (&list);
  return rows;
}

int
kerf_cmd_transactions (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GArray) txs = NULL;
  int status;

  context = kerf_cli_context_new (global, NULL,
    "List the overlay transactions the kernel holds (tx_N), oldest first.", NULL);
  if (!kerf_cli_parse_options (context, "transactions", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1)
    return kerf_cli_usage_error ("transactions", "unexpected argument '%s'", argv[1]);
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;

  if ((txs = kerf_list_transactions (bus, &reply, &status)) == NULL)
    return status;
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_array (json);
      for (guint i = 0; i < txs->len; i++)
        {
          const KerfTxRow *tx = &g_array_index (txs, KerfTxRow, i);

          kerf_json_begin_object (json);
          kerf_json_key (json, "id");
          kerf_json_uint (json, tx->id);
          kerf_json_key (json, "status");
          kerf_json_string (json, tx->status);
          kerf_json_key (json, "operation");
          kerf_json_string (json, tx->operation);
          kerf_json_key (json, "target");
          kerf_json_string (json, tx->target);
          kerf_json_key (json, "instance");
          if (*tx->instance != '\0')
            kerf_json_string (json, tx->instance);
          else
            kerf_json_null (json);
          kerf_json_end_object (json);
        }
      kerf_json_end_array (json);
      kerf_cli_json_print (json);
    }
  else if (txs->len == 0)
    printf ("No transactions.\n");
  else
    {
      const char *const headers[] = { "TX", "STATUS", "OPERATION", "TARGET", NULL };
      g_autoptr (KerfCliTable) table = kerf_cli_table_new (headers);

      for (guint i = 0; i < txs->len; i++)
        {
          const KerfTxRow *tx = &g_array_index (txs, KerfTxRow, i);
          g_autofree char *id = g_strdup_printf ("%u", tx->id);
          const char *const row[] = { id, tx->status, tx->operation, tx->target };

          kerf_cli_table_add_row (table, row);
        }
      kerf_cli_table_print (table, stdout);
    }
  return KERF_EXIT_OK;
}

/* "7", "tx_7" or "tx7" */
static gboolean
kerf_parse_tx (const char *text, guint *out)
{
  guint64 value;

  if (g_str_has_prefix (text, "tx_"))
    text += 3;
  else if (g_str_has_prefix (text, "tx"))
    text += 2;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

int
kerf_cmd_rollback (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusTransaction) tx = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GArray) txs = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  const KerfTxRow *found = NULL;
  guint id = 0;
  int status;

  context = kerf_cli_context_new (global, "TX",
    "Roll back overlay transaction TX (a number, or tx_N as the kernel names it):\n"
    "the kernel applies the inverse operations.", NULL);
  if (!kerf_cli_parse_options (context, "rollback", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc != 2)
    return kerf_cli_usage_error ("rollback", "expected exactly one transaction id");
  if (!kerf_parse_tx (argv[1], &id))
    return kerf_cli_usage_error ("rollback", "'%s' is not a transaction id (N or tx_N)", argv[1]);
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;

  if ((txs = kerf_list_transactions (bus, &reply, &status)) == NULL)
    return status;
  for (guint i = 0; i < txs->len && found == NULL; i++)
    if (g_array_index (txs, KerfTxRow, i).id == id)
      found = &g_array_index (txs, KerfTxRow, i);
  if (found == NULL)
    {
      kerf_cli_error ("no transaction %u (kerf transactions lists them)", id);
      return KERF_EXIT_FAILED;
    }
  /* at its path whether or not the object manager still lists it */
  path = g_strdup_printf (KERF_CLI_OBJECT_ROOT "/Transaction/%u", id);
  tx = kerf_dbus_transaction_proxy_new_sync (bus->connection,
                                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                             KERF_CLI_BUS_NAME, path, NULL, &error);
  if (tx == NULL ||
      !kerf_dbus_transaction_call_rollback_sync (tx, kerf_cli_empty_options (), bus->call_flags,
                                                 -1, NULL, &error))
    return kerf_cli_report_error (error);
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "id");
      kerf_json_uint (json, id);
      kerf_json_key (json, "rolled_back");
      kerf_json_bool (json, TRUE);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else
    printf ("Rolled back transaction %u (%s of %s).\n", id, found->operation, found->target);
  return KERF_EXIT_OK;
}
