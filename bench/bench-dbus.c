/* bench-dbus — timed D-Bus calls for tools/run-benchmarks (bench-daemon.py).
 *
 *   bench-dbus ADDRESS call DEST PATH IFACE METHOD ARGS COUNT
 *       COUNT calls (ARGS a GVariant text tuple, "()" for none); prints the
 *       median microseconds per call (after 20 warm-up calls).
 *   bench-dbus ADDRESS cycle COUNT MEMORY_BYTES [MAX_SECONDS]
 *       COUNT times kerfd Pool.CreateInstance(cpu-count 1) + Instance.Delete;
 *   bench-dbus ADDRESS fill COUNT MEMORY_BYTES [MAX_SECONDS]
 *       creates COUNT instances (bench0..).
 *   Both print "DONE SECONDS TAIL TAIL_SECONDS" (stopping early after
 *   MAX_SECONDS): TAIL_SECONDS is the time of the last TAIL operations
 *   (a tenth, at most 100), the cost per operation at the end of the run.
 *   bench-dbus ADDRESS init FILE
 *       Pool.Initialize with FILE's bytes.
 *   bench-dbus ADDRESS show
 *       the least a CLI can do: connect, Pool GetAll, print one property
 *       (the "minimal GLib program" reference for `kerf show`). */
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include "bench-util.h"

#define POOL_PATH "/org/multikernel/Kerf/Pool"
#define POOL_IFACE "org.multikernel.Kerf.Pool"
#define INST_IFACE "org.multikernel.Kerf.Instance"
#define BUS_NAME "org.multikernel.Kerf"

static GVariant *
call (GDBusConnection *c, const char *dest, const char *path, const char *iface,
      const char *method, GVariant *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *r = g_dbus_connection_call_sync (c, dest, path, iface, method, args, NULL,
                                             G_DBUS_CALL_FLAGS_NO_AUTO_START, 60000, NULL,
                                             &error);
  if (r == NULL)
    {
      g_printerr ("bench-dbus: %s.%s: %s\n", iface, method, error->message);
      exit (1);
    }
  return r;
}

static char *
create (GDBusConnection *c, const char *name, guint64 mem)
{
  GVariantBuilder spec;
  g_autoptr(GVariant) r = NULL;
  char *path;

  g_variant_builder_init (&spec, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&spec, "{sv}", "cpu-count", g_variant_new_uint32 (1));
  g_variant_builder_add (&spec, "{sv}", "memory-bytes", g_variant_new_uint64 (mem));
  r = call (c, BUS_NAME, POOL_PATH, POOL_IFACE, "CreateInstance",
            g_variant_new ("(sa{sv}a{sv})", name, &spec, NULL));
  g_variant_get (r, "(o)", &path);
  return path;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) c = NULL;

  if (argc < 3)
    {
      g_printerr ("usage: see bench-dbus.c\n");
      return 2;
    }
  c = g_dbus_connection_new_for_address_sync (argv[1],
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
        | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  if (c == NULL)
    {
      g_printerr ("bench-dbus: %s\n", error->message);
      return 1;
    }

  if (strcmp (argv[2], "call") == 0 && argc == 9)
    {
      guint n = (guint) g_ascii_strtoull (argv[8], NULL, 10);
      g_autofree double *t = g_new0 (double, MAX (n, 1));
      g_autoptr(GVariant) args = g_variant_parse (NULL, argv[7], NULL, NULL, &error);

      if (args == NULL)
        {
          g_printerr ("bench-dbus: %s\n", error->message);
          return 2;
        }
      for (guint i = 0; i < 20; i++)
        g_variant_unref (call (c, argv[3], argv[4], argv[5], argv[6], g_variant_ref (args)));
      for (guint i = 0; i < n; i++)
        {
          double t0 = bench_now ();
          g_variant_unref (call (c, argv[3], argv[4], argv[5], argv[6], g_variant_ref (args)));
          t[i] = bench_now () - t0;
        }
      g_print ("%.1f\n", bench_median (t, n) * 1e6);
    }
  else if ((strcmp (argv[2], "cycle") == 0 || strcmp (argv[2], "fill") == 0)
           && (argc == 5 || argc == 6))
    {
      guint n = (guint) g_ascii_strtoull (argv[3], NULL, 10);
      guint64 mem = g_ascii_strtoull (argv[4], NULL, 10);
      double limit = argc == 6 ? g_ascii_strtod (argv[5], NULL) : 1e9;
      gboolean cycle = strcmp (argv[2], "cycle") == 0;
      double t0 = bench_now ();
      g_autofree double *ends = g_new0 (double, MAX (n, 1) + 1);
      guint i, tail;

      ends[0] = t0;
      for (i = 0; i < n && bench_now () - t0 < limit; i++)
        {
          g_autofree char *name = g_strdup_printf (cycle ? "cycle%u" : "bench%u", i);
          g_autofree char *path = create (c, name, mem);
          if (cycle)
            g_variant_unref (call (c, BUS_NAME, path, INST_IFACE, "Delete",
                                   g_variant_new ("(a{sv})", NULL)));
          ends[i + 1] = bench_now ();
        }
      /* a time limit may stop before COUNT */
      tail = CLAMP (i / 10, MIN (i, 1), 100);
      g_print ("%u %.3f %u %.3f\n", i, ends[i] - t0, tail, ends[i] - ends[i - tail]);
    }
  else if (strcmp (argv[2], "init") == 0 && argc == 4)
    {
      g_autofree char *data = NULL;
      gsize len;
      g_autoptr(GVariant) r = NULL;

      if (!g_file_get_contents (argv[3], &data, &len, &error))
        {
          g_printerr ("bench-dbus: %s\n", error->message);
          return 1;
        }
      r = call (c, BUS_NAME, POOL_PATH, POOL_IFACE, "Initialize",
                g_variant_new ("(@aysa{sv})",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1),
                               argv[3], NULL));
    }
  else if (strcmp (argv[2], "show") == 0)
    {
      g_autoptr(GVariant) r = call (c, BUS_NAME, POOL_PATH, "org.freedesktop.DBus.Properties",
                                    "GetAll", g_variant_new ("(s)", POOL_IFACE));
      g_autoptr(GVariant) props = g_variant_get_child_value (r, 0);
      g_print ("%" G_GSIZE_FORMAT " properties\n", g_variant_n_children (props));
    }
  else
    {
      g_printerr ("bench-dbus: bad arguments\n");
      return 2;
    }
  return 0;
}
