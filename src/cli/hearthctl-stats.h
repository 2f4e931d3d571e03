/* hearthctl-stats.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-core.h"

G_BEGIN_DECLS

/* "hearthctl stats [--json] [--interval S] [--count N] [MACHINE]": the figures
 * the dashboard shows (host CPU and memory, each running machine's CPU, memory,
 * disk and network rates), read by the same HearthStatsSampler. Rates need two
 * readings, so the first report comes one interval after the start. */
const GOptionEntry *hearthctl_stats_option_entries (void);
gboolean            hearthctl_stats_has_options    (void);
gboolean            hearthctl_stats_check_args     (const char *const *args,
                                                    GError           **error);
int                 hearthctl_stats_run            (HearthConnection  *connection,
                                                    const char *const *args,
                                                    gboolean           json,
                                                    GMainLoop         *loop);

G_END_DECLS
