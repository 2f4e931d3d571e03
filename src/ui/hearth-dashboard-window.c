/* hearth-dashboard-window.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-dashboard"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "hearth-chart.h"
#include "hearth-dashboard-window.h"

/**
 * HearthDashboardWindow:
 *
 * The resource dashboard: live charts of the host (CPU, memory, disk,
 * network), the golden-ratio headroom, the busiest machines with small
 * charts, and the alert rules with the alerts they fired. It holds its
 * sampler while it is open, so nothing is sampled for it once it is closed.
 */
struct _HearthDashboardWindow
{
  AdwWindow parent_instance;

  /* Template children. */
  AdwViewStack      *stack;
  GtkDropDown       *range_dropdown;
  GtkFlowBox        *host_box;
  AdwActionRow      *cpu_headroom_row;
  GtkLevelBar       *cpu_headroom_bar;
  AdwActionRow      *memory_headroom_row;
  GtkLevelBar       *memory_headroom_bar;
  GtkListBox        *top_list;
  GtkListBox        *rules_list;
  GtkListBox        *alerts_list;

  /* Owned, main thread only. */
  HearthConnection   *connection;
  GSettings          *settings;
  HearthStatsSampler *sampler;
  HearthAlertEngine  *engine;
  HearthHostProfile  *host_profile;
  GCancellable       *cancellable;
  gboolean            holding;
  gboolean            owns_engine;     /* else the application's, shared */

  /* Borrowed: widgets owned by the window's tree. */
  GPtrArray          *charts;
  GtkLabel           *host_values[4];
  GPtrArray          *top_rows;        /* of AdwActionRow, each with a "chart" */
};

G_DEFINE_FINAL_TYPE (HearthDashboardWindow, hearth_dashboard_window, ADW_TYPE_WINDOW)

#define MAX_TOP 8
#define MIB (1024.0 * 1024.0)

enum
{
  HOST_CPU,
  HOST_MEMORY,
  HOST_DISK,
  HOST_NETWORK,
};

/* The figures a rule can watch, in the order the rule dialog offers them. */
static const struct
{
  HearthMetric metric;
  const char  *label;
  gboolean     rate;                  /* MiB/s in the dialog, else percent */
} rule_metrics[] = {
  { HEARTH_METRIC_CPU, N_("CPU"), FALSE },
  { HEARTH_METRIC_CPU_HOST, N_("Share of the host’s CPU"), FALSE },
  { HEARTH_METRIC_MEMORY_PERCENT, N_("Memory"), FALSE },
  { HEARTH_METRIC_DISK_READ, N_("Disk reads"), TRUE },
  { HEARTH_METRIC_DISK_WRITE, N_("Disk writes"), TRUE },
  { HEARTH_METRIC_NET_RX, N_("Network received"), TRUE },
  { HEARTH_METRIC_NET_TX, N_("Network sent"), TRUE },
};

static int
find_rule_metric (HearthMetric metric)
{
  for (guint i = 0; i < G_N_ELEMENTS (rule_metrics); i++)
    if (rule_metrics[i].metric == metric)
      return i;
  return -1;
}

static HearthMachine *
find_machine (HearthDashboardWindow *self,
              const char            *uuid)
{
  return self->connection != NULL ? hearth_connection_find_machine (self->connection, uuid)
                                  : NULL;
}

/* "CPU above 90 % for 30 seconds". */
static char *
describe_rule (const HearthAlertRule *rule)
{
  int index = find_rule_metric (rule->metric);
  const char *label = index >= 0 ? _(rule_metrics[index].label)
                                 : hearth_metric_to_string (rule->metric);
  g_autofree char *threshold = NULL;
  g_autofree char *duration = NULL;

  threshold = hearth_chart_format_value (index >= 0 && rule_metrics[index].rate
                                           ? HEARTH_CHART_UNIT_RATE
                                           : HEARTH_CHART_UNIT_PERCENT,
                                         rule->threshold);
  duration = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds",
                                           rule->duration_sec),
                              rule->duration_sec);

  if (rule->comparison == HEARTH_ALERT_BELOW)
    /* Translators: an alert rule: a figure, a limit, a duration, such as
     * "Memory below 10 % for 30 seconds". */
    return g_strdup_printf (_("%s below %s for %s"), label, threshold, duration);
  /* Translators: an alert rule, such as "CPU above 90 % for 30 seconds". */
  return g_strdup_printf (_("%s above %s for %s"), label, threshold, duration);
}

static char *
describe_target (HearthDashboardWindow *self,
                 const char            *target)
{
  HearthMachine *machine;

  if (g_strcmp0 (target, HEARTH_ALERT_TARGET_HOST) == 0)
    return g_strdup (_("The host"));
  if (target == NULL || g_strcmp0 (target, HEARTH_ALERT_TARGET_ANY_MACHINE) == 0)
    return g_strdup (_("Any machine"));
  machine = find_machine (self, target);
  if (machine == NULL)
    return g_strdup (_("A machine that no longer exists"));
  return g_strdup (hearth_machine_get_display_name (machine));
}

