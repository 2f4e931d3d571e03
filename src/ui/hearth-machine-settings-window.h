/* hearth-machine-settings-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE_SETTINGS_WINDOW (hearth_machine_settings_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineSettingsWindow, hearth_machine_settings_window, HEARTH,
                      MACHINE_SETTINGS_WINDOW, AdwPreferencesWindow)

HearthMachineSettingsWindow *hearth_machine_settings_window_new (HearthMachine *machine);

HearthMachine               *hearth_machine_settings_window_get_machine
                                                                (HearthMachineSettingsWindow *self);

G_END_DECLS
