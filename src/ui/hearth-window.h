/* hearth-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-application.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_WINDOW (hearth_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthWindow, hearth_window, HEARTH, WINDOW, AdwApplicationWindow)

HearthWindow *hearth_window_new           (HearthApplication *application);
void          hearth_window_open_console  (HearthWindow      *self,
                                           const char        *name_or_uuid,
                                           gboolean           start);
void          hearth_window_focus_machine (HearthWindow      *self,
                                           const char        *name_or_uuid);
void          hearth_window_add_toast     (HearthWindow      *self,
                                           AdwToast          *toast);

G_END_DECLS