/* Host cards */

static GtkWidget *
add_host_card (HearthDashboardWindow *self,
               const char            *title,
               HearthMetric           metric,
               int                    secondary,
               HearthChartUnit        unit,
               const char            *primary_key,
               const char            *secondary_key,
               GtkLabel             **value_label)
{
  g_autofree char *chart_name = g_strdup_printf (_("Host %s chart"), title);
  HearthChart *chart;
  GtkWidget *card;

  card = hearth_chart_card_new (title, chart_name, metric, secondary, unit, primary_key,
                                secondary_key, 120, &chart, value_label);
  hearth_chart_set_series (chart, hearth_stats_sampler_get_host_series (self->sampler));
  gtk_flow_box_append (self->host_box, card);
  /* The flow box child would take keyboard focus for nothing. */
  gtk_widget_set_focusable (gtk_widget_get_parent (card), FALSE);

  g_ptr_array_add (self->charts, chart);
  return GTK_WIDGET (chart);
}

static double
latest (HearthStatsSeries *series,
        HearthMetric       metric)
{
  return series != NULL ? hearth_stats_series_get_latest (series, metric) : NAN;
}

static void
update_host_values (HearthDashboardWindow *self)
{
  HearthStatsSeries *host = hearth_stats_sampler_get_host_series (self->sampler);

  for (guint i = 0; i < G_N_ELEMENTS (self->host_values); i++)
    {
      /* HOST_CPU … HOST_NETWORK follow HearthChartFigures. */
      g_autofree char *text = hearth_chart_format_figures (host, (HearthChartFigures) i);

      gtk_label_set_text (self->host_values[i], text);
    }
}

/* Headroom */

static void
set_headroom (AdwActionRow    *row,
              GtkLevelBar     *bar,
              const char      *subtitle,
              double           used,
              double           budget,
              HearthGoldenFit  fit)
{
  g_autofree char *text = NULL;
  const char *verdict;

  switch (fit)
    {
    case HEARTH_GOLDEN_FIT_OVER:
      verdict = _("Over the budget: the host may get slow");
      break;
    case HEARTH_GOLDEN_FIT_TIGHT:
      verdict = _("Close to the budget");
      break;
    case HEARTH_GOLDEN_FIT_FITS:
    default:
      verdict = _("Within the budget");
      break;
    }

  text = g_strdup_printf ("%s — %s", subtitle, verdict);
  adw_action_row_set_subtitle (row, text);
  gtk_level_bar_set_value (bar, budget > 0 ? CLAMP (used / budget, 0, 1) : 0);

  /* Accent while the machines fit, warning when close, error when over. */
  if (fit == HEARTH_GOLDEN_FIT_OVER)
    gtk_widget_add_css_class (GTK_WIDGET (bar), "headroom-over");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (bar), "headroom-over");
  if (fit == HEARTH_GOLDEN_FIT_TIGHT)
    gtk_widget_add_css_class (GTK_WIDGET (bar), "headroom-tight");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (bar), "headroom-tight");
}

static void
update_headroom (HearthDashboardWindow *self)
{
  HearthGoldenVerdict verdict = { 0 };
  g_autofree char *cpu = NULL;
  g_autofree char *used = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *memory = NULL;

  if (self->host_profile == NULL || self->connection == NULL)
    return;

  hearth_golden_ratio_check (self->host_profile, hearth_connection_get_machines (self->connection),
                             NULL, 0, 0, &verdict);

  /* Translators: the golden-ratio headroom: vCPUs of running machines, the
   * budget (61.8 % of the host's threads) and the host's threads, such as
   * "6 of 9.9 vCPUs (16 threads)". */
  cpu = g_strdup_printf (_("%u of %.1f vCPUs (%u threads)"), verdict.running_vcpus,
                         verdict.budget_vcpus, verdict.host_threads);
  set_headroom (self->cpu_headroom_row, self->cpu_headroom_bar, cpu, verdict.running_vcpus,
                verdict.budget_vcpus, verdict.cpu_fit);

  used = g_format_size_full (verdict.running_memory, G_FORMAT_SIZE_IEC_UNITS);
  budget = g_format_size_full (verdict.budget_memory, G_FORMAT_SIZE_IEC_UNITS);
  /* Translators: the golden-ratio headroom for memory, such as "4.0 GiB of
   * 9.9 GiB". */
  memory = g_strdup_printf (_("%s of %s"), used, budget);
  set_headroom (self->memory_headroom_row, self->memory_headroom_bar, memory,
                (double) verdict.running_memory, (double) verdict.budget_memory,
                verdict.memory_fit);
}

