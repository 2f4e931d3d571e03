/* hearth-machine-settings-window.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-settings-window.h"
#include "hearth-settings-devices-page.h"
#include "hearth-ui-utils.h"

/**
 * HearthMachineSettingsWindow:
 *
 * One machine's settings, page by page. Like GNOME Boxes, a change applies as
 * soon as the user confirms it (an entry's apply button, a switch, a combo, the
 * Apply button of processor and memory): the core checks the value first, so a
 * bad one is refused in place, under the control, and nothing is half-applied.
 * A change a running machine only gets on its next start says so in a toast.
 */
struct _HearthMachineSettingsWindow
{
  AdwPreferencesWindow parent_instance;

  /* Owned, main thread only. */
  HearthMachine         *machine;
  HearthMachineSettings *settings;       /* NULL until loaded */
  HearthSnapshotTree    *snapshot_tree;
  HearthSettingsDevicesPage *devices_page; /* borrowed: a page of this window */
  GCancellable          *cancellable;
  GtkWidget             *apply_error;    /* unowned: the error area of the change under way */
  GtkWidget             *os_error;
  GtkWidget             *start_error;
  GtkWidget             *identity_error;
  GtkWidget             *hardware_error;
  GtkWidget             *disks_error;
  GtkWidget             *add_disk_error;
  GtkWidget             *network_error;
  GtkWidget             *display_error;
  GtkWidget             *boot_error;
  GtkWidget             *xml_error;
  GtkWidget             *cpu_error;
  GPtrArray             *cpu_model_ids;  /* owned; char *, parallel to cpu_model_labels */
  GStrv                  networks;       /* owned; the connection's networks, or NULL */
  GtkFileChooserNative  *chooser;
  char                  *chooser_target; /* CD-ROM the chooser inserts into */
  gboolean               populating;     /* controls are being set from the settings */
  gboolean               snapshot_chosen; /* the user set the snapshot switch */

  /* Template children. */
  AdwPreferencesGroup *identity_group;
  AdwPreferencesGroup *start_group;
  AdwPreferencesGroup *hardware_group;
  AdwPreferencesGroup *disks_group;
  AdwPreferencesGroup *add_disk_group;
  AdwPreferencesGroup *network_group;
  AdwPreferencesGroup *display_group;
  AdwPreferencesGroup *boot_group;
  AdwPreferencesGroup *xml_group;
  AdwEntryRow         *name_row;
  AdwEntryRow         *description_row;
  AdwActionRow        *os_row;
  GtkMenuButton       *os_button;
  GtkPopover          *os_popover;
  GtkSearchEntry      *os_search_entry;
  GtkListBox          *os_list;
  GtkSwitch           *autostart_switch;
  GtkSwitch           *snapshot_switch;
  AdwActionRow        *vcpus_row;
  AdwActionRow        *memory_row;
  GtkSpinButton       *vcpus_spin;
  GtkSpinButton       *max_vcpus_spin;
  GtkSpinButton       *memory_spin;
  GtkSpinButton       *max_memory_spin;
  GtkWidget           *hardware_apply_button;
  GtkLabel            *golden_label;
  AdwPreferencesGroup *cpu_group;
  AdwComboRow         *cpu_model_row;
  GtkStringList       *cpu_model_labels;
  AdwActionRow        *accel3d_row;
  GtkSwitch           *accel3d_switch;
  AdwComboRow         *firmware_row;
  GtkListBox          *disks_list;
  AdwActionRow        *add_disk_row;
  GtkSpinButton       *disk_size_spin;
  GtkWidget           *add_disk_button;
  GtkListBox          *interfaces_list;
  AdwComboRow         *video_row;
  GtkStringList       *video_models;
  GtkSwitch           *sound_switch;
  AdwComboRow         *boot_row;
  GtkStringList       *boot_devices;
  GtkSwitch           *boot_menu_switch;
  GtkTextView         *xml_view;
  GtkWidget           *xml_save_button;
  GtkWidget           *xml_revert_button;
};

G_DEFINE_FINAL_TYPE (HearthMachineSettingsWindow, hearth_machine_settings_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_MACHINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define MIB (G_GUINT64_CONSTANT (1024) * 1024)
#define GIB (MIB * 1024)

/* Video models offered, with their product names (not translated, except
 * "None"); a model the machine has that is not here is added as it is. */
static const char * const video_model_ids[] = { "virtio", "qxl", "vga", "bochs", "none" };
static const char * const video_model_labels[] = { "Virtio", "QXL", "VGA", "Bochs", NULL };

/* Boot devices in the "Start From" combo, in its order. */
static const struct {
  const char *id;
  const char *label;
} boot_device_ids[] = {
  { "hd", N_("Hard Disk") },
  { "cdrom", N_("CD-ROM") },
  { "network", N_("Network") },
};

/* Errors in place ---------------------------------------------------------- */

/* An error area sits under a group's rows: a translated sentence saying what was
 * refused, and the core's English detail in a smaller label. */
static GtkWidget *
add_error_area (AdwPreferencesGroup *group)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *sentence = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_add_css_class (box, "settings-error");
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
hide_error (GtkWidget *area)
{
  if (area != NULL)
    gtk_widget_set_visible (area, FALSE);
}

static void
show_error (GtkWidget  *area,
            const char *sentence,
            const char *detail)
{
  GtkWidget *sentence_label = gtk_widget_get_first_child (area);
  GtkWidget *detail_label = gtk_widget_get_next_sibling (sentence_label);

  gtk_label_set_text (GTK_LABEL (sentence_label), sentence);
  gtk_label_set_text (GTK_LABEL (detail_label), detail != NULL ? detail : "");
  gtk_widget_set_visible (detail_label, detail != NULL && *detail != '\0');
  gtk_widget_set_visible (area, TRUE);
}

/* The translated sentence for a refusal, chosen by what was changed and the
 * error code; the core's message is developer English and only the detail. */
static const char *
refusal_sentence (HearthSettingFlags  change,
                  const GError       *error)
{
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_BUSY))
    return _("Another operation on this machine is under way. Try again when it is done.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST))
    return _("The connection to the virtualization service was lost. Nothing was changed.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED)
      && change == HEARTH_SETTING_RESIZE_DISK)
    return _("This disk cannot grow here. Nothing was changed.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED)
      && !(change & (HEARTH_SETTING_ADD_DISK | HEARTH_SETTING_CPU_MODEL
                     | HEARTH_SETTING_FIRMWARE | HEARTH_SETTING_ACCEL3D)))
    return _("This machine cannot have this change.");

  switch ((guint) change)
    {
    case HEARTH_SETTING_TITLE:
      return _("This name cannot be used.");
    case HEARTH_SETTING_NAME:
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN))
        return _("Another machine already has this name.");
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE))
        return _("Shut the machine down to rename it.");
      return _("This name cannot be used.");
    case HEARTH_SETTING_DESCRIPTION:
      return _("This description cannot be saved.");
    case HEARTH_SETTING_VCPUS:
      return _("This number of vCPUs is not possible on this host.");
    case HEARTH_SETTING_MEMORY:
      return _("This much memory is more than the machine can have on this host.");
    case HEARTH_SETTING_CDROM:
      return _("This image cannot be inserted.");
    case HEARTH_SETTING_ADD_DISK:
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT))
        return _("A disk of this size does not fit in the free space.");
      return _("A disk cannot be added to this machine.");
    case HEARTH_SETTING_REMOVE_DISK:
      return _("This disk cannot be removed.");
    case HEARTH_SETTING_RESIZE_DISK:
      return _("This disk cannot grow to this size. A disk can only grow.");
    case HEARTH_SETTING_ATTACH_DISK:
      return _("This image cannot be attached.");
    case HEARTH_SETTING_LINK:
      return _("The virtual cable cannot be changed.");
    case HEARTH_SETTING_XML:
      return _("This XML cannot be saved. Correct it and save again.");
    case HEARTH_SETTING_MAC:
      if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT))
        return _("This MAC address cannot be used. Enter six pairs of hex digits separated by "
                 "colons, not a multicast address and not one another machine uses.");
      return _("The MAC address cannot be changed.");
    case HEARTH_SETTING_CPU_MODEL:
      return _("This CPU model cannot work on this host. Nothing was changed.");
    case HEARTH_SETTING_FIRMWARE:
      return _("The firmware cannot be changed safely now. Nothing was changed.");
    case HEARTH_SETTING_ACCEL3D:
      return _("3D acceleration cannot work on this host.");
    default:
      return _("This change could not be made. Nothing was changed.");
    }
}

