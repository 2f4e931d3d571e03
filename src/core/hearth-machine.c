/* hearth-machine.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-machine"

#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "hearth-core-private.h"

/**
 * HearthMachine:
 *
 * One libvirt domain as Hearth shows it. Its properties are kept current by the
 * owning #HearthConnection from libvirt's events; nothing polls. All methods are
 * for the main thread; the blocking libvirt calls behind them run in workers.
 */
struct _HearthMachine
{
  GObject parent_instance;

  HearthConnection  *connection;   /* weak pointer: the connection owns us */
  char              *uuid;
  char              *name;
  char              *title;
  char              *description;
  char              *os_id;
  HearthMachineState state;
  HearthStateReason  state_reason;
  guint              vcpus;
  guint64            memory;       /* bytes */
  gboolean           persistent;
  gboolean           autostart;
  guint              busy_count;   /* operations under way */
};

G_DEFINE_FINAL_TYPE (HearthMachine, hearth_machine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTION,
  PROP_UUID,
  PROP_NAME,
  PROP_TITLE,
  PROP_DISPLAY_NAME,
  PROP_DESCRIPTION,
  PROP_OS_ID,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_VCPUS,
  PROP_MEMORY,
  PROP_PERSISTENT,
  PROP_AUTOSTART,
  PROP_BUSY,
  N_PROPS
};

enum
{
  REBOOTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* What a worker needs, copied on the main thread so the worker never touches the
 * machine itself. */
typedef struct
{
  virConnectPtr       conn;        /* owned reference */
  char               *uri;
  char               *uuid;
  char               *name;
  HearthMachineAction action;
  HearthDeleteFlags   flags;
} MachineOp;

static void
machine_op_free (MachineOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->name);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MachineOp, machine_op_free)

static const char *action_names[] = {
  [HEARTH_MACHINE_ACTION_START] = "start",
  [HEARTH_MACHINE_ACTION_SHUTDOWN] = "shutdown",
  [HEARTH_MACHINE_ACTION_REBOOT] = "reboot",
  [HEARTH_MACHINE_ACTION_FORCE_OFF] = "force-off",
  [HEARTH_MACHINE_ACTION_PAUSE] = "pause",
  [HEARTH_MACHINE_ACTION_RESUME] = "resume",
  [HEARTH_MACHINE_ACTION_SAVE] = "save",
};

static gboolean
set_string (char      **field,
            const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
op_completed_cb (GTask         *task,
                 GParamSpec    *pspec,
                 HearthMachine *self)
{
  g_assert (self->busy_count > 0);

  if (--self->busy_count == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_object_unref (self);
}

/* Creates the task for an operation on the machine: copies what the worker needs
 * and marks the machine busy until the task completes. Returns NULL (having
 * completed the task with an error) when the connection is not open. */
static GTask *
machine_task_new (HearthMachine      *self,
                  gpointer            source_tag,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data,
                  MachineOp         **op_out)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  MachineOp *op;
  virConnectPtr conn;

  g_task_set_source_tag (task, source_tag);

  if (self->connection == NULL
      || !(conn = _hearth_connection_dup_virconn (self->connection, &error)))
    {
      if (error == NULL)
        g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The machine's connection is gone");
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  op = g_new0 (MachineOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (self->connection));
  op->uuid = g_strdup (self->uuid);
  op->name = g_strdup (self->name);
  g_task_set_task_data (task, op, (GDestroyNotify) machine_op_free);

  if (self->busy_count++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_signal_connect (task, "notify::completed", G_CALLBACK (op_completed_cb),
                    g_object_ref (self));

  *op_out = op;
  return g_steal_pointer (&task);
}

static virDomainPtr
lookup_domain (MachineOp *op,
               GError   **error)
{
  virDomainPtr domain = virDomainLookupByUUIDString (op->conn, op->uuid);

  if (domain == NULL)
    _hearth_error_take_libvirt (error, "Could not find the machine");
  return domain;
}

static gboolean
run_action (MachineOp    *op,
            virDomainPtr  domain,
            GError      **error)
{
  int active = virDomainIsActive (domain);
  int state = VIR_DOMAIN_NOSTATE;
  int ret = 0;

  virDomainGetState (domain, &state, NULL, 0);

  switch (op->action)
    {
    case HEARTH_MACHINE_ACTION_START:
      if (active == 1)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_ALREADY_RUNNING,
                       "The machine “%s” is already running", op->name);
          return FALSE;
        }
      /* virDomainCreate restores a managed save image when there is one. */
      ret = virDomainCreate (domain);
      break;

    case HEARTH_MACHINE_ACTION_SHUTDOWN:
    case HEARTH_MACHINE_ACTION_REBOOT:
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
    case HEARTH_MACHINE_ACTION_PAUSE:
    case HEARTH_MACHINE_ACTION_SAVE:
    case HEARTH_MACHINE_ACTION_RESUME:
      if (active != 1)
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_RUNNING,
                       "The machine “%s” is not running", op->name);
          return FALSE;
        }
      if (op->action == HEARTH_MACHINE_ACTION_SHUTDOWN)
        ret = virDomainShutdown (domain);
      else if (op->action == HEARTH_MACHINE_ACTION_REBOOT)
        ret = virDomainReboot (domain, 0);
      else if (op->action == HEARTH_MACHINE_ACTION_FORCE_OFF)
        ret = virDomainDestroy (domain);
      else if (op->action == HEARTH_MACHINE_ACTION_PAUSE)
        ret = virDomainSuspend (domain);
      else if (op->action == HEARTH_MACHINE_ACTION_SAVE)
        ret = virDomainManagedSave (domain, 0);
      else if (state == VIR_DOMAIN_PMSUSPENDED)
        ret = virDomainPMWakeup (domain, 0);
      else
        ret = virDomainResume (domain);
      break;

    default:
      g_assert_not_reached ();
    }

  if (ret < 0)
    {
      g_autofree char *what = g_strdup_printf ("Could not %s “%s”", action_names[op->action],
                                               op->name);
      _hearth_error_take_libvirt (error, what);
      return FALSE;
    }

  return TRUE;
}

