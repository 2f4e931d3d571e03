/* test-alerts.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The alert engine against synthetic series (a table of cases: fires after
 * the duration and not before, clears, once per episode), its rules'
 * serialization, and its hook-up to a sampler on the test driver.
 */

#include "config.h"

#include <math.h>

#include "hearth-test-utils.h"

#define SEC G_USEC_PER_SEC
#define T0 ((gint64) 1700000000 * SEC)
#define END -1000

/* A run of samples: @value from @from to @to seconds, one a second. A step
 * with from == END ends the list. */
typedef struct
{
  int    from;
  int    to;
  double value;
} Run;

typedef struct
{
  const char           *name;
  HearthMetric          metric;
  HearthAlertComparison comparison;
  double                threshold;
  guint                 duration;
  Run                   runs[6];
  /* Expected events, in order: +t fired at t seconds, -t cleared at t. */
  const char           *expected;
} Case;

static const Case cases[] = {
  { "fires-after-duration", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 40, 95 }, { END } }, "+30" },
  { "not-before", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 29, 95 }, { 30, 40, 10 }, { END } }, "" },
  { "dip-restarts-duration", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 20, 95 }, { 21, 21, 80 }, { 22, 60, 95 }, { END } }, "+52" },
  { "clears-and-fires-again", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 35, 95 }, { 36, 36, 50 }, { 37, 80, 99 }, { END } }, "+30 -36 +67" },
  { "once-per-episode", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 600, 100 }, { END } }, "+30" },
  { "threshold-is-not-above", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 5,
    { { 0, 60, 90 }, { END } }, "" },
  { "below", HEARTH_METRIC_MEMORY_PERCENT, HEARTH_ALERT_BELOW, 10, 5,
    { { 0, 3, 50 }, { 4, 12, 5 }, { 13, 20, 50 }, { END } }, "+9 -13" },
  { "zero-duration", HEARTH_METRIC_NET_RX, HEARTH_ALERT_ABOVE, 1e6, 0,
    { { 0, 2, 0 }, { 3, 4, 2e6 }, { 5, 5, 0 }, { END } }, "+3 -5" },
  { "gap-restarts-duration", HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30,
    { { 0, 20, 95 }, { 40, 80, 95 }, { END } }, "+70" },
  { "unknown-clears", HEARTH_METRIC_DISK_WRITE, HEARTH_ALERT_ABOVE, 100, 10,
    { { 0, 15, 1000 }, { 16, 16, NAN }, { 17, 20, 1000 }, { END } }, "+10 -16" },
};

static void
record_cb (HearthAlertEngine *engine,
           HearthAlert       *alert,
           GString           *events)
{
  gboolean fired = hearth_alert_get_active (alert);
  gint64 t = fired ? hearth_alert_get_fired_time (alert) : hearth_alert_get_cleared_time (alert);

  g_string_append_printf (events, "%s%c%" G_GINT64_FORMAT, events->len ? " " : "",
                          fired ? '+' : '-', (t - T0) / SEC);
}

static void
feed (HearthAlertEngine *engine,
      const char        *uuid,
      HearthMetric       metric,
      int                second,
      double             value)
{
  double values[HEARTH_N_METRICS];

  for (guint m = 0; m < HEARTH_N_METRICS; m++)
    values[m] = NAN;
  values[metric] = value;
  hearth_alert_engine_feed (engine, uuid, "vm", T0 + (gint64) second * SEC, values);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(HearthAlertRule) rule = hearth_alert_rule_new (c->metric, c->comparison, c->threshold,
                                                           c->duration, "*");
  g_autoptr(GString) events = g_string_new (NULL);

  hearth_alert_engine_add_rule (engine, rule);
  g_signal_connect (engine, "fired", G_CALLBACK (record_cb), events);
  g_signal_connect (engine, "cleared", G_CALLBACK (record_cb), events);

  for (guint r = 0; c->runs[r].from != END; r++)
    for (int s = c->runs[r].from; s <= c->runs[r].to; s++)
      feed (engine, "uuid-1", c->metric, s, c->runs[r].value);

  g_assert_cmpstr (events->str, ==, c->expected);
}

