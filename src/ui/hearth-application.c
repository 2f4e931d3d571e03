/* hearth-application.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-application"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-application.h"
#include "hearth-dashboard-window.h"
#include "hearth-machine-stats-window.h"
#include "hearth-preferences-window.h"
#include "hearth-ui-utils.h"
#include "hearth-window.h"
#include "hearth-wizard-window.h"

/**
 * HearthApplication:
 *
 * Owns the settings, the one connection Hearth shows (from `--connect`, the
 * "default-uri" setting or the core's automatic choice) and the machine
 * collection the windows display. Changing the setting while no `--connect`
 * override is in force switches the connection at once.
 */
struct _HearthApplication
{
  AdwApplication parent_instance;

  /* Owned, main thread only. */
  GSettings               *settings;
  HearthConnection        *connection;
  HearthMachineCollection *collection;
  GCancellable            *cancellable;
  char                    *override_uri;

  /* Alert rules are watched while Hearth runs, not only while the dashboard
   * is open: the sampler follows the connection and is held while a rule is
   * on; the dashboard shares both. Owned, main thread only. */
  HearthStatsSampler      *sampler;
  HearthAlertEngine       *alert_engine;
  gboolean                 alerts_holding;

  /* The idle policy watches the current connection's machines; the metrics
   * exporter serves every figure of the sampler while the user has it on.
   * Owned, main thread only; metrics_error is the last failure to listen. */
  HearthIdlePolicy        *idle_policy;
  HearthMetricsExporter   *metrics_exporter;
  char                    *metrics_error;
};

G_DEFINE_FINAL_TYPE (HearthApplication, hearth_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_METRICS_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Starts, restarts or stops the metrics endpoint as the settings say. */
static void
update_metrics_export (HearthApplication *self)
{
  g_autoptr(GError) error = NULL;
  gboolean want = g_settings_get_boolean (self->settings, "metrics-export");
  guint16 port;

  g_settings_get (self->settings, "metrics-port", "q", &port);

  if (hearth_metrics_exporter_get_running (self->metrics_exporter)
      && (!want || hearth_metrics_exporter_get_port (self->metrics_exporter) != port))
    hearth_metrics_exporter_stop (self->metrics_exporter);
  if (want && !hearth_metrics_exporter_get_running (self->metrics_exporter)
      && !hearth_metrics_exporter_start (self->metrics_exporter, port, &error))
    g_debug ("Cannot serve metrics on port %u: %s", port, error->message);

  /* The preferences say why it does not listen (the port is taken, say). */
  if (g_strcmp0 (self->metrics_error, error != NULL ? error->message : NULL) != 0)
    {
      g_free (self->metrics_error);
      self->metrics_error = error != NULL ? g_strdup (error->message) : NULL;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRICS_ERROR]);
    }
}

static void
apply_idle_settings (HearthApplication *self)
{
  if (self->idle_policy == NULL)
    return;
  hearth_idle_policy_set_threshold (self->idle_policy,
                                    g_settings_get_double (self->settings, "idle-threshold"));
  hearth_idle_policy_set_idle_time (self->idle_policy,
                                    60 * g_settings_get_uint (self->settings, "idle-minutes"));
}

static char *
choose_uri (HearthApplication *self)
{
  g_autofree char *setting = NULL;

  if (self->override_uri != NULL)
    return g_strdup (self->override_uri);

  setting = g_settings_get_string (self->settings, "default-uri");
  if (setting != NULL && *setting != '\0')
    return g_steal_pointer (&setting);

  return hearth_connection_dup_default_uri ();
}

static void
on_idle_suspended_cb (HearthIdlePolicy *policy,
                      HearthMachine    *machine)
{
  g_object_notify (G_OBJECT (machine), "state");
}

static void
on_connection_opened_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The window follows the connection's "state" and shows its error, so a
   * failure needs nothing more here than a trace. */
  if (!hearth_connection_open_finish (HEARTH_CONNECTION (object), result, &error))
    g_debug ("Opening the connection failed: %s", error->message);
}

