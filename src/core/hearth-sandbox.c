/* hearth-sandbox.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-sandbox"

#include "config.h"

#include <string.h>

#include "hearth-snapshot-private.h"

/**
 * HearthSandbox:
 *
 * Sandbox mode for the machines of one connection: a machine in sandbox mode
 * returns to a chosen snapshot every time it powers off (a shutdown from inside or
 * a force off; not a save). The choice lives in the domain metadata under Hearth's
 * namespace, so it travels with the machine and survives restarts of Hearth.
 *
 * When libvirt reports that such a machine stopped, the sandbox reverts it in a
 * worker. A snapshot with memory is restored paused and saved, so the next start
 * resumes from the snapshot's moment; a shut-off snapshot leaves it shut off.
 *
 * The sandbox also relays libvirt's lifecycle events caused by snapshots as
 * #HearthSandbox::snapshot-event, which keeps #HearthSnapshotTree current. There
 * is one per connection (hearth_sandbox_get_for_connection()); the application
 * gets it when it opens a connection so sandboxes act even with no timeline open.
 */
struct _HearthSandbox
{
  GObject parent_instance;

  HearthConnection *connection;   /* weak pointer: the connection owns us */
  GHashTable       *choices;      /* uuid → snapshot name */
  GHashTable       *restoring;    /* uuid set: restores under way */
  GHashTable       *applied;      /* uuid → serial of the read or write shown */
  gboolean          loaded;

  struct SandboxEvents *ctx;      /* owned reference */
  virConnectPtr     conn;         /* owned reference with our callbacks on it */
  int               callback_ids[2];
  guint             n_callbacks;
  guint             generation;   /* bumped whenever the connection changes */
};

G_DEFINE_FINAL_TYPE (HearthSandbox, hearth_sandbox, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTION,
  PROP_LOADED,
  N_PROPS
};

enum
{
  CHANGED,
  RESTORED,
  SNAPSHOT_EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* libvirt's callbacks hold this small refcounted context, never the sandbox. */
typedef struct SandboxEvents
{
  gatomicrefcount ref_count;
  GWeakRef        sandbox;
} SandboxEvents;

static SandboxEvents *
events_ref (SandboxEvents *ctx)
{
  g_atomic_ref_count_inc (&ctx->ref_count);
  return ctx;
}

static void
events_unref (void *data)
{
  SandboxEvents *ctx = data;

  if (g_atomic_ref_count_dec (&ctx->ref_count))
    {
      g_weak_ref_clear (&ctx->sandbox);
      g_free (ctx);
    }
}

typedef struct
{
  virConnectPtr  conn;             /* owned reference */
  SandboxEvents *ctx;              /* owned reference */
  char          *uri;
  char          *uuid;
  char          *machine_name;
  char          *snapshot_name;
  guint          generation;
  guint          serial;           /* see take_serial() */
  int            callback_ids[2];
  guint          n_callbacks;
  GHashTable    *choices;          /* result of a load */
} SandboxOp;

static void
sandbox_op_free (SandboxOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_clear_pointer (&op->ctx, events_unref);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->machine_name);
  g_free (op->snapshot_name);
  g_clear_pointer (&op->choices, g_hash_table_unref);
  g_free (op);
}

static SandboxOp *
sandbox_op_new (HearthSandbox *self,
                GError       **error)
{
  SandboxOp *op;
  virConnectPtr conn;

  if (!(conn = _hearth_snapshot_dup_virconn (self->connection, error)))
    return NULL;

  op = g_new0 (SandboxOp, 1);
  op->conn = conn;
  op->ctx = events_ref (self->ctx);
  op->uri = g_strdup (hearth_connection_get_uri (self->connection));
  op->generation = self->generation;
  return op;
}

static HearthSandbox *
sandbox_from_ctx (void *opaque)
{
  SandboxEvents *ctx = opaque;

  return g_weak_ref_get (&ctx->sandbox);
}

