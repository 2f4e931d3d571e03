/* hearth-idle-policy.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-idle"

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-alert-engine.h"
#include "hearth-core-private.h"
#include "hearth-idle-policy.h"
#include "hearth-metadata.h"

/**
 * HearthIdlePolicy:
 *
 * Suspends (managed save) a machine whose CPU use stays below a threshold
 * (#HearthIdlePolicy:threshold, percent of its vCPUs) for a while
 * (#HearthIdlePolicy:idle-time, 15 minutes by default), when the user opted
 * in for that machine. Starting the machine again restores it where it was.
 * Each suspension is audited ("idle-suspend") and announced with
 * #HearthIdlePolicy::suspended so the tile can say why the machine is saved.
 *
 * The opt-in lives in the domain's own metadata, in Hearth's namespace
 * (`<hearth:hearth xmlns:hearth="https://hearthvm.org/xmlns/hearth/1">
 * <hearth:idle-suspend enabled="yes"/></hearth:hearth>`), not in GSettings:
 * it is a property of the machine, so it follows the machine to another
 * computer or user, holds on remote connections, is seen by `hearthctl`, and
 * goes away with the machine (GSettings would keep stale UUIDs forever).
 * Other parts of Hearth keep their own elements there; writes keep them.
 *
 * The waiting is done by an internal #HearthAlertEngine (one "CPU below
 * threshold for idle-time" rule per opted-in machine), so episodes, gaps and
 * unknown values behave exactly like alerts. The policy holds the sampler only
 * while some machine is opted in.
 */

#define IDLE_ELEMENT "idle-suspend"

struct _HearthIdlePolicy
{
  GObject parent_instance;

  HearthStatsSampler *sampler;     /* owned */
  HearthConnection   *connection;  /* owned */
  HearthAlertEngine  *engine;      /* owned */
  double              threshold;
  guint               idle_time;
  gboolean            ready;
  guint               pending_reads;

  GHashTable         *enabled;     /* uuid set: opted in */
  GHashTable         *suspending;  /* uuid set: a save under way */
  GHashTable         *suspended;   /* uuid set: saved by this policy */
  GHashTable         *failed;      /* uuid set: the save failed this idle episode */
  GCancellable       *cancellable; /* owned; cancelled in dispose */
};

G_DEFINE_FINAL_TYPE (HearthIdlePolicy, hearth_idle_policy, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SAMPLER,
  PROP_THRESHOLD,
  PROP_IDLE_TIME,
  PROP_READY,
  N_PROPS
};

enum
{
  SUSPENDED,
  SUSPEND_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Worker side: the metadata ------------------------------------------------- */

typedef struct
{
  virConnectPtr conn;      /* owned reference */
  char         *uri;
  GStrv         uuids;     /* machines to read, or the one to write */
  char         *name;
  gboolean      enabled;   /* to write */
} MetaOp;

static void
meta_op_free (MetaOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_strfreev (op->uuids);
  g_free (op->name);
  g_free (op);
}

/* An element without "enabled" counts as yes, as older Hearths wrote it. */
static gboolean
read_opt_in (virDomainPtr domain)
{
  g_autofree char *value = NULL;

  if (!_hearth_metadata_has_element (domain, IDLE_ELEMENT))
    return FALSE;
  value = _hearth_metadata_dup_attribute (domain, IDLE_ELEMENT, "enabled");
  return value == NULL || strcmp (value, "yes") == 0;
}

static void
read_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  MetaOp *op = task_data;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; op->uuids[i] != NULL; i++)
    {
      g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (op->conn, op->uuids[i]);

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (domain == NULL)
        {
          virResetLastError ();
          continue;
        }
      if (read_opt_in (domain))
        g_strv_builder_add (builder, op->uuids[i]);
    }
  g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
}

/* Only Hearth's idle element changes; the siblings other parts of Hearth keep
 * (sandbox mode, say) stay, also when they change at the same moment. */
static gboolean
write_opt_in (virDomainPtr domain,
              gboolean     enabled,
              GError     **error)
{
  const char *attributes[] = { "enabled", "yes", NULL };

  if (!_hearth_metadata_set_element (domain, IDLE_ELEMENT, enabled ? attributes : NULL, error))
    {
      g_prefix_error (error, "Could not store the idle policy setting: ");
      return FALSE;
    }
  return TRUE;
}