/* Why a CPU model, a firmware switch or 3D acceleration is not possible. */
static const char *
block_sentence (HearthSettingBlock block)
{
  switch (block)
    {
    case HEARTH_SETTING_BLOCK_RUNNING:
      return _("Shut the machine down to change its firmware.");
    case HEARTH_SETTING_BLOCK_SNAPSHOTS:
      return _("The machine has snapshots made with this firmware; going back to them would "
               "fail after a change. Delete them first.");
    case HEARTH_SETTING_BLOCK_NVRAM:
      return _("The machine has already started with UEFI; its system would not start with "
               "BIOS.");
    case HEARTH_SETTING_BLOCK_NO_UEFI:
      return _("This computer has no UEFI firmware for virtual machines (OVMF).");
    case HEARTH_SETTING_BLOCK_OS_NEEDS_UEFI:
      return _("The operating system of this machine needs UEFI.");
    case HEARTH_SETTING_BLOCK_TCG:
      return _("Host passthrough needs KVM, but this machine is emulated. Choose the host "
               "model or a named model.");
    case HEARTH_SETTING_BLOCK_NESTED:
      return _("This computer is itself a virtual machine, where host passthrough stops the "
               "machine from starting. Choose the host model or a named model.");
    case HEARTH_SETTING_BLOCK_NOT_OFFERED:
      return _("This host cannot run this CPU model.");
    case HEARTH_SETTING_BLOCK_NO_RENDER_NODE:
      return _("Not available: the host has no graphics card for 3D.");
    case HEARTH_SETTING_BLOCK_NO_GL_DISPLAY:
      return _("Not available: QEMU on this host cannot render 3D.");
    case HEARTH_SETTING_BLOCK_NONE:
    default:
      return NULL;
    }
}

/* The name of a setting in a toast. */
static const char *
setting_label (HearthSettingFlags flag)
{
  switch ((guint) flag)
    {
    case HEARTH_SETTING_NAME: return _("Name");
    case HEARTH_SETTING_TITLE: return _("Name");
    case HEARTH_SETTING_DESCRIPTION: return _("Description");
    case HEARTH_SETTING_AUTOSTART: return _("Start with the host");
    case HEARTH_SETTING_VCPUS: return _("vCPUs");
    case HEARTH_SETTING_MEMORY: return _("Memory");
    case HEARTH_SETTING_CDROM: return _("CD-ROM");
    case HEARTH_SETTING_LINK: return _("Virtual cable");
    case HEARTH_SETTING_ADD_DISK: return _("New disk");
    case HEARTH_SETTING_REMOVE_DISK: return _("Removed disk");
    case HEARTH_SETTING_ATTACH_DISK: return _("Attached disk");
    case HEARTH_SETTING_RESIZE_DISK: return _("Disk size");
    case HEARTH_SETTING_INTERFACE: return _("Network");
    case HEARTH_SETTING_SOUND: return _("Sound card");
    case HEARTH_SETTING_BOOT: return _("Boot");
    case HEARTH_SETTING_VIDEO: return _("Video card");
    case HEARTH_SETTING_XML: return _("XML");
    case HEARTH_SETTING_OS: return _("Operating system");
    case HEARTH_SETTING_CPU_MODEL: return _("CPU model");
    case HEARTH_SETTING_FIRMWARE: return _("Firmware");
    case HEARTH_SETTING_MAC: return _("MAC address");
    case HEARTH_SETTING_ACCEL3D: return _("3D acceleration");
    default: return _("Settings");
    }
}

static char *
join_settings (HearthSettingFlags flags)
{
  GString *text = g_string_new (NULL);

  for (guint bit = 0; bit < 32; bit++)
    {
      HearthSettingFlags flag = 1u << bit;
      const char *label;

      if (!(flags & flag))
        continue;
      label = setting_label (flag);
      /* Vcpus and memory, or name and title, can share a label. */
      if (strstr (text->str, label) != NULL)
        continue;
      if (text->len > 0)
        /* Translators: separates setting names in "vCPUs, Memory: applies on next start". */
        g_string_append (text, _(", "));
      g_string_append (text, label);
    }
  return g_string_free (text, FALSE);
}

/* Filling the controls ------------------------------------------------------- */

static void populate (HearthMachineSettingsWindow *self);

static char *
format_size (guint64 bytes)
{
  return bytes > 0 ? hearth_ui_format_memory (bytes) : NULL;
}

static void
update_os_row (HearthMachineSettingsWindow *self)
{
  const char *os_id = hearth_machine_settings_get_os_id (self->settings);
  HearthOsDatabase *db = hearth_os_database_get_default ();
  g_autofree char *name = NULL;

  if (os_id != NULL && hearth_os_database_is_loaded (db))
    name = hearth_os_database_dup_name (db, os_id);
  adw_action_row_set_subtitle (self->os_row,
                               name != NULL ? name
                               : os_id != NULL ? os_id
                               : _("Unknown"));
}

static void
update_hardware_apply (HearthMachineSettingsWindow *self)
{
  gboolean changed;

  if (self->settings == NULL)
    return;

  changed = (guint) gtk_spin_button_get_value_as_int (self->vcpus_spin)
              != hearth_machine_settings_get_vcpus (self->settings)
            || (guint) gtk_spin_button_get_value_as_int (self->max_vcpus_spin)
              != hearth_machine_settings_get_max_vcpus (self->settings)
            || (guint64) gtk_spin_button_get_value (self->memory_spin) * MIB
              != hearth_machine_settings_get_memory (self->settings) / MIB * MIB
            || (guint64) gtk_spin_button_get_value (self->max_memory_spin) * MIB
              != hearth_machine_settings_get_max_memory (self->settings) / MIB * MIB;
  gtk_widget_set_sensitive (self->hardware_apply_button, changed);
}

static void
populate_hardware (HearthMachineSettingsWindow *self)
{
  HearthMachineSettings *s = self->settings;
  guint host_threads = hearth_machine_settings_get_host_threads (s);
  guint64 host_memory = hearth_machine_settings_get_host_memory (s);
  guint max_vcpus = hearth_machine_settings_get_max_vcpus (s);
  guint64 max_memory_mib = hearth_machine_settings_get_max_memory (s) / MIB;
  guint upper_vcpus;
  double upper_mib;
  g_autofree char *golden = NULL;
  g_autofree char *golden_memory = NULL;

  /* The spin buttons are bounded by the host, but never below what the machine
   * has now (a machine made elsewhere may already have more). The core refuses a
   * value above the host's with a reason, shown under the group. */
  upper_vcpus = MAX (MAX (host_threads, max_vcpus), 1);
  upper_mib = MAX ((double) (host_memory / MIB), (double) max_memory_mib);
  upper_mib = MAX (upper_mib, 64);

  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->vcpus_spin), upper_vcpus);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->max_vcpus_spin), upper_vcpus);
  /* Memory is allowed up to twice the host in the spin button so the core can
   * refuse too much with its reason, instead of the control clamping silently. */
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->memory_spin), upper_mib * 2);
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->max_memory_spin),
                            upper_mib * 2);

  gtk_spin_button_set_value (self->vcpus_spin, hearth_machine_settings_get_vcpus (s));
  gtk_spin_button_set_value (self->max_vcpus_spin, max_vcpus);
  gtk_spin_button_set_value (self->memory_spin,
                             (double) (hearth_machine_settings_get_memory (s) / MIB));
  gtk_spin_button_set_value (self->max_memory_spin, (double) max_memory_mib);

  /* A running machine may use other values than its configuration until it
   * starts again: say so on the row. */
  if (hearth_machine_settings_get_running (s)
      && hearth_machine_settings_get_live_vcpus (s) > 0
      && hearth_machine_settings_get_live_vcpus (s) != hearth_machine_settings_get_vcpus (s))
    {
      g_autofree char *subtitle =
        /* Translators: %u is a number of vCPUs the running machine has now. */
        g_strdup_printf (_("%u now; the value here applies on next start"),
                         hearth_machine_settings_get_live_vcpus (s));
      adw_action_row_set_subtitle (self->vcpus_row, subtitle);
    }
  else
    adw_action_row_set_subtitle (self->vcpus_row, NULL);

  if (hearth_machine_settings_get_running (s)
      && hearth_machine_settings_get_live_memory (s) > 0
      && hearth_machine_settings_get_live_memory (s) / MIB
         != hearth_machine_settings_get_memory (s) / MIB)
    {
      g_autofree char *now = format_size (hearth_machine_settings_get_live_memory (s));
      /* Translators: %s is an amount of memory the running machine has now. */
      g_autofree char *subtitle = g_strdup_printf (_("%s now; the value here applies on next "
                                                     "start"), now);
      adw_action_row_set_subtitle (self->memory_row, subtitle);
    }
  else
    adw_action_row_set_subtitle (self->memory_row, NULL);

  if (host_threads > 0 && host_memory > 0)
    {
      golden_memory = format_size (hearth_golden_ratio_max_memory (host_memory));
      golden = g_strdup_printf (
        /* Translators: the golden-ratio hint. %u is a number of vCPUs, %s an amount of
         * memory; 61.8 % and 38.2 % are the golden ratio. */
        _("To keep the host responsive, Hearth suggests at most %u vCPUs and %s of memory "
          "per machine: all running machines together should use no more than 61.8 %% of "
          "the host, leaving 38.2 %% to it."),
        hearth_golden_ratio_max_vcpus (host_threads), golden_memory);
    }
  gtk_label_set_text (self->golden_label, golden != NULL ? golden : "");
  gtk_widget_set_visible (GTK_WIDGET (self->golden_label), golden != NULL);
  update_hardware_apply (self);
}

