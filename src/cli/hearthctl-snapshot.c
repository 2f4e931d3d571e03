/* hearthctl-snapshot.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearthctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "hearthctl-snapshot.h"

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
};

typedef struct
{
  GMainLoop    *loop;    /* borrowed */
  GAsyncResult *result;  /* owned */
} Wait;

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

static void
on_tree_busy_cb (HearthSnapshotTree *tree,
                 GParamSpec         *pspec,
                 GMainLoop          *loop)
{
  if (!hearth_snapshot_tree_get_busy (tree))
    g_main_loop_quit (loop);
}

/* Waits for the first read of the snapshots. */
static gboolean
load_tree (HearthSnapshotTree *tree,
           GMainLoop          *loop)
{
  gulong id = g_signal_connect (tree, "notify::busy", G_CALLBACK (on_tree_busy_cb), loop);

  while (hearth_snapshot_tree_get_busy (tree))
    g_main_loop_run (loop);
  g_signal_handler_disconnect (tree, id);

  return hearth_snapshot_tree_get_loaded (tree);
}

static const char *
state_label (HearthSnapshotState state)
{
  switch (state)
    {
    case HEARTH_SNAPSHOT_STATE_RUNNING:
      return C_("snapshot state", "running");
    case HEARTH_SNAPSHOT_STATE_PAUSED:
      return C_("snapshot state", "paused");
    case HEARTH_SNAPSHOT_STATE_DISK_ONLY:
      return C_("snapshot state", "disks only");
    case HEARTH_SNAPSHOT_STATE_SHUTOFF:
    default:
      return C_("snapshot state", "shut off");
    }
}

static const char *
state_id (HearthSnapshotState state)
{
  static const char *ids[] = { "shutoff", "running", "paused", "disk-only" };

  return state < G_N_ELEMENTS (ids) ? ids[state] : "shutoff";
}

static const char *
origin_id (HearthSnapshotOrigin origin)
{
  static const char *ids[] = { "user", "automatic", "scheduled" };

  return origin < G_N_ELEMENTS (ids) ? ids[origin] : "user";
}

static char *
format_time (HearthSnapshot *snapshot,
             gboolean        iso)
{
  g_autoptr(GDateTime) date = hearth_snapshot_dup_creation_date (snapshot);

  if (iso)
    return g_date_time_format_iso8601 (date);
  return g_date_time_format (date, "%Y-%m-%d %H:%M:%S");
}

static void
print_json (GListModel *snapshots)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (snapshots); i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (snapshots, i);
      g_autofree char *created = format_time (snapshot, TRUE);
      HearthSnapshot *parent = hearth_snapshot_get_parent (snapshot);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, hearth_snapshot_get_name (snapshot));
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder, hearth_snapshot_get_title (snapshot));
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, hearth_snapshot_get_description (snapshot));
      json_builder_set_member_name (builder, "created");
      json_builder_add_string_value (builder, created);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state_id (hearth_snapshot_get_state (snapshot)));
      json_builder_set_member_name (builder, "origin");
      json_builder_add_string_value (builder, origin_id (hearth_snapshot_get_origin (snapshot)));
      json_builder_set_member_name (builder, "parent");
      json_builder_add_string_value (builder, parent ? hearth_snapshot_get_name (parent) : NULL);
      json_builder_set_member_name (builder, "current");
      json_builder_add_boolean_value (builder, hearth_snapshot_get_current (snapshot));
      json_builder_set_member_name (builder, "external");
      json_builder_add_boolean_value (builder, hearth_snapshot_get_external (snapshot));
      json_builder_set_member_name (builder, "thumbnail");
      json_builder_add_string_value (builder, hearth_snapshot_get_thumbnail_path (snapshot));
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

/* A tree in time order: children are indented under their parent, "*" marks the
 * snapshot the machine's present grew from. */
static void
print_subtree (GListModel *level)
{
  for (guint i = 0; i < g_list_model_get_n_items (level); i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (level, i);
      g_autofree char *created = format_time (snapshot, FALSE);
      g_autofree char *indent = g_strnfill (hearth_snapshot_get_depth (snapshot) * 2, ' ');

      g_print ("%s %s%s  (%s, %s, %s)\n", hearth_snapshot_get_current (snapshot) ? "*" : " ",
               indent, hearth_snapshot_get_title (snapshot), created,
               state_label (hearth_snapshot_get_state (snapshot)),
               hearth_snapshot_get_name (snapshot));
      print_subtree (hearth_snapshot_get_children (snapshot));
    }
}

/**
 * hearthctl_snapshot_check_args:
 * @args: the arguments after "snapshot": SUBCOMMAND MACHINE [NAME]
 *
 * Returns: whether the arguments make sense, before any connection is opened
 */
