/* hearth-connection.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-connection"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hearth-core-private.h"

#define RECONNECT_MIN_SECONDS 1
#define RECONNECT_MAX_SECONDS 30
#define KEEPALIVE_INTERVAL    5
#define KEEPALIVE_COUNT       3

/**
 * HearthConnection:
 *
 * One libvirt URI. Opening happens in a worker; libvirt's events arrive on the main
 * thread through the GLib event loop integration (see hearth_core_init()) and keep
 * #HearthConnection:machines current. When the daemon goes away the state becomes
 * %HEARTH_CONNECTION_STATE_LOST and the connection reopens itself with back-off.
 *
 * Threading: every field is main-thread only except @conn, which workers read
 * (taking their own reference) under @lock.
 */
struct _HearthConnection
{
  GObject parent_instance;

  char                 *uri;
  char                 *display_uri;
  HearthConnectionState state;
  GError               *error;           /* the last failure, or NULL */

  GListStore           *machines;        /* owned; HearthMachine */
  GHashTable           *by_uuid;         /* uuid → HearthMachine, borrowed from machines */

  GMutex                lock;            /* guards conn */
  virConnectPtr         conn;            /* owned */
  int                   callback_ids[8];
  guint                 n_callbacks;
  struct EventContext  *close_ctx;       /* the close callback's reference, or NULL */
  guint                 generation;      /* bumped at each (re)open and close */

  struct EventContext  *event_ctx;       /* owned reference */
  GPtrArray            *open_tasks;      /* GTask waiting for the open under way */
  gboolean              opening;
  guint                 reconnect_id;
  guint                 reconnect_delay;

  GHashTable           *pending_refresh; /* uuid set */
  gboolean              refreshing;
};

