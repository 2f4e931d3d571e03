/* hearth-chart.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

/**
 * HearthChartUnit:
 * @HEARTH_CHART_UNIT_PERCENT: 0–100, the scale is fixed
 * @HEARTH_CHART_UNIT_BYTES: an amount of memory; the scale starts at 0
 * @HEARTH_CHART_UNIT_RATE: bytes per second; the scale follows the data
 *
 * How a chart scales and labels its values.
 */
typedef enum
{
  HEARTH_CHART_UNIT_PERCENT,
  HEARTH_CHART_UNIT_BYTES,
  HEARTH_CHART_UNIT_RATE,
} HearthChartUnit;

/**
 * HearthChartFigures:
 *
 * The figures of a chart card's header (hearth_chart_format_figures()).
 */
typedef enum
{
  HEARTH_CHART_FIGURES_CPU,
  HEARTH_CHART_FIGURES_MEMORY,
  HEARTH_CHART_FIGURES_DISK,
  HEARTH_CHART_FIGURES_NETWORK,
} HearthChartFigures;

/* No second line. */
#define HEARTH_CHART_NO_METRIC (-1)

#define HEARTH_TYPE_CHART (hearth_chart_get_type ())
G_DECLARE_FINAL_TYPE (HearthChart, hearth_chart, HEARTH, CHART, GtkWidget)

GtkWidget         *hearth_chart_new                  (void);
HearthStatsSeries *hearth_chart_get_series           (HearthChart       *self);
void               hearth_chart_set_series           (HearthChart       *self,
                                                      HearthStatsSeries *series);
void               hearth_chart_set_metrics          (HearthChart       *self,
                                                      HearthMetric       metric,
                                                      int                secondary_metric);
void               hearth_chart_set_unit             (HearthChart       *self,
                                                      HearthChartUnit    unit);
HearthStatsRange   hearth_chart_get_range            (HearthChart       *self);
void               hearth_chart_set_range            (HearthChart       *self,
                                                      HearthStatsRange   range);
void               hearth_chart_set_title            (HearthChart       *self,
                                                      const char        *title);
gboolean           hearth_chart_get_show_scale       (HearthChart       *self);
void               hearth_chart_set_show_scale       (HearthChart       *self,
                                                      gboolean           show_scale);
const char        *hearth_chart_get_summary          (HearthChart       *self);

char              *hearth_chart_format_value         (HearthChartUnit    unit,
                                                      double             value);
char              *hearth_chart_format_figures       (HearthStatsSeries *series,
                                                      HearthChartFigures figures);
GtkWidget         *hearth_chart_card_new             (const char        *title,
                                                      const char        *chart_name,
                                                      HearthMetric       metric,
                                                      int                secondary,
                                                      HearthChartUnit    unit,
                                                      const char        *primary_key,
                                                      const char        *secondary_key,
                                                      int                height,
                                                      HearthChart      **out_chart,
                                                      GtkLabel         **out_value);

G_END_DECLS
