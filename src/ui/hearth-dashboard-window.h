/* hearth-dashboard-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_DASHBOARD_WINDOW (hearth_dashboard_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthDashboardWindow, hearth_dashboard_window, HEARTH, DASHBOARD_WINDOW,
                      AdwWindow)

HearthDashboardWindow *hearth_dashboard_window_new            (GtkApplication        *application,
                                                               HearthConnection      *connection,
                                                               GSettings             *settings,
                                                               HearthStatsSampler    *sampler,
                                                               HearthAlertEngine     *engine);
HearthConnection      *hearth_dashboard_window_get_connection (HearthDashboardWindow *self);
char                  *hearth_dashboard_window_describe_rule  (const HearthAlertRule *rule);

G_END_DECLS
