/* hearth-machine-stats-window.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-machine-stats"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "hearth-chart.h"
#include "hearth-machine-stats-window.h"

/**
 * HearthMachineStatsWindow:
 *
 * One machine's own resource page: its CPU, memory, disk and network charts
 * over the last minute, ten minutes, hour or day; whether the idle policy may
 * suspend it (with the shared idle limit and time); and its resource limits
 * (cputune, blkiotune, iotune, memtune), applied through hearth-limits, which
 * says what took effect at once and what waits for the next start. It holds
 * the sampler while it is open.
 */
struct _HearthMachineStatsWindow
{
  AdwWindow parent_instance;

  /* Template children. */
  AdwWindowTitle  *window_title;
  GtkScrolledWindow *scroller;
  GtkToggleButton *range_minute;
  GtkToggleButton *range_ten;
  GtkToggleButton *range_hour;
  GtkToggleButton *range_day;
  GtkFlowBox      *charts_box;
  GtkSwitch       *idle_switch;
  AdwActionRow    *idle_state_row;
  GtkSpinButton   *idle_threshold_spin;
  GtkSpinButton   *idle_minutes_spin;
  GtkButton       *apply_button;
  AdwEntryRow     *cpu_weight_row;
  AdwEntryRow     *cpu_cap_row;
  AdwEntryRow     *blkio_weight_row;
  AdwEntryRow     *disk_read_row;
  AdwEntryRow     *disk_write_row;
  AdwEntryRow     *disk_read_iops_row;
  AdwEntryRow     *disk_write_iops_row;
  AdwEntryRow     *memory_hard_row;
  AdwEntryRow     *memory_soft_row;
  GtkLabel        *limits_status;

  /* Owned, main thread only. */
  HearthMachine      *machine;
  GSettings          *settings;
  HearthStatsSampler *sampler;
  HearthIdlePolicy   *idle_policy;     /* nullable */
  HearthLimits       *limits;          /* as last read, NULL before */
  GCancellable       *cancellable;
  gboolean            holding;
  gboolean            idle_busy;       /* a write of the opt-in is under way */
  gboolean            limits_busy;
  guint               reveal_frames;

  /* Borrowed: widgets owned by the window's tree. */
  HearthChart        *charts[4];
  GtkLabel           *values[4];
};

G_DEFINE_FINAL_TYPE (HearthMachineStatsWindow, hearth_machine_stats_window, ADW_TYPE_WINDOW)

#define MIB (1024 * 1024)
/* The CPU cap is a share of one vCPU per 100 ms (cputune period). */
#define CPU_PERIOD_USEC 100000

/* Charts */

static void
add_card (HearthMachineStatsWindow *self,
          HearthChartFigures        figures,
          const char               *title,
          HearthMetric              metric,
          int                       secondary,
          HearthChartUnit           unit,
          const char               *primary_key,
          const char               *secondary_key)
{
  const char *name = hearth_machine_get_display_name (self->machine);
  g_autofree char *chart_name = NULL;
  GtkWidget *card;

  /* Translators: the accessible name of a chart on a machine's page: the
   * figure, then the machine, such as "CPU of web". */
  chart_name = g_strdup_printf (_("%s of %s"), title, name);
  card = hearth_chart_card_new (title, chart_name, metric, secondary, unit, primary_key,
                                secondary_key, 160, &self->charts[figures],
                                &self->values[figures]);
  gtk_flow_box_append (self->charts_box, card);
  gtk_widget_set_focusable (gtk_widget_get_parent (card), FALSE);
}

static HearthStatsRange
selected_range (HearthMachineStatsWindow *self)
{
  if (gtk_toggle_button_get_active (self->range_day))
    return HEARTH_STATS_RANGE_DAY;
  if (gtk_toggle_button_get_active (self->range_hour))
    return HEARTH_STATS_RANGE_HOUR;
  if (gtk_toggle_button_get_active (self->range_ten))
    return HEARTH_STATS_RANGE_TEN_MINUTES;
  return HEARTH_STATS_RANGE_MINUTE;
}

