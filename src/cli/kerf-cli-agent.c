/* kerf-cli-agent.c — a polkit text agent for a person at a terminal.
 *
 * kerfd's privileged methods default to auth_admin_keep: polkit asks for
 * a password through an authentication agent registered for the caller's
 * session.  A desktop session has one; a text console or an ssh login has
 * none, and without it the call can only fail with NotAuthorized.  So, as
 * systemctl does, kerf starts pkttyagent for the length of a command that
 * changes something, when it runs on a terminal, not as root (root needs no
 * password), and without --no-ask-password.  `--fallback` makes it step
 * aside when the session already has an agent; kerf waits until it has
 * registered (it closes the notify descriptor) before making the call.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kerf-cli-agent.h"

#define KERF_CLI_AGENT_PATH "/usr/bin/pkttyagent"
/* the notify descriptor's number in the agent */
#define KERF_CLI_AGENT_NOTIFY_FD 3
/* registering takes milliseconds; a broken agent must not hang kerf */
#define KERF_CLI_AGENT_WAIT_MS 10000

struct _KerfCliAgent {
  GPid pid;
};

KerfCliAgent *
kerf_cli_agent_start (void)
{
  /* tests point this at a stand-in */
  const char *path = g_getenv ("KERF_PKTTYAGENT");
  g_autofree char *notify = g_strdup_printf ("%d", KERF_CLI_AGENT_NOTIFY_FD);
  const char *argv[] = { NULL, "--notify-fd", notify, "--fallback", NULL };
  g_autoptr(GError) error = NULL;
  int fds[2];
  int target = KERF_CLI_AGENT_NOTIFY_FD;
  struct pollfd pfd;
  KerfCliAgent *agent;
  GPid pid;
  int n;

  if (path == NULL || *path == '\0')
    path = KERF_CLI_AGENT_PATH;
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return NULL;   /* no agent installed: the call says how to authorize */
  if (pipe2 (fds, O_CLOEXEC) != 0)
    return NULL;
  argv[0] = path;
  /* the terminal is the agent's: it asks for the password there */
  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                         G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                                         NULL, NULL, -1, -1, -1, &fds[1], &target, 1,
                                         &pid, NULL, NULL, NULL, &error))
    {
      g_debug ("cannot start %s: %s", path, error->message);
      close (fds[0]);
      close (fds[1]);
      return NULL;
    }
  close (fds[1]);
  /* EOF (or POLLHUP) once the agent has registered, or has died */
  pfd.fd = fds[0];
  pfd.events = POLLIN;
  do
    n = poll (&pfd, 1, KERF_CLI_AGENT_WAIT_MS);
  while (n < 0 && errno == EINTR);
  close (fds[0]);
  agent = g_new0 (KerfCliAgent, 1);
  agent->pid = pid;
  return agent;
}

void
kerf_cli_agent_stop (KerfCliAgent *agent)
{
  if (agent == NULL)
    return;
  kill (agent->pid, SIGTERM);
  while (waitpid (agent->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (agent->pid);
  g_free (agent);
}