static void
write_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  MetaOp *op = task_data;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuids[0])))
    _hearth_error_take_libvirt (&error, "Could not find the machine");
  else
    write_opt_in (domain, op->enabled, &error);

  hearth_audit_record (op->uri, op->name, op->uuids[0],
                       op->enabled ? "idle-policy-enable" : "idle-policy-disable", error,
                       hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
suspend_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  MetaOp *op = task_data;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  gint64 begin = hearth_now_usec ();
  int state = VIR_DOMAIN_NOSTATE;

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuids[0])))
    _hearth_error_take_libvirt (&error, "Could not find the machine");
  else if (virDomainGetState (domain, &state, NULL, 0) < 0)
    _hearth_error_take_libvirt (&error, "Could not read the machine's state");
  else if (state != VIR_DOMAIN_RUNNING)
    /* Someone paused or stopped it meanwhile: nothing to do. */
    g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                 "The machine “%s” is no longer running", op->name);
  else if (virDomainManagedSave (domain, 0) < 0)
    _hearth_error_take_libvirt (&error, "Could not save the idle machine");

  hearth_audit_record (op->uri, op->name, op->uuids[0], "idle-suspend", error,
                       hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Main thread ------------------------------------------------------------------ */

static GTask *
meta_task_new (HearthIdlePolicy   *self,
               GStrv               uuids,
               const char         *name,
               gpointer            source_tag,
               GCancellable       *cancellable,
               GAsyncReadyCallback callback,
               gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  virConnectPtr conn;
  MetaOp *op;

  g_task_set_source_tag (task, source_tag);
  if (!(conn = _hearth_connection_dup_virconn (self->connection, &error)))
    {
      g_strfreev (uuids);
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  op = g_new0 (MetaOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (self->connection));
  op->uuids = uuids;
  op->name = g_strdup (name);
  g_task_set_task_data (task, op, (GDestroyNotify) meta_op_free);
  return g_steal_pointer (&task);
}

static void
update_rules (HearthIdlePolicy *self)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_alert_rule_free);
  GHashTableIter iter;
  const char *uuid;

  /* One rule per opted-in machine, named after it. */
  g_hash_table_iter_init (&iter, self->enabled);
  while (g_hash_table_iter_next (&iter, (gpointer *) &uuid, NULL))
    {
      HearthAlertRule *rule = hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_BELOW,
                                                     self->threshold, self->idle_time, uuid);

      g_free (rule->id);
      rule->id = g_strdup (uuid);
      g_ptr_array_add (rules, rule);
    }
  hearth_alert_engine_set_rules (self->engine, rules);
}

static void
set_ready (HearthIdlePolicy *self)
{
  if (self->ready)
    return;
  self->ready = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_auto(GStrv) enabled = NULL;
  g_autoptr(GError) error = NULL;
  HearthIdlePolicy *self;
  MetaOp *op;

  enabled = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_IDLE_POLICY (source);
  op = g_task_get_task_data (G_TASK (result));
  if (error != NULL)
    g_debug ("Could not read idle policy settings: %s", error->message);
  else
    {
      /* Every machine read is now known to be in or out. */
      for (guint i = 0; op->uuids[i] != NULL; i++)
        {
          if (g_strv_contains ((const char *const *) enabled, op->uuids[i]))
            g_hash_table_add (self->enabled, g_strdup (op->uuids[i]));
          else
            g_hash_table_remove (self->enabled, op->uuids[i]);
        }
      update_rules (self);
    }

  if (--self->pending_reads == 0)
    set_ready (self);
}

static void
read_uuids (HearthIdlePolicy *self,
            GStrv             uuids)
{
  g_autoptr(GTask) task = NULL;

  self->pending_reads++;
  task = meta_task_new (self, uuids, NULL, read_uuids, self->cancellable, read_done_cb, NULL);
  if (task != NULL)
    g_task_run_in_thread (task, read_worker);
}

static void
on_machine_state_cb (HearthMachine    *machine,
                     GParamSpec       *pspec,
                     HearthIdlePolicy *self)
{
  /* The opt-in may have changed behind Hearth's back (hearthctl, another
   * Hearth, virsh): read it again whenever the machine starts. */
  if (hearth_machine_get_state (machine) == HEARTH_MACHINE_STATE_RUNNING)
    read_uuids (self, g_strdupv ((char *[]) { (char *) hearth_machine_get_uuid (machine), NULL }));
}

static void
read_machines (HearthIdlePolicy *self,
               GListModel       *machines,
               guint             position,
               guint             n_items)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = position; i < position + n_items; i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (machines, i);

      g_strv_builder_add (builder, hearth_machine_get_uuid (machine));
      g_signal_connect_object (machine, "notify::state", G_CALLBACK (on_machine_state_cb), self,
                               0);
    }
  read_uuids (self, g_strv_builder_end (builder));
}