/* The CPU model combo: the modes, then the host's named models; the machine's
 * own choice is added when the host does not list it. */
static void
populate_cpu (HearthMachineSettingsWindow *self)
{
  HearthMachineSettings *s = self->settings;
  const char *current = hearth_machine_settings_get_cpu_model (s);
  const char * const *models = hearth_machine_settings_get_cpu_models (s);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  guint selected = 0;

  g_ptr_array_set_size (self->cpu_model_ids, 0);
  if (current == NULL)
    {
      g_ptr_array_add (self->cpu_model_ids, g_strdup (""));
      g_ptr_array_add (labels, (gpointer) C_("cpu model", "Default"));
    }
  g_ptr_array_add (self->cpu_model_ids, g_strdup ("host-model"));
  g_ptr_array_add (labels, (gpointer) _("Host Model"));
  g_ptr_array_add (self->cpu_model_ids, g_strdup ("host-passthrough"));
  g_ptr_array_add (labels, (gpointer) _("Host Passthrough"));
  if (g_strcmp0 (current, "maximum") == 0)
    {
      g_ptr_array_add (self->cpu_model_ids, g_strdup ("maximum"));
      g_ptr_array_add (labels, (gpointer) _("Maximum"));
    }
  for (guint i = 0; models != NULL && models[i] != NULL; i++)
    {
      g_ptr_array_add (self->cpu_model_ids, g_strdup (models[i]));
      g_ptr_array_add (labels, (gpointer) models[i]);
    }
  if (current != NULL)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < self->cpu_model_ids->len; i++)
        if (g_str_equal (g_ptr_array_index (self->cpu_model_ids, i), current))
          {
            found = TRUE;
            selected = i;
          }
      if (!found)
        {
          selected = self->cpu_model_ids->len;
          g_ptr_array_add (self->cpu_model_ids, g_strdup (current));
          g_ptr_array_add (labels, (gpointer) current);
        }
    }
  g_ptr_array_add (labels, NULL);
  gtk_string_list_splice (self->cpu_model_labels, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->cpu_model_labels)),
                          (const char * const *) labels->pdata);
  adw_combo_row_set_selected (self->cpu_model_row, selected);
}

static void remove_disk_clicked_cb (GtkButton                   *button,
                                    HearthMachineSettingsWindow *self);
static void grow_disk_clicked_cb   (GtkButton                   *button,
                                    HearthMachineSettingsWindow *self);
static void insert_clicked_cb      (GtkButton                   *button,
                                    HearthMachineSettingsWindow *self);
static void eject_clicked_cb       (GtkButton                   *button,
                                    HearthMachineSettingsWindow *self);
static void link_switch_cb         (GtkSwitch                   *widget,
                                    GParamSpec                  *pspec,
                                    HearthMachineSettingsWindow *self);
static void model_selected_cb      (AdwComboRow                 *row,
                                    GParamSpec                  *pspec,
                                    HearthMachineSettingsWindow *self);
static void network_selected_cb    (AdwComboRow                 *row,
                                    GParamSpec                  *pspec,
                                    HearthMachineSettingsWindow *self);
static void mac_apply_cb           (AdwEntryRow                 *row,
                                    HearthMachineSettingsWindow *self);

/* Network card models offered; another model the machine has is added. */
static const char * const nic_models[] = { "virtio", "e1000e", "rtl8139" };

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
make_row_button (const char *label,
                 const char *accessible_name,
                 const char *target)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
  g_object_set_data_full (G_OBJECT (button), "target", g_strdup (target), g_free);
  return button;
}

