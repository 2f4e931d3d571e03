/* hearth-machine-tile.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-machine-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-item.h"
#include "hearth-machine-tile.h"
#include "hearth-sandbox-badge.h"
#include "hearth-ui-utils.h"

/**
 * HearthMachineTile:
 *
 * One machine in the grid view: a 16:10 thumbnail area, the name and the state.
 * Tiles are recycled by GtkGridView, so everything a tile shows comes from the
 * machine set last, and the handlers on the previous machine are dropped through
 * one GSignalGroup. A HearthSandboxBadge in the template, bound to :machine,
 * marks machines in sandbox mode.
 */
struct _HearthMachineTile
{
  GtkWidget parent_instance;

  /* Owned. */
  HearthMachine *machine;
  GSignalGroup  *machine_signals;

  /* Template children, most of them in item. */
  HearthMachineItem item;   /* the state's CSS class goes on the thumbnail too */
};

G_DEFINE_FINAL_TYPE (HearthMachineTile, hearth_machine_tile, GTK_TYPE_WIDGET)

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
on_secondary_pressed_cb (GtkGestureClick   *gesture,
                         int                n_press,
                         double             x,
                         double             y,
                         HearthMachineTile *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_signal_emit (self, signals[CONTEXT_MENU], 0, x, y);
}

static void
on_long_pressed_cb (GtkGestureLongPress *gesture,
                    double               x,
                    double               y,
                    HearthMachineTile   *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_signal_emit (self, signals[CONTEXT_MENU], 0, x, y);
}

static void
hearth_machine_tile_dispose (GObject *object)
{
  HearthMachineTile *self = HEARTH_MACHINE_TILE (object);
  GtkWidget *child;

  if (self->machine_signals != NULL)
    g_signal_group_set_target (self->machine_signals, NULL);
  g_clear_object (&self->machine_signals);
  g_clear_object (&self->machine);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_MACHINE_TILE);
  /* GTK 4.8 leaves the template's unnamed top-level box in place. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (hearth_machine_tile_parent_class)->dispose (object);
}

static void
hearth_machine_tile_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HearthMachineTile *self = HEARTH_MACHINE_TILE (object);

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
hearth_machine_tile_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HearthMachineTile *self = HEARTH_MACHINE_TILE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hearth_machine_tile_set_machine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_tile_class_init (HearthMachineTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_machine_tile_dispose;
  object_class->get_property = hearth_machine_tile_get_property;
  object_class->set_property = hearth_machine_tile_set_property;

  /**
   * HearthMachineTile:machine:
   *
   * The machine shown, or %NULL while the tile waits to be recycled.
   */
  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HEARTH_TYPE_MACHINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthMachineTile::context-menu:
   * @x: where the menu was asked for, in tile coordinates
   * @y: where the menu was asked for, in tile coordinates
   *
   * Emitted on a right click or a long press; the window shows the machine menu.
   */
  signals[CONTEXT_MENU] =
    g_signal_new ("context-menu",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);

  g_type_ensure (HEARTH_TYPE_SANDBOX_BADGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-machine-tile.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "thumbnail", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.state_frame));
  gtk_widget_class_bind_template_child_full (widget_class, "state_icon", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.state_icon));
  gtk_widget_class_bind_template_child_full (widget_class, "busy_spinner", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.busy_spinner));
  gtk_widget_class_bind_template_child_full (widget_class, "state_dot", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.state_dot));
  gtk_widget_class_bind_template_child_full (widget_class, "name_label", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.name_label));
  gtk_widget_class_bind_template_child_full (widget_class, "state_label", FALSE,
                                             G_STRUCT_OFFSET (HearthMachineTile, item.state_label));
  gtk_widget_class_bind_template_callback (widget_class, on_secondary_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_long_pressed_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "hearth-machine-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hearth_machine_tile_init (HearthMachineTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->item.widget = GTK_WIDGET (self);
  self->machine_signals = g_signal_group_new (HEARTH_TYPE_MACHINE);
  hearth_machine_item_connect (&self->item, self->machine_signals);
}

GtkWidget *
hearth_machine_tile_new (void)
{
  return g_object_new (HEARTH_TYPE_MACHINE_TILE, NULL);
}

HearthMachine *
hearth_machine_tile_get_machine (HearthMachineTile *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_TILE (self), NULL);

  return self->machine;
}

void
hearth_machine_tile_set_machine (HearthMachineTile *self,
                                 HearthMachine     *machine)
{
  g_return_if_fail (HEARTH_IS_MACHINE_TILE (self));
  g_return_if_fail (!machine || HEARTH_IS_MACHINE (machine));

  if (!g_set_object (&self->machine, machine))
    return;

  g_signal_group_set_target (self->machine_signals, machine);
  hearth_machine_item_update (&self->item, machine);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}