static void
on_host_profile_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(HearthHostProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  HearthDashboardWindow *self;

  profile = hearth_host_profile_probe_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_DASHBOARD_WINDOW (user_data);
  if (profile == NULL)
    {
      g_debug ("Cannot read the host's profile: %s", error->message);
      adw_action_row_set_subtitle (self->cpu_headroom_row, _("The host’s size is unknown"));
      adw_action_row_set_subtitle (self->memory_headroom_row, _("The host’s size is unknown"));
      return;
    }

  g_set_object (&self->host_profile, profile);
  update_headroom (self);
}

/* Top consumers */

/* A busy machine's row opens its own page. */
static void
on_top_row_activated_cb (AdwActionRow          *row,
                         HearthDashboardWindow *self)
{
  const char *uuid = g_object_get_data (G_OBJECT (row), "uuid");

  if (uuid != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.machine-stats", "s", uuid);
}

static GtkWidget *
create_top_row (HearthDashboardWindow *self)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *chart = hearth_chart_new ();
  GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  hearth_chart_set_metrics (HEARTH_CHART (chart), HEARTH_METRIC_CPU, HEARTH_CHART_NO_METRIC);
  hearth_chart_set_show_scale (HEARTH_CHART (chart), FALSE);
  hearth_chart_set_range (HEARTH_CHART (chart), gtk_drop_down_get_selected (self->range_dropdown));
  gtk_widget_set_size_request (chart, 160, 40);
  gtk_widget_set_valign (chart, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (chart, 6);
  gtk_widget_set_margin_bottom (chart, 6);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), chart);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_signal_connect (row, "activated", G_CALLBACK (on_top_row_activated_cb), self);
  g_object_set_data (G_OBJECT (row), "chart", chart);
  g_ptr_array_add (self->charts, chart);

  gtk_widget_set_visible (row, FALSE);
  gtk_list_box_append (self->top_list, row);
  return row;
}

static int
compare_consumers (gconstpointer a,
                   gconstpointer b)
{
  HearthStatsSeries *x = *(HearthStatsSeries **) a;
  HearthStatsSeries *y = *(HearthStatsSeries **) b;
  double vx = hearth_stats_series_get_latest (x, HEARTH_METRIC_CPU_HOST);
  double vy = hearth_stats_series_get_latest (y, HEARTH_METRIC_CPU_HOST);

  /* Busiest first; machines whose use is unknown last, by name. */
  if (isnan (vx) != isnan (vy))
    return isnan (vx) ? 1 : -1;
  if (!isnan (vx) && vx != vy)
    return vx < vy ? 1 : -1;
  return g_strcmp0 (hearth_stats_series_get_name (x), hearth_stats_series_get_name (y));
}

static void
update_top (HearthDashboardWindow *self)
{
  /* Not hearth_stats_sampler_list_top(): it leaves out the machines whose
   * figures are unknown, and a running machine belongs here even then. */
  g_autoptr(GPtrArray) top = hearth_stats_sampler_list_active_series (self->sampler);

  g_ptr_array_sort (top, compare_consumers);

  for (guint i = 0; i < self->top_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->top_rows, i);
      HearthChart *chart = g_object_get_data (G_OBJECT (row), "chart");
      HearthStatsSeries *series = i < top->len ? g_ptr_array_index (top, i) : NULL;
      HearthMachine *machine;
      g_autofree char *cpu = NULL;
      g_autofree char *memory = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *chart_name = NULL;
      const char *name;

      gtk_widget_set_visible (row, series != NULL);
      hearth_chart_set_series (chart, series);
      if (series == NULL)
        continue;
      g_object_set_data_full (G_OBJECT (row), "uuid",
                              g_strdup (hearth_stats_series_get_uuid (series)), g_free);

      machine = find_machine (self, hearth_stats_series_get_uuid (series));
      name = machine != NULL ? hearth_machine_get_display_name (machine)
                             : hearth_stats_series_get_name (series);
      cpu = hearth_chart_format_value (HEARTH_CHART_UNIT_PERCENT,
                                       latest (series, HEARTH_METRIC_CPU));
      memory = hearth_chart_format_value (HEARTH_CHART_UNIT_BYTES,
                                          latest (series, HEARTH_METRIC_MEMORY_USED));
      /* Translators: a busy machine on the dashboard: its CPU use (of its
       * own vCPUs) and its memory in use. */
      subtitle = g_strdup_printf (_("CPU %s · Memory %s"), cpu, memory);
      /* Translators: the accessible name of a machine's small CPU chart. */
      chart_name = g_strdup_printf (_("CPU of %s"), name != NULL ? name : "");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name != NULL ? name : "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      hearth_chart_set_title (chart, chart_name);
    }
}