G_DEFINE_FINAL_TYPE (HearthConnection, hearth_connection, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_URI,
  PROP_STATE,
  PROP_ERROR,
  PROP_MACHINES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* libvirt's callbacks outlive nothing of ours safely, so they get a small
 * refcounted context with a weak reference to the connection. */
typedef struct EventContext
{
  gatomicrefcount ref_count;
  GWeakRef        connection;
  int             orphaned;    /* atomic: its connection is finalized */
} EventContext;

/* Background work that outlives a connection: teardown workers, and event contexts
 * libvirt frees from its event loop some time after deregistration. Counted so that
 * hearth_core_drain() can let it finish before the process exits. */
static int pending_teardowns;
static int orphaned_contexts;

static EventContext *
event_context_new (HearthConnection *self)
{
  EventContext *ctx = g_new0 (EventContext, 1);

  g_atomic_ref_count_init (&ctx->ref_count);
  g_weak_ref_init (&ctx->connection, self);
  return ctx;
}

static EventContext *
event_context_ref (EventContext *ctx)
{
  g_atomic_ref_count_inc (&ctx->ref_count);
  return ctx;
}

static void
event_context_unref (void *data)
{
  EventContext *ctx = data;

  if (g_atomic_ref_count_dec (&ctx->ref_count))
    {
      if (g_atomic_int_get (&ctx->orphaned))
        g_atomic_int_dec_and_test (&orphaned_contexts);
      g_weak_ref_clear (&ctx->connection);
      g_free (ctx);
    }
}

typedef struct
{
  char         *uri;
  EventContext *ctx;
  guint         generation;
} OpenRequest;

typedef struct
{
  virConnectPtr conn;
  int           callback_ids[8];
  guint         n_callbacks;
  EventContext *close_ctx;     /* the close callback's reference, or NULL */
  GPtrArray    *infos;         /* HearthDomainInfo */
} OpenResult;

static void
open_request_free (OpenRequest *req)
{
  g_free (req->uri);
  event_context_unref (req->ctx);
  g_free (req);
}

static void
open_result_free (OpenResult *res)
{
  hearth_vir_connect_unref (res->conn);
  g_clear_pointer (&res->infos, g_ptr_array_unref);
  g_free (res);
}

static void start_open (HearthConnection *self);
static void queue_refresh (HearthConnection *self, const char *uuid);

static void
set_state (HearthConnection     *self,
           HearthConnectionState state)
{
  if (self->state == state)
    return;

  g_debug ("%s: state %d → %d", self->display_uri, self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (HearthConnection *self,
           const GError     *error)
{
  if (self->error == NULL && error == NULL)
    return;

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static HearthConnection *
connection_from_ctx (void *opaque)
{
  EventContext *ctx = opaque;

  return g_weak_ref_get (&ctx->connection);
}

/* Lifecycle events update the state at once (no libvirt call needed) and then
 * queue a refresh, which reads the whole domain in a worker. */
static void
domain_lifecycle_cb (virConnectPtr conn,
                     virDomainPtr  domain,
                     int           event,
                     int           detail,
                     void         *opaque)
{
  g_autoptr(HearthConnection) self = connection_from_ctx (opaque);
  char uuid[VIR_UUID_STRING_BUFLEN];
  HearthMachine *machine;

  if (self == NULL || self->conn != conn || virDomainGetUUIDString (domain, uuid) < 0)
    return;

  g_debug ("%s: lifecycle event %d/%d for %s", self->display_uri, event, detail,
           virDomainGetName (domain));

  if ((machine = g_hash_table_lookup (self->by_uuid, uuid)))
    _hearth_machine_set_event_state (machine, event, detail);
  queue_refresh (self, uuid);
}

static void
domain_reboot_cb (virConnectPtr conn,
                  virDomainPtr  domain,
                  void         *opaque)
{
  g_autoptr(HearthConnection) self = connection_from_ctx (opaque);
  char uuid[VIR_UUID_STRING_BUFLEN];
  HearthMachine *machine;

  if (self == NULL || self->conn != conn || virDomainGetUUIDString (domain, uuid) < 0)
    return;

  if ((machine = g_hash_table_lookup (self->by_uuid, uuid)))
    _hearth_machine_emit_rebooted (machine);
}

/* Metadata, device and tunable events all mean "read the domain again". */
static void
domain_changed (virConnectPtr conn,
                virDomainPtr  domain,
                void         *opaque)
{
  g_autoptr(HearthConnection) self = connection_from_ctx (opaque);
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (self == NULL || self->conn != conn || virDomainGetUUIDString (domain, uuid) < 0)
    return;
  queue_refresh (self, uuid);
}

static void
domain_metadata_cb (virConnectPtr conn,
                    virDomainPtr  domain,
                    int           type,
                    const char   *nsuri,
                    void         *opaque)
{
  domain_changed (conn, domain, opaque);
}

static void
domain_device_cb (virConnectPtr conn,
                  virDomainPtr  domain,
                  const char   *alias,
                  void         *opaque)
{
  domain_changed (conn, domain, opaque);
}

static void
domain_tunable_cb (virConnectPtr        conn,
                   virDomainPtr         domain,
                   virTypedParameterPtr params,
                   int                  nparams,
                   void                *opaque)
{
  domain_changed (conn, domain, opaque);
}

static void teardown_in_thread (virConnectPtr conn, int *ids, guint n_ids,
                                EventContext *close_ctx);

static void
schedule_reconnect (HearthConnection *self);

static void
connection_closed_cb (virConnectPtr conn,
                      int           reason,
                      void         *opaque)
{
  g_autoptr(HearthConnection) self = connection_from_ctx (opaque);
  g_autoptr(GError) error = NULL;
  virConnectPtr old;

  if (self == NULL || self->conn != conn || reason == VIR_CONNECT_CLOSE_REASON_CLIENT)
    return;

  g_debug ("%s: connection closed (reason %d)", self->display_uri, reason);

  g_mutex_lock (&self->lock);
  old = g_steal_pointer (&self->conn);
  g_mutex_unlock (&self->lock);
  self->generation++;

  /* Tearing down may block on a half-dead socket, so it happens in a worker. */
  teardown_in_thread (old, self->callback_ids, self->n_callbacks,
                      g_steal_pointer (&self->close_ctx));
  self->n_callbacks = 0;

  g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
               reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE
                 ? "The connection to %s stopped answering"
                 : "The connection to %s was lost",
               self->display_uri);
  set_error (self, error);
  set_state (self, HEARTH_CONNECTION_STATE_LOST);
  self->reconnect_delay = RECONNECT_MIN_SECONDS;
  schedule_reconnect (self);
}

typedef struct
{
  virConnectPtr conn;
  int           ids[8];
  guint         n_ids;
  EventContext *close_ctx;
} Teardown;

static void
teardown_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Teardown *td = task_data;

  for (guint i = 0; i < td->n_ids; i++)
    if (virConnectDomainEventDeregisterAny (td->conn, td->ids[i]) < 0)
      virResetLastError ();
  if (td->close_ctx != NULL)
    {
      if (virConnectUnregisterCloseCallback (td->conn, connection_closed_cb) == 0)
        event_context_unref (td->close_ctx);
      else
        virResetLastError ();
      td->close_ctx = NULL;
    }
  virConnectClose (td->conn);
  td->conn = NULL;
  if (task != NULL)
    g_atomic_int_dec_and_test (&pending_teardowns);
}

static void
teardown_in_thread (virConnectPtr conn,
                    int          *ids,
                    guint         n_ids,
                    EventContext *close_ctx)
{
  g_autoptr(GTask) task = NULL;
  Teardown *td;

  if (conn == NULL)
    return;

  td = g_new0 (Teardown, 1);
  td->conn = conn;
  td->n_ids = MIN (n_ids, G_N_ELEMENTS (td->ids));
  td->close_ctx = close_ctx;
  memcpy (td->ids, ids, td->n_ids * sizeof (int));

  g_atomic_int_inc (&pending_teardowns);
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, teardown_in_thread);
  g_task_set_task_data (task, td, g_free);
  g_task_run_in_thread (task, teardown_worker);
}

static gboolean
register_events (virConnectPtr conn,
                 EventContext *ctx,
                 OpenResult   *res,
                 GError      **error)
{
  static const struct
  {
    int                            id;
    virConnectDomainEventGenericCallback cb;
  } events[] = {
    { VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK (domain_lifecycle_cb) },
    { VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK (domain_reboot_cb) },
    { VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK (domain_metadata_cb) },
    { VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK (domain_device_cb) },
    { VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK (domain_device_cb) },
    { VIR_DOMAIN_EVENT_ID_TUNABLE, VIR_DOMAIN_EVENT_CALLBACK (domain_tunable_cb) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      int id = virConnectDomainEventRegisterAny (conn, NULL, events[i].id, events[i].cb,
                                                 event_context_ref (ctx), event_context_unref);

      if (id < 0)
        {
          virErrorPtr verr = virGetLastError ();

          event_context_unref (ctx);
          /* Lifecycle events are what keeps state current; the others are a bonus
           * that some drivers lack. */
          if (events[i].id == VIR_DOMAIN_EVENT_ID_LIFECYCLE)
            {
              _hearth_error_take_libvirt (error, "Could not subscribe to machine events");
              return FALSE;
            }
          g_debug ("Event %d unavailable: %s", events[i].id,
                   verr && verr->message ? verr->message : "?");
          virResetLastError ();
          continue;
        }
      res->callback_ids[res->n_callbacks++] = id;
    }

  /* libvirt 9.0 never calls a close callback's free function on unregister, so
   * Hearth keeps that reference itself and drops it in teardown_worker(). */
  if (virConnectRegisterCloseCallback (conn, connection_closed_cb, event_context_ref (ctx),
                                       NULL) < 0)
    {
      event_context_unref (ctx);
      virResetLastError ();
    }
  else
    res->close_ctx = ctx;

  return TRUE;
}

/* With no daemon installed, libvirt only says that it found no socket. Whether a
 * daemon binary exists tells "not installed" from "not running". */
static void
refine_open_error (const char *uri,
                   GError     *error)
{
  static const char *daemons[] = {
    "/usr/sbin/virtqemud", "/usr/sbin/libvirtd", "/usr/local/sbin/virtqemud",
    "/usr/local/sbin/libvirtd",
  };

  if (!g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_DAEMON_NOT_RUNNING)
      || strstr (uri, "://") == NULL || strstr (uri, ":///") == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (daemons); i++)
    if (g_file_test (daemons[i], G_FILE_TEST_IS_EXECUTABLE))
      return;

  error->code = HEARTH_ERROR_NOT_INSTALLED;
}

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenRequest *req = task_data;
  g_autoptr(GError) error = NULL;
  OpenResult *res = g_new0 (OpenResult, 1);
  virDomainPtr *domains = NULL;
  gint64 begin = hearth_now_usec ();
  int n;

  res->infos = g_ptr_array_new_with_free_func ((GDestroyNotify) _hearth_domain_info_free);

  if (!(res->conn = virConnectOpen (req->uri)))
    {
      _hearth_error_take_libvirt (&error, "Could not connect");
      refine_open_error (req->uri, error);
      goto fail;
    }

  /* Keepalive lets a remote connection notice a dead peer; local drivers refuse it. */
  if (virConnectSetKeepAlive (res->conn, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT) < 0)
    virResetLastError ();

  /* Subscribe before listing, so nothing that changes in between is missed. */
  if (!register_events (res->conn, req->ctx, res, &error))
    goto fail;

  if ((n = virConnectListAllDomains (res->conn, &domains, 0)) < 0)
    {
      _hearth_error_take_libvirt (&error, "Could not list the machines");
      goto fail;
    }

  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) local_error = NULL;
      HearthDomainInfo *info = _hearth_domain_info_fetch (domains[i], &local_error);

      /* A machine that vanished between the listing and the read is simply gone. */
      if (info != NULL)
        g_ptr_array_add (res->infos, info);
      else
        g_debug ("Skipping a machine: %s", local_error->message);
      virDomainFree (domains[i]);
    }
  free (domains);

  hearth_audit_record (req->uri, NULL, NULL, "connect", NULL, hearth_now_usec () - begin);
  g_task_return_pointer (task, res, (GDestroyNotify) open_result_free);
  return;

