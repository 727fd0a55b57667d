/* bench-compile — the DTS compiler against dtc on a large generated tree.
 *
 *   bench-compile [--nodes N] [--reps R] [--kerf PATH] [--dtc PATH] [--keep FILE]
 *
 * Generates a plain-DTS tree of N nodes (default 20000) with the features
 * that cost: labels, phandle references, path references, string lists,
 * /bits/ 64 cells, byte strings, nested nodes.  Measures, median of R runs:
 *   lib   kerf_dts_parse_data + kerf_dtb_write in this process
 *   cli   `kerf compile -O dtb -o /dev/null FILE` end to end (with --kerf)
 *   dtc   `dtc -I dts -O dtb -o /dev/null FILE`
 * and prints cli/dtc (target <= 1.0) and lib/dtc.  The DTB from the library
 * must equal dtc's byte for byte, else the run fails (a fast wrong compiler
 * is no benchmark). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "kerf-dts.h"
#include "bench-util.h"

static char *
generate (guint n_nodes)
{
  GString *s = g_string_new ("/dts-v1/;\n\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"
                             "\tcompatible = \"kerf,bench\";\n");
  guint per_bus = 100, made = 1;

  for (guint b = 0; made < n_nodes; b++)
    {
      g_string_append_printf (s, "\tbus%u: bus@%x {\n\t\t#address-cells = <1>;\n"
                                 "\t\t#size-cells = <1>;\n\t\tranges;\n", b, b * 0x100000);
      made++;
      for (guint d = 0; d < per_bus && made < n_nodes; d++, made++)
        {
          guint id = b * per_bus + d;
          g_string_append_printf (s,
            "\t\tdev%u: device@%x {\n"
            "\t\t\tcompatible = \"vendor,dev-%u\", \"vendor,generic\";\n"
            "\t\t\treg = <0x%x 0x1000>;\n"
            "\t\t\tinterrupts = <%u %u 4>;\n"
            "\t\t\tclock-frequency = /bits/ 64 <%u>;\n"
            "\t\t\tmac = [00 11 22 %02x %02x %02x];\n",
            id, b * 0x100000 + d * 0x1000, id, b * 0x100000 + d * 0x1000,
            id % 32, id % 7, 1000000u + id, id & 0xff, (id >> 8) & 0xff, d);
          /* references on one node in ten: dtc resolves each one with a
           * walk of the whole tree, so more would measure only that */
          if (id > 0 && id % 10 == 0)
            g_string_append_printf (s, "\t\t\tlink = <&dev%u>;\n\t\t\tpeer = &dev%u;\n",
                                    id - 1, id / 2);
          if (d % 10 == 0)
            g_string_append (s, "\t\t\tstatus = \"okay\";\n\t\t\tdma-coherent;\n");
          g_string_append (s, "\t\t};\n");
        }
      g_string_append (s, "\t};\n");
    }
  g_string_append (s, "};\n");
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  gint n_nodes = 20000, reps = 5;
  g_autofree char *kerf = NULL, *dtc = NULL, *keep = NULL;
  GOptionEntry entries[] = {
    { "nodes", 0, 0, G_OPTION_ARG_INT, &n_nodes, "Nodes in the generated tree", "N" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions (median)", "R" },
    { "kerf", 0, 0, G_OPTION_ARG_FILENAME, &kerf, "kerf CLI to time end to end", "PATH" },
    { "dtc", 0, 0, G_OPTION_ARG_FILENAME, &dtc, "dtc (default: from PATH)", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Also write the generated DTS here", "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- DTS compiler vs dtc");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *path = NULL, *dtc_out = NULL, *dtc_blob = NULL;
  g_autofree double *t = NULL;
  g_autoptr(GBytes) ours = NULL;
  gsize dtc_len = 0;
  double lib, cli = -1, ref;
  int fd;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || n_nodes < 2 || reps < 1)
    {
      g_printerr ("bench-compile: %s\n", error ? error->message : "bad --nodes/--reps");
      return 2;
    }
  if (dtc == NULL)
    dtc = g_find_program_in_path ("dtc");
  if (dtc == NULL)
    {
      g_print ("bench-compile: SKIP: dtc not found (apt-get install device-tree-compiler)\n");
      return 77;
    }

  text = generate ((guint) n_nodes);
  fd = g_file_open_tmp ("kerf-bench-XXXXXX.dts", &path, &error);
  if (fd < 0 || !g_file_set_contents (path, text, -1, &error))
    {
      g_printerr ("bench-compile: %s\n", error->message);
      return 1;
    }
  close (fd);
  if (keep != NULL)
    g_file_set_contents (keep, text, -1, NULL);

  /* correctness first: our blob must be dtc's */
  dtc_out = g_strconcat (path, ".dtb", NULL);
  {
    const char *cmd[] = { dtc, "-q", "-I", "dts", "-O", "dtb", "-o", dtc_out, path, NULL };
    if (bench_time_command (cmd, 1) < 0 || !g_file_get_contents (dtc_out, &dtc_blob, &dtc_len, &error))
      {
        g_printerr ("bench-compile: dtc failed on the generated tree\n");
        return 1;
      }
  }

  t = g_new0 (double, reps);
  for (gint i = 0; i < reps; i++)
    {
      KerfDiagList *diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) tree = NULL;
      double t0 = bench_now ();

      tree = kerf_dts_parse_data (path, text, strlen (text), NULL, KERF_DTS_PARSE_NONE, diags);
      if (tree == NULL)
        {
          g_printerr ("bench-compile: the generated tree does not parse\n");
          return 1;
        }
      g_clear_pointer (&ours, g_bytes_unref);
      ours = kerf_dtb_write (tree, &error);
      t[i] = bench_now () - t0;
      kerf_diag_list_free (diags);
      if (ours == NULL)
        {
          g_printerr ("bench-compile: %s\n", error->message);
          return 1;
        }
    }
  lib = bench_median (t, (guint) reps);
  if (g_bytes_get_size (ours) != dtc_len || memcmp (g_bytes_get_data (ours, NULL), dtc_blob, dtc_len) != 0)
    {
      g_printerr ("bench-compile: FAIL: our DTB differs from dtc's (%" G_GSIZE_FORMAT " vs %"
                  G_GSIZE_FORMAT " bytes)\n", g_bytes_get_size (ours), dtc_len);
      return 1;
    }

  {
    const char *cmd[] = { dtc, "-q", "-I", "dts", "-O", "dtb", "-o", "/dev/null", path, NULL };
    ref = bench_time_command (cmd, (guint) reps);
  }
  if (kerf != NULL)
    {
      const char *cmd[] = { kerf, "compile", "-O", "dtb", "-o", "/dev/null", path, NULL };
      cli = bench_time_command (cmd, (guint) reps);
    }

  g_print ("compile: %d nodes, %" G_GSIZE_FORMAT " KiB DTS -> %" G_GSIZE_FORMAT " KiB DTB "
           "(identical to dtc), median of %d\n",
           n_nodes, strlen (text) / 1024, dtc_len / 1024, reps);
  g_print ("  dtc (process)          %8.1f ms\n", ref * 1e3);
  g_print ("  kerf library           %8.1f ms   ratio %.2f\n", lib * 1e3, lib / ref);
  if (cli >= 0)
    g_print ("  kerf compile (process) %8.1f ms   ratio %.2f   (target <= 1.0)\n",
             cli * 1e3, cli / ref);
  else if (kerf != NULL)
    g_print ("  kerf compile (process)   failed\n");
  g_unlink (dtc_out);
  g_unlink (path);
  return 0;
}