static void
on_range_toggled_cb (HearthMachineStatsWindow *self,
                     GtkToggleButton          *button)
{
  HearthStatsRange range = selected_range (self);

  if (!gtk_toggle_button_get_active (button))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    if (self->charts[i] != NULL)
      hearth_chart_set_range (self->charts[i], range);
}

/* Idle policy */

static void
update_idle_state (HearthMachineStatsWindow *self)
{
  HearthStatsSeries *series = hearth_stats_sampler_lookup_series (self->sampler,
                                                                  hearth_machine_get_uuid (self->machine));
  double cpu = series != NULL ? hearth_stats_series_get_latest (series, HEARTH_METRIC_CPU) : NAN;
  double threshold = g_settings_get_double (self->settings, "idle-threshold");
  g_autofree char *text = NULL;

  if (self->idle_policy != NULL && hearth_idle_policy_was_suspended (self->idle_policy,
                                                                     self->machine))
    text = g_strdup (_("Suspended because it stayed idle; starting it resumes it"));
  else if (!hearth_machine_is_active (self->machine))
    text = g_strdup (_("Not running"));
  else if (isnan (cpu))
    text = g_strdup (_("Its CPU use is not known yet"));
  else
    {
      g_autofree char *cpu_text = hearth_chart_format_value (HEARTH_CHART_UNIT_PERCENT, cpu);
      g_autofree char *limit_text = hearth_chart_format_value (HEARTH_CHART_UNIT_PERCENT,
                                                               threshold);

      if (cpu < threshold)
        /* Translators: the idle state of a machine: its CPU use, then the limit. */
        text = g_strdup_printf (_("Idle: CPU %s, below %s"), cpu_text, limit_text);
      else
        /* Translators: the idle state of a busy machine: its CPU use, then the limit. */
        text = g_strdup_printf (_("Busy: CPU %s, above %s"), cpu_text, limit_text);
    }

  adw_action_row_set_subtitle (self->idle_state_row, text);
}

static void
update_idle_switch (HearthMachineStatsWindow *self)
{
  gboolean ready = self->idle_policy != NULL && hearth_idle_policy_get_ready (self->idle_policy);

  gtk_widget_set_sensitive (GTK_WIDGET (self->idle_switch), ready && !self->idle_busy);
  if (ready && !self->idle_busy)
    gtk_switch_set_state (self->idle_switch,
                          hearth_idle_policy_get_machine_enabled (self->idle_policy,
                                                                  self->machine));
}

static void
on_idle_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  HearthMachineStatsWindow *self;

  hearth_idle_policy_set_machine_enabled_finish (HEARTH_IDLE_POLICY (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_MACHINE_STATS_WINDOW (user_data);
  self->idle_busy = FALSE;
  if (error != NULL)
    {
      g_autofree char *text = NULL;

      g_debug ("Cannot store the idle opt-in: %s", error->message);
      /* Translators: shown when the machine's idle setting could not be
       * stored; the detail is the hypervisor's own message. */
      text = g_strdup_printf (_("Hearth could not change this setting: %s"), error->message);
      adw_action_row_set_subtitle (self->idle_state_row, text);
    }
  /* The switch shows what the policy now holds, whatever happened. */
  update_idle_switch (self);
}

static gboolean
on_idle_state_set_cb (HearthMachineStatsWindow *self,
                      gboolean                  state,
                      GtkSwitch                *idle_switch)
{
  if (self->idle_policy == NULL || self->idle_busy)
    return TRUE;

  /* The state follows once the machine's metadata holds it. */
  self->idle_busy = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->idle_switch), FALSE);
  hearth_idle_policy_set_machine_enabled_async (self->idle_policy, self->machine, state,
                                                self->cancellable, on_idle_written_cb, self);
  return TRUE;
}

static void
on_idle_threshold_changed_cb (HearthMachineStatsWindow *self,
                              GtkSpinButton            *spin)
{
  /* The template sets the spin button up before the settings are known. */
  if (self->settings == NULL)
    return;
  g_settings_set_double (self->settings, "idle-threshold", gtk_spin_button_get_value (spin));
}

