/* test-hearthctl.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-cli"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* These tests run the installed-to-be hearthctl binary against libvirt's test
 * driver. Every hearthctl process opens its own driver instance, which starts
 * from test:///default's or the fixture's initial state, so each test checks
 * what one process prints and returns. A lifecycle command waits for the state
 * event before it reports the new state, which shows that the change reached
 * the model through libvirt's events. */

#define WEIRD_NAME "家庭实验室-🔥-<&>'\""

typedef struct
{
  const char *name;
  const char *uuid;
  const char *title;
  const char *state;
  guint       vcpus;
  gint64      memory_bytes;
  const char *os_id;
} FixtureMachine;

/* What fixture.xml defines, in hearthctl's sort order (byte order of names). */
static const FixtureMachine fixture_machines[] = {
  { "alpha", "6f0a7c2e-4b1d-4c8e-9a55-0c1d2e3f4a01", "Alpha workstation", "shutoff", 2,
    G_GINT64_CONSTANT (2048) * 1024 * 1024, "http://ubuntu.com/ubuntu/22.04" },
  { "bravo", "6f0a7c2e-4b1d-4c8e-9a55-0c1d2e3f4a02", NULL, "running", 1,
    G_GINT64_CONSTANT (512) * 1024 * 1024, NULL },
  { "charlie", "6f0a7c2e-4b1d-4c8e-9a55-0c1d2e3f4a03", NULL, "paused", 4,
    G_GINT64_CONSTANT (4) * 1024 * 1024 * 1024, NULL },
  { WEIRD_NAME, "6f0a7c2e-4b1d-4c8e-9a55-0c1d2e3f4a04", "沙盒 🧪", "running", 1,
    G_GINT64_CONSTANT (768) * 1024 * 1024, NULL },
};

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static char *fixture_uri;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* Runs hearthctl with @argv (NULL-terminated, without the program) and
 * @extra_env (NULL or KEY=VALUE pairs) in the C locale with UTF-8, so the
 * messages are the untranslated ones. */
static Result *
run_hearthctl_env (const char * const *argv,
                   const char * const *extra_env)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Result *result = g_new0 (Result, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (extra_env[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  g_ptr_array_add (args, (gpointer) HEARTHCTL_PATH);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  g_test_message ("hearthctl %s → %d\nstdout:\n%sstderr:\n%s",
                  argv[0] ? argv[0] : "", result->status, result->out, result->err);

  return result;
}

#define run_hearthctl(...) \
  run_hearthctl_env ((const char * const[]) { __VA_ARGS__, NULL }, NULL)

static JsonArray *
parse_json_array (const char *text,
                  JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);

  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));

  return json_node_get_array (root);
}

static const char *
get_nullable_string (JsonObject *object,
                     const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  if (json_object_get_null_member (object, member))
    return NULL;

  return json_object_get_string_member (object, member);
}

static int
display_width (const char *text,
               gsize       n_bytes)
{
  int width = 0;

  for (const char *p = text; p < text + n_bytes; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_iszerowidth (c))
        width += g_unichar_iswide (c) ? 2 : 1;
    }

  return width;
}

/* --- usage --- */

static void
test_version (void)
{
  g_autoptr(Result) result = run_hearthctl ("--version");
  g_autofree char *expected = g_strdup_printf ("hearthctl %s\n", PACKAGE_VERSION);

  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->out, ==, expected);
}

static void
test_help (void)
{
  g_autoptr(Result) result = run_hearthctl ("--help");
  const char *words[] = { "--connect", "--json", "list", "start", "shutdown",
                          "destroy", "pause", "resume" };

  g_assert_cmpint (result->status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    g_assert_nonnull (strstr (result->out, words[i]));
}

static void
test_usage_errors (void)
{
  g_autoptr(Result) none = run_hearthctl ("--connect", "test:///default");
  g_autoptr(Result) unknown = run_hearthctl ("frobnicate", "test");
  g_autoptr(Result) missing = run_hearthctl ("start");
  g_autoptr(Result) extra = run_hearthctl ("list", "test");
  g_autoptr(Result) json = run_hearthctl ("--json", "start", "test");
  g_autoptr(Result) option = run_hearthctl ("--no-such-option", "list");

  g_assert_cmpint (none->status, ==, 2);
  g_assert_nonnull (strstr (none->err, "No command"));
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "frobnicate"));
  g_assert_cmpint (missing->status, ==, 2);
  g_assert_nonnull (strstr (missing->err, "start"));
  g_assert_cmpint (extra->status, ==, 2);
  g_assert_cmpint (json->status, ==, 2);
  g_assert_nonnull (strstr (json->err, "--json"));
  g_assert_cmpint (option->status, ==, 2);

  /* Usage errors go to stderr only: scripts parse stdout. */
  g_assert_cmpstr (none->out, ==, "");
  g_assert_cmpstr (unknown->out, ==, "");
}