static void
run_action_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  MachineOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  gint64 begin = hearth_now_usec ();

  if (g_task_return_error_if_cancelled (task))
    return;

  if ((domain = lookup_domain (op, &error)))
    run_action (op, domain, &error);

  hearth_audit_record (op->uri, op->name, op->uuid, action_names[op->action], error,
                       hearth_now_usec () - begin);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
hearth_machine_dispose (GObject *object)
{
  HearthMachine *self = HEARTH_MACHINE (object);

  if (self->connection != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
  self->connection = NULL;

  G_OBJECT_CLASS (hearth_machine_parent_class)->dispose (object);
}

static void
hearth_machine_finalize (GObject *object)
{
  HearthMachine *self = HEARTH_MACHINE (object);

  g_free (self->uuid);
  g_free (self->name);
  g_free (self->title);
  g_free (self->description);
  g_free (self->os_id);

  G_OBJECT_CLASS (hearth_machine_parent_class)->finalize (object);
}

static void
hearth_machine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HearthMachine *self = HEARTH_MACHINE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION: g_value_set_object (value, self->connection); break;
    case PROP_UUID: g_value_set_string (value, self->uuid); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, hearth_machine_get_display_name (self)); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_OS_ID: g_value_set_string (value, self->os_id); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_STATE_REASON: g_value_set_enum (value, self->state_reason); break;
    case PROP_VCPUS: g_value_set_uint (value, self->vcpus); break;
    case PROP_MEMORY: g_value_set_uint64 (value, self->memory); break;
    case PROP_PERSISTENT: g_value_set_boolean (value, self->persistent); break;
    case PROP_AUTOSTART: g_value_set_boolean (value, self->autostart); break;
    case PROP_BUSY: g_value_set_boolean (value, self->busy_count > 0); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_class_init (HearthMachineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = hearth_machine_dispose;
  object_class->finalize = hearth_machine_finalize;
  object_class->get_property = hearth_machine_get_property;

  /**
   * HearthMachine:connection:
   *
   * The connection the machine belongs to, or %NULL once it is gone.
   */
  properties[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL,
                                                     HEARTH_TYPE_CONNECTION, ro);
  /** HearthMachine:uuid: The domain's UUID, which never changes. */
  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  /** HearthMachine:name: The domain's libvirt name. */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  /** HearthMachine:title: The domain's short title, if it has one. */
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  /** HearthMachine:display-name: The title when there is one, else the name. */
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, ro);
  /** HearthMachine:description: The domain's description, if any. */
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, ro);
  /** HearthMachine:os-id: The libosinfo OS id from the domain metadata, if any. */
  properties[PROP_OS_ID] = g_param_spec_string ("os-id", NULL, NULL, NULL, ro);
  /** HearthMachine:state: The machine's state. */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, HEARTH_TYPE_MACHINE_STATE,
                                              HEARTH_MACHINE_STATE_UNKNOWN, ro);
  /** HearthMachine:state-reason: Why the machine is in its state. */
  properties[PROP_STATE_REASON] = g_param_spec_enum ("state-reason", NULL, NULL,
                                                     HEARTH_TYPE_STATE_REASON,
                                                     HEARTH_STATE_REASON_UNKNOWN, ro);
  /** HearthMachine:vcpus: The current number of virtual CPUs. */
  properties[PROP_VCPUS] = g_param_spec_uint ("vcpus", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /** HearthMachine:memory: The current memory, in bytes. */
  properties[PROP_MEMORY] = g_param_spec_uint64 ("memory", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  /** HearthMachine:persistent: Whether the machine is defined (not transient). */
  properties[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  /** HearthMachine:autostart: Whether the machine starts with the host. */
  properties[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  /** HearthMachine:busy: Whether an operation on the machine is under way. */
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthMachine::rebooted:
   *
   * The guest rebooted (a console may want to reconnect).
   */
  signals[REBOOTED] = g_signal_new ("rebooted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_machine_init (HearthMachine *self)
{
}

HearthMachine *
_hearth_machine_new (HearthConnection *connection,
                     HearthDomainInfo *info)
{
  HearthMachine *self = g_object_new (HEARTH_TYPE_MACHINE, NULL);

  self->connection = connection;
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  self->uuid = g_strdup (info->uuid);
  _hearth_machine_update (self, info);

  return self;
}

/* Applies a fresh domain snapshot, notifying only what changed. */
void
_hearth_machine_update (HearthMachine    *self,
                        HearthDomainInfo *info)
{
  GObject *object = G_OBJECT (self);
  const char *old_display = hearth_machine_get_display_name (self);
  g_autofree char *old_display_copy = g_strdup (old_display);
  HearthMachineState state = _hearth_machine_state_from_libvirt (info->state,
                                                                 info->has_managed_save);
  HearthStateReason reason = _hearth_state_reason_from_libvirt (info->state, info->reason);
  guint64 memory = info->memory_kib * 1024;

  g_object_freeze_notify (object);

  if (set_string (&self->name, info->name))
    g_object_notify_by_pspec (object, properties[PROP_NAME]);
  if (set_string (&self->title, info->title))
    g_object_notify_by_pspec (object, properties[PROP_TITLE]);
  if (g_strcmp0 (old_display_copy, hearth_machine_get_display_name (self)) != 0)
    g_object_notify_by_pspec (object, properties[PROP_DISPLAY_NAME]);
  if (set_string (&self->description, info->description))
    g_object_notify_by_pspec (object, properties[PROP_DESCRIPTION]);
  if (set_string (&self->os_id, info->os_id))
    g_object_notify_by_pspec (object, properties[PROP_OS_ID]);
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (object, properties[PROP_STATE]);
    }
  if (self->state_reason != reason)
    {
      self->state_reason = reason;
      g_object_notify_by_pspec (object, properties[PROP_STATE_REASON]);
    }
  if (self->vcpus != info->vcpus)
    {
      self->vcpus = info->vcpus;
      g_object_notify_by_pspec (object, properties[PROP_VCPUS]);
    }
  if (self->memory != memory)
    {
      self->memory = memory;
      g_object_notify_by_pspec (object, properties[PROP_MEMORY]);
    }
  if (self->persistent != info->persistent)
    {
      self->persistent = info->persistent;
      g_object_notify_by_pspec (object, properties[PROP_PERSISTENT]);
    }
  if (self->autostart != info->autostart)
    {
      self->autostart = info->autostart;
      g_object_notify_by_pspec (object, properties[PROP_AUTOSTART]);
    }

  g_object_thaw_notify (object);
}

/* Applies the state a lifecycle event implies right away, before the refresh that
 * follows every event reads the whole domain again. */
void
_hearth_machine_set_event_state (HearthMachine *self,
                                 int            event,
                                 int            detail)
{
  HearthMachineState state = self->state;

  switch (event)
    {
    case VIR_DOMAIN_EVENT_STARTED:
    case VIR_DOMAIN_EVENT_RESUMED:
      state = HEARTH_MACHINE_STATE_RUNNING;
      break;
    case VIR_DOMAIN_EVENT_SUSPENDED:
      state = HEARTH_MACHINE_STATE_PAUSED;
      break;
    case VIR_DOMAIN_EVENT_STOPPED:
      state = detail == VIR_DOMAIN_EVENT_STOPPED_SAVED ? HEARTH_MACHINE_STATE_SAVED
                                                       : HEARTH_MACHINE_STATE_SHUTOFF;
      break;
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      if (detail != VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED)
        state = HEARTH_MACHINE_STATE_SHUTTING_DOWN;
      break;
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
      state = HEARTH_MACHINE_STATE_SUSPENDED;
      break;
    case VIR_DOMAIN_EVENT_CRASHED:
      state = HEARTH_MACHINE_STATE_CRASHED;
      break;
    default:
      break;
    }

  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

void
_hearth_machine_emit_rebooted (HearthMachine *self)
{
  g_signal_emit (self, signals[REBOOTED], 0);
}

/**
 * hearth_machine_get_connection:
 * @self: a #HearthMachine
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL once it is gone
 */
HearthConnection *
hearth_machine_get_connection (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->connection;
}

/** hearth_machine_get_uuid: Returns: (transfer none): the UUID */
const char *
hearth_machine_get_uuid (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->uuid;
}

/** hearth_machine_get_name: Returns: (transfer none): the libvirt name */
const char *
hearth_machine_get_name (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->name;
}

/** hearth_machine_get_title: Returns: (transfer none) (nullable): the title */
const char *
hearth_machine_get_title (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->title;
}

/** hearth_machine_get_display_name: Returns: (transfer none): the title, else the name */
const char *
hearth_machine_get_display_name (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->title != NULL ? self->title : self->name;
}

/** hearth_machine_get_description: Returns: (transfer none) (nullable): the description */
const char *
hearth_machine_get_description (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->description;
}

/** hearth_machine_get_os_id: Returns: (transfer none) (nullable): the libosinfo OS id */
const char *
hearth_machine_get_os_id (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), NULL);
  return self->os_id;
}

/** hearth_machine_get_state: Returns: the state */
HearthMachineState
hearth_machine_get_state (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), HEARTH_MACHINE_STATE_UNKNOWN);
  return self->state;
}

/** hearth_machine_get_state_reason: Returns: why the machine is in its state */
HearthStateReason
hearth_machine_get_state_reason (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), HEARTH_STATE_REASON_UNKNOWN);
  return self->state_reason;
}