static HearthMachine *
find_machine (HearthSandbox *self,
              const char    *uuid)
{
  return self->connection ? hearth_connection_find_machine (self->connection, uuid) : NULL;
}

static void
set_choice (HearthSandbox *self,
            const char    *uuid,
            const char    *name)
{
  HearthMachine *machine;

  if (g_strcmp0 (g_hash_table_lookup (self->choices, uuid), name) == 0)
    return;

  if (name != NULL)
    g_hash_table_insert (self->choices, g_strdup (uuid), g_strdup (name));
  else
    g_hash_table_remove (self->choices, uuid);

  if ((machine = find_machine (self, uuid)))
    g_signal_emit (self, signals[CHANGED], 0, machine);
}

/* Reads and writes of a machine's setting overlap: a re-read set off by another
 * part of Hearth changing the metadata may have read just before our own write
 * and finish just after it. Each read takes a serial before it reads, each write
 * after it wrote; what is shown only ever moves to a newer serial. */
static guint
take_serial (void)
{
  static gint serial = 0;

  return (guint) g_atomic_int_add (&serial, 1) + 1;
}

static gboolean
take_in (HearthSandbox *self,
         SandboxOp     *op)
{
  guint shown = GPOINTER_TO_UINT (g_hash_table_lookup (self->applied, op->uuid));

  if (op->serial <= shown)
    return FALSE;
  g_hash_table_insert (self->applied, g_strdup (op->uuid), GUINT_TO_POINTER (op->serial));
  return TRUE;
}

/* Reading one machine's setting again, after libvirt said its definition or
 * Hearth's metadata changed. */
static void
reread_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SandboxOp *op = task_data;
  g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (op->conn, op->uuid);

  if (domain != NULL)
    {
      op->serial = take_serial ();
      op->snapshot_name = _hearth_sandbox_read (domain);
    }
  virResetLastError ();
  g_task_return_boolean (task, domain != NULL);
}

static void
reread_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  HearthSandbox *self = HEARTH_SANDBOX (source);
  SandboxOp *op = g_task_get_task_data (G_TASK (result));

  /* While a restore is under way the definition is briefly the snapshot's, without
   * the setting; the restore puts it back and says so when done. */
  if (op->generation == self->generation && !g_hash_table_contains (self->restoring, op->uuid)
      && take_in (self, op))
    set_choice (self, op->uuid, op->snapshot_name);
}

static void
reread (HearthSandbox *self,
        const char    *uuid)
{
  g_autoptr(GTask) task = NULL;
  SandboxOp *op;

  if (!(op = sandbox_op_new (self, NULL)))
    return;
  op->uuid = g_strdup (uuid);
  task = g_task_new (self, NULL, reread_done_cb, NULL);
  g_task_set_source_tag (task, reread);
  g_task_set_task_data (task, op, (GDestroyNotify) sandbox_op_free);
  g_task_run_in_thread (task, reread_worker);
}

static void
restore_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SandboxOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    _hearth_error_take_libvirt (&error, "Could not find the machine");
  else
    _hearth_snapshot_revert_sync (domain, op->snapshot_name, TRUE, &error);

  hearth_audit_record (op->uri, op->machine_name, op->uuid, "sandbox-restore", error,
                       hearth_now_usec () - begin);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
restore_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HearthSandbox *self = HEARTH_SANDBOX (source);
  SandboxOp *op = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  HearthMachine *machine;

  g_hash_table_remove (self->restoring, op->uuid);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Sandbox restore of %s failed: %s", op->machine_name, error->message);
  else if (op->generation == self->generation)
    set_choice (self, op->uuid, op->snapshot_name);

  g_signal_emit (self, signals[SNAPSHOT_EVENT], 0, op->uuid);
  if ((machine = find_machine (self, op->uuid)))
    g_signal_emit (self, signals[RESTORED], 0, machine, error);
}