static void
on_machines_changed_cb (GListModel       *machines,
                        guint             position,
                        guint             removed,
                        guint             added,
                        HearthIdlePolicy *self)
{
  if (added > 0)
    read_machines (self, machines, position, added);
}

static void
suspend_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HearthMachine) machine = user_data;
  g_autoptr(GError) error = NULL;
  HearthIdlePolicy *self;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_IDLE_POLICY (source);
  g_hash_table_remove (self->suspending, hearth_machine_get_uuid (machine));
  if (error != NULL)
    {
      /* Not again until the machine has been busy in between: a machine
       * that cannot be saved must not be tried (and audited) every tick. */
      g_hash_table_add (self->failed, g_strdup (hearth_machine_get_uuid (machine)));
      g_debug ("Idle suspension of %s failed: %s", hearth_machine_get_name (machine),
               error->message);
      g_signal_emit (self, signals[SUSPEND_FAILED], 0, machine, error);
      return;
    }

  g_hash_table_add (self->suspended, g_strdup (hearth_machine_get_uuid (machine)));
  g_signal_emit (self, signals[SUSPENDED], 0, machine);
}

static void
try_suspend (HearthIdlePolicy *self,
             const char       *uuid)
{
  HearthMachine *machine;
  g_autoptr(GTask) task = NULL;

  if (uuid == NULL || !g_hash_table_contains (self->enabled, uuid)
      || g_hash_table_contains (self->suspending, uuid)
      || g_hash_table_contains (self->failed, uuid))
    return;
  machine = hearth_connection_find_machine (self->connection, uuid);
  /* Never while the user is doing something with it; it is tried again on
   * the next tick while it stays idle. */
  if (machine == NULL || hearth_machine_get_state (machine) != HEARTH_MACHINE_STATE_RUNNING
      || hearth_machine_get_busy (machine))
    return;

  g_debug ("%s idle below %.1f %% for %u s: suspending", hearth_machine_get_name (machine),
           self->threshold, self->idle_time);
  task = meta_task_new (self, g_strdupv ((char *[]) { (char *) uuid, NULL }),
                        hearth_machine_get_name (machine), try_suspend, self->cancellable,
                        suspend_done_cb, g_object_ref (machine));
  if (task == NULL)
    return;
  g_hash_table_add (self->suspending, g_strdup (uuid));
  g_task_run_in_thread (task, suspend_worker);
}

static void
on_idle_fired_cb (HearthAlertEngine *engine,
                  HearthAlert       *alert,
                  HearthIdlePolicy  *self)
{
  try_suspend (self, hearth_alert_get_subject_uuid (alert));
}

static void
on_idle_cleared_cb (HearthAlertEngine *engine,
                    HearthAlert       *alert,
                    HearthIdlePolicy  *self)
{
  const char *uuid = hearth_alert_get_subject_uuid (alert);

  /* The idle episode is over (busy again, or stopped): a failed save may be
   * tried again in the next one. */
  if (uuid != NULL)
    g_hash_table_remove (self->failed, uuid);
}

static void
on_sampled_cb (HearthStatsSampler *sampler,
               HearthIdlePolicy   *self)
{
  GListModel *alerts = hearth_alert_engine_get_alerts (self->engine);
  guint n = g_list_model_get_n_items (alerts);

  /* Machines still idle whose suspension had to wait (busy, paused). */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthAlert) alert = g_list_model_get_item (alerts, i);

      if (hearth_alert_get_active (alert))
        try_suspend (self, hearth_alert_get_subject_uuid (alert));
    }
}

static void
hearth_idle_policy_constructed (GObject *object)
{
  HearthIdlePolicy *self = HEARTH_IDLE_POLICY (object);
  GListModel *machines;

  G_OBJECT_CLASS (hearth_idle_policy_parent_class)->constructed (object);

  self->connection = g_object_ref (hearth_stats_sampler_get_connection (self->sampler));
  hearth_alert_engine_attach_sampler (self->engine, self->sampler);
  /* After the engine's own handler, which updates the episodes. */
  g_signal_connect_object (self->sampler, "sampled", G_CALLBACK (on_sampled_cb), self, 0);

  machines = hearth_connection_get_machines (self->connection);
  g_signal_connect_object (machines, "items-changed", G_CALLBACK (on_machines_changed_cb), self,
                           0);
  if (g_list_model_get_n_items (machines) > 0)
    read_machines (self, machines, 0, g_list_model_get_n_items (machines));
  else
    set_ready (self);
}

