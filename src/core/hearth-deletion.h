/* hearth-deletion.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_DELETION (hearth_deletion_get_type ())
G_DECLARE_FINAL_TYPE (HearthDeletion, hearth_deletion, HEARTH, DELETION, GObject)

const char       *hearth_deletion_get_name       (HearthDeletion      *self);
HearthConnection *hearth_deletion_get_connection (HearthDeletion      *self);
gboolean          hearth_deletion_get_can_undo   (HearthDeletion      *self);
GPtrArray        *hearth_deletion_get_storage    (HearthDeletion      *self);

void              hearth_deletion_undo_async     (HearthDeletion      *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
HearthMachine    *hearth_deletion_undo_finish    (HearthDeletion      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
void              hearth_deletion_commit_async   (HearthDeletion      *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          hearth_deletion_commit_finish  (HearthDeletion      *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