static void
restore (HearthSandbox *self,
         const char    *uuid,
         const char    *name)
{
  g_autoptr(GTask) task = NULL;
  HearthMachine *machine = find_machine (self, uuid);
  SandboxOp *op;

  if (g_hash_table_contains (self->restoring, uuid) || !(op = sandbox_op_new (self, NULL)))
    return;

  op->uuid = g_strdup (uuid);
  op->snapshot_name = g_strdup (g_hash_table_lookup (self->choices, uuid));
  op->machine_name = g_strdup (machine ? hearth_machine_get_name (machine) : name);
  g_hash_table_add (self->restoring, g_strdup (uuid));

  task = g_task_new (self, NULL, restore_done_cb, NULL);
  g_task_set_source_tag (task, restore);
  g_task_set_task_data (task, op, (GDestroyNotify) sandbox_op_free);
  g_task_run_in_thread (task, restore_worker);
}

static gboolean
detail_from_snapshot (int event,
                      int detail)
{
  switch (event)
    {
    case VIR_DOMAIN_EVENT_DEFINED:
      return detail == VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_STARTED:
      return detail == VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_SUSPENDED:
      return detail == VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_RESUMED:
      return detail == VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_STOPPED:
      return detail == VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT;
    default:
      return FALSE;
    }
}

/* Runs on the main thread (libvirt's event loop is GLib's). */
static void
lifecycle_cb (virConnectPtr conn,
              virDomainPtr  domain,
              int           event,
              int           detail,
              void         *opaque)
{
  g_autoptr(HearthSandbox) self = sandbox_from_ctx (opaque);
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (self == NULL || self->conn != conn || virDomainGetUUIDString (domain, uuid) < 0)
    return;

  if (detail_from_snapshot (event, detail))
    g_signal_emit (self, signals[SNAPSHOT_EVENT], 0, uuid);

  switch (event)
    {
    case VIR_DOMAIN_EVENT_DEFINED:
      reread (self, uuid);
      break;

    case VIR_DOMAIN_EVENT_UNDEFINED:
      set_choice (self, uuid, NULL);
      break;

    case VIR_DOMAIN_EVENT_STOPPED:
      /* Powered off from inside, forced off, crashed or failed: back to the clean
       * state. Saved, migrated and snapshot-caused stops are not power-offs. */
      if ((detail == VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN
           || detail == VIR_DOMAIN_EVENT_STOPPED_DESTROYED
           || detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED
           || detail == VIR_DOMAIN_EVENT_STOPPED_FAILED)
          && g_hash_table_contains (self->choices, uuid))
        restore (self, uuid, virDomainGetName (domain));
      break;

    default:
      break;
    }
}

static void
metadata_cb (virConnectPtr conn,
             virDomainPtr  domain,
             int           type,
             const char   *nsuri,
             void         *opaque)
{
  g_autoptr(HearthSandbox) self = sandbox_from_ctx (opaque);
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (self == NULL || self->conn != conn || virDomainGetUUIDString (domain, uuid) < 0)
    return;
  if (type == VIR_DOMAIN_METADATA_ELEMENT && g_strcmp0 (nsuri, HEARTH_METADATA_NS) == 0)
    reread (self, uuid);
}

static void
teardown_worker (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SandboxOp *op = task_data;

  for (guint i = 0; i < op->n_callbacks; i++)
    if (virConnectDomainEventDeregisterAny (op->conn, op->callback_ids[i]) < 0)
      virResetLastError ();
}

/* Drops our callbacks and connection reference in a worker (a dead remote socket
 * may block). */
static void
teardown (HearthSandbox *self)
{
  g_autoptr(GTask) task = NULL;
  SandboxOp *op;

  self->generation++;
  if (self->conn == NULL)
    return;

  op = g_new0 (SandboxOp, 1);
  op->conn = g_steal_pointer (&self->conn);
  memcpy (op->callback_ids, self->callback_ids, sizeof op->callback_ids);
  op->n_callbacks = self->n_callbacks;
  self->n_callbacks = 0;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, teardown);
  g_task_set_task_data (task, op, (GDestroyNotify) sandbox_op_free);
  g_task_run_in_thread (task, teardown_worker);
}