static void
on_idle_minutes_changed_cb (HearthMachineStatsWindow *self,
                            GtkSpinButton            *spin)
{
  /* The template sets the spin button up before the settings are known. */
  if (self->settings == NULL)
    return;
  g_settings_set_uint (self->settings, "idle-minutes", gtk_spin_button_get_value_as_int (spin));
}

static void
on_settings_changed_cb (GSettings                *settings,
                        const char               *key,
                        HearthMachineStatsWindow *self)
{
  if (g_str_equal (key, "idle-threshold"))
    {
      gtk_spin_button_set_value (self->idle_threshold_spin,
                                 g_settings_get_double (settings, key));
      update_idle_state (self);
    }
  else if (g_str_equal (key, "idle-minutes"))
    gtk_spin_button_set_value (self->idle_minutes_spin, g_settings_get_uint (settings, key));
}

/* Sampling */

static void
update_figures (HearthMachineStatsWindow *self)
{
  HearthStatsSeries *series = hearth_stats_sampler_lookup_series (self->sampler,
                                                                  hearth_machine_get_uuid (self->machine));

  for (guint i = 0; i < G_N_ELEMENTS (self->charts); i++)
    {
      g_autofree char *text = hearth_chart_format_figures (series, (HearthChartFigures) i);

      /* The series appears once the machine runs and has been sampled. */
      hearth_chart_set_series (self->charts[i], series);
      gtk_label_set_text (self->values[i], text);
    }
  update_idle_state (self);
}

static void
on_sampler_sampled_cb (HearthStatsSampler       *sampler,
                       HearthMachineStatsWindow *self)
{
  update_figures (self);
}

/* Limits */

/* Scrolls the page so that the status under the limits shows: the refusal
 * of a value must be seen where the value is, not below the fold. Runs once
 * the label has its place, on the frame after it was shown. */
static gboolean
reveal_status_cb (GtkWidget     *label,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  HearthMachineStatsWindow *self = HEARTH_MACHINE_STATS_WINDOW (user_data);
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  GtkWidget *viewport = gtk_scrolled_window_get_child (self->scroller);
  /* The viewport's child: its coordinates are the page's, not the visible part's. */
  GtkWidget *content = viewport != NULL ? gtk_widget_get_first_child (viewport) : NULL;
  graphene_rect_t bounds;
  double bottom;

  if (content == NULL || !gtk_widget_compute_bounds (label, content, &bounds))
    return G_SOURCE_REMOVE;

  /* The label and the scrolled page may take a frame or two to be laid out. */
  bottom = bounds.origin.y + bounds.size.height + 12;
  if ((bounds.size.height <= 0 || gtk_adjustment_get_upper (vadjustment) < bottom)
      && ++self->reveal_frames < 10)
    return G_SOURCE_CONTINUE;
  self->reveal_frames = 0;
  if (bottom > gtk_adjustment_get_value (vadjustment) + gtk_adjustment_get_page_size (vadjustment))
    gtk_adjustment_set_value (vadjustment, bottom - gtk_adjustment_get_page_size (vadjustment));
  return G_SOURCE_REMOVE;
}

static void
set_status (HearthMachineStatsWindow *self,
            const char               *text,
            gboolean                  error)
{
  gtk_label_set_text (self->limits_status, text);
  gtk_widget_set_visible (GTK_WIDGET (self->limits_status), text != NULL && *text != '\0');
  if (error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->limits_status), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->limits_status), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->limits_status), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->limits_status), "dim-label");
    }
  if (text != NULL && *text != '\0')
    gtk_widget_add_tick_callback (GTK_WIDGET (self->limits_status), reveal_status_cb, self, NULL);
}

static void
clear_row_errors (HearthMachineStatsWindow *self)
{
  AdwEntryRow *rows[] = {
    self->cpu_weight_row, self->cpu_cap_row, self->blkio_weight_row,
    self->disk_read_row, self->disk_write_row, self->disk_read_iops_row,
    self->disk_write_iops_row, self->memory_hard_row, self->memory_soft_row,
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (rows[i]), "error");
}

