/* hearth-stats-series.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-ring-buffer.h"
#include "hearth-stats-series.h"

/**
 * HearthStatsSeries:
 *
 * The history of one machine's (or the host's) figures: the recent samples as
 * they came (an hour at one a second by default) and, for the last day, buckets
 * (a minute by default) with the minimum, maximum and average of each metric.
 * Both are rings, so the memory a series takes is bounded whatever the uptime.
 * Main thread only.
 */

/* Floats halve the memory of a long history; charts need no more precision. */
typedef struct
{
  gint64 time;
  float  values[HEARTH_N_METRICS];
} Sample;

typedef struct
{
  gint64 start;
  float  min[HEARTH_N_METRICS];
  float  max[HEARTH_N_METRICS];
  float  avg[HEARTH_N_METRICS];
} Bucket;

struct _HearthStatsSeries
{
  GObject parent_instance;

  char             *uuid;      /* NULL for the host */
  char             *name;
  HearthRingBuffer *fine;      /* of Sample */
  HearthRingBuffer *coarse;    /* of Bucket */
  gint64            bucket_usec;

  /* The bucket being filled; it joins the coarse ring when a sample falls in a
   * later one. */
  gint64            acc_start; /* -1 when empty */
  double            acc_min[HEARTH_N_METRICS];
  double            acc_max[HEARTH_N_METRICS];
  double            acc_sum[HEARTH_N_METRICS];
  guint             acc_count[HEARTH_N_METRICS];
};

G_DEFINE_FINAL_TYPE (HearthStatsSeries, hearth_stats_series, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_UUID,
  PROP_NAME,
  N_PROPS
};

enum
{
  UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char *metric_names[HEARTH_N_METRICS] = {
  [HEARTH_METRIC_CPU] = "cpu",
  [HEARTH_METRIC_CPU_HOST] = "cpu-host",
  [HEARTH_METRIC_MEMORY_USED] = "memory-used",
  [HEARTH_METRIC_MEMORY_TOTAL] = "memory-total",
  [HEARTH_METRIC_MEMORY_PERCENT] = "memory",
  [HEARTH_METRIC_DISK_READ] = "disk-read",
  [HEARTH_METRIC_DISK_WRITE] = "disk-write",
  [HEARTH_METRIC_DISK_READ_OPS] = "disk-read-ops",
  [HEARTH_METRIC_DISK_WRITE_OPS] = "disk-write-ops",
  [HEARTH_METRIC_NET_RX] = "net-rx",
  [HEARTH_METRIC_NET_TX] = "net-tx",
};

static void
reset_accumulator (HearthStatsSeries *self)
{
  self->acc_start = -1;
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    {
      self->acc_min[i] = INFINITY;
      self->acc_max[i] = -INFINITY;
      self->acc_sum[i] = 0;
      self->acc_count[i] = 0;
    }
}

static void
flush_accumulator (HearthStatsSeries *self)
{
  Bucket bucket;

  if (self->acc_start < 0)
    return;

  bucket.start = self->acc_start;
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    {
      if (self->acc_count[i] == 0)
        {
          bucket.min[i] = bucket.max[i] = bucket.avg[i] = NAN;
          continue;
        }
      bucket.min[i] = self->acc_min[i];
      bucket.max[i] = self->acc_max[i];
      bucket.avg[i] = self->acc_sum[i] / self->acc_count[i];
    }
  hearth_ring_buffer_push (self->coarse, &bucket);
  reset_accumulator (self);
}

static void
hearth_stats_series_finalize (GObject *object)
{
  HearthStatsSeries *self = HEARTH_STATS_SERIES (object);

  g_free (self->uuid);
  g_free (self->name);
  g_clear_pointer (&self->fine, hearth_ring_buffer_unref);
  g_clear_pointer (&self->coarse, hearth_ring_buffer_unref);

  G_OBJECT_CLASS (hearth_stats_series_parent_class)->finalize (object);
}

static void
hearth_stats_series_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HearthStatsSeries *self = HEARTH_STATS_SERIES (object);