static void
load_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SandboxOp *op = task_data;
  g_autoptr(GError) error = NULL;
  virDomainPtr *domains = NULL;
  int n;

  /* Subscribe before reading, so nothing that changes in between is missed. */
  op->callback_ids[op->n_callbacks] = virConnectDomainEventRegisterAny (
    op->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK (lifecycle_cb),
    events_ref (op->ctx), events_unref);
  if (op->callback_ids[op->n_callbacks] < 0)
    {
      events_unref (op->ctx);
      _hearth_error_take_libvirt (&error, "Could not subscribe to machine events");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  op->n_callbacks++;

  op->callback_ids[op->n_callbacks] = virConnectDomainEventRegisterAny (
    op->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK (metadata_cb),
    events_ref (op->ctx), events_unref);
  if (op->callback_ids[op->n_callbacks] < 0)
    {
      /* Some drivers lack metadata events; DEFINED events still cover Hearth's own. */
      events_unref (op->ctx);
      virResetLastError ();
    }
  else
    op->n_callbacks++;

  op->choices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if ((n = virConnectListAllDomains (op->conn, &domains, VIR_CONNECT_LIST_DOMAINS_PERSISTENT))
      < 0)
    {
      virResetLastError ();
      n = 0;
    }
  for (int i = 0; i < n; i++)
    {
      char uuid[VIR_UUID_STRING_BUFLEN];
      char *name = _hearth_sandbox_read (domains[i]);

      if (name != NULL && virDomainGetUUIDString (domains[i], uuid) == 0)
        g_hash_table_insert (op->choices, g_strdup (uuid), name);
      else
        g_free (name);
      virDomainFree (domains[i]);
    }
  free (domains);

  g_task_return_boolean (task, TRUE);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HearthSandbox *self = HEARTH_SANDBOX (source);
  SandboxOp *op = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) uuids = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Sandbox mode unavailable: %s", error->message);
      return;
    }

  if (op->generation != self->generation)
    {
      /* The connection changed while loading: drop what this load registered. */
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
      SandboxOp *stale = g_new0 (SandboxOp, 1);

      stale->conn = g_steal_pointer (&op->conn);
      memcpy (stale->callback_ids, op->callback_ids, sizeof stale->callback_ids);
      stale->n_callbacks = op->n_callbacks;
      g_task_set_task_data (task, stale, (GDestroyNotify) sandbox_op_free);
      g_task_run_in_thread (task, teardown_worker);
      return;
    }

  self->conn = g_steal_pointer (&op->conn);
  memcpy (self->callback_ids, op->callback_ids, sizeof self->callback_ids);
  self->n_callbacks = op->n_callbacks;

  /* Apply the loaded choices, announcing each change. */
  uuids = g_hash_table_get_keys (self->choices);
  for (GList *l = uuids; l; l = l->next)
    if (!g_hash_table_contains (op->choices, l->data))
      {
        g_autofree char *uuid = g_strdup (l->data);

        set_choice (self, uuid, NULL);
      }
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, op->choices);
    while (g_hash_table_iter_next (&iter, &key, &value))
      set_choice (self, key, value);
  }

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
}

static void
start_load (HearthSandbox *self)
{
  g_autoptr(GTask) task = NULL;
  SandboxOp *op;

  teardown (self);
  if (!(op = sandbox_op_new (self, NULL)))
    return;

  task = g_task_new (self, NULL, load_done_cb, NULL);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, op, (GDestroyNotify) sandbox_op_free);
  g_task_run_in_thread (task, load_worker);
}

