/* hearthctl-stats.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hearthctl-stats.h"

/* The options of "stats", parsed by hearthctl's one option context. Main
 * thread only, like the rest of hearthctl. Unset is negative. */
static double opt_interval = -1;  /* seconds */
static int opt_count = -1;

#define DEFAULT_INTERVAL_S 1.0
#define MIN_INTERVAL_S 0.25
#define MAX_INTERVAL_S 60.0

static const GOptionEntry stats_entries[] = {
  { "interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_interval,
    N_("With stats: seconds between two reports (default 1)"), N_("S") },
  { "count", 0, 0, G_OPTION_ARG_INT, &opt_count,
    N_("With stats: the number of reports, 0 to go on until interrupted (default 1)"),
    N_("N") },
  { NULL }
};

/* The JSON names of the figures, by HearthMetric. */
static const char *const json_names[HEARTH_N_METRICS] = {
  [HEARTH_METRIC_CPU] = "cpu_percent",
  [HEARTH_METRIC_CPU_HOST] = "cpu_host_percent",
  [HEARTH_METRIC_MEMORY_USED] = "memory_used_bytes",
  [HEARTH_METRIC_MEMORY_TOTAL] = "memory_total_bytes",
  [HEARTH_METRIC_MEMORY_PERCENT] = "memory_percent",
  [HEARTH_METRIC_DISK_READ] = "disk_read_bytes_per_second",
  [HEARTH_METRIC_DISK_WRITE] = "disk_write_bytes_per_second",
  [HEARTH_METRIC_DISK_READ_OPS] = "disk_read_ops_per_second",
  [HEARTH_METRIC_DISK_WRITE_OPS] = "disk_write_ops_per_second",
  [HEARTH_METRIC_NET_RX] = "net_rx_bytes_per_second",
  [HEARTH_METRIC_NET_TX] = "net_tx_bytes_per_second",
};

typedef struct
{
  HearthStatsSampler *sampler;       /* owned */
  HearthConnection   *connection;    /* borrowed */
  GMainLoop          *loop;          /* borrowed */
  char               *machine_uuid;  /* owned; NULL: all running machines */
  gboolean            json;
  int                 count;         /* reports to print, 0: no end */
  int                 printed;
  guint               n_samples;
  guint               watchdog_id;
  gboolean            timed_out;
} Stats;

const GOptionEntry *
hearthctl_stats_option_entries (void)
{
  return stats_entries;
}

gboolean
hearthctl_stats_has_options (void)
{
  return opt_interval >= 0 || opt_count >= 0;
}

gboolean
hearthctl_stats_check_args (const char *const *args,
                            GError           **error)
{
  if (args[0] != NULL && args[1] != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("“stats” takes at most one machine name or UUID."));
      return FALSE;
    }
  if (opt_interval >= 0 && (opt_interval < MIN_INTERVAL_S || opt_interval > MAX_INTERVAL_S))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--interval must be between %.2f and %.0f seconds."), MIN_INTERVAL_S,
                   MAX_INTERVAL_S);
      return FALSE;
    }
  if (opt_count < -1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--count must be 0 or more."));
      return FALSE;
    }
  return TRUE;
}

/* The number of terminal columns @text takes: East Asian wide characters
 * take two, combining marks none. */
