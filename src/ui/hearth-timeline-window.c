/* hearth-timeline-window.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-timeline"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-timeline-view.h"
#include "hearth-timeline-window.h"
#include "hearth-ui-utils.h"

/**
 * HearthTimelineWindow:
 *
 * The history of one machine: its snapshots as a timeline (#HearthTimelineView),
 * the details of the selected one, and the timeline.* actions: take a snapshot,
 * go back to one, rename it, delete it, and use it for sandbox mode; and the
 * machine's automatic snapshots (#HearthSnapshotScheduler), in a popover. Operations
 * run in the machine's #HearthSnapshotTree; a failure is shown in place, above
 * the timeline, with what to do about it.
 *
 * Below NARROW_WIDTH the time axis turns vertical and the detail buttons go
 * under the title (libadwaita 1.2 has no breakpoints).
 */

#define NARROW_WIDTH 640

struct _HearthTimelineWindow
{
  AdwWindow parent_instance;

  /* Owned, main thread only. */
  HearthMachine      *machine;
  HearthSnapshotTree *tree;
  HearthSandbox      *sandbox;
  HearthSnapshotScheduler *scheduler;
  GCancellable       *cancellable;
  GSignalGroup       *selected_signals;
  guint               pulse_id;
  guint               orientation_id;
  guint               keep_id;          /* the spin button settles before it is stored */
  gboolean            updating_switch;
  gboolean            updating_schedule;

  /* Template children. */
  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkWidget          *take_button;
  GtkProgressBar     *progress_bar;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_heading;
  GtkLabel           *error_body;
  GtkLabel           *error_detail;
  GtkStack           *stack;
  HearthTimelineView *view;
  GtkBox             *details_header;
  GtkLabel           *title_label;
  GtkLabel           *when_label;
  AdwActionRow       *state_row;
  AdwActionRow       *notes_row;
  AdwActionRow       *sandbox_row;
  GtkSwitch          *sandbox_switch;
  GtkMenuButton      *schedule_button;
  AdwComboRow        *schedule_row;
  AdwActionRow       *keep_row;
  GtkSpinButton      *keep_spin;
};

G_DEFINE_FINAL_TYPE (HearthTimelineWindow, hearth_timeline_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MACHINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Errors, in place --------------------------------------------------------- */

static const char *
explain (const GError *error)
{
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
    return _("This machine cannot have snapshots as it is set up now, for example because a "
             "disk is a raw image. Convert its disks to the QCOW2 format to use snapshots.");
  return hearth_ui_error_explanation (error);
}

static void
show_error (HearthTimelineWindow *self,
            const char           *heading,
            const GError         *error)
{
  gboolean has_detail = error != NULL && error->message != NULL && *error->message != '\0';

  /* What to do, in the user's language; the core's own message is the detail. */
  gtk_label_set_label (self->error_heading, heading);
  gtk_label_set_label (self->error_body, explain (error));
  gtk_label_set_label (self->error_detail, has_detail ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_detail), has_detail);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

static void
on_error_dismiss_clicked_cb (HearthTimelineWindow *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

/* State -------------------------------------------------------------------- */

static void
update_actions (HearthTimelineWindow *self)
{
  HearthSnapshot *selected = hearth_timeline_view_get_selected (self->view);
  gboolean ready = hearth_snapshot_tree_get_loaded (self->tree) &&
                   !hearth_snapshot_tree_get_busy (self->tree);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.take", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.revert", ready && selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.rename", ready && selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.delete", ready && selected);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sandbox_switch), ready && selected);
}

static void
update_sandbox_switch (HearthTimelineWindow *self)
{
  HearthSnapshot *selected = hearth_timeline_view_get_selected (self->view);
  const char *chosen = hearth_sandbox_get_snapshot_name (self->sandbox, self->machine);
  gboolean active;

  active = selected != NULL && hearth_sandbox_is_enabled (self->sandbox, self->machine) &&
           g_strcmp0 (chosen, hearth_snapshot_get_name (selected)) == 0;

  self->updating_switch = TRUE;
  gtk_switch_set_active (self->sandbox_switch, active);
  self->updating_switch = FALSE;
}

