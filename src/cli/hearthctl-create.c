/* hearthctl-create.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-cli"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hearthctl-create.h"

#define GIB ((guint64) 1 << 30)

/* The options of "create", parsed by hearthctl's one option context. Main
 * thread only, like the rest of hearthctl. */
static char *opt_name;
static char *opt_preset;
static char *opt_os;
static char *opt_iso;
static int opt_disk_size = -1;    /* GiB */
static gboolean opt_start;

static const GOptionEntry create_entries[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name,
    N_("With create: the new machine’s name (any characters)"), N_("NAME") },
  { "preset", 0, 0, G_OPTION_ARG_STRING, &opt_preset,
    N_("With create: what the machine is for; “hearthctl presets” lists them"), N_("ID") },
  { "os", 0, 0, G_OPTION_ARG_STRING, &opt_os,
    N_("With create: the operating system, as a libosinfo short id such as debian11"),
    N_("OS") },
  { "iso", 0, 0, G_OPTION_ARG_FILENAME, &opt_iso,
    N_("With create: an installer or live ISO image for the CD-ROM drive"), N_("PATH") },
  { "disk-size", 0, 0, G_OPTION_ARG_INT, &opt_disk_size,
    N_("With create: the disk size in GiB instead of the preset’s"), N_("GIB") },
  { "start", 0, 0, G_OPTION_ARG_NONE, &opt_start,
    N_("With create: start the machine once it is created"), NULL },
  { NULL }
};

typedef struct
{
  GMainLoop    *loop;    /* borrowed */
  GAsyncResult *result;  /* owned */
} Wait;

static void
print_failure (const char *format,
               ...) G_GNUC_PRINTF (1, 2);

static void
print_failure (const char *format,
               ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* The same prefix as every other hearthctl message. */
  g_printerr (_("hearthctl: %s\n"), message);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for_result (Wait *wait)
{
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);

  return g_steal_pointer (&wait->result);
}

/* Sandbox mode for a new machine, as the wizard does it: the clean state is the
 * machine before its first boot, kept in a disk-only snapshot. */
static gboolean
make_sandbox (HearthConnection *connection,
              HearthMachine    *machine,
              Wait             *wait,
              GError          **error)
{
  g_autoptr(HearthSnapshotTree) tree = hearth_snapshot_tree_new (machine);
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) set_result = NULL;
  HearthSandbox *sandbox = hearth_sandbox_get_for_connection (connection);

  hearth_snapshot_tree_create_async (tree, _("Clean state"),
                                     _("The machine as it was created. Sandbox mode returns "
                                       "to it every time the machine powers off."),
                                     NULL, store_result_cb, wait);
  result = wait_for_result (wait);
  snapshot = hearth_snapshot_tree_create_finish (tree, result, error);
  if (snapshot == NULL)
    return FALSE;

  hearth_sandbox_set_async (sandbox, machine, hearth_snapshot_get_name (snapshot), NULL,
                            store_result_cb, wait);
  set_result = wait_for_result (wait);
  return hearth_sandbox_set_finish (sandbox, set_result, error);
}

const GOptionEntry *
hearthctl_create_option_entries (void)
{
  return create_entries;
}

gboolean
hearthctl_create_has_options (void)
{
  return opt_name != NULL || opt_preset != NULL || opt_os != NULL || opt_iso != NULL ||
         opt_disk_size != -1 || opt_start;
}

gboolean
hearthctl_create_check_options (GError **error)
{
  if (opt_name == NULL || *g_strstrip (opt_name) == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("“create” needs --name with the new machine’s name."));
      return FALSE;
    }
  if (opt_preset == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("“create” needs --preset; “hearthctl presets” lists them."));
      return FALSE;
    }
  if (opt_disk_size != -1 && opt_disk_size <= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--disk-size must be a positive number of GiB."));
      return FALSE;
    }
  if (hearth_preset_lookup (opt_preset) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("There is no preset “%s”; “hearthctl presets” lists them."),
                   opt_preset);
      return FALSE;
    }

  return TRUE;
}

