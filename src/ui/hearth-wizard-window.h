/* hearth-wizard-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"
#include "hearth-window.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_WIZARD_WINDOW (hearth_wizard_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthWizardWindow, hearth_wizard_window, HEARTH, WIZARD_WINDOW, AdwWindow)

HearthWizardWindow *hearth_wizard_window_new (HearthWindow     *parent,
                                              HearthConnection *connection);

G_END_DECLS