/** hearth_machine_get_vcpus: Returns: the current number of vCPUs */
guint
hearth_machine_get_vcpus (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), 0);
  return self->vcpus;
}

/** hearth_machine_get_memory: Returns: the current memory in bytes */
guint64
hearth_machine_get_memory (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), 0);
  return self->memory;
}

/** hearth_machine_get_persistent: Returns: whether the machine is defined */
gboolean
hearth_machine_get_persistent (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), FALSE);
  return self->persistent;
}

/** hearth_machine_get_autostart: Returns: whether the machine starts with the host */
gboolean
hearth_machine_get_autostart (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), FALSE);
  return self->autostart;
}

/** hearth_machine_get_busy: Returns: whether an operation is under way */
gboolean
hearth_machine_get_busy (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), FALSE);
  return self->busy_count > 0;
}

/** hearth_machine_is_active: Returns: whether the machine has a running (or paused) process */
gboolean
hearth_machine_is_active (HearthMachine *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), FALSE);

  switch (self->state)
    {
    case HEARTH_MACHINE_STATE_RUNNING:
    case HEARTH_MACHINE_STATE_PAUSED:
    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
    case HEARTH_MACHINE_STATE_SUSPENDED:
    case HEARTH_MACHINE_STATE_CRASHED:
      return TRUE;
    default:
      return FALSE;
    }
}

