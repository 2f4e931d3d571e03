/* hearth-snapshot-scheduler.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-snapshot"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hearth-snapshot-private.h"
#include "hearth-snapshot-scheduler.h"

/**
 * HearthSnapshotScheduler:
 *
 * Scheduled snapshots for the machines of one connection. Each machine's schedule
 * (how often, how many to keep) lives in Hearth's domain metadata
 * (`<hearth:snapshot-schedule every="daily" keep="7"/>`), so it travels with the
 * machine and hearthctl sees it. While Hearth runs, a timer checks every machine
 * with a schedule once a minute, in a worker: a running machine whose newest
 * scheduled snapshot is older than its period gets a new one, and Hearth's own
 * snapshots beyond the newest N are deleted. Snapshots the user made or named,
 * and the sandbox snapshot, are never deleted (see
 * hearth_snapshot_tree_run_schedule_async()). A machine that is off does not
 * change, so it gets no scheduled snapshot.
 *
 * One per connection (hearth_snapshot_scheduler_get_for_connection()); the
 * application makes it when it opens the connection.
 *
 * For tests, `HEARTH_SNAPSHOT_HOUR_MS` shortens an hour (and so a day and a week)
 * to that many milliseconds; the check then runs four times an "hour".
 */
struct _HearthSnapshotScheduler
{
  GObject parent_instance;

  HearthConnection *connection;  /* weak pointer: the connection owns us */
  GHashTable       *schedules;   /* uuid → Schedule, main thread only */
  GHashTable       *failed_at;   /* uuid → gint64 (monotonic µs): the last failed run */
  GCancellable     *cancellable; /* owned; for the run under way */
  GTimeSpan         hour;        /* how long an hour is (shorter in tests) */
  guint             timeout_id;
  guint             generation;  /* bumped whenever the connection changes */
  gboolean          loaded;
  gboolean          running;
  gboolean          run_again;
};

G_DEFINE_FINAL_TYPE (HearthSnapshotScheduler, hearth_snapshot_scheduler, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LOADED,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define ELEMENT "snapshot-schedule"

typedef struct
{
  HearthSnapshotEvery every;
  guint               keep;
} Schedule;

static const char *every_names[] = {
  [HEARTH_SNAPSHOT_EVERY_NEVER] = "never",
  [HEARTH_SNAPSHOT_EVERY_HOUR] = "hourly",
  [HEARTH_SNAPSHOT_EVERY_DAY] = "daily",
  [HEARTH_SNAPSHOT_EVERY_WEEK] = "weekly",
};

typedef struct
{
  virConnectPtr       conn;       /* owned reference */
  char               *uri;
  GTimeSpan           hour;
  guint               generation;
  /* set */
  char               *uuid;
  char               *machine_name;
  HearthSnapshotEvery every;
  guint               keep;
  /* run: results */
  GHashTable         *schedules;  /* uuid → Schedule */
  GPtrArray          *changed;    /* uuids whose snapshots changed */
  GHashTable         *skip;       /* uuids that failed lately: not tried this time */
  GPtrArray          *failed;     /* uuids whose schedule failed now */
} SchedulerOp;

static void
scheduler_op_free (SchedulerOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->machine_name);
  g_clear_pointer (&op->schedules, g_hash_table_unref);
  g_clear_pointer (&op->changed, g_ptr_array_unref);
  g_clear_pointer (&op->skip, g_hash_table_unref);
  g_clear_pointer (&op->failed, g_ptr_array_unref);
  g_free (op);
}

static SchedulerOp *
scheduler_op_new (HearthSnapshotScheduler *self,
                  GError                 **error)
{
  SchedulerOp *op;
  virConnectPtr conn;

  if (!(conn = _hearth_snapshot_dup_virconn (self->connection, error)))
    return NULL;

  op = g_new0 (SchedulerOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (self->connection));
  op->hour = self->hour;
  op->generation = self->generation;
  return op;
}