static void
on_limit_changed_cb (HearthMachineStatsWindow *self,
                     AdwEntryRow              *row)
{
  if (!gtk_widget_has_css_class (GTK_WIDGET (row), "error"))
    return;
  /* The user is fixing it: the refusal no longer applies. */
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  set_status (self, NULL, FALSE);
}

static void
set_row_value (AdwEntryRow *row,
               guint64      value)
{
  g_autofree char *text = value > 0 ? g_strdup_printf ("%" G_GUINT64_FORMAT, value)
                                    : g_strdup ("");

  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
show_limits (HearthMachineStatsWindow *self)
{
  const HearthLimits *limits = self->limits;
  const HearthDiskLimits *disk = limits->disks->len > 0 ? g_ptr_array_index (limits->disks, 0)
                                                        : NULL;
  gboolean cpu = (limits->groups & HEARTH_LIMITS_CPU) != 0;
  gboolean disks = (limits->groups & HEARTH_LIMITS_DISKS) != 0 && disk != NULL;

  set_row_value (self->cpu_weight_row, limits->cpu_shares);
  set_row_value (self->cpu_cap_row,
                 limits->cpu_quota_usec > 0 && limits->cpu_period_usec > 0
                   ? MAX (1, limits->cpu_quota_usec * 100 / limits->cpu_period_usec)
                   : 0);
  set_row_value (self->blkio_weight_row, limits->blkio_weight);
  set_row_value (self->disk_read_row, disk != NULL ? disk->read_bytes_sec / MIB : 0);
  set_row_value (self->disk_write_row, disk != NULL ? disk->write_bytes_sec / MIB : 0);
  set_row_value (self->disk_read_iops_row, disk != NULL ? disk->read_iops_sec : 0);
  set_row_value (self->disk_write_iops_row, disk != NULL ? disk->write_iops_sec : 0);
  set_row_value (self->memory_hard_row, limits->memory_hard_limit_kib / 1024);
  set_row_value (self->memory_soft_row, limits->memory_soft_limit_kib / 1024);

  /* What the hypervisor cannot do for this machine is not offered. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->cpu_weight_row), cpu);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cpu_cap_row), cpu);
  gtk_widget_set_sensitive (GTK_WIDGET (self->blkio_weight_row),
                            (limits->groups & HEARTH_LIMITS_BLKIO) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_read_row), disks);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_write_row), disks);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_read_iops_row), disks);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_write_iops_row), disks);
  gtk_widget_set_sensitive (GTK_WIDGET (self->memory_hard_row),
                            (limits->groups & HEARTH_LIMITS_MEMORY) != 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->memory_soft_row),
                            (limits->groups & HEARTH_LIMITS_MEMORY) != 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), limits->groups != 0);
  if (limits->groups == 0)
    set_status (self, _("The hypervisor cannot limit this machine’s resources."), FALSE);
}

static void
on_limits_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HearthLimits) limits = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachineStatsWindow *self;

  limits = hearth_limits_read_finish (HEARTH_MACHINE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_MACHINE_STATS_WINDOW (user_data);
  if (limits == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: the detail is the hypervisor's own message. */
      text = g_strdup_printf (_("Hearth could not read this machine’s limits: %s"),
                              error->message);
      set_status (self, text, TRUE);
      return;
    }

  g_clear_pointer (&self->limits, hearth_limits_free);
  self->limits = g_steal_pointer (&limits);
  show_limits (self);
}

/* Reads one field: empty is 0 (no limit); anything else must be a whole
 * number within [min, max]. On failure, marks the row and says why. */
static gboolean
parse_row (HearthMachineStatsWindow *self,
           AdwEntryRow              *row,
           guint64                   min,
           guint64                   max,
           const char               *range_message,
           guint64                  *out_value)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autofree char *message = NULL;
  guint64 value = 0;

  *out_value = 0;
  if (*text == '\0')
    return TRUE;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64 / (2 * MIB), &value, NULL))
    /* Translators: a limit that is not a number; %s is the field's name. */
    message = g_strdup_printf (_("%s: enter a whole number, or leave it empty for no limit."),
                               adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  else if (value < min || value > max)
    message = g_strdup (range_message);

  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      gtk_widget_grab_focus (GTK_WIDGET (row));
      set_status (self, message, TRUE);
      return FALSE;
    }
  *out_value = value;
  return TRUE;
}

