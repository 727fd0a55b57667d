/* kerf-cli-agent.h — pkttyagent for privileged commands on a terminal. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KerfCliAgent KerfCliAgent;

/* Starts pkttyagent --fallback and waits until it has registered; NULL
 * when there is none or it cannot start (the call then fails with the
 * usual NotAuthorized hint). */
KerfCliAgent *kerf_cli_agent_start (void);
/* Stops it (SIGTERM) and reaps it; NULL is fine. */
void          kerf_cli_agent_stop (KerfCliAgent *agent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KerfCliAgent, kerf_cli_agent_stop)

G_END_DECLS