/* Holds the sampler for the alert rules while one of them is on. */
static void
update_alert_hold (HearthApplication *self)
{
  gboolean want = self->sampler != NULL && self->alert_engine != NULL
                  && hearth_alert_engine_has_enabled_rules (self->alert_engine);

  if (want == self->alerts_holding)
    return;

  if (want)
    hearth_stats_sampler_hold (self->sampler);
  else
    hearth_stats_sampler_release (self->sampler);
  self->alerts_holding = want;
}

static void
drop_sampler (HearthApplication *self)
{
  if (self->sampler == NULL)
    return;

  if (self->alerts_holding)
    hearth_stats_sampler_release (self->sampler);
  self->alerts_holding = FALSE;
  if (self->alert_engine != NULL)
    hearth_alert_engine_detach_sampler (self->alert_engine, self->sampler);
  if (self->metrics_exporter != NULL)
    hearth_metrics_exporter_remove_sampler (self->metrics_exporter, self->sampler);
  g_clear_object (&self->idle_policy);
  g_clear_object (&self->sampler);
}

static void
load_alert_rules (HearthApplication *self)
{
  g_autoptr(GVariant) rules = g_settings_get_value (self->settings, "alert-rules");
  g_autoptr(GError) error = NULL;

  if (!hearth_alert_engine_load_rules (self->alert_engine, rules, &error))
    g_debug ("Some alert rules are not valid: %s", error->message);
  update_alert_hold (self);
}

