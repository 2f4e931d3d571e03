/* hearth-console-page.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-console"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "hearth-console-page.h"
#include "hearth-sandbox-badge.h"
#include "hearth-ui-utils.h"

/**
 * HearthConsolePage:
 *
 * A machine's screen with its own header bar (back, snapshot, name, devices
 * and sharing, scaling, send keys, fullscreen). It follows the machine: while it is off, paused or
 * starting, a status page says so; when it runs, the page connects the
 * display through descriptors from hearth_machine_open_graphics_fd_async()
 * (no TCP port) and reconnects by itself after a restart or a lost
 * connection, with a growing delay while the machine runs but cannot be
 * reached.
 *
 * The snapshot button takes a snapshot in one click, named after the moment;
 * the toast that confirms it lets the user rename it in place. A strip under
 * the header bar says when the machine is in sandbox mode. In fullscreen the
 * header bar (with the strip) moves over the screen and shows only while the
 * pointer is at the top edge, as in GNOME Boxes.
 *
 * The "Devices and Sharing" button says whether the machine runs the SPICE
 * agent (and what to install when it does not), holds the switches for what
 * the agent does (resizing the guest with the window, sharing the clipboard:
 * global preferences in GSettings, so every console follows them), says what
 * there is for sound, and lists the USB devices the machine can use.
 */
struct _HearthConsolePage
{
  AdwBin parent_instance;

  /* Owned. */
  HearthMachine *machine;
  GSignalGroup *machine_signals;
  GSignalGroup *session_signals;  /* the display's SPICE session */
  GCancellable *cancellable; /* cancelled when the machine changes or on dispose */
  guint reconnect_source;
  guint reconnect_attempts;
  gboolean connecting;
  gboolean have_frame;
  char *last_error; /* translated, for the status page */
  HearthSnapshotTree *snapshot_tree; /* of machine, made on the first snapshot */
  AdwToast *snapshot_toast; /* the toast with the last snapshot's name, until dismissed */
  gboolean taking_snapshot;
  GtkWidget *fullscreen_root; /* borrowed: the window whose notify::fullscreened we watch */
  gboolean fullscreen;
  guint hide_top_source;
  GSettings *settings;

  /* Template children. */
  GtkRevealer *top_revealer;
  GtkBox *main_box;
  GtkWidget *top_bar;
  AdwToastOverlay *toast_overlay;
  GtkWidget *snapshot_button;
  GtkStack *snapshot_button_stack;
  GtkSpinner *snapshot_spinner;
  GtkWidget *fullscreen_button;
  GtkWidget *send_keys_button;
  AdwHeaderBar *header_bar;
  AdwWindowTitle *window_title;
  GtkStack *stack;
  GtkScrolledWindow *scroller;
  HearthDisplay *display;
  AdwStatusPage *status_page;
  GtkWidget *spinner;
  GtkWidget *start_button;
  GtkWidget *resume_button;
  GtkWidget *usb_section;
  GtkLabel *usb_message;
  GtkListBox *usb_list;
  GtkWidget *guest_button;
  GtkImage *guest_status_icon;
  GtkLabel *guest_status_title;
  GtkLabel *guest_status_description;
  AdwActionRow *resize_row;
  AdwActionRow *clipboard_row;
  AdwActionRow *sound_row;
  GtkImage *sound_icon;
};

G_DEFINE_FINAL_TYPE (HearthConsolePage, hearth_console_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_MACHINE,
  PROP_SCALE_TO_FIT,
  N_PROPS
};

