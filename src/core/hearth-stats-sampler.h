/* hearth-stats-sampler.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-stats-series.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthStatsCounterFlags:
 *
 * Which fields of a #HearthStatsCounters the hypervisor reported.
 */
typedef enum /*< flags >*/
{
  HEARTH_STATS_COUNTER_NONE = 0,
  HEARTH_STATS_COUNTER_CPU = 1 << 0,
  HEARTH_STATS_COUNTER_VCPUS = 1 << 1,
  HEARTH_STATS_COUNTER_BALLOON_CURRENT = 1 << 2,
  HEARTH_STATS_COUNTER_BALLOON_AVAILABLE = 1 << 3,
  HEARTH_STATS_COUNTER_BALLOON_UNUSED = 1 << 4,
  HEARTH_STATS_COUNTER_BALLOON_USABLE = 1 << 5,
  HEARTH_STATS_COUNTER_RSS = 1 << 6,
  HEARTH_STATS_COUNTER_BLOCK = 1 << 7,
  HEARTH_STATS_COUNTER_NET = 1 << 8,
  HEARTH_STATS_COUNTER_VCPU_TIME = 1 << 9,
} HearthStatsCounterFlags;

/**
 * HearthStatsCounters:
 * @mono_usec: when they were read (monotonic clock, microseconds)
 * @flags: which of the fields below are known
 * @cpu_time_ns: CPU time the machine's process used since it started (its vCPUs
 *   and the emulator's own threads)
 * @vcpus: its current number of vCPUs
 * @vcpu_time_ns: CPU time its vCPUs used (summed), which is the guest's own work
 * @balloon_current_kib: memory the host gives it
 * @balloon_available_kib: memory the guest sees
 * @balloon_unused_kib: memory the guest leaves entirely unused
 * @balloon_usable_kib: memory the guest could use without swapping
 * @rss_kib: the host memory its process takes
 * @block_rd_bytes: bytes read from all its disks
 * @block_wr_bytes: bytes written
 * @block_rd_reqs: read requests
 * @block_wr_reqs: write requests
 * @net_rx_bytes: bytes received on all its interfaces
 * @net_tx_bytes: bytes sent
 *
 * One machine's raw counters, as one bulk stats call reports them.
 */
typedef struct
{
  gint64                  mono_usec;
  HearthStatsCounterFlags flags;
  guint64                 cpu_time_ns;
  guint                   vcpus;
  guint64                 vcpu_time_ns;
  guint64                 balloon_current_kib;
  guint64                 balloon_available_kib;
  guint64                 balloon_unused_kib;
  guint64                 balloon_usable_kib;
  guint64                 rss_kib;
  guint64                 block_rd_bytes;
  guint64                 block_wr_bytes;
  guint64                 block_rd_reqs;
  guint64                 block_wr_reqs;
  guint64                 net_rx_bytes;
  guint64                 net_tx_bytes;
} HearthStatsCounters;

/**
 * HearthHostCounters:
 * @mono_usec: when they were read (monotonic clock, microseconds)
 * @n_cpus: the host's logical CPUs, 0 when unknown
 * @has_cpu: whether the CPU times are known
 * @cpu_busy_ns: CPU time spent in the kernel and user space, all CPUs
 * @cpu_total_ns: the same plus idle and I/O wait time
 * @has_memory: whether the memory figures are known
 * @memory_total_kib: the host's memory
 * @memory_available_kib: free memory plus buffers and page cache
 */
typedef struct
{
  gint64   mono_usec;
  guint    n_cpus;
  gboolean has_cpu;
  guint64  cpu_busy_ns;
  guint64  cpu_total_ns;
  gboolean has_memory;
  guint64  memory_total_kib;
  guint64  memory_available_kib;
} HearthHostCounters;

void hearth_stats_compute_machine (const HearthStatsCounters *previous,
                                   const HearthStatsCounters *current,
                                   guint                      fallback_vcpus,
                                   guint                      host_cpus,
                                   double                    *values);
void hearth_stats_compute_host    (const HearthHostCounters  *previous,
                                   const HearthHostCounters  *current,
                                   double                    *values);

#define HEARTH_TYPE_STATS_SAMPLER (hearth_stats_sampler_get_type ())
G_DECLARE_FINAL_TYPE (HearthStatsSampler, hearth_stats_sampler, HEARTH, STATS_SAMPLER, GObject)

HearthStatsSampler        *hearth_stats_sampler_new            (HearthConnection   *connection);
HearthConnection          *hearth_stats_sampler_get_connection (HearthStatsSampler *self);
guint                      hearth_stats_sampler_get_interval   (HearthStatsSampler *self);
void                       hearth_stats_sampler_set_interval   (HearthStatsSampler *self,
                                                                guint               interval_ms);
gboolean                   hearth_stats_sampler_get_active     (HearthStatsSampler *self);
void                       hearth_stats_sampler_hold           (HearthStatsSampler *self);
void                       hearth_stats_sampler_release        (HearthStatsSampler *self);
void                       hearth_stats_sampler_sample_now     (HearthStatsSampler *self);

HearthStatsSeries         *hearth_stats_sampler_get_host_series (HearthStatsSampler *self);
HearthStatsSeries         *hearth_stats_sampler_lookup_series  (HearthStatsSampler *self,
                                                                const char         *uuid);
GPtrArray                 *hearth_stats_sampler_list_active_series (HearthStatsSampler *self);
GPtrArray                 *hearth_stats_sampler_list_top       (HearthStatsSampler *self,
                                                                HearthMetric        metric,
                                                                guint               max);
const HearthStatsCounters *hearth_stats_sampler_get_counters   (HearthStatsSampler *self,
                                                                const char         *uuid);
const HearthHostCounters  *hearth_stats_sampler_get_host_counters (HearthStatsSampler *self);

guint64                    hearth_stats_sampler_get_n_ticks    (HearthStatsSampler *self);
guint64                    hearth_stats_sampler_get_n_skipped  (HearthStatsSampler *self);
guint                      hearth_stats_sampler_get_last_driver_calls (HearthStatsSampler *self);
guint                      hearth_stats_sampler_get_last_n_records (HearthStatsSampler *self);
gint64                     hearth_stats_sampler_get_last_cpu_usec (HearthStatsSampler *self);

G_END_DECLS