fail:
  hearth_audit_record (req->uri, NULL, NULL, "connect", error, hearth_now_usec () - begin);
  if (res->conn != NULL)
    {
      Teardown td = { .conn = g_steal_pointer (&res->conn), .n_ids = res->n_callbacks,
                      .close_ctx = g_steal_pointer (&res->close_ctx) };

      memcpy (td.ids, res->callback_ids, sizeof td.ids);
      teardown_worker (NULL, NULL, &td, NULL);
    }
  open_result_free (res);
  g_task_return_error (task, g_steal_pointer (&error));
}

/* Adds, updates and (with @replace) removes machines so that the model matches
 * @infos. New machines are spliced in with one items-changed signal, which matters
 * with a thousand of them. */
static void
apply_infos (HearthConnection *self,
             GPtrArray        *infos,
             gboolean          replace)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = NULL;

  if (replace)
    seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < infos->len; i++)
    {
      HearthDomainInfo *info = g_ptr_array_index (infos, i);
      HearthMachine *machine = g_hash_table_lookup (self->by_uuid, info->uuid);

      if (seen != NULL)
        g_hash_table_add (seen, info->uuid);
      if (machine != NULL)
        {
          _hearth_machine_update (machine, info);
          continue;
        }
      machine = _hearth_machine_new (self, info);
      g_hash_table_insert (self->by_uuid, g_strdup (info->uuid), machine);
      g_ptr_array_add (added, machine);
    }

  if (replace)
    {
      for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->machines)); i > 0; i--)
        {
          g_autoptr(HearthMachine) machine = g_list_model_get_item (G_LIST_MODEL (self->machines),
                                                                    i - 1);
          const char *uuid = hearth_machine_get_uuid (machine);

          if (!g_hash_table_contains (seen, uuid))
            {
              g_hash_table_remove (self->by_uuid, uuid);
              g_list_store_remove (self->machines, i - 1);
            }
        }
    }

  if (added->len > 0)
    g_list_store_splice (self->machines, g_list_model_get_n_items (G_LIST_MODEL (self->machines)),
                         0, added->pdata, added->len);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HearthConnection *self = HEARTH_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  OpenResult *res;
  OpenRequest *req = g_task_get_task_data (G_TASK (result));

  self->opening = FALSE;
  tasks = g_steal_pointer (&self->open_tasks);
  self->open_tasks = g_ptr_array_new_with_free_func (g_object_unref);

  res = g_task_propagate_pointer (G_TASK (result), &error);

  if (req->generation != self->generation)
    {
      /* Closed while opening: throw the result away. */
      if (res != NULL)
        {
          teardown_in_thread (g_steal_pointer (&res->conn), res->callback_ids, res->n_callbacks,
                              g_steal_pointer (&res->close_ctx));
          open_result_free (res);
        }
      if (error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The connection was closed");
    }
  else if (res != NULL)
    {
      g_mutex_lock (&self->lock);
      self->conn = g_steal_pointer (&res->conn);
      g_mutex_unlock (&self->lock);
      memcpy (self->callback_ids, res->callback_ids, sizeof self->callback_ids);
      self->n_callbacks = res->n_callbacks;
      self->close_ctx = g_steal_pointer (&res->close_ctx);
      self->reconnect_delay = RECONNECT_MIN_SECONDS;

      apply_infos (self, res->infos, TRUE);
      open_result_free (res);
      set_error (self, NULL);
      set_state (self, HEARTH_CONNECTION_STATE_CONNECTED);

      /* Events that arrived while opening are replayed now. */
      if (g_hash_table_size (self->pending_refresh) > 0)
        queue_refresh (self, NULL);
    }
  else
    {
      g_debug ("%s: open failed: %s", self->display_uri, error->message);
      set_error (self, error);
      if (self->state == HEARTH_CONNECTION_STATE_LOST)
        schedule_reconnect (self);
      else
        set_state (self, HEARTH_CONNECTION_STATE_FAILED);
    }

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  g_object_unref (self);
}

