/* hearth-machine-item.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-machine-item"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-item.h"
#include "hearth-ui-utils.h"

/* What a tile and a row show of a machine, kept current through the widget's
 * GSignalGroup on its machine; a recycled widget calls
 * hearth_machine_item_update() with its new machine (or %NULL). */

static void
update_name (HearthMachineItem *item,
             HearthMachine     *machine)
{
  const char *name = machine ? hearth_machine_get_display_name (machine) : "";

  gtk_label_set_label (item->name_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (item->name_label), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
}

/* Whether the application's idle policy saved @machine because it was idle. */
static gboolean
saved_while_idle (HearthMachine *machine)
{
  HearthIdlePolicy *policy = hearth_ui_get_idle_policy ();

  return policy != NULL && hearth_idle_policy_was_suspended (policy, machine);
}

static void
update_state (HearthMachineItem *item,
              HearthMachine     *machine)
{
  HearthMachineState state;
  const char *label;
  const char *css_class;

  state = machine ? hearth_machine_get_state (machine) : HEARTH_MACHINE_STATE_UNKNOWN;
  label = hearth_ui_state_to_label (state);
  css_class = hearth_ui_state_to_css_class (state);
  if (state == HEARTH_MACHINE_STATE_SAVED && saved_while_idle (machine))
    /* Translators: the state of a machine the idle policy saved to disk. */
    label = C_("machine state", "Saved while idle");

  gtk_label_set_label (item->state_label, label);
  gtk_image_set_from_icon_name (item->state_icon, hearth_ui_state_to_icon_name (state));

  if (item->state_class != css_class)
    {
      if (item->state_class != NULL)
        {
          gtk_widget_remove_css_class (item->state_dot, item->state_class);
          gtk_widget_remove_css_class (item->state_frame, item->state_class);
        }
      gtk_widget_add_css_class (item->state_dot, css_class);
      gtk_widget_add_css_class (item->state_frame, css_class);
      item->state_class = css_class;
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (item->widget),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, label,
                                  -1);
}

static void
update_busy (HearthMachineItem *item,
             HearthMachine     *machine)
{
  gboolean busy = machine != NULL && hearth_machine_get_busy (machine);

  gtk_widget_set_visible (item->busy_spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (item->busy_spinner), busy);
  gtk_accessible_update_state (GTK_ACCESSIBLE (item->widget),
                               GTK_ACCESSIBLE_STATE_BUSY, busy,
                               -1);
}

static void
on_display_name_cb (HearthMachine     *machine,
                    GParamSpec        *pspec,
                    HearthMachineItem *item)
{
  update_name (item, machine);
}

static void
on_state_cb (HearthMachine     *machine,
             GParamSpec        *pspec,
             HearthMachineItem *item)
{
  update_state (item, machine);
}

static void
on_busy_cb (HearthMachine     *machine,
            GParamSpec        *pspec,
            HearthMachineItem *item)
{
  update_busy (item, machine);
}

/**
 * hearth_machine_item_connect:
 * @machine_signals: the widget's signal group on its machine
 *
 * Keeps @item current while @machine_signals targets a machine. @item lives
 * in the widget, which owns @machine_signals, so it outlives the handlers.
 */
void
hearth_machine_item_connect (HearthMachineItem *item,
                             GSignalGroup      *machine_signals)
{
  g_signal_group_connect (machine_signals, "notify::display-name",
                          G_CALLBACK (on_display_name_cb), item);
  g_signal_group_connect (machine_signals, "notify::state", G_CALLBACK (on_state_cb), item);
  g_signal_group_connect (machine_signals, "notify::busy", G_CALLBACK (on_busy_cb), item);
}

/**
 * hearth_machine_item_update:
 * @machine: (nullable): the machine now shown
 *
 * Shows @machine's name, state and busy state.
 */
void
hearth_machine_item_update (HearthMachineItem *item,
                            HearthMachine     *machine)
{
  update_name (item, machine);
  update_state (item, machine);
  update_busy (item, machine);
}