static void
update_details (HearthTimelineWindow *self)
{
  HearthSnapshot *selected = hearth_timeline_view_get_selected (self->view);
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *when_text = NULL;
  g_autofree char *full = NULL;
  const char *state = NULL;
  const char *origin = NULL;
  const char *notes;

  update_actions (self);
  update_sandbox_switch (self);

  if (selected == NULL)
    {
      gtk_label_set_label (self->title_label, _("No Snapshot Selected"));
      gtk_label_set_label (self->when_label, "");
      adw_action_row_set_subtitle (self->state_row, "");
      adw_action_row_set_subtitle (self->notes_row, "");
      return;
    }

  gtk_label_set_label (self->title_label, hearth_timeline_snapshot_title (selected));

  switch (hearth_snapshot_get_origin (selected))
    {
    case HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC:
      origin = _("Automatic, before a settings change");
      break;
    case HEARTH_SNAPSHOT_ORIGIN_SCHEDULED:
      origin = _("Scheduled");
      break;
    case HEARTH_SNAPSHOT_ORIGIN_USER:
    default:
      origin = _("Named snapshot");
      break;
    }

  /* One line under the title: when, who made it, and whether the machine is there. */
  if ((when = hearth_snapshot_dup_creation_date (selected)))
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (when);

      /* Translators: the full date and time of a snapshot, for g_date_time_format(). */
      full = g_date_time_format (local, _("%A, %-d %B %Y, %H:%M"));
    }
  when_text = g_strjoin (" · ", full ? full : _("Unknown time"), origin,
                         hearth_snapshot_get_current (selected) ? _("You are here") : NULL,
                         NULL);
  gtk_label_set_label (self->when_label, when_text);

  switch (hearth_snapshot_get_state (selected))
    {
    case HEARTH_SNAPSHOT_STATE_RUNNING:
      state = _("With memory: going back here continues the machine running from this moment");
      break;
    case HEARTH_SNAPSHOT_STATE_PAUSED:
      state = _("With memory: going back here leaves the machine paused at this moment");
      break;
    case HEARTH_SNAPSHOT_STATE_SHUTOFF:
      state = _("Disks only, taken while the machine was shut off");
      break;
    case HEARTH_SNAPSHOT_STATE_DISK_ONLY:
    default:
      state = _("Disks only: going back here leaves the machine shut off");
      break;
    }
  adw_action_row_set_subtitle (self->state_row, state);

  notes = hearth_snapshot_get_description (selected);
  adw_action_row_set_subtitle (self->notes_row, notes && *notes ? notes : _("No notes"));
}

static gboolean
pulse_cb (gpointer user_data)
{
  HearthTimelineWindow *self = user_data;

  gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void
update_progress (HearthTimelineWindow *self)
{
  gboolean busy = hearth_snapshot_tree_get_busy (self->tree);
  double progress = hearth_snapshot_tree_get_progress (self->tree);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);

  if (busy && progress < 0)
    {
      if (self->pulse_id == 0)
        self->pulse_id = g_timeout_add (100, pulse_cb, self);
    }
  else
    {
      g_clear_handle_id (&self->pulse_id, g_source_remove);
      gtk_progress_bar_set_fraction (self->progress_bar, busy ? progress : 0);
    }
  update_actions (self);
}

static void
update_page (HearthTimelineWindow *self)
{
  GListModel *snapshots = hearth_snapshot_tree_get_snapshots (self->tree);
  const GError *error = hearth_snapshot_tree_get_error (self->tree);

  if (!hearth_snapshot_tree_get_loaded (self->tree))
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (g_list_model_get_n_items (snapshots) == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "timeline") != 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "timeline");
      /* Start where the machine is now: the current snapshot, on screen and focused. */
      hearth_timeline_view_focus_selected (self->view);
    }

  /* The empty page has its own Take Snapshot button; one is enough. */
  gtk_widget_set_visible (self->take_button,
                          g_strcmp0 (gtk_stack_get_visible_child_name (self->stack),
                                     "empty") != 0);

  if (error != NULL)
    show_error (self, _("Could Not Read the Snapshots"), error);

  update_actions (self);
}

static void
on_tree_changed_cb (HearthTimelineWindow *self)
{
  update_page (self);
  update_details (self);
}

static void
on_sandbox_changed_cb (HearthSandbox        *sandbox,
                       HearthMachine        *machine,
                       HearthTimelineWindow *self)
{
  if (machine == self->machine)
    update_sandbox_switch (self);
}