static int
display_width (const char *text)
{
  int width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

static char *
format_percent (double value)
{
  if (isnan (value))
    return g_strdup ("—");
  /* Translators: a percentage in "hearthctl stats", such as "12.5 %". */
  return g_strdup_printf (_("%.1f %%"), value);
}

static char *
format_rate (double bytes_per_second)
{
  g_autofree char *size = NULL;

  if (isnan (bytes_per_second))
    return g_strdup ("—");
  size = g_format_size_full ((guint64) MAX (bytes_per_second, 0), G_FORMAT_SIZE_IEC_UNITS);
  /* Translators: a rate in "hearthctl stats", such as "1.2 MiB/s". */
  return g_strdup_printf (_("%s/s"), size);
}

static char *
format_memory (double used,
               double total)
{
  g_autofree char *used_text = NULL;
  g_autofree char *total_text = NULL;

  if (isnan (used))
    return g_strdup ("—");
  used_text = g_format_size_full ((guint64) MAX (used, 0), G_FORMAT_SIZE_IEC_UNITS);
  if (isnan (total))
    return g_steal_pointer (&used_text);
  total_text = g_format_size_full ((guint64) MAX (total, 0), G_FORMAT_SIZE_IEC_UNITS);
  /* Translators: memory in use out of the memory there is, in "hearthctl
   * stats", such as "1.2 GiB / 4.0 GiB". */
  return g_strdup_printf (_("%s / %s"), used_text, total_text);
}

static double
latest (HearthStatsSeries *series,
        HearthMetric       metric)
{
  return series != NULL ? hearth_stats_series_get_latest (series, metric) : NAN;
}

static int
compare_machines (gconstpointer a,
                  gconstpointer b)
{
  HearthMachine *machine_a = *(HearthMachine **) a;
  HearthMachine *machine_b = *(HearthMachine **) b;

  return g_strcmp0 (hearth_machine_get_name (machine_a), hearth_machine_get_name (machine_b));
}

/* The machines a report covers: the one asked for, whatever its state, or
 * every machine the last tick saw running, by name. */
static GPtrArray *
list_machines (Stats *stats)
{
  GListModel *model = hearth_connection_get_machines (stats->connection);
  g_autoptr(GPtrArray) active = hearth_stats_sampler_list_active_series (stats->sampler);
  g_autoptr(GHashTable) running = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *machines = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < active->len; i++)
    g_hash_table_add (running,
                      (gpointer) hearth_stats_series_get_uuid (g_ptr_array_index (active, i)));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (model, i);
      const char *uuid = hearth_machine_get_uuid (machine);

      if (stats->machine_uuid != NULL ? g_str_equal (uuid, stats->machine_uuid)
                                      : g_hash_table_contains (running, uuid))
        g_ptr_array_add (machines, g_steal_pointer (&machine));
    }
  g_ptr_array_sort (machines, compare_machines);

  return machines;
}

#define N_COLUMNS 7

static void
print_table (Stats     *stats,
             GPtrArray *machines)
{
  HearthStatsSeries *host = hearth_stats_sampler_get_host_series (stats->sampler);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *host_cpu = format_percent (latest (host, HEARTH_METRIC_CPU));
  g_autofree char *host_memory = format_memory (latest (host, HEARTH_METRIC_MEMORY_USED),
                                                latest (host, HEARTH_METRIC_MEMORY_TOTAL));
  g_autofree char *host_memory_percent = format_percent (latest (host,
                                                                 HEARTH_METRIC_MEMORY_PERCENT));
  int widths[N_COLUMNS] = { 0 };
  char **row;

  /* Translators: the first line of "hearthctl stats": the host's CPU use,
   * then its memory in use ("3.1 GiB / 15.6 GiB") and that in percent. */
  g_print (_("Host: CPU %s, memory %s (%s)\n"), host_cpu, host_memory, host_memory_percent);

  if (machines->len == 0)
    {
      g_print ("%s\n", _("No machine is running."));
      return;
    }

  /* Translators: column headings of "hearthctl stats"; keep them short. */
  row = g_new0 (char *, N_COLUMNS + 1);
  row[0] = g_strdup (_("NAME"));
  row[1] = g_strdup (_("CPU"));
  row[2] = g_strdup (_("MEMORY"));
  row[3] = g_strdup (_("DISK READ"));
  row[4] = g_strdup (_("DISK WRITE"));
  row[5] = g_strdup (_("NET RX"));
  row[6] = g_strdup (_("NET TX"));
  g_ptr_array_add (rows, row);

  for (guint i = 0; i < machines->len; i++)
    {
      HearthMachine *machine = g_ptr_array_index (machines, i);
      HearthStatsSeries *series =
        hearth_stats_sampler_lookup_series (stats->sampler, hearth_machine_get_uuid (machine));

      row = g_new0 (char *, N_COLUMNS + 1);
      row[0] = g_strdup (hearth_machine_get_name (machine));
      row[1] = format_percent (latest (series, HEARTH_METRIC_CPU));
      row[2] = format_memory (latest (series, HEARTH_METRIC_MEMORY_USED),
                              latest (series, HEARTH_METRIC_MEMORY_TOTAL));
      row[3] = format_rate (latest (series, HEARTH_METRIC_DISK_READ));
      row[4] = format_rate (latest (series, HEARTH_METRIC_DISK_WRITE));
      row[5] = format_rate (latest (series, HEARTH_METRIC_NET_RX));
      row[6] = format_rate (latest (series, HEARTH_METRIC_NET_TX));
      g_ptr_array_add (rows, row);
    }

  for (guint i = 0; i < rows->len; i++)
    {
      row = g_ptr_array_index (rows, i);
      for (int col = 0; col < N_COLUMNS; col++)
        widths[col] = MAX (widths[col], display_width (row[col]));
    }

  /* Names on the left, figures lined up on the right. */
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(GString) line = g_string_new (NULL);

      row = g_ptr_array_index (rows, i);
      for (int col = 0; col < N_COLUMNS; col++)
        {
          int pad = widths[col] - display_width (row[col]);

          if (col > 0)
            {
              g_string_append (line, "  ");
              for (; pad > 0; pad--)
                g_string_append_c (line, ' ');
            }
          g_string_append (line, row[col]);
          if (col == 0)
            for (; pad > 0; pad--)
              g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
    }
}