static GTimeSpan
period (HearthSnapshotEvery every,
        GTimeSpan           hour)
{
  switch (every)
    {
    case HEARTH_SNAPSHOT_EVERY_HOUR: return hour;
    case HEARTH_SNAPSHOT_EVERY_DAY: return 24 * hour;
    case HEARTH_SNAPSHOT_EVERY_WEEK: return 7 * 24 * hour;
    case HEARTH_SNAPSHOT_EVERY_NEVER:
    default: return 0;
    }
}

/* Worker side ------------------------------------------------------------- */

static Schedule *
read_schedule (virDomainPtr domain)
{
  g_autofree char *every = _hearth_metadata_dup_attribute (domain, ELEMENT, "every");
  g_autofree char *keep = NULL;
  Schedule *schedule;
  guint64 count = HEARTH_SNAPSHOT_SCHEDULE_DEFAULT_KEEP;

  if (every == NULL)
    return NULL;

  schedule = g_new0 (Schedule, 1);
  for (guint i = 0; i < G_N_ELEMENTS (every_names); i++)
    if (g_strcmp0 (every, every_names[i]) == 0)
      schedule->every = i;
  keep = _hearth_metadata_dup_attribute (domain, ELEMENT, "keep");
  /* Hand-edited nonsense falls back to the default rather than deleting much. */
  if (keep == NULL || !g_ascii_string_to_unsigned (keep, 10, 1, HEARTH_SNAPSHOT_SCHEDULE_MAX_KEEP,
                                                   &count, NULL))
    count = HEARTH_SNAPSHOT_SCHEDULE_DEFAULT_KEEP;
  schedule->keep = count;

  if (schedule->every == HEARTH_SNAPSHOT_EVERY_NEVER)
    g_clear_pointer (&schedule, g_free);
  return schedule;
}

static void
run_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SchedulerOp *op = task_data;
  virDomainPtr *domains = NULL;
  int n;

  op->schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  op->changed = g_ptr_array_new_with_free_func (g_free);
  op->failed = g_ptr_array_new_with_free_func (g_free);

  if ((n = virConnectListAllDomains (op->conn, &domains, VIR_CONNECT_LIST_DOMAINS_PERSISTENT))
      < 0)
    {
      g_autoptr(GError) error = NULL;

      _hearth_error_take_libvirt (&error, "Could not list the machines");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      char uuid[VIR_UUID_STRING_BUFLEN];
      Schedule *schedule;
      gboolean changed = FALSE;

      if (g_cancellable_is_cancelled (cancellable) || virDomainGetUUIDString (domains[i], uuid) < 0
          || !(schedule = read_schedule (domains[i])))
        continue;
      g_hash_table_insert (op->schedules, g_strdup (uuid), schedule);

      /* A machine that is off does not change; its last snapshot still holds. */
      if (virDomainIsActive (domains[i]) != 1 || g_hash_table_contains (op->skip, uuid))
        continue;
      if (!_hearth_snapshot_schedule_sync (domains[i], op->uri, uuid,
                                           virDomainGetName (domains[i]),
                                           period (schedule->every, op->hour), schedule->keep,
                                           &changed, &error))
        {
          /* Audited already; the scheduler waits before trying this machine again. */
          g_debug ("The snapshot schedule of %s failed: %s", virDomainGetName (domains[i]),
                   error->message);
          g_ptr_array_add (op->failed, g_strdup (uuid));
        }
      if (changed)
        g_ptr_array_add (op->changed, g_strdup (uuid));
    }

  for (int i = 0; i < n; i++)
    virDomainFree (domains[i]);
  free (domains);
  virResetLastError ();
  g_task_return_boolean (task, TRUE);
}