static void
on_sandbox_restored_cb (HearthSandbox        *sandbox,
                        HearthMachine        *machine,
                        const GError         *error,
                        HearthTimelineWindow *self)
{
  if (machine != self->machine)
    return;

  if (error != NULL)
    show_error (self, _("Could Not Return to the Sandbox Snapshot"), error);
  else
    adw_toast_overlay_add_toast (self->toast_overlay,
                                 adw_toast_new (_("The machine returned to its sandbox snapshot")));
}

static void
update_title (HearthTimelineWindow *self)
{
  g_autofree char *title = g_strdup_printf (_("History of “%s”"),
                                            hearth_machine_get_display_name (self->machine));

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
}

/* Narrow windows ------------------------------------------------------------ */

static gboolean
apply_orientation_cb (gpointer user_data)
{
  HearthTimelineWindow *self = user_data;
  gboolean narrow = gtk_widget_get_width (GTK_WIDGET (self)) < NARROW_WIDTH;

  self->orientation_id = 0;
  hearth_timeline_view_set_orientation (self->view, narrow ? GTK_ORIENTATION_VERTICAL
                                                           : GTK_ORIENTATION_HORIZONTAL);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->details_header),
                                  narrow ? GTK_ORIENTATION_VERTICAL
                                         : GTK_ORIENTATION_HORIZONTAL);
  return G_SOURCE_REMOVE;
}

static void
hearth_timeline_window_size_allocate (GtkWidget *widget,
                                      int        width,
                                      int        height,
                                      int        baseline)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (widget);
  gboolean narrow = width < NARROW_WIDTH;
  gboolean vertical = hearth_timeline_view_get_orientation (self->view) ==
                      GTK_ORIENTATION_VERTICAL;

  GTK_WIDGET_CLASS (hearth_timeline_window_parent_class)->size_allocate (widget, width, height,
                                                                         baseline);

  /* Changing the layout re-measures; do it after this allocation, not inside it. */
  if (narrow != vertical && self->orientation_id == 0)
    self->orientation_id = g_idle_add (apply_orientation_cb, self);
}

/* Operations ---------------------------------------------------------------- */

typedef struct
{
  HearthTimelineWindow *self;        /* unowned; valid unless cancellable is cancelled */
  GCancellable         *cancellable; /* owned */
  HearthSnapshot       *snapshot;    /* owned, nullable: the snapshot acted on */
  char                 *title;       /* owned: its title, for messages */
} Request;

static Request *
request_new (HearthTimelineWindow *self,
             HearthSnapshot       *snapshot)
{
  Request *request = g_new0 (Request, 1);

  request->self = self;
  request->cancellable = g_object_ref (self->cancellable);
  request->snapshot = snapshot ? g_object_ref (snapshot) : NULL;
  request->title = snapshot ? g_strdup (hearth_timeline_snapshot_title (snapshot)) : NULL;
  return request;
}

static void
request_free (Request *request)
{
  g_clear_object (&request->cancellable);
  g_clear_object (&request->snapshot);
  g_free (request->title);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static gboolean
request_is_gone (Request      *request,
                 const GError *error)
{
  /* The window is gone (or going): touch nothing of it. */
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_cancellable_is_cancelled (request->cancellable);
}

static void
on_take_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  if (request_is_gone (request, error))
    return;

  if (snapshot == NULL)
    {
      show_error (request->self, _("Could Not Take a Snapshot"), error);
      return;
    }

  hearth_timeline_view_set_selected (request->self->view, snapshot);
  hearth_timeline_view_focus_selected (request->self->view);
  text = g_strdup_printf (_("Snapshot “%s” taken"), hearth_timeline_snapshot_title (snapshot));
  adw_toast_overlay_add_toast (request->self->toast_overlay, adw_toast_new (text));
}

static char *
suggest_title (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  /* Translators: the title suggested for a new snapshot, for g_date_time_format(). */
  return g_date_time_format (now, _("%-d %B %Y, %H:%M"));
}