static void
start_open (HearthConnection *self)
{
  g_autoptr(GTask) task = NULL;
  OpenRequest *req;

  if (self->opening)
    return;

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->opening = TRUE;
  if (self->state != HEARTH_CONNECTION_STATE_LOST)
    set_state (self, HEARTH_CONNECTION_STATE_CONNECTING);

  req = g_new0 (OpenRequest, 1);
  req->uri = g_strdup (self->uri);
  req->ctx = event_context_ref (self->event_ctx);
  req->generation = self->generation;

  task = g_task_new (g_object_ref (self), NULL, open_done_cb, NULL);
  g_task_set_source_tag (task, start_open);
  g_task_set_task_data (task, req, (GDestroyNotify) open_request_free);
  g_task_run_in_thread (task, open_worker);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  HearthConnection *self = user_data;

  self->reconnect_id = 0;
  start_open (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (HearthConnection *self)
{
  g_clear_handle_id (&self->reconnect_id, g_source_remove);

  g_debug ("%s: reconnecting in %u s", self->display_uri, self->reconnect_delay);
  self->reconnect_id = g_timeout_add_seconds (self->reconnect_delay, reconnect_cb, self);
  self->reconnect_delay = MIN (self->reconnect_delay * 2, RECONNECT_MAX_SECONDS);
}

typedef struct
{
  virConnectPtr conn;
  GStrv         uuids;
  guint         generation;
} RefreshRequest;

typedef struct
{
  GPtrArray *infos;     /* HearthDomainInfo */
  GPtrArray *removed;   /* char * uuid */
} RefreshResult;

static void
refresh_request_free (RefreshRequest *req)
{
  hearth_vir_connect_unref (req->conn);
  g_strfreev (req->uuids);
  g_free (req);
}

static void
refresh_result_free (RefreshResult *res)
{
  g_ptr_array_unref (res->infos);
  g_ptr_array_unref (res->removed);
  g_free (res);
}

static void
refresh_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  RefreshRequest *req = task_data;
  RefreshResult *res = g_new0 (RefreshResult, 1);

  res->infos = g_ptr_array_new_with_free_func ((GDestroyNotify) _hearth_domain_info_free);
  res->removed = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; req->uuids[i]; i++)
    {
      g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (req->conn, req->uuids[i]);
      g_autoptr(GError) error = NULL;
      HearthDomainInfo *info;

      if (domain == NULL)
        {
          virErrorPtr verr = virGetLastError ();

          if (verr && verr->code == VIR_ERR_NO_DOMAIN)
            g_ptr_array_add (res->removed, g_strdup (req->uuids[i]));
          virResetLastError ();
          continue;
        }
      if ((info = _hearth_domain_info_fetch (domain, &error)))
        g_ptr_array_add (res->infos, info);
      else if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND))
        g_ptr_array_add (res->removed, g_strdup (req->uuids[i]));
    }

  g_task_return_pointer (task, res, (GDestroyNotify) refresh_result_free);
}