static void
set_worker (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  SchedulerOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autofree char *keep = g_strdup_printf ("%u", op->keep);
  const char *attributes[] = { "every", every_names[op->every], "keep", keep, NULL };
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    _hearth_error_take_libvirt (&error, "Could not find the machine");
  else
    _hearth_metadata_set_element (domain, ELEMENT,
                                  op->every == HEARTH_SNAPSHOT_EVERY_NEVER ? NULL : attributes,
                                  &error);

  hearth_audit_record (op->uri, op->machine_name, op->uuid,
                       op->every == HEARTH_SNAPSHOT_EVERY_NEVER ? "snapshot-schedule-off"
                                                                : "snapshot-schedule-set",
                       error, hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Main thread ------------------------------------------------------------- */

static void
set_schedule (HearthSnapshotScheduler *self,
              const char              *uuid,
              const Schedule          *schedule)
{
  Schedule *old = g_hash_table_lookup (self->schedules, uuid);
  HearthMachine *machine;

  if ((old == NULL && schedule == NULL)
      || (old != NULL && schedule != NULL && old->every == schedule->every
          && old->keep == schedule->keep))
    return;

  if (schedule != NULL)
    g_hash_table_insert (self->schedules, g_strdup (uuid), g_memdup2 (schedule, sizeof *schedule));
  else
    g_hash_table_remove (self->schedules, uuid);

  if (self->connection && (machine = hearth_connection_find_machine (self->connection, uuid)))
    g_signal_emit (self, signals[CHANGED], 0, machine);
}

static void run (HearthSnapshotScheduler *self);

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  HearthSnapshotScheduler *self = HEARTH_SNAPSHOT_SCHEDULER (source);
  SchedulerOp *op = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) known = NULL;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;

  self->running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Scheduled snapshots did not run: %s", error->message);
  else if (op->generation == self->generation)
    {
      /* Schedules changed elsewhere (hearthctl, another Hearth) show here too. */
      known = g_hash_table_get_keys (self->schedules);
      for (GList *l = known; l; l = l->next)
        if (!g_hash_table_contains (op->schedules, l->data))
          {
            g_autofree char *uuid = g_strdup (l->data);

            set_schedule (self, uuid, NULL);
          }
      g_hash_table_iter_init (&iter, op->schedules);
      while (g_hash_table_iter_next (&iter, &key, &value))
        set_schedule (self, key, value);

      for (guint i = 0; i < op->failed->len; i++)
        g_hash_table_insert (self->failed_at, g_strdup (op->failed->pdata[i]),
                             g_memdup2 (&now, sizeof now));
      for (guint i = 0; i < op->changed->len; i++)
        g_hash_table_remove (self->failed_at, op->changed->pdata[i]);

      /* libvirt has no snapshot events: open timelines read their snapshots again. */
      if (self->connection != NULL)
        for (guint i = 0; i < op->changed->len; i++)
          _hearth_sandbox_emit_snapshot_event (
            hearth_sandbox_get_for_connection (self->connection), op->changed->pdata[i]);

      if (!self->loaded)
        {
          self->loaded = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
        }
    }

  if (self->run_again && self->connection != NULL)
    run (self);
}

static void
run (HearthSnapshotScheduler *self)
{
  g_autoptr(GTask) task = NULL;
  GHashTableIter iter;
  gpointer key, value;
  SchedulerOp *op;

  if (self->running)
    {
      self->run_again = TRUE;
      return;
    }
  self->run_again = FALSE;
  if (!(op = scheduler_op_new (self, NULL)))
    return;

  /* A machine whose schedule failed (a raw disk, say) is tried again after an
   * hour, not at every check: each failure is in the audit log. */
  op->skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->failed_at);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_get_monotonic_time () - *(gint64 *) value < self->hour)
      g_hash_table_add (op->skip, g_strdup (key));

  self->running = TRUE;
  /* The task holds a reference, so its result always finds the scheduler. */
  task = g_task_new (self, self->cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, run);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, op, (GDestroyNotify) scheduler_op_free);
  g_task_run_in_thread (task, run_worker);
}

static gboolean
tick_cb (gpointer user_data)
{
  run (user_data);
  return G_SOURCE_CONTINUE;
}

static void
stop (HearthSnapshotScheduler *self)
{
  self->generation++;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
}