gboolean
hearthctl_snapshot_check_args (const char *const *args,
                               gboolean           json,
                               GError           **error)
{
  guint n = g_strv_length ((char **) args);
  const char *sub = n > 0 ? args[0] : NULL;

  if (sub == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("“snapshot” needs list, create, revert or delete."));
      return FALSE;
    }
  if (json && !g_str_equal (sub, "list"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("--json only applies to “list” and “snapshot list”."));
      return FALSE;
    }
  if (g_str_equal (sub, "list") && n == 2)
    return TRUE;
  if (g_str_equal (sub, "create") && (n == 2 || n == 3))
    return TRUE;
  if ((g_str_equal (sub, "revert") || g_str_equal (sub, "delete")) && n == 3)
    return TRUE;

  if (!g_str_equal (sub, "list") && !g_str_equal (sub, "create") && !g_str_equal (sub, "revert")
      && !g_str_equal (sub, "delete"))
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                 _("Unknown snapshot command “%s”."), sub);
  else
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                 _("Usage: hearthctl snapshot list MACHINE [--json] | create MACHINE [TITLE] | "
                   "revert MACHINE SNAPSHOT | delete MACHINE SNAPSHOT"));
  return FALSE;
}

/**
 * hearthctl_snapshot_run:
 * @args: SUBCOMMAND MACHINE [NAME], checked by hearthctl_snapshot_check_args()
 *
 * Returns: the exit status
 */
int
hearthctl_snapshot_run (HearthConnection  *connection,
                        const char *const *args,
                        gboolean           json,
                        GMainLoop         *loop)
{
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachine *machine;
  HearthSnapshot *snapshot = NULL;
  const char *sub = args[0];
  const char *machine_name = args[1];
  const char *name = args[1] ? args[2] : NULL;
  Wait wait = { loop, NULL };

  machine = hearth_connection_find_machine (connection, machine_name);
  if (machine == NULL)
    {
      print_error (_("There is no machine called “%s” on “%s”."), machine_name,
                   hearth_connection_get_display_uri (connection));
      return EXIT_FAILED;
    }

  tree = hearth_snapshot_tree_new (machine);
  if (!load_tree (tree, loop))
    {
      const GError *load_error = hearth_snapshot_tree_get_error (tree);

      print_error (_("Could not read the snapshots of “%s”: %s"),
                   hearth_machine_get_display_name (machine),
                   load_error ? load_error->message : _("Unknown error"));
      return EXIT_FAILED;
    }

  if (g_str_equal (sub, "list"))
    {
      if (json)
        print_json (hearth_snapshot_tree_get_snapshots (tree));
      else
        print_subtree (hearth_snapshot_tree_get_roots (tree));
      return EXIT_OK;
    }

  if (g_str_equal (sub, "create"))
    {
      g_autoptr(HearthSnapshot) created = NULL;

      hearth_snapshot_tree_create_async (tree, name, NULL, NULL, store_result_cb, &wait);
      result = wait_for_result (&wait);
      if (!(created = hearth_snapshot_tree_create_finish (tree, result, &error)))
        {
          print_error (_("Could not take a snapshot of “%s”: %s"),
                       hearth_machine_get_display_name (machine), error->message);
          return EXIT_FAILED;
        }
      g_print (_("Took the snapshot “%s” (%s) of “%s”.\n"), hearth_snapshot_get_title (created),
               hearth_snapshot_get_name (created), hearth_machine_get_display_name (machine));
      return EXIT_OK;
    }

  snapshot = hearth_snapshot_tree_find (tree, name);
  if (snapshot == NULL)
    {
      print_error (_("“%s” has no snapshot called “%s”."),
                   hearth_machine_get_display_name (machine), name);
      return EXIT_FAILED;
    }
  g_object_ref (snapshot);

  if (g_str_equal (sub, "revert"))
    {
      hearth_snapshot_tree_revert_async (tree, snapshot, NULL, store_result_cb, &wait);
      result = wait_for_result (&wait);
      if (!hearth_snapshot_tree_revert_finish (tree, result, &error))
        print_error (_("Could not go back to “%s”: %s"), hearth_snapshot_get_title (snapshot),
                     error->message);
      else
        g_print (_("“%s” went back to “%s”.\n"), hearth_machine_get_display_name (machine),
                 hearth_snapshot_get_title (snapshot));
    }
  else
    {
      hearth_snapshot_tree_delete_async (tree, snapshot, FALSE, NULL, store_result_cb, &wait);
      result = wait_for_result (&wait);
      if (!hearth_snapshot_tree_delete_finish (tree, result, &error))
        print_error (_("Could not delete “%s”: %s"), hearth_snapshot_get_title (snapshot),
                     error->message);
      else
        g_print (_("Deleted the snapshot “%s” of “%s”.\n"), hearth_snapshot_get_title (snapshot),
                 hearth_machine_get_display_name (machine));
    }

  g_object_unref (snapshot);
  return error != NULL ? EXIT_FAILED : EXIT_OK;
}
