/* bench-compile — the DTS compiler against dtc, in the same run.
 *
 *   bench-compile [--cpus 8192] [--devices 1024] [--instances 1000]
 *                 [--nodes N] [--reps R] [--kerf PATH] [--dtc PATH] [--keep PREFIX]
 *
 * Case "state" (always): the issue's shape, a generated kerf state of
 * 8192 CPUs, 1024 labelled device nodes, /device-references and 1000
 * instance nodes referring to devices by phandle (bench-state.h), written
 * with the /dts-v1/ header so that dtc reads it (dtc does not know
 * /multikernel-v1/; the content is the same).
 * Case "tree" (with --nodes N, e.g. 20000): a plain tree of N nodes with
 * the features that cost: labels, phandle and path references, string
 * lists, /bits/ 64 cells, byte strings, nested nodes.
 *
 * For each case, median of R runs:
 *   dtc   `dtc -I dts -O dtb -o /dev/null FILE` (the reference)
 *   cli   `kerf compile -O dtb -o /dev/null FILE` end to end (with --kerf):
 *         ratio ours/dtc, target <= 1.0
 *   lib   kerf_dts_parse_data + kerf_dtb_write in this process
 * The DTBs of the library and of `kerf compile` must equal dtc's byte for
 * byte, else the run fails (a fast wrong compiler is no benchmark). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include "kerf-dts.h"
#include "bench-util.h"
#include "bench-state.h"

static char *
generate_tree (guint n_nodes)
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


static gboolean
same_as_dtc (const char *what, const guint8 *data, gsize len, const char *dtc_blob, gsize dtc_len)
{
  if (len == dtc_len && memcmp (data, dtc_blob, len) == 0)
    return TRUE;
  g_printerr ("bench-compile: FAIL: the DTB of %s differs from dtc's (%" G_GSIZE_FORMAT " vs %"
              G_GSIZE_FORMAT " bytes)\n", what, len, dtc_len);
  return FALSE;
}

/* Times one case and prints its lines; FALSE when something failed. */
static gboolean
run_case (const char *label, const char *text, gint reps, const char *kerf, const char *dtc,
          const char *keep)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *dtc_out = NULL, *cli_out = NULL;
  g_autofree char *dtc_blob = NULL, *cli_blob = NULL;
  g_autofree double *t = g_new0 (double, reps);
  g_autoptr(GBytes) ours = NULL;
  gsize dtc_len = 0, cli_len = 0;
  double lib, cli = -1, ref;
  gboolean ok = FALSE;
  int fd;

  fd = g_file_open_tmp ("kerf-bench-XXXXXX.dts", &path, &error);
  if (fd < 0 || !g_file_set_contents (path, text, -1, &error))
    {
      g_printerr ("bench-compile: %s\n", error->message);
      return FALSE;
    }
  close (fd);
  if (keep != NULL)
    {
      g_autofree char *kept = g_strdup_printf ("%s-%s.dts", keep, label);
      g_file_set_contents (kept, text, -1, NULL);
    }

  /* correctness first: our blobs must be dtc's */
  dtc_out = g_strconcat (path, ".dtb", NULL);
  cli_out = g_strconcat (path, ".kerf.dtb", NULL);
  {
    const char *cmd[] = { dtc, "-q", "-I", "dts", "-O", "dtb", "-o", dtc_out, path, NULL };
    if (bench_time_command (cmd, 1) < 0
        || !g_file_get_contents (dtc_out, &dtc_blob, &dtc_len, &error))
      {
        g_printerr ("bench-compile: dtc failed on the generated %s\n", label);
        goto out;
      }
  }
  if (kerf != NULL)
    {
      const char *cmd[] = { kerf, "compile", "-O", "dtb", "-o", cli_out, path, NULL };
      if (bench_time_command (cmd, 1) < 0
          || !g_file_get_contents (cli_out, &cli_blob, &cli_len, &error))
        {
          g_printerr ("bench-compile: kerf compile failed on the generated %s\n", label);
          goto out;
        }
      if (!same_as_dtc ("kerf compile", (const guint8 *) cli_blob, cli_len, dtc_blob, dtc_len))
        goto out;
    }

  for (gint i = 0; i < reps; i++)
    {
      KerfDiagList *diags = kerf_diag_list_new ();
      g_autoptr(KerfDtTree) tree = NULL;
      double t0 = bench_now ();

      tree = kerf_dts_parse_data (path, text, strlen (text), NULL, KERF_DTS_PARSE_NONE, diags);
      if (tree == NULL)
        {
          g_printerr ("bench-compile: the generated %s does not parse\n", label);
          kerf_diag_list_free (diags);
          goto out;
        }
      g_clear_pointer (&ours, g_bytes_unref);
      ours = kerf_dtb_write (tree, &error);
      t[i] = bench_now () - t0;
      kerf_diag_list_free (diags);
      if (ours == NULL)
        {
          g_printerr ("bench-compile: %s\n", error->message);
          goto out;
        }
    }
  lib = bench_median (t, (guint) reps);
  if (!same_as_dtc ("the library", g_bytes_get_data (ours, NULL), g_bytes_get_size (ours),
                    dtc_blob, dtc_len))
    goto out;

  /* dtc and kerf alternate per repetition (not all of one, then all of the
   * other), so a busy neighbour slows both alike */
  {
    const char *dcmd[] = { dtc, "-q", "-I", "dts", "-O", "dtb", "-o", "/dev/null", path, NULL };
    const char *kcmd[] = { kerf, "compile", "-O", "dtb", "-o", "/dev/null", path, NULL };
    g_autofree double *td = g_new0 (double, reps);
    g_autofree double *tk = g_new0 (double, reps);

    for (gint i = 0; i < reps; i++)
      {
        td[i] = bench_time_command (dcmd, 1);
        tk[i] = kerf != NULL ? bench_time_command (kcmd, 1) : 0;
        if (td[i] < 0 || tk[i] < 0)
          goto out;
      }
    ref = bench_median (td, (guint) reps);
    if (kerf != NULL)
      cli = bench_median (tk, (guint) reps);
  }

  g_print ("compile %s: %" G_GSIZE_FORMAT " KiB DTS -> %" G_GSIZE_FORMAT " KiB DTB "
           "(identical to dtc's), median of %d\n",
           label, strlen (text) / 1024, dtc_len / 1024, reps);
  g_print ("  dtc (process)          %9.1f ms\n", ref * 1e3);
  if (cli >= 0)
    g_print ("  kerf compile (process) %9.1f ms   ours/dtc %.2f   (target <= 1.0: %s)\n",
             cli * 1e3, cli / ref, cli <= ref ? "met" : "MISSED");
  g_print ("  kerf library           %9.1f ms   ours/dtc %.2f\n", lib * 1e3, lib / ref);
  ok = TRUE;
