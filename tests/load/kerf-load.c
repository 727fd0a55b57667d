/* kerf-load.c — a load generator for kerfd.
 *
 *   kerf-load --address=ADDR --baseline=FILE [--clients=200] [--seconds=60]
 *             [--warmup=5] [--names=12] [--mix=all|reads] [--daemon-pid=PID]
 *             [--json=FILE] [--seed=N]
 *
 * One process, many bus connections (one per simulated client), each with
 * exactly one call in flight, all driven by one main loop with GDBus async
 * calls: cheap enough for 200 clients on two cores.  Each client picks a
 * call from a weighted mix of reads (Pool GetAll, GetManagedObjects,
 * Report, Validate) and changes (CreateInstance / Delete over a small set
 * of names, so clients race for the same names on purpose); --mix=reads
 * leaves the changes out.
 *
 * Every reply is classified: ok, an expected error (the races: Exists,
 * ResourceConflict on create; NotFound or an unexported object on
 * delete), or unexpected (anything else, a timeout included).  At the end
 * it prints calls/s and p50/p99 latency per kind, and the daemon's RSS at
 * the start, after the warm-up and at the end (--daemon-pid).  Exit
 * status: 0 when every call was answered and nothing unexpected came back,
 * 1 otherwise, 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

#include "kerf-json.h"

#define KERF_BUS_NAME   "org.multikernel.Kerf"
#define KERF_ROOT       "/org/multikernel/Kerf"
#define KERF_POOL_PATH  KERF_ROOT "/Pool"
#define KERF_POOL       "org.multikernel.Kerf.Pool"
#define KERF_INSTANCE   "org.multikernel.Kerf.Instance"
#define KERF_ERROR_NAME "org.multikernel.Kerf.Error."
#define CALL_TIMEOUT_MS 120000
#define MAX_SAMPLES     8      /* distinct unexpected messages kept */

typedef enum {
  KIND_GETALL,
  KIND_OBJECTS,
  KIND_REPORT,
  KIND_VALIDATE,
  KIND_CREATE,
  KIND_DELETE,
  N_KINDS
} Kind;

typedef struct {
  const char *name;
  guint       weight;
  GArray     *lat_us;       /* gint64, one per answered call */
  guint64     ok;
  guint64     expected;     /* expected errors (races) */
  guint64     unexpected;
  GHashTable *expected_by_name;   /* error name -> count (GUINT_TO_POINTER) */
} KindStats;

typedef struct _Load Load;

typedef struct {
  Load            *load;
  GDBusConnection *conn;
  Kind             kind;
  gint64           t0;
  gboolean         busy;
} Client;

struct _Load {
  /* options */
  char    *address;
  guint    n_clients;
  guint    seconds;
  guint    warmup;
  guint    n_names;
  gboolean reads_only;
  gint     daemon_pid;
  char    *json_path;
  char    *baseline_path;
  guint32  seed;

  GMainLoop *loop;
  GRand     *rand;
  Client    *clients;
  guint      outstanding;
  gboolean   stopping;
  gint64     t_start, t_measure, t_end;
  GVariant  *baseline;      /* ay, for Validate */
  KindStats  kinds[N_KINDS];
  guint      total_weight;
  guint64    unanswered;    /* timeouts and lost connections */
  GHashTable *samples;      /* unexpected message -> count */
  gint64     rss_start_kb, rss_warm_kb, rss_end_kb;
};

/* ---- helpers ------------------------------------------------------------ */

/* VmRSS of `pid` in KiB, -1 when unknown. */
static gint64
load_read_rss_kb (gint pid)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *p;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strstr (text, "\nVmRSS:");
  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + 7, NULL, 10);
}

static int
load_cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in microseconds. */
static gint64
load_percentile (const GArray *sorted, double pct)
{
  gsize rank;

  if (sorted->len == 0)
    return 0;
  rank = (gsize) (pct / 100.0 * sorted->len + 0.999999);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, gint64, rank - 1);
}

