/* test-stats-sampler.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HearthStatsSampler against libvirt's test driver. The check that matters:
 * a tick makes one bulk stats call for all machines and a fixed number of
 * host calls, whatever the number of machines. It is proven twice: with the
 * sampler's own count, and independently with libvirt's debug log, which
 * records every public API call this process makes.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hearth-test-utils.h"

#define TIMEOUT_MS 20000

static char *tmp_dir;
static char *libvirt_log;

/* Public APIs that only read the handle in this process (no driver call).
 * Anything else in the log during a tick reached the driver. */
static const char *local_accessors[] = {
  "virDomainGetUUIDString", "virDomainGetName", "virDomainGetUUID", "virDomainFree",
  "virDomainStatsRecordListFree", "virDomainRef", "virConnectRef", "virConnectClose",
  "virGetLastError", "virResetLastError", "virGetLastErrorMessage",
  NULL
};

/* A test-driver node with @n_running running machines and @n_off shut-off ones. */
static char *
write_fixture (guint n_running,
               guint n_off)
{
  g_autoptr(GString) xml = g_string_new ("<node>\n");
  g_autofree char *name = g_strdup_printf ("stats-%u-%u.xml", n_running, n_off);
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n_running + n_off; i++)
    {
      g_string_append_printf (xml,
                              "<domain type='test' "
                              "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                              "<name>m%04u</name><uuid>00000000-0000-4000-8000-%012u</uuid>"
                              "<memory unit='MiB'>256</memory><vcpu>%u</vcpu>"
                              "<os><type arch='x86_64'>hvm</type></os>%s</domain>\n",
                              i, i, 1 + i % 4,
                              i < n_running ? "" : "<test:runstate>5</test:runstate>");
    }
  g_string_append (xml, "</node>\n");
  g_file_set_contents (path, xml->str, -1, &error);
  g_assert_no_error (error);
  return path;
}

static HearthConnection *
open_fixture (const char *path,
              guint       n_machines)
{
  g_autofree char *uri = g_strconcat ("test://", path, NULL);
  HearthConnection *connection = hearth_test_open_connection (uri);

  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==,
                    n_machines);
  return connection;
}

typedef struct
{
  HearthStatsSampler *sampler;
  guint64             ticks;
} TickWait;

static gboolean
ticks_reached (gpointer user_data)
{
  TickWait *wait = user_data;

  return hearth_stats_sampler_get_n_ticks (wait->sampler) >= wait->ticks;
}

/* Runs one tick by hand and waits for it to be published. */
static void
tick_once (HearthStatsSampler *sampler)
{
  TickWait wait = { sampler, hearth_stats_sampler_get_n_ticks (sampler) + 1 };

  hearth_stats_sampler_sample_now (sampler);
  g_assert_true (hearth_test_wait (ticks_reached, &wait, TIMEOUT_MS));
}

static goffset
log_size (void)
{
  GStatBuf st;

  return g_stat (libvirt_log, &st) == 0 ? st.st_size : 0;
}

/* Counts, per public API name, the calls logged since @offset. */
static GHashTable *
count_api_calls (goffset offset)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (libvirt_log, &contents, &len, NULL));
  g_assert_cmpuint (len, >=, (gsize) offset);
  lines = g_strsplit (contents + offset, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      /* "<time>: <thread>: debug : virConnectGetAllDomainStats:12110 : conn=…" */
      const char *p = strstr (lines[i], ": debug : vir");
      g_autofree char *name = NULL;
      const char *end;
      guint n;

      if (p == NULL)
        continue;
      p += strlen (": debug : ");
      end = strchr (p, ':');
      if (end == NULL)
        continue;
      name = g_strndup (p, end - p);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
      g_hash_table_replace (counts, g_steal_pointer (&name), GUINT_TO_POINTER (n + 1));
    }
  return counts;
}