static void
on_take_response_cb (AdwMessageDialog     *dialog,
                     const char           *response,
                     HearthTimelineWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "hearth-entry");
  g_autofree char *title = NULL;

  if (g_strcmp0 (response, "take") != 0)
    return;

  title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  if (*title == '\0')
    {
      g_free (title);
      title = suggest_title ();
    }

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  hearth_snapshot_tree_create_async (self->tree, title, NULL, self->cancellable,
                                     on_take_done_cb, request_new (self, NULL));
}

static void
on_entry_activate_cb (GtkEntry         *entry,
                      AdwMessageDialog *dialog)
{
  const char *response = adw_message_dialog_get_default_response (dialog);

  if (response != NULL && adw_message_dialog_get_response_enabled (dialog, response))
    {
      adw_message_dialog_response (dialog, response);
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static AdwMessageDialog *
new_dialog (HearthTimelineWindow *self,
            const char           *heading,
            const char           *body)
{
  return ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
}

static GtkWidget *
new_entry (AdwMessageDialog *dialog,
           const char       *text,
           const char       *accessible_name)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
  g_signal_connect (entry, "activate", G_CALLBACK (on_entry_activate_cb), dialog);
  g_object_set_data (G_OBJECT (dialog), "hearth-entry", entry);
  return entry;
}

static void
take_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (widget);
  g_autofree char *body = NULL;
  g_autofree char *title = suggest_title ();
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  body = g_strdup_printf (_("Keep how “%s” is now, so that you can go back to this moment "
                            "later."),
                          hearth_machine_get_display_name (self->machine));
  dialog = new_dialog (self, _("Take Snapshot"), body);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "take", _("_Take Snapshot"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "take", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "take");
  adw_message_dialog_set_close_response (dialog, "cancel");

  entry = new_entry (dialog, title, _("Snapshot title"));
  adw_message_dialog_set_extra_child (dialog, entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_take_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Going back --------------------------------------------------------------- */

static void
on_revert_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!hearth_snapshot_tree_revert_finish (HEARTH_SNAPSHOT_TREE (object), result, &error))
    {
      g_autofree char *heading = NULL;

      if (request_is_gone (request, error))
        return;
      heading = g_strdup_printf (_("Could Not Go Back to “%s”"), request->title);
      show_error (request->self, heading, error);
      return;
    }
  if (request_is_gone (request, NULL))
    return;

  hearth_timeline_view_set_selected (request->self->view, request->snapshot);
  hearth_timeline_view_focus_selected (request->self->view);
  text = g_strdup_printf (_("Went back to “%s”"), request->title);
  adw_toast_overlay_add_toast (request->self->toast_overlay, adw_toast_new (text));
}

static void
start_revert (Request *request)
{
  HearthTimelineWindow *self = request->self;

  hearth_snapshot_tree_revert_async (self->tree, request->snapshot, self->cancellable,
                                     on_revert_done_cb, request);
}

/* "Take a snapshot of now first": the revert follows only a successful snapshot,
 * so nothing is lost when taking it fails. */
static void
on_safety_snapshot_done_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  if (request_is_gone (request, error))
    return;

  if (snapshot == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Did Not Go Back to “%s”"), request->title);

      show_error (request->self, heading, error);
      gtk_label_set_label (request->self->error_heading,
                           _("Could Not Take a Snapshot of Now, So Nothing Was Changed"));
      return;
    }

  start_revert (g_steal_pointer (&request));
}

static void
on_revert_response_cb (AdwMessageDialog     *dialog,
                       const char           *response,
                       HearthTimelineWindow *self)
{
  GtkCheckButton *check = g_object_get_data (G_OBJECT (dialog), "hearth-check");
  HearthSnapshot *snapshot = g_object_get_data (G_OBJECT (dialog), "hearth-snapshot");
  Request *request;

  if (g_strcmp0 (response, "revert") != 0)
    return;

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  request = request_new (self, snapshot);

  if (gtk_check_button_get_active (check))
    {
      g_autofree char *title = NULL;

      /* Translators: the title of the snapshot taken before going back to another. */
      title = g_strdup_printf (_("Before going back to “%s”"), request->title);
      hearth_snapshot_tree_create_async (self->tree, title, NULL, self->cancellable,
                                         on_safety_snapshot_done_cb, request);
    }
  else
    start_revert (request);
}

