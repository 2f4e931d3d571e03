/* hearth-snapshot-scheduler.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthSnapshotEvery:
 * @HEARTH_SNAPSHOT_EVERY_NEVER: no scheduled snapshots
 * @HEARTH_SNAPSHOT_EVERY_HOUR: one an hour while the machine runs
 * @HEARTH_SNAPSHOT_EVERY_DAY: one a day while the machine runs
 * @HEARTH_SNAPSHOT_EVERY_WEEK: one a week while the machine runs
 *
 * How often a machine's snapshot schedule takes a snapshot.
 */
typedef enum
{
  HEARTH_SNAPSHOT_EVERY_NEVER,
  HEARTH_SNAPSHOT_EVERY_HOUR,
  HEARTH_SNAPSHOT_EVERY_DAY,
  HEARTH_SNAPSHOT_EVERY_WEEK,
} HearthSnapshotEvery;

#define HEARTH_SNAPSHOT_SCHEDULE_DEFAULT_KEEP 7
#define HEARTH_SNAPSHOT_SCHEDULE_MAX_KEEP     99

#define HEARTH_TYPE_SNAPSHOT_SCHEDULER (hearth_snapshot_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (HearthSnapshotScheduler, hearth_snapshot_scheduler, HEARTH,
                      SNAPSHOT_SCHEDULER, GObject)

HearthSnapshotScheduler *hearth_snapshot_scheduler_get_for_connection (HearthConnection *connection);
gboolean            hearth_snapshot_scheduler_get_loaded   (HearthSnapshotScheduler *self);
HearthSnapshotEvery hearth_snapshot_scheduler_get_every    (HearthSnapshotScheduler *self,
                                                            HearthMachine           *machine);
guint               hearth_snapshot_scheduler_get_keep     (HearthSnapshotScheduler *self,
                                                            HearthMachine           *machine);
void                hearth_snapshot_scheduler_set_async    (HearthSnapshotScheduler *self,
                                                            HearthMachine           *machine,
                                                            HearthSnapshotEvery      every,
                                                            guint                    keep,
                                                            GCancellable            *cancellable,
                                                            GAsyncReadyCallback      callback,
                                                            gpointer                 user_data);
gboolean            hearth_snapshot_scheduler_set_finish   (HearthSnapshotScheduler *self,
                                                            GAsyncResult            *result,
                                                            GError                 **error);
void                hearth_snapshot_scheduler_run_now      (HearthSnapshotScheduler *self);

G_END_DECLS
