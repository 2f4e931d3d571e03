/* test-hearthctl-create.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-cli-create"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "hearth-core.h"

/* "hearthctl host", "presets" and "create" against the test driver's fixtures
 * (tests/data). Every hearthctl process starts from a fresh copy of its fixture,
 * so each test checks what one process prints and returns. The sizes themselves
 * are table-tested in tests/unit; here the answers are checked against the core
 * functions they must agree with. */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static char *fixture_uri;
static char *tiny_pool_uri;
static char *no_pool_uri;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* Runs hearthctl -c URI @argv… in the C locale with UTF-8, so the messages are
 * the untranslated ones. */
static Result *
run_hearthctl (const char         *uri,
               const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Result *result = g_new0 (Result, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  /* G_TEST_OPTION_ISOLATE_DIRS points a child's XDG directories at /dev/null,
   * where libosinfo cannot look for its user database; give it this test's own
   * isolated directories instead. */
  g_subprocess_launcher_setenv (launcher, "HOME", g_get_home_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", g_get_user_state_dir (), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  g_subprocess_launcher_unsetenv (launcher, "XDG_CONFIG_DIRS");
  g_subprocess_launcher_unsetenv (launcher, "XDG_DATA_DIRS");

  g_ptr_array_add (args, (gpointer) HEARTHCTL_PATH);
  g_ptr_array_add (args, (gpointer) "--connect");
  g_ptr_array_add (args, (gpointer) uri);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  g_test_message ("hearthctl %s → %d\nstdout:\n%sstderr:\n%s", argv[0], result->status,
                  result->out, result->err);
  return result;
}

#define run(uri, ...) run_hearthctl (uri, (const char * const[]) { __VA_ARGS__, NULL })

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* The host as "hearthctl host --json" reports it, rebuilt as a profile. */
static HearthHostProfile *
host_from_json (JsonObject *object)
{
  return hearth_host_profile_new (json_object_get_int_member (object, "threads"),
                                  json_object_get_int_member (object, "cores"),
                                  json_object_get_int_member (object, "memory"),
                                  json_object_get_int_member (object, "pool-free"));
}

/* The tier follows from the numbers it comes with, and the text says the same. */
static void
test_host (void)
{
  g_autoptr(Result) json = run (fixture_uri, "host", "--json");
  g_autoptr(Result) text = run (fixture_uri, "host");
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *tier_line = NULL;
  g_autofree char *threads_line = NULL;
  JsonObject *object;
  guint threads;
  guint64 memory;
  const char *tier;

  g_assert_cmpint (json->status, ==, 0);
  g_assert_cmpstr (json->err, ==, "");
  root = parse_json (json->out);
  object = json_node_get_object (root);
  threads = json_object_get_int_member (object, "threads");
  memory = json_object_get_int_member (object, "memory");
  tier = json_object_get_string_member (object, "tier");
  g_assert_cmpuint (threads, >, 0);
  g_assert_cmpuint (memory, >, 0);
  g_assert_cmpstr (tier, ==, hearth_host_tier_to_string (hearth_host_tier_classify (threads,
                                                                                    memory)));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "gpus")));

  g_assert_cmpint (text->status, ==, 0);
  tier_line = g_strdup_printf ("Tier:        %s\n", tier);
  threads_line = g_strdup_printf ("Threads:     %u\n", threads);
  g_assert_nonnull (strstr (text->out, tier_line));
  g_assert_nonnull (strstr (text->out, threads_line));
}

