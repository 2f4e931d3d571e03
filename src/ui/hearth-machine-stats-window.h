/* hearth-machine-stats-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE_STATS_WINDOW (hearth_machine_stats_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineStatsWindow, hearth_machine_stats_window, HEARTH,
                      MACHINE_STATS_WINDOW, AdwWindow)

HearthMachineStatsWindow *hearth_machine_stats_window_new         (GtkApplication     *application,
                                                                   HearthMachine      *machine,
                                                                   GSettings          *settings,
                                                                   HearthStatsSampler *sampler,
                                                                   HearthIdlePolicy   *idle_policy);
HearthMachine            *hearth_machine_stats_window_get_machine (HearthMachineStatsWindow *self);

G_END_DECLS