static void
on_connection_state_cb (HearthConnection *connection,
                        GParamSpec       *pspec,
                        HearthSandbox    *self)
{
  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED)
    start_load (self);
  else
    teardown (self);
}

static void
hearth_sandbox_dispose (GObject *object)
{
  HearthSandbox *self = HEARTH_SANDBOX (object);

  teardown (self);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
      self->connection = NULL;
    }

  G_OBJECT_CLASS (hearth_sandbox_parent_class)->dispose (object);
}

static void
hearth_sandbox_finalize (GObject *object)
{
  HearthSandbox *self = HEARTH_SANDBOX (object);

  g_clear_pointer (&self->choices, g_hash_table_unref);
  g_clear_pointer (&self->restoring, g_hash_table_unref);
  g_clear_pointer (&self->applied, g_hash_table_unref);
  g_clear_pointer (&self->ctx, events_unref);

  G_OBJECT_CLASS (hearth_sandbox_parent_class)->finalize (object);
}

static void
hearth_sandbox_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HearthSandbox *self = HEARTH_SANDBOX (object);

  switch (prop_id)
    {
    case PROP_CONNECTION: g_value_set_object (value, self->connection); break;
    case PROP_LOADED: g_value_set_boolean (value, self->loaded); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_sandbox_class_init (HearthSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_sandbox_dispose;
  object_class->finalize = hearth_sandbox_finalize;
  object_class->get_property = hearth_sandbox_get_property;

  /** HearthSandbox:connection: The connection, or %NULL once it is gone. */
  properties[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL,
                                                     HEARTH_TYPE_CONNECTION,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthSandbox:loaded: Whether the machines' settings have been read. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthSandbox::changed:
   * @machine: the machine
   *
   * A machine entered or left sandbox mode, or its clean state changed (a tile
   * shows hearth_sandbox_is_enabled()).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, HEARTH_TYPE_MACHINE);
  /**
   * HearthSandbox::restored:
   * @machine: the machine
   * @error: (nullable): why going back failed, or %NULL
   *
   * A machine in sandbox mode powered off and was returned to its clean state.
   */
  signals[RESTORED] = g_signal_new ("restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, HEARTH_TYPE_MACHINE,
                                    G_TYPE_ERROR);
  /**
   * HearthSandbox::snapshot-event:
   * @uuid: the machine's UUID
   *
   * libvirt reported a lifecycle event caused by a snapshot operation on the
   * machine (by Hearth or another tool); snapshot trees read their snapshots again.
   */
  signals[SNAPSHOT_EVENT] = g_signal_new ("snapshot-event", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_STRING);
}

static void
hearth_sandbox_init (HearthSandbox *self)
{
  self->choices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->restoring = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->ctx = g_new0 (SandboxEvents, 1);
  g_atomic_ref_count_init (&self->ctx->ref_count);
  g_weak_ref_init (&self->ctx->sandbox, self);
}

/**
 * hearth_sandbox_get_for_connection:
 * @connection: a #HearthConnection
 *
 * The sandbox of @connection, made on first use; it lives as long as the
 * connection and follows it through reconnects.
 *
 * Returns: (transfer none): the connection's sandbox
 */
HearthSandbox *
hearth_sandbox_get_for_connection (HearthConnection *connection)
{
  HearthSandbox *self;

  g_return_val_if_fail (HEARTH_IS_CONNECTION (connection), NULL);

  if ((self = g_object_get_data (G_OBJECT (connection), "hearth-sandbox")))
    return self;

  self = g_object_new (HEARTH_TYPE_SANDBOX, NULL);
  self->connection = connection;
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  g_object_set_data_full (G_OBJECT (connection), "hearth-sandbox", self, g_object_unref);
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_connection_state_cb), self);
  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED)
    start_load (self);

  return self;
}

/** hearth_sandbox_get_connection: Returns: (transfer none) (nullable): the connection */
HearthConnection *
hearth_sandbox_get_connection (HearthSandbox *self)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX (self), NULL);
  return self->connection;
}