static void
refresh_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HearthConnection *self = HEARTH_CONNECTION (source);
  RefreshRequest *req = g_task_get_task_data (G_TASK (result));
  RefreshResult *res = g_task_propagate_pointer (G_TASK (result), NULL);

  self->refreshing = FALSE;

  if (res != NULL && req->generation == self->generation)
    {
      apply_infos (self, res->infos, FALSE);
      for (guint i = 0; i < res->removed->len; i++)
        _hearth_connection_remove_uuid (self, g_ptr_array_index (res->removed, i));
    }
  g_clear_pointer (&res, refresh_result_free);

  if (g_hash_table_size (self->pending_refresh) > 0)
    queue_refresh (self, NULL);

  g_object_unref (self);
}

/* Coalesces refresh requests: at most one refresh worker runs per connection, and
 * every UUID asked for while it runs is read by the next one. */
static void
queue_refresh (HearthConnection *self,
               const char       *uuid)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  GHashTableIter iter;
  const char *key;
  RefreshRequest *req;
  virConnectPtr conn;

  if (uuid != NULL)
    g_hash_table_add (self->pending_refresh, g_strdup (uuid));

  if (self->refreshing || self->state != HEARTH_CONNECTION_STATE_CONNECTED)
    return;
  if (!(conn = _hearth_connection_dup_virconn (self, NULL)))
    return;

  builder = g_strv_builder_new ();
  g_hash_table_iter_init (&iter, self->pending_refresh);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_strv_builder_add (builder, key);
  g_hash_table_remove_all (self->pending_refresh);

  req = g_new0 (RefreshRequest, 1);
  req->conn = conn;
  req->uuids = g_strv_builder_end (builder);
  req->generation = self->generation;

  self->refreshing = TRUE;
  task = g_task_new (g_object_ref (self), NULL, refresh_done_cb, NULL);
  g_task_set_source_tag (task, queue_refresh);
  g_task_set_task_data (task, req, (GDestroyNotify) refresh_request_free);
  g_task_run_in_thread (task, refresh_worker);
}

