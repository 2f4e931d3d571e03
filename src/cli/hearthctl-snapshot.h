/* hearthctl-snapshot.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-core.h"

G_BEGIN_DECLS

/* "hearthctl snapshot list MACHINE [--json]", "snapshot create MACHINE [TITLE]",
 * "snapshot revert MACHINE SNAPSHOT", "snapshot delete MACHINE SNAPSHOT": a thin
 * wrapper over HearthSnapshotTree, the same code the timeline uses. SNAPSHOT is a
 * snapshot's name or title. */
gboolean hearthctl_snapshot_check_args (const char *const *args,
                                        gboolean           json,
                                        GError           **error);
int      hearthctl_snapshot_run        (HearthConnection  *connection,
                                        const char *const *args,
                                        gboolean           json,
                                        GMainLoop         *loop);

G_END_DECLS