static void
populate_disks (HearthMachineSettingsWindow *self)
{
  GPtrArray *disks = hearth_machine_settings_get_disks (self->settings);
  const char *pool = hearth_machine_settings_get_pool (self->settings);
  guint64 available = hearth_machine_settings_get_pool_available (self->settings);

  clear_list (self->disks_list);
  for (guint i = 0; disks != NULL && i < disks->len; i++)
    {
      HearthStorageItem *item = g_ptr_array_index (disks, i);
      gboolean cdrom = g_strcmp0 (item->device, "cdrom") == 0;
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = NULL;
      g_autofree char *size = format_size (item->capacity);
      g_autofree char *base = item->path != NULL ? g_path_get_basename (item->path) : NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *accessible = NULL;
      GtkWidget *button;

      /* Translators: a disk row's title; %s is the device target, such as vda. */
      title = g_strdup_printf (cdrom ? _("CD-ROM %s") : _("Disk %s"), item->target);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (base == NULL)
        subtitle = g_strdup (cdrom ? _("Empty") : _("No image"));
      else if (size != NULL)
        /* Translators: a disk's image file and its size, "debian.qcow2 · 20 GiB". */
        subtitle = g_strdup_printf (_("%s · %s"), base, size);
      else
        subtitle = g_strdup (base);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (item->path != NULL)
        gtk_widget_set_tooltip_text (row, item->path);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (cdrom ? "media-optical-symbolic"
                                                               : "drive-harddisk-symbolic"));

      if (cdrom)
        {
          /* Translators: accessible name; %s is the CD-ROM's target, such as sda. */
          accessible = g_strdup_printf (_("Insert an image into CD-ROM %s"), item->target);
          button = make_row_button (_("_Insert…"), accessible, item->target);
          g_signal_connect (button, "clicked", G_CALLBACK (insert_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
          if (item->path != NULL)
            {
              g_clear_pointer (&accessible, g_free);
              /* Translators: accessible name; %s is the CD-ROM's target. */
              accessible = g_strdup_printf (_("Eject CD-ROM %s"), item->target);
              button = make_row_button (_("_Eject"), accessible, item->target);
              g_signal_connect (button, "clicked", G_CALLBACK (eject_clicked_cb), self);
              adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
            }
        }
      else
        {
          /* Translators: accessible name; %s is the disk's target, such as vda. */
          accessible = g_strdup_printf (_("Remove disk %s"), item->target);
          button = make_row_button (_("_Remove…"), accessible, item->target);
          g_object_set_data_full (G_OBJECT (button), "path", g_strdup (item->path), g_free);
          g_signal_connect (button, "clicked", G_CALLBACK (remove_disk_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

          if (item->path != NULL && !item->readonly)
            {
              g_clear_pointer (&accessible, g_free);
              /* Translators: accessible name; %s is the disk's target, such as vda. */
              accessible = g_strdup_printf (_("Grow disk %s"), item->target);
              button = make_row_button (_("_Grow…"), accessible, item->target);
              g_object_set_data_full (G_OBJECT (button), "capacity",
                                      g_memdup2 (&item->capacity, sizeof item->capacity),
                                      g_free);
              g_signal_connect (button, "clicked", G_CALLBACK (grow_disk_clicked_cb), self);
              adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
            }
        }
      gtk_list_box_append (self->disks_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->disks_list), disks != NULL && disks->len > 0);

  if (pool != NULL)
    {
      g_autofree char *free_text = format_size (available);
      g_autofree char *subtitle =
        /* Translators: %s is free space, %s the storage pool's name. */
        g_strdup_printf (_("%s free in the storage pool “%s”"),
                         free_text != NULL ? free_text : "0", pool);
      double upper = MAX (1.0, (double) (available / GIB));

      adw_action_row_set_subtitle (self->add_disk_row, subtitle);
      /* Up to twice the free space, so that too big a disk is refused with a reason. */
      gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->disk_size_spin),
                                upper * 2);
      gtk_widget_set_sensitive (GTK_WIDGET (self->add_disk_row), TRUE);
    }
  else
    {
      adw_action_row_set_subtitle (self->add_disk_row,
                                   _("The machine's disks are not in a storage pool, so "
                                     "Hearth cannot add one"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->add_disk_row), FALSE);
    }
}

/* What an interface is connected to when it is not a libvirt network. */
static char *
describe_connection (HearthInterfaceItem *item)
{
  if (g_strcmp0 (item->type, "user") == 0)
    return g_strdup (_("User-mode networking"));
  if (g_strcmp0 (item->type, "bridge") == 0 && item->source != NULL)
    /* Translators: %s is a host bridge's name, such as br0. */
    return g_strdup_printf (_("Bridge “%s”"), item->source);
  if (item->source != NULL)
    return g_strdup (item->source);
  return g_strdup (item->type != NULL ? item->type : _("Unknown"));
}

/* One expander row per interface: the cable switch at hand, and inside it the
 * network, the card model and the MAC address. */
static void
populate_interfaces (HearthMachineSettingsWindow *self)
{
  GPtrArray *interfaces = hearth_machine_settings_get_interfaces (self->settings);
  gboolean running = hearth_machine_settings_get_running (self->settings);

  clear_list (self->interfaces_list);
  for (guint i = 0; interfaces != NULL && i < interfaces->len; i++)
    {
      HearthInterfaceItem *item = g_ptr_array_index (interfaces, i);
      GtkWidget *row = adw_expander_row_new ();
      GtkWidget *toggle = gtk_switch_new ();
      g_autofree char *title = NULL;
      g_autofree char *accessible = NULL;

      if (item->source != NULL)
        /* Translators: %s is a virtual network's name, such as "default". */
        title = g_strdup_printf (_("Network “%s”"), item->source);
      else
        title = g_strdup (_("Network Interface"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      /* The MAC address tells the cards apart. */
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row),
                                     item->mac != NULL ? item->mac : _("no MAC address yet"));
      adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row),
                                   gtk_image_new_from_icon_name ("network-wired-symbolic"));

      if (item->mac != NULL)
        {
          g_autoptr(GtkStringList) networks = gtk_string_list_new (NULL);
          g_autoptr(GtkStringList) models = gtk_string_list_new ((const char * const *) nic_models);
          GtkWidget *network_row = adw_combo_row_new ();
          GtkWidget *model_row = adw_combo_row_new ();
          GtkWidget *mac_row = adw_entry_row_new ();
          guint selected = GTK_INVALID_LIST_POSITION;
          guint n_networks = 0;
          g_autofree char *name = NULL;

          /* Network: the connection's networks, and what the card uses now. */
          if (g_strcmp0 (item->type, "network") != 0)
            {
              g_autofree char *current = describe_connection (item);

              gtk_string_list_append (networks, current);
              selected = 0;
            }
          for (guint n = 0; self->networks != NULL && self->networks[n] != NULL; n++)
            {
              if (g_strcmp0 (item->type, "network") == 0
                  && g_strcmp0 (item->source, self->networks[n]) == 0)
                selected = g_list_model_get_n_items (G_LIST_MODEL (networks));
              gtk_string_list_append (networks, self->networks[n]);
              n_networks++;
            }
          if (selected == GTK_INVALID_LIST_POSITION && item->source != NULL)
            {
              selected = g_list_model_get_n_items (G_LIST_MODEL (networks));
              gtk_string_list_append (networks, item->source);
            }
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (network_row), _("Network"));
          adw_combo_row_set_model (ADW_COMBO_ROW (network_row),
                                   G_LIST_MODEL (g_steal_pointer (&networks)));
          if (selected != GTK_INVALID_LIST_POSITION)
            adw_combo_row_set_selected (ADW_COMBO_ROW (network_row), selected);
          gtk_widget_set_sensitive (network_row, n_networks > 0);
          if (n_networks == 0)
            adw_action_row_set_subtitle (ADW_ACTION_ROW (network_row),
                                         _("This connection has no other networks"));
          /* Translators: accessible name of a network card's network; %s is a MAC address. */
          name = g_strdup_printf (_("Network of %s"), item->mac);
          gtk_accessible_update_property (GTK_ACCESSIBLE (network_row),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (network_row), "mac", g_strdup (item->mac), g_free);
          g_signal_connect (network_row, "notify::selected", G_CALLBACK (network_selected_cb),
                            self);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), network_row);

          /* Model. */
          selected = GTK_INVALID_LIST_POSITION;
          for (guint m = 0; m < G_N_ELEMENTS (nic_models); m++)
            if (g_strcmp0 (item->model, nic_models[m]) == 0)
              selected = m;
          if (selected == GTK_INVALID_LIST_POSITION && item->model != NULL)
            {
              gtk_string_list_append (models, item->model);
              selected = G_N_ELEMENTS (nic_models);
            }
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (model_row), _("Model"));
          if (running)
            adw_action_row_set_subtitle (ADW_ACTION_ROW (model_row), _("Applies on next start"));
          adw_combo_row_set_model (ADW_COMBO_ROW (model_row),
                                   G_LIST_MODEL (g_steal_pointer (&models)));
          if (selected != GTK_INVALID_LIST_POSITION)
            adw_combo_row_set_selected (ADW_COMBO_ROW (model_row), selected);
          g_clear_pointer (&name, g_free);
          /* Translators: accessible name of a network card's model; %s is a MAC address. */
          name = g_strdup_printf (_("Model of %s"), item->mac);
          gtk_accessible_update_property (GTK_ACCESSIBLE (model_row),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (model_row), "mac", g_strdup (item->mac), g_free);
          g_object_set_data_full (G_OBJECT (model_row), "model", g_strdup (item->model), g_free);
          g_signal_connect (model_row, "notify::selected", G_CALLBACK (model_selected_cb), self);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), model_row);

          /* MAC address. */
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (mac_row),
                                         running ? _("MAC Address (applies on next start)")
                                                 : _("MAC Address"));
          gtk_editable_set_text (GTK_EDITABLE (mac_row), item->mac);
          adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (mac_row), TRUE);
          g_clear_pointer (&name, g_free);
          /* Translators: accessible name of a MAC address entry; %s is the MAC address now. */
          name = g_strdup_printf (_("MAC address of %s"), item->mac);
          gtk_accessible_update_property (GTK_ACCESSIBLE (mac_row),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (mac_row), "mac", g_strdup (item->mac), g_free);
          g_signal_connect (mac_row, "apply", G_CALLBACK (mac_apply_cb), self);
          adw_expander_row_add_row (ADW_EXPANDER_ROW (row), mac_row);
        }

      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (toggle), item->link_up);
      /* Translators: accessible name of a link switch; %s is a MAC address. */
      accessible = g_strdup_printf (_("Cable connected for %s"),
                                    item->mac != NULL ? item->mac : title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      gtk_widget_set_tooltip_text (toggle, _("Virtual cable connected"));
      g_object_set_data_full (G_OBJECT (toggle), "mac", g_strdup (item->mac), g_free);
      gtk_widget_set_sensitive (toggle, item->mac != NULL);
      g_signal_connect (toggle, "notify::active", G_CALLBACK (link_switch_cb), self);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), toggle);
      gtk_list_box_append (self->interfaces_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->interfaces_list),
                          interfaces != NULL && interfaces->len > 0);
  adw_preferences_group_set_description (self->network_group,
                                         interfaces != NULL && interfaces->len > 0
                                         ? _("Unplugging the virtual cable takes effect at "
                                             "once, like pulling a network cable.")
                                         : _("This machine has no network interface."));
}

/* The 3D switch and the firmware combo are insensitive, with the reason as the
 * subtitle, when the host or the machine's state does not allow a change. */
static void
populate_3d_and_firmware (HearthMachineSettingsWindow *self)
{
  HearthMachineSettings *s = self->settings;
  gboolean accel3d = hearth_machine_settings_get_accel3d (s);
  gboolean running = hearth_machine_settings_get_running (s);
  HearthSettingBlock block = HEARTH_SETTING_BLOCK_NONE;
  gboolean possible;

  gtk_switch_set_active (self->accel3d_switch, accel3d);
  possible = hearth_machine_settings_can_accel3d (s, &block, NULL);
  /* A machine that has 3D can always lose it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->accel3d_switch), possible || accel3d);
  if (!possible)
    adw_action_row_set_subtitle (self->accel3d_row, block_sentence (block));
  else if (running)
    adw_action_row_set_subtitle (self->accel3d_row, _("Applies on next start"));
  else
    adw_action_row_set_subtitle (self->accel3d_row,
                                 _("Virtio video with the host's graphics card"));

  adw_combo_row_set_selected (self->firmware_row,
                              g_strcmp0 (hearth_machine_settings_get_firmware (s), "efi") == 0);
  block = HEARTH_SETTING_BLOCK_NONE;
  possible = hearth_machine_settings_can_change_firmware (s, &block, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->firmware_row), possible);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->firmware_row),
                               possible ? _("An installed system may not start after a change")
                                        : block_sentence (block));
}

static void
populate_devices (HearthMachineSettingsWindow *self)
{
  const char *video = hearth_machine_settings_get_video_model (self->settings);
  const char * const *order = hearth_machine_settings_get_boot_order (self->settings);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->video_models));
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    {
      const char *id = i < G_N_ELEMENTS (video_model_ids)
                       ? video_model_ids[i]
                       : gtk_string_list_get_string (self->video_models, i);
      if (g_strcmp0 (id, video) == 0)
        selected = i;
    }
  if (selected == GTK_INVALID_LIST_POSITION && video != NULL)
    {
      /* A model Hearth does not offer, set by another tool: show it as it is. */
      gtk_string_list_append (self->video_models, video);
      selected = n;
    }
  adw_combo_row_set_selected (self->video_row, selected);
  gtk_switch_set_active (self->sound_switch, hearth_machine_settings_get_sound (self->settings));

  selected = 0;
  for (guint i = 0; order != NULL && order[0] != NULL && i < G_N_ELEMENTS (boot_device_ids); i++)
    if (g_strcmp0 (order[0], boot_device_ids[i].id) == 0)
      selected = i;
  adw_combo_row_set_selected (self->boot_row, selected);
  gtk_switch_set_active (self->boot_menu_switch,
                         hearth_machine_settings_get_boot_menu (self->settings));

  populate_3d_and_firmware (self);
}