static guint
count_of (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

/* Calls that reached the driver: everything but local accessors. */
static guint
driver_calls (GHashTable *counts,
              GString    *names)
{
  GHashTableIter iter;
  const char *name;
  gpointer count;
  guint total = 0;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, &count))
    {
      if (g_strv_contains (local_accessors, name))
        continue;
      /* libvirt's internal helpers log too; only public entry points count:
       * they are the ones named vir<Object><Verb> in libvirt-*.c, which the
       * log filter selects, and all take the connection or a domain. */
      total += GPOINTER_TO_UINT (count);
      g_string_append_printf (names, "%s x%u ", name, GPOINTER_TO_UINT (count));
    }
  return total;
}

static void
check_calls_per_tick (guint   n_running,
                      guint  *out_calls_per_tick)
{
  g_autofree char *path = write_fixture (n_running, 3);
  g_autoptr(HearthConnection) connection = open_fixture (path, n_running + 3);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  const guint n_ticks = 5;
  goffset offset;
  guint total;

  /* The first tick learns what the driver offers (node info, the number of
   * node stats fields), which takes a few more calls, once. */
  tick_once (sampler);
  g_assert_cmpuint (hearth_stats_sampler_get_last_n_records (sampler), ==, n_running);

  /* Let anything the connection still had to do settle, then count. */
  hearth_test_iterate_for (200);
  offset = log_size ();
  for (guint i = 0; i < n_ticks; i++)
    {
      tick_once (sampler);
      g_assert_cmpuint (hearth_stats_sampler_get_last_n_records (sampler), ==, n_running);
    }
  counts = count_api_calls (offset);

  /* Exactly one bulk call per tick, never one per machine. */
  g_assert_cmpuint (count_of (counts, "virConnectGetAllDomainStats"), ==, n_ticks);
  g_assert_cmpuint (count_of (counts, "virDomainGetInfo"), ==, 0);
  g_assert_cmpuint (count_of (counts, "virDomainGetState"), ==, 0);
  g_assert_cmpuint (count_of (counts, "virDomainLookupByUUIDString"), ==, 0);
  g_assert_cmpuint (count_of (counts, "virConnectListAllDomains"), ==, 0);

  /* The log does see per-machine calls: the local UUID reads, one per
   * machine per tick, are there. So the zeros above are real. */
  g_assert_cmpuint (count_of (counts, "virDomainGetUUIDString"), ==, n_ticks * n_running);

  total = driver_calls (counts, names);
  g_test_message ("%u machines, %u ticks: %s", n_running, n_ticks, names->str);
  g_assert_cmpuint (total % n_ticks, ==, 0);

  /* The sampler's own count agrees with libvirt's log. */
  g_assert_cmpuint (hearth_stats_sampler_get_last_driver_calls (sampler), ==, total / n_ticks);
  *out_calls_per_tick = total / n_ticks;
}

static void
test_one_call_per_tick (void)
{
  guint few = 0, many = 0;

  check_calls_per_tick (5, &few);
  check_calls_per_tick (100, &many);

  /* The driver calls per tick do not grow with the number of machines: the
   * bulk call plus the host's CPU (the test driver has no node memory stats). */
  g_assert_cmpuint (few, ==, many);
  g_assert_cmpuint (few, <=, 3);
}

