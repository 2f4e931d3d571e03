/* hearth-settings-devices-page.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_SETTINGS_DEVICES_PAGE (hearth_settings_devices_page_get_type ())
G_DECLARE_FINAL_TYPE (HearthSettingsDevicesPage, hearth_settings_devices_page, HEARTH,
                      SETTINGS_DEVICES_PAGE, AdwPreferencesPage)

HearthSettingsDevicesPage *hearth_settings_devices_page_new    (HearthMachine        *machine);
HearthSettingsDevicesPage *hearth_settings_devices_page_insert (AdwPreferencesWindow *window,
                                                                HearthMachine        *machine,
                                                                GtkWidget            *before);
void hearth_settings_devices_page_set_snapshot_first (HearthSettingsDevicesPage *self,
                                                      HearthSnapshotTree        *tree,
                                                      const char                *reason);

G_END_DECLS
