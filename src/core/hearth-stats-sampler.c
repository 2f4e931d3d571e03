/* hearth-stats-sampler.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-stats"

#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "hearth-core-private.h"
#include "hearth-stats-sampler.h"

/**
 * HearthStatsSampler:
 *
 * Samples the figures of every running machine of a connection, and of the
 * host, once per interval while someone holds it (a dashboard on screen, an
 * alert rule, the idle policy, the metrics exporter).
 *
 * Each tick runs in a worker and makes one bulk virConnectGetAllDomainStats()
 * call for all machines, whatever their number, plus one call each for the
 * host's CPU and memory. A tick is skipped while the previous one is still
 * under way, so a slow daemon never piles up work. Rates are computed from the
 * counters on the main thread and appended to one #HearthStatsSeries per
 * machine and one for the host; then #HearthStatsSampler::sampled is emitted.
 */

#define DEFAULT_INTERVAL_MS 1000

/* Node stats have a fixed number of fields per driver; asked once. */
#define MAX_NODE_PARAMS 16

typedef struct
{
  char                uuid[VIR_UUID_STRING_BUFLEN];
  HearthStatsCounters counters;
} Record;

/* A tick's task data: filled on the main thread, used by the worker alone,
 * read back on the main thread when the task completes. */
typedef struct
{
  virConnectPtr      conn;             /* owned reference */
  gboolean           first;            /* read the node's static facts */
  gboolean           host_memory;      /* the driver has node memory stats */
  gboolean           nowait;           /* the driver takes the NOWAIT flag */
  int                n_cpu_params;     /* 0 until known */
  int                n_mem_params;

  GArray            *records;          /* of Record */
  HearthHostCounters host;
  guint              driver_calls;
  gint64             cpu_usec;
  GError            *error;
} Tick;

typedef struct
{
  HearthStatsSeries  *series;          /* owned */
  HearthStatsCounters previous;
  gboolean            has_previous;
  guint64             last_tick;       /* the tick that last saw it */
} Entry;

struct _HearthStatsSampler
{
  GObject parent_instance;

  HearthConnection  *connection;       /* owned */
  guint              interval_ms;
  guint              hold_count;
  guint              timeout_id;
  gboolean           in_flight;

  GHashTable        *entries;          /* uuid → Entry, owned */
  HearthStatsSeries *host_series;      /* owned */
  HearthHostCounters host_previous;
  gboolean           has_host_previous;

  /* What the driver can do, learnt on the first ticks. */
  gboolean           know_node;
  guint              host_cpus;
  guint64            host_memory_kib;
  gboolean           host_memory;
  gboolean           nowait;
  int                n_cpu_params;
  int                n_mem_params;

  guint64            n_ticks;
  guint64            n_skipped;
  guint              last_driver_calls;
  guint              last_n_records;
  gint64             last_cpu_usec;
};

G_DEFINE_FINAL_TYPE (HearthStatsSampler, hearth_stats_sampler, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTION,
  PROP_INTERVAL,
  PROP_ACTIVE,
  N_PROPS
};

