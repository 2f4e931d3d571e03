/* hearth-window-actions.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-window"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-delete-dialog.h"
#include "hearth-machine-settings-window.h"
#include "hearth-timeline-window.h"
#include "hearth-ui-utils.h"
#include "hearth-window-private.h"

/* The machine.* actions of HearthWindow. They act on the selected machine; the
 * context menu selects the machine it was opened on first. */

typedef struct
{
  HearthWindow        *self;         /* unowned; valid unless cancellable is cancelled */
  GCancellable        *cancellable;  /* owned */
  HearthMachineAction  action;
} ActionRequest;

static void
action_request_free (ActionRequest *request)
{
  g_clear_object (&request->cancellable);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActionRequest, action_request_free)

static const struct {
  const char          *name;
  HearthMachineAction  action;
} machine_actions[] = {
  { "machine.start", HEARTH_MACHINE_ACTION_START },
  { "machine.shutdown", HEARTH_MACHINE_ACTION_SHUTDOWN },
  { "machine.reboot", HEARTH_MACHINE_ACTION_REBOOT },
  { "machine.force-off", HEARTH_MACHINE_ACTION_FORCE_OFF },
  { "machine.pause", HEARTH_MACHINE_ACTION_PAUSE },
  { "machine.resume", HEARTH_MACHINE_ACTION_RESUME },
  { "machine.save", HEARTH_MACHINE_ACTION_SAVE },
};

static gboolean
connection_is_up (HearthWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  HearthConnection *connection;

  if (!HEARTH_IS_APPLICATION (app))
    return FALSE;

  connection = hearth_application_get_connection (HEARTH_APPLICATION (app));
  return connection != NULL &&
         hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_CONNECTED;
}

/* The one place that decides which machine actions are enabled. */
void
_hearth_window_actions_update (HearthWindow *self)
{
  HearthMachine *machine = _hearth_window_get_selected_machine (self);
  gboolean usable;

  usable = machine != NULL && connection_is_up (self) && !hearth_machine_get_busy (machine);

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), machine_actions[i].name,
                                   usable && hearth_machine_can_run_action (machine,
                                                                            machine_actions[i].action));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "machine.open",
                                 machine != NULL && connection_is_up (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "machine.delete", usable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "machine.settings",
                                 machine != NULL && connection_is_up (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "machine.snapshots",
                                 machine != NULL && connection_is_up (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "machine.resources",
                                 machine != NULL && connection_is_up (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-menu", machine != NULL);
}

static void
on_action_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ActionRequest) request = user_data;
  HearthMachine *machine = HEARTH_MACHINE (object);
  g_autoptr(GError) error = NULL;
  const char *name;
  gboolean ok;

  ok = hearth_machine_run_action_finish (machine, result, &error);

  /* The window is gone (or going): touch nothing of it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (request->cancellable))
    return;

  name = hearth_machine_get_display_name (machine);
  if (ok)
    {
      g_autofree char *title = hearth_ui_action_done_toast (request->action, name);

      hearth_window_add_toast (request->self, adw_toast_new (title));
    }
  else
    {
      g_autofree char *heading = hearth_ui_action_failed_heading (request->action, name);

      hearth_ui_show_error_dialog (GTK_WIDGET (request->self), heading, error);
    }
}

static void
run_action (HearthWindow        *self,
            HearthMachine       *machine,
            HearthMachineAction  action)
{
  ActionRequest *request = g_new0 (ActionRequest, 1);

  request->self = self;
  request->cancellable = g_object_ref (self->cancellable);
  request->action = action;

  g_debug ("Running %s on %s", hearth_machine_action_to_string (action),
           hearth_machine_get_name (machine));
  hearth_machine_run_action_async (machine, action, self->cancellable,
                                   on_action_done_cb, request);
}

static void
on_force_off_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          HearthWindow     *self)
{
  HearthMachine *machine = g_object_get_data (G_OBJECT (dialog), "machine");

  if (g_strcmp0 (response, "force-off") == 0 &&
      hearth_machine_can_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF))
    run_action (self, machine, HEARTH_MACHINE_ACTION_FORCE_OFF);
}

static void
confirm_force_off (HearthWindow  *self,
                   HearthMachine *machine)
{
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  heading = g_strdup_printf (_("Force Off “%s”?"), hearth_machine_get_display_name (machine));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading,
                                                       _("This is like pulling the power plug: "
                                                         "the machine stops at once and unsaved "
                                                         "work in it is lost. Shut Down asks the "
                                                         "machine to stop safely instead.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "force-off", _("_Force Off"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "force-off", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "machine", g_object_ref (machine), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_force_off_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
machine_action_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthMachine *machine = _hearth_window_get_selected_machine (self);

  if (machine == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    {
      if (g_strcmp0 (machine_actions[i].name, action_name) != 0)
        continue;

      if (machine_actions[i].action == HEARTH_MACHINE_ACTION_FORCE_OFF)
        confirm_force_off (self, machine);
      else
        run_action (self, machine, machine_actions[i].action);
      return;
    }
}

/* Deletion ----------------------------------------------------------------- */

#define DISPLAY_NAME_KEY "hearth-display-name"

/* The name the user knew the machine by (its title, if it had one). */
static const char *
get_deletion_display_name (HearthDeletion *deletion)
{
  const char *name = g_object_get_data (G_OBJECT (deletion), DISPLAY_NAME_KEY);

  return name ? name : hearth_deletion_get_name (deletion);
}

static void
on_commit_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GApplication) app = user_data;  /* owned: held until the disks are gone */
  HearthDeletion *deletion = HEARTH_DELETION (object);
  g_autoptr(GError) error = NULL;

  if (!hearth_deletion_commit_finish (deletion, result, &error))
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
      g_autofree char *heading = NULL;

      g_warning ("Deleting the disk images of %s failed: %s",
                 hearth_deletion_get_name (deletion), error->message);
      heading = g_strdup_printf (_("Could Not Delete the Disk Images of “%s”"),
                                 get_deletion_display_name (deletion));
      if (window != NULL)
        hearth_ui_show_error_dialog (GTK_WIDGET (window), heading, error);
    }

  g_application_release (app);
}

