/* hearth-chart.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-chart"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "hearth-chart.h"

/**
 * HearthChart:
 *
 * A line chart of one or two metrics of a #HearthStatsSeries over a range
 * (the last minute, ten minutes, hour or day). It redraws whenever the series
 * gets a sample, draws unreported values (NaN) and holes in the history as
 * gaps, takes its colours from the style so it reads in light and dark, and
 * keeps an accessible description ("current, minimum, maximum") for screen
 * readers.
 */
struct _HearthChart
{
  GtkWidget parent_instance;

  HearthStatsSeries *series;           /* owned */
  gulong             updated_id;
  HearthMetric       metric;
  int                secondary_metric; /* HearthMetric or HEARTH_CHART_NO_METRIC */
  HearthChartUnit    unit;
  HearthStatsRange   range;
  gboolean           show_scale;
  char              *title;            /* owned */
  char              *summary;          /* owned, the accessible description */
};

G_DEFINE_FINAL_TYPE (HearthChart, hearth_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERIES,
  PROP_RANGE,
  PROP_SHOW_SCALE,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define LINE_WIDTH 1.5
#define FILL_ALPHA 0.22
#define GRID_ALPHA 0.12
#define SCALE_ALPHA 0.6

char *
hearth_chart_format_value (HearthChartUnit unit,
                           double          value)
{
  g_autofree char *size = NULL;

  if (isnan (value))
    return g_strdup ("—");

  switch (unit)
    {
    case HEARTH_CHART_UNIT_PERCENT:
      /* Translators: a percentage on the dashboard, such as "12 %". */
      return g_strdup_printf (_("%.0f %%"), value);
    case HEARTH_CHART_UNIT_BYTES:
      return g_format_size_full ((guint64) MAX (value, 0), G_FORMAT_SIZE_IEC_UNITS);
    case HEARTH_CHART_UNIT_RATE:
    default:
      size = g_format_size_full ((guint64) MAX (value, 0), G_FORMAT_SIZE_IEC_UNITS);
      /* Translators: a rate on the dashboard, such as "1.2 MiB/s". */
      return g_strdup_printf (_("%s/s"), size);
    }
}

static const char *
range_to_phrase (HearthStatsRange range)
{
  switch (range)
    {
    case HEARTH_STATS_RANGE_TEN_MINUTES:
      return _("over the last 10 minutes");
    case HEARTH_STATS_RANGE_HOUR:
      return _("over the last hour");
    case HEARTH_STATS_RANGE_DAY:
      return _("over the last 24 hours");
    case HEARTH_STATS_RANGE_MINUTE:
    default:
      return _("over the last minute");
    }
}

/* The smallest and largest values @metric took in the range, from the
 * buckets' own extremes where the history is downsampled. */
static void
scan_points (GArray *points,
             double *min,
             double *max)
{
  for (guint i = 0; i < points->len; i++)
    {
      const HearthStatsPoint *p = &g_array_index (points, HearthStatsPoint, i);

      if (!isnan (p->min))
        *min = isnan (*min) ? p->min : MIN (*min, p->min);
      if (!isnan (p->max))
        *max = isnan (*max) ? p->max : MAX (*max, p->max);
    }
}

static void
update_summary (HearthChart *self)
{
  g_autoptr(GArray) points = NULL;
  g_autofree char *current = NULL;
  g_autofree char *min_text = NULL;
  g_autofree char *max_text = NULL;
  g_autofree char *summary = NULL;
  double min = NAN, max = NAN;

  if (self->series != NULL)
    {
      points = hearth_stats_series_query_range (self->series, self->metric, self->range);
      scan_points (points, &min, &max);
      current = hearth_chart_format_value (self->unit,
                                           hearth_stats_series_get_latest (self->series,
                                                                           self->metric));
    }

  if (current == NULL || (isnan (min) && isnan (max)))
    summary = g_strdup (_("No figures yet"));
  else
    {
      min_text = hearth_chart_format_value (self->unit, min);
      max_text = hearth_chart_format_value (self->unit, max);
      /* Translators: what a screen reader says about a chart: the current
       * value, then the smallest and largest, then "over the last minute". */
      summary = g_strdup_printf (_("Now %s, minimum %s, maximum %s %s"), current, min_text,
                                 max_text, range_to_phrase (self->range));
    }

  if (g_strcmp0 (summary, self->summary) == 0)
    return;

  g_free (self->summary);
  self->summary = g_steal_pointer (&summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->summary, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

static void
on_series_updated_cb (HearthStatsSeries *series,
                      HearthChart       *self)
{
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A scale top that reads well: 1, 2 or 5 times a power of ten (or of 1024
 * for bytes), at least @max. */
static double
nice_ceiling (double          max,
              HearthChartUnit unit)
{
  double base = unit == HEARTH_CHART_UNIT_PERCENT ? 10 : 1024;
  double magnitude = 1;
  static const double steps[] = { 1, 2, 5, 10 };

  if (unit == HEARTH_CHART_UNIT_PERCENT)
    return 100;
  if (isnan (max) || max <= 1)
    return 1024;

  while (magnitude * base <= max)
    magnitude *= base;
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (magnitude * steps[i] >= max)
      return magnitude * steps[i];
  return magnitude * base;
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  if (!gtk_style_context_lookup_color (context, name, color))
    gtk_style_context_get_color (context, color);
}

/* Draws one metric as a filled line; a NaN value or a hole wider than a few
 * samples ends the line, so missing data shows as a gap. */
static void
draw_line (cairo_t       *cr,
           GArray        *points,
           gint64         start,
           gint64         span,
           double         top,
           double         width,
           double         height,
           const GdkRGBA *color)
{
  gint64 step = G_MAXINT64;
  gint64 max_gap;
  guint begin = 0;

  for (guint i = 1; i < points->len; i++)
    {
      gint64 diff = g_array_index (points, HearthStatsPoint, i).time
                    - g_array_index (points, HearthStatsPoint, i - 1).time;
      if (diff > 0)
        step = MIN (step, diff);
    }
  max_gap = step == G_MAXINT64 ? G_MAXINT64 : MAX (3 * step, 3 * G_USEC_PER_SEC);

  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  while (begin < points->len)
    {
      guint end = begin;
      double first_x = 0, last_x = 0;

      /* Find the run [begin, end) of drawable points. */
      while (end < points->len)
        {
          const HearthStatsPoint *p = &g_array_index (points, HearthStatsPoint, end);

          if (isnan (p->value))
            break;
          if (end > begin && p->time - g_array_index (points, HearthStatsPoint, end - 1).time
                               > max_gap)
            break;
          end++;
        }

      if (end > begin)
        {
          cairo_new_path (cr);
          for (guint i = begin; i < end; i++)
            {
              const HearthStatsPoint *p = &g_array_index (points, HearthStatsPoint, i);
              double x = (double) (p->time - start) / span * width;
              double y = height - CLAMP (p->value / top, 0, 1) * (height - LINE_WIDTH)
                         - LINE_WIDTH / 2;

              if (i == begin)
                {
                  first_x = x;
                  cairo_move_to (cr, x, y);
                }
              else
                cairo_line_to (cr, x, y);
              last_x = x;
            }

          /* A lone point is a short dash, so it can be seen. */
          if (end - begin == 1)
            {
              cairo_rel_line_to (cr, 2, 0);
              last_x += 2;
            }

          gdk_cairo_set_source_rgba (cr, color);
          cairo_stroke_preserve (cr);
          cairo_line_to (cr, last_x, height);
          cairo_line_to (cr, first_x, height);
          cairo_close_path (cr);
          cairo_set_source_rgba (cr, color->red, color->green, color->blue,
                                 color->alpha * FILL_ALPHA);
          cairo_fill (cr);
        }

      /* Skip the point that broke the run unless it starts the next one. */
      begin = end > begin ? end : end + 1;
      while (begin < points->len
             && isnan (g_array_index (points, HearthStatsPoint, begin).value))
        begin++;
    }
}

static void
draw_empty_text (GtkWidget     *widget,
                 GtkSnapshot   *snapshot,
                 double         width,
                 double         height,
                 const GdkRGBA *foreground)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, _("No figures yet"));
  GdkRGBA text = *foreground;
  int text_width, text_height;

  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  text.alpha *= SCALE_ALPHA;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, floor ((height - text_height) / 2)));
  gtk_snapshot_append_layout (snapshot, layout, &text);
  gtk_snapshot_restore (snapshot);
}

