/* hearth-machine-row.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-machine-row"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-item.h"
#include "hearth-machine-row.h"
#include "hearth-sandbox-badge.h"
#include "hearth-ui-utils.h"

/**
 * HearthMachineRow:
 *
 * One machine in the list view: icon, name, "OS · 2 vCPUs · 4 GiB", the state,
 * a Sandbox badge for a machine in sandbox mode, and a menu button. Rows are
 * recycled by GtkListView; see HearthMachineTile.
 */
struct _HearthMachineRow
{
  GtkWidget parent_instance;

  /* Owned. */
  HearthMachine *machine;
  GSignalGroup  *machine_signals;

  /* Template children, most of them in item. */
  HearthMachineItem item;   /* the state's CSS class goes on the icon's frame too */
  GtkLabel  *subtitle_label;
  GtkWidget *menu_button;
};

G_DEFINE_FINAL_TYPE (HearthMachineRow, hearth_machine_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MACHINE,
  N_PROPS
};

enum {
  CONTEXT_MENU,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
update_subtitle (HearthMachineRow *self)
{
  HearthOsDatabase *osdb = hearth_os_database_get_default ();
  g_autofree char *hardware = NULL;
  g_autofree char *os_name = NULL;
  g_autofree char *subtitle = NULL;
  const char *os_id;

  if (self->machine == NULL)
    {
      gtk_label_set_label (self->subtitle_label, "");
      return;
    }

  hardware = hearth_ui_format_hardware (hearth_machine_get_vcpus (self->machine),
                                        hearth_machine_get_memory (self->machine));

  /* The OS database loads in the background; until it has, or for an OS it does
   * not know, the row simply leaves the OS name out. The window rebinds the rows
   * once it is loaded. */
  os_id = hearth_machine_get_os_id (self->machine);
  if (os_id != NULL && hearth_os_database_is_loaded (osdb))
    os_name = hearth_os_database_dup_name (osdb, os_id);

  if (os_name != NULL)
    /* Translators: an operating system and the hardware summary, as in
     * "Ubuntu 22.04 LTS · 2 vCPUs · 4 GiB". */
    subtitle = g_strdup_printf (_("%s · %s"), os_name, hardware);
  else
    subtitle = g_steal_pointer (&hardware);

  gtk_label_set_label (self->subtitle_label, subtitle);
}

static void
on_secondary_pressed_cb (GtkGestureClick  *gesture,
                         int               n_press,
                         double            x,
                         double            y,
                         HearthMachineRow *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_signal_emit (self, signals[CONTEXT_MENU], 0, x, y);
}

static void
on_long_pressed_cb (GtkGestureLongPress *gesture,
                    double               x,
                    double               y,
                    HearthMachineRow    *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_signal_emit (self, signals[CONTEXT_MENU], 0, x, y);
}

static void
on_menu_button_clicked_cb (GtkButton        *button,
                           HearthMachineRow *self)
{
  graphene_point_t point;
  graphene_point_t in_row;
  int width = gtk_widget_get_width (GTK_WIDGET (button));
  int height = gtk_widget_get_height (GTK_WIDGET (button));

  /* Point the menu at the button, as a GtkMenuButton would. */
  point = GRAPHENE_POINT_INIT (width / 2.f, height);
  if (!gtk_widget_compute_point (GTK_WIDGET (button), GTK_WIDGET (self), &point, &in_row))
    in_row = point;

  g_signal_emit (self, signals[CONTEXT_MENU], 0, (double) in_row.x, (double) in_row.y);
}

static void
hearth_machine_row_dispose (GObject *object)
{
  HearthMachineRow *self = HEARTH_MACHINE_ROW (object);
  GtkWidget *child;

  if (self->machine_signals != NULL)
    g_signal_group_set_target (self->machine_signals, NULL);
  g_clear_object (&self->machine_signals);
  g_clear_object (&self->machine);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_MACHINE_ROW);
  /* GTK 4.8 leaves the template's unnamed top-level box in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (hearth_machine_row_parent_class)->dispose (object);
}

static void
hearth_machine_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HearthMachineRow *self = HEARTH_MACHINE_ROW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HearthMachineRow *self = HEARTH_MACHINE_ROW (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hearth_machine_row_set_machine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_row_class_init (HearthMachineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_machine_row_dispose;
  object_class->get_property = hearth_machine_row_get_property;
  object_class->set_property = hearth_machine_row_set_property;

  /**
   * HearthMachineRow:machine:
   *
   * The machine shown, or %NULL while the row waits to be recycled.
   */
  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HEARTH_TYPE_MACHINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthMachineRow::context-menu:
   * @x: where the menu should point, in row coordinates
   * @y: where the menu should point, in row coordinates
   *
   * Emitted on a right click, a long press or a click on the menu button.
   */
  signals[CONTEXT_MENU] =
    g_signal_new ("context-menu",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  g_type_ensure (HEARTH_TYPE_SANDBOX_BADGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-machine-row.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "icon_frame", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.state_frame));
  gtk_widget_class_bind_template_child_full (widget_class, "icon", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.state_icon));
  gtk_widget_class_bind_template_child_full (widget_class, "name_label", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.name_label));
  gtk_widget_class_bind_template_child_full (widget_class, "state_dot", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.state_dot));
  gtk_widget_class_bind_template_child_full (widget_class, "state_label", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.state_label));
  gtk_widget_class_bind_template_child_full (widget_class, "busy_spinner", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineRow, item.busy_spinner));
  gtk_widget_class_bind_template_child (widget_class, HearthMachineRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineRow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, on_secondary_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_long_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_menu_button_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "hearth-machine-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hearth_machine_row_init (HearthMachineRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->item.widget = GTK_WIDGET (self);
  self->machine_signals = g_signal_group_new (HEARTH_TYPE_MACHINE);
  hearth_machine_item_connect (&self->item, self->machine_signals);
  g_signal_group_connect_swapped (self->machine_signals, "notify::os-id",
                                  G_CALLBACK (update_subtitle), self);
  g_signal_group_connect_swapped (self->machine_signals, "notify::vcpus",
                                  G_CALLBACK (update_subtitle), self);
  g_signal_group_connect_swapped (self->machine_signals, "notify::memory",
                                  G_CALLBACK (update_subtitle), self);
}

GtkWidget *
hearth_machine_row_new (void)
{
  return g_object_new (HEARTH_TYPE_MACHINE_ROW, NULL);
}

HearthMachine *
hearth_machine_row_get_machine (HearthMachineRow *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_ROW (self), NULL);

  return self->machine;
}

void
hearth_machine_row_set_machine (HearthMachineRow *self,
                                HearthMachine    *machine)
{
  g_return_if_fail (HEARTH_IS_MACHINE_ROW (self));
  g_return_if_fail (!machine || HEARTH_IS_MACHINE (machine));

  if (!g_set_object (&self->machine, machine))
    return;

  g_signal_group_set_target (self->machine_signals, machine);
  hearth_machine_item_update (&self->item, machine);
  update_subtitle (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}