static void
hearth_idle_policy_dispose (GObject *object)
{
  HearthIdlePolicy *self = HEARTH_IDLE_POLICY (object);

  g_cancellable_cancel (self->cancellable);
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      hearth_alert_engine_detach_sampler (self->engine, self->sampler);
    }
  g_clear_object (&self->engine);
  g_clear_object (&self->sampler);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hearth_idle_policy_parent_class)->dispose (object);
}

static void
hearth_idle_policy_finalize (GObject *object)
{
  HearthIdlePolicy *self = HEARTH_IDLE_POLICY (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->enabled, g_hash_table_unref);
  g_clear_pointer (&self->suspending, g_hash_table_unref);
  g_clear_pointer (&self->suspended, g_hash_table_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);

  G_OBJECT_CLASS (hearth_idle_policy_parent_class)->finalize (object);
}

static void
hearth_idle_policy_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HearthIdlePolicy *self = HEARTH_IDLE_POLICY (object);

  switch (prop_id)
    {
    case PROP_SAMPLER: g_value_set_object (value, self->sampler); break;
    case PROP_THRESHOLD: g_value_set_double (value, self->threshold); break;
    case PROP_IDLE_TIME: g_value_set_uint (value, self->idle_time); break;
    case PROP_READY: g_value_set_boolean (value, self->ready); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_idle_policy_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HearthIdlePolicy *self = HEARTH_IDLE_POLICY (object);

  switch (prop_id)
    {
    case PROP_SAMPLER: self->sampler = g_value_dup_object (value); break;
    case PROP_THRESHOLD: hearth_idle_policy_set_threshold (self, g_value_get_double (value)); break;
    case PROP_IDLE_TIME: hearth_idle_policy_set_idle_time (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_idle_policy_class_init (HearthIdlePolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hearth_idle_policy_constructed;
  object_class->dispose = hearth_idle_policy_dispose;
  object_class->finalize = hearth_idle_policy_finalize;
  object_class->get_property = hearth_idle_policy_get_property;
  object_class->set_property = hearth_idle_policy_set_property;

  /** HearthIdlePolicy:sampler: The sampler of the connection whose machines it watches. */
  properties[PROP_SAMPLER] = g_param_spec_object ("sampler", NULL, NULL,
                                                  HEARTH_TYPE_STATS_SAMPLER,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                  | G_PARAM_STATIC_STRINGS);
  /** HearthIdlePolicy:threshold: Idle means CPU below this, percent of the machine's vCPUs. */
  properties[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, 0, 100,
                                                    HEARTH_IDLE_POLICY_DEFAULT_THRESHOLD,
                                                    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                    | G_PARAM_STATIC_STRINGS);
  /** HearthIdlePolicy:idle-time: Seconds of idleness before suspending (default 900). */
  properties[PROP_IDLE_TIME] = g_param_spec_uint ("idle-time", NULL, NULL, 0, G_MAXUINT,
                                                  HEARTH_IDLE_POLICY_DEFAULT_IDLE_TIME,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  /** HearthIdlePolicy:ready: Whether the machines' opt-ins have been read. */
  properties[PROP_READY] = g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthIdlePolicy::suspended:
   * @machine: the machine
   *
   * The policy saved an idle machine (managed save); starting it resumes it.
   */
  signals[SUSPENDED] = g_signal_new ("suspended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, HEARTH_TYPE_MACHINE);
  /**
   * HearthIdlePolicy::suspend-failed:
   * @machine: the machine
   * @error: why
   *
   * Saving an idle machine failed (the UI may tell the user once).
   */
  signals[SUSPEND_FAILED] = g_signal_new ("suspend-failed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          HEARTH_TYPE_MACHINE, G_TYPE_ERROR);
}

static void
hearth_idle_policy_init (HearthIdlePolicy *self)
{
  self->threshold = HEARTH_IDLE_POLICY_DEFAULT_THRESHOLD;
  self->idle_time = HEARTH_IDLE_POLICY_DEFAULT_IDLE_TIME;
  self->engine = hearth_alert_engine_new ();
  self->cancellable = g_cancellable_new ();
  self->enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suspending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suspended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (self->engine, "fired", G_CALLBACK (on_idle_fired_cb), self);
  g_signal_connect (self->engine, "cleared", G_CALLBACK (on_idle_cleared_cb), self);
}

/**
 * hearth_idle_policy_new:
 * @sampler: the sampler of the connection to watch
 *
 * Reads which machines opted in (in a worker; see #HearthIdlePolicy:ready)
 * and starts watching them.
 *
 * Returns: (transfer full): a new policy
 */
HearthIdlePolicy *
hearth_idle_policy_new (HearthStatsSampler *sampler)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (sampler), NULL);
  g_return_val_if_fail (hearth_stats_sampler_get_connection (sampler) != NULL, NULL);

  return g_object_new (HEARTH_TYPE_IDLE_POLICY, "sampler", sampler, NULL);
}

/** hearth_idle_policy_get_sampler: Returns: (transfer none): the sampler */
HearthStatsSampler *
hearth_idle_policy_get_sampler (HearthIdlePolicy *self)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), NULL);
  return self->sampler;
}

double
hearth_idle_policy_get_threshold (HearthIdlePolicy *self)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), 0);
  return self->threshold;
}

