/* kerf-cmd-lifecycle.c — `kerf load`, `exec`, `kill`, `unload`.
 *
 * `load` opens the kernel and initrd itself, with the caller's rights, and
 * passes the descriptors (kerfd never opens a path for a caller).  Since the
 * descriptors share their file offset with kerfd's copies, how far kerfd has
 * read is visible here, which drives the progress line on a terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "kerf-alloc.h"
#include "kerf-cli-bus.h"
#include "kerf-cli-output.h"
#include "kerf-error.h"

/* The instance's status as kerfd sees it now (the cached proxy may lag). */
static char *
kerf_fresh_status (KerfCliBus *bus, KerfDBusInstance *inst)
{
  g_autoptr (KerfDBusInstance) fresh = NULL;

  fresh = kerf_dbus_instance_proxy_new_sync (bus->connection, G_DBUS_PROXY_FLAGS_NONE,
                                             KERF_CLI_BUS_NAME,
                                             g_dbus_proxy_get_object_path (G_DBUS_PROXY (inst)),
                                             NULL, NULL);
  return g_strdup (fresh != NULL ? kerf_dbus_instance_get_status (fresh) : "unknown");
}

static void
kerf_print_result (KerfCliGlobal *global, KerfCliBus *bus, KerfDBusInstance *inst,
                   const char *done)
{
  g_autofree char *status = kerf_fresh_status (bus, inst);
  const char *name = kerf_dbus_instance_get_name (inst);

  if (global->json)
    {
      KerfJson *json = kerf_json_new (TRUE);

      kerf_json_begin_object (json);
      kerf_json_key (json, "name");
      kerf_json_string (json, name);
      kerf_json_key (json, "id");
      kerf_json_uint (json, kerf_dbus_instance_get_id (inst));
      kerf_json_key (json, "status");
      kerf_json_string (json, status);
      kerf_json_end_object (json);
      kerf_cli_json_print (json);
    }
  else
    printf ("%s instance '%s' (id %u): status %s\n", done, name,
            kerf_dbus_instance_get_id (inst), status);
}

/* ---- load ---------------------------------------------------------------- */

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
  int           fd;          /* our kernel descriptor (offset shared with kerfd) */
  guint64       size;
  const char   *what;
  guint         ticks;
  gboolean      drawn;
} KerfLoadProgress;

static void
kerf_load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KerfLoadProgress *p = user_data;

  p->result = g_object_ref (result);
  g_main_loop_quit (p->loop);
}

static gboolean
kerf_load_tick (gpointer user_data)
{
  KerfLoadProgress *p = user_data;
  static const char spinner[] = "|/-\\";
  off_t offset = lseek (p->fd, 0, SEEK_CUR);
  g_autofree char *total = kerf_size_format (p->size);

  p->ticks++;
  /* Only after a moment: a fast load should not flash a progress line. */
  if (p->ticks < 3)
    return G_SOURCE_CONTINUE;
  if (offset > 0 && p->size > 0)
    {
      g_autofree char *done = kerf_size_format ((guint64) offset);
      fprintf (stderr, "\r\033[KLoading %s: %3u%% (%s of %s)", p->what,
               (guint) MIN (100, (guint64) offset * 100 / p->size), done, total);
    }
  else
    fprintf (stderr, "\r\033[KLoading %s (%s) %c", p->what, total, spinner[p->ticks % 4]);
  p->drawn = TRUE;
  return G_SOURCE_CONTINUE;
}

/* Opens a regular file for reading; prints why not. */
static int
kerf_open_image (const char *option, const char *path, guint64 *size)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      kerf_cli_error ("%s=%s: %s", option, path, g_strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      kerf_cli_error ("%s=%s: not a regular file", option, path);
      close (fd);
      return -1;
    }
  *size = (guint64) st.st_size;
  return fd;
}

