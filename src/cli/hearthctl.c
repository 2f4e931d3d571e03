/* hearthctl.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hearth-core.h"
#include "hearthctl-create.h"
#include "hearthctl-set.h"
#include "hearthctl-snapshot.h"
#include "hearthctl-stats.h"

/* Exit statuses: 0 on success, 1 when the operation failed (no such machine,
 * unreachable connection, invalid state), 2 when the command line is wrong. */
enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
};

/* How long a lifecycle command waits for the machine to reach its new state
 * before it reports success without it. Only for the message: the operation
 * itself has already succeeded by then. */
#define STATE_WAIT_SECONDS 10

typedef struct
{
  GMainLoop          *loop;          /* owned */
  GAsyncResult       *result;        /* owned, set by store_result_cb */
  HearthMachineState  awaited_state; /* for wait_for_state */
  gboolean            timed_out;
} Cli;

typedef struct
{
  const char          *name;
  HearthMachineAction  action;
  HearthMachineState   final_state;  /* UNKNOWN: do not wait */
} Command;

static const Command commands[] = {
  { "start", HEARTH_MACHINE_ACTION_START, HEARTH_MACHINE_STATE_RUNNING },
  { "shutdown", HEARTH_MACHINE_ACTION_SHUTDOWN, HEARTH_MACHINE_STATE_UNKNOWN },
  { "destroy", HEARTH_MACHINE_ACTION_FORCE_OFF, HEARTH_MACHINE_STATE_SHUTOFF },
  { "pause", HEARTH_MACHINE_ACTION_PAUSE, HEARTH_MACHINE_STATE_PAUSED },
  { "resume", HEARTH_MACHINE_ACTION_RESUME, HEARTH_MACHINE_STATE_RUNNING },
};

static const char *
state_to_string (HearthMachineState state)
{
  switch (state)
    {
    case HEARTH_MACHINE_STATE_SHUTOFF:
      return C_("machine state", "shut off");
    case HEARTH_MACHINE_STATE_RUNNING:
      return C_("machine state", "running");
    case HEARTH_MACHINE_STATE_PAUSED:
      return C_("machine state", "paused");
    case HEARTH_MACHINE_STATE_SHUTTING_DOWN:
      return C_("machine state", "shutting down");
    case HEARTH_MACHINE_STATE_CRASHED:
      return C_("machine state", "crashed");
    case HEARTH_MACHINE_STATE_SUSPENDED:
      return C_("machine state", "suspended");
    case HEARTH_MACHINE_STATE_SAVED:
      return C_("machine state", "saved");
    case HEARTH_MACHINE_STATE_UNKNOWN:
    default:
      return C_("machine state", "unknown");
    }
}

/* The machine-readable name of a state for JSON: the enum's nick, such as
 * "running" or "shutting-down", which never changes with the language. */
static const char *
state_to_nick (HearthMachineState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (HEARTH_TYPE_MACHINE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value ? value->value_nick : "unknown";
}

static void
print_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
print_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Translators: the prefix of every error message of the command-line tool. */
  g_printerr (_("hearthctl: %s\n"), message);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Cli *cli = user_data;

  cli->result = g_object_ref (result);
  g_main_loop_quit (cli->loop);
}

/* Runs the main loop until store_result_cb has stored the result of the pending
 * operation, and hands it over. */
static GAsyncResult *
wait_for_result (Cli *cli)
{
  if (cli->result == NULL)
    g_main_loop_run (cli->loop);

  return g_steal_pointer (&cli->result);
}

static void
on_machine_state_notify_cb (HearthMachine *machine,
                            GParamSpec    *pspec,
                            gpointer       user_data)
{
  Cli *cli = user_data;

  if (hearth_machine_get_state (machine) == cli->awaited_state)
    g_main_loop_quit (cli->loop);
}

static gboolean
on_state_timeout_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->timed_out = TRUE;
  g_main_loop_quit (cli->loop);

  return G_SOURCE_REMOVE;
}

