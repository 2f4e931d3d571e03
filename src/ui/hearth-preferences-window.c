/* hearth-preferences-window.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-application.h"
#include "hearth-core.h"
#include "hearth-preferences-window.h"

/**
 * HearthPreferencesWindow:
 *
 * The default connection, the style, the machine view, the sampling interval
 * and the metrics export. Everything is stored in GSettings at once; the
 * application reacts to the changes (it starts and stops the metrics
 * endpoint, and this window shows its address or why it does not listen).
 */
struct _HearthPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* Owned. */
  GSettings *settings;

  /* Template children. */
  AdwEntryRow  *uri_row;
  AdwActionRow *automatic_row;
  GtkWidget    *automatic_button;
  GtkSpinButton *interval_spin;
  GtkSwitch    *export_switch;
  GtkSpinButton *port_spin;
  AdwActionRow *address_row;
};

G_DEFINE_FINAL_TYPE (HearthPreferencesWindow, hearth_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_uri_rows (HearthPreferencesWindow *self)
{
  g_autofree char *uri = g_settings_get_string (self->settings, "default-uri");
  g_autofree char *automatic = hearth_connection_dup_default_uri ();
  g_autofree char *subtitle = NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->uri_row), uri && *uri ? uri : automatic);
  gtk_widget_remove_css_class (GTK_WIDGET (self->uri_row), "error");

  /* Translators: %s is a connection URI such as qemu:///session. */
  subtitle = g_strdup_printf (_("For your account: %s"), automatic);
  adw_action_row_set_subtitle (self->automatic_row, subtitle);
  gtk_widget_set_sensitive (self->automatic_button, uri != NULL && *uri != '\0');
}

static void
on_uri_apply_cb (AdwEntryRow             *row,
                 HearthPreferencesWindow *self)
{
  g_autofree char *uri = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autofree char *message = NULL;
  GApplication *app;

  if (*uri == '\0' || g_uri_peek_scheme (uri) == NULL || strstr (uri, ":/") == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      if (*uri == '\0')
        message = g_strdup (_("Enter a connection URI, such as qemu:///session, or use the "
                              "automatic connection."));
      else
        message = g_strdup_printf (_("“%s” is not a connection URI. Use one like "
                                     "qemu:///session or qemu+ssh://user@host/system."),
                                   uri);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
      return;
    }

  g_settings_set_string (self->settings, "default-uri", uri);

  /* Say so when `--connect` keeps this window on another connection for now. */
  app = g_application_get_default ();
  if (HEARTH_IS_APPLICATION (app) &&
      hearth_application_get_connect_override (HEARTH_APPLICATION (app)) != NULL)
    message = g_strdup_printf (_("Hearth uses %s from its next start; it was started with "
                                 "another connection on the command line"),
                               uri);
  else
    message = g_strdup_printf (_("Hearth now uses %s"), uri);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
on_uri_changed_cb (HearthPreferencesWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->uri_row), "error");
}

static void
on_automatic_clicked_cb (HearthPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "default-uri", "");
}

static void
on_interval_changed_cb (HearthPreferencesWindow *self,
                        GtkSpinButton           *spin)
{
  /* The template sets the spin button up before the settings are known. */
  if (self->settings == NULL)
    return;
  g_settings_set_uint (self->settings, "stats-interval",
                       (guint) (gtk_spin_button_get_value (spin) * 1000 + 0.5));
}

static void
on_port_changed_cb (HearthPreferencesWindow *self,
                    GtkSpinButton           *spin)
{
  /* The template sets the spin button up before the settings are known. */
  if (self->settings == NULL)
    return;
  g_settings_set (self->settings, "metrics-port", "q",
                  (guint16) gtk_spin_button_get_value_as_int (spin));
}

/* The address to give Prometheus while the endpoint listens, or why it does
 * not. The application acts on the settings before this window hears of them. */