static void
start (HearthSnapshotScheduler *self)
{
  /* Four checks an hour in tests, so a short hour still keeps time. */
  guint interval_ms = self->hour < G_TIME_SPAN_HOUR ? MAX (self->hour / 4000, 100) : 60 * 1000;

  stop (self);
  self->timeout_id = g_timeout_add (interval_ms, tick_cb, self);
  run (self);
}

static void
on_connection_state_cb (HearthConnection        *connection,
                        GParamSpec              *pspec,
                        HearthSnapshotScheduler *self)
{
  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED)
    start (self);
  else
    stop (self);
}

static void
hearth_snapshot_scheduler_dispose (GObject *object)
{
  HearthSnapshotScheduler *self = HEARTH_SNAPSHOT_SCHEDULER (object);

  stop (self);
  g_cancellable_cancel (self->cancellable);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
      self->connection = NULL;
    }

  G_OBJECT_CLASS (hearth_snapshot_scheduler_parent_class)->dispose (object);
}

static void
hearth_snapshot_scheduler_finalize (GObject *object)
{
  HearthSnapshotScheduler *self = HEARTH_SNAPSHOT_SCHEDULER (object);

  g_clear_pointer (&self->schedules, g_hash_table_unref);
  g_clear_pointer (&self->failed_at, g_hash_table_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hearth_snapshot_scheduler_parent_class)->finalize (object);
}

static void
hearth_snapshot_scheduler_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  HearthSnapshotScheduler *self = HEARTH_SNAPSHOT_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_LOADED: g_value_set_boolean (value, self->loaded); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_snapshot_scheduler_class_init (HearthSnapshotSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_snapshot_scheduler_dispose;
  object_class->finalize = hearth_snapshot_scheduler_finalize;
  object_class->get_property = hearth_snapshot_scheduler_get_property;

  /** HearthSnapshotScheduler:loaded: Whether the machines' schedules have been read. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthSnapshotScheduler::changed:
   * @machine: the machine
   *
   * The machine's schedule changed (here or in another program).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, HEARTH_TYPE_MACHINE);
}

static void
hearth_snapshot_scheduler_init (HearthSnapshotScheduler *self)
{
  const char *hour_ms = g_getenv ("HEARTH_SNAPSHOT_HOUR_MS");
  guint64 value = 0;

  self->schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->failed_at = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  self->hour = G_TIME_SPAN_HOUR;
  if (hour_ms != NULL && g_ascii_string_to_unsigned (hour_ms, 10, 100, G_MAXUINT32, &value, NULL))
    self->hour = value * G_TIME_SPAN_MILLISECOND;
}

/**
 * hearth_snapshot_scheduler_get_for_connection:
 * @connection: a #HearthConnection
 *
 * The scheduler of @connection, made on first use; it runs the schedules while
 * the connection is open and follows it through reconnects.
 *
 * Returns: (transfer none): the connection's scheduler
 */
HearthSnapshotScheduler *
hearth_snapshot_scheduler_get_for_connection (HearthConnection *connection)
{
  HearthSnapshotScheduler *self;

  g_return_val_if_fail (HEARTH_IS_CONNECTION (connection), NULL);

  if ((self = g_object_get_data (G_OBJECT (connection), "hearth-snapshot-scheduler")))
    return self;

  self = g_object_new (HEARTH_TYPE_SNAPSHOT_SCHEDULER, NULL);
  self->connection = connection;
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  g_object_set_data_full (G_OBJECT (connection), "hearth-snapshot-scheduler", self,
                          g_object_unref);
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_connection_state_cb), self);
  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED)
    start (self);

  return self;
}

/** hearth_snapshot_scheduler_get_loaded: Returns: whether the schedules have been read */
gboolean
hearth_snapshot_scheduler_get_loaded (HearthSnapshotScheduler *self)
{
  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_SCHEDULER (self), FALSE);
  return self->loaded;
}

