/* hearth-wizard-window.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-ui-utils.h"
#include "hearth-wizard-window.h"

/**
 * HearthWizardWindow:
 *
 * The creation wizard: Source → Purpose → Resources → Security → Review. Every
 * page only collects choices; the machine is built by the core's builder when
 * the user chooses Create, and an error then stays on the Review page with
 * everything the user entered. The host probe, the OS database, media detection
 * and the creation itself are asynchronous and cancelled when the window goes.
 */
struct _HearthWizardWindow
{
  AdwWindow parent_instance;

  /* Owned, main thread only. */
  HearthConnection   *connection;
  HearthWindow       *parent;        /* weak pointer */
  GCancellable       *cancellable;
  GCancellable       *detect_cancellable;
  GtkNativeDialog    *chooser;       /* the open file chooser, or NULL */
  HearthHostProfile  *host;
  HearthOsDatabase   *os_db;
  char               *os_id;         /* chosen in the catalogue */
  char               *iso_path;
  HearthMediaInfo    *media;         /* what detection found in iso_path */
  char               *disk_path;
  HearthPreset       *preset;
  HearthPresetSizing  sizing;
  gboolean            has_sizing;
  gboolean            sizing_dirty;  /* the Resources and Security pages need the sizing */
  gboolean            detecting;
  gboolean            probing;
  gboolean            media_bad;
  gboolean            creating;
  gboolean            zone_fallback; /* the purpose's DMZ became home NAT here */
  gboolean            name_edited;
  gboolean            setting_name;
  GPtrArray          *summary_rows;  /* (element-type GtkWidget), borrowed from the group */

  /* Template children. */
  AdwWindowTitle     *window_title;
  GtkWidget          *cancel_button;
  GtkWidget          *back_button;
  GtkWidget          *next_button;
  GtkWidget          *create_button;
  GtkSpinner         *create_spinner;
  GtkStack           *stack;
  GtkCheckButton     *source_catalogue_check;
  GtkCheckButton     *source_iso_check;
  GtkCheckButton     *source_disk_check;
  GtkWidget          *catalogue_group;
  GtkSearchEntry     *os_search_entry;
  GtkListBox         *os_list;
  GtkWidget          *iso_group;
  AdwActionRow       *iso_row;
  AdwActionRow       *detect_row;
  GtkSpinner         *detect_spinner;
  GtkWidget          *disk_group;
  AdwActionRow       *disk_row;
  GtkCheckButton     *disk_copy_check;
  GtkLabel           *host_label;
  GtkFlowBox         *purpose_box;
  GtkAdjustment      *vcpus_adjustment;
  GtkAdjustment      *memory_adjustment;
  GtkAdjustment      *disk_size_adjustment;
  GtkWidget          *disk_size_row;
  AdwPreferencesGroup *gauge_group;
  AdwActionRow       *cpu_gauge_row;
  AdwActionRow       *memory_gauge_row;
  GtkLevelBar        *cpu_gauge;
  GtkLevelBar        *memory_gauge;
  AdwActionRow       *verdict_row;
  GtkImage           *verdict_icon;
  AdwComboRow        *firmware_row;
  GtkWidget          *secure_boot_row;
  GtkSwitch          *secure_boot_switch;
  GtkWidget          *tpm_row;
  GtkSwitch          *tpm_switch;
  AdwComboRow        *network_row;
  GtkLabel           *network_note;
  GtkSwitch          *sandbox_switch;
  GtkWidget          *error_box;
  GtkLabel           *error_title;
  GtkLabel           *error_detail;
  GtkLabel           *error_message;
  AdwEntryRow        *name_row;
  AdwPreferencesGroup *summary_group;
  GtkCheckButton     *start_check;
};

G_DEFINE_FINAL_TYPE (HearthWizardWindow, hearth_wizard_window, ADW_TYPE_WINDOW)

/* The pages in order; the names are those of the GtkStack pages in the .ui. */
static const char * const pages[] = { "source", "purpose", "resources", "security", "review" };

#define GIB ((guint64) 1 << 30)
#define MIB ((guint64) 1 << 20)
#define OS_RESULTS 40

/* Firmware combo row positions. */
enum { FIRMWARE_BIOS, FIRMWARE_UEFI };

typedef enum
{
  SOURCE_CATALOGUE,
  SOURCE_ISO,
  SOURCE_DISK,
} SourceKind;

static void update_actions       (HearthWizardWindow *self);
static void start_probe          (HearthWizardWindow *self);
static void mark_chosen_purpose  (HearthWizardWindow *self);
static void on_network_changed_cb (HearthWizardWindow *self);

static guint
current_page (HearthWizardWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->stack);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      if (g_strcmp0 (pages[i], name) == 0)
        return i;
    }

  return 0;
}

static SourceKind
get_source_kind (HearthWizardWindow *self)
{
  if (gtk_check_button_get_active (self->source_iso_check))
    return SOURCE_ISO;
  if (gtk_check_button_get_active (self->source_disk_check))
    return SOURCE_DISK;
  return SOURCE_CATALOGUE;
}

/* The OS the machine is for, as far as Hearth knows: the catalogue's choice or
 * what was found on the ISO; %NULL for disk images and unknown media. */
static const char *
get_os_id (HearthWizardWindow *self)
{
  switch (get_source_kind (self))
    {
    case SOURCE_CATALOGUE:
      return self->os_id;
    case SOURCE_ISO:
      return self->media != NULL ? self->media->os_id : NULL;
    case SOURCE_DISK:
    default:
      return NULL;
    }
}

static char *
dup_os_name (HearthWizardWindow *self)
{
  const char *os_id = get_os_id (self);

  if (os_id == NULL || !hearth_os_database_is_loaded (self->os_db))
    return NULL;

  return hearth_os_database_dup_name (self->os_db, os_id);
}

static gboolean
source_complete (HearthWizardWindow *self)
{
  switch (get_source_kind (self))
    {
    case SOURCE_CATALOGUE:
      return self->os_id != NULL;
    case SOURCE_ISO:
      return self->iso_path != NULL && !self->detecting && !self->media_bad;
    case SOURCE_DISK:
      return self->disk_path != NULL;
    default:
      return FALSE;
    }
}

static char *
format_gib (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static char *
describe_sizing (const HearthPresetSizing *sizing,
                 gboolean                  with_disk)
{
  g_autofree char *memory = format_gib (sizing->memory);
  g_autofree char *disk = format_gib (sizing->disk_size);

  if (with_disk)
    /* Translators: the sizes a purpose gives, e.g. "4 vCPUs · 8.0 GiB memory · 64.0 GiB disk". */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u vCPU · %s memory · %s disk",
                                         "%u vCPUs · %s memory · %s disk", sizing->vcpus),
                            sizing->vcpus, memory, disk);

  /* Translators: the sizes a purpose gives, e.g. "4 vCPUs · 8.0 GiB memory". */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u vCPU · %s memory",
                                       "%u vCPUs · %s memory", sizing->vcpus),
                          sizing->vcpus, memory);
}