static void
load_note_unexpected (Load *load, Kind kind, const char *message)
{
  g_autofree char *key = g_strdup_printf ("%s: %s", load->kinds[kind].name, message);
  gpointer n = g_hash_table_lookup (load->samples, key);

  if (n != NULL || g_hash_table_size (load->samples) < MAX_SAMPLES)
    g_hash_table_replace (load->samples, g_steal_pointer (&key),
                          GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
}

/* The races the mix provokes on purpose. */
static gboolean
load_error_is_expected (Kind kind, const char *remote)
{
  if (remote == NULL)
    return FALSE;
  switch (kind)
    {
    case KIND_CREATE:
      return g_str_equal (remote, KERF_ERROR_NAME "Exists")
             || g_str_equal (remote, KERF_ERROR_NAME "ResourceConflict");
    case KIND_DELETE:
      /* deleted by another client before (NotFound) or while the call was
       * routed (the object is no longer exported) */
      return g_str_equal (remote, KERF_ERROR_NAME "NotFound")
             || g_str_equal (remote, "org.freedesktop.DBus.Error.UnknownMethod")
             || g_str_equal (remote, "org.freedesktop.DBus.Error.UnknownObject");
    default:
      return FALSE;
    }
}

/* ---- the calls ------------------------------------------------------------ */

static void load_client_next (Client *c);

static void
load_on_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *c = user_data;
  Load *load = c->load;
  KindStats *ks = &load->kinds[c->kind];
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  gint64 now = g_get_monotonic_time ();
  gint64 lat = now - c->t0;

  c->busy = FALSE;
  load->outstanding--;
  if (reply != NULL)
    {
      ks->ok++;
      g_array_append_val (ks->lat_us, lat);
    }
  else
    {
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      if (remote == NULL)
        {
          /* no reply at all: a timeout, or the connection went away */
          load->unanswered++;
          ks->unexpected++;
          load_note_unexpected (load, c->kind, error->message);
        }
      else
        {
          g_array_append_val (ks->lat_us, lat);
          if (load_error_is_expected (c->kind, remote))
            {
              gpointer n = g_hash_table_lookup (ks->expected_by_name, remote);

              ks->expected++;
              g_hash_table_replace (ks->expected_by_name, g_steal_pointer (&remote),
                                    GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
            }
          else
            {
              ks->unexpected++;
              load_note_unexpected (load, c->kind, error->message);
            }
        }
    }
  load_client_next (c);
}

static Kind
load_pick_kind (Load *load)
{
  guint r = (guint) g_rand_int_range (load->rand, 0, (gint32) load->total_weight);

  for (guint k = 0; k < N_KINDS; k++)
    {
      if (r < load->kinds[k].weight)
        return (Kind) k;
      r -= load->kinds[k].weight;
    }
  return KIND_GETALL;
}

static void
load_client_next (Client *c)
{
  Load *load = c->load;
  const char *path = KERF_POOL_PATH, *iface = KERF_POOL, *method = NULL;
  const GVariantType *reply_type = NULL;
  GVariant *params = NULL;
  g_autofree char *name = NULL;
  g_autofree char *inst_path = NULL;

  if (load->stopping || g_get_monotonic_time () >= load->t_end)
    {
      load->stopping = TRUE;
      if (load->outstanding == 0)
        g_main_loop_quit (load->loop);
      return;
    }

  c->kind = load_pick_kind (load);
  switch (c->kind)
    {
    case KIND_GETALL:
      iface = "org.freedesktop.DBus.Properties";
      method = "GetAll";
      params = g_variant_new ("(s)", KERF_POOL);
      reply_type = G_VARIANT_TYPE ("(a{sv})");
      break;
    case KIND_OBJECTS:
      path = KERF_ROOT;
      iface = "org.freedesktop.DBus.ObjectManager";
      method = "GetManagedObjects";
      reply_type = G_VARIANT_TYPE ("(a{oa{sa{sv}}})");
      break;
    case KIND_REPORT:
      method = "Report";
      params = g_variant_new ("(s@a{sv})", g_rand_boolean (load->rand) ? "json" : "text",
                              g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      reply_type = G_VARIANT_TYPE ("(s)");
      break;
    case KIND_VALIDATE:
      method = "Validate";
      params = g_variant_new ("(@ays@a{sv})", load->baseline, "baseline.dts",
                              g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      reply_type = G_VARIANT_TYPE ("(ba(sssuuss))");
      break;
    case KIND_CREATE:
      {
        GVariantBuilder spec;

        name = g_strdup_printf ("load%02d", g_rand_int_range (load->rand, 0, (gint32) load->n_names));
        g_variant_builder_init (&spec, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_add (&spec, "{sv}", "cpu-count", g_variant_new_uint32 (2));
        g_variant_builder_add (&spec, "{sv}", "memory-bytes",
                               g_variant_new_uint64 (256ULL << 20));
        method = "CreateInstance";
        params = g_variant_new ("(sa{sv}@a{sv})", name, &spec,
                                g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
        reply_type = G_VARIANT_TYPE ("(o)");
      }
      break;
    case KIND_DELETE:
      /* "loadNN" needs no escaping in an object path */
      inst_path = g_strdup_printf (KERF_ROOT "/Instance/load%02d",
                                   g_rand_int_range (load->rand, 0, (gint32) load->n_names));
      path = inst_path;
      iface = KERF_INSTANCE;
      method = "Delete";
      params = g_variant_new ("(@a{sv})", g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      break;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }

  c->busy = TRUE;
  load->outstanding++;
  c->t0 = g_get_monotonic_time ();
  g_dbus_connection_call (c->conn, KERF_BUS_NAME, path, iface, method, params, reply_type,
                          G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, load_on_reply, c);
}

/* ---- phases --------------------------------------------------------------- */

static gboolean
load_on_warm (gpointer user_data)
{
  Load *load = user_data;

  load->rss_warm_kb = load_read_rss_kb (load->daemon_pid);
  load->t_measure = g_get_monotonic_time ();
  /* the figures are for the steady state: forget the warm-up */
  for (guint k = 0; k < N_KINDS; k++)
    {
      KindStats *ks = &load->kinds[k];

      g_array_set_size (ks->lat_us, 0);
      ks->ok = ks->expected = 0;
      g_hash_table_remove_all (ks->expected_by_name);
      /* unexpected errors are never forgotten */
    }
  return G_SOURCE_REMOVE;
}

/* ---- report ----------------------------------------------------------------- */

static void
load_print (Load *load, double elapsed)
{
  guint64 total = 0, unexpected = 0;

  g_print ("kerf-load: %u clients, mix %s, %u s measured after %u s warm-up (%.1f s)\n",
           load->n_clients, load->reads_only ? "reads" : "all", load->seconds, load->warmup,
           elapsed);
  g_print ("%-18s %9s %9s %9s %9s %10s %10s %10s\n", "kind", "calls", "calls/s", "ok",
           "expected", "unexpected", "p50 ms", "p99 ms");
  for (guint k = 0; k < N_KINDS; k++)
    {
      KindStats *ks = &load->kinds[k];
      guint64 calls = ks->ok + ks->expected + ks->unexpected;

      g_array_sort (ks->lat_us, load_cmp_i64);
      g_print ("%-18s %9" G_GUINT64_FORMAT " %9.1f %9" G_GUINT64_FORMAT " %9" G_GUINT64_FORMAT
               " %10" G_GUINT64_FORMAT " %10.2f %10.2f\n",
               ks->name, calls, calls / elapsed, ks->ok, ks->expected, ks->unexpected,
               load_percentile (ks->lat_us, 50) / 1000.0, load_percentile (ks->lat_us, 99) / 1000.0);
      total += calls;
      unexpected += ks->unexpected;
    }
  g_print ("%-18s %9" G_GUINT64_FORMAT " %9.1f\n", "all", total, total / elapsed);
  for (guint k = 0; k < N_KINDS; k++)
    {
      GHashTableIter it;
      gpointer key, value;

      g_hash_table_iter_init (&it, load->kinds[k].expected_by_name);
      while (g_hash_table_iter_next (&it, &key, &value))
        g_print ("  expected on %s: %s x%u\n", load->kinds[k].name, (const char *) key,
                 GPOINTER_TO_UINT (value));
    }
  if (load->daemon_pid > 0)
    g_print ("kerfd RSS: start %" G_GINT64_FORMAT " KiB, after warm-up %" G_GINT64_FORMAT
             " KiB, end %" G_GINT64_FORMAT " KiB (growth after warm-up %+" G_GINT64_FORMAT " KiB)\n",
             load->rss_start_kb, load->rss_warm_kb, load->rss_end_kb,
             load->rss_end_kb - load->rss_warm_kb);
  g_print ("unexpected errors: %" G_GUINT64_FORMAT ", unanswered calls: %" G_GUINT64_FORMAT "\n",
           unexpected, load->unanswered);
  {
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init (&it, load->samples);
    while (g_hash_table_iter_next (&it, &key, &value))
      g_print ("  unexpected x%u: %s\n", GPOINTER_TO_UINT (value), (const char *) key);
  }
}

static gboolean
load_write_json (Load *load, double elapsed, GError **error)
{
  g_autoptr(KerfJson) json = kerf_json_new (TRUE);
  g_autofree char *text = NULL;
  guint64 unexpected = 0;

  kerf_json_begin_object (json);
  kerf_json_key (json, "clients");
  kerf_json_uint (json, load->n_clients);
  kerf_json_key (json, "seconds");
  kerf_json_double (json, elapsed);
  kerf_json_key (json, "warmup");
  kerf_json_uint (json, load->warmup);
  kerf_json_key (json, "kinds");
  kerf_json_begin_object (json);
  for (guint k = 0; k < N_KINDS; k++)
    {
      KindStats *ks = &load->kinds[k];
      guint64 calls = ks->ok + ks->expected + ks->unexpected;

      /* already sorted by load_print */
      kerf_json_key (json, ks->name);
      kerf_json_begin_object (json);
      kerf_json_key (json, "calls");
      kerf_json_uint (json, calls);
      kerf_json_key (json, "ok");
      kerf_json_uint (json, ks->ok);
      kerf_json_key (json, "expected");
      kerf_json_uint (json, ks->expected);
      kerf_json_key (json, "unexpected");
      kerf_json_uint (json, ks->unexpected);
      kerf_json_key (json, "p50_ms");
      kerf_json_double (json, load_percentile (ks->lat_us, 50) / 1000.0);
      kerf_json_key (json, "p99_ms");
      kerf_json_double (json, load_percentile (ks->lat_us, 99) / 1000.0);
      kerf_json_end_object (json);
      unexpected += ks->unexpected;
    }
  kerf_json_end_object (json);
  kerf_json_key (json, "unexpected");
  kerf_json_uint (json, unexpected);
  kerf_json_key (json, "unanswered");
  kerf_json_uint (json, load->unanswered);
  kerf_json_key (json, "unexpected_samples");
  kerf_json_begin_array (json);
  {
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init (&it, load->samples);
    while (g_hash_table_iter_next (&it, &key, NULL))
      kerf_json_string (json, key);
  }
  kerf_json_end_array (json);
  kerf_json_key (json, "rss_kb");
  kerf_json_begin_object (json);
  kerf_json_key (json, "start");
  kerf_json_int (json, load->rss_start_kb);
  kerf_json_key (json, "warm");
  kerf_json_int (json, load->rss_warm_kb);
  kerf_json_key (json, "end");
  kerf_json_int (json, load->rss_end_kb);
  kerf_json_end_object (json);
  kerf_json_end_object (json);
  text = kerf_json_free_to_string (g_steal_pointer (&json));
  return g_file_set_contents (load->json_path, text, -1, error);
}

/* ---- main ------------------------------------------------------------------- */

static const struct {
  const char *name;
  guint       weight;
} load_mix[N_KINDS] = {
  [KIND_GETALL]   = { "Pool.GetAll",       30 },
  [KIND_OBJECTS]  = { "GetManagedObjects", 15 },
  [KIND_REPORT]   = { "Pool.Report",       15 },
  [KIND_VALIDATE] = { "Pool.Validate",     10 },
  [KIND_CREATE]   = { "CreateInstance",    15 },
  [KIND_DELETE]   = { "Instance.Delete",   15 },
};

int
main (int argc, char **argv)
{
  Load load = { 0 };
  gint clients = 200, seconds = 60, warmup = 5, names = 12, pid = 0, seed = 0;
  g_autofree char *address = NULL, *json_path = NULL, *baseline = NULL, *mix = NULL;
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, "D-Bus address of the bus kerfd is on", "ADDR" },
    { "clients", 0, 0, G_OPTION_ARG_INT, &clients, "Simulated clients, one connection each (200)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Measured duration (60)", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Warm-up before measuring (5)", "S" },
    { "names", 0, 0, G_OPTION_ARG_INT, &names, "Instance names clients race for (12)", "N" },
    { "mix", 0, 0, G_OPTION_ARG_STRING, &mix, "all (default) or reads (no create/delete)", "MIX" },
    { "daemon-pid", 0, 0, G_OPTION_ARG_INT, &pid, "kerfd's pid, for its RSS", "PID" },
    { "baseline", 0, 0, G_OPTION_ARG_FILENAME, &baseline, "Source sent to Validate", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Write the figures as JSON", "FILE" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (0: from the time)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— load kerfd with many clients");
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  gsize source_len = 0;
  guint64 unexpected = 0;
  double elapsed;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("kerf-load: %s\n", error->message);
      return 2;
    }
  if (address == NULL || baseline == NULL || clients < 1 || clients > 4096 || seconds < 1
      || warmup < 0 || names < 1 || names > 100
      || (mix != NULL && !g_str_equal (mix, "all") && !g_str_equal (mix, "reads")))
    {
      g_printerr ("kerf-load: need --address and --baseline; 1 <= clients <= 4096, "
                  "seconds >= 1, 1 <= names <= 100, --mix=all or reads\n");
      return 2;
    }
  if (!g_file_get_contents (baseline, &source, &source_len, &error))
    {
      g_printerr ("kerf-load: %s\n", error->message);
      return 2;
    }

  load.address = address;
  load.n_clients = (guint) clients;
  load.seconds = (guint) seconds;
  load.warmup = (guint) warmup;
  load.n_names = (guint) names;
  load.reads_only = mix != NULL && g_str_equal (mix, "reads");
  load.daemon_pid = pid;
  load.json_path = json_path;
  load.rand = seed != 0 ? g_rand_new_with_seed ((guint32) seed) : g_rand_new ();
  load.loop = g_main_loop_new (NULL, FALSE);
  load.samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  load.baseline = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, source,
                                                                 source_len, 1));
  for (guint k = 0; k < N_KINDS; k++)
    {
      load.kinds[k].name = load_mix[k].name;
      load.kinds[k].weight = load.reads_only && (k == KIND_CREATE || k == KIND_DELETE)
                             ? 0 : load_mix[k].weight;
      load.kinds[k].lat_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      load.kinds[k].expected_by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      load.total_weight += load.kinds[k].weight;
    }

  load.clients = g_new0 (Client, load.n_clients);
  for (guint i = 0; i < load.n_clients; i++)
    {
      load.clients[i].load = &load;
      load.clients[i].conn = g_dbus_connection_new_for_address_sync (
          address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
      if (load.clients[i].conn == NULL)
        {
          g_printerr ("kerf-load: connection %u: %s\n", i, error->message);
          return 1;
        }
    }

  load.rss_start_kb = load_read_rss_kb (pid);
  load.t_start = load.t_measure = g_get_monotonic_time ();
  load.t_end = load.t_start + (gint64) (load.warmup + load.seconds) * G_USEC_PER_SEC;
  if (load.warmup > 0)
    g_timeout_add_seconds (load.warmup, load_on_warm, &load);
  else
    load.rss_warm_kb = load.rss_start_kb;
  for (guint i = 0; i < load.n_clients; i++)
    load_client_next (&load.clients[i]);
  g_main_loop_run (load.loop);
  elapsed = (g_get_monotonic_time () - load.t_measure) / (double) G_USEC_PER_SEC;
  load.rss_end_kb = load_read_rss_kb (pid);

  load_print (&load, elapsed);
  if (json_path != NULL && !load_write_json (&load, elapsed, &error))
    {
      g_printerr ("kerf-load: %s\n", error->message);
      return 1;
    }
  for (guint k = 0; k < N_KINDS; k++)
    unexpected += load.kinds[k].unexpected;

  for (guint i = 0; i < load.n_clients; i++)
    {
      (void) g_dbus_connection_close_sync (load.clients[i].conn, NULL, NULL);
      g_object_unref (load.clients[i].conn);
    }
  g_free (load.clients);
  for (guint k = 0; k < N_KINDS; k++)
    {
      g_array_unref (load.kinds[k].lat_us);
      g_hash_table_unref (load.kinds[k].expected_by_name);
    }
  g_hash_table_unref (load.samples);
  g_variant_unref (load.baseline);
  g_rand_free (load.rand);
  g_main_loop_unref (load.loop);
  return unexpected == 0 && load.unanswered == 0 ? 0 : 1;
}