static void
on_sampler_sampled_cb (HearthStatsSampler    *sampler,
                       HearthDashboardWindow *self)
{
  update_host_values (self);
  update_headroom (self);
  update_top (self);
}

static void
on_range_selected_cb (GtkDropDown           *dropdown,
                      GParamSpec            *pspec,
                      HearthDashboardWindow *self)
{
  HearthStatsRange range = gtk_drop_down_get_selected (dropdown);

  if (range > HEARTH_STATS_RANGE_DAY)
    return;
  for (guint i = 0; i < self->charts->len; i++)
    hearth_chart_set_range (g_ptr_array_index (self->charts, i), range);
}

/* Alert rules */

static void rebuild_rules (HearthDashboardWindow *self);
static void show_rule_dialog (HearthDashboardWindow *self,
                              const HearthAlertRule *rule);

static void
save_rules (HearthDashboardWindow *self)
{
  g_autoptr(GVariant) rules = hearth_alert_engine_save_rules (self->engine);

  /* The "changed" handler reloads the engine from the key, which is a no-op
   * here, and rebuilds the list. */
  g_settings_set_value (self->settings, "alert-rules", g_steal_pointer (&rules));
  rebuild_rules (self);
}

static gboolean
save_rules_idle_cb (HearthDashboardWindow *self)
{
  if (self->engine != NULL)
    save_rules (self);
  return G_SOURCE_REMOVE;
}

static void
on_remove_rule_clicked_cb (GtkButton             *button,
                           HearthDashboardWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "rule-id");

  if (hearth_alert_engine_remove_rule (self->engine, id))
    save_rules (self);
}

/* A rule's switch turns it on or off and stores that at once. */
static gboolean
on_rule_switch_state_set_cb (GtkSwitch             *rule_switch,
                             gboolean               state,
                             HearthDashboardWindow *self)
{
  const char *id = g_object_get_data (G_OBJECT (rule_switch), "rule-id");
  g_autoptr(GPtrArray) rules = hearth_alert_engine_dup_rules (self->engine);

  for (guint i = 0; i < rules->len; i++)
    {
      HearthAlertRule *rule = g_ptr_array_index (rules, i);

      if (g_strcmp0 (rule->id, id) != 0 || rule->enabled == state)
        continue;
      rule->enabled = state;
      hearth_alert_engine_set_rules (self->engine, rules);
      gtk_switch_set_state (rule_switch, state);
      /* Rebuilding the list from inside its switch's handler would free the
       * switch under GTK's feet: let the settings handler do it later. */
      g_idle_add_full (G_PRIORITY_DEFAULT, (GSourceFunc) save_rules_idle_cb, g_object_ref (self),
                       g_object_unref);
      return TRUE;
    }
  return FALSE;
}

static void
on_rule_row_activated_cb (AdwActionRow          *row,
                          HearthDashboardWindow *self)
{
  const HearthAlertRule *rule = g_object_get_data (G_OBJECT (row), "rule");

  show_rule_dialog (self, rule);
}

static void
rebuild_rules (HearthDashboardWindow *self)
{
  g_autoptr(GPtrArray) rules = hearth_alert_engine_dup_rules (self->engine);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rules_list))) != NULL)
    gtk_list_box_remove (self->rules_list, child);

  for (guint i = 0; i < rules->len; i++)
    {
      const HearthAlertRule *rule = g_ptr_array_index (rules, i);
      g_autofree char *title = describe_rule (rule);
      g_autofree char *target = describe_target (self, rule->target);
      g_autofree char *subtitle = NULL;
      g_autofree char *remove_name = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");
      GtkWidget *rule_switch = gtk_switch_new ();
      g_autofree char *switch_name = NULL;

      if (rule->enabled)
        subtitle = g_strdup (target);
      else
        /* Translators: the subtitle of a rule that is turned off. */
        subtitle = g_strdup_printf (_("%s (off)"), target);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "rule", hearth_alert_rule_copy (rule),
                              (GDestroyNotify) hearth_alert_rule_free);
      g_signal_connect (row, "activated", G_CALLBACK (on_rule_row_activated_cb), self);

      /* Translators: the accessible name of a rule's remove button. */
      remove_name = g_strdup_printf (_("Remove “%s”"), title);
      gtk_widget_set_tooltip_text (remove, _("Remove Rule"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      remove_name, -1);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      g_object_set_data_full (G_OBJECT (remove), "rule-id", g_strdup (rule->id), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_rule_clicked_cb), self);
      /* Translators: the accessible name of a rule's on/off switch. */
      switch_name = g_strdup_printf (_("Watch “%s”"), title);
      gtk_switch_set_active (GTK_SWITCH (rule_switch), rule->enabled);
      gtk_widget_set_valign (rule_switch, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (rule_switch, _("Turn the rule on or off"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (rule_switch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      switch_name, -1);
      g_object_set_data_full (G_OBJECT (rule_switch), "rule-id", g_strdup (rule->id), g_free);
      g_signal_connect (rule_switch, "state-set", G_CALLBACK (on_rule_switch_state_set_cb), self);

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), rule_switch);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);

      gtk_list_box_append (self->rules_list, row);
    }
}