/** hearth_snapshot_scheduler_get_every: Returns: how often @machine gets a snapshot */
HearthSnapshotEvery
hearth_snapshot_scheduler_get_every (HearthSnapshotScheduler *self,
                                     HearthMachine           *machine)
{
  Schedule *schedule;

  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_SCHEDULER (self), HEARTH_SNAPSHOT_EVERY_NEVER);
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), HEARTH_SNAPSHOT_EVERY_NEVER);

  schedule = g_hash_table_lookup (self->schedules, hearth_machine_get_uuid (machine));
  return schedule ? schedule->every : HEARTH_SNAPSHOT_EVERY_NEVER;
}

/**
 * hearth_snapshot_scheduler_get_keep:
 *
 * Returns: how many of Hearth's own snapshots of @machine the schedule keeps
 *   (%HEARTH_SNAPSHOT_SCHEDULE_DEFAULT_KEEP without a schedule)
 */
guint
hearth_snapshot_scheduler_get_keep (HearthSnapshotScheduler *self,
                                    HearthMachine           *machine)
{
  Schedule *schedule;

  g_return_val_if_fail (HEARTH_IS_SNAPSHOT_SCHEDULER (self), 0);
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), 0);

  schedule = g_hash_table_lookup (self->schedules, hearth_machine_get_uuid (machine));
  return schedule ? schedule->keep : HEARTH_SNAPSHOT_SCHEDULE_DEFAULT_KEEP;
}

/**
 * hearth_snapshot_scheduler_set_async:
 * @machine: a machine of the scheduler's connection
 * @every: how often to take a snapshot, or %HEARTH_SNAPSHOT_EVERY_NEVER
 * @keep: how many of Hearth's own snapshots to keep, 1 to
 *   %HEARTH_SNAPSHOT_SCHEDULE_MAX_KEEP; snapshots the user named are never counted
 *   nor deleted
 *
 * Stores @machine's schedule in its metadata and applies it at once: a running
 * machine without a recent scheduled snapshot gets one now.
 */
void
hearth_snapshot_scheduler_set_async (HearthSnapshotScheduler *self,
                                     HearthMachine           *machine,
                                     HearthSnapshotEvery      every,
                                     guint                    keep,
                                     GCancellable            *cancellable,
                                     GAsyncReadyCallback      callback,
                                     gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SchedulerOp *op;

  g_return_if_fail (HEARTH_IS_SNAPSHOT_SCHEDULER (self));
  g_return_if_fail (HEARTH_IS_MACHINE (machine));
  g_return_if_fail (every <= HEARTH_SNAPSHOT_EVERY_WEEK);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_snapshot_scheduler_set_async);

  if (!(op = scheduler_op_new (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  op->uuid = g_strdup (hearth_machine_get_uuid (machine));
  op->machine_name = g_strdup (hearth_machine_get_name (machine));
  op->every = every;
  op->keep = CLAMP (keep, 1, HEARTH_SNAPSHOT_SCHEDULE_MAX_KEEP);
  g_task_set_task_data (task, op, (GDestroyNotify) scheduler_op_free);
  g_task_run_in_thread (task, set_worker);
}

/** hearth_snapshot_scheduler_set_finish: Returns: %TRUE if the schedule is stored */
gboolean
hearth_snapshot_scheduler_set_finish (HearthSnapshotScheduler *self,
                                      GAsyncResult            *result,
                                      GError                 **error)
{
  SchedulerOp *op;
  Schedule schedule;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  op = g_task_get_task_data (G_TASK (result));
  schedule.every = op->every;
  schedule.keep = op->keep;
  set_schedule (self, op->uuid, op->every == HEARTH_SNAPSHOT_EVERY_NEVER ? NULL : &schedule);
  /* A new schedule is tried at once, whatever happened before. */
  g_hash_table_remove (self->failed_at, op->uuid);
  run (self);
  return TRUE;
}

/**
 * hearth_snapshot_scheduler_run_now:
 *
 * Checks every schedule now rather than at the next tick (the timer does this
 * on its own; for tests and after a change).
 */
void
hearth_snapshot_scheduler_run_now (HearthSnapshotScheduler *self)
{
  g_return_if_fail (HEARTH_IS_SNAPSHOT_SCHEDULER (self));
  run (self);
}
