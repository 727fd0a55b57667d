/* kerfd-queue.c — serialized transactions (see kerfd-queue.h). */
#include "config.h"

#include "kerfd-error.h"
#include "kerfd-queue.h"

typedef struct {
  char                  *what;
  KerfdJobFunc           func;
  gpointer               data;
  GDestroyNotify         free_data;
  GDBusMethodInvocation *invocation;
  GVariant              *reply;
} KerfdJob;

struct _KerfdQueue {
  KerfdEngine *engine;
  GQueue       pending;     /* KerfdJob *, waiting */
  KerfdJob    *running;
  GCallback    changed;
  gpointer     user_data;
  GCancellable *cancellable;
};

static void
kerfd_job_free (KerfdJob *job)
{
  if (job->free_data != NULL && job->data != NULL)
    job->free_data (job->data);
  g_clear_pointer (&job->reply, g_variant_unref);
  g_free (job->what);
  g_free (job);
}

KerfdQueue *
kerfd_queue_new (KerfdEngine *engine, GCallback changed, gpointer user_data)
{
  KerfdQueue *q = g_new0 (KerfdQueue, 1);

  q->engine = engine;
  q->changed = changed;
  q->user_data = user_data;
  q->cancellable = g_cancellable_new ();
  g_queue_init (&q->pending);
  return q;
}

void
kerfd_queue_free (KerfdQueue *q)
{
  KerfdJob *job;

  if (q == NULL)
    return;
  /* a running job finishes in its thread; its callback sees the cancel */
  g_cancellable_cancel (q->cancellable);
  while ((job = g_queue_pop_head (&q->pending)) != NULL)
    {
      kerfd_invocation_return_kerf_error (job->invocation, KERF_ERROR_FAILED,
                                          "kerfd is shutting down");
      kerfd_job_free (job);
    }
  g_object_unref (q->cancellable);
  g_free (q);
}

guint
kerfd_queue_get_length (KerfdQueue *q)
{
  return g_queue_get_length (&q->pending) + (q->running != NULL ? 1 : 0);
}

static void
kerfd_queue_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KerfdQueue *q = source;
  KerfdJob *job = task_data;
  GError *error = NULL;
  GVariant *reply = NULL;

  /* never act on a view that may be out of date (kerfd-engine.h) */
  if (kerfd_engine_refresh (q->engine, &error))
    reply = job->func (q->engine, job->data, &error);

  if (reply == NULL && error != NULL)
    g_task_return_error (task, error);
  else
    {
      if (reply != NULL)
        job->reply = g_variant_ref_sink (reply);
      g_task_return_boolean (task, TRUE);
    }
}

static void kerfd_queue_next (KerfdQueue *q);

/* GTask wants a GObject source; a tiny holder carries the queue. */
static GObject *
kerfd_queue_holder (KerfdQueue *q)
{
  GObject *holder = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_data (holder, "q", q);
  return holder;
}

static void
kerfd_queue_thread_trampoline (GTask *task, gpointer source, gpointer task_data,
                               GCancellable *cancellable)
{
  kerfd_queue_thread (task, g_object_get_data (source, "q"), task_data, cancellable);
}

/* Main loop: refresh the daemon's objects, then reply, then start the next.
 * The refresh comes first so that a caller who gets the reply (say, the
 * path of a new instance) finds the objects already exported. */
static void
kerfd_queue_job_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  KerfdJob *job = user_data;
  g_autoptr(GError) error = NULL;
  /* cancelled = the queue was freed while the job ran: do not touch it */
  gboolean cancelled = g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result)));
  KerfdQueue *q = g_object_get_data (source, "q");
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (!cancelled)
    {
      q->running = NULL;
      if (q->changed != NULL)
        ((void (*) (gpointer)) q->changed) (q->user_data);
    }
  if (!ok)
    kerfd_invocation_return_error (job->invocation, error);
  else
    g_dbus_method_invocation_return_value (job->invocation,
                                           job->reply != NULL ? job->reply : g_variant_new ("()"));
  kerfd_job_free (job);
  if (!cancelled)
    kerfd_queue_next (q);
}

static void
kerfd_queue_next (KerfdQueue *q)
{
  g_autoptr(GObject) holder = NULL;
  g_autoptr(GTask) task = NULL;

  if (q->running != NULL || g_queue_is_empty (&q->pending))
    return;
  q->running = g_queue_pop_head (&q->pending);
  g_debug ("running job: %s (%u waiting)", q->running->what, g_queue_get_length (&q->pending));
  holder = kerfd_queue_holder (q);
  task = g_task_new (holder, q->cancellable, kerfd_queue_job_finished, q->running);
  g_task_set_task_data (task, q->running, NULL);
  /* the job must run even if kerfd is asked to quit meanwhile */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, kerfd_queue_thread_trampoline);
}

void
kerfd_queue_push (KerfdQueue            *q,
                  const char            *what,
                  KerfdJobFunc           func,
                  gpointer               data,
                  GDestroyNotify         free_data,
                  GDBusMethodInvocation *invocation)
{
  KerfdJob *job = g_new0 (KerfdJob, 1);

  job->what = g_strdup (what);
  job->func = func;
  job->data = data;
  job->free_data = free_data;
  job->invocation = invocation;
  g_queue_push_tail (&q->pending, job);
  if (q->running != NULL)
    g_debug ("%s waits for %s", what, q->running->what);
  kerfd_queue_next (q);
}