/* Lifecycle events arrive on the main loop after the operation has returned, so
 * wait for the one that brings the machine into @state, for a while. */
static gboolean
wait_for_state (Cli                *cli,
                HearthMachine      *machine,
                HearthMachineState  state)
{
  gulong handler;
  guint timeout;

  if (hearth_machine_get_state (machine) == state)
    return TRUE;

  cli->awaited_state = state;
  cli->timed_out = FALSE;
  handler = g_signal_connect (machine, "notify::state",
                              G_CALLBACK (on_machine_state_notify_cb), cli);
  timeout = g_timeout_add_seconds (STATE_WAIT_SECONDS, on_state_timeout_cb, cli);

  g_main_loop_run (cli->loop);

  g_signal_handler_disconnect (machine, handler);
  if (!cli->timed_out)
    g_source_remove (timeout);

  return hearth_machine_get_state (machine) == state;
}

/* The URI to use without --connect: Hearth's own setting when its schema is
 * installed and the key is set, otherwise the core's default. */
static char *
dup_default_uri (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.hearthvm.Hearth", TRUE);

  if (schema != NULL && g_settings_schema_has_key (schema, "default-uri"))
    {
      g_autoptr(GSettings) settings = g_settings_new_full (schema, NULL, NULL);
      g_autofree char *uri = g_settings_get_string (settings, "default-uri");

      if (uri != NULL && *uri != '\0')
        return g_steal_pointer (&uri);
    }

  return hearth_connection_dup_default_uri ();
}

static void
print_connection_error (HearthConnection *connection,
                        const GError     *error)
{
  const char *uri = hearth_connection_get_display_uri (connection);
  const char *detail = error ? error->message : _("Unknown error");
  g_autofree char *message = NULL;

  if (error != NULL && error->domain == HEARTH_ERROR)
    {
      switch (error->code)
        {
        case HEARTH_ERROR_NOT_INSTALLED:
          message = g_strdup_printf (_("The libvirt driver for “%s” is not installed."), uri);
          break;
        case HEARTH_ERROR_DAEMON_NOT_RUNNING:
          message = g_strdup_printf (_("The libvirt daemon for “%s” is not running."), uri);
          break;
        case HEARTH_ERROR_PERMISSION_DENIED:
          message = g_strdup_printf (_("You are not allowed to use the connection “%s”."), uri);
          break;
        case HEARTH_ERROR_INVALID_URI:
          message = g_strdup_printf (_("“%s” is not a valid connection address."), uri);
          break;
        default:
          break;
        }
    }

  if (message == NULL)
    message = g_strdup_printf (_("Could not connect to “%s”."), uri);

  print_error ("%s (%s)", message, detail);
}

static void
print_invalid_state (HearthMachine       *machine,
                     HearthMachineAction  action)
{
  const char *name = hearth_machine_get_name (machine);
  const char *state = state_to_string (hearth_machine_get_state (machine));

  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      print_error (_("Cannot start “%s”: it is %s."), name, state);
      break;
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
      print_error (_("Cannot shut down “%s”: it is %s."), name, state);
      break;
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      print_error (_("Cannot force off “%s”: it is %s."), name, state);
      break;
    case HEARTH_MACHINE_ACTION_PAUSE:
      print_error (_("Cannot pause “%s”: it is %s."), name, state);
      break;
    case HEARTH_MACHINE_ACTION_RESUME:
      print_error (_("Cannot resume “%s”: it is %s."), name, state);
      break;
    case HEARTH_MACHINE_ACTION_REBOOT:
    case HEARTH_MACHINE_ACTION_SAVE:
    default:
      g_assert_not_reached ();
    }
}