static HearthHostProfile *
probe_host (HearthConnection *connection,
            GMainLoop        *loop)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthHostProfile *host;
  Wait wait = { loop, NULL };

  hearth_host_profile_probe_async (connection, NULL, store_result_cb, &wait);
  result = wait_for_result (&wait);
  host = hearth_host_profile_probe_finish (result, &error);
  if (host == NULL)
    print_failure (_("Could not examine the host: %s"), error->message);

  return host;
}

static gboolean
load_os_database (GMainLoop *loop)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { loop, NULL };

  if (hearth_os_database_is_loaded (db))
    return TRUE;

  hearth_os_database_load_async (db, NULL, store_result_cb, &wait);
  result = wait_for_result (&wait);
  if (!hearth_os_database_load_finish (db, result, &error))
    {
      print_failure (_("Could not load the operating system database: %s"), error->message);
      return FALSE;
    }

  return TRUE;
}

static const char *
firmware_to_string (HearthFirmware firmware)
{
  return firmware == HEARTH_FIRMWARE_UEFI ? "uefi" : "bios";
}

static const char *
zone_to_string (HearthNetworkZone zone)
{
  switch (zone)
    {
    case HEARTH_NETWORK_ZONE_ISOLATED:
      return "isolated";
    case HEARTH_NETWORK_ZONE_DMZ:
      return "dmz";
    case HEARTH_NETWORK_ZONE_HOME_NAT:
    default:
      return "home-nat";
    }
}

static const char *
zone_to_label (HearthNetworkZone zone)
{
  switch (zone)
    {
    case HEARTH_NETWORK_ZONE_ISOLATED:
      return _("isolated");
    case HEARTH_NETWORK_ZONE_DMZ:
      return _("DMZ");
    case HEARTH_NETWORK_ZONE_HOME_NAT:
    default:
      return _("home NAT");
    }
}

static char *
format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

int
hearthctl_presets_run (HearthConnection *connection,
                       gboolean          json,
                       GMainLoop        *loop)
{
  g_autoptr(HearthHostProfile) host = probe_host (connection, loop);
  g_autoptr(JsonBuilder) builder = NULL;
  GListModel *presets = hearth_preset_list_default ();
  guint n = g_list_model_get_n_items (presets);

  if (host == NULL)
    return 1;

  if (json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }
  else
    {
      /* Translators: a line under the table's title, e.g. "Host tier: pro". */
      g_print (_("Sizes for this host (tier: %s)\n"),
               hearth_host_tier_to_string (hearth_host_profile_get_tier (host)));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, i);
      g_autoptr(GError) error = NULL;
      HearthPresetSizing sizing = { 0 };
      gboolean ok = hearth_preset_size_for (preset, host, NULL, &sizing, &error);

      if (json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, hearth_preset_get_id (preset));
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, hearth_preset_get_name (preset));
          json_builder_set_member_name (builder, "description");
          json_builder_add_string_value (builder, hearth_preset_get_description (preset));
          json_builder_set_member_name (builder, "available");
          json_builder_add_boolean_value (builder, ok);
          if (ok)
            {
              json_builder_set_member_name (builder, "vcpus");
              json_builder_add_int_value (builder, sizing.vcpus);
              json_builder_set_member_name (builder, "memory");
              json_builder_add_int_value (builder, (gint64) sizing.memory);
              json_builder_set_member_name (builder, "disk-size");
              json_builder_add_int_value (builder, (gint64) sizing.disk_size);
              json_builder_set_member_name (builder, "firmware");
              json_builder_add_string_value (builder, firmware_to_string (sizing.firmware));
              json_builder_set_member_name (builder, "secure-boot");
              json_builder_add_boolean_value (builder, sizing.secure_boot);
              json_builder_set_member_name (builder, "tpm");
              json_builder_add_boolean_value (builder, sizing.tpm);
              json_builder_set_member_name (builder, "network-zone");
              json_builder_add_string_value (builder, zone_to_string (sizing.network_zone));
              json_builder_set_member_name (builder, "sandbox");
              json_builder_add_boolean_value (builder, sizing.sandbox);
            }
          else
            {
              json_builder_set_member_name (builder, "error");
              json_builder_add_string_value (builder, error->message);
            }
          json_builder_end_object (builder);
        }
      else if (ok)
        {
          g_autofree char *memory = format_size (sizing.memory);
          g_autofree char *disk = format_size (sizing.disk_size);
          g_autoptr(GString) extras = g_string_new (zone_to_label (sizing.network_zone));

          if (sizing.firmware == HEARTH_FIRMWARE_UEFI)
            g_string_append (extras, ", UEFI");
          if (sizing.secure_boot)
            g_string_append_printf (extras, ", %s", _("Secure Boot"));
          if (sizing.tpm)
            g_string_append (extras, ", TPM 2.0");
          if (sizing.sandbox)
            g_string_append_printf (extras, ", %s", _("sandbox"));

          /* Translators: one preset: id, name, then "2 vCPUs, 4.0 GiB memory, 40.0 GiB disk"
           * and the network zone and other extras in parentheses. */
          g_print (g_dngettext (GETTEXT_PACKAGE, "%-22s %s: %u vCPU, %s memory, %s disk (%s)\n",
                                "%-22s %s: %u vCPUs, %s memory, %s disk (%s)\n", sizing.vcpus),
                   hearth_preset_get_id (preset), hearth_preset_get_name (preset),
                   sizing.vcpus, memory, disk, extras->str);
        }
      else
        {
          /* Translators: a preset the host cannot give, then the reason. */
          g_print (_("%-22s %s: not available here (%s)\n"),
                   hearth_preset_get_id (preset), hearth_preset_get_name (preset),
                   error->message);
        }
    }

  if (json)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }

  return 0;
}