/* A translated reason why a purpose does not fit this host. */
static const char *
explain_sizing_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return _("Not enough free disk space for this purpose");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
    return _("This computer is too small for this purpose");
  return _("Not available on this computer");
}

/* --- Source page ------------------------------------------------------------ */

static const char *
describe_os_family (HearthOsFamily family)
{
  switch (family)
    {
    case HEARTH_OS_FAMILY_LINUX:
      return _("Linux");
    case HEARTH_OS_FAMILY_WINDOWS:
      return _("Windows");
    case HEARTH_OS_FAMILY_BSD:
      return _("BSD or Unix");
    case HEARTH_OS_FAMILY_OTHER:
    default:
      return _("Other system");
    }
}

static GtkWidget *
create_os_row (const HearthOsEntry *entry)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GString) subtitle = g_string_new (NULL);
  HearthOsFamily family = hearth_os_family_from_osinfo (entry->family);
  GtkWidget *icon = gtk_image_new_from_icon_name (hearth_os_family_get_icon_name (family));

  /* A generic icon per family: osinfo-db's logos are remote, and trademarks. */
  gtk_image_set_icon_size (GTK_IMAGE (icon), GTK_ICON_SIZE_LARGE);
  gtk_widget_set_tooltip_text (icon, describe_os_family (family));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  describe_os_family (family), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry->name);
  if (entry->vendor != NULL)
    g_string_append (subtitle, entry->vendor);
  if (entry->release_date != NULL)
    {
      if (subtitle->len > 0)
        g_string_append (subtitle, " · ");
      /* Translators: %s is a release date such as 2024-04-25. */
      g_string_append_printf (subtitle, _("released %s"), entry->release_date);
    }
  if (entry->eol)
    {
      if (subtitle->len > 0)
        g_string_append (subtitle, " · ");
      g_string_append (subtitle, _("no longer supported by its maker"));
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "os-id", g_strdup (entry->id), g_free);

  return row;
}

static void
fill_os_list (HearthWizardWindow *self)
{
  g_autoptr(GPtrArray) entries = NULL;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->os_search_entry));
  GtkWidget *child;
  GtkWidget *selected = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->os_list))) != NULL)
    gtk_list_box_remove (self->os_list, child);

  if (!hearth_os_database_is_loaded (self->os_db))
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("Loading the catalogue of operating systems…"));
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->os_list, row);
      return;
    }

  entries = hearth_os_catalog_search (self->os_db, query, OS_RESULTS);
  if (entries->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("No operating system matches the search"));
      gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->os_list, row);
      return;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      const HearthOsEntry *entry = g_ptr_array_index (entries, i);
      GtkWidget *row = create_os_row (entry);

      gtk_list_box_append (self->os_list, row);
      if (g_strcmp0 (entry->id, self->os_id) == 0)
        selected = row;
    }

  /* Keep the choice visible when a new search still lists it. */
  if (selected != NULL)
    gtk_list_box_select_row (self->os_list, GTK_LIST_BOX_ROW (selected));
}

static void
on_os_search_changed_cb (HearthWizardWindow *self)
{
  fill_os_list (self);
}

static void
choose_os (HearthWizardWindow *self,
           const char         *os_id)
{
  if (g_strcmp0 (self->os_id, os_id) == 0)
    return;

  g_free (self->os_id);
  self->os_id = g_strdup (os_id);
  self->sizing_dirty = TRUE;
  update_actions (self);
}

static void
on_os_row_selected_cb (HearthWizardWindow *self,
                       GtkListBoxRow      *row)
{
  /* Rebuilding the list unselects the row; that is no change of mind. */
  if (row == NULL)
    return;

  choose_os (self, g_object_get_data (G_OBJECT (row), "os-id"));
}

static void
on_source_kind_toggled_cb (HearthWizardWindow *self)
{
  SourceKind kind = get_source_kind (self);

  gtk_widget_set_visible (self->catalogue_group, kind == SOURCE_CATALOGUE);
  gtk_widget_set_visible (self->iso_group, kind == SOURCE_ISO);
  gtk_widget_set_visible (self->disk_group, kind == SOURCE_DISK);
  gtk_widget_set_sensitive (self->disk_size_row, kind != SOURCE_DISK);
  self->sizing_dirty = TRUE;
  update_actions (self);
}

static void
show_detection (HearthWizardWindow *self)
{
  g_autoptr(GString) subtitle = g_string_new (NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->detect_row), self->iso_path != NULL);
  gtk_spinner_set_spinning (self->detect_spinner, self->detecting);
  gtk_widget_set_visible (GTK_WIDGET (self->detect_spinner), self->detecting);
  gtk_widget_remove_css_class (GTK_WIDGET (self->detect_row), "error");

  if (self->detecting)
    g_string_append (subtitle, _("Examining the image…"));
  else if (self->media_bad)
    {
      g_string_append (subtitle, _("This file is not a CD or DVD image (ISO). Choose another "
                                   "file."));
      gtk_widget_add_css_class (GTK_WIDGET (self->detect_row), "error");
    }
  else if (self->media != NULL && self->media->os_id != NULL)
    {
      g_string_append (subtitle, self->media->os_name ? self->media->os_name
                                                      : self->media->os_id);
      if (self->media->live)
        g_string_append_printf (subtitle, " · %s", _("live system"));
      else if (self->media->installer)
        g_string_append_printf (subtitle, " · %s", _("installer"));
      if (self->media->arch != NULL)
        g_string_append_printf (subtitle, " · %s", self->media->arch);
    }
  else
    g_string_append (subtitle, _("Hearth does not recognise the system on it and uses safe "
                                 "defaults"));

  adw_action_row_set_subtitle (self->detect_row, subtitle->str);
}

static void
on_media_detected_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  HearthWizardWindow *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMediaInfo) media = NULL;

  media = hearth_os_catalog_detect_media_finish (HEARTH_OS_DATABASE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_WIZARD_WINDOW (user_data);
  self->detecting = FALSE;
  self->media_bad = FALSE;
  if (media == NULL)
    {
      g_debug ("Media detection failed: %s", error->message);
      self->media_bad = g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    }
  self->media = g_steal_pointer (&media);
  self->sizing_dirty = TRUE;
  show_detection (self);
  update_actions (self);
}

static void
start_detection (HearthWizardWindow *self)
{
  if (self->iso_path == NULL)
    return;

  /* Detection needs the OS database; its load calls this again. */
  if (!hearth_os_database_is_loaded (self->os_db))
    {
      self->detecting = TRUE;
      show_detection (self);
      update_actions (self);
      return;
    }

  g_cancellable_cancel (self->detect_cancellable);
  g_clear_object (&self->detect_cancellable);
  self->detect_cancellable = g_cancellable_new ();
  self->detecting = TRUE;
  self->media_bad = FALSE;
  g_clear_pointer (&self->media, hearth_media_info_free);
  show_detection (self);
  update_actions (self);

  hearth_os_catalog_detect_media_async (self->os_db, self->iso_path, self->detect_cancellable,
                                        on_media_detected_cb, self);
}