static void
populate_xml (HearthMachineSettingsWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->xml_view);
  const char *xml = hearth_machine_settings_get_xml (self->settings);

  gtk_text_buffer_set_text (buffer, xml != NULL ? xml : "", -1);
  gtk_text_buffer_set_modified (buffer, FALSE);
  gtk_widget_set_sensitive (self->xml_save_button, FALSE);
  gtk_widget_set_sensitive (self->xml_revert_button, FALSE);
}

static gboolean
has_title (HearthMachineSettings *s)
{
  const char *title = hearth_machine_settings_get_title (s);

  return title != NULL && *title != '\0';
}

/* Sets an entry row's text without leaving its apply button showing, as if the
 * user had typed it. */
static void
set_entry_row_text (AdwEntryRow *row,
                    const char  *text)
{
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  adw_entry_row_set_show_apply_button (row, FALSE);
  adw_entry_row_set_show_apply_button (row, TRUE);
}

static void
populate (HearthMachineSettingsWindow *self)
{
  HearthMachineSettings *s = self->settings;
  gboolean running = hearth_machine_settings_get_running (s);
  g_autofree char *title = NULL;

  self->populating = TRUE;

  /* The name people see is the title when the machine has one (GNOME Boxes and
   * Hearth set one), and a title can change at any time; the libvirt name only
   * changes while the machine is shut off. */
  if (has_title (s))
    {
      set_entry_row_text (self->name_row, hearth_machine_settings_get_title (s));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), TRUE);
    }
  else
    {
      set_entry_row_text (self->name_row, hearth_machine_settings_get_name (s));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), !running);
    }
  adw_preferences_group_set_description (self->identity_group,
                                         running && !has_title (s)
                                         ? _("The name can change while the machine is shut "
                                             "off.")
                                         : NULL);
  set_entry_row_text (self->description_row,
                      hearth_machine_settings_get_description (s) != NULL
                      ? hearth_machine_settings_get_description (s) : "");
  update_os_row (self);
  gtk_switch_set_active (self->autostart_switch, hearth_machine_settings_get_autostart (s));

  populate_hardware (self);
  populate_cpu (self);
  populate_disks (self);
  populate_interfaces (self);
  populate_devices (self);
  populate_xml (self);

  /* Translators: the settings window's title; %s is the machine's name. */
  title = g_strdup_printf (_("%s Settings"), hearth_machine_get_display_name (self->machine));
  gtk_window_set_title (GTK_WINDOW (self), title);

  self->populating = FALSE;
}

/* Applying ------------------------------------------------------------------- */

static void
on_apply_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HearthMachineSettings *settings = HEARTH_MACHINE_SETTINGS (object);
  HearthMachineSettingsWindow *self;
  HearthSettingFlags pending = hearth_machine_settings_get_pending (settings);
  HearthSettingFlags now = 0, next_start = 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  g_autofree char *message = NULL;

  if (!hearth_machine_settings_apply_finish (settings, result, &now, &next_start, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self = user_data;
      /* Nothing was applied: forget the change and show the values as they are. */
      hearth_machine_settings_discard (settings);
      populate (self);
      if (self->apply_error != NULL)
        show_error (self->apply_error, refusal_sentence (pending, error), error->message);
      return;
    }

  self = user_data;
  if (next_start != 0)
    {
      names = join_settings (next_start);
      /* Translators: %s names settings ("Memory"); a running machine gets them later. */
      message = g_strdup_printf (_("%s: applies on next start"), names);
    }
  else
    {
      names = join_settings (now);
      /* Translators: %s names settings ("Memory") that took effect. */
      message = g_strdup_printf (_("%s: applied"), names);
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

/* Checks the pending change in place, then applies it. @area shows a refusal. */
static void
apply_pending (HearthMachineSettingsWindow *self,
               GtkWidget                   *area)
{
  g_autoptr(GError) error = NULL;
  HearthSettingFlags pending = hearth_machine_settings_get_pending (self->settings);
  GtkWidget *areas[] = {
    self->identity_error, self->start_error, self->hardware_error, self->disks_error,
    self->add_disk_error, self->network_error, self->display_error, self->boot_error,
    self->xml_error, self->cpu_error,
  };

  /* A new change makes older refusals stale. */
  for (guint i = 0; i < G_N_ELEMENTS (areas); i++)
    hide_error (areas[i]);
  if (!hearth_machine_settings_validate (self->settings, &error))
    {
      hearth_machine_settings_discard (self->settings);
      show_error (area, refusal_sentence (pending, error), error->message);
      return;
    }

  self->apply_error = area;
  hearth_machine_settings_apply_async (self->settings, self->cancellable, on_apply_done_cb,
                                       self);
}

static gboolean
can_change (HearthMachineSettingsWindow *self)
{
  return self->settings != NULL && !self->populating;
}

static void
on_name_apply_cb (HearthMachineSettingsWindow *self)
{
  g_autofree char *name = NULL;

  if (!can_change (self))
    return;
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  if (*name == '\0')
    {
      show_error (self->identity_error, _("Enter a name for the machine."), NULL);
      return;
    }
  if (has_title (self->settings))
    {
      if (g_strcmp0 (name, hearth_machine_settings_get_title (self->settings)) == 0)
        return;
      hearth_machine_settings_set_title (self->settings, name);
    }
  else
    {
      if (g_strcmp0 (name, hearth_machine_settings_get_name (self->settings)) == 0)
        return;
      hearth_machine_settings_set_name (self->settings, name);
    }
  apply_pending (self, self->identity_error);
}

static void
on_description_apply_cb (HearthMachineSettingsWindow *self)
{
  const char *text;

  if (!can_change (self))
    return;
  text = gtk_editable_get_text (GTK_EDITABLE (self->description_row));
  hearth_machine_settings_set_description (self->settings, *text != '\0' ? text : NULL);
  apply_pending (self, self->identity_error);
}

static void
on_autostart_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_autostart (self->settings,
                                         gtk_switch_get_active (self->autostart_switch));
  apply_pending (self, self->start_error);
}

static void
on_snapshot_switch_cb (HearthMachineSettingsWindow *self)
{
  gboolean active = gtk_switch_get_active (self->snapshot_switch);

  if (self->settings == NULL)
    return;
  if (!self->populating)
    self->snapshot_chosen = TRUE;
  hearth_machine_settings_set_snapshot_first (self->settings,
                                              active ? self->snapshot_tree : NULL,
                                              _("Before changing the settings"));
  if (self->devices_page != NULL)
    hearth_settings_devices_page_set_snapshot_first (self->devices_page,
                                                     active ? self->snapshot_tree : NULL,
                                                     _("Before changing the settings"));
}

static void
on_hardware_changed_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hide_error (self->hardware_error);
  update_hardware_apply (self);
}