  switch (prop_id)
    {
    case PROP_UUID: g_value_set_string (value, self->uuid); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_stats_series_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HearthStatsSeries *self = HEARTH_STATS_SERIES (object);

  switch (prop_id)
    {
    case PROP_NAME: hearth_stats_series_set_name (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_stats_series_class_init (HearthStatsSeriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hearth_stats_series_finalize;
  object_class->get_property = hearth_stats_series_get_property;
  object_class->set_property = hearth_stats_series_set_property;

  /** HearthStatsSeries:uuid: The machine's UUID, or %NULL for the host. */
  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthStatsSeries:name: The machine's display name, or %NULL for the host. */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                               | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthStatsSeries::updated:
   *
   * A sample was appended (a chart redraws).
   */
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_stats_series_init (HearthStatsSeries *self)
{
  reset_accumulator (self);
}

/**
 * hearth_stats_series_new:
 * @uuid: (nullable): the machine's UUID, or %NULL for the host
 * @fine_capacity: how many plain samples to keep (HEARTH_STATS_FINE_CAPACITY)
 * @bucket_usec: the width of a downsampled bucket (HEARTH_STATS_BUCKET_USEC)
 * @n_buckets: how many buckets to keep (HEARTH_STATS_N_BUCKETS)
 *
 * Returns: (transfer full): a new empty series
 */
HearthStatsSeries *
hearth_stats_series_new (const char *uuid,
                         guint       fine_capacity,
                         gint64      bucket_usec,
                         guint       n_buckets)
{
  HearthStatsSeries *self;

  g_return_val_if_fail (fine_capacity > 0 && n_buckets > 0 && bucket_usec > 0, NULL);

  self = g_object_new (HEARTH_TYPE_STATS_SERIES, NULL);
  self->uuid = g_strdup (uuid);
  self->fine = hearth_ring_buffer_new (sizeof (Sample), fine_capacity);
  self->coarse = hearth_ring_buffer_new (sizeof (Bucket), n_buckets);
  self->bucket_usec = bucket_usec;
  return self;
}

const char *
hearth_stats_series_get_uuid (HearthStatsSeries *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), NULL);
  return self->uuid;
}

const char *
hearth_stats_series_get_name (HearthStatsSeries *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), NULL);
  return self->name;
}

void
hearth_stats_series_set_name (HearthStatsSeries *self,
                              const char        *name)
{
  g_return_if_fail (HEARTH_IS_STATS_SERIES (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * hearth_stats_series_append:
 * @time_usec: the sample's wall-clock time, microseconds since the epoch; later
 *   than the previous sample's
 * @values: (array fixed-size=11): one value per #HearthMetric, NaN when unknown
 *
 * Adds a sample and folds it into the current downsampled bucket. Emits
 * #HearthStatsSeries::updated.
 */
void
hearth_stats_series_append (HearthStatsSeries *self,
                            gint64             time_usec,
                            const double      *values)
{
  Sample sample;
  gint64 bucket_start;

  g_return_if_fail (HEARTH_IS_STATS_SERIES (self));
  g_return_if_fail (values != NULL);

  sample.time = time_usec;
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    sample.values[i] = values[i];
  hearth_ring_buffer_push (self->fine, &sample);

  bucket_start = time_usec - (time_usec % self->bucket_usec);
  if (self->acc_start != bucket_start)
    {
      flush_accumulator (self);
      self->acc_start = bucket_start;
    }
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    {
      if (isnan (values[i]))
        continue;
      self->acc_min[i] = MIN (self->acc_min[i], values[i]);
      self->acc_max[i] = MAX (self->acc_max[i], values[i]);
      self->acc_sum[i] += values[i];
      self->acc_count[i]++;
    }

  g_signal_emit (self, signals[UPDATED], 0);
}

/**
 * hearth_stats_series_get_last_time:
 *
 * Returns: the time of the newest sample, or 0 when there is none
 */
gint64
hearth_stats_series_get_last_time (HearthStatsSeries *self)
{
  Sample *last;

  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), 0);

  last = hearth_ring_buffer_peek_last (self->fine);
  return last ? last->time : 0;
}

/**
 * hearth_stats_series_get_latest:
 *
 * Returns: the newest value of @metric, or NaN when unknown
 */
double
hearth_stats_series_get_latest (HearthStatsSeries *self,
                                HearthMetric       metric)
{
  Sample *last;

  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), NAN);
  g_return_val_if_fail (metric < HEARTH_N_METRICS, NAN);

  last = hearth_ring_buffer_peek_last (self->fine);
  return last ? last->values[metric] : NAN;
}

guint
hearth_stats_series_get_n_samples (HearthStatsSeries *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), 0);
  return hearth_ring_buffer_get_length (self->fine);
}

/**
 * hearth_stats_series_get_n_buckets:
 *
 * Returns: how many completed downsampled buckets the series holds
 */
guint
hearth_stats_series_get_n_buckets (HearthStatsSeries *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), 0);
  return hearth_ring_buffer_get_length (self->coarse);
}

/**
 * hearth_stats_series_get_memory_size:
 *
 * Returns: the bytes the series' history can take at most (its bound)
 */
gsize
hearth_stats_series_get_memory_size (HearthStatsSeries *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), 0);

  return sizeof (*self)
         + hearth_ring_buffer_get_capacity (self->fine) * sizeof (Sample)
         + hearth_ring_buffer_get_capacity (self->coarse) * sizeof (Bucket);
}

static GArray *
query_fine (HearthStatsSeries *self,
            HearthMetric       metric,
            gint64             cutoff)
{
  guint n = hearth_ring_buffer_get_length (self->fine);
  GArray *points = g_array_new (FALSE, FALSE, sizeof (HearthStatsPoint));
  guint first = n;

  /* Samples are in time order: find the first inside the span, from the end,
   * since short spans are the common query. */
  while (first > 0 && ((Sample *) hearth_ring_buffer_get (self->fine, first - 1))->time >= cutoff)
    first--;

  g_array_set_size (points, n - first);
  for (guint i = first; i < n; i++)
    {
      Sample *sample = hearth_ring_buffer_get (self->fine, i);
      HearthStatsPoint *point = &g_array_index (points, HearthStatsPoint, i - first);

      point->time = sample->time;
      point->value = point->min = point->max = sample->values[metric];
    }
  return points;
}

