/* hearthctl-set.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-core.h"

G_BEGIN_DECLS

/* "hearthctl set MACHINE [--memory MIB] [--vcpus N] [--description TEXT]
 * [--cdrom PATH | --eject] [--autostart on|off]": a thin wrapper over
 * HearthMachineSettings, the same code the settings window uses. */
const GOptionEntry *hearthctl_set_option_entries (void);
gboolean            hearthctl_set_has_options    (void);
gboolean            hearthctl_set_check_options  (GError          **error);
int                 hearthctl_set_run            (HearthConnection *connection,
                                                  const char       *name_or_uuid,
                                                  GMainLoop        *loop);

G_END_DECLS
