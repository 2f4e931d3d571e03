/* hearth-sandbox-badge.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-sandbox-badge"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-sandbox-badge.h"

/**
 * HearthSandboxBadge:
 *
 * A small label that shows itself only while its machine is in sandbox mode, so
 * the grid's tiles, the list's rows and the console page say it the same way.
 * It follows the #HearthSandbox of the machine's connection, whose "changed"
 * signal names the machine whose choice changed. The label defaults to
 * "Sandbox"; the console page gives it a whole sentence and the "strip" style.
 */
struct _HearthSandboxBadge
{
  GtkWidget parent_instance;

  /* Owned. */
  HearthMachine *machine;
  GSignalGroup  *sandbox_signals; /* the machine's connection's HearthSandbox */
  GtkWidget     *label;           /* the only child */
  gboolean       active;
};

G_DEFINE_FINAL_TYPE (HearthSandboxBadge, hearth_sandbox_badge, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_MACHINE,
  PROP_ACTIVE,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_active (HearthSandboxBadge *self)
{
  g_autoptr(HearthSandbox) sandbox = g_signal_group_dup_target (self->sandbox_signals);
  gboolean active;

  active = sandbox != NULL && self->machine != NULL
           && hearth_sandbox_is_enabled (sandbox, self->machine);
  gtk_widget_set_visible (GTK_WIDGET (self), active);

  if (active == self->active)
    return;
  self->active = active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

static void
on_sandbox_changed_cb (HearthSandbox      *sandbox,
                       HearthMachine      *machine,
                       HearthSandboxBadge *self)
{
  if (machine == self->machine)
    update_active (self);
}

static void
hearth_sandbox_badge_dispose (GObject *object)
{
  HearthSandboxBadge *self = HEARTH_SANDBOX_BADGE (object);

  if (self->sandbox_signals != NULL)
    g_signal_group_set_target (self->sandbox_signals, NULL);
  g_clear_object (&self->sandbox_signals);
  g_clear_object (&self->machine);
  g_clear_pointer (&self->label, gtk_widget_unparent);

  G_OBJECT_CLASS (hearth_sandbox_badge_parent_class)->dispose (object);
}

static void
hearth_sandbox_badge_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HearthSandboxBadge *self = HEARTH_SANDBOX_BADGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      g_value_set_object (value, self->machine);
      break;
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    case PROP_LABEL:
      g_value_set_string (value, hearth_sandbox_badge_get_label (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_sandbox_badge_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HearthSandboxBadge *self = HEARTH_SANDBOX_BADGE (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      hearth_sandbox_badge_set_machine (self, g_value_get_object (value));
      break;
    case PROP_LABEL:
      hearth_sandbox_badge_set_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_sandbox_badge_class_init (HearthSandboxBadgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_sandbox_badge_dispose;
  object_class->get_property = hearth_sandbox_badge_get_property;
  object_class->set_property = hearth_sandbox_badge_set_property;

  /**
   * HearthSandboxBadge:machine:
   *
   * The machine whose sandbox mode the badge shows, or %NULL.
   */
  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthSandboxBadge:active:
   *
   * Whether the machine is in sandbox mode (and so the badge is shown).
   */
  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * HearthSandboxBadge:label:
   *
   * What the badge says.
   */
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "hearth-sandbox-badge");
}

static void
hearth_sandbox_badge_init (HearthSandboxBadge *self)
{
  self->label = gtk_label_new (_("Sandbox"));
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->label), GTK_JUSTIFY_CENTER);
  gtk_widget_set_parent (self->label, GTK_WIDGET (self));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Returns to a snapshot every time it powers off"));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);

  self->sandbox_signals = g_signal_group_new (HEARTH_TYPE_SANDBOX);
  g_signal_group_connect (self->sandbox_signals, "changed", G_CALLBACK (on_sandbox_changed_cb),
                          self);
  g_signal_group_connect_swapped (self->sandbox_signals, "notify::loaded",
                                  G_CALLBACK (update_active), self);
}

GtkWidget *
hearth_sandbox_badge_new (void)
{
  return g_object_new (HEARTH_TYPE_SANDBOX_BADGE, NULL);
}

/**
 * hearth_sandbox_badge_get_machine:
 *
 * Returns: (transfer none) (nullable): the machine
 */
HearthMachine *
hearth_sandbox_badge_get_machine (HearthSandboxBadge *self)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX_BADGE (self), NULL);

  return self->machine;
}

/**
 * hearth_sandbox_badge_set_machine:
 * @machine: (nullable): the machine to follow
 *
 * Follows @machine: the badge shows itself while it is in sandbox mode.
 */
void
hearth_sandbox_badge_set_machine (HearthSandboxBadge *self,
                                  HearthMachine      *machine)
{
  HearthConnection *connection;

  g_return_if_fail (HEARTH_IS_SANDBOX_BADGE (self));
  g_return_if_fail (!machine || HEARTH_IS_MACHINE (machine));

  if (!g_set_object (&self->machine, machine))
    return;

  connection = machine != NULL ? hearth_machine_get_connection (machine) : NULL;
  g_signal_group_set_target (self->sandbox_signals,
                             connection != NULL ? hearth_sandbox_get_for_connection (connection)
                                                : NULL);
  update_active (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE]);
}

/** hearth_sandbox_badge_get_active: Returns: whether the machine is in sandbox mode */
gboolean
hearth_sandbox_badge_get_active (HearthSandboxBadge *self)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX_BADGE (self), FALSE);

  return self->active;
}

/** hearth_sandbox_badge_get_label: Returns: (transfer none): what the badge says */
const char *
hearth_sandbox_badge_get_label (HearthSandboxBadge *self)
{
  g_return_val_if_fail (HEARTH_IS_SANDBOX_BADGE (self), NULL);

  return gtk_label_get_label (GTK_LABEL (self->label));
}

void
hearth_sandbox_badge_set_label (HearthSandboxBadge *self,
                                const char         *label)
{
  g_return_if_fail (HEARTH_IS_SANDBOX_BADGE (self));

  if (g_strcmp0 (label, hearth_sandbox_badge_get_label (self)) == 0)
    return;

  gtk_label_set_label (GTK_LABEL (self->label), label ? label : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}