static void
print_action_error (HearthMachine       *machine,
                    HearthMachineAction  action,
                    const GError        *error)
{
  const char *name = hearth_machine_get_name (machine);

  if (error->domain == HEARTH_ERROR)
    {
      switch (error->code)
        {
        case HEARTH_ERROR_INVALID_STATE:
        case HEARTH_ERROR_ALREADY_RUNNING:
        case HEARTH_ERROR_NOT_RUNNING:
          print_invalid_state (machine, action);
          return;
        case HEARTH_ERROR_NOT_FOUND:
          print_error (_("The machine “%s” no longer exists."), name);
          return;
        case HEARTH_ERROR_BUSY:
          print_error (_("Another operation on “%s” is under way. Try again when it has finished."),
                       name);
          return;
        case HEARTH_ERROR_CONNECTION_LOST:
          print_error (_("The connection was lost while working on “%s”."), name);
          return;
        default:
          break;
        }
    }

  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      print_error (_("Could not start “%s”: %s"), name, error->message);
      break;
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
      print_error (_("Could not shut down “%s”: %s"), name, error->message);
      break;
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      print_error (_("Could not force off “%s”: %s"), name, error->message);
      break;
    case HEARTH_MACHINE_ACTION_PAUSE:
      print_error (_("Could not pause “%s”: %s"), name, error->message);
      break;
    case HEARTH_MACHINE_ACTION_RESUME:
      print_error (_("Could not resume “%s”: %s"), name, error->message);
      break;
    case HEARTH_MACHINE_ACTION_REBOOT:
    case HEARTH_MACHINE_ACTION_SAVE:
    default:
      g_assert_not_reached ();
    }
}

static void
print_action_done (HearthMachine       *machine,
                   HearthMachineAction  action,
                   gboolean             reached)
{
  const char *name = hearth_machine_get_name (machine);

  switch (action)
    {
    case HEARTH_MACHINE_ACTION_START:
      g_print (_("Started “%s”.\n"), name);
      break;
    case HEARTH_MACHINE_ACTION_SHUTDOWN:
      g_print (_("Asked “%s” to shut down.\n"), name);
      break;
    case HEARTH_MACHINE_ACTION_FORCE_OFF:
      g_print (_("Forced “%s” off.\n"), name);
      break;
    case HEARTH_MACHINE_ACTION_PAUSE:
      g_print (_("Paused “%s”.\n"), name);
      break;
    case HEARTH_MACHINE_ACTION_RESUME:
      g_print (_("Resumed “%s”.\n"), name);
      break;
    case HEARTH_MACHINE_ACTION_REBOOT:
    case HEARTH_MACHINE_ACTION_SAVE:
    default:
      g_assert_not_reached ();
    }

  if (reached)
    g_print (_("“%s” is now %s.\n"), name,
             state_to_string (hearth_machine_get_state (machine)));
}

/* The number of terminal columns @text takes: East Asian wide characters and
 * most emoji take two, combining marks none. */
