/* test-stats.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pure parts of the stats code: the ring buffer, rate computation from
 * synthetic counters, and a series' downsampling and range queries.
 */

#include "config.h"

#include <math.h>

#include "hearth-core.h"

#define SEC G_USEC_PER_SEC
/* A fixed wall-clock origin on a minute boundary, so bucket edges are known. */
#define T0 ((gint64) 1700000040 * SEC)

static void
test_ring_buffer_wraps (void)
{
  g_autoptr(HearthRingBuffer) ring = hearth_ring_buffer_new (sizeof (int), 5);

  g_assert_cmpuint (hearth_ring_buffer_get_length (ring), ==, 0);
  g_assert_null (hearth_ring_buffer_peek_last (ring));

  for (int i = 0; i < 3; i++)
    hearth_ring_buffer_push (ring, &i);
  g_assert_cmpuint (hearth_ring_buffer_get_length (ring), ==, 3);
  g_assert_cmpint (*(int *) hearth_ring_buffer_get (ring, 0), ==, 0);
  g_assert_cmpint (*(int *) hearth_ring_buffer_peek_last (ring), ==, 2);

  /* Far past the capacity: the newest five remain, oldest first. */
  for (int i = 3; i < 1003; i++)
    hearth_ring_buffer_push (ring, &i);
  g_assert_cmpuint (hearth_ring_buffer_get_length (ring), ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (*(int *) hearth_ring_buffer_get (ring, i), ==, 998 + (int) i);

  hearth_ring_buffer_clear (ring);
  g_assert_cmpuint (hearth_ring_buffer_get_length (ring), ==, 0);
  hearth_ring_buffer_push (ring, NULL);
  g_assert_cmpint (*(int *) hearth_ring_buffer_get (ring, 0), ==, 0);
}

static HearthStatsCounters
counters_at (double   seconds,
             guint64  cpu_ns,
             guint64  rd_bytes,
             guint64  wr_bytes,
             guint64  rx_bytes,
             guint64  tx_bytes)
{
  HearthStatsCounters c = { 0 };

  c.mono_usec = 1000 * SEC + (gint64) (seconds * SEC);
  c.flags = HEARTH_STATS_COUNTER_CPU | HEARTH_STATS_COUNTER_BLOCK | HEARTH_STATS_COUNTER_NET;
  c.cpu_time_ns = cpu_ns;
  c.block_rd_bytes = rd_bytes;
  c.block_wr_bytes = wr_bytes;
  c.block_rd_reqs = rd_bytes / 4096;
  c.block_wr_reqs = wr_bytes / 512;
  c.net_rx_bytes = rx_bytes;
  c.net_tx_bytes = tx_bytes;
  return c;
}

static void
test_rates (void)
{
  /* Two seconds apart: 3 s of CPU on 2 vCPUs is 75 % of them, and on a
   * 16-CPU host 9.375 % of it. */
  HearthStatsCounters a = counters_at (0, 5000000000ull, 1 << 20, 0, 1000, 0);
  HearthStatsCounters b = counters_at (2, 8000000000ull, 3 << 20, 8192, 201000, 50);
  double v[HEARTH_N_METRICS];

  b.flags |= HEARTH_STATS_COUNTER_VCPUS;
  b.vcpus = 2;
  hearth_stats_compute_machine (&a, &b, 99, 16, v);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU], 75.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU_HOST], 9.375, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_DISK_READ], (2 << 20) / 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_DISK_WRITE], 4096, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_DISK_READ_OPS], 256, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_DISK_WRITE_OPS], 8, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_NET_RX], 100000, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_NET_TX], 25, 1e-9);
  /* No memory counters: unknown, not zero. */
  g_assert_true (isnan (v[HEARTH_METRIC_MEMORY_USED]));
  g_assert_true (isnan (v[HEARTH_METRIC_MEMORY_PERCENT]));

  /* Without vcpus in the record, the machine's own count is used. */
  b.flags &= ~HEARTH_STATS_COUNTER_VCPUS;
  hearth_stats_compute_machine (&a, &b, 4, 16, v);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU], 37.5, 1e-9);

  /* The first reading has no rates. */
  hearth_stats_compute_machine (NULL, &b, 4, 16, v);
  g_assert_true (isnan (v[HEARTH_METRIC_CPU]));
  g_assert_true (isnan (v[HEARTH_METRIC_NET_RX]));

  /* With the vCPUs' own time, the guest's share comes from it and the host's
   * cost from the whole process (emulator threads included). */
  b.flags |= HEARTH_STATS_COUNTER_VCPU_TIME | HEARTH_STATS_COUNTER_VCPUS;
  a.flags |= HEARTH_STATS_COUNTER_VCPU_TIME;
  b.vcpus = 2;
  a.vcpu_time_ns = 4000000000ull;
  b.vcpu_time_ns = 6000000000ull;   /* 2 s of vCPU time in 2 s: 50 % of 2 vCPUs */
  hearth_stats_compute_machine (&a, &b, 99, 16, v);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU], 50.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU_HOST], 9.375, 1e-9);
  a.flags &= ~HEARTH_STATS_COUNTER_VCPU_TIME;
  b.flags &= ~HEARTH_STATS_COUNTER_VCPUS;

  /* A counter that went backwards (the machine restarted) gives no rate,
   * never a huge one. */
  a.cpu_time_ns = 9000000000ull;
  hearth_stats_compute_machine (&a, &b, 4, 16, v);
  g_assert_true (isnan (v[HEARTH_METRIC_CPU]));
  g_assert_false (isnan (v[HEARTH_METRIC_DISK_READ]));

  /* A counter only one reading has gives nothing either. */
  a = counters_at (0, 1, 0, 0, 0, 0);
  a.flags = HEARTH_STATS_COUNTER_CPU;
  hearth_stats_compute_machine (&a, &b, 4, 16, v);
  g_assert_false (isnan (v[HEARTH_METRIC_CPU]));
  g_assert_true (isnan (v[HEARTH_METRIC_DISK_READ]));
}