static void
clear_machines (HearthConnection *self)
{
  g_hash_table_remove_all (self->by_uuid);
  g_list_store_remove_all (self->machines);
}

static void
hearth_connection_dispose (GObject *object)
{
  HearthConnection *self = HEARTH_CONNECTION (object);
  virConnectPtr conn;

  g_clear_handle_id (&self->reconnect_id, g_source_remove);

  g_mutex_lock (&self->lock);
  conn = g_steal_pointer (&self->conn);
  g_mutex_unlock (&self->lock);
  teardown_in_thread (conn, self->callback_ids, self->n_callbacks,
                      g_steal_pointer (&self->close_ctx));
  self->n_callbacks = 0;

  if (self->machines != NULL)
    clear_machines (self);

  G_OBJECT_CLASS (hearth_connection_parent_class)->dispose (object);
}

static void
hearth_connection_finalize (GObject *object)
{
  HearthConnection *self = HEARTH_CONNECTION (object);

  g_free (self->uri);
  g_free (self->display_uri);
  g_clear_error (&self->error);
  g_clear_object (&self->machines);
  g_clear_pointer (&self->by_uuid, g_hash_table_unref);
  g_clear_pointer (&self->pending_refresh, g_hash_table_unref);
  g_clear_pointer (&self->open_tasks, g_ptr_array_unref);
  g_atomic_int_inc (&orphaned_contexts);
  g_atomic_int_set (&self->event_ctx->orphaned, 1);
  g_clear_pointer (&self->event_ctx, event_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hearth_connection_parent_class)->finalize (object);
}

static void
hearth_connection_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HearthConnection *self = HEARTH_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_MACHINES:
      g_value_set_object (value, self->machines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_connection_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HearthConnection *self = HEARTH_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_URI:
      self->uri = g_value_dup_string (value);
      self->display_uri = _hearth_uri_strip_credentials (self->uri);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_connection_class_init (HearthConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_connection_dispose;
  object_class->finalize = hearth_connection_finalize;
  object_class->get_property = hearth_connection_get_property;
  object_class->set_property = hearth_connection_set_property;

  /** HearthConnection:uri: The libvirt URI. */
  properties[PROP_URI] = g_param_spec_string ("uri", NULL, NULL, NULL,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                | G_PARAM_STATIC_STRINGS);
  /** HearthConnection:state: Connecting, connected, lost (reconnecting) or failed. */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL,
                                              HEARTH_TYPE_CONNECTION_STATE,
                                              HEARTH_CONNECTION_STATE_DISCONNECTED,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthConnection:error: The last failure, or %NULL. */
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthConnection:machines: A #GListModel of the connection's #HearthMachine. */
  properties[PROP_MACHINES] = g_param_spec_object ("machines", NULL, NULL, G_TYPE_LIST_MODEL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_connection_init (HearthConnection *self)
{
  g_mutex_init (&self->lock);
  self->machines = g_list_store_new (HEARTH_TYPE_MACHINE);
  self->by_uuid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_refresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->open_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->event_ctx = event_context_new (self);
  self->reconnect_delay = RECONNECT_MIN_SECONDS;
}

/* Whether closed connections still have work under way (see hearth_core_drain()). */
gboolean
_hearth_connection_has_pending_work (void)
{
  return g_atomic_int_get (&pending_teardowns) > 0 || g_atomic_int_get (&orphaned_contexts) > 0;
}

/* Returns a new reference to the libvirt connection for a worker, or NULL with an
 * error when the connection is not open. Thread-safe. */
virConnectPtr
_hearth_connection_dup_virconn (HearthConnection *self,
                                GError          **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->conn == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                   "Not connected to %s", self->display_uri);
      return NULL;
    }

  virConnectRef (self->conn);
  return self->conn;
}

/* Adds or updates the machine a worker read; returns it (borrowed). */
HearthMachine *
_hearth_connection_apply_info (HearthConnection *self,
                               HearthDomainInfo *info)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new ();

  g_ptr_array_add (infos, info);
  apply_infos (self, infos, FALSE);
  return g_hash_table_lookup (self->by_uuid, info->uuid);
}

