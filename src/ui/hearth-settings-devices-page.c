/* hearth-settings-devices-page.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-devices.h"
#include "hearth-settings-devices-page.h"

/**
 * HearthSettingsDevicesPage:
 *
 * The "Sharing" page of a machine's settings: folders shared with virtiofs
 * (with what the guest needs to open them) and USB devices attached for good.
 * A change applies when the user makes it, through #HearthMachineDevices; a
 * refusal shows in place under its group with the reason, and a change a
 * running machine only gets on its next start says so in a toast. The page
 * reads the devices again each time it is shown, so an edit made on another
 * page (Edit XML) or a machine started meanwhile is seen.
 */
struct _HearthSettingsDevicesPage
{
  AdwPreferencesPage parent_instance;

  /* Owned, main thread only. */
  HearthMachine        *machine;
  HearthMachineDevices *devices;     /* NULL until loaded */
  GCancellable         *cancellable;
  GtkFileChooserNative *chooser;
  GtkWidget            *folders_error;
  GtkWidget            *usb_error;
  gboolean              populating;  /* switches are being set from the model */
  gboolean              loading;
  HearthSnapshotTree   *snapshot_tree;   /* owned, or NULL: no snapshot before a change */
  char                 *snapshot_reason;

  /* Template children. */
  AdwPreferencesGroup *folders_group;
  GtkWidget           *add_folder_button;
  GtkListBox          *folders_list;
  AdwPreferencesGroup *guest_group;
  GtkLabel            *mount_label;
  GtkLabel            *fstab_label;
  AdwPreferencesGroup *usb_group;
  GtkListBox          *usb_list;
};

G_DEFINE_FINAL_TYPE (HearthSettingsDevicesPage, hearth_settings_devices_page,
                     ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_MACHINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  ADD_FOLDER,
  REMOVE_FOLDER,
  ATTACH_USB,
  DETACH_USB,
} Change;

/* Errors and toasts ------------------------------------------------------------------- */

/* A translated sentence and, smaller, the core's English detail, under a group. */
static GtkWidget *
add_error_area (AdwPreferencesGroup *group)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *sentence = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_label_set_wrap (GTK_LABEL (sentence), TRUE);
  gtk_label_set_xalign (GTK_LABEL (sentence), 0);
  gtk_widget_add_css_class (sentence, "error");
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_selectable (GTK_LABEL (detail), TRUE);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_box_append (GTK_BOX (box), sentence);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_widget_set_visible (box, FALSE);
  adw_preferences_group_add (group, box);
  return box;
}

static void
show_error (GtkWidget    *area,
            const char   *sentence,
            const GError *error)
{
  GtkWidget *sentence_label = gtk_widget_get_first_child (area);
  GtkWidget *detail_label = gtk_widget_get_next_sibling (sentence_label);

  gtk_label_set_text (GTK_LABEL (sentence_label), sentence);
  gtk_label_set_text (GTK_LABEL (detail_label), error != NULL ? error->message : "");
  gtk_widget_set_visible (detail_label, error != NULL);
  gtk_widget_set_visible (area, TRUE);
}

static void
hide_errors (HearthSettingsDevicesPage *self)
{
  gtk_widget_set_visible (self->folders_error, FALSE);
  gtk_widget_set_visible (self->usb_error, FALSE);
}

/* The translated sentence for a refusal, by what was asked and the error code;
 * the core's message is for developers and only the detail. */