enum
{
  SIGNAL_BACK,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define RECONNECT_MAX_DELAY_MS 8000
#define SNAPSHOT_TOAST_TIMEOUT_S 8
#define TOP_EDGE_PX 2
#define HIDE_TOP_DELAY_MS 300
#define FIRST_HIDE_TOP_DELAY_MS 1500

static void connect_display (HearthConsolePage *self);

/* -------------------------------------------------------------------------- */
/* State                                                                      */

/* Snapshots need a settled machine: running or paused (with memory) or off
 * (disks only); not while it starts, stops or is saved. */
static gboolean
can_take_snapshot (HearthConsolePage *self)
{
  HearthMachineState state;

  if (self->machine == NULL || self->taking_snapshot || hearth_machine_get_busy (self->machine))
    return FALSE;

  state = hearth_machine_get_state (self->machine);
  return state == HEARTH_MACHINE_STATE_RUNNING || state == HEARTH_MACHINE_STATE_PAUSED
         || state == HEARTH_MACHINE_STATE_SHUTOFF;
}

static void
console_actions_update (HearthConsolePage *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean connected = hearth_display_get_connected (self->display);

  gtk_widget_action_set_enabled (widget, "console.start",
                                 self->machine != NULL
                                   && hearth_machine_can_run_action (self->machine,
                                                                     HEARTH_MACHINE_ACTION_START));
  gtk_widget_action_set_enabled (widget, "console.resume",
                                 self->machine != NULL
                                   && hearth_machine_can_run_action (self->machine,
                                                                     HEARTH_MACHINE_ACTION_RESUME));
  gtk_widget_action_set_enabled (widget, "console.send-keys", connected);

  gtk_widget_action_set_enabled (widget, "console.take-snapshot", can_take_snapshot (self));
  gtk_stack_set_visible_child_name (self->snapshot_button_stack,
                                    self->taking_snapshot ? "busy" : "icon");
  gtk_spinner_set_spinning (self->snapshot_spinner, self->taking_snapshot);
}

/* The state, or while a snapshot is taken, that (with how far it is when
 * libvirt says: writing a UEFI machine's memory takes a while). */
static void
update_subtitle (HearthConsolePage *self)
{
  g_autofree char *text = NULL;
  double progress = self->snapshot_tree != NULL
                      ? hearth_snapshot_tree_get_progress (self->snapshot_tree)
                      : -1;

  if (!self->taking_snapshot)
    text = g_strdup (hearth_ui_state_to_label (self->machine != NULL
                                                 ? hearth_machine_get_state (self->machine)
                                                 : HEARTH_MACHINE_STATE_UNKNOWN));
  else if (progress < 0)
    text = g_strdup (_("Taking a snapshot…"));
  else
    /* Translators: %d is a percentage; %% is the percent sign. */
    text = g_strdup_printf (_("Taking a snapshot… %d %%"), (int) (progress * 100));

  adw_window_title_set_subtitle (self->window_title, text);
}

static void
update_page (HearthConsolePage *self)
{
  HearthMachineState state = HEARTH_MACHINE_STATE_UNKNOWN;
  const char *name = "";
  g_autofree char *title = NULL;
  const char *description = NULL;
  gboolean show_display = FALSE;
  gboolean spinning = FALSE;
  gboolean was_display;

  if (self->machine != NULL)
    {
      state = hearth_machine_get_state (self->machine);
      name = hearth_machine_get_display_name (self->machine);
    }

  adw_window_title_set_title (self->window_title, name);
  update_subtitle (self);
  hearth_display_set_machine_name (self->display, name);

  /* libvirt pauses a machine while it saves its memory into a snapshot: keep
   * showing its screen rather than "Paused" and a Resume button. */
  if (self->taking_snapshot && state == HEARTH_MACHINE_STATE_PAUSED
      && hearth_display_get_connected (self->display) && self->have_frame)
    state = HEARTH_MACHINE_STATE_RUNNING;

  switch (state)
    {
    case HEARTH_MACHINE_STATE_RUNNING:
      if (hearth_display_get_connected (self->display) && self->have_frame)
        {
          show_display = TRUE;
        }
      else
        {
          /* Translators: %s is a machine's name. */
          title = g_strdup_printf (_("Connecting to “%s”…"), name);
          description = self->last_error;
          spinning = TRUE;
        }
      break;

    case HEARTH_MACHINE_STATE_PAUSED:
      title = g_strdup_printf (_("“%s” Is Paused"), name);
      description = _("Resume the machine to use it again.");
      break;

    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
      title = g_strdup_printf (_("“%s” Is Shutting Down"), name);
      spinning = TRUE;
      break;

    case HEARTH_MACHINE_STATE_CRASHED:
      title = g_strdup_printf (_("“%s” Has Crashed"), name);
      description = _("Start it again to continue.");
      break;

    case HEARTH_MACHINE_STATE_SAVED:
    case HEARTH_MACHINE_STATE_SUSPENDED:
      title = g_strdup_printf (_("“%s” Is Saved"), name);
      description = _("Start it to continue where it left off.");
      break;

    case HEARTH_MACHINE_STATE_SHUTOFF:
    case HEARTH_MACHINE_STATE_UNKNOWN:
    default:
      title = g_strdup_printf (_("“%s” Is Off"), name);
      description = self->last_error;
      break;
    }

  if (self->machine != NULL && hearth_machine_get_busy (self->machine)
      && state != HEARTH_MACHINE_STATE_RUNNING && !self->taking_snapshot)
    {
      /* Starting: a start is under way and the state is still "off". */
      g_free (title);
      title = g_strdup_printf (_("Starting “%s”…"), name);
      description = NULL;
      spinning = TRUE;
    }

  if (!show_display)
    {
      adw_status_page_set_title (self->status_page, title);
      adw_status_page_set_description (self->status_page, description);
    }

  gtk_widget_set_visible (self->spinner, spinning);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), spinning);
  was_display = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "display") == 0;
  gtk_stack_set_visible_child_name (self->stack, show_display ? "display" : "status");

  console_actions_update (self);
  gtk_widget_set_visible (self->start_button,
                          gtk_widget_is_sensitive (self->start_button) && !spinning);
  gtk_widget_set_visible (self->resume_button,
                          gtk_widget_is_sensitive (self->resume_button) && !spinning);

  /* The screen takes the focus when it appears, not on every update. */
  if (show_display && !was_display && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
set_last_error (HearthConsolePage *self,
                const char        *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
}

/* -------------------------------------------------------------------------- */
/* Connection                                                                 */

static gboolean
reconnect_cb (gpointer user_data)
{
  HearthConsolePage *self = user_data;

  self->reconnect_source = 0;
  connect_display (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (HearthConsolePage *self)
{
  guint delay;

  if (self->reconnect_source != 0 || self->machine == NULL
      || hearth_machine_get_state (self->machine) != HEARTH_MACHINE_STATE_RUNNING)
    return;

  /* 250 ms, 500 ms, 1 s, … up to 8 s while the machine runs but its
   * display cannot be reached. */
  delay = MIN (250u << MIN (self->reconnect_attempts, 5u), RECONNECT_MAX_DELAY_MS);
  self->reconnect_attempts++;
  g_debug ("Reconnecting in %u ms", delay);
  self->reconnect_source = g_timeout_add (delay, reconnect_cb, self);
}

static void
on_main_fd_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  HearthConsolePage *self;
  int fd;

  fd = hearth_machine_open_graphics_fd_finish (HEARTH_MACHINE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (fd >= 0)
        close (fd);
      return;
    }

  self = HEARTH_CONSOLE_PAGE (user_data);
  self->connecting = FALSE;

  if (fd < 0)
    {
      g_debug ("Could not open the display: %s", error->message);
      set_last_error (self, hearth_ui_error_explanation (error));
      update_page (self);
      schedule_reconnect (self);
      return;
    }

  hearth_display_open_fd (self->display, fd);
}

static void
connect_display (HearthConsolePage *self)
{
  if (self->machine == NULL || self->connecting
      || hearth_machine_get_state (self->machine) != HEARTH_MACHINE_STATE_RUNNING
      || hearth_display_get_session (self->display) != NULL)
    return;

  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  self->connecting = TRUE;
  self->have_frame = FALSE;
  hearth_machine_open_graphics_fd_async (self->machine, self->cancellable, on_main_fd_cb, self);
}

static void
on_channel_fd_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HearthDisplay *display = user_data; /* owned ref */
  g_autoptr(GError) error = NULL;
  int fd;

  /* The display waits for an answer for every request; it copes with
   * answers that arrive after its session ended. */
  fd = hearth_machine_open_graphics_fd_finish (HEARTH_MACHINE (source), result, &error);
  if (fd < 0)
    g_debug ("No descriptor for a display channel: %s", error->message);
  hearth_display_supply_fd (display, fd);
  g_object_unref (display);
}

static void
on_display_request_fd_cb (HearthConsolePage *self,
                          HearthDisplay     *display)
{
  if (self->machine == NULL)
    {
      hearth_display_supply_fd (display, -1);
      return;
    }

  /* Not our cancellable: a channel of a live session must get its answer. */
  hearth_machine_open_graphics_fd_async (self->machine, NULL, on_channel_fd_cb,
                                         g_object_ref (display));
}

static void
on_display_first_frame_cb (HearthConsolePage *self,
                           HearthDisplay     *display)
{
  self->have_frame = TRUE;
  self->reconnect_attempts = 0;
  set_last_error (self, NULL);
  update_page (self);
}

static void
on_display_connected_cb (HearthConsolePage *self,
                         GParamSpec        *pspec,
                         HearthDisplay     *display)
{
  update_page (self);
}

static void
on_display_disconnected_cb (HearthConsolePage *self,
                            const char        *reason,
                            HearthDisplay     *display)
{
  g_debug ("Display disconnected: %s", reason ? reason : "closed");
  self->have_frame = FALSE;
  update_page (self);

  /* A guest reboot keeps the connection; a restart of the machine or a lost
   * connection ends it. Reconnect while the machine runs; a state change to
   * "running" reconnects at once otherwise. */
  schedule_reconnect (self);
}

static void
on_machine_state_cb (HearthConsolePage *self)
{
  if (self->machine != NULL
      && hearth_machine_get_state (self->machine) == HEARTH_MACHINE_STATE_RUNNING)
    {
      self->reconnect_attempts = 0;
      connect_display (self);
    }
  else
    {
      g_clear_handle_id (&self->reconnect_source, g_source_remove);
    }

  update_page (self);
}

/* -------------------------------------------------------------------------- */
/* Actions                                                                    */

static void
on_action_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  HearthConsolePage *self;

  if (hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_CONSOLE_PAGE (user_data);
  set_last_error (self, hearth_ui_error_explanation (error));
  update_page (self);
}

static void
run_action (HearthConsolePage   *self,
            HearthMachineAction  action)
{
  if (self->machine == NULL || !hearth_machine_can_run_action (self->machine, action))
    return;

  set_last_error (self, NULL);
  hearth_machine_run_action_async (self->machine, action, self->cancellable, on_action_done_cb,
                                   self);
  update_page (self);
}

static void
start_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  run_action (HEARTH_CONSOLE_PAGE (widget), HEARTH_MACHINE_ACTION_START);
}