void
_hearth_connection_remove_uuid (HearthConnection *self,
                                const char       *uuid)
{
  HearthMachine *machine = g_hash_table_lookup (self->by_uuid, uuid);
  guint position;

  if (machine == NULL)
    return;

  if (g_list_store_find (self->machines, machine, &position))
    {
      g_hash_table_remove (self->by_uuid, uuid);
      g_list_store_remove (self->machines, position);
    }
}

/**
 * hearth_connection_dup_default_uri:
 *
 * The connection a user gets without asking: the system daemon for root, the
 * user's own session daemon otherwise (as GNOME Boxes does).
 *
 * Returns: (transfer full): a libvirt URI
 */
char *
hearth_connection_dup_default_uri (void)
{
  return g_strdup (geteuid () == 0 ? "qemu:///system" : "qemu:///session");
}

/**
 * hearth_connection_new:
 * @uri: a libvirt URI
 *
 * Returns: (transfer full): a new, unopened connection
 */
HearthConnection *
hearth_connection_new (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);

  return g_object_new (HEARTH_TYPE_CONNECTION, "uri", uri, NULL);
}

/** hearth_connection_get_uri: Returns: (transfer none): the URI as given */
const char *
hearth_connection_get_uri (HearthConnection *self)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), NULL);
  return self->uri;
}

/**
 * hearth_connection_get_display_uri:
 *
 * Returns: (transfer none): the URI without any password, for showing and logging
 */
const char *
hearth_connection_get_display_uri (HearthConnection *self)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), NULL);
  return self->display_uri;
}

/** hearth_connection_get_state: Returns: the connection state */
HearthConnectionState
hearth_connection_get_state (HearthConnection *self)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), HEARTH_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

/**
 * hearth_connection_get_error:
 *
 * Returns: (transfer none) (nullable): the last failure to open or the loss of the
 *   connection, or %NULL while all is well
 */
const GError *
hearth_connection_get_error (HearthConnection *self)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), NULL);
  return self->error;
}

/**
 * hearth_connection_get_machines:
 *
 * Returns: (transfer none): a #GListModel of #HearthMachine, in no particular order
 */
GListModel *
hearth_connection_get_machines (HearthConnection *self)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), NULL);
  return G_LIST_MODEL (self->machines);
}

/**
 * hearth_connection_find_machine:
 * @name_or_uuid: a machine's UUID, name or title
 *
 * Returns: (transfer none) (nullable): the machine, or %NULL
 */
HearthMachine *
hearth_connection_find_machine (HearthConnection *self,
                                const char       *name_or_uuid)
{
  HearthMachine *machine;
  guint n;

  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  if ((machine = g_hash_table_lookup (self->by_uuid, name_or_uuid)))
    return machine;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->machines));
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(HearthMachine) m = g_list_model_get_item (G_LIST_MODEL (self->machines), i);
        const char *candidate = pass == 0 ? hearth_machine_get_name (m)
                                          : hearth_machine_get_title (m);

        if (g_strcmp0 (candidate, name_or_uuid) == 0)
          return m;
      }

  return NULL;
}