/**
 * hearth_machine_can_run_action:
 * @self: a #HearthMachine
 * @action: an action
 *
 * Tells whether the machine's current state allows @action, for enabling buttons and
 * menu items. The operation itself checks again, so a stale answer is harmless.
 *
 * Returns: %TRUE if @action makes sense now
 */
gboolean
hearth_machine_can_run_action (HearthMachine      *self,
                               HearthMachineAction action)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (self), FALSE);

  if (self->connection == NULL
      || hearth_connection_get_state (self->connection) != HEARTH_CONNECTION_STATE_CONNECTED)
    return FALSE;

  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      return self->state == HEARTH_MACHINE_STATE_SHUTOFF || self->state == HEARTH_MACHINE_STATE_SAVED
             || self->state == HEARTH_MACHINE_STATE_CRASHED;
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
    case HEARTH_MACHINE_ACTION_REBOOT:
    case HEARTH_MACHINE_ACTION_SAVE:
      return self->state == HEARTH_MACHINE_STATE_RUNNING;
    case HEARTH_MACHINE_ACTION_PAUSE:
      return self->state == HEARTH_MACHINE_STATE_RUNNING;
    case HEARTH_MACHINE_ACTION_RESUME:
      return self->state == HEARTH_MACHINE_STATE_PAUSED
             || self->state == HEARTH_MACHINE_STATE_SUSPENDED;
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      return hearth_machine_is_active (self);
    default:
      return FALSE;
    }
}