/* The rule dialog's controls, kept on the dialog. */
typedef struct
{
  HearthDashboardWindow *window;      /* borrowed: the dialog is modal to it */
  char                  *id;          /* owned, NULL for a new rule */
  gboolean               enabled;
  GtkDropDown           *metric;
  GtkDropDown           *comparison;
  GtkSpinButton         *threshold;
  GtkLabel              *unit;
  GtkSpinButton         *duration;
  GtkDropDown           *target;
  GPtrArray             *targets;     /* owned: target strings by position */
} RuleDialog;

static void
rule_dialog_free (RuleDialog *dialog)
{
  g_free (dialog->id);
  g_ptr_array_unref (dialog->targets);
  g_free (dialog);
}

static void
update_rule_unit (RuleDialog *dialog)
{
  guint index = gtk_drop_down_get_selected (dialog->metric);
  gboolean rate = index < G_N_ELEMENTS (rule_metrics) && rule_metrics[index].rate;

  gtk_label_set_text (dialog->unit, rate ? _("MiB/s") : "%");
  gtk_spin_button_set_range (dialog->threshold, 0, rate ? 100000 : 100);
}

static void
on_rule_metric_selected_cb (GtkDropDown *dropdown,
                            GParamSpec  *pspec,
                            RuleDialog  *dialog)
{
  update_rule_unit (dialog);
}

static void
on_rule_dialog_response_cb (AdwMessageDialog *message_dialog,
                            const char       *response,
                            RuleDialog       *dialog)
{
  HearthDashboardWindow *self = dialog->window;
  g_autoptr(HearthAlertRule) rule = NULL;
  guint metric_index = gtk_drop_down_get_selected (dialog->metric);
  guint target_index = gtk_drop_down_get_selected (dialog->target);
  double threshold = gtk_spin_button_get_value (dialog->threshold);

  if (!g_str_equal (response, "save") || metric_index >= G_N_ELEMENTS (rule_metrics)
      || target_index >= dialog->targets->len)
    return;

  if (rule_metrics[metric_index].rate)
    threshold *= MIB;
  rule = hearth_alert_rule_new (rule_metrics[metric_index].metric,
                                gtk_drop_down_get_selected (dialog->comparison) == 1
                                  ? HEARTH_ALERT_BELOW
                                  : HEARTH_ALERT_ABOVE,
                                threshold, gtk_spin_button_get_value_as_int (dialog->duration),
                                g_ptr_array_index (dialog->targets, target_index));
  rule->enabled = dialog->enabled;
  if (dialog->id != NULL)
    {
      /* An edit keeps the rule's id, so its alerts stay linked to it. */
      g_free (rule->id);
      rule->id = g_strdup (dialog->id);
      hearth_alert_engine_remove_rule (self->engine, dialog->id);
    }
  hearth_alert_engine_add_rule (self->engine, rule);
  save_rules (self);
}

static GtkWidget *
add_dialog_row (GtkGrid    *grid,
                int         row,
                const char *label_text,
                GtkWidget  *control)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (label_text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), control);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_widget_set_hexpand (control, TRUE);
  gtk_grid_attach (grid, control, 1, row, 1, 1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  return label;
}

