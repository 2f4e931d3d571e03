/* test-dashboard-chart.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dashboard's chart widget, drawn for real: a synthetic series (25 % for
 * 20 s, 10 s unreported, then 75 %) is rendered through the widget's own
 * snapshot, and the pixels show the two levels and the gap between them; the
 * accessible summary says the current, smallest and largest values; the
 * dark style draws the line lighter than the light one. PNGs of both go to
 * $HEARTH_TEST_ARTIFACTS/dashboard/. Runs under xvfb-run.
 */

#include "config.h"

#include <math.h>

#include <adwaita.h>

#include "hearth-chart.h"

#define WIDTH 300
#define HEIGHT 100
#define N_SAMPLES 60

/* Per-sample CPU values: the test's own input, not an expectation. */
static double
sample_value (int i)
{
  if (i < 20)
    return 25;
  if (i < 30)
    return NAN;
  return 75;
}

static HearthStatsSeries *
make_series (void)
{
  HearthStatsSeries *series = hearth_stats_series_new ("chart-test", HEARTH_STATS_FINE_CAPACITY,
                                                       HEARTH_STATS_BUCKET_USEC,
                                                       HEARTH_STATS_N_BUCKETS);
  gint64 start = g_get_real_time () - N_SAMPLES * G_USEC_PER_SEC;

  for (int i = 0; i < N_SAMPLES; i++)
    {
      double values[HEARTH_N_METRICS];

      for (int m = 0; m < HEARTH_N_METRICS; m++)
        values[m] = NAN;
      values[HEARTH_METRIC_CPU] = sample_value (i);
      hearth_stats_series_append (series, start + i * G_USEC_PER_SEC, values);
    }
  return series;
}

typedef struct
{
  GtkWidget       *window;
  GtkWidget       *chart;
  cairo_surface_t *surface;
} Fixture;

static gboolean
mapped (GtkWidget *widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) == WIDTH;
}

/* Shows the chart in a window and renders it into an image surface through
 * its own snapshot, as GTK would on screen. */
static cairo_surface_t *
render (Fixture *fixture)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  cairo_surface_t *surface;
  cairo_t *cr;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!mapped (fixture->chart) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (mapped (fixture->chart));

  paintable = gtk_widget_paintable_new (fixture->chart);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, WIDTH, HEIGHT);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static guint32
pixel (cairo_surface_t *surface,
       int              x,
       int              y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  return *(const guint32 *) (data + y * stride + x * 4);
}

/* The highest row of column @x the chart painted, ignoring the three grid
 * rows (top, middle, bottom); -1 when only the grid is there. */
static int
top_of_column (cairo_surface_t *surface,
               int              x)
{
  for (int y = 0; y < HEIGHT; y++)
    {
      if (y == 0 || y == HEIGHT / 2 || y == HEIGHT - 1)
        continue;
      if ((pixel (surface, x, y) >> 24) != 0)
        return y;
    }
  return -1;
}

/* The x of sample @i: the newest sample is the right edge, a minute wide. */
static int
sample_x (int i)
{
  return (int) ((double) (i - (N_SAMPLES - 1 - 60)) / 60 * WIDTH);
}

static void
save_artifact (cairo_surface_t *surface,
               const char      *name)
{
  const char *dir = g_getenv ("HEARTH_TEST_ARTIFACTS");
  g_autofree char *directory = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  directory = g_build_filename (dir, "dashboard", NULL);
  g_mkdir_with_parents (directory, 0755);
  path = g_build_filename (directory, name, NULL);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  g_test_message ("saved %s", path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(HearthStatsSeries) series = make_series ();

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      GPOINTER_TO_INT (data) ? ADW_COLOR_SCHEME_FORCE_DARK
                                                             : ADW_COLOR_SCHEME_FORCE_LIGHT);
  fixture->window = gtk_window_new ();
  fixture->chart = hearth_chart_new ();
  gtk_widget_set_size_request (fixture->chart, WIDTH, HEIGHT);
  gtk_widget_set_halign (fixture->chart, GTK_ALIGN_START);
  gtk_widget_set_valign (fixture->chart, GTK_ALIGN_START);
  hearth_chart_set_show_scale (HEARTH_CHART (fixture->chart), FALSE);
  hearth_chart_set_series (HEARTH_CHART (fixture->chart), series);
  gtk_window_set_child (GTK_WINDOW (fixture->window), fixture->chart);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->surface, cairo_surface_destroy);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
}

static void
test_levels_and_gap (Fixture       *fixture,
                     gconstpointer  data)
{
  int low_top, high_top;

  fixture->surface = render (fixture);
  save_artifact (fixture->surface, "chart-light.png");

  /* 25 % sits a quarter up from the bottom, 75 % three quarters up. */
  low_top = top_of_column (fixture->surface, sample_x (10));
  high_top = top_of_column (fixture->surface, sample_x (45));
  g_assert_cmpint (low_top, >=, HEIGHT * 3 / 4 - 3);
  g_assert_cmpint (low_top, <=, HEIGHT * 3 / 4 + 3);
  g_assert_cmpint (high_top, >=, HEIGHT / 4 - 3);
  g_assert_cmpint (high_top, <=, HEIGHT / 4 + 3);

  /* The filled area reaches the bottom under the line. */
  g_assert_cmpuint (pixel (fixture->surface, sample_x (10), HEIGHT - 5) >> 24, !=, 0);

  /* Nothing is drawn where the values were not reported, nor before the
   * first sample. */
  g_assert_cmpint (top_of_column (fixture->surface, sample_x (25)), ==, -1);
  g_assert_cmpint (top_of_column (fixture->surface, 1), ==, -1);
}

