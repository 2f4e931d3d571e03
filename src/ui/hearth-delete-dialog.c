/* hearth-delete-dialog.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-delete-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-delete-dialog.h"

/**
 * HearthDeleteDialog:
 *
 * Asks before a machine is deleted and says what goes: the machine itself, and
 * only if the user ticks the boxes, its disk images (those in storage pools,
 * and separately those outside any pool). Read-only and removable media are
 * never deleted, so they are not offered.
 */
struct _HearthDeleteDialog
{
  AdwMessageDialog parent_instance;

  /* Owned. */
  HearthMachine *machine;
  GCancellable  *cancellable;

  /* Template children. */
  GtkWidget   *loading_box;
  GtkLabel    *storage_error_label;
  GtkWidget   *volumes_box;
  GtkCheckButton *volumes_check;
  GtkListBox  *volumes_list;
  GtkWidget   *files_box;
  GtkCheckButton *files_check;
  GtkListBox  *files_list;
};

G_DEFINE_FINAL_TYPE (HearthDeleteDialog, hearth_delete_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_MACHINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkWidget *
create_storage_row (const HearthStorageItem *item)
{
  g_autofree char *basename = g_path_get_basename (item->path);
  g_autofree char *size = NULL;
  GtkWidget *row;
  GtkWidget *size_label;
  guint64 bytes = item->allocation ? item->allocation : item->capacity;

  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), basename);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), item->path);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

  if (bytes > 0)
    {
      size = g_format_size (bytes);
      size_label = gtk_label_new (size);
      gtk_widget_add_css_class (size_label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), size_label);
    }

  return row;
}

static void
update_sensitivity (HearthDeleteDialog *self)
{
  gboolean has_volumes = gtk_widget_get_visible (self->volumes_box);

  /* Files outside pools are a second, separate decision. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->files_check),
                            !has_volumes || gtk_check_button_get_active (self->volumes_check));
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->files_check)))
    gtk_check_button_set_active (self->files_check, FALSE);
}

static void
on_volumes_check_toggled_cb (HearthDeleteDialog *self)
{
  update_sensitivity (self);
}

static void
on_storage_listed_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(HearthDeleteDialog) self = user_data;  /* owned, see constructed() */
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  guint n_volumes = 0;
  guint n_files = 0;

  items = hearth_machine_list_storage_finish (HEARTH_MACHINE (object), result, &error);
  /* Closed in the meantime: its children are gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_set_visible (self->loading_box, FALSE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "delete", TRUE);

  if (items == NULL)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("The disk images could not be listed, so they are kept. (%s)"),
                              error->message);
      gtk_label_set_label (self->storage_error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->storage_error_label), TRUE);
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      const HearthStorageItem *item = g_ptr_array_index (items, i);

      if (item->readonly || item->path == NULL || g_strcmp0 (item->device, "disk") != 0)
        continue;

      if (item->in_pool)
        {
          gtk_list_box_append (self->volumes_list, create_storage_row (item));
          n_volumes++;
        }
      else
        {
          gtk_list_box_append (self->files_list, create_storage_row (item));
          n_files++;
        }
    }

  gtk_widget_set_visible (self->volumes_box, n_volumes > 0);
  gtk_widget_set_visible (self->files_box, n_files > 0);

  if (n_volumes == 0 && n_files == 0)
    {
      gtk_label_set_label (self->storage_error_label,
                           _("This machine has no disk images of its own."));
      gtk_widget_set_visible (GTK_WIDGET (self->storage_error_label), TRUE);
    }
  else
    {
      g_autofree char *label = NULL;

      label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Also delete the disk image outside storage pools",
                                            "Also delete the %u disk images outside storage pools",
                                            n_files),
                               n_files);
      gtk_check_button_set_label (self->files_check, label);
    }

  update_sensitivity (self);
}

static void
update_text (HearthDeleteDialog *self)
{
  const char *name = hearth_machine_get_display_name (self->machine);
  g_autofree char *heading = NULL;
  GString *body = g_string_new (NULL);

  heading = g_strdup_printf (_("Delete “%s”?"), name);
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);

  if (hearth_machine_is_active (self->machine))
    g_string_append (body, _("The machine is running. It will be forced off first, and unsaved "
                             "work in it is lost. "));

  if (hearth_machine_get_persistent (self->machine))
    g_string_append (body, _("Its settings are removed; you can undo this for a few seconds. "
                             "Disk images are kept unless you choose otherwise below."));
  else
    g_string_append (body, _("This machine is temporary: once deleted it cannot be brought back. "
                             "Disk images are kept unless you choose otherwise below."));

  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body->str);
  g_string_free (body, TRUE);
}

static void
hearth_delete_dialog_constructed (GObject *object)
{
  HearthDeleteDialog *self = HEARTH_DELETE_DIALOG (object);

  G_OBJECT_CLASS (hearth_delete_dialog_parent_class)->constructed (object);

  g_assert (self->machine != NULL);

  update_text (self);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "delete", FALSE);
  /* A reference, not the unowned pointer: the listing may complete in the same
   * main-loop turn that closes the dialog, before the cancellation is seen. */
  hearth_machine_list_storage_async (self->machine, self->cancellable,
                                     on_storage_listed_cb, g_object_ref (self));
}