/* Every shipped preset, in order, with the sizes the core gives on this host. */
static void
test_presets (void)
{
  g_autoptr(Result) host_json = run (fixture_uri, "host", "--json");
  g_autoptr(Result) json = run (fixture_uri, "presets", "--json");
  g_autoptr(Result) text = run (fixture_uri, "presets");
  g_autoptr(JsonNode) host_root = parse_json (host_json->out);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(HearthHostProfile) host = host_from_json (json_node_get_object (host_root));
  GListModel *presets = hearth_preset_list_default ();
  JsonArray *array;
  guint n_available = 0;
  guint n_unavailable = 0;

  g_assert_cmpint (json->status, ==, 0);
  g_assert_cmpstr (json->err, ==, "");
  root = parse_json (json->out);
  array = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (array), ==, g_list_model_get_n_items (presets));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, i);
      g_autoptr(GError) error = NULL;
      HearthPresetSizing sizing = { 0 };
      gboolean ok = hearth_preset_size_for (preset, host, NULL, &sizing, &error);
      g_autofree char *line_start = g_strdup_printf ("%-22s %s: ", hearth_preset_get_id (preset),
                                                     hearth_preset_get_name (preset));

      g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==,
                       hearth_preset_get_id (preset));
      g_assert_cmpint (json_object_get_boolean_member (entry, "available"), ==, ok);
      g_assert_nonnull (strstr (text->out, line_start));
      if (ok)
        {
          n_available++;
          g_assert_cmpint (json_object_get_int_member (entry, "vcpus"), ==, sizing.vcpus);
          g_assert_cmpint (json_object_get_int_member (entry, "memory"), ==, sizing.memory);
          g_assert_cmpint (json_object_get_int_member (entry, "disk-size"), ==,
                           sizing.disk_size);
          g_assert_cmpint (json_object_get_boolean_member (entry, "tpm"), ==, sizing.tpm);
          g_assert_cmpint (json_object_get_boolean_member (entry, "sandbox"), ==,
                           sizing.sandbox);
        }
      else
        {
          n_unavailable++;
          g_assert_cmpstr (json_object_get_string_member (entry, "error"), ==, error->message);
        }
    }

  /* The fixture's host (the test driver's 16 threads and 3 GiB) gives some
   * purposes and is too small for others; both kinds must be reported. */
  g_assert_cmpuint (n_available, >, 0);
  g_assert_cmpuint (n_unavailable, >, 0);
  g_assert_nonnull (strstr (text->out, "not available here"));
}

/* A Unicode name, an OS from the catalogue, started at once. */
static void
test_create (void)
{
  const char *name = "学生 <&>'\" 🧪";
  g_autoptr(Result) created = run (fixture_uri, "create", "--name", name,
                                   "--preset", "class-sandbox", "--os", "debian11", "--start");
  g_autoptr(Result) no_pool = run (no_pool_uri, "create", "--name", "fresh",
                                   "--preset", "home-server", "--disk-size", "8");
  /* Sandbox mode is turned on with its clean-state snapshot, or the command fails. */
  g_autoptr(Result) sandbox = run (fixture_uri, "create", "--name", "family",
                                   "--preset", "safe-sandbox");
  g_autofree char *expected = g_strdup_printf ("%s\n", name);

  g_assert_cmpint (sandbox->status, ==, 0);
  g_assert_cmpstr (sandbox->err, ==, "");
  g_assert_cmpstr (sandbox->out, ==, "family\n");

  g_assert_cmpint (created->status, ==, 0);
  g_assert_cmpstr (created->err, ==, "");
  g_assert_cmpstr (created->out, ==, expected);

  /* Without a storage pool, Hearth makes its own. The test driver has no network
   * filters, so the home server's DMZ becomes the home network, with a note. */
  g_assert_cmpint (no_pool->status, ==, 0);
  g_assert_cmpstr (no_pool->out, ==, "fresh\n");
  g_assert_nonnull (strstr (no_pool->err, "DMZ"));
}

/* Makes a bootable ISO image with @volume_id in the test's cache directory. */
static char *
make_iso (const char *file,
          const char *volume_id)
{
  g_autofree char *tree = g_build_filename (g_get_user_cache_dir (), "tree", NULL);
  g_autofree char *boot = g_build_filename (tree, "boot.img", NULL);
  g_autofree char *zeros = g_malloc0 (2048);
  char *path = g_build_filename (g_get_user_cache_dir (), file, NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-V", volume_id,
                         "-b", "boot.img", "-no-emul-boot", "-o", path, tree, NULL };
  int status = -1;

  g_mkdir_with_parents (tree, 0700);
  g_assert_true (g_file_set_contents (boot, zeros, 2048, &error));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                               | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return path;
}

/* --iso without --os: the system on the image sizes the machine; a file that is
 * no ISO image is refused before anything is made. */