out:
  g_unlink (dtc_out);
  g_unlink (cli_out);
  g_unlink (path);
  return ok;
}

int
main (int argc, char **argv)
{
  gint n_cpus = 8192, n_devices = 1024, n_instances = 1000, n_nodes = 0, reps = 5;
  g_autofree char *kerf = NULL, *dtc = NULL, *keep = NULL;
  GOptionEntry entries[] = {
    { "cpus", 0, 0, G_OPTION_ARG_INT, &n_cpus, "State case: CPUs (multiple of 8)", "N" },
    { "devices", 0, 0, G_OPTION_ARG_INT, &n_devices, "State case: device nodes (multiple of 16)", "N" },
    { "instances", 0, 0, G_OPTION_ARG_INT, &n_instances, "State case: instance nodes", "N" },
    { "nodes", 0, 0, G_OPTION_ARG_INT, &n_nodes, "Also the tree case with N nodes (0: not)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions (median)", "R" },
    { "kerf", 0, 0, G_OPTION_ARG_FILENAME, &kerf, "kerf CLI to time end to end", "PATH" },
    { "dtc", 0, 0, G_OPTION_ARG_FILENAME, &dtc, "dtc (default: from PATH)", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Also write the generated DTS to PREFIX-CASE.dts", "PREFIX" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- DTS compiler vs dtc");
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  BenchStateShape shape = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || reps < 1 || n_nodes < 0
      || n_nodes == 1 || n_cpus < 0 || n_devices < 0 || n_instances < 0)
    {
      g_printerr ("bench-compile: %s\n", error ? error->message : "bad --nodes/--reps/sizes");
      return 2;
    }
  if (dtc == NULL)
    dtc = g_find_program_in_path ("dtc");
  if (dtc == NULL)
    {
      g_print ("bench-compile: SKIP: dtc not found (apt-get install device-tree-compiler)\n");
      return 77;
    }

  shape.n_cpus = (guint) n_cpus;
  shape.n_devices = (guint) n_devices;
  shape.n_instances = (guint) n_instances;
  shape.plain_dts = TRUE;
  state = bench_state_generate (&shape, &error);
  if (state == NULL)
    {
      g_printerr ("bench-compile: %s\n", error->message);
      return 2;
    }
  g_print ("state case: %d CPUs, %d device nodes, %d instance nodes\n",
           n_cpus, n_devices, n_instances);
  if (!run_case ("state", state, reps, kerf, dtc, keep))
    return 1;
  if (n_nodes > 0)
    {
      g_autofree char *tree = generate_tree ((guint) n_nodes);

      g_print ("\ntree case: %d nodes\n", n_nodes);
      if (!run_case ("tree", tree, reps, kerf, dtc, keep))
        return 1;
    }
  return 0;
}