/**
 * hearth_machine_action_to_string:
 * @action: an action
 *
 * Returns: (transfer none): the action's name as written in the audit log
 */
const char *
hearth_machine_action_to_string (HearthMachineAction action)
{
  g_return_val_if_fail (action <= HEARTH_MACHINE_ACTION_SAVE, NULL);
  return action_names[action];
}

/**
 * hearth_machine_run_action_async:
 * @self: a #HearthMachine
 * @action: what to do
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the operation is done
 * @user_data: data for @callback
 *
 * Starts, shuts down (ACPI), reboots, forces off, pauses, resumes or saves (managed
 * save) the machine. The new state arrives through the machine's properties from
 * libvirt's events; the callback only says whether libvirt accepted the request.
 */
void
hearth_machine_run_action_async (HearthMachine      *self,
                                 HearthMachineAction action,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  MachineOp *op = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (self));
  g_return_if_fail (action <= HEARTH_MACHINE_ACTION_SAVE);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (!(task = machine_task_new (self, hearth_machine_run_action_async, cancellable, callback,
                                 user_data, &op)))
    return;

  op->action = action;
  g_task_run_in_thread (task, run_action_worker);
}

/**
 * hearth_machine_run_action_finish:
 *
 * Returns: %TRUE if libvirt carried out the action
 */