static void
update_metrics_rows (HearthPreferencesWindow *self)
{
  GApplication *app = g_application_get_default ();
  HearthMetricsExporter *exporter = NULL;
  const char *failure = NULL;
  g_autofree char *text = NULL;
  guint16 port;

  g_settings_get (self->settings, "metrics-port", "q", &port);
  if (gtk_spin_button_get_value_as_int (self->port_spin) != port)
    gtk_spin_button_set_value (self->port_spin, port);

  if (HEARTH_IS_APPLICATION (app))
    {
      exporter = hearth_application_get_metrics_exporter (HEARTH_APPLICATION (app));
      failure = hearth_application_get_metrics_error (HEARTH_APPLICATION (app));
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
  if (exporter != NULL && hearth_metrics_exporter_get_running (exporter))
    text = g_strdup_printf ("http://127.0.0.1:%u/metrics",
                            hearth_metrics_exporter_get_port (exporter));
  else if (g_settings_get_boolean (self->settings, "metrics-export") && failure != NULL)
    {
      /* Translators: the metrics endpoint cannot listen; %u is the port. */
      text = g_strdup_printf (_("Port %u cannot be used (another program may have it); "
                                "choose another one"),
                              port);
      gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
    }
  else
    text = g_strdup (_("Off"));
  adw_action_row_set_subtitle (self->address_row, text);
}

static void
update_interval (HearthPreferencesWindow *self)
{
  double seconds = g_settings_get_uint (self->settings, "stats-interval") / 1000.0;

  if (gtk_spin_button_get_value (self->interval_spin) != seconds)
    gtk_spin_button_set_value (self->interval_spin, seconds);
}

static void
hearth_preferences_window_constructed (GObject *object)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (object);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GAction) color_scheme = NULL;
  g_autoptr(GAction) view_mode = NULL;
  GApplication *app;

  G_OBJECT_CLASS (hearth_preferences_window_parent_class)->constructed (object);

  /* Radio check buttons in the .ui name these stateful actions with a target. */
  color_scheme = g_settings_create_action (self->settings, "color-scheme");
  view_mode = g_settings_create_action (self->settings, "view-mode");
  g_action_map_add_action (G_ACTION_MAP (group), color_scheme);
  g_action_map_add_action (G_ACTION_MAP (group), view_mode);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "prefs", G_ACTION_GROUP (group));

  g_signal_connect_object (self->settings, "changed::default-uri",
                           G_CALLBACK (update_uri_rows), self, G_CONNECT_SWAPPED);
  update_uri_rows (self);

  g_settings_bind (self->settings, "metrics-export", self->export_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::metrics-export",
                           G_CALLBACK (update_metrics_rows), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::metrics-port",
                           G_CALLBACK (update_metrics_rows), self, G_CONNECT_SWAPPED);
  app = g_application_get_default ();
  if (HEARTH_IS_APPLICATION (app))
    g_signal_connect_object (app, "notify::metrics-error",
                             G_CALLBACK (update_metrics_rows), self, G_CONNECT_SWAPPED);
  update_metrics_rows (self);

  g_signal_connect_object (self->settings, "changed::stats-interval",
                           G_CALLBACK (update_interval), self, G_CONNECT_SWAPPED);
  update_interval (self);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

static void
hearth_preferences_window_dispose (GObject *object)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hearth_preferences_window_parent_class)->dispose (object);
}

static void
hearth_preferences_window_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_preferences_window_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_preferences_window_class_init (HearthPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hearth_preferences_window_constructed;
  object_class->dispose = hearth_preferences_window_dispose;
  object_class->get_property = hearth_preferences_window_get_property;
  object_class->set_property = hearth_preferences_window_set_property;

  /**
   * HearthPreferencesWindow:settings:
   *
   * The application's org.hearthvm.Hearth settings.
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, uri_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, automatic_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, automatic_button);
  gtk_widget_class_bind_template_callback (widget_class, on_uri_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_uri_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_automatic_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_interval_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_port_changed_cb);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, export_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, address_row);
}

static void
hearth_preferences_window_init (HearthPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

HearthPreferencesWindow *
hearth_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HEARTH_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}