static void
hearth_delete_dialog_dispose (GObject *object)
{
  HearthDeleteDialog *self = HEARTH_DELETE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->machine);

  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_DELETE_DIALOG);

  G_OBJECT_CLASS (hearth_delete_dialog_parent_class)->dispose (object);
}

static void
hearth_delete_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HearthDeleteDialog *self = HEARTH_DELETE_DIALOG (object);

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
hearth_delete_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HearthDeleteDialog *self = HEARTH_DELETE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_MACHINE:
      self->machine = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_delete_dialog_class_init (HearthDeleteDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hearth_delete_dialog_constructed;
  object_class->dispose = hearth_delete_dialog_dispose;
  object_class->get_property = hearth_delete_dialog_get_property;
  object_class->set_property = hearth_delete_dialog_set_property;

  /**
   * HearthDeleteDialog:machine:
   *
   * The machine to delete.
   */
  properties[PROP_MACHINE] =
    g_param_spec_object ("machine", NULL, NULL,
                         HEARTH_TYPE_MACHINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-delete-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, loading_box);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, storage_error_label);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, volumes_box);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, volumes_check);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, volumes_list);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, files_box);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, files_check);
  gtk_widget_class_bind_template_child (widget_class, HearthDeleteDialog, files_list);
  gtk_widget_class_bind_template_callback (widget_class, on_volumes_check_toggled_cb);
}

static void
hearth_delete_dialog_init (HearthDeleteDialog *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

HearthDeleteDialog *
hearth_delete_dialog_new (GtkWindow     *parent,
                          HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_object_new (HEARTH_TYPE_DELETE_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "machine", machine,
                       NULL);
}

HearthMachine *
hearth_delete_dialog_get_machine (HearthDeleteDialog *self)
{
  g_return_val_if_fail (HEARTH_IS_DELETE_DIALOG (self), NULL);

  return self->machine;
}

HearthDeleteFlags
hearth_delete_dialog_get_flags (HearthDeleteDialog *self)
{
  HearthDeleteFlags flags = HEARTH_DELETE_FLAGS_NONE;

  g_return_val_if_fail (HEARTH_IS_DELETE_DIALOG (self), HEARTH_DELETE_FLAGS_NONE);

  if (gtk_widget_get_visible (self->volumes_box) &&
      gtk_check_button_get_active (self->volumes_check))
    flags |= HEARTH_DELETE_FLAGS_STORAGE_VOLUMES;
  if (gtk_widget_get_visible (self->files_box) &&
      gtk_widget_get_sensitive (GTK_WIDGET (self->files_check)) &&
      gtk_check_button_get_active (self->files_check))
    flags |= HEARTH_DELETE_FLAGS_OUTSIDE_FILES;

  return flags;
}