static void
set_file_row (AdwActionRow *row,
              const char   *path)
{
  g_autofree char *display = g_filename_display_name (path);

  adw_action_row_set_subtitle (row, display);
}

static void
on_file_chosen_cb (GtkNativeDialog    *dialog,
                   int                 response,
                   HearthWizardWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  gboolean iso = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "iso"));

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);

  if (path != NULL && iso)
    {
      g_free (self->iso_path);
      self->iso_path = g_steal_pointer (&path);
      set_file_row (self->iso_row, self->iso_path);
      start_detection (self);
    }
  else if (path != NULL)
    {
      g_free (self->disk_path);
      self->disk_path = g_steal_pointer (&path);
      set_file_row (self->disk_row, self->disk_path);
      update_actions (self);
    }

  /* The emission holds a reference, so dropping the wizard's is safe here. */
  gtk_native_dialog_destroy (dialog);
  if (dialog == self->chooser)
    g_clear_object (&self->chooser);
}

static void
choose_file (HearthWizardWindow *self,
             gboolean            iso)
{
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (iso ? _("Choose an Installer or Live Image")
                                            : _("Choose a Disk Image"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);

  if (iso)
    {
      gtk_file_filter_set_name (filter, _("CD and DVD Images"));
      gtk_file_filter_add_suffix (filter, "iso");
      gtk_file_filter_add_mime_type (filter, "application/x-cd-image");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("Disk Images"));
      gtk_file_filter_add_suffix (filter, "qcow2");
      gtk_file_filter_add_suffix (filter, "img");
      gtk_file_filter_add_suffix (filter, "raw");
      gtk_file_filter_add_suffix (filter, "vmdk");
      gtk_file_filter_add_suffix (filter, "vdi");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);

  g_object_set_data (G_OBJECT (dialog), "iso", GINT_TO_POINTER (iso));
  /* One chooser at a time; the wizard owns it until it answers. */
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  self->chooser = GTK_NATIVE_DIALOG (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_file_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_choose_iso_clicked_cb (HearthWizardWindow *self)
{
  choose_file (self, TRUE);
}

static void
on_choose_disk_clicked_cb (HearthWizardWindow *self)
{
  choose_file (self, FALSE);
}

/* --- Purpose page ----------------------------------------------------------- */

static GtkWidget *
create_purpose_card (HearthWizardWindow *self,
                     HearthPreset       *preset)
{
  g_autoptr(GError) error = NULL;
  HearthPresetSizing sizing = { 0 };
  GtkWidget *child = gtk_flow_box_child_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name (hearth_preset_get_icon_name (preset));
  GtkWidget *name = gtk_label_new (hearth_preset_get_name (preset));
  GtkWidget *description = gtk_label_new (hearth_preset_get_description (preset));
  GtkWidget *sizes;
  GtkWidget *check;
  g_autofree char *sizes_text = NULL;
  gboolean ok = TRUE;

  if (self->host == NULL)
    sizes_text = g_strdup (_("Working out the sizes for this computer…"));
  else if (hearth_preset_size_for (preset, self->host, get_os_id (self), &sizing, &error))
    {
      g_autofree char *sizes_line = NULL;

      sizes_line = describe_sizing (&sizing, get_source_kind (self) != SOURCE_DISK);

      if (sizing.below_recommended)
        sizes_text = g_strdup_printf ("%s\n%s", sizes_line,
                                      _("Less than the system recommends; the most this "
                                        "computer can give"));
      else
        sizes_text = g_steal_pointer (&sizes_line);
    }
  else
    {
      g_debug ("Preset %s does not fit: %s", hearth_preset_get_id (preset), error->message);
      sizes_text = g_strdup (explain_sizing_error (error));
      ok = FALSE;
    }
  sizes = gtk_label_new (sizes_text);

  gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 24);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_add_css_class (name, "heading");
  gtk_widget_set_hexpand (name, TRUE);
  gtk_box_append (GTK_BOX (header), icon);
  gtk_box_append (GTK_BOX (header), name);
  check = gtk_image_new_from_icon_name ("object-select-symbolic");
  gtk_widget_set_visible (check, FALSE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (check, "accent");
  gtk_box_append (GTK_BOX (header), check);

  gtk_label_set_wrap (GTK_LABEL (description), TRUE);
  /* A modest natural width lets two cards share a line in a wide window. */
  gtk_label_set_max_width_chars (GTK_LABEL (description), 30);
  gtk_label_set_width_chars (GTK_LABEL (description), 20);
  gtk_label_set_xalign (GTK_LABEL (description), 0);
  gtk_widget_set_vexpand (description, TRUE);
  gtk_widget_set_valign (description, GTK_ALIGN_START);
  gtk_widget_add_css_class (description, "dim-label");

  gtk_label_set_wrap (GTK_LABEL (sizes), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (sizes), 30);
  gtk_label_set_xalign (GTK_LABEL (sizes), 0);
  gtk_widget_add_css_class (sizes, "caption");
  gtk_widget_add_css_class (sizes, ok ? "accent" : "error");

  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), description);
  gtk_box_append (GTK_BOX (box), sizes);
  gtk_widget_add_css_class (box, "purpose-card");
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), box);
  gtk_widget_add_css_class (child, "card");
  gtk_widget_set_sensitive (child, ok);

  gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, hearth_preset_get_name (preset),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, sizes_text,
                                  -1);
  g_object_set_data_full (G_OBJECT (child), "preset", g_object_ref (preset), g_object_unref);
  g_object_set_data (G_OBJECT (child), "check", check);

  return child;
}

static void
fill_purposes (HearthWizardWindow *self)
{
  GListModel *presets = hearth_preset_list_default ();
  GtkWidget *child;
  gboolean still_there = FALSE;
  guint n = g_list_model_get_n_items (presets);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->purpose_box))) != NULL)
    gtk_flow_box_remove (self->purpose_box, child);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, i);

      child = create_purpose_card (self, preset);
      gtk_flow_box_append (self->purpose_box, child);
      if (preset == self->preset && gtk_widget_get_sensitive (child))
        still_there = TRUE;
    }

  /* A purpose the host cannot give for this OS is no choice any more. */
  if (!still_there)
    g_clear_object (&self->preset);
  mark_chosen_purpose (self);
}

