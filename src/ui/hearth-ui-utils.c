/* hearth-ui-utils.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hearth-ui-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

/* The state as the state line of a tile or row shows it. */
const char *
hearth_ui_state_to_label (HearthMachineState state)
{
  switch (state)
    {
    case HEARTH_MACHINE_STATE_SHUTOFF:
      return C_("machine state", "Shut Off");
    case HEARTH_MACHINE_STATE_RUNNING:
      return C_("machine state", "Running");
    case HEARTH_MACHINE_STATE_PAUSED:
      return C_("machine state", "Paused");
    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
      return C_("machine state", "Shutting Down");
    case HEARTH_MACHINE_STATE_CRASHED:
      return C_("machine state", "Crashed");
    case HEARTH_MACHINE_STATE_SUSPENDED:
      return C_("machine state", "Suspended");
    case HEARTH_MACHINE_STATE_SAVED:
      return C_("machine state", "Saved");
    case HEARTH_MACHINE_STATE_UNKNOWN:
    default:
      return C_("machine state", "Unknown");
    }
}

/* One CSS class per state, used for the state dot (see style.css). */
const char *
hearth_ui_state_to_css_class (HearthMachineState state)
{
  switch (state)
    {
    case HEARTH_MACHINE_STATE_RUNNING:
    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
      return "running";
    case HEARTH_MACHINE_STATE_PAUSED:
    case HEARTH_MACHINE_STATE_SUSPENDED:
      return "paused";
    case HEARTH_MACHINE_STATE_SAVED:
      return "saved";
    case HEARTH_MACHINE_STATE_CRASHED:
      return "crashed";
    case HEARTH_MACHINE_STATE_SHUTOFF:
    case HEARTH_MACHINE_STATE_UNKNOWN:
    default:
      return "off";
    }
}

/* Until consoles give tiles a live thumbnail, the thumbnail area shows the state. */
const char *
hearth_ui_state_to_icon_name (HearthMachineState state)
{
  switch (state)
    {
    case HEARTH_MACHINE_STATE_RUNNING:
    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
      return "video-display-symbolic";
    case HEARTH_MACHINE_STATE_PAUSED:
    case HEARTH_MACHINE_STATE_SUSPENDED:
      return "media-playback-pause-symbolic";
    case HEARTH_MACHINE_STATE_SAVED:
      return "document-save-symbolic";
    case HEARTH_MACHINE_STATE_CRASHED:
      return "computer-fail-symbolic";
    case HEARTH_MACHINE_STATE_SHUTOFF:
    case HEARTH_MACHINE_STATE_UNKNOWN:
    default:
      return "computer-symbolic";
    }
}

char *
hearth_ui_format_memory (guint64 bytes)
{
  /* Whole GiB and MiB read better than "4.0 GiB", and machines are sized that way. */
  if (bytes >= GIB && bytes % GIB == 0)
    return g_strdup_printf (_("%u GiB"), (guint) (bytes / GIB));
  if (bytes >= MIB && bytes < GIB && bytes % MIB == 0)
    return g_strdup_printf (_("%u MiB"), (guint) (bytes / MIB));

  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

char *
hearth_ui_format_hardware (guint   vcpus,
                           guint64 memory)
{
  g_autofree char *cpus = NULL;
  g_autofree char *mem = NULL;

  cpus = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u vCPU", "%u vCPUs", vcpus), vcpus);
  if (memory == 0)
    return g_steal_pointer (&cpus);

  mem = hearth_ui_format_memory (memory);
  /* Translators: vCPU count and memory size, as in "2 vCPUs · 4 GiB". */
  return g_strdup_printf (_("%s · %s"), cpus, mem);
}

/* A sentence for the user chosen by error code; the core's message is the detail. */
const char *
hearth_ui_error_explanation (const GError *error)
{
  if (error == NULL)
    return _("Something went wrong.");

  if (error->domain == G_IO_ERROR && error->code == G_IO_ERROR_CANCELLED)
    return _("The operation was cancelled.");

  if (error->domain != HEARTH_ERROR)
    return _("Something went wrong.");

  switch ((HearthError) error->code)
    {
    case HEARTH_ERROR_NOT_FOUND:
      return _("The machine no longer exists. Another program may have deleted it.");
    case HEARTH_ERROR_ALREADY_RUNNING:
      return _("The machine is already running.");
    case HEARTH_ERROR_NOT_RUNNING:
      return _("The machine is not running.");
    case HEARTH_ERROR_CONNECTION_LOST:
      return _("The connection to the virtualization service was lost. Hearth reconnects by "
               "itself; try again in a moment.");
    case HEARTH_ERROR_NOT_INSTALLED:
      return _("The virtualization software for this connection is not installed.");
    case HEARTH_ERROR_DAEMON_NOT_RUNNING:
      return _("The virtualization service is not running.");
    case HEARTH_ERROR_PERMISSION_DENIED:
      return _("You do not have permission to do this.");
    case HEARTH_ERROR_INVALID_URI:
      return _("The connection address is not valid.");
    case HEARTH_ERROR_INVALID_ARGUMENT:
      return _("Hearth passed a value the virtualization service does not accept.");
    case HEARTH_ERROR_NAME_TAKEN:
      return _("Another machine already has this name.");
    case HEARTH_ERROR_UNSUPPORTED:
      return _("This machine or its hypervisor cannot do this.");
    case HEARTH_ERROR_INVALID_STATE:
      return _("The machine is not in a state that allows this. It may have changed in the "
               "meantime.");
    case HEARTH_ERROR_BUSY:
      return _("Another operation on this machine is still under way. Wait for it to finish.");
    case HEARTH_ERROR_FAILED:
    default:
      return _("The virtualization service reported an error.");
    }
}

char *
hearth_ui_action_failed_heading (HearthMachineAction action,
                                 const char         *name)
{
  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      return g_strdup_printf (_("Could Not Start “%s”"), name);
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
      return g_strdup_printf (_("Could Not Shut Down “%s”"), name);
    case HEARTH_MACHINE_ACTION_REBOOT:
      return g_strdup_printf (_("Could Not Restart “%s”"), name);
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      return g_strdup_printf (_("Could Not Force Off “%s”"), name);
    case HEARTH_MACHINE_ACTION_PAUSE:
      return g_strdup_printf (_("Could Not Pause “%s”"), name);
    case HEARTH_MACHINE_ACTION_RESUME:
      return g_strdup_printf (_("Could Not Resume “%s”"), name);
    case HEARTH_MACHINE_ACTION_SAVE:
      return g_strdup_printf (_("Could Not Save “%s”"), name);
    default:
      return g_strdup (name);
    }
}