static void
append_outcome (GString    *text,
                const char *group,
                gboolean    live)
{
  if (text->len > 0)
    g_string_append_c (text, '\n');
  if (live)
    /* Translators: after applying limits; %s is a group, such as "CPU". */
    g_string_append_printf (text, _("%s: applies now."), group);
  else
    /* Translators: after applying limits to a machine that cannot take them
     * while it runs, or that is off; %s is a group, such as "Memory". */
    g_string_append_printf (text, _("%s: applies on the next start."), group);
}

static void
on_limits_applied_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  HearthLimitsGroup live = 0, next_start = 0;
  HearthMachineStatsWindow *self;
  static const struct
  {
    HearthLimitsGroup group;
    const char       *name;
  } groups[] = {
    { HEARTH_LIMITS_CPU, N_("CPU") },
    { HEARTH_LIMITS_BLKIO, N_("Disk weight") },
    { HEARTH_LIMITS_DISKS, N_("Disk throughput") },
    { HEARTH_LIMITS_MEMORY, N_("Memory") },
  };

  hearth_limits_apply_finish (HEARTH_MACHINE (source), result, &live, &next_start, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_MACHINE_STATS_WINDOW (user_data);
  self->limits_busy = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), TRUE);
  if (error != NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: the hypervisor refused the limits; the detail is its
       * own message. */
      message = g_strdup_printf (_("The hypervisor refused these limits: %s"), error->message);
      set_status (self, message, TRUE);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    if ((live | next_start) & groups[i].group)
      append_outcome (text, _(groups[i].name), (live & groups[i].group) != 0);
  set_status (self, text->len > 0 ? text->str : _("Nothing to change."), FALSE);

  /* Show what the machine now has, as the hypervisor rounds some values. */
  hearth_limits_read_async (self->machine, self->cancellable, on_limits_read_cb, self);
}

static void
on_apply_limits_cb (HearthMachineStatsWindow *self)
{
  g_autoptr(HearthLimits) limits = NULL;
  guint64 cpu_weight, cpu_cap, blkio_weight, read_mib, write_mib, read_iops, write_iops;
  guint64 hard_mib, soft_mib;
  guint64 memory_mib = hearth_machine_get_memory (self->machine) / MIB;
  g_autofree char *hard_message = NULL;
  g_autofree char *memory_text = g_format_size_full (memory_mib * MIB, G_FORMAT_SIZE_IEC_UNITS);

  if (self->limits == NULL || self->limits_busy)
    return;

  clear_row_errors (self);
  set_status (self, NULL, FALSE);

  /* Translators: the memory hard limit may not be below the machine's own
   * memory, as the machine would be stopped; %s is that memory, "2 GiB". */
  hard_message = g_strdup_printf (_("The memory hard limit must be at least the machine’s "
                                    "memory, %s, or the machine would be stopped."),
                                  memory_text);
  if (!parse_row (self, self->cpu_weight_row, 2, 262144,
                  _("The CPU weight must be between 2 and 262144."), &cpu_weight)
      || !parse_row (self, self->cpu_cap_row, 1, 100,
                     _("The CPU cap must be between 1 and 100 percent of each vCPU."), &cpu_cap)
      || !parse_row (self, self->blkio_weight_row, 100, 1000,
                     _("The disk weight must be between 100 and 1000."), &blkio_weight)
      || !parse_row (self, self->disk_read_row, 1, 1024 * 1024,
                     _("Disk limits must be between 1 and 1048576 MiB/s."), &read_mib)
      || !parse_row (self, self->disk_write_row, 1, 1024 * 1024,
                     _("Disk limits must be between 1 and 1048576 MiB/s."), &write_mib)
      || !parse_row (self, self->disk_read_iops_row, 1, 1000000,
                     _("Request limits must be between 1 and 1000000 per second."), &read_iops)
      || !parse_row (self, self->disk_write_iops_row, 1, 1000000,
                     _("Request limits must be between 1 and 1000000 per second."), &write_iops)
      || !parse_row (self, self->memory_hard_row, MAX (memory_mib, 1), 16 * 1024 * 1024,
                     hard_message, &hard_mib)
      || !parse_row (self, self->memory_soft_row, 64, 16 * 1024 * 1024,
                     _("The memory soft limit must be at least 64 MiB."), &soft_mib))
    return;

  if (hard_mib > 0 && soft_mib > hard_mib)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->memory_soft_row), "error");
      set_status (self, _("The memory soft limit cannot be above the hard limit."), TRUE);
      return;
    }

  limits = hearth_limits_copy (self->limits);
  limits->cpu_shares = cpu_weight;
  limits->cpu_quota_usec = cpu_cap * CPU_PERIOD_USEC / 100;
  limits->cpu_period_usec = cpu_cap > 0 ? CPU_PERIOD_USEC : 0;
  limits->blkio_weight = blkio_weight;
  limits->memory_hard_limit_kib = hard_mib * 1024;
  limits->memory_soft_limit_kib = soft_mib * 1024;
  /* The same caps for every disk: the page speaks of the machine's disks. */
  for (guint i = 0; i < limits->disks->len; i++)
    {
      HearthDiskLimits *disk = g_ptr_array_index (limits->disks, i);

      disk->read_bytes_sec = read_mib * MIB;
      disk->write_bytes_sec = write_mib * MIB;
      disk->read_iops_sec = read_iops;
      disk->write_iops_sec = write_iops;
    }
  if (limits->disks->len == 0)
    limits->groups &= ~HEARTH_LIMITS_DISKS;

  self->limits_busy = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), FALSE);
  hearth_limits_apply_async (self->machine, limits, self->cancellable, on_limits_applied_cb,
                             self);
}

