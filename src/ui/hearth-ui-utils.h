/* hearth-ui-utils.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_SETTINGS_SCHEMA "org.hearthvm.Hearth"

const char *hearth_ui_state_to_label     (HearthMachineState   state);
const char *hearth_ui_state_to_css_class (HearthMachineState   state);
const char *hearth_ui_state_to_icon_name (HearthMachineState   state);
char       *hearth_ui_format_memory      (guint64              bytes);
char       *hearth_ui_format_hardware    (guint                vcpus,
                                          guint64              memory);
const char *hearth_ui_error_explanation  (const GError        *error);
char       *hearth_ui_action_failed_heading (HearthMachineAction action,
                                             const char         *name);
char       *hearth_ui_action_done_toast  (HearthMachineAction  action,
                                          const char          *name);
void        hearth_ui_show_error_dialog  (GtkWidget           *parent,
                                          const char          *heading,
                                          const GError        *error);
void        hearth_ui_spin_while_mapped  (GtkSpinner          *spinner);
void        hearth_ui_set_idle_policy    (HearthIdlePolicy    *policy);
HearthIdlePolicy *hearth_ui_get_idle_policy (void);

G_END_DECLS
