/* hearth-snapshot-tree.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-snapshot.h"
#include "hearth-snapshot-scheduler.h"
#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_SNAPSHOT_TREE (hearth_snapshot_tree_get_type ())
G_DECLARE_FINAL_TYPE (HearthSnapshotTree, hearth_snapshot_tree, HEARTH, SNAPSHOT_TREE, GObject)

HearthSnapshotTree *hearth_snapshot_tree_new              (HearthMachine       *machine);
HearthMachine      *hearth_snapshot_tree_get_machine      (HearthSnapshotTree  *self);
GListModel         *hearth_snapshot_tree_get_snapshots    (HearthSnapshotTree  *self);
GListModel         *hearth_snapshot_tree_get_roots        (HearthSnapshotTree  *self);
HearthSnapshot     *hearth_snapshot_tree_get_current      (HearthSnapshotTree  *self);
HearthSnapshot     *hearth_snapshot_tree_find             (HearthSnapshotTree  *self,
                                                           const char          *name);
gboolean            hearth_snapshot_tree_get_loaded       (HearthSnapshotTree  *self);
gboolean            hearth_snapshot_tree_get_busy         (HearthSnapshotTree  *self);
double              hearth_snapshot_tree_get_progress     (HearthSnapshotTree  *self);
const GError       *hearth_snapshot_tree_get_error        (HearthSnapshotTree  *self);

void                hearth_snapshot_tree_refresh_async    (HearthSnapshotTree  *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean            hearth_snapshot_tree_refresh_finish   (HearthSnapshotTree  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void                hearth_snapshot_tree_create_async     (HearthSnapshotTree  *self,
                                                           const char          *name,
                                                           const char          *description,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
void                hearth_snapshot_tree_create_auto_async (HearthSnapshotTree *self,
                                                            const char         *reason,
                                                            GCancellable       *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer            user_data);
HearthSnapshot     *hearth_snapshot_tree_create_finish    (HearthSnapshotTree  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void                hearth_snapshot_tree_revert_async     (HearthSnapshotTree  *self,
                                                           HearthSnapshot      *snapshot,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean            hearth_snapshot_tree_revert_finish    (HearthSnapshotTree  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void                hearth_snapshot_tree_delete_async     (HearthSnapshotTree  *self,
                                                           HearthSnapshot      *snapshot,
                                                           gboolean             with_children,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean            hearth_snapshot_tree_delete_finish    (HearthSnapshotTree  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void                hearth_snapshot_tree_edit_async       (HearthSnapshotTree  *self,
                                                           HearthSnapshot      *snapshot,
                                                           const char          *new_name,
                                                           const char          *new_description,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
HearthSnapshot     *hearth_snapshot_tree_edit_finish      (HearthSnapshotTree  *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

void                hearth_snapshot_tree_run_schedule_async  (HearthSnapshotTree *self,
                                                              GTimeSpan           interval,
                                                              guint               keep_last,
                                                              GCancellable       *cancellable,
                                                              GAsyncReadyCallback callback,
                                                              gpointer            user_data);
HearthSnapshot     *hearth_snapshot_tree_run_schedule_finish (HearthSnapshotTree *self,
                                                              GAsyncResult       *result,
                                                              GError            **error);

G_END_DECLS