static int
display_width (const char *text)
{
  int width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

static void
append_cell (GString    *line,
             const char *text,
             int         width,
             gboolean    last)
{
  g_string_append (line, text);
  if (last)
    return;

  for (int pad = width - display_width (text); pad > 0; pad--)
    g_string_append_c (line, ' ');
  g_string_append (line, "  ");
}

static int
compare_machines (gconstpointer a,
                  gconstpointer b)
{
  HearthMachine *machine_a = *(HearthMachine **) a;
  HearthMachine *machine_b = *(HearthMachine **) b;

  return g_strcmp0 (hearth_machine_get_name (machine_a), hearth_machine_get_name (machine_b));
}

static GPtrArray *
list_sorted_machines (HearthConnection *connection)
{
  GListModel *model = hearth_connection_get_machines (connection);
  guint n_items = g_list_model_get_n_items (model);
  GPtrArray *machines = g_ptr_array_new_full (n_items, g_object_unref);

  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (machines, g_list_model_get_item (model, i));
  g_ptr_array_sort (machines, compare_machines);

  return machines;
}

#define N_COLUMNS 5

static void
print_table (GPtrArray *machines)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  int widths[N_COLUMNS] = { 0 };
  char **header;

  /* Translators: column headings of "hearthctl list"; keep them short. */
  header = g_new0 (char *, N_COLUMNS + 1);
  header[0] = g_strdup (_("NAME"));
  header[1] = g_strdup (_("STATE"));
  header[2] = g_strdup (_("VCPUS"));
  header[3] = g_strdup (_("MEMORY"));
  header[4] = g_strdup (_("OS"));
  g_ptr_array_add (rows, header);

  for (guint i = 0; i < machines->len; i++)
    {
      HearthMachine *machine = g_ptr_array_index (machines, i);
      const char *os_id = hearth_machine_get_os_id (machine);
      char **row = g_new0 (char *, N_COLUMNS + 1);

      row[0] = g_strdup (hearth_machine_get_name (machine));
      row[1] = g_strdup (state_to_string (hearth_machine_get_state (machine)));
      row[2] = g_strdup_printf ("%u", hearth_machine_get_vcpus (machine));
      row[3] = g_format_size_full (hearth_machine_get_memory (machine), G_FORMAT_SIZE_IEC_UNITS);
      row[4] = g_strdup (os_id != NULL ? os_id : "-");
      g_ptr_array_add (rows, row);
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      for (int col = 0; col < N_COLUMNS; col++)
        widths[col] = MAX (widths[col], display_width (row[col]));
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      g_autoptr(GString) line = g_string_new (NULL);

      for (int col = 0; col < N_COLUMNS; col++)
        append_cell (line, row[col], widths[col], col == N_COLUMNS - 1);
      g_print ("%s\n", line->str);
    }
}