int
hearthctl_host_run (HearthConnection *connection,
                    gboolean          json,
                    GMainLoop        *loop)
{
  g_autoptr(HearthHostProfile) host = probe_host (connection, loop);
  g_autofree char *memory = NULL;
  g_autofree char *pool_free = NULL;
  const char * const *gpus;

  if (host == NULL)
    return 1;

  if (json)
    {
      g_autofree char *text = hearth_host_profile_to_json (host);

      g_print ("%s\n", text);
      return 0;
    }

  memory = format_size (hearth_host_profile_get_memory (host));
  pool_free = format_size (hearth_host_profile_get_pool_free (host));
  gpus = hearth_host_profile_get_gpus (host);

  g_print (_("Tier:        %s\n"),
           hearth_host_tier_to_string (hearth_host_profile_get_tier (host)));
  g_print (_("Threads:     %u\n"), hearth_host_profile_get_threads (host));
  g_print (_("Cores:       %u\n"), hearth_host_profile_get_cores (host));
  g_print (_("Memory:      %s\n"), memory);
  g_print (_("Free space:  %s\n"), pool_free);
  g_print (_("AVX-512:     %s\n"), hearth_host_profile_get_avx512 (host) ? _("yes") : _("no"));
  if (gpus == NULL || gpus[0] == NULL)
    g_print (_("GPUs:        none found\n"));
  else
    {
      g_autofree char *list = g_strjoinv (", ", (char **) gpus);

      g_print (_("GPUs:        %s\n"), list);
    }

  return 0;
}

static const char *
explain_create_error (const GError *error)
{
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN))
    return _("Another machine already has this name; choose another with --name.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return _("A file the machine needs is missing; check the path given to --iso.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT))
    return _("A value is not acceptable, such as an --iso file that is not an ISO image.");
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return _("There is not enough free space for the disk; try a smaller --disk-size.");
  if (g_error_matches (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED))
    return _("This host cannot give what the machine needs.");
  return _("The machine could not be created.");
}