static void
on_hardware_apply_cb (HearthMachineSettingsWindow *self)
{
  HearthMachineSettings *s = self->settings;
  g_autoptr(GError) error = NULL;
  guint vcpus, max_vcpus;
  guint64 memory, max_memory;

  if (!can_change (self))
    return;

  gtk_spin_button_update (self->vcpus_spin);
  gtk_spin_button_update (self->max_vcpus_spin);
  gtk_spin_button_update (self->memory_spin);
  gtk_spin_button_update (self->max_memory_spin);
  vcpus = gtk_spin_button_get_value_as_int (self->vcpus_spin);
  max_vcpus = gtk_spin_button_get_value_as_int (self->max_vcpus_spin);
  memory = (guint64) gtk_spin_button_get_value (self->memory_spin) * MIB;
  max_memory = (guint64) gtk_spin_button_get_value (self->max_memory_spin) * MIB;
  hide_error (self->hardware_error);

  /* vCPUs and memory are checked one after the other, so a refusal names the
   * value that was refused; then both are applied together. */
  if (vcpus != hearth_machine_settings_get_vcpus (s)
      || max_vcpus != hearth_machine_settings_get_max_vcpus (s))
    {
      /* A maximum below the count follows the count up. */
      hearth_machine_settings_set_vcpus (s, vcpus, MAX (max_vcpus, vcpus));
      if (!hearth_machine_settings_validate (s, &error))
        {
          hearth_machine_settings_discard (s);
          show_error (self->hardware_error, refusal_sentence (HEARTH_SETTING_VCPUS, error),
                      error->message);
          return;
        }
    }
  if (memory != hearth_machine_settings_get_memory (s) / MIB * MIB
      || max_memory != hearth_machine_settings_get_max_memory (s) / MIB * MIB)
    {
      hearth_machine_settings_set_memory (s, memory, MAX (max_memory, memory));
      if (!hearth_machine_settings_validate (s, &error))
        {
          hearth_machine_settings_discard (s);
          show_error (self->hardware_error, refusal_sentence (HEARTH_SETTING_MEMORY, error),
                      error->message);
          return;
        }
    }
  if (hearth_machine_settings_get_pending (s) == HEARTH_SETTING_NONE)
    return;
  gtk_widget_set_sensitive (self->hardware_apply_button, FALSE);
  apply_pending (self, self->hardware_error);
}

/* Operating system. */

static void
fill_os_list (HearthMachineSettingsWindow *self)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  g_autoptr(GPtrArray) found = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->os_search_entry));

  clear_list (self->os_list);
  if (!hearth_os_database_is_loaded (db))
    {
      GtkWidget *label = gtk_label_new (_("The operating system catalogue is still loading."));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_list_box_append (self->os_list, label);
      return;
    }
  found = hearth_os_catalog_search (db, query, 40);
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      HearthOsEntry *entry = g_ptr_array_index (found, i);
      GtkWidget *label = gtk_label_new (entry->name);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 6);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "os-id", g_strdup (entry->id), g_free);
      gtk_list_box_append (self->os_list, row);
    }
}

static void
on_os_popover_show_cb (HearthMachineSettingsWindow *self)
{
  fill_os_list (self);
}

static void
on_os_search_changed_cb (HearthMachineSettingsWindow *self)
{
  fill_os_list (self);
}

static void
on_os_row_activated_cb (HearthMachineSettingsWindow *self,
                        GtkListBoxRow               *row)
{
  const char *os_id = g_object_get_data (G_OBJECT (row), "os-id");

  gtk_popover_popdown (self->os_popover);
  if (!can_change (self) || os_id == NULL)
    return;
  hearth_machine_settings_set_os_id (self->settings, os_id);
  apply_pending (self, self->os_error);
}

/* Storage. */

static void
on_chooser_response_cb (GtkNativeDialog             *dialog,
                        int                          response,
                        HearthMachineSettingsWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT && can_change (self)
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL
      && (path = g_file_get_path (file)) != NULL)
    {
      hearth_machine_settings_set_cdrom (self->settings, self->chooser_target, path);
      apply_pending (self, self->disks_error);
    }
  g_clear_object (&self->chooser);
}