static void
resume_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  run_action (HEARTH_CONSOLE_PAGE (widget), HEARTH_MACHINE_ACTION_RESUME);
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (GTK_IS_WINDOW (root) && gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));
  hearth_display_release_grab (self->display);
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

static void
fullscreen_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (!GTK_IS_WINDOW (root))
    return;

  if (gtk_window_is_fullscreen (GTK_WINDOW (root)))
    gtk_window_unfullscreen (GTK_WINDOW (root));
  else
    gtk_window_fullscreen (GTK_WINDOW (root));
}

/* Set 1 scancodes (0xe0XX for extended keys) of the send-keys menu. */
#define SC_CTRL 0x1d
#define SC_ALT 0x38
#define SC_DELETE 0xe053
#define SC_BACKSPACE 0x0e
#define SC_PRINT 0xe037

static void
send_keys_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (widget);
  const char *which = g_variant_get_string (parameter, NULL);
  guint keys[3] = { SC_CTRL, SC_ALT, 0 };
  guint n = 3;
  guint f;

  if (g_str_equal (which, "ctrl-alt-del"))
    keys[2] = SC_DELETE;
  else if (g_str_equal (which, "ctrl-alt-backspace"))
    keys[2] = SC_BACKSPACE;
  else if (g_str_equal (which, "print"))
    {
      keys[0] = SC_PRINT;
      n = 1;
    }
  else if (sscanf (which, "ctrl-alt-f%u", &f) == 1 && f >= 1 && f <= 12)
    /* F1–F10 are 0x3b–0x44, F11 and F12 0x57 and 0x58. */
    keys[2] = f <= 10 ? 0x3a + f : 0x56 + (f - 10);
  else
    return;

  hearth_display_send_keys (self->display, keys, n);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

/* -------------------------------------------------------------------------- */
/* One-click snapshots                                                        */

/* What the toast's editable name remembers (owned by the GtkEditableLabel). */
typedef struct
{
  char *snapshot_name; /* libvirt's name, which never changes */
  char *title;         /* the title the snapshot has now */
} SnapshotName;

static void
snapshot_name_free (SnapshotName *data)
{
  g_free (data->snapshot_name);
  g_free (data->title);
  g_free (data);
}

/* A rename under way; holds the editable label, which may outlive its toast. */
typedef struct
{
  HearthConsolePage *self; /* unowned: valid unless the operation was cancelled */
  GtkWidget *label;        /* owned */
  char *title;             /* the new title */
} RenameRequest;

static void
rename_request_free (RenameRequest *request)
{
  g_object_unref (request->label);
  g_free (request->title);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenameRequest, rename_request_free)