static GArray *
query_coarse (HearthStatsSeries *self,
              HearthMetric       metric,
              gint64             cutoff)
{
  guint n = hearth_ring_buffer_get_length (self->coarse);
  GArray *points = g_array_new (FALSE, FALSE, sizeof (HearthStatsPoint));

  for (guint i = 0; i < n; i++)
    {
      Bucket *bucket = hearth_ring_buffer_get (self->coarse, i);
      HearthStatsPoint point;

      if (bucket->start + self->bucket_usec <= cutoff)
        continue;
      point.time = bucket->start;
      point.value = bucket->avg[metric];
      point.min = bucket->min[metric];
      point.max = bucket->max[metric];
      g_array_append_val (points, point);
    }

  /* The bucket still filling is the most recent minute: charts want it too. */
  if (self->acc_start >= 0)
    {
      HearthStatsPoint point;
      guint count = self->acc_count[metric];

      point.time = self->acc_start;
      point.value = count ? self->acc_sum[metric] / count : NAN;
      point.min = count ? self->acc_min[metric] : NAN;
      point.max = count ? self->acc_max[metric] : NAN;
      g_array_append_val (points, point);
    }
  return points;
}

/**
 * hearth_stats_series_query:
 * @metric: the metric
 * @span_usec: how far back from the newest sample
 *
 * The history of @metric over the last @span_usec microseconds, oldest first.
 * While the plain samples reach back that far they are returned as they are;
 * beyond that, the downsampled buckets (with their minimum and maximum) are.
 *
 * Returns: (transfer full) (element-type HearthStatsPoint): the points
 */
GArray *
hearth_stats_series_query (HearthStatsSeries *self,
                           HearthMetric       metric,
                           gint64             span_usec)
{
  Sample *oldest;
  gint64 cutoff;
  guint n;

  g_return_val_if_fail (HEARTH_IS_STATS_SERIES (self), NULL);
  g_return_val_if_fail (metric < HEARTH_N_METRICS, NULL);

  n = hearth_ring_buffer_get_length (self->fine);
  if (n == 0)
    return g_array_new (FALSE, FALSE, sizeof (HearthStatsPoint));

  cutoff = hearth_stats_series_get_last_time (self) - span_usec;
  oldest = hearth_ring_buffer_get (self->fine, 0);

  /* The plain samples answer when they cover the span, or when nothing older
   * was ever dropped from them (the series is younger than the span). */
  if (oldest->time <= cutoff || n < hearth_ring_buffer_get_capacity (self->fine))
    return query_fine (self, metric, cutoff);
  return query_coarse (self, metric, cutoff);
}

/**
 * hearth_stats_range_get_span:
 *
 * Returns: the span of @range, in microseconds
 */
gint64
hearth_stats_range_get_span (HearthStatsRange range)
{
  switch (range)
    {
    case HEARTH_STATS_RANGE_MINUTE: return (gint64) 60 * G_USEC_PER_SEC;
    case HEARTH_STATS_RANGE_TEN_MINUTES: return (gint64) 600 * G_USEC_PER_SEC;
    case HEARTH_STATS_RANGE_HOUR: return (gint64) 3600 * G_USEC_PER_SEC;
    case HEARTH_STATS_RANGE_DAY: return (gint64) 86400 * G_USEC_PER_SEC;
    default: g_return_val_if_reached ((gint64) 60 * G_USEC_PER_SEC);
    }
}

/**
 * hearth_stats_series_query_range:
 *
 * hearth_stats_series_query() for one of the chart ranges.
 *
 * Returns: (transfer full) (element-type HearthStatsPoint): the points
 */
GArray *
hearth_stats_series_query_range (HearthStatsSeries *self,
                                 HearthMetric       metric,
                                 HearthStatsRange   range)
{
  return hearth_stats_series_query (self, metric, hearth_stats_range_get_span (range));
}

/**
 * hearth_metric_to_string:
 *
 * Returns: the metric's stable name ("cpu", "memory", "disk-read", …), used in
 *   saved alert rules and by hearthctl
 */
const char *
hearth_metric_to_string (HearthMetric metric)
{
  g_return_val_if_fail (metric < HEARTH_N_METRICS, NULL);
  return metric_names[metric];
}

/**
 * hearth_metric_from_string:
 *
 * Returns: whether @string names a metric
 */
gboolean
hearth_metric_from_string (const char   *string,
                           HearthMetric *out_metric)
{
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    if (g_strcmp0 (string, metric_names[i]) == 0)
      {
        *out_metric = i;
        return TRUE;
      }
  return FALSE;
}