static void
revert_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (widget);
  HearthSnapshot *snapshot = hearth_timeline_view_get_selected (self->view);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *when_text = NULL;
  const char *ends;
  AdwMessageDialog *dialog;
  GtkWidget *check;

  if (snapshot == NULL)
    return;

  if ((when = hearth_snapshot_dup_creation_date (snapshot)))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      when_text = hearth_timeline_format_relative_time (when, now);
    }

  switch (hearth_snapshot_get_state (snapshot))
    {
    case HEARTH_SNAPSHOT_STATE_RUNNING:
      ends = _("It will be running, exactly as it was then.");
      break;
    case HEARTH_SNAPSHOT_STATE_PAUSED:
      ends = _("It will be paused, exactly as it was then.");
      break;
    default:
      ends = _("It will be shut off, with its disks as they were then.");
      break;
    }

  heading = g_strdup_printf (_("Go Back to “%s”?"), hearth_timeline_snapshot_title (snapshot));
  /* Translators: the first %s is a time such as "10:42 yesterday", the second a
   * sentence saying the state the machine will be in. */
  body = g_strdup_printf (_("The machine returns to how it was at %s. %s Changes made since "
                            "then are lost unless you take a snapshot of now first."),
                          when_text ? when_text : _("that moment"), ends);

  dialog = new_dialog (self, heading, body);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "revert", _("_Go Back"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "revert", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "revert");
  adw_message_dialog_set_close_response (dialog, "cancel");

  check = gtk_check_button_new_with_mnemonic (_("_Take a snapshot of now first"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
  adw_message_dialog_set_extra_child (dialog, check);
  g_object_set_data (G_OBJECT (dialog), "hearth-check", check);
  g_object_set_data_full (G_OBJECT (dialog), "hearth-snapshot", g_object_ref (snapshot),
                          g_object_unref);

  g_signal_connect_object (dialog, "response", G_CALLBACK (on_revert_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Renaming ----------------------------------------------------------------- */

static void
on_rename_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  snapshot = hearth_snapshot_tree_edit_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  if (request_is_gone (request, error))
    return;

  if (snapshot == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Could Not Rename “%s”"), request->title);

      show_error (request->self, heading, error);
      return;
    }

  hearth_timeline_view_set_selected (request->self->view, snapshot);
  update_details (request->self);
}

static void
on_rename_response_cb (AdwMessageDialog     *dialog,
                       const char           *response,
                       HearthTimelineWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "hearth-entry");
  GtkTextBuffer *buffer = g_object_get_data (G_OBJECT (dialog), "hearth-notes");
  HearthSnapshot *snapshot = g_object_get_data (G_OBJECT (dialog), "hearth-snapshot");
  g_autofree char *title = NULL;
  g_autofree char *notes = NULL;
  GtkTextIter start, end;

  if (g_strcmp0 (response, "save") != 0)
    return;

  title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  notes = g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  /* An unchanged title stays as it is (and an automatic snapshot stays automatic). */
  if (g_strcmp0 (title, hearth_timeline_snapshot_title (snapshot)) == 0)
    g_clear_pointer (&title, g_free);
  hearth_snapshot_tree_edit_async (self->tree, snapshot, title, notes, self->cancellable,
                                   on_rename_done_cb, request_new (self, snapshot));
}

static void
on_rename_entry_changed_cb (GtkEditable      *entry,
                            AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "save", *text != '\0');
}

static void
rename_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (widget);
  HearthSnapshot *snapshot = hearth_timeline_view_get_selected (self->view);
  const char *notes;
  AdwMessageDialog *dialog;
  GtkWidget *box, *entry, *label, *scroller, *text_view;
  GtkTextBuffer *buffer;

  if (snapshot == NULL)
    return;

  dialog = new_dialog (self, _("Rename Snapshot"), NULL);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  entry = new_entry (dialog, hearth_timeline_snapshot_title (snapshot), _("Snapshot title"));
  g_signal_connect (entry, "changed", G_CALLBACK (on_rename_entry_changed_cb), dialog);
  gtk_box_append (GTK_BOX (box), entry);

  label = gtk_label_new_with_mnemonic (_("_Notes"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);

  text_view = gtk_text_view_new ();
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (text_view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (text_view), FALSE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (text_view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (text_view), 6);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (text_view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (text_view), 6);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), text_view);
  gtk_accessible_update_property (GTK_ACCESSIBLE (text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Notes"), -1);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  notes = hearth_snapshot_get_description (snapshot);
  gtk_text_buffer_set_text (buffer, notes ? notes : "", -1);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scroller, -1, 96);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), text_view);
  gtk_widget_add_css_class (scroller, "card");
  gtk_box_append (GTK_BOX (box), scroller);

  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data (G_OBJECT (dialog), "hearth-notes", buffer);
  g_object_set_data_full (G_OBJECT (dialog), "hearth-snapshot", g_object_ref (snapshot),
                          g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Deleting ----------------------------------------------------------------- */

static void
on_delete_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!hearth_snapshot_tree_delete_finish (HEARTH_SNAPSHOT_TREE (object), result, &error))
    {
      g_autofree char *heading = NULL;

      if (request_is_gone (request, error))
        return;
      heading = g_strdup_printf (_("Could Not Delete “%s”"), request->title);
      show_error (request->self, heading, error);
      return;
    }
  if (request_is_gone (request, NULL))
    return;

  text = g_strdup_printf (_("Snapshot “%s” deleted"), request->title);
  adw_toast_overlay_add_toast (request->self->toast_overlay, adw_toast_new (text));
}