static const char *
refusal_sentence (Change        change,
                  const GError *error)
{
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_BUSY))
    return _("Another operation on this machine is under way. Try again when it is done.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST))
    return _("The connection to the virtualization service was lost. Nothing was changed.");

  switch (change)
    {
    case ADD_FOLDER:
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND))
        return _("This folder does not exist. Nothing was changed.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN))
        return _("This folder is shared with the machine already.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT))
        return _("Only a folder can be shared, not a file. Nothing was changed.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
        return _("Folders cannot be shared with this machine. Nothing was changed.");
      return _("The folder could not be shared. Nothing was changed.");
    case REMOVE_FOLDER:
      return _("The folder could not be removed from the machine.");
    case ATTACH_USB:
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN))
        return _("This device is attached to the machine already.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_PERMISSION_DENIED))
        return _("Hearth may not use this device. Give your user access to it, or use the "
                 "system connection. Nothing was changed.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
        return _("The running machine cannot take this device now. Nothing was changed.");
      return _("The device could not be attached. Nothing was changed.");
    case DETACH_USB:
    default:
      return _("The device could not be detached from the machine.");
    }
}

static void
toast (HearthSettingsDevicesPage *self,
       const char                *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  AdwToast *toast;

  if (!ADW_IS_PREFERENCES_WINDOW (root))
    return;
  /* The newest change is what the user waits to hear about: no queueing. */
  toast = adw_toast_new (text);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
}

/* Filling the lists -------------------------------------------------------------------- */

static void remove_folder_clicked_cb (GtkButton                 *button,
                                      HearthSettingsDevicesPage *self);
static void usb_switch_cb            (GtkSwitch                 *toggle,
                                      GParamSpec                *pspec,
                                      HearthSettingsDevicesPage *self);

/* Removes the rows, keeping the placeholder (also a child of the list). */
static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

static GtkWidget *
make_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

/* The focused widget when it is inside @list, so a rebuilt list can give the
 * focus back instead of dropping it with the old rows. */
static GtkWidget *
get_focus_in (GtkListBox *list)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (list));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (list)) ? focus : NULL;
}

static const char *
unavailable_reason (HearthVirtiofsSupport support)
{
  switch (support)
    {
    case HEARTH_VIRTIOFS_NO_DRIVER:
      return _("Folders cannot be shared here: this computer's hypervisor has no virtiofs "
               "device.");
    case HEARTH_VIRTIOFS_NO_DAEMON:
      return _("Folders cannot be shared here: virtiofsd is not installed on this computer. "
               "Install the “virtiofsd” package, then open the settings again.");
    case HEARTH_VIRTIOFS_SESSION:
      return _("Folders cannot be shared with your own machines with this version of libvirt "
               "(before 10.0); machines of the system connection can share them.");
    case HEARTH_VIRTIOFS_AVAILABLE:
    default:
      return NULL;
    }
}