static void
add_number (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  /* JSON has no NaN: a figure the hypervisor does not report is null. */
  if (isnan (value) || isinf (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_counter (JsonBuilder *builder,
             const char  *name,
             gboolean     known,
             guint64      value)
{
  json_builder_set_member_name (builder, name);
  if (known)
    json_builder_add_int_value (builder, (gint64) value);
  else
    json_builder_add_null_value (builder);
}

static void
add_figures (JsonBuilder       *builder,
             HearthStatsSeries *series,
             gboolean           machine)
{
  for (HearthMetric metric = 0; metric < HEARTH_N_METRICS; metric++)
    {
      /* The host's share of itself says nothing. */
      if (!machine && metric == HEARTH_METRIC_CPU_HOST)
        continue;
      add_number (builder, json_names[metric], latest (series, metric));
    }
}

static void
add_machine_counters (JsonBuilder               *builder,
                      const HearthStatsCounters *c)
{
  json_builder_set_member_name (builder, "counters");
  if (c == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  json_builder_begin_object (builder);
  add_counter (builder, "cpu_time_ns", c->flags & HEARTH_STATS_COUNTER_CPU, c->cpu_time_ns);
  add_counter (builder, "vcpus", c->flags & HEARTH_STATS_COUNTER_VCPUS, c->vcpus);
  add_counter (builder, "vcpu_time_ns", c->flags & HEARTH_STATS_COUNTER_VCPU_TIME,
               c->vcpu_time_ns);
  add_counter (builder, "balloon_current_kib", c->flags & HEARTH_STATS_COUNTER_BALLOON_CURRENT,
               c->balloon_current_kib);
  add_counter (builder, "balloon_available_kib",
               c->flags & HEARTH_STATS_COUNTER_BALLOON_AVAILABLE, c->balloon_available_kib);
  add_counter (builder, "balloon_unused_kib", c->flags & HEARTH_STATS_COUNTER_BALLOON_UNUSED,
               c->balloon_unused_kib);
  add_counter (builder, "balloon_usable_kib", c->flags & HEARTH_STATS_COUNTER_BALLOON_USABLE,
               c->balloon_usable_kib);
  add_counter (builder, "rss_kib", c->flags & HEARTH_STATS_COUNTER_RSS, c->rss_kib);
  add_counter (builder, "block_read_bytes", c->flags & HEARTH_STATS_COUNTER_BLOCK,
               c->block_rd_bytes);
  add_counter (builder, "block_write_bytes", c->flags & HEARTH_STATS_COUNTER_BLOCK,
               c->block_wr_bytes);
  add_counter (builder, "block_read_requests", c->flags & HEARTH_STATS_COUNTER_BLOCK,
               c->block_rd_reqs);
  add_counter (builder, "block_write_requests", c->flags & HEARTH_STATS_COUNTER_BLOCK,
               c->block_wr_reqs);
  add_counter (builder, "net_rx_bytes", c->flags & HEARTH_STATS_COUNTER_NET, c->net_rx_bytes);
  add_counter (builder, "net_tx_bytes", c->flags & HEARTH_STATS_COUNTER_NET, c->net_tx_bytes);
  json_builder_end_object (builder);
}

static void
add_host_counters (JsonBuilder              *builder,
                   const HearthHostCounters *c)
{
  json_builder_set_member_name (builder, "counters");
  if (c == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  json_builder_begin_object (builder);
  add_counter (builder, "cpus", c->n_cpus > 0, c->n_cpus);
  add_counter (builder, "cpu_busy_ns", c->has_cpu, c->cpu_busy_ns);
  add_counter (builder, "cpu_total_ns", c->has_cpu, c->cpu_total_ns);
  add_counter (builder, "memory_total_kib", c->has_memory, c->memory_total_kib);
  add_counter (builder, "memory_available_kib", c->has_memory, c->memory_available_kib);
  json_builder_end_object (builder);
}

static const char *
state_to_nick (HearthMachineState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (HEARTH_TYPE_MACHINE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "unknown";
}

/* One report is one line of JSON (JSON Lines), so "--count 0 --json" can be
 * read as it comes. */
static void
print_json (Stats     *stats,
            GPtrArray *machines)
{
  HearthStatsSeries *host = hearth_stats_sampler_get_host_series (stats->sampler);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *time_text = NULL;
  g_autofree char *text = NULL;

  time = g_date_time_new_from_unix_utc (hearth_stats_series_get_last_time (host)
                                        / G_USEC_PER_SEC);
  time_text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  if (time_text != NULL)
    json_builder_add_string_value (builder, time_text);
  else
    json_builder_add_null_value (builder);
  add_number (builder, "interval_seconds",
              hearth_stats_sampler_get_interval (stats->sampler) / 1000.0);

  json_builder_set_member_name (builder, "host");
  json_builder_begin_object (builder);
  add_figures (builder, host, FALSE);
  add_host_counters (builder, hearth_stats_sampler_get_host_counters (stats->sampler));
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "machines");
  json_builder_begin_array (builder);
  for (guint i = 0; i < machines->len; i++)
    {
      HearthMachine *machine = g_ptr_array_index (machines, i);
      const char *uuid = hearth_machine_get_uuid (machine);
      HearthStatsSeries *series = hearth_stats_sampler_lookup_series (stats->sampler, uuid);
      gboolean running = series != NULL
                         && hearth_machine_get_state (machine) != HEARTH_MACHINE_STATE_SHUTOFF;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, hearth_machine_get_name (machine));
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, uuid);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state_to_nick (hearth_machine_get_state (machine)));
      add_figures (builder, running ? series : NULL, TRUE);
      add_machine_counters (builder,
                            running ? hearth_stats_sampler_get_counters (stats->sampler, uuid)
                                    : NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  /* JSON is UTF-8 whatever the locale, so bypass g_print's charset conversion. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  Stats *stats = user_data;

  stats->watchdog_id = 0;
  stats->timed_out = TRUE;
  g_main_loop_quit (stats->loop);
  return G_SOURCE_REMOVE;
}

/* A tick that never comes (a daemon that hangs) must not hang the command. */
static void
arm_watchdog (Stats *stats)
{
  guint seconds = MAX (10, 5 * hearth_stats_sampler_get_interval (stats->sampler) / 1000);

  g_clear_handle_id (&stats->watchdog_id, g_source_remove);
  stats->watchdog_id = g_timeout_add_seconds (seconds, watchdog_cb, stats);
}

static void
on_sampler_sampled_cb (HearthStatsSampler *sampler,
                       Stats              *stats)
{
  g_autoptr(GPtrArray) machines = NULL;

  /* The first reading is only the base the rates are computed from. */
  if (stats->n_samples++ == 0)
    {
      arm_watchdog (stats);
      return;
    }

  machines = list_machines (stats);
  if (stats->json)
    print_json (stats, machines);
  else
    {
      if (stats->printed > 0)
        g_print ("\n");
      print_table (stats, machines);
    }
  stats->printed++;

  if (stats->count > 0 && stats->printed >= stats->count)
    g_main_loop_quit (stats->loop);
  else
    arm_watchdog (stats);
}

int
hearthctl_stats_run (HearthConnection  *connection,
                     const char *const *args,
                     gboolean           json,
                     GMainLoop         *loop)
{
  Stats stats = { 0 };
  double interval = opt_interval >= 0 ? opt_interval : DEFAULT_INTERVAL_S;
  int status = 0;

  if (args[0] != NULL)
    {
      HearthMachine *machine = hearth_connection_find_machine (connection, args[0]);

      if (machine == NULL)
        {
          g_autofree char *message =
            g_strdup_printf (_("There is no machine called “%s” on “%s”."), args[0],
                             hearth_connection_get_display_uri (connection));

          g_printerr (_("hearthctl: %s\n"), message);
          return 1;
        }
      stats.machine_uuid = g_strdup (hearth_machine_get_uuid (machine));
    }

  stats.connection = connection;
  stats.loop = loop;
  stats.json = json;
  stats.count = opt_count >= 0 ? opt_count : 1;
  stats.sampler = hearth_stats_sampler_new (connection);
  hearth_stats_sampler_set_interval (stats.sampler, (guint) (interval * 1000 + 0.5));
  g_signal_connect (stats.sampler, "sampled", G_CALLBACK (on_sampler_sampled_cb), &stats);

  arm_watchdog (&stats);
  hearth_stats_sampler_hold (stats.sampler);
  g_main_loop_run (loop);
  hearth_stats_sampler_release (stats.sampler);

  if (stats.timed_out)
    {
      g_printerr (_("hearthctl: %s\n"), _("No figures arrived from the hypervisor in time."));
      status = 1;
    }

  g_clear_handle_id (&stats.watchdog_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (stats.sampler, &stats);
  g_clear_object (&stats.sampler);
  g_free (stats.machine_uuid);

  return status;
}
