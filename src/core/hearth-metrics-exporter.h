/* hearth-metrics-exporter.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-stats-sampler.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_METRICS_EXPORTER (hearth_metrics_exporter_get_type ())
G_DECLARE_FINAL_TYPE (HearthMetricsExporter, hearth_metrics_exporter, HEARTH, METRICS_EXPORTER,
                      GObject)

HearthMetricsExporter *hearth_metrics_exporter_new            (HearthStatsSampler    *sampler);
void                   hearth_metrics_exporter_add_sampler    (HearthMetricsExporter *self,
                                                               HearthStatsSampler    *sampler);
void                   hearth_metrics_exporter_remove_sampler (HearthMetricsExporter *self,
                                                               HearthStatsSampler    *sampler);
gboolean               hearth_metrics_exporter_start          (HearthMetricsExporter *self,
                                                               guint16                port,
                                                               GError               **error);
void                   hearth_metrics_exporter_stop           (HearthMetricsExporter *self);
gboolean               hearth_metrics_exporter_get_running    (HearthMetricsExporter *self);
guint16                hearth_metrics_exporter_get_port       (HearthMetricsExporter *self);
char                  *hearth_metrics_exporter_render         (HearthMetricsExporter *self);

G_END_DECLS