static void
hearth_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  HearthChart *self = HEARTH_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  g_autoptr(GArray) points = NULL;
  g_autoptr(GArray) secondary = NULL;
  GdkRGBA foreground, primary_color, secondary_color, grid;
  gint64 span = hearth_stats_range_get_span (self->range);
  gint64 end, start;
  double min = NAN, max = NAN, top;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &foreground);
  lookup_color (widget, "accent_color", &primary_color);
  lookup_color (widget, "purple_3", &secondary_color);
  grid = foreground;
  grid.alpha *= GRID_ALPHA;

  if (self->series != NULL)
    {
      points = hearth_stats_series_query_range (self->series, self->metric, self->range);
      scan_points (points, &min, &max);
      if (self->secondary_metric != HEARTH_CHART_NO_METRIC)
        {
          secondary = hearth_stats_series_query_range (self->series, self->secondary_metric,
                                                       self->range);
          scan_points (secondary, &min, &max);
        }
    }

  /* The grid: the baseline, the middle and the top; no middle line under
   * the words of an empty chart. */
  for (int i = 0; i <= 2; i++)
    {
      double y = i == 0 ? 0 : i == 1 ? floor (height / 2) : height - 1;

      if (i == 1 && isnan (min) && isnan (max) && self->show_scale)
        continue;
      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (0, y, width, 1));
    }

  /* A large chart with nothing to draw says so rather than showing an empty
   * grid; a small one stays quiet, as its row's figures say "—". */
  if (isnan (min) && isnan (max))
    {
      if (self->show_scale)
        draw_empty_text (widget, snapshot, width, height, &foreground);
      return;
    }
  top = nice_ceiling (max, self->unit);

  /* The right edge is the newest sample, so the chart moves one step per
   * sample rather than drifting between them. */
  end = hearth_stats_series_get_last_time (self->series);
  if (end <= 0)
    end = g_get_real_time ();
  start = end - span;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (secondary != NULL)
    draw_line (cr, secondary, start, span, top, width, height, &secondary_color);
  draw_line (cr, points, start, span, top, width, height, &primary_color);
  cairo_destroy (cr);

  if (self->show_scale)
    {
      g_autofree char *label = hearth_chart_format_value (self->unit, top);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, label);
      GdkRGBA text = foreground;

      text.alpha *= SCALE_ALPHA;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (4, 2));
      gtk_snapshot_append_layout (snapshot, layout, &text);
      gtk_snapshot_restore (snapshot);
    }
}