static char *
suggest_snapshot_title (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  char *title;

  /* Translators: the name of a snapshot taken with the console's snapshot button,
   * for g_date_time_format(): "Snapshot of 26 Nov, 10:42". */
  title = g_date_time_format (now, _("Snapshot of %-d %b, %H:%M"));
  if (title == NULL)
    title = g_date_time_format (now, "Snapshot of %-d %b, %H:%M");
  return title;
}

static void
on_error_toast_details_cb (AdwToast          *toast,
                           HearthConsolePage *self)
{
  const char *heading = g_object_get_data (G_OBJECT (toast), "hearth-heading");
  const GError *error = g_object_get_data (G_OBJECT (toast), "hearth-error");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;
  GtkWidget *detail;

  if (!g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
    {
      hearth_ui_show_error_dialog (GTK_WIDGET (self), heading, error);
      return;
    }

  /* The general explanation of "unsupported" says too little here: say what to
   * do, as the timeline does. The core's message names the disk. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
    _("This machine cannot have snapshots as it is set up now, for example because a disk is a "
      "raw image. Convert its disks to the QCOW2 format to use snapshots.")));
  detail = gtk_label_new (error->message);
  gtk_label_set_selectable (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_justify (GTK_LABEL (detail), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  adw_message_dialog_set_extra_child (dialog, detail);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A short toast saying what failed; "Details" opens the explanation. */
static void
show_error_toast (HearthConsolePage *self,
                  const char        *heading,
                  const GError      *error)
{
  AdwToast *toast = adw_toast_new (heading);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_button_label (toast, _("_Details"));
  g_object_set_data_full (G_OBJECT (toast), "hearth-heading", g_strdup (heading), g_free);
  g_object_set_data_full (G_OBJECT (toast), "hearth-error",
                          error ? g_error_copy (error) : NULL, (GDestroyNotify) g_error_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_error_toast_details_cb), self,
                           0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_rename_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(RenameRequest) request = user_data;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  SnapshotName *data;

  snapshot = hearth_snapshot_tree_edit_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  data = g_object_get_data (G_OBJECT (request->label), "hearth-snapshot-name");
  gtk_widget_set_sensitive (request->label, TRUE);

  if (snapshot == NULL)
    {
      g_autofree char *heading = NULL;

      /* Translators: %s is the snapshot's name. */
      heading = g_strdup_printf (_("Could Not Rename “%s”"), data->title);
      gtk_editable_set_text (GTK_EDITABLE (request->label), data->title);
      show_error_toast (request->self, heading, error);
      return;
    }

  g_free (data->title);
  data->title = g_strdup (hearth_snapshot_get_title (snapshot));
  gtk_editable_set_text (GTK_EDITABLE (request->label), data->title);
}

/* The name in the toast was edited: Enter or leaving it renames, Escape keeps
 * the old name (GtkEditableLabel puts it back itself). */
static void
on_snapshot_name_editing_cb (GtkEditableLabel  *label,
                             GParamSpec        *pspec,
                             HearthConsolePage *self)
{
  SnapshotName *data = g_object_get_data (G_OBJECT (label), "hearth-snapshot-name");
  g_autofree char *title = NULL;
  HearthSnapshot *snapshot;
  RenameRequest *request;
  AdwToast *toast;

  if (gtk_editable_label_get_editing (label))
    return;

  /* The guest gets the keyboard back. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "display") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->display));

  title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (label))));
  if (g_strcmp0 (title, data->title) == 0)
    return;

  if (*title == '\0')
    {
      g_autofree char *text = NULL;

      gtk_editable_set_text (GTK_EDITABLE (label), data->title);
      /* Translators: %s is the name the snapshot keeps. */
      text = g_strdup_printf (_("A snapshot needs a name; it is still called “%s”"), data->title);
      toast = adw_toast_new (text);
      /* Shown at once; the toast with the name comes back after it. */
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
      return;
    }

  snapshot = self->snapshot_tree != NULL
               ? hearth_snapshot_tree_find (self->snapshot_tree, data->snapshot_name)
               : NULL;
  if (snapshot == NULL)
    {
      g_autoptr(GError) error = g_error_new (HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                                             "The snapshot %s is gone", data->snapshot_name);
      g_autofree char *heading = g_strdup_printf (_("Could Not Rename “%s”"), data->title);

      gtk_editable_set_text (GTK_EDITABLE (label), data->title);
      show_error_toast (self, heading, error);
      return;
    }

  request = g_new0 (RenameRequest, 1);
  request->self = self;
  request->label = g_object_ref (GTK_WIDGET (label));
  request->title = g_strdup (title);
  gtk_widget_set_sensitive (GTK_WIDGET (label), FALSE);
  /* Only the title changes; the notes stay. */
  hearth_snapshot_tree_edit_async (self->snapshot_tree, snapshot, title,
                                   hearth_snapshot_get_description (snapshot), self->cancellable,
                                   on_rename_done_cb, request);
}

static void
on_rename_button_clicked_cb (GtkButton        *button,
                             GtkEditableLabel *label)
{
  gtk_editable_label_start_editing (label);
  gtk_widget_grab_focus (GTK_WIDGET (label));
}

static void
on_snapshot_toast_dismissed_cb (HearthConsolePage *self,
                                AdwToast          *toast)
{
  if (self->snapshot_toast == toast)
    g_clear_object (&self->snapshot_toast);
}

/* Only a toast not dismissed yet: libadwaita 1.2 crashes on a second dismissal. */
static void
dismiss_snapshot_toast (HearthConsolePage *self)
{
  g_autoptr(AdwToast) toast = g_steal_pointer (&self->snapshot_toast);

  if (toast != NULL)
    adw_toast_dismiss (toast);
}

/* "Snapshot saved as [name] ✎": the name is a GtkEditableLabel, so it can be
 * renamed right there. The toast stays while the pointer or the focus is in it. */
static void
show_snapshot_toast (HearthConsolePage *self,
                     HearthSnapshot    *snapshot)
{
  SnapshotName *data = g_new0 (SnapshotName, 1);
  GtkWidget *box, *prefix, *label, *button;
  AdwToast *toast;

  data->snapshot_name = g_strdup (hearth_snapshot_get_name (snapshot));
  data->title = g_strdup (hearth_snapshot_get_title (snapshot));

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  prefix = gtk_label_new (_("Snapshot saved as"));
  gtk_box_append (GTK_BOX (box), prefix);

  label = gtk_editable_label_new (data->title);
  gtk_editable_set_width_chars (GTK_EDITABLE (label), 12);
  gtk_widget_set_tooltip_text (label, _("Click to rename"));
  gtk_widget_add_css_class (label, "heading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Snapshot name"), -1);
  g_object_set_data_full (G_OBJECT (label), "hearth-snapshot-name", data,
                          (GDestroyNotify) snapshot_name_free);
  g_signal_connect_object (label, "notify::editing", G_CALLBACK (on_snapshot_name_editing_cb),
                           self, 0);
  gtk_box_append (GTK_BOX (box), label);

  button = gtk_button_new_from_icon_name ("document-edit-symbolic");
  gtk_widget_set_tooltip_text (button, _("Rename Snapshot"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Rename Snapshot"), -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  g_signal_connect (button, "clicked", G_CALLBACK (on_rename_button_clicked_cb), label);
  gtk_box_append (GTK_BOX (box), button);

  /* The custom title replaces the title; a newer snapshot's toast replaces this one. */
  toast = adw_toast_new ("");
  adw_toast_set_custom_title (toast, box);
  adw_toast_set_timeout (toast, SNAPSHOT_TOAST_TIMEOUT_S);
  dismiss_snapshot_toast (self);
  self->snapshot_toast = g_object_ref (toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_snapshot_toast_dismissed_cb), self,
                           G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_snapshot_taken_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  HearthConsolePage *self;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_CONSOLE_PAGE (user_data);
  self->taking_snapshot = FALSE;
  update_page (self);

  if (snapshot != NULL)
    show_snapshot_toast (self, snapshot);
  else if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
    show_error_toast (self, _("This Machine Cannot Have Snapshots as It Is Set Up Now"), error);
  else
    show_error_toast (self, _("Could Not Take a Snapshot"), error);
}

static void
take_snapshot_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (widget);
  g_autofree char *title = NULL;

  if (!can_take_snapshot (self))
    return;

  /* The core reads the machine's snapshots once; later ones follow events. */
  if (self->snapshot_tree == NULL)
    {
      self->snapshot_tree = hearth_snapshot_tree_new (self->machine);
      g_signal_connect_object (self->snapshot_tree, "notify::progress",
                               G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);
    }

  title = suggest_snapshot_title ();
  self->taking_snapshot = TRUE;
  update_page (self);
  hearth_snapshot_tree_create_async (self->snapshot_tree, title, NULL, self->cancellable,
                                     on_snapshot_taken_cb, self);
}

/* -------------------------------------------------------------------------- */
/* Fullscreen                                                                 */

/* Keep the header bar while one of its menus is open. */
static gboolean
menu_is_open (GtkWidget *menu_button)
{
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button));

  return popover != NULL && gtk_widget_get_visible (GTK_WIDGET (popover));
}

