/* hearthctl-create.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-core.h"

G_BEGIN_DECLS

/* "hearthctl presets [--json]", "hearthctl host [--json]" and "hearthctl create
 * --name NAME --preset ID [--os ID] [--iso PATH] [--disk-size GIB] [--start]":
 * thin wrappers over the host profile, the presets and the machine builder, the
 * same code the creation wizard uses. */
const GOptionEntry *hearthctl_create_option_entries (void);
gboolean            hearthctl_create_has_options    (void);
gboolean            hearthctl_create_check_options  (GError          **error);
int                 hearthctl_presets_run           (HearthConnection *connection,
                                                     gboolean          json,
                                                     GMainLoop        *loop);
int                 hearthctl_host_run              (HearthConnection *connection,
                                                     gboolean          json,
                                                     GMainLoop        *loop);
int                 hearthctl_create_run            (HearthConnection *connection,
                                                     GMainLoop        *loop);

G_END_DECLS
