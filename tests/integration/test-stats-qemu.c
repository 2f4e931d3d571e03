/* test-stats-qemu.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stats sampler on real QEMU (qemu:///embed, the tiny test guest under
 * TCG): a shell loop in the guest drives its CPU use above half of its one
 * vCPU and the sampler sees it; the figures agree with libvirt's raw counters
 * read independently; the use falls when the loop stops. Figures are printed;
 * the waits are windows to sample in, never timed assertions.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000
#define WINDOW_MS 4000
/* A name with the characters Prometheus label values must escape. */
#define GUEST_NAME "stats \"guest\" \\ 家"
#define GUEST_NAME_ESCAPED "stats \\\"guest\\\" \\\\ 家"

static void
guest_run (const char *serial,
           const char *command)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (hearth_test_guest_run (serial, command, TIMEOUT_MS, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

/* The guest's vCPU time as libvirt reports it to anyone, on a connection of
 * the test's own, through another call than the sampler's: what `virsh
 * vcpuinfo` prints (and `virsh domstats --vcpu` as vcpu.0.time). */
static guint64
raw_vcpu_time (virConnectPtr conn)
{
  virDomainPtr domain = virDomainLookupByName (conn, GUEST_NAME);
  virVcpuInfo info;

  g_assert_nonnull (domain);
  g_assert_cmpint (virDomainGetVcpus (domain, &info, 1, NULL, 0), ==, 1);
  virDomainFree (domain);
  return info.cpuTime;
}

typedef struct
{
  double raw_percent;       /* from the independent counters */
  double sampler_percent;   /* the mean of the sampler's points in the window */
  double host_percent;      /* the host's CPUs busy, mean over the window */
  guint  n_points;
} Window;

/* Samples a window: the raw counters at both ends, the sampler's figures for
 * the ticks in between. */
static void
measure (virConnectPtr       conn,
         HearthStatsSampler *sampler,
         HearthStatsSeries  *series,
         Window             *window)
{
  guint64 cpu0, cpu1;
  gint64 t0, t1;
  guint64 ticks0;
  g_autoptr(GArray) points = NULL;
  const HearthStatsCounters *counters;
  double sum = 0;
  guint n = 0;

  /* Start on a tick boundary, so every point of the window is inside it. */
  ticks0 = hearth_stats_sampler_get_n_ticks (sampler);
  while (hearth_stats_sampler_get_n_ticks (sampler) == ticks0)
    g_main_context_iteration (NULL, TRUE);
  t0 = g_get_monotonic_time ();
  cpu0 = raw_vcpu_time (conn);
  ticks0 = hearth_stats_sampler_get_n_ticks (sampler);

  hearth_test_iterate_for (WINDOW_MS);

  /* The sampler's last reading came between the two raw ones. */
  counters = hearth_stats_sampler_get_counters (sampler, hearth_stats_series_get_uuid (series));
  g_assert_nonnull (counters);
  g_assert_true (counters->flags & HEARTH_STATS_COUNTER_VCPU_TIME);
  t1 = g_get_monotonic_time ();
  cpu1 = raw_vcpu_time (conn);
  g_assert_cmpuint (counters->vcpu_time_ns, >=, cpu0);
  g_assert_cmpuint (counters->vcpu_time_ns, <=, cpu1);
  /* The whole process costs at least its vCPUs. */
  g_assert_cmpuint (counters->cpu_time_ns, >=, counters->vcpu_time_ns);

  window->raw_percent = 100.0 * (cpu1 - cpu0) / ((t1 - t0) * 1000.0);
  window->n_points = hearth_stats_sampler_get_n_ticks (sampler) - ticks0;
  g_assert_cmpuint (window->n_points, >=, 2);
  points = hearth_stats_series_query (series, HEARTH_METRIC_CPU, G_MAXINT64);
  for (guint i = points->len - window->n_points; i < points->len; i++)
    {
      double v = g_array_index (points, HearthStatsPoint, i).value;

      g_assert_false (isnan (v));
      /* One vCPU: its share cannot pass 100 % (but for where the reads
       * fall between ticks). */
      g_assert_cmpfloat (v, >=, 0);
      g_assert_cmpfloat (v, <=, 110);
      sum += v;
      n++;
    }
  window->sampler_percent = sum / n;

  g_clear_pointer (&points, g_array_unref);
  points = hearth_stats_series_query (hearth_stats_sampler_get_host_series (sampler),
                                      HEARTH_METRIC_CPU, G_MAXINT64);
  sum = 0;
  for (guint i = points->len - window->n_points; i < points->len; i++)
    sum += g_array_index (points, HearthStatsPoint, i).value;
  window->host_percent = sum / window->n_points;
}

/* The counters `virsh domstats --block --balloon` shows, summed over disks,
 * read on the test's own connection. */
static void
raw_block_balloon (virConnectPtr conn,
                   guint64      *rd_bytes,
                   guint64      *rd_reqs,
                   guint64      *balloon_current)
{
  virDomainPtr domain = virDomainLookupByName (conn, GUEST_NAME);
  virDomainPtr domains[] = { domain, NULL };
  virDomainStatsRecordPtr *records = NULL;

  *rd_bytes = *rd_reqs = *balloon_current = 0;
  g_assert_cmpint (virDomainListGetStats (domains, VIR_DOMAIN_STATS_BLOCK
                                                     | VIR_DOMAIN_STATS_BALLOON,
                                          &records, 0), ==, 1);
  for (int i = 0; i < records[0]->nparams; i++)
    {
      const virTypedParameter *p = &records[0]->params[i];

      if (g_str_has_prefix (p->field, "block.") && g_str_has_suffix (p->field, ".rd.bytes"))
        *rd_bytes += p->value.ul;
      else if (g_str_has_prefix (p->field, "block.") && g_str_has_suffix (p->field, ".rd.reqs"))
        *rd_reqs += p->value.ul;
      else if (g_str_equal (p->field, "balloon.current"))
        *balloon_current = p->value.ul;
    }
  virDomainStatsRecordListFree (records);
  virDomainFree (domain);
}

/* Disk reads: the rates add up to the bytes read, and the counters are
 * libvirt's own. */
static void
check_disk (virConnectPtr       conn,
            HearthStatsSampler *sampler,
            HearthStatsSeries  *series,
            const char         *serial)
{
  const char *uuid = hearth_stats_series_get_uuid (series);
  HearthStatsCounters before = *hearth_stats_sampler_get_counters (sampler, uuid);
  const HearthStatsCounters *after;
  g_autoptr(GArray) bytes = NULL;
  g_autoptr(GArray) ops = NULL;
  guint64 ticks = hearth_stats_sampler_get_n_ticks (sampler);
  guint64 raw_bytes, raw_reqs, raw_balloon;
  guint n_points;
  guint n_before;
  double sum_bytes = 0, sum_ops = 0;

  /* A tick that finds the previous one still running is skipped, so the points
   * to add up are the ones the series gained, not one per tick. */
  {
    g_autoptr(GArray) start = hearth_stats_series_query (series, HEARTH_METRIC_DISK_READ,
                                                         G_MAXINT64);

    n_before = start->len;
  }

  /* 16 MiB straight from the disk, past the guest's page cache. */
  guest_run (serial, "dd if=/dev/vda of=/dev/null bs=64k count=256 iflag=direct");
  while (hearth_stats_sampler_get_n_ticks (sampler) < ticks + 3)
    g_main_context_iteration (NULL, TRUE);
  hearth_test_iterate_for (1000);

  after = hearth_stats_sampler_get_counters (sampler, uuid);
  g_assert_cmpuint (after->block_rd_bytes - before.block_rd_bytes, >=, 16 << 20);
  g_assert_cmpuint (after->block_rd_reqs - before.block_rd_reqs, >=, 256);

  /* Each point is a rate over the interval before it: over the ticks since
   * "before", rate × interval sums to the counters' growth. */
  bytes = hearth_stats_series_query (series, HEARTH_METRIC_DISK_READ, G_MAXINT64);
  ops = hearth_stats_series_query (series, HEARTH_METRIC_DISK_READ_OPS, G_MAXINT64);
  n_points = bytes->len - n_before;
  g_assert_cmpuint (n_points, >=, 3);
  for (guint i = bytes->len - n_points; i < bytes->len; i++)
    {
      HearthStatsPoint *p = &g_array_index (bytes, HearthStatsPoint, i);
      double seconds = (p->time - g_array_index (bytes, HearthStatsPoint, i - 1).time) / 1e6;

      sum_bytes += p->value * seconds;
      sum_ops += g_array_index (ops, HearthStatsPoint, i).value * seconds;
    }
  g_test_message ("disk: %.1f MiB read, the rates add up to %.1f MiB; %" G_GUINT64_FORMAT
                  " requests, rates %.0f", (after->block_rd_bytes - before.block_rd_bytes) / 1048576.0,
                  sum_bytes / 1048576.0, after->block_rd_reqs - before.block_rd_reqs, sum_ops);
  /* The series' wall-clock spacing is not quite the monotonic one the rates
   * were computed over: a few percent. */
  g_assert_cmpfloat (fabs (sum_bytes - (after->block_rd_bytes - before.block_rd_bytes)), <,
                     0.1 * (after->block_rd_bytes - before.block_rd_bytes));
  g_assert_cmpfloat (fabs (sum_ops - (after->block_rd_reqs - before.block_rd_reqs)), <,
                     0.1 * (after->block_rd_reqs - before.block_rd_reqs) + 1);

  /* The guest is quiet again: the sampler's counters are exactly what
   * libvirt tells anyone. */
  raw_block_balloon (conn, &raw_bytes, &raw_reqs, &raw_balloon);
  after = hearth_stats_sampler_get_counters (sampler, uuid);
  g_assert_cmpuint (after->block_rd_bytes, ==, raw_bytes);
  g_assert_cmpuint (after->block_rd_reqs, ==, raw_reqs);
  if (after->flags & HEARTH_STATS_COUNTER_BALLOON_CURRENT)
    g_assert_cmpuint (after->balloon_current_kib, ==, raw_balloon);
}

static void
test_busy_and_idle (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *line = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthStatsSampler) sampler = NULL;
  g_autoptr(HearthMetricsExporter) exporter = NULL;
  HearthStatsSeries *series, *host;
  virConnectPtr conn;
  Window idle = { 0 }, busy = { 0 }, after = { 0 };
  double v;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return;
    }

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "stats.log", NULL);
  connection = hearth_test_open_connection (uri);
  conn = virConnectOpen (uri);
  g_assert_nonnull (conn);

  xml = hearth_test_guest_xml (GUEST_NAME, serial, HEARTH_TEST_GUEST_DISK);
  machine = hearth_test_define_machine (connection, xml, TIMEOUT_MS);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error));
  g_assert_no_error (error);

  sampler = hearth_stats_sampler_new (connection);
  hearth_stats_sampler_set_interval (sampler, 500);
  hearth_stats_sampler_hold (sampler);
  while (hearth_stats_sampler_get_n_ticks (sampler) < 3)
    g_main_context_iteration (NULL, TRUE);
  series = hearth_stats_sampler_lookup_series (sampler, hearth_machine_get_uuid (machine));
  g_assert_nonnull (series);
  g_assert_cmpstr (hearth_stats_series_get_name (series), ==, GUEST_NAME);

  /* Real QEMU reports what the test driver does not. */
  {
    const HearthStatsCounters *c = hearth_stats_sampler_get_counters (sampler,
                                                                      hearth_machine_get_uuid (machine));

    g_assert_true (c->flags & HEARTH_STATS_COUNTER_VCPUS);
    g_assert_cmpuint (c->vcpus, ==, 1);
    g_assert_true (c->flags & HEARTH_STATS_COUNTER_BLOCK);
    g_assert_cmpuint (c->block_rd_reqs, >, 0);   /* the kernel probed the disk */
    g_assert_true (c->flags & (HEARTH_STATS_COUNTER_BALLOON_CURRENT | HEARTH_STATS_COUNTER_RSS));
  }
  v = hearth_stats_series_get_latest (series, HEARTH_METRIC_MEMORY_TOTAL);
  g_assert_cmpfloat (v, >, 0);
  g_assert_cmpfloat (v, <=, 256.0 * 1024 * 1024);

  /* The host: real CPU and memory figures, and a tick is three driver calls
   * (the bulk domain stats, the node's CPU and memory). */
  host = hearth_stats_sampler_get_host_series (sampler);
  v = hearth_stats_series_get_latest (host, HEARTH_METRIC_CPU);
  g_assert_cmpfloat (v, >=, 0);
  g_assert_cmpfloat (v, <=, 100);
  g_assert_cmpfloat (hearth_stats_series_get_latest (host, HEARTH_METRIC_MEMORY_USED), <=,
                     hearth_stats_series_get_latest (host, HEARTH_METRIC_MEMORY_TOTAL));
  g_assert_cmpuint (hearth_stats_sampler_get_last_driver_calls (sampler), ==, 3);

  measure (conn, sampler, series, &idle);
  g_test_message ("idle: sampler %.1f %% of the vCPU (%u points), raw counters %.1f %%",
                  idle.sampler_percent, idle.n_points, idle.raw_percent);

  /* A shell loop keeps the vCPU busy; its pid is kept to stop it. */
  guest_run (serial, "(while :; do :; done) >/dev/null 2>&1 & echo $! > /tmp/busy.pid");
  hearth_test_iterate_for (1000);
  measure (conn, sampler, series, &busy);
  g_test_message ("busy: sampler %.1f %% of the vCPU (%u points), raw counters %.1f %%, "
                  "host CPUs %.1f %% busy", busy.sampler_percent, busy.n_points,
                  busy.raw_percent, busy.host_percent);
  /* A busy loop takes more than half a host CPU, unless the host has none to
   * spare (a loaded CI machine): then QEMU gets what is left. */
  if (busy.host_percent < 90)
    {
      g_assert_cmpfloat (busy.sampler_percent, >, 50);
      g_assert_cmpfloat (busy.raw_percent, >, 50);
    }
  else
    g_test_message ("the host is saturated: not asserting the 50 %% floor");
  g_assert_cmpfloat (busy.sampler_percent, >, idle.sampler_percent + 15);
  /* The same figure, up to where the window's edges fall between ticks. */
  g_assert_cmpfloat (fabs (busy.sampler_percent - busy.raw_percent), <, 15);
  /* Of the host's CPUs, the machine takes a part: more than nothing, less
   * than all of them. */
  v = hearth_stats_series_get_latest (series, HEARTH_METRIC_CPU_HOST);
  g_assert_cmpfloat (v, >, 0);
  g_assert_cmpfloat (v, <=, 100);

  /* It tops the consumers (the only machine here). */
  {
    g_autoptr(GPtrArray) top = hearth_stats_sampler_list_top (sampler, HEARTH_METRIC_CPU, 5);

    g_assert_cmpuint (top->len, ==, 1);
    g_assert_true (top->pdata[0] == series);
    g_clear_pointer (&top, g_ptr_array_unref);
    top = hearth_stats_sampler_list_top (sampler, HEARTH_METRIC_CPU, 0);
    g_assert_cmpuint (top->len, ==, 0);
  }

  /* The exporter publishes the same counters. */
  exporter = hearth_metrics_exporter_new (sampler);
  exported = hearth_metrics_exporter_render (exporter);
  line = g_strdup_printf ("hearth_machine_cpu_seconds_total{connection=\"%s\",uuid=\"%s\",name=\""
                          GUEST_NAME_ESCAPED "\"} ",
                          hearth_connection_get_display_uri (connection),
                          hearth_machine_get_uuid (machine));
  g_assert_nonnull (strstr (exported, line));
  g_assert_nonnull (strstr (exported, "\nhearth_machine_cpu_percent{"));
  g_assert_nonnull (strstr (exported, "\nhearth_machine_vcpu_seconds_total{"));
  g_assert_nonnull (strstr (exported, "\nhearth_machine_disk_reads_total{"));

  guest_run (serial, "kill $(cat /tmp/busy.pid)");
  hearth_test_iterate_for (1000);
  measure (conn, sampler, series, &after);
  g_test_message ("after: sampler %.1f %% of the vCPU (%u points), raw counters %.1f %%",
                  after.sampler_percent, after.n_points, after.raw_percent);
  g_assert_cmpfloat (after.sampler_percent, <, 50);
  g_assert_cmpfloat (after.sampler_percent, <, busy.sampler_percent / 2);
  g_assert_cmpfloat (fabs (after.sampler_percent - after.raw_percent), <, 15);

  check_disk (conn, sampler, series, serial);

  hearth_stats_sampler_release (sampler);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  virConnectClose (conn);
  hearth_connection_close (connection);
  hearth_test_embed_root_remove (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/core/stats/qemu/busy-and-idle", test_busy_and_idle);

  return g_test_run ();
}