static gboolean
top_bar_in_use (HearthConsolePage *self)
{
  return menu_is_open (self->guest_button) || menu_is_open (self->send_keys_button);
}

static gboolean
hide_top_cb (gpointer user_data)
{
  HearthConsolePage *self = user_data;

  self->hide_top_source = 0;
  if (self->fullscreen && !top_bar_in_use (self))
    gtk_revealer_set_reveal_child (self->top_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_hide_top (HearthConsolePage *self,
                   guint              delay_ms)
{
  if (self->hide_top_source == 0)
    self->hide_top_source = g_timeout_add (delay_ms, hide_top_cb, self);
}

static void
on_overlay_motion_cb (HearthConsolePage        *self,
                      double                    x,
                      double                    y,
                      GtkEventControllerMotion *controller)
{
  int bar_height;

  /* A grabbed pointer belongs to the guest (server mouse mode). */
  if (!self->fullscreen || hearth_display_get_grabbed (self->display))
    return;

  bar_height = gtk_widget_get_height (self->top_bar);
  if (y <= TOP_EDGE_PX)
    {
      g_clear_handle_id (&self->hide_top_source, g_source_remove);
      gtk_revealer_set_reveal_child (self->top_revealer, TRUE);
    }
  else if (y > bar_height && gtk_revealer_get_reveal_child (self->top_revealer))
    schedule_hide_top (self, HIDE_TOP_DELAY_MS);
  else
    g_clear_handle_id (&self->hide_top_source, g_source_remove);
}

/* The header bar (with the sandbox strip) lives above the screen in a window and
 * over it in fullscreen, so that showing it does not resize the guest. */
static void
on_root_fullscreened_cb (HearthConsolePage *self)
{
  GtkWidget *root = self->fullscreen_root;
  gboolean fullscreen = GTK_IS_WINDOW (root) && gtk_window_is_fullscreen (GTK_WINDOW (root));
  g_autoptr(GtkWidget) top_bar = NULL;

  if (fullscreen == self->fullscreen)
    return;
  self->fullscreen = fullscreen;
  g_clear_handle_id (&self->hide_top_source, g_source_remove);

  top_bar = g_object_ref (self->top_bar);
  if (fullscreen)
    {
      gtk_box_remove (self->main_box, top_bar);
      gtk_revealer_set_child (self->top_revealer, top_bar);
      /* Shown for a moment, so the user sees where it went. */
      gtk_revealer_set_reveal_child (self->top_revealer, TRUE);
      schedule_hide_top (self, FIRST_HIDE_TOP_DELAY_MS);
    }
  else
    {
      gtk_revealer_set_child (self->top_revealer, NULL);
      gtk_box_prepend (self->main_box, top_bar);
      gtk_revealer_set_reveal_child (self->top_revealer, FALSE);
    }

  gtk_button_set_icon_name (GTK_BUTTON (self->fullscreen_button),
                            fullscreen ? "view-restore-symbolic" : "view-fullscreen-symbolic");
  gtk_widget_set_tooltip_text (self->fullscreen_button,
                               fullscreen ? _("Leave Fullscreen") : _("Fullscreen"));
}

/* -------------------------------------------------------------------------- */
/* USB redirection                                                            */

static void
on_usb_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkWidget) sw = user_data; /* owned ref to the switch */
  SpiceUsbDeviceManager *manager = SPICE_USB_DEVICE_MANAGER (source);
  gboolean connecting = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (sw), "connecting"));
  gboolean ok;

  if (connecting)
    ok = spice_usb_device_manager_connect_device_finish (manager, result, &error);
  else
    ok = spice_usb_device_manager_disconnect_device_finish (manager, result, &error);

  if (!ok)
    {
      GtkWidget *label = g_object_get_data (G_OBJECT (sw), "message-label");
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Translators: %s is the system's explanation. */
      text = g_strdup_printf (_("The device could not be redirected: %s. Redirecting USB devices "
                                "needs permission to use them (see /dev/bus/usb)."),
                              error->message);
      if (label != NULL)
        gtk_label_set_label (GTK_LABEL (label), text);

      g_signal_handlers_block_matched (sw, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, manager);
      gtk_switch_set_active (GTK_SWITCH (sw), !connecting);
      g_signal_handlers_unblock_matched (sw, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, manager);
    }
}