static void
commit_deletion (HearthWindow   *self,
                 HearthDeletion *deletion)
{
  g_autoptr(HearthDeletion) owned = g_object_ref (deletion);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (self->pending_deletions == NULL || !g_ptr_array_remove (self->pending_deletions, deletion))
    return;

  /* A window being destroyed has already left its application. */
  if (app == NULL)
    app = g_application_get_default ();

  /* Keep the application alive until the images are deleted, even when this
   * runs because the last window is closing. */
  g_application_hold (app);
  hearth_deletion_commit_async (owned, NULL, on_commit_done_cb, g_object_ref (app));
}

void
_hearth_window_commit_deletions (HearthWindow *self)
{
  while (self->pending_deletions != NULL && self->pending_deletions->len > 0)
    commit_deletion (self, g_ptr_array_index (self->pending_deletions, 0));
}

static void
on_undo_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ActionRequest) request = user_data;
  HearthDeletion *deletion = HEARTH_DELETION (object);
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(GError) error = NULL;

  machine = hearth_deletion_undo_finish (deletion, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (request->cancellable))
    return;

  if (machine != NULL)
    {
      g_autofree char *title = NULL;

      title = g_strdup_printf (_("“%s” restored"), get_deletion_display_name (deletion));
      hearth_window_add_toast (request->self, adw_toast_new (title));
    }
  else
    {
      g_autofree char *heading = NULL;

      heading = g_strdup_printf (_("Could Not Restore “%s”"),
                                 get_deletion_display_name (deletion));
      hearth_ui_show_error_dialog (GTK_WIDGET (request->self), heading, error);
    }
}

static void
on_delete_toast_undo_cb (AdwToast     *toast,
                         HearthWindow *self)
{
  HearthDeletion *deletion = g_object_get_data (G_OBJECT (toast), "deletion");
  g_autoptr(HearthDeletion) owned = g_object_ref (deletion);
  ActionRequest *request;

  if (self->pending_deletions == NULL || !g_ptr_array_remove (self->pending_deletions, deletion))
    return;

  request = g_new0 (ActionRequest, 1);
  request->self = self;
  request->cancellable = g_object_ref (self->cancellable);
  hearth_deletion_undo_async (owned, self->cancellable, on_undo_done_cb, request);
}

static void
on_delete_toast_dismissed_cb (AdwToast     *toast,
                              HearthWindow *self)
{
  /* Dismissed without Undo (or after it, when the deletion is no longer pending). */
  commit_deletion (self, g_object_get_data (G_OBJECT (toast), "deletion"));
}

static void
on_delete_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ActionRequest) request = user_data;
  HearthMachine *machine = HEARTH_MACHINE (object);
  g_autoptr(HearthDeletion) deletion = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  HearthWindow *self;
  AdwToast *toast;

  deletion = hearth_machine_delete_finish (machine, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (request->cancellable))
    {
      /* The window closed while deleting: the user did not get to undo. */
      if (deletion != NULL)
        hearth_deletion_commit_async (deletion, NULL, NULL, NULL);
      return;
    }

  self = request->self;
  if (deletion == NULL)
    {
      g_autofree char *heading = NULL;

      heading = g_strdup_printf (_("Could Not Delete “%s”"),
                                 hearth_machine_get_display_name (machine));
      hearth_ui_show_error_dialog (GTK_WIDGET (self), heading, error);
      return;
    }

  g_object_set_data_full (G_OBJECT (deletion), DISPLAY_NAME_KEY,
                          g_strdup (hearth_machine_get_display_name (machine)), g_free);
  title = g_strdup_printf (_("“%s” deleted"), get_deletion_display_name (deletion));
  toast = adw_toast_new (title);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 5);
  if (hearth_deletion_get_can_undo (deletion))
    {
      adw_toast_set_button_label (toast, _("_Undo"));
      g_signal_connect_object (toast, "button-clicked",
                               G_CALLBACK (on_delete_toast_undo_cb), self, 0);
    }
  g_object_set_data_full (G_OBJECT (toast), "deletion", g_object_ref (deletion), g_object_unref);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_delete_toast_dismissed_cb), self, 0);

  g_ptr_array_add (self->pending_deletions, g_object_ref (deletion));
  hearth_window_add_toast (self, toast);
}