/* GObject */

static void
on_machine_changed_cb (HearthMachineStatsWindow *self)
{
  adw_window_title_set_title (self->window_title,
                              hearth_machine_get_display_name (self->machine));
  update_idle_state (self);
}

static void
hearth_machine_stats_window_dispose (GObject *object)
{
  HearthMachineStatsWindow *self = HEARTH_MACHINE_STATS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->sampler != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sampler, self);
      if (self->holding)
        hearth_stats_sampler_release (self->sampler);
      self->holding = FALSE;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_MACHINE_STATS_WINDOW);

  g_clear_pointer (&self->limits, hearth_limits_free);
  g_clear_object (&self->idle_policy);
  g_clear_object (&self->sampler);
  g_clear_object (&self->settings);
  g_clear_object (&self->machine);

  G_OBJECT_CLASS (hearth_machine_stats_window_parent_class)->dispose (object);
}

static void
hearth_machine_stats_window_class_init (HearthMachineStatsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_machine_stats_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-machine-stats-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HearthMachineStatsWindow, name)
  BIND (window_title);
  BIND (scroller);
  BIND (range_minute);
  BIND (range_ten);
  BIND (range_hour);
  BIND (range_day);
  BIND (charts_box);
  BIND (idle_switch);
  BIND (idle_state_row);
  BIND (idle_threshold_spin);
  BIND (idle_minutes_spin);
  BIND (apply_button);
  BIND (cpu_weight_row);
  BIND (cpu_cap_row);
  BIND (blkio_weight_row);
  BIND (disk_read_row);
  BIND (disk_write_row);
  BIND (disk_read_iops_row);
  BIND (disk_write_iops_row);
  BIND (memory_hard_row);
  BIND (memory_soft_row);
  BIND (limits_status);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_range_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_idle_state_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_idle_threshold_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_idle_minutes_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_limit_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_limits_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hearth_machine_stats_window_init (HearthMachineStatsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

/**
 * hearth_machine_stats_window_new:
 * @application: (nullable): the application
 * @machine: the machine shown
 * @settings: Hearth's settings (idle-threshold, idle-minutes)
 * @sampler: the sampler of @machine's connection
 * @idle_policy: (nullable): the idle policy of that connection
 *
 * Returns: (transfer none): a new window, holding @sampler until it closes
 */
HearthMachineStatsWindow *
hearth_machine_stats_window_new (GtkApplication     *application,
                                 HearthMachine      *machine,
                                 GSettings          *settings,
                                 HearthStatsSampler *sampler,
                                 HearthIdlePolicy   *idle_policy)
{
  HearthMachineStatsWindow *self;

  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (HEARTH_IS_STATS_SAMPLER (sampler), NULL);
  g_return_val_if_fail (idle_policy == NULL || HEARTH_IS_IDLE_POLICY (idle_policy), NULL);

  self = g_object_new (HEARTH_TYPE_MACHINE_STATS_WINDOW, "application", application, NULL);
  self->machine = g_object_ref (machine);
  self->settings = g_object_ref (settings);
  self->sampler = g_object_ref (sampler);
  self->idle_policy = idle_policy != NULL ? g_object_ref (idle_policy) : NULL;

  gtk_window_set_title (GTK_WINDOW (self), hearth_machine_get_display_name (machine));
  adw_window_title_set_subtitle (self->window_title, _("Resources"));
  on_machine_changed_cb (self);
  g_signal_connect_object (machine, "notify", G_CALLBACK (on_machine_changed_cb), self,
                           G_CONNECT_SWAPPED);

  add_card (self, HEARTH_CHART_FIGURES_CPU, _("CPU"), HEARTH_METRIC_CPU,
            HEARTH_CHART_NO_METRIC, HEARTH_CHART_UNIT_PERCENT, NULL, NULL);
  add_card (self, HEARTH_CHART_FIGURES_MEMORY, _("Memory"), HEARTH_METRIC_MEMORY_PERCENT,
            HEARTH_CHART_NO_METRIC, HEARTH_CHART_UNIT_PERCENT, NULL, NULL);
  add_card (self, HEARTH_CHART_FIGURES_DISK, _("Disk"), HEARTH_METRIC_DISK_READ,
            HEARTH_METRIC_DISK_WRITE, HEARTH_CHART_UNIT_RATE, C_("disk chart", "Read"),
            C_("disk chart", "Write"));
  add_card (self, HEARTH_CHART_FIGURES_NETWORK, _("Network"), HEARTH_METRIC_NET_RX,
            HEARTH_METRIC_NET_TX, HEARTH_CHART_UNIT_RATE, C_("network chart", "In"),
            C_("network chart", "Out"));

  /* The spin buttons show the settings before they listen to the user. */
  g_signal_handlers_block_by_func (self->idle_threshold_spin, on_idle_threshold_changed_cb, self);
  g_signal_handlers_block_by_func (self->idle_minutes_spin, on_idle_minutes_changed_cb, self);
  gtk_spin_button_set_value (self->idle_threshold_spin,
                             g_settings_get_double (settings, "idle-threshold"));
  gtk_spin_button_set_value (self->idle_minutes_spin, g_settings_get_uint (settings, "idle-minutes"));
  g_signal_handlers_unblock_by_func (self->idle_threshold_spin, on_idle_threshold_changed_cb, self);
  g_signal_handlers_unblock_by_func (self->idle_minutes_spin, on_idle_minutes_changed_cb, self);
  g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed_cb), self, 0);

  if (self->idle_policy != NULL)
    g_signal_connect_object (self->idle_policy, "notify::ready",
                             G_CALLBACK (update_idle_switch), self, G_CONNECT_SWAPPED);
  update_idle_switch (self);

  g_signal_connect (sampler, "sampled", G_CALLBACK (on_sampler_sampled_cb), self);
  hearth_stats_sampler_hold (sampler);
  self->holding = TRUE;
  update_figures (self);

  hearth_limits_read_async (machine, self->cancellable, on_limits_read_cb, self);

  return self;
}

/**
 * hearth_machine_stats_window_get_machine:
 *
 * Returns: (transfer none): the machine shown
 */
HearthMachine *
hearth_machine_stats_window_get_machine (HearthMachineStatsWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_STATS_WINDOW (self), NULL);
  return self->machine;
}