int
kerf_cmd_load (KerfCliGlobal *global, int argc, char **argv)
{
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *kernel_abs = NULL;
  g_autofree char *initrd_abs = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *what = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusInstance) inst = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  KerfLoadProgress progress = { 0 };
  GVariantDict options;
  gboolean debug = FALSE;
  guint64 kernel_size = 0, initrd_size = 0;
  int kfd = -1, ifd = -1, kidx, iidx = -1;
  gint id = 0;
  guint timer = 0;
  int status;
  const GOptionEntry entries[] = {
    { "kernel", 'k', 0, G_OPTION_ARG_FILENAME, &kernel,
      "Kernel image: bzImage, ELF vmlinux or arm64 Image", "PATH" },
    { "initrd", 'i', 0, G_OPTION_ARG_FILENAME, &initrd, "Initial ramdisk", "PATH" },
    { "cmdline", 'c', 0, G_OPTION_ARG_STRING, &cmdline, "Kernel command line", "TEXT" },
    { "id", 0, 0, G_OPTION_ARG_INT, &id, "The instance by id instead of NAME", "N" },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, "Ask the kernel for a verbose load", NULL },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "NAME | --id=N",
    "Load a kernel image (and initrd) into an instance: ready -> loaded.\n"
    "kerf opens the files with your rights and hands kerfd the descriptors.", entries);
  if (!kerf_cli_parse_options (context, "load", &argc, &argv))
    return KERF_EXIT_USAGE;
  if (kernel == NULL)
    return kerf_cli_usage_error ("load", "--kernel=PATH is required");

  if ((kfd = kerf_open_image ("--kernel", kernel, &kernel_size)) < 0)
    return KERF_EXIT_FAILED;
  if (initrd != NULL && (ifd = kerf_open_image ("--initrd", initrd, &initrd_size)) < 0)
    {
      close (kfd);
      return KERF_EXIT_FAILED;
    }
  status = kerf_cli_open_instance (global, "load", argc, argv, id, &bus, &inst);
  if (status != KERF_EXIT_OK)
    goto out;

  fds = g_unix_fd_list_new ();
  kidx = g_unix_fd_list_append (fds, kfd, &error);
  if (kidx >= 0 && ifd >= 0)
    iidx = g_unix_fd_list_append (fds, ifd, &error);
  if (kidx < 0 || (ifd >= 0 && iidx < 0))
    {
      status = kerf_cli_report_error (error);
      goto out;
    }

  /* recorded by kerfd for display only */
  kernel_abs = g_canonicalize_filename (kernel, NULL);
  g_variant_dict_init (&options, NULL);
  g_variant_dict_insert (&options, "kernel-path", "s", kernel_abs);
  if (initrd != NULL)
    {
      initrd_abs = g_canonicalize_filename (initrd, NULL);
      g_variant_dict_insert (&options, "initrd-path", "s", initrd_abs);
    }
  if (debug)
    g_variant_dict_insert (&options, "debug", "b", TRUE);

  loop = g_main_loop_new (NULL, FALSE);
  basename = g_path_get_basename (kernel);
  what = g_strdup_printf ("%s into '%s'", basename, kerf_dbus_instance_get_name (inst));
  progress = (KerfLoadProgress) { loop, NULL, kfd, kernel_size, what, 0, FALSE };
  kerf_dbus_instance_call_load (inst, g_variant_new_handle (kidx), g_variant_new_handle (iidx),
                                cmdline != NULL ? cmdline : "", g_variant_dict_end (&options),
                                bus->call_flags, G_MAXINT, fds, NULL, kerf_load_done, &progress);
  if (!global->json && isatty (STDERR_FILENO))
    timer = g_timeout_add (100, kerf_load_tick, &progress);
  g_main_loop_run (loop);
  if (timer != 0)
    g_source_remove (timer);
  if (progress.drawn)
    fprintf (stderr, "\r\033[K");

  if (!kerf_dbus_instance_call_load_finish (inst, NULL, progress.result, &error))
    status = kerf_cli_report_error (error);
  else
    {
      g_autofree char *human = kerf_size_format (kernel_size);
      g_autofree char *now = kerf_fresh_status (bus, inst);

      if (global->json)
        kerf_print_result (global, bus, inst, "Loaded");
      else
        printf ("Loaded %s (%s)%s%s into instance '%s' (id %u): status %s\n", basename, human,
                initrd != NULL ? " with initrd " : "", initrd != NULL ? initrd : "",
                kerf_dbus_instance_get_name (inst), kerf_dbus_instance_get_id (inst), now);
    }
  g_clear_object (&progress.result);