/**
 * hearth_connection_is_local:
 *
 * Returns: whether the hypervisor runs on this computer (so files can be read
 *   directly and virDomainOpenGraphicsFD works)
 */
gboolean
hearth_connection_is_local (HearthConnection *self)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (HEARTH_IS_CONNECTION (self), FALSE);

  uri = g_uri_parse (self->uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (strchr (scheme, '+') != NULL && !g_str_has_suffix (scheme, "+unix"))
    return FALSE;
  return host == NULL || host[0] == '\0' || g_strcmp0 (host, "localhost") == 0;
}

/**
 * hearth_connection_open_async:
 * @self: a #HearthConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is open or failed to open
 * @user_data: data for @callback
 *
 * Opens the connection in a worker, subscribes to libvirt's events and lists the
 * machines. On an open connection it completes at once; while an open is under
 * way the call joins it. After a failure, calling it again retries at once.
 */
void
hearth_connection_open_async (HearthConnection   *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HEARTH_IS_CONNECTION (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_connection_open_async);

  if (self->state == HEARTH_CONNECTION_STATE_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->open_tasks, g_steal_pointer (&task));
  start_open (self);
}

/**
 * hearth_connection_open_finish:
 *
 * Returns: %TRUE if the connection is open
 */
gboolean
hearth_connection_open_finish (HearthConnection *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  /* GTask checks the caller's cancellable here, so a cancelled caller gets
   * G_IO_ERROR_CANCELLED even though the shared open went on. */
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hearth_connection_close:
 *
 * Closes the connection (in a worker) and empties the machine list. Operations
 * under way finish with their own reference to the libvirt connection.
 */
void
hearth_connection_close (HearthConnection *self)
{
  virConnectPtr conn;

  g_return_if_fail (HEARTH_IS_CONNECTION (self));

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->generation++;

  g_mutex_lock (&self->lock);
  conn = g_steal_pointer (&self->conn);
  g_mutex_unlock (&self->lock);
  teardown_in_thread (conn, self->callback_ids, self->n_callbacks,
                      g_steal_pointer (&self->close_ctx));
  self->n_callbacks = 0;

  clear_machines (self);
  set_error (self, NULL);
  set_state (self, HEARTH_CONNECTION_STATE_DISCONNECTED);
}

typedef struct
{
  virConnectPtr conn;
  char         *uri;
  char         *xml;
} DefineRequest;

static void
define_request_free (DefineRequest *req)
{
  hearth_vir_connect_unref (req->conn);
  g_free (req->uri);
  g_free (req->xml);
  g_free (req);
}

static void
define_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DefineRequest *req = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  HearthDomainInfo *info = NULL;
  gint64 begin = hearth_now_usec ();

  if ((domain = virDomainDefineXML (req->conn, req->xml)))
    info = _hearth_domain_info_fetch (domain, &error);
  else
    _hearth_error_take_libvirt (&error, "Could not define the machine");

  hearth_audit_record (req->uri, domain ? virDomainGetName (domain) : NULL,
                       info ? info->uuid : NULL, "define", error, hearth_now_usec () - begin);

  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) _hearth_domain_info_free);
}

/**
 * hearth_connection_define_xml_async:
 * @xml: domain XML
 *
 * Defines (or redefines, when the XML carries an existing UUID) a machine.
 */
void
hearth_connection_define_xml_async (HearthConnection   *self,
                                    const char         *xml,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DefineRequest *req;
  virConnectPtr conn;

  g_return_if_fail (HEARTH_IS_CONNECTION (self));
  g_return_if_fail (xml != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_connection_define_xml_async);

  if (!(conn = _hearth_connection_dup_virconn (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  req = g_new0 (DefineRequest, 1);
  req->conn = conn;
  req->uri = g_strdup (self->uri);
  req->xml = g_strdup (xml);
  g_task_set_task_data (task, req, (GDestroyNotify) define_request_free);
  g_task_run_in_thread (task, define_worker);
}

/**
 * hearth_connection_define_xml_finish:
 *
 * Returns: (transfer full): the machine, or %NULL on error
 */
HearthMachine *
hearth_connection_define_xml_finish (HearthConnection *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_autoptr(HearthDomainInfo) info = NULL;
  HearthMachine *machine;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!(info = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  machine = _hearth_connection_apply_info (self, info);
  return machine ? g_object_ref (machine) : NULL;
}