static void
test_targets (void)
{
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(HearthAlertRule) host = hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE,
                                                           50, 0, HEARTH_ALERT_TARGET_HOST);
  g_autoptr(HearthAlertRule) one = hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE,
                                                          50, 0, "uuid-b");
  g_autoptr(HearthAlertRule) off = hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE,
                                                          50, 0, NULL);
  GListModel *alerts = hearth_alert_engine_get_alerts (engine);
  g_autoptr(HearthAlert) first = NULL;

  off->enabled = FALSE;
  hearth_alert_engine_add_rule (engine, host);
  hearth_alert_engine_add_rule (engine, one);
  hearth_alert_engine_add_rule (engine, off);

  /* Machine a matches no enabled rule; b matches its own; the host its own. */
  feed (engine, "uuid-a", HEARTH_METRIC_CPU, 0, 99);
  g_assert_cmpuint (g_list_model_get_n_items (alerts), ==, 0);
  feed (engine, "uuid-b", HEARTH_METRIC_CPU, 0, 70);
  feed (engine, "uuid-b", HEARTH_METRIC_CPU, 1, 99);
  feed (engine, "uuid-b", HEARTH_METRIC_CPU, 2, 80);
  g_assert_cmpuint (g_list_model_get_n_items (alerts), ==, 1);
  feed (engine, NULL, HEARTH_METRIC_CPU, 0, 60);
  g_assert_cmpuint (g_list_model_get_n_items (alerts), ==, 2);
  g_assert_cmpuint (hearth_alert_engine_get_n_active (engine), ==, 2);

  /* Newest first; the machine's alert remembers its peak and latest value. */
  first = g_list_model_get_item (alerts, 1);
  g_assert_cmpstr (hearth_alert_get_subject_uuid (first), ==, "uuid-b");
  g_assert_cmpstr (hearth_alert_get_subject_name (first), ==, "vm");
  g_assert_cmpstr (hearth_alert_get_rule (first)->id, ==, one->id);
  g_assert_cmpfloat (hearth_alert_get_peak (first), ==, 99);
  g_assert_cmpfloat (hearth_alert_get_value (first), ==, 80);
  g_assert_cmpint (hearth_alert_get_fired_time (first), ==, T0);

  /* Removing a rule clears its alert; the list keeps it as history. */
  g_assert_true (hearth_alert_engine_remove_rule (engine, one->id));
  g_assert_false (hearth_alert_engine_remove_rule (engine, one->id));
  g_assert_false (hearth_alert_get_active (first));
  g_assert_cmpuint (hearth_alert_engine_get_n_active (engine), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (alerts), ==, 2);
}