enum
{
  SAMPLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void update_timer (HearthStatsSampler *self);

static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
entry_free (Entry *entry)
{
  g_clear_object (&entry->series);
  g_free (entry);
}

static void
tick_free (Tick *tick)
{
  hearth_vir_connect_unref (tick->conn);
  g_clear_pointer (&tick->records, g_array_unref);
  g_clear_error (&tick->error);
  g_free (tick);
}

/* Pure rate computation ------------------------------------------------------ */

static double
rate (guint64 previous,
      guint64 current,
      double  seconds)
{
  /* A counter that went backwards was reset (the machine restarted, a disk was
   * replaced): there is no rate across the reset. */
  if (current < previous)
    return NAN;
  return (current - previous) / seconds;
}

/**
 * hearth_stats_compute_machine:
 * @previous: (nullable): the counters of the previous tick, if any
 * @current: the counters of this tick
 * @fallback_vcpus: the machine's vCPUs, for when @current lacks them
 * @host_cpus: the host's logical CPUs, 0 when unknown
 * @values: (out caller-allocates) (array fixed-size=11): one value per #HearthMetric
 *
 * Turns two readings of a machine's counters into figures. Rates need
 * @previous; without it, or when a counter is missing, they are NaN.
 */
void
hearth_stats_compute_machine (const HearthStatsCounters *previous,
                              const HearthStatsCounters *current,
                              guint                      fallback_vcpus,
                              guint                      host_cpus,
                              double                    *values)
{
  HearthStatsCounterFlags both = previous ? previous->flags & current->flags : 0;
  double seconds = previous ? (current->mono_usec - previous->mono_usec) / (double) G_USEC_PER_SEC
                            : 0;
  guint vcpus = (current->flags & HEARTH_STATS_COUNTER_VCPUS) && current->vcpus > 0
                  ? current->vcpus : fallback_vcpus;
  HearthStatsCounterFlags f = current->flags;
  double total = NAN;
  double used = NAN;

  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    values[i] = NAN;

  if (previous != NULL && seconds > 0)
    {
      /* The guest's own use is its vCPUs' time; the host's cost includes the
       * emulator's threads (I/O, display), so it can pass the vCPUs' share. */
      double total_per_sec = NAN;
      double vcpu_per_sec = NAN;

      if (both & HEARTH_STATS_COUNTER_CPU)
        total_per_sec = rate (previous->cpu_time_ns, current->cpu_time_ns, seconds) / 1e9;
      if (both & HEARTH_STATS_COUNTER_VCPU_TIME)
        vcpu_per_sec = rate (previous->vcpu_time_ns, current->vcpu_time_ns, seconds) / 1e9;
      else
        vcpu_per_sec = total_per_sec;
      if (isnan (total_per_sec))
        total_per_sec = vcpu_per_sec;

      if (vcpus > 0 && !isnan (vcpu_per_sec))
        values[HEARTH_METRIC_CPU] = 100.0 * vcpu_per_sec / vcpus;
      if (host_cpus > 0 && !isnan (total_per_sec))
        values[HEARTH_METRIC_CPU_HOST] = 100.0 * total_per_sec / host_cpus;
      if (both & HEARTH_STATS_COUNTER_BLOCK)
        {
          values[HEARTH_METRIC_DISK_READ] = rate (previous->block_rd_bytes,
                                                  current->block_rd_bytes, seconds);
          values[HEARTH_METRIC_DISK_WRITE] = rate (previous->block_wr_bytes,
                                                   current->block_wr_bytes, seconds);
          values[HEARTH_METRIC_DISK_READ_OPS] = rate (previous->block_rd_reqs,
                                                      current->block_rd_reqs, seconds);
          values[HEARTH_METRIC_DISK_WRITE_OPS] = rate (previous->block_wr_reqs,
                                                       current->block_wr_reqs, seconds);
        }
      if (both & HEARTH_STATS_COUNTER_NET)
        {
          values[HEARTH_METRIC_NET_RX] = rate (previous->net_rx_bytes, current->net_rx_bytes,
                                               seconds);
          values[HEARTH_METRIC_NET_TX] = rate (previous->net_tx_bytes, current->net_tx_bytes,
                                               seconds);
        }
    }

  /* Memory needs no previous reading. The guest's own view (through the
   * balloon driver's statistics) is preferred; without it, the host's. */
  if (f & HEARTH_STATS_COUNTER_BALLOON_AVAILABLE)
    total = current->balloon_available_kib * 1024.0;
  else if (f & HEARTH_STATS_COUNTER_BALLOON_CURRENT)
    total = current->balloon_current_kib * 1024.0;

  if ((f & HEARTH_STATS_COUNTER_BALLOON_AVAILABLE) && (f & HEARTH_STATS_COUNTER_BALLOON_USABLE)
      && current->balloon_usable_kib <= current->balloon_available_kib)
    used = (current->balloon_available_kib - current->balloon_usable_kib) * 1024.0;
  else if ((f & HEARTH_STATS_COUNTER_BALLOON_AVAILABLE) && (f & HEARTH_STATS_COUNTER_BALLOON_UNUSED)
           && current->balloon_unused_kib <= current->balloon_available_kib)
    used = (current->balloon_available_kib - current->balloon_unused_kib) * 1024.0;
  else if (f & HEARTH_STATS_COUNTER_RSS)
    used = isnan (total) ? current->rss_kib * 1024.0 : MIN (current->rss_kib * 1024.0, total);

  values[HEARTH_METRIC_MEMORY_TOTAL] = total;
  values[HEARTH_METRIC_MEMORY_USED] = used;
  if (!isnan (used) && !isnan (total) && total > 0)
    values[HEARTH_METRIC_MEMORY_PERCENT] = 100.0 * used / total;
}

/**
 * hearth_stats_compute_host:
 * @previous: (nullable): the previous reading
 * @current: this reading
 * @values: (out caller-allocates) (array fixed-size=11): one value per #HearthMetric
 *
 * The host's CPU (busy time over all time, in percent of all CPUs, for both
 * %HEARTH_METRIC_CPU and %HEARTH_METRIC_CPU_HOST) and memory figures. Disk
 * and network are left NaN; the sampler fills them with the machines' sums.
 */
void
hearth_stats_compute_host (const HearthHostCounters *previous,
                           const HearthHostCounters *current,
                           double                   *values)
{
  for (guint i = 0; i < HEARTH_N_METRICS; i++)
    values[i] = NAN;

  if (previous && previous->has_cpu && current->has_cpu
      && current->cpu_total_ns > previous->cpu_total_ns
      && current->cpu_busy_ns >= previous->cpu_busy_ns)
    {
      double busy = current->cpu_busy_ns - previous->cpu_busy_ns;
      double total = current->cpu_total_ns - previous->cpu_total_ns;

      values[HEARTH_METRIC_CPU] = values[HEARTH_METRIC_CPU_HOST] = MIN (100.0, 100.0 * busy / total);
    }

  if (!current->has_memory && current->memory_total_kib > 0)
    values[HEARTH_METRIC_MEMORY_TOTAL] = current->memory_total_kib * 1024.0;
  else if (current->has_memory && current->memory_total_kib > 0)
    {
      guint64 available = MIN (current->memory_available_kib, current->memory_total_kib);

      values[HEARTH_METRIC_MEMORY_TOTAL] = current->memory_total_kib * 1024.0;
      values[HEARTH_METRIC_MEMORY_USED] = (current->memory_total_kib - available) * 1024.0;
      values[HEARTH_METRIC_MEMORY_PERCENT] = 100.0 * (current->memory_total_kib - available)
                                             / current->memory_total_kib;
    }
}

/* The worker ----------------------------------------------------------------- */

static gboolean
param_u64 (const virTypedParameter *param,
           guint64                 *out)
{
  switch (param->type)
    {
    case VIR_TYPED_PARAM_ULLONG: *out = param->value.ul; return TRUE;
    case VIR_TYPED_PARAM_UINT: *out = param->value.ui; return TRUE;
    case VIR_TYPED_PARAM_LLONG: *out = MAX (param->value.l, 0); return TRUE;
    case VIR_TYPED_PARAM_INT: *out = MAX (param->value.i, 0); return TRUE;
    default: return FALSE;
    }
}

/* Folds one record's typed parameters into counters. Names look like
 * "cpu.time", "balloon.rss", "block.2.rd.bytes", "net.0.tx.bytes". */
static void
parse_record (virDomainStatsRecordPtr record,
              HearthStatsCounters    *c)
{
  for (int i = 0; i < record->nparams; i++)
    {
      const virTypedParameter *param = &record->params[i];
      const char *name = param->field;
      guint64 v;

      if (!param_u64 (param, &v))
        continue;

      if (name[0] == 'c' && strcmp (name, "cpu.time") == 0)
        {
          c->cpu_time_ns = v;
          c->flags |= HEARTH_STATS_COUNTER_CPU;
        }
      else if (name[0] == 'v' && strcmp (name, "vcpu.current") == 0)
        {
          c->vcpus = v;
          c->flags |= HEARTH_STATS_COUNTER_VCPUS;
        }
      else if (name[0] == 'v' && g_str_has_prefix (name, "vcpu.") && g_str_has_suffix (name, ".time"))
        {
          c->vcpu_time_ns += v;
          c->flags |= HEARTH_STATS_COUNTER_VCPU_TIME;
        }
      else if (name[0] == 'b' && g_str_has_prefix (name, "balloon."))
        {
          const char *key = name + strlen ("balloon.");

          if (strcmp (key, "current") == 0)
            c->balloon_current_kib = v, c->flags |= HEARTH_STATS_COUNTER_BALLOON_CURRENT;
          else if (strcmp (key, "available") == 0)
            c->balloon_available_kib = v, c->flags |= HEARTH_STATS_COUNTER_BALLOON_AVAILABLE;
          else if (strcmp (key, "unused") == 0)
            c->balloon_unused_kib = v, c->flags |= HEARTH_STATS_COUNTER_BALLOON_UNUSED;
          else if (strcmp (key, "usable") == 0)
            c->balloon_usable_kib = v, c->flags |= HEARTH_STATS_COUNTER_BALLOON_USABLE;
          else if (strcmp (key, "rss") == 0)
            c->rss_kib = v, c->flags |= HEARTH_STATS_COUNTER_RSS;
        }
      else if (name[0] == 'b' && g_str_has_prefix (name, "block."))
        {
          /* Only the per-disk totals; "block.count" and backing-chain entries
           * (which need a flag Hearth does not pass) are not summed. */
          if (g_str_has_suffix (name, ".rd.bytes"))
            c->block_rd_bytes += v, c->flags |= HEARTH_STATS_COUNTER_BLOCK;
          else if (g_str_has_suffix (name, ".wr.bytes"))
            c->block_wr_bytes += v, c->flags |= HEARTH_STATS_COUNTER_BLOCK;
          else if (g_str_has_suffix (name, ".rd.reqs"))
            c->block_rd_reqs += v, c->flags |= HEARTH_STATS_COUNTER_BLOCK;
          else if (g_str_has_suffix (name, ".wr.reqs"))
            c->block_wr_reqs += v, c->flags |= HEARTH_STATS_COUNTER_BLOCK;
        }
      else if (name[0] == 'n' && g_str_has_prefix (name, "net."))
        {
          if (g_str_has_suffix (name, ".rx.bytes"))
            c->net_rx_bytes += v, c->flags |= HEARTH_STATS_COUNTER_NET;
          else if (g_str_has_suffix (name, ".tx.bytes"))
            c->net_tx_bytes += v, c->flags |= HEARTH_STATS_COUNTER_NET;
        }
    }
}

static gboolean
error_is_unsupported (void)
{
  virErrorPtr verr = virGetLastError ();

  return verr != NULL && (verr->code == VIR_ERR_NO_SUPPORT || verr->code == VIR_ERR_INVALID_ARG
                          || verr->code == VIR_ERR_ARGUMENT_UNSUPPORTED);
}

static void
read_host (Tick *tick)
{
  virNodeCPUStats cpu[MAX_NODE_PARAMS];
  virNodeMemoryStats mem[MAX_NODE_PARAMS];
  int n;

  if (tick->first)
    {
      virNodeInfo info;

      tick->driver_calls++;
      if (virNodeGetInfo (tick->conn, &info) == 0)
        {
          tick->host.n_cpus = info.cpus;
          tick->host.memory_total_kib = info.memory;
        }
      else
        virResetLastError ();
    }

  if (tick->n_cpu_params == 0)
    {
      tick->driver_calls++;
      if (virNodeGetCPUStats (tick->conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL,
                              &tick->n_cpu_params, 0) < 0)
        {
          virResetLastError ();
          tick->n_cpu_params = -1;
        }
      tick->n_cpu_params = MIN (tick->n_cpu_params, MAX_NODE_PARAMS);
    }
  if (tick->n_cpu_params > 0)
    {
      n = tick->n_cpu_params;
      tick->driver_calls++;
      if (virNodeGetCPUStats (tick->conn, VIR_NODE_CPU_STATS_ALL_CPUS, cpu, &n, 0) == 0)
        {
          tick->host.has_cpu = TRUE;
          for (int i = 0; i < n; i++)
            {
              if (strcmp (cpu[i].field, VIR_NODE_CPU_STATS_KERNEL) == 0
                  || strcmp (cpu[i].field, VIR_NODE_CPU_STATS_USER) == 0)
                tick->host.cpu_busy_ns += cpu[i].value;
              if (strcmp (cpu[i].field, VIR_NODE_CPU_STATS_KERNEL) == 0
                  || strcmp (cpu[i].field, VIR_NODE_CPU_STATS_USER) == 0
                  || strcmp (cpu[i].field, VIR_NODE_CPU_STATS_IDLE) == 0
                  || strcmp (cpu[i].field, VIR_NODE_CPU_STATS_IOWAIT) == 0)
                tick->host.cpu_total_ns += cpu[i].value;
            }
        }
      else
        virResetLastError ();
    }

  if (!tick->host_memory)
    return;

  if (tick->n_mem_params == 0)
    {
      tick->driver_calls++;
      if (virNodeGetMemoryStats (tick->conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL,
                                 &tick->n_mem_params, 0) < 0)
        {
          /* The test driver has none: stop asking. */
          if (error_is_unsupported ())
            tick->host_memory = FALSE;
          virResetLastError ();
          tick->n_mem_params = 0;
          return;
        }
      tick->n_mem_params = MIN (tick->n_mem_params, MAX_NODE_PARAMS);
    }
  if (tick->n_mem_params > 0)
    {
      guint64 avail = 0;

      n = tick->n_mem_params;
      tick->driver_calls++;
      if (virNodeGetMemoryStats (tick->conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, mem, &n, 0) < 0)
        {
          virResetLastError ();
          return;
        }
      for (int i = 0; i < n; i++)
        {
          if (strcmp (mem[i].field, VIR_NODE_MEMORY_STATS_TOTAL) == 0)
            tick->host.memory_total_kib = mem[i].value;
          else if (strcmp (mem[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0
                   || strcmp (mem[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0
                   || strcmp (mem[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
            avail += mem[i].value;
        }
      tick->host.memory_available_kib = avail;
      tick->host.has_memory = tick->host.memory_total_kib > 0;
    }
}

static void
tick_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Tick *tick = task_data;
  gint64 cpu_begin = thread_cpu_usec ();
  virDomainStatsRecordPtr *records = NULL;
  unsigned int stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL
                       | VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU
                       | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
  unsigned int flags = VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE;
  gint64 before, now;
  int n;

  /* NOWAIT skips a machine whose monitor is busy with a job (a managed save,
   * say) instead of waiting for it, so one machine cannot stall a tick. */
  if (tick->nowait)
    flags |= VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT;

  before = g_get_monotonic_time ();
  tick->driver_calls++;
  n = virConnectGetAllDomainStats (tick->conn, stats, &records, flags);
  if (n < 0 && tick->nowait && error_is_unsupported ())
    {
      virResetLastError ();
      tick->nowait = FALSE;
      before = g_get_monotonic_time ();
      tick->driver_calls++;
      n = virConnectGetAllDomainStats (tick->conn, stats, &records,
                                       VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
    }
  /* The counters were read somewhere inside the call, which can take a while
   * when a hypervisor is slow to answer: its middle is the best guess. */
  now = (before + g_get_monotonic_time ()) / 2;

  if (n < 0)
    {
      _hearth_error_take_libvirt (&tick->error, "Could not read the machines' statistics");
    }
  else
    {
      g_array_set_size (tick->records, n);
      for (int i = 0; i < n; i++)
        {
          Record *rec = &g_array_index (tick->records, Record, i);

          memset (rec, 0, sizeof *rec);
          /* virDomainGetUUIDString reads the handle in this process; it is no
           * call to the driver. */
          virDomainGetUUIDString (records[i]->dom, rec->uuid);
          rec->counters.mono_usec = now;
          parse_record (records[i], &rec->counters);
        }
      virDomainStatsRecordListFree (records);
    }

  read_host (tick);
  tick->host.mono_usec = g_get_monotonic_time ();
  tick->cpu_usec = thread_cpu_usec () - cpu_begin;

  g_task_return_boolean (task, TRUE);
}

/* Main thread ------------------------------------------------------------------ */

static void
publish (HearthStatsSampler *self,
         Tick               *tick)
{
  double values[HEARTH_N_METRICS];
  double host_values[HEARTH_N_METRICS];
  double sums[HEARTH_N_METRICS] = { 0 };
  gboolean have_sum[HEARTH_N_METRICS] = { 0 };
  gint64 wall = g_get_real_time ();
  GHashTableIter iter;
  Entry *entry;
  guint64 tick_no = ++self->n_ticks;

  if (tick->host.n_cpus > 0)
    self->host_cpus = tick->host.n_cpus;
  if (!tick->host.has_memory && self->host_memory_kib == 0)
    self->host_memory_kib = tick->host.memory_total_kib;
  tick->host.n_cpus = self->host_cpus;

  for (guint i = 0; i < tick->records->len; i++)
    {
      Record *rec = &g_array_index (tick->records, Record, i);
      HearthMachine *machine = hearth_connection_find_machine (self->connection, rec->uuid);
      guint fallback_vcpus = machine ? hearth_machine_get_vcpus (machine) : 0;

      entry = g_hash_table_lookup (self->entries, rec->uuid);
      if (entry == NULL)
        {
          entry = g_new0 (Entry, 1);
          entry->series = hearth_stats_series_new (rec->uuid, HEARTH_STATS_FINE_CAPACITY,
                                                   HEARTH_STATS_BUCKET_USEC,
                                                   HEARTH_STATS_N_BUCKETS);
          g_hash_table_insert (self->entries, g_strdup (rec->uuid), entry);
        }
      if (machine != NULL)
        hearth_stats_series_set_name (entry->series, hearth_machine_get_display_name (machine));

      hearth_stats_compute_machine (entry->has_previous ? &entry->previous : NULL,
                                    &rec->counters, fallback_vcpus, self->host_cpus, values);
      entry->previous = rec->counters;
      entry->has_previous = TRUE;
      entry->last_tick = tick_no;

      for (guint m = HEARTH_METRIC_DISK_READ; m < HEARTH_N_METRICS; m++)
        if (!isnan (values[m]))
          {
            sums[m] += values[m];
            have_sum[m] = TRUE;
          }
      hearth_stats_series_append (entry->series, wall, values);
    }

  /* Machines that stopped keep their history (their counters restart, so the
   * previous reading goes); machines that are gone lose it. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->last_tick != tick_no)
      {
        entry->has_previous = FALSE;
        if (!hearth_connection_find_machine (self->connection,
                                             hearth_stats_series_get_uuid (entry->series)))
          g_hash_table_iter_remove (&iter);
      }

  if (!tick->host.has_memory && self->host_memory_kib > 0)
    {
      /* Without node memory stats only the size is known. */
      tick->host.memory_total_kib = self->host_memory_kib;
    }
  hearth_stats_compute_host (self->has_host_previous ? &self->host_previous : NULL, &tick->host,
                             host_values);
  for (guint m = HEARTH_METRIC_DISK_READ; m < HEARTH_N_METRICS; m++)
    if (have_sum[m])
      host_values[m] = sums[m];
  self->host_previous = tick->host;
  self->has_host_previous = TRUE;
  hearth_stats_series_append (self->host_series, wall, host_values);

  g_signal_emit (self, signals[SAMPLED], 0);
}

static void
tick_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HearthStatsSampler *self = HEARTH_STATS_SAMPLER (source);
  Tick *tick = g_task_get_task_data (G_TASK (result));
  gint64 cpu_begin = thread_cpu_usec ();

  self->in_flight = FALSE;

  self->host_memory = tick->host_memory;
  self->nowait = tick->nowait;
  self->n_cpu_params = tick->n_cpu_params;
  self->n_mem_params = tick->n_mem_params;
  self->know_node = TRUE;
  self->last_driver_calls = tick->driver_calls;
  self->last_n_records = tick->records->len;

  if (tick->error != NULL)
    {
      /* A lost connection is the connection's to report; a tick just has
       * nothing to show. */
      g_debug ("Tick failed: %s", tick->error->message);
      self->last_cpu_usec = tick->cpu_usec;
      return;
    }

  if (self->connection != NULL)
    publish (self, tick);

  /* Both threads' share: what a tick costs this process. */
  self->last_cpu_usec = tick->cpu_usec + (thread_cpu_usec () - cpu_begin);
}

static void
start_tick (HearthStatsSampler *self)
{
  g_autoptr(GTask) task = NULL;
  virConnectPtr conn;
  Tick *tick;

  if (self->in_flight)
    {
      self->n_skipped++;
      return;
    }
  if (self->connection == NULL
      || hearth_connection_get_state (self->connection) != HEARTH_CONNECTION_STATE_CONNECTED
      || !(conn = _hearth_connection_dup_virconn (self->connection, NULL)))
    return;

  tick = g_new0 (Tick, 1);
  tick->conn = conn;
  tick->first = !self->know_node;
  tick->host_memory = self->host_memory;
  tick->nowait = self->nowait;
  tick->n_cpu_params = self->n_cpu_params;
  tick->n_mem_params = self->n_mem_params;
  tick->records = g_array_new (FALSE, FALSE, sizeof (Record));

  self->in_flight = TRUE;
  task = g_task_new (self, NULL, tick_done_cb, NULL);
  g_task_set_source_tag (task, start_tick);
  g_task_set_task_data (task, tick, (GDestroyNotify) tick_free);
  g_task_run_in_thread (task, tick_worker);
}

static gboolean
timeout_cb (gpointer user_data)
{
  start_tick (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_timer (HearthStatsSampler *self)
{
  gboolean want = self->hold_count > 0 && self->connection != NULL
                  && hearth_connection_get_state (self->connection)
                     == HEARTH_CONNECTION_STATE_CONNECTED;
  gboolean had = self->timeout_id != 0;

  if (want == had)
    return;

  if (want)
    {
      self->timeout_id = g_timeout_add (self->interval_ms, timeout_cb, self);
      /* A first reading at once, so rates are there after one interval. */
      start_tick (self);
    }
  else
    {
      g_clear_handle_id (&self->timeout_id, g_source_remove);
      /* Rates across a pause would be averages over it: start afresh. */
      self->has_host_previous = FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

static void
on_connection_state_cb (HearthConnection   *connection,
                        GParamSpec         *pspec,
                        HearthStatsSampler *self)
{
  update_timer (self);
}

static void
hearth_stats_sampler_dispose (GObject *object)
{
  HearthStatsSampler *self = HEARTH_STATS_SAMPLER (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hearth_stats_sampler_parent_class)->dispose (object);
}

static void
hearth_stats_sampler_finalize (GObject *object)
{
  HearthStatsSampler *self = HEARTH_STATS_SAMPLER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_object (&self->host_series);

  G_OBJECT_CLASS (hearth_stats_sampler_parent_class)->finalize (object);
}

static void
hearth_stats_sampler_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HearthStatsSampler *self = HEARTH_STATS_SAMPLER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION: g_value_set_object (value, self->connection); break;
    case PROP_INTERVAL: g_value_set_uint (value, self->interval_ms); break;
    case PROP_ACTIVE: g_value_set_boolean (value, self->timeout_id != 0); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_stats_sampler_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HearthStatsSampler *self = HEARTH_STATS_SAMPLER (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      if (self->connection != NULL)
        g_signal_connect (self->connection, "notify::state",
                          G_CALLBACK (on_connection_state_cb), self);
      break;
    case PROP_INTERVAL: hearth_stats_sampler_set_interval (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_stats_sampler_class_init (HearthStatsSamplerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_stats_sampler_dispose;
  object_class->finalize = hearth_stats_sampler_finalize;
  object_class->get_property = hearth_stats_sampler_get_property;
  object_class->set_property = hearth_stats_sampler_set_property;

  /** HearthStatsSampler:connection: The connection whose machines are sampled. */
  properties[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL,
                                                     HEARTH_TYPE_CONNECTION,
                                                     G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                     | G_PARAM_STATIC_STRINGS);
  /** HearthStatsSampler:interval: Milliseconds between ticks (default 1000). */
  properties[PROP_INTERVAL] = g_param_spec_uint ("interval", NULL, NULL, 50, 3600 * 1000,
                                                 DEFAULT_INTERVAL_MS,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                 | G_PARAM_STATIC_STRINGS);
  /**
   * HearthStatsSampler:active:
   *
   * Whether the sampler ticks: it is held and the connection is open.
   */
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthStatsSampler::sampled:
   *
   * A tick's figures were appended to the series.
   */
  signals[SAMPLED] = g_signal_new ("sampled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_stats_sampler_init (HearthStatsSampler *self)
{
  self->interval_ms = DEFAULT_INTERVAL_MS;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) entry_free);
  self->host_series = hearth_stats_series_new (NULL, HEARTH_STATS_FINE_CAPACITY,
                                               HEARTH_STATS_BUCKET_USEC, HEARTH_STATS_N_BUCKETS);
  self->host_memory = TRUE;
  self->nowait = TRUE;
}

/**
 * hearth_stats_sampler_new:
 * @connection: the connection to sample
 *
 * The sampler does nothing until hearth_stats_sampler_hold() is called.
 *
 * Returns: (transfer full): a new sampler
 */
HearthStatsSampler *
hearth_stats_sampler_new (HearthConnection *connection)
{
  g_return_val_if_fail (HEARTH_IS_CONNECTION (connection), NULL);

  return g_object_new (HEARTH_TYPE_STATS_SAMPLER, "connection", connection, NULL);
}

/**
 * hearth_stats_sampler_get_connection:
 *
 * Returns: (transfer none) (nullable): the connection
 */
HearthConnection *
hearth_stats_sampler_get_connection (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);
  return self->connection;
}

guint
hearth_stats_sampler_get_interval (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->interval_ms;
}

/**
 * hearth_stats_sampler_set_interval:
 * @interval_ms: milliseconds between ticks
 *
 * Takes effect at once when the sampler is running.
 */
void
hearth_stats_sampler_set_interval (HearthStatsSampler *self,
                                   guint               interval_ms)
{
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (self));
  g_return_if_fail (interval_ms >= 50);

  if (self->interval_ms == interval_ms)
    return;

  self->interval_ms = interval_ms;
  if (self->timeout_id != 0)
    {
      g_source_remove (self->timeout_id);
      self->timeout_id = g_timeout_add (self->interval_ms, timeout_cb, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

gboolean
hearth_stats_sampler_get_active (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), FALSE);
  return self->timeout_id != 0;
}

/**
 * hearth_stats_sampler_hold:
 *
 * Says that someone needs the figures (a page on screen, an alert rule, the
 * idle policy, the exporter). The sampler ticks while it is held at least once
 * and its connection is open. Balance with hearth_stats_sampler_release().
 */
void
hearth_stats_sampler_hold (HearthStatsSampler *self)
{
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (self));

  self->hold_count++;
  update_timer (self);
}

/**
 * hearth_stats_sampler_release:
 *
 * Undoes one hearth_stats_sampler_hold(); the last release pauses sampling.
 */
void
hearth_stats_sampler_release (HearthStatsSampler *self)
{
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (self));
  g_return_if_fail (self->hold_count > 0);

  self->hold_count--;
  update_timer (self);
}

/**
 * hearth_stats_sampler_sample_now:
 *
 * Starts a tick at once (unless one is under way), held or not: for a
 * one-off reading such as `hearthctl stats --count 1`.
 */
void
hearth_stats_sampler_sample_now (HearthStatsSampler *self)
{
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (self));
  start_tick (self);
}

/**
 * hearth_stats_sampler_get_host_series:
 *
 * Returns: (transfer none): the host's series; disk and network are the sums
 *   over the machines
 */
HearthStatsSeries *
hearth_stats_sampler_get_host_series (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);
  return self->host_series;
}

/**
 * hearth_stats_sampler_lookup_series:
 * @uuid: a machine's UUID
 *
 * Returns: (transfer none) (nullable): the machine's series, or %NULL when it
 *   has not run while the sampler was active
 */
HearthStatsSeries *
hearth_stats_sampler_lookup_series (HearthStatsSampler *self,
                                    const char         *uuid)
{
  Entry *entry;

  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);
  g_return_val_if_fail (uuid != NULL, NULL);

  entry = g_hash_table_lookup (self->entries, uuid);
  return entry ? entry->series : NULL;
}

/**
 * hearth_stats_sampler_list_active_series:
 *
 * Returns: (transfer container) (element-type HearthStatsSeries): the series of
 *   the machines the last tick saw running, for a "top consumers" list
 */
GPtrArray *
hearth_stats_sampler_list_active_series (HearthStatsSampler *self)
{
  GPtrArray *result;
  GHashTableIter iter;
  Entry *entry;

  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);

  result = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->last_tick == self->n_ticks)
      g_ptr_array_add (result, g_object_ref (entry->series));
  return result;
}

typedef struct
{
  HearthStatsSeries *series;
  double             value;
} Ranked;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  const Ranked *x = a, *y = b;

  return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

/**
 * hearth_stats_sampler_list_top:
 * @metric: what to rank by
 * @max: how many at most
 *
 * The "top consumers": the machines of the last tick with the highest latest
 * value of @metric, highest first. Machines whose value is unknown are left out.
 *
 * Returns: (transfer container) (element-type HearthStatsSeries): their series
 */
GPtrArray *
hearth_stats_sampler_list_top (HearthStatsSampler *self,
                               HearthMetric        metric,
                               guint               max)
{
  g_autoptr(GPtrArray) active = NULL;
  g_autoptr(GArray) ranked = NULL;
  GPtrArray *result;

  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);
  g_return_val_if_fail (metric < HEARTH_N_METRICS, NULL);

  active = hearth_stats_sampler_list_active_series (self);
  ranked = g_array_sized_new (FALSE, FALSE, sizeof (Ranked), active->len);
  for (guint i = 0; i < active->len; i++)
    {
      Ranked r = { active->pdata[i], hearth_stats_series_get_latest (active->pdata[i], metric) };

      if (!isnan (r.value))
        g_array_append_val (ranked, r);
    }
  g_array_sort (ranked, compare_ranked);

  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < ranked->len && i < max; i++)
    g_ptr_array_add (result, g_object_ref (g_array_index (ranked, Ranked, i).series));
  return result;
}

/**
 * hearth_stats_sampler_get_counters:
 *
 * Returns: (nullable): the raw counters of the machine's last reading, or
 *   %NULL (for `hearthctl stats --json` and the metrics exporter)
 */
const HearthStatsCounters *
hearth_stats_sampler_get_counters (HearthStatsSampler *self,
                                   const char         *uuid)
{
  Entry *entry;

  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);

  entry = g_hash_table_lookup (self->entries, uuid);
  return entry && entry->has_previous ? &entry->previous : NULL;
}

/**
 * hearth_stats_sampler_get_host_counters:
 *
 * Returns: (nullable): the host's last raw reading
 */
const HearthHostCounters *
hearth_stats_sampler_get_host_counters (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), NULL);
  return self->has_host_previous ? &self->host_previous : NULL;
}

/** hearth_stats_sampler_get_n_ticks: Returns: how many ticks were published */
guint64
hearth_stats_sampler_get_n_ticks (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->n_ticks;
}

/** hearth_stats_sampler_get_n_skipped: Returns: ticks skipped because one was under way */
guint64
hearth_stats_sampler_get_n_skipped (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->n_skipped;
}

/**
 * hearth_stats_sampler_get_last_driver_calls:
 *
 * Returns: how many libvirt calls that reach the driver the last tick made
 *   (one bulk domain stats call plus the host's; more on the first tick)
 */
guint
hearth_stats_sampler_get_last_driver_calls (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->last_driver_calls;
}

/** hearth_stats_sampler_get_last_n_records: Returns: machines in the last tick */
guint
hearth_stats_sampler_get_last_n_records (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->last_n_records;
}

/**
 * hearth_stats_sampler_get_last_cpu_usec:
 *
 * Returns: the CPU time the last tick took in this process (worker and main
 *   thread), in microseconds; for benchmarks
 */
gint64
hearth_stats_sampler_get_last_cpu_usec (HearthStatsSampler *self)
{
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (self), 0);
  return self->last_cpu_usec;
}