static void
on_delete_response_cb (AdwMessageDialog     *dialog,
                       const char           *response,
                       HearthTimelineWindow *self)
{
  HearthSnapshot *snapshot = g_object_get_data (G_OBJECT (dialog), "hearth-snapshot");
  gboolean with_children;

  if (g_strcmp0 (response, "delete") == 0)
    with_children = FALSE;
  else if (g_strcmp0 (response, "delete-later") == 0)
    with_children = TRUE;
  else
    return;

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  hearth_snapshot_tree_delete_async (self->tree, snapshot, with_children, self->cancellable,
                                     on_delete_done_cb, request_new (self, snapshot));
}

static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (widget);
  HearthSnapshot *snapshot = hearth_timeline_view_get_selected (self->view);
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;
  gboolean has_children;

  if (snapshot == NULL)
    return;

  has_children = g_list_model_get_n_items (hearth_snapshot_get_children (snapshot)) > 0;
  heading = g_strdup_printf (_("Delete “%s”?"), hearth_timeline_snapshot_title (snapshot));
  dialog = new_dialog (self, heading,
                       has_children
                         ? _("The machine stays as it is now; you can no longer go back to "
                             "this moment. Later snapshots can be kept or deleted with it.")
                         : _("The machine stays as it is now; you can no longer go back to "
                             "this moment."));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), NULL);
  if (has_children)
    {
      adw_message_dialog_add_response (dialog, "delete-later", _("Delete With _Later Ones"));
      adw_message_dialog_set_response_appearance (dialog, "delete-later",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_add_response (dialog, "delete", _("Delete _Only This"));
    }
  else
    adw_message_dialog_add_response (dialog, "delete", _("_Delete"));
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_default_response (dialog, "cancel");

  g_object_set_data_full (G_OBJECT (dialog), "hearth-snapshot", g_object_ref (snapshot),
                          g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Sandbox mode -------------------------------------------------------------- */

static void
on_sandbox_set_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;

  if (hearth_sandbox_set_finish (HEARTH_SANDBOX (object), result, &error))
    {
      if (!request_is_gone (request, NULL))
        update_sandbox_switch (request->self);
      return;
    }
  if (request_is_gone (request, error))
    return;

  show_error (request->self, _("Could Not Change Sandbox Mode"), error);
  update_sandbox_switch (request->self);
}

static void
on_sandbox_switch_active_cb (HearthTimelineWindow *self)
{
  HearthSnapshot *selected = hearth_timeline_view_get_selected (self->view);
  gboolean active = gtk_switch_get_active (self->sandbox_switch);

  if (self->updating_switch || selected == NULL)
    return;

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  hearth_sandbox_set_async (self->sandbox, self->machine,
                            active ? hearth_snapshot_get_name (selected) : NULL,
                            self->cancellable, on_sandbox_set_cb, request_new (self, selected));
}

/* Automatic snapshots ------------------------------------------------------- */

/* The combo row lists Never, Every Hour, Every Day, Every Week: HearthSnapshotEvery's order. */
static void
update_schedule (HearthTimelineWindow *self)
{
  HearthSnapshotEvery every = hearth_snapshot_scheduler_get_every (self->scheduler, self->machine);

  self->updating_schedule = TRUE;
  adw_combo_row_set_selected (self->schedule_row, every);
  gtk_spin_button_set_value (self->keep_spin,
                             hearth_snapshot_scheduler_get_keep (self->scheduler, self->machine));
  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_row), every != HEARTH_SNAPSHOT_EVERY_NEVER);
  self->updating_schedule = FALSE;
}