char *
hearth_ui_action_done_toast (HearthMachineAction action,
                             const char         *name)
{
  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      return g_strdup_printf (_("“%s” started"), name);
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
      /* ACPI shutdown only asks the guest; the state line shows when it is off. */
      return g_strdup_printf (_("“%s” was asked to shut down"), name);
    case HEARTH_MACHINE_ACTION_REBOOT:
      return g_strdup_printf (_("“%s” is restarting"), name);
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      return g_strdup_printf (_("“%s” was forced off"), name);
    case HEARTH_MACHINE_ACTION_PAUSE:
      return g_strdup_printf (_("“%s” paused"), name);
    case HEARTH_MACHINE_ACTION_RESUME:
      return g_strdup_printf (_("“%s” resumed"), name);
    case HEARTH_MACHINE_ACTION_SAVE:
      return g_strdup_printf (_("“%s” saved"), name);
    default:
      return g_strdup (name);
    }
}

/* An AdwMessageDialog with the translated explanation and, below it, the technical
 * detail in a small selectable label, so it can be copied into a bug report. */
void
hearth_ui_show_error_dialog (GtkWidget    *parent,
                             const char   *heading,
                             const GError *error)
{
  GtkRoot *root = parent ? gtk_widget_get_root (parent) : NULL;
  AdwMessageDialog *dialog;
  GtkWidget *detail;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       heading,
                                                       hearth_ui_error_explanation (error)));
  if (error != NULL && error->message != NULL && *error->message != '\0')
    {
      detail = gtk_label_new (error->message);
      gtk_label_set_selectable (GTK_LABEL (detail), TRUE);
      gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (GTK_LABEL (detail), 0.5);
      gtk_label_set_justify (GTK_LABEL (detail), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (detail, "caption");
      gtk_widget_add_css_class (detail, "dim-label");
      adw_message_dialog_set_extra_child (dialog, detail);
    }

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_spinner_map_cb (GtkSpinner *spinner)
{
  gtk_spinner_start (spinner);
}

static void
on_spinner_unmap_cb (GtkSpinner *spinner)
{
  gtk_spinner_stop (spinner);
}

/* GTK 4.8 keeps a spinning spinner's CSS animation ticking even while the
 * spinner sits on a hidden stack page, which redraws the window every frame.
 * Spins @spinner only while it is on screen. */
void
hearth_ui_spin_while_mapped (GtkSpinner *spinner)
{
  g_return_if_fail (GTK_IS_SPINNER (spinner));

  gtk_spinner_set_spinning (spinner, gtk_widget_get_mapped (GTK_WIDGET (spinner)));
  g_signal_connect (spinner, "map", G_CALLBACK (on_spinner_map_cb), NULL);
  g_signal_connect (spinner, "unmap", G_CALLBACK (on_spinner_unmap_cb), NULL);
}

/* The application's idle policy, for the tiles and rows that say a machine was
 * saved while idle; a weak pointer, so it is NULL once the policy is gone. */
static GWeakRef idle_policy_ref;

void
hearth_ui_set_idle_policy (HearthIdlePolicy *policy)
{
  g_return_if_fail (policy == NULL || HEARTH_IS_IDLE_POLICY (policy));

  g_weak_ref_set (&idle_policy_ref, policy);
}

/* Returns: (transfer none) (nullable): the policy set last, if it still exists */
HearthIdlePolicy *
hearth_ui_get_idle_policy (void)
{
  g_autoptr(HearthIdlePolicy) policy = g_weak_ref_get (&idle_policy_ref);

  /* The application holds it; the caller only uses it at once. */
  return policy;
}