int
hearthctl_create_run (HearthConnection *connection,
                      GMainLoop        *loop)
{
  g_autoptr(HearthHostProfile) host = NULL;
  g_autoptr(HearthMachineSpec) spec = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthOsEntry) os = NULL;
  HearthPreset *preset = hearth_preset_lookup (opt_preset);
  HearthPresetSizing sizing = { 0 };
  Wait wait = { loop, NULL };

  g_assert (preset != NULL);   /* hearthctl_create_check_options() */

  if (!load_os_database (loop))
    return 1;

  if (opt_os != NULL)
    {
      os = hearth_os_catalog_lookup (hearth_os_database_get_default (), opt_os);
      if (os == NULL)
        {
          print_failure (_("Unknown operating system “%s”. Use a libosinfo short id such "
                           "as debian11 (see “osinfo-query os”)."), opt_os);
          return 1;
        }
    }

  /* Without --os, the system on the ISO (if libosinfo knows it) sizes the
   * machine, as in the wizard. A file that is no ISO image fails here. */
  if (os == NULL && opt_iso != NULL)
    {
      g_autoptr(HearthMediaInfo) media = NULL;
      HearthOsDatabase *db = hearth_os_database_get_default ();

      hearth_os_catalog_detect_media_async (db, opt_iso, NULL, store_result_cb, &wait);
      result = wait_for_result (&wait);
      media = hearth_os_catalog_detect_media_finish (db, result, &error);
      g_clear_object (&result);
      if (media == NULL)
        {
          print_failure ("%s (%s)", explain_create_error (error), error->message);
          return 1;
        }
      if (media->os_id != NULL)
        os = hearth_os_catalog_lookup (db, media->os_id);
    }

  host = probe_host (connection, loop);
  if (host == NULL)
    return 1;

  if (!hearth_preset_size_for (preset, host, os ? os->id : NULL, &sizing, &error))
    {
      print_failure ("%s (%s)", explain_create_error (error), error->message);
      return 1;
    }

  spec = hearth_machine_spec_new (opt_name);
  hearth_preset_sizing_apply (&sizing, spec);
  spec->preset_id = g_strdup (opt_preset);
  spec->os_id = os ? g_strdup (os->id) : NULL;
  spec->iso_path = g_strdup (opt_iso);
  if (opt_disk_size > 0)
    spec->disk_size = (guint64) opt_disk_size * GIB;
  /* A purpose's DMZ needs libvirt's network filters; without them the machine
   * gets the home network, as in the wizard, and stderr says so. */
  if (spec->network_zone == HEARTH_NETWORK_ZONE_DMZ
      && !hearth_host_profile_get_dmz_available (host))
    {
      g_printerr (_("Note: this connection cannot put the machine in the DMZ network zone (that "
                    "needs libvirt’s network filters, as on qemu:///system); it gets the home "
                    "network instead.\n"));
      spec->network_zone = HEARTH_NETWORK_ZONE_HOME_NAT;
    }

  hearth_machine_builder_create_async (connection, spec, NULL, store_result_cb, &wait);
  g_clear_object (&result);
  result = wait_for_result (&wait);
  machine = hearth_machine_builder_create_finish (connection, result, &error);
  if (machine == NULL)
    {
      print_failure ("%s (%s)", explain_create_error (error), error->message);
      return 1;
    }

  if (spec->sandbox && !make_sandbox (connection, machine, &wait, &error))
    {
      /* The machine exists: say so on stdout, and what is missing on stderr. */
      g_print ("%s\n", hearth_machine_get_name (machine));
      print_failure (_("The machine was created, but sandbox mode could not be turned on: %s"),
                     error->message);
      return 1;
    }

  if (opt_start)
    {
      g_clear_object (&result);
      hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_START, NULL,
                                       store_result_cb, &wait);
      result = wait_for_result (&wait);
      if (!hearth_machine_run_action_finish (machine, result, &error))
        {
          /* The machine exists: say so on stdout, and the failure on stderr. */
          g_print ("%s\n", hearth_machine_get_name (machine));
          print_failure (_("The machine was created but did not start: %s"), error->message);
          return 1;
        }
    }

  /* The libvirt name, which "hearthctl start" and the rest take. */
  g_print ("%s\n", hearth_machine_get_name (machine));

  return 0;
}