static void
insert_clicked_cb (GtkButton                   *button,
                   HearthMachineSettingsWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (!can_change (self))
    return;
  g_free (self->chooser_target);
  self->chooser_target = g_strdup (g_object_get_data (G_OBJECT (button), "target"));
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  self->chooser = gtk_file_chooser_native_new (_("Insert a CD or DVD Image"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Insert"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CD and DVD images"));
  gtk_file_filter_add_suffix (filter, "iso");
  gtk_file_filter_add_mime_type (filter, "application/x-cd-image");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
eject_clicked_cb (GtkButton                   *button,
                  HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_cdrom (self->settings,
                                     g_object_get_data (G_OBJECT (button), "target"), NULL);
  apply_pending (self, self->disks_error);
}

static void
on_remove_response_cb (AdwMessageDialog            *dialog,
                       const char                  *response,
                       HearthMachineSettingsWindow *self)
{
  GtkCheckButton *delete_check;

  if (g_strcmp0 (response, "remove") != 0 || !can_change (self))
    return;
  delete_check = GTK_CHECK_BUTTON (adw_message_dialog_get_extra_child (dialog));
  hearth_machine_settings_remove_disk (self->settings,
                                       g_object_get_data (G_OBJECT (dialog), "target"),
                                       gtk_check_button_get_active (delete_check));
  apply_pending (self, self->disks_error);
}

static void
remove_disk_clicked_cb (GtkButton                   *button,
                        HearthMachineSettingsWindow *self)
{
  const char *target = g_object_get_data (G_OBJECT (button), "target");
  const char *path = g_object_get_data (G_OBJECT (button), "path");
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *check;

  if (!can_change (self))
    return;

  /* Translators: %s is a disk's target, such as vda. */
  heading = g_strdup_printf (_("Remove Disk %s?"), target);
  if (path != NULL)
    /* Translators: %s is a disk image's path. */
    body = g_strdup_printf (_("The machine will no longer see this disk. Its image %s is kept "
                              "unless you choose to delete it."), path);
  else
    body = g_strdup (_("The machine will no longer see this disk."));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  check = gtk_check_button_new_with_mnemonic (_("Also _delete the image file"));
  gtk_widget_set_sensitive (check, path != NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), check);
  g_object_set_data_full (G_OBJECT (dialog), "target", g_strdup (target), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_grow_response_cb (AdwMessageDialog            *dialog,
                     const char                  *response,
                     HearthMachineSettingsWindow *self)
{
  GtkSpinButton *size_spin;

  if (g_strcmp0 (response, "grow") != 0 || !can_change (self))
    return;
  size_spin = GTK_SPIN_BUTTON (adw_message_dialog_get_extra_child (dialog));
  gtk_spin_button_update (size_spin);
  hearth_machine_settings_resize_disk (self->settings,
                                       g_object_get_data (G_OBJECT (dialog), "target"),
                                       (guint64) gtk_spin_button_get_value (size_spin) * GIB);
  apply_pending (self, self->disks_error);
}

static void
grow_disk_clicked_cb (GtkButton                   *button,
                      HearthMachineSettingsWindow *self)
{
  const char *target = g_object_get_data (G_OBJECT (button), "target");
  const guint64 *capacity = g_object_get_data (G_OBJECT (button), "capacity");
  g_autofree char *heading = NULL;
  g_autofree char *now = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *size_spin;
  double current_gib;

  if (!can_change (self))
    return;

  current_gib = capacity != NULL ? (double) ((*capacity + GIB - 1) / GIB) : 1;
  now = capacity != NULL && *capacity > 0 ? hearth_ui_format_memory (*capacity) : NULL;
  /* Translators: %s is a disk's target, such as vda. */
  heading = g_strdup_printf (_("Grow Disk %s?"), target);
  body = g_strdup_printf (
    /* Translators: %s is the disk's size now. */
    _("The disk is %s now. A disk can only grow, never shrink again, and the guest must "
      "extend its partition and file system to use the new space. Enter the new size in "
      "GiB."),
    now != NULL ? now : "?");
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "grow", _("_Grow"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "grow",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "grow");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  size_spin = gtk_spin_button_new_with_range (1, 65536, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (size_spin), current_gib + 1);
  gtk_widget_set_halign (size_spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (size_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("New disk size in GiB"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), size_spin);
  g_object_set_data_full (G_OBJECT (dialog), "target", g_strdup (target), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_grow_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_attach_response_cb (GtkNativeDialog             *dialog,
                       int                          response,
                       HearthMachineSettingsWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT && can_change (self)
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL
      && (path = g_file_get_path (file)) != NULL)
    {
      hearth_machine_settings_attach_disk (self->settings, path);
      apply_pending (self, self->add_disk_error);
    }
  g_clear_object (&self->chooser);
}

static void
on_attach_disk_cb (HearthMachineSettingsWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (!can_change (self))
    return;
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  self->chooser = gtk_file_chooser_native_new (_("Attach a Disk Image"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Disk images"));
  gtk_file_filter_add_suffix (filter, "qcow2");
  gtk_file_filter_add_suffix (filter, "img");
  gtk_file_filter_add_suffix (filter, "raw");
  gtk_file_filter_add_suffix (filter, "vmdk");
  gtk_file_filter_add_suffix (filter, "vdi");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_attach_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_add_disk_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  gtk_spin_button_update (self->disk_size_spin);
  hearth_machine_settings_add_disk (self->settings,
                                    (guint64) gtk_spin_button_get_value (self->disk_size_spin)
                                    * GIB);
  apply_pending (self, self->add_disk_error);
}

/* Network. */

static void
link_switch_cb (GtkSwitch                   *toggle,
                GParamSpec                  *pspec,
                HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_interface_link (self->settings,
                                              g_object_get_data (G_OBJECT (toggle), "mac"),
                                              gtk_switch_get_active (toggle));
  apply_pending (self, self->network_error);
}

static void
model_selected_cb (AdwComboRow                 *row,
                   GParamSpec                  *pspec,
                   HearthMachineSettingsWindow *self)
{
  GtkStringObject *item = adw_combo_row_get_selected_item (row);
  const char *model;

  if (!can_change (self) || item == NULL)
    return;
  model = gtk_string_object_get_string (item);
  if (g_strcmp0 (model, g_object_get_data (G_OBJECT (row), "model")) == 0)
    return;
  hearth_machine_settings_set_interface (self->settings,
                                         g_object_get_data (G_OBJECT (row), "mac"),
                                         NULL, model);
  apply_pending (self, self->network_error);
}

static void
network_selected_cb (AdwComboRow                 *row,
                     GParamSpec                  *pspec,
                     HearthMachineSettingsWindow *self)
{
  GtkStringObject *item = adw_combo_row_get_selected_item (row);
  const char *network;

  if (!can_change (self) || item == NULL || self->networks == NULL)
    return;
  /* Only the connection's networks can be chosen; the first entry of a card on
   * a bridge or user networking describes it and is not a network. */
  network = gtk_string_object_get_string (item);
  if (!g_strv_contains ((const char * const *) self->networks, network))
    return;
  hearth_machine_settings_set_interface (self->settings,
                                         g_object_get_data (G_OBJECT (row), "mac"),
                                         network, NULL);
  apply_pending (self, self->network_error);
}

static void
mac_apply_cb (AdwEntryRow                 *row,
              HearthMachineSettingsWindow *self)
{
  g_autofree char *mac = NULL;

  if (!can_change (self))
    return;
  mac = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  if (g_ascii_strcasecmp (mac, g_object_get_data (G_OBJECT (row), "mac")) == 0)
    return;
  hearth_machine_settings_set_interface_mac (self->settings,
                                             g_object_get_data (G_OBJECT (row), "mac"), mac);
  apply_pending (self, self->network_error);
}

/* Display, sound and boot. */

static void
on_video_selected_cb (HearthMachineSettingsWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->video_row);
  const char *model;

  if (!can_change (self) || selected == GTK_INVALID_LIST_POSITION)
    return;
  model = selected < G_N_ELEMENTS (video_model_ids)
          ? video_model_ids[selected]
          : gtk_string_list_get_string (self->video_models, selected);
  if (g_strcmp0 (model, hearth_machine_settings_get_video_model (self->settings)) == 0)
    return;
  hearth_machine_settings_set_video_model (self->settings, model);
  apply_pending (self, self->display_error);
}

static void
on_sound_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_sound (self->settings,
                                     gtk_switch_get_active (self->sound_switch));
  apply_pending (self, self->display_error);
}

static void
on_boot_selected_cb (HearthMachineSettingsWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->boot_row);
  const char * const *order;
  g_autoptr(GPtrArray) devices = NULL;

  if (!can_change (self) || selected >= G_N_ELEMENTS (boot_device_ids))
    return;

  /* The chosen device goes first; the others keep their order after it. */
  order = hearth_machine_settings_get_boot_order (self->settings);
  devices = g_ptr_array_new ();
  g_ptr_array_add (devices, (gpointer) boot_device_ids[selected].id);
  for (guint i = 0; order != NULL && order[i] != NULL; i++)
    if (g_strcmp0 (order[i], boot_device_ids[selected].id) != 0)
      g_ptr_array_add (devices, (gpointer) order[i]);
  g_ptr_array_add (devices, NULL);
  if (order != NULL && g_strv_equal ((const char * const *) devices->pdata, order))
    return;
  hearth_machine_settings_set_boot_order (self->settings,
                                          (const char * const *) devices->pdata);
  apply_pending (self, self->boot_error);
}

static void
on_boot_menu_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_boot_menu (self->settings,
                                         gtk_switch_get_active (self->boot_menu_switch));
  apply_pending (self, self->boot_error);
}

/* Processor model, 3D and firmware. */

static void
on_cpu_model_selected_cb (HearthMachineSettingsWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->cpu_model_row);
  const char *model;
  HearthSettingBlock block = HEARTH_SETTING_BLOCK_NONE;
  g_autoptr(GError) error = NULL;

  if (!can_change (self) || selected >= self->cpu_model_ids->len)
    return;
  model = g_ptr_array_index (self->cpu_model_ids, selected);
  if (*model == '\0'
      || g_strcmp0 (model, hearth_machine_settings_get_cpu_model (self->settings)) == 0)
    return;
  hide_error (self->cpu_error);
  /* Refused before anything is asked of libvirt, with the reason in place;
   * the combo goes back to what the machine has. */
  if (!hearth_machine_settings_can_use_cpu_model (self->settings, model, &block, &error))
    {
      self->populating = TRUE;
      populate_cpu (self);
      self->populating = FALSE;
      show_error (self->cpu_error, block_sentence (block), error->message);
      return;
    }
  hearth_machine_settings_set_cpu_model (self->settings, model);
  apply_pending (self, self->cpu_error);
}

static void
on_accel3d_cb (HearthMachineSettingsWindow *self)
{
  if (!can_change (self))
    return;
  hearth_machine_settings_set_accel3d (self->settings,
                                       gtk_switch_get_active (self->accel3d_switch));
  apply_pending (self, self->display_error);
}

static void
on_firmware_selected_cb (HearthMachineSettingsWindow *self)
{
  const char *firmware = adw_combo_row_get_selected (self->firmware_row) == 1 ? "efi" : "bios";
  HearthOsDatabase *db = hearth_os_database_get_default ();
  const char *os_id;
  HearthOsRequirements req = { 0 };

  if (!can_change (self)
      || g_strcmp0 (firmware, hearth_machine_settings_get_firmware (self->settings)) == 0)
    return;
  /* libosinfo knows which systems do not start with BIOS; an unknown system is
   * the user's call. */
  os_id = hearth_machine_settings_get_os_id (self->settings);
  if (os_id != NULL && hearth_os_database_is_loaded (db))
    hearth_os_catalog_get_requirements (db, os_id, &req);
  hearth_machine_settings_set_firmware (self->settings, firmware, req.needs_uefi);
  apply_pending (self, self->boot_error);
}

/* Edit XML. */

static void
on_xml_changed_cb (HearthMachineSettingsWindow *self)
{
  gboolean modified = gtk_text_buffer_get_modified (gtk_text_view_get_buffer (self->xml_view));

  gtk_widget_set_sensitive (self->xml_save_button, modified && self->settings != NULL);
  gtk_widget_set_sensitive (self->xml_revert_button, modified);
}

static void
on_xml_save_cb (HearthMachineSettingsWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->xml_view);
  GtkTextIter start, end;
  g_autofree char *xml = NULL;

  if (!can_change (self))
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  xml = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  /* The XML is applied on its own: drop anything else half-entered. */
  hearth_machine_settings_discard (self->settings);
  hearth_machine_settings_set_xml (self->settings, xml);
  apply_pending (self, self->xml_error);
}

static void
on_xml_revert_cb (HearthMachineSettingsWindow *self)
{
  hide_error (self->xml_error);
  if (self->settings != NULL)
    populate_xml (self);
}

/* Loading ----------------------------------------------------------------------- */

static void
on_reloaded_cb (HearthMachineSettingsWindow *self)
{
  populate (self);
}

static void
on_snapshots_refreshed_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  HearthMachineSettingsWindow *self;
  g_autoptr(GError) error = NULL;
  GListModel *snapshots;

  if (!hearth_snapshot_tree_refresh_finish (HEARTH_SNAPSHOT_TREE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Without a snapshot list the switch stays off; the machine's drivers may
       * not have snapshots at all. */
      g_debug ("Could not read the snapshots: %s", error->message);
      return;
    }
  self = user_data;
  snapshots = hearth_snapshot_tree_get_snapshots (HEARTH_SNAPSHOT_TREE (object));
  /* A machine whose user keeps snapshots gets one before each change, unless
   * the user said otherwise already. */
  if (!self->snapshot_chosen && snapshots != NULL && g_list_model_get_n_items (snapshots) > 0)
    {
      self->populating = TRUE;
      gtk_switch_set_active (self->snapshot_switch, TRUE);
      self->populating = FALSE;
    }
}

static void
set_pages_sensitive (HearthMachineSettingsWindow *self,
                     gboolean                     sensitive)
{
  AdwPreferencesGroup *groups[] = {
    self->identity_group, self->start_group, self->hardware_group, self->disks_group,
    self->add_disk_group, self->network_group, self->display_group, self->boot_group,
    self->xml_group, self->cpu_group,
  };

  for (guint i = 0; i < G_N_ELEMENTS (groups); i++)
    gtk_widget_set_sensitive (GTK_WIDGET (groups[i]), sensitive);
}