static void
test_create_from_iso (void)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  g_autofree char *iso = NULL;
  g_autofree char *notes = g_build_filename (g_get_user_cache_dir (), "notes.iso", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Result) created = NULL;
  g_autoptr(Result) refused = NULL;

  if (xorriso == NULL)
    {
      g_test_skip ("xorriso is not installed");
      return;
    }

  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  iso = make_iso ("debian.iso", "Debian 11.5.0 amd64 n");
  g_assert_true (g_file_set_contents (notes, "not an image\n", -1, &error));

  created = run (fixture_uri, "create", "--name", "from-iso", "--preset", "class-sandbox",
                 "--iso", iso);
  g_assert_cmpint (created->status, ==, 0);
  g_assert_cmpstr (created->out, ==, "from-iso\n");
  g_assert_cmpstr (created->err, ==, "");

  refused = run (fixture_uri, "create", "--name", "from-notes", "--preset", "home-server",
                 "--iso", notes);
  g_assert_cmpint (refused->status, ==, 1);
  g_assert_cmpstr (refused->out, ==, "");
  g_assert_nonnull (strstr (refused->err, "not an ISO image"));
}

/* Failures say what to change, on stderr, with status 1. */
static void
test_create_refused (void)
{
  g_autoptr(Result) taken = run (tiny_pool_uri, "create", "--name", "taken",
                                 "--preset", "home-server");
  g_autoptr(Result) full = run (tiny_pool_uri, "create", "--name", "big",
                                "--preset", "backup-appliance", "--disk-size", "50");
  g_autoptr(Result) os = run (fixture_uri, "create", "--name", "x", "--preset", "home-server",
                              "--os", "no-such-os");
  g_autoptr(Result) iso = run (fixture_uri, "create", "--name", "x", "--preset", "home-server",
                               "--iso", "/nonexistent/hearth.iso");
  g_autoptr(Result) small = run (fixture_uri, "create", "--name", "x",
                                 "--preset", "remote-office", "--os", "win11");

  g_assert_cmpint (taken->status, ==, 1);
  g_assert_cmpstr (taken->out, ==, "");
  g_assert_nonnull (strstr (taken->err, "choose another with --name"));
  g_assert_cmpint (full->status, ==, 1);
  g_assert_nonnull (strstr (full->err, "try a smaller --disk-size"));
  g_assert_cmpint (os->status, ==, 1);
  g_assert_nonnull (strstr (os->err, "Unknown operating system “no-such-os”"));
  g_assert_cmpint (iso->status, ==, 1);
  g_assert_nonnull (strstr (iso->err, "check the path given to --iso"));
  g_assert_cmpint (small->status, ==, 1);
  g_assert_nonnull (strstr (small->err, "This host cannot give what the machine needs"));
}

static void
test_usage (void)
{
  g_autoptr(Result) no_name = run (fixture_uri, "create", "--preset", "home-server");
  g_autoptr(Result) no_preset = run (fixture_uri, "create", "--name", "x");
  g_autoptr(Result) bad_preset = run (fixture_uri, "create", "--name", "x", "--preset", "nope");
  g_autoptr(Result) bad_size = run (fixture_uri, "create", "--name", "x",
                                    "--preset", "home-server", "--disk-size", "0");
  g_autoptr(Result) elsewhere = run (fixture_uri, "list", "--name", "x");
  g_autoptr(Result) extra = run (fixture_uri, "host", "alpha");

  g_assert_cmpint (no_name->status, ==, 2);
  g_assert_nonnull (strstr (no_name->err, "needs --name"));
  g_assert_cmpint (no_preset->status, ==, 2);
  g_assert_nonnull (strstr (no_preset->err, "needs --preset"));
  g_assert_cmpint (bad_preset->status, ==, 2);
  g_assert_nonnull (strstr (bad_preset->err, "There is no preset “nope”"));
  g_assert_cmpint (bad_size->status, ==, 2);
  g_assert_cmpint (elsewhere->status, ==, 2);
  g_assert_nonnull (strstr (elsewhere->err, "only apply to “create”"));
  g_assert_cmpint (extra->status, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fixture_uri = g_strconcat ("test://", DATA_DIR, "/hearth-fixture.xml", NULL);
  tiny_pool_uri = g_strconcat ("test://", DATA_DIR, "/hearth-tiny-pool.xml", NULL);
  no_pool_uri = g_strconcat ("test://", DATA_DIR, "/hearth-no-pool.xml", NULL);

  g_test_add_func ("/cli/create/host", test_host);
  g_test_add_func ("/cli/create/presets", test_presets);
  g_test_add_func ("/cli/create/create", test_create);
  g_test_add_func ("/cli/create/iso", test_create_from_iso);
  g_test_add_func ("/cli/create/refused", test_create_refused);
  g_test_add_func ("/cli/create/usage", test_usage);

  return g_test_run ();
}