static void
show_rule_dialog (HearthDashboardWindow *self,
                  const HearthAlertRule *rule)
{
  g_autoptr(GtkStringList) metrics = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) targets = gtk_string_list_new (NULL);
  const char *comparisons[] = { _("Above"), _("Below"), NULL };
  RuleDialog *dialog = g_new0 (RuleDialog, 1);
  GtkWidget *message_dialog;
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *threshold_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *duration_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GListModel *machines = self->connection != NULL
                           ? hearth_connection_get_machines (self->connection)
                           : NULL;
  int metric_index = rule != NULL ? MAX (find_rule_metric (rule->metric), 0) : 0;
  guint target_index = 0;

  dialog->window = self;
  dialog->id = rule != NULL ? g_strdup (rule->id) : NULL;
  dialog->enabled = rule != NULL ? rule->enabled : TRUE;
  dialog->targets = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (rule_metrics); i++)
    gtk_string_list_append (metrics, _(rule_metrics[i].label));

  gtk_string_list_append (targets, _("Any machine"));
  g_ptr_array_add (dialog->targets, g_strdup (HEARTH_ALERT_TARGET_ANY_MACHINE));
  gtk_string_list_append (targets, _("The host"));
  g_ptr_array_add (dialog->targets, g_strdup (HEARTH_ALERT_TARGET_HOST));
  for (guint i = 0; machines != NULL && i < g_list_model_get_n_items (machines); i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (machines, i);

      gtk_string_list_append (targets, hearth_machine_get_display_name (machine));
      g_ptr_array_add (dialog->targets, g_strdup (hearth_machine_get_uuid (machine)));
    }
  for (guint i = 0; rule != NULL && i < dialog->targets->len; i++)
    if (g_strcmp0 (g_ptr_array_index (dialog->targets, i), rule->target) == 0)
      target_index = i;

  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);

  dialog->metric = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (metrics)), NULL));
  gtk_drop_down_set_selected (dialog->metric, metric_index);
  add_dialog_row (GTK_GRID (grid), 0, _("_Figure"), GTK_WIDGET (dialog->metric));

  dialog->comparison = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (comparisons));
  gtk_drop_down_set_selected (dialog->comparison,
                              rule != NULL && rule->comparison == HEARTH_ALERT_BELOW);
  add_dialog_row (GTK_GRID (grid), 1, _("_When it is"), GTK_WIDGET (dialog->comparison));

  dialog->threshold = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 100, 1));
  dialog->unit = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_hexpand (GTK_WIDGET (dialog->threshold), TRUE);
  gtk_box_append (GTK_BOX (threshold_box), GTK_WIDGET (dialog->threshold));
  gtk_box_append (GTK_BOX (threshold_box), GTK_WIDGET (dialog->unit));
  add_dialog_row (GTK_GRID (grid), 2, _("_Limit"), threshold_box);
  gtk_label_set_mnemonic_widget (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 0, 2)),
                                 GTK_WIDGET (dialog->threshold));
  update_rule_unit (dialog);
  if (rule != NULL)
    gtk_spin_button_set_value (dialog->threshold,
                               rule_metrics[metric_index].rate ? rule->threshold / MIB
                                                               : rule->threshold);
  else
    gtk_spin_button_set_value (dialog->threshold, 90);

  dialog->duration = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 86400, 1));
  gtk_spin_button_set_value (dialog->duration, rule != NULL ? rule->duration_sec : 30);
  gtk_widget_set_hexpand (GTK_WIDGET (dialog->duration), TRUE);
  gtk_box_append (GTK_BOX (duration_box), GTK_WIDGET (dialog->duration));
  gtk_box_append (GTK_BOX (duration_box), gtk_label_new (_("seconds")));
  add_dialog_row (GTK_GRID (grid), 3, _("For _at least"), duration_box);
  gtk_label_set_mnemonic_widget (GTK_LABEL (gtk_grid_get_child_at (GTK_GRID (grid), 0, 3)),
                                 GTK_WIDGET (dialog->duration));

  dialog->target = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (targets)), NULL));
  gtk_drop_down_set_selected (dialog->target, target_index);
  add_dialog_row (GTK_GRID (grid), 4, _("_Watch"), GTK_WIDGET (dialog->target));

  g_signal_connect (dialog->metric, "notify::selected", G_CALLBACK (on_rule_metric_selected_cb),
                    dialog);

  message_dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                           rule != NULL ? _("Edit Rule") : _("Add Rule"), NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (message_dialog), grid);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (message_dialog),
                                    "cancel", _("_Cancel"),
                                    "save", rule != NULL ? _("_Save") : _("_Add"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message_dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (message_dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (message_dialog), "cancel");
  g_object_set_data_full (G_OBJECT (message_dialog), "rule-dialog", dialog,
                          (GDestroyNotify) rule_dialog_free);
  g_signal_connect (message_dialog, "response", G_CALLBACK (on_rule_dialog_response_cb), dialog);
  gtk_window_present (GTK_WINDOW (message_dialog));
}

static void
add_rule_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_rule_dialog (HEARTH_DASHBOARD_WINDOW (widget), NULL);
}

static void
on_settings_changed_cb (GSettings             *settings,
                        const char            *key,
                        HearthDashboardWindow *self)
{
  /* A shared engine and sampler follow the settings through the application. */
  if (g_str_equal (key, "alert-rules"))
    {
      g_autoptr(GVariant) rules = g_settings_get_value (settings, "alert-rules");
      g_autoptr(GError) error = NULL;

      if (self->owns_engine && !hearth_alert_engine_load_rules (self->engine, rules, &error))
        g_debug ("Some alert rules are not valid: %s", error->message);
      rebuild_rules (self);
    }
  else if (g_str_equal (key, "stats-interval") && self->owns_engine)
    hearth_stats_sampler_set_interval (self->sampler,
                                       g_settings_get_uint (settings, "stats-interval"));
}