static void
on_scheduler_changed_cb (HearthSnapshotScheduler *scheduler,
                         HearthMachine           *machine,
                         HearthTimelineWindow    *self)
{
  if (machine == self->machine && self->keep_id == 0)
    update_schedule (self);
}

static void
on_schedule_set_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GError) error = NULL;

  if (hearth_snapshot_scheduler_set_finish (HEARTH_SNAPSHOT_SCHEDULER (object), result, &error))
    return;
  if (request_is_gone (request, error))
    return;

  show_error (request->self, _("Could Not Change the Snapshot Schedule"), error);
  update_schedule (request->self);
}

static void
store_schedule (HearthTimelineWindow *self)
{
  HearthSnapshotEvery every = adw_combo_row_get_selected (self->schedule_row);

  g_clear_handle_id (&self->keep_id, g_source_remove);
  if (every > HEARTH_SNAPSHOT_EVERY_WEEK)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->keep_row), every != HEARTH_SNAPSHOT_EVERY_NEVER);
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  hearth_snapshot_scheduler_set_async (self->scheduler, self->machine, every,
                                       gtk_spin_button_get_value_as_int (self->keep_spin),
                                       self->cancellable, on_schedule_set_cb,
                                       request_new (self, NULL));
}

/* The template sets the row and the spin button up before there is a scheduler. */
static void
on_schedule_changed_cb (HearthTimelineWindow *self)
{
  if (!self->updating_schedule && self->scheduler != NULL)
    store_schedule (self);
}

static gboolean
keep_settled_cb (gpointer user_data)
{
  HearthTimelineWindow *self = user_data;

  self->keep_id = 0;
  store_schedule (self);
  return G_SOURCE_REMOVE;
}

/* Clicking through 7, 8, 9… stores the count once, when the clicks stop. */
static void
on_keep_changed_cb (HearthTimelineWindow *self)
{
  if (self->updating_schedule || self->scheduler == NULL
      || adw_combo_row_get_selected (self->schedule_row) == HEARTH_SNAPSHOT_EVERY_NEVER)
    return;
  g_clear_handle_id (&self->keep_id, g_source_remove);
  self->keep_id = g_timeout_add (500, keep_settled_cb, self);
}

static gboolean
close_shortcut_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  gtk_window_close (GTK_WINDOW (widget));
  return TRUE;
}

/* GObject ------------------------------------------------------------------ */