static void
update_host_label (HearthWizardWindow *self)
{
  g_autofree char *memory = NULL;
  g_autofree char *text = NULL;
  const char *tier;

  if (self->host == NULL)
    return;

  switch (hearth_host_profile_get_tier (self->host))
    {
    case HEARTH_HOST_TIER_BASIC:
      tier = C_("host tier", "Basic");
      break;
    case HEARTH_HOST_TIER_PRO:
      tier = C_("host tier", "Pro");
      break;
    case HEARTH_HOST_TIER_ENTERPRISE:
      tier = C_("host tier", "Enterprise");
      break;
    case HEARTH_HOST_TIER_LIGHT:
    default:
      tier = C_("host tier", "Light");
      break;
    }

  memory = format_gib (hearth_host_profile_get_memory (self->host));
  /* Translators: "This computer: 16 threads, 31.3 GiB memory (Pro tier). The sizes below are
   * what each purpose gets on it." */
  text = g_strdup_printf (_("This computer: %u threads, %s memory (%s tier). The sizes below "
                            "are what each purpose gets on it."),
                          hearth_host_profile_get_threads (self->host), memory, tier);
  gtk_label_set_text (self->host_label, text);
}

/* The chosen card is marked by hand: a selecting flow box would select the
 * first card as soon as it takes the focus, choosing for the user. */
static void
mark_chosen_purpose (HearthWizardWindow *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->purpose_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gboolean chosen = self->preset != NULL &&
                        g_object_get_data (G_OBJECT (child), "preset") == self->preset;
      GtkWidget *check = g_object_get_data (G_OBJECT (child), "check");

      if (chosen)
        gtk_widget_add_css_class (child, "chosen");
      else
        gtk_widget_remove_css_class (child, "chosen");
      gtk_widget_set_visible (check, chosen);
      gtk_accessible_update_state (GTK_ACCESSIBLE (child),
                                   GTK_ACCESSIBLE_STATE_SELECTED, chosen,
                                   -1);
    }
}

static void
on_purpose_activated_cb (HearthWizardWindow *self,
                         GtkFlowBoxChild    *child)
{
  HearthPreset *preset = g_object_get_data (G_OBJECT (child), "preset");

  if (preset != self->preset)
    {
      g_set_object (&self->preset, preset);
      self->sizing_dirty = TRUE;
    }
  mark_chosen_purpose (self);
  update_actions (self);
}

/* --- Resources page --------------------------------------------------------- */

static void
update_gauge (HearthWizardWindow *self)
{
  HearthGoldenVerdict verdict = { 0 };
  g_autofree char *cpu_text = NULL;
  g_autofree char *memory_text = NULL;
  g_autofree char *running = NULL;
  g_autofree char *new_memory = NULL;
  g_autofree char *budget = NULL;
  const char *verdict_title;
  const char *verdict_text;
  const char *icon_name;
  const char *css_class;
  guint vcpus = (guint) gtk_adjustment_get_value (self->vcpus_adjustment);
  guint64 memory = (guint64) (gtk_adjustment_get_value (self->memory_adjustment) * GIB);

  if (self->host == NULL)
    return;

  hearth_golden_ratio_check (self->host, hearth_connection_get_machines (self->connection),
                             NULL, vcpus, memory, &verdict);

  /* Translators: "2 running + 4 for this machine, of 9.9 for machines (16 threads)". */
  cpu_text = g_strdup_printf (_("%u running + %u for this machine, of %.1f for machines "
                                "(%u threads)"),
                              verdict.running_vcpus, verdict.new_vcpus, verdict.budget_vcpus,
                              verdict.host_threads);
  running = format_gib (verdict.running_memory);
  new_memory = format_gib (verdict.new_memory);
  budget = format_gib (verdict.budget_memory);
  /* Translators: "2.0 GiB running + 4.0 GiB for this machine, of 19.3 GiB for machines". */
  memory_text = g_strdup_printf (_("%s running + %s for this machine, of %s for machines"),
                                 running, new_memory, budget);
  adw_action_row_set_subtitle (self->cpu_gauge_row, cpu_text);
  adw_action_row_set_subtitle (self->memory_gauge_row, memory_text);
  gtk_level_bar_set_value (self->cpu_gauge, CLAMP (verdict.cpu_share, 0.0, 1.2));
  gtk_level_bar_set_value (self->memory_gauge, CLAMP (verdict.memory_share, 0.0, 1.2));

  switch (verdict.fit)
    {
    case HEARTH_GOLDEN_FIT_FITS:
      verdict_title = _("Fits Comfortably");
      verdict_text = _("This computer keeps plenty of room for itself.");
      icon_name = "emblem-ok-symbolic";
      css_class = "success";
      break;
    case HEARTH_GOLDEN_FIT_TIGHT:
      verdict_title = _("Fits, Tightly");
      verdict_text = _("This computer keeps just enough room for itself.");
      icon_name = "dialog-warning-symbolic";
      css_class = "warning";
      break;
    case HEARTH_GOLDEN_FIT_OVER:
    default:
      verdict_title = _("Too Much While Others Run");
      /* xgettext:no-c-format */
      verdict_text = _("With the running machines, this computer would keep less than 38.2 % "
                       "for itself. Choose less here, or shut another machine down before "
                       "starting this one.");
      icon_name = "dialog-error-symbolic";
      css_class = "error";
      break;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->verdict_row), verdict_title);
  adw_action_row_set_subtitle (self->verdict_row, verdict_text);
  gtk_image_set_from_icon_name (self->verdict_icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), css_class);
}

static void
on_resources_changed_cb (HearthWizardWindow *self)
{
  update_gauge (self);
}

/* Bounds from the host: a machine alone may take the golden-ratio share of it,
 * and never less than what the purpose gave. */
static void
apply_sizing (HearthWizardWindow *self)
{
  g_autoptr(GError) error = NULL;
  HearthOsRequirements req = { 0 };
  const char *os_id = get_os_id (self);
  guint max_vcpus;
  double max_memory;
  double max_disk = 4096;

  if (self->preset == NULL || self->host == NULL)
    return;

  self->has_sizing = hearth_preset_size_for (self->preset, self->host, os_id, &self->sizing,
                                             &error);
  if (!self->has_sizing)
    {
      g_debug ("Sizing failed: %s", error->message);
      return;
    }

  max_vcpus = MAX (hearth_golden_ratio_max_vcpus (hearth_host_profile_get_threads (self->host)),
                   self->sizing.vcpus);
  max_memory = MAX ((double) hearth_golden_ratio_max_memory (
                      hearth_host_profile_get_memory (self->host)),
                    (double) self->sizing.memory) / GIB;
  if (hearth_host_profile_get_pool_free (self->host) > 0)
    max_disk = MAX ((double) (hearth_host_profile_get_pool_free (self->host) / GIB),
                    (double) (self->sizing.disk_size / GIB));

  gtk_adjustment_set_upper (self->vcpus_adjustment, max_vcpus);
  gtk_adjustment_set_value (self->vcpus_adjustment, self->sizing.vcpus);
  gtk_adjustment_set_upper (self->memory_adjustment, MAX (0.5, max_memory));
  gtk_adjustment_set_value (self->memory_adjustment, (double) self->sizing.memory / GIB);
  gtk_adjustment_set_upper (self->disk_size_adjustment, MAX (1.0, max_disk));
  gtk_adjustment_set_value (self->disk_size_adjustment,
                            MAX (1.0, (double) (self->sizing.disk_size / GIB)));

  adw_combo_row_set_selected (self->firmware_row,
                              self->sizing.firmware == HEARTH_FIRMWARE_UEFI ? FIRMWARE_UEFI
                                                                            : FIRMWARE_BIOS);
  gtk_switch_set_active (self->secure_boot_switch, self->sizing.secure_boot);
  gtk_switch_set_active (self->tpm_switch, self->sizing.tpm);
  /* A connection without network filters cannot give the DMZ a purpose asks
   * for: the home network it is, and the Security page says so. */
  self->zone_fallback = self->sizing.network_zone == HEARTH_NETWORK_ZONE_DMZ
                        && !hearth_host_profile_get_dmz_available (self->host);
  adw_combo_row_set_selected (self->network_row,
                              self->zone_fallback ? HEARTH_NETWORK_ZONE_HOME_NAT
                                                  : (guint) self->sizing.network_zone);
  on_network_changed_cb (self);
  gtk_switch_set_active (self->sandbox_switch, self->sizing.sandbox);

  /* What the OS cannot do without stays on. */
  if (os_id != NULL)
    hearth_os_catalog_get_requirements (self->os_db, os_id, &req);
  gtk_widget_set_sensitive (GTK_WIDGET (self->firmware_row), !req.needs_uefi);
  gtk_widget_set_sensitive (self->secure_boot_row, !req.needs_secure_boot);
  gtk_widget_set_sensitive (self->tpm_row, !req.needs_tpm);

  self->sizing_dirty = FALSE;
  update_gauge (self);
}