static void
hearth_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 60;
      *natural = 240;
    }
  else
    {
      *minimum = 24;
      *natural = 96;
    }
}

static void
hearth_chart_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (hearth_chart_parent_class)->css_changed (widget, change);
  /* The colours come from the style: a switch to dark redraws. */
  gtk_widget_queue_draw (widget);
}

static void
hearth_chart_dispose (GObject *object)
{
  HearthChart *self = HEARTH_CHART (object);

  if (self->series != NULL)
    g_clear_signal_handler (&self->updated_id, self->series);
  g_clear_object (&self->series);

  G_OBJECT_CLASS (hearth_chart_parent_class)->dispose (object);
}

static void
hearth_chart_finalize (GObject *object)
{
  HearthChart *self = HEARTH_CHART (object);

  g_free (self->title);
  g_free (self->summary);

  G_OBJECT_CLASS (hearth_chart_parent_class)->finalize (object);
}

static void
hearth_chart_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HearthChart *self = HEARTH_CHART (object);

  switch (prop_id)
    {
    case PROP_SERIES:
      g_value_set_object (value, self->series);
      break;
    case PROP_RANGE:
      g_value_set_int (value, self->range);
      break;
    case PROP_SHOW_SCALE:
      g_value_set_boolean (value, self->show_scale);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_chart_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  HearthChart *self = HEARTH_CHART (object);

  switch (prop_id)
    {
    case PROP_SERIES:
      hearth_chart_set_series (self, g_value_get_object (value));
      break;
    case PROP_RANGE:
      hearth_chart_set_range (self, g_value_get_int (value));
      break;
    case PROP_SHOW_SCALE:
      hearth_chart_set_show_scale (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_chart_class_init (HearthChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_chart_dispose;
  object_class->finalize = hearth_chart_finalize;
  object_class->get_property = hearth_chart_get_property;
  object_class->set_property = hearth_chart_set_property;

  widget_class->snapshot = hearth_chart_snapshot;
  widget_class->measure = hearth_chart_measure;
  widget_class->css_changed = hearth_chart_css_changed;

  /** HearthChart:series: The series drawn, or %NULL for an empty chart. */
  properties[PROP_SERIES] =
    g_param_spec_object ("series", NULL, NULL, HEARTH_TYPE_STATS_SERIES,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /** HearthChart:range: The span shown, a #HearthStatsRange. */
  properties[PROP_RANGE] =
    g_param_spec_int ("range", NULL, NULL, HEARTH_STATS_RANGE_MINUTE, HEARTH_STATS_RANGE_DAY,
                      HEARTH_STATS_RANGE_MINUTE,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /** HearthChart:show-scale: Whether the top of the scale is written in a corner. */
  properties[PROP_SHOW_SCALE] =
    g_param_spec_boolean ("show-scale", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /** HearthChart:summary: The text screen readers get: current, minimum, maximum. */
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
hearth_chart_init (HearthChart *self)
{
  self->metric = HEARTH_METRIC_CPU;
  self->secondary_metric = HEARTH_CHART_NO_METRIC;
  self->unit = HEARTH_CHART_UNIT_PERCENT;
  self->range = HEARTH_STATS_RANGE_MINUTE;
  self->show_scale = TRUE;
  update_summary (self);
}

GtkWidget *
hearth_chart_new (void)
{
  return g_object_new (HEARTH_TYPE_CHART, NULL);
}

HearthStatsSeries *
hearth_chart_get_series (HearthChart *self)
{
  g_return_val_if_fail (HEARTH_IS_CHART (self), NULL);
  return self->series;
}

void
hearth_chart_set_series (HearthChart       *self,
                         HearthStatsSeries *series)
{
  g_return_if_fail (HEARTH_IS_CHART (self));
  g_return_if_fail (series == NULL || HEARTH_IS_STATS_SERIES (series));

  if (self->series == series)
    return;

  if (self->series != NULL)
    g_clear_signal_handler (&self->updated_id, self->series);
  g_set_object (&self->series, series);
  if (series != NULL)
    self->updated_id = g_signal_connect (series, "updated",
                                         G_CALLBACK (on_series_updated_cb), self);

  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERIES]);
}

/**
 * hearth_chart_set_metrics:
 * @metric: the metric drawn in the accent colour, and summarised
 * @secondary_metric: a second metric drawn behind it, or %HEARTH_CHART_NO_METRIC
 */
void
hearth_chart_set_metrics (HearthChart  *self,
                          HearthMetric  metric,
                          int           secondary_metric)
{
  g_return_if_fail (HEARTH_IS_CHART (self));

  self->metric = metric;
  self->secondary_metric = secondary_metric;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
hearth_chart_set_unit (HearthChart     *self,
                       HearthChartUnit  unit)
{
  g_return_if_fail (HEARTH_IS_CHART (self));

  self->unit = unit;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

HearthStatsRange
hearth_chart_get_range (HearthChart *self)
{
  g_return_val_if_fail (HEARTH_IS_CHART (self), HEARTH_STATS_RANGE_MINUTE);
  return self->range;
}

void
hearth_chart_set_range (HearthChart      *self,
                        HearthStatsRange  range)
{
  g_return_if_fail (HEARTH_IS_CHART (self));

  if (self->range == range)
    return;

  self->range = range;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RANGE]);
}

/**
 * hearth_chart_set_title:
 * @title: what the chart shows, such as "Host CPU", its accessible name
 */
void
hearth_chart_set_title (HearthChart *self,
                        const char  *title)
{
  g_return_if_fail (HEARTH_IS_CHART (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;

  g_free (self->title);
  self->title = g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title != NULL ? title : "", -1);
}

gboolean
hearth_chart_get_show_scale (HearthChart *self)
{
  g_return_val_if_fail (HEARTH_IS_CHART (self), FALSE);
  return self->show_scale;
}

void
hearth_chart_set_show_scale (HearthChart *self,
                             gboolean     show_scale)
{
  g_return_if_fail (HEARTH_IS_CHART (self));

  show_scale = !!show_scale;
  if (self->show_scale == show_scale)
    return;

  self->show_scale = show_scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_SCALE]);
}

/**
 * hearth_chart_get_summary:
 *
 * Returns: the accessible description: the current, smallest and largest
 *   values in the range, or that there are no figures yet
 */
const char *
hearth_chart_get_summary (HearthChart *self)
{
  g_return_val_if_fail (HEARTH_IS_CHART (self), NULL);
  return self->summary;
}

/* A key under a two-line chart: a dot in each line's colour and its name. */
static GtkWidget *
create_key (const char *primary,
            const char *secondary)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  for (int i = 0; i < 2; i++)
    {
      GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      GtkWidget *label = gtk_label_new (i == 0 ? primary : secondary);

      gtk_widget_add_css_class (dot, "chart-key");
      gtk_widget_add_css_class (dot, i == 0 ? "primary" : "secondary");
      gtk_widget_set_size_request (dot, 8, 8);
      gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "dim-label");
      if (i == 1)
        gtk_widget_set_margin_start (dot, 12);
      gtk_box_append (GTK_BOX (box), dot);
      gtk_box_append (GTK_BOX (box), label);
    }

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  /* The value label already reads both figures out. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  return box;
}

/**
 * hearth_chart_card_new:
 * @title: the card's heading ("CPU")
 * @chart_name: the chart's accessible name
 * @metric: the chart's metric
 * @secondary: a second metric, or %HEARTH_CHART_NO_METRIC
 * @unit: how values are scaled and written
 * @primary_key: (nullable): the key of the first line when there are two
 * @secondary_key: (nullable): the key of the second line
 * @height: the chart's height in pixels
 * @out_chart: (out) (transfer none): the chart in the card
 * @out_value: (out) (transfer none): the label for the current figures, in
 *   the card's header
 *
 * A card as the dashboards show them: a heading with the current figures on
 * its right, the chart, and a key for two-line charts.
 *
 * Returns: (transfer floating): the card
 */
GtkWidget *
hearth_chart_card_new (const char      *title,
                       const char      *chart_name,
                       HearthMetric     metric,
                       int              secondary,
                       HearthChartUnit  unit,
                       const char      *primary_key,
                       const char      *secondary_key,
                       int              height,
                       HearthChart    **out_chart,
                       GtkLabel       **out_value)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title_label = gtk_label_new (title);
  GtkWidget *value = gtk_label_new ("—");
  GtkWidget *chart = hearth_chart_new ();

  gtk_widget_add_css_class (card, "card");
  gtk_widget_add_css_class (card, "dashboard-card");
  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);

  gtk_widget_add_css_class (title_label, "heading");
  gtk_label_set_xalign (GTK_LABEL (title_label), 0);
  gtk_widget_set_hexpand (title_label, TRUE);
  gtk_box_append (GTK_BOX (header), title_label);

  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (value, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (header), value);
  gtk_box_append (GTK_BOX (card), header);

  hearth_chart_set_metrics (HEARTH_CHART (chart), metric, secondary);
  hearth_chart_set_unit (HEARTH_CHART (chart), unit);
  hearth_chart_set_title (HEARTH_CHART (chart), chart_name);
  gtk_widget_set_size_request (chart, -1, height);
  gtk_widget_set_margin_start (chart, 12);
  gtk_widget_set_margin_end (chart, 12);
  gtk_widget_set_margin_bottom (chart, primary_key != NULL ? 6 : 12);
  gtk_box_append (GTK_BOX (card), chart);
  if (primary_key != NULL)
    gtk_box_append (GTK_BOX (card), create_key (primary_key, secondary_key));

  *out_chart = HEARTH_CHART (chart);
  *out_value = GTK_LABEL (value);
  return card;
}

static double
latest_value (HearthStatsSeries *series,
              HearthMetric       metric)
{
  return series != NULL ? hearth_stats_series_get_latest (series, metric) : NAN;
}

/**
 * hearth_chart_format_figures:
 * @series: (nullable): the series, %NULL while there is none
 * @figures: which figures
 *
 * The latest figures as a card's header shows them: "12 %", "1.2 GiB of
 * 4 GiB", "Read 1 MiB/s · Write 0 B/s", "In … · Out …"; "—" for unknown ones.
 *
 * Returns: (transfer full): the text
 */
char *
hearth_chart_format_figures (HearthStatsSeries  *series,
                             HearthChartFigures  figures)
{
  HearthMetric first, second;
  HearthChartUnit unit;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  switch (figures)
    {
    case HEARTH_CHART_FIGURES_CPU:
      return hearth_chart_format_value (HEARTH_CHART_UNIT_PERCENT,
                                        latest_value (series, HEARTH_METRIC_CPU));
    case HEARTH_CHART_FIGURES_MEMORY:
      first = HEARTH_METRIC_MEMORY_USED, second = HEARTH_METRIC_MEMORY_TOTAL;
      unit = HEARTH_CHART_UNIT_BYTES;
      break;
    case HEARTH_CHART_FIGURES_DISK:
      first = HEARTH_METRIC_DISK_READ, second = HEARTH_METRIC_DISK_WRITE;
      unit = HEARTH_CHART_UNIT_RATE;
      break;
    case HEARTH_CHART_FIGURES_NETWORK:
    default:
      first = HEARTH_METRIC_NET_RX, second = HEARTH_METRIC_NET_TX;
      unit = HEARTH_CHART_UNIT_RATE;
      break;
    }

  /* Nothing known: one dash, not "— of —". */
  if (isnan (latest_value (series, first)) && isnan (latest_value (series, second)))
    return g_strdup ("—");
  a = hearth_chart_format_value (unit, latest_value (series, first));
  b = hearth_chart_format_value (unit, latest_value (series, second));
  if (figures == HEARTH_CHART_FIGURES_MEMORY)
    /* Translators: memory on the dashboard, "1.2 GiB of 16 GiB". */
    return g_strdup_printf (_("%s of %s"), a, b);
  if (figures == HEARTH_CHART_FIGURES_DISK)
    /* Translators: disk rates on the dashboard. */
    return g_strdup_printf (_("Read %s · Write %s"), a, b);
  /* Translators: network rates on the dashboard. */
  return g_strdup_printf (_("In %s · Out %s"), a, b);
}