static void
print_json (GPtrArray *machines)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < machines->len; i++)
    {
      HearthMachine *machine = g_ptr_array_index (machines, i);
      const char *title = hearth_machine_get_title (machine);
      const char *os_id = hearth_machine_get_os_id (machine);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, hearth_machine_get_name (machine));
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, hearth_machine_get_uuid (machine));
      json_builder_set_member_name (builder, "title");
      if (title != NULL && *title != '\0')
        json_builder_add_string_value (builder, title);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state_to_nick (hearth_machine_get_state (machine)));
      json_builder_set_member_name (builder, "vcpus");
      json_builder_add_int_value (builder, hearth_machine_get_vcpus (machine));
      json_builder_set_member_name (builder, "memory_bytes");
      json_builder_add_int_value (builder, (gint64) hearth_machine_get_memory (machine));
      json_builder_set_member_name (builder, "os_id");
      if (os_id != NULL)
        json_builder_add_string_value (builder, os_id);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "persistent");
      json_builder_add_boolean_value (builder, hearth_machine_get_persistent (machine));
      json_builder_set_member_name (builder, "autostart");
      json_builder_add_boolean_value (builder, hearth_machine_get_autostart (machine));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);

  /* JSON is UTF-8 whatever the locale, so bypass g_print's charset conversion. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static int
run_action (Cli              *cli,
            HearthConnection *connection,
            const Command    *command,
            const char       *name_or_uuid)
{
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean reached = FALSE;

  machine = hearth_connection_find_machine (connection, name_or_uuid);
  if (machine == NULL)
    {
      print_error (_("There is no machine called “%s” on “%s”."), name_or_uuid,
                   hearth_connection_get_display_uri (connection));
      return EXIT_FAILED;
    }
  /* find_machine returns a borrowed reference; keep the machine alive even if
   * an event removes it from the connection while we wait. */
  g_object_ref (machine);

  if (!hearth_machine_can_run_action (machine, command->action))
    {
      print_invalid_state (machine, command->action);
      return EXIT_FAILED;
    }

  hearth_machine_run_action_async (machine, command->action, NULL, store_result_cb, cli);
  result = wait_for_result (cli);
  if (!hearth_machine_run_action_finish (machine, result, &error))
    {
      print_action_error (machine, command->action, error);
      return EXIT_FAILED;
    }

  if (command->final_state != HEARTH_MACHINE_STATE_UNKNOWN)
    reached = wait_for_state (cli, machine, command->final_state);

  print_action_done (machine, command->action, reached);

  return EXIT_OK;
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_str_equal (commands[i].name, name))
        return &commands[i];
    }

  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *connect_uri = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  gboolean version = FALSE;
  gboolean set = FALSE;
  gboolean snapshot = FALSE;
  gboolean presets = FALSE;
  gboolean host = FALSE;
  gboolean create = FALSE;
  gboolean stats = FALSE;
  const Command *command = NULL;
  const char *command_name;
  Cli cli = { 0 };
  int status;

  const GOptionEntry entries[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect_uri,
      N_("Connect to the libvirt URI instead of the default one"), N_("URI") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("With list: print the machines as JSON"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("hearthctl");

  /* Translators: the command-line syntax shown by "hearthctl --help". */
  context = g_option_context_new (_("COMMAND [MACHINE]"));
  summary = g_strjoin ("\n",
                       _("Manage Hearth’s virtual machines from the command line."),
                       "",
                       _("Commands:"),
                       _("  list [--json]       List the machines"),
                       _("  start MACHINE       Start a machine"),
                       _("  shutdown MACHINE    Ask a machine to shut down"),
                       _("  destroy MACHINE     Force a machine off, like pulling the plug"),
                       _("  pause MACHINE       Pause a running machine"),
                       _("  resume MACHINE      Resume a paused machine"),
                       _("  set MACHINE OPTIONS Change memory, vCPUs, CPU model, description, CD-ROM "
                         "or autostart"),
                       _("  snapshot list MACHINE [--json]      List a machine’s snapshots"),
                       _("  snapshot create MACHINE [TITLE]     Take a snapshot"),
                       _("  snapshot revert MACHINE SNAPSHOT    Go back to a snapshot"),
                       _("  snapshot delete MACHINE SNAPSHOT    Delete a snapshot"),
                       _("  stats [--json] [--interval S] [--count N] [MACHINE]\n"
                         "                      Show CPU, memory, disk and network use"),
                       "",
                       _("  presets [--json]    List the purposes and the sizes they give here"),
                       _("  host [--json]       Show this host’s processors, memory and tier"),
                       _("  create --name NAME --preset ID [--os OS] [--iso PATH] "
                         "[--disk-size GIB] [--start]"),
                       _("                      Create a machine and print its name"),
                       "",
                       _("MACHINE is a machine’s name or UUID."),
                       NULL);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context,
                                    _("Without --connect, hearthctl uses the same connection "
                                      "as Hearth: the “default-uri” setting if it is set, "
                                      "otherwise qemu:///system for root and qemu:///session "
                                      "for everyone else."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, hearthctl_set_option_entries (), GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, hearthctl_stats_option_entries (), GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, hearthctl_create_option_entries (),
                                     GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  args = g_strdupv (argv);
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      print_error ("%s", error->message);
      g_printerr (_("Run “hearthctl --help” to see the commands and options.\n"));
      return EXIT_USAGE;
    }

  if (version)
    {
      g_print ("hearthctl %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (g_strv_length (args) < 2)
    {
      print_error (_("No command given."));
      g_printerr (_("Run “hearthctl --help” to see the commands and options.\n"));
      return EXIT_USAGE;
    }

  command_name = args[1];
  set = g_str_equal (command_name, "set");
  snapshot = g_str_equal (command_name, "snapshot");
  stats = g_str_equal (command_name, "stats");
  presets = g_str_equal (command_name, "presets");
  host = g_str_equal (command_name, "host");
  create = g_str_equal (command_name, "create");
  if (!create && hearthctl_create_has_options ())
    {
      print_error (_("--name, --preset, --os, --iso, --disk-size and --start only apply to "
                     "“create”."));
      return EXIT_USAGE;
    }
  if (!stats && hearthctl_stats_has_options ())
    {
      print_error (_("--interval and --count only apply to “stats”."));
      return EXIT_USAGE;
    }
  if (!set && hearthctl_set_has_options ())
    {
      print_error (_("--memory, --vcpus, --description, --cdrom, --eject and --autostart only "
                     "apply to “set”."));
      return EXIT_USAGE;
    }
  if (presets || host || create)
    {
      if (g_strv_length (args) != 2)
        {
          print_error (_("“%s” takes no arguments besides its options."), command_name);
          return EXIT_USAGE;
        }
      if (create && (json || !hearthctl_create_check_options (&error)))
        {
          print_error ("%s", error ? error->message : _("--json only applies to “list”."));
          return EXIT_USAGE;
        }
    }
  else if (stats)
    {
      if (!hearthctl_stats_check_args ((const char *const *) args + 2, &error))
        {
          print_error ("%s", error->message);
          return EXIT_USAGE;
        }
    }
  else if (snapshot)
    {
      if (!hearthctl_snapshot_check_args ((const char *const *) args + 2, json, &error))
        {
          print_error ("%s", error->message);
          return EXIT_USAGE;
        }
    }
  else if (set)
    {
      if (g_strv_length (args) != 3)
        {
          print_error (_("“%s” needs exactly one machine name or UUID."), command_name);
          return EXIT_USAGE;
        }
      if (!hearthctl_set_check_options (&error) || json)
        {
          print_error ("%s", error ? error->message : _("--json only applies to “list”."));
          return EXIT_USAGE;
        }
    }
  else if (g_str_equal (command_name, "list"))
    {
      if (g_strv_length (args) != 2)
        {
          print_error (_("“list” takes no arguments."));
          return EXIT_USAGE;
        }
    }
  else
    {
      command = find_command (command_name);
      if (command == NULL)
        {
          print_error (_("Unknown command “%s”."), command_name);
          g_printerr (_("Run “hearthctl --help” to see the commands and options.\n"));
          return EXIT_USAGE;
        }
      if (g_strv_length (args) != 3)
        {
          print_error (_("“%s” needs exactly one machine name or UUID."), command_name);
          return EXIT_USAGE;
        }
      if (json)
        {
          print_error (_("--json only applies to “list”."));
          return EXIT_USAGE;
        }
    }

  hearth_core_init ();

  if (connect_uri == NULL)
    connect_uri = dup_default_uri ();

  cli.loop = g_main_loop_new (NULL, FALSE);
  connection = hearth_connection_new (connect_uri);

  hearth_connection_open_async (connection, NULL, store_result_cb, &cli);
  result = wait_for_result (&cli);
  if (!hearth_connection_open_finish (connection, result, &error))
    {
      print_connection_error (connection, error);
      status = EXIT_FAILED;
    }
  else if (presets)
    {
      status = hearthctl_presets_run (connection, json, cli.loop);
    }
  else if (host)
    {
      status = hearthctl_host_run (connection, json, cli.loop);
    }
  else if (create)
    {
      status = hearthctl_create_run (connection, cli.loop);
    }
  else if (stats)
    {
      status = hearthctl_stats_run (connection, (const char *const *) args + 2, json, cli.loop);
    }
  else if (snapshot)
    {
      status = hearthctl_snapshot_run (connection, (const char *const *) args + 2, json, cli.loop);
    }
  else if (set)
    {
      status = hearthctl_set_run (connection, args[2], cli.loop);
    }
  else if (command == NULL)
    {
      g_autoptr(GPtrArray) machines = list_sorted_machines (connection);

      if (json)
        print_json (machines);
      else
        print_table (machines);
      status = EXIT_OK;
    }
  else
    {
      status = run_action (&cli, connection, command, args[2]);
    }

  hearth_connection_close (connection);
  g_main_loop_unref (cli.loop);

  return status;
}
