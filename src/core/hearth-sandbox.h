/* hearth-sandbox.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_SANDBOX (hearth_sandbox_get_type ())
G_DECLARE_FINAL_TYPE (HearthSandbox, hearth_sandbox, HEARTH, SANDBOX, GObject)

HearthSandbox *hearth_sandbox_get_for_connection (HearthConnection   *connection);
HearthConnection *hearth_sandbox_get_connection  (HearthSandbox      *self);
gboolean       hearth_sandbox_get_loaded         (HearthSandbox      *self);
gboolean       hearth_sandbox_is_enabled         (HearthSandbox      *self,
                                                  HearthMachine      *machine);
const char    *hearth_sandbox_get_snapshot_name  (HearthSandbox      *self,
                                                  HearthMachine      *machine);

void           hearth_sandbox_set_async          (HearthSandbox      *self,
                                                  HearthMachine      *machine,
                                                  const char         *snapshot_name,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean       hearth_sandbox_set_finish         (HearthSandbox      *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);

G_END_DECLS
