/* hearthctl-set.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "hearthctl-set.h"

/* The options of "set", parsed by hearthctl's one option context. Main thread
 * only, like the rest of hearthctl. */
static int opt_memory = -1;       /* MiB */
static int opt_vcpus = -1;
static char *opt_description;
static char *opt_cdrom;
static gboolean opt_eject;
static char *opt_autostart;
static char *opt_cpu_model;

static const GOptionEntry set_entries[] = {
  { "memory", 0, 0, G_OPTION_ARG_INT, &opt_memory,
    N_("With set: the machine’s memory in MiB"), N_("MIB") },
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &opt_vcpus,
    N_("With set: the number of virtual CPUs"), N_("N") },
  { "description", 0, 0, G_OPTION_ARG_STRING, &opt_description,
    N_("With set: the machine’s description"), N_("TEXT") },
  { "cdrom", 0, 0, G_OPTION_ARG_FILENAME, &opt_cdrom,
    N_("With set: insert this ISO image into the CD-ROM drive"), N_("PATH") },
  { "eject", 0, 0, G_OPTION_ARG_NONE, &opt_eject,
    N_("With set: eject the CD-ROM"), NULL },
  { "autostart", 0, 0, G_OPTION_ARG_STRING, &opt_autostart,
    N_("With set: start the machine with the host"), N_("on|off") },
  { "cpu-model", 0, 0, G_OPTION_ARG_STRING, &opt_cpu_model,
    N_("With set: the CPU the guest sees: host-model, host-passthrough or a model the host "
       "can run"), N_("MODEL") },
  { NULL }
};

/* The settings "set" can change, in the order it reports them. */
static const struct
{
  HearthSettingFlags flag;
  const char        *label;
} reported[] = {
  { HEARTH_SETTING_MEMORY, N_("memory") },
  { HEARTH_SETTING_VCPUS, N_("vCPUs") },
  { HEARTH_SETTING_DESCRIPTION, N_("description") },
  { HEARTH_SETTING_CDROM, N_("CD-ROM") },
  { HEARTH_SETTING_AUTOSTART, N_("autostart") },
  { HEARTH_SETTING_CPU_MODEL, N_("CPU model") },
};

const GOptionEntry *
hearthctl_set_option_entries (void)
{
  return set_entries;
}

gboolean
hearthctl_set_has_options (void)
{
  return opt_memory != -1 || opt_vcpus != -1 || opt_description != NULL || opt_cdrom != NULL
         || opt_eject || opt_autostart != NULL || opt_cpu_model != NULL;
}

/* Checks what can be checked without the machine: the values the core would
 * refuse anyway get a message about the option the user typed. */
gboolean
hearthctl_set_check_options (GError **error)
{
  if (!hearthctl_set_has_options ())
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("“set” needs at least one of --memory, --vcpus, --cpu-model, --description, "
                     "--cdrom, --eject and --autostart."));
      return FALSE;
    }
  if (opt_cdrom != NULL && opt_eject)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--cdrom and --eject cannot be used together."));
      return FALSE;
    }
  if (opt_memory != -1 && opt_memory <= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--memory needs a positive number of MiB."));
      return FALSE;
    }
  if (opt_vcpus != -1 && opt_vcpus <= 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--vcpus needs a positive number."));
      return FALSE;
    }
  if (opt_autostart != NULL && g_strcmp0 (opt_autostart, "on") != 0
      && g_strcmp0 (opt_autostart, "off") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--autostart takes “on” or “off”."));
      return FALSE;
    }
  return TRUE;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot,
          GMainLoop     *loop)
{
  GMainContext *context = g_main_loop_get_context (loop);

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  return g_steal_pointer (slot);
}

static void
print_failure (const char   *name,
               const GError *error)
{
  const char *reason;

  switch (error->domain == HEARTH_ERROR ? error->code : -1)
    {
    case HEARTH_ERROR_INVALID_ARGUMENT:
      reason = _("a value is not acceptable");
      break;
    case HEARTH_ERROR_NAME_TAKEN:
      reason = _("the name is taken");
      break;
    case HEARTH_ERROR_INVALID_STATE:
      reason = _("the machine’s state does not allow it");
      break;
    case HEARTH_ERROR_UNSUPPORTED:
      reason = _("the machine or the hypervisor cannot do it");
      break;
    case HEARTH_ERROR_NOT_FOUND:
      reason = _("something it needs does not exist");
      break;
    case HEARTH_ERROR_CONNECTION_LOST:
      reason = _("the connection was lost");
      break;
    default:
      reason = _("the operation failed");
      break;
    }

  /* Translators: the first %s is a machine name, the second why the change was
   * refused, the third the technical detail (in English). */
  g_printerr (_("hearthctl: Nothing was changed on “%s”: %s (%s)\n"), name, reason,
              error->message);
}

int
hearthctl_set_run (HearthConnection *connection,
                   const char       *name_or_uuid,
                   GMainLoop        *loop)
{
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0;
  HearthSettingFlags next_start = 0;
  HearthMachine *found;

  found = hearth_connection_find_machine (connection, name_or_uuid);
  if (found == NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("There is no machine called “%s” on “%s”."), name_or_uuid,
                         hearth_connection_get_display_uri (connection));

      g_printerr (_("hearthctl: %s\n"), message);
      return 1;
    }
  machine = g_object_ref (found);

  hearth_machine_settings_load_async (machine, NULL, store_result_cb, &result);
  result = wait_for (&result, loop);
  settings = hearth_machine_settings_load_finish (machine, result, &error);
  g_clear_object (&result);
  if (settings == NULL)
    {
      print_failure (hearth_machine_get_name (machine), error);
      return 1;
    }

  if (opt_memory != -1)
    hearth_machine_settings_set_memory (settings, (guint64) opt_memory * 1024 * 1024, 0);
  if (opt_vcpus != -1)
    hearth_machine_settings_set_vcpus (settings, opt_vcpus, 0);
  if (opt_description != NULL)
    hearth_machine_settings_set_description (settings, opt_description);
  if (opt_cdrom != NULL)
    {
      /* The path is the user's, relative to where they are. */
      g_autofree char *path = g_canonicalize_filename (opt_cdrom, NULL);

      hearth_machine_settings_set_cdrom (settings, NULL, path);
    }
  if (opt_eject)
    hearth_machine_settings_set_cdrom (settings, NULL, NULL);
  if (opt_autostart != NULL)
    hearth_machine_settings_set_autostart (settings, g_str_equal (opt_autostart, "on"));
  if (opt_cpu_model != NULL)
    hearth_machine_settings_set_cpu_model (settings, opt_cpu_model);

  hearth_machine_settings_apply_async (settings, NULL, store_result_cb, &result);
  result = wait_for (&result, loop);
  if (!hearth_machine_settings_apply_finish (settings, result, &now, &next_start, &error))
    {
      print_failure (hearth_machine_get_name (machine), error);
      return 1;
    }

  for (guint i = 0; i < G_N_ELEMENTS (reported); i++)
    {
      if (next_start & reported[i].flag)
        /* Translators: %s is a setting such as "memory" or "vCPUs". */
        g_print (_("%s: applies on next start\n"), _(reported[i].label));
      else if (now & reported[i].flag)
        /* Translators: %s is a setting such as "memory" or "vCPUs". */
        g_print (_("%s: applied now\n"), _(reported[i].label));
    }

  return 0;
}