static void
test_serialization (void)
{
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(HearthAlertEngine) loaded = hearth_alert_engine_new ();
  g_autoptr(HearthAlertRule) a = hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE,
                                                        90, 30, NULL);
  g_autoptr(HearthAlertRule) b = hearth_alert_rule_new (HEARTH_METRIC_MEMORY_PERCENT,
                                                        HEARTH_ALERT_BELOW, 12.5, 0,
                                                        HEARTH_ALERT_TARGET_HOST);
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) bad = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  HearthAlertRule *r;

  b->enabled = FALSE;
  hearth_alert_engine_add_rule (engine, a);
  hearth_alert_engine_add_rule (engine, b);
  saved = g_variant_ref_sink (hearth_alert_engine_save_rules (engine));
  g_assert_cmpstr (g_variant_get_type_string (saved), ==, "aa{sv}");

  /* Through text, as GSettings stores it. */
  text = g_variant_print (saved, TRUE);
  g_clear_pointer (&saved, g_variant_unref);
  saved = g_variant_parse (G_VARIANT_TYPE ("aa{sv}"), text, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (hearth_alert_engine_load_rules (loaded, saved, &error));
  g_assert_no_error (error);
  rules = hearth_alert_engine_dup_rules (loaded);
  g_assert_cmpuint (rules->len, ==, 2);
  r = rules->pdata[0];
  g_assert_cmpstr (r->id, ==, a->id);
  g_assert_cmpint (r->metric, ==, HEARTH_METRIC_CPU);
  g_assert_cmpint (r->comparison, ==, HEARTH_ALERT_ABOVE);
  g_assert_cmpfloat (r->threshold, ==, 90);
  g_assert_cmpuint (r->duration_sec, ==, 30);
  g_assert_cmpstr (r->target, ==, "*");
  g_assert_true (r->enabled);
  r = rules->pdata[1];
  g_assert_cmpint (r->metric, ==, HEARTH_METRIC_MEMORY_PERCENT);
  g_assert_cmpint (r->comparison, ==, HEARTH_ALERT_BELOW);
  g_assert_cmpfloat (r->threshold, ==, 12.5);
  g_assert_cmpstr (r->target, ==, "host");
  g_assert_false (r->enabled);

  /* A rule from a newer Hearth (unknown metric) is skipped, the rest load. */
  bad = g_variant_ref_sink (g_variant_parse (G_VARIANT_TYPE ("aa{sv}"),
                                             "[{'metric': <'gpu'>, 'threshold': <1.0>},"
                                             " {'metric': <'net-tx'>, 'comparison': <'above'>,"
                                             "  'threshold': <5e5>, 'duration': <uint32 10>}]",
                                             NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (hearth_alert_engine_load_rules (loaded, bad, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_clear_pointer (&rules, g_ptr_array_unref);
  rules = hearth_alert_engine_dup_rules (loaded);
  g_assert_cmpuint (rules->len, ==, 1);
  r = rules->pdata[0];
  g_assert_cmpint (r->metric, ==, HEARTH_METRIC_NET_TX);
  g_assert_cmpuint (r->duration_sec, ==, 10);
  g_assert_nonnull (r->id);
  g_assert_true (r->enabled);
}

/* The default of the GSettings key "alert-rules" proposed to the schema's
 * owner: the brief's "CPU above 90 % for 30 s", on any machine. */
#define DEFAULT_ALERT_RULES \
  "[{'id': <'default-cpu-90-30s'>, 'metric': <'cpu'>, 'comparison': <'above'>, " \
  "'threshold': <90.0>, 'duration': <uint32 30>, 'target': <'*'>, 'enabled': <true>}]"

static void
test_default_rules (void)
{
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GString) events = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  HearthAlertRule *rule;

  rules = g_variant_ref_sink (g_variant_parse (G_VARIANT_TYPE ("aa{sv}"), DEFAULT_ALERT_RULES,
                                               NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hearth_alert_engine_load_rules (engine, rules, &error));
  g_assert_no_error (error);
  loaded = hearth_alert_engine_dup_rules (engine);
  g_assert_cmpuint (loaded->len, ==, 1);
  rule = loaded->pdata[0];
  g_assert_cmpstr (rule->id, ==, "default-cpu-90-30s");
  g_assert_cmpint (rule->metric, ==, HEARTH_METRIC_CPU);
  g_assert_cmpfloat (rule->threshold, ==, 90);
  g_assert_cmpuint (rule->duration_sec, ==, 30);

  /* And it behaves as the brief says. */
  g_signal_connect (engine, "fired", G_CALLBACK (record_cb), events);
  for (int s = 0; s <= 40; s++)
    feed (engine, "uuid-1", HEARTH_METRIC_CPU, s, 91);
  g_assert_cmpstr (events->str, ==, "+30");
}

static gboolean
has_active_alert (gpointer user_data)
{
  return hearth_alert_engine_get_n_active (user_data) > 0;
}

static void
test_attach_sampler (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(HearthAlertRule) rule = NULL;
  g_autoptr(HearthAlert) alert = NULL;

  /* Attached without rules, the engine does not make the sampler run. */
  hearth_stats_sampler_set_interval (sampler, 50);
  hearth_alert_engine_attach_sampler (engine, sampler);
  g_assert_false (hearth_stats_sampler_get_active (sampler));

  /* The test driver tells the host's memory size: a rule on it fires from
   * the sampler's ticks alone, with no one else holding the sampler. */
  rule = hearth_alert_rule_new (HEARTH_METRIC_MEMORY_TOTAL, HEARTH_ALERT_ABOVE, 0, 0,
                                HEARTH_ALERT_TARGET_HOST);
  hearth_alert_engine_add_rule (engine, rule);
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  g_assert_true (hearth_test_wait (has_active_alert, engine, 20000));
  alert = g_list_model_get_item (hearth_alert_engine_get_alerts (engine), 0);
  g_assert_null (hearth_alert_get_subject_uuid (alert));
  g_assert_cmpfloat (hearth_alert_get_value (alert), >, 0);

  /* No enabled rule left: sampling pauses. */
  hearth_alert_engine_remove_rule (engine, rule->id);
  g_assert_false (hearth_stats_sampler_get_active (sampler));
  hearth_alert_engine_add_rule (engine, rule);
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  hearth_alert_engine_detach_sampler (engine, sampler);
  g_assert_false (hearth_stats_sampler_get_active (sampler));
}

static void
test_sampler_interval_is_no_gap (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthAlertEngine) engine = hearth_alert_engine_new ();
  g_autoptr(HearthAlertRule) rule = NULL;

  /* Samples further apart than the engine's gap (scaled down here: a 10 ms
   * gap, 100 ms ticks, as a 10 s gap is to a sampler set to 30 s) still make
   * an episode: the sampler's own interval is not a gap. */
  hearth_alert_engine_set_max_gap (engine, 10 * 1000);
  hearth_stats_sampler_set_interval (sampler, 100);
  rule = hearth_alert_rule_new (HEARTH_METRIC_MEMORY_TOTAL, HEARTH_ALERT_ABOVE, 0, 1,
                                HEARTH_ALERT_TARGET_HOST);
  hearth_alert_engine_add_rule (engine, rule);
  hearth_alert_engine_attach_sampler (engine, sampler);
  g_assert_true (hearth_test_wait (has_active_alert, engine, 20000));
  hearth_alert_engine_detach_sampler (engine, sampler);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/core/alerts/engine/", cases[i].name, NULL);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/core/alerts/targets", test_targets);
  g_test_add_func ("/core/alerts/serialization", test_serialization);
  g_test_add_func ("/core/alerts/default-rules", test_default_rules);
  g_test_add_func ("/core/alerts/attach-sampler", test_attach_sampler);
  g_test_add_func ("/core/alerts/sampler-interval-is-no-gap", test_sampler_interval_is_no_gap);

  return g_test_run ();
}