/* Fired alerts */

static GtkWidget *
create_alert_row (gpointer item,
                  gpointer user_data)
{
  HearthDashboardWindow *self = user_data;
  HearthAlert *alert = item;
  const HearthAlertRule *rule = hearth_alert_get_rule (alert);
  const char *subject = hearth_alert_get_subject_name (alert);
  g_autofree char *rule_text = describe_rule (rule);
  g_autofree char *title = NULL;
  g_autofree char *fired = NULL;
  g_autofree char *subtitle = NULL;
  g_autoptr(GDateTime) fired_time = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon;

  if (subject == NULL || hearth_alert_get_subject_uuid (alert) == NULL)
    subject = _("The host");
  /* Translators: a fired alert: who, then the rule, such as "web: CPU above
   * 90 % for 30 seconds". */
  title = g_strdup_printf (_("%s: %s"), subject, rule_text);

  fired_time = g_date_time_new_from_unix_local (hearth_alert_get_fired_time (alert)
                                                / G_USEC_PER_SEC);
  fired = fired_time != NULL ? g_date_time_format (fired_time, "%X") : g_strdup ("—");
  if (hearth_alert_get_active (alert))
    /* Translators: a fired alert that still holds, with the time it fired. */
    subtitle = g_strdup_printf (_("Since %s, still going on"), fired);
  else
    {
      g_autoptr(GDateTime) cleared_time =
        g_date_time_new_from_unix_local (hearth_alert_get_cleared_time (alert) / G_USEC_PER_SEC);
      g_autofree char *cleared = cleared_time != NULL ? g_date_time_format (cleared_time, "%X")
                                                      : g_strdup ("—");

      /* Translators: a fired alert that ended: when it fired and when it ended. */
      subtitle = g_strdup_printf (_("From %s to %s"), fired, cleared);
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  icon = gtk_image_new_from_icon_name (hearth_alert_get_active (alert)
                                         ? "dialog-warning-symbolic"
                                         : "emblem-ok-symbolic");
  if (hearth_alert_get_active (alert))
    gtk_widget_add_css_class (icon, "warning");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  (void) self;
  return row;
}

static void
bind_alerts (HearthDashboardWindow *self)
{
  gtk_list_box_bind_model (self->alerts_list, hearth_alert_engine_get_alerts (self->engine),
                           create_alert_row, self, NULL);
}

static void
on_alert_cleared_cb (HearthAlertEngine     *engine,
                     HearthAlert           *alert,
                     HearthDashboardWindow *self)
{
  /* The model says nothing when an alert ends; show its end time. */
  bind_alerts (self);
}

/* GObject */

static void
hearth_dashboard_window_dispose (GObject *object)
{
  HearthDashboardWindow *self = HEARTH_DASHBOARD_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->sampler != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sampler, self);
      if (self->holding)
        hearth_stats_sampler_release (self->sampler);
      self->holding = FALSE;
    }
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      if (self->owns_engine && self->sampler != NULL)
        hearth_alert_engine_detach_sampler (self->engine, self->sampler);
    }
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_DASHBOARD_WINDOW);

  g_clear_pointer (&self->charts, g_ptr_array_unref);
  g_clear_pointer (&self->top_rows, g_ptr_array_unref);
  g_clear_object (&self->engine);
  g_clear_object (&self->sampler);
  g_clear_object (&self->host_profile);
  g_clear_object (&self->settings);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hearth_dashboard_window_parent_class)->dispose (object);
}

