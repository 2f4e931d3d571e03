/* hearth-connection.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CONNECTION (hearth_connection_get_type ())
G_DECLARE_FINAL_TYPE (HearthConnection, hearth_connection, HEARTH, CONNECTION, GObject)

char                 *hearth_connection_dup_default_uri (void);

HearthConnection     *hearth_connection_new             (const char           *uri);
const char           *hearth_connection_get_uri         (HearthConnection     *self);
const char           *hearth_connection_get_display_uri (HearthConnection     *self);
HearthConnectionState hearth_connection_get_state       (HearthConnection     *self);
const GError         *hearth_connection_get_error       (HearthConnection     *self);
GListModel           *hearth_connection_get_machines    (HearthConnection     *self);
HearthMachine        *hearth_connection_find_machine    (HearthConnection     *self,
                                                         const char           *name_or_uuid);
gboolean              hearth_connection_is_local        (HearthConnection     *self);

void                  hearth_connection_open_async      (HearthConnection     *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean              hearth_connection_open_finish     (HearthConnection     *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void                  hearth_connection_close           (HearthConnection     *self);

void                  hearth_connection_define_xml_async  (HearthConnection   *self,
                                                           const char         *xml,
                                                           GCancellable       *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer            user_data);
HearthMachine        *hearth_connection_define_xml_finish (HearthConnection   *self,
                                                           GAsyncResult       *result,
                                                           GError            **error);

G_END_DECLS