static void
free_usb_device (gpointer device)
{
  g_boxed_free (spice_usb_device_get_type (), device);
}

static void
on_usb_switch_cb (GtkSwitch             *sw,
                  GParamSpec            *pspec,
                  SpiceUsbDeviceManager *manager)
{
  SpiceUsbDevice *device = g_object_get_data (G_OBJECT (sw), "device");
  gboolean active = gtk_switch_get_active (sw);

  g_object_set_data (G_OBJECT (sw), "connecting", GINT_TO_POINTER (active));
  if (active)
    spice_usb_device_manager_connect_device_async (manager, device, NULL, on_usb_done_cb,
                                                   g_object_ref (sw));
  else
    spice_usb_device_manager_disconnect_device_async (manager, device, NULL, on_usb_done_cb,
                                                      g_object_ref (sw));
}

/* Lists the host's USB devices, each with a switch, when the popover shows;
 * without a connection there is nothing to redirect to. */
static void
update_usb_section (HearthConsolePage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  SpiceUsbDeviceManager *manager;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->usb_list))) != NULL)
    gtk_list_box_remove (self->usb_list, child);

  gtk_widget_set_visible (self->usb_section, hearth_display_get_connected (self->display));
  if (!hearth_display_get_connected (self->display))
    return;

  manager = hearth_display_get_usb_manager (self->display, &error);
  if (manager == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("USB redirection is not available: %s"),
                                               error->message);

      gtk_label_set_label (self->usb_message, text);
      gtk_widget_set_visible (GTK_WIDGET (self->usb_list), FALSE);
      return;
    }

  devices = spice_usb_device_manager_get_devices (manager);
  if (devices == NULL || devices->len == 0)
    {
      gtk_label_set_label (self->usb_message, _("No USB devices are plugged into this computer."));
      gtk_widget_set_visible (GTK_WIDGET (self->usb_list), FALSE);
      return;
    }

  gtk_label_set_label (self->usb_message,
                       _("Devices switched on here are used by the machine instead of this "
                         "computer."));
  gtk_widget_set_visible (GTK_WIDGET (self->usb_list), TRUE);

  for (guint i = 0; i < devices->len; i++)
    {
      SpiceUsbDevice *device = g_ptr_array_index (devices, i);
      g_autofree char *description = spice_usb_device_get_description (device, "%s %s");
      g_autoptr(GError) why_not = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *sw = gtk_switch_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), description);
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (sw),
                             spice_usb_device_manager_is_device_connected (manager, device));
      if (!spice_usb_device_manager_can_redirect_device (manager, device, &why_not))
        {
          gtk_widget_set_sensitive (sw, FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), why_not->message);
        }

      g_object_set_data_full (G_OBJECT (sw), "device",
                              g_boxed_copy (spice_usb_device_get_type (), device),
                              free_usb_device);
      g_object_set_data (G_OBJECT (sw), "message-label", self->usb_message);
      g_signal_connect_object (sw, "notify::active", G_CALLBACK (on_usb_switch_cb), manager, 0);
      gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      description, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      gtk_list_box_append (self->usb_list, row);
    }
}

/* -------------------------------------------------------------------------- */
/* Guest tools                                                                */

/* What the session offers for sound. Audio cannot be switched off cleanly
 * while connected (spice-client-glib decides it per connection, and muting
 * the channel leaves the microphone open), so the row only says what there is. */
static void
update_sound_row (HearthConsolePage *self)
{
  SpiceSession *session = hearth_display_get_session (self->display);
  gboolean playback = FALSE, record = FALSE;
  const char *subtitle;
  GList *channels;

  if (session == NULL || !hearth_display_get_connected (self->display))
    {
      adw_action_row_set_subtitle (self->sound_row, _("Not connected"));
      gtk_image_set_from_icon_name (self->sound_icon, "audio-volume-muted-symbolic");
      return;
    }

  channels = spice_session_get_channels (session);
  for (GList *l = channels; l != NULL; l = l->next)
    {
      playback = playback || SPICE_IS_PLAYBACK_CHANNEL (l->data);
      record = record || SPICE_IS_RECORD_CHANNEL (l->data);
    }
  g_list_free (channels);

  if (playback && record)
    subtitle = _("Plays on this computer’s speakers and can use its microphone");
  else if (playback)
    subtitle = _("Plays on this computer’s speakers");
  else if (record)
    subtitle = _("Can use this computer’s microphone");
  else
    subtitle = _("This machine has no sound card");

  adw_action_row_set_subtitle (self->sound_row, subtitle);
  gtk_image_set_from_icon_name (self->sound_icon, playback || record
                                                    ? "audio-volume-high-symbolic"
                                                    : "audio-volume-muted-symbolic");
}