static void
on_alert_fired_cb (HearthAlertEngine *engine,
                   HearthAlert       *alert,
                   HearthApplication *self)
{
  const HearthAlertRule *rule = hearth_alert_get_rule (alert);
  const char *uuid = hearth_alert_get_subject_uuid (alert);
  const char *subject = uuid != NULL ? hearth_alert_get_subject_name (alert) : _("The host");
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *body = hearth_dashboard_window_describe_rule (rule);
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  /* Translators: the title of an alert's desktop notification. */
  title = g_strdup_printf (_("Alert: %s"), subject != NULL ? subject : "");
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.dashboard");
  /* One notification per rule and subject: a new episode replaces the last. */
  id = g_strdup_printf ("alert-%s-%s", rule->id, uuid != NULL ? uuid : "host");
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
switch_connection (HearthApplication *self)
{
  g_autofree char *uri = choose_uri (self);

  if (self->connection != NULL &&
      g_strcmp0 (hearth_connection_get_uri (self->connection), uri) == 0)
    return;

  g_debug ("Using connection %s", uri);

  drop_sampler (self);
  if (self->connection != NULL)
    {
      hearth_machine_collection_remove_connection (self->collection, self->connection);
      hearth_connection_close (self->connection);
      g_clear_object (&self->connection);
    }

  self->connection = hearth_connection_new (uri);
  /* Sandbox mode returns machines to their snapshot on power-off even when no
   * timeline is open, so the connection's sandbox exists from the start. */
  hearth_sandbox_get_for_connection (self->connection);
  hearth_snapshot_scheduler_get_for_connection (self->connection);
  hearth_machine_collection_add_connection (self->collection, self->connection);
  hearth_connection_open_async (self->connection, self->cancellable,
                                on_connection_opened_cb, NULL);

  self->sampler = hearth_stats_sampler_new (self->connection);
  hearth_stats_sampler_set_interval (self->sampler,
                                     g_settings_get_uint (self->settings, "stats-interval"));
  hearth_alert_engine_attach_sampler (self->alert_engine, self->sampler);
  update_alert_hold (self);
  self->idle_policy = hearth_idle_policy_new (self->sampler);
  /* Tiles and rows say "Saved while idle": have them look again. */
  g_signal_connect (self->idle_policy, "suspended", G_CALLBACK (on_idle_suspended_cb), NULL);
  hearth_ui_set_idle_policy (self->idle_policy);
  apply_idle_settings (self);
  hearth_metrics_exporter_add_sampler (self->metrics_exporter, self->sampler);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

static void
apply_color_scheme (HearthApplication *self)
{
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");
  AdwStyleManager *style_manager = adw_style_manager_get_default ();

  if (g_strcmp0 (scheme, "light") == 0)
    adw_style_manager_set_color_scheme (style_manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_strcmp0 (scheme, "dark") == 0)
    adw_style_manager_set_color_scheme (style_manager, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (style_manager, ADW_COLOR_SCHEME_DEFAULT);
}

static void
on_settings_changed_cb (GSettings         *settings,
                        const char        *key,
                        HearthApplication *self)
{
  if (g_strcmp0 (key, "color-scheme") == 0)
    apply_color_scheme (self);
  else if (g_strcmp0 (key, "default-uri") == 0 && self->connection != NULL)
    switch_connection (self);
  else if (g_strcmp0 (key, "alert-rules") == 0)
    load_alert_rules (self);
  else if (g_strcmp0 (key, "stats-interval") == 0 && self->sampler != NULL)
    hearth_stats_sampler_set_interval (self->sampler, g_settings_get_uint (settings, key));
  else if (g_strcmp0 (key, "idle-threshold") == 0 || g_strcmp0 (key, "idle-minutes") == 0)
    apply_idle_settings (self);
  else if (g_strcmp0 (key, "metrics-export") == 0 || g_strcmp0 (key, "metrics-port") == 0)
    update_metrics_export (self);
}

static HearthWindow *
ensure_window (HearthApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (HEARTH_IS_WINDOW (window))
    return HEARTH_WINDOW (window);

  return hearth_window_new (self);
}

static void
new_machine_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  HearthApplication *self = user_data;
  HearthWindow *window = ensure_window (self);

  if (self->connection == NULL)
    return;

  gtk_window_present (GTK_WINDOW (hearth_wizard_window_new (window, self->connection)));
}

/* One dashboard per connection: asking again brings it to the front. */
static void
dashboard_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  HearthApplication *self = user_data;
  HearthDashboardWindow *dashboard;

  if (self->connection == NULL)
    return;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (HEARTH_IS_DASHBOARD_WINDOW (l->data)
          && hearth_dashboard_window_get_connection (l->data) == self->connection)
        {
          gtk_window_present (GTK_WINDOW (l->data));
          return;
        }
    }

  dashboard = hearth_dashboard_window_new (GTK_APPLICATION (self), self->connection,
                                           self->settings,
                                           hearth_application_get_sampler (self),
                                           hearth_application_get_alert_engine (self));
  gtk_window_present (GTK_WINDOW (dashboard));
}

/* A machine's own resource page, one per machine: asking again brings it to
 * the front. The parameter is the machine's UUID. */
