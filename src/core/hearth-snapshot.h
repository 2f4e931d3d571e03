/* hearth-snapshot.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthSnapshotState:
 * @HEARTH_SNAPSHOT_STATE_SHUTOFF: taken while the machine was shut off (disks only);
 *   going back leaves the machine shut off
 * @HEARTH_SNAPSHOT_STATE_RUNNING: taken while running, with memory; going back
 *   leaves the machine running from that moment
 * @HEARTH_SNAPSHOT_STATE_PAUSED: taken while paused, with memory; going back leaves
 *   the machine paused at that moment
 * @HEARTH_SNAPSHOT_STATE_DISK_ONLY: taken while running but without memory; going
 *   back leaves the machine shut off with the disks of that moment
 *
 * What a snapshot holds, and so the state a machine ends in when it goes back to it.
 */
typedef enum
{
  HEARTH_SNAPSHOT_STATE_SHUTOFF,
  HEARTH_SNAPSHOT_STATE_RUNNING,
  HEARTH_SNAPSHOT_STATE_PAUSED,
  HEARTH_SNAPSHOT_STATE_DISK_ONLY,
} HearthSnapshotState;

/**
 * HearthSnapshotOrigin:
 * @HEARTH_SNAPSHOT_ORIGIN_USER: made (or renamed) by the user; retention never deletes it
 * @HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC: made by Hearth before it changed the machine's settings
 * @HEARTH_SNAPSHOT_ORIGIN_SCHEDULED: made by the snapshot schedule
 *
 * Who made a snapshot. Hearth marks its own with a trailer line in the libvirt
 * description (`Hearth-Origin: automatic`); a snapshot the user renames loses the
 * trailer and becomes the user's.
 */
typedef enum
{
  HEARTH_SNAPSHOT_ORIGIN_USER,
  HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC,
  HEARTH_SNAPSHOT_ORIGIN_SCHEDULED,
} HearthSnapshotOrigin;

#define HEARTH_TYPE_SNAPSHOT (hearth_snapshot_get_type ())
G_DECLARE_FINAL_TYPE (HearthSnapshot, hearth_snapshot, HEARTH, SNAPSHOT, GObject)

const char          *hearth_snapshot_get_name           (HearthSnapshot *self);
const char          *hearth_snapshot_get_title          (HearthSnapshot *self);
const char          *hearth_snapshot_get_description    (HearthSnapshot *self);
gint64               hearth_snapshot_get_creation_time  (HearthSnapshot *self);
GDateTime           *hearth_snapshot_dup_creation_date  (HearthSnapshot *self);
HearthSnapshotState  hearth_snapshot_get_state          (HearthSnapshot *self);
HearthSnapshotOrigin hearth_snapshot_get_origin         (HearthSnapshot *self);
gboolean             hearth_snapshot_get_has_memory     (HearthSnapshot *self);
gboolean             hearth_snapshot_get_external       (HearthSnapshot *self);
gboolean             hearth_snapshot_get_current        (HearthSnapshot *self);
HearthSnapshot      *hearth_snapshot_get_parent         (HearthSnapshot *self);
const char          *hearth_snapshot_get_parent_name    (HearthSnapshot *self);
GListModel          *hearth_snapshot_get_children       (HearthSnapshot *self);
const char          *hearth_snapshot_get_thumbnail_path (HearthSnapshot *self);
guint                hearth_snapshot_get_depth          (HearthSnapshot *self);

G_END_DECLS
