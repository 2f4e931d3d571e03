/* hearth-core.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-alert-engine.h"
#include "hearth-audit.h"
#include "hearth-connection.h"
#include "hearth-core-enums.h"
#include "hearth-deletion.h"
#include "hearth-domain-xml.h"
#include "hearth-error.h"
#include "hearth-golden-ratio.h"
#include "hearth-host-profile.h"
#include "hearth-idle-policy.h"
#include "hearth-limits.h"
#include "hearth-machine.h"
#include "hearth-machine-builder.h"
#include "hearth-machine-collection.h"
#include "hearth-metrics-exporter.h"
#include "hearth-os-catalog.h"
#include "hearth-machine-settings.h"
#include "hearth-os-database.h"
#include "hearth-preset.h"
#include "hearth-sandbox.h"
#include "hearth-snapshot.h"
#include "hearth-snapshot-tree.h"
#include "hearth-ring-buffer.h"
#include "hearth-stats-sampler.h"
#include "hearth-stats-series.h"
#include "hearth-storage.h"
#include "hearth-types.h"

G_BEGIN_DECLS

void     hearth_core_init  (void);
gboolean hearth_core_drain (guint timeout_ms);

G_END_DECLS