/**
 * hearth_idle_policy_set_threshold:
 * @percent: idle means CPU use below this, percent of the machine's vCPUs
 */
void
hearth_idle_policy_set_threshold (HearthIdlePolicy *self,
                                  double            percent)
{
  g_return_if_fail (HEARTH_IS_IDLE_POLICY (self));

  if (self->threshold == percent)
    return;
  self->threshold = percent;
  update_rules (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

guint
hearth_idle_policy_get_idle_time (HearthIdlePolicy *self)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), 0);
  return self->idle_time;
}

/**
 * hearth_idle_policy_set_idle_time:
 * @seconds: how long a machine must stay idle before it is suspended
 */
void
hearth_idle_policy_set_idle_time (HearthIdlePolicy *self,
                                  guint             seconds)
{
  g_return_if_fail (HEARTH_IS_IDLE_POLICY (self));

  if (self->idle_time == seconds)
    return;
  self->idle_time = seconds;
  update_rules (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIME]);
}

gboolean
hearth_idle_policy_get_ready (HearthIdlePolicy *self)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), FALSE);
  return self->ready;
}

/**
 * hearth_idle_policy_get_machine_enabled:
 *
 * Returns: whether the user opted in to suspending @machine when idle
 */
gboolean
hearth_idle_policy_get_machine_enabled (HearthIdlePolicy *self,
                                        HearthMachine    *machine)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), FALSE);
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), FALSE);

  return g_hash_table_contains (self->enabled, hearth_machine_get_uuid (machine));
}

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;   /* the caller's task */
  g_autoptr(GError) error = NULL;
  HearthIdlePolicy *self = g_task_get_source_object (task);
  MetaOp *op = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (op->enabled)
    g_hash_table_add (self->enabled, g_strdup (op->uuids[0]));
  else
    g_hash_table_remove (self->enabled, op->uuids[0]);
  update_rules (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * hearth_idle_policy_set_machine_enabled_async:
 * @enabled: whether @machine may be suspended when idle
 *
 * Stores the opt-in in the machine's metadata (live and in its configuration)
 * and starts or stops watching it. Audited.
 */
void
hearth_idle_policy_set_machine_enabled_async (HearthIdlePolicy   *self,
                                              HearthMachine      *machine,
                                              gboolean            enabled,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) inner = NULL;

  g_return_if_fail (HEARTH_IS_IDLE_POLICY (self));
  g_return_if_fail (HEARTH_IS_MACHINE (machine));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_idle_policy_set_machine_enabled_async);

  /* The worker's task carries the machine's details; the caller's task is
   * completed once the cache is updated, on the main thread. */
  inner = meta_task_new (self, g_strdupv ((char *[]) { (char *) hearth_machine_get_uuid (machine),
                                                       NULL }),
                         hearth_machine_get_name (machine), write_worker, cancellable,
                         write_done_cb, g_object_ref (task));
  if (inner == NULL)
    return;
  ((MetaOp *) g_task_get_task_data (inner))->enabled = enabled;
  g_task_run_in_thread (inner, write_worker);
}

gboolean
hearth_idle_policy_set_machine_enabled_finish (HearthIdlePolicy *self,
                                               GAsyncResult     *result,
                                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hearth_idle_policy_was_suspended:
 *
 * Returns: whether @machine is saved because this policy found it idle (the
 *   tile says so until it runs again)
 */
gboolean
hearth_idle_policy_was_suspended (HearthIdlePolicy *self,
                                  HearthMachine    *machine)
{
  g_return_val_if_fail (HEARTH_IS_IDLE_POLICY (self), FALSE);
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), FALSE);

  return hearth_machine_get_state (machine) == HEARTH_MACHINE_STATE_SAVED
         && g_hash_table_contains (self->suspended, hearth_machine_get_uuid (machine));
}