/* --- Security page ---------------------------------------------------------- */

static void
on_security_changed_cb (HearthWizardWindow *self)
{
  gboolean uefi = adw_combo_row_get_selected (self->firmware_row) == FIRMWARE_UEFI;

  /* Secure Boot is a UEFI feature. */
  if (!uefi)
    gtk_switch_set_active (self->secure_boot_switch, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->secure_boot_switch), uefi);
}

static const char *
describe_network_zone (HearthNetworkZone zone)
{
  switch (zone)
    {
    case HEARTH_NETWORK_ZONE_ISOLATED:
      return _("No network card: nothing gets in or out, not even to your other machines");
    case HEARTH_NETWORK_ZONE_DMZ:
      return _("Reaches the internet, but not your home network or this computer");
    case HEARTH_NETWORK_ZONE_HOME_NAT:
    default:
      return _("Reaches the internet and your home network through this computer");
    }
}

static gboolean
network_zone_possible (HearthWizardWindow *self)
{
  HearthNetworkZone zone = (HearthNetworkZone) adw_combo_row_get_selected (self->network_row);

  return zone != HEARTH_NETWORK_ZONE_DMZ || self->host == NULL
         || hearth_host_profile_get_dmz_available (self->host);
}

static void
on_network_changed_cb (HearthWizardWindow *self)
{
  HearthNetworkZone zone = (HearthNetworkZone) adw_combo_row_get_selected (self->network_row);
  const char *text = describe_network_zone (zone);

  if (!network_zone_possible (self))
    text = _("Not possible on this connection: keeping a machine away from your home network "
             "needs libvirt’s network filters, which only the system connection has");
  else if (zone == HEARTH_NETWORK_ZONE_HOME_NAT && self->zone_fallback)
    text = _("Reaches the internet and your home network. This purpose would use the DMZ, "
             "which this connection cannot give");
  gtk_label_set_text (self->network_note, text);
  /* A zone that cannot be is a warning, not a description. */
  if (network_zone_possible (self))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->network_note), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->network_note), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->network_note), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->network_note), "warning");
    }
  update_actions (self);
}

/* --- Review page ------------------------------------------------------------ */

static void
add_summary_row (HearthWizardWindow *self,
                 const char         *title,
                 const char         *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_preferences_group_add (self->summary_group, row);
  g_ptr_array_add (self->summary_rows, row);
}

static gboolean
name_in_use (HearthWizardWindow *self,
             const char         *name)
{
  GListModel *machines = hearth_connection_get_machines (self->connection);
  guint n = g_list_model_get_n_items (machines);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (machines, i);

      if (g_strcmp0 (hearth_machine_get_display_name (machine), name) == 0 ||
          g_strcmp0 (hearth_machine_get_name (machine), name) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
suggest_name (HearthWizardWindow *self)
{
  g_autofree char *base = dup_os_name (self);
  g_autofree char *name = NULL;

  if (self->name_edited)
    return;

  if (base == NULL && get_source_kind (self) == SOURCE_DISK && self->disk_path != NULL)
    {
      g_autofree char *basename = g_path_get_basename (self->disk_path);
      char *dot = strrchr (basename, '.');

      if (dot != NULL && dot != basename)
        *dot = '\0';
      base = g_filename_display_name (basename);
    }
  if (base == NULL && self->preset != NULL)
    base = g_strdup (hearth_preset_get_name (self->preset));
  if (base == NULL)
    base = g_strdup (_("New Machine"));

  name = g_strdup (base);
  for (guint i = 2; name_in_use (self, name) && i < 1000; i++)
    {
      g_free (name);
      /* Translators: a machine name made unique, e.g. "Ubuntu 24.04 LTS 2". */
      name = g_strdup_printf (C_("machine name", "%s %u"), base, i);
    }

  self->setting_name = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  self->setting_name = FALSE;
}

static void
fill_review (HearthWizardWindow *self)
{
  g_autofree char *os_name = dup_os_name (self);
  g_autofree char *memory = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *vcpus = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GString) security = g_string_new (NULL);
  guint n_vcpus = (guint) gtk_adjustment_get_value (self->vcpus_adjustment);
  GObject *network_item;

  for (guint i = 0; i < self->summary_rows->len; i++)
    adw_preferences_group_remove (self->summary_group, g_ptr_array_index (self->summary_rows, i));
  g_ptr_array_set_size (self->summary_rows, 0);

  suggest_name (self);

  add_summary_row (self, _("Operating System"),
                   os_name != NULL ? os_name : _("Unknown; Hearth uses safe defaults"));

  switch (get_source_kind (self))
    {
    case SOURCE_CATALOGUE:
      source = g_strdup (_("A blank disk and an empty CD drive, for installing later"));
      break;
    case SOURCE_ISO:
      {
        g_autofree char *path = g_filename_display_name (self->iso_path);
        /* Translators: %s is a file path. */
        source = g_strdup_printf (_("Starts from %s"), path);
      }
      break;
    case SOURCE_DISK:
    default:
      {
        g_autofree char *path = g_filename_display_name (self->disk_path);
        if (gtk_check_button_get_active (self->disk_copy_check))
          /* Translators: %s is a file path. */
          source = g_strdup_printf (_("A copy of %s"), path);
        else
          /* Translators: %s is a file path. */
          source = g_strdup_printf (_("%s itself, used in place"), path);
      }
      break;
    }
  add_summary_row (self, _("Disk"), source);

  if (self->preset != NULL)
    add_summary_row (self, _("Purpose"), hearth_preset_get_name (self->preset));

  vcpus = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u virtual CPU", "%u virtual CPUs",
                                        n_vcpus),
                           n_vcpus);
  add_summary_row (self, _("Processors"), vcpus);
  memory = format_gib ((guint64) (gtk_adjustment_get_value (self->memory_adjustment) * GIB));
  add_summary_row (self, _("Memory"), memory);
  if (get_source_kind (self) != SOURCE_DISK)
    {
      disk = format_gib ((guint64) gtk_adjustment_get_value (self->disk_size_adjustment) * GIB);
      add_summary_row (self, _("Disk Size"), disk);
    }

  g_string_append (security, adw_combo_row_get_selected (self->firmware_row) == FIRMWARE_UEFI
                               ? _("UEFI") : _("BIOS"));
  if (gtk_switch_get_active (self->secure_boot_switch))
    g_string_append_printf (security, ", %s", _("Secure Boot"));
  if (gtk_switch_get_active (self->tpm_switch))
    g_string_append_printf (security, ", %s", _("TPM 2.0"));
  add_summary_row (self, _("Start-Up"), security->str);

  network_item = adw_combo_row_get_selected_item (self->network_row);
  if (GTK_IS_STRING_OBJECT (network_item))
    {
      g_autofree char *network = NULL;
      HearthNetworkZone zone = (HearthNetworkZone) adw_combo_row_get_selected (self->network_row);

      /* Translators: a network zone and what it means, e.g. "Isolated: No network at all". */
      network = g_strdup_printf (_("%s: %s"),
                                 gtk_string_object_get_string (GTK_STRING_OBJECT (network_item)),
                                 describe_network_zone (zone));
      add_summary_row (self, _("Network"), network);
    }
  add_summary_row (self, _("Sandbox Mode"),
                   gtk_switch_get_active (self->sandbox_switch)
                     ? _("On: every change is forgotten at power-off")
                     : _("Off: changes are kept"));
}

