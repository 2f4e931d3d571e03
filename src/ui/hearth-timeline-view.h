/* hearth-timeline-view.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_TIMELINE_VIEW (hearth_timeline_view_get_type ())
G_DECLARE_FINAL_TYPE (HearthTimelineView, hearth_timeline_view, HEARTH, TIMELINE_VIEW, GtkWidget)

GtkWidget          *hearth_timeline_view_new             (void);
HearthSnapshotTree *hearth_timeline_view_get_tree        (HearthTimelineView *self);
void                hearth_timeline_view_set_tree        (HearthTimelineView *self,
                                                          HearthSnapshotTree *tree);
HearthSnapshot     *hearth_timeline_view_get_selected    (HearthTimelineView *self);
void                hearth_timeline_view_set_selected    (HearthTimelineView *self,
                                                          HearthSnapshot     *snapshot);
GtkOrientation      hearth_timeline_view_get_orientation (HearthTimelineView *self);
void                hearth_timeline_view_set_orientation (HearthTimelineView *self,
                                                          GtkOrientation      orientation);
void                hearth_timeline_view_focus_selected  (HearthTimelineView *self);

char               *hearth_timeline_format_relative_time (GDateTime          *when,
                                                          GDateTime          *now);
const char         *hearth_timeline_snapshot_title       (HearthSnapshot     *snapshot);

G_END_DECLS