static void
test_memory (void)
{
  HearthStatsCounters c = { 0 };
  double v[HEARTH_N_METRICS];

  /* Only what the host gives it: total known, use from the process' RSS. */
  c.flags = HEARTH_STATS_COUNTER_BALLOON_CURRENT | HEARTH_STATS_COUNTER_RSS;
  c.balloon_current_kib = 1024 * 1024;
  c.rss_kib = 256 * 1024;
  hearth_stats_compute_machine (NULL, &c, 1, 1, v);
  g_assert_cmpfloat (v[HEARTH_METRIC_MEMORY_TOTAL], ==, 1024.0 * 1024 * 1024);
  g_assert_cmpfloat (v[HEARTH_METRIC_MEMORY_USED], ==, 256.0 * 1024 * 1024);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_MEMORY_PERCENT], 25.0, 1e-9);

  /* QEMU's own overhead can make RSS exceed the guest's memory: capped. */
  c.rss_kib = 2 * 1024 * 1024;
  hearth_stats_compute_machine (NULL, &c, 1, 1, v);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_MEMORY_PERCENT], 100.0, 1e-9);

  /* The guest's view through the balloon wins when there is one. */
  c.flags |= HEARTH_STATS_COUNTER_BALLOON_AVAILABLE | HEARTH_STATS_COUNTER_BALLOON_USABLE
             | HEARTH_STATS_COUNTER_BALLOON_UNUSED;
  c.balloon_available_kib = 1000 * 1024;
  c.balloon_usable_kib = 600 * 1024;
  c.balloon_unused_kib = 100 * 1024;
  hearth_stats_compute_machine (NULL, &c, 1, 1, v);
  g_assert_cmpfloat (v[HEARTH_METRIC_MEMORY_TOTAL], ==, 1000.0 * 1024 * 1024);
  g_assert_cmpfloat (v[HEARTH_METRIC_MEMORY_USED], ==, 400.0 * 1024 * 1024);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_MEMORY_PERCENT], 40.0, 1e-9);
}

static void
test_host (void)
{
  HearthHostCounters a = { .mono_usec = 0, .n_cpus = 4, .has_cpu = TRUE,
                           .cpu_busy_ns = 1000, .cpu_total_ns = 10000 };
  HearthHostCounters b = a;
  double v[HEARTH_N_METRICS];

  b.cpu_busy_ns = 1000 + 3000;
  b.cpu_total_ns = 10000 + 4000;
  b.has_memory = TRUE;
  b.memory_total_kib = 8 * 1024 * 1024;
  b.memory_available_kib = 6 * 1024 * 1024;
  hearth_stats_compute_host (&a, &b, v);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_CPU], 75.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v[HEARTH_METRIC_MEMORY_PERCENT], 25.0, 1e-9);
  g_assert_cmpfloat (v[HEARTH_METRIC_MEMORY_USED], ==, 2.0 * 1024 * 1024 * 1024);

  /* No time passed: no CPU figure rather than a division by zero. */
  hearth_stats_compute_host (&b, &b, v);
  g_assert_true (isnan (v[HEARTH_METRIC_CPU]));
}