static void
test_summary (Fixture       *fixture,
              gconstpointer  data)
{
  HearthChart *chart = HEARTH_CHART (fixture->chart);
  HearthStatsSeries *series = hearth_chart_get_series (chart);
  double values[HEARTH_N_METRICS];

  g_assert_cmpstr (hearth_chart_get_summary (chart), ==,
                   "Now 75 %, minimum 25 %, maximum 75 % over the last minute");

  /* A new sample updates it; an unreported one reads as a dash. */
  for (int m = 0; m < HEARTH_N_METRICS; m++)
    values[m] = NAN;
  values[HEARTH_METRIC_CPU] = 5;
  hearth_stats_series_append (series, hearth_stats_series_get_last_time (series)
                                        + G_USEC_PER_SEC, values);
  g_assert_cmpstr (hearth_chart_get_summary (chart), ==,
                   "Now 5 %, minimum 5 %, maximum 75 % over the last minute");
  values[HEARTH_METRIC_CPU] = NAN;
  hearth_stats_series_append (series, hearth_stats_series_get_last_time (series)
                                        + G_USEC_PER_SEC, values);
  g_assert_cmpstr (hearth_chart_get_summary (chart), ==,
                   "Now —, minimum 5 %, maximum 75 % over the last minute");

  hearth_chart_set_range (chart, HEARTH_STATS_RANGE_HOUR);
  g_assert_true (g_str_has_suffix (hearth_chart_get_summary (chart), " over the last hour"));

  hearth_chart_set_series (chart, NULL);
  g_assert_cmpstr (hearth_chart_get_summary (chart), ==, "No figures yet");
}

static double
luminance (guint32 argb)
{
  double a = (argb >> 24) / 255.0;

  /* Premultiplied: undo it before comparing colours. */
  if (a == 0)
    return 0;
  return (0.2126 * ((argb >> 16) & 0xff) + 0.7152 * ((argb >> 8) & 0xff)
          + 0.0722 * (argb & 0xff)) / 255.0 / a;
}

static void
test_dark (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GtkWidget) keep = NULL;
  cairo_surface_t *dark;
  int top;
  double light_line, dark_line;

  fixture->surface = render (fixture);
  top = top_of_column (fixture->surface, sample_x (45));
  light_line = luminance (pixel (fixture->surface, sample_x (45), top + 1));

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  /* Let the style change reach the widget. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  dark = render (fixture);
  save_artifact (dark, "chart-dark.png");
  top = top_of_column (dark, sample_x (45));
  dark_line = luminance (pixel (dark, sample_x (45), top + 1));
  cairo_surface_destroy (dark);

  /* The accent line is lighter on a dark background. */
  g_test_message ("line luminance: light %.2f, dark %.2f", light_line, dark_line);
  g_assert_cmpfloat (dark_line, >, light_line + 0.1);
}

/* The figures in a card's header: what is known, and one dash for nothing. */
static void
test_figures (void)
{
  g_autoptr(HearthStatsSeries) series = hearth_stats_series_new ("figures", 8,
                                                                 HEARTH_STATS_BUCKET_USEC, 4);
  double values[HEARTH_N_METRICS];
  g_autofree char *none = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *cpu = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *network = NULL;

  none = hearth_chart_format_figures (NULL, HEARTH_CHART_FIGURES_MEMORY);
  g_assert_cmpstr (none, ==, "—");

  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    values[i] = NAN;
  hearth_stats_series_append (series, G_USEC_PER_SEC, values);
  unknown = hearth_chart_format_figures (series, HEARTH_CHART_FIGURES_DISK);
  g_assert_cmpstr (unknown, ==, "—");

  values[HEARTH_METRIC_CPU] = 42;
  values[HEARTH_METRIC_MEMORY_USED] = 1024.0 * 1024 * 1024;
  values[HEARTH_METRIC_MEMORY_TOTAL] = 4 * 1024.0 * 1024 * 1024;
  values[HEARTH_METRIC_DISK_READ] = 2 * 1024.0 * 1024;
  values[HEARTH_METRIC_NET_TX] = 512;
  hearth_stats_series_append (series, 2 * G_USEC_PER_SEC, values);

  cpu = hearth_chart_format_figures (series, HEARTH_CHART_FIGURES_CPU);
  memory = hearth_chart_format_figures (series, HEARTH_CHART_FIGURES_MEMORY);
  disk = hearth_chart_format_figures (series, HEARTH_CHART_FIGURES_DISK);
  network = hearth_chart_format_figures (series, HEARTH_CHART_FIGURES_NETWORK);
  g_assert_cmpstr (cpu, ==, "42 %");
  g_assert_cmpstr (memory, ==, "1.0\u00a0GiB of 4.0\u00a0GiB");
  /* One figure known, the other not: each says what it is. GLib puts a
   * no-break space between a size and its unit. */
  g_assert_cmpstr (disk, ==, "Read 2.0\u00a0MiB/s · Write —");
  g_assert_cmpstr (network, ==, "In — · Out 512 bytes/s");
}

int
main (int   argc,
      char *argv[])
{
  /* Xvfb has no GL: draw with cairo, on X11. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/dashboard/chart/levels-and-gap", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_levels_and_gap, fixture_tear_down);
  g_test_add ("/ui/dashboard/chart/summary", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_summary, fixture_tear_down);
  g_test_add ("/ui/dashboard/chart/dark", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_dark, fixture_tear_down);
  g_test_add_func ("/ui/dashboard/chart/figures", test_figures);

  return g_test_run ();
}