static void
populate_folders (HearthSettingsDevicesPage *self)
{
  GPtrArray *folders = hearth_machine_devices_get_folders (self->devices);
  HearthVirtiofsSupport support = hearth_machine_devices_get_virtiofs (self->devices);
  const char *reason = unavailable_reason (support);
  const char *example_tag = NULL;
  g_autofree char *mount = NULL;
  g_autofree char *fstab = NULL;
  gboolean had_focus = get_focus_in (self->folders_list) != NULL;

  clear_list (self->folders_list);
  for (guint i = 0; i < folders->len; i++)
    {
      HearthSharedFolder *folder = g_ptr_array_index (folders, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button;
      g_autofree char *base = folder->source != NULL ? g_path_get_basename (folder->source)
                                                     : NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *accessible = NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     base != NULL ? base : _("Unknown folder"));
      if (g_strcmp0 (folder->driver, "virtiofs") == 0)
        /* Translators: a shared folder's subtitle: its path and the tag the
         * machine mounts it by. */
        subtitle = g_strdup_printf (_("%s · tag “%s”"),
                                    folder->source != NULL ? folder->source : "",
                                    folder->tag != NULL ? folder->tag : "");
      else
        /* Translators: a share made by another tool with the older 9p protocol. */
        subtitle = g_strdup_printf (_("%s · tag “%s” · 9p, not virtiofs"),
                                    folder->source != NULL ? folder->source : "",
                                    folder->tag != NULL ? folder->tag : "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("folder-symbolic"));
      if (folder->source != NULL)
        gtk_widget_set_tooltip_text (row, folder->source);

      button = gtk_button_new_from_icon_name ("user-trash-symbolic");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Stop sharing this folder; its files stay"));
      /* Translators: accessible name of a button; %s is a shared folder's tag. */
      accessible = g_strdup_printf (_("Stop sharing %s"), folder->tag);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      g_object_set_data_full (G_OBJECT (button), "tag", g_strdup (folder->tag), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (remove_folder_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->folders_list, row);

      if (example_tag == NULL && g_strcmp0 (folder->driver, "virtiofs") == 0)
        example_tag = folder->tag;
    }

  if (reason != NULL)
    adw_preferences_group_set_description (self->folders_group, reason);
  else
    adw_preferences_group_set_description (
      self->folders_group,
      _("Folders of this computer the machine can open. Its files stay here; the machine "
        "reads and writes them directly."));
  gtk_widget_set_sensitive (self->add_folder_button, reason == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->folders_list), folders->len > 0 || reason == NULL);
  /* The removed share's button had the focus: Add Folder is the next thing to do. */
  if (had_focus)
    gtk_widget_grab_focus (reason == NULL ? self->add_folder_button
                                          : GTK_WIDGET (self->folders_list));

  /* The commands name a real tag once there is a share. */
  if (example_tag == NULL)
    /* Translators: stands for a shared folder's tag in the example commands. */
    example_tag = C_("mount tag", "TAG");
  mount = g_strdup_printf ("sudo mount -t virtiofs %s /mnt", example_tag);
  fstab = g_strdup_printf ("%s  /mnt  virtiofs  defaults  0  0", example_tag);
  gtk_label_set_text (self->mount_label, mount);
  gtk_label_set_text (self->fstab_label, fstab);
  gtk_widget_set_visible (GTK_WIDGET (self->guest_group), reason == NULL || folders->len > 0);
}

static void
populate_usb (HearthSettingsDevicesPage *self)
{
  GPtrArray *usb = hearth_machine_devices_get_usb_devices (self->devices);
  gboolean has_usb = hearth_machine_devices_get_usb_controller (self->devices);
  GtkWidget *focus = get_focus_in (self->usb_list);
  guint focus_vendor = G_MAXUINT, focus_product = G_MAXUINT;
  GtkWidget *refocus = NULL;

  if (focus != NULL && GTK_IS_SWITCH (focus))
    {
      focus_vendor = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (focus), "vendor"));
      focus_product = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (focus), "product"));
    }

  self->populating = TRUE;
  clear_list (self->usb_list);
  for (guint i = 0; i < usb->len; i++)
    {
      HearthUsbDevice *device = g_ptr_array_index (usb, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *ids = g_strdup_printf ("%04x:%04x", device->vendor_id,
                                              device->product_id);
      g_autofree char *subtitle = NULL;
      g_autofree char *accessible = NULL;
      const char *title = device->product != NULL ? device->product : _("USB Device");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (device->node == NULL)
        /* Translators: a USB device's subtitle; %s is its vendor:product id. */
        subtitle = g_strdup_printf (_("%s · not plugged into this computer"), ids);
      else if (device->vendor != NULL)
        /* Translators: a USB device's subtitle: its maker and vendor:product id. */
        subtitle = g_strdup_printf (_("%s · %s"), device->vendor, ids);
      else
        subtitle = g_strdup (ids);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("media-removable-symbolic"));

      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (toggle), device->attached);
      /* Translators: accessible name of a switch; %s is a USB device's name. */
      accessible = g_strdup_printf (_("Attach %s to the machine"), title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      g_object_set_data (G_OBJECT (toggle), "vendor", GUINT_TO_POINTER (device->vendor_id));
      g_object_set_data (G_OBJECT (toggle), "product", GUINT_TO_POINTER (device->product_id));
      /* A device that is not there can only be detached. */
      gtk_widget_set_sensitive (toggle, has_usb && (device->attached || device->node != NULL));
      g_signal_connect (toggle, "notify::active", G_CALLBACK (usb_switch_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      gtk_list_box_append (self->usb_list, row);
      if (device->vendor_id == focus_vendor && device->product_id == focus_product)
        refocus = toggle;
    }
  self->populating = FALSE;
  if (focus != NULL)
    gtk_widget_grab_focus (refocus != NULL ? refocus : GTK_WIDGET (self->usb_list));

  if (!has_usb)
    adw_preferences_group_set_description (self->usb_group,
                                           _("This machine has no USB controller, so it "
                                             "cannot have USB devices."));
  else
    adw_preferences_group_set_description (
      self->usb_group,
      _("A device switched on here belongs to the machine whenever it runs, and this "
        "computer cannot use it meanwhile."));
}

static void
populate (HearthSettingsDevicesPage *self)
{
  populate_folders (self);
  populate_usb (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self), TRUE);
}