/** hearth_sandbox_get_loaded: Returns: whether the settings have been read */
gboolean
hearth_sandbox_get_loaded (HearthSandbox *self)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX (self), FALSE);
  return self->loaded;
}

/** hearth_sandbox_is_enabled: Returns: whether @machine is in sandbox mode */
gboolean
hearth_sandbox_is_enabled (HearthSandbox *self,
                           HearthMachine *machine)
{
  return hearth_sandbox_get_snapshot_name (self, machine) != NULL;
}

/**
 * hearth_sandbox_get_snapshot_name:
 *
 * Returns: (transfer none) (nullable): the snapshot @machine returns to when it
 *   powers off, or %NULL when it is not in sandbox mode
 */
const char *
hearth_sandbox_get_snapshot_name (HearthSandbox *self,
                                  HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX (self), NULL);
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_hash_table_lookup (self->choices, hearth_machine_get_uuid (machine));
}

static void
set_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SandboxOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    _hearth_error_take_libvirt (&error, "Could not find the machine");
  else if (op->snapshot_name != NULL
           && !(snapshot = virDomainSnapshotLookupByName (domain, op->snapshot_name, 0)))
    _hearth_error_take_libvirt (&error, "Could not find the snapshot");
  else if (_hearth_sandbox_write (domain, op->snapshot_name, &error))
    op->serial = take_serial ();

  hearth_audit_record (op->uri, op->machine_name, op->uuid,
                       op->snapshot_name ? "sandbox-enable" : "sandbox-disable", error,
                       hearth_now_usec () - begin);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * hearth_sandbox_set_async:
 * @machine: a machine of the sandbox's connection
 * @snapshot_name: (nullable): the snapshot to return to at every power-off, or
 *   %NULL to leave sandbox mode
 *
 * Puts @machine in sandbox mode (or takes it out), stored in its metadata.
 */
void
hearth_sandbox_set_async (HearthSandbox      *self,
                          HearthMachine      *machine,
                          const char         *snapshot_name,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SandboxOp *op;

  g_return_if_fail (HEARTH_IS_SANDBOX (self));
  g_return_if_fail (HEARTH_IS_MACHINE (machine));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_sandbox_set_async);

  if (!(op = sandbox_op_new (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  op->uuid = g_strdup (hearth_machine_get_uuid (machine));
  op->machine_name = g_strdup (hearth_machine_get_name (machine));
  op->snapshot_name = g_strdup (snapshot_name);
  g_task_set_task_data (task, op, (GDestroyNotify) sandbox_op_free);
  g_task_run_in_thread (task, set_worker);
}

/** hearth_sandbox_set_finish: Returns: %TRUE if the setting is stored */
gboolean
hearth_sandbox_set_finish (HearthSandbox *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  SandboxOp *op;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  op = g_task_get_task_data (G_TASK (result));
  if (take_in (self, op))
    set_choice (self, op->uuid, op->snapshot_name);
  return TRUE;
}

/* A libvirt connection for a worker, or why there is none (@connection may be
 * %NULL once it is gone). */
virConnectPtr
_hearth_snapshot_dup_virconn (HearthConnection *connection,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  virConnectPtr conn = connection ? _hearth_connection_dup_virconn (connection, &local_error)
                                  : NULL;

  if (conn == NULL)
    {
      if (local_error == NULL)
        g_set_error (&local_error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The connection is gone");
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return conn;
}

/* Tells snapshot trees that @uuid's snapshots changed behind their back (the
 * snapshot scheduler's worker); libvirt has no snapshot event. */
void
_hearth_sandbox_emit_snapshot_event (HearthSandbox *self,
                                     const char    *uuid)
{
  g_return_if_fail (HEARTH_IS_SANDBOX (self));
  g_signal_emit (self, signals[SNAPSHOT_EVENT], 0, uuid);
}