static void
machine_stats_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  HearthApplication *self = user_data;
  const char *uuid = g_variant_get_string (parameter, NULL);
  HearthMachine *machine;
  HearthMachineStatsWindow *window;

  if (self->connection == NULL || self->sampler == NULL
      || (machine = hearth_connection_find_machine (self->connection, uuid)) == NULL)
    return;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (HEARTH_IS_MACHINE_STATS_WINDOW (l->data)
          && hearth_machine_stats_window_get_machine (l->data) == machine)
        {
          gtk_window_present (GTK_WINDOW (l->data));
          return;
        }
    }

  window = hearth_machine_stats_window_new (GTK_APPLICATION (self), machine, self->settings,
                                            hearth_application_get_sampler (self),
                                            hearth_application_get_idle_policy (self));
  gtk_window_present (GTK_WINDOW (window));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  HearthApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *preferences;

  preferences = GTK_WINDOW (hearth_preferences_window_new (self->settings));
  gtk_window_set_transient_for (preferences, parent);
  gtk_window_present (preferences);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  HearthApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = {
    "The Hearth developers",
    NULL
  };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("Hearth"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Hearth developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Run virtual machines at home: safe sandboxes, "
                                      "throw-away test systems and small server labs."),
                        "developers", developers,
                        /* Translators: put your names here, one per line. */
                        "translator-credits", _("translator-credits"),
                        "copyright", "© 2026 The Hearth developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  HearthApplication *self = user_data;
  GList *windows;

  /* Close the windows rather than quitting outright, so each window can commit
   * the deletions whose Undo toast is still showing. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (windows);
}

static const GActionEntry app_actions[] = {
  { "new-machine", new_machine_activated },
  { "dashboard", dashboard_activated },
  { "machine-stats", machine_stats_activated, "s" },
  { "preferences", preferences_activated },
  { "about", about_activated },
  { "quit", quit_activated },
};

static void
hearth_application_startup (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_accels[] = { "<Control>n", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *dashboard_accels[] = { "<Control>m", NULL };

  G_APPLICATION_CLASS (hearth_application_parent_class)->startup (application);

  hearth_core_init ();

  self->settings = g_settings_new (HEARTH_SETTINGS_SCHEMA);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, 0);
  apply_color_scheme (self);

  self->alert_engine = hearth_alert_engine_new ();
  g_signal_connect_object (self->alert_engine, "fired", G_CALLBACK (on_alert_fired_cb), self, 0);
  load_alert_rules (self);

  self->metrics_exporter = hearth_metrics_exporter_new (NULL);
  update_metrics_export (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-machine", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.dashboard", dashboard_accels);

  self->collection = hearth_machine_collection_new ();
}

static int
hearth_application_command_line (GApplication            *application,
                                 GApplicationCommandLine *command_line)
{
  HearthApplication *self = HEARTH_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  g_autofree char *uri = NULL;
  g_autofree const char **machines = NULL;
  gboolean start = FALSE;
  HearthWindow *window;

  if (g_variant_dict_lookup (options, "connect", "s", &uri))
    {
      if (*uri == '\0' || g_uri_peek_scheme (uri) == NULL)
        {
          g_application_command_line_printerr (command_line,
                                               _("“%s” is not a connection URI. Use one like "
                                                 "qemu:///session or qemu:///system.\n"),
                                               uri);
          return EXIT_FAILURE;
        }
      g_free (self->override_uri);
      self->override_uri = g_steal_pointer (&uri);
    }

  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &machines);
  if (machines != NULL && machines[0] != NULL && machines[1] != NULL)
    {
      g_application_command_line_printerr (command_line,
                                           _("Give one machine at most.\n"));
      return EXIT_FAILURE;
    }
  g_variant_dict_lookup (options, "start", "b", &start);
  if (start && (machines == NULL || machines[0] == NULL))
    {
      g_application_command_line_printerr (command_line,
                                           _("--start needs the name of a machine.\n"));
      return EXIT_FAILURE;
    }

  switch_connection (self);

  window = ensure_window (self);
  if (machines != NULL && machines[0] != NULL)
    hearth_window_open_console (window, machines[0], start);
  gtk_window_present (GTK_WINDOW (window));

  return EXIT_SUCCESS;
}

static void
hearth_application_activate (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);

  switch_connection (self);
  gtk_window_present (GTK_WINDOW (ensure_window (self)));
}

static void
hearth_application_shutdown (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  if (self->metrics_exporter != NULL)
    hearth_metrics_exporter_stop (self->metrics_exporter);
  drop_sampler (self);
  if (self->connection != NULL)
    hearth_connection_close (self->connection);

  G_APPLICATION_CLASS (hearth_application_parent_class)->shutdown (application);
}

static void
hearth_application_dispose (GObject *object)
{
  HearthApplication *self = HEARTH_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_sampler (self);
  g_clear_object (&self->metrics_exporter);
  g_clear_object (&self->alert_engine);
  g_clear_object (&self->collection);
  g_clear_object (&self->connection);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hearth_application_parent_class)->dispose (object);
}

static void
hearth_application_finalize (GObject *object)
{
  HearthApplication *self = HEARTH_APPLICATION (object);

  g_free (self->override_uri);
  g_free (self->metrics_error);

  G_OBJECT_CLASS (hearth_application_parent_class)->finalize (object);
}

static void
hearth_application_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HearthApplication *self = HEARTH_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_METRICS_ERROR:
      g_value_set_string (value, self->metrics_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_application_class_init (HearthApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = hearth_application_dispose;
  object_class->finalize = hearth_application_finalize;
  object_class->get_property = hearth_application_get_property;

  app_class->startup = hearth_application_startup;
  app_class->command_line = hearth_application_command_line;
  app_class->activate = hearth_application_activate;
  app_class->shutdown = hearth_application_shutdown;

  /**
   * HearthApplication:connection:
   *
   * The connection the windows show; replaced when the default changes.
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         HEARTH_TYPE_CONNECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HearthApplication:metrics-error:
   *
   * Why the metrics endpoint the user turned on does not listen (a
   * developer's message), or %NULL.
   */
  properties[PROP_METRICS_ERROR] =
    g_param_spec_string ("metrics-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_application_init (HearthApplication *self)
{
  static const GOptionEntry options[] = {
    { "connect", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
      N_("Connect to URI instead of the default connection"), N_("URI") },
    { "start", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Start MACHINE when it is off, then show its screen"), NULL },
    { G_OPTION_REMAINING, 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING_ARRAY, NULL,
      NULL, N_("[MACHINE]") },
    { NULL }
  };

  self->cancellable = g_cancellable_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[MACHINE]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Run and manage virtual machines."));
}

HearthApplication *
hearth_application_new (void)
{
  return g_object_new (HEARTH_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       /* The Devel profile changes the id, not the resources. */
                       "resource-base-path", "/org/hearthvm/Hearth",
                       NULL);
}

GSettings *
hearth_application_get_settings (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->settings;
}

HearthConnection *
hearth_application_get_connection (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->connection;
}

/**
 * hearth_application_get_connect_override:
 *
 * Returns: (nullable): the URI given with `--connect`, which wins over the
 *   "default-uri" setting
 */
const char *
hearth_application_get_connect_override (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->override_uri;
}

HearthMachineCollection *
hearth_application_get_collection (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->collection;
}

void
hearth_application_retry_connection (HearthApplication *self)
{
  g_return_if_fail (HEARTH_IS_APPLICATION (self));

  if (self->connection == NULL)
    return;

  hearth_connection_open_async (self->connection, self->cancellable,
                                on_connection_opened_cb, NULL);
}

/**
 * hearth_application_get_sampler:
 *
 * Returns: (transfer none) (nullable): the stats sampler of the current
 *   connection, shared by the dashboard, the alert rules and the idle policy
 */
HearthStatsSampler *
hearth_application_get_sampler (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->sampler;
}

/**
 * hearth_application_get_alert_engine:
 *
 * Returns: (transfer none) (nullable): the engine that watches the alert
 *   rules of the settings
 */
HearthAlertEngine *
hearth_application_get_alert_engine (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->alert_engine;
}

/**
 * hearth_application_get_idle_policy:
 *
 * Returns: (transfer none) (nullable): the idle policy of the current
 *   connection
 */
HearthIdlePolicy *
hearth_application_get_idle_policy (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->idle_policy;
}

/**
 * hearth_application_get_metrics_exporter:
 *
 * Returns: (transfer none) (nullable): the metrics endpoint, which runs
 *   while the "metrics-export" setting is on
 */
HearthMetricsExporter *
hearth_application_get_metrics_exporter (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->metrics_exporter;
}

/**
 * hearth_application_get_metrics_error:
 *
 * Returns: (nullable): why the metrics endpoint the user turned on does not
 *   listen, or %NULL
 */
const char *
hearth_application_get_metrics_error (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);

  return self->metrics_error;
}