static void
hearth_dashboard_window_class_init (HearthDashboardWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_dashboard_window_dispose;

  g_type_ensure (HEARTH_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-dashboard-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, range_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, host_box);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, cpu_headroom_row);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, cpu_headroom_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, memory_headroom_row);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, memory_headroom_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, top_list);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, rules_list);
  gtk_widget_class_bind_template_child (widget_class, HearthDashboardWindow, alerts_list);

  gtk_widget_class_install_action (widget_class, "dashboard.add-rule", NULL, add_rule_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
hearth_dashboard_window_init (HearthDashboardWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->charts = g_ptr_array_new ();
  self->top_rows = g_ptr_array_new ();

  /* A plain accent fill: the style classes set in set_headroom() say when the
   * machines come close to the budget or go over it. */
  for (int i = 0; i < 2; i++)
    {
      GtkLevelBar *bar = i == 0 ? self->cpu_headroom_bar : self->memory_headroom_bar;

      gtk_level_bar_remove_offset_value (bar, GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (bar, GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_remove_offset_value (bar, GTK_LEVEL_BAR_OFFSET_FULL);
    }

  g_signal_connect (self->range_dropdown, "notify::selected", G_CALLBACK (on_range_selected_cb),
                    self);
}

/**
 * hearth_dashboard_window_new:
 * @application: the application, or %NULL
 * @connection: the connection whose host and machines are shown
 * @settings: Hearth's settings (stats-interval, alert-rules)
 * @sampler: (nullable): the application's sampler of @connection, or %NULL
 *   for one of the dashboard's own
 * @engine: (nullable): the application's alert engine, attached to @sampler
 *   and following the settings, or %NULL for one of the dashboard's own
 *
 * Returns: (transfer none): a new dashboard, holding the sampler until it is
 *   closed
 */
HearthDashboardWindow *
hearth_dashboard_window_new (GtkApplication     *application,
                             HearthConnection   *connection,
                             GSettings          *settings,
                             HearthStatsSampler *sampler,
                             HearthAlertEngine  *engine)
{
  HearthDashboardWindow *self;
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *placeholder;

  g_return_val_if_fail (HEARTH_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (HEARTH_TYPE_DASHBOARD_WINDOW, "application", application, NULL);
  self->connection = g_object_ref (connection);
  self->settings = g_object_ref (settings);

  g_return_val_if_fail (sampler == NULL || HEARTH_IS_STATS_SAMPLER (sampler), NULL);
  g_return_val_if_fail (engine == NULL || HEARTH_IS_ALERT_ENGINE (engine), NULL);
  g_return_val_if_fail ((sampler == NULL) == (engine == NULL), NULL);

  if (sampler != NULL)
    self->sampler = g_object_ref (sampler);
  else
    {
      self->sampler = hearth_stats_sampler_new (connection);
      hearth_stats_sampler_set_interval (self->sampler,
                                         g_settings_get_uint (settings, "stats-interval"));
    }

  add_host_card (self, _("CPU"), HEARTH_METRIC_CPU, HEARTH_CHART_NO_METRIC,
                 HEARTH_CHART_UNIT_PERCENT, NULL, NULL, &self->host_values[HOST_CPU]);
  add_host_card (self, _("Memory"), HEARTH_METRIC_MEMORY_PERCENT, HEARTH_CHART_NO_METRIC,
                 HEARTH_CHART_UNIT_PERCENT, NULL, NULL, &self->host_values[HOST_MEMORY]);
  /* Translators: the keys under the host's disk chart. */
  add_host_card (self, _("Disk"), HEARTH_METRIC_DISK_READ, HEARTH_METRIC_DISK_WRITE,
                 HEARTH_CHART_UNIT_RATE, C_("disk chart", "Read"), C_("disk chart", "Write"),
                 &self->host_values[HOST_DISK]);
  /* Translators: the keys under the host's network chart. */
  add_host_card (self, _("Network"), HEARTH_METRIC_NET_RX, HEARTH_METRIC_NET_TX,
                 HEARTH_CHART_UNIT_RATE, C_("network chart", "In"), C_("network chart", "Out"),
                 &self->host_values[HOST_NETWORK]);

  for (guint i = 0; i < MAX_TOP; i++)
    g_ptr_array_add (self->top_rows, create_top_row (self));
  placeholder = gtk_label_new (_("No machine is running"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->top_list, placeholder);

  placeholder = gtk_label_new (_("No alert has fired"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->alerts_list, placeholder);

  placeholder = gtk_label_new (_("No rules"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->rules_list, placeholder);

  if (engine != NULL)
    self->engine = g_object_ref (engine);
  else
    {
      self->engine = hearth_alert_engine_new ();
      self->owns_engine = TRUE;
      rules = g_settings_get_value (settings, "alert-rules");
      if (!hearth_alert_engine_load_rules (self->engine, rules, &error))
        g_debug ("Some alert rules are not valid: %s", error->message);
      hearth_alert_engine_attach_sampler (self->engine, self->sampler);
    }
  g_signal_connect (self->engine, "cleared", G_CALLBACK (on_alert_cleared_cb), self);
  g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed_cb), self);
  rebuild_rules (self);
  bind_alerts (self);

  g_signal_connect (self->sampler, "sampled", G_CALLBACK (on_sampler_sampled_cb), self);
  hearth_stats_sampler_hold (self->sampler);
  self->holding = TRUE;

  hearth_host_profile_probe_async (connection, self->cancellable, on_host_profile_cb, self);
  update_host_values (self);
  update_top (self);

  return self;
}

/**
 * hearth_dashboard_window_describe_rule:
 *
 * Returns: (transfer full): the rule in words, such as "CPU above 90 % for
 *   30 seconds", as the dashboard lists it
 */
char *
hearth_dashboard_window_describe_rule (const HearthAlertRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return describe_rule (rule);
}

HearthConnection *
hearth_dashboard_window_get_connection (HearthDashboardWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_DASHBOARD_WINDOW (self), NULL);
  return self->connection;
}
