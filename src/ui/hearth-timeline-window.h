/* hearth-timeline-window.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_TIMELINE_WINDOW (hearth_timeline_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthTimelineWindow, hearth_timeline_window, HEARTH, TIMELINE_WINDOW,
                      AdwWindow)

HearthTimelineWindow *hearth_timeline_window_new         (GtkWindow            *parent,
                                                          HearthMachine        *machine);
HearthMachine        *hearth_timeline_window_get_machine (HearthTimelineWindow *self);

G_END_DECLS