static void
update_guest_tools (HearthConsolePage *self)
{
  gboolean connected = hearth_display_get_connected (self->display);
  gboolean agent = hearth_display_get_agent_connected (self->display);
  GtkWidget *icon = GTK_WIDGET (self->guest_status_icon);
  const char *title, *description, *icon_name;

  if (agent)
    {
      icon_name = "emblem-ok-symbolic";
      title = _("Guest Tools Connected");
      description = _("This machine can share the clipboard and fit its screen to the window.");
    }
  else if (connected)
    {
      icon_name = "dialog-information-symbolic";
      title = _("Guest Tools Not Found");
      /* Translators: keep the link's markup. */
      description = _("Install them in the machine to copy and paste between it and this "
                      "computer, and to fit its screen to the window. On Linux, install the "
                      "“spice-vdagent” package; on Windows, the <a "
                      "href=\"https://www.spice-space.org/download.html\">SPICE Guest "
                      "Tools</a>.");
    }
  else
    {
      icon_name = "computer-symbolic";
      title = _("Not Connected");
      description = _("Whether the machine has its guest tools shows once its screen is on.");
    }

  gtk_image_set_from_icon_name (self->guest_status_icon, icon_name);
  if (agent)
    gtk_widget_add_css_class (icon, "success");
  else
    gtk_widget_remove_css_class (icon, "success");
  gtk_label_set_label (self->guest_status_title, title);
  gtk_label_set_label (self->guest_status_description, description);

  gtk_widget_set_sensitive (GTK_WIDGET (self->resize_row), agent);
  adw_action_row_set_subtitle (self->resize_row,
                               agent ? _("The screen follows this window’s size")
                                     : _("Needs the guest tools in the machine"));
  adw_action_row_set_subtitle (self->clipboard_row,
                               agent ? _("Copy and paste text and images both ways")
                                     : _("Works once the guest tools are installed"));
  update_sound_row (self);
}

static void
on_guest_popover_show_cb (HearthConsolePage *self,
                          GtkPopover        *popover)
{
  update_guest_tools (self);
  update_usb_section (self);
}

/* The sound card's channels arrive after the connection and the agent: the
 * popover may be open meanwhile. */
static void
on_display_session_cb (HearthConsolePage *self)
{
  if (self->session_signals == NULL) /* disposed: the display closes */
    return;
  g_signal_group_set_target (self->session_signals, hearth_display_get_session (self->display));
  update_sound_row (self);
}

/* The popover may be open while the machine connects or goes. */
static void
on_display_connected_for_guest_cb (HearthConsolePage *self)
{
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (self->guest_button));

  update_guest_tools (self);
  if (gtk_widget_get_visible (GTK_WIDGET (popover)))
    update_usb_section (self);
}

/* -------------------------------------------------------------------------- */
/* GObject                                                                    */