/* Changes ------------------------------------------------------------------------------- */

typedef struct
{
  HearthSettingsDevicesPage *page;   /* unowned; valid unless cancelled */
  Change                     change;
} ChangeData;

static void
on_change_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autofree ChangeData *data = user_data;
  g_autoptr(GError) error = NULL;
  HearthSettingsDevicesPage *self;
  gboolean next_start = FALSE;
  const char *what;

  if (!hearth_machine_devices_change_finish (HEARTH_MACHINE_DEVICES (object), result,
                                             &next_start, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = data->page;

  if (error != NULL)
    {
      show_error (data->change == ADD_FOLDER || data->change == REMOVE_FOLDER
                  ? self->folders_error : self->usb_error,
                  refusal_sentence (data->change, error), error);
      /* Put the switches back as the machine has them. */
      populate (self);
      return;
    }

  switch (data->change)
    {
    case ADD_FOLDER:
      what = next_start ? _("Shared folder added: applies on next start")
                        : _("Shared folder added");
      break;
    case REMOVE_FOLDER:
      what = next_start ? _("Shared folder removed: applies on next start")
                        : _("Shared folder removed");
      break;
    case ATTACH_USB:
      what = _("USB device attached");
      break;
    case DETACH_USB:
    default:
      what = next_start ? _("USB device detached: applies on next start")
                        : _("USB device detached");
      break;
    }
  toast (self, what);
}

static ChangeData *
change_data_new (HearthSettingsDevicesPage *self,
                 Change                     change)
{
  ChangeData *data = g_new0 (ChangeData, 1);

  data->page = self;
  data->change = change;
  hide_errors (self);
  return data;
}

static void
remove_folder_clicked_cb (GtkButton                 *button,
                          HearthSettingsDevicesPage *self)
{
  const char *tag = g_object_get_data (G_OBJECT (button), "tag");

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  hearth_machine_devices_remove_folder_async (self->devices, tag, self->cancellable,
                                              on_change_done_cb,
                                              change_data_new (self, REMOVE_FOLDER));
}

static void
usb_switch_cb (GtkSwitch                 *toggle,
               GParamSpec                *pspec,
               HearthSettingsDevicesPage *self)
{
  guint vendor = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (toggle), "vendor"));
  guint product = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (toggle), "product"));

  if (self->populating || self->devices == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (toggle), FALSE);
  if (gtk_switch_get_active (toggle))
    hearth_machine_devices_attach_usb_async (self->devices, vendor, product, self->cancellable,
                                             on_change_done_cb,
                                             change_data_new (self, ATTACH_USB));
  else
    hearth_machine_devices_detach_usb_async (self->devices, vendor, product, self->cancellable,
                                             on_change_done_cb,
                                             change_data_new (self, DETACH_USB));
}