static void
test_values (void)
{
  g_autofree char *path = write_fixture (4, 2);
  g_autoptr(HearthConnection) connection = open_fixture (path, 6);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(GPtrArray) active = NULL;
  HearthStatsSeries *host;
  HearthMachine *running = hearth_connection_find_machine (connection, "m0001");
  HearthMachine *off = hearth_connection_find_machine (connection, "m0005");
  HearthStatsSeries *series;
  double cpu;

  g_assert_nonnull (running);
  g_assert_nonnull (off);

  tick_once (sampler);
  tick_once (sampler);

  /* A series for each running machine, none for shut-off ones. */
  active = hearth_stats_sampler_list_active_series (sampler);
  g_assert_cmpuint (active->len, ==, 4);
  series = hearth_stats_sampler_lookup_series (sampler, hearth_machine_get_uuid (running));
  g_assert_nonnull (series);
  g_assert_cmpstr (hearth_stats_series_get_name (series), ==, "m0001");
  g_assert_cmpuint (hearth_stats_series_get_n_samples (series), ==, 2);
  g_assert_null (hearth_stats_sampler_lookup_series (sampler, hearth_machine_get_uuid (off)));

  /* The test driver reports only the state for machines: their figures are
   * unknown (NaN), never made-up zeros. */
  g_assert_nonnull (hearth_stats_sampler_get_counters (sampler, hearth_machine_get_uuid (running)));
  g_assert_true (isnan (hearth_stats_series_get_latest (series, HEARTH_METRIC_CPU)));
  g_assert_true (isnan (hearth_stats_series_get_latest (series, HEARTH_METRIC_NET_RX)));
  /* Nothing to rank by: no "top consumer" with made-up figures. */
  {
    g_autoptr(GPtrArray) top = hearth_stats_sampler_list_top (sampler, HEARTH_METRIC_CPU, 10);

    g_assert_cmpuint (top->len, ==, 0);
  }

  /* The host: its size from the node info, its CPU within bounds when the
   * driver's counters move at all. */
  host = hearth_stats_sampler_get_host_series (sampler);
  g_assert_cmpuint (hearth_stats_series_get_n_samples (host), ==, 2);
  g_assert_cmpfloat (hearth_stats_series_get_latest (host, HEARTH_METRIC_MEMORY_TOTAL), >, 0);
  cpu = hearth_stats_series_get_latest (host, HEARTH_METRIC_CPU);
  g_assert_true (isnan (cpu) || (cpu >= 0 && cpu <= 100));
  g_assert_nonnull (hearth_stats_sampler_get_host_counters (sampler));
  g_assert_cmpuint (hearth_stats_sampler_get_host_counters (sampler)->n_cpus, >, 0);
}

static void
test_machine_stops (void)
{
  g_autofree char *path = write_fixture (3, 0);
  g_autoptr(HearthConnection) connection = open_fixture (path, 3);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(GPtrArray) active = NULL;
  HearthMachine *machine = hearth_connection_find_machine (connection, "m0000");
  const char *uuid = hearth_machine_get_uuid (machine);

  tick_once (sampler);
  g_assert_nonnull (hearth_stats_sampler_lookup_series (sampler, uuid));

  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  tick_once (sampler);

  /* It left the tick, but its history stays for the dashboard. */
  g_assert_cmpuint (hearth_stats_sampler_get_last_n_records (sampler), ==, 2);
  active = hearth_stats_sampler_list_active_series (sampler);
  g_assert_cmpuint (active->len, ==, 2);
  for (guint i = 0; i < active->len; i++)
    g_assert_cmpstr (hearth_stats_series_get_uuid (active->pdata[i]), !=, uuid);
  g_assert_nonnull (hearth_stats_sampler_lookup_series (sampler, uuid));
  g_assert_cmpuint (hearth_stats_series_get_n_samples (hearth_stats_sampler_lookup_series (sampler,
                                                                                          uuid)),
                    ==, 1);
}

static gboolean
active_is (gpointer user_data)
{
  gpointer *args = user_data;

  return hearth_stats_sampler_get_active (args[0]) == GPOINTER_TO_INT (args[1]);
}