static void
hide_error (HearthWizardWindow *self)
{
  gtk_widget_set_visible (self->error_box, FALSE);
}

static void
show_error (HearthWizardWindow *self,
            const GError       *error)
{
  const char *title;
  const char *advice;

  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN))
    {
      title = _("Another machine already has this name");
      advice = _("Choose a different name above, then choose Create again.");
      gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
    }
  else if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND))
    {
      title = _("A file is missing");
      advice = _("The image was moved or deleted. Go back to the first page and choose it "
                 "again.");
    }
  else if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT))
    {
      title = _("The image cannot be used");
      advice = _("Go back to the first page and choose another file.");
    }
  else if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED)
           && adw_combo_row_get_selected (self->network_row) == HEARTH_NETWORK_ZONE_DMZ)
    {
      title = _("The DMZ is not possible here");
      advice = _("Go back to the Security page and choose another network.");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    {
      title = _("Not enough disk space");
      advice = _("Go back and choose a smaller disk, or free up space, then try again.");
    }
  else
    {
      title = _("The machine could not be created");
      advice = hearth_ui_error_explanation (error);
    }

  gtk_label_set_text (self->error_title, title);
  gtk_label_set_text (self->error_detail, advice);
  /* The core's message is for developers and in English: small, for reports. */
  gtk_label_set_text (self->error_message, error->message);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_box),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title, -1);
  gtk_widget_set_visible (self->error_box, TRUE);
}

static void
on_name_changed_cb (HearthWizardWindow *self)
{
  if (!self->setting_name)
    self->name_edited = TRUE;
  gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
  update_actions (self);
}

static void
on_name_activated_cb (HearthWizardWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "wizard.create", NULL);
}

/* --- Create ------------------------------------------------------------------ */

static HearthMachineSpec *
build_spec (HearthWizardWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  g_autofree char *name = g_strstrip (g_strdup (text));
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
  const char *os_id = get_os_id (self);

  if (self->has_sizing)
    hearth_preset_sizing_apply (&self->sizing, spec);
  spec->os_id = g_strdup (os_id);
  spec->preset_id = self->preset ? g_strdup (hearth_preset_get_id (self->preset)) : NULL;
  spec->vcpus = (guint) gtk_adjustment_get_value (self->vcpus_adjustment);
  /* Whole MiB, as libvirt counts. */
  spec->memory = ((guint64) (gtk_adjustment_get_value (self->memory_adjustment) * GIB) / MIB) * MIB;
  spec->disk_size = (guint64) gtk_adjustment_get_value (self->disk_size_adjustment) * GIB;
  spec->firmware = adw_combo_row_get_selected (self->firmware_row) == FIRMWARE_UEFI
                     ? HEARTH_FIRMWARE_UEFI : HEARTH_FIRMWARE_BIOS;
  spec->secure_boot = spec->firmware == HEARTH_FIRMWARE_UEFI &&
                      gtk_switch_get_active (self->secure_boot_switch);
  spec->tpm = gtk_switch_get_active (self->tpm_switch);
  spec->network_zone = (HearthNetworkZone) adw_combo_row_get_selected (self->network_row);
  spec->sandbox = gtk_switch_get_active (self->sandbox_switch);

  switch (get_source_kind (self))
    {
    case SOURCE_ISO:
      spec->iso_path = g_strdup (self->iso_path);
      break;
    case SOURCE_DISK:
      spec->disk_source = gtk_check_button_get_active (self->disk_copy_check)
                            ? HEARTH_DISK_SOURCE_IMPORT_COPY
                            : HEARTH_DISK_SOURCE_IMPORT_IN_PLACE;
      spec->import_path = g_strdup (self->disk_path);
      break;
    case SOURCE_CATALOGUE:
    default:
      spec->disk_source = HEARTH_DISK_SOURCE_BLANK;
      break;
    }

  return g_steal_pointer (&spec);
}

static void
on_started_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HearthWindow) window = user_data;   /* owned, may outlive the wizard */
  g_autoptr(GError) error = NULL;
  HearthMachine *machine = HEARTH_MACHINE (object);

  if (!hearth_machine_run_action_finish (machine, result, &error))
    {
      g_autofree char *heading = NULL;

      heading = hearth_ui_action_failed_heading (HEARTH_MACHINE_ACTION_START,
                                                 hearth_machine_get_display_name (machine));
      hearth_ui_show_error_dialog (GTK_WIDGET (window), heading, error);
    }
}

/* Sandbox mode for a new machine: its clean state is the machine as created, so
 * a disk-only snapshot is taken before it ever boots and the sandbox returns to
 * it at every power-off. The wizard is gone by then, so the chain holds its own
 * references and reports to the main window. */
typedef struct
{
  HearthMachine      *machine;   /* owned */
  HearthWindow       *parent;    /* owned, nullable */
  HearthSnapshotTree *tree;      /* owned */
  gboolean            start;
} SandboxSetup;