static void
on_chooser_response_cb (GtkNativeDialog           *dialog,
                        int                        response,
                        HearthSettingsDevicesPage *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
  if (file == NULL || self->devices == NULL)
    return;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      /* A location without a local path (a network place in the file chooser). */
      show_error (self->folders_error,
                  _("Only a folder on this computer can be shared. Nothing was changed."),
                  NULL);
      return;
    }
  hearth_machine_devices_add_folder_async (self->devices, path, NULL, self->cancellable,
                                           on_change_done_cb,
                                           change_data_new (self, ADD_FOLDER));
}

static void
on_add_folder_cb (HearthSettingsDevicesPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL || self->devices == NULL)
    return;

  /* GtkFileDialog is GTK 4.10; the native chooser works on 4.8. */
  self->chooser = gtk_file_chooser_native_new (_("Share a Folder"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Share"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* Loading ------------------------------------------------------------------------------- */

static void
on_reloaded_cb (HearthSettingsDevicesPage *self)
{
  populate (self);
}

static void
on_loaded_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HearthMachineDevices) devices = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingsDevicesPage *self;

  devices = hearth_machine_devices_load_finish (HEARTH_MACHINE (object), result, &error);
  if (devices == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  self->loading = FALSE;
  if (devices == NULL)
    {
      show_error (self->folders_error, _("The devices of this machine could not be read."),
                  error);
      return;
    }

  self->devices = g_steal_pointer (&devices);
  hearth_machine_devices_set_snapshot_first (self->devices, self->snapshot_tree,
                                             self->snapshot_reason);
  g_signal_connect_object (self->devices, "reloaded", G_CALLBACK (on_reloaded_cb), self,
                           G_CONNECT_SWAPPED);
  populate (self);
}

static void
on_reload_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A failed reload keeps what was shown; the next change reads afresh anyway. */
  if (!hearth_machine_devices_reload_finish (HEARTH_MACHINE_DEVICES (object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not read the devices again: %s", error->message);
}

/* Shown again: read again, as another page or another tool may have changed them. */
static void
on_map_cb (HearthSettingsDevicesPage *self)
{
  if (self->devices != NULL && !hearth_machine_devices_get_busy (self->devices))
    hearth_machine_devices_reload_async (self->devices, self->cancellable, on_reload_done_cb,
                                         NULL);
}

/* GObject -------------------------------------------------------------------------------- */

static void
hearth_settings_devices_page_constructed (GObject *object)
{
  HearthSettingsDevicesPage *self = HEARTH_SETTINGS_DEVICES_PAGE (object);

  G_OBJECT_CLASS (hearth_settings_devices_page_parent_class)->constructed (object);

  g_return_if_fail (self->machine != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
  self->loading = TRUE;
  hearth_machine_devices_load_async (self->machine, self->cancellable, on_loaded_cb, self);
}

static void
hearth_settings_devices_page_dispose (GObject *object)
{
  HearthSettingsDevicesPage *self = HEARTH_SETTINGS_DEVICES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_SETTINGS_DEVICES_PAGE);
  g_clear_object (&self->devices);
  g_clear_object (&self->machine);
  g_clear_object (&self->snapshot_tree);

  G_OBJECT_CLASS (hearth_settings_devices_page_parent_class)->dispose (object);
}

static void
hearth_settings_devices_page_finalize (GObject *object)
{
  HearthSettingsDevicesPage *self = HEARTH_SETTINGS_DEVICES_PAGE (object);

  g_clear_object (&self->cancellable);
  g_free (self->snapshot_reason);

  G_OBJECT_CLASS (hearth_settings_devices_page_parent_class)->finalize (object);
}

static void
hearth_settings_devices_page_get_property (GObject    *object,
                                           guint       prop_id,
                                           GValue     *value,
                                           GParamSpec *pspec)
{
  HearthSettingsDevicesPage *self = HEARTH_SETTINGS_DEVICES_PAGE (object);

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
hearth_settings_devices_page_set_property (GObject      *object,
                                           guint         prop_id,
                                           const GValue *value,
                                           GParamSpec   *pspec)
{
  HearthSettingsDevicesPage *self = HEARTH_SETTINGS_DEVICES_PAGE (object);

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
hearth_settings_devices_page_class_init (HearthSettingsDevicesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hearth_settings_devices_page_constructed;
  object_class->dispose = hearth_settings_devices_page_dispose;
  object_class->finalize = hearth_settings_devices_page_finalize;
  object_class->get_property = hearth_settings_devices_page_get_property;
  object_class->set_property = hearth_settings_devices_page_set_property;

  /** HearthSettingsDevicesPage:machine: The machine whose devices are shown. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                  | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/"
                                               "hearth-settings-devices-page.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, folders_group);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage,
                                        add_folder_button);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, folders_list);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, guest_group);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, mount_label);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, fstab_label);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, usb_group);
  gtk_widget_class_bind_template_child (widget_class, HearthSettingsDevicesPage, usb_list);
  gtk_widget_class_bind_template_callback (widget_class, on_add_folder_cb);
}

static void
hearth_settings_devices_page_init (HearthSettingsDevicesPage *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_set_placeholder (self->folders_list,
                                make_placeholder (_("No folder is shared with this machine.")));
  gtk_list_box_set_placeholder (self->usb_list,
                                make_placeholder (_("No USB devices are plugged into this "
                                                    "computer.")));
  self->folders_error = add_error_area (self->folders_group);
  self->usb_error = add_error_area (self->usb_group);
  g_signal_connect (self, "map", G_CALLBACK (on_map_cb), NULL);
}

/**
 * hearth_settings_devices_page_new:
 * @machine: the machine to show
 *
 * Returns: (transfer full): a new page; it reads the devices at once
 */
HearthSettingsDevicesPage *
hearth_settings_devices_page_new (HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_object_new (HEARTH_TYPE_SETTINGS_DEVICES_PAGE, "machine", machine, NULL);
}

/**
 * hearth_settings_devices_page_insert:
 * @window: a machine's settings window
 * @machine: the machine
 * @before: (nullable): a page of @window to put the new page before (the
 *   expert XML page stays last), or %NULL to add it last
 *
 * Adds a Sharing page for @machine to @window.
 *
 * Returns: (transfer none): the page
 */
/**
 * hearth_settings_devices_page_set_snapshot_first:
 * @self: the page
 * @tree: (nullable): the machine's snapshots, or %NULL for no snapshot first
 * @reason: (nullable): the automatic snapshot's title
 *
 * Follows the settings window's "snapshot before changing" choice for the
 * folders and devices changed here too.
 */
void
hearth_settings_devices_page_set_snapshot_first (HearthSettingsDevicesPage *self,
                                                 HearthSnapshotTree        *tree,
                                                 const char                *reason)
{
  g_return_if_fail (HEARTH_IS_SETTINGS_DEVICES_PAGE (self));

  g_set_object (&self->snapshot_tree, tree);
  g_free (self->snapshot_reason);
  self->snapshot_reason = g_strdup (reason);
  if (self->devices != NULL)
    hearth_machine_devices_set_snapshot_first (self->devices, tree, reason);
}

HearthSettingsDevicesPage *
hearth_settings_devices_page_insert (AdwPreferencesWindow *window,
                                     HearthMachine        *machine,
                                     GtkWidget            *before)
{
  HearthSettingsDevicesPage *page;

  g_return_val_if_fail (ADW_IS_PREFERENCES_WINDOW (window), NULL);
  g_return_val_if_fail (before == NULL || ADW_IS_PREFERENCES_PAGE (before), NULL);

  page = hearth_settings_devices_page_new (machine);
  /* AdwPreferencesWindow 1.2 only appends: take the later page out and put it
   * back after this one. */
  if (before != NULL)
    {
      g_object_ref (before);
      adw_preferences_window_remove (window, ADW_PREFERENCES_PAGE (before));
    }
  adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (page));
  if (before != NULL)
    {
      adw_preferences_window_add (window, ADW_PREFERENCES_PAGE (before));
      g_object_unref (before);
    }
  return page;
}