static void
on_networks_listed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  HearthMachineSettingsWindow *self;
  g_autoptr(GError) error = NULL;
  GStrv networks;

  networks = hearth_machine_settings_list_networks_finish (HEARTH_MACHINE_SETTINGS (object),
                                                           result, &error);
  if (networks == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not list the networks: %s", error->message);
      return;
    }
  self = user_data;
  g_strfreev (self->networks);
  self->networks = networks;
  self->populating = TRUE;
  populate_interfaces (self);
  self->populating = FALSE;
}

static void
on_settings_loaded_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  HearthMachineSettingsWindow *self;
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = hearth_machine_settings_load_finish (HEARTH_MACHINE (object), result, &error);
  if (settings == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  if (settings == NULL)
    {
      show_error (self->identity_error, _("The settings of this machine could not be read."),
                  error->message);
      return;
    }

  self->settings = g_steal_pointer (&settings);
  g_signal_connect_object (self->settings, "reloaded", G_CALLBACK (on_reloaded_cb), self,
                           G_CONNECT_SWAPPED);
  populate (self);
  set_pages_sensitive (self, TRUE);
  hearth_machine_settings_list_networks_async (self->settings, self->cancellable,
                                               on_networks_listed_cb, self);

  self->snapshot_tree = hearth_snapshot_tree_new (self->machine);
  hearth_snapshot_tree_refresh_async (self->snapshot_tree, self->cancellable,
                                      on_snapshots_refreshed_cb, self);
}

static void
on_os_database_loaded_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  HearthMachineSettingsWindow *self;

  if (!hearth_os_database_load_finish (HEARTH_OS_DATABASE (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("The OS database did not load: %s", error->message);
      return;
    }
  self = user_data;
  g_debug ("OS database loaded");
  if (self->settings != NULL)
    update_os_row (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->os_popover)))
    fill_os_list (self);
}

/* GObject ------------------------------------------------------------------------ */

static void
hearth_machine_settings_window_constructed (GObject *object)
{
  HearthMachineSettingsWindow *self = HEARTH_MACHINE_SETTINGS_WINDOW (object);
  HearthOsDatabase *db = hearth_os_database_get_default ();
  g_autofree char *title = NULL;

  G_OBJECT_CLASS (hearth_machine_settings_window_parent_class)->constructed (object);

  g_return_if_fail (self->machine != NULL);

  /* Translators: the settings window's title; %s is the machine's name. */
  title = g_strdup_printf (_("%s Settings"), hearth_machine_get_display_name (self->machine));
  gtk_window_set_title (GTK_WINDOW (self), title);

  set_pages_sensitive (self, FALSE);
  hearth_machine_settings_load_async (self->machine, self->cancellable, on_settings_loaded_cb,
                                      self);
  if (!hearth_os_database_is_loaded (db))
    hearth_os_database_load_async (db, self->cancellable, on_os_database_loaded_cb, self);

  /* Sharing (folders, USB devices) loads itself; the expert XML page stays last. */
  self->devices_page =
    hearth_settings_devices_page_insert (ADW_PREFERENCES_WINDOW (self), self->machine,
                                       gtk_widget_get_ancestor (GTK_WIDGET (self->xml_group),
                                                                ADW_TYPE_PREFERENCES_PAGE));
}

static void
hearth_machine_settings_window_dispose (GObject *object)
{
  HearthMachineSettingsWindow *self = HEARTH_MACHINE_SETTINGS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_MACHINE_SETTINGS_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->snapshot_tree);
  g_clear_object (&self->machine);

  G_OBJECT_CLASS (hearth_machine_settings_window_parent_class)->dispose (object);
}

static void
hearth_machine_settings_window_finalize (GObject *object)
{
  HearthMachineSettingsWindow *self = HEARTH_MACHINE_SETTINGS_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->chooser_target);
  g_clear_pointer (&self->cpu_model_ids, g_ptr_array_unref);
  g_clear_pointer (&self->networks, g_strfreev);

  G_OBJECT_CLASS (hearth_machine_settings_window_parent_class)->finalize (object);
}

static void
hearth_machine_settings_window_get_property (GObject    *object,
                                             guint       prop_id,
                                             GValue     *value,
                                             GParamSpec *pspec)
{
  HearthMachineSettingsWindow *self = HEARTH_MACHINE_SETTINGS_WINDOW (object);

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
hearth_machine_settings_window_set_property (GObject      *object,
                                             guint         prop_id,
                                             const GValue *value,
                                             GParamSpec   *pspec)
{
  HearthMachineSettingsWindow *self = HEARTH_MACHINE_SETTINGS_WINDOW (object);

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
hearth_machine_settings_window_class_init (HearthMachineSettingsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hearth_machine_settings_window_constructed;
  object_class->dispose = hearth_machine_settings_window_dispose;
  object_class->finalize = hearth_machine_settings_window_finalize;
  object_class->get_property = hearth_machine_settings_window_get_property;
  object_class->set_property = hearth_machine_settings_window_set_property;

  /** HearthMachineSettingsWindow:machine: The machine whose settings are shown. */
  properties[PROP_MACHINE] = g_param_spec_object ("machine", NULL, NULL, HEARTH_TYPE_MACHINE,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                                  | G_PARAM_EXPLICIT_NOTIFY
                                                  | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/"
                                               "hearth-machine-settings-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, identity_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, start_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, hardware_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, disks_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, add_disk_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, network_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, display_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, boot_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, xml_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        description_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, os_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, os_button);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, os_popover);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        os_search_entry);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, os_list);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        snapshot_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, vcpus_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, memory_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, vcpus_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        max_vcpus_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        max_memory_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        hardware_apply_button);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, golden_label);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, cpu_group);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, cpu_model_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        cpu_model_labels);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, accel3d_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        accel3d_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, firmware_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, disks_list);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, add_disk_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        disk_size_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        add_disk_button);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        interfaces_list);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, video_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, video_models);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, boot_row);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, boot_devices);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        boot_menu_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow, xml_view);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        xml_save_button);
  gtk_widget_class_bind_template_child (widget_class, HearthMachineSettingsWindow,
                                        xml_revert_button);

  gtk_widget_class_bind_template_callback (widget_class, on_name_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_description_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_os_popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_os_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_os_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_autostart_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_snapshot_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_hardware_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_hardware_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_add_disk_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_attach_disk_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_video_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_sound_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_boot_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_boot_menu_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_xml_save_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_xml_revert_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cpu_model_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_accel3d_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_firmware_selected_cb);
}

static void
hearth_machine_settings_window_init (HearthMachineSettingsWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->cpu_model_ids = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  G_STATIC_ASSERT (G_N_ELEMENTS (video_model_ids) == G_N_ELEMENTS (video_model_labels));
  for (guint i = 0; i < G_N_ELEMENTS (video_model_ids); i++)
    gtk_string_list_append (self->video_models,
                            video_model_labels[i] != NULL ? video_model_labels[i]
                            : C_("video model", "None"));
  for (guint i = 0; i < G_N_ELEMENTS (boot_device_ids); i++)
    gtk_string_list_append (self->boot_devices, _(boot_device_ids[i].label));

  self->identity_error = add_error_area (self->identity_group);
  self->os_error = self->identity_error;
  self->start_error = add_error_area (self->start_group);
  self->hardware_error = add_error_area (self->hardware_group);
  self->disks_error = add_error_area (self->disks_group);
  self->add_disk_error = add_error_area (self->add_disk_group);
  self->network_error = add_error_area (self->network_group);
  self->display_error = add_error_area (self->display_group);
  self->boot_error = add_error_area (self->boot_group);
  self->xml_error = add_error_area (self->xml_group);
  self->cpu_error = add_error_area (self->cpu_group);

  g_signal_connect_object (gtk_text_view_get_buffer (self->xml_view), "modified-changed",
                           G_CALLBACK (on_xml_changed_cb), self, G_CONNECT_SWAPPED);
}

/**
 * hearth_machine_settings_window_new:
 * @machine: the machine to show
 *
 * Returns: (transfer full): a new settings window; it reads the settings at once
 */
HearthMachineSettingsWindow *
hearth_machine_settings_window_new (HearthMachine *machine)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE (machine), NULL);

  return g_object_new (HEARTH_TYPE_MACHINE_SETTINGS_WINDOW, "machine", machine, NULL);
}

/** hearth_machine_settings_window_get_machine: Returns: (transfer none): the machine */
HearthMachine *
hearth_machine_settings_window_get_machine (HearthMachineSettingsWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_SETTINGS_WINDOW (self), NULL);

  return self->machine;
}