static void
sandbox_setup_free (SandboxSetup *setup)
{
  g_clear_object (&setup->machine);
  g_clear_object (&setup->parent);
  g_clear_object (&setup->tree);
  g_free (setup);
}

static void
sandbox_setup_finish (SandboxSetup *setup,
                      const GError *error)
{
  if (error != NULL && setup->parent != NULL)
    {
      g_autofree char *heading = NULL;

      /* Translators: %s is the new machine's name. */
      heading = g_strdup_printf (_("Sandbox mode could not be turned on for “%s”"),
                                 hearth_machine_get_display_name (setup->machine));
      hearth_ui_show_error_dialog (GTK_WIDGET (setup->parent), heading, error);
    }

  /* Started only now, so that the clean state is the machine before its first boot. */
  if (setup->start)
    hearth_machine_run_action_async (setup->machine, HEARTH_MACHINE_ACTION_START, NULL,
                                     on_started_cb,
                                     setup->parent ? g_object_ref (setup->parent) : NULL);
  sandbox_setup_free (setup);
}

static void
on_sandbox_set_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SandboxSetup *setup = user_data;
  g_autoptr(GError) error = NULL;

  hearth_sandbox_set_finish (HEARTH_SANDBOX (object), result, &error);
  sandbox_setup_finish (setup, error);
}

static void
on_clean_state_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SandboxSetup *setup = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  HearthConnection *connection;

  snapshot = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (object), result, &error);
  connection = hearth_machine_get_connection (setup->machine);
  if (snapshot == NULL || connection == NULL)
    {
      sandbox_setup_finish (setup, error);
      return;
    }

  hearth_sandbox_set_async (hearth_sandbox_get_for_connection (connection), setup->machine,
                            hearth_snapshot_get_name (snapshot), NULL, on_sandbox_set_cb, setup);
}

static void
start_sandbox_setup (HearthMachine *machine,
                     HearthWindow  *parent,
                     gboolean       start)
{
  SandboxSetup *setup = g_new0 (SandboxSetup, 1);

  setup->machine = g_object_ref (machine);
  setup->parent = parent ? g_object_ref (parent) : NULL;
  setup->tree = hearth_snapshot_tree_new (machine);
  setup->start = start;
  hearth_snapshot_tree_create_async (setup->tree, _("Clean state"),
                                     _("The machine as it was created. Sandbox mode returns "
                                       "to it every time the machine powers off."),
                                     NULL, on_clean_state_cb, setup);
}

static void
set_creating (HearthWizardWindow *self,
              gboolean            creating)
{
  self->creating = creating;
  gtk_widget_set_visible (GTK_WIDGET (self->create_spinner), creating);
  gtk_spinner_set_spinning (self->create_spinner, creating);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), !creating);
  update_actions (self);
}

static void
on_created_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  HearthWizardWindow *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autofree char *title = NULL;
  gboolean start;

  machine = hearth_machine_builder_create_finish (HEARTH_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_WIZARD_WINDOW (user_data);
  set_creating (self, FALSE);
  if (machine == NULL)
    {
      g_debug ("Creating the machine failed: %s", error->message);
      show_error (self, error);
      return;
    }

  start = gtk_check_button_get_active (self->start_check);
  if (start)
    /* Translators: %s is the new machine's name. */
    title = g_strdup_printf (_("“%s” was created and is starting"),
                             hearth_machine_get_display_name (machine));
  else
    /* Translators: %s is the new machine's name. */
    title = g_strdup_printf (_("“%s” was created"), hearth_machine_get_display_name (machine));

  if (self->parent != NULL)
    {
      hearth_window_focus_machine (self->parent, hearth_machine_get_uuid (machine));
      hearth_window_add_toast (self->parent, adw_toast_new (title));
    }
  if (gtk_switch_get_active (self->sandbox_switch))
    start_sandbox_setup (machine, self->parent, start);
  else if (start)
    hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_START, NULL, on_started_cb,
                                     self->parent ? g_object_ref (self->parent) : NULL);

  gtk_window_destroy (GTK_WINDOW (self));
}

/* --- Navigation ---------------------------------------------------------------- */

static gboolean
page_complete (HearthWizardWindow *self,
               guint               page)
{
  switch (page)
    {
    case 0:
      return source_complete (self);
    case 1:
      return self->preset != NULL && self->host != NULL;
    case 2:
      return TRUE;
    case 3:
      return network_zone_possible (self);
    default:
      {
        g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (
                                                        GTK_EDITABLE (self->name_row))));
        return *name != '\0';
      }
    }
}

static void
update_actions (HearthWizardWindow *self)
{
  guint page = current_page (self);
  gboolean last = page == G_N_ELEMENTS (pages) - 1;

  gtk_widget_set_visible (self->cancel_button, page == 0);
  gtk_widget_set_visible (self->back_button, page > 0);
  gtk_widget_set_visible (self->next_button, !last);
  gtk_widget_set_visible (self->create_button, last && !self->creating);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back", page > 0 && !self->creating);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next",
                                 !last && page_complete (self, page));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.create",
                                 last && !self->creating && page_complete (self, page));
}

static void
on_page_changed_cb (HearthWizardWindow *self)
{
  guint page = current_page (self);
  g_autofree char *subtitle = NULL;
  GtkStackPage *stack_page = gtk_stack_get_page (self->stack,
                                                 gtk_stack_get_visible_child (self->stack));

  /* Translators: "Step 2 of 5: Purpose". */
  subtitle = g_strdup_printf (_("Step %u of %u: %s"), page + 1, (guint) G_N_ELEMENTS (pages),
                              gtk_stack_page_get_title (stack_page));
  adw_window_title_set_subtitle (self->window_title, subtitle);
  update_actions (self);
}

static void
go_to (HearthWizardWindow *self,
       guint               page)
{
  switch (page)
    {
    case 1:
      start_probe (self);
      fill_purposes (self);
      break;
    case 2:
      if (self->sizing_dirty || !self->has_sizing)
        apply_sizing (self);
      else
        update_gauge (self);
      break;
    case 4:
      fill_review (self);
      break;
    default:
      break;
    }

  gtk_stack_set_visible_child_name (self->stack, pages[page]);
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HearthWizardWindow *self = HEARTH_WIZARD_WINDOW (widget);
  guint page = current_page (self);

  if (page > 0 && !self->creating)
    {
      hide_error (self);
      go_to (self, page - 1);
    }
}

static void
next_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HearthWizardWindow *self = HEARTH_WIZARD_WINDOW (widget);
  guint page = current_page (self);

  if (page + 1 < G_N_ELEMENTS (pages) && page_complete (self, page))
    go_to (self, page + 1);
}

static void
create_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthWizardWindow *self = HEARTH_WIZARD_WINDOW (widget);
  g_autoptr(HearthMachineSpec) spec = NULL;

  if (self->creating || current_page (self) != G_N_ELEMENTS (pages) - 1 ||
      !page_complete (self, current_page (self)))
    return;

  hide_error (self);
  spec = build_spec (self);
  set_creating (self, TRUE);
  hearth_machine_builder_create_async (self->connection, spec, self->cancellable,
                                       on_created_cb, self);
}

