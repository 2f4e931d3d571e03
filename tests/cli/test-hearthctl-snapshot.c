/* test-hearthctl-snapshot.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hearthctl snapshot, run as a program against the test driver with a machine
 * whose snapshots fork (tests/data/snapshots-node.xml). Each run gets a fresh
 * copy of the fixture, so every case starts from the same tree.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static Result *
run (const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  Result *result = g_new0 (Result, 1);
  int wait_status = 0;
  va_list args;

  g_ptr_array_add (argv, g_strdup (HEARTHCTL_PATH));
  g_ptr_array_add (argv, g_strdup ("--connect"));
  g_ptr_array_add (argv, g_strconcat ("test://", SNAPSHOTS_FIXTURE_PATH, NULL));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "TZ", "UTC", TRUE);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &result->out,
                &result->err, &wait_status, &error);
  g_assert_no_error (error);
  result->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return result;
}

static void
test_list_table (void)
{
  g_autoptr(Result) result = run ("snapshot", "list", "family", NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  /* Time order, children indented under the root, the current one starred. */
  g_assert_true (g_str_has_prefix (lines[0], "  Fresh install  (2025-11-01 10:00:00, running, "));
  g_assert_true (g_str_has_prefix (lines[1], "    Homework 作业  ("));
  g_assert_true (g_str_has_prefix (lines[2], "*   Before changing memory  ("));
  g_assert_nonnull (strstr (lines[2], "shut off"));
}

static void
test_list_json (void)
{
  g_autoptr(Result) result = run ("snapshot", "list", "family", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  JsonObject *root, *homework, *automatic;

  g_assert_cmpint (result->status, ==, 0);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 3);

  root = json_array_get_object_element (array, 0);
  homework = json_array_get_object_element (array, 1);
  automatic = json_array_get_object_element (array, 2);
  g_assert_cmpstr (json_object_get_string_member (root, "title"), ==, "Fresh install");
  g_assert_true (json_node_is_null (json_object_get_member (root, "parent")));
  g_assert_cmpstr (json_object_get_string_member (root, "created"), ==, "2025-11-01T10:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (homework, "parent"), ==,
                   "hearth-20261101-100000");
  g_assert_cmpstr (json_object_get_string_member (homework, "description"), ==, "notes here");
  g_assert_cmpstr (json_object_get_string_member (homework, "origin"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (automatic, "origin"), ==, "automatic");
  g_assert_cmpstr (json_object_get_string_member (automatic, "state"), ==, "shutoff");
  g_assert_true (json_object_get_boolean_member (automatic, "current"));
  g_assert_false (json_object_get_boolean_member (root, "current"));
}

static void
test_create_revert_delete (void)
{
  g_autoptr(Result) create = run ("snapshot", "create", "family", "Before games 游戏", NULL);
  g_autoptr(Result) revert = run ("snapshot", "revert", "family", "Homework 作业", NULL);
  g_autoptr(Result) revert_name = run ("snapshot", "revert", "family", "hearth-20261101-100000",
                                       NULL);
  g_autoptr(Result) remove = run ("snapshot", "delete", "family", "Fresh install", NULL);
  g_autoptr(Result) missing = run ("snapshot", "revert", "family", "no such", NULL);
  g_autoptr(Result) raw = run ("snapshot", "create", "raw", NULL);

  g_assert_cmpint (create->status, ==, 0);
  g_assert_nonnull (strstr (create->out, "Before games 游戏"));
  g_assert_cmpint (revert->status, ==, 0);
  g_assert_nonnull (strstr (revert->out, "went back to “Homework 作业”"));
  g_assert_cmpint (revert_name->status, ==, 0);
  g_assert_cmpint (remove->status, ==, 0);
  g_assert_nonnull (strstr (remove->out, "Deleted the snapshot “Fresh install”"));
  g_assert_cmpint (missing->status, ==, 1);
  g_assert_nonnull (strstr (missing->err, "no snapshot called “no such”"));
  /* A raw disk: the error says why and what to do. */
  g_assert_cmpint (raw->status, ==, 1);
  g_assert_nonnull (strstr (raw->err, "raw image"));
  g_assert_nonnull (strstr (raw->err, "qcow2"));
}

static void
test_usage (void)
{
  g_autoptr(Result) none = run ("snapshot", NULL);
  g_autoptr(Result) unknown = run ("snapshot", "frobnicate", "family", NULL);
  g_autoptr(Result) short_revert = run ("snapshot", "revert", "family", NULL);
  g_autoptr(Result) json = run ("snapshot", "create", "family", "--json", NULL);
  g_autoptr(Result) machine = run ("snapshot", "list", "nobody", NULL);

  g_assert_cmpint (none->status, ==, 2);
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "frobnicate"));
  g_assert_cmpint (short_revert->status, ==, 2);
  g_assert_cmpint (json->status, ==, 2);
  g_assert_cmpint (machine->status, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/snapshot/list-table", test_list_table);
  g_test_add_func ("/cli/snapshot/list-json", test_list_json);
  g_test_add_func ("/cli/snapshot/create-revert-delete", test_create_revert_delete);
  g_test_add_func ("/cli/snapshot/usage", test_usage);

  return g_test_run ();
}