/* --- list --- */

static void
test_list_default_json (void)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", "test:///default", "list", "--json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *machines;
  JsonObject *test;

  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->err, ==, "");

  /* libvirt's default test driver has one running machine called "test". */
  machines = parse_json_array (result->out, parser);
  g_assert_cmpuint (json_array_get_length (machines), ==, 1);
  test = json_array_get_object_element (machines, 0);
  g_assert_cmpstr (json_object_get_string_member (test, "name"), ==, "test");
  g_assert_cmpstr (json_object_get_string_member (test, "state"), ==, "running");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (test, "uuid")));
  g_assert_cmpint (json_object_get_int_member (test, "vcpus"), >, 0);
  g_assert_cmpint (json_object_get_int_member (test, "memory_bytes"), >, 0);
  g_assert_true (json_object_get_boolean_member (test, "persistent"));
  g_assert_true (json_object_has_member (test, "autostart"));
  g_assert_true (json_object_has_member (test, "title"));
  g_assert_true (json_object_has_member (test, "os_id"));
}

static void
test_list_default_table (void)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", "test:///default", "list");
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);

  /* A header, one machine, and the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "NAME"));
  g_assert_nonnull (strstr (lines[0], "STATE"));
  g_assert_true (g_str_has_prefix (lines[1], "test "));
  g_assert_nonnull (strstr (lines[1], "running"));
}

static void
test_list_fixture_json (void)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", fixture_uri, "list", "--json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *machines;

  g_assert_cmpint (result->status, ==, 0);
  machines = parse_json_array (result->out, parser);
  g_assert_cmpuint (json_array_get_length (machines), ==, G_N_ELEMENTS (fixture_machines));

  for (guint i = 0; i < G_N_ELEMENTS (fixture_machines); i++)
    {
      const FixtureMachine *expected = &fixture_machines[i];
      JsonObject *machine = json_array_get_object_element (machines, i);

      g_assert_cmpstr (json_object_get_string_member (machine, "name"), ==, expected->name);
      g_assert_cmpstr (json_object_get_string_member (machine, "uuid"), ==, expected->uuid);
      g_assert_cmpstr (get_nullable_string (machine, "title"), ==, expected->title);
      g_assert_cmpstr (json_object_get_string_member (machine, "state"), ==, expected->state);
      g_assert_cmpint (json_object_get_int_member (machine, "vcpus"), ==, expected->vcpus);
      g_assert_cmpint (json_object_get_int_member (machine, "memory_bytes"), ==,
                       expected->memory_bytes);
      g_assert_cmpstr (get_nullable_string (machine, "os_id"), ==, expected->os_id);
      g_assert_true (json_object_get_boolean_member (machine, "persistent"));
      g_assert_false (json_object_get_boolean_member (machine, "autostart"));
    }
}

static void
test_list_fixture_table (void)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", fixture_uri, "list");
  g_auto(GStrv) lines = NULL;
  g_autofree char *size = NULL;
  int state_column;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (fixture_machines) + 2);

  /* The STATE column starts at the same terminal column on every line, even
   * after a name with Chinese characters and an emoji (two columns each). */
  state_column = display_width (lines[0], strstr (lines[0], "STATE") - lines[0]);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_machines); i++)
    {
      const char *line = lines[i + 1];
      const char *name = fixture_machines[i].name;
      const char *after_name;

      g_assert_true (g_str_has_prefix (line, name));
      after_name = line + strlen (name);
      while (*after_name == ' ')
        after_name++;
      g_assert_cmpint (display_width (line, after_name - line), ==, state_column);
    }

  g_assert_nonnull (strstr (lines[1], "shut off"));
  size = g_format_size_full (fixture_machines[0].memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_assert_nonnull (strstr (lines[1], size));
  g_assert_nonnull (strstr (lines[1], "http://ubuntu.com/ubuntu/22.04"));
  g_assert_nonnull (strstr (lines[3], "paused"));
}

