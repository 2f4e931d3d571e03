/* stats.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench/stats (issue 6): what the stats sampler costs.
 *
 *  1. CPU time per tick (worker and main thread, this process) for 10, 200 and
 *     1000 running machines on the test driver.
 *  2. The process' CPU use, in percent of one core, with a "dashboard open":
 *     the sampler at 1 s and, after each tick, every machine's last-minute
 *     CPU series and the host's four charts queried, as the charts would.
 *     Headless: GTK drawing is not included.
 *  3. The same with 3 running QEMU guests (qemu:///embed, the tiny test guest
 *     under TCG; QEMU's own CPU is not Hearth's and is not counted).
 *
 * Prints figures; never fails on a number.
 *
 *   bench-stats [SECONDS]      (default 10 s per dashboard measurement)
 *   HEARTH_BENCH_NO_QEMU=1     skips part 3
 */

#define G_LOG_DOMAIN "hearth-bench-stats"

#include "config.h"

#include <stdlib.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

static char *tmp_dir;

static char *
write_fixture (guint n)
{
  g_autoptr(GString) xml = g_string_new ("<node>\n");
  g_autofree char *name = g_strdup_printf ("bench-%u.xml", n);
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (xml,
                            "<domain type='test'><name>bench-%04u</name>"
                            "<uuid>00000000-0000-4000-8000-%012u</uuid>"
                            "<memory unit='MiB'>512</memory><vcpu>%u</vcpu>"
                            "<os><type arch='x86_64'>hvm</type></os>"
                            "<devices><disk type='file' device='disk'>"
                            "<source file='/bench/%04u.qcow2'/><target dev='vda' bus='virtio'/>"
                            "</disk></devices></domain>\n",
                            i, i, 1 + i % 4, i);
  g_string_append (xml, "</node>\n");
  if (!g_file_set_contents (path, xml->str, -1, &error))
    g_error ("%s", error->message);
  return path;
}