/* --- Start-up ------------------------------------------------------------------ */

static void
on_host_probed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HearthWizardWindow *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthHostProfile) host = NULL;

  host = hearth_host_profile_probe_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_WIZARD_WINDOW (user_data);
  self->probing = FALSE;
  if (host == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says why, e.g. "The virtualization service is not running."
       * Going back and forth to this page tries again. */
      text = g_strdup_printf (_("Hearth could not look at this computer. %s"),
                              hearth_ui_error_explanation (error));
      g_debug ("Probing the host failed: %s", error->message);
      gtk_label_set_text (self->host_label, text);
      return;
    }

  self->host = g_steal_pointer (&host);
  update_host_label (self);
  if (current_page (self) == 1)
    fill_purposes (self);
  update_actions (self);
}

static void
on_os_db_loaded_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HearthWizardWindow *self;
  g_autoptr(GError) error = NULL;

  if (!hearth_os_database_load_finish (HEARTH_OS_DATABASE (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_WIZARD_WINDOW (user_data);
  if (error != NULL)
    g_debug ("Loading the OS database failed: %s", error->message);
  fill_os_list (self);
  start_detection (self);
}

/* Probes the host, again after a failure (the connection may have come back
 * since): each visit of the Purpose page without a host profile tries. */
static void
start_probe (HearthWizardWindow *self)
{
  if (self->probing || self->host != NULL)
    return;

  self->probing = TRUE;
  gtk_label_set_text (self->host_label, _("Looking at this computer…"));
  hearth_host_profile_probe_async (self->connection, self->cancellable, on_host_probed_cb, self);
}

static void
hearth_wizard_window_dispose (GObject *object)
{
  HearthWizardWindow *self = HEARTH_WIZARD_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->detect_cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_WIZARD_WINDOW);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->detect_cancellable);
  g_clear_object (&self->connection);
  g_clear_weak_pointer (&self->parent);
  g_clear_object (&self->host);
  g_clear_object (&self->preset);
  g_clear_pointer (&self->media, hearth_media_info_free);
  g_clear_pointer (&self->summary_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (hearth_wizard_window_parent_class)->dispose (object);
}

static void
hearth_wizard_window_finalize (GObject *object)
{
  HearthWizardWindow *self = HEARTH_WIZARD_WINDOW (object);

  g_free (self->os_id);
  g_free (self->iso_path);
  g_free (self->disk_path);

  G_OBJECT_CLASS (hearth_wizard_window_parent_class)->finalize (object);
}

static void
hearth_wizard_window_class_init (HearthWizardWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_wizard_window_dispose;
  object_class->finalize = hearth_wizard_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-wizard-window.ui");

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HearthWizardWindow, name)
  BIND (window_title);
  BIND (cancel_button);
  BIND (back_button);
  BIND (next_button);
  BIND (create_button);
  BIND (create_spinner);
  BIND (stack);
  BIND (source_catalogue_check);
  BIND (source_iso_check);
  BIND (source_disk_check);
  BIND (catalogue_group);
  BIND (os_search_entry);
  BIND (os_list);
  BIND (iso_group);
  BIND (iso_row);
  BIND (detect_row);
  BIND (detect_spinner);
  BIND (disk_group);
  BIND (disk_row);
  BIND (disk_copy_check);
  BIND (host_label);
  BIND (purpose_box);
  BIND (vcpus_adjustment);
  BIND (memory_adjustment);
  BIND (disk_size_adjustment);
  BIND (disk_size_row);
  BIND (gauge_group);
  BIND (cpu_gauge_row);
  BIND (memory_gauge_row);
  BIND (cpu_gauge);
  BIND (memory_gauge);
  BIND (verdict_row);
  BIND (verdict_icon);
  BIND (firmware_row);
  BIND (secure_boot_row);
  BIND (secure_boot_switch);
  BIND (tpm_row);
  BIND (tpm_switch);
  BIND (network_row);
  BIND (network_note);
  BIND (sandbox_switch);
  BIND (error_box);
  BIND (error_title);
  BIND (error_detail);
  BIND (error_message);
  BIND (name_row);
  BIND (summary_group);
  BIND (start_check);
#undef BIND

  gtk_widget_class_bind_template_callback (widget_class, on_source_kind_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_os_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_os_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_iso_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_disk_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_purpose_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_resources_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_security_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_network_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_name_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed_cb);

  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_activated);
  gtk_widget_class_install_action (widget_class, "wizard.create", NULL, create_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hearth_wizard_window_init (HearthWizardWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->summary_rows = g_ptr_array_new ();
  self->os_db = hearth_os_database_get_default ();
  self->sizing_dirty = TRUE;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->iso_row), FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->disk_row), FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->detect_row), FALSE);

  /* In C rather than the .ui, where xgettext would take "% o" for a format. */
  adw_preferences_group_set_description (self->gauge_group,
                                         /* xgettext:no-c-format */
                                         _("Running machines together should use at most "
                                           "61.8 % of this computer’s processors and memory, "
                                           "so that it stays responsive."));

  /* The gauges: green within 90 % of the budget, amber up to it, red above. */
  gtk_level_bar_remove_offset_value (self->cpu_gauge, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->cpu_gauge, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->cpu_gauge, GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_remove_offset_value (self->memory_gauge, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->memory_gauge, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->memory_gauge, GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_add_offset_value (self->cpu_gauge, "fits", HEARTH_GOLDEN_TIGHT);
  gtk_level_bar_add_offset_value (self->cpu_gauge, "tight", 1.0);
  gtk_level_bar_add_offset_value (self->cpu_gauge, "over", 1.2);
  gtk_level_bar_add_offset_value (self->memory_gauge, "fits", HEARTH_GOLDEN_TIGHT);
  gtk_level_bar_add_offset_value (self->memory_gauge, "tight", 1.0);
  gtk_level_bar_add_offset_value (self->memory_gauge, "over", 1.2);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  fill_os_list (self);
  on_network_changed_cb (self);
  on_page_changed_cb (self);
}

/**
 * hearth_wizard_window_new:
 * @parent: the main window, which selects the new machine
 * @connection: where to create it
 *
 * Returns: (transfer none): a new wizard, transient for @parent
 */
HearthWizardWindow *
hearth_wizard_window_new (HearthWindow     *parent,
                          HearthConnection *connection)
{
  HearthWizardWindow *self;

  g_return_val_if_fail (parent == NULL || HEARTH_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HEARTH_IS_CONNECTION (connection), NULL);

  self = g_object_new (HEARTH_TYPE_WIZARD_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->connection = g_object_ref (connection);
  g_set_weak_pointer (&self->parent, parent);

  start_probe (self);
  if (!hearth_os_database_is_loaded (self->os_db))
    hearth_os_database_load_async (self->os_db, self->cancellable, on_os_db_loaded_cb, self);

  return self;
}