static void
test_hold_release (void)
{
  g_autofree char *path = write_fixture (2, 0);
  g_autoptr(HearthConnection) connection = open_fixture (path, 2);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  TickWait wait = { sampler, 3 };
  guint64 ticks;

  /* Nobody holds it: it does not sample. */
  g_assert_false (hearth_stats_sampler_get_active (sampler));
  hearth_test_iterate_for (300);
  g_assert_cmpuint (hearth_stats_sampler_get_n_ticks (sampler), ==, 0);

  hearth_stats_sampler_set_interval (sampler, 50);
  g_assert_cmpuint (hearth_stats_sampler_get_interval (sampler), ==, 50);
  hearth_stats_sampler_hold (sampler);
  hearth_stats_sampler_hold (sampler);
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  g_assert_true (hearth_test_wait (ticks_reached, &wait, TIMEOUT_MS));

  /* One release of two: still sampling. */
  hearth_stats_sampler_release (sampler);
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  wait.ticks = hearth_stats_sampler_get_n_ticks (sampler) + 2;
  g_assert_true (hearth_test_wait (ticks_reached, &wait, TIMEOUT_MS));

  /* The last release pauses it: at most the tick under way still lands. */
  hearth_stats_sampler_release (sampler);
  g_assert_false (hearth_stats_sampler_get_active (sampler));
  hearth_test_iterate_for (100);
  ticks = hearth_stats_sampler_get_n_ticks (sampler);
  hearth_test_iterate_for (500);
  g_assert_cmpuint (hearth_stats_sampler_get_n_ticks (sampler), ==, ticks);

  /* Held while the connection is closed: paused until it is open again. */
  hearth_stats_sampler_hold (sampler);
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  hearth_connection_close (connection);
  {
    gpointer args[] = { sampler, GINT_TO_POINTER (FALSE) };

    g_assert_true (hearth_test_wait (active_is, args, TIMEOUT_MS));
  }
  hearth_stats_sampler_release (sampler);
}

static void
test_skip_while_busy (void)
{
  g_autofree char *path = write_fixture (20, 0);
  g_autoptr(HearthConnection) connection = open_fixture (path, 20);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  TickWait wait = { sampler, 1 };

  /* A tick is under way until its result is back on the main thread, so a
   * second one asked for meanwhile is skipped, not queued. */
  hearth_stats_sampler_sample_now (sampler);
  hearth_stats_sampler_sample_now (sampler);
  hearth_stats_sampler_sample_now (sampler);
  g_assert_cmpuint (hearth_stats_sampler_get_n_skipped (sampler), ==, 2);
  g_assert_true (hearth_test_wait (ticks_reached, &wait, TIMEOUT_MS));
  hearth_test_iterate_for (200);
  g_assert_cmpuint (hearth_stats_sampler_get_n_ticks (sampler), ==, 1);

  /* Once it is done, the next one runs. */
  tick_once (sampler);
  g_assert_cmpuint (hearth_stats_sampler_get_n_ticks (sampler), ==, 2);
  g_assert_cmpuint (hearth_stats_sampler_get_n_skipped (sampler), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *outputs = NULL;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* libvirt reads its logging set-up when it initializes: public API entry
   * points ("libvirt" sources) at debug level, everything else quiet. */
  tmp_dir = g_dir_make_tmp ("hearth-stats-XXXXXX", &error);
  g_assert_no_error (error);
  libvirt_log = g_build_filename (tmp_dir, "libvirt.log", NULL);
  outputs = g_strdup_printf ("1:file:%s", libvirt_log);
  g_setenv ("LIBVIRT_LOG_FILTERS", "1:libvirt 4:*", TRUE);
  g_setenv ("LIBVIRT_LOG_OUTPUTS", outputs, TRUE);
  hearth_core_init ();

  g_test_add_func ("/core/stats/sampler/one-call-per-tick", test_one_call_per_tick);
  g_test_add_func ("/core/stats/sampler/values", test_values);
  g_test_add_func ("/core/stats/sampler/machine-stops", test_machine_stops);
  g_test_add_func ("/core/stats/sampler/hold-release", test_hold_release);
  g_test_add_func ("/core/stats/sampler/skip-while-busy", test_skip_while_busy);

  ret = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name (dir)))
      {
        g_autofree char *file = g_build_filename (tmp_dir, name, NULL);
        g_unlink (file);
      }
    g_rmdir (tmp_dir);
  }
  return ret;
}