gboolean
hearth_machine_run_action_finish (HearthMachine *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Fills in pool membership and sizes. Files outside pools are measured with stat()
 * only when the connection is local, since a remote path means nothing here. */
static void
inspect_storage (virConnectPtr conn,
                 GPtrArray    *items,
                 gboolean      local)
{
  for (guint i = 0; i < items->len; i++)
    {
      HearthStorageItem *item = g_ptr_array_index (items, i);
      g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (conn, item->path);
      virStorageVolInfo info;
      GStatBuf st;

      if (vol != NULL)
        {
          item->in_pool = TRUE;
          if (virStorageVolGetInfo (vol, &info) == 0)
            {
              item->capacity = info.capacity;
              item->allocation = info.allocation;
            }
        }
      else if (local && g_stat (item->path, &st) == 0)
        {
          item->capacity = st.st_size;
          item->allocation = (guint64) st.st_blocks * 512;
        }
      virResetLastError ();
    }
}

static void
list_storage_worker (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  MachineOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autofree char *xml = NULL;
  GPtrArray *items;
  int local = virConnectIsEncrypted (op->conn) == 0 && virConnectIsSecure (op->conn) == 1;

  if (!(domain = lookup_domain (op, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE)))
    {
      _hearth_error_take_libvirt (&error, "Could not read the machine's configuration");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(items = _hearth_domain_disks_parse (xml, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  inspect_storage (op->conn, items, local);
  g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * hearth_machine_list_storage_async:
 *
 * Lists the machine's disk images, with their sizes and whether they belong to a
 * storage pool, for a delete dialog.
 */
void
hearth_machine_list_storage_async (HearthMachine      *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  MachineOp *op = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (self));

  if (!(task = machine_task_new (self, hearth_machine_list_storage_async, cancellable, callback,
                                 user_data, &op)))
    return;
  g_task_run_in_thread (task, list_storage_worker);
}

/**
 * hearth_machine_list_storage_finish:
 *
 * Returns: (transfer full) (element-type HearthStorageItem): the disks, or %NULL
 */
GPtrArray *
hearth_machine_list_storage_finish (HearthMachine *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Reads the XML of every snapshot, parents before children, so an undo can
 * redefine them in order. */
static GStrv
dup_snapshot_xmls (virDomainPtr domain,
                   char       **current_name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  virDomainSnapshotPtr *snapshots = NULL;
  int n = virDomainListAllSnapshots (domain, &snapshots, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);

  if (n < 0)
    {
      virResetLastError ();
      return NULL;
    }

  for (int i = 0; i < n; i++)
    {
      char *xml = virDomainSnapshotGetXMLDesc (snapshots[i], VIR_DOMAIN_SNAPSHOT_XML_SECURE);

      if (xml == NULL)
        virResetLastError ();
      else
        g_strv_builder_add (builder, xml);
      free (xml);
      if (virDomainSnapshotIsCurrent (snapshots[i], 0) == 1)
        *current_name = g_strdup (virDomainSnapshotGetName (snapshots[i]));
      virDomainSnapshotFree (snapshots[i]);
    }
  free (snapshots);

  return g_strv_builder_end (builder);
}

static void
delete_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  MachineOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(GPtrArray) storage = NULL;
  g_auto(GStrv) snapshot_xmls = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *current_snapshot = NULL;
  gint64 begin = hearth_now_usec ();
  gboolean persistent;
  int local = virConnectIsEncrypted (op->conn) == 0 && virConnectIsSecure (op->conn) == 1;
  guint undefine_flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                         | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
                         | VIR_DOMAIN_UNDEFINE_KEEP_NVRAM | VIR_DOMAIN_UNDEFINE_KEEP_TPM;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!(domain = lookup_domain (op, &error)))
    goto out;

  persistent = virDomainIsPersistent (domain) == 1;

  /* Keep everything an undo needs: the secure inactive XML (so passwords of
   * graphics survive) and the snapshot metadata. */
  xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
  if (xml == NULL)
    {
      virResetLastError ();
      xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE);
    }
  if (xml == NULL)
    {
      _hearth_error_take_libvirt (&error, "Could not read the machine's configuration");
      goto out;
    }
  if (!(storage = _hearth_domain_disks_parse (xml, &error)))
    goto out;
  inspect_storage (op->conn, storage, local);
  if (persistent)
    snapshot_xmls = dup_snapshot_xmls (domain, &current_snapshot);

  if (virDomainIsActive (domain) == 1 && virDomainDestroy (domain) < 0)
    {
      _hearth_error_take_libvirt (&error, "Could not force off the machine before deleting it");
      goto out;
    }

  if (persistent && virDomainUndefineFlags (domain, undefine_flags) < 0)
    {
      virErrorPtr verr = virGetLastError ();

      /* Drivers that do not know some of the flags (the test driver, older
       * daemons) are asked again with the ones every driver accepts. */
      if (verr && (verr->code == VIR_ERR_INVALID_ARG || verr->code == VIR_ERR_NO_SUPPORT))
        {
          virResetLastError ();
          if (virDomainUndefineFlags (domain, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                                              | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) == 0)
            goto undefined;
        }
      _hearth_error_take_libvirt (&error, "Could not delete the machine");
      goto out;
    }

undefined:
  {
    HearthDeletion *deletion = NULL;

    /* The snapshot XML list records which snapshot was current as its last element
     * name, so undo can mark it current again. */
    if (snapshot_xmls != NULL && current_snapshot != NULL)
      {
        gsize n = g_strv_length (snapshot_xmls);

        snapshot_xmls = g_renew (char *, snapshot_xmls, n + 2);
        snapshot_xmls[n] = g_strconcat ("current:", current_snapshot, NULL);
        snapshot_xmls[n + 1] = NULL;
      }

    deletion = _hearth_deletion_new (op->name, op->uuid, xml, snapshot_xmls, storage,
                                     op->flags, persistent);
    hearth_audit_record (op->uri, op->name, op->uuid, "delete", NULL, hearth_now_usec () - begin);
    g_task_return_pointer (task, deletion, g_object_unref);
    return;
  }

out:
  hearth_audit_record (op->uri, op->name, op->uuid, "delete", error, hearth_now_usec () - begin);
  g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * hearth_machine_delete_async:
 * @self: a #HearthMachine
 * @flags: which disk images the later commit deletes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the machine is gone
 * @user_data: data for @callback
 *
 * Deletes the machine: a running machine is forced off first, then it is undefined
 * (with its managed save image and snapshot metadata, which the deletion keeps for
 * an undo). Disk images are left alone until hearth_deletion_commit_async(), so the
 * deletion can be undone with hearth_deletion_undo_async() until then.
 */
void
hearth_machine_delete_async (HearthMachine      *self,
                             HearthDeleteFlags   flags,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  MachineOp *op = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (self));

  if (!(task = machine_task_new (self, hearth_machine_delete_async, cancellable, callback,
                                 user_data, &op)))
    return;
  op->flags = flags;
  g_task_run_in_thread (task, delete_worker);
}

/**
 * hearth_machine_delete_finish:
 *
 * Returns: (transfer full): the deletion, to undo or commit, or %NULL on error
 */
HearthDeletion *
hearth_machine_delete_finish (HearthMachine *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  HearthDeletion *deletion;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  deletion = g_task_propagate_pointer (G_TASK (result), error);
  if (deletion == NULL)
    return NULL;

  /* The worker cannot touch GObjects it does not own; the connection is attached
   * here, on the main thread, and the machine leaves its model at once rather than
   * waiting for libvirt's undefine event. */
  _hearth_deletion_set_connection (deletion, self->connection);
  if (self->connection != NULL)
    _hearth_connection_remove_uuid (self->connection, self->uuid);

  return deletion;
}

static void
dup_xml_worker (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  MachineOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  char *xml;

  if (!(domain = lookup_domain (op, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!(xml = virDomainGetXMLDesc (domain, 0)))
    {
      _hearth_error_take_libvirt (&error, "Could not read the machine's configuration");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, xml, free);
}

/**
 * hearth_machine_dup_xml_async:
 *
 * Reads the machine's current domain XML.
 */
void
hearth_machine_dup_xml_async (HearthMachine      *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  MachineOp *op = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (self));

  if (!(task = machine_task_new (self, hearth_machine_dup_xml_async, cancellable, callback,
                                 user_data, &op)))
    return;
  g_task_run_in_thread (task, dup_xml_worker);
}

/**
 * hearth_machine_dup_xml_finish:
 *
 * Returns: (transfer full): the domain XML, or %NULL on error
 */
char *
hearth_machine_dup_xml_finish (HearthMachine *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
open_graphics_worker (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  MachineOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  gint64 begin = hearth_now_usec ();
  int fd = -1;

  if ((domain = lookup_domain (op, &error)))
    {
      fd = virDomainOpenGraphicsFD (domain, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
      if (fd < 0)
        _hearth_error_take_libvirt (&error, "Could not connect to the machine's screen");
    }

  hearth_audit_record (op->uri, op->name, op->uuid, "open-graphics", error,
                       hearth_now_usec () - begin);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, fd);
}

/**
 * hearth_machine_open_graphics_fd_async:
 *
 * Opens a socket connected to the machine's graphics server through
 * virDomainOpenGraphicsFD, so no TCP port is needed. Works for local connections
 * only; the machine must be running.
 */
void
hearth_machine_open_graphics_fd_async (HearthMachine      *self,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  MachineOp *op = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (self));

  if (!(task = machine_task_new (self, hearth_machine_open_graphics_fd_async, cancellable,
                                 callback, user_data, &op)))
    return;
  g_task_run_in_thread (task, open_graphics_worker);
}

/**
 * hearth_machine_open_graphics_fd_finish:
 *
 * Returns: a file descriptor the caller owns, or -1 on error
 */
int
hearth_machine_open_graphics_fd_finish (HearthMachine *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}