static void
hearth_console_page_dispose (GObject *object)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (object);

  /* Without a machine, the "disconnected" of the close schedules nothing. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->machine_signals);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->machine);
  g_clear_object (&self->snapshot_tree);
  g_clear_object (&self->snapshot_toast);
  g_clear_object (&self->settings);
  if (self->display != NULL)
    hearth_display_close (self->display);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  g_clear_handle_id (&self->hide_top_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_CONSOLE_PAGE);

  G_OBJECT_CLASS (hearth_console_page_parent_class)->dispose (object);
}

static void
hearth_console_page_finalize (GObject *object)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->last_error);

  G_OBJECT_CLASS (hearth_console_page_parent_class)->finalize (object);
}

static void
hearth_console_page_root (GtkWidget *widget)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (widget);

  GTK_WIDGET_CLASS (hearth_console_page_parent_class)->root (widget);

  self->fullscreen_root = GTK_WIDGET (gtk_widget_get_root (widget));
  if (GTK_IS_WINDOW (self->fullscreen_root))
    g_signal_connect_object (self->fullscreen_root, "notify::fullscreened",
                             G_CALLBACK (on_root_fullscreened_cb), self, G_CONNECT_SWAPPED);
  on_root_fullscreened_cb (self);
}

static void
hearth_console_page_unroot (GtkWidget *widget)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (widget);

  if (self->fullscreen_root != NULL)
    g_signal_handlers_disconnect_by_func (self->fullscreen_root, on_root_fullscreened_cb, self);
  self->fullscreen_root = NULL;
  on_root_fullscreened_cb (self);

  GTK_WIDGET_CLASS (hearth_console_page_parent_class)->unroot (widget);
}

static void
hearth_console_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;
    case PROP_SCALE_TO_FIT:
      g_value_set_boolean (value, hearth_display_get_scale_to_fit (self->display));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_console_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HearthConsolePage *self = HEARTH_CONSOLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hearth_console_page_set_machine (self, g_value_get_object (value));
      break;
    case PROP_SCALE_TO_FIT:
      if (g_value_get_boolean (value) != hearth_display_get_scale_to_fit (self->display))
        {
          hearth_display_set_scale_to_fit (self->display, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_console_page_class_init (HearthConsolePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_console_page_dispose;
  object_class->finalize = hearth_console_page_finalize;
  object_class->get_property = hearth_console_page_get_property;
  object_class->set_property = hearth_console_page_set_property;
  widget_class->root = hearth_console_page_root;
  widget_class->unroot = hearth_console_page_unroot;

  /**
   * HearthConsolePage:machine:
   *
   * The machine shown, or %NULL.
   */
  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthConsolePage:scale-to-fit:
   *
   * Scale the screen to the window (TRUE) or show it 1:1 with scroll bars.
   */
  properties[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthConsolePage::back:
   *
   * The user asked to leave the console (the window shows its list again).
   */
  signals[SIGNAL_BACK] = g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (HEARTH_TYPE_DISPLAY);
  g_type_ensure (HEARTH_TYPE_SANDBOX_BADGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-console-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, top_revealer);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, main_box);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, top_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, snapshot_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, snapshot_button_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, snapshot_spinner);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, send_keys_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, header_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, window_title);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, scroller);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, display);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, status_page);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, resume_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, usb_section);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, usb_message);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, usb_list);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, guest_button);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, guest_status_icon);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, guest_status_title);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage,
                                        guest_status_description);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, resize_row);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, clipboard_row);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, sound_row);
  gtk_widget_class_bind_template_child (widget_class, HearthConsolePage, sound_icon);
  gtk_widget_class_bind_template_callback (widget_class, on_display_request_fd_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_display_first_frame_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_display_disconnected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_display_connected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_guest_popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_overlay_motion_cb);

  gtk_widget_class_install_action (widget_class, "console.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "console.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "console.resume", NULL, resume_activated);
  gtk_widget_class_install_action (widget_class, "console.fullscreen", NULL, fullscreen_activated);
  gtk_widget_class_install_action (widget_class, "console.send-keys", "s", send_keys_activated);
  gtk_widget_class_install_action (widget_class, "console.take-snapshot", NULL,
                                   take_snapshot_activated);
  gtk_widget_class_install_property_action (widget_class, "console.scale-to-fit", "scale-to-fit");

  /* These reach the page only when the screen does not have the focus (the
   * screen sends every key to the machine). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "console.fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "console.back",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "console.take-snapshot", NULL);
}

static void
hearth_console_page_init (HearthConsolePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->machine_signals = g_signal_group_new (HEARTH_TYPE_MACHINE);
  g_signal_group_connect_swapped (self->machine_signals, "notify::state",
                                  G_CALLBACK (on_machine_state_cb), self);
  g_signal_group_connect_swapped (self->machine_signals, "notify::busy",
                                  G_CALLBACK (update_page), self);
  g_signal_group_connect_swapped (self->machine_signals, "notify::display-name",
                                  G_CALLBACK (update_page), self);

  /* Global preferences: every console follows them, and a change in one
   * applies to all at once. */
  self->settings = g_settings_new (HEARTH_SETTINGS_SCHEMA);
  g_settings_bind (self->settings, "console-resize-guest", self->display, "resize-guest",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "console-share-clipboard", self->display, "share-clipboard",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->display, "notify::agent-connected",
                           G_CALLBACK (update_guest_tools), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->display, "notify::connected",
                           G_CALLBACK (on_display_connected_for_guest_cb), self,
                           G_CONNECT_SWAPPED);
  self->session_signals = g_signal_group_new (SPICE_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "channel-new",
                                  G_CALLBACK (update_sound_row), self);
  g_signal_group_connect_swapped (self->session_signals, "channel-destroy",
                                  G_CALLBACK (update_sound_row), self);
  g_signal_connect_object (self->display, "notify::session", G_CALLBACK (on_display_session_cb),
                           self, G_CONNECT_SWAPPED);

  update_page (self);
  update_guest_tools (self);
}

/* -------------------------------------------------------------------------- */
/* Public API                                                                 */

GtkWidget *
hearth_console_page_new (void)
{
  return g_object_new (HEARTH_TYPE_CONSOLE_PAGE, NULL);
}

/**
 * hearth_console_page_get_machine:
 *
 * Returns: (transfer none) (nullable): the machine shown
 */
HearthMachine *
hearth_console_page_get_machine (HearthConsolePage *self)
{
  g_return_val_if_fail (HEARTH_IS_CONSOLE_PAGE (self), NULL);

  return self->machine;
}

/**
 * hearth_console_page_set_machine:
 * @machine: (nullable): the machine to show
 *
 * Shows @machine: its screen when it runs (connecting at once), otherwise a
 * status page with a Start or Resume button.
 */
void
hearth_console_page_set_machine (HearthConsolePage *self,
                                 HearthMachine     *machine)
{
  g_return_if_fail (HEARTH_IS_CONSOLE_PAGE (self));
  g_return_if_fail (!machine || HEARTH_IS_MACHINE (machine));

  if (self->machine == machine)
    return;

  /* Drop everything that belongs to the previous machine. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hearth_display_close (self->display);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  self->connecting = FALSE;
  self->have_frame = FALSE;
  self->reconnect_attempts = 0;
  set_last_error (self, NULL);
  /* A snapshot under way goes on in the core; its toast would name the wrong
   * machine, and the one shown can no longer rename the previous machine's
   * snapshot. (Dismissing it here crashes libadwaita 1.2.) */
  g_clear_object (&self->snapshot_tree);
  self->taking_snapshot = FALSE;
  if (self->snapshot_toast != NULL)
    gtk_widget_set_sensitive (adw_toast_get_custom_title (self->snapshot_toast), FALSE);

  g_set_object (&self->machine, machine);
  g_signal_group_set_target (self->machine_signals, machine);

  on_machine_state_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

/**
 * hearth_console_page_get_display:
 *
 * Returns: (transfer none): the display widget
 */
HearthDisplay *
hearth_console_page_get_display (HearthConsolePage *self)
{
  g_return_val_if_fail (HEARTH_IS_CONSOLE_PAGE (self), NULL);

  return self->display;
}