static gint64
process_cpu_usec (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec
         + (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
tick_once (HearthStatsSampler *sampler)
{
  guint64 ticks = hearth_stats_sampler_get_n_ticks (sampler);

  hearth_stats_sampler_sample_now (sampler);
  while (hearth_stats_sampler_get_n_ticks (sampler) == ticks)
    g_main_context_iteration (NULL, TRUE);
}

/* What the dashboard's charts would ask after each tick. */
static void
on_sampled_cb (HearthStatsSampler *sampler,
               gpointer            user_data)
{
  g_autoptr(GPtrArray) active = hearth_stats_sampler_list_active_series (sampler);
  HearthStatsSeries *host = hearth_stats_sampler_get_host_series (sampler);
  const HearthMetric host_charts[] = { HEARTH_METRIC_CPU, HEARTH_METRIC_MEMORY_PERCENT,
                                       HEARTH_METRIC_DISK_READ, HEARTH_METRIC_NET_RX };

  for (guint i = 0; i < G_N_ELEMENTS (host_charts); i++)
    g_array_unref (hearth_stats_series_query_range (host, host_charts[i],
                                                    HEARTH_STATS_RANGE_MINUTE));
  for (guint i = 0; i < active->len; i++)
    g_array_unref (hearth_stats_series_query_range (active->pdata[i], HEARTH_METRIC_CPU,
                                                    HEARTH_STATS_RANGE_MINUTE));
}

static void
dashboard (HearthStatsSampler *sampler,
           guint               seconds,
           double             *out_percent)
{
  gulong id = g_signal_connect (sampler, "sampled", G_CALLBACK (on_sampled_cb), NULL);
  gint64 cpu0, wall0;

  hearth_stats_sampler_set_interval (sampler, 1000);
  hearth_stats_sampler_hold (sampler);
  /* Settle one tick, then measure. */
  tick_once (sampler);
  cpu0 = process_cpu_usec ();
  wall0 = g_get_monotonic_time ();
  hearth_test_iterate_for (seconds * 1000);
  *out_percent = 100.0 * (process_cpu_usec () - cpu0) / (g_get_monotonic_time () - wall0);
  hearth_stats_sampler_release (sampler);
  g_signal_handler_disconnect (sampler, id);
}

static void
measure_ticks (HearthStatsSampler *sampler,
               guint               n_ticks,
               const char         *label)
{
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) wall = g_array_new (FALSE, FALSE, sizeof (gint64));
  double sum = 0;

  /* The first tick learns the driver; it is not typical. */
  tick_once (sampler);
  for (guint i = 0; i < n_ticks; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 c;

      tick_once (sampler);
      c = hearth_stats_sampler_get_last_cpu_usec (sampler);
      g_array_append_val (cpu, c);
      start = g_get_monotonic_time () - start;
      g_array_append_val (wall, start);
      sum += c;
    }
  g_array_sort (cpu, compare_gint64);
  g_array_sort (wall, compare_gint64);
  g_print ("  %-24s %5u machines/tick  CPU per tick: median %6.2f ms, mean %6.2f ms, max %6.2f ms"
           "  (tick wall time median %6.2f ms; %u libvirt calls per tick)\n",
           label, hearth_stats_sampler_get_last_n_records (sampler),
           g_array_index (cpu, gint64, n_ticks / 2) / 1000.0, sum / n_ticks / 1000.0,
           g_array_index (cpu, gint64, n_ticks - 1) / 1000.0,
           g_array_index (wall, gint64, n_ticks / 2) / 1000.0,
           hearth_stats_sampler_get_last_driver_calls (sampler));
}

static void
bench_test_driver (guint n,
                   guint seconds)
{
  g_autofree char *path = write_fixture (n);
  g_autofree char *uri = g_strconcat ("test://", path, NULL);
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autofree char *label = g_strdup_printf ("test driver, %u", n);
  double percent;
  gsize bound;

  measure_ticks (sampler, 30, label);
  dashboard (sampler, seconds, &percent);
  bound = hearth_stats_series_get_memory_size (hearth_stats_sampler_get_host_series (sampler));
  g_print ("  %-24s dashboard open: %.2f %% of one core; history bound %.1f MiB "
           "(%.0f KiB per machine)\n",
           "", percent, bound * (n + 1) / 1048576.0, bound / 1024.0);
  g_unlink (path);
}

static void
bench_qemu (guint seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthStatsSampler) sampler = NULL;
  HearthMachine *machines[3] = { NULL };
  double percent;

  if (!hearth_test_guest_available (&error))
    {
      g_print ("  3 QEMU guests: skipped (%s)\n", error->message);
      return;
    }

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  connection = hearth_test_open_connection (uri);
  for (guint i = 0; i < G_N_ELEMENTS (machines); i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-guest-%u", i);
      g_autofree char *log_name = g_strconcat (name, ".log", NULL);
      g_autofree char *serial = g_build_filename (root, log_name, NULL);
      g_autofree char *xml = hearth_test_guest_xml (name, serial, HEARTH_TEST_GUEST_NONE);

      machines[i] = hearth_test_define_machine (connection, xml, 60000);
      hearth_test_run_action (machines[i], HEARTH_MACHINE_ACTION_START, 60000);
      if (!hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, 120000, &error))
        g_error ("%s", error->message);
    }

  sampler = hearth_stats_sampler_new (connection);
  measure_ticks (sampler, 20, "qemu:///embed, 3 guests");
  dashboard (sampler, seconds, &percent);
  g_print ("  %-24s dashboard open: %.2f %% of one core (Hearth's process, not QEMU's)\n", "",
           percent);

  for (guint i = 0; i < G_N_ELEMENTS (machines); i++)
    {
      hearth_test_run_action (machines[i], HEARTH_MACHINE_ACTION_FORCE_OFF, 60000);
      g_object_unref (machines[i]);
    }
  hearth_connection_close (connection);
  hearth_test_embed_root_remove (root);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  guint seconds = argc > 1 ? (guint) atoi (argv[1]) : 10;

  hearth_core_init ();
  tmp_dir = g_dir_make_tmp ("hearth-bench-stats-XXXXXX", &error);
  if (tmp_dir == NULL)
    g_error ("%s", error->message);

  g_print ("bench/stats: sampler cost (this process's CPU; targets: < 5 ms per tick with 1000 "
           "machines, < 1 %% of a core with 3 guests and the dashboard open)\n");
  bench_test_driver (10, seconds);
  bench_test_driver (200, seconds);
  bench_test_driver (1000, seconds);
  if (g_getenv ("HEARTH_BENCH_NO_QEMU") == NULL)
    bench_qemu (seconds);

  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return 0;
}