static void
hearth_timeline_window_constructed (GObject *object)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (object);
  HearthConnection *connection = hearth_machine_get_connection (self->machine);

  G_OBJECT_CLASS (hearth_timeline_window_parent_class)->constructed (object);

  self->tree = hearth_snapshot_tree_new (self->machine);
  self->sandbox = g_object_ref (hearth_sandbox_get_for_connection (connection));
  self->scheduler = g_object_ref (hearth_snapshot_scheduler_get_for_connection (connection));

  g_signal_connect_object (self->tree, "notify::loaded", G_CALLBACK (on_tree_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tree, "notify::error", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tree, "notify::busy", G_CALLBACK (update_progress), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tree, "notify::progress", G_CALLBACK (update_progress), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (hearth_snapshot_tree_get_snapshots (self->tree), "items-changed",
                           G_CALLBACK (on_tree_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sandbox, "changed", G_CALLBACK (on_sandbox_changed_cb), self, 0);
  g_signal_connect_object (self->sandbox, "restored", G_CALLBACK (on_sandbox_restored_cb), self,
                           0);
  g_signal_connect_object (self->machine, "notify::display-name", G_CALLBACK (update_title),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scheduler, "changed", G_CALLBACK (on_scheduler_changed_cb),
                           self, 0);
  g_signal_connect_object (self->scheduler, "notify::loaded", G_CALLBACK (update_schedule), self,
                           G_CONNECT_SWAPPED);

  /* The selected snapshot's own changes (a rename, "current") refresh the details. */
  g_signal_group_connect_swapped (self->selected_signals, "notify",
                                  G_CALLBACK (update_details), self);
  hearth_timeline_view_set_tree (self->view, self->tree);

  update_title (self);
  update_page (self);
  update_progress (self);
  update_details (self);
  update_schedule (self);
}

static void
on_view_selected_cb (HearthTimelineWindow *self)
{
  g_signal_group_set_target (self->selected_signals,
                             hearth_timeline_view_get_selected (self->view));
  update_details (self);
}

static void
hearth_timeline_window_dispose (GObject *object)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->pulse_id, g_source_remove);
  g_clear_handle_id (&self->orientation_id, g_source_remove);
  g_clear_handle_id (&self->keep_id, g_source_remove);
  if (self->selected_signals != NULL)
    g_signal_group_set_target (self->selected_signals, NULL);

  /* The tree empties its model as it goes away: hear nothing of it any more. */
  if (self->tree != NULL)
    {
      g_signal_handlers_disconnect_by_data (hearth_snapshot_tree_get_snapshots (self->tree), self);
      g_signal_handlers_disconnect_by_data (self->tree, self);
    }
  if (self->sandbox != NULL)
    g_signal_handlers_disconnect_by_data (self->sandbox, self);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_data (self->scheduler, self);
  if (self->machine != NULL)
    g_signal_handlers_disconnect_by_data (self->machine, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_TIMELINE_WINDOW);

  g_clear_object (&self->selected_signals);
  g_clear_object (&self->tree);
  g_clear_object (&self->sandbox);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->machine);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hearth_timeline_window_parent_class)->dispose (object);
}

static void
hearth_timeline_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_timeline_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  HearthTimelineWindow *self = HEARTH_TIMELINE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      self->machine = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_timeline_window_class_init (HearthTimelineWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hearth_timeline_window_constructed;
  object_class->dispose = hearth_timeline_window_dispose;
  object_class->get_property = hearth_timeline_window_get_property;
  object_class->set_property = hearth_timeline_window_set_property;

  widget_class->size_allocate = hearth_timeline_window_size_allocate;

  /** HearthTimelineWindow:machine: The machine whose history is shown. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HEARTH_TYPE_TIMELINE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-timeline-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, take_button);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, error_heading);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, error_body);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, error_detail);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, view);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, details_header);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, when_label);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, state_row);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, notes_row);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, sandbox_row);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, sandbox_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_error_dismiss_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, schedule_button);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, keep_row);
  gtk_widget_class_bind_template_child (widget_class, HearthTimelineWindow, keep_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_sandbox_switch_active_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_schedule_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_keep_changed_cb);

  gtk_widget_class_install_action (widget_class, "timeline.take", NULL, take_activated);
  gtk_widget_class_install_action (widget_class, "timeline.revert", NULL, revert_activated);
  gtk_widget_class_install_action (widget_class, "timeline.rename", NULL, rename_activated);
  gtk_widget_class_install_action (widget_class, "timeline.delete", NULL, delete_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK,
                                       "timeline.take", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "timeline.rename", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "timeline.delete", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, close_shortcut_cb, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, close_shortcut_cb,
                                NULL);
}

static void
hearth_timeline_window_init (HearthTimelineWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->selected_signals = g_signal_group_new (HEARTH_TYPE_SNAPSHOT);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->view, "notify::selected", G_CALLBACK (on_view_selected_cb),
                           self, G_CONNECT_SWAPPED);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

/**
 * hearth_timeline_window_new:
 * @parent: (nullable): the main window
 * @machine: the machine whose snapshots are shown
 *
 * Returns: (transfer none): a new timeline window, owned by the window list
 */
HearthTimelineWindow *
hearth_timeline_window_new (GtkWindow     *parent,
                            HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_object_new (HEARTH_TYPE_TIMELINE_WINDOW,
                       "machine", machine,
                       "transient-for", parent,
                       "application", parent ? gtk_window_get_application (parent) : NULL,
                       NULL);
}

HearthMachine *
hearth_timeline_window_get_machine (HearthTimelineWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_TIMELINE_WINDOW (self), NULL);

  return self->machine;
}
