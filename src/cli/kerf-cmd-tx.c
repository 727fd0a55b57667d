/* kerf-cmd-tx.c — `kerf transactions` and `kerf rollback TX`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"
#include "kerf-error.h"

int
kerf_cmd_transactions (KerfCliGlobal *global, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  GList *txs;
  int status;

  context = kerf_cli_context_new (global, NULL,
    "List the overlay transactions the kernel holds (tx_N), oldest first.", NULL);
  if (!kerf_cli_parse_options (context, "transactions", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (argc > 1)
    return kerf_cli_usage_error ("transactions", "unexpected argument '%s'", argv[1]);
  if ((bus = kerf_cli_bus_open (global, &status)) == NULL)
    return status;

  txs = kerf_cli_bus_list_transactions (bus);
  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_array (json);
      for (GList *l = txs; l != NULL; l = l->next)
        {
          KerfDBusTransaction *tx = l->data;

          kerf_json_begin_object (json);
          kerf_json_key (json, "id");
          kerf_json_uint (json, kerf_dbus_transaction_get_id (tx));
          kerf_json_key (json, "status");
          kerf_json_string (json, kerf_dbus_transaction_get_status (tx));
          kerf_json_key (json, "operation");
          kerf_json_string (json, kerf_dbus_transaction_get_operation (tx));
          kerf_json_key (json, "target");
          kerf_json_string (json, kerf_dbus_transaction_get_target (tx));
          kerf_json_end_object (json);
        }
      kerf_json_end_array (json);
      kerf_cli_json_print (json);
    }
  else if (txs == NULL)
    printf ("No transactions.\n");
  else
    {
      const char *const headers[] = { "TX", "STATUS", "OPERATION", "TARGET", NULL };
      g_autoptr (KerfCliTable) table = kerf_cli_table_new (headers);

      for (GList *l = txs; l != NULL; l = l->next)
        {
          KerfDBusTransaction *tx = l->data;
          g_autofree char *id = g_strdup_printf ("%u", kerf_dbus_transaction_get_id (tx));
          const char *const row[] = { id, kerf_dbus_transaction_get_status (tx),
                                      kerf_dbus_transaction_get_operation (tx),
                                      kerf_dbus_transaction_get_target (tx) };

          kerf_cli_table_add_row (table, row);
        }
      kerf_cli_table_print (table, stdout);
    }
  g_list_free_full (txs, g_object_unref);
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
  g_autoptr (KerfDBusTransaction) found = NULL;
  g_autoptr (GError) error = NULL;
  GList *txs;
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

  txs = kerf_cli_bus_list_transactions (bus);
  for (GList *l = txs; l != NULL && found == NULL; l = l->next)
    if (kerf_dbus_transaction_get_id (l->data) == id)
      found = g_object_ref (l->data);
  g_list_free_full (txs, g_object_unref);
  if (found == NULL)
    {
      kerf_cli_error ("no transaction %u (kerf transactions lists them)", id);
      return KERF_EXIT_FAILED;
    }
  if (!kerf_dbus_transaction_call_rollback_sync (found, kerf_cli_empty_options (), bus->call_flags,
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
    printf ("Rolled back transaction %u (%s of %s).\n", id,
            kerf_dbus_transaction_get_operation (found), kerf_dbus_transaction_get_target (found));
  return KERF_EXIT_OK;
}