static void
test_list_uses_setting (void)
{
  g_autofree char *config_dir = NULL;
  g_autofree char *glib_dir = NULL;
  g_autofree char *keyfile_dir = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *config_env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Result) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *machines;

  /* Point the "default-uri" key at the fixture through the keyfile backend;
   * hearthctl without --connect must then list the fixture's machines. */
  config_dir = g_dir_make_tmp ("hearthctl-config-XXXXXX", &error);
  g_assert_no_error (error);
  glib_dir = g_build_filename (config_dir, "glib-2.0", NULL);
  keyfile_dir = g_build_filename (glib_dir, "settings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (keyfile_dir, 0700), ==, 0);
  keyfile = g_build_filename (keyfile_dir, "keyfile", NULL);
  contents = g_strdup_printf ("[org/hearthvm/Hearth]\ndefault-uri='%s'\n", fixture_uri);
  g_file_set_contents (keyfile, contents, -1, &error);
  g_assert_no_error (error);
  config_env = g_strconcat ("XDG_CONFIG_HOME=", config_dir, NULL);

  result = run_hearthctl_env ((const char * const[]) { "list", "--json", NULL },
                              (const char * const[]) { "GSETTINGS_BACKEND=keyfile",
                                                       config_env, NULL });
  g_assert_cmpint (result->status, ==, 0);
  machines = parse_json_array (result->out, parser);
  g_assert_cmpuint (json_array_get_length (machines), ==, G_N_ELEMENTS (fixture_machines));

  g_remove (keyfile);
  g_rmdir (keyfile_dir);
  g_rmdir (glib_dir);
  g_rmdir (config_dir);
}

/* --- lifecycle --- */

typedef struct
{
  const char *command;
  const char *machine;
  int         status;
  const char *stdout_part;  /* must appear on stdout when status is 0 */
  const char *stderr_part;  /* must appear on stderr when status is not 0 */
} ActionCase;

static void
check_action (const ActionCase *c)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", fixture_uri, c->command, c->machine);

  g_assert_cmpint (result->status, ==, c->status);
  if (c->status == 0)
    {
      g_assert_nonnull (strstr (result->out, c->stdout_part));
      g_assert_cmpstr (result->err, ==, "");
    }
  else
    {
      g_assert_nonnull (strstr (result->err, c->stderr_part));
      g_assert_cmpstr (result->out, ==, "");
    }
}

static void
test_action_start (void)
{
  check_action (&(ActionCase) { "start", "alpha", 0, "“alpha” is now running.", NULL });
  check_action (&(ActionCase) { "start", "bravo", 1, NULL, "Cannot start “bravo”: it is running." });
  check_action (&(ActionCase) { "start", "charlie", 1, NULL, "Cannot start “charlie”" });
}

static void
test_action_destroy (void)
{
  check_action (&(ActionCase) { "destroy", "bravo", 0, "“bravo” is now shut off.", NULL });
  check_action (&(ActionCase) { "destroy", "charlie", 0, "“charlie” is now shut off.", NULL });
  check_action (&(ActionCase) { "destroy", "alpha", 1, NULL, "Cannot force off “alpha”: it is shut off." });
}

static void
test_action_pause_resume (void)
{
  check_action (&(ActionCase) { "pause", "bravo", 0, "“bravo” is now paused.", NULL });
  check_action (&(ActionCase) { "pause", "charlie", 1, NULL, "Cannot pause “charlie”: it is paused." });
  check_action (&(ActionCase) { "pause", "alpha", 1, NULL, "Cannot pause “alpha”: it is shut off." });
  check_action (&(ActionCase) { "resume", "charlie", 0, "“charlie” is now running.", NULL });
  check_action (&(ActionCase) { "resume", "bravo", 1, NULL, "Cannot resume “bravo”: it is running." });
}