out:
  if (kfd >= 0)
    close (kfd);
  if (ifd >= 0)
    close (ifd);
  return status;
}

/* ---- exec / kill / unload ------------------------------------------------- */

typedef enum { KERF_OP_EXEC, KERF_OP_KILL, KERF_OP_UNLOAD } KerfOp;

static int
kerf_simple_op (KerfCliGlobal *global, KerfOp op, int argc, char **argv)
{
  static const struct {
    const char *command, *summary, *done;
  } ops[] = {
    [KERF_OP_EXEC] = { "exec", "Boot the kernel loaded into an instance: loaded -> active.",
                       "Booted" },
    [KERF_OP_KILL] = { "kill", "Halt a running instance: active -> loaded (the image stays\n"
                       "loaded, so exec can boot it again).  --force also from loaded.",
                       "Halted" },
    [KERF_OP_UNLOAD] = { "unload", "Unload the kernel image of an instance: loaded -> ready.",
                         "Unloaded" },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (KerfCliBus) bus = NULL;
  g_autoptr (KerfDBusInstance) inst = NULL;
  g_autoptr (GError) error = NULL;
  GVariantDict options;
  gboolean force = FALSE, ok;
  gint id = 0;
  int status;
  const GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_INT, &id, "The instance by id instead of NAME", "N" },
    G_OPTION_ENTRY_NULL
  };
  const GOptionEntry kill_entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Force-halt (also from loaded)", NULL },
    G_OPTION_ENTRY_NULL
  };

  context = kerf_cli_context_new (global, "NAME | --id=N", ops[op].summary, entries);
  if (op == KERF_OP_KILL)
    g_option_context_add_main_entries (context, kill_entries, NULL);
  if (!kerf_cli_parse_options (context, ops[op].command, &argc, &argv))
    return KERF_EXIT_USAGE;
  status = kerf_cli_open_instance (global, ops[op].command, argc, argv, id, &bus, &inst);
  if (status != KERF_EXIT_OK)
    return status;

  g_variant_dict_init (&options, NULL);
  if (force)
    g_variant_dict_insert (&options, "force", "b", TRUE);
  switch (op)
    {
    case KERF_OP_EXEC:
      ok = kerf_dbus_instance_call_exec_sync (inst, g_variant_dict_end (&options), bus->call_flags,
                                              -1, NULL, &error);
      break;
    case KERF_OP_KILL:
      ok = kerf_dbus_instance_call_kill_sync (inst, g_variant_dict_end (&options), bus->call_flags,
                                              -1, NULL, &error);
      break;
    case KERF_OP_UNLOAD:
    default:
      ok = kerf_dbus_instance_call_unload_sync (inst, g_variant_dict_end (&options),
                                                bus->call_flags, -1, NULL, &error);
      break;
    }
  if (!ok)
    return kerf_cli_report_error (error);
  kerf_print_result (global, bus, inst, ops[op].done);
  return KERF_EXIT_OK;
}

int
kerf_cmd_exec (KerfCliGlobal *global, int argc, char **argv)
{
  return kerf_simple_op (global, KERF_OP_EXEC, argc, argv);
}

int
kerf_cmd_kill (KerfCliGlobal *global, int argc, char **argv)
{
  return kerf_simple_op (global, KERF_OP_KILL, argc, argv);
}

int
kerf_cmd_unload (KerfCliGlobal *global, int argc, char **argv)
{
  return kerf_simple_op (global, KERF_OP_UNLOAD, argc, argv);
}