static void
fill (double *values,
      double  cpu)
{
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    values[i] = NAN;
  values[HEARTH_METRIC_CPU] = cpu;
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_series_downsampling (void)
{
  g_autoptr(HearthStatsSeries) series = NULL;
  g_autoptr(GArray) points = NULL;
  double values[HEARTH_N_METRICS];
  guint updated = 0;

  /* A small series (two minutes of samples, ten one-minute buckets) fed a
   * sawtooth 0..59 each minute for 30 minutes, one sample a second. */
  series = hearth_stats_series_new ("uuid", 120, 60 * SEC, 10);
  g_signal_connect_swapped (series, "updated", G_CALLBACK (count_cb), &updated);
  for (int s = 0; s < 30 * 60; s++)
    {
      fill (values, s % 60);
      if (s / 60 == 20)
        values[HEARTH_METRIC_CPU] = 100 + s % 60; /* minute 20 is busier */
      hearth_stats_series_append (series, T0 + s * SEC, values);
    }
  g_assert_cmpuint (updated, ==, 30 * 60);

  /* Memory stays bounded: the rings hold their capacity, no more. */
  g_assert_cmpuint (hearth_stats_series_get_n_samples (series), ==, 120);
  g_assert_cmpuint (hearth_stats_series_get_n_buckets (series), ==, 10);
  g_assert_cmpfloat (hearth_stats_series_get_latest (series, HEARTH_METRIC_CPU), ==, 59);
  g_assert_cmpint (hearth_stats_series_get_last_time (series), ==, T0 + (30 * 60 - 1) * SEC);
  g_assert_true (isnan (hearth_stats_series_get_latest (series, HEARTH_METRIC_NET_RX)));

  /* The last minute comes from the plain samples, as they were. */
  points = hearth_stats_series_query_range (series, HEARTH_METRIC_CPU, HEARTH_STATS_RANGE_MINUTE);
  g_assert_cmpuint (points->len, ==, 61);
  g_assert_cmpfloat (g_array_index (points, HearthStatsPoint, 0).value, ==, 59);
  g_assert_cmpfloat (g_array_index (points, HearthStatsPoint, 60).value, ==, 59);
  g_assert_cmpfloat (g_array_index (points, HearthStatsPoint, 1).value, ==, 0);
  g_clear_pointer (&points, g_array_unref);

  /* Ten minutes reach past the plain samples: buckets with min, max and
   * average. The buckets that overlap the span are minutes 19..28 (also the
   * ten kept), plus minute 29 still filling. */
  points = hearth_stats_series_query_range (series, HEARTH_METRIC_CPU,
                                            HEARTH_STATS_RANGE_TEN_MINUTES);
  g_assert_cmpuint (points->len, ==, 11);
  for (guint i = 0; i < points->len; i++)
    {
      HearthStatsPoint *p = &g_array_index (points, HearthStatsPoint, i);
      gboolean busy = p->time == T0 + 20 * 60 * SEC;

      g_assert_cmpint (p->time % (60 * SEC), ==, T0 % (60 * SEC));
      g_assert_cmpfloat (p->min, ==, busy ? 100 : 0);
      g_assert_cmpfloat (p->max, ==, busy ? 159 : 59);
      g_assert_cmpfloat_with_epsilon (p->value, busy ? 129.5 : 29.5, 1e-6);
    }
  g_assert_cmpint (g_array_index (points, HearthStatsPoint, 0).time, ==, T0 + 19 * 60 * SEC);
  g_assert_cmpint (g_array_index (points, HearthStatsPoint, 10).time, ==, T0 + 29 * 60 * SEC);
  g_clear_pointer (&points, g_array_unref);

  /* Five minutes still reach past the plain samples, and start later. */
  points = hearth_stats_series_query (series, HEARTH_METRIC_CPU, 5 * 60 * SEC);
  g_assert_cmpuint (points->len, ==, 6);
  g_assert_cmpint (g_array_index (points, HearthStatsPoint, 0).time, ==, T0 + 24 * 60 * SEC);
  g_clear_pointer (&points, g_array_unref);

  /* A day is all the buckets there are: the ten kept plus the current one. */
  points = hearth_stats_series_query_range (series, HEARTH_METRIC_CPU, HEARTH_STATS_RANGE_DAY);
  g_assert_cmpuint (points->len, ==, 11);
  g_assert_cmpint (g_array_index (points, HearthStatsPoint, 0).time, ==, T0 + 19 * 60 * SEC);
}

static void
test_series_young (void)
{
  g_autoptr(HearthStatsSeries) series = hearth_stats_series_new (NULL, 3600, 60 * SEC, 1440);
  g_autoptr(GArray) points = NULL;
  double values[HEARTH_N_METRICS];

  /* A series younger than the range answers from its plain samples, with
   * every sample it has, NaN gaps included. */
  for (int s = 0; s < 90; s++)
    {
      fill (values, s == 45 ? NAN : s);
      hearth_stats_series_append (series, T0 + s * SEC, values);
    }
  points = hearth_stats_series_query_range (series, HEARTH_METRIC_CPU, HEARTH_STATS_RANGE_DAY);
  g_assert_cmpuint (points->len, ==, 90);
  g_assert_true (isnan (g_array_index (points, HearthStatsPoint, 45).value));
  g_assert_cmpfloat (g_array_index (points, HearthStatsPoint, 89).value, ==, 89);
  g_clear_pointer (&points, g_array_unref);
  g_assert_cmpuint (hearth_stats_series_get_n_buckets (series), ==, 1);

  /* NaN samples (a metric that was unknown) do not poison a bucket. */
  {
    g_autoptr(HearthStatsSeries) small = hearth_stats_series_new (NULL, 5, 60 * SEC, 10);
    g_autoptr(GArray) buckets = NULL;

    for (int s = 0; s <= 60; s++)
      {
        fill (values, s % 2 ? NAN : s);
        hearth_stats_series_append (small, T0 + s * SEC, values);
      }
    buckets = hearth_stats_series_query_range (small, HEARTH_METRIC_CPU, HEARTH_STATS_RANGE_HOUR);
    g_assert_cmpuint (buckets->len, ==, 2);
    g_assert_cmpfloat_with_epsilon (g_array_index (buckets, HearthStatsPoint, 0).value, 29, 1e-6);
    g_assert_cmpfloat (g_array_index (buckets, HearthStatsPoint, 0).min, ==, 0);
    g_assert_cmpfloat (g_array_index (buckets, HearthStatsPoint, 0).max, ==, 58);
    g_assert_cmpfloat (g_array_index (buckets, HearthStatsPoint, 1).value, ==, 60);
    /* A metric never known stays NaN through downsampling. */
    g_clear_pointer (&buckets, g_array_unref);
    buckets = hearth_stats_series_query_range (small, HEARTH_METRIC_NET_TX, HEARTH_STATS_RANGE_HOUR);
    g_assert_true (isnan (g_array_index (buckets, HearthStatsPoint, 0).value));
  }

  /* Bounded: an hour at 1 s and a day at 1 min stay well under a megabyte. */
  g_assert_cmpuint (hearth_stats_series_get_memory_size (series), <, 512 * 1024);
}

static void
test_metric_names (void)
{
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    {
      HearthMetric m = HEARTH_N_METRICS;

      g_assert_true (hearth_metric_from_string (hearth_metric_to_string (i), &m));
      g_assert_cmpuint (m, ==, i);
    }
  g_assert_false (hearth_metric_from_string ("cpu-temperature", &(HearthMetric) { 0 }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/stats/ring-buffer", test_ring_buffer_wraps);
  g_test_add_func ("/core/stats/rates", test_rates);
  g_test_add_func ("/core/stats/memory", test_memory);
  g_test_add_func ("/core/stats/host", test_host);
  g_test_add_func ("/core/stats/series/downsampling", test_series_downsampling);
  g_test_add_func ("/core/stats/series/young", test_series_young);
  g_test_add_func ("/core/stats/metric-names", test_metric_names);

  return g_test_run ();
}