static void
test_action_shutdown (void)
{
  check_action (&(ActionCase) { "shutdown", "bravo", 0, "Asked “bravo” to shut down.", NULL });
  check_action (&(ActionCase) { "shutdown", "alpha", 1, NULL, "Cannot shut down “alpha”" });
}

static void
test_action_by_uuid (void)
{
  check_action (&(ActionCase) { "pause", fixture_machines[1].uuid, 0, "“bravo” is now paused.", NULL });
}

static void
test_action_odd_name (void)
{
  check_action (&(ActionCase) { "pause", WEIRD_NAME, 0, "“" WEIRD_NAME "” is now paused.", NULL });
  check_action (&(ActionCase) { "start", WEIRD_NAME, 1, NULL, "Cannot start “" WEIRD_NAME "”" });
}

/* --- errors --- */

static void
test_error_unknown_machine (void)
{
  g_autoptr(Result) result = run_hearthctl ("--connect", fixture_uri, "start", "no-such-machine");
  g_autoptr(Result) odd = run_hearthctl ("--connect", fixture_uri, "pause", "不存在 👻 <&>");

  g_assert_cmpint (result->status, ==, 1);
  g_assert_cmpstr (result->out, ==, "");
  g_assert_nonnull (strstr (result->err, "There is no machine called “no-such-machine”"));
  g_assert_cmpint (odd->status, ==, 1);
  g_assert_nonnull (strstr (odd->err, "“不存在 👻 <&>”"));
}

static void
test_error_unreachable (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *socket_uri = NULL;
  g_autofree char *missing_file_uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Result) no_daemon = NULL;
  g_autoptr(Result) no_file = NULL;
  g_autoptr(Result) bad_uri = NULL;

  /* A socket path in an empty directory: nothing listens there. */
  dir = g_dir_make_tmp ("hearthctl-XXXXXX", &error);
  g_assert_no_error (error);
  socket_uri = g_strdup_printf ("qemu+unix:///system?socket=%s/libvirt-sock", dir);
  missing_file_uri = g_strdup_printf ("test://%s/missing.xml", dir);

  no_daemon = run_hearthctl ("--connect", socket_uri, "list");
  g_assert_cmpint (no_daemon->status, !=, 0);
  g_assert_cmpstr (no_daemon->out, ==, "");
  g_assert_nonnull (strstr (no_daemon->err, "hearthctl: "));
  g_assert_nonnull (strstr (no_daemon->err, "qemu+unix:///system"));

  no_file = run_hearthctl ("--connect", missing_file_uri, "start", "alpha");
  g_assert_cmpint (no_file->status, !=, 0);
  g_assert_nonnull (strstr (no_file->err, "missing.xml"));

  bad_uri = run_hearthctl ("--connect", "::this is not a URI::", "list", "--json");
  g_assert_cmpint (bad_uri->status, !=, 0);
  g_assert_cmpstr (bad_uri->out, ==, "");
  g_assert_nonnull (strstr (bad_uri->err, "hearthctl: "));

  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  fixture_uri = g_strconcat ("test://", FIXTURE_PATH, NULL);

  g_test_add_func ("/cli/usage/version", test_version);
  g_test_add_func ("/cli/usage/help", test_help);
  g_test_add_func ("/cli/usage/errors", test_usage_errors);
  g_test_add_func ("/cli/list/default-json", test_list_default_json);
  g_test_add_func ("/cli/list/default-table", test_list_default_table);
  g_test_add_func ("/cli/list/fixture-json", test_list_fixture_json);
  g_test_add_func ("/cli/list/fixture-table", test_list_fixture_table);
  g_test_add_func ("/cli/list/default-uri-setting", test_list_uses_setting);
  g_test_add_func ("/cli/action/start", test_action_start);
  g_test_add_func ("/cli/action/destroy", test_action_destroy);
  g_test_add_func ("/cli/action/pause-resume", test_action_pause_resume);
  g_test_add_func ("/cli/action/shutdown", test_action_shutdown);
  g_test_add_func ("/cli/action/by-uuid", test_action_by_uuid);
  g_test_add_func ("/cli/action/odd-name", test_action_odd_name);
  g_test_add_func ("/cli/error/unknown-machine", test_error_unknown_machine);
  g_test_add_func ("/cli/error/unreachable", test_error_unreachable);

  status = g_test_run ();
  g_free (fixture_uri);

  return status;
}
