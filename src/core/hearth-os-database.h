/* hearth-os-database.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_OS_DATABASE (hearth_os_database_get_type ())
G_DECLARE_FINAL_TYPE (HearthOsDatabase, hearth_os_database, HEARTH, OS_DATABASE, GObject)

HearthOsDatabase *hearth_os_database_get_default (void);
gboolean          hearth_os_database_is_loaded   (HearthOsDatabase    *self);
void              hearth_os_database_load_async  (HearthOsDatabase    *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          hearth_os_database_load_finish (HearthOsDatabase    *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
char             *hearth_os_database_dup_name    (HearthOsDatabase    *self,
                                                  const char          *os_id);
char             *hearth_os_database_dup_family  (HearthOsDatabase    *self,
                                                  const char          *os_id);

G_END_DECLS
