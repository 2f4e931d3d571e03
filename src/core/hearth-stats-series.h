/* hearth-stats-series.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HearthMetric:
 * @HEARTH_METRIC_CPU: CPU use in percent of the machine's own vCPUs (100 = all
 *   of them busy), from the vCPUs' time when the hypervisor reports it; for the
 *   host, percent of the host's CPUs busy
 * @HEARTH_METRIC_CPU_HOST: what the machine costs the host (vCPUs and emulator
 *   threads), in percent of all of the host's CPUs
 * @HEARTH_METRIC_MEMORY_USED: memory in use, in bytes (the guest's view through
 *   the balloon when it reports one, else what the host gives it)
 * @HEARTH_METRIC_MEMORY_TOTAL: memory available, in bytes
 * @HEARTH_METRIC_MEMORY_PERCENT: used in percent of available
 * @HEARTH_METRIC_DISK_READ: disk reads, bytes per second (all disks)
 * @HEARTH_METRIC_DISK_WRITE: disk writes, bytes per second
 * @HEARTH_METRIC_DISK_READ_OPS: disk read requests per second
 * @HEARTH_METRIC_DISK_WRITE_OPS: disk write requests per second
 * @HEARTH_METRIC_NET_RX: network bytes received per second (all interfaces)
 * @HEARTH_METRIC_NET_TX: network bytes sent per second
 *
 * The figures the sampler computes for each machine and for the host. A value
 * the hypervisor does not report is NaN.
 */
typedef enum
{
  HEARTH_METRIC_CPU,
  HEARTH_METRIC_CPU_HOST,
  HEARTH_METRIC_MEMORY_USED,
  HEARTH_METRIC_MEMORY_TOTAL,
  HEARTH_METRIC_MEMORY_PERCENT,
  HEARTH_METRIC_DISK_READ,
  HEARTH_METRIC_DISK_WRITE,
  HEARTH_METRIC_DISK_READ_OPS,
  HEARTH_METRIC_DISK_WRITE_OPS,
  HEARTH_METRIC_NET_RX,
  HEARTH_METRIC_NET_TX,
} HearthMetric;

#define HEARTH_N_METRICS (HEARTH_METRIC_NET_TX + 1)

/**
 * HearthStatsRange:
 *
 * The spans a chart offers.
 */
typedef enum
{
  HEARTH_STATS_RANGE_MINUTE,
  HEARTH_STATS_RANGE_TEN_MINUTES,
  HEARTH_STATS_RANGE_HOUR,
  HEARTH_STATS_RANGE_DAY,
} HearthStatsRange;

/**
 * HearthStatsPoint:
 * @time: wall-clock time in microseconds since the epoch: the sample's time,
 *   or the start of a downsampled bucket
 * @value: the value, or the bucket's average
 * @min: the smallest value in the bucket (@value for a plain sample)
 * @max: the largest value in the bucket (@value for a plain sample)
 */
typedef struct
{
  gint64 time;
  double value;
  double min;
  double max;
} HearthStatsPoint;

/* Defaults: an hour at one sample a second, a day in one-minute buckets. */
#define HEARTH_STATS_FINE_CAPACITY  3600
#define HEARTH_STATS_BUCKET_USEC    ((gint64) 60 * G_USEC_PER_SEC)
#define HEARTH_STATS_N_BUCKETS      1440

#define HEARTH_TYPE_STATS_SERIES (hearth_stats_series_get_type ())
G_DECLARE_FINAL_TYPE (HearthStatsSeries, hearth_stats_series, HEARTH, STATS_SERIES, GObject)

HearthStatsSeries *hearth_stats_series_new           (const char        *uuid,
                                                      guint              fine_capacity,
                                                      gint64             bucket_usec,
                                                      guint              n_buckets);
const char        *hearth_stats_series_get_uuid      (HearthStatsSeries *self);
const char        *hearth_stats_series_get_name      (HearthStatsSeries *self);
void               hearth_stats_series_set_name      (HearthStatsSeries *self,
                                                      const char        *name);

void               hearth_stats_series_append        (HearthStatsSeries *self,
                                                      gint64             time_usec,
                                                      const double      *values);
gint64             hearth_stats_series_get_last_time (HearthStatsSeries *self);
double             hearth_stats_series_get_latest    (HearthStatsSeries *self,
                                                      HearthMetric       metric);
guint              hearth_stats_series_get_n_samples (HearthStatsSeries *self);
guint              hearth_stats_series_get_n_buckets (HearthStatsSeries *self);
gsize              hearth_stats_series_get_memory_size (HearthStatsSeries *self);

GArray            *hearth_stats_series_query         (HearthStatsSeries *self,
                                                      HearthMetric       metric,
                                                      gint64             span_usec);
GArray            *hearth_stats_series_query_range   (HearthStatsSeries *self,
                                                      HearthMetric       metric,
                                                      HearthStatsRange   range);
gint64             hearth_stats_range_get_span       (HearthStatsRange   range);
const char        *hearth_metric_to_string           (HearthMetric       metric);
gboolean           hearth_metric_from_string         (const char        *string,
                                                      HearthMetric      *out_metric);

G_END_DECLS