static void
on_delete_response_cb (HearthDeleteDialog *dialog,
                       const char         *response,
                       HearthWindow       *self)
{
  HearthMachine *machine = hearth_delete_dialog_get_machine (dialog);
  ActionRequest *request;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  request = g_new0 (ActionRequest, 1);
  request->self = self;
  request->cancellable = g_object_ref (self->cancellable);
  hearth_machine_delete_async (machine, hearth_delete_dialog_get_flags (dialog),
                               self->cancellable, on_delete_done_cb, request);
}

static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthMachine *machine = _hearth_window_get_selected_machine (self);
  HearthDeleteDialog *dialog;

  if (machine == NULL)
    return;

  dialog = hearth_delete_dialog_new (GTK_WINDOW (self), machine);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The machine's history, in a window of its own; one per machine. */
static void
snapshots_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthMachine *machine = _hearth_window_get_selected_machine (self);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (machine == NULL)
    return;

  for (GList *l = app ? gtk_application_get_windows (app) : NULL; l != NULL; l = l->next)
    if (HEARTH_IS_TIMELINE_WINDOW (l->data) &&
        hearth_timeline_window_get_machine (l->data) == machine)
      {
        gtk_window_present (l->data);
        return;
      }

  gtk_window_present (GTK_WINDOW (hearth_timeline_window_new (GTK_WINDOW (self), machine)));
}

/* The machine's charts, idle policy and limits: the application's
 * app.machine-stats window, one per machine. */
static void
resources_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HearthMachine *machine = _hearth_window_get_selected_machine (HEARTH_WINDOW (widget));

  if (machine != NULL)
    gtk_widget_activate_action (widget, "app.machine-stats", "s",
                                hearth_machine_get_uuid (machine));
}

/* Settings ----------------------------------------------------------------- */

static void
settings_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthMachine *machine = _hearth_window_get_selected_machine (self);
  HearthMachineSettingsWindow *window;

  if (machine == NULL)
    return;

  /* One settings window per machine: bring an open one to the front. */
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    {
      if (HEARTH_IS_MACHINE_SETTINGS_WINDOW (l->data)
          && hearth_machine_settings_window_get_machine (l->data) == machine)
        {
          gtk_window_present (GTK_WINDOW (l->data));
          g_list_free (l);
          return;
        }
    }

  window = hearth_machine_settings_window_new (machine);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_application (GTK_WINDOW (window),
                              gtk_window_get_application (GTK_WINDOW (self)));
  gtk_window_present (GTK_WINDOW (window));
}

/* Opening ------------------------------------------------------------------ */

void
_hearth_window_open_machine (HearthWindow  *self,
                             HearthMachine *machine)
{
  /* Opening a machine that is off starts it, as a double click on a computer's
   * icon would; the console shows it booting. A paused machine opens paused: its
   * page offers Resume. */
  if (!hearth_machine_get_busy (machine)
      && hearth_machine_can_run_action (machine, HEARTH_MACHINE_ACTION_START))
    run_action (self, machine, HEARTH_MACHINE_ACTION_START);

  _hearth_window_show_console (self, machine);
}

static void
open_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthMachine *machine = _hearth_window_get_selected_machine (self);

  if (machine != NULL)
    _hearth_window_open_machine (self, machine);
}

void
_hearth_window_class_init_actions (GtkWidgetClass *widget_class)
{
  for (guint i = 0; i < G_N_ELEMENTS (machine_actions); i++)
    gtk_widget_class_install_action (widget_class, machine_actions[i].name, NULL,
                                     machine_action_activated);
  gtk_widget_class_install_action (widget_class, "machine.open", NULL, open_activated);
  gtk_widget_class_install_action (widget_class, "machine.delete", NULL, delete_activated);
  gtk_widget_class_install_action (widget_class, "machine.settings", NULL, settings_activated);
  gtk_widget_class_install_action (widget_class, "machine.snapshots", NULL, snapshots_activated);
  gtk_widget_class_install_action (widget_class, "machine.resources", NULL, resources_activated);

  /* Pause and Resume share Ctrl+P: only the one that is enabled runs. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "machine.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "machine.shutdown", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "machine.reboot", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "machine.force-off", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "machine.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "machine.resume", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "machine.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0,
                                       "machine.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK,
                                       "machine.settings", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "machine.settings", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK,
                                       "machine.snapshots", NULL);
}
